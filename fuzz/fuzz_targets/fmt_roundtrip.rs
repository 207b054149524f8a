//! The fmt round trip: `format` re-parses its own output and refuses (an `Internal` error)
//! unless the AST, spans aside, and the comments are unchanged, so an `Internal` error is a
//! bug; and formatting is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policyc::fmt::{FormatError, format};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match format(&text) {
        Ok(once) => match format(&once) {
            Ok(twice) => assert_eq!(once, twice, "formatting is not idempotent"),
            Err(e) => panic!("formatted output does not format again: {e}"),
        },
        Err(FormatError::Internal(why)) => panic!("the formatter changed the file: {why}"),
        Err(FormatError::Syntax(_)) => {}
    }
});
