//! Hostile input never panics: arbitrary bytes and mutated real inputs through every reader.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/saml/signing.rs"]
mod signing;
#[path = "fixtures/claims/support.rs"]
mod support;

use policyc::claims::{from_json, read_saml, verify_id_token};
use policyc::model::catalogue::Amr;
use proptest::prelude::*;
use support::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn saml_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_saml(&bytes, &saml_idp(), NOW, &limits(), &policyc::claims::SamlVerification::unverified());
    }

    #[test]
    fn saml_never_panics_on_a_mutated_response(at in 0usize..4000, byte in any::<u8>(), cut in 0usize..4000) {
        let mut doc = saml_with_amr(&["swk,pwd", "hwk"]).into_bytes();
        let at = at % doc.len();
        doc[at] = byte;
        doc.truncate(cut.max(1) % doc.len() + 1);
        let _ = read_saml(&doc, &saml_idp(), NOW, &limits(), &policyc::claims::SamlVerification::unverified());
    }

    #[test]
    fn verifying_a_mutated_signed_response_never_panics(at in 0usize..8000, byte in any::<u8>(), cut in 0usize..8000) {
        let (doc, keys) = signed_response();
        let mut doc = doc.clone().into_bytes();
        let at = at % doc.len();
        doc[at] = byte;
        doc.truncate(cut.max(1) % doc.len() + 1);
        let verification = policyc::claims::SamlVerification::with_keys(keys);
        // A change anywhere signed, or any truncation, is refused; a change outside the signed
        // assertion (the response envelope, the signature's KeyInfo) may verify, and then the
        // claims are exactly the signed ones.
        if let Ok(claims) = read_saml(&doc, &saml_idp(), NOW, &limits(), &verification) {
            prop_assert_eq!(claims.amr, [Amr::Swk, Amr::Pwd, Amr::Hwk]);
            prop_assert_eq!(claims.subject.as_deref(), Some("john.doe@example.com"));
            prop_assert_eq!(claims.issued_at, Some(NOW - 10));
        }
    }

    #[test]
    fn id_tokens_never_panic(token in "[A-Za-z0-9_.=-]{0,300}") {
        let _ = verify_id_token(&token, &oidc_idp(), &all_jwks(), NOW, &limits());
    }

    #[test]
    fn id_tokens_never_panic_on_mutation(at in 0usize..2000, c in "[A-Za-z0-9_.-]") {
        let mut token = sign(ec(), &id_claims(&["pwd"]));
        let at = at % token.len();
        token.replace_range(at..at + 1, &c);
        let _ = verify_id_token(&token, &oidc_idp(), &all_jwks(), NOW, &limits());
    }

    #[test]
    fn claims_files_never_panic(text in ".{0,200}") {
        let _ = from_json(&text, &oidc_idp());
    }
}

/// One response signed once (signing is slow in debug builds).
fn signed_response() -> &'static (String, policyc::claims::SigningKeys) {
    static DOC: std::sync::OnceLock<(String, policyc::claims::SigningKeys)> =
        std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let unsigned = signing::without_placeholder(&saml_with_amr(&["swk,pwd", "hwk"]));
        let doc = signing::signed(
            &unsigned,
            signing::Signed::Assertion,
            &signing::Template::new(signing::ECDSA_SHA256, "ec-p256"),
            "ec-p256",
        );
        (doc, signing::keys_of("ec-p256"))
    })
}
