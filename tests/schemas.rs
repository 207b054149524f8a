//! The JSON contracts have JSON Schemas in `schemas/`, and real output of the real binary is
//! valid against them: `check`, `eval` (one decision, with and without `--trace`), `what-if`
//! (every verb), `claims inspect` (the normal form and a refusal) and `test`. Each schema also
//! rejects a broken document, so validation is not vacuous. And the output carries no field its
//! schema does not declare (`every_output_field_is_declared_in_its_schema`), checked here rather
//! than with `additionalProperties: false`, which would make consumers reject added fields.
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

/// AD FS's SAML response that sends Microsoft's AMR attribute and no `session.amr`, read as
/// `eval` and `claims inspect` take it.
const ADFS_SAML: &[&str] = &[
    "--saml",
    "tests/fixtures/claims/adfs_without_session_amr.xml",
    "--idp",
    "initech_adfs",
    "--now",
    "1720481750",
    "--allow-unverified",
];

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
    let hinted = output(
        &[
            &["eval", "--app", "slack", "--user", user][..],
            ADFS_SAML,
            &["--format", "json", "policies/"],
        ]
        .concat(),
    );
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

/// The fields of `doc` that `schema` does not declare, as JSON pointers, found by walking both
/// together: an object's keys must be in its schema's `properties` (or match an
/// `additionalProperties` schema), an array's items must have an `items` schema when they are
/// objects or arrays, `$ref`s are followed, and of a `oneOf`/`anyOf` the branch that fits the
/// value best is taken. The published schemas stay open (consumers must accept added fields):
/// the strictness is this test's, so a field added to the output without its schema fails here.
/// A keyword the walk does not understand fails too, rather than be skipped.
fn undeclared(schema: &Value, root: &Value, doc: &Value, at: &str, out: &mut Vec<String>) {
    let applied = applying(schema, root, doc, at);
    match doc {
        Value::Object(fields) => {
            let declares = |s: &&Value| {
                s.get("properties").is_some() || s.get("additionalProperties").is_some()
            };
            if !applied.iter().any(declares) {
                out.push(format!(
                    "{at} (an object; its schema declares no properties)"
                ));
                return;
            }
            for (k, v) in fields {
                let here = format!("{at}/{k}");
                let declared: Vec<&Value> = applied
                    .iter()
                    .filter_map(|s| s.get("properties")?.get(k))
                    .collect();
                let extra: Vec<&Value> = applied
                    .iter()
                    .filter_map(|s| s.get("additionalProperties").filter(|a| a.is_object()))
                    .collect();
                match (declared.first(), extra.first()) {
                    (Some(s), _) | (None, Some(s)) => undeclared(s, root, v, &here, out),
                    (None, None) => out.push(here),
                }
            }
        }
        Value::Array(items) => match applied.iter().find_map(|s| s.get("items")) {
            Some(s) => {
                for (i, v) in items.iter().enumerate() {
                    undeclared(s, root, v, &format!("{at}/{i}"), out);
                }
            }
            None => {
                for (i, v) in items.iter().enumerate() {
                    if v.is_object() || v.is_array() {
                        out.push(format!("{at}/{i} (its array's schema has no `items`)"));
                    }
                }
            }
        },
        _ => {}
    }
}

