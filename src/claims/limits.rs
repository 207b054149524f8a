//! Caps on hostile input, checked before (or while) decoding it.

use super::error::{ClaimsError, ErrorKind};

/// Size, depth and count limits. Each refusal names the limit it hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest ID token (or claims file) read, in bytes, checked before any decoding.
    pub max_token_bytes: usize,
    /// Largest SAML document read, in bytes (raw XML or base64), checked before decoding.
    pub max_document_bytes: usize,
    /// Deepest element nesting of a SAML document.
    pub max_depth: usize,
    /// Most attributes (namespace declarations included) on one SAML element.
    pub max_attributes: usize,
}

impl Limits {
    pub const DEFAULT_BYTES: usize = 256 * 1024;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_token_bytes: Self::DEFAULT_BYTES,
            max_document_bytes: Self::DEFAULT_BYTES,
            max_depth: 32,
            max_attributes: 32,
        }
    }
}

pub(crate) fn check_size(
    what: &str,
    len: usize,
    max: usize,
    name: &str,
) -> Result<(), ClaimsError> {
    if len > max {
        return Err(ClaimsError::new(
            ErrorKind::Limit,
            format!("{what} is {len} bytes, over the `{name}` limit of {max} bytes"),
        ));
    }
    Ok(())
}
