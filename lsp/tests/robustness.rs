//! Hostile and out-of-order input: each case is answered or ignored, and the server lives on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, at, range, temp_dir};
use serde_json::{Value, json};

const BASE: &str = "org acme { engine identity }\ngroup admins\nauthenticator password\n";

/// A server with no workspace folder: each open file is its own policy set.
fn lone() -> Client {
    Client::start(None, json!({}))
}

fn alive(c: &mut Client) {
    let r = c.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": "untitled:probe" } }),
    );
    assert!(r.is_null() || r.is_array(), "{r}");
    assert!(c.is_alive());
}

fn codes(d: &Value) -> Vec<String> {
    d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn positions_past_the_end_of_a_line_or_file_are_clamped() {
    let mut c = lone();
    let uri = "untitled:past";
    let text = format!("{BASE}app wiki\n");
    c.open(uri, &text, 1);
    for (line, ch) in [(0, 999), (3, 8), (3, 9999), (999, 0), (u32::MAX, u32::MAX)] {
        let h = c.request("textDocument/hover", at(uri, line, ch));
        assert!(h.get("error").is_none(), "{h}");
        let d = c.request("textDocument/definition", at(uri, line, ch));
        assert!(d.get("error").is_none(), "{d}");
        let items = c.call("textDocument/completion", at(uri, line, ch));
        // The replaced range is within the document: the last line is line 4, empty.
        if let Some(first) = items.as_array().and_then(|a| a.first()) {
            let end = &first["textEdit"]["range"]["end"];
            assert!(end["line"].as_u64().unwrap() <= 4, "{end}");
        }
    }
    // The end of `wiki` on line 3, asked for past the line's end, still hovers the app.
    let h = c.call("textDocument/hover", at(uri, 3, 9999));
    assert_eq!(h["range"], range(3, 4, 3, 8));
    alive(&mut c);
}

#[test]
fn utf16_columns_surrogate_pairs_and_crlf() {
    let mut c = lone();
    let uri = "untitled:utf16";
    // `😀` is two UTF-16 units; the file uses CRLF line endings.
    let text = "org acme { engine identity }\r\ngroup admins\r\nauthenticator password\r\napp wiki\r\ntest \"😀\" { app wiki  user { groups [admin] }  expect allow }\r\npolicy p { default  rule r { require password } }\r\n";
    c.open(uri, text, 1);
    let d = c.diagnostics(uri, |p| p["version"] == 1);
    assert_eq!(codes(&d), ["unknown-reference"]);
    // `admin` starts after `😀` (2 units): UTF-16 column 37, not the 36 characters.
    assert_eq!(d["diagnostics"][0]["range"], range(4, 37, 4, 42));
    // A position inside the surrogate pair is answered.
    let h = c.request("textDocument/hover", at(uri, 4, 7));
    assert!(h.get("error").is_none(), "{h}");
    // Insert `s` after `admin` at its UTF-16 column: the reference resolves.
    c.change(
        uri,
        2,
        json!([{ "range": range(4, 42, 4, 42), "text": "s" }]),
    );
    let d = c.diagnostics(uri, |p| p["version"] == 2);
    assert_eq!(codes(&d), Vec::<String>::new());
    // An edit that starts inside the surrogate pair replaces from the pair's start.
    c.change(uri, 3, json!([{ "range": range(4, 7, 4, 8), "text": "x" }]));
    let d = c.diagnostics(uri, |p| p["version"] == 3);
    assert_eq!(codes(&d), Vec::<String>::new());
    let h = c.call("textDocument/hover", at(uri, 4, 40));
    assert_eq!(h["range"], range(4, 36, 4, 42));
    alive(&mut c);
}

#[test]
fn a_reversed_range_is_ordered_and_bad_ranges_are_clamped() {
    let mut c = lone();
    let uri = "untitled:reversed";
    let text =
        format!("{BASE}policy p {{ rule r {{ when group in [admin] require password }} }}\n");
    c.open(uri, &text, 1);
    let d = c.diagnostics(uri, |p| p["version"] == 1);
    assert_eq!(codes(&d), ["unknown-reference"]);
    // Replace `admin` (columns 35..40) with the range written end first.
    c.change(
        uri,
        2,
        json!([{ "range": range(3, 40, 3, 35), "text": "admins" }]),
    );
    let d = c.diagnostics(uri, |p| p["version"] == 2);
    assert_eq!(codes(&d), Vec::<String>::new());
    // A range far past the end appends at the end.
    c.change(
        uri,
        3,
        json!([{ "range": range(900, 5, 1000, 9), "text": "group extra\n" }]),
    );
    let d = c.diagnostics(uri, |p| p["version"] == 3);
    assert_eq!(codes(&d), Vec::<String>::new());
    let h = c.call("textDocument/hover", at(uri, 4, 8));
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("group extra")
    );
    alive(&mut c);
}

