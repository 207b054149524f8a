//! The one conversion from the library's diagnostic model to the protocol's.

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Range, Uri,
};
use policyc::diagnostic::{Code, Diagnostic, Severity};
use policyc::source::Loc;
use std::str::FromStr;

/// Where diagnostic codes are documented: the published docs/checks.md anchor
/// (`policyc::diagnostic::docs::url`), never a path on the machine the server was built on;
/// `None` (no `codeDescription`) when policyc was built without a published address.
pub fn docs_url(code: Code) -> Option<Uri> {
    Uri::from_str(&policyc::diagnostic::docs::url(code)?).ok()
}

/// A library diagnostic as the protocol's: `code` is the kebab-case code, `codeDescription` its
/// documentation, the message is the diagnostic's message, then the primary label and the help
/// on lines of their own, related labels become `relatedInformation`. `locate` turns a `Loc`
/// into a `Location` (`None` for a file the client cannot see: that related label is dropped).
pub fn to_lsp_diagnostic(
    d: &Diagnostic,
    locate: impl Fn(Loc) -> Option<Location>,
) -> lsp_types::Diagnostic {
    let range = locate(d.primary.loc).map_or(Range::default(), |l| l.range);
    let mut message = d.message.clone();
    let label = d.primary.message.trim();
    if !label.is_empty() && label != d.message {
        message.push('\n');
        message.push_str(label);
    }
    if let Some(help) = &d.help {
        message.push('\n');
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: locate(l.loc)?,
                message: l.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_owned())),
        code_description: docs_url(d.code).map(|href| CodeDescription { href }),
        source: Some("policyc".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
