//! `policyc export okta`: every body validates against Okta's OpenAPI component schemas
//! (vendored in tests/fixtures/okta-api/schemas.json, Apache-2.0, see ATTRIBUTION; OpenAPI's
//! `nullable` rewritten as JSON Schema `null` types), and the real binary writes the folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr};
use policyc::source::{SourceFile, Sources};
use serde_json::{Value, json};

fn schemas() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/okta-api/schemas.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A validator for one component schema, with the others reachable by `$ref`.
fn validator(name: &str) -> jsonschema::Validator {
    let mut schema = schemas();
    schema["$ref"] = json!(format!("#/components/schemas/{name}"));
    jsonschema::options()
        .build(&schema)
        .expect("schema compiles")
}

fn errors(v: &jsonschema::Validator, body: &Value) -> Vec<String> {
    v.iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Every setting the mapping covers, as in tests/okta_import.rs.
const SET: &str = include_str!("fixtures/okta-api/every_field.policy");

fn exported() -> policyc::okta::OrgFiles {
    let mut sources = Sources::new();
    sources.add(SourceFile::new("every_field.policy", SET));
    let c = policyc::compile(sources);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    policyc::okta::export::export(&c)
}

#[test]
fn every_exported_body_validates_against_the_openapi_schemas() {
    let files = exported();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (file, text) in &files {
        let schema = match file.as_str() {
            "idps.json" => "IdentityProvider",
            "authenticators.json" => "AuthenticatorBase",
            "groups.json" => "Group",
            "policies-ACCESS_POLICY.json" => "AccessPolicy",
            "policies-OKTA_SIGN_ON.json" => "OktaSignOnPolicy",
            "policies-IDP_DISCOVERY.json" => "IdpDiscoveryPolicy",
            f if f.starts_with("rules/") => "",
            _ => continue,
        };
        let list: Vec<Value> = serde_json::from_str(text).unwrap();
        for (i, body) in list.iter().enumerate() {
            let schema = if schema.is_empty() {
                match body["type"].as_str().unwrap() {
                    "ACCESS_POLICY" => "AccessPolicyRule",
                    "SIGN_ON" => "OktaSignOnPolicyRule",
                    "IDP_DISCOVERY" => "IdpDiscoveryPolicyRule",
                    other => panic!("{file}: rule type {other}"),
                }
            } else {
                schema
            };
            for e in errors(&validator(schema), body) {
                problems.push(format!("{file}#/{i} ({schema}): {e}"));
            }
            checked += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(checked, 17, "every body of the set was validated");
}

#[test]
fn the_schemas_reject_a_broken_body() {
    let bad = json!({"type": "ACCESS_POLICY", "name": "r", "priority": "first",
                     "actions": {"appSignOn": {"access": "MAYBE"}}});
    assert!(!errors(&validator("AccessPolicyRule"), &bad).is_empty());
}

#[test]
fn export_okta_writes_the_folder_import_reads() {
    let s = Scratch::new("export_okta", &[("set/every_field.policy", SET)]);
    let o = policyc(&["export", "okta", "set", "-o", "org"], &s.0);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(s.read("org/idps.json"), exported()["idps.json"]);
    let o = policyc(&["import", "okta", "org", "-o", "back"], &s.0);
    assert_eq!(
        o.status.code(),
        Some(1),
        "only the asserts placeholder: {}",
        stderr(&o)
    );
    // A set with errors is not exported.
    let s = Scratch::new(
        "export_broken",
        &[("set/a.policy", "idp x { kind nope }\n")],
    );
    let o = policyc(&["export", "okta", "set", "-o", "org"], &s.0);
    assert_eq!(o.status.code(), Some(1));
    assert!(!s.0.join("org").exists());
}

#[test]
fn terraform_configuration_has_the_providers_shape_with_references() {
    let s = Scratch::new("export_tf", &[("set/every_field.policy", SET)]);
    let o = policyc(&["export", "terraform", "set", "-o", "main.tf.json"], &s.0);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let config: Value = serde_json::from_str(&s.read("main.tf.json")).unwrap();
    // No literal Okta ids anywhere: every reference is an interpolation.
    let text = s.read("main.tf.json");
    for id in ["0oacorp", "00gadmins", "nzooffice", "rstwiki", "0pradmins"] {
        assert!(!text.contains(id), "literal id {id} in {text}");
    }
    assert_eq!(
        config["terraform"]["required_providers"]["okta"],
        json!({"source": "okta/okta", "version": "~> 4.8"})
    );
    assert_eq!(
        config["resource"]["okta_app_signon_policy_rule"]["wiki_admins"],
        json!({
            "policy_id": "${okta_app_signon_policy.wiki.id}",
            "name": "admins",
            "priority": 1,
            "status": "ACTIVE",
            "groups_included": ["${data.okta_group.admins.id}"],
            "risk_score": "HIGH",
            "device_is_registered": true,
            "device_is_managed": true,
            "access": "DENY"
        })
    );
    let rest = &config["resource"]["okta_app_signon_policy_rule"]["wiki_rest"];
    assert_eq!(rest["factor_mode"], "2FA");
    assert_eq!(
        rest["constraints"],
        json!([r#"{"knowledge":{"required":true,"types":["password"]}}"#])
    );
    assert_eq!(rest["re_authentication_frequency"], "PT43200S");
    assert_eq!(
        rest["depends_on"],
        json!(["okta_app_signon_policy_rule.wiki_chains"])
    );
    assert_eq!(
        config["resource"]["okta_app_signon_policy_rule"]["wiki_chains"]["status"],
        "INACTIVE"
    );
    assert_eq!(
        config["resource"]["okta_idp_oidc"]["corp"],
        json!({
            "name": "corp",
            "status": "ACTIVE",
            "max_clock_skew": 120000,
            "trust_claims": true,
            "issuer_url": "https://corp.okta.com",
            "client_id": "client1",
            "client_secret": "${var.idp_corp_client_secret}"
        })
    );
    assert_eq!(
        config["variable"]["idp_corp_client_secret"]["sensitive"],
        true
    );
    assert_eq!(
        config["resource"]["okta_policy_rule_idp_discovery"]["partners"]["idp_providers"],
        json!([{"id": "${okta_idp_oidc.corp.id}", "type": "OIDC"}])
    );
    assert_eq!(
        config["resource"]["okta_policy_rule_signon"]["default_office"],
        json!({
            "policy_id": "${okta_policy_signon.default.id}",
            "name": "office",
            "priority": 1,
            "status": "ACTIVE",
            "groups_excluded": ["${data.okta_group.admins.id}"],
            "network_connection": "ZONE",
            "network_includes": ["${data.okta_network_zone.office.id}"],
            "access": "ALLOW",
            "primary_factor": "PASSWORD_IDP_ANY_FACTOR"
        })
    );
    let kinds: Vec<&String> = config["resource"].as_object().unwrap().keys().collect();
    assert_eq!(
        kinds,
        [
            "okta_app_signon_policy",
            "okta_app_signon_policy_rule",
            "okta_authenticator",
            "okta_idp_oidc",
            "okta_idp_saml",
            "okta_policy_rule_idp_discovery",
            "okta_policy_rule_signon",
            "okta_policy_signon"
        ]
    );
}
