//! The terminal renderer on whatever the front end reports for a file: it must never panic
//! (miette cannot lay out a column past 65,535; excerpts are clipped before it sees them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use policyc::diagnostic::render::{Format, RenderOptions, render};
use policyc::source::{SourceFile, Sources};

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::new();
    sources.add(SourceFile::new(
        "fuzz.policy",
        String::from_utf8_lossy(data).into_owned(),
    ));
    let compiled = policyc::compile(sources);
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
    .expect("rendering to memory cannot fail");
});
