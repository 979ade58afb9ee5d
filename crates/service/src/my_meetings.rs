//! The rep's day: their customer meetings in the next hours, read from Salesforce's calendar
//! as they would see it, each with whether its briefing's Gong data is already cached.
//!
//! A meeting is an `Event` the rep owns or is invited to (`EventRelation`) on an account, or
//! on anything of one (Salesforce derives `AccountId` from the opportunity or contact). Read
//! with the rep's own token, Salesforce's sharing decides: another rep's private event never
//! shows. With the service credentials (an API key, the CLI) a `user` names whose calendar,
//! and private events are left out, since nobody signed in to own them.

use crate::access::same_id;
use crate::error::ServiceError;
use crate::identity::Caller;
use crate::ids::{distinct, AccountId, UserRef};
use crate::model::{MeetingRow, MyMeetings};
use crate::query::Whose;
use crate::service::{Service, DEFAULT_BRIEFING_CALLS};
use crate::sources::ResolvedSource;
use crate::{query, records};
use salesforce::SalesforceClient;
use serde_json::Value;
use std::collections::HashMap;

/// Hours ahead a meeting list covers unless asked otherwise.
pub const DEFAULT_MEETING_HOURS: usize = 24;
/// Most hours ahead a meeting list may cover: a week.
pub const MAX_MEETING_HOURS: usize = 168;

/// Whose meetings, and how far ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingsRequest {
    /// Hours ahead, 1 to [`MAX_MEETING_HOURS`].
    pub hours: usize,
    /// Whose calendar, for the service credentials only; a signed-in rep reads their own.
    pub user: Option<UserRef>,
}

impl Default for MeetingsRequest {
    fn default() -> Self {
        Self {
            hours: DEFAULT_MEETING_HOURS,
            user: None,
        }
    }
}

/// One event as the calendar query answers it.
struct CalendarEvent {
    id: String,
    subject: Option<String>,
    start: Option<String>,
    end: Option<String>,
    account_id: Option<String>,
    account_name: Option<String>,
    attendees: usize,
}

impl Service {
    /// The caller's customer meetings starting in the next `hours`, soonest first, each with
    /// how many calls its briefing shows and whether they are all cached already.
    pub async fn my_meetings(
        &self,
        caller: &Caller,
        request: &MeetingsRequest,
    ) -> Result<MyMeetings, ServiceError> {
        crate::service::check_range("hours", request.hours, MAX_MEETING_HOURS)?;
        let (client, as_user) = self.salesforce_for(caller)?;
        let user_id = self.calendar_owner(&client, caller, request).await?;
        let from = self.now();
        let to = from + chrono::Duration::hours(i64::try_from(request.hours).unwrap_or(24));
        let sf = |e| ServiceError::from_salesforce(e, as_user);
        let window = (&from, &to);
        // The events the rep owns and those they are invited to are read at once; only
        // invitations to others' events take a second query.
        let owned_soql = query::calendar(Whose::OwnedBy(&user_id), window, as_user);
        let invited_soql = query::invitations(&user_id, &from, &to);
        let (owned, invited) = tokio::join!(
            client.query::<Value>(&owned_soql),
            client.query::<Value>(&invited_soql),
        );
        let mut events: Vec<CalendarEvent> = owned
            .map_err(sf)?
            .iter()
            .filter_map(calendar_event)
            .collect();
        let others: Vec<String> = distinct(
            invited
                .map_err(sf)?
                .iter()
                .filter_map(|r| records::text(r, "EventId"))
                .filter(|id| !events.iter().any(|e| same_id(&e.id, id))),
        );
        if !others.is_empty() {
            let soql = query::calendar(Whose::Among(&others), window, as_user);
            let theirs = client.query::<Value>(&soql).await.map_err(sf)?;
            events.extend(theirs.iter().filter_map(calendar_event));
            events.sort_by(|a, b| a.start.cmp(&b.start));
            events.truncate(query::MAX_MEETINGS);
        }
        let (visible, hidden): (Vec<_>, Vec<_>) =
            events.into_iter().partition(|e| e.account_name.is_some());
        let mut notes = Vec::new();
        if !hidden.is_empty() {
            notes.push(format!(
                "{} meeting(s) on accounts you cannot see in Salesforce are left out: there is \
                 no briefing of them for you.",
                hidden.len()
            ));
        }
        let readiness = self.readiness_of(&client, as_user, &visible).await;
        let meetings = visible
            .into_iter()
            .filter_map(|e| {
                let account_id = e.account_id?;
                let (briefing_calls, cached) = match readiness.get(&account_id) {
                    Some(Ok(ready)) => *ready,
                    Some(Err(())) | None => (0, false),
                };
                Some(MeetingRow {
                    event_id: e.id,
                    start: e.start,
                    end: e.end,
                    subject: e.subject,
                    account_name: e.account_name.unwrap_or_default(),
                    account_id,
                    attendees: e.attendees,
                    briefing_calls,
                    cached,
                })
            })
            .collect();
        if readiness.values().any(Result::is_err) {
            notes.push(
                "Whether some briefings are ready could not be checked; they show as not cached."
                    .to_owned(),
            );
        }
        Ok(MyMeetings { meetings, notes })
    }

