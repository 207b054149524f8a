//! pest pairs → AST. `Pair` never leaves this module.

use super::ast::*;
use super::{errors, split};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Loc, Span};
use pest::Parser;
use pest::iterators::{Pair, Pairs};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
pub(super) struct PolicyParser;

/// Parses one file, recovering at top-level item boundaries: a broken item costs that item only.
pub fn parse(file: FileId, text: &str) -> (SourceFileAst, Vec<Diagnostic>) {
    parse_with(file, text, Sizes::DEFAULT)
}

/// When a policy is parsed in runs of rule blocks, and how long the runs are (tests make them
/// small to reach every path with small texts).
#[derive(Clone, Copy)]
struct Sizes {
    /// Policy chunks of at least this many bytes.
    by_rules: usize,
    /// About this many bytes of blocks per pest call.
    group_bytes: usize,
}

impl Sizes {
    const DEFAULT: Sizes = Sizes {
        by_rules: BY_RULES,
        group_bytes: GROUP_BYTES,
    };
}

/// [`parse`], parsing policy chunks of at least `sizes.by_rules` bytes in runs of rule blocks.
fn parse_with(file: FileId, text: &str, sizes: Sizes) -> (SourceFileAst, Vec<Diagnostic>) {
    let mut lower = Lower::new(file);
    let mut items = Vec::new();
    let mut unparsed = Vec::new();
    let mut damaged = Vec::new();
    for chunk in split::top_level_chunks(text) {
        let Some(chunk_text) = text.get(chunk.clone()) else {
            continue;
        };
        lower.offset = chunk.start;
        if chunk_text.len() >= sizes.by_rules
            && let Some(item) =
                lower.policy_by_rules(chunk_text, chunk.start, threads(), sizes.group_bytes)
        {
            items.push(item);
            continue;
        }
        lower.offset = chunk.start;
        match PolicyParser::parse(Rule::file, chunk_text) {
            Ok(pairs) => items.extend(lower.items(pairs)),
            Err(err) => {
                lower
                    .diagnostics
                    .push(errors::from_pest(file, text, chunk.clone(), &err));
                // An item whose broken settings are left out may parse: keep it, mark it (or
                // the rule holding the setting) damaged, and report each broken setting.
                if let Some((recovered, blanked, further)) = recover_settings(chunk_text, &err)
                    && let Ok(pairs) = PolicyParser::parse(Rule::file, &recovered)
                {
                    lower.diagnostics.extend(
                        further
                            .iter()
                            .map(|e| errors::from_pest(file, text, chunk.clone(), e)),
                    );
                    let blanked: Vec<Span> = blanked
                        .into_iter()
                        .map(|r| Span::new(chunk.start + r.start, chunk.start + r.end))
                        .collect();
                    for item in lower.items(pairs) {
                        for region in &blanked {
                            if let Some((span, keyword, name)) = damaged_part(&item, *region) {
                                damaged.push(span);
                                unparsed.push(UnparsedItem { keyword, name });
                            }
                        }
                        items.push(item);
                    }
                    continue;
                }
                // A policy whose broken rules are left out may parse: keep its other rules
                // (and its apps), and count the broken rules' names as declared.
                match recover_policy(chunk_text) {
                    Some((pair_text, broken)) => {
                        if let Ok(pairs) = PolicyParser::parse(Rule::file, &pair_text) {
                            items.extend(lower.items(pairs));
                        }
                        unparsed.extend(broken.into_iter().map(|(name, span)| UnparsedItem {
                            keyword: "rule".to_owned(),
                            name: Some(Ident {
                                text: name,
                                span: Span::new(chunk.start + span.start, chunk.start + span.end),
                            }),
                        }));
                    }
                    None => unparsed.extend(split::leading_declaration(chunk_text, chunk.start)),
                }
            }
        }
    }
    damaged.sort_by_key(|s: &Span| (s.start, s.end));
    damaged.dedup();
    let ast = SourceFileAst {
        items,
        unparsed,
        damaged,
    };
    (ast, lower.diagnostics)
}

/// At most this many broken settings are left out of one item before recovery gives up (and
/// the item, or its broken rules, are left out instead): each costs a parse of the item.
const MAX_BROKEN_SETTINGS: usize = 16;

/// A chunk's text with its broken settings blanked, the ranges blanked, and the errors found
/// after the first.
type RecoveredSettings = (
    String,
    Vec<std::ops::Range<usize>>,
    Vec<pest::error::Error<Rule>>,
);

