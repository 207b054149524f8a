//! The four output formats of diagnostics, on a small hand-built policy set: two files, and
//! diagnostics that exercise every part of the model (a related label in the same file and in the
//! other file, help, a fix, every severity, and non-ASCII text before a span so that columns must
//! count characters, not bytes).

// A test binary: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

use policyc::diagnostic::render::{
    Format, RenderOptions, SarifBase, json_report, render, sarif_report, sarif_report_based,
    write_sarif_based,
};
use policyc::diagnostic::{Code, Diagnostic, Severity, sort};
use policyc::source::{FileId, Loc, SourceFile, Sources, Span};

const ORG: &str = "\
org acme {
  engine identity
}

group admins
group contractors
group admins

idp partner {
  kind saml
  asserts [pwd, zzz]
}
";

const APPS: &str = "\
app payroll

policy sso_apps {
  apps [payroll]
  rule everyone {
    when group in [équipe, admin]
    methods except [phone.sms]
  }
}
";

/// The `nth` (0-based) occurrence of `needle` in `file`, as a location.
fn find(sources: &Sources, file: FileId, needle: &str, nth: usize) -> Loc {
    let text = &sources.get(file).expect("file in the set").text;
    let (start, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` occurs {} times", nth + 1));
    Loc::new(file, Span::new(start, start + needle.len()))
}

fn fixture() -> (Sources, Vec<Diagnostic>) {
    let mut sources = Sources::new();
    let org = sources.add(SourceFile::new("policies/org.policy", ORG));
    let apps = sources.add(SourceFile::new("policies/apps.policy", APPS));
    let mut diagnostics = vec![
        Diagnostic::new(
            Code::UnknownReference,
            find(&sources, apps, "admin", 0),
            "unknown group `admin`",
        )
        .with_label("no group is named `admin`")
        .with_related(find(&sources, org, "admins", 0), "`admins` is defined here")
        .with_help("did you mean `admins`?")
        .with_fix(find(&sources, apps, "admin", 0), "admins"),
        Diagnostic::new(
            Code::UnknownReference,
            find(&sources, apps, "équipe", 0),
            "unknown group `équipe`",
        )
        .with_label("no group is named `équipe`"),
        Diagnostic::new(
            Code::DuplicateDefinition,
            find(&sources, org, "admins", 1),
            "group `admins` is defined twice",
        )
        .with_label("defined again here")
        .with_related(find(&sources, org, "admins", 0), "first defined here")
        .with_help("remove one of the two `group admins` lines"),
        Diagnostic::new(
            Code::UnsupportedAmr,
            find(&sources, org, "zzz", 0),
            "`zzz` is not an AMR value that a `saml` IdP can assert",
        )
        .with_label("unknown AMR value")
        .with_help("Okta ignores it: 100% of sign-ins through `partner` use the other values, e.g. `pwd`, `otp`"),
        Diagnostic::new(
            Code::MissingSetting,
            find(&sources, org, "acme", 0),
            "org `acme` has no session policy, so Okta's default applies",
        )
        .with_severity(Severity::Info),
    ];
    sort(&mut diagnostics);
    (sources, diagnostics)
}

fn rendered(format: Format, color: bool) -> String {
    let (sources, diagnostics) = fixture();
    let opts = RenderOptions {
        color,
        files_checked: sources.len(),
    };
    let mut out = Vec::new();
    render(format, &diagnostics, &sources, &opts, &mut out).expect("writing to a Vec");
    String::from_utf8(out).expect("UTF-8 output")
}

#[test]
fn human_without_color() {
    let out = rendered(Format::Human, false);
    assert!(!out.contains('\u{1b}'), "no ANSI escapes without color");
    insta::assert_snapshot!("human", out);
}

#[test]
fn human_header_counts_characters() {
    // `admin` follows `é` (two bytes) on line 6: character column 28, byte column 29.
    let out = rendered(Format::Human, false);
    assert!(out.contains("[policies/apps.policy:6:28]"), "{out}");
    assert!(out.contains("[policies/apps.policy:6:20]"), "{out}");
}

#[test]
fn human_with_color_uses_ansi() {
    let out = rendered(Format::Human, true);
    assert!(out.contains('\u{1b}'));
    assert!(out.contains("unknown group `admin`"));
}

#[test]
fn json_snapshot() {
    let (sources, diagnostics) = fixture();
    insta::assert_json_snapshot!("json", json_report(&diagnostics, &sources, sources.len()));
}

#[test]
fn json_contract_exact_values() {
    let mut sources = Sources::new();
    let org = sources.add(SourceFile::new("policies/org.policy", ORG));
    let apps = sources.add(SourceFile::new("policies/apps.policy", APPS));
    let diagnostics = vec![
        Diagnostic::new(
            Code::UnknownReference,
            find(&sources, apps, "admin", 0),
            "unknown group `admin`",
        )
        .with_related(find(&sources, org, "admins", 0), "`admins` is defined here")
        .with_help("did you mean `admins`?"),
        Diagnostic::new(
            Code::UnsupportedAmr,
            find(&sources, org, "zzz", 0),
            "bad amr",
        ),
    ];
    let opts = RenderOptions {
        color: false,
        files_checked: 7,
    };
    let mut out = Vec::new();
    render(Format::Json, &diagnostics, &sources, &opts, &mut out).expect("write");
    let expected = concat!(
        r#"{"diagnostics":["#,
        r#"{"code":"unknown-reference","severity":"error","message":"unknown group `admin`","#,
        r#""file":"policies/apps.policy","line":6,"column":28,"end_line":6,"end_column":33,"#,
        r#""labels":[{"file":"policies/org.policy","line":5,"column":7,"message":"`admins` is defined here"}],"#,
        r#""help":"did you mean `admins`?"},"#,
        r#"{"code":"unsupported-amr","severity":"warning","message":"bad amr","#,
        r#""file":"policies/org.policy","line":11,"column":17,"end_line":11,"end_column":20,"#,
        r#""labels":[],"help":null}"#,
        r#"],"errors":1,"warnings":1,"files":7,"infos":0}"#,
        "\n"
    );
    assert_eq!(String::from_utf8(out).expect("UTF-8"), expected);

    let value = json_report(&diagnostics, &sources, 7);
    assert_eq!(value["diagnostics"][0]["column"], 28);
    assert_eq!(value["diagnostics"][1]["help"], serde_json::Value::Null);
    assert_eq!(value["files"], 7);
}

#[test]
fn json_of_nothing() {
    let sources = Sources::new();
    let opts = RenderOptions {
        color: false,
        files_checked: 3,
    };
    let mut out = Vec::new();
    render(Format::Json, &[], &sources, &opts, &mut out).expect("write");
    assert_eq!(
        String::from_utf8(out).expect("UTF-8"),
        "{\"diagnostics\":[],\"errors\":0,\"warnings\":0,\"files\":3,\"infos\":0}\n"
    );
}

#[test]
fn sarif_snapshot() {
    let (sources, diagnostics) = fixture();
    let report = sarif_report(&diagnostics, &sources);
    let written: serde_json::Value =
        serde_json::from_str(&rendered(Format::Sarif, false)).expect("SARIF output is JSON");
    assert_eq!(written, report);
    // The version changes with every release; the snapshot should not.
    let mut report = report;
    let version = &mut report["runs"][0]["tool"]["driver"]["version"];
    assert_eq!(*version, env!("CARGO_PKG_VERSION"));
    *version = "[version]".into();
    insta::assert_json_snapshot!("sarif", report);
}

/// What `check --format sarif` writes is the pretty-printed report value, byte for byte, with and
/// without a base folder (`sarif.rs` checks the field order of every part, optional ones too).
#[test]
fn the_streamed_sarif_log_is_the_sorted_report_byte_for_byte() {
    let (sources, diagnostics) = fixture();
    assert!(
        diagnostics
            .iter()
            .any(|d| d.fix.is_some() && d.help.is_some())
    );
    assert!(diagnostics.iter().any(|d| !d.related.is_empty()));
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).expect("JSON") + "\n";
    assert_eq!(
        rendered(Format::Sarif, false),
        pretty(&sarif_report(&diagnostics, &sources))
    );
    let base = SarifBase {
        prefix: "policies/".into(),
        uri: "file:///srv/repo/policies/".into(),
    };
    let mut out = Vec::new();
    write_sarif_based(&diagnostics, &sources, Some(&base), &mut out).expect("write");
    let based = sarif_report_based(&diagnostics, &sources, &base);
    assert_eq!(
        based["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "SRCROOT"
    );
    assert_eq!(String::from_utf8(out).expect("UTF-8"), pretty(&based));
}

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sarif/sarif-schema-2.1.0.json"
    );
    let text = std::fs::read_to_string(path).expect("vendored SARIF schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn assert_valid_sarif(report: &serde_json::Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

#[test]
fn sarif_is_valid_against_the_schema() {
    let (sources, diagnostics) = fixture();
    assert_valid_sarif(&sarif_report(&diagnostics, &sources));
    assert_valid_sarif(&sarif_report(&[], &Sources::new()));
}

#[test]
fn the_schema_rejects_broken_sarif() {
    // The validator really checks something: a result level SARIF does not know is refused.
    let (sources, diagnostics) = fixture();
    let mut report = sarif_report(&diagnostics, &sources);
    report["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!sarif_validator().is_valid(&report));
    // Formats are checked too: `helpUri` must be an absolute URI, which is why policyc leaves it
    // out when Cargo.toml names no repository.
    let mut report = sarif_report(&diagnostics, &sources);
    report["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "docs/checks.md#syntax".into();
    assert!(!sarif_validator().is_valid(&report));
}

#[test]
fn github_annotations() {
    let out = rendered(Format::Github, false);
    assert_eq!(out.lines().count(), 5, "one line per diagnostic");
    insta::assert_snapshot!("github", out);
}

#[test]
fn foreign_and_stale_spans_do_not_break_any_format() {
    let mut sources = Sources::new();
    let file = sources.add(SourceFile::new("a.policy", "é\n"));
    let diagnostics = vec![
        // Inside the two-byte `é`, and past the end of the file.
        Diagnostic::new(Code::Syntax, Loc::new(file, Span::new(1, 99)), "odd span")
            .with_related(Loc::new(FileId(9), Span::new(0, 1)), "elsewhere"),
        Diagnostic::new(
            Code::MissingOrg,
            Loc::new(FileId(9), Span::new(3, 4)),
            "no org",
        ),
    ];
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let mut out = Vec::new();
        let opts = RenderOptions {
            color: false,
            files_checked: 1,
        };
        render(format, &diagnostics, &sources, &opts, &mut out).expect("write");
        let out = String::from_utf8(out).expect("UTF-8");
        assert!(
            out.contains("odd span") && out.contains("no org"),
            "{format:?}: {out}"
        );
    }
    assert_valid_sarif(&sarif_report(&diagnostics, &sources));
}
