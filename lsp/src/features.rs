//! Navigation (definition, references, outline), code actions and test code lenses. Each
//! function reads one [`Analysis`] and returns protocol values.

use crate::analysis::Analysis;
use crate::analysis::refusal;
use crate::convert::to_lsp_diagnostic;
use crate::index::Key;
use crate::line_index::LineIndex;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeLens, Command, DocumentSymbol, Location,
    Position, Range, SymbolKind, TextEdit, Uri, WorkspaceEdit,
};
use policyc::eval::suite;
use policyc::source::{FileId, Loc, Span};
use policyc::syntax::ast::{DeclarationKind, Item, Rule};
use std::collections::HashMap;

/// The command a test code lens runs: arguments `[uri, title]`.
pub const RUN_TEST: &str = "policyc.runTest";

pub fn definition(analysis: &Analysis, file: FileId, offset: usize) -> Vec<Location> {
    let index = analysis.index();
    let Some(occ) = index.at(file, offset) else {
        return Vec::new();
    };
    index
        .definitions(&occ.key)
        .filter_map(|o| analysis.location(o.loc))
        .collect()
}

pub fn references(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    include_declaration: bool,
) -> Vec<Location> {
    let index = analysis.index();
    let Some(occ) = index.at(file, offset) else {
        return Vec::new();
    };
    // The references of a kind include those of its methods (`okta_verify` in
    // `okta_verify.push` is an occurrence of the kind already).
    index
        .references(&occ.key)
        .filter(|o| include_declaration || !o.def)
        .filter_map(|o| analysis.location(o.loc))
        .collect()
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written.
#[allow(clippy::too_many_arguments)]
fn symbol(
    analysis: &Analysis,
    file: FileId,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    name_span: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    let range = analysis.range(Loc::new(file, span));
    let mut selection = analysis.range(Loc::new(file, name_span));
    // The selection must lie inside the range.
    if selection.start < range.start || selection.end > range.end {
        selection = range;
    }
    let name = if name.is_empty() {
        "_".to_owned()
    } else if name.chars().count() > MAX_NAME_CHARS {
        name.chars().take(MAX_NAME_CHARS).chain(['…']).collect()
    } else {
        name
    };
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: selection,
        children: (!children.is_empty()).then_some(children),
    }
}

/// The most symbols in one outline. Past it the outline is truncated (logged): a client cannot
/// show 100,000 items usefully, and the answer must stay small whatever the document holds.
pub const MAX_SYMBOLS: usize = 2_000;
/// Over this many items, the outline is flat: policies without their rules as children.
pub const FLAT_OVER: usize = 500;
/// Symbol names longer than this (in characters) are cut, with an ellipsis.
const MAX_NAME_CHARS: usize = 120;

/// The outline of one file: its items, with policies' rules as children. At most
/// [`MAX_SYMBOLS`] symbols, flat over [`FLAT_OVER`] items, names cut to a readable length: the
/// answer's size is bounded, whatever the document.
pub fn document_symbols(analysis: &Analysis, file: FileId) -> Vec<DocumentSymbol> {
    let Some(ast) = analysis.compiled.asts.get(file.0 as usize) else {
        return Vec::new();
    };
    let flat = ast.items.len() > FLAT_OVER;
    let mut budget = MAX_SYMBOLS.min(ast.items.len());
    if ast.items.len() > MAX_SYMBOLS {
        log!(
            "policyc-lsp: the outline of `{}` shows its first {MAX_SYMBOLS} of {} items",
            analysis.compiled.sources.name(file),
            ast.items.len()
        );
    }
    let rules = |rules: &[Rule], budget: &mut usize| -> Vec<DocumentSymbol> {
        if flat {
            return Vec::new();
        }
        let take = rules.len().min(MAX_SYMBOLS.saturating_sub(*budget));
        *budget += take;
        rules[..take]
            .iter()
            .map(|r| {
                symbol(
                    analysis,
                    file,
                    r.name.text.clone(),
                    Some("rule".to_owned()),
                    SymbolKind::METHOD,
                    r.span,
                    r.name.span,
                    Vec::new(),
                )
            })
            .collect()
    };
    ast.items
        .iter()
        .take(MAX_SYMBOLS)
        .map(|item| match item {
            Item::Org(o) => symbol(
                analysis,
                file,
                o.name.text.clone(),
                Some("org".into()),
                SymbolKind::NAMESPACE,
                o.span,
                o.name.span,
                Vec::new(),
            ),
            Item::Declaration(d) => {
                let kind = match d.kind {
                    DeclarationKind::Group => SymbolKind::CONSTANT,
                    DeclarationKind::Zone => SymbolKind::ENUM_MEMBER,
                    DeclarationKind::App => SymbolKind::MODULE,
                };
                symbol(
                    analysis,
                    file,
                    d.name.text.clone(),
                    Some(d.kind.as_str().into()),
                    kind,
                    d.span,
                    d.name.span,
                    Vec::new(),
                )
            }
            Item::Authenticator(a) => symbol(
                analysis,
                file,
                a.kind.text.clone(),
                Some("authenticator".into()),
                SymbolKind::OBJECT,
                a.span,
                a.kind.span,
                Vec::new(),
            ),
            Item::Idp(i) => symbol(
                analysis,
                file,
                i.name.text.clone(),
                Some("idp".into()),
                SymbolKind::INTERFACE,
                i.span,
                i.name.span,
                Vec::new(),
            ),
            Item::Route(r) => symbol(
                analysis,
                file,
                r.name.text.clone(),
                Some("route".into()),
                SymbolKind::EVENT,
                r.span,
                r.name.span,
                Vec::new(),
            ),
            Item::SessionPolicy(p) => symbol(
                analysis,
                file,
                p.name.text.clone(),
                Some("session_policy".into()),
                SymbolKind::CLASS,
                p.span,
                p.name.span,
                rules(&p.rules, &mut budget),
            ),
            Item::Policy(p) => symbol(
                analysis,
                file,
                p.name.text.clone(),
                Some("policy".into()),
                SymbolKind::CLASS,
                p.span,
                p.name.span,
                rules(&p.rules, &mut budget),
            ),
            Item::Test(t) => symbol(
                analysis,
                file,
                t.title.value.clone(),
                Some("test".into()),
                SymbolKind::FUNCTION,
                t.span,
                t.title.span,
                Vec::new(),
            ),
        })
        .collect()
}

