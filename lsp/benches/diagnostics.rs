//! From `didChange` to `publishDiagnostics` on a 5,000-line workspace.
//!
//! - `recheck_5000_lines`: the server's own work for one keystroke, without the transport:
//!   apply the edit to the open document, snapshot the workspace folder, compile and check it
//!   as one policy set, and convert every diagnostic to the protocol's form.
//! - `stdio_round_trip_5000_lines`: the real binary over stdio, from writing a `didChange` to
//!   reading the `publishDiagnostics` for that version (after a pause, so the change is checked
//!   at once rather than debounced).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../benches/generate/mod.rs"]
mod generate;

use criterion::{Criterion, criterion_group, criterion_main};
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use policyc_lsp::analysis::Analysis;
use policyc_lsp::workspace::{SetId, Workspace};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// About 5,000 lines over 8 files.
fn shape() -> generate::Shape {
    generate::Shape {
        groups: 40,
        zones: 8,
        idps: 8,
        routes: 40,
        policies: 38,
        rules_per_policy: 20,
        policies_per_file: 8,
    }
}

fn write_workspace() -> (PathBuf, PathBuf, usize) {
    let dir = std::env::temp_dir().join(format!("policyc-lsp-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = generate::policy_set(&shape());
    let mut lines = 0;
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        lines += text.lines().count();
    }
    let edited = dir.join(&files.last().unwrap().0);
    (dir, edited, lines)
}

fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn edit(version: i32) -> TextDocumentContentChangeEvent {
    // Toggle a comment's text at the top of the file: same length every other time.
    TextDocumentContentChangeEvent {
        range: Some(Range {
            start: Position::new(0, 2),
            end: Position::new(0, 3),
        }),
        range_length: None,
        text: if version % 2 == 0 { "A" } else { "a" }.to_owned(),
    }
}

fn in_process(c: &mut Criterion, dir: &Path, edited: &Path) {
    let mut ws = Workspace::new(vec![dir.to_path_buf()]);
    let uri = Uri::from_str(&file_uri(edited)).unwrap();
    ws.open(uri.clone(), std::fs::read_to_string(edited).unwrap(), 0);
    let first = Analysis::new(ws.snapshot(&SetId::Folder(dir.to_path_buf())));
    eprintln!(
        "workspace: {} files, {} diagnostics",
        first.files.len(),
        first.diagnostics.len()
    );
    let mut version = 0;
    c.bench_function("recheck_5000_lines", |b| {
        b.iter(|| {
            version += 1;
            ws.change(&uri, version, vec![edit(version)]).unwrap();
            let analysis = Analysis::new(ws.snapshot(&SetId::Folder(dir.to_path_buf())));
            analysis.publishable()
        })
    });
}

fn send(w: &mut impl Write, msg: &Value) {
    let body = serde_json::to_vec(msg).unwrap();
    write!(w, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
    w.write_all(&body).unwrap();
    w.flush().unwrap();
}

fn read(r: &mut impl BufRead) -> Value {
    let mut len = 0;
    loop {
        let mut line = String::new();
        assert!(
            r.read_line(&mut line).unwrap() > 0,
            "the server closed stdout"
        );
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse().unwrap();
        }
    }
    let mut buf = vec![0; len];
    r.read_exact(&mut buf).unwrap();
    serde_json::from_slice(&buf).unwrap()
}

fn over_stdio(c: &mut Criterion, dir: &Path, edited: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc-lsp"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut w = child.stdin.take().unwrap();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    let uri = file_uri(edited);
    send(
        &mut w,
        &json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "processId": null, "rootUri": file_uri(dir), "capabilities": {} } }),
    );
    while read(&mut r).get("id") != Some(&json!(1)) {}
    send(
        &mut w,
        &json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
    );
    send(
        &mut w,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": { "uri": uri, "languageId": "policy", "version": 0,
            "text": std::fs::read_to_string(edited).unwrap() } } }),
    );
    let wait_for = |r: &mut BufReader<_>, version: i32| loop {
        let m = read(r);
        if m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && m["params"]["version"] == version
        {
            break;
        }
    };
    wait_for(&mut r, 0);
    let mut version = 0;
    let mut group = c.benchmark_group("stdio");
    group.sample_size(20);
    group.bench_function("round_trip_5000_lines", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A pause: the next change is checked at once, not debounced.
                std::thread::sleep(policyc_lsp::server::DEBOUNCE + Duration::from_millis(5));
                version += 1;
                let change = serde_json::to_value(edit(version)).unwrap();
                let start = Instant::now();
                send(
                    &mut w,
                    &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange",
                    "params": { "textDocument": { "uri": uri, "version": version },
                        "contentChanges": [change] } }),
                );
                wait_for(&mut r, version);
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
    send(
        &mut w,
        &json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null }),
    );
    send(
        &mut w,
        &json!({ "jsonrpc": "2.0", "method": "exit", "params": null }),
    );
    drop(w);
    let _ = child.wait();
}

fn bench(c: &mut Criterion) {
    let (dir, edited, lines) = write_workspace();
    eprintln!("generated workspace: {lines} lines");
    in_process(c, &dir, &edited);
    over_stdio(c, &dir, &edited);
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