/// The byte where a pest error is, in the text parsed.
fn error_pos(err: &pest::error::Error<Rule>) -> usize {
    match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// A chunk that does not parse, with each broken setting blanked (spaces, line breaks kept, so
/// every position stays put) until it parses: the text, the settings left out (ranges in the
/// chunk) and the errors found after `first`, one per further broken setting. A `{` still open
/// where the item ends is closed there (once). `None` when an error is not in a setting (a
/// block's braces, a rule's head) and not a missing `}` at the end of the item.
fn recover_settings(chunk: &str, first: &pest::error::Error<Rule>) -> Option<RecoveredSettings> {
    let mut text = chunk.to_owned();
    let mut blanked: Vec<std::ops::Range<usize>> = Vec::new();
    let mut further = Vec::new();
    let mut pos = error_pos(first);
    let mut closed = false;
    for _ in 0..MAX_BROKEN_SETTINGS {
        let Some(region) = split::setting_region(&text, pos) else {
            // The item ends with a `{` still open: close it where the item ends (the whole
            // item counts as damaged, since where the `}` belonged is anyone's guess), in the
            // blanks after it, so that the item stays inside its chunk.
            let end = text.trim_end().len();
            let open = split::open_braces(&text);
            // The blanks taken must be ASCII: `trim_end` also trims wider whitespace (U+3000),
            // whose bytes a `}` cannot replace.
            let blanks = text.get(end..end + open);
            if closed
                || pos < end
                || open == 0
                || !blanks.is_some_and(|b| b.bytes().all(|c| c.is_ascii_whitespace()))
            {
                return None;
            }
            closed = true;
            text.replace_range(end..end + open, &"}".repeat(open));
            blanked.push(end..end + open);
            match PolicyParser::parse(Rule::file, &text) {
                Ok(_) => return Some((text, blanked, further)),
                Err(err) => {
                    pos = error_pos(&err);
                    further.push(err);
                    continue;
                }
            }
        };
        if blanked
            .iter()
            .any(|r| r.start < region.end && region.start < r.end)
        {
            return None;
        }
        let spaces: String = text
            .get(region.clone())?
            .bytes()
            .map(|b| {
                if b == b'\n' || b == b'\r' {
                    b as char
                } else {
                    ' '
                }
            })
            .collect();
        text.replace_range(region.clone(), &spaces);
        blanked.push(region);
        match PolicyParser::parse(Rule::file, &text) {
            Ok(_) => return Some((text, blanked, further)),
            Err(err) => {
                pos = error_pos(&err);
                further.push(err);
            }
        }
    }
    None
}

/// The part of `item` that holds the left-out setting at `region`: the rule it was in (inside a
/// policy) or the item, with the keyword and name that part declares.
fn damaged_part(item: &Item, region: Span) -> Option<(Span, String, Option<Ident>)> {
    let within = |span: Span| span.start <= region.start && region.end <= span.end;
    let (span, keyword, name) = match item {
        Item::Org(o) => (o.span, "org", Some(&o.name)),
        Item::Declaration(d) => (d.span, d.kind.as_str(), Some(&d.name)),
        Item::Authenticator(a) => (a.span, "authenticator", Some(&a.kind)),
        Item::Idp(i) => (i.span, "idp", Some(&i.name)),
        Item::Route(r) => (r.span, "route", Some(&r.name)),
        Item::SessionPolicy(SessionPolicy {
            span, name, rules, ..
        })
        | Item::Policy(Policy {
            span, name, rules, ..
        }) => match rules.iter().find(|r| within(r.span)) {
            Some(rule) => (rule.span, "rule", Some(&rule.name)),
            None => (
                *span,
                if matches!(item, Item::Policy(_)) {
                    "policy"
                } else {
                    "session_policy"
                },
                Some(name),
            ),
        },
        Item::Test(t) => (t.span, "test", None),
    };
    within(span).then(|| (span, keyword.to_owned(), name.cloned()))
}

/// A policy chunk at least this long is parsed in runs of rule blocks, on every core
/// ([`Lower::policy_by_rules`]). On one core too that is faster than parsing it whole: pest's
/// token queue for a whole 1 MB policy is tens of MB of fresh pages.
const BY_RULES: usize = 256 * 1024;

/// A recovered policy's text and the rules left out of it (name, where the name is).
type Recovered = (String, Vec<(String, std::ops::Range<usize>)>);

/// A policy chunk that does not parse, with each rule block that does not parse on its own
/// blanked (spaces, line breaks kept, so every position stays put): the text, if it now parses,
/// and the names (with where they are, in the chunk) of the rules left out.
fn recover_policy(chunk: &str) -> Option<Recovered> {
    let blocks = split::rule_blocks(chunk)?;
    let mut text = chunk.as_bytes().to_vec();
    let mut broken = Vec::new();
    for (range, name) in blocks {
        let block = chunk.get(range.clone())?;
        let whole = PolicyParser::parse(Rule::rule_block, block)
            .ok()
            .and_then(|mut p| p.next())
            .is_some_and(|p| p.as_span().end() == block.len());
        if whole {
            continue;
        }
        for b in text.get_mut(range.clone())?.iter_mut() {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        if let Some(name) = name {
            let at = chunk.get(range.start..)?.find(name)? + range.start;
            broken.push((name.to_owned(), at..at + name.len()));
        }
    }
    let text = String::from_utf8(text).ok()?;
    if broken.is_empty() || PolicyParser::parse(Rule::file, &text).is_err() {
        return None;
    }
    Some((text, broken))
}

/// The threads a large policy is parsed on: asked only when there is one (on Linux the answer
/// reads the process's cgroup files).
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| usize::from(n).min(8))
}

/// The blocks parsed by one pest call: consecutive blocks up to about this many bytes (pest's
/// set-up per call is then amortized, and its queue stays small enough to be reused).
const GROUP_BYTES: usize = 32 * 1024;

/// `blocks` cut into consecutive groups of about `bytes` each ([`GROUP_BYTES`]).
fn groups<T>(
    blocks: &[(std::ops::Range<usize>, T)],
    bytes: usize,
) -> Vec<&[(std::ops::Range<usize>, T)]> {
    let mut out = Vec::new();
    let mut from = 0;
    for (i, (range, _)) in blocks.iter().enumerate() {
        let start = blocks.get(from).map_or(range.start, |b| b.0.start);
        if range.end - start > bytes && i > from {
            out.push(&blocks[from..i]);
            from = i;
        }
    }
    if from < blocks.len() {
        out.push(&blocks[from..]);
    }
    out
}

pub(super) fn is_item(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::org
            | Rule::declaration
            | Rule::authenticator
            | Rule::idp
            | Rule::route
            | Rule::session_policy
            | Rule::policy
            | Rule::test
    )
}

struct Lower {
    file: FileId,
    /// Where the chunk being lowered starts in the file.
    offset: usize,
    /// Parsing a policy's header ([`Lower::policy_by_rules`]): where each placeholder rule ends
    /// in it, with the bytes of the blocks left out up to there.
    shifts: Vec<(usize, usize)>,
    diagnostics: Vec<Diagnostic>,
}

impl Lower {
    fn new(file: FileId) -> Lower {
        Lower {
            file,
            offset: 0,
            shifts: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// The items of a parsed chunk (`Rule::file`), lowered.
    fn items(&mut self, mut pairs: Pairs<'_, Rule>) -> Vec<Item> {
        let items_of_chunk = pairs.next().into_iter().flat_map(|file| file.into_inner());
        items_of_chunk
            .filter(|p| is_item(p.as_rule()))
            .filter_map(|pair| self.item(pair))
            .collect()
    }

    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.at(s.start()), self.at(s.end()))
    }

