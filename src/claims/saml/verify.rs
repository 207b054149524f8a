//! XML-DSig verification of a SAML document with `bergshamra` (pure Rust, RustCrypto), and the
//! one value the rest of the module may read: a [`SignedView`].
//!
//! **Invariant:** `bergshamra` and `uppsala` are used here and nowhere else. A [`SignedView`] is
//! made only by [`verify`]; when the IdP has certificates, its assertion is parsed from the
//! exclusive-canonical bytes of the element the verified `Reference` points at (the bytes whose
//! digest the signature covers, checked again here), never from a second reading of the original
//! document. What an attacker wraps around or beside the signed element is not in it.
//!
//! The accepted profile is SAML's (SAML 2.0 core §5.4): one `Reference` per signature, to the
//! `ID` of the element that holds the signature (the `Response` or its `Assertion`), exclusive
//! C14N for `SignedInfo` and the reference, the enveloped-signature transform, RSA or ECDSA with
//! SHA-256/384/512 (SHA-1 only when allowed). Everything else is refused before any
//! cryptography runs.

use super::keys::SigningKeys;
use super::xml::{Element, parse_tree};
use super::{NS_ASSERTION, NS_PROTOCOL, SamlVerification};
use crate::claims::{ClaimsError, ErrorKind, Limits, SignatureStatus};
use bergshamra_c14n::C14nMode;
use bergshamra_dsig::{DsigContext, VerifyResult};
use bergshamra_keys::{Key, KeyUsage, KeysManager};
use bergshamra_xml::nodeset::NodeSet;
use uppsala::{Document, NodeId};

const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const NS_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// Signature methods accepted, and those accepted only with `--allow-sha1`.
const SIGNATURE_METHODS: [&str; 6] = [
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
];
const SHA1_SIGNATURE_METHODS: [&str; 2] = [
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
];
/// Never accepted, whatever the flags.
const BROKEN_METHODS: [&str; 4] = [
    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
    "http://www.w3.org/2001/04/xmldsig-more#md5",
    "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
];
const DIGEST_METHODS: [&str; 3] = [
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
];
const SHA1_DIGEST: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

/// A certificate's public key, as the verifier takes it.
#[derive(Clone)]
pub(super) struct VerifyKey(bergshamra_keys::KeyData);

impl VerifyKey {
    pub(super) fn of_certificate(der: &[u8]) -> Result<VerifyKey, String> {
        bergshamra_keys::loader::load_x509_cert_der(der)
            .map(|key| VerifyKey(key.data))
            .map_err(|e| e.to_string())
    }
}

/// What the claims may be read from, and only that.
pub(super) struct SignedView {
    /// The `Response` without its assertions (`None` for a bare `Assertion`): its `Status`,
    /// `Issuer` and `Destination`. Signed when `response_signed`.
    envelope: Option<Element>,
    /// The assertion: the signed bytes when verified.
    assertion: Element,
    signature: SignatureStatus,
}

impl SignedView {
    pub(super) fn envelope(&self) -> Option<&Element> {
        self.envelope.as_ref()
    }

    pub(super) fn assertion(&self) -> &Element {
        &self.assertion
    }

    pub(super) fn signature(&self) -> SignatureStatus {
        self.signature
    }
}

