//! `--format sarif`: a SARIF 2.1.0 log with one run, valid against the OASIS schema (tested
//! against the vendored `tests/fixtures/sarif/sarif-schema-2.1.0.json`).
//!
//! Regions are 1-based lines and 1-based columns counted in Unicode code points (characters),
//! the same positions as every other format; the run says so with
//! `"columnKind": "unicodeCodePoints"`. `endColumn` is the column just after the region, as
//! SARIF defines it.

use super::{Position, slash_path};
use crate::diagnostic::{Code, Diagnostic, Label, Severity};
use crate::source::Sources;
use serde::Serialize;
use serde_json::Value;
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
    // Serializing these plain structs cannot fail (no maps with non-string keys, no floats);
    // `tests/render.rs` compares this value with what `render` writes.
    serde_json::to_value(log(diagnostics, sources, base)).unwrap_or(Value::Null)
}

/// Pretty-printed, with a final newline, written as it is serialized: a `Value` tree of 10,000
/// results held 300 MB for a 15 MB log.
pub(super) fn write_based(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    base: Option<&SarifBase>,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(diagnostics, sources, base))?;
    writeln!(out)
}

// The log's parts. Every struct lists its fields in the byte order of their JSON names, the
// order a `Value` (a sorted map) writes them in, so that the log reads the same either way (a
// test serializes both).

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    /// Columns count characters (Unicode scalar values), not UTF-16 units or bytes.
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<BaseIds<'a>>,
    results: Results<'a>,
    tool: Tool,
}

/// The results, each made as it is written: the log never holds them all.
struct Results<'a> {
    diagnostics: &'a [Diagnostic],
    sources: &'a Sources,
    /// The rules' ids in `driver.rules` order, for `ruleIndex`.
    codes: Vec<Code>,
    base: Option<&'a SarifBase>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.diagnostics
                .iter()
                .map(|d| result(d, self.sources, &self.codes, self.base)),
        )
    }
}

#[derive(Serialize)]
struct BaseIds<'a> {
    #[serde(rename = "SRCROOT")]
    src_root: Uri<'a>,
}

#[derive(Serialize)]
struct Uri<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    name: &'static str,
    rules: Vec<Rule>,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    default_configuration: Level,
    help: Text<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    id: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[Fix<'a>; 1]>,
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<&'a str>>,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: u32,
    end_line: u32,
    start_column: u32,
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix<'a> {
    artifact_changes: [ArtifactChange<'a>; 1],
    description: Text<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: Artifact,
    replacements: [Replacement<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<&'a str>,
}

fn log<'a>(
    diagnostics: &'a [Diagnostic],
    sources: &'a Sources,
    base: Option<&'a SarifBase>,
) -> Log<'a> {
    let codes: Vec<Code> = diagnostics
        .iter()
        .map(|d| d.code)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let driver = Driver {
        information_uri: project_uri(),
        name: "policyc",
        rules: codes.iter().map(|&code| rule(code)).collect(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let run = Run {
        column_kind: "unicodeCodePoints",
        original_uri_base_ids: base.map(|base| BaseIds {
            src_root: Uri { uri: &base.uri },
        }),
        results: Results {
            diagnostics,
            sources,
            codes,
            base,
        },
        tool: Tool { driver },
    };
    Log {
        schema: SCHEMA_URI,
        runs: [run],
        version: "2.1.0",
    }
}

/// A file's `artifactLocation`: relative to the checked folder when it is inside it.
fn artifact(name: &str, base: Option<&SarifBase>) -> Artifact {
    let name = slash_path(name);
    let inside = base.and_then(|b| {
        let rest = name.strip_prefix(b.prefix.as_str())?;
        // An absolute name, or one that climbs out, stays as written.
        let outside = rest.starts_with('/') || rest.starts_with("../") || rest.contains(':');
        (!outside).then_some(rest)
    });
    match inside {
        Some(rest) => Artifact {
            uri: uri_reference(rest),
            uri_base_id: Some(SRCROOT),
        },
        None => Artifact {
            uri: uri_reference(&name),
            uri_base_id: None,
        },
    }
}

fn rule(code: Code) -> Rule {
    Rule {
        default_configuration: Level {
            level: level(code.default_severity()),
        },
        help: Text {
            text: format!("see {}", code.docs_anchor()),
        },
        help_uri: crate::diagnostic::docs::url(code),
        id: code.as_str(),
        name: code.as_str(),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result<'a>(
    d: &'a Diagnostic,
    sources: &'a Sources,
    codes: &[Code],
    base: Option<&SarifBase>,
) -> SarifResult<'a> {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let fixes = d.fix.as_ref().map(|fix| {
        let at = Position::of(sources, fix.loc);
        [Fix {
            artifact_changes: [ArtifactChange {
                artifact_location: artifact(at.file, base),
                replacements: [Replacement {
                    deleted_region: region(&at),
                    inserted_content: Text {
                        text: fix.replacement.as_str(),
                    },
                }],
            }],
            description: Text {
                text: fix.title.as_str(),
            },
        }]
    });
    SarifResult {
        fixes,
        level: level(d.severity),
        locations: [location(sources, &d.primary, None, base)],
        message: Text { text },
        related_locations: d
            .related
            .iter()
            .enumerate()
            .map(|(i, label)| location(sources, label, Some(i), base))
            .collect(),
        rule_id: d.code.as_str(),
        rule_index: codes.binary_search(&d.code).ok(),
    }
}

