//! SAML responses and assertions: both value forms, namespace resolution, text split by
//! comments, and every refusal with its kind and message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/claims/support.rs"]
mod support;

use base64::Engine;
use policyc::claims::{ClaimsError, IdpConfig, Limits, SignatureStatus, TrustedClaims, read_saml};
use policyc::model::catalogue::Amr;
use support::*;

fn read(doc: &str, idp: &IdpConfig) -> Result<TrustedClaims, ClaimsError> {
    read_saml(
        doc.as_bytes(),
        idp,
        NOW,
        &limits(),
        &policyc::claims::SamlVerification::unverified(),
    )
}

fn amr_of(doc: &str) -> Vec<Amr> {
    read(doc, &saml_idp()).unwrap().amr
}

#[track_caller]
fn refused(result: Result<TrustedClaims, ClaimsError>, kind: &str, fragment: &str) -> ClaimsError {
    let err = result.expect_err("expected a refusal");
    assert_eq!(err.kind().as_str(), kind, "{err}");
    assert!(
        err.message().contains(fragment),
        "message {:?} lacks {fragment:?}",
        err.message()
    );
    assert!(!err.message().ends_with('.'));
    err
}

#[test]
fn a_real_shaped_response_is_read_and_marked_unverified() {
    let claims = read(&saml_with_amr(&["pwd", "hwk", "kerberos"]), &saml_idp()).unwrap();
    assert_eq!(claims.idp, "adfs");
    assert_eq!(claims.subject.as_deref(), Some("john.doe@example.com"));
    assert_eq!(claims.issued_at, Some(NOW - 10));
    assert_eq!(claims.auth_time, Some(NOW - 20));
    assert_eq!(claims.amr, [Amr::Pwd, Amr::Hwk]);
    assert_eq!(claims.ignored, ["kerberos"]);
    assert_eq!(claims.signature, SignatureStatus::Unverified);
    assert_eq!(
        claims.authn_context.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
    );
    let json = serde_json::to_value(&claims).unwrap();
    assert_eq!(json["signature"], "unverified");
}

#[test]
fn a_bare_assertion_is_accepted() {
    let doc = assertion(&amr_attribute(&["pwd"]));
    assert_eq!(amr_of(&doc), [Amr::Pwd]);
}

#[test]
fn base64_as_posted_is_accepted() {
    let doc = saml_with_amr(&["sms"]);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&doc);
    assert_eq!(amr_of(&encoded), [Amr::Sms]);
    // Wrapped at 76 columns, as some IdPs post it.
    let wrapped: String = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    assert_eq!(amr_of(&wrapped), [Amr::Sms]);
    // URL-encoded form body.
    let form = format!(
        "SAMLResponse={}",
        encoded.replace('+', "%2B").replace('=', "%3D")
    );
    assert_eq!(amr_of(&form), [Amr::Sms]);
    refused(
        read("bm90IHhtbA==", &saml_idp()),
        "malformed",
        "neither XML nor base64-encoded XML",
    );
}

#[test]
fn both_value_forms_are_read_trimmed_and_deduplicated() {
    let one_per_value = saml_with_amr(&["swk", " pwd ", "sms"]);
    let comma_separated = saml_with_amr(&["swk,pwd, sms"]);
    let mixed = saml_with_amr(&["swk, pwd", "sms,swk", ""]);
    for doc in [one_per_value, comma_separated, mixed] {
        assert_eq!(amr_of(&doc), [Amr::Swk, Amr::Pwd, Amr::Sms]);
    }
}

