//! `app-without-policy`.
//!
//! **What it does:** finds apps that no app sign-on policy lists in its `apps` while no policy
//! is marked `default`. Silent while a `policy` item has a syntax error (it may list the app).
//!
//! **Why it matters:** in Okta every app has an authentication policy: an app no policy names
//! uses the org's default policy (Okta's "Authentication policies" guide: new apps get the
//! default policy). policyc does not know what that policy requires unless one policy of the
//! set is marked `default`, so it decides every sign-in to such an app `deny`, which is not what
//! Okta does: `eval`, `test` and `check` would all be wrong about the app.
//!
//! **Fix:** add the app to the `apps` of the policy it should use, or write the org's default
//! policy and mark it `default` (then every app no policy lists uses it, as in Okta).

use super::{Check, Context};
use crate::diagnostic::{Code, Diagnostic};

pub(super) const CHECK: Check = Check {
    codes: &[Code::AppWithoutPolicy],
    run,
};

fn run(cx: &Context<'_>) -> Vec<Diagnostic> {
    let model = &cx.compiled.model;
    // A policy that did not parse may list the app (or be the default): its syntax error is
    // the diagnostic to fix, not a follow-on about its apps.
    let policy_unparsed = cx
        .compiled
        .asts
        .iter()
        .any(|ast| ast.unparsed.iter().any(|u| u.keyword == "policy"));
    if policy_unparsed {
        return Vec::new();
    }
    // With a `default` policy every app has one: the table eval reads answers it.
    let app_policy = &cx.compiled.graph.tables.app_policy;
    model
        .apps
        .iter()
        .enumerate()
        .filter(|(a, _)| app_policy.get(*a).is_none_or(Option::is_none))
        .map(|(_, app)| {
            Diagnostic::new(
                Code::AppWithoutPolicy,
                app.loc,
                format!("app `{}` is in no app sign-on policy", app.name),
            )
            .with_label("no policy lists it, and none is marked `default`")
            .with_help(format!(
                "in Okta every app has a policy (new apps get the org's default one), but policyc cannot know what it requires and denies every sign-in to `{}`: add `{}` to the `apps` of a policy, or mark the policy Okta uses as its default with `default`",
                app.name, app.name
            ))
        })
        .collect()
}