#[test]
fn changes_before_open_or_out_of_order_are_ignored() {
    let mut c = lone();
    let uri = "untitled:order";
    c.change(uri, 1, json!([{ "text": "group a" }]));
    alive(&mut c);
    c.open(uri, BASE, 5);
    let d = c.diagnostics(uri, |p| p["version"] == 5);
    assert_eq!(codes(&d), Vec::<String>::new());
    // Version 3 is older than 5: ignored, so the text stays valid.
    c.change(uri, 3, json!([{ "text": "policy {{{" }]));
    c.change(
        uri,
        6,
        json!([{ "range": range(1, 12, 1, 12), "text": "\ngroup b" }]),
    );
    let d = c.diagnostics(uri, |p| p["version"] == 6);
    assert_eq!(codes(&d), Vec::<String>::new());
    // Closing and reopening is fine; a change after close is ignored.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    c.change(uri, 7, json!([{ "text": "x" }]));
    alive(&mut c);
}

#[test]
fn unknown_methods_and_bad_params_are_errors_not_crashes() {
    let mut c = lone();
    let r = c.request("textDocument/unheardOf", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    let r = c.request("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(r["error"]["code"], -32602);
    // Unknown notifications are ignored.
    c.notify("$/unheardOf", json!({}));
    c.notify("textDocument/didOpen", json!({ "bad": 1 }));
    alive(&mut c);
}

#[test]
fn a_panicking_handler_answers_internal_error_and_the_server_lives() {
    let mut c = Client::start_with_env(None, json!({}), &[("POLICYC_LSP_TEST_PANIC", "1")]);
    let r = c.request("policyc/debugPanic", json!({}));
    assert_eq!(r["error"]["code"], -32603);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deliberate panic")
    );
    alive(&mut c);
    // Without the variable the method does not exist.
    let mut plain = lone();
    let r = plain.request("policyc/debugPanic", json!({}));
    assert_eq!(r["error"]["code"], -32601);
}

#[test]
fn a_50_mb_buffer_is_refused_with_one_diagnostic() {
    let mut c = lone();
    let uri = "untitled:huge";
    let line = "group g0123456789 # padding padding padding padding padding padding\n";
    let text = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    assert!(text.len() > 50 * 1024 * 1024);
    c.open(uri, &text, 1);
    let d = c.diagnostics(uri, |p| p["version"] == 1);
    let diags = d["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("limited to 16 MiB"),
        "{d}"
    );
    assert_eq!(diags[0]["range"], range(0, 0, 0, 0));
    // Requests on it are answered, edits applied.
    let h = c.request("textDocument/hover", at(uri, 100, 3));
    assert!(h.get("error").is_none());
    c.change(
        uri,
        2,
        json!([{ "range": range(0, 0, 0, 0), "text": "# hi\n" }]),
    );
    let r = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert!(r.get("error").is_none());
    // Shrinking it below the cap gets it checked.
    c.change(uri, 3, json!([{ "text": BASE }]));
    let d = c.diagnostics(uri, |p| p["version"] == 3);
    assert_eq!(codes(&d), Vec::<String>::new());
    alive(&mut c);
}

#[test]
fn a_hundred_thousand_nested_brackets() {
    let mut c = lone();
    let uri = "untitled:nested";
    let text = format!(
        "{BASE}policy p {{ apps {}{} }}\ntest \"t\" {{ user {{ groups {} }} }}\n",
        "[".repeat(100_000),
        "]".repeat(100_000),
        "[".repeat(100_000)
    );
    c.open(uri, &text, 1);
    let d = c.diagnostics(uri, |p| p["version"] == 1);
    assert!(codes(&d).contains(&"syntax".to_owned()), "{d}");
    for (line, ch) in [(2, 50_000), (3, 60_000), (4, 0)] {
        for method in [
            "textDocument/completion",
            "textDocument/hover",
            "textDocument/definition",
        ] {
            let r = c.request(method, at(uri, line, ch));
            assert!(r.get("error").is_none(), "{method}: {r}");
        }
    }
    let r = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert!(r.get("error").is_none());
    alive(&mut c);
}

#[test]
fn a_burst_of_changes_is_checked_once_settled() {
    let dir = temp_dir("burst");
    let mut c = lone();
    let uri = "untitled:burst";
    c.open(uri, BASE, 1);
    c.diagnostics(uri, |p| p["version"] == 1);
    for v in 2..=200 {
        c.change(uri, v, json!([{ "range": range(2, 0, 2, 0), "text": "#" }]));
    }
    // The last version is published; most intermediate ones never are.
    let d = c.diagnostics(uri, |p| p["version"] == 200);
    assert_eq!(codes(&d), Vec::<String>::new());
    alive(&mut c);
    let _ = std::fs::remove_dir_all(dir);
}

/// `--help` and `--version` answer and exit 0 (they used to start the server, which found no
/// client and exited 1 with "disconnected channel"); an unknown argument exits 2.
#[test]
fn help_and_version_answer_without_starting_the_server() {
    let run = |arg: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_policyc-lsp"))
            .arg(arg)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    for arg in ["--help", "-h"] {
        let out = run(arg);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with("policyc-lsp: the policyc language server"),
            "{text}"
        );
        assert!(text.contains("docs/editor.md"), "{text}");
    }
    let version = run("--version");
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(version.stdout).unwrap(),
        format!("policyc-lsp {}\n", env!("CARGO_PKG_VERSION"))
    );
    let unknown = run("--tcp");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8(unknown.stderr)
            .unwrap()
            .contains("unexpected argument `--tcp`")
    );
}

/// The editor honours `# policyc: allow(code) reason` as `policyc check` does (the suppression
/// is the library's), and reports an allow left behind.
#[test]
fn inline_allows_apply_in_the_editor() {
    let mut c = lone();
    let uri = "untitled:allow";
    let set = "org acme { engine identity }\napp wiki\nauthenticator password\npolicy p {\n  apps [wiki]\n  rule r { require password }\n  rule late { require password }\n}\n";
    c.open(uri, set, 1);
    let d = c.diagnostics(uri, |p| p["version"] == 1);
    assert_eq!(codes(&d), ["shadowed-rule"]);
    let allowed = set.replace(
        "  rule late",
        "  # policyc: allow(shadowed-rule) kept for the audit trail\n  rule late",
    );
    c.change(uri, 2, json!([{ "text": allowed }]));
    let d = c.diagnostics(uri, |p| p["version"] == 2);
    assert_eq!(codes(&d), Vec::<String>::new());
    let stale = allowed.replace("  rule late { require password }\n", "");
    c.change(uri, 3, json!([{ "text": stale }]));
    let d = c.diagnostics(uri, |p| p["version"] == 3);
    assert_eq!(codes(&d), ["unused-allow"]);
    alive(&mut c);
}
