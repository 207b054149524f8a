//! "Did you mean `x`?": the one place that decides what counts as a typo.

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo: at most
/// one edit for short words, a third of the word's length for longer ones.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
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
}
