//! Trusted claims: verify and normalize OIDC ID tokens and SAML assertions.
//!
//! What an IdP really sends (an ID token, a SAML response, or a claims file written by hand) is
//! turned into one normal form, [`TrustedClaims`], whose [`Evidence`] says which factor types and
//! method characteristics the claims prove, read from the AMR table of the catalogue for the
//! protocol they arrived over.
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
use error::json_type;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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
}

impl TrustedClaims {
    /// The factor types the claims prove together.
    pub fn factors(&self) -> FactorSet {
        self.evidence
            .iter()
            .fold(FactorSet::EMPTY, |acc, e| acc.union(e.factors))
    }
}

/// Deserializing re-derives `amr`, `ignored` and `evidence` from the values (never trusting a
/// stored `evidence`), and the result is always [`SignatureStatus::NotApplicable`]: nothing read
/// back from JSON was verified here.
impl TryFrom<Value> for TrustedClaims {
    type Error = ClaimsError;

    fn try_from(value: Value) -> Result<TrustedClaims, ClaimsError> {
        claims_from_value(value, None)
    }
}

/// Reads AMR values as they arrived over `protocol`: accepted values with their evidence, and
/// the rest as ignored. Duplicates are dropped, the order kept.
pub fn normalize(amr: &[String], protocol: Protocol) -> (Vec<Amr>, Vec<String>, Vec<Evidence>) {
    let mut accepted = Vec::new();
    let mut ignored: Vec<String> = Vec::new();
    let mut evidence: Vec<Evidence> = Vec::new();
    for value in amr {
        match Amr::parse(value).and_then(|a| a.evidence(protocol)) {
            Some(row) => {
                if accepted.contains(&row.amr) {
                    continue;
                }
                accepted.push(row.amr);
                evidence.push(Evidence {
                    amr: row.amr,
                    factors: row.factors,
                    characteristics: row.characteristics,
                    mfa_marker: row.mfa_marker,
                });
            }
            None => {
                if !ignored.contains(value) {
                    ignored.push(value.clone());
                }
            }
        }
    }
    let has_possession = evidence
        .iter()
        .any(|e| e.factors.contains(FactorType::Possession));
    if !has_possession {
        for e in &mut evidence {
            let needs_possession = e
                .amr
                .evidence(protocol)
                .is_some_and(|row| row.characteristics_need_possession);
            if needs_possession {
                e.characteristics = Characteristics::EMPTY;
            }
        }
    }
    (accepted, ignored, evidence)
}

/// Why `value` lands in `ignored` over `protocol`.
pub fn ignored_reason(value: &str, protocol: Protocol) -> String {
    if Amr::parse(value).is_some() {
        return format!(
            "Okta ignores `{value}` over {protocol}: it is not in the {protocol} AMR table"
        );
    }
    let lower = value.to_ascii_lowercase();
    if Amr::parse(&lower).is_some() {
        return format!("AMR values are case-sensitive: `{lower}` would be read");
    }
    "not an RFC 8176 value Okta reads (Okta authenticator names are not mapped)".to_owned()
}

/// Reads a claims file: `{"idp":"corp","amr":["pwd","hwk"],"auth_time":1720481750}`, or a
/// normal form printed by `policyc claims inspect --format json`. `idp`, when present, must name
/// `idp`; the protocol is the IdP's. Such claims carry no signature (`not-applicable`).
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

const CLAIMS_FIELDS: [&str; 10] = [
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
    let mut values = match obj.get("amr") {
        None => return Err(ClaimsError::malformed("claims have no `amr`")),
        Some(v) => string_array(v, "amr")?,
    };
    if let Some(v) = obj.get("ignored") {
        values.extend(string_array(v, "ignored")?);
    }
    let (amr, ignored, evidence) = normalize(&values, protocol);
    Ok(TrustedClaims {
        idp: name,
        protocol,
        subject: optional_string(&obj, "subject")?,
        issued_at: optional_time(&obj, "issued_at")?,
        auth_time: optional_time(&obj, "auth_time")?,
        amr,
        ignored,
        evidence,
        signature: SignatureStatus::NotApplicable,
        authn_context: optional_string(&obj, "authn_context")?,
    })
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
    fn oidc_biometric_alone_lends_no_characteristics() {
        let (_, _, ev) = normalize(&strings(&["face"]), Protocol::Oidc);
        assert_eq!(ev[0].characteristics, Characteristics::EMPTY);
        let (_, _, ev) = normalize(&strings(&["face", "hwk"]), Protocol::Oidc);
        assert!(!ev[0].characteristics.is_empty());
    }

    #[test]
    fn duplicates_are_dropped_in_order() {
        let (amr, ignored, _) =
            normalize(&strings(&["hwk", "pwd", "hwk", "x", "x"]), Protocol::Saml);
        assert_eq!(amr, [Amr::Hwk, Amr::Pwd]);
        assert_eq!(ignored, ["x"]);
    }
}
