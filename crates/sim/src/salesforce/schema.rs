//! The objects and fields the simulated org exposes, with Salesforce's API names and types.
//!
//! Names are matched case-insensitively (as Salesforce does) and answered in their canonical
//! spelling. The catalog is static data so the query engine, the search engine and the
//! record builder all agree on one definition of each object.

/// The sObject types the simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectType {
    /// `User` (key prefix `005`).
    User,
    /// `Account` (key prefix `001`).
    Account,
    /// `Contact` (key prefix `003`).
    Contact,
    /// `Opportunity` (key prefix `006`).
    Opportunity,
    /// `Gong__Gong_Call__c`, the Gong managed package's call object.
    GongCall,
    /// `OpportunityContactRole` (key prefix `00K`): a contact's buying role on a deal. Queryable
    /// but not searchable, as in Salesforce.
    OpportunityContactRole,
    /// `Event` (key prefix `00U`): a meeting on a user's calendar.
    Event,
    /// `EventRelation` (key prefix `0RE`): an invitee of an event. Queryable, not searchable.
    EventRelation,
    /// `Task` (key prefix `00T`): a to-do.
    Task,
    /// `OpportunityFieldHistory` (key prefix `017`): one tracked change of a deal's field.
    /// Queryable, not searchable.
    OpportunityFieldHistory,
}

/// Every object type, in the order searches without `RETURNING` list them.
pub const ALL_OBJECTS: [ObjectType; 5] = [
    ObjectType::Account,
    ObjectType::Contact,
    ObjectType::Opportunity,
    ObjectType::User,
    ObjectType::GongCall,
];

/// Objects SOQL can query but the simulator's SOSL does not search (Salesforce does search
/// events and tasks; the simulator leaves them out of searches so a name search stays about
/// records with names).
pub const QUERY_ONLY_OBJECTS: [ObjectType; 5] = [
    ObjectType::OpportunityContactRole,
    ObjectType::Event,
    ObjectType::EventRelation,
    ObjectType::Task,
    ObjectType::OpportunityFieldHistory,
];

/// The data type of a field; decides which literals a filter accepts and how values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// The record's own id.
    Id,
    /// A lookup to another record's id.
    Reference,
    /// Short text.
    String,
    /// Long text: searchable, but neither filterable nor sortable in SOQL.
    LongText,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// A web address.
    Url,
    /// A picklist value.
    Picklist,
    /// A whole number.
    Int,
    /// A decimal number.
    Double,
    /// Money.
    Currency,
    /// A percentage.
    Percent,
    /// True or false.
    Boolean,
    /// A calendar date.
    Date,
    /// An instant.
    DateTime,
}

impl FieldKind {
    /// Salesforce's name of the type, as `describe` and error messages spell it.
    pub fn soap_name(self) -> &'static str {
        match self {
            FieldKind::Id => "id",
            FieldKind::Reference => "reference",
            FieldKind::String => "string",
            FieldKind::LongText => "textarea",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
            FieldKind::Url => "url",
            FieldKind::Picklist => "picklist",
            FieldKind::Int => "int",
            FieldKind::Double => "double",
            FieldKind::Currency => "currency",
            FieldKind::Percent => "percent",
            FieldKind::Boolean => "boolean",
            FieldKind::Date => "date",
            FieldKind::DateTime => "datetime",
        }
    }

    /// Whether the field holds text that string literals, `LIKE` and searches apply to.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldKind::String
                | FieldKind::LongText
                | FieldKind::Email
                | FieldKind::Phone
                | FieldKind::Url
                | FieldKind::Picklist
        )
    }

    /// Whether the field holds a Salesforce id.
    pub fn is_id(self) -> bool {
        matches!(self, FieldKind::Id | FieldKind::Reference)
    }

    /// Whether the field holds a number.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            FieldKind::Int | FieldKind::Double | FieldKind::Currency | FieldKind::Percent
        )
    }
}

/// A lookup field's relationship: the name used in field paths and the object it points to.
#[derive(Debug, Clone, Copy)]
pub struct Relationship {
    /// e.g. `Account`, `Owner`, `Gong__Primary_Account__r`.
    pub name: &'static str,
    /// The object the lookup points to.
    pub target: ObjectType,
}

