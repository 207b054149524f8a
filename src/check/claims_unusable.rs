//! `claims-unusable`.
//!
//! **What it does:** finds rules that local authenticators cannot satisfy, where an active
//! trusted IdP's claims would, were it not for the rule's own settings: a method chain, or
//! `methods only`/`except` with a third-party IdP (the SP then ignores third-party claims).
//!
//! **Why it matters:** the rule looks covered by the IdP, but at sign-in the SP challenges locally
//! and the user cannot complete it.
//!
//! **Fix:** use `methods any`, or a requirement instead of a chain, or make the rule satisfiable
//! locally.

use super::support::source_state;
use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::proof::{Unusable, satisfies};
use crate::graph::tables::{Action, Filter, Need, ReqKind};

pub(super) const CHECK: Check = Check {
    codes: &[Code::ClaimsUnusable],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let available = super::support::available(model);
    let mut out = Vec::new();
    for (r, support) in cx.support.rules.iter().enumerate() {
        if support.deny
            || support.local_ok
            || (support.signin_ok && available.any_active)
            || support.can.intersects(&available.trusted)
        {
            continue;
        }
        let (Some(table), Some((_, rule))) =
            (cx.compiled.graph.tables.rules.get(r), cx.rules.get(r))
        else {
            continue;
        };
        let Action::Require(need) = &table.action else {
            continue;
        };
        // The same rule without the settings that block claims.
        let relaxed = Need {
            requirement: relaxed_requirement(need),
            filter: Filter::Any,
            chains: Vec::new(),
            ..need.clone()
        };
        let blocked: Vec<(&str, Unusable)> = cx
            .support
            .sources
            .iter()
            .filter(|s| available.trusted.contains(s.idp.0))
            .filter_map(|s| {
                let why = source_state(cx.compiled, table, need, s).err()?;
                let would = source_state(cx.compiled, table, &relaxed, s).ok()?;
                let idp = model.idp(s.idp)?;
                (need.requirement == ReqKind::Chain || satisfies(would | support.local, &relaxed))
                    .then_some((idp.name.as_str(), why))
            })
            .collect();
        let Some((_, why)) = blocked.first() else {
            continue;
        };
        let loc = match why {
            Unusable::ThirdPartyFilter => rule.methods_loc.unwrap_or(rule.loc),
            _ => match &rule.action {
                crate::model::Action::Require(_, loc) => *loc,
                crate::model::Action::Deny(loc) => *loc,
            },
        };
        let names: Vec<String> = blocked.iter().map(|(n, _)| format!("`{n}`")).collect();
        out.push(
            Diagnostic::new(
                Code::ClaimsUnusable,
                loc,
                format!("{} needs trusted claims, but its settings make the SP ignore them", cx.rule_title(r)),
            )
            .with_label(why.describe())
            .with_related(rule.loc, format!("claims from {} would satisfy it otherwise", names.join(", ")))
            .with_help(match why {
                Unusable::ThirdPartyFilter => "use `methods any` so third-party claims count, or make the rule satisfiable with local authenticators",
                Unusable::Chain => "require factor types instead of a method chain, or activate every method of one chain locally",
                _ => "make the rule satisfiable with local authenticators",
            }),
        );
    }
    out
}

/// A chain has no factor-count equivalent: whether claims would satisfy it is read as whether
/// they would satisfy two factor types.
fn relaxed_requirement(need: &Need) -> ReqKind {
    if need.requirement == ReqKind::Chain {
        ReqKind::TwoFactorTypes
    } else {
        need.requirement
    }
}
