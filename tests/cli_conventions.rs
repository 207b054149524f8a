//! The conventions of the tools users already have: shell completions and man pages from the
//! one CLI definition, and `policyc init`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr, stdout};

#[test]
fn completions_cover_every_subcommand_for_every_shell() {
    let dir = Scratch::new("completions", &[]);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = policyc(&["completions", shell], &dir.0);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for word in ["what-if", "explain", "init", "deny-warnings", "okta-compat"] {
            assert!(script.contains(word), "{shell} completion lacks `{word}`");
        }
    }
    // The bash script is valid bash, where bash is installed.
    let bash = policyc(&["completions", "bash"], &dir.0);
    let path = dir.write("policyc.bash", &stdout(&bash));
    match std::process::Command::new("bash")
        .args(["-n", &path])
        .output()
    {
        Ok(check) => assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        ),
        Err(_) => eprintln!("bash is not installed: the completion script's syntax is not checked"),
    }
    let unknown = policyc(&["completions", "tcsh"], &dir.0);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_man_page_is_generated_from_the_cli_definition() {
    let dir = Scratch::new("man", &[]);
    let out = policyc(&["man"], &dir.0);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(page.contains(".TH policyc 1"), "{page}");
    assert!(page.contains("what\\-if"), "{page}");
    let written = policyc(&["man", "--out-dir", "pages"], &dir.0);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    let check = std::fs::read_to_string(dir.0.join("pages/policyc-check.1")).unwrap();
    assert!(check.contains("\\-\\-deny\\-warnings"), "{check}");
    assert!(dir.0.join("pages/policyc.1").exists());
}

#[test]
fn init_scaffolds_a_set_that_checks_clean_formats_clean_and_passes_its_tests() {
    let dir = Scratch::new("init", &[]);
    let out = policyc(&["init", "acme"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("created acme/org.policy\n"),
        "{}",
        stdout(&out)
    );
    let check = policyc(&["check", "acme"], &dir.0);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(
        stderr(&check).starts_with("checked 5 files, 0 errors, 0 warnings, 0 infos in "),
        "{}",
        stderr(&check)
    );
    let test = policyc(&["test", "acme"], &dir.0);
    assert_eq!(test.status.code(), Some(0), "{}", stdout(&test));
    assert!(
        stdout(&test).contains("3 passed, 0 failed"),
        "{}",
        stdout(&test)
    );
    let fmt = policyc(&["fmt", "--check", "acme"], &dir.0);
    assert_eq!(fmt.status.code(), Some(0), "{}", stdout(&fmt));
    // The starter is commented: every file says what it is for.
    for name in ["org", "idps", "session", "apps", "tests"] {
        let text = std::fs::read_to_string(dir.0.join(format!("acme/{name}.policy"))).unwrap();
        assert!(
            text.starts_with("# "),
            "{name}.policy has no opening comment"
        );
    }
    // Nothing is overwritten.
    dir.write("acme/org.policy", "# mine\n");
    let again = policyc(&["init", "acme"], &dir.0);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exist"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(dir.0.join("acme/org.policy")).unwrap(),
        "# mine\n"
    );
}
