//! `policyc::okta::import` on Okta's real example bodies (tests/fixtures/okta-api, Apache-2.0,
//! see its ATTRIBUTION): everything is mapped or reported, secrets are never written, and the
//! output compiles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::diagnostic::Code;
use policyc::okta::OrgFiles;
use policyc::okta::import::{ImportOptions, SettledKind, import, saml_kinds_settled};
use policyc::source::{SourceFile, Sources};
use std::path::Path;

fn org() -> OrgFiles {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/okta-api/org");
    let mut files = OrgFiles::new();
    for dir in [root.clone(), root.join("rules"), root.join("methods")] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let rel = p.strip_prefix(&root).unwrap().to_str().unwrap().to_owned();
                files.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    files
}

fn compile(text: &str) -> policyc::Compiled {
    let mut sources = Sources::new();
    sources.add(SourceFile::new("org.policy", text));
    policyc::compile(sources)
}

#[test]
fn the_real_examples_import_into_a_set_that_compiles() {
    let out = import(&org(), &ImportOptions::default()).unwrap();
    let text = &out.files["org.policy"];
    println!("{text}");
    for i in &out.issues {
        println!("{} {} {}", i.object, i.pointer, i.message);
    }
    let c = compile(text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    insta::assert_snapshot!(text);
    // Secrets are never written, whatever the comments say.
    assert!(!text.contains("your-client-secret"));
    assert!(out.issues.iter().all(|i| i.code == Code::ImportUnsupported));
    let pointers: Vec<&str> = out.issues.iter().map(|i| i.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "authenticators.json#/0/settings/tokenLifetimeInMinutes",
            "methods/aut1nd8PQhGcQtSxB0g4.json#/0/settings",
            "idps.json#/0/type",
            "idps.page-2.json#/0/type",
            "idps.page-2.json#/1/type",
            "idps.page-2.json#/2/type",
            "idps.page-2.json#/4/type",
            "idps.page-2.json#/5/policy/trustClaims",
            "idps.page-2.json#/6/id",
            "rules/rst7xus97faIAgmti1d7.json#/0/conditions/people/users",
            "rules/rst7xus97faIAgmti1d7.json#/0/conditions/elCondition",
            "rules/rst7xus97faIAgmti1d7.json#/0/conditions/userType",
            "rules/rst7xus97faIAgmti1d7.json#/0/actions/appSignOn/verificationMethod/constraints/0/knowledge/reauthenticateIn",
            "rules/00pdisc.json#/0/actions/idp/providers",
            "rules/00pdisc.json#/1/actions/idp/providers",
        ]
    );
}

