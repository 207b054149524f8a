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
#[doc(hidden)]
pub mod cli;
pub mod diagnostic;
pub mod eval;
pub mod fmt;
pub mod graph;
pub mod model;
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
    let mut diagnostics = Vec::new();
    let mut asts = Vec::with_capacity(sources.len());
    for (id, file) in sources.iter() {
        let (ast, errors) = syntax::parse(id, &file.text);
        diagnostics.extend(errors);
        asts.push(ast);
    }
    let files: Vec<_> = sources.iter().map(|(id, _)| id).zip(asts.iter()).collect();
    let (model, errors) = model::lower(&files);
    diagnostics.extend(errors);
    diagnostic::sort(&mut diagnostics);
    let graph = graph::RuleGraph::build(&model);
    Compiled {
        sources,
        asts,
        model,
        graph,
        diagnostics,
    }
}
