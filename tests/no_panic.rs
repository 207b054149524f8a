//! No input panics the front end (parse + resolve + diagnostics), and every diagnostic it reports
//! points at real text: spans inside their file, on character boundaries, with a line and column.
//!
//! Three kinds of input: arbitrary bytes, strings over the language's own alphabet, and the
//! project's valid policy files after random edits (the inputs an editor sends while typing).
//! Plus a few hostile sizes: deep bracket runs and a multi-megabyte file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::diagnostic::Label;
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
