//! The transport: `Content-Length` frames on stdin and stdout, read robustly.
//!
//! `lsp-server`'s own stdio reader ends the server on the first bad frame (invalid JSON, a
//! lone surrogate escape, invalid UTF-8, a bad `Content-Length`, a malformed header line) and
//! allocates whatever `Content-Length` says. This module owns the framing and hands
//! `lsp-server` a [`Connection`] built from its own channels, so the rest of the server is
//! unchanged. Per JSON-RPC: a body that is not JSON (or is a batch array) is answered with a
//! `-32700` parse error; one that is JSON but not a message with `-32600`; a frame that cannot
//! be read is skipped with a logged reason; header lines and bodies are capped; invalid UTF-8
//! and lone surrogate escapes (which JavaScript clients send) are decoded leniently, as
//! U+FFFD. Only a closed stdin (or `exit`) ends the reader.
//!
//! Large notifications (a `publishDiagnostics` of thousands of diagnostics) skip `lsp-server`'s
//! `serde_json::Value` tree, which costs several times the JSON text: the server serializes
//! them straight to text ([`preserialized`]) and the writer splices that text into the frame.

use crossbeam_channel::{Receiver, Sender, bounded, select, unbounded};
use lsp_server::{Connection, ErrorCode, Message};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::io::{self, BufRead, Read, Write};
use std::thread;

/// The longest header line kept; a longer one is skipped without being buffered.
pub const MAX_HEADER_LINE: usize = 8 * 1024;
/// The largest body read (documents are capped at 16 MiB; a message carries one or two).
pub const MAX_BODY: u64 = 64 * 1024 * 1024;
/// The most header lines of one frame.
const MAX_HEADER_LINES: usize = 64;

/// One frame read from the client.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// The body of a frame, exactly `Content-Length` bytes.
    Body(Vec<u8>),
    /// A frame that could not be read, and why (logged; the reader goes on with the next).
    Skipped(String),
}

/// Reads the next frame; `None` when the input is closed. A frame whose `Content-Length` is
/// missing, unreadable or over [`MAX_BODY`] is skipped *without* reading a body: the reader
/// resynchronizes on the next `Content-Length` header line (a line ending in
/// `Content-Length: N`, so a frame glued to the previous one is still found).
pub fn read_frame(r: &mut impl BufRead) -> io::Result<Option<Frame>> {
    let mut length: Option<Result<u64, String>> = None;
    let mut problems: Vec<&'static str> = Vec::new();
    let mut lines = 0;
    let mut line = Vec::new();
    loop {
        let too_long = match read_line(r, &mut line)? {
            None => return Ok(None),
            Some(too_long) => too_long,
        };
        if too_long {
            problems.push("a header line longer than 8 KiB was skipped");
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if length.is_some() || !problems.is_empty() {
                break;
            }
            // Blank lines between frames are harmless.
            continue;
        }
        lines += 1;
        if lines > MAX_HEADER_LINES {
            return Ok(Some(Frame::Skipped(format!(
                "more than {MAX_HEADER_LINES} header lines"
            ))));
        }
        // The last `Content-Length:` of the line: a header glued to the rest of a frame
        // that was skipped (or to a header line that lacked its line break) is still found.
        let lower = text.to_ascii_lowercase();
        match lower.rfind("content-length:") {
            Some(at) => {
                let value = text[at + "content-length:".len()..].trim();
                length = Some(
                    value
                        .parse::<u64>()
                        .map_err(|_| format!("Content-Length `{}` is not a number", clip(value))),
                );
            }
            None if !text.contains(':') => {
                problems.push("a header line without a colon was skipped");
            }
            // Another header (`Content-Type`): nothing to do.
            None => {}
        }
    }
    let length = match length {
        None => {
            return Ok(Some(Frame::Skipped(format!(
                "a frame without a Content-Length header ({})",
                problems.join("; ")
            ))));
        }
        Some(Err(why)) => return Ok(Some(Frame::Skipped(why))),
        Some(Ok(n)) if n > MAX_BODY => {
            return Ok(Some(Frame::Skipped(format!(
                "Content-Length {n} is over the {} MiB limit; the frame is skipped",
                MAX_BODY / 1024 / 1024
            ))));
        }
        Some(Ok(n)) => n,
    };
    // Grown as bytes arrive, never allocated up front from the header.
    let mut body = Vec::new();
    r.take(length).read_to_end(&mut body)?;
    if (body.len() as u64) < length {
        return Ok(None);
    }
    Ok(Some(Frame::Body(body)))
}

