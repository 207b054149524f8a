//! A large, realistic, valid policy set generated in memory, for benchmarks.
//!
//! The default [`Shape`] is an SP org with 50 groups, 10 zones, 500 apps, the whole
//! authenticator catalogue, 20 IdPs of the four kinds, 200 routes, a global session policy and
//! 500 app sign-on policies of 20 rules each: 10,000 app rules over 56 files (about 1.9 MB). Every
//! rule is distinct, satisfiable by the local authenticators, and ends in a catch-all, so the set
//! compiles with no diagnostic and later checks see what a real org would give them.
//!
//! Use it from a bench with `mod generate;` and [`policy_set`] or [`sources`].

#![allow(dead_code)] // each bench uses part of it

use policyc::source::{SourceFile, Sources};
use std::fmt::Write;

/// The size of a generated policy set.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub groups: usize,
    pub zones: usize,
    pub idps: usize,
    pub routes: usize,
    /// App sign-on policies, one app each.
    pub policies: usize,
    pub rules_per_policy: usize,
    pub policies_per_file: usize,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            groups: 50,
            zones: 10,
            idps: 20,
            routes: 200,
            policies: 500,
            rules_per_policy: 20,
            policies_per_file: 10,
        }
    }
}

impl Shape {
    /// App rules in the set (the session policy's rules not counted).
    pub fn app_rules(&self) -> usize {
        self.policies * self.rules_per_policy
    }
}

/// The files of the set, as (name, text).
pub fn policy_set(shape: &Shape) -> Vec<(String, String)> {
    let mut files = vec![
        ("org.policy".to_owned(), org()),
        ("directory.policy".to_owned(), directory(shape)),
        ("authenticators.policy".to_owned(), authenticators()),
        ("idps.policy".to_owned(), idps(shape)),
        ("routes.policy".to_owned(), routes(shape)),
        ("session.policy".to_owned(), session()),
    ];
    let per_file = shape.policies_per_file.max(1);
    let mut first = 0;
    while first < shape.policies {
        let last = (first + per_file).min(shape.policies);
        let mut text = format!(
            "# App sign-on policies {first}..{last}: one app each, rules tried in order.\n\n"
        );
        for p in first..last {
            app_policy(&mut text, shape, p);
        }
        files.push((format!("apps/apps_{:03}.policy", first / per_file), text));
        first = last;
    }
    files
}

/// The set as [`Sources`], ready for `policyc::compile`.
pub fn sources(files: &[(String, String)]) -> Sources {
    let mut sources = Sources::new();
    for (name, text) in files {
        sources.add(SourceFile::new(name.clone(), text.clone()));
    }
    sources
}

fn org() -> String {
    "# The SP org.\norg acme {\n  engine identity\n  features [okta_to_okta_claims_sharing, third_party_claims_sharing]\n}\n"
        .to_owned()
}

fn group(i: usize) -> String {
    const TEAMS: &[&str] = &[
        "engineering",
        "finance",
        "sales",
        "support",
        "legal",
        "hr",
        "marketing",
        "it",
        "security",
        "contractors",
    ];
    format!("{}_{:02}", TEAMS[i % TEAMS.len()], i / TEAMS.len())
}

fn zone(i: usize) -> String {
    const SITES: &[&str] = &["office", "vpn", "datacenter", "partner_net", "branch"];
    format!("{}_{:02}", SITES[i % SITES.len()], i / SITES.len())
}

fn app(i: usize) -> String {
    format!("app_{i:04}")
}

fn idp(i: usize) -> String {
    format!("idp_{i:02}")
}

fn directory(shape: &Shape) -> String {
    let mut text = String::from("# Directory groups and network zones.\n\n");
    for g in 0..shape.groups {
        let _ = writeln!(text, "group {}", group(g));
    }
    text.push('\n');
    for z in 0..shape.zones {
        let _ = writeln!(text, "zone {}    # egress range {z}", zone(z));
    }
    text
}

fn authenticators() -> String {
    "# The whole built-in catalogue.\n\
     authenticator password\n\
     authenticator security_question { used_for recovery }\n\
     authenticator email\n\
     authenticator phone { methods [sms, voice] }\n\
     authenticator okta_verify { methods [push, totp, fastpass] }\n\
     authenticator webauthn\n\
     authenticator google_authenticator\n\
     authenticator yubikey_otp { enrollment disabled }\n\
     authenticator smart_card\n\
     authenticator custom_otp { status inactive }\n\
     authenticator idp_factor { status inactive }\n"
        .to_owned()
}

