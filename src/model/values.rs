//! The words each setting accepts, as tables, and duration parsing. Lowering looks values up
//! here so that every "expected one of" message and did-you-mean comes from the same list.

use super::*;
use catalogue::IdpKind;

/// A table of the words a setting accepts, and the same words alone (for completion).
macro_rules! words {
    ($( $(#[$doc:meta])* $table:ident, $words:ident: $t:ty = [$(($w:literal, $v:expr)),* $(,)?]; )*) => {$(
        $(#[$doc])*
        pub const $table: &[(&str, $t)] = &[$(($w, $v)),*];
        pub const $words: &[&str] = &[$($w),*];
    )*};
}

words! {
    ENGINES, ENGINE_WORDS: Engine = [("identity", Engine::Identity), ("classic", Engine::Classic)];
    FEATURES, FEATURE_WORDS: Feature = [
        ("okta_to_okta_claims_sharing", Feature::OktaToOktaClaimsSharing),
        ("third_party_claims_sharing", Feature::ThirdPartyClaimsSharing),
    ];
    STATUSES, STATUS_WORDS: Status = [("active", Status::Active), ("inactive", Status::Inactive)];
    ENROLLMENTS, ENROLLMENT_WORDS: Enrollment =
        [("allowed", Enrollment::Allowed), ("disabled", Enrollment::Disabled)];
    USED_FOR, USED_FOR_WORDS: UsedFor = [("recovery", UsedFor::Recovery), ("mfa", UsedFor::Mfa)];
    USAGES, USAGE_WORDS: Usage = [("sso", Usage::Sso), ("factor_only", Usage::FactorOnly)];
    BOOLEANS, BOOLEAN_WORDS: bool = [("true", true), ("false", false)];
    IDP_KINDS, IDP_KIND_WORDS: IdpKind = [
        ("okta_oidc", IdpKind::OktaOidc),
        ("okta_saml", IdpKind::OktaSaml),
        ("oidc", IdpKind::Oidc),
        ("saml", IdpKind::Saml),
    ];
    RISKS, RISK_WORDS: Risk = [("low", Risk::Low), ("medium", Risk::Medium), ("high", Risk::High)];
    PLATFORMS, PLATFORM_WORDS: Platform = [
        ("ios", Platform::Ios),
        ("android", Platform::Android),
        ("macos", Platform::Macos),
        ("windows", Platform::Windows),
        ("chromeos", Platform::Chromeos),
    ];
    DEVICE_STATES, DEVICE_STATE_WORDS: DeviceState =
        [("registered", DeviceState::Registered), ("managed", DeviceState::Managed)];
    DECISIONS, DECISION_WORDS: Decision =
        [("allow", Decision::Allow), ("challenge", Decision::Challenge), ("deny", Decision::Deny)];
    CONSTRAINTS, CONSTRAINT_WORDS: PossessionConstraint = [
        ("phishing_resistant", PossessionConstraint::PhishingResistant),
        ("hardware_protected", PossessionConstraint::HardwareProtected),
        ("device_bound", PossessionConstraint::DeviceBound),
        ("exclude_phone_email", PossessionConstraint::ExcludePhoneEmail),
        ("user_presence", PossessionConstraint::UserPresence),
        ("user_verification", PossessionConstraint::UserVerification),
    ];
}

/// Reads `30m`, `2h`, `1d` (and `45s`) into seconds. `Err` says what is wrong, in words.
pub fn duration_secs(text: &str) -> Result<u64, String> {
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
