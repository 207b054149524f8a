//! Okta's claims-sharing guide ("Configure claims sharing" and its per-IdP-type pages, as
//! docs/evaluation.md restates it), "how policy settings decide whether claims count", row by
//! row, for both IdP families and both protocols: each case is a small org, one rule, one
//! sign-in, and the exact decision, whether the claims were used, what the SP challenges with,
//! and which values it ignored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::claims::DeviceClaims;
use policyc::eval::{Claims, Outcome, SignIn, User, explain, method_names};
use policyc::source::{SourceFile, Sources};

/// The org every case starts from: both features on, Identity Engine, the usual local
/// authenticators, one Okta IdP (`okta`), one third-party OIDC IdP (`oidc`) and one third-party
/// SAML IdP (`saml`), each trusting claims. `{..}` placeholders are filled per case.
const ORG: &str = r#"
org acme {
  engine {sp_engine}
  features [{features}]
}
group staff
app wiki

authenticator password
authenticator okta_verify { methods [push, totp, fastpass] }
authenticator webauthn
authenticator phone { methods [sms, voice] }
authenticator security_question { used_for {sq} }
{extra}
idp factor_only { kind saml  usage factor_only  trust_claims {trust}  status {status} }

idp okta { kind okta_oidc  engine {idp_engine}  trust_claims {trust}  status {status} }
idp oidc { kind oidc  trust_claims {trust}  status {status} }
idp saml { kind saml  trust_claims {trust}  status {status} }

{session}

policy apps {
  apps [wiki]
  rule r {
{rule}
  }
}
"#;

struct Case {
    rule: &'static str,
    idp: Option<&'static str>,
    claims: &'static [&'static str],
    sp_engine: &'static str,
    idp_engine: &'static str,
    features: &'static str,
    trust: &'static str,
    status: &'static str,
    sq: &'static str,
    extra: &'static str,
    session: &'static str,
    /// Device claims an Okta IdP org sent: (registered, managed).
    device: Option<(bool, bool)>,
}

const BASE: Case = Case {
    rule: "require 2 factor_types",
    idp: None,
    claims: &[],
    sp_engine: "identity",
    idp_engine: "identity",
    features: "okta_to_okta_claims_sharing, third_party_claims_sharing",
    trust: "true",
    status: "active",
    sq: "recovery",
    extra: "",
    session: "",
    device: None,
};

/// (decision, claims used, challenge offered, ignored values)
#[derive(Debug, PartialEq, Eq)]
struct Got {
    outcome: &'static str,
    used: bool,
    challenge: Vec<String>,
    ignored: Vec<String>,
}

/// The case's org, compiled clean, and its one sign-in.
fn sign_in(case: &Case) -> (policyc::Compiled, SignIn) {
    let text = ORG
        .replace("{sp_engine}", case.sp_engine)
        .replace("{idp_engine}", case.idp_engine)
        .replace("{features}", case.features)
        .replace("{trust}", case.trust)
        .replace("{status}", case.status)
        .replace("{sq}", case.sq)
        .replace("{extra}", case.extra)
        .replace("{session}", case.session)
        .replace("{rule}", case.rule);
    let mut sources = Sources::new();
    sources.add(SourceFile::new("case.policy", text));
    let compiled = policyc::compile(sources);
    assert_eq!(compiled.diagnostics, vec![], "the case must compile clean");
    let claims = case.idp.map(|name| {
        let (id, _) = compiled.model.idp_named(name).unwrap();
        let values: Vec<String> = case.claims.iter().map(|v| v.to_string()).collect();
        let mut claims = Claims::from_values(&compiled.model, id, &values);
        claims.device = case.device.map(|(registered, managed)| DeviceClaims {
            registered: Some(registered),
            managed: Some(managed),
        });
        claims
    });
    let (app, _) = compiled.model.apps.iter().enumerate().next().unwrap();
    let sign_in = SignIn {
        app: policyc::model::AppId(app as u32),
        user: User::default(),
        claims,
    };
    (compiled, sign_in)
}

