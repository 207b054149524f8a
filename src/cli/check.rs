//! `policyc check`: parse, resolve and check a policy set.

use super::{ColorChoice, EXIT_FAILED, EXIT_OK, load, use_color};
use crate::diagnostic::Counts;
use crate::diagnostic::render::{self, Format, RenderOptions};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Parse, resolve and statically check a policy set.
///
/// Reads every `.policy` file under PATHS (default: the current folder, recursively) as one
/// policy set and reports every problem found. Exit 0 when there are no errors (warnings
/// allowed), 1 when there are errors, 2 when it could not run.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Files or folders to check (default: the current folder). Folders are searched
    /// recursively, skipping hidden folders (`.git`, `.staging`), `target` and `node_modules`;
    /// name such a folder here to check it (`policyc check .staging/`).
    pub paths: Vec<PathBuf>,
    /// Output format: `human` for people, `json` for scripts, `sarif` for code scanning,
    /// `github` for GitHub Actions annotations.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Fail (exit 1) on warnings too: for strict CI.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Refuse an IdP deactivation by Okta's coarser rule (another active trusted IdP exists or
    /// no rule requires trusted claims) instead of policyc's exact one.
    #[arg(long)]
    pub okta_compat: bool,
    /// Compare with the policy set at this git revision (e.g. `main`): an IdP that trusted
    /// claims there and is deleted (or no longer trusts claims) here is refused like a
    /// deactivation when a rule needs it.
    #[arg(long, value_name = "REV", conflicts_with = "org")]
    pub base: Option<String>,
    /// Check the org as it is instead of the files: the org folder (what `policyc pull` writes)
    /// is imported and checked, with the IdP deactivations the files plan (`status inactive`
    /// there, active in the org) applied, so each is judged on the org's real rules. `asserts`
    /// and features come from the files (the API does not hold them). Diagnostics point into
    /// the imported org text (`ORG_DIR/org.policy`, not written to disk).
    #[arg(long, value_name = "ORG_DIR")]
    pub org: Option<PathBuf>,
    /// Colour the human output: `auto` colours a terminal unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub levels: super::LevelArgs,
}

pub fn run(args: &CheckArgs) -> u8 {
    let started = Instant::now();
    let levels = match args.levels.levels() {
        Ok(levels) => levels,
        Err(message) => {
            eprintln!("error: {message}");
            return super::EXIT_CANNOT_RUN;
        }
    };
    let sources = match load::load(&args.paths) {
        Ok(sources) => sources,
        Err(err) => return err.report(),
    };
    let mut compiled = crate::compile(sources);
    let base = match (&args.base, &args.org) {
        (_, Some(dir)) => match org_sets(&compiled, dir) {
            Ok((planned, base)) => {
                compiled = planned;
                Some(std::sync::Arc::new(base))
            }
            Err(err) => {
                eprintln!("error: cannot read the org at `{}`: {err}", dir.display());
                return super::EXIT_CANNOT_RUN;
            }
        },
        (None, None) => None,
        (Some(rev), None) => match load::sources_at_rev(rev, &args.paths) {
            Ok(sources) => Some(std::sync::Arc::new(crate::check::Base {
                name: rev.clone(),
                compiled: crate::compile(sources),
            })),
            Err(err) => {
                eprintln!("error: cannot read the policy set at `{rev}`: {err}");
                return super::EXIT_CANNOT_RUN;
            }
        },
    };
    let options = crate::check::CheckOptions {
        okta_compat: args.okta_compat,
        base,
        files: load::certificate_files(&compiled, &load::Roots::new(&args.paths)),
        now: None,
        levels,
    };
    let diagnostics = crate::check(&compiled, &options);
    let files = compiled.sources.len();
    let counts = Counts::of(&diagnostics);
    let options = RenderOptions {
        color: use_color(args.color),
        files_checked: files,
    };
    let mut stdout = std::io::stdout().lock();
    let written = match (args.format, sarif_base(&args.paths)) {
        // SARIF `uri`s are relative to the checked folder, which the log names once.
        (Format::Sarif, Some(base)) => {
            let log = render::sarif_report_based(&diagnostics, &compiled.sources, &base);
            serde_json::to_writer_pretty(&mut stdout, &log)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(stdout))
        }
        _ => render::render(
            args.format,
            &diagnostics,
            &compiled.sources,
            &options,
            &mut stdout,
        ),
    };
    if let Err(err) = written.and_then(|()| stdout.flush()) {
        eprintln!("error: cannot write the report: {err}");
        return super::EXIT_CANNOT_RUN;
    }
    eprintln!("{}", summary(files, counts, started.elapsed()));
    if counts.errors > 0 || (args.deny_warnings && counts.warnings > 0) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// The checked folder for SARIF: the one folder given, else the current folder (file names are
