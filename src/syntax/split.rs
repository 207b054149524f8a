//! Splits a file into top-level chunks so that a parse error costs one item, not the file.
//!
//! pest stops at the first error. Cutting the text where a new item must begin (see
//! [`starts_item`]) lets every other item parse. The cut never changes what a correct file means: each chunk is parsed with the same
//! `file` rule, so a chunk may hold several items.

use super::ITEM_KEYWORDS;
use super::ast::{Ident, UnparsedItem};
use crate::source::Span;
use std::ops::Range;

/// Item keywords that never appear inside a block: at column 0 they start a new item even while
/// a `{` is still open, so a missing `}` costs one item, not the rest of the file.
const NEVER_NESTED: &[&str] = &[
    "org",
    "authenticator",
    "idp",
    "route",
    "session_policy",
    "policy",
    "test",
];

/// What `top_level_chunks` stops at on a line past its first token: line ends, braces, strings
/// and comments (the last three rare).
const LINE_COMMON: [u8; 3] = [b'\n', b'{', b'}'];
const LINE_RARE: [u8; 3] = [b'\r', b'#', b'"'];

pub(super) fn top_level_chunks(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut chunk_start = 0;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut at_line_start = true;
    let mut column = 0usize;
    let mut rare_at = None;
    let mut i = 0;
    while i < bytes.len() {
        // A lone `\r` ends a line, as everywhere else (`source::line_starts`).
        let b = match bytes[i] {
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => b'\n',
            b => b,
        };
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
        let starts_line = at_line_start && !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'#');
        if starts_line && i > chunk_start && starts_item(text, i, column, depth) {
            chunks.push(chunk_start..i);
            chunk_start = i;
            depth = 0;
        }
        match b {
            b'\n' => {
                at_line_start = true;
                column = 0;
                i += 1;
                // Inside a block, an indented line cannot start an item (only a word at column 0
                // can): straight to what matters on it.
                if depth > 0 && matches!(bytes.get(i), Some(b' ' | b'\t')) {
                    at_line_start = false;
                    i = skip_to(bytes, i, LINE_COMMON, LINE_RARE, &mut rare_at);
                }
                continue;
            }
            b'#' => {
                i = comment_end(bytes, i);
                continue;
            }
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !matches!(b, b' ' | b'\t' | b'\r') {
            at_line_start = false;
        }
        i += 1;
        column += 1;
        if !at_line_start && !in_string {
            // Past a line's first token only these bytes matter until the line ends (`column`
            // is read at line starts only): most of a large file is skipped here.
            i = skip_to(bytes, i, LINE_COMMON, LINE_RARE, &mut rare_at);
        }
    }
    chunks.push(chunk_start..text.len());
    chunks
}

/// Whether the first token of a line, at byte `i`, begins a new top-level item: an item keyword
/// (or a near miss of one, such as `polcy`) outside any block, a never-nested item keyword at
/// column 0 even inside one, or, at column 0 outside any block, a character no item can contain.
fn starts_item(text: &str, i: usize, column: usize, depth: usize) -> bool {
    if depth > 0 && column > 0 {
        return false;
    }
    let rest = text.get(i..).unwrap_or("");
    let word_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let word = &rest[..word_len];
    if word.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        return depth == 0 && column == 0 && !c.is_alphanumeric() && !"{}[],+\"._-".contains(c);
    }
    if !word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return false;
    }
    if depth == 0 {
        ITEM_KEYWORDS.contains(&word)
            || crate::suggest::closest(word, ITEM_KEYWORDS.iter().copied()).is_some()
    } else {
        column == 0 && NEVER_NESTED.contains(&word)
    }
}

/// The `keyword name` a chunk starts with (`idp corp {` → `idp`, `corp`), if it reads as one.
pub(super) fn leading_declaration(chunk: &str, offset: usize) -> Option<UnparsedItem> {
    let word = |from: usize| -> Option<(usize, usize)> {
        let rest = chunk.get(from..)?;
        let start = from + (rest.len() - rest.trim_start().len());
        let len = chunk
            .get(start..)?
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(chunk.len() - start);
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
        Some(Ident {
            text: chunk.get(ns..ne)?.to_owned(),
            span: Span::new(offset + ns, offset + ne),
        })
    });
    Some(UnparsedItem { keyword, name })
}

