//! Claims as evaluation sees them: the values an IdP sent, turned into [`Proof`]s once, before
//! any decision. What a value stands for is `model::reading`'s, the one reading `claims
//! inspect` uses too.

use crate::claims::{DeviceClaims, TrustedClaims};
use crate::graph::proof::Proof;
use crate::model::catalogue::{Amr, Characteristics};
use crate::model::reading::{self, Meaning};
use crate::model::{IdpId, MethodId, Model};

/// The claims of one sign-in at an IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub idp: IdpId,
    /// What the accepted values prove, one per value.
    pub proofs: Vec<Proof>,
    /// The accepted values, as they count (an Okta org's `okta_verify` + `swk` is
    /// `okta_verify.push`).
    pub accepted: Vec<String>,
    /// Values Okta ignores for this IdP, with why.
    pub ignored: Vec<(String, String)>,
    /// The device's status, when an Okta IdP org sent it (early access device claims).
    pub device: Option<DeviceClaims>,
    /// Whether the values arrived signed and verified (`not-applicable` for hand-written ones).
    pub signature: crate::claims::SignatureStatus,
}

impl Claims {
    /// Reads the raw values an IdP sent (`["pwd", "hwk"]`; Okta IdP orgs send their
    /// authenticators, such as `okta_verify.push` or `okta_verify` + `swk`).
    pub fn from_values(model: &Model, idp: IdpId, values: &[String]) -> Claims {
        let mut claims = Claims {
            idp,
            proofs: Vec::new(),
            accepted: Vec::new(),
            ignored: Vec::new(),
            device: None,
            signature: crate::claims::SignatureStatus::NotApplicable,
        };
        let Some(config) = model.idp(idp) else {
            return claims;
        };
        let read = reading::read(config.kind, config.usage, values);
        for accepted in read.accepted {
            claims.proofs.push(proof(accepted.meaning));
            claims.accepted.push(accepted.value);
        }
        claims.ignored = read.ignored;
        // Biometrics (inherence only) lend their characteristics (user presence and
        // verification) to the possession values they arrive with, and to nothing without one.
        let lent = claims
            .proofs
            .iter()
            .filter(|p| p.amr.is_some_and(Amr::is_biometric) && !p.is_possession())
            .fold(Characteristics::EMPTY, |acc, p| {
                acc.union(p.characteristics)
            });
        for p in &mut claims.proofs {
            if p.is_possession() {
                p.characteristics = p.characteristics.union(lent);
            } else if p.amr.is_some_and(Amr::is_biometric) {
                p.characteristics = Characteristics::EMPTY;
            }
        }
        claims
    }

    /// The claims of a verified ID token or a read SAML assertion: its accepted values read
    /// again (the same reading gives the same proofs), its ignored values kept with their
    /// reasons (an Okta ID token's top-level `amr` is ignored whatever its values), and its
    /// device claims.
    pub fn from_trusted(model: &Model, idp: IdpId, claims: &TrustedClaims) -> Claims {
        let values: Vec<String> = claims
            .amr
            .iter()
            .map(|a| a.as_str().to_owned())
            .chain(claims.methods.iter().map(|m| m.method.clone()))
            .collect();
        let mut out = Claims::from_values(model, idp, &values);
        for value in &claims.ignored {
            if !out.ignored.iter().any(|(v, _)| v == value) {
                out.ignored
                    .push((value.clone(), claims.ignored_reason(value)));
            }
        }
        out.device = claims.device;
        out.signature = claims.signature;
        out
    }
}

/// What one accepted value proves.
fn proof(meaning: Meaning) -> Proof {
    match meaning {
        Meaning::Amr(e) => Proof {
            factors: e.factors,
            characteristics: e.characteristics,
            password: e.amr == Amr::Pwd,
            mfa: e.mfa_marker,
            method: None,
            amr: Some(e.amr),
        },
        // Okta-to-Okta claims stand for the IdP org's real authenticators, so constraints are
        // met through those.
        Meaning::Method(info) => Proof::local(MethodId(info.index() as u8)),
    }
}
