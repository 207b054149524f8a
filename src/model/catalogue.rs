//! The domain's fixed tables, as data, in one place: the built-in local authenticator catalogue
//! (docs/language.md) and the third-party AMR table (docs/evaluation.md; Okta's "Configure claims
//! sharing" guide). Everything that needs to know what a method or an AMR value proves asks here.
//! What an Okta IdP org's values stand for is `okta_values.rs`, beside this file.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A factor type of an authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorType {
    Knowledge,
    Possession,
    Inherence,
}

impl FactorType {
    pub const ALL: [FactorType; 3] = [Self::Knowledge, Self::Possession, Self::Inherence];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Knowledge => "knowledge",
            Self::Possession => "possession",
            Self::Inherence => "inherence",
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Self::Knowledge => 1,
            Self::Possession => 2,
            Self::Inherence => 4,
        }
    }
}

impl fmt::Display for FactorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of factor types, as a bitset (evaluation compares these without allocating).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FactorSet(u8);

impl FactorSet {
    pub const EMPTY: FactorSet = FactorSet(0);

    pub const fn of(factors: &[FactorType]) -> FactorSet {
        let mut bits = 0;
        let mut i = 0;
        while i < factors.len() {
            bits |= factors[i].bit();
            i += 1;
        }
        FactorSet(bits)
    }

    pub const fn contains(self, f: FactorType) -> bool {
        self.0 & f.bit() != 0
    }

    /// The raw bits: knowledge 1, possession 2, inherence 4.
    pub const fn bits(self) -> u8 {
        self.0
    }

    pub const fn union(self, other: FactorSet) -> FactorSet {
        FactorSet(self.0 | other.0)
    }

    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = FactorType> {
        FactorType::ALL
            .into_iter()
            .filter(move |f| self.contains(*f))
    }
}

impl Serialize for FactorSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// A method characteristic, which possession-factor constraints test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Characteristic {
    UserPresence,
    DeviceBound,
    HardwareProtected,
    PhishingResistant,
    UserVerification,
    /// Phone or email delivery: what `exclude_phone_email` excludes.
    PhoneOrEmail,
}

impl Characteristic {
    pub const ALL: [Characteristic; 6] = [
        Self::UserPresence,
        Self::DeviceBound,
        Self::HardwareProtected,
        Self::PhishingResistant,
        Self::UserVerification,
        Self::PhoneOrEmail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserPresence => "user_presence",
            Self::DeviceBound => "device_bound",
            Self::HardwareProtected => "hardware_protected",
            Self::PhishingResistant => "phishing_resistant",
            Self::UserVerification => "user_verification",
            Self::PhoneOrEmail => "phone_or_email",
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Self::UserPresence => 1,
            Self::DeviceBound => 2,
            Self::HardwareProtected => 4,
            Self::PhishingResistant => 8,
            Self::UserVerification => 16,
            Self::PhoneOrEmail => 32,
        }
    }
}

impl fmt::Display for Characteristic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of method characteristics, as a bitset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Characteristics(u8);

impl Characteristics {
    pub const EMPTY: Characteristics = Characteristics(0);

    pub const fn of(cs: &[Characteristic]) -> Characteristics {
        let mut bits = 0;
        let mut i = 0;
        while i < cs.len() {
            bits |= cs[i].bit();
            i += 1;
        }
        Characteristics(bits)
    }

    pub const fn contains(self, c: Characteristic) -> bool {
        self.0 & c.bit() != 0
    }

    pub const fn contains_all(self, other: Characteristics) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn union(self, other: Characteristics) -> Characteristics {
        Characteristics(self.0 | other.0)
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Characteristic> {
        Characteristic::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }
}

impl Serialize for Characteristics {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// The protocol an IdP speaks, which decides how its AMR values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Oidc,
    Saml,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oidc => "oidc",
            Self::Saml => "saml",
        }
    }
}

/// Displays as people write it (`OIDC`, `SAML`); [`Protocol::as_str`] is the JSON form.
impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Oidc => "OIDC",
            Self::Saml => "SAML",
        })
    }
}

/// The kind of a federated identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdpKind {
    /// Okta-to-Okta over OIDC: claims travel in the ID token's `okta_auth` claim.
    OktaOidc,
    /// Okta-to-Okta over SAML: claims travel in the `OktaAuth` AuthnContext extension.
    OktaSaml,
    /// Third-party OIDC: claims travel in the ID token's `amr` array.
    Oidc,
    /// Third-party SAML: claims travel in the `session.amr` attribute.
    Saml,
}

