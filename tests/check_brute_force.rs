//! The satisfiability engine against brute force: on random small orgs, a rule is satisfiable
//! (by `check::support`) exactly when some sign-in, local or at one available IdP with any
//! subset of what it can assert, is not denied by the evaluator. The two share the rules for
//! what counts, but not the search: the engine ORs everything together, the evaluator tries
//! combinations. Fixed seed, so CI runs the same cases every time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::check::support::{Support, available};
use policyc::eval::{Claims, Outcome, SignIn, User, evaluate};
use policyc::model::AppId;
use policyc::source::{SourceFile, Sources};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const KINDS: &[(&str, &[&str])] = &[
    ("password", &[]),
    ("security_question", &[]),
    ("email", &[]),
    ("phone", &["sms", "voice"]),
    ("okta_verify", &["push", "totp", "fastpass"]),
    ("webauthn", &[]),
    ("google_authenticator", &[]),
    ("yubikey_otp", &[]),
    ("smart_card", &[]),
];

const AMR: &[&str] = &[
    "pwd", "kba", "sms", "otp", "swk", "hwk", "phr", "face", "fpt", "mfa", "zzz",
];
/// An Okta org's authenticators, by name and by the AMR codes it sends (`okta_verify` pairs
/// with `otp`, `swk`, `phr`; `sc` and `fed` are custom authenticators).
const OKTA_METHODS: &[&str] = &[
    "password",
    "okta_verify.push",
    "okta_verify.fastpass",
    "webauthn",
    "phone.sms",
    "smart_card",
    "okta_verify",
    "pop",
    "email",
    "sc",
    "fed",
];
const METHODS: &[&str] = &[
    "password",
    "email",
    "phone.sms",
    "okta_verify.push",
    "okta_verify.totp",
    "okta_verify.fastpass",
    "webauthn",
    "google_authenticator",
];
const CONSTRAINTS: &[&str] = &[
    "phishing_resistant",
    "hardware_protected",
    "device_bound",
    "exclude_phone_email",
    "user_presence",
    "user_verification",
];
const REQUIREMENTS: &[&str] = &[
    "password",
    "1 factor_type",
    "password + 1 factor_type",
    "2 factor_types",
];

fn subset<'a>(all: &'a [&'a str], mask: u32) -> Vec<&'a str> {
    all.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect()
}

#[derive(Debug, Clone)]
struct Org {
    classic_sp: bool,
    features: u8,
    authenticators: Vec<(usize, u32, bool, bool, bool)>,
    idps: Vec<(usize, bool, bool, bool, u32)>,
    requirement: usize,
    chain: (u32, u32),
    constraints: u32,
    filter: (u8, u32),
}

fn org() -> impl Strategy<Value = Org> {
    (
        any::<bool>(),
        0u8..4,
        prop::collection::vec(
            (
                0..KINDS.len(),
                any::<u32>(),
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
            ),
            0..6,
        ),
        prop::collection::vec(
            (
                0usize..4,
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                any::<u32>(),
            ),
            0..3,
        ),
        0..=REQUIREMENTS.len(),
        (any::<u32>(), any::<u32>()),
        any::<u32>(),
        (0u8..3, any::<u32>()),
    )
        .prop_map(
            |(
                classic_sp,
                features,
                authenticators,
                idps,
                requirement,
                chain,
                constraints,
                filter,
            )| Org {
                classic_sp,
                features,
                authenticators,
                idps,
                requirement,
                chain,
                constraints,
                filter,
            },
        )
}

fn text(o: &Org) -> String {
    let mut features = Vec::new();
    if o.features & 1 != 0 {
        features.push("okta_to_okta_claims_sharing");
    }
    if o.features & 2 != 0 {
        features.push("third_party_claims_sharing");
    }
    let mut t = format!(
        "org o {{ engine {}  features [{}] }}\napp a\n",
        if o.classic_sp { "classic" } else { "identity" },
        features.join(", ")
    );
    let mut seen = Vec::new();
    for &(k, methods, active, enrollment, sq_mfa) in &o.authenticators {
        let (kind, all) = KINDS[k];
        if seen.contains(&kind) {
            continue;
        }
        seen.push(kind);
        let mut body = String::new();
        let chosen = subset(all, methods);
        if !all.is_empty() && !chosen.is_empty() {
            body.push_str(&format!(" methods [{}]", chosen.join(", ")));
        }
        if !active {
            body.push_str(" status inactive");
        }
        if !enrollment {
            body.push_str(" enrollment disabled");
        }
        if kind == "security_question" {
            body.push_str(if sq_mfa {
                " used_for mfa"
            } else {
                " used_for recovery"
            });
        }
        t.push_str(&format!("authenticator {kind} {{{body} }}\n"));
    }
    for (i, &(kind, trust, active, classic, _)) in o.idps.iter().enumerate() {
        let kind = ["okta_oidc", "okta_saml", "oidc", "saml"][kind];
        let okta = kind.starts_with("okta");
        let values = asserted(o, i);
        t.push_str(&format!(
            "idp i{i} {{ kind {kind}{}  trust_claims {trust}  status {}  asserts [{}] }}\n",
            match (okta, classic) {
                (true, true) => "  engine classic",
                (false, true) => "  usage factor_only",
                _ => "",
            },
            if active { "active" } else { "inactive" },
            values.join(", ")
        ));
    }
    let requirement = match REQUIREMENTS.get(o.requirement) {
        Some(r) => (*r).to_owned(),
        None => {
            let a = subset(METHODS, (o.chain.0 % 64) | 1);
            let b = subset(METHODS, (o.chain.1 % 256) | 2);
            format!("chain [[{}], [{}]]", a.join(", "), b.join(", "))
        }
    };
    let constraints = subset(CONSTRAINTS, (o.constraints % 64) & (o.constraints >> 8));
    let filter_methods = subset(METHODS, o.filter.1 | 1);
    let filter = match o.filter.0 {
        0 => String::new(),
        1 => format!("\n    methods only [{}]", filter_methods.join(", ")),
        _ => format!(
            "\n    methods except [{}]",
            subset(METHODS, o.filter.1 & 0xfe).join(", ")
        ),
    };
    let filter = if filter.ends_with("except []") {
        String::new()
    } else {
        filter
    };
    let possession = if constraints.is_empty() {
        String::new()
    } else {
        format!("\n    possession [{}]", constraints.join(", "))
    };
    t.push_str(&format!("policy p {{\n  apps [a]\n  rule r {{\n    require {requirement}{possession}{filter}\n  }}\n}}\n"));
    t
}

/// The values IdP `i` asserts, as written.
fn asserted(o: &Org, i: usize) -> Vec<&'static str> {
    let (kind, _, _, _, asserts) = o.idps[i];
    let all: Vec<&'static str> = if kind < 2 {
        [AMR, OKTA_METHODS].concat()
    } else {
        AMR.to_vec()
    };
    all.iter()
        .enumerate()
        .filter(|(b, _)| asserts & (1 << b) != 0)
        .map(|(_, v)| *v)
        // At most 12, so that brute force can try every subset.
        .take(12)
        .collect()
}

