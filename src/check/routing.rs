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
//! are checked directly. The search is bounded; past the bound an IdP counts as routable, so a
//! diagnostic is never made from an unfinished search.

use crate::Compiled;
use crate::model::{AppId, Condition, ConditionTest, IdpId, Model, RuleOwner};
use std::collections::HashMap;

/// Steps of the depth-first search per question before giving up (and answering "routable").
const BUDGET: u32 = 20_000;

/// Past this many earlier routes the search is not tried (its depth is the number of routes):
/// the IdP counts as routable.
const DEPTH: usize = 512;

/// One membership test, as the search sees it: which attribute, which values, and whether the
/// value must be in them (`true`) or out of them.
#[derive(Debug, Clone)]
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
    memo: HashMap<(usize, u32), bool>,
}

impl<'m> Routing<'m> {
    pub fn new(compiled: &'m Compiled) -> Routing<'m> {
        let model = &compiled.model;
        let routes = model
            .routes
            .iter()
            .map(|r| r.conditions.iter().filter_map(Lit::of).collect())
            .collect();
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
            memo: Default::default(),
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
        if let Some(known) = self.memo.get(&(r, idp.0)) {
            return *known;
        }
        let answer = match rules.get(r) {
            Some((owner, rule)) => self.search(*owner, &rule.conditions, idp),
            None => true,
        };
        self.memo.insert((r, idp.0), answer);
        answer
    }

    fn search(&self, owner: RuleOwner, conditions: &[Condition], idp: IdpId) -> bool {
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
            // No sign-in reaches this rule at all: nothing to say about routing.
            return true;
        }
        let rule_lits: Vec<Lit> = conditions.iter().filter_map(Lit::of).collect();
        let mut budget = BUDGET;
        for (i, route) in self.model.routes.iter().enumerate() {
            if route.to.map(|(to, _)| to) != Some(idp) {
                continue;
            }
            if i > DEPTH {
                return true;
            }
            let mut held: Vec<&Lit> = rule_lits.iter().collect();
            held.extend(self.routes.get(i).into_iter().flatten());
            if !consistent(&held, &apps) {
                continue;
            }
            match self.earlier_fail(&held, &apps, i, 0, &mut budget) {
                Some(true) | None => return true,
                Some(false) => {}
            }
        }
        false
    }

    /// Whether routes `from..before` can all fail together with `held`; `None` when the budget
    /// ran out.
    fn earlier_fail(
        &self,
        held: &[&Lit],
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
        // A route to no IdP (`to` did not resolve) still matches first if its conditions hold.
        for lit in lits {
            let failed = lit.negated();
            let mut next: Vec<&Lit> = held.to_vec();
            next.push(&failed);
            if !consistent(&next, apps) {
                continue;
            }
            if self.earlier_fail(&next, apps, before, from + 1, budget)? {
                return Some(true);
            }
        }
        Some(false)
    }
}
