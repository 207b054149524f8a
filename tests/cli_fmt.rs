//! `policyc fmt` end to end: the real binary on scratch folders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr, stdout};

use std::path::Path;

const MESSY: &str = "org acme { engine identity  # the engine\n}\ngroup admins   app wiki\n";
const TIDY: &str = "org acme {\n  engine identity  # the engine\n}\ngroup admins\napp wiki\n";
const BROKEN: &str = "idp corp {\n  kind\n   issuer   \"x\"\n";

#[test]
fn check_lists_the_files_that_would_change_and_writes_nothing() {
    let dir = Scratch::new(
        "check",
        &[("policies/a.policy", MESSY), ("policies/b.policy", TIDY)],
    );
    let out = policyc(&["fmt", "--check"], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "would reformat policies/a.policy\n");
    assert_eq!(
        stderr(&out).lines().last(),
        Some("checked 2 files (1 would change)")
    );
    assert_eq!(dir.read("policies/a.policy"), MESSY);
}

#[test]
fn check_passes_on_formatted_files() {
    let dir = Scratch::new("check-clean", &[("a.policy", TIDY)]);
    let out = policyc(&["fmt", "--check", "a.policy"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "checked 1 file (0 would change)\n");
}

#[test]
fn formats_in_place_only_the_files_that_change() {
    let dir = Scratch::new(
        "write",
        &[("policies/a.policy", MESSY), ("policies/b.policy", TIDY)],
    );
    let before = dir.modified("policies/b.policy");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = policyc(&["fmt", "policies"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "formatted 2 files (1 changed)\n");
    assert_eq!(dir.read("policies/a.policy"), TIDY);
    assert_eq!(dir.read("policies/b.policy"), TIDY);
    assert_eq!(
        dir.modified("policies/b.policy"),
        before,
        "an unchanged file was written"
    );
    // A second run changes nothing.
    let again = policyc(&["fmt", "--check", "policies"], &dir.0);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}

#[test]
fn a_file_with_syntax_errors_is_reported_and_left_untouched() {
    let dir = Scratch::new("broken", &[("a.policy", MESSY), ("b.policy", BROKEN)]);
    let out = policyc(&["fmt"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("syntax"), "{err}");
    assert!(err.contains("b.policy:"), "{err}");
    assert!(
        err.contains("error: `b.policy` not formatted: the file has 1 syntax error"),
        "{err}"
    );
    assert_eq!(
        err.lines().last(),
        Some("formatted 2 files (1 changed), 1 left untouched (syntax errors)")
    );
    assert_eq!(dir.read("b.policy"), BROKEN);
    assert_eq!(dir.read("a.policy"), TIDY);

    let check = policyc(&["fmt", "--check", "b.policy"], &dir.0);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(dir.read("b.policy"), BROKEN);
}

#[test]
fn crlf_files_keep_their_line_endings() {
    let dir = Scratch::new("crlf", &[("a.policy", "group a\r\napp   wiki\r\n")]);
    let out = policyc(&["fmt"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(dir.read("a.policy"), "group a\r\napp wiki\r\n");
}

#[test]
fn nothing_to_format_cannot_run() {
    let dir = Scratch::new("empty", &[("notes.txt", "hello")]);
    let out = policyc(&["fmt"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no `.policy` files"),
        "{}",
        stderr(&out)
    );
    let missing = policyc(&["fmt", "missing.policy"], &dir.0);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn the_repository_policies_are_formatted() {
    let out = policyc(
        &["fmt", "--check", "policies/"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn diff_prints_a_unified_diff_and_writes_nothing() {
    let dir = Scratch::new(
        "diff",
        &[("policies/a.policy", MESSY), ("policies/b.policy", TIDY)],
    );
    let out = policyc(&["fmt", "--check", "--diff"], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "--- a/policies/a.policy\n\
         +++ b/policies/a.policy\n\
         @@ -1,3 +1,5 @@\n\
         -org acme { engine identity  # the engine\n\
         +org acme {\n\
         +  engine identity  # the engine\n\
         \x20}\n\
         -group admins   app wiki\n\
         +group admins\n\
         +app wiki\n"
    );
    assert_eq!(dir.read("policies/a.policy"), MESSY);
    // A formatted set has no diff.
    let clean = policyc(&["fmt", "--diff", "policies/b.policy"], &dir.0);
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(stdout(&clean), "");
}

#[test]
fn color_is_chosen_on_the_command_line() {
    let dir = Scratch::new("fmt-color", &[("broken.policy", BROKEN)]);
    let always = policyc(&["fmt", "--color", "always"], &dir.0);
    assert!(stderr(&always).contains("\u{1b}["), "{}", stderr(&always));
    let never = policyc(&["fmt", "--color", "never"], &dir.0);
    assert!(!stderr(&never).contains("\u{1b}["), "{}", stderr(&never));
}
