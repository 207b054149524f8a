//! `policyc check`: parse, resolve and check a policy set.

use super::{ColorChoice, EXIT_FAILED, EXIT_OK, load, use_color};
use crate::diagnostic::Counts;
use crate::diagnostic::render::{self, Format, RenderOptions};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Parse, resolve and statically check a policy set.
///
/// Reads every `.policy` file under PATHS (default: the current folder, recursively) and
/// reports every problem found. Exit 0 when there are no errors (warnings allowed), 1 when
/// there are errors, 2 when it could not run.
///
/// A folder holding a `policyc.toml` is the root of a policy set of its own: its files are
/// checked together, apart from every other set, with its settings (`paths`, `allow`, `warn`,
/// `deny`, `deny-warnings`, `format`; flags on the command line win). Files no `policyc.toml`
/// claims are one set, the folder given. So `policyc check .` over `prod/policyc.toml` and
/// `staging/policyc.toml` checks prod and staging each on its own. See docs/configuration.md.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Files or folders to check (default: the current folder). Folders are searched
    /// recursively, skipping hidden folders (`.git`, `.staging`), `target` and `node_modules`;
    /// name such a folder here to check it (`policyc check .staging/`).
    pub paths: Vec<PathBuf>,
    /// Output format: `human` (the default) for people, `json` for scripts, `sarif` for code
    /// scanning, `github` for GitHub Actions annotations. Overrides a `policyc.toml`'s `format`.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Fail (exit 1) on warnings too: for strict CI. A `policyc.toml` can ask for this with
    /// `deny-warnings = true`.
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
            errln!("error: {message}");
            return super::EXIT_CANNOT_RUN;
        }
    };
    let sets = match load::load_sets(&args.paths) {
        Ok(sets) => sets,
        Err(err) => return err.report(),
    };
    let format = match output_format(args.format, &sets) {
        Ok(format) => format,
        Err(message) => {
            errln!("error: {message}");
            return super::EXIT_CANNOT_RUN;
        }
    };
    // A set whose `paths` leave out every file is only reported (`Checked::plain`).
    let with_files: Vec<&load::PolicySet> = sets.iter().filter(|s| !s.sources.is_empty()).collect();
    if with_files.len() > 1 && args.org.is_some() {
        errln!(
            "error: {}",
            load::several_sets("`--org` checks", with_files)
        );
        return super::EXIT_CANNOT_RUN;
    }
    let at_rev = match &args.base {
        Some(rev) if args.org.is_none() => match load::sources_at_rev(rev, &args.paths) {
            Ok(sources) => Some((rev, sources)),
            Err(err) => {
                errln!("error: cannot read the policy set at `{rev}`: {err}");
                return super::EXIT_CANNOT_RUN;
            }
        },
        _ => None,
    };
    let roots: Vec<PathBuf> = sets.iter().filter_map(|s| s.root.clone()).collect();
    // What certificate files may be read: resolved once for every set.
    let readable = load::Roots::new(&args.paths);
    let mut checked = Vec::with_capacity(sets.len());
    for set in sets {
        if set.sources.is_empty() {
            checked.push(Checked::plain(set, &levels));
            continue;
        }
        let (name, config) = (set.name(), set.config_path());
        let mut compiled = crate::compile(set.sources);
        let base = match (&at_rev, &args.org) {
            (_, Some(dir)) => match org_sets(&compiled, dir) {
                Ok((planned, base)) => {
                    compiled = planned;
                    Some(std::sync::Arc::new(base))
                }
                Err(err) => {
                    errln!("error: cannot read the org at `{}`: {err}", dir.display());
                    return super::EXIT_CANNOT_RUN;
                }
            },
            (None, None) => None,
            (Some((rev, sources)), None) => {
                match load::set_at_rev(sources, rev, set.root.as_deref(), &set.config, &roots) {
                    Ok(files) => Some(std::sync::Arc::new(crate::check::Base {
                        name: (*rev).clone(),
                        compiled: crate::compile(files),
                    })),
                    Err(err) => {
                        errln!("error: cannot compare with `{rev}`: {err}");
                        return super::EXIT_CANNOT_RUN;
                    }
                }
            }
        };
        let options = crate::check::CheckOptions {
            okta_compat: args.okta_compat,
            base,
            files: load::certificate_files(&compiled, &readable),
            now: None,
            // The file's levels, then the flags': a flag wins for a code both name.
            levels: set.config.levels.clone().then(&levels),
        };
        let diagnostics = crate::check(&compiled, &options);
        checked.push(Checked {
            name,
            config,
            deny_warnings: args.deny_warnings || set.config.deny_warnings,
            compiled,
            diagnostics,
            left_out: set.left_out,
        });
    }
    let mut stdout = super::report_out();
    let written = write_report(
        &args.paths,
        format,
        use_color(args.color),
        &checked,
        &mut stdout,
    )
    .and_then(|()| stdout.flush());
    if let Some(code) = super::report_failed(written, "report") {
        return code;
    }
    // stderr is written as we go: nothing to say if it cannot be.
    let _ = write_left_out_notes(format, &checked, &mut std::io::stderr());
    let (files, counts, failed) = totals(&checked);
    errln!("{}", summary(files, counts, started.elapsed()));
    if failed { EXIT_FAILED } else { EXIT_OK }
}

