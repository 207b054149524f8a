//! Model → Management API bodies, in the folder layout `import` reads (docs/okta-api.md).
//!
//! Each object keeps the Okta id written in its `# okta: ID` comment; an object without one
//! gets no `id` (Okta assigns it on create), except where a file is named after it: a policy
//! (its rules file) and an authenticator (its methods file) get a stable placeholder,
//! `policyc-<name>`, which import never writes back as an id. Rule and policy `priority` is
//! always explicit.

use super::OrgFiles;
use crate::Compiled;
use crate::model::catalogue::{FactorType, IdpKind};
use crate::model::values::{PLATFORMS, RISKS};
use crate::model::{
    Action, ConditionTest, DeviceState, Enrollment, MethodFilter, Platform, PossessionConstraint,
    Reauth, Requirement, Rule, Status, UsedFor,
};
use crate::source::Loc;
use serde_json::{Value, json};

/// The Okta id written on the line of `loc` as `# okta: ID`.
pub(crate) fn okta_id(compiled: &Compiled, loc: Loc) -> Option<String> {
    let file = compiled.sources.get(loc.file)?;
    let start = (loc.span.start as usize).min(file.text.len());
    let line_end = file.text[start..]
        .find('\n')
        .map_or(file.text.len(), |n| start + n);
    let line = file.text.get(start..line_end)?;
    let id = line.split("# okta: ").nth(1)?.split_whitespace().next()?;
    super::is_okta_id(id).then(|| id.to_owned())
}

fn with_id(id: Option<String>, mut body: Value) -> Value {
    if let (Some(id), Value::Object(map)) = (id, &mut body) {
        map.insert("id".to_owned(), Value::String(id));
    }
    body
}

pub(crate) fn status(s: Status) -> &'static str {
    match s {
        Status::Active => "ACTIVE",
        Status::Inactive => "INACTIVE",
    }
}

/// Okta authenticator `key` for a policyc kind (the inverse of import's table).
pub(crate) fn authenticator_key(kind: &str) -> &'static str {
    match kind {
        "password" => "okta_password",
        "security_question" => "security_question",
        "email" => "okta_email",
        "phone" => "phone_number",
        "okta_verify" => "okta_verify",
        "webauthn" => "webauthn",
        "google_authenticator" => "google_otp",
        "yubikey_otp" => "yubikey_token",
        "smart_card" => "smart_card_idp",
        "custom_otp" => "custom_otp",
        _ => "external_idp",
    }
}

fn iso(secs: u64) -> String {
    if secs == 0 {
        "PT0S".to_owned()
    } else {
        format!("PT{secs}S")
    }
}

