//! Navigation beyond definition and references: highlights of a name in its file, folding,
//! workspace symbols, go to definition on a path-valued setting (`jwks "keys/x.json"`), and the
//! rules an AMR value in `asserts` helps satisfy.

use crate::analysis::Analysis;
use crate::index::Key;
use lsp_types::{
    DocumentHighlight, DocumentHighlightKind, FoldingRange, FoldingRangeKind, Location, OneOf,
    Range, SymbolKind, Uri, WorkspaceSymbol,
};
use policyc::check::support::state_of;
use policyc::eval::Claims;
use policyc::graph::proof::satisfies;
use policyc::graph::tables::Action;
use policyc::model::{Asserted, IdpId};
use policyc::source::{FileId, Span};
use policyc::syntax::ast::{IdpSetting, Item, StrLit, TestSetting};
use std::collections::HashMap;

/// Every occurrence, in this file, of the name at `offset`: where it is defined is a write.
pub fn highlights(analysis: &Analysis, file: FileId, offset: usize) -> Vec<DocumentHighlight> {
    let index = analysis.index();
    let Some(occ) = index.at(file, offset) else {
        return Vec::new();
    };
    index
        .references(&occ.key)
        .filter(|o| o.loc.file == file)
        .map(|o| DocumentHighlight {
            range: analysis.range(o.loc),
            kind: Some(if o.def {
                DocumentHighlightKind::WRITE
            } else {
                DocumentHighlightKind::READ
            }),
        })
        .collect()
}

/// Folds for every item and rule over more than one line, lists over several lines, and runs
/// of two or more comment lines.
pub fn folding_ranges(analysis: &Analysis, file: FileId) -> Vec<FoldingRange> {
    let (Some(ast), Some(f)) = (
        analysis.compiled.asts.get(file.0 as usize),
        analysis.file(file),
    ) else {
        return Vec::new();
    };
    let text = analysis.text(file);
    let mut out = Vec::new();
    let mut fold = |span: Span, kind: Option<FoldingRangeKind>| {
        let (start, end) = (span.start as usize, span.end as usize);
        // A setting's span may end past its line's break: fold to its last character.
        let end = start + text.get(start..end).map_or(0, |t| t.trim_end().len());
        let r = f.index.range(text, start, end);
        if r.end.line > r.start.line {
            out.push(FoldingRange {
                start_line: r.start.line,
                start_character: None,
                end_line: r.end.line,
                end_character: None,
                kind,
                collapsed_text: None,
            });
        }
    };
    for item in &ast.items {
        let (span, lists, rules): (Span, Vec<Span>, &[policyc::syntax::ast::Rule]) = match item {
            Item::Org(o) => (o.span, Vec::new(), &[]),
            Item::Declaration(d) => (d.span, Vec::new(), &[]),
            Item::Authenticator(a) => (a.span, Vec::new(), &[]),
            Item::Idp(i) => (
                i.span,
                i.settings
                    .iter()
                    .filter(|s| matches!(s.node, IdpSetting::Asserts(_)))
                    .map(|s| s.span)
                    .collect(),
                &[],
            ),
            Item::Route(r) => (r.span, Vec::new(), &[]),
            Item::SessionPolicy(p) => (p.span, Vec::new(), &p.rules),
            Item::Policy(p) => (p.span, p.apps.iter().map(|a| a.span).collect(), &p.rules),
            Item::Test(t) => (
                t.span,
                t.settings
                    .iter()
                    .filter(|s| matches!(s.node, TestSetting::User(_)))
                    .map(|s| s.span)
                    .collect(),
                &[],
            ),
        };
        fold(span, None);
        for l in lists {
            fold(l, None);
        }
        for r in rules {
            fold(r.span, None);
        }
    }
    // Comment runs: consecutive lines that start (after indentation) with `#`.
    let mut run: Option<(usize, usize)> = None;
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with('#') {
            run = Some(run.map_or((n, n), |(s, _)| (s, n)));
            continue;
        }
        if let Some((s, e)) = run.take().filter(|(s, e)| e > s) {
            out.push(comment_fold(s, e));
        }
    }
    if let Some((s, e)) = run.filter(|(s, e)| e > s) {
        out.push(comment_fold(s, e));
    }
    out.sort_by_key(|r| (r.start_line, r.end_line));
    out
}

fn comment_fold(start: usize, end: usize) -> FoldingRange {
    FoldingRange {
        start_line: u32::try_from(start).unwrap_or(u32::MAX),
        start_character: None,
        end_line: u32::try_from(end).unwrap_or(u32::MAX),
        end_character: None,
        kind: Some(FoldingRangeKind::Comment),
        collapsed_text: None,
    }
}

/// Every definition whose name contains `query` (ignoring case), at most `limit`.
pub fn workspace_symbols(
    analyses: &[&Analysis],
    query: &str,
    limit: usize,
) -> Vec<WorkspaceSymbol> {
    let query = query.to_lowercase();
    let mut out = Vec::new();
    for a in analyses {
        for o in a.index().occurrences.iter().filter(|o| o.def) {
            let (name, kind, container) = describe(&o.key);
            if !name.to_lowercase().contains(&query) {
                continue;
            }
            let Some(location) = a.location(o.loc) else {
                continue;
            };
            out.push(WorkspaceSymbol {
                name: name.to_owned(),
                kind,
                tags: None,
                container_name: container,
                location: OneOf::Left(location),
                data: None,
            });
            if out.len() >= limit {
                return out;
            }
        }
    }
    out
}

