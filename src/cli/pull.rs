//! `policyc pull`: fetch an org's Management API responses into the folder `import okta` reads.

use super::{EXIT_CANNOT_RUN, EXIT_OK};
use crate::okta::is_okta_id;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Fetch an Okta org's policies, IdPs, authenticators, groups, zones and apps into a folder.
///
/// Writes the folder `policyc import okta` reads (docs/okta-api.md): one file per endpoint,
/// `NAME.page-N.json` for later pages, `rules/<policyId>.json` for each policy's rules,
/// `methods/<authenticatorId>.json` for each authenticator's methods (left out where the org
/// does not offer that endpoint: it answers 404).
///
/// Authentication: an API token from the environment variable `--token-env` (default
/// `OKTA_API_TOKEN`, sent as `Authorization: SSWS ...`), or an OAuth 2.0 access token from
/// `--bearer-env` (sent as `Bearer`; it needs the scopes `okta.idps.read`,
/// `okta.authenticators.read`, `okta.groups.read`, `okta.networkZones.read`, `okta.apps.read`,
/// `okta.policies.read`). The token is never printed or written.
///
/// Follows `Link: <...>; rel="next"` pagination (on the org's own host only), waits out a 429
/// until `X-Rate-Limit-Reset` when that is within `--max-wait`, retries a 5xx up to 3 times,
/// and stops on 401/403 naming the scope the endpoint needs. `https://` only, except on a
/// loopback address (`127.0.0.1`, `[::1]`, `localhost`), where `http://` is accepted for tests
/// and local mirrors. The folder is written atomically: a failed pull leaves no folder.
///
/// Exit codes: 0 fetched, 2 could not fetch (nothing written).
#[derive(Debug, Clone, clap::Args)]
pub struct PullArgs {
    /// The org's URL, e.g. `https://example.okta.com`.
    #[arg(long, value_name = "URL")]
    pub org: String,
    /// The folder to write.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// The environment variable holding an API token (sent as `SSWS`).
    #[arg(long, value_name = "VAR", default_value = "OKTA_API_TOKEN")]
    pub token_env: String,
    /// The environment variable holding an OAuth 2.0 access token (sent as `Bearer`); used
    /// instead of `--token-env` when given.
    #[arg(long, value_name = "VAR")]
    pub bearer_env: Option<String>,
    /// The longest a rate limit (429) may make the pull wait, in seconds, before it gives up.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub max_wait: u64,
}

/// Each list endpoint: file name, path, the admin scope it needs.
const ENDPOINTS: &[(&str, &str, &str)] = &[
    ("idps", "/api/v1/idps", "okta.idps.read"),
    (
        "authenticators",
        "/api/v1/authenticators",
        "okta.authenticators.read",
    ),
    ("groups", "/api/v1/groups", "okta.groups.read"),
    ("zones", "/api/v1/zones", "okta.networkZones.read"),
    ("apps", "/api/v1/apps", "okta.apps.read"),
    (
        "policies-ACCESS_POLICY",
        "/api/v1/policies?type=ACCESS_POLICY",
        "okta.policies.read",
    ),
    (
        "policies-OKTA_SIGN_ON",
        "/api/v1/policies?type=OKTA_SIGN_ON",
        "okta.policies.read",
    ),
    (
        "policies-IDP_DISCOVERY",
        "/api/v1/policies?type=IDP_DISCOVERY",
        "okta.policies.read",
    ),
    (
        "policies-MFA_ENROLL",
        "/api/v1/policies?type=MFA_ENROLL",
        "okta.policies.read",
    ),
];

/// At most this many pages per endpoint (a loop in `Link` headers cannot run forever).
const MAX_PAGES: usize = 10_000;
/// 5xx retries per request.
const RETRIES: u32 = 3;
/// The largest response body read.
const MAX_BODY: u64 = 64 << 20;

pub fn run(args: &PullArgs) -> u8 {
    match pull(args) {
        Ok(files) => match super::import::write_folder(&args.out, &files) {
            Ok(()) => {
                errln!("wrote {} files to `{}`", files.len(), args.out.display());
                EXIT_OK
            }
            Err(e) => {
                errln!("error: {e}");
                EXIT_CANNOT_RUN
            }
        },
        Err(e) => {
            errln!("error: {e}; nothing written");
            EXIT_CANNOT_RUN
        }
    }
}

