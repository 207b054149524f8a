//! The rule graph: exact node and edge facts for small policy sets, snapshots of its dot and
//! Mermaid renderings, and `policyc graph` end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use policyc::graph::render::{dot, mermaid};
use policyc::graph::{Edge, Node, RuleGraph};
use policyc::model::catalogue::{
    Amr, AuthenticatorKind, Characteristic, FactorType, lookup_method,
};
use policyc::model::{IdpId, MethodId, Model, PolicyId, PossessionConstraint, RuleOwner};
use policyc::source::{SourceFile, Sources};
use std::path::Path;
use std::process::{Command, Output};

const SET: &str = r#"
org acme {
  engine identity
  features [okta_to_okta_claims_sharing, third_party_claims_sharing]
}
group admins
group contractors
zone corp_network
app salesforce
app workday

authenticator password
authenticator okta_verify { methods [push, totp, fastpass] }
authenticator webauthn
authenticator phone { methods [sms, voice]  status inactive }
authenticator security_question { used_for recovery }

idp corp {
  kind okta_oidc
  issuer "https://corp.okta.com"
  trust_claims true
  asserts [password, webauthn, smart_card, phr]
}

idp partner {
  kind saml
  issuer "urn:partner:idp"
  trust_claims true
  asserts [pwd, phr, face, mfa]
}

idp entra {
  kind oidc
  issuer "https://login.example/v2.0"
  trust_claims true
  asserts [pwd, hwk, face, mfa]
}

session_policy default {
  rule everyone {
    require mfa
  }
}

policy sso_apps {
  apps [salesforce, workday]
  rule admins {
    when group in [admins] and zone in [corp_network]
    require 2 factor_types
    possession [phishing_resistant, hardware_protected]
    reauth 2h
  }
  rule contractors {
    when group in [contractors]
    deny
  }
  rule finance {
    when group in [admins]
    require chain [[password, okta_verify.push], [password, webauthn]]
  }
  rule everyone {
    require 2 factor_types
  }
}
"#;

fn compile(text: &str) -> policyc::Compiled {
    let mut sources = Sources::new();
    sources.add(SourceFile::new("set.policy", text));
    let compiled = policyc::compile(sources);
    let errors: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == policyc::diagnostic::Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    compiled
}

fn build(text: &str) -> (Model, RuleGraph) {
    let compiled = compile(text);
    let graph = RuleGraph::build(&compiled.model);
    (compiled.model, graph)
}

fn method(name: &str) -> MethodId {
    let (kind, member) = match name.split_once('.') {
        Some((k, m)) => (k, Some(m)),
        None => (name, None),
    };
    let info = lookup_method(AuthenticatorKind::parse(kind).unwrap(), member).unwrap();
    MethodId(info.index() as u8)
}

/// The nodes equal to `node`.
fn find_all(g: &RuleGraph, node: &Node) -> Vec<NodeIndex> {
    g.graph
        .node_indices()
        .filter(|n| &g.graph[*n] == node)
        .collect()
}

/// The one node equal to `node`.
fn find(g: &RuleGraph, node: &Node) -> NodeIndex {
    let found = find_all(g, node);
    assert_eq!(found.len(), 1, "{node:?}: {found:?}");
    found[0]
}

fn has(g: &RuleGraph, from: NodeIndex, edge: Edge, to: NodeIndex) -> bool {
    g.graph
        .edges_connecting(from, to)
        .any(|e| *e.weight() == edge)
}

/// The targets of `from`'s outgoing edges of kind `edge`, in insertion order.
fn out(g: &RuleGraph, from: NodeIndex, edge: Edge) -> Vec<Node> {
    let mut edges: Vec<_> = g
        .graph
        .edges_directed(from, Direction::Outgoing)
        .filter(|e| *e.weight() == edge)
        .map(|e| (e.id(), e.target()))
        .collect();
    edges.sort();
    edges.into_iter().map(|(_, t)| g.graph[t].clone()).collect()
}

fn app_rule(g: &RuleGraph, policy: u32, index: u32) -> NodeIndex {
    find(
        g,
        &Node::Rule {
            owner: RuleOwner::App(PolicyId(policy)),
            index,
        },
    )
}

fn requirement_of(g: &RuleGraph, rule: NodeIndex) -> NodeIndex {
    let reqs: Vec<_> = g
        .graph
        .neighbors_directed(rule, Direction::Outgoing)
        .filter(|n| matches!(g.graph[*n], Node::Requirement { .. }))
        .collect();
    assert_eq!(reqs.len(), 1);
    reqs[0]
}

