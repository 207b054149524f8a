//! `policyc claims inspect` end to end through `run_inspect`, with real files on disk: the
//! JSON contract, the human table, exit codes and IdP selection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/claims/support.rs"]
mod support;

// `src/cli/claims.rs` names the library as `crate::claims`; give it that path here.
mod claims {
    pub use policyc::claims::*;
}
mod cli {
    pub use policyc::cli::*;
}
#[path = "../src/cli/claims.rs"]
mod cli_claims;

use clap::Parser;
use cli_claims::{InspectArgs, run_inspect};
use policyc::claims::IdpConfig;
use serde_json::{Value, json};
use std::path::PathBuf;
use support::*;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: InspectArgs,
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policyc-claims-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn idps() -> Vec<IdpConfig> {
    static JWKS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let jwks = JWKS
        .get_or_init(|| temp_file("jwks.json", &all_jwks()))
        .clone();
    vec![
        IdpConfig {
            jwks_path: Some(jwks.clone()),
            ..oidc_idp()
        },
        IdpConfig {
            jwks_path: Some(jwks),
            ..okta_oidc_idp()
        },
        saml_idp(),
    ]
}

fn run(argv: &[&str], idps: &[IdpConfig]) -> (u8, String) {
    // The JWKS must lie under the policy paths given: the scratch folder plays that part.
    let dir = temp_file("policy-set.policy", "");
    let dir = dir.parent().unwrap().to_str().unwrap();
    let cli = Cli::try_parse_from(
        std::iter::once("inspect")
            .chain(argv.iter().copied())
            .chain([dir]),
    )
    .unwrap();
    let mut out = Vec::new();
    let code = run_inspect(&cli.args, idps, &mut out).unwrap();
    (code, String::from_utf8(out).unwrap())
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/claims/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

const NOW_ARG: &str = "1720481750";

#[test]
fn id_token_json_normal_form() {
    let token = temp_file(
        "ok.jwt",
        &(sign(rsa(), &id_claims(&["pwd", "hwk", "face", "x"])) + "\n"),
    );
    let (code, out) = run(
        &[
            "--id-token",
            token.to_str().unwrap(),
            "--idp",
            "corp",
            "--now",
            NOW_ARG,
            "--format",
            "json",
        ],
        &idps(),
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "amr",
            "auth_time",
            "evidence",
            "idp",
            "ignored",
            "issued_at",
            "protocol",
            "signature",
            "subject",
            "why_ignored"
        ]
    );
    assert_eq!(v["idp"], "corp");
    assert_eq!(v["protocol"], "oidc");
    assert_eq!(v["signature"], "verified");
    assert_eq!(v["amr"], json!(["pwd", "hwk", "face"]));
    assert_eq!(v["ignored"], json!(["x"]));
    assert_eq!(
        v["evidence"][1],
        json!({"amr": "hwk", "factors": ["possession"], "characteristics": ["user_presence", "device_bound", "hardware_protected"], "mfa_marker": false})
    );
    assert_eq!(
        v["evidence"][2],
        json!({"amr": "face", "factors": ["inherence"], "characteristics": ["user_presence", "user_verification"], "mfa_marker": false})
    );
}

#[test]
fn refusal_json_is_kind_and_message_only() {
    let token = sign(rsa(), &id_claims(&["pwd"]));
    let (head, _) = token.rsplit_once('.').unwrap();
    let tampered = temp_file("bad.jwt", &format!("{head}.AAAA"));
    let (code, out) = run(
        &[
            "--id-token",
            tampered.to_str().unwrap(),
            "--idp",
            "corp",
            "--now",
            NOW_ARG,
            "--format",
            "json",
        ],
        &idps(),
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!({"error": {"kind": "signature", "message": "ID token signature does not verify with key `rsa-1` (RS256)"}})
    );
    assert!(!out.contains(head), "the token is never printed");
}

