//! Sign-in simulation: given who the user is, which app, and the IdP's claims, what does the SP
//! do, and why. Semantics: docs/evaluation.md (from Okta's claims-sharing guide).
//!
//! [`evaluate`] reads only the rule graph's dense tables and allocates nothing; [`explain`] runs
//! the same code with a tracer that records every step in words. There is one decision
//! procedure, so the explanation can never disagree with the decision.

mod claims;
pub mod input;
pub mod output;
pub mod suite;

pub use crate::graph::proof::{Proof, describe_need};
pub use claims::Claims;

use crate::Compiled;
use crate::graph::proof::{self, IDP, State, satisfies};
use crate::graph::tables::{
    Action, Bits, Cond, MethodMask, Need, ReqKind, RuleTable, SCAN_ANY, Tables, method_bit,
    methods_of, platform_bit, risk_bit,
};
use crate::model::catalogue::FactorType;
use crate::model::{AppId, DeviceState, IdpId, Platform, PolicyId, Risk, ZoneId};

/// Who is signing in, as conditions see them. Absent attributes make `in` conditions fail and
/// `not in` conditions hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    pub groups: Bits,
    pub zone: Option<ZoneId>,
    pub risk: Option<Risk>,
    pub platform: Option<Platform>,
    /// Lowercase email domain.
    pub domain: Option<String>,
    pub device_registered: bool,
    pub device_managed: bool,
    /// The device fields above were given (`--user`'s `device`, a test's `device`): they win
    /// over an Okta IdP org's device claims. Otherwise trusted device claims, when sent, decide.
    pub device_stated: bool,
}

/// One sign-in to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub app: AppId,
    pub user: User,
    /// The IdP's claims; `None` for a local sign-in.
    pub claims: Option<Claims>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The user is in: what they proved satisfies every requirement.
    Allow,
    /// The SP challenges the user with local authenticators to complete the requirement.
    Challenge,
    /// Access is denied.
    Deny,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Challenge => "challenge",
            Outcome::Deny => "deny",
        }
    }
}

/// Why the decision is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Claims (or the IdP sign-in) satisfy every requirement.
    Satisfied,
    /// Local authenticators complete the requirement.
    NeedsLocal,
    /// The app rule denies.
    DenyRule,
    /// The global session policy rule denies.
    SessionDenyRule,
    /// The app is assigned to no app sign-on policy.
    NoPolicy,
    /// No rule of the app's policy applies to this user.
    NoRule,
    /// The IdP that sent the claims is inactive.
    IdpInactive,
    /// A routing rule sends this user to an inactive IdP.
    RouteToInactiveIdp(u32),
    /// A trusted third-party IdP sent no AMR value the SP reads: the flow breaks.
    NoAmrClaims,
    /// Nothing the user has can complete the requirement (no usable local method).
    CannotComplete,
    /// What the user proved does not satisfy the rule, and what would complete it was not
    /// worked out ([`EvalOptions::allow_only`]).
    NotSatisfied,
}

/// How to evaluate, beyond the sign-in itself ([`evaluate_with`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvalOptions {
    /// Local methods the user already verified in this sign-in (`method_bit` of each, such as a
    /// password the embedding app checked itself): they count toward the rules as a challenge
    /// with them would, and are never asked for again.
    pub verified: MethodMask,
    /// Say only whether the sign-in is allowed: a refusal is `Outcome::Deny` with
    /// `Reason::NotSatisfied`, and no challenge is worked out.
    pub allow_only: bool,
}

/// How the IdP's claims were treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimsUse {
    pub idp: IdpId,
    /// The IdP trusts claims and the org's claims-sharing feature for its kind is on.
    pub trusted: bool,
    /// The claims counted toward the rule that decided.
    pub used: bool,
}