/// Verifies `text` (whose strict parse is `root`, already checked to hold exactly one
/// `Assertion`, a child of the `Response` when there is one) against `keys`.
pub(super) fn verify(
    text: &str,
    root: Element,
    keys: Option<&SigningKeys>,
    options: &SamlVerification,
    idp: &str,
    limits: &Limits,
) -> Result<SignedView, ClaimsError> {
    let Some(keys) = keys.filter(|k| !k.is_empty()) else {
        if !options.allow_unverified {
            return Err(ClaimsError::new(
                ErrorKind::Unverified,
                format!(
                    "idp `{idp}` has no `certificate` or `metadata`, so the SAML document's signature cannot be verified"
                ),
            )
            .with_help(format!(
                "add `certificate \"keys/{idp}.pem\"` (or `metadata \"...\"`) to idp `{idp}`, or pass `--allow-unverified` to read unverified claims"
            )));
        }
        return Ok(unverified_view(root));
    };
    let doc = uppsala::parse(text).map_err(|e| {
        ClaimsError::malformed(format!("SAML document is not well-formed XML: {e}"))
    })?;
    let Some(top) = doc.document_element() else {
        return Err(ClaimsError::malformed("SAML document has no root element"));
    };
    let signatures: Vec<NodeId> = doc
        .descendants(doc.root())
        .into_iter()
        .filter(|&n| is(&doc, n, NS_DSIG, "Signature"))
        .collect();
    if signatures.is_empty() {
        return Err(ClaimsError::new(
            ErrorKind::Signature,
            format!("SAML document is not signed, and idp `{idp}` has signing certificates"),
        )
        .with_help("the IdP must sign the `Response` or the `Assertion`"));
    }
    let mut profiles = Vec::with_capacity(signatures.len());
    for &signature in &signatures {
        let profile = check_profile(&doc, top, signature, options)?;
        if profiles
            .iter()
            .any(|p: &Profile| p.signed == profile.signed)
        {
            return Err(ClaimsError::malformed(format!(
                "`{}` holds two signatures",
                local(&doc, profile.signed)
            )));
        }
        profiles.push(profile);
    }

    let mut valid = vec![false; signatures.len()];
    let mut reasons: Vec<String> = vec![String::new(); signatures.len()];
    for cert in keys.certs() {
        let mut manager = KeysManager::new();
        let mut key = Key::new(cert.key.0.clone(), KeyUsage::Verify);
        key.x509_chain = vec![cert.der.clone()];
        manager.add_key(key);
        let context = DsigContext::new(manager);
        let results =
            bergshamra_dsig::verify::verify_all_document_with_source(&context, &doc, Some(text))
                .map_err(dsig_error)?;
        for (i, result) in results.into_iter().enumerate().take(signatures.len()) {
            match result {
                VerifyResult::Valid {
                    signature_node,
                    references,
                    ..
                } => {
                    let points_at_holder = signature_node == signatures[i]
                        && references.len() == 1
                        && references[0].resolved_node == Some(profiles[i].signed)
                        && references[0].digest_verified;
                    if points_at_holder {
                        valid[i] = true;
                    } else {
                        reasons[i] =
                            "the verified reference is not the element holding the signature"
                                .to_owned();
                    }
                }
                VerifyResult::Invalid { reason } => reasons[i] = reason,
            }
        }
    }
    if let Some(i) = valid.iter().position(|v| !v) {
        let whose = local(&doc, profiles[i].signed);
        let embedded = embedded_certificates(&doc, signatures[i]);
        if !embedded.is_empty()
            && !embedded
                .iter()
                .any(|der| keys.certs().iter().any(|c| &c.der == der))
        {
            return Err(ClaimsError::new(
                ErrorKind::UnknownKey,
                format!(
                    "the `{whose}` is signed with a certificate that is not among idp `{idp}`'s certificates, and does not verify with them"
                ),
            )
            .with_help("if the IdP rolled its signing certificate over, add the new one to its `certificate` or `metadata`"));
        }
        return Err(ClaimsError::new(
            ErrorKind::Signature,
            format!(
                "the `{whose}`'s signature does not verify with idp `{idp}`'s certificates ({})",
                reasons[i]
            ),
        ));
    }

    // Read only what was signed: the canonical bytes of each signed element.
    let mut signed_response = None;
    let mut signed_assertion = None;
    for (profile, &signature) in profiles.iter().zip(&signatures) {
        let element = signed_element(&doc, profile, signature, limits)?;
        if is(&doc, profile.signed, NS_ASSERTION, "Assertion") {
            signed_assertion = Some(element);
        } else {
            signed_response = Some(element);
        }
    }
    let (envelope, assertion) = match (signed_response, signed_assertion) {
        (response, Some(assertion)) => {
            let envelope = match response {
                Some(response) => Some(strip_assertions(response)),
                None if root.is(NS_PROTOCOL, "Response") => Some(strip_assertions(root)),
                None => None,
            };
            (envelope, assertion)
        }
        (Some(response), None) => {
            let mut assertions = response
                .children
                .iter()
                .filter(|c| c.is(NS_ASSERTION, "Assertion"));
            let (Some(assertion), None) = (assertions.next(), assertions.next()) else {
                return Err(ClaimsError::new(
                    ErrorKind::MultipleAssertions,
                    "the signed `Response` does not hold exactly one `Assertion`",
                ));
            };
            let assertion = assertion.clone();
            (Some(strip_assertions(response)), assertion)
        }
        (None, None) => {
            return Err(ClaimsError::new(
                ErrorKind::Signature,
                "neither the `Response` nor the `Assertion` is signed",
            ));
        }
    };
    Ok(SignedView {
        envelope,
        assertion,
        signature: SignatureStatus::Verified,
    })
}

