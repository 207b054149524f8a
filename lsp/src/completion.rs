//! Completion: what may be written at the cursor, read from the text before it with a small
//! scanner (the text is usually broken while someone types, so the AST cannot be relied on).
//! The scanner keeps its nesting on a heap stack, so no input can overflow the call stack.

use crate::line_index::LineIndex;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, Position, Range,
    TextEdit,
};
use policyc::model::catalogue::{Amr, AuthenticatorKind, CATALOGUE, IdpKind};
use policyc::model::values::{
    BOOLEAN_WORDS as BOOLEANS, DECISION_WORDS as DECISIONS, DEVICE_STATE_WORDS as DEVICE_STATES,
    ENGINE_WORDS as ENGINES, ENROLLMENT_WORDS as ENROLLMENTS, FEATURE_WORDS as FEATURES,
    PLATFORM_WORDS as PLATFORMS, RISK_WORDS as RISKS, STATUS_WORDS as STATUSES,
    USAGE_WORDS as USAGES, USED_FOR_WORDS as USED_FOR,
};
use policyc::model::{Model, PossessionConstraint};

use policyc::syntax::ITEM_KEYWORDS as ITEMS;
const ORG_SETTINGS: &[&str] = &["engine", "features"];
const AUTHENTICATOR_SETTINGS: &[&str] = &["methods", "status", "enrollment", "used_for"];
const IDP_SETTINGS: &[&str] = &[
    "kind",
    "engine",
    "issuer",
    "audience",
    "jwks",
    "certificate",
    "metadata",
    "trust_claims",
    "map_amr_claims",
    "max_clock_skew",
    "status",
    "usage",
    "asserts",
];
const ROUTE_SETTINGS: &[&str] = &["when", "to", "priority"];
const RULE_SETTINGS: &[&str] = &[
    "when",
    "require",
    "deny",
    "possession",
    "methods",
    "reauth",
    "status",
];
const TEST_SETTINGS: &[&str] = &["app", "user", "claims", "expect"];
const USER_FIELDS: &[&str] = &["groups", "zone", "risk", "platform", "domain", "device"];
const RULE_SUBJECTS: &[&str] = &["group", "zone", "risk", "platform", "domain", "device"];
const ROUTE_SUBJECTS: &[&str] = &["domain", "group", "zone", "app"];
const APP_REQUIREMENTS: &[&str] = &[
    "password",
    "1 factor_type",
    "password + 1 factor_type",
    "2 factor_types",
    "chain [[]]",
];
const SESSION_REQUIREMENTS: &[&str] = &["password", "any_factor", "mfa"];
const METHOD_SETTINGS: &[&str] = &["any", "only", "except"];
const REAUTH: &[&str] = &["every_sign_in", "never", "30m", "2h", "1d"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str,
    /// A closed `{ .. }` or `[ .. ]`.
    Group,
    Plus,
    Comma,
}