/// A decision: small, `Copy`, and built without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    pub policy: Option<PolicyId>,
    /// The app rule that decided (index into the graph's rule tables).
    pub rule: Option<usize>,
    /// The global session policy rule that applied (index into the graph's rule tables).
    pub session_rule: Option<usize>,
    pub claims: Option<ClaimsUse>,
    /// Local methods the SP may challenge with.
    pub challenge: MethodMask,
    pub reason: Reason,
}

/// A decision with its explanation, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    pub decision: Decision,
    /// Why, in a few lines.
    pub reasons: Vec<String>,
    /// Every step, top to bottom.
    pub trace: Vec<String>,
}

impl Decision {
    /// The app rule that decided, as written (its `name`, its conditions, ...).
    pub fn rule_of<'c>(&self, compiled: &'c Compiled) -> Option<&'c crate::model::Rule> {
        rule_at(compiled, self.rule?)
    }

    /// The position of the app rule that decided in its policy (0 for the first rule).
    pub fn rule_position(&self, compiled: &Compiled) -> Option<usize> {
        let table = compiled.graph.tables.rules.get(self.rule?)?;
        Some(table.index as usize)
    }
}

/// Decides one sign-in. Reads the compiled tables only; allocates nothing.
pub fn evaluate(compiled: &Compiled, sign_in: &SignIn) -> Decision {
    decide(compiled, sign_in, &EvalOptions::default(), &mut NoTrace)
}

/// [`evaluate`] with options: local methods already verified, or an allow-or-not answer.
pub fn evaluate_with(compiled: &Compiled, sign_in: &SignIn, options: &EvalOptions) -> Decision {
    decide(compiled, sign_in, options, &mut NoTrace)
}

/// [`explain`] with options.
pub fn explain_with(compiled: &Compiled, sign_in: &SignIn, options: &EvalOptions) -> Explained {
    let mut trace = Trace(Vec::new());
    let decision = decide(compiled, sign_in, options, &mut trace);
    let reasons = reasons(compiled, sign_in, &decision);
    Explained {
        decision,
        reasons,
        trace: trace.0,
    }
}

/// Decides one sign-in and says why in a few lines, without the step-by-step trace: the fast
/// path plus the reasons (what batch replays print).
pub fn explain_briefly(compiled: &Compiled, sign_in: &SignIn) -> Explained {
    let decision = evaluate(compiled, sign_in);
    Explained {
        decision,
        reasons: reasons(compiled, sign_in, &decision),
        trace: Vec::new(),
    }
}

/// Decides one sign-in and says why, step by step.
pub fn explain(compiled: &Compiled, sign_in: &SignIn) -> Explained {
    explain_with(compiled, sign_in, &EvalOptions::default())
}

/// Records steps of a decision; the closures run only when tracing, so [`evaluate`] pays
/// nothing for the explanation.
trait Tracer {
    /// Whether steps are recorded; without, shortcuts that skip steps are taken.
    const ON: bool;
    fn step(&mut self, text: impl FnOnce() -> String);
}

struct NoTrace;

impl Tracer for NoTrace {
    const ON: bool = false;

    #[inline(always)]
    fn step(&mut self, _: impl FnOnce() -> String) {}
}

struct Trace(Vec<String>);

impl Tracer for Trace {
    const ON: bool = true;

    fn step(&mut self, text: impl FnOnce() -> String) {
        self.0.push(text());
    }
}

