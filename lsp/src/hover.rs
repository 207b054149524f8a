//! Hover: what a name means, in words, from the catalogue and the resolved model.

use crate::analysis::Analysis;
use crate::index::{Key, Occurrence};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};
use policyc::check::support::available;
use policyc::eval::describe_need;
use policyc::graph::tables::Action;
use policyc::model::catalogue::{
    Amr, AuthenticatorKind, Characteristics, FactorSet, IdpKind, MethodInfo, lookup_method,
};
use policyc::model::reading::{self, Usage};
use policyc::model::{RuleOwner, Status, TestClaims};
use policyc::source::FileId;
use std::fmt::Write;

fn factors(f: FactorSet) -> String {
    let v: Vec<&str> = f.iter().map(|f| f.as_str()).collect();
    if v.is_empty() {
        "no factor type".to_owned()
    } else {
        v.join(" + ")
    }
}

fn characteristics(c: Characteristics) -> String {
    let v: Vec<String> = c.iter().map(|c| c.as_str().replace('_', "-")).collect();
    if v.is_empty() {
        "—".to_owned()
    } else {
        v.join(", ")
    }
}

/// `possession` for one AMR value from a third-party IdP, or `MFA marker`.
pub fn evidence_short(amr: Amr) -> String {
    let e = amr.evidence();
    if e.mfa_marker {
        "MFA marker".to_owned()
    } else {
        factors(e.factors)
    }
}

/// What an Okta IdP org means by `value` alone, or why the SP ignores it.
fn okta_meaning(value: &str) -> String {
    let read = reading::read(IdpKind::OktaOidc, Usage::Sso, &[value]);
    match (read.accepted.first(), read.ignored.first()) {
        (Some(a), _) => format!("the authenticator `{}`", a.value),
        (None, Some((_, why))) => format!("ignored: {why}"),
        (None, None) => "ignored".to_owned(),
    }
}

pub fn method_short(m: &MethodInfo) -> String {
    let mut s = factors(m.factors);
    if !m.with_biometrics.is_empty() {
        let _ = write!(s, " (+ {} with biometrics)", factors(m.with_biometrics));
    }
    s
}

fn amr_hover(amr: Amr) -> String {
    let e = amr.evidence();
    let mut chars = characteristics(e.characteristics);
    if e.characteristics_need_possession {
        chars.push_str(" (only beside a possession value such as `hwk`)");
    }
    let f = if e.mfa_marker {
        "MFA marker: satisfies 2 factor types and session MFA, nothing with constraints".to_owned()
    } else {
        factors(e.factors)
    };
    format!(
        "**`{amr}`**: an RFC 8176 AMR value\n\n- from a third-party IdP (OIDC and SAML alike): {f}; characteristics: {chars}\n- from an Okta IdP org: {}\n",
        okta_meaning(amr.as_str())
    )
}

fn method_hover(m: &MethodInfo, analysis: &Analysis) -> String {
    let mut s = format!(
        "**`{}`**: a local authentication method\n\n- factor type: {}\n- characteristics: {}\n",
        m.name(),
        method_short(m),
        characteristics(m.characteristics)
    );
    if m.kind.is_custom() {
        s.push_str("- custom authenticator: usable locally, never through claims\n");
    }
    let configured = analysis
        .compiled
        .model
        .authenticators
        .iter()
        .find(|a| a.kind == m.kind);
    let _ = writeln!(
        s,
        "- in this org: {}",
        match configured {
            None => "not configured".to_owned(),
            Some(a) => format!(
                "{}{}",
                if a.status == Status::Active {
                    "active"
                } else {
                    "inactive"
                },
                if a.methods.iter().any(|id| id.info() == m) {
                    ""
                } else {
                    ", method not turned on"
                }
            ),
        }
    );
    s
}