/// Files and counts over every set, and whether any set fails (errors, or warnings where they
/// are denied).
pub(super) fn totals(checked: &[Checked]) -> (usize, Counts, bool) {
    let files = checked.iter().map(|c| c.compiled.sources.len()).sum();
    let mut counts = Counts::default();
    let mut failed = false;
    for c in checked {
        let of_set = Counts::of(&c.diagnostics);
        counts.errors += of_set.errors;
        counts.warnings += of_set.warnings;
        counts.infos += of_set.infos;
        failed |= of_set.errors > 0 || (c.deny_warnings && of_set.warnings > 0);
    }
    (files, counts, failed)
}

/// One policy set, checked.
pub(super) struct Checked {
    /// `prod/`; `None` for the files no `policyc.toml` claims.
    pub name: Option<String>,
    pub config: Option<PathBuf>,
    pub deny_warnings: bool,
    pub compiled: crate::Compiled,
    pub diagnostics: Vec<crate::diagnostic::Diagnostic>,
    /// The `.policy` files under the set's folder that its `paths` leave out.
    pub left_out: Vec<PathBuf>,
}

impl Checked {
    /// Compiles and checks `set` with its `policyc.toml`'s levels, then `levels` (the flags').
    pub(super) fn plain(set: load::PolicySet, levels: &crate::check::allow::Levels) -> Checked {
        let (name, config) = (set.name(), set.config_path());
        let deny_warnings = set.config.deny_warnings;
        let options = crate::check::CheckOptions {
            levels: set.config.levels.clone().then(levels),
            ..Default::default()
        };
        let empty = set.sources.is_empty();
        let compiled = crate::compile(set.sources);
        // A set whose `paths` leave out every file is reported (its header's note), not
        // checked: with no files, it has no `org` to miss.
        let diagnostics = if empty {
            Vec::new()
        } else {
            crate::check(&compiled, &options)
        };
        Checked {
            name,
            config,
            deny_warnings,
            compiled,
            diagnostics,
            left_out: set.left_out,
        }
    }
}

/// `--format`, else the format the sets' `policyc.toml` files name (they must agree: one run
/// writes one report), else `human`.
pub(super) fn output_format(
    flag: Option<Format>,
    sets: &[load::PolicySet],
) -> Result<Format, String> {
    if let Some(format) = flag {
        return Ok(format);
    }
    let mut named = sets
        .iter()
        .filter_map(|s| Some((s.config.format?, s.config_path()?)));
    let Some((first, first_file)) = named.next() else {
        return Ok(Format::Human);
    };
    match named.find(|(f, _)| *f != first) {
        None => Ok(first),
        Some((other, file)) => Err(format!(
            "`{}` says `format = \"{}\"` and `{}` says `format = \"{}\"`: one run writes one \
             report; pass `--format`",
            first_file.display(),
            first.as_str(),
            file.display(),
            other.as_str()
        )),
    }
}

/// Writes every set's diagnostics in `format`: human output says which set each part is (when
/// any set has a `policyc.toml`); JSON and SARIF are one report over every set's files.
pub(super) fn write_report(
    paths: &[PathBuf],
    format: Format,
    color: bool,
    checked: &[Checked],
    stdout: &mut dyn Write,
) -> std::io::Result<()> {
    let configured = checked.iter().any(|c| c.name.is_some());
    match (format, checked) {
        // One set: as before `policyc.toml` existed.
        (_, [one]) if !configured => write_one(paths, format, one, color, stdout)?,
        (Format::Human | Format::Github, _) => {
            for c in checked {
                if format == Format::Human {
                    write_header(stdout, c)?;
                }
                write_one(paths, format, c, color, stdout)?;
            }
        }
        (Format::Json | Format::Sarif, _) => {
            let (sources, diagnostics, set_of_file) = merged(checked);
            if format == Format::Json {
                let sets: Vec<render::SetInfo> = checked
                    .iter()
                    .filter_map(|c| {
                        let counts = Counts::of(&c.diagnostics);
                        Some(render::SetInfo {
                            set: c.name.clone()?,
                            config: c.config.as_ref()?.to_string_lossy().replace('\\', "/"),
                            files: c.compiled.sources.len(),
                            errors: counts.errors,
                            warnings: counts.warnings,
                            infos: counts.infos,
                            left_out: c.left_out.len(),
                        })
                    })
                    .collect();
                render::json_sets(&diagnostics, &sources, &set_of_file, &sets, stdout)?;
            } else {
                write_sarif(paths, &diagnostics, &sources, stdout)?;
            }
        }
    }
    Ok(())
}

fn write_header(out: &mut dyn Write, c: &Checked) -> std::io::Result<()> {
    let counts = Counts::of(&c.diagnostics);
    let files = c.compiled.sources.len();
    let what = match (&c.name, &c.config) {
        (Some(name), Some(config)) => {
            format!("policy set {name} ({})", config.display())
        }
        _ => "files outside every policyc.toml set".to_owned(),
    };
    writeln!(out, "{what}: {}", counted(files, counts))?;
    match left_out_note(c) {
        Some(note) => writeln!(out, "  note: {note}"),
        None => Ok(()),
    }
}