    /// A position in the text being parsed as a position in the file.
    fn at(&self, pos: usize) -> usize {
        let removed = match self.shifts.partition_point(|(end, _)| *end <= pos) {
            0 => 0,
            i => self.shifts.get(i - 1).map_or(0, |(_, removed)| *removed),
        };
        pos + removed + self.offset
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            text: pair.as_str().to_owned(),
            span: self.span(&pair),
        }
    }

    /// A large policy (or session policy) chunk, parsed in runs of rule blocks and then its
    /// header (the chunk with each stretch of rule blocks replaced by a short placeholder rule,
    /// so that a block where no rule may stand fails the header; its positions are mapped back):
    /// the same AST as parsing the chunk whole, without pest's token queue for the whole chunk
    /// (tens of MB for a 1 MB policy) and with each rule's tokens hot in cache. `None` (and
    /// nothing reported) when any part does not parse: the chunk is then parsed whole, which
    /// reports the error as usual.
    fn policy_by_rules(
        &mut self,
        chunk: &str,
        chunk_start: usize,
        threads: usize,
        group_bytes: usize,
    ) -> Option<Item> {
        let reported = self.diagnostics.len();
        let item = self.try_policy_by_rules(chunk, chunk_start, threads, group_bytes);
        if item.is_none() {
            self.diagnostics.truncate(reported);
        }
        item
    }

    fn try_policy_by_rules(
        &mut self,
        chunk: &str,
        chunk_start: usize,
        threads: usize,
        group_bytes: usize,
    ) -> Option<Item> {
        const PLACEHOLDER: &str = "rule _{}";
        let blocks = split::rule_blocks(chunk)?;
        // The header: the chunk with each stretch of blocks separated by blanks only replaced
        // by one placeholder (a policy's rules usually make one stretch, so the header is
        // short), and where each placeholder ends in it with how many bytes were left out up
        // to there.
        let mut header = String::with_capacity(1024);
        let mut shifts = Vec::new();
        let (mut copied, mut removed) = (0, 0);
        let mut i = 0;
        while let Some((first, _)) = blocks.get(i) {
            let mut end = first.end;
            i += 1;
            while let Some((next, _)) = blocks.get(i)
                && chunk
                    .get(end..next.start)?
                    .bytes()
                    .all(|b| b.is_ascii_whitespace())
            {
                end = next.end;
                i += 1;
            }
            header.push_str(chunk.get(copied..first.start)?);
            header.push_str(PLACEHOLDER);
            removed += (end - first.start).checked_sub(PLACEHOLDER.len())?;
            shifts.push((header.len(), removed));
            copied = end;
        }
        header.push_str(chunk.get(copied..)?);
        // The header first: when it does not parse as one item, the rules are not parsed for
        // nothing. It is lowered after them, so its diagnostics (a bad escape in `apps`, say)
        // follow the rules' rather than stand where they are in the text; `compile` sorts
        // diagnostics by position, so only this function's own order differs from a whole parse.
        let mut pairs = PolicyParser::parse(Rule::file, &header).ok()?;
        let mut items = pairs.next()?.into_inner().filter(|p| is_item(p.as_rule()));
        let (item, none) = (items.next()?, items.next());
        if none.is_some() {
            return None;
        }
        // The blocks are independent. Threads take groups of about `group_bytes` (hundreds of
        // blocks per pest call) one at a time, the first free thread the next group, so that
        // none waits on a slower one; this thread is one of them. Rules and diagnostics are put
        // back in order.
        let file = self.file;
        let groups = groups(&blocks, group_bytes);
        let lower_group = |group: &[(std::ops::Range<usize>, Option<&str>)]| {
            let mut lower = Lower::new(file);
            let mut rules = Vec::with_capacity(group.len());
            let (first, last) = (group.first()?, group.last()?);
            let start = first.0.start;
            let text = chunk.get(start..last.0.end)?;
            lower.offset = chunk_start + start;
            match PolicyParser::parse(Rule::fast_rule_run, text) {
                Ok(mut pairs) => {
                    for pair in pairs.next()?.into_inner() {
                        if pair.as_rule() == Rule::fast_rule_block {
                            rules.push(lower.rule(pair)?);
                        }
                    }
                }
                // Something else stands between two rules (`apps [..]` may): block by block.
                Err(_) => {
                    for (range, _) in group {
                        let block = chunk.get(range.clone())?;
                        let pair = PolicyParser::parse(Rule::fast_rule_block, block)
                            .ok()?
                            .next()?;
                        if pair.as_span().end() != block.len() {
                            return None;
                        }
                        lower.offset = chunk_start + range.start;
                        rules.push(lower.rule(pair)?);
                    }
                }
            }
            (rules.len() == group.len()).then_some((rules, lower.diagnostics))
        };
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            loop {
                let g = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(group) = groups.get(g) else {
                    return done;
                };
                let part = lower_group(group);
                let failed = part.is_none();
                done.push((g, part));
                if failed {
                    // The chunk is parsed whole instead: the other threads stop too.
                    next.store(groups.len(), std::sync::atomic::Ordering::Relaxed);
                    return done;
                }
            }
        };
        let helpers = threads.min(groups.len()).saturating_sub(1);
        let mut parts = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..helpers).map(|_| scope.spawn(work)).collect();
            let mut parts = work();
            for handle in handles {
                // A parse never panics (tests/no_panic.rs); should one anyway, it goes on as it
                // would have on this thread.
                parts.extend(
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
            }
            parts
        });
        parts.sort_unstable_by_key(|(g, _)| *g);
        if parts.len() != groups.len() {
            return None;
        }
        let mut rules = Vec::with_capacity(blocks.len());
        for (_, part) in parts {
            let (part_rules, diagnostics) = part?;
            rules.extend(part_rules);
            self.diagnostics.extend(diagnostics);
        }
        self.offset = chunk_start;
        let shifts_len = shifts.len();
        self.shifts = shifts;
        let item = self.item(item);
        self.shifts = Vec::new();
        let mut item = item?;
        let placeholders = match &mut item {
            Item::Policy(p) => &mut p.rules,
            Item::SessionPolicy(p) => &mut p.rules,
            _ => return None,
        };
        if placeholders.len() != shifts_len || rules.len() != blocks.len() {
            return None;
        }
        *placeholders = rules;
        Some(item)
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        // Only a declaration needs its keyword; `into_inner` walks the item's whole subtree (for
        // a policy of 10,000 rules, most of the file), so it is not done twice for the others.
        let keyword = (rule == Rule::declaration)
            .then(|| pair.clone().into_inner().next().map(|p| p.as_rule()))
            .flatten();
        let mut inner = significant(pair.into_inner());
        let item = match rule {
            Rule::org => {
                let name = self.ident(inner.next()?);
                let settings = inner.map(|p| self.org_setting(p)).collect::<Option<_>>()?;
                Item::Org(Org {
                    name,
                    settings,
                    span,
                })
            }
            Rule::declaration => {
                // The keyword is the declaration's kind.
                let kind = match keyword? {
                    Rule::kw_group => DeclarationKind::Group,
                    Rule::kw_zone => DeclarationKind::Zone,
                    _ => DeclarationKind::App,
                };
                let name = self.ident(inner.next()?);
                Item::Declaration(Declaration { kind, name, span })
            }
            Rule::authenticator => {
                let kind = self.ident(inner.next()?);
                let settings = inner
                    .map(|p| self.authenticator_setting(p))
                    .collect::<Option<_>>()?;
                Item::Authenticator(Authenticator {
                    kind,
                    settings,
                    span,
                })
            }
            Rule::idp => {
                let name = self.ident(inner.next()?);
                let settings = inner.map(|p| self.idp_setting(p)).collect::<Option<_>>()?;
                Item::Idp(Idp {
                    name,
                    settings,
                    span,
                })
            }
            Rule::route => {
                let name = self.ident(inner.next()?);
                let settings = inner
                    .map(|p| self.route_setting(p))
                    .collect::<Option<_>>()?;
                Item::Route(Route {
                    name,
                    settings,
                    span,
                })
            }
            Rule::session_policy => {
                let name = self.ident(inner.next()?);
                let mut priorities = Vec::new();
                let mut rules = Vec::new();
                for p in inner {
                    if p.as_rule() == Rule::priority_setting {
                        let (span, value) = self.setting_value(p);
                        priorities.push(Spanned {
                            node: self.ident(value?),
                            span,
                        });
                    } else {
                        rules.push(self.rule(p)?);
                    }
                }
                Item::SessionPolicy(SessionPolicy {
                    name,
                    priorities,
                    rules,
                    span,
                })
            }
            Rule::policy => {
                let name = self.ident(inner.next()?);
                let mut apps = Vec::new();
                let mut default = Vec::new();
                let mut rules = Vec::new();
                for p in inner {
                    if p.as_rule() == Rule::apps_setting {
                        let span = self.span(&p);
                        let list = self.list(significant(p.into_inner()).next()?)?;
                        apps.push(Spanned { node: list, span });
                    } else if p.as_rule() == Rule::default_setting {
                        default.push(self.span(&p));
                    } else {
                        rules.push(self.rule(p)?);
                    }
                }
                Item::Policy(Policy {
                    name,
                    apps,
                    default,
                    rules,
                    span,
                })
            }
            Rule::test => {
                let title = self.string(inner.next()?)?;
                let settings = inner.map(|p| self.test_setting(p)).collect::<Option<_>>()?;
                Item::Test(Test {
                    title,
                    settings,
                    span,
                })
            }
            _ => return None,
        };
        Some(item)
    }

    /// The value pair of a `keyword value` setting.
    fn setting_value<'i>(&self, pair: Pair<'i, Rule>) -> (Span, Option<Pair<'i, Rule>>) {
        let span = self.span(&pair);
        (span, significant(pair.into_inner()).next())
    }

    fn org_setting(&mut self, pair: Pair<'_, Rule>) -> Option<Spanned<OrgSetting>> {
        let rule = pair.as_rule();
        let (span, value) = self.setting_value(pair);
        let node = match rule {
            Rule::engine_setting => OrgSetting::Engine(self.ident(value?)),
            _ => OrgSetting::Features(self.list(value?)?),
        };
        Some(Spanned { node, span })
    }

    fn authenticator_setting(
        &mut self,
        pair: Pair<'_, Rule>,
    ) -> Option<Spanned<AuthenticatorSetting>> {
        let rule = pair.as_rule();
        let (span, value) = self.setting_value(pair);
        let value = value?;
        let node = match rule {
            Rule::authenticator_methods_setting => AuthenticatorSetting::Methods(self.list(value)?),
            Rule::status_setting => AuthenticatorSetting::Status(self.ident(value)),
            Rule::enrollment_setting => AuthenticatorSetting::Enrollment(self.ident(value)),
            _ => AuthenticatorSetting::UsedFor(self.ident(value)),
        };
        Some(Spanned { node, span })
    }

    fn idp_setting(&mut self, pair: Pair<'_, Rule>) -> Option<Spanned<IdpSetting>> {
        let rule = pair.as_rule();
        let (span, value) = self.setting_value(pair);
        let value = value?;
        let node = match rule {
            Rule::kind_setting => IdpSetting::Kind(self.ident(value)),
            Rule::engine_setting => IdpSetting::Engine(self.ident(value)),
            Rule::issuer_setting => IdpSetting::Issuer(self.string(value)?),
            Rule::audience_setting => IdpSetting::Audience(self.string(value)?),
            Rule::jwks_setting => IdpSetting::Jwks(self.string(value)?),
            Rule::certificate_setting => IdpSetting::Certificate(self.string(value)?),
            Rule::metadata_setting => IdpSetting::Metadata(self.string(value)?),
            Rule::trust_claims_setting => IdpSetting::TrustClaims(self.ident(value)),
            Rule::map_amr_claims_setting => IdpSetting::MapAmrClaims(self.ident(value)),
            Rule::max_clock_skew_setting => IdpSetting::MaxClockSkew(self.ident(value)),
            Rule::status_setting => IdpSetting::Status(self.ident(value)),
            Rule::usage_setting => IdpSetting::Usage(self.ident(value)),
            _ => IdpSetting::Asserts(self.list(value)?),
        };
        Some(Spanned { node, span })
    }

    fn route_setting(&mut self, pair: Pair<'_, Rule>) -> Option<Spanned<RouteSetting>> {
        let span = self.span(&pair);
        let node = match pair.as_rule() {
            Rule::when_setting => RouteSetting::When(self.conditions(pair)?),
            Rule::priority_setting => {
                RouteSetting::Priority(self.ident(significant(pair.into_inner()).next()?))
            }
            _ => RouteSetting::To(self.ident(significant(pair.into_inner()).next()?)),
        };
        Some(Spanned { node, span })
    }

    fn conditions(&mut self, when: Pair<'_, Rule>) -> Option<Vec<Condition>> {
        let fast = when.as_rule() == Rule::fast_when_setting;
        let inner = when.into_inner();
        let mut conditions = Vec::with_capacity(if fast { inner.len() } else { 0 });
        for p in significant(inner) {
            let condition = match p.as_rule() {
                Rule::condition => significant(p.into_inner()).next()?,
                Rule::fast_membership_condition | Rule::fast_device_condition => p,
                _ => continue,
            };
            conditions.push(self.condition(condition)?);
        }
        Some(conditions)
    }

    fn condition(&mut self, pair: Pair<'_, Rule>) -> Option<Condition> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = significant(pair.into_inner());
        if matches!(rule, Rule::device_condition | Rule::fast_device_condition) {
            return Some(Condition::Device {
                state: self.ident(inner.next()?),
                span,
            });
        }
        let subject = self.ident(inner.next()?);
        // `in` is a pair in `membership_condition`, not in `fast_membership_condition`.
        let mut next = inner.next()?;
        let negated = matches!(next.as_rule(), Rule::not_in | Rule::fast_not_in);
        if negated || next.as_rule() == Rule::kw_in {
            next = inner.next()?;
        }
        let list = self.list(next)?;
        Some(Condition::Membership {
            subject,
            negated,
            list,
            span,
        })
    }

    fn rule(&mut self, pair: Pair<'_, Rule>) -> Option<Rule_> {
        let span = self.span(&pair);
        let fast = pair.as_rule() == Rule::fast_rule_block;
        let inner = pair.into_inner();
        // A `fast_` pair holds only what is lowered (here the name and the settings), so its
        // vectors are sized from pest's count of the pairs inside: growing them would start at
        // four, and a large policy's AST is mostly these small vectors.
        let mut settings = Vec::with_capacity(if fast {
            inner.len().saturating_sub(1)
        } else {
            0
        });
        let mut inner = significant(inner);
        let name = self.ident(inner.next()?);
        for p in inner {
            settings.push(self.rule_setting(p)?);
        }
        Some(Rule_ {
            name,
            settings,
            span,
        })
    }

    fn rule_setting(&mut self, pair: Pair<'_, Rule>) -> Option<Spanned<RuleSetting>> {
        let span = self.span(&pair);
        // Each setting comes from `rule_block` or from `fast_rule_block` (its `fast_` twin).
        let node = match pair.as_rule() {
            Rule::when_setting | Rule::fast_when_setting => {
                RuleSetting::When(self.conditions(pair)?)
            }
            Rule::deny_setting => RuleSetting::Deny,
            Rule::status_setting | Rule::fast_status_setting => {
                RuleSetting::Status(self.ident(significant(pair.into_inner()).next()?))
            }
            Rule::require_setting => {
                let requirement = significant(pair.into_inner()).next()?;
                RuleSetting::Require(self.requirement(requirement.into_inner().next()?)?)
            }
            // No `requirement` wrapper here.
            Rule::fast_require_setting => {
                RuleSetting::Require(self.requirement(significant(pair.into_inner()).next()?)?)
            }
            Rule::possession_setting | Rule::fast_possession_setting => {
                RuleSetting::Possession(self.list(significant(pair.into_inner()).next()?)?)
            }
            Rule::rule_methods_setting | Rule::fast_rule_methods_setting => {
                let choice = significant(pair.into_inner()).next()?;
                RuleSetting::Methods(match choice.as_rule() {
                    Rule::method_only | Rule::fast_method_only => {
                        MethodsSetting::Only(self.list(significant(choice.into_inner()).next()?)?)
                    }
                    Rule::method_except | Rule::fast_method_except => {
                        MethodsSetting::Except(self.list(significant(choice.into_inner()).next()?)?)
                    }
                    _ => MethodsSetting::Any,
                })
            }
            Rule::reauth_setting | Rule::fast_reauth_setting => {
                let value = significant(pair.into_inner()).next()?;
                RuleSetting::Reauth(match value.as_rule() {
                    Rule::kw_every_sign_in => Reauth::EverySignIn,
                    Rule::kw_never => Reauth::Never,
                    _ => Reauth::After(self.ident(value)),
                })
            }
            _ => return None,
        };
        Some(Spanned { node, span })
    }

    fn requirement(&mut self, pair: Pair<'_, Rule>) -> Option<Requirement> {
        match pair.as_rule() {
            Rule::named_requirement => Some(Requirement::Named(
                self.ident(significant(pair.into_inner()).next()?),
            )),
            Rule::factor_requirement | Rule::fast_factor_requirement => {
                Some(Requirement::Factors {
                    count: self.count(pair)?,
                })
            }
            Rule::password_plus_requirement | Rule::fast_password_plus_requirement => {
                let factors = significant(pair.into_inner()).find(|p| {
                    matches!(
                        p.as_rule(),
                        Rule::factor_requirement | Rule::fast_factor_requirement
                    )
                })?;
                Some(Requirement::PasswordPlus {
                    count: self.count(factors)?,
                })
            }
            Rule::chain_requirement | Rule::fast_chain_requirement => {
                let lists = significant(pair.into_inner())
                    .filter(|p| matches!(p.as_rule(), Rule::list | Rule::fast_list))
                    .map(|p| self.list(p))
                    .collect::<Option<_>>()?;
                Some(Requirement::Chain(lists))
            }
            _ => None,
        }
    }

    /// The `N` of `N factor_types`. A number too large for `u32` is reported, not wrapped.
    fn count(&mut self, factor_requirement: Pair<'_, Rule>) -> Option<Spanned<u32>> {
        let span = self.span(&factor_requirement);
        let int = significant(factor_requirement.into_inner()).next()?;
        let int_span = self.span(&int);
        let node = int.as_str().parse::<u32>().unwrap_or_else(|_| {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    Loc::new(self.file, int_span),
                    format!("`{}` is not a valid number of factor types", int.as_str()),
                )
                .with_label("expected 1 or 2"),
            );
            u32::MAX
        });
        Some(Spanned { node, span })
    }

    fn test_setting(&mut self, pair: Pair<'_, Rule>) -> Option<Spanned<TestSetting>> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = significant(pair.into_inner());
        let node = match rule {
            Rule::test_app_setting => TestSetting::App(self.ident(inner.next()?)),
            Rule::user_setting => TestSetting::User(
                inner
                    .filter(|p| !matches!(p.as_rule(), Rule::lbrace | Rule::rbrace))
                    .map(|p| self.user_field(p))
                    .collect::<Option<_>>()?,
            ),
            Rule::claims_setting => {
                let idp = self.ident(inner.next()?);
                let amr = match inner.next() {
                    Some(list) => Some(self.list(list)?),
                    None => None,
                };
                TestSetting::Claims { idp, amr }
            }
            _ => {
                let decision = self.ident(inner.next()?);
                let (mut by, mut with) = (None, None);
                while let Some(p) = inner.next() {
                    match p.as_rule() {
                        Rule::kw_by => by = Some(self.ident(inner.next()?)),
                        Rule::kw_with => with = Some(self.list(inner.next()?)?),
                        _ => {}
                    }
                }
                TestSetting::Expect { decision, by, with }
            }
        };
        Some(Spanned { node, span })
    }

    fn user_field(&mut self, pair: Pair<'_, Rule>) -> Option<Spanned<UserField>> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let value = significant(pair.into_inner()).next()?;
        let node = match rule {
            Rule::groups_field => UserField::Groups(self.list(value)?),
            Rule::zone_field => UserField::Zone(self.ident(value)),
            Rule::risk_field => UserField::Risk(self.ident(value)),
            Rule::platform_field => UserField::Platform(self.ident(value)),
            Rule::domain_field => UserField::Domain(self.string(value)?),
            _ => UserField::Device(self.ident(value)),
        };
        Some(Spanned { node, span })
    }

    fn list(&mut self, pair: Pair<'_, Rule>) -> Option<List> {
        let span = self.span(&pair);
        let fast = pair.as_rule() == Rule::fast_list;
        let inner = pair.into_inner();
        let mut values = Vec::with_capacity(if fast { inner.len() } else { 0 });
        for p in inner {
            match p.as_rule() {
                Rule::string => values.push(Value::Str(self.string(p)?)),
                Rule::path => values.push(Value::Path(self.path(p)?)),
                _ => {}
            }
        }
        Some(List { values, span })
    }

    fn path(&mut self, pair: Pair<'_, Rule>) -> Option<Path> {
        let span = self.span(&pair);
        let mut names = pair.into_inner();
        let head = self.ident(names.next()?);
        let member = names.next().map(|p| self.ident(p));
        Some(Path { head, member, span })
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> Option<StrLit> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let inner_start = self.span(&inner).start as usize;
        let value = match unescape(inner.as_str()) {
            Ok(value) => value,
            Err(bad) => {
                let loc = Loc::new(
                    self.file,
                    Span::new(inner_start + bad.start, inner_start + bad.end),
                );
                let escape = inner.as_str().get(bad.clone()).unwrap_or("\\");
                self.diagnostics.push(
                    Diagnostic::new(Code::Syntax, loc, format!("`{escape}` is not a valid escape"))
                        .with_label("invalid escape")
                        .with_help(
                            "strings accept `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{..}` with the hexadecimal code of a unicode scalar value, such as `\\u{e9}`",
                        ),
                );
                String::new()
            }
        };
        Some(StrLit { value, span })
    }
}

