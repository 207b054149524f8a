//! Rename: every occurrence of a name across the policy set, from the name [`Index`], or a
//! refusal that says why (a name Okta fixes, a name that is not valid, one already taken).
//!
//! [`Index`]: crate::index::Index

use crate::analysis::Analysis;
use crate::index::{Key, Occurrence};
use lsp_types::{PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};
use policyc::diagnostic::Code;
use policyc::source::{FileId, Loc};
use std::collections::HashMap;

/// What can be renamed at `offset`: the range to edit and the current name, or why not.
pub fn prepare(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
) -> Result<PrepareRenameResponse, String> {
    let occ = target(analysis, file, offset)?;
    Ok(PrepareRenameResponse::RangeWithPlaceholder {
        range: analysis.range(occ.loc),
        placeholder: name_of(&occ.key).to_owned(),
    })
}

/// The edits that rename the name at `offset` to `new_name` everywhere in the set.
pub fn rename(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    let occ = target(analysis, file, offset)?;
    let key = occ.key.clone();
    valid(&key, new_name)?;
    let index = analysis.index();
    // `Uri` hashes by its text; clippy cannot see that its inner cell never changes it.
    #[allow(clippy::mutable_key_type)]
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    if name_of(&key) == new_name {
        return Ok(WorkspaceEdit::default());
    }
    collision(analysis, &key, new_name)?;
    let new_text = match &key {
        Key::Test(_) => format!("\"{new_name}\""),
        _ => new_name.to_owned(),
    };
    let mut occurrences: Vec<&Occurrence> = index.references(&key).collect();
    occurrences.sort_by_key(|o| (o.loc.file, o.loc.span.start));
    occurrences.dedup_by_key(|o| (o.loc.file, o.loc.span.start));
    for o in occurrences {
        let Some(location) = analysis.location(o.loc) else {
            continue;
        };
        changes.entry(location.uri).or_default().push(TextEdit {
            range: location.range,
            new_text: new_text.clone(),
        });
    }
    Ok(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}

/// The occurrence at `offset`, if it names something a rename may change.
fn target(analysis: &Analysis, file: FileId, offset: usize) -> Result<&Occurrence, String> {
    if let Some(d) = analysis.diagnostics.iter().find(|d| d.code == Code::Syntax) {
        let name = analysis
            .compiled
            .sources
            .get(d.primary.loc.file)
            .map_or("a file", |f| f.name.as_str());
        return Err(format!(
            "`{name}` has a syntax error: fix it first, since names inside an item that does not parse cannot be found"
        ));
    }
    let Some(occ) = analysis.index().at(file, offset) else {
        return Err("there is no name here to rename".to_owned());
    };
    let fixed = |what: &str| {
        Err(format!(
            "`{}` is {what}: it cannot be renamed",
            name_of(&occ.key)
        ))
    };
    match &occ.key {
        Key::Authenticator(_) | Key::Method(_) => {
            fixed("a name from Okta's authenticator catalogue")
        }
        Key::Amr(_) => fixed("an AMR value defined by RFC 8176"),
        Key::Constraint(_) => fixed("a possession constraint Okta defines"),
        Key::Feature(_) => fixed("an Okta feature"),
        Key::Rule { policy, rule } if policy.is_empty() => Err(format!(
            "`{rule}` names no rule of the test's app policy or of a session policy"
        )),
        key => {
            if analysis.index().definitions(key).next().is_none() {
                return Err(format!("`{}` is not declared anywhere", name_of(key)));
            }
            Ok(occ)
        }
    }
}

fn name_of(key: &Key) -> &str {
    match key {
        Key::Org(n)
        | Key::Group(n)
        | Key::Zone(n)
        | Key::App(n)
        | Key::Idp(n)
        | Key::Authenticator(n)
        | Key::Method(n)
        | Key::Route(n)
        | Key::Policy(n)
        | Key::Amr(n)
        | Key::Constraint(n)
        | Key::Feature(n)
        | Key::Test(n) => n,
        Key::Rule { rule, .. } => rule,
    }
}

fn kind_of(key: &Key) -> &'static str {
    match key {
        Key::Org(_) => "org",
        Key::Group(_) => "group",
        Key::Zone(_) => "zone",
        Key::App(_) => "app",
        Key::Idp(_) => "IdP",
        Key::Authenticator(_) => "authenticator",
        Key::Method(_) => "method",
        Key::Route(_) => "route",
        Key::Policy(_) => "policy",
        Key::Rule { .. } => "rule",
        Key::Amr(_) => "AMR value",
        Key::Constraint(_) => "constraint",
        Key::Feature(_) => "feature",
        Key::Test(_) => "test",
    }
}

