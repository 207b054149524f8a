//! Which sources can satisfy each rule: the satisfiability engine behind `unsatisfiable-rule`,
//! the deactivation guard and `what-if`.
//!
//! A rule is satisfiable when the local methods it allows, alone or together with the claims
//! one active, trusted IdP can assert (`asserts`), meet its requirement and constraints; a sign-in
//! at any active IdP also counts as "IdP" for `password` and `1 factor_type`, even when its
//! claims do not (docs/evaluation.md, as the evaluator does). Every
//! requirement is monotone in what is proved (proving more never hurts), so "some combination"
//! is the same as "everything together": the local methods' states OR-ed, with or without one
//! IdP's asserted claims OR-ed in. That makes the answer exact, and cheap: per rule, one state
//! for the local methods and one set of the IdPs that can complete it. A deactivation, deletion
//! or feature switch-off is then a change to the set of available IdPs, and every question is a
//! few bitset operations per rule. (`tests/check_brute_force.rs` checks this against the
//! evaluator on every combination of small random orgs.)

use crate::Compiled;
use crate::eval::Claims;
use crate::graph::proof::{self, IDP, Proof, State, Unusable, satisfies};
use crate::graph::tables::{Action, Bits, IdpTable, Need, ReqKind, RuleTable, methods_of};
use crate::model::{AssertedValue, Feature, Features, IdpId, Model, RuleOwner, Status};
use std::collections::HashMap;

/// What each trusted IdP can assert, as proofs.
#[derive(Debug, Clone)]
pub struct Source {
    pub idp: IdpId,
    pub proofs: Vec<Proof>,
}

impl Source {
    /// What `idp` asserts, read as claims it could send.
    pub fn of(model: &Model, idp: IdpId) -> Source {
        let values: Vec<String> = model
            .idp(idp)
            .map(|i| i.asserts.iter().map(|a| asserted_text(&a.value)).collect())
            .unwrap_or_default();
        Source {
            idp,
            proofs: Claims::from_values(model, idp, &values).proofs.to_vec(),
        }
    }
}

/// Satisfiability of every rule, in the rule graph's order.
#[derive(Debug)]
pub struct Support {
    pub rules: Vec<RuleSupport>,
    /// One per IdP with `trust_claims true` (others are never a claims source).
    pub sources: Vec<Source>,
    /// Per rule, its class: rules of one class (same requirement, settings and kind of policy)
    /// have the same support and the same shortfalls.
    class_of: Vec<u32>,
    /// Shortfalls already worded, by (class, IdP): a broken change can list thousands of rules.
    shortfalls: std::sync::Mutex<HashMap<(u32, u32), Option<String>>>,
}

#[derive(Debug, Clone)]
pub struct RuleSupport {
    /// A `deny` rule: nothing to satisfy.
    pub deny: bool,
    /// Everything the rule's local methods can prove together.
    pub local: State,
    /// The local methods alone satisfy it.
    pub local_ok: bool,
    /// The local methods with a sign-in at any active IdP, its claims not counted, satisfy it.
    pub signin_ok: bool,
    /// The IdPs (by `IdpId`) whose claims, with the local methods, satisfy it, assuming the IdP
    /// is active and its claims trusted.
    pub can: Bits,
}

/// A state of the org: which IdPs are active, and which of them are claims sources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scenario {
    /// Active IdPs that trust claims, with their kind's claims-sharing feature on.
    pub trusted: Bits,
    /// Some IdP is active and a sign-in there can complete (a trusted third-party IdP that can
    /// send no AMR value the SP reads cannot complete one).
    pub any_active: bool,
}

/// The org with `features`, and with the IdPs of `inactive` deactivated too.
pub fn scenario(model: &Model, features: Features, inactive: &[IdpId]) -> Scenario {
    let active = |i: usize, idp: &crate::model::Idp| {
        idp.status == Status::Active && !inactive.contains(&IdpId(i as u32))
    };
    let trusted = |idp: &crate::model::Idp| idp.trust_claims && features.covers(idp.kind);
    Scenario {
        trusted: Bits::from_ids(
            model
                .idps
                .iter()
                .enumerate()
                .filter_map(|(i, idp)| (active(i, idp) && trusted(idp)).then_some(i as u32)),
        ),
        any_active: model.idps.iter().enumerate().any(|(i, idp)| {
            active(i, idp) && (!trusted(idp) || idp.kind.is_okta() || idp.asserts_some_value())
        }),
    }
}

