//! Runs a checked plan over the records one user may see, and writes records as Salesforce's
//! REST API does.

use std::cmp::Ordering;

use super::lexer::CmpOp;
use super::plan::{ChildPlan, FieldPath, Filter, Plan, Projection, SortKey, Test};
use crate::salesforce::json::Json;
use crate::salesforce::records::{Record, Store};
use crate::salesforce::schema::ObjectType;
use crate::salesforce::sharing::Visibility;
use crate::salesforce::value::{id_key, Value};
use crate::salesforce::wildcard::{self, Wildcard};

/// The records one user may see.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// All records.
    pub store: &'a Store,
    /// What the user may see of them.
    pub visibility: &'a Visibility,
}

static NULL: Value = Value::Null;

impl<'a> Scope<'a> {
    /// The visible records of one object, in the org's order.
    pub fn visible(&self, object: ObjectType) -> impl Iterator<Item = &'a Record> + '_ {
        let visibility = self.visibility;
        let all = self.store.all(object);
        let records: Box<dyn Iterator<Item = &'a Record>> =
            match visibility.candidates(self.store, object) {
                Some(positions) => Box::new(positions.into_iter().filter_map(move |i| all.get(i))),
                None => Box::new(all.iter()),
            };
        records.filter(move |r| visibility.can_see(r))
    }

    /// The visible record with this id.
    pub fn get(&self, id: &str) -> Option<&'a Record> {
        self.store.get(id).filter(|r| self.visibility.can_see(r))
    }

    /// The record a lookup field points to, if set and visible.
    pub fn parent(&self, record: &'a Record, field: usize) -> Option<&'a Record> {
        self.get(record.value(field).as_id()?)
    }

    /// The value at the end of a path; null when a lookup on the way is empty or hidden.
    pub fn value(&self, record: &'a Record, path: &FieldPath) -> &'a Value {
        let mut current = record;
        for (_, field) in &path.hops {
            match self.parent(current, *field) {
                Some(p) => current = p,
                None => return &NULL,
            }
        }
        current.value(path.field)
    }
}

/// The records a plan selects, filtered also by `extra` (used by searches), sorted, then cut by
/// `OFFSET` and `LIMIT`.
pub fn select<'a>(
    plan: &Plan,
    scope: Scope<'a>,
    extra: impl Fn(&Record) -> bool,
) -> Vec<&'a Record> {
    let mut rows: Vec<&Record> = scope
        .visible(plan.object)
        .filter(|r| plan.filter.as_ref().is_none_or(|f| matches(f, r, scope)))
        .filter(|r| extra(r))
        .collect();
    if !plan.order.is_empty() {
        rows.sort_by(|a, b| compare_rows(a, b, &plan.order, scope));
    }
    let offset = usize::try_from(plan.offset).unwrap_or(usize::MAX);
    let limit = plan
        .limit
        .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    rows.into_iter().skip(offset).take(limit).collect()
}

fn compare_rows(a: &Record, b: &Record, keys: &[SortKey], scope: Scope<'_>) -> Ordering {
    for key in keys {
        let (va, vb) = (scope.value(a, &key.path), scope.value(b, &key.path));
        let ord = match (va.is_null(), vb.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) if key.nulls_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if key.nulls_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) if key.descending => vb.compare(va),
            (false, false) => va.compare(vb),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Whether a record satisfies a condition.
pub fn matches(filter: &Filter, record: &Record, scope: Scope<'_>) -> bool {
    match filter {
        Filter::And(parts) => parts.iter().all(|f| matches(f, record, scope)),
        Filter::Or(parts) => parts.iter().any(|f| matches(f, record, scope)),
        Filter::Not(inner) => !matches(inner, record, scope),
        Filter::Test(path, test) => test_value(scope.value(record, path), test),
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Id(x), Value::Id(y)) => id_key(x) == id_key(y),
        _ => a.compare(b) == Ordering::Equal,
    }
}

