//! Semantic tokens, so that any client highlights `.policy` files without a grammar of its own.
//!
//! Names are classified by what they name, from the name index (the parser's spans): a group,
//! an IdP, a rule, an AMR value, ... with `declaration` where they are defined and
//! `defaultLibrary` for Okta's own names (authenticators, methods, AMR values, constraints,
//! features). Everything else comes from a lenient scan of the text, which never fails on a
//! half-typed file: the grammar's keywords, other words (fixed values such as `active`,
//! `oidc`, `allow`), numbers and durations, strings, comments and `+`. docs/editor.md lists the
//! legend.

use crate::analysis::Analysis;
use crate::index::Key;
use lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensDelta,
    SemanticTokensEdit, SemanticTokensLegend,
};
use policyc::source::FileId;
use std::collections::HashMap;

/// The token types, in legend order (a token's type is its index here).
pub const TYPES: &[&str] = &[
    "keyword",    // 0  org, idp, rule, require, when, in, ...
    "namespace",  // 1  the org's name
    "variable",   // 2  groups
    "parameter",  // 3  zones
    "class",      // 4  apps
    "interface",  // 5  authenticators (catalogue kinds)
    "method",     // 6  methods (`push` in `okta_verify.push`)
    "struct",     // 7  IdPs
    "event",      // 8  routes
    "type",       // 9  policies (session and app sign-on)
    "function",   // 10 rules
    "enumMember", // 11 AMR values
    "property",   // 12 possession constraints and org features
    "enum",       // 13 other fixed words: `active`, `oidc`, `true`, `allow`, `mfa`, ...
    "number",     // 14 counts and durations
    "string",     // 15 strings, test titles
    "comment",    // 16
    "operator",   // 17 `+`
];

/// The token modifiers, in legend order (bit `i` is modifier `i`).
pub const MODIFIERS: &[&str] = &["declaration", "defaultLibrary"];

const KEYWORD: u32 = 0;
const ENUM: u32 = 13;
const NUMBER: u32 = 14;
const STRING: u32 = 15;
const COMMENT: u32 = 16;
const OPERATOR: u32 = 17;
const DECLARATION: u32 = 1;
const DEFAULT_LIBRARY: u32 = 2;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.iter().map(|t| SemanticTokenType::new(t)).collect(),
        token_modifiers: MODIFIERS
            .iter()
            .map(|m| SemanticTokenModifier::new(m))
            .collect(),
    }
}

fn classify(key: &Key, def: bool) -> (u32, u32) {
    let (ty, library) = match key {
        Key::Org(_) => (1, false),
        Key::Group(_) => (2, false),
        Key::Zone(_) => (3, false),
        Key::App(_) => (4, false),
        Key::Authenticator(_) => (5, true),
        Key::Method(_) => (6, true),
        Key::Idp(_) => (7, false),
        Key::Route(_) => (8, false),
        Key::Policy(_) => (9, false),
        Key::Rule { .. } => (10, false),
        Key::Amr(_) => (11, true),
        Key::Constraint(_) | Key::Feature(_) => (12, true),
        Key::Test(_) => (STRING, false),
    };
    let mut modifiers = 0;
    if def {
        modifiers |= DECLARATION;
    }
    if library {
        modifiers |= DEFAULT_LIBRARY;
    }
    (ty, modifiers)
}

/// One token before encoding: byte range, type, modifiers.
struct Raw {
    start: usize,
    end: usize,
    ty: u32,
    modifiers: u32,
}

/// Every token of one file, in the protocol's relative encoding.
pub fn tokens(analysis: &Analysis, file: FileId) -> Vec<SemanticToken> {
    let Some(f) = analysis.file(file) else {
        return Vec::new();
    };
    let text = analysis.text(file);
    let names: HashMap<usize, (u32, u32)> = analysis
        .index()
        .occurrences
        .iter()
        .filter(|o| o.loc.file == file)
        .map(|o| (o.loc.span.start as usize, classify(&o.key, o.def)))
        .collect();
    let mut out = Vec::new();
    let mut prev_line = 0;
    let mut prev_char = 0;
    for raw in scan(text, &names) {
        let start = f.index.position(text, raw.start);
        let end = f.index.position(text, raw.end);
        // Tokens never span lines (strings and comments end at a line break).
        if end.line != start.line || end.character <= start.character {
            continue;
        }
        let delta_line = start.line - prev_line;
        let delta_start = if delta_line == 0 {
            start.character - prev_char
        } else {
            start.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: raw.ty,
            token_modifiers_bitset: raw.modifiers,
        });
        prev_line = start.line;
        prev_char = start.character;
    }
    out
}

