//! 1,000 random edits (seeded) at random UTF-16 positions, bad ones included, with requests
//! interleaved: the server answers every request, never with an internal error, every range it
//! returns lies inside the document, and at the end its diagnostics for the edited document
//! equal those of the same text opened fresh (so the edits were applied as the client meant).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, at, pos};
use lsp_types::{Position, Range};
use policyc_lsp::line_index::LineIndex;
use serde_json::{Value, json};

/// xorshift64*: small, seeded, good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const START: &str = "\
org acme {
  engine identity
  features [okta_to_okta_claims_sharing]
}
group admins
app wiki
authenticator okta_verify { methods [push, fastpass] }
idp corp {
  kind okta_oidc
  trust_claims true
  asserts [pwd, okta_verify.push]
}
policy p {
  apps [wiki]
  rule r {
    when group in [admins]
    require 2 factor_types
    possession [phishing_resistant]
  }
}
test \"t\" {
  app wiki
  claims corp [pwd]
  expect challenge by r
}
";

const SNIPPETS: &[&str] = &[
    "",
    " ",
    "\n",
    "\r\n",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "#",
    ",",
    ".",
    "admins",
    "group ",
    "rule x { require password }",
    "policy q { apps [wiki] }",
    "😀",
    "é",
    "\u{10FFFF}",
    "okta_verify.",
    "asserts [hwk, phr]",
    "when group in [",
    "test \"u\" { expect allow by ",
];

const REQUESTS: &[&str] = &[
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/documentSymbol",
    "textDocument/codeAction",
    "textDocument/codeLens",
    "textDocument/formatting",
];

/// Every `range` in a JSON value (recursively), as protocol ranges.
fn ranges(v: &Value, out: &mut Vec<Range>) {
    match v {
        Value::Object(map) => {
            if let Some(r) = map
                .get("range")
                .and_then(|r| serde_json::from_value::<Range>(r.clone()).ok())
            {
                out.push(r);
            }
            for (_, x) in map {
                ranges(x, out);
            }
        }
        Value::Array(items) => {
            for x in items {
                ranges(x, out);
            }
        }
        _ => {}
    }
}

fn inside(text: &str, index: &LineIndex, p: Position) -> bool {
    // A position is inside when converting it to an offset and back gives it unchanged.
    index.position(text, index.offset(text, p)) == p
}

#[test]
fn a_thousand_random_edits() {
    let seed = std::env::var("POLICYC_LSP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_1234_ABCD_u64);
    let mut rng = Rng(seed);
    let mut c = Client::start(None, json!({}));
    let uri = "untitled:random";
    let mut text = START.to_owned();
    c.open(uri, &text, 0);
    let mut answered = 0;
    let mut with_content = 0;
    for version in 1..=1000 {
        let index = LineIndex::new(&text);
        let lines = index.line_count() as u64;
        let position = |rng: &mut Rng| Position {
            line: rng.below(lines + 2) as u32,
            character: rng.below(40) as u32,
        };
        let a = position(&mut rng);
        let b = match rng.below(100) {
            // Mostly insertions and small replacements, as people type.
            0..60 => a,
            60..90 => Position {
                character: a.character + rng.below(6) as u32,
                ..a
            },
            // Sometimes a wide range, possibly reversed.
            90..97 => position(&mut rng),
            // And positions far outside the document.
            _ => Position {
                line: a.line + 1000,
                character: u32::MAX - rng.below(3) as u32,
            },
        };
        let range = Range { start: a, end: b };
        let change = if text.len() < 300 || rng.below(100) == 0 {
            // The document was mostly deleted: start again (a full-text change).
            text = START.to_owned();
            json!([{ "text": text }])
        } else {
            let insert = rng.pick(SNIPPETS);
            // Mirror the server: positions clamped, a reversed range ordered.
            let (start, end) = index.byte_range(&text, range);
            text.replace_range(start..end, insert);
            json!([{ "range": range, "text": insert }])
        };
        c.change(uri, version, change);

        if version % 3 == 0 {
            let method = rng.pick(REQUESTS);
            let index = LineIndex::new(&text);
            let p = position(&mut rng);
            let params = match method {
                "textDocument/references" => json!({
                    "textDocument": { "uri": uri }, "position": pos(p.line, p.character),
                    "context": { "includeDeclaration": true },
                }),
                "textDocument/documentSymbol" | "textDocument/codeLens" => {
                    json!({ "textDocument": { "uri": uri } })
                }
                "textDocument/codeAction" => json!({
                    "textDocument": { "uri": uri },
                    "range": { "start": pos(0, 0), "end": pos(p.line, p.character) },
                    "context": { "diagnostics": [] },
                }),
                "textDocument/formatting" => json!({
                    "textDocument": { "uri": uri },
                    "options": { "tabSize": 2, "insertSpaces": true },
                }),
                _ => at(uri, p.line, p.character),
            };
            let r = c.request(method, params);
            assert!(
                r.get("error").is_none(),
                "{method} at version {version}: {r}"
            );
            let mut found = Vec::new();
            ranges(&r["result"], &mut found);
            for range in found {
                assert!(
                    inside(&text, &index, range.start) && inside(&text, &index, range.end),
                    "{method} at version {version} returned {range:?} outside the document"
                );
                assert!(range.start <= range.end, "{range:?}");
            }
            answered += 1;
            if !(r["result"].is_null() || r["result"] == json!([])) {
                with_content += 1;
            }
        }
    }
    assert_eq!(answered, 333);
    eprintln!("{with_content} of {answered} requests had a non-empty answer; final text:\n{text}");
    // The edits keep enough of the document for most requests to find something.
    assert!(with_content > 40, "{with_content}");
    assert!(c.is_alive());

    // The server's text is the client's: a fresh document with the mirrored text gets the same
    // diagnostics.
    let diags = |c: &mut Client, uri: &str, version: i64| {
        let mut d = c.diagnostics(uri, |p| p["version"] == version)["diagnostics"].clone();
        for x in d.as_array_mut().unwrap() {
            if let Some(o) = x.as_object_mut() {
                o.remove("relatedInformation");
            }
        }
        d
    };
    let edited = diags(&mut c, uri, 1000);
    c.open("untitled:fresh", &text, 1);
    let fresh = diags(&mut c, "untitled:fresh", 1);
    assert_eq!(edited, fresh);
    assert_eq!(c.shutdown(), Some(0));
}
