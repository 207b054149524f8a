//! Every name in a policy set, where it is defined and where it is used, read from the ASTs.
//! Go to definition, find references, hover and the "declare" code action all start here.

use policyc::Compiled;
use policyc::model::catalogue::Amr;
use policyc::source::{FileId, Loc, Span};
use policyc::syntax::ast::{
    AuthenticatorSetting, Condition, DeclarationKind, IdpSetting, Item, List, MethodsSetting,
    OrgSetting, Path, Requirement, RouteSetting, Rule, RuleSetting, TestSetting, UserField, Value,
};

/// What a name names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Org(String),
    Group(String),
    Zone(String),
    App(String),
    Idp(String),
    /// An authenticator kind (`okta_verify`).
    Authenticator(String),
    /// `kind.method` (`okta_verify.push`).
    Method(String),
    Route(String),
    /// A session or app sign-on policy.
    Policy(String),
    /// A rule of a policy; `policy` is empty for a `by` that names no known rule.
    Rule {
        policy: String,
        rule: String,
    },
    Amr(String),
    Constraint(String),
    Feature(String),
    Test(String),
}

impl Key {
    /// The declaration keyword for names that `group x` / `zone x` / `app x` declare.
    pub fn declaration_keyword(&self) -> Option<(&'static str, &str)> {
        match self {
            Key::Group(n) => Some(("group", n)),
            Key::Zone(n) => Some(("zone", n)),
            Key::App(n) => Some(("app", n)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub key: Key,
    pub loc: Loc,
    /// This is where the name is defined (a declaration, an item's or a rule's name).
    pub def: bool,
}

#[derive(Debug, Default)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    pub fn build(compiled: &Compiled) -> Index {
        let mut b = Builder {
            compiled,
            file: FileId(0),
            out: Vec::new(),
        };
        for (i, ast) in compiled.asts.iter().enumerate() {
            b.file = FileId(u32::try_from(i).unwrap_or(u32::MAX));
            for item in &ast.items {
                b.item(item);
            }
        }
        Index { occurrences: b.out }
    }

    /// The name under a byte offset (an offset just past a name still counts).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        let hits = self.occurrences.iter().filter(|o| {
            o.loc.file == file && o.loc.span.start <= offset && offset <= o.loc.span.end
        });
        // The narrowest one: `okta_verify` in `okta_verify.push` over nothing wider.
        hits.min_by_key(|o| o.loc.span.len())
    }

    pub fn definitions<'a>(&'a self, key: &'a Key) -> impl Iterator<Item = &'a Occurrence> + 'a {
        let target = match key {
            // A method is defined by its authenticator's block.
            Key::Method(m) => Key::Authenticator(m.split('.').next().unwrap_or(m).to_owned()),
            other => other.clone(),
        };
        self.occurrences
            .iter()
            .filter(move |o| o.def && o.key == target)
    }

    pub fn references<'a>(&'a self, key: &'a Key) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences.iter().filter(move |o| &o.key == key)
    }
}

struct Builder<'a> {
    compiled: &'a Compiled,
    file: FileId,
    out: Vec<Occurrence>,
}

