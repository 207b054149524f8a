//! Renders the normal form and refusals, for people (a table) and for tools (JSON).
//!
//! JSON shapes (a contract): the normal form is
//! `{"idp","protocol","subject","issued_at","auth_time","amr":[..],"ignored":[..],"evidence":[..],"signature":"verified|unverified|not-applicable"}`
//! (plus `authn_context` for SAML when sent; `methods` for an Okta IdP org's authenticators,
//! `device` for its device claims, `why_ignored`, a map from each ignored value to why, when
//! there are any, and `hints`, what was sent that the SP does not read and how to make it count,
//! when there are any); a refusal is `{"error":{"kind":K,"message":M}}`.

use super::{ClaimsError, SignatureStatus, TrustedClaims, format_time};
use serde_json::json;
use std::fmt::Write as _;

/// The normal form as one line of JSON.
pub fn claims_json(claims: &TrustedClaims) -> String {
    serde_json::to_string(claims).unwrap_or_else(|e| error_value("malformed", &e.to_string()))
}

/// A refusal as one line of JSON: `{"error":{"kind":K,"message":M}}`.
pub fn error_json(error: &ClaimsError) -> String {
    error_value(error.kind().as_str(), error.message())
}

fn error_value(kind: &str, message: &str) -> String {
    json!({"error": {"kind": kind, "message": message}}).to_string()
}

/// The normal form as a table for people, with what was ignored and why.
pub fn claims_human(claims: &TrustedClaims) -> String {
    let mut out = String::new();
    let time = |t: Option<u64>| match t {
        Some(t) => format!("{} ({t})", format_time(t)),
        None => "-".to_owned(),
    };
    let signature = match claims.signature {
        SignatureStatus::Verified => "verified".to_owned(),
        SignatureStatus::Unverified => {
            "unverified (the IdP has no certificate: --allow-unverified)".to_owned()
        }
        SignatureStatus::NotApplicable => "not-applicable (claims written by hand)".to_owned(),
    };
    let mut rows = vec![
        ("idp", format!("{} ({})", claims.idp, claims.protocol)),
        ("signature", signature),
        (
            "subject",
            claims.subject.clone().unwrap_or_else(|| "-".to_owned()),
        ),
        ("issued at", time(claims.issued_at)),
        ("auth time", time(claims.auth_time)),
    ];
    if let Some(context) = &claims.authn_context {
        rows.push(("authn context", context.clone()));
    }
    let amr = claims
        .amr
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    rows.push(("amr", if amr.is_empty() { "-".to_owned() } else { amr }));
    if !claims.methods.is_empty() {
        let methods: Vec<&str> = claims.methods.iter().map(|m| m.method.as_str()).collect();
        rows.push(("methods", methods.join(" ")));
    }
    if let Some(device) = claims.device {
        let flag = |b: Option<bool>| match b {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        rows.push((
            "device",
            format!(
                "registered: {}, managed: {}",
                flag(device.registered),
                flag(device.managed)
            ),
        ));
    }
    let factors = claims
        .factors()
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    rows.push((
        "factor types",
        if factors.is_empty() {
            "-".to_owned()
        } else {
            factors
        },
    ));
    for (label, value) in rows {
        let _ = writeln!(out, "{label:<15}{value}");
    }

    if !claims.evidence.is_empty() {
        let table: Vec<[String; 3]> = claims
            .evidence
            .iter()
            .map(|e| {
                let factors = if e.mfa_marker {
                    "(mfa marker)".to_owned()
                } else {
                    join(e.factors.iter().map(|f| f.as_str()))
                };
                [
                    e.amr.as_str().to_owned(),
                    factors,
                    join(e.characteristics.iter().map(|c| c.as_str())),
                ]
            })
            .collect();
        let header = [
            "amr".to_owned(),
            "factors".to_owned(),
            "characteristics".to_owned(),
        ];
        let w0 = table
            .iter()
            .chain([&header])
            .map(|r| r[0].len())
            .max()
            .unwrap_or(0);
        let w1 = table
            .iter()
            .chain([&header])
            .map(|r| r[1].len())
            .max()
            .unwrap_or(0);
        let _ = writeln!(out, "\nevidence");
        for row in std::iter::once(&header).chain(&table) {
            let _ = writeln!(out, "  {:<w0$}  {:<w1$}  {}", row[0], row[1], row[2]);
        }
    }
    if !claims.methods.is_empty() {
        let w0 = claims
            .methods
            .iter()
            .map(|m| m.method.len())
            .max()
            .unwrap_or(0);
        let from: Vec<String> = claims.methods.iter().map(|m| m.from.join(" + ")).collect();
        let w1 = from.iter().map(String::len).max().unwrap_or(0).max(4);
        let _ = writeln!(out, "\nOkta IdP org authenticators");
        let _ = writeln!(out, "  {:<w0$}  {:<w1$}  characteristics", "method", "from");
        for (m, from) in claims.methods.iter().zip(&from) {
            let _ = writeln!(
                out,
                "  {:<w0$}  {from:<w1$}  {}",
                m.method,
                join(m.characteristics.iter().map(|c| c.as_str()))
            );
        }
    }
    if !claims.ignored.is_empty() {
        let w = claims.ignored.iter().map(|v| v.len()).max().unwrap_or(0);
        let _ = writeln!(out, "\nignored");
        for value in &claims.ignored {
            let _ = writeln!(out, "  {value:<w$}  {}", claims.ignored_reason(value));
        }
    }
    if !claims.hints.is_empty() {
        let _ = writeln!(out, "\nhint");
        for hint in &claims.hints {
            let _ = writeln!(out, "  {hint}");
        }
    }
    out
}

/// A refusal for people: which check failed, and what to do when there is something to say.
pub fn error_human(error: &ClaimsError) -> String {
    let mut out = format!("refused [{}]: {}\n", error.kind(), error.message());
    if let Some(help) = error.help() {
        let _ = writeln!(out, "  help: {help}");
    }
    out
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let joined = items.collect::<Vec<_>>().join(", ");
    if joined.is_empty() {
        "-".to_owned()
    } else {
        joined
    }
}
