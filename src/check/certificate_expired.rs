//! `certificate-expired`.
//!
//! **What it does:** reads each SAML IdP's `certificate` and `metadata` files (handed over by
//! the caller in [`CheckOptions::files`](super::CheckOptions)) and reports every signing
//! certificate whose validity (`notAfter`) has ended.
//!
//! **Why it matters:** policyc verifies SAML signatures with the key and does not refuse an
//! expired certificate, but an IdP that still signs with it is overdue for a rollover, and an
//! IdP that has rolled over signs with a key this file does not have: its documents are then
//! refused (`unknown-key`).
//!
//! **Fix:** download the IdP's current signing certificate (or metadata) and replace the file,
//! or list the new certificate beside the old one during the rollover.

use super::{Check, Context};
use crate::Compiled;
use crate::claims::SigningKeys;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Loc;
use std::path::{Path, PathBuf};

pub(super) const CHECK: Check = Check {
    codes: &[Code::CertificateExpired],
    run,
};

/// Every `certificate` and `metadata` file the IdPs name, resolved against the file that
/// declares each IdP (as `jwks` is), with where it is named and whether it is metadata.
fn files(compiled: &Compiled) -> Vec<(PathBuf, Loc, bool, &str)> {
    let mut out = Vec::new();
    for idp in &compiled.model.idps {
        let declared_in = Path::new(compiled.sources.name(idp.loc.file));
        let dir = declared_in.parent().unwrap_or(Path::new(""));
        for (path, loc) in &idp.certificates {
            out.push((dir.join(path), *loc, false, idp.name.as_str()));
        }
        if let Some((path, loc)) = &idp.metadata {
            out.push((dir.join(path), *loc, true, idp.name.as_str()));
        }
    }
    out
}

/// The paths of every `certificate` and `metadata` file of the set, for the caller to read
/// into [`CheckOptions::files`](super::CheckOptions).
pub fn certificate_files(compiled: &Compiled) -> Vec<PathBuf> {
    files(compiled).into_iter().map(|(p, ..)| p).collect()
}

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let now = cx.options.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    let mut out = Vec::new();
    for (path, loc, metadata, idp) in files(cx.compiled) {
        let Some(bytes) = cx.options.files.get(&path) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let what = format!("`{}`", path.display());
        let keys = if metadata {
            SigningKeys::from_metadata(text, &what)
        } else {
            SigningKeys::from_pem(text, &what)
        };
        // A file that cannot be read as certificates is refused when a document is verified,
        // with the reason; this check is about dates.
        let Ok(keys) = keys else {
            continue;
        };
        for cert in keys.certificates() {
            if cert.not_after > now {
                continue;
            }
            let date = crate::claims::format_time(cert.not_after);
            out.push(
                Diagnostic::new(
                    Code::CertificateExpired,
                    loc,
                    format!(
                        "the signing certificate `{}` of IdP `{idp}` expired on {date}",
                        cert.subject
                    ),
                )
                .with_label(format!("expired on {date}"))
                .with_help(format!(
                    "replace {what} with the IdP's current signing certificate (or list the new one beside it during a rollover): an IdP that has rolled over signs with a key this file lacks, and its SAML is refused (`unknown-key`)"
                )),
            );
        }
    }
    out
}
