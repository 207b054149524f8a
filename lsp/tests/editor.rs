//! The real server over stdio, for the editor's second round: rename, semantic tokens, inlay
//! hints, what-if lenses, navigation, cancellation, configuration and multi-root workspaces,
//! each with exact expected results.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, at, file_uri, pos, range, temp_dir};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const ORG: &str = "\
org acme {
  engine identity
  features [third_party_claims_sharing]
}
group admins
group staff
app wiki
app crm

authenticator password
authenticator okta_verify { methods [push] }
";

const IDPS: &str = "\
# Corp's Entra tenant.
# Its keys are pinned.
idp corp {
  kind oidc
  issuer \"https://corp.example\"
  jwks \"keys/corp.json\"
  trust_claims true
  asserts [pwd, otp, hwk]
}

idp legacy {
  kind saml
  issuer \"https://legacy.example\"
}
";

const APPS: &str = "\
policy sso {
  apps [wiki, crm]
  rule admins {
    when group in [admins]
    require 2 factor_types
    possession [hardware_protected]
  }
  rule others {
    require password + 1 factor_type
  }
}

test \"admins get in\" {
  app wiki
  user { groups [admins] }
  claims corp [pwd, hwk]
  expect allow by admins
}
";

struct Fixture {
    dir: PathBuf,
    org: String,
    idps: String,
    apps: String,
}

fn fixture() -> Fixture {
    let dir = temp_dir("editor");
    std::fs::write(dir.join("org.policy"), ORG).unwrap();
    std::fs::write(dir.join("idps.policy"), IDPS).unwrap();
    std::fs::write(dir.join("apps.policy"), APPS).unwrap();
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(dir.join("keys/corp.json"), "{\"keys\": []}").unwrap();
    let uri = |p: &str| file_uri(&dir.join(p));
    Fixture {
        org: uri("org.policy"),
        idps: uri("idps.policy"),
        apps: uri("apps.policy"),
        dir,
    }
}

/// A server on the fixture, its first diagnostics read (so the set has been checked).
fn start(f: &Fixture, capabilities: Value) -> Client {
    let mut c = Client::start(Some(&f.dir), capabilities);
    let d = c.diagnostics(&f.apps, |_| true);
    assert_eq!(d["diagnostics"], json!([]));
    c
}

/// Semantic tokens decoded to absolute `(line, character, length, type, modifiers)`.
fn decode(data: &Value, legend: &Value) -> Vec<(u32, u32, u32, String, Vec<String>)> {
    let types = legend["tokenTypes"].as_array().unwrap();
    let mods = legend["tokenModifiers"].as_array().unwrap();
    let data: Vec<u32> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let (mut line, mut ch) = (0, 0);
    data.chunks(5)
        .map(|t| {
            if t[0] > 0 {
                line += t[0];
                ch = t[1];
            } else {
                ch += t[1];
            }
            let modifiers = (0..mods.len())
                .filter(|i| t[4] & (1 << i) != 0)
                .map(|i| mods[i].as_str().unwrap().to_owned())
                .collect();
            (
                line,
                ch,
                t[2],
                types[t[3] as usize].as_str().unwrap().to_owned(),
                modifiers,
            )
        })
        .collect()
}

fn tok(
    line: u32,
    ch: u32,
    len: u32,
    ty: &str,
    mods: &[&str],
) -> (u32, u32, u32, String, Vec<String>) {
    (
        line,
        ch,
        len,
        ty.to_owned(),
        mods.iter().map(|m| (*m).to_owned()).collect(),
    )
}

