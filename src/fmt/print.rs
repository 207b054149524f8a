//! The layout tree → text, by the rules documented on [`super::format`].

use super::tree::{Block, BlockKind, Comment, Entry, List, Part, Stmt, has_comment};

/// Lines longer than this wrap their lists (and keep blocks from being written on one line).
pub(super) const MAX_WIDTH: usize = 100;
const INDENT: &str = "  ";

#[derive(Debug, Default)]
struct Line {
    indent: usize,
    code: String,
    /// An end-of-line comment.
    comment: Option<String>,
    /// Nothing more may be written on this line (it ends with, or is, a comment).
    full: bool,
}

impl Line {
    fn width(&self) -> usize {
        self.indent * INDENT.len() + self.code.chars().count()
    }
}

#[derive(Default)]
struct Printer {
    lines: Vec<Line>,
    cur: Line,
}

impl Printer {
    /// Ends the current line (unless it is still empty) and starts one at `indent`.
    fn line(&mut self, indent: usize) {
        if !self.cur.code.is_empty() || self.cur.comment.is_some() {
            self.lines.push(std::mem::take(&mut self.cur));
        }
        self.cur.indent = indent;
    }

    fn blank(&mut self) {
        self.line(0);
        if self.lines.last().is_some_and(|l| !l.code.is_empty()) {
            self.lines.push(Line::default());
        }
    }

    fn push(&mut self, text: &str) {
        self.cur.code.push_str(text);
    }

    fn column(&self) -> usize {
        self.cur.width()
    }

    /// An end-of-line comment on the current line, or on a line of its own at `indent` if the
    /// current line cannot take one.
    fn trailing(&mut self, comment: &Comment, indent: usize) {
        if self.cur.full || self.cur.code.is_empty() {
            self.own_line(comment, indent);
        } else {
            self.cur.comment = Some(comment.text.clone());
            self.cur.full = true;
        }
    }

    fn own_line(&mut self, comment: &Comment, indent: usize) {
        self.line(indent);
        self.push(&comment.text);
        self.cur.full = true;
    }

    fn comment(&mut self, comment: &Comment, indent: usize) {
        if comment.own_line {
            self.own_line(comment, indent);
        } else {
            self.trailing(comment, indent);
        }
    }

    /// The text: end-of-line comments of consecutive lines at the same indentation aligned two
    /// columns after the longest of those lines.
    fn finish(mut self, eol: &str) -> String {
        self.line(0);
        while self
            .lines
            .last()
            .is_some_and(|l| l.code.is_empty() && l.comment.is_none())
        {
            self.lines.pop();
        }
        let mut out = String::new();
        let mut i = 0;
        while i < self.lines.len() {
            let indent = self.lines[i].indent;
            let run_end = self.lines[i..]
                .iter()
                .position(|l| l.comment.is_none() || l.indent != indent)
                .map_or(self.lines.len(), |n| i + n.max(1));
            let column = self.lines[i..run_end]
                .iter()
                .map(Line::width)
                .max()
                .unwrap_or(0)
                + 2;
            for line in &self.lines[i..run_end] {
                if !line.code.is_empty() {
                    out.push_str(&INDENT.repeat(line.indent));
                    out.push_str(&line.code);
                }
                if let Some(comment) = &line.comment {
                    out.push_str(&" ".repeat(column.saturating_sub(line.width())));
                    out.push_str(comment);
                }
                out.push_str(eol);
            }
            i = run_end;
        }
        out
    }
}

pub(super) fn print(file: &Block, eol: &str) -> String {
    let mut p = Printer::default();
    body(&mut p, file, 0);
    p.finish(eol)
}

