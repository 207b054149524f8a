//! `policyc explain CODE`: the docs/checks.md section of a code, from the copy built in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr, stdout};

#[test]
fn explain_prints_the_codes_section_of_checks_md() {
    let dir = Scratch::new("explain", &[]);
    let out = policyc(&["explain", "route-to-inactive-idp"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/checks.md")).unwrap();
    let start = docs.find("## `route-to-inactive-idp`\n").unwrap();
    let end = start + docs[start + 1..].find("\n## ").unwrap() + 1;
    let text = stdout(&out);
    // The section exactly (then, in a build that knows where docs are published, their address).
    assert!(
        text.starts_with(&format!("{}\n", docs[start..end].trim_end())),
        "{text}"
    );
    assert!(!text.contains("## `route-to-untrusted-idp`"), "{text}");
    // As printed in a diagnostic, with brackets, works too.
    let bracketed = policyc(&["explain", "[route-to-inactive-idp]"], &dir.0);
    assert_eq!(stdout(&bracketed), text);
}

#[test]
fn explain_lists_codes_and_refuses_unknown_ones_with_a_suggestion() {
    let dir = Scratch::new("explain-list", &[]);
    let all = policyc(&["explain"], &dir.0);
    assert_eq!(all.status.code(), Some(0));
    let list = stdout(&all);
    assert!(list.starts_with("syntax "), "{list}");
    assert!(list.contains("\nroute-to-untrusted-idp "), "{list}");
    assert!(
        list.lines()
            .any(|l| l.starts_with("route-to-untrusted-idp") && l.ends_with(" info"))
    );
    let typo = policyc(&["explain", "unsatisfiable-rul"], &dir.0);
    assert_eq!(typo.status.code(), Some(2));
    assert_eq!(
        stderr(&typo),
        "error: no diagnostic code `unsatisfiable-rul`: did you mean `unsatisfiable-rule`?\n"
    );
}