fn decide<T: Tracer>(
    compiled: &Compiled,
    s: &SignIn,
    options: &EvalOptions,
    t: &mut T,
) -> Decision {
    let model = &compiled.model;
    let tables = &compiled.graph.tables;
    let app_name = || {
        model
            .apps
            .get(s.app.index())
            .map_or("?", |a| a.name.as_str())
            .to_owned()
    };
    let mut decision = Decision {
        outcome: Outcome::Deny,
        policy: None,
        rule: None,
        session_rule: None,
        claims: s.claims.as_ref().map(|c| ClaimsUse {
            idp: c.idp,
            trusted: tables.idps.get(c.idp.index()).is_some_and(|i| i.trusted),
            used: false,
        }),
        challenge: 0,
        reason: Reason::NoPolicy,
    };

    let Some(policy) = tables.app_policy.get(s.app.index()).copied().flatten() else {
        t.step(|| {
            format!(
                "app `{}` is assigned to no app sign-on policy, and none is marked `default` (`policyc check`: app-without-policy)",
                app_name()
            )
        });
        return decision;
    };
    decision.policy = Some(policy);
    t.step(|| {
        let by_default = compiled
            .model
            .policies
            .get(policy.index())
            .is_some_and(|p| !p.apps.contains(&s.app));
        format!(
            "app `{}` uses policy `{}`{}",
            app_name(),
            policy_name(compiled, policy),
            if by_default {
                " (the `default` policy: no policy lists the app)"
            } else {
                ""
            }
        )
    });

    // Routing: a rule that sends this user to an inactive IdP fails the sign-in.
    if let Some((r, route)) = route_of(compiled, s) {
        let route_name = || {
            model
                .routes
                .get(r)
                .map_or("?", |r| r.name.as_str())
                .to_owned()
        };
        match route
            .to
            .and_then(|i| tables.idps.get(i.index()).map(|t| (i, t)))
        {
            Some((idp, info)) if !info.active => {
                t.step(|| {
                    format!(
                        "route `{}` sends the user to IdP `{}`, which is inactive",
                        route_name(),
                        idp_name(compiled, idp)
                    )
                });
                decision.reason = Reason::RouteToInactiveIdp(r as u32);
                return decision;
            }
            Some((idp, _)) => t.step(|| {
                format!(
                    "route `{}` sends the user to IdP `{}`",
                    route_name(),
                    idp_name(compiled, idp)
                )
            }),
            None => {}
        }
    }

    routing_step(compiled, s, t);

    if let Some(c) = &s.claims {
        let info = tables.idps.get(c.idp.index());
        if !info.is_some_and(|i| i.active) {
            t.step(|| {
                format!(
                    "IdP `{}` is inactive: its sign-ins fail",
                    idp_name(compiled, c.idp)
                )
            });
            decision.reason = Reason::IdpInactive;
            return decision;
        }
        t.step(|| describe_trust(compiled, c));
        if info.is_some_and(|i| !proof::sign_in_completes(i, &c.proofs)) {
            t.step(|| {
                "a trusted third-party IdP that sends no AMR value the SP reads breaks the flow: the sign-in cannot complete through it"
                    .to_owned()
            });
            decision.reason = Reason::NoAmrClaims;
            return decision;
        }
    }

    // The global session policy first.
    let session = first_match(compiled, tables.session_rules(), tables.session.start, s, t);
    decision.session_rule = session.map(|(i, _)| i);
    let session_need = match session {
        Some((_, rule)) => match &rule.action {
            Action::Deny => {
                decision.reason = Reason::SessionDenyRule;
                return decision;
            }
            Action::Require(need) => Some(need),
        },
        None => {
            t.step(|| "no global session policy rule applies".to_owned());
            None
        }
    };

    // Then the app's policy.
    let start = tables
        .policy_rules
        .get(policy.index())
        .map_or(0, |r| r.start);
    let Some((rule_index, rule)) = first_match(compiled, tables.policy_rules(policy), start, s, t)
    else {
        t.step(|| {
            format!(
                "no rule of policy `{}` applies",
                policy_name(compiled, policy)
            )
        });
        decision.reason = Reason::NoRule;
        return decision;
    };
    decision.rule = Some(rule_index);
    let app_need = match &rule.action {
        Action::Deny => {
            decision.reason = Reason::DenyRule;
            return decision;
        }
        Action::Require(need) => need,
    };

    let claims = s.claims.as_ref();
    let (session_claims, session_used) = match session_need {
        Some(need) => claims_state(compiled, claims, need, false, t),
        None => (0, false),
    };
    let (mut app_claims, app_used) = claims_state(compiled, claims, app_need, true, t);
    if let Some(c) = &mut decision.claims {
        c.used = app_used || session_used;
    }
    // Methods verified locally count as a challenge with them would.
    let verified = options.verified & tables.local;
    let mut session_claims = session_claims;
    if verified != 0 {
        let adds =
            |r: &RuleTable| methods_of(verified).fold(0, |s, m| s | r.local[m.0 as usize % 16]);
        app_claims |= adds(rule);
        if session_need.is_some() {
            session_claims |= session.map_or(0, |(_, r)| adds(r));
        }
        t.step(|| format!("verified locally: {}", method_names(verified).join(", ")));
    }

    let chain = app_need.requirement == ReqKind::Chain;
    // The requirement is met by what the claims proved plus the picked classes (a bitmask).
    let satisfied = |classes: &[Class], picked: u32| {
        let (mut s_state, mut a_state, mut methods) = (session_claims, app_claims, verified);
        for (i, class) in classes.iter().enumerate() {
            if picked & (1 << i) != 0 {
                s_state |= class.session;
                a_state |= class.app;
                methods |= class.methods;
            }
        }
        let session_ok = session_need.is_none_or(|need| satisfies(s_state, need));
        session_ok && proof::completes(app_need, chain, a_state, methods)
    };
    if satisfied(&[], 0) {
        t.step(|| "what the user proved satisfies every requirement: allow".to_owned());
        decision.outcome = Outcome::Allow;
        decision.reason = Reason::Satisfied;
        return decision;
    }

    if options.allow_only {
        t.step(|| "what the user proved does not satisfy it: not allowed".to_owned());
        decision.reason = Reason::NotSatisfied;
        return decision;
    }

    // One side already met by the claims: the other side's precomputed completion says what
    // to offer, a lookup (`Tables::completions`; the search below gives the same answer). A
    // chain's table assumes no method verified yet.
    if !T::ON && (verified == 0 || !chain) {
        let session_met = session_need.is_none_or(|need| satisfies(session_claims, need));
        let table = if session_met {
            rule.completion.map(|c| (c, app_claims))
        } else if proof::completes(app_need, chain, app_claims, verified) {
            session
                .and_then(|(_, r)| r.completion)
                .map(|c| (c, session_claims))
        } else {
            None
        };
        if let Some((c, state)) = table {
            let offered = tables
                .completions
                .get(c as usize)
                .map_or(0, |t| t[state as usize]);
            if offered != 0 {
                decision.outcome = Outcome::Challenge;
                decision.challenge = offered;
                decision.reason = Reason::NeedsLocal;
            } else {
                decision.reason = Reason::CannotComplete;
            }
            return decision;
        }
    }

    // What local methods could add, grouped into classes of methods that add the same (a
    // method chain needs methods by name, so there each method is its own class).
    let mut classes = [Class::default(); 16];
    let mut n = 0;
    for m in methods_of(tables.local) {
        let i = m.0 as usize % 16;
        let s_add = session.map_or(0, |(_, r)| r.local[i]);
        let a_add = rule.local[i];
        let existing = if chain {
            None
        } else {
            classes[..n]
                .iter()
                .position(|c| c.session == s_add && c.app == a_add)
        };
        match existing {
            Some(c) => classes[c].methods |= method_bit(m),
            None if n < classes.len() => {
                classes[n] = Class {
                    methods: method_bit(m),
                    session: s_add,
                    app: a_add,
                };
                n += 1;
            }
            None => {}
        }
    }
    let classes = &classes[..n];
    let ok = |picked: u32| satisfied(classes, picked);

    // The fewest local methods that complete it; every way to do so is offered.
    if let Some((k, picked)) = proof::fewest(n, ok) {
        let offered = classes
            .iter()
            .enumerate()
            .filter(|(i, _)| picked & (1 << i) != 0)
            .fold(0, |m, (_, c)| m | c.methods);
        t.step(|| {
            format!(
                "{k} more local factor{} needed: challenge with {}",
                if k == 1 { "" } else { "s" },
                method_names(offered).join(", ")
            )
        });
        decision.outcome = Outcome::Challenge;
        decision.challenge = offered;
        decision.reason = Reason::NeedsLocal;
        return decision;
    }
    t.step(|| "no combination of the org's usable local methods completes it: deny".to_owned());
    decision.reason = Reason::CannotComplete;
    decision
}

