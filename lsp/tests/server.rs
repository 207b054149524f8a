//! The real server over stdio: a whole editing session on a small workspace, asserting exact
//! results.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, at, file_uri, pos, range, temp_dir};
use serde_json::{Value, json};

const ORG: &str = "\
org acme {
  engine identity
  features [okta_to_okta_claims_sharing, third_party_claims_sharing]
}
group admins
group contractors
app wiki
";

const IDPS: &str = "\
idp corp {
  kind oidc
  issuer \"https://corp.example\"
  trust_claims true
  asserts [pwd, hwk]
}
";

const APPS: &str = "\
policy sso {
  apps [wiki]
  rule admins {
    when group in [admin]
    require 2 factor_types
  }
}

test \"admins get in\" {
  app wiki
  user { groups [admins] }
  claims corp [pwd, hwk]
  expect allow by admins
}
";

fn workspace() -> (std::path::PathBuf, String, String, String) {
    let dir = temp_dir("session");
    std::fs::write(dir.join("org.policy"), ORG).unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/idps.policy"), IDPS).unwrap();
    std::fs::write(dir.join("apps.policy"), APPS).unwrap();
    let uri = |p: &str| file_uri(&dir.join(p));
    let (org, idps, apps) = (
        uri("org.policy"),
        uri("sub/idps.policy"),
        uri("apps.policy"),
    );
    (dir, org, idps, apps)
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_editing_session() {
    let (dir, org, idps, apps) = workspace();
    let mut c = Client::start(Some(&dir), json!({}));

    // The workspace is checked before anything is opened.
    let d = c.diagnostics(&org, |_| true);
    assert_eq!(d["diagnostics"], json!([]));

    c.open(&apps, APPS, 1);
    let d = c.diagnostics(&apps, |p| p["version"] == 1);
    // `codeDescription` is the published docs/checks.md anchor, never a path on the machine
    // the server was built on; without a published address (no `repository` in Cargo.toml,
    // no `POLICYC_DOCS_URL` at build time) there is none.
    let mut d = d;
    let description = d["diagnostics"][0]
        .as_object_mut()
        .unwrap()
        .remove("codeDescription");
    match policyc::diagnostic::docs::url(policyc::diagnostic::Code::UnknownReference) {
        Some(url) => {
            assert!(url.starts_with("http"), "{url}");
            assert_eq!(description, Some(json!({ "href": url })));
        }
        None => assert_eq!(description, None),
    }
    assert_eq!(
        d["diagnostics"],
        json!([{
            "range": range(3, 19, 3, 24),
            "severity": 1,
            "code": "unknown-reference",
            "source": "policyc",
            "message": "unknown group `admin`\nno group is declared with this name\ndid you mean `admins`?",
        }])
    );

    // Hover: an IdP, an AMR value, a rule named by a test.
    let h = c.call("textDocument/hover", at(&apps, 11, 10));
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**`idp corp`**"), "{text}");
    assert!(text.contains("kind: `oidc` (OIDC)"), "{text}");
    assert!(text.contains("trust_claims: true"), "{text}");
    assert!(
        text.contains("tests with its claims: \"admins get in\""),
        "{text}"
    );
    assert_eq!(h["range"], range(11, 9, 11, 13));

    let h = c.call("textDocument/hover", at(&idps, 4, 16));
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with("**`hwk`**: an RFC 8176 AMR value"),
        "{text}"
    );
    assert!(
        text.contains("- from a third-party IdP (OIDC and SAML alike): possession; characteristics: user-presence, device-bound, hardware-protected\n"),
        "{text}"
    );
    assert!(
        text.contains("- from an Okta IdP org: ignored: from an Okta org, `smart_card` is a custom authenticator"),
        "{text}"
    );

    let h = c.call("textDocument/hover", at(&apps, 12, 20));
    let text = h["contents"]["value"].as_str().unwrap();
    assert_eq!(
        text,
        "**rule `admins`** of app sign-on policy `sso`\n\nIt requires 2 factor types.\n\n\
         - local authenticators alone do not: no factor: two factor types are needed\n\
         - claims that complete it: `corp`\n"
    );

    // Definition: an app in `apps [..]` → its declaration in another file; a test's `by`
    // → the rule.
    let def = c.call("textDocument/definition", at(&apps, 1, 9));
    assert_eq!(def, json!([{ "uri": org, "range": range(6, 4, 6, 8) }]));
    let def = c.call("textDocument/definition", at(&apps, 12, 19));
    assert_eq!(def, json!([{ "uri": apps, "range": range(2, 7, 2, 13) }]));

    // References of the group `admins`, declaration included.
    let refs = c.call(
        "textDocument/references",
        json!({ "textDocument": { "uri": org }, "position": pos(4, 8), "context": { "includeDeclaration": true } }),
    );
    assert_eq!(
        refs,
        json!([
            { "uri": apps, "range": range(10, 17, 10, 23) },
            { "uri": org, "range": range(4, 6, 4, 12) },
        ])
    );

    // Completion: declared groups inside `group in [..]`, replacing the word typed so far.
    let items = c.call("textDocument/completion", at(&apps, 3, 21));
    assert_eq!(labels(&items), ["admins", "contractors"]);
    assert_eq!(items[0]["textEdit"]["range"], range(3, 19, 3, 21));
    // AMR values in a test's claims.
    let items = c.call("textDocument/completion", at(&apps, 11, 15));
    assert!(labels(&items).contains(&"otp".to_owned()));

    // Outline.
    let symbols = c.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": apps } }),
    );
    assert_eq!(symbols[0]["name"], "sso");
    assert_eq!(symbols[0]["children"][0]["name"], "admins");
    assert_eq!(symbols[1]["name"], "admins get in");

    // Quick fixes for the unknown group: the did-you-mean and a declaration.
    let actions = c.call(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": apps }, "range": range(3, 20, 3, 20), "context": { "diagnostics": [] } }),
    );
    assert_eq!(actions[0]["title"], "replace with `admins`");
    assert_eq!(
        actions[0]["edit"]["changes"][&apps],
        json!([{ "range": range(3, 19, 3, 24), "newText": "admins" }])
    );
    assert_eq!(actions[1]["title"], "declare group `admin`");
    assert_eq!(
        actions[1]["edit"]["changes"][&org],
        json!([{ "range": range(5, 17, 5, 17), "newText": "\ngroup admin" }])
    );

    // A code lens over the test, and running it.
    let lenses = c.call(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": apps } }),
    );
    assert_eq!(lenses.as_array().unwrap().len(), 1);
    assert_eq!(lenses[0]["range"], range(8, 5, 8, 5));
    let title = lenses[0]["command"]["title"].as_str().unwrap();
    assert!(
        title.starts_with("✗ fails") || title.starts_with("✓ passes"),
        "{title}"
    );
    let run = c.call(
        "workspace/executeCommand",
        json!({ "command": "policyc.runTest", "arguments": lenses[0]["command"]["arguments"] }),
    );
    assert!(run["passed"].is_boolean(), "{run}");

    // Formatting: `policyc fmt`'s layout, as the smallest edit.
    let zones = file_uri(&dir.join("zones.policy"));
    c.open(&zones, "zone   corp   # office\n", 1);
    let options = json!({ "tabSize": 2, "insertSpaces": true });
    let edits = c.call(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": zones }, "options": options }),
    );
    assert_eq!(
        edits,
        json!([{ "range": range(0, 5, 0, 12), "newText": "corp" }])
    );
    let edits = c.call(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": apps }, "options": options }),
    );
    assert_eq!(edits, json!([]));

    // Fix the typo with an incremental edit: the diagnostic goes away.
    c.change(
        &apps,
        2,
        json!([{ "range": range(3, 24, 3, 24), "text": "s" }]),
    );
    let d = c.diagnostics(&apps, |p| p["version"] == 2);
    assert_eq!(d["diagnostics"], json!([]));
    let lenses = c.call(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": apps } }),
    );
    assert_eq!(lenses[0]["command"]["title"], "✓ passes · run test");

    // Break another file on disk: the watcher notification re-reads it.
    std::fs::write(dir.join("org.policy"), ORG.replace("group admins\n", "")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": org, "type": 2 }] }),
    );
    let d = c.diagnostics(&apps, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert_eq!(d["diagnostics"][0]["code"], "unknown-reference");

    // After `shutdown`, requests are refused; `exit` then ends the process with 0.
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null);
    let r = c.request("textDocument/hover", at(&apps, 0, 0));
    assert_eq!(r["error"]["code"], -32600);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(0));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn watched_files_are_registered_when_the_client_can() {
    let dir = temp_dir("register");
    std::fs::write(dir.join("org.policy"), ORG).unwrap();
    let mut c = Client::spawn(&[]);
    c.request(
        "initialize",
        json!({
            "rootUri": file_uri(&dir),
            "capabilities": { "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } },
        }),
    );
    c.notify("initialized", json!({}));
    let reg = c
        .wait_for(|m| m["method"] == "client/registerCapability")
        .expect("a registration");
    assert_eq!(
        reg["params"]["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.policy"
    );
    assert_eq!(c.shutdown(), Some(0));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn files_on_disk_are_polled_without_a_watching_client() {
    let dir = temp_dir("poll");
    std::fs::write(dir.join("org.policy"), ORG).unwrap();
    let mut c = Client::start(Some(&dir), json!({}));
    let uri = file_uri(&dir.join("org.policy"));
    c.diagnostics(&uri, |_| true);
    let extra = dir.join("more.policy");
    std::fs::write(&extra, "group admins\n").unwrap();
    // `more.policy` sorts first, so the declaration in `org.policy` is the second one.
    let d = c.diagnostics(&uri, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert_eq!(d["diagnostics"][0]["code"], "duplicate-definition");
    assert_eq!(
        d["diagnostics"][0]["relatedInformation"][0]["location"]["uri"],
        file_uri(&extra)
    );
    assert_eq!(c.shutdown(), Some(0));
    let _ = std::fs::remove_dir_all(dir);
}
