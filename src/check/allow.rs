//! Suppressing a diagnostic on purpose, as ruff, clippy and Regal users do: levels from the
//! command line (`--allow CODE`, `--warn CODE`, `--deny CODE`) and inline comments
//! (`# policyc: allow(code) reason`). `check` applies both last, so the CLI, `watch` and the
//! language server report the same thing.
//!
//! An inline allow covers the line it trails, or else the next line holding code; when that
//! line opens a block (`rule admins {`), the whole block. Its reason is required (a leading `—`
//! or `-` is optional). An allow that suppresses nothing is reported (`unused-allow`), and one
//! that names no known code or gives no reason is reported and suppresses nothing
//! (`invalid-allow`).

use crate::Compiled;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Loc, Span};

/// What a level flag makes of a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported as a warning.
    Warn,
    /// Reported as an error.
    Deny,
}

/// Levels for codes, in the order given: a later one for the same code wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Levels(Vec<(Code, Level)>);

impl Levels {
    /// Sets `code`'s level. `syntax` cannot be allowed: nothing else is checked where the
    /// text does not parse.
    pub fn set(&mut self, code: Code, level: Level) -> Result<(), String> {
        if code == Code::Syntax && level != Level::Deny {
            return Err("`syntax` errors cannot be allowed or downgraded".to_owned());
        }
        self.0.push((code, level));
        Ok(())
    }

    /// These levels followed by `later`'s, which win for a code both set (a `policyc.toml`'s,
    /// then the command line's).
    pub fn then(mut self, later: &Levels) -> Levels {
        self.0.extend(later.0.iter().copied());
        self
    }

    fn of(&self, code: Code) -> Option<Level> {
        self.0
            .iter()
            .rev()
            .find(|(c, _)| *c == code)
            .map(|(_, l)| *l)
    }

    /// The diagnostics with the levels applied.
    pub fn apply(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter_map(|d| match self.of(d.code) {
                None => Some(d),
                Some(Level::Allow) => None,
                Some(Level::Warn) => Some(d.with_severity(crate::diagnostic::Severity::Warning)),
                Some(Level::Deny) => Some(d.with_severity(crate::diagnostic::Severity::Error)),
            })
            .collect()
    }
}

/// One `# policyc: allow(..)` comment.
struct Allow {
    file: FileId,
    /// The comment, for diagnostics about it.
    at: Span,
    codes: Vec<Code>,
    /// The bytes it covers.
    covers: Span,
    used: bool,
}

const MARKER: &str = "policyc:";

/// Applies the inline allows of `compiled`'s files to `diagnostics`; returns what is left, with
/// a diagnostic for each allow that is invalid or suppresses nothing.
pub fn apply_inline(compiled: &Compiled, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut allows = Vec::new();
    let mut out = Vec::new();
    for (file, source) in compiled.sources.iter() {
        scan(file, &source.text, &mut allows, &mut out);
    }
    if allows.is_empty() && out.is_empty() {
        return diagnostics;
    }
    for d in diagnostics {
        let loc = d.primary.loc;
        let covering = allows.iter_mut().find(|a| {
            a.file == loc.file
                && a.codes.contains(&d.code)
                && a.covers.start <= loc.span.start
                && loc.span.start < a.covers.end.max(a.covers.start + 1)
        });
        match covering {
            Some(allow) if d.code != Code::Syntax => allow.used = true,
            _ => out.push(d),
        }
    }
    for a in allows.iter().filter(|a| !a.used) {
        let names: Vec<&str> = a.codes.iter().map(|c| c.as_str()).collect();
        out.push(
            Diagnostic::new(
                Code::UnusedAllow,
                Loc::new(a.file, a.at),
                format!("`allow({})` suppresses nothing", names.join(", ")),
            )
            .with_label("no diagnostic of this code here")
            .with_help("remove the comment, or move it to the line above the item it is about"),
        );
    }
    out
}

/// Finds the allow comments of one file.
fn scan(file: FileId, text: &str, allows: &mut Vec<Allow>, out: &mut Vec<Diagnostic>) {
    let mut line_start = 0usize;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = line[hash + 1..].trim();
        let Some(rest) = comment.strip_prefix(MARKER) else {
            continue;
        };
        let at = Span::new(start + hash, start + line.trim_end().len());
        let loc = Loc::new(file, at);
        let invalid = |message: String, help: &str| {
            Diagnostic::new(Code::InvalidAllow, loc, message)
                .with_label("this comment suppresses nothing")
                .with_help(help.to_owned())
        };
        let rest = rest.trim_start();
        let Some(args) = rest.strip_prefix("allow(") else {
            out.push(invalid(
                "a `policyc:` comment must be `allow(code) reason`".to_owned(),
                "write `# policyc: allow(shadowed-rule) why this is intended`",
            ));
            continue;
        };
        let Some(close) = args.find(')') else {
            out.push(invalid(
                "`allow(` is not closed".to_owned(),
                "write `# policyc: allow(code) reason`",
            ));
            continue;
        };
        let mut codes = Vec::new();
        let mut unknown = None;
        for name in args[..close]
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            match Code::parse(name) {
                Some(code) => codes.push(code),
                None => unknown = Some(name.to_owned()),
            }
        }
        if let Some(name) = unknown {
            let names = Code::ALL.iter().map(|c| c.as_str());
            let help = match crate::suggest::closest(&name, names) {
                Some(s) => format!("did you mean `{s}`? (`policyc explain` lists the codes)"),
                None => "`policyc explain` lists the codes".to_owned(),
            };
            out.push(invalid(format!("`{name}` is not a diagnostic code"), &help));
            continue;
        }
        let reason = args[close + 1..]
            .trim()
            .trim_start_matches(['—', '–', '-'])
            .trim();
        if codes.is_empty() || reason.is_empty() {
            out.push(invalid(
                if codes.is_empty() {
                    "`allow()` names no code".to_owned()
                } else {
                    "an allow needs a reason".to_owned()
                },
                "say why after the code: `# policyc: allow(shadowed-rule) kept for the audit trail`",
            ));
            continue;
        }
        // Trailing: its own line; else the next line with code, and the block it opens.
        let covers = if line[..hash].trim().is_empty() {
            next_code_line(text, line_start)
        } else {
            Some(Span::new(start, start + hash))
        };
        if let Some(covers) = covers {
            allows.push(Allow {
                file,
                at,
                codes,
                covers,
                used: false,
            });
        }
    }
}

/// Where a `#` comment starts on a line, outside strings.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return Some(i),
            _ => {}
        }
    }
    None
}

/// The first line from `from` that holds code, extended to the end of the block it opens.
fn next_code_line(text: &str, from: usize) -> Option<Span> {
    let mut start = from;
    for line in text.get(from..)?.split_inclusive('\n') {
        let code = comment_start(line).map_or(line, |hash| &line[..hash]);
        if !code.trim().is_empty() {
            break;
        }
        start += line.len();
    }
    let rest = text.get(start..)?;
    if rest.is_empty() {
        return None;
    }
    let (mut depth, mut in_string, mut in_comment, mut escaped) = (0usize, false, false, false);
    for (i, c) in rest.char_indices() {
        if in_comment {
            in_comment = c != '\n';
            if in_comment {
                continue;
            }
        }
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ if in_string => {}
            '#' => in_comment = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(Span::new(start, start + i + 1));
                }
            }
            '\n' if depth == 0 => return Some(Span::new(start, start + i)),
            _ => {}
        }
    }
    Some(Span::new(start, text.len()))
}