/// The routing rule this user matches first (routes are in priority order), if any.
fn route_of<'c>(
    compiled: &'c Compiled,
    s: &SignIn,
) -> Option<(usize, &'c crate::graph::tables::RouteTable)> {
    compiled
        .graph
        .tables
        .routes
        .iter()
        .enumerate()
        .find(|(_, r)| {
            r.conditions
                .iter()
                .all(|c| holds(c, s, &compiled.graph.tables))
        })
}

/// When the claims come from an IdP other than the one the routing rules send this user to,
/// says so. The decision does not change: such a sign-in is possible through the IdP's button or
/// an IdP-initiated flow. A user no route matches is sent to no IdP in particular: nothing to
/// say (docs/evaluation.md, "Routing and claims").
fn routing_disagrees(compiled: &Compiled, s: &SignIn) -> Option<String> {
    let claims = s.claims.as_ref()?;
    let (r, route) = route_of(compiled, s)?;
    let to = route.to.filter(|to| *to != claims.idp)?;
    Some(format!(
        "the claims come from IdP `{}`, but routing rule `{}` sends this user to `{}`: such a sign-in is possible only through `{}`'s button or an IdP-initiated sign-in",
        idp_name(compiled, claims.idp),
        compiled
            .model
            .routes
            .get(r)
            .map_or("?", |r| r.name.as_str()),
        idp_name(compiled, to),
        idp_name(compiled, claims.idp),
    ))
}

