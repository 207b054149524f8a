//! Model → petgraph.
//!
//! What the edges mean, exactly:
//! - policy `Requires` rule, in the policy's order (insertion order of the edges);
//!   policy `AppliesTo` app.
//! - rule `Requires` condition, condition `AppliesTo` the groups, zones and apps it tests (risk,
//!   platform, domain and device conditions test no node).
//! - rule `Requires` requirement (deny rules have none). The requirement `Requires` the factor
//!   types that must be among the factors (knowledge for `password` and
//!   `password + 1 factor_type`, possession when there are possession constraints), its
//!   possession constraints, and, for a method chain, every method named in one of its chains
//!   (the chains themselves, alternatives in order, stay in the model).
//! - method `Provides` its factor types (biometric inherence included) and characteristics, from
//!   the catalogue; IdP `Provides` the AMR values and IdP-org methods it asserts (unsupported
//!   values and custom authenticators never); AMR `Provides` what it proves over the IdP's
//!   protocol (`Amr::evidence`; OIDC biometrics' characteristics count only beside a possession
//!   value, which the evidence says).
//! - factor type `Satisfies` each requirement it counts toward (every factor type for the factor
//!   counts, knowledge only for `password`, none for a chain); characteristic `Satisfies` the
//!   constraint it meets (`exclude_phone_email` is met by the absence of phone/email, so no
//!   characteristic satisfies it); the AMR value `mfa` `Satisfies` the factor-count and session
//!   requirements of rules without possession constraints.
//!
//! Shared nodes (groups, methods, factor types, ...) exist once, created on first use.

use super::{Edge, Node};
use crate::model::catalogue::Amr;
use crate::model::catalogue::{AuthenticatorKind, Characteristic, FactorType};
use crate::model::{
    Action, AppId, AssertedValue, Condition, ConditionTest, GroupId, IdpId, MethodId, Model,
    PolicyId, PossessionConstraint, Requirement, Rule, RuleOwner, Status, UsedFor, ZoneId,
};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;
use std::hash::Hash;

pub(super) fn graph(model: &Model) -> (DiGraph<Node, Edge>, Vec<NodeIndex>) {
    let mut b = Builder::default();
    for method in local_methods(model) {
        b.method(method);
    }
    for (n, idp) in model.idps.iter().enumerate() {
        let node = b.g.add_node(Node::Idp(IdpId(n as u32)));
        for asserted in &idp.asserts {
            let target = match &asserted.value {
                AssertedValue::Amr(amr) => Some(b.amr(*amr)),
                AssertedValue::Method(m) if !m.info().kind.is_custom() => Some(b.method(*m)),
                AssertedValue::Method(_) | AssertedValue::Unsupported(_) => None,
            };
            if let Some(target) = target {
                b.edge(node, target, Edge::Provides);
            }
        }
    }
    let mut rule_nodes = Vec::new();
    for (p, policy) in model.session_policies.iter().enumerate() {
        let node = b.g.add_node(Node::SessionPolicy(p as u32));
        let owner = RuleOwner::Session(p as u32);
        for (r, rule) in policy.rules.iter().enumerate() {
            if rule.status != Status::Active {
                continue;
            }
            let rule_node = b.rule(owner, r as u32, rule);
            b.edge(node, rule_node, Edge::Requires);
            rule_nodes.push(rule_node);
        }
    }
    for (p, policy) in model.policies.iter().enumerate() {
        let node = b.g.add_node(Node::Policy(PolicyId(p as u32)));
        for app in &policy.apps {
            let app = b.app(*app);
            b.edge(node, app, Edge::AppliesTo);
        }
        let owner = RuleOwner::App(PolicyId(p as u32));
        for (r, rule) in policy.rules.iter().enumerate() {
            if rule.status != Status::Active {
                continue;
            }
            let rule_node = b.rule(owner, r as u32, rule);
            b.edge(node, rule_node, Edge::Requires);
            rule_nodes.push(rule_node);
        }
    }
    (b.g, rule_nodes)
}