#[test]
fn semantic_tokens_classify_every_token_of_a_fixture_and_deltas_rebuild_the_full_result() {
    let f = fixture();
    let mut c = Client::spawn(&[]);
    let init = c.call(
        "initialize",
        json!({ "processId": null, "rootUri": file_uri(&f.dir), "capabilities": {} }),
    );
    c.notify("initialized", json!({}));
    let legend = init["capabilities"]["semanticTokensProvider"]["legend"].clone();
    assert_eq!(
        legend,
        json!({
            "tokenTypes": [
                "keyword", "namespace", "variable", "parameter", "class", "interface", "method",
                "struct", "event", "type", "function", "enumMember", "property", "enum", "number",
                "string", "comment", "operator"
            ],
            "tokenModifiers": ["declaration", "defaultLibrary"],
        })
    );
    assert_eq!(
        init["capabilities"]["semanticTokensProvider"]["full"],
        json!({ "delta": true })
    );

    let t = c.call(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": f.apps } }),
    );
    let first_id = t["resultId"].as_str().unwrap().to_owned();
    let first_data = t["data"].as_array().unwrap().clone();
    let decl = &["declaration"][..];
    assert_eq!(
        decode(&t["data"], &legend),
        vec![
            tok(0, 0, 6, "keyword", &[]),
            tok(0, 7, 3, "type", decl),
            tok(1, 2, 4, "keyword", &[]),
            tok(1, 8, 4, "class", &[]),
            tok(1, 14, 3, "class", &[]),
            tok(2, 2, 4, "keyword", &[]),
            tok(2, 7, 6, "function", decl),
            tok(3, 4, 4, "keyword", &[]),
            tok(3, 9, 5, "keyword", &[]),
            tok(3, 15, 2, "keyword", &[]),
            tok(3, 19, 6, "variable", &[]),
            tok(4, 4, 7, "keyword", &[]),
            tok(4, 12, 1, "number", &[]),
            tok(4, 14, 12, "keyword", &[]),
            tok(5, 4, 10, "keyword", &[]),
            tok(5, 16, 18, "property", &["defaultLibrary"]),
            tok(7, 2, 4, "keyword", &[]),
            tok(7, 7, 6, "function", decl),
            tok(8, 4, 7, "keyword", &[]),
            tok(8, 12, 8, "keyword", &[]),
            tok(8, 21, 1, "operator", &[]),
            tok(8, 23, 1, "number", &[]),
            tok(8, 25, 11, "keyword", &[]),
            tok(12, 0, 4, "keyword", &[]),
            tok(12, 5, 15, "string", decl),
            tok(13, 2, 3, "keyword", &[]),
            tok(13, 6, 4, "class", &[]),
            tok(14, 2, 4, "keyword", &[]),
            tok(14, 9, 6, "keyword", &[]),
            tok(14, 17, 6, "variable", &[]),
            tok(15, 2, 6, "keyword", &[]),
            tok(15, 9, 4, "struct", &[]),
            tok(15, 15, 3, "enumMember", &["defaultLibrary"]),
            tok(15, 20, 3, "enumMember", &["defaultLibrary"]),
            tok(16, 2, 6, "keyword", &[]),
            tok(16, 9, 5, "enum", &[]),
            tok(16, 15, 2, "keyword", &[]),
            tok(16, 18, 6, "function", &[]),
        ]
    );

    // Comments, strings, IdP kinds and a method path, in the other files.
    let t = c.call(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": f.idps } }),
    );
    let idps = decode(&t["data"], &legend);
    assert_eq!(idps[0], tok(0, 0, 22, "comment", &[]));
    assert_eq!(idps[3], tok(2, 4, 4, "struct", decl));
    assert_eq!(idps[5], tok(3, 7, 4, "enum", &[]));
    assert_eq!(idps[7], tok(4, 9, 22, "string", &[]));
    let t = c.call(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": f.org } }),
    );
    let org = decode(&t["data"], &legend);
    let lib_decl = &["declaration", "defaultLibrary"][..];
    assert!(
        org.contains(&tok(9, 14, 8, "interface", lib_decl)),
        "{org:?}"
    );
    assert!(
        org.contains(&tok(10, 14, 11, "interface", lib_decl)),
        "{org:?}"
    );
    assert!(
        org.contains(&tok(10, 37, 4, "method", &["defaultLibrary"])),
        "{org:?}"
    );
    assert!(org.contains(&tok(0, 4, 4, "namespace", decl)), "{org:?}");

    // An edit, then a delta against the first result: applied to the first result's data, it
    // gives exactly a fresh full result.
    c.open(&f.apps, APPS, 1);
    let edited = APPS.replace("  rule others {\n", "  # catch-all\n  rule others {\n");
    c.change(&f.apps, 2, json!([{ "text": edited }]));
    let d = c.call(
        "textDocument/semanticTokens/full/delta",
        json!({ "textDocument": { "uri": f.apps }, "previousResultId": first_id }),
    );
    let edits = d["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{d}");
    let mut data = first_data;
    let start = edits[0]["start"].as_u64().unwrap() as usize;
    let delete = edits[0]["deleteCount"].as_u64().unwrap() as usize;
    let insert = edits[0]["data"].as_array().unwrap().clone();
    data.splice(start..start + delete, insert);
    let full = c.call(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": f.apps } }),
    );
    assert_eq!(Value::from(data), full["data"]);
    assert_eq!(
        decode(&full["data"], &legend)[16],
        tok(7, 2, 11, "comment", &[])
    );
    // An unknown previous result id gets a full result.
    let d = c.call(
        "textDocument/semanticTokens/full/delta",
        json!({ "textDocument": { "uri": f.apps }, "previousResultId": "nope" }),
    );
    assert_eq!(d["data"], full["data"]);
}

fn hint(line: u32, character: u32, label: &str) -> Value {
    json!({ "kind": 2, "label": label, "paddingLeft": true, "position": pos(line, character) })
}