/// The trace's step for [`routing_disagrees`]; nothing on the fast path.
fn routing_step<T: Tracer>(compiled: &Compiled, s: &SignIn, t: &mut T) {
    if T::ON
        && let Some(text) = routing_disagrees(compiled, s)
    {
        t.step(|| text);
    }
}

/// Local methods that add the same state bits to both rules.
#[derive(Debug, Clone, Copy, Default)]
struct Class {
    methods: MethodMask,
    session: State,
    app: State,
}

fn first_match<'t, T: Tracer>(
    compiled: &Compiled,
    rules: &'t [RuleTable],
    offset: usize,
    s: &SignIn,
    t: &mut T,
) -> Option<(usize, &'t RuleTable)> {
    let tables = &compiled.graph.tables;
    if !T::ON {
        // No rule (an org without a global session policy): nothing to compute the keys for.
        if rules.is_empty() {
            return None;
        }
        // The fast path: the scan index yields only the rules whose prefilter lets the user
        // through (a few loads per 64 rules), and a rule's conditions are read only for those.
        let keys = (
            s.user.groups.fold63() | SCAN_ANY,
            s.user.zone.map_or(0, |z| 1 << (z.0 % 63)) | SCAN_ANY,
        );
        let range = offset..offset + rules.len();
        // With ids below 63 the keys are the user's sets, and a rule whose conditions are just
        // its scan applies as soon as it is a candidate.
        let exact_keys = s.user.groups.below_63() && s.user.zone.is_none_or(|z| z.0 < 63);
        for i in tables.scan_index.candidates(range, keys.0, keys.1) {
            let rule = rules.get(i - offset)?;
            if (exact_keys && tables.scan_index.exact(i))
                || rule.conditions.iter().all(|c| holds(c, s, tables))
            {
                return Some((i, rule));
            }
        }
        return None;
    }
    // Tracing: every rule in order, each with why it does or does not apply.
    for (i, rule) in rules.iter().enumerate() {
        match rule.conditions.iter().position(|c| !holds(c, s, tables)) {
            None => {
                t.step(|| {
                    let what = match &rule.action {
                        Action::Deny => "it denies".to_owned(),
                        Action::Require(need) => format!("it requires {}", describe_need(need)),
                    };
                    format!("{} applies: {what}", rule_title(compiled, offset + i, rule))
                });
                return Some((offset + i, rule));
            }
            Some(failed) => t.step(|| {
                format!(
                    "{} does not apply: `{}` does not hold",
                    rule_title(compiled, offset + i, rule),
                    condition_text(compiled, offset + i, failed)
                )
            }),
        }
    }
    None
}