/// The local methods that can authenticate a user: every method of every active authenticator,
/// in model order, without duplicates. The security question counts only when used for MFA.
pub(super) fn local_methods(model: &Model) -> Vec<MethodId> {
    let mut out: Vec<MethodId> = Vec::new();
    for auth in &model.authenticators {
        let is_factor =
            auth.kind != AuthenticatorKind::SecurityQuestion || auth.used_for == UsedFor::Mfa;
        if auth.status != Status::Active || !is_factor {
            continue;
        }
        for m in &auth.methods {
            if !out.contains(m) {
                out.push(*m);
            }
        }
    }
    out
}

/// The characteristic that meets a possession constraint, if one does.
pub(super) fn characteristic_meeting(c: PossessionConstraint) -> Option<Characteristic> {
    match c {
        PossessionConstraint::PhishingResistant => Some(Characteristic::PhishingResistant),
        PossessionConstraint::HardwareProtected => Some(Characteristic::HardwareProtected),
        PossessionConstraint::DeviceBound => Some(Characteristic::DeviceBound),
        PossessionConstraint::UserPresence => Some(Characteristic::UserPresence),
        PossessionConstraint::UserVerification => Some(Characteristic::UserVerification),
        PossessionConstraint::ExcludePhoneEmail => None,
    }
}

#[derive(Default)]
struct Builder {
    g: DiGraph<Node, Edge>,
    groups: HashMap<GroupId, NodeIndex>,
    zones: HashMap<ZoneId, NodeIndex>,
    apps: HashMap<AppId, NodeIndex>,
    methods: HashMap<MethodId, NodeIndex>,
    amrs: HashMap<Amr, NodeIndex>,
    factors: HashMap<FactorType, NodeIndex>,
    characteristics: HashMap<Characteristic, NodeIndex>,
    constraints: HashMap<PossessionConstraint, NodeIndex>,
    /// The `mfa` AMR nodes (all added before any rule).
    mfa: Vec<NodeIndex>,
}

/// The node for `key` in `map`, added on first use; `true` when it was just added.
fn shared<K: Eq + Hash>(
    g: &mut DiGraph<Node, Edge>,
    map: &mut HashMap<K, NodeIndex>,
    key: K,
    node: impl FnOnce() -> Node,
) -> (NodeIndex, bool) {
    if let Some(&n) = map.get(&key) {
        return (n, false);
    }
    let n = g.add_node(node());
    map.insert(key, n);
    (n, true)
}

impl Builder {
    fn edge(&mut self, from: NodeIndex, to: NodeIndex, edge: Edge) {
        self.g.add_edge(from, to, edge);
    }

    fn group(&mut self, id: GroupId) -> NodeIndex {
        shared(&mut self.g, &mut self.groups, id, || Node::Group(id)).0
    }

    fn zone(&mut self, id: ZoneId) -> NodeIndex {
        shared(&mut self.g, &mut self.zones, id, || Node::Zone(id)).0
    }

    fn app(&mut self, id: AppId) -> NodeIndex {
        shared(&mut self.g, &mut self.apps, id, || Node::App(id)).0
    }

    fn factor(&mut self, f: FactorType) -> NodeIndex {
        shared(&mut self.g, &mut self.factors, f, || Node::FactorType(f)).0
    }

    fn characteristic(&mut self, c: Characteristic) -> NodeIndex {
        shared(&mut self.g, &mut self.characteristics, c, || {
            Node::Characteristic(c)
        })
        .0
    }

    /// A method node, with what it provides on first use.
    fn method(&mut self, id: MethodId) -> NodeIndex {
        let (n, new) = shared(&mut self.g, &mut self.methods, id, || Node::Method(id));
        if new {
            let info = id.info();
            for f in info.factors.union(info.with_biometrics).iter() {
                let f = self.factor(f);
                self.edge(n, f, Edge::Provides);
            }
            for c in info.characteristics.iter() {
                let c = self.characteristic(c);
                self.edge(n, c, Edge::Provides);
            }
        }
        n
    }