fn test_value(v: &Value, test: &Test) -> bool {
    match test {
        Test::Cmp(CmpOp::Eq, lit) => equal(v, lit),
        Test::Cmp(CmpOp::Ne, lit) => !equal(v, lit),
        Test::Cmp(op, lit) => {
            if v.is_null() || lit.is_null() {
                return false;
            }
            let ord = v.compare(lit);
            match op {
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::Le => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }
        }
        Test::Range(op, start, end) => {
            if v.is_null() {
                return *op == CmpOp::Ne;
            }
            let inside = v.compare(start) != Ordering::Less && v.compare(end) == Ordering::Less;
            match op {
                CmpOp::Eq => inside,
                CmpOp::Ne => !inside,
                CmpOp::Lt => v.compare(start) == Ordering::Less,
                CmpOp::Le => v.compare(end) == Ordering::Less,
                CmpOp::Gt => v.compare(end) != Ordering::Less,
                CmpOp::Ge => v.compare(start) != Ordering::Less,
            }
        }
        Test::Like(pattern) => v.as_text().is_some_and(|s| like(pattern, s)),
        Test::In(list) => list.iter().any(|l| equal(v, l)),
        Test::NotIn(list) => !list.iter().any(|l| equal(v, l)),
    }
}

/// Case-insensitive `LIKE` matching (`%` any run, `_` one character).
pub fn like(pattern: &[Wildcard], text: &str) -> bool {
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let pattern: Vec<Wildcard> = pattern
        .iter()
        .flat_map(|item| match item {
            Wildcard::Char(c) => c.to_lowercase().map(Wildcard::Char).collect::<Vec<_>>(),
            other => vec![other.clone()],
        })
        .collect();
    wildcard::matches(&pattern, &text)
}

/// The `attributes` object of a record.
pub fn attributes(record: &Record, version: &str) -> Json {
    let name = record.object.name();
    Json::Object(vec![
        ("type".into(), Json::Leaf(name.into())),
        (
            "url".into(),
            Json::Leaf(format!("/services/data/{version}/sobjects/{name}/{}", record.id).into()),
        ),
    ])
}

/// A record with the selected fields; parent fields nest under the relationship name with
/// their own `attributes`, or `null` when the lookup is empty or hidden.
pub fn project(record: &Record, paths: &[FieldPath], scope: Scope<'_>, version: &str) -> Json {
    let mut out = Json::Object(vec![("attributes".into(), attributes(record, version))]);
    for path in paths {
        insert(&mut out, record, path, 0, scope, version);
    }
    out
}

/// A record with the selected fields and, under each child relationship's name, its visible
/// children as Salesforce nests them: `{totalSize, done, records}`, or `null` when there are
/// none (the user's sharing applies to the children as to any record).
pub fn project_with_children(
    record: &Record,
    paths: &[FieldPath],
    children: &[ChildPlan],
    scope: Scope<'_>,
    version: &str,
) -> Json {
    let mut out = project(record, paths, scope, version);
    for child in children {
        let rows = select(&child.plan, scope, |r| {
            r.value(child.field)
                .as_id()
                .is_some_and(|id| id_key(id) == id_key(&record.id))
        });
        let value = match (&child.plan.projection, rows.is_empty()) {
            (Projection::Fields(child_paths), false) => {
                let records: Vec<Json> = rows
                    .into_iter()
                    .map(|r| project(r, child_paths, scope, version))
                    .collect();
                Json::Object(vec![
                    ("totalSize".into(), Json::Leaf(records.len().into())),
                    ("done".into(), Json::Leaf(true.into())),
                    ("records".into(), Json::Array(records)),
                ])
            }
            _ => Json::Leaf(serde_json::Value::Null),
        };
        out.push(child.name, value);
    }
    out
}

fn insert(
    out: &mut Json,
    record: &Record,
    path: &FieldPath,
    depth: usize,
    scope: Scope<'_>,
    version: &str,
) {
    let Some((object, field)) = path.hops.get(depth) else {
        let def = path.leaf();
        if out.get(def.name).is_none() {
            out.push(def.name, Json::Leaf(record.value(path.field).to_json()));
        }
        return;
    };
    let Some(rel) = object.def().fields[*field].relationship else {
        return;
    };
    let parent = scope.parent(record, *field);
    if out.get(rel.name).is_none() {
        let value = match parent {
            Some(p) => Json::Object(vec![("attributes".into(), attributes(p, version))]),
            None => Json::Leaf(serde_json::Value::Null),
        };
        out.push(rel.name, value);
    }
    if let (Some(p), Some(nested)) = (parent, out.get_mut(rel.name)) {
        insert(nested, p, path, depth + 1, scope, version);
    }
}

