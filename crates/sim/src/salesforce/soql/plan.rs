//! Checks a parsed query against the schema and turns it into a typed plan: names resolved to
//! fields, literals converted to the field's type, relative dates to concrete ranges.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::ast::{Cond, DateFn, FieldRef, LitKind, Literal, Operator, OrderItem, Query, Selection};
use super::error::{ErrorCode, QueryError};
use super::lexer::{CmpOp, Pos};
use super::parser::parse_query;
use crate::salesforce::schema::{child_relationship, FieldDef, FieldKind, ObjectType};
use crate::salesforce::value::{is_id_shaped, Value};
use crate::salesforce::wildcard::Wildcard;

/// Salesforce's largest `OFFSET`.
pub const MAX_OFFSET: u64 = 2000;

/// A resolved field path: the lookups to follow from the root object, then the field to read.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    /// The object the path starts from.
    pub root: ObjectType,
    /// Indexes of the lookup fields to follow, in order.
    pub hops: Vec<(ObjectType, usize)>,
    /// The object holding the final field.
    pub leaf_object: ObjectType,
    /// Index of the final field in `leaf_object`'s field list.
    pub field: usize,
}

impl FieldPath {
    /// The final field's definition.
    pub fn leaf(&self) -> &'static FieldDef {
        &self.leaf_object.def().fields[self.field]
    }

    /// The path in canonical spelling (`Account.Owner.Name`).
    pub fn canonical(&self) -> String {
        let mut parts: Vec<&str> = self
            .hops
            .iter()
            .filter_map(|(o, i)| o.def().fields[*i].relationship.map(|r| r.name))
            .collect();
        parts.push(self.leaf().name);
        parts.join(".")
    }
}

/// What a query answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Projection {
    /// Only the count.
    Count,
    /// These fields of each record.
    Fields(Vec<FieldPath>),
}

/// One test of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Compare with one value.
    Cmp(CmpOp, Value),
    /// Compare with a relative date: the range `[start, end)`.
    Range(CmpOp, Value, Value),
    /// Match a `LIKE` pattern.
    Like(Vec<Wildcard>),
    /// Equal to one of the values.
    In(Vec<Value>),
    /// Equal to none of the values.
    NotIn(Vec<Value>),
}

/// A typed `WHERE` condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// All must hold.
    And(Vec<Filter>),
    /// One must hold.
    Or(Vec<Filter>),
    /// Must not hold.
    Not(Box<Filter>),
    /// A field test.
    Test(FieldPath, Test),
}

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The field.
    pub path: FieldPath,
    /// Largest first.
    pub descending: bool,
    /// Nulls before values.
    pub nulls_first: bool,
}

/// A checked query, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The object queried.
    pub object: ObjectType,
    /// What to answer.
    pub projection: Projection,
    /// `WHERE`
    pub filter: Option<Filter>,
    /// `ORDER BY`
    pub order: Vec<SortKey>,
    /// `LIMIT`
    pub limit: Option<u64>,
    /// `OFFSET`
    pub offset: u64,
    /// Parent-to-child subqueries, in the order selected.
    pub children: Vec<ChildPlan>,
}

/// A checked parent-to-child subquery.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildPlan {
    /// The relationship as Salesforce spells it: the key of the nested result.
    pub name: &'static str,
    /// Index of the child's lookup to the parent in the child object's field list.
    pub field: usize,
    /// The subquery over the child object.
    pub plan: Plan,
}

/// Parses and checks a SOQL query; relative dates are resolved against `today`.
#[cfg(test)]
pub fn plan_query(src: &str, today: NaiveDate) -> Result<Plan, QueryError> {
    plan_query_in(src, today, &[])
}

/// [`plan_query`] in an org where the objects of `absent` do not exist (a managed package that
/// is not installed): naming one is `INVALID_TYPE`, as for any unknown object.
pub fn plan_query_in(
    src: &str,
    today: NaiveDate,
    absent: &[ObjectType],
) -> Result<Plan, QueryError> {
    let q: Query = parse_query(src)?;
    let r = Resolver { src, today, absent };
    let object = r.object(&q.from, q.from_pos)?;
    let mut children = Vec::new();
    for sub in &q.subqueries {
        let rel = child_relationship(object, &sub.from).filter(|rel| !absent.contains(&rel.child));
        let Some(rel) = rel else {
            return Err(r.err(
                ErrorCode::InvalidType,
                sub.from_pos,
                format!(
                    "Didn't understand relationship '{}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
                    sub.from
                ),
            ));
        };
        let Some(field) = rel.child.def().field_index(rel.field) else {
            return Err(QueryError::plain(
                ErrorCode::InvalidType,
                format!("relationship '{}' has no field", rel.name),
            ));
        };
        let mut plan = r.plan(rel.child, sub)?;
        if plan.projection == Projection::Count {
            return Err(r.err(
                ErrorCode::MalformedQuery,
                sub.from_pos,
                "COUNT() is not allowed in a subquery",
            ));
        }
        plan.children = Vec::new();
        children.push(ChildPlan {
            name: rel.name,
            field,
            plan,
        });
    }
    let mut plan = r.plan(object, &q)?;
    plan.children = children;
    Ok(plan)
}

