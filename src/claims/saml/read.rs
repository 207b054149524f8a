//! The claims of a verified [`SignedView`]: the response checks (status, issuers, conditions,
//! subject confirmation) and the AMR values, read from the view and nothing else.

use super::verify::SignedView;
use super::xml::Element;
use super::{NS_ASSERTION, NS_PROTOCOL};
use crate::claims::oidc::encrypted_error;
use crate::claims::time::parse_datetime;
use crate::claims::{
    ClaimsError, DeviceClaims, ErrorKind, IdpConfig, IdpKind, Protocol, TrustedClaims, format_time,
    normalize, okta_payload,
};

/// The `Name` of the attribute third-party SAML IdPs send AMR values in.
pub const SESSION_AMR: &str = "session.amr";
/// Microsoft's attribute for the authentication methods (Entra ID, AD FS): Okta does not read it.
pub const MICROSOFT_AMR: &str = "http://schemas.microsoft.com/claims/authnmethodsreferences";

const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Okta's namespace for the `OktaAuth` extension.
const NS_OKTA: &str = "http://www.okta.com/";

/// Reads the claims of the view's assertion, after the checks of the response around it.
pub(super) fn read_document(
    view: &SignedView,
    idp: &IdpConfig,
    now: u64,
) -> Result<TrustedClaims, ClaimsError> {
    let assertion = view.assertion();
    let skew = idp.max_clock_skew;
    if let Some(response) = view.envelope() {
        check_status(response)?;
        if let Some(issuer) = at_most_one(response, "Issuer", "Response")? {
            check_issuer(issuer, idp, "response")?;
        }
    }
    match at_most_one(assertion, "Issuer", "Assertion")? {
        Some(issuer) => check_issuer(issuer, idp, "assertion")?,
        None => {
            return Err(ClaimsError::new(
                ErrorKind::Issuer,
                "assertion has no `Issuer`, which is required",
            ));
        }
    }
    if let Some(conditions) = at_most_one(assertion, "Conditions", "Assertion")? {
        check_conditions(conditions, idp, now, skew)?;
    }
    let subject = at_most_one(assertion, "Subject", "Assertion")?;
    if let Some(subject) = subject {
        let destination = view.envelope().and_then(|r| r.attr("Destination"));
        check_subject_confirmations(subject, destination, now, skew)?;
    }
    let issued_at = instant(assertion, "IssueInstant", "Assertion")?;
    let subject = match subject
        .map(|s| at_most_one(s, "NameID", "Subject"))
        .transpose()?
        .flatten()
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
    let okta_auth = match context.and_then(|c| c.child(NS_ASSERTION, "AuthnContextDecl")) {
        None => None,
        Some(decl) => {
            let mut found = Vec::new();
            decl.walk(&mut |e| {
                if e.is(NS_OKTA, "OktaAuth") {
                    found.push(e);
                }
            });
            if found.len() > 1 {
                return Err(ClaimsError::malformed(format!(
                    "assertion has {} `OktaAuth` elements, expected at most one",
                    found.len()
                )));
            }
            found.first().copied()
        }
    };

    let (values, device) = match idp.kind {
        IdpKind::OktaSaml => match okta_auth {
            Some(e) => okta_auth_values(e.text_value()?, idp)?,
            None => (Vec::new(), None),
        },
        _ => (session_amr(assertion)?, None),
    };
    let hints = match idp.kind {
        IdpKind::OktaSaml => Vec::new(),
        _ => microsoft_amr_hint(assertion).into_iter().collect(),
    };
    Ok(TrustedClaims {
        subject,
        issued_at,
        auth_time,
        authn_context,
        device,
        signature: view.signature(),
        hints,
        ..normalize(&values, idp.kind, idp.usage).into_claims(idp.name.clone(), Protocol::Saml)
    })
}

/// The attributes of the assertion named `name`.
fn attributes<'a>(assertion: &'a Element, name: &'a str) -> impl Iterator<Item = &'a Element> {
    assertion
        .children_named(NS_ASSERTION, "AttributeStatement")
        .flat_map(|s| s.children_named(NS_ASSERTION, "Attribute"))
        .filter(move |a| a.attr("Name") == Some(name))
}

