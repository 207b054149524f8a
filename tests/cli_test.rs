//! `policyc test` end to end: the real binary, its PASS/FAIL lines, summary, exit codes,
//! coverage and JUnit XML.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr, stdout};

use quick_xml::Reader;
use quick_xml::events::Event;
use std::path::Path;

const SET: &str = "\
org acme {
  engine identity
  features [third_party_claims_sharing]
}
group admins
group contractors
app wiki
authenticator password
authenticator okta_verify { methods [push] }
idp corp {
  kind oidc
  trust_claims true
}
session_policy default {
  rule everyone {
    require password
  }
}
policy wiki_policy {
  apps [wiki]
  rule admins {
    when group in [admins]
    require 2 factor_types
  }
  rule contractors {
    when group in [contractors]
    deny
  }
  rule everyone {
    require password + 1 factor_type
  }
}
";

const PASSING: &str = "\
test \"admins with corp MFA are let in\" {
  app wiki
  user { groups [admins] }
  claims corp [pwd, otp]
  expect allow by admins
}

test \"everyone else is challenged\" {
  app wiki
  claims none
  expect challenge by everyone with [okta_verify.push]
}
";

const FAILING: &str = "\
test \"contractors are let in <by mistake> & more\" {
  app wiki
  user { groups [contractors] }
  expect allow
}
";

#[test]
fn all_pass_exit_0() {
    let dir = Scratch::new("pass", &[("set.policy", SET), ("tests.policy", PASSING)]);
    let out = policyc(&["test"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "PASS admins with corp MFA are let in\nPASS everyone else is challenged\n2 passed, 0 failed\n"
    );
}

#[test]
fn a_failure_shows_expected_actual_and_trace_and_exits_1() {
    let dir = Scratch::new(
        "fail",
        &[
            ("set.policy", SET),
            ("tests.policy", PASSING),
            ("more/failing.policy", FAILING),
        ],
    );
    let out = policyc(&["test", "."], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "FAIL contractors are let in <by mistake> & more (more/failing.policy:1)"
    );
    assert_eq!(lines[1], "    expected `allow`, got `deny`");
    assert_eq!(lines[2], "    actual: deny by rule `contractors`");
    assert_eq!(
        lines[3],
        "    why: rule `contractors` of policy `wiki_policy` denies access"
    );
    assert_eq!(lines[4], "    trace:");
    assert!(lines[5].starts_with("       1. "), "{text}");
    assert_eq!(
        &lines[lines.len() - 3..],
        [
            "PASS admins with corp MFA are let in",
            "PASS everyone else is challenged",
            "2 passed, 1 failed"
        ]
    );
}

#[test]
fn coverage_lists_the_rules_no_test_reaches() {
    let dir = Scratch::new(
        "coverage",
        &[("set.policy", SET), ("tests.policy", PASSING)],
    );
    let out = policyc(&["test", "--coverage"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        concat!(
            "PASS admins with corp MFA are let in\n",
            "PASS everyone else is challenged\n",
            "rules no test reaches:\n",
            "  policy `wiki_policy`: `contractors`\n",
            "covered 3 of 4 rules\n",
            "2 passed, 0 failed\n",
        )
    );
}

#[test]
fn junit_is_well_formed_xml_with_the_failure() {
    let dir = Scratch::new(
        "junit",
        &[
            ("set.policy", SET),
            ("tests.policy", PASSING),
            ("failing.policy", FAILING),
        ],
    );
    let out = policyc(&["test", "--format", "junit"], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let xml = stdout(&out);
    let mut reader = Reader::from_str(&xml);
    let mut names = Vec::new();
    let mut cases = Vec::new();
    let mut failures = Vec::new();
    let mut text = String::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                for attr in e.attributes() {
                    let attr = attr.unwrap();
                    let value = attr.unescape_value().unwrap().into_owned();
                    match (name.as_str(), attr.key.as_ref()) {
                        ("testcase", b"name") => cases.push(value),
                        ("failure", b"message") => failures.push(value),
                        _ => {}
                    }
                }
                names.push(name);
            }
            Event::Text(t) => text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let name = String::from_utf8(r.to_vec()).unwrap();
                text.push_str(match name.as_str() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                });
            }
            _ => {}
        }
    }
    assert_eq!(
        names,
        [
            "testsuites",
            "testsuite",
            "testcase",
            "failure",
            "testsuite",
            "testcase",
            "testcase"
        ]
    );
    assert_eq!(
        cases,
        [
            "contractors are let in <by mistake> & more",
            "admins with corp MFA are let in",
            "everyone else is challenged"
        ]
    );
    assert_eq!(failures, ["expected `allow`, got `deny`"]);
    assert!(
        text.contains("actual: deny by rule `contractors`"),
        "{text}"
    );
    assert!(text.contains("trace:\n   1. "), "{text}");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"policyc test\" tests=\"3\" failures=\"1\" errors=\"0\">"));
}

