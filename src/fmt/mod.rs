//! The formatter behind `policyc fmt`: one canonical layout for a `.policy` file, every comment
//! kept.
//!
//! The AST has no comments, so the formatter works on the token stream (`lex`), re-read with
//! the comments and line breaks pest skips, and arranged into a small layout tree (`tree`) of
//! blocks, statements and lists. Where each statement (item, setting, rule, user field) starts
//! comes from the AST's spans, so keywords used as names cannot mislead it. `print` writes the
//! tree out. Before returning, [`format`] parses its own output and refuses to return it unless
//! the AST (spans aside) and the comments are unchanged: a bug in the formatter is an error,
//! never a lost comment or a changed policy.
//!
//! The canonical layout is documented on [`format`] and in docs/language.md ("Formatting").

mod lex;
mod print;
mod string;
mod tree;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::FileId;
use crate::syntax::ast::{Item, SourceFileAst, TestSetting};
use std::collections::HashSet;
use std::fmt;

/// Why a file was not formatted. Its text is never changed then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The file does not parse: formatting broken text could lose some of it. The diagnostics
    /// are those of `policyc check` (file id 0).
    Syntax(Vec<Diagnostic>),
    /// The formatter could not lay the file out without changing what it means or losing a
    /// comment: a bug in the formatter, reported rather than written.
    Internal(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(diagnostics) => {
                let n = diagnostics.len();
                write!(
                    f,
                    "the file has {n} syntax {}",
                    if n == 1 { "error" } else { "errors" }
                )
            }
            FormatError::Internal(why) => write!(f, "the formatter failed: {why}"),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats a whole `.policy` file in the canonical layout:
///
/// - Items start at column 0, one per line; what is inside `{ }` is indented by 2 spaces, one
///   setting (or rule, or user field) per line, `{` on the line of its item or setting and `}`
///   on a line of its own.
/// - Blocks written on one line: an empty block is `{}`; an `authenticator` with exactly one
///   setting is `authenticator phone { methods [sms, voice] }` and a test's `user` is
///   `user { groups [admins]  zone corp }` (fields separated by two spaces), when the line fits
///   in 100 columns and the block holds no comment. Every other block is one setting per line.
/// - Exactly one space between tokens (`when A and B` on one line, `password + 1 factor_type`),
///   none inside `[ ]` or before `,`: lists are `[a, b, c]`. A list that would end past column
///   100, or that holds a comment, is written one value per line with a trailing comma, `]`
///   back at the indentation of the line that opened it.
/// - Strings are re-escaped one way: `\"`, `\\`, `\n`, `\t`, `\r`, other control characters as
///   `\u{..}` (lowercase hexadecimal), every other character as itself.
/// - Every comment is kept with its text (trailing whitespace removed). A comment on a line of
///   its own stays on its own line, indented like what follows it; a comment after code stays
///   after the token it followed, and ends that line. End-of-line comments on consecutive
///   lines are aligned two spaces after the longest of those lines. A statement broken by a
///   comment continues on the next line, indented 2 more spaces.
/// - Blank lines between items, settings, rules and own-line comments are kept, at most one in
///   a row; none at the start or end of the file or of a block.
/// - Lines end with `\r\n` if the file's first line break is `\r\n`, with `\n` otherwise; the
///   file ends with one line break (an empty file stays empty).
///
/// Files with syntax errors are refused ([`FormatError::Syntax`]). Formatting is idempotent:
/// `format(format(x)) == format(x)`.
pub fn format(text: &str) -> Result<String, FormatError> {
    let ast = parse_clean(text)?;
    let tokens = lex::lex(text)?;
    let file = tree::build(&tokens, &statement_starts(&ast))?;
    let eol = if text.find('\n').is_some_and(|i| text[..i].ends_with('\r')) {
        "\r\n"
    } else {
        "\n"
    };
    let out = print::print(&file, eol);
    verify(text, &ast, &out)?;
    Ok(out)
}

/// Whether two texts parse, without syntax errors, to the same AST when spans are ignored.
pub fn same_ast(a: &str, b: &str) -> bool {
    match (parse_clean(a), parse_clean(b)) {
        (Ok(a), Ok(b)) => erase_spans(&a) == erase_spans(&b),
        _ => false,
    }
}

/// The comments of a file, in order, as the formatter keeps them (trailing whitespace
/// removed); `None` if the text cannot be read as tokens.
pub fn comments(text: &str) -> Option<Vec<&str>> {
    lex::comments(text).ok()
}

fn parse_clean(text: &str) -> Result<SourceFileAst, FormatError> {
    let (ast, diagnostics) = crate::syntax::parse(FileId(0), text);
    if diagnostics.iter().any(|d| d.code == Code::Syntax) {
        return Err(FormatError::Syntax(diagnostics));
    }
    Ok(ast)
}

/// The AST's debug text with every `Span { start: .., end: .. }` replaced by `Span`.
fn erase_spans(ast: &SourceFileAst) -> String {
    const OPEN: &str = "Span { start: ";
    let text = format!("{ast:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        let after = &rest[at + OPEN.len()..];
        rest = after.find(" }").map_or("", |close| &after[close + 2..]);
    }
    out.push_str(rest);
    out
}

/// The formatter's own check: its output parses to the same AST, with the same comments.
fn verify(input: &str, ast: &SourceFileAst, output: &str) -> Result<(), FormatError> {
    let reparsed = parse_clean(output)
        .map_err(|_| FormatError::Internal("the formatted text would not parse".to_owned()))?;
    if erase_spans(ast) != erase_spans(&reparsed) {
        return Err(FormatError::Internal(
            "the formatted text would mean something else".to_owned(),
        ));
    }
    let mut before = lex::comments(input)?;
    let mut after = lex::comments(output)?;
    before.sort_unstable();
    after.sort_unstable();
    if before != after {
        return Err(FormatError::Internal(
            "the formatted text would lose a comment".to_owned(),
        ));
    }
    Ok(())
}

/// Byte offsets where a statement starts: every item, setting, rule and user field.
fn statement_starts(ast: &SourceFileAst) -> HashSet<usize> {
    let mut starts = HashSet::new();
    let mut add = |span: crate::source::Span| {
        starts.insert(span.start as usize);
    };
    for item in &ast.items {
        match item {
            Item::Org(org) => {
                add(org.span);
                org.settings.iter().for_each(|s| add(s.span));
            }
            Item::Declaration(d) => add(d.span),
            Item::Authenticator(a) => {
                add(a.span);
                a.settings.iter().for_each(|s| add(s.span));
            }
            Item::Idp(idp) => {
                add(idp.span);
                idp.settings.iter().for_each(|s| add(s.span));
            }
            Item::Route(route) => {
                add(route.span);
                route.settings.iter().for_each(|s| add(s.span));
            }
            Item::SessionPolicy(sp) => {
                add(sp.span);
                sp.priorities.iter().for_each(|p| add(p.span));
                for rule in &sp.rules {
                    add(rule.span);
                    rule.settings.iter().for_each(|s| add(s.span));
                }
            }
            Item::Policy(policy) => {
                add(policy.span);
                policy.apps.iter().for_each(|a| add(a.span));
                policy.default.iter().for_each(|s| add(*s));
                for rule in &policy.rules {
                    add(rule.span);
                    rule.settings.iter().for_each(|s| add(s.span));
                }
            }
            Item::Test(test) => {
                add(test.span);
                for setting in &test.settings {
                    add(setting.span);
                    if let TestSetting::User(fields) = &setting.node {
                        fields.iter().for_each(|f| add(f.span));
                    }
                }
            }
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let out = format(input).unwrap_or_else(|e| format!("error: {e}"));
        assert_eq!(out, expected, "formatting:\n{input}");
        assert_eq!(format(&out).as_deref(), Ok(expected), "not idempotent");
    }

    #[test]
    fn one_setting_per_line_except_short_authenticators_and_users() {
        check(
            "authenticator phone { methods [sms, voice]  status inactive }\n",
            "authenticator phone {\n  methods [sms, voice]\n  status inactive\n}\n",
        );
        check(
            "authenticator phone {\n methods [sms,voice,]\n}",
            "authenticator phone { methods [sms, voice] }\n",
        );
        check(
            "org a { engine identity }",
            "org a {\n  engine identity\n}\n",
        );
        check(
            "test \"t\" { user {  groups [a] zone z } expect deny }",
            "test \"t\" {\n  user { groups [a]  zone z }\n  expect deny\n}\n",
        );
        check("group a {  }\n", "group a {}\n");
    }

    #[test]
    fn priorities_get_a_line_of_their_own() {
        check(
            "session_policy s {  priority   2 rule r { require mfa } }\nroute r { to x priority 1 }",
            "session_policy s {\n  priority 2\n  rule r {\n    require mfa\n  }\n}\nroute r {\n  to x\n  priority 1\n}\n",
        );
    }

    #[test]
    fn long_lists_wrap_one_value_per_line() {
        let names: Vec<String> = (0..12).map(|i| format!("group_number_{i}")).collect();
        let input = format!(
            "policy p {{ rule r {{ when group in [{}] }} }}",
            names.join(",")
        );
        let expected = format!(
            "policy p {{\n  rule r {{\n    when group in [\n{}    ]\n  }}\n}}\n",
            names
                .iter()
                .map(|n| format!("      {n},\n"))
                .collect::<String>()
        );
        check(&input, &expected);
    }

    #[test]
    fn comments_stay_where_they_were() {
        check(
            "org a { # open\n\n  # own\n  engine identity # eol\n}\n\n\n# end\n",
            "org a {  # open\n  # own\n  engine identity  # eol\n}\n\n# end\n",
        );
        check(
            "group a # one\ngroup bb # two\n",
            "group a   # one\ngroup bb  # two\n",
        );
    }

    #[test]
    fn strings_are_re_escaped_and_line_endings_kept() {
        check(
            "idp x {\r\n  issuer \"\\u{41}\\u{a}\\u{22}\"\r\n}\r\n",
            "idp x {\r\n  issuer \"A\\n\\\"\"\r\n}\r\n",
        );
    }

    #[test]
    fn broken_text_is_refused() {
        assert!(matches!(
            format("idp x { kind }"),
            Err(FormatError::Syntax(d)) if !d.is_empty()
        ));
        assert!(matches!(
            format("idp x { issuer \"\\q\" }"),
            Err(FormatError::Syntax(_))
        ));
        assert_eq!(format("").as_deref(), Ok(""));
        assert_eq!(format("\n\n  \n").as_deref(), Ok(""));
    }

    #[test]
    fn same_ast_ignores_spans_only() {
        assert!(same_ast("group a", "\n\ngroup   a # c\n"));
        assert!(!same_ast("group a", "group b"));
        assert!(!same_ast("group a", "group {"));
    }
}
