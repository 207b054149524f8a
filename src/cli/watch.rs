//! `policyc watch`: check a policy set, then check it again after every change to its files.
//!
//! The file system is watched with `notify`; its events arrive on a channel that [`run_loop`]
//! reads, so the loop (filtering, debouncing, re-checking, drawing) runs the same on fake events
//! in tests as on real ones. Folders are watched one by one, skipping the folders `load` skips
//! (hidden ones, `target`, `node_modules`), so a watch on a repository root does not register a
//! watch on every folder of a build tree.

use super::{ColorChoice, EXIT_CANNOT_RUN, EXIT_OK, load, use_color};
use crate::diagnostic::render::Format;
use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Check a policy set, and check it again whenever one of its files changes.
///
/// Runs a full `policyc check` at start and after every change to a `.policy` file under PATHS
/// (a burst of saves gives one re-check). On a terminal the screen is cleared and redrawn; each
/// run ends with the summary line. Ctrl-C stops it.
///
/// Policy sets and their `policyc.toml` settings are found as `policyc check` finds them; a
/// change to a `policyc.toml` re-checks too.
#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// Files or folders to watch (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Output format of each run, as for `policyc check` (default `human`, or a
    /// `policyc.toml`'s `format`).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Colour the human output: `auto` colours a terminal unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub levels: super::LevelArgs,
}

/// How long the files must stay quiet after a change before the set is checked again.
pub const QUIET: Duration = Duration::from_millis(100);
/// The longest a re-check waits for a burst of changes to end.
const MAX_DELAY: Duration = Duration::from_secs(1);
/// Printed between runs when the output is not a terminal.
const SEPARATOR: &str = "----- policyc watch: re-checking after a change -----";
/// Clears a terminal and puts the cursor at the top left.
const CLEAR: &str = "\x1b[2J\x1b[H";

/// What one watch looks at and how it draws.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The paths as the user wrote them: loading uses them, so file names print as written.
    pub paths: Vec<PathBuf>,
    /// The same paths, canonical, to match the events' paths against.
    pub roots: Vec<Root>,
    /// `--format`; `None`: the sets' `policyc.toml`, else human.
    pub format: Option<Format>,
    pub color: bool,
    /// Whether stdout is a terminal: clear and redraw, rather than print a separator.
    pub tty: bool,
    /// `--allow`, `--warn`, `--deny`, as for `check`.
    pub levels: crate::check::allow::Levels,
}

/// A watched path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Root {
    /// A folder: every `.policy` file under it counts.
    Folder(PathBuf),
    /// A file named explicitly: it counts whatever its extension.
    File(PathBuf),
}

