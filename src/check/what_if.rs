//! What a change to the org does to everything `check` and `test` say: the change is applied to
//! a copy of the compiled set, which is checked and tested again and compared with the set as
//! it is. `policyc what-if` reports this beside the guard's per-rule explanation, so that
//! what-if cannot allow a change that `check` or `test` would then fail (a route to the IdP, a
//! test signing in with its claims, a session rule).

use super::{CheckOptions, check};
use crate::Compiled;
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::suite::{self, TestResult};
use crate::model::{Feature, IdpId, Status};
use crate::source::{SourceFile, Sources};
use std::collections::HashSet;

/// One change to the org, as `what-if` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// `status inactive` on the IdP.
    Deactivate(IdpId),
    /// The IdP's declaration removed (routes and tests naming it no longer resolve).
    Delete(IdpId),
    /// The claims-sharing feature taken out of the org's `features`.
    Disable(Feature),
}

impl Edit {
    /// The change as the satisfiability engine sees it (a deleted IdP's claims are gone as a
    /// deactivated one's are).
    pub fn change(self) -> super::support::Change {
        use super::support::Change;
        match self {
            Edit::Deactivate(id) | Edit::Delete(id) => Change::Deactivate(id),
            Edit::Disable(f) => Change::Disable(f),
        }
    }
}

/// What `check` and `test` say after the change that they do not say before.
#[derive(Debug, Clone)]
pub struct Aftermath {
    /// The edited set; the positions of its diagnostics are those of the files as they are (a
    /// deleted declaration is blanked, not cut out).
    pub edited: Compiled,
    /// Errors `check` reports on the edited set that it does not report on the set as it is
    /// (a diagnostic is the same when its code, file and message are).
    pub new_errors: Vec<Diagnostic>,
    /// Tests that pass now and fail after the change, with the edited set's failures.
    pub failing_tests: Vec<TestResult>,
}

impl Aftermath {
    /// Whether `check` or `test` would fail after the change where they pass now.
    pub fn refused(&self) -> bool {
        !self.new_errors.is_empty() || !self.failing_tests.is_empty()
    }

    /// New errors other than the guard's own (`deactivation-refused`,
    /// `feature-disable-refused`), which the guard's verdict explains rule by rule.
    pub fn beyond_guard(&self) -> impl Iterator<Item = &Diagnostic> {
        self.new_errors.iter().filter(|d| {
            !matches!(
                d.code,
                Code::DeactivationRefused | Code::FeatureDisableRefused
            )
        })
    }
}

/// `what-if`'s answer on one change: the guard's per-rule verdict and what `check` and `test`
/// would say after it. `policyc what-if` and the language server's what-if both give this.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub guard: super::Guard,
    pub after: Aftermath,
    /// policyc's rule: some rule breaks, or `check` (exact) or `test` would fail after it.
    pub refused: bool,
    /// Okta's rule for the guard (`--okta-compat`); any other new error or failing test still
    /// refuses, as `check --okta-compat` and `test` would fail.
    pub okta_refuses: bool,
}

/// The verdict on `edit` applied to the org as it is (`support` is `Support::build(compiled)`).
pub fn verdict(compiled: &Compiled, support: &super::support::Support, edit: Edit) -> Verdict {
    verdict_all(compiled, support, edit, &[])
}

/// The verdict on `edit` and `more` edits made together.
pub fn verdict_all(
    compiled: &Compiled,
    support: &super::support::Support,
    edit: Edit,
    more: &[Edit],
) -> Verdict {
    let changes: Vec<_> = more.iter().map(|e| e.change()).collect();
    let guard = super::guard_all(compiled, support, edit.change(), &changes);
    let edits: Vec<Edit> = std::iter::once(edit).chain(more.iter().copied()).collect();
    let after = aftermath(compiled, &edits, &CheckOptions::default());
    let beyond = after.beyond_guard().next().is_some() || !after.failing_tests.is_empty();
    Verdict {
        refused: guard.refused || after.refused(),
        okta_refuses: guard.okta_refuses || beyond,
        guard,
        after,
    }
}

/// `compiled` with `edits` applied, compiled and resolved again.
pub fn apply(compiled: &Compiled, edits: &[Edit]) -> Compiled {
    let model = &compiled.model;
    let deleted: Vec<&str> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::Delete(id) => model.idp(*id).map(|i| i.name.as_str()),
            _ => None,
        })
        .collect();
    // IdPs are named in the edited model by name: a deletion renumbers the IdPs after it.
    let deactivated: Vec<String> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::Deactivate(id) => model.idp(*id).map(|i| i.name.clone()),
            _ => None,
        })
        .collect();
    let mut edited = if deleted.is_empty() {
        compiled.clone()
    } else {
        crate::compile(blank_idps(compiled, &deleted))
    };
    for idp in &mut edited.model.idps {
        if deactivated.contains(&idp.name) {
            idp.status = Status::Inactive;
        }
    }
    if let Some(org) = &mut edited.model.org {
        for edit in edits {
            if let Edit::Disable(f) = *edit {
                org.features = org.features.without(f);
                org.feature_locs.retain(|(g, _)| *g != f);
            }
        }
    }
    edited.graph = crate::graph::RuleGraph::build(&edited.model);
    edited
}

