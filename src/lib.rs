//! policyc: authentication policy-as-code for Okta orgs federated with other identity providers.
//!
//! The library takes text and returns values; it does no IO. The pipeline:
//! text → [`syntax`] (AST with spans) → [`model`] (resolved, typed) → diagnostics.
//!
//! ```
//! use policyc::source::{SourceFile, Sources};
//!
//! let mut sources = Sources::new();
//! sources.add(SourceFile::new("org.policy", "org acme { engine identity }\ngroup admins\n"));
//! sources.add(SourceFile::new("apps.policy", "app wiki\npolicy p {\n  apps [wiki]\n  rule r { when group in [admin] require password }\n}\n"));
//! let compiled = policyc::compile(sources);
//! let codes: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code.as_str()).collect();
//! assert_eq!(codes, ["unknown-reference"]);
//! assert_eq!(compiled.diagnostics[0].help.as_deref(), Some("did you mean `admins`?"));
//! ```

pub mod check;
pub mod claims;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[doc = "`policyc.toml`, the file that marks a policy set's root."]
pub mod config;
pub mod diagnostic;
pub mod eval;
pub mod fmt;
pub mod graph;
pub mod model;
pub mod okta;
pub mod source;
pub mod suggest;
pub mod syntax;

pub use check::check;
pub use eval::evaluate;

use diagnostic::Diagnostic;
use source::Sources;

/// A compiled policy set: its sources, their syntax trees, the resolved model, and everything
/// the compiler had to say, sorted by file and position.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub sources: Sources,
    pub asts: Vec<syntax::ast::SourceFileAst>,
    pub model: model::Model,
    /// The rule graph of the model, with the dense tables evaluation reads.
    pub graph: graph::RuleGraph,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses every file of a policy set and resolves them together into one model. Never fails:
/// a broken item is reported and left out, and the rest still compiles.
pub fn compile(sources: Sources) -> Compiled {
    compile_timed(sources).0
}

/// How long each phase of [`compile_timed`] took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// Parsing every file (on several threads for a large set).
    pub parse: std::time::Duration,
    /// Resolving the files together into the model, and sorting the diagnostics.
    pub lower: std::time::Duration,
    /// Building the rule graph and the tables evaluation reads.
    pub graph: std::time::Duration,
}

/// [`compile`], with the time each phase took.
pub fn compile_timed(sources: Sources) -> (Compiled, Timings) {
    let start = std::time::Instant::now();
    let mut diagnostics = Vec::new();
    let mut asts = Vec::with_capacity(sources.len());
    for (ast, errors) in parse_all(&sources) {
        diagnostics.extend(errors);
        asts.push(ast);
    }
    let parsed = std::time::Instant::now();
    let files: Vec<_> = sources.iter().map(|(id, _)| id).zip(asts.iter()).collect();
    let (model, errors) = model::lower(&files);
    // A block that lost a setting to a syntax error may well miss that setting: not reported.
    diagnostics.extend(errors.into_iter().filter(|d| {
        d.code != diagnostic::Code::MissingSetting || !in_damaged(&asts, d.primary.loc)
    }));
    diagnostic::sort(&mut diagnostics);
    let lowered = std::time::Instant::now();
    let graph = graph::RuleGraph::build(&model);
    let timings = Timings {
        parse: parsed - start,
        lower: lowered - parsed,
        graph: lowered.elapsed(),
    };
    let compiled = Compiled {
        sources,
        asts,
        model,
        graph,
        diagnostics,
    };
    (compiled, timings)
}

/// Whether `loc` lies in an item or rule that parsed only once a broken setting was left out
/// (`SourceFileAst::damaged`; the ASTs are in file order).
pub(crate) fn in_damaged(asts: &[syntax::ast::SourceFileAst], loc: source::Loc) -> bool {
    asts.get(loc.file.0 as usize)
        .is_some_and(|ast| ast.in_damaged(loc.span))
}

/// Below this much text, parsing on one thread is faster than starting others.
const PARALLEL_PARSE_BYTES: usize = 512 * 1024;

/// Parses every file, in order. Files are independent until name resolution, so a large set is
/// parsed on several threads (each takes a contiguous run of files of about equal size).
fn parse_all(sources: &Sources) -> Vec<(syntax::ast::SourceFileAst, Vec<Diagnostic>)> {
    let files: Vec<_> = sources.iter().collect();
    let total: usize = files.iter().map(|(_, f)| f.text.len()).sum();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.len());
    if threads < 2 || total < PARALLEL_PARSE_BYTES {
        return files
            .iter()
            .map(|(id, f)| syntax::parse(*id, &f.text))
            .collect();
    }
    // Cut the list into runs of roughly `total / threads` bytes.
    let mut runs: Vec<&[_]> = Vec::with_capacity(threads);
    let (mut start, mut size) = (0, 0);
    for (i, (_, f)) in files.iter().enumerate() {
        size += f.text.len();
        if size * threads >= total * (runs.len() + 1) && runs.len() + 1 < threads {
            runs.push(&files[start..=i]);
            start = i + 1;
        }
    }
    runs.push(&files[start..]);
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|run| {
                scope.spawn(move || {
                    run.iter()
                        .map(|(id, f)| syntax::parse(*id, &f.text))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // A parse never panics (tests/no_panic.rs); should one anyway, it goes on as it would
        // have on this thread (the language server catches it per request).
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use source::SourceFile;

    #[test]
    fn parallel_parsing_keeps_file_order_and_results() {
        let mut sources = Sources::new();
        for f in 0..5 {
            // Big enough to take the parallel path, each file different.
            let text: String = (0..6000)
                .map(|i| format!("group g{f}_{i}\nzone z{f}_{i}\n"))
                .collect();
            sources.add(SourceFile::new(format!("f{f}.policy"), text + "oops {\n"));
        }
        let parallel = parse_all(&sources);
        let sequential: Vec<_> = sources
            .iter()
            .map(|(id, f)| syntax::parse(id, &f.text))
            .collect();
        assert_eq!(parallel, sequential);
        assert_eq!(parallel.len(), 5);
        assert!(parallel.iter().all(|(_, errors)| errors.len() == 1));
    }
}
