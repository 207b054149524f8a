//! `status active|inactive` on rules (docs/language.md, "Status"): an inactive rule is never
//! tried by evaluation, never judged by the checker, kept by `fmt`, and a bad value is reported.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::check::{CheckOptions, check};
use policyc::diagnostic::Code;
use policyc::eval::suite;
use policyc::source::{SourceFile, Sources};

fn compile(text: &str) -> policyc::Compiled {
    let mut sources = Sources::new();
    sources.add(SourceFile::new("a.policy", text));
    policyc::compile(sources)
}

const ORG: &str = "org acme { engine identity }\napp wiki\ngroup admins\nauthenticator password\nauthenticator okta_verify { methods [push] }\n";

#[test]
fn an_inactive_rule_is_never_tried_and_the_next_one_decides() {
    let text = format!(
        "{ORG}policy p {{\n  apps [wiki]\n  rule off {{\n    deny\n    status inactive\n  }}\n  rule on {{ require password }}\n}}\n\
test \"skips the inactive deny\" {{\n  app wiki\n  expect challenge by p.on\n}}\n"
    );
    let c = compile(&text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let results = suite::run_all(&c);
    assert_eq!(results.len(), 1);
    assert!(results[0].passed(), "{:?}", results[0].failures);
    // The same set with the rule active denies: the status is what changed the decision.
    let active = compile(&text.replace("status inactive", "status active"));
    let results = suite::run_all(&active);
    assert_eq!(
        results[0].failures,
        vec![
            "expected `challenge`, got `deny`".to_owned(),
            "expected rule `p.on` to apply, got `off`".to_owned()
        ]
    );
}

#[test]
fn an_inactive_session_rule_is_skipped_too() {
    let text = format!(
        "{ORG}session_policy s {{\n  rule off {{\n    deny\n    status inactive\n  }}\n  rule on {{ require password }}\n}}\n\
policy p {{\n  apps [wiki]\n  rule all {{ require password }}\n}}\n\
test \"session\" {{\n  app wiki\n  expect challenge by p.all\n}}\n"
    );
    let c = compile(&text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    assert!(suite::run_all(&c)[0].passed());
    // The model keeps the rule, with its status, for export and diff.
    let rules = &c.model.session_policies[0].rules;
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].status, policyc::model::Status::Inactive);
    assert_eq!(
        c.model.rules().count(),
        2,
        "one session rule and one app rule"
    );
}

#[test]
fn an_inactive_rule_neither_shadows_nor_is_shadowed() {
    let shadowing = format!(
        "{ORG}policy p {{\n  apps [wiki]\n  rule first {{ require password }}\n  rule second {{\n    when group in [admins]\n    require password\n  }}\n}}\n"
    );
    let codes = |text: &str| -> Vec<Code> {
        let c = compile(text);
        check(&c, &CheckOptions::default())
            .into_iter()
            .map(|d| d.code)
            .collect()
    };
    assert!(codes(&shadowing).contains(&Code::ShadowedRule));
    let first_off = shadowing.replace(
        "rule first { require password }",
        "rule first {\n    require password\n    status inactive\n  }",
    );
    assert!(!codes(&first_off).contains(&Code::ShadowedRule));
    let second_off = shadowing.replace(
        "    require password\n  }\n}",
        "    require password\n    status inactive\n  }\n}",
    );
    assert_ne!(second_off, shadowing);
    assert!(!codes(&second_off).contains(&Code::ShadowedRule));
}

#[test]
fn a_bad_status_is_an_invalid_value_with_a_suggestion() {
    let c = compile(&format!(
        "{ORG}policy p {{\n  apps [wiki]\n  rule r {{\n    require password\n    status disabled\n  }}\n}}\n"
    ));
    let d: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| (d.code, c.sources.slice(d.primary.loc).to_owned()))
        .collect();
    assert_eq!(d, vec![(Code::InvalidValue, "disabled".to_owned())]);
}

#[test]
fn a_status_written_twice_is_a_duplicate() {
    let c = compile(&format!(
        "{ORG}policy p {{\n  apps [wiki]\n  rule r {{\n    require password\n    status inactive\n    status active\n  }}\n}}\n"
    ));
    let d: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| (d.code, c.sources.slice(d.primary.loc).to_owned()))
        .collect();
    assert_eq!(
        d,
        vec![(Code::DuplicateDefinition, "status active".to_owned())]
    );
}

#[test]
fn fmt_keeps_the_status_and_lays_it_out() {
    let text = format!(
        "{ORG}policy p {{\n  apps [wiki]\n  rule r {{ require password   status   inactive }}\n}}\n"
    );
    let out = policyc::fmt::format(&text).unwrap();
    assert!(
        out.contains("  rule r { require password  status inactive }")
            || out.contains("    status inactive\n"),
        "{out}"
    );
    assert_eq!(policyc::fmt::format(&out).unwrap(), out);
}