#[test]
fn refusal_human_names_the_check() {
    let token = temp_file("late.jwt", &sign(rsa(), &id_claims(&["pwd"])));
    let (code, out) = run(
        &[
            "--id-token",
            token.to_str().unwrap(),
            "--idp",
            "corp",
            "--now",
            "1720490000",
        ],
        &idps(),
    );
    assert_eq!(code, 1);
    assert!(
        out.starts_with("refused [expired]: ID token expired at 2024-07-09T00:35:40Z (`exp` 1720485340); now is 2024-07-09T01:53:20Z (1720490000)"),
        "{out}"
    );
}

#[test]
fn saml_fixture_human_table_reads_phr_as_phishing_resistant() {
    let (code, out) = run(
        &[
            "--saml",
            &fixture("okta_saml_response.xml"),
            "--now",
            NOW_ARG,
            "--allow-unverified",
        ],
        &idps(),
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("signature      unverified (the IdP has no certificate: --allow-unverified)"),
        "{out}"
    );
    assert!(out.contains("amr            swk pwd sms phr"), "{out}");
    assert!(
        out.contains("factor types   knowledge, possession"),
        "{out}"
    );
    assert!(
        out.contains("  phr  possession  user_presence, device_bound, phishing_resistant"),
        "{out}"
    );
    assert!(!out.contains("\nignored"), "{out}");
    assert!(
        out.contains("  swk  possession  user_presence, device_bound"),
        "{out}"
    );
}

#[test]
fn saml_fixture_json_says_unverified() {
    let (code, out) = run(
        &[
            "--saml",
            &fixture("okta_saml_response.xml"),
            "--idp",
            "adfs",
            "--now",
            NOW_ARG,
            "--format",
            "json",
            "--allow-unverified",
        ],
        &idps(),
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["signature"], "unverified");
    assert_eq!(v["protocol"], "saml");
    assert_eq!(v["ignored"], json!([]));
    assert_eq!(v["amr"], json!(["swk", "pwd", "sms", "phr"]));
}

#[test]
fn claims_file_names_its_idp() {
    let file = temp_file(
        "claims.json",
        r#"{"idp":"adfs","amr":["pwd","hwk"],"auth_time":1720481750}"#,
    );
    let (code, out) = run(
        &["--claims", file.to_str().unwrap(), "--format", "json"],
        &idps(),
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["idp"].as_str(), v["protocol"].as_str()),
        (Some("adfs"), Some("saml"))
    );
    assert_eq!(v["signature"], "not-applicable");
}

#[test]
fn idp_selection_refusals() {
    let token = temp_file("sel.jwt", &sign(rsa(), &id_claims(&["pwd"])));
    let path = token.to_str().unwrap();
    let (code, out) = run(
        &["--id-token", path, "--idp", "crop", "--format", "json"],
        &idps(),
    );
    assert_eq!(code, 1);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"error": {"kind": "unknown-idp", "message": "no idp named `crop` in the policies: did you mean `corp`?"}})
    );
    let (_, out) = run(&["--id-token", path, "--idp", "zzzz"], &idps());
    assert!(
        out.contains(
            "no idp named `zzzz` in the policies (they declare `corp`, `okta-idp`, `adfs`)"
        ),
        "{out}"
    );
    let (code, out) = run(&["--id-token", path], &idps());
    assert_eq!(code, 1);
    assert!(
        out.contains("the policies declare 2 OIDC idps (`corp`, `okta-idp`): pass `--idp NAME`"),
        "{out}"
    );
    let (code, out) = run(&["--id-token", path, "--idp", "adfs"], &idps());
    assert_eq!(code, 1);
    assert!(
        out.contains("refused [unknown-idp]: idp `adfs` is of kind `saml`"),
        "{out}"
    );
    let no_jwks = [oidc_idp()];
    let (code, out) = run(&["--id-token", path, "--now", NOW_ARG], &no_jwks);
    assert_eq!(code, 1);
    assert!(
        out.contains("refused [unknown-key]: idp `corp` has no `jwks` file"),
        "{out}"
    );
}

#[test]
fn unreadable_files_are_io_errors_not_refusals() {
    let cli = Cli::try_parse_from(["inspect", "--saml", "/nonexistent/response.xml"]).unwrap();
    let err = run_inspect(&cli.args, &idps(), &mut Vec::new()).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot read `/nonexistent/response.xml`"),
        "{err}"
    );
}

