//! `legacy-amr-mapping-ignored`.
//!
//! **What it does:** finds IdPs with `trust_claims true` that also set `map_amr_claims`, the
//! legacy "Trust AMR claims from this IdP" switch.
//!
//! **Why it matters:** Okta ignores `map_amr_claims` whenever trust claims is on (Okta's claims-sharing guide), so
//! the setting says something the org does not do: `map_amr_claims false` does not stop claims
//! from counting, and `map_amr_claims true` adds nothing.
//!
//! **Fix:** remove `map_amr_claims`.

use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic, Fix};

pub(super) const CHECK: Check = Check {
    codes: &[Code::LegacyAmrMappingIgnored],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for idp in &cx.compiled.model.idps {
        let (true, Some((value, loc))) = (idp.trust_claims, idp.map_amr_claims) else {
            continue;
        };
        let mut d = Diagnostic::new(
            Code::LegacyAmrMappingIgnored,
            loc,
            format!(
                "`map_amr_claims` is ignored because IdP `{}` trusts claims",
                idp.name
            ),
        )
        .with_label(if value {
            "has no effect beside `trust_claims true`"
        } else {
            "does not stop claims from counting: `trust_claims true` wins"
        })
        .with_help(
            "Okta ignores the legacy \"Trust AMR claims from this IdP\" switch whenever trust claims is on; remove `map_amr_claims`",
        );
        if let Some(at) = idp.trust_claims_loc {
            d = d.with_related(at, "claims are trusted here");
        }
        d.fix = Some(Fix {
            loc,
            replacement: String::new(),
            title: "remove `map_amr_claims`".to_owned(),
        });
        out.push(d);
    }
    out
}
