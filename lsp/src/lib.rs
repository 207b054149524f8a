//! The policyc language server: every diagnostic `policyc check` reports, while you type, for
//! the whole workspace folder; hover, go to definition, find references, completion, outline,
//! quick fixes and test code lenses. Built on `lsp-server` and `lsp-types`; only this crate
//! knows the protocol's types, and the library does the work.
//!
//! The binary (`policyc-lsp`) runs [`server::run_stdio`]; the modules are public so that the
//! benchmark can time the work behind `publishDiagnostics` without the transport.

pub mod analysis;
pub mod completion;
pub mod convert;
pub mod features;
pub mod framing;
pub mod hover;
pub mod index;
pub mod line_index;
pub mod server;
pub mod uri;
pub mod workspace;
