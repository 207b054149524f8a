//! `policyc test`: run every `test` block of a policy set and report, for people or for CI
//! (JUnit XML). Running a test is `crate::eval::suite`; this module loads and prints.

use super::{EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load};
use crate::Compiled;
use crate::eval::suite::{TestResult, run_all};
use crate::eval::{Explained, rule_name};
use crate::model::RuleOwner;
use clap::ValueEnum;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;

/// Output format of `test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum TestFormat {
    /// One `PASS`/`FAIL` line per test, details of failures, and `N passed, N failed`.
    #[default]
    Human,
    /// JUnit XML on stdout, for CI systems.
    Junit,
    /// One JSON object on stdout: every test with its outcome, failures and actual decision,
    /// then the counts (`{"tests":[..],"passed":N,"failed":N}`).
    Json,
}

/// Run every `test` block of a policy set.
///
/// Exit 0 when every test passes, 1 when one fails, 2 when the tests could not run (the policy
/// set cannot be loaded or has errors).
///
/// A folder holding a `policyc.toml` is a policy set of its own: each set's tests run against
/// that set alone (docs/configuration.md).
#[derive(Debug, Clone, clap::Args)]
pub struct TestArgs {
    /// Files or folders of the policy set (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Output format: `human`, `junit` (JUnit XML for CI) or `json` (for scripts).
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Run only the tests whose title contains PATTERN (case-sensitive; repeat to run the tests
    /// matching any). A pattern no test matches is an error (exit 2), so a typo in CI is not a
    /// silent pass.
    #[arg(long, value_name = "PATTERN")]
    pub run: Vec<String>,
    /// List the rules no test's decision reaches, and how many are covered.
    #[arg(long)]
    pub coverage: bool,
    /// Colour the errors of a policy set that cannot be tested: `auto` colours a terminal
    /// unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = super::ColorChoice::Auto)]
    pub color: super::ColorChoice,
}

/// One policy set's tests, run.
struct SetRun {
    /// `prod/`, with its `policyc.toml`; `None` for the files no `policyc.toml` claims.
    name: Option<(String, PathBuf)>,
    compiled: Compiled,
    results: Vec<TestResult>,
}

pub fn run(args: &TestArgs) -> u8 {
    let sets = match load::load_sets(&args.paths) {
        Ok(sets) => sets,
        Err(err) => return err.report(),
    };
    // Each set is compiled and tested on its own; a set with errors is reported and skipped.
    let mut runs = Vec::with_capacity(sets.len());
    let mut refused = false;
    for set in sets {
        let name = set.name().zip(set.config_path());
        if set.sources.is_empty() {
            // Its `paths` leave out every file: no tests to run, but not without a word.
            if let Some((set_name, config)) = &name {
                errln!(
                    "note: `paths` in {} leave out every .policy file under {set_name}: no \
                     tests run from it",
                    config.display()
                );
            }
            continue;
        }
        let compiled = match super::refuse_errors_in_set(
            crate::compile(set.sources),
            name.as_ref().map(|(n, _)| n.as_str()),
            "its tests cannot run",
            EXIT_CANNOT_RUN,
            args.color,
        ) {
            Ok(compiled) => compiled,
            Err(_) => {
                refused = true;
                continue;
            }
        };
        runs.push(SetRun {
            name,
            compiled,
            results: Vec::new(),
        });
    }
    if runs.is_empty() {
        return EXIT_CANNOT_RUN;
    }
    if let Some(unmatched) = args.run.iter().find(|p| {
        !runs
            .iter()
            .flat_map(|r| &r.compiled.model.tests)
            .any(|t| t.title.contains(p.as_str()))
    }) {
        let tests: usize = runs.iter().map(|r| r.compiled.model.tests.len()).sum();
        errln!("error: no test's title contains `{unmatched}` ({tests} tests in the set)");
        return EXIT_CANNOT_RUN;
    }
    for run in &mut runs {
        run.results = if args.run.is_empty() {
            run_all(&run.compiled)
        } else {
            let tests = &run.compiled.model.tests;
            (0..tests.len())
                .filter(|&i| args.run.iter().any(|p| tests[i].title.contains(p.as_str())))
                .map(|i| crate::eval::suite::run(&run.compiled, i))
                .collect()
        };
    }
    let (total, failed) = counts(&runs);
    let named = runs.iter().any(|r| r.name.is_some());
    let mut coverage = String::new();
    if args.coverage {
        for run in &runs {
            if let Some((name, _)) = run.name.as_ref().filter(|_| named) {
                let _ = writeln!(coverage, "policy set {name}:");
            }
            coverage.push_str(&self::coverage(&run.compiled, &run.results));
        }
    }
    let text = match args.format {
        TestFormat::Human => {
            let mut text = String::new();
            for run in &runs {
                match &run.name {
                    Some((name, config)) => {
                        let _ = writeln!(text, "policy set {name} ({})", config.display());
                    }
                    None if named => text.push_str("files outside every policyc.toml set\n"),
                    None => {}
                }
                text.push_str(&human(&run.compiled, &run.results));
            }
            text.push_str(&coverage);
            let _ = writeln!(text, "{} passed, {failed} failed", total - failed);
            text
        }
        TestFormat::Junit => {
            err!("{coverage}");
            junit(&runs)
        }
        TestFormat::Json => {
            err!("{coverage}");
            json(&runs)
        }
    };
    let mut stdout = io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    if let Some(code) = super::report_failed(written, "report") {
        return code;
    }
    if total == 0 && !refused {
        errln!("no `test` blocks in the policy set");
    }
    if refused {
        EXIT_CANNOT_RUN
    } else if failed > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// `file:line` of a test block.
fn location(compiled: &Compiled, test: usize) -> String {
    let Some(t) = compiled.model.tests.get(test) else {
        return "?".to_owned();
    };
    let line = compiled
        .sources
        .get(t.loc.file)
        .map_or(0, |f| f.line_col(t.loc.span.start).line);
    format!("{}:{line}", compiled.sources.name(t.loc.file))
}

fn title(compiled: &Compiled, test: usize) -> &str {
    compiled
        .model
        .tests
        .get(test)
        .map_or("?", |t| t.title.as_str())
}

fn human(compiled: &Compiled, results: &[TestResult]) -> String {
    let mut out = String::new();
    for r in results {
        if r.passed() {
            let _ = writeln!(out, "PASS {}", title(compiled, r.test));
            continue;
        }
        let _ = writeln!(
            out,
            "FAIL {} ({})",
            title(compiled, r.test),
            location(compiled, r.test)
        );
        for failure in &r.failures {
            let _ = writeln!(out, "    {failure}");
        }
        if let Some(actual) = &r.actual {
            let _ = writeln!(out, "    actual: {}", actual_line(compiled, actual));
            for reason in &actual.reasons {
                let _ = writeln!(out, "    why: {reason}");
            }
            out.push_str("    trace:\n");
            for (i, step) in actual.trace.iter().enumerate() {
                let _ = writeln!(out, "      {:>2}. {step}", i + 1);
            }
        }
    }
    out
}

/// `challenge by rule `everyone` with okta_verify.push, webauthn`.
fn actual_line(compiled: &Compiled, actual: &Explained) -> String {
    let d = &actual.decision;
    let mut text = d.outcome.as_str().to_owned();
    match (d.rule, d.session_rule) {
        (Some(r), _) => text.push_str(&format!(" by rule `{}`", rule_name(compiled, r))),
        (None, Some(s)) => text.push_str(&format!(" by session rule `{}`", rule_name(compiled, s))),
        (None, None) => {}
    }
    if d.challenge != 0 {
        text.push_str(&format!(
            " with {}",
            crate::eval::method_names(d.challenge).join(", ")
        ));
    }
    text
}

/// The rules no test's decision reached, by policy, then `covered X of Y rules`.
fn coverage(compiled: &Compiled, results: &[TestResult]) -> String {
    let model = &compiled.model;
    let total = model.rules().count();
    let mut reached = vec![false; total];
    for d in results.iter().filter_map(|r| r.actual.as_ref()) {
        for i in [d.decision.rule, d.decision.session_rule]
            .into_iter()
            .flatten()
        {
            if let Some(r) = reached.get_mut(i) {
                *r = true;
            }
        }
    }
    let mut out = String::new();
    let mut missed: Vec<(String, Vec<&str>)> = Vec::new();
    for ((owner, rule), reached) in model.rules().zip(&reached) {
        if *reached {
            continue;
        }
        let policy = match owner {
            RuleOwner::Session(p) => format!(
                "session policy `{}`",
                model
                    .session_policies
                    .get(p as usize)
                    .map_or("?", |p| p.name.as_str())
            ),
            RuleOwner::App(p) => format!(
                "policy `{}`",
                model
                    .policies
                    .get(p.index())
                    .map_or("?", |p| p.name.as_str())
            ),
        };
        match missed.last_mut() {
            Some((last, rules)) if *last == policy => rules.push(&rule.name),
            _ => missed.push((policy, vec![&rule.name])),
        }
    }
    if missed.is_empty() {
        out.push_str("every rule is reached by a test\n");
    } else {
        out.push_str("rules no test reaches:\n");
        for (policy, rules) in &missed {
            let rules: Vec<String> = rules.iter().map(|r| format!("`{r}`")).collect();
            let _ = writeln!(out, "  {policy}: {}", rules.join(", "));
        }
    }
    let covered = reached.iter().filter(|r| **r).count();
    let _ = writeln!(out, "covered {covered} of {total} rules");
    out
}

/// How many tests ran over every set, and how many of them failed.
fn counts(runs: &[SetRun]) -> (usize, usize) {
    let total = runs.iter().map(|r| r.results.len()).sum();
    let failed = runs
        .iter()
        .map(|r| r.results.iter().filter(|t| !t.passed()).count())
        .sum();
    (total, failed)
}

/// JUnit XML: one `testsuite` per file, one `testcase` per test block; a failure's message is
/// what did not match, its body the decision, why and the trace.
fn junit(runs: &[SetRun]) -> String {
    let (total, failed) = counts(runs);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"policyc test\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\">"
    );
    for run in runs {
        junit_suites(&run.compiled, &run.results, &mut out);
    }
    out.push_str("</testsuites>\n");
    out
}

/// One set's `testsuite`s, one per file.
fn junit_suites(compiled: &Compiled, results: &[TestResult], out: &mut String) {
    let mut suites: Vec<(String, Vec<&TestResult>)> = Vec::new();
    for r in results {
        let file = compiled
            .model
            .tests
            .get(r.test)
            .map_or("?", |t| compiled.sources.name(t.loc.file))
            .to_owned();
        match suites.iter_mut().find(|(f, _)| *f == file) {
            Some((_, tests)) => tests.push(r),
            None => suites.push((file, vec![r])),
        }
    }
    for (file, tests) in &suites {
        let suite_failed = tests.iter().filter(|r| !r.passed()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{suite_failed}\" errors=\"0\">",
            xml(file),
            tests.len()
        );
        for r in tests {
            let location = location(compiled, r.test);
            let line = location.rsplit(':').next().unwrap_or("0");
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                xml(title(compiled, r.test)),
                xml(file),
                xml(file),
                xml(line)
            );
            if r.passed() {
                out.push_str("/>\n");
                continue;
            }
            let mut body = String::new();
            for failure in &r.failures {
                let _ = writeln!(body, "{failure}");
            }
            if let Some(actual) = &r.actual {
                let _ = writeln!(body, "actual: {}", actual_line(compiled, actual));
                for reason in &actual.reasons {
                    let _ = writeln!(body, "why: {reason}");
                }
                body.push_str("trace:\n");
                for (i, step) in actual.trace.iter().enumerate() {
                    let _ = writeln!(body, "  {:>2}. {step}", i + 1);
                }
            }
            let _ = write!(
                out,
                ">\n      <failure message=\"{}\" type=\"assertion\">{}</failure>\n    </testcase>\n",
                xml(&r.failures.join("; ")),
                xml(&body)
            );
        }
        out.push_str("  </testsuite>\n");
    }
}

