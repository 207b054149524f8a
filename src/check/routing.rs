//! Which IdPs the routing rules can send a rule's users to: the engine behind `unreachable-idp`
//! and the deactivation guard's note on the IdPs that keep a rule satisfiable.
//!
//! **Definition** (docs/checks.md, `unreachable-idp`). IdP `I` is *routable for* rule `R` when
//! some sign-in that `R`'s conditions admit is sent to `I` by the routing rules: a user (groups,
//! zone, email domain) and an app (one of `R`'s policy's apps; for a global session rule, any app
//! assigned to a policy) such that the first routing rule whose conditions hold, in priority
//! order, is one with `to I`. Conditions routes cannot see (risk, platform, device) do not
//! restrict the answer. With no routing rules at all, every IdP is routable (**policyc:** the
//! set then says nothing about routing, and users reach IdPs through their buttons or
//! IdP-initiated sign-ins); a user no route matches goes to the Okta sign-in page, which is no
//! IdP.
//!
//! The answer is exact: a route `r` to `I` is the first match for some admitted sign-in when
//! `R`'s conditions, `r`'s, and the failure of every earlier route (one failed condition each,
//! chosen by a depth-first search) can hold together. Conjunctions of `in`/`not in` tests on
//! groups (a user may be in any groups), zones, domains (at most one each) and apps (exactly one)
//! are checked directly. Rules of one policy with the same tests share one answer: the set of
//! IdPs routable for them, found in one pass over the routes. The search is bounded (per answer
//! and per check); past the bound an IdP counts as routable, so a diagnostic is never made from
//! an unfinished search, and hostile input cannot make it slow.

use crate::Compiled;
use crate::model::{AppId, Condition, ConditionTest, IdpId, Model, RuleOwner};
use std::collections::{HashMap, HashSet};

/// Past this many earlier routes the search is not tried (its depth is the number of routes):
/// the IdP counts as routable.
const DEPTH: usize = 512;

/// Steps of the depth-first search for one route before giving up (and answering "routable").
const BUDGET: u32 = 20_000;

/// Steps for all answers of one `Routing` together: past it, every IdP counts as routable.
const TOTAL_BUDGET: u64 = 500_000;

/// One membership test, as the search sees it: which attribute, which values, and whether the
/// value must be in them (`true`) or out of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Lit {
    Groups(bool, Vec<u32>),
    Zone(bool, Vec<u32>),
    App(bool, Vec<u32>),
    Domain(bool, Vec<String>),
}

impl Lit {
    /// The test a condition makes on what routing sees; `None` for risk, platform and device,
    /// which routes cannot test and which never restrict where a user is routed.
    fn of(c: &Condition) -> Option<Lit> {
        Some(match &c.test {
            ConditionTest::Group { negated, groups } => {
                Lit::Groups(!negated, groups.iter().map(|g| g.0).collect())
            }
            ConditionTest::Zone { negated, zones } => {
                Lit::Zone(!negated, zones.iter().map(|z| z.0).collect())
            }
            ConditionTest::App { negated, apps } => {
                Lit::App(!negated, apps.iter().map(|a| a.0).collect())
            }
            ConditionTest::Domain { negated, domains } => Lit::Domain(!negated, domains.clone()),
            ConditionTest::Risk { .. }
            | ConditionTest::Platform { .. }
            | ConditionTest::Device(_) => {
                return None;
            }
        })
    }

    fn negated(&self) -> Lit {
        match self {
            Lit::Groups(p, v) => Lit::Groups(!p, v.clone()),
            Lit::Zone(p, v) => Lit::Zone(!p, v.clone()),
            Lit::App(p, v) => Lit::App(!p, v.clone()),
            Lit::Domain(p, v) => Lit::Domain(!p, v.clone()),
        }
    }
}

