//! `--format human`: miette's graphical reports with source snippets.
//!
//! A [`Report`] adapts one [`Diagnostic`] to [`miette::Diagnostic`]: the primary label and the
//! related labels in the same file underline one snippet; each related label in another file
//! becomes a nested `note` report with a snippet of its own file. Help is miette's footer; a fix
//! is added to it (`fix: replace with ...`).
//!
//! miette does not read the file: each report gets an [`Excerpt`], the few lines its labels
//! need (one line of context around each), sliced from the file's line index. That keeps the
//! cost of a report proportional to its excerpt, never to the file (10,000 diagnostics on a
//! 1 MB file cost the file once plus the excerpts), and keeps what miette lays out small: a
//! line longer than [`MAX_LINE_BYTES`] is clipped around the labels with an ellipsis (miette
//! cannot lay out a column past 65,535), and a label longer than [`MAX_LABEL_LINES`] lines
//! shows its first lines. The `[file:line:column]` header is the file's own position, in
//! characters, so it agrees with every other format.

use super::{Position, clamped_range};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{SourceFile, Sources};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;
use std::io;
use std::ops::Range;

/// Lines longer than this (in bytes) are clipped around the labels they hold.
const MAX_LINE_BYTES: usize = 160;
/// How much of a clipped line is kept before the first label on it.
const CLIP_BEFORE: usize = 60;
/// A label over more lines than this shows only its first lines.
const MAX_LABEL_LINES: usize = 24;
/// Lines of context around each label (miette's default, which the handler keeps).
const CONTEXT_LINES: usize = 1;
/// Labels whose excerpts are at most this many lines apart share one snippet, the lines
/// between included.
const JOIN_GAP: usize = 8;

