//! The sample org seen as Salesforce records: one row of [`Value`]s per record, aligned with the
//! object's field list in [`schema`](super::schema).

use std::collections::HashMap;

use chrono::Duration;

use super::schema::ObjectType;
use super::value::{id_key, Value};
use crate::org::model::{Account, Call, Contact, ContactRole, Opportunity, SampleOrg, User};

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
    /// contact roles, which follow them).
    pub owner_id: Option<String>,
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
        for u in &org.users {
            store.insert(user_record(u));
        }
        for a in &org.accounts {
            store.insert(account_record(a));
        }
        for c in &org.contacts {
            let owner = owner_of.get(c.account_id.as_str()).copied();
            store.insert(contact_record(c, owner));
        }
        for o in &org.opportunities {
            store.insert(opportunity_record(o));
        }
        for c in &org.calls {
            store.insert(call_record(c));
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
                store.insert(contact_role_record(&r, account, owner));
            }
        }
        store
    }

    fn insert(&mut self, record: Record) {
        let list = self.records.entry(record.object).or_default();
        self.by_id
            .insert(id_key(&record.id).to_string(), (record.object, list.len()));
        list.push(record);
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
        ],
        account_id: Some(o.account_id.clone()),
        owner_id: Some(o.owner_id.clone()),
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