#[test]
fn claims_are_inline_json_or_a_file_as_in_eval() {
    let text = r#"{"idp":"adfs","amr":["pwd","hwk"],"auth_time":1720481750}"#;
    let file = temp_file("inline-vs-file.json", text);
    let from_file = run(
        &["--claims", file.to_str().unwrap(), "--format", "json"],
        &idps(),
    );
    let inline = run(&["--claims", text, "--format", "json"], &idps());
    assert_eq!(inline, from_file);
    assert_eq!(inline.0, 0, "{}", inline.1);
    // Leading blanks still mean inline JSON; a bad inline document is a refusal, not a path.
    let (code, out) = run(
        &[
            "--claims",
            "  {\"idp\":\"adfs\",",
            "--idp",
            "adfs",
            "--format",
            "json",
        ],
        &idps(),
    );
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "malformed");
}

#[test]
fn exactly_one_input_is_required() {
    assert!(Cli::try_parse_from(["inspect"]).is_err());
    assert!(Cli::try_parse_from(["inspect", "--saml", "a", "--claims", "b"]).is_err());
    let cli = Cli::try_parse_from([
        "inspect", "--claims", "c.json", "--format", "json", "a.policy", "b.policy",
    ])
    .unwrap();
    assert_eq!(cli.args.paths.len(), 2);
}

#[test]
fn an_okta_orgs_values_read_as_eval_reads_them() {
    let file = temp_file(
        "okta-claims.json",
        r#"{"idp":"okta-idp","amr":["password","webauthn","hwk"]}"#,
    );
    let (code, out) = run(
        &["--claims", file.to_str().unwrap(), "--format", "json"],
        &idps(),
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let methods: Vec<&str> = v["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["password", "webauthn"]);
    assert_eq!(v["ignored"], json!(["hwk"]));
    assert_eq!(
        v["why_ignored"]["hwk"],
        "from an Okta org, `smart_card` is a custom authenticator, which claims sharing does not accept"
    );
    let (_, human) = run(&["--claims", file.to_str().unwrap()], &idps());
    assert!(
        human.contains("methods        password webauthn"),
        "{human}"
    );
    assert!(
        human.contains("  hwk  from an Okta org, `smart_card` is a custom authenticator"),
        "{human}"
    );
}

#[path = "fixtures/saml/signing.rs"]
mod signing;

#[test]
fn saml_signed_with_sha1_needs_allow_sha1_and_a_bad_metadata_file_is_refused() {
    let template = signing::Template {
        digest: signing::SHA1,
        ..signing::Template::new(signing::RSA_SHA1, "rsa2048")
    };
    let doc = signing::signed(
        &signing::without_placeholder(&saml_with_amr(&["pwd"])),
        signing::Signed::Assertion,
        &template,
        "rsa2048",
    );
    let path = temp_file("sha1.xml", &doc);
    // The certificate lies under the policy paths, as certificate files must.
    let pem = std::fs::read_to_string(signing::keys_dir().join("rsa2048.pem")).unwrap();
    let saml = IdpConfig {
        certificate_paths: vec![temp_file("rsa2048.pem", &pem)],
        ..saml_idp()
    };
    let argv = [
        "--saml",
        path.to_str().unwrap(),
        "--now",
        NOW_ARG,
        "--format",
        "json",
    ];
    let (code, out) = run(&argv, std::slice::from_ref(&saml));
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "weak-algorithm");
    let (code, out) = run(
        &[&argv[..], &["--allow-sha1"]].concat(),
        std::slice::from_ref(&saml),
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["signature"], "verified");

    // A `metadata` that is not metadata: refused with the file named.
    let bad = IdpConfig {
        certificate_paths: Vec::new(),
        metadata_path: Some(temp_file("not-metadata.xml", "<x/>")),
        ..saml_idp()
    };
    let (code, out) = run(&argv, &[bad]);
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "malformed");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not-metadata.xml` has no signing certificate"),
        "{out}"
    );
}