fn authenticator_hover(kind: AuthenticatorKind, analysis: &Analysis) -> String {
    let mut s = format!(
        "**`authenticator {kind}`**\n\n| method | factor type | characteristics |\n|---|---|---|\n"
    );
    for m in kind.methods() {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} |",
            m.name(),
            method_short(m),
            characteristics(m.characteristics)
        );
    }
    let configured = analysis
        .compiled
        .model
        .authenticators
        .iter()
        .find(|a| a.kind == kind);
    let _ = write!(
        s,
        "\nIn this org: {}",
        match configured {
            None => "not configured".to_owned(),
            Some(a) => format!(
                "{}, methods: {}",
                if a.status == Status::Active {
                    "active"
                } else {
                    "inactive"
                },
                a.methods
                    .iter()
                    .map(|m| format!("`{}`", m.info().name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    );
    s
}

fn idp_hover(name: &str, analysis: &Analysis) -> Option<String> {
    let model = &analysis.compiled.model;
    let (id, idp) = model.idp_named(name)?;
    let trusted = analysis
        .compiled
        .graph
        .tables
        .idps
        .get(id.index())
        .is_some_and(|t| t.trusted);
    let mut s = format!(
        "**`idp {name}`**\n\n- kind: `{}` ({})\n- status: {}\n- trust_claims: {}{}\n",
        idp.kind,
        idp.kind.protocol(),
        if idp.status == Status::Active {
            "active"
        } else {
            "inactive"
        },
        idp.trust_claims,
        if idp.trust_claims && !trusted {
            " (but the org's claims-sharing feature for this kind is off)"
        } else {
            ""
        }
    );
    if !idp.asserts.is_empty() {
        let values: Vec<String> = idp
            .asserts
            .iter()
            .map(|a| format!("`{}`", analysis.compiled.sources.slice(a.loc)))
            .collect();
        let _ = writeln!(s, "- asserts: {}", values.join(", "));
    }
    if idp.kind.protocol() == policyc::model::catalogue::Protocol::Saml {
        let files: Vec<String> = idp
            .certificates
            .iter()
            .chain(&idp.metadata)
            .map(|(path, _)| format!("`{path}`"))
            .collect();
        let _ = writeln!(
            s,
            "- SAML signatures: {}",
            if files.is_empty() {
                "not verified (no `certificate` or `metadata`: its SAML is refused unless `--allow-unverified`)".to_owned()
            } else {
                format!("verified with {}", files.join(", "))
            }
        );
    }
    let routes: Vec<String> = model
        .routes
        .iter()
        .filter(|r| r.to.is_some_and(|(to, _)| to == id))
        .map(|r| format!("`{}`", r.name))
        .collect();
    let _ = writeln!(
        s,
        "- routes to it: {}",
        if routes.is_empty() {
            "none".to_owned()
        } else {
            routes.join(", ")
        }
    );
    let support = analysis.support();
    let rules: Vec<String> = model
        .rules()
        .enumerate()
        .filter(|(r, _)| {
            support.requires_claims(*r)
                && support.rules.get(*r).is_some_and(|s| s.can.contains(id.0))
        })
        .map(|(_, (_, rule))| format!("`{}`", rule.name))
        .collect();
    if !rules.is_empty() {
        let _ = writeln!(
            s,
            "- rules that need claims (this IdP's can do): {}",
            rules.join(", ")
        );
    }
    let tests: Vec<String> = model
        .tests
        .iter()
        .filter(|t| matches!(t.claims, TestClaims::From { idp, .. } if idp == id))
        .map(|t| format!("\"{}\"", t.title))
        .collect();
    if !tests.is_empty() {
        let _ = writeln!(s, "- tests with its claims: {}", tests.join(", "));
    }
    Some(s)
}

fn rule_hover(policy: &str, rule: &str, analysis: &Analysis) -> Option<String> {
    let model = &analysis.compiled.model;
    let tables = &analysis.compiled.graph.tables;
    let (i, (owner, _)) = model.rules().enumerate().find(|(_, (owner, r))| {
        r.name == rule
            && match owner {
                RuleOwner::Session(p) => model
                    .session_policies
                    .get(*p as usize)
                    .is_some_and(|p| p.name == policy),
                RuleOwner::App(p) => model
                    .policies
                    .get(p.index())
                    .is_some_and(|p| p.name == policy),
            }
    })?;
    let kind = match owner {
        RuleOwner::Session(_) => "session policy",
        RuleOwner::App(_) => "app sign-on policy",
    };
    let what = match tables.rules.get(i).map(|t| &t.action) {
        Some(Action::Deny) => {
            return Some(format!(
                "**rule `{rule}`** of {kind} `{policy}`\n\nIt denies access."
            ));
        }
        Some(Action::Require(need)) => format!("requires {}", describe_need(need)),
        None => "is not compiled".to_owned(),
    };
    let mut s = format!("**rule `{rule}`** of {kind} `{policy}`\n\nIt {what}.\n\n");
    let support = analysis.support();
    let Some(rs) = support.rules.get(i) else {
        return Some(s);
    };
    if rs.local_ok {
        s.push_str("- local authenticators alone satisfy it\n");
    } else if let Some(why) = support.local_shortfall(&analysis.compiled, i) {
        let _ = writeln!(s, "- local authenticators alone do not: {why}");
    }
    let available = available(model);
    let mut routing = policyc::check::routing::Routing::new(&analysis.compiled);
    let rules: Vec<_> = model.rules().collect();
    let mut idps = Vec::new();
    for (n, idp) in model.idps.iter().enumerate() {
        let Ok(id) = u32::try_from(n) else { continue };
        if rs.can.contains(id) {
            let mut text = if available.trusted.contains(id) {
                format!("`{}`", idp.name)
            } else {
                format!("`{}` (if it were active and trusted)", idp.name)
            };
            if !routing.routable(&rules, i, policyc::model::IdpId(id)) {
                text.push_str(" (no routing rule sends this rule's users there)");
            }
            idps.push(text);
        }
    }
    if idps.is_empty() {
        s.push_str("- no IdP's claims complete it\n");
    } else {
        let _ = writeln!(s, "- claims that complete it: {}", idps.join(", "));
    }
    if !support.satisfiable(i, &available) {
        s.push_str("- **nothing available can satisfy it**\n");
    }
    Some(s)
}

/// Hover text for the name at a byte offset.
pub fn hover(analysis: &Analysis, file: FileId, offset: usize) -> Option<Hover> {
    let occ: &Occurrence = analysis.index().at(file, offset)?;
    let value = match &occ.key {
        Key::Amr(v) => amr_hover(Amr::parse(v)?),
        Key::Method(m) => {
            let (kind, method) = m.split_once('.')?;
            let info = lookup_method(AuthenticatorKind::parse(kind)?, Some(method))?;
            method_hover(info, analysis)
        }
        Key::Authenticator(k) => {
            let kind = AuthenticatorKind::parse(k)?;
            match lookup_method(kind, None) {
                // A single-method kind used as a method (`webauthn` in a list).
                Some(info) if !occ.def => method_hover(info, analysis),
                _ => authenticator_hover(kind, analysis),
            }
        }
        Key::Idp(name) => idp_hover(name, analysis)?,
        Key::Rule { policy, rule } => rule_hover(policy, rule, analysis)?,
        Key::Group(n) | Key::Zone(n) | Key::App(n) => {
            let (kw, _) = occ.key.declaration_keyword()?;
            let refs = analysis
                .index()
                .references(&occ.key)
                .filter(|o| !o.def)
                .count();
            let mut s = format!(
                "**`{kw} {n}`**: used {refs} time{}",
                if refs == 1 { "" } else { "s" }
            );
            if let Key::App(_) = &occ.key {
                let model = &analysis.compiled.model;
                let policy = model
                    .apps
                    .iter()
                    .position(|a| &a.name == n)
                    .and_then(|i| u32::try_from(i).ok())
                    .and_then(|i| model.policy_of_app(policyc::model::AppId(i)));
                let _ = write!(
                    s,
                    "\n\nApp sign-on policy: {}",
                    policy.map_or("none".to_owned(), |(_, p)| format!("`{}`", p.name))
                );
            }
            s
        }
        Key::Constraint(c) => {
            let text = match c.as_str() {
                "phishing_resistant" => {
                    "the possession factor must be phishing-resistant (FastPass, WebAuthn; `phr` over OIDC)"
                }
                "hardware_protected" => {
                    "the possession factor must be hardware-protected (WebAuthn, YubiKey; `hwk`)"
                }
                "device_bound" => "the possession factor must be bound to a device",
                "exclude_phone_email" => "phone and email factors do not count",
                "user_presence" => "the possession factor must prove user presence",
                "user_verification" => {
                    "the possession factor must verify the user (biometrics or PIN)"
                }
                _ => return None,
            };
            format!("**possession constraint `{c}`**: {text}")
        }
        Key::Policy(p) => {
            let model = &analysis.compiled.model;
            let order: Vec<_> = model
                .session_policies
                .iter()
                .map(|s| (s.name.as_str(), s.priority.map(|(n, _)| n)))
                .collect();
            match order.iter().position(|(name, _)| name == p) {
                Some(i) => format!(
                    "**global session policy `{p}`**\n\n{}",
                    tried(i, order.len(), order[i].1)
                ),
                None => format!("**policy `{p}`**"),
            }
        }
        Key::Route(r) => {
            let model = &analysis.compiled.model;
            let order: Vec<_> = model
                .routes
                .iter()
                .map(|s| (s.name.as_str(), s.priority.map(|(n, _)| n)))
                .collect();
            match order.iter().position(|(name, _)| name == r) {
                Some(i) => format!("**route `{r}`**\n\n{}", tried(i, order.len(), order[i].1)),
                None => format!("**route `{r}`**"),
            }
        }
        Key::Org(o) => format!("**org `{o}`**"),
        Key::Feature(f) => format!("**feature `{f}`**"),
        Key::Test(t) => format!("**test** \"{t}\""),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(analysis.range(occ.loc)),
    })
}

/// "Tried 2nd of 3 (`priority 2`)": where an item sits in evaluation order.
fn tried(index: usize, of: usize, priority: Option<u32>) -> String {
    let n = index + 1;
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    let why = match priority {
        Some(p) => format!("`priority {p}`"),
        None => "no `priority`: after those with one, in the order written".to_owned(),
    };
    format!("Tried {n}{suffix} of {of} ({why}).")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::analysis::{Snapshot, SnapshotFile};

    fn idp_text(text: &str, name: &str) -> String {
        let uri = crate::uri::from_path(std::path::Path::new("/w/a.policy")).unwrap();
        let analysis = Analysis::new(Snapshot {
            files: vec![SnapshotFile {
                uri,
                name: "a.policy".to_owned(),
                text: text.to_owned(),
                version: None,
                refused: None,
            }],
            generation: 1,
            config: None,
        });
        idp_hover(name, &analysis).unwrap()
    }

    #[test]
    fn a_saml_idp_says_whether_its_signatures_are_verified() {
        let with = idp_text(
            "idp adfs {\n  kind saml\n  certificate \"keys/adfs.pem\"\n  metadata \"keys/adfs.xml\"\n}\n",
            "adfs",
        );
        assert!(
            with.contains("- SAML signatures: verified with `keys/adfs.pem`, `keys/adfs.xml`\n"),
            "{with}"
        );
        let without = idp_text("idp adfs { kind saml }\n", "adfs");
        assert!(
            without.contains("- SAML signatures: not verified (no `certificate` or `metadata`"),
            "{without}"
        );
        let oidc = idp_text("idp corp { kind oidc }\n", "corp");
        assert!(!oidc.contains("SAML signatures"), "{oidc}");
    }

    fn hover_text(text: &str, at: &str) -> String {
        let snapshot = Snapshot {
            files: vec![SnapshotFile {
                uri: "file:///set.policy".parse().unwrap(),
                name: "set.policy".to_owned(),
                text: text.to_owned(),
                version: None,
                refused: None,
            }],
            generation: 0,
            config: None,
        };
        let analysis = Analysis::new(snapshot);
        let offset = text.find(at).unwrap();
        match hover(&analysis, FileId(0), offset).unwrap().contents {
            HoverContents::Markup(m) => m.value,
            other => panic!("{other:?}"),
        }
    }

    const SET: &str = "\
org acme { features [third_party_claims_sharing] }
group admins
app wiki
authenticator password
idp corp { kind oidc  trust_claims true  asserts [pwd, hwk] }
idp partner { kind saml  trust_claims true  asserts [pwd, otp] }
route partner_users {
  priority 2
  when domain in [\"partner.example\"]
  to partner
}
route catch_all_staff { priority 1  when group in [admins]  to partner }
session_policy later { rule a { require password } }
session_policy first { priority 1  rule b { require password } }
policy p {
  apps [wiki]
  rule admins {
    when group in [admins]
    require 2 factor_types
    possession [hardware_protected]
  }
}
";

    #[test]
    fn routes_and_session_policies_say_where_they_are_tried() {
        assert_eq!(
            hover_text(SET, "partner_users"),
            "**route `partner_users`**\n\nTried 2nd of 2 (`priority 2`)."
        );
        assert_eq!(
            hover_text(SET, "catch_all_staff"),
            "**route `catch_all_staff`**\n\nTried 1st of 2 (`priority 1`)."
        );
        assert_eq!(
            hover_text(SET, "later"),
            "**global session policy `later`**\n\nTried 2nd of 2 (no `priority`: after those with one, in the order written)."
        );
    }

    #[test]
    fn a_rule_names_the_idps_no_route_sends_its_users_to() {
        let text = hover_text(SET, "admins {");
        assert!(
            text.ends_with(
                "- claims that complete it: `corp` (no routing rule sends this rule's users there)\n"
            ),
            "{text}"
        );
    }
}
