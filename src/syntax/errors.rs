//! pest errors → `syntax` diagnostics in plain words, with hints for the usual mistakes.

use super::expected::{describe, join};
use super::parser::{Rule, is_item};
use crate::diagnostic::{Code, Diagnostic, Fix};
use crate::source::{FileId, Loc, Span};
use pest::error::{Error, ErrorVariant, InputLocation};
use std::ops::Range;

pub(super) fn from_pest(
    file: FileId,
    text: &str,
    chunk: Range<usize>,
    err: &Error<Rule>,
) -> Diagnostic {
    let pos = chunk.start
        + match err.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    let expected = expected_at(err);
    let found = Found::at(text, pos);
    let loc = Loc::new(file, found.span);
    // Where the chunk ends the item ends: what comes next belongs to another item.
    let item_ended = found.kind == FoundKind::End || pos >= chunk.end;
    let mut diagnostic = Diagnostic::new(
        Code::Syntax,
        loc,
        format!("expected {}, found {}", join(&expected), found.describe()),
    )
    .with_label(match found.kind {
        FoundKind::End => "the file ends here".to_owned(),
        FoundKind::Str => "unexpected string".to_owned(),
        _ => format!("unexpected {}", found.describe()),
    });
    let expects = |d: &str| expected.contains(&d);

    if found.kind == FoundKind::Str && found.unterminated {
        diagnostic.message = "this string is not closed".to_owned();
        diagnostic.primary.message = "no closing `\"` on this line".to_owned();
        diagnostic.help = Some(
            "add `\"` at the end of the string; strings cannot span lines (use `\\n`)".to_owned(),
        );
    } else if item_ended && expects("`}`") {
        if let Some(open) = unclosed(text, chunk.start, pos, '{', '}') {
            diagnostic = diagnostic
                .with_related(Loc::new(file, open), "this `{` is never closed")
                .with_help("add the missing `}`");
        }
    } else if expects("`]`") && found.text != "]" {
        // A `[` still open at the end of the item was never closed; otherwise a comma is missing.
        match unclosed(text, chunk.start, chunk.end, '[', ']') {
            Some(open) => {
                diagnostic = diagnostic
                    .with_related(Loc::new(file, open), "this `[` is never closed")
                    .with_help("close the list with `]`");
            }
            None => diagnostic.help = Some("separate list values with `,`".to_owned()),
        }
    } else if found.kind == FoundKind::Punct
        && matches!(found.text, "=" | ":")
        && expects(describe(Rule::kw_in))
    {
        // `when group = admins`: a condition names its values with `in [..]`.
        let subject = previous_word(text, pos).unwrap_or("group");
        let after = found.span.end as usize;
        let rest = text.get(after..).unwrap_or("");
        let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let (end, replacement) = if rest.trim_start_matches([' ', '\t']).starts_with('[') {
            (after, "in".to_owned())
        } else {
            match value_at(text, after + blanks) {
                Some(value) => (after + blanks + value.len(), format!("in [{value}]")),
                None => (after, "in [".to_owned()),
            }
        };
        let written = match replacement.as_str() {
            "in" => format!("{subject} in [..]"),
            "in [" => format!("{subject} in [..]"),
            r => format!("{subject} {r}"),
        };
        diagnostic.help = Some(format!(
            "a condition lists the values it matches: write `{written}` (`not in [..]` for the opposite)"
        ));
        if replacement != "in [" {
            // `zone:[office]` needs the blanks that `:` did not.
            let start = found.span.start as usize;
            let blank = |c: Option<char>| c.is_none_or(char::is_whitespace);
            let before = text.get(..start).and_then(|t| t.chars().next_back());
            let next = text.get(end..).and_then(|t| t.chars().next());
            let padded = format!(
                "{}{replacement}{}",
                if blank(before) { "" } else { " " },
                if blank(next) { "" } else { " " }
            );
            diagnostic.fix = Some(Fix {
                loc: Loc::new(file, Span::new(start, end)),
                title: format!("replace with `{replacement}`"),
                replacement: padded,
            });
        }
    } else if found.kind == FoundKind::Punct && matches!(found.text, "=" | ":") {
        let key = previous_word(text, pos).unwrap_or("kind");
        let value = next_word(text, found.span.end as usize).unwrap_or("value");
        diagnostic.help = Some(format!(
            "settings are written `key value`, without `{}`: write `{key} {value}`",
            found.text
        ));
        diagnostic.fix = Some(Fix {
            loc,
            replacement: String::new(),
            title: format!("remove `{}`", found.text),
        });
    } else if found.text == "}" && expects(describe(Rule::file)) {
        diagnostic.help = Some("no block is open here: remove this `}`".to_owned());
        diagnostic.fix = Some(Fix {
            loc,
            replacement: String::new(),
            title: "remove `}`".to_owned(),
        });
    } else if found.kind == FoundKind::Str && expects(describe(Rule::name)) {
        let unquoted = found.text.trim_matches('"').to_owned();
        diagnostic.help = Some("names are written without quotes".to_owned());
        diagnostic.fix = Some(Fix {
            loc,
            title: format!("replace with `{unquoted}`"),
            replacement: unquoted,
        });
    } else if found.kind == FoundKind::Word && !found.text.is_ascii() {
        diagnostic.help =
            Some("names are made of ASCII letters, digits, `_` and `-`; other characters may appear in strings and comments".to_owned());
    } else if found.kind == FoundKind::Word
        && let Some(unit) = duration_unit(found.text)
        && let Some(number) =
            previous_word(text, pos).filter(|w| w.bytes().all(|b| b.is_ascii_digit()))
    {
        // `reauth 2 hours`: durations are a number and a one-letter unit, `2h`.
        let written = format!("{number}{unit}");
        let start = text
            .get(..pos)
            .map_or(pos, |t| t.trim_end_matches([' ', '\t']).len())
            .saturating_sub(number.len());
        diagnostic.help = Some(format!(
            "durations are written as a number and a unit letter (`s`, `m`, `h`, `d`): write `{written}`"
        ));
        diagnostic.fix = Some(Fix {
            loc: Loc::new(file, Span::new(start, found.span.end as usize)),
            title: format!("replace with `{written}`"),
            replacement: written,
        });
    } else if found.kind == FoundKind::Word && found.text == "or" && expects(describe(Rule::kw_and))
    {
        diagnostic.help = Some(
            "the conditions of a rule all hold together, joined with `and`; for one or the other, write two rules with the same requirement, one per condition (a list such as `group in [a, b]` already means either)".to_owned(),
        );
    } else if matches!(found.kind, FoundKind::Word | FoundKind::Str)
        && expects(describe(Rule::lbracket))
        && previous_word(text, pos).is_some_and(|w| w == "in")
    {
        // `group in admins`: the values of a condition are a list.
        let at = found.span.start as usize;
        let value = value_at(text, at).unwrap_or(found.text);
        let end = at + value.len();
        diagnostic.help = Some(format!(
            "a condition lists its values in brackets: write `in [{value}]`"
        ));
        diagnostic.fix = Some(Fix {
            loc: Loc::new(file, Span::new(at, end)),
            title: format!("replace with `[{value}]`"),
            replacement: format!("[{value}]"),
        });
    } else if found.kind == FoundKind::Word
        && matches!(found.text, "s" | "m" | "h" | "d")
        && previous_word(text, pos).is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
    {
        let number = previous_word(text, pos).unwrap_or("");
        diagnostic.help = Some(format!(
            "write the duration without a space: `{number}{}`",
            found.text
        ));
    } else if found.kind == FoundKind::Word
        && let Some(suggestion) = did_you_mean(found.text, &expected)
    {
        diagnostic = diagnostic
            .with_help(format!("did you mean `{suggestion}`?"))
            .with_fix(loc, suggestion);
    }
    diagnostic
}

