//! `policyc what-if`: what deactivating or deleting an IdP, or switching off a claims-sharing
//! feature, would break, without editing a file.

use super::{EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load};
use crate::check::support::{Change, Support};
use crate::check::{Guard, guard};
use crate::model::{Feature, IdpId, RuleOwner};
use crate::{Compiled, suggest};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

/// Show what a change to the org would break, without editing files.
///
/// Lists the rules that would become unsatisfiable (the change would be refused, exit 1), and
/// the rules that need trusted claims and keep working, with the IdPs that still satisfy them.
#[derive(Debug, Clone, clap::Args)]
pub struct WhatIfArgs {
    #[command(subcommand)]
    pub change: WhatIfChange,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum WhatIfChange {
    /// Set an IdP's status to inactive.
    Deactivate(IdpTarget),
    /// Delete an IdP (its claims are gone, and routes and tests naming it break).
    Delete(IdpTarget),
    /// Switch a claims-sharing feature off: `okta_to_okta_claims_sharing` or
    /// `third_party_claims_sharing`.
    Disable(FeatureTarget),
}

#[derive(Debug, Clone, clap::Args)]
pub struct IdpTarget {
    /// The IdP, by its name in the policies.
    pub idp: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, clap::Args)]
pub struct FeatureTarget {
    /// The feature: `okta_to_okta_claims_sharing` or `third_party_claims_sharing`.
    pub feature: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Files or folders of the policy set (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// `human` or `json`.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Decide by Okta's coarser rule (refuse only when no other active trusted IdP remains and
    /// some rule requires trusted claims).
    #[arg(long)]
    pub okta_compat: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: &WhatIfArgs) -> u8 {
    let common = match &args.change {
        WhatIfChange::Deactivate(t) | WhatIfChange::Delete(t) => &t.common,
        WhatIfChange::Disable(t) => &t.common,
    };
    let sources = match load::load(&common.paths) {
        Ok(sources) => sources,
        Err(err) => return err.report(),
    };
    let compiled = match super::refuse_errors(
        crate::compile(sources),
        "fix them (`policyc check`) before asking what a change would do",
        EXIT_CANNOT_RUN,
    ) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let (change, label) = match resolve(&compiled, &args.change) {
        Ok(found) => found,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_CANNOT_RUN;
        }
    };
    let support = Support::build(&compiled);
    let verdict = guard(&compiled, &support, change);
    let report = Report::new(&compiled, &support, &verdict, &args.change, label);
    let mut stdout = std::io::stdout().lock();
    let written = match common.format {
        Format::Json => serde_json::to_writer(&mut stdout, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(stdout)),
        Format::Human => report.human(&mut stdout, common.okta_compat),
    };
    if let Err(err) = written {
        eprintln!("error: cannot write the report: {err}");
        return EXIT_CANNOT_RUN;
    }
    let refused = if common.okta_compat {
        report.okta_refuses
    } else {
        report.refused
    };
    if refused { EXIT_FAILED } else { EXIT_OK }
}

