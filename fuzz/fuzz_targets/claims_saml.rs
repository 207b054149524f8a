//! A SAML response (raw XML or base64) from bytes through `claims::read_saml`: once read
//! unverified (the parser and the response checks), once against a signing certificate (the
//! signature profile and the verifier, which must refuse or read only what was signed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use policyc::claims::{IdpConfig, IdpKind, Limits, SamlVerification, SigningKeys, read_saml};
use std::sync::OnceLock;

fn keys() -> Option<&'static SigningKeys> {
    static KEYS: OnceLock<Option<SigningKeys>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pem = include_str!("../../tests/fixtures/saml/keys/rsa2048.pem");
        SigningKeys::from_pem(pem, "rsa2048.pem").ok()
    })
    .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let mut idp = IdpConfig::new("adfs", IdpKind::Saml);
    idp.issuer = Some("http://www.okta.com/exk1idp2entity3".into());
    idp.audience = Some("https://sp.example.okta.com/sso/saml2/0oa1idp".into());
    let now = 1_720_481_750;
    let _ = read_saml(data, &idp, now, &Limits::default(), &SamlVerification::unverified());
    if let Some(keys) = keys() {
        let _ = read_saml(data, &idp, now, &Limits::default(), &SamlVerification::with_keys(keys));
    }
});
