//! Management API JSON → `.policy` text (docs/okta-api.md has the field mapping).
//!
//! Every field is either mapped, ignored on purpose (metadata such as `created`, `_links`, or a
//! secret, which is never written) or reported as `import-unsupported` with the file and the
//! JSON pointer of the field, and written as a comment. A rule whose meaning cannot be kept is
//! written `status inactive`, never as something more permissive.

use super::names::Namer;
use super::{MAX_DEPTH, MAX_FILE_BYTES, OrgFiles, depth, endpoint_files, pointer_segment};
use crate::diagnostic::{Code, Severity};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What the API does not say, from the admin.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The org's claims-sharing feature flags (`--features`), written in `org { features [..] }`.
    pub features: Vec<String>,
    /// What each IdP can assert, by policyc name or Okta id (`--asserts FILE`).
    pub asserts: BTreeMap<String, Vec<String>>,
    /// IdPs (by policyc name) to write `status inactive` whatever the org says: the
    /// deactivations the files plan, for `check --org`.
    pub deactivate: Vec<String>,
    /// The kind of each SAML IdP the admin has settled, by Okta id or policyc name
    /// ([`saml_kinds_settled`]): the API cannot tell them apart, so a re-import keeps it
    /// rather than infer and report it again, as long as the issuer is the one it was settled
    /// for.
    pub saml_kinds: BTreeMap<String, SettledKind>,
}

impl ImportOptions {
    /// What a policy set says that the API does not: its org's features, what its IdPs assert
    /// ([`asserts_written`]) and its settled SAML IdP kinds ([`saml_kinds_settled`]).
    pub fn from_files(compiled: &crate::Compiled) -> ImportOptions {
        let features = compiled.model.org.as_ref().map_or_else(Vec::new, |o| {
            crate::model::values::FEATURES
                .iter()
                .filter(|(_, f)| o.features.has(*f))
                .map(|(w, _)| (*w).to_owned())
                .collect()
        });
        ImportOptions {
            features,
            asserts: asserts_written(compiled),
            saml_kinds: saml_kinds_settled(compiled),
            deactivate: Vec::new(),
        }
    }
}

/// A SAML IdP's kind as the admin settled it, and for which issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledKind {
    /// `saml` or `okta_saml`.
    pub kind: &'static str,
    pub issuer: Option<String>,
}

/// One thing import could not map, or must tell the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub code: Code,
    pub severity: Severity,
    /// The object, as `file#/pointer` of the object and its display name.
    pub object: String,
    /// `file#/json/pointer` of the field.
    pub pointer: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The policy set: file name → formatted text.
    pub files: BTreeMap<String, String>,
    pub issues: Vec<Issue>,
}

/// Why import could not run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    Json { file: String, reason: String },
    Shape { file: String, reason: String },
    Format(String),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Json { file, reason } => write!(f, "{file}: not JSON: {reason}"),
            ImportError::Shape { file, reason } => write!(f, "{file}: {reason}"),
            ImportError::Format(e) => write!(f, "the imported text does not format (a bug): {e}"),
        }
    }
}

impl std::error::Error for ImportError {}

/// Fields that are metadata, never policy: read by nobody, reported by nobody.
const METADATA: &[&str] = &[
    "id",
    "created",
    "lastUpdated",
    "_links",
    "_embedded",
    "system",
];

/// Imports an org folder into one `org.policy` file.
pub fn import(files: &OrgFiles, options: &ImportOptions) -> Result<Imported, ImportError> {
    let mut cx = Importer {
        issues: Vec::new(),
        group_names: BTreeMap::new(),
        zone_names: BTreeMap::new(),
        app_names: BTreeMap::new(),
        idp_names: BTreeMap::new(),
        app_policy: BTreeMap::new(),
        enrollment: BTreeMap::new(),
        everyone: Vec::new(),
        owned: BTreeSet::new(),
    };
    let mut out =
        String::from("# Imported from the Okta Management API by `policyc import okta`.\n");
    let features = if options.features.is_empty() {
        String::new()
    } else {
        format!(" features [{}]", options.features.join(", "))
    };
    let _ = writeln!(out, "org imported {{ engine identity{features} }}\n");
    let mut items = Items::default();
    for (file, obj) in list(files, "groups")? {
        cx.group(&file, &obj, &mut items);
    }
    for (file, obj) in list(files, "zones")? {
        cx.zone(&file, &obj, &mut items);
    }
    for (file, obj) in list(files, "apps")? {
        cx.app(&file, &obj, &mut items);
    }
    cx.enrollment_policies(files, &mut items)?;
    for (file, obj) in list(files, "authenticators")? {
        let id = str_of(&obj, "id");
        if let Some(id) = id {
            cx.owned.insert(format!("methods/{id}"));
        }
        let id = id.unwrap_or_default();
        let methods = if id.is_empty() {
            Vec::new()
        } else {
            list(files, &format!("methods/{id}"))?
        };
        cx.authenticator(&file, &obj, &methods, &mut items);
    }
    for (file, obj) in list(files, "idps")? {
        cx.idp(&file, &obj, options, &mut items);
    }
    let mut policy_namer = Namer::default();
    for kind in ["OKTA_SIGN_ON", "ACCESS_POLICY", "IDP_DISCOVERY"] {
        let mut policies = list(files, &format!("policies-{kind}"))?;
        policies.sort_by_key(|(_, p)| p.get("priority").and_then(Value::as_u64).unwrap_or(0));
        for (file, policy) in policies {
            if let Some(id) = str_of(&policy, "id") {
                cx.owned.insert(format!("rules/{id}"));
            }
            let id = str_of(&policy, "id").unwrap_or_default().to_owned();
            let rules_file = format!("rules/{id}");
            let mut rules = list(files, &rules_file)?;
            rules.sort_by_key(|(_, r)| r.get("priority").and_then(Value::as_u64).unwrap_or(0));
            cx.policy(kind, &file, &policy, &rules, &mut policy_namer, &mut items);
        }
    }
    for part in [
        &items.declarations,
        &items.authenticators,
        &items.idps,
        &items.routes,
        &items.policies,
    ] {
        if !part.is_empty() {
            out.push_str(part);
            out.push('\n');
        }
    }
    out.push_str(&unread_files(files, &mut cx));
    let text = crate::fmt::format(&out).map_err(|e| ImportError::Format(e.to_string()))?;
    let mut issues = cx.issues;
    name_dependent_rules(&text, &mut issues);
    let mut imported = Imported {
        files: BTreeMap::new(),
        issues,
    };
    imported.files.insert("org.policy".to_owned(), text);
    Ok(imported)
}

/// The endpoints import reads (docs/okta-api.md, "The folder").
const ENDPOINTS: &[&str] = &[
    "idps",
    "authenticators",
    "groups",
    "zones",
    "apps",
    "policies-ACCESS_POLICY",
    "policies-OKTA_SIGN_ON",
    "policies-IDP_DISCOVERY",
    "policies-MFA_ENROLL",
];

/// Reports the files of the folder import did not read (another endpoint, rules of a policy or
/// methods of an authenticator it does not list), so that nothing is dropped silently.
fn unread_files(files: &OrgFiles, cx: &mut Importer) -> String {
    let mut comments = String::new();
    for path in files.keys() {
        let stem = path.strip_suffix(".json").unwrap_or(path);
        // `NAME.page-N` is a later page of NAME.
        let name = match stem.rsplit_once(".page-") {
            Some((name, n)) if n.parse::<u32>().is_ok() => name,
            _ => stem,
        };
        if !ENDPOINTS.contains(&name) && !cx.owned.contains(name) {
            comments += &cx.unsupported(
                "org folder",
                path.clone(),
                "this file is not read: not an endpoint import reads, or the rules or methods of \
                 an object no list holds"
                    .into(),
            );
        }
    }
    comments
}

#[derive(Default)]
struct Items {
    declarations: String,
    authenticators: String,
    idps: String,
    routes: String,
    policies: String,
}

struct Importer {
    issues: Vec<Issue>,
    /// Okta id → policyc name.
    group_names: BTreeMap<String, String>,
    zone_names: BTreeMap<String, String>,
    app_names: BTreeMap<String, String>,
    idp_names: BTreeMap<String, String>,
    /// Access policy id → the apps it is assigned to (from each app's `_links.accessPolicy`).
    app_policy: BTreeMap<String, Vec<String>>,
    /// Authenticator `key` (or `id`, for the custom kinds) → `enroll.self` in the default
    /// authenticator enrollment policy.
    enrollment: BTreeMap<String, String>,
    /// The ids of the built-in Everyone group: a condition on it says nothing.
    everyone: Vec<String>,
    /// `rules/<id>` and `methods/<id>` for each policy and authenticator the lists hold: the
    /// files of those names are read (or reported by the policy they belong to).
    owned: BTreeSet<String>,
}

