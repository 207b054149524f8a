//! The rule graph: the compiled model as a petgraph of policies, rules, conditions,
//! requirements, constraints, local methods, IdPs, AMR values, factor types and characteristics,
//! plus the dense tables (bitsets and indices) that evaluation and the static checker read.
//!
//! Built once per compile ([`RuleGraph::build`]); nothing in it changes afterwards.

mod build;
pub mod proof;
pub mod render;
pub mod tables;

use crate::model::catalogue::{Amr, Characteristic, FactorType};
use crate::model::{
    AppId, GroupId, IdpId, MethodId, Model, PolicyId, PossessionConstraint, RuleOwner, ZoneId,
};
use petgraph::graph::{DiGraph, NodeIndex};

/// A node of the rule graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An app sign-on policy.
    Policy(PolicyId),
    /// A global session policy (index into `Model::session_policies`).
    SessionPolicy(u32),
    /// A rule: its owner and its position in that policy.
    Rule {
        owner: RuleOwner,
        index: u32,
    },
    /// One condition of a rule (index into the rule's `conditions`).
    Condition {
        owner: RuleOwner,
        rule: u32,
        index: u32,
    },
    /// What a rule requires (`Requirement` rendered in words by `render`).
    Requirement {
        owner: RuleOwner,
        rule: u32,
    },
    /// A possession constraint a rule puts on possession factors.
    Constraint(PossessionConstraint),
    /// An app.
    App(AppId),
    Group(GroupId),
    Zone(ZoneId),
    /// A local authentication method the org has active.
    Method(MethodId),
    Idp(IdpId),
    /// An AMR value a third-party IdP can send: it proves the same over OIDC and SAML
    /// (`Amr::evidence`), so each value is one node.
    Amr(Amr),
    FactorType(FactorType),
    Characteristic(Characteristic),
}

/// An edge of the rule graph, read "source EDGE target".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edge {
    /// Policy → app it applies to; route/condition → group, zone or app it tests.
    AppliesTo,
    /// Policy → rule (in order), rule → condition, rule → requirement, requirement → constraint,
    /// requirement → factor type.
    Requires,
    /// Method / AMR value / IdP → factor type or characteristic it proves; IdP → AMR value or
    /// method it asserts.
    Provides,
    /// Factor type / characteristic → requirement or constraint it can satisfy.
    Satisfies,
}

/// The compiled policy set as a graph, plus dense tables for evaluation.
#[derive(Debug, Clone)]
pub struct RuleGraph {
    pub graph: DiGraph<Node, Edge>,
    /// The node of each rule, in `Model::rules()` order.
    pub rule_nodes: Vec<NodeIndex>,
    pub tables: tables::Tables,
}

impl RuleGraph {
    pub fn build(model: &Model) -> RuleGraph {
        let (graph, rule_nodes) = build::graph(model);
        RuleGraph {
            graph,
            rule_nodes,
            tables: tables::Tables::build(model),
        }
    }
}
