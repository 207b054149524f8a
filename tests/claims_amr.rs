//! Every row of DOMAIN.md's AMR table, over both protocols, end to end: through a signed ID token
//! and through a SAML response. The expectations are restated here from DOMAIN.md, not read from
//! the catalogue, so a wrong table entry fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/claims/support.rs"]
mod support;

use policyc::claims::{
    Evidence, Protocol, TrustedClaims, from_json, normalize, read_saml, verify_id_token,
};
use policyc::model::catalogue::{Amr, Characteristic as C, FactorType as F};
use support::*;

/// (value, factor types, characteristics) as DOMAIN.md states them for `protocol`;
/// `None` when the value is unsupported there.
fn domain_row(value: &str, protocol: Protocol) -> Option<(Vec<F>, Vec<C>)> {
    let presence = vec![C::UserPresence];
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
        "phr" => match protocol {
            Protocol::Oidc => (
                vec![F::Possession],
                vec![C::UserPresence, C::DeviceBound, C::PhishingResistant],
            ),
            Protocol::Saml => return None,
        },
        "face" | "fpt" | "iris" | "retina" | "vbm" => match protocol {
            Protocol::Oidc => (
                vec![F::Inherence],
                [presence, vec![C::UserVerification]].concat(),
            ),
            Protocol::Saml => (
                vec![F::Possession, F::Inherence],
                vec![C::UserPresence, C::UserVerification],
            ),
        },
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
    match domain_row(value, protocol) {
        None => {
            assert!(
                claims.amr.is_empty(),
                "{value} over {protocol}: {:?}",
                claims.amr
            );
            assert_eq!(claims.ignored, [value]);
        }
        Some((factors, characteristics)) => {
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
            let lent = protocol == Protocol::Saml
                || beside_possession
                || !Amr::parse(value).unwrap().is_biometric();
            let expected = if lent { characteristics } else { vec![] };
            assert_eq!(
                sorted(e.characteristics.iter().collect()),
                sorted(expected),
                "{value} over {protocol} (beside possession: {beside_possession})"
            );
            assert_eq!(e.mfa_marker, value == "mfa");
            assert!(claims.ignored.is_empty());
        }
    }
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
fn oidc_biometrics_lend_their_characteristics_only_beside_possession() {
    for bio in ["face", "fpt", "iris", "retina", "vbm"] {
        for possession in ["hwk", "sms", "otp", "phr"] {
            let token = sign(rsa(), &id_claims(&[bio, possession]));
            let claims = verify_id_token(&token, &oidc_idp(), &all_jwks(), NOW, &limits()).unwrap();
            check_row(&claims, bio, Protocol::Oidc, true);
        }
        // Knowledge or `mfa` is no possession value.
        let token = sign(rsa(), &id_claims(&[bio, "pwd", "mfa"]));
        let claims = verify_id_token(&token, &oidc_idp(), &all_jwks(), NOW, &limits()).unwrap();
        check_row(&claims, bio, Protocol::Oidc, false);
    }
}

#[test]
fn phr_is_read_over_oidc_and_ignored_over_saml() {
    let (amr, ignored, _) = normalize(&["phr".to_owned()], Protocol::Oidc);
    assert_eq!((amr, ignored), (vec![Amr::Phr], vec![]));
    let (amr, ignored, _) = normalize(&["phr".to_owned()], Protocol::Saml);
    assert_eq!((amr, ignored), (vec![], vec!["phr".to_owned()]));
    let reason = policyc::claims::ignored_reason("phr", Protocol::Saml);
    assert!(reason.contains("not in the SAML AMR table"), "{reason}");
}

#[test]
fn unsupported_values_are_ignored_with_a_reason_never_an_error() {
    let values: Vec<String> = ["PWD", "okta_verify", "", "geo"].map(String::from).to_vec();
    let (amr, ignored, evidence) = normalize(&values, Protocol::Oidc);
    assert!(amr.is_empty() && evidence.is_empty());
    assert_eq!(ignored, values);
    assert!(
        policyc::claims::ignored_reason("PWD", Protocol::Oidc).contains("case-sensitive: `pwd`")
    );
}

#[test]
fn claims_file_form_reads_through_the_idps_protocol() {
    let text = r#"{"idp":"corp","amr":["pwd","hwk"],"auth_time":1720481750}"#;
    let claims = from_json(text, &oidc_idp()).unwrap();
    assert_eq!(claims.amr, [Amr::Pwd, Amr::Hwk]);
    assert_eq!(claims.auth_time, Some(1_720_481_750));
    assert_eq!(claims.protocol, Protocol::Oidc);
    // The same values over a SAML IdP follow the SAML table.
    let text = r#"{"idp":"adfs","amr":["face","phr"]}"#;
    let claims = from_json(text, &saml_idp()).unwrap();
    assert_eq!(claims.amr, [Amr::Face]);
    assert_eq!(claims.ignored, ["phr"]);
    assert!(claims.evidence[0].factors.contains(F::Possession));
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
