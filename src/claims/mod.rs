//! Trusted claims: verify and normalize OIDC ID tokens and SAML assertions.
//!
//! What an IdP really sends (an ID token, a SAML response, or a claims file written by hand) is
//! turned into one normal form, [`TrustedClaims`]: for a third-party IdP, [`Evidence`] says which
//! factor types and method characteristics each AMR value proves (one table for OIDC and SAML);
//! for an Okta IdP org, [`MethodEvidence`] says which of the org's authenticators the values
//! stand for. Both readings are `model::reading`'s, which evaluation uses too.
//!
//! **Boundary:** this module does no IO. It takes text or bytes (the token, the document, the
//! JWKS) and returns values; reading files is the CLI's job.
//!
//! **Invariant:** hostile input never panics and never reaches a decoder before its size is
//! checked; every refusal is a [`ClaimsError`] whose [`ErrorKind`] names the failed check. Error
//! messages never quote a token.
//!
//! ```
//! use policyc::claims::{from_json, IdpConfig, SignatureStatus};
//! use policyc::model::catalogue::{Amr, IdpKind};
//!
//! let idp = IdpConfig::new("corp", IdpKind::Oidc);
//! let claims = from_json(r#"{"idp":"corp","amr":["pwd","hwk","abc"],"auth_time":1720481750}"#, &idp)?;
//! assert_eq!(claims.amr, [Amr::Pwd, Amr::Hwk]);
//! assert_eq!(claims.ignored, ["abc"]);
//! assert_eq!(claims.signature, SignatureStatus::NotApplicable);
//! # Ok::<(), policyc::claims::ClaimsError>(())
//! ```

mod error;
mod limits;
mod oidc;
pub mod report;
mod saml;
mod time;

pub use crate::model::catalogue::{Amr, IdpKind, Protocol};
pub use error::{ClaimsError, ErrorKind};
pub use limits::Limits;
pub use oidc::verify_id_token;
pub use saml::{CertificateInfo, SamlVerification, SigningKeys, read_saml};
pub use time::format_time;

use crate::model::catalogue::{Characteristics, FactorSet, FactorType};
use crate::model::reading::{self, Meaning, Usage};
use error::json_type;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A federated IdP as the policies declare it: what its claims are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpConfig {
    pub name: String,
    pub kind: IdpKind,
    /// `iss` (OIDC) or `Issuer` (SAML) must equal this.
    pub issuer: Option<String>,
    /// `aud` (OIDC) or `AudienceRestriction/Audience` (SAML) must contain this.
    pub audience: Option<String>,
    /// Already resolved relative to the `.policy` file; the CLI reads it.
    pub jwks_path: Option<PathBuf>,
    /// SAML signing certificates (`certificate`, PEM), resolved like `jwks_path`.
    pub certificate_paths: Vec<PathBuf>,
    /// SAML metadata (`metadata`) whose signing `KeyDescriptor`s are read, resolved likewise.
    pub metadata_path: Option<PathBuf>,
    /// Seconds of clock skew allowed on every time check (default 0).
    pub max_clock_skew: u64,
    /// `usage factor_only`: knowledge values are not forwarded.
    pub usage: Usage,
}

impl IdpConfig {
    /// Refuses (`unknown-idp`) input of `protocol` for an IdP that speaks the other one.
    pub fn expect_protocol(&self, protocol: Protocol) -> Result<(), ClaimsError> {
        if self.kind.protocol() != protocol {
            return Err(ClaimsError::new(
                ErrorKind::UnknownIdp,
                format!(
                    "idp `{}` is of kind `{}`, which speaks {}, not {protocol}",
                    self.name,
                    self.kind,
                    self.kind.protocol()
                ),
            ));
        }
        Ok(())
    }

    /// An IdP with nothing configured but its name and kind.
    pub fn new(name: impl Into<String>, kind: IdpKind) -> IdpConfig {
        IdpConfig {
            name: name.into(),
            kind,
            issuer: None,
            audience: None,
            jwks_path: None,
            certificate_paths: Vec::new(),
            metadata_path: None,
            max_clock_skew: 0,
            usage: Usage::Sso,
        }
    }
}

