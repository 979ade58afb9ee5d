//! The deterministic sample org both simulators serve: the selling company's users, customer
//! accounts with contacts and opportunities, and ~45 recorded calls whose transcripts carry
//! MEDPICC/SPICED signals.

mod builder;
mod conversation;
mod filler;
mod generated;
mod ids;
pub mod intelligence;
pub mod model;
mod scale;
mod script;
mod seed;

pub use generated::{
    generated_call_id, generated_call_number, GENERATED_CALL_PREFIX, MAX_GENERATED_CALL,
};
pub use ids::salesforce_id;
pub use model::*;
pub use scale::{org_rep_number, org_rep_username, MAX_ORG_REPS};

use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime, Utc};

use builder::Builder;

/// Name of the account whose newest call has a party with neither name nor e-mail
/// (affiliation `Unknown`), who still speaks.
pub const UNNAMED_PARTY_ACCOUNT: &str = "Globex Manufacturing";
/// Name of the account whose upcoming meeting invites someone who was on none of its calls
/// (a contact created after its newest call), and whose deal's stage moved after that call.
pub const NEW_ATTENDEE_ACCOUNT: &str = "Acme Logistics";
pub use builder::NEW_ATTENDEE_TITLE;

/// Name of the account whose newest call has a monologue by a speaker id that is not in
/// the call's parties.
pub const UNLISTED_SPEAKER_ACCOUNT: &str = "Northwind Health";

impl SampleOrg {
    /// Builds the org for `today`: all dates are relative to `today` at midnight UTC (calls over
    /// the last ~6 months, the newest two days before), everything else is fixed, so the same
    /// `today` always gives an identical org.
    ///
    /// Edge cases that consumers must handle, present on purpose:
    /// - the newest call of [`UNNAMED_PARTY_ACCOUNT`] has a party without name, title or e-mail
    ///   (an unidentified dial-in) who speaks one monologue;
    /// - the newest call of [`UNLISTED_SPEAKER_ACCOUNT`] has a monologue whose `speaker_id` is
    ///   in no party;
    /// - every call opens with small talk whose monologues have `topic: None`;
    /// - on security & legal calls the sales manager listens without speaking: a party
    ///   without `speaker_id`;
    /// - the shared account's second-newest call is hosted by the rep it is shared with, not
    ///   by its owner.
    pub fn generate(today: NaiveDate) -> SampleOrg {
        let anchor = today.and_time(NaiveTime::MIN).and_utc();
        Builder::new(anchor).build()
    }

    /// The org for the current UTC date.
    pub fn for_today() -> SampleOrg {
        Self::generate(Utc::now().date_naive())
    }

    /// The org for the current UTC date with `reps` generated account executives
    /// ([`SampleOrg::generate_with_reps`]).
    pub fn for_today_with_reps(reps: u32) -> SampleOrg {
        Self::generate_with_reps(Utc::now().date_naive(), reps)
    }

    /// [`SampleOrg::for_today`] behind an `Arc`, the form the simulators take.
    pub fn shared_for_today() -> Arc<SampleOrg> {
        Arc::new(Self::for_today())
    }

    /// The calls one of whose parties has the e-mail `address` (any case): what Gong's
    /// data-privacy lookup answers.
    pub fn calls_with_email<'a>(&'a self, address: &'a str) -> impl Iterator<Item = &'a Call> + 'a {
        self.calls.iter().filter(move |call| {
            call.parties.iter().any(|party| {
                party
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(address.trim()))
            })
        })
    }

    /// The call with this Gong id.
    pub fn call(&self, gong_id: &str) -> Option<&Call> {
        self.calls.iter().find(|c| c.gong_id == gong_id)
    }

    /// The account with this Salesforce id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The account with this exact name.
    pub fn account_by_name(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// The contact with this Salesforce id.
    pub fn contact(&self, id: &str) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    /// The opportunity with this Salesforce id.
    pub fn opportunity(&self, id: &str) -> Option<&Opportunity> {
        self.opportunities.iter().find(|o| o.id == id)
    }

    /// The user with this Salesforce id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The user with this Gong user id.
    pub fn user_by_gong_id(&self, gong_id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.gong_id == gong_id)
    }

    /// The user with this Salesforce login.
    pub fn user_by_username(&self, username: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    /// The account's calls, newest first.
    pub fn calls_for_account<'a>(
        &'a self,
        account_id: &'a str,
    ) -> impl Iterator<Item = &'a Call> + 'a {
        self.calls
            .iter()
            .filter(move |c| c.account_id == account_id)
    }

    /// The account's contacts.
    pub fn contacts_for_account<'a>(
        &'a self,
        account_id: &'a str,
    ) -> impl Iterator<Item = &'a Contact> + 'a {
        self.contacts
            .iter()
            .filter(move |c| c.account_id == account_id)
    }

    /// The account's opportunities.
    pub fn opportunities_for_account<'a>(
        &'a self,
        account_id: &'a str,
    ) -> impl Iterator<Item = &'a Opportunity> + 'a {
        self.opportunities
            .iter()
            .filter(move |o| o.account_id == account_id)
    }
}

