//! SAML XML signatures: what verifies, every refusal with its error kind (table-driven), the
//! signature-wrapping (XSW) suite, and reading only what was signed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/saml/signing.rs"]
mod signing;
#[path = "fixtures/claims/support.rs"]
mod support;

use policyc::claims::{
    ClaimsError, Limits, SamlVerification, SignatureStatus, SigningKeys, TrustedClaims, read_saml,
};
use policyc::model::catalogue::Amr;
use signing::*;
use support::*;

fn unsigned(amr: &[&str]) -> String {
    without_placeholder(&saml_with_amr(amr))
}

fn verify_with(
    doc: &str,
    keys: &SigningKeys,
    allow_sha1: bool,
) -> Result<TrustedClaims, ClaimsError> {
    let verification = SamlVerification {
        allow_sha1,
        ..SamlVerification::with_keys(keys)
    };
    read_saml(
        doc.as_bytes(),
        &saml_idp(),
        NOW,
        &Limits::default(),
        &verification,
    )
}

fn verify(doc: &str, cert: &str) -> Result<TrustedClaims, ClaimsError> {
    verify_with(doc, &keys_of(cert), false)
}

#[test]
fn a_signed_assertion_verifies_and_says_so() {
    let doc = signed(
        &unsigned(&["pwd", "hwk"]),
        Signed::Assertion,
        &Template::new(RSA_SHA256, "rsa2048"),
        "rsa2048",
    );
    let claims = verify(&doc, "rsa2048").unwrap();
    assert_eq!(claims.signature, SignatureStatus::Verified);
    assert_eq!(claims.amr, [Amr::Pwd, Amr::Hwk]);
    assert_eq!(claims.subject.as_deref(), Some("john.doe@example.com"));
}

fn idp_verify(doc: &str, cert: &str, allow_sha1: bool) -> Result<TrustedClaims, ClaimsError> {
    verify_with(doc, &keys_of(cert), allow_sha1)
}

#[test]
fn every_accepted_key_size_algorithm_and_placement_verifies() {
    let cases: &[(&str, &str, &str)] = &[
        ("rsa2048", RSA_SHA256, SHA256),
        ("rsa2048", RSA_SHA384, SHA384),
        ("rsa2048", RSA_SHA512, SHA512),
        ("rsa3072", RSA_SHA256, SHA512),
        ("rsa3072", RSA_SHA384, SHA256),
        ("rsa4096", RSA_SHA512, SHA384),
        ("rsa4096", RSA_SHA256, SHA256),
        ("ec-p256", ECDSA_SHA256, SHA256),
        ("ec-p256", ECDSA_SHA512, SHA512),
        ("ec-p384", ECDSA_SHA384, SHA384),
        ("ec-p384", ECDSA_SHA256, SHA256),
    ];
    for &(key, method, digest) in cases {
        for placement in [Signed::Assertion, Signed::Response, Signed::Both] {
            let template = Template {
                digest,
                ..Template::new(method, "rsa2048")
            };
            let template = Template {
                cert: key,
                ..template
            };
            let doc = signed(&unsigned(&["pwd", "hwk"]), placement, &template, key);
            let claims = idp_verify(&doc, key, false)
                .unwrap_or_else(|e| panic!("{key} {method} {digest} {placement:?}: {e}"));
            assert_eq!(claims.signature, SignatureStatus::Verified);
            assert_eq!(
                claims.amr,
                [Amr::Pwd, Amr::Hwk],
                "{key} {method} {placement:?}"
            );
        }
    }
}

#[test]
fn a_rollover_lists_both_certificates_and_either_verifies() {
    let mut keys = keys_of("other-rsa2048");
    keys.extend(keys_of("rsa2048"));
    let doc = signed(
        &unsigned(&["pwd"]),
        Signed::Assertion,
        &Template::new(RSA_SHA256, "rsa2048"),
        "rsa2048",
    );
    assert_eq!(
        verify_with(&doc, &keys, false).unwrap().signature,
        SignatureStatus::Verified
    );
}

