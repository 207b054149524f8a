//! OIDC ID tokens: the signature against the IdP's JWKS (the algorithm comes from the key, never
//! from the token alone), then every claim, checked here rather than by `jsonwebtoken`'s
//! `Validation`, whose defaults are too lax for OIDC (`iss` may be an array, no `nbf`, 60 s
//! leeway) and which reads the system clock (a fixed `now` must be honoured).

use super::error::json_type;
use super::limits::check_size;
use super::{
    ClaimsError, DeviceClaims, ErrorKind, IdpConfig, IdpKind, Limits, Protocol, SignatureStatus,
    TrustedClaims, check_protocol, normalize, okta_payload, optional_time, string_array,
    time_value,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use std::str::FromStr;

/// Header parameters that point at a key other than the IdP's own: always refused.
const KEY_REFERENCE_HEADERS: [&str; 4] = ["jku", "x5u", "jwk", "x5c"];

const RSA_ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// Verifies an ID token from `idp` against the IdP's JWKS (its JSON text) at the instant `now`
/// (Unix seconds) and reads its claims into the normal form.
pub fn verify_id_token(
    token: &str,
    idp: &IdpConfig,
    jwks_json: &str,
    now: u64,
    limits: &Limits,
) -> Result<TrustedClaims, ClaimsError> {
    check_protocol(idp, Protocol::Oidc)?;
    check_size(
        "ID token",
        token.len(),
        limits.max_token_bytes,
        "max_token_bytes",
    )?;
    check_size(
        "jwks",
        jwks_json.len(),
        limits.max_token_bytes,
        "max_token_bytes",
    )?;
    let token = token.trim();
    let jwks = Jwks::parse(jwks_json)?;
    let payload = verify_jws(token, &jwks, "ID token")?;

    check_issuer(&payload, idp)?;
    check_audience(&payload, idp)?;
    let exp = required(&payload, "exp")?;
    check_exp(time_value(exp, "exp")?, now, idp.max_clock_skew, "ID token")?;
    if let Some(nbf) = optional_time(&payload, "nbf")? {
        check_nbf(nbf, now, idp.max_clock_skew, "ID token")?;
    }
    let subject = match required(&payload, "sub")? {
        Value::String(s) => s.clone(),
        other => {
            return Err(ClaimsError::malformed(format!(
                "`sub` must be a string, found {}",
                json_type(other)
            )));
        }
    };
    let issued_at = optional_time(&payload, "iat")?;
    let auth_time = optional_time(&payload, "auth_time")?;

    let top_level = match payload.get("amr") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => string_array(v, "amr")?,
    };
    let (values, device, not_read) = match idp.kind {
        // An Okta org's claims travel in `okta_auth` only; its top-level `amr` is not read.
        IdpKind::OktaOidc => {
            let (values, device) = okta_auth(payload.get("okta_auth"), idp, &jwks, now)?;
            (values, device, top_level)
        }
        _ => (top_level, None, Vec::new()),
    };
    let mut normal = normalize(&values, idp.kind, idp.usage);
    for value in not_read {
        normal.ignore(
            &value,
            "an Okta IdP org's top-level `amr` is not a claims channel: the SP reads `okta_auth`",
        );
    }
    Ok(TrustedClaims {
        subject: Some(subject),
        issued_at,
        auth_time,
        device,
        signature: SignatureStatus::Verified,
        ..normal.into_claims(idp.name.clone(), Protocol::Oidc)
    })
}

/// The help for an encrypted payload, shared with SAML's `OktaAuth`.
pub(crate) fn encrypted_error(what: &str, idp: &str) -> ClaimsError {
    ClaimsError::new(
        ErrorKind::Encrypted,
        format!(
            "{what} is encrypted (JWE) and decryption is not supported: decrypt it with the idp org's key and pass the payload with `--claims FILE` as `{{\"idp\":\"{idp}\",\"amr\":[...],\"auth_time\":...}}`"
        ),
    )
}