/// A definition's name, symbol kind (as the outline gives it) and container.
fn describe(key: &Key) -> (&str, SymbolKind, Option<String>) {
    match key {
        Key::Org(n) => (n, SymbolKind::NAMESPACE, None),
        Key::Group(n) => (n, SymbolKind::CONSTANT, None),
        Key::Zone(n) => (n, SymbolKind::ENUM_MEMBER, None),
        Key::App(n) => (n, SymbolKind::MODULE, None),
        Key::Authenticator(n) | Key::Method(n) => (n, SymbolKind::OBJECT, None),
        Key::Idp(n) => (n, SymbolKind::INTERFACE, None),
        Key::Route(n) => (n, SymbolKind::EVENT, None),
        Key::Policy(n) => (n, SymbolKind::CLASS, None),
        Key::Rule { policy, rule } => (rule, SymbolKind::METHOD, Some(policy.clone())),
        Key::Test(n) => (n, SymbolKind::FUNCTION, None),
        Key::Amr(n) | Key::Constraint(n) | Key::Feature(n) => (n, SymbolKind::CONSTANT, None),
    }
}

/// The path-valued settings of a file, with where each is resolved from: the file itself.
/// A new path-valued setting joins here with one line.
fn path_settings(analysis: &Analysis, file: FileId) -> Vec<&StrLit> {
    let Some(ast) = analysis.compiled.asts.get(file.0 as usize) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &ast.items {
        if let Item::Idp(idp) = item {
            for s in &idp.settings {
                // Every path-valued setting, as one pattern.
                if let IdpSetting::Jwks(path)
                | IdpSetting::Certificate(path)
                | IdpSetting::Metadata(path) = &s.node
                {
                    out.push(path);
                }
            }
        }
    }
    out
}

/// Go to definition on a path-valued setting: the file it names, relative to the policy file
/// (when that file exists).
pub fn path_definition(analysis: &Analysis, file: FileId, offset: usize) -> Option<Location> {
    let offset = u32::try_from(offset).ok()?;
    let lit = path_settings(analysis, file)
        .into_iter()
        .find(|s| s.span.start <= offset && offset <= s.span.end)?;
    let here = crate::uri::to_path(&analysis.file(file)?.uri)?;
    let target = here.parent()?.join(&lit.value);
    if !target.is_file() {
        return None;
    }
    let uri: Uri = crate::uri::from_path(&target)?;
    Some(Location {
        uri,
        range: Range::default(),
    })
}

/// Find references on an AMR value in an IdP's `asserts`: the rules it helps satisfy, that is
/// the rules the IdP's asserted claims complete (with the rule's local methods) for which the
/// value is part of some smallest set of asserted values that does. `None` when `offset` is not
/// on such a value.
pub fn amr_references(analysis: &Analysis, file: FileId, offset: usize) -> Option<Vec<Location>> {
    let occ = analysis.index().at(file, offset)?;
    if !matches!(occ.key, Key::Amr(_)) {
        return None;
    }
    let model = &analysis.compiled.model;
    let (id, values, at) = model.idps.iter().enumerate().find_map(|(i, idp)| {
        let at = idp.asserts.iter().position(|a| a.loc == occ.loc)?;
        Some((IdpId(u32::try_from(i).ok()?), &idp.asserts, at))
    })?;
    Some(helped_rules(analysis, id, values, at))
}

/// Subsets of at most this many other values are tried (an `asserts` list is short); values
/// beyond are always kept in.
const MAX_EXACT: usize = 10;

fn helped_rules(analysis: &Analysis, idp: IdpId, values: &[Asserted], at: usize) -> Vec<Location> {
    let compiled = &analysis.compiled;
    let tables = &compiled.graph.tables;
    let support = analysis.support();
    let Some(idp_table) = tables.idps.get(idp.index()) else {
        return Vec::new();
    };
    let proofs_of = |a: &Asserted| {
        let text = compiled.sources.slice(a.loc).to_owned();
        Claims::from_values(&compiled.model, idp, &[text]).proofs
    };
    let value = proofs_of(&values[at]);
    let others: Vec<_> = values
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, a)| proofs_of(a))
        .collect();
    let mut by_class: HashMap<u32, bool> = HashMap::new();
    let mut out = Vec::new();
    for (r, (_, rule)) in compiled.model.rules().enumerate() {
        let (Some(s), Some(table)) = (support.rules.get(r), tables.rules.get(r)) else {
            continue;
        };
        let Action::Require(need) = &table.action else {
            continue;
        };
        if !s.can.contains(idp.0) {
            continue;
        }
        let helps = *by_class.entry(support.class(r)).or_insert_with(|| {
            let sat = |proofs: &[policyc::eval::Proof]| {
                state_of(compiled, table, need, idp_table, proofs)
                    .is_ok_and(|state| satisfies(state | s.local, need))
            };
            let n = others.len().min(MAX_EXACT);
            (0..1u32 << n).any(|mask| {
                let mut without: Vec<policyc::eval::Proof> = others
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i >= n || mask & (1 << i) != 0)
                    .flat_map(|(_, p)| p.iter().copied())
                    .collect();
                if sat(&without) {
                    return false;
                }
                without.extend(value.iter().copied());
                sat(&without)
            })
        });
        if helps && let Some(loc) = analysis.location(rule.loc) {
            out.push(loc);
        }
    }
    out
}
