//! `policyc.toml` in the editor, over stdio with the real server: a workspace folder holding
//! `prod/` and `staging/`, each with its own `policyc.toml`, is two policy sets, as
//! `policyc check` sees it; each set's `allow` applies to it alone, and a bad `policyc.toml` is
//! shown on the file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, file_uri, range, temp_dir};
use serde_json::{Value, json};

const ORG: &str = "org acme {\n  engine identity\n}\napp wiki\napp crm\nauthenticator password\n";
/// `contractors` is declared in prod only.
const USES: &str = "policy p {\n  apps [wiki]\n  rule r {\n    when group in [contractors]\n    require password\n  }\n}\n";
/// `late` is shadowed by the catch-all before it (`shadowed-rule`, line 3).
const SHADOWED: &str = "policy q {\n  apps [crm]\n  rule r { require password }\n  rule late { require password }\n}\n";

fn codes(d: &Value) -> Vec<String> {
    d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Writes `text` to `path` and tells the server, as the editor's file watcher would.
fn rewrite(c: &mut Client, path: &std::path::Path, text: &str) {
    std::fs::write(path, text).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": file_uri(path), "type": 2 }] }),
    );
}

#[test]
fn each_policyc_toml_folder_is_a_set_with_its_own_allowed_codes() {
    let root = temp_dir("lsp-policy-sets");
    for set in ["prod", "staging"] {
        let dir = root.join(set);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("org.policy"), ORG).unwrap();
        std::fs::write(dir.join("apps.policy"), USES).unwrap();
        std::fs::write(dir.join("crm.policy"), SHADOWED).unwrap();
    }
    std::fs::write(root.join("prod/groups.policy"), "group contractors\n").unwrap();
    std::fs::write(
        root.join("prod/policyc.toml"),
        "allow = [\"shadowed-rule\"]\n",
    )
    .unwrap();
    std::fs::write(root.join("staging/policyc.toml"), "").unwrap();
    let uri = |p: &str| file_uri(&root.join(p));

    let mut c = Client::start(Some(&root), json!({}));
    // prod: `contractors` resolves and its policyc.toml allows the shadowed rule.
    let prod_apps = c.diagnostics(&uri("prod/apps.policy"), |_| true);
    assert_eq!(prod_apps["diagnostics"], json!([]));
    let prod_crm = c.diagnostics(&uri("prod/crm.policy"), |_| true);
    assert_eq!(prod_crm["diagnostics"], json!([]));
    // staging: prod's group is not visible, and its shadowed rule is reported.
    let staging_apps = c.diagnostics(&uri("staging/apps.policy"), |_| true);
    assert_eq!(codes(&staging_apps), ["unknown-reference"]);
    assert_eq!(staging_apps["diagnostics"][0]["range"], range(3, 19, 3, 30));
    let staging_crm = c.diagnostics(&uri("staging/crm.policy"), |_| true);
    assert_eq!(codes(&staging_crm), ["shadowed-rule"]);
    // Both policyc.toml files are valid: nothing on them.
    let toml = c.diagnostics(&uri("prod/policyc.toml"), |_| true);
    assert_eq!(toml["diagnostics"], json!([]));

    // A misspelt key: shown on the file, where it is; prod is checked without its settings.
    rewrite(
        &mut c,
        &root.join("prod/policyc.toml"),
        "# prod\nalow = [\"shadowed-rule\"]\n",
    );
    let toml = c.diagnostics(&uri("prod/policyc.toml"), |d| {
        !d["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&toml), ["invalid-config"]);
    assert_eq!(toml["diagnostics"][0]["range"], range(1, 0, 1, 4));
    let message = toml["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("invalid policyc.toml: unknown field `alow`")
            && message.contains("did you mean `allow`?"),
        "{message}"
    );
    let prod_crm = c.diagnostics(&uri("prod/crm.policy"), |d| {
        !d["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&prod_crm), ["shadowed-rule"]);

    // `paths` naming nothing is refused as `policyc check` refuses it, on the entry.
    rewrite(
        &mut c,
        &root.join("prod/policyc.toml"),
        "allow = [\"shadowed-rule\"]\npaths = [\"drafts/\"]\n",
    );
    let toml = c.diagnostics(&uri("prod/policyc.toml"), |d| {
        d["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("drafts"))
    });
    assert_eq!(codes(&toml), ["invalid-config"]);
    assert_eq!(toml["diagnostics"][0]["range"], range(1, 9, 1, 18));
    assert_eq!(
        toml["diagnostics"][0]["message"],
        "`paths` names `drafts`, which does not exist\nno such file or folder in `prod/`\n\
         name a file or folder under the folder of policyc.toml, or remove the entry"
    );

    // Fixed: the file is cleared and the allow applies again.
    rewrite(
        &mut c,
        &root.join("prod/policyc.toml"),
        "allow = [\"shadowed-rule\"]\n",
    );
    let toml = c.diagnostics(&uri("prod/policyc.toml"), |d| {
        d["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(toml["diagnostics"], json!([]));
    let prod_crm = c.diagnostics(&uri("prod/crm.policy"), |d| {
        d["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(prod_crm["diagnostics"], json!([]));

    // An open, edited document stays in its set: staging still does not see prod's group,
    // and an inline allow in it is honoured.
    let staging_crm_uri = uri("staging/crm.policy");
    c.open(&staging_crm_uri, SHADOWED, 1);
    let allowed = SHADOWED.replace(
        "  rule late",
        "  # policyc: allow(shadowed-rule) kept for the audit\n  rule late",
    );
    c.change(&staging_crm_uri, 2, json!([{ "text": allowed }]));
    let staging_crm = c.diagnostics(&staging_crm_uri, |d| d["version"] == 2);
    assert_eq!(staging_crm["diagnostics"], json!([]));
    let staging_apps = c.diagnostics(&uri("staging/apps.policy"), |_| true);
    assert_eq!(codes(&staging_apps), ["unknown-reference"]);

    // The server's own `warn` setting applies after the set's policyc.toml, as a flag would.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "policyc": { "warn": ["unknown-reference"] } } }),
    );
    let staging_apps = c.diagnostics(&uri("staging/apps.policy"), |d| {
        d["diagnostics"][0]["severity"] == 2
    });
    assert_eq!(codes(&staging_apps), ["unknown-reference"]);
    assert_eq!(c.shutdown(), Some(0));
}
