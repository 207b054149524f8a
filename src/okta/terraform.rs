//! Model → Terraform JSON configuration for the Okta provider (`okta/okta` 4.8, the schema this
//! targets; docs/okta-api.md). Resources refer to each other (`${okta_idp_oidc.corp.id}`),
//! never by literal ids; groups, zones and apps are looked up by name with data sources.
//! Secrets are Terraform variables, never values.

use super::export::{okta_platform, status, word};
use crate::Compiled;
use crate::model::catalogue::IdpKind;
use crate::model::values::RISKS;
use crate::model::{Action, ConditionTest, DeviceState, Enrollment, Requirement, Rule};
use serde_json::{Map, Value, json};

/// The provider version whose resource schemas the output follows.
pub const PROVIDER_VERSION: &str = "~> 4.8";

/// A Terraform name: policyc names are already valid (letters, digits, `_`, `-`).
fn tf(name: &str) -> String {
    name.replace('-', "_")
}

/// What the Terraform output leaves out of the set, one sentence per authenticator: the
/// provider's `okta_authenticator` does not carry which methods are on nor enrollment, so an
/// authenticator whose methods or enrollment are not the defaults (every method on, enrollment
/// allowed) is named. For the CLI to print beside the output, never in it.
pub fn dropped(compiled: &Compiled) -> Vec<String> {
    let mut out = Vec::new();
    for a in &compiled.model.authenticators {
        let kind = a.kind.as_str();
        let off: Vec<&str> = super::export::method_statuses(a)
            .filter(|(_, _, on)| !on)
            .map(|(_, name, _)| name)
            .collect();
        let mut what = Vec::new();
        if !off.is_empty() {
            what.push(format!("methods off ({})", off.join(", ")));
        }
        if a.enrollment == Enrollment::Disabled {
            what.push("enrollment disabled".to_owned());
        }
        if !what.is_empty() {
            out.push(format!(
                "authenticator `{kind}`: {} not in the Terraform output (`okta_authenticator` does not carry them; `export okta` writes them)",
                what.join(" and ")
            ));
        }
    }
    out
}

