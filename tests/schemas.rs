//! The JSON contracts have JSON Schemas in `schemas/`, and real output of the real binary is
//! valid against them: `check`, `eval` (one decision, with and without `--trace`), `what-if`
//! (every verb), `claims inspect` (the normal form and a refusal) and `test`. Each schema also
//! rejects a broken document, so validation is not vacuous.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc};
use serde_json::Value;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schemas").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name} does not compile: {e}"))
}

/// Runs policyc in the repository root and parses its stdout as one JSON document.
fn output(args: &[&str]) -> Value {
    let out = policyc(args, root());
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn assert_valid(schema: &str, doc: &Value) {
    let v = validator(schema);
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema}:\n{}\n{doc}", errors.join("\n"));
}

#[test]
fn check_output_matches_its_schema() {
    let clean = output(&["check", "--format", "json", "policies/"]);
    assert_valid("check.schema.json", &clean);
    let broken = output(&[
        "check",
        "--format",
        "json",
        "tests/corpus/check/route-to-inactive-idp",
    ]);
    assert!(broken["errors"].as_u64().unwrap() > 0);
    assert_valid("check.schema.json", &broken);
    let mut wrong = broken.clone();
    wrong["diagnostics"][0]["severity"] = "fatal".into();
    assert!(!validator("check.schema.json").is_valid(&wrong));
    let mut missing = broken;
    missing.as_object_mut().unwrap().remove("infos");
    assert!(!validator("check.schema.json").is_valid(&missing));
}

#[test]
fn eval_output_matches_its_schema() {
    let user = r#"{"groups":["partners"],"domain":"initech.example"}"#;
    let claims = r#"{"idp":"initech_adfs","amr":["pwd","otp"]}"#;
    let decision = output(&[
        "eval",
        "--app",
        "slack",
        "--user",
        user,
        "--claims",
        claims,
        "--format",
        "json",
        "policies/",
    ]);
    assert_valid("eval.schema.json", &decision);
    assert_eq!(decision["claims"]["signature"], "not-applicable");
    let mut unknown = decision.clone();
    unknown["claims"]["signature"] = "probably".into();
    assert!(!validator("eval.schema.json").is_valid(&unknown));
    let local = output(&[
        "eval",
        "--app",
        "slack",
        "--user",
        user,
        "--local",
        "--trace",
        "--format",
        "json",
        "policies/",
    ]);
    assert_valid("eval.schema.json", &local);
    // Claims with a hint (AD FS sending Microsoft's AMR attribute, no `session.amr`).
    let hinted = output(&[
        "eval",
        "--app",
        "slack",
        "--user",
        user,
        "--saml",
        "tests/fixtures/claims/adfs_without_session_amr.xml",
        "--idp",
        "initech_adfs",
        "--now",
        "1720481750",
        "--allow-unverified",
        "--format",
        "json",
        "policies/",
    ]);
    assert_valid("eval.schema.json", &hinted);
    assert_eq!(hinted["claims"]["hints"].as_array().map(Vec::len), Some(1));
    let mut wrong = hinted;
    wrong["claims"]["hints"] = "a string".into();
    assert!(!validator("eval.schema.json").is_valid(&wrong));
    let mut wrong = local;
    wrong["decision"] = "maybe".into();
    assert!(!validator("eval.schema.json").is_valid(&wrong));
}

#[test]
fn what_if_output_matches_its_schema() {
    for args in [
        ["deactivate", "acme_workforce"],
        ["delete", "initech_adfs"],
        ["disable", "third_party_claims_sharing"],
        ["disable", "okta_to_okta_claims_sharing"],
    ] {
        let report = output(&["what-if", args[0], args[1], "--format", "json", "policies/"]);
        assert_valid("what-if.schema.json", &report);
    }
    let report = output(&[
        "what-if",
        "deactivate",
        "acme_workforce",
        "--format",
        "json",
        "policies/",
    ]);
    assert!(!report["diagnostics"].as_array().unwrap().is_empty());
    let mut wrong = report;
    wrong["failing_tests"][0]["failures"] = serde_json::json!([]);
    assert!(!validator("what-if.schema.json").is_valid(&wrong));
}

