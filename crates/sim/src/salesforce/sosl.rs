//! The SOSL subset: `FIND {term} [IN ALL|NAME|EMAIL|PHONE FIELDS] [RETURNING Obj(fields [WHERE]
//! [ORDER BY] [LIMIT] [OFFSET]), ...] [LIMIT n]`.
//!
//! Matching is by word, as Salesforce's index does: field text and the term are split into words
//! at anything that is not a letter or digit; a term word matches a field word when they are
//! equal ignoring case, with `*` standing for any run of characters and `?` for one. Words of a
//! term written together (`acme-logistics`, `"acme logistics"`) must appear consecutively;
//! separate words must all appear (implicit `AND`); `OR` and `AND NOT` combine groups.

use chrono::NaiveDate;

use crate::salesforce::json::Json;
use crate::salesforce::records::Record;
use crate::salesforce::schema::{FieldKind, ObjectType, ALL_OBJECTS};
use crate::salesforce::soql::ast::FieldRef;
use crate::salesforce::soql::error::{ErrorCode, QueryError};
use crate::salesforce::soql::eval::{project, select, Scope};
use crate::salesforce::soql::lexer::{tokenize, Tok};
use crate::salesforce::soql::parser::Parser;
use crate::salesforce::soql::plan::{FieldPath, Plan, Projection, Resolver};
use crate::salesforce::wildcard::{self, Wildcard};

/// Salesforce's default (and largest) number of search results.
pub const DEFAULT_SEARCH_LIMIT: u64 = 2000;

/// Which fields a search looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldScope {
    /// Every text field.
    All,
    /// The object's name fields.
    Name,
    /// E-mail fields.
    Email,
    /// Phone fields.
    Phone,
}

/// Words that must appear one after the other.
pub type Phrase = Vec<Vec<Wildcard>>;

/// Phrases that must all match (or, when negated, must not).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    /// `(negated, phrase)` pairs.
    pub items: Vec<(bool, Phrase)>,
}

/// A search term: any of the groups matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Alternatives.
    pub groups: Vec<Group>,
}

/// A checked search.
#[derive(Debug, Clone)]
pub struct Search {
    /// What to find.
    pub term: Term,
    /// Where to look.
    pub scope: FieldScope,
    /// One plan per object returned, in order.
    pub specs: Vec<Plan>,
    /// Overall cap on results.
    pub limit: u64,
}

fn malformed(message: impl Into<String>) -> QueryError {
    QueryError::plain(ErrorCode::MalformedSearch, message)
}

const NO_TERM: &str = "No search term found. The search term must be enclosed in braces.";

/// Parses and checks a SOSL search; relative dates in its filters count from `today`.
#[cfg(test)]
pub fn plan_search(src: &str, today: NaiveDate) -> Result<Search, QueryError> {
    plan_search_in(src, today, &[])
}

/// Parses and checks a SOSL search in an org without the objects of `absent` (a managed
/// package not installed: naming one is `INVALID_TYPE`).
pub fn plan_search_in(
    src: &str,
    today: NaiveDate,
    absent: &[ObjectType],
) -> Result<Search, QueryError> {
    let trimmed = src.trim_start();
    let lead = src.len() - trimmed.len();
    let find_len = trimmed
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(trimmed.len());
    if !trimmed[..find_len].eq_ignore_ascii_case("FIND") {
        let word: String = trimmed.chars().take_while(|c| !c.is_whitespace()).collect();
        return Err(malformed(format!("unexpected token: '{word}'")));
    }
    let after_find = &trimmed[find_len..];
    let rest = after_find.trim_start();
    let Some(body) = rest.strip_prefix('{') else {
        return Err(malformed(NO_TERM));
    };
    let (raw_term, body_len) = scan_term(body).ok_or_else(|| malformed(NO_TERM))?;
    let term_end = lead + find_len + (after_find.len() - rest.len()) + 1 + body_len + 1;
    let term = parse_term(raw_term)?;

    let tokens = tokenize(src, term_end).map_err(QueryError::into_search)?;
    let mut p = Parser::new(src, tokens);
    let resolver = Resolver { src, today, absent };
    let scope = field_scope(&mut p)?;
    let mut specs = Vec::new();
    if p.eat_kw("RETURNING") {
        loop {
            specs.push(spec(&mut p, &resolver).map_err(QueryError::into_search)?);
            if !p.eat(&Tok::Comma) {
                break;
            }
        }
    } else {
        for object in ALL_OBJECTS {
            specs.push(id_only(object));
        }
    }
    let limit = p
        .limit()
        .map_err(QueryError::into_search)?
        .map_or(DEFAULT_SEARCH_LIMIT, |c| c.value.min(DEFAULT_SEARCH_LIMIT));
    p.expect_eof().map_err(QueryError::into_search)?;
    Ok(Search {
        term,
        scope,
        specs,
        limit,
    })
}

