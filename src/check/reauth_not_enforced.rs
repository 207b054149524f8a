//! `reauth-not-enforced`.
//!
//! **What it does:** finds rules with a re-authentication frequency (`reauth 2h`,
//! `reauth every_sign_in`) that only trusted claims can satisfy.
//!
//! **Why it matters:** claims sharing does not re-authenticate: while the SP session lives, the
//! IdP's factors stay valid whatever the rule's frequency (Okta's claims-sharing guide, "Re-authentication"), so the rule's `reauth`
//! does not make the user authenticate again.
//!
//! **Fix:** make the rule satisfiable with local authenticators (which are re-challenged), or
//! accept that re-authentication follows the IdP's session.

use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Reauth;

pub(super) const CHECK: Check = Check {
    codes: &[Code::ReauthNotEnforced],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let available = super::support::available(model);
    let mut out = Vec::new();
    for (r, support) in cx.support.rules.iter().enumerate() {
        let Some((_, rule)) = cx.rules.get(r) else {
            continue;
        };
        let Some((reauth, loc)) = rule.reauth else {
            continue;
        };
        if reauth == Reauth::Never
            || support.deny
            || support.signin_ok
            || !support.can.intersects(&available.trusted)
        {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::ReauthNotEnforced,
            loc,
            format!(
                "{} re-authenticates only through trusted claims, which stay valid for the whole session",
                cx.rule_title(r)
            ),
        )
        .with_label("not enforced while only claims satisfy the rule")
        .with_help("claims sharing does not re-authenticate: make the rule satisfiable with local authenticators, or accept that re-authentication follows the IdP's session");
        for source in &cx.support.sources {
            if support.can.contains(source.idp.0)
                && available.trusted.contains(source.idp.0)
                && let Some(idp) = model.idp(source.idp)
            {
                d = d.with_related(idp.loc, format!("`{}`'s claims satisfy the rule", idp.name));
            }
        }
        out.push(d);
    }
    out
}
