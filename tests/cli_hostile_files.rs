//! Files that are not what they seem, in a real temp folder: links out of the tree (to
//! `/proc/self/environ`, `/dev/zero`, a file elsewhere), FIFOs, sockets. Each is refused with a
//! per-file error and exit 2, quoting nothing it did not mean to, and `fmt` never writes
//! through a link.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// An environment value that must never appear in any output.
const SECRET: &str = "hunter2-do-not-print-5b1f";

const ORG: &str = "org acme { engine identity }\ngroup admins\n";

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("policyc-hostile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("set")).unwrap();
        std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
        Dir(dir)
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `policyc ARGS` in `dir` with the secret in its environment; fails the test if it does
/// not finish within 20 s (a FIFO used to block forever).
fn policyc(args: &[&str], dir: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("POLICYC_TEST_SECRET", SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("policyc {args:?} did not finish within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Exit 0; stderr shown when not.
fn assert_success(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Exit 2, `expected` in stderr, and neither the secret nor any file content in the output.
fn assert_refused(out: &Output, expected: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stderr.contains(expected), "stderr: {stderr}");
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "leaked: {stderr}"
    );
    // Nothing of the file was rendered: no source excerpt at all.
    assert!(!stderr.contains('│'), "an excerpt was drawn: {stderr}");
    assert!(stderr.len() < 2_000, "{} bytes of stderr", stderr.len());
}

const OUTSIDE: &str = "is a link to a file outside the given paths";

#[test]
fn a_link_to_proc_self_environ_is_refused_by_every_command() {
    let dir = Dir::new("environ");
    dir.write("set/org.policy", ORG);
    symlink("/proc/self/environ", dir.path("set/x.policy")).unwrap();
    let set = dir.path("set");
    for args in [
        &["check"][..],
        &["fmt"],
        &["fmt", "--check"],
        &["test"],
        &["graph"],
        &["eval", "--app", "wiki", "--local"],
        &["what-if", "deactivate", "corp"],
    ] {
        let out = policyc(args, &set);
        assert_refused(&out, &format!("error: `x.policy` {OUTSIDE}"));
    }
    // Named explicitly, it is refused just the same.
    let out = policyc(&["check", "x.policy"], &set);
    assert_refused(&out, OUTSIDE);
}

#[test]
fn follow_links_still_reads_only_regular_files_and_caps_what_it_reads() {
    let dir = Dir::new("devzero");
    dir.write("set/org.policy", ORG);
    symlink("/dev/zero", dir.path("set/zero.policy")).unwrap();
    let set = dir.path("set");
    for args in [&["check"][..], &["check", "--follow-links"]] {
        let out = policyc(args, &set);
        assert_refused(
            &out,
            "error: `zero.policy` is a device, not a regular file; policyc reads only regular files",
        );
    }
}

#[test]
fn follow_links_reads_a_link_out_of_the_tree() {
    let dir = Dir::new("follow");
    dir.write("elsewhere/shared.policy", "group contractors\n");
    dir.write("set/org.policy", ORG);
    symlink("../elsewhere/shared.policy", dir.path("set/shared.policy")).unwrap();
    let set = dir.path("set");
    assert_refused(&policyc(&["check"], &set), OUTSIDE);
    let out = policyc(&["check", "--follow-links"], &set);
    assert_success(&out);
    // A link that stays inside the tree needs no flag.
    std::fs::remove_file(dir.path("set/shared.policy")).unwrap();
    std::fs::create_dir(dir.path("set/sub")).unwrap();
    dir.write("set/sub/real.txt", "group contractors\n");
    symlink("sub/real.txt", dir.path("set/inside.policy")).unwrap();
    let out = policyc(&["check"], &set);
    assert_success(&out);
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = Dir::new("fifo");
    dir.write("set/org.policy", ORG);
    let fifo = dir.path("set/pipe.policy");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let set = dir.path("set");
    for args in [&["check"][..], &["fmt"], &["check", "--follow-links"]] {
        let out = policyc(args, &set);
        assert_refused(
            &out,
            "error: `pipe.policy` is a FIFO (named pipe), not a regular file; policyc reads only regular files",
        );
    }
}

#[test]
fn a_socket_is_refused() {
    let dir = Dir::new("socket");
    dir.write("set/org.policy", ORG);
    let _listener = std::os::unix::net::UnixListener::bind(dir.path("set/s.policy")).unwrap();
    let out = policyc(&["check"], &dir.path("set"));
    assert_refused(
        &out,
        "error: cannot read `s.policy`: it is a socket or a device, not a regular file",
    );
}

#[test]
fn every_bad_file_is_reported_not_only_the_first() {
    let dir = Dir::new("several");
    dir.write("set/org.policy", ORG);
    symlink("/dev/zero", dir.path("set/a.policy")).unwrap();
    symlink("/proc/self/environ", dir.path("set/b.policy")).unwrap();
    let out = policyc(&["check"], &dir.path("set"));
    assert_refused(&out, "error: `a.policy` is a device, not a regular file");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("error: `b.policy` {OUTSIDE}")));
}

#[test]
fn fmt_never_writes_through_a_link() {
    let dir = Dir::new("fmtlink");
    let messy = "group   contractors\n";
    let outside = dir.write("elsewhere/shared.policy", messy);
    dir.write("set/org.policy", ORG);
    symlink(&outside, dir.path("set/shared.policy")).unwrap();
    let set = dir.path("set");
    assert_refused(&policyc(&["fmt"], &set), OUTSIDE);
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), messy);
    // Even when links may be read, the link is not written through, nor replaced.
    let out = policyc(&["fmt", "--follow-links"], &set);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: `shared.policy` is a link or not a regular file; policyc never writes through a link"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), messy);
    assert!(
        std::fs::symlink_metadata(dir.path("set/shared.policy"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn fmt_writes_atomically_and_keeps_the_mode() {
    let dir = Dir::new("fmtatomic");
    let file = dir.write(
        "set/org.policy",
        "org acme {engine identity}\ngroup    admins\n",
    );
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let inode = std::fs::metadata(&file).unwrap().ino();
    let out = policyc(&["fmt"], &dir.path("set"));
    assert_success(&out);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "org acme {\n  engine identity\n}\ngroup admins\n"
    );
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    // Renamed over, not rewritten in place: a reader never sees half a file.
    assert_ne!(meta.ino(), inode);
    let left: Vec<_> = std::fs::read_dir(dir.path("set"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["org.policy"]);
}

#[test]
fn a_jwks_link_out_of_the_tree_is_refused() {
    let dir = Dir::new("jwks");
    dir.write(
        "set/idp.policy",
        "org acme { engine identity }\nidp corp {\n  kind oidc\n  issuer \"https://corp.example\"\n  audience \"acme\"\n  jwks \"keys.json\"\n  trust_claims true\n  asserts [pwd]\n}\n",
    );
    symlink("/proc/self/environ", dir.path("set/keys.json")).unwrap();
    let token = dir.write("token.jwt", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    let out = policyc(
        &[
            "claims",
            "inspect",
            "--id-token",
            token.to_str().unwrap(),
            ".",
        ],
        &dir.path("set"),
    );
    assert_refused(&out, &format!("`keys.json` {OUTSIDE}"));
}

#[test]
fn an_oversized_token_is_refused_with_its_real_size() {
    let dir = Dir::new("bigtoken");
    dir.write(
        "set/idp.policy",
        "org acme { engine identity }\nidp corp {\n  kind oidc\n  issuer \"https://corp.example\"\n  audience \"acme\"\n  trust_claims true\n  asserts [pwd]\n}\n",
    );
    let token = dir.write("token.jwt", &"a".repeat(10 * 1024 * 1024));
    let out = policyc(
        &[
            "claims",
            "inspect",
            "--id-token",
            token.to_str().unwrap(),
            ".",
        ],
        &dir.path("set"),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "ID token is 10485760 bytes, over the `max_token_bytes` limit of 262144 bytes"
        ),
        "{stdout}"
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = Dir::new("bom");
    dir.write("set/org.policy", &format!("\u{feff}{ORG}"));
    let out = policyc(&["check"], &dir.path("set"));
    assert_success(&out);
}

#[test]
fn a_lone_carriage_return_ends_a_line_in_every_format() {
    // The language server protocol's rule (`\n`, `\r\n` or a lone `\r`), so the CLI, its
    // excerpt and the language server all name line 3.
    let dir = Dir::new("cr");
    dir.write(
        "set/org.policy",
        "org acme { engine identity }\r# note\rgroup x {\n",
    );
    let json = policyc(&["check", "--format", "json"], &dir.path("set"));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let d = &value["diagnostics"][0];
    assert_eq!(d["code"], "syntax");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(1)),
        "{d}"
    );
    let label = &d["labels"][0];
    assert_eq!(
        (label["line"].as_u64(), label["column"].as_u64()),
        (Some(3), Some(9)),
        "{d}"
    );
    let human = policyc(&["check"], &dir.path("set"));
    let human = String::from_utf8_lossy(&human.stderr).into_owned()
        + &String::from_utf8_lossy(&human.stdout);
    assert!(human.contains("[org.policy:4:1]"), "{human}");
    assert!(human.contains(" 3 │ group x {"), "{human}");
}

#[test]
fn a_link_stored_in_git_is_not_read_at_a_base_revision() {
    let dir = Dir::new("gitlink");
    let set = dir.path("set");
    dir.write("set/org.policy", ORG);
    symlink("/proc/self/environ", dir.path("set/x.policy")).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&set)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "a link"]);
    // On disk now a regular file; at HEAD a link, which is refused by name, not read.
    std::fs::remove_file(dir.path("set/x.policy")).unwrap();
    dir.write("set/x.policy", "group contractors\n");
    let out = policyc(&["check", "--base", "HEAD", "org.policy", "x.policy"], &set);
    assert_refused(
        &out,
        "`HEAD:x.policy` is not a regular file (a link or a submodule)",
    );
    // Walking the folder at HEAD skips the link.
    let out = policyc(&["check", "--base", "HEAD"], &set);
    assert_success(&out);
}

