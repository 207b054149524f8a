//! `policyc eval` end to end: the real binary, the JSON contract, the human rendering, input
//! errors, batch replay and comparison of two policy sets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/claims/support.rs"]
mod support;

mod common;

use common::{Scratch, policyc, policyc_stdin, stderr, stdout};

const ORG: &str = "\
org acme {
  engine identity
  features [third_party_claims_sharing]
}
group admins
group contractors
zone corp_network
app wiki

authenticator password
authenticator okta_verify { methods [push] }
authenticator webauthn

idp corp {
  kind oidc
  issuer \"https://idp.example.okta.com\"
  audience \"0oa1sp2client3id4\"
  jwks \"keys/corp.jwks.json\"
  trust_claims true
  asserts [pwd, hwk, otp]
}

idp adfs {
  kind saml
  issuer \"http://www.okta.com/exk1idp2entity3\"
  audience \"https://sp.example.okta.com/sso/saml2/0oa1idp\"
  trust_claims true
  asserts [pwd, otp]
}
";

const POLICY: &str = "\
policy wiki_policy {
  apps [wiki]
  rule admins {
    when group in [admins]
    require 2 factor_types
    possession [hardware_protected]
  }
  rule contractors {
    when group in [contractors]
    deny
  }
  rule everyone {
    require password + 1 factor_type
  }
}
";

/// The same policy without the `contractors` rule.
const POLICY_WITHOUT_CONTRACTORS: &str = "\
policy wiki_policy {
  apps [wiki]
  rule admins {
    when group in [admins]
    require 2 factor_types
    possession [hardware_protected]
  }
  rule everyone {
    require password + 1 factor_type
  }
}
";

fn set(name: &str) -> Scratch {
    let dir = Scratch::new(name, &[("org.policy", ORG), ("wiki.policy", POLICY)]);
    dir.write("keys/corp.jwks.json", &support::all_jwks());
    dir
}

/// The contract line without its `trace` (whose wording belongs to evaluation), checking that
/// the trace is there, last, and a non-empty list.
fn without_trace(line: &str) -> String {
    let (head, trace) = line
        .split_once(r#","trace":["#)
        .unwrap_or_else(|| panic!("no trace in {line}"));
    assert!(trace.ends_with("]}\n") && trace.len() > 4, "{trace}");
    format!("{head}}}")
}

#[test]
fn json_contract_for_an_allow() {
    let dir = set("allow");
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--user",
            r#"{"groups":["admins"]}"#,
            "--claims",
            r#"{"idp":"corp","amr":["pwd","hwk","xyz"]}"#,
            "--format",
            "json",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        without_trace(&stdout(&out)),
        concat!(
            r#"{"decision":"allow","policy":"wiki_policy","rule":"admins","session_rule":null,"#,
            r#""claims":{"idp":"corp","trusted":true,"used":true,"amr":["pwd","hwk"],"ignored":["xyz"],"signature":"not-applicable"},"#,
            r#""challenge":[],"reasons":["rule `admins` of policy `wiki_policy` is satisfied by the claims from `corp`"]}"#
        )
    );
}

#[test]
fn json_contract_for_a_challenge() {
    let dir = set("challenge");
    let out = policyc(
        &["eval", "--app", "wiki", "--local", "--format", "json"],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        without_trace(&stdout(&out)),
        concat!(
            r#"{"decision":"challenge","policy":"wiki_policy","rule":"everyone","session_rule":null,"claims":null,"#,
            r#""challenge":["password","okta_verify.push","webauthn"],"#,
            r#""reasons":["rule `everyone` of policy `wiki_policy` needs local authentication: password, okta_verify.push, webauthn"]}"#
        )
    );
}

#[test]
fn json_contract_for_a_deny_with_the_user_from_a_file() {
    let dir = set("deny");
    let user = dir.write("user.json", r#"{"groups":["contractors"],"zone":null}"#);
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--user",
            &user,
            "--claims",
            r#"{"idp":"corp","amr":["pwd"]}"#,
            "--format",
            "json",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        without_trace(&stdout(&out)),
        concat!(
            r#"{"decision":"deny","policy":"wiki_policy","rule":"contractors","session_rule":null,"#,
            r#""claims":{"idp":"corp","trusted":true,"used":false,"amr":["pwd"],"ignored":[],"signature":"not-applicable"},"#,
            r#""challenge":[],"reasons":["rule `contractors` of policy `wiki_policy` denies access"]}"#
        )
    );
}