/// One field of an object.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// Canonical API name.
    pub name: &'static str,
    /// Human label, for `describe`.
    pub label: &'static str,
    /// Data type.
    pub kind: FieldKind,
    /// Set on lookup fields.
    pub relationship: Option<Relationship>,
    /// Part of the object's name fields (`IN NAME FIELDS`).
    pub name_field: bool,
}

/// One object: its names, id prefix and fields.
#[derive(Debug)]
pub struct ObjectDef {
    /// Canonical API name.
    pub name: &'static str,
    /// Singular label.
    pub label: &'static str,
    /// First three characters of every id of this object.
    pub key_prefix: &'static str,
    /// Fields, in the order a whole record is answered.
    pub fields: &'static [FieldDef],
}

const fn field(name: &'static str, label: &'static str, kind: FieldKind) -> FieldDef {
    FieldDef {
        name,
        label,
        kind,
        relationship: None,
        name_field: false,
    }
}

const fn name_field(name: &'static str, label: &'static str) -> FieldDef {
    FieldDef {
        name,
        label,
        kind: FieldKind::String,
        relationship: None,
        name_field: true,
    }
}

const fn lookup(
    name: &'static str,
    label: &'static str,
    relationship: &'static str,
    target: ObjectType,
) -> FieldDef {
    FieldDef {
        name,
        label,
        kind: FieldKind::Reference,
        relationship: Some(Relationship {
            name: relationship,
            target,
        }),
        name_field: false,
    }
}

use FieldKind as K;
use ObjectType as O;

/// A lookup that may point to records of several objects (`WhatId`, `WhoId`, `RelationId`).
/// Its relationship (`What.Name`) is not offered: the simulator's paths follow one target
/// object, so such paths are refused rather than answered wrongly.
const fn polymorphic(name: &'static str, label: &'static str) -> FieldDef {
    FieldDef {
        name,
        label,
        kind: FieldKind::Reference,
        relationship: None,
        name_field: false,
    }
}

/// The audit fields every object but the history objects has, appended to its own fields, so
/// that "what changed since" questions can be asked of any record as in Salesforce.
macro_rules! with_system_fields {
    ($($f:expr),* $(,)?) => {
        &[
            $($f,)*
            field("CreatedDate", "Created Date", K::DateTime),
            lookup("CreatedById", "Created By ID", "CreatedBy", O::User),
            field("LastModifiedDate", "Last Modified Date", K::DateTime),
            lookup("LastModifiedById", "Last Modified By ID", "LastModifiedBy", O::User),
            field("SystemModstamp", "System Modstamp", K::DateTime),
        ]
    };
}

const USER_FIELDS: &[FieldDef] = with_system_fields![
    field("Id", "User ID", K::Id),
    field("Username", "Username", K::String),
    name_field("Name", "Full Name"),
    name_field("FirstName", "First Name"),
    name_field("LastName", "Last Name"),
    field("Email", "Email", K::Email),
    field("Title", "Title", K::String),
    field("IsActive", "Active", K::Boolean),
    lookup("ManagerId", "Manager ID", "Manager", O::User),
];

const ACCOUNT_FIELDS: &[FieldDef] = with_system_fields![
    field("Id", "Account ID", K::Id),
    name_field("Name", "Account Name"),
    field("Industry", "Industry", K::Picklist),
    field("Website", "Website", K::Url),
    field("NumberOfEmployees", "Employees", K::Int),
    field("AnnualRevenue", "Annual Revenue", K::Currency),
    field("BillingCity", "Billing City", K::String),
    field("BillingCountry", "Billing Country", K::String),
    lookup("OwnerId", "Owner ID", "Owner", O::User),
];

const CONTACT_FIELDS: &[FieldDef] = with_system_fields![
    field("Id", "Contact ID", K::Id),
    lookup("AccountId", "Account ID", "Account", O::Account),
    name_field("FirstName", "First Name"),
    name_field("LastName", "Last Name"),
    name_field("Name", "Full Name"),
    field("Title", "Title", K::String),
    field("Email", "Email", K::Email),
    field("Phone", "Business Phone", K::Phone),
    lookup("OwnerId", "Owner ID", "Owner", O::User),
];

