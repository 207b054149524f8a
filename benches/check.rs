//! Cost of `policyc check` without IO: parse, resolve and report on a generated policy set of
//! 10,000 app rules in 56 files (see `generate/mod.rs`), and parse-only of its largest file; the
//! static checker on it; and, on an org with 200 IdPs whose local authenticators cannot satisfy
//! every rule (so the guard has work to do), the full check and the what-if sweep: the verdict
//! on deactivating each of the 200 IdPs.

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
    let options = policyc::check::CheckOptions::default();
    group.bench_function("full_check_10k_rules", |b| {
        b.iter_batched(
            || generate::sources(&files),
            |sources| policyc::check(&policyc::compile(black_box(sources)), &options),
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

/// The checker and the deactivation guard on 200 IdPs and 10,000 rules.
fn guard(c: &mut Criterion) {
    let shape = generate::Shape {
        idps: 200,
        ..generate::Shape::default()
    };
    let mut files = generate::policy_set(&shape);
    // Only a password and SMS locally: rules that need a stronger factor depend on IdPs.
    for (name, text) in &mut files {
        if name == "authenticators.policy" {
            *text = "authenticator password\nauthenticator phone { methods [sms] }\n".to_owned();
        }
    }
    let compiled = policyc::compile(generate::sources(&files));
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        &compiled.diagnostics[..compiled.diagnostics.len().min(3)]
    );
    let options = policyc::check::CheckOptions::default();
    let support = policyc::check::support::Support::build(&compiled);
    let needing_claims = (0..support.rules.len())
        .filter(|&r| support.requires_claims(r))
        .count();
    let diagnostics = policyc::check(&compiled, &options);
    eprintln!(
        "guard set: {} IdPs, {} rules, {needing_claims} need trusted claims, {} diagnostics",
        compiled.model.idps.len(),
        support.rules.len(),
        diagnostics.len()
    );

    let mut group = c.benchmark_group("guard");
    group.sample_size(20);
    group.bench_function("checker_only_200_idps_10k_rules", |b| {
        b.iter(|| policyc::check(black_box(&compiled), &options))
    });
    group.bench_function("full_check_200_idps_10k_rules", |b| {
        b.iter_batched(
            || generate::sources(&files),
            |sources| policyc::check(&policyc::compile(black_box(sources)), &options),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("what_if_sweep_200_idps", |b| {
        b.iter(|| {
            let support = policyc::check::support::Support::build(black_box(&compiled));
            (0..compiled.model.idps.len())
                .map(|i| {
                    let change = policyc::check::support::Change::Deactivate(
                        policyc::model::IdpId(i as u32),
                    );
                    policyc::check::guard(&compiled, &support, change).refused
                })
                .filter(|refused| *refused)
                .count()
        })
    });
    group.finish();
}

/// The sign-on workload's shape in one file: 10,000 rules (about 1 MB) over 20 groups and 5
/// zones, so only 21 rules can ever decide and 9,979 are shadowed. Parse throughput of one file,
/// compile, the checker alone (its output, 9,979 `shadowed-rule` warnings, is the bulk of its
/// work) and the whole compile + check.
fn one_file(c: &mut Criterion) {
    let text = generate::signon(10_000);
    let sources = || {
        let mut s = policyc::source::Sources::new();
        s.add(policyc::source::SourceFile::new(
            "signon.policy",
            text.as_str(),
        ));
        s
    };
    let compiled = policyc::compile(sources());
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        &compiled.diagnostics[..1]
    );
    let options = policyc::check::CheckOptions::default();
    let diagnostics = policyc::check(&compiled, &options);
    let shadowed = diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "shadowed-rule")
        .count();
    assert_eq!(shadowed, 10_000 - 21);
    eprintln!(
        "one file: {} bytes, {} diagnostics",
        text.len(),
        diagnostics.len()
    );

    let mut group = c.benchmark_group("one_file_10k_rules");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| policyc::syntax::parse(FileId(0), black_box(&text)))
    });
    group.bench_function("compile", |b| {
        b.iter_batched(
            sources,
            |s| policyc::compile(black_box(s)),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("checker_only", |b| {
        b.iter(|| policyc::check(black_box(&compiled), &options))
    });
    // `shadowed-rule` alone: 9,979 warnings over 21 distinct lists of conditions, so its cost
    // should follow its output (rules x distinct lists), not rules squared.
    let cx = policyc::check::Context::new(&compiled, &options);
    let shadowed_rule = policyc::check::CHECKS
        .iter()
        .find(|c| c.codes.contains(&policyc::diagnostic::Code::ShadowedRule))
        .expect("a registered check");
    group.bench_function("shadowed_rule_only", |b| {
        b.iter(|| (shadowed_rule.run)(black_box(&cx)))
    });
    group.bench_function("compile_and_check", |b| {
        b.iter_batched(
            sources,
            |s| policyc::check(&policyc::compile(black_box(s)), &options),
            BatchSize::LargeInput,
        )
    });
    group.finish();

    // Rendering those 9,979 diagnostics of one 1 MB file, per format (`io::sink`: no IO cost).
    // The human renderer should cost about what JSON does (linear in file size plus output).
    let mut group = c.benchmark_group("render_10k_diagnostics_1mb_file");
    group.sample_size(10);
    group.throughput(Throughput::Elements(diagnostics.len() as u64));
    use policyc::diagnostic::render::{Format, RenderOptions, render};
    for (name, format) in [
        ("json", Format::Json),
        ("sarif", Format::Sarif),
        ("github", Format::Github),
        ("human", Format::Human),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                render(
                    format,
                    black_box(&diagnostics),
                    &compiled.sources,
                    &RenderOptions::default(),
                    &mut std::io::sink(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench, guard, one_file);
criterion_main!(benches);
