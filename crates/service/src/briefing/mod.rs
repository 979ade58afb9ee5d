//! The briefing pack, step by step: read the account's records and the meeting context's as
//! the caller, find its calls, fetch them from Gong while the invitees those reads did not name
//! are asked beside the fetch ([`meeting_context`]), assemble the pack ([`assemble`]), join the
//! meeting with it, and fit it into the caller's budget. A briefing's critical path is the
//! first Salesforce reads, then the longer of the Gong fetch (nothing when cached) and the
//! names still unknown (often none).

mod assemble;
mod calls;
mod meeting_context;

use meeting_context::{query_if, ContextReads};

pub use assemble::*;

use crate::access::VisibleIds;
use crate::budget::{fit_briefing, MaxChars, Rendering};
use crate::call_source::gong_source_note;
use crate::error::ServiceError;
use crate::identity::Caller;
use crate::ids::{distinct, AccountId, CallId, MeetingChoice};
use crate::methodology::Methodology;
use crate::model::{
    AccountSummary, Briefing, CallRow, Meeting, OpportunitySummary, SinceLastCall, TranscriptMode,
};
use crate::records::{ContactRecord, EventRecord};
use crate::service::DEFAULT_BRIEFING_CALLS;
use crate::service::{check_range, not_found, Service, MAX_BRIEFING_CALLS};
use crate::sources::ResolvedSource;
use crate::stakeholders::ContactRoleRecord;
use crate::{query, records};
use salesforce::{SalesforceClient, SalesforceError};
use serde_json::Value;
use std::collections::HashMap;

/// What a briefing should cover and how large it may be.
#[derive(Debug, Clone, PartialEq)]
pub struct BriefingRequest {
    /// The account.
    pub account_id: AccountId,
    /// How many of the newest calls to include (1 to [`MAX_BRIEFING_CALLS`]).
    pub calls: usize,
    /// The framework to write it up in.
    pub methodology: Methodology,
    /// Budget of the whole rendered response, in characters.
    pub max_chars: MaxChars,
    /// Where to start each call's transcript (characters, by Gong call id), to read on after a cut.
    pub offsets: HashMap<String, usize>,
    /// How the response will be written (decides how characters are counted).
    pub rendering: Rendering,
    /// How much transcript text to carry, and how to cut it when it does not fit.
    pub transcripts: TranscriptMode,
    /// Which meeting to prepare for: the next one on the calendar, a given event, or none.
    pub meeting: MeetingChoice,
}

impl BriefingRequest {
    /// A request with the defaults: 3 calls, MEDPICC, 100,000 characters of JSON, transcripts
    /// fitted to the budget.
    pub fn new(account_id: AccountId) -> Self {
        Self {
            account_id,
            calls: DEFAULT_BRIEFING_CALLS,
            methodology: Methodology::default(),
            max_chars: MaxChars::default(),
            offsets: HashMap::new(),
            rendering: Rendering::Json,
            transcripts: TranscriptMode::default(),
            meeting: MeetingChoice::default(),
        }
    }
}

/// The meeting a briefing prepares for and what changed since the newest call, with what the
/// reader must know about parts Salesforce did not share.
pub(crate) struct MeetingContext {
    meeting: Option<Meeting>,
    since_last_call: Option<SinceLastCall>,
    notes: Vec<String>,
}

/// What Salesforce answered for a briefing, read as the caller, all at once.
struct Reads {
    account: Result<Vec<Value>, SalesforceError>,
    opportunities: Result<Vec<Value>, SalesforceError>,
    contacts: Result<Vec<Value>, SalesforceError>,
    /// `None` when the calls come from Gong (no Gong call object).
    calls: Result<Option<Vec<Value>>, SalesforceError>,
    roles: Result<Vec<Value>, SalesforceError>,
    /// `None` when no meeting was asked for.
    event: Option<Result<Vec<Value>, SalesforceError>>,
    /// The meeting context's own reads.
    context: ContextReads,
}