/// Whether the tests `lits` can all hold for one sign-in whose app is one of `apps`.
fn consistent(lits: &[&Lit], apps: &[u32]) -> bool {
    // Groups: each `in` set needs a member the `not in` sets leave.
    let excluded: Vec<u32> = lits
        .iter()
        .filter_map(|l| match l {
            Lit::Groups(false, v) => Some(v.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    let groups_ok = lits.iter().all(|l| match l {
        Lit::Groups(true, v) => v.iter().any(|g| !excluded.contains(g)),
        _ => true,
    });
    groups_ok
        && single(
            lits,
            |l| match l {
                Lit::Zone(p, v) => Some((*p, v.as_slice())),
                _ => None,
            },
            None,
        )
        && single(
            lits,
            |l| match l {
                Lit::Domain(p, v) => Some((*p, v.as_slice())),
                _ => None,
            },
            None,
        )
        && single(
            lits,
            |l| match l {
                Lit::App(p, v) => Some((*p, v.as_slice())),
                _ => None,
            },
            Some(apps),
        )
}

/// For an attribute with at most one value (or, with `domain`, exactly one of those values):
/// whether some value is in every `in` list and in no `not in` list. Without an `in` list and
/// without `domain`, having no value at all satisfies every `not in`.
fn single<T: PartialEq>(
    lits: &[&Lit],
    pick: impl Fn(&Lit) -> Option<(bool, &[T])>,
    domain: Option<&[T]>,
) -> bool {
    let tests: Vec<(bool, &[T])> = lits.iter().filter_map(|l| pick(l)).collect();
    let first_in = tests.iter().find(|(p, _)| *p).map(|(_, v)| *v);
    let candidates = match (first_in, domain) {
        (Some(v), _) => v,
        (None, Some(d)) => d,
        (None, None) => return true,
    };
    candidates.iter().any(|x| {
        domain.is_none_or(|d| d.contains(x)) && tests.iter().all(|(p, v)| v.contains(x) == *p)
    })
}

/// Routing as the checker asks about it.
pub struct Routing<'m> {
    model: &'m Model,
    /// Each route's tests, in priority order (the model's). A route without any always
    /// matches, so no route after it is ever the first match.
    routes: Vec<Vec<Lit>>,
    /// Apps assigned to some policy: the sign-ins a global session rule sees.
    assigned: Vec<u32>,
    /// Answers by (the rule's policy, its tests routing can see, IdP): rules of one policy
    /// with the same tests share them (a large set repeats a few shapes thousands of times).
    memo: HashMap<(Option<u32>, Vec<Lit>, u32), bool>,
    /// Steps left for all answers.
    total: u64,
    /// Some route has an `app` condition.
    routes_test_apps: bool,
}

impl<'m> Routing<'m> {
    pub fn new(compiled: &'m Compiled) -> Routing<'m> {
        let model = &compiled.model;
        let routes: Vec<Vec<Lit>> = model
            .routes
            .iter()
            .map(|r| r.conditions.iter().filter_map(Lit::of).collect())
            .collect();
        let routes_test_apps = routes.iter().flatten().any(|l| matches!(l, Lit::App(..)));
        let mut assigned: Vec<u32> = model
            .policies
            .iter()
            .flat_map(|p| p.apps.iter().map(|a| a.0))
            .collect();
        assigned.sort_unstable();
        assigned.dedup();
        Routing {
            model,
            routes,
            assigned,
            memo: HashMap::new(),
            total: TOTAL_BUDGET,
            routes_test_apps,
        }
    }

    /// Whether the set has routing rules at all; without, every IdP is routable.
    pub fn any(&self) -> bool {
        !self.model.routes.is_empty()
    }

    /// Whether some sign-in that rule `r` (in `Model::rules()` order) admits is routed to `idp`.
    pub fn routable(
        &mut self,
        rules: &[(RuleOwner, &crate::model::Rule)],
        r: usize,
        idp: IdpId,
    ) -> bool {
        if !self.any() {
            return true;
        }
        let Some((owner, rule)) = rules.get(r) else {
            return true;
        };
        // The rule's policy matters only through its apps, and those only when some route
        // tests the app.
        let policy = match owner {
            RuleOwner::App(p) if self.routes_test_apps => Some(p.0),
            RuleOwner::App(p) => Some(u32::from(
                self.model
                    .policies
                    .get(p.index())
                    .is_none_or(|p| p.apps.is_empty()),
            )),
            RuleOwner::Session(_) => None,
        };
        let lits: Vec<Lit> = rule.conditions.iter().filter_map(Lit::of).collect();
        let key = (policy, lits, idp.0);
        if let Some(known) = self.memo.get(&key) {
            return *known;
        }
        let answer = self.routable_to(*owner, &key.1, idp);
        self.memo.insert(key, answer);
        answer
    }

    /// Whether some sign-in a rule of `owner` with tests `rule_lits` admits is routed to `idp`:
    /// whether some route to `idp` is the first match for one of them.
    fn routable_to(&mut self, owner: RuleOwner, rule_lits: &[Lit], idp: IdpId) -> bool {
        let apps: Vec<u32> = match owner {
            RuleOwner::App(p) => self
                .model
                .policies
                .get(p.index())
                .map(|p| p.apps.iter().map(|a: &AppId| a.0).collect())
                .unwrap_or_default(),
            RuleOwner::Session(_) => self.assigned.clone(),
        };
        if apps.is_empty() {
            // No sign-in reaches this rule at all: nothing to say.
            return true;
        }
        for (i, route) in self.model.routes.iter().enumerate() {
            if route.to.map(|(to, _)| to) != Some(idp) {
                continue;
            }
            if i > DEPTH || self.total == 0 {
                // Too deep, or the search is spent: counts as routable.
                return true;
            }
            let own = self.routes.get(i).map_or(&[][..], Vec::as_slice);
            let mut state = State::new(&apps);
            if !rule_lits.iter().chain(own).all(|l| state.add(l)) {
                // No sign-in the rule admits matches this route at all.
                continue;
            }
            // Greedy first: fail each earlier route by the first test whose failure fits. It
            // finds a witness in one pass in the common case (routes told apart by domain).
            self.total = self.total.saturating_sub(i as u64);
            let greedy = self.routes[..i].iter().all(|earlier| {
                earlier.iter().any(|lit| {
                    let failed = lit.negated();
                    state.add(&failed)
                })
            });
            if greedy {
                return true;
            }
            let mut held: Vec<Lit> = rule_lits.iter().chain(own).cloned().collect();
            let mut budget = BUDGET;
            let found = self.earlier_fail(&mut held, &apps, i, 0, &mut budget);
            self.total = self.total.saturating_sub(u64::from(BUDGET - budget));
            // An unfinished search counts as routable.
            if found != Some(false) {
                return true;
            }
        }
        false
    }

    /// Whether routes `from..before` can all fail together with `held` (which is left as it
    /// was); `None` when the budget ran out.
    fn earlier_fail(
        &self,
        held: &mut Vec<Lit>,
        apps: &[u32],
        before: usize,
        from: usize,
        budget: &mut u32,
    ) -> Option<bool> {
        if from >= before {
            return Some(true);
        }
        *budget = budget.checked_sub(1)?;
        let lits = self.routes.get(from)?;
        for lit in lits {
            held.push(lit.negated());
            let ok = consistent_last(held, apps);
            let found = if ok {
                self.earlier_fail(held, apps, before, from + 1, budget)
            } else {
                Some(false)
            };
            held.pop();
            if found != Some(false) {
                return found;
            }
        }
        Some(false)
    }
}

/// What the tests added so far require of one sign-in, so that a test is added (and checked)
/// in time proportional to it: the greedy pass's bookkeeping.
struct State {
    /// Each `group in` list needs a member outside `groups_out`.
    groups_in: Vec<Vec<u32>>,
    groups_out: HashSet<u32>,
    zone: Single<u32>,
    domain: Single<String>,
    app: Single<u32>,
}

/// An attribute with at most one value: the values still possible (`None`: any, or none at
/// all) and those excluded.
struct Single<T> {
    candidates: Option<Vec<T>>,
    out: HashSet<T>,
}

impl<T: Eq + std::hash::Hash + Clone> Single<T> {
    fn fits(&self, inside: bool, values: &[T]) -> bool {
        match (&self.candidates, inside) {
            (Some(c), true) => c
                .iter()
                .any(|x| values.contains(x) && !self.out.contains(x)),
            (None, true) => values.iter().any(|x| !self.out.contains(x)),
            (Some(c), false) => c
                .iter()
                .any(|x| !values.contains(x) && !self.out.contains(x)),
            (None, false) => true,
        }
    }

    fn add(&mut self, inside: bool, values: &[T]) {
        if inside {
            self.candidates = Some(match self.candidates.take() {
                Some(c) => c.into_iter().filter(|x| values.contains(x)).collect(),
                None => values.to_vec(),
            });
        } else {
            self.out.extend(values.iter().cloned());
        }
    }
}

impl State {
    fn new(apps: &[u32]) -> State {
        State {
            groups_in: Vec::new(),
            groups_out: HashSet::new(),
            zone: Single {
                candidates: None,
                out: HashSet::new(),
            },
            domain: Single {
                candidates: None,
                out: HashSet::new(),
            },
            app: Single {
                candidates: Some(apps.to_vec()),
                out: HashSet::new(),
            },
        }
    }

    /// Whether `lit` can hold together with everything added so far.
    fn fits(&self, lit: &Lit) -> bool {
        match lit {
            Lit::Groups(true, v) => v.iter().any(|g| !self.groups_out.contains(g)),
            Lit::Groups(false, v) => self.groups_in.iter().all(|list| {
                list.iter()
                    .any(|g| !self.groups_out.contains(g) && !v.contains(g))
            }),
            Lit::Zone(p, v) => self.zone.fits(*p, v),
            Lit::Domain(p, v) => self.domain.fits(*p, v),
            Lit::App(p, v) => self.app.fits(*p, v),
        }
    }

    /// Adds `lit`; returns whether everything still fits (checked before adding).
    fn add(&mut self, lit: &Lit) -> bool {
        if !self.fits(lit) {
            return false;
        }
        match lit {
            Lit::Groups(true, v) => self.groups_in.push(v.clone()),
            Lit::Groups(false, v) => self.groups_out.extend(v.iter().copied()),
            Lit::Zone(p, v) => self.zone.add(*p, v),
            Lit::Domain(p, v) => self.domain.add(*p, v),
            Lit::App(p, v) => self.app.add(*p, v),
        }
        true
    }
}

/// [`consistent`] for `lits`, knowing that only the last is new: only its attribute is checked
/// again.
fn consistent_last(lits: &[Lit], apps: &[u32]) -> bool {
    let Some(added) = lits.last() else {
        return true;
    };
    let same: Vec<&Lit> = lits
        .iter()
        .filter(|l| std::mem::discriminant(*l) == std::mem::discriminant(added))
        .collect();
    consistent(&same, apps)
}

/// For each rule a change keeps satisfiable through trusted claims (`Impact::kept`), the IdPs
/// keeping it that no routing rule sends its users to: they keep it only through their button
/// or an IdP-initiated sign-in. Rules with none are left out.
pub fn unroutable_kept(
    compiled: &Compiled,
    support: &super::support::Support,
    impact: &super::support::Impact,
) -> Vec<(usize, Vec<IdpId>)> {
    let mut routing = Routing::new(compiled);
    if !routing.any() {
        return Vec::new();
    }
    let rules: Vec<_> = compiled.model.rules().collect();
    impact
        .kept
        .iter()
        .filter_map(|&r| {
            let off: Vec<IdpId> = support
                .via(r, &impact.after)
                .into_iter()
                .filter(|i| !routing.routable(&rules, r, *i))
                .collect();
            (!off.is_empty()).then_some((r, off))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::source::{SourceFile, Sources};

    fn routable(text: &str, rule: &str, idp: &str) -> bool {
        let mut sources = Sources::new();
        sources.add(SourceFile::new("set.policy", text));
        let compiled = crate::compile(sources);
        assert!(
            compiled.diagnostics.is_empty(),
            "{:?}",
            compiled.diagnostics
        );
        let rules: Vec<_> = compiled.model.rules().collect();
        let r = rules.iter().position(|(_, x)| x.name == rule).unwrap();
        let (id, _) = compiled.model.idp_named(idp).unwrap();
        Routing::new(&compiled).routable(&rules, r, id)
    }

    const HEAD: &str =
        "org o {}\ngroup g0\ngroup g1\nzone z0\napp a\nidp a { kind oidc }\nidp b { kind oidc }\n";

    #[test]
    fn the_greedy_pass_backs_off_to_the_search() {
        // Greedy fails `first` by its zone, and then cannot fail `second`; failing `first` by
        // its group instead works: a user in zone z0 and group g1 goes to `b`.
        let text = format!(
            "{HEAD}route first {{ when zone in [z0] and group in [g0]  to a }}\nroute second {{ when zone not in [z0]  to a }}\nroute third {{ when group in [g1]  to b }}\npolicy p {{ apps [a]  rule r {{ require password }} }}\n"
        );
        assert!(routable(&text, "r", "b"));
        // Without the group way out, nobody reaches `third`.
        let text = format!(
            "{HEAD}route first {{ when zone in [z0]  to a }}\nroute second {{ when zone not in [z0]  to a }}\nroute third {{ when group in [g1]  to b }}\npolicy p {{ apps [a]  rule r {{ require password }} }}\n"
        );
        assert!(!routable(&text, "r", "b"));
        assert!(routable(&text, "r", "a"));
    }

    #[test]
    fn a_rule_for_no_app_says_nothing() {
        let text =
            format!("{HEAD}route all {{ to a }}\npolicy p {{ rule r {{ require password }} }}\n");
        assert!(routable(&text, "r", "b"));
    }
}
