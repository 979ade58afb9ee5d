//! A recursive-descent parser for the SOQL subset; its clause parsers are shared with SOSL.

use super::ast::{
    Cond, Count, DateFn, FieldRef, LitKind, Literal, Operator, OrderItem, Query, Selection,
};
use super::error::{ErrorCode, QueryError};
use super::lexer::{tokenize, Tok, Token};

/// Words that end or structure a clause and so cannot be field names.
const RESERVED: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "ORDER",
    "BY",
    "LIMIT",
    "OFFSET",
    "ASC",
    "DESC",
    "NULLS",
    "NULL",
    "TRUE",
    "FALSE",
    "GROUP",
    "HAVING",
    "WITH",
    "FOR",
    "USING",
    "INCLUDES",
    "EXCLUDES",
    "RETURNING",
    "FIND",
    "TYPEOF",
];

/// Parses one SOQL query.
pub fn parse_query(src: &str) -> Result<Query, QueryError> {
    let mut p = Parser::new(src, tokenize(src, 0)?);
    let q = p.query()?;
    p.expect_eof()?;
    Ok(q)
}

/// A cursor over the tokens of one text.
pub struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

impl<'a> Parser<'a> {
    /// A parser over `tokens`, which were lexed from `src` and end with [`Tok::Eof`].
    pub fn new(src: &'a str, tokens: Vec<Token>) -> Self {
        Parser { src, tokens, at: 0 }
    }

    /// The current token.
    pub fn peek(&self) -> &Token {
        static EOF: Token = Token {
            tok: Tok::Eof,
            pos: super::lexer::Pos {
                line: 1,
                col: 1,
                offset: 0,
            },
            text: String::new(),
        };
        self.tokens
            .get(self.at)
            .or_else(|| self.tokens.last())
            .unwrap_or(&EOF)
    }

    fn peek_at(&self, n: usize) -> Option<&Token> {
        self.tokens.get(self.at + n)
    }

    fn advance(&mut self) -> Token {
        let t = self.peek().clone();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        t
    }

    /// The error Salesforce gives for a token it did not expect.
    pub fn unexpected(&self, token: &Token) -> QueryError {
        QueryError::at(
            ErrorCode::MalformedQuery,
            self.src,
            token.pos,
            format!("unexpected token: '{}'", token.text),
        )
    }