pub fn run(args: &WatchArgs) -> u8 {
    let levels = match args.levels.levels() {
        Ok(levels) => levels,
        Err(message) => {
            errln!("error: {message}");
            return EXIT_CANNOT_RUN;
        }
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut roots = Vec::with_capacity(paths.len());
    for path in &paths {
        match std::fs::canonicalize(path) {
            Ok(canonical) if canonical.is_dir() => roots.push(Root::Folder(canonical)),
            Ok(canonical) => roots.push(Root::File(canonical)),
            Err(err) => {
                errln!("error: cannot watch `{}`: {}", path.display(), reason(&err));
                return EXIT_CANNOT_RUN;
            }
        }
    }
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher = match notify::recommended_watcher(sender) {
        Ok(watcher) => watcher,
        Err(err) => {
            errln!("error: cannot watch files: {err}");
            return EXIT_CANNOT_RUN;
        }
    };
    for root in &roots {
        let registered = match root {
            Root::Folder(dir) => watch_tree(&mut watcher, dir),
            // A file is watched through its folder: editors that save by writing a new file and
            // renaming it over the old one would otherwise end the watch at the first save.
            Root::File(file) => watcher.watch(
                file.parent().unwrap_or(Path::new("/")),
                RecursiveMode::NonRecursive,
            ),
        };
        if let Err(err) = registered {
            errln!("error: cannot watch `{}`: {err}", root.path().display());
            return EXIT_CANNOT_RUN;
        }
    }
    let config = Config {
        paths,
        roots,
        format: args.format,
        color: use_color(args.color),
        tty: io::stdout().is_terminal(),
        levels,
    };
    let mut add_folder = |dir: &Path| {
        // A folder that cannot be watched (gone already, no permission) is skipped; the
        // re-check that follows reports what `load` makes of it.
        let _ = watch_tree(&mut watcher, dir);
    };
    // Each run's report is flushed when written (`check_once`).
    let mut stdout = super::report_out();
    let mut stderr = io::stderr();
    match run_loop(
        &config,
        &events,
        &mut add_folder,
        &mut stdout,
        &mut stderr,
        None,
    ) {
        Ok(_) => EXIT_OK,
        // A reader that went (`| head`) ends the watch; it is not a failure.
        Err(err) => super::report_failed(Err(err), "report").unwrap_or(EXIT_OK),
    }
}

/// Checks the policy set, then again after each debounced burst of relevant events, until the
/// event channel closes or `max_runs` checks have run. The report of each run goes to `out`;
/// separators, load errors and the summary line to `log`. `add_folder` is called for each new
/// folder under a watched folder, so that the caller watches it too. Returns the number of runs.
pub(crate) fn run_loop(
    config: &Config,
    events: &Receiver<notify::Result<notify::Event>>,
    add_folder: &mut dyn FnMut(&Path),
    out: &mut dyn Write,
    log: &mut dyn Write,
    max_runs: Option<usize>,
) -> io::Result<usize> {
    let mut runs = 0;
    loop {
        check_once(config, runs > 0, out, log)?;
        runs += 1;
        if max_runs.is_some_and(|max| runs >= max) {
            return Ok(runs);
        }
        // Wait for a change that matters...
        loop {
            let Ok(event) = events.recv() else {
                return Ok(runs);
            };
            if config.relevant(event, add_folder, log)? {
                break;
            }
        }
        // ... then for the burst it belongs to to end.
        let deadline = Instant::now() + MAX_DELAY;
        while let Ok(event) = events.recv_timeout(QUIET) {
            config.relevant(event, add_folder, log)?;
            if Instant::now() >= deadline {
                break;
            }
        }
    }
}

/// One full check, drawn: load, compile, check, render, summary.
fn check_once(
    config: &Config,
    again: bool,
    out: &mut dyn Write,
    log: &mut dyn Write,
) -> io::Result<()> {
    let started = Instant::now();
    if config.tty {
        write!(out, "{CLEAR}")?;
        out.flush()?;
        let paths: Vec<_> = config
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        writeln!(log, "watching {} (Ctrl-C to stop)\n", paths.join(", "))?;
    } else if again {
        writeln!(log, "{SEPARATOR}")?;
    }
    // Policy sets as `check` finds them, each checked with its own `policyc.toml`.
    let sets = load::load_sets(&config.paths).and_then(|sets| {
        super::check::output_format(config.format, &sets)
            .map(|format| (sets, format))
            .map_err(load::LoadError)
    });
    let (sets, format) = match sets {
        Ok(found) => found,
        Err(err) => {
            writeln!(log, "error: {}", err.0)?;
            writeln!(log, "waiting for changes")?;
            return log.flush();
        }
    };
    let checked: Vec<super::check::Checked> = sets
        .into_iter()
        .map(|set| super::check::Checked::plain(set, &config.levels))
        .collect();
    super::check::write_report(&config.paths, format, config.color, &checked, out)?;
    out.flush()?;
    super::check::write_left_out_notes(format, &checked, log)?;
    let (files, counts, _) = super::check::totals(&checked);
    let summary = super::check::summary(files, counts, started.elapsed());
    writeln!(log, "{summary}")?;
    log.flush()
}

impl Config {
    /// Whether `event` should cause a re-check; registers new folders on the way.
    fn relevant(
        &self,
        event: notify::Result<notify::Event>,
        add_folder: &mut dyn FnMut(&Path),
        log: &mut dyn Write,
    ) -> io::Result<bool> {
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                writeln!(log, "warning: while watching files: {err}")?;
                return Ok(false);
            }
        };
        let structural = match event.kind {
            // Our own reads open files, and metadata (timestamps, permissions) is not content.
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => false,
            EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => return Ok(false),
            EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Name(_)) => true,
            EventKind::Modify(_) | EventKind::Any | EventKind::Other => false,
        };
        let mut relevant = false;
        for path in &event.paths {
            if !self.covers(path) {
                continue;
            }
            if structural && path.is_dir() && !self.is_file_root(path) {
                add_folder(path);
                relevant = true;
            } else if self.is_file_root(path) || is_policy_file(path) || is_config_file(path) {
                relevant = true;
            } else if structural && !path.exists() && path.extension().is_none() {
                // A folder that went away (removed or moved out) may have held policy files.
                relevant = true;
            }
        }
        Ok(relevant)
    }

    /// Whether `path` is a watched file, or lies in a watched folder outside skipped folders.
    fn covers(&self, path: &Path) -> bool {
        self.roots.iter().any(|root| match root {
            Root::File(file) => path == file,
            Root::Folder(dir) => path.strip_prefix(dir).is_ok_and(|rest| {
                rest.components().all(|c| {
                    let name = c.as_os_str().to_string_lossy();
                    !super::load::skips_folder(&name)
                })
            }),
        })
    }

    fn is_file_root(&self, path: &Path) -> bool {
        self.roots
            .iter()
            .any(|root| *root == Root::File(path.to_path_buf()))
    }
}

