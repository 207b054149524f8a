//! Finding and reading the `.policy` files of a policy set.

use crate::claims::IdpConfig;
use crate::source::{SourceFile, Sources};
use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Set once by `main` from `--follow-links`: read files whose real path lies outside the given
/// paths (a link out of the tree). Regular files only, and capped, all the same.
static FOLLOW_LINKS: AtomicBool = AtomicBool::new(false);

pub fn set_follow_links(follow: bool) {
    FOLLOW_LINKS.store(follow, Ordering::Relaxed);
}

/// Why a policy set could not be loaded (exit code 2). One line per file that could not be read.
#[derive(Debug)]
pub struct LoadError(pub String);

impl LoadError {
    /// Prints the error and returns the exit code for it.
    pub fn report(&self) -> u8 {
        errln!("error: {}", self.0);
        super::EXIT_CANNOT_RUN
    }
}

/// The paths a command was given, resolved once: every file it reads must be a regular file
/// whose real path lies under one of them (unless links may be followed).
#[derive(Debug, Clone)]
pub struct Roots {
    real: Vec<PathBuf>,
    follow_links: bool,
}

impl Roots {
    /// The roots for `paths` (the current folder when empty), following links as
    /// `--follow-links` says.
    pub fn new(paths: &[PathBuf]) -> Roots {
        Roots::with(paths, FOLLOW_LINKS.load(Ordering::Relaxed))
    }

    /// The roots for `paths`. A folder is a root with its links resolved (the user named it);
    /// a file is a root by its own name: a named link is not followed out of its folder.
    pub fn with(paths: &[PathBuf], follow_links: bool) -> Roots {
        let default = [PathBuf::from(".")];
        let paths = if paths.is_empty() {
            &default[..]
        } else {
            paths
        };
        let real = paths
            .iter()
            .filter_map(|p| {
                let meta = fs::symlink_metadata(p).ok()?;
                if meta.is_dir() || p.file_name().is_none() {
                    fs::canonicalize(p).ok()
                } else {
                    let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
                    let parent = fs::canonicalize(parent.unwrap_or(Path::new("."))).ok()?;
                    Some(parent.join(p.file_name()?))
                }
            })
            .collect();
        Roots { real, follow_links }
    }

    fn contains(&self, real: &Path) -> bool {
        self.real.iter().any(|root| real.starts_with(root))
    }

    /// Reads `path` whole, refusing anything but a regular file under the roots and more than
    /// `cap` bytes. The file is opened once and the opened handle is checked, so it cannot be
    /// swapped between the check and the read; the cap counts bytes read, not the size the
    /// file claims (a device or a `/proc` file says 0). Messages name the file, never quote it.
    pub fn read(&self, path: &Path, cap: u64) -> Result<Vec<u8>, String> {
        let (bytes, size) = self.read_prefix(path, cap)?;
        if bytes.len() as u64 > cap {
            return Err(format!(
                "`{}` is {size} bytes, over the limit of {}; refused unread",
                path.display(),
                size_words(cap)
            ));
        }
        Ok(bytes)
    }

    /// The first `cap + 1` bytes of `path` (so that a caller can tell it is over `cap`) and its
    /// size: the size on disk, or at least the bytes read. Same checks as [`Roots::read`].
    pub fn read_prefix(&self, path: &Path, cap: u64) -> Result<(Vec<u8>, u64), String> {
        let shown = path.display();
        let file = open_nonblocking(path)
            .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
        let meta = file
            .metadata()
            .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
        if !meta.is_file() {
            return Err(format!(
                "`{shown}` is {}, not a regular file; policyc reads only regular files",
                kind(&meta)
            ));
        }
        if !self.follow_links {
            let inside = real_path(&file, path).is_some_and(|real| self.contains(&real));
            if !inside {
                // Say which it is: a link leading out, or a plain file that is simply not under
                // the paths given (a `certificate` next to a single policy file given by name).
                let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
                return Err(if is_link {
                    format!(
                        "`{shown}` is a link to a file outside the given paths; policyc reads only \
                         files under the paths it is given (pass `--follow-links` to read it anyway)"
                    )
                } else {
                    format!(
                        "`{shown}` is outside the given paths; policyc reads only files under the \
                         paths it is given: give the folder that holds it (e.g. `.` rather than one \
                         `.policy` file), or pass `--follow-links`"
                    )
                });
            }
        }
        let mut bytes = Vec::new();
        (&file)
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
        let size = meta.len().max(bytes.len() as u64);
        Ok((bytes, size))
    }

