//! The real org: Okta Management API JSON in and out (docs/okta-api.md).
//!
//! Library only, no IO: a folder of API responses is a map from its relative file names to
//! their text (`OrgFiles`), read and written by the CLI. `import` turns it into `.policy` text
//! printed by `fmt`, so the output is canonical.

pub mod diff;
pub mod export;
pub mod import;
mod names;
pub mod terraform;

use serde_json::Value;
use std::collections::BTreeMap;

/// A folder of Management API responses: relative path (`idps.json`, `rules/<id>.json`) to
/// JSON text.
pub type OrgFiles = BTreeMap<String, String>;

/// The largest JSON file import reads (an org export is a few MB at most).
pub const MAX_FILE_BYTES: usize = 64 << 20;
/// The deepest JSON nesting import reads (`serde_json` refuses past 128 anyway).
pub const MAX_DEPTH: usize = 64;

/// One endpoint's list, joined across the files pagination split it into: `NAME.json`, then
/// `NAME.page-2.json`, `NAME.page-3.json`, ... in page order.
pub fn endpoint_files<'a>(files: &'a OrgFiles, name: &str) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(u32, &str, &str)> = Vec::new();
    // The paths that start with `name` sit together in the sorted map: only those are looked
    // at (import asks once per policy and per authenticator).
    let with_prefix = files
        .range::<str, _>((std::ops::Bound::Included(name), std::ops::Bound::Unbounded))
        .take_while(|(path, _)| path.starts_with(name));
    for (path, text) in with_prefix {
        let Some(rest) = path
            .strip_prefix(name)
            .and_then(|r| r.strip_suffix(".json"))
        else {
            continue;
        };
        if rest.is_empty() {
            out.push((1, path, text));
        } else if let Some(page) = rest
            .strip_prefix(".page-")
            .and_then(|n| n.parse::<u32>().ok())
        {
            out.push((page, path, text));
        }
    }
    out.sort_by_key(|(page, _, _)| *page);
    out.into_iter().map(|(_, p, t)| (p, t)).collect()
}

/// Line and paragraph separators and bidirectional marks, embeddings, overrides and isolates:
/// not control characters, but an editor or a review shows them as a line break or reordered
/// text, so org text carrying them could forge what a reader sees.
pub(crate) fn deceptive(c: char) -> bool {
    matches!(
        c,
        '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    ) || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// How deep a JSON value nests.
pub(crate) fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether every character of `id` can be in an Okta id (letters, digits, `_`, `-`): such an id
/// can neither end a `# okta:` comment nor leave a URL path segment or a file name.
pub(crate) fn is_okta_id(id: &str) -> bool {
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A JSON pointer segment (RFC 6901 escaping).
pub(crate) fn pointer_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoints_pages_are_its_own_files_in_page_order() {
        let files: OrgFiles = [
            "idps.page-10.json",
            "idps.page-2.json",
            "idps.json",
            "idps.page-x.json",
            "idpsx.json",
            "apps.json",
            "rules/a.json",
            "rules/ab.json",
            "rules/a.page-2.json",
        ]
        .into_iter()
        .map(|p| (p.to_owned(), String::new()))
        .collect();
        let paths = |name| -> Vec<&str> {
            endpoint_files(&files, name)
                .into_iter()
                .map(|(p, _)| p)
                .collect()
        };
        assert_eq!(
            paths("idps"),
            ["idps.json", "idps.page-2.json", "idps.page-10.json"]
        );
        assert_eq!(paths("rules/a"), ["rules/a.json", "rules/a.page-2.json"]);
        assert_eq!(paths("zones"), Vec::<&str>::new());
    }
}