#[test]
fn rules_come_in_model_order_and_policies_require_them_in_order() {
    let (model, g) = build(SET);
    let order: Vec<Node> = g.rule_nodes.iter().map(|n| g.graph[*n].clone()).collect();
    let expected: Vec<Node> = model
        .rules()
        .map(|(owner, rule)| {
            let index = match owner {
                RuleOwner::Session(p) => &model.session_policies[p as usize].rules,
                RuleOwner::App(p) => &model.policies[p.index()].rules,
            }
            .iter()
            .position(|r| r.name == rule.name)
            .unwrap() as u32;
            Node::Rule { owner, index }
        })
        .collect();
    assert_eq!(order, expected);
    assert_eq!(order.len(), 5);
    assert!(matches!(
        order[0],
        Node::Rule {
            owner: RuleOwner::Session(0),
            index: 0
        }
    ));

    let policy = find(&g, &Node::Policy(PolicyId(0)));
    let rules = out(&g, policy, Edge::Requires);
    let indices: Vec<u32> = rules
        .iter()
        .map(|n| match n {
            Node::Rule { index, .. } => *index,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(indices, [0, 1, 2, 3]);
    let apps = out(&g, policy, Edge::AppliesTo);
    assert_eq!(apps.len(), 2);
    assert!(apps.iter().all(|n| matches!(n, Node::App(_))));
    let session = find(&g, &Node::SessionPolicy(0));
    assert_eq!(out(&g, session, Edge::Requires).len(), 1);
}

#[test]
fn the_admins_rule_requires_its_constraints_and_a_possession_factor() {
    let (_, g) = build(SET);
    let admins = app_rule(&g, 0, 0);
    let req = requirement_of(&g, admins);
    let pr = find(
        &g,
        &Node::Constraint(PossessionConstraint::PhishingResistant),
    );
    let hp = find(
        &g,
        &Node::Constraint(PossessionConstraint::HardwareProtected),
    );
    let possession = find(&g, &Node::FactorType(FactorType::Possession));
    assert!(has(&g, req, Edge::Requires, pr));
    assert!(has(&g, req, Edge::Requires, hp));
    assert!(has(&g, req, Edge::Requires, possession));
    // 2 factor types: no single factor type is required besides possession, and every factor
    // type counts toward it.
    let knowledge = find(&g, &Node::FactorType(FactorType::Knowledge));
    assert!(!has(&g, req, Edge::Requires, knowledge));
    for f in FactorType::ALL {
        assert!(has(
            &g,
            find(&g, &Node::FactorType(f)),
            Edge::Satisfies,
            req
        ));
    }
    // The characteristic meets the constraint.
    let ch = find(&g, &Node::Characteristic(Characteristic::PhishingResistant));
    assert!(has(&g, ch, Edge::Satisfies, pr));
    // Conditions test the group and the zone.
    let conditions = out(&g, admins, Edge::Requires)
        .into_iter()
        .filter(|n| matches!(n, Node::Condition { .. }))
        .count();
    assert_eq!(conditions, 2);
}

#[test]
fn methods_provide_what_the_catalogue_says() {
    let (_, g) = build(SET);
    let webauthn = find(&g, &Node::Method(method("webauthn")));
    let provided = out(&g, webauthn, Edge::Provides);
    for c in [
        Characteristic::PhishingResistant,
        Characteristic::HardwareProtected,
        Characteristic::DeviceBound,
        Characteristic::UserPresence,
        Characteristic::UserVerification,
    ] {
        assert!(provided.contains(&Node::Characteristic(c)), "{c}");
    }
    assert!(provided.contains(&Node::FactorType(FactorType::Possession)));
    assert!(provided.contains(&Node::FactorType(FactorType::Inherence)));
    assert!(!provided.contains(&Node::Characteristic(Characteristic::PhoneOrEmail)));

    let push = find(&g, &Node::Method(method("okta_verify.push")));
    assert!(
        !out(&g, push, Edge::Provides)
            .contains(&Node::Characteristic(Characteristic::PhishingResistant))
    );
}

#[test]
fn only_active_factor_methods_are_local_sources() {
    let (_, g) = build(SET);
    // Phone is inactive and nothing asserts it; the security question is for recovery only.
    assert!(find_all(&g, &Node::Method(method("phone.sms"))).is_empty());
    assert!(find_all(&g, &Node::Method(method("security_question"))).is_empty());
    // One node per method, shared by the local authenticator and the IdP asserting it.
    let webauthn = find(&g, &Node::Method(method("webauthn")));
    let corp = find(&g, &Node::Idp(IdpId(0)));
    assert!(has(&g, corp, Edge::Provides, webauthn));
}

#[test]
fn ignored_values_and_custom_authenticators_are_never_provided() {
    let (model, g) = build(SET);
    let (partner_id, _) = model.idp_named("partner").unwrap();
    let partner = find(&g, &Node::Idp(partner_id));
    // Every value of the SAML IdP is in the one AMR table, `phr` included.
    assert_eq!(out(&g, partner, Edge::Provides).len(), 4);
    let phr = find(&g, &Node::Amr(Amr::Phr));
    assert!(has(&g, partner, Edge::Provides, phr));
    assert!(
        out(&g, phr, Edge::Provides)
            .contains(&Node::Characteristic(Characteristic::PhishingResistant))
    );
    // From an Okta IdP org, `phr` without `okta_verify` names no authenticator, and a custom
    // authenticator of the IdP org is not accepted through claims.
    let (corp_id, _) = model.idp_named("corp").unwrap();
    let corp = find(&g, &Node::Idp(corp_id));
    assert!(!has(&g, corp, Edge::Provides, phr));
    assert!(find_all(&g, &Node::Method(method("smart_card"))).is_empty());
    assert_eq!(out(&g, corp, Edge::Provides).len(), 2);
}

#[test]
fn amr_nodes_are_one_per_value_for_both_protocols() {
    let (_, g) = build(SET);
    let face = find(&g, &Node::Amr(Amr::Face));
    let possession = Node::FactorType(FactorType::Possession);
    let inherence = Node::FactorType(FactorType::Inherence);
    assert!(!out(&g, face, Edge::Provides).contains(&possession));
    assert!(out(&g, face, Edge::Provides).contains(&inherence));
    // `pwd` from the SAML and the OIDC IdP: one node, provided by both.
    let pwd = find(&g, &Node::Amr(Amr::Pwd));
    let providers = g
        .graph
        .edges_directed(pwd, petgraph::Direction::Incoming)
        .filter(|e| *e.weight() == Edge::Provides)
        .count();
    assert_eq!(providers, 2);
}

#[test]
fn mfa_satisfies_only_requirements_without_further_constraints() {
    let (_, g) = build(SET);
    let mfa = find(&g, &Node::Amr(Amr::Mfa));
    assert!(out(&g, mfa, Edge::Provides).is_empty());
    let session = requirement_of(&g, g.rule_nodes[0]);
    let everyone = requirement_of(&g, app_rule(&g, 0, 3));
    let admins = requirement_of(&g, app_rule(&g, 0, 0));
    let chain = requirement_of(&g, app_rule(&g, 0, 2));
    assert!(has(&g, mfa, Edge::Satisfies, session));
    assert!(has(&g, mfa, Edge::Satisfies, everyone));
    assert!(!has(&g, mfa, Edge::Satisfies, admins));
    assert!(!has(&g, mfa, Edge::Satisfies, chain));
}

#[test]
fn deny_rules_have_no_requirement_and_chains_require_their_methods() {
    let (_, g) = build(SET);
    let contractors = app_rule(&g, 0, 1);
    assert!(
        !g.graph
            .neighbors(contractors)
            .any(|n| matches!(g.graph[n], Node::Requirement { .. }))
    );
    let chain = requirement_of(&g, app_rule(&g, 0, 2));
    let required = out(&g, chain, Edge::Requires);
    assert_eq!(
        required,
        [
            Node::Method(method("password")),
            Node::Method(method("okta_verify.push")),
            Node::Method(method("webauthn")),
        ]
    );
    // No factor type satisfies a chain: only its methods do.
    assert!(
        !g.graph
            .edges_directed(chain, Direction::Incoming)
            .any(|e| *e.weight() == Edge::Satisfies)
    );
}

#[test]
fn shared_nodes_exist_once() {
    let (model, g) = build(SET);
    let admins = model
        .groups
        .iter()
        .position(|n| n.name == "admins")
        .unwrap();
    let group = find(&g, &Node::Group(policyc::model::GroupId(admins as u32)));
    // Two conditions (rules `admins` and `finance`) test it.
    assert_eq!(
        g.graph
            .neighbors_directed(group, Direction::Incoming)
            .count(),
        2
    );
    for f in FactorType::ALL {
        assert_eq!(find_all(&g, &Node::FactorType(f)).len(), 1);
    }
    // Nothing meets `exclude_phone_email` positively.
    let (_, g) = build(
        "org a { engine identity }\napp w\nauthenticator password\nauthenticator email\n\
         policy p {\n  apps [w]\n  rule r {\n    require password + 1 factor_type\n    \
         possession [exclude_phone_email]\n  }\n}\n",
    );
    let c = find(
        &g,
        &Node::Constraint(PossessionConstraint::ExcludePhoneEmail),
    );
    assert_eq!(
        g.graph
            .edges_directed(c, Direction::Incoming)
            .filter(|e| *e.weight() == Edge::Satisfies)
            .count(),
        0
    );
}

#[test]
fn the_example_set_and_the_corpus_build_and_render() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut stack = vec![root.join("tests/corpus")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "policy") {
                files.push(path);
            }
        }
    }
    assert!(!files.is_empty());
    for path in files {
        let mut sources = Sources::new();
        sources.add(SourceFile::new(
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
        let compiled = policyc::compile(sources);
        let g = RuleGraph::build(&compiled.model);
        assert_eq!(g.rule_nodes.len(), compiled.model.rules().count());
        let _ = dot(&g, &compiled.model, None);
        let _ = mermaid(&g, &compiled.model, None);
    }
}

const SMALL: &str = r#"
org acme {
  engine identity
  features [okta_to_okta_claims_sharing, third_party_claims_sharing]
}
group admins
zone corp_network
app wiki
app console

authenticator password
authenticator okta_verify { methods [push, fastpass] }
authenticator webauthn

idp partner {
  kind saml
  issuer "urn:partner"
  trust_claims true
  asserts [pwd, otp, mfa]
}

idp entra {
  kind oidc
  issuer "https://entra.example"
  trust_claims false
  asserts [pwd, fpt, hwk]
}

session_policy default {
  rule everyone { require mfa }
}

policy admin_apps {
  apps [console]
  rule admins_on_corp {
    when group in [admins] and zone in [corp_network]
    require 2 factor_types
    possession [phishing_resistant, hardware_protected]
    reauth 2h
  }
  rule everyone_else { deny }
}

policy wiki {
  apps [wiki]
  rule everyone {
    require password + 1 factor_type
    methods except [okta_verify.push]
    reauth 1d
  }
}
"#;

#[test]
fn dot_snapshot() {
    let (model, g) = build(SMALL);
    insta::assert_snapshot!("dot", dot(&g, &model, None));
}

#[test]
fn mermaid_snapshot() {
    let (model, g) = build(SMALL);
    insta::assert_snapshot!("mermaid", mermaid(&g, &model, None));
}

#[test]
fn one_policy_and_what_it_reaches() {
    let (model, g) = build(SMALL);
    let text = mermaid(&g, &model, Some("admin_apps"));
    insta::assert_snapshot!("mermaid_admin_apps", text);
    assert!(text.contains("admins_on_corp"));
    assert!(!text.contains("policy wiki"));
    // `mfa` cannot meet the constrained rule, and nothing else there needs it.
    assert!(!text.contains("amr mfa"));
    let wiki = dot(&g, &model, Some("wiki"));
    assert!(wiki.contains("policy wiki"));
    assert!(!wiki.contains("admins_on_corp"));
    assert!(wiki.contains("amr pwd"));
}

#[test]
fn output_is_deterministic() {
    let (model, g) = build(SET);
    let first = (dot(&g, &model, None), mermaid(&g, &model, None));
    for _ in 0..5 {
        let (model, g) = build(SET);
        assert_eq!(first, (dot(&g, &model, None), mermaid(&g, &model, None)));
    }
}

fn policyc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("policyc runs")
}

