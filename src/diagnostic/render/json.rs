//! `--format json`: the contract other tools depend on (issue 2).
//!
//! ```text
//! {"diagnostics":[{"code","severity","message","file","line","column","end_line","end_column",
//!   "labels":[{"file","line","column","message"}],"help"}],"errors":N,"warnings":N,"files":N,
//!   "infos":N}
//! ```
//!
//! Field order is the order of the struct fields below (serde writes them in declaration order).
//! Lines and columns are 1-based; columns count characters. `labels` are the related labels,
//! not the primary one; `help` is `null` when absent.

use super::Position;
use crate::diagnostic::{Code, Counts, Diagnostic, Severity};
use crate::source::Sources;
use serde::Serialize;
use std::io;

#[derive(Serialize)]
struct Report<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: usize,
    warnings: usize,
    files: usize,
    /// Added after `files`: fields are only ever appended.
    infos: usize,
    /// One entry per policy set with a `policyc.toml`, when the run checked any (absent
    /// otherwise).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    sets: &'a [SetInfo],
}

/// One policy set's line in a report over several (`check DIR` where `DIR` holds folders with
/// a `policyc.toml`): `{"set","config","files","errors","warnings","infos","left_out"}`.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct SetInfo {
    /// The set's folder, `/`-terminated (`prod/`).
    pub set: String,
    /// Its `policyc.toml` (`prod/policyc.toml`).
    pub config: String,
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// How many `.policy` files under the set's folder its `paths` leave out (not checked).
    pub left_out: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: Code,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
    /// The policy set (`prod/`), when the file belongs to one with a `policyc.toml`.
    #[serde(skip_serializing_if = "Option::is_none")]
    set: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

fn report<'a>(diagnostics: &'a [Diagnostic], sources: &'a Sources, files: usize) -> Report<'a> {
    let counts = Counts::of(diagnostics);
    Report {
        diagnostics: diagnostics.iter().map(|d| diagnostic(d, sources)).collect(),
        errors: counts.errors,
        warnings: counts.warnings,
        files,
        infos: counts.infos,
        sets: &[],
    }
}

/// [`write`] for several policy sets' diagnostics over one [`Sources`]: `set_of_file` names the
/// set of each file (by `FileId` index), and `sets` lists the sets.
pub(super) fn write_sets(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    set_of_file: &[Option<String>],
    sets: &[SetInfo],
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let mut report = report(diagnostics, sources, sources.len());
    report.sets = sets;
    for (json, d) in report.diagnostics.iter_mut().zip(diagnostics) {
        json.set = set_of_file
            .get(d.primary.loc.file.0 as usize)
            .and_then(|s| s.as_deref());
    }
    serde_json::to_writer(&mut *out, &report)?;
    writeln!(out)
}

fn diagnostic<'a>(d: &'a Diagnostic, sources: &'a Sources) -> JsonDiagnostic<'a> {
    let at = Position::of(sources, d.primary.loc);
    JsonDiagnostic {
        code: d.code,
        severity: d.severity,
        message: &d.message,
        file: at.file,
        line: at.start.line,
        column: at.start.column,
        end_line: at.end.line,
        end_column: at.end.column,
        labels: d
            .related
            .iter()
            .map(|label| {
                let at = Position::of(sources, label.loc);
                JsonLabel {
                    file: at.file,
                    line: at.start.line,
                    column: at.start.column,
                    message: &label.message,
                }
            })
            .collect(),
        help: d.help.as_deref(),
        set: None,
    }
}

pub(super) fn report_value(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    files: usize,
) -> serde_json::Value {
    // Serializing these plain structs cannot fail (no maps with non-string keys, no floats).
    serde_json::to_value(report(diagnostics, sources, files)).unwrap_or(serde_json::Value::Null)
}

/// One compact line and a newline.
pub(super) fn write(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    files: usize,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &report(diagnostics, sources, files))?;
    writeln!(out)
}
