//! `policyc::okta::import` on Okta's real example bodies (tests/fixtures/okta-api, Apache-2.0,
//! see its ATTRIBUTION): everything is mapped or reported, secrets are never written, and the
//! output compiles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policyc::diagnostic::Code;
use policyc::okta::OrgFiles;
use policyc::okta::import::{ImportOptions, import};
use policyc::source::{SourceFile, Sources};
use std::path::Path;

fn org() -> OrgFiles {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/okta-api/org");
    let mut files = OrgFiles::new();
    for dir in [root.clone(), root.join("rules")] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let rel = p.strip_prefix(&root).unwrap().to_str().unwrap().to_owned();
                files.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    files
}

fn compile(text: &str) -> policyc::Compiled {
    let mut sources = Sources::new();
    sources.add(SourceFile::new("org.policy", text));
    policyc::compile(sources)
}

#[test]
fn the_real_examples_import_into_a_set_that_compiles() {
    let out = import(&org(), &ImportOptions::default()).unwrap();
    let text = &out.files["org.policy"];
    println!("{text}");
    for i in &out.issues {
        println!("{} {} {}", i.object, i.pointer, i.message);
    }
    let c = compile(text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    insta::assert_snapshot!(text);
    // Secrets are never written, whatever the comments say.
    assert!(!text.contains("your-client-secret"));
    assert!(out.issues.iter().all(|i| i.code == Code::ImportUnsupported));
    let pointers: Vec<&str> = out.issues.iter().map(|i| i.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "idps.json#/0/type",
            "idps.page-2.json#/0/type",
            "idps.page-2.json#/1/type",
            "idps.page-2.json#/2/type",
            "idps.page-2.json#/4/type",
            "idps.page-2.json#/5/policy/trustClaims",
            "idps.page-2.json#/6/id",
            "rules/rst7xus97faIAgmti1d7.json#/0/conditions/elCondition",
            "rules/rst7xus97faIAgmti1d7.json#/0/conditions/people/users",
            "rules/rst7xus97faIAgmti1d7.json#/0/conditions/userType",
            "rules/00pdisc.json#/0/actions/idp/providers",
            "rules/00pdisc.json#/1/actions/idp/providers",
        ]
    );
}

#[test]
fn asserts_come_from_the_admin_never_from_a_guess() {
    let mut options = ImportOptions::default();
    options.asserts.insert(
        "0oazzok2vl5aeUH0B0g4".to_owned(),
        vec!["password".to_owned(), "okta_verify.push".to_owned()],
    );
    options.features = vec!["okta_to_okta_claims_sharing".to_owned()];
    let out = import(&org(), &options).unwrap();
    let text = &out.files["org.policy"];
    assert!(
        text.contains("  asserts [password, okta_verify.push]\n"),
        "{text}"
    );
    assert!(!text.contains("asserts []"));
    assert!(
        !out.issues
            .iter()
            .any(|i| i.pointer.ends_with("/policy/trustClaims"))
    );
    let c = compile(text);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
}

#[test]
fn hostile_input_is_refused_with_the_file_named() {
    let mut files = OrgFiles::new();
    files.insert("idps.json".to_owned(), "{\"not\": \"a list\"}".to_owned());
    let e = import(&files, &ImportOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "idps.json: expected a JSON array, as the list endpoint returns"
    );
    files.insert("idps.json".to_owned(), "[".repeat(100) + &"]".repeat(100));
    let e = import(&files, &ImportOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "idps.json: nested deeper than 64 levels");
    files.insert("idps.json".to_owned(), "[{\"name\": \"x\"".to_owned());
    assert!(matches!(
        import(&files, &ImportOptions::default()),
        Err(policyc::okta::import::ImportError::Json { .. })
    ));
}