/// Whether the claims' signature was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureStatus {
    /// An ID token whose signature verified against the IdP's JWKS, or a SAML document whose
    /// XML signature verified against the IdP's certificates.
    Verified,
    /// A SAML document from an IdP with no certificate, read with `--allow-unverified`.
    Unverified,
    /// Claims written by hand (`--claims`): there is no signature to check.
    NotApplicable,
}

impl SignatureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Unverified => "unverified",
            Self::NotApplicable => "not-applicable",
        }
    }
}

/// What one accepted AMR value proves, after the protocol's rules are applied: a row of the
/// catalogue's AMR table, small and `Copy` so that evaluation can compare bitsets.
///
/// Over OIDC a biometric value (`face`, `fpt`, ...) is inherence only, and its characteristics
/// (user presence, user verification) count only beside a possession value: without one, its
/// `characteristics` are empty. `mfa` proves no factor type and carries `mfa_marker`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Evidence {
    pub amr: Amr,
    pub factors: FactorSet,
    pub characteristics: Characteristics,
    /// `mfa`: satisfies "any 2 factor types" and session MFA, nothing with further constraints.
    pub mfa_marker: bool,
}

/// What an Okta IdP org's values stand for: one of its authenticator methods.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct MethodEvidence {
    /// The method's name, as policies write it (`okta_verify.push`).
    pub method: String,
    /// The values it was read from, as sent (`["okta_verify", "swk"]`).
    pub from: Vec<String>,
    pub factors: FactorSet,
    pub characteristics: Characteristics,
}

/// The device's status as an Okta IdP org reports it in `okta_auth` (early access device
/// claims); absent fields are unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct DeviceClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
}

/// The normal form of an IdP's authentication claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct TrustedClaims {
    pub idp: String,
    pub protocol: Protocol,
    pub subject: Option<String>,
    /// Unix seconds: `iat`, or the assertion's `IssueInstant`.
    pub issued_at: Option<u64>,
    /// Unix seconds: `auth_time`, or `AuthnStatement@AuthnInstant`.
    pub auth_time: Option<u64>,
    /// The accepted AMR values, deduplicated, in the order they arrived.
    pub amr: Vec<Amr>,
    /// Values Okta ignores over this protocol ([`ignored_reason`] says why), never an error.
    pub ignored: Vec<String>,
    /// One entry per accepted AMR value, in the same order as `amr`.
    pub evidence: Vec<Evidence>,
    pub signature: SignatureStatus,
    /// SAML only: the `AuthnContextClassRef`, as sent (it proves nothing by itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authn_context: Option<String>,
    /// Okta IdP orgs only: the authenticator methods the values stand for (`amr` and
    /// `evidence` are the third-party AMR table's, and stay empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<MethodEvidence>,
    /// Okta IdP orgs only, early access: the device's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceClaims>,
    /// Why each value of `ignored` is ignored.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub why_ignored: BTreeMap<String, String>,
    /// What the IdP sent that the SP does not read as claims and how to make it count, e.g. a
    /// SAML assertion with Microsoft's `authnmethodsreferences` and no `session.amr`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}

impl TrustedClaims {
    /// The factor types the claims prove together.
    pub fn factors(&self) -> FactorSet {
        self.evidence
            .iter()
            .map(|e| e.factors)
            .chain(self.methods.iter().map(|m| m.factors))
            .fold(FactorSet::EMPTY, FactorSet::union)
    }

    /// Why `value` (one of `ignored`) is ignored.
    pub fn ignored_reason(&self, value: &str) -> String {
        self.why_ignored
            .get(value)
            .cloned()
            .unwrap_or_else(|| "listed as ignored in the claims".to_owned())
    }
}

/// Deserializing re-derives `amr`, `evidence` and `methods` from the values (never trusting a
/// stored `evidence`); values listed as `ignored` stay ignored. The result is always
/// [`SignatureStatus::NotApplicable`]: nothing read back from JSON was verified here.
impl TryFrom<Value> for TrustedClaims {
    type Error = ClaimsError;