const OPPORTUNITY_FIELDS: &[FieldDef] = with_system_fields![
    field("Id", "Opportunity ID", K::Id),
    lookup("AccountId", "Account ID", "Account", O::Account),
    name_field("Name", "Name"),
    field("StageName", "Stage", K::Picklist),
    field("Amount", "Amount", K::Currency),
    field("CloseDate", "Close Date", K::Date),
    field("Probability", "Probability (%)", K::Percent),
    field("IsClosed", "Closed", K::Boolean),
    field("IsWon", "Won", K::Boolean),
    lookup("OwnerId", "Owner ID", "Owner", O::User),
    field("NextStep", "Next Step", K::String),
];

const GONG_CALL_FIELDS: &[FieldDef] = with_system_fields![
    field("Id", "Record ID", K::Id),
    name_field("Name", "Conversation Name"),
    field("Gong__Call_ID__c", "Call ID", K::String),
    field("Gong__Title__c", "Title", K::String),
    field("Gong__Call_Start__c", "Call Start", K::DateTime),
    field("Gong__Call_End__c", "Call End", K::DateTime),
    field(
        "Gong__Call_Duration_sec__c",
        "Call Duration (sec)",
        K::Double,
    ),
    lookup(
        "Gong__Primary_Account__c",
        "Primary Account",
        "Gong__Primary_Account__r",
        O::Account,
    ),
    lookup(
        "Gong__Primary_Opportunity__c",
        "Primary Opportunity",
        "Gong__Primary_Opportunity__r",
        O::Opportunity,
    ),
    lookup(
        "Gong__Primary_User__c",
        "Primary User",
        "Gong__Primary_User__r",
        O::User,
    ),
    field("Gong__Direction__c", "Direction", K::Picklist),
    field("Gong__Scope__c", "Scope", K::Picklist),
    field("Gong__Is_Private__c", "Is Private", K::Boolean),
    field(
        "Gong__Participants_Emails__c",
        "Participants Emails",
        K::LongText,
    ),
    field("Gong__View_call__c", "View call", K::Url),
    field("Gong__Call_Brief__c", "Call Brief", K::LongText),
    field("Gong__Call_Key_Points__c", "Call Key Points", K::LongText),
    lookup("OwnerId", "Owner ID", "Owner", O::User),
];

const CONTACT_ROLE_FIELDS: &[FieldDef] = with_system_fields![
    field("Id", "Contact Role ID", K::Id),
    lookup(
        "OpportunityId",
        "Opportunity ID",
        "Opportunity",
        O::Opportunity,
    ),
    lookup("ContactId", "Contact ID", "Contact", O::Contact),
    field("Role", "Role", K::Picklist),
    field("IsPrimary", "Primary", K::Boolean),
];

const EVENT_FIELDS: &[FieldDef] = with_system_fields![
    field("Id", "Activity ID", K::Id),
    name_field("Subject", "Subject"),
    field("StartDateTime", "Start", K::DateTime),
    field("EndDateTime", "End", K::DateTime),
    field("ActivityDate", "Due Date Only", K::Date),
    field("DurationInMinutes", "Duration", K::Int),
    polymorphic("WhatId", "Related To ID"),
    polymorphic("WhoId", "Name ID"),
    lookup("AccountId", "Account ID", "Account", O::Account),
    lookup("OwnerId", "Assigned To ID", "Owner", O::User),
    field("Location", "Location", K::String),
    field("Description", "Description", K::LongText),
    field("IsPrivate", "Private", K::Boolean),
];

const EVENT_RELATION_FIELDS: &[FieldDef] = with_system_fields![
    field("Id", "Event Relation ID", K::Id),
    lookup("EventId", "Event ID", "Event", O::Event),
    polymorphic("RelationId", "Relation ID"),
    field("Status", "Status", K::Picklist),
    field("IsInvitee", "Is Invitee", K::Boolean),
];

