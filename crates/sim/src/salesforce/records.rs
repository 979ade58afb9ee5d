//! The sample org seen as Salesforce records: one row of [`Value`]s per record, aligned with the
//! object's field list in [`schema`](super::schema).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::schema::ObjectType;
use super::value::{id_key, Value};
use crate::org::model::{
    Account, Call, Contact, ContactRole, Event, FieldChange, Invitee, Opportunity, SampleOrg, Task,
    User, UserRole,
};

/// One record.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its object type.
    pub object: ObjectType,
    /// Its 18-character id.
    pub id: String,
    /// Field values, in the order of the object's field list.
    pub values: Vec<Value>,
    /// The account whose sharing decides who sees this record; `None` for users (visible to all).
    pub account_id: Option<String>,
    /// The owning user, for objects whose own sharing can be private (opportunities, and their
    /// contact roles and field history, which follow them) and for activities (events, their
    /// invitees, tasks), which their owner always sees.
    pub owner_id: Option<String>,
    /// For an activity about an opportunity: that opportunity's owner, since an activity is
    /// shared as the record it is about ("Controlled by Parent").
    pub deal_owner: Option<String>,
}

impl Record {
    /// The value of the field at `index` (null for an index out of range).
    pub fn value(&self, index: usize) -> &Value {
        static NULL: Value = Value::Null;
        self.values.get(index).unwrap_or(&NULL)
    }
}

/// All records of the org, by object and by id.
#[derive(Debug, Default)]
pub struct Store {
    records: HashMap<ObjectType, Vec<Record>>,
    by_id: HashMap<String, (ObjectType, usize)>,
    /// Positions of each object's records by the id key of what decides who sees them: the
    /// account, the owner, the event (an event and its invitees), or none. A query for one
    /// user reads only the records these name for them instead of every record (see
    /// [`crate::salesforce::sharing::Visibility::candidates`]).
    by_account: HashMap<(ObjectType, String), Vec<usize>>,
    by_owner: HashMap<(ObjectType, String), Vec<usize>>,
    by_event: HashMap<(ObjectType, String), Vec<usize>>,
    without_account: HashMap<ObjectType, Vec<usize>>,
}

