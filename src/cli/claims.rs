//! `policyc claims inspect`: shows what the SP would make of an ID token, a SAML response or a
//! claims file. The only IO of the claims feature happens here: reading the input and the
//! IdP's JWKS or SAML certificates; everything else is `crate::claims`.

use crate::claims::{
    self, ClaimsError, ErrorKind, IdpConfig, Limits, Protocol, TrustedClaims, report,
};
use crate::cli::load::Roots;
use clap::{ArgGroup, ValueEnum};
use std::io::{self, Write};
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
    /// A SAML `Response` or `Assertion`, raw XML or base64 as posted. Its XML signature is
    /// verified with the IdP's `certificate` or `metadata`; from an IdP with neither it is
    /// refused (`unverified`) unless `--allow-unverified` is given.
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
    /// Accept SAML signed with RSA-SHA1 or with SHA-1 digests (refused by default as
    /// `weak-algorithm`: SHA-1 collisions are practical). Only for an IdP that cannot do better.
    #[arg(long)]
    pub allow_sha1: bool,
    /// Read SAML from an IdP that has no `certificate` or `metadata`: its signature cannot be
    /// checked, so the claims say `"signature":"unverified"`. Never needed for an IdP with a
    /// certificate, and it does not let an unsigned or tampered document from one through.
    #[arg(long)]
    pub allow_unverified: bool,
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
    let roots = Roots::new(&args.paths);
    let input_roots = |path: &Path| Roots::new(std::slice::from_ref(&path.to_path_buf()));
    let result = if let Some(path) = &args.id_token {
        let token = match read_capped(
            &input_roots(path),
            path,
            limits.max_token_bytes,
            "ID token",
            "max_token_bytes",
        )? {
            Ok(token) => token,
            Err(e) => return Ok(Err(e)),
        };
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
                    let jwks = match read_capped(
                        &roots,
                        jwks_path,
                        limits.max_token_bytes,
                        "jwks",
                        "max_token_bytes",
                    )? {
                        Ok(jwks) => jwks,
                        Err(e) => return Ok(Err(e)),
                    };
                    let token = String::from_utf8_lossy(&token);
                    let jwks = String::from_utf8_lossy(&jwks);
                    claims::verify_id_token(&token, idp, &jwks, now, &limits)
                }
            },
        }
    } else if let Some(path) = &args.saml {
        let doc = match read_capped(
            &input_roots(path),
            path,
            limits.max_document_bytes,
            "SAML document",
            "max_document_bytes",
        )? {
            Ok(doc) => doc,
            Err(e) => return Ok(Err(e)),
        };
        match select_idp(args.idp.as_deref(), idps, Some(Protocol::Saml), None)
            .and_then(|idp| idp.expect_protocol(Protocol::Saml).map(|()| idp))
        {
            Err(e) => Err(e),
            Ok(idp) => match signing_keys(idp, &roots)? {
                Err(e) => Err(e),
                Ok(keys) => {
                    let verification = claims::SamlVerification {
                        keys: keys.as_ref(),
                        allow_sha1: args.allow_sha1,
                        allow_unverified: args.allow_unverified,
                    };
                    claims::read_saml(&doc, idp, now, &limits, &verification)
                }
            },
        }
    } else if let Some(arg) = &args.claims {
        // Inline JSON starts with `{`; anything else is a file, read as every file is.
        // Inline text is already in memory (bounded by the OS's argument limit); the JSON
        // reader refuses it past the cap.
        let text = if arg.trim_start().starts_with('{') {
            arg.as_bytes().to_vec()
        } else {
            let path = Path::new(arg);
            match read_capped(
                &input_roots(path),
                path,
                limits.max_token_bytes,
                "claims file",
                "max_token_bytes",
            )? {
                Ok(text) => text,
                Err(e) => return Ok(Err(e)),
            }
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
    let code = u8::from(result.is_err());
    let written = match (result, format) {
        (Ok(c), InspectFormat::Human) => write!(out, "{}", report::claims_human(&c)),
        (Ok(c), InspectFormat::Json) => writeln!(out, "{}", report::claims_json(&c)),
        (Err(e), InspectFormat::Human) => write!(out, "{}", report::error_human(&e)),
        (Err(e), InspectFormat::Json) => writeln!(out, "{}", report::error_json(&e)),
    };
    // A reader that stopped early (`| head`) chose to: the code still says what was found.
    match written {
        Err(e) if !crate::cli::is_closed_pipe(&e) => Err(e),
        _ => Ok(code),
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
pub(crate) fn select_idp<'a>(
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

/// Size cap of a certificate or metadata file.
const MAX_KEY_FILE_BYTES: usize = 1 << 20;

/// The IdP's SAML signing certificates, read from its `certificate` and `metadata` files
/// (`None` when it has neither) as every file is read (`load::Roots`: regular files under the
/// policy paths only). A file that is not a certificate or metadata is refused.
pub(crate) fn signing_keys(
    idp: &IdpConfig,
    roots: &Roots,
) -> io::Result<Result<Option<claims::SigningKeys>, ClaimsError>> {
    let mut keys: Option<claims::SigningKeys> = None;
    let files = idp
        .certificate_paths
        .iter()
        .map(|p| (p, false))
        .chain(idp.metadata_path.iter().map(|p| (p, true)));
    for (path, metadata) in files {
        let what = format!("`{}`", path.display());
        let bytes = match read_capped(
            roots,
            path,
            MAX_KEY_FILE_BYTES,
            &format!("certificate file {what}"),
            "1 MiB key file",
        )? {
            Ok(bytes) => bytes,
            Err(e) => return Ok(Err(e)),
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Ok(Err(ClaimsError::new(
                ErrorKind::Malformed,
                format!("{what} is not UTF-8"),
            )));
        };
        let read = if metadata {
            claims::SigningKeys::from_metadata(text, &what)
        } else {
            claims::SigningKeys::from_pem(text, &what)
        };
        match read {
            Ok(more) => match &mut keys {
                Some(keys) => keys.extend(more),
                None => keys = Some(more),
            },
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(keys))
}

/// Reads an input named on the command line (or the JWKS the policies name) as every file is
/// read (`load::Roots`: regular files under the given paths only). Over `cap`, the input is
/// refused here by its limit, with its real size, without reading it whole.
fn read_capped(
    roots: &Roots,
    path: &Path,
    cap: usize,
    what: &str,
    limit: &str,
) -> io::Result<Result<Vec<u8>, ClaimsError>> {
    let (bytes, size) = roots
        .read_prefix(path, cap as u64)
        .map_err(io::Error::other)?;
    if bytes.len() > cap {
        // The library's own wording (`claims::limits`), with the size on disk.
        return Ok(Err(ClaimsError::new(
            ErrorKind::Limit,
            format!("{what} is {size} bytes, over the `{limit}` limit of {cap} bytes"),
        )));
    }
    Ok(Ok(bytes))
}
