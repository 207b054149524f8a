//! `policyc lsp`: the alias that runs `policyc-lsp`. The server itself is tested in `lsp/`; here,
//! what the alias does when the server is missing, and (on Unix, with a stand-in script) that
//! it passes arguments, stdio and the exit code through.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn a_missing_server_exits_2_and_says_how_to_install_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .arg("lsp")
        .env("POLICYC_LSP", "/nonexistent/policyc-lsp")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`POLICYC_LSP` names `/nonexistent/policyc-lsp`, which is not a file"),
        "{stderr}"
    );
    assert!(stderr.contains("cargo install --path lsp"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn the_server_gets_the_arguments_and_stdio_and_its_exit_code_is_kept() {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    use std::process::Stdio;

    let dir = std::env::temp_dir().join(format!("policyc-lsp-alias-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = dir.join("fake-policyc-lsp");
    std::fs::write(
        &server,
        "#!/bin/sh\necho \"args: $*\"\nread line\necho \"got: $line\"\nexit 7\n",
    )
    .unwrap();
    std::fs::set_permissions(&server, std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["lsp", "--stdio", "-v"])
        .env("POLICYC_LSP", &server)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Content-Length: 2\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "args: --stdio -v\ngot: Content-Length: 2\n"
    );
}
