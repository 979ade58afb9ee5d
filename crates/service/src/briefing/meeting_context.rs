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

/// What step 1 reads for the meeting context, beside the account's records and before the
/// newest call or the meeting is known: the account's newest deal changes and contacts, its
/// open tasks soonest first, and the caller's own user record (an invitee of most of their
/// meetings). Kept to what applies once both are known ([`Service::meeting_reads`]), so a
/// briefing whose invitees are all known takes no second Salesforce round trip.
pub(crate) struct ContextReads {
    pub(crate) changes: Result<Vec<Value>, SalesforceError>,
    pub(crate) new_contacts: Result<Vec<Value>, SalesforceError>,
    pub(crate) tasks: Result<Vec<Value>, SalesforceError>,
    /// `None` with the service credentials (no user of one's own) or without a meeting.
    pub(crate) me: Option<Result<Vec<Value>, SalesforceError>>,
}

/// Reads [`ContextReads`] for `account_id` (with the record of `me`, the caller's user id,
/// when given), its queries sent together.
pub(crate) async fn context_reads(
    client: &SalesforceClient,
    account_id: &AccountId,
    me: Option<&str>,
) -> ContextReads {
    let soql = [
        query::deal_changes(account_id),
        query::new_contacts(account_id),
        query::open_tasks(account_id),
    ];
    let me_soql = me.map(|id| query::people("User", &[id]));
    let (changes, new_contacts, tasks, me) = tokio::join!(
        client.query::<Value>(&soql[0]),
        client.query::<Value>(&soql[1]),
        client.query::<Value>(&soql[2]),
        query_if(client, me_soql.as_deref()),
    );
    ContextReads {
        changes,
        new_contacts,
        tasks,
        me,
    }
}

/// The answer to `soql`, or `None` without a query to ask.
pub(crate) async fn query_if(
    client: &SalesforceClient,
    soql: Option<&str>,
) -> Option<Result<Vec<Value>, SalesforceError>> {
    match soql {
        Some(q) => Some(client.query::<Value>(q).await),
        None => None,
    }
}

/// What Salesforce answered for the meeting context: the invitees' names, the deal changes and
/// new contacts since the newest call, the open tasks due by the meeting.
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
    /// The Salesforce half of the meeting context for `event`: its invitees, named from
    /// `contacts` (step 1's) and the caller's record, and asked of Salesforce only for those
    /// neither names; what of `reads` changed since the newest call (`since`); the open tasks
    /// due by the meeting's day (within a week of `now` without one). Needs nothing of Gong,
    /// so it runs beside the Gong fetch.
    pub(crate) async fn meeting_reads(
        &self,
        client: &SalesforceClient,
        (event, contacts): (Option<records::EventRecord>, &[Value]),
        since: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
        reads: ContextReads,
    ) -> MeetingReads {
        let me = reads.me.and_then(Result::ok).unwrap_or_default();
        let mut people = people_by_id([contacts, me.as_slice()]);
        let unknown: Vec<&str> = event
            .iter()
            .flat_map(|e| e.invitees.iter().map(|(id, _)| id.as_str()))
            .filter(|id| !people.contains_key(id_key(id)))
            .collect();
        let people_soql = people_queries(&unknown);
        let asked =
            futures::future::join_all(people_soql.iter().map(|q| client.query::<Value>(q))).await;
        // A lead query fails in an org without leads; its invitees stay unnamed.
        let asked: Vec<Vec<Value>> = asked.into_iter().flatten().collect();
        people.extend(people_by_id(asked.iter().map(Vec::as_slice)));
        let due_by = tasks_due_by(event.as_ref(), now);
        let since_parts = since.map(|since| {
            (
                reads.changes.map(|rows| created_after(rows, since)),
                reads.new_contacts.map(|rows| created_after(rows, since)),
            )
        });
        MeetingReads {
            event,
            since,
            people,
            since_parts,
            tasks: reads.tasks.map(|rows| due_by_day(rows, due_by)),
        }
    }
}

/// Of `rows` (newest first), those created after `since`, oldest first. The sort is stable:
/// rows of one instant (fields changed in one save) keep the order Salesforce gave them.
fn created_after(rows: Vec<Value>, since: chrono::DateTime<chrono::Utc>) -> Vec<Value> {
    let mut kept: Vec<(chrono::DateTime<chrono::Utc>, Value)> = rows
        .into_iter()
        .filter_map(|r| {
            let created = records::text(&r, "CreatedDate")
                .and_then(|t| salesforce::datetime::parse_datetime(&t))?;
            (created > since).then_some((created, r))
        })
        .collect();
    kept.sort_by_key(|(created, _)| *created);
    kept.into_iter().map(|(_, r)| r).collect()
}

/// Of `rows` (soonest first), those due on or before `due_by`.
fn due_by_day(rows: Vec<Value>, due_by: chrono::NaiveDate) -> Vec<Value> {
    rows.into_iter()
        .filter(|r| {
            records::text(r, "ActivityDate")
                .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                .is_some_and(|d| d <= due_by)
        })
        .collect()
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

/// The queries naming `invitees`, one per kind of record (contacts, users, leads).
fn people_queries(invitees: &[&str]) -> Vec<String> {
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

/// The people among `records` (contacts or users: id, name, title), by the 15-character
/// form of their id.
fn people_by_id<'a>(records: impl IntoIterator<Item = &'a [Value]>) -> HashMap<String, Person> {
    let mut by_id = HashMap::new();
    for r in records.into_iter().flatten() {
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
    by_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn of_the_newest_rows_those_after_the_last_call_are_kept_oldest_first() {
        let rows = vec![
            json!({"Id": "c", "CreatedDate": "2026-11-20T10:00:00.000+0000"}),
            json!({"Id": "b1", "CreatedDate": "2026-11-10T10:00:01.000+0000"}),
            json!({"Id": "b2", "CreatedDate": "2026-11-10T10:00:01.000+0000"}),
            json!({"Id": "a", "CreatedDate": "2026-11-10T10:00:00.000+0000"}),
            json!({"Id": "undated"}),
        ];
        let since = chrono::Utc
            .with_ymd_and_hms(2026, 11, 10, 10, 0, 0)
            .unwrap();
        let kept: Vec<_> = created_after(rows, since)
            .iter()
            .filter_map(|r| records::text(r, "Id"))
            .collect();
        assert_eq!(kept, ["b1", "b2", "c"]);
    }

    #[test]
    fn tasks_due_after_the_meeting_day_are_left_out() {
        let rows = vec![
            json!({"Id": "overdue", "ActivityDate": "2026-11-01"}),
            json!({"Id": "that_day", "ActivityDate": "2026-12-08"}),
            json!({"Id": "later", "ActivityDate": "2026-12-09"}),
            json!({"Id": "garbled", "ActivityDate": "soon"}),
        ];
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        let kept: Vec<_> = due_by_day(rows, day)
            .iter()
            .filter_map(|r| records::text(r, "Id"))
            .collect();
        assert_eq!(kept, ["overdue", "that_day"]);
    }
}
