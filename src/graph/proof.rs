//! What a sign-in proves, as bits: claims from an IdP and local methods both become [`Proof`]s,
//! and a set of proofs folds into one `u8` [`State`] that requirements test.

use super::tables::{Filter, IdpTable, MethodMask, Need, ReqKind, Tables};
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

/// Why an IdP's claims do not count for a rule at all (its sign-in still counts as "IdP").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// `require chain [..]`: always challenged locally.
    Chain,
    /// A Classic Engine SP counts third-party claims only with `pwd` or `mfa`.
    ClassicSp,
    /// A Classic Engine SP counts an Okta IdP org's claims only as completed MFA: more than one
    /// factor verified at the IdP org.
    ClassicSpOneFactor,
    /// A Classic Engine IdP's MFA satisfies only factor counts.
    ClassicIdp,
    /// `methods only`/`except` with a third-party IdP.
    ThirdPartyFilter,
}

impl Unusable {
    pub fn describe(self) -> &'static str {
        match self {
            Unusable::Chain => "an authentication method chain is always challenged locally",
            Unusable::ClassicSp => {
                "a Classic Engine SP counts third-party claims only with `pwd` or `mfa`"
            }
            Unusable::ClassicSpOneFactor => {
                "a Classic Engine SP only evaluates whether MFA was completed at an Okta IdP org, and it verified one factor"
            }
            Unusable::ClassicIdp => {
                "a Classic Engine IdP's MFA satisfies only `1 factor_type`, `2 factor_types` or `any_factor`"
            }
            Unusable::ThirdPartyFilter => {
                "with `methods only` or `methods except`, third-party claims are not used"
            }
        }
    }
}

/// Whether the claims of `idp` (assumed trusted) can count for `need` at all.
pub fn usable(
    tables: &Tables,
    idp: &IdpTable,
    need: &Need,
    app_rule: bool,
    proofs: &[Proof],
) -> Result<(), Unusable> {
    if need.requirement == ReqKind::Chain {
        Err(Unusable::Chain)
    } else if tables.classic_sp
        && !idp.kind.is_okta()
        && !proofs.iter().any(|p| p.password || p.mfa)
    {
        Err(Unusable::ClassicSp)
    } else if tables.classic_sp && idp.kind.is_okta() && proofs.len() < 2 {
        Err(Unusable::ClassicSpOneFactor)
    } else if idp.classic
        && !matches!(
            need.requirement,
            ReqKind::OneFactorType | ReqKind::TwoFactorTypes | ReqKind::AnyFactor
        )
    {
        Err(Unusable::ClassicIdp)
    } else if app_rule && !idp.kind.is_okta() && need.filter != Filter::Any {
        Err(Unusable::ThirdPartyFilter)
    } else {
        Ok(())
    }
}

/// Whether a sign-in at `idp` with these claims can complete at all: a trusted third-party IdP
/// that sends no AMR value the SP reads breaks the flow (Okta's claims-sharing guide, "Third-party
/// IdP configuration"), so the user cannot authenticate through it.
pub fn sign_in_completes(idp: &IdpTable, proofs: &[Proof]) -> bool {
    !(idp.trusted && !idp.kind.is_okta() && proofs.is_empty())
}

/// The security question used for MFA stops third-party claims (OIDC and SAML alike) beyond
/// knowledge.
pub fn security_question_blocks(tables: &Tables, idp: &IdpTable) -> bool {
    !idp.kind.is_okta() && tables.security_question_mfa
}

/// Whether one proof of usable claims counts under the rule's settings.
pub fn counts(tables: &Tables, idp: &IdpTable, need: &Need, p: &Proof) -> bool {
    counts_with(tables, idp, need, p, security_question_blocks(tables, idp))
}

fn counts_with(tables: &Tables, idp: &IdpTable, need: &Need, p: &Proof, sq_blocks: bool) -> bool {
    let listed = match need.filter {
        Filter::Any => true,
        // `mfa` names no method: it cannot be one of those listed, and may stand for one of
        // those excluded; with `only`/`except` it does not count.
        Filter::Only(_) | Filter::Except(_) if p.mfa => false,
        Filter::Only(_) => p.method.is_some_and(|m| need.filter.allows(m)),
        Filter::Except(_) => p.method.is_none_or(|m| need.filter.allows(m)),
    };
    let knowledge_only = || !p.mfa && p.factors.iter().all(|f| f == FactorType::Knowledge);
    let classic_sp_ok = !tables.classic_sp || p.password || p.is_possession() || p.mfa;
    (!idp.kind.is_okta() || listed) && (!sq_blocks || knowledge_only()) && classic_sp_ok
}