#[test]
fn text_split_by_comments_references_or_cdata_is_concatenated() {
    // Reading only the first text node would see `sw`, the CVE-2017-11427 class.
    assert_eq!(amr_of(&saml_with_amr(&["sw<!-- -->k"])), [Amr::Swk]);
    assert_eq!(amr_of(&saml_with_amr(&["s&#119;k"])), [Amr::Swk]);
    assert_eq!(amr_of(&saml_with_amr(&["<![CDATA[sw]]>k"])), [Amr::Swk]);
    assert_eq!(
        amr_of(&saml_with_amr(&["pwd&#x2C;hwk"])),
        [Amr::Pwd, Amr::Hwk]
    );
    // The issuer too: a comment cannot hide a suffix from the comparison.
    let doc = saml_with_amr(&["pwd"]).replace(
        &format!(">{SAML_ISSUER}<"),
        &format!(">{SAML_ISSUER}<!-- -->.evil<"),
    );
    refused(read(&doc, &saml_idp()), "issuer", ".evil`, expected");
}

#[test]
fn doctype_and_entities_are_refused() {
    let doc = saml_with_amr(&["pwd"]).replacen(
        "<saml2p:Response",
        "<!DOCTYPE r [<!ENTITY amr \"hwk\">]><saml2p:Response",
        1,
    );
    refused(
        read(&doc, &saml_idp()),
        "doctype",
        "DOCTYPE declaration, which is refused",
    );
    let doc = saml_with_amr(&["&amr;"]);
    refused(
        read(&doc, &saml_idp()),
        "malformed",
        "entity `&amr;` is not declared",
    );
}

#[test]
fn more_than_one_assertion_is_refused() {
    let a = assertion(&amr_attribute(&["pwd"]));
    let doc = response(&format!("{a}{a}"));
    refused(
        read(&doc, &saml_idp()),
        "multiple-assertions",
        "SAML document has 2 assertions, expected exactly one",
    );
    // The wrapping shape: a second assertion hidden in an extension.
    let hidden = response(&a).replace(
        "<saml2p:Status>",
        &format!(
            "<saml2p:Extensions>{}</saml2p:Extensions><saml2p:Status>",
            assertion(&amr_attribute(&["hwk"]))
        ),
    );
    refused(
        read(&hidden, &saml_idp()),
        "multiple-assertions",
        "signature-wrapping shape",
    );
}

#[test]
fn an_assertion_must_be_a_child_of_the_response() {
    let doc = response("").replace(
        "<saml2p:Status>",
        &format!(
            "<saml2p:Extensions>{}</saml2p:Extensions><saml2p:Status>",
            assertion("")
        ),
    );
    refused(
        read(&doc, &saml_idp()),
        "malformed",
        "the `Assertion` is not a child of the `Response`",
    );
    refused(
        read(&response(""), &saml_idp()),
        "malformed",
        "SAML response has no `Assertion`",
    );
}

#[test]
fn an_encrypted_assertion_is_refused() {
    let doc = response(
        r#"<saml2:EncryptedAssertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml2:EncryptedAssertion>"#,
    );
    refused(
        read(&doc, &saml_idp()),
        "encrypted",
        "`EncryptedAssertion` and decryption is not supported",
    );
}

#[test]
fn namespace_prefixes_are_resolved_not_matched_by_text() {
    // Any prefix bound to the SAML namespaces matches, the default namespace too.
    let renamed = saml_with_amr(&["hwk"])
        .replace("saml2:", "a:")
        .replace("xmlns:saml2=", "xmlns:a=")
        .replace("saml2p:", "p:")
        .replace("xmlns:saml2p=", "xmlns:p=");
    assert_eq!(amr_of(&renamed), [Amr::Hwk]);
    let default_ns = assertion(&amr_attribute(&["hwk"]))
        .replace("saml2:", "")
        .replace("xmlns:saml2=", "xmlns=");
    assert_eq!(amr_of(&default_ns), [Amr::Hwk]);

    // `saml:` bound to another URI is not SAML, whatever its text says.
    let wrong = assertion(&amr_attribute(&["hwk"]))
        .replace("saml2:", "saml:")
        .replace(
            r#"xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion""#,
            r#"xmlns:saml="urn:example:not-saml""#,
        );
    refused(
        read(&wrong, &saml_idp()),
        "malformed",
        "root element is `Assertion` in namespace `urn:example:not-saml`",
    );
    // Inside a real response, an assertion in the wrong namespace is no assertion at all.
    let inner = wrong;
    refused(
        read(&response(&inner), &saml_idp()),
        "malformed",
        "SAML response has no `Assertion`",
    );
    // An undeclared prefix is not well-formed.
    let undeclared = assertion("").replace(
        r#"xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" "#,
        "",
    );
    refused(
        read(&undeclared, &saml_idp()),
        "malformed",
        "namespace prefix `saml2`",
    );
}

