#![allow(clippy::expect_used)]
//! Decisions per second: `evaluate` on a 50-rule app policy against a hand-written Rust loop that
//! does the same work on plain structs (the bar: within 2× of it), and `explain`.
//!
//! Then the sign-on workload (`generate::signon`: 20 groups, 5 zones, a trusted third-party OIDC
//! IdP, R = 50 and R = 1,000 first-match rules of which only 21 can decide) on 10,000 seeded
//! requests, each 1-3 groups, a zone and 0-4 AMR values: `decide` (the request's ids and AMR
//! strings to a decision: `Bits`, `Claims::from_strs`, `evaluate`), `eval only` (sign-ins built
//! beforehand), and a hand-written loop doing the same from the same request (`hand_loop_decide`:
//! a group mask and factor flags from a table per AMR value, then a first-match loop over plain
//! structs; `hand_loop_eval_only`: the loop alone on requests digested beforehand). The setup
//! checks that both decide alike.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use policyc::eval::{Claims, SignIn, User, evaluate, explain};
use policyc::graph::tables::Bits;
use policyc::model::{AppId, ZoneId};
use policyc::source::{SourceFile, Sources};
use std::hint::black_box;

mod generate;

const RULES: usize = 50;
const GROUPS: usize = 64;
const ZONES: usize = 8;

fn policy() -> String {
    let mut text = String::from(
        "org acme { engine identity  features [okta_to_okta_claims_sharing, third_party_claims_sharing] }\n\
         app wiki\n\
         authenticator password\n\
         authenticator okta_verify { methods [push, totp, fastpass] }\n\
         authenticator webauthn\n\
         authenticator phone { methods [sms] }\n\
         idp entra { kind oidc  trust_claims true  asserts [pwd, otp, phr, hwk] }\n\
         session_policy default {\n  rule everyone { require mfa }\n}\n",
    );
    for g in 0..GROUPS {
        text.push_str(&format!("group g{g}\n"));
    }
    for z in 0..ZONES {
        text.push_str(&format!("zone z{z}\n"));
    }
    text.push_str("policy apps {\n  apps [wiki]\n");
    for r in 0..RULES - 1 {
        let possession = if r % 3 == 0 {
            "\n    possession [phishing_resistant]"
        } else {
            ""
        };
        text.push_str(&format!(
            "  rule r{r} {{\n    when group in [g{}] and zone in [z{}]\n    require 2 factor_types{possession}\n  }}\n",
            r % GROUPS,
            r % ZONES
        ));
    }
    text.push_str("  rule everyone {\n    require password + 1 factor_type\n  }\n}\n");
    text
}

/// Deterministic pseudo-random sign-ins: a group, a zone, and claims half of the time.
fn sign_ins(compiled: &policyc::Compiled) -> Vec<SignIn> {
    let (entra, _) = compiled.model.idp_named("entra").expect("declared");
    let mut seed = 0x2545_f491_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..256)
        .map(|_| {
            let r = next();
            let claims = match r % 4 {
                0 => None,
                1 => Some(vec!["pwd".to_owned()]),
                2 => Some(vec!["pwd".to_owned(), "otp".to_owned()]),
                _ => Some(vec!["pwd".to_owned(), "phr".to_owned()]),
            };
            SignIn {
                app: AppId(0),
                user: User {
                    groups: Bits::from_ids([(r >> 8) as u32 % GROUPS as u32]),
                    zone: Some(ZoneId((r >> 16) as u32 % ZONES as u32)),
                    ..User::default()
                },
                claims: claims.map(|c| Claims::from_values(&compiled.model, entra, &c)),
            }
        })
        .collect()
}

/// The baseline: the same policy as plain structs and a first-match loop, written by hand.
struct HandRule {
    group: u64,
    zone: u8,
    constrained: bool,
    two_factors: bool,
}

struct HandSignIn {
    groups: u64,
    zone: u8,
    /// knowledge, possession, compliant possession, idp
    state: u8,
}

fn hand_decide(rules: &[HandRule], s: &HandSignIn) -> (usize, bool) {
    // Session: mfa = two factor types.
    let session_ok = (s.state & 3) == 3;
    for (i, r) in rules.iter().enumerate() {
        if r.group & s.groups != 0 && (r.zone == u8::MAX || r.zone == s.zone) {
            let ok = if r.two_factors {
                (s.state & 3) == 3 && (!r.constrained || s.state & 4 != 0)
            } else {
                s.state & 8 != 0 || s.state & 1 != 0
            };
            return (i, ok && session_ok);
        }
    }
    (rules.len(), false)
}

