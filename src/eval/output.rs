//! Decisions for tools and for people: the JSON contract of `policyc eval --format json` and the
//! human rendering. No IO.
//!
//! The contract (field order as written; `trace` only when asked for):
//! `{"decision":"allow|challenge|deny","policy":NAME|null,"rule":NAME|null,
//! "session_rule":NAME|null,"claims":{"idp":NAME,"trusted":bool,"used":bool,"amr":[..],
//! "ignored":[..],"signature":"verified|unverified|not-applicable","hints":[..] (only when there
//! are some)}|null,"challenge":["authenticator.method",..],"reasons":[".."],"trace":[..]}`

use super::{Explained, SignIn, method_names, rule_name};
use crate::Compiled;
use serde::Serialize;
use std::fmt::Write as _;

/// One decision as the JSON contract has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionJson {
    pub decision: &'static str,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub session_rule: Option<String>,
    pub claims: Option<ClaimsJson>,
    pub challenge: Vec<String>,
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<String>>,
}

/// How the IdP's claims were treated: `amr` the values accepted (for an Okta IdP org, the
/// authenticators they stand for), `ignored` the values the SP ignores for this IdP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimsJson {
    pub idp: String,
    pub trusted: bool,
    pub used: bool,
    pub amr: Vec<String>,
    pub ignored: Vec<String>,
    /// `verified` (an ID token, or SAML checked against the IdP's certificates), `unverified`
    /// (SAML from an IdP with no certificate, `--allow-unverified`), `not-applicable` (claims
    /// written by hand).
    pub signature: &'static str,
    /// What the IdP sent that the SP does not read, and how to make it count (a SAML
    /// assertion with Microsoft's `authnmethodsreferences` and no `session.amr`); only when
    /// there is something to say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}

impl DecisionJson {
    /// The contract for an explained decision; `trace` keeps the step-by-step trace.
    pub fn new(
        compiled: &Compiled,
        sign_in: &SignIn,
        explained: &Explained,
        trace: bool,
    ) -> DecisionJson {
        let d = &explained.decision;
        DecisionJson {
            decision: d.outcome.as_str(),
            policy: d.policy.and_then(|p| {
                compiled
                    .model
                    .policies
                    .get(p.index())
                    .map(|p| p.name.clone())
            }),
            rule: d.rule.map(|r| rule_name(compiled, r)),
            session_rule: d.session_rule.map(|r| rule_name(compiled, r)),
            claims: d.claims.map(|c| {
                let claims = sign_in.claims.as_ref();
                ClaimsJson {
                    idp: compiled
                        .model
                        .idp(c.idp)
                        .map_or_else(|| "?".to_owned(), |i| i.name.clone()),
                    trusted: c.trusted,
                    used: c.used,
                    amr: claims
                        .map(|c| c.accepted.iter().map(|a| (*a).to_owned()).collect())
                        .unwrap_or_default(),
                    ignored: claims
                        .map(|c| c.ignored.iter().map(|(v, _)| v.clone()).collect())
                        .unwrap_or_default(),
                    signature: claims.map_or("not-applicable", |c| c.signature.as_str()),
                    hints: claims.map(|c| c.hints.clone()).unwrap_or_default(),
                }
            }),
            challenge: method_names(d.challenge),
            reasons: explained.reasons.clone(),
            trace: trace.then(|| explained.trace.clone()),
        }
    }

    /// One line of JSON, fields in contract order.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            serde_json::json!({"error": format!("cannot write the decision: {e}")}).to_string()
        })
    }

    /// Whether a policy change changes this decision: its outcome, its rule or its challenge.
    pub fn differs_from(&self, other: &DecisionJson) -> bool {
        self.decision != other.decision
            || self.rule != other.rule
            || self.challenge != other.challenge
    }
}

/// The decision for people: the outcome in capitals (bold when `bold`), why, the numbered
/// trace, then what the SP ignored of the claims and why.
///
/// ```text
/// CHALLENGE  app `salesforce`: policy `sso_apps`, rule `everyone`
///   challenge with okta_verify.push, okta_verify.totp, webauthn
///
/// why:
///   rule `everyone` of policy `sso_apps` needs local authentication: ...
///
/// trace:
///    1. app `salesforce` uses policy `sso_apps`
///    ...
/// ```
pub fn human(compiled: &Compiled, sign_in: &SignIn, explained: &Explained, bold: bool) -> String {
    let json = DecisionJson::new(compiled, sign_in, explained, false);
    let mut out = String::new();
    let outcome = json.decision.to_uppercase();
    let app = compiled
        .model
        .apps
        .get(sign_in.app.index())
        .map_or("?", |a| a.name.as_str());
    let (on, off) = if bold {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let mut headline = format!("app `{app}`");
    match (&json.policy, &json.rule) {
        (Some(p), Some(r)) => headline.push_str(&format!(": policy `{p}`, rule `{r}`")),
        (Some(p), None) => headline.push_str(&format!(": policy `{p}`")),
        _ => {}
    }
    if let Some(s) = &json.session_rule {
        headline.push_str(&format!(" (session rule `{s}`)"));
    }
    let _ = writeln!(out, "{on}{outcome}{off}  {headline}");
    if !json.challenge.is_empty() {
        let _ = writeln!(out, "  challenge with {}", json.challenge.join(", "));
    }
    if let Some(c) = &json.claims {
        let _ = writeln!(
            out,
            "  claims from `{}`: {}, {}, signature {}",
            c.idp,
            if c.trusted { "trusted" } else { "not trusted" },
            if c.used { "used" } else { "not used" },
            c.signature
        );
    }
    out.push_str("\nwhy:\n");
    for reason in &json.reasons {
        let _ = writeln!(out, "  {reason}");
    }
    if !explained.trace.is_empty() {
        out.push_str("\ntrace:\n");
        let width = explained.trace.len().to_string().len();
        for (i, step) in explained.trace.iter().enumerate() {
            let _ = writeln!(out, "  {:>width$}. {step}", i + 1);
        }
    }
    if let Some(claims) = &sign_in.claims
        && !claims.ignored.is_empty()
    {
        out.push_str("\nignored:\n");
        for (value, why) in &claims.ignored {
            let _ = writeln!(out, "  `{value}`: {why}");
        }
    }
    if let Some(claims) = &sign_in.claims
        && !claims.hints.is_empty()
    {
        out.push_str("\nhint:\n");
        for hint in &claims.hints {
            let _ = writeln!(out, "  {hint}");
        }
    }
    out
}
