//! `custom-authenticator-claims`.
//!
//! **What it does:** finds Okta IdP orgs that assert a custom authenticator: the `smart_card`,
//! `custom_otp` or `idp_factor` method, or the AMR codes an Okta org sends for them (`sc`, with
//! `swk` or `hwk`, for a smart card; `fed` for another IdP used as a factor). A third-party IdP's
//! `sc` is an ordinary possession value and is not reported.
//!
//! **Why it matters:** claims sharing accepts every authenticator performed natively at an Okta
//! IdP org, but not custom authenticators (smart card/PIV, custom OTP, another IdP used as a
//! factor). Such a value never counts toward a rule, so a rule that relies on it is challenged
//! locally.
//!
//! **Fix:** remove the value from `asserts`; if rules need that factor, set it up as a local
//! authenticator of the SP org, or have users sign in at the IdP org with an accepted
//! authenticator (such as `webauthn` or `okta_verify.fastpass`).

use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::AssertedValue;

pub(super) const CHECK: Check = Check {
    codes: &[Code::CustomAuthenticatorClaims],
    run,
};

const HELP: &str = "claims sharing accepts the authenticators performed natively at the IdP org, not custom ones (smart card/PIV, custom OTP, another IdP used as a factor): remove the value from `asserts`, and if rules need that factor, set it up as a local authenticator";

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for idp in &cx.compiled.model.idps {
        if !idp.kind.is_okta() {
            // A third-party IdP's methods are `unsupported-amr` already, and its `sc` counts.
            continue;
        }
        for a in &idp.asserts {
            let AssertedValue::Method(m) = &a.value else {
                continue;
            };
            let name = m.info().name();
            if !m.info().kind.is_custom() {
                continue;
            }
            let written = cx.compiled.sources.slice(a.loc);
            let message = if written == name {
                format!(
                    "IdP `{}` asserts the custom authenticator `{name}`, which claims sharing does not accept",
                    idp.name
                )
            } else {
                format!(
                    "IdP `{}` asserts `{written}`, which an Okta IdP org sends for `{name}`, a custom authenticator claims sharing does not accept",
                    idp.name
                )
            };
            out.push(
                Diagnostic::new(Code::CustomAuthenticatorClaims, a.loc, message)
                    .with_label("never counts through claims")
                    .with_help(HELP),
            );
        }
    }
    out
}
