//! Messages that answer "why", end to end through the real binary: what third-party evidence
//! lacks for a possession constraint, a kind where a test needs one method, and a kind in
//! `methods except`, and a SAML response from the example set's AD FS with Microsoft's AMR
//! attribute and no `session.amr`. (The Okta-org possession trace, the `mfa` marker and a
//! method the org does not turn on are in `cli_eval.rs` and `cli_test.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, json, policyc, stderr, stdout};

const ORG: &str = "\
org acme { engine identity  features [third_party_claims_sharing] }
app wiki
authenticator password
authenticator okta_verify { methods [push, totp] }
authenticator phone { methods [sms, voice] }
authenticator webauthn
idp corp { kind oidc  trust_claims true  asserts [pwd, hwk, otp, swk] }
";

#[test]
fn the_trace_names_what_third_party_evidence_lacks_for_a_possession_constraint() {
    let policy = "policy sso {\n  apps [wiki]\n  rule admins {\n    require 2 factor_types\n    possession [hardware_protected, phishing_resistant]\n  }\n}\n";
    let dir = Scratch::new("possession", &[("org.policy", ORG), ("sso.policy", policy)]);
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--claims",
            r#"{"idp":"corp","amr":["pwd","otp","swk"]}"#,
            "--trace",
            "--format",
            "json",
        ],
        &dir.0,
    );
    let v = json(&out);
    assert_eq!(v["decision"], "challenge");
    assert_eq!(v["challenge"], serde_json::json!(["webauthn"]));
    let trace: Vec<&str> = v["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        trace.contains(
            &"claims count for the app rule: `pwd`: knowledge; `otp`: possession, does not meet the possession constraints: not hardware-protected, not phishing-resistant; `swk`: possession, does not meet the possession constraints: not hardware-protected, not phishing-resistant"
        ),
        "{trace:#?}"
    );
}

#[test]
fn a_kind_in_a_tests_with_gets_a_message_about_tests() {
    let policy =
        "policy sso {\n  apps [wiki]\n  rule everyone { require password + 1 factor_type }\n}\n";
    let test =
        "test \"asked for Okta Verify\" {\n  app wiki\n  expect challenge with [okta_verify]\n}\n";
    let dir = Scratch::new(
        "kind-in-with",
        &[
            ("org.policy", ORG),
            ("sso.policy", policy),
            ("t.policy", test),
        ],
    );
    let v = json(&policyc(&["check", "--format", "json"], &dir.0));
    let d = &v["diagnostics"];
    assert_eq!(d.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(d[0]["code"], "unknown-authenticator-method");
    assert_eq!(
        d[0]["message"],
        "`okta_verify` has several methods; a test's `with` (the methods the challenge must offer) needs one"
    );
    assert_eq!(
        d[0]["help"],
        "use one of `okta_verify.push`, `okta_verify.totp`, `okta_verify.fastpass`"
    );
    assert_eq!(
        (d[0]["file"].as_str(), d[0]["line"].as_u64()),
        (Some("t.policy"), Some(3))
    );
    // `test` refuses to run a set with errors, and says so with the same message.
    let out = policyc(&["test"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    let printed = format!("{}{}", stdout(&out), stderr(&out))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        printed.contains("several methods; a test's `with` (the methods the challenge must offer)"),
        "{printed}"
    );
    assert!(
        printed.contains("the policy set has 1 error; its tests cannot run"),
        "{printed}"
    );
}

#[test]
fn methods_except_a_kind_disallows_every_method_of_the_kind() {
    // `phone` and `okta_verify` each turn on two methods: all four are disallowed.
    let policy = "policy sso {\n  apps [wiki]\n  rule everyone {\n    require password + 1 factor_type\n    methods except [phone, okta_verify]\n  }\n}\n";
    let dir = Scratch::new(
        "except-kinds",
        &[("org.policy", ORG), ("sso.policy", policy)],
    );
    let v = json(&policyc(
        &["eval", "--app", "wiki", "--local", "--format", "json"],
        &dir.0,
    ));
    assert_eq!(v["challenge"], serde_json::json!(["password", "webauthn"]));
    // Naming the methods one by one means the same.
    let by_method = policy.replace(
        "[phone, okta_verify]",
        "[phone.sms, phone.voice, okta_verify.push, okta_verify.totp]",
    );
    dir.write("sso.policy", &by_method);
    let w = json(&policyc(
        &["eval", "--app", "wiki", "--local", "--format", "json"],
        &dir.0,
    ));
    assert_eq!(w["challenge"], v["challenge"]);
    // Without `except`, they are offered.
    dir.write(
        "sso.policy",
        &policy.replace("    methods except [phone, okta_verify]\n", ""),
    );
    let all = json(&policyc(
        &["eval", "--app", "wiki", "--local", "--format", "json"],
        &dir.0,
    ));
    assert_eq!(
        all["challenge"],
        serde_json::json!([
            "password",
            "phone.sms",
            "phone.voice",
            "okta_verify.push",
            "okta_verify.totp",
            "webauthn"
        ])
    );
}

#[test]
fn adfs_sending_microsofts_amr_attribute_gets_a_hint_naming_session_amr() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let saml = "tests/fixtures/claims/adfs_without_session_amr.xml";
    let common = [
        "--saml",
        saml,
        "--idp",
        "initech_adfs",
        "--now",
        "1720481750",
        "--allow-unverified",
        "--format",
        "json",
        "policies/",
    ];
    let inspect: Vec<&str> = ["claims", "inspect"].into_iter().chain(common).collect();
    let claims = json(&policyc(&inspect, root));
    assert_eq!(claims["amr"], serde_json::json!([]));
    let hints = claims["hints"].as_array().expect("hints");
    assert_eq!(hints.len(), 1);
    let hint = hints[0].as_str().unwrap();
    assert!(hint.contains("Microsoft's `http://schemas.microsoft.com/claims/authnmethodsreferences` attribute but no `session.amr`"), "{hint}");
    assert!(
        hint.contains(
            "Okta reads a SAML IdP's AMR values only from the attribute named `session.amr`"
        ),
        "{hint}"
    );
    // `eval` says why the sign-in is denied and carries the same hint.
    let user = r#"{"groups":["partners"],"domain":"initech.example"}"#;
    let eval: Vec<&str> = ["eval", "--app", "slack", "--user", user]
        .into_iter()
        .chain(common)
        .collect();
    let decision = json(&policyc(&eval, root));
    assert_eq!(decision["decision"], "deny");
    assert_eq!(decision["claims"]["hints"], serde_json::json!([hint]));
}