fn overlaps(a: Span, b: Span) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// Quick fixes for the diagnostics in `range`: each diagnostic's own fix (did-you-mean), and
/// "declare group `x`" for an unknown group, zone or app.
pub fn code_actions(analysis: &Analysis, file: FileId, range: Span) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    for d in &analysis.diagnostics {
        if d.primary.loc.file != file || !overlaps(d.primary.loc.span, range) {
            continue;
        }
        let lsp = to_lsp_diagnostic(d, |loc| analysis.location(loc));
        if let Some((fix, loc)) = d
            .fix
            .as_ref()
            .and_then(|f| Some((f, analysis.location(f.loc)?)))
        {
            out.push(action(
                fix.title.clone(),
                loc.uri,
                loc.range,
                fix.replacement.clone(),
                lsp.clone(),
                true,
            ));
        }
        if d.code.as_str() == "unknown-reference" {
            let key = analysis
                .index()
                .at(file, d.primary.loc.span.start as usize)
                .map(|o| o.key.clone());
            let declare = key
                .as_ref()
                .and_then(Key::declaration_keyword)
                .and_then(|(kw, name)| {
                    Some((kw, name, declaration_insertion(analysis, file, kw, name)?))
                });
            if let Some((kw, name, (uri, at, text))) = declare {
                out.push(action(
                    format!("declare {kw} `{name}`"),
                    uri,
                    Range { start: at, end: at },
                    text,
                    lsp,
                    d.fix.is_none(),
                ));
            }
        }
    }
    out
}

fn action(
    title: String,
    uri: Uri,
    range: Range,
    new_text: String,
    diagnostic: lsp_types::Diagnostic,
    preferred: bool,
) -> CodeActionOrCommand {
    // `Uri` hashes by its text; clippy cannot see that its inner cell never changes it.
    #[allow(clippy::mutable_key_type)]
    let mut changes = HashMap::new();
    changes.insert(uri, vec![TextEdit { range, new_text }]);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }),
        is_preferred: Some(preferred),
        ..Default::default()
    })
}

/// Where `KW NAME` goes: on a new line after the last declaration of that kind in the set
/// (else after the last declaration of any kind, else at the top of the current file).
fn declaration_insertion(
    analysis: &Analysis,
    current: FileId,
    kw: &str,
    name: &str,
) -> Option<(Uri, Position, String)> {
    let mut same = None;
    let mut any = None;
    for (i, ast) in analysis.compiled.asts.iter().enumerate() {
        let file = FileId(u32::try_from(i).ok()?);
        for item in &ast.items {
            if let Item::Declaration(d) = item {
                let at = Loc::new(file, d.name.span);
                any = Some(at);
                if d.kind.as_str() == kw {
                    same = Some(at);
                }
            }
        }
    }
    match same.or(any) {
        Some(loc) => {
            let f = analysis.file(loc.file)?;
            let text = analysis.text(loc.file);
            let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
            let end = f.index.position(text, loc.span.end as usize);
            // The end of that line: past anything after the declaration (a comment).
            let at = f.index.position(
                text,
                f.index.offset(
                    text,
                    Position {
                        line: end.line,
                        character: u32::MAX,
                    },
                ),
            );
            Some((f.uri.clone(), at, format!("{eol}{kw} {name}")))
        }
        None => {
            let f = analysis.file(current)?;
            let eol = if analysis.text(current).contains("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            Some((
                f.uri.clone(),
                Position::default(),
                format!("{kw} {name}{eol}"),
            ))
        }
    }
}