/// An IdP with no certificate, read with `--allow-unverified`: the whole document as parsed.
fn unverified_view(root: Element) -> SignedView {
    if root.is(NS_ASSERTION, "Assertion") {
        return SignedView {
            envelope: None,
            assertion: root,
            signature: SignatureStatus::Unverified,
        };
    }
    let assertion = root
        .children
        .iter()
        .find(|c| c.is(NS_ASSERTION, "Assertion"))
        .cloned();
    SignedView {
        envelope: Some(strip_assertions(root)),
        // The caller checked there is exactly one; an empty element reads as no claims.
        assertion: assertion.unwrap_or_else(|| Element {
            ns: Some(NS_ASSERTION.to_owned()),
            local: "Assertion".to_owned(),
            attrs: Vec::new(),
            children: Vec::new(),
            text: String::new(),
        }),
        signature: SignatureStatus::Unverified,
    }
}

/// The envelope keeps no assertion, so nothing can read one from it.
fn strip_assertions(mut response: Element) -> Element {
    response
        .children
        .retain(|c| !c.is(NS_ASSERTION, "Assertion") && !c.is(NS_ASSERTION, "EncryptedAssertion"));
    response
}

/// What one signature says it signs, checked against SAML's profile.
struct Profile {
    /// The element holding the signature, which its one `Reference` must point at.
    signed: NodeId,
    digest_method: String,
    digest_value: String,
    prefixes: Vec<String>,
}

