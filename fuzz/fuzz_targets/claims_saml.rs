//! A SAML response (raw XML or base64) from bytes through `claims::read_saml`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policyc::claims::{IdpConfig, IdpKind, Limits, read_saml};

fuzz_target!(|data: &[u8]| {
    let mut idp = IdpConfig::new("adfs", IdpKind::Saml);
    idp.issuer = Some("http://www.okta.com/exk1idp2entity3".into());
    idp.audience = Some("https://sp.example.okta.com/sso/saml2/0oa1idp".into());
    let _ = read_saml(data, &idp, 1_720_481_750, &Limits::default());
});