/// then relative to it already). `None` when the folder cannot be made absolute.
fn sarif_base(paths: &[PathBuf]) -> Option<render::SarifBase> {
    let folder = match paths {
        [one] if one.is_dir() => one.clone(),
        _ => PathBuf::from("."),
    };
    let absolute = std::fs::canonicalize(&folder).ok()?;
    // The names `load` gives files start with the folder as written, without `./`.
    let written = folder
        .strip_prefix(".")
        .unwrap_or(&folder)
        .to_string_lossy();
    let written = written.replace('\\', "/");
    let prefix = match written.trim_end_matches('/') {
        "" => String::new(),
        w => format!("{w}/"),
    };
    let uri = render::file_uri(&absolute.to_string_lossy());
    Some(render::SarifBase {
        prefix,
        uri: format!("{}/", uri.trim_end_matches('/')),
    })
}

/// `check --org`: the org folder imported (with the files' `asserts` and features) twice: as it
/// is, the base, and with the deactivations the files plan (IdPs `status inactive` in the files,
/// active in the org). The second is what gets checked, so the guard judges each planned
/// deactivation on the org's real rules.
fn org_sets(
    ours: &crate::Compiled,
    dir: &std::path::Path,
) -> Result<(crate::Compiled, crate::check::Base), String> {
    let files = super::import::read_org(dir)?;
    let features = ours.model.org.as_ref().map_or_else(Vec::new, |o| {
        crate::model::values::FEATURES
            .iter()
            .filter(|(_, f)| o.features.has(*f))
            .map(|(w, _)| (*w).to_owned())
            .collect()
    });
    let mut options = crate::okta::import::ImportOptions {
        features,
        asserts: crate::okta::import::asserts_written(ours),
        deactivate: Vec::new(),
    };
    let compile = |options: &crate::okta::import::ImportOptions| {
        let imported = crate::okta::import::import(&files, options).map_err(|e| e.to_string())?;
        let mut sources = crate::source::Sources::new();
        for (name, text) in imported.files {
            sources.add(crate::source::SourceFile::new(
                format!("{}/{name}", dir.display()),
                text,
            ));
        }
        Ok::<_, String>(crate::compile(sources))
    };
    let base = compile(&options)?;
    options.deactivate = ours
        .model
        .idps
        .iter()
        .filter(|i| i.status == crate::model::Status::Inactive)
        .map(|i| i.name.clone())
        .collect();
    let planned = compile(&options)?;
    Ok((
        planned,
        crate::check::Base {
            name: "the org".to_owned(),
            compiled: base,
        },
    ))
}

/// The summary line ending a check: `checked 12 files, 0 errors, 2 warnings, 1 info in 4 ms`.
pub(super) fn summary(files: usize, counts: Counts, elapsed: std::time::Duration) -> String {
    format!(
        "checked {files} {}, {} {}, {} {}, {} {} in {} ms",
        plural(files, "file", "files"),
        counts.errors,
        plural(counts.errors, "error", "errors"),
        counts.warnings,
        plural(counts.warnings, "warning", "warnings"),
        counts.infos,
        plural(counts.infos, "info", "infos"),
        elapsed.as_millis()
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