/// Reads one endpoint's list across its pages: `(file#/index, object)`.
fn list(files: &OrgFiles, name: &str) -> Result<Vec<(String, Value)>, ImportError> {
    let mut out = Vec::new();
    for (file, text) in endpoint_files(files, name) {
        if text.len() > MAX_FILE_BYTES {
            return Err(ImportError::Shape {
                file: file.to_owned(),
                reason: format!("larger than {MAX_FILE_BYTES} bytes"),
            });
        }
        let value: Value = serde_json::from_str(text).map_err(|e| ImportError::Json {
            file: file.to_owned(),
            reason: e.to_string(),
        })?;
        if depth(&value) > MAX_DEPTH {
            return Err(ImportError::Shape {
                file: file.to_owned(),
                reason: format!("nested deeper than {MAX_DEPTH} levels"),
            });
        }
        let Value::Array(items) = value else {
            return Err(ImportError::Shape {
                file: file.to_owned(),
                reason: "expected a JSON array, as the list endpoint returns".to_owned(),
            });
        };
        for (i, item) in items.into_iter().enumerate() {
            if !item.is_object() {
                return Err(ImportError::Shape {
                    file: file.to_owned(),
                    reason: format!("item {i} is not an object"),
                });
            }
            out.push((format!("{file}#/{i}"), item));
        }
    }
    Ok(out)
}

/// The keys of a policy that import reads itself (an enrollment policy's reader adds its
/// `settings`).
const POLICY_KEYS: &[&str] = &[
    "type",
    "name",
    "status",
    "priority",
    "description",
    "conditions",
];

/// The keys of a policy rule (sign-on, app sign-on or routing) that import reads itself.
const RULE_KEYS: &[&str] = &[
    "type",
    "name",
    "status",
    "priority",
    "conditions",
    "actions",
];

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// A constraint object that says something. `{"possession": {}}` does: under Okta's schema
/// defaults it requires a possession factor with user presence.
fn constraint_says_something(c: &Value) -> bool {
    !is_empty(c)
        || ["knowledge", "possession"]
            .iter()
            .any(|s| c.get(*s).is_some_and(Value::is_object))
}

