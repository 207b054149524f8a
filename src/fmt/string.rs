//! Strings in their canonical spelling: the value the parser reads, escaped one way only.

use super::FormatError;

/// Re-escapes a string literal as written (quotes included): `"`, `\`, line feed, tab and
/// carriage return by their short escapes, other control characters as `\u{..}` in lowercase
/// hexadecimal, everything else (non-ASCII included) as itself.
pub(super) fn canonical(literal: &str) -> Result<String, FormatError> {
    let inner = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(|| FormatError::Internal(format!("`{literal}` is not a string")))?;
    let value = unescape(inner)
        .ok_or_else(|| FormatError::Internal(format!("`{literal}` has an invalid escape")))?;
    Ok(escape(&value))
}

pub(super) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The escapes of the grammar (docs/language.md, Strings); `None` on any other.
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let mut hex = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        h => hex.push(h),
                    }
                }
                if hex.is_empty() || hex.len() > 6 {
                    return None;
                }
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_one_way_only() {
        let canon = |s: &str| canonical(s).unwrap_or_default();
        assert_eq!(canon(r#""a\u{22}b\u{5C}""#), r#""a\"b\\""#);
        assert_eq!(
            canon(r#""\u{A}\u{9}\u{d}\u{0}\u{7f}""#),
            r#""\n\t\r\u{0}\u{7f}""#
        );
        assert_eq!(canon(r#""caf\u{e9} 🔑 #""#), r#""café 🔑 #""#);
        assert!(canonical(r#""\q""#).is_err());
        assert!(canonical(r#""\u{d800}""#).is_err());
    }
}
