//! Round trips between policy sets and Okta API folders: the repository's `policies/`
//! (`import(export(S))` is `S` on the formatted text of every item, ids and comments aside, and
//! exporting it again gives the same bodies), and generated sets written as import writes them
//! (`import(export(S))` is `S`, comments aside).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::okta::export::export;
use policyc::okta::import::{ImportError, ImportOptions, asserts_written, import};
use policyc::source::{SourceFile, Sources};
use proptest::prelude::*;
use std::path::Path;

fn compile(files: &[(String, String)]) -> policyc::Compiled {
    let mut sources = Sources::new();
    for (name, text) in files {
        sources.add(SourceFile::new(name.clone(), text.clone()));
    }
    policyc::compile(sources)
}

fn policies() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "policy") {
                out.push((
                    p.to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn meaning(text: &str) -> String {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim_end())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_repositorys_policies_survive_export_then_import() {
    let set = compile(&policies());
    assert!(
        set.diagnostics
            .iter()
            .all(|d| d.severity != policyc::diagnostic::Severity::Error),
        "{:?}",
        set.diagnostics
    );
    let exported = export(&set);
    let options = ImportOptions {
        features: vec![
            "okta_to_okta_claims_sharing".to_owned(),
            "third_party_claims_sharing".to_owned(),
        ],
        asserts: asserts_written(&set),
        // Not a re-import: each SAML IdP's kind is read back from its issuer.
        ..ImportOptions::default()
    };
    let imported = import(&exported, &options).unwrap();
    assert!(imported.issues.is_empty(), "{:?}", imported.issues);
    // Read as Okta reads them (its schema's defaults filled in), the bodies say the same.
    let okta = import(&with_okta_defaults(&exported), &options).unwrap();
    assert_eq!(okta.files, imported.files);
    let again = compile(&[(
        "org.policy".to_owned(),
        imported.files["org.policy"].clone(),
    )]);
    assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
    // The formatted text of every item is the same, ids and comments aside.
    let mut original = std::collections::BTreeMap::new();
    for (_, text) in policies() {
        original.extend(items(&policyc::fmt::format(&text).unwrap()));
    }
    let back = items(&imported.files["org.policy"]);
    let keys =
        |m: &std::collections::BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&back), keys(&original));
    for (key, text) in &original {
        assert_eq!(&back[key], text, "{key}");
    }
    // Every modelled field: the bodies are the same.
    assert_eq!(export(&again), exported);
    // And the same things, by name and in order.
    let names = |c: &policyc::Compiled| {
        let m = &c.model;
        (
            m.idps
                .iter()
                .map(|i| (i.name.clone(), i.asserts.len()))
                .collect::<Vec<_>>(),
            m.routes.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
            m.policies
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        p.rules.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>(),
            m.session_policies
                .iter()
                .map(|p| p.rules.len())
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(names(&again), names(&set));
}

/// A set's items as the API holds them, by `KEYWORD NAME`: comments and ids aside, on one line,
/// and without what the Management API has no field for, each for a stated reason:
/// - `test` blocks and the `org` item (its name; `engine` and `features`, which import takes
///   from `--features`) are not org objects;
/// - an IdP's `jwks`, `certificate`, `metadata` and `engine` are not in the IdP object;
/// - `status active` is the default (import writes only `status inactive`);
/// - a route's `priority`: import writes each route's Okta priority, which the file order of
///   routes without one gives (route order is compared by the names check);
/// - spelling: durations in seconds, the methods of `methods only|except` in a set order (the
///   API lists them under the factor each proves), an authenticator's `methods` listing every
///   method of its kind (the default), an empty `{ }` body, the conditions of a `when` in a
///   set order (they all hold together; import writes them in a fixed order).
fn items(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut current: Option<(String, Vec<String>)> = None;
    let mut flush = |c: Option<(String, Vec<String>)>| {
        if let Some((key, body)) = c
            && !key.starts_with("test ")
            && !key.starts_with("org ")
        {
            let mut line = body.join(" ").replace("[ ", "[").replace(", ]", "]");
            // Every method of a kind is the default, and an empty body is no body.
            if key.starts_with("authenticator ") {
                for all in ["methods [push, totp, fastpass]", "methods [sms, voice]"] {
                    line = line.replace(all, "");
                }
            }
            let line_trimmed = line.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut line = line_trimmed
                .strip_suffix(" { }")
                .or_else(|| line_trimmed.strip_suffix(" {}"))
                .unwrap_or(&line_trimmed)
                .to_owned();
            // `methods only [b, a]` → `methods only [a, b]`.
            for filter in ["methods only [", "methods except ["] {
                if let Some(start) = line.find(filter) {
                    let from = start + filter.len();
                    let end = from + line[from..].find(']').unwrap();
                    let mut names: Vec<&str> = line[from..end].split(", ").collect();
                    names.sort();
                    line = format!("{}{}{}", &line[..from], names.join(", "), &line[end..]);
                }
            }
            out.insert(key, line);
        }
    };
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap().trim_end();
        if line.trim().is_empty() {
            continue;
        }
        let setting = line.split_whitespace().next().unwrap();
        let is_idp = current.as_ref().is_some_and(|(k, _)| k.starts_with("idp "));
        let is_route = current
            .as_ref()
            .is_some_and(|(k, _)| k.starts_with("route "));
        if (is_idp && ["jwks", "certificate", "metadata", "engine"].contains(&setting))
            || (is_route && setting == "priority")
            || line.trim() == "status active"
        {
            continue;
        }
        let words: Vec<String> = line
            .split_whitespace()
            .map(
                |w| match w.strip_suffix(['s', 'm', 'h', 'd']).map(str::parse::<u64>) {
                    Some(Ok(n)) => {
                        let unit = match w.as_bytes()[w.len() - 1] {
                            b'm' => 60,
                            b'h' => 3_600,
                            b'd' => 86_400,
                            _ => 1,
                        };
                        format!("{}s", n * unit)
                    }
                    _ => w.to_owned(),
                },
            )
            .collect();
        if !raw.starts_with([' ', '}']) {
            flush(current.take());
            let key = words.iter().take(2).cloned().collect::<Vec<_>>().join(" ");
            current = Some((key, Vec::new()));
        }
        let mut line = words.join(" ");
        // A rule's conditions all hold together: import writes them in a fixed order.
        if let Some(conds) = line.strip_prefix("when ") {
            let mut conds: Vec<&str> = conds.split(" and ").collect();
            conds.sort();
            line = format!("when {}", conds.join(" and "));
        }
        if let Some((_, body)) = current.as_mut() {
            body.push(line);
        }
    }
    flush(current);
    out
}

/// A small org written as import writes it.
fn arb_set() -> impl Strategy<Value = String> {
    let rule = (
        prop::sample::select(vec![
            "require password",
            "require 1 factor_type",
            "require 2 factor_types",
            "require password + 1 factor_type",
            "deny",
        ]),
        prop::option::of(prop::sample::select(vec![
            "group in [g1]",
            "group not in [g2]",
            "zone in [z1]",
            "group in [g1, g2] and zone not in [z1]",
            "risk in [high]",
            "device registered",
        ])),
        prop::option::of(prop::sample::select(vec![
            "possession [phishing_resistant]",
            "possession [device_bound, user_presence]",
            "methods only [password, okta_verify.push]",
            "methods except [email, phone.sms]",
            "possession [phishing_resistant]\n    methods except [okta_verify.totp]",
        ])),
        prop::option::of(prop::sample::select(vec![
            "reauth 2h",
            "reauth every_sign_in",
            "reauth 30m",
        ])),
        any::<bool>(),
    );
    (
        prop::collection::vec(rule, 1..5),
        prop::option::of(prop::sample::select(vec!["oidc", "okta_oidc", "saml", "okta_saml"])),
        any::<bool>(),
    )
        .prop_map(|(rules, idp, route)| {
            let mut s = String::from(
                "org imported {\n  engine identity\n}\ngroup g1\ngroup g2\nzone z1\napp a1\nauthenticator password {\n}\nauthenticator okta_verify {\n}\n",
            );
            if let Some(kind) = idp {
                // An Okta org over SAML is known by its issuer (docs/okta-api.md).
                let issuer = if kind == "okta_saml" {
                    "http://www.okta.com/exk1corp"
                } else {
                    "https://corp.example"
                };
                s += &format!(
                    "idp corp {{\n  kind {kind}\n  issuer \"{issuer}\"\n  audience \"c1\"\n}}\n"
                );
                if route {
                    s += "route r1 {\n  when domain in [\"corp.example\"] and app in [a1]\n  to corp\n  priority 1\n}\n";
                }
            }
            s += "policy p {\n  apps [a1]\n";
            for (i, (action, when, possession, reauth, inactive)) in rules.into_iter().enumerate() {
                s += &format!("  rule r{i} {{\n");
                if let Some(w) = when {
                    s += &format!("    when {w}\n");
                }
                s += &format!("    {action}\n");
                if let Some(p) = possession.filter(|_| action != "deny" && action != "require password") {
                    s += &format!("    {p}\n");
                }
                if let Some(r) = reauth.filter(|_| action != "deny") {
                    s += &format!("    {r}\n");
                }
                if inactive {
                    s += "    status inactive\n";
                }
                s += "  }\n";
            }
            s += "}\n";
            policyc::fmt::format(&s).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn import_of_export_is_the_set(text in arb_set()) {
        let set = compile(&[("s.policy".to_owned(), text.clone())]);
        prop_assert!(set.diagnostics.is_empty(), "{:?}", set.diagnostics);
        let back = import(&export(&set), &ImportOptions::default()).unwrap();
        // Only each Okta org over SAML, which the API cannot say: the admin confirms it.
        prop_assert_eq!(back.issues.len(), text.matches("kind okta_saml").count(), "{:?}", back.issues);
        prop_assert!(
            back.issues.iter().all(|i| i.message.starts_with("`kind okta_saml`")
                && i.pointer.ends_with("/protocol/credentials/trust/issuer")),
            "{:?}",
            back.issues
        );
        prop_assert_eq!(meaning(&back.files["org.policy"]), meaning(&text));
        // The bodies mean the set under Okta's defaults, not only under policyc's reading.
        let okta = import(&with_okta_defaults(&export(&set)), &ImportOptions::default()).unwrap();
        prop_assert_eq!(&okta.files["org.policy"], &back.files["org.policy"]);
    }
}

/// The exported folder as Okta returns it: every constraint's absent fields filled with the
/// OpenAPI schema's defaults (AccessPolicyConstraint `required` true; PossessionConstraint
/// `userPresence` REQUIRED, the other possession constraints OPTIONAL).
fn with_okta_defaults(files: &policyc::okta::OrgFiles) -> policyc::okta::OrgFiles {
    use serde_json::{Value, json};
    let mut out = files.clone();
    for (name, text) in out.iter_mut() {
        if !name.starts_with("rules/") {
            continue;
        }
        let mut rules: Value = serde_json::from_str(text).unwrap();
        for rule in rules.as_array_mut().unwrap() {
            let Some(Value::Array(cs)) =
                rule.pointer_mut("/actions/appSignOn/verificationMethod/constraints")
            else {
                continue;
            };
            for c in cs {
                for (side, side_defaults) in [
                    ("knowledge", &[][..]),
                    (
                        "possession",
                        &[
                            ("phishingResistant", "OPTIONAL"),
                            ("hardwareProtection", "OPTIONAL"),
                            ("deviceBound", "OPTIONAL"),
                            ("userPresence", "REQUIRED"),
                            ("userVerification", "OPTIONAL"),
                        ][..],
                    ),
                ] {
                    if let Some(Value::Object(o)) = c.get_mut(side) {
                        o.entry("required").or_insert(json!(true));
                        for (k, v) in side_defaults {
                            o.entry(*k).or_insert(json!(v));
                        }
                    }
                }
            }
        }
        *text = serde_json::to_string_pretty(&rules).unwrap();
    }
    out
}

/// Any JSON value, small, with the keys import looks at more likely than others.
fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "ACTIVE",
            "INACTIVE",
            "OIDC",
            "SAML2",
            "OKTA_INTEGRATION",
            "ZONE",
            "ASSURANCE",
            "AUTH_METHOD_CHAIN",
            "2FA",
            "1FA",
            "DENY",
            "ALLOW",
            "REQUIRED",
            "PT0S",
            "PT2H",
            "P",
            "okta_verify",
            "phone_number",
            "SUFFIX",
            "NOT_ALLOWED",
            "push",
            "signed_nonce",
            "sms",
            "okta_password",
            "x\n#",
            "x\nidp z { kind oidc }",
            "\"]",
            "",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "id",
                    "name",
                    "type",
                    "status",
                    "priority",
                    "key",
                    "policy",
                    "protocol",
                    "conditions",
                    "actions",
                    "appSignOn",
                    "verificationMethod",
                    "constraints",
                    "possession",
                    "knowledge",
                    "chains",
                    "authenticationMethods",
                    "next",
                    "people",
                    "groups",
                    "include",
                    "exclude",
                    "network",
                    "connection",
                    "idp",
                    "providers",
                    "trustClaims",
                    "maxClockSkew",
                    "reauthenticateIn",
                    "signon",
                    "userIdentifier",
                    "patterns",
                    "app",
                    "platform",
                    "os",
                    "device",
                    "excludedAuthenticationMethods",
                    "method",
                    "settings",
                    "authenticators",
                    "enroll",
                    "self",
                    "system",
                    "allowedFor",
                ])
                .prop_map(str::to_owned),
                inner,
                0..5,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    /// Hostile org folders: import never panics, and what it writes always formats and
    /// compiles without syntax errors (names, strings and comments cannot break out).
    #[test]
    fn import_never_panics_and_writes_parseable_text(
        items in prop::collection::vec(arb_json(), 0..4),
        rules in prop::collection::vec(arb_json(), 0..4),
        file in prop::sample::select(vec!["idps", "authenticators", "groups", "zones", "apps",
            "policies-ACCESS_POLICY", "policies-OKTA_SIGN_ON", "policies-IDP_DISCOVERY",
            "policies-MFA_ENROLL"]),
    ) {
        let mut files = policyc::okta::OrgFiles::new();
        files.insert(format!("{file}.json"), serde_json::to_string(&items).unwrap());
        // Rules for whatever ids the items have.
        for id in items.iter().filter_map(|v| v.get("id")?.as_str()) {
            files.insert(format!("rules/{id}.json"), serde_json::to_string(&rules).unwrap());
            // And methods, for whichever are authenticators.
            files.insert(format!("methods/{id}.json"), serde_json::to_string(&rules).unwrap());
        }
        match import(&files, &ImportOptions::default()) {
            // The only refusal arbitrary JSON lists can meet: an item that is not an object.
            Err(e) => prop_assert!(
                matches!(&e, ImportError::Shape { reason, .. } if reason.ends_with("is not an object")),
                "{e}"
            ),
            Ok(out) => {
                let c = compile(&[("org.policy".to_owned(), out.files["org.policy"].clone())]);
                prop_assert!(
                    !c.diagnostics.iter().any(|d| d.code == policyc::diagnostic::Code::Syntax),
                    "{}\n{:?}", out.files["org.policy"], c.diagnostics
                );
                // Nothing from the JSON becomes an item of its own.
                prop_assert!(!c.model.idps.iter().any(|i| i.name == "z"));
                // What import writes, export reads back without a panic.
                let _ = export(&c);
            }
        }
    }
}