#[test]
fn human_output_has_the_decision_why_trace_and_ignored() {
    let dir = set("human");
    let claims = dir.write("claims.json", r#"{"amr":["pwd","hwk","xyz"]}"#);
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--user",
            r#"{"groups":["admins"]}"#,
            "--claims",
            &claims,
            "--idp",
            "corp",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(concat!(
            "ALLOW  app `wiki`: policy `wiki_policy`, rule `admins`\n",
            "  claims from `corp`: trusted, used, signature not-applicable\n",
            "\nwhy:\n",
            "  rule `admins` of policy `wiki_policy` is satisfied by the claims from `corp`\n",
            "\ntrace:\n",
            "  1. app `wiki` uses policy `wiki_policy`\n",
        )),
        "{text}"
    );
    assert!(
        text.ends_with("\nignored:\n  `xyz`: not an RFC 8176 value Okta reads\n"),
        "{text}"
    );
}

#[test]
fn a_verified_id_token_is_evaluated_with_the_jwks_beside_the_policy() {
    let dir = set("token");
    let token = support::sign(support::rsa(), &support::id_claims(&["pwd", "hwk"]));
    let token = dir.write("token.jwt", &token);
    let now = support::NOW.to_string();
    let args = [
        "eval",
        "--app",
        "wiki",
        "--user",
        r#"{"groups":["admins"]}"#,
        "--id-token",
        &token,
        "--now",
        &now,
        "--format",
        "json",
    ];
    // Run from elsewhere: the JWKS path is relative to the policy file, not the current folder.
    let path = dir.0.to_string_lossy().into_owned();
    let mut argv = args.to_vec();
    argv.push(&path);
    let out = policyc(&argv, &std::env::temp_dir());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(r#"{"decision":"allow","policy":"wiki_policy","rule":"admins""#),
        "{}",
        stdout(&out)
    );

    // A token verified at the wrong time is refused: exit 1 with the claims error.
    let late = (support::NOW + 86_400).to_string();
    let mut argv = args.to_vec();
    argv[8] = &late;
    argv.push(&path);
    let out = policyc(&argv, &std::env::temp_dir());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: refused [expired]: "),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn a_saml_response_is_read_as_claims_inspect_reads_it() {
    let dir = set("saml");
    let saml = dir.write("response.xml", &support::saml_with_amr(&["pwd", "otp"]));
    let now = support::NOW.to_string();
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--saml",
            &saml,
            "--now",
            &now,
            "--format",
            "json",
            "--allow-unverified",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["decision"], "allow");
    assert_eq!(
        v["claims"],
        serde_json::json!({"idp":"adfs","trusted":true,"used":true,"amr":["pwd","otp"],"ignored":[],"signature":"unverified"})
    );
}

