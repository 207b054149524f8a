//! Dense tables compiled from the model: rules as condition bitsets and requirement bits, local
//! methods as one `u16` mask, IdPs as flags. Evaluation reads only these, so a decision is a
//! handful of bit operations and allocates nothing.

use super::proof::{self, Proof, State};
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

/// A growable bitset over dense ids (groups, zones, apps). The first word is inline, so a set of
/// ids below 64 (most orgs' groups and zones) is built without allocating.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Bits {
    /// Ids 0..64.
    low: u64,
    /// Word `i` holds ids `64 * (i + 1)..`; never ends in a zero word.
    high: Vec<u64>,
}

impl Bits {
    pub fn from_ids(ids: impl IntoIterator<Item = u32>) -> Bits {
        let mut bits = Bits::default();
        for id in ids {
            bits.insert(id);
        }
        bits
    }

    /// Inline for the first word (ids below 64): building a sign-in's groups is then a few
    /// instructions per id.
    #[inline]
    pub fn insert(&mut self, id: u32) {
        if id < 64 {
            self.low |= 1 << id;
            return;
        }
        self.insert_high(id);
    }

    // Not inlined, to keep `insert` small; not `cold` either, since an org of more than 64
    // groups takes it for every high id.
    #[inline(never)]
    fn insert_high(&mut self, id: u32) {
        let (word, bit) = ((id / 64 - 1) as usize, id % 64);
        if self.high.len() <= word {
            self.high.resize(word + 1, 0);
        }
        if let Some(w) = self.high.get_mut(word) {
            *w |= 1 << bit;
        }
    }

    pub fn contains(&self, id: u32) -> bool {
        if id < 64 {
            return self.low & (1 << id) != 0;
        }
        self.high
            .get((id / 64 - 1) as usize)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    pub fn intersects(&self, other: &Bits) -> bool {
        self.low & other.low != 0 || self.high.iter().zip(&other.high).any(|(a, b)| a & b != 0)
    }

    /// All words OR-ed together: bit `id % 64` for every member. Two sets whose folds do not
    /// intersect cannot intersect.
    pub fn fold(&self) -> u64 {
        self.high.iter().fold(self.low, |acc, w| acc | w)
    }

    /// Whether every member is below 63, so that [`Bits::fold63`] is the set itself.
    pub fn below_63(&self) -> bool {
        self.high.is_empty() && self.low & SCAN_ANY == 0
    }

    /// Bit `id % 63` for every member: like [`Bits::fold`], leaving bit 63 free ([`Scan`]).
    pub fn fold63(&self) -> u64 {
        if self.high.is_empty() {
            return (self.low & !SCAN_ANY) | u64::from(self.low & SCAN_ANY != 0);
        }
        let mut mask = 0;
        for (w, word) in std::iter::once(self.low)
            .chain(self.high.iter().copied())
            .enumerate()
        {
            let mut word = word;
            while word != 0 {
                let bit = word.trailing_zeros() as u64;
                mask |= 1 << ((w as u64 * 64 + bit) % 63);
                word &= word - 1;
            }
        }
        mask
    }
}

/// Bit 63 of a [`Scan`] mask: set in every user key, and alone in a rule without that condition.
pub const SCAN_ANY: u64 = 1 << 63;

/// A one-word summary of a rule's first positive `group in` and `zone in` conditions, to reject
/// most rules that cannot apply before looking at their conditions: each mask is the condition's
/// `Bits::fold63`, or [`SCAN_ANY`] without one; a user's keys are their folds with `SCAN_ANY` set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    pub groups: u64,
    pub zones: u64,
}

impl Scan {
    fn of(conditions: &[Cond]) -> Scan {
        let mut scan = Scan {
            groups: SCAN_ANY,
            zones: SCAN_ANY,
        };
        let (mut group_seen, mut zone_seen) = (false, false);
        for c in conditions {
            match c {
                Cond::Groups {
                    negated: false,
                    set,
                } if !group_seen => {
                    group_seen = true;
                    scan.groups = set.fold63();
                }
                Cond::Zones {
                    negated: false,
                    set,
                } if !zone_seen => {
                    zone_seen = true;
                    scan.zones = set.fold63();
                }
                _ => {}
            }
        }
        scan
    }

