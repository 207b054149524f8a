//! What the values an IdP sends stand for: one reading for each family of IdP, used by the claims
//! layer (`policyc claims inspect`), evaluation, `asserts` and the checker alike, so that none of
//! them can disagree about a value.
//!
//! - A **third-party** IdP sends RFC 8176 values; each reads through the one AMR table
//!   ([`Amr::evidence`]), whatever the protocol.
//! - An **Okta IdP org** sends, in `okta_auth` (OIDC) or `OktaAuth` (SAML), the authenticators it
//!   verified. Okta publishes that payload redacted, so its shape is policyc's documented
//!   assumption (docs/claims.md): a list holding Okta authenticator names (`password`,
//!   `okta_verify.push`, ...) and/or the AMR codes an Okta org emits, which Okta's "AMR claims
//!   mapping" guide defines: `pwd` password, `kba` security question, `email`, `sms` and `tel`
//!   (phone), `okta_verify` with `otp` / `swk` / `phr` (TOTP / push / FastPass), `pop` WebAuthn,
//!   `sc` with `swk` or `hwk` (smart card) and `fed` (another IdP as a factor). Smart cards and IdP
//!   factors are custom authenticators, which claims sharing never accepts.
//! - A **factor-only** IdP does not forward knowledge values (`pwd`, `kba`; for Okta orgs, the
//!   password and the security question).

use super::catalogue::{Amr, AmrEvidence, AuthenticatorKind, IdpKind, MethodInfo, lookup_method};
use serde::Serialize;
use std::fmt;

/// What an IdP is used for in the SP org (Okta's "IdP usage").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    /// Sign-in (SSO) through the IdP: the default.
    #[default]
    Sso,
    /// The IdP is used as a factor only: it does not forward knowledge values.
    FactorOnly,
}

impl Usage {
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::Sso => "sso",
            Usage::FactorOnly => "factor_only",
        }
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one accepted value (or pair of values) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// A third-party AMR value, read through the AMR table.
    Amr(AmrEvidence),
    /// An authenticator method of an Okta IdP org.
    Method(&'static MethodInfo),
}

/// A value the SP reads, with what it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The value as it counts: the AMR value, or the Okta method's name (`okta_verify.push`).
    pub value: String,
    /// The values as they were sent (`["okta_verify", "swk"]` for a push).
    pub from: Vec<String>,
    pub meaning: Meaning,
}

/// The values of one sign-in (or one IdP's `asserts`), read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// In the order they arrived, without duplicates.
    pub accepted: Vec<Accepted>,
    /// Values the SP ignores, each once, with why.
    pub ignored: Vec<(String, String)>,
    /// Those of `ignored` that stand for a custom authenticator of an Okta IdP org (a smart
    /// card, another IdP used as a factor, a custom OTP), with the authenticator.
    pub custom: Vec<(String, &'static MethodInfo)>,
}

impl Reading {
    fn ignore(&mut self, value: &str, why: impl Into<String>) {
        if !self.ignored.iter().any(|(v, _)| v == value) {
            self.ignored.push((value.to_owned(), why.into()));
        }
    }

    fn ignore_custom(&mut self, value: &str, info: &'static MethodInfo, why: String) {
        if !self.ignored.iter().any(|(v, _)| v == value) {
            self.custom.push((value.to_owned(), info));
        }
        self.ignore(value, why);
    }

    fn accept(&mut self, value: String, from: Vec<String>, meaning: Meaning) {
        if !self.accepted.iter().any(|a| a.value == value) {
            self.accepted.push(Accepted {
                value,
                from,
                meaning,
            });
        }
    }
}

const FACTOR_ONLY: &str = "a factor-only IdP does not forward knowledge factors (`pwd`, `kba`, the password, the security question)";

/// Reads the values an IdP of `kind` used for `usage` sent.
pub fn read<S: AsRef<str>>(kind: IdpKind, usage: Usage, values: &[S]) -> Reading {
    if !kind.is_okta() {
        let (mut accepted, mut ignored) = (Vec::new(), Vec::new());
        read_third_party_each(
            usage,
            values,
            |e| {
                let value = e.amr.as_str();
                accepted.push(Accepted {
                    value: value.to_owned(),
                    from: vec![value.to_owned()],
                    meaning: Meaning::Amr(e),
                })
            },
            |value, why| ignored.push((value.to_owned(), why)),
        );
        return Reading {
            accepted,
            ignored,
            custom: Vec::new(),
        };
    }
    let mut reading = read_okta(values);
    if usage == Usage::FactorOnly {
        let (kept, dropped): (Vec<Accepted>, Vec<Accepted>) =
            reading.accepted.into_iter().partition(|a| !is_knowledge(a));
        reading.accepted = kept;
        for a in dropped {
            reading.ignore(&a.value, FACTOR_ONLY);
        }
    }
    reading
}

