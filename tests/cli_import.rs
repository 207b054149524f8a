//! `policyc import okta DIR -o OUT` on the real binary: exit codes, the folder written whole,
//! `--asserts`, and a re-import keeping the `asserts` already written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr, stdout};
use std::path::Path;

fn org_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/okta-api/org")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn import_writes_the_set_reports_findings_and_exits_1() {
    let s = Scratch::new("import_findings", &[]);
    let o = policyc(&["import", "okta", &org_dir(), "-o", "out"], &s.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(
        "warning[import-unsupported]: rule Rule with conditions (rule8jjozjGMGbHyC1d6): condition `userType` is not modelled\n  --> rules/rst7xus97faIAgmti1d7.json#/0/conditions/userType"
    ), "{err}");
    assert!(!err.contains("your-client-secret") && !stdout(&o).contains("your-client-secret"));
    let text = s.read("out/org.policy");
    assert!(
        text.contains("idp example_okta_integration_idp {"),
        "{text}"
    );
    // Only the set is left: no temporary folder beside it.
    let names: Vec<String> = std::fs::read_dir(&s.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out"]);
    // The output is a clean policy set for `check`'s compiler (only warnings from the checker).
    let c = policyc(&["fmt", "--check", "out"], &s.0);
    assert_eq!(c.status.code(), Some(0), "{}", stdout(&c));
}

#[test]
fn asserts_from_a_file_and_kept_on_reimport() {
    let s = Scratch::new(
        "import_asserts",
        &[(
            "asserts.json",
            r#"{"example_okta_integration_idp": ["password", "okta_verify.push"]}"#,
        )],
    );
    let o = policyc(
        &[
            "import",
            "okta",
            &org_dir(),
            "-o",
            "out",
            "--asserts",
            "asserts.json",
        ],
        &s.0,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        s.read("out/org.policy")
            .contains("asserts [password, okta_verify.push]")
    );
    // Again, without the file: what is written is kept.
    let o = policyc(&["import", "okta", &org_dir(), "-o", "out"], &s.0);
    assert_eq!(o.status.code(), Some(1));
    let text = s.read("out/org.policy");
    assert!(
        text.contains("asserts [password, okta_verify.push]"),
        "{text}"
    );
    assert!(!stderr(&o).contains("/policy/trustClaims"));
}

#[test]
fn a_folder_without_api_json_or_bad_json_cannot_run() {
    let s = Scratch::new(
        "import_bad",
        &[("empty/readme.txt", "x"), ("bad/idps.json", "[{")],
    );
    let o = policyc(&["import", "okta", "empty", "-o", "out"], &s.0);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds no Management API JSON"),
        "{}",
        stderr(&o)
    );
    let o = policyc(&["import", "okta", "bad", "-o", "out"], &s.0);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: idps.json: not JSON:"),
        "{}",
        stderr(&o)
    );
    assert!(!s.0.join("out").exists());
}

#[test]
fn a_clean_org_imports_with_exit_0_and_json_findings_are_an_array() {
    let s = Scratch::new(
        "import_clean",
        &[(
            "org/idps.json",
            r#"[{"id": "0oa2", "type": "OIDC", "name": "Corp", "status": "ACTIVE",
  "protocol": {"type": "OIDC", "issuer": {"url": "https://corp.example"},
               "credentials": {"client": {"client_id": "abc"}}}}]"#,
        )],
    );
    let o = policyc(
        &["import", "okta", "org", "-o", "out", "--format", "json"],
        &s.0,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "[]");
    assert!(
        s.read("out/org.policy")
            .contains("idp corp {  # okta: 0oa2")
    );
}

/// Names and values in the org's JSON are the org's, not ours: an escape sequence or a line
/// break in a policy's name or an unknown field's value must reach the terminal as text, never
/// as a command to it (clearing the screen, hiding the findings) or as a forged finding line.
#[test]
fn control_characters_from_the_api_are_never_printed_raw() {
    let s = Scratch::new(
        "import_control_chars",
        &[
            (
                "org/policies-OKTA_SIGN_ON.json",
                "[{\"id\": \"00p1\", \"type\": \"OKTA_SIGN_ON\", \"name\": \"Default\\u001b[2J\\nwarning[forged]: all clear\", \"status\": \"ACTIVE\", \"priority\": 1, \"weird\\u001b]52;c;AAAA\\u0007\": 1}]",
            ),
            ("org/rules/00p1.json", "[]"),
        ],
    );
    let o = policyc(&["import", "okta", "org", "-o", "out"], &s.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(
        !err.lines().any(|l| l.starts_with("warning[forged]")),
        "{err}"
    );
    assert!(
        err.contains("warning[import-unsupported]: policy Default\\u{1b}[2J\\nwarning[forged]: all clear (00p1): "),
        "{err}"
    );
}

/// An Okta org over SAML is inferred `okta_saml` and reported; once the admin deletes the note
/// above it, a re-import keeps the kind and says nothing more about it.
#[test]
fn a_confirmed_okta_saml_kind_is_kept_on_reimport() {
    let s = Scratch::new(
        "import_saml_kind",
        &[(
            "org/idps.json",
            r#"[{"id": "0oaokta", "type": "SAML2", "name": "Hub", "status": "ACTIVE",
                 "protocol": {"type": "SAML2", "credentials": {"trust": {"issuer": "http://www.okta.com/exk1hub", "audience": "https://sp.example"}}}}]"#,
        )],
    );
    let o = policyc(&["import", "okta", "org", "-o", "out"], &s.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("inferred from the issuer"),
        "{}",
        stderr(&o)
    );
    let text = s.read("out/org.policy");
    let note = text
        .lines()
        .find(|l| l.contains("inferred from the issuer"))
        .unwrap();
    s.write("out/org.policy", &text.replace(&format!("{note}\n"), ""));
    let o = policyc(&["import", "okta", "org", "-o", "out"], &s.0);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = s.read("out/org.policy");
    assert!(text.contains("  kind okta_saml\n"), "{text}");
    assert!(!text.contains("inferred from the issuer"), "{text}");
}
