//! Tokens → a layout tree: blocks of statements, statements of parts, lists of values, and the
//! comments where they were written.
//!
//! The tree knows nothing of the grammar beyond brackets: where a statement (an item, a setting,
//! a rule, a user field) starts is told by the AST (`starts`), whose spans are exact, so keywords
//! used as names never confuse it.

use super::FormatError;
use super::lex::{Kind, Token};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BlockKind {
    /// The file itself.
    File,
    /// `authenticator KIND { .. }`.
    Authenticator,
    /// `test ".." { .. }`.
    Test,
    /// The `user { .. }` of a test.
    User,
    Other,
}

#[derive(Debug, Clone)]
pub(super) struct Comment {
    pub text: String,
    /// Alone on its line (otherwise it ends a line of code).
    pub own_line: bool,
    /// Preceded by a blank line.
    pub blank_before: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Block {
    pub kind: BlockKind,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
pub(super) enum Entry {
    Stmt(Stmt),
    Comment(Comment),
}

#[derive(Debug, Clone)]
pub(super) struct Stmt {
    pub parts: Vec<Part>,
    pub blank_before: bool,
}

#[derive(Debug, Clone)]
pub(super) enum Part {
    /// A word, a `+` or a string, as it is printed.
    Atom(String),
    List(List),
    Block(Block),
    Comment(Comment),
}

#[derive(Debug, Clone)]
pub(super) struct List {
    /// Values (`Part::Atom` or `Part::List`) and comments, in order; commas are implied.
    pub pieces: Vec<Part>,
}

/// Whether a part holds a comment anywhere.
pub(super) fn has_comment(part: &Part) -> bool {
    match part {
        Part::Atom(_) => false,
        Part::Comment(_) => true,
        Part::List(list) => list.pieces.iter().any(has_comment),
        Part::Block(block) => block.entries.iter().any(|e| match e {
            Entry::Comment(_) => true,
            Entry::Stmt(s) => s.parts.iter().any(has_comment),
        }),
    }
}

pub(super) fn build(tokens: &[Token<'_>], starts: &HashSet<usize>) -> Result<Block, FormatError> {
    let mut builder = Builder {
        tokens,
        pos: 0,
        starts,
        depth: 0,
    };
    builder.block(BlockKind::File)
}

/// Deeper nesting than any valid file has means the tree and the grammar disagree.
const MAX_DEPTH: usize = 64;

struct Builder<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
    starts: &'t HashSet<usize>,
    depth: usize,
}

impl<'a> Builder<'_, 'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    fn comment(&self, token: Token<'_>) -> Comment {
        Comment {
            text: token.text.to_owned(),
            own_line: token.newlines_before > 0 || self.pos == 0,
            blank_before: token.newlines_before > 1,
        }
    }

    /// Whether the next token that is not a comment ends the statement before it.
    fn comment_ends_statement(&self) -> bool {
        let next = self.tokens[self.pos..]
            .iter()
            .find(|t| t.kind != Kind::Comment);
        match next {
            None => true,
            Some(t) => t.kind == Kind::RBrace || self.starts.contains(&t.start),
        }
    }

    fn enter(&mut self) -> Result<(), FormatError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FormatError::Internal("nesting too deep".to_owned()));
        }
        Ok(())
    }

    /// A block's body, after its `{` (or the whole file), through its `}`.
    fn block(&mut self, kind: BlockKind) -> Result<Block, FormatError> {
        self.enter()?;
        let mut entries = Vec::new();
        let mut stmt: Option<Stmt> = None;
        loop {
            let Some(token) = self.peek() else {
                if kind != BlockKind::File {
                    return Err(FormatError::Internal("unclosed `{`".to_owned()));
                }
                break;
            };
            match token.kind {
                Kind::RBrace => {
                    if kind == BlockKind::File {
                        return Err(FormatError::Internal("unexpected `}`".to_owned()));
                    }
                    self.pos += 1;
                    break;
                }
                Kind::Comment => {
                    let comment = self.comment(token);
                    self.pos += 1;
                    let own_line = comment.own_line;
                    match stmt.as_mut() {
                        Some(s) if !own_line || !self.comment_ends_statement() => {
                            s.parts.push(Part::Comment(comment));
                        }
                        _ => {
                            entries.extend(stmt.take().map(Entry::Stmt));
                            entries.push(Entry::Comment(comment));
                        }
                    }
                }
                _ => {
                    if stmt.is_none() || self.starts.contains(&token.start) {
                        entries.extend(stmt.take().map(Entry::Stmt));
                        stmt = Some(Stmt {
                            parts: Vec::new(),
                            blank_before: token.newlines_before > 1,
                        });
                    }
                    if let Some(s) = stmt.as_mut() {
                        let part = self.part(kind, s)?;
                        s.parts.push(part);
                    }
                }
            }
        }
        entries.extend(stmt.take().map(Entry::Stmt));
        self.depth -= 1;
        Ok(Block { kind, entries })
    }

    /// One part of a statement: a word, a list or a block.
    fn part(&mut self, parent: BlockKind, stmt: &Stmt) -> Result<Part, FormatError> {
        let Some(token) = self.peek() else {
            return Err(FormatError::Internal("unexpected end of file".to_owned()));
        };
        self.pos += 1;
        match token.kind {
            Kind::Word | Kind::Plus => Ok(Part::Atom(token.text.to_owned())),
            Kind::Str => Ok(Part::Atom(super::string::canonical(token.text)?)),
            Kind::LBracket => Ok(Part::List(self.list()?)),
            Kind::LBrace => {
                let first = stmt.parts.iter().find_map(|p| match p {
                    Part::Atom(a) => Some(a.as_str()),
                    _ => None,
                });
                let kind = match (parent, first) {
                    (BlockKind::File, Some("authenticator")) => BlockKind::Authenticator,
                    (BlockKind::File, Some("test")) => BlockKind::Test,
                    (BlockKind::Test, Some("user")) => BlockKind::User,
                    _ => BlockKind::Other,
                };
                Ok(Part::Block(self.block(kind)?))
            }
            _ => Err(FormatError::Internal(format!(
                "unexpected `{}` at byte {}",
                token.text, token.start
            ))),
        }
    }

    /// A list's content, after its `[`, through its `]`.
    fn list(&mut self) -> Result<List, FormatError> {
        self.enter()?;
        let mut pieces = Vec::new();
        loop {
            let Some(token) = self.peek() else {
                return Err(FormatError::Internal("unclosed `[`".to_owned()));
            };
            match token.kind {
                Kind::RBracket => {
                    self.pos += 1;
                    break;
                }
                Kind::Comma => self.pos += 1,
                Kind::Comment => {
                    pieces.push(Part::Comment(self.comment(token)));
                    self.pos += 1;
                }
                Kind::Word | Kind::Str => {
                    self.pos += 1;
                    pieces.push(Part::Atom(if token.kind == Kind::Str {
                        super::string::canonical(token.text)?
                    } else {
                        token.text.to_owned()
                    }));
                }
                Kind::LBracket => {
                    self.pos += 1;
                    pieces.push(Part::List(self.list()?));
                }
                _ => {
                    return Err(FormatError::Internal(format!(
                        "unexpected `{}` in a list at byte {}",
                        token.text, token.start
                    )));
                }
            }
        }
        self.depth -= 1;
        Ok(List { pieces })
    }
}
