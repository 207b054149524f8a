//! Text → AST. The pest grammar is `grammar/policy.pest`; nothing outside this folder sees a pest
//! type.

pub mod ast;
mod errors;
mod expected;
mod parser;
mod split;

pub use parser::parse;

/// The keywords that start a top-level item.
pub const ITEM_KEYWORDS: &[&str] = &[
    "org",
    "group",
    "zone",
    "app",
    "authenticator",
    "idp",
    "route",
    "session_policy",
    "policy",
    "test",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn language_example_parses() {
        let text = include_str!("../../tests/fixtures/language_example.policy");
        let (ast, diagnostics) = parse(FileId(0), text);
        assert_eq!(diagnostics, vec![]);
        assert_eq!(ast.items.len(), 17);
    }
}