/// A whole record: `attributes` and every field, as `GET .../sobjects/{Type}/{Id}` answers.
pub fn whole_record(record: &Record, version: &str) -> Json {
    let mut out = Json::Object(vec![("attributes".into(), attributes(record, version))]);
    for (i, def) in record.object.def().fields.iter().enumerate() {
        out.push(def.name, Json::Leaf(record.value(i).to_json()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::plan::{plan_query, Projection};
    use super::*;
    use crate::salesforce::testorg::{tiny_org, INTEGRATION, MAYA, PRIYA};
    use serde_json::json;

    fn run(user: usize, q: &str) -> Vec<serde_json::Value> {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let visibility = Visibility::for_user(&org, &org.users[user].id);
        let scope = Scope {
            store: &store,
            visibility: &visibility,
        };
        let plan = plan_query(q, org.anchor.date_naive()).unwrap();
        let Projection::Fields(paths) = &plan.projection else {
            panic!()
        };
        select(&plan, scope, |_| true)
            .into_iter()
            .map(|r| serde_json::to_value(project(r, paths, scope, "v62.0")).unwrap())
            .collect()
    }

    fn names(rows: &[serde_json::Value], key: &str) -> Vec<String> {
        rows.iter()
            .map(|r| r[key].as_str().unwrap_or("null").to_string())
            .collect()
    }

    #[test]
    fn like_wildcards() {
        let p = |s: &str| {
            s.chars()
                .map(|c| match c {
                    '%' => Wildcard::Many,
                    '_' => Wildcard::One,
                    c => Wildcard::Char(c),
                })
                .collect::<Vec<_>>()
        };
        assert!(like(&p("acme%"), "Acme Logistics"));
        assert!(like(&p("%LOG%"), "Acme Logistics"));
        assert!(like(&p("A_me%"), "Acme"));
        assert!(!like(&p("A_me"), "Acme Logistics"));
        assert!(like(&p("%"), ""));
        assert!(like(&p("%s%s"), "Logistics"));
        assert!(!like(&p("x%"), "Acme"));
    }

    #[test]
    fn filters_sorts_and_cuts() {
        let rows = run(
            INTEGRATION,
            "SELECT Name FROM Account WHERE Name LIKE '%o%' ORDER BY Name DESC LIMIT 2 OFFSET 1",
        );
        assert_eq!(
            names(&rows, "Name"),
            ["Globex Manufacturing", "Acme Logistics"]
        );
        let rows = run(
            INTEGRATION,
            "SELECT Name FROM Account WHERE NumberOfEmployees >= 2000 AND (BillingCity = 'chicago' OR Name = null)",
        );
        assert_eq!(rows.len(), 3);
        let rows = run(
            INTEGRATION,
            "SELECT Name FROM Account WHERE NOT Name IN ('ACME LOGISTICS', 'Globex Manufacturing')",
        );
        assert_eq!(
            names(&rows, "Name"),
            ["Northwind Health", "Initech Financial"]
        );
        let rows = run(INTEGRATION, "SELECT Name FROM Contact WHERE Phone = null");
        assert_eq!(names(&rows, "Name"), ["Omar O'Neil"]);
        let rows = run(INTEGRATION, "SELECT Name FROM Contact WHERE Phone != null");
        assert_eq!(names(&rows, "Name"), ["Lena Fischer"]);
    }

    #[test]
    fn relative_and_absolute_dates() {
        let q = |w: &str| {
            run(
                INTEGRATION,
                &format!(
                    "SELECT Name FROM Gong__Gong_Call__c WHERE {w} ORDER BY Gong__Call_Start__c"
                ),
            )
        };
        assert_eq!(
            names(&q("Gong__Call_Start__c = LAST_N_DAYS:7"), "Name"),
            ["C-000002", "C-000001"]
        );
        assert_eq!(
            names(&q("Gong__Call_Start__c < LAST_N_DAYS:7"), "Name"),
            ["C-000004", "C-000003"]
        );
        assert_eq!(q("Gong__Call_Start__c = TODAY").len(), 0);
        assert_eq!(
            names(&q("Gong__Call_Start__c > 2024-03-11T00:00:00Z"), "Name"),
            ["C-000001"]
        );
        assert_eq!(
            names(
                &q("Gong__Call_Start__c >= 2024-03-11T10:00:00-05:00"),
                "Name"
            ),
            ["C-000001"]
        );
        let rows = run(
            INTEGRATION,
            "SELECT Name FROM Opportunity WHERE CloseDate < 2024-03-13",
        );
        assert_eq!(names(&rows, "Name"), ["Globex Manufacturing - Relay"]);
        let rows = run(
            INTEGRATION,
            "SELECT Name FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:30 AND IsClosed = false",
        );
        assert_eq!(names(&rows, "Name"), ["Acme Logistics - Relay"]);
    }

    #[test]
    fn parents_nest_with_attributes() {
        let rows = run(
            MAYA,
            "SELECT Id, Account.Name, Account.Owner.Name, Owner.Name FROM Contact",
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0]["Account"],
            json!({
                "attributes": {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/001Tt0000000001AAA"},
                "Name": "Acme Logistics",
                "Owner": {
                    "attributes": {"type": "User", "url": "/services/data/v62.0/sobjects/User/005Tt0000000001AAA"},
                    "Name": "Maya Chen"
                }
            })
        );
        let rows = run(
            INTEGRATION,
            "SELECT Name, Manager.Name FROM User ORDER BY Name",
        );
        assert_eq!(rows[0]["Name"], "Dana Whitfield");
        assert_eq!(rows[0]["Manager"], serde_json::Value::Null);
        assert_eq!(rows[2]["Manager"]["Name"], "Dana Whitfield");
    }

    fn run_with_children(user: usize, q: &str) -> Vec<serde_json::Value> {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let visibility = Visibility::for_user(&org, &org.users[user].id);
        let scope = Scope {
            store: &store,
            visibility: &visibility,
        };
        let plan = plan_query(q, org.anchor.date_naive()).unwrap();
        let Projection::Fields(paths) = &plan.projection else {
            panic!()
        };
        select(&plan, scope, |_| true)
            .into_iter()
            .map(|r| {
                serde_json::to_value(project_with_children(
                    r,
                    paths,
                    &plan.children,
                    scope,
                    "v62.0",
                ))
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn subqueries_nest_children_or_null() {
        let rows = run_with_children(
            INTEGRATION,
            "SELECT Name, (SELECT Name FROM Contacts ORDER BY Name) FROM Account ORDER BY Name",
        );
        let acme = rows.iter().find(|r| r["Name"] == "Acme Logistics").unwrap();
        assert_eq!(acme["Contacts"]["totalSize"], 1);
        assert_eq!(acme["Contacts"]["done"], true);
        assert_eq!(acme["Contacts"]["records"][0]["Name"], "Lena Fischer");
        assert_eq!(
            acme["Contacts"]["records"][0]["attributes"]["type"],
            "Contact"
        );
        let northwind = rows
            .iter()
            .find(|r| r["Name"] == "Northwind Health")
            .unwrap();
        assert_eq!(northwind["Contacts"], serde_json::Value::Null);
        let rows = run_with_children(
            MAYA,
            "SELECT Id, (SELECT Field, NewValue FROM Histories), (SELECT Subject FROM Events WHERE StartDateTime > 2024-03-13T00:00:00Z) FROM Opportunity",
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0]["Histories"]["records"][0]["NewValue"],
            "Negotiation"
        );
        assert_eq!(
            rows[0]["Events"]["records"][0]["Subject"],
            "Acme: contract review"
        );
    }

    #[test]
    fn children_follow_sharing() {
        // Priya owns an event on Acme, which she cannot see: the account is hidden, and so
        // are its events through it; her own event is hers through `User.Events`.
        assert!(run_with_children(
            PRIYA,
            "SELECT Id, (SELECT Id FROM Events) FROM Account WHERE Name = 'Acme Logistics'"
        )
        .is_empty());
        let rows = run_with_children(
            MAYA,
            "SELECT Id, (SELECT Subject FROM Events) FROM User WHERE FirstName = 'Priya'",
        );
        // Maya sees Priya's event on Acme (through Acme).
        assert_eq!(rows[0]["Events"]["totalSize"], 1);
        let rows = run_with_children(
            MAYA,
            "SELECT Id, (SELECT RelationId FROM EventRelations) FROM Event ORDER BY Subject",
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["EventRelations"]["totalSize"], 2);
        assert_eq!(rows[1]["EventRelations"], serde_json::Value::Null);
    }

    #[test]
    fn bad_subqueries_are_refused_as_salesforce_does() {
        let today = tiny_org().anchor.date_naive();
        let e = plan_query("SELECT Id, (SELECT Id FROM Contact) FROM Account", today).unwrap_err();
        assert_eq!(e.code.as_str(), "INVALID_TYPE");
        assert!(
            e.message
                .contains("Didn't understand relationship 'Contact'"),
            "{}",
            e.message
        );
        let e = plan_query(
            "SELECT Id, (SELECT Id, (SELECT Id FROM Contacts) FROM Contacts) FROM Account",
            today,
        )
        .unwrap_err();
        assert_eq!(e.code.as_str(), "MALFORMED_QUERY");
        let e = plan_query(
            "SELECT Id, (SELECT Bogus FROM Contacts) FROM Account",
            today,
        )
        .unwrap_err();
        assert_eq!(e.code.as_str(), "INVALID_FIELD");
        assert!(plan_query("SELECT (SELECT Id FROM Contacts) FROM Account", today).is_ok());
    }

    #[test]
    fn every_object_has_the_system_fields() {
        let rows = run(
            MAYA,
            "SELECT CreatedDate, CreatedBy.Name, LastModifiedDate, LastModifiedById, SystemModstamp FROM Opportunity",
        );
        assert_eq!(rows[0]["LastModifiedDate"], "2024-03-12T00:00:00.000+0000");
        assert_eq!(rows[0]["CreatedBy"]["Name"], "Maya Chen");
        for object in [
            "User",
            "Account",
            "Contact",
            "Gong__Gong_Call__c",
            "OpportunityContactRole",
            "Event",
            "EventRelation",
            "Task",
        ] {
            let rows = run(INTEGRATION, &format!("SELECT CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp FROM {object}"));
            assert!(
                rows.iter().all(|r| r["CreatedDate"].is_string()),
                "{object}"
            );
        }
        let e = plan_query(
            "SELECT SystemModstamp FROM OpportunityFieldHistory",
            tiny_org().anchor.date_naive(),
        )
        .unwrap_err();
        assert_eq!(e.code.as_str(), "INVALID_FIELD");
    }

    #[test]
    fn nulls_first_and_last() {
        let rows = run(INTEGRATION, "SELECT Name FROM Gong__Gong_Call__c ORDER BY Gong__Primary_Opportunity__c NULLS FIRST, Name");
        assert_eq!(
            names(&rows, "Name"),
            ["C-000002", "C-000001", "C-000003", "C-000004"]
        );
        let rows = run(INTEGRATION, "SELECT Name FROM Gong__Gong_Call__c ORDER BY Gong__Primary_Opportunity__c DESC, Name DESC");
        assert_eq!(
            names(&rows, "Name"),
            ["C-000004", "C-000003", "C-000001", "C-000002"]
        );
    }

    #[test]
    fn sharing_applies_to_queries() {
        assert!(run(PRIYA, "SELECT Id FROM Gong__Gong_Call__c").is_empty());
        assert_eq!(run(MAYA, "SELECT Id FROM Gong__Gong_Call__c").len(), 3);
    }

    #[test]
    fn whole_records_list_every_field_in_order() {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let r = &store.all(ObjectType::Opportunity)[0];
        let j = serde_json::to_string(&whole_record(r, "v59.0")).unwrap();
        assert!(j.starts_with(r#"{"attributes":{"type":"Opportunity","url":"/services/data/v59.0/sobjects/Opportunity/006Tt0000000001AAA"},"Id":"006Tt0000000001AAA","AccountId":"#), "{j}");
        assert!(
            j.contains(r#""CloseDate":"2024-04-01","Probability":80.0"#),
            "{j}"
        );
    }
}
