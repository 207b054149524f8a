//! JWT edge cases that were refused with the wrong reason (or not at all): weak RSA keys, a
//! header that names `alg` or `kid` twice, and an unencoded payload (`b64: false`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/claims/support.rs"]
mod support;

use policyc::claims::{ErrorKind, verify_id_token};
use serde_json::{Value, json};
use support::*;

fn refusal(token: &str, jwks_json: &str) -> (ErrorKind, String) {
    let e = verify_id_token(token, &oidc_idp(), jwks_json, NOW, &limits()).unwrap_err();
    (e.kind(), e.message().to_owned())
}

/// The public JWK of `rsa()` with its modulus replaced by one of `bits` bits.
fn weak_jwk(bits: usize) -> Value {
    let mut n = vec![0xA5u8; bits.div_ceil(8)];
    // Only the top bit of the first byte set, so the modulus has exactly `bits` bits.
    let top = bits - 8 * (n.len() - 1);
    n[0] = 1 << (top - 1);
    let mut jwk = rsa().jwk.clone();
    jwk["n"] = json!(b64(&n));
    jwk
}

#[test]
fn rsa_keys_under_2048_bits_are_refused_as_weak() {
    let token = sign(rsa(), &id_claims(&["pwd"]));
    for bits in [512, 768, 1024, 2047] {
        let (kind, message) = refusal(&token, &jwks(&[&weak_jwk(bits)]));
        assert_eq!(kind, ErrorKind::UnknownKey, "{bits}: {message}");
        assert_eq!(
            message,
            format!(
                "key `rsa-1` is a {bits}-bit RSA key: RSA keys under 2048 bits are refused as weak"
            )
        );
    }
    // The real 2048-bit key verifies.
    assert!(verify_id_token(&token, &oidc_idp(), &jwks(&[&rsa().jwk]), NOW, &limits()).is_ok());
}

#[test]
fn a_duplicate_alg_or_kid_in_the_header_says_so() {
    let token = sign(rsa(), &id_claims(&["pwd"]));
    let (_, payload_and_sig) = token.split_once('.').unwrap();
    for (header, key) in [
        (r#"{"alg":"RS256","alg":"none","kid":"rsa-1"}"#, "alg"),
        (r#"{"alg":"RS256","kid":"rsa-1","kid":"rsa-2"}"#, "kid"),
    ] {
        let forged = format!("{}.{payload_and_sig}", b64(header.as_bytes()));
        let (kind, message) = refusal(&forged, &all_jwks());
        assert_eq!(kind, ErrorKind::Malformed);
        assert_eq!(
            message,
            format!(
                "ID token header has `{key}` more than once: each header parameter must appear once"
            )
        );
    }
}

#[test]
fn an_unencoded_payload_is_refused_as_unsupported() {
    let token = sign(rsa(), &id_claims(&["pwd"]));
    let (_, payload_and_sig) = token.split_once('.').unwrap();
    for header in [
        json!({"alg": "RS256", "kid": "rsa-1", "b64": false}),
        json!({"alg": "RS256", "kid": "rsa-1", "b64": false, "crit": ["b64"]}),
    ] {
        let forged = format!("{}.{payload_and_sig}", b64(header.to_string().as_bytes()));
        let (kind, message) = refusal(&forged, &all_jwks());
        assert_eq!(kind, ErrorKind::Malformed, "{message}");
        assert!(
            message.starts_with("ID token header `b64` is false (an unencoded payload, RFC 7797), which is not supported"),
            "{message}"
        );
    }
}