    fn try_from(value: Value) -> Result<TrustedClaims, ClaimsError> {
        claims_from_value(value, None)
    }
}

/// The values of one sign-in, read for one IdP: the normal form's `amr`, `evidence`, `methods`,
/// `ignored` and `why_ignored`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    pub amr: Vec<Amr>,
    pub evidence: Vec<Evidence>,
    pub methods: Vec<MethodEvidence>,
    pub ignored: Vec<String>,
    pub why_ignored: BTreeMap<String, String>,
}

impl Normalized {
    /// Lists `value` as ignored, with why (once).
    pub fn ignore(&mut self, value: &str, why: impl Into<String>) {
        if !self.ignored.iter().any(|v| v == value) {
            self.ignored.push(value.to_owned());
            self.why_ignored.insert(value.to_owned(), why.into());
        }
    }

    /// The normal form with these values and nothing else known yet.
    pub fn into_claims(self, idp: String, protocol: Protocol) -> TrustedClaims {
        TrustedClaims {
            idp,
            protocol,
            subject: None,
            issued_at: None,
            auth_time: None,
            amr: self.amr,
            ignored: self.ignored,
            evidence: self.evidence,
            signature: SignatureStatus::Unverified,
            authn_context: None,
            methods: self.methods,
            device: None,
            why_ignored: self.why_ignored,
            hints: Vec::new(),
        }
    }
}

/// Reads the values an IdP of `kind` sent, as the SP does (`model::reading`, which evaluation
/// uses too). Duplicates are dropped, the order kept.
pub fn normalize(values: &[String], kind: IdpKind, usage: Usage) -> Normalized {
    let read = reading::read(kind, usage, values);
    let mut out = Normalized::default();
    for accepted in read.accepted {
        match accepted.meaning {
            Meaning::Amr(row) => {
                out.amr.push(row.amr);
                out.evidence.push(Evidence {
                    amr: row.amr,
                    factors: row.factors,
                    characteristics: row.characteristics,
                    mfa_marker: row.mfa_marker,
                });
            }
            Meaning::Method(info) => out.methods.push(MethodEvidence {
                method: accepted.value,
                from: accepted.from,
                factors: info.factors,
                characteristics: info.characteristics,
            }),
        }
    }
    for (value, why) in read.ignored {
        out.ignore(&value, why);
    }
    // Biometrics lend their characteristics only to a possession value beside them.
    let has_possession = out
        .evidence
        .iter()
        .any(|e| e.factors.contains(FactorType::Possession));
    if !has_possession {
        for e in &mut out.evidence {
            if e.amr.evidence().characteristics_need_possession {
                e.characteristics = Characteristics::EMPTY;
            }
        }
    }
    out
}

/// What an Okta IdP org's `okta_auth` (OIDC) or `OktaAuth` (SAML) payload carries, as policyc
/// assumes it (Okta publishes it redacted; docs/claims.md): `amr`, a list of the org's
/// authenticators (names and/or AMR codes), and, early access, `device`:
/// `{"registered": bool, "managed": bool}`.
pub(crate) fn okta_payload(
    obj: &Map<String, Value>,
    what: &str,
) -> Result<(Vec<String>, Option<DeviceClaims>), ClaimsError> {
    let values = match obj.get("amr") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => string_array(v, &format!("{what}.amr"))?,
    };
    let device = match obj.get("device") {
        None | Some(Value::Null) => None,
        Some(Value::Object(d)) => {
            let flag = |key: &str| match d.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(other) => Err(ClaimsError::malformed(format!(
                    "`{what}.device.{key}` must be true or false, found {}",
                    json_type(other)
                ))),
            };
            Some(DeviceClaims {
                registered: flag("registered")?,
                managed: flag("managed")?,
            })
        }
        Some(other) => {
            return Err(ClaimsError::malformed(format!(
                "`{what}.device` must be an object such as {{\"registered\":true,\"managed\":false}}, found {}",
                json_type(other)
            )));
        }
    };
    Ok((values, device))
}

