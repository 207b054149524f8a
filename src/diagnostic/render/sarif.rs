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

/// Where a run's relative `uri`s start: the checked folder. Files whose names begin with
/// `prefix` (the folder as the names write it: `policies/`, or `` for the current folder) get
/// a `uri` relative to it and `uriBaseId` [`SRCROOT`], which the run's `originalUriBaseIds`
/// maps to `uri`, the folder's absolute `file://` URI (ending in `/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SarifBase {
    pub prefix: String,
    pub uri: String,
}

/// The `uriBaseId` of the checked folder.
pub const SRCROOT: &str = "SRCROOT";

pub(super) fn report(diagnostics: &[Diagnostic], sources: &Sources) -> Value {
    report_based(diagnostics, sources, None)
}

pub(super) fn report_based(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    base: Option<&SarifBase>,
) -> Value {
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
        .map(|d| result(d, sources, &codes, base))
        .collect();
    let mut run = json!({
        "tool": { "driver": driver },
        // Columns count characters (Unicode scalar values), not UTF-16 units or bytes.
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let (Some(base), Some(map)) = (base, run.as_object_mut()) {
        map.insert(
            "originalUriBaseIds".into(),
            json!({ SRCROOT: { "uri": base.uri } }),
        );
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    })
}

/// A file's `artifactLocation`: relative to the checked folder when it is inside it.
fn artifact(name: &str, base: Option<&SarifBase>) -> Value {
    let name = slash_path(name);
    let inside = base.and_then(|b| {
        let rest = name.strip_prefix(b.prefix.as_str())?;
        // An absolute name, or one that climbs out, stays as written.
        let outside = rest.starts_with('/') || rest.starts_with("../") || rest.contains(':');
        (!outside).then_some(rest)
    });
    match inside {
        Some(rest) => json!({ "uri": uri_reference(rest), "uriBaseId": SRCROOT }),
        None => json!({ "uri": uri_reference(&name) }),
    }
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

fn result(d: &Diagnostic, sources: &Sources, codes: &[Code], base: Option<&SarifBase>) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.code.as_str(),
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [location(sources, &d.primary, None, base)],
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
            .map(|(i, label)| location(sources, label, Some(i), base))
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
                    "artifactLocation": artifact(at.file, base),
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

fn location(
    sources: &Sources,
    label: &Label,
    id: Option<usize>,
    base: Option<&SarifBase>,
) -> Value {
    let at = Position::of(sources, label.loc);
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": artifact(at.file, base),
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

/// An absolute path as a `file://` URI (`/srv/policies` → `file:///srv/policies`, `C:\\p` →
/// `file:///C:/p`).
pub fn file_uri(absolute: &str) -> String {
    let path = slash_path(absolute);
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    format!("file://{}", uri_reference(&path))
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
    fn names_inside_the_checked_folder_are_relative_to_it() {
        let base = SarifBase {
            prefix: "policies/".into(),
            uri: "file:///srv/repo/policies/".into(),
        };
        assert_eq!(
            artifact("policies/apps/a.policy", Some(&base)),
            json!({ "uri": "apps/a.policy", "uriBaseId": "SRCROOT" })
        );
        assert_eq!(
            artifact("other/b.policy", Some(&base)),
            json!({ "uri": "other/b.policy" })
        );
        let here = SarifBase {
            prefix: String::new(),
            uri: "file:///srv/repo/".into(),
        };
        assert_eq!(
            artifact("/etc/c.policy", Some(&here)),
            json!({ "uri": "/etc/c.policy" })
        );
        assert_eq!(file_uri("/srv/my repo"), "file:///srv/my%20repo");
        assert_eq!(file_uri(r"C:\p"), "file:///C:/p");
    }

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