/// The AST's rule type is named `Rule` after the language; pest's generated enum owns the name
/// here, so the AST node is imported under an alias.
use super::ast::Rule as Rule_;

/// Pairs without punctuation and keywords, which only matter for error messages. The keywords
/// kept are those whose presence is the value (`methods any`, `reauth never`, `expect .. by ..`).
fn significant<'i>(pairs: Pairs<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pairs.filter(|p| {
        !matches!(
            p.as_rule(),
            Rule::lbrace
                | Rule::rbrace
                | Rule::lbracket
                | Rule::rbracket
                | Rule::comma
                | Rule::plus
                | Rule::kw_org
                | Rule::kw_engine
                | Rule::kw_features
                | Rule::kw_group
                | Rule::kw_zone
                | Rule::kw_app
                | Rule::kw_apps
                | Rule::kw_authenticator
                | Rule::kw_methods
                | Rule::kw_status
                | Rule::kw_enrollment
                | Rule::kw_used_for
                | Rule::kw_idp
                | Rule::kw_kind
                | Rule::kw_issuer
                | Rule::kw_audience
                | Rule::kw_jwks
                | Rule::kw_certificate
                | Rule::kw_metadata
                | Rule::kw_trust_claims
                | Rule::kw_map_amr_claims
                | Rule::kw_max_clock_skew
                | Rule::kw_usage
                | Rule::kw_asserts
                | Rule::kw_route
                | Rule::kw_priority
                | Rule::kw_when
                | Rule::kw_and
                | Rule::kw_to
                | Rule::kw_not
                | Rule::kw_session_policy
                | Rule::kw_policy
                | Rule::kw_rule
                | Rule::kw_require
                | Rule::kw_deny
                | Rule::kw_possession
                | Rule::kw_reauth
                | Rule::kw_only
                | Rule::kw_except
                | Rule::kw_password
                | Rule::kw_factor_type
                | Rule::kw_chain
                | Rule::kw_device
                | Rule::kw_test
                | Rule::kw_user
                | Rule::kw_groups
                | Rule::kw_risk
                | Rule::kw_platform
                | Rule::kw_domain
                | Rule::kw_claims
                | Rule::kw_expect
        )
    })
}

