//! The deactivation guard: `deactivation-refused` and `feature-disable-refused`.
//!
//! **What it does:** an IdP with trust claims on that is `status inactive`, or a claims-sharing
//! feature that is off while IdPs of its kind trust claims, is treated as a deactivation (or a
//! switch-off) of the org as it would otherwise be. It is refused when afterwards some rule is
//! unsatisfiable: no remaining active trusted IdP can, with the local authenticators, satisfy it.
//!
//! **Why it matters:** Okta refuses such a change only by a coarser rule (another active trusted
//! IdP exists, or no policy requires trusted claims), which lets through an IdP that can never
//! satisfy the rule. Users then meet an error at sign-in.
//!
//! **Fix:** reactivate the IdP (or the feature), or give each listed rule another way to be
//! satisfied: a local authenticator, or another trusted IdP that asserts what it needs.
//! `--okta-compat` applies Okta's rule instead and says where the two disagree.

use super::Base;
use super::support::{Change, Impact, Scenario, Source, Support, available, scenario, state_of};
use super::{Check, Context};
use crate::Compiled;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::proof::satisfies;
use crate::graph::tables::Action;
use crate::model::{Feature, IdpId, Status};

pub(super) const CHECK: Check = Check {
    codes: &[Code::DeactivationRefused, Code::FeatureDisableRefused],
    run,
};

/// At most this many other IdPs are listed for each broken rule.
const LISTED: usize = 3;

/// The verdict on one change, by policyc's exact rule and by Okta's.
#[derive(Debug, Clone)]
pub struct Guard {
    pub change: Change,
    pub impact: Impact,
    /// policyc's rule: refused when some rule breaks.
    pub refused: bool,
    /// Okta's rule: refused unless another active trusted IdP exists or no rule requires
    /// trusted claims.
    pub okta_refuses: bool,
}

/// The verdict on `change` applied to the org as it is.
pub fn guard(compiled: &Compiled, support: &Support, change: Change) -> Guard {
    guard_all(compiled, support, change, &[])
}

/// The verdict on `change` and `more` changes made together (`change` names the verdict).
pub fn guard_all(compiled: &Compiled, support: &Support, change: Change, more: &[Change]) -> Guard {
    let all: Vec<Change> = std::iter::once(change)
        .chain(more.iter().copied())
        .collect();
    let impact = support.impact_of_all(compiled, &all);
    let refused = !impact.broken.is_empty();
    let any_requires_claims = (0..support.rules.len()).any(|r| support.requires_claims(r));
    let okta_refuses = any_requires_claims && impact.after.trusted.fold() == 0;
    Guard {
        change,
        impact,
        refused,
        okta_refuses,
    }
}