    /// Consumes the keyword `kw` if it is next.
    pub fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek().is_kw(kw) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), QueryError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(self.peek()))
        }
    }

    /// Consumes `tok` if it is next.
    pub fn eat(&mut self, tok: &Tok) -> bool {
        if &self.peek().tok == tok {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Fails unless `tok` is next, and consumes it.
    pub fn expect(&mut self, tok: &Tok) -> Result<(), QueryError> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.unexpected(self.peek()))
        }
    }

    /// Fails unless the text is finished.
    pub fn expect_eof(&self) -> Result<(), QueryError> {
        if self.peek().tok == Tok::Eof {
            Ok(())
        } else {
            Err(self.unexpected(self.peek()))
        }
    }

    fn query(&mut self) -> Result<Query, QueryError> {
        self.query_at(false)
    }

    /// A query; `nested` inside a subquery, where Salesforce allows no further subquery.
    fn query_at(&mut self, nested: bool) -> Result<Query, QueryError> {
        self.expect_kw("SELECT")?;
        let (selection, subqueries) = self.selection(nested)?;
        self.expect_kw("FROM")?;
        let (from, from_pos) = self.name()?;
        let filter = if self.eat_kw("WHERE") {
            Some(self.condition()?)
        } else {
            None
        };
        let order_by = self.order_by()?;
        let limit = self.limit()?;
        let offset = self.offset()?;
        Ok(Query {
            selection,
            from,
            from_pos,
            filter,
            order_by,
            limit,
            offset,
            subqueries,
        })
    }

    /// The select list: `COUNT()`, or fields and (outside a subquery) parent-to-child
    /// subqueries in any order.
    fn selection(&mut self, nested: bool) -> Result<(Selection, Vec<Query>), QueryError> {
        if self.peek().is_kw("COUNT") && self.peek_at(1).is_some_and(|t| t.tok == Tok::LParen) {
            let pos = self.advance().pos;
            self.expect(&Tok::LParen)?;
            self.expect(&Tok::RParen)?;
            return Ok((Selection::Count(pos), Vec::new()));
        }
        let mut fields = Vec::new();
        let mut subqueries = Vec::new();
        loop {
            let opens_subquery = self.peek().tok == Tok::LParen
                && self.peek_at(1).is_some_and(|t| t.is_kw("SELECT"));
            if opens_subquery {
                if nested {
                    return Err(self.unexpected(self.peek()));
                }
                self.advance();
                subqueries.push(self.query_at(true)?);
                self.expect(&Tok::RParen)?;
            } else {
                fields.push(self.field()?);
            }
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        Ok((Selection::Fields(fields), subqueries))
    }

    /// `field (, field)*`.
    pub fn field_list(&mut self) -> Result<Vec<FieldRef>, QueryError> {
        let mut fields = vec![self.field()?];
        while self.eat(&Tok::Comma) {
            fields.push(self.field()?);
        }
        Ok(fields)
    }

    /// A field path: a name that is not a reserved word.
    pub fn field(&mut self) -> Result<FieldRef, QueryError> {
        let (path, pos) = self.name()?;
        if self.peek().tok == Tok::LParen {
            // Functions (aggregates, FORMAT, toLabel, ...) are outside the subset.
            return Err(self.unexpected(self.peek()));
        }
        Ok(FieldRef { path, pos })
    }

    /// An identifier that is not a reserved word.
    pub fn name(&mut self) -> Result<(String, super::lexer::Pos), QueryError> {
        let token = self.peek().clone();
        match &token.tok {
            Tok::Ident(s) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) => {
                self.at += 1;
                Ok((s.clone(), token.pos))
            }
            _ => Err(self.unexpected(&token)),
        }
    }

    /// A `WHERE` condition. Salesforce refuses `AND` and `OR` mixed without parentheses.
    pub fn condition(&mut self) -> Result<Cond, QueryError> {
        let first = self.unary()?;
        let mut parts = vec![first];
        let mut joiner: Option<&'static str> = None;
        loop {
            let kw = if self.peek().is_kw("AND") {
                "AND"
            } else if self.peek().is_kw("OR") {
                "OR"
            } else {
                break;
            };
            if joiner.is_some_and(|j| j != kw) {
                return Err(self.unexpected(self.peek()));
            }
            joiner = Some(kw);
            self.at += 1;
            parts.push(self.unary()?);
        }
        Ok(match (joiner, parts.len()) {
            (_, 1) => parts.remove(0),
            (Some("OR"), _) => Cond::Or(parts),
            _ => Cond::And(parts),
        })
    }

    fn unary(&mut self) -> Result<Cond, QueryError> {
        if self.eat_kw("NOT") {
            return Ok(Cond::Not(Box::new(self.unary()?)));
        }
        if self.eat(&Tok::LParen) {
            let inner = self.condition()?;
            self.expect(&Tok::RParen)?;
            return Ok(inner);
        }
        self.test()
    }

    fn test(&mut self) -> Result<Cond, QueryError> {
        let field = self.field()?;
        let op_token = self.advance();
        let op = match &op_token.tok {
            Tok::Op(op) => Operator::Cmp(*op),
            _ if op_token.is_kw("LIKE") => Operator::Like,
            _ if op_token.is_kw("IN") => Operator::In,
            _ if op_token.is_kw("NOT") && self.eat_kw("IN") => Operator::NotIn,
            _ if op_token.is_kw("NOT") => return Err(self.unexpected(self.peek())),
            _ => return Err(self.unexpected(&op_token)),
        };
        let values = match op {
            Operator::In | Operator::NotIn => {
                self.expect(&Tok::LParen)?;
                let mut values = vec![self.literal()?];
                while self.eat(&Tok::Comma) {
                    values.push(self.literal()?);
                }
                self.expect(&Tok::RParen)?;
                values
            }
            _ => vec![self.literal()?],
        };
        Ok(Cond::Test { field, op, values })
    }

    /// A literal value.
    pub fn literal(&mut self) -> Result<Literal, QueryError> {
        let token = self.advance();
        let kind = match &token.tok {
            Tok::Str(s) => LitKind::Str(s.clone()),
            Tok::Number(n) => LitKind::Number(n.clone()),
            Tok::Date(d) => LitKind::Date(*d),
            Tok::DateTime(t) => LitKind::DateTime(*t),
            Tok::Ident(s) if s.eq_ignore_ascii_case("null") => LitKind::Null,
            Tok::Ident(s) if s.eq_ignore_ascii_case("true") => LitKind::Bool(true),
            Tok::Ident(s) if s.eq_ignore_ascii_case("false") => LitKind::Bool(false),
            Tok::Ident(s) if DateFn::takes_arg(s) => {
                if !self.eat(&Tok::Colon) {
                    let found = self.peek().clone();
                    return Err(QueryError::at(
                        ErrorCode::MalformedQuery,
                        self.src,
                        found.pos,
                        format!("expecting a colon, found '{}'", found.text),
                    ));
                }
                let n_token = self.advance();
                let n = match &n_token.tok {
                    Tok::Number(n) => n.parse::<u32>().ok(),
                    _ => None,
                };
                let Some(n) = n else {
                    return Err(self.unexpected(&n_token));
                };
                match DateFn::with_arg(s, n) {
                    Some(f) => LitKind::DateFn(f),
                    None => return Err(self.unexpected(&token)),
                }
            }
            Tok::Ident(s) => match DateFn::plain(s) {
                Some(f) => LitKind::DateFn(f),
                None => return Err(self.unexpected(&token)),
            },
            _ => return Err(self.unexpected(&token)),
        };
        Ok(Literal {
            kind,
            pos: token.pos,
        })
    }

    /// `ORDER BY item (, item)*` if present.
    pub fn order_by(&mut self) -> Result<Vec<OrderItem>, QueryError> {
        if !self.eat_kw("ORDER") {
            return Ok(Vec::new());
        }
        self.expect_kw("BY")?;
        let mut items = Vec::new();
        loop {
            let field = self.field()?;
            let descending = if self.eat_kw("DESC") {
                true
            } else {
                self.eat_kw("ASC");
                false
            };
            let nulls_first = if self.eat_kw("NULLS") {
                if self.eat_kw("FIRST") {
                    Some(true)
                } else if self.eat_kw("LAST") {
                    Some(false)
                } else {
                    return Err(self.unexpected(self.peek()));
                }
            } else {
                None
            };
            items.push(OrderItem {
                field,
                descending,
                nulls_first,
            });
            if !self.eat(&Tok::Comma) {
                return Ok(items);
            }
        }
    }

    /// `LIMIT n` if present.
    pub fn limit(&mut self) -> Result<Option<Count>, QueryError> {
        self.count_clause("LIMIT")
    }

    /// `OFFSET n` if present.
    pub fn offset(&mut self) -> Result<Option<Count>, QueryError> {
        self.count_clause("OFFSET")
    }

    fn count_clause(&mut self, kw: &str) -> Result<Option<Count>, QueryError> {
        if !self.eat_kw(kw) {
            return Ok(None);
        }
        let token = self.advance();
        match &token.tok {
            Tok::Number(n) => match n.parse::<u64>() {
                Ok(value) => Ok(Some(Count {
                    value,
                    pos: token.pos,
                })),
                Err(_) => Err(self.unexpected(&token)),
            },
            _ => Err(self.unexpected(&token)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::CmpOp;
    use super::*;

    fn field(path: &str) -> String {
        path.to_string()
    }

    #[test]
    fn full_query() {
        let q = parse_query(
            "SELECT Id, Account.Name FROM Contact WHERE (Name LIKE 'A%' OR Title = null) AND NOT Email != 'x' \
             ORDER BY Name DESC NULLS FIRST, Id LIMIT 10 OFFSET 5",
        )
        .unwrap();
        let Selection::Fields(f) = &q.selection else {
            panic!()
        };
        assert_eq!(
            f.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
            [field("Id"), field("Account.Name")]
        );
        assert_eq!(q.from, "Contact");
        let Some(Cond::And(parts)) = &q.filter else {
            panic!("{:?}", q.filter)
        };
        assert!(matches!(parts[0], Cond::Or(_)));
        assert!(matches!(parts[1], Cond::Not(_)));
        assert_eq!(q.order_by.len(), 2);
        assert!(q.order_by[0].descending);
        assert_eq!(q.order_by[0].nulls_first, Some(true));
        assert_eq!(q.limit.map(|c| c.value), Some(10));
        assert_eq!(q.offset.map(|c| c.value), Some(5));
    }

    #[test]
    fn count_in_and_relative_dates() {
        let q = parse_query(
            "select count() from Gong__Gong_Call__c where Gong__Call_Start__c = LAST_N_DAYS:30 and Id not in ('a','b')",
        )
        .unwrap();
        assert!(matches!(q.selection, Selection::Count(_)));
        let Some(Cond::And(parts)) = &q.filter else {
            panic!()
        };
        let Cond::Test { op, values, .. } = &parts[0] else {
            panic!()
        };
        assert_eq!(*op, Operator::Cmp(CmpOp::Eq));
        assert_eq!(values[0].kind, LitKind::DateFn(DateFn::LastNDays(30)));
        let Cond::Test { op, values, .. } = &parts[1] else {
            panic!()
        };
        assert_eq!(*op, Operator::NotIn);
        assert_eq!(values.len(), 2);
    }

    #[test]
    fn misspelled_keyword_is_reported_where_it_stands() {
        let e = parse_query("SELECT Id FORM Account").unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedQuery);
        assert!(
            e.message.contains("ERROR at Row:1:Column:11"),
            "{}",
            e.message
        );
        assert!(
            e.message.ends_with("unexpected token: 'FORM'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn mixing_and_with_or_needs_parentheses() {
        let e = parse_query("SELECT Id FROM Account WHERE Name = 'a' AND Id = null OR Name = 'b'")
            .unwrap_err();
        assert!(
            e.message.ends_with("unexpected token: 'OR'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn other_malformed_queries() {
        for bad in [
            "SELECT FROM Account",
            "SELECT Id FROM",
            "SELECT Id FROM Account WHERE",
            "SELECT Id FROM Account LIMIT x",
            "SELECT Id FROM Account WHERE Name = ",
            "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS",
            "SELECT Id FROM Account WHERE CreatedDate = SOMEDAY",
            "SELECT Id FROM Account ORDER Name",
            "SELECT COUNT(Id) FROM Account",
            "SELECT Id FROM Account GROUP BY Name",
            "SELECT Id FROM Account WHERE Name IN 'a'",
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)",
        ] {
            let e = parse_query(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::MalformedQuery, "{bad}");
        }
        let e =
            parse_query("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS 3").unwrap_err();
        assert!(
            e.message.ends_with("expecting a colon, found '3'"),
            "{}",
            e.message
        );
        let e = parse_query("SELECT Id FROM").unwrap_err();
        assert!(
            e.message.ends_with("unexpected token: '<EOF>'"),
            "{}",
            e.message
        );
    }
}
