//! `shadowed-rule`.
//!
//! **What it does:** finds rules that never apply because an earlier rule of the same app
//! sign-on policy, or an earlier global session rule (the session policies are tried as one
//! list, by `priority`), matches everyone they would match: every condition of the earlier
//! rule is implied by some condition of the later one, and a rule without conditions matches
//! everyone. Implication is decided per condition: `group in [admins]` implies
//! `group in [admins, staff]`, `group not in [admins, staff]` implies `group not in [admins]`,
//! the same for zones, apps, risk levels, platforms and domains; `risk in [high]` also implies
//! `risk not in [low]` (a sign-in has one risk level, one platform and one email domain); and
//! `device managed` implies `device managed`. The check is sound, not complete: it warns only
//! when it is certain.
//!
//! **Why it matters:** rules are tried in order and the first whose conditions hold decides, so
//! a shadowed rule is dead: whatever it requires (often something stricter, written for a
//! narrower audience) is never asked for.
//!
//! **Fix:** move the narrower rule above the broader one, narrow the earlier rule, or remove the
//! shadowed rule.

use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::RuleOwner;
use crate::model::{ConditionTest, Rule};

pub(super) const CHECK: Check = Check {
    codes: &[Code::ShadowedRule],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // `cx.rules` lists each policy's rules contiguously and in order. The global session
    // policies are tried as one list (session rules come first, the policies in evaluation
    // order: by `priority`), so their rules are compared across policies; app policies each on
    // their own.
    let same_list = |a: RuleOwner, b: RuleOwner| match (a, b) {
        (RuleOwner::Session(_), RuleOwner::Session(_)) => true,
        _ => a == b,
    };
    let mut start = 0;
    while start < cx.rules.len() {
        let owner = cx.rules[start].0;
        let end = cx.rules[start..]
            .iter()
            .position(|(o, _)| !same_list(*o, owner))
            .map_or(cx.rules.len(), |n| start + n);
        // The first rule of each distinct list of conditions, in order: a later rule with the
        // same conditions covers exactly what its first does, and comes after it, so only these
        // need trying. With few distinct conditions the check costs rules × distinct lists.
        let mut firsts: Vec<usize> = Vec::new();
        for j in start..end {
            let later = cx.rules[j].1;
            let covering = firsts
                .iter()
                .copied()
                .find(|&i| covers(cx.rules[i].1, later));
            if !firsts
                .iter()
                .any(|&i| same_conditions(cx.rules[i].1, later))
            {
                firsts.push(j);
            }
            let Some(i) = covering else {
                continue;
            };
            let earlier = cx.rules[i].1;
            let why = if earlier.conditions.is_empty() {
                format!(
                    "`{}` has no conditions, so it applies to everyone",
                    earlier.name
                )
            } else {
                format!(
                    "every sign-in this rule matches is matched by `{}` first",
                    earlier.name
                )
            };
            out.push(
                Diagnostic::new(
                    Code::ShadowedRule,
                    later.loc,
                    format!(
                        "{} never applies: the earlier rule `{}` matches everyone it would",
                        cx.rule_title(j),
                        earlier.name
                    ),
                )
                .with_label(format!("shadowed by `{}`", earlier.name))
                .with_related(
                    earlier.loc,
                    "this rule applies first to everyone it would match",
                )
                .with_help(match (cx.rules[i].0, cx.rules[j].0) {
                    (RuleOwner::Session(a), RuleOwner::Session(b)) if a != b => {
                        let policy = |p: u32| {
                            cx.compiled
                                .model
                                .session_policies
                                .get(p as usize)
                                .map_or("?", |p| p.name.as_str())
                        };
                        format!(
                            "{why}, and global session policies are tried by `priority` (1 first), `{}` before `{}`. Give `{}` a lower `priority` number than `{}`, narrow `{}`, or remove `{}`",
                            policy(a),
                            policy(b),
                            policy(b),
                            policy(a),
                            earlier.name,
                            later.name
                        )
                    }
                    _ => format!(
                        "{why}, and rules are tried in order. Move `{}` above `{}`, narrow `{}`, or remove `{}`",
                        later.name, earlier.name, earlier.name, later.name
                    ),
                }),
            );
        }
        start = end;
    }
    out
}

