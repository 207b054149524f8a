//! The rule graph as Graphviz dot or Mermaid, for people.
//!
//! Both formats draw the same view, laid out left to right: identity providers and local
//! authenticator methods are the sources, AMR values, factor types, characteristics and
//! possession constraints are in the middle, and each policy is a cluster holding its rules in
//! order (linked by `else` edges). A rule's label says its requirement and conditions in words.
//!
//! The view folds some of the graph into labels: conditions, requirements, apps and the
//! policies themselves are not drawn as nodes, and the factor type → requirement edges that
//! every factor-count requirement has are left out (the label says the count). What a rule's
//! requirement requires (a factor type, a constraint, the methods of a chain) is drawn as a
//! dashed line without an arrowhead to the rule.
//!
//! Output is deterministic: nodes and edges come in graph order, never in hash order.

use super::build::local_methods;
use super::{Edge, Node, RuleGraph};
use crate::model::catalogue::{Characteristic, FactorType};
use crate::model::{
    Action, ConditionTest, DeviceState, MethodFilter, Model, Platform, PossessionConstraint,
    Reauth, Requirement, Risk, Rule, RuleOwner, Status,
};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The graph in Graphviz dot. With `policy`, only the policies of that name and what their
/// rules reach; an unknown name draws no policy (callers check names with [`policy_names`]).
pub fn dot(graph: &RuleGraph, model: &Model, policy: Option<&str>) -> String {
    let view = View::new(graph, model, policy);
    let mut out = String::new();
    out.push_str("digraph policyc {\n");
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let dot_node = |out: &mut String, indent: &str, n: &ViewNode| {
        let attrs = match n.shape {
            Shape::Idp => "shape=box, style=\"rounded,filled\", fillcolor=\"#dbe8f5\"",
            Shape::Method => "shape=box, style=filled, fillcolor=\"#e3f1e0\"",
            Shape::Amr => "shape=ellipse, style=dashed",
            Shape::Factor => "shape=ellipse, style=bold",
            Shape::Characteristic => "shape=ellipse",
            Shape::Constraint => "shape=hexagon",
            Shape::Rule => "shape=box",
        };
        let _ = writeln!(
            out,
            "{indent}n{} [label=\"{}\", {attrs}];",
            n.index.index(),
            dot_label(&n.label)
        );
    };
    // A rule is a row of its policy's table, so edges to it name the row's port.
    let mut rows: HashMap<NodeIndex, String> = HashMap::new();
    for section in &view.sections {
        if section.policy {
            for n in &section.nodes {
                let _ = rows.insert(
                    n.index,
                    format!("policy_{}:n{}:w", section.id, n.index.index()),
                );
            }
        }
    }
    let end = |n: NodeIndex| {
        rows.get(&n)
            .cloned()
            .unwrap_or_else(|| format!("n{}", n.index()))
    };
    for section in &view.sections {
        match &section.title {
            Some(title) => {
                let _ = writeln!(out, "  subgraph cluster_{} {{", section.id);
                let _ = writeln!(out, "    label=\"{}\";", dot_label(title));
                if section.policy {
                    // One table, so the rules stay in the order they are tried.
                    let _ = writeln!(
                        out,
                        "    policy_{} [shape=plaintext, label=<<table border=\"0\" \
                         cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">",
                        section.id
                    );
                    for (i, n) in section.nodes.iter().enumerate() {
                        let _ = writeln!(
                            out,
                            "      <tr><td port=\"n{}\" align=\"left\" balign=\"left\">{}. {}</td></tr>",
                            n.index.index(),
                            i + 1,
                            html_label(&n.label)
                        );
                    }
                    if section.nodes.is_empty() {
                        out.push_str("      <tr><td>no rules</td></tr>\n");
                    }
                    out.push_str("    </table>>];\n");
                } else {
                    for n in &section.nodes {
                        dot_node(&mut out, "    ", n);
                    }
                }
                out.push_str("  }\n");
            }
            None => {
                for n in &section.nodes {
                    dot_node(&mut out, "  ", n);
                }
            }
        }
    }
    for e in &view.edges {
        let attrs = match e.style {
            EdgeStyle::Provides => "",
            EdgeStyle::WithPossession => " [label=\"with possession\", style=dashed]",
            EdgeStyle::Satisfies => " [label=\"satisfies\"]",
            EdgeStyle::Required => " [dir=none, style=dashed]",
            EdgeStyle::InChain => " [label=\"in chain\", dir=none, style=dashed]",
        };
        let _ = writeln!(out, "  {} -> {}{attrs};", end(e.from), end(e.to));
    }
    out.push_str("}\n");
    out
}