#[test]
fn inlay_hints_show_what_satisfies_each_rule_and_are_refreshed_with_diagnostics() {
    let f = fixture();
    let mut c = start(
        &f,
        json!({ "workspace": { "inlayHint": { "refreshSupport": true } } }),
    );
    let all = range(0, 0, 100, 0);
    let h = c.call(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": f.apps }, "range": all }),
    );
    assert_eq!(
        h,
        json!([
            hint(4, 26, "⇐ claims: corp"),
            hint(8, 36, "⇐ local password, okta_verify · claims: corp"),
        ])
    );
    let h = c.call(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": f.idps }, "range": all }),
    );
    assert_eq!(h, json!([hint(6, 19, "⇐ 1 rule depends on it alone")]));
    // Only the hints inside the range asked for.
    let h = c.call(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": f.apps }, "range": range(7, 0, 9, 0) }),
    );
    assert_eq!(h.as_array().unwrap().len(), 1);

    // Without `hwk`, nothing can satisfy `admins`, and nothing depends on `corp` alone; the
    // client is asked to refresh its hints once diagnostics are published.
    c.open(&f.idps, IDPS, 1);
    c.change(
        &f.idps,
        2,
        json!([{ "range": range(7, 19, 7, 24), "text": "" }]),
    );
    let d = c.diagnostics(&f.apps, |p| p["diagnostics"] != json!([]));
    assert_eq!(d["diagnostics"][0]["code"], "unsatisfiable-rule");
    let refresh = c
        .wait_for(|m| m["method"] == "workspace/inlayHint/refresh")
        .expect("an inlay hint refresh");
    assert_eq!(refresh["params"], Value::Null);
    let h = c.call(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": f.apps }, "range": all }),
    );
    assert_eq!(h[0], hint(4, 26, "⇐ nothing: unsatisfiable"));
    let h = c.call(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": f.idps }, "range": all }),
    );
    assert_eq!(h, json!([hint(6, 19, "⇐ no rule depends on it alone")]));
}

#[test]
fn navigation_highlights_folds_symbols_paths_and_the_rules_an_amr_value_helps() {
    let f = fixture();
    let mut c = start(&f, json!({}));
    let h = c.call("textDocument/documentHighlight", at(&f.apps, 3, 20));
    assert_eq!(
        h,
        json!([
            { "kind": 2, "range": range(3, 19, 3, 25) },
            { "kind": 2, "range": range(14, 17, 14, 23) },
        ])
    );
    let h = c.call("textDocument/documentHighlight", at(&f.apps, 2, 9));
    assert_eq!(
        h,
        json!([
            { "kind": 3, "range": range(2, 7, 2, 13) },
            { "kind": 2, "range": range(16, 18, 16, 24) },
        ])
    );

    let folds = c.call(
        "textDocument/foldingRange",
        json!({ "textDocument": { "uri": f.idps } }),
    );
    assert_eq!(
        folds,
        json!([
            { "startLine": 0, "endLine": 1, "kind": "comment" },
            { "startLine": 2, "endLine": 8 },
            { "startLine": 10, "endLine": 13 },
        ])
    );
    let folds = c.call(
        "textDocument/foldingRange",
        json!({ "textDocument": { "uri": f.apps } }),
    );
    assert_eq!(
        folds,
        json!([
            { "startLine": 0, "endLine": 10 },
            { "startLine": 2, "endLine": 6 },
            { "startLine": 7, "endLine": 9 },
            { "startLine": 12, "endLine": 17 },
        ])
    );

    let s = c.call("workspace/symbol", json!({ "query": "ADM" }));
    let apps = f.apps.clone();
    assert_eq!(
        s,
        json!([
            { "name": "admins", "kind": 6, "containerName": "sso",
              "location": { "uri": apps, "range": range(2, 7, 2, 13) } },
            { "name": "admins get in", "kind": 12,
              "location": { "uri": apps, "range": range(12, 5, 12, 20) } },
            { "name": "admins", "kind": 14,
              "location": { "uri": f.org, "range": range(4, 6, 4, 12) } },
        ])
    );

    // Go to definition on the `jwks` path: the key file, relative to the policy file.
    let d = c.call("textDocument/definition", at(&f.idps, 5, 10));
    assert_eq!(
        d,
        json!([{ "uri": file_uri(&f.dir.join("keys/corp.json")), "range": range(0, 0, 0, 0) }])
    );
    // A path to a missing file goes nowhere.
    std::fs::remove_file(f.dir.join("keys/corp.json")).unwrap();
    let d = c.call("textDocument/definition", at(&f.idps, 5, 10));
    assert_eq!(d, Value::Null);

    // References on `hwk` in `asserts`: the rule whose hardware-protected possession it
    // proves. `pwd` and `otp` are needed by none (the local password proves knowledge, and
    // `otp` is not hardware-protected).
    let refs = |c: &mut Client, ch: u32| {
        c.call(
            "textDocument/references",
            json!({ "textDocument": { "uri": f.idps }, "position": pos(7, ch),
                    "context": { "includeDeclaration": false } }),
        )
    };
    assert_eq!(
        refs(&mut c, 22),
        json!([{ "uri": f.apps, "range": range(2, 7, 2, 13) }])
    );
    assert_eq!(refs(&mut c, 11), json!([]));
    assert_eq!(refs(&mut c, 17), json!([]));
    // Elsewhere an AMR value's references are its occurrences, as before.
    let r = c.call(
        "textDocument/references",
        json!({ "textDocument": { "uri": f.apps }, "position": pos(15, 21),
                "context": { "includeDeclaration": false } }),
    );
    assert_eq!(
        r,
        json!([
            { "uri": f.apps, "range": range(15, 20, 15, 23) },
            { "uri": f.idps, "range": range(7, 21, 7, 24) },
        ])
    );
}

