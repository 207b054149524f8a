//! `policyc.toml`: policy sets and their settings, end to end with the real binary (`check`,
//! `test`; `watch` in tests/cli_watch.rs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, json, policyc, stderr, stdout};

const ORG: &str =
    "org acme {\n  engine identity\n}\ngroup admins\napp wiki\nauthenticator password\n";
/// A rule shadowed by an earlier catch-all (`shadowed-rule`, a warning).
const SHADOWED: &str = "policy p {\n  apps [wiki]\n  rule r { require password }\n  rule late { require password }\n}\n";
/// Names the group `contractors`, which only prod declares.
const USES_CONTRACTORS: &str = "policy p {\n  apps [wiki]\n  rule r {\n    when group in [contractors]\n    require password\n  }\n}\n";
const CLEAN: &str = "policy p {\n  apps [wiki]\n  rule r { require password }\n}\n";

/// Each diagnostic of a JSON report as (code, file, set), in order.
fn code_file_set(v: &serde_json::Value) -> Vec<(&str, &str, &str)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["set"].as_str().unwrap(),
            )
        })
        .collect()
}

/// A repository with two sets: prod declares `contractors` and uses it, and allows
/// `shadowed-rule`; staging uses `contractors` too (declared nowhere in staging) and has a
/// shadowed rule that its own `policyc.toml` does not allow.
fn two_sets(name: &str, prod_toml: &str, staging_toml: &str) -> Scratch {
    Scratch::new(
        name,
        &[
            ("prod/policyc.toml", prod_toml),
            ("prod/org.policy", &format!("{ORG}group contractors\n")),
            ("prod/apps.policy", USES_CONTRACTORS),
            (
                "prod/shadow.policy",
                &SHADOWED
                    .replace("policy p", "policy q")
                    .replace("[wiki]", "[crm]"),
            ),
            ("prod/crm.policy", "app crm\n"),
            ("staging/policyc.toml", staging_toml),
            ("staging/org.policy", ORG),
            ("staging/apps.policy", USES_CONTRACTORS),
        ],
    )
}

#[test]
fn each_set_is_checked_on_its_own_with_its_own_allowed_codes() {
    let dir = two_sets("apart", "allow = [\"shadowed-rule\"]\n", "");
    let out = policyc(&["check", "--format", "json"], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    let found = code_file_set(&v);
    // `contractors` is declared in prod, not visible in staging; prod's shadowed rule is
    // allowed by prod's policyc.toml.
    assert_eq!(
        found,
        [("unknown-reference", "staging/apps.policy", "staging/")]
    );
    assert_eq!(
        v["sets"],
        serde_json::json!([
            {"set": "prod/", "config": "prod/policyc.toml", "files": 4, "errors": 0, "warnings": 0, "infos": 0, "left_out": 0},
            {"set": "staging/", "config": "staging/policyc.toml", "files": 2, "errors": 1, "warnings": 0, "infos": 0, "left_out": 0},
        ])
    );
    assert_eq!(
        (v["files"].as_u64(), v["errors"].as_u64()),
        (Some(6), Some(1))
    );

    // Human output says which set each part is.
    let human = policyc(&["check", "--color", "never"], &dir.0);
    let text = stdout(&human);
    assert!(
        text.starts_with(
            "policy set prod/ (prod/policyc.toml): 4 files, 0 errors, 0 warnings, 0 infos\n\
             policy set staging/ (staging/policyc.toml): 2 files, 1 error, 0 warnings, 0 infos\n"
        ),
        "{text}"
    );
    assert!(text.contains("unknown group `contractors`"), "{text}");
    assert!(
        stderr(&human).starts_with("checked 6 files, 1 error, 0 warnings, 0 infos in "),
        "{}",
        stderr(&human)
    );

    // Without prod's allow, its shadowed rule is reported, in prod.
    dir.write("prod/policyc.toml", "");
    let v = json(&policyc(&["check", "--format", "json"], &dir.0));
    let shadowed: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "shadowed-rule")
        .map(|d| d["set"].as_str().unwrap())
        .collect();
    assert_eq!(shadowed, ["prod/"]);
}