/// Okta-to-Okta: `okta_auth` is a JSON object, or a JWT signed with the same JWKS, carrying `amr`
/// (and, early access, `device`).
fn okta_auth(
    value: Option<&Value>,
    idp: &IdpConfig,
    jwks: &Jwks,
    now: u64,
) -> Result<(Vec<String>, Option<DeviceClaims>), ClaimsError> {
    let amr_of = |obj: &Map<String, Value>| okta_payload(obj, "okta_auth");
    match value {
        None | Some(Value::Null) => Ok((Vec::new(), None)),
        Some(Value::Object(obj)) => amr_of(obj),
        Some(Value::String(s)) => match s.split('.').count() {
            5 => Err(encrypted_error("`okta_auth`", &idp.name)),
            3 => {
                let inner = verify_jws(s, jwks, "`okta_auth`")?;
                if let Some(exp) = optional_time(&inner, "exp")? {
                    check_exp(exp, now, idp.max_clock_skew, "`okta_auth`")?;
                }
                amr_of(&inner)
            }
            n => Err(ClaimsError::malformed(format!(
                "`okta_auth` must be a JSON object or a JWT, found a string of {n} dot-separated parts"
            ))),
        },
        Some(other) => Err(ClaimsError::malformed(format!(
            "`okta_auth` must be a JSON object or a JWT, found {}",
            json_type(other)
        ))),
    }
}

fn required<'a>(payload: &'a Map<String, Value>, key: &str) -> Result<&'a Value, ClaimsError> {
    match payload.get(key) {
        None | Some(Value::Null) => Err(ClaimsError::malformed(format!(
            "ID token has no `{key}` claim, which is required"
        ))),
        Some(v) => Ok(v),
    }
}

fn check_issuer(payload: &Map<String, Value>, idp: &IdpConfig) -> Result<(), ClaimsError> {
    let issuer_error = |m: String| ClaimsError::new(ErrorKind::Issuer, m);
    let Some(expected) = &idp.issuer else {
        return Err(issuer_error(format!(
            "idp `{}` has no `issuer` configured, so `iss` cannot be checked",
            idp.name
        )));
    };
    match payload.get("iss") {
        None | Some(Value::Null) => Err(issuer_error(
            "ID token has no `iss` claim, which is required".to_owned(),
        )),
        Some(Value::String(iss)) if iss == expected => Ok(()),
        Some(Value::String(iss)) => Err(issuer_error(format!(
            "`iss` is `{iss}`, expected `{expected}`"
        ))),
        Some(other) => Err(issuer_error(format!(
            "`iss` must be a string, found {}",
            json_type(other)
        ))),
    }
}

fn check_audience(payload: &Map<String, Value>, idp: &IdpConfig) -> Result<(), ClaimsError> {
    let audience_error = |m: String| ClaimsError::new(ErrorKind::Audience, m);
    let Some(expected) = &idp.audience else {
        return Err(audience_error(format!(
            "idp `{}` has no `audience` configured, so `aud` cannot be checked",
            idp.name
        )));
    };
    let found: Vec<&str> = match payload.get("aud") {
        None | Some(Value::Null) => {
            return Err(audience_error(
                "ID token has no `aud` claim, which is required".to_owned(),
            ));
        }
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(items)) => {
            let mut found = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => found.push(s.as_str()),
                    other => {
                        return Err(audience_error(format!(
                            "`aud` must be a string or an array of strings, found {} in the array",
                            json_type(other)
                        )));
                    }
                }
            }
            found
        }
        Some(other) => {
            return Err(audience_error(format!(
                "`aud` must be a string or an array of strings, found {}",
                json_type(other)
            )));
        }
    };
    if found.contains(&expected.as_str()) {
        return Ok(());
    }
    let list = found
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(audience_error(format!(
        "`aud` is [{list}], expected it to contain `{expected}`"
    )))
}

fn check_exp(exp: u64, now: u64, skew: u64, what: &str) -> Result<(), ClaimsError> {
    if now >= exp.saturating_add(skew) {
        return Err(ClaimsError::new(
            ErrorKind::Expired,
            format!(
                "{what} expired at {} (`exp` {exp}); now is {} ({now}), clock skew {skew}s",
                super::format_time(exp),
                super::format_time(now)
            ),
        ));
    }
    Ok(())
}

fn check_nbf(nbf: u64, now: u64, skew: u64, what: &str) -> Result<(), ClaimsError> {
    if now.saturating_add(skew) < nbf {
        return Err(ClaimsError::new(
            ErrorKind::NotYetValid,
            format!(
                "{what} is not valid before {} (`nbf` {nbf}); now is {} ({now}), clock skew {skew}s",
                super::format_time(nbf),
                super::format_time(now)
            ),
        ));
    }
    Ok(())
}