fn run(case: Case) -> Got {
    let (compiled, sign_in) = self::sign_in(&case);
    let ignored = sign_in
        .claims
        .as_ref()
        .map(|c| c.ignored.iter().map(|(v, _)| v.clone()).collect())
        .unwrap_or_default();
    let explained = explain(&compiled, &sign_in);
    let d = explained.decision;
    // The fast path and the explained path are one procedure: they must agree.
    assert_eq!(policyc::evaluate(&compiled, &sign_in), d);
    Got {
        outcome: d.outcome.as_str(),
        used: d.claims.is_some_and(|c| c.used),
        challenge: method_names(d.challenge),
        ignored,
    }
}

fn got(outcome: Outcome, used: bool, challenge: &[&str]) -> Got {
    got_ignoring(outcome, used, challenge, &[])
}

fn got_ignoring(outcome: Outcome, used: bool, challenge: &[&str], ignored: &[&str]) -> Got {
    Got {
        outcome: outcome.as_str(),
        used,
        challenge: challenge.iter().map(|s| s.to_string()).collect(),
        ignored: ignored.iter().map(|s| s.to_string()).collect(),
    }
}

const POSSESSION: &[&str] = &[
    "phone.sms",
    "phone.voice",
    "okta_verify.push",
    "okta_verify.totp",
    "okta_verify.fastpass",
    "webauthn",
];

// --- trust and features ------------------------------------------------------------------------