/// What pest expected, described in plain words, without repeats. Where an item may start, the
/// item alternatives (and end of file) read as one "an item (..)".
fn expected_at(err: &Error<Rule>) -> Vec<&'static str> {
    let ErrorVariant::ParsingError { positives, .. } = &err.variant else {
        return Vec::new();
    };
    // Where an item may start: an item rule, its keyword, or the end of the file.
    let is_item_start = |r: &Rule| {
        is_item(*r)
            || matches!(
                r,
                Rule::kw_org
                    | Rule::kw_group
                    | Rule::kw_zone
                    | Rule::kw_app
                    | Rule::kw_authenticator
                    | Rule::kw_idp
                    | Rule::kw_route
                    | Rule::kw_session_policy
                    | Rule::kw_policy
                    | Rule::kw_test
                    | Rule::EOI
            )
    };
    let mut expected = Vec::new();
    for rule in positives {
        let d = if is_item_start(rule) {
            describe(Rule::file)
        } else {
            describe(*rule)
        };
        if !expected.contains(&d) {
            expected.push(d);
        }
    }
    expected
}

/// The word starting at `pos` after blanks, e.g. the value after a stray `=`.
fn next_word(text: &str, pos: usize) -> Option<&str> {
    let after = text.get(pos..)?.trim_start_matches([' ', '\t']);
    let len = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .unwrap_or(after.len());
    (len > 0).then(|| &after[..len])
}