fn bench(c: &mut Criterion) {
    let mut sources = Sources::new();
    sources.add(SourceFile::new("bench.policy", policy()));
    let compiled = policyc::compile(sources);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    let inputs = sign_ins(&compiled);

    let mut group = c.benchmark_group("eval");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.bench_function("evaluate 50 rules", |b| {
        b.iter(|| {
            for s in &inputs {
                black_box(evaluate(&compiled, black_box(s)));
            }
        })
    });

    let hand_rules: Vec<HandRule> = (0..RULES)
        .map(|r| HandRule {
            group: if r == RULES - 1 {
                u64::MAX
            } else {
                1 << (r % GROUPS)
            },
            zone: if r == RULES - 1 {
                u8::MAX
            } else {
                (r % ZONES) as u8
            },
            constrained: r % 3 == 0 && r != RULES - 1,
            two_factors: r != RULES - 1,
        })
        .collect();
    let hand_inputs: Vec<HandSignIn> = inputs
        .iter()
        .map(|s| HandSignIn {
            groups: (0..GROUPS as u32)
                .filter(|g| s.user.groups.contains(*g))
                .fold(0, |m, g| m | 1 << g),
            zone: s.user.zone.map_or(0, |z| z.0 as u8),
            state: s.claims.as_ref().map_or(0, |c| c.proofs.len() as u8 | 8),
        })
        .collect();
    group.bench_function("hand-written loop 50 rules", |b| {
        b.iter(|| {
            for s in &hand_inputs {
                black_box(hand_decide(black_box(&hand_rules), black_box(s)));
            }
        })
    });

    group.bench_function("explain 50 rules", |b| {
        b.iter(|| {
            for s in &inputs {
                black_box(explain(&compiled, black_box(s)));
            }
        })
    });
    group.finish();
}

/// One request of the sign-on workload: group and zone numbers, and AMR values as indices into
/// `generate::SIGNON_AMR` (a caller holds them as it likes; each engine maps them its own way).
struct Request {
    groups: Vec<u8>,
    zone: u8,
    amr: Vec<u8>,
}

