//! Differential test: `check::routing` (a depth-first search over which earlier routes fail,
//! with conjunctions of conditions checked symbolically) against brute force over every sign-in
//! of a small universe (each set of groups, zone, domain, risk, device and app), routing each
//! by the routes in the priority order the generator chose. Fixed seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::check::routing::Routing;
use policyc::model::{AppId, ConditionTest, DeviceState, IdpId, Model, Risk, RuleOwner, ZoneId};
use policyc::source::{SourceFile, Sources};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const ROUTE_CONDITIONS: &[&str] = &[
    "group in [g0]",
    "group in [g1, g2]",
    "group not in [g0]",
    "zone in [z0]",
    "zone not in [z0, z1]",
    "domain in [\"a.example\"]",
    "domain not in [\"a.example\", \"b.example\"]",
    "app in [a0]",
    "app not in [a1, a2]",
];
const RULE_CONDITIONS: &[&str] = &[
    "group in [g0]",
    "group not in [g1]",
    "group in [g2]",
    "zone in [z1]",
    "zone not in [z0]",
    "domain in [\"b.example\"]",
    "risk in [high]",
    "device managed",
];
const IDPS: usize = 3;

#[derive(Debug, Clone)]
struct Case {
    /// (conditions mask, target, priority key)
    routes: Vec<(u32, usize, u8)>,
    /// (conditions mask, in the session policy)
    rules: Vec<(u32, bool)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec((any::<u32>(), 0..IDPS, 0u8..6), 0..5),
        prop::collection::vec((any::<u32>(), any::<bool>()), 1..5),
    )
        .prop_map(|(routes, rules)| Case { routes, rules })
}

/// At most two conditions, from the mask's bits.
fn when(list: &[&str], mask: u32) -> String {
    let chosen: Vec<&str> = (0..list.len())
        .filter(|i| mask & (1 << i) != 0)
        .take(2)
        .map(|i| list[i])
        .collect();
    if chosen.is_empty() {
        String::new()
    } else {
        format!("\n  when {}", chosen.join(" and "))
    }
}

fn text(c: &Case) -> String {
    let mut t = String::from(
        "org o { engine identity }\ngroup g0\ngroup g1\ngroup g2\nzone z0\nzone z1\napp a0\napp a1\napp a2\n",
    );
    for i in 0..IDPS {
        t.push_str(&format!("idp i{i} {{ kind oidc }}\n"));
    }
    for (n, (mask, to, key)) in c.routes.iter().enumerate() {
        t.push_str(&format!(
            "route r{n} {{\n  priority {}{}\n  to i{to}\n}}\n",
            u32::from(*key) * 10 + n as u32 + 1,
            when(ROUTE_CONDITIONS, *mask)
        ));
    }
    let rule = |n: usize, mask: u32| {
        format!(
            "  rule x{n} {{{}\n    require password\n  }}\n",
            when(RULE_CONDITIONS, mask).replace("\n  when", "\n    when")
        )
    };
    t.push_str("session_policy s {\n");
    for (n, (mask, _)) in c.rules.iter().enumerate().filter(|(_, (_, s))| *s) {
        t.push_str(&rule(n, *mask));
    }
    t.push_str("}\npolicy p {\n  apps [a0, a1]\n");
    for (n, (mask, _)) in c.rules.iter().enumerate().filter(|(_, (_, s))| !*s) {
        t.push_str(&rule(n, *mask));
    }
    t.push_str("}\npolicy q {\n  apps [a2]\n  rule all { require password }\n}\n");
    t
}

/// One sign-in of the universe.
#[derive(Debug, Clone, Copy)]
struct SignIn {
    groups: u8,
    zone: Option<u32>,
    domain: Option<&'static str>,
    risk: Option<Risk>,
    managed: bool,
    app: u32,
}

