//! Escaping of untrusted text for SOQL string literals and SOSL search terms, so that a value
//! (an account name typed by a user, an id from a model) always stays one literal and can never
//! change the query around it.

/// Characters Salesforce reserves inside a SOSL `FIND {...}` term; each is escaped with `\`.
pub const SOSL_RESERVED: &[char] = &[
    '?', '&', '|', '!', '{', '}', '[', ']', '(', ')', '^', '~', '*', ':', '\\', '"', '\'', '+', '-',
];

/// A quoted SOQL string literal holding exactly `s`: `'` → `\'`, `\` → `\\`, `"` → `\"`,
/// and newline, carriage return, tab, backspace and form feed as `\n \r \t \b \f`.
///
/// `%` and `_` are left alone: they are wildcards only under `LIKE`; use
/// [`soql_like_contains`] to match text containing them literally.
pub fn soql_string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    push_escaped(&mut out, s, false);
    out.push('\'');
    out
}

/// A quoted `LIKE` pattern matching any text that contains `s` (`'%<s>%'`), with `s`'s own
/// `%` and `_` escaped so they match literally.
pub fn soql_like_contains(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    out.push_str("'%");
    push_escaped(&mut out, s, true);
    out.push_str("%'");
    out
}

fn push_escaped(out: &mut String, s: &str, like: bool) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '%' | '_' if like => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

/// `s` as a SOSL search term (the text between `FIND {` and `}`), every reserved character
/// backslash-escaped so it is searched for literally and cannot end the term.
pub fn sosl_term(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if SOSL_RESERVED.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether `s` has the shape of a Salesforce record id: 15 or 18 ASCII letters and digits.
/// Checking this before putting an id into a URL or query keeps arbitrary text out.
pub fn is_salesforce_id(s: &str) -> bool {
    (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads a quoted SOQL literal from the start of `text` as Salesforce's lexer does; answers
    /// the value and what follows the closing quote.
    fn read_soql_literal(text: &str) -> Option<(String, &str)> {
        let mut chars = text.char_indices();
        if chars.next()?.1 != '\'' {
            return None;
        }
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => return Some((value, &text[i + 1..])),
                '\\' => {
                    let (_, e) = chars.next()?;
                    value.push(match e {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        '\'' | '"' | '\\' | '%' | '_' => e,
                        _ => return None,
                    });
                }
                c => value.push(c),
            }
        }
        None
    }

    /// Reads a SOSL term up to the first unescaped `}`; answers the unescaped term and the rest.
    fn read_sosl_term(text: &str) -> Option<(String, &str)> {
        let mut chars = text.char_indices();
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '}' => return Some((value, &text[i + 1..])),
                '\\' => value.push(chars.next()?.1),
                c if SOSL_RESERVED.contains(&c) => return None,
                c => value.push(c),
            }
        }
        None
    }

    #[test]
    fn examples() {
        assert_eq!(soql_string_literal("O'Brien"), r"'O\'Brien'");
        assert_eq!(soql_string_literal("a\\b\n\"c\""), r#"'a\\b\n\"c\"'"#);
        assert_eq!(soql_string_literal("50%_off"), "'50%_off'");
        assert_eq!(soql_like_contains("50%_off"), r"'%50\%\_off%'");
        assert_eq!(sosl_term("Acme"), "Acme");
        assert_eq!(sosl_term("AT&T (US) -x*"), r"AT\&T \(US\) \-x\*");
        assert_eq!(sosl_term("}{"), r"\}\{");
        assert!(is_salesforce_id("001Dm0000000001AAA"));
        assert!(is_salesforce_id("001Dm0000000001"));
        assert!(!is_salesforce_id("001Dm000000001"));
        assert!(!is_salesforce_id("001Dm0000000001' OR"));
        assert!(!is_salesforce_id("001Dm00000000/1AAA"));
    }

    proptest! {
        #[test]
        fn soql_literals_round_trip_and_close_only_at_the_end(s in any::<String>(), tail in "[ A-Za-z=']{0,8}") {
            let lit = soql_string_literal(&s);
            let text = format!("{lit}{tail}");
            let (value, rest) = read_soql_literal(&text).expect("literal reads");
            prop_assert_eq!(value, s);
            prop_assert_eq!(rest, tail.as_str());
        }

        #[test]
        fn like_patterns_keep_wildcards_literal(s in any::<String>()) {
            let lit = soql_like_contains(&s);
            let (value, rest) = read_soql_literal(&lit).expect("literal reads");
            prop_assert_eq!(rest, "");
            prop_assert_eq!(value, format!("%{s}%"));
            // Inside, every % and _ of `s` is preceded by a backslash.
            let inner = &lit[2..lit.len() - 2];
            let mut escaped = false;
            for c in inner.chars() {
                if !escaped && (c == '%' || c == '_') {
                    prop_assert!(false, "unescaped wildcard in {}", lit);
                }
                escaped = !escaped && c == '\\';
            }
        }

        #[test]
        fn sosl_terms_round_trip_and_never_close_early(s in any::<String>(), tail in "[ A-Za-z]{0,8}") {
            let term = sosl_term(&s);
            let text = format!("{term}}}{tail}");
            let (value, rest) = read_sosl_term(&text).expect("term reads");
            prop_assert_eq!(value, s);
            prop_assert_eq!(rest, tail.as_str());
        }

        #[test]
        fn ids_are_15_or_18_alphanumerics(s in "[A-Za-z0-9]{15}|[A-Za-z0-9]{18}", bad in "[A-Za-z0-9]{0,14}|[A-Za-z0-9]{16,17}|[A-Za-z0-9]{19,30}") {
            prop_assert!(is_salesforce_id(&s));
            prop_assert!(!is_salesforce_id(&bad));
        }

        #[test]
        fn ids_with_any_other_character_are_refused(prefix in "[A-Za-z0-9]{0,14}", c in "[^A-Za-z0-9]") {
            let s: String = format!("{prefix}{c}").chars().chain(std::iter::repeat('a')).take(15).collect();
            prop_assert!(!is_salesforce_id(&s));
        }
    }
}
