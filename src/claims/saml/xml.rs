//! The document tree: `quick-xml` events read into a small tree under the limits, queried by
//! namespace URI and local name (never by prefix text).
//!
//! The tree is built strictly: a DOCTYPE, an unknown entity, a truncated document, a second root,
//! text outside the root, a raw C0 control character or a duplicated attribute (also one
//! duplicated through two prefixes of the same namespace) is refused. Text split by comments,
//! character references or CDATA is concatenated, so `sw<!-- -->k` reads `swk` (the
//! CVE-2017-11427 class of bugs reads only the first text node).

use crate::claims::{ClaimsError, ErrorKind, Limits};
use quick_xml::events::Event;
use quick_xml::events::attributes::AttrError;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

const NS_XMLNS: &str = "http://www.w3.org/2000/xmlns/";

/// An element of the parsed document: names resolved to (namespace URI, local name).
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub(super) ns: Option<String>,
    pub(super) local: String,
    pub(super) attrs: Vec<Attr>,
    pub(super) children: Vec<Element>,
    /// Every text, CDATA section and reference directly inside, concatenated.
    pub(super) text: String,
}

#[derive(Debug, Clone)]
pub(super) struct Attr {
    pub(super) ns: Option<String>,
    pub(super) local: String,
    pub(super) value: String,
}

impl Element {
    pub(super) fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }

    pub(super) fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.is(ns, local))
    }

    pub(super) fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// An unqualified attribute, as SAML's own attributes are.
    pub(super) fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The element's text, refused when it has child elements (a value is text only).
    pub(super) fn text_value(&self) -> Result<&str, ClaimsError> {
        if !self.children.is_empty() {
            return Err(ClaimsError::malformed(format!(
                "`{}` has child elements where text is expected",
                self.local
            )));
        }
        Ok(self.text.trim())
    }

    pub(super) fn walk<'a>(&'a self, out: &mut impl FnMut(&'a Element)) {
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
pub(super) fn parse_tree(text: &str, limits: &Limits) -> Result<Element, ClaimsError> {
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
                    None => match AsRef::<[u8]>::as_ref(&*r) {
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
    refuse_control(text, "text")?;
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
        refuse_control(&value, "an attribute value")?;
        attrs.push(Attr { ns, local, value });
    }
    Ok(attrs)
}

/// XML 1.0 allows no C0 control character but tab, line feed and carriage return, raw or as a
/// character reference; one in a name or a value is the shape of a truncation attack.
fn refuse_control(text: &str, place: &str) -> Result<(), ClaimsError> {
    match text
        .chars()
        .find(|c| (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
    {
        Some(c) => Err(ClaimsError::malformed(format!(
            "SAML document has the control character U+{:04X} in {place}, which XML does not allow",
            c as u32
        ))),
        None => Ok(()),
    }
}
