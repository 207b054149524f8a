//! `policyc pull` against a real HTTP server on 127.0.0.1 that serves the vendored Okta
//! examples (tests/fixtures/okta-api/org): pagination over 3 pages, a 429 then success, a 5xx
//! then success, a 401, a 403, and an interrupted pull leaving no folder. No other network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Scratch, stderr};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

const TOKEN: &str = "test-token-never-printed";

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/okta-api/org")
            .join(rel),
    )
    .unwrap()
}

/// What the server does with the n-th request (0-based) for a path: status, extra headers,
/// body. `None` status: close the connection mid-body.
type Script =
    dyn Fn(&str, usize, &str) -> (Option<u16>, Vec<(String, String)>, String) + Send + Sync;

/// Starts the server; returns its origin. It answers until the test process ends.
fn serve(script: Arc<Script>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let (log2, origin2) = (log.clone(), origin.clone());
    std::thread::spawn(move || {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut auth = String::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if h.to_ascii_lowercase().starts_with("authorization:") {
                    auth = h["authorization:".len()..].trim().to_owned();
                }
            }
            log2.lock().unwrap().push(path.clone());
            let n = counts.entry(path.clone()).or_default();
            let (status, headers, body) = if auth != format!("SSWS {TOKEN}") {
                (
                    Some(401),
                    Vec::new(),
                    "{\"errorCode\":\"E0000011\"}".to_owned(),
                )
            } else {
                script(&path, *n, &origin2)
            };
            *n += 1;
            let mut head = match status {
                Some(s) => format!("HTTP/1.1 {s} X\r\nContent-Length: {}\r\n", body.len()),
                None => format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n",
                    body.len() + 1000
                ),
            };
            head.push_str("Connection: close\r\nContent-Type: application/json\r\n");
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    (origin, log)
}

/// The org as Okta serves it: the fixture folder, `idps` in 3 pages.
fn org(path: &str, origin: &str) -> (Option<u16>, Vec<(String, String)>, String) {
    let ok = |body: String| (Some(200), Vec::new(), body);
    let next = |url: String, body: String| {
        (
            Some(200),
            vec![(
                "Link".to_owned(),
                format!("<{origin}/api/v1/idps>; rel=\"self\", <{url}>; rel=\"next\""),
            )],
            body,
        )
    };
    let idps2: Vec<serde_json::Value> = serde_json::from_str(&fixture("idps.page-2.json")).unwrap();
    match path {
        "/api/v1/idps" => next(
            format!("{origin}/api/v1/idps?after=2"),
            fixture("idps.json"),
        ),
        "/api/v1/idps?after=2" => next(
            format!("{origin}/api/v1/idps?after=5"),
            serde_json::to_string(&idps2[..3]).unwrap(),
        ),
        "/api/v1/idps?after=5" => ok(serde_json::to_string(&idps2[3..]).unwrap()),
        "/api/v1/authenticators" => ok(fixture("authenticators.json")),
        "/api/v1/groups" => ok(fixture("groups.json")),
        "/api/v1/zones" => ok(fixture("zones.json")),
        "/api/v1/apps" => ok(fixture("apps.json")),
        "/api/v1/policies?type=ACCESS_POLICY" => ok(fixture("policies-ACCESS_POLICY.json")),
        "/api/v1/policies?type=OKTA_SIGN_ON" => ok(fixture("policies-OKTA_SIGN_ON.json")),
        "/api/v1/policies?type=IDP_DISCOVERY" => ok(fixture("policies-IDP_DISCOVERY.json")),
        "/api/v1/policies?type=MFA_ENROLL" => ok(fixture("policies-MFA_ENROLL.json")),
        p => match (
            p.strip_prefix("/api/v1/policies/")
                .and_then(|r| r.strip_suffix("/rules")),
            p.strip_prefix("/api/v1/authenticators/")
                .and_then(|r| r.strip_suffix("/methods")),
        ) {
            (Some(id), _) => ok(fixture(&format!("rules/{id}.json"))),
            // Authenticators without a methods fixture: the endpoint answers 404, as in an org
            // that does not offer it, and the pull goes on without the file.
            (_, Some(id)) => match std::fs::read_to_string(format!(
                "{}/tests/fixtures/okta-api/org/methods/{id}.json",
                env!("CARGO_MANIFEST_DIR")
            )) {
                Ok(body) => ok(body),
                Err(_) => (Some(404), Vec::new(), "{}".to_owned()),
            },
            _ => (Some(404), Vec::new(), "{}".to_owned()),
        },
    }
}