impl IdpKind {
    pub const ALL: [IdpKind; 4] = [Self::OktaOidc, Self::OktaSaml, Self::Oidc, Self::Saml];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OktaOidc => "okta_oidc",
            Self::OktaSaml => "okta_saml",
            Self::Oidc => "oidc",
            Self::Saml => "saml",
        }
    }

    pub fn parse(s: &str) -> Option<IdpKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn protocol(self) -> Protocol {
        match self {
            Self::OktaOidc | Self::Oidc => Protocol::Oidc,
            Self::OktaSaml | Self::Saml => Protocol::Saml,
        }
    }

    /// Okta-to-Okta IdPs share the IdP org's real authenticators, not RFC 8176 values.
    pub fn is_okta(self) -> bool {
        matches!(self, Self::OktaOidc | Self::OktaSaml)
    }
}

impl fmt::Display for IdpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An RFC 8176 authentication method reference value that Okta reads from a third-party IdP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Amr {
    Pwd,
    Kba,
    Sms,
    Tel,
    Otp,
    Swk,
    Sc,
    Pop,
    Hwk,
    Phr,
    Face,
    Fpt,
    Iris,
    Retina,
    Vbm,
    Mfa,
}

/// [`Amr::parse`]'s hash: a multiplier under which the 16 values' words take 16 distinct top
/// nibbles (found by search; `AMR_TABLE` fails to compile if a value is added that collides).
const AMR_HASH: u64 = 0x1472_78dc_0182_82cb;

const fn amr_slot(word: u64) -> usize {
    (word.wrapping_mul(AMR_HASH) >> 60) as usize
}

/// Each slot's word (the value's bytes, its length in the top byte) and value.
const AMR_TABLE: ([u64; 16], [Amr; 16]) = {
    let mut words = [0u64; 16];
    let mut values = [Amr::Pwd; 16];
    let mut i = 0;
    while i < Amr::ALL.len() {
        let amr = Amr::ALL[i];
        let b = amr.as_str().as_bytes();
        let mut word = (b.len() as u64) << 56;
        let mut j = 0;
        while j < b.len() {
            word |= (b[j] as u64) << (8 * j);
            j += 1;
        }
        let slot = amr_slot(word);
        assert!(
            words[slot] == 0,
            "two AMR values share a slot: choose another AMR_HASH"
        );
        words[slot] = word;
        values[slot] = amr;
        i += 1;
    }
    (words, values)
};

