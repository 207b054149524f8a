//! `priority N` on global session policies and routing rules (docs/language.md, "Priority"):
//! the order Okta keeps, never the file names; `ambiguous-priority` where nothing decides it.
//! Library tests on multi-file sets, and the attack of issue 10 on the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr, stdout};
use policyc::diagnostic::{Code, Diagnostic};
use policyc::eval::{SignIn, User, explain};
use policyc::source::{SourceFile, Sources};
use std::path::Path;

const ORG: &str = "org acme { engine identity }\napp wiki\nauthenticator password\nauthenticator okta_verify { methods [push] }\npolicy p {\n  apps [wiki]\n  rule all { require password }\n}\n";

/// Compiles `files` (name, text) as one set, in the order given (the CLI's is by path).
fn compile(files: &[(&str, &str)]) -> policyc::Compiled {
    let mut sources = Sources::new();
    for (name, text) in files {
        sources.add(SourceFile::new(*name, *text));
    }
    policyc::compile(sources)
}

fn session_order(c: &policyc::Compiled) -> Vec<&str> {
    c.model
        .session_policies
        .iter()
        .map(|p| p.name.as_str())
        .collect()
}

fn route_order(c: &policyc::Compiled) -> Vec<&str> {
    c.model.routes.iter().map(|r| r.name.as_str()).collect()
}

/// `code: message @ underlined text` of every diagnostic.
fn described(c: &policyc::Compiled, ds: &[Diagnostic]) -> Vec<String> {
    ds.iter()
        .map(|d| {
            format!(
                "{}: {} @ {} [{}]",
                d.code,
                d.message,
                c.sources.slice(d.primary.loc),
                d.related
                    .iter()
                    .map(|r| format!("{} = {}", c.sources.slice(r.loc), r.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
        .collect()
}

#[test]
fn numbered_items_come_first_by_number_then_the_rest_as_written() {
    let c = compile(&[
        ("a.policy", ORG),
        (
            "b.policy",
            "session_policy late { rule r { require password } }\nsession_policy third { priority 3\n rule r { require password } }\n",
        ),
        (
            "c.policy",
            "session_policy first { priority 1\n rule r { require mfa } }\nsession_policy later { rule r { require password } }\n",
        ),
    ]);
    // `late` and `later` have no priority and are in different files: an error, but the set is
    // still ordered (numbered first, then load order) so later stages run.
    assert_eq!(session_order(&c), ["first", "third", "late", "later"]);
    let c = compile(&[
        ("a.policy", ORG),
        (
            "b.policy",
            "session_policy third { priority 30\n rule r { require password } }\n",
        ),
        (
            "c.policy",
            "session_policy x { rule r { require password } }\nsession_policy first { priority 2\n rule r { require mfa } }\nsession_policy y { rule r { require password } }\n",
        ),
    ]);
    assert_eq!(session_order(&c), ["first", "third", "x", "y"]);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    // The session rules are tried in that order: `first`'s rule decides.
    let d = explain(&c, &local(&c));
    let session = d.decision.session_rule.unwrap();
    assert_eq!(
        policyc::eval::rule_at(&c, session).unwrap().loc,
        c.model.session_policies[0].rules[0].loc
    );
}

fn local(c: &policyc::Compiled) -> SignIn {
    SignIn {
        app: c
            .model
            .apps
            .iter()
            .position(|a| a.name == "wiki")
            .map(|i| policyc::model::AppId(i as u32))
            .unwrap(),
        user: User::default(),
        claims: None,
    }
}

#[test]
fn without_priorities_in_two_files_is_ambiguous() {
    let c = compile(&[
        ("a.policy", ORG),
        (
            "b.policy",
            "session_policy real { rule r { require mfa } }\n",
        ),
        (
            "c.policy",
            "session_policy other { rule r { require password } }\nsession_policy more { rule r { require password } }\n",
        ),
    ]);
    assert_eq!(
        described(&c, &c.diagnostics),
        [
            "ambiguous-priority: global session policies `real` and `other` have no `priority` and are in different files @ other [real = `real` has none either]"
        ]
    );
    assert_eq!(
        c.diagnostics[0].severity,
        policyc::diagnostic::Severity::Error
    );
    // In one file, they are tried as written: no error.
    let c = compile(&[
        ("a.policy", ORG),
        (
            "b.policy",
            "session_policy real { rule r { require mfa } }\nsession_policy other { rule r { require password } }\n",
        ),
    ]);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    assert_eq!(session_order(&c), ["real", "other"]);
}

#[test]
fn the_same_number_twice_is_ambiguous_even_in_one_file() {
    let c = compile(&[
        ("a.policy", ORG),
        (
            "b.policy",
            "session_policy one { priority 1\n rule r { require mfa } }\nsession_policy two { priority 1\n rule r { require password } }\n",
        ),
    ]);
    assert_eq!(
        described(&c, &c.diagnostics),
        [
            "ambiguous-priority: global session policies `one` and `two` both have priority 1 @ priority 1 [priority 1 = `one` has priority 1 too]"
        ]
    );
}

#[test]
fn routes_follow_their_priority_across_files() {
    let idps = "idp a { kind oidc }\nidp b { kind saml  status inactive }\n";
    let c = compile(&[
        ("a.policy", ORG),
        ("idps.policy", idps),
        (
            "r1.policy",
            "route to_a { priority 2\n when domain in [\"x.example\"]\n to a }\n",
        ),
        (
            "r2.policy",
            "route to_b { priority 1\n when domain in [\"x.example\"]\n to b }\n",
        ),
    ]);
    assert_eq!(route_order(&c), ["to_b", "to_a"]);
    let mut s = local(&c);
    s.user.domain = Some("x.example".to_owned());
    // `to_b` (priority 1) matches first and sends the user to the inactive `b`.
    let d = explain(&c, &s);
    assert_eq!(
        d.reasons,
        ["routing rule `to_b` sends this user to an inactive IdP"]
    );
    let check = policyc::check(&c, &Default::default());
    assert!(
        check.iter().all(|d| d.code != Code::AmbiguousPriority),
        "{check:?}"
    );
    // Two routes without priority in two files.
    let c = compile(&[
        ("a.policy", ORG),
        ("idps.policy", idps),
        ("r1.policy", "route to_a { to a }\n"),
        ("r2.policy", "route to_b { to b }\n"),
    ]);
    assert_eq!(
        described(&c, &c.diagnostics),
        [
            "ambiguous-priority: routing rules `to_a` and `to_b` have no `priority` and are in different files @ to_b [to_a = `to_a` has none either]"
        ]
    );
}

#[test]
fn bad_priorities_are_reported() {
    let c = compile(&[
        ("a.policy", ORG),
        (
            "b.policy",
            "session_policy s { priority 0\n rule r { require mfa } }\nsession_policy t { priority 99999999999\n priority 2\n rule r { require mfa } }\n",
        ),
    ]);
    let got: Vec<String> = c
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}: {} @ {}",
                d.code,
                d.message,
                c.sources.slice(d.primary.loc)
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "invalid-value: `0` is not a valid priority @ 0",
            "invalid-value: `99999999999` is not a valid priority @ 99999999999",
            "duplicate-definition: `priority` is set twice in session policy `t` @ priority 2",
        ]
    );
}

// --- the attack of issue 10 ---------------------------------------------------------------------

/// A copy of `policies/` with `extra` files added, in a scratch folder.
fn policies_with(
    name: &str,
    extra: &[(&str, &str)],
    edit: impl Fn(&str, String) -> String,
) -> Scratch {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let dir = Scratch::new(name, extra);
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root, &mut files);
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&f).unwrap();
        dir.write(&rel, &edit(&rel, text));
    }
    dir
}

