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

/// The component schema of one exported body: by file, and where the OpenAPI description picks
/// the schema by a `discriminator` (which JSON Schema does not follow), by the body's `type`.
fn schema_of(file: &str, body: &Value) -> &'static str {
    match file {
        "idps.json" => "IdentityProvider",
        "authenticators.json" => "AuthenticatorBase",
        "groups.json" => "Group",
        "zones.json" => "NetworkZone",
        "apps.json" => "Application",
        "policies-ACCESS_POLICY.json" => "AccessPolicy",
        "policies-OKTA_SIGN_ON.json" => "OktaSignOnPolicy",
        "policies-IDP_DISCOVERY.json" => "IdpDiscoveryPolicy",
        "policies-MFA_ENROLL.json" => "AuthenticatorEnrollmentPolicy",
        f if f.starts_with("rules/") => match body["type"].as_str().unwrap() {
            "ACCESS_POLICY" => "AccessPolicyRule",
            "SIGN_ON" => "OktaSignOnPolicyRule",
            "IDP_DISCOVERY" => "IdpDiscoveryPolicyRule",
            other => panic!("{file}: rule type {other}"),
        },
        f if f.starts_with("methods/") => match body["type"].as_str().unwrap() {
            "sms" | "voice" | "email" | "password" | "security_question" => {
                "AuthenticatorMethodSimple"
            }
            "push" => "AuthenticatorMethodPush",
            "signed_nonce" => "AuthenticatorMethodSignedNonce",
            "totp" => "AuthenticatorMethodTotp",
            "otp" => "AuthenticatorMethodOtp",
            "webauthn" => "AuthenticatorMethodWebAuthn",
            "idp" | "cert" => "AuthenticatorMethodWithVerifiableProperties",
            other => panic!("{file}: method type {other}"),
        },
        other => panic!("{other}: no schema for this file"),
    }
}

