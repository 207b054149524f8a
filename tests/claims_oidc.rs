//! OIDC ID tokens: verification with generated keys, and every refusal with its kind and message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/claims/support.rs"]
mod support;

use jsonwebtoken::Algorithm;
use policyc::claims::{
    ClaimsError, IdpConfig, Limits, SignatureStatus, TrustedClaims, verify_id_token,
};
use policyc::model::catalogue::Amr;
use serde_json::{Value, json};
use support::*;

fn verify(token: &str, idp: &IdpConfig) -> Result<TrustedClaims, ClaimsError> {
    verify_id_token(token, idp, &all_jwks(), NOW, &limits())
}

/// Asserts a refusal by kind and by a fragment of its message (and that the token is not quoted).
#[track_caller]
fn refused(result: Result<TrustedClaims, ClaimsError>, kind: &str, fragment: &str) -> ClaimsError {
    let err = result.expect_err("expected a refusal");
    assert_eq!(err.kind().as_str(), kind, "{err}");
    assert!(
        err.message().contains(fragment),
        "message {:?} lacks {fragment:?}",
        err.message()
    );
    assert!(!err.message().ends_with('.'), "message ends with a period");
    let first = err.message().split(' ').next().unwrap_or_default();
    let acronym = first.len() > 1 && first.chars().all(|c| c.is_ascii_uppercase());
    assert!(
        acronym || !first.starts_with(|c: char| c.is_uppercase()),
        "message does not start lowercase: {}",
        err.message()
    );
    err
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

#[test]
fn rs256_token_is_verified_and_normalized() {
    let token = sign(rsa(), &id_claims(&["pwd", "hwk", "pwd", "Kerberos"]));
    let claims = verify(&token, &oidc_idp()).unwrap();
    assert_eq!(claims.idp, "corp");
    assert_eq!(claims.subject.as_deref(), Some("00uid4BxXw6I6TV4m0g3"));
    assert_eq!(claims.issued_at, Some(NOW - 10));
    assert_eq!(claims.auth_time, Some(NOW - 20));
    assert_eq!(claims.amr, [Amr::Pwd, Amr::Hwk]);
    assert_eq!(claims.ignored, ["Kerberos"]);
    assert_eq!(claims.evidence.len(), 2);
    assert_eq!(claims.signature, SignatureStatus::Verified);
}

#[test]
fn every_asymmetric_algorithm_verifies_by_the_key_type() {
    let claims = id_claims(&["pwd"]);
    for (key, alg) in [
        (rsa(), Algorithm::RS256),
        (ec(), Algorithm::ES256),
        (ed(), Algorithm::EdDSA),
    ] {
        let token = sign_with(key, alg, &claims);
        assert!(verify(&token, &oidc_idp()).is_ok(), "{alg:?}");
    }
    // A key without `alg` allows every algorithm of its type.
    let mut bare = rsa().jwk.clone();
    bare.as_object_mut().unwrap().remove("alg");
    for alg in [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ] {
        let token = sign_with(rsa(), alg, &claims);
        let result = verify_id_token(&token, &oidc_idp(), &jwks(&[&bare]), NOW, &limits());
        assert!(result.is_ok(), "{alg:?}: {result:?}");
    }
}

#[test]
fn alg_none_is_refused() {
    let token = raw_token(
        &json!({"alg": "none", "kid": "rsa-1"}),
        &id_claims(&["pwd"]),
        "",
    );
    refused(verify(&token, &oidc_idp()), "algorithm", "`alg` is `none`");
    let token = raw_token(&json!({"alg": "None"}), &id_claims(&["pwd"]), "");
    refused(
        verify(&token, &oidc_idp()),
        "algorithm",
        "unsigned tokens are refused",
    );
}

#[test]
fn hmac_with_the_public_key_as_secret_is_refused() {
    // The classic confusion: HS256 keyed with the RSA public key material.
    let secret = rsa().jwk["n"].as_str().unwrap().as_bytes().to_vec();
    let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".into());
    let token = jsonwebtoken::encode(
        &header,
        &id_claims(&["pwd"]),
        &jsonwebtoken::EncodingKey::from_secret(&secret).unwrap(),
    )
    .unwrap();
    refused(
        verify(&token, &oidc_idp()),
        "algorithm",
        "HMAC algorithms are refused",
    );
}

#[test]
fn a_symmetric_key_in_the_jwks_is_never_used() {
    let oct = json!({"kty": "oct", "kid": "oct-1", "k": "c2VjcmV0"});
    let token = raw_token(
        &json!({"alg": "RS256", "kid": "oct-1"}),
        &id_claims(&[]),
        "AAAA",
    );
    let result = verify_id_token(&token, &oidc_idp(), &jwks(&[&oct]), NOW, &limits());
    refused(result, "algorithm", "key `oct-1` is symmetric (`oct`)");
}

#[test]
fn algorithm_comes_from_the_key_not_the_token() {
    // RS384 against a key that declares RS256.
    let token = sign_with(rsa(), Algorithm::RS384, &id_claims(&["pwd"]));
    refused(
        verify(&token, &oidc_idp()),
        "algorithm",
        "`alg` is `RS384` but key `rsa-1` allows only `RS256`",
    );
    // ES256 claimed against an RSA key: the key's type decides.
    let token = raw_token(
        &json!({"alg": "ES256", "kid": "rsa-1"}),
        &id_claims(&[]),
        "AAAA",
    );
    refused(
        verify(&token, &oidc_idp()),
        "algorithm",
        "key `rsa-1` allows only `RS256`",
    );
}

#[test]
fn unknown_kid_is_refused() {
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.kid = Some("rotated-away".into());
    let token = jsonwebtoken::encode(&header, &id_claims(&[]), &rsa().encoding).unwrap();
    let err = refused(
        verify(&token, &oidc_idp()),
        "unknown-key",
        "no key with `kid` `rotated-away` in the jwks",
    );
    assert!(
        err.message().contains("`rsa-1`"),
        "lists the known ids: {err}"
    );
}

#[test]
fn missing_kid_uses_the_only_signing_key_and_refuses_ambiguity() {
    let header = jsonwebtoken::Header::new(Algorithm::RS256);
    let token = jsonwebtoken::encode(&header, &id_claims(&["pwd"]), &rsa().encoding).unwrap();
    let one = jwks(&[&rsa().jwk]);
    assert!(verify_id_token(&token, &oidc_idp(), &one, NOW, &limits()).is_ok());
    refused(
        verify(&token, &oidc_idp()),
        "unknown-key",
        "token has no `kid` and the jwks has 3 signing keys",
    );
}

#[test]
fn key_reference_headers_are_refused() {
    for header in ["jku", "x5u", "jwk", "x5c"] {
        let value = if header == "jwk" {
            rsa().jwk.clone()
        } else if header == "x5c" {
            json!(["MIIB"])
        } else {
            json!("https://attacker.example/keys")
        };
        let mut h = json!({"alg": "RS256", "kid": "rsa-1"});
        h[header] = value;
        let token = raw_token(&h, &id_claims(&[]), "AAAA");
        refused(
            verify(&token, &oidc_idp()),
            "unknown-key",
            &format!("header `{header}` is refused: keys come only from the idp's `jwks` file"),
        );
    }
}

#[test]
fn tampered_payload_is_refused() {
    let token = sign(rsa(), &id_claims(&["pwd"]));
    let parts: Vec<&str> = token.split('.').collect();
    let forged = b64(id_claims(&["pwd", "hwk"]).to_string().as_bytes());
    let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
    let err = refused(
        verify(&tampered, &oidc_idp()),
        "signature",
        "signature does not verify with key `rsa-1` (RS256)",
    );
    assert!(!err.message().contains(parts[1]) && !err.message().contains(parts[2]));
}

#[test]
fn tampered_signature_is_refused() {
    for key in [rsa(), ec(), ed()] {
        let token = sign(key, &id_claims(&["pwd"]));
        let (head, sig) = token.rsplit_once('.').unwrap();
        let mut bytes =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, sig).unwrap();
        bytes[5] ^= 0x01;
        let tampered = format!("{head}.{}", b64(&bytes));
        refused(
            verify(&tampered, &oidc_idp()),
            "signature",
            "signature does not verify",
        );
    }
    // Signed by another RSA key under the same `kid`.
    let claims = id_claims(&["pwd"]);
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    let token = jsonwebtoken::encode(&header, &claims, &rsa_other().encoding).unwrap();
    refused(
        verify(&token, &oidc_idp()),
        "signature",
        "does not verify with key `rsa-1`",
    );
}

