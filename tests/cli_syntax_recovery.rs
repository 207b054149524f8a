//! One syntax error, one error: `policyc check` end to end on broken text. A broken setting
//! costs that setting, a broken rule that rule, a missing `}` is pinned on the brace left open,
//! nothing is reported about what only the broken text declared, syntax errors come first, and
//! the usual mistakes get their hint and fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr, stdout};

/// `(code, file, line)` of every diagnostic of `check --format json`, in the order printed.
fn found(dir: &Scratch) -> Vec<(String, String, u64)> {
    let out = policyc(&["check", "--format", "json"], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn row(code: &str, file: &str, line: u64) -> (String, String, u64) {
    (code.to_owned(), file.to_owned(), line)
}

const ORG: &str = "\
org acme {
  engine identity
  features [third_party_claims_sharing]
}
group admins
zone office
app wiki
authenticator password
authenticator okta_verify {
  methods [push, totp]
  stauts active
}
idp corp {
  knd saml
  issuer \"https://corp.example\"
}
idp partner {
  kind saml
  trust_claims tru e
  asserts [pwd, otp]
}
route partners {
  when group in [admins]
  to partner
}
";

const SSO: &str = "\
policy sso {
  apps [wiki]
  rule admins {
    when group in [admins]
    requires password
  }
  rule office {
    when zone in [ofice]
    reauth 2 hours
    require password
  }
}
";

/// In another file, as in a repository: the rule it names is in `sso.policy`, broken.
const TESTS: &str = "\
test \"admins are asked for a password\" {
  app wiki
  user { groups [admins] }
  expect challenge by admins
}
";

#[test]
fn a_broken_setting_costs_that_setting_only() {
    let dir = Scratch::new(
        "setting",
        &[
            ("org.policy", ORG),
            ("sso.policy", SSO),
            ("tests.policy", TESTS),
        ],
    );
    assert_eq!(
        found(&dir),
        [
            // Syntax errors first, one per broken setting.
            row("syntax", "org.policy", 11), // stauts active
            row("syntax", "org.policy", 14), // knd saml
            row("syntax", "org.policy", 19), // trust_claims tru e
            row("syntax", "sso.policy", 5),  // requires password
            row("syntax", "sso.policy", 9),  // reauth 2 hours
            // The rest of a rule with a broken setting is still read and checked.
            row("unknown-reference", "sso.policy", 8), // ofice
        ]
    );
    // Nothing follows from the settings left out: no `missing-setting` for `corp`'s kind or
    // `admins`' requirement, no `route-to-untrusted-idp` for `partner` (its `trust_claims` did
    // not parse), `to partner` and `challenge by admins` resolve, and `wiki` keeps its policy.
}

#[test]
fn a_missing_brace_is_pinned_on_the_brace_left_open_and_costs_nothing_else() {
    let policy = "\
policy wiki_sso {
  apps [wiki]
  rule everyone {
    when group in [admin]
    require password
}

policy crm_sso {
  apps [crm]
  rule admins_only {
    require password
  }
}
";
    let tests = "test \"everyone\" {\n  app wiki\n  expect challenge by everyone\n}\n";
    let org =
        "org acme { engine identity }\ngroup admins\napp wiki\napp crm\nauthenticator password\n";
    let dir = Scratch::new(
        "brace",
        &[("a.policy", org), ("b.policy", policy), ("c.policy", tests)],
    );
    let out = policyc(&["check", "--format", "json"], &dir.0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v["diagnostics"][0];
    assert_eq!(first["code"], "syntax");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(8), Some(1))
    );
    assert_eq!(first["help"], "add the missing `}`");
    let label = &first["labels"][0];
    assert_eq!(
        (label["line"].as_u64(), label["column"].as_u64()),
        (Some(3), Some(17)),
        "{first}"
    );
    assert_eq!(label["message"], "this `{` is never closed");
    // The policy is read as if closed where it ends: its rules are checked (`admin`), the test
    // naming `everyone` resolves, and `wiki` keeps its policy.
    assert_eq!(
        found(&dir),
        [
            row("syntax", "b.policy", 8),
            row("unknown-reference", "b.policy", 4),
        ]
    );
    let human = policyc(&["check"], &dir.0);
    assert!(
        stdout(&human).contains("this `{` is never closed"),
        "{}",
        stdout(&human)
    );
}

#[test]
fn syntax_errors_are_printed_first_in_human_output_too() {
    // `a.policy` sorts first, but its unknown group may follow from `b.policy`'s error.
    let a = "policy p {\n  apps [wiki]\n  rule r {\n    when group in [admin]\n    require password\n  }\n}\n";
    let b = "org acme { engine identity }\napp wiki\nauthenticator password\ngroup admins\nidp x { kind = saml }\n";
    let dir = Scratch::new("first", &[("a.policy", a), ("b.policy", b)]);
    let text = stdout(&policyc(&["check"], &dir.0));
    let syntax = text.find("[syntax]").expect("a syntax error");
    let unknown = text.find("[unknown-reference]").expect("an unknown group");
    assert!(syntax < unknown, "{text}");
}

/// Each usual mistake, in a rule of an otherwise clean set: the help (JSON) and, where the
/// mistake has one obvious correction, the fix (human output).
#[test]
fn the_usual_mistakes_get_their_hint() {
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        (
            "reauth",
            "require password\n    reauth 2 hours",
            "durations are written as a number and a unit letter (`s`, `m`, `h`, `d`): write `2h`",
            Some("replace with `2h`"),
        ),
        (
            "or",
            "when group in [admins] or zone in [office]\n    require password",
            "the conditions of a rule all hold together, joined with `and`; for one or the other, write two rules with the same requirement, one per condition (a list such as `group in [a, b]` already means either)",
            None,
        ),
        (
            "brackets",
            "when group in admins\n    require password",
            "a condition lists its values in brackets: write `in [admins]`",
            Some("replace with `[admins]`"),
        ),
        (
            "requires",
            "requires password",
            "did you mean `require`?",
            Some("replace with `require`"),
        ),
    ];
    for (name, body, help, fix) in cases {
        let text = format!(
            "org acme {{ engine identity }}\ngroup admins\nzone office\napp wiki\nauthenticator password\n\npolicy sso {{\n  apps [wiki]\n  rule r {{\n    {body}\n  }}\n}}\n"
        );
        let dir = Scratch::new(&format!("hint-{name}"), &[("p.policy", &text)]);
        let out = policyc(&["check", "--format", "json"], &dir.0);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let diagnostics = v["diagnostics"].as_array().unwrap();
        assert_eq!(diagnostics.len(), 1, "{name}: {v}");
        assert_eq!(diagnostics[0]["code"], "syntax", "{name}");
        assert_eq!(diagnostics[0]["help"], *help, "{name}");
        // The human renderer wraps long help lines.
        let human = stdout(&policyc(&["check"], &dir.0))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match fix {
            Some(fix) => assert!(human.contains(&format!("(fix: {fix})")), "{name}: {human}"),
            None => assert!(!human.contains("(fix:"), "{name}: {human}"),
        }
    }
}