/// `https://host[:port]` (or `http://` on loopback), without a trailing `/`.
pub fn origin(url: &str) -> Result<String, String> {
    let url = url.trim_end_matches('/');
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("`{url}` is not a URL: expected https://ORG.okta.com"))?;
    if rest.contains('/') || rest.contains('?') || rest.contains('@') || rest.is_empty() {
        return Err(format!(
            "`{url}`: give the org's address only, e.g. https://example.okta.com"
        ));
    }
    let host = if let Some(v6) = rest.strip_prefix('[') {
        v6.split(']')
            .next()
            .map(|h| format!("[{h}]"))
            .unwrap_or_default()
    } else {
        rest.split(':').next().unwrap_or_default().to_owned()
    };
    let loopback = matches!(host.as_str(), "127.0.0.1" | "[::1]" | "localhost");
    match scheme {
        "https" => Ok(url.to_owned()),
        "http" if loopback => Ok(url.to_owned()),
        "http" => Err(format!(
            "`{url}`: http:// sends the token in clear; use https:// (http:// is accepted only on 127.0.0.1, [::1] and localhost)"
        )),
        other => Err(format!(
            "`{url}`: `{other}://` is not supported; use https://"
        )),
    }
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_owned())
    })
}

struct Client {
    agent: ureq::Agent,
    origin: String,
    auth: String,
    max_wait: u64,
    progress: bool,
}

