//! SAML 2.0 responses and assertions, read with `quick-xml` into a small tree under the limits,
//! then queried by namespace URI and local name (never by prefix text).
//!
//! The tree is built strictly: a DOCTYPE, an unknown entity, a truncated document, a second root,
//! text outside the root or a duplicated attribute (also one duplicated through two prefixes of
//! the same namespace) is refused. Text split by comments, character references or CDATA is
//! concatenated, so `sw<!-- -->k` reads `swk` (the CVE-2017-11427 class of bugs reads only the
//! first text node). XML signatures are not verified: the result says `unverified`.

use super::limits::check_size;
use super::oidc::encrypted_error;
use super::time::parse_datetime;
use super::{
    ClaimsError, DeviceClaims, ErrorKind, IdpConfig, IdpKind, Limits, Protocol, TrustedClaims,
    check_protocol, format_time, normalize, okta_payload,
};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use quick_xml::events::Event;
use quick_xml::events::attributes::AttrError;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::borrow::Cow;

const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const NS_XMLNS: &str = "http://www.w3.org/2000/xmlns/";

/// The `Name` of the attribute third-party SAML IdPs send AMR values in.
pub const SESSION_AMR: &str = "session.amr";

/// Reads a SAML `Response` or bare `Assertion` (raw XML, or base64 as posted) from `idp` at the
/// instant `now` (Unix seconds). The XML signature is *not* verified.
pub fn read_saml(
    input: &[u8],
    idp: &IdpConfig,
    now: u64,
    limits: &Limits,
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
    let root = parse_tree(text, limits)?;
    read_document(&root, idp, now)
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

/// An element of the parsed document: names resolved to (namespace URI, local name).
#[derive(Debug)]
pub(crate) struct Element {
    ns: Option<String>,
    local: String,
    attrs: Vec<Attr>,
    children: Vec<Element>,
    /// Every text, CDATA section and reference directly inside, concatenated.
    text: String,
}

#[derive(Debug)]
struct Attr {
    ns: Option<String>,
    local: String,
    value: String,
}

impl Element {
    fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }

    fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.is(ns, local))
    }

    fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// An unqualified attribute, as SAML's own attributes are.
    fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The element's text, refused when it has child elements (a value is text only).
    fn text_value(&self) -> Result<&str, ClaimsError> {
        if !self.children.is_empty() {
            return Err(ClaimsError::malformed(format!(
                "`{}` has child elements where text is expected",
                self.local
            )));
        }
        Ok(self.text.trim())
    }

    fn walk<'a>(&'a self, out: &mut impl FnMut(&'a Element)) {
        out(self);
        for c in &self.children {
            c.walk(out);
        }
    }
}

fn xml_error(reader: &NsReader<&[u8]>, e: impl std::fmt::Display) -> ClaimsError {
    ClaimsError::malformed(format!(
        "SAML document is not well-formed XML at byte {}: {e}",
        reader.error_position()
    ))
}

fn namespace(
    reader: &NsReader<&[u8]>,
    resolved: ResolveResult<'_>,
    name: &[u8],
) -> Result<Option<String>, ClaimsError> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(Some(String::from_utf8_lossy(ns.as_ref()).into_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => Err(xml_error(
            reader,
            format_args!(
                "namespace prefix `{}` of `{}` is not declared",
                String::from_utf8_lossy(&prefix),
                String::from_utf8_lossy(name)
            ),
        )),
    }
}

