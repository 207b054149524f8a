//! `trusted-idp-asserts-nothing`.
//!
//! **What it does:** finds third-party IdPs whose claims are trusted (`trust_claims true`, with
//! the org's `third_party_claims_sharing` feature on) and whose `asserts` holds no value the SP
//! reads: the list is missing, empty, or every value in it is ignored.
//!
//! **Why it matters:** a trusted third-party IdP that sends no AMR claims breaks the sign-in
//! flow: the user cannot authenticate through it (Okta's "Configure claims sharing" guide, under
//! "Third-party IdP configuration"). policyc decides such a sign-in `deny`, and counts the IdP
//! out of every rule's satisfiability, so either the IdP really sends nothing (and should not
//! trust claims) or `asserts` is missing what it sends.
//!
//! **Fix:** list in `asserts` the AMR values the IdP sends (`asserts [pwd, otp]`), or turn
//! `trust_claims` off if it sends none.

use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};

pub(super) const CHECK: Check = Check {
    codes: &[Code::TrustedIdpAssertsNothing],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let features = model.features();
    model
        .idps
        .iter()
        .filter(|idp| {
            !idp.kind.is_okta()
                && idp.trust_claims
                && features.covers(idp.kind)
                && !idp.asserts_some_value()
        })
        .map(|idp| {
            let loc = idp.trust_claims_loc.unwrap_or(idp.loc);
            Diagnostic::new(
                Code::TrustedIdpAssertsNothing,
                loc,
                format!(
                    "IdP `{}` trusts claims but asserts no AMR value the SP reads",
                    idp.name
                ),
            )
            .with_label("a sign-in through it cannot complete")
            .with_help(
                "a trusted third-party IdP that sends no AMR claims breaks the flow: the user cannot authenticate through it. List the values the IdP sends in `asserts` (such as `asserts [pwd, otp]`), or set `trust_claims false` if it sends none",
            )
        })
        .collect()
}
