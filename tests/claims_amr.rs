//! Every row of the third-party AMR table, over both protocols, end to end: through a signed ID
//! token and through a SAML response. The expectations are restated here from Okta's
//! claims-sharing guide (one table for OIDC and SAML), not read from the catalogue, so a wrong
//! table entry fails. Then an Okta IdP org's values, read as Okta's AMR mapping defines them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/claims/support.rs"]
mod support;

use policyc::claims::{
    Evidence, IdpKind, Protocol, TrustedClaims, from_json, normalize, read_saml, verify_id_token,
};
use policyc::model::Usage;
use policyc::model::catalogue::{Amr, Characteristic as C, FactorType as F};
use serde_json::json;
use support::*;

fn unverified() -> policyc::claims::SamlVerification<'static> {
    policyc::claims::SamlVerification::unverified()
}

/// (value, factor types, characteristics) as the guide states them, for OIDC and SAML alike.
fn guide_row(value: &str) -> Option<(Vec<F>, Vec<C>)> {
    Some(match value {
        "pwd" | "kba" => (vec![F::Knowledge], vec![]),
        "sms" | "tel" => (vec![F::Possession], vec![C::UserPresence, C::PhoneOrEmail]),
        "otp" | "swk" | "sc" | "pop" => {
            (vec![F::Possession], vec![C::UserPresence, C::DeviceBound])
        }
        "hwk" => (
            vec![F::Possession],
            vec![C::UserPresence, C::DeviceBound, C::HardwareProtected],
        ),
        "phr" => (
            vec![F::Possession],
            vec![C::UserPresence, C::DeviceBound, C::PhishingResistant],
        ),
        "face" | "fpt" | "iris" | "retina" | "vbm" => (
            vec![F::Inherence],
            vec![C::UserPresence, C::UserVerification],
        ),
        "mfa" => (vec![], vec![]),
        _ => return None,
    })
}

const VALUES: [&str; 16] = [
    "pwd", "kba", "sms", "tel", "otp", "swk", "sc", "pop", "hwk", "phr", "face", "fpt", "iris",
    "retina", "vbm", "mfa",
];

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn check_row(claims: &TrustedClaims, value: &str, protocol: Protocol, beside_possession: bool) {
    let (factors, characteristics) =
        guide_row(value).unwrap_or_else(|| panic!("{value} is in the table"));
    let e: &Evidence = claims
        .evidence
        .iter()
        .find(|e| e.amr.as_str() == value)
        .unwrap_or_else(|| panic!("{value} over {protocol}: no evidence"));
    assert_eq!(
        sorted(e.factors.iter().collect()),
        sorted(factors),
        "{value} over {protocol}"
    );
    // Biometrics lend their characteristics only beside a possession value, on both protocols.
    let lent = beside_possession || !Amr::parse(value).unwrap().is_biometric();
    let expected = if lent { characteristics } else { vec![] };
    assert_eq!(
        sorted(e.characteristics.iter().collect()),
        sorted(expected),
        "{value} over {protocol} (beside possession: {beside_possession})"
    );
    assert_eq!(e.mfa_marker, value == "mfa");
    assert!(claims.ignored.is_empty());
}

#[test]
fn every_row_over_oidc_through_a_signed_id_token() {
    for value in VALUES {
        let token = sign(rsa(), &id_claims(&[value]));
        let claims = verify_id_token(&token, &oidc_idp(), &all_jwks(), NOW, &limits()).unwrap();
        check_row(&claims, value, Protocol::Oidc, false);
    }
}

#[test]
fn every_row_over_saml_through_a_response() {
    for value in VALUES {
        let doc = saml_with_amr(&[value]);
        let claims = read_saml(
            doc.as_bytes(),
            &saml_idp(),
            NOW,
            &limits(),
            &policyc::claims::SamlVerification::unverified(),
        )
        .unwrap();
        check_row(&claims, value, Protocol::Saml, false);
    }
}

#[test]
fn biometrics_lend_their_characteristics_only_beside_possession_on_both_protocols() {
    for bio in ["face", "fpt", "iris", "retina", "vbm"] {
        for possession in ["hwk", "sms", "otp", "phr"] {
            let token = sign(rsa(), &id_claims(&[bio, possession]));
            let claims = verify_id_token(&token, &oidc_idp(), &all_jwks(), NOW, &limits()).unwrap();
            check_row(&claims, bio, Protocol::Oidc, true);
            let doc = saml_with_amr(&[bio, possession]);
            let claims =
                read_saml(doc.as_bytes(), &saml_idp(), NOW, &limits(), &unverified()).unwrap();
            check_row(&claims, bio, Protocol::Saml, true);
        }
        // Knowledge or `mfa` is no possession value.
        let token = sign(rsa(), &id_claims(&[bio, "pwd", "mfa"]));
        let claims = verify_id_token(&token, &oidc_idp(), &all_jwks(), NOW, &limits()).unwrap();
        check_row(&claims, bio, Protocol::Oidc, false);
        let doc = saml_with_amr(&[bio, "pwd", "mfa"]);
        let claims = read_saml(doc.as_bytes(), &saml_idp(), NOW, &limits(), &unverified()).unwrap();
        check_row(&claims, bio, Protocol::Saml, false);
    }
}

