//! The pre-commit hook that `.pre-commit-hooks.yaml` offers: its shape, and that the command it
//! runs exists.

use std::process::Command;

use serde::Deserialize;

/// One entry of `.pre-commit-hooks.yaml`, with the fields pre-commit reads that we rely on.
#[derive(Debug, Deserialize)]
struct Hook {
    id: String,
    name: String,
    entry: String,
    language: String,
    pass_filenames: bool,
    files: String,
    description: Option<String>,
}

fn hooks() -> Vec<Hook> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is not a hook list: {e}"))
}

fn policyc_check_hook() -> Hook {
    let mut hooks = hooks();
    assert_eq!(hooks.len(), 1, "expected exactly one hook, found {hooks:?}");
    hooks.remove(0)
}

/// Matches a `files` pattern of the only form the hook needs: an escaped literal anchored at the
/// end (`\.policy$`). Anything else fails the test rather than being half-interpreted.
fn files_pattern_matches(pattern: &str, path: &str) -> bool {
    let literal = pattern
        .strip_suffix('$')
        .unwrap_or_else(|| panic!("pattern `{pattern}` is not anchored with `$`"));
    let mut suffix = String::new();
    let mut chars = literal.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) if !escaped.is_ascii_alphanumeric() => suffix.push(escaped),
                other => panic!("unsupported escape `\\{other:?}` in `{pattern}`"),
            },
            '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '^' | '$' => {
                panic!("unsupported regex syntax `{c}` in `{pattern}`")
            }
            _ => suffix.push(c),
        }
    }
    path.ends_with(&suffix)
}

#[test]
fn hook_is_policyc_check_on_policy_files() {
    let hook = policyc_check_hook();
    assert_eq!(hook.id, "policyc-check");
    assert_eq!(hook.name, "policyc check");
    assert_eq!(hook.language, "rust");
    assert!(
        !hook.pass_filenames,
        "policyc checks the whole policy set, not single files"
    );
    assert!(hook.description.is_some_and(|d| !d.trim().is_empty()));
    assert_eq!(hook.files, r"\.policy$");
    assert!(files_pattern_matches(&hook.files, "a/b.policy"));
    assert!(files_pattern_matches(&hook.files, "b.policy"));
    assert!(!files_pattern_matches(&hook.files, "a/b.txt"));
    assert!(!files_pattern_matches(&hook.files, "a/b.policy.bak"));
    assert!(!files_pattern_matches(&hook.files, "a/bxpolicy"));
}

#[test]
fn hook_entry_runs_a_real_subcommand() {
    let hook = policyc_check_hook();
    let mut words = hook.entry.split_whitespace();
    assert_eq!(words.next(), Some("policyc"), "entry `{}`", hook.entry);
    let subcommand = words
        .next()
        .unwrap_or_else(|| panic!("entry `{}` has no subcommand", hook.entry));
    assert_eq!(subcommand, "check");

    let output = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args([subcommand, "--help"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run policyc: {e}"));
    assert!(
        output.status.success(),
        "`policyc {subcommand} --help` failed with {}:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("Usage") && help.contains(subcommand),
        "`policyc {subcommand} --help` printed no usage for `{subcommand}`:\n{help}"
    );

    // A subcommand that does not exist must not pass the same probe, or the probe proves nothing.
    let bogus = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["no-such-subcommand", "--help"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run policyc: {e}"));
    assert!(
        !bogus.status.success(),
        "`policyc no-such-subcommand --help` succeeded"
    );
}