#[test]
fn a_set_named_on_the_command_line_uses_its_policyc_toml() {
    let dir = two_sets("one", "allow = [\"shadowed-rule\"]\n", "");
    let prod = policyc(&["check", "prod"], &dir.0);
    assert_eq!(prod.status.code(), Some(0), "{}", stdout(&prod));
    assert!(
        stderr(&prod).starts_with("checked 4 files, 0 errors, 0 warnings, 0 infos"),
        "{}",
        stderr(&prod)
    );
    // A flag overrides the file: `--deny` wins over its `allow`.
    let denied = policyc(&["check", "prod", "--deny", "shadowed-rule"], &dir.0);
    assert_eq!(denied.status.code(), Some(1));
    assert!(
        stderr(&denied).starts_with("checked 4 files, 1 error, 0 warnings,"),
        "{}",
        stderr(&denied)
    );
    // In the set's own folder too (the set root is the folder given).
    let inside = policyc(&["check"], &dir.0.join("prod"));
    assert_eq!(inside.status.code(), Some(0), "{}", stdout(&inside));
}

#[test]
fn deny_warnings_in_policyc_toml_fails_that_set_only() {
    let dir = two_sets("deny", "", "deny-warnings = true\n");
    dir.write("staging/apps.policy", CLEAN);
    // prod has a warning (its shadowed rule) and does not deny warnings: exit 0.
    let out = policyc(&["check", "--format", "json"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(json(&out)["warnings"], 1);
    // staging denies warnings: its shadowed rule fails the run.
    dir.write(
        "staging/shadow.policy",
        &SHADOWED
            .replace("policy p", "policy q")
            .replace("[wiki]", "[crm]"),
    );
    dir.write("staging/crm.policy", "app crm\n");
    dir.write("prod/apps.policy", CLEAN);
    std::fs::remove_file(dir.0.join("prod/shadow.policy")).unwrap();
    std::fs::remove_file(dir.0.join("prod/crm.policy")).unwrap();
    let out = policyc(&["check", "--format", "json"], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v = json(&out);
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(v["diagnostics"][0]["set"], "staging/");
    // `--deny-warnings` on the command line applies to every set.
    dir.write("staging/policyc.toml", "");
    assert_eq!(policyc(&["check"], &dir.0).status.code(), Some(0));
    assert_eq!(
        policyc(&["check", "--deny-warnings"], &dir.0).status.code(),
        Some(1)
    );
}

#[test]
fn format_in_policyc_toml_is_the_default_and_the_flag_wins() {
    let dir = Scratch::new(
        "format",
        &[
            ("policyc.toml", "format = \"json\"\n"),
            ("org.policy", ORG),
            ("p.policy", CLEAN),
        ],
    );
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "{\"diagnostics\":[],\"errors\":0,\"warnings\":0,\"files\":2,\"infos\":0,\
         \"sets\":[{\"set\":\"./\",\"config\":\"policyc.toml\",\"files\":2,\"errors\":0,\
         \"warnings\":0,\"infos\":0,\"left_out\":0}]}\n"
    );
    let human = policyc(&["check", "--format", "human"], &dir.0);
    assert_eq!(
        stdout(&human),
        "policy set ./ (policyc.toml): 2 files, 0 errors, 0 warnings, 0 infos\n"
    );
    // Two sets that ask for different formats: one run writes one report.
    let dir = two_sets("formats", "format = \"json\"\n", "format = \"sarif\"\n");
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: `prod/policyc.toml` says `format = \"json\"` and `staging/policyc.toml` says \
         `format = \"sarif\"`: one run writes one report; pass `--format`\n"
    );
    assert_eq!(
        policyc(&["check", "--format", "github"], &dir.0)
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn paths_say_which_files_belong_to_the_set() {
    let dir = Scratch::new(
        "paths",
        &[
            ("policyc.toml", "paths = [\"policies\", \"org.policy\"]\n"),
            ("org.policy", ORG),
            ("policies/p.policy", CLEAN),
            // Not in `paths`: never read, so its error is not reported.
            ("scratch/old.policy", USES_CONTRACTORS),
        ],
    );
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stderr(&out).starts_with("checked 2 files, 0 errors"),
        "{}",
        stderr(&out)
    );
    // Named on the command line, a file counts all the same.
    let named = policyc(
        &[
            "check",
            "org.policy",
            "policies/p.policy",
            "scratch/old.policy",
        ],
        &dir.0,
    );
    assert_eq!(named.status.code(), Some(1), "{}", stdout(&named));
}

/// `paths = ["one.policy"]` in a PR must not quietly stop CI checking the folder's other files.
#[test]
fn files_that_paths_leave_out_are_counted_and_named() {
    let dir = Scratch::new(
        "left-out",
        &[
            ("policyc.toml", "paths = [\"org.policy\"]\n"),
            ("org.policy", &format!("{ORG}{CLEAN}")),
            ("apps.policy", USES_CONTRACTORS),
            ("old/a.policy", USES_CONTRACTORS),
            ("old/b.policy", USES_CONTRACTORS),
            ("old/c.policy", USES_CONTRACTORS),
        ],
    );
    let note = "`paths` in policyc.toml leave out 4 of the 5 .policy files under ./, not \
                checked: apps.policy, old/a.policy, old/b.policy, and 1 more (add them to \
                `paths`, or move them out of the folder)";
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "policy set ./ (policyc.toml): 1 file, 0 errors, 0 warnings, 0 infos\n  note: {note}\n"
        )
    );
    let v = json(&policyc(&["check", "--format", "json"], &dir.0));
    assert_eq!(
        v["sets"],
        serde_json::json!([{"set": "./", "config": "policyc.toml", "files": 1, "errors": 0,
            "warnings": 0, "infos": 0, "left_out": 4}])
    );
    // Formats for tools say it on stderr, where the CI log shows it.
    for format in ["json", "sarif", "github"] {
        let out = policyc(&["check", "--format", format], &dir.0);
        assert!(
            stderr(&out).starts_with(&format!("note: {note}\nchecked 1 file, 0 errors")),
            "{format}: {}",
            stderr(&out)
        );
    }
    // Nothing left out: no note, `"left_out":0`.
    dir.write("policyc.toml", "");
    let out = policyc(&["check", "--format", "json"], &dir.0);
    assert!(!stderr(&out).contains("note:"), "{}", stderr(&out));
    assert_eq!(json(&out)["sets"][0]["left_out"], 0);
}