fn universe() -> Vec<SignIn> {
    let mut out = Vec::new();
    for groups in 0..8u8 {
        for zone in [None, Some(0), Some(1)] {
            for domain in [
                None,
                Some("a.example"),
                Some("b.example"),
                Some("c.example"),
            ] {
                for risk in [None, Some(Risk::Low), Some(Risk::High)] {
                    for managed in [false, true] {
                        for app in 0..3 {
                            out.push(SignIn {
                                groups,
                                zone,
                                domain,
                                risk,
                                managed,
                                app,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

fn holds(test: &ConditionTest, s: &SignIn) -> bool {
    match test {
        ConditionTest::Group { negated, groups } => {
            groups.iter().any(|g| s.groups & (1 << g.0) != 0) != *negated
        }
        ConditionTest::Zone { negated, zones } => {
            s.zone.is_some_and(|z| zones.contains(&ZoneId(z))) != *negated
        }
        ConditionTest::App { negated, apps } => apps.contains(&AppId(s.app)) != *negated,
        ConditionTest::Domain { negated, domains } => {
            s.domain.is_some_and(|d| domains.iter().any(|x| x == d)) != *negated
        }
        ConditionTest::Risk { negated, levels } => {
            s.risk.is_some_and(|r| levels.contains(&r)) != *negated
        }
        ConditionTest::Device(DeviceState::Managed) => s.managed,
        ConditionTest::Device(DeviceState::Registered) => false,
        ConditionTest::Platform { negated, .. } => *negated,
    }
}

/// Brute force: some sign-in the rule admits is routed, first match in the case's priority
/// order, to `idp`.
fn brute(model: &Model, c: &Case, all: &[SignIn], r: usize, idp: IdpId) -> bool {
    let rules: Vec<_> = model.rules().collect();
    let (owner, rule) = rules[r];
    let apps: Vec<u32> = match owner {
        RuleOwner::App(p) => model.policies[p.index()].apps.iter().map(|a| a.0).collect(),
        RuleOwner::Session(_) => vec![0, 1, 2],
    };
    let mut order: Vec<(u32, String)> = c
        .routes
        .iter()
        .enumerate()
        .map(|(n, (_, _, key))| (u32::from(*key) * 10 + n as u32 + 1, format!("r{n}")))
        .collect();
    order.sort();
    let routes: Vec<_> = order
        .iter()
        .map(|(_, name)| model.routes.iter().find(|r| &r.name == name).unwrap())
        .collect();
    all.iter().any(|s| {
        apps.contains(&s.app)
            && rule.conditions.iter().all(|c| holds(&c.test, s))
            && routes
                .iter()
                .find(|route| route.conditions.iter().all(|c| holds(&c.test, s)))
                .is_some_and(|route| route.to.is_some_and(|(to, _)| to == idp))
    })
}

#[test]
fn routing_reachability_agrees_with_brute_force() {
    let config = Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    let all = universe();
    let counts = std::cell::Cell::new((0usize, 0usize));
    runner
        .run(&case(), |c| {
            let text = text(&c);
            let mut sources = Sources::new();
            sources.add(SourceFile::new("random.policy", text.clone()));
            let compiled = policyc::compile(sources);
            let errors: Vec<_> = compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .collect();
            prop_assert!(errors.is_empty(), "invalid file:\n{text}\n{errors:?}");
            let model = &compiled.model;
            let rules: Vec<_> = model.rules().collect();
            let mut routing = Routing::new(&compiled);
            for r in 0..rules.len() {
                for i in 0..IDPS as u32 {
                    let fast = routing.routable(&rules, r, IdpId(i));
                    let slow = c.routes.is_empty() || brute(model, &c, &all, r, IdpId(i));
                    prop_assert_eq!(
                        fast,
                        slow,
                        "rule {} to IdP i{} on:\n{}",
                        rules[r].1.name,
                        i,
                        text
                    );
                    let (yes, no) = counts.get();
                    counts.set(if fast { (yes + 1, no) } else { (yes, no + 1) });
                }
            }
            Ok(())
        })
        .unwrap();
    let (yes, no) = counts.get();
    assert!(yes > 500 && no > 500, "routable {yes}, unroutable {no}");
}
