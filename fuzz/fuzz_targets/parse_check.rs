//! One file through the whole front end and the checker: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policyc::source::{SourceFile, Sources};

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::new();
    sources.add(SourceFile::new(
        "fuzz.policy",
        String::from_utf8_lossy(data).into_owned(),
    ));
    let compiled = policyc::compile(sources);
    let _ = policyc::check(&compiled, &policyc::check::CheckOptions::default());
});
