//! The diagnostics corpus: every `tests/corpus/**/*.policy` file is compiled alone, as a one-file
//! policy set, and its diagnostics are snapshotted (`tests/snapshots/corpus__corpus@*.snap`).
//!
//! - `syntax/`: files that do not parse; each expects at least a `syntax` diagnostic.
//! - `model/`: files that parse but do not make sense; none may produce `syntax`.
//! - `clean/`: near-misses that must compile without a single diagnostic.
//! - `check/<code>/`: fixtures for one code of the static checker. These run the full checker
//!   (`policyc::check`), not only the compiler. `fires_*.policy` must report `<code>`;
//!   `near_miss_*.policy` must not (they may report other codes, named in their header). Every
//!   code a registered check reports has a directory with at least one of each.
//!
//! Each fixture opens with a comment saying what it tests and an `expect:` line naming the codes
//! it must produce, e.g. `# expect: unknown-reference (did-you-mean admins), missing-setting`, or
//! `# expect: nothing`. The harness checks that the codes in the diagnostics are exactly those
//! named (so a header and its snapshot cannot silently disagree), then compares the snapshot.
//!
//! A snapshot lists each diagnostic as
//!
//! ```text
//! 3:8-3:9 error [syntax] expected a name, found `=`
//!   label: unexpected `=`
//!   related 1:10: this `{` is never closed
//!   help: settings are written `key value`, ...
//!   fix: "" (remove `=`)
//!    |
//!  3 |   kind = saml
//!    |        ^
//! ```
//!
//! To add a fixture: write the file, run `INSTA_UPDATE=always cargo test --test corpus` (or
//! `cargo insta test --review`), and read the new snapshot before committing it.

// A test binary: a failed expectation is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::diagnostic::{Code, Diagnostic};
use policyc::source::{SourceFile, Sources};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

const CATEGORIES: &[&str] = &["syntax", "model", "clean", "check"];

/// One fixture: its name relative to `tests/corpus` (forward slashes), path and text.
struct Fixture {
    name: String,
    category: &'static str,
    path: PathBuf,
    text: String,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The entries of a directory, sorted by name so that runs are reproducible.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    paths.sort();
    paths
}

/// Every `.policy` file of every category (for `check`, of every code's directory), sorted by
/// name.
fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for &category in CATEGORIES {
        let dir = corpus_dir().join(category);
        let dirs = if category == "check" {
            entries(&dir).into_iter().filter(|p| p.is_dir()).collect()
        } else {
            vec![dir.clone()]
        };
        for sub in dirs {
            let prefix = sub
                .strip_prefix(corpus_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            for path in entries(&sub) {
                if path.extension().is_none_or(|e| e != "policy") {
                    continue;
                }
                let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                out.push(Fixture {
                    name: format!("{prefix}/{file_name}"),
                    category,
                    path,
                    text,
                });
            }
        }
    }
    out
}

/// For a `check/<code>/` fixture: the code its directory is about.
fn check_code(fixture: &Fixture) -> Option<Result<Code, String>> {
    let code = fixture.name.strip_prefix("check/")?.split('/').next()?;
    Some(
        Code::parse(code)
            .ok_or_else(|| format!("directory `check/{code}` is not named after a code")),
    )
}

/// What the header's `expect:` line names: `None` for `nothing`, else the set of codes.
/// Parenthesised notes (`(did-you-mean admins)`) are for readers and ignored here.
fn expected_codes(fixture: &Fixture) -> Result<BTreeSet<Code>, String> {
    let header = fixture
        .text
        .lines()
        .take_while(|l| l.trim_start().starts_with('#'))
        .find_map(|l| {
            l.trim_start()
                .trim_start_matches('#')
                .trim()
                .strip_prefix("expect:")
        })
        .ok_or("no `# expect: ...` line in the header comment")?;
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    if plain.trim() == "nothing" {
        return Ok(BTreeSet::new());
    }
    plain
        .split(',')
        .map(|entry| {
            let word = entry.split_whitespace().next().unwrap_or("");
            Code::parse(word).ok_or_else(|| format!("`{word}` in the expect line is not a code"))
        })
        .collect()
}

/// The compact, reviewable listing of a fixture's diagnostics.
fn listing(file: &SourceFile, diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return "(no diagnostics)\n".to_owned();
    }
    let mut out = String::new();
    for (i, d) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let start = file.line_col(d.primary.loc.span.start);
        let end = file.line_col(d.primary.loc.span.end);
        writeln!(
            out,
            "{}:{}-{}:{} {} [{}] {}",
            start.line, start.column, end.line, end.column, d.severity, d.code, d.message
        )
        .unwrap();
        if !d.primary.message.is_empty() {
            writeln!(out, "  label: {}", d.primary.message).unwrap();
        }
        for related in &d.related {
            let at = file.line_col(related.loc.span.start);
            writeln!(out, "  related {at}: {}", related.message).unwrap();
        }
        if let Some(help) = &d.help {
            writeln!(out, "  help: {help}").unwrap();
        }
        if let Some(fix) = &d.fix {
            let at = if fix.loc == d.primary.loc {
                String::new()
            } else {
                let s = file.line_col(fix.loc.span.start);
                let e = file.line_col(fix.loc.span.end);
                format!(" at {s}-{e}")
            };
            writeln!(out, "  fix: {:?} ({}){at}", fix.replacement, fix.title).unwrap();
        }
        underline(
            &mut out,
            file,
            d.primary.loc.span.start,
            d.primary.loc.span.end,
        );
    }
    out
}