const TASK_FIELDS: &[FieldDef] = with_system_fields![
    field("Id", "Activity ID", K::Id),
    name_field("Subject", "Subject"),
    field("ActivityDate", "Due Date Only", K::Date),
    field("Status", "Status", K::Picklist),
    field("Priority", "Priority", K::Picklist),
    field("IsClosed", "Closed", K::Boolean),
    polymorphic("WhatId", "Related To ID"),
    polymorphic("WhoId", "Name ID"),
    lookup("AccountId", "Account ID", "Account", O::Account),
    lookup("OwnerId", "Assigned To ID", "Owner", O::User),
];

/// History objects have no `LastModified*` or `SystemModstamp`: a change is never edited.
const OPPORTUNITY_HISTORY_FIELDS: &[FieldDef] = &[
    field("Id", "Opportunity History ID", K::Id),
    lookup(
        "OpportunityId",
        "Opportunity ID",
        "Opportunity",
        O::Opportunity,
    ),
    field("Field", "Changed Field", K::Picklist),
    field("DataType", "Data Type", K::Picklist),
    field("OldValue", "Old Value", K::String),
    field("NewValue", "New Value", K::String),
    field("CreatedDate", "Created Date", K::DateTime),
    lookup("CreatedById", "Created By ID", "CreatedBy", O::User),
    field("IsDeleted", "Deleted", K::Boolean),
];

static EVENT: ObjectDef = ObjectDef {
    name: "Event",
    label: "Event",
    key_prefix: "00U",
    fields: EVENT_FIELDS,
};
static EVENT_RELATION: ObjectDef = ObjectDef {
    name: "EventRelation",
    label: "Event Relation",
    key_prefix: "0RE",
    fields: EVENT_RELATION_FIELDS,
};
static TASK: ObjectDef = ObjectDef {
    name: "Task",
    label: "Task",
    key_prefix: "00T",
    fields: TASK_FIELDS,
};
static OPPORTUNITY_HISTORY: ObjectDef = ObjectDef {
    name: "OpportunityFieldHistory",
    label: "Opportunity Field History",
    key_prefix: "017",
    fields: OPPORTUNITY_HISTORY_FIELDS,
};

/// A child relationship: the name a parent-to-child subquery uses (`SELECT (SELECT Name FROM
/// Contacts) FROM Account`), the child object and its lookup to the parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildRelationship {
    /// The parent object.
    pub parent: ObjectType,
    /// Relationship name, as Salesforce spells it.
    pub name: &'static str,
    /// The child object.
    pub child: ObjectType,
    /// The child's lookup field to the parent.
    pub field: &'static str,
}

const fn child(
    parent: ObjectType,
    name: &'static str,
    child: ObjectType,
    field: &'static str,
) -> ChildRelationship {
    ChildRelationship {
        parent,
        name,
        child,
        field,
    }
}

/// The child relationships subqueries may name. Activities (`Events`, `Tasks`) hang off their
/// `WhatId` (account or opportunity) and `WhoId` (contact); the Gong call object's relationship
/// name is the package's (`Gong__Gong_Calls__r`; UNCONFIRMED against every package version).
pub const CHILD_RELATIONSHIPS: &[ChildRelationship] = &[
    child(O::Account, "Contacts", O::Contact, "AccountId"),
    child(O::Account, "Opportunities", O::Opportunity, "AccountId"),
    child(O::Account, "Events", O::Event, "WhatId"),
    child(O::Account, "Tasks", O::Task, "WhatId"),
    child(
        O::Account,
        "Gong__Gong_Calls__r",
        O::GongCall,
        "Gong__Primary_Account__c",
    ),
    child(
        O::Opportunity,
        "OpportunityContactRoles",
        O::OpportunityContactRole,
        "OpportunityId",
    ),
    child(O::Opportunity, "Events", O::Event, "WhatId"),
    child(O::Opportunity, "Tasks", O::Task, "WhatId"),
    child(
        O::Opportunity,
        "Histories",
        O::OpportunityFieldHistory,
        "OpportunityId",
    ),
    child(
        O::Opportunity,
        "Gong__Gong_Calls__r",
        O::GongCall,
        "Gong__Primary_Opportunity__c",
    ),
    child(
        O::Contact,
        "OpportunityContactRoles",
        O::OpportunityContactRole,
        "ContactId",
    ),
    child(O::Contact, "Events", O::Event, "WhoId"),
    child(O::Contact, "Tasks", O::Task, "WhoId"),
    child(O::Event, "EventRelations", O::EventRelation, "EventId"),
    child(O::User, "Events", O::Event, "OwnerId"),
    child(O::User, "Tasks", O::Task, "OwnerId"),
];

