//! `policyc what-if` end to end on the bundled example and on small sets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn policyc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("policyc runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn deactivating_the_workforce_idp_is_refused_with_the_rule_it_breaks() {
    let out = policyc(&["what-if", "deactivate", "acme_workforce", "policies/"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "what if: deactivate IdP `acme_workforce`\n\
         REFUSED: 1 rule would become unsatisfiable\n\
         \n  ✗ rule `admins` of policy `privileged_access` (policies/apps/privileged.policy:20:8)\n\
         \x20     needs 2 factor types with a hardware-protected, phishing-resistant possession factor\n\
         \x20     `globex_entra` falls short: no hardware-protected, phishing-resistant possession factor\n\
         \x20     `initech_adfs` falls short: no hardware-protected, phishing-resistant possession factor\n\
         \n`policyc check` would report:\n\
         \x20 error[deactivation-refused] policies/idps.policy:10:5: deactivating IdP `acme_workforce` leaves 1 rule unsatisfiable\n\
         \x20 error[route-to-inactive-idp] policies/routes.policy:20:6: route `acme_employees` sends users to inactive IdP `acme_workforce`\n\
         \n`policyc test` would fail:\n\
         \x20 ✗ \"a contractor off the corporate network is denied GitHub\": expected rule `contractors_off_network` to apply, got no rule\n\
         \x20 ✗ \"a contractor on the VPN gets into GitHub with a password and an Okta Verify push\": expected `allow`, got `deny`; expected rule `everyone` to apply, got no rule\n\
         \x20 ✗ \"an engineer on a managed Mac in the office gets in with FastPass alone\": expected `allow`, got `deny`; expected rule `managed_laptops` to apply, got no rule\n\
         \x20 ✗ \"in the office the session policy asks only for the factor the app needed\": expected `allow`, got `deny`; expected rule `managed_on_corp` to apply, got no rule\n\
         \x20 ✗ \"the workforce org's okta_verify and phr AMR values stand for FastPass on a managed laptop\": expected `allow`, got `deny`; expected rule `managed_laptops` to apply, got no rule\n\
         \x20 ... and 30 more (`policyc test` lists them)\n\
         \n10 rules satisfiable with local authenticators alone: not affected\n"
    );
}

/// An org where deactivating `hub` breaks rule `keys` by policyc's exact rule (`other` is
/// active and trusted but cannot satisfy it), and nothing else: no route, no test.
const GUARD_ONLY: &str = "org o { engine identity  features [okta_to_okta_claims_sharing, third_party_claims_sharing] }\n\
    app a\nauthenticator password\n\
    idp hub { kind okta_oidc  trust_claims true  asserts [password, webauthn] }\n\
    idp other { kind oidc  trust_claims true  asserts [pwd, otp] }\n\
    policy p { apps [a]\n  rule keys { require 2 factor_types  possession [phishing_resistant] }\n}\n";

#[test]
fn okta_compat_decides_the_guard_by_okta_rule() {
    let dir = common::Scratch::new("okta-compat", &[("org.policy", GUARD_ONLY)]);
    let exact = common::policyc(&["what-if", "deactivate", "hub", "."], &dir.0);
    assert_eq!(exact.status.code(), Some(1), "{}", stdout(&exact));
    let out = common::policyc(
        &["what-if", "deactivate", "hub", "--okta-compat", "."],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("(deciding by Okta's rule: --okta-compat)"));
}

/// The org of a new user's first day: deactivating the IdP a route sends users to was ALLOWED,
/// and `check` then failed on the edited files. what-if now says what `check` says.
const ROUTED: &str = "org o { engine identity  features [third_party_claims_sharing] }\n\
    app a\nauthenticator password\nauthenticator okta_verify { methods [push] }\n\
    idp partner { kind saml  trust_claims true  asserts [pwd, otp] }\n\
    route partners {\n  when domain in [\"partner.example\"]\n  to partner\n}\n\
    policy p { apps [a]\n  rule everyone { require password + 1 factor_type }\n}\n";

