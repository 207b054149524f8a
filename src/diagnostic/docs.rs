//! The documentation of diagnostic codes: docs/checks.md, compiled in (`policyc explain`), and
//! where it is published (SARIF `helpUri`, the language server's `codeDescription`).

use super::Code;

/// docs/checks.md as it was when policyc was built.
pub const CHECKS_MD: &str = include_str!("../../docs/checks.md");

/// The section of docs/checks.md that documents `code`: its `## \`code\`` heading and
/// everything up to the next heading of the same level.
pub fn section(code: Code) -> Option<&'static str> {
    let heading = format!("## `{}`", code.as_str());
    let start = CHECKS_MD
        .match_indices(&heading)
        .map(|(i, _)| i)
        .find(|&i| {
            (i == 0 || CHECKS_MD[..i].ends_with('\n'))
                && CHECKS_MD[i + heading.len()..].starts_with(['\n', '\r'])
        })?;
    let body = &CHECKS_MD[start..];
    let end = body[heading.len()..]
        .find("\n## ")
        .map_or(body.len(), |i| heading.len() + i + 1);
    Some(body[..end].trim_end())
}

/// The published address of `code`'s documentation, `<docs/checks.md>#<code>`, or `None` when
/// policyc was built without one. It is `POLICYC_DOCS_URL` at build time (the page's address),
/// else `<package.repository>/blob/main/docs/checks.md`; never a path on the build machine.
pub fn url(code: Code) -> Option<String> {
    published(
        option_env!("POLICYC_DOCS_URL"),
        option_env!("CARGO_PKG_REPOSITORY"),
    )
    .map(|page| format!("{page}#{}", code.as_str()))
}

/// The address of docs/checks.md from the build's settings: an explicit page, else the
/// repository's copy on its main branch; only absolute http(s) addresses count.
fn published(page: Option<&str>, repository: Option<&str>) -> Option<String> {
    let web = |s: &&str| s.starts_with("https://") || s.starts_with("http://");
    if let Some(page) = page.map(str::trim).filter(web) {
        return Some(page.to_owned());
    }
    repository
        .map(|r| r.trim().trim_end_matches('/').trim_end_matches(".git"))
        .filter(web)
        .map(|r| format!("{r}/blob/main/docs/checks.md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_section_that_stops_at_the_next_code() {
        for &code in Code::ALL {
            let text = section(code).unwrap_or_default();
            assert!(
                text.starts_with(&format!("## `{}`\n", code.as_str())),
                "{code}"
            );
            assert_eq!(text.matches("\n## ").count(), 0, "{code}");
        }
        let syntax = section(Code::Syntax).unwrap_or_default();
        assert!(syntax.contains("```policy fails"));
        assert!(!syntax.contains("## `unknown-reference`"));
    }

    #[test]
    fn the_published_address_is_a_web_address_or_nothing() {
        assert_eq!(published(None, None), None);
        assert_eq!(published(None, Some("")), None);
        // A path on the build machine is never an address.
        assert_eq!(
            published(Some("/home/me/policyc/docs/checks.md"), None),
            None
        );
        assert_eq!(
            published(None, Some("https://github.com/acme/policyc.git")),
            Some("https://github.com/acme/policyc/blob/main/docs/checks.md".to_owned())
        );
        assert_eq!(
            published(
                Some("https://policyc.example/checks"),
                Some("https://github.com/acme/policyc")
            ),
            Some("https://policyc.example/checks".to_owned())
        );
    }
}
