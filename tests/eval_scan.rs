//! `evaluate` finds the first matching rule through the scan index (`graph::tables::ScanIndex`:
//! rules in blocks of 64, rows by key bit); `explain` walks every rule in order and tests each
//! condition. On policies large enough to span many blocks, with group and zone ids past 63 (so
//! that prefilter bits alias), several policies whose rule ranges start and end inside blocks,
//! negated and multi-valued conditions and catch-alls, both pick the same rules and decide alike.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::eval::input::{app_by_name, group_by_name, zone_by_name};
use policyc::eval::{SignIn, User, evaluate, explain};
use policyc::graph::tables::Bits;
use policyc::source::{SourceFile, Sources};

const GROUPS: u64 = 150;
const ZONES: u64 = 70;

struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn condition(rng: &mut Rng) -> String {
    let list = |rng: &mut Rng, prefix: &str, n: u64| {
        let k = 1 + rng.next(3);
        (0..k)
            .map(|_| format!("{prefix}{}", rng.next(n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    let negated = rng.next(6) == 0;
    if negated {
        parts.push(format!("group not in [{}]", list(rng, "g", GROUPS)));
    } else {
        parts.push(format!("group in [{}]", list(rng, "g", GROUPS)));
    }
    match rng.next(5) {
        0 | 1 if !negated => {}
        2 if !negated => parts.push(format!("zone not in [{}]", list(rng, "z", ZONES))),
        _ => parts.push(format!("zone in [{}]", list(rng, "z", ZONES))),
    }
    if rng.next(8) == 0 {
        parts.push(format!("group in [{}]", list(rng, "g", GROUPS)));
    }
    format!("when {}\n    ", parts.join(" and "))
}

fn policy(rng: &mut Rng) -> String {
    let mut text = String::from(
        "org acme { engine identity  features [third_party_claims_sharing] }\n\
         app a0\napp a1\napp a2\n\
         authenticator password\n\
         authenticator okta_verify { methods [push, totp] }\n\
         authenticator phone { methods [sms] }\n",
    );
    for g in 0..GROUPS {
        text.push_str(&format!("group g{g}\n"));
    }
    for z in 0..ZONES {
        text.push_str(&format!("zone z{z}\n"));
    }
    let requirements = [
        "require password",
        "require 1 factor_type",
        "require 2 factor_types",
        "deny",
    ];
    text.push_str("session_policy s {\n");
    for r in 0..90 {
        let req = ["require password", "require mfa", "require any_factor"][rng.next(3) as usize];
        text.push_str(&format!(
            "  rule s{r} {{\n    {}{req}\n  }}\n",
            condition(rng)
        ));
    }
    text.push_str("  rule s_all { require password }\n}\n");
    for (p, rules) in [(0, 100), (1, 7), (2, 130)] {
        text.push_str(&format!("policy p{p} {{\n  apps [a{p}]\n"));
        for r in 0..rules {
            let req = requirements[rng.next(4) as usize];
            text.push_str(&format!(
                "  rule r{r} {{\n    {}{req}\n  }}\n",
                condition(rng)
            ));
        }
        text.push_str("}\n");
    }
    text
}

#[test]
fn the_indexed_scan_picks_the_rules_the_traced_scan_picks() {
    let mut rng = Rng(0x5eed_1234_abcd_u64);
    let mut sources = Sources::new();
    sources.add(SourceFile::new("big.policy", policy(&mut rng)));
    let compiled = policyc::compile(sources);
    let errors: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let model = &compiled.model;
    let groups: Vec<u32> = (0..GROUPS)
        .map(|g| group_by_name(model, &format!("g{g}")).unwrap().0)
        .collect();
    let zones: Vec<_> = (0..ZONES)
        .map(|z| zone_by_name(model, &format!("z{z}")).unwrap())
        .collect();
    let apps: Vec<_> = (0..3)
        .map(|a| app_by_name(model, &format!("a{a}")).unwrap())
        .collect();
    let (mut matched, mut fell_through) = (0, 0);
    for _ in 0..600 {
        let count = rng.next(5);
        let user = User {
            groups: Bits::from_ids((0..count).map(|_| groups[rng.next(GROUPS) as usize])),
            zone: (rng.next(6) != 0).then(|| zones[rng.next(ZONES) as usize]),
            ..User::default()
        };
        for &app in &apps {
            let sign_in = SignIn {
                app,
                user: user.clone(),
                claims: None,
            };
            let fast = evaluate(&compiled, &sign_in);
            let traced = explain(&compiled, &sign_in).decision;
            assert_eq!(fast, traced, "{:?} {app:?}", sign_in.user);
            match fast.rule {
                Some(_) => matched += 1,
                None => fell_through += 1,
            }
        }
    }
    // Both kinds of outcome occur often enough for the comparison to mean something.
    assert!(
        matched > 300 && fell_through > 100,
        "{matched} {fell_through}"
    );
}