/// `--format json`: `{"tests":[{"title","file","line","passed","failures":[..],"actual":
/// {"outcome","rule","session_rule","challenge":[..],"reasons":[..],"trace":[..]}|null}],
/// "passed":N,"failed":N}`, one line, fields in this order (schemas/test.schema.json). Fields
/// are only ever added, at the end of their object.
fn json(runs: &[SetRun]) -> String {
    #[derive(serde::Serialize)]
    struct Report<'a> {
        tests: Vec<JsonTest<'a>>,
        passed: usize,
        failed: usize,
    }
    #[derive(serde::Serialize)]
    struct JsonTest<'a> {
        title: &'a str,
        file: String,
        line: u32,
        passed: bool,
        failures: &'a [String],
        actual: Option<JsonActual<'a>>,
        /// The policy set (`prod/`), when the test's file belongs to one with a `policyc.toml`.
        #[serde(skip_serializing_if = "Option::is_none")]
        set: Option<&'a str>,
    }
    #[derive(serde::Serialize)]
    struct JsonActual<'a> {
        outcome: &'static str,
        rule: Option<String>,
        session_rule: Option<String>,
        challenge: Vec<String>,
        reasons: &'a [String],
        trace: &'a [String],
    }
    let tests: Vec<JsonTest<'_>> = runs
        .iter()
        .flat_map(|run| run.results.iter().map(move |r| (run, r)))
        .map(|(run, r)| {
            let compiled = &run.compiled;
            let location = location(compiled, r.test);
            let (file, line) = location
                .rsplit_once(':')
                .unwrap_or((location.as_str(), "0"));
            JsonTest {
                title: title(compiled, r.test),
                file: file.to_owned(),
                line: line.parse().unwrap_or(0),
                passed: r.passed(),
                failures: &r.failures,
                actual: r.actual.as_ref().map(|a| {
                    let d = &a.decision;
                    JsonActual {
                        outcome: d.outcome.as_str(),
                        rule: d.rule.map(|i| rule_name(compiled, i)),
                        session_rule: d.session_rule.map(|i| rule_name(compiled, i)),
                        challenge: crate::eval::method_names(d.challenge),
                        reasons: &a.reasons,
                        trace: &a.trace,
                    }
                }),
                set: run.name.as_ref().map(|(n, _)| n.as_str()),
            }
        })
        .collect();
    let failed = tests.iter().filter(|t| !t.passed).count();
    let report = Report {
        passed: tests.len() - failed,
        failed,
        tests,
    };
    // Plain structs of strings, numbers and booleans: serializing cannot fail.
    let mut out = serde_json::to_string(&report).unwrap_or_default();
    out.push('\n');
    out
}

/// Escaped for XML text and attributes, without the characters XML 1.0 cannot carry.
fn xml(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| {
            matches!(c, '\t' | '\n' | '\r') || (*c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        })
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_drops_what_xml_cannot_carry() {
        assert_eq!(
            xml("a <b> & \"c\" 'd'\u{1}\u{FFFF}\n"),
            "a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;\n"
        );
    }
}