    /// Whose calendar: a signed-in rep's own, or with the service credentials the user named.
    async fn calendar_owner(
        &self,
        client: &SalesforceClient,
        caller: &Caller,
        request: &MeetingsRequest,
    ) -> Result<String, ServiceError> {
        match (caller.user_id(), &request.user) {
            (Some(_), Some(_)) => Err(ServiceError::validation(
                "user",
                "signed in with Salesforce, your meetings are your own calendar's; leave user out",
            )),
            (Some(me), None) => Ok(me.to_owned()),
            (None, None) => Err(ServiceError::validation(
                "user",
                "is required with the service credentials: name whose meetings to list, by \
                 Salesforce user id (005...) or username",
            )),
            (None, Some(UserRef::Id(id))) => Ok(id.clone()),
            (None, Some(UserRef::Username(name))) => client
                .query::<Value>(&query::user_by_username(name))
                .await
                .map_err(|e| ServiceError::from_salesforce(e, false))?
                .first()
                .and_then(|r| records::text(r, "Id"))
                .ok_or_else(|| ServiceError::NotFound {
                    message: format!("no Salesforce user with the username {name}"),
                }),
        }
    }

    /// For each account of `events`: how many calls its briefing shows and whether all are
    /// cached; `Err` when that could not be read. Accounts are read together.
    async fn readiness_of(
        &self,
        client: &SalesforceClient,
        as_user: bool,
        events: &[CalendarEvent],
    ) -> HashMap<String, Result<(usize, bool), ()>> {
        let accounts = distinct(events.iter().filter_map(|e| e.account_id.clone()));
        let Ok(source) = self.source(client, as_user).await else {
            return accounts.into_iter().map(|a| (a, Err(()))).collect();
        };
        let checks = accounts.into_iter().map(|account| async move {
            let ready = self.briefing_ready(client, as_user, source, &account).await;
            (account, ready)
        });
        futures::future::join_all(checks)
            .await
            .into_iter()
            .collect()
    }

    async fn briefing_ready(
        &self,
        client: &SalesforceClient,
        as_user: bool,
        source: ResolvedSource,
        account: &str,
    ) -> Result<(usize, bool), ()> {
        let account_id = AccountId::parse("accountId", account).map_err(|_| ())?;
        let ids = self
            .briefing_call_ids(client, as_user, source, &account_id, DEFAULT_BRIEFING_CALLS)
            .await
            .map_err(|error| tracing::warn!(%error, "a briefing's calls could not be listed"))?;
        let cached = self.gong.cached(&ids).await;
        Ok((ids.len(), cached.len() == ids.len()))
    }
}

/// An event of the calendar query; `None` without an id.
fn calendar_event(record: &Value) -> Option<CalendarEvent> {
    let owner = records::text(record, "OwnerId");
    let invitees = record
        .get("EventRelations")
        .and_then(|r| r.get("records"))
        .and_then(Value::as_array)
        .map(|rows| rows.iter().filter_map(|r| records::text(r, "RelationId")));
    let attendees = distinct(invitees.into_iter().flatten().chain(owner)).len();
    Some(CalendarEvent {
        id: records::text(record, "Id")?,
        subject: records::text(record, "Subject"),
        start: records::text(record, "StartDateTime").map(|s| records::iso_datetime(&s)),
        end: records::text(record, "EndDateTime").map(|s| records::iso_datetime(&s)),
        account_id: records::text(record, "AccountId"),
        account_name: records::parent_text(record, "Account", "Name"),
        attendees,
    })
}