impl Service {
    /// The briefing pack: account, open opportunities, key contacts, the newest calls with
    /// attendees, their transcripts (fitted into `max_chars`) and the write-up instructions.
    /// Transcripts are fetched only for the calls Salesforce lists for the caller.
    pub async fn briefing(
        &self,
        caller: &Caller,
        request: &BriefingRequest,
    ) -> Result<Briefing, ServiceError> {
        let account_id = &request.account_id;
        check_range("calls", request.calls, MAX_BRIEFING_CALLS)?;
        let (client, as_user) = self.salesforce_for(caller)?;
        let source = self.source(&client, as_user).await?;
        let now = self.now();
        let reads = self
            .read_records(&client, source, request, (now, caller.user_id()))
            .await;
        let sf = |e| ServiceError::from_salesforce(e, as_user);
        let account = reads
            .account
            .map_err(sf)?
            .first()
            .and_then(records::account_summary)
            .ok_or_else(|| not_found(account_id.as_str()))?;
        let opportunities = reads.opportunities.map_err(sf)?;
        let seen_deals = VisibleIds::of(&opportunities);
        let opportunities: Vec<_> = opportunities
            .iter()
            .filter_map(records::opportunity)
            .collect();
        let contact_records = reads.contacts.map_err(sf)?;
        let contacts: Vec<_> = contact_records
            .iter()
            .filter_map(records::contact)
            .collect();
        let (rows, source_notes) = self
            .call_rows(
                &client,
                as_user,
                (reads.calls.map_err(sf)?, &seen_deals),
                &account,
                &contacts,
                request.calls,
            )
            .await?;

        // A call whose id is not a Gong call id cannot be asked of Gong: it shows without
        // its transcript.
        let ids: Vec<CallId> = distinct(
            rows.iter()
                .filter_map(|r| CallId::parse("callId", &r.call_id).ok()),
        );
        let event = chosen_event(reads.event, request, sf)?;
        let since = newest_start(&rows);
        // Step 3: Gong's calls, and beside them what is left of the meeting context: the
        // names of invitees step 1 did not read (often none), which need nothing of Gong.
        let _admitted = self.admit(ids.len()).await;
        let gong = async {
            if ids.is_empty() {
                return None;
            }
            let fairness = caller.fairness_key();
            Some(self.gong.calls_with_transcripts_for(fairness, &ids).await)
        };
        let meeting_reads = self.meeting_reads(
            &client,
            (event, &contact_records),
            since,
            now,
            reads.context,
        );
        let (gong, meeting_reads) = tokio::join!(gong, meeting_reads);
        let (roles, roles_note) = contact_roles(reads.roles);
        let mut parts = assemble(&account.name, &rows, gong, &contacts, &roles);
        parts.notes.extend(source_notes);
        parts.notes.extend(roles_note);
        let context = meeting_context::meeting_context(
            meeting_reads,
            (&parts.stakeholders, &parts.colleagues),
        );
        parts.notes.extend(context.notes.iter().cloned());
        parts
            .notes
            .extend(meeting_note(request, &context, &account.name));
        apply_transcript_mode(&mut parts, request.transcripts);
        tracing::info!(
            user_id = caller.user_id().unwrap_or("service"),
            calls = parts.calls.len(),
            transcripts = parts.transcripts.len(),
            "briefing assembled"
        );
        fit(parts, account, opportunities, context, request)
    }