/// Parses the whole document into a tree, enforcing the limits and well-formedness that
/// `quick-xml`'s reader leaves to its caller.
pub(crate) fn parse_tree(text: &str, limits: &Limits) -> Result<Element, ClaimsError> {
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.check_comments = true;
    config.allow_unmatched_ends = false;
    config.allow_dangling_amp = false;
    config.expand_empty_elements = false;

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader.read_event().map_err(|e| xml_error(&reader, e))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let qname = e.name();
                if let Some(first) = &root {
                    return Err(ClaimsError::malformed(format!(
                        "SAML document has two root elements: `{}` after `{}`",
                        String::from_utf8_lossy(qname.as_ref()),
                        first.local
                    )));
                }
                if stack.len() >= limits.max_depth {
                    return Err(ClaimsError::new(
                        ErrorKind::Limit,
                        format!(
                            "SAML document nests elements deeper than the `max_depth` limit of {}",
                            limits.max_depth
                        ),
                    ));
                }
                let (resolved, local) = reader.resolve_element(qname);
                let ns = namespace(&reader, resolved, qname.as_ref())?;
                let local = String::from_utf8_lossy(local.as_ref()).into_owned();
                let attrs = read_attrs(&reader, e, &local, limits)?;
                let element = Element {
                    ns,
                    local,
                    attrs,
                    children: Vec::new(),
                    text: String::new(),
                };
                if matches!(event, Event::Start(_)) {
                    stack.push(element);
                } else {
                    attach(&mut stack, &mut root, element);
                }
            }
            Event::End(_) => match stack.pop() {
                Some(element) => attach(&mut stack, &mut root, element),
                None => return Err(xml_error(&reader, "end tag without a start tag")),
            },
            Event::Text(t) => {
                let content = t.xml10_content().map_err(|e| xml_error(&reader, e))?;
                push_text(&reader, &mut stack, &content)?;
            }
            Event::CData(c) => {
                let content = c.decode().map_err(|e| xml_error(&reader, e))?;
                push_text(&reader, &mut stack, &content)?;
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref().map_err(|e| xml_error(&reader, e))? {
                    Some(ch) => ch,
                    None => match r.as_ref() {
                        b"lt" => '<',
                        b"gt" => '>',
                        b"amp" => '&',
                        b"apos" => '\'',
                        b"quot" => '"',
                        other => {
                            return Err(xml_error(
                                &reader,
                                format_args!(
                                    "entity `&{};` is not declared (entities are refused)",
                                    String::from_utf8_lossy(other)
                                ),
                            ));
                        }
                    },
                };
                push_text(&reader, &mut stack, ch.encode_utf8(&mut [0; 4]))?;
            }
            Event::DocType(_) => {
                return Err(ClaimsError::new(
                    ErrorKind::Doctype,
                    "SAML document has a DOCTYPE declaration, which is refused (entity expansion and external entities)",
                ));
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(ClaimsError::malformed(format!(
                        "SAML document is truncated: `{}` is not closed",
                        open.local
                    )));
                }
                return root
                    .ok_or_else(|| ClaimsError::malformed("SAML document has no root element"));
            }
        }
    }
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn push_text(
    reader: &NsReader<&[u8]>,
    stack: &mut [Element],
    text: &str,
) -> Result<(), ClaimsError> {
    match stack.last_mut() {
        Some(open) => {
            open.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(xml_error(reader, "text outside the root element")),
    }
}

fn read_attrs(
    reader: &NsReader<&[u8]>,
    e: &quick_xml::events::BytesStart<'_>,
    element: &str,
    limits: &Limits,
) -> Result<Vec<Attr>, ClaimsError> {
    let mut attrs: Vec<Attr> = Vec::new();
    let mut count = 0;
    for attr in e.attributes().with_checks(true) {
        let attr = attr.map_err(|err| match err {
            AttrError::Duplicated(..) => ClaimsError::malformed(format!(
                "SAML document has a duplicate attribute on `{element}`"
            )),
            other => xml_error(reader, other),
        })?;
        count += 1;
        if count > limits.max_attributes {
            return Err(ClaimsError::new(
                ErrorKind::Limit,
                format!(
                    "element `{element}` has more attributes than the `max_attributes` limit of {}",
                    limits.max_attributes
                ),
            ));
        }
        let (resolved, local) = reader.resolve_attribute(attr.key);
        let ns = namespace(reader, resolved, attr.key.as_ref())?;
        if ns.as_deref() == Some(NS_XMLNS) || attr.key.as_ref() == b"xmlns" {
            continue;
        }
        let local = String::from_utf8_lossy(local.as_ref()).into_owned();
        if attrs.iter().any(|a| a.ns == ns && a.local == local) {
            return Err(ClaimsError::malformed(format!(
                "SAML document has a duplicate attribute `{local}` on `{element}`"
            )));
        }
        let value = attr
            .unescape_value()
            .map_err(|err| xml_error(reader, err))?
            .into_owned();
        attrs.push(Attr { ns, local, value });
    }
    Ok(attrs)
}

/// Reads the one assertion of a parsed document.
fn read_document(root: &Element, idp: &IdpConfig, now: u64) -> Result<TrustedClaims, ClaimsError> {
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

    if is_response && let Some(issuer) = root.child(NS_ASSERTION, "Issuer") {
        check_issuer(issuer, idp, "response")?;
    }
    match assertion.child(NS_ASSERTION, "Issuer") {
        Some(issuer) => check_issuer(issuer, idp, "assertion")?,
        None => {
            return Err(ClaimsError::new(
                ErrorKind::Issuer,
                "assertion has no `Issuer`, which is required",
            ));
        }
    }
    let skew = idp.max_clock_skew;
    if let Some(conditions) = assertion.child(NS_ASSERTION, "Conditions") {
        check_conditions(conditions, idp, now, skew)?;
    }
    let issued_at = instant(assertion, "IssueInstant", "Assertion")?;
    let subject = match assertion
        .child(NS_ASSERTION, "Subject")
        .and_then(|s| s.child(NS_ASSERTION, "NameID"))
    {
        Some(name_id) => Some(name_id.text_value()?.to_owned()),
        None => None,
    };

    let statements: Vec<&Element> = assertion
        .children_named(NS_ASSERTION, "AuthnStatement")
        .collect();
    if statements.len() > 1 {
        return Err(ClaimsError::malformed(format!(
            "assertion has {} `AuthnStatement` elements, expected at most one",
            statements.len()
        )));
    }
    let statement = statements.first().copied();
    let auth_time = match statement {
        Some(s) => instant(s, "AuthnInstant", "AuthnStatement")?,
        None => None,
    };
    let context = statement.and_then(|s| s.child(NS_ASSERTION, "AuthnContext"));
    let authn_context = match context.and_then(|c| c.child(NS_ASSERTION, "AuthnContextClassRef")) {
        Some(class) => Some(class.text_value()?.to_owned()),
        None => None,
    };
    let okta_auth = context
        .and_then(|c| c.child(NS_ASSERTION, "AuthnContextDecl"))
        .and_then(|decl| {
            let mut found = None;
            decl.walk(&mut |e| {
                if found.is_none() && e.local == "OktaAuth" {
                    found = Some(e);
                }
            });
            found
        });

    let (values, device) = match idp.kind {
        IdpKind::OktaSaml => match okta_auth {
            Some(e) => okta_auth_values(e.text_value()?, idp)?,
            None => (Vec::new(), None),
        },
        _ => (session_amr(assertion)?, None),
    };
    Ok(TrustedClaims {
        subject,
        issued_at,
        auth_time,
        authn_context,
        device,
        ..normalize(&values, idp.kind, idp.usage).into_claims(idp.name.clone(), Protocol::Saml)
    })
}

fn check_issuer(issuer: &Element, idp: &IdpConfig, whose: &str) -> Result<(), ClaimsError> {
    let Some(expected) = &idp.issuer else {
        return Err(ClaimsError::new(
            ErrorKind::Issuer,
            format!(
                "idp `{}` has no `issuer` configured, so `Issuer` cannot be checked",
                idp.name
            ),
        ));
    };
    let found = issuer.text_value()?;
    if found != expected {
        return Err(ClaimsError::new(
            ErrorKind::Issuer,
            format!("{whose} `Issuer` is `{found}`, expected `{expected}`"),
        ));
    }
    Ok(())
}

fn instant(e: &Element, attr: &str, element: &str) -> Result<Option<u64>, ClaimsError> {
    match e.attr(attr) {
        None => Ok(None),
        Some(v) => parse_datetime(v).map(Some).ok_or_else(|| {
            ClaimsError::malformed(format!(
                "`{element}@{attr}` is `{v}`, expected a UTC `xs:dateTime` such as `2024-07-08T23:35:50Z`"
            ))
        }),
    }
}

fn check_conditions(
    conditions: &Element,
    idp: &IdpConfig,
    now: u64,
    skew: u64,
) -> Result<(), ClaimsError> {
    if let Some(not_before) = instant(conditions, "NotBefore", "Conditions")?
        && now.saturating_add(skew) < not_before
    {
        return Err(ClaimsError::new(
            ErrorKind::NotYetValid,
            format!(
                "assertion is not valid before {} (`NotBefore`); now is {}, clock skew {skew}s",
                format_time(not_before),
                format_time(now)
            ),
        ));
    }
    if let Some(not_on_or_after) = instant(conditions, "NotOnOrAfter", "Conditions")?
        && now >= not_on_or_after.saturating_add(skew)
    {
        return Err(ClaimsError::new(
            ErrorKind::Expired,
            format!(
                "assertion expired at {} (`NotOnOrAfter`); now is {}, clock skew {skew}s",
                format_time(not_on_or_after),
                format_time(now)
            ),
        ));
    }
    for restriction in conditions.children_named(NS_ASSERTION, "AudienceRestriction") {
        let Some(expected) = &idp.audience else {
            return Err(ClaimsError::new(
                ErrorKind::Audience,
                format!(
                    "assertion has an `AudienceRestriction` but idp `{}` has no `audience` configured",
                    idp.name
                ),
            ));
        };
        let audiences = restriction
            .children_named(NS_ASSERTION, "Audience")
            .map(Element::text_value)
            .collect::<Result<Vec<_>, _>>()?;
        if !audiences.contains(&expected.as_str()) {
            let list = audiences
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ClaimsError::new(
                ErrorKind::Audience,
                format!(
                    "`AudienceRestriction` allows [{list}], expected it to contain `{expected}`"
                ),
            ));
        }
    }
    Ok(())
}