/// The `rule NAME { .. }` blocks directly inside a policy chunk (`policy` or `session_policy`),
/// each with its name: byte ranges in `chunk` from `rule` to its closing `}`. `None` when the
/// chunk is no policy or a block is never closed (then there is nothing to recover).
pub(super) fn rule_blocks(chunk: &str) -> Option<Vec<(Range<usize>, Option<&str>)>> {
    let head = chunk.trim_start();
    if !(head.starts_with("policy") || head.starts_with("session_policy")) {
        return None;
    }
    let bytes = chunk.as_bytes();
    let word_at = |i: usize, word: &str| {
        chunk.get(i..).is_some_and(|rest| rest.starts_with(word))
            && bytes.get(i + word.len()).is_some_and(|b| !is_name_byte(*b))
            && (i == 0 || bytes.get(i - 1).is_some_and(|b| !is_name_byte(*b)))
    };
    let mut blocks = Vec::new();
    let (mut depth, mut i, mut in_string, mut open) = (0usize, 0usize, false, None);
    let mut rare_at = None;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'#' => {
                i = comment_end(bytes, i);
                continue;
            }
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 1
                    && let Some(start) = open.take()
                {
                    let name = chunk[start + 4..]
                        .trim_start()
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                        .next()
                        .filter(|n| !n.is_empty());
                    blocks.push((start..i + 1, name));
                }
            }
            b'r' if depth == 1 && open.is_none() && word_at(i, "rule") => open = Some(i),
            _ => {}
        }
        i += 1;
        if depth > 1 && !in_string {
            // Inside a rule (outside strings, whose escapes are read above) only these bytes
            // matter: most of a large policy is skipped here.
            i = skip_to(bytes, i, [b'{', b'}', b'"'], [b'#'; 3], &mut rare_at);
        }
    }
    (depth == 0 && open.is_none()).then_some(blocks)
}

/// Where a comment starting at `from` ends: at its line's end (`\n`, or `\r` of `\r\n` or alone,
/// as in the grammar), or at the end of the text.
fn comment_end(bytes: &[u8], from: usize) -> usize {
    memchr::memchr2(b'\n', b'\r', bytes.get(from..).unwrap_or_default())
        .map_or(bytes.len(), |n| from + n)
}

/// Where the next byte from `from` on that is one of `common` or `rare` is (`bytes.len()` if
/// none). `rare_at` keeps where the next `rare` byte is (`None` before the first call), so that
/// a text with few of them is searched for them a few times, not at every call.
fn skip_to(
    bytes: &[u8],
    from: usize,
    [a, b, c]: [u8; 3],
    [x, y, z]: [u8; 3],
    rare_at: &mut Option<usize>,
) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    let common = memchr::memchr3(a, b, c, rest).map_or(bytes.len(), |k| from + k);
    let rare = match *rare_at {
        Some(at) if at >= from => at,
        _ => {
            let at = memchr::memchr3(x, y, z, rest).map_or(bytes.len(), |k| from + k);
            *rare_at = Some(at);
            at
        }
    };
    common.min(rare)
}

/// One line of a chunk, as setting recovery sees it.
struct Line {
    start: usize,
    end: usize,
    /// `{` still open where the line starts.
    braces: usize,
    /// `[` still open where the line starts: the line continues a list.
    brackets: usize,
    /// A `{` or `}` outside strings and comments: the line opens or closes a block.
    has_brace: bool,
}

/// The lines of a chunk (a line ends at `\n`, `\r\n` or a lone `\r`), with the nesting where
/// each starts; strings and comments hide their brackets.
fn lines(chunk: &str) -> Vec<Line> {
    let bytes = chunk.as_bytes();
    let mut out = Vec::new();
    let (mut braces, mut brackets) = (0usize, 0usize);
    let mut line = Line {
        start: 0,
        end: 0,
        braces: 0,
        brackets: 0,
        has_brace: false,
    };
    let (mut in_string, mut in_comment) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' || b == b'\r' {
            line.end = i;
            if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            let next = Line {
                start: i + 1,
                end: 0,
                braces,
                brackets,
                has_brace: false,
            };
            out.push(std::mem::replace(&mut line, next));
            (in_string, in_comment) = (false, false);
        } else if in_comment {
        } else if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'#' => in_comment = true,
                b'"' => in_string = true,
                b'{' => {
                    braces += 1;
                    line.has_brace = true;
                }
                b'}' => {
                    braces = braces.saturating_sub(1);
                    line.has_brace = true;
                }
                b'[' => brackets += 1,
                b']' => brackets = brackets.saturating_sub(1),
                _ => {}
            }
        }
        i += 1;
    }
    line.end = bytes.len();
    out.push(line);
    out
}

