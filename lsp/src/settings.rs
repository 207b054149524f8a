//! The server's few settings, from `initializationOptions` and from
//! `workspace/didChangeConfiguration` (`{"policyc": {...}}` or the object itself). Unknown keys
//! and values of the wrong type are ignored (and logged), never fatal.

use policyc::check::CheckOptions;
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
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            okta_compat: false,
            inlay_hints: true,
            what_if_lenses: true,
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
        for (key, v) in map {
            let slot = match key.as_str() {
                "oktaCompat" => &mut self.okta_compat,
                "inlayHints" => &mut self.inlay_hints,
                "whatIfLenses" => &mut self.what_if_lenses,
                other => {
                    eprintln!("policyc-lsp: ignoring unknown setting `{other}`");
                    continue;
                }
            };
            match v.as_bool() {
                Some(b) => *slot = b,
                None => eprintln!("policyc-lsp: ignoring setting `{key}`: expected true or false"),
            }
        }
        *self != before
    }

    pub fn check_options(&self) -> CheckOptions {
        CheckOptions {
            okta_compat: self.okta_compat,
            ..CheckOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