fn holds(cond: &Cond, s: &SignIn, tables: &Tables) -> bool {
    let u = &s.user;
    match cond {
        Cond::Groups { negated, set } => set.intersects(&u.groups) != *negated,
        Cond::Zones { negated, set } => u.zone.is_some_and(|z| set.contains(z.0)) != *negated,
        Cond::Apps { negated, set } => set.contains(s.app.0) != *negated,
        Cond::Risk { negated, mask } => u.risk.is_some_and(|r| mask & risk_bit(r) != 0) != *negated,
        Cond::Platform { negated, mask } => {
            u.platform.is_some_and(|p| mask & platform_bit(p) != 0) != *negated
        }
        Cond::Domains { negated, domains } => {
            u.domain
                .as_ref()
                .is_some_and(|d| domains.iter().any(|x| x == d))
                != *negated
        }
        Cond::Device(state) => device(s, tables, *state),
    }
}

/// Whether the device is registered (or managed): as the user input states it, else as a
/// trusted Okta IdP org's device claims say (early access device claims), else not.
fn device(s: &SignIn, tables: &Tables, state: DeviceState) -> bool {
    let u = &s.user;
    let claimed = s
        .claims
        .as_ref()
        .filter(|c| tables.idps.get(c.idp.index()).is_some_and(|i| i.trusted))
        .and_then(|c| c.device);
    match (state, claimed) {
        (DeviceState::Registered, Some(d)) if !u.device_stated => d.registered.unwrap_or(false),
        (DeviceState::Managed, Some(d)) if !u.device_stated => d.managed.unwrap_or(false),
        (DeviceState::Registered, _) => u.device_registered,
        (DeviceState::Managed, _) => u.device_managed,
    }
}

/// What the claims prove toward `need`, and whether they count at all. An IdP sign-in always
/// counts as "IdP" (for `password` and `1 factor_type`), even when its claims do not. The rules
/// are `graph::proof::claims_state`'s; this adds the trace.
fn claims_state(
    compiled: &Compiled,
    claims: Option<&Claims>,
    need: &Need,
    app_rule: bool,
    t: &mut impl Tracer,
) -> (State, bool) {
    let tables: &Tables = &compiled.graph.tables;
    let Some(c) = claims else { return (0, false) };
    let Some(idp) = tables.idps.get(c.idp.index()) else {
        return (0, false);
    };
    if !idp.trusted {
        return (IDP, false);
    }
    let which = if app_rule { "app rule" } else { "session rule" };
    match proof::claims_state(tables, idp, need, app_rule, &c.proofs) {
        Err(why) => {
            t.step(|| format!("claims do not count for the {which}: {}", why.describe()));
            (IDP, false)
        }
        Ok(state) => {
            if state != IDP {
                t.step(|| {
                    let counted: Vec<String> = c
                        .proofs
                        .iter()
                        .zip(&c.accepted)
                        .filter(|(p, _)| proof::counts(tables, idp, need, p))
                        .map(|(p, value)| describe_proof(value, &proof::as_counted(idp, p), need))
                        .collect();
                    format!("claims count for the {which}: {}", counted.join("; "))
                });
            }
            if proof::security_question_blocks(tables, idp) {
                t.step(|| {
                    "the security question is used for MFA, so third-party claims count for knowledge only"
                        .to_owned()
                });
            }
            (state, state != IDP)
        }
    }
}

