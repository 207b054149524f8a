//! Differential test: `policyc::evaluate` (bitset tables, a one-word prefilter, local methods
//! grouped into classes, combinations by Gosper's hack) against a reference interpreter written
//! the slow, obvious way over the model (conditions read from the model, every subset of local
//! methods tried). Session policies and routes are spread over files whose order is not their
//! priority; the reference orders them from the generated priorities, not from the model, and
//! also predicts when the reasons must say the claims come from an IdP routing would not choose.
//! The two share only `graph::proof`, the rules for what a proof is worth, which
//! tests/eval_semantics.rs checks row by row against Okta's claims-sharing guide. The reference
//! states the flow's own rules (routing, an inactive IdP, a trusted third-party IdP that sends
//! no AMR value, device claims) independently of `evaluate`. Fixed seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::claims::DeviceClaims;
use policyc::eval::{Claims, Outcome, SignIn, User, evaluate, explain_briefly};
use policyc::graph::proof::{self, State, satisfies};
use policyc::graph::tables::{Action, Bits, Need, ReqKind, method_bit, methods_of};
use policyc::model::{
    AppId, ConditionTest, DeviceState, GroupId, Model, Platform, Risk, RuleOwner, Status, ZoneId,
};
use policyc::source::{SourceFile, Sources};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const GROUPS: usize = 4;
const ZONES: usize = 3;
const APPS: usize = 2;