#[test]
fn issuer_must_be_the_idps_string() {
    let token = sign(
        rsa(),
        &with(id_claims(&[]), "iss", json!("https://evil.example")),
    );
    refused(
        verify(&token, &oidc_idp()),
        "issuer",
        "`iss` is `https://evil.example`, expected `https://idp.example.okta.com`",
    );
    let token = sign(
        rsa(),
        &with(
            id_claims(&[]),
            "iss",
            json!([ISSUER, "https://evil.example"]),
        ),
    );
    refused(
        verify(&token, &oidc_idp()),
        "issuer",
        "`iss` must be a string, found an array",
    );
    let token = sign(rsa(), &without(id_claims(&[]), "iss"));
    refused(verify(&token, &oidc_idp()), "issuer", "no `iss` claim");
    let token = sign(rsa(), &id_claims(&[]));
    let unconfigured = IdpConfig {
        issuer: None,
        ..oidc_idp()
    };
    refused(
        verify(&token, &unconfigured),
        "issuer",
        "idp `corp` has no `issuer` configured",
    );
}

#[test]
fn audience_must_contain_the_idps() {
    let token = sign(rsa(), &with(id_claims(&[]), "aud", json!("someone-else")));
    refused(
        verify(&token, &oidc_idp()),
        "audience",
        "`aud` is [`someone-else`], expected it to contain `0oa1sp2client3id4`",
    );
    let token = sign(
        rsa(),
        &with(id_claims(&["pwd"]), "aud", json!(["other", AUDIENCE])),
    );
    assert!(verify(&token, &oidc_idp()).is_ok());
    let token = sign(rsa(), &without(id_claims(&[]), "aud"));
    refused(verify(&token, &oidc_idp()), "audience", "no `aud` claim");
    let token = sign(rsa(), &with(id_claims(&[]), "aud", json!(42)));
    refused(verify(&token, &oidc_idp()), "audience", "found a number");
}

