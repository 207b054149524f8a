//! Did-you-mean at scale: a policy set of N = 20,000 declared groups whose rules make N
//! references to unknown groups, each a typo of a declared one (a swap of two letters), so
//! every unknown name is a real did-you-mean question. Measured: compile + check, the whole of
//! `policyc check` but the IO, against the same set with every reference resolved.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use policyc::source::{SourceFile, Sources};
use std::hint::black_box;

const N: usize = 20_000;
const REFS_PER_RULE: usize = 10;

/// The set: `group team_00000` ... and rules naming `taem_00000` ... (or `team_...` when
/// `resolved`).
fn policy_set(resolved: bool) -> Sources {
    let mut text = String::from("org acme { engine identity }\nauthenticator password\napp wiki\n");
    for i in 0..N {
        text.push_str(&format!("group team_{i:05}\n"));
    }
    text.push_str("policy p {\n  apps [wiki]\n");
    for r in 0..N / REFS_PER_RULE {
        let names: Vec<String> = (0..REFS_PER_RULE)
            .map(|k| {
                let i = r * REFS_PER_RULE + k;
                if resolved {
                    format!("team_{i:05}")
                } else {
                    format!("taem_{i:05}")
                }
            })
            .collect();
        text.push_str(&format!(
            "  rule r{r} {{ when group in [{}] require password }}\n",
            names.join(", ")
        ));
    }
    text.push_str("}\n");
    let mut sources = Sources::new();
    sources.add(SourceFile::new("set.policy", text));
    sources
}

fn check(sources: Sources) -> usize {
    let compiled = policyc::compile(sources);
    let diagnostics = policyc::check(&compiled, &policyc::check::CheckOptions::default());
    diagnostics.len()
}

fn bench(c: &mut Criterion) {
    let unknown = policyc::compile(policy_set(false));
    let reported = unknown
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "unknown-reference")
        .count();
    assert_eq!(reported, N, "every unknown reference is reported");
    assert!(
        unknown
            .diagnostics
            .iter()
            .any(|d| d.help.as_deref() == Some("did you mean `team_00000`?")),
        "the first unknown names get a did-you-mean"
    );
    assert!(policyc::compile(policy_set(true)).diagnostics.is_empty());

    let mut group = c.benchmark_group("suggest");
    group.sample_size(10);
    group.bench_function("check_20000_unknown_of_20000_names", |b| {
        b.iter_batched(
            || policy_set(false),
            |s| check(black_box(s)),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("check_20000_resolved_of_20000_names", |b| {
        b.iter_batched(
            || policy_set(true),
            |s| check(black_box(s)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
