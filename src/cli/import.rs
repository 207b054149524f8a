//! `policyc import okta`: an org folder of Management API JSON → a `.policy` set.

use super::{EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load};
use crate::okta::import::{ImportOptions, Issue, import};
use crate::okta::{MAX_FILE_BYTES, OrgFiles};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Import an Okta org into `.policy` files.
#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    Okta(ImportOktaArgs),
}

/// Import an Okta org's Management API JSON (the folder `policyc pull` writes) into a
/// formatted `.policy` set.
///
/// DIR holds one file per endpoint: `idps.json`, `authenticators.json`, `groups.json`,
/// `zones.json`, `apps.json`, `policies-ACCESS_POLICY.json`, `policies-OKTA_SIGN_ON.json`,
/// `policies-IDP_DISCOVERY.json`, `policies-MFA_ENROLL.json` (authenticator enrollment),
/// `rules/<policyId>.json` for each policy's rules and `methods/<authenticatorId>.json` for
/// each authenticator's methods. An
/// endpoint split by pagination continues in `NAME.page-2.json`, `NAME.page-3.json`, ...
/// (docs/okta-api.md has the full mapping).
///
/// What policyc does not model is never dropped silently: it is written as a comment and
/// reported as `import-unsupported` (with the file and JSON pointer), and then the command
/// exits 1 after writing everything else. A rule whose meaning cannot be kept is written
/// `status inactive`. Secrets (an IdP's client secret) are never written.
///
/// OUT is written atomically: the whole folder appears at once or not at all. When OUT already
/// holds a policy set, the `asserts` written there are kept.
///
/// Exit codes: 0 imported with nothing to report, 1 imported with `import-unsupported`
/// findings, 2 could not run (unreadable folder, bad JSON).
#[derive(Debug, Clone, clap::Args)]
pub struct ImportOktaArgs {
    /// The org folder (what `policyc pull` wrote).
    pub dir: PathBuf,
    /// The folder to write the `.policy` set to.
    #[arg(short = 'o', long = "out", value_name = "OUT")]
    pub out: PathBuf,
    /// The org's claims-sharing features, comma-separated (they are not in the API):
    /// `okta_to_okta_claims_sharing`, `third_party_claims_sharing`.
    #[arg(long, value_delimiter = ',', value_name = "FEATURES")]
    pub features: Vec<String>,
    /// A JSON file `{"IDP": ["pwd", "otp"], ...}` saying what each IdP can assert, by policyc
    /// name or Okta id. What an IdP asserts is not in the API: without this, each trusted IdP
    /// gets an `asserts []` placeholder and a warning. Never guessed.
    #[arg(long, value_name = "FILE")]
    pub asserts: Option<PathBuf>,
    /// `human` (default) or `json`: the findings as a JSON array on stdout.
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    pub format: String,
}

pub fn run(command: &ImportCommand) -> u8 {
    let ImportCommand::Okta(args) = command;
    match run_okta(args) {
        Ok(issues) => {
            report(&issues, &args.format);
            if issues.is_empty() {
                EXIT_OK
            } else {
                EXIT_FAILED
            }
        }
        Err(e) => {
            errln!("error: {e}");
            EXIT_CANNOT_RUN
        }
    }
}

fn run_okta(args: &ImportOktaArgs) -> Result<Vec<Issue>, String> {
    let files = read_org(&args.dir)?;
    let mut options = ImportOptions {
        features: args.features.clone(),
        ..ImportOptions::default()
    };
    if args.out.is_dir() {
        let sources = load::load(std::slice::from_ref(&args.out)).map_err(|e| e.0)?;
        // The files' own features are not read: `--features` says them.
        let written = ImportOptions::from_files(&crate::compile(sources));
        options.asserts = written.asserts;
        options.saml_kinds = written.saml_kinds;
    }
    if let Some(path) = &args.asserts {
        let roots = load::Roots::new(std::slice::from_ref(path));
        let text = roots.read_text(path, 1 << 20)?;
        let given: BTreeMap<String, Vec<String>> = serde_json::from_str(&text).map_err(|e| {
            format!(
                "`{}`: expected a JSON object from IdP to a list of values ({e})",
                path.display()
            )
        })?;
        options.asserts.extend(given);
    }
    let imported = import(&files, &options).map_err(|e| e.to_string())?;
    write_folder(&args.out, &imported.files)?;
    Ok(imported.issues)
}