impl Resolver<'_> {
    /// The plan of one query (or subquery) over `object`, without its subqueries.
    fn plan(&self, object: ObjectType, q: &Query) -> Result<Plan, QueryError> {
        let r = self;
        let projection = match &q.selection {
            Selection::Count(_) => Projection::Count,
            Selection::Fields(fields) => Projection::Fields(r.fields(object, fields)?),
        };
        let filter = q.filter.as_ref().map(|c| r.filter(object, c)).transpose()?;
        let order = r.order(object, &q.order_by)?;
        let offset = r.offset(q.offset)?;
        Ok(Plan {
            object,
            projection,
            filter,
            order,
            limit: q.limit.map(|c| c.value),
            offset,
            children: Vec::new(),
        })
    }
}

/// Resolves names and types within one query text.
pub struct Resolver<'a> {
    /// The query text, for error positions.
    pub src: &'a str,
    /// The day relative dates are counted from.
    pub today: NaiveDate,
    /// Objects the org does not have (a managed package not installed).
    pub absent: &'a [ObjectType],
}

impl Resolver<'_> {
    fn err(&self, code: ErrorCode, pos: Pos, message: impl AsRef<str>) -> QueryError {
        QueryError::at(code, self.src, pos, message)
    }

    /// The object named `name`, or `INVALID_TYPE`.
    pub fn object(&self, name: &str, pos: Pos) -> Result<ObjectType, QueryError> {
        ObjectType::lookup(name)
            .filter(|o| !self.absent.contains(o))
            .ok_or_else(|| {
            self.err(
                ErrorCode::InvalidType,
                pos,
                format!(
                    "sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
                ),
            )
        })
    }

    /// Resolves a dotted path from `root`, or `INVALID_FIELD`.
    pub fn path(&self, root: ObjectType, field: &FieldRef) -> Result<FieldPath, QueryError> {
        let mut segments: Vec<&str> = field.path.split('.').collect();
        // `SELECT Account.Name FROM Account` is allowed: a leading segment naming the queried
        // object (and not one of its relationships) is dropped.
        if segments.len() > 1
            && segments[0].eq_ignore_ascii_case(root.name())
            && root.def().relationship_index(segments[0]).is_none()
        {
            segments.remove(0);
        }
        let Some((last, rels)) = segments.split_last() else {
            return Err(self.no_such_column(root, &field.path, field.pos));
        };
        let mut object = root;
        let mut hops = Vec::new();
        for rel in rels {
            let def = object.def();
            let Some(i) = def.relationship_index(rel) else {
                return Err(self.err(
                    ErrorCode::InvalidField,
                    field.pos,
                    format!(
                        "Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
                    ),
                ));
            };
            hops.push((object, i));
            object = match def.fields[i].relationship {
                Some(r) => r.target,
                None => return Err(self.no_such_column(object, rel, field.pos)),
            };
        }
        let Some(index) = object.def().field_index(last) else {
            return Err(self.no_such_column(object, last, field.pos));
        };
        Ok(FieldPath {
            root,
            hops,
            leaf_object: object,
            field: index,
        })
    }

    fn no_such_column(&self, object: ObjectType, name: &str, pos: Pos) -> QueryError {
        self.err(
            ErrorCode::InvalidField,
            pos,
            format!(
                "No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                object.name()
            ),
        )
    }

    /// Resolves a select list; a field selected twice is refused as Salesforce does.
    pub fn fields(
        &self,
        root: ObjectType,
        fields: &[FieldRef],
    ) -> Result<Vec<FieldPath>, QueryError> {
        let mut out: Vec<FieldPath> = Vec::new();
        for f in fields {
            let path = self.path(root, f)?;
            if out.contains(&path) {
                return Err(self.err(
                    ErrorCode::MalformedQuery,
                    f.pos,
                    format!("duplicate field selected: {}", path.canonical()),
                ));
            }
            out.push(path);
        }
        Ok(out)
    }

    /// Resolves and types a `WHERE` condition.
    pub fn filter(&self, root: ObjectType, cond: &Cond) -> Result<Filter, QueryError> {
        Ok(match cond {
            Cond::And(parts) => Filter::And(
                parts
                    .iter()
                    .map(|c| self.filter(root, c))
                    .collect::<Result<_, _>>()?,
            ),
            Cond::Or(parts) => Filter::Or(
                parts
                    .iter()
                    .map(|c| self.filter(root, c))
                    .collect::<Result<_, _>>()?,
            ),
            Cond::Not(inner) => Filter::Not(Box::new(self.filter(root, inner)?)),
            Cond::Test { field, op, values } => {
                let path = self.path(root, field)?;
                let def = path.leaf();
                if def.kind == FieldKind::LongText {
                    return Err(self.err(
                        ErrorCode::InvalidField,
                        field.pos,
                        format!("field '{}' can not be filtered in query call", def.name),
                    ));
                }
                let test = self.test(def, *op, values)?;
                Filter::Test(path, test)
            }
        })
    }

    fn test(&self, def: &FieldDef, op: Operator, values: &[Literal]) -> Result<Test, QueryError> {
        let Some(first) = values.first() else {
            return Err(QueryError::plain(
                ErrorCode::MalformedQuery,
                "empty value list",
            ));
        };
        match op {
            Operator::Like => {
                if !def.kind.is_text() {
                    return Err(self.err(
                        ErrorCode::InvalidField,
                        first.pos,
                        format!(
                            "invalid operator on field '{}': LIKE applies to text fields only",
                            def.name
                        ),
                    ));
                }
                match &first.kind {
                    LitKind::Str(s) => Ok(Test::Like(s.like.clone())),
                    _ => Err(self.type_mismatch(def, first)),
                }
            }
            Operator::In | Operator::NotIn => {
                let mut list = Vec::new();
                for lit in values {
                    if let LitKind::DateFn(_) = lit.kind {
                        return Err(self.err(
                            ErrorCode::MalformedQuery,
                            lit.pos,
                            "unexpected token: relative date literals are not allowed in IN",
                        ));
                    }
                    list.push(self.value(def, lit)?);
                }
                Ok(if op == Operator::In {
                    Test::In(list)
                } else {
                    Test::NotIn(list)
                })
            }
            Operator::Cmp(cmp) => match first.kind {
                LitKind::DateFn(f) if matches!(def.kind, FieldKind::Date | FieldKind::DateTime) => {
                    let (start, end) = date_range(f, self.today);
                    let wrap = |d: NaiveDate| match def.kind {
                        FieldKind::Date => Value::Date(d),
                        _ => Value::DateTime(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
                    };
                    Ok(Test::Range(cmp, wrap(start), wrap(end)))
                }
                _ => Ok(Test::Cmp(cmp, self.value(def, first)?)),
            },
        }
    }

    /// Converts a literal to a value of the field's type, or explains why it cannot be one.
    fn value(&self, def: &FieldDef, lit: &Literal) -> Result<Value, QueryError> {
        let kind = def.kind;
        let ok = match (&lit.kind, kind) {
            (LitKind::Null, _) => Some(Value::Null),
            (LitKind::Str(s), k) if k.is_text() => Some(Value::Text(s.value.clone())),
            (LitKind::Str(s), k) if k.is_id() => {
                if !is_id_shaped(&s.value) {
                    return Err(self.err(
                        ErrorCode::InvalidQueryFilterOperator,
                        lit.pos,
                        format!("invalid ID field: {}", s.value),
                    ));
                }
                Some(Value::Id(s.value.clone()))
            }
            (LitKind::Number(n), k) if k.is_number() => n.parse::<f64>().ok().map(|f| {
                if k == FieldKind::Int && f.fract() == 0.0 {
                    Value::Int(f as i64)
                } else {
                    Value::Number(f)
                }
            }),
            (LitKind::Bool(b), FieldKind::Boolean) => Some(Value::Bool(*b)),
            (LitKind::Date(d), FieldKind::Date) => Some(Value::Date(*d)),
            (LitKind::DateTime(t), FieldKind::DateTime) => Some(Value::DateTime(*t)),
            _ => None,
        };
        ok.ok_or_else(|| self.type_mismatch(def, lit))
    }

    fn type_mismatch(&self, def: &FieldDef, lit: &Literal) -> QueryError {
        let (word, quoted) = match def.kind {
            k if k.is_text() => ("string", true),
            k if k.is_id() => ("id", true),
            FieldKind::Int => ("int", false),
            FieldKind::Boolean => ("boolean", false),
            FieldKind::Date => ("date", false),
            FieldKind::DateTime => ("dateTime", false),
            _ => ("double", false),
        };
        let how = if quoted {
            "should be enclosed in quotes"
        } else {
            "should not be enclosed in quotes"
        };
        self.err(
            ErrorCode::InvalidField,
            lit.pos,
            format!(
                "value of filter criterion for field '{}' must be of type {word} and {how}",
                def.name
            ),
        )
    }

    /// Resolves `ORDER BY`.
    pub fn order(&self, root: ObjectType, items: &[OrderItem]) -> Result<Vec<SortKey>, QueryError> {
        items
            .iter()
            .map(|item| {
                let path = self.path(root, &item.field)?;
                if path.leaf().kind == FieldKind::LongText {
                    return Err(self.err(
                        ErrorCode::InvalidField,
                        item.field.pos,
                        format!(
                            "field '{}' can not be sorted in a query call",
                            path.leaf().name
                        ),
                    ));
                }
                Ok(SortKey {
                    path,
                    descending: item.descending,
                    nulls_first: item.nulls_first.unwrap_or(!item.descending),
                })
            })
            .collect()
    }

    /// Checks `OFFSET` against Salesforce's maximum.
    pub fn offset(&self, offset: Option<super::ast::Count>) -> Result<u64, QueryError> {
        match offset {
            Some(c) if c.value > MAX_OFFSET => Err(self.err(
                ErrorCode::NumberOutsideValidRange,
                c.pos,
                format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
            )),
            Some(c) => Ok(c.value),
            None => Ok(0),
        }
    }
}

