//! `policyc diff POLICIES ORG_DIR`: drift between the files and a pulled org.

use super::{EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load};
use crate::diagnostic::Severity;
use std::io::Write;
use std::path::PathBuf;

/// Compare the policy files with an org folder (what `policyc pull` writes), semantically.
///
/// Reports each IdP, authenticator, group, zone, app, policy, rule (a rule at another position
/// is `moved`) and route that is in the files and not in the org (`+`), in the org and not in
/// the files (`-`), or different (`~`, with the JSON pointers of the API fields that differ).
/// An object whose Okta id (its `# okta: ID` comment) is the same under another name is
/// `renamed` (`~ rule wiki.mobile: renamed: from wiki.phones (org) to wiki.mobile (files)`), not
/// removed and added; two objects of the files with one Okta id are reported (`! ...: duplicate
/// id`) and neither is paired by it. An authenticator's methods and enrollment are compared
/// with it.
/// Only what policyc models is compared, by name, ids aside; `asserts` and claims-sharing
/// features are taken from the files (the API does not hold them). Run `pull` then `diff`
/// nightly in CI: the exit code says whether the org drifted.
///
/// Exit codes: 0 the same, 1 different (or the files have errors), 2 could not run.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// The policy files or folder.
    pub policies: PathBuf,
    /// The org folder.
    pub org: PathBuf,
    /// `human` (default) or `json`: an array of `{kind, name, change, fields}`.
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    pub format: String,
}

pub fn run(args: &DiffArgs) -> u8 {
    let sources = match load::load_one_sources(std::slice::from_ref(&args.policies), "diff") {
        Ok(sources) => sources,
        Err(err) => return err.report(),
    };
    let compiled = crate::compile(sources);
    if compiled
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        errln!("error: the policy set has errors (see `policyc check`); nothing compared");
        return EXIT_FAILED;
    }
    let org = match super::import::read_org(&args.org) {
        Ok(org) => org,
        Err(e) => {
            errln!("error: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    let changes = match crate::okta::diff::diff(&compiled, &org) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    let mut stdout = std::io::stdout().lock();
    super::wrote(if args.format == "json" {
        writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&changes).unwrap_or_default()
        )
    } else {
        write!(stdout, "{}", crate::okta::diff::render_human(&changes))
    });
    errln!(
        "{} difference(s) between `{}` and the org at `{}`",
        changes.len(),
        args.policies.display(),
        args.org.display()
    );
    if changes.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}
