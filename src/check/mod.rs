//! The static checker: checks that run on the compiled model and rule graph, after parsing and
//! name resolution. Each check is a function from a [`Context`] to diagnostics, in its own
//! module, registered in [`CHECKS`]; its documentation is `docs/checks/<code>.md`.

use crate::Compiled;
use crate::diagnostic::{self, Code, Diagnostic};

/// Options that change what the checker reports.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Okta's coarser deactivation rule: refuse only when no other active trusted IdP exists
    /// and some rule requires trusted claims.
    pub okta_compat: bool,
}

/// What every check can read.
pub struct Context<'a> {
    pub compiled: &'a Compiled,
    pub options: &'a CheckOptions,
}

/// One registered check.
pub struct Check {
    /// The codes it can report.
    pub codes: &'static [Code],
    pub run: fn(&Context<'_>) -> Vec<Diagnostic>,
}

/// Every check, in the order they run.
pub static CHECKS: &[Check] = &[];

/// Everything policyc has to say about a compiled policy set: the compiler's diagnostics and
/// every check's, sorted by file and position.
pub fn check(compiled: &Compiled, options: &CheckOptions) -> Vec<Diagnostic> {
    let cx = Context { compiled, options };
    let mut diagnostics = compiled.diagnostics.clone();
    for check in CHECKS {
        diagnostics.extend((check.run)(&cx));
    }
    diagnostic::sort(&mut diagnostics);
    diagnostics
}
