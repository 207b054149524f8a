//! Dense tables compiled from the model: rules as condition bitsets and requirement bits, local
//! methods as one `u16` mask, IdPs as flags. Evaluation reads only these, so a decision is a
//! handful of bit operations and allocates nothing.

use super::proof::{Proof, State};
use crate::model::catalogue::{AuthenticatorKind, Characteristic, Characteristics, IdpKind};
use crate::model::*;
use std::ops::Range;

/// A set of local methods: bit `i` is `MethodId(i)` (the catalogue has fewer than 16 methods).
pub type MethodMask = u16;

pub fn method_bit(m: MethodId) -> MethodMask {
    1 << m.0
}

/// Methods of a mask, in catalogue order.
pub fn methods_of(mask: MethodMask) -> impl Iterator<Item = MethodId> {
    MethodId::all().filter(move |m| mask & method_bit(*m) != 0)
}

/// A growable bitset over dense ids (groups, zones, apps).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bits(Vec<u64>);

impl Bits {
    pub fn from_ids(ids: impl IntoIterator<Item = u32>) -> Bits {
        let mut bits = Bits::default();
        for id in ids {
            bits.insert(id);
        }
        bits
    }

    pub fn insert(&mut self, id: u32) {
        let (word, bit) = ((id / 64) as usize, id % 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }

    pub fn contains(&self, id: u32) -> bool {
        self.0
            .get((id / 64) as usize)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    pub fn intersects(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }

    /// All words OR-ed together: bit `id % 64` for every member. Two sets whose folds do not
    /// intersect cannot intersect.
    pub fn fold(&self) -> u64 {
        self.0.iter().fold(0, |acc, w| acc | w)
    }
}

/// A one-word summary of a rule's positive `group in` and `zone in` conditions, to reject most
/// rules that cannot apply with two AND operations before looking at their conditions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prefilter {
    /// `Bits::fold` of the first `group in [..]` set; 0 when the rule has none.
    pub groups: u64,
    /// `Bits::fold` of the first `zone in [..]` set; 0 when the rule has none.
    pub zones: u64,
}

impl Prefilter {
    fn of(conditions: &[Cond]) -> Prefilter {
        let mut p = Prefilter::default();
        for c in conditions {
            match c {
                Cond::Groups {
                    negated: false,
                    set,
                } if p.groups == 0 => p.groups = set.fold(),
                Cond::Zones {
                    negated: false,
                    set,
                } if p.zones == 0 => p.zones = set.fold(),
                _ => {}
            }
        }
        p
    }

    /// False only when the rule certainly does not apply to a user with these folds.
    #[inline]
    pub fn may_apply(self, user_groups: u64, user_zones: u64) -> bool {
        (self.groups == 0 || self.groups & user_groups != 0)
            && (self.zones == 0 || self.zones & user_zones != 0)
    }
}

/// One compiled condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    Groups { negated: bool, set: Bits },
    Zones { negated: bool, set: Bits },
    Apps { negated: bool, set: Bits },
    Risk { negated: bool, mask: u8 },
    Platform { negated: bool, mask: u8 },
    Domains { negated: bool, domains: Vec<String> },
    Device(DeviceState),
}

/// What a rule asks for, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Deny,
    Require(Need),
}

/// A requirement with its constraints and method settings, as bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Need {
    pub requirement: ReqKind,
    /// Characteristics every counted possession factor must have.
    pub required: Characteristics,
    /// `exclude_phone_email`.
    pub exclude_phone_email: bool,
    /// Whether possession constraints are set at all: then a compliant possession factor is
    /// needed and `mfa` alone cannot do.
    pub constrained: bool,
    pub filter: Filter,
    /// Method chains, each a mask of the methods it needs (`ReqKind::Chain`).
    pub chains: Vec<MethodMask>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReqKind {
    Password,
    OneFactorType,
    PasswordPlusFactor,
    TwoFactorTypes,
    Chain,
    AnyFactor,
    Mfa,
}

/// "Authentication methods" of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Filter {
    Any,
    Only(MethodMask),
    Except(MethodMask),
}