/// A value that says nothing: absent, null, empty, `false`-like defaults are decided by callers.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_empty),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// A comment line, never breaking out of the comment, nor seeming to (a line separator or a
/// bidirectional override from the org is written as an escape: `super::deceptive`).
fn comment(text: &str) -> String {
    let line: String = text
        .chars()
        .take(200)
        .map(|c| {
            if c.is_control() {
                " ".to_owned()
            } else if super::deceptive(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    format!("# {line}\n")
}

/// A string literal.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// How the comment import writes in place of what it could not import begins (after `# `).
const NOT_IMPORTED: &str = "not imported: ";

impl Importer {
    fn unsupported(&mut self, object: &str, pointer: String, message: String) -> String {
        let c = comment(&format!("{NOT_IMPORTED}{message} ({pointer})"));
        self.issues.push(Issue {
            code: Code::ImportUnsupported,
            severity: Code::ImportUnsupported.default_severity(),
            object: object.to_owned(),
            pointer,
            message,
        });
        c
    }

    /// Reports every field of `obj` not in `known` (nor metadata) that says something.
    fn leftovers(&mut self, object: &str, at: &str, obj: &Value, known: &[&str]) -> String {
        let mut out = String::new();
        if let Value::Object(map) = obj {
            for (k, v) in map {
                if known.contains(&k.as_str()) || METADATA.contains(&k.as_str()) || is_empty(v) {
                    continue;
                }
                let pointer = format!("{at}/{}", pointer_segment(k));
                out += &self.unsupported(object, pointer, format!("`{k}` is not modelled"));
            }
        }
        out
    }

    fn group(&mut self, file: &str, obj: &Value, items: &mut Items) {
        let id = str_of(obj, "id").unwrap_or_default();
        let tag = okta_tag(id);
        let display = obj
            .pointer("/profile/name")
            .and_then(Value::as_str)
            .unwrap_or(id);
        if str_of(obj, "type") == Some("BUILT_IN") && display == "Everyone" {
            self.everyone.push(id.to_owned());
        }
        let name = Namer::name_in(&mut self.group_names, &key(id, display), display, "group");
        let _ = writeln!(items.declarations, "group {name}{tag}");
        let _ = file;
    }

    fn zone(&mut self, _file: &str, obj: &Value, items: &mut Items) {
        let id = str_of(obj, "id").unwrap_or_default();
        let tag = okta_tag(id);
        let display = str_of(obj, "name").unwrap_or(id);
        let name = Namer::name_in(&mut self.zone_names, &key(id, display), display, "zone");
        let _ = writeln!(items.declarations, "zone {name}{tag}");
    }

    fn app(&mut self, _file: &str, obj: &Value, items: &mut Items) {
        let id = str_of(obj, "id").unwrap_or_default();
        let tag = okta_tag(id);
        let display = str_of(obj, "label").or(str_of(obj, "name")).unwrap_or(id);
        let name = Namer::name_in(&mut self.app_names, &key(id, display), display, "app");
        if let Some(policy) = obj
            .pointer("/_links/accessPolicy/href")
            .and_then(Value::as_str)
            .and_then(|h| h.rsplit('/').next())
        {
            self.app_policy
                .entry(policy.to_owned())
                .or_default()
                .push(name.clone());
        }
        let _ = writeln!(items.declarations, "app {name}{tag}");
    }

    /// The authenticator enrollment policies (`MFA_ENROLL`): the default one (`system`, or
    /// else the one tried last) decides each authenticator's `enrollment`; a policy for some
    /// groups only, and rules that never prompt, are reported (policyc keeps one enrollment
    /// setting per authenticator).
    fn enrollment_policies(
        &mut self,
        files: &OrgFiles,
        items: &mut Items,
    ) -> Result<(), ImportError> {
        let mut policies = list(files, "policies-MFA_ENROLL")?;
        for (_, p) in &policies {
            if let Some(id) = str_of(p, "id") {
                self.owned.insert(format!("rules/{id}"));
            }
        }
        policies.sort_by_key(|(_, p)| p.get("priority").and_then(Value::as_u64).unwrap_or(0));
        let default = policies
            .iter()
            .position(|(_, p)| p.get("system").and_then(Value::as_bool) == Some(true))
            .or(policies.len().checked_sub(1));
        for (i, (file, policy)) in policies.iter().enumerate() {
            let id = str_of(policy, "id").unwrap_or_default();
            let object = format!(
                "enrollment policy {} ({id})",
                str_of(policy, "name").unwrap_or_default()
            );
            if Some(i) != default {
                let c = self.unsupported(
                    &object,
                    file.clone(),
                    "an authenticator enrollment policy other than the default is not modelled: \
                     policyc keeps the default policy's enrollment per authenticator"
                        .into(),
                );
                items.authenticators.push_str(&c);
                continue;
            }
            for (j, a) in policy
                .pointer("/settings/authenticators")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = format!("{file}/settings/authenticators/{j}");
                let key = str_of(a, "id").or(str_of(a, "key")).unwrap_or_default();
                if let Some(e) = a.pointer("/enroll/self").and_then(Value::as_str) {
                    self.enrollment.insert(key.to_owned(), e.to_owned());
                }
                let mut notes = self.leftovers(&object, &at, a, &["key", "id", "enroll"]);
                if let Some(enroll) = a.get("enroll") {
                    notes += &self.leftovers(&object, &format!("{at}/enroll"), enroll, &["self"]);
                }
                items.authenticators.push_str(&notes);
            }
            let mut notes = String::new();
            if let Some(settings) = policy.get("settings") {
                notes += &self.leftovers(
                    &object,
                    &format!("{file}/settings"),
                    settings,
                    &["type", "authenticators"],
                );
            }
            // The default policy applies to everyone: its group condition says nothing.
            notes += &self.leftovers(
                &object,
                file,
                policy,
                &[POLICY_KEYS, &["settings"]].concat(),
            );
            let rules = list(files, &format!("rules/{id}"))?;
            for (rfile, rule) in &rules {
                let rule_object = format!(
                    "enrollment rule {} ({})",
                    str_of(rule, "name").unwrap_or_default(),
                    str_of(rule, "id").unwrap_or_default()
                );
                match rule.pointer("/actions/enroll/self").and_then(Value::as_str) {
                    Some("CHALLENGE" | "LOGIN") | None => {}
                    Some(other) => {
                        notes += &self.unsupported(
                            &rule_object,
                            format!("{rfile}/actions/enroll/self"),
                            format!("enrollment `{other}` (never prompting) is not modelled"),
                        );
                    }
                }
                let conditions = rule.get("conditions").unwrap_or(&Value::Null);
                let anywhere = |k: &str, v: &Value| {
                    k == "network" && str_of(v, "connection").is_none_or(|c| c == "ANYWHERE")
                };
                if let Value::Object(map) = &conditions {
                    for (k, v) in map {
                        if !is_empty(v) && !anywhere(k, v) {
                            notes += &self.unsupported(
                                &rule_object,
                                format!("{rfile}/conditions/{}", pointer_segment(k)),
                                format!("enrollment rule condition `{k}` is not modelled"),
                            );
                        }
                    }
                }
            }
            items.authenticators.push_str(&notes);
        }
        Ok(())
    }

    fn authenticator(
        &mut self,
        file: &str,
        obj: &Value,
        methods: &[(String, Value)],
        items: &mut Items,
    ) {
        let id = str_of(obj, "id").unwrap_or_default();
        let tag = okta_tag(id);
        let key = str_of(obj, "key").unwrap_or_default();
        let object = format!("authenticator {id}");
        let Some(kind) = authenticator_kind(key) else {
            let c = self.unsupported(
                &object,
                format!("{file}/key"),
                format!("authenticator key `{key}` has no policyc kind"),
            );
            items.authenticators.push_str(&c);
            return;
        };
        let mut body = String::new();
        let mut comments = String::new();
        let inactive = str_of(obj, "status") == Some("INACTIVE");
        // The methods endpoint: which of the kind's methods are on. Without it (`pull` leaves
        // the file out when the org answers 404) every method is taken as on, which may be more
        // than the org allows: said, for the kinds with more than one method.
        if methods.is_empty() && method_types(kind).len() > 1 && !inactive {
            comments += &self.unsupported(
                &object,
                format!("methods/{id}.json"),
                format!("no methods for `{kind}` (the methods endpoint answered 404, or the file is missing): all are imported as on, maybe more than the org allows"),
            );
        }
        if !methods.is_empty() {
            let all = method_types(kind);
            let mut on = Vec::new();
            for (mfile, m) in methods {
                let ty = str_of(m, "type").unwrap_or_default();
                let Some((_, name)) = all.iter().find(|(t, _)| *t == ty) else {
                    comments += &self.unsupported(
                        &object,
                        format!("{mfile}/type"),
                        format!("method `{ty}` of `{kind}` is not in policyc's catalogue"),
                    );
                    continue;
                };
                if str_of(m, "status") != Some("INACTIVE") && !on.contains(name) {
                    on.push(*name);
                }
                // Method settings (key protection, user verification, algorithms, ...) refine
                // what the method proves; policyc takes the catalogue's characteristics.
                comments += &self.leftovers(&object, mfile, m, &["type", "status"]);
            }
            let every = all.iter().all(|(_, n)| on.contains(n));
            if !every {
                let listed: Vec<&str> = all
                    .iter()
                    .map(|(_, n)| *n)
                    .filter(|n| on.contains(n))
                    .collect();
                let _ = writeln!(body, "methods [{}]", listed.join(", "));
            }
        }
        if inactive {
            body.push_str("status inactive\n");
        }
        // Enrollment: the default enrollment policy's `enroll.self` for this authenticator.
        let enroll = self
            .enrollment
            .get(id)
            .or_else(|| self.enrollment.get(key))
            .map(String::as_str);
        if enroll == Some("NOT_ALLOWED") {
            body.push_str("enrollment disabled\n");
        }
        let allowed = obj.pointer("/settings/allowedFor").and_then(Value::as_str);
        if kind == "security_question" {
            match allowed {
                Some("recovery") => body.push_str("used_for recovery\n"),
                Some("any" | "sso") => body.push_str("used_for mfa\n"),
                Some(other) if !inactive => {
                    comments += &self.unsupported(
                        &object,
                        format!("{file}/settings/allowedFor"),
                        format!("`allowedFor` `{other}` is not modelled"),
                    );
                }
                _ => {}
            }
        } else if let Some(other @ ("recovery" | "none")) = allowed
            && !inactive
        {
            // An authenticator for recovery only cannot sign anyone in: policyc would count it,
            // so it is written inactive (never more permissive than the org).
            comments += &self.unsupported(
                &object,
                format!("{file}/settings/allowedFor"),
                format!("`allowedFor` `{other}` (not for sign-in) is not modelled"),
            );
            body.push_str("status inactive  # imported disabled: not for sign-in in the org\n");
        }
        let settings = obj.get("settings").unwrap_or(&Value::Null);
        comments += &self.leftovers(
            &object,
            &format!("{file}/settings"),
            settings,
            &["allowedFor"],
        );
        comments += &self.leftovers(
            &object,
            file,
            obj,
            &["key", "type", "name", "status", "settings"],
        );
        let _ = write!(
            items.authenticators,
            "{comments}authenticator {kind} {{{tag}\n{body}}}\n"
        );
    }

    fn idp(&mut self, file: &str, obj: &Value, options: &ImportOptions, items: &mut Items) {
        let id = str_of(obj, "id").unwrap_or_default().to_owned();
        let tag = okta_tag(&id);
        let display = str_of(obj, "name").unwrap_or(&id).to_owned();
        let object = format!("idp {display} ({id})");
        let ty = str_of(obj, "type").unwrap_or_default();
        let saml_issuer = obj
            .pointer("/protocol/credentials/trust/issuer")
            .and_then(Value::as_str);
        let kind = match ty {
            "OKTA_INTEGRATION" => "okta_oidc",
            "OIDC" => "oidc",
            // The API has no type for an Okta org over SAML; its issuer says so.
            "SAML2" if saml_issuer.is_some_and(is_okta_saml_issuer) => "okta_saml",
            "SAML2" => "saml",
            other => {
                let c = self.unsupported(
                    &object,
                    format!("{file}/type"),
                    format!(
                        "IdP type `{other}` is a social or smart-card IdP policyc does not model"
                    ),
                );
                items.idps.push_str(&c);
                return;
            }
        };
        let id_key = key(&id, &display);
        if self.idp_names.contains_key(&id_key) {
            let c = self.unsupported(
                &object,
                format!("{file}/id"),
                "an IdP with this id was already read: this copy is left out".to_owned(),
            );
            items.idps.push_str(&c);
            return;
        }
        let name = Namer::name_in(&mut self.idp_names, &id_key, &display, "idp");
        // A SAML IdP's kind the admin settled wins over the guess from the issuer.
        let settled = by_id_or_name(&options.saml_kinds, &id, &name)
            .filter(|s| ty == "SAML2" && s.issuer.as_deref() == saml_issuer)
            .map(|s| s.kind);
        let kind = settled.unwrap_or(kind);
        let mut body = format!("kind {kind}\n");
        let (issuer, audience) = if kind == "saml" || kind == "okta_saml" {
            (
                saml_issuer,
                obj.pointer("/protocol/credentials/trust/audience"),
            )
        } else {
            (
                obj.pointer("/protocol/issuer/url").and_then(Value::as_str),
                obj.pointer("/protocol/credentials/client/client_id"),
            )
        };
        if let Some(v) = issuer {
            let _ = writeln!(body, "issuer {}", quoted(v));
        }
        if let Some(v) = audience.and_then(Value::as_str) {
            let _ = writeln!(body, "audience {}", quoted(v));
        }
        let trust = obj.pointer("/policy/trustClaims").and_then(Value::as_bool) == Some(true);
        if trust {
            body.push_str("trust_claims true\n");
        }
        if obj.pointer("/policy/mapAMRClaims").and_then(Value::as_bool) == Some(true) {
            body.push_str("map_amr_claims true\n");
        }
        if let Some(ms) = obj.pointer("/policy/maxClockSkew").and_then(Value::as_u64)
            && ms > 0
        {
            // Okta counts milliseconds; policyc durations are whole seconds.
            let _ = writeln!(body, "max_clock_skew {}", duration_text(ms.div_ceil(1000)));
        }
        if str_of(obj, "status") == Some("INACTIVE") {
            body.push_str("status inactive\n");
        } else if options.deactivate.contains(&name) {
            body.push_str("status inactive  # planned in the policy files\n");
        }
        match by_id_or_name(&options.asserts, &id, &name) {
            Some(values) => {
                let _ = writeln!(body, "asserts [{}]", values.join(", "));
            }
            None if trust => {
                body.push_str(
                    "# asserts: unknown (not in the API); fill it in, or import with --asserts FILE\nasserts []\n",
                );
                self.issues.push(Issue {
                    code: Code::ImportUnsupported,
                    severity: Severity::Warning,
                    object: object.clone(),
                    pointer: format!("{file}/policy/trustClaims"),
                    message: format!(
                        "IdP `{name}` trusts claims, but what it can assert is not in the API: \
                         `asserts []` is a placeholder, and every rule its claims could satisfy \
                         is judged as if it asserted nothing until you fill it in"
                    ),
                });
            }
            None => {}
        }
        if obj
            .pointer("/protocol/credentials/client/client_secret")
            .is_some()
        {
            body.push_str("# client_secret: not written (a secret)\n");
        }
        let policy = obj.get("policy").unwrap_or(&Value::Null);
        let mut comments = self.leftovers(
            &object,
            &format!("{file}/policy"),
            policy,
            // Provisioning, account linking and subject matching decide who the user is, not how
            // they authenticated: outside policyc's model by design, not reported.
            &[
                "trustClaims",
                "mapAMRClaims",
                "maxClockSkew",
                "provisioning",
                "accountLink",
                "subject",
            ],
        );
        comments += &self.leftovers(
            &object,
            file,
            obj,
            &["type", "name", "status", "protocol", "policy"],
        );
        if kind == "okta_saml" && settled.is_none() {
            // A guess from the issuer: Okta-to-Okta semantics accept claims a third-party SAML
            // IdP's do not, so the admin confirms it (by deleting the note, or writing `saml`).
            comments += &self.unsupported(
                &object,
                format!("{file}/protocol/credentials/trust/issuer"),
                format!("{KIND_INFERRED} (the API has no such type): delete this note to confirm, else write `kind saml`"),
            );
        }
        let _ = write!(items.idps, "{comments}idp {name} {{{tag}\n{body}}}\n");
    }

    fn policy(
        &mut self,
        kind: &str,
        file: &str,
        policy: &Value,
        rules: &[(String, Value)],
        namer: &mut Namer,
        items: &mut Items,
    ) {
        let id = str_of(policy, "id").unwrap_or_default().to_owned();
        let tag = okta_tag(&id);
        let display = str_of(policy, "name").unwrap_or(&id).to_owned();
        let object = format!("policy {display} ({id})");
        let mut comments = self.leftovers(&object, file, policy, POLICY_KEYS);
        // Who the policy is for: its conditions hold for each of its rules, so they are written
        // on each (the built-in Everyone group says nothing: `conditions`).
        let conditions = policy.get("conditions").unwrap_or(&Value::Null);
        let (policy_conds, notes, mut off) =
            self.conditions(&object, file, conditions, kind == "IDP_DISCOVERY");
        comments += &notes;
        if str_of(policy, "status") == Some("INACTIVE") {
            comments += &self.unsupported(
                &object,
                format!("{file}/status"),
                "an inactive policy is not modelled: its rules are written `status inactive`, its routes left out".into(),
            );
            off = true;
        }
        match kind {
            "IDP_DISCOVERY" => {
                items.routes.push_str(&comments);
                for (rfile, rule) in rules {
                    if off || !policy_conds.is_empty() {
                        let c = self.unsupported(
                            &format!("routing rule {}", str_of(rule, "name").unwrap_or_default()),
                            rfile.clone(),
                            "routing rule not imported: its policy is inactive or has conditions"
                                .into(),
                        );
                        items.routes.push_str(&c);
                        continue;
                    }
                    let route = self.route(rfile, rule);
                    items.routes.push_str(&route);
                }
            }
            "OKTA_SIGN_ON" => {
                let name = namer.name(&display, "session");
                let priority = policy.get("priority").and_then(Value::as_u64).unwrap_or(1);
                let mut body = format!("priority {priority}\n");
                let mut rule_namer = Namer::default();
                for (rfile, rule) in rules {
                    body += &self.rule(true, rfile, rule, &policy_conds, off, &mut rule_namer);
                }
                let _ = write!(
                    items.policies,
                    "{comments}session_policy {name} {{{tag}\n{body}}}\n"
                );
            }
            _ => {
                let name = namer.name(&display, "policy");
                let apps = self.app_policy.get(&id).cloned().unwrap_or_default();
                let mut body = String::new();
                if !apps.is_empty() {
                    let _ = writeln!(body, "apps [{}]", apps.join(", "));
                }
                let mut rule_namer = Namer::default();
                for (rfile, rule) in rules {
                    body += &self.rule(false, rfile, rule, &policy_conds, off, &mut rule_namer);
                }
                let _ = write!(
                    items.policies,
                    "{comments}policy {name} {{{tag}\n{body}}}\n"
                );
            }
        }
    }

    /// The `when` conditions of a rule or route; `Err` with the comments when one cannot be kept.
    fn conditions(
        &mut self,
        object: &str,
        file: &str,
        conditions: &Value,
        route: bool,
    ) -> (Vec<String>, String, bool) {
        let mut out = Vec::new();
        let mut notes = String::new();
        let mut lost = false;
        let Value::Object(map) = conditions else {
            return (out, notes, lost);
        };
        let at = format!("{file}/conditions");
        // A fixed order, so that the output does not depend on the JSON's key order.
        const ORDER: &[&str] = &[
            "people",
            "network",
            "riskScore",
            "risk",
            "platform",
            "device",
            "userIdentifier",
            "app",
        ];
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort_by_key(|k| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
        for k in keys {
            let Some(v) = map.get(k) else { continue };
            if is_empty(v) {
                continue;
            }
            let p = format!("{at}/{}", pointer_segment(k));
            match k.as_str() {
                // "Any identity provider" and "any authentication type" say nothing.
                "identityProvider" if str_of(v, "provider") == Some("ANY") => {}
                "authContext" if str_of(v, "authType") == Some("ANY") => {}
                "people" => {
                    if let Some(g) = v.get("groups") {
                        // Okta's built-in Everyone group holds every user; policyc's `group in`
                        // holds only the groups a request names. Everyone among the included
                        // groups includes everyone: the include says nothing (dropping only
                        // Everyone would narrow it, and a narrowed deny rule denies fewer).
                        // Everyone excluded leaves no one: Okta never applies it.
                        let everyone = |key: &str| {
                            g.get(key)
                                .and_then(Value::as_array)
                                .into_iter()
                                .flatten()
                                .filter_map(|m| m.as_str().or_else(|| str_of(m, "id")))
                                .any(|id| self.everyone.iter().any(|e| e == id))
                        };
                        let mut g = g.clone();
                        if everyone("include")
                            && let Value::Object(m) = &mut g
                        {
                            m.remove("include");
                        }
                        if everyone("exclude") {
                            notes += &self.unsupported(
                                object,
                                format!("{p}/groups/exclude"),
                                "the Everyone group excluded: this applies to no one in Okta; \
                                 imported disabled"
                                    .into(),
                            );
                            lost = true;
                        }
                        self.members(&mut out, "group", &g, &self.group_names.clone());
                    }
                    if v.get("users").is_some_and(|u| !is_empty(u)) {
                        notes += &self.unsupported(
                            object,
                            format!("{p}/users"),
                            "user conditions are not modelled".into(),
                        );
                        lost = true;
                    }
                }
                "network" => match str_of(v, "connection") {
                    Some("ANYWHERE") | None => {}
                    Some("ZONE") => {
                        self.members(&mut out, "zone", v, &self.zone_names.clone());
                    }
                    Some(other) => {
                        notes += &self.unsupported(
                            object,
                            format!("{p}/connection"),
                            format!("network connection `{other}` is not modelled"),
                        );
                        lost = true;
                    }
                },
                "riskScore" | "risk" if !route => match str_of(v, "level") {
                    Some("ANY") | None => {}
                    Some(level) => out.push(format!("risk in [{}]", level.to_ascii_lowercase())),
                },
                "platform" => {
                    let mut names = Vec::new();
                    for p in v
                        .get("include")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(os) = p.pointer("/os/type").and_then(Value::as_str) {
                            names.push(os.to_ascii_lowercase());
                        }
                    }
                    let excluded = v.get("exclude").is_some_and(|e| !is_empty(e));
                    if route || excluded {
                        notes += &self.unsupported(
                            object,
                            p,
                            "platform conditions here are not modelled".into(),
                        );
                        lost = true;
                    } else if !names.is_empty() {
                        out.push(format!("platform in [{}]", names.join(", ")));
                    }
                }
                "device" if !route => {
                    let registered = v.get("registered").and_then(Value::as_bool) == Some(true);
                    let managed = v.get("managed").and_then(Value::as_bool) == Some(true);
                    if managed {
                        out.push("device managed".into());
                    } else if registered {
                        out.push("device registered".into());
                    }
                    if v.get("assurance").is_some_and(|a| !is_empty(a)) {
                        notes += &self.unsupported(
                            object,
                            format!("{p}/assurance"),
                            "device assurance is not modelled".into(),
                        );
                        lost = true;
                    }
                }
                "userIdentifier" if route => {
                    let mut domains = Vec::new();
                    for pat in v
                        .get("patterns")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        match (str_of(pat, "matchType"), str_of(pat, "value")) {
                            (Some("SUFFIX"), Some(d)) => {
                                domains.push(quoted(d.trim_start_matches('@')))
                            }
                            _ => {
                                notes += &self.unsupported(
                                    object,
                                    format!("{p}/patterns"),
                                    "only SUFFIX user identifier patterns are modelled".into(),
                                );
                                lost = true;
                            }
                        }
                    }
                    if !domains.is_empty() {
                        out.push(format!("domain in [{}]", domains.join(", ")));
                    }
                }
                "app" if route => {
                    let by_type = ["include", "exclude"].iter().any(|k| {
                        v.get(*k).and_then(Value::as_array).is_some_and(|a| {
                            a.iter().any(|x| str_of(x, "type") == Some("APP_TYPE"))
                        })
                    });
                    if by_type {
                        notes += &self.unsupported(
                            object,
                            p,
                            "app conditions by app type are not modelled".into(),
                        );
                        lost = true;
                    } else {
                        self.members(&mut out, "app", v, &self.app_names.clone());
                    }
                }
                _ => {
                    notes +=
                        &self.unsupported(object, p, format!("condition `{k}` is not modelled"));
                    lost = true;
                }
            }
        }
        (out, notes, lost)
    }

    /// `include`/`exclude` id lists → `SUBJECT in [..]` / `SUBJECT not in [..]`.
    fn members(
        &mut self,
        out: &mut Vec<String>,
        subject: &str,
        v: &Value,
        names: &BTreeMap<String, String>,
    ) {
        for (key, op) in [("include", "in"), ("exclude", "not in")] {
            let ids: Vec<String> = v
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                // Ids, or objects with an `id` (`{"type": "APP", "id": ..}` in IdP routing).
                .filter_map(|v| v.as_str().or_else(|| str_of(v, "id")))
                .map(|id| {
                    names
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| format!("unknown_{}", sanitize(id)))
                })
                .collect();
            if !ids.is_empty() {
                out.push(format!("{subject} {op} [{}]", ids.join(", ")));
            }
        }
    }

    fn route(&mut self, file: &str, rule: &Value) -> String {
        let id = str_of(rule, "id").unwrap_or_default().to_owned();
        let tag = okta_tag(&id);
        let display = str_of(rule, "name").unwrap_or(&id).to_owned();
        let object = format!("routing rule {display} ({id})");
        if str_of(rule, "status") == Some("INACTIVE") {
            // Okta never tries it; a route cannot be inactive, so it is left out.
            return self.unsupported(
                &object,
                format!("{file}/status"),
                "an inactive routing rule is left out (a route cannot be inactive)".into(),
            );
        }
        let (conds, mut notes, mut lost) = self.conditions(
            &object,
            file,
            rule.get("conditions").unwrap_or(&Value::Null),
            true,
        );
        notes += &self.leftovers(&object, file, rule, RULE_KEYS);
        let actions = rule.get("actions").unwrap_or(&Value::Null);
        notes += &self.leftovers(&object, &format!("{file}/actions"), actions, &["idp"]);
        let mut idp = actions.get("idp").cloned().unwrap_or(Value::Null);
        // Not falling back to Okta is the default and says nothing.
        if let Value::Object(m) = &mut idp
            && m.get("shouldFallBackToOkta") == Some(&Value::Bool(false))
        {
            m.remove("shouldFallBackToOkta");
        }
        let more = self.leftovers(
            &object,
            &format!("{file}/actions/idp"),
            &idp,
            &["providers", "idpSelectionType"],
        );
        // Dynamic routing (`matchCriteria`) picks the IdP from the user: not a route policyc
        // can write.
        lost |=
            !more.is_empty() || str_of(&idp, "idpSelectionType").is_some_and(|t| t != "SPECIFIC");
        notes += &more;
        let providers = rule
            .pointer("/actions/idp/providers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let target = match providers.as_slice() {
            [one] => str_of(one, "id")
                .and_then(|i| self.idp_names.get(i))
                .cloned(),
            _ => None,
        };
        let Some(target) = target.filter(|_| !lost) else {
            // A route to Okta itself, to several IdPs, or with conditions lost cannot be written
            // as a route: leaving it out sends those users to the next route or to Okta.
            notes += &self.unsupported(
                &object,
                format!("{file}/actions/idp/providers"),
                "routing rule not imported: it routes to Okta, to several or unknown IdPs, or its conditions are not modelled".into(),
            );
            return notes;
        };
        let name = sanitize(&display);
        let priority = rule
            .get("priority")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(1);
        let when = if conds.is_empty() {
            String::new()
        } else {
            format!("when {}\n", conds.join(" and "))
        };
        format!("{notes}route {name} {{{tag}\n{when}to {target}\npriority {priority}\n}}\n")
    }

    /// A rule of a policy whose own conditions are `policy_conds`; `policy_off` when the
    /// policy's meaning could not be kept (the rule is then written inactive).
    fn rule(
        &mut self,
        session: bool,
        file: &str,
        rule: &Value,
        policy_conds: &[String],
        policy_off: bool,
        namer: &mut Namer,
    ) -> String {
        let id = str_of(rule, "id").unwrap_or_default().to_owned();
        let tag = okta_tag(&id);
        let display = str_of(rule, "name").unwrap_or(&id).to_owned();
        let name = namer.name(&display, "rule");
        let object = format!("rule {display} ({id})");
        let (own, mut notes, mut lost) = self.conditions(
            &object,
            file,
            rule.get("conditions").unwrap_or(&Value::Null),
            false,
        );
        let conds: Vec<String> = policy_conds.iter().cloned().chain(own).collect();
        lost |= policy_off;
        let (action, more, action_lost) = if session {
            self.session_action(&object, file, rule)
        } else {
            self.app_action(&object, file, rule)
        };
        notes += &more;
        lost |= action_lost;
        // The rule's action: `appSignOn` or `signon`, read above; anything else is reported.
        let actions = rule.get("actions").unwrap_or(&Value::Null);
        notes += &self.leftovers(
            &object,
            &format!("{file}/actions"),
            actions,
            &["appSignOn", "signon"],
        );
        notes += &self.leftovers(&object, file, rule, RULE_KEYS);
        let mut body = String::new();
        if !conds.is_empty() {
            let _ = writeln!(body, "when {}", conds.join(" and "));
        }
        body += &action;
        if lost {
            body.push_str("status inactive  # imported disabled: see the notes above\n");
        } else if str_of(rule, "status") == Some("INACTIVE") {
            body.push_str("status inactive\n");
        }
        format!("{notes}rule {name} {{{tag}\n{body}}}\n")
    }

    fn session_action(&mut self, object: &str, file: &str, rule: &Value) -> (String, String, bool) {
        let signon = rule
            .pointer("/actions/signon")
            .cloned()
            .unwrap_or(Value::Null);
        let at = format!("{file}/actions/signon");
        if str_of(&signon, "access") == Some("DENY") {
            return ("deny\n".into(), String::new(), false);
        }
        let mut notes = String::new();
        let require = if signon.get("requireFactor").and_then(Value::as_bool) == Some(true) {
            "require mfa\n"
        } else if str_of(&signon, "primaryFactor") == Some("PASSWORD_IDP_ANY_FACTOR") {
            "require any_factor\n"
        } else {
            "require password\n"
        };
        // Session lifetimes and prompt modes do not change what proves a sign-in.
        notes += &self.leftovers(
            object,
            &at,
            &signon,
            &[
                "access",
                "requireFactor",
                "primaryFactor",
                "factorPromptMode",
                "factorLifetime",
                "session",
                "rememberDeviceByDefault",
            ],
        );
        (require.into(), notes, false)
    }

    fn app_action(&mut self, object: &str, file: &str, rule: &Value) -> (String, String, bool) {
        let sign_on = rule
            .pointer("/actions/appSignOn")
            .cloned()
            .unwrap_or(Value::Null);
        let at = format!("{file}/actions/appSignOn");
        if str_of(&sign_on, "access") == Some("DENY") {
            return ("deny\n".into(), String::new(), false);
        }
        let vm = sign_on
            .get("verificationMethod")
            .cloned()
            .unwrap_or(Value::Null);
        let vat = format!("{at}/verificationMethod");
        let mut notes = self.leftovers(object, &at, &sign_on, &["access", "verificationMethod"]);
        notes += &self.leftovers(
            object,
            &vat,
            &vm,
            &[
                "type",
                "factorMode",
                "constraints",
                "reauthenticateIn",
                "chains",
            ],
        );
        let mut out = String::new();
        match str_of(&vm, "type") {
            Some("AUTH_METHOD_CHAIN") => {
                let mut chains = Vec::new();
                let mut ok = true;
                for chain in vm
                    .get("chains")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let mut steps = Vec::new();
                    let mut node = Some(chain.clone());
                    while let Some(n) = node {
                        let methods = n
                            .get("authenticationMethods")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        match methods.as_slice() {
                            [m] => match method_name(
                                str_of(m, "key").unwrap_or_default(),
                                str_of(m, "method").unwrap_or_default(),
                            ) {
                                Some(name) => steps.push(name),
                                None => ok = false,
                            },
                            _ => ok = false,
                        }
                        node = n.get("next").and_then(Value::as_array).and_then(|a| {
                            match a.as_slice() {
                                [one] => Some(one.clone()),
                                [] => None,
                                _ => {
                                    ok = false;
                                    None
                                }
                            }
                        });
                    }
                    chains.push(format!("[{}]", steps.join(", ")));
                }
                if !ok || chains.is_empty() {
                    notes += &self.unsupported(object, format!("{vat}/chains"), "a chain step with several or unknown methods, or branching, is not modelled".into());
                    return ("deny\n".into(), notes, true);
                }
                let _ = writeln!(out, "require chain [{}]", chains.join(", "));
                for (i, chain) in vm
                    .get("chains")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if chain.get("reauthenticateIn").is_some_and(|v| !is_empty(v)) {
                        notes += &self.unsupported(
                            object,
                            format!("{vat}/chains/{i}/reauthenticateIn"),
                            "a re-authentication frequency per chain is not modelled".into(),
                        );
                    }
                }
            }
            Some("ASSURANCE") | None => {
                let constraints: Vec<Value> = match vm.get("constraints") {
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter(|c| constraint_says_something(c))
                        .cloned()
                        .collect(),
                    Some(o @ Value::Object(_)) if constraint_says_something(o) => vec![o.clone()],
                    _ => Vec::new(),
                };
                let mut lost = false;
                if constraints.len() > 1 {
                    // Okta needs any one of several constraint objects: an alternative policyc
                    // cannot write.
                    notes += &self.unsupported(
                        object,
                        format!("{vat}/constraints"),
                        "several constraint objects (any one of them satisfies the rule) are not modelled".into(),
                    );
                    lost = true;
                }
                // Okta's schema default: a knowledge object's `required` is true when absent.
                // `required: false` with `types` keeps the password (stricter; reported below).
                let knowledge = constraints.iter().any(|c| match c.get("knowledge") {
                    Some(k @ Value::Object(_)) => {
                        k.get("required").and_then(Value::as_bool) != Some(false)
                            || k.get("types").is_some_and(|t| !is_empty(t))
                    }
                    _ => false,
                });
                let requirement = match (str_of(&vm, "factorMode"), knowledge) {
                    (Some("2FA"), true) => "password + 1 factor_type",
                    (Some("2FA"), false) => "2 factor_types",
                    (_, true) => "password",
                    (_, false) => "1 factor_type",
                };
                let _ = writeln!(out, "require {requirement}");
                let mut possession = Vec::new();
                let mut only = Vec::new();
                let mut except = Vec::new();
                for (i, c) in constraints.iter().enumerate() {
                    for side in ["knowledge", "possession"] {
                        let Some(p) = c.get(side) else {
                            continue;
                        };
                        let pat = format!("{vat}/constraints/{i}/{side}");
                        // `required` is always in Okta's responses and true when absent.
                        let required = match p.get("required") {
                            None | Some(Value::Null) => true,
                            Some(Value::Bool(b)) => *b,
                            Some(other) => {
                                notes += &self.unsupported(
                                    object,
                                    format!("{pat}/required"),
                                    format!("`required` is `{other}`, not true or false: read as true, Okta's default"),
                                );
                                true
                            }
                        };
                        // Whether this side holds a possession constraint (which policyc reads
                        // as "a possession factor that meets it is required").
                        let mut constrains = false;
                        if side == "possession" {
                            // Absent fields take the schema's defaults (PossessionConstraint):
                            // `userPresence` REQUIRED, the others OPTIONAL.
                            for (field, word, default) in [
                                ("phishingResistant", "phishing_resistant", "OPTIONAL"),
                                ("hardwareProtection", "hardware_protected", "OPTIONAL"),
                                ("deviceBound", "device_bound", "OPTIONAL"),
                                ("userPresence", "user_presence", "REQUIRED"),
                                ("userVerification", "user_verification", "OPTIONAL"),
                            ] {
                                let value = match p.get(field) {
                                    None | Some(Value::Null) => default,
                                    Some(Value::String(v))
                                        if v == "REQUIRED" || v == "OPTIONAL" =>
                                    {
                                        v.as_str()
                                    }
                                    Some(other) => {
                                        // Never weaker than the org: an unknown value requires.
                                        notes += &self.unsupported(
                                            object,
                                            format!("{pat}/{field}"),
                                            format!("`{field}` is `{other}`, neither REQUIRED nor OPTIONAL: imported as REQUIRED"),
                                        );
                                        "REQUIRED"
                                    }
                                };
                                if value == "REQUIRED" {
                                    constrains = true;
                                    if !possession.contains(&word) {
                                        possession.push(word);
                                    }
                                }
                            }
                        } else if !required && p.get("types").is_some_and(|t| !is_empty(t)) {
                            notes += &self.unsupported(
                                object,
                                format!("{pat}/required"),
                                "`required: false` with `types` (optional, but of those types if used) is not modelled: imported as requiring the password, stricter than the org".into(),
                            );
                        }
                        let entries = |field: &str| -> Vec<Value> {
                            match p.get(field) {
                                Some(Value::Array(a)) => a.clone(),
                                Some(o @ Value::Object(_)) => vec![o.clone()],
                                _ => Vec::new(),
                            }
                        };
                        let mut excluded = entries("excludedAuthenticationMethods");
                        // Exclude phone and email: the two keys alone, on the possession side.
                        let keys_only = |k: &str| {
                            excluded
                                .iter()
                                .any(|m| str_of(m, "key") == Some(k) && m.get("method").is_none())
                        };
                        if side == "possession"
                            && keys_only("phone_number")
                            && keys_only("okta_email")
                        {
                            constrains = true;
                            if !possession.contains(&"exclude_phone_email") {
                                possession.push("exclude_phone_email");
                            }
                            excluded.retain(|m| {
                                m.get("method").is_some()
                                    || !matches!(
                                        str_of(m, "key"),
                                        Some("phone_number" | "okta_email")
                                    )
                            });
                        }
                        if side == "possession" && !required && constrains {
                            notes += &self.unsupported(
                                object,
                                format!("{pat}/required"),
                                "`required: false` (the constraints bind a possession factor only if one is used) is not modelled: imported as requiring one, stricter than the org".into(),
                            );
                        }
                        for (field, into) in [
                            ("authenticationMethods", &mut only),
                            ("excludedAuthenticationMethods", &mut except),
                        ] {
                            let list = if field == "authenticationMethods" {
                                entries(field)
                            } else {
                                excluded.clone()
                            };
                            for m in &list {
                                let name = filter_method(
                                    str_of(m, "key").unwrap_or_default(),
                                    str_of(m, "method"),
                                );
                                match name {
                                    Some(n) if !into.contains(&n) => into.push(n),
                                    Some(_) => {}
                                    None => {
                                        notes += &self.unsupported(
                                            object,
                                            format!("{pat}/{field}"),
                                            format!("method `{}` is not in policyc's catalogue", m),
                                        );
                                        lost = true;
                                    }
                                }
                            }
                        }
                        let mut known = vec![
                            "required",
                            "authenticationMethods",
                            "excludedAuthenticationMethods",
                        ];
                        if side == "knowledge" {
                            known.push("types");
                        } else {
                            known.extend([
                                "phishingResistant",
                                "hardwareProtection",
                                "deviceBound",
                                "userPresence",
                                "userVerification",
                            ]);
                        }
                        // `types`/`methods` restrict the possession side to some authenticators:
                        // dropping them would be more permissive.
                        let more = self.leftovers(object, &pat, p, &known);
                        if !more.is_empty() {
                            lost |= ["types", "methods"].iter().any(|f| {
                                p.get(*f).is_some_and(|v| !is_empty(v)) && side == "possession"
                            });
                            notes += &more;
                        }
                    }
                    notes += &self.leftovers(
                        object,
                        &format!("{vat}/constraints/{i}"),
                        c,
                        &["knowledge", "possession"],
                    );
                }
                if !possession.is_empty() {
                    let _ = writeln!(out, "possession [{}]", possession.join(", "));
                }
                // In catalogue order, whichever constraint each came from.
                only.sort_by_key(|n| catalogue_position(n));
                except.sort_by_key(|n| catalogue_position(n));
                match (only.is_empty(), except.is_empty()) {
                    (true, true) => {}
                    (false, true) => {
                        let _ = writeln!(out, "methods only [{}]", only.join(", "));
                    }
                    (true, false) => {
                        let _ = writeln!(out, "methods except [{}]", except.join(", "));
                    }
                    (false, false) => {
                        notes += &self.unsupported(
                            object,
                            format!("{vat}/constraints"),
                            "allowing and disallowing specific methods together is not modelled"
                                .into(),
                        );
                        lost = true;
                    }
                }
                if lost {
                    notes += &self.reauth(object, &vat, &vm, &mut out);
                    return (out, notes, true);
                }
            }
            Some(other) => {
                notes += &self.unsupported(
                    object,
                    format!("{vat}/type"),
                    format!("verification method `{other}` is not modelled"),
                );
                return ("deny\n".into(), notes, true);
            }
        }
        notes += &self.reauth(object, &vat, &vm, &mut out);
        (out, notes, false)
    }

    /// The verification method's `reauthenticateIn` (ISO 8601) as `reauth`.
    fn reauth(&mut self, object: &str, vat: &str, vm: &Value, out: &mut String) -> String {
        let Some(r) = str_of(vm, "reauthenticateIn") else {
            return String::new();
        };
        match iso_duration(r) {
            Some(0) => out.push_str("reauth every_sign_in\n"),
            Some(secs) => {
                let _ = writeln!(out, "reauth {}", duration_text(secs));
            }
            None => {
                return self.unsupported(
                    object,
                    format!("{vat}/reauthenticateIn"),
                    format!("duration `{r}` is not read"),
                );
            }
        }
        String::new()
    }
}

