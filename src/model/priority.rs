//! The order of global session policies and of IdP routing rules, as Okta keeps it: an explicit
//! `priority N` (1 is tried first), never the names of the files they are written in.
//!
//! The rules (docs/language.md, "Priority"):
//! - items with a `priority` come first, lowest number first;
//! - items without one come after them, in the order they are written, and must all be written
//!   in one file: two in different files would be ordered by file name, which is no order;
//! - two items with the same number have no order either.
//!
//! Both ambiguities are `ambiguous-priority` errors; the set is still ordered (by number, then
//! load order) so that later stages run, but nothing depends on that pick silently.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Loc;
use std::collections::HashMap;

/// Which kind of item is being ordered, for messages.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    SessionPolicy,
    Route,
}

impl Kind {
    fn one(self) -> &'static str {
        match self {
            Kind::SessionPolicy => "global session policy",
            Kind::Route => "routing rule",
        }
    }

    fn many(self) -> &'static str {
        match self {
            Kind::SessionPolicy => "global session policies",
            Kind::Route => "routing rules",
        }
    }
}

/// Sorts `items` (given in load order: files in order, items as written) into evaluation order
/// and reports every pair whose order is ambiguous. `key` gives an item's priority (and where
/// it is written), its name's location and its name.
pub(super) fn order<T>(
    items: &mut [T],
    key: impl Fn(&T) -> (Option<(u32, Loc)>, Loc, &str),
    kind: Kind,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();

    // The same number twice: report each later one against the first.
    let mut first_with: HashMap<u32, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let (Some((n, at)), _, name) = key(item) else {
            continue;
        };
        match first_with.get(&n).and_then(|&f| items.get(f)) {
            Some(first) => {
                let (first_at, first_name) = (key(first).0.map_or(at, |(_, l)| l), key(first).2);
                out.push(
                    Diagnostic::new(
                        Code::AmbiguousPriority,
                        at,
                        format!(
                            "{} `{first_name}` and `{name}` both have priority {n}",
                            kind.many()
                        ),
                    )
                    .with_label(format!("`{name}` has priority {n}"))
                    .with_related(first_at, format!("`{first_name}` has priority {n} too"))
                    .with_help(format!(
                        "Okta tries priority 1 first and keeps no two {} at one priority: give one of them another number",
                        kind.many()
                    )),
                );
            }
            None => {
                first_with.insert(n, i);
            }
        }
    }

    // Without a priority in more than one file: report the first of each further file against
    // the first one found.
    let mut first_implicit: Option<(Loc, &str)> = None;
    let mut files_reported = Vec::new();
    for item in items.iter() {
        let (priority, loc, name) = key(item);
        if priority.is_some() {
            continue;
        }
        match first_implicit {
            None => first_implicit = Some((loc, name)),
            Some((first, first_name)) if first.file != loc.file => {
                if files_reported.contains(&loc.file) {
                    continue;
                }
                files_reported.push(loc.file);
                out.push(
                    Diagnostic::new(
                        Code::AmbiguousPriority,
                        loc,
                        format!(
                            "{} `{first_name}` and `{name}` have no `priority` and are in different files",
                            kind.many()
                        ),
                    )
                    .with_label(format!("`{name}` has no `priority`"))
                    .with_related(first, format!("`{first_name}` has none either"))
                    .with_help(format!(
                        "which {} Okta tries first would depend on file names: give each a `priority N` (1 is tried first), or keep those without one in a single file, where they are tried in the order written",
                        kind.one()
                    )),
                );
            }
            Some(_) => {}
        }
    }

    // A stable sort keeps load order among equals: items without a priority keep their written
    // order, after every numbered one.
    items.sort_by_key(|item| match key(item).0 {
        Some((n, _)) => (false, n),
        None => (true, 0),
    });
    out
}