/// Verifies a compact JWS against the JWKS and returns its payload object.
fn verify_jws(token: &str, jwks: &Jwks, what: &str) -> Result<Map<String, Value>, ClaimsError> {
    let parts = token.split('.').count();
    if parts == 5 {
        return Err(ClaimsError::new(
            ErrorKind::Encrypted,
            format!(
                "{what} is encrypted (JWE), which is not supported: ID tokens must be signed JWTs"
            ),
        ));
    }
    if parts != 3 {
        return Err(ClaimsError::malformed(format!(
            "{what} must have 3 dot-separated parts, found {parts}"
        )));
    }
    let header_b64 = token.split('.').next().unwrap_or_default();
    let header_bytes = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| ClaimsError::malformed(format!("{what} header is not base64url")))?;
    let header: Map<String, Value> = serde_json::from_slice(&header_bytes)
        .map_err(|_| ClaimsError::malformed(format!("{what} header is not a JSON object")))?;
    // `serde_json` keeps the last of two `alg`s; the verifier would refuse the header with a
    // message about the payload. Say what is wrong.
    if let Some(key) = duplicate_key(&header_bytes) {
        return Err(ClaimsError::malformed(format!(
            "{what} header has `{key}` more than once: each header parameter must appear once"
        )));
    }

    let alg_name = match header.get("alg") {
        Some(Value::String(a)) => a.as_str(),
        None => {
            return Err(ClaimsError::new(
                ErrorKind::Algorithm,
                format!("{what} header has no `alg`"),
            ));
        }
        Some(other) => {
            return Err(ClaimsError::new(
                ErrorKind::Algorithm,
                format!(
                    "{what} header `alg` must be a string, found {}",
                    json_type(other)
                ),
            ));
        }
    };
    if alg_name.eq_ignore_ascii_case("none") {
        return Err(ClaimsError::new(
            ErrorKind::Algorithm,
            format!("{what} `alg` is `none`: unsigned tokens are refused"),
        ));
    }
    if alg_name.to_ascii_uppercase().starts_with("HS") {
        return Err(ClaimsError::new(
            ErrorKind::Algorithm,
            format!(
                "{what} `alg` is `{alg_name}`: HMAC algorithms are refused, the signature must verify with the idp's public key"
            ),
        ));
    }
    if let Some(h) = KEY_REFERENCE_HEADERS
        .iter()
        .find(|h| header.contains_key(**h))
    {
        return Err(ClaimsError::new(
            ErrorKind::UnknownKey,
            format!("{what} header `{h}` is refused: keys come only from the idp's `jwks` file"),
        ));
    }
    if header.get("b64") == Some(&Value::Bool(false)) {
        return Err(ClaimsError::malformed(format!(
            "{what} header `b64` is false (an unencoded payload, RFC 7797), which is not supported: ID tokens have a base64url payload"
        )));
    }
    if header.contains_key("crit") {
        return Err(ClaimsError::malformed(format!(
            "{what} header `crit` names extensions that are not understood"
        )));
    }
    let alg = Algorithm::from_str(alg_name).map_err(|_| {
        ClaimsError::new(
            ErrorKind::Algorithm,
            format!("{what} `alg` `{alg_name}` is not supported"),
        )
    })?;
    let kid = match header.get("kid") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) => Some(k.as_str()),
        Some(other) => {
            return Err(ClaimsError::malformed(format!(
                "{what} header `kid` must be a string, found {}",
                json_type(other)
            )));
        }
    };

    let key = jwks.select(kid)?;
    let allowed = key.algorithms()?;
    key.check_strength()?;
    if !allowed.contains(&alg) {
        let allowed = allowed
            .iter()
            .map(|a| format!("`{a:?}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ClaimsError::new(
            ErrorKind::Algorithm,
            format!(
                "{what} `alg` is `{alg_name}` but key `{}` allows only {allowed}",
                key.label()
            ),
        ));
    }
    let decoding_key = DecodingKey::from_jwk(&key.jwk).map_err(|_| {
        ClaimsError::new(
            ErrorKind::UnknownKey,
            format!(
                "key `{}` of the jwks is not a usable public key",
                key.label()
            ),
        )
    })?;

    // Only the signature is `jsonwebtoken`'s to check; the claims are checked above.
    let mut validation = Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, &decoding_key, &validation)
        .map_err(|e| jwt_error(e.kind(), what, &key.label(), alg))?;
    Ok(data.claims)
}