#[test]
fn broken_documents_are_malformed() {
    let doc = saml_with_amr(&["pwd"]);
    let truncated = &doc[..doc.len() - 40];
    refused(read(truncated, &saml_idp()), "malformed", "");
    let cut_between_tags = doc.replace("</saml2p:Response>", "");
    refused(
        read(&cut_between_tags, &saml_idp()),
        "malformed",
        "truncated: `Response` is not closed",
    );
    let two_roots =
        format!("{doc}<saml2p:Response xmlns:saml2p=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>");
    refused(
        read(&two_roots, &saml_idp()),
        "malformed",
        "two root elements",
    );
    let trailing_text = format!("{doc}junk");
    refused(
        read(&trailing_text, &saml_idp()),
        "malformed",
        "text outside the root element",
    );
    let duplicate = doc.replacen(r#"Version="2.0""#, r#"Version="2.0" Version="2.0""#, 1);
    refused(
        read(&duplicate, &saml_idp()),
        "malformed",
        "duplicate attribute",
    );
    // The same attribute through two prefixes of one namespace.
    let duplicate_ns = doc.replacen(
        "<saml2p:Response ",
        r#"<saml2p:Response xmlns:x="urn:x" xmlns:y="urn:x" x:a="1" y:a="2" "#,
        1,
    );
    refused(
        read(&duplicate_ns, &saml_idp()),
        "malformed",
        "duplicate attribute `a` on `Response`",
    );
    refused(read("", &saml_idp()), "malformed", "neither XML nor base64");
    refused(
        read("<?xml version=\"1.0\"?>", &saml_idp()),
        "malformed",
        "no root element",
    );
    let mismatched = doc.replace("</saml2:Issuer>", "</saml2:Isser>");
    refused(
        read(&mismatched, &saml_idp()),
        "malformed",
        "not well-formed XML",
    );
    let nested_value = saml_with_amr(&["<b>hwk</b>"]);
    refused(
        read(&nested_value, &saml_idp()),
        "malformed",
        "`AttributeValue` has child elements",
    );
    let two_attributes = assertion(&format!(
        "{}{}",
        amr_attribute(&["pwd"]),
        amr_attribute(&["hwk"])
    ));
    refused(
        read(&two_attributes, &saml_idp()),
        "malformed",
        "2 `session.amr` attributes",
    );
}

#[test]
fn issuer_must_be_the_idps() {
    let idp = IdpConfig {
        issuer: Some("http://www.okta.com/other".into()),
        ..saml_idp()
    };
    refused(
        read(&saml_with_amr(&["pwd"]), &idp),
        "issuer",
        "response `Issuer` is `http://www.okta.com/exk1idp2entity3`, expected `http://www.okta.com/other`",
    );
    refused(
        read(&assertion(""), &idp),
        "issuer",
        "assertion `Issuer` is",
    );
    let no_issuer = assertion("").replace(
        &format!(r#"<saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{SAML_ISSUER}</saml2:Issuer>"#),
        "",
    );
    refused(
        read(&no_issuer, &saml_idp()),
        "issuer",
        "assertion has no `Issuer`",
    );
}

#[test]
fn conditions_are_checked_with_the_idps_clock_skew() {
    let doc = saml_with_amr(&["pwd"]);
    // NotBefore is 23:30:50.123, NotOnOrAfter 23:40:50.123.
    let early = read_saml(
        doc.as_bytes(),
        &saml_idp(),
        NOW - 400,
        &limits(),
        &policyc::claims::SamlVerification::unverified(),
    );
    refused(
        early,
        "not-yet-valid",
        "assertion is not valid before 2024-07-08T23:30:50Z (`NotBefore`)",
    );
    let skewed = IdpConfig {
        max_clock_skew: 120,
        ..saml_idp()
    };
    assert!(
        read_saml(
            doc.as_bytes(),
            &skewed,
            NOW - 400,
            &limits(),
            &policyc::claims::SamlVerification::unverified()
        )
        .is_ok()
    );
    let late = read_saml(
        doc.as_bytes(),
        &saml_idp(),
        NOW + 300,
        &limits(),
        &policyc::claims::SamlVerification::unverified(),
    );
    refused(
        late,
        "expired",
        "assertion expired at 2024-07-08T23:40:50Z (`NotOnOrAfter`)",
    );
    assert!(
        read_saml(
            doc.as_bytes(),
            &skewed,
            NOW + 300,
            &limits(),
            &policyc::claims::SamlVerification::unverified()
        )
        .is_ok()
    );
}

#[test]
fn audience_restriction_must_name_the_idps_audience() {
    let idp = IdpConfig {
        audience: Some("https://other.example".into()),
        ..saml_idp()
    };
    refused(
        read(&saml_with_amr(&["pwd"]), &idp),
        "audience",
        "`AudienceRestriction` allows [`https://sp.example.okta.com/sso/saml2/0oa1idp`], expected it to contain `https://other.example`",
    );
    let unconfigured = IdpConfig {
        audience: None,
        ..saml_idp()
    };
    refused(
        read(&saml_with_amr(&["pwd"]), &unconfigured),
        "audience",
        "idp `adfs` has no `audience` configured",
    );
}

#[test]
fn limits_are_enforced_and_named() {
    let doc = saml_with_amr(&["pwd"]);
    let small = Limits {
        max_document_bytes: 1000,
        ..Limits::default()
    };
    refused(
        read_saml(
            doc.as_bytes(),
            &saml_idp(),
            NOW,
            &small,
            &policyc::claims::SamlVerification::unverified(),
        ),
        "limit",
        "over the `max_document_bytes` limit of 1000 bytes",
    );
    let shallow = Limits {
        max_depth: 4,
        ..Limits::default()
    };
    refused(
        read_saml(
            doc.as_bytes(),
            &saml_idp(),
            NOW,
            &shallow,
            &policyc::claims::SamlVerification::unverified(),
        ),
        "limit",
        "deeper than the `max_depth` limit of 4",
    );
    let few = Limits {
        max_attributes: 3,
        ..Limits::default()
    };
    refused(
        read_saml(
            doc.as_bytes(),
            &saml_idp(),
            NOW,
            &few,
            &policyc::claims::SamlVerification::unverified(),
        ),
        "limit",
        "element `Response` has more attributes than the `max_attributes` limit of 3",
    );
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    refused(read(&deep, &saml_idp()), "limit", "`max_depth`");
}

#[test]
fn an_oidc_idp_cannot_read_saml() {
    refused(
        read(&saml_with_amr(&["pwd"]), &oidc_idp()),
        "unknown-idp",
        "idp `corp` is of kind `oidc`",
    );
}

fn okta_auth(content: &str) -> String {
    let context = format!(
        r#"<saml2:AuthnContext><saml2:AuthnContextClassRef>urn:okta:app:mfa:attestation</saml2:AuthnContextClassRef><saml2:AuthnContextDecl><AuthenticationContextDeclaration xmlns="urn:oasis:names:tc:SAML:2.0:ac"><Extension><OktaAuth xmlns="http://www.okta.com/">{content}</OktaAuth></Extension></AuthenticationContextDeclaration></saml2:AuthnContextDecl></saml2:AuthnContext>"#
    );
    let doc = assertion(&amr_attribute(&["sms"]));
    let start = doc.find("<saml2:AuthnContext>").unwrap();
    let end = doc.find("</saml2:AuthnContext>").unwrap() + "</saml2:AuthnContext>".len();
    response(&format!("{}{context}{}", &doc[..start], &doc[end..]))
}

#[test]
fn okta_auth_encrypted_is_refused_with_the_way_out() {
    let doc = okta_auth("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.a.b.c.d");
    let err = refused(
        read(&doc, &okta_saml_idp()),
        "encrypted",
        "`OktaAuth` is encrypted (JWE) and decryption is not supported",
    );
    assert!(
        err.message()
            .contains(r#"`--claims FILE` as `{"idp":"okta-saml","amr":[...]"#),
        "{err}"
    );
}

#[test]
fn okta_auth_as_json_is_read_for_okta_idps_only() {
    let doc =
        okta_auth(r#"{"amr":["pwd","hwk","okta_verify","phr"],"device":{"registered":true}}"#);
    let claims = read(&doc, &okta_saml_idp()).unwrap();
    let methods: Vec<&str> = claims.methods.iter().map(|m| m.method.as_str()).collect();
    assert_eq!(methods, ["password", "okta_verify.fastpass"]);
    assert_eq!(claims.ignored, ["hwk"]);
    assert_eq!(claims.device.and_then(|d| d.registered), Some(true));
    // A third-party SAML IdP reads `session.amr`, not `OktaAuth`.
    assert_eq!(read(&doc, &saml_idp()).unwrap().amr, [Amr::Sms]);
    let jws = okta_auth("eyJhbGciOiJSUzI1NiJ9.e30.AAAA");
    refused(
        read(&jws, &okta_saml_idp()),
        "signature",
        "`OktaAuth` is a signed JWT, which cannot be verified",
    );
}

const ENTRA_VALUES: [&str; 2] = [
    "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
    "http://schemas.microsoft.com/claims/multipleauthn",
];

#[test]
fn microsofts_authnmethodsreferences_without_session_amr_gets_a_hint_naming_session_amr() {
    let doc = response(&assertion(&microsoft_amr_attribute(&ENTRA_VALUES)));
    let claims = read(&doc, &saml_idp()).unwrap();
    // Okta reads none of it: no value accepted, none listed as ignored (it is no AMR value).
    assert_eq!(claims.amr, []);
    assert_eq!(claims.ignored, Vec::<String>::new());
    assert_eq!(
        claims.hints,
        [
            "the assertion carries Microsoft's `http://schemas.microsoft.com/claims/authnmethodsreferences` \
          attribute but no `session.amr`: Okta reads a SAML IdP's AMR values only from the attribute \
          named `session.amr` (Okta's \"Configure claims sharing\" guide), so none is read here. Have \
          the IdP send them in an attribute named `session.amr` (in Entra ID: a claim of the \
          enterprise app named `session.amr`), with values of Okta's AMR table such as `pwd`, \
          `mfa`, `otp` or `hwk`"
        ]
    );
    // The JSON normal form carries it, and reading the form back keeps it.
    let json = serde_json::to_value(&claims).unwrap();
    assert_eq!(json["hints"], serde_json::json!(claims.hints));
    let back = policyc::claims::from_json(&json.to_string(), &saml_idp()).unwrap();
    assert_eq!(back.hints, claims.hints);

    // With `session.amr` beside it, Okta reads that: nothing to say.
    let both = response(&assertion(&format!(
        "{}{}",
        microsoft_amr_attribute(&ENTRA_VALUES),
        amr_attribute(&["pwd", "mfa"])
    )));
    let claims = read(&both, &saml_idp()).unwrap();
    assert_eq!(claims.amr, [Amr::Pwd, Amr::Mfa]);
    assert_eq!(claims.hints, Vec::<String>::new());
    assert!(
        serde_json::to_value(&claims)
            .unwrap()
            .get("hints")
            .is_none()
    );
    // Neither attribute: nothing to point at.
    let neither = read(&response(&assertion("")), &saml_idp()).unwrap();
    assert_eq!(neither.hints, Vec::<String>::new());
}
