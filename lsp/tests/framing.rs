//! Bad frames over stdio against the real `policyc-lsp`: each used to end the server (exit 1,
//! SIGABRT or a panic). Each is now answered (`-32700` / `-32600`), decoded leniently or
//! skipped, and the server answers the next request; only a closed stdin ends it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Client;
use serde_json::{Value, json};

fn lone() -> Client {
    Client::start(None, json!({}))
}

/// The server still answers, and still exits cleanly on `shutdown` + `exit`.
fn survives(mut c: Client) {
    let r = c.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": "untitled:probe" } }),
    );
    assert!(r.is_null() || r.is_array(), "{r}");
    assert!(c.is_alive());
    assert_eq!(c.shutdown(), Some(0));
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// The error answer with a null id that a broken body gets.
fn parse_error(c: &mut Client) -> Value {
    c.wait_for(|m| m.get("error").is_some() && m["id"].is_null())
        .expect("an error answer with a null id")
}

#[test]
fn invalid_json_is_answered_with_a_parse_error() {
    let mut c = lone();
    c.send_raw(&frame(br#"{"jsonrpc":"2.0","id":1,"method":"#));
    let e = parse_error(&mut c);
    assert_eq!(e["error"]["code"], -32700, "{e}");
    survives(c);
}

#[test]
fn a_json_array_is_answered_with_a_parse_error() {
    let mut c = lone();
    c.send_raw(&frame(br#"[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]"#));
    let e = parse_error(&mut c);
    assert_eq!(e["error"]["code"], -32700, "{e}");
    survives(c);
}

#[test]
fn json_that_is_not_a_message_is_an_invalid_request() {
    let mut c = lone();
    c.send_raw(&frame(br#"{"jsonrpc":"2.0","id":41}"#));
    let e = c.wait_for(|m| m["id"] == 41).unwrap();
    assert_eq!(e["error"]["code"], -32600, "{e}");
    survives(c);
}

#[test]
fn a_lone_surrogate_escape_is_decoded_leniently() {
    let mut c = lone();
    let uri = "untitled:surrogate";
    let body = format!(
        r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":"{uri}","languageId":"policy","version":1,"text":"org acme {{ engine identity }}\ngroup \ud800x\n"}}}}}}"#
    );
    c.send_raw(&frame(body.as_bytes()));
    // The document was opened: its diagnostics are published (the U+FFFD is not a name).
    let d = c.diagnostics(uri, |p| p["version"] == 1);
    assert!(!d["diagnostics"].as_array().unwrap().is_empty(), "{d}");
    survives(c);
}

#[test]
fn invalid_utf8_is_decoded_leniently() {
    let mut c = lone();
    let uri = "untitled:utf8";
    let mut body = format!(
        r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":"{uri}","languageId":"policy","version":1,"text":"group a"#
    )
    .into_bytes();
    body.extend_from_slice(b"\xff\xfe");
    body.extend_from_slice(br#"b\n"}}}"#);
    c.send_raw(&frame(&body));
    let d = c.diagnostics(uri, |p| p["version"] == 1);
    assert!(d["diagnostics"].is_array(), "{d}");
    survives(c);
}

#[test]
fn a_content_length_too_short_is_answered_and_the_next_frame_is_read() {
    let mut c = lone();
    let body = br#"{"jsonrpc":"2.0","id":77,"method":"shutdown"}"#;
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len() - 10).into_bytes();
    bytes.extend_from_slice(body);
    c.send_raw(&bytes);
    let e = parse_error(&mut c);
    assert_eq!(e["error"]["code"], -32700, "{e}");
    survives(c);
}

#[test]
fn huge_content_lengths_are_refused_without_allocating() {
    for length in [
        "99999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "-1",
    ] {
        let mut c = lone();
        c.send_raw(format!("Content-Length: {length}\r\n\r\n{{}}").as_bytes());
        survives(c);
    }
}

#[test]
fn header_lines_without_crlf_or_colon_are_skipped() {
    let mut c = lone();
    // No line break after the header: the frame is lost, the next one is read.
    c.send_raw(b"Content-Length: 2{}");
    c.send_raw(b"this line has no colon\r\n\r\n");
    c.send_raw(b"Content-Length: 2\n\n{}");
    let e = c.wait_for(|m| m.get("error").is_some()).unwrap();
    assert_eq!(e["error"]["code"], -32600, "LF-only header still read: {e}");
    survives(c);
}

#[test]
fn a_50_mb_header_line_is_not_buffered() {
    let mut c = lone();
    let line = vec![b'x'; 50 * 1024 * 1024];
    c.send_raw(&line);
    c.send_raw(b"\r\n\r\n");
    survives(c);
}

#[test]
fn only_a_closed_stdin_ends_the_server() {
    let mut c = lone();
    c.send_raw(&frame(b"not json"));
    c.send_raw(b"garbage without end");
    assert!(c.is_alive());
    // Closing stdin ends the server (exit 1: no `shutdown` came first).
    assert_eq!(c.wait_exit(), Some(1));
}

#[test]
fn help_and_version_print_and_exit() {
    for (arg, want) in [
        ("--help", "Usage: policyc-lsp [--stdio]"),
        ("-V", "policyc-lsp 0."),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_policyc-lsp"))
            .arg(arg)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{arg}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(want), "{arg}");
    }
}
