//! `policyc explain CODE`: the docs/checks.md section of a diagnostic code, compiled in, so it
//! works offline and matches the binary.

use super::{EXIT_CANNOT_RUN, EXIT_OK};
use crate::diagnostic::{Code, Severity, docs};

/// Explain a diagnostic code: what it means, why it matters, a failing and a passing example.
///
/// Prints the section of docs/checks.md for CODE (as in `error[unsatisfiable-rule]`), from the
/// copy built into this binary. Without CODE, lists every code with its default severity.
#[derive(Debug, Clone, clap::Args)]
pub struct ExplainArgs {
    /// The code, e.g. `unsatisfiable-rule` (brackets as printed, `[code]`, are accepted).
    pub code: Option<String>,
}

pub fn run(args: &ExplainArgs) -> u8 {
    let Some(name) = &args.code else {
        for &code in Code::ALL {
            let severity = match code.default_severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            outln!("{:<32} {severity}", code.as_str());
        }
        return EXIT_OK;
    };
    let name = name.trim().trim_start_matches('[').trim_end_matches(']');
    let Some(code) = Code::parse(name) else {
        let names = Code::ALL.iter().map(|c| c.as_str());
        match crate::suggest::closest(name, names) {
            Some(s) => errln!("error: no diagnostic code `{name}`: did you mean `{s}`?"),
            None => {
                errln!("error: no diagnostic code `{name}`; `policyc explain` lists every code")
            }
        }
        return EXIT_CANNOT_RUN;
    };
    match docs::section(code) {
        Some(text) => {
            outln!("{text}");
            if let Some(url) = docs::url(code) {
                outln!("\nOnline: {url}");
            }
            EXIT_OK
        }
        None => {
            errln!("error: `{name}` is not documented in this build (docs/checks.md)");
            EXIT_CANNOT_RUN
        }
    }
}
