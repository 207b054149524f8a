//! `policyc-lsp`: the policyc language server, on stdin/stdout.

fn main() {
    let code = policyc_lsp::server::run_stdio();
    std::process::exit(code);
}