fn resolve(compiled: &Compiled, change: &WhatIfChange) -> Result<(Change, String), String> {
    let model = &compiled.model;
    match change {
        WhatIfChange::Deactivate(t) | WhatIfChange::Delete(t) => {
            let verb = if matches!(change, WhatIfChange::Delete(_)) {
                "delete"
            } else {
                "deactivate"
            };
            match model.idp_named(&t.idp) {
                Some((id, _)) => Ok((Change::Deactivate(id), format!("{verb} IdP `{}`", t.idp))),
                None => {
                    let names = model.idps.iter().map(|i| i.name.as_str());
                    Err(match suggest::closest(&t.idp, names) {
                        Some(s) => format!("no IdP named `{}`: did you mean `{s}`?", t.idp),
                        None => format!(
                            "no IdP named `{}`; the policies declare {}",
                            t.idp,
                            model
                                .idps
                                .iter()
                                .map(|i| format!("`{}`", i.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    })
                }
            }
        }
        WhatIfChange::Disable(t) => match Feature::parse(&t.feature) {
            Some(f) => Ok((Change::Disable(f), format!("switch off `{}`", f.as_str()))),
            None => Err(format!(
                "`{}` is not a claims-sharing feature: use `okta_to_okta_claims_sharing` or `third_party_claims_sharing`",
                t.feature
            )),
        },
    }
}

#[derive(Debug, Serialize)]
struct Report {
    change: String,
    refused: bool,
    okta_refuses: bool,
    /// Why nothing changes: the IdP is already inactive, the feature already off, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    broken: Vec<BrokenRule>,
    kept: Vec<KeptRule>,
    /// Routes and tests that name a deleted IdP.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dangling: Vec<String>,
    local_only: usize,
}

#[derive(Debug, Serialize)]
struct BrokenRule {
    rule: String,
    policy: String,
    file: String,
    line: u32,
    column: u32,
    needs: String,
    considered: Vec<Considered>,
}

#[derive(Debug, Serialize)]
struct Considered {
    idp: String,
    why: String,
}

#[derive(Debug, Serialize)]
struct KeptRule {
    rule: String,
    policy: String,
    via: Vec<String>,
    /// IdPs of `via` that no routing rule sends the rule's users to: they keep it satisfiable
    /// only through their button or an IdP-initiated sign-in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unroutable: Vec<String>,
}

impl Report {
    fn new(
        compiled: &Compiled,
        support: &Support,
        verdict: &Guard,
        change: &WhatIfChange,
        label: String,
    ) -> Report {
        let model = &compiled.model;
        let rules: Vec<_> = model.rules().collect();
        let policy_of = |r: usize| match rules.get(r).map(|(o, _)| *o) {
            Some(RuleOwner::Session(p)) => model
                .session_policies
                .get(p as usize)
                .map_or_else(String::new, |p| p.name.clone()),
            Some(RuleOwner::App(p)) => model
                .policies
                .get(p.index())
                .map_or_else(String::new, |p| p.name.clone()),
            None => String::new(),
        };
        let rule_name = |r: usize| {
            rules
                .get(r)
                .map_or_else(String::new, |(_, rule)| rule.name.clone())
        };
        let idp_name = |i: IdpId| model.idp(i).map_or_else(String::new, |i| i.name.clone());
        let broken = verdict
            .impact
            .broken
            .iter()
            .map(|&r| {
                let loc = rules.get(r).map(|(_, rule)| rule.loc).unwrap_or_default();
                let at = compiled
                    .sources
                    .get(loc.file)
                    .map(|f| f.line_col(loc.span.start));
                let needs = match compiled.graph.tables.rules.get(r).map(|t| &t.action) {
                    Some(crate::graph::tables::Action::Require(need)) => {
                        crate::graph::proof::describe_need(need)
                    }
                    _ => String::new(),
                };
                let considered = support
                    .sources
                    .iter()
                    .filter(|s| verdict.impact.after.trusted.contains(s.idp.0))
                    .filter_map(|s| {
                        Some(Considered {
                            idp: idp_name(s.idp),
                            why: support.shortfall(compiled, r, s.idp)?,
                        })
                    })
                    .collect();
                BrokenRule {
                    rule: rule_name(r),
                    policy: policy_of(r),
                    file: compiled.sources.name(loc.file).to_owned(),
                    line: at.map_or(0, |a| a.line),
                    column: at.map_or(0, |a| a.column),
                    needs,
                    considered,
                }
            })
            .collect();
        // The IdPs that keep a rule satisfiable, with their routing (asked here, not in the
        // guard: only what-if names them).
        let unroutable = crate::check::routing::unroutable_kept(compiled, support, &verdict.impact);
        let kept = verdict
            .impact
            .kept
            .iter()
            .map(|&r| KeptRule {
                rule: rule_name(r),
                policy: policy_of(r),
                via: support
                    .via(r, &verdict.impact.after)
                    .into_iter()
                    .map(idp_name)
                    .collect(),
                unroutable: unroutable
                    .iter()
                    .find(|(kept, _)| *kept == r)
                    .map(|(_, idps)| idps.iter().map(|i| idp_name(*i)).collect())
                    .unwrap_or_default(),
            })
            .collect();
        let local_only = support
            .rules
            .iter()
            .filter(|s| !s.deny && s.local_ok)
            .count();
        let note = crate::check::note(model, verdict.change);
        let dangling = match (change, verdict.change) {
            (WhatIfChange::Delete(_), Change::Deactivate(id)) => {
                let routes = model
                    .routes
                    .iter()
                    .filter(|r| r.to.is_some_and(|(to, _)| to == id))
                    .map(|r| format!("route `{}` sends users to it", r.name));
                let tests = model
                    .tests
                    .iter()
                    .filter(|t| matches!(t.claims, crate::model::TestClaims::From { idp, .. } if idp == id))
                    .count();
                let tests = (tests > 0).then(|| match tests {
                    1 => "1 test signs in with its claims".to_owned(),
                    n => format!("{n} tests sign in with its claims"),
                });
                routes.chain(tests).collect()
            }
            _ => Vec::new(),
        };
        Report {
            change: label,
            refused: verdict.refused,
            okta_refuses: verdict.okta_refuses,
            note,
            broken,
            kept,
            dangling,
            local_only,
        }
    }

    fn human(&self, out: &mut dyn Write, okta_compat: bool) -> std::io::Result<()> {
        writeln!(out, "what if: {}", self.change)?;
        if let Some(note) = &self.note {
            writeln!(out, "note: {note}")?;
        }
        let refused = if okta_compat {
            self.okta_refuses
        } else {
            self.refused
        };
        match (refused, self.broken.len()) {
            (true, 0) => writeln!(
                out,
                "REFUSED by Okta's rule: no other active IdP trusts claims"
            )?,
            (true, n) => writeln!(out, "REFUSED: {} would become unsatisfiable", plural(n))?,
            (false, _) => writeln!(out, "ALLOWED: every rule stays satisfiable")?,
        }
        for b in &self.broken {
            writeln!(
                out,
                "\n  ✗ rule `{}` of policy `{}` ({}:{}:{})",
                b.rule, b.policy, b.file, b.line, b.column
            )?;
            writeln!(out, "      needs {}", b.needs)?;
            if b.considered.is_empty() {
                writeln!(out, "      no other active IdP trusts claims")?;
            }
            for c in &b.considered {
                writeln!(out, "      `{}` falls short: {}", c.idp, c.why)?;
            }
        }
        if !self.kept.is_empty() {
            writeln!(out, "\nkeeps working through trusted claims:")?;
            for k in &self.kept {
                let via: Vec<String> = k.via.iter().map(|v| format!("`{v}`")).collect();
                writeln!(
                    out,
                    "  ✓ rule `{}` of policy `{}` via {}",
                    k.rule,
                    k.policy,
                    via.join(", ")
                )?;
                if !k.unroutable.is_empty() {
                    let off: Vec<String> = k.unroutable.iter().map(|v| format!("`{v}`")).collect();
                    writeln!(
                        out,
                        "      no routing rule sends its users to {}: only through {} button or an IdP-initiated sign-in",
                        off.join(", "),
                        if off.len() == 1 { "its" } else { "their" }
                    )?;
                }
            }
        }
        if !self.dangling.is_empty() {
            writeln!(out, "\nalso names the deleted IdP:")?;
            for d in &self.dangling {
                writeln!(out, "  - {d}")?;
            }
        }
        writeln!(
            out,
            "\n{} satisfiable with local authenticators alone: not affected",
            plural(self.local_only)
        )?;
        if self.refused != self.okta_refuses {
            let okta = if self.okta_refuses { "refuse" } else { "allow" };
            let exact = if self.refused { "refuses" } else { "allows" };
            writeln!(
                out,
                "Okta's own rule would {okta} this; policyc's exact rule {exact} it{}",
                if okta_compat {
                    " (deciding by Okta's rule: --okta-compat)"
                } else {
                    ""
                }
            )?;
        }
        Ok(())
    }
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 rule".to_owned()
    } else {
        format!("{n} rules")
    }
}