    /// [`Roots::read`] for text: UTF-8, a leading byte-order mark dropped.
    pub fn read_text(&self, path: &Path, cap: u64) -> Result<String, String> {
        let bytes = self.read(path, cap)?;
        utf8_text(bytes).map_err(|offset| {
            format!(
                "`{}` is not UTF-8 text (invalid byte at offset {offset})",
                path.display()
            )
        })
    }
}

/// UTF-8 text without its byte-order mark, or the offset of the first invalid byte.
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, usize> {
    let mut text = String::from_utf8(bytes).map_err(|e| e.utf8_error().valid_up_to())?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// `16 MiB`, `512 KiB`, `100 bytes`.
fn size_words(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / 1024 / 1024)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Opens for reading without blocking: opening a FIFO with no writer would wait forever.
fn open_nonblocking(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path).map_err(|e| {
        // Opening a socket fails with "no such device or address": say what it is.
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ENXIO) {
            return std::io::Error::other("it is a socket or a device, not a regular file");
        }
        e
    })
}

/// Where an opened file really is: the kernel's name for the handle on Linux, the resolved path
/// elsewhere.
fn real_path(file: &fs::File, path: &Path) -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        if let Ok(real) = fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
            return Some(real);
        }
    }
    let _ = file;
    fs::canonicalize(path).ok()
}