/// The child relationship of `parent` named `name` (ignoring case).
pub fn child_relationship(parent: ObjectType, name: &str) -> Option<&'static ChildRelationship> {
    CHILD_RELATIONSHIPS
        .iter()
        .find(|c| c.parent == parent && c.name.eq_ignore_ascii_case(name))
}

static CONTACT_ROLE: ObjectDef = ObjectDef {
    name: "OpportunityContactRole",
    label: "Opportunity Contact Role",
    key_prefix: "00K",
    fields: CONTACT_ROLE_FIELDS,
};
static USER: ObjectDef = ObjectDef {
    name: "User",
    label: "User",
    key_prefix: "005",
    fields: USER_FIELDS,
};
static ACCOUNT: ObjectDef = ObjectDef {
    name: "Account",
    label: "Account",
    key_prefix: "001",
    fields: ACCOUNT_FIELDS,
};
static CONTACT: ObjectDef = ObjectDef {
    name: "Contact",
    label: "Contact",
    key_prefix: "003",
    fields: CONTACT_FIELDS,
};
static OPPORTUNITY: ObjectDef = ObjectDef {
    name: "Opportunity",
    label: "Opportunity",
    key_prefix: "006",
    fields: OPPORTUNITY_FIELDS,
};
static GONG_CALL: ObjectDef = ObjectDef {
    name: "Gong__Gong_Call__c",
    label: "Conversation",
    key_prefix: "a0G",
    fields: GONG_CALL_FIELDS,
};

impl ObjectType {
    /// The object's definition.
    pub fn def(self) -> &'static ObjectDef {
        match self {
            O::User => &USER,
            O::Account => &ACCOUNT,
            O::Contact => &CONTACT,
            O::Opportunity => &OPPORTUNITY,
            O::GongCall => &GONG_CALL,
            O::OpportunityContactRole => &CONTACT_ROLE,
            O::Event => &EVENT,
            O::EventRelation => &EVENT_RELATION,
            O::Task => &TASK,
            O::OpportunityFieldHistory => &OPPORTUNITY_HISTORY,
        }
    }

    /// Canonical API name.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Finds an object by API name, ignoring case as Salesforce does.
    pub fn lookup(name: &str) -> Option<ObjectType> {
        ALL_OBJECTS
            .into_iter()
            .chain(QUERY_ONLY_OBJECTS)
            .find(|o| o.name().eq_ignore_ascii_case(name))
    }
}

impl ObjectDef {
    /// Index of a field by API name, ignoring case.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The lookup field whose relationship has this name, ignoring case.
    pub fn relationship_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| {
            f.relationship
                .is_some_and(|r| r.name.eq_ignore_ascii_case(name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_fields_are_found_ignoring_case() {
        assert_eq!(ObjectType::lookup("gong__gong_call__c"), Some(O::GongCall));
        assert_eq!(ObjectType::lookup("Acount"), None);
        let account = O::Account.def();
        assert_eq!(account.field_index("billingcity"), Some(6));
        let call = O::GongCall.def();
        let i = call.relationship_index("GONG__PRIMARY_ACCOUNT__R");
        assert_eq!(
            i.map(|i| call.fields[i].name),
            Some("Gong__Primary_Account__c")
        );
    }

    #[test]
    fn every_object_starts_with_its_id_field() {
        for o in ALL_OBJECTS.into_iter().chain(QUERY_ONLY_OBJECTS) {
            assert_eq!(o.def().fields[0].kind, FieldKind::Id, "{}", o.name());
            assert_eq!(ObjectType::lookup(o.name()), Some(o));
        }
    }
}
