//! A lexer for formatting: the grammar's tokens plus the comments and line breaks pest skips.
//!
//! It runs only on text that already parsed, so it is lenient about what a token may contain
//! (a word is any run of name characters and dots); anything it cannot read is an error, never a
//! guess.

use super::FormatError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A name, a path (`kind.method`), a number or a duration.
    Word,
    /// A string literal, quotes and escapes as written.
    Str,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Plus,
    /// `#` to the end of the line, trailing whitespace removed.
    Comment,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Byte offset of the token in the file.
    pub start: usize,
    /// Line breaks between the previous token (or the start of the file) and this one.
    pub newlines_before: usize,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

pub(super) fn lex(text: &str) -> Result<Vec<Token<'_>>, FormatError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut newlines = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        let kind = match b {
            // A lone `\r` ends a line too, as everywhere else (`source::line_starts`).
            b'\n' => {
                newlines += 1;
                i += 1;
                continue;
            }
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                newlines += 1;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n' && c != b'\r') {
                    i += 1;
                }
                Kind::Comment
            }
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => i += 2,
                        Some(b'\n' | b'\r') | None => {
                            return Err(FormatError::Internal(format!(
                                "unterminated string at byte {start}"
                            )));
                        }
                        Some(_) => i += 1,
                    }
                }
                Kind::Str
            }
            b'{' | b'}' | b'[' | b']' | b',' | b'+' => {
                i += 1;
                match b {
                    b'{' => Kind::LBrace,
                    b'}' => Kind::RBrace,
                    b'[' => Kind::LBracket,
                    b']' => Kind::RBracket,
                    b',' => Kind::Comma,
                    _ => Kind::Plus,
                }
            }
            _ if is_word_byte(b) => {
                while bytes.get(i).copied().is_some_and(is_word_byte) {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                return Err(FormatError::Internal(format!(
                    "unexpected character at byte {start}"
                )));
            }
        };
        let raw = text.get(start..i).ok_or_else(|| {
            FormatError::Internal(format!("token at byte {start} is not on a char boundary"))
        })?;
        let text = if kind == Kind::Comment {
            raw.trim_end()
        } else {
            raw
        };
        tokens.push(Token {
            kind,
            text,
            start,
            newlines_before: newlines,
        });
        newlines = 0;
    }
    Ok(tokens)
}

/// The comments of a file, in order, as the formatter keeps them (trailing whitespace removed).
pub(super) fn comments(text: &str) -> Result<Vec<&str>, FormatError> {
    Ok(lex(text)?
        .into_iter()
        .filter(|t| t.kind == Kind::Comment)
        .map(|t| t.text)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_hide_hashes_and_comments_keep_their_text() {
        let tokens = lex("issuer \"a#b \\\" c\" # note \r\n x.y 2h").unwrap_or_default();
        let kinds: Vec<_> = tokens.iter().map(|t| (t.kind, t.text)).collect();
        assert_eq!(
            kinds,
            [
                (Kind::Word, "issuer"),
                (Kind::Str, "\"a#b \\\" c\""),
                (Kind::Comment, "# note"),
                (Kind::Word, "x.y"),
                (Kind::Word, "2h"),
            ]
        );
        assert_eq!(tokens[3].newlines_before, 1);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_comment_and_its_line() {
        let tokens = lex("# note\rorg acme {}").unwrap_or_default();
        let kinds: Vec<_> = tokens.iter().map(|t| (t.kind, t.text)).collect();
        assert_eq!(kinds[..2], [(Kind::Comment, "# note"), (Kind::Word, "org")]);
        assert_eq!(tokens[1].newlines_before, 1);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(lex("a @ b").is_err());
        assert!(lex("\"open").is_err());
    }
}