/// The graph as a Mermaid flowchart; `policy` as for [`dot`].
pub fn mermaid(graph: &RuleGraph, model: &Model, policy: Option<&str>) -> String {
    let view = View::new(graph, model, policy);
    let mut out = String::from("flowchart LR\n");
    let mermaid_node = |out: &mut String, indent: &str, n: &ViewNode| {
        let (open, close) = match n.shape {
            Shape::Idp => ("([", "])"),
            Shape::Method | Shape::Rule => ("[", "]"),
            Shape::Amr | Shape::Characteristic => ("(", ")"),
            Shape::Factor => ("{{", "}}"),
            Shape::Constraint => ("[/", "/]"),
        };
        let _ = writeln!(
            out,
            "{indent}n{}{open}\"{}\"{close}",
            n.index.index(),
            mermaid_label(&n.label)
        );
    };
    for section in &view.sections {
        match &section.title {
            Some(title) => {
                let _ = writeln!(
                    out,
                    "  subgraph cluster_{}[\"{}\"]",
                    section.id,
                    mermaid_label(title)
                );
                for n in &section.nodes {
                    mermaid_node(&mut out, "    ", n);
                }
                for pair in section.nodes.windows(2).filter(|_| section.policy) {
                    let _ = writeln!(
                        out,
                        "    n{} -.->|else| n{}",
                        pair[0].index.index(),
                        pair[1].index.index()
                    );
                }
                out.push_str("  end\n");
            }
            None => {
                for n in &section.nodes {
                    mermaid_node(&mut out, "  ", n);
                }
            }
        }
    }
    for e in &view.edges {
        let link = match e.style {
            EdgeStyle::Provides => "-->",
            EdgeStyle::WithPossession => "-->|with possession|",
            EdgeStyle::Satisfies => "==>|satisfies|",
            EdgeStyle::Required => "---",
            EdgeStyle::InChain => "---|in chain|",
        };
        let _ = writeln!(out, "  n{} {link} n{}", e.from.index(), e.to.index());
    }
    out
}

/// The names `--policy` accepts: app policies, then session policies, in model order.
pub fn policy_names(model: &Model) -> Vec<&str> {
    let mut names: Vec<&str> = model.policies.iter().map(|p| p.name.as_str()).collect();
    for sp in &model.session_policies {
        if !names.contains(&sp.name.as_str()) {
            names.push(&sp.name);
        }
    }
    names
}

#[derive(Clone, Copy)]
enum Shape {
    Idp,
    Method,
    Amr,
    Factor,
    Characteristic,
    Constraint,
    Rule,
}

#[derive(Clone, Copy)]
enum EdgeStyle {
    Provides,
    /// An OIDC biometric's characteristic, which counts only beside a possession value.
    WithPossession,
    /// `mfa` satisfying a rule's requirement.
    Satisfies,
    /// The rule's requirement requires the node (drawn from the node to the rule).
    Required,
    /// A method of one of the rule's chains.
    InChain,
}

struct ViewNode {
    index: NodeIndex,
    shape: Shape,
    /// One entry per line, unescaped.
    label: Vec<String>,
}

struct Section {
    /// The cluster's id (`cluster_<id>`); policies are numbered from 0.
    id: String,
    /// `None` for nodes outside any cluster.
    title: Option<Vec<String>>,
    nodes: Vec<ViewNode>,
    /// A policy: its nodes are its rules, in order.
    policy: bool,
}

struct ViewEdge {
    from: NodeIndex,
    to: NodeIndex,
    style: EdgeStyle,
}

struct View {
    sections: Vec<Section>,
    edges: Vec<ViewEdge>,
}