/// The org as it is.
pub fn available(model: &Model) -> Scenario {
    scenario(model, model.features(), &[])
}

impl Support {
    pub fn build(compiled: &Compiled) -> Support {
        let model = &compiled.model;
        let tables = &compiled.graph.tables;
        let sources: Vec<Source> = model
            .idps
            .iter()
            .enumerate()
            .filter(|(_, idp)| idp.trust_claims)
            .map(|(i, _)| Source::of(model, IdpId(i as u32)))
            .collect();
        // Rules with the same requirement, settings and kind of policy have the same support:
        // compute it once per class (a large set has thousands of rules and a few dozen
        // classes), so the cost is classes × IdPs, not rules × IdPs.
        let mut classes: HashMap<(&Need, bool), (u32, RuleSupport)> = HashMap::new();
        let mut class_of = Vec::with_capacity(tables.rules.len());
        let rules = tables
            .rules
            .iter()
            .map(|rule| {
                let Action::Require(need) = &rule.action else {
                    class_of.push(u32::MAX);
                    return RuleSupport {
                        deny: true,
                        local: 0,
                        local_ok: true,
                        signin_ok: true,
                        can: Bits::default(),
                    };
                };
                let key = (need, matches!(rule.owner, RuleOwner::App(_)));
                let next = classes.len() as u32;
                let (class, support) = classes
                    .entry(key)
                    .or_insert_with(|| (next, rule_support(compiled, rule, need, &sources)));
                class_of.push(*class);
                support.clone()
            })
            .collect();
        Support {
            rules,
            sources,
            class_of,
            shortfalls: Default::default(),
        }
    }

    /// Whether rule `r` is satisfiable in `scenario`.
    pub fn satisfiable(&self, r: usize, scenario: &Scenario) -> bool {
        self.rules.get(r).is_none_or(|s| {
            s.local_ok
                || (s.signin_ok && scenario.any_active)
                || s.can.intersects(&scenario.trusted)
        })
    }

    /// Whether rule `r` needs trusted claims: neither local methods nor a bare IdP sign-in
    /// satisfy it.
    pub fn requires_claims(&self, r: usize) -> bool {
        self.rules.get(r).is_some_and(|s| !s.deny && !s.signin_ok)
    }

    pub fn source(&self, idp: IdpId) -> Option<&Source> {
        self.sources.iter().find(|s| s.idp == idp)
    }

    /// Rule `r`'s class: rules of one class have the same support, so a check can compute
    /// what depends only on it once per class.
    pub fn class(&self, r: usize) -> u32 {
        self.class_of.get(r).copied().unwrap_or(u32::MAX)
    }

    /// The IdPs through which rule `r` is satisfied in `scenario`.
    pub fn via(&self, r: usize, scenario: &Scenario) -> Vec<IdpId> {
        let Some(s) = self.rules.get(r) else {
            return Vec::new();
        };
        self.sources
            .iter()
            .map(|src| src.idp)
            .filter(|i| s.can.contains(i.0) && scenario.trusted.contains(i.0))
            .collect()
    }

    /// Why IdP `idp` (assumed active and trusted) cannot complete rule `r`, in words; `None`
    /// when it can.
    pub fn shortfall(&self, compiled: &Compiled, r: usize, idp: IdpId) -> Option<String> {
        let key = (self.class_of.get(r).copied().unwrap_or(u32::MAX), idp.0);
        // A poisoned memo only means another thread panicked while holding it: its contents
        // are still sound, so keep using them.
        let mut memo = self
            .shortfalls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = memo.get(&key) {
            return known.clone();
        }
        let worded = self.word_shortfall(compiled, r, idp);
        memo.insert(key, worded.clone());
        worded
    }

