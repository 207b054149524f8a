//! What a sign-in proves, as bits: claims from an IdP and local methods both become [`Proof`]s,
//! and a set of proofs folds into one `u8` [`State`] that requirements test.

use super::tables::{Need, ReqKind};
use crate::model::MethodId;
use crate::model::catalogue::{
    Amr, AuthenticatorKind, Characteristic, Characteristics, FactorSet, FactorType,
};

/// What a set of proofs establishes, one bit per fact a requirement can ask about.
pub type State = u8;

pub const KNOWLEDGE: State = 1;
pub const POSSESSION: State = 2;
pub const INHERENCE: State = 4;
/// The password itself (locally, or `pwd` in claims).
pub const PASSWORD: State = 8;
/// A possession factor meeting every possession constraint of the rule.
pub const COMPLIANT_POSSESSION: State = 16;
/// A sign-in at an IdP: "password / IdP" and "any 1 factor type / IdP" accept it.
pub const IDP: State = 32;
/// The `mfa` marker.
pub const MFA: State = 64;
/// A factor other than the password (for "password / IdP + another factor").
pub const OTHER_FACTOR: State = 128;

const FACTORS: State = KNOWLEDGE | POSSESSION | INHERENCE;

/// One thing the user proved: a local method, or one value of the IdP's claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proof {
    pub factors: FactorSet,
    pub characteristics: Characteristics,
    pub password: bool,
    pub mfa: bool,
    /// The authenticator method this stands for, when known (local methods, Okta-to-Okta
    /// claims); `only`/`except` method settings match on it.
    pub method: Option<MethodId>,
    /// The AMR value it arrived as, for claims.
    pub amr: Option<Amr>,
}

impl Proof {
    pub fn local(method: MethodId) -> Proof {
        let info = method.info();
        Proof {
            // Biometric user verification is not assumed: a local WebAuthn or FastPass counts
            // as possession only (docs/evaluation.md).
            factors: info.factors,
            characteristics: info.characteristics,
            password: info.kind == AuthenticatorKind::Password,
            mfa: false,
            method: Some(method),
            amr: None,
        }
    }

    pub fn is_possession(&self) -> bool {
        self.factors.contains(FactorType::Possession)
    }

    /// Whether this is a possession factor that meets the rule's possession constraints.
    pub fn compliant(&self, need: &Need) -> bool {
        self.is_possession()
            && self.characteristics.contains_all(need.required)
            && !(need.exclude_phone_email
                && self.characteristics.contains(Characteristic::PhoneOrEmail))
    }

    /// The state bits this proof adds under `need`. A possession factor that breaks the rule's
    /// constraints does not count as possession at all.
    pub fn state(&self, need: &Need) -> State {
        let compliant = self.compliant(need);
        // Factor bits are the state's low bits (knowledge 1, possession 2, inherence 4).
        let mut state = self.factors.bits() & FACTORS;
        if need.constrained && !compliant {
            state &= !POSSESSION;
        }
        if self.password {
            state |= PASSWORD;
        } else if state & FACTORS != 0 {
            state |= OTHER_FACTOR;
        }
        if compliant {
            state |= COMPLIANT_POSSESSION;
        }
        if self.mfa {
            state |= MFA;
        }
        state
    }
}

/// Whether `state` meets `need` (method chains are checked on methods, not here).
pub fn satisfies(state: State, need: &Need) -> bool {
    let factor_types = (state & FACTORS).count_ones();
    let met = match need.requirement {
        ReqKind::Password => state & (PASSWORD | IDP) != 0,
        ReqKind::OneFactorType | ReqKind::AnyFactor => state & (FACTORS | IDP | MFA) != 0,
        ReqKind::PasswordPlusFactor => state & (PASSWORD | IDP) != 0 && state & OTHER_FACTOR != 0,
        // `mfa` satisfies "2 factor types", but nothing with a further constraint.
        ReqKind::TwoFactorTypes => factor_types >= 2 || (state & MFA != 0 && !need.constrained),
        ReqKind::Mfa => factor_types >= 2 || state & MFA != 0,
        ReqKind::Chain => false,
    };
    met && (!need.constrained || state & COMPLIANT_POSSESSION != 0)
}

/// The requirement in words, for traces and diagnostics.
pub fn describe_need(need: &Need) -> String {
    let base = match need.requirement {
        ReqKind::Password => "password (or an IdP sign-in)",
        ReqKind::OneFactorType => "any 1 factor type (or an IdP sign-in)",
        ReqKind::PasswordPlusFactor => "password (or an IdP sign-in) plus another factor",
        ReqKind::TwoFactorTypes => "2 factor types",
        ReqKind::Chain => "an authentication method chain",
        ReqKind::AnyFactor => "any factor",
        ReqKind::Mfa => "MFA",
    };
    let mut constraints: Vec<String> = need
        .required
        .iter()
        .map(|c| c.as_str().replace('_', "-"))
        .collect();
    if need.exclude_phone_email {
        constraints.push("non-phone, non-email".to_owned());
    }
    if constraints.is_empty() {
        base.to_owned()
    } else {
        format!("{base} with a {} possession factor", constraints.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_bits_are_the_state_bits() {
        assert_eq!(FactorSet::of(&[FactorType::Knowledge]).bits(), KNOWLEDGE);
        assert_eq!(FactorSet::of(&[FactorType::Possession]).bits(), POSSESSION);
        assert_eq!(FactorSet::of(&[FactorType::Inherence]).bits(), INHERENCE);
    }
}
