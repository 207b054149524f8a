//! JSON → sign-ins: what `policyc eval --user` and each `--batch` line accept. No IO: the CLI
//! reads the text, this module reads the values.
//!
//! A user is `{"groups":[..],"zone":Z,"risk":R,"platform":P,"domain":D,
//! "device":{"registered":bool,"managed":bool}}`, every field optional (`null` = absent). A batch
//! line is `{"app":A,"user":{..},"claims":{"idp":I,"amr":[..],"auth_time":T}}`; `user` and
//! `claims` are optional, and no (or `null`) claims is a local sign-in. Claims are the claims
//! layer's accepted form ([`crate::claims::from_json`]). Names must resolve in the policy set:
//! an unknown group, zone, app or IdP is an error with a did-you-mean, never a guess.

use super::{Claims, SignIn, User};
use crate::Compiled;
use crate::claims::{self, IdpConfig};
use crate::graph::tables::Bits;
use crate::model::values::{PLATFORMS, RISKS};
use crate::model::{AppId, IdpId, Model};
use serde_json::{Map, Value};
use std::fmt;

/// What kind of input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputErrorKind {
    /// Not the expected JSON shape: wrong type, unknown field, missing field, unknown value.
    Malformed,
    /// A group, zone, app or IdP the policy set does not declare.
    UnknownName,
    /// The claims layer refused the claims.
    Claims,
}

/// A refused input, with a one-line message that says what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub kind: InputErrorKind,
    pub message: String,
}

impl InputError {
    fn malformed(message: impl Into<String>) -> InputError {
        InputError {
            kind: InputErrorKind::Malformed,
            message: message.into(),
        }
    }

