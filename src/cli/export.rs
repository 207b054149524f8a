//! `policyc export okta`: a `.policy` set → the org folder of Management API bodies.

use super::{EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load};
use crate::diagnostic::Severity;
use crate::diagnostic::render::{self, Format, RenderOptions};
use std::path::PathBuf;

/// Export a policy set for Okta.
#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    Okta(ExportOktaArgs),
}

/// Write a policy set as Okta Management API bodies, in the folder layout `policyc import okta`
/// reads (so `import okta` reads an export back).
///
/// Files: `idps.json`, `authenticators.json`, `groups.json`, `zones.json`, `apps.json`,
/// `policies-ACCESS_POLICY.json`, `policies-OKTA_SIGN_ON.json`, `policies-IDP_DISCOVERY.json`
/// and `rules/<policyId>.json`. Each object keeps the Okta id written in its `# okta: ID`
/// comment (an object without one has no `id`: Okta assigns it on create); every rule's
/// `priority` is explicit. Deploying is left to your tooling (the Management API, Terraform).
///
/// A set with errors is not exported (exit 1, the errors printed). The folder is written
/// atomically. Exit codes: 0 written, 1 the set has errors, 2 could not run.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportOktaArgs {
    /// Policy files or folders (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// The folder to write.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(command: &ExportCommand) -> u8 {
    let ExportCommand::Okta(args) = command;
    let sources = match load::load(&args.paths) {
        Ok(sources) => sources,
        Err(err) => return err.report(),
    };
    let compiled = crate::compile(sources);
    let errors: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() {
        let options = RenderOptions {
            color: false,
            files_checked: compiled.sources.len(),
        };
        let _ = render::render(
            Format::Human,
            &errors,
            &compiled.sources,
            &options,
            &mut std::io::stderr().lock(),
        );
        eprintln!("error: the policy set has errors; nothing exported");
        return EXIT_FAILED;
    }
    let files = crate::okta::export::export(&compiled);
    match super::import::write_folder(&args.out, &files) {
        Ok(()) => {
            eprintln!("wrote {} files to `{}`", files.len(), args.out.display());
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_CANNOT_RUN
        }
    }
}