/// What a file that is not a regular file is, in words.
fn kind(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// Reads every `.policy` file under `paths` (the current folder when empty), recursively, in a
/// stable order, whatever set each belongs to (`fmt` and `import` work file by file).
/// A file named explicitly is read whatever its extension. Each file must be a regular file
/// under `paths` ([`Roots::read`]); every file that is not is reported.
pub fn load(paths: &[PathBuf]) -> Result<Sources, LoadError> {
    let found = gather(paths)?;
    read_sources(&Roots::new(paths), found.iter().map(|f| &f.path))
}

/// A `.policy` file found under the paths a command was given.
struct Found {
    /// As users write it (`prod/a.policy`).
    path: PathBuf,
    /// The folder given on the command line it was found under; a file named explicitly: its
    /// own folder.
    top: PathBuf,
    /// Named on the command line: read whatever its extension or a `policyc.toml`'s `paths`.
    explicit: bool,
}

fn gather(paths: &[PathBuf]) -> Result<Vec<Found>, LoadError> {
    let default = [PathBuf::from(".")];
    let roots = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut found = std::collections::BTreeMap::new();
    // A file found twice (a folder and a file in it, or nested folders) is explicit if named,
    // and belongs to the set of the outer path ([`widen`]).
    let mut add = |path: PathBuf, top: PathBuf, explicit: bool| {
        let entry = found.entry(path).or_insert((top.clone(), explicit));
        entry.1 |= explicit;
        widen(&mut entry.0, top);
    };
    for root in roots {
        let meta = fs::metadata(root).map_err(|e| {
            LoadError(format!(
                "cannot read `{}`: {}",
                root.display(),
                io_reason(&e)
            ))
        })?;
        if meta.is_dir() {
            let mut files = BTreeSet::new();
            walk(root, &mut files)?;
            if files.is_empty() {
                return Err(LoadError(format!(
                    "no `.policy` files in `{}`: give the folder that holds your policy set, e.g. `policyc check policies/`",
                    root.display()
                )));
            }
            let top = clean(root);
            for path in files {
                add(path, top.clone(), false);
            }
        } else {
            add(
                root.clone(),
                clean(root.parent().unwrap_or(Path::new(""))),
                true,
            );
        }
    }
    Ok(found
        .into_iter()
        .map(|(path, (top, explicit))| Found {
            path,
            top,
            explicit,
        })
        .collect())
}

/// A file found under two of the paths given (a folder and a file in it, or nested folders)
/// belongs to the set found from the outer one: `top` bounds the search for its `policyc.toml`,
/// and the inner path alone would cut the file off from its set.
fn widen(top: &mut PathBuf, other: PathBuf) {
    if top.starts_with(&other) {
        *top = other;
    }
}

fn read_sources<'a>(
    allowed: &Roots,
    files: impl Iterator<Item = &'a PathBuf>,
) -> Result<Sources, LoadError> {
    let mut sources = Sources::new();
    let mut errors = Vec::new();
    for path in files {
        match allowed.read_text(path, MAX_FILE_BYTES) {
            Ok(text) => {
                sources.add(SourceFile::new(path.to_string_lossy().into_owned(), text));
            }
            Err(why) => errors.push(why),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(LoadError(errors.join("\nerror: ")))
    }
}

/// The policy set a `.policy` file belongs to, the one definition `check`, `watch`, `test` and
/// the language server share: the nearest folder above `file`, up to and including `top`, that
/// holds a `policyc.toml` (`Some`); else `None`: the set of `top`, the folder given on the
/// command line (the workspace folder in an editor). The search never goes above `top`, so a
/// command reads no `policyc.toml` outside the paths it was given.
pub fn config_folder(file: &Path, top: &Path) -> Option<PathBuf> {
    config_folder_where(file, top, |dir| {
        fs::symlink_metadata(dir.join(crate::config::FILE_NAME)).is_ok()
    })
}

/// [`config_folder`] with what "holds a `policyc.toml`" means given by the caller: the disk for
/// the CLI, the files the language server knows (read from disk or watched) for it.
pub fn config_folder_where(
    file: &Path,
    top: &Path,
    holds_config: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if !d.starts_with(top) {
            return None;
        }
        if holds_config(d) {
            return Some(d.to_path_buf());
        }
        if d == top {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// One policy set, as `check`, `watch` and `test` take it.
#[derive(Debug)]
pub struct PolicySet {
    /// The folder of its `policyc.toml`, as written (`prod`; empty for the current folder).
    /// `None`: the files no `policyc.toml` claims, one set together, as they were before
    /// `policyc.toml` existed.
    pub root: Option<PathBuf>,
    /// Its `policyc.toml`, read (the default when `root` is `None`).
    pub config: crate::config::Config,
    pub sources: Sources,
    /// The `.policy` files under the set's folder that belong to it but that its `paths` leave
    /// out (never read): `check` says how many, so that `paths = ["one.policy"]` cannot quietly
    /// stop a folder's other files from being checked.
    pub left_out: Vec<PathBuf>,
}

impl PolicySet {
    /// How output names the set: `prod/` (`./` for the current folder); `None` for the files no
    /// `policyc.toml` claims.
    pub fn name(&self) -> Option<String> {
        self.root.as_ref().map(|r| set_name(r))
    }

    /// `prod/policyc.toml`.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.root.as_ref().map(|r| r.join(crate::config::FILE_NAME))
    }
}

/// `prod` → `prod/`, `` → `./`.
pub fn set_name(root: &Path) -> String {
    let shown = root.to_string_lossy().replace('\\', "/");
    match shown.trim_end_matches('/') {
        "" | "." => "./".to_owned(),
        s => format!("{s}/"),
    }
}

/// Reads the `.policy` files under `paths` as policy sets ([`config_folder`] says which file
/// belongs to which): each folder holding a `policyc.toml` is a set of its own, with the files
/// its `paths` lists (all of them by default; a file named on the command line always counts;
/// the others are its `left_out`, and a set may be left with no files), and the files no
/// `policyc.toml` claims are one more set. A `policyc.toml` that cannot be read
/// or is not valid is an error (exit 2) naming its file, line and column.
pub fn load_sets(paths: &[PathBuf]) -> Result<Vec<PolicySet>, LoadError> {
    let mut groups: std::collections::BTreeMap<Option<PathBuf>, Vec<Found>> = Default::default();
    for f in gather(paths)? {
        groups
            .entry(config_folder(&f.path, &f.top))
            .or_default()
            .push(f);
    }
    let allowed = Roots::new(paths);
    let mut sets = Vec::new();
    for (root, files) in groups {
        let config = match &root {
            Some(dir) => read_config(dir)?,
            None => crate::config::Config::default(),
        };
        let dir = root.as_deref().unwrap_or(Path::new(""));
        let (kept, left): (Vec<&Found>, Vec<&Found>) = files.iter().partition(|f| {
            f.explicit
                || f.path
                    .strip_prefix(dir)
                    .is_ok_and(|rel| config.includes(rel))
        });
        // A set whose `paths` leave out every file is kept, with no files, so that `check` can
        // say so rather than drop it without a word.
        let sources = read_sources(&allowed, kept.into_iter().map(|f| &f.path))?;
        sets.push(PolicySet {
            root,
            config,
            sources,
            left_out: left.into_iter().map(|f| f.path.clone()).collect(),
        });
    }
    if sets.iter().all(|s| s.sources.is_empty()) {
        return Err(LoadError(
            "no `.policy` files left: the `paths` of every `policyc.toml` found leave them all out"
                .to_owned(),
        ));
    }
    Ok(sets)
}

/// The one policy set under `paths`, with the files `check` reads for it (its `policyc.toml`'s
/// `paths` apply): what `eval`, `graph`, `what-if`, `claims inspect`, `export` and `diff` work
/// on. Paths that hold several sets are refused, naming them: one org's decisions read with
/// another's files would be wrong (`command` says who refuses).
pub fn load_one_set(paths: &[PathBuf], command: &str) -> Result<OneSet, LoadError> {
    let sets = load_sets(paths)?;
    let roots = sets.iter().filter_map(|s| s.root.clone()).collect();
    let with_files: Vec<PolicySet> = sets.into_iter().filter(|s| !s.sources.is_empty()).collect();
    match <[PolicySet; 1]>::try_from(with_files) {
        Ok([set]) => Ok(OneSet { set, roots }),
        Err(sets) => Err(LoadError(several_sets(
            &format!("`{command}` reads"),
            &sets,
        ))),
    }
}

/// [`load_one_set`]'s files alone, for a command that reads the set as it is today.
pub fn load_one_sources(paths: &[PathBuf], command: &str) -> Result<Sources, LoadError> {
    load_one_set(paths, command).map(|one| one.set.sources)
}

/// [`load_one_set`]'s set, and the folders of every set under the paths (those left with no
/// file too), which say whose each file at a revision is ([`set_at_rev`]).
#[derive(Debug)]
pub struct OneSet {
    pub set: PolicySet,
    pub roots: Vec<PathBuf>,
}

impl OneSet {
    /// This set's files among the policy files at a revision, as `check --base` reads them.
    pub fn at_rev(&self, sources: &Sources, rev: &str) -> Result<Sources, String> {
        set_at_rev(
            sources,
            rev,
            self.set.root.as_deref(),
            &self.set.config,
            &self.roots,
        )
    }
}

/// The refusal of a command that works on one set (`who` and its verb: "`eval` reads") given
/// several (those with files).
pub fn several_sets<'a>(who: &str, sets: impl IntoIterator<Item = &'a PolicySet>) -> String {
    let names: Vec<String> = sets
        .into_iter()
        .map(|s| {
            s.name()
                .unwrap_or_else(|| "the files no policyc.toml claims".to_owned())
        })
        .collect();
    format!(
        "{who} one policy set, and {} are under the paths given ({}); name one set's folder",
        names.len(),
        names.join(", ")
    )
}

/// The files of one set among the policy files at a revision (named `REV:path`): those whose
/// nearest set folder (among today's) is `root`, and which its `paths` includes.
pub fn set_at_rev(
    sources: &Sources,
    rev: &str,
    root: Option<&Path>,
    config: &crate::config::Config,
    roots: &[PathBuf],
) -> Result<Sources, String> {
    // git names files relative to the current folder; the sets' folders are as given (relative
    // or absolute): compare both absolute. Without the current folder, which file belongs to
    // which set cannot be told.
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let absolute = |p: &Path| -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        }
    };
    let roots: Vec<PathBuf> = roots.iter().map(|r| absolute(r)).collect();
    let root = root.map(absolute);
    let prefix = format!("{rev}:");
    let mut out = Sources::new();
    for (_, file) in sources.iter() {
        let name = file.name.strip_prefix(&prefix).unwrap_or(&file.name);
        let path = absolute(Path::new(name));
        let nearest = roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count());
        let included = match &root {
            Some(root) => path
                .strip_prefix(root)
                .is_ok_and(|rel| config.includes(rel)),
            None => true,
        };
        if nearest == root.as_ref() && included {
            out.add(file.clone());
        }
    }
    Ok(out)
}

