//! docs/checks.md documents every diagnostic code, and its examples are true: each code's
//! section has a failing example (a ```` ```policy fails ```` block) that reports the code and a
//! passing one (```` ```policy passes ````) that reports nothing at all. Each example is a
//! whole one-file policy set with its own `org`, compiled and checked as `policyc check` would
//! (`policyc::check` with the default options). A failing example that also reports other codes
//! names them: ```` ```policy fails also=unsatisfiable-rule ````.
//!
//! Also: every code is exercised by some fixture under tests/corpus.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::diagnostic::Code;
use policyc::source::{SourceFile, Sources};
use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn checks_md() -> String {
    std::fs::read_to_string(root().join("docs/checks.md")).unwrap()
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Fails,
    Passes,
}

/// One ```` ```policy ```` block: the section it is in, its line, whether it should fail, the
/// other codes it may report, and its text.
struct Example {
    section: Option<Code>,
    line: usize,
    kind: Kind,
    also: BTreeSet<Code>,
    text: String,
}

/// Every `policy` block of docs/checks.md, with the `## \`code\`` section it belongs to.
fn examples(docs: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut section = None;
    let mut lines = docs.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if let Some(heading) = line.strip_prefix("## ") {
            section = heading
                .strip_prefix('`')
                .and_then(|h| h.strip_suffix('`'))
                .and_then(Code::parse);
            continue;
        }
        // `import-unsupported` fires on an org's API JSON, not on a policy: its examples are
        // `okta-idps` blocks, the `idps.json` of an org folder, run through `okta::import`.
        // `invalid-config` is about a `policyc.toml`: its examples are `policyc-toml` blocks.
        let Some(info) = line
            .strip_prefix("```policyc-toml")
            .or_else(|| line.strip_prefix("```policy"))
            .or_else(|| line.strip_prefix("```okta-idps"))
        else {
            continue;
        };
        let mut words = info.split_whitespace();
        let kind = match words.next() {
            Some("fails") => Kind::Fails,
            Some("passes") => Kind::Passes,
            other => panic!(
                "docs/checks.md:{}: a `policy` block is tagged `fails` or `passes`, not {other:?}",
                n + 1
            ),
        };
        let also = words
            .filter_map(|w| w.strip_prefix("also="))
            .flat_map(|list| list.split(','))
            .map(|c| {
                Code::parse(c).unwrap_or_else(|| {
                    panic!("docs/checks.md:{}: `{c}` in also= is not a code", n + 1)
                })
            })
            .collect();
        let mut text = String::new();
        for (_, l) in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            text.push_str(l);
            text.push('\n');
        }
        out.push(Example {
            section,
            line: n + 1,
            kind,
            also,
            text,
        });
    }
    out
}

/// The codes `policyc check` reports for one example, as a one-file policy set.
fn codes(example: &Example) -> Vec<(Code, String)> {
    if example.section == Some(Code::ImportUnsupported) {
        let mut files = policyc::okta::OrgFiles::new();
        files.insert("idps.json".to_owned(), example.text.clone());
        let out = policyc::okta::import::import(&files, &Default::default()).unwrap();
        return out
            .issues
            .into_iter()
            .map(|i| (i.code, i.message))
            .collect();
    }
    if example.section == Some(Code::InvalidConfig) {
        return match policyc::config::parse(policyc::source::FileId(0), &example.text) {
            Ok(_) => Vec::new(),
            Err(d) => vec![(d.code, d.message)],
        };
    }
    let mut sources = Sources::new();
    sources.add(SourceFile::new("example.policy", example.text.clone()));
    let compiled = policyc::compile(sources);
    // Certificate files an example names, relative to the repository (`certificate-expired`).
    let files = policyc::check::certificate_files(&compiled)
        .into_iter()
        .filter_map(|p| Some((p.clone(), std::fs::read(root().join(&p)).ok()?)))
        .collect();
    let options = policyc::check::CheckOptions {
        files,
        ..Default::default()
    };
    policyc::check(&compiled, &options)
        .into_iter()
        .map(|d| (d.code, d.message))
        .collect()
}

#[test]
fn every_code_has_a_section_in_checks_md() {
    let docs = checks_md();
    for code in Code::ALL {
        let heading = format!("\n## `{code}`\n");
        assert!(
            docs.contains(&heading),
            "docs/checks.md has no section for `{code}`"
        );
    }
}

#[test]
fn every_section_has_a_failing_and_a_passing_example() {
    let docs = checks_md();
    let examples = examples(&docs);
    for code in Code::ALL {
        for kind in [Kind::Fails, Kind::Passes] {
            assert!(
                examples
                    .iter()
                    .any(|e| e.section == Some(*code) && e.kind == kind),
                "the section of `{code}` in docs/checks.md has no ```policy {} example",
                if kind == Kind::Fails {
                    "fails"
                } else {
                    "passes"
                }
            );
        }
    }
    for e in &examples {
        assert!(
            e.section.is_some(),
            "docs/checks.md:{}: a policy example outside any code's section",
            e.line
        );
    }
}

#[test]
fn failing_examples_report_their_code_and_passing_examples_report_nothing() {
    let docs = checks_md();
    let mut problems = Vec::new();
    for e in examples(&docs) {
        let Some(code) = e.section else { continue };
        let found = codes(&e);
        let set: BTreeSet<Code> = found.iter().map(|(c, _)| *c).collect();
        let listing = || {
            found
                .iter()
                .map(|(c, m)| format!("[{c}] {m}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        match e.kind {
            Kind::Fails => {
                let mut expected = e.also.clone();
                expected.insert(code);
                if set != expected {
                    problems.push(format!(
                        "docs/checks.md:{} (`{code}`, fails): expected exactly {:?}, got: {}",
                        e.line,
                        expected.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                        listing()
                    ));
                }
            }
            Kind::Passes => {
                if !found.is_empty() {
                    problems.push(format!(
                        "docs/checks.md:{} (`{code}`, passes): expected no diagnostics, got: {}",
                        e.line,
                        listing()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_code_is_exercised_by_the_corpus() {
    let mut expected = String::new();
    let mut stack = vec![root().join("tests/corpus")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "policy")
                // The import corpus's org folders (tests/corpus_import.rs) say it in expect.txt.
                || path.file_name().is_some_and(|n| n == "expect.txt")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                expected.extend(
                    text.lines()
                        .filter(|l| l.starts_with("# expect:"))
                        .map(|l| format!("{l}\n")),
                );
            }
        }
    }
    // `invalid-config` is about `policyc.toml`: tests/cli_config.rs and src/config.rs do.
    for code in Code::ALL
        .iter()
        .filter(|c| !matches!(c, Code::InvalidConfig))
    {
        assert!(
            expected.contains(code.as_str()),
            "no fixture under tests/corpus expects `{code}`"
        );
    }
}
