//! Okta display names to policyc names: valid, unique, deterministic.

use std::collections::BTreeSet;

/// Hands out names for one namespace (groups, IdPs, rules of one policy, ...).
#[derive(Debug, Default)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// Marks `name` as taken.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// `Corp Okta (prod)` → `corp_okta_prod`; a second `corp_okta_prod` → `corp_okta_prod_2`.
    /// A name that would not start with a letter or `_` gets `x_` in front; an empty one is
    /// `fallback`.
    pub fn name(&mut self, display: &str, fallback: &str) -> String {
        let mut base = String::new();
        for c in display.chars().take(64) {
            if c.is_ascii_alphanumeric() {
                base.push(c.to_ascii_lowercase());
            } else if !base.ends_with('_') && !base.is_empty() {
                base.push('_');
            }
        }
        while base.ends_with('_') {
            base.pop();
        }
        if base.is_empty() {
            base = fallback.to_owned();
        }
        if base.starts_with(|c: char| c.is_ascii_digit()) {
            base.insert_str(0, "x_");
        }
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_unique_and_deterministic() {
        let mut n = Namer::default();
        assert_eq!(n.name("Corp Okta (prod)", "idp"), "corp_okta_prod");
        assert_eq!(n.name("corp okta prod", "idp"), "corp_okta_prod_2");
        assert_eq!(n.name("2FA everyone", "rule"), "x_2fa_everyone");
        assert_eq!(n.name("∅", "rule"), "rule");
        assert_eq!(n.name("", "rule"), "rule_2");
    }
}