/// Reads and parses `DIR/policyc.toml` (a regular file under `DIR`, capped), and checks that
/// what its `paths` names exists.
fn read_config(dir: &Path) -> Result<crate::config::Config, LoadError> {
    let path = dir.join(crate::config::FILE_NAME);
    let folder = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir.to_path_buf()
    };
    let text = Roots::new(std::slice::from_ref(&folder))
        .read_text(&path, crate::config::MAX_BYTES)
        .map_err(LoadError)?;
    let mut sources = Sources::new();
    let file = sources.add(SourceFile::new(path.to_string_lossy().into_owned(), text));
    let text = sources.get(file).map_or("", |f| f.text.as_str());
    let config =
        crate::config::parse(file, text).map_err(|d| LoadError(config_error(&d, &sources)))?;
    if let Some(d) = missing_path(&config, &folder, file, &set_name(dir)) {
        return Err(LoadError(config_error(&d, &sources)));
    }
    Ok(config)
}

/// The first entry of a `policyc.toml`'s `paths` that names nothing under `folder`, as an
/// `invalid-config` diagnostic in `file` (`shown`: the folder as the user knows it). The CLI
/// refuses such a set; the language server shows it on the file.
pub fn missing_path(
    config: &crate::config::Config,
    folder: &Path,
    file: crate::source::FileId,
    shown: &str,
) -> Option<crate::diagnostic::Diagnostic> {
    let (p, span) = config
        .paths
        .iter()
        .find(|(p, _)| fs::symlink_metadata(folder.join(p)).is_err())?;
    Some(
        crate::diagnostic::Diagnostic::new(
            crate::diagnostic::Code::InvalidConfig,
            crate::source::Loc::new(file, *span),
            format!("`paths` names `{}`, which does not exist", p.display()),
        )
        .with_label(format!("no such file or folder in `{shown}`"))
        .with_help("name a file or folder under the folder of policyc.toml, or remove the entry"),
    )
}