#[test]
fn a_diagnostic_past_column_65535_renders_in_every_command() {
    let dir = Dir::new("wide");
    dir.write(
        "set/wide.policy",
        &format!("{}org {{\n", " ".repeat(65_536)),
    );
    let set = dir.path("set");
    for args in [
        &["check"][..],
        &["fmt", "--check"],
        &["test"],
        &["graph"],
        &["eval", "--app", "wiki", "--local"],
        &["what-if", "deactivate", "corp"],
    ] {
        let out = policyc(args, &set);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked: {stderr}");
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("[wide.policy:1:65541]"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(" 1 │ …"), "{args:?}: {stderr}");
    }
}

#[test]
fn fmt_keeps_a_byte_order_mark() {
    let dir = Dir::new("fmtbom");
    let file = dir.write("set/org.policy", "\u{feff}org acme {engine identity}\n");
    let out = policyc(&["fmt"], &dir.path("set"));
    assert_success(&out);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "\u{feff}org acme {\n  engine identity\n}\n"
    );
}

#[test]
fn a_plain_file_outside_a_policy_given_by_name_is_not_called_a_link() {
    let dir = Dir::new("byname");
    dir.write(
        "set/idp.policy",
        "idp entra {\n  kind saml\n  issuer \"https://sts.example/\"\n  certificate \"entra.pem\"\n  trust_claims on\n}\n",
    );
    dir.write("set/entra.pem", "not read\n");
    dir.write("set/doc.xml", "<Assertion/>\n");
    let set = dir.path("set");
    let args = ["claims", "inspect", "--saml", "doc.xml", "idp.policy"];
    let out = policyc(&args, &set);
    assert_refused(
        &out,
        "error: `entra.pem` is outside the given paths; policyc reads only files under the paths \
         it is given: give the folder that holds it",
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("link to"));
}