/// The unit letter of a duration written as a word (`hours` → `h`), if it is one.
fn duration_unit(word: &str) -> Option<char> {
    match word.to_ascii_lowercase().as_str() {
        "sec" | "secs" | "second" | "seconds" => Some('s'),
        "min" | "mins" | "minute" | "minutes" => Some('m'),
        "hr" | "hrs" | "hour" | "hours" => Some('h'),
        "day" | "days" => Some('d'),
        _ => None,
    }
}

/// The value starting at `pos`: a word (`admins`, `okta_verify.push`) or a string on one line
/// (`"partner.example"`).
fn value_at(text: &str, pos: usize) -> Option<&str> {
    let rest = text.get(pos..)?;
    if let Some(inner) = rest.strip_prefix('"') {
        let close = inner.find(['"', '\n'])?;
        return (inner.as_bytes().get(close) == Some(&b'"')).then(|| &rest[..close + 2]);
    }
    next_word(text, pos)
}

/// The word just before `pos` (skipping blanks), e.g. the setting keyword before a stray `=`.
fn previous_word(text: &str, pos: usize) -> Option<&str> {
    let before = text.get(..pos)?.trim_end_matches([' ', '\t']);
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map_or(0, |i| i + 1);
    let word = &before[start..];
    (!word.is_empty()).then_some(word)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FoundKind {
    End,
    Word,
    Number,
    Str,
    Punct,
}

struct Found<'a> {
    kind: FoundKind,
    text: &'a str,
    span: Span,
    /// A string with no closing quote on its line.
    unterminated: bool,
}

