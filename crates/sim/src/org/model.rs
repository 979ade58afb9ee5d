//! The sample org's records: one set of people, accounts and calls that both simulators serve,
//! so that a Salesforce `Gong__Gong_Call__c` record and the Gong call it names always agree.

use chrono::{DateTime, NaiveDate, Utc};

/// Everything the simulators know. Built once by [`SampleOrg::generate`](super::SampleOrg::generate);
/// read-only afterwards, so it is shared behind an `Arc` without locks.
#[derive(Debug, Clone)]
pub struct SampleOrg {
    /// The instant the org's dates are relative to (midnight UTC of the day it was generated for).
    pub anchor: DateTime<Utc>,
    /// Salesforce users, who are also the Gong users (same people, two id spaces).
    pub users: Vec<User>,
    /// Customer accounts.
    pub accounts: Vec<Account>,
    /// People at the customer accounts.
    pub contacts: Vec<Contact>,
    /// Deals, open and closed.
    pub opportunities: Vec<Opportunity>,
    /// Recorded calls, newest first.
    pub calls: Vec<Call>,
    /// Calendar events (meetings) with the accounts, soonest first.
    pub events: Vec<Event>,
    /// To-dos on the accounts and deals.
    pub tasks: Vec<Task>,
    /// Tracked changes of opportunity fields (Salesforce's field history), oldest first.
    pub field_history: Vec<FieldChange>,
}

/// What a user may see in Salesforce; decides sharing in the Salesforce simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRole {
    /// Sees the accounts they own or that are shared with them, and those accounts' children.
    Rep,
    /// Sees what their direct reports see, plus their own.
    Manager,
    /// The API integration user (`client_credentials`): sees everything.
    Integration,
}

/// A person with a Salesforce login and (for reps and managers) a Gong seat.
#[derive(Debug, Clone)]
pub struct User {
    /// Salesforce id, 18 characters, key prefix `005`.
    pub id: String,
    /// Gong user id: a numeric string.
    pub gong_id: String,
    /// Salesforce login, e-mail shaped (e.g. `maya.chen@callbrief-demo.com`).
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub title: String,
    pub role: UserRole,
    /// Salesforce id of the user's manager, if any.
    pub manager_id: Option<String>,
}

impl User {
    /// "First Last".
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A customer company.
#[derive(Debug, Clone)]
pub struct Account {
    /// Salesforce id, 18 characters, key prefix `001`.
    pub id: String,
    pub name: String,
    pub industry: String,
    pub website: String,
    /// E-mail domain of the account's people (e.g. `acme.example`).
    pub domain: String,
    pub number_of_employees: u32,
    pub annual_revenue: f64,
    pub billing_city: String,
    pub billing_country: String,
    /// Salesforce id of the owning user.
    pub owner_id: String,
    /// Salesforce ids of users the account is shared with beyond its owner.
    pub shared_with: Vec<String>,
}

/// A person at a customer account.
#[derive(Debug, Clone)]
pub struct Contact {
    /// Salesforce id, 18 characters, key prefix `003`.
    pub id: String,
    pub account_id: String,
    pub first_name: String,
    pub last_name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
    /// When the contact was created in Salesforce (its `CreatedDate`).
    pub created: DateTime<Utc>,
}

impl Contact {
    /// "First Last".
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A deal.
#[derive(Debug, Clone)]
pub struct Opportunity {
    /// Salesforce id, 18 characters, key prefix `006`.
    pub id: String,
    pub account_id: String,
    pub name: String,
    /// e.g. "Discovery", "Evaluation", "Proposal", "Negotiation", "Closed Won", "Closed Lost".
    pub stage: String,
    pub amount: f64,
    pub close_date: NaiveDate,
    pub probability: u8,
    pub is_closed: bool,
    pub is_won: bool,
    /// Salesforce id of the owning user.
    pub owner_id: String,
    /// The deal's next step as the rep wrote it (`NextStep`); empty when none.
    pub next_step: String,
}

/// A contact's buying role on a deal (Salesforce `OpportunityContactRole`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRole {
    /// Salesforce id, 18 characters, key prefix `00K`.
    pub id: String,
    pub opportunity_id: String,
    pub contact_id: String,
    /// Salesforce's picklist value: "Economic Buyer", "Decision Maker", "Technical Buyer", ...
    pub role: String,
    /// Whether this is the deal's primary contact.
    pub is_primary: bool,
}

/// Which side of the conversation a party is on (Gong's `affiliation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affiliation {
    Internal,
    External,
    Unknown,
}

impl Affiliation {
    /// Gong's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Affiliation::Internal => "Internal",
            Affiliation::External => "External",
            Affiliation::Unknown => "Unknown",
        }
    }
}

