//! AST → model: resolve every name, check every value, report what does not make sense.
//!
//! Two passes over all files: the first declares every name (so references may point forward
//! and across files), the second lowers items and resolves their references. Lowering never
//! stops at an error: a bad value is reported and left out, and the rest still lowers.

use super::priority;
use super::reading;
use super::values::*;
use super::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::suggest;
use crate::syntax::ast;
use catalogue::{AuthenticatorKind, IdpKind, lookup_method};
use std::collections::HashMap;

/// Lowers the ASTs of a policy set (in the order given) into one model.
pub fn lower(files: &[(FileId, &ast::SourceFileAst)]) -> (Model, Vec<Diagnostic>) {
    let mut cx = Lowerer::default();
    for (file, ast) in files {
        cx.file = *file;
        for item in &ast.items {
            cx.declare(item);
        }
        for broken in &ast.unparsed {
            if let Some(name) = &broken.name {
                cx.unparsed_names
                    .insert((broken.keyword.clone(), name.text.clone()));
            }
        }
    }
    for (file, ast) in files {
        cx.file = *file;
        for item in &ast.items {
            cx.item(item);
        }
    }
    // An `org` that failed to parse was reported already; do not also say there is none.
    let org_unparsed = files
        .iter()
        .any(|(_, ast)| ast.unparsed.iter().any(|u| u.keyword == "org"));
    if cx.model.org.is_none() && !org_unparsed {
        let first = files.first().map_or(FileId(0), |(f, _)| *f);
        cx.diagnostics.push(
            Diagnostic::new(Code::MissingOrg, Loc::new(first, Span::default()), "the policy set has no `org`")
                .with_label("no `org` in any file")
                .with_help("declare the SP org once, e.g. `org acme { engine identity  features [okta_to_okta_claims_sharing, third_party_claims_sharing] }`"),
        );
    }
    cx.check_test_rule_references();
    let (mut model, mut diagnostics) = (cx.model, cx.diagnostics);
    diagnostics.extend(priority::order(
        &mut model.session_policies,
        |p| (p.priority, p.loc, p.name.as_str()),
        priority::Kind::SessionPolicy,
    ));
    diagnostics.extend(priority::order(
        &mut model.routes,
        |r| (r.priority, r.loc, r.name.as_str()),
        priority::Kind::Route,
    ));
    (model, diagnostics)
}

#[derive(Default)]
struct Lowerer {
    file: FileId,
    model: Model,
    diagnostics: Vec<Diagnostic>,
    groups: HashMap<String, GroupId>,
    zones: HashMap<String, ZoneId>,
    apps: HashMap<String, AppId>,
    idps: HashMap<String, (IdpId, Loc)>,
    routes: HashMap<String, Loc>,
    policy_names: HashMap<String, Loc>,
    tests: HashMap<String, Loc>,
    authenticator_kinds: HashMap<AuthenticatorKind, Loc>,
    /// Which policy each app is assigned to, and where.
    app_policy: HashMap<AppId, (String, Loc)>,
    /// `keyword name` of items that did not parse: references to them are not reported.
    unparsed_names: std::collections::HashSet<(String, String)>,
    /// `expect .. by RULE` references, checked once every rule is known.
    test_rule_refs: Vec<(Option<AppId>, Named)>,
    /// The declared names of each kind indexed for did-you-mean (built on the first unknown
    /// name of the kind, with the number of names it was built from).
    suggesters: HashMap<&'static str, (usize, suggest::Suggester)>,
    /// Unknown names given a did-you-mean, per file: past [`MAX_SUGGESTIONS_PER_FILE`] a
    /// file's unknown names are reported without one, so that thousands of them stay cheap.
    suggested: HashMap<FileId, usize>,
}

/// How many unknown names of one file get a did-you-mean; the rest are reported without.
const MAX_SUGGESTIONS_PER_FILE: usize = 100;

/// What kind of name a reference is to, for messages.
#[derive(Clone, Copy)]
enum NameKind {
    Group,
    Zone,
    App,
    Idp,
}

impl NameKind {
    fn as_str(self) -> &'static str {
        match self {
            NameKind::Group => "group",
            NameKind::Zone => "zone",
            NameKind::App => "app",
            NameKind::Idp => "IdP",
        }
    }

    fn declare_hint(self, name: &str) -> String {
        match self {
            NameKind::Group => format!("declare it with `group {name}`"),
            NameKind::Zone => format!("declare it with `zone {name}`"),
            NameKind::App => format!("declare it with `app {name}`"),
            NameKind::Idp => format!("declare it with `idp {name} {{ kind .. }}`"),
        }
    }
}

/// Where in a policy a rule sits, which decides the requirements and conditions it may use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RuleContext {
    Session,
    App,
}