#[test]
fn phr_is_phishing_resistant_over_saml_too() {
    let doc = saml_with_amr(&["phr"]);
    let claims = read_saml(doc.as_bytes(), &saml_idp(), NOW, &limits(), &unverified()).unwrap();
    assert_eq!(claims.amr, [Amr::Phr]);
    assert!(claims.ignored.is_empty());
    assert!(
        claims.evidence[0]
            .characteristics
            .contains(C::PhishingResistant)
    );
}

#[test]
fn unsupported_values_are_ignored_with_a_reason_never_an_error() {
    let values: Vec<String> = ["PWD", "okta_verify.push", "", "geo"]
        .map(String::from)
        .to_vec();
    let n = normalize(&values, IdpKind::Oidc, Usage::Sso);
    assert!(n.amr.is_empty() && n.evidence.is_empty());
    assert_eq!(n.ignored, values);
    assert_eq!(
        n.why_ignored["PWD"],
        "AMR values are case-sensitive: `pwd` would be read"
    );
    assert!(n.why_ignored["okta_verify.push"].starts_with("an Okta authenticator name"));
}

#[test]
fn claims_file_form_reads_one_table_for_both_protocols() {
    let text = r#"{"idp":"corp","amr":["pwd","hwk"],"auth_time":1720481750}"#;
    let claims = from_json(text, &oidc_idp()).unwrap();
    assert_eq!(claims.amr, [Amr::Pwd, Amr::Hwk]);
    assert_eq!(claims.auth_time, Some(1_720_481_750));
    assert_eq!(claims.protocol, Protocol::Oidc);
    // The same values over a SAML IdP read the same.
    let text = r#"{"idp":"adfs","amr":["face","phr"]}"#;
    let claims = from_json(text, &saml_idp()).unwrap();
    assert_eq!(claims.amr, [Amr::Face, Amr::Phr]);
    assert!(claims.ignored.is_empty());
    assert_eq!(
        claims.evidence[0].factors.iter().collect::<Vec<_>>(),
        [F::Inherence]
    );
}

/// (accepted methods, ignored values) of an Okta org's `okta_auth` list.
fn okta_reading(claims: &TrustedClaims) -> (Vec<&str>, Vec<&str>) {
    (
        claims.methods.iter().map(|m| m.method.as_str()).collect(),
        claims.ignored.iter().map(String::as_str).collect(),
    )
}

#[test]
fn an_okta_orgs_amr_codes_map_as_okta_publishes_through_a_signed_id_token() {
    let cases: [(&[&str], &[&str], &[&str]); 7] = [
        (
            &["pwd", "kba", "email"],
            &["password", "security_question", "email"],
            &[],
        ),
        (&["sms", "tel"], &["phone.sms", "phone.voice"], &[]),
        (&["okta_verify", "swk"], &["okta_verify.push"], &[]),
        (&["okta_verify", "phr"], &["okta_verify.fastpass"], &[]),
        (
            &["okta_verify", "otp", "pop"],
            &["okta_verify.totp", "webauthn"],
            &[],
        ),
        // Smart cards and IdP factors are custom authenticators.
        (&["sc", "swk", "fed"], &[], &["sc", "swk", "fed"]),
        (
            &["hwk", "okta_verify", "mfa"],
            &[],
            &["hwk", "mfa", "okta_verify"],
        ),
    ];
    for (sent, methods, ignored) in cases {
        let mut payload = id_claims(&[]);
        payload["okta_auth"] = json!({ "amr": sent });
        let token = sign(rsa(), &payload);
        let claims =
            verify_id_token(&token, &okta_oidc_idp(), &all_jwks(), NOW, &limits()).unwrap();
        assert_eq!(
            okta_reading(&claims),
            (methods.to_vec(), ignored.to_vec()),
            "{sent:?}"
        );
        assert!(claims.amr.is_empty(), "the third-party table is not used");
    }
}