fn jwt_error(
    kind: &jsonwebtoken::errors::ErrorKind,
    what: &str,
    kid: &str,
    alg: Algorithm,
) -> ClaimsError {
    use jsonwebtoken::errors::ErrorKind as J;
    match kind {
        J::InvalidSignature => ClaimsError::new(
            ErrorKind::Signature,
            format!("{what} signature does not verify with key `{kid}` ({alg:?})"),
        ),
        J::InvalidAlgorithm | J::UnsupportedAlgorithm | J::InvalidAlgorithmName => {
            ClaimsError::new(
                ErrorKind::Algorithm,
                format!("{what} `alg` `{alg:?}` does not fit key `{kid}`"),
            )
        }
        J::InvalidEcdsaKey | J::InvalidEddsaKey | J::InvalidRsaKey(_) | J::InvalidKeyFormat => {
            ClaimsError::new(
                ErrorKind::UnknownKey,
                format!("key `{kid}` of the jwks is not a valid {alg:?} public key"),
            )
        }
        J::Base64(_) => ClaimsError::malformed(format!("{what} is not base64url")),
        J::Json(_) => ClaimsError::malformed(format!("{what} payload is not a JSON object")),
        J::Utf8(_) => ClaimsError::malformed(format!("{what} payload is not UTF-8")),
        _ => ClaimsError::new(
            ErrorKind::Signature,
            format!("{what} signature could not be verified with key `{kid}`"),
        ),
    }
}

/// A JWKS, read lazily: keys are only interpreted once selected, so an unrelated odd key
/// (an encryption key, an unknown type) does not break the set.
struct Jwks {
    keys: Vec<Map<String, Value>>,
}

struct SelectedKey<'a> {
    raw: &'a Map<String, Value>,
    jwk: Jwk,
}

impl Jwks {
    fn parse(json: &str) -> Result<Jwks, ClaimsError> {
        let value: Value =
            serde_json::from_str(json).map_err(|_| ClaimsError::malformed("jwks is not JSON"))?;
        let keys = match value.get("keys") {
            Some(Value::Array(keys)) => keys,
            _ => {
                return Err(ClaimsError::malformed(
                    "jwks must be a JSON object with a `keys` array",
                ));
            }
        };
        let keys = keys.iter().filter_map(|k| k.as_object().cloned()).collect();
        Ok(Jwks { keys })
    }

    fn select(&self, kid: Option<&str>) -> Result<SelectedKey<'_>, ClaimsError> {
        let raw = match kid {
            Some(kid) => {
                let found: Vec<_> = self
                    .keys
                    .iter()
                    .filter(|k| kid_of(k) == Some(kid))
                    .collect();
                match found.as_slice() {
                    [one] => *one,
                    [] => {
                        let known = self
                            .keys
                            .iter()
                            .filter_map(kid_of)
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>();
                        let known = if known.is_empty() {
                            "no key ids".to_owned()
                        } else {
                            known.join(", ")
                        };
                        return Err(ClaimsError::new(
                            ErrorKind::UnknownKey,
                            format!("no key with `kid` `{kid}` in the jwks (it has {known})"),
                        ));
                    }
                    many => {
                        return Err(ClaimsError::new(
                            ErrorKind::UnknownKey,
                            format!("the jwks has {} keys with `kid` `{kid}`", many.len()),
                        ));
                    }
                }
            }
            None => {
                let signing: Vec<_> = self
                    .keys
                    .iter()
                    .filter(|k| k.get("use").is_none_or(|u| u.as_str() == Some("sig")))
                    .collect();
                match signing.as_slice() {
                    [one] => *one,
                    _ => {
                        return Err(ClaimsError::new(
                            ErrorKind::UnknownKey,
                            format!(
                                "token has no `kid` and the jwks has {} signing keys, so none can be chosen",
                                signing.len()
                            ),
                        ));
                    }
                }
            }
        };
        let label = kid_of(raw).unwrap_or("(no kid)").to_owned();
        if let Some(u) = raw.get("use")
            && u.as_str() != Some("sig")
        {
            return Err(ClaimsError::new(
                ErrorKind::UnknownKey,
                format!("key `{label}` is not a signing key (`use` is not `sig`)"),
            ));
        }
        if let Some(ops) = raw.get("key_ops") {
            let verifies = ops
                .as_array()
                .is_some_and(|ops| ops.iter().any(|o| o.as_str() == Some("verify")));
            if !verifies {
                return Err(ClaimsError::new(
                    ErrorKind::UnknownKey,
                    format!("key `{label}` is not for verifying (`key_ops` lacks `verify`)"),
                ));
            }
        }
        if raw.get("kty").and_then(Value::as_str) == Some("oct") {
            return Err(ClaimsError::new(
                ErrorKind::Algorithm,
                format!("key `{label}` is symmetric (`oct`): HMAC keys never verify ID tokens"),
            ));
        }
        let jwk: Jwk = serde_json::from_value(Value::Object(raw.clone())).map_err(|_| {
            ClaimsError::new(
                ErrorKind::UnknownKey,
                format!("key `{label}` of the jwks is not a valid JWK"),
            )
        })?;
        Ok(SelectedKey { raw, jwk })
    }
}