impl View {
    fn new(rg: &RuleGraph, model: &Model, policy: Option<&str>) -> View {
        let g = &rg.graph;
        let owner_name = |owner: RuleOwner| match owner {
            RuleOwner::Session(p) => model.session_policies.get(p as usize).map(|p| &p.name),
            RuleOwner::App(p) => model.policies.get(p.index()).map(|p| &p.name),
        };
        let selected = |owner: RuleOwner| {
            policy.is_none_or(|name| owner_name(owner).is_some_and(|n| n == name))
        };

        // The rule each requirement belongs to.
        let mut rule_of: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        for e in g.edge_references() {
            if let (Node::Rule { .. }, Node::Requirement { .. }) = (&g[e.source()], &g[e.target()])
            {
                rule_of.insert(e.target(), e.source());
            }
        }

        let mut visible = vec![policy.is_none(); g.node_count()];
        if policy.is_some() {
            // What the selected rules reach: their requirements, what those require, and
            // everything that provides or satisfies any of it.
            let mut stack: Vec<NodeIndex> = Vec::new();
            for (req, rule) in &rule_of {
                if let Node::Rule { owner, .. } = g[*rule]
                    && selected(owner)
                {
                    stack.push(*req);
                    stack.extend(g.neighbors_directed(*req, Direction::Outgoing));
                }
            }
            while let Some(n) = stack.pop() {
                if std::mem::replace(&mut visible[n.index()], true) {
                    continue;
                }
                for e in g.edges_directed(n, Direction::Incoming) {
                    if matches!(e.weight(), Edge::Provides | Edge::Satisfies) {
                        stack.push(e.source());
                    }
                }
            }
        }

        let local = local_methods(model);
        let mut idps = Vec::new();
        let mut locals = Vec::new();
        let mut loose = Vec::new();
        for n in g.node_indices() {
            let node = &g[n];
            let in_view = match node {
                Node::Rule { owner, .. } => selected(*owner),
                _ => visible[n.index()],
            };
            if !in_view {
                continue;
            }
            let (shape, label) = match node {
                Node::Idp(id) => {
                    let Some(idp) = model.idp(*id) else { continue };
                    let mut notes = vec![idp.kind.as_str().to_owned()];
                    if idp.status == Status::Inactive {
                        notes.push("inactive".into());
                    }
                    if !idp.trust_claims {
                        notes.push("claims not trusted".into());
                    } else if !model.features().covers(idp.kind) {
                        notes.push("claims sharing off".into());
                    }
                    (Shape::Idp, vec![idp.name.clone(), notes.join(", ")])
                }
                Node::Method(m) => (Shape::Method, vec![m.info().name()]),
                Node::Amr(amr) => (Shape::Amr, vec![format!("amr {amr}")]),
                Node::FactorType(f) => (Shape::Factor, vec![factor_words(*f).to_owned()]),
                Node::Characteristic(c) => (
                    Shape::Characteristic,
                    vec![characteristic_words(*c).to_owned()],
                ),
                Node::Constraint(c) => (
                    Shape::Constraint,
                    vec![format!("constraint {}", c.as_str())],
                ),
                Node::Rule { .. }
                | Node::Policy(_)
                | Node::SessionPolicy(_)
                | Node::Condition { .. }
                | Node::Requirement { .. }
                | Node::App(_)
                | Node::Group(_)
                | Node::Zone(_) => continue,
            };
            let view_node = ViewNode {
                index: n,
                shape,
                label,
            };
            match node {
                Node::Idp(_) => idps.push(view_node),
                Node::Method(m) if local.contains(m) => locals.push(view_node),
                _ => loose.push(view_node),
            }
        }

        let mut sections = Vec::new();
        for (id, title, nodes) in [
            ("idps", "identity providers", idps),
            ("local", "local authenticators", locals),
        ] {
            if !nodes.is_empty() {
                sections.push(Section {
                    id: id.into(),
                    title: Some(vec![title.into()]),
                    nodes,
                    policy: false,
                });
            }
        }
        loose.sort_by_key(|n| (kind_rank(&g[n.index]), n.index));
        sections.push(Section {
            id: String::new(),
            title: None,
            nodes: loose,
            policy: false,
        });

        // One cluster per policy, session policies first, rules in order.
        let owners = (0..model.session_policies.len())
            .map(|p| RuleOwner::Session(p as u32))
            .chain(
                (0..model.policies.len()).map(|p| RuleOwner::App(crate::model::PolicyId(p as u32))),
            );
        let mut cluster = 0;
        for owner in owners {
            if !selected(owner) {
                continue;
            }
            let title = match owner {
                RuleOwner::Session(p) => match model.session_policies.get(p as usize) {
                    Some(sp) => vec![format!("session policy {}", sp.name)],
                    None => continue,
                },
                RuleOwner::App(p) => match model.policies.get(p.index()) {
                    Some(policy) => {
                        let apps: Vec<&str> = policy
                            .apps
                            .iter()
                            .filter_map(|a| model.apps.get(a.index()).map(|a| a.name.as_str()))
                            .collect();
                        vec![
                            format!("policy {}", policy.name),
                            format!("apps: {}", apps.join(", ")),
                        ]
                    }
                    None => continue,
                },
            };
            let mut nodes = Vec::new();
            for &n in &rg.rule_nodes {
                let Node::Rule { owner: o, index } = g[n] else {
                    continue;
                };
                if o != owner {
                    continue;
                }
                let Some(rule) = rule_in(model, owner, index) else {
                    continue;
                };
                nodes.push(ViewNode {
                    index: n,
                    shape: Shape::Rule,
                    label: rule_label(model, rule),
                });
            }
            sections.push(Section {
                id: cluster.to_string(),
                title: Some(title),
                nodes,
                policy: true,
            });
            cluster += 1;
        }

        let shown = |n: NodeIndex| match &g[n] {
            Node::Rule { owner, .. } => selected(*owner),
            _ => visible[n.index()],
        };
        let mut edges = Vec::new();
        for e in g.edge_references() {
            let (from, to) = (e.source(), e.target());
            let edge = match (e.weight(), &g[from], &g[to]) {
                (Edge::Provides, Node::Amr(amr), Node::Characteristic(_))
                    if amr.evidence().characteristics_need_possession =>
                {
                    Some((from, to, EdgeStyle::WithPossession))
                }
                (Edge::Provides, _, _) => Some((from, to, EdgeStyle::Provides)),
                (Edge::Satisfies, _, Node::Constraint(_)) => Some((from, to, EdgeStyle::Provides)),
                (Edge::Satisfies, Node::Amr(_), Node::Requirement { .. }) => rule_of
                    .get(&to)
                    .map(|rule| (from, *rule, EdgeStyle::Satisfies)),
                (Edge::Requires, Node::Requirement { .. }, target) => {
                    let style = match target {
                        Node::Method(_) => EdgeStyle::InChain,
                        _ => EdgeStyle::Required,
                    };
                    rule_of.get(&from).map(|rule| (to, *rule, style))
                }
                _ => None,
            };
            if let Some((from, to, style)) = edge
                && shown(from)
                && shown(to)
            {
                edges.push(ViewEdge { from, to, style });
            }
        }
        edges.sort_by_key(|e| (e.from, e.to));
        View { sections, edges }
    }
}