#[derive(Debug, Clone, PartialEq)]
enum Block {
    Org,
    Decl,
    Authenticator(String),
    Idp,
    Route,
    SessionPolicy,
    Policy,
    Rule { session: bool },
    Test,
    User,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
enum ListOwner {
    Subject(String),
    Apps,
    Groups,
    Features,
    /// `asserts [..]`, with the IdP kind if the block says it.
    Asserts(Option<String>),
    AuthenticatorMethods(String),
    Methods,
    Chain,
    Constraints,
    /// `claims IDP [..]`.
    Claims(String),
    Unknown,
}

#[derive(Debug)]
enum Frame {
    Top(Vec<Tok>),
    Block(Block, Vec<Tok>),
    List(ListOwner),
}

/// What is around the cursor.
#[derive(Debug, PartialEq)]
enum Context {
    Top(Vec<Tok>),
    Block(Block, Vec<Tok>),
    List(ListOwner),
    Nothing,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

/// Reads the text before the cursor into the stack of frames around it.
fn context(before: &str) -> Context {
    let bytes = before.as_bytes();
    let mut stack: Vec<Frame> = vec![Frame::Top(Vec::new())];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    if i < bytes.len() && bytes[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
                if i >= bytes.len() {
                    // The cursor is inside a string: nothing to complete.
                    return Context::Nothing;
                }
                i += 1;
                push_tok(&mut stack, Tok::Str);
                continue;
            }
            b'{' => {
                let block = match stack.last() {
                    Some(Frame::Top(toks)) => top_block(toks),
                    Some(Frame::Block(parent, toks)) => inner_block(parent, toks),
                    _ => Block::Unknown,
                };
                stack.push(Frame::Block(block, Vec::new()));
            }
            b'}' => {
                while let Some(f) = stack.pop() {
                    if matches!(f, Frame::Top(_)) {
                        stack.push(f);
                        break;
                    }
                    if matches!(f, Frame::Block(..)) {
                        break;
                    }
                }
                push_tok(&mut stack, Tok::Group);
            }
            b'[' => {
                let owner = match stack.last() {
                    Some(Frame::Block(block, toks)) => list_owner(block, toks),
                    Some(Frame::List(ListOwner::Chain)) => ListOwner::Methods,
                    _ => ListOwner::Unknown,
                };
                stack.push(Frame::List(owner));
            }
            b']' => {
                if matches!(stack.last(), Some(Frame::List(_))) {
                    stack.pop();
                }
                push_tok(&mut stack, Tok::Group);
            }
            b'+' => push_tok(&mut stack, Tok::Plus),
            b',' => push_tok(&mut stack, Tok::Comma),
            _ if is_word_byte(b) => {
                let start = i;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                let word = before.get(start..i).unwrap_or("").to_owned();
                push_tok(&mut stack, Tok::Word(word));
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    match stack.pop() {
        Some(Frame::Top(toks)) => Context::Top(toks),
        Some(Frame::Block(b, toks)) => Context::Block(b, toks),
        Some(Frame::List(o)) => Context::List(o),
        None => Context::Nothing,
    }
}

fn push_tok(stack: &mut [Frame], tok: Tok) {
    match stack.last_mut() {
        Some(Frame::Top(toks)) => {
            // Only the current item matters at the top level.
            if toks.len() > 8 {
                toks.drain(..toks.len() - 4);
            }
            toks.push(tok);
        }
        Some(Frame::Block(_, toks)) => toks.push(tok),
        _ => {}
    }
}

fn word(toks: &[Tok], back: usize) -> Option<&str> {
    let i = toks.len().checked_sub(back + 1)?;
    match toks.get(i) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    }
}

fn top_block(toks: &[Tok]) -> Block {
    let keyword = match (word(toks, 1), toks.last()) {
        (Some(k), Some(Tok::Word(_) | Tok::Str)) => k,
        _ => return Block::Unknown,
    };
    match keyword {
        "org" => Block::Org,
        "group" | "zone" | "app" => Block::Decl,
        "authenticator" => Block::Authenticator(word(toks, 0).unwrap_or("").to_owned()),
        "idp" => Block::Idp,
        "route" => Block::Route,
        "session_policy" => Block::SessionPolicy,
        "policy" => Block::Policy,
        "test" => Block::Test,
        _ => Block::Unknown,
    }
}

fn inner_block(parent: &Block, toks: &[Tok]) -> Block {
    match parent {
        Block::Test if word(toks, 0) == Some("user") => Block::User,
        Block::Policy | Block::SessionPolicy if word(toks, 1) == Some("rule") => Block::Rule {
            session: *parent == Block::SessionPolicy,
        },
        _ => Block::Unknown,
    }
}

fn list_owner(block: &Block, toks: &[Tok]) -> ListOwner {
    let last = word(toks, 0).unwrap_or("");
    match (block, last) {
        (_, "in") => {
            let subject = match word(toks, 1) {
                Some("not") => word(toks, 2),
                other => other,
            };
            ListOwner::Subject(subject.unwrap_or("").to_owned())
        }
        (Block::Policy, "apps") => ListOwner::Apps,
        (Block::User, "groups") => ListOwner::Groups,
        (Block::Org, "features") => ListOwner::Features,
        (Block::Idp, "asserts") => {
            let kind = toks.windows(2).find_map(|w| match w {
                [Tok::Word(k), Tok::Word(v)] if k == "kind" => Some(v.clone()),
                _ => None,
            });
            ListOwner::Asserts(kind)
        }
        (Block::Authenticator(kind), "methods") => ListOwner::AuthenticatorMethods(kind.clone()),
        (_, "only" | "except" | "with") => ListOwner::Methods,
        (_, "chain") => ListOwner::Chain,
        (_, "possession") => ListOwner::Constraints,
        (Block::Test, idp) if word(toks, 1) == Some("claims") => ListOwner::Claims(idp.to_owned()),
        _ => ListOwner::Unknown,
    }
}

/// One suggestion before it becomes a `CompletionItem`.
struct Candidate {
    label: String,
    kind: CompletionItemKind,
    detail: Option<String>,
}

fn words(list: &[&str], kind: CompletionItemKind) -> Vec<Candidate> {
    list.iter()
        .map(|w| Candidate {
            label: (*w).to_owned(),
            kind,
            detail: None,
        })
        .collect()
}

fn names<'a>(
    list: impl Iterator<Item = &'a str>,
    what: &str,
    kind: CompletionItemKind,
) -> Vec<Candidate> {
    list.map(|n| Candidate {
        label: n.to_owned(),
        kind,
        detail: Some(what.to_owned()),
    })
    .collect()
}

fn amr_values() -> Vec<Candidate> {
    Amr::ALL
        .iter()
        .map(|a| Candidate {
            label: a.as_str().to_owned(),
            kind: CompletionItemKind::ENUM_MEMBER,
            detail: Some(format!("AMR: {}", crate::hover::evidence_short(*a))),
        })
        .collect()
}

fn methods() -> Vec<Candidate> {
    CATALOGUE
        .iter()
        .map(|m| Candidate {
            label: m.name(),
            kind: CompletionItemKind::ENUM_MEMBER,
            detail: Some(crate::hover::method_short(m)),
        })
        .collect()
}

fn candidates(cx: Context, model: &Model) -> Vec<Candidate> {
    use CompletionItemKind as K;
    let groups = || {
        names(
            model.groups.iter().map(|n| n.name.as_str()),
            "group",
            K::VARIABLE,
        )
    };
    let zones = || {
        names(
            model.zones.iter().map(|n| n.name.as_str()),
            "zone",
            K::VARIABLE,
        )
    };
    let apps = || {
        names(
            model.apps.iter().map(|n| n.name.as_str()),
            "app",
            K::VARIABLE,
        )
    };
    let idps = || {
        model
            .idps
            .iter()
            .map(|i| Candidate {
                label: i.name.clone(),
                kind: K::VARIABLE,
                detail: Some(format!("idp ({})", i.kind)),
            })
            .collect::<Vec<_>>()
    };
    match cx {
        Context::Nothing => Vec::new(),
        Context::Top(toks) => match word(&toks, 0) {
            Some("authenticator") => {
                words(&AuthenticatorKind::ALL.map(|k| k.as_str()), K::ENUM_MEMBER)
            }
            Some(
                "org" | "group" | "zone" | "app" | "idp" | "route" | "session_policy" | "policy",
            ) => Vec::new(),
            _ => words(ITEMS, K::KEYWORD),
        },
        Context::List(owner) => match owner {
            ListOwner::Subject(s) => match s.as_str() {
                "group" => groups(),
                "zone" => zones(),
                "app" => apps(),
                "risk" => words(RISKS, K::ENUM_MEMBER),
                "platform" => words(PLATFORMS, K::ENUM_MEMBER),
                _ => Vec::new(),
            },
            ListOwner::Apps => apps(),
            ListOwner::Groups => groups(),
            ListOwner::Features => words(FEATURES, K::ENUM_MEMBER),
            ListOwner::Asserts(kind) => {
                let okta = kind
                    .as_deref()
                    .and_then(IdpKind::parse)
                    .map(IdpKind::is_okta);
                match okta {
                    Some(true) => methods().into_iter().chain(amr_values()).collect(),
                    Some(false) => amr_values(),
                    None => amr_values().into_iter().chain(methods()).collect(),
                }
            }
            ListOwner::Claims(idp) => {
                let okta = model.idp_named(&idp).map(|(_, i)| i.kind.is_okta());
                match okta {
                    Some(true) => methods().into_iter().chain(amr_values()).collect(),
                    _ => amr_values(),
                }
            }
            ListOwner::AuthenticatorMethods(kind) => AuthenticatorKind::parse(&kind)
                .map(|k| {
                    k.methods()
                        .filter_map(|m| m.method)
                        .map(|m| Candidate {
                            label: m.to_owned(),
                            kind: K::ENUM_MEMBER,
                            detail: None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            ListOwner::Methods | ListOwner::Chain => methods(),
            ListOwner::Constraints => PossessionConstraint::ALL
                .iter()
                .map(|c| Candidate {
                    label: c.as_str().to_owned(),
                    kind: K::ENUM_MEMBER,
                    detail: Some("possession constraint".to_owned()),
                })
                .collect(),
            ListOwner::Unknown => Vec::new(),
        },
        Context::Block(block, toks) => block_candidates(&block, &toks, model, &idps, &apps, &zones),
    }
}

fn block_candidates(
    block: &Block,
    toks: &[Tok],
    model: &Model,
    idps: &dyn Fn() -> Vec<Candidate>,
    apps: &dyn Fn() -> Vec<Candidate>,
    zones: &dyn Fn() -> Vec<Candidate>,
) -> Vec<Candidate> {
    use CompletionItemKind as K;
    let last = word(toks, 0);
    let values = |list: &[&str]| words(list, K::ENUM_MEMBER);
    // A value right after the setting that takes it.
    let value = match (block, last) {
        (Block::Org | Block::Idp, Some("engine")) => Some(values(ENGINES)),
        (Block::Idp, Some("kind")) => Some(values(&IdpKind::ALL.map(|k| k.as_str()))),
        (Block::Idp | Block::Authenticator(_) | Block::Rule { .. }, Some("status")) => {
            Some(values(STATUSES))
        }
        (Block::Idp, Some("trust_claims" | "map_amr_claims")) => Some(values(BOOLEANS)),
        (Block::Idp, Some("usage")) => Some(values(USAGES)),
        (
            Block::Idp,
            Some("issuer" | "audience" | "jwks" | "certificate" | "metadata" | "max_clock_skew"),
        ) => Some(Vec::new()),
        (Block::Authenticator(_), Some("enrollment")) => Some(values(ENROLLMENTS)),
        (Block::Authenticator(_), Some("used_for")) => Some(values(USED_FOR)),
        (Block::Route, Some("to")) => Some(idps()),
        (Block::Route, Some("when" | "and")) => Some(words(ROUTE_SUBJECTS, K::KEYWORD)),
        (Block::Rule { .. }, Some("when" | "and")) => Some(words(RULE_SUBJECTS, K::KEYWORD)),
        (
            Block::Route | Block::Rule { .. },
            Some("group" | "zone" | "risk" | "platform" | "domain" | "app"),
        ) => Some(words(&["in", "not in"], K::KEYWORD)),
        (_, Some("not")) => Some(words(&["in"], K::KEYWORD)),
        (Block::Rule { .. } | Block::User, Some("device")) => Some(values(DEVICE_STATES)),
        (Block::Rule { session: true }, Some("require")) => Some(values(SESSION_REQUIREMENTS)),
        (Block::Rule { session: false }, Some("require")) => Some(values(APP_REQUIREMENTS)),
        (Block::Rule { .. }, Some("methods")) => Some(words(METHOD_SETTINGS, K::KEYWORD)),
        (Block::Rule { .. }, Some("reauth")) => Some(values(REAUTH)),
        (Block::Test, Some("app")) => Some(apps()),
        (Block::Test, Some("claims")) => {
            let mut v = idps();
            v.extend(words(&["none"], K::KEYWORD));
            Some(v)
        }
        (Block::Test, Some("expect")) => Some(values(DECISIONS)),
        (Block::Test, Some("by")) => Some(
            model
                .rules()
                .map(|(_, r)| Candidate {
                    label: r.name.clone(),
                    kind: K::FUNCTION,
                    detail: Some("rule".to_owned()),
                })
                .collect(),
        ),
        (Block::Test, Some(d)) if word(toks, 1) == Some("expect") && DECISIONS.contains(&d) => {
            Some(words(&["by", "with"], K::KEYWORD))
        }
        (Block::User, Some("zone")) => Some(zones()),
        (Block::User, Some("risk")) => Some(values(RISKS)),
        (Block::User, Some("platform")) => Some(values(PLATFORMS)),
        _ => None,
    };
    if let Some(v) = value {
        return v;
    }
    let mut settings = match block {
        Block::Org => words(ORG_SETTINGS, K::KEYWORD),
        Block::Authenticator(_) => words(AUTHENTICATOR_SETTINGS, K::KEYWORD),
        Block::Idp => words(IDP_SETTINGS, K::KEYWORD),
        Block::Route => words(ROUTE_SETTINGS, K::KEYWORD),
        Block::SessionPolicy => words(&["priority", "rule"], K::KEYWORD),
        Block::Policy => words(&["apps", "rule"], K::KEYWORD),
        Block::Rule { .. } => words(RULE_SETTINGS, K::KEYWORD),
        Block::Test => words(TEST_SETTINGS, K::KEYWORD),
        Block::User => words(USER_FIELDS, K::KEYWORD),
        Block::Decl | Block::Unknown => Vec::new(),
    };
    // After a condition, `and` continues the `when`.
    let in_when = toks
        .iter()
        .rev()
        .find_map(|t| match t {
            Tok::Word(w) if RULE_SETTINGS.contains(&w.as_str()) || w == "to" || w == "priority" => {
                Some(w == "when")
            }
            _ => None,
        })
        .unwrap_or(false);
    let after_condition =
        matches!(toks.last(), Some(Tok::Group)) || matches!(last, Some("registered" | "managed"));
    if matches!(block, Block::Rule { .. } | Block::Route) && in_when && after_condition {
        settings.insert(
            0,
            Candidate {
                label: "and".to_owned(),
                kind: K::KEYWORD,
                detail: None,
            },
        );
    }
    settings
}

/// Completions at `pos`; each replaces the word (dots included) before the cursor.
pub fn complete(
    text: &str,
    index: &LineIndex,
    pos: Position,
    model: &Model,
) -> Vec<CompletionItem> {
    let offset = index.offset(text, pos);
    let bytes = text.as_bytes();
    let mut start = offset;
    while start > 0 && bytes.get(start - 1).is_some_and(|b| is_word_byte(*b)) {
        start -= 1;
    }
    let before = text.get(..start).unwrap_or("");
    let cx = context(before);
    let range = Range {
        start: index.position(text, start),
        end: index.position(text, offset),
    };
    candidates(cx, model)
        .into_iter()
        .enumerate()
        .map(|(i, c)| CompletionItem {
            label: c.label.clone(),
            kind: Some(c.kind),
            detail: c.detail,
            sort_text: Some(format!("{i:04}")),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: c.label,
            })),
            documentation: None::<Documentation>,
            ..Default::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        let cursor = text.find('|').unwrap();
        let text = text.replace('|', "");
        let idx = LineIndex::new(&text);
        let pos = idx.position(&text, cursor);
        let compiled = policyc::compile({
            let mut s = policyc::source::Sources::new();
            s.add(policyc::source::SourceFile::new("a.policy", text.clone()));
            s
        });
        complete(&text, &idx, pos, &compiled.model)
            .into_iter()
            .map(|c| c.label)
            .collect()
    }

    #[test]
    fn contexts() {
        assert!(labels("|").contains(&"policy".to_owned()));
        assert_eq!(
            labels("idp x {\n  kind |\n}"),
            ["okta_oidc", "okta_saml", "oidc", "saml"]
        );
        assert_eq!(labels("idp x { status in| }"), ["active", "inactive"]);
        assert_eq!(
            labels("group admins\ngroup eng\npolicy p { rule r { when group in [adm|] } }"),
            ["admins", "eng"]
        );
        assert!(labels("idp x { kind saml asserts [p|").contains(&"pwd".to_owned()));
        assert!(!labels("idp x { kind saml asserts [|").contains(&"okta_verify.push".to_owned()));
        assert!(
            labels("policy p { rule r { methods only [okta_verify.|")
                .contains(&"okta_verify.push".to_owned())
        );
        assert_eq!(labels("authenticator phone { methods [|"), ["sms", "voice"]);
        assert!(
            labels("policy p { rule r { possession [|").contains(&"phishing_resistant".to_owned())
        );
        assert_eq!(
            labels("policy p { rule r { when device registered |")[0],
            "and"
        );
        assert!(labels("policy p { rule r { |").contains(&"require".to_owned()));
        assert!(labels("policy p { rule r { |").contains(&"status".to_owned()));
        assert_eq!(
            labels("policy p { rule r { require password status |"),
            ["active", "inactive"]
        );
        assert_eq!(
            labels("session_policy s { rule r { deny status in| }"),
            ["active", "inactive"]
        );
        assert!(labels("session_policy p { rule r { require |").contains(&"mfa".to_owned()));
        assert_eq!(labels("session_policy p { |"), ["priority", "rule"]);
        assert_eq!(
            labels("route r { when domain in [\"a.example\"] |"),
            ["and", "when", "to", "priority"]
        );
        assert!(labels("authenticator |").contains(&"okta_verify".to_owned()));
        assert_eq!(labels("test \"t\" { expect allow |"), ["by", "with"]);
        assert_eq!(labels("idp x { issuer \"a|"), Vec::<String>::new());
        let idp_settings = labels("idp x {\n  kind saml\n  |\n}");
        assert!(
            idp_settings.contains(&"certificate".to_owned()),
            "{idp_settings:?}"
        );
        assert!(
            idp_settings.contains(&"metadata".to_owned()),
            "{idp_settings:?}"
        );
        assert_eq!(labels("idp x { certificate |"), Vec::<String>::new());
        assert_eq!(labels("idp x { metadata \"k|"), Vec::<String>::new());
        assert!(labels("# comment { [\n|").contains(&"org".to_owned()));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let text = format!("policy p {{ apps {}|", "[".repeat(100_000));
        assert_eq!(labels(&text), Vec::<String>::new());
    }
}