const CONDITIONS: &[&str] = &[
    "group in [g0]",
    "group in [g1, g2]",
    "group not in [g3]",
    "zone in [z0]",
    "zone not in [z1, z2]",
    "risk in [high]",
    "risk not in [low]",
    "platform in [ios, macos]",
    "device managed",
    "device registered",
    "domain in [\"a.example\"]",
];
const REQUIREMENTS: &[&str] = &[
    "require password",
    "require 1 factor_type",
    "require password + 1 factor_type",
    "require 2 factor_types",
    "require 2 factor_types\n    possession [phishing_resistant]",
    "require 2 factor_types\n    possession [device_bound, exclude_phone_email]",
    "require 1 factor_type\n    possession [hardware_protected]",
    "require 2 factor_types\n    methods except [phone.sms]",
    "require password + 1 factor_type\n    methods only [password, okta_verify.push, webauthn]",
    "require chain [[password, okta_verify.push], [webauthn]]",
    "deny",
];
const SESSION: &[&str] = &[
    "require password",
    "require any_factor",
    "require mfa",
    "deny",
];
const AUTHENTICATORS: &[&str] = &[
    "authenticator password",
    "authenticator okta_verify { methods [push, fastpass] }",
    "authenticator webauthn { status inactive }",
    "authenticator webauthn",
    "authenticator phone { methods [sms] }",
    "authenticator email { enrollment disabled }",
    "authenticator security_question { used_for mfa }",
];
const IDPS: &[&str] = &[
    "idp okta { kind okta_oidc  trust_claims true  asserts [password, okta_verify.push, webauthn] }",
    "idp entra { kind oidc  trust_claims true  asserts [pwd, otp, phr, face, mfa] }",
    "idp adfs { kind saml  trust_claims true  status inactive  asserts [pwd, sms, hwk] }",
    "idp legacy { kind okta_saml  engine classic  trust_claims true  asserts [pwd, mfa] }",
    "idp untrusted { kind oidc  trust_claims false  asserts [pwd, hwk] }",
];
/// (IdP, values, device claims as (registered, managed)).
type ClaimsCase = (&'static str, &'static [&'static str], Option<(bool, bool)>);
const CLAIMS: &[ClaimsCase] = &[
    ("okta", &["password", "webauthn"], None),
    ("okta", &["pwd"], Some((true, false))),
    ("okta", &["okta_verify", "swk"], Some((true, true))),
    ("entra", &["pwd", "otp"], None),
    ("entra", &["phr", "face"], None),
    ("entra", &["mfa"], None),
    ("entra", &[], None),
    ("entra", &["geo"], None),
    ("adfs", &["pwd", "hwk"], None),
    ("legacy", &["pwd", "mfa"], None),
    ("untrusted", &["pwd", "hwk"], Some((true, true))),
    ("untrusted", &[], None),
];

#[derive(Debug, Clone)]
struct Case {
    authenticators: u32,
    idps: u32,
    /// (condition, target, key): route `n` gets `priority key*10+n+1`, in a file of its own.
    routes: Vec<(usize, usize, u8)>,
    /// Session policies, each in a file of its own with `priority key*10+i+1` (the first without
    /// a priority when `implicit_first`), and their rules.
    session: Vec<(u8, Vec<(u32, usize)>)>,
    implicit_first: bool,
    rules: Vec<(u32, usize)>,
    user: (u32, usize, usize, usize, u8, bool),
    claims: Option<usize>,
}

fn case() -> impl Strategy<Value = Case> {
    let rule = (any::<u32>(), 0..REQUIREMENTS.len());
    (
        any::<u32>(),
        any::<u32>(),
        prop::collection::vec((0..CONDITIONS.len(), 0..IDPS.len(), 0u8..4), 0..3),
        prop::collection::vec(
            (
                0u8..4,
                prop::collection::vec((any::<u32>(), 0..SESSION.len()), 1..2),
            ),
            0..3,
        ),
        any::<bool>(),
        prop::collection::vec(rule, 1..6),
        (
            any::<u32>(),
            0..=ZONES,
            0..4usize,
            0..5usize,
            0u8..4,
            any::<bool>(),
        ),
        prop::option::of(0..CLAIMS.len()),
    )
        .prop_map(
            |(authenticators, idps, routes, session, implicit_first, rules, user, claims)| Case {
                authenticators,
                idps,
                routes,
                session,
                implicit_first,
                rules,
                user,
                claims,
            },
        )
}

/// The conditions whose bits are set, `and`-ed (at most two, to keep rules reachable).
fn when(mask: u32) -> String {
    let chosen: Vec<&str> = (0..CONDITIONS.len())
        .filter(|i| mask & (1 << i) != 0)
        .take(2)
        .map(|i| CONDITIONS[i])
        .collect();
    if chosen.is_empty() {
        String::new()
    } else {
        format!("\n    when {}", chosen.join(" and "))
    }
}

/// Session policy `i`'s priority, if it has one.
fn session_priority(c: &Case, i: usize) -> Option<u32> {
    let (key, _) = c.session.get(i)?;
    (!(c.implicit_first && i == 0)).then_some(u32::from(*key) * 10 + i as u32 + 1)
}

/// The session policies' names in the order Okta tries them, from the case (not the model):
/// numbered ones by number, then the one without a priority.
fn session_order(c: &Case) -> Vec<String> {
    let mut order: Vec<usize> = (0..c.session.len()).collect();
    order.sort_by_key(|&i| match session_priority(c, i) {
        Some(p) => (false, p),
        None => (true, 0),
    });
    order.into_iter().map(|i| format!("s{i}")).collect()
}

/// The routes' names in priority order, from the case.
fn route_order(c: &Case) -> Vec<String> {
    let mut order: Vec<(u32, usize)> = c
        .routes
        .iter()
        .enumerate()
        .map(|(n, (_, _, key))| (u32::from(*key) * 10 + n as u32 + 1, n))
        .collect();
    order.sort();
    order.into_iter().map(|(_, n)| format!("r{n}")).collect()
}

/// The policy set: one main file, and a file per route and per session policy, so that file
/// order and priority order differ.
fn files(c: &Case) -> Vec<(String, String)> {
    let main = text(c);
    let declared: Vec<&str> = IDPS
        .iter()
        .filter(|i| main.contains(*i))
        .map(|i| i.split_whitespace().nth(1).unwrap())
        .collect();
    let mut out = vec![("main.policy".to_owned(), main)];
    for (n, (cond, to, key)) in c.routes.iter().enumerate() {
        let to = declared.get(*to % declared.len().max(1));
        let Some(to) = to else { continue };
        let cond = CONDITIONS[*cond];
        // Routes accept domain, group, zone and app conditions only.
        if cond.starts_with("risk") || cond.starts_with("platform") || cond.starts_with("device") {
            continue;
        }
        let priority = u32::from(*key) * 10 + n as u32 + 1;
        out.push((
            format!("r{n}.policy"),
            format!("route r{n} {{\n  priority {priority}\n  when {cond}\n  to {to}\n}}\n"),
        ));
    }
    for (i, (_, rules)) in c.session.iter().enumerate() {
        let mut t = format!("session_policy s{i} {{\n");
        if let Some(p) = session_priority(c, i) {
            t.push_str(&format!("  priority {p}\n"));
        }
        for (n, (mask, req)) in rules.iter().enumerate() {
            t.push_str(&format!(
                "  rule s{i}r{n} {{{}\n    {}\n  }}\n",
                when(*mask),
                SESSION[*req]
            ));
        }
        t.push_str("}\n");
        // Written in reverse: file order is never priority order by construction.
        out.push((format!("{}.policy", (b'z' - i as u8) as char), t));
    }
    out
}

fn text(c: &Case) -> String {
    let mut t = String::from(
        "org o { features [okta_to_okta_claims_sharing, third_party_claims_sharing] }\n",
    );
    for g in 0..GROUPS {
        t.push_str(&format!("group g{g}\n"));
    }
    for z in 0..ZONES {
        t.push_str(&format!("zone z{z}\n"));
    }
    for a in 0..APPS {
        t.push_str(&format!("app a{a}\n"));
    }
    let mut kinds = Vec::new();
    for (i, a) in AUTHENTICATORS.iter().enumerate() {
        let kind = a.split_whitespace().nth(1).unwrap();
        if c.authenticators & (1 << i) != 0 && !kinds.contains(&kind) {
            kinds.push(kind);
            t.push_str(&format!("{a}\n"));
        }
    }
    for (i, idp) in IDPS.iter().enumerate() {
        // Every IdP named by the claims is declared; others at random.
        if c.idps & (1 << i) != 0
            || c.claims
                .is_some_and(|k| IDPS[i].contains(&format!("idp {} ", CLAIMS[k].0)))
        {
            t.push_str(&format!("{idp}\n"));
        }
    }
    t.push_str("policy p {\n  apps [a0]\n");
    for (n, (mask, req)) in c.rules.iter().enumerate() {
        t.push_str(&format!(
            "  rule r{n} {{{}\n    {}\n  }}\n",
            when(*mask),
            REQUIREMENTS[*req]
        ));
    }
    t.push_str("}\n");
    t
}

fn user(c: &Case) -> User {
    let (groups, zone, risk, platform, device, domain) = c.user;
    User {
        groups: Bits::from_ids((0..GROUPS as u32).filter(|g| groups & (1 << g) != 0)),
        zone: (zone < ZONES).then_some(ZoneId(zone as u32)),
        risk: [None, Some(Risk::Low), Some(Risk::Medium), Some(Risk::High)][risk],
        platform: [
            None,
            Some(Platform::Ios),
            Some(Platform::Android),
            Some(Platform::Macos),
            Some(Platform::Windows),
        ][platform],
        domain: domain.then(|| "a.example".to_owned()),
        device_registered: device & 1 != 0,
        device_managed: device & 2 != 0,
        // 0: the input says nothing of the device, so trusted device claims decide.
        device_stated: device != 0,
    }
}

// --- the reference interpreter ------------------------------------------------------------------

/// The device claims that count: an Okta IdP org's, when its claims are trusted.
fn device_claims(model: &Model, s: &SignIn) -> Option<(bool, bool)> {
    let c = s.claims.as_ref()?;
    let idp = model.idp(c.idp)?;
    let trusted = idp.trust_claims && model.features().covers(idp.kind);
    let d = c.device.filter(|_| trusted)?;
    Some((d.registered.unwrap_or(false), d.managed.unwrap_or(false)))
}

fn holds(test: &ConditionTest, app: AppId, u: &User, claimed: Option<(bool, bool)>) -> bool {
    let has_group = |g: &GroupId| u.groups.contains(g.0);
    match test {
        ConditionTest::Group { negated, groups } => groups.iter().any(has_group) != *negated,
        ConditionTest::Zone { negated, zones } => {
            u.zone.is_some_and(|z| zones.contains(&z)) != *negated
        }
        ConditionTest::App { negated, apps } => apps.contains(&app) != *negated,
        ConditionTest::Risk { negated, levels } => {
            u.risk.is_some_and(|r| levels.contains(&r)) != *negated
        }
        ConditionTest::Platform { negated, platforms } => {
            u.platform.is_some_and(|p| platforms.contains(&p)) != *negated
        }
        ConditionTest::Domain { negated, domains } => {
            u.domain.as_ref().is_some_and(|d| domains.contains(d)) != *negated
        }
        ConditionTest::Device(DeviceState::Registered) => match claimed {
            Some((registered, _)) if !u.device_stated => registered,
            _ => u.device_registered,
        },
        ConditionTest::Device(DeviceState::Managed) => match claimed {
            Some((_, managed)) if !u.device_stated => managed,
            _ => u.device_managed,
        },
    }
}

/// The index (in `Model::rules()` order) of the first app rule of the app's policy whose
/// conditions hold.
fn first_app_rule(model: &Model, s: &SignIn) -> Option<usize> {
    let (app, u, claimed) = (s.app, &s.user, device_claims(model, s));
    let policy = model.policy_of_app(app).map(|(p, _)| p);
    model.rules().enumerate().find_map(|(i, (owner, rule))| {
        let mine = matches!(owner, RuleOwner::App(p) if Some(p) == policy);
        (mine
            && rule
                .conditions
                .iter()
                .all(|c| holds(&c.test, app, u, claimed)))
        .then_some(i)
    })
}

/// The first session rule (index in `Model::rules()` order) whose conditions hold, trying the
/// session policies in the order the case gives them.
fn first_session_rule(model: &Model, order: &[String], s: &SignIn) -> Option<usize> {
    let (app, u, claimed) = (s.app, &s.user, device_claims(model, s));
    let rules: Vec<_> = model.rules().collect();
    for policy in order {
        for (i, (owner, rule)) in rules.iter().enumerate() {
            let RuleOwner::Session(p) = owner else {
                continue;
            };
            if &model.session_policies[*p as usize].name == policy
                && rule
                    .conditions
                    .iter()
                    .all(|c| holds(&c.test, app, u, claimed))
            {
                return Some(i);
            }
        }
    }
    None
}

/// The first route, in the case's priority order, whose conditions hold.
fn first_route<'m>(
    model: &'m Model,
    order: &[String],
    s: &SignIn,
) -> Option<&'m policyc::model::Route> {
    order
        .iter()
        .filter_map(|name| model.routes.iter().find(|r| &r.name == name))
        .find(|r| {
            r.conditions
                .iter()
                .all(|c| holds(&c.test, s.app, &s.user, device_claims(model, s)))
        })
}