#[test]
fn asserts_come_from_the_admin_never_from_a_guess() {
    let mut options = ImportOptions::default();
    options.asserts.insert(
        "0oazzok2vl5aeUH0B0g4".to_owned(),
        vec!["password".to_owned(), "okta_verify.push".to_owned()],
    );
    options.features = vec!["okta_to_okta_claims_sharing".to_owned()];
    let out = import(&org(), &options).unwrap();
    let text = &out.files["org.policy"];
    assert!(
        text.contains("  asserts [password, okta_verify.push]\n"),
        "{text}"
    );
    assert!(!text.contains("asserts []"));
    assert!(
        !out.issues
            .iter()
            .any(|i| i.pointer.ends_with("/policy/trustClaims"))
    );
    let c = compile(text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
}

#[test]
fn hostile_input_is_refused_with_the_file_named() {
    let mut files = OrgFiles::new();
    files.insert("idps.json".to_owned(), "{\"not\": \"a list\"}".to_owned());
    let e = import(&files, &ImportOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "idps.json: expected a JSON array, as the list endpoint returns"
    );
    files.insert("idps.json".to_owned(), "[".repeat(100) + &"]".repeat(100));
    let e = import(&files, &ImportOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "idps.json: nested deeper than 64 levels");
    files.insert("idps.json".to_owned(), "[{\"name\": \"x\"".to_owned());
    assert!(matches!(
        import(&files, &ImportOptions::default()),
        Err(policyc::okta::import::ImportError::Json { .. })
    ));
}

/// The text without comments and trailing blanks: what a round trip must keep (ids and
/// import's notes aside).
fn meaning(text: &str) -> String {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim_end())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn import_of_export_of_an_imported_org_is_the_same_set() {
    let first = import(&org(), &ImportOptions::default()).unwrap();
    let text = &first.files["org.policy"];
    let exported = policyc::okta::export::export(&compile(text));
    // The export keeps every Okta id the import wrote.
    assert!(exported["idps.json"].contains("\"id\": \"0oazzok2vl5aeUH0B0g4\""));
    assert!(exported.contains_key("rules/rst7xus97faIAgmti1d7.json"));
    let again = import(&exported, &ImportOptions::default()).unwrap();
    assert_eq!(meaning(&again.files["org.policy"]), meaning(text));
    // Everything exported is modelled: nothing to report but the `asserts` placeholder.
    let pointers: Vec<&str> = again.issues.iter().map(|i| i.pointer.as_str()).collect();
    assert_eq!(pointers, ["idps.json#/2/policy/trustClaims"]);
}

#[test]
fn every_mapped_field_survives_export_then_import() {
    // A hand-built set using every setting the mapping covers, written as import writes it
    // (conditions in the order docs/okta-api.md gives).
    let text = include_str!("fixtures/okta-api/every_field.policy");
    let text = policyc::fmt::format(text).unwrap();
    let c = compile(&text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let exported = policyc::okta::export::export(&c);
    let mut options = ImportOptions::default();
    options.asserts.insert(
        "corp".to_owned(),
        vec!["password".to_owned(), "okta_verify.push".to_owned()],
    );
    let again = import(&exported, &options).unwrap();
    // Only the Okta org over SAML, which the API cannot say: the admin confirms it.
    let pointers: Vec<&str> = again.issues.iter().map(|i| i.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        ["idps.json#/2/protocol/credentials/trust/issuer"],
        "{:?}",
        again.issues
    );
    assert_eq!(meaning(&again.files["org.policy"]), meaning(&text));
    // And that export, an org folder using every mapped field, survives import then export
    // body for body: `export(import(D))` is `D`.
    let back = policyc::okta::export::export(&compile(&again.files["org.policy"]));
    assert_eq!(
        back.keys().collect::<Vec<_>>(),
        exported.keys().collect::<Vec<_>>()
    );
    for (file, body) in &exported {
        assert_eq!(&back[file], body, "{file}");
    }
}

#[test]
fn the_asserts_placeholder_warning_names_the_rules_that_depend_on_it() {
    let mut files = OrgFiles::new();
    files.insert(
        "idps.json".to_owned(),
        r#"[{"id": "0oa1", "type": "OKTA_INTEGRATION", "name": "Corp", "status": "ACTIVE",
             "protocol": {"type": "OIDC", "issuer": {"url": "https://corp.okta.com"}},
             "policy": {"trustClaims": true}}]"#
            .to_owned(),
    );
    files.insert(
        "authenticators.json".to_owned(),
        r#"[{"id": "aut1", "key": "okta_password", "status": "ACTIVE"}]"#.to_owned(),
    );
    files.insert(
        "policies-ACCESS_POLICY.json".to_owned(),
        r#"[{"id": "rst1", "type": "ACCESS_POLICY", "name": "Wiki", "priority": 1}]"#.to_owned(),
    );
    files.insert(
        "rules/rst1.json".to_owned(),
        r#"[{"id": "0pr1", "name": "Admins", "priority": 1, "type": "ACCESS_POLICY",
             "actions": {"appSignOn": {"access": "ALLOW", "verificationMethod": {"type": "ASSURANCE",
               "factorMode": "2FA", "constraints": [{"possession": {"hardwareProtection": "REQUIRED"}}]}}}},
            {"id": "0pr2", "name": "Everyone", "priority": 2, "type": "ACCESS_POLICY",
             "actions": {"appSignOn": {"access": "ALLOW", "verificationMethod": {"type": "ASSURANCE",
               "factorMode": "1FA", "constraints": [{"knowledge": {"types": ["password"]}}]}}}}]"#
            .to_owned(),
    );
    let out = import(&files, &ImportOptions::default()).unwrap();
    let messages: Vec<&str> = out.issues.iter().map(|i| i.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "IdP `corp` trusts claims, but what it can assert is not in the API: `asserts []` is a \
          placeholder, and every rule its claims could satisfy is judged as if it asserted \
          nothing until you fill it in; rules that only trusted claims can satisfy: rule \
          `admins` of policy `wiki`"
        ]
    );
}

