//! What the integration tests that run the real `policyc` binary share: running it, and
//! scratch folders of policy files.
// Each test file uses a different part of this module.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `policyc ARGS` in `dir`, colour off.
pub fn policyc(args: &[&str], dir: &Path) -> Output {
    policyc_stdin(args, dir, "")
}

/// Runs `policyc ARGS` in `dir` with `stdin` as its input, colour off.
pub fn policyc_stdin(args: &[&str], dir: &Path, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("policyc runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Stdout parsed as one JSON document; the test fails showing stdout and stderr when it is not.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), stderr(o)))
}

/// A fresh folder with the given files; removed when dropped. `name` must be unique within one
/// test file (test binaries differ by process id).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str, files: &[(&str, &str)]) -> Scratch {
        let dir = std::env::temp_dir().join(format!("policyc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let scratch = Scratch(dir);
        for (path, text) in files {
            scratch.write(path, text);
        }
        scratch
    }

    /// Writes a file (folders created); returns its full path.
    pub fn write(&self, path: &str, text: &str) -> String {
        let path = self.0.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.0.join(path)).unwrap()
    }

    /// Runs `git ARGS` in this folder as a fixed author, unsigned; fails the test when git fails.
    pub fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&self.0)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Makes this folder a git repository whose one commit holds `path` (`.` for everything), so
    /// that a test can change the files and compare with `HEAD`.
    pub fn commit(&self, path: &str) {
        self.git(&["init", "-q"]);
        self.git(&["add", path]);
        self.git(&["commit", "-q", "-m", path]);
    }

    pub fn modified(&self, path: &str) -> std::time::SystemTime {
        std::fs::metadata(self.0.join(path))
            .unwrap()
            .modified()
            .unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
