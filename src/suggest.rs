//! "Did you mean `x`?": the one place that decides what counts as a typo.
//!
//! A typo is at most one edit away for short words, a third of the word's length for longer
//! ones. Case is ignored (`macOS` → `macos`), a swap of two letters is one edit, and ties go to
//! the candidate that shares more of the word's letters in order (`opt` → `otp`, not `fpt`).
//!
//! Many unknown names against many declared ones must not cost their product: a [`Suggester`]
//! indexes the names once by length (a typo changes the length by at most the edit limit) and
//! by a letter histogram (which bounds the edit distance from below without computing it), and
//! examines at most [`MAX_EXAMINED`] candidates per word. Callers with many unknown names stop
//! asking after a while (`model::lower` caps suggestions per file).

use std::collections::BTreeMap;

/// The most candidates one word is compared with (by edit distance). Past it, the nearest
/// lengths have been searched and the word gets no suggestion rather than a slow one.
pub const MAX_EXAMINED: usize = 2_048;

/// The candidate closest to `word`, if it is close enough to be a typo. For one word against a
/// small table; many words against one large set of names should share a [`Suggester`].
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let suggester = Suggester::new(candidates.iter().copied());
    let found = suggester.closest(word)?;
    candidates.into_iter().find(|c| *c == found)
}

/// Names indexed for many did-you-mean questions.
#[derive(Debug, Clone, Default)]
pub struct Suggester {
    /// By length in characters; names in a stable (sorted) order within a length.
    by_len: BTreeMap<usize, Vec<Entry>>,
}

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    lower: String,
    letters: Letters,
}

impl Suggester {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Suggester {
        let mut by_len: BTreeMap<usize, Vec<Entry>> = BTreeMap::new();
        for name in names {
            let lower = name.to_lowercase();
            by_len.entry(name.chars().count()).or_default().push(Entry {
                name: name.to_owned(),
                letters: Letters::of(&lower),
                lower,
            });
        }
        for entries in by_len.values_mut() {
            entries.sort_unstable_by(|a, b| a.name.cmp(&b.name));
            entries.dedup_by(|a, b| a.name == b.name);
        }
        Suggester { by_len }
    }

    /// The name closest to `word`, if it is close enough to be a typo (see the module).
    pub fn closest(&self, word: &str) -> Option<&str> {
        self.search(word).0
    }

    /// The closest name and how many names were compared by edit distance.
    fn search(&self, word: &str) -> (Option<&str>, usize) {
        let lower = word.to_lowercase();
        let len = word.chars().count();
        let limit = (len / 3).max(1);
        let letters = Letters::of(&lower);
        let mut examined = 0;
        let mut best: Option<(usize, usize, &str)> = None;
        // Nearest lengths first: a budget spent stops at the least likely candidates.
        let lengths = (0..=limit).flat_map(|d| {
            let shorter = len.checked_sub(d).filter(|_| d > 0);
            shorter.into_iter().chain(std::iter::once(len + d))
        });
        'search: for l in lengths {
            for entry in self.by_len.get(&l).map_or(&[][..], Vec::as_slice) {
                if entry.name == word || letters.distance_floor(&entry.letters) > limit {
                    continue;
                }
                if examined == MAX_EXAMINED {
                    break 'search;
                }
                examined += 1;
                let d = strsim::osa_distance(&lower, &entry.lower);
                if d > limit {
                    continue;
                }
                let shared = shared_letters(&lower, &entry.lower);
                let better = match best {
                    None => true,
                    Some((bd, bs, bn)) => {
                        (d, std::cmp::Reverse(shared), entry.name.as_str())
                            < (bd, std::cmp::Reverse(bs), bn)
                    }
                };
                if better {
                    best = Some((d, shared, entry.name.as_str()));
                }
            }
        }
        (best.map(|(_, _, name)| name), examined)
    }
}

/// A histogram of a word's characters in 32 buckets. Each edit changes the histogram's L1
/// distance by at most 2 (a swap by 0), so half that distance is a lower bound of the edit
/// distance: most names are ruled out here, without an edit-distance computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Letters([u8; 32]);

impl Letters {
    fn of(word: &str) -> Letters {
        let mut counts = [0u8; 32];
        for c in word.chars() {
            let bucket = &mut counts[(c as usize) % 32];
            *bucket = bucket.saturating_add(1);
        }
        Letters(counts)
    }

    fn distance_floor(&self, other: &Letters) -> usize {
        let l1: usize = self
            .0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| usize::from(a.abs_diff(*b)))
            .sum();
        l1.div_ceil(2)
    }
}

/// How many letters two (lowercase) words have in common, counted with repeats.
fn shared_letters(a: &str, b: &str) -> usize {
    let mut rest: Vec<char> = b.chars().collect();
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
    use super::{MAX_EXAMINED, Suggester, closest};

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

    /// The index answers exactly as comparing with every name would, on names that differ in
    /// many ways from the word (the histogram floor must never rule out a real typo).
    #[test]
    fn the_index_agrees_with_the_plain_search() {
        let names: Vec<String> = (0..400)
            .map(|i| format!("{}_{i}", ["team", "admins", "contractors", "eng"][i % 4]))
            .collect();
        let suggester = Suggester::new(names.iter().map(String::as_str));
        for word in [
            "taem_17",
            "admisn_2",
            "contractor_399",
            "eng_",
            "ENG_3",
            "x",
            "team_40",
        ] {
            let plain = names
                .iter()
                .map(String::as_str)
                .filter(|n| *n != word)
                .filter_map(|n| {
                    let d = strsim::osa_distance(&word.to_lowercase(), &n.to_lowercase());
                    (d <= (word.chars().count() / 3).max(1)).then_some((d, n))
                })
                .min_by_key(|(d, _)| *d)
                .map(|(d, _)| d);
            let got = suggester.closest(word);
            let got_distance =
                got.map(|n| strsim::osa_distance(&word.to_lowercase(), &n.to_lowercase()));
            assert_eq!(got_distance, plain, "{word}: {got:?}");
        }
    }

    #[test]
    fn examines_a_bounded_number_of_candidates() {
        // Anagrams of the word: same length, same letters, so nothing is ruled out cheaply.
        let names: Vec<String> = (0..MAX_EXAMINED * 3)
            .map(|mut k| {
                // The k-th permutation of the letters, in the factorial number system.
                let mut pool: Vec<char> = "abcdefghij".chars().collect();
                let mut name = String::new();
                for radix in (1..=pool.len()).rev() {
                    name.push(pool.remove(k % radix));
                    k /= radix;
                }
                name
            })
            .collect();
        let suggester = Suggester::new(names.iter().map(String::as_str));
        let (_, examined) = suggester.search("jihgfedcba");
        assert_eq!(examined, MAX_EXAMINED);
        // A real typo among them is still found when it is within the budget.
        let one = Suggester::new(["abcdefhgij"]);
        let (found, _) = one.search("abcdefghij");
        assert_eq!(found, Some("abcdefhgij"));
    }
}