/// What `paths` leave out, as notes on `log`: human output says it in each set's header, and
/// other formats are for tools, so it goes where a person reading the CI log sees it.
pub(super) fn write_left_out_notes(
    format: Format,
    checked: &[Checked],
    log: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if format != Format::Human {
        for note in checked.iter().filter_map(left_out_note) {
            writeln!(log, "note: {note}")?;
        }
    }
    Ok(())
}

/// What a set's `paths` leave out, when they leave out any `.policy` file under its folder:
/// `` `paths` in prod/policyc.toml leave out 2 of the 3 .policy files under prod/, not checked:
/// prod/a.policy, prod/old/b.policy ``.
pub(super) fn left_out_note(c: &Checked) -> Option<String> {
    let (Some(name), Some(config)) = (&c.name, &c.config) else {
        return None;
    };
    if c.left_out.is_empty() {
        return None;
    }
    const SHOWN: usize = 3;
    let n = c.left_out.len();
    let total = n + c.compiled.sources.len();
    let mut names: Vec<String> = c
        .left_out
        .iter()
        .take(SHOWN)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    if n > SHOWN {
        names.push(format!("and {} more", n - SHOWN));
    }
    let how_many = if c.compiled.sources.is_empty() {
        match n {
            1 => "the only .policy file".to_owned(),
            _ => format!("all {n} .policy files"),
        }
    } else {
        format!("{n} of the {total} .policy files")
    };
    let consequence = if c.compiled.sources.is_empty() {
        "nothing in this set is checked"
    } else {
        "not checked"
    };
    Some(format!(
        "`paths` in {} leave out {how_many} under {name}, {consequence}: {} (add them to \
         `paths`, or move them out of the folder)",
        config.display(),
        names.join(", ")
    ))
}

fn write_one(
    paths: &[PathBuf],
    format: Format,
    c: &Checked,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if format == Format::Sarif {
        return write_sarif(paths, &c.diagnostics, &c.compiled.sources, out);
    }
    let options = RenderOptions {
        color,
        files_checked: c.compiled.sources.len(),
    };
    render::render(format, &c.diagnostics, &c.compiled.sources, &options, out)
}

fn write_sarif(
    paths: &[PathBuf],
    diagnostics: &[crate::diagnostic::Diagnostic],
    sources: &crate::source::Sources,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    // SARIF `uri`s are relative to the checked folder, which the log names once.
    render::write_sarif_based(diagnostics, sources, sarif_base(paths).as_ref(), out)
}

/// Every set's files in one [`Sources`] (in set order) with their diagnostics' file ids moved to
/// match, and the set of each file.
fn merged(
    checked: &[Checked],
) -> (
    crate::source::Sources,
    Vec<crate::diagnostic::Diagnostic>,
    Vec<Option<String>>,
) {
    use crate::source::FileId;
    let mut sources = crate::source::Sources::new();
    let mut diagnostics = Vec::new();
    let mut set_of_file = Vec::new();
    for c in checked {
        let offset = u32::try_from(sources.len()).unwrap_or(u32::MAX);
        for (_, file) in c.compiled.sources.iter() {
            sources.add(file.clone());
            set_of_file.push(c.name.clone());
        }
        let moved = |id: FileId| FileId(id.0.saturating_add(offset));
        for d in &c.diagnostics {
            let mut d = d.clone();
            d.primary.loc.file = moved(d.primary.loc.file);
            for label in &mut d.related {
                label.loc.file = moved(label.loc.file);
            }
            if let Some(fix) = &mut d.fix {
                fix.loc.file = moved(fix.loc.file);
            }
            diagnostics.push(d);
        }
    }
    (sources, diagnostics, set_of_file)
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

/// `check --org`: the org folder imported (with the files' `asserts`, features and settled SAML
/// IdP kinds) twice: as it
/// is, the base, and with the deactivations the files plan (IdPs `status inactive` in the files,
/// active in the org). The second is what gets checked, so the guard judges each planned
/// deactivation on the org's real rules.
fn org_sets(
    ours: &crate::Compiled,
    dir: &std::path::Path,
) -> Result<(crate::Compiled, crate::check::Base), String> {
    let files = super::import::read_org(dir)?;
    let mut options = crate::okta::import::ImportOptions::from_files(ours);
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
        "checked {} in {} ms",
        counted(files, counts),
        elapsed.as_millis()
    )
}

/// `12 files, 0 errors, 2 warnings, 1 info`: the counts of a summary line and a set's line.
fn counted(files: usize, counts: Counts) -> String {
    format!(
        "{files} {}, {} {}, {} {}, {} {}",
        plural(files, "file", "files"),
        counts.errors,
        plural(counts.errors, "error", "errors"),
        counts.warnings,
        plural(counts.warnings, "warning", "warnings"),
        counts.infos,
        plural(counts.infos, "info", "infos"),
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