impl Amr {
    pub const ALL: [Amr; 16] = [
        Self::Pwd,
        Self::Kba,
        Self::Sms,
        Self::Tel,
        Self::Otp,
        Self::Swk,
        Self::Sc,
        Self::Pop,
        Self::Hwk,
        Self::Phr,
        Self::Face,
        Self::Fpt,
        Self::Iris,
        Self::Retina,
        Self::Vbm,
        Self::Mfa,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pwd => "pwd",
            Self::Kba => "kba",
            Self::Sms => "sms",
            Self::Tel => "tel",
            Self::Otp => "otp",
            Self::Swk => "swk",
            Self::Sc => "sc",
            Self::Pop => "pop",
            Self::Hwk => "hwk",
            Self::Phr => "phr",
            Self::Face => "face",
            Self::Fpt => "fpt",
            Self::Iris => "iris",
            Self::Retina => "retina",
            Self::Vbm => "vbm",
            Self::Mfa => "mfa",
        }
    }

    /// Reads an AMR value exactly as it travels (RFC 8176 values are lowercase).
    /// A perfect hash: the value's bytes as one integer (two overlapping loads, no loop), one
    /// multiplication to a slot of a 16-entry table built at compile time, one comparison.
    /// Evaluation reads claims with it on every sign-in, so it neither allocates nor branches on
    /// the value (a test checks it against `as_str` for every value).
    #[inline]
    pub fn parse(s: &str) -> Option<Amr> {
        let b = s.as_bytes();
        let n = b.len();
        if n > 6 {
            return None;
        }
        // The bytes (2 to 6) with the length in the top byte, so `pwd` and `pwd\0` differ.
        let bytes = if n >= 4 {
            let (lo, hi) = (b.first_chunk::<4>()?, b.last_chunk::<4>()?);
            u64::from(u32::from_le_bytes(*lo)) | u64::from(u32::from_le_bytes(*hi)) << (8 * (n - 4))
        } else {
            let (lo, hi) = (b.first_chunk::<2>()?, b.last_chunk::<2>()?);
            u64::from(u16::from_le_bytes(*lo)) | u64::from(u16::from_le_bytes(*hi)) << (8 * (n - 2))
        };
        let word = bytes | (n as u64) << 56;
        let slot = amr_slot(word);
        (AMR_TABLE.0[slot] == word).then_some(AMR_TABLE.1[slot])
    }

    /// A dense index (`Amr::ALL[a.index()] == a`), for bitsets of values.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn is_biometric(self) -> bool {
        matches!(
            self,
            Self::Face | Self::Fpt | Self::Iris | Self::Retina | Self::Vbm
        )
    }

    /// What this value proves from a third-party IdP. Okta publishes one table for OIDC and SAML
    /// alike, so the protocol is not an argument: the two cannot drift apart.
    #[inline]
    pub const fn evidence(self) -> AmrEvidence {
        use Characteristic::*;
        use FactorType::*;
        let (factors, characteristics, characteristics_need_possession) = match self {
            Self::Pwd | Self::Kba => (FactorSet::of(&[Knowledge]), Characteristics::EMPTY, false),
            Self::Sms | Self::Tel => (
                FactorSet::of(&[Possession]),
                Characteristics::of(&[UserPresence, PhoneOrEmail]),
                false,
            ),
            Self::Otp | Self::Swk | Self::Sc | Self::Pop => (
                FactorSet::of(&[Possession]),
                Characteristics::of(&[UserPresence, DeviceBound]),
                false,
            ),
            Self::Hwk => (
                FactorSet::of(&[Possession]),
                Characteristics::of(&[UserPresence, DeviceBound, HardwareProtected]),
                false,
            ),
            Self::Phr => (
                FactorSet::of(&[Possession]),
                Characteristics::of(&[UserPresence, DeviceBound, PhishingResistant]),
                false,
            ),
            // Biometrics are inherence only; their characteristics count toward a possession
            // constraint only beside a possession value such as `hwk`.
            Self::Face | Self::Fpt | Self::Iris | Self::Retina | Self::Vbm => (
                FactorSet::of(&[Inherence]),
                Characteristics::of(&[UserPresence, UserVerification]),
                true,
            ),
            Self::Mfa => (FactorSet::EMPTY, Characteristics::EMPTY, false),
        };
        AmrEvidence {
            amr: self,
            factors,
            characteristics,
            characteristics_need_possession,
            mfa_marker: matches!(self, Self::Mfa),
        }
    }
}

impl fmt::Display for Amr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one AMR value proves (a row of the third-party AMR table, docs/evaluation.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AmrEvidence {
    pub amr: Amr,
    pub factors: FactorSet,
    pub characteristics: Characteristics,
    /// Biometrics: the characteristics count only beside a possession value such as `hwk`.
    pub characteristics_need_possession: bool,
    /// `mfa`: satisfies "any 2 factor types" and session MFA, nothing with further constraints.
    pub mfa_marker: bool,
}

/// A kind of local authenticator in Okta's built-in catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthenticatorKind {
    Password,
    SecurityQuestion,
    Email,
    Phone,
    OktaVerify,
    Webauthn,
    GoogleAuthenticator,
    YubikeyOtp,
    SmartCard,
    CustomOtp,
    IdpFactor,
}

impl AuthenticatorKind {
    pub const ALL: [AuthenticatorKind; 11] = [
        Self::Password,
        Self::SecurityQuestion,
        Self::Email,
        Self::Phone,
        Self::OktaVerify,
        Self::Webauthn,
        Self::GoogleAuthenticator,
        Self::YubikeyOtp,
        Self::SmartCard,
        Self::CustomOtp,
        Self::IdpFactor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::SecurityQuestion => "security_question",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::OktaVerify => "okta_verify",
            Self::Webauthn => "webauthn",
            Self::GoogleAuthenticator => "google_authenticator",
            Self::YubikeyOtp => "yubikey_otp",
            Self::SmartCard => "smart_card",
            Self::CustomOtp => "custom_otp",
            Self::IdpFactor => "idp_factor",
        }
    }

    pub fn parse(s: &str) -> Option<AuthenticatorKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The methods of this kind, in catalogue order.
    pub fn methods(self) -> impl Iterator<Item = &'static MethodInfo> {
        CATALOGUE.iter().filter(move |m| m.kind == self)
    }

    /// Custom authenticators are usable locally but never accepted through claims sharing.
    pub fn is_custom(self) -> bool {
        matches!(self, Self::SmartCard | Self::CustomOtp | Self::IdpFactor)
    }
}