/// Why `change` changes nothing, if it does not: the IdP does not trust claims or is already
/// inactive, its claims already do not count, the feature is already off.
pub fn note(model: &crate::model::Model, change: Change) -> Option<String> {
    match change {
        Change::Deactivate(id) => model.idp(id).and_then(|idp| {
            if !idp.trust_claims {
                Some(format!(
                    "`{}` does not trust claims: no rule depends on its claims",
                    idp.name
                ))
            } else if idp.status == Status::Inactive {
                Some(format!("`{}` is already inactive", idp.name))
            } else if !model.features().covers(idp.kind) {
                Some(format!(
                    "`{}`'s claims already do not count: its kind's claims-sharing feature is off",
                    idp.name
                ))
            } else {
                None
            }
        }),
        Change::Disable(f) => {
            (!model.features().has(f)).then(|| format!("`{}` is already off", f.as_str()))
        }
    }
}

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let Some(org) = &model.org else {
        return Vec::new();
    };
    let features = model.features();
    let now = available(model);
    // Okta's rule refuses when no other active trusted IdP remains and some rule needs claims.
    let okta_refuses = now.trusted.fold() == 0 && requires_claims(cx);
    let mut out = Vec::new();

    // Each inactive IdP that trusts claims: what would its deactivation from active break? An
    // IdP whose feature is off too counts as deactivated: turning the feature back on alone
    // would not bring it back, so the feature check below does not cover it.
    for (i, idp) in model.idps.iter().enumerate() {
        if !(idp.trust_claims && idp.status == Status::Inactive) {
            continue;
        }
        let id = IdpId(i as u32);
        let mut with = now.clone();
        with.trusted.insert(id.0);
        with.any_active = true;
        let broken = broken_rules(cx, &with, &now);
        let (refuse, okta_refuses) = verdict(cx, &broken, okta_refuses);
        if !refuse {
            continue;
        }
        let loc = idp.status_loc.unwrap_or(idp.loc);
        let mut d = Diagnostic::new(
            Code::DeactivationRefused,
            loc,
            match broken.len() {
                0 => format!("deactivating IdP `{}` is refused by Okta's rule", idp.name),
                1 => format!(
                    "deactivating IdP `{}` leaves 1 rule unsatisfiable",
                    idp.name
                ),
                n => format!(
                    "deactivating IdP `{}` leaves {n} rules unsatisfiable",
                    idp.name
                ),
            },
        )
        .with_label(format!(
            "`{}` was the only way to satisfy {}",
            idp.name,
            plural(broken.len())
        ));
        d = add_broken(cx, d, &broken, &now);
        let mut help = format!(
            "set `status active` on `{}` again, or give {} another way to be satisfied: a local authenticator, or another trusted IdP that asserts what {} needs",
            idp.name,
            if broken.len() == 1 {
                "this rule"
            } else {
                "these rules"
            },
            if broken.len() == 1 { "it" } else { "each" },
        );
        if !features.covers(idp.kind) {
            help.push_str(&format!(
                ", and turn `{}` on: its claims count only with that feature",
                Feature::of(idp.kind).as_str()
            ));
        }
        help.push_str(&disagreement(cx, broken.is_empty(), okta_refuses, &now));
        out.push(d.with_help(help));
    }

    // With a base revision: IdPs trusted there that are gone here, or no longer trust claims.
    if let Some(base) = &cx.options.base {
        out.extend(removed_since_base(cx, base, &now));
    }

    // Each feature that is off while IdPs of its kind trust claims.
    for feature in Feature::ALL {
        if features.has(feature) {
            continue;
        }
        let governed: Vec<IdpId> = model
            .idps
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                i.trust_claims && i.status == Status::Active && Feature::of(i.kind) == feature
            })
            .map(|(n, _)| IdpId(n as u32))
            .collect();
        if governed.is_empty() {
            continue;
        }
        let with_feature = scenario(model, features.with(feature), &[]);
        let broken = broken_rules(cx, &with_feature, &now);
        let (refuse, okta_refuses) = verdict(cx, &broken, okta_refuses);
        if !refuse {
            continue;
        }
        let loc = org.features_loc.unwrap_or(org.loc);
        let mut d = Diagnostic::new(
            Code::FeatureDisableRefused,
            loc,
            format!(
                "claims-sharing feature `{}` is off, which leaves {} unsatisfiable",
                feature.as_str(),
                plural(broken.len())
            ),
        )
        .with_label(format!(
            "`{}` is not in the org's features",
            feature.as_str()
        ));
        for idp in &governed {
            if let Some(i) = model.idp(*idp) {
                d = d.with_related(
                    i.loc,
                    format!(
                        "`{}` trusts claims, which do not count while `{}` is off",
                        i.name,
                        feature.as_str()
                    ),
                );
            }
        }
        d = add_broken(cx, d, &broken, &now);
        let mut help = format!("add `{}` to the org's `features`", feature.as_str());
        help.push_str(&disagreement(cx, broken.is_empty(), okta_refuses, &now));
        out.push(d.with_help(help));
    }
    out
}

/// Rules satisfiable with the IdPs of `before` and not with those of `after`.
fn broken_rules(cx: &Context<'_>, before: &Scenario, after: &Scenario) -> Vec<usize> {
    (0..cx.support.rules.len())
        .filter(|&r| cx.support.satisfiable(r, before) && !cx.support.satisfiable(r, after))
        .collect()
}

/// Whether to refuse, by the rule in force (`--okta-compat` or policyc's), and Okta's verdict.
fn verdict(cx: &Context<'_>, broken: &[usize], okta_refuses: bool) -> (bool, bool) {
    let refuse = if cx.options.okta_compat {
        okta_refuses
    } else {
        !broken.is_empty()
    };
    (refuse, okta_refuses)
}

fn requires_claims(cx: &Context<'_>) -> bool {
    (0..cx.support.rules.len()).any(|r| cx.support.requires_claims(r))
}

/// A related label per broken rule: what it needs and why each remaining IdP falls short.
fn add_broken(
    cx: &Context<'_>,
    mut d: Diagnostic,
    broken: &[usize],
    remaining: &Scenario,
) -> Diagnostic {
    let model = &cx.compiled.model;
    for &r in broken {
        let Some((_, rule)) = cx.rules.get(r) else {
            continue;
        };
        let others: Vec<String> = cx
            .support
            .sources
            .iter()
            .filter(|s| remaining.trusted.contains(s.idp.0))
            .filter_map(|s| {
                let why = cx.support.shortfall(cx.compiled, r, s.idp)?;
                Some(format!("`{}`: {why}", model.idp(s.idp)?.name))
            })
            .collect();
        let considered = match others.len() {
            0 => "no other active IdP trusts claims".to_owned(),
            n if n > LISTED => format!("{}; and {} more", others[..LISTED].join("; "), n - LISTED),
            _ => format!("remaining IdPs fall short: {}", others.join("; ")),
        };
        d = d.with_related(
            rule.loc,
            format!(
                "{} needs {}; {considered}",
                cx.rule_title(r),
                cx.need_text(r)
            ),
        );
    }
    d
}