/// Resolves string escapes; `Err` is the byte range (in `raw`) of the first bad escape.
fn unescape(raw: &str) -> Result<String, std::ops::Range<usize>> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, escaped)) = chars.next() else {
            return Err(at..raw.len());
        };
        match escaped {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '"' | '\\' => out.push(escaped),
            'u' => {
                // `\u{hex}`: at most six hex digits naming a unicode scalar value.
                let body_start = at + 2;
                let rest = raw.get(body_start..).unwrap_or("");
                let close = rest.find('}');
                let hex = match (rest.starts_with('{'), close) {
                    (true, Some(close)) => &rest[1..close],
                    _ => {
                        return Err(
                            at..(body_start + rest.find('}').map_or(0, |c| c + 1)).max(at + 2)
                        );
                    }
                };
                let end = body_start + hex.len() + 2;
                let c = (hex.len() <= 6 && !hex.is_empty())
                    .then(|| u32::from_str_radix(hex, 16).ok())
                    .flatten()
                    .and_then(char::from_u32)
                    .ok_or(at..end)?;
                out.push(c);
                while chars.peek().is_some_and(|(i, _)| *i < end) {
                    chars.next();
                }
            }
            other => return Err(at..at + 1 + other.len_utf8()),
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unescape_resolves_every_escape() {
        assert_eq!(
            unescape(r#"a\"b\\c\nd\te\rf\u{e9}"#),
            Ok("a\"b\\c\nd\te\rf\u{e9}".to_owned())
        );
        assert_eq!(unescape(r"ab\u{d800}"), Err(2..10));
        assert_eq!(unescape(r"a\qb"), Err(1..3));
        assert_eq!(unescape(r"\u{110000}"), Err(0..10));
        assert_eq!(unescape(r"\u{zz}x"), Err(0..6));
    }

    /// An item left open before blanks that are not ASCII (U+3000 after `deny`) is reported,
    /// not closed inside that character (which panicked).
    #[test]
    fn an_open_item_before_wide_blanks_is_reported_not_closed_mid_character() {
        for tail in ["\u{3000}", "\n\u{3000}", " \u{3000}\n"] {
            let text = format!("app a\npolicy p {{\n  apps [a]\n  rule r {{\n    deny\n{tail}");
            let (_, diagnostics) = parse(FileId(0), &text);
            assert_eq!(
                diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
                [Code::Syntax],
                "{tail:?}"
            );
        }
    }

    /// What a policy body may hold, as the differential test below strings it together: valid
    /// rules of every shape, what may stand between rules, and broken pieces.
    const BODY_PIECES: &[&str] = &[
        "  rule a {\n    when group in [g1, g2] and zone not in [z1]\n    require 2 factor_types\n  }\n",
        "  rule b {\n    require password + 1 factor_type\n    possession [phishing_resistant]\n  }\n",
        "  rule c{deny}\n",
        "  rule d { when device managed\n require chain [[password, okta_verify.push], [webauthn]] }\n",
        "  rule e {\n    # a comment with } and {\n    when domain in [\"a}b.example\"]\n    reauth 12h\n  }\n",
        "  rule f {\n    methods only [password, webauthn]\n    require 99999999999 factor_types\n  }\n",
        "  rule g {\n    status inactive\n    require mfa\n  }\n",
        "  apps [a, b]\n",
        "  default\n",
        "  # between rules\n",
        "\n",
        "  rule h { require }\n",
        "  rule i { when group in [g1 }\n",
        "  rule j {\n    require 1 factor_type\n",
        "  apps [\n",
        "  rule k { zone in [z1] }\n",
    ];

    proptest::proptest! {
        /// The run-by-run way (forced here for any size, with runs of a block or two) gives
        /// exactly the AST and diagnostics of the whole parse, whatever the policy holds:
        /// rules, `apps`/`default` and comments between them, broken rules and settings (which
        /// fall back to the whole parse), another item after it.
        #[test]
        fn runs_of_rule_blocks_parse_as_the_whole_does(
            pieces in proptest::collection::vec(0..BODY_PIECES.len(), 0..24),
            session in proptest::bool::ANY,
            group in 1usize..200,
        ) {
            let head = if session { "session_policy s {\n  priority 1\n" } else { "policy p {\n" };
            let body: String = pieces.iter().map(|&i| BODY_PIECES[i]).collect();
            let text = format!("group g1\n{head}{body}}}\napp a\n");
            let small = Sizes { by_rules: 0, group_bytes: group };
            let whole = Sizes { by_rules: usize::MAX, ..Sizes::DEFAULT };
            proptest::prop_assert_eq!(
                format!("{:?}", parse_with(FileId(0), &text, small)),
                format!("{:?}", parse_with(FileId(0), &text, whole)),
                "{}", text
            );
        }
    }

    /// A rule block's tokens, drawn from `choices` (one rule of the language, every setting
    /// shape), then perhaps mutated (a token left out or one added): the differential test below
    /// joins them with random blanks.
    fn rule_tokens(choices: &[u16]) -> Vec<&'static str> {
        let mut at = 0;
        let mut pick = |n: usize| {
            let c = choices.get(at).copied().unwrap_or(0) as usize % n;
            at += 1;
            c
        };
        fn list(pick: &mut impl FnMut(usize) -> usize, out: &mut Vec<&'static str>) {
            const VALUES: &[&str] = &["g1", "okta_verify.push", "\"a}b\"", "zone"];
            out.push("[");
            for k in 0..pick(4) {
                if k > 0 {
                    out.push(",");
                }
                out.push(VALUES[pick(VALUES.len())]);
            }
            if pick(4) == 0 {
                out.push(",");
            }
            out.push("]");
        }
        let mut t = vec!["rule", ["r1", "rule", "when"][pick(3)], "{"];
        for _ in 0..pick(4) {
            match pick(7) {
                0 => {
                    t.push("when");
                    for k in 0..1 + pick(3) {
                        if k > 0 {
                            t.push("and");
                        }
                        if pick(5) == 0 {
                            t.extend(["device", "managed"]);
                            continue;
                        }
                        t.push(["group", "zone", "risk", "platform", "domain", "app"][pick(6)]);
                        t.extend(if pick(3) == 0 {
                            &["not", "in"][..]
                        } else {
                            &["in"]
                        });
                        list(&mut pick, &mut t);
                    }
                }
                1 => {
                    t.push("require");
                    match pick(6) {
                        0 => t.extend(["1", "factor_type"]),
                        1 => t.extend(["2", "factor_types"]),
                        2 => t.extend(["password", "+", "1", "factor_type"]),
                        3 => {
                            t.extend(["chain", "["]);
                            for k in 0..pick(3) {
                                if k > 0 {
                                    t.push(",");
                                }
                                list(&mut pick, &mut t);
                            }
                            if pick(3) == 0 {
                                t.push(",");
                            }
                            t.push("]");
                        }
                        4 => t.push("password"),
                        _ => t.push("mfa"),
                    }
                }
                2 => t.push("deny"),
                3 => {
                    t.push("possession");
                    list(&mut pick, &mut t);
                }
                4 => {
                    t.push("methods");
                    match pick(3) {
                        0 => t.push("any"),
                        1 => {
                            t.push("only");
                            list(&mut pick, &mut t);
                        }
                        _ => {
                            t.push("except");
                            list(&mut pick, &mut t);
                        }
                    }
                }
                5 => t.extend(["reauth", ["never", "every_sign_in", "12h"][pick(3)]]),
                _ => t.extend(["status", "inactive"]),
            }
        }
        t.push("}");
        const OTHERS: &[&str] = &[
            "}", "{", "in", "[", "]", ",", "and", "+", "x", "9", "\"", "#",
        ];
        match pick(4) {
            0 => {
                let k = pick(t.len());
                t.remove(k);
            }
            1 => {
                let k = pick(t.len() + 1);
                t.insert(k, OTHERS[pick(OTHERS.len())]);
            }
            _ => {}
        }
        t
    }

    /// A rule block lowered from `rule` (`rule_block` or `fast_rule_block`), if the whole text
    /// parses as one.
    fn lowered_block(rule: Rule, text: &str) -> Option<String> {
        let pair = PolicyParser::parse(rule, text).ok()?.next()?;
        if pair.as_span().end() != text.len() {
            return None;
        }
        let mut lower = Lower::new(FileId(0));
        let rule = lower.rule(pair);
        Some(format!("{rule:?} {:?}", lower.diagnostics))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// `fast_rule_block` matches exactly what `rule_block` matches, with the same spans:
        /// rules of every setting shape, joined by no blank, blanks, line breaks and comments
        /// (which hold braces), some with a token left out or added.
        #[test]
        fn the_fast_rule_grammar_reads_what_the_rule_grammar_reads(
            choices in proptest::collection::vec(proptest::num::u16::ANY, 48),
            blanks in proptest::collection::vec(0usize..12, 64),
        ) {
            const BLANKS: &[&str] =
                &["", " ", " ", " ", "  ", "\n    ", "\t", "\r\n", " # c } {\n", "#\n", "\n\n", " "];
            let mut text = String::new();
            for (k, token) in rule_tokens(&choices).iter().enumerate() {
                if k > 0 {
                    text.push_str(BLANKS[blanks.get(k).copied().unwrap_or(1)]);
                }
                text.push_str(token);
            }
            proptest::prop_assert_eq!(
                lowered_block(Rule::fast_rule_block, &text),
                lowered_block(Rule::rule_block, &text),
                "{:?}", text
            );
        }
    }

    /// Groups are consecutive, in order, cover every block once, and span at most
    /// `GROUP_BYTES` unless one block alone is longer.
    #[test]
    fn groups_cut_blocks_into_consecutive_runs() {
        let sizes = [100, 5000, 40_000, 10, 20_000, 20_000, 20_000, 1];
        let mut blocks = Vec::new();
        let mut at = 0;
        for (i, n) in sizes.iter().enumerate() {
            blocks.push((at..at + n, i));
            at += n + 3;
        }
        let runs = groups(&blocks, GROUP_BYTES);
        let flat: Vec<usize> = runs.iter().flat_map(|g| g.iter().map(|b| b.1)).collect();
        assert_eq!(flat, (0..sizes.len()).collect::<Vec<_>>());
        for run in &runs {
            let span = run.last().unwrap().0.end - run.first().unwrap().0.start;
            assert!(span <= GROUP_BYTES || run.len() == 1, "{run:?}");
        }
        let lens: Vec<usize> = runs.iter().map(|g| g.len()).collect();
        assert_eq!(lens, [2, 1, 2, 1, 2]);
        assert!(groups::<()>(&[], GROUP_BYTES).is_empty());
    }

    /// A run of rule blocks parses in one pest call into one pair per block; a run with
    /// anything else between two rules does not (it is then parsed block by block).
    #[test]
    fn a_run_of_rule_blocks_parses_whole_or_not_at_all() {
        let run = "rule a { deny }
  # note
  rule b {
    require password
  }
  rule c{deny}";
        let pairs = PolicyParser::parse(Rule::fast_rule_run, run).unwrap();
        let names: Vec<&str> = pairs
            .flat_map(|p| p.into_inner())
            .filter(|p| p.as_rule() == Rule::fast_rule_block)
            .map(|p| p.into_inner().next().unwrap().as_str())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(
            PolicyParser::parse(
                Rule::fast_rule_run,
                "rule a { deny }
 apps [x]
 rule b { deny }"
            )
            .is_err()
        );
        assert!(
            PolicyParser::parse(
                Rule::fast_rule_run,
                "rule a { deny }
 rule b { deny"
            )
            .is_err()
        );
    }

    /// A large policy parsed a rule block at a time gives exactly the AST and diagnostics of
    /// parsing it whole: every kind of rule setting, comments and strings holding braces,
    /// `apps` and `default` between rules, a session policy with a priority, a count too large
    /// (a lowering diagnostic), and, in the broken copies, a rule that does not parse, a rule
    /// inside a list, and an unclosed policy (which fall back to the whole parse).
    #[test]
    fn policies_parsed_by_rules_are_the_policies_parsed_whole() {
        let settings = [
            "when group in [g1, g2] and zone not in [z1]",
            "when device managed",
            "when domain in [\"a}b.example\", \"{c\"]",
            "require 2 factor_types\n    possession [phishing_resistant, hardware_protected]",
            "require password + 1 factor_type",
            "require chain [[password, okta_verify.push], [webauthn]]",
            "require 99999999999 factor_types",
            "methods only [password, webauthn]",
            "methods any",
            "reauth never",
            "reauth 12h",
            "status inactive",
            "deny",
            "# a comment with } and { in it",
        ];
        let mut policy = String::from("policy big {\n  apps [a, b]\n");
        let mut session = String::from("session_policy s {\n  priority 2\n");
        for i in 0..3000 {
            let body: Vec<&str> = (0..3)
                .map(|k| settings[(i * 3 + k * 5) % settings.len()])
                .collect();
            let rule = format!("  rule r{i} {{\n    {}\n  }}\n", body.join("\n    "));
            policy.push_str(&rule);
            session.push_str(&rule);
            if i == 600 {
                policy.push_str("  default\n  apps [c] # between rules\n");
            }
            if i % 97 == 0 {
                policy.push_str("  rule tight{require password}\n");
            }
        }
        policy.push_str("}\n");
        session.push_str("}\n");
        assert!(policy.len() > BY_RULES && session.len() > BY_RULES);
        // Both go the rule-by-rule way (the comparison below is not of one path with itself).
        for chunk in [&policy, &session] {
            let mut whole = Lower::new(FileId(0));
            let pair = PolicyParser::parse(Rule::file, chunk)
                .unwrap()
                .next()
                .unwrap();
            let item = pair.into_inner().find(|p| is_item(p.as_rule())).unwrap();
            let whole = (whole.item(item), whole.diagnostics);
            for threads in [1, 2, 3] {
                let mut lower = Lower::new(FileId(0));
                let by_rules = (
                    lower.policy_by_rules(chunk, 0, threads, GROUP_BYTES),
                    lower.diagnostics,
                );
                assert!(by_rules.0.is_some());
                assert_eq!(format!("{by_rules:?}"), format!("{whole:?}"));
            }
        }
        // A rule far into the policy that does not parse, or a header that does not: on any
        // number of threads the way rule by rule gives up (the chunk is then parsed whole),
        // reporting nothing.
        // An early rule reports a bad escape (kept when the policy parses), the last one fails:
        // on one thread every group is parsed, so the early group's diagnostic is collected
        // before the failure is met, and must be taken back.
        let broken_rule = policy
            .replacen("rule r5 {", "rule r5 { when domain in [\"\\q\"]", 1)
            .replacen("rule r2999 {", "rule r2999 { when group inn [x]", 1);
        let broken_header = policy.replacen("  apps [a, b]\n", "  apps [a, b\n", 1);
        for broken in [&broken_rule, &broken_header] {
            assert_ne!(broken, &policy);
            for threads in [1, 2, 3] {
                let mut lower = Lower::new(FileId(0));
                assert!(
                    lower
                        .policy_by_rules(broken, 0, threads, GROUP_BYTES)
                        .is_none()
                );
                assert_eq!(lower.diagnostics.len(), 0, "threads {threads}");
            }
        }
        let org = "org acme { engine identity }\n";
        let cases = [
            format!("{org}{policy}# a comment\n{session}"),
            format!(
                "{org}{}",
                policy.replacen("rule r5 {", "rule r5 { when group", 1)
            ),
            format!(
                "{org}{}",
                policy.replacen("apps [a, b]", "apps [a, rule x{}]", 1)
            ),
            format!("{org}{}", policy.trim_end().trim_end_matches('}')),
            format!("{org}{}", session.replacen("priority 2", "priority", 1)),
        ];
        for (n, text) in cases.iter().enumerate() {
            let by_rules = parse_with(FileId(0), text, Sizes::DEFAULT);
            let whole = parse_with(
                FileId(0),
                text,
                Sizes {
                    by_rules: usize::MAX,
                    ..Sizes::DEFAULT
                },
            );
            assert_eq!(format!("{by_rules:?}"), format!("{whole:?}"), "case {n}");
            if n == 0 {
                assert!(
                    whole.1.iter().all(|d| d.code == Code::InvalidValue),
                    "{:?}",
                    whole.1
                );
                assert!(!whole.1.is_empty());
            } else {
                assert!(whole.1.iter().any(|d| d.code == Code::Syntax), "case {n}");
            }
        }
    }
}
