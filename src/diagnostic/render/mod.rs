//! Renderers of [`Diagnostic`](super::Diagnostic): terminal, JSON, SARIF, GitHub annotations.
//!
//! Every renderer reads only the diagnostic model (code, severity, message, labels, help, fix)
//! and the [`Sources`] for positions; none of them knows which check produced a diagnostic.
//! Positions are 1-based lines and 1-based *character* columns everywhere
//! ([`SourceFile::line_col`]); the end of a span is the position just after its last character.

mod github;
mod human;
mod json;
mod sarif;

use super::Diagnostic;
use crate::source::{LineCol, Loc, SourceFile, Sources};
use std::io;

/// The output formats of `policyc check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// Graphical reports with source snippets, for people.
    #[default]
    Human,
    /// One JSON object with every diagnostic and the counts (a stable contract).
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::`), one line per diagnostic.
    Github,
}

impl Format {
    const ALL: [Format; 4] = [Format::Human, Format::Json, Format::Sarif, Format::Github];

    /// The name `--format` and a `policyc.toml`'s `format` take.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }

    /// The format named `name` ([`Format::as_str`]).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

/// What the caller knows that the diagnostics do not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Use ANSI colours in the human format (the CLI decides from the TTY and `NO_COLOR`).
    pub color: bool,
    /// How many files were checked, for the JSON `files` count.
    pub files_checked: usize,
}

/// Writes `diagnostics` to `out` in `format`. The diagnostics are written in the order given
/// (callers sort them with [`sort`](super::sort)).
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    opts: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(diagnostics, sources, opts.color, out),
        Format::Json => json::write(diagnostics, sources, opts.files_checked, out),
        Format::Sarif => sarif::write(diagnostics, sources, out),
        Format::Github => github::write(diagnostics, sources, out),
    }
}

/// The JSON contract as a value (`{"diagnostics":[...],"errors":N,"warnings":N,"files":N,
/// "infos":N}`).
///
/// A `serde_json::Value` keeps its keys sorted; [`render`] with [`Format::Json`] writes the
/// same data with the documented field order.
pub fn json_report(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    files_checked: usize,
) -> serde_json::Value {
    json::report_value(diagnostics, sources, files_checked)
}

/// A SARIF 2.1.0 log with one run.
pub fn sarif_report(diagnostics: &[Diagnostic], sources: &Sources) -> serde_json::Value {
    sarif::report(diagnostics, sources)
}

pub use json::SetInfo;
pub use sarif::{SarifBase, file_uri};

/// The JSON contract for several policy sets' diagnostics, each file's set named
/// (`set_of_file`, by `FileId` index): every diagnostic gains `"set"` and the report `"sets"`.
pub fn json_sets(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    set_of_file: &[Option<String>],
    sets: &[SetInfo],
    out: &mut dyn io::Write,
) -> io::Result<()> {
    json::write_sets(diagnostics, sources, set_of_file, sets, out)
}

/// [`sarif_report`] with `uri`s relative to the checked folder (`uriBaseId` `SRCROOT`, given
/// in the run's `originalUriBaseIds`).
pub fn sarif_report_based(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    base: &SarifBase,
) -> serde_json::Value {
    sarif::report_based(diagnostics, sources, Some(base))
}

/// SARIF as [`render`] writes it (pretty-printed, a final newline, streamed: no `Value` tree of
/// the log is built), with `uri`s relative to `base` when given, as in [`sarif_report_based`].
pub fn write_sarif_based(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    base: Option<&SarifBase>,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    sarif::write_based(diagnostics, sources, base, out)
}

/// A span resolved to a file name and start/end positions.
struct Position<'a> {
    file: &'a str,
    start: LineCol,
    end: LineCol,
}

impl<'a> Position<'a> {
    /// Resolves `loc` (clamped like [`clamped_range`], so every format agrees on a stale span);
    /// a file id from another set reads `<unknown>` at 1:1.
    fn of(sources: &'a Sources, loc: Loc) -> Position<'a> {
        match sources.get(loc.file) {
            Some(file) => {
                let range = clamped_range(file, loc);
                let offset = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
                Position {
                    file: file.name.as_str(),
                    start: file.line_col(offset(range.start)),
                    end: file.line_col(offset(range.end)),
                }
            }
            None => {
                let origin = LineCol { line: 1, column: 1 };
                Position {
                    file: sources.name(loc.file),
                    start: origin,
                    end: origin,
                }
            }
        }
    }
}

/// The byte range of `loc` in `file`, clamped to the text and to character boundaries, so that
/// a stale or foreign span can never make a renderer slice inside a character.
fn clamped_range(file: &SourceFile, loc: Loc) -> std::ops::Range<usize> {
    let text = file.text.as_str();
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(loc.span.start as usize);
    let end = floor(loc.span.end as usize).max(start);
    start..end
}

/// A file name as a forward-slash path (for SARIF URIs and GitHub annotations).
fn slash_path(name: &str) -> String {
    name.replace('\\', "/")
}