/// An assertion with Microsoft's `authnmethodsreferences` and no `session.amr` (what Entra ID
/// and AD FS send unless told otherwise): the SP reads no AMR value from it, and says where they
/// must go.
fn microsoft_amr_hint(assertion: &Element) -> Option<String> {
    if attributes(assertion, SESSION_AMR).next().is_some() {
        return None;
    }
    attributes(assertion, MICROSOFT_AMR).next()?;
    Some(format!(
        "the assertion carries Microsoft's `{MICROSOFT_AMR}` attribute but no `{SESSION_AMR}`: \
         Okta reads a SAML IdP's AMR values only from the attribute named `{SESSION_AMR}` \
         (Okta's \"Configure claims sharing\" guide), so none is read here. Have the IdP send \
         them in an attribute named `{SESSION_AMR}` (in Entra ID: a claim of the enterprise \
         app named `{SESSION_AMR}`), with values of Okta's AMR table such as `pwd`, `mfa`, \
         `otp` or `hwk`"
    ))
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
    let found: Vec<&Element> = attributes(assertion, SESSION_AMR).collect();
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
/// way out), or a plain JSON object with `amr` and `device` (a payload decrypted by hand).
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

/// `Status/StatusCode@Value` must be `Success`; anything else is refused with the code (and the
/// second-level code, which says why, when there is one).
fn check_status(response: &Element) -> Result<(), ClaimsError> {
    let status = at_most_one_in(response, NS_PROTOCOL, "Status", "Response")?.ok_or_else(|| {
        ClaimsError::malformed("the `Response` has no `Status`, which is required")
    })?;
    let code = at_most_one_in(status, NS_PROTOCOL, "StatusCode", "Status")?
        .ok_or_else(|| ClaimsError::malformed("`Status` has no `StatusCode`, which is required"))?;
    let value = code.attr("Value").unwrap_or_default();
    if value == STATUS_SUCCESS {
        return Ok(());
    }
    let detail = code
        .child(NS_PROTOCOL, "StatusCode")
        .and_then(|c| c.attr("Value"))
        .map(|v| format!(" (`{v}`)"))
        .unwrap_or_default();
    Err(ClaimsError::new(
        ErrorKind::Status,
        format!(
            "the `Response`'s `StatusCode` is `{value}`{detail}, not `Success`: the IdP did not authenticate the user"
        ),
    ))
}

/// Bearer confirmations: `NotOnOrAfter` (and `NotBefore`) and `Recipient`, when present.
/// policyc does not know the SP's ACS URL, so `Recipient` must agree with the response's
/// `Destination` when both are there.
fn check_subject_confirmations(
    subject: &Element,
    destination: Option<&str>,
    now: u64,
    skew: u64,
) -> Result<(), ClaimsError> {
    for confirmation in subject.children_named(NS_ASSERTION, "SubjectConfirmation") {
        let Some(data) = at_most_one(
            confirmation,
            "SubjectConfirmationData",
            "SubjectConfirmation",
        )?
        else {
            continue;
        };
        if let Some(not_on_or_after) = instant(data, "NotOnOrAfter", "SubjectConfirmationData")?
            && now >= not_on_or_after.saturating_add(skew)
        {
            return Err(ClaimsError::new(
                ErrorKind::Expired,
                format!(
                    "subject confirmation expired at {} (`SubjectConfirmationData@NotOnOrAfter`); now is {}, clock skew {skew}s",
                    format_time(not_on_or_after),
                    format_time(now)
                ),
            ));
        }
        if let Some(not_before) = instant(data, "NotBefore", "SubjectConfirmationData")?
            && now.saturating_add(skew) < not_before
        {
            return Err(ClaimsError::new(
                ErrorKind::NotYetValid,
                format!(
                    "subject confirmation is not valid before {} (`SubjectConfirmationData@NotBefore`); now is {}, clock skew {skew}s",
                    format_time(not_before),
                    format_time(now)
                ),
            ));
        }
        if let (Some(recipient), Some(destination)) = (data.attr("Recipient"), destination)
            && recipient != destination
        {
            return Err(ClaimsError::new(
                ErrorKind::Audience,
                format!(
                    "`SubjectConfirmationData@Recipient` is `{recipient}`, but the response's `Destination` is `{destination}`"
                ),
            ));
        }
    }
    Ok(())
}

/// The one `name` child in the assertion namespace, if any; a second is `malformed` (SAML
/// allows at most one, and a reader that takes the first is the wrapping bug).
fn at_most_one<'a>(
    parent: &'a Element,
    name: &str,
    parent_name: &str,
) -> Result<Option<&'a Element>, ClaimsError> {
    at_most_one_in(parent, NS_ASSERTION, name, parent_name)
}

fn at_most_one_in<'a>(
    parent: &'a Element,
    ns: &str,
    name: &str,
    parent_name: &str,
) -> Result<Option<&'a Element>, ClaimsError> {
    let mut found = parent.children.iter().filter(|c| c.is(ns, name));
    let first = found.next();
    let more = found.count();
    if more > 0 {
        return Err(ClaimsError::malformed(format!(
            "`{parent_name}` has {} `{name}` elements, expected at most one",
            more + 1
        )));
    }
    Ok(first)
}