#[test]
fn what_if_lenses_run_the_guard_on_the_unsaved_workspace() {
    let f = fixture();
    let mut c = start(&f, json!({}));
    let lenses = c.call(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": f.idps } }),
    );
    let lens = |line: u32, ch: u32, title: &str, verb: &str, name: &str, uri: &str| {
        json!({
            "range": range(line, ch, line, ch),
            "command": { "title": title, "command": "policyc.whatIf",
                         "arguments": [uri, verb, name] },
        })
    };
    assert_eq!(
        lenses,
        json!([
            lens(2, 0, "deactivate?", "deactivate", "corp", &f.idps),
            lens(10, 0, "deactivate?", "deactivate", "legacy", &f.idps),
        ])
    );
    let lenses = c.call(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": f.org } }),
    );
    assert_eq!(
        lenses,
        json!([lens(
            2,
            12,
            "switch off?",
            "disable",
            "third_party_claims_sharing",
            &f.org
        )])
    );

    let run = |c: &mut Client, uri: &str, verb: &str, name: &str| {
        c.call(
            "workspace/executeCommand",
            json!({ "command": "policyc.whatIf", "arguments": [uri, verb, name] }),
        )
    };
    let v = run(&mut c, &f.idps, "deactivate", "corp");
    // The test "admins get in" signs in with `corp`'s claims: `policyc test` would fail too.
    let message = "deactivate IdP `corp`: refused; it leaves 1 rule unsatisfiable: rule `admins` of `sso`; 1 test would fail";
    assert_eq!(
        v,
        json!({
            "refused": true,
            "message": message,
            "broken": [{ "uri": f.apps, "range": range(2, 7, 2, 13) }],
        })
    );
    let shown = c.wait_for(|m| m["method"] == "window/showMessage").unwrap();
    assert_eq!(shown["params"], json!({ "type": 2, "message": message }));
    let v = run(&mut c, &f.org, "disable", "third_party_claims_sharing");
    assert_eq!(
        v["message"],
        "switch off `third_party_claims_sharing`: refused; it leaves 1 rule unsatisfiable: rule `admins` of `sso`; 1 test would fail"
    );
    let v = run(&mut c, &f.idps, "deactivate", "legacy");
    assert_eq!(
        v,
        json!({
            "refused": false,
            "message": "deactivate IdP `legacy`: allowed (`legacy` does not trust claims: no rule depends on its claims)",
            "broken": [],
        })
    );
    let r = c.request(
        "workspace/executeCommand",
        json!({ "command": "policyc.whatIf", "arguments": [f.idps, "deactivate", "nobody"] }),
    );
    assert_eq!(r["error"]["code"], -32602);
    assert_eq!(r["error"]["message"], "no IdP named `nobody`");

    // On the unsaved text: with `corp` asserting `hwk` twice over another IdP, deactivating it
    // breaks no rule, but the test that signs in with its claims would fail. A route sends
    // users to `legacy`: deactivating it is what `check` refuses, so what-if refuses it too.
    let unsaved = format!(
        "{IDPS}\nidp backup {{\n  kind oidc\n  issuer \"https://backup.example\"\n  trust_claims true\n  asserts [pwd, hwk]\n}}\nroute r {{\n  when domain in [\"l.example\"]\n  to legacy\n}}\n"
    );
    c.open(&f.idps, &unsaved, 1);
    let v = run(&mut c, &f.idps, "deactivate", "corp");
    assert_eq!(
        v["message"],
        "deactivate IdP `corp`: refused; 1 test would fail"
    );
    let v = run(&mut c, &f.idps, "deactivate", "legacy");
    assert_eq!(
        v,
        json!({
            "refused": true,
            "message": "deactivate IdP `legacy`: refused; `policyc check` would report: route `r` sends users to inactive IdP `legacy` (`legacy` does not trust claims: no rule depends on its claims)",
            "broken": [{ "uri": f.idps, "range": range(23, 5, 23, 11) }],
        })
    );

    // "mark inactive" only where the guard allows it: `legacy`, not `corp` (on the saved text).
    c.change(&f.idps, 2, json!([{ "text": IDPS }]));
    let actions = |c: &mut Client, line: u32| {
        c.call(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": f.idps }, "range": range(line, 2, line, 2),
                    "context": { "diagnostics": [] } }),
        )
    };
    assert_eq!(actions(&mut c, 3), json!([]));
    assert_eq!(
        actions(&mut c, 11),
        json!([{
            "title": "mark IdP `legacy` inactive (deactivate IdP `legacy`: allowed (`legacy` does not trust claims: no rule depends on its claims))",
            "kind": "refactor.rewrite",
            "edit": { "changes": { f.idps.clone(): [
                { "range": range(13, 0, 13, 0), "newText": "  status inactive\n" }
            ] } },
        }])
    );
    // An IdP on one line gets the setting before its brace; one with `status active` gets
    // it changed.
    let more = "idp tiny { kind saml }\nidp spare {\n  kind saml\n  status active\n}\n";
    c.change(&f.idps, 3, json!([{ "text": format!("{IDPS}{more}") }]));
    let edit_of = |a: &Value| a[0]["edit"]["changes"][&f.idps][0].clone();
    assert_eq!(
        edit_of(&actions(&mut c, 14)),
        json!({ "range": range(14, 21, 14, 21), "newText": "status inactive " })
    );
    assert_eq!(
        edit_of(&actions(&mut c, 16)),
        json!({ "range": range(17, 9, 17, 15), "newText": "inactive" })
    );
}