impl Namer {
    /// Names the object with Okta id `id` and records the mapping.
    fn name_in(
        map: &mut BTreeMap<String, String>,
        id: &str,
        display: &str,
        fallback: &str,
    ) -> String {
        let mut namer = Namer::default();
        for taken in map.values() {
            namer.reserve(taken);
        }
        let name = namer.name(display, fallback);
        map.insert(id.to_owned(), name.clone());
        name
    }
}

fn sanitize(s: &str) -> String {
    Namer::default().name(s, "item")
}

/// Adds to each `asserts []` placeholder warning the rules whose satisfiability depends on it:
/// those that only trusted claims can satisfy (neither the local authenticators nor a bare IdP
/// sign-in), judged on the imported set itself.
fn name_dependent_rules(text: &str, issues: &mut [Issue]) {
    let placeholders = |i: &Issue| i.pointer.ends_with("/policy/trustClaims");
    if !issues.iter().any(placeholders) {
        return;
    }
    let mut sources = crate::source::Sources::new();
    sources.add(crate::source::SourceFile::new("org.policy", text));
    let compiled = crate::compile(sources);
    let options = crate::check::CheckOptions::default();
    let cx = crate::check::Context::new(&compiled, &options);
    let rules: Vec<String> = (0..cx.rules.len())
        .filter(|r| cx.support.requires_claims(*r))
        .map(|r| cx.rule_title(r))
        .collect();
    let note = if rules.is_empty() {
        " (no imported rule needs trusted claims today)".to_owned()
    } else {
        format!(
            "; rules that only trusted claims can satisfy: {}",
            rules.join(", ")
        )
    };
    for i in issues.iter_mut().filter(|i| placeholders(i)) {
        i.message.push_str(&note);
    }
}

