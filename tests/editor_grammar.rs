//! The VS Code extension's TextMate grammar (`lsp/editors/vscode/syntaxes/policy.tmLanguage.json`)
//! stays valid and in step with `grammar/policy.pest`: it is JSON, every regex compiles
//! (`fancy-regex` reads the Oniguruma subset the grammar uses: lookarounds, classes, groups),
//! every `include` resolves, and every keyword of the language (`kw_*` rules) is highlighted as a
//! keyword. Tokens are chosen as TextMate does: the earliest match wins, ties go to the pattern
//! listed first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fancy_regex::Regex;
use serde_json::Value;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn grammar() -> Value {
    serde_json::from_str(&read("lsp/editors/vscode/syntaxes/policy.tmLanguage.json"))
        .expect("the TextMate grammar is valid JSON")
}

/// Every rule object of the grammar: top-level patterns, repository entries and nested ones.
fn rules(grammar: &Value) -> Vec<&Value> {
    fn walk<'a>(rule: &'a Value, out: &mut Vec<&'a Value>) {
        out.push(rule);
        for nested in rule["patterns"].as_array().into_iter().flatten() {
            walk(nested, out);
        }
    }
    let mut out = Vec::new();
    for rule in grammar["patterns"].as_array().unwrap() {
        walk(rule, &mut out);
    }
    for rule in grammar["repository"].as_object().unwrap().values() {
        walk(rule, &mut out);
    }
    out
}

/// The patterns tried at the top level, in order, with includes expanded: what TextMate tries
/// on a line outside any `begin`/`end` block.
fn top_level(grammar: &Value) -> Vec<&Value> {
    fn expand<'a>(grammar: &'a Value, rule: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
        assert!(depth < 16, "include cycle");
        if let Some(include) = rule["include"].as_str() {
            let name = include.strip_prefix('#').expect("local include");
            expand(grammar, &grammar["repository"][name], out, depth + 1);
        } else if rule.get("match").is_some() || rule.get("begin").is_some() {
            out.push(rule);
        } else {
            for nested in rule["patterns"].as_array().unwrap() {
                expand(grammar, nested, out, depth + 1);
            }
        }
    }
    let mut out = Vec::new();
    for rule in grammar["patterns"].as_array().unwrap() {
        expand(grammar, rule, &mut out, 0);
    }
    out
}

fn regex(source: &str) -> Regex {
    Regex::new(source).unwrap_or_else(|e| panic!("`{source}` does not compile: {e}"))
}

/// The scopes of the first token of `line`: (text, scope) for the whole match and each named
/// capture, as TextMate would choose the pattern at position 0.
fn first_token(grammar: &Value, line: &str) -> Vec<(String, String)> {
    // (start, rule, the text of each group)
    let mut best: Option<(usize, &Value, Vec<Option<String>>)> = None;
    for rule in top_level(grammar) {
        let source = rule["match"].as_str().or(rule["begin"].as_str()).unwrap();
        if let Some(caps) = regex(source).captures(line).unwrap() {
            let start = caps.get(0).unwrap().start();
            if best.as_ref().is_none_or(|(s, _, _)| start < *s) {
                let groups = caps.iter().map(|g| g.map(|g| g.as_str().to_owned()));
                best = Some((start, rule, groups.collect()));
            }
        }
    }
    let (start, rule, groups) = best.unwrap_or_else(|| panic!("nothing matches `{line}`"));
    assert_eq!(start, 0, "the first token of `{line}` is not at its start");
    let mut scopes = Vec::new();
    if let (Some(name), Some(Some(text))) = (rule["name"].as_str(), groups.first()) {
        scopes.push((text.clone(), name.to_owned()));
    }
    let captures = rule["captures"]
        .as_object()
        .or(rule["beginCaptures"].as_object());
    for (index, capture) in captures.into_iter().flatten() {
        let index: usize = index.parse().unwrap();
        if let (Some(Some(text)), Some(name)) = (groups.get(index), capture["name"].as_str()) {
            scopes.push((text.clone(), name.to_owned()));
        }
    }
    scopes
}

/// The scope given to `word` when it starts `line`.
fn scope_of(grammar: &Value, line: &str, word: &str) -> String {
    let scopes = first_token(grammar, line);
    scopes
        .iter()
        .find(|(text, _)| text == word)
        .map(|(_, scope)| scope.clone())
        .unwrap_or_else(|| panic!("`{word}` in `{line}` gets no scope of its own: {scopes:?}"))
}

#[test]
fn the_grammar_is_valid_and_every_regex_compiles() {
    let grammar = grammar();
    assert_eq!(grammar["scopeName"], "source.policy");
    let repository = grammar["repository"].as_object().unwrap();
    let mut regexes = 0;
    for rule in rules(&grammar) {
        for key in ["match", "begin", "end"] {
            if let Some(source) = rule.get(key) {
                regex(source.as_str().expect("a regex is a string"));
                regexes += 1;
            }
        }
        if let Some(include) = rule.get("include") {
            let name = include.as_str().unwrap().strip_prefix('#').unwrap();
            assert!(repository.contains_key(name), "`#{name}` is not defined");
        }
        let mut names: Vec<&str> = rule["name"].as_str().into_iter().collect();
        for key in ["captures", "beginCaptures", "endCaptures"] {
            for capture in rule[key].as_object().into_iter().flat_map(|c| c.values()) {
                names.extend(capture["name"].as_str());
            }
        }
        for name in names {
            assert!(name.ends_with(".policy"), "scope `{name}` lacks `.policy`");
        }
    }
    assert!(regexes > 20, "only {regexes} regexes found");
    // Every repository entry is used.
    let text = serde_json::to_string(&grammar).unwrap();
    for name in repository.keys() {
        assert!(text.contains(&format!("\"#{name}\"")), "`{name}` is unused");
    }
}

