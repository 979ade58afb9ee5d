//! Turns SOQL text into tokens: names, literals, operators and punctuation, each with its position.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};

pub use super::error::Pos;
use super::error::{ErrorCode, QueryError};
use crate::salesforce::wildcard::Wildcard;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A string literal: its value, and the same text as a `LIKE` pattern (where `\%` and `\_`
/// stay literal characters while `%` and `_` are wildcards).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    /// The unescaped value.
    pub value: String,
    /// The value as a `LIKE` pattern.
    pub like: Vec<Wildcard>,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword, possibly dotted (`Account.Owner.Name`).
    Ident(String),
    /// A quoted string.
    Str(StrLit),
    /// A number, as written.
    Number(String),
    /// `YYYY-MM-DD`.
    Date(NaiveDate),
    /// `YYYY-MM-DDThh:mm:ss[.sss](Z|±hh:mm)`.
    DateTime(DateTime<Utc>),
    /// A comparison operator.
    Op(CmpOp),
    /// `,`
    Comma,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `:`
    Colon,
    /// The end of the text.
    Eof,
}

/// A token, its position and its text as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// Where it starts.
    pub pos: Pos,
    /// The source text it came from (`<EOF>` at the end).
    pub text: String,
}

impl Token {
    /// Whether the token is the keyword `kw` (keywords ignore case).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
}