fn rename(c: &mut Client, uri: &str, line: u32, ch: u32, new_name: &str) -> Value {
    c.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": pos(line, ch), "newName": new_name }),
    )
}

#[test]
fn rename_refuses_fixed_names_invalid_names_and_collisions_with_a_reason() {
    let f = fixture();
    let mut c = start(&f, json!({}));
    let refused = |r: &Value| {
        assert_eq!(r["error"]["code"], -32803, "{r}");
        r["error"]["message"].as_str().unwrap().to_owned()
    };
    let prep = c.request("textDocument/prepareRename", at(&f.apps, 15, 21));
    assert_eq!(
        refused(&prep),
        "`hwk` is an AMR value defined by RFC 8176: it cannot be renamed"
    );
    let prep = c.request("textDocument/prepareRename", at(&f.org, 10, 16));
    assert_eq!(
        refused(&prep),
        "`okta_verify` is a name from Okta's authenticator catalogue: it cannot be renamed"
    );
    let prep = c.request("textDocument/prepareRename", at(&f.apps, 5, 20));
    assert_eq!(
        refused(&prep),
        "`hardware_protected` is a possession constraint Okta defines: it cannot be renamed"
    );
    let prep = c.request("textDocument/prepareRename", at(&f.apps, 4, 5));
    assert_eq!(refused(&prep), "there is no name here to rename");
    let prep = c.call("textDocument/prepareRename", at(&f.apps, 12, 8));
    assert_eq!(
        prep,
        json!({ "range": range(12, 5, 12, 20), "placeholder": "admins get in" })
    );

    assert_eq!(
        refused(&rename(&mut c, &f.org, 4, 7, "staff")),
        "a group named `staff` already exists (org.policy:6)"
    );
    assert_eq!(
        refused(&rename(&mut c, &f.org, 4, 7, "9lives")),
        "`9lives` is not a valid name: a name starts with a letter or `_` and goes on with letters, digits, `_` or `-`"
    );
    assert_eq!(
        refused(&rename(&mut c, &f.org, 4, 7, "the admins")),
        "`the admins` is not a valid name: a name starts with a letter or `_` and goes on with letters, digits, `_` or `-`"
    );
    assert_eq!(
        refused(&rename(&mut c, &f.idps, 2, 5, "none")),
        "`none` cannot name an IdP: `claims none` in a test means no IdP"
    );
    assert_eq!(
        refused(&rename(&mut c, &f.idps, 2, 5, "legacy")),
        "an IdP named `legacy` already exists (idps.policy:11)"
    );
    assert_eq!(
        refused(&rename(&mut c, &f.apps, 2, 8, "others")),
        "a rule named `others` already exists in policy `sso` (apps.policy:8)"
    );
    assert_eq!(
        refused(&rename(&mut c, &f.apps, 12, 8, "quote\"d")),
        "a test title cannot contain '\"' here: write it in the file with an escape"
    );

    // A valid rename: the declaration and every reference, in every file.
    let r = c.call(
        "textDocument/rename",
        json!({ "textDocument": { "uri": f.apps }, "position": pos(14, 19), "newName": "administrators" }),
    );
    let edit =
        |l1, c1, l2, c2| json!({ "range": range(l1, c1, l2, c2), "newText": "administrators" });
    assert_eq!(
        r,
        json!({ "changes": {
            f.org.clone(): [edit(4, 6, 4, 12)],
            f.apps.clone(): [edit(3, 19, 3, 25), edit(14, 17, 14, 23)],
        } })
    );
    let r = c.call(
        "textDocument/rename",
        json!({ "textDocument": { "uri": f.apps }, "position": pos(12, 8), "newName": "admins get in with a key" }),
    );
    assert_eq!(
        r,
        json!({ "changes": { f.apps.clone(): [
            { "range": range(12, 5, 12, 20), "newText": "\"admins get in with a key\"" }
        ] } })
    );

    // `by admins` must not come to name another policy's rule.
    let session = "session_policy base {\n  rule fallback {\n    require password\n  }\n}\n";
    c.open(&f.apps, &format!("{APPS}{session}"), 1);
    assert_eq!(
        refused(&rename(&mut c, &f.apps, 2, 8, "fallback")),
        "tests name rule `admins` without its policy, and `fallback` is also a rule of policy `base`: write those as `by sso.admins` first, or pick another name"
    );

    // A syntax error anywhere: no rename (references inside the broken item cannot be found).
    c.change(
        &f.apps,
        2,
        json!([{ "text": APPS.replace("rule others {", "rule others {{") }]),
    );
    assert_eq!(
        refused(&rename(&mut c, &f.org, 4, 7, "administrators")),
        "`apps.policy` has a syntax error: fix it first, since names inside an item that does not parse cannot be found"
    );
}