/// `hwk` (as `webauthn`): possession, meets the constraints.
fn describe_proof(value: &str, p: &Proof, need: &Need) -> String {
    let mut text = format!("`{value}`");
    if let (Some(m), Some(_)) = (p.method, p.amr) {
        text.push_str(&format!(" (as `{}`)", m.info().name()));
    }
    let factors: Vec<&str> = p.factors.iter().map(FactorType::as_str).collect();
    if p.mfa {
        text.push_str(": the `mfa` marker");
        if need.requirement == ReqKind::PasswordPlusFactor {
            // `mfa` says two factors were used, not which: it is no factor of its own.
            text.push_str(
                ", which says the IdP did MFA but names no factor, so it is not the factor besides the password that `password + 1 factor_type` needs (it does satisfy `mfa`, `1 factor_type`, and `2 factor_types` without possession constraints)",
            );
        }
    } else {
        text.push_str(&format!(": {}", factors.join(" + ")));
    }
    if need.constrained && p.is_possession() {
        if p.compliant(need) {
            text.push_str(", meets the possession constraints");
        } else {
            // Which constraint this evidence falls short of, by name.
            let mut short: Vec<String> = need
                .required
                .iter()
                .filter(|c| !p.characteristics.contains(*c))
                .map(|c| format!("not {}", c.as_str().replace('_', "-")))
                .collect();
            if need.exclude_phone_email
                && p.characteristics
                    .contains(crate::model::catalogue::Characteristic::PhoneOrEmail)
            {
                short.push(
                    "a phone or email factor, which `exclude_phone_email` rules out".to_owned(),
                );
            }
            text.push_str(&format!(
                ", does not meet the possession constraints: {}",
                short.join(", ")
            ));
        }
    }
    text
}

fn describe_trust(compiled: &Compiled, c: &Claims) -> String {
    let model = &compiled.model;
    let name = idp_name(compiled, c.idp);
    let Some(idp) = model.idp(c.idp) else {
        return format!("claims from unknown IdP `{name}`");
    };
    let mut text = format!("claims from IdP `{name}` ({})", idp.kind);
    if !idp.trust_claims {
        text.push_str(": not trusted (`trust_claims` is off), only the IdP sign-in counts");
    } else if !model.features().covers(idp.kind) {
        let feature = if idp.kind.is_okta() {
            "okta_to_okta_claims_sharing"
        } else {
            "third_party_claims_sharing"
        };
        text.push_str(&format!(
            ": not trusted (the org feature `{feature}` is off), only the IdP sign-in counts"
        ));
    } else {
        text.push_str(": trusted");
    }
    if !c.accepted.is_empty() {
        text.push_str(&format!("; values {}", c.accepted.join(", ")));
    }
    for (value, why) in &c.ignored {
        text.push_str(&format!("; `{value}` ignored: {why}"));
    }
    text
}

