//! The language server's framing layer on arbitrary stdin bytes: every frame is read, skipped
//! or answered, and a body decodes to a message or to a JSON-RPC error answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policyc_lsp::framing::{Frame, decode, read_frame};

fuzz_target!(|data: &[u8]| {
    let mut input = std::io::BufReader::new(data);
    // Each frame consumes at least one byte, so this ends.
    while let Ok(Some(frame)) = read_frame(&mut input) {
        if let Frame::Body(body) = frame {
            if let Err(answer) = decode(body) {
                let code = answer["error"]["code"].as_i64();
                assert!(matches!(code, Some(-32700 | -32600)), "{answer}");
            }
        }
    }
});
