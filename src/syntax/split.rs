//! Splits a file into top-level chunks so that a parse error costs one item, not the file.
//!
//! pest stops at the first error. Cutting the text where a new item must begin (a line that
//! starts, outside any `{ }`, with an item keyword or an unindented word) lets every other item
//! parse. The cut never changes what a correct file means: each chunk is parsed with the same
//! `file` rule, so a chunk may hold several items.

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
