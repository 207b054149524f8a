//! `--format github`: GitHub Actions workflow commands, one line per diagnostic:
//! `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=CODE::MESSAGE`.
//!
//! Columns are 1-based characters; `endColumn` is the column just after the span, as `ruff`
//! does. Help and related locations follow the message on extra lines (`%0A`).

use super::{Position, slash_path};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;
use std::io;

pub(super) fn write(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    for d in diagnostics {
        writeln!(out, "{}", annotation(d, sources))?;
    }
    Ok(())
}

fn annotation(d: &Diagnostic, sources: &Sources) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let at = Position::of(sources, d.primary.loc);
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    if let Some(fix) = &d.fix {
        message.push_str("\nfix: ");
        message.push_str(&fix.title);
    }
    for label in &d.related {
        let related = Position::of(sources, label.loc);
        message.push_str(&format!(
            "\nnote: {}:{}:{}: {}",
            related.file, related.start.line, related.start.column, label.message
        ));
    }
    format!(
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(&slash_path(at.file)),
        at.start.line,
        at.start.column,
        at.end.line,
        at.end.column,
        escape_property(d.code.as_str()),
        escape_data(&message),
    )
}

/// Escaping of a command's message (GitHub's `escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a command property value (GitHub's `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
