//! The policyc language server: every diagnostic `policyc check` reports, while you type, for
//! each workspace folder; hover, go to definition, find references, completion, outline, quick
//! fixes, test and what-if code lenses, rename, semantic tokens, inlay hints, highlights,
//! folding and workspace symbols (docs/editor.md). Built on `lsp-server` and `lsp-types`; only
//! this crate knows the protocol's types, and the library does the work.
//!
//! The binary (`policyc-lsp`) runs [`server::run_stdio`]; the modules are public so that the
//! benchmarks can time the work behind `publishDiagnostics` and the requests without the
//! transport.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

/// `eprintln!` that never panics: an editor that closed the server's stderr must not stop it at
/// its next log line (the standard macro panics when stderr is gone).
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod analysis;
pub mod code_lens;
pub mod completion;
pub mod convert;
pub mod features;
pub mod framing;
pub mod hover;
pub mod index;
pub mod inlay_hints;
pub mod line_index;
pub mod navigation;
pub mod rename;
pub mod semantic_tokens;
pub mod server;
pub mod settings;
pub mod tasks;
pub mod uri;
pub mod workspace;