/// Whether `earlier` applies to every sign-in `later` applies to: each of its conditions is
/// implied by one of `later`'s (or always holds).
fn covers(earlier: &Rule, later: &Rule) -> bool {
    earlier.conditions.iter().all(|c| {
        always_holds(&c.test) || later.conditions.iter().any(|l| implies(&l.test, &c.test))
    })
}

/// Whether two rules have the same conditions, in the same order.
fn same_conditions(a: &Rule, b: &Rule) -> bool {
    a.conditions.len() == b.conditions.len()
        && a.conditions
            .iter()
            .zip(&b.conditions)
            .all(|(x, y)| x.test == y.test)
}

/// `not in []` holds for everyone.
fn always_holds(c: &ConditionTest) -> bool {
    match c {
        ConditionTest::Group { negated, groups } => *negated && groups.is_empty(),
        ConditionTest::Zone { negated, zones } => *negated && zones.is_empty(),
        ConditionTest::App { negated, apps } => *negated && apps.is_empty(),
        ConditionTest::Risk { negated, levels } => *negated && levels.is_empty(),
        ConditionTest::Platform { negated, platforms } => *negated && platforms.is_empty(),
        ConditionTest::Domain { negated, domains } => *negated && domains.is_empty(),
        ConditionTest::Device(_) => false,
    }
}

/// Whether condition `a` holding guarantees that `b` holds.
fn implies(a: &ConditionTest, b: &ConditionTest) -> bool {
    use ConditionTest as T;
    match (a, b) {
        (
            T::Group {
                negated: na,
                groups: a,
            },
            T::Group {
                negated: nb,
                groups: b,
            },
        ) => same_form(*na, a, *nb, b, false),
        (
            T::Zone {
                negated: na,
                zones: a,
            },
            T::Zone {
                negated: nb,
                zones: b,
            },
        ) => same_form(*na, a, *nb, b, false),
        (
            T::App {
                negated: na,
                apps: a,
            },
            T::App {
                negated: nb,
                apps: b,
            },
        ) => same_form(*na, a, *nb, b, true),
        (
            T::Risk {
                negated: na,
                levels: a,
            },
            T::Risk {
                negated: nb,
                levels: b,
            },
        ) => same_form(*na, a, *nb, b, true),
        (
            T::Platform {
                negated: na,
                platforms: a,
            },
            T::Platform {
                negated: nb,
                platforms: b,
            },
        ) => same_form(*na, a, *nb, b, true),
        (
            T::Domain {
                negated: na,
                domains: a,
            },
            T::Domain {
                negated: nb,
                domains: b,
            },
        ) => same_form(*na, a, *nb, b, true),
        (T::Device(a), T::Device(b)) => a == b,
        _ => false,
    }
}

/// Implication between two membership conditions on one attribute. `single` says the sign-in
/// has at most one value of it (one risk level, platform, email domain, app), so that
/// `in [a]` also implies `not in [b]` when the lists share nothing.
fn same_form<T: PartialEq>(na: bool, a: &[T], nb: bool, b: &[T], single: bool) -> bool {
    match (na, nb) {
        // `in [a]` ⇒ `in [b]` when a ⊆ b (and a is not empty: `in []` never holds, and the
        // rule is then dead for its own reason, not because of the earlier one).
        (false, false) => !a.is_empty() && a.iter().all(|x| b.contains(x)),
        // `not in [a]` ⇒ `not in [b]` when b ⊆ a.
        (true, true) => b.iter().all(|x| a.contains(x)),
        // `in [a]` ⇒ `not in [b]` for a single-valued attribute when a ∩ b = ∅.
        (false, true) => single && !a.is_empty() && a.iter().all(|x| !b.contains(x)),
        (true, false) => false,
    }
}
