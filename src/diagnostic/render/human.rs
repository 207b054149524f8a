//! `--format human`: miette's graphical reports with source snippets.
//!
//! A [`Report`] adapts one [`Diagnostic`] to [`miette::Diagnostic`]: the primary label and the
//! related labels in the same file underline one snippet; each related label in another file
//! becomes a nested `note` report with a snippet of its own file. Help is miette's footer; a fix
//! is added to it (`fix: replace with ...`).
//!
//! miette counts the column of the `[file:line:column]` header in bytes; [`FileSource`] corrects
//! it to characters so the header agrees with every other format.

use super::{Position, clamped_range};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{Loc, SourceFile, Sources};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;
use std::io;

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
    source: Option<FileSource<'a>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
}

impl<'a> Report<'a> {
    fn new(d: &'a Diagnostic, sources: &'a Sources) -> Report<'a> {
        let file = sources.get(d.primary.loc.file);
        let mut labels = Vec::new();
        let mut related = Vec::new();
        if let Some(file) = file {
            labels.push(LabeledSpan::new_primary_with_span(
                label_text(&d.primary),
                span(file, d.primary.loc),
            ));
        }
        for label in &d.related {
            match file {
                Some(file) if label.loc.file == d.primary.loc.file => {
                    labels.push(LabeledSpan::new_with_span(
                        label_text(label),
                        span(file, label.loc),
                    ));
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
        Report {
            message: d.message.clone(),
            code: Some(format!("{}[{}]", d.severity, d.code)),
            severity: severity(d.severity),
            help,
            source: file.map(|file| FileSource { file }),
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
            Some(file) => Report {
                message,
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: Some(FileSource { file }),
                labels: vec![LabeledSpan::new_primary_with_span(
                    None,
                    span(file, label.loc),
                )],
                related: Vec::new(),
            },
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

fn span(file: &SourceFile, loc: Loc) -> SourceSpan {
    let range = clamped_range(file, loc);
    SourceSpan::new(range.start.into(), range.len())
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

/// A source file for miette, named, with character columns in the snippet header.
#[derive(Debug)]
struct FileSource<'a> {
    file: &'a SourceFile,
}

impl SourceCode for FileSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner =
            self.file
                .text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // Without context lines miette reports where the span itself starts (the header);
        // take that position from the file's own line index, in characters.
        let (line, column) = if context_lines_before == 0 {
            let offset = u32::try_from(span.offset()).unwrap_or(u32::MAX);
            let at = self.file.line_col(offset);
            (
                at.line.saturating_sub(1) as usize,
                at.column.saturating_sub(1) as usize,
            )
        } else {
            (inner.line(), inner.column())
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
}