fn reasons(compiled: &Compiled, s: &SignIn, d: &Decision) -> Vec<String> {
    let policy = d
        .policy
        .map(|p| policy_name(compiled, p))
        .unwrap_or_default();
    // "rule `r` of policy `p`": the subject of most reasons.
    let rule = format!(
        "rule `{}` of policy `{policy}`",
        d.rule.map(|r| rule_name(compiled, r)).unwrap_or_default()
    );
    let idp = d
        .claims
        .map(|c| idp_name(compiled, c.idp))
        .unwrap_or_default();
    let line = match d.reason {
        Reason::Satisfied => match d.claims {
            Some(c) if c.used => format!("{rule} is satisfied by the claims from `{idp}`"),
            Some(_) => format!("{rule} is satisfied by the sign-in at `{idp}`"),
            None => "satisfied".to_owned(),
        },
        Reason::NeedsLocal => format!(
            "{rule} needs local authentication: {}",
            method_names(d.challenge).join(", ")
        ),
        Reason::DenyRule => format!("{rule} denies access"),
        Reason::SessionDenyRule => format!(
            "global session policy rule `{}` denies access",
            d.session_rule
                .map(|r| rule_name(compiled, r))
                .unwrap_or_default()
        ),
        Reason::NoPolicy => format!(
            "app `{}` is assigned to no app sign-on policy, and none is marked `default`",
            compiled
                .model
                .apps
                .get(s.app.index())
                .map_or("?", |a| a.name.as_str())
        ),
        Reason::NoRule => format!("no rule of policy `{policy}` applies to this user"),
        Reason::IdpInactive => format!("IdP `{idp}` is inactive"),
        Reason::RouteToInactiveIdp(r) => format!(
            "routing rule `{}` sends this user to an inactive IdP",
            compiled
                .model
                .routes
                .get(r as usize)
                .map_or("?", |r| r.name.as_str())
        ),
        Reason::NoAmrClaims => format!(
            "IdP `{idp}` trusts claims but sent no AMR value the SP reads, so the user cannot authenticate through it (Okta's claims-sharing guide)"
        ),
        Reason::CannotComplete => format!(
            "{rule} cannot be completed: no usable local authenticator provides what is missing"
        ),
        Reason::NotSatisfied => format!("{rule} is not satisfied by what the user proved"),
    };
    let mut lines = vec![line];
    // Routing is only reached once the app has a policy; a route to an inactive IdP already
    // decided, and says so.
    if d.policy.is_some()
        && !matches!(d.reason, Reason::RouteToInactiveIdp(_))
        && let Some(text) = routing_disagrees(compiled, s)
    {
        lines.push(text);
    }
    lines
}

/// Names of the methods of a mask: `okta_verify.push`, `webauthn`, ...
pub fn method_names(mask: MethodMask) -> Vec<String> {
    methods_of(mask).map(|m| m.info().name()).collect()
}

/// The rule at `index` of the graph's rule tables, found through its owner and position (a
/// walk of `Model::rules()` would cost a pass over every rule, on every batch line).
pub fn rule_at(compiled: &Compiled, index: usize) -> Option<&crate::model::Rule> {
    let table = compiled.graph.tables.rules.get(index)?;
    compiled.model.rule(table.owner, table.index as usize)
}

pub fn rule_name(compiled: &Compiled, index: usize) -> String {
    rule_at(compiled, index).map_or_else(|| "?".to_owned(), |r| r.name.clone())
}

/// "session policy `default`, rule `everyone`" or "policy `sso`, rule `admins`".
fn rule_title(compiled: &Compiled, index: usize, rule: &RuleTable) -> String {
    let policy = match rule.owner {
        crate::model::RuleOwner::Session(p) => format!(
            "session policy `{}`",
            compiled
                .model
                .session_policies
                .get(p as usize)
                .map_or("?", |p| p.name.as_str())
        ),
        crate::model::RuleOwner::App(p) => format!("policy `{}`", policy_name(compiled, p)),
    };
    format!("{policy}, rule `{}`", rule_name(compiled, index))
}

fn policy_name(compiled: &Compiled, p: PolicyId) -> String {
    compiled
        .model
        .policies
        .get(p.index())
        .map_or_else(|| "?".to_owned(), |p| p.name.clone())
}

fn idp_name(compiled: &Compiled, i: IdpId) -> String {
    compiled
        .model
        .idp(i)
        .map_or_else(|| "?".to_owned(), |i| i.name.clone())
}

fn condition_text(compiled: &Compiled, rule: usize, condition: usize) -> String {
    rule_at(compiled, rule)
        .and_then(|r| r.conditions.get(condition))
        .map_or_else(
            || "?".to_owned(),
            |c| compiled.sources.slice(c.loc).to_owned(),
        )
}