/// Whether `name` is a name the grammar accepts where `key`'s kind is written.
fn valid(key: &Key, name: &str) -> Result<(), String> {
    if let Key::Test(_) = key {
        if name.trim().is_empty() {
            return Err("a test title cannot be empty".to_owned());
        }
        if let Some(c) = name
            .chars()
            .find(|c| matches!(c, '"' | '\\') || c.is_control())
        {
            return Err(format!(
                "a test title cannot contain {c:?} here: write it in the file with an escape"
            ));
        }
        return Ok(());
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(format!(
            "`{name}` is not a valid name: a name starts with a letter or `_` and goes on with letters, digits, `_` or `-`"
        ));
    }
    if matches!(key, Key::Idp(_)) && name == "none" {
        return Err("`none` cannot name an IdP: `claims none` in a test means no IdP".to_owned());
    }
    Ok(())
}

/// Refuses a new name that another item of the same kind already has.
fn collision(analysis: &Analysis, key: &Key, new_name: &str) -> Result<(), String> {
    let index = analysis.index();
    let renamed = match key {
        Key::Org(_) => Key::Org(new_name.to_owned()),
        Key::Group(_) => Key::Group(new_name.to_owned()),
        Key::Zone(_) => Key::Zone(new_name.to_owned()),
        Key::App(_) => Key::App(new_name.to_owned()),
        Key::Idp(_) => Key::Idp(new_name.to_owned()),
        Key::Route(_) => Key::Route(new_name.to_owned()),
        Key::Policy(_) => Key::Policy(new_name.to_owned()),
        Key::Test(_) => Key::Test(new_name.to_owned()),
        Key::Rule { policy, rule } => {
            let same = Key::Rule {
                policy: policy.clone(),
                rule: new_name.to_owned(),
            };
            if let Some(o) = index.definitions(&same).next() {
                return Err(taken(analysis, "rule", new_name, o.loc, Some(policy)));
            }
            // A test names a rule without its policy: `by NEW` must not come to mean a rule of
            // another policy.
            let unqualified = index
                .references(key)
                .any(|o| !o.def && !qualified(analysis, o.loc));
            let elsewhere = index.occurrences.iter().find(|o| {
                o.def && matches!(&o.key, Key::Rule { policy: p, rule: r } if r == new_name && p != policy)
            });
            if let (true, Some(o)) = (unqualified, elsewhere) {
                let Key::Rule { policy: other, .. } = &o.key else {
                    return Ok(());
                };
                return Err(format!(
                    "tests name rule `{rule}` without its policy, and `{new_name}` is also a rule of policy `{other}`: write those as `by {policy}.{rule}` first, or pick another name"
                ));
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    match index.definitions(&renamed).next() {
        Some(o) => Err(taken(analysis, kind_of(key), new_name, o.loc, None)),
        None => Ok(()),
    }
}

fn taken(analysis: &Analysis, kind: &str, name: &str, at: Loc, policy: Option<&str>) -> String {
    let file = analysis
        .compiled
        .sources
        .get(at.file)
        .map_or("?", |f| f.name.as_str());
    let line = analysis.range(at).start.line + 1;
    let a = if matches!(kind, "IdP" | "app" | "org") {
        "an"
    } else {
        "a"
    };
    let within = policy.map_or(String::new(), |p| format!(" in policy `{p}`"));
    format!("{a} {kind} named `{name}` already exists{within} ({file}:{line})")
}

/// `by POLICY.RULE`: the rule part is preceded by a dot.
fn qualified(analysis: &Analysis, loc: Loc) -> bool {
    let text = analysis.text(loc.file);
    (loc.span.start as usize)
        .checked_sub(1)
        .and_then(|i| text.as_bytes().get(i))
        == Some(&b'.')
}