/// One participant of a call, as Gong lists it under `parties`.
#[derive(Debug, Clone)]
pub struct Party {
    /// Gong party id (numeric string).
    pub id: String,
    /// May be missing in real Gong data (an unidentified dial-in).
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub affiliation: Affiliation,
    /// Links the party to transcript monologues; may be missing.
    pub speaker_id: Option<String>,
    /// Gong user id for internal parties.
    pub user_id: Option<String>,
    /// Salesforce Contact id for external parties known to the CRM.
    pub contact_id: Option<String>,
}

/// One turn of speech: consecutive sentences by one speaker.
#[derive(Debug, Clone)]
pub struct Monologue {
    pub speaker_id: String,
    /// Gong's topic label; `None` where Gong sends `null`.
    pub topic: Option<String>,
    pub sentences: Vec<Sentence>,
}

/// One sentence; times are milliseconds from the call's start.
#[derive(Debug, Clone)]
pub struct Sentence {
    pub start: u64,
    pub end: u64,
    pub text: String,
}

/// A recorded call, with what Gong holds about it and what Salesforce's `Gong__Gong_Call__c` record holds.
#[derive(Debug, Clone)]
pub struct Call {
    /// Gong call id: numeric string of up to 20 digits.
    pub gong_id: String,
    /// Salesforce id of the `Gong__Gong_Call__c` record (18 characters, prefix `a0G`).
    pub sf_id: String,
    /// Salesforce `Name` of that record (an auto-number like `C-000123`).
    pub sf_name: String,
    pub account_id: String,
    pub opportunity_id: Option<String>,
    /// Salesforce id of the rep who hosted the call.
    pub primary_user_id: String,
    pub title: String,
    pub scheduled: DateTime<Utc>,
    pub started: DateTime<Utc>,
    /// Seconds.
    pub duration: u32,
    /// "Conference", "Inbound", "Outbound".
    pub direction: String,
    /// "External" or "Internal".
    pub scope: String,
    /// e.g. "Zoom".
    pub system: String,
    pub language: String,
    pub purpose: Option<String>,
    pub is_private: bool,
    /// `https://app.gong.io/call?id=<gong_id>`.
    pub url: String,
    pub meeting_url: String,
    pub parties: Vec<Party>,
    pub monologues: Vec<Monologue>,
    /// Gong AI "brief" of the call.
    pub brief: String,
    pub key_points: Vec<String>,
    /// (topic name, duration in seconds).
    pub topics: Vec<(String, u32)>,
}

/// Who a calendar event invites (Salesforce `EventRelation`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    /// Salesforce id of the `EventRelation`, 18 characters, key prefix `0RE`.
    pub id: String,
    /// The contact, lead or user invited.
    pub relation_id: String,
    /// "New", "Accepted" or "Declined".
    pub status: String,
}

/// A meeting on the calendar (Salesforce `Event`).
#[derive(Debug, Clone)]
pub struct Event {
    /// Salesforce id, 18 characters, key prefix `00U`.
    pub id: String,
    pub subject: String,
    pub start: DateTime<Utc>,
    /// Minutes.
    pub duration: u32,
    /// The account or opportunity the event is about (`WhatId`).
    pub what_id: String,
    /// The account the event belongs to (`AccountId`, derived by Salesforce from What/Who).
    pub account_id: String,
    /// The main contact (`WhoId`).
    pub who_id: Option<String>,
    /// The user whose calendar holds the event.
    pub owner_id: String,
    pub location: String,
    pub description: String,
    pub invitees: Vec<Invitee>,
    pub created: DateTime<Utc>,
    /// `IsPrivate`: seen by its owner alone; never has invitees (Salesforce allows none).
    pub is_private: bool,
}

/// A to-do (Salesforce `Task`).
#[derive(Debug, Clone)]
pub struct Task {
    /// Salesforce id, 18 characters, key prefix `00T`.
    pub id: String,
    pub subject: String,
    /// Due date (`ActivityDate`).
    pub due: NaiveDate,
    /// "Not Started", "In Progress" or "Completed".
    pub status: String,
    /// "High", "Normal" or "Low".
    pub priority: String,
    pub what_id: String,
    pub account_id: String,
    pub who_id: Option<String>,
    pub owner_id: String,
    pub created: DateTime<Utc>,
}

/// One tracked change of an opportunity field (Salesforce `OpportunityFieldHistory`).
#[derive(Debug, Clone)]
pub struct FieldChange {
    /// Salesforce id, 18 characters, key prefix `017`.
    pub id: String,
    pub opportunity_id: String,
    /// API name of the field: `StageName`, `Amount`, `CloseDate`, `NextStep`.
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub created: DateTime<Utc>,
    /// The user who made the change.
    pub created_by: String,
}