/// Exports the compiled set. The set should compile cleanly: names that did not resolve are
/// absent from the model, so they are absent here.
pub fn export(compiled: &Compiled) -> OrgFiles {
    let m = &compiled.model;
    let mut files = OrgFiles::new();
    let id = |loc: Loc| okta_id(compiled, loc);
    let ids_or_names = |named: &[crate::model::Named], i: usize| {
        named
            .get(i)
            .map(|n| id(n.loc).unwrap_or_else(|| format!("policyc-{}", n.name)))
            .unwrap_or_default()
    };
    let groups: Vec<Value> = m
        .groups
        .iter()
        .map(|g| {
            with_id(
                id(g.loc),
                json!({"type": "OKTA_GROUP", "profile": {"name": g.name}}),
            )
        })
        .collect();
    let zones: Vec<Value> = m
        .zones
        .iter()
        .map(|z| with_id(id(z.loc), json!({"type": "IP", "name": z.name})))
        .collect();
    let policy_id =
        |p: &crate::model::Policy| id(p.loc).unwrap_or_else(|| format!("policyc-{}", p.name));
    let apps: Vec<Value> = m
        .apps
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut body = json!({"label": a.name});
            if let Some(p) = m
                .policies
                .iter()
                .find(|p| p.apps.iter().any(|x| x.index() == i))
            {
                body["_links"] =
                    json!({"accessPolicy": {"href": format!("/api/v1/policies/{}", policy_id(p))}});
            }
            with_id(id(a.loc), body)
        })
        .collect();
    let mut enroll = Vec::new();
    let authenticators: Vec<Value> = m
        .authenticators
        .iter()
        .map(|a| {
            let kind = a.kind.as_str();
            let key = authenticator_key(kind);
            // Objects Okta has not created yet are named like policies: `policyc-<kind>`, so
            // that their methods file has a name.
            let aid = id(a.loc).unwrap_or_else(|| format!("policyc-{kind}"));
            let mut body = json!({"id": aid, "key": key, "name": kind, "status": status(a.status)});
            // Only the security question's use matters to policyc (docs/language.md).
            if kind == "security_question" {
                let allowed = if a.used_for == UsedFor::Recovery {
                    "recovery"
                } else {
                    "any"
                };
                body["settings"] = json!({"allowedFor": allowed});
            }
            let methods: Vec<Value> = method_statuses(a)
                .map(|(ty, _, on)| {
                    json!({"type": ty, "status": if on { "ACTIVE" } else { "INACTIVE" }})
                })
                .collect();
            files.insert(
                format!("methods/{aid}.json"),
                pretty(&Value::Array(methods)),
            );
            let mut setting = json!({"key": key, "enroll": {"self": match a.enrollment {
                Enrollment::Allowed => "OPTIONAL",
                Enrollment::Disabled => "NOT_ALLOWED",
            }}});
            if a.kind.is_custom() && !aid.starts_with("policyc-") {
                setting["id"] = json!(aid);
            }
            enroll.push(setting);
            body
        })
        .collect();
    if !enroll.is_empty() {
        // One default authenticator enrollment policy: policyc keeps one enrollment setting per
        // authenticator.
        files.insert(
            "policies-MFA_ENROLL.json".to_owned(),
            pretty(
                &json!([{"id": "policyc-enrollment", "type": "MFA_ENROLL", "name": "Default Policy",
                "status": "ACTIVE", "priority": 1, "system": true,
                "settings": {"type": "AUTHENTICATORS", "authenticators": enroll}}]),
            ),
        );
    }
    let idps: Vec<Value> = m
        .idps
        .iter()
        .map(|idp| {
            let saml = matches!(idp.kind, IdpKind::Saml | IdpKind::OktaSaml);
            let ty = match idp.kind {
                IdpKind::OktaOidc => "OKTA_INTEGRATION",
                IdpKind::Oidc => "OIDC",
                IdpKind::Saml | IdpKind::OktaSaml => "SAML2",
            };
            let protocol = if saml {
                json!({"type": "SAML2", "credentials": {"trust": {"issuer": idp.issuer, "audience": idp.audience}}})
            } else {
                json!({"type": "OIDC", "issuer": {"url": idp.issuer}, "credentials": {"client": {"client_id": idp.audience}}})
            };
            let mut policy = json!({"trustClaims": idp.trust_claims, "maxClockSkew": idp.max_clock_skew_secs * 1000});
            if let Some((map, _)) = idp.map_amr_claims {
                policy["mapAMRClaims"] = json!(map);
            }
            with_id(
                id(idp.loc),
                json!({"type": ty, "name": idp.name, "status": status(idp.status), "protocol": protocol, "policy": policy}),
            )
        })
        .collect();
    let conditions = |conds: &[crate::model::Condition], route: bool| -> Value {
        let mut out = serde_json::Map::new();
        for c in conds {
            match &c.test {
                ConditionTest::Group { negated, groups } => {
                    let ids: Vec<String> = groups
                        .iter()
                        .map(|g| ids_or_names(&m.groups, g.index()))
                        .collect();
                    out.entry("people").or_insert(json!({"groups": {}}))["groups"]
                        [if *negated { "exclude" } else { "include" }] = json!(ids);
                }
                ConditionTest::Zone { negated, zones } => {
                    let ids: Vec<String> = zones
                        .iter()
                        .map(|z| ids_or_names(&m.zones, z.index()))
                        .collect();
                    let net = out
                        .entry("network")
                        .or_insert(json!({"connection": "ZONE"}));
                    net[if *negated { "exclude" } else { "include" }] = json!(ids);
                }
                ConditionTest::Risk { levels, .. } => {
                    if let [one] = levels.as_slice() {
                        out.insert(
                            "riskScore".into(),
                            json!({"level": word(RISKS, one).to_ascii_uppercase()}),
                        );
                    }
                }
                ConditionTest::Platform { platforms, .. } => {
                    let inc: Vec<Value> = platforms
                        .iter()
                        .map(|p| {
                            let (os, ty) = okta_platform(p);
                            json!({"type": ty, "os": {"type": os}})
                        })
                        .collect();
                    out.insert("platform".into(), json!({"include": inc, "exclude": []}));
                }
                ConditionTest::Device(DeviceState::Registered) => {
                    out.insert("device".into(), json!({"registered": true}));
                }
                ConditionTest::Device(DeviceState::Managed) => {
                    out.insert(
                        "device".into(),
                        json!({"registered": true, "managed": true}),
                    );
                }
                ConditionTest::Domain { domains, .. } if route => {
                    let pats: Vec<Value> = domains
                        .iter()
                        .map(|d| json!({"matchType": "SUFFIX", "value": d}))
                        .collect();
                    out.insert(
                        "userIdentifier".into(),
                        json!({"type": "IDENTIFIER", "patterns": pats}),
                    );
                }
                ConditionTest::App { negated, apps } if route => {
                    let ids: Vec<Value> = apps
                        .iter()
                        .map(|a| json!({"type": "APP", "id": ids_or_names(&m.apps, a.index())}))
                        .collect();
                    out.entry("app").or_insert(json!({}))
                        [if *negated { "exclude" } else { "include" }] = json!(ids);
                }
                _ => {}
            }
        }
        Value::Object(out)
    };
    let app_rule = |r: &Rule, priority: usize| -> Value {
        let sign_on = match &r.action {
            Action::Deny(_) => json!({"access": "DENY"}),
            Action::Require(Requirement::Chain(chains), _) => {
                let chains: Vec<Value> = chains.iter().map(|steps| chain_json(steps)).collect();
                let mut vm = json!({"type": "AUTH_METHOD_CHAIN", "chains": chains});
                if let Some(re) = reauth_iso(r) {
                    vm["reauthenticateIn"] = json!(re);
                }
                json!({"access": "ALLOW", "verificationMethod": vm})
            }
            Action::Require(req, _) => {
                let (mode, knowledge) = match req {
                    Requirement::Password => ("1FA", true),
                    Requirement::PasswordPlusFactor => ("2FA", true),
                    Requirement::TwoFactorTypes => ("2FA", false),
                    _ => ("1FA", false),
                };
                let constraints = constraints(r, knowledge);
                let mut vm =
                    json!({"type": "ASSURANCE", "factorMode": mode, "constraints": constraints});
                if let Some(re) = reauth_iso(r) {
                    vm["reauthenticateIn"] = json!(re);
                }
                json!({"access": "ALLOW", "verificationMethod": vm})
            }
        };
        with_id(
            id(r.loc),
            json!({"type": "ACCESS_POLICY", "name": r.name, "status": status(r.status), "priority": priority,
                   "conditions": conditions(&r.conditions, false), "actions": {"appSignOn": sign_on}}),
        )
    };
    let session_rule = |r: &Rule, priority: usize| -> Value {
        let signon = match &r.action {
            Action::Deny(_) => json!({"access": "DENY"}),
            Action::Require(Requirement::Mfa, _) => {
                json!({"access": "ALLOW", "requireFactor": true})
            }
            Action::Require(Requirement::AnyFactor, _) => {
                json!({"access": "ALLOW", "requireFactor": false, "primaryFactor": "PASSWORD_IDP_ANY_FACTOR"})
            }
            Action::Require(_, _) => {
                json!({"access": "ALLOW", "requireFactor": false, "primaryFactor": "PASSWORD_IDP"})
            }
        };
        with_id(
            id(r.loc),
            json!({"type": "SIGN_ON", "name": r.name, "status": status(r.status), "priority": priority,
                   "conditions": conditions(&r.conditions, false), "actions": {"signon": signon}}),
        )
    };
    let mut access = Vec::new();
    for (i, p) in m.policies.iter().enumerate() {
        let pid = policy_id(p);
        access.push(json!({"id": pid, "type": "ACCESS_POLICY", "name": p.name, "status": "ACTIVE", "priority": i + 1}));
        let rules: Vec<Value> = p
            .rules
            .iter()
            .enumerate()
            .map(|(j, r)| app_rule(r, j + 1))
            .collect();
        files.insert(format!("rules/{pid}.json"), pretty(&Value::Array(rules)));
    }
    let mut sign_on = Vec::new();
    for (i, p) in m.session_policies.iter().enumerate() {
        let pid = id(p.loc).unwrap_or_else(|| format!("policyc-{}", p.name));
        let priority = p.priority.map_or(i as u64 + 1, |(n, _)| u64::from(n));
        sign_on.push(json!({"id": pid, "type": "OKTA_SIGN_ON", "name": p.name, "status": "ACTIVE", "priority": priority}));
        let rules: Vec<Value> = p
            .rules
            .iter()
            .enumerate()
            .map(|(j, r)| session_rule(r, j + 1))
            .collect();
        files.insert(format!("rules/{pid}.json"), pretty(&Value::Array(rules)));
    }
    if !m.routes.is_empty() {
        let pid = "policyc-idp-discovery".to_owned();
        let rules: Vec<Value> = m
            .routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let priority = r.priority.map_or(i as u64 + 1, |(n, _)| u64::from(n));
                let providers: Vec<Value> = r
                    .to
                    .iter()
                    .filter_map(|(idp, _)| m.idps.get(idp.index()))
                    .map(|idp| {
                        let ty = match idp.kind {
                            IdpKind::OktaOidc => "OKTA_INTEGRATION",
                            IdpKind::Oidc => "OIDC",
                            _ => "SAML2",
                        };
                        json!({"type": ty, "id": id(idp.loc).unwrap_or_else(|| format!("policyc-{}", idp.name))})
                    })
                    .collect();
                with_id(
                    id(r.loc),
                    json!({"type": "IDP_DISCOVERY", "name": r.name, "status": "ACTIVE", "priority": priority,
                           "conditions": conditions(&r.conditions, true),
                           "actions": {"idp": {"providers": providers, "idpSelectionType": "SPECIFIC"}}}),
                )
            })
            .collect();
        files.insert(
            "policies-IDP_DISCOVERY.json".to_owned(),
            pretty(&json!([{"id": pid, "type": "IDP_DISCOVERY", "name": "IdP discovery", "status": "ACTIVE", "priority": 1}])),
        );
        files.insert(format!("rules/{pid}.json"), pretty(&Value::Array(rules)));
    }
    for (name, list) in [
        ("groups.json", groups),
        ("zones.json", zones),
        ("apps.json", apps),
        ("authenticators.json", authenticators),
        ("idps.json", idps),
        ("policies-ACCESS_POLICY.json", access),
        ("policies-OKTA_SIGN_ON.json", sign_on),
    ] {
        files.insert(name.to_owned(), pretty(&Value::Array(list)));
    }
    files
}