/// Where policyc's exact rule and Okta's coarser one disagree, say so.
fn disagreement(
    cx: &Context<'_>,
    exact_allows: bool,
    okta_refuses: bool,
    remaining: &Scenario,
) -> String {
    let model = &cx.compiled.model;
    let other = cx
        .support
        .sources
        .iter()
        .find(|s| remaining.trusted.contains(s.idp.0))
        .and_then(|s| model.idp(s.idp));
    match (cx.options.okta_compat, exact_allows, okta_refuses, other) {
        (false, false, false, Some(o)) => format!(
            ". Okta's own check would let this through, because `{}` is active and trusts claims, but it cannot satisfy the rules listed",
            o.name
        ),
        (true, true, true, _) => {
            ". policyc's exact rule would allow it: every rule stays satisfiable".to_owned()
        }
        _ => String::new(),
    }
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 rule".to_owned()
    } else {
        format!("{n} rules")
    }
}

/// IdPs that were active and trusted in `base` and here are deleted, or no longer trust claims:
/// refused like a deactivation when some rule needs them.
fn removed_since_base(cx: &Context<'_>, base: &Base, now: &Scenario) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let mut out = Vec::new();
    for (was, broken) in removed_and_broken(cx, base, now) {
        let here = model.idp_named(&was.name);
        let Some((&first, rest)) = broken.split_first() else {
            continue;
        };

        let what = if here.is_some() {
            format!(
                "turning off `trust_claims` on IdP `{}` (trusted at `{}`)",
                was.name, base.name
            )
        } else {
            format!("deleting IdP `{}` (declared at `{}`)", was.name, base.name)
        };
        let loc = match here {
            Some((_, idp)) => idp.trust_claims_loc.unwrap_or(idp.loc),
            None => cx
                .rules
                .get(first)
                .map(|(_, rule)| rule.loc)
                .unwrap_or_default(),
        };
        let mut d = Diagnostic::new(
            Code::DeactivationRefused,
            loc,
            format!("{what} leaves {} unsatisfiable", plural(broken.len())),
        )
        .with_label(match here {
            Some(_) => format!(
                "`{}`'s claims were the only way to satisfy {}",
                was.name,
                plural(broken.len())
            ),
            None => format!(
                "{} needs {}, which only `{}`'s claims provided",
                cx.rule_title(first),
                cx.need_text(first),
                was.name
            ),
        });
        d = add_broken(cx, d, if here.is_some() { &broken } else { rest }, now);

        out.push(d.with_help(format!(
            "keep `{}` (active, trusting claims), or give {} another way to be satisfied: a local authenticator, or another trusted IdP that asserts what {} needs",
            was.name,
            if broken.len() == 1 { "this rule" } else { "these rules" },
            if broken.len() == 1 { "it" } else { "each" },
        )));
    }
    out
}

/// The IdPs that were active and trusted in `base` and here are deleted or no longer trust
/// claims, each with the rules (unsatisfiable now) that its claims would satisfy. Those rules
/// are reported once, as this deactivation, not also as `unsatisfiable-rule`.
pub(super) fn removed_and_broken<'b>(
    cx: &Context<'_>,
    base: &'b Base,
    now: &Scenario,
) -> Vec<(&'b crate::model::Idp, Vec<usize>)> {
    let model = &cx.compiled.model;
    let before = &base.compiled;
    let mut out = Vec::new();
    for (i, was) in before.model.idps.iter().enumerate() {
        let id = IdpId(i as u32);
        let trusted_before = was.trust_claims
            && was.status == Status::Active
            && before.model.features().covers(was.kind);
        let here = model.idp_named(&was.name);
        let untrusted_here = here.is_some_and(|(_, idp)| !idp.trust_claims);
        if !trusted_before || (here.is_some() && !untrusted_here) {
            continue;
        }
        let (Some(table), source) = (
            before.graph.tables.idps.get(id.index()),
            Source::of(&before.model, id),
        ) else {
            continue;
        };
        let broken: Vec<usize> = (0..cx.support.rules.len())
            .filter(|&r| !cx.support.satisfiable(r, now))
            .filter(|&r| {
                let (Some(rule), Some(support)) = (
                    cx.compiled.graph.tables.rules.get(r),
                    cx.support.rules.get(r),
                ) else {
                    return false;
                };
                let Action::Require(need) = &rule.action else {
                    return false;
                };
                state_of(cx.compiled, rule, need, table, &source.proofs)
                    .is_ok_and(|state| satisfies(state | support.local, need))
            })
            .collect();
        if !broken.is_empty() {
            out.push((was, broken));
        }
    }
    out
}
