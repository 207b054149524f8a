//! `policyc init [DIR]`: a commented starter policy set that checks clean and whose tests pass
//! (tests/cli_conventions.rs runs `check` and `test` on it).

use super::{EXIT_CANNOT_RUN, EXIT_OK};
use std::path::{Path, PathBuf};

/// Create a commented starter policy set: an org, an IdP with a route, a session policy, an
/// app policy and tests.
///
/// Writes `org.policy`, `idps.policy`, `session.policy`, `apps.policy` and `tests.policy` into
/// DIR (default: the current folder; created if missing). Nothing is overwritten: if one of
/// those files exists, nothing is written (exit 2). Then run `policyc check DIR` and
/// `policyc test DIR`, and edit from there.
#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// The folder to create the policy set in (default: the current folder).
    pub dir: Option<PathBuf>,
}

/// The starter set: file names and contents.
pub const STARTER: &[(&str, &str)] = &[
    ("org.policy", include_str!("starter/org.policy")),
    ("idps.policy", include_str!("starter/idps.policy")),
    ("session.policy", include_str!("starter/session.policy")),
    ("apps.policy", include_str!("starter/apps.policy")),
    ("tests.policy", include_str!("starter/tests.policy")),
];

pub fn run(args: &InitArgs) -> u8 {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let existing: Vec<String> = STARTER
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        errln!(
            "error: {} already {}; nothing was written (choose another folder: `policyc init DIR`)",
            existing.join(", "),
            if existing.len() == 1 {
                "exists"
            } else {
                "exist"
            }
        );
        return EXIT_CANNOT_RUN;
    }
    if let Err(err) = std::fs::create_dir_all(&dir) {
        errln!("error: cannot create {}: {err}", dir.display());
        return EXIT_CANNOT_RUN;
    }
    for (name, text) in STARTER {
        let path = dir.join(name);
        if let Err(err) = write_new(&path, text) {
            errln!("error: cannot write {}: {err}", path.display());
            return EXIT_CANNOT_RUN;
        }
        outln!("created {}", path.display());
    }
    let shown = dir.display();
    outln!("\nnext: `policyc check {shown}` and `policyc test {shown}`, then make it your org's");
    EXIT_OK
}

/// Writes a file that must not exist yet (a file created meanwhile is not overwritten).
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}
