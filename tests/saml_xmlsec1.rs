//! Differential test: `xmlsec1` (libxmlsec1, the reference XML-DSig implementation) and policyc
//! sign and verify the same SAML documents and must agree. Skipped, saying so, when `xmlsec1`
//! is not on the PATH (`.ci/run` installs it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/saml/signing.rs"]
mod signing;
#[path = "fixtures/claims/support.rs"]
mod support;

use policyc::claims::{Limits, SamlVerification, SignatureStatus, read_saml};
use signing::*;
use std::path::{Path, PathBuf};
use support::*;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policyc-xmlsec1-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn unsigned() -> String {
    without_placeholder(&saml_with_amr(&["pwd", "hwk"]))
}

/// policyc's verdict: `Ok(())` when verified, else the error kind.
fn policyc_verdict(doc: &str, cert: &str) -> Result<(), String> {
    let keys = keys_of(cert);
    read_saml(
        doc.as_bytes(),
        &saml_idp(),
        NOW,
        &Limits::default(),
        &SamlVerification::with_keys(&keys),
    )
    .map(|claims| assert_eq!(claims.signature, SignatureStatus::Verified))
    .map_err(|e| format!("{}: {}", e.kind(), e.message()))
}

fn xmlsec1_signed(
    xmlsec1: &Path,
    placement: Signed,
    template: &Template<'_>,
    key: &str,
    dir: &Path,
) -> String {
    let doc = unsigned();
    match placement {
        Signed::Both => {
            let inner = xmlsec1_sign(
                xmlsec1,
                &with_templates(&doc, Signed::Assertion, template),
                key,
                dir,
            );
            xmlsec1_sign(
                xmlsec1,
                &with_templates(&inner, Signed::Response, template),
                key,
                dir,
            )
        }
        one => xmlsec1_sign(xmlsec1, &with_templates(&doc, one, template), key, dir),
    }
}

const MATRIX: &[(&str, &str, &str)] = &[
    ("rsa2048", RSA_SHA256, SHA256),
    ("rsa2048", RSA_SHA512, SHA384),
    ("rsa3072", RSA_SHA384, SHA384),
    ("rsa4096", RSA_SHA512, SHA512),
    ("ec-p256", ECDSA_SHA256, SHA256),
    ("ec-p384", ECDSA_SHA384, SHA512),
];

#[test]
fn xmlsec1_and_policyc_agree() {
    let Some(xmlsec1) = xmlsec1() else {
        eprintln!("skipped: `xmlsec1` is not on the PATH (apt-get install xmlsec1)");
        return;
    };
    let dir = scratch("agree");
    let mut compared = 0;
    for &(key, method, digest) in MATRIX {
        let template = Template {
            digest,
            cert: key,
            ..Template::new(method, "rsa2048")
        };
        for placement in [Signed::Assertion, Signed::Response, Signed::Both] {
            let what = format!("{key} {method} {digest} {placement:?}");
            // Signed by xmlsec1, verified by both; signed by policyc's signer, verified by both.
            let by_xmlsec1 = xmlsec1_signed(&xmlsec1, placement, &template, key, &dir);
            let by_bergshamra = signed(&unsigned(), placement, &template, key);
            for (signer, doc) in [("xmlsec1", &by_xmlsec1), ("bergshamra", &by_bergshamra)] {
                // Valid: both accept.
                assert!(
                    xmlsec1_verifies(&xmlsec1, doc, key, &dir),
                    "{what} by {signer}: xmlsec1 refused"
                );
                assert_eq!(policyc_verdict(doc, key), Ok(()), "{what} by {signer}");
                // Tampered: both refuse.
                let tampered = doc.replace(">hwk<", ">sc<");
                assert_ne!(&tampered, doc);
                assert!(
                    !xmlsec1_verifies(&xmlsec1, &tampered, key, &dir),
                    "{what} by {signer}: xmlsec1 accepted tampered"
                );
                assert!(
                    policyc_verdict(&tampered, key)
                        .unwrap_err()
                        .starts_with("signature: "),
                    "{what} by {signer}"
                );
                // Wrong key: both refuse.
                let wrong = if key.starts_with("ec") {
                    "rsa2048"
                } else {
                    "other-rsa2048"
                };
                assert!(
                    !xmlsec1_verifies(&xmlsec1, doc, wrong, &dir),
                    "{what} by {signer}: xmlsec1 accepted the wrong key"
                );
                let verdict = policyc_verdict(doc, wrong).unwrap_err();
                assert!(
                    verdict.starts_with("unknown-key: ") || verdict.starts_with("signature: "),
                    "{what} by {signer}: {verdict}"
                );
                compared += 3;
            }
        }
    }
    // Wrapped. An evil assertion under the signed one's ID: xmlsec1 refuses the duplicate ID,
    // policyc refuses the document (`multiple-assertions`). The same evil assertion under a new
    // ID is a valid signature to xmlsec1, which checks signatures and not what a SAML reader
    // reads; policyc still refuses it (`multiple-assertions`), as it refuses every XSW shape.
    let template = Template::new(RSA_SHA256, "rsa2048");
    let doc = xmlsec1_signed(&xmlsec1, Signed::Assertion, &template, "rsa2048", &dir);
    let start = doc.find("<saml2:Assertion").unwrap();
    let evil = doc[start..doc.find("<ds:Signature").unwrap()].replace(">hwk<", ">sc<")
        + "</saml2:Assertion>";
    let same_id = format!("{}{evil}{}", &doc[..start], &doc[start..]);
    assert!(
        !xmlsec1_verifies(&xmlsec1, &same_id, "rsa2048", &dir),
        "xmlsec1 accepted a duplicate ID"
    );
    assert!(
        policyc_verdict(&same_id, "rsa2048")
            .unwrap_err()
            .starts_with("multiple-assertions: ")
    );
    let evil = evil.replace("ID=\"id1720481750abc\"", "ID=\"evil\"");
    let new_id = format!("{}{evil}{}", &doc[..start], &doc[start..]);
    assert!(xmlsec1_verifies(&xmlsec1, &new_id, "rsa2048", &dir));
    assert!(
        policyc_verdict(&new_id, "rsa2048")
            .unwrap_err()
            .starts_with("multiple-assertions: ")
    );
    compared += 2;
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("xmlsec1 and policyc agreed on {compared} verdicts");
}
