//! Fixes that fix: every `Fix` a diagnostic offers on the fixture corpus
//! (`tests/corpus/**/*.policy`, each compiled alone and checked in full) is applied to the text,
//! and the result is checked again: the diagnostic it fixes is gone, and no error appears that
//! the file did not have before (errors are compared by code and message, which do not depend
//! on positions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::check::CheckOptions;
use policyc::diagnostic::Diagnostic;
use policyc::source::{SourceFile, Sources};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn policy_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            policy_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "policy") {
            out.push(path);
        }
    }
}

fn check(name: &str, text: &str) -> Vec<Diagnostic> {
    let mut sources = Sources::new();
    sources.add(SourceFile::new(name, text));
    policyc::check(&policyc::compile(sources), &CheckOptions::default())
}

/// How many errors of each (code, message).
fn errors(diagnostics: &[Diagnostic]) -> HashMap<(String, String), usize> {
    let mut out = HashMap::new();
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        *out.entry((d.code.as_str().to_owned(), d.message.clone()))
            .or_default() += 1;
    }
    out
}

#[test]
fn every_fix_on_the_corpus_fixes_its_diagnostic_and_adds_no_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files = Vec::new();
    policy_files(&root, &mut files);
    let mut applied = 0;
    let mut problems = Vec::new();
    for path in &files {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let before = check(&name, &text);
        let before_errors = errors(&before);
        for d in &before {
            let Some(fix) = &d.fix else { continue };
            let (start, end) = (fix.loc.span.start as usize, fix.loc.span.end as usize);
            let fixed = format!("{}{}{}", &text[..start], fix.replacement, &text[end..]);
            applied += 1;
            let after = check(&name, &fixed);
            let after_errors = errors(&after);
            let key = (d.code.as_str().to_owned(), d.message.clone());
            let remaining = after
                .iter()
                .filter(|a| a.code == d.code && a.message == d.message)
                .count();
            let had = before
                .iter()
                .filter(|b| b.code == d.code && b.message == d.message)
                .count();
            if remaining >= had {
                problems.push(format!(
                    "{name}: fix `{}` leaves [{}] {}",
                    fix.title, key.0, key.1
                ));
            }
            for (k, n) in &after_errors {
                if before_errors.get(k).copied().unwrap_or(0) < *n {
                    problems.push(format!(
                        "{name}: fix `{}` for [{}] {} brings a new error [{}] {}",
                        fix.title, key.0, key.1, k.0, k.1
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {applied} fixes do not fix:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The corpus offers fixes of every kind (did-you-mean, `=`, quotes, a stray `}`, ...).
    assert!(applied >= 30, "only {applied} fixes applied");
}