#[test]
fn an_okta_id_tokens_top_level_amr_is_no_claims_channel() {
    let mut payload = id_claims(&["pwd", "mfa"]);
    payload["okta_auth"] = json!({ "amr": ["password", "webauthn"] });
    let token = sign(rsa(), &payload);
    let claims = verify_id_token(&token, &okta_oidc_idp(), &all_jwks(), NOW, &limits()).unwrap();
    assert_eq!(
        okta_reading(&claims),
        (vec!["password", "webauthn"], vec!["pwd", "mfa"])
    );
    assert!(
        claims
            .ignored_reason("pwd")
            .contains("not a claims channel")
    );
}

#[test]
fn okta_names_and_codes_read_alike_in_claims_files_and_saml() {
    let by_name = from_json(r#"{"amr":["password","webauthn"]}"#, &okta_oidc_idp()).unwrap();
    let by_code = from_json(r#"{"amr":["pwd","pop"]}"#, &okta_oidc_idp()).unwrap();
    assert_eq!(okta_reading(&by_name).0, ["password", "webauthn"]);
    assert_eq!(okta_reading(&by_name).0, okta_reading(&by_code).0);
    // Device claims (early access) ride along.
    let with_device = from_json(
        r#"{"amr":["okta_verify","phr"],"device":{"registered":true,"managed":false}}"#,
        &okta_oidc_idp(),
    )
    .unwrap();
    assert_eq!(
        with_device.device.map(|d| (d.registered, d.managed)),
        Some((Some(true), Some(false)))
    );
    // The normal form reads back to the same methods (read again from their names).
    let json = serde_json::to_string(&with_device).unwrap();
    let back: TrustedClaims = serde_json::from_str(&json).unwrap();
    assert_eq!(okta_reading(&back), okta_reading(&with_device));
}

#[test]
fn a_factor_only_idp_forwards_no_knowledge() {
    let idp = policyc::claims::IdpConfig {
        usage: Usage::FactorOnly,
        ..saml_idp()
    };
    let doc = saml_with_amr(&["pwd", "kba", "hwk"]);
    let claims = read_saml(doc.as_bytes(), &idp, NOW, &limits(), &unverified()).unwrap();
    assert_eq!(claims.amr, [Amr::Hwk]);
    assert_eq!(claims.ignored, ["pwd", "kba"]);
    assert!(claims.ignored_reason("pwd").contains("factor-only"));
}

#[test]
fn claims_file_refusals() {
    let err = from_json(r#"{"idp":"other","amr":[]}"#, &oidc_idp()).unwrap_err();
    assert_eq!(
        (err.kind().as_str(), err.message()),
        (
            "unknown-idp",
            "claims are from idp `other`, expected `corp`"
        )
    );
    let err = from_json(r#"{"amr":"pwd"}"#, &oidc_idp()).unwrap_err();
    assert_eq!(
        (err.kind().as_str(), err.message()),
        (
            "malformed",
            "`amr` must be an array of strings, found a string"
        )
    );
    let err = from_json(r#"{"amr":[],"auth_time":"now"}"#, &oidc_idp()).unwrap_err();
    assert_eq!(err.kind().as_str(), "malformed");
    assert!(
        err.message()
            .starts_with("`auth_time` must be a non-negative number")
    );
    let err = from_json(r#"{"amr":[],"evidance":[]}"#, &oidc_idp()).unwrap_err();
    assert!(
        err.message().starts_with("unknown field `evidance`"),
        "{err}"
    );
    let err = from_json("{", &oidc_idp()).unwrap_err();
    assert_eq!(err.message(), "claims file is not JSON (line 1, column 1)");
    let err = from_json(r#"{"idp":"corp"}"#, &oidc_idp()).unwrap_err();
    assert_eq!(err.message(), "claims have no `amr`");
}

#[test]
fn the_normal_form_round_trips_through_json_and_re_derives_evidence() {
    let token = sign(rsa(), &id_claims(&["pwd", "face", "hwk", "junk"]));
    let verified = verify_id_token(&token, &oidc_idp(), &all_jwks(), NOW, &limits()).unwrap();
    let json = serde_json::to_string(&verified).unwrap();
    let back: TrustedClaims = serde_json::from_str(&json).unwrap();
    assert_eq!(back.amr, verified.amr);
    assert_eq!(back.ignored, verified.ignored);
    assert_eq!(back.evidence, verified.evidence);
    // Read back, nothing was verified here.
    assert_eq!(
        back.signature,
        policyc::claims::SignatureStatus::NotApplicable
    );
    // Forged evidence in the input is not trusted.
    let forged = json.replace("\"knowledge\"", "\"possession\"");
    let back: TrustedClaims = serde_json::from_str(&forged).unwrap();
    assert_eq!(back.evidence, verified.evidence);
}
