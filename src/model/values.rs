//! The words each setting accepts, as tables, and duration parsing. Lowering looks values up
//! here so that every "expected one of" message and did-you-mean comes from the same list.

use super::*;
use catalogue::IdpKind;

pub(super) const ENGINES: &[(&str, Engine)] =
    &[("identity", Engine::Identity), ("classic", Engine::Classic)];

pub(super) const FEATURES: &[(&str, Feature)] = &[
    (
        "okta_to_okta_claims_sharing",
        Feature::OktaToOktaClaimsSharing,
    ),
    (
        "third_party_claims_sharing",
        Feature::ThirdPartyClaimsSharing,
    ),
];

pub(super) const STATUSES: &[(&str, Status)] =
    &[("active", Status::Active), ("inactive", Status::Inactive)];

pub(super) const ENROLLMENTS: &[(&str, Enrollment)] = &[
    ("allowed", Enrollment::Allowed),
    ("disabled", Enrollment::Disabled),
];

pub(super) const USED_FOR: &[(&str, UsedFor)] =
    &[("recovery", UsedFor::Recovery), ("mfa", UsedFor::Mfa)];

pub(super) const BOOLEANS: &[(&str, bool)] = &[("true", true), ("false", false)];

pub(super) const IDP_KINDS: &[(&str, IdpKind)] = &[
    ("okta_oidc", IdpKind::OktaOidc),
    ("okta_saml", IdpKind::OktaSaml),
    ("oidc", IdpKind::Oidc),
    ("saml", IdpKind::Saml),
];

pub(super) const RISKS: &[(&str, Risk)] = &[
    ("low", Risk::Low),
    ("medium", Risk::Medium),
    ("high", Risk::High),
];

pub(super) const PLATFORMS: &[(&str, Platform)] = &[
    ("ios", Platform::Ios),
    ("android", Platform::Android),
    ("macos", Platform::Macos),
    ("windows", Platform::Windows),
    ("chromeos", Platform::Chromeos),
];

pub(super) const DEVICE_STATES: &[(&str, DeviceState)] = &[
    ("registered", DeviceState::Registered),
    ("managed", DeviceState::Managed),
];

pub(super) const DECISIONS: &[(&str, Decision)] = &[
    ("allow", Decision::Allow),
    ("challenge", Decision::Challenge),
    ("deny", Decision::Deny),
];

pub(super) const CONSTRAINTS: &[(&str, PossessionConstraint)] = &[
    (
        "phishing_resistant",
        PossessionConstraint::PhishingResistant,
    ),
    (
        "hardware_protected",
        PossessionConstraint::HardwareProtected,
    ),
    ("device_bound", PossessionConstraint::DeviceBound),
    (
        "exclude_phone_email",
        PossessionConstraint::ExcludePhoneEmail,
    ),
    ("user_presence", PossessionConstraint::UserPresence),
    ("user_verification", PossessionConstraint::UserVerification),
];

/// Reads `30m`, `2h`, `1d` (and `45s`) into seconds. `Err` says what is wrong, in words.
pub(super) fn duration_secs(text: &str) -> Result<u64, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "" => return Err("a duration needs a unit".to_owned()),
        other => return Err(format!("`{other}` is not a unit of time")),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| "the duration is too long".to_owned())
}

#[cfg(test)]
mod tests {
    use super::duration_secs;

    #[test]
    fn durations() {
        assert_eq!(duration_secs("30m"), Ok(1800));
        assert_eq!(duration_secs("2h"), Ok(7200));
        assert_eq!(duration_secs("1d"), Ok(86_400));
        assert_eq!(
            duration_secs("5x"),
            Err("`x` is not a unit of time".to_owned())
        );
        assert_eq!(
            duration_secs("5"),
            Err("a duration needs a unit".to_owned())
        );
        assert!(duration_secs("99999999999999999999d").is_err());
    }
}