    fn unknown(message: impl Into<String>) -> InputError {
        InputError {
            kind: InputErrorKind::UnknownName,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

const USER_FIELDS: [&str; 6] = ["groups", "zone", "risk", "platform", "domain", "device"];
const DEVICE_FIELDS: [&str; 2] = ["registered", "managed"];
const SIGN_IN_FIELDS: [&str; 3] = ["app", "user", "claims"];

/// Reads a user: `{"groups":["admins"],"zone":"corp_network","device":{"managed":true}}`.
pub fn user_from_json(model: &Model, v: &Value) -> Result<User, InputError> {
    let obj = object(v, "user", &USER_FIELDS)?;
    let mut user = User::default();
    if let Some(groups) = present(obj, "groups") {
        let Value::Array(items) = groups else {
            return Err(InputError::malformed(format!(
                "`groups` must be a list of group names, found {}",
                json_type(groups)
            )));
        };
        let mut ids = Vec::with_capacity(items.len());
        for item in items {
            let name = string(item, "each of `groups`", "a group name")?;
            ids.push(declared(&model.groups, name, "group")?);
        }
        user.groups = Bits::from_ids(ids);
    }
    if let Some(zone) = present(obj, "zone") {
        let name = string(zone, "`zone`", "a zone name")?;
        user.zone = Some(crate::model::ZoneId(declared(&model.zones, name, "zone")?));
    }
    if let Some(risk) = present(obj, "risk") {
        user.risk = Some(word(risk, "risk", RISKS)?);
    }
    if let Some(platform) = present(obj, "platform") {
        user.platform = Some(word(platform, "platform", PLATFORMS)?);
    }
    if let Some(domain) = present(obj, "domain") {
        let domain = string(
            domain,
            "`domain`",
            "an email domain such as \"acme.example\"",
        )?;
        user.domain = Some(domain.to_lowercase());
    }
    if let Some(device) = present(obj, "device") {
        let device = object(device, "device", &DEVICE_FIELDS)?;
        user.device_registered = boolean(device, "registered")?;
        user.device_managed = boolean(device, "managed")?;
        user.device_stated = true;
    }
    Ok(user)
}

/// The app of that name, or an error with a did-you-mean.
pub fn app_by_name(model: &Model, name: &str) -> Result<AppId, InputError> {
    declared(&model.apps, name, "app").map(AppId)
}

/// The group of that name, or an error with a did-you-mean. Look names up once, when loading,
/// and build each sign-in's `User::groups` from the ids.
pub fn group_by_name(model: &Model, name: &str) -> Result<crate::model::GroupId, InputError> {
    declared(&model.groups, name, "group").map(crate::model::GroupId)
}

/// The zone of that name, or an error with a did-you-mean.
pub fn zone_by_name(model: &Model, name: &str) -> Result<crate::model::ZoneId, InputError> {
    declared(&model.zones, name, "zone").map(crate::model::ZoneId)
}

/// The IdP of that name, or an error with a did-you-mean.
pub fn idp_by_name(model: &Model, name: &str) -> Result<IdpId, InputError> {
    model.idp_named(name).map(|(id, _)| id).ok_or_else(|| {
        InputError::unknown(unknown_message(
            "idp",
            name,
            model.idps.iter().map(|i| i.name.as_str()),
        ))
    })
}

/// Reads claims in the claims layer's accepted form (`{"idp":"corp","amr":["pwd","hwk"]}`).
/// `idp` names the IdP when the claims do not (`--idp`); when both do, they must agree.
pub fn claims_from_json(model: &Model, v: &Value, idp: Option<&str>) -> Result<Claims, InputError> {
    if !v.is_object() {
        return Err(InputError::malformed(format!(
            "`claims` must be an object such as {{\"idp\":\"corp\",\"amr\":[\"pwd\",\"hwk\"]}}, found {}",
            json_type(v)
        )));
    }
    let named = v.get("idp").and_then(Value::as_str);
    let Some(name) = idp.or(named) else {
        return Err(InputError::malformed(
            "claims have no `idp`: name the IdP that sent them, e.g. {\"idp\":\"corp\",\"amr\":[..]}",
        ));
    };
    let id = idp_by_name(model, name)?;
    let Some(config) = model.idp(id) else {
        return Err(InputError::unknown(format!("unknown idp `{name}`")));
    };
    let trusted =
        claims::from_json(&v.to_string(), &IdpConfig::new(name, config.kind)).map_err(|e| {
            InputError {
                kind: InputErrorKind::Claims,
                message: e.message().to_owned(),
            }
        })?;
    Ok(Claims::from_trusted(model, id, &trusted))
}

/// Reads one batch line: `{"app":"wiki","user":{..},"claims":{"idp":..,"amr":[..]}}`.
pub fn sign_in_from_json(compiled: &Compiled, v: &Value) -> Result<SignIn, InputError> {
    let model = &compiled.model;
    let obj = object(v, "sign-in", &SIGN_IN_FIELDS)?;
    let Some(app) = present(obj, "app") else {
        return Err(InputError::malformed(
            "a sign-in needs an `app`: {\"app\":\"wiki\",\"user\":{..},\"claims\":{..}}",
        ));
    };
    let app = app_by_name(model, string(app, "`app`", "an app name")?)?;
    let user = match present(obj, "user") {
        Some(user) => user_from_json(model, user)?,
        None => User::default(),
    };
    let claims = match present(obj, "claims") {
        Some(claims) => Some(claims_from_json(model, claims, None)?),
        None => None,
    };
    Ok(SignIn { app, user, claims })
}

/// The object `v`, refusing any field not in `fields`.
fn object<'v>(
    v: &'v Value,
    what: &str,
    fields: &[&str],
) -> Result<&'v Map<String, Value>, InputError> {
    let expected = || {
        fields
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Value::Object(obj) = v else {
        return Err(InputError::malformed(format!(
            "{what} must be a JSON object with fields {}, found {}",
            expected(),
            json_type(v)
        )));
    };
    if let Some(key) = obj.keys().find(|k| !fields.contains(&k.as_str())) {
        let mut message = format!("unknown field `{key}` in {what}");
        match crate::suggest::closest(key, fields.iter().copied()) {
            Some(s) => message.push_str(&format!(": did you mean `{s}`?")),
            None => message.push_str(&format!(" (expected {})", expected())),
        }
        return Err(InputError::malformed(message));
    }
    Ok(obj)
}

/// A field that is there and not `null`.
fn present<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn string<'v>(v: &'v Value, what: &str, expected: &str) -> Result<&'v str, InputError> {
    v.as_str().ok_or_else(|| {
        InputError::malformed(format!(
            "{what} must be {expected} (a string), found {}",
            json_type(v)
        ))
    })
}