fn location<'a>(
    sources: &Sources,
    label: &'a Label,
    id: Option<usize>,
    base: Option<&SarifBase>,
) -> Location<'a> {
    let at = Position::of(sources, label.loc);
    Location {
        id,
        message: (!label.message.is_empty()).then_some(Text {
            text: label.message.as_str(),
        }),
        physical_location: PhysicalLocation {
            artifact_location: artifact(at.file, base),
            region: region(&at),
        },
    }
}

fn region(at: &Position) -> Region {
    Region {
        end_column: at.end.column,
        end_line: at.end.line,
        start_column: at.start.column,
        start_line: at.start.line,
    }
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
    write_based(diagnostics, sources, None, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn artifact_value(name: &str, base: Option<&SarifBase>) -> Value {
        serde_json::to_value(artifact(name, base)).unwrap_or_default()
    }

    /// Every part of the log, each optional field present, writes its fields in the order a
    /// sorted `Value` does: streaming it gives the same text as the value would. Fails when a
    /// struct's fields leave byte order.
    #[test]
    fn every_part_writes_its_fields_in_sorted_order() {
        use crate::diagnostic::Fix;
        use crate::source::{Loc, SourceFile, Span};
        let mut sources = Sources::new();
        let file = sources.add(SourceFile::new("policies/a.policy", "group admins\n"));
        let at = Loc::new(file, Span::new(6, 12));
        let mut d = Diagnostic::new(Code::UnknownReference, at, "unknown group")
            .with_label("here")
            .with_related(at, "declared here")
            .with_help("declare it");
        d.fix = Some(Fix {
            loc: at,
            replacement: "admin".into(),
            title: "replace with `admin`".into(),
        });
        let base = SarifBase {
            prefix: "policies/".into(),
            uri: "file:///srv/policies/".into(),
        };
        let mut log = log(std::slice::from_ref(&d), &sources, Some(&base));
        let driver = &mut log.runs[0].tool.driver;
        driver.information_uri = Some("https://example.com/policyc");
        driver.rules[0].help_uri = Some("https://example.com/policyc/checks#x".into());
        let value = serde_json::to_value(&log).unwrap_or_default();
        let result = &value["runs"][0]["results"][0];
        for field in ["fixes", "relatedLocations", "ruleIndex"] {
            assert!(!result[field].is_null(), "{field}");
        }
        assert!(!result["relatedLocations"][0]["id"].is_null());
        assert!(!result["locations"][0]["message"].is_null());
        assert_eq!(
            serde_json::to_string_pretty(&log).ok(),
            serde_json::to_string_pretty(&value).ok()
        );
    }

    #[test]
    fn names_inside_the_checked_folder_are_relative_to_it() {
        let base = SarifBase {
            prefix: "policies/".into(),
            uri: "file:///srv/repo/policies/".into(),
        };
        assert_eq!(
            artifact_value("policies/apps/a.policy", Some(&base)),
            json!({ "uri": "apps/a.policy", "uriBaseId": "SRCROOT" })
        );
        assert_eq!(
            artifact_value("other/b.policy", Some(&base)),
            json!({ "uri": "other/b.policy" })
        );
        let here = SarifBase {
            prefix: String::new(),
            uri: "file:///srv/repo/".into(),
        };
        assert_eq!(
            artifact_value("/etc/c.policy", Some(&here)),
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