/// An authenticator's methods as the methods endpoint lists them: Okta's `type`, policyc's
/// name, and whether the set has it on.
pub(crate) fn method_statuses(
    a: &crate::model::Authenticator,
) -> impl Iterator<Item = (&'static str, &'static str, bool)> + '_ {
    super::import::method_types(a.kind.as_str())
        .iter()
        .map(|&(ty, name)| {
            let on = a.methods.iter().any(|m| {
                let info = m.info();
                info.method.unwrap_or(info.kind.as_str()) == name
            });
            (ty, name, on)
        })
}

/// One authentication method chain as the API writes it: each step's method, then `next`.
pub(crate) fn chain_json(steps: &[crate::model::MethodId]) -> Value {
    let mut next: Option<Value> = None;
    for step in steps.iter().rev() {
        let info = step.info();
        let mut node = json!({"authenticationMethods": [{
            "key": authenticator_key(info.kind.as_str()),
            "method": super::import::okta_method_type(info),
        }]});
        if let Some(n) = next.take() {
            node["next"] = json!([n]);
        }
        next = Some(node);
    }
    next.unwrap_or(Value::Null)
}

pub(crate) fn word<T: PartialEq>(table: &[(&'static str, T)], v: &T) -> &'static str {
    table.iter().find(|(_, x)| x == v).map_or("", |(w, _)| w)
}

/// Okta's OS type for a platform and its device type (`MOBILE` or `DESKTOP`).
pub(crate) fn okta_platform(p: &Platform) -> (String, &'static str) {
    let os = word(PLATFORMS, p).to_ascii_uppercase();
    let ty = if matches!(os.as_str(), "IOS" | "ANDROID") {
        "MOBILE"
    } else {
        "DESKTOP"
    };
    (os, ty)
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// A rule's `reauth` as the API's ISO 8601 `reauthenticateIn` (`never` is the default: none).
pub(super) fn reauth_iso(r: &Rule) -> Option<String> {
    match r.reauth.as_ref().map(|(x, _)| x) {
        Some(Reauth::EverySignIn) => Some("PT0S".to_owned()),
        Some(Reauth::AfterSecs(s)) => Some(iso(*s)),
        Some(Reauth::Never) | None => None,
    }
}

/// A rule's assurance constraints: one constraint object (the API ORs several), with the
/// `knowledge` part when the requirement includes the password, and the `possession` part for
/// its possession constraints. `methods only|except` lists each method under the factor it
/// proves, as `authenticationMethods` / `excludedAuthenticationMethods` entries that always
/// name the `method` (Exclude phone and email is the keys alone). Shared with the Terraform
/// export, whose provider takes the same objects as JSON strings.
pub(super) fn constraints(r: &Rule, knowledge_required: bool) -> Vec<Value> {
    let mut knowledge = serde_json::Map::new();
    if knowledge_required {
        knowledge.insert("required".into(), json!(true));
        knowledge.insert("types".into(), json!(["PASSWORD"]));
    }
    let mut possession = possession_constraint(&r.possession);
    let (field, list) = match &r.methods {
        MethodFilter::Any => ("", &[][..]),
        MethodFilter::Only(l) => ("authenticationMethods", &l[..]),
        MethodFilter::Except(l) => ("excludedAuthenticationMethods", &l[..]),
    };
    // In catalogue order, so that the bodies do not depend on how the list was written.
    let mut list = list.to_vec();
    list.sort_by_key(|m| m.info().index());
    for m in &list {
        let info = m.info();
        let entry = json!({
            "key": authenticator_key(info.kind.as_str()),
            "method": super::import::okta_method_type(info),
        });
        let side = if info.factors.contains(FactorType::Knowledge) {
            &mut knowledge
        } else {
            &mut possession
        };
        if let Value::Array(a) = side.entry(field).or_insert(json!([])) {
            a.push(entry);
        }
    }
    // Okta's schema defaults read an absent `required` as true and an absent `userPresence` as
    // REQUIRED: both are written, so that the body means what the rule says. A side the rule
    // does not require (only its `methods` filter reaches it) is `required: false`.
    let mut c = serde_json::Map::new();
    if !knowledge.is_empty() {
        knowledge.insert("required".into(), json!(knowledge_required));
        c.insert("knowledge".into(), Value::Object(knowledge));
    }
    if !possession.is_empty() {
        possession.insert("required".into(), json!(!r.possession.is_empty()));
        possession
            .entry("userPresence")
            .or_insert(json!("OPTIONAL"));
        c.insert("possession".into(), Value::Object(possession));
    }
    if c.is_empty() {
        Vec::new()
    } else {
        vec![Value::Object(c)]
    }
}

/// A rule's possession constraints as the fields of the Management API's `possession`
/// constraint object.
fn possession_constraint(
    possession: &[(PossessionConstraint, crate::source::Loc)],
) -> serde_json::Map<String, Value> {
    let mut p = serde_json::Map::new();
    for (c, _) in possession {
        let (k, v) = match c {
            PossessionConstraint::PhishingResistant => ("phishingResistant", json!("REQUIRED")),
            PossessionConstraint::HardwareProtected => ("hardwareProtection", json!("REQUIRED")),
            PossessionConstraint::DeviceBound => ("deviceBound", json!("REQUIRED")),
            PossessionConstraint::UserPresence => ("userPresence", json!("REQUIRED")),
            PossessionConstraint::UserVerification => ("userVerification", json!("REQUIRED")),
            PossessionConstraint::ExcludePhoneEmail => (
                "excludedAuthenticationMethods",
                json!([{"key": "phone_number"}, {"key": "okta_email"}]),
            ),
        };
        p.insert(k.to_owned(), v);
    }
    p
}