    fn word_shortfall(&self, compiled: &Compiled, r: usize, idp: IdpId) -> Option<String> {
        let rule = compiled.graph.tables.rules.get(r)?;
        let Action::Require(need) = &rule.action else {
            return None;
        };
        let support = self.rules.get(r)?;
        let Some(source) = self.source(idp) else {
            return Some("it does not trust claims (`trust_claims` is off)".to_owned());
        };
        match source_state(compiled, rule, need, source) {
            Err(why) => Some(format!("its claims do not count here: {}", why.describe())),
            Ok(state) if satisfies(state | support.local, need) => None,
            Ok(state) => {
                if blocked_by_security_question(compiled, rule, need, source, support.local) {
                    return Some(
                        "the security question is used for MFA, so its third-party claims count for knowledge only"
                            .to_owned(),
                    );
                }
                Some(missing(state | support.local, need))
            }
        }
    }

    /// What the local methods alone are missing for rule `r`, in words.
    pub fn local_shortfall(&self, compiled: &Compiled, r: usize) -> Option<String> {
        let rule = compiled.graph.tables.rules.get(r)?;
        let Action::Require(need) = &rule.action else {
            return None;
        };
        let support = self.rules.get(r)?;
        if support.local_ok {
            return None;
        }
        if need.requirement == ReqKind::Chain {
            // The chain closest to possible, and what it lacks.
            let lacking = need
                .chains
                .iter()
                .map(|c| c & !compiled.graph.tables.local)
                .min_by_key(|missing| missing.count_ones())
                .unwrap_or(0);
            let names: Vec<String> = methods_of(lacking)
                .map(|m| format!("`{}`", m.info().name()))
                .collect();
            return Some(format!(
                "no method chain whose methods are all usable locally (the nearest lacks {})",
                names.join(", ")
            ));
        }
        Some(missing(support.local, need))
    }
}

/// Whether `source`'s claims fall short of the rule only because the security question is used
/// for MFA (third-party claims then count for knowledge only).
pub fn blocked_by_security_question(
    compiled: &Compiled,
    rule: &RuleTable,
    need: &Need,
    source: &Source,
    local: State,
) -> bool {
    let tables = &compiled.graph.tables;
    let Some(idp) = tables.idps.get(source.idp.index()).map(|i| trusted(*i)) else {
        return false;
    };
    let app_rule = matches!(rule.owner, RuleOwner::App(_));
    proof::security_question_blocks(tables, &idp)
        && proof::claims_state_without_security_question(
            tables,
            &idp,
            need,
            app_rule,
            &source.proofs,
        )
        .is_ok_and(|s| satisfies(s | local, need))
}

/// An IdP's table entry with its claims trusted, for asking what its claims would do.
fn trusted(idp: IdpTable) -> IdpTable {
    IdpTable {
        trusted: true,
        ..idp
    }
}

/// The support of one rule: what its local methods prove, and which sources complete it.
fn rule_support(
    compiled: &Compiled,
    rule: &RuleTable,
    need: &Need,
    sources: &[Source],
) -> RuleSupport {
    let tables = &compiled.graph.tables;
    let local = methods_of(tables.local).fold(0, |acc, m| acc | rule.local[m.0 as usize % 16]);
    let chain = need.requirement == ReqKind::Chain;
    let local_ok = if chain {
        need.chains
            .iter()
            .any(|c| *c != 0 && c & tables.local == *c)
    } else {
        satisfies(local, need)
    };
    let signin_ok = local_ok || (!chain && satisfies(local | IDP, need));
    let can = Bits::from_ids(
        sources
            .iter()
            .filter(|s| {
                source_state(compiled, rule, need, s)
                    .is_ok_and(|state| satisfies(state | local, need))
            })
            .map(|s| s.idp.0),
    );
    RuleSupport {
        deny: false,
        local,
        local_ok,
        signin_ok,
        can,
    }
}

/// What one IdP's asserted claims prove for a rule, assuming it is trusted.
pub fn source_state(
    compiled: &Compiled,
    rule: &RuleTable,
    need: &Need,
    source: &Source,
) -> Result<State, Unusable> {
    let Some(idp) = compiled.graph.tables.idps.get(source.idp.index()) else {
        return Ok(0);
    };
    state_of(compiled, rule, need, idp, &source.proofs)
}