/// The comment keeping an object's Okta id; none for an object without one (or with the
/// placeholder `export` gives objects Okta has not created yet).
fn okta_tag(id: &str) -> String {
    // An id is letters, digits, `_` and `-`; anything else is not written (it could end the
    // comment and inject text).
    if id.is_empty() || id.starts_with("policyc-") || !super::is_okta_id(id) || id.len() > 64 {
        String::new()
    } else {
        format!("  # okta: {id}")
    }
}

/// How references name an object: its id, or for one without (an export of objects Okta has
/// not created yet) `policyc-<name>`, as `export` writes references to it.
fn key(id: &str, display: &str) -> String {
    if id.is_empty() {
        format!("policyc-{display}")
    } else {
        id.to_owned()
    }
}

/// Whether a SAML IdP's issuer is an Okta org's: an Okta SAML app's issuer is
/// `http://www.okta.com/<app id>` (Okta's SAML app setup instructions give it as the IdP
/// issuer), and an org's own URL is on an Okta domain.
pub fn is_okta_saml_issuer(issuer: &str) -> bool {
    let rest = issuer
        .strip_prefix("https://")
        .or_else(|| issuer.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    // The authority ends at the path, query or fragment; user info (`x@`) is not the host.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = authority.split(':').next().unwrap_or_default();
    (host == "www.okta.com"
        && rest
            .strip_prefix("www.okta.com/")
            .is_some_and(|app| !app.is_empty()))
        || [".okta.com", ".oktapreview.com", ".okta-emea.com"]
            .iter()
            .any(|d| host.ends_with(d) && host.len() > d.len() && host != "www.okta.com")
}

/// Okta authenticator `key` → policyc authenticator kind.
pub fn authenticator_kind(key: &str) -> Option<&'static str> {
    Some(match key {
        "okta_password" => "password",
        "security_question" => "security_question",
        "okta_email" => "email",
        "phone_number" => "phone",
        "okta_verify" => "okta_verify",
        "webauthn" => "webauthn",
        "google_otp" => "google_authenticator",
        "yubikey_token" => "yubikey_otp",
        "smart_card_idp" => "smart_card",
        "custom_otp" => "custom_otp",
        "external_idp" => "idp_factor",
        _ => return None,
    })
}

