//! Text → AST. The pest grammar is `grammar/policy.pest`; nothing outside this folder sees a pest
//! type.

pub mod ast;
mod errors;
mod expected;
mod parser;
mod split;

pub use parser::parse;

/// Every keyword of the grammar (its `kw_*` rules), in grammar order; a test keeps the two in
/// step. Keywords are not reserved: they are what an editor highlights and a fuzzer mutates.
pub const KEYWORDS: &[&str] = &[
    "org",
    "engine",
    "features",
    "group",
    "zone",
    "app",
    "apps",
    "authenticator",
    "methods",
    "status",
    "enrollment",
    "used_for",
    "idp",
    "kind",
    "issuer",
    "audience",
    "jwks",
    "certificate",
    "metadata",
    "trust_claims",
    "map_amr_claims",
    "max_clock_skew",
    "usage",
    "asserts",
    "route",
    "priority",
    "when",
    "and",
    "to",
    "in",
    "not",
    "session_policy",
    "policy",
    "rule",
    "require",
    "deny",
    "possession",
    "reauth",
    "any",
    "only",
    "except",
    "every_sign_in",
    "never",
    "password",
    "factor_types",
    "factor_type",
    "chain",
    "device",
    "test",
    "user",
    "groups",
    "risk",
    "platform",
    "domain",
    "claims",
    "expect",
    "by",
    "with",
    "default",
];

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
    fn keywords_are_the_grammars() {
        let grammar = include_str!("../../grammar/policy.pest");
        let words: Vec<&str> = grammar
            .lines()
            .filter(|l| l.starts_with("kw_"))
            .flat_map(|l| l.split('"').skip(1).step_by(2))
            .collect();
        assert_eq!(words, KEYWORDS);
    }

    #[test]
    fn language_example_parses() {
        let text = include_str!("../../tests/fixtures/language_example.policy");
        let (ast, diagnostics) = parse(FileId(0), text);
        assert_eq!(diagnostics, vec![]);
        assert_eq!(ast.items.len(), 17);
    }
}
