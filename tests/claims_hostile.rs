//! Hostile input never panics: arbitrary bytes and mutated real inputs through every reader.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/claims/support.rs"]
mod support;

use policyc::claims::{from_json, read_saml, verify_id_token};
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