    /// An AMR node, with what it proves on first use.
    fn amr(&mut self, amr: Amr) -> NodeIndex {
        let evidence = amr.evidence();
        let (n, new) = shared(&mut self.g, &mut self.amrs, amr, || Node::Amr(amr));
        if new {
            for f in evidence.factors.iter() {
                let f = self.factor(f);
                self.edge(n, f, Edge::Provides);
            }
            for c in evidence.characteristics.iter() {
                let c = self.characteristic(c);
                self.edge(n, c, Edge::Provides);
            }
            if evidence.mfa_marker {
                self.mfa.push(n);
            }
        }
        n
    }

    /// A constraint node, with the characteristic that meets it on first use.
    fn constraint(&mut self, c: PossessionConstraint) -> NodeIndex {
        let (n, new) = shared(&mut self.g, &mut self.constraints, c, || {
            Node::Constraint(c)
        });
        if new && let Some(ch) = characteristic_meeting(c) {
            let ch = self.characteristic(ch);
            self.edge(ch, n, Edge::Satisfies);
        }
        n
    }

    fn rule(&mut self, owner: RuleOwner, index: u32, rule: &Rule) -> NodeIndex {
        let node = self.g.add_node(Node::Rule { owner, index });
        for (c, condition) in rule.conditions.iter().enumerate() {
            let cond = self.g.add_node(Node::Condition {
                owner,
                rule: index,
                index: c as u32,
            });
            self.edge(node, cond, Edge::Requires);
            for target in self.condition_targets(condition) {
                self.edge(cond, target, Edge::AppliesTo);
            }
        }
        if let Action::Require(requirement, _) = &rule.action {
            let req = self.g.add_node(Node::Requirement { owner, rule: index });
            self.edge(node, req, Edge::Requires);
            self.requirement(req, requirement, rule);
        }
        node
    }

    fn condition_targets(&mut self, condition: &Condition) -> Vec<NodeIndex> {
        match &condition.test {
            ConditionTest::Group { groups, .. } => groups.iter().map(|g| self.group(*g)).collect(),
            ConditionTest::Zone { zones, .. } => zones.iter().map(|z| self.zone(*z)).collect(),
            ConditionTest::App { apps, .. } => apps.iter().map(|a| self.app(*a)).collect(),
            ConditionTest::Risk { .. }
            | ConditionTest::Platform { .. }
            | ConditionTest::Domain { .. }
            | ConditionTest::Device(_) => Vec::new(),
        }
    }

    fn requirement(&mut self, req: NodeIndex, requirement: &Requirement, rule: &Rule) {
        use FactorType::{Knowledge, Possession};
        let constrained = !rule.possession.is_empty();
        let (needs, counts): (&[FactorType], &[FactorType]) = match requirement {
            Requirement::Password => (&[Knowledge], &[Knowledge]),
            Requirement::PasswordPlusFactor => (&[Knowledge], &FactorType::ALL),
            Requirement::OneFactorType
            | Requirement::TwoFactorTypes
            | Requirement::AnyFactor
            | Requirement::Mfa => (&[], &FactorType::ALL),
            Requirement::Chain(_) => (&[], &[]),
        };
        for f in needs {
            let f = self.factor(*f);
            self.edge(req, f, Edge::Requires);
        }
        if constrained && !needs.contains(&Possession) {
            let f = self.factor(Possession);
            self.edge(req, f, Edge::Requires);
        }
        let mut seen = Vec::new();
        for (c, _) in &rule.possession {
            if seen.contains(c) {
                continue;
            }
            seen.push(*c);
            let c = self.constraint(*c);
            self.edge(req, c, Edge::Requires);
        }
        if let Requirement::Chain(chains) = requirement {
            let mut seen = Vec::new();
            for m in chains.iter().flatten() {
                if seen.contains(m) {
                    continue;
                }
                seen.push(*m);
                let m = self.method(*m);
                self.edge(req, m, Edge::Requires);
            }
        }
        for f in counts {
            let f = self.factor(*f);
            self.edge(f, req, Edge::Satisfies);
        }
        let mfa_counts = matches!(
            requirement,
            Requirement::OneFactorType
                | Requirement::TwoFactorTypes
                | Requirement::AnyFactor
                | Requirement::Mfa
        );
        if mfa_counts && !constrained {
            for m in self.mfa.clone() {
                self.edge(m, req, Edge::Satisfies);
            }
        }
    }
}