/// Where a node outside the clusters is drawn, left to right: IdP-org methods, AMR values,
/// factor types, characteristics, constraints.
fn kind_rank(node: &Node) -> u8 {
    match node {
        Node::Method(_) => 0,
        Node::Amr(_) => 1,
        Node::FactorType(_) => 2,
        Node::Characteristic(_) => 3,
        _ => 4,
    }
}

fn rule_in(model: &Model, owner: RuleOwner, index: u32) -> Option<&Rule> {
    let rules = match owner {
        RuleOwner::Session(p) => &model.session_policies.get(p as usize)?.rules,
        RuleOwner::App(p) => &model.policies.get(p.index())?.rules,
    };
    rules.get(index as usize)
}

/// A rule in words: its name and requirement on the first line, its conditions on the second.
fn rule_label(model: &Model, rule: &Rule) -> Vec<String> {
    let mut first = format!("{}: ", rule.name);
    match &rule.action {
        Action::Deny(_) => first.push_str("deny"),
        Action::Require(requirement, _) => {
            first.push_str(&requirement_words(requirement));
            if !rule.possession.is_empty() {
                let words: Vec<&str> = rule
                    .possession
                    .iter()
                    .map(|(c, _)| constraint_words(*c))
                    .collect();
                let _ = write!(first, ", {} possession", words.join(" + "));
            }
            match &rule.methods {
                MethodFilter::Any => {}
                MethodFilter::Only(m) => {
                    let _ = write!(first, "; only {}", method_list(m));
                }
                MethodFilter::Except(m) => {
                    let _ = write!(first, "; methods except {}", method_list(m));
                }
            }
            if let Some((reauth, _)) = rule.reauth {
                let _ = write!(first, "; reauth {}", reauth_words(reauth));
            }
        }
    }
    let mut lines = vec![first];
    if !rule.conditions.is_empty() {
        let conditions: Vec<String> = rule
            .conditions
            .iter()
            .map(|c| condition_words(model, &c.test))
            .collect();
        lines.push(format!("when {}", conditions.join(" and ")));
    }
    lines
}