/// The schemas that apply to `doc`: `schema`, what its `$ref` points at, and of its `oneOf` or
/// `anyOf` the branch that fits (its `type` and `required` hold) with the fewest undeclared
/// fields, each with theirs in turn.
fn applying<'a>(schema: &'a Value, root: &'a Value, doc: &Value, at: &str) -> Vec<&'a Value> {
    const UNDERSTOOD: &[&str] = &[
        "$schema",
        "$defs",
        "$ref",
        "title",
        "description",
        "type",
        "enum",
        "pattern",
        "minimum",
        "minItems",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "oneOf",
        "anyOf",
    ];
    let Some(map) = schema.as_object() else {
        return Vec::new(); // `true`: anything, declaring nothing inside it
    };
    if let Some(k) = map.keys().find(|k| !UNDERSTOOD.contains(&k.as_str())) {
        panic!("the walk does not understand `{k}` (at {at}): teach it");
    }
    let mut applied = vec![schema];
    if let Some(r) = map.get("$ref").and_then(Value::as_str) {
        let target = r
            .strip_prefix('#')
            .and_then(|p| root.pointer(p))
            .unwrap_or_else(|| panic!("unresolvable $ref `{r}` at {at}"));
        applied.extend(applying(target, root, doc, at));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = map.get(key).and_then(Value::as_array) {
            let best = branches
                .iter()
                .filter(|b| fits(b, root, doc))
                .min_by_key(|b| {
                    let mut found = Vec::new();
                    undeclared(b, root, doc, at, &mut found);
                    found.len()
                })
                .unwrap_or_else(|| panic!("no `{key}` branch fits {doc} at {at}"));
            applied.extend(applying(best, root, doc, at));
        }
    }
    applied
}

/// Whether `doc` has a type `schema` (a `oneOf`/`anyOf` branch) allows and the fields it
/// requires.
fn fits(schema: &Value, root: &Value, doc: &Value) -> bool {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r
            .strip_prefix('#')
            .and_then(|p| root.pointer(p))
            .is_some_and(|s| fits(s, root, doc));
    }
    let kind = match doc {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let typed = match schema.get("type") {
        None => true,
        Some(Value::String(t)) => t == kind || (t == "number" && kind == "integer"),
        Some(Value::Array(ts)) => ts.iter().any(|t| t == kind),
        Some(_) => false,
    };
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .is_none_or(|r| {
            r.iter()
                .all(|k| k.as_str().is_some_and(|k| doc.get(k).is_some()))
        });
    typed && required
}

/// Every field of `doc` is declared in `schema` (see [`undeclared`]), and `doc` is valid.
fn assert_declared(schema: &str, doc: &Value, what: &str) {
    assert_valid(schema, doc);
    let text = std::fs::read_to_string(root().join("schemas").join(schema)).unwrap();
    let root_schema: Value = serde_json::from_str(&text).unwrap();
    let mut found = Vec::new();
    undeclared(&root_schema, &root_schema, doc, "", &mut found);
    assert!(
        found.is_empty(),
        "{what}: fields {schema} does not declare:\n{}\n{doc}",
        found.join("\n")
    );
}

/// Runs policyc in `dir` and parses each non-empty line of its stdout as a JSON document.
fn lines_in(dir: &Path, args: &[&str]) -> Vec<Value> {
    let out = policyc(args, dir);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{args:?}: {e}: {l}")))
        .collect()
}

/// The walk finds a field a schema does not declare, at any depth, and through `$ref` and
/// `oneOf`: the test below cannot pass vacuously.
#[test]
fn the_walk_finds_an_undeclared_field_at_any_depth() {
    let text = std::fs::read_to_string(root().join("schemas/check.schema.json")).unwrap();
    let check: Value = serde_json::from_str(&text).unwrap();
    let doc = serde_json::json!({"diagnostics": [{"code": "x", "labels": [{"file": "a", "extra": 1}]}],
        "errors": 0, "surprise": true});
    let mut found = Vec::new();
    undeclared(&check, &check, &doc, "", &mut found);
    assert_eq!(found, ["/diagnostics/0/labels/0/extra", "/surprise"]);
    let text = std::fs::read_to_string(root().join("schemas/claims-inspect.schema.json")).unwrap();
    let claims: Value = serde_json::from_str(&text).unwrap();
    let refusal = serde_json::json!({"error": {"kind": "k", "message": "m", "span": 3}});
    let mut found = Vec::new();
    undeclared(&claims, &claims, &refusal, "", &mut found);
    assert_eq!(found, ["/error/span"]);
    // `additionalProperties` with a schema declares every key; an array of objects without
    // `items` declares none of their fields.
    let why = serde_json::json!({"idp": "i", "protocol": "oidc", "subject": null, "issued_at": null,
        "auth_time": null, "amr": [], "ignored": [], "evidence": [], "signature": "verified",
        "why_ignored": {"anything": "because"}});
    let mut found = Vec::new();
    undeclared(&claims, &claims, &why, "", &mut found);
    assert_eq!(found, Vec::<String>::new());
    let open = serde_json::json!({"type": "object", "properties": {"a": {"type": "array"}}});
    let mut found = Vec::new();
    undeclared(
        &open,
        &open,
        &serde_json::json!({"a": [{"b": 1}]}),
        "",
        &mut found,
    );
    assert_eq!(found, ["/a/0 (its array's schema has no `items`)"]);
}

