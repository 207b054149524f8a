//! Source text: files of a policy set, byte spans, and line/column lookup.

use serde::Serialize;
use std::fmt;

/// A byte range in one file. Offsets are `u32`: policy files are capped well below 4 GiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    pub fn shift(self, by: usize) -> Span {
        Span::new(self.start as usize + by, self.end as usize + by)
    }

    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Index of a file in a [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct FileId(pub u32);

/// A span in a known file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Loc {
        Loc { file, span }
    }
}

/// Where each line of `text` starts (byte offsets, the first is 0). Lines end at `\n`, `\r\n`
/// or a lone `\r`: the language server protocol's rule, used everywhere (the CLI's positions,
/// the excerpts, the language server's `LineIndex`), so that every tool names the same line.
pub fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    std::iter::once(0).chain(
        memchr::memchr2_iter(b'\n', b'\r', bytes).filter_map(move |i| {
            let ends = bytes.get(i) == Some(&b'\n') || bytes.get(i + 1) != Some(&b'\n');
            ends.then_some(i + 1)
        }),
    )
}

/// One source file: its display name, its text, and where its lines start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it (relative paths stay relative): used in every message.
    pub name: String,
    pub text: String,
    /// Computed when a position is first asked for: a file that parses clean is never
    /// asked, and parsing a large file waits on nothing else.
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

/// A 1-based line and column; the column counts characters (not bytes, not UTF-16 units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn starts(&self) -> &[u32] {
        self.line_starts
            .get_or_init(|| line_starts(&self.text).map(clamp_u32).collect())
    }

    /// Line and character column of a byte offset; offsets past the end or inside a character
    /// are clamped, never a panic.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = (offset as usize).min(self.text.len());
        let starts = self.starts();
        let line = starts
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1);
        let start = starts.get(line).map_or(0, |&s| s as usize);
        let column = self
            .text
            .get(start..)
            .unwrap_or("")
            .char_indices()
            .take_while(|(i, _)| start + i < offset)
            .count();
        LineCol {
            line: clamp_u32(line + 1),
            column: clamp_u32(column + 1),
        }
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line as usize).saturating_sub(1);
        let starts = self.starts();
        let start = starts.get(idx).map_or(self.text.len(), |&s| s as usize);
        let end = starts.get(idx + 1).map_or(self.text.len(), |&s| s as usize);
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// How many lines the file has (an empty file, or one ending in a line break, has an empty
    /// last line).
    pub fn line_count(&self) -> usize {
        self.starts().len()
    }

    /// The 0-based line holding byte `offset` (clamped to the file).
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.starts()
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1)
    }

    /// The byte range of a 0-based line's content, without its line ending (clamped).
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let len = self.text.len();
        let starts = self.starts();
        let start = starts.get(line).map_or(len, |&s| s as usize);
        let next = starts.get(line + 1).map_or(len, |&s| s as usize);
        let bytes = self.text.as_bytes();
        let mut end = next;
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end
    }
}

/// All files of a policy set, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(clamp_u32(self.files.len() - 1))
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(clamp_u32(i)), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The name of a file, or `<unknown>` for an id from another set.
    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.name.as_str())
    }

    pub fn slice(&self, loc: Loc) -> &str {
        self.get(loc.file).map_or("", |f| f.slice(loc.span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_clamps() {
        let f = SourceFile::new("a.policy", "ab\nçd\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // `d` is after the two-byte `ç`: byte 5, character column 2.
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_col(999), LineCol { line: 3, column: 1 });
        assert_eq!(f.line_text(2), "çd");
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let f = SourceFile::new("a.policy", "a\rb\r\nc\nd");
        assert_eq!(line_starts(&f.text).collect::<Vec<_>>(), [0, 2, 5, 7]);
        assert_eq!(f.line_col(2), LineCol { line: 2, column: 1 });
        assert_eq!(f.line_col(5), LineCol { line: 3, column: 1 });
        assert_eq!(f.line_text(1), "a");
        assert_eq!(f.line_text(2), "b");
    }
}