    /// Whether `conditions` are at most one positive `group in` and one positive `zone in`,
    /// each of ids below 63: then the scan's masks are the sets themselves, and for a user
    /// whose ids are below 63 too, passing the scan is applying.
    pub fn exact(conditions: &[Cond]) -> bool {
        let (mut groups, mut zones) = (0, 0);
        conditions.iter().all(|c| match c {
            Cond::Groups {
                negated: false,
                set,
            } => {
                groups += 1;
                set.below_63()
            }
            Cond::Zones {
                negated: false,
                set,
            } => {
                zones += 1;
                set.below_63()
            }
            _ => false,
        }) && groups <= 1
            && zones <= 1
    }

    /// False only when the rule certainly does not apply to a user with these keys.
    #[inline(always)]
    pub fn may_apply(self, user_groups: u64, user_zones: u64) -> bool {
        (self.groups & user_groups != 0) & (self.zones & user_zones != 0)
    }
}

/// The rules' [`Scan`]s turned inside out, 64 rules to a block: for each block and each key bit,
/// which of the block's rules have that bit in their scan mask. A scan ORs the rows of the user's
/// key bits, ANDs groups with zones, and visits only the rules whose prefilter lets the user
/// through: a block of 64 rules costs a few loads instead of 64 tests, and a request that falls
/// through to a catch-all skips every block with no candidate.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ScanIndex {
    groups: Vec<[u64; 64]>,
    zones: Vec<[u64; 64]>,
    /// Per block, the rules whose scan is exact ([`Scan::exact`]): for a user whose groups and
    /// zone are below 63, passing the scan is applying.
    exact: Vec<u64>,
}

impl ScanIndex {
    /// The index of `scans`; `exact[i]`: rule `i`'s conditions are exactly what its scan tests.
    pub fn build(scans: &[Scan], exact: &[bool]) -> ScanIndex {
        let blocks = scans.len().div_ceil(64);
        let mut index = ScanIndex {
            groups: vec![[0; 64]; blocks],
            zones: vec![[0; 64]; blocks],
            exact: vec![0; blocks],
        };
        for (i, scan) in scans.iter().enumerate() {
            let (block, bit) = (i / 64, 1u64 << (i % 64));
            if exact.get(i).copied().unwrap_or(false)
                && let Some(word) = index.exact.get_mut(block)
            {
                *word |= bit;
            }
            for (rows, mut mask) in [
                (&mut index.groups, scan.groups),
                (&mut index.zones, scan.zones),
            ] {
                let Some(rows) = rows.get_mut(block) else {
                    continue;
                };
                while mask != 0 {
                    rows[mask.trailing_zeros() as usize] |= bit;
                    mask &= mask - 1;
                }
            }
        }
        index
    }

    /// Whether rule `i`'s conditions are exactly its scan: for a user whose groups and zone are
    /// all below 63 (their keys are then the sets themselves), a candidate applies.
    #[inline]
    pub fn exact(&self, i: usize) -> bool {
        self.exact
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The rules of `range` (indices into `Tables::rules`) whose scan may let a user with these
    /// keys (`Bits::fold63`s with [`SCAN_ANY`] set) through, in order: exactly those for which
    /// `Scan::may_apply` holds.
    pub fn candidates(&self, range: Range<usize>, groups: u64, zones: u64) -> Candidates<'_> {
        let mut c = Candidates {
            index: self,
            groups,
            zones,
            start: range.start,
            end: range.end.min(self.groups.len() * 64),
            block: range.start / 64,
            mask: 0,
        };
        if c.start < c.end {
            c.mask = c.load();
        }
        c
    }
}

/// [`ScanIndex::candidates`].
pub struct Candidates<'t> {
    index: &'t ScanIndex,
    groups: u64,
    zones: u64,
    start: usize,
    end: usize,
    block: usize,
    /// The current block's candidates not visited yet.
    mask: u64,
}

impl Candidates<'_> {
    /// The current block's candidates within `start..end`.
    #[inline]
    fn load(&self) -> u64 {
        let or_rows = |rows: Option<&[u64; 64]>, mut keys: u64| {
            let Some(rows) = rows else { return 0 };
            let mut acc = 0;
            while keys != 0 {
                acc |= rows[keys.trailing_zeros() as usize];
                keys &= keys - 1;
            }
            acc
        };
        let zones = or_rows(self.index.zones.get(self.block), self.zones);
        if zones == 0 {
            return 0;
        }
        let mut mask = zones & or_rows(self.index.groups.get(self.block), self.groups);
        let base = self.block * 64;
        if self.start > base {
            mask &= u64::MAX << (self.start - base);
        }
        if self.end - base < 64 {
            mask &= (1u64 << (self.end - base)) - 1;
        }
        mask
    }
}