#[test]
fn hostile_ids_and_names_cannot_inject_text() {
    let mut files = OrgFiles::new();
    files.insert(
        "groups.json".to_owned(),
        r#"[{"id": "x\nidp z { kind oidc }", "profile": {"name": "a\nidp y { kind oidc }"}}]"#
            .to_owned(),
    );
    files.insert(
        "idps.json".to_owned(),
        r#"[{"id": "0oa1", "type": "OIDC", "name": "n", "protocol": {"issuer": {"url": "\"\n}\nidp w {"}}}]"#
            .to_owned(),
    );
    let out = import(&files, &ImportOptions::default()).unwrap();
    let c = compile(&out.files["org.policy"]);
    assert!(
        c.diagnostics.is_empty(),
        "{}\n{:?}",
        out.files["org.policy"],
        c.diagnostics
    );
    let idps: Vec<&str> = c.model.idps.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(idps, ["n"]);
    assert_eq!(c.model.groups[0].name, "a_idp_y_kind_oidc");
    assert_eq!(c.model.idps[0].issuer.as_deref(), Some("\"}idp w {"));
}

#[test]
fn a_policys_own_status_and_conditions_reach_its_rules() {
    let mut files = OrgFiles::new();
    files.insert(
        "groups.json".to_owned(),
        r#"[{"id": "00geveryone", "type": "BUILT_IN", "profile": {"name": "Everyone"}},
            {"id": "00gadmins", "type": "OKTA_GROUP", "profile": {"name": "Admins"}}]"#
            .to_owned(),
    );
    files.insert(
        "policies-OKTA_SIGN_ON.json".to_owned(),
        r#"[{"id": "00padmins", "type": "OKTA_SIGN_ON", "name": "Admins", "status": "ACTIVE", "priority": 1,
             "conditions": {"people": {"groups": {"include": ["00gadmins"]}}}},
            {"id": "00pdefault", "type": "OKTA_SIGN_ON", "name": "Default", "status": "ACTIVE", "priority": 2,
             "conditions": {"people": {"groups": {"include": ["00geveryone"]}}}}]"#
            .to_owned(),
    );
    let rule = |id: &str| {
        format!(
            r#"[{{"id": "{id}", "type": "SIGN_ON", "name": "MFA", "status": "ACTIVE", "priority": 1,
                 "actions": {{"signon": {{"access": "ALLOW", "requireFactor": true}}}}}}]"#
        )
    };
    files.insert("rules/00padmins.json".to_owned(), rule("0pr1"));
    files.insert("rules/00pdefault.json".to_owned(), rule("0pr2"));
    files.insert(
        "policies-ACCESS_POLICY.json".to_owned(),
        r#"[{"id": "rstold", "type": "ACCESS_POLICY", "name": "Old", "status": "INACTIVE", "priority": 1}]"#
            .to_owned(),
    );
    files.insert(
        "rules/rstold.json".to_owned(),
        r#"[{"id": "0prold", "type": "ACCESS_POLICY", "name": "Allow", "status": "ACTIVE", "priority": 1,
             "actions": {"appSignOn": {"access": "ALLOW", "verificationMethod": {"type": "ASSURANCE", "factorMode": "1FA"}}}}]"#
            .to_owned(),
    );
    let out = import(&files, &ImportOptions::default()).unwrap();
    let text = &out.files["org.policy"];
    // The admins policy's group holds for its rule; the Everyone group says nothing.
    assert!(
        text.contains(
            "  rule mfa {  # okta: 0pr1\n    when group in [admins]\n    require mfa\n  }"
        ),
        "{text}"
    );
    assert!(
        text.contains("  rule mfa {  # okta: 0pr2\n    require mfa\n  }"),
        "{text}"
    );
    // An inactive policy: its rules are written inactive, and that is reported.
    assert!(
        text.contains("    require 1 factor_type\n    status inactive  # imported disabled"),
        "{text}"
    );
    let pointers: Vec<&str> = out.issues.iter().map(|i| i.pointer.as_str()).collect();
    assert_eq!(pointers, ["policies-ACCESS_POLICY.json#/0/status"]);
    let c = compile(text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
}