#[test]
fn cli_draws_one_policy_as_mermaid() {
    let out = policyc(&[
        "graph",
        "--format",
        "mermaid",
        "--policy",
        "finance",
        "policies/",
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("flowchart LR\n"), "{stdout}");
    assert!(stdout.contains("policy finance"));
    assert!(!stdout.contains("policy workplace"));
}

#[test]
fn cli_draws_dot_by_default() {
    let out = policyc(&["graph", "policies/"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("digraph policyc {\n"), "{stdout}");
    assert!(stdout.trim_end().ends_with('}'));
}

#[test]
fn cli_refuses_an_unknown_policy_with_a_suggestion() {
    let out = policyc(&["graph", "--policy", "financ", "policies/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("no policy named `financ`; did you mean `finance`?"),
        "{stderr}"
    );
}

#[test]
fn cli_refuses_a_policy_set_with_errors() {
    let dir = std::env::temp_dir().join(format!("policyc-graph-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.policy"),
        "org a { engine identity }\napp w\npolicy p {\n  apps [w]\n  rule r { when group in [nobody] require password }\n}\n",
    )
    .unwrap();
    let out = policyc(&["graph", dir.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("unknown-reference"), "{stderr}");
    assert!(stderr.contains("no graph drawn"), "{stderr}");
}

#[test]
fn cli_help_explains_the_command() {
    let out = policyc(&["graph", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    for word in ["--format", "mermaid", "--policy", "dot -Tsvg"] {
        assert!(stdout.contains(word), "{word}: {stdout}");
    }
}