/// Reads DIR's `*.json`, `rules/*.json` and `methods/*.json`, each through the CLI's one
/// reading path.
pub fn read_org(dir: &Path) -> Result<OrgFiles, String> {
    let roots = load::Roots::new(&[dir.to_path_buf()]);
    let mut files = OrgFiles::new();
    for sub in ["", "rules", "methods"] {
        let folder = dir.join(sub);
        let entries = match fs::read_dir(&folder) {
            Ok(e) => e,
            // `rules/` and `methods/` may be absent; unreadable is an error.
            Err(e) if !sub.is_empty() && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot read `{}`: {e}", folder.display())),
        };
        // An entry that cannot be listed is an error, not a file silently left out.
        let mut names: Vec<PathBuf> = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot list `{}`: {e}", folder.display()))?
                .path();
            if path.extension().is_some_and(|x| x == "json") {
                names.push(path);
            }
        }
        names.sort();
        for path in names {
            let text = roots.read_text(&path, MAX_FILE_BYTES as u64)?;
            let rel = path
                .strip_prefix(dir)
                .map_err(|_| format!("`{}` is outside `{}`", path.display(), dir.display()))?;
            files.insert(rel.to_string_lossy().replace('\\', "/"), text);
        }
    }
    if files.is_empty() {
        return Err(format!(
            "`{}` holds no Management API JSON (`idps.json`, `policies-ACCESS_POLICY.json`, ...); \
             `policyc pull` writes such a folder",
            dir.display()
        ));
    }
    Ok(files)
}

/// Writes `files` (relative path → text) as the folder `out`, atomically: into a temporary
/// sibling folder, then renamed into place (an existing `out` is replaced only once the new one
/// is complete).
pub fn write_folder(out: &Path, files: &BTreeMap<String, String>) -> Result<(), String> {
    let name = out
        .file_name()
        .ok_or_else(|| format!("`{}` is not a folder name", out.display()))?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let pid = std::process::id();
    let temp = parent.join(format!(".{}.policyc-{pid}.tmp", name.to_string_lossy()));
    let old = parent.join(format!(".{}.policyc-{pid}.old", name.to_string_lossy()));
    let written = (|| -> std::io::Result<()> {
        fs::create_dir(&temp)?;
        for (rel, text) in files {
            let path = temp.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        let had_old = fs::symlink_metadata(out).is_ok();
        if had_old {
            fs::rename(out, &old)?;
        }
        if let Err(e) = fs::rename(&temp, out) {
            if had_old {
                let _ = fs::rename(&old, out);
            }
            return Err(e);
        }
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    })();
    written.map_err(|e| {
        let _ = fs::remove_dir_all(&temp);
        format!("cannot write `{}`: {e}", out.display())
    })
}

/// Text from the org's JSON (names, unknown keys and values) for a terminal: control
/// characters and `okta::deceptive` ones written as escapes (`\u{1b}`, `\n`), so that they
/// can neither drive the terminal nor forge a finding line.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || crate::okta::deceptive(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn report(issues: &[Issue], format: &str) {
    if format == "json" {
        outln!(
            "{}",
            serde_json::to_string_pretty(issues).unwrap_or_default()
        );
        return;
    }
    let mut err = std::io::stderr().lock();
    for i in issues {
        let _ = writeln!(
            err,
            "{}[{}]: {}: {}\n  --> {}",
            i.severity,
            i.code,
            printable(&i.object),
            printable(&i.message),
            printable(&i.pointer)
        );
    }
    if !issues.is_empty() {
        let _ = writeln!(
            err,
            "imported, with {} finding(s): each is a comment in the output (docs/checks.md#import-unsupported)",
            issues.len()
        );
    }
}