fn kid_of(key: &Map<String, Value>) -> Option<&str> {
    key.get("kid").and_then(Value::as_str)
}

/// The first key that appears twice in a JSON object, if any (the object is known to parse).
fn duplicate_key(object: &[u8]) -> Option<String> {
    use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Duplicate(Option<String>);
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Duplicate;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Duplicate, A::Error> {
            let mut seen = std::collections::HashSet::new();
            let mut duplicate = None;
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                if !seen.insert(key.clone()) && duplicate.is_none() {
                    duplicate = Some(key);
                }
            }
            Ok(Duplicate(duplicate))
        }
    }
    impl<'de> Deserialize<'de> for Duplicate {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Duplicate, D::Error> {
            d.deserialize_map(Keys)
        }
    }
    serde_json::from_slice::<Duplicate>(object).ok()?.0
}

/// RSA keys shorter than this are refused as weak (NIST SP 800-131A; Okta's own keys are
/// 2048 bits).
const MIN_RSA_BITS: usize = 2048;

impl SelectedKey<'_> {
    /// Refuses an RSA key under [`MIN_RSA_BITS`] bits, before any signature check: a weak key
    /// must not verify anything, and must say so rather than "signature does not verify".
    fn check_strength(&self) -> Result<(), ClaimsError> {
        let AlgorithmParameters::RSA(rsa) = &self.jwk.algorithm else {
            return Ok(());
        };
        let modulus = URL_SAFE_NO_PAD
            .decode(rsa.n.trim_end_matches('='))
            .map_err(|_| {
                ClaimsError::new(
                    ErrorKind::UnknownKey,
                    format!(
                        "key `{}` of the jwks has a modulus `n` that is not base64url",
                        self.label()
                    ),
                )
            })?;
        let significant = modulus.iter().skip_while(|b| **b == 0).count();
        let bits = match modulus.iter().find(|b| **b != 0) {
            Some(first) => significant * 8 - first.leading_zeros() as usize,
            None => 0,
        };
        if bits < MIN_RSA_BITS {
            return Err(ClaimsError::new(
                ErrorKind::UnknownKey,
                format!(
                    "key `{}` is a {bits}-bit RSA key: RSA keys under {MIN_RSA_BITS} bits are refused as weak",
                    self.label()
                ),
            )
            .with_help("ask the IdP to rotate to a key of 2048 bits or more, and update the `jwks` file"));
        }
        Ok(())
    }

    fn label(&self) -> String {
        self.raw
            .get("kid")
            .and_then(Value::as_str)
            .unwrap_or("(no kid)")
            .to_owned()
    }

    /// The algorithms this key may verify: its `alg` when it has one, else those of its type
    /// and curve. The token's `alg` must be one of them.
    fn algorithms(&self) -> Result<Vec<Algorithm>, ClaimsError> {
        let label = self.label();
        let by_type: Vec<Algorithm> = match &self.jwk.algorithm {
            AlgorithmParameters::RSA(_) => RSA_ALGORITHMS.to_vec(),
            AlgorithmParameters::EllipticCurve(p) => match p.curve {
                EllipticCurve::P256 => vec![Algorithm::ES256],
                EllipticCurve::P384 => vec![Algorithm::ES384],
                _ => {
                    return Err(ClaimsError::new(
                        ErrorKind::Algorithm,
                        format!(
                            "key `{label}` uses an elliptic curve that is not supported (only `P-256` and `P-384`)"
                        ),
                    ));
                }
            },
            AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                vec![Algorithm::EdDSA]
            }
            AlgorithmParameters::OctetKey(_) => {
                return Err(ClaimsError::new(
                    ErrorKind::Algorithm,
                    format!("key `{label}` is symmetric (`oct`): HMAC keys never verify ID tokens"),
                ));
            }
            _ => {
                return Err(ClaimsError::new(
                    ErrorKind::UnknownKey,
                    format!("key `{label}` has a key type that is not supported"),
                ));
            }
        };
        match self.raw.get("alg").and_then(Value::as_str) {
            None => Ok(by_type),
            Some(declared) => match Algorithm::from_str(declared) {
                Ok(a) if by_type.contains(&a) => Ok(vec![a]),
                _ => Err(ClaimsError::new(
                    ErrorKind::Algorithm,
                    format!(
                        "key `{label}` declares `alg` `{declared}`, which does not fit its key type"
                    ),
                )),
            },
        }
    }
}
