//! Splits a file into top-level chunks so that a parse error costs one item, not the file.
//!
//! pest stops at the first error. Cutting the text where a new item must begin (a line that
//! starts, outside any `{ }`, with an item keyword or an unindented word) lets every other item
//! parse. The cut never changes what a correct file means: each chunk is parsed with the same
//! `file` rule, so a chunk may hold several items.

use super::ast::{Ident, UnparsedItem};
use crate::source::Span;
use std::ops::Range;

const ITEM_KEYWORDS: &[&str] = &[
    "org",
    "group",
    "zone",
    "app",
    "authenticator",
    "idp",
    "route",
    "session_policy",
    "policy",
    "test",
];

pub(super) fn top_level_chunks(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut chunk_start = 0;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut at_line_start = true;
    let mut column = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                // Strings cannot span lines: an unterminated one ends here for splitting.
                b'\n' => {
                    in_string = false;
                    at_line_start = true;
                    column = 0;
                    i += 1;
                    continue;
                }
                _ => {}
            }
            i += 1;
            column += 1;
            continue;
        }
        match b {
            b'\n' => {
                at_line_start = true;
                column = 0;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b if at_line_start && depth == 0 && (b.is_ascii_alphabetic() || b == b'_') => {
                let end = bytes[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-'))
                    .map_or(bytes.len(), |n| i + n);
                let word = text.get(i..end).unwrap_or("");
                if i > chunk_start && (column == 0 || ITEM_KEYWORDS.contains(&word)) {
                    chunks.push(chunk_start..i);
                    chunk_start = i;
                }
            }
            _ => {}
        }
        if !matches!(b, b' ' | b'\t' | b'\r') {
            at_line_start = false;
        }
        i += 1;
        column += 1;
    }
    chunks.push(chunk_start..text.len());
    chunks
}

/// The `keyword name` a chunk starts with (`idp corp {` → `idp`, `corp`), if it reads as one.
pub(super) fn leading_declaration(chunk: &str, offset: usize) -> Option<UnparsedItem> {
    let word = |from: usize| -> Option<(usize, usize)> {
        let rest = chunk.get(from..)?;
        let start = from + (rest.len() - rest.trim_start().len());
        let len = chunk.get(start..)?.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(chunk.len() - start);
        (len > 0).then_some((start, start + len))
    };
    let skip_comments = chunk
        .lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .map(|l| l.len() + 1)
        .sum::<usize>()
        .min(chunk.len());
    let (ks, ke) = word(skip_comments)?;
    let keyword = chunk.get(ks..ke)?.to_owned();
    let name = word(ke).and_then(|(ns, ne)| {
        Some(Ident { text: chunk.get(ns..ne)?.to_owned(), span: Span::new(offset + ns, offset + ne) })
    });
    Some(UnparsedItem { keyword, name })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<&str> {
        top_level_chunks(text)
            .into_iter()
            .map(|r| text[r].trim())
            .collect()
    }

    #[test]
    fn reads_the_leading_declaration_of_a_broken_chunk() {
        let item = leading_declaration("# corp\nidp corp {\n  kind = oidc\n}", 10);
        assert_eq!(item.as_ref().map(|i| i.keyword.as_str()), Some("idp"));
        assert_eq!(item.and_then(|i| i.name).map(|n| (n.text, n.span)), Some(("corp".to_owned(), Span::new(21, 25))));
    }

    #[test]
    fn splits_at_top_level_items_only() {
        let text =
            "group a\ngroup b\npolicy p {\n  rule r {\n    when group in [a]\n  }\n}\n  app x\n";
        assert_eq!(
            chunks(text),
            [
                "group a",
                "group b",
                "policy p {\n  rule r {\n    when group in [a]\n  }\n}",
                "app x"
            ]
        );
    }

    #[test]
    fn keywords_used_as_names_and_strings_do_not_split() {
        let text = "group policy\nidp x {\n  issuer \"}\n policy\"\n}\n";
        // The string's `}` does not close the block, and `policy` after `group` is a name.
        assert_eq!(chunks(text).len(), 2);
    }
}
