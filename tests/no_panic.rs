//! No input panics the front end (parse + resolve + diagnostics), and every diagnostic it reports
//! points at real text: spans inside their file, on character boundaries, with a line and column.
//!
//! Three kinds of input: arbitrary bytes, strings over the language's own alphabet, and the
//! project's valid policy files after random edits (the inputs an editor sends while typing).
//! Plus a few hostile sizes: deep bracket runs and a multi-megabyte file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::diagnostic::Label;
use policyc::diagnostic::render::{self, Format, RenderOptions};
use policyc::source::{SourceFile, Sources};
use proptest::prelude::*;
use proptest::sample::Index;
use std::path::{Path, PathBuf};

/// Compiles `files` as one policy set and checks the invariants of every diagnostic.
fn compile_checked(files: &[(String, String)]) {
    let mut sources = Sources::new();
    for (name, text) in files {
        sources.add(SourceFile::new(name.clone(), text.clone()));
    }
    let compiled = policyc::compile(sources);
    render_all(&compiled);
    for d in &compiled.diagnostics {
        check_label(&compiled.sources, &d.primary, &d.message);
        for related in &d.related {
            check_label(&compiled.sources, related, &d.message);
        }
        if let Some(fix) = &d.fix {
            let label = Label {
                loc: fix.loc,
                message: fix.title.clone(),
            };
            check_label(&compiled.sources, &label, &d.message);
        }
    }
}

/// Every renderer draws every diagnostic without panicking (human included: miette cannot lay
/// out a column past 65,535, so the excerpt must be clipped before it sees it).
fn render_all(compiled: &policyc::Compiled) -> String {
    let options = RenderOptions {
        color: false,
        files_checked: compiled.sources.len(),
    };
    let mut human = Vec::new();
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let mut out = Vec::new();
        render::render(
            format,
            &compiled.diagnostics,
            &compiled.sources,
            &options,
            &mut out,
        )
        .expect("rendering to memory cannot fail");
        if format == Format::Human {
            human = out;
        }
    }
    String::from_utf8(human).expect("the human format is UTF-8")
}

fn check_label(sources: &Sources, label: &Label, diagnostic: &str) {
    let file = sources
        .get(label.loc.file)
        .unwrap_or_else(|| panic!("{diagnostic:?}: file {:?} not in the set", label.loc.file));
    let span = label.loc.span;
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(start <= end, "{diagnostic:?}: span {span:?} runs backwards");
    assert!(
        end <= file.text.len(),
        "{diagnostic:?}: span {span:?} past the end of `{}` ({} bytes)",
        file.name,
        file.text.len()
    );
    assert!(
        file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
        "{diagnostic:?}: span {span:?} cuts a character in `{}`",
        file.name
    );
    let (from, to) = (file.line_col(span.start), file.line_col(span.end));
    assert!(from.line >= 1 && from.column >= 1, "{diagnostic:?}: {from}");
    assert!(from <= to, "{diagnostic:?}: {from} after {to}");
    let _ = file.line_text(from.line);
    let _ = file.slice(span);
}

fn compile_one(text: &str) {
    compile_checked(&[("input.policy".to_owned(), text.to_owned())]);
}

// --- the valid corpus --------------------------------------------------------------------------

/// Policy sets to mutate: the example set in `policies/` (all files together) and the
/// language reference (docs/language.md) example on its own.
fn corpus() -> Vec<Vec<(String, String)>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    policy_files(&root.join("policies"), &mut paths);
    paths.sort();
    assert!(!paths.is_empty(), "no .policy files under policies/");
    let read = |p: &PathBuf| {
        let name = p.strip_prefix(root).unwrap_or(p).display().to_string();
        (
            name,
            std::fs::read_to_string(p).expect("a readable policy file"),
        )
    };
    let example = root.join("tests/fixtures/language_example.policy");
    vec![paths.iter().map(read).collect(), vec![read(&example)]]
}

fn policy_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            policy_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "policy") {
            out.push(path);
        }
    }
}

// --- alphabet and mutations --------------------------------------------------------------------

/// Words the model interprets; the grammar's keywords come from `policyc::syntax::KEYWORDS`.
const VALUES: &[&str] = &[
    "identity",
    "classic",
    "okta_oidc",
    "okta_saml",
    "oidc",
    "saml",
    "true",
    "false",
    "active",
    "inactive",
    "mfa",
    "any_factor",
    "okta_verify.push",
    "phone.sms",
    "webauthn",
    "pwd",
    "hwk",
    "phishing_resistant",
    "allow",
    "none",
    "factor_only",
    "okta_verify",
    "pop",
];

