//! Cost of `policyc check` without IO: parse, resolve and report on a generated policy set of
//! 10,000 app rules in 56 files (see `generate/mod.rs`), and parse-only of its largest file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod generate;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use policyc::source::FileId;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let shape = generate::Shape::default();
    let files = generate::policy_set(&shape);
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();

    // A set with errors would measure error reporting, not a check.
    let compiled = policyc::compile(generate::sources(&files));
    assert!(
        compiled.diagnostics.is_empty(),
        "the generated set has diagnostics: {:#?}",
        &compiled.diagnostics[..compiled.diagnostics.len().min(5)]
    );
    let rules: usize = compiled.model.policies.iter().map(|p| p.rules.len()).sum();
    assert_eq!(rules, shape.app_rules());
    eprintln!(
        "generated set: {} files, {bytes} bytes, {rules} app rules",
        files.len()
    );

    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("compile_10k_rules", |b| {
        b.iter_batched(
            || generate::sources(&files),
            |sources| policyc::compile(black_box(sources)),
            BatchSize::LargeInput,
        )
    });
    group.finish();

    let (name, largest) = files
        .iter()
        .max_by_key(|(_, text)| text.len())
        .expect("a non-empty set");
    eprintln!("largest file: {name}, {} bytes", largest.len());
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(largest.len() as u64));
    group.bench_function("largest_file", |b| {
        b.iter(|| policyc::syntax::parse(FileId(0), black_box(largest)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
