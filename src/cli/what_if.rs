//! `policyc what-if`: what deactivating or deleting an IdP, or switching off a claims-sharing
//! feature, would break, without editing a file.

use super::{EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK, load};
use crate::check::Guard;
use crate::check::support::Support;
use crate::check::what_if::{Aftermath, Edit, verdict_all};
use crate::model::{Feature, IdpId, RuleOwner};
use crate::{Compiled, suggest};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

/// Show what a change to the org would break, without editing files.
///
/// Lists the rules that would become unsatisfiable, the rules that need trusted claims and keep
/// working (with the IdPs that still satisfy them), and every error `policyc check` and every
/// failure `policyc test` would report after the change that they do not report now: routes,
/// tests and session rules included. The change is refused (exit 1) exactly when one of those
/// would appear.
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
    /// Colour the errors of a policy set that cannot be asked about: `auto` colours a terminal
    /// unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = super::ColorChoice::Auto)]
    pub color: super::ColorChoice,
    /// Also deactivate this IdP, in the same change (repeatable): `what-if deactivate a
    /// --deactivate b` asks about both at once.
    #[arg(long = "deactivate", value_name = "IDP")]
    pub also_deactivate: Vec<String>,
    /// Also delete this IdP, in the same change (repeatable).
    #[arg(long = "delete", value_name = "IDP")]
    pub also_delete: Vec<String>,
    /// Also switch this claims-sharing feature off, in the same change (repeatable), e.g.
    /// `what-if deactivate a --disable third_party_claims_sharing`.
    #[arg(long = "disable", value_name = "FEATURE")]
    pub also_disable: Vec<String>,
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
    let sources = match load::load_one_sources(&common.paths, "what-if") {
        Ok(sources) => sources,
        Err(err) => return err.report(),
    };
    let compiled = match super::refuse_errors_in(
        crate::compile(sources),
        "fix them (`policyc check`) before asking what a change would do",
        EXIT_CANNOT_RUN,
        common.color,
    ) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let (first, name) = match &args.change {
        WhatIfChange::Deactivate(t) => ("deactivate", &t.idp),
        WhatIfChange::Delete(t) => ("delete", &t.idp),
        WhatIfChange::Disable(t) => ("disable", &t.feature),
    };
    let asked = std::iter::once((first, name))
        .chain(common.also_deactivate.iter().map(|n| ("deactivate", n)))
        .chain(common.also_delete.iter().map(|n| ("delete", n)))
        .chain(common.also_disable.iter().map(|n| ("disable", n)));
    let mut edits = Vec::new();
    let mut labels = Vec::new();
    for (verb, name) in asked {
        match resolve(&compiled, verb, name) {
            Ok((edit, label)) if !edits.contains(&edit) => {
                edits.push(edit);
                labels.push(label);
            }
            Ok(_) => {}
            Err(message) => {
                errln!("error: {message}");
                return EXIT_CANNOT_RUN;
            }
        }
    }
    let Some((&edit, more)) = edits.split_first() else {
        return EXIT_CANNOT_RUN;
    };
    let support = Support::build(&compiled);
    let answer = verdict_all(&compiled, &support, edit, more);
    let mut report = Report::new(
        &compiled,
        &support,
        &answer.guard,
        &edits,
        labels.join(" and "),
    );
    report.add_aftermath(&answer.after, answer.refused, answer.okta_refuses);
    let mut stdout = super::report_out();
    let written = match common.format {
        Format::Json => serde_json::to_writer(&mut stdout, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(stdout)),
        Format::Human => report.human(&mut stdout, common.okta_compat),
    }
    .and_then(|()| stdout.flush());
    if let Some(code) = super::report_failed(written, "report") {
        return code;
    }
    let refused = if common.okta_compat {
        report.okta_refuses
    } else {
        report.refused
    };
    if refused { EXIT_FAILED } else { EXIT_OK }
}