/// Splits `src` into tokens, from the byte offset `start` (which must be on a character
/// boundary), ending with [`Tok::Eof`].
pub fn tokenize(src: &str, start: usize) -> Result<Vec<Token>, QueryError> {
    let mut lx = Lexer::new(src, start);
    let mut out = Vec::new();
    loop {
        let token = lx.next_token()?;
        let end = token.tok == Tok::Eof;
        out.push(token);
        if end {
            return Ok(out);
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: Pos,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str, start: usize) -> Self {
        let mut lx = Lexer {
            src,
            pos: Pos {
                line: 1,
                col: 1,
                offset: 0,
            },
        };
        while lx.pos.offset < start.min(src.len()) {
            lx.bump();
        }
        lx
    }

    fn peek(&self) -> Option<char> {
        self.src.get(self.pos.offset..)?.chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src.get(self.pos.offset..)?.chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos.offset += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.col = 1;
        } else {
            self.pos.col += 1;
        }
        Some(c)
    }

    fn error(&self, pos: Pos, message: String) -> QueryError {
        // Salesforce reports lexical errors ANTLR-style: 0-based column.
        QueryError::plain(
            ErrorCode::MalformedQuery,
            format!("line {}:{} {message}", pos.line, pos.col.saturating_sub(1)),
        )
    }

    fn next_token(&mut self) -> Result<Token, QueryError> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::Eof,
                pos: start,
                text: "<EOF>".to_string(),
            });
        };
        let tok = match c {
            ',' => self.single(Tok::Comma),
            '(' => self.single(Tok::LParen),
            ')' => self.single(Tok::RParen),
            ':' => self.single(Tok::Colon),
            '=' => self.single(Tok::Op(CmpOp::Eq)),
            '!' => {
                self.bump();
                if self.peek() == Some('=') {
                    self.bump();
                    Tok::Op(CmpOp::Ne)
                } else {
                    return Err(self.error(start, "no viable alternative at character '!'".into()));
                }
            }
            '<' => {
                self.bump();
                match self.peek() {
                    Some('=') => self.single(Tok::Op(CmpOp::Le)),
                    Some('>') => self.single(Tok::Op(CmpOp::Ne)),
                    _ => Tok::Op(CmpOp::Lt),
                }
            }
            '>' => {
                self.bump();
                if self.peek() == Some('=') {
                    self.single(Tok::Op(CmpOp::Ge))
                } else {
                    Tok::Op(CmpOp::Gt)
                }
            }
            '\'' => Tok::Str(self.string(start)?),
            c if c.is_ascii_alphabetic() || c == '_' => self.ident(),
            c if c.is_ascii_digit() || ((c == '-' || c == '+') && self.digit_follows()) => {
                self.number_or_date(start)?
            }
            other => {
                return Err(self.error(
                    start,
                    format!("no viable alternative at character '{other}'"),
                ))
            }
        };
        let text = self
            .src
            .get(start.offset..self.pos.offset)
            .unwrap_or("")
            .to_string();
        Ok(Token {
            tok,
            pos: start,
            text,
        })
    }

    fn single(&mut self, tok: Tok) -> Tok {
        self.bump();
        tok
    }

    fn digit_follows(&self) -> bool {
        self.peek_at(1).is_some_and(|c| c.is_ascii_digit())
    }

    fn ident(&mut self) -> Tok {
        let start = self.pos.offset;
        while let Some(c) = self.peek() {
            let dotted = c == '.'
                && self
                    .peek_at(1)
                    .is_some_and(|n| n.is_ascii_alphabetic() || n == '_');
            if c.is_ascii_alphanumeric() || c == '_' || dotted {
                self.bump();
            } else {
                break;
            }
        }
        Tok::Ident(
            self.src
                .get(start..self.pos.offset)
                .unwrap_or("")
                .to_string(),
        )
    }

    fn string(&mut self, start: Pos) -> Result<StrLit, QueryError> {
        self.bump(); // opening quote
        let mut value = String::new();
        let mut like = Vec::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error(
                    self.pos,
                    "mismatched character '<EOF>' expecting '''".into(),
                ));
            };
            match c {
                '\'' => return Ok(StrLit { value, like }),
                '\\' => {
                    let esc_pos = self.pos;
                    let Some(e) = self.bump() else {
                        return Err(self
                            .error(esc_pos, "mismatched character '<EOF>' expecting '''".into()));
                    };
                    let (ch, item) = match e {
                        'n' => ('\n', Wildcard::Char('\n')),
                        'r' => ('\r', Wildcard::Char('\r')),
                        't' => ('\t', Wildcard::Char('\t')),
                        'b' => ('\u{8}', Wildcard::Char('\u{8}')),
                        'f' => ('\u{c}', Wildcard::Char('\u{c}')),
                        '\'' | '"' | '\\' | '%' | '_' => (e, Wildcard::Char(e)),
                        other => {
                            let text = self.src.get(start.offset..self.pos.offset).unwrap_or("");
                            return Err(QueryError::plain(
                                ErrorCode::MalformedQuery,
                                format!(
                                    "Invalid string literal '{text}'. Illegal character sequence '\\{other}' in string literal."
                                ),
                            ));
                        }
                    };
                    value.push(ch);
                    like.push(item);
                }
                '%' => {
                    value.push(c);
                    like.push(Wildcard::Many);
                }
                '_' => {
                    value.push(c);
                    like.push(Wildcard::One);
                }
                other => {
                    value.push(other);
                    like.push(Wildcard::Char(other));
                }
            }
        }
    }

    fn take_digits(&mut self) -> usize {
        let mut n = 0;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            n += 1;
        }
        n
    }

    fn number_or_date(&mut self, start: Pos) -> Result<Tok, QueryError> {
        if matches!(self.peek(), Some('-' | '+')) {
            self.bump();
            self.take_digits();
            return self.finish_number(start);
        }
        let n = self.take_digits();
        if n == 4 && self.peek() == Some('-') && self.digit_follows() {
            return self.date(start);
        }
        self.finish_number(start)
    }

    fn finish_number(&mut self, start: Pos) -> Result<Tok, QueryError> {
        if self.peek() == Some('.') && self.digit_follows() {
            self.bump();
            self.take_digits();
        }
        if self
            .peek()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        {
            let bad = self.pos;
            let c = self.peek().unwrap_or(' ');
            return Err(self.error(bad, format!("no viable alternative at character '{c}'")));
        }
        Ok(Tok::Number(
            self.src
                .get(start.offset..self.pos.offset)
                .unwrap_or("")
                .to_string(),
        ))
    }

    fn date(&mut self, start: Pos) -> Result<Tok, QueryError> {
        // Consume everything that can belong to a date or datetime literal, then validate.
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | 'T' | 'Z' | '+' | '.'))
        {
            self.bump();
        }
        let text = self.src.get(start.offset..self.pos.offset).unwrap_or("");
        parse_date_literal(text)
            .ok_or_else(|| self.error(start, format!("invalid date or datetime literal '{text}'")))
    }
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss[.sss](Z|±hh:mm|±hhmm)`.
pub fn parse_date_literal(text: &str) -> Option<Tok> {
    if text.len() == 10 {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(Tok::Date);
    }
    let (date_part, time_part) = text.split_once('T')?;
    let date = NaiveDate::parse_from_str(date_part, "%Y-%m-%d").ok()?;
    if let Some(clock) = time_part.strip_suffix('Z') {
        let time = parse_clock(clock)?;
        return Some(Tok::DateTime(NaiveDateTime::new(date, time).and_utc()));
    }
    let sign_at = time_part.rfind(['+', '-'])?;
    let (clock, zone) = time_part.split_at(sign_at);
    let time = parse_clock(clock)?;
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    let offset = FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?;
    let local = NaiveDateTime::new(date, time)
        .and_local_timezone(offset)
        .single()?;
    Some(Tok::DateTime(local.with_timezone(&Utc)))
}

fn parse_clock(clock: &str) -> Option<NaiveTime> {
    if clock.len() < 8 {
        return None;
    }
    NaiveTime::parse_from_str(clock, "%H:%M:%S%.f").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src, 0)
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn names_operators_and_punctuation() {
        assert_eq!(
            toks("SELECT Account.Name,Id FROM x WHERE a<>1 AND b<=2"),
            vec![
                Tok::Ident("SELECT".into()),
                Tok::Ident("Account.Name".into()),
                Tok::Comma,
                Tok::Ident("Id".into()),
                Tok::Ident("FROM".into()),
                Tok::Ident("x".into()),
                Tok::Ident("WHERE".into()),
                Tok::Ident("a".into()),
                Tok::Op(CmpOp::Ne),
                Tok::Number("1".into()),
                Tok::Ident("AND".into()),
                Tok::Ident("b".into()),
                Tok::Op(CmpOp::Le),
                Tok::Number("2".into()),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn strings_unescape_and_keep_like_wildcards_apart() {
        let t = toks(r"'O\'Brien \\ 50\% _x'");
        let Tok::Str(s) = &t[0] else { panic!("{t:?}") };
        assert_eq!(s.value, r"O'Brien \ 50% _x");
        assert!(s.like.contains(&Wildcard::Char('%')));
        assert!(s.like.contains(&Wildcard::One));
        assert!(!s.like.contains(&Wildcard::Many));
    }

    #[test]
    fn bad_escapes_and_open_strings_are_malformed() {
        let e = tokenize(r"SELECT Id FROM Account WHERE Name = 'a\qb'", 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedQuery);
        assert!(
            e.message.contains(r"Illegal character sequence '\q'"),
            "{}",
            e.message
        );
        let e = tokenize("WHERE Name = 'abc", 0).unwrap_err();
        assert!(
            e.message
                .starts_with("line 1:17 mismatched character '<EOF>'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn dates_and_datetimes_with_zones() {
        assert_eq!(
            toks("2024-01-31"),
            vec![
                Tok::Date(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap()),
                Tok::Eof
            ]
        );
        let want = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().unwrap();
        assert_eq!(toks("2024-01-01T00:00:00Z")[0], Tok::DateTime(want));
        assert_eq!(toks("2024-01-01T02:00:00+02:00")[0], Tok::DateTime(want));
        assert_eq!(
            toks("2023-12-31T19:00:00.000-05:00")[0],
            Tok::DateTime(want)
        );
        assert!(tokenize("2024-13-01", 0).is_err());
        assert!(tokenize("2024-01-01T00:00", 0).is_err());
    }

    #[test]
    fn negative_numbers_and_positions() {
        let t = tokenize("a >= -1.5\n  b", 0).unwrap();
        assert_eq!(t[2].tok, Tok::Number("-1.5".into()));
        assert_eq!(
            t[3].pos,
            Pos {
                line: 2,
                col: 3,
                offset: 12
            }
        );
    }

    #[test]
    fn stray_characters_are_reported_with_their_column() {
        let e = tokenize("SELECT Id; FROM", 0).unwrap_err();
        assert_eq!(e.message, "line 1:9 no viable alternative at character ';'");
    }

    #[test]
    fn lexing_can_start_mid_text() {
        let t = tokenize("FIND {x} RETURNING", 9).unwrap();
        assert_eq!(
            t[0].pos,
            Pos {
                line: 1,
                col: 10,
                offset: 9
            }
        );
    }
}