impl Builder<'_> {
    fn push(&mut self, key: Key, span: Span, def: bool) {
        self.out.push(Occurrence {
            key,
            loc: Loc::new(self.file, span),
            def,
        });
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Org(org) => {
                self.push(Key::Org(org.name.text.clone()), org.name.span, true);
                for s in &org.settings {
                    if let OrgSetting::Features(list) = &s.node {
                        for p in paths(list) {
                            self.push(Key::Feature(p.text()), p.span, false);
                        }
                    }
                }
            }
            Item::Declaration(d) => {
                let key = match d.kind {
                    DeclarationKind::Group => Key::Group(d.name.text.clone()),
                    DeclarationKind::Zone => Key::Zone(d.name.text.clone()),
                    DeclarationKind::App => Key::App(d.name.text.clone()),
                };
                self.push(key, d.name.span, true);
            }
            Item::Authenticator(a) => {
                let kind = a.kind.text.clone();
                self.push(Key::Authenticator(kind.clone()), a.kind.span, true);
                for s in &a.settings {
                    if let AuthenticatorSetting::Methods(list) = &s.node {
                        for p in paths(list) {
                            self.push(
                                Key::Method(format!("{kind}.{}", p.head.text)),
                                p.span,
                                false,
                            );
                        }
                    }
                }
            }
            Item::Idp(idp) => {
                self.push(Key::Idp(idp.name.text.clone()), idp.name.span, true);
                for s in &idp.settings {
                    if let IdpSetting::Asserts(list) = &s.node {
                        self.amr_list(list);
                    }
                }
            }
            Item::Route(r) => {
                self.push(Key::Route(r.name.text.clone()), r.name.span, true);
                for s in &r.settings {
                    match &s.node {
                        RouteSetting::When(conds) => self.conditions(conds),
                        RouteSetting::To(idp) => {
                            self.push(Key::Idp(idp.text.clone()), idp.span, false)
                        }
                        RouteSetting::Priority(_) => {}
                    }
                }
            }
            Item::SessionPolicy(p) => {
                self.push(Key::Policy(p.name.text.clone()), p.name.span, true);
                for r in &p.rules {
                    self.rule(&p.name.text, r);
                }
            }
            Item::Policy(p) => {
                self.push(Key::Policy(p.name.text.clone()), p.name.span, true);
                for list in &p.apps {
                    for v in paths(&list.node) {
                        self.push(Key::App(v.head.text.clone()), v.head.span, false);
                    }
                }
                for r in &p.rules {
                    self.rule(&p.name.text, r);
                }
            }
            Item::Test(t) => {
                self.push(Key::Test(t.title.value.clone()), t.title.span, true);
                let mut app = None;
                for s in &t.settings {
                    match &s.node {
                        TestSetting::App(a) => {
                            app = Some(a.text.clone());
                            self.push(Key::App(a.text.clone()), a.span, false);
                        }
                        TestSetting::User(fields) => {
                            for f in fields {
                                match &f.node {
                                    UserField::Groups(list) => {
                                        for p in paths(list) {
                                            self.push(
                                                Key::Group(p.head.text.clone()),
                                                p.head.span,
                                                false,
                                            );
                                        }
                                    }
                                    UserField::Zone(z) => {
                                        self.push(Key::Zone(z.text.clone()), z.span, false)
                                    }
                                    _ => {}
                                }
                            }
                        }
                        TestSetting::Claims { idp, amr } => {
                            if idp.text != "none" {
                                self.push(Key::Idp(idp.text.clone()), idp.span, false);
                            }
                            if let Some(list) = amr {
                                self.amr_list(list);
                            }
                        }
                        TestSetting::Expect { by, with, .. } => {
                            if let Some(by) = by {
                                let key = self.resolve_rule(app.as_deref(), &by.text);
                                // `by POLICY.RULE`: the policy and the rule are two names.
                                match by.text.split_once('.') {
                                    Some((policy, _)) => {
                                        let cut = by.span.start as usize + policy.len();
                                        self.push(
                                            Key::Policy(policy.to_owned()),
                                            Span::new(by.span.start as usize, cut),
                                            false,
                                        );
                                        self.push(
                                            key,
                                            Span::new(cut + 1, by.span.end as usize),
                                            false,
                                        );
                                    }
                                    None => self.push(key, by.span, false),
                                }
                            }
                            if let Some(list) = with {
                                for p in paths(list) {
                                    self.method_path(p);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn rule(&mut self, policy: &str, rule: &Rule) {
        self.push(
            Key::Rule {
                policy: policy.to_owned(),
                rule: rule.name.text.clone(),
            },
            rule.name.span,
            true,
        );
        for s in &rule.settings {
            match &s.node {
                RuleSetting::When(conds) => self.conditions(conds),
                RuleSetting::Possession(list) => {
                    for p in paths(list) {
                        self.push(Key::Constraint(p.text()), p.span, false);
                    }
                }
                RuleSetting::Methods(MethodsSetting::Only(list) | MethodsSetting::Except(list)) => {
                    for p in paths(list) {
                        self.method_path(p);
                    }
                }
                RuleSetting::Require(Requirement::Chain(lists)) => {
                    for list in lists {
                        for p in paths(list) {
                            self.method_path(p);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn conditions(&mut self, conds: &[Condition]) {
        for c in conds {
            if let Condition::Membership { subject, list, .. } = c {
                let make: fn(String) -> Key = match subject.text.as_str() {
                    "group" => Key::Group,
                    "zone" => Key::Zone,
                    "app" => Key::App,
                    _ => continue,
                };
                for p in paths(list) {
                    self.push(make(p.head.text.clone()), p.head.span, false);
                }
            }
        }
    }

    /// `asserts [..]` and `claims IDP [..]`: AMR values, or `kind.method` for Okta IdPs.
    fn amr_list(&mut self, list: &List) {
        for p in paths(list) {
            if p.member.is_none() && Amr::parse(&p.head.text).is_some() {
                self.push(Key::Amr(p.head.text.clone()), p.span, false);
            } else {
                self.method_path(p);
            }
        }
    }

    fn method_path(&mut self, p: &Path) {
        self.push(Key::Authenticator(p.head.text.clone()), p.head.span, false);
        if let Some(m) = &p.member {
            self.push(Key::Method(p.text()), m.span, false);
        }
    }

    /// `expect .. by NAME` names a rule of the test app's policy, else a session rule;
    /// `by POLICY.RULE` names one explicitly (as `policyc test` reads it).
    fn resolve_rule(&self, app: Option<&str>, by: &str) -> Key {
        let model = &self.compiled.model;
        let (qualifier, name) = match by.split_once('.') {
            Some((p, r)) => (Some(p), r),
            None => (None, by),
        };
        let has = |rules: &[policyc::model::Rule]| rules.iter().any(|r| r.name == name);
        let app_policy = app
            .and_then(|a| model.apps.iter().position(|n| n.name == a))
            .and_then(|i| u32::try_from(i).ok())
            .and_then(|i| model.policy_of_app(policyc::model::AppId(i)))
            .map(|(_, p)| p);
        let policy = match qualifier {
            Some(q) => Some(q.to_owned()),
            None => match app_policy {
                Some(p) if has(&p.rules) => Some(p.name.clone()),
                _ => model
                    .session_policies
                    .iter()
                    .find(|p| has(&p.rules))
                    .map(|p| p.name.clone()),
            },
        };
        Key::Rule {
            policy: policy.unwrap_or_default(),
            rule: name.to_owned(),
        }
    }
}

fn paths(list: &List) -> impl Iterator<Item = &Path> {
    list.values.iter().filter_map(|v| match v {
        Value::Path(p) => Some(p),
        Value::Str(_) => None,
    })
}