/// Some sign-in gets through (allow or a challenge the org can complete). A sign-in at an IdP
/// sends any subset of the values written in its `asserts` (an Okta org's `okta_verify` and
/// `swk` are two values, which only together name a push).
fn brute_force(compiled: &policyc::Compiled, o: &Org) -> bool {
    let model = &compiled.model;
    let local = SignIn {
        app: AppId(0),
        user: User::default(),
        claims: None,
    };
    if evaluate(compiled, &local).outcome != Outcome::Deny {
        return true;
    }
    for (i, idp) in model.idps.iter().enumerate() {
        if idp.status != policyc::model::Status::Active {
            continue;
        }
        let values = asserted(o, i);
        for mask in 0u32..(1 << values.len()) {
            let chosen: Vec<String> = values
                .iter()
                .enumerate()
                .filter(|(b, _)| mask & (1 << b) != 0)
                .map(|(_, v)| v.to_string())
                .collect();
            let claims = Claims::from_values(model, policyc::model::IdpId(i as u32), &chosen);
            let sign_in = SignIn {
                app: AppId(0),
                user: User::default(),
                claims: Some(claims),
            };
            if evaluate(compiled, &sign_in).outcome != Outcome::Deny {
                return true;
            }
        }
    }
    false
}

#[test]
fn the_engine_agrees_with_brute_force() {
    let config = Config {
        cases: 800,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let satisfiable = [std::cell::Cell::new(0usize), std::cell::Cell::new(0usize)];
    runner
        .run(&org(), |o| {
            let text = text(&o);
            let mut sources = Sources::new();
            sources.add(SourceFile::new("random.policy", text.clone()));
            let compiled = policyc::compile(sources);
            let errors: Vec<_> = compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .collect();
            prop_assert!(
                errors.is_empty(),
                "generator made an invalid file:\n{text}\n{errors:?}"
            );
            prop_assume!(!compiled.model.policies[0].rules.is_empty());
            let support = Support::build(&compiled);
            let avail = available(&compiled.model);
            let engine = support.satisfiable(0, &avail);
            let brute = brute_force(&compiled, &o);
            let count = &satisfiable[usize::from(engine)];
            count.set(count.get() + 1);
            prop_assert_eq!(engine, brute, "disagreement on:\n{}", text);
            Ok(())
        })
        .unwrap();
    // The generator must produce both answers often enough to test anything.
    let (no, yes) = (satisfiable[0].get(), satisfiable[1].get());
    assert!(no > 50 && yes > 50, "unsatisfiable {no}, satisfiable {yes}");
}