/// `policyc fmt`'s layout as edits: one edit covering what changed between the first and the
/// last differing character (none when the file is already formatted). A file that does not
/// parse, or is too large to check, is not formatted.
pub fn format(text: &str, index: &LineIndex) -> Result<Vec<TextEdit>, String> {
    if let Some(why) = refusal("the file", text.len()) {
        return Err(why);
    }
    let formatted = policyc::fmt::format(text).map_err(|e| e.to_string())?;
    if formatted == text {
        return Ok(Vec::new());
    }
    let (a, b) = (text.as_bytes(), formatted.as_bytes());
    let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while !(text.is_char_boundary(prefix) && formatted.is_char_boundary(prefix)) {
        prefix -= 1;
    }
    let max_suffix = a.len().min(b.len()) - prefix;
    let mut suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    while !(text.is_char_boundary(a.len() - suffix) && formatted.is_char_boundary(b.len() - suffix))
    {
        suffix -= 1;
    }
    // Never split a `\r\n`: the edit's ends must be positions the client can name.
    let splits = |at: usize| at > 0 && a.get(at - 1) == Some(&b'\r') && a.get(at) == Some(&b'\n');
    if splits(prefix) {
        prefix -= 1;
    }
    if splits(a.len() - suffix) {
        suffix -= 1;
    }
    let range = index.range(text, prefix, a.len() - suffix);
    let new_text = formatted
        .get(prefix..b.len() - suffix)
        .unwrap_or(&formatted)
        .to_owned();
    Ok(vec![TextEdit { range, new_text }])
}

/// The model index of the `test` whose title is at `title` in `file`.
fn test_index(analysis: &Analysis, file: FileId, title: Span) -> Option<usize> {
    analysis
        .compiled
        .model
        .tests
        .iter()
        .position(|t| t.loc == Loc::new(file, title))
}

/// A lens over each `test` block of the file: its current result, and the command that
/// re-runs it.
pub fn code_lenses(analysis: &Analysis, file: FileId) -> Vec<CodeLens> {
    let Some(ast) = analysis.compiled.asts.get(file.0 as usize) else {
        return Vec::new();
    };
    let Some(uri) = analysis.file(file).map(|f| f.uri.clone()) else {
        return Vec::new();
    };
    ast.items
        .iter()
        .filter_map(|item| match item {
            Item::Test(t) => Some(t),
            _ => None,
        })
        .map(|t| {
            let title = match test_index(analysis, file, t.title.span) {
                Some(i) => {
                    let r = suite::run(&analysis.compiled, i);
                    if r.passed() {
                        "✓ passes · run test".to_owned()
                    } else {
                        format!(
                            "✗ fails: {} · run test",
                            r.failures.first().map_or("", String::as_str)
                        )
                    }
                }
                None => "? not runnable (see the diagnostics) · run test".to_owned(),
            };
            let range = analysis.range(Loc::new(file, t.title.span));
            CodeLens {
                range: Range {
                    start: range.start,
                    end: range.start,
                },
                command: Some(Command {
                    title,
                    command: RUN_TEST.to_owned(),
                    arguments: Some(vec![
                        serde_json::Value::from(uri.as_str()),
                        serde_json::Value::from(t.title.value.clone()),
                    ]),
                }),
                data: None,
            }
        })
        .collect()
}

/// Runs the test titled `title` in `file`: `(passed, failures)`.
pub fn run_test(analysis: &Analysis, title: &str) -> Option<(bool, Vec<String>)> {
    let i = analysis
        .compiled
        .model
        .tests
        .iter()
        .position(|t| t.title == title)?;
    let r = suite::run(&analysis.compiled, i);
    Some((r.passed(), r.failures))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let index = LineIndex::new(text);
        let mut out = text.to_owned();
        for e in edits.iter().rev() {
            let (a, b) = index.byte_range(text, e.range);
            out.replace_range(a..b, &e.new_text);
        }
        out
    }

    #[test]
    fn format_edits_rebuild_the_formatted_text() {
        for text in [
            "group   admins\napp wiki\n",
            "group admins\r\napp    wiki\r\n",
            "org   a {\r\n engine identity }\r\n# é 😀\r\ngroup g",
            "group a\n",
        ] {
            let index = LineIndex::new(text);
            let edits = format(text, &index).unwrap();
            assert_eq!(
                apply(text, &edits),
                policyc::fmt::format(text).unwrap(),
                "{text:?}"
            );
        }
        assert!(format("group {", &LineIndex::new("group {")).is_err());
    }
}