/// The entries of a block, one per line at `indent`, blank lines kept (at most one).
fn body(p: &mut Printer, block: &Block, indent: usize) {
    // Blank lines separate lines of the block, never a block's first line from its `{`.
    let mut any_line = false;
    for entry in &block.entries {
        let (blank_before, own_line) = match entry {
            Entry::Stmt(s) => (s.blank_before, true),
            Entry::Comment(c) => (c.blank_before, c.own_line),
        };
        if any_line && blank_before {
            p.blank();
        }
        any_line |= own_line;
        match entry {
            Entry::Stmt(stmt) => statement(p, stmt, indent),
            Entry::Comment(c) => p.comment(c, indent),
        }
    }
}

fn statement(p: &mut Printer, stmt: &Stmt, indent: usize) {
    p.line(indent);
    let continuation = indent + 1;
    for part in &stmt.parts {
        if let Part::Comment(c) = part {
            p.comment(c, continuation);
            continue;
        }
        if p.cur.full {
            p.line(continuation);
        } else if !p.cur.code.is_empty() {
            p.push(" ");
        }
        match part {
            Part::Atom(text) => p.push(text),
            Part::List(list) => print_list(p, list),
            Part::Block(block) => print_block(p, block),
            Part::Comment(_) => {}
        }
    }
}

/// `[a, b]` when it fits and holds no comment; otherwise one value per line with a trailing
/// comma, `]` back at the indentation of the line that opened the list.
fn print_list(p: &mut Printer, list: &List) {
    let indent = p.cur.indent;
    if let Some(flat) = flat_list(list)
        && p.column() + flat.chars().count() <= MAX_WIDTH
    {
        p.push(&flat);
        return;
    }
    p.push("[");
    for piece in &list.pieces {
        match piece {
            Part::Comment(c) => p.comment(c, indent + 1),
            Part::List(inner) => {
                p.line(indent + 1);
                print_list(p, inner);
                p.push(",");
            }
            Part::Atom(text) => {
                p.line(indent + 1);
                p.push(text);
                p.push(",");
            }
            Part::Block(_) => {}
        }
    }
    p.line(indent);
    p.push("]");
}

fn print_block(p: &mut Printer, block: &Block) {
    let indent = p.cur.indent;
    if block.entries.is_empty() {
        p.push("{}");
        return;
    }
    if let Some(flat) = one_line_block(block)
        && p.column() + flat.chars().count() <= MAX_WIDTH
    {
        p.push(&flat);
        return;
    }
    p.push("{");
    body(p, block, indent + 1);
    p.line(indent);
    p.push("}");
}

/// `{ setting }` (`{ a  b }` for a user's fields) for the blocks that may be written on one
/// line: an `authenticator` with one setting, a test's `user`; never with a comment or a
/// nested block inside.
fn one_line_block(block: &Block) -> Option<String> {
    let stmts = block
        .entries
        .iter()
        .map(|e| match e {
            Entry::Stmt(s) => Some(s),
            Entry::Comment(_) => None,
        })
        .collect::<Option<Vec<_>>>()?;
    let allowed = match block.kind {
        BlockKind::Authenticator => stmts.len() == 1,
        BlockKind::User => true,
        _ => false,
    };
    if !allowed {
        return None;
    }
    let settings = stmts
        .iter()
        .map(|s| flat_statement(s))
        .collect::<Option<Vec<_>>>()?;
    Some(format!("{{ {} }}", settings.join("  ")))
}

fn flat_statement(stmt: &Stmt) -> Option<String> {
    let parts = stmt
        .parts
        .iter()
        .map(|part| match part {
            Part::Atom(text) => Some(text.clone()),
            Part::List(list) => flat_list(list),
            Part::Block(_) | Part::Comment(_) => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(parts.join(" "))
}

fn flat_list(list: &List) -> Option<String> {
    if list.pieces.iter().any(has_comment) {
        return None;
    }
    let values = list
        .pieces
        .iter()
        .map(|piece| match piece {
            Part::Atom(text) => Some(text.clone()),
            Part::List(inner) => flat_list(inner),
            Part::Block(_) | Part::Comment(_) => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(format!("[{}]", values.join(", ")))
}