#[test]
fn expiry_is_checked_with_the_idps_clock_skew() {
    let token = sign(rsa(), &with(id_claims(&["pwd"]), "exp", json!(NOW - 30)));
    refused(
        verify(&token, &oidc_idp()),
        "expired",
        "ID token expired at 2024-07-08T23:35:20Z (`exp` 1720481720)",
    );
    let skewed = IdpConfig {
        max_clock_skew: 60,
        ..oidc_idp()
    };
    assert!(verify(&token, &skewed).is_ok());
    // `exp` is exclusive.
    let token = sign(rsa(), &with(id_claims(&["pwd"]), "exp", json!(NOW)));
    refused(verify(&token, &oidc_idp()), "expired", "expired");
}

#[test]
fn not_before_is_checked_with_the_idps_clock_skew() {
    let token = sign(rsa(), &with(id_claims(&["pwd"]), "nbf", json!(NOW + 30)));
    refused(
        verify(&token, &oidc_idp()),
        "not-yet-valid",
        "ID token is not valid before 2024-07-08T23:36:20Z (`nbf` 1720481780)",
    );
    let skewed = IdpConfig {
        max_clock_skew: 60,
        ..oidc_idp()
    };
    assert!(verify(&token, &skewed).is_ok());
}

#[test]
fn required_claims_are_required() {
    for claim in ["exp", "sub"] {
        let token = sign(rsa(), &without(id_claims(&[]), claim));
        refused(
            verify(&token, &oidc_idp()),
            "malformed",
            &format!("ID token has no `{claim}` claim, which is required"),
        );
    }
    let token = sign(rsa(), &with(id_claims(&[]), "exp", json!("tomorrow")));
    refused(
        verify(&token, &oidc_idp()),
        "malformed",
        "`exp` must be a non-negative number",
    );
}

#[test]
fn amr_must_be_an_array_of_strings() {
    let token = sign(rsa(), &with(id_claims(&[]), "amr", json!("pwd")));
    refused(
        verify(&token, &oidc_idp()),
        "malformed",
        "`amr` must be an array of strings, found a string",
    );
    let token = sign(rsa(), &with(id_claims(&[]), "amr", json!(["pwd", 2])));
    refused(
        verify(&token, &oidc_idp()),
        "malformed",
        "found a number at index 1",
    );
    // `amr` absent: no claims, not an error. `auth_time` is optional.
    let token = sign(rsa(), &without(without(id_claims(&[]), "amr"), "auth_time"));
    let claims = verify(&token, &oidc_idp()).unwrap();
    assert!(claims.amr.is_empty() && claims.auth_time.is_none());
}

#[test]
fn size_is_capped_before_decoding() {
    let token = sign(rsa(), &id_claims(&["pwd"]));
    let small = Limits {
        max_token_bytes: 100,
        ..Limits::default()
    };
    refused(
        verify_id_token(&token, &oidc_idp(), &all_jwks(), NOW, &small),
        "limit",
        "over the `max_token_bytes` limit of 100 bytes",
    );
    let huge = "a".repeat(Limits::DEFAULT_BYTES + 1);
    refused(verify(&huge, &oidc_idp()), "limit", "`max_token_bytes`");
}

