//! What-if from the editor: a code lens on each IdP (`deactivate?`) and on each of the org's
//! claims-sharing features (`switch off?`) that runs the deactivation guard
//! (`check::guard`, the same verdict as `policyc what-if`) on the unsaved workspace, and a
//! "mark inactive" code action offered only when the guard allows the deactivation.

use crate::analysis::Analysis;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeLens, Command, Location, Position, Range,
    TextEdit, WorkspaceEdit,
};
use policyc::check::support::Change;
use policyc::check::what_if::{self, Edit};
use policyc::check::{Guard, note};
use policyc::model::{Feature, IdpId, RuleOwner, Status};
use policyc::source::{FileId, Loc, Span};
use policyc::syntax::ast::{IdpSetting, Item, OrgSetting, Value};
use serde_json::json;
use std::collections::HashMap;

/// The command a what-if lens runs: arguments `[uri, "deactivate", IDP]` or
/// `[uri, "disable", FEATURE]`.
pub const WHAT_IF: &str = "policyc.whatIf";

/// The lenses of one file: one per IdP, one per feature the org turns on.
pub fn lenses(analysis: &Analysis, file: FileId) -> Vec<CodeLens> {
    let (Some(ast), Some(f)) = (
        analysis.compiled.asts.get(file.0 as usize),
        analysis.file(file),
    ) else {
        return Vec::new();
    };
    if analysis.compiled.model.org.is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let lens = |span: Span, title: &str, verb: &str, name: &str| {
        let start = analysis.range(Loc::new(file, span)).start;
        CodeLens {
            range: Range { start, end: start },
            command: Some(Command {
                title: title.to_owned(),
                command: WHAT_IF.to_owned(),
                arguments: Some(vec![json!(f.uri.as_str()), json!(verb), json!(name)]),
            }),
            data: None,
        }
    };
    for item in &ast.items {
        match item {
            Item::Idp(idp) => out.push(lens(idp.span, "deactivate?", "deactivate", &idp.name.text)),
            Item::Org(org) => {
                for s in &org.settings {
                    let OrgSetting::Features(list) = &s.node else {
                        continue;
                    };
                    for v in &list.values {
                        if let Value::Path(p) = v
                            && Feature::parse(&p.text()).is_some()
                        {
                            out.push(lens(p.span, "switch off?", "disable", &p.text()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The change a lens's arguments name, or why they name none.
pub fn change(analysis: &Analysis, verb: &str, name: &str) -> Result<Change, String> {
    let model = &analysis.compiled.model;
    match verb {
        "deactivate" => model
            .idp_named(name)
            .map(|(id, _)| Change::Deactivate(id))
            .ok_or_else(|| format!("no IdP named `{name}`")),
        "disable" => Feature::parse(name)
            .map(Change::Disable)
            .ok_or_else(|| format!("`{name}` is not a claims-sharing feature")),
        other => Err(format!(
            "unknown what-if change `{other}`: use `deactivate` or `disable`"
        )),
    }
}

/// The verdict on a change, in words, with the rules that would break.
pub struct Verdict {
    pub refused: bool,
    pub message: String,
    pub broken: Vec<Location>,
}

/// Runs the guard on `change`; with `okta_compat`, Okta's rule decides.
pub fn what_if(analysis: &Analysis, change: Change, okta_compat: bool) -> Result<Verdict, String> {
    let compiled = &analysis.compiled;
    if compiled.model.org.is_none() {
        return Err("the policy set has no `org`: there is nothing to ask".to_owned());
    }
    let support = analysis.support();
    // The guard, and what `check` and `test` would say after the change: one answer with
    // `policyc what-if`.
    let edit = match change {
        Change::Deactivate(id) => Edit::Deactivate(id),
        Change::Disable(f) => Edit::Disable(f),
    };
    let answer = what_if::verdict(compiled, support, edit);
    let g: &Guard = &answer.guard;
    let model = &compiled.model;
    let what = match change {
        Change::Deactivate(id) => format!(
            "deactivate IdP `{}`",
            model.idp(id).map_or("?", |i| i.name.as_str())
        ),
        Change::Disable(f) => format!("switch off `{}`", f.as_str()),
    };
    let refused = if okta_compat {
        answer.okta_refuses
    } else {
        answer.refused
    };
    let rules: Vec<_> = model.rules().collect();
    let titles: Vec<String> = g
        .impact
        .broken
        .iter()
        .filter_map(|&r| {
            let (owner, rule) = rules.get(r)?;
            let policy = match owner {
                RuleOwner::Session(p) => model.session_policies.get(*p as usize)?.name.as_str(),
                RuleOwner::App(p) => model.policies.get(p.index())?.name.as_str(),
            };
            Some(format!("rule `{}` of `{policy}`", rule.name))
        })
        .collect();
    let mut message = format!("{what}: {}", if refused { "refused" } else { "allowed" });
    match titles.len() {
        0 => {}
        1 => message.push_str(&format!("; it leaves 1 rule unsatisfiable: {}", titles[0])),
        n => message.push_str(&format!(
            "; it leaves {n} rules unsatisfiable: {}",
            titles.join(", ")
        )),
    }
    let after = &answer.after;
    // The guard's own errors are the rules listed above; the others are said here.
    let beyond: Vec<_> = after.beyond_guard().collect();
    match beyond.as_slice() {
        [] => {}
        [one] => message.push_str(&format!("; `policyc check` would report: {}", one.message)),
        many => message.push_str(&format!(
            "; `policyc check` would report {} new errors, first: {}",
            many.len(),
            many[0].message
        )),
    }
    match after.failing_tests.len() {
        0 => {}
        1 => message.push_str("; 1 test would fail"),
        n => message.push_str(&format!("; {n} tests would fail")),
    }
    if okta_compat && g.okta_refuses != g.refused {
        message.push_str(&format!(
            " (policyc's exact rule {} it)",
            if g.refused { "refuses" } else { "allows" }
        ));
    }
    if let Some(n) = note(model, change) {
        message.push_str(&format!(" ({n})"));
    }
    // The rules that break, then where `check` would report its new errors (a route, ...).
    let broken = g
        .impact
        .broken
        .iter()
        .filter_map(|&r| analysis.location(rules.get(r)?.1.loc))
        .chain(
            after
                .beyond_guard()
                .filter_map(|d| analysis.location(d.primary.loc)),
        )
        .collect();
    Ok(Verdict {
        refused,
        message,
        broken,
    })
}

/// "mark inactive" on an active IdP under the cursor, when the guard allows deactivating it.
pub fn mark_inactive(
    analysis: &Analysis,
    file: FileId,
    range: Span,
    okta_compat: bool,
) -> Option<CodeActionOrCommand> {
    let ast = analysis.compiled.asts.get(file.0 as usize)?;
    let idp = ast.items.iter().find_map(|item| match item {
        Item::Idp(i) if i.span.start <= range.end && range.start <= i.span.end => Some(i),
        _ => None,
    })?;
    let model = &analysis.compiled.model;
    let (id, config): (IdpId, _) = model.idp_named(&idp.name.text)?;
    if config.status != Status::Active {
        return None;
    }
    let verdict = what_if(analysis, Change::Deactivate(id), okta_compat).ok()?;
    if verdict.refused {
        return None;
    }
    let f = analysis.file(file)?;
    let text = analysis.text(file);
    let status = idp.settings.iter().find_map(|s| match &s.node {
        IdpSetting::Status(v) => Some(v.span),
        _ => None,
    });
    let edit = match status {
        // `status active` becomes `status inactive`.
        Some(value) => TextEdit {
            range: analysis.range(Loc::new(file, value)),
            new_text: "inactive".to_owned(),
        },
        None => {
            let close = (idp.span.end as usize).saturating_sub(1);
            let brace = f.index.position(text, close);
            let opens = f.index.position(text, idp.span.start as usize);
            if brace.line == opens.line {
                // `idp x { kind saml }`: the setting goes before the brace, on that line.
                TextEdit {
                    range: Range {
                        start: brace,
                        end: brace,
                    },
                    new_text: "status inactive ".to_owned(),
                }
            } else {
                // A new line before the closing brace, indented as the first setting.
                let indent = idp
                    .settings
                    .first()
                    .map(|s| f.index.position(text, s.span.start as usize).character)
                    .unwrap_or(2);
                let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
                let at = Position {
                    line: brace.line,
                    character: 0,
                };
                TextEdit {
                    range: Range { start: at, end: at },
                    new_text: format!("{}status inactive{eol}", " ".repeat(indent as usize)),
                }
            }
        }
    };
    // `Uri` hashes by its text; clippy cannot see that its inner cell never changes it.
    #[allow(clippy::mutable_key_type)]
    let mut changes = HashMap::new();
    changes.insert(f.uri.clone(), vec![edit]);
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: format!(
            "mark IdP `{}` inactive ({})",
            idp.name.text, verdict.message
        ),
        kind: Some(CodeActionKind::REFACTOR_REWRITE),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }),
        ..Default::default()
    }))
}
