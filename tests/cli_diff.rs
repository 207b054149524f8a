//! Drift: `policyc diff POLICIES ORG_DIR` and `policyc check --org ORG_DIR` on the real binary,
//! against org folders written by `export okta` and then edited as the org would be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, policyc, stderr, stdout};
use serde_json::Value;

const SET: &str = include_str!("fixtures/okta-api/every_field.policy");

fn edit(s: &Scratch, file: &str, f: impl FnOnce(&mut Vec<Value>)) {
    let mut v: Vec<Value> = serde_json::from_str(&s.read(file)).unwrap();
    f(&mut v);
    s.write(file, &serde_json::to_string_pretty(&v).unwrap());
}

/// A scratch folder with `files` under `set/`, exported to the org folder `org/`.
fn exported(name: &str, files: &[(&str, &str)]) -> Scratch {
    let s = Scratch::new(name, files);
    let o = policyc(&["export", "okta", "set", "-o", "org"], &s.0);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    s
}

#[test]
fn an_org_that_matches_the_files_has_no_drift() {
    let s = exported("diff_same", &[("set/every_field.policy", SET)]);
    let o = policyc(&["diff", "set", "org"], &s.0);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn every_kind_of_drift_is_reported_in_human_and_json() {
    let s = exported("diff_drift", &[("set/every_field.policy", SET)]);
    // In the org: the corp IdP stopped trusting claims, the partner IdP is gone, the wiki rules
    // `mobile` and `admins` swapped places, `rest` now denies, and a route was added by hand.
    edit(&s, "org/idps.json", |v| {
        v[0]["policy"]["trustClaims"] = Value::Bool(false);
        v.remove(1);
    });
    edit(&s, "org/rules/rstwiki.json", |v| {
        v[0]["priority"] = 2.into();
        v[1]["priority"] = 1.into();
        v[4]["actions"]["appSignOn"] = serde_json::json!({"access": "DENY"});
    });
    edit(&s, "org/rules/policyc-idp-discovery.json", |v| {
        let mut extra = v[0].clone();
        extra["name"] = Value::String("Contractors".into());
        extra["id"] = Value::String("0prcontractors".into());
        v.push(extra);
    });
    let o = policyc(&["diff", "set", "org"], &s.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "~ idp corp: differs at /policy/trustClaims\n\
         + idp partner: in the files, not in the org\n\
         - route contractors: in the org, not in the files\n\
         > rule wiki.admins: moved: from 1 to 2 (files, org)\n\
         > rule wiki.mobile: moved: from 2 to 1 (files, org)\n\
         ~ rule wiki.rest: differs at /actions/appSignOn/access, /actions/appSignOn/verificationMethod\n"
    );
    let o = policyc(&["diff", "set", "org", "--format", "json"], &s.0);
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json[0]["kind"], "idp");
    assert_eq!(json[0]["change"], "changed");
    assert_eq!(json[0]["fields"][0], "/policy/trustClaims");
    assert_eq!(json.as_array().unwrap().len(), 6);
}

#[test]
fn check_against_the_org_judges_a_planned_deactivation_on_the_orgs_rules() {
    let org = "org acme {\n  features [okta_to_okta_claims_sharing]\n}\napp wiki\nauthenticator password\n";
    let idps =
        "idp corp {\n  kind okta_oidc\n  trust_claims true\n  asserts [password, webauthn]\n}\n";
    let rules = "policy p {\n  apps [wiki]\n  rule admins {\n    require 2 factor_types\n    possession [hardware_protected]\n  }\n}\n";
    let s = Scratch::new(
        "check_org",
        &[
            ("set/org.policy", org),
            ("set/idps.policy", idps),
            ("set/apps.policy", rules),
        ],
    );
    // The org has the rule that needs corp's claims.
    assert_eq!(
        policyc(&["export", "okta", "set", "-o", "okta"], &s.0)
            .status
            .code(),
        Some(0)
    );
    // The files are stale (their rule needs nothing from corp) and plan corp's deactivation.
    s.write(
        "set/apps.policy",
        "policy p {\n  apps [wiki]\n  rule everyone { require password }\n}\n",
    );
    s.write(
        "set/idps.policy",
        &idps.replace("  asserts", "  status inactive\n  asserts"),
    );
    let files_only = policyc(&["check", "set"], &s.0);
    assert_eq!(files_only.status.code(), Some(0), "{}", stdout(&files_only));
    let o = policyc(&["check", "set", "--org", "okta", "--format", "json"], &s.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let messages: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}: {}",
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        messages,
        ["deactivation-refused: deactivating IdP `corp` leaves 1 rule unsatisfiable"]
    );
    let o = policyc(&["check", "set", "--org", "nowhere"], &s.0);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_rename_in_the_org_is_a_rename_and_methods_and_enrollment_are_compared() {
    let s = exported("diff_rename", &[("set/every_field.policy", SET)]);
    // In the org: the IdP `corp` and the wiki rule `mobile` were renamed (same ids), the wiki
    // rule `only` was renamed and changed, Okta Verify's TOTP was turned on and its enrollment
    // allowed.
    edit(&s, "org/idps.json", |v| {
        v[0]["name"] = Value::String("Corp Okta".into());
    });
    edit(&s, "org/rules/rstwiki.json", |v| {
        v[1]["name"] = Value::String("Phones".into());
        v[3]["name"] = Value::String("Allow list".into());
        v[3]["actions"]["appSignOn"] = serde_json::json!({"access": "DENY"});
    });
    edit(&s, "org/methods/autov.json", |v| {
        v[1]["status"] = Value::String("ACTIVE".into());
    });
    edit(&s, "org/policies-MFA_ENROLL.json", |v| {
        v[0]["settings"]["authenticators"][2]["enroll"]["self"] = Value::String("OPTIONAL".into());
    });
    let o = policyc(&["diff", "set", "org"], &s.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "~ authenticator okta_verify: differs at /enroll, /methods/1/status\n\
         ~ idp corp: renamed: from corp_okta (org) to corp (files)\n\
         ~ rule wiki.mobile: renamed: from wiki.phones (org) to wiki.mobile (files)\n\
         ~ rule wiki.only: renamed: from wiki.allow_list (org) to wiki.only (files), /actions/appSignOn/access, /actions/appSignOn/verificationMethod\n"
    );
    let o = policyc(&["diff", "set", "org", "--format", "json"], &s.0);
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json[1]["change"], "renamed");
    assert_eq!(json[1]["name"], "corp");
    assert_eq!(json[1]["fields"][0], "from corp_okta (org) to corp (files)");
    // Without ids (objects Okta has not created), a rename stays a removal and an addition.
    let s = exported(
        "diff_rename_no_ids",
        &[(
            "set/a.policy",
            "org o { engine identity }\nidp corp {\n  kind oidc\n  issuer \"https://c.example\"\n}\n",
        )],
    );
    edit(&s, "org/idps.json", |v| {
        v[0]["name"] = Value::String("other".into());
    });
    let o = policyc(&["diff", "set", "org"], &s.0);
    assert_eq!(
        stdout(&o),
        "+ idp corp: in the files, not in the org\n- idp other: in the org, not in the files\n"
    );
}