/// The byte offset of a UTF-16 position.
fn offset(text: &str, line: u64, character: u64) -> usize {
    let mut at = 0;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n as u64 == line {
            let mut units = 0;
            for (i, ch) in l.char_indices() {
                if units >= character {
                    return at + i;
                }
                units += ch.len_utf16() as u64;
            }
            return at + l.len();
        }
        at += l.len();
    }
    text.len()
}

/// Applies a `WorkspaceEdit`'s `changes` to the files on disk; returns how many edits per file
/// (by path under `dir`).
fn apply(dir: &Path, edit: &Value) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (uri, edits) in edit["changes"].as_object().unwrap() {
        let path = uri.strip_prefix("file://").unwrap();
        let mut text = std::fs::read_to_string(path).unwrap();
        let mut edits: Vec<&Value> = edits.as_array().unwrap().iter().collect();
        let start = |e: &Value| {
            let s = &e["range"]["start"];
            (
                s["line"].as_u64().unwrap(),
                s["character"].as_u64().unwrap(),
            )
        };
        edits.sort_by_key(|e| std::cmp::Reverse(start(e)));
        for e in &edits {
            let (s, e2) = (&e["range"]["start"], &e["range"]["end"]);
            let a = offset(
                &text,
                s["line"].as_u64().unwrap(),
                s["character"].as_u64().unwrap(),
            );
            let b = offset(
                &text,
                e2["line"].as_u64().unwrap(),
                e2["character"].as_u64().unwrap(),
            );
            text.replace_range(a..b, e["newText"].as_str().unwrap());
        }
        std::fs::write(path, text).unwrap();
        let name = Path::new(path).strip_prefix(dir).unwrap();
        out.push((name.to_string_lossy().into_owned(), edits.len()));
    }
    out.sort();
    out
}

/// The position of the `n`th `needle` (0-based) in a file: (line, UTF-16 character).
fn find(path: &Path, needle: &str, n: usize) -> (u32, u32) {
    let text = std::fs::read_to_string(path).unwrap();
    let at = text.match_indices(needle).nth(n).unwrap().0;
    let before = &text[..at];
    let line = before.matches('\n').count() as u32;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .encode_utf16()
        .count() as u32;
    (line, col)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn renames_on_the_example_policies_leave_them_clean_with_their_tests_passing() {
    let dir = temp_dir("rename-policies");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies"),
        &dir,
    );
    let mut c = Client::start(Some(&dir), json!({}));
    let org = file_uri(&dir.join("org.policy"));
    assert_eq!(c.diagnostics(&org, |_| true)["diagnostics"], json!([]));

    // (file, text to find, the character into it, new name). The edits are compared with a
    // count of the name as a whole word outside comments and strings in every file: each name
    // here names one thing only.
    let cases: &[(&str, &str, u32, &str)] = &[
        // An IdP: its declaration, the route to it, the tests' `claims`.
        ("idps.policy", "idp globex_entra", 5, "globex_azure"),
        // A group, a zone: declarations, conditions, tests' users.
        ("org.policy", "group contractors", 7, "staff_augmentation"),
        ("org.policy", "zone vpn", 6, "globalprotect"),
        // An app: `apps [..]`, conditions, tests.
        ("org.policy", "app github", 5, "github_enterprise"),
        // A rule named by tests' `expect .. by`.
        (
            "apps/engineering.policy",
            "rule mobile_on_call",
            6,
            "on_call_mobile",
        ),
        // The session policy, named by `by default.everyone`.
        ("session.policy", "session_policy default", 16, "baseline"),
        ("routes.policy", "route globex", 7, "globex_users"),
    ];
    for (file, needle, into, new_name) in cases {
        let path = dir.join(file);
        let (line, col) = find(&path, needle, 0);
        let uri = file_uri(&path);
        let old_name = needle.rsplit(' ').next().unwrap();
        let expected = word_counts(&dir, old_name);
        let prep = c.call("textDocument/prepareRename", at(&uri, line, col + into));
        assert_eq!(prep["placeholder"], *old_name);
        let edit = c.call(
            "textDocument/rename",
            json!({ "textDocument": { "uri": uri }, "position": pos(line, col + into), "newName": new_name }),
        );
        assert_eq!(apply(&dir, &edit), expected, "renaming {old_name}");
        assert!(word_counts(&dir, old_name).is_empty());
        // Tell the server the files changed, and wait for it to re-check them.
        let changes: Vec<Value> = edit["changes"]
            .as_object()
            .unwrap()
            .keys()
            .map(|u| json!({ "uri": u, "type": 2 }))
            .collect();
        c.notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": changes }),
        );
        let d = c.diagnostics(&org, |_| true);
        assert_eq!(d["diagnostics"], json!([]), "after renaming to {new_name}");
    }
    // A test's title.
    let path = dir.join("tests/finance.policy");
    let (line, col) = find(&path, "\"a contractor off", 0);
    let edit = c.call(
        "textDocument/rename",
        json!({ "textDocument": { "uri": file_uri(&path) }, "position": pos(line, col + 3),
                "newName": "contractors off the corporate network cannot reach NetSuite" }),
    );
    assert_eq!(
        apply(&dir, &edit),
        vec![("tests/finance.policy".to_owned(), 1)]
    );

    // The result, as `policyc check` and `policyc test` see it: clean, every test passing.
    let text = std::fs::read_to_string(dir.join("idps.policy")).unwrap();
    assert!(text.contains("idp globex_azure {"));
    let sources = policyc::cli::load::load(std::slice::from_ref(&dir)).unwrap();
    let compiled = policyc::compile(sources);
    let diagnostics = policyc::check::check(&compiled, &Default::default());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let results = policyc::eval::suite::run_all(&compiled);
    assert_eq!(results.len(), 57);
    assert!(results.iter().all(|r| r.passed()));
    let engineering = std::fs::read_to_string(dir.join("tests/engineering.policy")).unwrap();
    assert!(engineering.contains("expect challenge by baseline.everyone with [password]"));
    assert!(engineering.contains("expect allow by on_call_mobile"));
    let finance = std::fs::read_to_string(dir.join("tests/finance.policy")).unwrap();
    assert!(
        finance.contains("test \"contractors off the corporate network cannot reach NetSuite\" {")
    );
}

