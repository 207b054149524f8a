//! Per-input cost of the claims layer: RS256 and ES256 ID token verification + normalization,
//! SAML response parsing + normalization unverified, and SAML XML-signature verification +
//! normalization per document (RSA-SHA256 2048 and ECDSA P-256, assertion signed; both signed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/fixtures/saml/signing.rs"]
mod signing;
#[path = "../tests/fixtures/claims/support.rs"]
mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use policyc::claims::{read_saml, verify_id_token};
use std::hint::black_box;
use support::*;

fn bench(c: &mut Criterion) {
    let jwks = all_jwks();
    let idp = oidc_idp();
    let limits = limits();
    let rs256 = sign(rsa(), &id_claims(&["pwd", "hwk", "face"]));
    let es256 = sign(ec(), &id_claims(&["pwd", "hwk", "face"]));
    c.bench_function("id_token_rs256", |b| {
        b.iter(|| verify_id_token(black_box(&rs256), &idp, &jwks, NOW, &limits).unwrap())
    });
    c.bench_function("id_token_es256", |b| {
        b.iter(|| verify_id_token(black_box(&es256), &idp, &jwks, NOW, &limits).unwrap())
    });
    let saml_idp = saml_idp();
    let doc = saml_with_amr(&["swk,pwd,sms", "phr"]);
    let unsigned = signing::without_placeholder(&doc);
    for (name, key, method, placement) in [
        (
            "saml_verified_rsa2048_sha256",
            "rsa2048",
            signing::RSA_SHA256,
            signing::Signed::Assertion,
        ),
        (
            "saml_verified_ec_p256_sha256",
            "ec-p256",
            signing::ECDSA_SHA256,
            signing::Signed::Assertion,
        ),
        (
            "saml_verified_both_rsa2048_sha256",
            "rsa2048",
            signing::RSA_SHA256,
            signing::Signed::Both,
        ),
    ] {
        let template = signing::Template::new(method, key);
        let signed = signing::signed(&unsigned, placement, &template, key);
        let keys = signing::keys_of(key);
        let verification = policyc::claims::SamlVerification::with_keys(&keys);
        c.bench_function(name, |b| {
            b.iter(|| {
                read_saml(
                    black_box(signed.as_bytes()),
                    &saml_idp,
                    NOW,
                    &limits,
                    &verification,
                )
                .unwrap()
            })
        });
    }
    c.bench_function("saml_response", |b| {
        b.iter(|| {
            read_saml(
                black_box(doc.as_bytes()),
                &saml_idp,
                NOW,
                &limits,
                &policyc::claims::SamlVerification::unverified(),
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
