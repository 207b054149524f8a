//! `unsatisfiable-rule` and `session-mfa-unsatisfiable`.
//!
//! **What it does:** finds rules that nothing can satisfy: not the local authenticators the rule
//! allows, and not those together with the claims of any IdP that trusts claims, even if every
//! such IdP were active.
//!
//! **Why it matters:** users who hit such a rule cannot sign in at all; Okta reports it only at
//! sign-in time, as an error page.
//!
//! **Fix:** activate (or allow enrollment in) a local authenticator that provides what is
//! missing, relax the rule, or trust an IdP that asserts it. Rules that only an *inactive* IdP
//! or a switched-off feature could satisfy are reported by the deactivation guard instead, and
//! so are (with `check --base`) rules that an IdP deleted since the base would satisfy.

use super::support::{Source, available, source_state};
use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::tables::{Action, Bits, ReqKind};
use crate::model::{IdpId, RuleOwner};

pub(super) const CHECK: Check = Check {
    codes: &[Code::UnsatisfiableRule, Code::SessionMfaUnsatisfiable],
    run,
};

/// At most this many IdPs are listed with why they fall short.
const LISTED: usize = 5;

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    // Every IdP that trusts claims, whatever its status or feature.
    let trusting = Bits::from_ids(
        model
            .idps
            .iter()
            .enumerate()
            .filter(|(_, i)| i.trust_claims)
            .map(|(i, _)| i as u32),
    );
    // IdPs that do not trust claims, read once: whether their claims would complete a rule is
    // the likeliest fix to suggest.
    let untrusted: Vec<Source> = model
        .idps
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.trust_claims)
        .map(|(n, _)| Source::of(model, IdpId(n as u32)))
        .collect();
    // With `--base`, a rule that an IdP deleted (or no longer trusted) since the base would
    // satisfy is reported once, as that change (`deactivation-refused`), not also here.
    let removed: std::collections::HashSet<usize> = match &cx.options.base {
        Some(base) => super::guard::removed_and_broken(cx, base, &available(model))
            .into_iter()
            .flat_map(|(_, broken)| broken)
            .collect(),
        None => Default::default(),
    };
    let mut by_class: std::collections::HashMap<u32, Vec<&str>> = Default::default();
    let mut out = Vec::new();
    for (r, support) in cx.support.rules.iter().enumerate() {
        if removed.contains(&r) {
            continue;
        }
        // A sign-in at any declared IdP counts as "IdP" when it is active.
        let signin = support.signin_ok && !model.idps.is_empty();
        if support.deny || support.local_ok || signin || support.can.intersects(&trusting) {
            continue;
        }
        let Some((owner, rule)) = cx.rules.get(r) else {
            continue;
        };
        let session_mfa = matches!(owner, RuleOwner::Session(_))
            && matches!(
                cx.compiled.graph.tables.rules.get(r).map(|t| &t.action),
                Some(Action::Require(need)) if need.requirement == ReqKind::Mfa
            );
        let (code, message) = if session_mfa {
            (
                Code::SessionMfaUnsatisfiable,
                format!(
                    "{} requires MFA that no local authenticator or trusted IdP can provide",
                    cx.rule_title(r)
                ),
            )
        } else {
            (
                Code::UnsatisfiableRule,
                format!("{} cannot be satisfied", cx.rule_title(r)),
            )
        };
        let mut d = Diagnostic::new(code, rule.loc, message)
            .with_label(format!("requires {}", cx.need_text(r)));
        let local = cx
            .support
            .local_shortfall(cx.compiled, r)
            .unwrap_or_default();
        let mut help = format!("local authenticators allowed here: {local}");
        // No trusted IdP completes this rule, so every one falls short: word only those listed.
        let listed: Vec<(IdpId, String)> = cx
            .support
            .sources
            .iter()
            .take(LISTED)
            .filter_map(|s| {
                cx.support
                    .shortfall(cx.compiled, r, s.idp)
                    .map(|why| (s.idp, why))
            })
            .collect();
        let untrusting: Vec<&str> = by_class
            .entry(cx.support.class(r))
            .or_insert_with(|| {
                untrusted
                    .iter()
                    .filter(|s| would_satisfy(cx, r, s, support.local))
                    .filter_map(|s| model.idp(s.idp).map(|i| i.name.as_str()))
                    .collect()
            })
            .clone();
        for name in &untrusting {
            if let Some((_, i)) = model.idp_named(name) {
                d = d.with_related(
                    i.loc,
                    format!("`{name}` asserts what is needed, but does not trust claims (`trust_claims` is off)"),
                );
            }
        }
        if listed.is_empty() && untrusting.is_empty() {
            help.push_str("; no IdP trusts claims");
        }
        for (idp, why) in &listed {
            if let Some(i) = model.idp(*idp) {
                d = d.with_related(i.loc, format!("`{}` falls short: {why}", i.name));
            }
        }
        if cx.support.sources.len() > LISTED {
            help.push_str(&format!(
                "; {} more IdPs fall short",
                cx.support.sources.len() - LISTED
            ));
        }
        help.push_str(
            ". Activate a local authenticator that provides what is missing, relax the rule, or trust an IdP that asserts it",
        );
        out.push(d.with_help(help));
    }
    out
}

/// Whether `source`'s claims, were they trusted, would complete rule `r`.
fn would_satisfy(cx: &Context<'_>, r: usize, source: &Source, local: u8) -> bool {
    let Some(table) = cx.compiled.graph.tables.rules.get(r) else {
        return false;
    };
    let Action::Require(need) = &table.action else {
        return false;
    };
    source_state(cx.compiled, table, need, source)
        .is_ok_and(|state| crate::graph::proof::satisfies(state | local, need))
}