pub fn export(compiled: &Compiled) -> Value {
    let m = &compiled.model;
    let mut resources: Map<String, Value> = Map::new();
    let mut data: Map<String, Value> = Map::new();
    let mut variables: Map<String, Value> = Map::new();
    let put = |map: &mut Map<String, Value>, ty: &str, name: String, body: Value| {
        map.entry(ty)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .map(|o| o.insert(name, body));
    };
    for g in &m.groups {
        put(
            &mut data,
            "okta_group",
            tf(&g.name),
            json!({"name": g.name}),
        );
    }
    for a in &m.apps {
        put(&mut data, "okta_app", tf(&a.name), json!({"label": a.name}));
    }
    for z in &m.zones {
        put(
            &mut data,
            "okta_network_zone",
            tf(&z.name),
            json!({"name": z.name}),
        );
    }
    let group_ref = |i: usize| format!("${{data.okta_group.{}.id}}", tf(&m.groups[i].name));
    let zone_ref = |i: usize| format!("${{data.okta_network_zone.{}.id}}", tf(&m.zones[i].name));
    // A zone condition reads the same in sign-on rules and routing rules.
    let zone_condition = |body: &mut Value, negated: bool, zones: &[crate::model::ZoneId]| {
        let ids: Vec<String> = zones.iter().map(|z| zone_ref(z.index())).collect();
        body["network_connection"] = json!("ZONE");
        body[if negated {
            "network_excludes"
        } else {
            "network_includes"
        }] = json!(ids);
    };
    let idp_ref = |i: usize| {
        let idp = &m.idps[i];
        let ty = match idp.kind {
            IdpKind::Saml | IdpKind::OktaSaml => "okta_idp_saml",
            _ => "okta_idp_oidc",
        };
        format!("${{{ty}.{}.id}}", tf(&idp.name))
    };
    for a in &m.authenticators {
        let kind = a.kind.as_str();
        let key = super::export::authenticator_key(kind);
        put(
            &mut resources,
            "okta_authenticator",
            tf(kind),
            json!({"name": kind, "key": key, "status": status(a.status)}),
        );
    }
    for idp in &m.idps {
        let name = tf(&idp.name);
        let mut body = json!({
            "name": idp.name,
            "status": status(idp.status),
            "max_clock_skew": idp.max_clock_skew_secs * 1000,
            "trust_claims": idp.trust_claims,
        });
        match idp.kind {
            IdpKind::Saml | IdpKind::OktaSaml => {
                body["issuer"] = json!(idp.issuer);
                body["sso_url"] = json!(format!("${{var.idp_{name}_sso_url}}"));
                body["kid"] = json!(format!("${{var.idp_{name}_kid}}"));
                put(
                    &mut variables,
                    "",
                    format!("idp_{name}_sso_url"),
                    json!({"type": "string"}),
                );
                put(
                    &mut variables,
                    "",
                    format!("idp_{name}_kid"),
                    json!({"type": "string"}),
                );
                put(&mut resources, "okta_idp_saml", name, body);
            }
            _ => {
                body["issuer_url"] = json!(idp.issuer);
                body["client_id"] = json!(idp.audience);
                body["client_secret"] = json!(format!("${{var.idp_{name}_client_secret}}"));
                put(
                    &mut variables,
                    "",
                    format!("idp_{name}_client_secret"),
                    json!({"type": "string", "sensitive": true}),
                );
                put(&mut resources, "okta_idp_oidc", name, body);
            }
        }
    }
    // Conditions as the rule resources spell them.
    let conditions = |body: &mut Value, r: &Rule| {
        for c in &r.conditions {
            match &c.test {
                ConditionTest::Group { negated, groups } => {
                    let ids: Vec<String> = groups.iter().map(|g| group_ref(g.index())).collect();
                    body[if *negated {
                        "groups_excluded"
                    } else {
                        "groups_included"
                    }] = json!(ids);
                }
                ConditionTest::Zone { negated, zones } => zone_condition(body, *negated, zones),
                ConditionTest::Risk { levels, .. } => {
                    if let [one] = levels.as_slice() {
                        body["risk_score"] = json!(word(RISKS, one).to_ascii_uppercase());
                    }
                }
                ConditionTest::Platform { platforms, .. } => {
                    let list: Vec<Value> = platforms
                        .iter()
                        .map(|p| {
                            let (os, ty) = okta_platform(p);
                            json!({"type": ty, "os_type": os})
                        })
                        .collect();
                    body["platform_include"] = json!(list);
                }
                ConditionTest::Device(DeviceState::Registered) => {
                    body["device_is_registered"] = json!(true)
                }
                ConditionTest::Device(DeviceState::Managed) => {
                    body["device_is_registered"] = json!(true);
                    body["device_is_managed"] = json!(true);
                }
                _ => {}
            }
        }
    };
    for policy in &m.policies {
        let pname = tf(&policy.name);
        put(
            &mut resources,
            "okta_app_signon_policy",
            pname.clone(),
            json!({"name": policy.name, "description": format!("policyc: {}", policy.name)}),
        );
        let mut previous: Option<String> = None;
        for (i, r) in policy.rules.iter().enumerate() {
            let rname = format!("{pname}_{}", tf(&r.name));
            let mut body = json!({
                "policy_id": format!("${{okta_app_signon_policy.{pname}.id}}"),
                "name": r.name,
                "priority": i + 1,
                "status": status(r.status),
            });
            conditions(&mut body, r);
            match &r.action {
                Action::Deny(_) => body["access"] = json!("DENY"),
                Action::Require(Requirement::Chain(chains), _) => {
                    body["access"] = json!("ALLOW");
                    body["type"] = json!("AUTH_METHOD_CHAIN");
                    let chains: Vec<String> = chains
                        .iter()
                        .map(|steps| super::export::chain_json(steps).to_string())
                        .collect();
                    body["chains"] = json!(chains);
                    if let Some(re) = super::export::reauth_iso(r) {
                        body["re_authentication_frequency"] = json!(re);
                    }
                }
                Action::Require(req, _) => {
                    body["access"] = json!("ALLOW");
                    let (mode, knowledge) = match req {
                        Requirement::Password => ("1FA", true),
                        Requirement::PasswordPlusFactor => ("2FA", true),
                        Requirement::TwoFactorTypes => ("2FA", false),
                        _ => ("1FA", false),
                    };
                    body["factor_mode"] = json!(mode);
                    let constraints: Vec<String> = super::export::constraints(r, knowledge)
                        .iter()
                        .map(Value::to_string)
                        .collect();
                    if !constraints.is_empty() {
                        body["constraints"] = json!(constraints);
                    }
                    if let Some(re) = super::export::reauth_iso(r) {
                        body["re_authentication_frequency"] = json!(re);
                    }
                }
            }
            // Rules are created in order, so that priorities never collide mid-apply.
            if let Some(prev) = previous.replace(rname.clone()) {
                body["depends_on"] = json!([format!("okta_app_signon_policy_rule.{prev}")]);
            }
            put(&mut resources, "okta_app_signon_policy_rule", rname, body);
        }
    }
    for (i, sp) in m.session_policies.iter().enumerate() {
        let pname = tf(&sp.name);
        let priority = sp.priority.map_or(i as u64 + 1, |(n, _)| u64::from(n));
        put(
            &mut resources,
            "okta_policy_signon",
            pname.clone(),
            json!({"name": sp.name, "status": "ACTIVE", "priority": priority, "description": format!("policyc: {}", sp.name)}),
        );
        for (j, r) in sp.rules.iter().enumerate() {
            let mut body = json!({
                "policy_id": format!("${{okta_policy_signon.{pname}.id}}"),
                "name": r.name,
                "priority": j + 1,
                "status": status(r.status),
            });
            conditions(&mut body, r);
            match &r.action {
                Action::Deny(_) => body["access"] = json!("DENY"),
                Action::Require(Requirement::Mfa, _) => {
                    body["access"] = json!("ALLOW");
                    body["mfa_required"] = json!(true);
                }
                Action::Require(Requirement::AnyFactor, _) => {
                    body["access"] = json!("ALLOW");
                    body["primary_factor"] = json!("PASSWORD_IDP_ANY_FACTOR");
                }
                Action::Require(_, _) => {
                    body["access"] = json!("ALLOW");
                    body["primary_factor"] = json!("PASSWORD_IDP");
                }
            }
            put(
                &mut resources,
                "okta_policy_rule_signon",
                format!("{pname}_{}", tf(&r.name)),
                body,
            );
        }
    }
    if !m.routes.is_empty() {
        put(
            &mut data,
            "okta_policy",
            "idp_discovery".to_owned(),
            json!({"name": "Idp Discovery Policy", "type": "IDP_DISCOVERY"}),
        );
    }
    for (i, route) in m.routes.iter().enumerate() {
        let priority = route.priority.map_or(i as u64 + 1, |(n, _)| u64::from(n));
        let mut body = json!({
            "policy_id": "${data.okta_policy.idp_discovery.id}",
            "name": route.name,
            "priority": priority,
            "status": "ACTIVE",
        });
        if let Some((idp, _)) = route.to {
            let ty = match m.idps.get(idp.index()).map(|i| i.kind) {
                Some(IdpKind::Saml | IdpKind::OktaSaml) => "SAML2",
                _ => "OIDC",
            };
            body["idp_providers"] = json!([{"id": idp_ref(idp.index()), "type": ty}]);
        }
        for c in &route.conditions {
            match &c.test {
                ConditionTest::Domain { domains, .. } => {
                    body["user_identifier_type"] = json!("IDENTIFIER");
                    body["user_identifier_patterns"] = json!(
                        domains
                            .iter()
                            .map(|d| json!({"match_type": "SUFFIX", "value": d}))
                            .collect::<Vec<_>>()
                    );
                }
                ConditionTest::App { negated, apps } => {
                    let list: Vec<Value> = apps
                        .iter()
                        .map(|a| {
                            let app = tf(&m.apps[a.index()].name);
                            json!({"type": "APP", "id": format!("${{data.okta_app.{app}.id}}")})
                        })
                        .collect();
                    body[if *negated {
                        "app_exclude"
                    } else {
                        "app_include"
                    }] = json!(list);
                }
                ConditionTest::Zone { negated, zones } => {
                    zone_condition(&mut body, *negated, zones)
                }
                _ => {}
            }
        }
        put(
            &mut resources,
            "okta_policy_rule_idp_discovery",
            tf(&route.name),
            body,
        );
    }
    let mut out = json!({
        "terraform": {"required_providers": {"okta": {"source": "okta/okta", "version": PROVIDER_VERSION}}},
    });
    if !variables.is_empty() {
        out["variable"] = variables.remove("").unwrap_or(Value::Null);
    }
    if !data.is_empty() {
        out["data"] = Value::Object(data);
    }
    out["resource"] = Value::Object(resources);
    out
}
