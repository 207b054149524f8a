//! `route-to-inactive-idp` and `route-to-untrusted-idp`.
//!
//! **What it does:** looks at the IdP each routing rule sends users to. An inactive target is an
//! error. An active target whose claims do not count is reported as information, saying which of
//! the two reasons holds: the IdP does not trust claims (`trust_claims` is off), or it does but
//! the org's claims-sharing feature for its kind is off.
//!
//! **Why it matters:** users a route matches are sent to its IdP; an inactive IdP signs nobody
//! in, so they cannot sign in at all. An IdP whose claims are not trusted signs them in, but the
//! SP counts that only as an IdP sign-in (enough for `password` and `1 factor_type`) and
//! challenges locally for everything else, which may be intended, or may be a forgotten switch.
//!
//! **Fix:** activate the IdP or route to an active one; for the information, set
//! `trust_claims true` on the IdP or add the feature to the org's `features`, if the IdP's
//! factors are meant to count.

use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Feature, Status};

pub(super) const CHECK: Check = Check {
    codes: &[Code::RouteToInactiveIdp, Code::RouteToUntrustedIdp],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let features = model.features();
    let mut out = Vec::new();
    for route in &model.routes {
        let Some((id, to)) = route.to else {
            continue;
        };
        let Some(idp) = model.idp(id) else {
            continue;
        };
        if idp.status == Status::Inactive {
            out.push(
                Diagnostic::new(
                    Code::RouteToInactiveIdp,
                    to,
                    format!(
                        "route `{}` sends users to inactive IdP `{}`",
                        route.name, idp.name
                    ),
                )
                .with_label(format!("`{}` is inactive", idp.name))
                .with_related(
                    idp.status_loc.unwrap_or(idp.loc),
                    format!("`{}` is deactivated here", idp.name),
                )
                .with_help(format!(
                    "an inactive IdP signs nobody in, so the users this route matches cannot sign in: set `status active` on `{}`, or route them to an active IdP",
                    idp.name
                )),
            );
            continue;
        }
        let feature = Feature::of(idp.kind);
        let (label, related, fix) = if !idp.trust_claims {
            (
                format!("`{}` does not trust claims", idp.name),
                (
                    idp.trust_claims_loc.unwrap_or(idp.loc),
                    "`trust_claims` is off".to_owned(),
                ),
                format!("set `trust_claims true` on `{}`", idp.name),
            )
        } else if !features.covers(idp.kind) {
            (
                format!(
                    "`{}` trusts claims, but the org's `{}` feature is off",
                    idp.name,
                    feature.as_str()
                ),
                (
                    idp.trust_claims_loc.unwrap_or(idp.loc),
                    format!(
                        "trusted here, but without effect while `{}` is off",
                        feature.as_str()
                    ),
                ),
                format!("add `{}` to the org's `features`", feature.as_str()),
            )
        } else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::RouteToUntrustedIdp,
                to,
                format!(
                    "route `{}` sends users to IdP `{}`, whose claims do not count",
                    route.name, idp.name
                ),
            )
            .with_label(label)
            .with_related(related.0, related.1)
            .with_help(format!(
                "users routed here get only the \"IdP\" factor: it satisfies `password` and `1 factor_type`, and everything else is challenged locally. If the IdP's factors are meant to count, {fix}"
            )),
        );
    }
    out
}
