//! Drift: the policy files against a pulled org, semantically.
//!
//! Both sides are brought to one normal form, the API bodies `export` writes (the org through
//! `import` first, so only what policyc models is compared), and then compared object by
//! object, by name, ids aside: IdPs, authenticators, groups, zones, apps, policies, their rules
//! (order included) and routes.

use super::OrgFiles;
use super::import::{ImportError, ImportOptions, import};
use crate::Compiled;
use crate::source::{SourceFile, Sources};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One difference. "added" means in the files and not in the org; "removed" the reverse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `idp`, `authenticator`, `group`, `zone`, `app`, `policy`, `session_policy`, `rule`,
    /// `route`.
    pub kind: &'static str,
    /// The object's name; a rule's is `policy.rule`.
    pub name: String,
    /// `added`, `removed`, `changed`, `moved` (a rule at another position), `renamed` (the
    /// same Okta id under another name) or `duplicate_id` (two objects of the files carry one
    /// Okta id; `name` is the first of them).
    pub change: &'static str,
    /// For `changed`: the JSON pointers (in the API body) that differ. For `moved`: the
    /// positions, `from N to M` (files, org), 1-based. For `renamed`: `from OLD (org) to NEW
    /// (files)`, then the pointers of any other field that differs. For `duplicate_id`: `okta id
    /// ID also on OTHER (files)`, one per other object carrying it.
    pub fields: Vec<String>,
}

/// Compares the files (`ours`) with the org folder. The org is imported with what `ours` say
/// and the API does not hold (features, `asserts`, settled SAML IdP kinds), so that none of it
/// counts as drift.
pub fn diff(ours: &Compiled, org: &OrgFiles) -> Result<Vec<Change>, ImportError> {
    let options = ImportOptions::from_files(ours);
    let imported = import(org, &options)?;
    let mut sources = Sources::new();
    for (name, text) in &imported.files {
        sources.add(SourceFile::new(name.clone(), text.clone()));
    }
    let theirs = crate::compile(sources);
    Ok(compare(
        &normal(&super::export::export(ours)),
        &normal(&super::export::export(&theirs)),
    ))
}

/// kind → name → (position, body without ids, the Okta id if the object has one).
type Normal = BTreeMap<&'static str, BTreeMap<String, (usize, Value, Option<String>)>>;

/// An object's Okta id; none for the `policyc-<name>` placeholder of an object Okta has not
/// created yet.
fn okta_id(v: &Value) -> Option<String> {
    v.get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && !id.starts_with("policyc-"))
        .map(str::to_owned)
}

fn list(files: &OrgFiles, name: &str) -> Vec<Value> {
    files
        .get(name)
        .and_then(|t| serde_json::from_str::<Vec<Value>>(t).ok())
        .unwrap_or_default()
}

fn strip_ids(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.remove("id");
            map.remove("_links");
            map.values_mut().for_each(strip_ids);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_ids),
        _ => {}
    }
}

fn label(v: &Value) -> String {
    v.get("name")
        .or_else(|| v.get("label"))
        .or_else(|| v.pointer("/profile/name"))
        .or_else(|| v.get("key"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn normal(files: &OrgFiles) -> Normal {
    let mut out: Normal = BTreeMap::new();
    fn add(out: &mut Normal, kind: &'static str, name: String, pos: usize, mut body: Value) {
        let id = okta_id(&body);
        strip_ids(&mut body);
        out.entry(kind).or_default().insert(name, (pos, body, id));
    }
    // An authenticator's methods and enrollment are compared as part of it.
    let enrollment: Vec<Value> = list(files, "policies-MFA_ENROLL.json")
        .iter()
        .filter_map(|p| p.pointer("/settings/authenticators")?.as_array().cloned())
        .flatten()
        .collect();
    for (file, kind) in [
        ("idps.json", "idp"),
        ("authenticators.json", "authenticator"),
        ("groups.json", "group"),
        ("zones.json", "zone"),
        ("apps.json", "app"),
    ] {
        for (i, mut v) in list(files, file).into_iter().enumerate() {
            if kind == "authenticator" {
                let id = v.get("id").and_then(Value::as_str).unwrap_or_default();
                v["methods"] = Value::Array(list(files, &format!("methods/{id}.json")));
                let key = v.get("key").cloned().unwrap_or(Value::Null);
                v["enroll"] = enrollment
                    .iter()
                    .find(|e| e.get("key") == Some(&key))
                    .and_then(|e| e.pointer("/enroll/self"))
                    .cloned()
                    .unwrap_or(Value::Null);
            }
            add(&mut out, kind, label(&v), i, v);
        }
    }
    // Which policy an app uses is compared through the policy's app list, by name.
    let policy_names: BTreeMap<String, String> = list(files, "policies-ACCESS_POLICY.json")
        .into_iter()
        .filter_map(|p| Some((p.get("id")?.as_str()?.to_owned(), label(&p))))
        .collect();
    if let Some(apps) = out.get_mut("app") {
        let listed = list(files, "apps.json");
        for (name, (_, body, _)) in apps.iter_mut() {
            let policy = listed.iter().find(|a| label(a) == *name).and_then(|a| {
                let href = a.pointer("/_links/accessPolicy/href")?.as_str()?.to_owned();
                policy_names.get(href.rsplit('/').next()?).cloned()
            });
            body["policy"] = policy.map_or(Value::Null, Value::String);
        }
    }
    for (file, kind) in [
        ("policies-ACCESS_POLICY.json", "policy"),
        ("policies-OKTA_SIGN_ON.json", "session_policy"),
        ("policies-IDP_DISCOVERY.json", ""),
    ] {
        for (i, p) in list(files, file).into_iter().enumerate() {
            let pname = label(&p);
            let id = p.get("id").and_then(Value::as_str).unwrap_or_default();
            let rules = list(files, &format!("rules/{id}.json"));
            if kind.is_empty() {
                for (j, r) in rules.into_iter().enumerate() {
                    add(&mut out, "route", label(&r), j, r);
                }
                continue;
            }
            add(&mut out, kind, pname.clone(), i, p);
            for (j, r) in rules.into_iter().enumerate() {
                let mut r = r;
                // The position is compared as a move, not as a changed field.
                if let Value::Object(m) = &mut r {
                    m.remove("priority");
                }
                add(&mut out, "rule", format!("{pname}.{}", label(&r)), j, r);
            }
        }
    }
    out
}

/// JSON pointers where `a` and `b` differ.
fn differences(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                differences(
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    &format!("{at}/{}", super::pointer_segment(k)),
                    out,
                );
            }
        }
        // Lists of one length: the items that differ (a method's status, a chain's step).
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, &format!("{at}/{i}"), out);
            }
        }
        _ if a != b => out.push(if at.is_empty() {
            "/".to_owned()
        } else {
            at.to_owned()
        }),
        _ => {}
    }
}

