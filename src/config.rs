//! `policyc.toml`: the file that marks a policy set's root and says how to check it.
//!
//! ```toml
//! paths = ["policies", "org.policy"]   # what belongs to the set (default: the whole folder)
//! allow = ["shadowed-rule"]            # as `--allow`; also `warn = [..]`, `deny = [..]`
//! deny-warnings = true                 # as `--deny-warnings`
//! format = "json"                      # as `--format`
//! ```
//!
//! This module takes the text and returns a [`Config`] or one `invalid-config` [`Diagnostic`]
//! (file, line and column come from its span); finding and reading the file is the CLI's and
//! the language server's (`cli::load::load_sets`). Flags on the command line override the file.

use crate::check::allow::{Level, Levels};
use crate::diagnostic::render::Format;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Loc, Span};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

/// The file name that marks a policy set's root.
pub const FILE_NAME: &str = "policyc.toml";

/// A `policyc.toml` longer than this is refused: it is a few lines written by people.
pub const MAX_BYTES: u64 = 64 * 1024;

/// The keys a `policyc.toml` may hold, for messages.
const KEYS: &[&str] = &["paths", "allow", "warn", "deny", "deny-warnings", "format"];

/// What a `policyc.toml` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The files and folders of the set, relative to the folder of `policyc.toml`, each with
    /// where it is written (so that a caller that finds one missing can say where). Empty: the
    /// whole folder.
    pub paths: Vec<(PathBuf, Span)>,
    /// `allow`, `warn` and `deny`, in that order (a later level for one code wins, as with the
    /// flags); the command line's levels go after them.
    pub levels: Levels,
    /// `deny-warnings = true`: warnings fail the check.
    pub deny_warnings: bool,
    /// `format`: the output format when `--format` is not given.
    pub format: Option<Format>,
}