/// Okta's Everyone group holds every user; policyc's `group in [everyone]` holds only those a
/// request names in it. Everyone among other groups widens the condition to everyone: dropping
/// only Everyone would narrow it (a deny rule for everyone would deny only `admins`), and a rule
/// or policy that excludes Everyone applies to no one (imported inactive, reported), not to
/// everyone outside a group no request names.
#[test]
fn the_everyone_group_never_narrows_or_widens_a_condition() {
    let mut files = OrgFiles::new();
    files.insert(
        "groups.json".to_owned(),
        r#"[{"id": "00geveryone", "type": "BUILT_IN", "profile": {"name": "Everyone"}},
            {"id": "00gadmins", "type": "OKTA_GROUP", "profile": {"name": "Admins"}}]"#
            .to_owned(),
    );
    files.insert(
        "policies-OKTA_SIGN_ON.json".to_owned(),
        r#"[{"id": "00pall", "type": "OKTA_SIGN_ON", "name": "All", "status": "ACTIVE", "priority": 1,
             "conditions": {"people": {"groups": {"include": ["00gadmins", "00geveryone"]}}}}]"#
            .to_owned(),
    );
    files.insert(
        "rules/00pall.json".to_owned(),
        r#"[{"id": "0prnone", "type": "SIGN_ON", "name": "Nobody", "status": "ACTIVE", "priority": 1,
             "conditions": {"people": {"groups": {"exclude": ["00geveryone"]}}},
             "actions": {"signon": {"access": "ALLOW", "requireFactor": false}}},
            {"id": "0prdeny", "type": "SIGN_ON", "name": "Deny", "status": "ACTIVE", "priority": 2,
             "conditions": {"people": {"groups": {"include": ["00geveryone", "00gadmins"]}}},
             "actions": {"signon": {"access": "DENY"}}}]"#
            .to_owned(),
    );
    let out = import(&files, &ImportOptions::default()).unwrap();
    let text = &out.files["org.policy"];
    assert!(
        text.contains(
            "  rule nobody {  # okta: 0prnone\n    when group not in [everyone]\n    require password\n    status inactive  # imported disabled"
        ),
        "{text}"
    );
    assert!(
        text.contains("  rule deny {  # okta: 0prdeny\n    deny\n  }"),
        "{text}"
    );
    let pointers: Vec<&str> = out.issues.iter().map(|i| i.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        ["rules/00pall.json#/0/conditions/people/groups/exclude"]
    );
    let c = compile(text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
}

/// What an IdP asserts is a statement about that IdP: an IdP the set knows by its Okta id keeps
/// its `asserts` by that id only. Renamed in Okta and replaced by a new IdP under the old name
/// (another id), the new one must not inherit them: it gets the placeholder.
#[test]
fn a_new_idp_under_an_old_name_does_not_inherit_its_asserts() {
    let mut options = ImportOptions::default();
    options.asserts.insert(
        "0oazzok2vl5aeUH0B0g4".to_owned(),
        vec!["password".to_owned(), "webauthn".to_owned()],
    );
    let first = import(&org(), &options).unwrap();
    let written = policyc::okta::import::asserts_written(&compile(&first.files["org.policy"]));
    let mut files = org();
    let mut page: Vec<serde_json::Value> =
        serde_json::from_str(&files["idps.page-2.json"]).unwrap();
    let at = page
        .iter()
        .position(|i| i["id"] == "0oazzok2vl5aeUH0B0g4")
        .unwrap();
    let mut newcomer = page[at].clone();
    newcomer["id"] = "0oanewcorp1".into();
    page[at]["name"] = "Corp hub".into();
    page.push(newcomer);
    files.insert(
        "idps.page-2.json".to_owned(),
        serde_json::to_string(&page).unwrap(),
    );
    let options = ImportOptions {
        asserts: written,
        ..ImportOptions::default()
    };
    let again = import(&files, &options).unwrap();
    let text = &again.files["org.policy"];
    let block = |id: &str| {
        let start = text.find(&format!("# okta: {id}\n")).unwrap();
        let end = start + text[start..].find("\n}\n").unwrap() + 1;
        text[start..end].to_owned()
    };
    assert!(
        block("0oazzok2vl5aeUH0B0g4").contains("  asserts [password, webauthn]\n"),
        "{text}"
    );
    let newcomer = block("0oanewcorp1");
    assert!(newcomer.contains("  asserts []\n"), "{text}");
    assert!(!newcomer.contains("webauthn"), "{text}");
}