/// Two objects of the files carrying one `# okta:` id (a block copied with its comment) were
/// both reported `renamed` to the same org object; the duplicate is reported, naming both, and
/// neither is paired with the org's object by that id.
#[test]
fn a_duplicate_okta_id_in_the_files_is_reported_and_pairs_nothing() {
    let s = exported(
        "diff_duplicate_id",
        &[(
            "set/a.policy",
            "org o { engine identity }\ngroup old  # okta: 00gx\n",
        )],
    );
    s.write(
        "set/a.policy",
        "org o { engine identity }\ngroup new1  # okta: 00gx\ngroup new2  # okta: 00gx\n",
    );
    let o = policyc(&["diff", "set", "org"], &s.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "! group new1: duplicate id: okta id 00gx also on new2 (files); neither is matched to \
         the org by id (keep the `# okta:` comment on the object Okta knows, and remove it from \
         the copy)\n\
         + group new1: in the files, not in the org\n\
         + group new2: in the files, not in the org\n\
         - group old: in the org, not in the files\n"
    );
    let o = policyc(&["diff", "set", "org", "--format", "json"], &s.0);
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        json[0],
        serde_json::json!({"kind": "group", "name": "new1", "change": "duplicate_id",
            "fields": ["okta id 00gx also on new2 (files)"]})
    );
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|c| c["change"] != "renamed"),
        "{json}"
    );
    // The copy of an object the org knows by its name: that one matches by name as before, the
    // copy is new, and the duplicate is still reported.
    s.write(
        "set/a.policy",
        "org o { engine identity }\ngroup old  # okta: 00gx\ngroup copy  # okta: 00gx\n",
    );
    let o = policyc(&["diff", "set", "org"], &s.0);
    assert_eq!(
        stdout(&o),
        "! group copy: duplicate id: okta id 00gx also on old (files); neither is matched to \
         the org by id (keep the `# okta:` comment on the object Okta knows, and remove it from \
         the copy)\n\
         + group copy: in the files, not in the org\n"
    );
}

/// The API cannot tell a third-party SAML IdP from an Okta org over SAML: import guesses
/// `okta_saml` from an Okta issuer. When the files have settled it as `kind saml`, `check
/// --org` reads the org with their answer. Before, it judged the org as `okta_saml` (whose
/// claims count differently) and reported an unsatisfiable rule the files do not have.
#[test]
fn the_files_settled_saml_kind_is_how_the_org_is_read() {
    let set = "org acme {\n  engine identity\n  features [third_party_claims_sharing]\n}\n\
               app wiki\nauthenticator password\n\
               idp hub {\n  kind saml\n  issuer \"http://www.okta.com/exk1hub\"\n  \
               audience \"https://sp.example\"\n  trust_claims true\n  asserts [pwd, hwk]\n}\n\
               policy p {\n  apps [wiki]\n  rule r { require 2 factor_types }\n}\n";
    let s = exported("diff_saml_kind", &[("set/a.policy", set)]);
    let o = policyc(&["check", "set", "--org", "org"], &s.0);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}
