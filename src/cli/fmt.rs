//! `policyc fmt`: rewrite `.policy` files in the canonical layout, comments kept.

use super::{EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load};
use crate::diagnostic::render::{self, Format, RenderOptions};
use crate::fmt::FormatError;
use crate::source::{SourceFile, Sources};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Format `.policy` files in the canonical layout, keeping every comment.
///
/// Rewrites every `.policy` file under PATHS (default: the current folder, recursively) in
/// place, only when its layout changes. With `--check`, writes nothing, lists the files that
/// would change and exits 1 if there are any. A file with syntax errors is reported and left
/// untouched (exit 1). Files are rewritten atomically (a temporary file in the same folder,
/// renamed over the original, its mode kept); a file that is a link is never written through.
#[derive(Debug, Clone, clap::Args)]
pub struct FmtArgs {
    /// Files or folders to format (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Write nothing: list the files that are not formatted and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// Write nothing, and print a unified diff of each file that is not formatted (implies
    /// `--check`): `policyc fmt --check --diff | git apply` would format them.
    #[arg(long)]
    pub diff: bool,
    /// Colour the syntax errors of files left untouched: `auto` colours a terminal unless
    /// `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = super::ColorChoice::Auto)]
    pub color: super::ColorChoice,
}

pub fn run(args: &FmtArgs) -> u8 {
    let sources = match load::load(&args.paths) {
        Ok(sources) => sources,
        Err(err) => return err.report(),
    };
    let mut stdout = super::report_out();
    let (mut changed, mut refused, mut failed_writes) = (0usize, 0usize, 0usize);
    for (_, file) in sources.iter() {
        let formatted = match crate::fmt::format(&file.text) {
            Ok(formatted) => formatted,
            Err(err) => {
                refused += 1;
                // What was written so far comes before this report on a terminal too.
                super::wrote(stdout.flush());
                report(file, &err, args.color);
                continue;
            }
        };
        if formatted == file.text {
            continue;
        }
        changed += 1;
        if args.diff {
            let diff = similar::TextDiff::from_lines(&file.text, &formatted);
            super::wrote(write!(
                stdout,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", file.name), &format!("b/{}", file.name))
            ));
        } else if args.check {
            super::wrote(writeln!(stdout, "would reformat {}", file.name));
        } else if let Err(err) = write(Path::new(&file.name), formatted) {
            failed_writes += 1;
            errln!("error: {err}");
        }
    }
    super::wrote(stdout.flush());
    let files = sources.len();
    let files_word = if files == 1 { "file" } else { "files" };
    let mut summary = if args.check || args.diff {
        format!("checked {files} {files_word} ({changed} would change)")
    } else {
        format!("formatted {files} {files_word} ({changed} changed)")
    };
    if refused > 0 {
        summary.push_str(&format!(", {refused} left untouched (syntax errors)"));
    }
    errln!("{summary}");
    if failed_writes > 0 {
        EXIT_CANNOT_RUN
    } else if refused > 0 || ((args.check || args.diff) && changed > 0) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Writes a formatted file, keeping the byte-order mark the file had (`load` reads text
/// without it).
fn write(path: &Path, mut formatted: String) -> Result<(), String> {
    let mut head = [0u8; 3];
    // Only a regular file is opened (a link or a FIFO is refused by `write_atomically`).
    let regular = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file());
    let had_bom = regular
        && std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
            .is_ok_and(|()| head == [0xEF, 0xBB, 0xBF]);
    if had_bom {
        formatted.insert(0, '\u{feff}');
    }
    load::write_atomically(path, &formatted)
}

/// Why a file was left untouched, on stderr.
fn report(file: &SourceFile, err: &FormatError, color: super::ColorChoice) {
    match err {
        FormatError::Syntax(diagnostics) => {
            let mut sources = Sources::new();
            sources.add(file.clone());
            let options = RenderOptions {
                color: super::use_color_stderr(color),
                files_checked: 1,
            };
            let mut stderr = std::io::stderr().lock();
            let _ = render::render(Format::Human, diagnostics, &sources, &options, &mut stderr);
            let _ = writeln!(stderr, "error: `{}` not formatted: {err}", file.name);
        }
        FormatError::Internal(_) => {
            errln!("error: `{}` not formatted: {err}", file.name);
        }
    }
}
