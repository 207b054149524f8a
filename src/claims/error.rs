//! Why an input was refused: one typed error per failed check, with a one-line message naming the
//! check and, where there is one, what was expected and what was found.

use serde::Serialize;
use std::fmt;

/// The kind of a refusal. Its kebab-case name is a contract: other tools match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Not a well-formed token, document or claims file, or a required value is missing.
    Malformed,
    /// The signature does not verify, or cannot be verified.
    Signature,
    /// The token's algorithm is refused (`none`, HMAC) or not the one the key allows.
    Algorithm,
    /// No key of the IdP's `jwks` matches, or the token points at a key of its own.
    UnknownKey,
    /// `iss` or `Issuer` is not the IdP's issuer.
    Issuer,
    /// `aud` or `AudienceRestriction` does not name the IdP's audience.
    Audience,
    /// `exp` or `NotOnOrAfter` has passed.
    Expired,
    /// `nbf` or `NotBefore` is still to come.
    NotYetValid,
    /// The document has a DOCTYPE or ENTITY declaration.
    Doctype,
    /// The document has more than one assertion (the signature-wrapping shape).
    MultipleAssertions,
    /// The claims are encrypted, which is not supported.
    Encrypted,
    /// A size, depth or count limit was exceeded.
    Limit,
    /// The IdP is unknown, ambiguous or of the wrong kind for the input.
    UnknownIdp,
    /// A SHA-1 signature or digest (accepted only with `--allow-sha1`).
    WeakAlgorithm,
    /// An XML canonicalization or transform other than exclusive C14N and enveloped-signature.
    Transform,
    /// The SAML `Response`'s `StatusCode` is not `Success`.
    Status,
    /// SAML from an IdP with no `certificate` or `metadata` (accepted only with
    /// `--allow-unverified`).
    Unverified,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 17] = [
        Self::Malformed,
        Self::Signature,
        Self::Algorithm,
        Self::UnknownKey,
        Self::Issuer,
        Self::Audience,
        Self::Expired,
        Self::NotYetValid,
        Self::Doctype,
        Self::MultipleAssertions,
        Self::Encrypted,
        Self::Limit,
        Self::UnknownIdp,
        Self::WeakAlgorithm,
        Self::Transform,
        Self::Status,
        Self::Unverified,
    ];

    /// The kebab-case name, as printed in `{"error":{"kind":...}}`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Signature => "signature",
            Self::Algorithm => "algorithm",
            Self::UnknownKey => "unknown-key",
            Self::Issuer => "issuer",
            Self::Audience => "audience",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::Doctype => "doctype",
            Self::MultipleAssertions => "multiple-assertions",
            Self::Encrypted => "encrypted",
            Self::Limit => "limit",
            Self::UnknownIdp => "unknown-idp",
            Self::WeakAlgorithm => "weak-algorithm",
            Self::Transform => "transform",
            Self::Status => "status",
            Self::Unverified => "unverified",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A refused input. The message never quotes the token or any secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsError {
    kind: ErrorKind,
    message: String,
    help: Option<String>,
}

impl ClaimsError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ClaimsError {
        ClaimsError {
            kind,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> ClaimsError {
        self.help = Some(help.into());
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// One line, lowercase, names in backticks.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to do about it, when there is something to say.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    pub(crate) fn malformed(message: impl Into<String>) -> ClaimsError {
        ClaimsError::new(ErrorKind::Malformed, message)
    }
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for ClaimsError {}

/// How a JSON value is described in "expected X, found Y" messages.
pub(crate) fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
