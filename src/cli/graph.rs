//! `policyc graph`: print the compiled rule graph as Graphviz dot or Mermaid.

use super::{EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load};
use crate::graph::render as draw;
use std::io::Write;
use std::path::PathBuf;

/// Print the compiled rule graph as Graphviz dot or Mermaid.
///
/// Compiles the policy set under PATHS (default: the current folder, recursively) and prints
/// its rule graph: identity providers and local authenticator methods on the left, the AMR
/// values, factor types and characteristics they provide in the middle, and one cluster per
/// policy with its rules in the order they are tried. A policy set with errors is refused
/// (exit 1, diagnostics on stderr); fix them with `policyc check` first.
///
/// Examples: `policyc graph policies/ | dot -Tsvg > graph.svg`, or
/// `policyc graph --format mermaid --policy finance policies/` for a Markdown page.
///
/// Exit 0 with the graph printed, 1 when the policy set has errors, 2 when it could not run
/// (unreadable path, no policy files, unknown `--policy`).
#[derive(Debug, Clone, clap::Args)]
pub struct GraphArgs {
    /// Files or folders of the policy set (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Output format: `dot` for Graphviz (`dot -Tsvg`), `mermaid` for Markdown renderers
    /// (GitHub, GitLab, mermaid.live).
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Draw only this policy (an app sign-on policy or the global session policy) and the
    /// IdPs, methods, factor types and characteristics its rules can use.
    #[arg(long, value_name = "NAME")]
    pub policy: Option<String>,
    /// Colour the errors of a set that cannot be drawn: `auto` colours a terminal unless
    /// `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = super::ColorChoice::Auto)]
    pub color: super::ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz dot.
    #[default]
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

pub fn run(args: &GraphArgs) -> u8 {
    let sources = match load::load_one_sources(&args.paths, "graph") {
        Ok(sources) => sources,
        Err(err) => return err.report(),
    };
    let compiled = match super::refuse_errors_in(
        crate::compile(sources),
        "no graph drawn",
        EXIT_FAILED,
        args.color,
    ) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let model = &compiled.model;
    if let Some(name) = &args.policy {
        let names = draw::policy_names(model);
        if !names.contains(&name.as_str()) {
            let hint = match crate::suggest::closest(name, names.iter().copied()) {
                Some(s) => format!("; did you mean `{s}`?"),
                None if names.is_empty() => "; the policy set has no policies".to_owned(),
                None => format!(
                    "; policies: {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            errln!("error: no policy named `{name}`{hint}");
            return EXIT_CANNOT_RUN;
        }
    }
    let graph = &compiled.graph;
    let policy = args.policy.as_deref();
    let text = match args.format {
        GraphFormat::Dot => draw::dot(graph, model, policy),
        GraphFormat::Mermaid => draw::mermaid(graph, model, policy),
    };
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    super::report_failed(written, "graph").unwrap_or(EXIT_OK)
}