/// A proof as it counts from this IdP: a Classic Engine IdP's claims carry no characteristics.
pub fn as_counted(idp: &IdpTable, p: &Proof) -> Proof {
    let mut p = *p;
    if idp.classic {
        p.characteristics = Characteristics::EMPTY;
    }
    p
}

/// What the claims of `idp` (assumed trusted) prove toward `need`, the IdP sign-in included;
/// `Err` when the rule's settings make the SP ignore them.
pub fn claims_state(
    tables: &Tables,
    idp: &IdpTable,
    need: &Need,
    app_rule: bool,
    proofs: &[Proof],
) -> Result<State, Unusable> {
    claims_state_with(
        tables,
        idp,
        need,
        app_rule,
        proofs,
        security_question_blocks(tables, idp),
    )
}

/// [`claims_state`] as if the security question were not used for MFA: for explaining what
/// that setting costs.
pub fn claims_state_without_security_question(
    tables: &Tables,
    idp: &IdpTable,
    need: &Need,
    app_rule: bool,
    proofs: &[Proof],
) -> Result<State, Unusable> {
    claims_state_with(tables, idp, need, app_rule, proofs, false)
}

fn claims_state_with(
    tables: &Tables,
    idp: &IdpTable,
    need: &Need,
    app_rule: bool,
    proofs: &[Proof],
    sq_blocks: bool,
) -> Result<State, Unusable> {
    usable(tables, idp, need, app_rule, proofs)?;
    if tables.classic_sp && idp.kind.is_okta() {
        // The Classic SP "only evaluates whether MFA was completed": no factor type, no
        // characteristic, just completed MFA (another factor beside the IdP sign-in).
        return Ok(IDP | MFA | OTHER_FACTOR);
    }
    if !sq_blocks
        && !tables.classic_sp
        && !idp.classic
        && (!idp.kind.is_okta() || need.filter == Filter::Any)
    {
        // Every proof counts as it is (`counts_with` holds, `as_counted` changes nothing): the
        // common case, without the per-proof tests.
        return Ok(proofs.iter().fold(IDP, |acc, p| acc | p.state(need)));
    }
    Ok(proofs
        .iter()
        .filter(|p| counts_with(tables, idp, need, p, sq_blocks))
        .fold(IDP, |acc, p| acc | as_counted(idp, p).state(need)))
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

/// Whether what the user proved (`state`) and the local methods used (`methods`) complete
/// `need`: a method chain by its methods, anything else by the state.
pub fn completes(need: &Need, chain: bool, state: State, methods: MethodMask) -> bool {
    if chain {
        need.chains.iter().any(|c| *c != 0 && c & methods == *c)
    } else {
        satisfies(state, need)
    }
}

/// The fewest of `n` classes (at most 6) that complete a requirement: for the smallest `k` such
/// that some `k` classes make `ok` hold, `k` and the union (a bitmask of class indices) of every
/// such choice. `None` when no choice of at most 6 does. Requirements are monotone, so these
/// are the choices to offer.
pub fn fewest(n: usize, ok: impl Fn(u32) -> bool) -> Option<(u32, u32)> {
    for k in 1..=n.min(6) as u32 {
        let union = combinations(n as u32, k)
            .filter(|&picked| ok(picked))
            .fold(0, |acc, picked| acc | picked);
        if union != 0 {
            return Some((k, union));
        }
    }
    None
}

/// Every `k`-subset of `n` items as a bitmask, in increasing order (Gosper's hack).
fn combinations(n: u32, k: u32) -> impl Iterator<Item = u32> {
    let first = if k == 0 || k > n {
        None
    } else {
        Some((1u32 << k) - 1)
    };
    std::iter::successors(first, move |&x| {
        let c = x & x.wrapping_neg();
        let r = x + c;
        let next = (((r ^ x) >> 2) / c) | r;
        (next < (1 << n)).then_some(next)
    })
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
    match describe_constraints(need) {
        Some(factor) => format!("{base} with a {factor}"),
        None => base.to_owned(),
    }
}

/// The possession factor a rule's constraints ask for, in words ("phishing-resistant possession
/// factor"); `None` without constraints.
pub fn describe_constraints(need: &Need) -> Option<String> {
    let mut constraints: Vec<String> = need
        .required
        .iter()
        .map(|c| c.as_str().replace('_', "-"))
        .collect();
    if need.exclude_phone_email {
        constraints.push("non-phone, non-email".to_owned());
    }
    (!constraints.is_empty()).then(|| format!("{} possession factor", constraints.join(", ")))
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
