//! The meeting a briefing prepares for, and what changed since the newest call.

use super::MeetingContext;
use crate::access::id_key;
use crate::ids::distinct;
use crate::ids::AccountId;
use crate::meeting::{assemble_meeting, kind_of, Person};
use crate::service::Service;
use crate::{query, records};
use salesforce::{SalesforceClient, SalesforceError};
use serde_json::Value;
use std::collections::HashMap;

/// What Salesforce answered for the meeting context, read before Gong's answer is in: the
/// invitees' names, the deal changes and new contacts since the newest call, the open tasks.
pub(crate) struct MeetingReads {
    event: Option<records::EventRecord>,
    since: Option<chrono::DateTime<chrono::Utc>>,
    people: HashMap<String, Person>,
    since_parts: Option<SinceReads>,
    tasks: Result<Vec<Value>, SalesforceError>,
}

type SinceReads = (
    Result<Vec<Value>, SalesforceError>,
    Result<Vec<Value>, SalesforceError>,
);

impl Service {
    /// The Salesforce half of the meeting context for `event` and what changed since the
    /// newest call (`since`): deal changes, new contacts, and open tasks due before the meeting
    /// (within a week of `now` without one), asked together. Needs nothing of Gong, so it runs
    /// beside the Gong fetch.
    pub(crate) async fn meeting_reads(
        &self,
        client: &SalesforceClient,
        account_id: &AccountId,
        event: Option<records::EventRecord>,
        since: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> MeetingReads {
        let people_soql = people_queries(event.as_ref());
        let due_by = tasks_due_by(event.as_ref(), now);
        let since_soql = since.map(|since| {
            [
                query::deal_changes(account_id, &since),
                query::new_contacts(account_id, &since),
            ]
        });
        let tasks_soql = query::open_tasks(account_id, due_by);
        let people =
            futures::future::join_all(people_soql.iter().map(|q| client.query::<Value>(q)));
        let since_parts = async {
            match &since_soql {
                Some([changes, contacts]) => Some(tokio::join!(
                    client.query::<Value>(changes),
                    client.query::<Value>(contacts)
                )),
                None => None,
            }
        };
        let (people, since_parts, tasks) =
            tokio::join!(people, since_parts, client.query::<Value>(&tasks_soql));
        MeetingReads {
            event,
            since,
            people: people_by_id(people),
            since_parts,
            tasks,
        }
    }
}

/// The meeting (its invitees the caller can see, joined with the stakeholder map) and what
/// changed since the newest call. These parts are extra: an org that hides one of these
/// objects from the caller still gets the briefing, with a note.
pub(crate) fn meeting_context(
    reads: MeetingReads,
    (stakeholders, colleagues): (&[crate::model::Stakeholder], &[crate::model::Stakeholder]),
) -> MeetingContext {
    let MeetingReads {
        event,
        since,
        people,
        since_parts,
        tasks,
    } = reads;
    let mut notes = Vec::new();
    let meeting = event.map(|e| {
        let (meeting, hidden) = assemble_meeting(&e, &people, stakeholders, colleagues);
        if hidden > 0 {
            notes.push(format!(
                "{hidden} invitee(s) of the meeting are records you cannot see in \
                 Salesforce (or not people) and are left out."
            ));
        }
        meeting
    });
    let mut read = |what: &str, result: Result<Vec<Value>, SalesforceError>| match result {
        Ok(rows) => rows,
        Err(err) => {
            tracing::warn!(error = %err, part = what, "a meeting-context part could not be read");
            notes.push(format!("Salesforce did not share the account's {what}."));
            Vec::new()
        }
    };
    let tasks: Vec<_> = read("tasks", tasks)
        .iter()
        .filter_map(records::open_task)
        .collect();
    let since_last_call = since_parts.map(|(changes, contacts)| {
        let changes = read("opportunity field history", changes)
            .iter()
            .filter_map(records::deal_change)
            .collect();
        let contacts = read("new contacts", contacts)
            .iter()
            .filter_map(records::new_contact)
            .collect();
        crate::meeting::since_last_call(
            since.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            changes,
            contacts,
            tasks,
        )
    });
    MeetingContext {
        meeting,
        since_last_call,
        notes,
    }
}

/// The queries naming the event's invitees, one per kind of record (contacts, users, leads).
fn people_queries(event: Option<&records::EventRecord>) -> Vec<String> {
    let invitees: Vec<&str> = event
        .iter()
        .flat_map(|e| e.invitees.iter().map(|(id, _)| id.as_str()))
        .collect();
    let of_kind = |kind: &str| -> Vec<String> {
        distinct(
            invitees
                .iter()
                .filter(|id| kind_of(id) == Some(kind))
                .map(|id| (*id).to_owned()),
        )
    };
    [("contact", "Contact"), ("user", "User"), ("lead", "Lead")]
        .into_iter()
        .filter_map(|(kind, object)| {
            let ids = of_kind(kind);
            (!ids.is_empty()).then(|| query::people(object, &ids))
        })
        .collect()
}

/// Open tasks count when due by the meeting's day, or within a week of `now` without one.
fn tasks_due_by(
    event: Option<&records::EventRecord>,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::NaiveDate {
    event
        .and_then(|e| e.start.as_deref())
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map_or(now.date_naive() + chrono::Duration::days(7), |t| {
            t.with_timezone(&chrono::Utc).date_naive()
        })
}

/// The people the invitee queries found, by the 15-character form of their id.
fn people_by_id(results: Vec<Result<Vec<Value>, SalesforceError>>) -> HashMap<String, Person> {
    let mut by_id = HashMap::new();
    // A lead query fails in an org without leads; its invitees stay unnamed.
    for records in results.into_iter().flatten() {
        for r in &records {
            if let (Some(id), Some(name)) = (records::text(r, "Id"), records::text(r, "Name")) {
                by_id.insert(
                    id_key(&id).to_owned(),
                    Person {
                        id,
                        name,
                        title: records::text(r, "Title"),
                    },
                );
            }
        }
    }
    by_id
}