/// `prod/policyc.toml:2:1: message` and the help, for an `invalid-config` diagnostic.
pub fn config_error(d: &crate::diagnostic::Diagnostic, sources: &Sources) -> String {
    let at = sources
        .get(d.primary.loc.file)
        .map(|f| f.line_col(d.primary.loc.span.start));
    let (line, column) = at.map_or((1, 1), |a| (a.line, a.column));
    let mut out = format!(
        "{}:{line}:{column}: {} [{}]",
        sources.name(d.primary.loc.file),
        d.message,
        d.code
    );
    if !d.primary.message.is_empty() {
        out.push_str(&format!("\n  {}", d.primary.message));
    }
    if let Some(help) = &d.help {
        out.push_str(&format!("\n  help: {help}"));
    }
    out
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

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

/// Writes `text` to `path` atomically: a temporary file in the same folder, given the file's
/// mode, then renamed over it (`fmt`, and `export` through [`write_new_or_replace`]). A path that
/// is a link is refused: policyc never writes through a link (its target may lie anywhere) and
/// never replaces one with a file.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let shown = path.display();
    let meta = fs::symlink_metadata(path)
        .map_err(|e| format!("cannot write `{shown}`: {}", io_reason(&e)))?;
    if !meta.file_type().is_file() {
        return Err(format!(
            "`{shown}` is a link or not a regular file; policyc never writes through a link: \
             write to the file it points to instead"
        ));
    }
    write_through_temp(path, text, Some(meta.permissions()))
}

/// Writes a new file at `path` the same way (a temporary file renamed into place), or replaces
/// the regular file there ([`write_atomically`], which refuses links).
pub fn write_new_or_replace(path: &Path, text: &str) -> Result<(), String> {
    if fs::symlink_metadata(path).is_ok() {
        return write_atomically(path, text);
    }
    write_through_temp(path, text, None)
}

/// `text` into a temporary file next to `path` (given `permissions`), then renamed to `path`.
fn write_through_temp(
    path: &Path,
    text: &str,
    permissions: Option<fs::Permissions>,
) -> Result<(), String> {
    let shown = path.display();
    let name = path
        .file_name()
        .ok_or_else(|| format!("cannot write `{shown}`: not a file name"))?;
    let folder = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = folder.join(format!(
        ".{}.policyc-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        // `create_new`: never open (or follow) something already there.
        options.write(true).create_new(true);
        let mut file = options.open(&temp)?;
        file.write_all(text.as_bytes())?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        format!("cannot write `{shown}`: {}", io_reason(&e))
    })
}