const PUNCTUATION: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    "+",
    ".",
    "\"",
    "#",
    "\\",
    "=",
    "\n",
    " ",
    "\t",
    "\r\n",
    "30m",
    "2h",
    "5x",
    "2",
    "\"\\u{1F600}\"",
    "\"\\q\"",
    "é",
    "😀",
    "\u{0}",
    "\u{feff}",
    "\u{2028}",
];

/// One token of policy-ish text.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(policyc::syntax::KEYWORDS).prop_map(str::to_owned),
        1 => prop::sample::select(VALUES).prop_map(str::to_owned),
        4 => prop::sample::select(PUNCTUATION).prop_map(str::to_owned),
        2 => "[a-z_][a-z0-9_]{0,8}",
        1 => "[0-9]{1,4}[a-z]?",
        1 => "\"[a-z:/. ]{0,12}\"",
    ]
}

/// Text built from policy tokens, joined by spaces or glued together.
fn policyish() -> impl Strategy<Value = String> {
    prop::collection::vec((token(), prop::bool::ANY), 0..120).prop_map(|tokens| {
        let mut text = String::new();
        for (t, glue) in tokens {
            text.push_str(&t);
            if !glue {
                text.push(' ');
            }
        }
        text
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete(Index, usize),
    Duplicate(Index, usize),
    Insert(Index, String),
    SwapLines(Index, Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<Index>(), 0..80usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => (any::<Index>(), 0..200usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        3 => (any::<Index>(), token()).prop_map(|(i, t)| Mutation::Insert(i, t)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// The nearest character boundary at or before `i`.
fn floor(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A byte position in `text` (0..=len), on a character boundary.
fn position(text: &str, at: &Index) -> usize {
    floor(text, at.index(text.len() + 1))
}

fn apply(text: &mut String, m: &Mutation) {
    match m {
        Mutation::Delete(at, len) => {
            let start = position(text, at);
            let end = floor(text, start + len);
            text.replace_range(start..end, "");
        }
        Mutation::Duplicate(at, len) => {
            let start = position(text, at);
            let end = floor(text, start + len);
            let copy = text[start..end].to_owned();
            text.insert_str(end, &copy);
        }
        Mutation::Insert(at, token) => {
            let at = position(text, at);
            text.insert_str(at, token);
        }
        Mutation::SwapLines(a, b) => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            *text = lines.join("\n");
        }
        Mutation::Truncate(at) => {
            let at = position(text, at);
            text.truncate(at);
        }
    }
}

// --- properties --------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_do_not_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        compile_one(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_strings_do_not_panic(text in any::<String>()) {
        compile_one(&text);
    }

    #[test]
    fn policyish_text_does_not_panic(text in policyish()) {
        compile_one(&text);
    }

    #[test]
    fn policyish_characters_do_not_panic(text in "[{}\\[\\],+.\"#\\\\=\n a-z0-9_é]{0,400}") {
        compile_one(&text);
    }

    #[test]
    fn mutated_valid_files_do_not_panic(
        set in any::<Index>(),
        file in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let corpus = corpus();
        let mut files = corpus[set.index(corpus.len())].clone();
        let i = file.index(files.len());
        for m in &mutations {
            apply(&mut files[i].1, m);
        }
        compile_checked(&files);
    }

    /// Valid items dropped into a policy set with mutations in several files at once.
    #[test]
    fn mutations_across_files_do_not_panic(
        mutations in prop::collection::vec((any::<Index>(), mutation()), 1..12),
    ) {
        let mut files = corpus().swap_remove(0);
        for (file, m) in &mutations {
            let i = file.index(files.len());
            apply(&mut files[i].1, m);
        }
        compile_checked(&files);
    }
}

proptest! {
    // Each case is a file of up to 160 KB: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Long lines and huge columns: the human renderer clips them instead of panicking.
    #[test]
    fn long_lines_and_huge_columns_render(
        indent in 0..140_000usize,
        text in policyish(),
        glue in "[a-z{}\\[\\] ]{0,3}",
        tail in 0..20_000usize,
    ) {
        let text = format!("{}{glue}{text}{}", " ".repeat(indent), "x".repeat(tail));
        compile_one(&text);
    }

}

#[test]
fn the_corpus_compiles_clean() {
    // The mutations start from valid text; if it is not, the properties test less than they say.
    for files in corpus() {
        let mut sources = Sources::new();
        for (name, text) in files {
            sources.add(SourceFile::new(name, text));
        }
        let compiled = policyc::compile(sources);
        assert_eq!(compiled.diagnostics, vec![]);
    }
}

// --- hostile sizes -----------------------------------------------------------------------------

/// Past column 65,535 miette's own layout panics ("Formatting argument out of range"): the line
/// is clipped around the span, with an ellipsis, and the header keeps the real column.
#[test]
fn a_span_past_column_65535_renders_clipped() {
    let mut sources = Sources::new();
    sources.add(SourceFile::new(
        "wide.policy",
        format!("{}org {{\n", " ".repeat(65_536)),
    ));
    let compiled = policyc::compile(sources);
    assert!(!compiled.diagnostics.is_empty());
    let human = render_all(&compiled);
    assert!(human.contains("[wide.policy:1:65541]"), "{human}");
    assert!(human.contains("1 │ …"), "{human}");
    assert!(human.contains("org {"), "{human}");
    assert!(human.lines().all(|l| l.chars().count() < 200), "{human}");
}

/// A label far into a long line, and one whose line is long on both sides.
#[test]
fn clipping_keeps_the_label_text_and_both_ellipses() {
    let mut sources = Sources::new();
    let text = format!(
        "group {}\npolicy p {{ apps [nope] }} {}\n",
        "a".repeat(300),
        "b".repeat(300)
    );
    sources.add(SourceFile::new("a.policy", text));
    let compiled = policyc::compile(sources);
    let human = render_all(&compiled);
    // The excerpt's lines (`N │ ...`) are clipped; the messages are the diagnostics' own.
    let excerpt = human
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()));
    assert!(excerpt.clone().all(|l| l.chars().count() < 200), "{human}");
    assert!(excerpt.clone().any(|l| l.ends_with('…')), "{human}");
    assert!(human.contains("[nope] }"), "{human}");
}

#[test]
fn deep_brackets_and_braces_return() {
    let n = 100_000;
    compile_one(&"[".repeat(n));
    compile_one(&"{".repeat(n));
    compile_one(&"}".repeat(n));
    compile_one(&"\"".repeat(n));
    compile_one(&format!(
        "policy p {{\n  rule r {{\n    when group in {}",
        "[".repeat(n)
    ));
    compile_one(&format!(
        "policy p {{ rule r {{ require chain {} }} }}",
        "[".repeat(n)
    ));
    compile_one(&format!("group g {}", "{".repeat(n)));
    compile_one(&format!("{}{}", "{".repeat(n), "}".repeat(n)));
}

#[test]
fn long_lines_return() {
    let n = 1_000_000;
    compile_one(&format!("group {}", "a".repeat(n)));
    compile_one(&format!("idp x {{ issuer \"{}\" }}", "é".repeat(n)));
    compile_one(&"#".repeat(n));
    compile_one(&"\n".repeat(n));
}

/// About 5 MB of valid items: a thousand apps, each with its policy of a few dozen rules.
#[test]
fn five_megabytes_of_valid_items_return() {
    let mut text = String::from(
        "org acme { engine identity }\nauthenticator password\nauthenticator okta_verify\n",
    );
    for g in 0..20 {
        text.push_str(&format!("group g{g}\nzone z{g}\n"));
    }
    let mut i = 0;
    while text.len() < 5_000_000 {
        text.push_str(&format!("app a{i}\npolicy p{i} {{\n  apps [a{i}]\n"));
        for r in 0..40 {
            let (g, z) = (r % 20, (r + i) % 20);
            text.push_str(&format!(
                "  rule r{r} {{\n    when group in [g{g}] and zone not in [z{z}]\n    require password + 1 factor_type\n    reauth 2h\n  }}\n"
            ));
        }
        text.push_str("}\n");
        i += 1;
    }
    let mut sources = Sources::new();
    sources.add(SourceFile::new("big.policy", text));
    let compiled = policyc::compile(sources);
    assert_eq!(compiled.diagnostics, vec![]);
}

/// Thousands of unknown names in one file: every one is reported, the first ones with a
/// did-you-mean, the rest without (the per-file cap keeps did-you-mean linear-ish).
#[test]
fn many_unknown_names_get_a_bounded_number_of_suggestions() {
    let mut text = String::from("org acme { engine identity }\nauthenticator password\napp wiki\n");
    for i in 0..500 {
        text.push_str(&format!("group team_{i:03}\n"));
    }
    text.push_str("policy p {\n  apps [wiki]\n");
    for i in 0..500 {
        text.push_str(&format!(
            "  rule r{i} {{ when group in [taem_{i:03}] require password }}\n"
        ));
    }
    text.push_str("}\n");
    let mut sources = Sources::new();
    sources.add(SourceFile::new("set.policy", text));
    let compiled = policyc::compile(sources);
    let unknown: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "unknown-reference")
        .collect();
    assert_eq!(unknown.len(), 500);
    let suggested = unknown.iter().filter(|d| d.fix.is_some()).count();
    assert_eq!(suggested, 100);
    assert_eq!(unknown[0].help.as_deref(), Some("did you mean `team_000`?"));
    assert_eq!(
        unknown[499].help.as_deref(),
        Some("declare it with `group taem_499`")
    );
}
