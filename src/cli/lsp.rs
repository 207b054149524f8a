//! `policyc lsp`: runs the language server, `policyc-lsp`, a binary of its own crate (`lsp/`).
//!
//! The server depends on this library; this library does not depend on the server. So the alias
//! finds the server's binary and runs it, rather than linking it: next to the running `policyc`
//! first (where `cargo install` and `cargo build` put both), then on `PATH`. `POLICYC_LSP`
//! overrides the search.

use super::EXIT_CANNOT_RUN;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The language server's binary name (without the platform's executable suffix).
pub const SERVER: &str = "policyc-lsp";
/// The environment variable that names the server binary to run, overriding the search.
pub const SERVER_ENV: &str = "POLICYC_LSP";

/// Run the language server (`policyc-lsp`) over stdio, for editors.
///
/// Looks for `policyc-lsp` next to `policyc`, then on PATH (or runs the binary named by
/// `POLICYC_LSP`), passes every argument on to it, and exits with its exit code.
#[derive(Debug, Clone, clap::Args)]
#[command(disable_help_flag = true)]
pub struct LspArgs {
    /// Arguments passed on to `policyc-lsp`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

pub fn run(args: &LspArgs) -> u8 {
    let server = match find_server() {
        Ok(server) => server,
        Err(err) => {
            errln!("error: {err}");
            errln!(
                "help: install the language server with `cargo install --path lsp` from a clone of \
                 policyc (it goes next to `policyc`), or set `{SERVER_ENV}` to its path"
            );
            return EXIT_CANNOT_RUN;
        }
    };
    let mut command = std::process::Command::new(&server);
    command.args(&args.args);
    exec(&mut command, &server)
}

/// Where the server binary is: `POLICYC_LSP`, next to the current executable, or on `PATH`.
fn find_server() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(SERVER_ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "`{SERVER_ENV}` names `{}`, which is not a file",
                path.display()
            ))
        };
    }
    let name = format!("{SERVER}{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&name)));
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join(&name));
    beside
        .into_iter()
        .chain(on_path)
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| format!("cannot find `{name}` next to `policyc` or on PATH"))
}

/// Replaces this process with the server, so that signals and stdio go straight to it.
#[cfg(unix)]
fn exec(command: &mut std::process::Command, server: &Path) -> u8 {
    use std::os::unix::process::CommandExt;
    let err = command.exec();
    errln!("error: cannot run `{}`: {err}", server.display());
    EXIT_CANNOT_RUN
}

/// Runs the server with this process's stdio and passes its exit code through.
#[cfg(not(unix))]
fn exec(command: &mut std::process::Command, server: &Path) -> u8 {
    match command.status() {
        Ok(status) => status
            .code()
            .and_then(|code| u8::try_from(code).ok())
            .unwrap_or(super::EXIT_FAILED),
        Err(err) => {
            errln!("error: cannot run `{}`: {err}", server.display());
            EXIT_CANNOT_RUN
        }
    }
}