/// The IdPs of a compiled set as the claims layer needs them, JWKS paths resolved against the
/// file that declares each IdP.
pub fn idp_configs(compiled: &crate::Compiled) -> Vec<IdpConfig> {
    compiled
        .model
        .idps
        .iter()
        .map(|idp| {
            // Paths in a policy file are relative to its folder.
            let folder = Path::new(compiled.sources.name(idp.loc.file))
                .parent()
                .unwrap_or(Path::new(""));
            IdpConfig {
                name: idp.name.clone(),
                kind: idp.kind,
                issuer: idp.issuer.clone(),
                audience: idp.audience.clone(),
                jwks_path: idp.jwks.as_ref().map(|j| folder.join(j)),
                certificate_paths: idp
                    .certificates
                    .iter()
                    .map(|(c, _)| folder.join(c))
                    .collect(),
                metadata_path: idp.metadata.as_ref().map(|(m, _)| folder.join(m)),
                max_clock_skew: idp.max_clock_skew_secs,
                usage: idp.usage,
            }
        })
        .collect()
}

/// The IdPs' `certificate` and `metadata` files, for the checker's `certificate-expired`, read
/// as every file is (`Roots`: regular files under the given paths only, capped at 1 MiB each);
/// one that cannot be read is left out: using it reports why.
pub fn certificate_files(
    compiled: &crate::Compiled,
    roots: &Roots,
) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    crate::check::certificate_files(compiled)
        .into_iter()
        .filter_map(|path| roots.read(&path, 1 << 20).ok().map(|bytes| (path, bytes)))
        .collect()
}

/// The `.policy` files under `paths` as they were at `rev`, listed with
/// `git ls-tree -r REV -- PATHS` and read with `git cat-file blob` from the current folder.
/// The same rules as on disk: only regular files (a link stored in git is not followed, a
/// submodule is not entered), each read with a cap on the bytes actually read.
pub fn sources_at_rev(rev: &str, paths: &[PathBuf]) -> Result<Sources, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let mut ls = Command::new("git");
    ls.args(["ls-tree", "-r", "-z", rev, "--"]);
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
    for entry in listed.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        // `MODE TYPE OBJECT\tNAME`
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, name)) = entry.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        let (mode, object) = (meta.next().unwrap_or(""), meta.nth(1).unwrap_or(""));
        let hidden = Path::new(name)
            .components()
            .any(|c| skips_folder(&c.as_os_str().to_string_lossy()));
        let is_explicit = explicit.iter().any(|e| e == name);
        if !(name.ends_with(".policy") && !hidden || is_explicit) {
            continue;
        }
        if mode != "100644" && mode != "100755" {
            if is_explicit {
                return Err(format!(
                    "`{rev}:{name}` is not a regular file (a link or a submodule); policyc reads only regular files"
                ));
            }
            continue;
        }
        let bytes = git_blob(object, MAX_FILE_BYTES)?.ok_or_else(|| {
            format!(
                "`{rev}:{name}` is larger than {}; refused unread",
                size_words(MAX_FILE_BYTES)
            )
        })?;
        let text = utf8_text(bytes).map_err(|_| format!("`{rev}:{name}` is not UTF-8 text"))?;
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

/// A blob's bytes, read through a pipe with a cap; `None` when it is larger than `cap`.
fn git_blob(object: &str, cap: u64) -> Result<Option<Vec<u8>>, String> {
    if !object.bytes().all(|b| b.is_ascii_hexdigit()) || object.is_empty() {
        return Err(format!("git listed an odd object name `{object}`"));
    }
    let mut child = Command::new("git")
        .args(["cat-file", "blob", object])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut bytes = Vec::new();
    let read = match child.stdout.take() {
        Some(out) => out.take(cap.saturating_add(1)).read_to_end(&mut bytes),
        None => Ok(0),
    };
    if bytes.len() as u64 > cap {
        let _ = child.kill();
        let _ = child.wait();
        return Ok(None);
    }
    let status = child.wait().map_err(|e| format!("cannot run git: {e}"))?;
    read.map_err(|e| format!("cannot read from git: {e}"))?;
    if !status.success() {
        return Err(format!("git could not read object `{object}`"));
    }
    Ok(Some(bytes))
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
