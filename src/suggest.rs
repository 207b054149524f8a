//! "Did you mean `x`?": the one place that decides what counts as a typo.

/// The candidate closest to `word`, if it is close enough to be a typo: at most one edit for
/// short words, a third of the word's length for longer ones. Case is ignored (`macOS` →
/// `macos`), a swap of two letters is one edit, and ties go to the candidate that shares more of
/// the word's letters in order (`opt` → `otp`, not `fpt`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let len = word.chars().count();
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        // The distance is at least the difference in length: most names are skipped here,
        // which keeps many unknown names against many declared ones fast.
        .filter(|c| *c != word && c.chars().count().abs_diff(len) <= limit)
        .map(|c| (strsim::osa_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|(da, a), (db, b)| {
            da.cmp(db)
                .then_with(|| shared_letters(&lower, b).cmp(&shared_letters(&lower, a)))
                .then_with(|| a.cmp(b))
        })
        .map(|(_, c)| c)
}

/// How many letters two words have in common, counted with repeats.
fn shared_letters(a: &str, b: &str) -> usize {
    let mut rest: Vec<char> = b.to_lowercase().chars().collect();
    a.chars()
        .filter(|c| match rest.iter().position(|r| r == c) {
            Some(i) => {
                rest.swap_remove(i);
                true
            }
            None => false,
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_only_near_misses() {
        assert_eq!(closest("admin", ["admins", "contractors"]), Some("admins"));
        assert_eq!(closest("polcy", ["policy", "route"]), Some("policy"));
        assert_eq!(closest("zzz", ["admins"]), None);
    }

    #[test]
    fn prefers_swaps_and_ignores_case() {
        assert_eq!(closest("opt", ["fpt", "otp"]), Some("otp"));
        assert_eq!(closest("macOS", ["ios", "macos"]), Some("macos"));
    }
}
