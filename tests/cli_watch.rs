//! `policyc watch` end to end: the real binary on a scratch folder, driven by real file changes.
//! Every wait has a deadline, so a watch that never re-checks fails the test instead of hanging.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const ORG: &str = "org acme {\n  engine identity\n}\ngroup admins\n";
const BROKEN: &str = "org acme {\n  engine identity\n}\ngroup admins\ngroup admins\n";
const WAIT: Duration = Duration::from_secs(10);

/// A fresh folder; removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("policyc-watch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `policyc watch`, its stdout and stderr lines merged into one channel; killed on drop.
struct Watch {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

/// `policyc watch ARGS` in `dir`, colour off, its stdout and stderr piped.
fn spawn_watch(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_policyc"))
        .arg("watch")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("policyc runs")
}

impl Watch {
    fn start(dir: &Path, args: &[&str]) -> Watch {
        let mut child = spawn_watch(dir, args);
        let (tx, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx2.send(line);
            }
        });
        Watch {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a summary line containing `want`, skipping other lines; panics at the deadline.
    fn summary(&mut self, want: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with("checked ") && line.contains(want) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no summary with `{want}` within {WAIT:?}; output so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Watch {
    /// Whether some line (already seen, or arriving before the deadline) contains `want`:
    /// stdout and stderr are read by two threads, so a run's report may come after its summary.
    fn saw(&mut self, want: &str) -> bool {
        let deadline = Instant::now() + WAIT;
        while !self.seen.iter().any(|l| l.contains(want)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => return false,
            }
        }
        true
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn rechecks_after_each_change_until_killed() {
    let dir = Scratch::new("edit");
    let file = dir.0.join("org.policy");
    std::fs::write(&file, ORG).unwrap();
    let mut watch = Watch::start(&dir.0, &[]);

    let first = watch.summary("checked 1 file, 0 errors");
    assert!(first.ends_with(" ms"), "{first}");

    std::fs::write(&file, BROKEN).unwrap();
    watch.summary("1 error,");
    assert!(
        watch.saw("duplicate-definition"),
        "{}",
        watch.seen.join("\n")
    );
    // Not a terminal: a plain separator line rather than escape codes.
    assert!(watch.seen.iter().any(|l| l.contains("re-checking")));
    assert!(!watch.seen.iter().any(|l| l.contains('\x1b')));

    std::fs::write(&file, ORG).unwrap();
    watch.summary("0 errors");

    // A new file in a new folder counts too.
    std::fs::create_dir(dir.0.join("apps")).unwrap();
    std::fs::write(dir.0.join("apps/more.policy"), "group admins\n").unwrap();
    watch.summary("checked 2 files, 1 error,");

    // Still running until killed.
    assert!(watch.child.try_wait().unwrap().is_none());
}

#[test]
fn json_runs_keep_stdout_machine_readable() {
    let dir = Scratch::new("json");
    std::fs::write(dir.0.join("org.policy"), ORG).unwrap();
    let mut watch = Watch::start(&dir.0, &["--format", "json", "."]);
    watch.summary("0 errors");
    assert!(watch.saw("{\"diagnostics\""), "{}", watch.seen.join("\n"));
    let report = watch.seen.iter().find(|l| l.starts_with('{')).unwrap();
    let value: serde_json::Value = serde_json::from_str(report).unwrap();
    assert_eq!(value["errors"], 0);
    assert_eq!(value["files"], 1);
}

/// A reader that goes (`policyc watch | head`) ends the watch, as it ends `check`: exit 0, not
/// "cannot write the report" and exit 2.
#[test]
fn a_reader_that_goes_ends_the_watch_with_exit_0() {
    let dir = Scratch::new("closed");
    std::fs::write(dir.0.join("org.policy"), BROKEN).unwrap();
    let mut child = spawn_watch(&dir.0, &["."]);
    // The report of the first run (a duplicate definition) meets a pipe with no reader.
    drop(child.stdout.take());
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still watching with no reader");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("cannot write"), "{stderr}");
}

#[test]
fn a_missing_path_cannot_be_watched() {
    let dir = Scratch::new("missing");
    let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["watch", "nowhere"])
        .current_dir(&dir.0)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot watch `nowhere`: no such file or folder"),
        "{stderr}"
    );
}

/// Two policy sets, each with a `policyc.toml`: a run checks each on its own (a group declared
/// in prod is unknown in staging), and a change to a `policyc.toml` is a change too.
#[test]
fn each_policy_set_is_checked_apart_and_policyc_toml_changes_recheck() {
    let dir = Scratch::new("sets");
    let uses = "policy p {\n  apps [wiki]\n  rule r {\n    when group in [contractors]\n    require password\n  }\n}\n";
    let org = "org acme {\n  engine identity\n}\napp wiki\nauthenticator password\n";
    for set in ["prod", "staging"] {
        std::fs::create_dir(dir.0.join(set)).unwrap();
        std::fs::write(dir.0.join(set).join("policyc.toml"), "").unwrap();
        std::fs::write(dir.0.join(set).join("org.policy"), org).unwrap();
        std::fs::write(dir.0.join(set).join("p.policy"), uses).unwrap();
    }
    std::fs::write(dir.0.join("prod/groups.policy"), "group contractors\n").unwrap();
    let mut watch = Watch::start(&dir.0, &["--format", "json"]);
    // prod: nothing wrong; staging: `contractors` is not declared there.
    watch.summary("checked 5 files, 1 error, 0 warnings");
    let report = watch.seen.iter().find(|l| l.starts_with('{')).cloned();
    let report = match report {
        Some(r) => r,
        None => {
            assert!(watch.saw("{\"diagnostics\""), "{}", watch.seen.join("\n"));
            watch
                .seen
                .iter()
                .find(|l| l.starts_with('{'))
                .cloned()
                .unwrap()
        }
    };
    let value: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(value["diagnostics"][0]["set"], "staging/");
    assert_eq!(value["diagnostics"][0]["code"], "unknown-reference");

    // staging's policyc.toml now makes its unknown reference a warning.
    std::fs::write(
        dir.0.join("staging/policyc.toml"),
        "warn = [\"unknown-reference\"]\n",
    )
    .unwrap();
    watch.summary("checked 5 files, 0 errors, 1 warning");
    // A bad policyc.toml is reported, and the watch waits for a fix.
    std::fs::write(dir.0.join("prod/policyc.toml"), "alow = []\n").unwrap();
    assert!(
        watch.saw("error: prod/policyc.toml:1:1: invalid policyc.toml: unknown field `alow`"),
        "{}",
        watch.seen.join("\n")
    );
    std::fs::write(dir.0.join("prod/policyc.toml"), "").unwrap();
    watch.summary("checked 5 files, 0 errors, 1 warning");
}
