//! `--format sarif`: a SARIF 2.1.0 log with one run, valid against the OASIS schema (tested
//! against the vendored `tests/fixtures/sarif/sarif-schema-2.1.0.json`).
//!
//! Regions are 1-based lines and 1-based columns counted in Unicode code points (characters),
//! the same positions as every other format; the run says so with
//! `"columnKind": "unicodeCodePoints"`. `endColumn` is the column just after the region, as
//! SARIF defines it.

use super::{Position, slash_path};
use crate::diagnostic::{Code, Diagnostic, Label, Severity};
use crate::source::{Loc, Sources};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io;

const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where policyc lives, from `package.repository` (or `homepage`) in Cargo.toml; SARIF wants an
/// absolute URI there, so with neither set `informationUri` is left out. `helpUri` is the
/// published docs/checks.md anchor (`diagnostic::docs::url`), left out when none is known, and
/// rules point at `docs/checks.md` in their help text too.
fn project_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .map(|uri| uri.trim_end_matches('/'))
        .find(|uri| uri.starts_with("https://") || uri.starts_with("http://"))
}

pub(super) fn report(diagnostics: &[Diagnostic], sources: &Sources) -> Value {
    let codes: Vec<Code> = diagnostics
        .iter()
        .map(|d| d.code)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut driver = json!({
        "name": "policyc",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": codes.iter().map(|&code| rule(code)).collect::<Vec<_>>(),
    });
    if let (Some(uri), Some(map)) = (project_uri(), driver.as_object_mut()) {
        map.insert("informationUri".into(), Value::from(uri));
    }
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| result(d, sources, &codes))
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            // Columns count characters (Unicode scalar values), not UTF-16 units or bytes.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn rule(code: Code) -> Value {
    let anchor = code.docs_anchor();
    let mut rule = json!({
        "id": code.as_str(),
        "name": code.as_str(),
        "help": { "text": format!("see {anchor}") },
        "defaultConfiguration": { "level": level(code.default_severity()) },
    });
    if let (Some(url), Some(map)) = (crate::diagnostic::docs::url(code), rule.as_object_mut()) {
        map.insert("helpUri".into(), Value::from(url));
    }
    rule
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(d: &Diagnostic, sources: &Sources, codes: &[Code]) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.code.as_str(),
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [location(sources, &d.primary, None)],
    });
    let Some(map) = result.as_object_mut() else {
        return result;
    };
    if let Ok(index) = codes.binary_search(&d.code) {
        map.insert("ruleIndex".into(), Value::from(index));
    }
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, label)| location(sources, label, Some(i)))
            .collect();
        map.insert("relatedLocations".into(), Value::from(related));
    }
    if let Some(fix) = &d.fix {
        let at = Position::of(sources, fix.loc);
        map.insert(
            "fixes".into(),
            json!([{
                "description": { "text": fix.title },
                "artifactChanges": [{
                    "artifactLocation": { "uri": uri_reference(at.file) },
                    "replacements": [{
                        "deletedRegion": region(sources, fix.loc),
                        "insertedContent": { "text": fix.replacement },
                    }],
                }],
            }]),
        );
    }
    result
}

fn location(sources: &Sources, label: &Label, id: Option<usize>) -> Value {
    let at = Position::of(sources, label.loc);
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri_reference(at.file) },
            "region": region(sources, label.loc),
        },
    });
    if let Some(map) = location.as_object_mut() {
        if let Some(id) = id {
            map.insert("id".into(), Value::from(id));
        }
        if !label.message.is_empty() {
            map.insert("message".into(), json!({ "text": label.message }));
        }
    }
    location
}

fn region(sources: &Sources, loc: Loc) -> Value {
    let at = Position::of(sources, loc);
    json!({
        "startLine": at.start.line,
        "startColumn": at.start.column,
        "endLine": at.end.line,
        "endColumn": at.end.column,
    })
}

/// A file name as a relative URI reference: forward slashes, and every byte that may not stand
/// unescaped in a path percent-encoded (spaces, `%`, `#`, `?`, non-ASCII, ...).
fn uri_reference(name: &str) -> String {
    let mut uri = String::with_capacity(name.len());
    for byte in slash_path(name).bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if keep {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// Pretty-printed, with a final newline.
pub(super) fn write(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report(diagnostics, sources))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(
            uri_reference(r"policies\apps.policy"),
            "policies/apps.policy"
        );
        assert_eq!(
            uri_reference("my dir/é#1.policy"),
            "my%20dir/%C3%A9%231.policy"
        );
    }
}