fn requirement_words(r: &Requirement) -> String {
    match r {
        Requirement::Password => "password/IdP".into(),
        Requirement::OneFactorType => "any 1 factor type/IdP".into(),
        Requirement::PasswordPlusFactor => "password/IdP + another factor".into(),
        Requirement::TwoFactorTypes => "2 factor types".into(),
        Requirement::AnyFactor => "any factor".into(),
        Requirement::Mfa => "MFA".into(),
        Requirement::Chain(chains) => {
            let chains: Vec<String> = chains
                .iter()
                .map(|c| {
                    c.iter()
                        .map(|m| m.info().name())
                        .collect::<Vec<_>>()
                        .join(" → ")
                })
                .collect();
            format!("chain {}", chains.join(" | "))
        }
    }
}

fn method_list(methods: &[crate::model::MethodId]) -> String {
    methods
        .iter()
        .map(|m| m.info().name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn reauth_words(r: Reauth) -> String {
    match r {
        Reauth::EverySignIn => "every sign-in".into(),
        Reauth::Never => "never".into(),
        Reauth::AfterSecs(s) if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        Reauth::AfterSecs(s) if s > 0 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        Reauth::AfterSecs(s) if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        Reauth::AfterSecs(s) => format!("{s}s"),
    }
}

fn condition_words(model: &Model, test: &ConditionTest) -> String {
    fn names<T>(items: &[T], name: impl Fn(&T) -> Option<String>) -> String {
        items.iter().filter_map(name).collect::<Vec<_>>().join(", ")
    }
    fn is(negated: bool) -> &'static str {
        if negated { "not in" } else { "in" }
    }
    let named = |list: &[crate::model::Named], i: usize| list.get(i).map(|n| n.name.clone());
    match test {
        ConditionTest::Group { negated, groups } => format!(
            "group {} [{}]",
            is(*negated),
            names(groups, |g| named(&model.groups, g.index()))
        ),
        ConditionTest::Zone { negated, zones } => format!(
            "zone {} [{}]",
            is(*negated),
            names(zones, |z| named(&model.zones, z.index()))
        ),
        ConditionTest::App { negated, apps } => format!(
            "app {} [{}]",
            is(*negated),
            names(apps, |a| named(&model.apps, a.index()))
        ),
        ConditionTest::Risk { negated, levels } => format!(
            "risk {} [{}]",
            is(*negated),
            names(levels, |r| Some(risk_word(*r).to_owned()))
        ),
        ConditionTest::Platform { negated, platforms } => format!(
            "platform {} [{}]",
            is(*negated),
            names(platforms, |p| Some(platform_word(*p).to_owned()))
        ),
        ConditionTest::Domain { negated, domains } => format!(
            "domain {} [{}]",
            is(*negated),
            names(domains, |d| Some(format!("\"{d}\"")))
        ),
        ConditionTest::Device(DeviceState::Registered) => "device registered".into(),
        ConditionTest::Device(DeviceState::Managed) => "device managed".into(),
    }
}

fn risk_word(r: Risk) -> &'static str {
    match r {
        Risk::Low => "low",
        Risk::Medium => "medium",
        Risk::High => "high",
    }
}