#[test]
fn a_reimport_keeps_asserts_by_okta_id_when_the_idp_was_renamed_in_okta() {
    let mut options = ImportOptions::default();
    options.asserts.insert(
        "0oazzok2vl5aeUH0B0g4".to_owned(),
        vec!["password".to_owned()],
    );
    let first = import(&org(), &options).unwrap();
    let written = policyc::okta::import::asserts_written(&compile(&first.files["org.policy"]));
    // Okta knows this IdP: it is matched by its id, not its name.
    assert!(!written.contains_key("example_okta_integration_idp"));
    assert_eq!(written["0oazzok2vl5aeUH0B0g4"], ["password"]);
    // The IdP is renamed in Okta; the next import still knows what it asserts.
    let mut files = org();
    let page = files["idps.page-2.json"].replace("Example Okta Integration IdP", "Corp hub");
    files.insert("idps.page-2.json".to_owned(), page);
    let options = ImportOptions {
        asserts: written,
        ..ImportOptions::default()
    };
    let again = import(&files, &options).unwrap();
    let text = &again.files["org.policy"];
    assert!(
        text.contains("idp corp_hub {  # okta: 0oazzok2vl5aeUH0B0g4\n")
            && text.contains("  asserts [password]\n"),
        "{text}"
    );
}

/// One app sign-in policy `rstp` with one rule whose verification method is `vm`.
fn one_rule_org(vm: &str) -> OrgFiles {
    let mut files = OrgFiles::new();
    files.insert(
        "policies-ACCESS_POLICY.json".to_owned(),
        r#"[{"id": "rstp", "type": "ACCESS_POLICY", "name": "P", "status": "ACTIVE", "priority": 1}]"#
            .to_owned(),
    );
    files.insert(
        "rules/rstp.json".to_owned(),
        format!(
            r#"[{{"id": "0prr", "type": "ACCESS_POLICY", "name": "R", "status": "ACTIVE", "priority": 1,
                 "actions": {{"appSignOn": {{"access": "ALLOW", "verificationMethod": {vm}}}}}}}]"#
        ),
    );
    files
}

/// The rule's body as imported (between its header and closing brace), and the issues' pointers
/// and messages.
fn import_one_rule(vm: &str) -> (String, Vec<(String, String)>) {
    let out = import(&one_rule_org(vm), &ImportOptions::default()).unwrap();
    let text = &out.files["org.policy"];
    let c = compile(text);
    assert!(c.diagnostics.is_empty(), "{text}\n{:?}", c.diagnostics);
    let start = text.find("# okta: 0prr\n").expect(text) + "# okta: 0prr\n".len();
    let body = text[start..].split("\n  }").next().unwrap().to_owned();
    let issues = out
        .issues
        .iter()
        .map(|i| {
            let p = i.pointer.trim_start_matches(
                "rules/rstp.json#/0/actions/appSignOn/verificationMethod/constraints/0/",
            );
            (p.to_owned(), i.message.clone())
        })
        .collect();
    (body, issues)
}