#[test]
fn deactivating_a_routed_idp_is_refused_as_check_would_refuse_the_edit() {
    let dir = common::Scratch::new("routed", &[("org.policy", ROUTED)]);
    let out = common::policyc(&["what-if", "deactivate", "partner", "."], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "what if: deactivate IdP `partner`\n\
         REFUSED: `policyc check` would report 1 new error\n\
         \n`policyc check` would report:\n\
         \x20 error[route-to-inactive-idp] org.policy:8:6: route `partners` sends users to inactive IdP `partner`\n\
         \n1 rule satisfiable with local authenticators alone: not affected\n"
    );
    // Making the change for real: `check` fails with the same error.
    let before = common::policyc(&["check", "."], &dir.0);
    assert_eq!(before.status.code(), Some(0), "{}", stdout(&before));
    dir.write(
        "org.policy",
        &ROUTED.replace("trust_claims true", "trust_claims true  status inactive"),
    );
    let after = common::policyc(&["check", "--format", "json", "."], &dir.0);
    assert_eq!(after.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "route-to-inactive-idp");
    assert_eq!(v["errors"], 1);
}

#[test]
fn a_test_that_would_fail_refuses_the_change_and_is_named() {
    let with_test = format!(
        "{ROUTED}test \"partner users get in with their IdP's factors\" {{\n  app a\n  user {{ domain \"partner.example\" }}\n  claims partner [pwd, otp]\n  expect allow by everyone\n}}\n"
    );
    let dir = common::Scratch::new("tested", &[("org.policy", &with_test)]);
    let test = common::policyc(&["test", "."], &dir.0);
    assert_eq!(test.status.code(), Some(0), "{}", stdout(&test));
    let out = common::policyc(
        &[
            "what-if",
            "disable",
            "third_party_claims_sharing",
            "--format",
            "json",
            ".",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["refused"], true);
    assert_eq!(v["broken"], serde_json::json!([]));
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    assert_eq!(
        v["failing_tests"],
        serde_json::json!([{
            "test": "partner users get in with their IdP's factors",
            "failures": ["expected `allow`, got `challenge`"],
        }])
    );
}

#[test]
fn switching_off_third_party_sharing_keeps_every_rule_but_fails_tests() {
    let out = policyc(&[
        "what-if",
        "disable",
        "third_party_claims_sharing",
        "policies/",
    ]);
    // Every rule stays satisfiable, but the example's tests of Globex and Initech claims fail.
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "what if: switch off `third_party_claims_sharing`\nREFUSED: 8 tests would fail\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("✓ rule `admins` of policy `privileged_access` via `acme_workforce`"),
        "{text}"
    );
}

#[test]
fn switching_off_okta_to_okta_sharing_is_refused() {
    let out = policyc(&[
        "what-if",
        "disable",
        "okta_to_okta_claims_sharing",
        "policies/",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out)
            .starts_with("what if: switch off `okta_to_okta_claims_sharing`\nREFUSED: 1 rule")
    );
}

