//! Finding and reading the `.policy` files of a policy set.

use crate::claims::IdpConfig;
use crate::source::{SourceFile, Sources};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether a policy set's folder walk skips a folder of this name: hidden folders (`.git`),
/// build output and dependencies. `check`, `watch`, `--compare-rev` and the language server all
/// read a policy set through this one rule.
pub fn skips_folder(name: &str) -> bool {
    (name.starts_with('.') && name != "." && name != "..")
        || name == "target"
        || name == "node_modules"
}

/// Policy files larger than this are refused: a policy set is text written by people.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a policy set could not be loaded (exit code 2).
#[derive(Debug)]
pub struct LoadError(pub String);

impl LoadError {
    /// Prints the error and returns the exit code for it.
    pub fn report(&self) -> u8 {
        eprintln!("error: {}", self.0);
        super::EXIT_CANNOT_RUN
    }
}

/// Reads every `.policy` file under `paths` (the current folder when empty), recursively, in a
/// stable order. A file named explicitly is read whatever its extension.
pub fn load(paths: &[PathBuf]) -> Result<Sources, LoadError> {
    let default = [PathBuf::from(".")];
    let roots = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut files = BTreeSet::new();
    for root in roots {
        let meta = fs::metadata(root).map_err(|e| {
            LoadError(format!(
                "cannot read `{}`: {}",
                root.display(),
                io_reason(&e)
            ))
        })?;
        if meta.is_dir() {
            let before = files.len();
            walk(root, &mut files)?;
            if files.len() == before {
                return Err(LoadError(format!(
                    "no `.policy` files in `{}`: give the folder that holds your policy set, e.g. `policyc check policies/`",
                    root.display()
                )));
            }
        } else {
            files.insert(root.clone());
        }
    }
    let mut sources = Sources::new();
    for path in files {
        sources.add(read(&path)?);
    }
    Ok(sources)
}

fn walk(dir: &Path, files: &mut BTreeSet<PathBuf>) -> Result<(), LoadError> {
    let entries = fs::read_dir(dir).map_err(|e| {
        LoadError(format!(
            "cannot read `{}`: {}",
            dir.display(),
            io_reason(&e)
        ))
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| {
            LoadError(format!(
                "cannot read `{}`: {}",
                dir.display(),
                io_reason(&e)
            ))
        })?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // `symlink_metadata`: a symlinked folder is not followed, so a link loop cannot hang us.
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if !skips_folder(&name) {
                walk(&path, files)?;
            }
        } else if name.ends_with(".policy") {
            files.insert(clean(&path));
        }
    }
    Ok(())
}

/// `./policies/a.policy` → `policies/a.policy`: names as users write them.
fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

fn read(path: &Path) -> Result<SourceFile, LoadError> {
    let shown = path.display();
    let meta = fs::metadata(path)
        .map_err(|e| LoadError(format!("cannot read `{shown}`: {}", io_reason(&e))))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError(format!(
            "`{shown}` is {} bytes; policy files are limited to {} MiB",
            meta.len(),
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let bytes = fs::read(path)
        .map_err(|e| LoadError(format!("cannot read `{shown}`: {}", io_reason(&e))))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        LoadError(format!(
            "`{shown}` is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(SourceFile::new(path.to_string_lossy().into_owned(), text))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

/// The IdPs of a compiled set as the claims layer needs them, JWKS paths resolved against the
/// file that declares each IdP.
pub fn idp_configs(compiled: &crate::Compiled) -> Vec<IdpConfig> {
    compiled
        .model
        .idps
        .iter()
        .map(|idp| {
            let declared_in = Path::new(compiled.sources.name(idp.loc.file));
            IdpConfig {
                name: idp.name.clone(),
                kind: idp.kind,
                issuer: idp.issuer.clone(),
                audience: idp.audience.clone(),
                jwks_path: idp
                    .jwks
                    .as_ref()
                    .map(|j| declared_in.parent().unwrap_or(Path::new("")).join(j)),
                certificate_paths: idp
                    .certificates
                    .iter()
                    .map(|(c, _)| declared_in.parent().unwrap_or(Path::new("")).join(c))
                    .collect(),
                metadata_path: idp
                    .metadata
                    .as_ref()
                    .map(|(m, _)| declared_in.parent().unwrap_or(Path::new("")).join(m)),
                max_clock_skew: idp.max_clock_skew_secs,
                usage: idp.usage,
            }
        })
        .collect()
}

/// The IdPs' `certificate` and `metadata` files, for the checker's `certificate-expired`
/// (capped at 1 MiB each; one that cannot be read is left out: using it reports why).
pub fn certificate_files(
    compiled: &crate::Compiled,
) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    use std::io::Read;
    let mut files = std::collections::BTreeMap::new();
    for path in crate::check::certificate_files(compiled) {
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        let mut bytes = Vec::new();
        if file.take(1 << 20).read_to_end(&mut bytes).is_ok() {
            files.insert(path, bytes);
        }
    }
    files
}

/// The `.policy` files under `paths` as they were at `rev`, read with
/// `git ls-tree -r --name-only REV -- PATHS` and `git show REV:./FILE` from the current folder.
pub fn sources_at_rev(rev: &str, paths: &[PathBuf]) -> Result<Sources, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let mut ls = Command::new("git");
    ls.args(["ls-tree", "-r", "--name-only", rev, "--"]);
    if paths.is_empty() {
        ls.arg(".");
    } else {
        ls.args(paths);
    }
    let listed = git(&mut ls)?;
    let explicit: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().trim_start_matches("./").to_owned())
        .collect();
    let mut sources = Sources::new();
    for name in String::from_utf8_lossy(&listed).lines() {
        let hidden = Path::new(name)
            .components()
            .any(|c| skips_folder(&c.as_os_str().to_string_lossy()));
        if !(name.ends_with(".policy") && !hidden || explicit.iter().any(|e| e == name)) {
            continue;
        }
        let bytes = git(Command::new("git").args(["show", &format!("{rev}:./{name}")]))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(format!(
                "`{rev}:{name}` is larger than the policy file limit"
            ));
        }
        let text =
            String::from_utf8(bytes).map_err(|_| format!("`{rev}:{name}` is not UTF-8 text"))?;
        sources.add(SourceFile::new(format!("{rev}:{name}"), text));
    }
    if sources.is_empty() {
        return Err(format!(
            "no `.policy` files under {} at revision `{rev}`",
            if paths.is_empty() {
                "the current folder".to_owned()
            } else {
                explicit
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
    }
    Ok(sources)
}

fn git(command: &mut Command) -> Result<Vec<u8>, String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}
