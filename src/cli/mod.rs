//! The `policyc` command line: a thin shell over the library. This module and the language
//! server are the only places that do IO.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

// `println!`, `eprintln!` and `eprint!` that never panic. The standard ones panic when
// the reader has gone (`policyc check 2>&1 | head` in a CI log: exit 101, a panic message lost
// in the closed pipe); these drop what could not be written, as `cat` stops, and the exit code
// still says what the command found. Any other write error (a full disk) is remembered
// (`wrote`): the command then exits 2 rather than 0.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::cli::wrote(writeln!(std::io::stdout(), $($arg)*));
    }};
}
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::cli::wrote(writeln!(std::io::stderr(), $($arg)*));
    }};
}
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::cli::wrote(write!(std::io::stderr(), $($arg)*));
    }};
}

pub mod check;
pub mod claims;
pub mod conventions;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod export;
pub mod fmt;
pub mod graph;
pub mod import;
pub mod init;
pub mod load;
pub mod lsp;
pub mod pull;
pub mod test;
pub mod watch;
pub mod what_if;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit code: the command ran and found nothing wrong (warnings allowed).
pub const EXIT_OK: u8 = 0;
/// Exit code: the command ran and found errors (or refused its input).
pub const EXIT_FAILED: u8 = 1;
/// Exit code: the command could not run (unreadable path, no policy files, bad arguments).
pub const EXIT_CANNOT_RUN: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "policyc",
    version,
    about = "Authentication policy-as-code: compile, check and simulate Okta sign-on policies",
    long_about = "Authentication policy-as-code for Okta orgs federated with other IdPs.\n\n\
        Write your org's authenticators, identity providers, routing rules, global session \
        policy and app sign-on policies in `.policy` files, keep them in git, and let policyc \
        check them before they reach production.\n\n\
        Start with `policyc check` in the folder that holds your `.policy` files.",
    after_help = "Exit codes: 0 success, 1 problems found (or input refused), 2 could not run.\n\
        Language reference: docs/language.md. Diagnostic codes: docs/checks.md (`policyc explain CODE`)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Read files that are links to places outside the paths given (by default such a file is
    /// refused, so that a link in an untrusted checkout cannot make policyc print a file
    /// from elsewhere, such as `/proc/self/environ`). Only regular files are ever read, and
    /// `fmt` never writes through a link either way.
    #[arg(long, global = true)]
    pub follow_links: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Check(check::CheckArgs),
    /// Inspect what the SP would make of an IdP's ID token, SAML response or claims.
    #[command(subcommand)]
    Claims(ClaimsCommand),
    Graph(graph::GraphArgs),
    Eval(eval::EvalArgs),
    Test(test::TestArgs),
    Fmt(fmt::FmtArgs),
    Watch(watch::WatchArgs),
    Lsp(lsp::LspArgs),
    #[command(name = "what-if")]
    WhatIf(what_if::WhatIfArgs),
    Explain(explain::ExplainArgs),
    Completions(conventions::CompletionsArgs),
    Man(conventions::ManArgs),
    Init(init::InitArgs),
    /// Import an Okta org's Management API JSON into `.policy` files.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export a policy set as Okta Management API bodies or Terraform configuration.
    #[command(subcommand)]
    Export(export::ExportCommand),
    Diff(diff::DiffArgs),
    Pull(pull::PullArgs),
}

#[derive(Debug, Subcommand)]
pub enum ClaimsCommand {
    Inspect(claims::InspectArgs),
}

/// Set when printed output could not be written for a reason other than a reader that stopped.
static WRITE_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What the print macros do with a write's result: a closed pipe is the reader's choice
/// ([`is_closed_pipe`]); any other error makes a successful command exit 2 ([`main`]).
pub(crate) fn wrote(result: std::io::Result<()>) {
    if let Err(e) = result
        && !is_closed_pipe(&e)
    {
        WRITE_FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The reader of our output has gone (`| head`): not an error of ours.
pub fn is_closed_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// Standard output for a report that is written piece by piece (`check`, `what-if`, `fmt`,
/// `watch`), buffered in 64 KiB blocks. std's own stdout writes at every line end, even to a
/// file or a pipe: 10,000 diagnostics were 200,000 `write` calls. The caller flushes it and
/// checks that flush, and flushes it before writing to stderr.
pub(crate) fn report_out() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock())
}

/// A command's main output, written: `None` when it was, or when its reader stopped early (the
/// exit code then still says what was found); else says why and gives exit 2.
pub(crate) fn report_failed(written: std::io::Result<()>, what: &str) -> Option<u8> {
    match written {
        Err(err) if !is_closed_pipe(&err) => {
            errln!("error: cannot write the {what}: {err}");
            Some(EXIT_CANNOT_RUN)
        }
        _ => None,
    }
}

