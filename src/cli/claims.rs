//! `policyc claims inspect`: shows what the SP would make of an ID token, a SAML response or a
//! claims file. The only IO of the claims feature happens here: reading the input and the
//! IdP's JWKS; everything else is `crate::claims`.

use crate::claims::{
    self, ClaimsError, ErrorKind, IdpConfig, Limits, Protocol, TrustedClaims, report,
};
use clap::{ArgGroup, ValueEnum};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Output format of `claims inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum InspectFormat {
    #[default]
    Human,
    Json,
}

/// Verify an ID token or read a SAML response (or a claims file) and print the normalized
/// trusted claims. Exit 0 with the normal form, 1 when the input is refused.
#[derive(Debug, Clone, clap::Args)]
#[command(group(ArgGroup::new("input").required(true).args(["id_token", "saml", "claims"])))]
pub struct InspectArgs {
    /// An OIDC ID token (compact JWT), verified with the IdP's `jwks` file.
    #[arg(long, value_name = "FILE")]
    pub id_token: Option<PathBuf>,
    /// A SAML `Response` or `Assertion`, raw XML or base64 as posted (signature NOT verified).
    #[arg(long, value_name = "FILE")]
    pub saml: Option<PathBuf>,
    /// Claims as JSON, inline or a file (as `policyc eval --claims`):
    /// `{"idp":"corp","amr":["pwd","hwk"],"auth_time":1720481750}`.
    #[arg(long, value_name = "JSON|FILE")]
    pub claims: Option<String>,
    /// The IdP that sent the input (default: the only IdP of the input's protocol).
    #[arg(long, value_name = "NAME")]
    pub idp: Option<String>,
    /// Check times at this instant (Unix seconds) instead of the clock.
    #[arg(long, value_name = "UNIX")]
    pub now: Option<u64>,
    /// Output format: `human` (a table) or `json` (the normal form, docs/claims.md).
    #[arg(long, value_enum, default_value_t = InspectFormat::Human)]
    pub format: InspectFormat,
    /// The `.policy` files declaring the IdPs.
    pub paths: Vec<PathBuf>,
}

/// Runs `claims inspect` against the IdPs the policies declare; returns the exit code: 0 with the
/// normal form printed, 1 for a refused input. IO failures (unreadable files) are `Err`.
pub fn run_inspect(args: &InspectArgs, idps: &[IdpConfig], out: &mut dyn Write) -> io::Result<u8> {
    let result = read_input(args, idps)?;
    render(result, args.format, out)
}

/// Reads and verifies the input `args` name (ID token, SAML or claims file) against the IdPs,
/// as `claims inspect` does; `policyc eval` reads its `--id-token` and `--saml` through this.
pub(crate) fn read_input(
    args: &InspectArgs,
    idps: &[IdpConfig],
) -> io::Result<Result<TrustedClaims, ClaimsError>> {
    let limits = Limits::default();
    let now = match args.now {
        Some(now) => now,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    let result = if let Some(path) = &args.id_token {
        let token = read_capped(path, limits.max_token_bytes)?;
        let selected = select_idp(args.idp.as_deref(), idps, Some(Protocol::Oidc), None)
            .and_then(|idp| idp.expect_protocol(Protocol::Oidc).map(|()| idp));
        match selected {
            Err(e) => Err(e),
            Ok(idp) => match &idp.jwks_path {
                None => Err(ClaimsError::new(
                    ErrorKind::UnknownKey,
                    format!(
                        "idp `{}` has no `jwks` file, so its ID tokens cannot be verified",
                        idp.name
                    ),
                )),
                Some(jwks_path) => {
                    let jwks = read_capped(jwks_path, limits.max_token_bytes)?;
                    let token = String::from_utf8_lossy(&token);
                    let jwks = String::from_utf8_lossy(&jwks);
                    claims::verify_id_token(&token, idp, &jwks, now, &limits)
                }
            },
        }
    } else if let Some(path) = &args.saml {
        let doc = read_capped(path, limits.max_document_bytes)?;
        select_idp(args.idp.as_deref(), idps, Some(Protocol::Saml), None)
            .and_then(|idp| claims::read_saml(&doc, idp, now, &limits))
    } else if let Some(arg) = &args.claims {
        // Inline JSON starts with `{`; anything else is a file. Inline text is already in
        // memory (bounded by the OS's argument limit); the JSON reader refuses it past the cap.
        let text = if arg.trim_start().starts_with('{') {
            arg.as_bytes().to_vec()
        } else {
            read_capped(Path::new(arg), limits.max_token_bytes)?
        };
        inspect_claims_file(&text, args.idp.as_deref(), idps)
    } else {
        Err(ClaimsError::new(
            ErrorKind::Malformed,
            "pass one of `--id-token`, `--saml` or `--claims`",
        ))
    };
    Ok(result)
}

fn render(
    result: Result<TrustedClaims, ClaimsError>,
    format: InspectFormat,
    out: &mut dyn Write,
) -> io::Result<u8> {
    match (result, format) {
        (Ok(c), InspectFormat::Human) => write!(out, "{}", report::claims_human(&c)).map(|_| 0),
        (Ok(c), InspectFormat::Json) => writeln!(out, "{}", report::claims_json(&c)).map(|_| 0),
        (Err(e), InspectFormat::Human) => write!(out, "{}", report::error_human(&e)).map(|_| 1),
        (Err(e), InspectFormat::Json) => writeln!(out, "{}", report::error_json(&e)).map(|_| 1),
    }
}

pub(crate) fn inspect_claims_file(
    text: &[u8],
    name: Option<&str>,
    idps: &[IdpConfig],
) -> Result<TrustedClaims, ClaimsError> {
    let text = std::str::from_utf8(text)
        .map_err(|_| ClaimsError::new(ErrorKind::Malformed, "claims file is not UTF-8"))?;
    // The file may name its IdP; `--idp` wins (and `from_json` refuses a mismatch).
    let named = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("idp").and_then(|i| i.as_str()).map(str::to_owned));
    let idp = select_idp(name, idps, None, named.as_deref())?;
    claims::from_json(text, idp)
}

/// The IdP named by `--idp` (or by the claims file), else the only one of the input's protocol.
fn select_idp<'a>(
    name: Option<&str>,
    idps: &'a [IdpConfig],
    protocol: Option<Protocol>,
    named_by_input: Option<&str>,
) -> Result<&'a IdpConfig, ClaimsError> {
    if let Some(name) = name.or(named_by_input) {
        return idps.iter().find(|i| i.name == name).ok_or_else(|| {
            let best = idps
                .iter()
                .map(|i| (strsim::jaro_winkler(name, &i.name), &i.name))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let mut message = format!("no idp named `{name}` in the policies");
            if let Some((_, suggestion)) = best {
                message.push_str(&format!(": did you mean `{suggestion}`?"));
            } else if !idps.is_empty() {
                let known: Vec<String> = idps.iter().map(|i| format!("`{}`", i.name)).collect();
                message.push_str(&format!(" (they declare {})", known.join(", ")));
            }
            ClaimsError::new(ErrorKind::UnknownIdp, message)
        });
    }
    let candidates: Vec<&IdpConfig> = idps
        .iter()
        .filter(|i| protocol.is_none_or(|p| i.kind.protocol() == p))
        .collect();
    let what = protocol.map_or("".to_owned(), |p| format!("{p} "));
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(ClaimsError::new(
            ErrorKind::UnknownIdp,
            format!("the policies declare no {what}idp"),
        )),
        many => Err(ClaimsError::new(
            ErrorKind::UnknownIdp,
            format!(
                "the policies declare {} {what}idps ({}): pass `--idp NAME`",
                many.len(),
                many.iter()
                    .map(|i| format!("`{}`", i.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Reads at most `cap + 1` bytes: enough for the library to refuse an oversized input by its
/// limit, without reading a huge file whole.
fn read_capped(path: &Path, cap: usize) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read `{}`: {e}", path.display())))?;
    let mut buf = Vec::new();
    file.take(cap as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read `{}`: {e}", path.display())))?;
    Ok(buf)
}