impl Config {
    /// Whether a file at `relative` (to the folder of `policyc.toml`) belongs to the set.
    pub fn includes(&self, relative: &Path) -> bool {
        self.paths.is_empty() || self.paths.iter().any(|(p, _)| relative.starts_with(p))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    paths: Option<Vec<toml::Spanned<String>>>,
    #[serde(default)]
    allow: Vec<toml::Spanned<String>>,
    #[serde(default)]
    warn: Vec<toml::Spanned<String>>,
    #[serde(default)]
    deny: Vec<toml::Spanned<String>>,
    #[serde(default)]
    deny_warnings: bool,
    format: Option<toml::Spanned<String>>,
}

/// Reads the text of a `policyc.toml` (file `file` of the caller's sources). Every problem is an
/// `invalid-config` error that says what was expected and how to fix it; the first one found is
/// returned.
pub fn parse(file: FileId, text: &str) -> Result<Config, Box<Diagnostic>> {
    let error = |span: Span, message: String, label: &str, help: String| {
        Box::new(
            Diagnostic::new(Code::InvalidConfig, Loc::new(file, span), message)
                .with_label(label.to_owned())
                .with_help(help),
        )
    };
    if text.len() as u64 > MAX_BYTES {
        return Err(error(
            Span::new(0, 0),
            format!("`{FILE_NAME}` is over {} KiB", MAX_BYTES / 1024),
            "refused unread",
            "a policyc.toml holds a few settings; keep it short".to_owned(),
        ));
    }
    let raw: Raw = toml::from_str(text).map_err(|e| Box::new(toml_error(file, text, &e)))?;
    let span_of = |s: &toml::Spanned<String>| Span::new(s.span().start, s.span().end);
    let mut config = Config {
        deny_warnings: raw.deny_warnings,
        ..Config::default()
    };
    for path in raw.paths.iter().flatten() {
        let written = path.get_ref();
        let p = Path::new(written.trim_end_matches('/'));
        // `"/"` trimmed is empty: never the whole folder by accident.
        let inside = !p.as_os_str().is_empty()
            && p.components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !inside {
            return Err(error(
                span_of(path),
                format!("`paths` entry `{written}` is not a path inside this folder"),
                "expected a relative path such as \"policies\" or \"org.policy\"",
                "name files and folders under the folder of policyc.toml, without `..` or a \
                 leading `/`; a set's files never lie outside its folder"
                    .to_owned(),
            ));
        }
        let clean: PathBuf = p
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        config.paths.push((clean, span_of(path)));
    }
    for (names, level, key) in [
        (&raw.allow, Level::Allow, "allow"),
        (&raw.warn, Level::Warn, "warn"),
        (&raw.deny, Level::Deny, "deny"),
    ] {
        for name in names {
            let written = name.get_ref().trim();
            let Some(code) = Code::parse(written) else {
                let all = Code::ALL.iter().map(|c| c.as_str());
                let help = match crate::suggest::closest(written, all) {
                    Some(s) => format!("did you mean \"{s}\"? (`policyc explain` lists the codes)"),
                    None => "`policyc explain` lists the codes".to_owned(),
                };
                return Err(error(
                    span_of(name),
                    format!("`{key}`: `{written}` is not a diagnostic code"),
                    "expected a code such as \"shadowed-rule\"",
                    help,
                ));
            };
            config.levels.set(code, level).map_err(|why| {
                error(
                    span_of(name),
                    format!("`{key}`: {why}"),
                    "not allowed here",
                    "fix the syntax error instead".to_owned(),
                )
            })?;
        }
    }
    if let Some(format) = &raw.format {
        let other = format.get_ref();
        config.format = Some(Format::parse(other).ok_or_else(|| {
            error(
                span_of(format),
                format!("`format`: `{other}` is not an output format"),
                "expected \"human\", \"json\", \"sarif\" or \"github\"",
                "write `format = \"json\"`, or leave `format` out for `human`".to_owned(),
            )
        })?);
    }
    Ok(config)
}

/// A TOML error (syntax, an unknown key, a value of the wrong type) as a diagnostic.
fn toml_error(file: FileId, text: &str, e: &toml::de::Error) -> Diagnostic {
    let span = e
        .span()
        .map_or(Span::new(0, 0), |r| Span::new(r.start, r.end));
    // toml's message can run over several lines ("invalid ...\nexpected ..."): keep one line.
    let message: Vec<&str> = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let message = message.join("; ");
    let keys = KEYS
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = if message.starts_with("unknown field") {
        let key = text
            .get(span.range())
            .unwrap_or("")
            .trim_matches(['"', '\'']);
        match crate::suggest::closest(key, KEYS.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? policyc.toml accepts {keys}"),
            None => format!("policyc.toml accepts {keys} (docs/configuration.md)"),
        }
    } else {
        format!(
            "policyc.toml is TOML: `key = value` lines, strings in double quotes, lists in \
             `[ ]`, e.g. `allow = [\"shadowed-rule\"]`; it accepts {keys}"
        )
    };
    Diagnostic::new(
        Code::InvalidConfig,
        Loc::new(file, span),
        format!("invalid policyc.toml: {message}"),
    )
    .with_help(help)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// `format` takes exactly the names `--format` takes.
    #[cfg(feature = "cli")]
    #[test]
    fn format_takes_the_names_of_the_flag() {
        use clap::ValueEnum;
        for f in Format::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(f.as_str(), name);
            let config = parse(FileId(0), &format!("format = \"{name}\"\n")).unwrap();
            assert_eq!(config.format, Some(*f));
        }
    }

    fn err(text: &str) -> (String, String, String) {
        let d = parse(FileId(0), text).unwrap_err();
        assert_eq!(d.code, Code::InvalidConfig);
        let under = text
            .get(d.primary.loc.span.range())
            .unwrap_or("")
            .to_owned();
        (d.message, under, d.help.unwrap_or_default())
    }