/// Parses the arguments and runs the command; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                EXIT_CANNOT_RUN
            } else {
                EXIT_OK
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    load::set_follow_links(cli.follow_links);
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Claims(ClaimsCommand::Inspect(args)) => claims_inspect(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Watch(args) => watch::run(&args),
        Command::Lsp(args) => lsp::run(&args),
        Command::WhatIf(args) => what_if::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Completions(args) => conventions::completions(&args),
        Command::Man(args) => conventions::man(&args),
        Command::Init(args) => init::run(&args),
        Command::Import(command) => import::run(&command),
        Command::Export(command) => export::run(&command),
        Command::Diff(args) => diff::run(&args),
        Command::Pull(args) => pull::run(&args),
    };
    // Output lost to a full disk is not a success; a failure already says what went wrong.
    if code == EXIT_OK && WRITE_FAILED.load(std::sync::atomic::Ordering::Relaxed) {
        errln!("error: some output could not be written");
        return ExitCode::from(EXIT_CANNOT_RUN);
    }
    ExitCode::from(code)
}

fn claims_inspect(args: &claims::InspectArgs) -> u8 {
    let sources = match load::load_one_sources(&args.paths, "claims inspect") {
        Ok(sources) => sources,
        Err(err) => return err.report(),
    };
    let compiled = crate::compile(sources);
    let idps = load::idp_configs(&compiled);
    let mut stdout = std::io::stdout().lock();
    match claims::run_inspect(args, &idps, &mut stdout) {
        Ok(code) => code,
        Err(err) => {
            errln!("error: {err}");
            EXIT_CANNOT_RUN
        }
    }
}

/// Whether to colour output written to stdout: `--color`, then `NO_COLOR`, then whether stdout
/// is a terminal.
pub fn use_color(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// `--allow`, `--warn`, `--deny`: what to make of diagnostic codes, as in ruff and clippy.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LevelArgs {
    /// Do not report CODE (repeatable), e.g. `--allow shadowed-rule`. `policyc explain` lists
    /// the codes; `# policyc: allow(CODE) reason` allows one place instead.
    #[arg(long = "allow", value_name = "CODE")]
    pub allow: Vec<String>,
    /// Report CODE as a warning (repeatable): it no longer fails the check.
    #[arg(long = "warn", value_name = "CODE")]
    pub warn: Vec<String>,
    /// Report CODE as an error (repeatable): it fails the check. `--deny` wins over `--warn`,
    /// which wins over `--allow`, for one code.
    #[arg(long = "deny", value_name = "CODE")]
    pub deny: Vec<String>,
}

impl LevelArgs {
    /// The levels, or why a code is not one (with a did-you-mean).
    pub fn levels(&self) -> Result<crate::check::allow::Levels, String> {
        use crate::check::allow::Level;
        use crate::diagnostic::Code;
        let mut levels = crate::check::allow::Levels::default();
        for (names, level, flag) in [
            (&self.allow, Level::Allow, "--allow"),
            (&self.warn, Level::Warn, "--warn"),
            (&self.deny, Level::Deny, "--deny"),
        ] {
            for name in names {
                let Some(code) = Code::parse(name.trim()) else {
                    let all = Code::ALL.iter().map(|c| c.as_str());
                    return Err(match crate::suggest::closest(name, all) {
                        Some(s) => format!("`{flag} {name}`: no such code; did you mean `{s}`?"),
                        None => {
                            format!("`{flag} {name}`: no such code (`policyc explain` lists them)")
                        }
                    });
                };
                levels
                    .set(code, level)
                    .map_err(|e| format!("`{flag} {name}`: {e}"))?;
            }
        }
        Ok(levels)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether diagnostics written to stderr are coloured: `auto` colours a terminal unless
/// `NO_COLOR` is set.
pub fn use_color_stderr(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

/// A compiled set with errors cannot be simulated, tested or drawn: its errors go to stderr
/// (human, coloured as `--color` says), then `error: the policy set has N errors; {refusal}`,
/// and `Err(exit_code)`.
pub(crate) fn refuse_errors_in(
    compiled: crate::Compiled,
    refusal: &str,
    exit_code: u8,
    color: ColorChoice,
) -> Result<crate::Compiled, u8> {
    refuse_errors_in_set(compiled, None, refusal, exit_code, color)
}

/// [`refuse_errors_in`] for the policy set `set` (`prod/`), named in the message.
pub(crate) fn refuse_errors_in_set(
    compiled: crate::Compiled,
    set: Option<&str>,
    refusal: &str,
    exit_code: u8,
    color: ColorChoice,
) -> Result<crate::Compiled, u8> {
    use crate::diagnostic::render::{self, Format, RenderOptions};
    let errors: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if errors.is_empty() {
        return Ok(compiled);
    }
    let options = RenderOptions {
        color: use_color_stderr(color),
        files_checked: compiled.sources.len(),
    };
    let mut stderr = std::io::stderr().lock();
    let _ = render::render(
        Format::Human,
        &errors,
        &compiled.sources,
        &options,
        &mut stderr,
    );
    errln!(
        "error: the policy set {}has {} error{}; {refusal}",
        set.map_or_else(String::new, |s| format!("{s} ")),
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    Err(exit_code)
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument of every command says what it is for in `--help`.
    #[test]
    fn every_flag_and_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_long_about().is_none() {
                    missing.push(format!("{path} {} (the command)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "policyc", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
    }
}