#[test]
fn every_keyword_of_the_language_is_highlighted_as_a_keyword() {
    let grammar = grammar();
    let pest = read("grammar/policy.pest");
    let mut keywords = Vec::new();
    for line in pest.lines().filter(|l| l.starts_with("kw_")) {
        let body = &line[line.find('=').unwrap()..];
        keywords.extend(body.split('"').skip(1).step_by(2).map(str::to_owned));
    }
    assert!(keywords.len() > 50, "{keywords:?}");
    for keyword in &keywords {
        for line in [
            format!("{keyword} x"),
            format!("{keyword} ["),
            keyword.clone(),
        ] {
            let scope = scope_of(&grammar, &line, keyword);
            assert!(
                scope.starts_with("keyword."),
                "`{keyword}` in `{line}` is `{scope}`"
            );
        }
    }
}

#[test]
fn tokens_get_the_scopes_themes_colour() {
    let grammar = grammar();
    for (line, word, scope) in [
        ("# a comment", "#", "punctuation.definition.comment.policy"),
        ("\"corp.okta.com\"", "\"", "string.quoted.double.policy"),
        ("30m", "30m", "constant.numeric.duration.policy"),
        ("5x", "5x", "invalid.illegal.duration.policy"),
        ("2 factor_types", "2", "constant.numeric.integer.policy"),
        (
            "okta_verify.push",
            "okta_verify",
            "support.type.authenticator.policy",
        ),
        ("okta_verify.push", ".", "punctuation.accessor.dot.policy"),
        ("okta_verify.push", "push", "support.function.method.policy"),
        ("webauthn,", "webauthn", "support.type.authenticator.policy"),
        ("true", "true", "constant.language.boolean.policy"),
        ("inactive }", "inactive", "constant.language.policy"),
        (
            "phishing_resistant]",
            "phishing_resistant",
            "constant.language.policy",
        ),
        ("okta_saml", "okta_saml", "constant.language.policy"),
        ("pwd,", "pwd", "support.constant.amr.policy"),
        ("mfa", "mfa", "support.constant.amr.policy"),
        ("group policy", "policy", "entity.name.type.policy"),
        ("rule deny {", "deny", "entity.name.function.rule.policy"),
        ("admins_2]", "admins_2", "variable.other.name.policy"),
        ("{", "{", "punctuation.section.block.begin.policy"),
        ("]", "]", "punctuation.section.brackets.end.policy"),
        (",", ",", "punctuation.separator.comma.policy"),
    ] {
        assert_eq!(
            scope_of(&grammar, line, word),
            scope,
            "`{word}` in `{line}`"
        );
    }
    // Keywords match whole words only: `groups_x` and `rule-1` are names.
    assert_eq!(
        scope_of(&grammar, "groups_x", "groups_x"),
        "variable.other.name.policy"
    );
    assert_eq!(
        scope_of(&grammar, "rule-1", "rule-1"),
        "variable.other.name.policy"
    );
}

#[test]
fn string_escapes_are_told_apart_from_errors() {
    let grammar = grammar();
    let string = &grammar["repository"]["string"];
    let escapes = string["patterns"].as_array().unwrap();
    let valid = regex(escapes[0]["match"].as_str().unwrap());
    let invalid = regex(escapes[1]["match"].as_str().unwrap());
    for ok in [r#"\""#, r"\\", r"\n", r"\t", r"\r", r"\u{e9}", r"\u{1F511}"] {
        let m = valid.find(ok).unwrap().unwrap();
        assert_eq!(m.as_str(), ok);
    }
    for bad in [r"\q", r"\u{}", r"\x"] {
        assert!(
            valid.find(bad).unwrap().is_none_or(|m| m.start() != 0),
            "{bad}"
        );
        assert!(invalid.is_match(bad).unwrap(), "{bad}");
    }
    // A string ends at its closing quote or, unclosed, at the end of the line.
    let end = regex(string["end"].as_str().unwrap());
    assert_eq!(end.find("abc\" x").unwrap().unwrap().start(), 3);
    assert_eq!(end.find("abc").unwrap().unwrap().start(), 3);
}

#[test]
fn the_extension_declares_the_language_and_grammar() {
    let package: Value =
        serde_json::from_str(&read("lsp/editors/vscode/package.json")).expect("package.json");
    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "policy");
    assert_eq!(language["extensions"][0], ".policy");
    let grammar = &package["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.policy");
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("lsp/editors/vscode");
    for path in [
        grammar["path"].as_str().unwrap(),
        language["configuration"].as_str().unwrap(),
        package["main"].as_str().unwrap(),
    ] {
        assert!(folder.join(path).is_file(), "{path} is missing");
    }
    assert_eq!(
        package["contributes"]["configuration"]["properties"]["policyc.serverPath"]["default"],
        "policyc-lsp"
    );
    let config: Value =
        serde_json::from_str(&read("lsp/editors/vscode/language-configuration.json")).unwrap();
    assert_eq!(config["comments"]["lineComment"], "#");
}
