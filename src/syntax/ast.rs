//! The abstract syntax tree of one `.policy` file. Every node carries the byte span it came from;
//! values are kept as written (names, strings, lists) and given meaning by `model`.

use crate::source::Span;

/// A name as written, such as `admins` or `okta_verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

/// A string literal with its escapes already resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// `name` or `kind.method`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub head: Ident,
    pub member: Option<Ident>,
    pub span: Span,
}

impl Path {
    /// The path as written, `kind.method` or `name`.
    pub fn text(&self) -> String {
        match &self.member {
            Some(m) => format!("{}.{}", self.head.text, m.text),
            None => self.head.text.clone(),
        }
    }
}

/// An element of a list: a name (or `kind.method`) or a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Path(Path),
    Str(StrLit),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Path(p) => p.span,
            Value::Str(s) => s.span,
        }
    }
}

/// `[a, b, "c"]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub values: Vec<Value>,
    pub span: Span,
}

/// A node with the span of the whole construct (keyword included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceFileAst {
    pub items: Vec<Item>,
    /// Items that did not parse, by their leading `keyword name` where it could be read: the
    /// model treats these names as declared, so one typo does not also flag every reference.
    pub unparsed: Vec<UnparsedItem>,
    /// Items (or, inside a policy, rules) that parsed only once a broken setting was left out:
    /// what is said about them may follow from the missing setting, so a missing setting and
    /// the checker's findings there are not reported (the syntax error is the one to fix).
    pub damaged: Vec<Span>,
}

impl SourceFileAst {
    /// Whether `span` lies in an item or rule that lost a setting to a syntax error.
    pub fn in_damaged(&self, span: Span) -> bool {
        self.damaged
            .iter()
            .any(|d| d.start <= span.start && span.end <= d.end)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnparsedItem {
    pub keyword: String,
    pub name: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Org(Org),
    Declaration(Declaration),
    Authenticator(Authenticator),
    Idp(Idp),
    Route(Route),
    SessionPolicy(SessionPolicy),
    Policy(Policy),
    Test(Test),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub name: Ident,
    pub settings: Vec<Spanned<OrgSetting>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgSetting {
    Engine(Ident),
    Features(List),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclarationKind {
    Group,
    Zone,
    App,
}

impl DeclarationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeclarationKind::Group => "group",
            DeclarationKind::Zone => "zone",
            DeclarationKind::App => "app",
        }
    }
}

/// `group NAME`, `zone NAME`, `app NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub kind: DeclarationKind,
    pub name: Ident,
    pub span: Span,
}

/// `authenticator KIND { .. }`: the name is the catalogue kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticator {
    pub kind: Ident,
    pub settings: Vec<Spanned<AuthenticatorSetting>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthenticatorSetting {
    Methods(List),
    Status(Ident),
    Enrollment(Ident),
    UsedFor(Ident),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idp {
    pub name: Ident,
    pub settings: Vec<Spanned<IdpSetting>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdpSetting {
    Kind(Ident),
    Engine(Ident),
    Issuer(StrLit),
    Audience(StrLit),
    Jwks(StrLit),
    /// A PEM file of SAML signing certificates; may be given more than once.
    Certificate(StrLit),
    /// A SAML metadata file whose signing `KeyDescriptor`s are read.
    Metadata(StrLit),
    TrustClaims(Ident),
    MapAmrClaims(Ident),
    /// The duration as written (`60s`); the model reads its unit.
    MaxClockSkew(Ident),
    Status(Ident),
    /// `usage sso|factor_only`.
    Usage(Ident),
    Asserts(List),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub name: Ident,
    pub settings: Vec<Spanned<RouteSetting>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteSetting {
    When(Vec<Condition>),
    To(Ident),
    /// `priority N`, the digits as written; the model reads the number.
    Priority(Ident),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `SUBJECT in [..]` or `SUBJECT not in [..]`.
    Membership {
        subject: Ident,
        negated: bool,
        list: List,
        span: Span,
    },
    /// `device registered`, `device managed`.
    Device { state: Ident, span: Span },
}

impl Condition {
    pub fn span(&self) -> Span {
        match self {
            Condition::Membership { span, .. } | Condition::Device { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPolicy {
    pub name: Ident,
    /// `priority N` settings (the span is the setting's; the digits as written), normally one
    /// or none: the model reports a second one.
    pub priorities: Vec<Spanned<Ident>>,
    pub rules: Vec<Rule>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: Ident,
    pub apps: Vec<Spanned<List>>,
    /// `default` markers (one is right): apps no policy lists use this policy.
    pub default: Vec<Span>,
    pub rules: Vec<Rule>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: Ident,
    pub settings: Vec<Spanned<RuleSetting>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSetting {
    When(Vec<Condition>),
    Require(Requirement),
    Deny,
    Possession(List),
    Methods(MethodsSetting),
    Reauth(Reauth),
    /// `status active|inactive`: an inactive rule is never tried.
    Status(Ident),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// A bare name: `password`, `any_factor`, `mfa`.
    Named(Ident),
    /// `N factor_type(s)`.
    Factors { count: Spanned<u32> },
    /// `password + N factor_type(s)`.
    PasswordPlus { count: Spanned<u32> },
    /// `chain [[m, m], [m]]`.
    Chain(Vec<List>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodsSetting {
    Any,
    Only(List),
    Except(List),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reauth {
    EverySignIn,
    Never,
    /// As written (`2h`); the model reads its unit.
    After(Ident),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Test {
    pub title: StrLit,
    pub settings: Vec<Spanned<TestSetting>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestSetting {
    App(Ident),
    User(Vec<Spanned<UserField>>),
    /// `claims IDP [..]`, or `claims none` (no list).
    Claims {
        idp: Ident,
        amr: Option<List>,
    },
    Expect {
        decision: Ident,
        by: Option<Ident>,
        with: Option<List>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserField {
    Groups(List),
    Zone(Ident),
    Risk(Ident),
    Platform(Ident),
    Domain(StrLit),
    Device(Ident),
}