/// The decision, the challenge, and whether the reasons must say that the claims come from an
/// IdP other than the one routing chooses.
fn reference(compiled: &policyc::Compiled, c: &Case, s: &SignIn) -> (Outcome, u16, bool) {
    let (outcome, challenge) = decide_reference(compiled, c, s);
    let model = &compiled.model;
    let routed = first_route(model, &route_order(c), s).and_then(|r| r.to);
    let mismatch = model.policy_of_app(s.app).is_some()
        && routed.is_some_and(|(to, _)| {
            model.idp(to).is_some_and(|i| i.status == Status::Active)
                && s.claims.as_ref().is_some_and(|claims| claims.idp != to)
        });
    (outcome, challenge, mismatch)
}

fn decide_reference(compiled: &policyc::Compiled, c: &Case, s: &SignIn) -> (Outcome, u16) {
    let model = &compiled.model;
    let tables = &compiled.graph.tables;
    if model.policy_of_app(s.app).is_none() {
        return (Outcome::Deny, 0);
    }
    let routed = first_route(model, &route_order(c), s);
    if routed
        .and_then(|r| r.to)
        .is_some_and(|(idp, _)| model.idp(idp).is_some_and(|i| i.status != Status::Active))
    {
        return (Outcome::Deny, 0);
    }
    if let Some(c) = &s.claims
        && model.idp(c.idp).is_none_or(|i| i.status != Status::Active)
    {
        return (Outcome::Deny, 0);
    }
    // A trusted third-party IdP that sends no AMR value the SP reads breaks the flow.
    if let Some(c) = &s.claims
        && model
            .idp(c.idp)
            .is_some_and(|i| !i.kind.is_okta() && i.trust_claims && model.features().covers(i.kind))
        && c.accepted.is_empty()
    {
        return (Outcome::Deny, 0);
    }
    let need = |r: usize| match tables.rules.get(r).map(|t| &t.action) {
        Some(Action::Require(need)) => Some(need.clone()),
        _ => None,
    };
    let session = first_session_rule(model, &session_order(c), s);
    if session.is_some_and(|r| need(r).is_none()) {
        return (Outcome::Deny, 0);
    }
    let Some(app_rule) = first_app_rule(model, s) else {
        return (Outcome::Deny, 0);
    };
    let Some(app_need) = need(app_rule) else {
        return (Outcome::Deny, 0);
    };
    let session_need = session.and_then(need);

    let claims_for = |need: &Need, app: bool| -> State {
        let Some(c) = &s.claims else { return 0 };
        let Some(idp) = tables.idps.get(c.idp.index()) else {
            return 0;
        };
        if !idp.trusted {
            return proof::IDP;
        }
        proof::claims_state(tables, idp, need, app, &c.proofs).unwrap_or(proof::IDP)
    };
    let app_claims = claims_for(&app_need, true);
    let session_claims = session_need.as_ref().map_or(0, |n| claims_for(n, false));

    let usable: Vec<_> = methods_of(tables.local).collect();
    let works = |subset: &[policyc::model::MethodId]| {
        let session_ok = session_need.as_ref().is_none_or(|need| {
            let state = subset.iter().fold(session_claims, |acc, m| {
                acc | proof::Proof::local(*m).state(need)
            });
            satisfies(state, need)
        });
        let app_ok = if app_need.requirement == ReqKind::Chain {
            let mask = subset.iter().fold(0, |acc, m| acc | method_bit(*m));
            app_need.chains.iter().any(|c| *c != 0 && c & mask == *c)
        } else {
            let state = subset
                .iter()
                .filter(|m| app_need.filter.allows(**m))
                .fold(app_claims, |acc, m| {
                    acc | proof::Proof::local(*m).state(&app_need)
                });
            satisfies(state, &app_need)
        };
        session_ok && app_ok
    };
    // Every subset of usable local methods, smallest first.
    for size in 0..=usable.len() {
        let mut offered = 0u16;
        for mask in 0u32..(1 << usable.len()) {
            if mask.count_ones() as usize != size {
                continue;
            }
            let subset: Vec<_> = usable
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, m)| *m)
                .collect();
            if works(&subset) {
                offered |= subset.iter().fold(0, |acc, m| acc | method_bit(*m));
            }
        }
        if size == 0 && works(&[]) {
            return (Outcome::Allow, 0);
        }
        if offered != 0 {
            return (Outcome::Challenge, offered);
        }
    }
    (Outcome::Deny, 0)
}