fn compare(ours: &Normal, theirs: &Normal) -> Vec<Change> {
    let mut changes = Vec::new();
    let empty = BTreeMap::new();
    let kinds: std::collections::BTreeSet<&'static str> =
        ours.keys().chain(theirs.keys()).copied().collect();
    for kind in kinds {
        let a = ours.get(kind).unwrap_or(&empty);
        let b = theirs.get(kind).unwrap_or(&empty);
        // Two objects of the files with one Okta id (one copied with its `# okta:` comment): say
        // so, and pair neither with the org's object by that id, since which one Okta knows
        // cannot be told (each is then compared by name only).
        let mut by_id: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
        for (name, (_, _, id)) in a {
            if let Some(id) = id {
                by_id.entry(id).or_default().push(name);
            }
        }
        for (id, names) in &by_id {
            if let [first, others @ ..] = names.as_slice()
                && !others.is_empty()
            {
                changes.push(Change {
                    kind,
                    name: (*first).clone(),
                    change: "duplicate_id",
                    fields: others
                        .iter()
                        .map(|other| format!("okta id {id} also on {other} (files)"))
                        .collect(),
                });
            }
        }
        // An object under another name with the same Okta id (kept in its `# okta:` comment) was
        // renamed, not removed and added.
        let renamed: BTreeMap<&String, &String> = a
            .iter()
            .filter(|(name, _)| !b.contains_key(*name))
            .filter_map(|(name, (_, _, id))| {
                let id = id.as_ref()?;
                if by_id.get(id).is_some_and(|names| names.len() > 1) {
                    return None;
                }
                let (their_name, _) = b.iter().find(|(n, (_, _, their_id))| {
                    !a.contains_key(*n) && their_id.as_ref() == Some(id)
                })?;
                Some((name, their_name))
            })
            .collect();
        for (name, (pos, body, _)) in a {
            let their_name = renamed.get(name).copied().unwrap_or(name);
            match b.get(their_name) {
                None => changes.push(Change {
                    kind,
                    name: name.clone(),
                    change: "added",
                    fields: Vec::new(),
                }),
                Some((their_pos, their_body, _)) => {
                    let mut fields = Vec::new();
                    differences(body, their_body, "", &mut fields);
                    if their_name != name {
                        // The name's own field is the rename itself.
                        fields.retain(|f| {
                            !matches!(f.as_str(), "/name" | "/label" | "/profile/name")
                        });
                        fields.insert(0, format!("from {their_name} (org) to {name} (files)"));
                        changes.push(Change {
                            kind,
                            name: name.clone(),
                            change: "renamed",
                            fields,
                        });
                    } else if !fields.is_empty() {
                        changes.push(Change {
                            kind,
                            name: name.clone(),
                            change: "changed",
                            fields,
                        });
                    }
                    if kind == "rule" && pos != their_pos {
                        changes.push(Change {
                            kind,
                            name: name.clone(),
                            change: "moved",
                            fields: vec![format!("from {} to {}", pos + 1, their_pos + 1)],
                        });
                    }
                }
            }
        }
        let matched: std::collections::BTreeSet<&String> = renamed.values().copied().collect();
        for name in b
            .keys()
            .filter(|n| !a.contains_key(*n) && !matched.contains(n))
        {
            changes.push(Change {
                kind,
                name: name.clone(),
                change: "removed",
                fields: Vec::new(),
            });
        }
    }
    changes
}

/// The changes in words, one a line: `~ rule wiki.admins: /actions/appSignOn/access`.
pub fn render_human(changes: &[Change]) -> String {
    let mut out = String::new();
    for c in changes {
        let sign = match c.change {
            "added" => "+",
            "removed" => "-",
            "moved" => ">",
            "duplicate_id" => "!",
            _ => "~",
        };
        let what = match c.change {
            "added" => "in the files, not in the org".to_owned(),
            "removed" => "in the org, not in the files".to_owned(),
            "moved" => format!("moved: {} (files, org)", c.fields.join(", ")),
            "renamed" => format!("renamed: {}", c.fields.join(", ")),
            "duplicate_id" => format!(
                "duplicate id: {}; neither is matched to the org by id (keep the `# okta:` \
                 comment on the object Okta knows, and remove it from the copy)",
                c.fields.join(", ")
            ),
            _ => format!("differs at {}", c.fields.join(", ")),
        };
        out.push_str(&format!("{sign} {} {}: {what}\n", c.kind, c.name));
    }
    out
}
