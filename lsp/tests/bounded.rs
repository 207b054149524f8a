//! Bounded work and answers over stdio against the real `policyc-lsp`: an outline of a
//! 100,000-item document is capped (and costs memory in proportion to the document, not
//! gigabytes), and hover and completion on a file of thousands of unknown names answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../benches/generate/mod.rs"]
mod generate;

use common::{Client, at};
use serde_json::json;

/// Peak resident memory of a process so far, in KiB (`VmHWM` in `/proc/PID/status`).
#[cfg(target_os = "linux")]
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn the_outline_of_100000_items_is_capped_and_memory_stays_proportional() {
    let mut c = Client::start(None, json!({}));
    let uri = "untitled:huge";
    let mut text = String::from("org acme { engine identity }\n");
    for i in 0..100_000 {
        text.push_str(&format!("group g{i:05}\n"));
    }
    assert!(text.len() > 1_200_000);
    c.open(uri, &text, 1);
    c.diagnostics(uri, |p| p["version"] == 1);
    let before = peak_kib(c.pid());
    let r = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let after = peak_kib(c.pid());
    let symbols = r["result"].as_array().unwrap();
    assert_eq!(symbols.len(), policyc_lsp::features::MAX_SYMBOLS);
    assert_eq!(symbols[1]["name"], "g00000");
    let answer = serde_json::to_string(&r).unwrap().len();
    eprintln!(
        "documentSymbol on {} bytes, 100,001 items: {} symbols, {answer} bytes of JSON; \
         peak RSS {before} KiB before, {after} KiB after",
        text.len(),
        symbols.len()
    );
    assert!(answer < 1_000_000, "{answer} bytes");
    // The request raised the peak by tens of MB at most (it was over 1 GB); the whole server,
    // the check of the document included, stays within a small multiple of the document.
    assert!(
        after - before < 48 * 1024,
        "peak grew by {} KiB",
        after - before
    );
    assert!(after < 256 * 1024, "peak {after} KiB");
    assert!(c.is_alive());
}

/// Holding the 10,000-rule, 1 MB sign-on file open with its 9,979 diagnostics (every rule
/// after the 20th is shadowed): publishing them goes out as JSON text, not as a `Value` tree
/// several times its size, and the whole server stays under 100 MiB.
#[cfg(target_os = "linux")]
#[test]
fn a_1_mb_file_with_10000_diagnostics_is_published_in_under_100_mib() {
    let mut c = Client::start(None, json!({}));
    let uri = "untitled:signon";
    let text = generate::signon(10_000);
    assert!(text.len() > 1_000_000);
    c.open(uri, &text, 1);
    let d = c.diagnostics(uri, |p| p["version"] == 1);
    let diagnostics = d["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 9_979);
    assert!(diagnostics.iter().all(|d| d["code"] == "shadowed-rule"));
    let peak = peak_kib(c.pid());
    eprintln!(
        "10,000 rules, {} bytes, 9,979 diagnostics: peak RSS {peak} KiB",
        text.len()
    );
    assert!(peak < 100 * 1024, "peak {peak} KiB");
    assert!(c.is_alive());
}

#[test]
fn hover_and_completion_answer_on_4000_unknown_names() {
    let mut c = Client::start(None, json!({}));
    let uri = "untitled:unknown";
    let n = 4_000;
    let mut text = String::from("org acme { engine identity }\nauthenticator password\napp wiki\n");
    for i in 0..n {
        text.push_str(&format!("group team_{i:04}\n"));
    }
    text.push_str("policy p {\n  apps [wiki]\n");
    for i in 0..n {
        text.push_str(&format!(
            "  rule r{i} {{ when group in [taem_{i:04}] require password }}\n"
        ));
    }
    text.push_str("}\n");
    c.open(uri, &text, 1);
    let d = c.diagnostics(uri, |p| p["version"] == 1);
    assert_eq!(d["diagnostics"].as_array().unwrap().len(), n);
    // Line of `rule r0`: 3 header lines, n groups, `policy p {`, `apps`.
    let line = 3 + n as u32 + 2;
    let h = c.request("textDocument/hover", at(uri, line, 30));
    assert!(h.get("error").is_none(), "{h}");
    let items = c.call("textDocument/completion", at(uri, line, 30));
    assert!(items.is_array() || items.is_object(), "{items}");
    assert!(c.is_alive());
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn the_outline_is_flat_over_500_items_and_long_names_are_cut() {
    let mut c = Client::start(None, json!({}));
    let uri = "untitled:flat";
    let policy = "policy p {\n  apps [wiki]\n  rule r { require password }\n}\n";
    let long = "n".repeat(5_000);
    let small = format!(
        "org acme {{ engine identity }}\nauthenticator password\napp wiki\ngroup {long}\n{policy}"
    );
    c.open(uri, &small, 1);
    let r = c.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let p = r
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "p")
        .unwrap();
    assert_eq!(p["children"][0]["name"], "r");
    let cut = format!("{}…", "n".repeat(120));
    assert!(
        r.as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == cut.as_str()),
        "{r}"
    );
    let mut big = small.clone();
    for i in 0..policyc_lsp::features::FLAT_OVER {
        big.push_str(&format!("group g{i}\n"));
    }
    c.change(uri, 2, json!([{ "text": big }]));
    let r = c.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let p = r
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "p")
        .unwrap();
    assert!(p.get("children").is_none_or(|c| c.is_null()), "{p}");
}

/// The workspace folder is read as the CLI reads a policy set: a link out of the folder is
/// refused with a diagnostic that quotes nothing of it; a FIFO or a device is never opened.
#[cfg(target_os = "linux")]
#[test]
fn files_that_are_not_files_are_not_read_from_the_workspace() {
    use std::os::unix::fs::symlink;
    let secret = "hunter2-lsp-do-not-print";
    let dir = common::temp_dir("hostile-files");
    std::fs::write(dir.join("org.policy"), "org acme { engine identity }\n").unwrap();
    symlink("/proc/self/environ", dir.join("environ.policy")).unwrap();
    symlink("/dev/zero", dir.join("zero.policy")).unwrap();
    let fifo = dir.join("pipe.policy");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut c = Client::start_with_env(Some(&dir), json!({}), &[("POLICYC_TEST_SECRET", secret)]);
    let uri = common::file_uri(&dir.join("environ.policy"));
    let d = c.diagnostics(&uri, |p| !p["diagnostics"].as_array().unwrap().is_empty());
    let message = d["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("`environ.policy` is a link to a file outside the given paths"),
        "{message}"
    );
    assert!(!d.to_string().contains(secret));
    let symbols = c.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert!(!symbols.to_string().contains(secret));
    assert!(c.is_alive());
    let _ = std::fs::remove_dir_all(&dir);
}