/// The days `[start, end)` a relative date literal covers, counted from `today`. Weeks start on
/// Sunday (Salesforce's default `en_US` locale).
pub fn date_range(f: DateFn, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let plus = |d: NaiveDate, n: u64| d.checked_add_days(Days::new(n)).unwrap_or(d);
    let minus = |d: NaiveDate, n: u64| d.checked_sub_days(Days::new(n)).unwrap_or(d);
    let month_start = today.with_day(1).unwrap_or(today);
    let add_months = |d: NaiveDate, n: i32| {
        if n >= 0 {
            d.checked_add_months(Months::new(n.unsigned_abs()))
        } else {
            d.checked_sub_months(Months::new(n.unsigned_abs()))
        }
        .unwrap_or(d)
    };
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let week_start = minus(today, u64::from(today.weekday().num_days_from_sunday()));
    match f {
        DateFn::Yesterday => (minus(today, 1), today),
        DateFn::Today => (today, plus(today, 1)),
        DateFn::Tomorrow => (plus(today, 1), plus(today, 2)),
        DateFn::LastWeek => (minus(week_start, 7), week_start),
        DateFn::ThisWeek => (week_start, plus(week_start, 7)),
        DateFn::NextWeek => (plus(week_start, 7), plus(week_start, 14)),
        DateFn::LastMonth => (add_months(month_start, -1), month_start),
        DateFn::ThisMonth => (month_start, add_months(month_start, 1)),
        DateFn::NextMonth => (add_months(month_start, 1), add_months(month_start, 2)),
        DateFn::LastYear => (add_months(year_start, -12), year_start),
        DateFn::ThisYear => (year_start, add_months(year_start, 12)),
        DateFn::NextYear => (add_months(year_start, 12), add_months(year_start, 24)),
        DateFn::Last90Days => (minus(today, 90), plus(today, 1)),
        DateFn::Next90Days => (plus(today, 1), plus(today, 91)),
        DateFn::LastNDays(n) => (minus(today, u64::from(n)), plus(today, 1)),
        DateFn::NextNDays(n) => (plus(today, 1), plus(today, 1 + u64::from(n))),
        DateFn::NDaysAgo(n) => (
            minus(today, u64::from(n)),
            minus(plus(today, 1), u64::from(n)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 3, 13).unwrap() // a Wednesday
    }

    fn plan(q: &str) -> Result<Plan, QueryError> {
        plan_query(q, today())
    }

    #[test]
    fn parent_paths_resolve_to_canonical_names() {
        let p = plan(
            "select account.owner.NAME, gong__primary_account__r.name from gong__gong_call__c",
        )
        .unwrap_err();
        assert_eq!(p.code, ErrorCode::InvalidField, "{}", p.message);
        let p =
            plan("select Gong__Primary_Account__r.owner.NAME, Id from gong__gong_call__c").unwrap();
        let Projection::Fields(f) = &p.projection else {
            panic!()
        };
        assert_eq!(f[0].canonical(), "Gong__Primary_Account__r.Owner.Name");
        assert_eq!(f[0].hops.len(), 2);
        let p = plan("SELECT Account.Name FROM Account").unwrap();
        let Projection::Fields(f) = &p.projection else {
            panic!()
        };
        assert_eq!(f[0].canonical(), "Name");
    }

    #[test]
    fn unknown_names_are_refused_with_salesforce_messages() {
        let e = plan("SELECT Foo FROM Account").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidField);
        assert!(
            e.message
                .contains("No such column 'Foo' on entity 'Account'"),
            "{}",
            e.message
        );
        assert!(e.message.contains("Row:1:Column:8"), "{}", e.message);
        let e = plan("SELECT Id FROM Acount").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidType);
        assert!(
            e.message.contains("sObject type 'Acount' is not supported"),
            "{}",
            e.message
        );
        let e = plan("SELECT Boss.Name FROM Contact").unwrap_err();
        assert!(
            e.message.contains("Didn't understand relationship 'Boss'"),
            "{}",
            e.message
        );
        let e = plan("SELECT Id, id FROM Contact").unwrap_err();
        assert!(
            e.message.ends_with("duplicate field selected: Id"),
            "{}",
            e.message
        );
    }

    #[test]
    fn literals_must_fit_the_field_type() {
        let cases = [
            (
                "SELECT Id FROM Account WHERE NumberOfEmployees = '5'",
                ErrorCode::InvalidField,
            ),
            (
                "SELECT Id FROM Account WHERE Name = 5",
                ErrorCode::InvalidField,
            ),
            (
                "SELECT Id FROM Account WHERE Id = 'abc'",
                ErrorCode::InvalidQueryFilterOperator,
            ),
            (
                "SELECT Id FROM Opportunity WHERE CloseDate = 2024-01-01T00:00:00Z",
                ErrorCode::InvalidField,
            ),
            (
                "SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_Start__c > 2024-01-01",
                ErrorCode::InvalidField,
            ),
            (
                "SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_Brief__c = 'x'",
                ErrorCode::InvalidField,
            ),
            (
                "SELECT Id FROM Gong__Gong_Call__c ORDER BY Gong__Call_Brief__c",
                ErrorCode::InvalidField,
            ),
            (
                "SELECT Id FROM Account WHERE AnnualRevenue LIKE '1%'",
                ErrorCode::InvalidField,
            ),
            (
                "SELECT Id FROM Account OFFSET 2001",
                ErrorCode::NumberOutsideValidRange,
            ),
        ];
        for (q, code) in cases {
            assert_eq!(plan(q).map(|_| ()).unwrap_err().code, code, "{q}");
        }
        let e = plan("SELECT Id FROM Account WHERE NumberOfEmployees = '5'").unwrap_err();
        assert!(e.message.ends_with(
            "value of filter criterion for field 'NumberOfEmployees' must be of type int and should not be enclosed in quotes"
        ));
    }

    #[test]
    fn relative_dates_become_ranges() {
        let p = plan("SELECT Id FROM Opportunity WHERE CloseDate = LAST_N_DAYS:7").unwrap();
        let Some(Filter::Test(_, Test::Range(CmpOp::Eq, Value::Date(s), Value::Date(e)))) =
            p.filter
        else {
            panic!("{:?}", p.filter)
        };
        assert_eq!(
            (s, e),
            (
                NaiveDate::from_ymd_opt(2024, 3, 6).unwrap(),
                NaiveDate::from_ymd_opt(2024, 3, 14).unwrap()
            )
        );
        let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
        assert_eq!(date_range(DateFn::ThisWeek, today()), (d(3, 10), d(3, 17)));
        assert_eq!(date_range(DateFn::LastMonth, today()), (d(2, 1), d(3, 1)));
        assert_eq!(
            date_range(DateFn::NextNDays(2), today()),
            (d(3, 14), d(3, 16))
        );
        assert_eq!(date_range(DateFn::Yesterday, today()), (d(3, 12), d(3, 13)));
        assert_eq!(
            date_range(DateFn::NDaysAgo(3), today()),
            (d(3, 10), d(3, 11))
        );
    }
}
