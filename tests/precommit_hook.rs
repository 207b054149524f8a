//! The pre-commit hooks that `.pre-commit-hooks.yaml` offers (`policyc-check`, `policyc-fmt`,
//! `policyc-test`): their shape, that the commands they run exist, and, when the real
//! `pre-commit` tool is installed, that it runs them as users configure them (with `args` naming
//! a policy set, two sets in one repository).
#![allow(clippy::unwrap_used, clippy::expect_used)]

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

fn hook(id: &str) -> Hook {
    hooks()
        .into_iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("no hook `{id}` in .pre-commit-hooks.yaml"))
}

fn policyc_check_hook() -> Hook {
    let ids: Vec<String> = hooks().into_iter().map(|h| h.id).collect();
    assert_eq!(ids, ["policyc-check", "policyc-fmt", "policyc-test"]);
    hook("policyc-check")
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
fn fmt_and_test_hooks() {
    let fmt = hook("policyc-fmt");
    assert_eq!(fmt.entry, "policyc fmt --check");
    // `fmt` checks the changed files themselves; `test` runs the whole set, like `check`.
    assert!(fmt.pass_filenames);
    let test = hook("policyc-test");
    assert_eq!(test.entry, "policyc test");
    assert!(!test.pass_filenames);
    for h in [fmt, test] {
        assert_eq!(h.language, "rust");
        assert_eq!(h.files, r"\.policy$");
        assert!(h.description.is_some_and(|d| !d.trim().is_empty()));
        assert!(!h.name.is_empty());
    }
}

#[test]
fn hook_entry_runs_a_real_subcommand() {
    for hook in hooks() {
        let mut words = hook.entry.split_whitespace();
        assert_eq!(words.next(), Some("policyc"), "entry `{}`", hook.entry);
        let subcommand = words
            .next()
            .unwrap_or_else(|| panic!("entry `{}` has no subcommand", hook.entry));
        assert!(
            ["check", "fmt", "test"].contains(&subcommand),
            "{}",
            hook.entry
        );

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
}

/// The hooks as the real `pre-commit` runs them, in a repository with two policy sets (prod and
/// staging) configured as the README shows (`args` naming each set). The hooks come from
/// `.pre-commit-hooks.yaml` with only the entry's `policyc` replaced by the built binary and
/// `language: system` (pre-commit would otherwise build policyc with cargo first). Skipped,
/// with a message, when `pre-commit` is not installed (`pip install pre-commit`).
#[test]
fn the_real_pre_commit_runs_the_hooks_on_two_policy_sets() {
    let Ok(version) = Command::new("pre-commit").arg("--version").output() else {
        eprintln!("pre-commit is not installed (pip install pre-commit): hooks not run for real");
        return;
    };
    assert!(version.status.success());
    let dir = std::env::temp_dir().join(format!("policyc-precommit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let policyc = env!("CARGO_BIN_EXE_policyc");
    let run = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .current_dir(&dir)
            .env("PRE_COMMIT_HOME", dir.join(".cache"))
            .env("NO_COLOR", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap()
    };
    for set in ["policies/prod", "policies/staging"] {
        assert!(run(policyc, &["init", set]).status.success());
    }
    // The README's configuration, with the hooks of this repository made local.
    let mut config = String::from("repos:\n  - repo: local\n    hooks:\n");
    for hook in hooks() {
        let entry = hook.entry.replacen("policyc", policyc, 1);
        let sets: &[Option<&str>] = if hook.pass_filenames {
            &[None]
        } else {
            &[Some("prod"), Some("staging")]
        };
        for set in sets {
            let (name, args, files) = match set {
                Some(set) => (
                    format!("{} ({set})", hook.name),
                    format!("[policies/{set}]"),
                    format!("^policies/{set}/.*\\.policy$"),
                ),
                None => (hook.name.clone(), "[]".to_owned(), hook.files.clone()),
            };
            config.push_str(&format!(
                "      - id: {}\n        name: {name}\n        entry: {entry}\n        language: system\n        pass_filenames: {}\n        files: '{files}'\n        args: {args}\n",
                hook.id, hook.pass_filenames
            ));
        }
    }
    std::fs::write(dir.join(".pre-commit-config.yaml"), &config).unwrap();
    assert!(run("git", &["init", "-q"]).status.success());
    assert!(run("git", &["add", "."]).status.success());

    let clean = run("pre-commit", &["run", "--all-files"]);
    let text = String::from_utf8_lossy(&clean.stdout).into_owned();
    assert!(
        clean.status.success(),
        "{config}\n{text}{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    for name in [
        "policyc check (prod)",
        "policyc check (staging)",
        "policyc fmt --check",
        "policyc test (prod)",
        "policyc test (staging)",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(name) && l.ends_with("Passed")),
            "`{name}` did not pass:\n{text}"
        );
    }

    // A broken staging set fails its check only; an unformatted prod file fails `fmt`.
    std::fs::write(dir.join("policies/staging/extra.policy"), "app wiki\n").unwrap();
    std::fs::write(dir.join("policies/prod/messy.policy"), "group   auditors\n").unwrap();
    assert!(run("git", &["add", "."]).status.success());
    let broken = run("pre-commit", &["run", "--all-files"]);
    let text = String::from_utf8_lossy(&broken.stdout).into_owned();
    assert_eq!(broken.status.code(), Some(1), "{text}");
    let result = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l.rsplit('.').next().unwrap_or("").trim().to_owned())
            .unwrap_or_else(|| panic!("no `{name}` in:\n{text}"))
    };
    assert_eq!(result("policyc check (prod)"), "Passed", "{text}");
    assert_eq!(result("policyc check (staging)"), "Failed", "{text}");
    assert_eq!(result("policyc fmt --check"), "Failed", "{text}");
    assert!(text.contains("duplicate-definition"), "{text}");
    assert!(
        text.contains("would reformat policies/prod/messy.policy"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