fn field_scope(p: &mut Parser<'_>) -> Result<FieldScope, QueryError> {
    if !p.eat_kw("IN") {
        return Ok(FieldScope::All);
    }
    let scope = if p.eat_kw("ALL") {
        FieldScope::All
    } else if p.eat_kw("NAME") {
        FieldScope::Name
    } else if p.eat_kw("EMAIL") {
        FieldScope::Email
    } else if p.eat_kw("PHONE") {
        FieldScope::Phone
    } else {
        return Err(p.unexpected(p.peek()).into_search());
    };
    if !p.eat_kw("FIELDS") {
        return Err(p.unexpected(p.peek()).into_search());
    }
    Ok(scope)
}

fn id_only(object: ObjectType) -> Plan {
    Plan {
        object,
        projection: Projection::Fields(vec![FieldPath {
            root: object,
            hops: Vec::new(),
            leaf_object: object,
            field: 0,
        }]),
        filter: None,
        order: Vec::new(),
        limit: None,
        offset: 0,
        children: Vec::new(),
    }
}

fn spec(p: &mut Parser<'_>, r: &Resolver<'_>) -> Result<Plan, QueryError> {
    let (name, pos) = p.name()?;
    let object = r.object(&name, pos)?;
    let mut plan = id_only(object);
    if !p.eat(&Tok::LParen) {
        return Ok(plan);
    }
    let fields: Vec<FieldRef> = p.field_list()?;
    plan.projection = Projection::Fields(r.fields(object, &fields)?);
    if p.eat_kw("WHERE") {
        let cond = p.condition()?;
        plan.filter = Some(r.filter(object, &cond)?);
    }
    let order = p.order_by()?;
    plan.order = r.order(object, &order)?;
    plan.limit = p.limit()?.map(|c| c.value);
    plan.offset = r.offset(p.offset()?)?;
    p.expect(&Tok::RParen)?;
    Ok(plan)
}

/// Finds the term's end: the first `}` not escaped by a backslash. Answers the raw term and
/// its length in bytes.
fn scan_term(body: &str) -> Option<(&str, usize)> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '}' => return Some((&body[..i], i)),
            _ => {}
        }
    }
    None
}

/// A character of the raw term and whether a backslash escaped it.
type Marked = (char, bool);

/// Splits the raw term into whitespace-separated chunks; a quoted phrase is one chunk.
fn chunks(raw: &str) -> Vec<(Vec<Marked>, bool)> {
    let mut out = Vec::new();
    let mut current: Vec<Marked> = Vec::new();
    let mut quoted = false;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    current.push((next, true));
                }
            }
            '"' => {
                if !current.is_empty() {
                    out.push((std::mem::take(&mut current), quoted));
                }
                quoted = !quoted;
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push((std::mem::take(&mut current), false));
                }
            }
            c => current.push((c, false)),
        }
    }
    if !current.is_empty() {
        out.push((current, quoted));
    }
    out
}

/// Splits a chunk into words at characters that are neither letters, digits nor wildcards.
fn phrase(chunk: &[Marked]) -> Phrase {
    let mut words = Vec::new();
    let mut word = Vec::new();
    for (c, escaped) in chunk {
        let glob = match (c, escaped) {
            ('*', false) => Some(Wildcard::Many),
            ('?', false) => Some(Wildcard::One),
            (c, _) if c.is_alphanumeric() => Some(Wildcard::Char(*c)),
            _ => None,
        };
        match glob {
            Some(Wildcard::Char(c)) => word.extend(c.to_lowercase().map(Wildcard::Char)),
            Some(g) => word.push(g),
            None if !word.is_empty() => words.push(std::mem::take(&mut word)),
            None => {}
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Parses the text between the braces.
pub fn parse_term(raw: &str) -> Result<Term, QueryError> {
    let letters = raw.chars().filter(|c| c.is_alphanumeric()).count();
    if letters < 2 {
        return Err(malformed(format!(
            "search term must be longer than one character: {raw}"
        )));
    }
    let mut groups = vec![Group::default()];
    let mut negate = false;
    for (chunk, quoted) in chunks(raw) {
        let text: String = chunk.iter().map(|(c, _)| *c).collect();
        let plain = !quoted && chunk.iter().all(|(_, e)| !e);
        if plain && text == "OR" {
            groups.push(Group::default());
            continue;
        }
        if plain && text == "AND" {
            continue;
        }
        if plain && text == "NOT" {
            negate = true;
            continue;
        }
        let words = phrase(&chunk);
        if words.is_empty() {
            continue;
        }
        if let Some(group) = groups.last_mut() {
            group.items.push((negate, words));
        }
        negate = false;
    }
    groups.retain(|g| g.items.iter().any(|(neg, _)| !neg));
    if groups.is_empty() {
        return Err(malformed(format!(
            "search term must be longer than one character: {raw}"
        )));
    }
    Ok(Term { groups })
}

/// The words of a text, lower case.
pub fn words(text: &str) -> Vec<Vec<char>> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).collect())
        .collect()
}