/// What a record's visibility can hang on, for [`Store::positions`].
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    /// Records of this account (id key).
    Account(&'a str),
    /// Records owned by this user (id key).
    Owner(&'a str),
    /// An event and its invitees (the event's id key).
    Event(&'a str),
    /// Records about no account.
    NoAccount,
}

impl Store {
    /// Builds every record from the sample org.
    pub fn from_org(org: &SampleOrg) -> Store {
        let mut store = Store::default();
        let owner_of: HashMap<&str, &str> = org
            .accounts
            .iter()
            .map(|a| (a.id.as_str(), a.owner_id.as_str()))
            .collect();
        let admin = org
            .users
            .iter()
            .find(|u| u.role == UserRole::Integration)
            .map_or("", |u| u.id.as_str());
        let anchor = org.anchor;
        for u in &org.users {
            let mut r = user_record(u);
            r.values
                .extend(system(anchor - Duration::days(730), admin, None));
            store.insert(r);
        }
        for a in &org.accounts {
            let mut r = account_record(a);
            r.values
                .extend(system(anchor - Duration::days(365), &a.owner_id, None));
            store.insert(r);
        }
        for c in &org.contacts {
            let owner = owner_of.get(c.account_id.as_str()).copied();
            let mut r = contact_record(c, owner);
            r.values
                .extend(system(c.created, owner.unwrap_or(admin), None));
            store.insert(r);
        }
        let opportunity_created = anchor - Duration::days(200);
        for o in &org.opportunities {
            let mut r = opportunity_record(o);
            let changed = org
                .field_history
                .iter()
                .filter(|h| h.opportunity_id == o.id)
                .max_by_key(|h| h.created)
                .map(|h| (h.created, h.created_by.as_str()));
            r.values
                .extend(system(opportunity_created, &o.owner_id, changed));
            store.insert(r);
        }
        for c in &org.calls {
            let mut r = call_record(c);
            let synced = c.started + Duration::seconds(i64::from(c.duration));
            r.values.extend(system(synced, admin, None));
            store.insert(r);
        }
        let deal_of: HashMap<&str, &Opportunity> = org
            .opportunities
            .iter()
            .map(|o| (o.id.as_str(), o))
            .collect();
        for e in &org.events {
            let deal_owner = deal_of.get(e.what_id.as_str()).map(|o| o.owner_id.clone());
            let mut r = event_record(e, deal_owner.clone());
            r.values.extend(system(e.created, &e.owner_id, None));
            store.insert(r);
            for i in &e.invitees {
                let mut r = invitee_record(e, i, deal_owner.clone());
                r.values.extend(system(e.created, &e.owner_id, None));
                store.insert(r);
            }
        }
        for t in &org.tasks {
            let deal_owner = deal_of.get(t.what_id.as_str()).map(|o| o.owner_id.clone());
            let mut r = task_record(t, deal_owner);
            r.values.extend(system(t.created, &t.owner_id, None));
            store.insert(r);
        }
        for h in &org.field_history {
            if let Some(o) = deal_of.get(h.opportunity_id.as_str()) {
                store.insert(history_record(h, o));
            }
        }
        let account_of: HashMap<&str, (&str, &str)> = org
            .opportunities
            .iter()
            .map(|o| (o.id.as_str(), (o.account_id.as_str(), o.owner_id.as_str())))
            .collect();
        for r in org.contact_roles() {
            // A contact role is shared as its opportunity is: through the opportunity's account,
            // or its owner when opportunities are private.
            if let Some((account, owner)) = account_of.get(r.opportunity_id.as_str()).copied() {
                let mut record = contact_role_record(&r, account, owner);
                record
                    .values
                    .extend(system(opportunity_created, owner, None));
                store.insert(record);
            }
        }
        store
    }

    fn insert(&mut self, record: Record) {
        let list = self.records.entry(record.object).or_default();
        let at = list.len();
        let object = record.object;
        self.by_id
            .insert(id_key(&record.id).to_string(), (object, at));
        match &record.account_id {
            Some(account) => self
                .by_account
                .entry((object, id_key(account).to_owned()))
                .or_default()
                .push(at),
            None => self.without_account.entry(object).or_default().push(at),
        }
        if let Some(owner) = &record.owner_id {
            self.by_owner
                .entry((object, id_key(owner).to_owned()))
                .or_default()
                .push(at);
        }
        let event = match object {
            ObjectType::Event => Some(record.id.as_str()),
            ObjectType::EventRelation => ObjectType::EventRelation
                .def()
                .field_index("EventId")
                .and_then(|i| record.value(i).as_id()),
            _ => None,
        };
        if let Some(event) = event {
            self.by_event
                .entry((object, id_key(event).to_owned()))
                .or_default()
                .push(at);
        }
        list.push(record);
    }

    /// Positions (in [`Store::all`]) of the records of `object` that `key` names.
    pub fn positions(&self, object: ObjectType, key: Key<'_>) -> &[usize] {
        let found = match key {
            Key::Account(k) => self.by_account.get(&(object, k.to_owned())),
            Key::Owner(k) => self.by_owner.get(&(object, k.to_owned())),
            Key::Event(k) => self.by_event.get(&(object, k.to_owned())),
            Key::NoAccount => self.without_account.get(&object),
        };
        found.map_or(&[], Vec::as_slice)
    }

    /// Every record of one object, in the org's order.
    pub fn all(&self, object: ObjectType) -> &[Record] {
        self.records.get(&object).map_or(&[], Vec::as_slice)
    }

    /// The record with this id (15- or 18-character form), of any object.
    pub fn get(&self, id: &str) -> Option<&Record> {
        let (object, index) = self.by_id.get(id_key(id))?;
        self.records.get(object)?.get(*index)
    }
}

fn user_record(u: &User) -> Record {
    Record {
        object: ObjectType::User,
        id: u.id.clone(),
        values: vec![
            Value::Id(u.id.clone()),
            Value::text(u.username.clone()),
            Value::text(u.name()),
            Value::text(u.first_name.clone()),
            Value::text(u.last_name.clone()),
            Value::text(u.email.clone()),
            Value::text(u.title.clone()),
            Value::Bool(true),
            Value::opt_id(u.manager_id.as_deref()),
        ],
        account_id: None,
        owner_id: None,
        deal_owner: None,
    }
}

fn account_record(a: &Account) -> Record {
    Record {
        object: ObjectType::Account,
        id: a.id.clone(),
        values: vec![
            Value::Id(a.id.clone()),
            Value::text(a.name.clone()),
            Value::text(a.industry.clone()),
            Value::text(a.website.clone()),
            Value::Int(i64::from(a.number_of_employees)),
            Value::Number(a.annual_revenue),
            Value::text(a.billing_city.clone()),
            Value::text(a.billing_country.clone()),
            Value::opt_id(Some(&a.owner_id)),
        ],
        account_id: Some(a.id.clone()),
        owner_id: None,
        deal_owner: None,
    }
}

fn contact_record(c: &Contact, account_owner: Option<&str>) -> Record {
    Record {
        object: ObjectType::Contact,
        id: c.id.clone(),
        values: vec![
            Value::Id(c.id.clone()),
            Value::opt_id(Some(&c.account_id)),
            Value::text(c.first_name.clone()),
            Value::text(c.last_name.clone()),
            Value::text(c.name()),
            Value::text(c.title.clone()),
            Value::text(c.email.clone()),
            Value::text(c.phone.clone()),
            Value::opt_id(account_owner),
        ],
        account_id: Some(c.account_id.clone()),
        owner_id: None,
        deal_owner: None,
    }
}

fn opportunity_record(o: &Opportunity) -> Record {
    Record {
        object: ObjectType::Opportunity,
        id: o.id.clone(),
        values: vec![
            Value::Id(o.id.clone()),
            Value::opt_id(Some(&o.account_id)),
            Value::text(o.name.clone()),
            Value::text(o.stage.clone()),
            Value::Number(o.amount),
            Value::Date(o.close_date),
            Value::Number(f64::from(o.probability)),
            Value::Bool(o.is_closed),
            Value::Bool(o.is_won),
            Value::opt_id(Some(&o.owner_id)),
            Value::text(o.next_step.clone()),
        ],
        account_id: Some(o.account_id.clone()),
        owner_id: Some(o.owner_id.clone()),
        deal_owner: None,
    }
}

fn contact_role_record(r: &ContactRole, account_id: &str, owner_id: &str) -> Record {
    Record {
        object: ObjectType::OpportunityContactRole,
        id: r.id.clone(),
        values: vec![
            Value::Id(r.id.clone()),
            Value::opt_id(Some(&r.opportunity_id)),
            Value::opt_id(Some(&r.contact_id)),
            Value::text(r.role.clone()),
            Value::Bool(r.is_primary),
        ],
        account_id: Some(account_id.to_owned()),
        owner_id: Some(owner_id.to_owned()),
        deal_owner: None,
    }
}

fn call_record(c: &Call) -> Record {
    let emails: Vec<&str> = c
        .parties
        .iter()
        .filter_map(|p| p.email.as_deref())
        .collect();
    let end = c.started + Duration::seconds(i64::from(c.duration));
    Record {
        object: ObjectType::GongCall,
        id: c.sf_id.clone(),
        values: vec![
            Value::Id(c.sf_id.clone()),
            Value::text(c.sf_name.clone()),
            Value::text(c.gong_id.clone()),
            Value::text(c.title.clone()),
            Value::DateTime(c.started),
            Value::DateTime(end),
            Value::Number(f64::from(c.duration)),
            Value::opt_id(Some(&c.account_id)),
            Value::opt_id(c.opportunity_id.as_deref()),
            Value::opt_id(Some(&c.primary_user_id)),
            Value::text(c.direction.clone()),
            Value::text(c.scope.clone()),
            Value::Bool(c.is_private),
            Value::text(emails.join("; ")),
            Value::text(c.url.clone()),
            Value::text(c.brief.clone()),
            Value::text(c.key_points.join("\n")),
            Value::opt_id(Some(&c.primary_user_id)),
        ],
        account_id: Some(c.account_id.clone()),
        owner_id: None,
        deal_owner: None,
    }
}

/// The system fields' values (`CreatedDate`, `CreatedById`, `LastModifiedDate`,
/// `LastModifiedById`, `SystemModstamp`): created at `created` by `created_by`, last changed
/// at `modified` (when and by whom) or else never since.
fn system(
    created: DateTime<Utc>,
    created_by: &str,
    modified: Option<(DateTime<Utc>, &str)>,
) -> [Value; 5] {
    let (at, by) = modified.unwrap_or((created, created_by));
    [
        Value::DateTime(created),
        Value::opt_id(Some(created_by)),
        Value::DateTime(at),
        Value::opt_id(Some(by)),
        Value::DateTime(at),
    ]
}

fn event_record(e: &Event, deal_owner: Option<String>) -> Record {
    let end = e.start + Duration::minutes(i64::from(e.duration));
    Record {
        object: ObjectType::Event,
        id: e.id.clone(),
        values: vec![
            Value::Id(e.id.clone()),
            Value::text(e.subject.clone()),
            Value::DateTime(e.start),
            Value::DateTime(end),
            Value::Date(e.start.date_naive()),
            Value::Int(i64::from(e.duration)),
            Value::opt_id(Some(&e.what_id)),
            Value::opt_id(e.who_id.as_deref()),
            Value::opt_id(Some(&e.account_id)),
            Value::opt_id(Some(&e.owner_id)),
            Value::text(e.location.clone()),
            Value::text(e.description.clone()),
            Value::Bool(e.is_private),
        ],
        account_id: Some(e.account_id.clone()),
        owner_id: Some(e.owner_id.clone()),
        deal_owner,
    }
}

/// An invitee is seen with its event: same account, owner and deal.
fn invitee_record(e: &Event, i: &Invitee, deal_owner: Option<String>) -> Record {
    Record {
        object: ObjectType::EventRelation,
        id: i.id.clone(),
        values: vec![
            Value::Id(i.id.clone()),
            Value::opt_id(Some(&e.id)),
            Value::opt_id(Some(&i.relation_id)),
            Value::text(i.status.clone()),
            Value::Bool(true),
        ],
        account_id: Some(e.account_id.clone()),
        owner_id: Some(e.owner_id.clone()),
        deal_owner,
    }
}

fn task_record(t: &Task, deal_owner: Option<String>) -> Record {
    Record {
        object: ObjectType::Task,
        id: t.id.clone(),
        values: vec![
            Value::Id(t.id.clone()),
            Value::text(t.subject.clone()),
            Value::Date(t.due),
            Value::text(t.status.clone()),
            Value::text(t.priority.clone()),
            Value::Bool(t.status == "Completed"),
            Value::opt_id(Some(&t.what_id)),
            Value::opt_id(t.who_id.as_deref()),
            Value::opt_id(Some(&t.account_id)),
            Value::opt_id(Some(&t.owner_id)),
        ],
        account_id: Some(t.account_id.clone()),
        owner_id: Some(t.owner_id.clone()),
        deal_owner,
    }
}

/// A field change is seen with its opportunity.
fn history_record(h: &FieldChange, o: &Opportunity) -> Record {
    let data_type = match h.field.as_str() {
        "Amount" => "Currency",
        "CloseDate" => "Date",
        "StageName" => "Picklist",
        _ => "Text",
    };
    Record {
        object: ObjectType::OpportunityFieldHistory,
        id: h.id.clone(),
        values: vec![
            Value::Id(h.id.clone()),
            Value::opt_id(Some(&h.opportunity_id)),
            Value::text(h.field.clone()),
            Value::text(data_type),
            h.old_value.clone().map_or(Value::Null, Value::text),
            h.new_value.clone().map_or(Value::Null, Value::text),
            Value::DateTime(h.created),
            Value::opt_id(Some(&h.created_by)),
            Value::Bool(false),
        ],
        account_id: Some(o.account_id.clone()),
        owner_id: Some(o.owner_id.clone()),
        deal_owner: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::schema::{ALL_OBJECTS, QUERY_ONLY_OBJECTS};
    use crate::salesforce::testorg::tiny_org;

    #[test]
    fn every_record_has_one_value_per_field() {
        let store = Store::from_org(&tiny_org());
        for o in ALL_OBJECTS.into_iter().chain(QUERY_ONLY_OBJECTS) {
            for r in store.all(o) {
                assert_eq!(r.values.len(), o.def().fields.len(), "{}", o.name());
                assert!(r.id.starts_with(o.def().key_prefix), "{}", r.id);
            }
        }
        assert_eq!(store.all(ObjectType::GongCall).len(), 4);
    }

    #[test]
    fn records_are_found_by_either_id_form() {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let id = &org.accounts[0].id;
        assert_eq!(store.get(id).map(|r| r.object), Some(ObjectType::Account));
        assert_eq!(store.get(&id[..15]).map(|r| &r.id), Some(id));
        assert!(store.get("001000000000000").is_none());
    }

    #[test]
    fn contacts_are_owned_by_their_account_owner() {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let contact = &store.all(ObjectType::Contact)[0];
        let owner = contact.value(8).as_id().map(str::to_string);
        assert_eq!(owner.as_deref(), Some(org.accounts[0].owner_id.as_str()));
    }
}