#[test]
fn sha1_is_accepted_only_when_allowed() {
    let template = Template {
        digest: SHA1,
        ..Template::new(RSA_SHA1, "rsa2048")
    };
    let doc = signed(&unsigned(&["pwd"]), Signed::Assertion, &template, "rsa2048");
    let err = idp_verify(&doc, "rsa2048", false).unwrap_err();
    assert_eq!(err.kind().as_str(), "weak-algorithm", "{err}");
    assert_eq!(
        idp_verify(&doc, "rsa2048", true).unwrap().signature,
        SignatureStatus::Verified
    );
}

/// A document refused, the kind it gets, and a piece of the message.
struct Refusal {
    name: &'static str,
    doc: String,
    cert: &'static str,
    kind: &'static str,
    says: &'static str,
}

fn sign_assertion(doc: &str) -> String {
    signed(
        doc,
        Signed::Assertion,
        &Template::new(RSA_SHA256, "rsa2048"),
        "rsa2048",
    )
}

fn signed_with(template: Template<'_>) -> String {
    signed(&unsigned(&["pwd"]), Signed::Assertion, &template, "rsa2048")
}

fn refusals() -> Vec<Refusal> {
    let good = sign_assertion(&unsigned(&["pwd", "otp"]));
    let both = signed(
        &unsigned(&["pwd"]),
        Signed::Both,
        &Template::new(RSA_SHA256, "rsa2048"),
        "rsa2048",
    );
    let r = |name, doc: String, kind, says| Refusal {
        name,
        doc,
        cert: "rsa2048",
        kind,
        says,
    };
    vec![
        r("unsigned", unsigned(&["pwd"]), "signature", "is not signed"),
        r("tampered value", good.replace(">pwd<", ">hwk<"), "signature", "does not verify"),
        r("tampered attribute", good.replace("NotOnOrAfter=\"2024-07-08T23:40:50.123Z\">", "NotOnOrAfter=\"2034-07-08T23:40:50.123Z\">"), "signature", "does not verify"),
        r("tampered unsigned response around a signed assertion", both.replace("Destination=\"https://sp.example.okta.com/sso/saml2/0oa1idp\"", "Destination=\"https://evil.example.com/\""), "signature", "`Response`'s signature does not verify"),
        Refusal { name: "wrong key, its own certificate", doc: signed(&unsigned(&["pwd"]), Signed::Assertion, &Template::new(RSA_SHA256, "other-rsa2048"), "other-rsa2048"), cert: "rsa2048", kind: "unknown-key", says: "not among idp `adfs`'s certificates" },
        Refusal { name: "wrong key, naming the idp's certificate", doc: signed(&unsigned(&["pwd"]), Signed::Assertion, &Template::new(RSA_SHA256, "rsa2048"), "other-rsa2048"), cert: "rsa2048", kind: "signature", says: "does not verify" },
        Refusal { name: "ecdsa key, rsa certificate", doc: signed(&unsigned(&["pwd"]), Signed::Assertion, &Template::new(ECDSA_SHA256, "ec-p256"), "ec-p256"), cert: "rsa2048", kind: "unknown-key", says: "not among" },
        r("rsa-sha1", signed_with(Template::new(RSA_SHA1, "rsa2048")), "weak-algorithm", "uses SHA-1"),
        r("sha1 digest", signed_with(Template { digest: SHA1, ..Template::new(RSA_SHA256, "rsa2048") }), "weak-algorithm", "uses SHA-1"),
        r("inclusive c14n of SignedInfo", signed_with(Template { c14n: INCLUSIVE_C14N, ..Template::new(RSA_SHA256, "rsa2048") }), "transform", "only exclusive C14N"),
        r("inclusive c14n transform", signed_with(Template { transforms: &[ENVELOPED, INCLUSIVE_C14N], ..Template::new(RSA_SHA256, "rsa2048") }), "transform", "only enveloped-signature and exclusive C14N"),
        r("no enveloped transform", good.replace(&format!(r#"<ds:Transform Algorithm="{ENVELOPED}"/>"#), ""), "transform", "lacks the enveloped-signature transform"),
        r("no exclusive c14n transform", signed_with(Template { transforms: &[ENVELOPED], ..Template::new(RSA_SHA256, "rsa2048") }), "transform", "lacks the exclusive C14N transform"),
        r("xpath transform", good.replace(&format!(r#"<ds:Transform Algorithm="{ENVELOPED}"/>"#), &format!(r#"<ds:Transform Algorithm="{ENVELOPED}"/><ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>1</ds:XPath></ds:Transform>"#)), "transform", "REC-xpath"),
        r("hmac", good.replace(RSA_SHA256, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"), "algorithm", "is not accepted"),
        r("md5", good.replace(RSA_SHA256, "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"), "weak-algorithm", "broken"),
        r("reference to another element", good.replace("URI=\"#id1720481750abc\"", "URI=\"#id1720481750resp\""), "signature", "not the `Assertion` that holds it"),
        r("two references", good.replace("</ds:Reference>", "</ds:Reference><ds:Reference URI=\"#x\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference>"), "signature", "exactly one"),
        r("status responder", sign_assertion(&unsigned(&["pwd"]).replace("status:Success\"/>", "status:Responder\"><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:AuthnFailed\"/></saml2p:StatusCode>")), "status", "`urn:oasis:names:tc:SAML:2.0:status:Responder` (`urn:oasis:names:tc:SAML:2.0:status:AuthnFailed`)"),
        r("no status", sign_assertion(&unsigned(&["pwd"]).replace("<saml2p:Status><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></saml2p:Status>", "")), "malformed", "has no `Status`"),
        r("two assertion issuers", sign_assertion(&unsigned(&["pwd"]).replacen("</saml2:Issuer><saml2:Subject>", &format!("</saml2:Issuer><saml2:Issuer>{SAML_ISSUER}</saml2:Issuer><saml2:Subject>"), 1)), "malformed", "2 `Issuer` elements"),
        r("two response issuers", sign_assertion(&unsigned(&["pwd"]).replacen("<saml2p:Status>", &format!("<saml2:Issuer xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\">{SAML_ISSUER}</saml2:Issuer><saml2p:Status>"), 1)), "malformed", "`Response` has 2 `Issuer` elements"),
        r("two conditions", sign_assertion(&unsigned(&["pwd"]).replace("</saml2:Conditions>", "</saml2:Conditions><saml2:Conditions/>")), "malformed", "2 `Conditions` elements"),
        r("second conditions expired", sign_assertion(&unsigned(&["pwd"]).replace("</saml2:Conditions>", "</saml2:Conditions><saml2:Conditions NotOnOrAfter=\"2020-01-01T00:00:00Z\"/>")), "malformed", "2 `Conditions` elements"),
        r("subject confirmation expired", sign_assertion(&unsigned(&["pwd"]).replace("SubjectConfirmationData NotOnOrAfter=\"2024-07-08T23:40:50.123Z\"", "SubjectConfirmationData NotOnOrAfter=\"2024-07-08T23:35:00Z\"")), "expired", "`SubjectConfirmationData@NotOnOrAfter`"),
        r("recipient elsewhere", sign_assertion(&unsigned(&["pwd"]).replace("Recipient=\"https://sp.example.okta.com/sso/saml2/0oa1idp\"", "Recipient=\"https://other.example.com/acs\"")), "audience", "`SubjectConfirmationData@Recipient` is `https://other.example.com/acs`"),
        r("raw control character", good.replace("john.doe@example.com", "john.doe@example.com\u{1}admin"), "malformed", "control character U+0001"),
        r("control character reference", good.replace("john.doe@example.com", "john.doe@example.com&#x8;"), "malformed", ""),
        r("duplicate ID elsewhere", good.replace("<saml2p:Status>", "<saml2p:Extensions><x:Copy xmlns:x=\"urn:x\" ID=\"id1720481750abc\"/></saml2p:Extensions><saml2p:Status>"), "malformed", "same ID"),
        r("signature in an extension", good.replace("<saml2p:Status>", &format!("<saml2p:Extensions>{}</saml2p:Extensions><saml2p:Status>", Template::new(RSA_SHA256, "rsa2048").xml("id1720481750abc"))), "signature", "the signature-wrapping shape"),
    ]
}

#[test]
fn every_refusal_has_its_kind() {
    for case in refusals() {
        let err = match idp_verify(&case.doc, case.cert, false) {
            Ok(claims) => panic!("{}: accepted {:?}", case.name, claims.amr),
            Err(e) => e,
        };
        assert_eq!(err.kind().as_str(), case.kind, "{}: {err}", case.name);
        assert!(err.message().contains(case.says), "{}: {err}", case.name);
    }
}

#[test]
fn without_a_certificate_saml_is_refused_unless_allowed() {
    let doc = unsigned(&["pwd"]);
    let err = read_saml(
        doc.as_bytes(),
        &saml_idp(),
        NOW,
        &Limits::default(),
        &SamlVerification::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind().as_str(), "unverified");
    assert!(err.help().unwrap().contains("--allow-unverified"));
    let claims = read_saml(
        doc.as_bytes(),
        &saml_idp(),
        NOW,
        &Limits::default(),
        &SamlVerification::unverified(),
    )
    .unwrap();
    assert_eq!(claims.signature, SignatureStatus::Unverified);
}

/// The signed document, the original assertion (with its signature), and an evil copy (no
/// signature, other values, ID `evil`).
fn xsw_parts(placement: Signed) -> (String, String, String) {
    let doc = signed(
        &unsigned(&["pwd"]),
        placement,
        &Template::new(RSA_SHA256, "rsa2048"),
        "rsa2048",
    );
    let start = doc.find("<saml2:Assertion").unwrap();
    let end = doc.find("</saml2:Assertion>").unwrap() + "</saml2:Assertion>".len();
    let original = doc[start..end].to_owned();
    let evil = strip_signature(&original)
        .replace(">pwd<", ">hwk<")
        .replace("john.doe@example.com", "admin@example.com")
        .replace("ID=\"id1720481750abc\"", "ID=\"evil\"");
    (doc, original, evil)
}

fn strip_signature(element: &str) -> String {
    match (
        element.find("<ds:Signature"),
        element.find("</ds:Signature>"),
    ) {
        (Some(s), Some(e)) => format!(
            "{}{}",
            &element[..s],
            &element[e + "</ds:Signature>".len()..]
        ),
        _ => element.to_owned(),
    }
}

fn signature_of(element: &str) -> String {
    let s = element.find("<ds:Signature").unwrap();
    let e = element.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    element[s..e].to_owned()
}

/// XSW1–XSW8 as published ("On Breaking SAML: Be Whoever You Want to Be", Somorovsky et al.,
/// USENIX Security 2012; the shapes SAML Raider generates), each with the kind it gets.
fn xsw_attacks() -> Vec<(&'static str, String)> {
    let mut attacks = Vec::new();
    // XSW1, XSW2: the Response is signed; the original Response moves into (XSW1) or beside
    // (XSW2) the signature of an evil Response.
    let (doc, _, evil) = xsw_parts(Signed::Response);
    let response_start = doc.find("<saml2p:Response").unwrap();
    let response = &doc[response_start..];
    let signature = signature_of(response);
    let original_unsigned = strip_signature(response);
    let evil_response = |inside: bool| {
        let carried = original_unsigned.clone();
        let sig = if inside {
            signature.replace(
                "</ds:Signature>",
                &format!("<ds:Object>{carried}</ds:Object></ds:Signature>"),
            )
        } else {
            format!("{carried}{signature}")
        };
        let start = original_unsigned.find("<saml2:Assertion").unwrap();
        let end =
            original_unsigned.find("</saml2:Assertion>").unwrap() + "</saml2:Assertion>".len();
        let mut outer = format!(
            "{}{}{}",
            &original_unsigned[..start],
            evil,
            &original_unsigned[end..]
        );
        outer = outer.replacen("ID=\"id1720481750resp\"", "ID=\"evilresp\"", 1);
        let issuer_end = outer.find("</saml2:Issuer>").unwrap() + "</saml2:Issuer>".len();
        outer.insert_str(issuer_end, &sig);
        format!("{}{outer}", &doc[..response_start])
    };
    attacks.push(("XSW1", evil_response(true)));
    attacks.push(("XSW2", evil_response(false)));

    // XSW3–XSW8: the Assertion is signed.
    let (doc, original, evil) = xsw_parts(Signed::Assertion);
    let around = |replacement: &str| doc.replace(&original, replacement);
    let original_unsigned = strip_signature(&original);
    let signature = signature_of(&original);
    let evil_with_signature = |sig: &str| {
        let at = evil.find("</saml2:Issuer>").unwrap() + "</saml2:Issuer>".len();
        format!("{}{sig}{}", &evil[..at], &evil[at..])
    };
    // XSW3: an evil assertion before the signed one.
    attacks.push(("XSW3", around(&format!("{evil}{original}"))));
    // XSW4: the signed assertion inside the evil one.
    attacks.push((
        "XSW4",
        around(&evil.replace(
            "</saml2:Assertion>",
            &format!("{original}</saml2:Assertion>"),
        )),
    ));
    // XSW5: the evil assertion carries the signature; the original (unsigned) is appended.
    attacks.push((
        "XSW5",
        doc.replace(&original, &evil_with_signature(&signature))
            .replace(
                "</saml2p:Response>",
                &format!("{original_unsigned}</saml2p:Response>"),
            ),
    ));
    // XSW6: the evil assertion carries the signature, the original inside it.
    attacks.push((
        "XSW6",
        around(&evil_with_signature(&signature.replace(
            "</ds:Signature>",
            &format!("{original_unsigned}</ds:Signature>"),
        ))),
    ));
    // XSW7: the signed assertion hidden in an `Extensions`, the evil one read.
    attacks.push((
        "XSW7",
        around(&format!(
            "<saml2p:Extensions>{original}</saml2p:Extensions>{evil}"
        )),
    ));
    // XSW8: the evil assertion carries the signature, the original in its `ds:Object`.
    attacks.push((
        "XSW8",
        around(&evil_with_signature(&signature.replace(
            "</ds:Signature>",
            &format!("<ds:Object>{original_unsigned}</ds:Object></ds:Signature>"),
        ))),
    ));
    attacks
}

#[test]
fn xsw1_to_xsw8_are_refused_with_their_kinds() {
    let expected = [
        ("XSW1", "multiple-assertions"),
        ("XSW2", "multiple-assertions"),
        ("XSW3", "multiple-assertions"),
        ("XSW4", "multiple-assertions"),
        ("XSW5", "multiple-assertions"),
        ("XSW6", "multiple-assertions"),
        ("XSW7", "multiple-assertions"),
        ("XSW8", "multiple-assertions"),
    ];
    let attacks = xsw_attacks();
    assert_eq!(attacks.len(), expected.len());
    for ((name, doc), (want_name, kind)) in attacks.iter().zip(expected) {
        assert_eq!(*name, want_name);
        let err = match idp_verify(doc, "rsa2048", false) {
            Ok(claims) => panic!("{name} accepted: {claims:?}"),
            Err(e) => e,
        };
        assert_eq!(err.kind().as_str(), kind, "{name}: {err}");
    }
}

#[test]
fn a_single_moved_assertion_is_refused_too() {
    // The signed assertion alone, moved under an `Extensions`: one assertion, signature
    // misplaced, not the `Response`'s child.
    let (doc, original, _) = xsw_parts(Signed::Assertion);
    let moved = doc.replace(
        &original,
        &format!("<saml2p:Extensions>{original}</saml2p:Extensions>"),
    );
    let err = idp_verify(&moved, "rsa2048", false).unwrap_err();
    assert_eq!(err.kind().as_str(), "malformed", "{err}");
    // The Response's signature pointing at the assertion instead of the Response.
    let doc = signed(
        &unsigned(&["pwd"]),
        Signed::Response,
        &Template::new(RSA_SHA256, "rsa2048"),
        "rsa2048",
    );
    let err = idp_verify(
        &doc.replace("URI=\"#id1720481750resp\"", "URI=\"#id1720481750abc\""),
        "rsa2048",
        false,
    )
    .unwrap_err();
    assert_eq!(err.kind().as_str(), "signature", "{err}");
}

#[test]
fn a_comment_inside_a_signed_value_reads_the_signed_text_whole() {
    // CVE-2017-11427 and kin: a reader that stops at the comment sees `john.doe@example.com`.
    let doc =
        unsigned(&["pwd,hwk"]).replace("john.doe@example.com", "john.doe@example.com.evil.com");
    let signed_doc = sign_assertion(&doc);
    let commented = signed_doc
        .replace(
            "john.doe@example.com.evil.com",
            "john.doe@example.com<!---->.evil.com",
        )
        .replace("pwd,hwk", "pwd<!-- -->,hwk");
    assert_ne!(commented, signed_doc);
    let claims = idp_verify(&commented, "rsa2048", false).unwrap();
    assert_eq!(
        claims.subject.as_deref(),
        Some("john.doe@example.com.evil.com")
    );
    assert_eq!(claims.amr, [Amr::Pwd, Amr::Hwk]);
    // A comment that splits a value in two is the same signed text.
    let split = signed_doc.replace(">pwd,hwk<", ">pwd,<!-- x -->hwk<");
    assert_eq!(
        idp_verify(&split, "rsa2048", false).unwrap().amr,
        [Amr::Pwd, Amr::Hwk]
    );
}

#[test]
fn the_claims_are_read_from_the_signed_bytes() {
    // A namespace prefix redeclared outside the signed element does not change what is read:
    // the canonical form carries the namespaces the assertion uses.
    let doc = sign_assertion(&unsigned(&["pwd", "hwk"]));
    let claims = idp_verify(&doc, "rsa2048", false).unwrap();
    assert_eq!(claims.amr, [Amr::Pwd, Amr::Hwk]);
    // Base64 as posted verifies the same.
    use base64::Engine;
    let posted = base64::engine::general_purpose::STANDARD.encode(&doc);
    assert_eq!(
        idp_verify(&posted, "rsa2048", false).unwrap().amr,
        [Amr::Pwd, Amr::Hwk]
    );
}

/// An `AuthnContext` holding `decl` inside `AuthnContextDecl`, in a signed response.
fn signed_okta_auth(decl: &str) -> String {
    let doc = unsigned(&["sms"]);
    let context = format!(
        r#"<saml2:AuthnContext><saml2:AuthnContextClassRef>urn:okta:app:mfa:attestation</saml2:AuthnContextClassRef><saml2:AuthnContextDecl><AuthenticationContextDeclaration xmlns="urn:oasis:names:tc:SAML:2.0:ac"><Extension>{decl}</Extension></AuthenticationContextDeclaration></saml2:AuthnContextDecl></saml2:AuthnContext>"#
    );
    let start = doc.find("<saml2:AuthnContext>").unwrap();
    let end = doc.find("</saml2:AuthnContext>").unwrap() + "</saml2:AuthnContext>".len();
    sign_assertion(&format!("{}{context}{}", &doc[..start], &doc[end..]))
}

#[test]
fn okta_auth_is_matched_by_its_namespace_and_only_once() {
    let idp = okta_saml_idp();
    let keys = keys_of("rsa2048");
    let read = |doc: &str| {
        read_saml(
            doc.as_bytes(),
            &idp,
            NOW,
            &Limits::default(),
            &SamlVerification::with_keys(&keys),
        )
    };
    // An Okta org's values are its authenticators: `pwd` the password, `pop` WebAuthn.
    let methods = |claims: policyc::claims::TrustedClaims| -> Vec<String> {
        claims.methods.into_iter().map(|m| m.method).collect()
    };
    let okta = r#"<OktaAuth xmlns="http://www.okta.com/">{"amr":["pwd","pop"]}</OktaAuth>"#;
    assert_eq!(
        methods(read(&signed_okta_auth(okta)).unwrap()),
        ["password", "webauthn"]
    );
    // Same local name, another namespace: not Okta's extension, nothing read.
    let other = r#"<OktaAuth xmlns="urn:evil">{"amr":["pwd","pop"]}</OktaAuth>"#;
    assert!(methods(read(&signed_okta_auth(other)).unwrap()).is_empty());
    let unqualified = r#"<x:Ext xmlns:x="urn:x"><OktaAuth>{"amr":["pop"]}</OktaAuth></x:Ext>"#;
    assert!(methods(read(&signed_okta_auth(unqualified)).unwrap()).is_empty());
    // Two: refused, never the first.
    let two = format!("{okta}{}", okta.replace("pop", "sc"));
    let err = read(&signed_okta_auth(&two)).unwrap_err();
    assert_eq!(err.kind().as_str(), "malformed", "{err}");
    assert!(err.message().contains("2 `OktaAuth` elements"), "{err}");
}