/// An authentication method chain step (`key`, `method`) → `kind.method` as policyc writes it.
fn method_name(key: &str, method: &str) -> Option<String> {
    filter_method(key, Some(method)).or_else(|| authenticator_kind(key).map(str::to_owned))
}

/// A catalogue method as Okta's API names it in `{"key", "method"}` objects (`otp` for Google
/// Authenticator, `signed_nonce` for FastPass).
pub fn okta_method_type(info: &crate::model::catalogue::MethodInfo) -> &'static str {
    let name = info.method.unwrap_or(info.kind.as_str());
    method_types(info.kind.as_str())
        .iter()
        .find(|(_, n)| *n == name)
        .map_or(name, |(t, _)| t)
}

/// A policyc authenticator kind's methods as the methods endpoint names them (`type`), with
/// the name policyc writes in `methods [..]`. Single-method kinds have one, named as the kind.
pub fn method_types(kind: &str) -> &'static [(&'static str, &'static str)] {
    match kind {
        "password" => &[("password", "password")],
        "security_question" => &[("security_question", "security_question")],
        "email" => &[("email", "email")],
        "phone" => &[("sms", "sms"), ("voice", "voice")],
        "okta_verify" => &[
            ("push", "push"),
            ("totp", "totp"),
            ("signed_nonce", "fastpass"),
        ],
        "webauthn" => &[("webauthn", "webauthn")],
        "google_authenticator" => &[("otp", "google_authenticator")],
        "yubikey_otp" => &[("otp", "yubikey_otp")],
        "smart_card" => &[("cert", "smart_card")],
        "custom_otp" => &[("otp", "custom_otp")],
        "idp_factor" => &[("idp", "idp_factor")],
        _ => &[],
    }
}