#[test]
fn every_exported_body_validates_against_the_openapi_schemas() {
    let files = exported();
    let mut checked = std::collections::BTreeMap::<&str, usize>::new();
    let mut problems = Vec::new();
    for (file, text) in &files {
        let list: Vec<Value> = serde_json::from_str(text).unwrap();
        for (i, body) in list.iter().enumerate() {
            let schema = schema_of(file, body);
            let mut found = errors(&validator(schema), body);
            // policyc refers to apps, it does not own them: it writes what it reads (the label
            // and the app sign-in policy link), never the sign-on mode it cannot know.
            if schema == "Application" {
                let missing = r#""signOnMode" is a required property at "#;
                assert!(found.iter().any(|e| e == missing), "{found:?}");
                found.retain(|e| e != missing);
            }
            // The verification method's own schema, picked by its `type` (a discriminator).
            let vm = &body["actions"]["appSignOn"]["verificationMethod"];
            let vm_schema = match vm["type"].as_str() {
                Some("ASSURANCE") => Some("AssuranceMethod"),
                Some("AUTH_METHOD_CHAIN") => Some("AuthenticationMethodChainMethod"),
                _ => None,
            };
            if let Some(vs) = vm_schema {
                found.extend(errors(&validator(vs), vm));
                *checked.entry(vs).or_default() += 1;
            }
            for e in found {
                problems.push(format!("{file}#/{i} ({schema}): {e}"));
            }
            *checked.entry(schema).or_default() += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every body of the set was validated, each against its schema.
    assert_eq!(
        checked.into_iter().collect::<Vec<_>>(),
        [
            ("AccessPolicy", 1),
            ("AccessPolicyRule", 5),
            ("Application", 1),
            ("AssuranceMethod", 3),
            ("AuthenticationMethodChainMethod", 1),
            ("AuthenticatorBase", 4),
            ("AuthenticatorEnrollmentPolicy", 1),
            ("AuthenticatorMethodPush", 1),
            ("AuthenticatorMethodSignedNonce", 1),
            ("AuthenticatorMethodSimple", 4),
            ("AuthenticatorMethodTotp", 1),
            ("Group", 1),
            ("IdentityProvider", 3),
            ("IdpDiscoveryPolicy", 1),
            ("IdpDiscoveryPolicyRule", 1),
            ("NetworkZone", 1),
            ("OktaSignOnPolicy", 1),
            ("OktaSignOnPolicyRule", 2),
        ]
    );
}

#[test]
fn the_schemas_reject_a_broken_body() {
    let bad = json!({"type": "ACCESS_POLICY", "name": "r", "priority": "first",
                     "actions": {"appSignOn": {"access": "MAYBE"}}});
    assert!(!errors(&validator("AccessPolicyRule"), &bad).is_empty());
    // The schemas added for zones, apps, methods, enrollment and verification methods bite too.
    for (schema, bad) in [
        ("NetworkZone", json!({"type": "NOWHERE", "name": "z"})),
        ("Application", json!({"label": 3, "signOnMode": "SAML_2_0"})),
        (
            "AuthenticatorMethodSimple",
            json!({"type": "sms", "status": "ON"}),
        ),
        (
            "AuthenticatorEnrollmentPolicy",
            json!({"type": "MFA_ENROLL", "name": "p",
            "settings": {"authenticators": [{"key": "okta_verify", "enroll": {"self": "SOMETIMES"}}]}}),
        ),
        (
            "AssuranceMethod",
            json!({"type": "ASSURANCE", "factorMode": "3FA"}),
        ),
        (
            "AssuranceMethod",
            json!({"type": "ASSURANCE", "constraints": [{"possession": {"deviceBound": "YES"}}]}),
        ),
    ] {
        assert!(
            !errors(&validator(schema), &bad).is_empty(),
            "{schema}: {bad}"
        );
    }
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
    // One constraint object (the provider ORs several), `methods except` under the factor each
    // method proves, always naming the method (Exclude phone and email is keys alone).
    // `required` and `userPresence` are explicit: Okta reads them absent as true and REQUIRED.
    assert_eq!(
        rest["constraints"],
        json!([concat!(
            r#"{"knowledge":{"excludedAuthenticationMethods":[{"key":"security_question","method":"security_question"}],"required":true,"types":["PASSWORD"]},"#,
            r#""possession":{"deviceBound":"REQUIRED","excludedAuthenticationMethods":[{"key":"okta_email","method":"email"},{"key":"phone_number","method":"sms"}],"required":true,"userPresence":"OPTIONAL"}}"#
        )])
    );
    assert_eq!(
        config["resource"]["okta_app_signon_policy_rule"]["wiki_only"]["constraints"],
        json!([concat!(
            r#"{"knowledge":{"authenticationMethods":[{"key":"okta_password","method":"password"}],"required":true,"types":["PASSWORD"]},"#,
            r#""possession":{"authenticationMethods":[{"key":"okta_verify","method":"push"},{"key":"webauthn","method":"webauthn"}],"required":false,"userPresence":"OPTIONAL"}}"#
        )])
    );
    assert_eq!(rest["re_authentication_frequency"], "PT43200S");
    assert_eq!(
        rest["depends_on"],
        json!(["okta_app_signon_policy_rule.wiki_only"])
    );
    let chains = &config["resource"]["okta_app_signon_policy_rule"]["wiki_chains"];
    assert_eq!(chains["status"], "INACTIVE");
    assert_eq!(chains["re_authentication_frequency"], "PT7200S");
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

/// The provider's `okta_authenticator` carries neither which methods are on nor enrollment:
/// `export terraform` says so on stderr for each authenticator where they are not the defaults
/// (every method on, enrollment allowed), and the configuration stays pure JSON.
#[test]
fn export_terraform_names_the_authenticator_settings_it_cannot_carry() {
    let s = Scratch::new("export_tf_notes", &[("set/every_field.policy", SET)]);
    let o = policyc(&["export", "terraform", "set", "-o", "main.tf.json"], &s.0);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let notes: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("note: "))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        notes,
        [
            "note: authenticator `phone`: methods off (voice) not in the Terraform output (`okta_authenticator` does not carry them; `export okta` writes them)",
            "note: authenticator `okta_verify`: methods off (totp) and enrollment disabled not in the Terraform output (`okta_authenticator` does not carry them; `export okta` writes them)",
        ]
    );
    let text = s.read("main.tf.json");
    assert!(!text.contains("note:"), "{text}");
    serde_json::from_str::<Value>(&text).unwrap();
    // Defaults only: nothing to say.
    let s = Scratch::new(
        "export_tf_no_notes",
        &[(
            "set/a.policy",
            "org o {\n  engine identity\n}\nauthenticator password {}\nauthenticator okta_verify {}\n",
        )],
    );
    let o = policyc(&["export", "terraform", "set", "-o", "main.tf.json"], &s.0);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("note:"), "{}", stderr(&o));
}

/// A method chain names each step's method as Okta's API does (`otp` for Google Authenticator,
/// `signed_nonce` for FastPass), as `methods only` does: before, a chain wrote the kind's name.
#[test]
fn a_chain_names_methods_as_the_api_does() {
    let text = "org acme { engine identity }\napp wiki\nauthenticator password\n\
                authenticator google_authenticator\nauthenticator okta_verify { methods [push, fastpass] }\n\
                policy p {\n  apps [wiki]\n  rule r {\n    require chain [[password, google_authenticator], [okta_verify.fastpass]]\n  }\n}\n";
    let mut sources = Sources::new();
    sources.add(SourceFile::new("chain.policy", text));
    let c = policyc::compile(sources);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let files = policyc::okta::export::export(&c);
    let mut steps = Vec::new();
    for (name, body) in &files {
        if !name.starts_with("rules/") {
            continue;
        }
        let body: Value = serde_json::from_str(body).unwrap();
        collect_steps(&body, &mut steps);
    }
    steps.sort();
    assert_eq!(
        steps,
        [
            ("google_otp".to_owned(), "otp".to_owned()),
            ("okta_password".to_owned(), "password".to_owned()),
            ("okta_verify".to_owned(), "signed_nonce".to_owned()),
        ]
    );
}

/// Every `{"key", "method"}` of an `authenticationMethods` list in `v`.
fn collect_steps(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == "authenticationMethods"
                    && let Some(list) = x.as_array()
                {
                    for m in list {
                        out.push((
                            m["key"].as_str().unwrap_or("").to_owned(),
                            m["method"].as_str().unwrap_or("").to_owned(),
                        ));
                    }
                } else {
                    collect_steps(x, out);
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|x| collect_steps(x, out)),
        _ => {}
    }
}