pub(super) fn write(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    color: bool,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_show_related_as_nested(true);
    for d in diagnostics {
        let report = Report::new(d, sources);
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_err() {
            // miette could not read a snippet: fall back to one plain line, never to nothing.
            text = plain(d, sources);
        }
        // miette pads empty source lines (` 4 │ `); trailing blanks only get in the way.
        for line in text.trim_end().lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `error[code]: file:line:column: message`, for when a snippet cannot be drawn.
fn plain(d: &Diagnostic, sources: &Sources) -> String {
    let at = Position::of(sources, d.primary.loc);
    format!(
        "{}[{}]: {}:{}:{}: {}",
        d.severity, d.code, at.file, at.start.line, at.start.column, d.message
    )
}

/// One diagnostic (or one of its related labels in another file) as miette sees it.
#[derive(Debug)]
struct Report<'a> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Excerpt<'a>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
}

impl<'a> Report<'a> {
    fn new(d: &'a Diagnostic, sources: &'a Sources) -> Report<'a> {
        let file = sources.get(d.primary.loc.file);
        let mut here: Vec<(Option<String>, Range<usize>, bool)> = Vec::new();
        let mut related = Vec::new();
        if let Some(file) = file {
            here.push((
                label_text(&d.primary),
                clamped_range(file, d.primary.loc),
                true,
            ));
        }
        for label in &d.related {
            match file {
                Some(file) if label.loc.file == d.primary.loc.file => {
                    here.push((label_text(label), clamped_range(file, label.loc), false));
                }
                _ => related.push(Report::note(label, sources)),
            }
        }
        let help = match (&d.help, &d.fix) {
            (Some(help), Some(fix)) => Some(format!("{help} (fix: {})", fix.title)),
            (Some(help), None) => Some(help.clone()),
            (None, Some(fix)) => Some(format!("fix: {}", fix.title)),
            (None, None) => None,
        };
        let (source, labels) = match file {
            Some(file) => {
                let ranges: Vec<Range<usize>> = here.iter().map(|(_, r, _)| r.clone()).collect();
                let excerpt = Excerpt::new(file, &ranges);
                let labels = here
                    .into_iter()
                    .map(|(text, range, primary)| {
                        let span = excerpt.span(range);
                        if primary {
                            LabeledSpan::new_primary_with_span(text, span)
                        } else {
                            LabeledSpan::new_with_span(text, span)
                        }
                    })
                    .collect();
                (Some(excerpt), labels)
            }
            None => (None, Vec::new()),
        };
        Report {
            message: d.message.clone(),
            code: Some(format!("{}[{}]", d.severity, d.code)),
            severity: severity(d.severity),
            help,
            source,
            labels,
            related,
        }
    }

    /// A related label in another file: its message, and a snippet of its own file.
    fn note(label: &Label, sources: &'a Sources) -> Report<'a> {
        let message = if label.message.is_empty() {
            "related location".to_owned()
        } else {
            label.message.clone()
        };
        match sources.get(label.loc.file) {
            Some(file) => {
                let range = clamped_range(file, label.loc);
                let excerpt = Excerpt::new(file, std::slice::from_ref(&range));
                let span = excerpt.span(range);
                Report {
                    message,
                    code: None,
                    severity: miette::Severity::Advice,
                    help: None,
                    source: Some(excerpt),
                    labels: vec![LabeledSpan::new_primary_with_span(None, span)],
                    related: Vec::new(),
                }
            }
            None => Report {
                message: format!("{message} (in {})", sources.name(label.loc.file)),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: None,
                labels: Vec::new(),
                related: Vec::new(),
            },
        }
    }
}

fn label_text(label: &Label) -> Option<String> {
    (!label.message.is_empty()).then(|| label.message.clone())
}

fn severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|code| Box::new(code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// One line of an excerpt: where it sits in the excerpt's text, and which bytes of which line
/// of the file it shows.
#[derive(Debug, Clone)]
struct ExcerptLine {
    /// Offset in the excerpt's text of the line's first byte (an ellipsis when clipped).
    at: usize,
    /// Length of the line in the excerpt's text, ellipses included, line break excluded.
    len: usize,
    /// 0-based line of the file.
    line: usize,
    /// The bytes of the file shown (a window of the line's content).
    shown: Range<usize>,
    /// Bytes of the leading ellipsis (0 when the line is not clipped at its start).
    prefix: usize,
}

/// The lines of one file a report needs, as miette's source: each label's lines and one line
/// of context around them, long lines clipped, in chunks of consecutive lines. miette's
/// offsets are offsets into `text`; [`Excerpt::span`] maps a file range there.
#[derive(Debug)]
struct Excerpt<'a> {
    file: &'a SourceFile,
    text: String,
    lines: Vec<ExcerptLine>,
    /// Ranges of `lines` whose file lines are consecutive; a snippet never spans two.
    chunks: Vec<Range<usize>>,
}

impl<'a> Excerpt<'a> {
    fn new(file: &'a SourceFile, ranges: &[Range<usize>]) -> Excerpt<'a> {
        let last = file.line_count().saturating_sub(1);
        // The lines each label covers (its first lines when long), with context.
        let mut wanted: Vec<(usize, usize)> = Vec::new();
        // Where labels start and end, per line: a long line is clipped around the first.
        let mut points: Vec<(usize, usize)> = Vec::new();
        for range in ranges {
            let first = file.line_index(range.start);
            let end_line = file.line_index(range.end.saturating_sub(1).max(range.start));
            let end_line = end_line.min(first + MAX_LABEL_LINES - 1);
            wanted.push((
                first.saturating_sub(CONTEXT_LINES),
                (end_line + CONTEXT_LINES).min(last),
            ));
            points.push((first, range.start));
            if end_line == file.line_index(range.end) {
                points.push((end_line, range.end));
            }
        }
        wanted.sort_unstable();
        points.sort_unstable();
        let mut joined: Vec<(usize, usize)> = Vec::new();
        for (lo, hi) in wanted {
            match joined.last_mut() {
                Some(prev) if lo <= prev.1 + 1 + JOIN_GAP => prev.1 = prev.1.max(hi),
                _ => joined.push((lo, hi)),
            }
        }
        let mut excerpt = Excerpt {
            file,
            text: String::new(),
            lines: Vec::new(),
            chunks: Vec::new(),
        };
        for (lo, hi) in joined {
            let start = excerpt.lines.len();
            for line in lo..=hi {
                let first_point = points
                    .get(points.partition_point(|&(l, _)| l < line))
                    .filter(|&&(l, _)| l == line)
                    .map(|&(_, p)| p);
                excerpt.push_line(line, first_point);
            }
            excerpt.chunks.push(start..excerpt.lines.len());
        }
        excerpt
    }

    /// Appends line `line` of the file, clipped around `point` when it is long.
    fn push_line(&mut self, line: usize, point: Option<usize>) {
        let text = self.file.text.as_str();
        let content = self.file.line_range(line);
        let shown = if content.len() <= MAX_LINE_BYTES {
            content.clone()
        } else {
            let around = point
                .unwrap_or(content.start)
                .clamp(content.start, content.end);
            let from = floor_boundary(text, around.saturating_sub(CLIP_BEFORE).max(content.start));
            let to = floor_boundary(text, (from + MAX_LINE_BYTES).min(content.end));
            from..to
        };
        let at = self.text.len();
        let prefix = if shown.start > content.start {
            self.text.push('…');
            '…'.len_utf8()
        } else {
            0
        };
        self.text.push_str(text.get(shown.clone()).unwrap_or(""));
        if shown.end < content.end {
            self.text.push('…');
        }
        let len = self.text.len() - at;
        self.text.push('\n');
        self.lines.push(ExcerptLine {
            at,
            len,
            line,
            shown,
            prefix,
        });
    }

    /// Where a byte of the file is in the excerpt: a byte clipped away maps to the ellipsis
    /// that stands for it, a byte on a line not shown to the nearest line shown.
    fn offset(&self, byte: usize) -> usize {
        let line = self.file.line_index(byte);
        let i = self
            .lines
            .partition_point(|l| l.line < line)
            .min(self.lines.len().saturating_sub(1));
        let Some(l) = self.lines.get(i) else {
            return 0;
        };
        if l.line != line {
            return if l.line > line { l.at } else { l.at + l.len };
        }
        if byte < l.shown.start {
            l.at
        } else if byte > l.shown.end {
            l.at + l.len
        } else {
            l.at + l.prefix + (byte - l.shown.start)
        }
    }

    /// A file range as a span of the excerpt.
    fn span(&self, range: Range<usize>) -> SourceSpan {
        let start = self.offset(range.start);
        let end = self.offset(range.end).max(start);
        SourceSpan::new(start.into(), end - start)
    }

    /// The byte of the file an excerpt offset shows (for the header's position).
    fn file_offset(&self, at: usize) -> usize {
        let i = self.line_at(at);
        match self.lines.get(i) {
            Some(l) => {
                let into = at.saturating_sub(l.at + l.prefix);
                (l.shown.start + into).min(l.shown.end)
            }
            None => 0,
        }
    }

    /// The index of the excerpt line holding offset `at` (its line break included).
    fn line_at(&self, at: usize) -> usize {
        self.lines
            .partition_point(|l| l.at + l.len < at)
            .min(self.lines.len().saturating_sub(1))
    }
}

/// The largest character boundary of `text` at or before `i`.
fn floor_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl SourceCode for Excerpt<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        let first = self.line_at(start);
        let last = self.line_at(end.saturating_sub(1).max(start));
        // A snippet never spans two chunks: the lines between them are not in the excerpt.
        let chunk = self
            .chunks
            .iter()
            .find(|c| c.contains(&first))
            .filter(|c| c.contains(&last))
            .ok_or(MietteError::OutOfBounds)?;
        let lo = first.saturating_sub(context_lines_before).max(chunk.start);
        let hi = (last + context_lines_after).min(chunk.end - 1);
        let (Some(lo_line), Some(hi_line)) = (self.lines.get(lo), self.lines.get(hi)) else {
            return Err(MietteError::OutOfBounds);
        };
        let from = if context_lines_before == 0 {
            start
        } else {
            lo_line.at
        };
        let to = (hi_line.at + hi_line.len + 1)
            .min(self.text.len())
            .max(from);
        let data = self
            .text
            .get(from..to)
            .ok_or(MietteError::OutOfBounds)?
            .as_bytes();
        // Without context lines miette asks where the span itself starts (the header): the
        // file's own position, in characters.
        let column = if context_lines_before == 0 {
            let at = self
                .file
                .line_col(u32::try_from(self.file_offset(start)).unwrap_or(u32::MAX));
            at.column.saturating_sub(1) as usize
        } else {
            0
        };
        // miette joins two labels' snippets when the first "reaches" the second's first line:
        // claim the rest of the chunk, so that labels of one chunk share one snippet.
        let last_of_chunk = self
            .lines
            .get(chunk.end - 1)
            .map_or(hi_line.line, |l| l.line);
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            data,
            SourceSpan::new(from.into(), data.len()),
            lo_line.line,
            column,
            last_of_chunk + 1 - lo_line.line,
        )))
    }
}
