//! Embedding policyc: compile a policy set once, look names up once, then decide each sign-in
//! from the request's own strings without allocating for the claims.
//!
//! `cargo run --example embed`. A dependency with `default-features = false` gets the engine
//! alone (no command line); this example needs nothing more. `tests/embed_example.rs` runs it.

use policyc::eval::input::{app_by_name, group_by_name, idp_by_name, zone_by_name};
use policyc::eval::{Claims, EvalOptions, Outcome, SignIn, User, evaluate, evaluate_with};
use policyc::graph::tables::{Bits, method_bit};
use policyc::model::MethodId;
use policyc::model::catalogue::{AuthenticatorKind, lookup_method};
use policyc::source::{SourceFile, Sources};
use std::fmt::Write;

const POLICY: &str = "\
org acme {
  engine identity
  features [third_party_claims_sharing]
}
app portal
authenticator password
authenticator okta_verify { methods [push, totp, fastpass] }
authenticator webauthn
idp partner {
  kind oidc
  trust_claims true
  asserts [pwd, otp, phr, hwk]
}
group admins
group staff
zone office

policy portal_access {
  apps [portal]
  rule admins_in_office {
    when group in [admins] and zone in [office]
    require 2 factor_types
    possession [phishing_resistant]
  }
  rule everyone {
    require 1 factor_type
  }
}
";

/// Compiles the policy, decides a few sign-ins and says what happened, one line each.
pub fn run() -> Result<String, String> {
    let mut sources = Sources::new();
    sources.add(SourceFile::new("acme.policy", POLICY));
    let (compiled, timings) = policyc::compile_timed(sources);
    if let Some(d) = compiled.diagnostics.first() {
        return Err(format!("{}: {}", d.code.as_str(), d.message));
    }
    let _ = (timings.parse, timings.lower, timings.graph); // where compile time went

    // Names to ids, once.
    let model = &compiled.model;
    let err = |e: policyc::eval::input::InputError| e.message;
    let portal = app_by_name(model, "portal").map_err(err)?;
    let partner = idp_by_name(model, "partner").map_err(err)?;
    let admins = group_by_name(model, "admins").map_err(err)?;
    let office = zone_by_name(model, "office").map_err(err)?;

    let mut out = String::new();
    let mut decide = |label: &str, amr: &[&str], options: &EvalOptions| {
        let sign_in = SignIn {
            app: portal,
            user: User {
                groups: Bits::from_ids([admins.0]),
                zone: Some(office),
                ..User::default()
            },
            // The request's strings as they are: no `String` per value.
            claims: (!amr.is_empty()).then(|| Claims::from_strs(model, partner, amr)),
        };
        let d = if *options == EvalOptions::default() {
            evaluate(&compiled, &sign_in)
        } else {
            evaluate_with(&compiled, &sign_in, options)
        };
        let rule = d.rule_of(&compiled).map_or("-", |r| r.name.as_str());
        let position = d.rule_position(&compiled).map_or(0, |p| p + 1);
        let _ = write!(
            out,
            "{label}: {} by rule `{rule}` (#{position})",
            d.outcome.as_str()
        );
        if d.outcome == Outcome::Challenge {
            let _ = write!(
                out,
                " with {}",
                policyc::eval::method_names(d.challenge).join(", ")
            );
        }
        out.push('\n');
    };
    decide("pwd + phr", &["pwd", "phr"], &EvalOptions::default());
    decide("pwd + otp", &["pwd", "otp"], &EvalOptions::default());
    decide(
        "pwd + otp, allow or not",
        &["pwd", "otp"],
        &EvalOptions {
            allow_only: true,
            ..EvalOptions::default()
        },
    );
    // The app verified the user's WebAuthn itself: it counts, and is not asked for again.
    let webauthn = lookup_method(AuthenticatorKind::Webauthn, None)
        .map(|m| method_bit(MethodId(m.index() as u8)))
        .unwrap_or(0);
    decide(
        "pwd + local webauthn",
        &["pwd"],
        &EvalOptions {
            verified: webauthn,
            ..EvalOptions::default()
        },
    );
    Ok(out)
}

fn main() {
    match run() {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("embed: {e}");
            std::process::exit(1);
        }
    }
}