/// A third-party IdP's values, read one by one without allocating for those it accepts (what
/// evaluation does on every sign-in); [`read`] collects exactly this. `accept` gets each accepted
/// value's row of the AMR table, once, in arrival order; `ignore` gets each ignored value once
/// with why: first the values the SP does not read, in arrival order, then the knowledge values
/// a factor-only IdP does not forward.
pub fn read_third_party_each<S: AsRef<str>>(
    usage: Usage,
    values: &[S],
    mut accept: impl FnMut(AmrEvidence),
    mut ignore: impl FnMut(&str, String),
) {
    let knowledge = |amr: Amr| usage == Usage::FactorOnly && matches!(amr, Amr::Pwd | Amr::Kba);
    // Bit `Amr::index()`: values already read (each counts once).
    let (mut seen, mut dropped) = (0u32, 0u32);
    for (i, value) in values.iter().enumerate() {
        let value = value.as_ref();
        match Amr::parse(value) {
            Some(amr) => {
                let bit = 1 << amr.index();
                if seen & bit == 0 {
                    seen |= bit;
                    if knowledge(amr) {
                        dropped |= bit;
                    } else {
                        accept(amr.evidence());
                    }
                }
            }
            None => {
                if !values[..i].iter().any(|v| v.as_ref() == value) {
                    ignore(value, third_party_reason(value));
                }
            }
        }
    }
    for value in values {
        if dropped == 0 {
            break;
        }
        if let Some(amr) = Amr::parse(value.as_ref()) {
            let bit = 1 << amr.index();
            if dropped & bit != 0 {
                dropped &= !bit;
                ignore(amr.as_str(), FACTOR_ONLY.to_owned());
            }
        }
    }
}

fn is_knowledge(a: &Accepted) -> bool {
    match a.meaning {
        Meaning::Amr(e) => matches!(e.amr, Amr::Pwd | Amr::Kba),
        Meaning::Method(m) => matches!(
            m.kind,
            AuthenticatorKind::Password | AuthenticatorKind::SecurityQuestion
        ),
    }
}

fn third_party_reason(value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    if Amr::parse(&lower).is_some() {
        return format!("AMR values are case-sensitive: `{lower}` would be read");
    }
    if okta_method(value).is_some() {
        return "an Okta authenticator name: only Okta IdP orgs send those; a third-party IdP sends RFC 8176 values".to_owned();
    }
    "not an RFC 8176 value Okta reads".to_owned()
}

/// `password`, `okta_verify.push`, `webauthn`, ...: an Okta authenticator method by name.
fn okta_method(value: &str) -> Option<&'static MethodInfo> {
    let (kind, method) = match value.split_once('.') {
        Some((k, m)) => (k, Some(m)),
        None => (value, None),
    };
    AuthenticatorKind::parse(kind).and_then(|k| lookup_method(k, method))
}

fn method(kind: AuthenticatorKind, name: Option<&str>) -> Option<&'static MethodInfo> {
    lookup_method(kind, name)
}

/// The AMR codes an Okta org emits that name one authenticator by themselves.
fn okta_single(code: &str) -> Option<&'static MethodInfo> {
    use AuthenticatorKind as K;
    match code {
        "pwd" => method(K::Password, None),
        "kba" => method(K::SecurityQuestion, None),
        "email" => method(K::Email, None),
        "sms" => method(K::Phone, Some("sms")),
        "tel" => method(K::Phone, Some("voice")),
        "pop" => method(K::Webauthn, None),
        _ => None,
    }
}

/// The Okta Verify method an AMR code names beside `okta_verify`.
fn okta_verify_method(code: &str) -> Option<&'static MethodInfo> {
    let name = match code {
        "otp" => "totp",
        "swk" => "push",
        "phr" => "fastpass",
        _ => return None,
    };
    method(AuthenticatorKind::OktaVerify, Some(name))
}