/// The primary line with `^` under the span (to the end of the line for a multi-line span, one
/// `^` for an empty span).
fn underline(out: &mut String, file: &SourceFile, start: u32, end: u32) {
    let s = file.line_col(start);
    let e = file.line_col(end);
    let line = file.line_text(s.line);
    let width = s.line.to_string().len();
    let before: String = line
        .chars()
        .take(s.column as usize - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let line_chars = line.chars().count() as u32;
    let last = if e.line == s.line {
        e.column
    } else {
        line_chars + 1
    };
    let carets = (last.saturating_sub(s.column) as usize).max(1);
    writeln!(out, "  {:width$} |", "").unwrap();
    writeln!(out, "  {} | {line}", s.line).unwrap();
    writeln!(out, "  {:width$} | {before}{}", "", "^".repeat(carets)).unwrap();
}

/// Compiles one fixture and checks it; `Err` says what is wrong (a snapshot mismatch panics
/// inside insta and is caught by the caller).
fn check(fixture: &Fixture) -> Result<(), String> {
    let mut sources = Sources::new();
    sources.add(SourceFile::new(fixture.name.clone(), fixture.text.clone()));
    let compiled = policyc::compile(sources);
    let file = compiled.sources.iter().next().unwrap().1;
    let checked;
    let diagnostics = if fixture.category == "check" {
        // The IdPs' certificate files, next to the fixture (`certificate-expired`).
        let files = policyc::check::certificate_files(&compiled)
            .into_iter()
            .filter_map(|p| Some((p.clone(), std::fs::read(corpus_dir().join(&p)).ok()?)))
            .collect();
        let options = policyc::check::CheckOptions {
            files,
            ..Default::default()
        };
        checked = policyc::check(&compiled, &options);
        &checked
    } else {
        &compiled.diagnostics
    };

    let expected = expected_codes(fixture)?;
    let found: BTreeSet<Code> = diagnostics.iter().map(|d| d.code).collect();
    let names = |set: &BTreeSet<Code>| {
        set.iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut problems = Vec::new();
    if expected != found {
        problems.push(format!(
            "the header expects [{}] but the diagnostics have [{}]",
            names(&expected),
            names(&found)
        ));
    }
    match fixture.category {
        "clean" if !expected.is_empty() => {
            problems.push("a clean fixture must say `# expect: nothing`".to_owned())
        }
        "syntax" if !expected.contains(&Code::Syntax) => {
            problems.push("a syntax fixture must expect `syntax`".to_owned())
        }
        "model" if expected.contains(&Code::Syntax) || expected.is_empty() => problems
            .push("a model fixture must parse and expect at least one semantic code".to_owned()),
        "check" => {
            let code = check_code(fixture).unwrap()?;
            let file_name = fixture.name.rsplit('/').next().unwrap();
            if file_name.starts_with("fires_") {
                if !found.contains(&code) {
                    problems.push(format!("a fires_ fixture must report `{code}`"));
                }
            } else if file_name.starts_with("near_miss_") {
                if found.contains(&code) {
                    problems.push(format!("a near_miss_ fixture must not report `{code}`"));
                }
            } else {
                problems.push(
                    "a check fixture is named fires_*.policy or near_miss_*.policy".to_owned(),
                );
            }
        }
        _ => {}
    }

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_suffix(fixture.name.replace('/', "__"));
    settings.set_input_file(&fixture.path);
    settings.set_omit_expression(true);
    settings.set_prepend_module_to_snapshot(true);
    let snapshot = listing(file, diagnostics);
    settings.bind(|| insta::assert_snapshot!("corpus", snapshot));

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Every fixture, like `insta::glob!`: all of them run, and the test fails at the end listing
/// each one that failed.
#[test]
fn corpus() {
    let fixtures = fixtures();
    let count = |category: &str| fixtures.iter().filter(|f| f.category == category).count();
    // The corpus must not shrink below what issue 2 promises without someone noticing.
    assert!(
        count("syntax") >= 12,
        "only {} syntax fixtures",
        count("syntax")
    );
    assert!(
        count("model") >= 25,
        "only {} model fixtures",
        count("model")
    );
    assert!(count("clean") >= 1, "no clean fixtures");
    // Every code a registered check reports has fixtures that fire and near-misses that don't.
    for code in policyc::check::CHECKS.iter().flat_map(|c| c.codes) {
        let named = |kind: &str| {
            fixtures.iter().any(|f| {
                f.name
                    .strip_prefix(&format!("check/{code}/{kind}"))
                    .is_some()
            })
        };
        assert!(
            named("fires_"),
            "no tests/corpus/check/{code}/fires_*.policy"
        );
        assert!(
            named("near_miss_"),
            "no tests/corpus/check/{code}/near_miss_*.policy"
        );
    }

    let mut failures = Vec::new();
    for fixture in &fixtures {
        match catch_unwind(AssertUnwindSafe(|| check(fixture))) {
            Ok(Ok(())) => {}
            Ok(Err(why)) => failures.push(format!("{}: {why}", fixture.name)),
            Err(_) => failures.push(format!("{}: snapshot mismatch (see above)", fixture.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n  {}",
        failures.len(),
        fixtures.len(),
        failures.join("\n  ")
    );
}

/// The CRLF fixture must keep its line endings, or it no longer tests anything.
#[test]
fn crlf_fixture_has_crlf_line_endings() {
    let text =
        std::fs::read_to_string(corpus_dir().join("clean/crlf_line_endings.policy")).unwrap();
    assert!(text.contains("\r\n"), "the file lost its CRLF line endings");
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "the file mixes LF and CRLF line endings"
    );
}