fn pull(args: &PullArgs) -> Result<BTreeMap<String, String>, String> {
    let origin = origin(&args.org)?;
    let auth = match &args.bearer_env {
        Some(var) => format!(
            "Bearer {}",
            std::env::var(var).map_err(|_| format!("the environment variable `{var}` is not set"))?
        ),
        None => format!(
            "SSWS {}",
            std::env::var(&args.token_env).map_err(|_| format!(
                "the environment variable `{}` is not set (an Okta API token; or pass --bearer-env)",
                args.token_env
            ))?
        ),
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // Never follow a redirect: it could carry the token to another host.
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let client = Client {
        agent,
        origin,
        auth,
        max_wait: args.max_wait,
        progress: std::io::stderr().is_terminal(),
    };
    let mut files = BTreeMap::new();
    let mut policy_ids = Vec::new();
    let mut authenticator_ids = Vec::new();
    for (name, path, scope) in ENDPOINTS {
        let pages = client.list(name, path, scope)?;
        if name.starts_with("policies-") || *name == "authenticators" {
            for page in &pages {
                let items: Vec<serde_json::Value> = serde_json::from_str(page)
                    .map_err(|e| format!("{name}: the response is not a JSON list ({e})"))?;
                let ids = items
                    .iter()
                    .filter_map(|p| p.get("id")?.as_str().map(str::to_owned));
                if *name == "authenticators" {
                    authenticator_ids.extend(ids);
                } else {
                    policy_ids.extend(ids);
                }
            }
        }
        store(&mut files, name, pages);
    }
    for id in policy_ids {
        if !is_okta_id(&id) {
            return Err(format!("a policy id is not an Okta id: {id:?}"));
        }
        let name = format!("rules/{id}");
        let pages = client.list(
            &name,
            &format!("/api/v1/policies/{id}/rules"),
            "okta.policies.read",
        )?;
        store(&mut files, &name, pages);
    }
    for id in authenticator_ids {
        if !is_okta_id(&id) {
            return Err(format!("an authenticator id is not an Okta id: {id:?}"));
        }
        let name = format!("methods/{id}");
        // The methods endpoint is not offered everywhere: a 404 leaves the file out, and import
        // then keeps every method of the authenticator on and reports it (`import-unsupported`).
        if let Some(pages) = client.list_pages(
            &name,
            &format!("/api/v1/authenticators/{id}/methods"),
            "okta.authenticators.read",
            true,
        )? {
            store(&mut files, &name, pages);
        }
    }
    Ok(files)
}

fn store(files: &mut BTreeMap<String, String>, name: &str, pages: Vec<String>) {
    for (i, page) in pages.into_iter().enumerate() {
        let file = if i == 0 {
            format!("{name}.json")
        } else {
            format!("{name}.page-{}.json", i + 1)
        };
        files.insert(file, page);
    }
}

impl Client {
    /// Every page of one list endpoint.
    fn list(&self, name: &str, path: &str, scope: &str) -> Result<Vec<String>, String> {
        self.list_pages(name, path, scope, false)
            .map(Option::unwrap_or_default)
    }

    /// Every page of one list endpoint; `None` when `optional` and the org answers 404.
    fn list_pages(
        &self,
        name: &str,
        path: &str,
        scope: &str,
        optional: bool,
    ) -> Result<Option<Vec<String>>, String> {
        let mut url = format!("{}{path}", self.origin);
        let mut pages = Vec::new();
        loop {
            // Only the first page may be absent: a 404 after it is an error, not an endpoint
            // the org lacks (the pages already read would be lost).
            let Some((body, next)) = self.get(&url, name, scope, optional && pages.is_empty())?
            else {
                return Ok(None);
            };
            pages.push(body);
            if self.progress {
                err!("\rfetching {name}: {} page(s)   ", pages.len());
            }
            match next {
                Some(n) if pages.len() < MAX_PAGES => {
                    // The token goes to the org only.
                    if !n.starts_with(&format!("{}/", self.origin)) {
                        return Err(format!(
                            "{name}: the next page is on another host; refused (the token goes to the org only)"
                        ));
                    }
                    url = n;
                }
                Some(_) => return Err(format!("{name}: more than {MAX_PAGES} pages")),
                None => break,
            }
        }
        if self.progress {
            errln!();
        }
        Ok(Some(pages))
    }

    /// One page, with rate-limit waits and 5xx retries: its body and the next page's URL;
    /// `None` for a 404 when the endpoint is `optional`.
    fn get(
        &self,
        url: &str,
        name: &str,
        scope: &str,
        optional: bool,
    ) -> Result<Option<(String, Option<String>)>, String> {
        let mut retries = 0;
        loop {
            let response = self
                .agent
                .get(url)
                .header("Authorization", &self.auth)
                .header("Accept", "application/json")
                .call();
            let mut response = match response {
                Ok(r) => r,
                // A connection that failed or dropped: retried like a 5xx.
                Err(_) if retries < RETRIES => {
                    retries += 1;
                    std::thread::sleep(backoff(retries));
                    continue;
                }
                Err(e) => return Err(format!("{name}: {e}")),
            };
            let status = response.status().as_u16();
            let header = |h: &str| {
                response
                    .headers()
                    .get(h)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            match status {
                200 => {
                    let next = header("link").and_then(|l| next_link(&l));
                    let body = response
                        .body_mut()
                        .with_config()
                        .limit(MAX_BODY)
                        .read_to_string()
                        .map_err(|e| {
                            format!("{name}: the response was cut off or too large ({e})")
                        })?;
                    return Ok(Some((body, next)));
                }
                404 if optional => return Ok(None),
                401 => {
                    return Err(format!(
                        "{name}: 401 Unauthorized: the token is invalid or expired"
                    ));
                }
                403 => {
                    return Err(format!(
                        "{name}: 403 Forbidden: the token lacks the admin scope `{scope}` (or the admin role to read it)"
                    ));
                }
                429 => {
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    let reset =
                        header("x-rate-limit-reset").and_then(|r| r.trim().parse::<u64>().ok());
                    let wait = reset.map_or(1, |r| r.saturating_sub(now).max(1));
                    if wait > self.max_wait {
                        return Err(format!(
                            "{name}: rate limited (429) for {wait} s, longer than --max-wait {}",
                            self.max_wait
                        ));
                    }
                    if self.progress {
                        err!("\rrate limited: waiting {wait} s   ");
                    }
                    std::thread::sleep(Duration::from_secs(wait));
                }
                500..=599 if retries < RETRIES => {
                    retries += 1;
                    std::thread::sleep(backoff(retries));
                }
                other => return Err(format!("{name}: the org answered HTTP {other}")),
            }
        }
    }
}

fn backoff(retry: u32) -> Duration {
    Duration::from_millis(100 << retry.min(6))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_https_except_on_loopback() {
        assert_eq!(origin("https://a.okta.com/").unwrap(), "https://a.okta.com");
        assert_eq!(
            origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin("http://[::1]:80").unwrap(), "http://[::1]:80");
        assert_eq!(origin("http://localhost").unwrap(), "http://localhost");
        assert!(
            origin("http://a.okta.com")
                .unwrap_err()
                .contains("in clear")
        );
        assert!(origin("http://127.0.0.1.evil.com").is_err());
        assert!(origin("https://a.okta.com/api").is_err());
        assert!(origin("ftp://a").is_err());
    }

    #[test]
    fn the_next_link_is_found_among_others() {
        let h = r#"<https://a/api/v1/idps?limit=2>; rel="self", <https://a/api/v1/idps?after=x>; rel="next""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://a/api/v1/idps?after=x")
        );
        assert_eq!(next_link(r#"<https://a/x>; rel="self""#), None);
    }
}
