//! The resolved, typed model of a policy set: every name resolved to an id, every value checked
//! and given its domain type. Built from the ASTs of all files by [`lower`].

pub mod catalogue;
mod lower;
mod priority;
pub mod reading;
pub mod values;

pub use lower::lower;

use crate::source::Loc;
use catalogue::{Amr, AuthenticatorKind, IdpKind};
pub use reading::Usage;

macro_rules! id_type {
    ($($name:ident),*) => {$(
        /// Index into the model's list of that kind.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

id_type!(GroupId, ZoneId, AppId, IdpId, PolicyId);

/// An index into [`catalogue::CATALOGUE`]: one local authentication method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MethodId(pub u8);

impl MethodId {
    pub fn info(self) -> &'static catalogue::MethodInfo {
        // Ids are only made from catalogue positions, so the index is in bounds.
        &catalogue::CATALOGUE[self.0 as usize % catalogue::CATALOGUE.len()]
    }

    pub fn all() -> impl Iterator<Item = MethodId> {
        (0..catalogue::CATALOGUE.len()).map(|i| MethodId(i as u8))
    }
}

/// A declared name and where it was declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub loc: Loc,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub org: Option<Org>,
    pub groups: Vec<Named>,
    pub zones: Vec<Named>,
    pub apps: Vec<Named>,
    pub authenticators: Vec<Authenticator>,
    pub idps: Vec<Idp>,
    /// In evaluation order: by `priority` (1 first), then those without one in the order they
    /// are written (docs/language.md, "Priority").
    pub routes: Vec<Route>,
    /// In evaluation order, as `routes`.
    pub session_policies: Vec<SessionPolicy>,
    pub policies: Vec<Policy>,
    pub tests: Vec<Test>,
}

impl Model {
    pub fn idp(&self, id: IdpId) -> Option<&Idp> {
        self.idps.get(id.index())
    }

    pub fn idp_named(&self, name: &str) -> Option<(IdpId, &Idp)> {
        self.idps
            .iter()
            .enumerate()
            .find(|(_, i)| i.name == name)
            .map(|(n, i)| (IdpId(n as u32), i))
    }

    /// The app sign-on policy an app uses: the policy that lists it, else the policy marked
    /// `default`. Evaluation (through the graph's tables) and the checker both ask this.
    pub fn policy_of_app(&self, app: AppId) -> Option<(PolicyId, &Policy)> {
        self.policies
            .iter()
            .enumerate()
            .find(|(_, p)| p.apps.contains(&app))
            .or_else(|| self.default_policy())
            .map(|(n, p)| (PolicyId(n as u32), p))
    }

    /// The policy marked `default`, if one is.
    pub fn default_policy(&self) -> Option<(usize, &Policy)> {
        self.policies
            .iter()
            .enumerate()
            .find(|(_, p)| p.default.is_some())
    }

    /// The features the org turns on; none without an `org`.
    pub fn features(&self) -> Features {
        self.org.as_ref().map(|o| o.features).unwrap_or_default()
    }

    /// The `index`-th rule of the policy `owner`.
    pub fn rule(&self, owner: RuleOwner, index: usize) -> Option<&Rule> {
        match owner {
            RuleOwner::Session(p) => self.session_policies.get(p as usize)?.rules.get(index),
            RuleOwner::App(p) => self.policies.get(p.index())?.rules.get(index),
        }
    }

    /// Every active rule, session rules first, with the policy it belongs to. An inactive rule
    /// (`status inactive`) is never tried, so no later stage sees it: the graph, evaluation and
    /// the checker all read this.
    pub fn rules(&self) -> impl Iterator<Item = (RuleOwner, &Rule)> {
        self.indexed_rules().map(|(owner, _, rule)| (owner, rule))
    }

    /// `rules()` with each rule's position in its policy (inactive rules counted), the index
    /// `Model::rule` takes.
    pub fn indexed_rules(&self) -> impl Iterator<Item = (RuleOwner, usize, &Rule)> {
        let session = self
            .session_policies
            .iter()
            .enumerate()
            .flat_map(|(p, sp)| {
                sp.rules
                    .iter()
                    .enumerate()
                    .map(move |(i, r)| (RuleOwner::Session(p as u32), i, r))
            });
        let app = self.policies.iter().enumerate().flat_map(|(p, policy)| {
            policy
                .rules
                .iter()
                .enumerate()
                .map(move |(i, r)| (RuleOwner::App(PolicyId(p as u32)), i, r))
        });
        session
            .chain(app)
            .filter(|(_, _, r)| r.status == Status::Active)
    }
}

/// Which policy a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleOwner {
    Session(u32),
    App(PolicyId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Engine {
    #[default]
    Identity,
    Classic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    Active,
    Inactive,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Features {
    pub okta_to_okta_claims_sharing: bool,
    pub third_party_claims_sharing: bool,
}

impl Features {
    pub fn has(self, feature: Feature) -> bool {
        match feature {
            Feature::OktaToOktaClaimsSharing => self.okta_to_okta_claims_sharing,
            Feature::ThirdPartyClaimsSharing => self.third_party_claims_sharing,
        }
    }

    pub fn without(self, feature: Feature) -> Features {
        self.set(feature, false)
    }

    pub fn with(self, feature: Feature) -> Features {
        self.set(feature, true)
    }

    fn set(mut self, feature: Feature, on: bool) -> Features {
        match feature {
            Feature::OktaToOktaClaimsSharing => self.okta_to_okta_claims_sharing = on,
            Feature::ThirdPartyClaimsSharing => self.third_party_claims_sharing = on,
        }
        self
    }

    /// Whether claims sharing is on for IdPs of this kind.
    pub fn covers(self, kind: IdpKind) -> bool {
        if kind.is_okta() {
            self.okta_to_okta_claims_sharing
        } else {
            self.third_party_claims_sharing
        }
    }
}

#[derive(Debug, Clone)]
pub struct Org {
    pub name: String,
    pub loc: Loc,
    pub engine: Engine,
    pub features: Features,
    /// Where each enabled feature is named, for diagnostics about switching it off.
    pub feature_locs: Vec<(Feature, Loc)>,
    /// The `features [..]` setting, if written.
    pub features_loc: Option<Loc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    OktaToOktaClaimsSharing,
    ThirdPartyClaimsSharing,
}

impl Feature {
    pub const ALL: [Feature; 2] = [
        Feature::OktaToOktaClaimsSharing,
        Feature::ThirdPartyClaimsSharing,
    ];

    /// The feature that governs claims from IdPs of this kind.
    pub fn of(kind: catalogue::IdpKind) -> Feature {
        if kind.is_okta() {
            Feature::OktaToOktaClaimsSharing
        } else {
            Feature::ThirdPartyClaimsSharing
        }
    }

    pub fn parse(s: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Feature::OktaToOktaClaimsSharing => "okta_to_okta_claims_sharing",
            Feature::ThirdPartyClaimsSharing => "third_party_claims_sharing",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Enrollment {
    #[default]
    Allowed,
    Disabled,
}

/// What the security question is used for; only `Mfa` makes it a factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UsedFor {
    #[default]
    Recovery,
    Mfa,
}

/// A local authenticator the org has configured.
#[derive(Debug, Clone)]
pub struct Authenticator {
    pub kind: AuthenticatorKind,
    pub loc: Loc,
    /// The methods turned on; all of the kind's methods when `methods` is absent.
    pub methods: Vec<MethodId>,
    pub status: Status,
    pub enrollment: Enrollment,
    pub used_for: UsedFor,
}

#[derive(Debug, Clone)]
pub struct Idp {
    pub name: String,
    pub loc: Loc,
    pub kind: IdpKind,
    pub engine: Engine,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// As written, relative to the file that declares the IdP.
    pub jwks: Option<String>,
    /// SAML signing certificate files (PEM), as written, relative like `jwks`.
    pub certificates: Vec<(String, Loc)>,
    /// A SAML metadata file, as written, relative like `jwks`.
    pub metadata: Option<(String, Loc)>,
    pub trust_claims: bool,
    /// The legacy "Trust AMR claims from this IdP" switch, if set.
    pub map_amr_claims: Option<(bool, Loc)>,
    pub max_clock_skew_secs: u64,
    pub status: Status,
    pub status_loc: Option<Loc>,
    pub trust_claims_loc: Option<Loc>,
    /// `usage factor_only`: the IdP does not forward knowledge values.
    pub usage: Usage,
    pub asserts: Vec<Asserted>,
}

impl Idp {
    /// Whether `asserts` holds a value the SP reads (a third-party IdP trusted without one
    /// cannot complete a sign-in).
    pub fn asserts_some_value(&self) -> bool {
        self.asserts.iter().any(|a| match a.value {
            AssertedValue::Amr(_) => true,
            AssertedValue::Method(m) => !m.info().kind.is_custom(),
            AssertedValue::Unsupported(_) => false,
        })
    }
}

/// One value of an IdP's `asserts` list: what a sign-in there can prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asserted {
    pub value: AssertedValue,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssertedValue {
    /// An RFC 8176 value the IdP's protocol supports.
    Amr(Amr),
    /// An authenticator method of the IdP org (Okta-to-Okta).
    Method(MethodId),
    /// A value Okta ignores for this IdP (already reported as `unsupported-amr`).
    Unsupported(String),
}

#[derive(Debug, Clone)]
pub struct Route {
    pub name: String,
    pub loc: Loc,
    pub conditions: Vec<Condition>,
    pub to: Option<(IdpId, Loc)>,
    /// `priority N` and where it is written; see [`Model::routes`] for the order.
    pub priority: Option<(u32, Loc)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub test: ConditionTest,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionTest {
    Group {
        negated: bool,
        groups: Vec<GroupId>,
    },
    Zone {
        negated: bool,
        zones: Vec<ZoneId>,
    },
    Risk {
        negated: bool,
        levels: Vec<Risk>,
    },
    Platform {
        negated: bool,
        platforms: Vec<Platform>,
    },
    Domain {
        negated: bool,
        domains: Vec<String>,
    },
    App {
        negated: bool,
        apps: Vec<AppId>,
    },
    Device(DeviceState),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Risk {
    Low,
    Medium,
    High,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    Ios,
    Android,
    Macos,
    Windows,
    Chromeos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceState {
    Registered,
    Managed,
}

#[derive(Debug, Clone)]
pub struct SessionPolicy {
    pub name: String,
    pub loc: Loc,
    pub rules: Vec<Rule>,
    /// `priority N` and where it is written; see [`Model::session_policies`] for the order.
    pub priority: Option<(u32, Loc)>,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub loc: Loc,
    pub apps: Vec<AppId>,
    /// Marked `default`: the policy of every app no policy lists (Okta gives every app a
    /// policy, new apps the org's default one). Where the marker is.
    pub default: Option<Loc>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub loc: Loc,
    /// All must hold; none means the rule always applies.
    pub conditions: Vec<Condition>,
    pub action: Action,
    pub possession: Vec<(PossessionConstraint, Loc)>,
    pub methods: MethodFilter,
    /// The `methods` setting, if written.
    pub methods_loc: Option<Loc>,
    pub reauth: Option<(Reauth, Loc)>,
    /// `status inactive`: Okta keeps the rule but never tries it.
    pub status: Status,
    pub status_loc: Option<Loc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Require(Requirement, Loc),
    Deny(Loc),
}

/// "User must authenticate with" (app policies) or the session policy's requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `password`: password or IdP.
    Password,
    /// `1 factor_type`: any 1 factor type or IdP.
    OneFactorType,
    /// `password + 1 factor_type`: password or IdP, plus another factor.
    PasswordPlusFactor,
    /// `2 factor_types`.
    TwoFactorTypes,
    /// `chain [[..], ..]`: authentication method chains; claims cannot be used.
    Chain(Vec<Vec<MethodId>>),
    /// Session policy: `any_factor`.
    AnyFactor,
    /// Session policy: `mfa`.
    Mfa,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PossessionConstraint {
    PhishingResistant,
    HardwareProtected,
    DeviceBound,
    ExcludePhoneEmail,
    UserPresence,
    UserVerification,
}

impl PossessionConstraint {
    pub const ALL: [PossessionConstraint; 6] = [
        Self::PhishingResistant,
        Self::HardwareProtected,
        Self::DeviceBound,
        Self::ExcludePhoneEmail,
        Self::UserPresence,
        Self::UserVerification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PhishingResistant => "phishing_resistant",
            Self::HardwareProtected => "hardware_protected",
            Self::DeviceBound => "device_bound",
            Self::ExcludePhoneEmail => "exclude_phone_email",
            Self::UserPresence => "user_presence",
            Self::UserVerification => "user_verification",
        }
    }
}

/// "Authentication methods": which methods the rule lets count.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MethodFilter {
    #[default]
    Any,
    Only(Vec<MethodId>),
    Except(Vec<MethodId>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reauth {
    EverySignIn,
    Never,
    AfterSecs(u64),
}

#[derive(Debug, Clone)]
pub struct Test {
    pub title: String,
    pub loc: Loc,
    pub app: Option<(AppId, Loc)>,
    pub user: TestUser,
    pub claims: TestClaims,
    pub expect: Option<Expectation>,
}

#[derive(Debug, Clone, Default)]
pub struct TestUser {
    pub groups: Vec<GroupId>,
    pub zone: Option<ZoneId>,
    pub risk: Option<Risk>,
    pub platform: Option<Platform>,
    pub domain: Option<String>,
    pub device: Vec<DeviceState>,
}

#[derive(Debug, Clone, Default)]
pub enum TestClaims {
    /// `claims none`, or no `claims` line: a local sign-in.
    #[default]
    None,
    /// `claims IDP [..]`: the raw values the IdP sends, as strings (unsupported ones included).
    From {
        idp: IdpId,
        amr: Vec<String>,
        loc: Loc,
    },
}

#[derive(Debug, Clone)]
pub struct Expectation {
    pub decision: Decision,
    /// `by RULE`, resolved when the test runs (the rule depends on the app).
    pub by: Option<Named>,
    pub with: Vec<MethodId>,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    Allow,
    Challenge,
    Deny,
}