const OVERRIDE: &str = "# A permissive session policy dropped in by a well-meaning change.\nsession_policy override {\n  rule everyone { require password }\n}\n";

const HIGH_RISK: [&str; 6] = [
    "eval",
    "--app",
    "workday",
    "--user",
    r#"{"risk":"high"}"#,
    "--local",
];

#[test]
fn an_override_file_without_priority_no_longer_shadows_the_real_session_policy() {
    // policies/session.policy gives `default` priority 1: the override, without one, comes
    // after it, so a high-risk sign-in is still denied by `high_risk`.
    let dir = policies_with(
        "override-after",
        &[("0_override.policy", OVERRIDE)],
        |_, t| t,
    );
    let out = policyc(&HIGH_RISK, &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("DENY  app `workday`"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("global session policy rule `high_risk` denies access"),
        "{}",
        stdout(&out)
    );
    // `check` says the override never applies.
    let out = policyc(&["check", "--format", "json"], &dir.0);
    let json = stdout(&out);
    assert!(json.contains(r#""code":"shadowed-rule""#), "{json}");
    assert!(!json.contains(r#""code":"ambiguous-priority""#), "{json}");
}

#[test]
fn an_override_file_claiming_the_same_priority_is_an_error() {
    let with_priority = OVERRIDE.replace("{\n  rule", "{\n  priority 1\n  rule");
    let dir = policies_with(
        "override-same",
        &[("0_override.policy", &with_priority)],
        |_, t| t,
    );
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("error[ambiguous-priority]")
            && stdout(&out)
                .contains("global session policies `override` and `default` both have priority 1"),
        "{}",
        stdout(&out)
    );
    // A broken set is not evaluated.
    let out = policyc(&HIGH_RISK, &dir.0);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}

#[test]
fn without_any_priority_the_override_file_is_an_error_not_a_silent_first() {
    // The set as it was before priorities: `default` without one, the override without one.
    let dir = policies_with(
        "override-none",
        &[("0_override.policy", OVERRIDE)],
        |rel, t| {
            if rel == "session.policy" {
                t.lines()
                    .filter(|l| !l.trim_start().starts_with("priority"))
                    .map(|l| format!("{l}\n"))
                    .collect()
            } else {
                t
            }
        },
    );
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "global session policies `override` and `default` have no `priority` and are in different files"
        ),
        "{}",
        stdout(&out)
    );
    let out = policyc(&HIGH_RISK, &dir.0);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("ambiguous-priority") || stderr(&out).contains("no `priority`"),
        "{}",
        stderr(&out)
    );
}
