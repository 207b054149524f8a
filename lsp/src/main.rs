//! `policyc-lsp`: the policyc language server, on stdin/stdout.

const HELP: &str = "\
policyc-lsp: the policyc language server (Language Server Protocol over stdin/stdout)

Start it from your editor, not by hand: it speaks JSON-RPC on stdin/stdout and logs to stderr.
It checks the workspace folder's `.policy` files as `policyc check` does, as you type.

Usage: policyc-lsp [--stdio]

Options:
      --stdio    Use stdin/stdout (the default and only transport; accepted for editors that pass it)
  -h, --help     Print this help
  -V, --version  Print the version

Editor setup: lsp/editors/ in the policyc repository. `policyc lsp` runs this binary.";

fn main() {
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                return;
            }
            "-V" | "--version" => {
                println!("policyc-lsp {}", env!("CARGO_PKG_VERSION"));
                return;
            }
            "--stdio" => {}
            other => eprintln!("policyc-lsp: ignoring unknown argument `{other}` (see --help)"),
        }
    }
    let code = policyc_lsp::server::run_stdio();
    std::process::exit(code);
}