/// How often `word` occurs as a whole word outside comments and strings, per `.policy` file
/// under `dir` (files without it left out).
fn word_counts(dir: &Path, word: &str) -> Vec<(String, usize)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "policy") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut n = 0;
        for line in text.lines() {
            // Code only: strings blanked, the comment cut off.
            let mut code = String::new();
            let mut in_str = false;
            for ch in line.chars() {
                match ch {
                    '"' => in_str = !in_str,
                    '#' if !in_str => break,
                    _ if in_str => code.push(' '),
                    _ => code.push(ch),
                }
            }
            n += code
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .filter(|w| *w == word)
                .count();
        }
        if n > 0 {
            let rel = f.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            out.push((rel, n));
        }
    }
    out.sort();
    out
}

#[test]
fn cancelled_requests_are_answered_request_cancelled_and_the_server_goes_on() {
    let f = fixture();
    let mut c = Client::start_with_env(Some(&f.dir), json!({}), &[("POLICYC_LSP_TEST_SLOW", "1")]);
    // A long request keeps the request thread busy; one queued behind it and the long one
    // itself are cancelled.
    c.send(&json!({ "jsonrpc": "2.0", "id": 900, "method": "policyc/debugSleep", "params": { "ms": 20000 } }));
    c.send(
        &json!({ "jsonrpc": "2.0", "id": 901, "method": "textDocument/semanticTokens/full",
                    "params": { "textDocument": { "uri": f.apps } } }),
    );
    c.send(
        &json!({ "jsonrpc": "2.0", "id": "902", "method": "textDocument/inlayHint",
                    "params": { "textDocument": { "uri": f.apps }, "range": range(0, 0, 9, 0) } }),
    );
    c.notify("$/cancelRequest", json!({ "id": 901 }));
    c.notify("$/cancelRequest", json!({ "id": "902" }));
    c.notify("$/cancelRequest", json!({ "id": 900 }));
    for id in [json!(900), json!(901), json!("902")] {
        let r = c
            .wait_for(|m| m["id"] == id && m.get("method").is_none())
            .unwrap();
        assert_eq!(r["error"]["code"], -32800, "{r}");
    }
    // Answered requests are not affected by a late cancel; the next request is answered.
    c.notify("$/cancelRequest", json!({ "id": 12345 }));
    let t = c.call(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": f.apps } }),
    );
    assert_eq!(t["data"].as_array().unwrap().len(), 38 * 5);
}

#[test]
fn configuration_changes_turn_hints_and_lenses_off_and_on() {
    let f = fixture();
    let mut c = Client::spawn(&[]);
    c.call(
        "initialize",
        json!({ "processId": null, "rootUri": file_uri(&f.dir), "capabilities": {},
                "initializationOptions": { "inlayHints": false } }),
    );
    c.notify("initialized", json!({}));
    let hints = |c: &mut Client| {
        c.call(
            "textDocument/inlayHint",
            json!({ "textDocument": { "uri": f.idps }, "range": range(0, 0, 99, 0) }),
        )
    };
    let lenses = |c: &mut Client| {
        c.call(
            "textDocument/codeLens",
            json!({ "textDocument": { "uri": f.idps } }),
        )
        .as_array()
        .unwrap()
        .len()
    };
    assert_eq!(hints(&mut c), json!([]));
    assert_eq!(lenses(&mut c), 2);
    c.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "policyc": { "inlayHints": true, "whatIfLenses": false } } }),
    );
    assert_eq!(
        hints(&mut c),
        json!([hint(6, 19, "⇐ 1 rule depends on it alone")])
    );
    assert_eq!(lenses(&mut c), 0);

    // `oktaCompat`: the guard applies Okta's rule, which lets `corp` go while another active
    // IdP trusts claims (`backup`, which cannot prove `hwk`); the message says so.
    let backup = "idp backup {\n  kind oidc\n  issuer \"https://b.example\"\n  trust_claims true\n  asserts [pwd]\n}\n";
    c.open(&f.idps, &format!("{IDPS}{backup}"), 1);
    let what_if = |c: &mut Client| {
        c.call(
            "workspace/executeCommand",
            json!({ "command": "policyc.whatIf", "arguments": [f.idps, "deactivate", "corp"] }),
        )["message"]
            .clone()
    };
    // The test "admins get in" signs in with `corp`'s claims: it would fail, whichever rule
    // decides the guard.
    assert_eq!(
        what_if(&mut c),
        "deactivate IdP `corp`: refused; it leaves 1 rule unsatisfiable: rule `admins` of `sso`; 1 test would fail"
    );
    c.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "policyc": { "oktaCompat": true, "whatIfLenses": true } } }),
    );
    assert_eq!(
        what_if(&mut c),
        "deactivate IdP `corp`: refused; it leaves 1 rule unsatisfiable: rule `admins` of `sso`; 1 test would fail (policyc's exact rule refuses it)"
    );
    assert_eq!(lenses(&mut c), 3);
}

