//! SAML 2.0 responses and assertions: verified, then read.
//!
//! [`read_saml`] decodes the input, parses it strictly (`xml.rs`), checks its shape (one
//! assertion, the `Response`'s child), verifies its XML signature against the IdP's
//! certificates (`verify.rs`, the only user of the XML-DSig crate), and reads the claims
//! (`read.rs`) from the [`verify::SignedView`] that verification returns, and from nothing
//! else: the assertion read is the signed element's canonical bytes.

mod keys;
mod read;
mod verify;
mod xml;

pub use keys::{CertificateInfo, SigningKeys};

use super::limits::check_size;
use super::{ClaimsError, ErrorKind, IdpConfig, Limits, Protocol, TrustedClaims, check_protocol};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use std::borrow::Cow;
use xml::Element;

pub(super) const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub(super) const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

/// How a SAML document's signature is checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct SamlVerification<'a> {
    /// The IdP's signing certificates (`certificate`, `metadata`). With them, the document must
    /// be signed by one, whatever the flags.
    pub keys: Option<&'a SigningKeys>,
    /// Accept RSA-SHA1 and SHA-1 digests (`--allow-sha1`).
    pub allow_sha1: bool,
    /// Read a document from an IdP with no certificate, marked `unverified`
    /// (`--allow-unverified`); without it such a document is refused (`unverified`).
    pub allow_unverified: bool,
}

impl<'a> SamlVerification<'a> {
    /// Verified against `keys`.
    pub fn with_keys(keys: &'a SigningKeys) -> SamlVerification<'a> {
        SamlVerification {
            keys: Some(keys),
            ..SamlVerification::default()
        }
    }

    /// No certificate: the claims are read and marked `unverified` (`--allow-unverified`).
    pub fn unverified() -> SamlVerification<'a> {
        SamlVerification {
            allow_unverified: true,
            ..SamlVerification::default()
        }
    }
}

/// Reads a SAML `Response` or bare `Assertion` (raw XML, or base64 as posted) from `idp` at the
/// instant `now` (Unix seconds), verifying its XML signature as `verification` says.
pub fn read_saml(
    input: &[u8],
    idp: &IdpConfig,
    now: u64,
    limits: &Limits,
    verification: &SamlVerification<'_>,
) -> Result<TrustedClaims, ClaimsError> {
    check_protocol(idp, Protocol::Saml)?;
    check_size(
        "SAML document",
        input.len(),
        limits.max_document_bytes,
        "max_document_bytes",
    )?;
    let xml = decode_input(input)?;
    let text = std::str::from_utf8(&xml)
        .map_err(|_| ClaimsError::malformed("SAML document is not UTF-8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let root = xml::parse_tree(text, limits)?;
    check_shape(&root)?;
    let view = verify::verify(
        text,
        root,
        verification.keys,
        verification,
        &idp.name,
        limits,
    )?;
    read::read_document(&view, idp, now)
}

/// Exactly one assertion, not encrypted, the `Response`'s child: checked on the whole document
/// before any signature, so a second (wrapped) assertion is refused wherever it hides.
fn check_shape(root: &Element) -> Result<(), ClaimsError> {
    let mut assertions = Vec::new();
    let mut encrypted = 0;
    root.walk(&mut |e| {
        if e.is(NS_ASSERTION, "Assertion") {
            assertions.push(e);
        } else if e.is(NS_ASSERTION, "EncryptedAssertion") {
            encrypted += 1;
        }
    });
    let total = assertions.len() + encrypted;
    if total > 1 {
        return Err(ClaimsError::new(
            ErrorKind::MultipleAssertions,
            format!(
                "SAML document has {total} assertions, expected exactly one (more is the signature-wrapping shape)"
            ),
        ));
    }
    if encrypted == 1 {
        return Err(ClaimsError::new(
            ErrorKind::Encrypted,
            "SAML document holds an `EncryptedAssertion` and decryption is not supported: pass the decrypted `Assertion` instead",
        ));
    }
    let is_response = root.is(NS_PROTOCOL, "Response");
    if !is_response && !root.is(NS_ASSERTION, "Assertion") {
        return Err(ClaimsError::malformed(format!(
            "root element is `{}` in namespace `{}`, expected a SAML `Response` or `Assertion`",
            root.local,
            root.ns.as_deref().unwrap_or("(none)")
        )));
    }
    let Some(assertion) = assertions.first().copied() else {
        return Err(ClaimsError::malformed("SAML response has no `Assertion`"));
    };
    if is_response && !root.children.iter().any(|c| std::ptr::eq(c, assertion)) {
        return Err(ClaimsError::malformed(
            "the `Assertion` is not a child of the `Response`",
        ));
    }
    Ok(())
}

/// Raw XML as is; anything else is base64 (whitespace and line breaks allowed, padding optional,
/// `SAMLResponse=` and percent-encoding as in a posted form tolerated).
fn decode_input(input: &[u8]) -> Result<Cow<'_, [u8]>, ClaimsError> {
    let trimmed = input.trim_ascii();
    let body = trimmed.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(trimmed);
    if body.first() == Some(&b'<') {
        return Ok(Cow::Borrowed(input));
    }
    let body = body.strip_prefix(b"SAMLResponse=").unwrap_or(body);
    let not_saml = || ClaimsError::malformed("input is neither XML nor base64-encoded XML");
    let mut compact = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b == b'%' {
            let hex = body.get(i + 1..i + 3).ok_or_else(not_saml)?;
            let hex = std::str::from_utf8(hex).map_err(|_| not_saml())?;
            compact.push(u8::from_str_radix(hex, 16).map_err(|_| not_saml())?);
            i += 3;
            continue;
        }
        if !b.is_ascii_whitespace() {
            compact.push(b);
        }
        i += 1;
    }
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let decoded = engine.decode(&compact).map_err(|_| not_saml())?;
    let start = decoded.trim_ascii_start();
    let start = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    if start.first() != Some(&b'<') {
        return Err(not_saml());
    }
    Ok(Cow::Owned(decoded))
}