/// Reads one line (through `\n`, or to the end of input) into `line`; `Some(true)` when it was
/// longer than [`MAX_HEADER_LINE`] (then it is consumed but not kept), `None` at the end.
fn read_line(r: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
    line.clear();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(read_any.then_some(too_long));
        }
        read_any = true;
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let used = chunk.len();
        if !too_long {
            if line.len() + used > MAX_HEADER_LINE {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        r.consume(used);
        if done {
            return Ok(Some(too_long));
        }
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A body as a message, or the error response to send back (`id` null when there is none).
pub fn decode(body: Vec<u8>) -> Result<Message, Value> {
    let text = match String::from_utf8(body) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    let text = lenient_surrogates(&text);
    match serde_json::from_str::<Message>(&text) {
        Ok(message) => Ok(message),
        Err(e) => Err(error_for(&text, &e)),
    }
}

/// The JSON-RPC error answering a body that is not a message.
fn error_for(text: &str, e: &serde_json::Error) -> Value {
    let value = match serde_json::from_str::<Value>(text) {
        Err(parse) => {
            return error_response(
                Value::Null,
                ErrorCode::ParseError,
                format!(
                    "parse error: not JSON (line {}, column {}): {parse}",
                    parse.line(),
                    parse.column()
                ),
            );
        }
        Ok(value) => value,
    };
    if value.is_array() {
        return error_response(
            Value::Null,
            ErrorCode::ParseError,
            "parse error: a JSON array (a batch) is not a language server message".to_owned(),
        );
    }
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    error_response(
        id,
        ErrorCode::InvalidRequest,
        format!("invalid request: not a JSON-RPC request, response or notification ({e})"),
    )
}

fn error_response(id: Value, code: ErrorCode, message: String) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code as i32, "message": message } })
}