    #[test]
    fn reads_every_key() {
        let c = parse(
            FileId(0),
            "paths = [\"policies/\", \"./org.policy\"]\nallow = [\"shadowed-rule\"]\n\
             warn = [\"unsatisfiable-rule\"]\ndeny = [\"unreachable-idp\"]\n\
             deny-warnings = true\nformat = \"sarif\"\n",
        )
        .unwrap();
        let paths: Vec<_> = c.paths.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(
            paths,
            [PathBuf::from("policies"), PathBuf::from("org.policy")]
        );
        let mut levels = Levels::default();
        levels.set(Code::ShadowedRule, Level::Allow).unwrap();
        levels.set(Code::UnsatisfiableRule, Level::Warn).unwrap();
        levels.set(Code::UnreachableIdp, Level::Deny).unwrap();
        assert_eq!(c.levels, levels);
        assert!(c.deny_warnings);
        assert_eq!(c.format, Some(Format::Sarif));
        assert!(c.includes(Path::new("policies/a.policy")));
        assert!(c.includes(Path::new("org.policy")));
        assert!(!c.includes(Path::new("scratch/a.policy")));
        assert!(!c.includes(Path::new("policies-old/a.policy")));
        assert_eq!(parse(FileId(0), "").unwrap(), Config::default());
        assert!(Config::default().includes(Path::new("any/where.policy")));
    }

    #[test]
    fn unknown_key_is_named_with_a_did_you_mean() {
        let (message, under, help) = err("alow = [\"shadowed-rule\"]\n");
        assert!(message.starts_with("invalid policyc.toml: unknown field `alow`"));
        assert_eq!(under, "alow");
        assert!(help.starts_with("did you mean `allow`?"), "{help}");
    }

    #[test]
    fn bad_syntax_points_at_the_place() {
        let d = parse(FileId(0), "allow = [\"shadowed-rule\"\ndeny = []\n").unwrap_err();
        assert_eq!(d.code, Code::InvalidConfig);
        let file = crate::source::SourceFile::new(
            "policyc.toml",
            "allow = [\"shadowed-rule\"\ndeny = []\n",
        );
        let at = file.line_col(d.primary.loc.span.start);
        assert_eq!((at.line, at.column), (2, 1), "{}", d.message);
    }

    #[test]
    fn values_are_checked_where_they_are_written() {
        let (message, under, help) = err("allow = [\"shadowed-rul\"]");
        assert_eq!(message, "`allow`: `shadowed-rul` is not a diagnostic code");
        assert_eq!(under, "\"shadowed-rul\"");
        assert!(help.starts_with("did you mean \"shadowed-rule\"?"));
        let (message, under, _) = err("format = \"xml\"");
        assert_eq!(message, "`format`: `xml` is not an output format");
        assert_eq!(under, "\"xml\"");
        let (message, under, _) = err("paths = [\"../other\"]");
        assert_eq!(
            message,
            "`paths` entry `../other` is not a path inside this folder"
        );
        assert_eq!(under, "\"../other\"");
        let (message, _, _) = err("paths = [\"/etc\"]");
        assert!(message.contains("`/etc`"));
        // The root alone is not the folder of policyc.toml either (trailing `/` trimmed, it
        // must not become the empty path, which every file starts with).
        for root in ["/", "//"] {
            let (message, _, _) = err(&format!("paths = [\"{root}\"]"));
            assert_eq!(
                message,
                format!("`paths` entry `{root}` is not a path inside this folder")
            );
        }
        let (message, _, _) = err("allow = [\"syntax\"]");
        assert_eq!(
            message,
            "`allow`: `syntax` errors cannot be allowed or downgraded"
        );
        let (message, under, _) = err("deny-warnings = \"yes\"");
        assert!(
            message.starts_with("invalid policyc.toml: invalid type"),
            "{message}"
        );
        assert_eq!(under, "\"yes\"");
    }

    #[test]
    fn hostile_text_is_refused_without_a_panic() {
        let deep = format!("paths = {}{}", "[".repeat(30_000), "]".repeat(30_000));
        assert!(parse(FileId(0), &deep).is_err());
        let long = "a".repeat(MAX_BYTES as usize + 1);
        assert!(parse(FileId(0), &long).is_err());
        let nested = format!("paths = {}", "[".repeat(10_000));
        assert!(parse(FileId(0), &nested).is_err());
        assert!(parse(FileId(0), "x = { y = { z = 1 } }").is_err());
    }
}
