//! Claims as evaluation sees them: the values an IdP sent, turned into [`Proof`]s once, before
//! any decision. What a value stands for is `model::reading`'s, the one reading `claims
//! inspect` uses too.

use crate::claims::{DeviceClaims, TrustedClaims};
use crate::graph::proof::Proof;
use crate::model::catalogue::{Amr, CATALOGUE, Characteristics, FactorSet};
use crate::model::reading::{self, Meaning};
use crate::model::{IdpId, MethodId, Model};

/// The claims of one sign-in at an IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub idp: IdpId,
    /// What the accepted values prove, one per value.
    pub proofs: Proofs,
    /// The accepted values, as they count (an Okta org's `okta_verify` + `swk` is
    /// `okta_verify.push`), one per proof.
    pub accepted: Names,
    /// Values Okta ignores for this IdP, with why.
    pub ignored: Vec<(String, String)>,
    /// The device's status, when an Okta IdP org sent it (early access device claims).
    pub device: Option<DeviceClaims>,
    /// Whether the values arrived signed and verified (`not-applicable` for hand-written ones).
    pub signature: crate::claims::SignatureStatus,
    /// What the IdP sent that the SP does not read, and how to make it count
    /// (`TrustedClaims::hints`).
    pub hints: Vec<String>,
}

/// Accepted values are distinct, and an IdP sends either AMR values (16 of them) or an Okta
/// org's authenticator methods (14): 16 always fit.
const MAX_ACCEPTED: usize = 16;

/// A short list kept inline, so that reading claims allocates nothing for the values the SP
/// accepts. Reads as a slice.
#[derive(Clone, Copy)]
pub struct Inline<T: Copy, const N: usize> {
    items: [T; N],
    len: u8,
}

/// The proofs of one sign-in's claims.
pub type Proofs = Inline<Proof, MAX_ACCEPTED>;

/// The accepted values of one sign-in's claims, as they count: AMR values and Okta method names,
/// kept as one-byte codes (an `Amr` index, or 16 + a catalogue index) so that claims stay small
/// and cost nothing to build. Iterates as `&'static str`.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Names {
    codes: [u8; MAX_ACCEPTED],
    len: u8,
}

impl Names {
    #[inline]
    pub fn new() -> Names {
        Names::default()
    }

    fn push(&mut self, code: u8) {
        if let Some(slot) = self.codes.get_mut(self.len as usize) {
            *slot = code;
            self.len += 1;
        }
    }

    fn name(code: &u8) -> &'static str {
        match Amr::ALL.get(*code as usize) {
            Some(amr) => amr.as_str(),
            None => CATALOGUE
                .get((*code as usize).wrapping_sub(Amr::ALL.len()))
                .map_or("?", |m| m.static_name()),
        }
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&'static str> {
        self.codes.get(..self.len())?.get(i).map(Names::name)
    }

    pub fn iter(&self) -> NamesIter<'_> {
        self.codes
            .get(..self.len())
            .unwrap_or(&[])
            .iter()
            .map(Names::name as fn(&u8) -> &'static str)
    }

    /// The names joined with `sep` (`"pwd, hwk"`).
    pub fn join(&self, sep: &str) -> String {
        self.iter().collect::<Vec<_>>().join(sep)
    }
}

/// The names of a [`Names`], in order.
pub type NamesIter<'a> = std::iter::Map<std::slice::Iter<'a, u8>, fn(&u8) -> &'static str>;

impl<'a> IntoIterator for &'a Names {
    type Item = &'static str;
    type IntoIter = NamesIter<'a>;
    fn into_iter(self) -> NamesIter<'a> {
        self.iter()
    }
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<const M: usize> PartialEq<[&str; M]> for Names {
    fn eq(&self, other: &[&str; M]) -> bool {
        self.len() == M && self.iter().zip(other).all(|(a, b)| a == *b)
    }
}

impl PartialEq<Vec<String>> for Names {
    fn eq(&self, other: &Vec<String>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b)
    }
}

impl<T: Copy, const N: usize> Inline<T, N> {
    /// Adds `item`; false (and nothing added) when full.
    pub fn push(&mut self, item: T) -> bool {
        match self.items.get_mut(self.len as usize) {
            Some(slot) => {
                *slot = item;
                self.len += 1;
                true
            }
            None => false,
        }
    }
}

impl Proofs {
    /// No proof. A constant, so that a new list is copied from one place rather than filled
    /// slot by slot on every sign-in.
    pub const EMPTY: Proofs = Inline {
        items: [NO_PROOF; MAX_ACCEPTED],
        len: 0,
    };

    pub fn new() -> Proofs {
        Proofs::EMPTY
    }
}

