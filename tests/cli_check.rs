//! `policyc check` end to end: the real binary, its exit codes, formats and summary line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr, stdout};

use std::path::Path;

const ORG: &str =
    "org acme {\n  engine identity\n}\ngroup admins\napp wiki\nauthenticator password\n";
/// Gives `ORG`'s app its policy, so that a set has nothing else to say.
const WIKI: &str = "policy p {\n  apps [wiki]\n  rule r { require password }\n}\n";
const BROKEN: &str = "policy p {\n  apps [wiki]\n  rule r {\n    when group in [admin]\n    require password\n  }\n}\n";

#[test]
fn the_example_policy_set_checks_clean() {
    let out = policyc(
        &["check", "policies/"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(" files, 0 errors, 0 warnings, 0 infos in "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn errors_exit_1_with_the_json_contract() {
    let dir = Scratch::new("json", &[("org.policy", ORG), ("apps/p.policy", BROKEN)]);
    let out = policyc(&["check", "--format", "json"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    let expected = concat!(
        r#"{"diagnostics":[{"code":"unknown-reference","severity":"error","message":"unknown group `admin`","#,
        r#""file":"apps/p.policy","line":4,"column":20,"end_line":4,"end_column":25,"#,
        r#""labels":[],"help":"did you mean `admins`?"}],"errors":1,"warnings":0,"files":2,"infos":0}"#,
        "\n"
    );
    assert_eq!(stdout(&out), expected);
    assert!(
        stderr(&out).starts_with("checked 2 files, 1 error, 0 warnings, 0 infos in "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn warnings_pass_unless_denied() {
    let idp = "idp partner {\n  kind saml\n  trust_claims true\n  asserts [pwd, zzz]\n}\n";
    let dir = Scratch::new(
        "warn",
        &[
            ("org.policy", ORG),
            ("idp.policy", idp),
            ("wiki.policy", WIKI),
        ],
    );
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("unsupported-amr"));
    assert!(stderr(&out).starts_with("checked 3 files, 0 errors, 1 warning, 0 infos in "));
    let strict = policyc(&["check", "--deny-warnings"], &dir.0);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn infos_are_counted_in_the_summary_and_the_json() {
    // A route to an IdP whose claims are not trusted is information (`route-to-untrusted-idp`).
    let routed = "idp partner {\n  kind saml\n  asserts [pwd]\n}\nroute partners {\n  when domain in [\"partner.example\"]\n  to partner\n}\n";
    let dir = Scratch::new(
        "infos",
        &[
            ("org.policy", ORG),
            ("idp.policy", routed),
            ("wiki.policy", WIKI),
        ],
    );
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stderr(&out).starts_with("checked 3 files, 0 errors, 0 warnings, 1 info in "),
        "{}",
        stderr(&out)
    );
    let json = policyc(&["check", "--format", "json"], &dir.0);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "route-to-untrusted-idp");
    assert_eq!(
        (
            v["errors"].clone(),
            v["warnings"].clone(),
            v["infos"].clone()
        ),
        (0.into(), 0.into(), 1.into())
    );
}

#[test]
fn sarif_uris_are_relative_to_the_checked_folder() {
    let dir = Scratch::new(
        "sarif-base",
        &[("sub/org.policy", ORG), ("sub/apps/p.policy", BROKEN)],
    );
    let out = policyc(&["check", "--format", "sarif", "sub"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &log["runs"][0];
    assert_eq!(
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"],
        serde_json::json!({ "uri": "apps/p.policy", "uriBaseId": "SRCROOT" })
    );
    let sub = std::fs::canonicalize(dir.0.join("sub")).unwrap();
    assert_eq!(
        run["originalUriBaseIds"]["SRCROOT"]["uri"],
        format!("file://{}/", sub.display())
    );
    // And the log is still valid SARIF.
    let schema = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sarif/sarif-schema-2.1.0.json"
    ))
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Run from inside the folder, with no path: the same relative names.
    let here = policyc(&["check", "--format", "sarif"], &dir.0.join("sub"));
    let here: serde_json::Value = serde_json::from_slice(&here.stdout).unwrap();
    assert_eq!(
        here["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "apps/p.policy"
    );
}

#[test]
fn could_not_run_exits_2() {
    let dir = Scratch::new("cannot", &[("notes.txt", "hello")]);
    let missing = policyc(&["check", "nowhere/"], &dir.0);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        stderr(&missing),
        "error: cannot read `nowhere/`: no such file or folder\n"
    );

    let empty = policyc(&["check"], &dir.0);
    assert_eq!(empty.status.code(), Some(2));
    assert!(
        stderr(&empty).starts_with("error: no `.policy` files in `.`"),
        "{}",
        stderr(&empty)
    );

    std::fs::write(dir.0.join("bad.policy"), [0x67, 0xff, 0x0a]).unwrap();
    let binary = policyc(&["check"], &dir.0);
    assert_eq!(binary.status.code(), Some(2));
    assert_eq!(
        stderr(&binary),
        "error: `bad.policy` is not UTF-8 text (invalid byte at offset 1)\n"
    );

    let bad_flag = policyc(&["check", "--format", "xml"], &dir.0);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn sarif_and_github_formats() {
    let dir = Scratch::new("formats", &[("org.policy", ORG), ("p.policy", BROKEN)]);
    let sarif = policyc(&["check", "--format", "sarif"], &dir.0);
    assert_eq!(sarif.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(value["version"], "2.1.0");
    assert_eq!(
        value["runs"][0]["results"][0]["ruleId"],
        "unknown-reference"
    );

    let github = policyc(&["check", "--format", "github"], &dir.0);
    assert_eq!(github.status.code(), Some(1));
    assert!(
        stdout(&github).starts_with(
            "::error file=p.policy,line=4,col=20,endLine=4,endColumn=25,title=unknown-reference::unknown group `admin`"
        ),
        "{}",
        stdout(&github)
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = Scratch::new("color", &[("org.policy", ORG), ("p.policy", BROKEN)]);
    // Without NO_COLOR, `auto` still colours nothing: the output is not a terminal.
    let plain = std::process::Command::new(env!("CARGO_BIN_EXE_policyc"))
        .arg("check")
        .current_dir(&dir.0)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        !stdout(&plain).contains('\u{1b}'),
        "not a terminal: no colour"
    );
    let always = policyc(&["check", "--color", "always"], &dir.0);
    assert!(stdout(&always).contains('\u{1b}'));
    let human = stdout(&plain);
    assert!(human.contains("unknown group `admin`"), "{human}");
    assert!(human.contains("p.policy:4:20"), "{human}");
}

#[test]
fn help_teaches_exit_codes() {
    let out = policyc(&["check", "--help"], Path::new("."));
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    assert!(help.contains("Exit 0 when there are no errors"), "{help}");
    assert!(help.contains("--deny-warnings"));
}

#[test]
fn base_revision_guards_a_deleted_idp() {
    let idps =
        "idp corp {\n  kind okta_oidc\n  trust_claims true\n  asserts [password, webauthn]\n}\n";
    let rules = "policy p {\n  apps [wiki]\n  rule admins {\n    require 2 factor_types\n    possession [hardware_protected]\n  }\n}\n";
    let org = "org acme {\n  features [okta_to_okta_claims_sharing]\n}\napp wiki\nauthenticator password\n";
    let dir = Scratch::new(
        "base",
        &[
            ("org.policy", org),
            ("idps.policy", idps),
            ("apps.policy", rules),
        ],
    );
    dir.commit(".");
    std::fs::remove_file(dir.0.join("idps.policy")).unwrap();

    let plain = policyc(&["check"], &dir.0);
    // Without a base, the deletion is invisible: only the rule itself is unsatisfiable now.
    assert!(
        stdout(&plain).contains("unsatisfiable-rule"),
        "{}",
        stdout(&plain)
    );
    let guarded = policyc(&["check", "--base", "HEAD", "--format", "json"], &dir.0);
    assert_eq!(guarded.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&guarded.stdout).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // The broken rule is reported once, as the deletion that broke it (not also as
    // `unsatisfiable-rule`), on the rule.
    assert_eq!(codes, ["deactivation-refused"]);
    assert_eq!(v["diagnostics"][0]["file"], "apps.policy");
    assert_eq!(v["errors"], 1);
    assert_eq!(
        v["diagnostics"][0]["message"],
        "deleting IdP `corp` (declared at `HEAD`) leaves 1 rule unsatisfiable"
    );
    let bad_rev = policyc(&["check", "--base", "no-such-rev"], &dir.0);
    assert_eq!(bad_rev.status.code(), Some(2));
}

#[test]
fn an_expired_saml_certificate_is_a_warning_read_from_its_file() {
    let dir = Scratch::new(
        "certificate-expired",
        &[(
            "org.policy",
            "org acme { features [third_party_claims_sharing] }\nidp partner {\n  kind saml\n  certificate \"keys/partner.pem\"\n  trust_claims true\n  asserts [pwd, otp]\n}\n",
        )],
    );
    let pem = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/saml/keys/rsa2048-expired.pem"),
    )
    .unwrap();
    dir.write("keys/partner.pem", &pem);
    let out = policyc(&["check", "--format", "json"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let text = v.to_string();
    assert!(text.contains(r#""code":"certificate-expired""#), "{text}");
    assert!(text.contains("expired on 2021-01-01T00:00:00Z"), "{text}");
}

#[test]
fn skipped_folders_are_read_when_named() {
    let dir = Scratch::new(
        "skipped",
        &[
            (".staging/org.policy", ORG),
            ("target/org.policy", ORG),
            ("node_modules/x/org.policy", ORG),
        ],
    );
    // The walk skips hidden folders, `target` and `node_modules`...
    let out = policyc(&["check"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: no `.policy` files in `.`"),
        "{}",
        stderr(&out)
    );
    // ...unless the folder is named: then it is the policy set.
    for named in [".staging", "target", "node_modules"] {
        let out = policyc(&["check", named], &dir.0);
        assert_eq!(out.status.code(), Some(0), "{named}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with("checked 1 file, 0 errors"),
            "{}",
            stderr(&out)
        );
    }
    // And `--help` says so.
    let help = policyc(&["check", "--help"], &dir.0);
    assert!(
        stdout(&help).contains("skipping hidden folders"),
        "{}",
        stdout(&help)
    );
}

#[test]
fn syntax_errors_come_first_whatever_their_file() {
    // `a.policy` sorts first, but its error may follow from the one in `b.policy`.
    let dir = Scratch::new(
        "syntax-first",
        &[
            ("a.policy", BROKEN),
            (
                "b.policy",
                "org acme {\n  engine identity\n}\ngroup admins\napp wiki\nauthenticator password\nidp x { kind = saml }\n",
            ),
        ],
    );
    let out = policyc(&["check", "--format", "json"], &dir.0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(&str, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["file"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [("syntax", "b.policy"), ("unknown-reference", "a.policy")]
    );
}

/// A rule shadowed by an earlier catch-all (`shadowed-rule`, a warning).
const SHADOWED: &str = "policy p {\n  apps [wiki]\n  rule r { require password }\n  rule late { require password }\n}\n";

#[test]
fn allow_warn_and_deny_set_a_codes_level() {
    let dir = Scratch::new("levels", &[("org.policy", ORG), ("p.policy", SHADOWED)]);
    let plain = policyc(&["check"], &dir.0);
    assert_eq!(plain.status.code(), Some(0));
    assert!(
        stderr(&plain).starts_with("checked 2 files, 0 errors, 1 warning,"),
        "{}",
        stderr(&plain)
    );
    let denied = policyc(&["check", "--deny", "shadowed-rule"], &dir.0);
    assert_eq!(denied.status.code(), Some(1));
    assert!(
        stderr(&denied).starts_with("checked 2 files, 1 error, 0 warnings,"),
        "{}",
        stderr(&denied)
    );
    let allowed = policyc(
        &["check", "--allow", "shadowed-rule", "--format", "json"],
        &dir.0,
    );
    assert_eq!(allowed.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&allowed.stdout).unwrap();
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    // `--deny` wins over `--allow` for one code.
    let both = policyc(
        &[
            "check",
            "--allow",
            "shadowed-rule",
            "--deny",
            "shadowed-rule",
        ],
        &dir.0,
    );
    assert_eq!(both.status.code(), Some(1));
    let typo = policyc(&["check", "--allow", "shadowd-rule"], &dir.0);
    assert_eq!(typo.status.code(), Some(2));
    assert_eq!(
        stderr(&typo),
        "error: `--allow shadowd-rule`: no such code; did you mean `shadowed-rule`?\n"
    );
    let syntax = policyc(&["check", "--allow", "syntax"], &dir.0);
    assert_eq!(syntax.status.code(), Some(2));
}

#[test]
fn an_inline_allow_covers_the_item_below_it_and_says_when_it_covers_nothing() {
    let allowed = SHADOWED.replace(
        "  rule late",
        "  # policyc: allow(shadowed-rule) — kept until the Q3 access review\n  rule late",
    );
    let dir = Scratch::new("inline", &[("org.policy", ORG), ("p.policy", &allowed)]);
    let out = policyc(&["check", "--format", "json"], &dir.0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"], serde_json::json!([]), "{v}");
    // Once the rule is gone, the allow is reported.
    let stale = allowed.replace("  rule late { require password }\n", "");
    dir.write("p.policy", &stale);
    let out = policyc(&["check", "--format", "json"], &dir.0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "unused-allow", "{v}");
    assert_eq!(v["diagnostics"][0]["line"], 4);
    // `watch` takes the same flags (checked by parsing them: it runs until stopped).
    let help = policyc(&["watch", "--help"], &dir.0);
    assert!(stdout(&help).contains("--deny <CODE>"), "{}", stdout(&help));
}

/// Runs `policyc ARGS` in `dir` with stdout and stderr in one pipe (`2>&1 | head -c 100`): reads
/// 100 bytes, then closes the pipe. The commands here write far more than a pipe holds, so the
/// rest is written to a pipe nobody reads.
fn exit_code_with_the_reader_gone(args: &[&str], dir: &Path) -> Option<i32> {
    use std::io::Read;
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_policyc"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(writer.try_clone().unwrap())
        .stderr(writer);
    let mut child = command.spawn().unwrap();
    drop(command);
    let mut first = [0u8; 100];
    reader.read_exact(&mut first).unwrap();
    drop(reader);
    child.wait().unwrap().code()
}

/// `policyc check 2>&1 | head` in a CI log: the standard print macros panic when the reader has
/// gone (exit 101, the panic message lost too). The output is dropped and the exit code is
/// still the findings'.
#[test]
fn a_reader_that_stops_early_changes_no_exit_code() {
    // 1,000 unknown groups: a report of about 300 KB, on stdout (human) or stderr (eval).
    let mut policy = String::from("policy p {\n  apps [wiki]\n");
    for i in 0..1000 {
        policy.push_str(&format!(
            "  rule r{i} {{\n    when group in [nobody{i}]\n    require password\n  }}\n"
        ));
    }
    policy.push_str("}\n");
    let dir = Scratch::new("closed-pipe", &[("org.policy", ORG), ("p.policy", &policy)]);
    let full = policyc(&["check", "."], &dir.0);
    assert_eq!(full.status.code(), Some(1));
    assert!(stdout(&full).len() > 200_000, "{}", stdout(&full).len());
    for (args, code) in [
        (&["check", "."][..], 1),
        (&["check", ".", "--format", "json"][..], 1),
        (&["eval", ".", "--app", "wiki", "--local"][..], 2),
        (&["test", "."][..], 2),
        (&["graph", "."][..], 1),
    ] {
        assert_eq!(
            exit_code_with_the_reader_gone(args, &dir.0),
            Some(code),
            "{args:?}"
        );
    }

    // A set without errors: 1,000 rules that only a trusted IdP's `hwk` can satisfy. `graph`
    // draws 250 KB, `what-if` lists each rule it would break (160 KB), `check` warns 999 times.
    let org = "org acme {\n  engine identity\n  features [third_party_claims_sharing]\n}\n\
               group admins\napp wiki\nauthenticator password\n\
               idp corp {\n  kind oidc\n  trust_claims true\n  asserts [pwd, hwk]\n}\n";
    let mut policy = String::from("policy p {\n  apps [wiki]\n");
    for i in 0..1000 {
        policy.push_str(&format!(
            "  rule r{i} {{\n    when group in [admins]\n    require 2 factor_types\n    \
             possession [hardware_protected]\n  }}\n"
        ));
    }
    policy.push_str("}\n");
    // A replay of 2,000 sign-ins (about 300 KB of decisions), the first line bad.
    let mut log = String::from("not json\n");
    for _ in 0..2000 {
        log.push_str("{\"app\":\"wiki\",\"user\":{\"groups\":[\"admins\"]}}\n");
    }
    let clean = Scratch::new(
        "closed-pipe-clean",
        &[
            ("org.policy", org),
            ("p.policy", &policy),
            ("log.jsonl", &log),
        ],
    );
    let full = policyc(&["what-if", "deactivate", "corp", "."], &clean.0);
    assert_eq!(full.status.code(), Some(1), "{}", stderr(&full));
    assert!(stdout(&full).len() > 100_000, "{}", stdout(&full).len());
    for (args, code) in [
        (&["check", "."][..], 0),
        (&["graph", "."][..], 0),
        (&["what-if", "deactivate", "corp", "."][..], 1),
        (
            &["what-if", "deactivate", "corp", "--format", "json", "."][..],
            1,
        ),
        // A bad line was met before the reader went.
        (&["eval", "--batch", "log.jsonl", "."][..], 1),
    ] {
        assert_eq!(
            exit_code_with_the_reader_gone(args, &clean.0),
            Some(code),
            "{args:?}"
        );
    }
}

/// Output lost for another reason than a reader that stopped (a full disk) is not a success:
/// exit 2, and stderr says so.
#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_not_a_success() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["explain", "shadowed-rule"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: some output could not be written\n"
    );
}