#[test]
fn evaluation_agrees_with_the_reference_interpreter() {
    let config = Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[3; 32]));
    let outcomes = std::cell::Cell::new([0usize; 3]);
    let routing_reasons = std::cell::Cell::new(0usize);
    runner
        .run(&case(), |c| {
            let files = files(&c);
            let text: String = files
                .iter()
                .map(|(name, t)| format!("# {name}\n{t}"))
                .collect();
            let mut sources = Sources::new();
            for (name, t) in &files {
                sources.add(SourceFile::new(name.as_str(), t.as_str()));
            }
            let compiled = policyc::compile(sources);
            let errors: Vec<_> = compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .collect();
            prop_assert!(errors.is_empty(), "invalid file:\n{text}\n{errors:?}");
            let claims = c.claims.and_then(|k| {
                let (idp, values, device) = CLAIMS[k];
                let (id, _) = compiled.model.idp_named(idp)?;
                let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                let mut claims = Claims::from_values(&compiled.model, id, &values);
                claims.device = device.map(|(registered, managed)| DeviceClaims {
                    registered: Some(registered),
                    managed: Some(managed),
                });
                Some(claims)
            });
            for app in 0..APPS as u32 {
                let sign_in = SignIn {
                    app: AppId(app),
                    user: user(&c),
                    claims: claims.clone(),
                };
                let fast = evaluate(&compiled, &sign_in);
                let slow = reference(&compiled, &c, &sign_in);
                let routing_reason = explain_briefly(&compiled, &sign_in)
                    .reasons
                    .iter()
                    .any(|r| r.starts_with("the claims come from IdP"));
                prop_assert_eq!(
                    (fast.outcome, fast.challenge, routing_reason),
                    slow,
                    "disagreement for app a{} with {:?} on:\n{}",
                    app,
                    sign_in.user,
                    text
                );
                let mut counts = outcomes.get();
                counts[fast.outcome as usize] += 1;
                outcomes.set(counts);
                routing_reasons.set(routing_reasons.get() + usize::from(routing_reason));
            }
            Ok(())
        })
        .unwrap();
    let [allow, challenge, deny] = outcomes.get();
    // Enough sign-ins whose claims come from an IdP routing would not choose.
    assert!(routing_reasons.get() > 50, "{}", routing_reasons.get());
    assert!(
        allow > 100 && challenge > 100 && deny > 100,
        "allow {allow}, challenge {challenge}, deny {deny}"
    );
}