/// `\ud800` not followed by a low surrogate (or a lone `\udc00`) becomes `\ufffd`: JSON
/// allows the escape, UTF-8 cannot hold it, and `serde_json` refuses the whole message.
pub fn lenient_surrogates(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let hex = |at: usize| -> Option<u32> {
        let digits = text.get(at..at + 4)?;
        u32::from_str_radix(digits, 16)
            .ok()
            .filter(|_| digits.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let escape_at = |at: usize| -> Option<u32> {
        (bytes.get(at) == Some(&b'\\') && bytes.get(at + 1) == Some(&b'u'))
            .then(|| hex(at + 2))
            .flatten()
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(i) else {
            // Some other escape (`\"`, `\\`, ...): skip both bytes.
            i += 2;
            continue;
        };
        let is_high = (0xD800..0xDC00).contains(&unit);
        let is_low = (0xDC00..0xE000).contains(&unit);
        let paired = is_high && escape_at(i + 6).is_some_and(|u| (0xDC00..0xE000).contains(&u));
        if paired {
            i += 12;
        } else if is_high || is_low {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..i]);
            out.push_str("\\ufffd");
            i += 6;
            copied = i;
        } else {
            i += 6;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The threads behind [`stdio`]; joining waits for every reply to be written.
pub struct IoThreads {
    writer: thread::JoinHandle<io::Result<()>>,
}

impl IoThreads {
    /// Waits for the writer (every message sent has been written). The reader is not waited
    /// for: after `exit` the client may keep stdin open, and the process ends anyway.
    pub fn join(self) -> io::Result<()> {
        match self.writer.join() {
            Ok(result) => result,
            Err(_) => Err(io::Error::other("the writer thread panicked")),
        }
    }
}

/// A [`Connection`] on stdin/stdout through this module's framing.
pub fn stdio() -> (Connection, IoThreads) {
    let (to_server, from_client) = bounded::<Message>(0);
    let (to_client, from_server) = bounded::<Message>(0);
    let (errors_tx, errors_rx) = unbounded::<Value>();
    let spawned = thread::Builder::new()
        .name("policyc-lsp-reader".to_owned())
        .spawn(move || read_loop(&mut io::stdin().lock(), &to_server, &errors_tx));
    if let Err(e) = spawned {
        log!("policyc-lsp: cannot start the reader thread: {e}");
    }
    let writer = thread::Builder::new()
        .name("policyc-lsp-writer".to_owned())
        .spawn(move || write_loop(&mut io::stdout().lock(), &from_server, &errors_rx));
    let writer = match writer {
        Ok(handle) => handle,
        Err(e) => thread::spawn(move || Err(e)),
    };
    (
        Connection {
            sender: to_client,
            receiver: from_client,
        },
        IoThreads { writer },
    )
}

/// Reads frames until the input closes (or after forwarding `exit`): messages go to the
/// server, error answers to the writer, skipped frames to the log.
pub fn read_loop(input: &mut impl BufRead, server: &Sender<Message>, errors: &Sender<Value>) {
    loop {
        let frame = match read_frame(input) {
            Ok(Some(frame)) => frame,
            Ok(None) => return,
            Err(e) => {
                log!("policyc-lsp: cannot read stdin: {e}");
                return;
            }
        };
        match frame {
            Frame::Skipped(why) => log!("policyc-lsp: skipped a frame: {why}"),
            Frame::Body(body) => match decode(body) {
                Ok(message) => {
                    let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                    if server.send(message).is_err() || exit {
                        return;
                    }
                }
                Err(answer) => {
                    log!("policyc-lsp: {}", answer["error"]["message"]);
                    let _ = errors.send(answer);
                }
            },
        }
    }
}

/// Writes the server's messages and the reader's error answers until the server is done.
fn write_loop(
    out: &mut impl Write,
    messages: &Receiver<Message>,
    errors: &Receiver<Value>,
) -> io::Result<()> {
    let mut errors = errors.clone();
    loop {
        select! {
            recv(messages) -> message => match message {
                Ok(message) => write_message(out, message)?,
                Err(_) => return Ok(()),
            },
            recv(errors) -> answer => match answer {
                Ok(answer) => write_value(out, &answer)?,
                // The reader is gone (stdin closed): only the server's messages remain.
                Err(_) => errors = crossbeam_channel::never(),
            },
        }
    }
}

/// The method of a notification that carries another, already serialized: its params are
/// `[method, params as JSON text]`. Only this module's writer understands it, so only a server
/// on [`stdio`] sends it.
const PRESERIALIZED: &str = "$/policyc/preserialized";

/// A notification whose params are serialized now, straight to JSON text: no `Value` tree.
pub fn preserialized(method: &str, params: &impl serde::Serialize) -> serde_json::Result<Message> {
    let text = serde_json::to_string(params)?;
    Ok(Message::Notification(lsp_server::Notification {
        method: PRESERIALIZED.to_owned(),
        params: Value::Array(vec![Value::String(method.to_owned()), Value::String(text)]),
    }))
}

/// Writes a message; a [`preserialized`] one with its text spliced in as the params.
fn write_message(out: &mut impl Write, message: Message) -> io::Result<()> {
    if let Message::Notification(n) = &message
        && n.method == PRESERIALIZED
        && let Some([Value::String(method), Value::String(params)]) =
            n.params.as_array().map(Vec::as_slice)
    {
        let head = serde_json::to_string(&json!({ "jsonrpc": "2.0", "method": method }))
            .map_err(io::Error::other)?;
        // `{"jsonrpc":..,"method":..}` becomes `{"jsonrpc":..,"method":..,"params":TEXT}`.
        let head = head.strip_suffix('}').unwrap_or(&head);
        let tail = "}";
        let len = head.len() + ",\"params\":".len() + params.len() + tail.len();
        write!(out, "Content-Length: {len}\r\n\r\n{head},\"params\":")?;
        out.write_all(params.as_bytes())?;
        out.write_all(tail.as_bytes())?;
        return out.flush();
    }
    message.write(out)
}

fn write_value(out: &mut impl Write, value: &Value) -> io::Result<()> {
    let body = serde_json::to_vec(value).map_err(io::Error::other)?;
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(&body)?;
    out.flush()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut r = io::BufReader::new(input);
        std::iter::from_fn(|| read_frame(&mut r).ok().flatten()).collect()
    }

    #[test]
    fn reads_frames_and_resynchronizes_after_bad_ones() {
        let input = b"Content-Length: 2\r\n\r\n{}\
            Content-Length: x\r\n\r\n\
            no colon here\r\n\r\n\
            Content-Length: 18446744073709551615\r\n\r\n{}\
            Content-Length: 2\n\n[]";
        assert_eq!(
            frames(input),
            [
                Frame::Body(b"{}".to_vec()),
                Frame::Skipped("Content-Length `x` is not a number".into()),
                Frame::Skipped(
                    "a frame without a Content-Length header (a header line without a colon was skipped)"
                        .into()
                ),
                Frame::Skipped(
                    "Content-Length 18446744073709551615 is over the 64 MiB limit; the frame is skipped"
                        .into()
                ),
                // The `{}` left unread is glued to the next header line, which is still found.
                Frame::Body(b"[]".to_vec()),
            ]
        );
    }

    #[test]
    fn a_header_without_its_line_break_loses_only_its_own_frame() {
        let input = b"Content-Length: 2{}Content-Length: 2\r\n\r\n[]";
        assert_eq!(frames(input), [Frame::Body(b"[]".to_vec())]);
    }

    #[test]
    fn a_huge_header_line_is_not_buffered() {
        let mut input = vec![b'a'; 10 * MAX_HEADER_LINE];
        input.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
        let got = frames(&input);
        assert_eq!(got, [Frame::Body(b"{}".to_vec())]);
    }

    #[test]
    fn a_short_body_at_the_end_is_the_end() {
        assert_eq!(frames(b"Content-Length: 10\r\n\r\n{}"), []);
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(lenient_surrogates(r#""\ud800""#), r#""\ufffd""#);
        assert_eq!(
            lenient_surrogates(r#""a\udc00b\ud83d\ude00""#),
            r#""a\ufffdb\ud83d\ude00""#
        );
        assert_eq!(lenient_surrogates(r#""\\ud800""#), r#""\\ud800""#);
        assert!(matches!(lenient_surrogates(r#""plain""#), Cow::Borrowed(_)));
    }

    #[test]
    fn bodies_that_are_not_messages_are_answered() {
        let not_json = decode(b"{".to_vec()).unwrap_err();
        assert_eq!(not_json["error"]["code"], -32700);
        assert_eq!(not_json["id"], Value::Null);
        let batch = decode(b"[]".to_vec()).unwrap_err();
        assert_eq!(batch["error"]["code"], -32700);
        let odd = decode(br#"{"jsonrpc":"2.0","id":7}"#.to_vec()).unwrap_err();
        assert_eq!(
            (&odd["error"]["code"], &odd["id"]),
            (&json!(-32600), &json!(7))
        );
        let lossy = decode(b"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\"\xff\"}".to_vec());
        assert!(lossy.is_ok());
    }

    /// A preserialized notification is written as the same message `lsp-server` would write
    /// from its `Value`: one frame, the right length, the same JSON.
    #[test]
    fn preserialized_notifications_are_written_as_the_message_they_carry() {
        let params = json!({
            "uri": "file:///a%20b/x.policy",
            "version": 3,
            "diagnostics": [{ "message": "quote \" and \u{e9}", "range": { "start": { "line": 0, "character": 1 }, "end": { "line": 0, "character": 2 } } }],
        });
        let mut mine = Vec::new();
        write_message(
            &mut mine,
            preserialized("textDocument/publishDiagnostics", &params).unwrap(),
        )
        .unwrap();
        let mut theirs = Vec::new();
        let plain =
            lsp_server::Notification::new("textDocument/publishDiagnostics".to_owned(), params);
        write_message(&mut theirs, Message::Notification(plain)).unwrap();
        let frames = |bytes: &[u8]| -> Vec<Value> {
            frames(bytes)
                .into_iter()
                .map(|f| match f {
                    Frame::Body(body) => serde_json::from_slice(&body).unwrap(),
                    Frame::Skipped(why) => panic!("{why}"),
                })
                .collect()
        };
        assert_eq!(frames(&mine), frames(&theirs));
        assert_eq!(frames(&mine).len(), 1);
        assert_eq!(frames(&mine)[0]["params"]["version"], 3);
    }
}
