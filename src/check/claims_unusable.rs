//! `claims-unusable`.
//!
//! **What it does:** finds rules that need trusted claims (local authenticators and a bare IdP
//! sign-in do not satisfy them) where an active trusted IdP's claims would satisfy them, were it
//! not for a setting that makes the SP ignore those claims: a method chain, `methods only` or
//! `except` with a third-party IdP, or the security question used for MFA (third-party claims,
//! OIDC and SAML alike, then count for knowledge only).
//!
//! **Why it matters:** the rule looks covered by the IdP, but users who sign in there are
//! challenged locally and cannot complete it. When no other IdP satisfies the rule either, it is
//! also reported as `unsatisfiable-rule` (or by the deactivation guard).
//!
//! **Fix:** use `methods any`, require factor types instead of a chain, keep the security
//! question for recovery, or make the rule satisfiable locally.

use super::support::{Source, blocked_by_security_question, source_state};
use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::proof::{Unusable, satisfies};
use crate::graph::tables::{Action, Filter, Need, ReqKind, RuleTable};
use crate::model::catalogue::AuthenticatorKind;
use crate::source::Loc;

pub(super) const CHECK: Check = Check {
    codes: &[Code::ClaimsUnusable],
    run,
};

/// Why a source's claims are ignored by a rule that they would otherwise satisfy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Blocked {
    Settings(Unusable),
    SecurityQuestion,
}

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let available = super::support::available(model);
    let sq_loc = model
        .authenticators
        .iter()
        .find(|a| a.kind == AuthenticatorKind::SecurityQuestion)
        .map(|a| a.loc);
    let mut by_class: std::collections::HashMap<u32, Vec<(&str, Blocked)>> = Default::default();
    let mut out = Vec::new();
    for (r, support) in cx.support.rules.iter().enumerate() {
        if !cx.support.requires_claims(r) {
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
        // What blocks claims depends only on the rule's class.
        let blocked: Vec<(&str, Blocked)> = by_class
            .entry(cx.support.class(r))
            .or_insert_with(|| {
                cx.support
                    .sources
                    .iter()
                    .filter(|s| available.trusted.contains(s.idp.0))
                    .filter_map(|s| {
                        let why = blocked(cx, table, need, s, support.local)?;
                        Some((model.idp(s.idp)?.name.as_str(), why))
                    })
                    .collect()
            })
            .clone();
        let Some((_, why)) = blocked.first() else {
            continue;
        };
        let require_loc = match &rule.action {
            crate::model::Action::Require(_, loc) | crate::model::Action::Deny(loc) => *loc,
        };
        let (loc, label, help): (Loc, &str, &str) = match why {
            Blocked::Settings(Unusable::ThirdPartyFilter) => (
                rule.methods_loc.unwrap_or(rule.loc),
                Unusable::ThirdPartyFilter.describe(),
                "use `methods any` so third-party claims count, or make the rule satisfiable with local authenticators",
            ),
            Blocked::Settings(other) => (
                require_loc,
                other.describe(),
                "require factor types instead of a method chain, or activate every method of one chain locally",
            ),
            Blocked::SecurityQuestion => (
                require_loc,
                "the security question is used for MFA, so third-party claims count for knowledge only",
                "keep the security question for recovery (`used_for recovery`), or make the rule satisfiable with local authenticators",
            ),
        };
        let names: Vec<String> = blocked.iter().map(|(n, _)| format!("`{n}`")).collect();
        let mut d = Diagnostic::new(
            Code::ClaimsUnusable,
            loc,
            format!(
                "{} needs trusted claims, but its settings make the SP ignore them",
                cx.rule_title(r)
            ),
        )
        .with_label(label)
        .with_related(
            rule.loc,
            format!(
                "claims from {} would satisfy it otherwise",
                names.join(", ")
            ),
        )
        .with_help(help);
        if *why == Blocked::SecurityQuestion
            && let Some(sq) = sq_loc
        {
            d = d.with_related(sq, "the security question is used for MFA here");
        }
        out.push(d);
    }
    out
}

/// Why `source`'s claims do not satisfy the rule although they would without the setting that
/// blocks them; `None` when they satisfy it, or would not anyway.
fn blocked(
    cx: &Context<'_>,
    table: &RuleTable,
    need: &Need,
    source: &Source,
    local: u8,
) -> Option<Blocked> {
    match source_state(cx.compiled, table, need, source) {
        Err(why @ (Unusable::ThirdPartyFilter | Unusable::Chain)) => {
            // The same rule without the settings that block claims.
            let requirement = if need.requirement == ReqKind::Chain {
                // A chain has no factor-count equivalent: read it as two factor types.
                ReqKind::TwoFactorTypes
            } else {
                need.requirement
            };
            let relaxed = Need {
                requirement,
                filter: Filter::Any,
                chains: Vec::new(),
                ..need.clone()
            };
            let would = source_state(cx.compiled, table, &relaxed, source).ok()?;
            satisfies(would | local, &relaxed).then_some(Blocked::Settings(why))
        }
        Err(_) => None,
        Ok(state) if satisfies(state | local, need) => None,
        Ok(_) => blocked_by_security_question(cx.compiled, table, need, source, local)
            .then_some(Blocked::SecurityQuestion),
    }
}