/// Okta's OpenAPI schema (PossessionConstraint, AccessPolicyConstraint) reads an absent
/// `userPresence` as REQUIRED and an absent `required` as true: import reads them the same way,
/// so a rule never comes in weaker than Okta enforces it.
#[test]
fn import_applies_the_schemas_defaults_to_constraints() {
    let vm =
        |c: &str| format!(r#"{{"type": "ASSURANCE", "factorMode": "1FA", "constraints": [{c}]}}"#);
    // An empty possession object: a possession factor with user presence.
    let (body, issues) = import_one_rule(&vm(r#"{"possession": {}}"#));
    assert_eq!(
        body,
        "    require 1 factor_type\n    possession [user_presence]"
    );
    assert!(issues.is_empty(), "{issues:?}");
    let (body, issues) = import_one_rule(&vm(r#"{"possession": {"deviceBound": "REQUIRED"}}"#));
    assert_eq!(
        body,
        "    require 1 factor_type\n    possession [device_bound, user_presence]"
    );
    assert!(issues.is_empty(), "{issues:?}");
    let (body, _) = import_one_rule(&vm(
        r#"{"possession": {"required": true, "deviceBound": "REQUIRED", "userPresence": "OPTIONAL"}}"#,
    ));
    assert_eq!(
        body,
        "    require 1 factor_type\n    possession [device_bound]"
    );
    // A knowledge object without `required` requires the password.
    let (body, issues) = import_one_rule(&vm(
        r#"{"knowledge": {"authenticationMethods": [{"key": "okta_password", "method": "password"}]}}"#,
    ));
    assert_eq!(body, "    require password\n    methods only [password]");
    assert!(issues.is_empty(), "{issues:?}");
    // `required: false` only filters the methods: faithful.
    let (body, issues) = import_one_rule(&vm(
        r#"{"knowledge": {"required": false, "authenticationMethods": [{"key": "okta_password", "method": "password"}]},
            "possession": {"required": false, "userPresence": "OPTIONAL", "authenticationMethods": [{"key": "okta_verify", "method": "push"}]}}"#,
    ));
    assert_eq!(
        body,
        "    require 1 factor_type\n    methods only [password, okta_verify.push]"
    );
    assert!(issues.is_empty(), "{issues:?}");
}

/// What the defaults cannot settle is reported, and read the stricter way, never silently weaker.
#[test]
fn constraints_policyc_cannot_keep_exactly_are_reported_and_read_stricter() {
    let vm =
        |c: &str| format!(r#"{{"type": "ASSURANCE", "factorMode": "1FA", "constraints": [{c}]}}"#);
    // Possession constraints that apply only when a possession factor is used.
    let (body, issues) = import_one_rule(&vm(
        r#"{"possession": {"required": false, "phishingResistant": "REQUIRED", "userPresence": "OPTIONAL"}}"#,
    ));
    assert_eq!(
        body,
        "    require 1 factor_type\n    possession [phishing_resistant]"
    );
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].0, "possession/required");
    // A value outside the enum requires.
    let (body, issues) = import_one_rule(&vm(
        r#"{"possession": {"deviceBound": "YES", "userPresence": "OPTIONAL"}}"#,
    ));
    assert_eq!(
        body,
        "    require 1 factor_type\n    possession [device_bound]"
    );
    assert_eq!(
        issues,
        [(
            "possession/deviceBound".to_owned(),
            "`deviceBound` is `\"YES\"`, neither REQUIRED nor OPTIONAL: imported as REQUIRED"
                .to_owned()
        )]
    );
    // A knowledge factor optional but restricted to some types keeps the password.
    let (body, issues) = import_one_rule(&vm(
        r#"{"knowledge": {"required": false, "types": ["PASSWORD"]}}"#,
    ));
    assert_eq!(body, "    require password");
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].0, "knowledge/required");
    let (_, issues) = import_one_rule(&vm(r#"{"possession": {"required": "no"}}"#));
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].0, "possession/required");
}

/// The API has no IdP type for an Okta org over SAML: import infers `kind okta_saml` from an
/// Okta issuer, and says so (Okta-to-Okta semantics accept more claims than a third-party SAML
/// IdP's), so that the admin confirms it. Another issuer is `kind saml`, without a word.
#[test]
fn an_okta_org_over_saml_is_inferred_and_reported_for_the_admin_to_confirm() {
    let mut files = OrgFiles::new();
    files.insert(
        "idps.json".to_owned(),
        r#"[{"id": "0oaokta", "type": "SAML2", "name": "Hub", "status": "ACTIVE",
             "protocol": {"type": "SAML2", "credentials": {"trust": {"issuer": "http://www.okta.com/exk1hub", "audience": "https://sp.example"}}}},
            {"id": "0oaadfs", "type": "SAML2", "name": "ADFS", "status": "ACTIVE",
             "protocol": {"type": "SAML2", "credentials": {"trust": {"issuer": "https://adfs.example/adfs/services/trust", "audience": "https://sp.example"}}}}]"#
            .to_owned(),
    );
    let out = import(&files, &ImportOptions::default()).unwrap();
    let text = &out.files["org.policy"];
    assert!(
        text.contains(
            "# not imported: `kind okta_saml` inferred from the issuer (the API has no such type): delete this note to confirm, else write `kind saml` (idps.json#/0/protocol/credentials/trust/issuer)\nidp hub {  # okta: 0oaokta\n  kind okta_saml\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("idp adfs {  # okta: 0oaadfs\n  kind saml\n"),
        "{text}"
    );
    let found: Vec<(&str, &str)> = out
        .issues
        .iter()
        .map(|i| (i.object.as_str(), i.pointer.as_str()))
        .collect();
    assert_eq!(
        found,
        [(
            "idp Hub (0oaokta)",
            "idps.json#/0/protocol/credentials/trust/issuer"
        )]
    );
    let c = compile(text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);

    // Re-imported over these files: `hub` is still under the note, so it is inferred and
    // reported again; `adfs`'s kind is kept.
    let settled = saml_kinds_settled(&c);
    assert_eq!(
        settled.into_iter().collect::<Vec<_>>(),
        [(
            "0oaadfs".to_owned(),
            SettledKind {
                kind: "saml",
                issuer: Some("https://adfs.example/adfs/services/trust".to_owned())
            }
        )]
    );
    let again_from = |files: &OrgFiles, text: &str| {
        let options = ImportOptions {
            saml_kinds: saml_kinds_settled(&compile(text)),
            ..ImportOptions::default()
        };
        import(files, &options).unwrap()
    };
    let again = |text: &str| again_from(&files, text);
    assert_eq!(again(text).issues.len(), 1);
    // The admin confirms by deleting the note: kept, nothing to report.
    let note = text
        .lines()
        .find(|l| l.contains("inferred from the issuer"))
        .unwrap();
    let confirmed = text.replace(&format!("{note}\n"), "");
    // The hub's `idp` line and kind as re-imported.
    let hub_is = |out: &policyc::okta::import::Imported, kind: &str| {
        assert!(
            out.files["org.policy"]
                .contains(&format!("idp hub {{  # okta: 0oaokta\n  kind {kind}\n")),
            "{}",
            out.files["org.policy"]
        );
    };
    let out = again(&confirmed);
    assert!(out.issues.is_empty(), "{:?}", out.issues);
    hub_is(&out, "okta_saml");
    // Settled for its issuer only: a hub now at another Okta issuer is inferred and reported
    // again, and one at a third-party issuer is read as `saml`.
    for (issuer, kind, reported) in [
        ("http://www.okta.com/exk2other", "okta_saml", 1),
        ("https://idp.example/saml", "saml", 0),
    ] {
        let moved = {
            let mut f = files.clone();
            let idps = f["idps.json"].replace("http://www.okta.com/exk1hub", issuer);
            f.insert("idps.json".to_owned(), idps);
            f
        };
        let out = again_from(&moved, &confirmed);
        assert_eq!(out.issues.len(), reported, "{issuer}: {:?}", out.issues);
        hub_is(&out, kind);
    }
    // Or answers `kind saml`, note or not: kept too.
    let answered = text.replace("  kind okta_saml\n", "  kind saml\n");
    let out = again(&answered);
    assert!(out.issues.is_empty(), "{:?}", out.issues);
    hub_is(&out, "saml");
}

/// The rules of every listed policy (an enrollment policy other than the default one too) and
/// the methods of every listed authenticator count as read; rules or methods of an id no list
/// holds, and later pages of those, are reported.
#[test]
fn only_files_of_objects_no_list_holds_are_reported_unread() {
    let mut files = OrgFiles::new();
    files.insert(
        "policies-MFA_ENROLL.json".to_owned(),
        r#"[{"id": "00pdef", "type": "MFA_ENROLL", "name": "Default", "system": true, "priority": 2},
            {"id": "00pother", "type": "MFA_ENROLL", "name": "Other", "priority": 1}]"#
            .to_owned(),
    );
    files.insert(
        "authenticators.json".to_owned(),
        r#"[{"id": "aut1", "key": "okta_password", "name": "Password", "status": "ACTIVE"}]"#
            .to_owned(),
    );
    for name in [
        "rules/00pdef.json",
        "rules/00pother.json",
        "rules/00pother.page-2.json",
        "methods/aut1.json",
        "rules/aut1.json",
        "methods/00pdef.json",
        "rules/00pgone.page-2.json",
    ] {
        files.insert(name.to_owned(), "[]".to_owned());
    }
    let out = import(&files, &ImportOptions::default()).unwrap();
    let unread: Vec<&str> = out
        .issues
        .iter()
        .filter(|i| i.message.starts_with("this file is not read"))
        .map(|i| i.pointer.as_str())
        .collect();
    assert_eq!(
        unread,
        [
            "methods/00pdef.json",
            "rules/00pgone.page-2.json",
            "rules/aut1.json"
        ]
    );
}