#[test]
fn input_errors_exit_1_with_a_did_you_mean() {
    let dir = set("bad-group");
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--user",
            r#"{"groups":["admin"]}"#,
            "--local",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: unknown group `admin`: did you mean `admins`?\n"
    );
    assert_eq!(stdout(&out), "");

    let out = policyc(&["eval", "--app", "wikki", "--local"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: unknown app `wikki`: did you mean `wiki`?\n"
    );

    let out = policyc(
        &["eval", "--app", "wiki", "--user", "{\"groups\":", "--local"],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: `--user` is not JSON (line 1, column 10)"),
        "{}",
        stderr(&out)
    );

    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--claims",
            r#"{"idp":"crop","amr":[]}"#,
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no idp named `crop` in the policies: did you mean `corp`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_broken_policy_set_exits_2_with_its_errors() {
    let dir = Scratch::new(
        "broken",
        &[
            ("org.policy", ORG),
            ("wiki.policy", "policy p {\n  apps [wik]\n}\n"),
        ],
    );
    let out = policyc(&["eval", "--app", "wiki", "--local"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown app `wik`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

const BATCH: &str = concat!(
    r#"{"app":"wiki","user":{"groups":["admins"]},"claims":{"idp":"corp","amr":["pwd","hwk"]}}"#,
    "\n",
    r#"{"app":"wiki","user":{"groups":["contractors"]},"claims":null}"#,
    "\n",
    "\n",
    r#"{"app":"wiki","user":{"groups":["contractor"]}}"#,
    "\n",
    "not json\n",
);

#[test]
fn batch_writes_one_decision_per_line_and_reports_bad_lines() {
    let dir = set("batch");
    let log = dir.write("log.jsonl", BATCH);
    let out = policyc(&["eval", "--batch", &log], &dir.0);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines: Vec<&str> = stdout(&out).leak().lines().collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(
        lines[0],
        concat!(
            r#"{"line":1,"decision":"allow","policy":"wiki_policy","rule":"admins","session_rule":null,"#,
            r#""claims":{"idp":"corp","trusted":true,"used":true,"amr":["pwd","hwk"],"ignored":[],"signature":"not-applicable"},"#,
            r#""challenge":[],"reasons":["rule `admins` of policy `wiki_policy` is satisfied by the claims from `corp`"]}"#
        )
    );
    assert!(
        lines[1].starts_with(
            r#"{"line":2,"decision":"deny","policy":"wiki_policy","rule":"contractors""#
        )
    );
    assert!(!lines[1].contains("trace"));
    // Line 3 is blank: no output, but counted (the next line is 4).
    assert_eq!(
        lines[2],
        r#"{"line":4,"error":"unknown group `contractor`: did you mean `contractors`?"}"#
    );
    assert!(
        lines[3].starts_with(r#"{"line":5,"error":"not JSON (column 2)"#),
        "{}",
        lines[3]
    );
    assert_eq!(stderr(&out), "error: 2 bad lines (see the `error` lines)\n");
}

#[test]
fn batch_reads_stdin_and_keeps_the_trace_when_asked() {
    let dir = set("stdin");
    let line = r#"{"app":"wiki"}"#;
    let out = policyc_stdin(&["eval", "--batch", "-", "--trace"], &dir.0, line);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["decision"], "challenge");
    assert!(v["trace"].as_array().is_some_and(|t| !t.is_empty()));
}

#[test]
fn compare_prints_only_the_changed_decisions() {
    let dir = set("compare");
    let before = Scratch::new(
        "compare-before",
        &[("org.policy", ORG), ("wiki.policy", POLICY)],
    );
    dir.write("wiki.policy", POLICY_WITHOUT_CONTRACTORS);
    let log = dir.write(
        "log.jsonl",
        concat!(
            r#"{"app":"wiki","user":{"groups":["admins"]},"claims":{"idp":"corp","amr":["pwd","hwk"]}}"#,
            "\n",
            r#"{"app":"wiki","user":{"groups":["contractors"]}}"#,
            "\n",
            r#"{"app":"wiki"}"#,
            "\n",
        ),
    );
    let out = policyc(
        &[
            "eval",
            "--batch",
            &log,
            "--compare",
            before.0.to_str().unwrap(),
            ".",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["line"], 2);
    assert_eq!(v["before"]["decision"], "deny");
    assert_eq!(v["before"]["rule"], "contractors");
    assert_eq!(v["after"]["decision"], "challenge");
    assert_eq!(v["after"]["rule"], "everyone");
    assert_eq!(
        stderr(&out),
        "compared 3 sign-ins: 1 changed (1 deny→challenge)\n"
    );
}

#[test]
fn compare_rev_reads_the_policy_set_from_git() {
    let dir = Scratch::new(
        "compare-rev",
        &[
            ("policies/org.policy", ORG),
            ("policies/wiki.policy", POLICY),
            (
                "log.jsonl",
                r#"{"app":"wiki","user":{"groups":["contractors"]}}"#,
            ),
        ],
    );
    dir.commit("policies");
    dir.write("policies/wiki.policy", POLICY_WITHOUT_CONTRACTORS);
    let out = policyc(
        &[
            "eval",
            "--batch",
            "log.jsonl",
            "--compare-rev",
            "HEAD",
            "policies",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["before"]["decision"], "deny");
    assert_eq!(v["after"]["decision"], "challenge");
    assert_eq!(
        stderr(&out),
        "compared 1 sign-in: 1 changed (1 deny→challenge)\n"
    );

    let out = policyc(
        &[
            "eval",
            "--batch",
            "log.jsonl",
            "--compare-rev",
            "no-such-rev",
            "policies",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: git failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_overlong_batch_line_is_refused_without_stopping_the_replay() {
    let dir = set("long");
    let long = format!(
        "{{\"app\":\"wiki\",\"user\":{{\"domain\":\"{}\"}}}}\n",
        "a".repeat(1024 * 1024 + 10)
    );
    let log = dir.write("log.jsonl", &(long + "{\"app\":\"wiki\"}\n"));
    let out = policyc(&["eval", "--batch", &log], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        r#"{"line":1,"error":"line is longer than 1024 KiB"}"#
    );
    assert!(
        lines[1].starts_with(r#"{"line":2,"decision":"challenge""#),
        "{text}"
    );
    assert_eq!(lines.len(), 2);
}

#[test]
fn compare_needs_a_batch() {
    let dir = set("compare-alone");
    let out = policyc(
        &["eval", "--app", "wiki", "--local", "--compare", "."],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: `--compare` and `--compare-rev` compare the sign-ins of a `--batch` log\n"
    );
}

#[test]
fn an_okta_orgs_claims_read_as_claims_inspect_reads_them_with_device_claims() {
    let dir = set("okta-org");
    dir.write(
        "okta.policy",
        "idp okta_org { kind okta_oidc  trust_claims true  asserts [password, webauthn] }\n\
         app portal\n\
         policy portal_policy {\n  apps [portal]\n  rule managed {\n    when device managed\n    require 2 factor_types\n    possession [phishing_resistant]\n  }\n  rule others { deny }\n}\n",
    );
    let org = ORG.replacen(
        "features [third_party_claims_sharing]",
        "features [okta_to_okta_claims_sharing, third_party_claims_sharing]",
        1,
    );
    dir.write("org.policy", &org);
    let claims =
        r#"{"idp":"okta_org","amr":["password","webauthn","hwk"],"device":{"managed":true}}"#;
    let eval = |user: &str| {
        let out = policyc(
            &[
                "eval", "--app", "portal", "--user", user, "--claims", claims, "--format", "json",
            ],
            &dir.0,
        );
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()
    };
    // The device claims say managed: the rule applies, and the org's WebAuthn is phishing
    // resistant. `hwk` from an Okta org is a smart card, listed as ignored.
    let v = eval("{}");
    assert_eq!(v["decision"], "allow", "{v}");
    assert_eq!(v["rule"], "managed");
    assert_eq!(
        v["claims"]["amr"],
        serde_json::json!(["password", "webauthn"])
    );
    assert_eq!(v["claims"]["ignored"], serde_json::json!(["hwk"]));
    // A device stated in `--user` wins over the claims.
    let v = eval(r#"{"device":{"managed":false}}"#);
    assert_eq!(
        (&v["decision"], &v["rule"]),
        (&"deny".into(), &"others".into())
    );
    // `claims inspect` reads the same values the same way.
    let file = dir.write("okta.json", claims);
    let out = policyc(
        &["claims", "inspect", "--claims", &file, "--format", "json"],
        &dir.0,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let methods: Vec<&str> = v["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["password", "webauthn"]);
    assert_eq!(v["ignored"], serde_json::json!(["hwk"]));
    assert_eq!(v["device"], serde_json::json!({"managed": true}));
}

#[path = "fixtures/saml/signing.rs"]
mod signing;

/// The set with idp `adfs` holding the test certificate `rsa2048`.
fn set_with_certificate(name: &str) -> Scratch {
    let dir = set(name);
    let org = ORG.replace(
        "  audience \"https://sp.example.okta.com/sso/saml2/0oa1idp\"\n",
        "  audience \"https://sp.example.okta.com/sso/saml2/0oa1idp\"\n  certificate \"keys/adfs.pem\"\n",
    );
    dir.write("org.policy", &org);
    let pem = std::fs::read_to_string(signing::keys_dir().join("rsa2048.pem")).unwrap();
    dir.write("keys/adfs.pem", &pem);
    dir
}

fn eval_saml(dir: &Scratch, doc: &str, extra: &[&str]) -> std::process::Output {
    let saml = dir.write("response.xml", doc);
    let now = support::NOW.to_string();
    let mut argv = vec![
        "eval", "--app", "wiki", "--saml", &saml, "--now", &now, "--format", "json",
    ];
    argv.extend_from_slice(extra);
    policyc(&argv, &dir.0)
}

fn unsigned_saml() -> String {
    signing::without_placeholder(&support::saml_with_amr(&["pwd", "otp"]))
}

#[test]
fn saml_from_an_idp_without_a_certificate_is_refused_unless_allowed() {
    let dir = set("saml-unverified");
    let out = eval_saml(&dir, &unsigned_saml(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(
            "error: refused [unverified]: idp `adfs` has no `certificate` or `metadata`"
        ),
        "{}",
        stderr(&out)
    );
    let out = eval_saml(&dir, &unsigned_saml(), &["--allow-unverified"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["claims"]["signature"], "unverified");
}

#[test]
fn signed_saml_is_verified_with_the_idps_certificate() {
    let dir = set_with_certificate("saml-verified");
    let doc = signing::signed(
        &unsigned_saml(),
        signing::Signed::Assertion,
        &signing::Template::new(signing::RSA_SHA256, "rsa2048"),
        "rsa2048",
    );
    let out = eval_saml(&dir, &doc, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let line = stdout(&out);
    assert!(
        line.contains(r#""amr":["pwd","otp"],"ignored":[],"signature":"verified"},"#),
        "{line}"
    );
    // Human output says it on the claims line.
    let saml = dir.write("response.xml", &doc);
    let now = support::NOW.to_string();
    let human = policyc(
        &["eval", "--app", "wiki", "--saml", &saml, "--now", &now],
        &dir.0,
    );
    assert!(
        stdout(&human).contains("  claims from `adfs`: trusted, used, signature verified\n"),
        "{}",
        stdout(&human)
    );
}

#[test]
fn with_a_certificate_unsigned_or_tampered_saml_is_refused_whatever_the_flags() {
    let dir = set_with_certificate("saml-tampered");
    let out = eval_saml(
        &dir,
        &unsigned_saml(),
        &["--allow-unverified", "--allow-sha1"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: refused [signature]: "),
        "{}",
        stderr(&out)
    );
    let doc = signing::signed(
        &unsigned_saml(),
        signing::Signed::Assertion,
        &signing::Template::new(signing::RSA_SHA256, "rsa2048"),
        "rsa2048",
    )
    .replace(">otp<", ">hwk<");
    let out = eval_saml(&dir, &doc, &["--allow-unverified"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: refused [signature]: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn batch_lines_carry_saml_verified_like_saml() {
    use base64::Engine;
    let b64 = |doc: &str| base64::engine::general_purpose::STANDARD.encode(doc);
    let signed = signing::signed(
        &unsigned_saml(),
        signing::Signed::Assertion,
        &signing::Template::new(signing::RSA_SHA256, "rsa2048"),
        "rsa2048",
    );
    let line = |doc: &str| {
        serde_json::json!({"app":"wiki","user":{"groups":["admins"]},"saml":b64(doc),"idp":"adfs"})
            .to_string()
    };
    let log = [
        line(&signed),
        line(&signed.replace(">otp<", ">hwk<")),
        line(&unsigned_saml()),
        serde_json::json!({"app":"wiki","saml":b64(&signed),"claims":{"idp":"adfs","amr":["pwd"]}})
            .to_string(),
    ]
    .join("\n");
    let now = support::NOW.to_string();

    // With a certificate: verified, tampered and unsigned refused whatever the flags.
    let dir = set_with_certificate("batch-saml");
    let path = dir.write("log.jsonl", &log);
    let out = policyc(
        &[
            "eval",
            "--batch",
            &path,
            "--now",
            &now,
            "--allow-unverified",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["claims"]["signature"], "verified");
    assert_eq!(lines[0]["claims"]["amr"], serde_json::json!(["pwd", "otp"]));
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("refused [signature]: "),
        "{}",
        lines[1]
    );
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .starts_with("refused [signature]: "),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3]["error"],
        "a sign-in has `claims` or `saml`, not both"
    );

    // Without a certificate: refused `unverified`, read as `unverified` when allowed.
    let dir = set("batch-saml-unverified");
    let path = dir.write("log.jsonl", &line(&unsigned_saml()));
    let out = policyc(&["eval", "--batch", &path, "--now", &now], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with(r#"{"line":1,"error":"refused [unverified]: "#),
        "{}",
        stdout(&out)
    );
    let out = policyc(
        &[
            "eval",
            "--batch",
            &path,
            "--now",
            &now,
            "--allow-unverified",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["claims"]["signature"], "unverified");
}

/// The example set with a routing rule that sends admins to `adfs`.
fn routed_set(name: &str) -> Scratch {
    let dir = set(name);
    dir.write(
        "routes.policy",
        "route admins_to_adfs {\n  when group in [admins]\n  to adfs\n}\n",
    );
    dir
}

#[test]
fn json_reasons_say_when_the_claims_come_from_an_idp_the_route_would_not_choose() {
    let dir = routed_set("routed-json");
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--user",
            r#"{"groups":["admins"]}"#,
            "--claims",
            r#"{"idp":"corp","amr":["pwd","hwk"]}"#,
            "--format",
            "json",
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The decision is the one without the route; the reasons gain a line.
    assert_eq!(
        without_trace(&stdout(&out)),
        concat!(
            r#"{"decision":"allow","policy":"wiki_policy","rule":"admins","session_rule":null,"#,
            r#""claims":{"idp":"corp","trusted":true,"used":true,"amr":["pwd","hwk"],"ignored":[],"signature":"not-applicable"},"#,
            r#""challenge":[],"reasons":["rule `admins` of policy `wiki_policy` is satisfied by the claims from `corp`","#,
            r#""the claims come from IdP `corp`, but routing rule `admins_to_adfs` sends this user to `adfs`: such a sign-in is possible only through `corp`'s button or an IdP-initiated sign-in"]}"#
        )
    );
    // A user the route does not match: the reasons are as without routing.
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--user",
            r#"{"groups":[]}"#,
            "--claims",
            r#"{"idp":"corp","amr":["pwd","hwk"]}"#,
            "--format",
            "json",
        ],
        &dir.0,
    );
    assert!(
        stdout(&out).contains(r#""reasons":["rule `everyone` of policy `wiki_policy` is satisfied by the claims from `corp`"]"#),
        "{}",
        stdout(&out)
    );
}

#[test]
fn human_output_says_when_the_claims_come_from_an_idp_the_route_would_not_choose() {
    let dir = routed_set("routed-human");
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--user",
            r#"{"groups":["admins"]}"#,
            "--claims",
            r#"{"idp":"corp","amr":["pwd","hwk"]}"#,
        ],
        &dir.0,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(concat!(
            "ALLOW  app `wiki`: policy `wiki_policy`, rule `admins`\n",
            "  claims from `corp`: trusted, used, signature not-applicable\n",
            "\nwhy:\n",
            "  rule `admins` of policy `wiki_policy` is satisfied by the claims from `corp`\n",
            "  the claims come from IdP `corp`, but routing rule `admins_to_adfs` sends this user to `adfs`: such a sign-in is possible only through `corp`'s button or an IdP-initiated sign-in\n",
            "\ntrace:\n",
            "  1. app `wiki` uses policy `wiki_policy`\n",
            "  2. route `admins_to_adfs` sends the user to IdP `adfs`\n",
            "  3. the claims come from IdP `corp`, but routing rule `admins_to_adfs` sends this user to `adfs`: such a sign-in is possible only through `corp`'s button or an IdP-initiated sign-in\n",
        )),
        "{text}"
    );
}

/// An app no policy lists: without a `default` policy, `check` warns (`app-without-policy`) and
/// `eval` denies, saying why; with one, `check` is silent and `eval` decides by it, as Okta
/// gives such an app its default policy.
#[test]
fn an_app_no_policy_lists_uses_the_default_policy_in_eval_and_check_alike() {
    let dir = set("default-policy");
    dir.write("crm.policy", "app crm\n");
    let check = policyc(&["check", "--format", "json"], &dir.0);
    let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "app-without-policy", "{v}");
    assert_eq!(
        v["diagnostics"][0]["message"],
        "app `crm` is in no app sign-on policy"
    );
    let eval = policyc(
        &["eval", "--app", "crm", "--local", "--format", "json"],
        &dir.0,
    );
    let d: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(d["decision"], "deny");
    assert_eq!(d["policy"], serde_json::Value::Null);
    assert_eq!(
        d["reasons"][0],
        "app `crm` is assigned to no app sign-on policy, and none is marked `default`"
    );

    dir.write(
        "wiki.policy",
        &POLICY.replacen("apps [wiki]", "default\n  apps [wiki]", 1),
    );
    let check = policyc(&["check", "--format", "json"], &dir.0);
    let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(v["diagnostics"], serde_json::json!([]), "{v}");
    let eval = policyc(
        &[
            "eval", "--app", "crm", "--local", "--trace", "--format", "json",
        ],
        &dir.0,
    );
    let d: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(d["policy"], "wiki_policy");
    assert_eq!(d["decision"], "challenge");
    assert_eq!(
        d["trace"][0],
        "app `crm` uses policy `wiki_policy` (the `default` policy: no policy lists the app)"
    );
}

/// A failed possession constraint names what the evidence lacks.
#[test]
fn the_trace_names_the_possession_characteristics_the_evidence_lacks() {
    let out = policyc(
        &[
            "eval",
            "--app",
            "okta_admin_console",
            "--user",
            r#"{"groups":["admins"],"domain":"acme.example","zone":"corp_network"}"#,
            "--claims",
            r#"{"idp":"acme_workforce","amr":["password","okta_verify","swk"]}"#,
            "--trace",
            "--format",
            "json",
            "policies/",
        ],
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let trace: Vec<&str> = v["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        trace.contains(
            &"claims count for the app rule: `password`: knowledge; `okta_verify.push`: possession, does not meet the possession constraints: not hardware-protected, not phishing-resistant"
        ),
        "{trace:#?}"
    );
}

/// `mfa` beside `pwd` is not "another factor" for `password + 1 factor_type`: the trace says why.
#[test]
fn the_trace_says_why_mfa_is_not_another_factor() {
    let dir = Scratch::new(
        "mfa-marker",
        &[(
            "set.policy",
            "org acme { engine identity  features [third_party_claims_sharing] }\napp wiki\nauthenticator password\nauthenticator okta_verify { methods [push] }\nidp e { kind oidc  trust_claims true  asserts [pwd, mfa] }\npolicy sso {\n  apps [wiki]\n  rule everyone { require password + 1 factor_type }\n}\n",
        )],
    );
    let out = policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--claims",
            r#"{"idp":"e","amr":["pwd","mfa"]}"#,
            "--trace",
            "--format",
            "json",
        ],
        &dir.0,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "challenge");
    let trace = v["trace"].to_string();
    assert!(
        trace.contains("`mfa`: the `mfa` marker, which says the IdP did MFA but names no factor, so it is not the factor besides the password that `password + 1 factor_type` needs"),
        "{trace}"
    );
}

/// What Entra ID sends unless told otherwise: Microsoft's `authnmethodsreferences`, no
/// `session.amr`.
fn entra_saml() -> String {
    support::response(&support::assertion(&support::microsoft_amr_attribute(&[
        "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
        "http://schemas.microsoft.com/claims/multipleauthn",
    ])))
}

#[test]
fn microsofts_amr_attribute_without_session_amr_gets_a_hint_in_eval_and_claims_inspect() {
    let dir = set("saml-entra");
    let out = eval_saml(&dir, &entra_saml(), &["--allow-unverified"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let hints = v["claims"]["hints"].as_array().expect("a hints field");
    assert_eq!(hints.len(), 1, "{v}");
    let hint = hints[0].as_str().unwrap();
    assert!(
        hint.starts_with("the assertion carries Microsoft's `http://schemas.microsoft.com/claims/authnmethodsreferences` attribute but no `session.amr`: Okta reads a SAML IdP's AMR values only from the attribute named `session.amr`"),
        "{hint}"
    );
    assert_eq!(v["claims"]["amr"], serde_json::json!([]));
    // Human output prints it after the reasons.
    let saml = dir.write("response.xml", &entra_saml());
    let now = support::NOW.to_string();
    let human = stdout(&policyc(
        &[
            "eval",
            "--app",
            "wiki",
            "--saml",
            &saml,
            "--now",
            &now,
            "--allow-unverified",
        ],
        &dir.0,
    ));
    assert!(human.contains(&format!("\nhint:\n  {hint}\n")), "{human}");
    // `claims inspect` says the same, as JSON and for people.
    let inspect = |format: &str| {
        stdout(&policyc(
            &[
                "claims",
                "inspect",
                "--saml",
                &saml,
                "--now",
                &now,
                "--allow-unverified",
                "--format",
                format,
            ],
            &dir.0,
        ))
    };
    let v: serde_json::Value = serde_json::from_str(&inspect("json")).unwrap();
    assert_eq!(v["hints"], serde_json::json!([hint]));
    assert!(inspect("human").contains(&format!("\nhint\n  {hint}\n")));
    // With `session.amr` sent, there is nothing to say.
    let out = eval_saml(&dir, &unsigned_saml(), &["--allow-unverified"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(v["claims"].get("hints").is_none(), "{v}");
}