/// A set whose `paths` leave out every file was dropped without a word; it is reported (not
/// checked: with no files it has nothing to check), and the other sets are checked as before.
#[test]
fn a_set_whose_paths_leave_out_every_file_is_reported() {
    let dir = two_sets("all-left-out", "", "paths = [\"docs\"]\n");
    dir.write("staging/docs/README.md", "staging notes\n");
    let out = policyc(&["check", "--allow", "shadowed-rule"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with(
            "policy set staging/ (staging/policyc.toml): 0 files, 0 errors, 0 warnings, 0 infos\n  \
             note: `paths` in staging/policyc.toml leave out all 2 .policy files under staging/, \
             nothing in this set is checked: staging/apps.policy, staging/org.policy (add them to \
             `paths`, or move them out of the folder)\n"
        ),
        "{}",
        stdout(&out)
    );
    let v = json(&policyc(
        &["check", "--format", "json", "--allow", "shadowed-rule"],
        &dir.0,
    ));
    assert_eq!(
        v["sets"][1],
        serde_json::json!({"set": "staging/", "config": "staging/policyc.toml", "files": 0,
            "errors": 0, "warnings": 0, "infos": 0, "left_out": 2})
    );
    // `test` says it too, and runs the other set's tests.
    let out = policyc(&["test"], &dir.0);
    assert!(
        stderr(&out).contains(
            "note: `paths` in staging/policyc.toml leave out every .policy file under staging/: \
             no tests run from it"
        ),
        "{}",
        stderr(&out)
    );
    // Every set empty: still an error, as before.
    dir.write("prod/crm.txt", "");
    dir.write("prod/policyc.toml", "paths = [\"crm.txt\"]\n");
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("leave them all out"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bad_policyc_toml_is_an_error_with_file_line_and_column() {
    let dir = two_sets("bad", "allow = [\"shadowed-rule\"\ndeny = []\n", "");
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: prod/policyc.toml:2:1: invalid policyc.toml: missing comma between array \
             elements, expected `,` [invalid-config]\n  help: policyc.toml is TOML:"
        ),
        "{err}"
    );

    dir.write("prod/policyc.toml", "# prod\nalow = [\"shadowed-rule\"]\n");
    let err = stderr(&policyc(&["check"], &dir.0));
    assert!(
        err.starts_with(
            "error: prod/policyc.toml:2:1: invalid policyc.toml: unknown field `alow`, expected \
             one of `paths`, `allow`, `warn`, `deny`, `deny-warnings`, `format` [invalid-config]\n  \
             help: did you mean `allow`?"
        ),
        "{err}"
    );

    dir.write("prod/policyc.toml", "deny = [\"shadowed-rul\"]\n");
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: prod/policyc.toml:1:9: `deny`: `shadowed-rul` is not a diagnostic code \
         [invalid-config]\n  expected a code such as \"shadowed-rule\"\n  help: did you mean \
         \"shadowed-rule\"? (`policyc explain` lists the codes)\n"
    );

    dir.write("prod/policyc.toml", "paths = [\"polices\"]\n");
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: prod/policyc.toml:1:10: `paths` names `polices`, which does not exist"
        ),
        "{}",
        stderr(&out)
    );

    // Not a regular file: refused unread, never a hang or a panic.
    std::fs::remove_file(dir.0.join("prod/policyc.toml")).unwrap();
    std::fs::create_dir(dir.0.join("prod/policyc.toml")).unwrap();
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("prod/policyc.toml` is a folder, not a regular file"),
        "{}",
        stderr(&out)
    );
    // A link out of the folder: refused unread (its target is never printed).
    #[cfg(unix)]
    {
        std::fs::remove_dir(dir.0.join("prod/policyc.toml")).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", dir.0.join("prod/policyc.toml")).unwrap();
        let out = policyc(&["check"], &dir.0);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            "error: `prod/policyc.toml` is a link to a file outside the given paths; policyc \
             reads only files under the paths it is given (pass `--follow-links` to read it \
             anyway)\n"
        );
    }
}

