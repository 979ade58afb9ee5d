//! Wildcard patterns, shared by SOQL `LIKE` (`%`, `_`) and SOSL search terms (`*`, `?`): one
//! element type and one matcher, so both languages match alike.

/// One element of a wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wildcard {
    /// A character that must match exactly (callers lower-case pattern and text to ignore case).
    Char(char),
    /// Any run of characters: `%` in `LIKE`, `*` in SOSL.
    Many,
    /// Exactly one character: `_` in `LIKE`, `?` in SOSL.
    One,
}

/// Whether `text` matches all of `pattern`: iterative matching that backtracks only to the last
/// [`Wildcard::Many`], so no pattern can make it recurse deeply or run away.
pub fn matches(pattern: &[Wildcard], text: &[char]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Wildcard::Many) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Wildcard::One) => {
                p += 1;
                t += 1;
            }
            Some(Wildcard::Char(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|w| *w == Wildcard::Many)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(s: &str) -> Vec<Wildcard> {
        s.chars()
            .map(|c| match c {
                '*' => Wildcard::Many,
                '?' => Wildcard::One,
                c => Wildcard::Char(c),
            })
            .collect()
    }

    fn text(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn wildcards_match_runs_and_single_characters() {
        assert!(matches(&pattern("ac*"), &text("acme")));
        assert!(matches(&pattern("*"), &text("")));
        assert!(matches(&pattern("a?me"), &text("acme")));
        assert!(matches(&pattern("*s*s"), &text("logistics")));
        assert!(!matches(&pattern("a?me"), &text("acme logistics")));
        assert!(!matches(&pattern("x*"), &text("acme")));
        assert!(!matches(&pattern("acme"), &text("Acme")));
    }
}
