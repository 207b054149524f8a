//! `policyc completions SHELL` and `policyc man`: shell completions (clap_complete) and man
//! pages (clap_mangen), both generated from the one CLI definition, so they cannot drift from
//! `--help`.

use super::{Cli, EXIT_CANNOT_RUN, EXIT_OK};
use clap::CommandFactory;
use std::io::Write as _;
use std::path::PathBuf;

/// Print a shell completion script.
///
/// Install it where your shell looks, e.g.
/// `policyc completions bash > ~/.local/share/bash-completion/completions/policyc`,
/// `policyc completions zsh > "${fpath[1]}/_policyc"`,
/// `policyc completions fish > ~/.config/fish/completions/policyc.fish`, or in PowerShell
/// `policyc completions powershell | Out-String | Invoke-Expression` (in your profile).
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: `bash`, `zsh`, `fish`, `powershell` or `elvish`.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print the man page (roff), or write one page per command into a folder.
///
/// `policyc man | man -l -` reads it now; `policyc man --out-dir /usr/local/share/man/man1`
/// installs `policyc.1` and `policyc-check.1`, `policyc-eval.1`, ...
#[derive(Debug, Clone, clap::Args)]
pub struct ManArgs {
    /// Write `policyc.1` and one page per subcommand into this folder instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

pub fn completions(args: &CompletionsArgs) -> u8 {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics when its writer fails (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "policyc", &mut script);
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_all(&script).and_then(|()| stdout.flush());
    super::report_failed(written, "completions").unwrap_or(EXIT_OK)
}

pub fn man(args: &ManArgs) -> u8 {
    let cmd = Cli::command();
    let written = match &args.out_dir {
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir)),
        None => clap_mangen::Man::new(cmd).render(&mut std::io::stdout().lock()),
    };
    match written {
        Ok(()) => EXIT_OK,
        Err(err) if args.out_dir.is_none() && super::is_closed_pipe(&err) => EXIT_OK,
        Err(err) => {
            match &args.out_dir {
                Some(dir) => errln!("error: cannot write man pages to {}: {err}", dir.display()),
                None => errln!("error: cannot write the man page: {err}"),
            }
            EXIT_CANNOT_RUN
        }
    }
}