#[test]
fn delete_lists_what_names_the_idp_and_json_is_structured() {
    let out = policyc(&[
        "what-if",
        "delete",
        "acme_workforce",
        "--format",
        "json",
        "policies/",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["refused"], true);
    // A route and tests name it, so Okta's rule refuses it too (`check --okta-compat` fails).
    assert_eq!(v["okta_refuses"], true);
    assert_eq!(v["broken"][0]["rule"], "admins");
    assert_eq!(v["broken"][0]["considered"][0]["idp"], "globex_entra");
    assert_eq!(v["dangling"][0], "route `acme_employees` sends users to it");
}

#[test]
fn unknown_names_exit_2_with_a_suggestion() {
    let out = policyc(&["what-if", "deactivate", "acme_workforse", "policies/"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: no IdP named `acme_workforse`: did you mean `acme_workforce`?\n"
    );
    let feature = policyc(&["what-if", "disable", "claims", "policies/"]);
    assert_eq!(feature.status.code(), Some(2));
}

/// Three IdPs can satisfy `admins`; routing sends admins to `corp` only. Deactivating `spare` is
/// allowed (`corp` and `backup` still satisfy the rule), and what-if says that no route sends the
/// rule's users to `backup`. (Deactivating `corp` itself is refused: its route would dangle.)
const ROUTED_TO_CORP: &str = "\
org acme { features [third_party_claims_sharing] }
group admins
app wiki
authenticator password
idp corp { kind oidc  trust_claims true  asserts [pwd, hwk] }
idp backup { kind oidc  trust_claims true  asserts [pwd, hwk] }
idp spare { kind oidc  trust_claims true  asserts [pwd, hwk] }
route admins_to_corp {
  when group in [admins]
  to corp
}
policy p {
  apps [wiki]
  rule admins {
    when group in [admins]
    require 2 factor_types
    possession [hardware_protected]
  }
  rule everyone { require password }
}
";

#[test]
fn the_idps_that_keep_a_rule_satisfiable_are_named_with_their_routing() {
    let dir = common::Scratch::new("what-if-routed", &[("set.policy", ROUTED_TO_CORP)]);
    let out = common::policyc(&["what-if", "deactivate", "spare"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(
        common::stdout(&out),
        "what if: deactivate IdP `spare`\n\
         ALLOWED: every rule stays satisfiable, and `check` and `test` find nothing new\n\
         \nkeeps working through trusted claims:\n\
         \x20 ✓ rule `admins` of policy `p` via `corp`, `backup`\n\
         \x20     no routing rule sends its users to `backup`: only through its button or an IdP-initiated sign-in\n\
         \n1 rule satisfiable with local authenticators alone: not affected\n"
    );
    let out = common::policyc(
        &["what-if", "deactivate", "spare", "--format", "json"],
        &dir.0,
    );
    assert!(
        common::stdout(&out).contains(
            r#""kept":[{"rule":"admins","policy":"p","via":["corp","backup"],"unroutable":["backup"]}]"#
        ),
        "{}",
        common::stdout(&out)
    );
    // Deactivating `corp` leaves its route dangling: refused, as `check` would refuse the edit.
    let out = common::policyc(&["what-if", "deactivate", "corp"], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", common::stdout(&out));
}

#[test]
fn several_changes_at_once_are_judged_together() {
    let dir = common::Scratch::new("several", &[("org.policy", GUARD_ONLY)]);
    // Alone, deactivating `other` breaks nothing: `hub` still satisfies `keys`.
    let alone = common::policyc(&["what-if", "deactivate", "other", "."], &dir.0);
    assert_eq!(alone.status.code(), Some(0), "{}", stdout(&alone));
    // Together with switching off Okta-to-Okta sharing, `keys` has no way left.
    let both = common::policyc(
        &[
            "what-if",
            "deactivate",
            "other",
            "--disable",
            "okta_to_okta_claims_sharing",
            "--format",
            "json",
            ".",
        ],
        &dir.0,
    );
    assert_eq!(both.status.code(), Some(1), "{}", stdout(&both));
    let v: serde_json::Value = serde_json::from_slice(&both.stdout).unwrap();
    assert_eq!(
        v["change"],
        "deactivate IdP `other` and switch off `okta_to_okta_claims_sharing`"
    );
    assert_eq!(v["broken"][0]["rule"], "keys");
    assert_eq!(v["diagnostics"][0]["code"], "feature-disable-refused");
    // Each extra change is resolved like the first: a typo exits 2 with a suggestion.
    let typo = common::policyc(
        &["what-if", "deactivate", "other", "--deactivate", "hbu", "."],
        &dir.0,
    );
    assert_eq!(typo.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(typo.stderr).unwrap(),
        "error: no IdP named `hbu`: did you mean `hub`?\n"
    );
}
