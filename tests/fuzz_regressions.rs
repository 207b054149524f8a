//! Every input a fuzz target once crashed on, replayed through the same property as a normal
//! test: `fuzz/regressions/TARGET/*` (see docs/fuzzing.md). The fuzz targets themselves need a
//! nightly toolchain; these replays do not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::diagnostic::render::{Format, RenderOptions, render};
use policyc::source::{SourceFile, Sources};
use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut found: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    found.sort();
    found
}

fn compiled(data: &[u8]) -> policyc::Compiled {
    let mut sources = Sources::new();
    sources.add(SourceFile::new(
        "fuzz.policy",
        String::from_utf8_lossy(data).into_owned(),
    ));
    policyc::compile(sources)
}

#[test]
fn human_render_regressions() {
    let found = inputs("human_render");
    assert!(
        !found.is_empty(),
        "the column-65536 crash is kept as a regression"
    );
    for (name, data) in found {
        let compiled = compiled(&data);
        let options = RenderOptions {
            color: false,
            files_checked: 1,
        };
        let mut out = Vec::new();
        render(
            Format::Human,
            &compiled.diagnostics,
            &compiled.sources,
            &options,
            &mut out,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn parse_check_regressions() {
    for (_, data) in inputs("parse_check") {
        let compiled = compiled(&data);
        let _ = policyc::check(&compiled, &policyc::check::CheckOptions::default());
    }
}

#[test]
fn fmt_roundtrip_regressions() {
    for (name, data) in inputs("fmt_roundtrip") {
        let text = String::from_utf8_lossy(&data);
        if let Ok(once) = policyc::fmt::format(&text) {
            assert_eq!(
                policyc::fmt::format(&once).ok().as_deref(),
                Some(once.as_str()),
                "{name}"
            );
        } else if let Err(policyc::fmt::FormatError::Internal(why)) = policyc::fmt::format(&text) {
            panic!("{name}: {why}");
        }
    }
}