/// What claims `proofs` from an IdP described by `idp` (assumed trusted) prove for a rule of
/// `compiled`; the IdP need not be one of `compiled`'s (a deleted one, read from a revision).
pub fn state_of(
    compiled: &Compiled,
    rule: &RuleTable,
    need: &Need,
    idp: &IdpTable,
    proofs: &[Proof],
) -> Result<State, Unusable> {
    let app_rule = matches!(rule.owner, RuleOwner::App(_));
    proof::claims_state(
        &compiled.graph.tables,
        &trusted(*idp),
        need,
        app_rule,
        proofs,
    )
}

/// What `state` lacks to meet `need`, in words.
pub fn missing(state: State, need: &Need) -> String {
    use crate::graph::proof::{
        COMPLIANT_POSSESSION, INHERENCE, KNOWLEDGE, OTHER_FACTOR, PASSWORD, POSSESSION,
    };
    let factor_names: Vec<&str> = [
        (KNOWLEDGE, "knowledge"),
        (POSSESSION, "possession"),
        (INHERENCE, "inherence"),
    ]
    .into_iter()
    .filter(|(bit, _)| state & bit != 0)
    .map(|(_, name)| name)
    .collect();
    let proved = if factor_names.is_empty() {
        "no factor".to_owned()
    } else {
        format!("only {}", factor_names.join(" and "))
    };
    if need.constrained && state & COMPLIANT_POSSESSION == 0 {
        let factor = proof::describe_constraints(need);
        return format!(
            "no {}",
            factor.as_deref().unwrap_or("constrained possession factor")
        );
    }
    match need.requirement {
        ReqKind::Password => "no password and no IdP sign-in".to_owned(),
        ReqKind::PasswordPlusFactor if state & (PASSWORD | IDP) == 0 => {
            "no password and no IdP sign-in".to_owned()
        }
        ReqKind::PasswordPlusFactor if state & OTHER_FACTOR == 0 => {
            "no factor besides the password".to_owned()
        }
        ReqKind::TwoFactorTypes | ReqKind::Mfa => format!("{proved}: two factor types are needed"),
        ReqKind::Chain => "a method chain cannot use claims".to_owned(),
        _ => proved,
    }
}

fn asserted_text(value: &AssertedValue) -> String {
    match value {
        AssertedValue::Amr(a) => a.as_str().to_owned(),
        AssertedValue::Method(m) => m.info().name(),
        AssertedValue::Unsupported(s) => s.clone(),
    }
}

/// A change to the org whose impact is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Set an IdP's status to inactive (or delete it: the same for claims).
    Deactivate(IdpId),
    /// Switch a claims-sharing feature off.
    Disable(Feature),
}

/// What a change does to every rule.
#[derive(Debug, Clone)]
pub struct Impact {
    /// Rules satisfiable before and not after: why the change must be refused.
    pub broken: Vec<usize>,
    /// Rules that need trusted claims and stay satisfiable (`Support::via` says through which
    /// IdPs).
    pub kept: Vec<usize>,
    /// The org after the change.
    pub after: Scenario,
}

impl Support {
    /// The impact of `change` on the org as it is.
    pub fn impact(&self, compiled: &Compiled, change: Change) -> Impact {
        self.impact_of_all(compiled, &[change])
    }

    /// The impact of `changes` made together (several IdPs deactivated, features switched off).
    pub fn impact_of_all(&self, compiled: &Compiled, changes: &[Change]) -> Impact {
        let model = &compiled.model;
        let before = available(model);
        let mut features = model.features();
        let mut inactive = Vec::new();
        for change in changes {
            match *change {
                Change::Deactivate(idp) => inactive.push(idp),
                Change::Disable(feature) => features = features.without(feature),
            }
        }
        let after = scenario(model, features, &inactive);
        let mut impact = Impact {
            broken: Vec::new(),
            kept: Vec::new(),
            after,
        };
        for (r, s) in self.rules.iter().enumerate() {
            if s.deny || s.local_ok {
                continue;
            }
            if self.satisfiable(r, &before) && !self.satisfiable(r, &impact.after) {
                impact.broken.push(r);
            } else if self.requires_claims(r) && s.can.intersects(&impact.after.trusted) {
                impact.kept.push(r);
            }
        }
        impact
    }
}