fn pull(origin: &str, dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["pull", "--org", origin, "-o", "org"])
        .args(extra)
        .current_dir(dir)
        .env("OKTA_API_TOKEN", TOKEN)
        .output()
        .unwrap()
}

fn assert_no_token(o: &Output) {
    assert!(!String::from_utf8_lossy(&o.stdout).contains(TOKEN));
    assert!(!String::from_utf8_lossy(&o.stderr).contains(TOKEN));
}

#[test]
fn a_pull_follows_three_pages_and_import_reads_it() {
    let (origin, log) = serve(Arc::new(|p: &str, _n: usize, o: &str| org(p, o)));
    let s = Scratch::new("pull_pages", &[]);
    let o = pull(&origin, &s.0, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_no_token(&o);
    assert_eq!(s.read("org/idps.json"), fixture("idps.json"));
    assert!(s.0.join("org/idps.page-3.json").exists());
    assert_eq!(
        s.read("org/rules/rst7xus97faIAgmti1d7.json"),
        fixture("rules/rst7xus97faIAgmti1d7.json")
    );
    assert_eq!(
        s.read("org/methods/aut1nbuyD8m1ckAYc0g4.json"),
        fixture("methods/aut1nbuyD8m1ckAYc0g4.json")
    );
    assert_eq!(
        s.read("org/policies-MFA_ENROLL.json"),
        fixture("policies-MFA_ENROLL.json")
    );
    // The password authenticator's methods answered 404: no file, and no failure.
    assert!(!s.0.join("org/methods/aut1nbtrJKKA9m45a0g4.json").exists());
    assert_eq!(
        log.lock()
            .unwrap()
            .iter()
            .filter(|p| p.starts_with("/api/v1/idps"))
            .count(),
        3
    );
    // The pulled folder imports exactly as the fixture does.
    let o = common::policyc(&["import", "okta", "org", "-o", "set"], &s.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let fixture_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/okta-api/org");
    let o = common::policyc(
        &[
            "import",
            "okta",
            fixture_dir.to_str().unwrap(),
            "-o",
            "direct",
        ],
        &s.0,
    );
    assert_eq!(o.status.code(), Some(1));
    // The same set; only the page files named in import's notes differ.
    let meaning = |t: String| -> Vec<String> {
        t.lines()
            .map(|l| l.split('#').next().unwrap().trim_end().to_owned())
            .collect()
    };
    assert_eq!(
        meaning(s.read("set/org.policy")),
        meaning(s.read("direct/org.policy"))
    );
}

#[test]
fn a_429_waits_for_the_reset_and_a_5xx_is_retried() {
    let (origin, _) = serve(Arc::new(|p: &str, n: usize, o: &str| {
        let reset = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 1;
        match (p, n) {
            ("/api/v1/groups", 0) => (
                Some(429),
                vec![("X-Rate-Limit-Reset".to_owned(), reset.to_string())],
                "{}".to_owned(),
            ),
            ("/api/v1/zones", 0 | 1) => (Some(503), Vec::new(), "{}".to_owned()),
            _ => org(p, o),
        }
    }));
    let s = Scratch::new("pull_retry", &[]);
    let o = pull(&origin, &s.0, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(s.read("org/groups.json"), fixture("groups.json"));
    assert_eq!(s.read("org/zones.json"), fixture("zones.json"));
    // A reset further away than --max-wait is not waited for.
    let (origin, _) = serve(Arc::new(|p: &str, _n: usize, o: &str| {
        let reset = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600;
        match p {
            "/api/v1/groups" => (
                Some(429),
                vec![("X-Rate-Limit-Reset".to_owned(), reset.to_string())],
                "{}".to_owned(),
            ),
            _ => org(p, o),
        }
    }));
    let s = Scratch::new("pull_too_long", &[]);
    let o = pull(&origin, &s.0, &["--max-wait", "5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("groups: rate limited (429) for"),
        "{}",
        stderr(&o)
    );
    assert!(!s.0.join("org").exists());
}

#[test]
fn a_401_and_a_403_fail_clearly_and_write_nothing() {
    let (origin, _) = serve(Arc::new(|p: &str, _n: usize, o: &str| org(p, o)));
    let s = Scratch::new("pull_401", &[]);
    let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["pull", "--org", &origin, "-o", "org"])
        .current_dir(&s.0)
        .env("OKTA_API_TOKEN", "wrong-token")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: idps: 401 Unauthorized: the token is invalid or expired; nothing written\n"
    );
    assert!(!s.0.join("org").exists());
    let (origin, _) = serve(Arc::new(|p: &str, _n: usize, o: &str| match p {
        "/api/v1/zones" => (Some(403), Vec::new(), "{}".to_owned()),
        _ => org(p, o),
    }));
    let o = pull(&origin, &s.0, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "zones: 403 Forbidden: the token lacks the admin scope `okta.networkZones.read`"
        ),
        "{}",
        stderr(&o)
    );
    assert!(!s.0.join("org").exists());
}

#[test]
fn an_interrupted_pull_leaves_no_folder_and_no_token_in_the_output() {
    // The rules of one policy are cut off mid-body, every time.
    let (origin, _) = serve(Arc::new(|p: &str, _n: usize, o: &str| {
        if p.ends_with("/rules") && p.contains("rst7xus97faIAgmti1d7") {
            (None, Vec::new(), "[{\"id\":".to_owned())
        } else {
            org(p, o)
        }
    }));
    let s = Scratch::new("pull_cut", &[]);
    let o = pull(&origin, &s.0, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_no_token(&o);
    let left: Vec<_> = std::fs::read_dir(&s.0).unwrap().collect();
    assert!(left.is_empty(), "a failed pull left {left:?}");
    // Plain http:// to a non-loopback host is refused before any request.
    let o = pull("http://example.okta.com", &s.0, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("use https://"));
}

/// An org whose (active) phone authenticator's methods endpoint answers 404: the pull goes on
/// without the file, and import says that the phone's methods were all taken as on (they may
/// not be), naming it.
#[test]
fn a_methods_endpoint_answering_404_is_reported_by_import() {
    let (origin, _log) = serve(Arc::new(|p: &str, _n: usize, o: &str| match p {
        "/api/v1/authenticators/aut1nbuyD8m1ckAYc0g4/methods" => {
            (Some(404), Vec::new(), "{}".to_owned())
        }
        "/api/v1/authenticators" => {
            let (status, headers, body) = org(p, o);
            let mut list: serde_json::Value = serde_json::from_str(&body).unwrap();
            for a in list.as_array_mut().unwrap() {
                if a["id"] == "aut1nbuyD8m1ckAYc0g4" {
                    a["status"] = "ACTIVE".into();
                }
            }
            (status, headers, list.to_string())
        }
        _ => org(p, o),
    }));
    let s = Scratch::new("pull_methods_404", &[]);
    let o = pull(&origin, &s.0, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!s.0.join("org/methods/aut1nbuyD8m1ckAYc0g4.json").exists());
    let o = common::policyc(&["import", "okta", "org", "-o", "set"], &s.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "warning[import-unsupported]: authenticator aut1nbuyD8m1ckAYc0g4: no methods for `phone` (the methods endpoint answered 404, or the file is missing): all are imported as on, maybe more than the org allows\n  --> methods/aut1nbuyD8m1ckAYc0g4.json\n"
        ),
        "{err}"
    );
    // The password's methods answered 404 too: one method, nothing to report.
    assert!(!err.contains("methods/aut1nbtrJKKA9m45a0g4.json"), "{err}");
}

/// A methods endpoint whose first page is there and whose next page answers 404 fails the pull:
/// only a missing first page means the org lacks the endpoint (before, the pages read were
/// dropped and import took every method as on).
#[test]
fn a_404_after_the_first_page_fails_the_pull() {
    let (origin, _log) = serve(Arc::new(|p: &str, _n: usize, o: &str| match p {
        "/api/v1/authenticators/aut1nd8PQhGcQtSxB0g4/methods" => (
            Some(200),
            vec![(
                "Link".to_owned(),
                format!(
                    "<{o}/api/v1/authenticators/aut1nd8PQhGcQtSxB0g4/methods?after=1>; rel=\"next\""
                ),
            )],
            fixture("methods/aut1nd8PQhGcQtSxB0g4.json"),
        ),
        "/api/v1/authenticators/aut1nd8PQhGcQtSxB0g4/methods?after=1" => {
            (Some(404), Vec::new(), "{}".to_owned())
        }
        _ => org(p, o),
    }));
    let s = Scratch::new("pull_404_page_2", &[]);
    let o = pull(&origin, &s.0, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("answered HTTP 404"), "{}", stderr(&o));
    assert!(!s.0.join("org").exists());
}
