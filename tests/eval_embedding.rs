//! The embedding API's fast paths decide exactly as the general ones: `Claims::from_strs` reads
//! as `Claims::from_values` and `model::reading::read` do, `evaluate_with` agrees with
//! `explain_with` (which searches instead of looking completions up) for every set of locally
//! verified methods, and allow-or-not mode allows exactly what `evaluate` allows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::eval::input::{app_by_name, group_by_name, idp_by_name, zone_by_name};
use policyc::eval::{
    Claims, EvalOptions, Outcome, Reason, SignIn, User, evaluate, evaluate_with, explain_with,
};
use policyc::graph::tables::Bits;
use policyc::model::reading;
use policyc::source::{SourceFile, Sources};

const POLICY: &str = "\
org acme {
  engine identity
  features [third_party_claims_sharing, okta_to_okta_claims_sharing]
}
app portal
authenticator password
authenticator okta_verify { methods [push, totp, fastpass] }
authenticator webauthn
authenticator phone { methods [sms] }
idp entra { kind oidc  trust_claims true  asserts [pwd, otp, phr, hwk, face] }
idp saml_factor { kind saml  trust_claims true  usage factor_only  asserts [hwk, otp] }
idp okta_org { kind okta_oidc  trust_claims true  asserts [password, okta_verify.push] }
group admins
group staff
zone office
session_policy default {
  rule staff_mfa { when group in [staff] require mfa }
  rule everyone { require password }
}
policy portal_access {
  apps [portal]
  rule admins_in_office {
    when group in [admins] and zone in [office]
    require 2 factor_types
    possession [phishing_resistant]
  }
  rule chained {
    when group in [staff] and zone in [office]
    require chain [[password, okta_verify.push], [webauthn]]
  }
  rule staff {
    when group in [staff]
    require password + 1 factor_type
    possession [hardware_protected]
  }
  rule everyone {
    require 1 factor_type
  }
}
";

const VALUES: &[&str] = &[
    "pwd",
    "kba",
    "hwk",
    "phr",
    "otp",
    "face",
    "mfa",
    "PWD",
    "bogus",
    "okta_verify",
    "swk",
    "password",
    "okta_verify.push",
    "sc",
];

fn compiled() -> policyc::Compiled {
    let mut sources = Sources::new();
    sources.add(SourceFile::new("acme.policy", POLICY));
    let compiled = policyc::compile(sources);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    compiled
}

/// Value lists with repeats: every pair and some longer runs.
fn value_lists() -> Vec<Vec<&'static str>> {
    let mut lists = vec![vec![]];
    for &a in VALUES {
        lists.push(vec![a]);
        for &b in VALUES {
            lists.push(vec![a, b]);
        }
    }
    for i in 0..VALUES.len() {
        lists.push(
            VALUES
                .iter()
                .cycle()
                .skip(i)
                .step_by(3)
                .take(6)
                .copied()
                .collect(),
        );
    }
    lists
}

#[test]
fn from_strs_reads_as_from_values_and_the_one_reading() {
    let compiled = compiled();
    let model = &compiled.model;
    for idp in ["entra", "saml_factor", "okta_org"] {
        let id = idp_by_name(model, idp).unwrap();
        let config = model.idp(id).unwrap();
        for values in value_lists() {
            let owned: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
            let fast = Claims::from_strs(model, id, &values);
            assert_eq!(
                fast,
                Claims::from_values(model, id, &owned),
                "{idp} {values:?}"
            );
            let read = reading::read(config.kind, config.usage, &values);
            let accepted: Vec<String> = read.accepted.into_iter().map(|a| a.value).collect();
            assert_eq!(fast.accepted, accepted, "{idp} {values:?}");
            assert_eq!(fast.ignored, read.ignored, "{idp} {values:?}");
            assert_eq!(fast.proofs.len(), fast.accepted.len());
        }
    }
}

#[test]
fn options_decide_as_the_traced_search_and_allow_only_as_evaluate() {
    let compiled = compiled();
    let model = &compiled.model;
    let app = app_by_name(model, "portal").unwrap();
    let groups = [
        Bits::default(),
        Bits::from_ids([group_by_name(model, "admins").unwrap().0]),
        Bits::from_ids([group_by_name(model, "staff").unwrap().0]),
    ];
    let office = zone_by_name(model, "office").unwrap();
    let local = compiled.graph.tables.local;
    let mut checked = 0;
    for groups in &groups {
        for zone in [None, Some(office)] {
            for idp in [None, Some("entra"), Some("saml_factor"), Some("okta_org")] {
                for values in value_lists().iter().step_by(7) {
                    let sign_in = SignIn {
                        app,
                        user: User {
                            groups: groups.clone(),
                            zone,
                            ..User::default()
                        },
                        claims: idp.map(|i| {
                            Claims::from_strs(model, idp_by_name(model, i).unwrap(), values)
                        }),
                    };
                    let plain = evaluate(&compiled, &sign_in);
                    let allow_only = EvalOptions {
                        allow_only: true,
                        ..EvalOptions::default()
                    };
                    let yes_no = evaluate_with(&compiled, &sign_in, &allow_only);
                    assert_eq!(yes_no.rule, plain.rule);
                    assert_eq!(
                        yes_no.outcome == Outcome::Allow,
                        plain.outcome == Outcome::Allow
                    );
                    if plain.outcome == Outcome::Challenge {
                        assert_eq!(
                            (yes_no.outcome, yes_no.reason),
                            (Outcome::Deny, Reason::NotSatisfied)
                        );
                    }
                    // Every subset of the usable local methods, as already verified.
                    let mut verified: u16 = 0;
                    loop {
                        let options = EvalOptions {
                            verified,
                            allow_only: false,
                        };
                        let fast = evaluate_with(&compiled, &sign_in, &options);
                        let traced = explain_with(&compiled, &sign_in, &options).decision;
                        assert_eq!(
                            fast, traced,
                            "{groups:?} {zone:?} {idp:?} {values:?} {verified:b}"
                        );
                        if verified == 0 {
                            assert_eq!(fast, plain);
                        }
                        checked += 1;
                        verified = verified.wrapping_sub(local) & local;
                        if verified == 0 {
                            break;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}
