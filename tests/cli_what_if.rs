//! `policyc what-if` end to end on the bundled example and on small sets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
         \n10 rules satisfiable with local authenticators alone: not affected\n\
         Okta's own rule would allow this; policyc's exact rule refuses it\n"
    );
}

#[test]
fn okta_compat_decides_by_okta_rule() {
    let out = policyc(&[
        "what-if",
        "deactivate",
        "acme_workforce",
        "--okta-compat",
        "policies/",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("(deciding by Okta's rule: --okta-compat)"));
}

#[test]
fn switching_off_third_party_sharing_breaks_nothing() {
    let out = policyc(&[
        "what-if",
        "disable",
        "third_party_claims_sharing",
        "policies/",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("ALLOWED: every rule stays satisfiable"),
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
    assert_eq!(v["okta_refuses"], false);
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

mod common;

/// Two IdPs can satisfy `admins`; routing sends admins to `corp` only. Deactivating `corp` is
/// allowed (`backup` still satisfies the rule), and what-if says that no route sends the rule's
/// users to `backup`.
const ROUTED: &str = "\
org acme { features [third_party_claims_sharing] }
group admins
app wiki
authenticator password
idp corp { kind oidc  trust_claims true  asserts [pwd, hwk] }
idp backup { kind oidc  trust_claims true  asserts [pwd, hwk] }
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
    let dir = common::Scratch::new("what-if-routed", &[("set.policy", ROUTED)]);
    let out = common::policyc(&["what-if", "deactivate", "corp"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(
        common::stdout(&out),
        "what if: deactivate IdP `corp`\n\
         ALLOWED: every rule stays satisfiable\n\
         \nkeeps working through trusted claims:\n\
         \x20 ✓ rule `admins` of policy `p` via `backup`\n\
         \x20     no routing rule sends its users to `backup`: only through its button or an IdP-initiated sign-in\n\
         \n1 rule satisfiable with local authenticators alone: not affected\n"
    );
    let out = common::policyc(
        &["what-if", "deactivate", "corp", "--format", "json"],
        &dir.0,
    );
    assert!(
        common::stdout(&out).contains(
            r#""kept":[{"rule":"admins","policy":"p","via":["backup"],"unroutable":["backup"]}]"#
        ),
        "{}",
        common::stdout(&out)
    );
    // Deactivating `backup` instead: `corp` keeps the rule and is routed to, so no note.
    let out = common::policyc(&["what-if", "deactivate", "backup"], &dir.0);
    assert!(
        common::stdout(&out).contains("  ✓ rule `admins` of policy `p` via `corp`\n\n"),
        "{}",
        common::stdout(&out)
    );
}