impl Root {
    fn path(&self) -> &Path {
        match self {
            Root::Folder(path) | Root::File(path) => path,
        }
    }
}

fn is_policy_file(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "policy")
}

/// A `policyc.toml`: creating, changing or removing one changes the sets and their settings.
fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name == crate::config::FILE_NAME)
}

/// Watches `dir` and every folder under it that `load` would read, each on its own.
fn watch_tree(watcher: &mut dyn Watcher, dir: &Path) -> notify::Result<()> {
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // `file_type` does not follow symlinks, so a link loop cannot hang the watch.
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && !super::load::skips_folder(&name) {
            // A subfolder that cannot be watched is left out rather than ending the watch.
            let _ = watch_tree(watcher, &entry.path());
        }
    }
    Ok(())
}

fn reason(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or folder".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use notify::event::{CreateKind, DataChange, RemoveKind};
    use std::sync::mpsc::channel;

    const ORG: &str = "org acme {\n  engine identity\n}\ngroup admins\n";
    const BROKEN: &str = "org acme {\n  engine identity\n}\ngroup admins\ngroup admins\n";

    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir()
                .join(format!("policyc-watch-unit-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(std::fs::canonicalize(&dir).unwrap())
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn config(dir: &Path) -> Config {
        Config {
            paths: vec![dir.to_path_buf()],
            roots: vec![Root::Folder(dir.to_path_buf())],
            format: None,
            color: false,
            tty: false,
            levels: Default::default(),
        }
    }

    fn event(kind: EventKind, path: PathBuf) -> notify::Result<notify::Event> {
        Ok(notify::Event::new(kind).add_path(path))
    }

    fn modified(path: PathBuf) -> notify::Result<notify::Event> {
        event(EventKind::Modify(ModifyKind::Data(DataChange::Any)), path)
    }

    fn summaries(log: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(log)
            .lines()
            .filter(|l| l.starts_with("checked "))
            .map(|l| l[..l.rfind(" in ").unwrap()].to_owned())
            .collect()
    }

    /// A writer that sends what it is given to a channel, to follow a loop running in a thread.
    struct Pipe(std::sync::mpsc::Sender<Vec<u8>>);

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let _ = self.0.send(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn checks_at_start_and_after_each_burst_of_changes() {
        let dir = Scratch::new("burst");
        let file = dir.0.join("org.policy");
        std::fs::write(&file, ORG).unwrap();
        let config = config(&dir.0);
        let (tx, rx) = channel();
        let (log_tx, log_rx) = channel();
        let worker = std::thread::spawn(move || {
            let mut out = Vec::new();
            let runs = run_loop(&config, &rx, &mut |_| {}, &mut out, &mut Pipe(log_tx), None);
            (runs.unwrap(), out)
        });
        let mut log = log_rx.recv().unwrap();
        while !String::from_utf8_lossy(&log).contains("checked ") {
            log.extend(log_rx.recv().unwrap());
        }
        // Opening a file (our own reads) and a file that is not a policy change nothing.
        tx.send(event(
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            file.clone(),
        ))
        .unwrap();
        tx.send(modified(dir.0.join("notes.txt"))).unwrap();
        // A burst of three saves is one re-check.
        std::fs::write(&file, BROKEN).unwrap();
        for _ in 0..3 {
            tx.send(modified(file.clone())).unwrap();
        }
        drop(tx);
        let (runs, out) = worker.join().unwrap();
        log.extend(log_rx.iter().flatten());
        assert_eq!(runs, 2);
        assert_eq!(
            summaries(&log),
            [
                "checked 1 file, 0 errors, 0 warnings, 0 infos",
                "checked 1 file, 1 error, 0 warnings, 0 infos"
            ]
        );
        let log = String::from_utf8(log).unwrap();
        assert_eq!(log.matches(SEPARATOR).count(), 1, "{log}");
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("duplicate-definition"), "{out}");
    }

    #[test]
    fn a_terminal_is_cleared_before_each_run() {
        let dir = Scratch::new("tty");
        std::fs::write(dir.0.join("org.policy"), ORG).unwrap();
        let config = Config {
            tty: true,
            ..config(&dir.0)
        };
        let (tx, rx) = channel();
        tx.send(modified(dir.0.join("org.policy"))).unwrap();
        drop(tx);
        let (mut out, mut log) = (Vec::new(), Vec::new());
        run_loop(&config, &rx, &mut |_| {}, &mut out, &mut log, None).unwrap();
        assert_eq!(String::from_utf8_lossy(&out).matches(CLEAR).count(), 2);
        assert!(!String::from_utf8_lossy(&log).contains(SEPARATOR));
    }

    #[test]
    fn new_folders_are_watched_and_removed_files_rechecked() {
        let dir = Scratch::new("folders");
        std::fs::write(dir.0.join("org.policy"), ORG).unwrap();
        let sub = dir.0.join("apps");
        std::fs::create_dir(&sub).unwrap();
        std::fs::create_dir(dir.0.join("target")).unwrap();
        let config = config(&dir.0);
        let (tx, rx) = channel();
        tx.send(event(
            EventKind::Create(CreateKind::Folder),
            dir.0.join("target"),
        ))
        .unwrap();
        tx.send(event(EventKind::Create(CreateKind::Folder), sub.clone()))
            .unwrap();
        drop(tx);
        let mut added = Vec::new();
        let (mut out, mut log) = (Vec::new(), Vec::new());
        let runs = run_loop(
            &config,
            &rx,
            &mut |p| added.push(p.to_path_buf()),
            &mut out,
            &mut log,
            None,
        )
        .unwrap();
        assert_eq!(runs, 2);
        assert_eq!(added, [sub]);

        let (tx, rx) = channel();
        tx.send(event(
            EventKind::Remove(RemoveKind::File),
            dir.0.join(".org.policy.swp"),
        ))
        .unwrap();
        tx.send(event(
            EventKind::Remove(RemoveKind::File),
            dir.0.join("gone.policy"),
        ))
        .unwrap();
        drop(tx);
        let runs = run_loop(&config, &rx, &mut |_| {}, &mut out, &mut log, None).unwrap();
        assert_eq!(runs, 2);
    }

    #[test]
    fn a_set_without_files_waits_and_max_runs_stops() {
        let dir = Scratch::new("empty");
        let config = config(&dir.0);
        let (_tx, rx) = channel();
        let (mut out, mut log) = (Vec::new(), Vec::new());
        let runs = run_loop(&config, &rx, &mut |_| {}, &mut out, &mut log, Some(1)).unwrap();
        assert_eq!(runs, 1);
        let log = String::from_utf8(log).unwrap();
        assert!(log.starts_with("error: no `.policy` files in"), "{log}");
        assert!(log.contains("waiting for changes"), "{log}");
    }

    /// What a `policyc.toml`'s `paths` leave out is said in every format, as by `check`.
    #[test]
    fn files_that_paths_leave_out_are_noted() {
        let dir = Scratch::new("left-out");
        std::fs::write(dir.0.join("policyc.toml"), "paths = [\"org.policy\"]\n").unwrap();
        std::fs::write(dir.0.join("org.policy"), ORG).unwrap();
        std::fs::write(dir.0.join("old.policy"), BROKEN).unwrap();
        let d = dir.0.display();
        let note = format!(
            "note: `paths` in {d}/policyc.toml leave out 1 of the 2 .policy files under {d}/, \
             not checked: {d}/old.policy (add them to `paths`, or move them out of the folder)"
        );
        for format in [Format::Human, Format::Json] {
            let mut config = config(&dir.0);
            config.format = Some(format);
            let (_tx, rx) = channel();
            let (mut out, mut log) = (Vec::new(), Vec::new());
            run_loop(&config, &rx, &mut |_| {}, &mut out, &mut log, Some(1)).unwrap();
            let (out, log) = (
                String::from_utf8(out).unwrap(),
                String::from_utf8(log).unwrap(),
            );
            let (said, not) = match format {
                Format::Human => (&out, &log),
                _ => (&log, &out),
            };
            assert_eq!(said.matches(&note).count(), 1, "{format:?}: {said}");
            assert!(!not.contains("note:"), "{format:?}: {not}");
        }
    }

    #[test]
    fn an_explicit_file_counts_whatever_its_name() {
        let dir = Scratch::new("file");
        let file = dir.0.join("org.txt");
        std::fs::write(&file, ORG).unwrap();
        let config = Config {
            paths: vec![file.clone()],
            roots: vec![Root::File(file.clone())],
            ..config(&dir.0)
        };
        let (tx, rx) = channel();
        tx.send(modified(dir.0.join("other.policy"))).unwrap();
        tx.send(modified(file)).unwrap();
        drop(tx);
        let (mut out, mut log) = (Vec::new(), Vec::new());
        let runs = run_loop(&config, &rx, &mut |_| {}, &mut out, &mut log, None).unwrap();
        assert_eq!(runs, 2);
    }
}