fn boolean(obj: &Map<String, Value>, key: &str) -> Result<bool, InputError> {
    match present(obj, key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(InputError::malformed(format!(
            "`device.{key}` must be `true` or `false`, found {}",
            json_type(other)
        ))),
    }
}

fn word<T: Copy>(v: &Value, what: &str, table: &[(&str, T)]) -> Result<T, InputError> {
    let words = || {
        table
            .iter()
            .map(|(w, _)| format!("`{w}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(text) = v.as_str() else {
        return Err(InputError::malformed(format!(
            "`{what}` must be one of {}, found {}",
            words(),
            json_type(v)
        )));
    };
    if let Some((_, value)) = table.iter().find(|(w, _)| *w == text) {
        return Ok(*value);
    }
    let mut message = format!("unknown {what} `{text}`");
    match crate::suggest::closest(text, table.iter().map(|(w, _)| *w)) {
        Some(s) => message.push_str(&format!(": did you mean `{s}`?")),
        None => message.push_str(&format!(" (expected one of {})", words())),
    }
    Err(InputError::malformed(message))
}

/// The id of a declared group, zone or app.
fn declared(names: &[crate::model::Named], name: &str, what: &str) -> Result<u32, InputError> {
    names
        .iter()
        .position(|n| n.name == name)
        .map(|i| i as u32)
        .ok_or_else(|| {
            InputError::unknown(unknown_message(
                what,
                name,
                names.iter().map(|n| n.name.as_str()),
            ))
        })
}

fn unknown_message<'a>(
    what: &str,
    name: &str,
    known: impl Iterator<Item = &'a str> + Clone,
) -> String {
    let mut message = format!("unknown {what} `{name}`");
    if let Some(s) = crate::suggest::closest(name, known.clone()) {
        message.push_str(&format!(": did you mean `{s}`?"));
    } else {
        let known: Vec<String> = known.take(10).map(|n| format!("`{n}`")).collect();
        if known.is_empty() {
            message.push_str(&format!(" (the policies declare no {what})"));
        } else {
            message.push_str(&format!(" (the policies declare {})", known.join(", ")));
        }
    }
    message
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::model::{Platform, Risk};
    use crate::source::{SourceFile, Sources};
    use serde_json::json;

    const SET: &str = "org acme {\n  engine identity\n  features [third_party_claims_sharing]\n}\n\
        group admins\ngroup contractors\nzone corp_network\napp wiki\n\
        idp corp {\n  kind oidc\n  trust_claims true\n}\n";

    fn compiled() -> Compiled {
        let mut sources = Sources::new();
        sources.add(SourceFile::new("set.policy", SET));
        let compiled = crate::compile(sources);
        assert!(
            compiled.diagnostics.iter().all(|d| !d.is_error()),
            "{:?}",
            compiled.diagnostics
        );
        compiled
    }

    fn user(v: Value) -> Result<User, InputError> {
        user_from_json(&compiled().model, &v)
    }

    fn error(v: Value) -> String {
        user(v).expect_err("refused").message
    }

    #[test]
    fn reads_every_field() {
        let u = user(json!({
            "groups": ["admins"],
            "zone": "corp_network",
            "risk": "high",
            "platform": "macos",
            "domain": "Acme.Example",
            "device": {"registered": true, "managed": false}
        }))
        .unwrap();
        assert!(u.groups.contains(0) && !u.groups.contains(1));
        assert_eq!(u.zone, Some(crate::model::ZoneId(0)));
        assert_eq!(u.risk, Some(Risk::High));
        assert_eq!(u.platform, Some(Platform::Macos));
        assert_eq!(u.domain.as_deref(), Some("acme.example"));
        assert!(u.device_registered && !u.device_managed);
    }

    #[test]
    fn everything_is_optional_and_null_is_absent() {
        assert_eq!(user(json!({})).unwrap(), User::default());
        assert_eq!(
            user(json!({"zone": null, "groups": null, "device": null})).unwrap(),
            User::default()
        );
    }

    #[test]
    fn unknown_names_suggest_the_declared_one() {
        let e = user(json!({"groups": ["admin"]})).unwrap_err();
        assert_eq!(e.kind, InputErrorKind::UnknownName);
        assert_eq!(e.message, "unknown group `admin`: did you mean `admins`?");
        assert_eq!(
            error(json!({"zone": "corp_netwrk"})),
            "unknown zone `corp_netwrk`: did you mean `corp_network`?"
        );
        assert_eq!(
            error(json!({"groups": ["zzz"]})),
            "unknown group `zzz` (the policies declare `admins`, `contractors`)"
        );
    }

    #[test]
    fn unknown_fields_and_values_are_named() {
        assert_eq!(
            error(json!({"group": ["admins"]})),
            "unknown field `group` in user: did you mean `groups`?"
        );
        assert_eq!(
            error(json!({"colour": "red"})),
            "unknown field `colour` in user (expected `groups`, `zone`, `risk`, `platform`, `domain`, `device`)"
        );
        assert_eq!(
            error(json!({"device": {"trusted": true}})),
            "unknown field `trusted` in device (expected `registered`, `managed`)"
        );
        assert_eq!(
            error(json!({"risk": "hihg"})),
            "unknown risk `hihg`: did you mean `high`?"
        );
        assert_eq!(
            error(json!({"platform": "linux"})),
            "unknown platform `linux` (expected one of `ios`, `android`, `macos`, `windows`, `chromeos`)"
        );
    }

    #[test]
    fn wrong_types_say_what_was_expected() {
        assert_eq!(
            error(json!({"groups": "admins"})),
            "`groups` must be a list of group names, found a string"
        );
        assert_eq!(
            error(json!({"device": {"managed": "yes"}})),
            "`device.managed` must be `true` or `false`, found a string"
        );
        assert_eq!(
            error(json!([1])),
            "user must be a JSON object with fields `groups`, `zone`, `risk`, `platform`, `domain`, `device`, found a list"
        );
    }

    #[test]
    fn reads_a_batch_line() {
        let c = compiled();
        let s = sign_in_from_json(
            &c,
            &json!({"app": "wiki", "user": {"groups": ["admins"]}, "claims": {"idp": "corp", "amr": ["pwd", "hwk", "xyz"]}}),
        )
        .unwrap();
        assert_eq!(s.app, AppId(0));
        let claims = s.claims.unwrap();
        assert_eq!(claims.idp, IdpId(0));
        assert_eq!(claims.accepted, ["pwd", "hwk"]);
        assert_eq!(claims.ignored.len(), 1);
        let local = sign_in_from_json(&c, &json!({"app": "wiki", "claims": null})).unwrap();
        assert_eq!(local.claims, None);
        assert_eq!(local.user, User::default());
    }

    #[test]
    fn batch_line_errors() {
        let c = compiled();
        let e = |v: Value| sign_in_from_json(&c, &v).unwrap_err();
        assert_eq!(
            e(json!({"app": "wki"})).message,
            "unknown app `wki`: did you mean `wiki`?"
        );
        assert_eq!(
            e(json!({"user": {}})).message,
            "a sign-in needs an `app`: {\"app\":\"wiki\",\"user\":{..},\"claims\":{..}}"
        );
        assert_eq!(
            e(json!({"app": "wiki", "claims": {"idp": "crop", "amr": []}})).message,
            "unknown idp `crop`: did you mean `corp`?"
        );
        let refused = e(json!({"app": "wiki", "claims": {"idp": "corp"}}));
        assert_eq!(refused.kind, InputErrorKind::Claims);
        assert_eq!(refused.message, "claims have no `amr`");
        assert_eq!(
            e(json!({"app": "wiki", "claims": {"amr": ["pwd"]}})).message,
            "claims have no `idp`: name the IdP that sent them, e.g. {\"idp\":\"corp\",\"amr\":[..]}"
        );
    }

    #[test]
    fn claims_take_the_idp_from_the_caller() {
        let c = compiled();
        let claims = claims_from_json(&c.model, &json!({"amr": ["pwd"]}), Some("corp")).unwrap();
        assert_eq!(claims.accepted, ["pwd"]);
    }
}