    /// Step 1: the account, its open deals, contacts, calls (from the Gong call object), the
    /// open deals' contact roles, the meeting's event and the meeting context's reads (see
    /// [`ContextReads`]; `me` is the caller's user id), asked of Salesforce together.
    async fn read_records(
        &self,
        client: &SalesforceClient,
        source: ResolvedSource,
        request: &BriefingRequest,
        (now, me): (chrono::DateTime<chrono::Utc>, Option<&str>),
    ) -> Reads {
        let account_id = &request.account_id;
        let fields = &self.options.fields;
        let soql = [
            query::account(account_id),
            query::open_opportunities(account_id),
            query::contacts(account_id),
            query::account_calls(fields, account_id, request.calls),
            query::open_deal_contact_roles(account_id),
        ];
        // Without the Gong call object, the calls come from Gong once the account's domains
        // are known.
        let calls = async {
            match source {
                ResolvedSource::Salesforce => client.query::<Value>(&soql[3]).await.map(Some),
                ResolvedSource::Gong => Ok(None),
            }
        };
        let event_soql = match &request.meeting {
            MeetingChoice::Next => Some(query::next_event(account_id, &now)),
            MeetingChoice::Event(id) => Some(query::event_on_account(id, account_id)),
            MeetingChoice::None => None,
        };
        // The rep's own record names them among the invitees; without a meeting, no one.
        let me = me.filter(|_| event_soql.is_some());
        let (account, opportunities, contacts, calls, roles, event, context) = tokio::join!(
            client.query::<Value>(&soql[0]),
            client.query::<Value>(&soql[1]),
            client.query::<Value>(&soql[2]),
            calls,
            client.query::<Value>(&soql[4]),
            query_if(client, event_soql.as_deref()),
            meeting_context::context_reads(client, account_id, me),
        );
        Reads {
            account,
            opportunities,
            contacts,
            calls,
            roles,
            event,
            context,
        }
    }

    /// Step 2: the calls the briefing covers: those Salesforce listed (less those on deals the
    /// caller cannot see; `seen_deals`, the open deals step 1 read as them, are visible), or
    /// without the Gong call object those found in Gong by the account's domains, with a note
    /// saying how.
    async fn call_rows(
        &self,
        client: &SalesforceClient,
        as_user: bool,
        (listed, seen_deals): (Option<Vec<Value>>, &VisibleIds),
        account: &AccountSummary,
        contacts: &[ContactRecord],
        limit: usize,
    ) -> Result<(Vec<CallRow>, Vec<String>), ServiceError> {
        let fields = &self.options.fields;
        match listed {
            Some(calls) => Ok((
                self.without_hidden_deals(client, as_user, calls, seen_deals)
                    .await?
                    .iter()
                    .filter_map(|r| records::call_row(fields, r))
                    .collect(),
                Vec::new(),
            )),
            None => {
                let emails: Vec<String> = contacts.iter().filter_map(|c| c.email.clone()).collect();
                let found = self
                    .calls_from_gong(account.website.as_deref(), &emails)
                    .await?;
                let note = gong_source_note(&found);
                Ok((found.rows.into_iter().take(limit).collect(), vec![note]))
            }
        }
    }
}