impl fmt::Display for AuthenticatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One local authentication method of the catalogue, such as `okta_verify.push`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo {
    pub kind: AuthenticatorKind,
    /// The method's own name; `None` for kinds with a single method (`webauthn`).
    pub method: Option<&'static str>,
    pub factors: FactorSet,
    /// Factors added when the method is performed with biometrics (FastPass, WebAuthn).
    pub with_biometrics: FactorSet,
    pub characteristics: Characteristics,
}

impl MethodInfo {
    /// `kind.method`, or `kind` for single-method kinds: the name users write.
    pub fn name(&self) -> String {
        match self.method {
            Some(m) => format!("{}.{m}", self.kind.as_str()),
            None => self.kind.as_str().to_owned(),
        }
    }

    /// [`MethodInfo::name`] without allocating.
    pub fn static_name(&self) -> &'static str {
        METHOD_NAMES.get(self.index()).copied().unwrap_or("?")
    }

    /// Index into [`CATALOGUE`]: a stable dense id for bitsets.
    pub fn index(&self) -> usize {
        CATALOGUE
            .iter()
            .position(|m| m.kind == self.kind && m.method == self.method)
            .unwrap_or(0)
    }
}

const fn method(
    kind: AuthenticatorKind,
    method: Option<&'static str>,
    factors: FactorSet,
    with_biometrics: FactorSet,
    characteristics: Characteristics,
) -> MethodInfo {
    MethodInfo {
        kind,
        method,
        factors,
        with_biometrics,
        characteristics,
    }
}

use AuthenticatorKind as K;
use Characteristic as C;
use FactorType as F;

const KNOWLEDGE: FactorSet = FactorSet::of(&[F::Knowledge]);
const POSSESSION: FactorSet = FactorSet::of(&[F::Possession]);
const INHERENCE: FactorSet = FactorSet::of(&[F::Inherence]);
const NONE: FactorSet = FactorSet::EMPTY;

/// The built-in local authenticator catalogue (docs/language.md), one entry per method.
pub static CATALOGUE: [MethodInfo; 14] = [
    method(K::Password, None, KNOWLEDGE, NONE, Characteristics::EMPTY),
    method(
        K::SecurityQuestion,
        None,
        KNOWLEDGE,
        NONE,
        Characteristics::EMPTY,
    ),
    method(
        K::Email,
        None,
        POSSESSION,
        NONE,
        Characteristics::of(&[C::UserPresence, C::PhoneOrEmail]),
    ),
    method(
        K::Phone,
        Some("sms"),
        POSSESSION,
        NONE,
        Characteristics::of(&[C::UserPresence, C::PhoneOrEmail]),
    ),
    method(
        K::Phone,
        Some("voice"),
        POSSESSION,
        NONE,
        Characteristics::of(&[C::UserPresence, C::PhoneOrEmail]),
    ),
    method(
        K::OktaVerify,
        Some("push"),
        POSSESSION,
        NONE,
        Characteristics::of(&[C::UserPresence, C::DeviceBound]),
    ),
    method(
        K::OktaVerify,
        Some("totp"),
        POSSESSION,
        NONE,
        Characteristics::of(&[C::UserPresence, C::DeviceBound]),
    ),
    method(
        K::OktaVerify,
        Some("fastpass"),
        POSSESSION,
        INHERENCE,
        Characteristics::of(&[C::DeviceBound, C::PhishingResistant, C::UserVerification]),
    ),
    method(
        K::Webauthn,
        None,
        POSSESSION,
        INHERENCE,
        Characteristics::of(&[
            C::DeviceBound,
            C::HardwareProtected,
            C::PhishingResistant,
            C::UserPresence,
            C::UserVerification,
        ]),
    ),
    method(
        K::GoogleAuthenticator,
        None,
        POSSESSION,
        NONE,
        Characteristics::of(&[C::DeviceBound]),
    ),
    method(
        K::YubikeyOtp,
        None,
        POSSESSION,
        NONE,
        Characteristics::of(&[C::DeviceBound, C::HardwareProtected]),
    ),
    method(K::SmartCard, None, POSSESSION, NONE, Characteristics::EMPTY),
    method(K::CustomOtp, None, POSSESSION, NONE, Characteristics::EMPTY),
    method(K::IdpFactor, None, POSSESSION, NONE, Characteristics::EMPTY),
];