fn initialize_folders(c: &mut Client, folders: &[&Path]) {
    let folders: Vec<Value> = folders
        .iter()
        .map(|p| json!({ "uri": file_uri(p), "name": p.file_name().unwrap().to_string_lossy() }))
        .collect();
    c.call(
        "initialize",
        json!({ "processId": null, "workspaceFolders": folders, "capabilities": {} }),
    );
    c.notify("initialized", json!({}));
}

#[test]
fn each_workspace_folder_is_a_policy_set_of_its_own() {
    let root = temp_dir("multi-root");
    let (a, b) = (root.join("a"), root.join("b"));
    for d in [&a, &b] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(
            d.join("org.policy"),
            "org acme {\n  engine identity\n}\nauthenticator password\n",
        )
        .unwrap();
    }
    // `a` declares the group that `b`'s policy names: checked alone, `b` does not know it.
    std::fs::write(a.join("groups.policy"), "group admins\n").unwrap();
    let policy =
        "policy sso {\n  rule admins {\n    when group in [admins]\n    require password\n  }\n}\n";
    std::fs::write(a.join("apps.policy"), policy).unwrap();
    std::fs::write(b.join("apps.policy"), policy).unwrap();
    let mut c = Client::spawn(&[]);
    initialize_folders(&mut c, &[&a, &b]);
    let da = c.diagnostics(&file_uri(&a.join("apps.policy")), |_| true);
    assert_eq!(da["diagnostics"], json!([]));
    let db = c.diagnostics(&file_uri(&b.join("apps.policy")), |_| true);
    assert_eq!(db["diagnostics"][0]["code"], "unknown-reference");
    assert_eq!(db["diagnostics"][0]["range"], range(2, 19, 2, 25));
    // Names are relative to their own folder (as `policyc check b` prints them).
    let prep = c.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": file_uri(&b.join("org.policy")) }, "position": pos(0, 5), "newName": "x" }),
    );
    assert!(prep.get("result").is_some(), "{prep}");

    // A folder added later is checked; a removed one is cleared.
    let c2 = root.join("c");
    std::fs::create_dir_all(&c2).unwrap();
    std::fs::write(c2.join("apps.policy"), policy).unwrap();
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [{ "uri": file_uri(&c2), "name": "c" }],
                           "removed": [{ "uri": file_uri(&b), "name": "b" }] } }),
    );
    let dc = c.diagnostics(&file_uri(&c2.join("apps.policy")), |_| true);
    let codes: Vec<&str> = dc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // `c` has no org of its own: it does not borrow `a`'s.
    assert_eq!(codes, ["missing-org", "unknown-reference"]);
    let db = c.diagnostics(&file_uri(&b.join("apps.policy")), |_| true);
    assert_eq!(db["diagnostics"], json!([]));
    assert_eq!(db["version"], Value::Null);
}

#[test]
fn definition_follows_certificate_and_metadata_paths_to_their_files() {
    let dir = temp_dir("editor-certificates");
    let text = "org acme {}\nidp adfs {\n  kind saml\n  certificate \"keys/adfs.pem\"\n  metadata \"keys/adfs.xml\"\n}\n";
    std::fs::write(dir.join("idps.policy"), text).unwrap();
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(dir.join("keys/adfs.pem"), "-----BEGIN CERTIFICATE-----\n").unwrap();
    std::fs::write(dir.join("keys/adfs.xml"), "<md:EntityDescriptor/>").unwrap();
    let idps = file_uri(&dir.join("idps.policy"));
    let mut c = Client::start(Some(&dir), json!({}));
    c.diagnostics(&idps, |_| true);
    for (line, file) in [(3, "keys/adfs.pem"), (4, "keys/adfs.xml")] {
        let d = c.call("textDocument/definition", at(&idps, line, 18));
        assert_eq!(
            d,
            json!([{ "uri": file_uri(&dir.join(file)), "range": range(0, 0, 0, 0) }]),
            "{file}"
        );
    }
}