fn check_profile(
    doc: &Document<'_>,
    top: NodeId,
    signature: NodeId,
    options: &SamlVerification,
) -> Result<Profile, ClaimsError> {
    let misplaced = || {
        ClaimsError::new(
            ErrorKind::Signature,
            "a `Signature` is neither the `Response`'s nor its `Assertion`'s own (the signature-wrapping shape)",
        )
    };
    let signed = doc.parent(signature).ok_or_else(misplaced)?;
    let holder_ok = if signed == top {
        is(doc, top, NS_PROTOCOL, "Response") || is(doc, top, NS_ASSERTION, "Assertion")
    } else {
        is(doc, signed, NS_ASSERTION, "Assertion")
            && doc.parent(signed) == Some(top)
            && is(doc, top, NS_PROTOCOL, "Response")
    };
    if !holder_ok {
        return Err(misplaced());
    }
    let whose = local(doc, signed);
    let signed_info = only_child(doc, signature, "SignedInfo", "Signature")?;
    let c14n = only_child(doc, signed_info, "CanonicalizationMethod", "SignedInfo")?;
    let c14n = algorithm(doc, c14n)?;
    if c14n != EXC_C14N {
        return Err(ClaimsError::new(
            ErrorKind::Transform,
            format!(
                "the `{whose}`'s `SignedInfo` is canonicalized with `{c14n}`; only exclusive C14N (`{EXC_C14N}`) is accepted"
            ),
        ));
    }
    let method = only_child(doc, signed_info, "SignatureMethod", "SignedInfo")?;
    let method = algorithm(doc, method)?;
    check_method(
        method,
        &SIGNATURE_METHODS,
        &SHA1_SIGNATURE_METHODS,
        options,
        "signature",
    )?;

    let references = dsig_children(doc, signed_info, "Reference");
    let [reference] = references.as_slice() else {
        return Err(ClaimsError::new(
            ErrorKind::Signature,
            format!(
                "the `{whose}`'s `SignedInfo` has {} `Reference` elements; SAML requires exactly one",
                references.len()
            ),
        ));
    };
    let id = doc.get_attribute(signed, "ID").unwrap_or_default();
    let uri = doc.get_attribute(*reference, "URI").unwrap_or_default();
    if id.is_empty() || uri.strip_prefix('#') != Some(id) {
        return Err(ClaimsError::new(
            ErrorKind::Signature,
            format!(
                "the `{whose}`'s signature references `{uri}`, not the `{whose}` that holds it (`#{id}`)"
            ),
        ));
    }
    let mut prefixes = Vec::new();
    let mut seen = Vec::new();
    if let Some(transforms) = dsig_children(doc, *reference, "Transforms").first() {
        for transform in dsig_children(doc, *transforms, "Transform") {
            let uri = algorithm(doc, transform)?;
            if (uri != ENVELOPED && uri != EXC_C14N) || seen.contains(&uri) {
                return Err(ClaimsError::new(
                    ErrorKind::Transform,
                    format!(
                        "the `{whose}`'s reference has the transform `{uri}`; only enveloped-signature and exclusive C14N, once each, are accepted"
                    ),
                ));
            }
            if uri == EXC_C14N {
                prefixes = doc
                    .children(transform)
                    .into_iter()
                    .filter(|&c| is(doc, c, NS_EXC_C14N, "InclusiveNamespaces"))
                    .filter_map(|c| doc.get_attribute(c, "PrefixList"))
                    .flat_map(|list| list.split_whitespace().map(str::to_owned))
                    .collect();
            }
            seen.push(uri);
        }
    }
    if !seen.contains(&ENVELOPED) {
        return Err(ClaimsError::new(
            ErrorKind::Transform,
            format!("the `{whose}`'s reference lacks the enveloped-signature transform"),
        ));
    }
    if !seen.contains(&EXC_C14N) {
        // Without it, XML-DSig canonicalizes the reference with inclusive C14N.
        return Err(ClaimsError::new(
            ErrorKind::Transform,
            format!(
                "the `{whose}`'s reference lacks the exclusive C14N transform, so it would be canonicalized with inclusive C14N; only exclusive C14N is accepted"
            ),
        ));
    }
    let digest = only_child(doc, *reference, "DigestMethod", "Reference")?;
    let digest_method = algorithm(doc, digest)?;
    check_method(
        digest_method,
        &DIGEST_METHODS,
        &[SHA1_DIGEST],
        options,
        "digest",
    )?;
    let value = only_child(doc, *reference, "DigestValue", "Reference")?;
    Ok(Profile {
        signed,
        digest_method: digest_method.to_owned(),
        digest_value: doc.text_content_deep(value),
        prefixes,
    })
}

fn check_method(
    uri: &str,
    accepted: &[&str],
    sha1: &[&str],
    options: &SamlVerification,
    what: &str,
) -> Result<(), ClaimsError> {
    if accepted.contains(&uri) || (options.allow_sha1 && sha1.contains(&uri)) {
        return Ok(());
    }
    // SHA-1 under any identifier (some IdPs write non-standard ones such as
    // `xmldsig-more#rsa-sha1`) is refused as such.
    if sha1.contains(&uri) || (!options.allow_sha1 && uri.ends_with("sha1")) {
        return Err(ClaimsError::new(
            ErrorKind::WeakAlgorithm,
            format!("the {what} algorithm `{uri}` uses SHA-1, which is refused"),
        )
        .with_help("ask the IdP to sign with SHA-256, or pass `--allow-sha1` to accept it"));
    }
    if BROKEN_METHODS.contains(&uri) {
        return Err(ClaimsError::new(
            ErrorKind::WeakAlgorithm,
            format!("the {what} algorithm `{uri}` is broken and never accepted"),
        ));
    }
    Err(ClaimsError::new(
        ErrorKind::Algorithm,
        format!(
            "the {what} algorithm `{uri}` is not accepted (RSA or ECDSA with SHA-256, SHA-384 or SHA-512)"
        ),
    ))
}