fn idps(shape: &Shape) -> String {
    let mut text = String::from("# Federated identity providers, of all four kinds.\n\n");
    for i in 0..shape.idps {
        let name = idp(i);
        let _ = match i % 4 {
            0 => writeln!(
                text,
                "idp {name} {{\n  kind okta_oidc\n  engine identity\n  issuer \"https://org{i}.okta.com\"\n  audience \"0oa{i:04}client\"\n  trust_claims true\n  max_clock_skew 60s\n  asserts [password, okta_verify.push, okta_verify.fastpass, webauthn]\n}}\n"
            ),
            1 => writeln!(
                text,
                "idp {name} {{\n  kind okta_saml\n  engine classic\n  issuer \"http://www.okta.com/exk{i:04}\"\n  trust_claims true\n  asserts [pwd, okta_verify, otp]\n}}\n"
            ),
            2 => writeln!(
                text,
                "idp {name} {{\n  kind oidc\n  issuer \"https://login.example{i}.com/v2.0\"\n  audience \"client-{i}\"\n  trust_claims true\n  asserts [pwd, otp, hwk, fpt, mfa]\n}}\n"
            ),
            _ => writeln!(
                text,
                "idp {name} {{\n  kind saml\n  issuer \"urn:example{i}:idp\"\n  trust_claims {}\n  max_clock_skew 2m\n  asserts [pwd, sms, otp, mfa]\n}}\n",
                if i % 8 == 3 { "true" } else { "false" }
            ),
        };
    }
    text
}

fn routes(shape: &Shape) -> String {
    let mut text = String::from("# IdP routing by sign-in domain.\n\n");
    for r in 0..shape.routes {
        let target = idp(r % shape.idps.max(1));
        let _ = if r % 5 == 4 {
            writeln!(
                text,
                "route route_{r:03} {{\n  when domain in [\"d{r}.example\"] and group in [{}]\n  to {target}\n}}\n",
                group(r % shape.groups.max(1))
            )
        } else {
            writeln!(
                text,
                "route route_{r:03} {{\n  when domain in [\"d{r}.example\", \"eu.d{r}.example\"]\n  to {target}\n}}\n"
            )
        };
    }
    text
}

fn session() -> String {
    "# Global session policy.\nsession_policy default {\n  rule high_risk {\n    when risk in [high]\n    deny\n  }\n  rule managed_in_office {\n    when zone in [office_00] and device managed\n    require any_factor\n    reauth 12h\n  }\n  rule mobile {\n    when platform in [ios, android]\n    require mfa\n    reauth 1d\n  }\n  rule everyone {\n    require mfa\n  }\n}\n"
        .to_owned()
}

/// One app and its policy: `rules_per_policy - 1` distinct conditional rules, then a catch-all.
fn app_policy(text: &mut String, shape: &Shape, p: usize) {
    let (groups, zones) = (shape.groups.max(1), shape.zones.max(1));
    let name = app(p);
    let _ = writeln!(
        text,
        "app {name}\npolicy {name}_sign_on {{\n  apps [{name}]\n"
    );
    for r in 0..shape.rules_per_policy.saturating_sub(1) {
        // Each rule of a policy names its own group, so no rule shadows another.
        let g = (p + r) % groups;
        let (g1, g2) = (group(g), group((g + groups / 2 + 1) % groups));
        let (z1, z2) = (zone((p + r) % zones), zone((p + r + 3) % zones));
        let _ = writeln!(text, "  rule r{r:02}_{g1} {{");
        let _ = match r % 8 {
            0 => writeln!(
                text,
                "    when group in [{g1}, {g2}] and zone in [{z1}, {z2}]\n    require 2 factor_types\n    possession [phishing_resistant, hardware_protected]\n    reauth 2h"
            ),
            1 => writeln!(
                text,
                "    when group in [{g1}] and zone not in [{z1}]\n    deny"
            ),
            2 => writeln!(
                text,
                "    when group in [{g1}] and device managed and platform in [macos, windows]\n    require 1 factor_type\n    possession [phishing_resistant, user_verification]\n    methods only [okta_verify.fastpass, webauthn]\n    reauth 8h"
            ),
            3 => writeln!(
                text,
                "    when group in [{g1}, {g2}] and risk in [medium, high]\n    require password + 1 factor_type\n    possession [device_bound, exclude_phone_email]\n    reauth every_sign_in"
            ),
            4 => writeln!(
                text,
                "    when group in [{g1}] and zone in [{z1}]\n    require chain [[password, okta_verify.push], [webauthn]]\n    reauth 30m"
            ),
            5 => writeln!(
                text,
                "    when group in [{g1}] and platform in [ios, android]\n    require password + 1 factor_type\n    methods except [phone.sms, phone.voice, email]\n    reauth 1d"
            ),
            6 => writeln!(
                text,
                "    when group not in [{g2}] and group in [{g1}] and device registered\n    require 1 factor_type\n    possession [device_bound]\n    methods except [email]\n    reauth 12h"
            ),
            _ => writeln!(
                text,
                "    when group in [{g1}] and zone in [{z1}, {z2}] and risk in [low]\n    require password\n    reauth never"
            ),
        };
        text.push_str("  }\n");
    }
    text.push_str(
        "  # Everyone else.\n  rule everyone {\n    require password + 1 factor_type\n    methods except [phone.sms, phone.voice]\n    reauth 12h\n  }\n}\n\n",
    );
}