fn platform_word(p: Platform) -> &'static str {
    match p {
        Platform::Ios => "ios",
        Platform::Android => "android",
        Platform::Macos => "macos",
        Platform::Windows => "windows",
        Platform::Chromeos => "chromeos",
    }
}

fn constraint_words(c: PossessionConstraint) -> &'static str {
    match c {
        PossessionConstraint::PhishingResistant => "phishing-resistant",
        PossessionConstraint::HardwareProtected => "hardware-protected",
        PossessionConstraint::DeviceBound => "device-bound",
        PossessionConstraint::ExcludePhoneEmail => "no phone/email",
        PossessionConstraint::UserPresence => "user presence",
        PossessionConstraint::UserVerification => "user verification",
    }
}

fn characteristic_words(c: Characteristic) -> &'static str {
    match c {
        Characteristic::UserPresence => "user presence",
        Characteristic::DeviceBound => "device-bound",
        Characteristic::HardwareProtected => "hardware-protected",
        Characteristic::PhishingResistant => "phishing-resistant",
        Characteristic::UserVerification => "user verification",
        Characteristic::PhoneOrEmail => "phone/email",
    }
}

fn factor_words(f: FactorType) -> &'static str {
    match f {
        FactorType::Knowledge => "knowledge factor",
        FactorType::Possession => "possession factor",
        FactorType::Inherence => "inherence factor",
    }
}

/// A dot label: a quoted string whose lines are joined with `\n`. Backslashes and quotes are
/// escaped; `&`, `<` and `>` become entities, which Graphviz decodes in every label, so text
/// such as `&amp;` or `<b>` in a name prints as written.
fn dot_label(lines: &[String]) -> String {
    escape_lines(lines, "\\n", |ch| match ch {
        '\\' => Some("\\\\"),
        '"' => Some("\\\""),
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        _ => None,
    })
}

/// The text of a Graphviz HTML-like label: `&`, `<`, `>` and `"` as entities, lines joined
/// with breaks (the cell aligns them).
fn html_label(lines: &[String]) -> String {
    escape_lines(lines, "<br/>", |ch| match ch {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        _ => None,
    })
}

/// A Mermaid label, to be put between `"`: lines joined with `<br/>`, and the characters
/// Mermaid would read (quotes, `#`, `<`, `>`, `&`, backticks) written as its `#...;` entities.
fn mermaid_label(lines: &[String]) -> String {
    escape_lines(lines, "<br/>", |ch| match ch {
        '"' => Some("#quot;"),
        '#' => Some("#35;"),
        '<' => Some("#lt;"),
        '>' => Some("#gt;"),
        '&' => Some("#amp;"),
        '`' => Some("#96;"),
        _ => None,
    })
}

/// Lines joined with `break_with`, each character replaced as `escape` says; a newline inside a
/// line breaks it too, and a carriage return is dropped. The one loop behind every label format.
fn escape_lines(
    lines: &[String],
    break_with: &str,
    escape: fn(char) -> Option<&'static str>,
) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str(break_with);
        }
        for ch in line.chars() {
            match (ch, escape(ch)) {
                ('\n', _) => out.push_str(break_with),
                ('\r', _) => {}
                (_, Some(replacement)) => out.push_str(replacement),
                (_, None) => out.push(ch),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_for_each_format() {
        let lines = vec!["a \"b\" <c> & d\\e #f".to_owned(), "two".to_owned()];
        assert_eq!(
            dot_label(&lines),
            "a \\\"b\\\" &lt;c&gt; &amp; d\\\\e #f\\ntwo"
        );
        assert_eq!(
            mermaid_label(&lines),
            "a #quot;b#quot; #lt;c#gt; #amp; d\\e #35;f<br/>two"
        );
    }

    #[test]
    fn durations_read_in_the_largest_whole_unit() {
        assert_eq!(reauth_words(Reauth::AfterSecs(7_200)), "2h");
        assert_eq!(reauth_words(Reauth::AfterSecs(86_400)), "1d");
        assert_eq!(reauth_words(Reauth::AfterSecs(90)), "90s");
        assert_eq!(reauth_words(Reauth::AfterSecs(1_800)), "30m");
        assert_eq!(reauth_words(Reauth::EverySignIn), "every sign-in");
    }
}
