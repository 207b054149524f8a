//! An IdP's SAML signing certificates: PEM files (`certificate "x.pem"`, one or more
//! certificates each) and SAML metadata (`metadata "x.xml"`, its signing `KeyDescriptor`s).
//! The CLI reads the files; this module takes their text.

use super::xml::{Element, parse_tree};
use crate::claims::{ClaimsError, ErrorKind, Limits};
use base64::Engine;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// The certificates whose keys may sign an IdP's SAML documents (any one of them: a rollover
/// lists the old and the new).
#[derive(Clone, Default)]
pub struct SigningKeys {
    certs: Vec<SigningCert>,
}

#[derive(Clone)]
pub(super) struct SigningCert {
    /// DER, as `X509Certificate` carries it.
    pub(super) der: Vec<u8>,
    pub(super) key: super::verify::VerifyKey,
    pub(super) subject: String,
    /// Unix seconds.
    pub(super) not_after: u64,
}

/// What `check` says about a certificate (never its key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub subject: String,
    /// Unix seconds.
    pub not_after: u64,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.certificates()).finish()
    }
}

impl SigningKeys {
    /// Reads every `CERTIFICATE` block of a PEM file (`what` names it in errors).
    pub fn from_pem(pem: &str, what: &str) -> Result<SigningKeys, ClaimsError> {
        let chain = Certificate::load_pem_chain(pem.as_bytes()).map_err(|e| {
            ClaimsError::malformed(format!("{what} is not a PEM certificate: {e}"))
                .with_help("expected one or more `-----BEGIN CERTIFICATE-----` blocks")
        })?;
        let mut keys = SigningKeys::default();
        for cert in chain {
            let der = cert
                .to_der()
                .map_err(|e| ClaimsError::malformed(format!("{what}: {e}")))?;
            keys.certs.push(signing_cert(der, cert, what)?);
        }
        if keys.certs.is_empty() {
            return Err(ClaimsError::malformed(format!(
                "{what} holds no certificate"
            )));
        }
        Ok(keys)
    }

    /// Reads the signing certificates of a SAML metadata document: every
    /// `KeyDescriptor` with `use="signing"` or no `use` (SAML metadata §2.4.1.1), of every
    /// `IDPSSODescriptor`.
    pub fn from_metadata(xml: &str, what: &str) -> Result<SigningKeys, ClaimsError> {
        let root = parse_tree(xml, &Limits::default())?;
        let mut descriptors = Vec::new();
        root.walk(&mut |e| {
            if e.is(NS_METADATA, "KeyDescriptor") && e.attr("use").is_none_or(|u| u == "signing") {
                descriptors.push(e);
            }
        });
        let mut keys = SigningKeys::default();
        for descriptor in descriptors {
            let mut found: Vec<&Element> = Vec::new();
            descriptor.walk(&mut |e| {
                if e.is(NS_DSIG, "X509Certificate") {
                    found.push(e);
                }
            });
            for cert in found {
                let text: String = cert
                    .text_value()?
                    .chars()
                    .filter(|c| !c.is_ascii_whitespace())
                    .collect();
                let der = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| {
                        ClaimsError::malformed(format!(
                            "{what}: an `X509Certificate` is not base64"
                        ))
                    })?;
                let parsed = Certificate::from_der(&der).map_err(|e| {
                    ClaimsError::malformed(format!("{what}: an `X509Certificate` is not DER: {e}"))
                })?;
                keys.certs.push(signing_cert(der, parsed, what)?);
            }
        }
        if keys.certs.is_empty() {
            return Err(ClaimsError::malformed(format!(
                "{what} has no signing certificate (`KeyDescriptor use=\"signing\"` with an `X509Certificate`)"
            )));
        }
        Ok(keys)
    }

    /// Adds the certificates of `other` (a second `certificate` or a `metadata`).
    pub fn extend(&mut self, other: SigningKeys) {
        for cert in other.certs {
            if !self.certs.iter().any(|c| c.der == cert.der) {
                self.certs.push(cert);
            }
        }
    }

    pub fn certificates(&self) -> Vec<CertificateInfo> {
        self.certs
            .iter()
            .map(|c| CertificateInfo {
                subject: c.subject.clone(),
                not_after: c.not_after,
            })
            .collect()
    }

    pub(super) fn certs(&self) -> &[SigningCert] {
        &self.certs
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

/// RSA keys shorter than this are refused (NIST SP 800-131A; the verifier refuses them too).
const MIN_RSA_BITS: usize = 2048;
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

fn signing_cert(der: Vec<u8>, cert: Certificate, what: &str) -> Result<SigningCert, ClaimsError> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid.to_string() == RSA_ENCRYPTION
        && let Some(bits) = rsa_modulus_bits(spki.subject_public_key.raw_bytes())
        && bits < MIN_RSA_BITS
    {
        return Err(ClaimsError::new(
            ErrorKind::WeakAlgorithm,
            format!(
                "{what}: the certificate's RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
            ),
        )
        .with_help("ask the IdP for a signing certificate with a 2048-bit (or longer) RSA key, or an ECDSA key"));
    }
    let key = super::verify::VerifyKey::of_certificate(&der).map_err(|e| {
        ClaimsError::new(
            ErrorKind::UnknownKey,
            format!("{what}: the certificate's key cannot verify signatures: {e}"),
        )
    })?;
    let tbs = &cert.tbs_certificate;
    Ok(SigningCert {
        key,
        subject: tbs.subject.to_string(),
        not_after: tbs.validity.not_after.to_unix_duration().as_secs(),
        der,
    })
}

/// The bit length of the modulus of a PKCS#1 `RSAPublicKey`.
fn rsa_modulus_bits(public_key: &[u8]) -> Option<usize> {
    use x509_cert::der::asn1::UintRef;
    use x509_cert::der::{Reader, SliceReader};
    let mut reader = SliceReader::new(public_key).ok()?;
    let modulus = reader
        .sequence(|r| {
            let n = UintRef::decode(r)?;
            let _e = UintRef::decode(r)?;
            Ok(n.as_bytes().to_vec())
        })
        .ok()?;
    let first = *modulus.first()?;
    Some((modulus.len() - 1) * 8 + (8 - first.leading_zeros() as usize))
}