/// A method of `methods only|except` (`{"key", "method"}`) → its policyc name: `kind.method`,
/// the kind for a single-method kind or when no method is named (every method of the kind).
fn filter_method(key: &str, method: Option<&str>) -> Option<String> {
    let kind = authenticator_kind(key)?;
    let Some(method) = method else {
        return Some(kind.to_owned());
    };
    let (_, name) = method_types(kind).iter().find(|(t, _)| *t == method)?;
    Some(if *name == kind {
        kind.to_owned()
    } else {
        format!("{kind}.{name}")
    })
}

/// Where a method (`kind.method`, or a kind: its first method) is in the built-in catalogue.
fn catalogue_position(name: &str) -> usize {
    use crate::model::catalogue::CATALOGUE;
    let (kind, method) = match name.split_once('.') {
        Some((k, m)) => (k, Some(m)),
        None => (name, None),
    };
    // Compared in place: this runs inside a sort, and `MethodInfo::name` allocates.
    CATALOGUE
        .iter()
        .position(|m| m.kind.as_str() == kind && (method.is_none() || m.method == method))
        .unwrap_or(CATALOGUE.len())
}

/// `PT12H`, `PT30M`, `P1D`, `PT0S` → seconds.
fn iso_duration(s: &str) -> Option<u64> {
    let rest = s.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut secs: u64 = 0;
    let mut num = String::new();
    for (part, units) in [(days, "D"), (time, "HMS")] {
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let n: u64 = num.parse().ok()?;
            num.clear();
            let mult = match (units, c) {
                ("D", 'D') => 86_400,
                ("HMS", 'H') => 3_600,
                ("HMS", 'M') => 60,
                ("HMS", 'S') => 1,
                _ => return None,
            };
            secs = secs.checked_add(n.checked_mul(mult)?)?;
        }
        if !num.is_empty() {
            return None;
        }
    }
    Some(secs)
}

