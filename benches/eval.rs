#![allow(clippy::expect_used)]
//! Decisions per second: `evaluate` on a 50-rule app policy against a hand-written Rust loop that
//! does the same work on plain structs (the bar: within 2× of it), and `explain`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use policyc::eval::{Claims, SignIn, User, evaluate, explain};
use policyc::graph::tables::Bits;
use policyc::model::{AppId, ZoneId};
use policyc::source::{SourceFile, Sources};
use std::hint::black_box;

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

criterion_group!(benches, bench);
criterion_main!(benches);