/// `Attribute[@Name="session.amr"]`: one value per `AttributeValue`, or comma-separated values
/// in one; trimmed, empty pieces dropped (duplicates are dropped by normalization).
fn session_amr(assertion: &Element) -> Result<Vec<String>, ClaimsError> {
    let mut found: Vec<&Element> = Vec::new();
    for statement in assertion.children_named(NS_ASSERTION, "AttributeStatement") {
        found.extend(
            statement
                .children_named(NS_ASSERTION, "Attribute")
                .filter(|a| a.attr("Name") == Some(SESSION_AMR)),
        );
    }
    let attribute = match found.as_slice() {
        [] => return Ok(Vec::new()),
        [one] => *one,
        many => {
            return Err(ClaimsError::malformed(format!(
                "assertion has {} `{SESSION_AMR}` attributes, expected at most one",
                many.len()
            )));
        }
    };
    let mut values = Vec::new();
    for value in attribute.children_named(NS_ASSERTION, "AttributeValue") {
        for piece in value.text_value()?.split(',') {
            let piece = piece.trim();
            if !piece.is_empty() {
                values.push(piece.to_owned());
            }
        }
    }
    Ok(values)
}

/// Okta-to-Okta SAML: the `OktaAuth` extension holds an encrypted JWT payload (refused with the
/// way out), or a plain JSON object with `amr` (a payload decrypted by hand).
fn okta_auth_values(
    text: &str,
    idp: &IdpConfig,
) -> Result<(Vec<String>, Option<DeviceClaims>), ClaimsError> {
    if text.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|_| ClaimsError::malformed("`OktaAuth` is neither a JWT nor a JSON object"))?;
        let Some(obj) = value.as_object() else {
            return Err(ClaimsError::malformed(
                "`OktaAuth` is neither a JWT nor a JSON object",
            ));
        };
        return okta_payload(obj, "OktaAuth");
    }
    match text.split('.').count() {
        5 => Err(encrypted_error("`OktaAuth`", &idp.name)),
        3 => Err(ClaimsError::new(
            ErrorKind::Signature,
            format!(
                "`OktaAuth` is a signed JWT, which cannot be verified for a SAML idp: pass its payload with `--claims FILE` as `{{\"idp\":\"{}\",\"amr\":[...]}}`",
                idp.name
            ),
        )),
        _ => Err(ClaimsError::malformed(
            "`OktaAuth` is neither a JWT nor a JSON object",
        )),
    }
}