impl<'a> Found<'a> {
    /// The token at `pos`, read the way a person would point at it.
    fn at(text: &'a str, pos: usize) -> Found<'a> {
        let pos = pos.min(text.len());
        let rest = text.get(pos..).unwrap_or("");
        let Some(first) = rest.chars().next() else {
            return Found {
                kind: FoundKind::End,
                text: "",
                span: Span::new(pos, pos),
                unterminated: false,
            };
        };
        let word_len = |pred: fn(char) -> bool| {
            rest.char_indices()
                .find(|&(_, c)| !pred(c))
                .map_or(rest.len(), |(i, _)| i)
        };
        let mut unterminated = false;
        let (kind, len) = if first.is_alphabetic() || first == '_' {
            (
                FoundKind::Word,
                word_len(|c| c.is_alphanumeric() || c == '_' || c == '-'),
            )
        } else if first.is_ascii_digit() {
            (
                FoundKind::Number,
                word_len(|c| c.is_alphanumeric() || c == '_'),
            )
        } else if first == '"' {
            // Up to the closing quote (escapes skipped), or to the end of the line without it.
            let mut end = None;
            let mut escaped = false;
            for (i, c) in rest.char_indices().skip(1) {
                match c {
                    '\n' | '\r' => break,
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i + 1);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            unterminated = end.is_none();
            let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
            (FoundKind::Str, end.unwrap_or(line_end))
        } else {
            (FoundKind::Punct, first.len_utf8())
        };
        Found {
            kind,
            text: &rest[..len],
            span: Span::new(pos, pos + len),
            unterminated,
        }
    }

    fn describe(&self) -> String {
        match self.kind {
            FoundKind::End => "end of file".to_owned(),
            FoundKind::Str => "a string".to_owned(),
            FoundKind::Punct if self.text == "\n" || self.text == "\r" => "end of line".to_owned(),
            _ => format!("`{}`", self.text),
        }
    }
}

/// The `open` before `end` that is not closed by `close`, skipping strings and comments: the
/// last one left open, unless the indentation shows a `close` written for an outer one (a `}`
/// first on its line, indented less than the line of the innermost `{`): then the inner one is
/// the brace the `}` was forgotten for.
fn unclosed(text: &str, start: usize, end: usize, open: char, close: char) -> Option<Span> {
    // Each open brace with the indentation of its line.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut skipped = None;
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    let (mut indent, mut line_start) = (0usize, true);
    for (i, c) in text.get(start..end)?.char_indices() {
        let at = start + i;
        let first_on_line = line_start && !matches!(c, ' ' | '\t');
        if line_start {
            match c {
                ' ' | '\t' => indent += 1,
                _ => line_start = false,
            }
        }
        match c {
            '\n' | '\r' => {
                in_string = false;
                in_comment = false;
                (indent, line_start) = (0, true);
            }
            _ if in_comment => {}
            _ if in_string => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            }
            '#' => in_comment = true,
            '"' => in_string = true,
            c if c == open => stack.push((at, indent)),
            c if c == close => {
                while first_on_line && stack.len() > 1 && stack.last().is_some_and(|o| o.1 > indent)
                {
                    skipped = skipped.or(stack.pop());
                }
                stack.pop();
            }
            _ => {}
        }
    }
    skipped.or(stack.pop()).map(|(at, _)| Span::new(at, at + 1))
}

/// The expected keyword closest to `word`, if one is close enough to be a typo.
fn did_you_mean(word: &str, expected: &[&str]) -> Option<String> {
    let candidates = expected.iter().flat_map(|d| backticked_words(d));
    crate::suggest::closest(word, candidates).map(str::to_owned)
}

/// `x` segments of a description that are single words (keywords), e.g. from "`kind` or `}`".
fn backticked_words(description: &str) -> impl Iterator<Item = &str> {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_innermost_unclosed_brace() {
        let text = "policy p {\n  rule r {\n  }\n  rule s {\n";
        assert_eq!(
            unclosed(text, 0, text.len(), '{', '}'),
            Some(Span::new(35, 36))
        );
        assert_eq!(unclosed("a { \"{\" # {\n }", 0, 14, '{', '}'), None);
        // The `}` under `policy` was written for the policy: the rule's `{` is the one left open.
        let text = "policy p {\n  rule r {\n    require x\n}\n";
        assert_eq!(
            unclosed(text, 0, text.len(), '{', '}'),
            Some(Span::new(20, 21))
        );
        // One-line blocks close as written.
        let text = "policy p {\n  rule r { require x }\n";
        assert_eq!(
            unclosed(text, 0, text.len(), '{', '}'),
            Some(Span::new(9, 10))
        );
    }
}