/// The sources with the declarations of the IdPs named in `names` replaced by spaces (line
/// breaks kept), so that every other position stays where it was.
fn blank_idps(compiled: &Compiled, names: &[&str]) -> Sources {
    let mut out = Sources::new();
    for ((_, file), ast) in compiled.sources.iter().zip(&compiled.asts) {
        let mut text = file.text.clone().into_bytes();
        for item in &ast.items {
            let crate::syntax::ast::Item::Idp(idp) = item else {
                continue;
            };
            if !names.contains(&idp.name.text.as_str()) {
                continue;
            }
            let (start, end) = (idp.span.start as usize, idp.span.end as usize);
            if let Some(bytes) = text.get_mut(start..end) {
                for b in bytes.iter_mut().filter(|b| !b.is_ascii_whitespace()) {
                    // Whole UTF-8 sequences are replaced, each byte by one space.
                    *b = b' ';
                }
            }
        }
        let text = String::from_utf8(text).unwrap_or_else(|_| file.text.clone());
        out.add(SourceFile::new(file.name.clone(), text));
    }
    out
}

/// What `check` (with `options`) and `test` say after `edits` that they do not say now.
pub fn aftermath(compiled: &Compiled, edits: &[Edit], options: &CheckOptions) -> Aftermath {
    let edited = apply(compiled, edits);
    let key = |d: &Diagnostic, c: &Compiled| {
        (
            d.code,
            c.sources.name(d.primary.loc.file).to_owned(),
            d.message.clone(),
        )
    };
    let before: HashSet<_> = check(compiled, options)
        .iter()
        .filter(|d| d.is_error())
        .map(|d| key(d, compiled))
        .collect();
    let new_errors = check(&edited, options)
        .into_iter()
        .filter(|d| d.is_error() && !before.contains(&key(d, &edited)))
        .collect();
    // Tests by title: a deletion may drop a test that names the IdP (an error `check` reports).
    let passing: HashSet<&str> = suite::run_all(compiled)
        .iter()
        .filter(|r| r.passed())
        .filter_map(|r| compiled.model.tests.get(r.test).map(|t| t.title.as_str()))
        .collect();
    let failing_tests = suite::run_all(&edited)
        .into_iter()
        .filter(|r| {
            !r.passed()
                && edited
                    .model
                    .tests
                    .get(r.test)
                    .is_some_and(|t| passing.contains(t.title.as_str()))
        })
        .collect();
    Aftermath {
        edited,
        new_errors,
        failing_tests,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(text: &str) -> Compiled {
        let mut sources = Sources::new();
        sources.add(SourceFile::new("t.policy", text));
        crate::compile(sources)
    }

    const ORG: &str = "org o { engine identity  features [third_party_claims_sharing] }\n\
        app a\nauthenticator password\n\
        idp x { kind oidc  trust_claims true  asserts [pwd, otp] }\n\
        idp y { kind oidc  trust_claims true  asserts [pwd] }\n\
        route r { when domain in [\"x.example\"]  to y }\n\
        policy p { apps [a]  rule r { require password } }\n";

    #[test]
    fn deleting_blanks_the_declaration_and_keeps_positions() {
        let compiled = compile(ORG);
        let edited = apply(&compiled, &[Edit::Delete(IdpId(0))]);
        let text = &edited
            .sources
            .get(crate::source::FileId(0))
            .map(|f| f.text.clone());
        let text = text.as_deref().unwrap_or_default();
        assert_eq!(text.len(), ORG.len());
        assert!(!text.contains("idp x"), "{text}");
        assert!(text.contains("idp y"), "{text}");
        assert_eq!(edited.model.idps.len(), 1);
        assert_eq!(edited.model.idps[0].name, "y");
    }

    #[test]
    fn deactivating_a_route_target_is_a_new_error() {
        let compiled = compile(ORG);
        let after = aftermath(
            &compiled,
            &[Edit::Deactivate(IdpId(1))],
            &CheckOptions::default(),
        );
        let codes: Vec<&str> = after.new_errors.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["route-to-inactive-idp"]);
        assert!(after.refused());
        let after = aftermath(
            &compiled,
            &[Edit::Deactivate(IdpId(0))],
            &CheckOptions::default(),
        );
        assert!(after.new_errors.is_empty(), "{:?}", after.new_errors);
        assert!(!after.refused());
    }

    #[test]
    fn deleting_a_route_target_leaves_the_route_dangling() {
        let compiled = compile(ORG);
        let after = aftermath(
            &compiled,
            &[Edit::Delete(IdpId(1))],
            &CheckOptions::default(),
        );
        let found: Vec<(&str, &str)> = after
            .new_errors
            .iter()
            .map(|d| (d.code.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "unknown-reference");
    }
}