#[test]
fn shapes_that_are_not_a_signed_jwt_are_refused() {
    refused(
        verify("not-a-token", &oidc_idp()),
        "malformed",
        "must have 3 dot-separated parts, found 1",
    );
    refused(
        verify("a.b.c.d.e", &oidc_idp()),
        "encrypted",
        "ID token is encrypted (JWE)",
    );
    refused(
        verify("!!!.e30.AAAA", &oidc_idp()),
        "malformed",
        "header is not base64url",
    );
    let token = raw_token(
        &json!({"alg": "RS256", "kid": "rsa-1", "crit": ["exp"]}),
        &id_claims(&[]),
        "AAAA",
    );
    refused(verify(&token, &oidc_idp()), "malformed", "header `crit`");
}

#[test]
fn a_saml_idp_cannot_verify_an_id_token() {
    let token = sign(rsa(), &id_claims(&["pwd"]));
    refused(
        verify(&token, &saml_idp()),
        "unknown-idp",
        "idp `adfs` is of kind `saml`, which speaks SAML, not OIDC",
    );
}

#[test]
fn okta_auth_as_a_json_object() {
    let claims = with(
        id_claims(&["pwd"]),
        "okta_auth",
        json!({"amr": ["pwd", "hwk", "okta_verify"]}),
    );
    let claims = verify(&sign(rsa(), &claims), &okta_oidc_idp()).unwrap();
    // Read as an Okta org's authenticators: `pwd` is the password, a lone `hwk` a smart card (a
    // custom authenticator), `okta_verify` alone names no method; the top-level `amr` is not read.
    let methods: Vec<&str> = claims.methods.iter().map(|m| m.method.as_str()).collect();
    assert_eq!(methods, ["password"]);
    assert!(claims.amr.is_empty());
    assert_eq!(claims.ignored, ["hwk", "okta_verify", "pwd"]);
}

#[test]
fn okta_auth_as_a_signed_jwt_is_verified_with_the_same_jwks() {
    let inner = sign(
        ec(),
        &json!({"amr": ["okta_verify", "swk"], "exp": NOW + 60}),
    );
    let claims = with(id_claims(&[]), "okta_auth", json!(inner));
    let claims = verify(&sign(rsa(), &claims), &okta_oidc_idp()).unwrap();
    let methods: Vec<&str> = claims.methods.iter().map(|m| m.method.as_str()).collect();
    assert_eq!(methods, ["okta_verify.push"]);

    let forged = sign(
        &*Box::leak(Box::new(rsa_forger())),
        &json!({"amr": ["hwk"]}),
    );
    let claims = with(id_claims(&[]), "okta_auth", json!(forged));
    refused(
        verify(&sign(rsa(), &claims), &okta_oidc_idp()),
        "signature",
        "`okta_auth` signature does not verify",
    );
}

/// A key that claims `rsa-1`'s id but is another key.
fn rsa_forger() -> TestKey {
    let other = rsa_other();
    TestKey {
        kid: "rsa-1",
        alg: other.alg,
        encoding: other.encoding.clone(),
        jwk: other.jwk.clone(),
    }
}

#[test]
fn encrypted_okta_auth_says_how_to_pass_the_payload() {
    let claims = with(
        id_claims(&[]),
        "okta_auth",
        json!("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"),
    );
    let err = refused(
        verify(&sign(rsa(), &claims), &okta_oidc_idp()),
        "encrypted",
        "`okta_auth` is encrypted (JWE) and decryption is not supported",
    );
    assert!(err.message().contains("`--claims FILE`"));
    assert!(
        err.message().contains(r#"{"idp":"okta-idp","amr":[...]"#),
        "{err}"
    );
}

#[test]
fn a_third_party_idp_ignores_okta_auth() {
    let claims = with(id_claims(&["pwd"]), "okta_auth", json!({"amr": ["hwk"]}));
    let claims = verify(&sign(rsa(), &claims), &oidc_idp()).unwrap();
    assert_eq!(claims.amr, [Amr::Pwd]);
}

#[test]
fn the_jwks_must_be_a_key_set() {
    let token = sign(rsa(), &id_claims(&[]));
    let result = verify_id_token(&token, &oidc_idp(), "[]", NOW, &limits());
    refused(
        result,
        "malformed",
        "jwks must be a JSON object with a `keys` array",
    );
    let enc = with(rsa().jwk.clone(), "use", json!("enc"));
    let result = verify_id_token(&token, &oidc_idp(), &jwks(&[&enc]), NOW, &limits());
    refused(result, "unknown-key", "key `rsa-1` is not a signing key");
}