/// Seconds → the shortest exact policyc duration.
fn duration_text(secs: u64) -> String {
    if secs.is_multiple_of(86_400) {
        format!("{}d", secs / 86_400)
    } else if secs.is_multiple_of(3_600) {
        format!("{}h", secs / 3_600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// The `asserts` already written in a policy set (empty placeholders left out), so that a
/// re-import keeps what the admin wrote: by the Okta id of the IdP's `# okta:` comment when it
/// has one (so an IdP renamed in Okta keeps them, and another IdP given its old name does not
/// get them), else by IdP name.
pub fn asserts_written(compiled: &crate::Compiled) -> BTreeMap<String, Vec<String>> {
    use crate::syntax::ast::{IdpSetting, Item, Value as V};
    let mut out = BTreeMap::new();
    for ast in &compiled.asts {
        for item in &ast.items {
            let Item::Idp(idp) = item else { continue };
            for s in &idp.settings {
                if let IdpSetting::Asserts(list) = &s.node
                    && !list.values.is_empty()
                {
                    let values = list
                        .values
                        .iter()
                        .filter_map(|v| match v {
                            V::Path(p) => Some(p.text()),
                            V::Str(_) => None,
                        })
                        .collect();
                    out.insert(idp.name.text.clone(), values);
                }
            }
        }
    }
    // An IdP Okta knows is matched by its id alone: a new IdP given its old name (another id)
    // must not inherit what this one asserts.
    for idp in &compiled.model.idps {
        if let Some(id) = super::export::okta_id(compiled, idp.loc)
            && let Some(values) = out.remove(&idp.name)
        {
            out.entry(id).or_insert(values);
        }
    }
    out
}

/// What the admin wrote for an object (`asserts`, a settled kind): by Okta id first, since the
/// name may have passed to another object since; by name for one written without an id.
fn by_id_or_name<'m, T>(map: &'m BTreeMap<String, T>, id: &str, name: &str) -> Option<&'m T> {
    map.get(id).or_else(|| map.get(name))
}

/// What import says of a SAML IdP whose kind it guessed from the issuer (the comment above the
/// IdP starts `# not imported: ` and this).
const KIND_INFERRED: &str = "`kind okta_saml` inferred from the issuer";

/// The kind of each SAML IdP (`saml` or `okta_saml`) settled in a policy set, with its issuer,
/// so that a re-import keeps it while the issuer stays the same: by the Okta id of its
/// `# okta:` comment when it has one (so another IdP given its name does not get it), else by
/// name. A `kind okta_saml` still under import's note that it was inferred from the issuer is
/// not settled: import infers it again and says so, until the admin deletes the note or writes
/// `kind saml`.
pub fn saml_kinds_settled(compiled: &crate::Compiled) -> BTreeMap<String, SettledKind> {
    use crate::model::catalogue::IdpKind;
    let note = format!("# {NOT_IMPORTED}{KIND_INFERRED}");
    let mut out = BTreeMap::new();
    for idp in &compiled.model.idps {
        let kind = match idp.kind {
            IdpKind::Saml => "saml",
            IdpKind::OktaSaml => "okta_saml",
            IdpKind::Oidc | IdpKind::OktaOidc => continue,
        };
        let Some(file) = compiled.sources.get(idp.loc.file) else {
            continue;
        };
        // The comment lines right above the `idp` line (a blank line ends them).
        let line = file.line_index(idp.loc.span.start as usize);
        let noted = || {
            (0..line)
                .rev()
                .map(|n| file.text.get(file.line_range(n)).unwrap_or("").trim_start())
                .take_while(|l| l.starts_with('#'))
                .any(|l| l.starts_with(&note))
        };
        // The note is about `okta_saml`: `kind saml` under it is the admin's answer.
        if !(kind == "okta_saml" && noted()) {
            let key = super::export::okta_id(compiled, idp.loc).unwrap_or_else(|| idp.name.clone());
            out.entry(key).or_insert(SettledKind {
                kind,
                issuer: idp.issuer.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Org text in a comment: control characters become blanks, and a line separator or a
    /// bidirectional override is written as an escape, so the file reads as it parses.
    #[test]
    fn a_comment_shows_deceptive_characters_as_escapes() {
        assert_eq!(
            comment("rule \u{202e}evil\u{2028}policy x {\n}\u{1b}"),
            "# rule \\u{202e}evil\\u{2028}policy x { } \n"
        );
        // The Arabic letter mark reorders text as the other bidirectional marks do.
        assert_eq!(comment("a\u{61c}b"), "# a\\u{61c}b\n");
        assert_eq!(
            comment(&"é".repeat(300)),
            format!("# {}\n", "é".repeat(200))
        );
    }

    #[test]
    fn an_okta_orgs_saml_issuer_is_told_from_others() {
        for yes in [
            "http://www.okta.com/exk1hubsaml",
            "https://www.okta.com/exk1",
            "https://acme.okta.com",
            "https://acme.oktapreview.com/app/x",
            "https://acme.okta-emea.com",
        ] {
            assert!(is_okta_saml_issuer(yes), "{yes}");
        }
        for no in [
            "http://www.okta.com/",
            "https://okta.com",
            "https://evil.com/www.okta.com/x",
            "https://acme.okta.com.evil.example",
            "https://notokta.com",
            "http://sts.initech.example/adfs/services/trust",
            "www.okta.com/exk1",
            // The host ends at `?` and `#` too, and user info is not the host.
            "https://evil.example?.okta.com",
            "https://evil.example#.okta.com",
            "https://acme.okta.com@evil.example/",
            "https://www.okta.com@evil.example/exk1",
            "http://www.okta.com?exk1",
        ] {
            assert!(!is_okta_saml_issuer(no), "{no}");
        }
    }
}