/// [`CATALOGUE`]'s names (`kind.method`, or `kind`), in its order (a test checks them against
/// [`MethodInfo::name`]).
static METHOD_NAMES: [&str; 14] = [
    "password",
    "security_question",
    "email",
    "phone.sms",
    "phone.voice",
    "okta_verify.push",
    "okta_verify.totp",
    "okta_verify.fastpass",
    "webauthn",
    "google_authenticator",
    "yubikey_otp",
    "smart_card",
    "custom_otp",
    "idp_factor",
];

/// Looks up `kind` or `kind.method` as written in a policy.
pub fn lookup_method(kind: AuthenticatorKind, method: Option<&str>) -> Option<&'static MethodInfo> {
    match method {
        None => {
            let mut methods = kind.methods();
            let first = methods.next()?;
            // A bare kind names its method only when the kind has exactly one.
            methods.next().is_none().then_some(first)
        }
        Some(m) => kind.methods().find(|info| info.method == Some(m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The perfect hash reads exactly the table's values: every string of up to 3 letters from
    /// the values' alphabet, and every value with one byte changed, dropped or added.
    #[test]
    fn amr_parse_is_a_lookup_in_the_table() {
        let by_table = |s: &str| Amr::ALL.into_iter().find(|a| a.as_str() == s);
        let letters: Vec<char> = "abcdefhiklmnoprstvwxz\0".chars().collect();
        let mut words = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = words
                .iter()
                .flat_map(|w| letters.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(longer);
        }
        for amr in Amr::ALL {
            let v = amr.as_str();
            for i in 0..=v.len() {
                words.push(format!("{}{}", &v[..i], v.get(i + 1..).unwrap_or("")));
                for c in ['a', 'z', '\0', 'P'] {
                    words.push(format!("{}{c}{}", &v[..i], v.get(i + 1..).unwrap_or("")));
                    words.push(format!("{}{c}{}", &v[..i], &v[i..]));
                }
            }
        }
        for w in &words {
            assert_eq!(Amr::parse(w), by_table(w), "{w:?}");
        }
    }

    #[test]
    fn every_kind_has_a_method_and_round_trips() {
        for kind in AuthenticatorKind::ALL {
            assert!(kind.methods().next().is_some(), "{kind} has no method");
            assert_eq!(AuthenticatorKind::parse(kind.as_str()), Some(kind));
        }
        for (i, amr) in Amr::ALL.into_iter().enumerate() {
            assert_eq!(Amr::parse(amr.as_str()), Some(amr));
            assert_eq!(amr.index(), i);
            assert_eq!(Amr::parse(&amr.as_str().to_uppercase()), None);
        }
        for bad in [
            "",
            "pw",
            "pwdd",
            "hw",
            "retin",
            "MFA",
            "mfa ",
            "pwd\0",
            "sc\0",
            "retina\0\0",
            "retinas",
            "pwd\0\0\0\0\0",
            "a",
            "\u{e9}t",
        ] {
            assert_eq!(Amr::parse(bad), None, "{bad:?}");
        }
        for info in &CATALOGUE {
            assert_eq!(info.static_name(), info.name());
        }
    }

    #[test]
    fn biometrics_are_inherence_only_and_lend_characteristics() {
        let face = Amr::Face.evidence();
        assert_eq!(face.factors, FactorSet::of(&[FactorType::Inherence]));
        assert!(face.characteristics_need_possession);
        let phr = Amr::Phr.evidence();
        assert!(
            phr.characteristics
                .contains(Characteristic::PhishingResistant)
        );
    }

    #[test]
    fn bare_kind_names_only_single_method_kinds() {
        assert_eq!(
            lookup_method(AuthenticatorKind::Webauthn, None).map(|m| m.name()),
            Some("webauthn".into())
        );
        assert_eq!(lookup_method(AuthenticatorKind::Phone, None), None);
        assert_eq!(
            lookup_method(AuthenticatorKind::OktaVerify, Some("fastpass")).map(|m| m.name()),
            Some("okta_verify.fastpass".into())
        );
    }
}