/// Real output of every command with a JSON contract, in the ways it varies (diagnostics with
/// labels, policy sets, claims of every kind, `--trace`, `--batch`, every `what-if` verb and
/// several changes at once, `claims inspect` and its refusal, failing tests), carries no field
/// its schema does not declare.
#[test]
fn every_output_field_is_declared_in_its_schema() {
    let here = root();
    // check: clean, with diagnostics of every checker code (labels, help), and with sets.
    assert_declared(
        "check.schema.json",
        &output(&["check", "--format", "json", "policies/"]),
        "check policies/",
    );
    for case in std::fs::read_dir(here.join("tests/corpus/check")).unwrap() {
        let case = case.unwrap().path();
        let doc = output(&["check", "--format", "json", case.to_str().unwrap()]);
        assert_declared("check.schema.json", &doc, &case.display().to_string());
    }
    let org = "org acme {\n  engine identity\n}\ngroup admins\napp wiki\nauthenticator password\n";
    let policy = "policy p {\n  apps [wiki]\n  rule r {\n    when group in [admin]\n    require password\n  }\n}\n";
    let failing = "test \"wiki\" {\n  app wiki\n  expect challenge with [okta_verify.push]\n}\n";
    let sets = Scratch::new(
        "schema-declared",
        &[
            (
                "prod/policyc.toml",
                "paths = [\"org.policy\", \"p.policy\"]\n",
            ),
            ("prod/org.policy", org),
            ("prod/p.policy", policy),
            ("prod/old/p.policy", policy),
            ("staging/policyc.toml", ""),
            ("staging/org.policy", org),
            ("staging/p.policy", &policy.replace("[admin]", "[admins]")),
            ("staging/t.policy", failing),
            ("empty/policyc.toml", "paths = [\"notes\"]\n"),
            ("empty/notes/readme.txt", ""),
            ("empty/a.policy", org),
        ],
    );
    let check = lines_in(&sets.0, &["check", "--format", "json"]);
    assert_eq!(check.len(), 1);
    assert_eq!(check[0]["sets"].as_array().map(Vec::len), Some(3));
    assert_declared("check.schema.json", &check[0], "check over three sets");

    // eval: hand-written claims, SAML with a hint, a local sign-in with --trace, --batch lines.
    let user = r#"{"groups":["partners"],"domain":"initech.example","device":{"registered":true,"managed":false}}"#;
    let claims = r#"{"idp":"initech_adfs","amr":["pwd","otp","nonsense"]}"#;
    for extra in [
        &["--claims", claims][..],
        &["--local", "--trace"][..],
        &["--claims", claims, "--trace"][..],
        ADFS_SAML,
    ] {
        let mut args = vec!["eval", "--app", "slack", "--user", user, "--format", "json"];
        args.extend_from_slice(extra);
        args.push("policies/");
        assert_declared("eval.schema.json", &output(&args), &format!("{args:?}"));
    }
    let batch = Scratch::new(
        "schema-batch",
        &[(
            "b.jsonl",
            &format!(
                "{{\"app\":\"slack\",\"user\":{user},\"claims\":{claims}}}\n\n{{\"app\":\"zoom\"}}\n\
                 {{\"app\":\"nope\"}}\n"
            ),
        )],
    );
    let policies = here.join("policies");
    let policies = policies.to_str().unwrap();
    for trace in [false, true] {
        let mut args = vec!["eval", "--batch", "b.jsonl", "--format", "json"];
        if trace {
            args.push("--trace");
        }
        args.push(policies);
        let lines = lines_in(&batch.0, &args);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[2]["error"].is_string(), "{}", lines[2]);
        for line in &lines {
            assert_declared("eval.schema.json", line, &format!("{args:?}"));
        }
    }
    // `--compare`: only the sign-ins whose decision changes, `{"line","before","after"}`.
    let before = Scratch::new(
        "schema-compare",
        &[(
            "b.jsonl",
            &format!("{{\"app\":\"slack\",\"user\":{user},\"claims\":{claims}}}\n"),
        )],
    );
    let workplace = std::fs::read_to_string(here.join("policies/apps/workplace.policy")).unwrap();
    let stricter = workplace.replacen(
        "possession [exclude_phone_email]",
        "possession [hardware_protected]",
        1,
    );
    assert_ne!(stricter, workplace);
    std::fs::create_dir_all(before.0.join("after")).unwrap();
    for entry in std::fs::read_dir(here.join("policies")).unwrap() {
        let entry = entry.unwrap().path();
        copy_tree(
            &entry,
            &before.0.join("after").join(entry.file_name().unwrap()),
        );
    }
    before.write("after/apps/workplace.policy", &stricter);
    for trace in [false, true] {
        let mut args = vec![
            "eval",
            "--batch",
            "b.jsonl",
            "--compare",
            policies,
            "--format",
            "json",
        ];
        if trace {
            args.push("--trace");
        }
        args.push("after");
        let lines = lines_in(&before.0, &args);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["after"]["decision"], "deny", "{}", lines[0]);
        assert_declared("eval.schema.json", &lines[0], &format!("{args:?}"));
    }

    // what-if: every verb, a change that refuses (diagnostics with labels, failing tests), one
    // that changes nothing (`note`), several at once.
    for args in [
        &["deactivate", "acme_workforce"][..],
        &["deactivate", "initech_adfs"][..],
        &["delete", "initech_adfs"][..],
        &["delete", "globex_entra"][..],
        &["disable", "third_party_claims_sharing"][..],
        &["disable", "okta_to_okta_claims_sharing"][..],
        &[
            "deactivate",
            "acme_workforce",
            "--disable",
            "third_party_claims_sharing",
        ][..],
    ] {
        let mut all = vec!["what-if"];
        all.extend_from_slice(args);
        all.extend(["--format", "json", "policies/"]);
        assert_declared("what-if.schema.json", &output(&all), &format!("{all:?}"));
    }

    // claims inspect: OIDC-style claims, an Okta IdP's, a device, a hint, a refusal, SAML.
    let inputs = Scratch::new(
        "schema-declared-claims",
        &[
            (
                "third.json",
                r#"{"idp":"globex_entra","amr":["pwd","hwk","PWD"],"auth_time":1720481750}"#,
            ),
            (
                "okta.json",
                r#"{"idp":"acme_workforce","amr":["password","okta_verify","swk"],"device":{"registered":true,"managed":true}}"#,
            ),
            ("bad.json", r#"{"idp":"globex_entra","amr":"pwd"}"#),
            (
                "hint.json",
                r#"{"idp":"globex_entra","amr":[],"hints":["send `session.amr`"]}"#,
            ),
        ],
    );
    for file in ["third.json", "okta.json", "bad.json", "hint.json"] {
        let doc = lines_in(
            &inputs.0,
            &[
                "claims", "inspect", "--claims", file, "--format", "json", policies,
            ],
        );
        assert_declared("claims-inspect.schema.json", &doc[0], file);
    }
    let saml = output(
        &[
            &["claims", "inspect"][..],
            ADFS_SAML,
            &["--format", "json", "policies/"],
        ]
        .concat(),
    );
    assert_declared("claims-inspect.schema.json", &saml, "claims inspect --saml");

    // test: every test of policies/, and sets with a failing test.
    assert_declared(
        "test.schema.json",
        &output(&["test", "--format", "json", "policies/"]),
        "test policies/",
    );
    let tests = lines_in(&sets.0, &["test", "--format", "json", "staging"]);
    assert_eq!(tests[0]["failed"], 1, "{}", tests[0]);
    assert_declared("test.schema.json", &tests[0], "test staging");
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap().path();
            copy_tree(&entry, &to.join(entry.file_name().unwrap()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}
