//! The editor's latency on a 5,000-line and a 50,000-line workspace, in process (the server's
//! own work, without the transport; `diagnostics.rs` times the stdio round trip):
//!
//! - `recheck`: `didChange` to `publishDiagnostics`: apply the edit, snapshot the folder,
//!   compile and check it, convert every diagnostic.
//! - `semantic_tokens`, `inlay_hints`: one full file of app policies, on the analysis the check made
//!   (the name index and the support analysis already built, as after diagnostics).
//! - `rename`: a group used across the set, from the position to the `WorkspaceEdit`.
//! - `index`: building the name index, paid once per analysis by the first request that needs
//!   it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../benches/generate/mod.rs"]
mod generate;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use policyc_lsp::analysis::Analysis;
use policyc_lsp::index::Index;
use policyc_lsp::workspace::{SetId, Workspace};
use policyc_lsp::{inlay_hints, rename, semantic_tokens};
use std::path::PathBuf;
use std::str::FromStr;

/// About 5,000 lines (as `diagnostics.rs`) at scale 1; about 50,000 at scale 11.
fn shape(scale: usize) -> generate::Shape {
    generate::Shape {
        groups: 40,
        zones: 8,
        idps: 8,
        routes: 40,
        policies: 38 * scale,
        rules_per_policy: 20,
        policies_per_file: 8,
    }
}

fn write_workspace(scale: usize) -> (PathBuf, PathBuf, usize) {
    let dir = std::env::temp_dir().join(format!(
        "policyc-lsp-bench-editor-{}-{scale}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let files = generate::policy_set(&shape(scale));
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

fn edit(version: i32) -> TextDocumentContentChangeEvent {
    TextDocumentContentChangeEvent {
        range: Some(Range {
            start: Position::new(0, 2),
            end: Position::new(0, 3),
        }),
        range_length: None,
        text: if version % 2 == 0 { "A" } else { "a" }.to_owned(),
    }
}

fn bench_size(c: &mut Criterion, scale: usize) {
    let (dir, edited, lines) = write_workspace(scale);
    let lines = (lines + 500) / 1000 * 1000;
    let set = SetId::Folder(dir.clone());
    let mut ws = Workspace::new(vec![dir.clone()]);
    let uri = Uri::from_str(&format!("file://{}", edited.display())).unwrap();
    ws.open(uri.clone(), std::fs::read_to_string(&edited).unwrap(), 0);

    let mut group = c.benchmark_group("editor");
    group.sample_size(10);
    let mut version = 0;
    group.bench_function(BenchmarkId::new("recheck", lines), |b| {
        b.iter(|| {
            version += 1;
            ws.change(&uri, version, vec![edit(version)]).unwrap();
            Analysis::new(ws.snapshot(&set)).publishable()
        })
    });

    let analysis = Analysis::new(ws.snapshot(&set));
    // The first file of app policies: a full one (the edited, last one may be shorter).
    let first = dir.join("apps/apps_000.policy");
    let file = analysis
        .file_id(&policyc_lsp::uri::from_path(&first).unwrap())
        .unwrap();
    eprintln!(
        "{lines} lines: tokens and hints for a file of {} lines",
        analysis.text(file).lines().count()
    );
    group.bench_function(BenchmarkId::new("index", lines), |b| {
        b.iter(|| Index::build(&analysis.compiled))
    });
    analysis.index();
    group.bench_function(BenchmarkId::new("semantic_tokens", lines), |b| {
        b.iter(|| semantic_tokens::tokens(&analysis, file))
    });
    let everything = Range::new(Position::new(0, 0), Position::new(u32::MAX, 0));
    group.bench_function(BenchmarkId::new("inlay_hints", lines), |b| {
        b.iter(|| inlay_hints::hints(&analysis, file, everything))
    });
    let directory = analysis
        .file_id(&policyc_lsp::uri::from_path(&dir.join("directory.policy")).unwrap())
        .unwrap();
    let text = analysis.text(directory);
    let at = text.find("group ").unwrap() + "group ".len();
    let used = analysis.index().at(directory, at).unwrap().key.clone();
    let uses = analysis.index().references(&used).count();
    eprintln!("{lines} lines: renaming {used:?}, {uses} occurrences");
    group.bench_function(BenchmarkId::new("rename", lines), |b| {
        b.iter(|| rename::rename(&analysis, directory, at, "renamed_group").unwrap())
    });
    group.finish();
    let _ = std::fs::remove_dir_all(dir);
}

fn bench(c: &mut Criterion) {
    bench_size(c, 1);
    bench_size(c, 11);
}

criterion_group!(benches, bench);
criterion_main!(benches);