/// The AMR values a third-party IdP of the sign-on workload asserts (the OIDC AMR table).
pub const SIGNON_AMR: [&str; 13] = [
    "pwd", "kba", "sms", "tel", "otp", "swk", "hwk", "sc", "pop", "phr", "face", "fpt", "mfa",
];
/// Groups and zones of the sign-on workload.
pub const SIGNON_GROUPS: usize = 20;
pub const SIGNON_ZONES: usize = 5;

/// One rule of the sign-on workload: rule `i` applies to group `g{i % 20}` in zone
/// `zone{i % 5}` (the last rule is a catch-all), and asks for 1 factor type when `i % 3 == 0`,
/// else 2, with a phishing-resistant possession factor when `i % 4 == 1` and a hardware-protected
/// one when `i % 7 == 3`. As 5 divides 20, rule `i` has the same condition as rule `i - 20`:
/// only rules 0..20 and the catch-all can decide, and every later rule is shadowed.
#[derive(Clone, Copy, Debug)]
pub struct SignonRule {
    /// `None` for the catch-all.
    pub group_zone: Option<(usize, usize)>,
    pub factors: u8,
    pub phishing_resistant: bool,
    pub hardware_protected: bool,
}

pub fn signon_rules(n: usize) -> Vec<SignonRule> {
    (0..n)
        .map(|i| SignonRule {
            group_zone: (i + 1 < n).then_some((i % SIGNON_GROUPS, i % SIGNON_ZONES)),
            factors: if i % 3 == 0 { 1 } else { 2 },
            phishing_resistant: i % 4 == 1,
            hardware_protected: i % 7 == 3,
        })
        .collect()
}

/// The sign-on workload as one `.policy` file: one org with 4 local authenticators, one trusted
/// third-party OIDC IdP, 20 groups, 5 zones, one app and one app sign-on policy of `n` rules
/// (`n = 10_000` is about 1 MB).
pub fn signon(n: usize) -> String {
    let mut s = String::with_capacity(n * 130 + 2048);
    s.push_str(
        "org bench {\n  engine identity\n  features [third_party_claims_sharing]\n}\n\napp portal\n\n\
         authenticator password\nauthenticator okta_verify { methods [push, totp, fastpass] }\n\
         authenticator webauthn\nauthenticator phone { methods [sms] }\n\n",
    );
    let _ = writeln!(
        s,
        "idp partner {{\n  kind oidc\n  trust_claims true\n  asserts [{}]\n}}\n",
        SIGNON_AMR.join(", ")
    );
    for g in 0..SIGNON_GROUPS {
        let _ = writeln!(s, "group g{g}");
    }
    for z in 0..SIGNON_ZONES {
        let _ = writeln!(s, "zone zone{z}");
    }
    s.push_str("\npolicy signon {\n  apps [portal]\n");
    for (i, r) in signon_rules(n).iter().enumerate() {
        let _ = writeln!(s, "  rule r{i} {{");
        if let Some((g, z)) = r.group_zone {
            let _ = writeln!(s, "    when group in [g{g}] and zone in [zone{z}]");
        }
        s.push_str(if r.factors == 1 {
            "    require 1 factor_type\n"
        } else {
            "    require 2 factor_types\n"
        });
        match (r.phishing_resistant, r.hardware_protected) {
            (true, true) => s.push_str("    possession [phishing_resistant, hardware_protected]\n"),
            (true, false) => s.push_str("    possession [phishing_resistant]\n"),
            (false, true) => s.push_str("    possession [hardware_protected]\n"),
            (false, false) => {}
        }
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}