/// Reads a claims file: `{"idp":"corp","amr":["pwd","hwk"],"auth_time":1720481750}`, or a
/// normal form printed by `policyc claims inspect --format json`. `idp`, when present, must name
/// `idp`; the protocol is the IdP's. For an Okta IdP org, `amr` is the `okta_auth` list (and
/// `device` its device claims). Such claims carry no signature (`not-applicable`).
pub fn from_json(text: &str, idp: &IdpConfig) -> Result<TrustedClaims, ClaimsError> {
    limits::check_size(
        "claims file",
        text.len(),
        Limits::default().max_token_bytes,
        "max_token_bytes",
    )?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        ClaimsError::malformed(format!(
            "claims file is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    claims_from_value(value, Some(idp))
}

const CLAIMS_FIELDS: [&str; 14] = [
    "idp",
    "protocol",
    "subject",
    "issued_at",
    "auth_time",
    "amr",
    "ignored",
    "evidence",
    "signature",
    "authn_context",
    "methods",
    "device",
    "why_ignored",
    "hints",
];

fn claims_from_value(value: Value, idp: Option<&IdpConfig>) -> Result<TrustedClaims, ClaimsError> {
    let Value::Object(obj) = value else {
        return Err(ClaimsError::malformed(format!(
            "claims must be a JSON object, found {}",
            json_type(&value)
        )));
    };
    if let Some(key) = obj.keys().find(|k| !CLAIMS_FIELDS.contains(&k.as_str())) {
        return Err(ClaimsError::malformed(format!(
            "unknown field `{key}` in claims (expected one of `idp`, `amr`, `auth_time`, `subject`, `issued_at`, `protocol`)"
        )));
    }
    let named = optional_string(&obj, "idp")?;
    let name = match (named, idp) {
        (Some(named), Some(idp)) if named != idp.name => {
            return Err(ClaimsError::new(
                ErrorKind::UnknownIdp,
                format!("claims are from idp `{named}`, expected `{}`", idp.name),
            ));
        }
        (Some(named), _) => named,
        (None, Some(idp)) => idp.name.clone(),
        (None, None) => return Err(ClaimsError::malformed("claims have no `idp`")),
    };
    let declared = match obj.get("protocol") {
        None => None,
        Some(Value::String(s)) if s == "oidc" => Some(Protocol::Oidc),
        Some(Value::String(s)) if s == "saml" => Some(Protocol::Saml),
        Some(other) => {
            return Err(ClaimsError::malformed(format!(
                "`protocol` must be `oidc` or `saml`, found {}",
                describe(other)
            )));
        }
    };
    let protocol = match (declared, idp) {
        (Some(p), Some(idp)) if p != idp.kind.protocol() => {
            return Err(ClaimsError::new(
                ErrorKind::UnknownIdp,
                format!(
                    "claims say `protocol` `{p}` but idp `{}` speaks {}",
                    idp.name,
                    idp.kind.protocol()
                ),
            ));
        }
        (_, Some(idp)) => idp.kind.protocol(),
        (Some(p), None) => p,
        (None, None) => Protocol::Oidc,
    };
    // Without an IdP (a normal form read back), the kind follows the form: `methods` are an
    // Okta org's.
    let kind = match idp {
        Some(idp) => idp.kind,
        None if obj.contains_key("methods") => match protocol {
            Protocol::Oidc => IdpKind::OktaOidc,
            Protocol::Saml => IdpKind::OktaSaml,
        },
        None => match protocol {
            Protocol::Oidc => IdpKind::Oidc,
            Protocol::Saml => IdpKind::Saml,
        },
    };
    let (mut values, device) = match obj.get("amr") {
        None => return Err(ClaimsError::malformed("claims have no `amr`")),
        Some(_) if kind.is_okta() => okta_payload(&obj, "claims")?,
        Some(v) => (string_array(v, "amr")?, None),
    };
    if let Some(methods) = obj.get("methods") {
        values.extend(method_names(methods)?);
    }
    let mut normal = normalize(&values, kind, idp.map_or(Usage::Sso, |i| i.usage));
    if let Some(v) = obj.get("ignored") {
        let given = obj.get("why_ignored").and_then(Value::as_object);
        for value in string_array(v, "ignored")? {
            let why = given
                .and_then(|g| g.get(&value))
                .and_then(Value::as_str)
                .map_or_else(
                    || "listed as ignored in the claims".to_owned(),
                    str::to_owned,
                );
            normal.ignore(&value, why);
        }
    }
    Ok(TrustedClaims {
        subject: optional_string(&obj, "subject")?,
        issued_at: optional_time(&obj, "issued_at")?,
        auth_time: optional_time(&obj, "auth_time")?,
        authn_context: optional_string(&obj, "authn_context")?,
        device,
        signature: SignatureStatus::NotApplicable,
        hints: match obj.get("hints") {
            Some(v) => string_array(v, "hints")?,
            None => Vec::new(),
        },
        ..normal.into_claims(name, protocol)
    })
}

/// A normal form's `methods`: `[{"method":"okta_verify.push",..}]` (the rest is re-derived).
fn method_names(v: &Value) -> Result<Vec<String>, ClaimsError> {
    let Value::Array(items) = v else {
        return Err(ClaimsError::malformed(format!(
            "`methods` must be an array of objects with a `method`, found {}",
            json_type(v)
        )));
    };
    items
        .iter()
        .map(|item| match item.get("method") {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(ClaimsError::malformed(
                "each of `methods` must be an object with a `method` string",
            )),
        })
        .collect()
}

/// A short description of a JSON value for "found ..." (strings are not quoted: they may be
/// secrets).
fn describe(v: &Value) -> &'static str {
    json_type(v)
}

fn optional_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, ClaimsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ClaimsError::malformed(format!(
            "`{key}` must be a string, found {}",
            json_type(other)
        ))),
    }
}

