//! Every diagnostic code policyc can emit, in one place. Codes are a public contract (users
//! script against them and suppress them by name): never rename or reuse one.

use super::Severity;
use serde::Serialize;
use std::fmt;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $severity:ident; )*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The kebab-case name users see, script against and look up in docs/checks.md.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $name, )*
                }
            }

            pub fn default_severity(self) -> Severity {
                match self {
                    $( Code::$variant => Severity::$severity, )*
                }
            }
        }
    };
}

codes! {
    /// The text does not follow the grammar.
    Syntax = "syntax", Error;
    /// A name that no declaration defines.
    UnknownReference = "unknown-reference", Error;
    /// The same name (or the same setting) defined twice.
    DuplicateDefinition = "duplicate-definition", Error;
    /// An authenticator kind or method that the built-in catalogue does not have.
    UnknownAuthenticatorMethod = "unknown-authenticator-method", Error;
    /// A value that the setting does not accept.
    InvalidValue = "invalid-value", Error;
    /// A required setting is absent.
    MissingSetting = "missing-setting", Error;
    /// Two settings of one block contradict each other.
    ConflictingSettings = "conflicting-settings", Error;
    /// A value in `asserts` that the SP ignores for this IdP.
    UnsupportedAmr = "unsupported-amr", Warning;
    /// An app assigned to two app sign-on policies.
    AppPolicyConflict = "app-policy-conflict", Error;
    /// The policy set has no `org` item.
    MissingOrg = "missing-org", Error;
    /// Nothing can satisfy a rule, even with every IdP active.
    UnsatisfiableRule = "unsatisfiable-rule", Error;
    /// A global session rule requires MFA that nothing can provide.
    SessionMfaUnsatisfiable = "session-mfa-unsatisfiable", Error;
    /// An inactive IdP was the only way to satisfy some rule.
    DeactivationRefused = "deactivation-refused", Error;
    /// A claims-sharing feature is off while some rule can only be satisfied through it.
    FeatureDisableRefused = "feature-disable-refused", Error;
    /// An earlier rule's conditions cover this one, so it never applies.
    ShadowedRule = "shadowed-rule", Warning;
    /// A rule needs trusted claims, but its settings make the SP ignore them.
    ClaimsUnusable = "claims-unusable", Warning;
    /// The only way an IdP meets a rule is `mfa`, which cannot satisfy possession constraints.
    MfaOnlyWithConstraints = "mfa-only-with-constraints", Warning;
    /// An OIDC IdP asserts biometrics without any possession value.
    BiometricWithoutPossession = "biometric-without-possession", Warning;
    /// `map_amr_claims` beside `trust_claims true`, where Okta ignores it.
    LegacyAmrMappingIgnored = "legacy-amr-mapping-ignored", Warning;
    /// A rule with `reauth` that only trusted claims satisfy: claims stay valid all session.
    ReauthNotEnforced = "reauth-not-enforced", Info;
    /// An IdP asserts a custom authenticator, which claims sharing does not accept.
    CustomAuthenticatorClaims = "custom-authenticator-claims", Warning;
    /// A routing rule sends users to an inactive IdP.
    RouteToInactiveIdp = "route-to-inactive-idp", Error;
    /// A routing rule sends users to an IdP whose claims are not trusted.
    RouteToUntrustedIdp = "route-to-untrusted-idp", Info;
    /// A trusted third-party IdP asserts no value the SP reads: sign-ins through it cannot
    /// complete.
    TrustedIdpAssertsNothing = "trusted-idp-asserts-nothing", Warning;
    /// A SAML IdP's signing certificate (`certificate`, `metadata`) is past its `notAfter`.
    CertificateExpired = "certificate-expired", Warning;
    /// Two global session policies (or routing rules) whose order nothing decides: the same
    /// `priority`, or none in different files.
    AmbiguousPriority = "ambiguous-priority", Error;
    /// A rule that only IdPs no routing rule sends its users to can satisfy.
    UnreachableIdp = "unreachable-idp", Info;
    /// An app no app sign-on policy lists, while no policy is marked `default`.
    AppWithoutPolicy = "app-without-policy", Warning;
    /// A `# policyc: allow(..)` comment that suppresses nothing.
    UnusedAllow = "unused-allow", Warning;
    /// A `# policyc:` comment that is not a valid allow (unknown code, no reason).
    InvalidAllow = "invalid-allow", Warning;
    /// `policyc import okta`: an Okta field or object policyc does not model, written as a
    /// comment (a rule it changes the meaning of is imported `status inactive`).
    ImportUnsupported = "import-unsupported", Warning;
    /// A `policyc.toml` that is not valid TOML, has an unknown key, or a value that is not
    /// one of the key's (`check`, `watch`, `test` and the language server refuse to run on it).
    InvalidConfig = "invalid-config", Error;
}

impl Code {
    /// Where the code is documented, relative to the repository root.
    pub fn docs_anchor(self) -> String {
        format!("docs/checks.md#{}", self.as_str())
    }

    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