#[test]
fn trusted_claims_satisfy_two_factor_types_for_both_families() {
    assert_eq!(
        run(Case {
            idp: Some("oidc"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got(Outcome::Allow, true, &[])
    );
    assert_eq!(
        run(Case {
            idp: Some("saml"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got(Outcome::Allow, true, &[])
    );
    assert_eq!(
        run(Case {
            idp: Some("okta"),
            claims: &["pwd", "okta_verify.push"],
            ..BASE
        }),
        got(Outcome::Allow, true, &[])
    );
}

#[test]
fn untrusted_claims_do_not_count_but_the_idp_sign_in_does() {
    let untrusted = Case {
        trust: "false",
        idp: Some("oidc"),
        claims: &["pwd", "otp"],
        ..BASE
    };
    // 2 factor types: nothing counts, so the SP challenges for two local factor types.
    let two = run(Case { ..untrusted });
    assert_eq!((two.outcome, two.used), ("challenge", false));
    // password / IdP: the IdP sign-in itself is enough.
    let untrusted = Case {
        trust: "false",
        idp: Some("oidc"),
        claims: &["pwd", "otp"],
        ..BASE
    };
    assert_eq!(
        run(Case {
            rule: "require password",
            ..untrusted
        }),
        got(Outcome::Allow, false, &[])
    );
}

#[test]
fn a_feature_switched_off_makes_claims_of_that_family_not_count() {
    let okta_off = "third_party_claims_sharing";
    let okta = run(Case {
        features: okta_off,
        idp: Some("okta"),
        claims: &["pwd", "hwk"],
        ..BASE
    });
    assert_eq!((okta.outcome, okta.used), ("challenge", false));
    assert_eq!(
        run(Case {
            features: okta_off,
            idp: Some("oidc"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got(Outcome::Allow, true, &[])
    );
    let third_off = "okta_to_okta_claims_sharing";
    let got = run(Case {
        features: third_off,
        idp: Some("saml"),
        claims: &["pwd", "otp"],
        ..BASE
    });
    assert_eq!((got.outcome, got.used), ("challenge", false));
}

// --- what the claims do not cover is challenged locally ----------------------------------------

#[test]
fn partial_claims_are_completed_with_local_authenticators() {
    // `pwd` gives knowledge; any active possession method completes 2 factor types.
    assert_eq!(
        run(Case {
            idp: Some("oidc"),
            claims: &["pwd"],
            ..BASE
        }),
        got(Outcome::Challenge, true, POSSESSION)
    );
    // A local sign-in needs both factor types locally: password or the security question is
    // not usable (recovery only), so password plus a possession method.
    let local = run(Case { ..BASE });
    assert_eq!(local.outcome, "challenge");
    assert!(local.challenge.contains(&"password".to_owned()));
}

#[test]
fn nothing_local_to_complete_with_is_a_deny() {
    let no_possession = r#"
authenticator email { status inactive }"#;
    let case = Case {
        rule: "require 2 factor_types\n    methods only [password, email]",
        idp: None,
        extra: no_possession,
        ..BASE
    };
    assert_eq!(run(case), got(Outcome::Deny, false, &[]));
}

#[test]
fn enrollment_disabled_makes_a_method_unavailable() {
    let case = Case {
        rule: "require 2 factor_types\n    methods only [password, email]",
        extra: "authenticator email { enrollment disabled }",
        ..BASE
    };
    assert_eq!(run(case).outcome, "deny");
    let allowed = Case {
        rule: "require 2 factor_types\n    methods only [password, email]",
        extra: "authenticator email",
        ..BASE
    };
    assert_eq!(
        run(allowed),
        got(Outcome::Challenge, false, &["password", "email"])
    );
}

// --- method chains -------------------------------------------------------------------------------

#[test]
fn a_method_chain_never_uses_claims() {
    let chain = "require chain [[password, okta_verify.push], [webauthn]]";
    let okta: &[&str] = &["pwd", "pop"];
    let third_party: &[&str] = &["pwd", "hwk"];
    for (idp, claims) in [("okta", okta), ("oidc", third_party), ("saml", third_party)] {
        let got = run(Case {
            rule: chain,
            idp: Some(idp),
            claims,
            ..BASE
        });
        assert_eq!(
            got,
            got_chain(),
            "claims from `{idp}` must not satisfy a method chain"
        );
    }
}

fn got_chain() -> Got {
    // The shortest chain wins: `[webauthn]` alone.
    got(Outcome::Challenge, false, &["webauthn"])
}

// --- disallow specific methods (`except`) --------------------------------------------------------

#[test]
fn except_makes_third_party_claims_unusable() {
    let rule = "require 2 factor_types\n    methods except [phone.sms]";
    for idp in ["oidc", "saml"] {
        let got = run(Case {
            rule,
            idp: Some(idp),
            claims: &["pwd", "otp"],
            ..BASE
        });
        assert_eq!((got.outcome, got.used), ("challenge", false), "idp `{idp}`");
    }
}

#[test]
fn except_drops_only_those_methods_from_okta_claims() {
    let rule = "require 2 factor_types\n    methods except [okta_verify.push]";
    // The push does not count; the password still does, so one possession factor is missing.
    let got = run(Case {
        rule,
        idp: Some("okta"),
        claims: &["pwd", "okta_verify.push"],
        ..BASE
    });
    assert_eq!(got.outcome, "challenge");
    assert!(got.used);
    assert!(!got.challenge.contains(&"okta_verify.push".to_owned()));
    // Another method still counts.
    assert_eq!(
        run(Case {
            rule,
            idp: Some("okta"),
            claims: &["pwd", "webauthn"],
            ..BASE
        }),
        got_allow()
    );
}

fn got_allow() -> Got {
    got(Outcome::Allow, true, &[])
}

// --- allow specific methods (`only`) -------------------------------------------------------------

#[test]
fn only_makes_third_party_claims_unusable() {
    let rule = "require 2 factor_types\n    methods only [password, webauthn]";
    let got = run(Case {
        rule,
        idp: Some("oidc"),
        claims: &["pwd", "hwk"],
        ..BASE
    });
    assert_eq!(
        got,
        self::got(Outcome::Challenge, false, &["password", "webauthn"])
    );
}

#[test]
fn only_lets_just_those_methods_of_okta_claims_count() {
    let rule = "require 2 factor_types\n    methods only [password, webauthn]";
    // `pop` from an Okta org stands for WebAuthn, which is listed.
    assert_eq!(
        run(Case {
            rule,
            idp: Some("okta"),
            claims: &["pwd", "pop"],
            ..BASE
        }),
        got_allow()
    );
    // An Okta Verify push is not listed: only the password counts.
    let got = run(Case {
        rule,
        idp: Some("okta"),
        claims: &["pwd", "okta_verify.push"],
        ..BASE
    });
    assert_eq!(got, self::got(Outcome::Challenge, true, &["webauthn"]));
}

#[test]
fn okta_mfa_does_not_count_when_methods_are_listed() {
    // `mfa` names no method: it cannot be one of those allowed, and may be one of those excluded.
    for rule in [
        "require 2 factor_types\n    methods only [password, webauthn]",
        "require 2 factor_types\n    methods except [phone.sms]",
    ] {
        let got = run(Case {
            rule,
            idp: Some("okta"),
            claims: &["mfa"],
            ..BASE
        });
        assert_eq!((got.outcome, got.used), ("challenge", false), "{rule}");
    }
}

#[test]
fn okta_claims_count_even_for_methods_not_configured_locally() {
    // YubiKey OTP is not an authenticator of this org, but the IdP org's is accepted.
    assert_eq!(
        run(Case {
            idp: Some("okta"),
            claims: &["pwd", "yubikey_otp"],
            ..BASE
        }),
        got_allow()
    );
}

#[test]
fn custom_authenticators_are_not_accepted_through_claims() {
    let got = run(Case {
        idp: Some("okta"),
        claims: &["pwd", "smart_card"],
        ..BASE
    });
    assert_eq!(
        got,
        got_ignoring(Outcome::Challenge, true, POSSESSION, &["smart_card"])
    );
}

// --- possession constraints through AMR characteristics ------------------------------------------

#[test]
fn phishing_resistance_from_amr_values() {
    let rule = "require 2 factor_types\n    possession [phishing_resistant]";
    assert_eq!(
        run(Case {
            rule,
            idp: Some("oidc"),
            claims: &["pwd", "phr"],
            ..BASE
        }),
        got_allow()
    );
    let weak = run(Case {
        rule,
        idp: Some("oidc"),
        claims: &["pwd", "otp"],
        ..BASE
    });
    assert_eq!(
        weak,
        got(
            Outcome::Challenge,
            true,
            &["okta_verify.fastpass", "webauthn"]
        )
    );
    // One table for both protocols: `phr` over SAML is phishing resistant too.
    assert_eq!(
        run(Case {
            rule,
            idp: Some("saml"),
            claims: &["pwd", "phr"],
            ..BASE
        }),
        got_allow()
    );
    // An Okta org sends `pop` for WebAuthn, and `okta_verify` + `phr` for FastPass: both
    // phishing resistant.
    for claims in [&["pwd", "pop"][..], &["pwd", "okta_verify", "phr"]] {
        assert_eq!(
            run(Case {
                rule,
                idp: Some("okta"),
                claims,
                ..BASE
            }),
            got_allow()
        );
    }
    // An Okta org's lone `hwk` is a smart card (a custom authenticator): ignored.
    assert_eq!(
        run(Case {
            rule,
            idp: Some("okta"),
            claims: &["pwd", "hwk"],
            ..BASE
        }),
        got_ignoring(
            Outcome::Challenge,
            true,
            &["okta_verify.fastpass", "webauthn"],
            &["hwk"]
        )
    );
    // A third party's `hwk` is hardware-protected but not phishing resistant by the AMR table.
    let hwk = run(Case {
        rule,
        idp: Some("oidc"),
        claims: &["pwd", "hwk"],
        ..BASE
    });
    assert_eq!(hwk.outcome, "challenge");
}

#[test]
fn hardware_protection_and_phone_exclusion() {
    let hw = "require 2 factor_types\n    possession [hardware_protected]";
    assert_eq!(
        run(Case {
            rule: hw,
            idp: Some("saml"),
            claims: &["pwd", "hwk"],
            ..BASE
        }),
        got_allow()
    );
    assert_eq!(
        run(Case {
            rule: hw,
            idp: Some("saml"),
            claims: &["pwd", "otp"],
            ..BASE
        })
        .outcome,
        "challenge"
    );
    let no_phone = "require 2 factor_types\n    possession [exclude_phone_email]";
    let sms = run(Case {
        rule: no_phone,
        idp: Some("oidc"),
        claims: &["pwd", "sms"],
        ..BASE
    });
    assert_eq!(sms.outcome, "challenge");
    assert!(!sms.challenge.iter().any(|m| m.starts_with("phone")));
    assert_eq!(
        run(Case {
            rule: no_phone,
            idp: Some("oidc"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got_allow()
    );
}

#[test]
fn biometrics_lend_user_verification_only_beside_possession_on_both_protocols() {
    let uv = "require 2 factor_types\n    possession [user_verification]";
    for idp in ["oidc", "saml"] {
        // Alone, `face` is inherence with no characteristics to lend: the password counts, a
        // user-verifying possession factor is challenged for.
        assert_eq!(
            run(Case {
                rule: uv,
                idp: Some(idp),
                claims: &["pwd", "face"],
                ..BASE
            }),
            got(
                Outcome::Challenge,
                true,
                &["okta_verify.fastpass", "webauthn"]
            ),
            "{idp}"
        );
        // Beside `hwk`, the possession factor is user-verifying.
        assert_eq!(
            run(Case {
                rule: uv,
                idp: Some(idp),
                claims: &["hwk", "face"],
                ..BASE
            }),
            got_allow(),
            "{idp}"
        );
        // `face` alone is no possession factor, so `[face]` is one factor type, not two.
        assert_eq!(
            run(Case {
                idp: Some(idp),
                claims: &["face"],
                ..BASE
            })
            .outcome,
            "challenge",
            "{idp}"
        );
        // Without constraints, `face` is an inherence factor: with `pwd`, two factor types.
        assert_eq!(
            run(Case {
                idp: Some(idp),
                claims: &["pwd", "face"],
                ..BASE
            }),
            got_allow(),
            "{idp}"
        );
    }
}

// --- the `mfa` marker -----------------------------------------------------------------------------

#[test]
fn mfa_satisfies_two_factor_types_and_session_mfa_but_nothing_constrained() {
    assert_eq!(
        run(Case {
            idp: Some("oidc"),
            claims: &["mfa"],
            ..BASE
        }),
        got_allow()
    );
    let constrained = "require 2 factor_types\n    possession [device_bound]";
    let got = run(Case {
        rule: constrained,
        idp: Some("oidc"),
        claims: &["mfa"],
        ..BASE
    });
    assert_eq!(got.outcome, "challenge");
    let session = "session_policy s {\n  rule all { require mfa }\n}";
    assert_eq!(
        run(Case {
            rule: "require password",
            session,
            idp: Some("saml"),
            claims: &["mfa"],
            ..BASE
        }),
        got_allow()
    );
    // "password / IdP + another factor": `mfa` is not another factor.
    let plus = run(Case {
        rule: "require password + 1 factor_type",
        idp: Some("oidc"),
        claims: &["mfa"],
        ..BASE
    });
    assert_eq!(plus.outcome, "challenge");
}

// --- security question used for MFA ---------------------------------------------------------------

#[test]
fn security_question_for_mfa_stops_third_party_claims_beyond_knowledge_on_both_protocols() {
    for idp in ["saml", "oidc"] {
        let got = run(Case {
            sq: "mfa",
            idp: Some(idp),
            claims: &["pwd", "otp"],
            ..BASE
        });
        // The password still counts; a possession factor is challenged for.
        assert_eq!(
            got,
            self::got(Outcome::Challenge, true, POSSESSION),
            "{idp}"
        );
    }
    // Okta IdP orgs are not affected.
    assert_eq!(
        run(Case {
            sq: "mfa",
            idp: Some("okta"),
            claims: &["pwd", "okta_verify", "otp"],
            ..BASE
        }),
        got_allow()
    );
    // Used for recovery only, SAML claims count in full.
    assert_eq!(
        run(Case {
            idp: Some("saml"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got_allow()
    );
}

// --- Classic Engine -------------------------------------------------------------------------------

#[test]
fn classic_engine_idp_satisfies_only_factor_counts() {
    let classic = Case {
        idp_engine: "classic",
        idp: Some("okta"),
        claims: &["pwd", "okta_verify.push"],
        ..BASE
    };
    assert_eq!(run(classic), got_allow());
    let plus = Case {
        idp_engine: "classic",
        rule: "require password + 1 factor_type",
        idp: Some("okta"),
        claims: &["pwd", "okta_verify.push"],
        ..BASE
    };
    let got = run(plus);
    // The claims do not count; the IdP sign-in stands for the password, another factor is needed.
    assert_eq!((got.outcome, got.used), ("challenge", false));
    let constrained = Case {
        idp_engine: "classic",
        rule: "require 2 factor_types\n    possession [phishing_resistant]",
        idp: Some("okta"),
        claims: &["pwd", "okta_verify.fastpass"],
        ..BASE
    };
    assert_eq!(run(constrained).outcome, "challenge");
}

#[test]
fn classic_engine_sp_counts_claims_only_with_pwd_or_mfa() {
    let no_pwd = run(Case {
        sp_engine: "classic",
        idp: Some("oidc"),
        claims: &["otp", "face"],
        ..BASE
    });
    assert_eq!((no_pwd.outcome, no_pwd.used), ("challenge", false));
    assert_eq!(
        run(Case {
            sp_engine: "classic",
            idp: Some("oidc"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got_allow()
    );
    assert_eq!(
        run(Case {
            sp_engine: "classic",
            idp: Some("oidc"),
            claims: &["mfa"],
            ..BASE
        }),
        got_allow()
    );
}

// --- IdP status, session policy, rule order ---------------------------------------------------------

#[test]
fn an_inactive_idp_denies_its_sign_ins() {
    assert_eq!(
        run(Case {
            status: "inactive",
            idp: Some("oidc"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got(Outcome::Deny, false, &[])
    );
}

#[test]
fn the_session_policy_needs_mfa_that_claims_can_provide() {
    let session = "session_policy s {\n  rule all { require mfa }\n}";
    // With MFA claims, a password-only rule and a session MFA rule are both met.
    let case = Case {
        rule: "require password",
        session,
        idp: Some("oidc"),
        claims: &["pwd", "otp"],
        ..BASE
    };
    assert_eq!(run(case), got_allow());
    // A local sign-in must do MFA locally.
    let local = run(Case {
        rule: "require password",
        session,
        ..BASE
    });
    assert_eq!(local.outcome, "challenge");
    assert!(local.challenge.contains(&"password".to_owned()));
}

#[test]
fn a_route_to_an_inactive_idp_fails_the_sign_in() {
    let route = "route everyone { to saml }\nidp spare { kind saml  status inactive }";
    // The route targets `saml`, active here: no effect.
    assert_eq!(
        run(Case {
            extra: route,
            idp: Some("oidc"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got_allow()
    );
    let inactive = "route everyone { to spare }\nidp spare { kind saml  status inactive }";
    assert_eq!(
        run(Case {
            extra: inactive,
            idp: Some("oidc"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got(Outcome::Deny, false, &[])
    );
}

#[test]
fn unsupported_values_are_ignored_with_a_reason() {
    let mut sources = Sources::new();
    sources.add(SourceFile::new(
        "a.policy",
        "org o { features [third_party_claims_sharing] }\nidp s { kind saml  trust_claims true }",
    ));
    let compiled = policyc::compile(sources);
    let (id, _) = compiled.model.idp_named("s").unwrap();
    let claims = Claims::from_values(
        &compiled.model,
        id,
        &["pwd".into(), "phr".into(), "PWD".into()],
    );
    assert_eq!(claims.accepted, ["pwd", "phr"]);
    assert_eq!(
        claims.ignored,
        [(
            "PWD".to_owned(),
            "AMR values are case-sensitive: `pwd` would be read".to_owned()
        ),]
    );
}

#[test]
fn a_session_deny_rule_wins() {
    let session = "session_policy s {\n  rule block { deny }\n}";
    assert_eq!(
        run(Case {
            session,
            idp: Some("oidc"),
            claims: &["pwd", "otp"],
            ..BASE
        }),
        got(Outcome::Deny, false, &[])
    );
}

#[test]
fn a_deny_rule_denies_whatever_the_claims() {
    assert_eq!(
        run(Case {
            rule: "deny",
            idp: Some("okta"),
            claims: &["pwd", "pop"],
            ..BASE
        }),
        got(Outcome::Deny, false, &[])
    );
}

// --- rows of the corrected guide ---------------------------------------------------------------------

#[test]
fn a_trusted_third_party_idp_that_sends_no_amr_value_breaks_the_flow() {
    for idp in ["oidc", "saml"] {
        // Nothing, or nothing the SP reads: the user cannot authenticate through it.
        for claims in [&[][..], &["geo"][..]] {
            let ignored: &[&str] = if claims.is_empty() { &[] } else { &["geo"] };
            assert_eq!(
                run(Case {
                    rule: "require password",
                    idp: Some(idp),
                    claims,
                    ..BASE
                }),
                got_ignoring(Outcome::Deny, false, &[], ignored),
                "{idp} {claims:?}"
            );
        }
        // Without trust (or with the feature off), the sign-in is a bare IdP sign-in as before.
        assert_eq!(
            run(Case {
                rule: "require password",
                trust: "false",
                idp: Some(idp),
                ..BASE
            }),
            got(Outcome::Allow, false, &[]),
            "{idp}"
        );
        assert_eq!(
            run(Case {
                rule: "require password",
                features: "okta_to_okta_claims_sharing",
                idp: Some(idp),
                ..BASE
            }),
            got(Outcome::Allow, false, &[]),
            "{idp}"
        );
    }
    // An Okta IdP org that sends nothing usable is challenged locally, not denied.
    assert_eq!(
        run(Case {
            idp: Some("okta"),
            ..BASE
        })
        .outcome,
        "challenge"
    );
}

#[test]
fn the_reason_names_the_broken_flow() {
    let mut sources = Sources::new();
    sources.add(SourceFile::new(
        "a.policy",
        "org o { features [third_party_claims_sharing] }\napp wiki\nauthenticator password\nidp s { kind saml  trust_claims true }\npolicy p { apps [wiki]  rule r { require password } }",
    ));
    let compiled = policyc::compile(sources);
    let (id, _) = compiled.model.idp_named("s").unwrap();
    let sign_in = SignIn {
        app: policyc::model::AppId(0),
        user: User::default(),
        claims: Some(Claims::from_values(&compiled.model, id, &[])),
    };
    let explained = explain(&compiled, &sign_in);
    assert_eq!(
        explained.reasons,
        [
            "IdP `s` trusts claims but sent no AMR value the SP reads, so the user cannot authenticate through it (Okta's claims-sharing guide)"
        ]
    );
}

#[test]
fn a_classic_engine_sp_counts_an_okta_orgs_claims_only_as_completed_mfa() {
    // More than one factor verified at the IdP org: MFA completed.
    assert_eq!(
        run(Case {
            sp_engine: "classic",
            idp: Some("okta"),
            claims: &["password", "okta_verify.push"],
            ..BASE
        }),
        got_allow()
    );
    // One factor: the claims do not count (not even the password as a knowledge factor); the
    // IdP sign-in still stands for the password.
    assert_eq!(
        run(Case {
            sp_engine: "classic",
            idp: Some("okta"),
            claims: &["okta_verify", "swk"],
            ..BASE
        }),
        got(
            Outcome::Challenge,
            false,
            &[&["password"][..], POSSESSION].concat()
        )
    );
    // Completed MFA proves no characteristic: a constrained rule is challenged for.
    assert_eq!(
        run(Case {
            sp_engine: "classic",
            rule: "require 2 factor_types\n    possession [phishing_resistant]",
            idp: Some("okta"),
            claims: &["password", "webauthn"],
            ..BASE
        })
        .outcome,
        "challenge"
    );
}

#[test]
fn a_factor_only_idp_does_not_forward_knowledge() {
    // Only `otp` counts: one factor type, a knowledge factor is challenged for.
    assert_eq!(
        run(Case {
            idp: Some("factor_only"),
            claims: &["pwd", "kba", "otp"],
            ..BASE
        }),
        got_ignoring(Outcome::Challenge, true, &["password"], &["pwd", "kba"])
    );
    // Knowledge alone from a factor-only IdP is nothing the SP reads: the flow breaks.
    assert_eq!(
        run(Case {
            rule: "require password",
            idp: Some("factor_only"),
            claims: &["pwd"],
            ..BASE
        }),
        got_ignoring(Outcome::Deny, false, &[], &["pwd"])
    );
}

#[test]
fn an_okta_orgs_amr_codes_stand_for_its_authenticators() {
    // `okta_verify` + `swk` is a push: possession, device-bound.
    assert_eq!(
        run(Case {
            rule: "require 2 factor_types\n    possession [device_bound]",
            idp: Some("okta"),
            claims: &["pwd", "okta_verify", "swk"],
            ..BASE
        }),
        got_allow()
    );
    // Without `okta_verify`, `swk` names no authenticator; `fed` is another IdP as a factor.
    assert_eq!(
        run(Case {
            idp: Some("okta"),
            claims: &["pwd", "swk", "fed"],
            ..BASE
        }),
        got_ignoring(Outcome::Challenge, true, POSSESSION, &["swk", "fed"])
    );
}

#[test]
fn device_claims_from_an_okta_org_decide_device_conditions() {
    let rule = "when device managed\n    require password\n  }\n  rule others {\n    deny";
    let managed = Case {
        rule,
        idp: Some("okta"),
        claims: &["password"],
        device: Some((true, true)),
        ..BASE
    };
    assert_eq!(run(managed), got_allow());
    let unmanaged = Case {
        rule,
        idp: Some("okta"),
        claims: &["password"],
        device: Some((true, false)),
        ..BASE
    };
    assert_eq!(run(unmanaged), got(Outcome::Deny, false, &[]));
    // Untrusted claims carry no device status the SP uses.
    let untrusted = Case {
        rule,
        trust: "false",
        idp: Some("okta"),
        claims: &["password"],
        device: Some((true, true)),
        ..BASE
    };
    assert_eq!(run(untrusted).outcome, "deny");
}

// --- routing and claims (issue 10, item 10) ------------------------------------------------------

/// `run`'s case, explained: the decision and its reasons.
fn explained(case: Case) -> policyc::eval::Explained {
    let (compiled, sign_in) = sign_in(&case);
    let e = explain(&compiled, &sign_in);
    assert_eq!(policyc::evaluate(&compiled, &sign_in), e.decision);
    e
}

const ROUTE_ALL_TO_OIDC: &str = "route everyone {\n  to oidc\n}";
const ROUTE_STAFF_TO_OIDC: &str = "route staff {\n  when group in [staff]\n  to oidc\n}";

#[test]
fn claims_from_an_idp_the_route_would_not_choose_are_used_and_said_so() {
    // SAML claims while every user is routed to the OIDC IdP: the decision is what it is
    // without the route (the sign-in is possible through the button or IdP-initiated), and
    // the reasons say that routing would have chosen `oidc`.
    for (idp, claims) in [
        ("saml", &["pwd", "otp"][..]),
        ("okta", &["pwd", "okta_verify.push"][..]),
    ] {
        let routed = explained(Case {
            extra: ROUTE_ALL_TO_OIDC,
            idp: Some(idp),
            claims,
            ..BASE
        });
        let unrouted = explained(Case {
            idp: Some(idp),
            claims,
            ..BASE
        });
        assert_eq!(routed.decision, unrouted.decision, "{idp}");
        assert_eq!(routed.decision.outcome, Outcome::Allow);
        assert!(routed.decision.claims.unwrap().used);
        assert_eq!(
            routed.reasons,
            [
                format!("rule `r` of policy `apps` is satisfied by the claims from `{idp}`"),
                format!(
                    "the claims come from IdP `{idp}`, but routing rule `everyone` sends this user to `oidc`: such a sign-in is possible only through `{idp}`'s button or an IdP-initiated sign-in"
                ),
            ]
        );
        assert_eq!(unrouted.reasons.len(), 1);
    }
}

#[test]
fn claims_from_the_routed_idp_or_a_user_no_route_matches_add_no_reason() {
    // The OIDC claims come from the IdP the route chooses.
    let same = explained(Case {
        extra: ROUTE_ALL_TO_OIDC,
        idp: Some("oidc"),
        claims: &["pwd", "otp"],
        ..BASE
    });
    assert_eq!(
        same.reasons,
        ["rule `r` of policy `apps` is satisfied by the claims from `oidc`"]
    );
    // The user is in no group, so the staff route does not match: decided as without routes.
    let unmatched = explained(Case {
        extra: ROUTE_STAFF_TO_OIDC,
        idp: Some("saml"),
        claims: &["pwd", "otp"],
        ..BASE
    });
    assert_eq!(
        unmatched.reasons,
        ["rule `r` of policy `apps` is satisfied by the claims from `saml`"]
    );
    // A challenge keeps its reason and gains the routing one.
    let challenge = explained(Case {
        extra: ROUTE_ALL_TO_OIDC,
        idp: Some("saml"),
        claims: &["pwd"],
        ..BASE
    });
    assert_eq!(challenge.decision.outcome, Outcome::Challenge);
    assert_eq!(challenge.reasons.len(), 2, "{:?}", challenge.reasons);
    assert!(challenge.reasons[1].starts_with(
        "the claims come from IdP `saml`, but routing rule `everyone` sends this user to `oidc`"
    ));
    // A local sign-in has no claims to compare with the route.
    let local = explained(Case {
        extra: ROUTE_ALL_TO_OIDC,
        ..BASE
    });
    assert_eq!(local.reasons.len(), 1, "{:?}", local.reasons);
}