/// A NumericDate (RFC 7519): non-negative seconds, fractions truncated.
pub(crate) fn time_value(v: &Value, key: &str) -> Result<u64, ClaimsError> {
    let bad = || {
        ClaimsError::malformed(format!(
            "`{key}` must be a non-negative number of seconds, found {}",
            json_type(v)
        ))
    };
    let Value::Number(n) = v else {
        return Err(bad());
    };
    if let Some(u) = n.as_u64() {
        return Ok(u);
    }
    match n.as_f64() {
        Some(f) if f.is_finite() && f >= 0.0 && f < u64::MAX as f64 => Ok(f as u64),
        _ => Err(ClaimsError::malformed(format!(
            "`{key}` must be a non-negative number of seconds, found a negative or huge number"
        ))),
    }
}

pub(crate) fn optional_time(
    obj: &Map<String, Value>,
    key: &str,
) -> Result<Option<u64>, ClaimsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => time_value(v, key).map(Some),
    }
}

/// `amr` (or another list of AMR values): an array of strings, nothing else.
pub(crate) fn string_array(v: &Value, key: &str) -> Result<Vec<String>, ClaimsError> {
    let Value::Array(items) = v else {
        return Err(ClaimsError::malformed(format!(
            "`{key}` must be an array of strings, found {}",
            json_type(v)
        )));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(ClaimsError::malformed(format!(
                "`{key}` must be an array of strings, found {} at index {i}",
                json_type(other)
            ))),
        })
        .collect()
}

/// Refuses an IdP whose protocol is not the input's.
pub(crate) fn check_protocol(idp: &IdpConfig, input: Protocol) -> Result<(), ClaimsError> {
    idp.expect_protocol(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_biometric_alone_lends_no_characteristics() {
        for kind in [IdpKind::Oidc, IdpKind::Saml] {
            let n = normalize(&strings(&["face"]), kind, Usage::Sso);
            assert_eq!(n.evidence[0].characteristics, Characteristics::EMPTY);
            let n = normalize(&strings(&["face", "hwk"]), kind, Usage::Sso);
            assert!(!n.evidence[0].characteristics.is_empty());
        }
    }

    #[test]
    fn duplicates_are_dropped_in_order() {
        let n = normalize(
            &strings(&["hwk", "pwd", "hwk", "x", "x"]),
            IdpKind::Saml,
            Usage::Sso,
        );
        assert_eq!(n.amr, [Amr::Hwk, Amr::Pwd]);
        assert_eq!(n.ignored, ["x"]);
    }
}