fn phrase_in(phrase: &Phrase, fields: &[Vec<Vec<char>>]) -> bool {
    fields.iter().any(|ws| {
        ws.len() >= phrase.len()
            && (0..=ws.len() - phrase.len()).any(|i| {
                phrase
                    .iter()
                    .zip(&ws[i..])
                    .all(|(p, w)| wildcard::matches(p, w))
            })
    })
}

impl Term {
    /// Whether a record's searchable text (one word list per field) matches.
    pub fn matches(&self, fields: &[Vec<Vec<char>>]) -> bool {
        self.groups.iter().any(|g| {
            g.items
                .iter()
                .all(|(negated, phrase)| phrase_in(phrase, fields) != *negated)
        })
    }
}

/// The word lists of the fields a search looks at in one record.
fn searchable(record: &Record, scope: FieldScope) -> Vec<Vec<Vec<char>>> {
    record
        .object
        .def()
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| match scope {
            FieldScope::All => f.kind.is_text() || f.name_field,
            FieldScope::Name => f.name_field,
            FieldScope::Email => f.kind == FieldKind::Email,
            FieldScope::Phone => f.kind == FieldKind::Phone,
        })
        .filter_map(|(i, _)| record.value(i).as_text().map(words))
        .collect()
}

/// Runs a search over what the scope's user may see; answers the `searchRecords` items.
pub fn run_search(search: &Search, scope: Scope<'_>, version: &str) -> Vec<Json> {
    let mut out = Vec::new();
    let cap = usize::try_from(search.limit).unwrap_or(usize::MAX);
    for plan in &search.specs {
        let Projection::Fields(paths) = &plan.projection else {
            continue;
        };
        let hits = select(plan, scope, |r| {
            search.term.matches(&searchable(r, search.scope))
        });
        for record in hits {
            if out.len() >= cap {
                return out;
            }
            out.push(project(record, paths, scope, version));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::records::Store;
    use crate::salesforce::sharing::Visibility;
    use crate::salesforce::testorg::{tiny_org, INTEGRATION, MAYA, PRIYA};

    fn search(user: usize, q: &str) -> Result<Vec<serde_json::Value>, QueryError> {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let visibility = Visibility::for_user(&org, &org.users[user].id);
        let scope = Scope {
            store: &store,
            visibility: &visibility,
        };
        let s = plan_search(q, org.anchor.date_naive())?;
        Ok(run_search(&s, scope, "v62.0")
            .into_iter()
            .map(|j| serde_json::to_value(j).unwrap())
            .collect())
    }

    fn names(rows: &[serde_json::Value]) -> Vec<String> {
        rows.iter()
            .map(|r| r["Name"].as_str().unwrap_or("-").to_string())
            .collect()
    }

    #[test]
    fn the_two_action_flow_search() {
        let rows = search(
            MAYA,
            "FIND {Acme} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5",
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["Name"], "Acme Logistics");
        assert_eq!(rows[0]["attributes"]["type"], "Account");
        assert_eq!(rows[0]["Id"], "001Tt0000000001AAA");
    }

    #[test]
    fn wildcards_words_and_phrases() {
        let q = |t: &str| {
            search(
                INTEGRATION,
                &format!("FIND {{{t}}} IN NAME FIELDS RETURNING Account(Name ORDER BY Name)"),
            )
            .unwrap()
        };
        assert_eq!(names(&q("acm*")), ["Acme Logistics"]);
        assert_eq!(
            names(&q("*in*")),
            [
                "Globex Manufacturing",
                "Initech Financial",
                "Northwind Health"
            ]
        );
        assert_eq!(names(&q("Gl?bex")), ["Globex Manufacturing"]);
        assert!(q("Acm").is_empty(), "whole words only");
        assert_eq!(names(&q("acme logistics")), ["Acme Logistics"]);
        assert!(q("acme health").is_empty());
        assert_eq!(
            names(&q("acme OR health")),
            ["Acme Logistics", "Northwind Health"]
        );
        assert_eq!(
            names(&q("*a* AND NOT health")),
            [
                "Acme Logistics",
                "Globex Manufacturing",
                "Initech Financial"
            ]
        );
        assert_eq!(names(&q("\"northwind health\"")), ["Northwind Health"]);
        assert!(q("\"health northwind\"").is_empty());
        let rows = search(
            INTEGRATION,
            "FIND {www.acme.example} RETURNING Account(Name)",
        )
        .unwrap();
        assert_eq!(names(&rows), ["Acme Logistics"]);
    }

    #[test]
    fn escaped_reserved_characters_are_literal() {
        let rows = search(INTEGRATION, r"FIND {O\'Neil} RETURNING Contact(Name)").unwrap();
        assert_eq!(names(&rows), ["Omar O'Neil"]);
        let rows = search(INTEGRATION, r"FIND {acme\*} RETURNING Account(Name)").unwrap();
        assert_eq!(names(&rows), ["Acme Logistics"]);
        let rows = search(INTEGRATION, r"FIND {x\}y} RETURNING Account(Name)").unwrap();
        assert!(rows.is_empty());
    }

    #[test]
    fn scopes_filters_limits_and_defaults() {
        let rows = search(
            INTEGRATION,
            "FIND {chicago} IN NAME FIELDS RETURNING Account(Name)",
        )
        .unwrap();
        assert!(rows.is_empty());
        let rows = search(INTEGRATION, "FIND {chicago} IN ALL FIELDS RETURNING Account(Name WHERE NumberOfEmployees > 1000 ORDER BY Name DESC LIMIT 2)").unwrap();
        assert_eq!(names(&rows), ["Northwind Health", "Initech Financial"]);
        let rows = search(INTEGRATION, "FIND {lena.fischer@acme.example} IN EMAIL FIELDS RETURNING Contact(Name), Gong__Gong_Call__c(Name)").unwrap();
        assert_eq!(names(&rows), ["Lena Fischer"]);
        let rows = search(INTEGRATION, "FIND {lena.fischer@acme.example} RETURNING Gong__Gong_Call__c(Name ORDER BY Name DESC LIMIT 2)").unwrap();
        assert_eq!(names(&rows), ["C-000004", "C-000003"]);
        let rows = search(
            INTEGRATION,
            "FIND {acme} RETURNING Account, Contact(Name) LIMIT 1",
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].as_object().map(|o| o.len()),
            Some(2),
            "attributes and Id only"
        );
        let rows = search(INTEGRATION, "find {Maya}").unwrap();
        assert!(rows.iter().any(|r| r["attributes"]["type"] == "User"));
    }

    #[test]
    fn sharing_applies_to_searches() {
        assert!(search(
            PRIYA,
            "FIND {Acme} RETURNING Account(Id), Gong__Gong_Call__c(Id)"
        )
        .unwrap()
        .is_empty());
        assert_eq!(
            search(MAYA, "FIND {Acme} RETURNING Gong__Gong_Call__c(Id)")
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn malformed_searches() {
        let cases = [
            ("FIND Acme RETURNING Account", "No search term found"),
            ("FIND {Acme RETURNING Account", "No search term found"),
            (
                "FIND {a} RETURNING Account",
                "search term must be longer than one character: a",
            ),
            ("FIND {*} RETURNING Account", "longer than one character"),
            ("SEARCH {Acme}", "unexpected token: 'SEARCH'"),
            (
                "FIND {Acme} RETURNING Account(Id",
                "unexpected token: '<EOF>'",
            ),
            ("FIND {Acme} IN EVERY FIELDS", "unexpected token: 'EVERY'"),
            ("FIND {Acme} RETURNING Account() ", "unexpected token: ')'"),
        ];
        for (q, msg) in cases {
            let e = search(MAYA, q).unwrap_err();
            assert_eq!(e.code, ErrorCode::MalformedSearch, "{q}");
            assert!(e.message.contains(msg), "{q}: {}", e.message);
        }
        let e = search(MAYA, "FIND {Acme} RETURNING Acount(Id)").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidType);
        let e = search(MAYA, "FIND {Acme} RETURNING Account(Foo)").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidField);
    }
}
