//! pest errors → `syntax` diagnostics in plain words, with hints for the usual mistakes.

use super::expected::{describe, join};
use super::parser::Rule;
use crate::diagnostic::{Code, Diagnostic, Fix};
use crate::source::{FileId, Loc, Span};
use pest::error::{Error, ErrorVariant, InputLocation};

pub(super) fn from_pest(
    file: FileId,
    text: &str,
    chunk_start: usize,
    err: &Error<Rule>,
) -> Diagnostic {
    let pos = chunk_start
        + match err.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    let mut expected: Vec<&str> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for d in positives.iter().map(|r| describe(*r)) {
            if !expected.contains(&d) {
                expected.push(d);
            }
        }
    }
    let found = Found::at(text, pos);
    let loc = Loc::new(file, found.span);
    let mut diagnostic = Diagnostic::new(
        Code::Syntax,
        loc,
        format!("expected {}, found {}", join(&expected), found.describe()),
    )
    .with_label(match found.kind {
        FoundKind::End => "the file ends here".to_owned(),
        _ => format!("unexpected {}", found.describe()),
    });

    match found.kind {
        FoundKind::End if expected.contains(&"`}`") => {
            if let Some(open) = unclosed_brace(text, chunk_start, pos) {
                diagnostic = diagnostic
                    .with_related(Loc::new(file, open), "this `{` is never closed")
                    .with_help("add the missing `}`");
            }
        }
        FoundKind::Punct if matches!(found.text, "=" | ":") => {
            diagnostic.help = Some(format!(
                "settings are written `key value`, without `{}`: write `kind saml`, not `kind {} saml`",
                found.text, found.text
            ));
            diagnostic.fix = Some(Fix {
                loc,
                replacement: String::new(),
                title: format!("remove `{}`", found.text),
            });
        }
        FoundKind::Word => {
            if let Some(suggestion) = did_you_mean(found.text, &expected) {
                diagnostic = diagnostic
                    .with_help(format!("did you mean `{suggestion}`?"))
                    .with_fix(loc, suggestion);
            }
        }
        _ => {}
    }
    diagnostic
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
            };
        };
        let word_len = |pred: fn(char) -> bool| {
            rest.char_indices()
                .find(|&(_, c)| !pred(c))
                .map_or(rest.len(), |(i, _)| i)
        };
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
            let end = rest[1..].find(['"', '\n']).map_or(rest.len(), |i| i + 2);
            (FoundKind::Str, end.min(rest.len()))
        } else {
            (FoundKind::Punct, first.len_utf8())
        };
        Found {
            kind,
            text: &rest[..len],
            span: Span::new(pos, pos + len),
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

/// The last `{` before `end` that is not closed, skipping strings and comments.
fn unclosed_brace(text: &str, start: usize, end: usize) -> Option<Span> {
    let mut open = Vec::new();
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    for (i, c) in text.get(start..end)?.char_indices() {
        let at = start + i;
        match c {
            '\n' => {
                in_string = false;
                in_comment = false;
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
            '{' => open.push(at),
            '}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop().map(|at| Span::new(at, at + 1))
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
        assert_eq!(unclosed_brace(text, 0, text.len()), Some(Span::new(35, 36)));
        assert_eq!(unclosed_brace("a { \"{\" # {\n }", 0, 14), None);
    }
}
