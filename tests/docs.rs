//! Every diagnostic code is documented in docs/checks.md and exercised by the fixture corpus.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::diagnostic::Code;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_code_has_a_section_in_checks_md() {
    let docs = std::fs::read_to_string(root().join("docs/checks.md")).unwrap();
    for code in Code::ALL {
        let heading = format!("\n## `{code}`\n");
        assert!(
            docs.contains(&heading),
            "docs/checks.md has no section for `{code}`"
        );
    }
}

#[test]
fn every_code_is_exercised_by_the_corpus() {
    let mut expected = String::new();
    let mut stack = vec![root().join("tests/corpus")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "policy") {
                let text = std::fs::read_to_string(&path).unwrap();
                expected.extend(
                    text.lines()
                        .filter(|l| l.starts_with("# expect:"))
                        .map(|l| format!("{l}\n")),
                );
            }
        }
    }
    for code in Code::ALL {
        assert!(
            expected.contains(code.as_str()),
            "no fixture under tests/corpus expects `{code}`"
        );
    }
}
