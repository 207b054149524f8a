//! The one diagnostic model. Every stage (syntax, model, checks) reports through [`Diagnostic`];
//! every output (terminal, JSON, SARIF, GitHub annotations, the language server) renders it, and
//! none of them looks at which check produced it.

mod code;
pub mod docs;
pub mod render;

pub use code::Code;

use crate::source::Loc;
use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span with what to say about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub loc: Loc,
    pub message: String,
}

/// A machine-applicable edit: replace the text at `loc` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub loc: Loc,
    pub replacement: String,
    /// What the edit does, in a few words (`replace with \`admins\``).
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// One line, lowercase, no final period, user names in backticks.
    pub message: String,
    /// Where the problem is; its message labels the underlined text.
    pub primary: Label,
    /// Other places that explain it (the first definition of a duplicate, the rules an IdP
    /// deactivation breaks, ...).
    pub related: Vec<Label>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and an unlabelled primary span.
    pub fn new(code: Code, loc: Loc, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            primary: Label {
                loc,
                message: String::new(),
            },
            related: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_related(mut self, loc: Loc, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label {
            loc,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, loc: Loc, replacement: impl Into<String>) -> Diagnostic {
        let replacement = replacement.into();
        let title = format!("replace with `{replacement}`");
        self.fix = Some(Fix {
            loc,
            replacement,
            title,
        });
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Counts by severity, for summaries and exit codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    pub fn of(diagnostics: &[Diagnostic]) -> Counts {
        let mut counts = Counts::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
            }
        }
        counts
    }
}

/// Orders diagnostics the way users read them: syntax errors first (what else is reported
/// may follow from them), then by file, position and code.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let later = |d: &Diagnostic| d.code != Code::Syntax;
        (later(a), a.primary.loc, a.code, &a.message).cmp(&(
            later(b),
            b.primary.loc,
            b.code,
            &b.message,
        ))
    });
}
