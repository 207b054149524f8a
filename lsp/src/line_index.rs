//! Byte offsets ↔ LSP positions (zero-based line, UTF-16 column).
//!
//! The library speaks byte spans; the protocol speaks UTF-16 code units. Every conversion goes
//! through [`LineIndex`], and every conversion clamps: a position past the end of a line or of
//! the file, a column inside a surrogate pair or a line ending, a range whose end precedes its
//! start all map to the nearest valid place. Nothing here can panic or produce a range outside
//! the document.

use lsp_types::{Position, Range};

/// Where each line of a text starts. Lines end at `\n`, `\r\n` or a lone `\r`, as the protocol
/// says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the first character of each line; never empty.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        // The one line-ending rule, shared with the CLI and its excerpts.
        let starts = policyc::source::line_starts(text).collect();
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of line `line`'s content, without its line ending.
    fn line_bounds(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self
            .starts
            .get(line)
            .copied()
            .unwrap_or(self.len)
            .min(text.len());
        let mut end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.len)
            .min(text.len());
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (start, end.max(start))
    }

    /// The byte offset of `pos`, clamped: past the last line → end of text; past the end of a
    /// line → end of that line's content; inside a surrogate pair → before the character.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let (start, end) = self.line_bounds(text, line);
        let Some(content) = text.get(start..end) else {
            return start.min(text.len());
        };
        let want = pos.character as usize;
        let mut units = 0;
        for (i, c) in content.char_indices() {
            let next = units + c.len_utf16();
            if next > want {
                return start + i;
            }
            units = next;
        }
        end
    }

    /// The position of byte `offset`, clamped to the text and moved back to a character
    /// boundary; an offset inside a line ending maps to the end of the line's content.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let (start, end) = self.line_bounds(text, line);
        let offset = offset.clamp(start, end);
        let character: usize = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    /// The LSP range of a byte range; `end` before `start` is treated as an empty range.
    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        let start_pos = self.position(text, start);
        let end_pos = self.position(text, end.max(start));
        Range {
            start: start_pos,
            end: end_pos,
        }
    }

    /// The byte range of an LSP range, ordered (a reversed range is swapped, not refused).
    pub fn byte_range(&self, text: &str, range: Range) -> (usize, usize) {
        let a = self.offset(text, range.start);
        let b = self.offset(text, range.end);
        (a.min(b), a.max(b))
    }

    /// The position just past the last character: the end of the document.
    pub fn end(&self, text: &str) -> Position {
        self.position(text, text.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn utf16_columns_and_clamping() {
        // `é` is 2 bytes and 1 UTF-16 unit; `𝄞` is 4 bytes and 2 UTF-16 units.
        let text = "aé𝄞b\nxy";
        let idx = LineIndex::new(text);
        assert_eq!(idx.offset(text, pos(0, 0)), 0);
        assert_eq!(idx.offset(text, pos(0, 2)), 3);
        // Inside the surrogate pair: before the character.
        assert_eq!(idx.offset(text, pos(0, 3)), 3);
        assert_eq!(idx.offset(text, pos(0, 4)), 7);
        assert_eq!(idx.offset(text, pos(0, 99)), 8);
        assert_eq!(idx.offset(text, pos(9, 0)), text.len());
        assert_eq!(idx.position(text, 7), pos(0, 4));
        // Inside `𝄞`: back to its start.
        assert_eq!(idx.position(text, 5), pos(0, 2));
        assert_eq!(idx.position(text, 999), pos(1, 2));
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let text = "ab\r\ncd\ref";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 3);
        assert_eq!(idx.offset(text, pos(0, 9)), 2);
        assert_eq!(idx.offset(text, pos(1, 1)), 5);
        assert_eq!(idx.offset(text, pos(2, 0)), 7);
        // Between `\r` and `\n`: the end of the line's content.
        assert_eq!(idx.position(text, 3), pos(0, 2));
        assert_eq!(idx.end(text), pos(2, 2));
    }

    #[test]
    fn reversed_ranges_are_ordered() {
        let text = "hello";
        let idx = LineIndex::new(text);
        let r = Range {
            start: pos(0, 4),
            end: pos(0, 1),
        };
        assert_eq!(idx.byte_range(text, r), (1, 4));
        assert_eq!(idx.range(text, 4, 1), Range::new(pos(0, 4), pos(0, 4)));
    }
}
