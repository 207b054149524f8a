//! `policyc-lsp`: the policyc language server, on stdin/stdout.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

use std::io::Write as _;

const HELP: &str = "\
policyc-lsp: the policyc language server (Language Server Protocol over stdin/stdout)

Editors start it and talk to it; it is not meant to be run by hand. Diagnostics, hover,
completion, navigation, rename, formatting and what-if lenses for `.policy` files; each
workspace folder is one policy set. Setup for VS Code, Neovim, Helix and Emacs: docs/editor.md.
`policyc lsp` runs this binary.

Usage: policyc-lsp [--stdio]

Options:
      --stdio    Talk over stdin/stdout (the default and only transport)
  -h, --help     Print this help
  -V, --version  Print the version
";

fn main() {
    let mut args = std::env::args().skip(1);
    if let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                // Never a panic when the reader has gone (`policyc-lsp --help | head`).
                let _ = write!(std::io::stdout(), "{HELP}");
                return;
            }
            "-V" | "--version" => {
                let _ = writeln!(
                    std::io::stdout(),
                    "policyc-lsp {}",
                    env!("CARGO_PKG_VERSION")
                );
                return;
            }
            // Editors commonly pass it; stdio is the only transport anyway.
            "--stdio" => {}
            other => {
                policyc_lsp::log!(
                    "error: unexpected argument `{other}`; `policyc-lsp --help` says how to run it"
                );
                std::process::exit(2);
            }
        }
    }
    if let Some(extra) = args.next() {
        policyc_lsp::log!(
            "error: unexpected argument `{extra}`; `policyc-lsp --help` says how to run it"
        );
        std::process::exit(2);
    }
    let code = policyc_lsp::server::run_stdio();
    std::process::exit(code);
}
