//! The server's few settings, from `initializationOptions` and from
//! `workspace/didChangeConfiguration` (`{"policyc": {...}}` or the object itself). Unknown keys
//! and values of the wrong type are ignored (and logged), never fatal.

use policyc::check::CheckOptions;
use policyc::check::allow::Levels;
use policyc::cli::LevelArgs;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `oktaCompat`: the deactivation guard applies Okta's coarser rule (`policyc check
    /// --okta-compat`).
    pub okta_compat: bool,
    /// `inlayHints`: show what can satisfy each rule and what depends on each IdP.
    pub inlay_hints: bool,
    /// `whatIfLenses`: the `deactivate?` and `switch off?` code lenses.
    pub what_if_lenses: bool,
    /// `allow`, `warn`, `deny`: lists of codes, as `policyc check --allow` and its kin; applied
    /// after a set's `policyc.toml` (so they win, as the flags do).
    pub levels: Levels,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            okta_compat: false,
            inlay_hints: true,
            what_if_lenses: true,
            levels: Levels::default(),
        }
    }
}

impl Settings {
    /// Applies what `value` sets; true when anything changed.
    pub fn update(&mut self, value: &Value) -> bool {
        let value = value.get("policyc").unwrap_or(value);
        let Some(map) = value.as_object() else {
            return false;
        };
        let before = self.clone();
        // The level lists read as the CLI's flags are (`LevelArgs::levels`); a list that is not
        // a list of codes leaves the levels as they were.
        let (mut given, mut any, mut bad) = (LevelArgs::default(), false, false);
        for (key, v) in map {
            let slot = match key.as_str() {
                "allow" | "warn" | "deny" => {
                    any = true;
                    let names: Option<Vec<String>> = v.as_array().and_then(|items| {
                        items
                            .iter()
                            .map(|i| i.as_str().map(str::to_owned))
                            .collect()
                    });
                    match (names, key.as_str()) {
                        (None, _) => bad = true,
                        (Some(n), "allow") => given.allow = n,
                        (Some(n), "warn") => given.warn = n,
                        (Some(n), _) => given.deny = n,
                    }
                    continue;
                }
                "oktaCompat" => &mut self.okta_compat,
                "inlayHints" => &mut self.inlay_hints,
                "whatIfLenses" => &mut self.what_if_lenses,
                other => {
                    log!("policyc-lsp: ignoring unknown setting `{other}`");
                    continue;
                }
            };
            match v.as_bool() {
                Some(b) => *slot = b,
                None => log!("policyc-lsp: ignoring setting `{key}`: expected true or false"),
            }
        }
        if any && bad {
            log!("policyc-lsp: ignoring the level settings: expected lists of codes");
        } else if any {
            match given.levels() {
                Ok(levels) => self.levels = levels,
                Err(e) => log!("policyc-lsp: ignoring the level settings: {e}"),
            }
        }
        *self != before
    }

    pub fn check_options(&self) -> CheckOptions {
        CheckOptions {
            okta_compat: self.okta_compat,
            levels: self.levels.clone(),
            ..CheckOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use policyc::check::allow::Level;
    use policyc::diagnostic::Code;
    use serde_json::json;

    #[test]
    fn reads_nested_or_flat_and_ignores_bad_values() {
        let mut s = Settings::default();
        assert!(s.update(&json!({ "policyc": { "oktaCompat": true, "inlayHints": "no" } })));
        assert!(s.okta_compat && s.inlay_hints);
        assert!(s.update(&json!({ "whatIfLenses": false, "other": 1 })));
        assert!(!s.what_if_lenses);
        assert!(!s.update(&json!({ "whatIfLenses": false })));
        assert!(!s.update(&json!(null)));
    }

    #[test]
    fn reads_allow_warn_and_deny_lists_of_codes() {
        let mut s = Settings::default();
        assert!(s.update(&json!({ "allow": ["shadowed-rule"], "deny": ["unreachable-idp"] })));
        let mut want = Levels::default();
        want.set(Code::ShadowedRule, Level::Allow).unwrap();
        want.set(Code::UnreachableIdp, Level::Deny).unwrap();
        assert_eq!(s.check_options().levels, want);
        // A list with something that is not a code is ignored whole.
        assert!(!s.update(&json!({ "allow": ["shadowed-rul"] })));
        assert!(!s.update(&json!({ "allow": "shadowed-rule" })));
        assert!(!s.update(&json!({ "deny": ["syntax", 3] })));
        assert_eq!(s.levels, want);
        // An empty list clears.
        assert!(s.update(&json!({ "allow": [], "deny": [] })));
        assert_eq!(s.levels, Levels::default());
    }
}
