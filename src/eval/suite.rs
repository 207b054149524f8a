//! `test` blocks: each is a sign-in and an expectation; running one is evaluating the sign-in
//! and comparing.

use super::{Claims, Explained, Outcome, SignIn, User, explain, method_names, rule_name};
use crate::Compiled;
use crate::graph::tables::{Bits, method_bit};
use crate::model::{Decision, DeviceState, Test, TestClaims, TestUser};

/// The result of one `test` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// Index into `Model::tests`.
    pub test: usize,
    /// What did not match; empty when the test passed.
    pub failures: Vec<String>,
    /// The decision and its explanation (absent when the test could not run).
    pub actual: Option<Explained>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every `test` block of the policy set, in order.
pub fn run_all(compiled: &Compiled) -> Vec<TestResult> {
    (0..compiled.model.tests.len())
        .map(|i| run(compiled, i))
        .collect()
}

/// Runs one `test` block.
pub fn run(compiled: &Compiled, index: usize) -> TestResult {
    let mut result = TestResult {
        test: index,
        failures: Vec::new(),
        actual: None,
    };
    let Some(test) = compiled.model.tests.get(index) else {
        result.failures.push("no such test".to_owned());
        return result;
    };
    let (Some(sign_in), Some(expect)) = (sign_in_of(compiled, test), &test.expect) else {
        result
            .failures
            .push("the test is incomplete (see `policyc check`)".to_owned());
        return result;
    };
    let actual = explain(compiled, &sign_in);
    let d = &actual.decision;
    let expected = match expect.decision {
        Decision::Allow => Outcome::Allow,
        Decision::Challenge => Outcome::Challenge,
        Decision::Deny => Outcome::Deny,
    };
    if d.outcome != expected {
        result.failures.push(format!(
            "expected `{}`, got `{}`",
            expected.as_str(),
            d.outcome.as_str()
        ));
    }
    if let Some(by) = &expect.by {
        // `by` names a rule of the app's policy when it has one of that name (session and app
        // rules may share a name such as `everyone`), and otherwise the session rule.
        // `policy.rule` picks either explicitly.
        let app_policy = d
            .policy
            .and_then(|p| compiled.model.policies.get(p.index()));
        let (qualifier, name) = match by.name.split_once('.') {
            Some((policy, rule)) => (Some(policy), rule),
            None => (None, by.name.as_str()),
        };
        let names_app_rule = match qualifier {
            Some(policy) => app_policy.is_some_and(|p| p.name == policy),
            None => app_policy.is_some_and(|p| p.rules.iter().any(|r| r.name == name)),
        };
        let deciding = if names_app_rule {
            d.rule
        } else {
            d.session_rule
        };
        let decided_by = deciding.map(|r| rule_name(compiled, r));
        if decided_by.as_deref() != Some(name) {
            result.failures.push(format!(
                "expected rule `{}` to apply, got {}",
                by.name,
                decided_by.map_or_else(|| "no rule".to_owned(), |r| format!("`{r}`"))
            ));
        }
    }
    let missing_methods: Vec<_> = expect
        .with
        .iter()
        .filter(|m| d.challenge & method_bit(**m) == 0)
        .collect();
    let missing: Vec<String> = missing_methods.iter().map(|m| m.info().name()).collect();
    if !missing.is_empty() {
        let offered = method_names(d.challenge);
        result.failures.push(format!(
            "expected a challenge with {}, but the challenge offers {}",
            missing.join(", "),
            if offered.is_empty() {
                "nothing".to_owned()
            } else {
                offered.join(", ")
            }
        ));
        // A method the org does not have enabled can never be offered: say so, not "why not".
        for m in missing_methods {
            if let Some(why) = not_enabled(compiled, *m) {
                result.failures.push(why);
            }
        }
    }
    result.actual = Some(actual);
    result
}

/// Why method `m` cannot be offered in a challenge at all, if it cannot: its authenticator is
/// not declared, is inactive, or does not have the method turned on.
fn not_enabled(compiled: &Compiled, m: crate::model::MethodId) -> Option<String> {
    let info = m.info();
    let name = info.name();
    let kind = info.kind;
    let Some(auth) = compiled
        .model
        .authenticators
        .iter()
        .find(|a| a.kind == kind)
    else {
        return Some(format!(
            "`{name}` is never offered: the org declares no `{kind}` authenticator"
        ));
    };
    if auth.status == crate::model::Status::Inactive {
        return Some(format!(
            "`{name}` is never offered: authenticator `{kind}` is `status inactive`"
        ));
    }
    if !auth.methods.contains(&m) {
        let on: Vec<String> = auth.methods.iter().map(|m| m.info().name()).collect();
        return Some(format!(
            "`{name}` is never offered: authenticator `{kind}` turns on only [{}]",
            on.join(", ")
        ));
    }
    None
}

/// The sign-in a test describes; `None` when its app did not resolve.
pub fn sign_in_of(compiled: &Compiled, test: &Test) -> Option<SignIn> {
    let (app, _) = test.app?;
    let claims = match &test.claims {
        TestClaims::None => None,
        TestClaims::From { idp, amr, .. } => Some(Claims::from_values(&compiled.model, *idp, amr)),
    };
    Some(SignIn {
        app,
        user: user_of(&test.user),
        claims,
    })
}

pub fn user_of(u: &TestUser) -> User {
    User {
        groups: Bits::from_ids(u.groups.iter().map(|g| g.0)),
        zone: u.zone,
        risk: u.risk,
        platform: u.platform,
        domain: u.domain.clone(),
        device_registered: u.device.contains(&DeviceState::Registered),
        device_managed: u.device.contains(&DeviceState::Managed),
        // A test states the whole user: no `device` means neither registered nor managed.
        device_stated: true,
    }
}