/// 10,000 seeded requests: 1-3 distinct groups, a zone, 0-4 distinct AMR values (counts
/// weighted 1:3:4:3:1).
fn requests() -> Vec<Request> {
    let mut seed = 0x5eed_0fa1_1516_u64;
    let mut next = move |n: u64| {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % n
    };
    (0..10_000)
        .map(|_| {
            let mut groups = Vec::new();
            for _ in 0..1 + next(3) {
                let g = next(generate::SIGNON_GROUPS as u64) as u8;
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
            let zone = next(generate::SIGNON_ZONES as u64) as u8;
            let count = match next(12) {
                0 => 0,
                1..=3 => 1,
                4..=7 => 2,
                8..=10 => 3,
                _ => 4,
            };
            let mut amr = Vec::new();
            while amr.len() < count {
                let a = next(generate::SIGNON_AMR.len() as u64) as u8;
                if !amr.contains(&a) {
                    amr.push(a);
                }
            }
            Request { groups, zone, amr }
        })
        .collect()
}

/// The hand-written floor: the rules as plain structs, a request digested into a group mask
/// and factor flags (a table per AMR value), then a first-match loop.
#[derive(Clone, Copy)]
struct SignonRule {
    /// Group and zone; `None` for the catch-all.
    group_zone: Option<(u8, u8)>,
    two_factors: bool,
    phishing_resistant: bool,
    hardware_protected: bool,
}

const KNOWLEDGE: u8 = 1;
const POSSESSION: u8 = 2;
const INHERENCE: u8 = 4;
const MFA: u8 = 8;
const PHR: u8 = 16;
const HWK: u8 = 32;
const ANY: u8 = 64;

/// What each value of `generate::SIGNON_AMR` counts as, by index.
const HAND_AMR: [u8; 13] = [
    KNOWLEDGE,        // pwd
    KNOWLEDGE,        // kba
    POSSESSION,       // sms
    POSSESSION,       // tel
    POSSESSION,       // otp
    POSSESSION,       // swk
    POSSESSION | HWK, // hwk
    POSSESSION,       // sc
    POSSESSION,       // pop
    POSSESSION | PHR, // phr
    INHERENCE,        // face
    INHERENCE,        // fpt
    MFA,              // mfa
];

/// A request as the hand loop reads it.
#[derive(Clone, Copy)]
struct HandInput {
    groups: u32,
    zone: u8,
    flags: u8,
}

fn hand_digest(q: &Request) -> HandInput {
    HandInput {
        groups: q.groups.iter().fold(0, |m, g| m | 1 << g),
        zone: q.zone,
        flags: q.amr.iter().fold(0, |f, &a| {
            f | ANY | HAND_AMR.get(a as usize).copied().unwrap_or(0)
        }),
    }
}

/// policyc's reading of the workload: with claims, `1 factor_type` is met by the IdP sign-in;
/// a possession constraint wants one possession factor meeting every constraint; `mfa` counts
/// as 2 factor types only without constraints.
fn hand_signon(rules: &[SignonRule], d: &HandInput) -> (usize, bool) {
    let flags = d.flags;
    for (i, r) in rules.iter().enumerate() {
        let applies = match r.group_zone {
            Some((g, z)) => z == d.zone && (d.groups >> g) & 1 == 1,
            None => true,
        };
        if applies {
            let constrained = r.phishing_resistant || r.hardware_protected;
            let compliant = match (r.phishing_resistant, r.hardware_protected) {
                (true, true) => false,
                (true, false) => flags & PHR != 0,
                (false, true) => flags & HWK != 0,
                (false, false) => true,
            };
            let possession = if constrained {
                compliant
            } else {
                flags & POSSESSION != 0
            };
            let types =
                (flags & KNOWLEDGE != 0) as u8 + possession as u8 + (flags & INHERENCE != 0) as u8;
            let count = if r.two_factors {
                types >= 2 || (flags & MFA != 0 && !constrained)
            } else {
                true
            };
            return (i, flags & ANY != 0 && count && compliant);
        }
    }
    (rules.len(), false)
}

fn signon(c: &mut Criterion) {
    let reqs = requests();
    for r in [50, 1000] {
        let mut sources = Sources::new();
        sources.add(SourceFile::new("signon.policy", generate::signon(r)));
        let compiled = policyc::compile(sources);
        assert!(
            compiled.diagnostics.is_empty(),
            "{:?}",
            compiled.diagnostics
        );
        let model = &compiled.model;
        let app = policyc::eval::input::app_by_name(model, "portal").expect("declared");
        let idp = policyc::eval::input::idp_by_name(model, "partner").expect("declared");
        let groups: Vec<u32> = (0..generate::SIGNON_GROUPS)
            .map(|g| {
                policyc::eval::input::group_by_name(model, &format!("g{g}"))
                    .expect("declared")
                    .0
            })
            .collect();
        let zones: Vec<ZoneId> = (0..generate::SIGNON_ZONES)
            .map(|z| {
                policyc::eval::input::zone_by_name(model, &format!("zone{z}")).expect("declared")
            })
            .collect();
        let first = compiled.graph.tables.policy_rules[0].start;
        // The request to a sign-in: ids looked up once, AMR values as the strings an IdP sends
        // (read by `Claims::from_strs`); no AMR value is a local sign-in.
        let sign_in = |q: &Request| {
            let mut amr = [""; 4];
            for (slot, &a) in amr.iter_mut().zip(&q.amr) {
                *slot = generate::SIGNON_AMR[a as usize];
            }
            SignIn {
                app,
                user: User {
                    groups: Bits::from_ids(q.groups.iter().map(|&g| groups[g as usize])),
                    zone: Some(zones[q.zone as usize]),
                    ..User::default()
                },
                claims: (!q.amr.is_empty())
                    .then(|| Claims::from_strs(model, idp, &amr[..q.amr.len().min(4)])),
            }
        };
        let hand_rules: Vec<SignonRule> = generate::signon_rules(r)
            .iter()
            .map(|s| SignonRule {
                group_zone: s.group_zone.map(|(g, z)| (g as u8, z as u8)),
                two_factors: s.factors == 2,
                phishing_resistant: s.phishing_resistant,
                hardware_protected: s.hardware_protected,
            })
            .collect();
        let inputs: Vec<SignIn> = reqs.iter().map(sign_in).collect();
        let digested: Vec<HandInput> = reqs.iter().map(hand_digest).collect();
        let mut allowed = 0;
        for ((q, s), d) in reqs.iter().zip(&inputs).zip(&digested) {
            let decision = evaluate(&compiled, s);
            let mine = (
                decision.rule.expect("the catch-all applies") - first,
                decision.outcome == policyc::eval::Outcome::Allow,
            );
            assert_eq!(
                mine,
                hand_signon(&hand_rules, d),
                "R = {r}: {:?} {:?} {}",
                q.groups,
                q.amr,
                q.zone
            );
            allowed += mine.1 as usize;
        }
        eprintln!("sign-on R = {r}: {allowed} of {} allowed", reqs.len());

        let mut group = c.benchmark_group(format!("signon_{r}_rules"));
        group.throughput(Throughput::Elements(reqs.len() as u64));
        group.bench_function("decide", |b| {
            b.iter(|| {
                for q in &reqs {
                    black_box(evaluate(&compiled, &sign_in(black_box(q))));
                }
            })
        });
        group.bench_function("eval_only", |b| {
            b.iter(|| {
                for s in &inputs {
                    black_box(evaluate(&compiled, black_box(s)));
                }
            })
        });
        group.bench_function("hand_loop_decide", |b| {
            b.iter(|| {
                for q in &reqs {
                    black_box(hand_signon(&hand_rules, &hand_digest(black_box(q))));
                }
            })
        });
        group.bench_function("hand_loop_eval_only", |b| {
            b.iter(|| {
                for d in &digested {
                    black_box(hand_signon(black_box(&hand_rules), black_box(d)));
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench, signon);
criterion_main!(benches);
