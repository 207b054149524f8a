//! Claims as evaluation sees them: the values an IdP sent, turned into [`Proof`]s once, before
//! any decision.

use crate::claims::{TrustedClaims, ignored_reason};
use crate::graph::proof::Proof;
use crate::model::catalogue::{Amr, AuthenticatorKind, Characteristics, lookup_method};
use crate::model::{IdpId, MethodId, Model};

/// The claims of one sign-in at an IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub idp: IdpId,
    /// What the accepted values prove, one per value.
    pub proofs: Vec<Proof>,
    /// The accepted values, as sent.
    pub accepted: Vec<String>,
    /// Values Okta ignores for this IdP, with why.
    pub ignored: Vec<(String, String)>,
    /// Whether the values arrived signed and verified (`not-applicable` for hand-written ones).
    pub signature: crate::claims::SignatureStatus,
}

impl Claims {
    /// Reads the raw values an IdP sent (`["pwd", "hwk"]`; Okta-to-Okta IdPs may also send
    /// authenticator methods such as `okta_verify.push`).
    pub fn from_values(model: &Model, idp: IdpId, values: &[String]) -> Claims {
        let mut claims = Claims {
            idp,
            proofs: Vec::new(),
            accepted: Vec::new(),
            ignored: Vec::new(),
            signature: crate::claims::SignatureStatus::NotApplicable,
        };
        let Some(config) = model.idp(idp) else {
            return claims;
        };
        let protocol = config.kind.protocol();
        for value in values {
            if claims.accepted.contains(value) || claims.ignored.iter().any(|(v, _)| v == value) {
                continue;
            }
            let proof = if config.kind.is_okta() {
                okta_proof(value, protocol)
            } else {
                Amr::parse(value)
                    .and_then(|a| a.evidence(protocol))
                    .map(|e| Proof {
                        factors: e.factors,
                        characteristics: e.characteristics,
                        password: e.amr == Amr::Pwd,
                        mfa: e.mfa_marker,
                        method: None,
                        amr: Some(e.amr),
                    })
                    .ok_or_else(|| ignored_reason(value, protocol))
            };
            match proof {
                Ok(p) => {
                    claims.proofs.push(p);
                    claims.accepted.push(value.clone());
                }
                Err(why) => claims.ignored.push((value.clone(), why)),
            }
        }
        // OIDC biometrics (inherence only) lend their characteristics (user presence and
        // verification) to the possession values they arrive with, and to nothing without one.
        let lent = claims
            .proofs
            .iter()
            .filter(|p| p.amr.is_some_and(Amr::is_biometric) && !p.is_possession())
            .fold(Default::default(), |acc: Characteristics, p| {
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

    /// The claims of a verified ID token or a read SAML assertion.
    pub fn from_trusted(model: &Model, idp: IdpId, claims: &TrustedClaims) -> Claims {
        let values: Vec<String> = claims
            .amr
            .iter()
            .map(|a| a.as_str().to_owned())
            .chain(claims.ignored.iter().cloned())
            .collect();
        Claims {
            signature: claims.signature,
            ..Claims::from_values(model, idp, &values)
        }
    }
}

/// The Okta authenticator an Okta IdP org reports with an AMR value. Okta-to-Okta claims stand
/// for the IdP org's real authenticators, so constraints are met through those
/// (docs/evaluation.md has the table).
pub fn okta_method_for(amr: Amr) -> Option<(AuthenticatorKind, Option<&'static str>)> {
    use AuthenticatorKind as K;
    Some(match amr {
        Amr::Pwd => (K::Password, None),
        Amr::Kba => (K::SecurityQuestion, None),
        Amr::Sms => (K::Phone, Some("sms")),
        Amr::Tel => (K::Phone, Some("voice")),
        Amr::Otp => (K::OktaVerify, Some("totp")),
        Amr::Swk | Amr::Pop => (K::OktaVerify, Some("push")),
        Amr::Hwk => (K::Webauthn, None),
        Amr::Phr => (K::OktaVerify, Some("fastpass")),
        Amr::Sc => (K::SmartCard, None),
        Amr::Face | Amr::Fpt | Amr::Iris | Amr::Retina | Amr::Vbm | Amr::Mfa => return None,
    })
}

fn okta_proof(value: &str, protocol: crate::model::catalogue::Protocol) -> Result<Proof, String> {
    let method = match Amr::parse(value) {
        Some(amr) => match okta_method_for(amr) {
            Some((kind, method)) => lookup_method(kind, method).map(|m| (m, Some(amr))),
            // Biometrics and `mfa` read as in the AMR table.
            None => {
                return amr
                    .evidence(protocol)
                    .map(|e| Proof {
                        factors: e.factors,
                        characteristics: e.characteristics,
                        password: false,
                        mfa: e.mfa_marker,
                        method: None,
                        amr: Some(amr),
                    })
                    .ok_or_else(|| ignored_reason(value, protocol));
            }
        },
        None => {
            let (kind, method) = match value.split_once('.') {
                Some((k, m)) => (k, Some(m)),
                None => (value, None),
            };
            AuthenticatorKind::parse(kind)
                .and_then(|k| lookup_method(k, method))
                .map(|m| (m, None))
        }
    };
    let Some((info, amr)) = method else {
        return Err("neither an AMR value nor an Okta authenticator method".to_owned());
    };
    if info.kind.is_custom() {
        return Err(format!(
            "`{}` is a custom authenticator, which claims sharing does not accept",
            info.name()
        ));
    }
    let mut proof = Proof::local(MethodId(info.index() as u8));
    proof.amr = amr;
    Ok(proof)
}