/// One fact the sample org's script plants in an account's calls (a MEDPICC/SPICED signal), as
/// spoken, so a test can check that a briefing still carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedSignal {
    /// Which signal: "Metrics", "Budget", "Economic buyer", ...
    pub kind: &'static str,
    /// The words as the calls say them.
    pub text: String,
}

impl SampleOrg {
    /// The buying roles on the scripted accounts' deals, derived from who each contact is in
    /// the script: the champion is the primary contact (an Influencer), the economic buyer is
    /// the Economic Buyer, the technical evaluator the Technical Buyer, procurement an
    /// Evaluator. Deals of accounts the script does not know have none.
    pub fn contact_roles(&self) -> Vec<ContactRole> {
        let mut roles = Vec::new();
        for opp in &self.opportunities {
            let Some(account) = self.account(&opp.account_id) else {
                continue;
            };
            let Some(seed) = seed::ACCOUNTS.iter().find(|s| s.name == account.name) else {
                continue;
            };
            let cast = [
                (seed.champion_title, "Influencer", true),
                (seed.eb_title, "Economic Buyer", false),
                (seed.tech_title, "Technical Buyer", false),
                (seed.procurement_title, "Evaluator", false),
            ];
            for (title, role, is_primary) in cast {
                if let Some(contact) = self
                    .contacts
                    .iter()
                    .find(|c| c.account_id == account.id && c.title == title)
                {
                    roles.push(ContactRole {
                        id: salesforce_id("00K", 1_000 + roles.len() as u64),
                        opportunity_id: opp.id.clone(),
                        contact_id: contact.id.clone(),
                        role: role.to_owned(),
                        is_primary,
                    });
                }
            }
        }
        roles
    }

    /// The signals the script plants in the calls of the account `account_id` (empty for an
    /// account the script does not know): metrics, budget, price, economic buyer, decision
    /// criteria, decision process, paper process, pain, champion, competitor and critical event.
    pub fn planted_signals(&self, account_id: &str) -> Vec<PlantedSignal> {
        let Some(account) = self.account(account_id) else {
            return Vec::new();
        };
        let Some(seed) = seed::ACCOUNTS.iter().find(|s| s.name == account.name) else {
            return Vec::new();
        };
        let f = &seed.facts;
        let person = |title: &str| {
            self.contacts
                .iter()
                .find(|c| c.account_id == account.id && c.title == title)
                .map(|c| c.name())
                .unwrap_or_default()
        };
        let date = |days: i64| builder::spoken_date(self.anchor, days);
        let signal = |kind, text: String| PlantedSignal { kind, text };
        vec![
            signal("Metrics", f.metric_goal.to_owned()),
            signal("Impact", f.impact.to_owned()),
            signal("Budget", f.budget.to_owned()),
            signal("Price", f.price.to_owned()),
            signal("Economic buyer", person(seed.eb_title)),
            signal("Decision criteria", f.criteria[0].to_owned()),
            signal("Decision criteria", f.criteria[1].to_owned()),
            signal("Decision criteria", f.criteria[2].to_owned()),
            signal("Decision process", f.decision_process.to_owned()),
            signal(
                "Approval",
                f.approval.replace("{date}", &date(f.approval_in_days)),
            ),
            signal("Paper process", f.paper_process.to_owned()),
            signal("Pain", f.pain.to_owned()),
            signal("Champion", person(seed.champion_title)),
            signal("Competition", f.competitor.to_owned()),
            signal(
                "Critical event",
                f.critical_event
                    .replace("{date}", &date(f.critical_in_days)),
            ),
        ]
    }
}
