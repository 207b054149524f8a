//! The static checker: checks that run on the compiled model and rule graph, after parsing and
//! name resolution. Each check is a function from a [`Context`] to diagnostics, in its own
//! module, registered in [`CHECKS`]; docs/checks.md documents every code it reports, with a
//! failing and a passing example that tests/docs.rs runs.

pub mod allow;
pub mod support;
pub mod what_if;

mod app_without_policy;
mod asserts_nothing;
mod biometric;
mod certificate_expired;
mod claims_unusable;
mod custom_authenticator;
mod guard;
mod legacy_amr;
mod mfa_only;
mod reauth_not_enforced;
mod routes;
pub mod routing;
mod shadowed_rule;
mod unreachable_idp;
mod unsatisfiable;

use crate::Compiled;
use crate::diagnostic::{self, Code, Diagnostic};
use crate::model::{Rule, RuleOwner};
use support::Support;

pub use guard::{Guard, guard, guard_all, note};

/// Options that change what the checker reports.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Okta's coarser deactivation rule: refuse only when no other active trusted IdP exists
    /// and some rule requires trusted claims.
    pub okta_compat: bool,
    /// The policy set at an earlier revision: IdPs trusted there and deleted (or no longer
    /// trusting claims) here are guarded like deactivations.
    pub base: Option<std::sync::Arc<Base>>,
    /// The IdPs' `certificate` and `metadata` files, read by the caller (the library does no
    /// IO), by the paths [`certificate_files`] gives. A file not here is not checked.
    pub files: std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>,
    /// The instant (Unix seconds) certificates are checked at; the clock when `None`.
    pub now: Option<u64>,
    /// `--allow`, `--warn`, `--deny`: applied last, after inline allows.
    pub levels: allow::Levels,
}

pub use certificate_expired::certificate_files;

/// A policy set to compare with, such as the one at a git revision.
#[derive(Debug)]
pub struct Base {
    /// How to name it in messages (`main`, `HEAD~1`).
    pub name: String,
    pub compiled: Compiled,
}

/// What every check can read.
pub struct Context<'a> {
    pub compiled: &'a Compiled,
    pub options: &'a CheckOptions,
    /// Which sources can satisfy each rule.
    pub support: Support,
    /// Every rule, in the rule graph's order (the index of `support.rules` and of the graph's
    /// rule tables).
    pub rules: Vec<(RuleOwner, &'a Rule)>,
}

impl<'a> Context<'a> {
    pub fn new(compiled: &'a Compiled, options: &'a CheckOptions) -> Context<'a> {
        Context {
            compiled,
            options,
            support: Support::build(compiled),
            rules: compiled.model.rules().collect(),
        }
    }

    /// "rule `r` of policy `p`" or "rule `r` of the global session policy `s`".
    pub fn rule_title(&self, r: usize) -> String {
        let Some((owner, rule)) = self.rules.get(r) else {
            return "a rule".to_owned();
        };
        let model = &self.compiled.model;
        match owner {
            RuleOwner::Session(p) => format!(
                "rule `{}` of the global session policy `{}`",
                rule.name,
                model
                    .session_policies
                    .get(*p as usize)
                    .map_or("?", |p| p.name.as_str())
            ),
            RuleOwner::App(p) => format!(
                "rule `{}` of policy `{}`",
                rule.name,
                model
                    .policies
                    .get(p.index())
                    .map_or("?", |p| p.name.as_str())
            ),
        }
    }

    /// The requirement of rule `r` in words.
    pub fn need_text(&self, r: usize) -> String {
        match self.compiled.graph.tables.rules.get(r).map(|t| &t.action) {
            Some(crate::graph::tables::Action::Require(need)) => {
                crate::graph::proof::describe_need(need)
            }
            _ => "nothing (it denies)".to_owned(),
        }
    }
}

/// One registered check.
pub struct Check {
    /// The codes it can report.
    pub codes: &'static [Code],
    pub run: fn(&Context<'_>) -> Vec<Diagnostic>,
}

/// Every check, in the order they run.
pub static CHECKS: &[Check] = &[
    unsatisfiable::CHECK,
    guard::CHECK,
    claims_unusable::CHECK,
    reauth_not_enforced::CHECK,
    shadowed_rule::CHECK,
    mfa_only::CHECK,
    biometric::CHECK,
    certificate_expired::CHECK,
    legacy_amr::CHECK,
    custom_authenticator::CHECK,
    routes::CHECK,
    asserts_nothing::CHECK,
    unreachable_idp::CHECK,
    app_without_policy::CHECK,
];

/// Everything policyc has to say about a compiled policy set: the compiler's diagnostics and
/// every check's, sorted by file and position. Checks need a resolved `org`; without one only
/// the compiler's diagnostics are returned (`missing-org` among them).
pub fn check(compiled: &Compiled, options: &CheckOptions) -> Vec<Diagnostic> {
    check_with_support(compiled, options).0
}

/// [`check`], also handing back the satisfiability engine's result it computed (`None` without
/// an `org`), for callers that go on to ask it about rules (the language server's hover).
pub fn check_with_support(
    compiled: &Compiled,
    options: &CheckOptions,
) -> (Vec<Diagnostic>, Option<Support>) {
    let mut diagnostics = compiled.diagnostics.clone();
    let mut support = None;
    if compiled.model.org.is_some() {
        let cx = Context::new(compiled, options);
        for check in CHECKS {
            // What the checker says about a block that lost a setting to a syntax error may
            // follow from the missing setting: the syntax error is the one to fix.
            diagnostics.extend((check.run)(&cx).into_iter().filter(|d| {
                !std::iter::once(&d.primary)
                    .chain(&d.related)
                    .any(|l| crate::in_damaged(&compiled.asts, l.loc))
            }));
        }
        support = Some(cx.support);
    }
    // Suppressions last: inline `# policyc: allow(..)` comments, then the level flags.
    let diagnostics = allow::apply_inline(compiled, diagnostics);
    let mut diagnostics = options.levels.apply(diagnostics);
    diagnostic::sort(&mut diagnostics);
    (diagnostics, support)
}