#[test]
fn test_runs_each_sets_tests_against_that_set() {
    let case = |group: &str| {
        format!(
            "test \"wiki\" {{\n  app wiki\n  user {{ groups [{group}] }}\n  expect challenge with [password]\n}}\n"
        )
    };
    let dir = Scratch::new(
        "test",
        &[
            ("prod/policyc.toml", ""),
            ("prod/org.policy", &format!("{ORG}group contractors\n")),
            ("prod/p.policy", CLEAN),
            ("prod/t.policy", &case("contractors")),
            ("staging/policyc.toml", ""),
            ("staging/org.policy", ORG),
            ("staging/p.policy", CLEAN),
            ("staging/t.policy", &case("admins")),
        ],
    );
    let out = policyc(&["test", "--format", "json"], &dir.0);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let v = json(&out);
    let tests: Vec<(&str, bool)> = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["set"].as_str().unwrap(), t["passed"].as_bool().unwrap()))
        .collect();
    assert_eq!(tests, [("prod/", true), ("staging/", true)]);
    assert_eq!(
        (v["passed"].as_u64(), v["failed"].as_u64()),
        (Some(2), Some(0))
    );
    let human = policyc(&["test"], &dir.0);
    let text = stdout(&human);
    assert!(
        text.starts_with("policy set prod/ (prod/policyc.toml)\n"),
        "{text}"
    );
    assert!(
        text.contains("policy set staging/ (staging/policyc.toml)\n"),
        "{text}"
    );
    assert!(text.ends_with("2 passed, 0 failed\n"), "{text}");

    // A test in staging that names prod's group: staging cannot be tested (unknown group);
    // prod's tests still say what they would.
    dir.write("staging/t.policy", &case("contractors"));
    let out = policyc(&["test"], &dir.0);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("unknown group `contractors`"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("error: the policy set staging/ has 1 error; its tests cannot run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_help_teaches_policyc_toml() {
    let dir = Scratch::new("help", &[]);
    let help = stdout(&policyc(&["check", "--help"], &dir.0));
    assert!(
        help.contains("A folder holding a `policyc.toml` is the root of a policy set of its own"),
        "{help}"
    );
    assert!(
        help.contains("Overrides a `policyc.toml`'s `format`"),
        "{help}"
    );
    assert!(help.contains("`deny-warnings = true`"), "{help}");
}

/// `--base` compares each set with the same set at the revision: prod's deleted IdP is guarded
/// in prod, and staging (which still has its own `corp`) is not touched.
#[test]
fn base_revision_compares_each_set_with_itself() {
    let idps =
        "idp corp {\n  kind okta_oidc\n  trust_claims true\n  asserts [password, webauthn]\n}\n";
    let rules = "policy p {\n  apps [wiki]\n  rule admins {\n    require 2 factor_types\n    possession [hardware_protected]\n  }\n}\n";
    let org = "org acme {\n  features [okta_to_okta_claims_sharing]\n}\napp wiki\nauthenticator password\n";
    let mut files = Vec::new();
    for set in ["prod", "staging"] {
        files.push((format!("{set}/policyc.toml"), String::new()));
        files.push((format!("{set}/org.policy"), org.to_owned()));
        files.push((format!("{set}/idps.policy"), idps.to_owned()));
        files.push((format!("{set}/apps.policy"), rules.to_owned()));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = Scratch::new("base", &files);
    dir.commit(".");
    std::fs::remove_file(dir.0.join("prod/idps.policy")).unwrap();
    let out = policyc(&["check", "--base", "HEAD", "--format", "json"], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    let found = code_file_set(&v);
    assert_eq!(
        found,
        [("deactivation-refused", "prod/apps.policy", "prod/")]
    );
    assert_eq!(
        v["diagnostics"][0]["message"],
        "deleting IdP `corp` (declared at `HEAD`) leaves 1 rule unsatisfiable"
    );
    // `--org` reads one org: with two sets, name one. A set without files is not counted.
    let org_dir = dir.0.join("org");
    std::fs::create_dir(&org_dir).unwrap();
    std::fs::create_dir(dir.0.join("empty")).unwrap();
    std::fs::create_dir(dir.0.join("empty/drafts")).unwrap();
    std::fs::write(dir.0.join("empty/policyc.toml"), "paths = [\"drafts/\"]\n").unwrap();
    std::fs::write(dir.0.join("empty/left-out.policy"), org).unwrap();
    let out = policyc(
        &["check", "--org", "org", "prod", "staging", "empty"],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: `--org` checks one policy set, and 2 are under the paths given (prod/, \
         staging/); name one set's folder\n"
    );
}

/// `--base` finds each set's files at the revision whether the set's folder is given relative
/// or absolute (as CI often does): git names files relative to the current folder, the walk as
/// given. Before, an absolute path left every set's base empty, so deleting a trusted IdP was
/// no longer `deactivation-refused`.
#[test]
fn base_revision_finds_a_set_given_by_absolute_path() {
    let dir = Scratch::new(
        "base-absolute",
        &[
            ("prod/policyc.toml", ""),
            (
                "prod/org.policy",
                "org acme {\n  features [okta_to_okta_claims_sharing]\n}\napp wiki\nauthenticator password\n",
            ),
            (
                "prod/idps.policy",
                "idp corp {\n  kind okta_oidc\n  trust_claims true\n  asserts [password, webauthn]\n}\n",
            ),
            (
                "prod/apps.policy",
                "policy p {\n  apps [wiki]\n  rule admins {\n    require 2 factor_types\n    possession [hardware_protected]\n  }\n}\n",
            ),
        ],
    );
    dir.commit(".");
    std::fs::remove_file(dir.0.join("prod/idps.policy")).unwrap();
    let absolute = dir.0.join("prod");
    for given in ["prod", absolute.to_str().unwrap()] {
        let out = policyc(
            &["check", "--base", "HEAD", "--format", "json", given],
            &dir.0,
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let codes: Vec<String> = json(&out)["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(codes, ["deactivation-refused"], "{given}");
    }
}

/// `eval`, `graph`, `what-if`, `claims inspect`, `export` and `diff` work on one org: over two sets they
/// read both sets' files as one and reported every name twice (`duplicate-definition`, dozens
/// of them); now they say which sets there are. Over one set they read the files `check` reads
/// for it (its `paths` apply).
#[test]
fn commands_on_one_org_name_the_sets_they_were_given() {
    let dir = two_sets("one-org", "", "");
    let out_dir = dir.0.join("out").to_string_lossy().into_owned();
    for (command, args) in [
        ("eval", &["eval", "--app", "wiki", "--local", "."][..]),
        ("graph", &["graph", "."][..]),
        (
            "what-if",
            &["what-if", "disable", "third_party_claims_sharing", "."][..],
        ),
        (
            "claims inspect",
            &[
                "claims",
                "inspect",
                "--claims",
                "{\"idp\":\"x\",\"amr\":[]}",
                ".",
            ][..],
        ),
        ("export", &["export", "okta", "--out", &out_dir, "."][..]),
        ("diff", &["diff", ".", "no-org-read"][..]),
    ] {
        let out = policyc(args, &dir.0);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!(
                "error: `{command}` reads one policy set, and 2 are under the paths given (prod/, \
                 staging/); name one set's folder\n"
            )
        );
    }
    assert!(!dir.0.join("out").exists());
    // One set: staging's files alone (prod declares `contractors`, staging does not).
    let staging = policyc(&["eval", "--app", "wiki", "--local", "staging"], &dir.0);
    assert_eq!(staging.status.code(), Some(2), "{}", stdout(&staging));
    assert!(
        stderr(&staging).contains("unknown-reference"),
        "{}",
        stderr(&staging)
    );
    let prod = policyc(&["eval", "--app", "wiki", "--local", "prod"], &dir.0);
    assert_eq!(prod.status.code(), Some(0), "{}", stderr(&prod));
    assert!(
        stdout(&prod).starts_with("DENY  app `wiki`: policy `p`\n"),
        "{}",
        stdout(&prod)
    );

    // A set's `paths` apply: the file it leaves out (an error) is not read, as in `check`.
    let paths = Scratch::new(
        "one-org-paths",
        &[
            ("policyc.toml", "paths = [\"org.policy\", \"p.policy\"]\n"),
            ("org.policy", ORG),
            ("p.policy", CLEAN),
            ("scratch/old.policy", USES_CONTRACTORS),
        ],
    );
    let out = policyc(&["eval", "--app", "wiki", "--local"], &paths.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("CHALLENGE"), "{}", stdout(&out));
}

/// A file named beside the folder that holds it (or a folder beside its parent) is one of that
/// folder's set: before, the inner path bounded the search for its `policyc.toml`, so the file
/// made a set of its own, checked without its org (a dozen errors), besides being in its set.
#[test]
fn a_path_inside_another_belongs_to_the_outer_ones_set() {
    let dir = two_sets("overlap", "", "");
    std::fs::create_dir(dir.0.join("prod/more")).unwrap();
    std::fs::write(dir.0.join("prod/more/crm2.policy"), "app crm2\n").unwrap();
    let alone = policyc(&["check", "prod", "--format", "json"], &dir.0);
    assert_eq!(alone.status.code(), Some(0), "{}", stderr(&alone));
    let summary = |s: String| s.split(" in ").next().unwrap_or_default().to_owned();
    for args in [
        &["check", "prod", "prod/more/crm2.policy", "--format", "json"][..],
        &["check", "prod/more/crm2.policy", "prod", "--format", "json"][..],
        &["check", "prod/more", "prod", "--format", "json"][..],
        &["check", "prod", "prod/more", "--format", "json"][..],
    ] {
        let out = policyc(args, &dir.0);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(json(&out), json(&alone), "{args:?}");
        assert_eq!(summary(stderr(&out)), summary(stderr(&alone)), "{args:?}");
    }
    // Named alone, a file is its own set (no `policyc.toml` above the paths given is read).
    let file = policyc(&["check", "prod/apps.policy"], &dir.0);
    assert_eq!(file.status.code(), Some(1), "{}", stdout(&file));
}

/// `policies/` holding `files` and an admin's sign-in log, committed, then replayed with
/// `eval --compare-rev HEAD` (nothing changed since): what it prints.
fn replay_against_head(name: &str, files: &[(&str, &str)]) -> std::process::Output {
    let dir = Scratch::new(name, files);
    dir.write(
        "log.jsonl",
        r#"{"app":"wiki","user":{"groups":["admins"]}}"#,
    );
    dir.commit("policies");
    let args = [
        "eval",
        "--batch",
        "log.jsonl",
        "--compare-rev",
        "HEAD",
        "policies",
    ];
    policyc(&args, &dir.0)
}

/// `eval --compare-rev` reads the set at the revision as `check --base` does: its `paths`
/// apply on both sides. Before, the revision's side read every file under the paths, so a file
/// the set leaves out (here one with an error) was refused at the revision only.
#[test]
fn compare_rev_reads_the_same_files_of_the_set_at_the_revision() {
    let out = replay_against_head(
        "compare-rev-paths",
        &[
            (
                "policies/policyc.toml",
                "paths = [\"org.policy\", \"p.policy\"]\n",
            ),
            ("policies/org.policy", ORG),
            ("policies/p.policy", CLEAN),
            ("policies/scratch/old.policy", USES_CONTRACTORS),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "compared 1 sign-in: 0 changed\n");
}

/// At the revision a file is whose its nearest set folder says, even when that set has no file
/// today (its `paths` leave them all out): before, `eval --compare-rev` knew only its own set's
/// folder and read such a file as its own.
#[test]
fn compare_rev_leaves_a_nested_sets_files_to_it() {
    let out = replay_against_head(
        "compare-rev-nested",
        &[
            ("policies/policyc.toml", ""),
            ("policies/org.policy", ORG),
            ("policies/p.policy", CLEAN),
            ("policies/nested/policyc.toml", "paths = [\"drafts/\"]\n"),
            ("policies/nested/drafts/.keep", ""),
            ("policies/nested/old.policy", USES_CONTRACTORS),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "compared 1 sign-in: 0 changed\n");
}
