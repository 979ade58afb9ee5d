//! Salesforce records (JSON) into the service's types, as pure functions.
//!
//! Records are read by field name rather than through fixed structs because the Gong call
//! fields are configurable. Salesforce sends empty fields as `null` and parent fields
//! (`Owner.Name`) as nested objects, which may be `null` too; all of that becomes `None`.

use chrono::SecondsFormat;
use serde_json::Value;

use crate::fields::GongFields;
use crate::model::{
    AccountHit, AccountSummary, CallRow, DealChange, NewContact, OpenTask, OpportunitySummary,
};

/// A text field, `None` when missing, null or blank.
pub fn text(record: &Value, field: &str) -> Option<String> {
    match record.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A number field (Salesforce sends numbers as JSON numbers; strings are accepted too).
pub fn number(record: &Value, field: &str) -> Option<f64> {
    match record.get(field)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `Parent.Field` of a record, e.g. `Owner.Name`.
pub fn parent_text(record: &Value, parent: &str, field: &str) -> Option<String> {
    text(record.get(parent)?, field)
}

/// "City, Country" from the billing address parts that are set.
fn location(record: &Value) -> Option<String> {
    let parts: Vec<String> = ["BillingCity", "BillingCountry"]
        .iter()
        .filter_map(|f| text(record, f))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A Salesforce datetime as RFC 3339 in UTC (`2024-05-02T15:00:00Z`); other text is kept as is.
pub fn iso_datetime(raw: &str) -> String {
    salesforce::datetime::parse_datetime(raw).map_or_else(
        || raw.to_owned(),
        |t| t.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

/// A search hit; `None` without an id or name.
pub fn account_hit(record: &Value) -> Option<AccountHit> {
    Some(AccountHit {
        id: text(record, "Id")?,
        name: text(record, "Name")?,
        industry: text(record, "Industry"),
        website: text(record, "Website"),
        location: location(record),
        owner: parent_text(record, "Owner", "Name"),
    })
}

/// The account; `None` without an id or name.
pub fn account_summary(record: &Value) -> Option<AccountSummary> {
    Some(AccountSummary {
        id: text(record, "Id")?,
        name: text(record, "Name")?,
        owner: parent_text(record, "Owner", "Name"),
        industry: text(record, "Industry"),
        website: text(record, "Website"),
        employees: number(record, "NumberOfEmployees").map(|n| n.round() as i64),
        annual_revenue: number(record, "AnnualRevenue"),
        location: location(record),
    })
}

/// An opportunity; `None` without an id or name.
pub fn opportunity(record: &Value) -> Option<OpportunitySummary> {
    Some(OpportunitySummary {
        id: text(record, "Id")?,
        name: text(record, "Name")?,
        stage: text(record, "StageName"),
        amount: number(record, "Amount"),
        close_date: text(record, "CloseDate"),
        probability: number(record, "Probability"),
        owner: parent_text(record, "Owner", "Name"),
    })
}

/// A contact as read: id, name, title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    /// Salesforce id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// E-mail, used only to match contacts to call attendees.
    pub email: Option<String>,
}

/// A contact; `None` without an id or name.
pub fn contact(record: &Value) -> Option<ContactRecord> {
    Some(ContactRecord {
        id: text(record, "Id")?,
        name: text(record, "Name")?,
        title: text(record, "Title"),
        email: text(record, "Email"),
    })
}

/// An event as read: its fields and its invitees (`EventRelations`, the subquery's rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Salesforce id.
    pub id: String,
    /// Subject.
    pub subject: Option<String>,
    /// Start, ISO-8601 in UTC.
    pub start: Option<String>,
    /// End, ISO-8601 in UTC.
    pub end: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// The calendar owner's name.
    pub owner: Option<String>,
    /// Invitees: (relation id, status), as Salesforce listed them.
    pub invitees: Vec<(String, Option<String>)>,
}

/// An event with its invitees; `None` without an id. A subquery answers `null` when there are
/// no children, and a page of `{totalSize, done, records}` otherwise.
pub fn event(record: &Value) -> Option<EventRecord> {
    let invitees = record
        .get("EventRelations")
        .and_then(|r| r.get("records"))
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter_map(|r| Some((text(r, "RelationId")?, text(r, "Status"))))
                .collect()
        })
        .unwrap_or_default();
    Some(EventRecord {
        id: text(record, "Id")?,
        subject: text(record, "Subject"),
        start: text(record, "StartDateTime").map(|s| iso_datetime(&s)),
        end: text(record, "EndDateTime").map(|s| iso_datetime(&s)),
        location: text(record, "Location"),
        owner: parent_text(record, "Owner", "Name"),
        invitees,
    })
}

/// A tracked deal change; `None` without the opportunity or the field.
pub fn deal_change(record: &Value) -> Option<DealChange> {
    Some(DealChange {
        opportunity_id: text(record, "OpportunityId")?,
        opportunity: parent_text(record, "Opportunity", "Name"),
        field: text(record, "Field")?,
        old_value: text(record, "OldValue"),
        new_value: text(record, "NewValue"),
        changed_at: text(record, "CreatedDate").map(|s| iso_datetime(&s)),
        changed_by: parent_text(record, "CreatedBy", "Name"),
    })
}

/// A newly created contact; `None` without an id or name.
pub fn new_contact(record: &Value) -> Option<NewContact> {
    Some(NewContact {
        id: text(record, "Id")?,
        name: text(record, "Name")?,
        title: text(record, "Title"),
        created: text(record, "CreatedDate").map(|s| iso_datetime(&s)),
    })
}

/// An open task; `None` without an id.
pub fn open_task(record: &Value) -> Option<OpenTask> {
    Some(OpenTask {
        id: text(record, "Id")?,
        subject: text(record, "Subject"),
        due: text(record, "ActivityDate"),
        status: text(record, "Status"),
        priority: text(record, "Priority"),
        owner: parent_text(record, "Owner", "Name"),
    })
}

/// A Gong call record; `None` without a Gong call id (such a record cannot be fetched).
pub fn call_row(f: &GongFields, record: &Value) -> Option<CallRow> {
    let call_id = text(record, &f.call_id)?;
    Some(CallRow {
        call_id: call_id.trim().to_owned(),
        record_id: text(record, "Id").unwrap_or_default(),
        title: text(record, &f.title),
        started: text(record, &f.start).map(|s| iso_datetime(&s)),
        duration: number(record, &f.duration).map(|n| n.round() as i64),
        url: text(record, &f.url),
    })
}

/// A call found in Gong (no Salesforce record: `record_id` is empty).
pub fn gong_call_row(call: &gong::wire::ExtensiveCall) -> CallRow {
    let m = &call.meta_data;
    CallRow {
        call_id: m.id.trim().to_owned(),
        record_id: String::new(),
        title: m.title.clone(),
        started: m.started.as_deref().map(iso_datetime),
        duration: m.duration,
        url: m.url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nulls_blanks_and_missing_parents_are_none() {
        let r = json!({"Id": "001", "Name": "Acme", "Industry": null, "Website": " ",
            "Owner": null, "BillingCity": "Chicago", "BillingCountry": null});
        let hit = account_hit(&r).unwrap();
        assert_eq!(hit.industry, None);
        assert_eq!(hit.website, None);
        assert_eq!(hit.owner, None);
        assert_eq!(hit.location.as_deref(), Some("Chicago"));
        assert!(account_hit(&json!({"Id": "001"})).is_none());
    }

    #[test]
    fn parent_fields_and_numbers_are_read() {
        let r = json!({"attributes": {"type": "Account"}, "Id": "001", "Name": "Acme",
            "NumberOfEmployees": 5200, "AnnualRevenue": 1.5e9,
            "Owner": {"attributes": {"type": "User"}, "Name": "Maya Chen"}});
        let a = account_summary(&r).unwrap();
        assert_eq!(a.owner.as_deref(), Some("Maya Chen"));
        assert_eq!(a.employees, Some(5200));
        assert_eq!(a.annual_revenue, Some(1.5e9));
    }

    #[test]
    fn call_rows_use_the_configured_fields_and_normalize_dates() {
        let f = GongFields::default();
        let r = json!({"Id": "a0G1", "Gong__Call_ID__c": "7782342274025937895",
            "Gong__Title__c": "Discovery", "Gong__Call_Start__c": "2024-05-02T10:00:00.000-0500",
            "Gong__Call_Duration_sec__c": 2700.0, "Gong__View_call__c": "https://app.gong.io/call?id=7782342274025937895"});
        let row = call_row(&f, &r).unwrap();
        assert_eq!(row.call_id, "7782342274025937895");
        assert_eq!(row.started.as_deref(), Some("2024-05-02T15:00:00Z"));
        assert_eq!(row.duration, Some(2700));
        assert!(call_row(&f, &json!({"Id": "a0G2", "Gong__Call_ID__c": null})).is_none());
    }
}