/// When the newest of `rows` started: what "since the last call" counts from.
fn newest_start(rows: &[CallRow]) -> Option<chrono::DateTime<chrono::Utc>> {
    rows.first()
        .and_then(|r| r.started.as_deref())
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Contact roles are extra: an org that hides them (object permissions) still gets a
/// briefing, with the stakeholder map built from the calls alone.
fn contact_roles(
    roles: Result<Vec<Value>, SalesforceError>,
) -> (Vec<ContactRoleRecord>, Option<String>) {
    match roles {
        Ok(records) => (
            records
                .iter()
                .filter_map(crate::stakeholders::contact_role)
                .collect(),
            None,
        ),
        Err(err) => {
            tracing::warn!(error = %err, "contact roles could not be read");
            (
                Vec::new(),
                Some(
                    "Salesforce did not share the open deals' contact roles, so the \
                     stakeholder map shows only who spoke on the calls."
                        .to_owned(),
                ),
            )
        }
    }
}

/// The event the briefing prepares for. It is read as the caller: one they cannot see, or one
/// on another account, is not found, the same answer as an event that does not exist. Only an
/// event asked for by id makes a failure the briefing's.
fn chosen_event(
    event: Option<Result<Vec<Value>, SalesforceError>>,
    request: &BriefingRequest,
    sf: impl Fn(SalesforceError) -> ServiceError,
) -> Result<Option<EventRecord>, ServiceError> {
    match event {
        None => Ok(None),
        Some(Ok(records)) => {
            let found = records.first().and_then(records::event);
            if let (None, MeetingChoice::Event(id)) = (&found, &request.meeting) {
                return Err(ServiceError::NotFound {
                    message: format!(
                        "no event {id} on account {} that you can see in \
                         Salesforce; use meeting=next for the next one",
                        request.account_id
                    ),
                });
            }
            Ok(found)
        }
        Some(Err(err)) => {
            if matches!(request.meeting, MeetingChoice::Event(_)) {
                return Err(sf(err));
            }
            tracing::warn!(error = %err, "the next event could not be read");
            Ok(None)
        }
    }
}

/// What the write-up must say when the pack has no meeting section.
fn meeting_note(
    request: &BriefingRequest,
    context: &MeetingContext,
    account_name: &str,
) -> Option<String> {
    match (&request.meeting, &context.meeting) {
        (MeetingChoice::None, _) => Some(
            "No meeting was asked for (meeting=none): the pack has no meeting section.".to_owned(),
        ),
        (_, None) => Some(format!(
            "No upcoming meeting with {account_name} is on the Salesforce calendar that you \
             can see: say so at the top of the write-up."
        )),
        _ => None,
    }
}

/// How much transcript text the pack carries (`transcripts=fit|full|none`).
fn apply_transcript_mode(parts: &mut CallParts, mode: TranscriptMode) {
    match mode {
        TranscriptMode::Fit => {}
        // Cut at each transcript's end, to read on in order.
        TranscriptMode::Full => parts.marks.clear(),
        TranscriptMode::None => {
            parts.marks.clear();
            if !parts.transcripts.is_empty() {
                parts.transcripts.clear();
                for call in &mut parts.calls {
                    call.has_transcript = false;
                }
                parts.notes.push(
                    "Transcripts were left out on request (transcripts=none): Gong's \
                     intelligence of each call is above; ask again with transcripts=fit \
                     for the conversations."
                        .to_owned(),
                );
            }
        }
    }
}

/// The last step: the pack fitted into the caller's budget. Everything but the transcripts is
/// sent whole; when even that is over the budget, Gong's intelligence gets leaner, then goes,
/// then the stakeholder map, before the budget is refused.
fn fit(
    parts: CallParts,
    account: AccountSummary,
    opportunities: Vec<OpportunitySummary>,
    context: MeetingContext,
    request: &BriefingRequest,
) -> Result<Briefing, ServiceError> {
    let max_chars = request.max_chars;
    let methodology = request.methodology;
    let instructions = methodology.instructions(&account.name);
    let mut refused = None;
    for detail in Detail::ALL {
        let calls = trim_intelligence(&parts.calls, detail);
        let stakeholders = if detail == Detail::Bare {
            Vec::new()
        } else {
            parts.stakeholders.clone()
        };
        let mut notes = parts.notes.clone();
        if detail != Detail::Full && parts.calls.iter().any(|c| c.intelligence.is_some()) {
            notes.push(format!(
                "Gong's call intelligence was {} to fit {}.",
                if detail.keeps_intelligence() {
                    "shortened"
                } else {
                    "left out"
                },
                max_chars.field(),
            ));
        }
        let fitted = fit_briefing(
            parts.transcripts.clone(),
            &request.offsets,
            &parts.marks,
            max_chars,
            request.rendering,
            |transcripts, truncation| Briefing {
                meeting: context.meeting.clone(),
                since_last_call: context.since_last_call.clone(),
                account: account.clone(),
                methodology,
                instructions: instructions.clone(),
                opportunities: opportunities.clone(),
                contacts: parts.contacts.clone(),
                stakeholders: stakeholders.clone(),
                calls: calls.clone(),
                notes: notes.clone(),
                cached_call_ids: parts.cached_call_ids.clone(),
                truncation,
                transcripts: transcripts.into_iter().map(briefing_transcript).collect(),
            },
        );
        match fitted {
            Err(err @ ServiceError::Validation { .. }) => refused = Some(err),
            other => return other,
        }
    }
    Err(refused.unwrap_or_else(|| {
        ServiceError::validation(max_chars.field(), "is too small for this briefing")
    }))
}
