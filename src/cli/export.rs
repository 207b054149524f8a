//! `policyc export okta`: a `.policy` set → the org folder of Management API bodies.

use super::{EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load};
use crate::diagnostic::Severity;
use crate::diagnostic::render::{self, Format, RenderOptions};
use std::path::PathBuf;

/// Export a policy set for Okta.
#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    Okta(ExportOktaArgs),
    Terraform(ExportTerraformArgs),
}

/// Write a policy set as Terraform JSON configuration for the Okta provider (`okta/okta`
/// `~> 4.8`): `okta_idp_oidc`, `okta_idp_saml`, `okta_authenticator`, `okta_app_signon_policy`
/// and `okta_app_signon_policy_rule` (`constraints` as JSON strings, `priority`),
/// `okta_policy_signon`, `okta_policy_rule_signon` and `okta_policy_rule_idp_discovery`.
///
/// Resources refer to each other (`${okta_idp_oidc.corp.id}`), not by literal ids; groups,
/// zones, apps and the IdP discovery policy are `data` sources looked up by name. Secrets (an
/// OIDC IdP's client secret) and what the API needs but policyc does not model (a SAML IdP's
/// SSO URL and key id) are Terraform variables. Deploying is Terraform's job: `terraform plan`.
///
/// `okta_authenticator` carries neither which methods are on nor enrollment: for each
/// authenticator where they are not the defaults (every method on, enrollment allowed), a
/// `note:` on stderr says so (`export okta` writes them).
///
/// Exit codes: 0 written, 1 the set has errors, 2 could not run.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportTerraformArgs {
    /// Policy files or folders (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// The file to write, e.g. `main.tf.json`.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: PathBuf,
}

/// Write a policy set as Okta Management API bodies, in the folder layout `policyc import okta`
/// reads (so `import okta` reads an export back).
///
/// Files: `idps.json`, `authenticators.json`, `groups.json`, `zones.json`, `apps.json`,
/// `policies-ACCESS_POLICY.json`, `policies-OKTA_SIGN_ON.json`, `policies-IDP_DISCOVERY.json`,
/// `policies-MFA_ENROLL.json` (each authenticator's enrollment), `rules/<policyId>.json` and
/// `methods/<authenticatorId>.json` (which of its methods are on). Each object keeps the Okta
/// id written in its `# okta: ID` comment (an object without one has no `id`: Okta assigns it
/// on create; a policy or authenticator, which names a file, gets `policyc-<name>`); every
/// rule's `priority` is explicit. Deploying is left to your tooling (the Management API, Terraform).
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
    let (paths, out) = match command {
        ExportCommand::Okta(args) => (&args.paths, &args.out),
        ExportCommand::Terraform(args) => (&args.paths, &args.out),
    };
    let sources = match load::load_one_sources(paths, "export") {
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
        errln!("error: the policy set has errors; nothing exported");
        return EXIT_FAILED;
    }
    if let ExportCommand::Terraform(_) = command {
        let config = crate::okta::terraform::export(&compiled);
        let mut text = serde_json::to_string_pretty(&config).unwrap_or_default();
        text.push('\n');
        return match load::write_new_or_replace(out, &text) {
            Ok(()) => {
                for note in crate::okta::terraform::dropped(&compiled) {
                    errln!("note: {note}");
                }
                errln!("wrote `{}`", out.display());
                EXIT_OK
            }
            Err(e) => {
                errln!("error: {e}");
                EXIT_CANNOT_RUN
            }
        };
    }
    let files = crate::okta::export::export(&compiled);
    match super::import::write_folder(out, &files) {
        Ok(()) => {
            errln!("wrote {} files to `{}`", files.len(), out.display());
            EXIT_OK
        }
        Err(e) => {
            errln!("error: {e}");
            EXIT_CANNOT_RUN
        }
    }
}