impl Filter {
    pub fn allows(self, m: MethodId) -> bool {
        match self {
            Filter::Any => true,
            Filter::Only(mask) => mask & method_bit(m) != 0,
            Filter::Except(mask) => mask & method_bit(m) == 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTable {
    pub owner: RuleOwner,
    /// Position in its policy.
    pub index: u32,
    pub conditions: Vec<Cond>,
    pub action: Action,
    /// What each local method (by `MethodId`) adds toward this rule: 0 for methods the org
    /// cannot challenge with or the rule's `methods` setting excludes. Precomputed so that a
    /// challenge is found without touching the catalogue.
    pub local: [State; 16],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTable {
    pub conditions: Vec<Cond>,
    pub to: Option<IdpId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdpTable {
    pub kind: IdpKind,
    pub active: bool,
    /// `trust_claims` is on and the org's claims-sharing feature for the IdP's kind is on.
    pub trusted: bool,
    /// An Okta IdP org on the Classic Engine.
    pub classic: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Tables {
    /// Every rule, in `Model::rules()` order: session rules first, then app rules.
    pub rules: Vec<RuleTable>,
    /// `rules[i]`'s prefilter, kept apart so that a scan touches one small array.
    pub prefilters: Vec<Prefilter>,
    /// The session rules: `rules[session]`, in order across session policies.
    pub session: Range<usize>,
    /// Per app policy, its rules in `rules`.
    pub policy_rules: Vec<Range<usize>>,
    /// Per app, its app policy.
    pub app_policy: Vec<Option<PolicyId>>,
    pub routes: Vec<RouteTable>,
    pub idps: Vec<IdpTable>,
    /// Local methods a user can be challenged with: active authenticator, enrollment allowed,
    /// method turned on (the security question only when used for MFA).
    pub local: MethodMask,
    /// The SP org runs the Classic Engine.
    pub classic_sp: bool,
    /// The security question is used for MFA, which stops third-party SAML claims from
    /// satisfying other factor types.
    pub security_question_mfa: bool,
}

impl Tables {
    pub fn build(model: &Model) -> Tables {
        let features = model.features();
        let mut tables = Tables {
            classic_sp: model
                .org
                .as_ref()
                .is_some_and(|o| o.engine == Engine::Classic),
            ..Tables::default()
        };
        for a in &model.authenticators {
            if a.kind == AuthenticatorKind::SecurityQuestion && a.used_for == UsedFor::Mfa {
                tables.security_question_mfa = a.status == Status::Active;
            }
            let usable = a.status == Status::Active
                && a.enrollment == Enrollment::Allowed
                && (a.kind != AuthenticatorKind::SecurityQuestion || a.used_for == UsedFor::Mfa);
            if usable {
                for m in &a.methods {
                    tables.local |= method_bit(*m);
                }
            }
        }
        tables.idps = model
            .idps
            .iter()
            .map(|idp| IdpTable {
                kind: idp.kind,
                active: idp.status == Status::Active,
                trusted: idp.trust_claims && features.covers(idp.kind),
                classic: idp.kind.is_okta() && idp.engine == Engine::Classic,
            })
            .collect();
        tables.routes = model
            .routes
            .iter()
            .map(|r| RouteTable {
                conditions: r.conditions.iter().map(compile_condition).collect(),
                to: r.to.map(|(id, _)| id),
            })
            .collect();
        tables.app_policy = vec![None; model.apps.len()];
        for (p, policy) in model.policies.iter().enumerate() {
            for app in &policy.apps {
                if let Some(slot) = tables.app_policy.get_mut(app.index()) {
                    *slot = Some(PolicyId(p as u32));
                }
            }
        }
        tables.policy_rules = vec![0..0; model.policies.len()];
        for (owner, index, rule) in model.indexed_rules() {
            let index = index as u32;
            let at = tables.rules.len();
            match owner {
                RuleOwner::Session(_) => tables.session.end = at + 1,
                RuleOwner::App(p) => {
                    let range = &mut tables.policy_rules[p.index()];
                    if range.start == range.end {
                        *range = at..at;
                    }
                    range.end = at + 1;
                }
            }
            let action = compile_action(rule);
            let mut local = [0; 16];
            if let Action::Require(need) = &action {
                for m in methods_of(tables.local).filter(|m| need.filter.allows(*m)) {
                    if let Some(slot) = local.get_mut(m.0 as usize) {
                        *slot = Proof::local(m).state(need);
                    }
                }
            }
            let conditions: Vec<Cond> = rule.conditions.iter().map(compile_condition).collect();
            tables.prefilters.push(Prefilter::of(&conditions));
            tables.rules.push(RuleTable {
                owner,
                index,
                conditions,
                action,
                local,
            });
        }
        tables
    }

    pub fn session_rules(&self) -> &[RuleTable] {
        self.rules.get(self.session.clone()).unwrap_or(&[])
    }

    pub fn policy_rules(&self, policy: PolicyId) -> &[RuleTable] {
        self.policy_rules
            .get(policy.index())
            .and_then(|r| self.rules.get(r.clone()))
            .unwrap_or(&[])
    }
}

fn compile_condition(c: &Condition) -> Cond {
    match &c.test {
        ConditionTest::Group { negated, groups } => Cond::Groups {
            negated: *negated,
            set: Bits::from_ids(groups.iter().map(|g| g.0)),
        },
        ConditionTest::Zone { negated, zones } => Cond::Zones {
            negated: *negated,
            set: Bits::from_ids(zones.iter().map(|z| z.0)),
        },
        ConditionTest::App { negated, apps } => Cond::Apps {
            negated: *negated,
            set: Bits::from_ids(apps.iter().map(|a| a.0)),
        },
        ConditionTest::Risk { negated, levels } => Cond::Risk {
            negated: *negated,
            mask: levels.iter().fold(0, |m, r| m | risk_bit(*r)),
        },
        ConditionTest::Platform { negated, platforms } => Cond::Platform {
            negated: *negated,
            mask: platforms.iter().fold(0, |m, p| m | platform_bit(*p)),
        },
        ConditionTest::Domain { negated, domains } => Cond::Domains {
            negated: *negated,
            domains: domains.clone(),
        },
        ConditionTest::Device(state) => Cond::Device(*state),
    }
}

pub fn risk_bit(r: Risk) -> u8 {
    match r {
        Risk::Low => 1,
        Risk::Medium => 2,
        Risk::High => 4,
    }
}

pub fn platform_bit(p: Platform) -> u8 {
    match p {
        Platform::Ios => 1,
        Platform::Android => 2,
        Platform::Macos => 4,
        Platform::Windows => 8,
        Platform::Chromeos => 16,
    }
}

fn compile_action(rule: &Rule) -> Action {
    let requirement = match &rule.action {
        crate::model::Action::Deny(_) => return Action::Deny,
        crate::model::Action::Require(r, _) => r,
    };
    let mut required = Characteristics::EMPTY;
    let mut exclude_phone_email = false;
    for (c, _) in &rule.possession {
        let characteristic = match c {
            PossessionConstraint::PhishingResistant => Characteristic::PhishingResistant,
            PossessionConstraint::HardwareProtected => Characteristic::HardwareProtected,
            PossessionConstraint::DeviceBound => Characteristic::DeviceBound,
            PossessionConstraint::UserPresence => Characteristic::UserPresence,
            PossessionConstraint::UserVerification => Characteristic::UserVerification,
            PossessionConstraint::ExcludePhoneEmail => {
                exclude_phone_email = true;
                continue;
            }
        };
        required = required.union(Characteristics::of(&[characteristic]));
    }
    let mask = |ms: &[MethodId]| ms.iter().fold(0, |m, id| m | method_bit(*id));
    let (kind, chains) = match requirement {
        Requirement::Password => (ReqKind::Password, Vec::new()),
        Requirement::OneFactorType => (ReqKind::OneFactorType, Vec::new()),
        Requirement::PasswordPlusFactor => (ReqKind::PasswordPlusFactor, Vec::new()),
        Requirement::TwoFactorTypes => (ReqKind::TwoFactorTypes, Vec::new()),
        Requirement::AnyFactor => (ReqKind::AnyFactor, Vec::new()),
        Requirement::Mfa => (ReqKind::Mfa, Vec::new()),
        Requirement::Chain(chains) => (ReqKind::Chain, chains.iter().map(|c| mask(c)).collect()),
    };
    Action::Require(Need {
        requirement: kind,
        required,
        exclude_phone_email,
        constrained: !rule.possession.is_empty(),
        filter: match &rule.methods {
            MethodFilter::Any => Filter::Any,
            MethodFilter::Only(ms) => Filter::Only(mask(ms)),
            MethodFilter::Except(ms) => Filter::Except(mask(ms)),
        },
        chains,
    })
}