/// What fills the unused slots of [`Proofs`].
const NO_PROOF: Proof = Proof {
    factors: FactorSet::EMPTY,
    characteristics: Characteristics::EMPTY,
    password: false,
    mfa: false,
    method: None,
    amr: None,
};

impl Default for Proofs {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy, const N: usize> AsRef<[T]> for Inline<T, N> {
    fn as_ref(&self) -> &[T] {
        self.items.get(..self.len as usize).unwrap_or(&[])
    }
}

impl<T: Copy, const N: usize> std::ops::Deref for Inline<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_ref()
    }
}

impl<T: Copy, const N: usize> std::ops::DerefMut for Inline<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.items.get_mut(..self.len as usize).unwrap_or(&mut [])
    }
}

impl<'a, T: Copy, const N: usize> IntoIterator for &'a Inline<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_ref().iter()
    }
}

impl<'a, T: Copy, const N: usize> IntoIterator for &'a mut Inline<T, N> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        std::ops::DerefMut::deref_mut(self).iter_mut()
    }
}

impl<T: Copy + std::fmt::Debug, const N: usize> std::fmt::Debug for Inline<T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_ref()).finish()
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq for Inline<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_ref() == other.as_ref()
    }
}

impl<T: Copy + Eq, const N: usize> Eq for Inline<T, N> {}

impl Claims {
    /// Reads the raw values an IdP sent (`["pwd", "hwk"]`; Okta IdP orgs send their
    /// authenticators, such as `okta_verify.push` or `okta_verify` + `swk`).
    pub fn from_values(model: &Model, idp: IdpId, values: &[String]) -> Claims {
        Claims::from_strs(model, idp, values)
    }

    /// [`Claims::from_values`] over any strings (`&["pwd", "hwk"]`). A third-party IdP's values
    /// are read without allocating, unless some are ignored (each ignored value is kept with
    /// why).
    #[inline]
    pub fn from_strs<S: AsRef<str>>(model: &Model, idp: IdpId, values: &[S]) -> Claims {
        let mut claims = Claims {
            idp,
            proofs: Proofs::EMPTY,
            accepted: Names::new(),
            ignored: Vec::new(),
            device: None,
            signature: crate::claims::SignatureStatus::NotApplicable,
            hints: Vec::new(),
        };
        claims.read(model, values);
        claims
    }

    /// Reads `values` into these (empty) claims.
    fn read<S: AsRef<str>>(&mut self, model: &Model, values: &[S]) {
        let claims = self;
        let Some(config) = model.idp(claims.idp) else {
            return;
        };
        // Whether a biometric value was accepted (then characteristics are lent, below).
        let mut biometric = false;
        if config.kind.is_okta() {
            let read = reading::read(config.kind, config.usage, values);
            for accepted in read.accepted {
                let code = match accepted.meaning {
                    Meaning::Amr(e) => {
                        biometric |= e.amr.is_biometric();
                        e.amr.index()
                    }
                    Meaning::Method(info) => Amr::ALL.len() + info.index(),
                };
                claims.push(code as u8, proof(accepted.meaning));
            }
            claims.ignored = read.ignored;
        } else {
            let (proofs, names, ignored) = (
                &mut claims.proofs,
                &mut claims.accepted,
                &mut claims.ignored,
            );
            reading::read_third_party_each(
                config.usage,
                values,
                |e| {
                    if proofs.push(proof(Meaning::Amr(e))) {
                        names.push(e.amr.index() as u8);
                        biometric |= e.amr.is_biometric();
                    }
                },
                |value, why| ignored.push((value.to_owned(), why)),
            );
        }
        if biometric {
            claims.lend_biometric_characteristics();
        }
    }

    /// Biometrics (inherence only) lend their characteristics (user presence and verification)
    /// to the possession values they arrive with, and to nothing without one.
    fn lend_biometric_characteristics(&mut self) {
        let lent = self
            .proofs
            .iter()
            .filter(|p| p.amr.is_some_and(Amr::is_biometric) && !p.is_possession())
            .fold(Characteristics::EMPTY, |acc, p| {
                acc.union(p.characteristics)
            });
        for p in &mut self.proofs {
            if p.is_possession() {
                p.characteristics = p.characteristics.union(lent);
            } else if p.amr.is_some_and(Amr::is_biometric) {
                p.characteristics = Characteristics::EMPTY;
            }
        }
    }

    fn push(&mut self, code: u8, proof: Proof) {
        if self.proofs.push(proof) {
            self.accepted.push(code);
        }
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
        out.hints.clone_from(&claims.hints);
        out
    }
}

/// What one accepted value proves.
#[inline]
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
