//! `unreachable-idp`.
//!
//! **What it does:** finds rules that need trusted claims (neither the local authenticators nor
//! a bare IdP sign-in satisfy them) and that only IdPs the routing rules never send the rule's
//! users to can satisfy. "Never sends" is [`super::routing`]'s: no sign-in the rule's
//! conditions admit is routed, first match in priority order, to any of those IdPs. A set
//! without routing rules says nothing about routing, and nothing is reported.
//!
//! **Why it matters:** the users the rule applies to are sent to another IdP (or to the Okta
//! sign-in page) whose claims cannot satisfy it; they get through only by picking the right IdP's
//! button or starting at that IdP (an IdP-initiated sign-in). That works, so this is
//! information, but it is rarely what was meant.
//!
//! **Fix:** add a route that sends those users to the IdP (with a lower `priority` number than
//! any route that catches them first), or have an IdP they are routed to assert what the rule
//! needs.

use super::routing::Routing;
use super::support::available;
use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};

pub(super) const CHECK: Check = Check {
    codes: &[Code::UnreachableIdp],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let mut routing = Routing::new(cx.compiled);
    if !routing.any() {
        return Vec::new();
    }
    let now = available(model);
    let mut out = Vec::new();
    for r in 0..cx.support.rules.len() {
        if !cx.support.requires_claims(r) {
            continue;
        }
        let via = cx.support.via(r, &now);
        if via.is_empty() || via.iter().any(|i| routing.routable(&cx.rules, r, *i)) {
            continue;
        }
        let Some((_, rule)) = cx.rules.get(r) else {
            continue;
        };
        let names: Vec<String> = via
            .iter()
            .filter_map(|i| model.idp(*i))
            .map(|i| format!("`{}`", i.name))
            .collect();
        let names = join(&names);
        let mut d = Diagnostic::new(
            Code::UnreachableIdp,
            rule.loc,
            format!(
                "{} can be satisfied only through {names}, where no routing rule sends its users",
                cx.rule_title(r)
            ),
        )
        .with_label(format!("only the claims of {names} satisfy this rule"));
        for i in &via {
            if let Some(idp) = model.idp(*i) {
                d = d.with_related(
                    idp.loc,
                    format!(
                        "no routing rule sends the users of `{}` to `{}`",
                        rule.name, idp.name
                    ),
                );
            }
        }
        out.push(d.with_help(format!(
            "the users this rule applies to are routed to another IdP, or to the Okta sign-in page, and reach {names} only through its button or an IdP-initiated sign-in. If they are meant to sign in there, add a route for them (with a lower `priority` number than any route that catches them first); otherwise have an IdP they are routed to assert what the rule needs ({})",
            cx.need_text(r)
        )));
    }
    out
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
fn join(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