impl Lowerer {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.file, span)
    }

    fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Reports a second definition of `name` in a namespace, pointing at both.
    fn duplicate(&mut self, what: &str, name: &str, span: Span, first: Loc) {
        let d = Diagnostic::new(
            Code::DuplicateDefinition,
            self.loc(span),
            format!("{what} `{name}` is defined twice"),
        )
        .with_label("second definition")
        .with_related(first, "first defined here")
        .with_help("rename one of them or remove the duplicate");
        self.report(d);
    }

    // --- pass 1: names ------------------------------------------------------------------------

    fn declare(&mut self, item: &ast::Item) {
        match item {
            ast::Item::Declaration(decl) => {
                let named = Named {
                    name: decl.name.text.clone(),
                    loc: self.loc(decl.name.span),
                };
                // Look up through the name maps: a linear scan would be quadratic in the
                // number of declarations.
                let existing = match decl.kind {
                    ast::DeclarationKind::Group => self.groups.get(&named.name).map(|g| g.0),
                    ast::DeclarationKind::Zone => self.zones.get(&named.name).map(|z| z.0),
                    ast::DeclarationKind::App => self.apps.get(&named.name).map(|a| a.0),
                };
                let (list, kind) = match decl.kind {
                    ast::DeclarationKind::Group => (&mut self.model.groups, "group"),
                    ast::DeclarationKind::Zone => (&mut self.model.zones, "zone"),
                    ast::DeclarationKind::App => (&mut self.model.apps, "app"),
                };
                if let Some(first) = existing.and_then(|i| list.get(i as usize)) {
                    let first = first.loc;
                    self.duplicate(kind, &decl.name.text, decl.name.span, first);
                    return;
                }
                let id = list.len() as u32;
                list.push(named);
                let name = decl.name.text.clone();
                match decl.kind {
                    ast::DeclarationKind::Group => self.groups.insert(name, GroupId(id)),
                    ast::DeclarationKind::Zone => {
                        self.zones.insert(name, ZoneId(id)).map(|z| GroupId(z.0))
                    }
                    ast::DeclarationKind::App => {
                        self.apps.insert(name, AppId(id)).map(|a| GroupId(a.0))
                    }
                };
            }
            ast::Item::Idp(idp) => {
                let loc = self.loc(idp.name.span);
                if let Some((_, first)) = self.idps.get(&idp.name.text) {
                    let first = *first;
                    self.duplicate("IdP", &idp.name.text, idp.name.span, first);
                    return;
                }
                let id = IdpId(self.idps.len() as u32);
                self.idps.insert(idp.name.text.clone(), (id, loc));
            }
            _ => {}
        }
    }

    fn resolve(&mut self, kind: NameKind, ident: &ast::Ident) -> Option<u32> {
        let found = match kind {
            NameKind::Group => self.groups.get(&ident.text).map(|g| g.0),
            NameKind::Zone => self.zones.get(&ident.text).map(|z| z.0),
            NameKind::App => self.apps.get(&ident.text).map(|a| a.0),
            NameKind::Idp => self.idps.get(&ident.text).map(|(i, _)| i.0),
        };
        let keyword = match kind {
            NameKind::Group => "group",
            NameKind::Zone => "zone",
            NameKind::App => "app",
            NameKind::Idp => "idp",
        };
        let in_broken_item = found.is_none()
            && self
                .unparsed_names
                .contains(&(keyword.to_owned(), ident.text.clone()));
        if found.is_none() && !in_broken_item {
            let suggestion = self.suggest(kind, keyword, &ident.text);
            let mut d = Diagnostic::new(
                Code::UnknownReference,
                self.loc(ident.span),
                format!("unknown {} `{}`", kind.as_str(), ident.text),
            )
            .with_label(format!("no {} is declared with this name", kind.as_str()));
            d = match suggestion {
                Some(s) => d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_fix(self.loc(ident.span), s),
                None => d.with_help(kind.declare_hint(&ident.text)),
            };
            self.report(d);
        }
        found
    }

    /// A declared name of `kind` close to `word`, within the file's suggestion budget.
    fn suggest(&mut self, kind: NameKind, keyword: &'static str, word: &str) -> Option<String> {
        let given = self.suggested.entry(self.file).or_default();
        if *given >= MAX_SUGGESTIONS_PER_FILE {
            return None;
        }
        *given += 1;
        let count = match kind {
            NameKind::Group => self.groups.len(),
            NameKind::Zone => self.zones.len(),
            NameKind::App => self.apps.len(),
            NameKind::Idp => self.idps.len(),
        };
        let cached = self
            .suggesters
            .get(keyword)
            .is_some_and(|(n, _)| *n == count);
        if !cached {
            let suggester = match kind {
                NameKind::Group => suggest::Suggester::new(self.groups.keys().map(String::as_str)),
                NameKind::Zone => suggest::Suggester::new(self.zones.keys().map(String::as_str)),
                NameKind::App => suggest::Suggester::new(self.apps.keys().map(String::as_str)),
                NameKind::Idp => suggest::Suggester::new(self.idps.keys().map(String::as_str)),
            };
            self.suggesters.insert(keyword, (count, suggester));
        }
        let (_, suggester) = self.suggesters.get(keyword)?;
        suggester.closest(word).map(str::to_owned)
    }

    // --- values -------------------------------------------------------------------------------

    /// Looks `ident` up in a table of accepted words; reports `invalid-value` otherwise.
    fn choice<T: Copy>(
        &mut self,
        ident: &ast::Ident,
        what: &str,
        table: &[(&str, T)],
    ) -> Option<T> {
        if let Some((_, v)) = table.iter().find(|(w, _)| *w == ident.text) {
            return Some(*v);
        }
        let words: Vec<&str> = table.iter().map(|(w, _)| *w).collect();
        let expected = words
            .iter()
            .map(|w| format!("`{w}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut d = Diagnostic::new(
            Code::InvalidValue,
            self.loc(ident.span),
            format!("`{}` is not a valid {what}", ident.text),
        )
        .with_label(format!("expected one of {expected}"));
        // Words from other tools' configuration that mean one of ours.
        const SYNONYMS: &[(&str, &str)] = &[
            ("enabled", "active"),
            ("disabled", "inactive"),
            ("yes", "true"),
            ("on", "true"),
            ("no", "false"),
            ("off", "false"),
        ];
        let synonym = SYNONYMS
            .iter()
            .find(|(w, ours)| ident.text.eq_ignore_ascii_case(w) && words.contains(ours))
            .map(|(_, ours)| *ours);
        if let Some(s) = synonym.or_else(|| suggest::closest(&ident.text, words.iter().copied())) {
            d = d
                .with_help(format!("did you mean `{s}`?"))
                .with_fix(self.loc(ident.span), s);
        }
        self.report(d);
        None
    }

    /// The names of a list; strings and `a.b` paths are reported where a plain name is needed.
    fn names<'l>(&mut self, list: &'l ast::List, what: &str) -> Vec<&'l ast::Ident> {
        let mut out = Vec::new();
        for value in &list.values {
            match value {
                ast::Value::Path(ast::Path {
                    head, member: None, ..
                }) => out.push(head),
                other => {
                    let d = Diagnostic::new(
                        Code::InvalidValue,
                        self.loc(other.span()),
                        format!("expected {what}, found {}", describe_value(other)),
                    )
                    .with_label(format!("not {what}"));
                    let d = match other {
                        ast::Value::Str(lit) if is_name(&lit.value) => d
                            .with_help("names are written without quotes")
                            .with_fix(self.loc(lit.span), lit.value.clone()),
                        _ => d,
                    };
                    self.report(d);
                }
            }
        }
        out
    }

    fn choices<T: Copy>(&mut self, list: &ast::List, what: &str, table: &[(&str, T)]) -> Vec<T> {
        let names = self.names(list, &format!("a {what}"));
        names
            .into_iter()
            .filter_map(|n| self.choice(n, what, table))
            .collect()
    }

    fn duration(&mut self, ident: &ast::Ident, what: &str) -> Option<u64> {
        match duration_secs(&ident.text) {
            Ok(secs) => Some(secs),
            Err(why) => {
                let d = Diagnostic::new(
                    Code::InvalidValue,
                    self.loc(ident.span),
                    format!("`{}` is not a valid {what}", ident.text),
                )
                .with_label(why)
                .with_help(
                    "write a number followed by `s`, `m`, `h` or `d`, such as `30m`, `2h` or `1d`",
                );
                self.report(d);
                None
            }
        }
    }

    /// Reports a setting given twice in one block; returns whether this is the first time.
    fn first_time(
        &mut self,
        seen: &mut Vec<(&'static str, Span)>,
        key: &'static str,
        span: Span,
        block: &str,
    ) -> bool {
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            let d = Diagnostic::new(
                Code::DuplicateDefinition,
                self.loc(span),
                format!("`{key}` is set twice in {block}"),
            )
            .with_label("set again here")
            .with_related(self.loc(*first), "first set here")
            .with_help("keep one of them");
            self.report(d);
            return false;
        }
        seen.push((key, span));
        true
    }

    fn missing(&mut self, span: Span, what: &str, block: String, example: &str) {
        let d = Diagnostic::new(
            Code::MissingSetting,
            self.loc(span),
            format!("{block} has no `{what}`"),
        )
        .with_label(format!("`{what}` is required here"))
        .with_help(format!("add `{example}`"));
        self.report(d);
    }

    /// `kind` or `kind.method` → the methods it names (a bare kind names all its methods when
    /// `whole_kind` is set, and otherwise only a single-method kind).
    /// `single` names where one method is needed, for the message when a kind has several
    /// (`a method chain`, `a test's `with``).
    fn method_ref(&mut self, path: &ast::Path, whole_kind: bool, single: &str) -> Vec<MethodId> {
        let Some(kind) = self.authenticator_kind(&path.head) else {
            return Vec::new();
        };
        match &path.member {
            None if whole_kind => kind.methods().map(|m| MethodId(m.index() as u8)).collect(),
            None => match lookup_method(kind, None) {
                Some(m) => vec![MethodId(m.index() as u8)],
                None => {
                    let names: Vec<String> =
                        kind.methods().map(|m| format!("`{}`", m.name())).collect();
                    let d = Diagnostic::new(
                        Code::UnknownAuthenticatorMethod,
                        self.loc(path.span),
                        format!("`{kind}` has several methods; {single} needs one"),
                    )
                    .with_label("name a method")
                    .with_help(format!("use one of {}", names.join(", ")));
                    self.report(d);
                    Vec::new()
                }
            },
            Some(member) => match lookup_method(kind, Some(&member.text)) {
                Some(m) => vec![MethodId(m.index() as u8)],
                None => {
                    self.unknown_method(kind, member);
                    Vec::new()
                }
            },
        }
    }

    fn authenticator_kind(&mut self, ident: &ast::Ident) -> Option<AuthenticatorKind> {
        let kind = AuthenticatorKind::parse(&ident.text);
        if kind.is_none() {
            let words = AuthenticatorKind::ALL.map(AuthenticatorKind::as_str);
            let mut d = Diagnostic::new(
                Code::UnknownAuthenticatorMethod,
                self.loc(ident.span),
                format!("unknown authenticator `{}`", ident.text),
            )
            .with_label("not in the built-in authenticator catalogue");
            d = match suggest::closest(&ident.text, words) {
                Some(s) => d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_fix(self.loc(ident.span), s),
                None => d.with_help(format!(
                    "the catalogue has {}",
                    words.map(|w| format!("`{w}`")).join(", ")
                )),
            };
            self.report(d);
        }
        kind
    }

    fn unknown_method(&mut self, kind: AuthenticatorKind, member: &ast::Ident) {
        let methods: Vec<&str> = kind.methods().filter_map(|m| m.method).collect();
        let mut d = Diagnostic::new(
            Code::UnknownAuthenticatorMethod,
            self.loc(member.span),
            format!("`{kind}` has no method `{}`", member.text),
        )
        .with_label(format!("not a method of `{kind}`"));
        d = match (
            suggest::closest(&member.text, methods.iter().copied()),
            methods.is_empty(),
        ) {
            (Some(s), _) => d
                .with_help(format!("did you mean `{s}`?"))
                .with_fix(self.loc(member.span), s),
            (None, true) => d.with_help(format!(
                "`{kind}` has a single method: write `{kind}` alone"
            )),
            (None, false) => d.with_help(format!(
                "`{kind}` has the methods {}",
                methods
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.report(d);
    }

    fn method_list(&mut self, list: &ast::List, whole_kind: bool, single: &str) -> Vec<MethodId> {
        let mut out = Vec::new();
        for value in &list.values {
            match value {
                ast::Value::Path(path) => {
                    for m in self.method_ref(path, whole_kind, single) {
                        if !out.contains(&m) {
                            out.push(m);
                        }
                    }
                }
                ast::Value::Str(s) => {
                    let d = Diagnostic::new(
                        Code::InvalidValue,
                        self.loc(s.span),
                        "expected an authenticator method, found a string",
                    )
                    .with_label("write the method without quotes, such as `okta_verify.push`");
                    self.report(d);
                }
            }
        }
        out
    }

    // --- pass 2: items ------------------------------------------------------------------------

    fn item(&mut self, item: &ast::Item) {
        match item {
            ast::Item::Org(org) => self.org(org),
            ast::Item::Declaration(_) => {}
            ast::Item::Authenticator(a) => self.authenticator(a),
            ast::Item::Idp(idp) => self.idp(idp),
            ast::Item::Route(route) => self.route(route),
            ast::Item::SessionPolicy(sp) => self.session_policy(sp),
            ast::Item::Policy(policy) => self.policy(policy),
            ast::Item::Test(test) => self.test(test),
        }
    }

    fn org(&mut self, org: &ast::Org) {
        if let Some(first) = &self.model.org {
            let first = first.loc;
            let d = Diagnostic::new(
                Code::DuplicateDefinition,
                self.loc(org.name.span),
                "a policy set has one `org`",
            )
            .with_label("second `org`")
            .with_related(first, "the `org` is declared here")
            .with_help("merge the two `org` blocks");
            self.report(d);
            return;
        }
        let mut out = Org {
            name: org.name.text.clone(),
            loc: self.loc(org.name.span),
            engine: Engine::Identity,
            features: Features::default(),
            feature_locs: Vec::new(),
            features_loc: None,
        };
        let block = format!("org `{}`", org.name.text);
        let mut seen = Vec::new();
        for setting in &org.settings {
            match &setting.node {
                ast::OrgSetting::Engine(e) => {
                    if self.first_time(&mut seen, "engine", setting.span, &block) {
                        out.engine = self.choice(e, "engine", ENGINES).unwrap_or_default();
                    }
                }
                ast::OrgSetting::Features(list) => {
                    if !self.first_time(&mut seen, "features", setting.span, &block) {
                        continue;
                    }
                    out.features_loc = Some(self.loc(setting.span));
                    for name in self.names(list, "a feature") {
                        let Some(feature) = self.choice(name, "feature", FEATURES) else {
                            continue;
                        };
                        out.features = out.features.with(feature);
                        out.feature_locs.push((feature, self.loc(name.span)));
                    }
                }
            }
        }
        self.model.org = Some(out);
    }

    fn authenticator(&mut self, a: &ast::Authenticator) {
        let Some(kind) = self.authenticator_kind(&a.kind) else {
            return;
        };
        let loc = self.loc(a.kind.span);
        if let Some(first) = self.authenticator_kinds.get(&kind) {
            let first = *first;
            self.duplicate("authenticator", kind.as_str(), a.kind.span, first);
            return;
        }
        self.authenticator_kinds.insert(kind, loc);
        let mut out = Authenticator {
            kind,
            loc,
            methods: kind.methods().map(|m| MethodId(m.index() as u8)).collect(),
            status: Status::Active,
            enrollment: Enrollment::Allowed,
            used_for: UsedFor::Recovery,
        };
        let block = format!("authenticator `{kind}`");
        let mut seen = Vec::new();
        for setting in &a.settings {
            match &setting.node {
                ast::AuthenticatorSetting::Methods(list) => {
                    if self.first_time(&mut seen, "methods", setting.span, &block) {
                        out.methods = self.authenticator_methods(kind, list);
                    }
                }
                ast::AuthenticatorSetting::Status(s) => {
                    if self.first_time(&mut seen, "status", setting.span, &block) {
                        out.status = self.choice(s, "status", STATUSES).unwrap_or_default();
                    }
                }
                ast::AuthenticatorSetting::Enrollment(e) => {
                    if self.first_time(&mut seen, "enrollment", setting.span, &block) {
                        out.enrollment = self
                            .choice(e, "enrollment", ENROLLMENTS)
                            .unwrap_or_default();
                    }
                }
                ast::AuthenticatorSetting::UsedFor(u) => {
                    if !self.first_time(&mut seen, "used_for", setting.span, &block) {
                        continue;
                    }
                    if kind != AuthenticatorKind::SecurityQuestion {
                        let d = Diagnostic::new(
                            Code::InvalidValue,
                            self.loc(setting.span),
                            format!("`used_for` applies only to `security_question`, not `{kind}`"),
                        )
                        .with_label("not a setting of this authenticator")
                        .with_help("remove this line");
                        self.report(d);
                        continue;
                    }
                    out.used_for = self.choice(u, "use", USED_FOR).unwrap_or_default();
                }
            }
        }
        self.model.authenticators.push(out);
    }

    /// `methods [push, totp]` or `methods [okta_verify.push]` inside `authenticator okta_verify`.
    fn authenticator_methods(
        &mut self,
        kind: AuthenticatorKind,
        list: &ast::List,
    ) -> Vec<MethodId> {
        let mut out = Vec::new();
        for value in &list.values {
            let ast::Value::Path(path) = value else {
                let d = Diagnostic::new(
                    Code::InvalidValue,
                    self.loc(value.span()),
                    "expected a method name, found a string",
                )
                .with_label("write the method without quotes");
                self.report(d);
                continue;
            };
            let method_name = match &path.member {
                Some(member) if path.head.text == kind.as_str() => member,
                Some(_) => {
                    let d = Diagnostic::new(
                        Code::UnknownAuthenticatorMethod,
                        self.loc(path.span),
                        format!("`{}` is not a method of `{kind}`", path.text()),
                    )
                    .with_label(format!("this block configures `{kind}`"))
                    .with_help(format!(
                        "configure `{}` in its own `authenticator {}` block",
                        path.head.text, path.head.text
                    ));
                    self.report(d);
                    continue;
                }
                None => &path.head,
            };
            let found = kind.methods().find(|m| {
                m.method == Some(method_name.text.as_str())
                    || (m.method.is_none() && method_name.text == kind.as_str())
            });
            match found {
                Some(m) => {
                    let id = MethodId(m.index() as u8);
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
                None => self.unknown_method(kind, method_name),
            }
        }
        out
    }

    fn idp(&mut self, idp: &ast::Idp) {
        // Pass 1 declared every IdP; a duplicate (already reported) is not lowered twice.
        let Some((id, _)) = self.idps.get(&idp.name.text).copied() else {
            return;
        };
        if id.index() != self.model.idps.len()
            || self.model.idps.iter().any(|i| i.name == idp.name.text)
        {
            return;
        }
        let block = format!("idp `{}`", idp.name.text);
        let mut seen = Vec::new();
        let mut kind = None;
        let mut engine = None;
        let mut out = Idp {
            name: idp.name.text.clone(),
            loc: self.loc(idp.name.span),
            kind: IdpKind::Oidc,
            engine: Engine::Identity,
            issuer: None,
            audience: None,
            jwks: None,
            certificates: Vec::new(),
            metadata: None,
            trust_claims: false,
            map_amr_claims: None,
            max_clock_skew_secs: 0,
            status: Status::Active,
            status_loc: None,
            trust_claims_loc: None,
            usage: Usage::Sso,
            asserts: Vec::new(),
        };
        let mut asserts = None;
        for setting in &idp.settings {
            use ast::IdpSetting as S;
            let key = match &setting.node {
                S::Kind(_) => "kind",
                S::Engine(_) => "engine",
                S::Issuer(_) => "issuer",
                S::Audience(_) => "audience",
                S::Jwks(_) => "jwks",
                S::Certificate(s) => {
                    // One or more: each names a file of certificates.
                    out.certificates
                        .push((s.value.clone(), self.loc(setting.span)));
                    continue;
                }
                S::Metadata(_) => "metadata",
                S::TrustClaims(_) => "trust_claims",
                S::MapAmrClaims(_) => "map_amr_claims",
                S::MaxClockSkew(_) => "max_clock_skew",
                S::Status(_) => "status",
                S::Usage(_) => "usage",
                S::Asserts(_) => "asserts",
            };
            if !self.first_time(&mut seen, key, setting.span, &block) {
                continue;
            }
            match &setting.node {
                S::Kind(k) => kind = Some(self.choice(k, "IdP kind", IDP_KINDS)),
                S::Engine(e) => engine = Some((self.choice(e, "engine", ENGINES), setting.span)),
                S::Issuer(s) => out.issuer = Some(s.value.clone()),
                S::Audience(s) => out.audience = Some(s.value.clone()),
                S::Jwks(s) => out.jwks = Some(s.value.clone()),
                S::Metadata(s) => out.metadata = Some((s.value.clone(), self.loc(setting.span))),
                S::Certificate(_) => {}
                S::TrustClaims(b) => {
                    out.trust_claims = self.choice(b, "boolean", BOOLEANS).unwrap_or(false);
                    out.trust_claims_loc = Some(self.loc(setting.span));
                }
                S::MapAmrClaims(b) => {
                    if let Some(v) = self.choice(b, "boolean", BOOLEANS) {
                        out.map_amr_claims = Some((v, self.loc(setting.span)));
                    }
                }
                S::MaxClockSkew(d) => {
                    out.max_clock_skew_secs = self.duration(d, "clock skew").unwrap_or(0)
                }
                S::Status(s) => {
                    out.status = self.choice(s, "status", STATUSES).unwrap_or_default();
                    out.status_loc = Some(self.loc(setting.span));
                }
                S::Usage(u) => out.usage = self.choice(u, "IdP usage", USAGES).unwrap_or_default(),
                S::Asserts(list) => asserts = Some(list),
            }
        }
        match kind {
            Some(Some(k)) => out.kind = k,
            // An invalid kind was reported already; keep the IdP so references still resolve.
            Some(None) => {}
            None => self.missing(idp.name.span, "kind", block.clone(), "kind okta_oidc"),
        }
        if let Some((engine, span)) = engine {
            if kind.is_some_and(|k| k.is_some_and(|k| !k.is_okta())) {
                let d = Diagnostic::new(
                    Code::InvalidValue,
                    self.loc(span),
                    format!("`engine` applies only to Okta IdPs, not `{}`", out.kind),
                )
                .with_label("a third-party IdP has no Okta engine")
                .with_help("remove this line, or set `kind okta_oidc` or `kind okta_saml`");
                self.report(d);
            } else {
                out.engine = engine.unwrap_or_default();
            }
        }
        // SAML signing certificates mean nothing to an OIDC IdP (its keys are its `jwks`).
        if kind.is_some_and(|k| k.is_some_and(|k| k.protocol() != catalogue::Protocol::Saml)) {
            let settings = out
                .certificates
                .iter()
                .map(|(_, loc)| (*loc, "certificate"));
            let settings = settings.chain(out.metadata.iter().map(|(_, loc)| (*loc, "metadata")));
            let misplaced: Vec<_> = settings.collect();
            for (loc, setting) in misplaced {
                let d = Diagnostic::new(
                    Code::InvalidValue,
                    loc,
                    format!("`{setting}` applies only to SAML IdPs, not `{}`", out.kind),
                )
                .with_label("an OIDC IdP signs with the keys of its `jwks`")
                .with_help("remove this line and give the IdP's keys with `jwks \"FILE\"`, or set `kind saml` or `kind okta_saml`");
                self.report(d);
            }
            out.certificates.clear();
            out.metadata = None;
        }
        if let Some(list) = asserts {
            out.asserts = self.asserts(&out, list);
        }
        self.model.idps.push(out);
    }

    /// An IdP's `asserts`: AMR values (for Okta IdP orgs, the org's authenticators, by name or
    /// by the AMR codes it sends), read as the SP reads a sign-in's values (`reading`). Values
    /// the SP would ignore are kept as `Unsupported` and reported as warnings; an Okta org's
    /// custom authenticators are kept as their method, which `custom-authenticator-claims`
    /// reports.
    fn asserts(&mut self, idp: &Idp, list: &ast::List) -> Vec<Asserted> {
        let mut texts = Vec::new();
        for value in &list.values {
            let loc = self.loc(value.span());
            match value {
                ast::Value::Path(path) => texts.push((path.text(), loc)),
                _ => {
                    let d = Diagnostic::new(
                        Code::InvalidValue,
                        loc,
                        "expected an AMR value, found a string",
                    )
                    .with_label("write the value without quotes, such as `pwd`");
                    self.report(d);
                }
            }
        }
        let values: Vec<&str> = texts.iter().map(|(t, _)| t.as_str()).collect();
        let read = reading::read(idp.kind, idp.usage, &values);
        let loc_of = |text: &str| texts.iter().find(|(t, _)| t == text).map(|(_, l)| *l);
        let mut out = Vec::new();
        for accepted in &read.accepted {
            let Some(loc) = accepted.from.first().and_then(|v| loc_of(v)) else {
                continue;
            };
            let value = match accepted.meaning {
                reading::Meaning::Amr(e) => AssertedValue::Amr(e.amr),
                reading::Meaning::Method(info) => {
                    AssertedValue::Method(MethodId(info.index() as u8))
                }
            };
            out.push(Asserted { value, loc });
        }
        for (text, why) in &read.ignored {
            let Some(loc) = loc_of(text) else { continue };
            if let Some((_, info)) = read.custom.iter().find(|(v, _)| v == text) {
                out.push(Asserted {
                    value: AssertedValue::Method(MethodId(info.index() as u8)),
                    loc,
                });
                continue;
            }
            let mut d = Diagnostic::new(
                Code::UnsupportedAmr,
                loc,
                format!(
                    "IdP `{}` asserts `{text}`, which the SP ignores: {why}",
                    idp.name
                ),
            )
            .with_label("ignored at sign-in");
            let known: Vec<String> = if idp.kind.is_okta() {
                catalogue::CATALOGUE
                    .iter()
                    .filter(|m| !m.kind.is_custom())
                    .map(|m| m.name())
                    .collect()
            } else {
                catalogue::Amr::ALL
                    .iter()
                    .map(|a| a.as_str().to_owned())
                    .collect()
            };
            let in_table = catalogue::Amr::parse(text).is_some();
            d = match suggest::closest(text, known.iter().map(String::as_str)) {
                Some(s) if s != text => d.with_help(format!("did you mean `{s}`?")).with_fix(loc, s),
                _ if idp.usage == Usage::FactorOnly && !idp.kind.is_okta() && in_table => d.with_help(
                    "a factor-only IdP never forwards it: remove it, or set `usage sso` if users sign in through this IdP",
                ),
                _ if !idp.kind.is_okta() && lookup_okta_name(text) => d.with_help(
                    "assert the RFC 8176 value the IdP sends instead, such as `pwd`, `otp` or `hwk`",
                ),
                _ if idp.kind.is_okta() => d.with_help(
                    "assert the IdP org's authenticators by name (`password`, `okta_verify.push`, `webauthn`, ...) or by the AMR codes it sends (docs/claims.md)",
                ),
                _ => d.with_help(format!("supported values: {}", known.join(", "))),
            };
            self.report(d);
            out.push(Asserted {
                value: AssertedValue::Unsupported(text.clone()),
                loc,
            });
        }
        // Source order, as written.
        out.sort_by_key(|a| a.loc.span.start);
        out
    }

    fn route(&mut self, route: &ast::Route) {
        if let Some(first) = self.routes.get(&route.name.text) {
            let first = *first;
            self.duplicate("route", &route.name.text, route.name.span, first);
            return;
        }
        let loc = self.loc(route.name.span);
        self.routes.insert(route.name.text.clone(), loc);
        let block = format!("route `{}`", route.name.text);
        let mut seen = Vec::new();
        let mut out = Route {
            name: route.name.text.clone(),
            loc,
            conditions: Vec::new(),
            to: None,
            priority: None,
        };
        let mut has_to = false;
        for setting in &route.settings {
            match &setting.node {
                ast::RouteSetting::When(conditions) => {
                    if self.first_time(&mut seen, "when", setting.span, &block) {
                        out.conditions = self.conditions(conditions, ConditionContext::Route);
                    }
                }
                ast::RouteSetting::Priority(n) => {
                    if self.first_time(&mut seen, "priority", setting.span, &block) {
                        out.priority = self.priority(n).map(|p| (p, self.loc(setting.span)));
                    }
                }
                ast::RouteSetting::To(idp) => {
                    if self.first_time(&mut seen, "to", setting.span, &block) {
                        has_to = true;
                        out.to = self
                            .resolve(NameKind::Idp, idp)
                            .map(|i| (IdpId(i), self.loc(idp.span)));
                    }
                }
            }
        }
        if !has_to {
            self.missing(route.name.span, "to", block, "to IDP_NAME");
        }
        self.model.routes.push(out);
    }

    fn conditions(
        &mut self,
        conditions: &[ast::Condition],
        context: ConditionContext,
    ) -> Vec<Condition> {
        conditions
            .iter()
            .filter_map(|c| self.condition(c, context))
            .collect()
    }

    fn condition(
        &mut self,
        condition: &ast::Condition,
        context: ConditionContext,
    ) -> Option<Condition> {
        let loc = self.loc(condition.span());
        let test = match condition {
            ast::Condition::Device { state, .. } => {
                if context == ConditionContext::Route {
                    return self.condition_not_here("device", loc, context);
                }
                ConditionTest::Device(self.choice(state, "device state", DEVICE_STATES)?)
            }
            ast::Condition::Membership {
                subject,
                negated,
                list,
                ..
            } => {
                let negated = *negated;
                match subject.text.as_str() {
                    "group" => ConditionTest::Group {
                        negated,
                        groups: self
                            .resolve_all(list, NameKind::Group, "a group")
                            .into_iter()
                            .map(GroupId)
                            .collect(),
                    },
                    "zone" => ConditionTest::Zone {
                        negated,
                        zones: self
                            .resolve_all(list, NameKind::Zone, "a zone")
                            .into_iter()
                            .map(ZoneId)
                            .collect(),
                    },
                    "app" => {
                        if context == ConditionContext::Rule {
                            return self.condition_not_here("app", loc, context);
                        }
                        ConditionTest::App {
                            negated,
                            apps: self
                                .resolve_all(list, NameKind::App, "an app")
                                .into_iter()
                                .map(AppId)
                                .collect(),
                        }
                    }
                    "risk" => {
                        if context == ConditionContext::Route {
                            return self.condition_not_here("risk", loc, context);
                        }
                        ConditionTest::Risk {
                            negated,
                            levels: self.choices(list, "risk level", RISKS),
                        }
                    }
                    "platform" => {
                        if context == ConditionContext::Route {
                            return self.condition_not_here("platform", loc, context);
                        }
                        ConditionTest::Platform {
                            negated,
                            platforms: self.choices(list, "platform", PLATFORMS),
                        }
                    }
                    _ => ConditionTest::Domain {
                        negated,
                        domains: self.domains(list),
                    },
                }
            }
        };
        Some(Condition { test, loc })
    }

    fn condition_not_here<T>(
        &mut self,
        subject: &str,
        loc: Loc,
        context: ConditionContext,
    ) -> Option<T> {
        let (place, accepted) = match context {
            ConditionContext::Route => {
                ("an IdP routing rule", "`domain`, `group`, `zone` and `app`")
            }
            ConditionContext::Rule => (
                "a policy rule",
                "`group`, `zone`, `risk`, `platform`, `domain` and `device` (a policy selects its apps with `apps [..]`)",
            ),
        };
        let d = Diagnostic::new(
            Code::InvalidValue,
            loc,
            format!("`{subject}` is not a condition of {place}"),
        )
        .with_label("not allowed here")
        .with_help(format!("{place} accepts {accepted}"));
        self.report(d);
        None
    }

    fn resolve_all(&mut self, list: &ast::List, kind: NameKind, what: &str) -> Vec<u32> {
        let names = self.names(list, what);
        names
            .into_iter()
            .filter_map(|n| self.resolve(kind, n))
            .collect()
    }

    fn domains(&mut self, list: &ast::List) -> Vec<String> {
        let mut out = Vec::new();
        for value in &list.values {
            match value {
                ast::Value::Str(s) if valid_domain(&s.value) => {
                    out.push(s.value.to_ascii_lowercase())
                }
                ast::Value::Str(s) => {
                    let d = Diagnostic::new(
                        Code::InvalidValue,
                        self.loc(s.span),
                        format!("`{}` is not a domain name", s.value),
                    )
                    .with_label("expected a domain such as `\"partner.example\"`");
                    self.report(d);
                }
                ast::Value::Path(p) => {
                    let d = Diagnostic::new(
                        Code::InvalidValue,
                        self.loc(p.span),
                        "domains are written as strings",
                    );
                    // Quotes are the fix only for a name that is a domain once quoted.
                    let d = if valid_domain(&p.text()) {
                        d.with_label("add double quotes")
                            .with_fix(self.loc(p.span), format!("\"{}\"", p.text()))
                    } else {
                        d.with_label("expected a domain such as `\"partner.example\"`")
                            .with_help(format!(
                                "`{}` is no domain name: write the users' email domain in quotes, such as `\"{}.example\"`",
                                p.text(),
                                p.text()
                            ))
                    };
                    self.report(d);
                }
            }
        }
        out
    }

    /// The number of `priority N`: Okta's priorities start at 1, the first tried.
    fn priority(&mut self, digits: &ast::Ident) -> Option<u32> {
        match digits.text.parse::<u32>() {
            Ok(n) if n >= 1 => Some(n),
            parsed => {
                let why = if parsed.is_ok() {
                    "priorities start at 1, the first tried"
                } else {
                    "too large a number"
                };
                let d = Diagnostic::new(
                    Code::InvalidValue,
                    self.loc(digits.span),
                    format!("`{}` is not a valid priority", digits.text),
                )
                .with_label(why)
                .with_help("write `priority 1` for the first tried, `priority 2` for the next, and so on, as Okta numbers them");
                self.report(d);
                None
            }
        }
    }

    fn session_policy(&mut self, sp: &ast::SessionPolicy) {
        if let Some(first) = self.policy_names.get(&sp.name.text) {
            let first = *first;
            self.duplicate("policy", &sp.name.text, sp.name.span, first);
            return;
        }
        let loc = self.loc(sp.name.span);
        self.policy_names.insert(sp.name.text.clone(), loc);
        let block = format!("session policy `{}`", sp.name.text);
        let mut seen = Vec::new();
        let mut priority = None;
        for setting in &sp.priorities {
            if self.first_time(&mut seen, "priority", setting.span, &block) {
                priority = self
                    .priority(&setting.node)
                    .map(|p| (p, self.loc(setting.span)));
            }
        }
        let rules = self.rules(&sp.rules, RuleContext::Session, &sp.name.text);
        self.model.session_policies.push(SessionPolicy {
            name: sp.name.text.clone(),
            loc,
            rules,
            priority,
        });
    }

    fn policy(&mut self, policy: &ast::Policy) {
        if let Some(first) = self.policy_names.get(&policy.name.text) {
            let first = *first;
            self.duplicate("policy", &policy.name.text, policy.name.span, first);
            return;
        }
        let loc = self.loc(policy.name.span);
        self.policy_names.insert(policy.name.text.clone(), loc);
        let mut apps = Vec::new();
        for list in &policy.apps {
            for name in self.names(&list.node, "an app") {
                let Some(app) = self.resolve(NameKind::App, name).map(AppId) else {
                    continue;
                };
                let app_loc = self.loc(name.span);
                if let Some((other, first)) = self.app_policy.get(&app) {
                    let (other, first) = (other.clone(), *first);
                    let d = Diagnostic::new(
                        Code::AppPolicyConflict,
                        app_loc,
                        format!(
                            "app `{}` is assigned to policies `{other}` and `{}`",
                            name.text, policy.name.text
                        ),
                    )
                    .with_label("second assignment")
                    .with_related(first, format!("already assigned to `{other}` here"))
                    .with_help(
                        "an app has exactly one sign-on policy: remove it from one of the two",
                    );
                    self.report(d);
                    continue;
                }
                self.app_policy
                    .insert(app, (policy.name.text.clone(), app_loc));
                apps.push(app);
            }
        }
        // `default`: once per policy, one policy per org (Okta has one default policy).
        let mut default = None;
        for &span in &policy.default {
            let marker = self.loc(span);
            if let Some(first) = default {
                let d = Diagnostic::new(
                    Code::DuplicateDefinition,
                    marker,
                    format!("policy `{}` is marked `default` twice", policy.name.text),
                )
                .with_label("second `default`")
                .with_related(first, "first marked here")
                .with_help("remove one of them");
                self.report(d);
                continue;
            }
            if let Some((_, other)) = self.model.default_policy() {
                let (other_name, other_loc) =
                    (other.name.clone(), other.default.unwrap_or(other.loc));
                let d = Diagnostic::new(
                    Code::DuplicateDefinition,
                    marker,
                    format!(
                        "policies `{other_name}` and `{}` are both marked `default`",
                        policy.name.text
                    ),
                )
                .with_label("second default policy")
                .with_related(other_loc, format!("`{other_name}` is the default here"))
                .with_help("an org has one default app sign-on policy: remove one `default`");
                self.report(d);
                continue;
            }
            default = Some(marker);
        }
        let rules = self.rules(&policy.rules, RuleContext::App, &policy.name.text);
        self.model.policies.push(Policy {
            name: policy.name.text.clone(),
            loc,
            apps,
            default,
            rules,
        });
    }

    fn rules(&mut self, rules: &[ast::Rule], context: RuleContext, policy: &str) -> Vec<Rule> {
        let mut out: Vec<Rule> = Vec::new();
        let mut seen: HashMap<&str, Loc> = HashMap::new();
        for rule in rules {
            if let Some(first) = seen.get(rule.name.text.as_str()) {
                let first = *first;
                let d = Diagnostic::new(
                    Code::DuplicateDefinition,
                    self.loc(rule.name.span),
                    format!("rule `{}` is defined twice in policy `{policy}`", rule.name.text),
                )
                .with_label("second definition")
                .with_related(first, "first defined here")
                .with_help("rules are tried in order, so the second would never apply: rename or remove it");
                self.report(d);
                continue;
            }
            seen.insert(&rule.name.text, self.loc(rule.name.span));
            if let Some(r) = self.rule(rule, context) {
                out.push(r);
            }
        }
        out
    }

    fn rule(&mut self, rule: &ast::Rule, context: RuleContext) -> Option<Rule> {
        let block = format!("rule `{}`", rule.name.text);
        let mut seen = Vec::new();
        let mut out = Rule {
            name: rule.name.text.clone(),
            loc: self.loc(rule.name.span),
            conditions: Vec::new(),
            action: Action::Deny(self.loc(rule.name.span)),
            possession: Vec::new(),
            methods: MethodFilter::Any,
            methods_loc: None,
            reauth: None,
            status: Status::Active,
            status_loc: None,
        };
        let mut action: Option<(Option<Action>, Span)> = None;
        for setting in &rule.settings {
            use ast::RuleSetting as S;
            let key = match &setting.node {
                S::When(_) => "when",
                S::Require(_) => "require",
                S::Deny => "deny",
                S::Possession(_) => "possession",
                S::Methods(_) => "methods",
                S::Reauth(_) => "reauth",
                S::Status(_) => "status",
            };
            if !self.first_time(&mut seen, key, setting.span, &block) {
                continue;
            }
            if context == RuleContext::Session && matches!(key, "possession" | "methods") {
                let d = Diagnostic::new(
                    Code::InvalidValue,
                    self.loc(setting.span),
                    format!("`{key}` is not a setting of a global session policy rule"),
                )
                .with_label("only app sign-on policy rules have it")
                .with_help("move this constraint to the app sign-on policy's rule");
                self.report(d);
                continue;
            }
            match &setting.node {
                S::When(conditions) => {
                    out.conditions = self.conditions(conditions, ConditionContext::Rule)
                }
                // `require` with `deny`: reported as a conflict below.
                S::Require(_) | S::Deny if action.is_some() => {}
                S::Require(req) => {
                    let lowered = self.requirement(req, setting.span, context);
                    action = Some((
                        lowered.map(|r| Action::Require(r, self.loc(setting.span))),
                        setting.span,
                    ));
                }
                S::Deny => {
                    action = Some((Some(Action::Deny(self.loc(setting.span))), setting.span))
                }
                S::Possession(list) => {
                    out.possession = self
                        .names(list, "a possession constraint")
                        .into_iter()
                        .filter_map(|n| {
                            self.choice(n, "possession constraint", CONSTRAINTS)
                                .map(|c| (c, self.loc(n.span)))
                        })
                        .collect();
                }
                S::Methods(m) => {
                    out.methods_loc = Some(self.loc(setting.span));
                    out.methods = match m {
                        ast::MethodsSetting::Any => MethodFilter::Any,
                        ast::MethodsSetting::Only(list) => {
                            MethodFilter::Only(self.method_list(list, true, "a method filter"))
                        }
                        ast::MethodsSetting::Except(list) => {
                            MethodFilter::Except(self.method_list(list, true, "a method filter"))
                        }
                    }
                }
                S::Reauth(r) => {
                    let value = match r {
                        ast::Reauth::EverySignIn => Some(Reauth::EverySignIn),
                        ast::Reauth::Never => Some(Reauth::Never),
                        ast::Reauth::After(d) => self
                            .duration(d, "re-authentication frequency")
                            .map(Reauth::AfterSecs),
                    };
                    out.reauth = value.map(|v| (v, self.loc(setting.span)));
                }
                S::Status(s) => {
                    out.status = self.choice(s, "status", STATUSES).unwrap_or_default();
                    out.status_loc = Some(self.loc(setting.span));
                }
            }
        }
        // `require` and `deny` together: report once, on whichever came second.
        let requires: Vec<Span> = rule
            .settings
            .iter()
            .filter(|s| {
                matches!(
                    s.node,
                    ast::RuleSetting::Require(_) | ast::RuleSetting::Deny
                )
            })
            .map(|s| s.span)
            .collect();
        if let [first, second, ..] = requires.as_slice()
            && seen.iter().any(|(k, _)| *k == "require")
            && seen.iter().any(|(k, _)| *k == "deny")
        {
            let d = Diagnostic::new(
                Code::ConflictingSettings,
                self.loc(*second),
                format!(
                    "rule `{}` both requires authentication and denies",
                    rule.name.text
                ),
            )
            .with_label("conflicts with the earlier setting")
            .with_related(self.loc(*first), "set here")
            .with_help("a rule either denies access or says what to require: keep one");
            self.report(d);
        }
        match action {
            Some((Some(a), _)) => out.action = a,
            // A bad requirement was reported; leave the rule out so later stages see no guess.
            Some((None, _)) => return None,
            None => {
                let example = match context {
                    RuleContext::Session => "require mfa",
                    RuleContext::App => "require 2 factor_types",
                };
                let d = Diagnostic::new(
                    Code::MissingSetting,
                    self.loc(rule.name.span),
                    format!("rule `{}` has neither `require` nor `deny`", rule.name.text),
                )
                .with_label("says nothing about what to require")
                .with_help(format!("add `{example}`, or `deny`"));
                self.report(d);
                return None;
            }
        }
        Some(out)
    }

    fn requirement(
        &mut self,
        req: &ast::Requirement,
        span: Span,
        context: RuleContext,
    ) -> Option<Requirement> {
        let loc = self.loc(span);
        let invalid = |message: String, help: &str| {
            Diagnostic::new(Code::InvalidValue, loc, message)
                .with_label("not accepted here")
                .with_help(help.to_owned())
        };
        let lowered = match (req, context) {
            (ast::Requirement::Named(n), RuleContext::Session) => match n.text.as_str() {
                "password" => Requirement::Password,
                "any_factor" => Requirement::AnyFactor,
                "mfa" => Requirement::Mfa,
                _ => {
                    self.choice(
                        n,
                        "session requirement",
                        &[("password", ()), ("any_factor", ()), ("mfa", ())],
                    );
                    return None;
                }
            },
            (ast::Requirement::Named(n), RuleContext::App) => match n.text.as_str() {
                "password" => Requirement::Password,
                "mfa" | "any_factor" => {
                    let d = invalid(
                        format!("`{}` is a global session policy requirement", n.text),
                        "app sign-on policy rules require `password`, `1 factor_type`, `password + 1 factor_type`, `2 factor_types` or `chain [[..]]`",
                    );
                    self.report(d);
                    return None;
                }
                _ => {
                    let d = invalid(
                        format!("`{}` is not a requirement", n.text),
                        "app sign-on policy rules require `password`, `1 factor_type`, `password + 1 factor_type`, `2 factor_types` or `chain [[..]]`",
                    );
                    self.report(d);
                    return None;
                }
            },
            (written, RuleContext::Session) => {
                let written = match written {
                    ast::Requirement::Factors { count } => format!("{} factor_types", count.node),
                    ast::Requirement::PasswordPlus { count } => {
                        format!("password + {} factor_type", count.node)
                    }
                    _ => "chain [..]".to_owned(),
                };
                let d = invalid(
                    format!("`{written}` is an app sign-on policy requirement"),
                    "a global session policy rule requires `password`, `any_factor` or `mfa`",
                );
                self.report(d);
                return None;
            }
            (ast::Requirement::Factors { count }, RuleContext::App) => match count.node {
                1 => Requirement::OneFactorType,
                2 => Requirement::TwoFactorTypes,
                n => {
                    let d = invalid(
                        format!("a rule cannot require {n} factor types"),
                        "require `1 factor_type` or `2 factor_types`",
                    );
                    self.report(d);
                    return None;
                }
            },
            (ast::Requirement::PasswordPlus { count }, RuleContext::App) => match count.node {
                1 => Requirement::PasswordPlusFactor,
                n => {
                    let d = invalid(
                        format!("`password + {n} factor_types` is not a requirement Okta offers"),
                        "write `password + 1 factor_type`, or `2 factor_types`",
                    );
                    self.report(d);
                    return None;
                }
            },
            (ast::Requirement::Chain(chains), RuleContext::App) => {
                if chains.is_empty() || chains.iter().any(|c| c.values.is_empty()) {
                    let empty = chains.iter().find(|c| c.values.is_empty()).map(|c| c.span);
                    let d = Diagnostic::new(
                        Code::InvalidValue,
                        empty.map_or(loc, |s| self.loc(s)),
                        "a method chain cannot be empty",
                    )
                    .with_label("no methods here")
                    .with_help(
                        "write each chain as a list of methods: `chain [[okta_verify.push, password]]`",
                    );
                    self.report(d);
                    return None;
                }
                Requirement::Chain(
                    chains
                        .iter()
                        .map(|c| self.method_list(c, false, "a method chain"))
                        .collect(),
                )
            }
        };
        Some(lowered)
    }

    fn test(&mut self, test: &ast::Test) {
        let title = test.title.value.clone();
        let loc = self.loc(test.title.span);
        if let Some(first) = self.tests.get(&title) {
            let first = *first;
            self.duplicate("test", &title, test.title.span, first);
            return;
        }
        self.tests.insert(title.clone(), loc);
        let block = format!("test \"{title}\"");
        let mut seen = Vec::new();
        let mut out = Test {
            title,
            loc,
            app: None,
            user: TestUser::default(),
            claims: TestClaims::None,
            expect: None,
        };
        let mut has_app = false;
        for setting in &test.settings {
            let key = match &setting.node {
                ast::TestSetting::App(_) => "app",
                ast::TestSetting::User(_) => "user",
                ast::TestSetting::Claims { .. } => "claims",
                ast::TestSetting::Expect { .. } => "expect",
            };
            if !self.first_time(&mut seen, key, setting.span, &block) {
                continue;
            }
            match &setting.node {
                ast::TestSetting::App(app) => {
                    has_app = true;
                    out.app = self
                        .resolve(NameKind::App, app)
                        .map(|a| (AppId(a), self.loc(app.span)));
                }
                ast::TestSetting::User(fields) => out.user = self.test_user(fields, &block),
                ast::TestSetting::Claims { idp, amr } => {
                    out.claims = match amr {
                        None if idp.text == "none" => TestClaims::None,
                        None => {
                            let d = Diagnostic::new(
                                Code::MissingSetting,
                                self.loc(setting.span),
                                format!("`claims {}` needs the values the IdP sends", idp.text),
                            )
                            .with_label("expected a list after the IdP")
                            .with_help(format!("write `claims {} [pwd, otp]`, or `claims none` for a local sign-in", idp.text));
                            self.report(d);
                            TestClaims::None
                        }
                        Some(list) => match self.resolve(NameKind::Idp, idp) {
                            Some(id) => TestClaims::From {
                                idp: IdpId(id),
                                amr: list
                                    .values
                                    .iter()
                                    .map(|v| match v {
                                        ast::Value::Path(p) => p.text(),
                                        ast::Value::Str(s) => s.value.clone(),
                                    })
                                    .collect(),
                                loc: self.loc(setting.span),
                            },
                            None => TestClaims::None,
                        },
                    };
                }
                ast::TestSetting::Expect { decision, by, with } => {
                    let Some(decision) = self.choice(decision, "decision", DECISIONS) else {
                        continue;
                    };
                    let by = by.as_ref().map(|b| Named {
                        name: b.text.clone(),
                        loc: self.loc(b.span),
                    });
                    let with = with
                        .as_ref()
                        .map(|w| {
                            self.method_list(
                                w,
                                false,
                                "a test's `with` (the methods the challenge must offer)",
                            )
                        })
                        .unwrap_or_default();
                    out.expect = Some(Expectation {
                        decision,
                        by,
                        with,
                        loc: self.loc(setting.span),
                    });
                }
            }
        }
        if !has_app {
            self.missing(test.title.span, "app", block.clone(), "app APP_NAME");
        }
        if !seen.iter().any(|(k, _)| *k == "expect") {
            self.missing(test.title.span, "expect", block, "expect allow");
        }
        if let Some(Expectation { by: Some(by), .. }) = &out.expect {
            self.test_rule_refs
                .push((out.app.map(|(a, _)| a), by.clone()));
        }
        self.model.tests.push(out);
    }

    fn test_user(&mut self, fields: &[ast::Spanned<ast::UserField>], block: &str) -> TestUser {
        let mut user = TestUser::default();
        let mut seen = Vec::new();
        for field in fields {
            use ast::UserField as F;
            let key = match &field.node {
                F::Groups(_) => "groups",
                F::Zone(_) => "zone",
                F::Risk(_) => "risk",
                F::Platform(_) => "platform",
                F::Domain(_) => "domain",
                F::Device(_) => "device",
            };
            // `device` may be given twice: `device registered  device managed`.
            if key != "device" && !self.first_time(&mut seen, key, field.span, block) {
                continue;
            }
            match &field.node {
                F::Groups(list) => {
                    user.groups = self
                        .resolve_all(list, NameKind::Group, "a group")
                        .into_iter()
                        .map(GroupId)
                        .collect();
                }
                F::Zone(z) => user.zone = self.resolve(NameKind::Zone, z).map(ZoneId),
                F::Risk(r) => user.risk = self.choice(r, "risk level", RISKS),
                F::Platform(p) => user.platform = self.choice(p, "platform", PLATFORMS),
                F::Domain(d) => user.domain = Some(d.value.to_ascii_lowercase()),
                F::Device(d) => user
                    .device
                    .extend(self.choice(d, "device state", DEVICE_STATES)),
            }
        }
        user
    }

    /// `expect .. by RULE` must name a rule of the app's policy or of a session policy.
    fn check_test_rule_references(&mut self) {
        let refs = std::mem::take(&mut self.test_rule_refs);
        for (app, by) in refs {
            // A rule by its name, or qualified by its policy (`default.everyone`) where a
            // session rule and an app rule share a name.
            let session = self
                .model
                .session_policies
                .iter()
                .map(|p| (&p.name, &p.rules));
            let app_policy = app
                .and_then(|a| self.model.policy_of_app(a))
                .map(|(_, p)| (&p.name, &p.rules));
            let candidates: Vec<String> = session
                .chain(app_policy)
                .flat_map(|(policy, rules)| {
                    rules
                        .iter()
                        .flat_map(move |r| [r.name.clone(), format!("{policy}.{}", r.name)])
                })
                .collect();
            if candidates.contains(&by.name) {
                continue;
            }
            // A rule that did not parse, or any rule of a policy that did not: its syntax
            // error is the one to fix, not a follow-on here.
            let rule = by.name.rsplit('.').next().unwrap_or(&by.name);
            let broken_rule = self
                .unparsed_names
                .contains(&("rule".to_owned(), rule.to_owned()));
            let broken_policy = app.and_then(|a| self.model.policy_of_app(a)).is_none()
                && self.unparsed_names.iter().any(|(k, _)| k == "policy");
            if broken_rule || broken_policy {
                continue;
            }
            let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
            let mut d = Diagnostic::new(
                Code::UnknownReference,
                by.loc,
                format!("unknown rule `{}`", by.name),
            )
            .with_label("no rule of this app's policy or of the session policy has this name");
            let given = self.suggested.entry(by.loc.file).or_default();
            *given += 1;
            let suggestion = if *given <= MAX_SUGGESTIONS_PER_FILE {
                suggest::closest(&by.name, candidates)
            } else {
                None
            };
            d = match suggestion {
                Some(s) => d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_fix(by.loc, s),
                None => d.with_help("name a rule of the policy that the test's app is assigned to"),
            };
            self.diagnostics.push(d);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ConditionContext {
    Route,
    Rule,
}

/// Whether `text` names an Okta authenticator method (`okta_verify.push`).
fn lookup_okta_name(text: &str) -> bool {
    let (kind, method) = match text.split_once('.') {
        Some((k, m)) => (k, Some(m)),
        None => (text, None),
    };
    AuthenticatorKind::parse(kind).is_some_and(|k| lookup_method(k, method).is_some())
}

/// Whether `s` could be written as a name without quotes.
fn is_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn describe_value(v: &ast::Value) -> String {
    match v {
        ast::Value::Str(_) => "a string".to_owned(),
        ast::Value::Path(p) => format!("`{}`", p.text()),
    }
}

/// A plausible DNS name: labels of letters, digits and hyphens, at least one dot.
fn valid_domain(s: &str) -> bool {
    s.contains('.')
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}