/// The setting a syntax error at byte `pos` of a chunk falls in, as whole lines: the line of
/// `pos`, back to where its list began and on to where the list closes. `None` unless that is a
/// setting inside a block: lines that open or close a block (`rule r {`, `}`), the end of the
/// item, or text outside any block are not a setting, and leaving them out would change what
/// the rest of the item means.
pub(super) fn setting_region(chunk: &str, pos: usize) -> Option<Range<usize>> {
    if pos >= chunk.trim_end().len() {
        return None;
    }
    let lines = lines(chunk);
    let at = lines.iter().position(|l| l.start <= pos && pos <= l.end)?;
    let mut first = at;
    while first > 0 && lines[first].brackets > 0 {
        first -= 1;
    }
    let mut last = at;
    while lines.get(last + 1).is_some_and(|l| l.brackets > 0) {
        last += 1;
    }
    let region = lines.get(first..=last)?;
    let inside_block = lines[first].braces > 0 && lines[first].brackets == 0;
    let text = chunk.get(lines[first].start..lines[last].end)?;
    (inside_block && !region.iter().any(|l| l.has_brace) && !text.trim().is_empty())
        .then(|| lines[first].start..lines[last].end)
}

/// How many `{` are still open at the end of a chunk.
pub(super) fn open_braces(chunk: &str) -> usize {
    // The line after the last one starts with the nesting at the end.
    lines(&format!("{chunk}\n")).last().map_or(0, |l| l.braces)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
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
        assert_eq!(
            item.and_then(|i| i.name).map(|n| (n.text, n.span)),
            Some(("corp".to_owned(), Span::new(21, 25)))
        );
    }

    fn region<'a>(chunk: &'a str, word: &str) -> Option<&'a str> {
        let pos = chunk.find(word)?;
        setting_region(chunk, pos).map(|r| &chunk[r])
    }

    #[test]
    fn a_setting_is_its_lines_and_the_rest_of_its_list() {
        let chunk = "idp corp {\n  knd okta_oidc\n  asserts [\n    pwd\n    otp \"]\"\n  ]\n}";
        assert_eq!(region(chunk, "knd"), Some("  knd okta_oidc"));
        assert_eq!(
            region(chunk, "otp"),
            Some("  asserts [\n    pwd\n    otp \"]\"\n  ]")
        );
        // A block's first or last line, or the end of the item, is no setting.
        assert_eq!(region(chunk, "idp"), None);
        assert_eq!(region(chunk, "}"), None);
        assert_eq!(setting_region(chunk, chunk.len()), None);
        assert_eq!(
            region("policy p {\n  rule r { requre x }\n}", "requre"),
            None
        );
        // Outside any block there is no setting to leave out.
        assert_eq!(region("group a b\n", "b"), None);
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
    fn a_name_on_the_next_line_stays_with_its_keyword() {
        assert_eq!(
            chunks("group\nadmins\ngroup b"),
            ["group\nadmins", "group b"]
        );
    }

    #[test]
    fn an_unclosed_brace_costs_one_item() {
        let text = "policy a {\n  rule r {\n}\npolicy b {\n}\ntest \"t\" {\napp x\n}\n";
        assert_eq!(
            chunks(text),
            [
                "policy a {\n  rule r {\n}",
                "policy b {\n}",
                "test \"t\" {\napp x\n}"
            ]
        );
    }

    #[test]
    fn near_misses_and_garbage_start_chunks() {
        assert_eq!(
            chunks("org a {}\npolcy p {}\n@@@\ngroup g"),
            ["org a {}", "polcy p {}", "@@@", "group g"]
        );
    }

    #[test]
    fn keywords_used_as_names_and_strings_do_not_split() {
        let text = "group policy\nidp x {\n  issuer \"}\n policy\"\n}\n";
        // The string's `}` does not close the block, and `policy` after `group` is a name.
        assert_eq!(chunks(text).len(), 2);
    }

    /// An escaped quote does not end a string, so the braces after it are the string's: the
    /// scans skip ahead past a line's first token and inside rules, but never inside strings.
    #[test]
    fn escaped_quotes_keep_braces_inside_strings() {
        let text = "test \"\\\"{\" { app a }\napp b\npolicy p {\n  rule r { when domain in [\"\\\"}\"] deny }\n  rule s { deny }\n}\n";
        assert_eq!(
            chunks(text),
            [
                "test \"\\\"{\" { app a }",
                "app b",
                "policy p {\n  rule r { when domain in [\"\\\"}\"] deny }\n  rule s { deny }\n}"
            ]
        );
        let policy = chunks(text)[2];
        let names: Vec<Option<&str>> = rule_blocks(policy)
            .unwrap_or_default()
            .into_iter()
            .map(|(range, name)| {
                assert!(policy[range].ends_with("deny }"));
                name
            })
            .collect();
        assert_eq!(names, [Some("r"), Some("s")]);
    }

    /// A comment ends at a lone `\r` as at `\n`, as in the grammar: the rule on the next line
    /// is a block, not part of the comment.
    #[test]
    fn a_comment_ends_at_a_lone_carriage_return() {
        let policy = "policy p {\r  # note\r  rule r { deny }\r  rule s { deny }\r}\r";
        let names: Vec<Option<&str>> = rule_blocks(policy)
            .unwrap_or_default()
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        assert_eq!(names, [Some("r"), Some("s")]);
    }
}
