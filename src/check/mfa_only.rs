//! `mfa-only-with-constraints`.
//!
//! **What it does:** finds IdPs that trust claims and assert `mfa`, and rules with possession
//! constraints that such an IdP cannot satisfy, but would without the constraints, and only
//! thanks to `mfa`: the claims (with the local authenticators the rule allows) meet the bare
//! requirement with `mfa` and not without it.
//!
//! **Why it matters:** `mfa` says that the user did MFA at the IdP, not with what. It satisfies
//! `2 factor_types` and the session policy's `mfa`, but nothing with a possession constraint
//! (docs/evaluation.md). The IdP looks like it covers the rule, yet users who sign in there are challenged
//! locally for a constrained possession factor.
//!
//! **Fix:** have the IdP send the possession value the user really used (`hwk`, `phr`, ...) and
//! assert it, or drop the rule's possession constraints if they are not needed.

use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::proof::{MFA, Proof, State, satisfies};
use crate::graph::tables::{Action, Need, ReqKind, methods_of};
use crate::model::catalogue::{Amr, Characteristics};
use crate::model::{AssertedValue, IdpId};

pub(super) const CHECK: Check = Check {
    codes: &[Code::MfaOnlyWithConstraints],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let mut out = Vec::new();
    for source in &cx.support.sources {
        let Some(idp) = model.idp(source.idp) else {
            continue;
        };
        let Some(mfa) = idp
            .asserts
            .iter()
            .find(|a| a.value == AssertedValue::Amr(Amr::Mfa))
        else {
            continue;
        };
        let rules: Vec<usize> = (0..cx.support.rules.len())
            .filter(|&r| only_mfa_falls_short(cx, r, source.idp))
            .collect();
        let Some(&first) = rules.first() else {
            continue;
        };
        let message = if rules.len() == 1 {
            format!(
                "`mfa` from IdP `{}` cannot meet the possession constraints of {}",
                idp.name,
                cx.rule_title(first)
            )
        } else {
            format!(
                "`mfa` from IdP `{}` cannot meet the possession constraints of {} rules",
                idp.name,
                rules.len()
            )
        };
        let mut d = Diagnostic::new(Code::MfaOnlyWithConstraints, mfa.loc, message)
            .with_label("satisfies no rule with possession constraints");
        for &r in &rules {
            if let Some((_, rule)) = cx.rules.get(r) {
                d = d.with_related(
                    rule.loc,
                    format!(
                        "{} needs {}; `{}` would satisfy it through `mfa` only without the constraints",
                        cx.rule_title(r),
                        cx.need_text(r),
                        idp.name
                    ),
                );
            }
        }
        out.push(d.with_help(
            "`mfa` says that the user did MFA at the IdP, not with what, so it counts for no possession constraint. Assert (and have the IdP send) the possession value the user really uses, such as `hwk` or `phr`, or drop the rule's possession constraints",
        ));
    }
    out
}

/// Whether IdP `idp` cannot satisfy rule `r`, but would without its possession constraints, and
/// only thanks to `mfa`.
fn only_mfa_falls_short(cx: &Context<'_>, r: usize, idp: IdpId) -> bool {
    let (Some(support), Some(table), Some(source)) = (
        cx.support.rules.get(r),
        cx.compiled.graph.tables.rules.get(r),
        cx.support.source(idp),
    ) else {
        return false;
    };
    let Action::Require(need) = &table.action else {
        return false;
    };
    if support.deny
        || !need.constrained
        || need.requirement == ReqKind::Chain
        || support.can.contains(idp.0)
    {
        return false;
    }
    let relaxed = Need {
        constrained: false,
        required: Characteristics::EMPTY,
        exclude_phone_email: false,
        ..need.clone()
    };
    let Ok(claims) = super::support::source_state(cx.compiled, table, &relaxed, source) else {
        return false;
    };
    let local = local_state(cx, &relaxed);
    claims & MFA != 0
        && satisfies(claims | local, &relaxed)
        && !satisfies((claims & !MFA) | local, &relaxed)
}

/// What the local methods the rule allows prove together under `need`.
fn local_state(cx: &Context<'_>, need: &Need) -> State {
    methods_of(cx.compiled.graph.tables.local)
        .filter(|m| need.filter.allows(*m))
        .fold(0, |acc, m| acc | Proof::local(m).state(need))
}
