//! `what-if deactivate` and `check` give one answer: on random orgs (IdPs of every kind, routes,
//! a session policy, app rules with possession constraints), for every IdP, what-if refuses
//! exactly when `check` of the set edited by hand (`status active` → `status inactive` in the
//! text) reports an error the unedited set does not. The guard's own verdict (the rules it
//! lists as broken) never refuses what `check` accepts. The orgs have no `test` blocks, so
//! only `check` decides here (tests/cli_what_if.rs covers failing tests). Fixed seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::check::CheckOptions;
use policyc::check::support::Support;
use policyc::check::what_if::{Edit, verdict};
use policyc::model::IdpId;
use policyc::source::{SourceFile, Sources};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::HashSet;

const KINDS: &[&str] = &["okta_oidc", "okta_saml", "oidc", "saml"];
const AMR: &[&str] = &["pwd", "otp", "hwk", "phr", "fpt", "mfa", "sms"];
const OKTA_METHODS: &[&str] = &["password", "okta_verify.push", "webauthn", "okta_verify"];
const APP_NEEDS: &[&str] = &[
    "password",
    "1 factor_type",
    "password + 1 factor_type",
    "2 factor_types",
    "2 factor_types  possession [phishing_resistant]",
    "2 factor_types  possession [hardware_protected]",
];
const SESSION_NEEDS: &[&str] = &["any_factor", "mfa", "password"];

/// One IdP: kind, trust_claims, active, asserts mask.
type IdpSpec = (usize, bool, bool, u32);

#[derive(Debug, Clone)]
struct Org {
    features: u8,
    local_verify: bool,
    idps: Vec<IdpSpec>,
    /// Routes: the index of the IdP each sends users to.
    routes: Vec<usize>,
    session: Option<usize>,
    app_rules: Vec<usize>,
}

fn org() -> impl Strategy<Value = Org> {
    (
        0u8..4,
        any::<bool>(),
        prop::collection::vec(
            (0..KINDS.len(), any::<bool>(), any::<bool>(), any::<u32>()),
            1..4,
        ),
        prop::collection::vec(0usize..3, 0..3),
        prop::option::of(0..SESSION_NEEDS.len()),
        prop::collection::vec(0..APP_NEEDS.len(), 1..4),
    )
        .prop_map(
            |(features, local_verify, idps, routes, session, app_rules)| Org {
                features,
                local_verify,
                routes: routes.into_iter().filter(|r| *r < idps.len()).collect(),
                idps,
                session,
                app_rules,
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
        "org o {{ engine identity  features [{}] }}\napp a\nauthenticator password\n",
        features.join(", ")
    );
    if o.local_verify {
        t.push_str("authenticator okta_verify { methods [push] }\n");
    }
    for (i, &(kind, trust, active, mask)) in o.idps.iter().enumerate() {
        let kind = KINDS[kind];
        let all: Vec<&str> = if kind.starts_with("okta") {
            [AMR, OKTA_METHODS].concat()
        } else {
            AMR.to_vec()
        };
        let values: Vec<&str> = all
            .iter()
            .enumerate()
            .filter(|(b, _)| mask & (1 << b) != 0)
            .map(|(_, v)| *v)
            .collect();
        t.push_str(&format!(
            "idp i{i} {{ kind {kind}  trust_claims {trust}  status {}  asserts [{}] }}\n",
            if active { "active" } else { "inactive" },
            values.join(", ")
        ));
    }
    for (n, to) in o.routes.iter().enumerate() {
        t.push_str(&format!(
            "route r{n} {{ when domain in [\"d{n}.example\"]  to i{to} }}\n"
        ));
    }
    if let Some(need) = o.session {
        t.push_str(&format!(
            "session_policy s {{ rule everyone {{ require {} }} }}\n",
            SESSION_NEEDS[need]
        ));
    }
    t.push_str("policy p {\n  apps [a]\n");
    for (n, need) in o.app_rules.iter().enumerate() {
        t.push_str(&format!("  rule r{n} {{ require {} }}\n", APP_NEEDS[*need]));
    }
    t.push_str("}\n");
    t
}

fn compile(text: &str) -> policyc::Compiled {
    let mut sources = Sources::new();
    sources.add(SourceFile::new("random.policy", text));
    policyc::compile(sources)
}

/// The errors `check` reports, by what identifies them across an edit (code and message).
fn errors(compiled: &policyc::Compiled) -> HashSet<(String, String)> {
    policyc::check(compiled, &CheckOptions::default())
        .into_iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code.as_str().to_owned(), d.message))
        .collect()
}

#[test]
fn what_if_deactivate_refuses_exactly_when_check_of_the_edit_fails() {
    let config = Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let counts = [std::cell::Cell::new(0usize), std::cell::Cell::new(0usize)];
    let guard_missed = std::cell::Cell::new(0usize);
    runner
        .run(&org(), |o| {
            let text = text(&o);
            let compiled = compile(&text);
            let compile_errors: Vec<_> = compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .collect();
            prop_assert!(
                compile_errors.is_empty(),
                "generator made an invalid file:\n{text}\n{compile_errors:?}"
            );
            let before = errors(&compiled);
            let support = Support::build(&compiled);
            for i in 0..o.idps.len() {
                // The edit a user would make: this IdP's `status` set to inactive.
                let line = text
                    .lines()
                    .find(|l| l.starts_with(&format!("idp i{i} ")))
                    .unwrap();
                let edited_text =
                    text.replace(line, &line.replace("status active", "status inactive"));
                let edited = compile(&edited_text);
                let new: Vec<_> = errors(&edited).difference(&before).cloned().collect();
                let check_fails = !new.is_empty();

                let edit = Edit::Deactivate(IdpId(i as u32));
                let answer = verdict(&compiled, &support, edit);
                let after = &answer.after;
                let what_if_refuses = answer.refused;
                prop_assert_eq!(
                    what_if_refuses,
                    check_fails,
                    "deactivating i{} in:\n{}\nnew errors after the edit: {:?}\nwhat-if's: {:?}",
                    i,
                    text,
                    new,
                    after.new_errors
                );
                let mine: HashSet<_> = after
                    .new_errors
                    .iter()
                    .map(|d| (d.code.as_str().to_owned(), d.message.clone()))
                    .collect();
                prop_assert_eq!(mine, new.into_iter().collect::<HashSet<_>>());
                // The guard alone misses what routes and session rules add; never the reverse.
                prop_assert!(!answer.guard.refused || check_fails);
                if check_fails && !answer.guard.refused {
                    guard_missed.set(guard_missed.get() + 1);
                }
                let count = &counts[usize::from(check_fails)];
                count.set(count.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    // Both answers, and the case the guard alone got wrong, must come up often enough.
    let (allowed, refused) = (counts[0].get(), counts[1].get());
    assert!(
        allowed > 50 && refused > 50,
        "allowed {allowed}, refused {refused}"
    );
    assert!(
        guard_missed.get() > 10,
        "guard missed {}",
        guard_missed.get()
    );
}