#[test]
fn a_policy_set_with_errors_cannot_run_its_tests() {
    let dir = Scratch::new(
        "broken",
        &[
            ("set.policy", SET),
            (
                "tests.policy",
                "test \"t\" {\n  app wikki\n  expect allow\n}\n",
            ),
        ],
    );
    let out = policyc(&["test"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown app `wikki`"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).ends_with("error: the policy set has 1 error; its tests cannot run\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");

    let out = policyc(&["test", "no-such-folder"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_language_example_passes() {
    let out = policyc(
        &["test", "tests/fixtures/language_example.policy"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).ends_with("1 passed, 0 failed\n"));
}

#[test]
fn the_example_policy_set_passes_its_tests() {
    let out = policyc(
        &["test", "policies/"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("57 passed, 0 failed\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn run_selects_tests_by_title_and_a_pattern_matching_none_is_an_error() {
    let dir = Scratch::new(
        "run",
        &[
            ("set.policy", SET),
            ("tests.policy", PASSING),
            ("failing.policy", FAILING),
        ],
    );
    let out = policyc(&["test", "--run", "challenged"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "PASS everyone else is challenged\n1 passed, 0 failed\n"
    );
    // Several patterns run the tests matching any; the failing one is among them.
    let out = policyc(&["test", "--run", "admins", "--run", "contractors"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).ends_with("1 passed, 1 failed\n"),
        "{}",
        stdout(&out)
    );
    let none = policyc(&["test", "--run", "Admins"], &dir.0);
    assert_eq!(none.status.code(), Some(2));
    assert_eq!(
        stderr(&none),
        "error: no test's title contains `Admins` (3 tests in the set)\n"
    );
}

#[test]
fn json_reports_every_test_with_its_decision() {
    let dir = Scratch::new(
        "json",
        &[
            ("set.policy", SET),
            ("tests.policy", PASSING),
            ("failing.policy", FAILING),
        ],
    );
    let out = policyc(
        &[
            "test",
            "--format",
            "json",
            "--run",
            "contractors",
            "--run",
            "challenged",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["passed"].clone(), v["failed"].clone()),
        (1.into(), 1.into())
    );
    let failed = &v["tests"][0];
    assert_eq!(
        failed["title"],
        "contractors are let in <by mistake> & more"
    );
    assert_eq!(failed["file"], "failing.policy");
    assert_eq!(failed["line"], 1);
    assert_eq!(failed["passed"], false);
    assert_eq!(
        failed["failures"],
        serde_json::json!(["expected `allow`, got `deny`"])
    );
    assert_eq!(failed["actual"]["outcome"], "deny");
    assert_eq!(failed["actual"]["rule"], "contractors");
    let passed = &v["tests"][1];
    assert_eq!(passed["passed"], true);
    assert_eq!(
        passed["actual"]["challenge"],
        serde_json::json!(["password", "okta_verify.push"])
    );
    // Fields in the documented order.
    let text = stdout(&out);
    assert!(text.starts_with("{\"tests\":[{\"title\":"), "{text}");
    assert!(text.ends_with(",\"passed\":1,\"failed\":1}\n"), "{text}");
}

#[test]
fn color_is_chosen_on_the_command_line() {
    // A set with an error cannot be tested; its errors are coloured as `--color` says.
    let dir = Scratch::new(
        "color",
        &[(
            "set.policy",
            "org acme { engine identity }\nidp x { kind nope }\n",
        )],
    );
    let always = policyc(&["test", "--color", "always"], &dir.0);
    assert_eq!(always.status.code(), Some(2));
    assert!(stderr(&always).contains("\u{1b}["), "{}", stderr(&always));
    let never = policyc(&["test", "--color", "never"], &dir.0);
    assert!(!stderr(&never).contains("\u{1b}["), "{}", stderr(&never));
    for command in [
        &["what-if", "deactivate", "x"][..],
        &["graph"],
        &["eval", "--app", "a", "--local"],
    ] {
        let args: Vec<&str> = command
            .iter()
            .copied()
            .chain(["--color", "always"])
            .collect();
        let out = policyc(&args, &dir.0);
        assert!(
            stderr(&out).contains("\u{1b}["),
            "{command:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_method_the_org_does_not_turn_on_is_named_as_never_offered() {
    let set = "org acme { engine identity }\napp wiki\nauthenticator password\nauthenticator okta_verify { methods [push] }\npolicy sso {\n  apps [wiki]\n  rule everyone { require password + 1 factor_type }\n}\n";
    let test = "test \"totp\" {\n  app wiki\n  expect challenge with [okta_verify.totp]\n}\n";
    let dir = Scratch::new("not-enabled", &[("set.policy", set), ("t.policy", test)]);
    let out = policyc(&["test"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        &lines[1..3],
        [
            "    expected a challenge with okta_verify.totp, but the challenge offers password, okta_verify.push",
            "    `okta_verify.totp` is never offered: authenticator `okta_verify` turns on only [okta_verify.push]",
        ],
        "{text}"
    );
}

#[test]
fn a_kind_in_methods_except_means_every_method_of_the_kind() {
    // `except [okta_verify]` disallows push: the challenge offers the remaining methods only.
    let set = "org acme { engine identity }\napp wiki\nauthenticator password\nauthenticator okta_verify { methods [push] }\nauthenticator phone { methods [sms] }\npolicy sso {\n  apps [wiki]\n  rule everyone {\n    require password + 1 factor_type\n    methods except [okta_verify]\n  }\n}\n";
    let test =
        "test \"sms only\" {\n  app wiki\n  expect challenge with [password, phone.sms]\n}\n";
    let dir = Scratch::new("except-kind", &[("set.policy", set), ("t.policy", test)]);
    let out = policyc(&["test", "--format", "json"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["tests"][0]["actual"]["challenge"],
        serde_json::json!(["password", "phone.sms"])
    );
}