#[test]
fn claims_inspect_output_matches_its_schema() {
    let dir = Scratch::new(
        "schema-claims",
        &[
            (
                "third.json",
                r#"{"idp":"globex_entra","amr":["pwd","hwk","PWD"],"auth_time":1720481750}"#,
            ),
            (
                "okta.json",
                r#"{"idp":"acme_workforce","amr":["password","okta_verify","swk"]}"#,
            ),
            ("bad.json", r#"{"idp":"globex_entra","amr":"pwd"}"#),
            (
                "hint.json",
                r#"{"idp":"globex_entra","amr":[],"hints":["send `session.amr`"]}"#,
            ),
        ],
    );
    let policies = root().join("policies");
    let policies = policies.to_str().unwrap();
    let mut docs = Vec::new();
    for file in ["third.json", "okta.json", "bad.json", "hint.json"] {
        let out = policyc(
            &[
                "claims", "inspect", "--claims", file, "--format", "json", policies,
            ],
            &dir.0,
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_valid("claims-inspect.schema.json", &doc);
        docs.push(doc);
    }
    assert!(docs[0]["why_ignored"].is_object(), "{}", docs[0]);
    assert!(docs[1]["methods"].is_array(), "{}", docs[1]);
    assert!(docs[2]["error"]["kind"].is_string(), "{}", docs[2]);
    assert_eq!(docs[0]["signature"], "not-applicable");
    assert_eq!(docs[3]["hints"], serde_json::json!(["send `session.amr`"]));
    let mut hint = docs[3].clone();
    hint["hints"] = "send `session.amr`".into();
    assert!(!validator("claims-inspect.schema.json").is_valid(&hint));
    let mut wrong = docs.swap_remove(0);
    wrong["protocol"] = "ldap".into();
    assert!(!validator("claims-inspect.schema.json").is_valid(&wrong));
}

#[test]
fn test_output_matches_its_schema() {
    let report = output(&["test", "--format", "json", "policies/"]);
    assert_valid("test.schema.json", &report);
    assert_eq!(report["failed"], 0);
    assert!(report["passed"].as_u64().unwrap() > 10);
    let mut wrong = report;
    wrong["tests"][0]["actual"]["outcome"] = "maybe".into();
    assert!(!validator("test.schema.json").is_valid(&wrong));
}

/// `check` and `test` over two policy sets with a `policyc.toml` each: the added `set` and
/// `sets` fields are in the schemas.
#[test]
fn policy_set_fields_match_the_schemas() {
    let org = "org acme {\n  engine identity\n}\ngroup admins\napp wiki\nauthenticator password\n";
    let policy = "policy p {\n  apps [wiki]\n  rule r {\n    when group in [admin]\n    require password\n  }\n}\n";
    let test = "test \"wiki\" {\n  app wiki\n  expect challenge with [password]\n}\n";
    let fixed = policy.replace("[admin]", "[admins]");
    let dir = Scratch::new(
        "schema-sets",
        &[
            ("prod/policyc.toml", ""),
            ("prod/org.policy", org),
            ("prod/p.policy", policy),
            ("staging/policyc.toml", "deny-warnings = true\n"),
            ("staging/org.policy", org),
            ("staging/p.policy", &fixed),
            ("staging/t.policy", test),
        ],
    );
    let check = policyc(&["check", "--format", "json"], &dir.0);
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(check["diagnostics"][0]["set"], "prod/");
    assert_eq!(check["sets"].as_array().unwrap().len(), 2);
    assert_valid("check.schema.json", &check);
    let mut wrong = check;
    wrong["sets"][0]["files"] = "two".into();
    assert!(!validator("check.schema.json").is_valid(&wrong));

    let tests = policyc(&["test", "--format", "json", "staging"], &dir.0);
    let tests: Value = serde_json::from_slice(&tests.stdout).unwrap();
    assert_eq!(tests["tests"][0]["set"], "staging/");
    assert_valid("test.schema.json", &tests);
    let mut wrong = tests;
    wrong["tests"][0]["set"] = 1.into();
    assert!(!validator("test.schema.json").is_valid(&wrong));
}
