//! `biometric-without-possession`.
//!
//! **What it does:** finds third-party IdPs (OIDC and SAML alike) that assert a biometric AMR
//! value (`face`, `fpt`, `iris`, `retina`, `vbm`) but no possession value (`hwk`, `otp`,
//! `sms`, ...).
//!
//! **Why it matters:** a biometric is an inherence factor whose characteristics (user presence,
//! user verification) count toward a possession constraint only together with the possession
//! value it was used with (Okta's claims-sharing guide, the AMR tables for OIDC and SAML, which
//! are the same). Alone it meets no possession constraint, however strong the sign-in really was.
//!
//! **Fix:** assert the possession value that arrives with the biometric, such as `hwk` for a
//! security key with a fingerprint reader (and make sure the IdP sends it).

use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::Claims;
use crate::model::{AssertedValue, IdpId};

pub(super) const CHECK: Check = Check {
    codes: &[Code::BiometricWithoutPossession],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    let mut out = Vec::new();
    for (i, idp) in model.idps.iter().enumerate() {
        if idp.kind.is_okta() {
            // An Okta org's `asserts` are its authenticators, read without the AMR table.
            continue;
        }
        let biometrics: Vec<_> = idp
            .asserts
            .iter()
            .filter_map(|a| match a.value {
                AssertedValue::Amr(amr) if amr.is_biometric() => Some((amr, a.loc)),
                _ => None,
            })
            .collect();
        let Some(&(first, loc)) = biometrics.first() else {
            continue;
        };
        // What the asserted values prove, read exactly as evaluation reads them (custom
        // authenticators and ignored values prove nothing).
        let values: Vec<String> = idp
            .asserts
            .iter()
            .filter_map(|a| match &a.value {
                AssertedValue::Amr(amr) => Some(amr.as_str().to_owned()),
                AssertedValue::Method(m) => Some(m.info().name()),
                AssertedValue::Unsupported(_) => None,
            })
            .collect();
        let claims = Claims::from_values(model, IdpId(i as u32), &values);
        if claims.proofs.iter().any(|p| p.is_possession()) {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::BiometricWithoutPossession,
            loc,
            format!(
                "IdP `{}` asserts the biometric `{first}` without any possession value",
                idp.name
            ),
        )
        .with_label("inherence only: its user presence and verification count for nothing here");
        for (amr, loc) in biometrics.iter().skip(1) {
            d = d.with_related(*loc, format!("`{amr}` is a biometric too"));
        }
        out.push(d.with_help(
            "a biometric is an inherence factor, and lends user presence and user verification only to a possession value sent with it (over OIDC and SAML alike). Assert the possession value the IdP sends beside it, such as `hwk`",
        ));
    }
    out
}