/// The tokens of `text` in order; a word or string where the index has a name takes the
/// name's class.
fn scan(text: &str, names: &HashMap<usize, (u32, u32)>) -> Vec<Raw> {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        let ty = match b {
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n' && c != b'\r') {
                    i += 1;
                }
                COMMENT
            }
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') if bytes.get(i + 1).is_some_and(|&c| c != b'\n') => i += 2,
                        Some(b'\n' | b'\r') | None => break,
                        Some(_) => i += 1,
                    }
                }
                STRING
            }
            b'+' => {
                i += 1;
                OPERATOR
            }
            _ if is_word(b) => {
                while bytes.get(i).is_some_and(|&c| is_word(c)) {
                    i += 1;
                }
                let word = text.get(start..i).unwrap_or("");
                if b.is_ascii_digit() {
                    NUMBER
                } else if policyc::syntax::KEYWORDS.contains(&word) {
                    KEYWORD
                } else {
                    ENUM
                }
            }
            _ => {
                // Punctuation, whitespace, and the rest of a multi-byte character.
                i += 1;
                continue;
            }
        };
        // A name the index knows (a path's head or member, a rule after `by`, a test title)
        // starts where the word or string does.
        let (ty, modifiers) = names.get(&start).copied().unwrap_or((ty, 0));
        out.push(Raw {
            start,
            end: i,
            ty,
            modifiers,
        });
    }
    out
}

/// The full result, under `result_id`.
pub fn full(data: Vec<SemanticToken>, result_id: String) -> SemanticTokens {
    SemanticTokens {
        result_id: Some(result_id),
        data,
    }
}

/// The change from `old` to `new` as one edit (none when they are equal), in the protocol's
/// units: integers, five per token.
pub fn delta(
    old: &[SemanticToken],
    new: &[SemanticToken],
    result_id: String,
) -> SemanticTokensDelta {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let edits = if prefix == old.len() && prefix == new.len() {
        Vec::new()
    } else {
        let to_u32 = |n: usize| u32::try_from(n * 5).unwrap_or(u32::MAX);
        vec![SemanticTokensEdit {
            start: to_u32(prefix),
            delete_count: to_u32(old.len() - suffix - prefix),
            data: Some(new.get(prefix..new.len() - suffix).unwrap_or(&[]).to_vec()),
        }]
    };
    SemanticTokensDelta {
        result_id: Some(result_id),
        edits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(delta_line: u32, delta_start: u32) -> SemanticToken {
        SemanticToken {
            delta_line,
            delta_start,
            length: 1,
            token_type: 0,
            token_modifiers_bitset: 0,
        }
    }

    #[test]
    fn delta_is_one_edit_between_common_prefix_and_suffix() {
        let old = [t(0, 0), t(0, 2), t(1, 0), t(0, 4)];
        let new = [t(0, 0), t(0, 3), t(0, 1), t(1, 0), t(0, 4)];
        let d = delta(&old, &new, "2".into());
        assert_eq!(
            d.edits,
            vec![SemanticTokensEdit {
                start: 5,
                delete_count: 5,
                data: Some(vec![t(0, 3), t(0, 1)]),
            }]
        );
        assert!(delta(&old, &old, "3".into()).edits.is_empty());
    }

    #[test]
    fn the_legend_has_one_entry_per_type_constant() {
        assert_eq!(TYPES[KEYWORD as usize], "keyword");
        assert_eq!(TYPES[ENUM as usize], "enum");
        assert_eq!(TYPES[NUMBER as usize], "number");
        assert_eq!(TYPES[STRING as usize], "string");
        assert_eq!(TYPES[COMMENT as usize], "comment");
        assert_eq!(TYPES[OPERATOR as usize], "operator");
        assert_eq!(MODIFIERS, ["declaration", "defaultLibrary"]);
    }
}