/// The exclusive-canonical bytes of the signed element, the signature left out (the
/// enveloped-signature transform), checked against the signed digest, then parsed.
fn signed_element(
    doc: &Document<'_>,
    profile: &Profile,
    signature: NodeId,
    limits: &Limits,
) -> Result<Element, ClaimsError> {
    let mut nodes = NodeSet::tree_without_comments(profile.signed, doc);
    nodes.remove_id(signature);
    for node in doc.descendants(signature) {
        nodes.remove_id(node);
    }
    let bytes = bergshamra_c14n::canonicalize_doc(
        doc,
        C14nMode::Exclusive,
        Some(&nodes),
        &profile.prefixes,
    )
    .map_err(dsig_error)?;
    let digest =
        bergshamra_crypto::digest::digest(&profile.digest_method, &bytes).map_err(dsig_error)?;
    let expected: String = profile
        .digest_value
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    use base64::Engine;
    if base64::engine::general_purpose::STANDARD.encode(digest) != expected {
        return Err(ClaimsError::new(
            ErrorKind::Signature,
            "the signed element's canonical bytes do not match the signed digest",
        ));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ClaimsError::malformed("the signed element is not UTF-8"))?;
    parse_tree(text, limits)
}

fn dsig_error(e: bergshamra_core::Error) -> ClaimsError {
    let message = e.to_string();
    if message.contains("duplicate ID") {
        return ClaimsError::malformed(format!(
            "SAML document has two elements with the same ID (the signature-wrapping shape): {message}"
        ));
    }
    ClaimsError::new(
        ErrorKind::Signature,
        format!("the signature cannot be checked: {message}"),
    )
}

/// DER of every `X509Certificate` in the signature's `KeyInfo` (to tell `unknown-key`).
fn embedded_certificates(doc: &Document<'_>, signature: NodeId) -> Vec<Vec<u8>> {
    use base64::Engine;
    doc.descendants(signature)
        .into_iter()
        .filter(|&n| is(doc, n, NS_DSIG, "X509Certificate"))
        .filter_map(|n| {
            let text: String = doc
                .text_content_deep(n)
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD.decode(text).ok()
        })
        .collect()
}

fn is(doc: &Document<'_>, node: NodeId, ns: &str, name: &str) -> bool {
    doc.element(node).is_some_and(|e| {
        e.name.namespace_uri.as_deref() == Some(ns) && e.name.local_name.as_ref() == name
    })
}

fn local(doc: &Document<'_>, node: NodeId) -> String {
    doc.element(node)
        .map(|e| e.name.local_name.to_string())
        .unwrap_or_default()
}

fn dsig_children(doc: &Document<'_>, parent: NodeId, name: &str) -> Vec<NodeId> {
    doc.children(parent)
        .into_iter()
        .filter(|&c| is(doc, c, NS_DSIG, name))
        .collect()
}

fn only_child(
    doc: &Document<'_>,
    parent: NodeId,
    name: &str,
    parent_name: &str,
) -> Result<NodeId, ClaimsError> {
    match dsig_children(doc, parent, name).as_slice() {
        [one] => Ok(*one),
        many => Err(ClaimsError::malformed(format!(
            "`{parent_name}` has {} `{name}` elements, expected exactly one",
            many.len()
        ))),
    }
}

fn algorithm<'d>(doc: &'d Document<'_>, node: NodeId) -> Result<&'d str, ClaimsError> {
    doc.get_attribute(node, "Algorithm")
        .ok_or_else(|| ClaimsError::malformed(format!("`{}` has no `Algorithm`", local(doc, node))))
}