/// One change named on the command line: `deactivate`/`delete` an IdP, `disable` a feature.
fn resolve(compiled: &Compiled, verb: &str, name: &str) -> Result<(Edit, String), String> {
    let model = &compiled.model;
    if verb == "disable" {
        return match Feature::parse(name) {
            Some(f) => Ok((Edit::Disable(f), format!("switch off `{}`", f.as_str()))),
            None => Err(format!(
                "`{name}` is not a claims-sharing feature: use `okta_to_okta_claims_sharing` or `third_party_claims_sharing`"
            )),
        };
    }
    match model.idp_named(name) {
        Some((id, _)) => Ok((
            if verb == "delete" {
                Edit::Delete(id)
            } else {
                Edit::Deactivate(id)
            },
            format!("{verb} IdP `{name}`"),
        )),
        None => {
            let names = model.idps.iter().map(|i| i.name.as_str());
            Err(match suggest::closest(name, names) {
                Some(s) => format!("no IdP named `{name}`: did you mean `{s}`?"),
                None => format!(
                    "no IdP named `{name}`; the policies declare {}",
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
    /// The errors `policyc check` would report after the change and does not report now, in
    /// `check --format json`'s form (`file`, `line`, ... of the files as they are).
    diagnostics: serde_json::Value,
    /// The tests that pass now and would fail after the change.
    failing_tests: Vec<FailingTest>,
    /// The guard's own verdicts (policyc's rule, Okta's), which name the headline's reason.
    #[serde(skip)]
    guard_refused: (bool, bool),
    #[serde(skip)]
    new_errors: Vec<String>,
}

/// The human report lists at most this many failing tests.
const LISTED_TESTS: usize = 5;

#[derive(Debug, Serialize)]
struct FailingTest {
    test: String,
    failures: Vec<String>,
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
        edits: &[Edit],
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
        let notes: Vec<String> = edits
            .iter()
            .filter_map(|e| crate::check::note(model, e.change()))
            .collect();
        let note = (!notes.is_empty()).then(|| notes.join("; "));
        let deleted: Vec<IdpId> = edits
            .iter()
            .filter_map(|e| match e {
                Edit::Delete(id) => Some(*id),
                _ => None,
            })
            .collect();
        let mut dangling = Vec::new();
        for &id in &deleted {
            // One deletion: "it"; several: the IdP by name.
            let it = match deleted.len() {
                1 => "it".to_owned(),
                _ => format!("`{}`", idp_name(id)),
            };
            dangling.extend(
                model
                    .routes
                    .iter()
                    .filter(|r| r.to.is_some_and(|(to, _)| to == id))
                    .map(|r| format!("route `{}` sends users to {it}", r.name)),
            );
            let tests = model
                .tests
                .iter()
                .filter(
                    |t| matches!(t.claims, crate::model::TestClaims::From { idp, .. } if idp == id),
                )
                .count();
            let whose = if deleted.len() == 1 {
                "its".to_owned()
            } else {
                format!("{it}'s")
            };
            match tests {
                0 => {}
                1 => dangling.push(format!("1 test signs in with {whose} claims")),
                n => dangling.push(format!("{n} tests sign in with {whose} claims")),
            }
        }
        Report {
            change: label,
            refused: verdict.refused,
            okta_refuses: verdict.okta_refuses,
            note,
            broken,
            kept,
            dangling,
            local_only,
            diagnostics: serde_json::Value::Array(Vec::new()),
            failing_tests: Vec::new(),
            guard_refused: (verdict.refused, verdict.okta_refuses),
            new_errors: Vec::new(),
        }
    }

    /// Adds what `check` and `test` would say after the change; a new error or a newly failing
    /// test refuses the change whichever rule decides the guard.
    fn add_aftermath(&mut self, after: &Aftermath, refused: bool, okta_refuses: bool) {
        let edited = &after.edited;
        let json = crate::diagnostic::render::json_report(
            &after.new_errors,
            &edited.sources,
            edited.sources.len(),
        );
        self.diagnostics = json
            .get("diagnostics")
            .cloned()
            .unwrap_or(serde_json::Value::Array(Vec::new()));
        self.new_errors = after
            .new_errors
            .iter()
            .map(|d| {
                let at = edited
                    .sources
                    .get(d.primary.loc.file)
                    .map_or_else(String::new, |f| {
                        f.line_col(d.primary.loc.span.start).to_string()
                    });
                format!(
                    "error[{}] {}:{at}: {}",
                    d.code.as_str(),
                    edited.sources.name(d.primary.loc.file),
                    d.message
                )
            })
            .collect();
        self.failing_tests = after
            .failing_tests
            .iter()
            .map(|r| FailingTest {
                test: edited
                    .model
                    .tests
                    .get(r.test)
                    .map_or_else(String::new, |t| t.title.clone()),
                failures: r.failures.clone(),
            })
            .collect();
        self.refused = refused;
        self.okta_refuses = okta_refuses;
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
        let guard_refuses = if okta_compat {
            self.guard_refused.1
        } else {
            self.guard_refused.0
        };
        match (refused, guard_refuses, self.broken.len()) {
            (true, true, 0) => writeln!(
                out,
                "REFUSED by Okta's rule: no other active IdP trusts claims"
            )?,
            (true, true, n) => writeln!(out, "REFUSED: {} would become unsatisfiable", plural(n))?,
            (true, false, _) => writeln!(out, "REFUSED: {}", self.aftermath_summary())?,
            (false, ..) => writeln!(
                out,
                "ALLOWED: every rule stays satisfiable, and `check` and `test` find nothing new"
            )?,
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
        if !self.new_errors.is_empty() {
            writeln!(out, "\n`policyc check` would report:")?;
            for e in &self.new_errors {
                writeln!(out, "  {e}")?;
            }
        }
        if !self.failing_tests.is_empty() {
            writeln!(out, "\n`policyc test` would fail:")?;
            for t in self.failing_tests.iter().take(LISTED_TESTS) {
                writeln!(out, "  ✗ {:?}: {}", t.test, t.failures.join("; "))?;
            }
            if let Some(more) = self.failing_tests.len().checked_sub(LISTED_TESTS)
                && more > 0
            {
                writeln!(out, "  ... and {more} more (`policyc test` lists them)")?;
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

impl Report {
    /// "`policyc check` would report 2 new errors and 1 test would fail".
    fn aftermath_summary(&self) -> String {
        let errors = match self.new_errors.len() {
            0 => None,
            1 => Some("`policyc check` would report 1 new error".to_owned()),
            n => Some(format!("`policyc check` would report {n} new errors")),
        };
        let tests = match self.failing_tests.len() {
            0 => None,
            1 => Some("1 test would fail".to_owned()),
            n => Some(format!("{n} tests would fail")),
        };
        match (errors, tests) {
            (Some(e), Some(t)) => format!("{e} and {t}"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => "the change breaks what `check` and `test` accept".to_owned(),
        }
    }
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 rule".to_owned()
    } else {
        format!("{n} rules")
    }
}
