//! Inlay hints: the checker's satisfiability engine (`check::support`, the same analysis as
//! `policyc check`), shown where it matters. After each rule's `require`, what can satisfy it
//! in the org as it is (`⇐ local password, okta_verify · claims: corp`, or
//! `⇐ nothing: unsatisfiable`); after an IdP's `trust_claims true`, how many rules it alone
//! keeps satisfiable (the rules its deactivation would break).

use crate::analysis::Analysis;
use lsp_types::{InlayHint, InlayHintKind, InlayHintLabel, Range};
use policyc::check::support::{Change, available};
use policyc::graph::tables::methods_of;
use policyc::model::{Action, IdpId};
use policyc::source::{FileId, Loc};

/// The hints of one file inside `range`.
pub fn hints(analysis: &Analysis, file: FileId, range: Range) -> Vec<InlayHint> {
    let compiled = &analysis.compiled;
    let model = &compiled.model;
    if model.org.is_none() {
        return Vec::new();
    }
    let support = analysis.support();
    let now = available(model);
    let inside = |loc: Loc| {
        let r = analysis.range(loc);
        loc.file == file && r.end >= range.start && r.start <= range.end
    };
    let mut out = Vec::new();
    for (r, (_, rule)) in model.rules().enumerate() {
        let Action::Require(_, loc) = &rule.action else {
            continue;
        };
        if !inside(*loc) {
            continue;
        }
        let Some(s) = support.rules.get(r) else {
            continue;
        };
        let mut ways = Vec::new();
        if s.local_ok {
            let mut kinds: Vec<String> = Vec::new();
            if let Some(table) = compiled.graph.tables.rules.get(r) {
                for m in methods_of(compiled.graph.tables.local) {
                    let kind = m.info().kind.to_string();
                    if table.local[m.0 as usize % 16] != 0 && !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
            }
            ways.push(format!("local {}", kinds.join(", ")));
        } else if s.signin_ok && now.any_active {
            ways.push("a sign-in at any IdP".to_owned());
        }
        let via: Vec<&str> = support
            .via(r, &now)
            .into_iter()
            .filter_map(|i| model.idp(i).map(|idp| idp.name.as_str()))
            .collect();
        if !via.is_empty() {
            ways.push(format!("claims: {}", via.join(", ")));
        }
        let label = if support.satisfiable(r, &now) && !ways.is_empty() {
            format!("⇐ {}", ways.join(" · "))
        } else {
            "⇐ nothing: unsatisfiable".to_owned()
        };
        out.push(hint(analysis, *loc, label));
    }
    for (i, idp) in model.idps.iter().enumerate() {
        let Some(loc) = idp
            .trust_claims_loc
            .filter(|l| idp.trust_claims && inside(*l))
        else {
            continue;
        };
        let Ok(id) = u32::try_from(i) else { continue };
        let alone = support
            .impact(compiled, Change::Deactivate(IdpId(id)))
            .broken
            .len();
        let label = match alone {
            0 => "⇐ no rule depends on it alone".to_owned(),
            1 => "⇐ 1 rule depends on it alone".to_owned(),
            n => format!("⇐ {n} rules depend on it alone"),
        };
        out.push(hint(analysis, loc, label));
    }
    out.sort_by_key(|h| (h.position.line, h.position.character));
    out
}

fn hint(analysis: &Analysis, loc: Loc, label: String) -> InlayHint {
    InlayHint {
        position: analysis.range(loc).end,
        label: InlayHintLabel::String(label),
        kind: Some(InlayHintKind::PARAMETER),
        text_edits: None,
        tooltip: None,
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }
}