fn read_okta<S: AsRef<str>>(values: &[S]) -> Reading {
    let mut reading = Reading::default();
    let has = |code: &str| values.iter().any(|v| v.as_ref() == code);
    let okta_verify = has("okta_verify");
    let has_sc = has("sc");
    let custom = |name: &str| {
        format!("`{name}` is a custom authenticator, which claims sharing does not accept")
    };
    let smart_card = method(AuthenticatorKind::SmartCard, None);
    let idp_factor = method(AuthenticatorKind::IdpFactor, None);
    let mut verify_paired = false;
    for value in values {
        let value = value.as_ref();
        if let Some(info) = okta_single(value) {
            reading.accept(info.name(), vec![value.to_owned()], Meaning::Method(info));
        } else if let Some(info) = okta_verify_method(value) {
            if okta_verify {
                verify_paired = true;
                reading.accept(
                    info.name(),
                    vec!["okta_verify".to_owned(), value.to_owned()],
                    Meaning::Method(info),
                );
            } else if let (true, "swk", Some(card)) = (has_sc, value, smart_card) {
                reading.ignore_custom(value, card, format!("with `sc`, {}", custom("smart_card")));
            } else {
                reading.ignore(
                    value,
                    "an Okta org sends it only beside `okta_verify` (or `sc`): alone it names no authenticator",
                );
            }
        } else if value == "okta_verify" {
            // Read with the code beside it; alone it names no method.
        } else if let (true, Some(card)) = (value == "sc" || value == "hwk", smart_card) {
            reading.ignore_custom(
                value,
                card,
                format!("from an Okta org, {}", custom("smart_card")),
            );
        } else if let (true, Some(factor)) = (value == "fed", idp_factor) {
            reading.ignore_custom(
                value,
                factor,
                format!("from an Okta org, {}", custom("idp_factor")),
            );
        } else if let Some(info) = okta_method(value) {
            if info.kind.is_custom() {
                reading.ignore_custom(value, info, custom(&info.name()));
            } else {
                reading.accept(info.name(), vec![value.to_owned()], Meaning::Method(info));
            }
        } else if AuthenticatorKind::parse(value).is_some() {
            reading.ignore(
                value,
                "names an authenticator with several methods: name the method, such as `okta_verify.push` or `phone.sms`",
            );
        } else if Amr::parse(value).is_some() {
            reading.ignore(
                value,
                "not a value Okta's AMR mapping defines for an Okta org's authenticators",
            );
        } else {
            reading.ignore(
                value,
                "neither an Okta authenticator method nor an AMR code an Okta org sends",
            );
        }
    }
    if okta_verify && !verify_paired {
        reading.ignore(
            "okta_verify",
            "alone it names no method: an Okta org sends it with `otp`, `swk` or `phr`",
        );
    }
    reading
}

#[cfg(test)]
mod tests {
    use super::*;

    fn okta(values: &[&str]) -> (Vec<String>, Vec<String>) {
        let r = read(IdpKind::OktaOidc, Usage::Sso, values);
        (
            r.accepted.into_iter().map(|a| a.value).collect(),
            r.ignored.into_iter().map(|(v, _)| v).collect(),
        )
    }

    #[test]
    fn okta_codes_map_as_okta_publishes() {
        assert_eq!(
            okta(&["pwd", "okta_verify", "swk", "pop"]),
            (
                vec![
                    "password".to_owned(),
                    "okta_verify.push".to_owned(),
                    "webauthn".to_owned()
                ],
                vec![]
            )
        );
        assert_eq!(
            okta(&["okta_verify", "phr", "otp"]).0,
            ["okta_verify.fastpass", "okta_verify.totp"]
        );
        assert_eq!(okta(&["sms", "tel", "email", "kba"]).0.len(), 4);
    }

    #[test]
    fn smart_cards_and_idp_factors_never_count() {
        assert_eq!(
            okta(&["sc", "swk", "hwk", "fed"]),
            (
                vec![],
                vec![
                    "sc".to_owned(),
                    "swk".to_owned(),
                    "hwk".to_owned(),
                    "fed".to_owned()
                ]
            )
        );
        assert_eq!(
            okta(&["okta_verify"]),
            (vec![], vec!["okta_verify".to_owned()])
        );
        assert_eq!(okta(&["smart_card"]).1, ["smart_card"]);
    }

    #[test]
    fn names_and_codes_read_alike() {
        assert_eq!(okta(&["password", "webauthn"]).0, okta(&["pwd", "pop"]).0);
    }

    #[test]
    fn factor_only_drops_knowledge() {
        let r = read(IdpKind::Saml, Usage::FactorOnly, &["pwd", "kba", "hwk"]);
        assert_eq!(r.accepted.len(), 1);
        assert_eq!(r.ignored.len(), 2);
        let r = read(
            IdpKind::OktaSaml,
            Usage::FactorOnly,
            &["password", "webauthn"],
        );
        assert_eq!(r.accepted[0].value, "webauthn");
    }

    #[test]
    fn third_party_reads_every_value_the_same_over_both_protocols() {
        for value in ["phr", "face", "hwk", "mfa"] {
            let oidc = read(IdpKind::Oidc, Usage::Sso, &[value]);
            let saml = read(IdpKind::Saml, Usage::Sso, &[value]);
            assert_eq!(oidc, saml);
            assert_eq!(oidc.accepted.len(), 1);
        }
        let r = read(IdpKind::Oidc, Usage::Sso, &["PWD", "okta_verify.push"]);
        assert!(r.ignored[0].1.contains("case-sensitive"));
        assert!(r.ignored[1].1.contains("Okta authenticator name"));
    }
}