impl Iterator for Candidates<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        loop {
            if self.mask != 0 {
                let i = self.block * 64 + self.mask.trailing_zeros() as usize;
                self.mask &= self.mask - 1;
                return Some(i);
            }
            self.block += 1;
            if self.block * 64 >= self.end {
                return None;
            }
            self.mask = self.load();
        }
    }
}

/// Its size, not its rows.
impl std::fmt::Debug for ScanIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ScanIndex({} blocks)", self.groups.len())
    }
}

/// As the words of the set (`Bits([5])`, `Bits([0, 1])`, `Bits([])` when empty).
impl std::fmt::Debug for Bits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let words: Vec<u64> = if self.low == 0 && self.high.is_empty() {
            Vec::new()
        } else {
            std::iter::once(self.low)
                .chain(self.high.iter().copied())
                .collect()
        };
        f.debug_tuple("Bits").field(&words).finish()
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
    /// Its entry in [`Tables::completions`]; `None` for a deny rule (or past the table cap).
    pub completion: Option<u32>,
}

/// What completes a requirement, by what the claims proved: entry `state` is every local method
/// of the fewest that complete it from `state` (0: none can). Only entries for states that do
/// not already meet the requirement are read.
pub type Completion = [MethodMask; 256];

/// Distinct completions kept at most (each is 512 bytes); rules past it search at decision time.
const MAX_COMPLETIONS: usize = 256;

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
    /// Each rule's prefilter (`Scan`) by key bit, so that a scan visits only the rules that may
    /// apply.
    pub scan_index: ScanIndex,
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
    /// Per distinct requirement (with what each local method adds to it), what completes it:
    /// a refused sign-in's challenge is a lookup (`RuleTable::completion`).
    pub completions: Vec<Completion>,
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
        // Each app's policy, as `Model::policy_of_app` says: the one listing it (an app is
        // listed once: a second listing is an error and dropped), else the `default` policy.
        // One pass over the listings, not a search per app.
        let default = model.default_policy().map(|(p, _)| PolicyId(p as u32));
        tables.app_policy = vec![default; model.apps.len()];
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
            tables.rules.push(RuleTable {
                owner,
                index,
                conditions,
                action,
                local,
                completion: None,
            });
        }
        // The prefilters are read only through the index: derived here, not kept.
        let scans: Vec<Scan> = tables
            .rules
            .iter()
            .map(|r| Scan::of(&r.conditions))
            .collect();
        let exact: Vec<bool> = tables
            .rules
            .iter()
            .map(|r| Scan::exact(&r.conditions))
            .collect();
        tables.scan_index = ScanIndex::build(&scans, &exact);
        tables.build_completions();
        tables
    }

    /// Fills `completions`, one per distinct (requirement, what the local methods add to it).
    fn build_completions(&mut self) {
        let mut seen: std::collections::HashMap<(Need, bool, [State; 16]), u32> =
            std::collections::HashMap::new();
        let mut completions = Vec::new();
        for rule in &mut self.rules {
            let Action::Require(need) = &rule.action else {
                continue;
            };
            // A method chain is completed by methods, and only an app rule's (a session rule's
            // requirement is met by state, as `evaluate` reads it).
            let chain =
                matches!(rule.owner, RuleOwner::App(_)) && need.requirement == ReqKind::Chain;
            let key = (need.clone(), chain, rule.local);
            rule.completion = match seen.get(&key) {
                Some(&c) => Some(c),
                None if completions.len() < MAX_COMPLETIONS => {
                    let c = completions.len() as u32;
                    completions.push(completion(&key.0, chain, &rule.local, self.local));
                    seen.insert(key, c);
                    Some(c)
                }
                None => None,
            };
        }
        self.completions = completions;
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

/// What completes `need` from each state: the local methods (`available`) grouped by what they
/// add (`local`), each method its own group for a chain, and the fewest groups searched, as
/// `evaluate` would at decision time.
fn completion(need: &Need, chain: bool, local: &[State; 16], available: MethodMask) -> Completion {
    let mut classes: Vec<(State, MethodMask)> = Vec::new();
    for m in methods_of(available) {
        let add = local.get(m.0 as usize % 16).copied().unwrap_or(0);
        if let Some((_, methods)) = classes.iter_mut().find(|(a, _)| !chain && *a == add) {
            *methods |= method_bit(m);
        } else if classes.len() < 16 {
            classes.push((add, method_bit(m)));
        }
    }
    let mut table = [0; 256];
    for (state, slot) in table.iter_mut().enumerate() {
        let state = state as State;
        if proof::completes(need, chain, state, 0) {
            continue;
        }
        let ok = |picked: u32| {
            let (mut s, mut methods) = (state, 0);
            for (i, (add, ms)) in classes.iter().enumerate() {
                if picked & (1 << i) != 0 {
                    s |= add;
                    methods |= ms;
                }
            }
            proof::completes(need, chain, s, methods)
        };
        if let Some((_, picked)) = proof::fewest(classes.len(), ok) {
            *slot = classes
                .iter()
                .enumerate()
                .filter(|(i, _)| picked & (1 << i) != 0)
                .fold(0, |m, (_, (_, ms))| m | ms);
        }
    }
    table
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

#[cfg(test)]
mod scan_tests {
    use super::*;

    #[test]
    fn fold63_keeps_bit_63_free_and_agrees_with_membership() {
        for ids in [
            vec![],
            vec![0],
            vec![62],
            vec![63],
            vec![64, 126],
            vec![5, 63, 200, 1000],
        ] {
            let bits = Bits::from_ids(ids.iter().copied());
            let expected = ids.iter().fold(0u64, |m, id| m | 1 << (id % 63));
            assert_eq!(bits.fold63(), expected, "{ids:?}");
            assert_eq!(bits.fold63() & SCAN_ANY, 0);
            for id in &ids {
                assert!(bits.contains(*id));
                assert!(bits.intersects(&Bits::from_ids([*id])));
            }
            assert_eq!(format!("{:?}", Bits::default()), "Bits([])");
        }
        // A rule without a group condition passes every user, even one in no group.
        let any = Scan::of(&[]);
        assert!(any.may_apply(SCAN_ANY, SCAN_ANY));
        let g = Scan::of(&[Cond::Groups {
            negated: false,
            set: Bits::from_ids([70]),
        }]);
        assert!(g.may_apply(Bits::from_ids([70]).fold63() | SCAN_ANY, SCAN_ANY));
        assert!(!g.may_apply(Bits::from_ids([71]).fold63() | SCAN_ANY, SCAN_ANY));
        assert!(!g.may_apply(SCAN_ANY, SCAN_ANY));
    }

    /// The index yields exactly the rules of a range that `Scan::may_apply` lets through, in
    /// order: random scans (sparse and dense masks, catch-alls, empty sets), every kind of range
    /// (empty, inside one block, across blocks, unaligned ends), random keys.
    #[test]
    fn scan_index_candidates_are_the_linear_scan() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mask = |next: &mut dyn FnMut() -> u64| match next() % 5 {
            0 => SCAN_ANY,
            1 => 0,
            2 => next() & !SCAN_ANY,
            _ => 1 << (next() % 63),
        };
        for n in [0, 1, 63, 64, 65, 200, 640] {
            let scans: Vec<Scan> = (0..n)
                .map(|_| Scan {
                    groups: mask(&mut next),
                    zones: mask(&mut next),
                })
                .collect();
            let index = ScanIndex::build(&scans, &[]);
            for _ in 0..200 {
                let a = (next() as usize) % (n + 1);
                let b = a + (next() as usize) % (n + 1 - a);
                let keys = (
                    (next() & next() & next()) | SCAN_ANY,
                    (1 << (next() % 63)) | SCAN_ANY,
                );
                let linear: Vec<usize> = (a..b)
                    .filter(|&i| scans[i].may_apply(keys.0, keys.1))
                    .collect();
                let indexed: Vec<usize> = index.candidates(a..b, keys.0, keys.1).collect();
                assert_eq!(indexed, linear, "{n} rules, range {a}..{b}, keys {keys:x?}");
            }
        }
    }
}
