//! The parsed shape of a SOQL query (and of SOSL's per-object clauses), before names are checked.

use chrono::{DateTime, NaiveDate, Utc};

use super::lexer::{CmpOp, Pos, StrLit};

/// A field path as written (`Name`, `Account.Owner.Name`) and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRef {
    /// The dotted path.
    pub path: String,
    /// Its position.
    pub pos: Pos,
}

/// What a query selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// `COUNT()`: only the number of matching records.
    Count(Pos),
    /// A list of fields.
    Fields(Vec<FieldRef>),
}

/// A relative date literal such as `TODAY` or `LAST_N_DAYS:7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFn {
    /// `YESTERDAY`
    Yesterday,
    /// `TODAY`
    Today,
    /// `TOMORROW`
    Tomorrow,
    /// `LAST_WEEK`
    LastWeek,
    /// `THIS_WEEK`
    ThisWeek,
    /// `NEXT_WEEK`
    NextWeek,
    /// `LAST_MONTH`
    LastMonth,
    /// `THIS_MONTH`
    ThisMonth,
    /// `NEXT_MONTH`
    NextMonth,
    /// `LAST_YEAR`
    LastYear,
    /// `THIS_YEAR`
    ThisYear,
    /// `NEXT_YEAR`
    NextYear,
    /// `LAST_90_DAYS`
    Last90Days,
    /// `NEXT_90_DAYS`
    Next90Days,
    /// `LAST_N_DAYS:n`
    LastNDays(u32),
    /// `NEXT_N_DAYS:n`
    NextNDays(u32),
    /// `N_DAYS_AGO:n`
    NDaysAgo(u32),
}

impl DateFn {
    /// The literal without an argument, if `name` is one (ignoring case).
    pub fn plain(name: &str) -> Option<DateFn> {
        let f = match name.to_ascii_uppercase().as_str() {
            "YESTERDAY" => DateFn::Yesterday,
            "TODAY" => DateFn::Today,
            "TOMORROW" => DateFn::Tomorrow,
            "LAST_WEEK" => DateFn::LastWeek,
            "THIS_WEEK" => DateFn::ThisWeek,
            "NEXT_WEEK" => DateFn::NextWeek,
            "LAST_MONTH" => DateFn::LastMonth,
            "THIS_MONTH" => DateFn::ThisMonth,
            "NEXT_MONTH" => DateFn::NextMonth,
            "LAST_YEAR" => DateFn::LastYear,
            "THIS_YEAR" => DateFn::ThisYear,
            "NEXT_YEAR" => DateFn::NextYear,
            "LAST_90_DAYS" => DateFn::Last90Days,
            "NEXT_90_DAYS" => DateFn::Next90Days,
            _ => return None,
        };
        Some(f)
    }

    /// The literal taking `:n`, if `name` is one (ignoring case).
    pub fn with_arg(name: &str, n: u32) -> Option<DateFn> {
        match name.to_ascii_uppercase().as_str() {
            "LAST_N_DAYS" => Some(DateFn::LastNDays(n)),
            "NEXT_N_DAYS" => Some(DateFn::NextNDays(n)),
            "N_DAYS_AGO" => Some(DateFn::NDaysAgo(n)),
            _ => None,
        }
    }

    /// Whether `name` is a literal that takes `:n`.
    pub fn takes_arg(name: &str) -> bool {
        DateFn::with_arg(name, 0).is_some()
    }
}

/// A literal value in a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum LitKind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A quoted string.
    Str(StrLit),
    /// A number, as written.
    Number(String),
    /// A date.
    Date(NaiveDate),
    /// A datetime.
    DateTime(DateTime<Utc>),
    /// A relative date.
    DateFn(DateFn),
}

/// A literal and its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The value.
    pub kind: LitKind,
    /// Where it stands.
    pub pos: Pos,
}

/// The operator of one condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// A comparison.
    Cmp(CmpOp),
    /// `LIKE`
    Like,
    /// `IN`
    In,
    /// `NOT IN`
    NotIn,
}

/// A `WHERE` condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// All must hold.
    And(Vec<Cond>),
    /// One must hold.
    Or(Vec<Cond>),
    /// Must not hold.
    Not(Box<Cond>),
    /// `field op value` (for `IN`/`NOT IN`, several values).
    Test {
        /// The field tested.
        field: FieldRef,
        /// The operator.
        op: Operator,
        /// One value, or the list of `IN`.
        values: Vec<Literal>,
    },
}

/// One `ORDER BY` item.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    /// The field.
    pub field: FieldRef,
    /// `DESC` (default ascending).
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST`; `None` means the default (first when ascending, last when
    /// descending).
    pub nulls_first: Option<bool>,
}

/// A number in `LIMIT` or `OFFSET`, and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The number.
    pub value: u64,
    /// Its position.
    pub pos: Pos,
}

/// A whole SOQL query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The select list.
    pub selection: Selection,
    /// The object name as written.
    pub from: String,
    /// Where the object name stands.
    pub from_pos: Pos,
    /// `WHERE`
    pub filter: Option<Cond>,
    /// `ORDER BY`
    pub order_by: Vec<OrderItem>,
    /// `LIMIT`
    pub limit: Option<Count>,
    /// `OFFSET`
    pub offset: Option<Count>,
    /// Parent-to-child subqueries in the select list (`(SELECT Name FROM Contacts)`), whose
    /// `from` is a child relationship name; always empty inside a subquery.
    pub subqueries: Vec<Query>,
}
