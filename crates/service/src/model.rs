//! The service's answers: account search hits, call rows and the [`Briefing`] pack.
//!
//! Plain serializable values, the same for every front door: the HTTP API returns them as
//! JSON (their schemas go into the OpenAPI document), the CLI renders them as Markdown.

use serde::{Deserialize, Serialize};
use transcript::budget::TranscriptSlice;
use transcript::Speaker;
use utoipa::ToSchema;

use crate::methodology::Methodology;

/// An account found by name, for the person to confirm before a briefing is built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountHit {
    /// Salesforce account id (18 characters), to pass to the briefing.
    pub id: String,
    /// Account name.
    pub name: String,
    /// Industry, when set.
    pub industry: Option<String>,
    /// Website, when set.
    pub website: Option<String>,
    /// "City, Country" of the billing address, when set.
    pub location: Option<String>,
    /// The account owner's name.
    pub owner: Option<String>,
}

/// One recorded call as Salesforce's Gong call record lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallRow {
    /// Gong call id (for `/callTranscripts`).
    pub call_id: String,
    /// Salesforce id of the Gong call record; empty for a call found in Gong by e-mail domain
    /// (an org without the Gong package has no such record).
    pub record_id: String,
    /// Call title.
    pub title: Option<String>,
    /// Start time, ISO-8601 in UTC.
    pub started: Option<String>,
    /// Duration in seconds.
    pub duration: Option<i64>,
    /// Link to the call in Gong.
    pub url: Option<String>,
}

/// The account a briefing is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    /// Salesforce account id.
    pub id: String,
    /// Account name.
    pub name: String,
    /// The account owner's name.
    pub owner: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Number of employees.
    pub employees: Option<i64>,
    /// Annual revenue, in the org's currency.
    pub annual_revenue: Option<f64>,
    /// "City, Country" of the billing address.
    pub location: Option<String>,
}

/// An open deal with the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpportunitySummary {
    /// Salesforce opportunity id.
    pub id: String,
    /// Opportunity name.
    pub name: String,
    /// Sales stage.
    pub stage: Option<String>,
    /// Amount, in the org's currency.
    pub amount: Option<f64>,
    /// Expected close date (`YYYY-MM-DD`).
    pub close_date: Option<String>,
    /// Win probability in percent.
    pub probability: Option<f64>,
    /// The opportunity owner's name.
    pub owner: Option<String>,
}

/// A person at the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactSummary {
    /// Salesforce contact id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// How many of the briefing's calls they spoke or were listed on.
    pub calls_attended: usize,
}

/// A person on the buying side: their role in the deal (Salesforce) and what the calls heard
/// from them (Gong), joined by e-mail address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stakeholder {
    /// Full name ("Unknown Speaker on ..." for a voice Gong could not name).
    pub name: String,
    /// Job title, when known.
    pub title: Option<String>,
    /// Salesforce contact id; `null` when the person is not a contact in Salesforce.
    pub contact_id: Option<String>,
    /// Buying roles on the account's open deals (Salesforce `OpportunityContactRole`).
    #[serde(default)]
    pub buying_roles: Vec<String>,
    /// Whether they are an open deal's primary contact.
    #[serde(default)]
    pub primary: bool,
    /// How many of the briefing's calls they attended.
    pub calls_attended: usize,
    /// Their share of all talk time on the briefing's calls, in percent; `null` when silent or
    /// unknown.
    pub talk_share: Option<u32>,
    /// The newest call they spoke on, as "title (date)".
    pub last_heard: Option<String>,
    /// What a rep should act on: a deciding role never on a call, a customer voice that is not
    /// a Salesforce contact, a champion silent on the last call.
    #[serde(default)]
    pub flags: Vec<String>,
}

/// One row of the briefing's calls table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BriefingCall {
    /// Gong call id.
    pub call_id: String,
    /// Call title.
    pub title: Option<String>,
    /// Start time, ISO-8601 in UTC.
    pub started: Option<String>,
    /// Duration in seconds.
    pub duration: Option<i64>,
    /// Link to the call in Gong.
    pub url: Option<String>,
    /// Who attended, with title and affiliation (Internal/External).
    pub attendees: Vec<Speaker>,
    /// Whether the transcript is in `transcripts`.
    pub has_transcript: bool,
    /// What Gong's AI distilled from the call; absent when Gong sent none (plans without
    /// the feature, or Gong's call details could not be fetched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intelligence: Option<CallIntelligence>,
}

/// Gong's call intelligence for one call, as a briefing carries it: small, and read before
/// the transcript, so it is never cut for budget (transcripts get what is left).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallIntelligence {
    /// Gong's summary paragraph of the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brief: Option<String>,
    /// Gong's key points.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_points: Vec<String>,
    /// Next steps Gong highlighted, each with its time in the call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<Moment>,
    /// Other highlights (action items, ...), each with its time in the call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub highlights: Vec<Moment>,
    /// Gong AI's outcome of the call (e.g. "Meeting booked").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Trackers that fired (competitors, pricing, security, legal...), in Gong's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trackers: Vec<TrackerSummary>,
    /// Topics, longest first, in minutes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<TopicSummary>,
    /// Share of the call's talk time per speaker, most first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub talk_time: Vec<TalkShare>,
}

/// A highlight of a call and when it was said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Moment {
    /// The highlight.
    pub text: String,
    /// Time in the call (`12:34`), for citing; absent when Gong gave none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// A tracker that fired on a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackerSummary {
    /// Tracker name, as the company configured it in Gong.
    pub name: String,
    /// How often it fired.
    pub count: i64,
    /// Who said it, by name, in the order they first did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub said_by: Vec<String>,
    /// Times in the call it fired (`12:34`), first ones first (at most five).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub at: Vec<String>,
}

/// A topic of a call and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicSummary {
    /// Topic name.
    pub name: String,
    /// Whole minutes spent on it (at least 1).
    pub minutes: i64,
}

/// One speaker's share of a call's talk time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TalkShare {
    /// Speaker name ("Unknown Speaker" when Gong does not know it).
    pub name: String,
    /// Whether the speaker is with the customer (not Internal).
    pub customer: bool,
    /// Percent of all talk on the call, rounded.
    pub percent: u32,
}

/// How much transcript text a briefing carries (`transcripts=full|fit|none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TranscriptMode {
    /// Transcripts in spoken order; when they do not fit, each is cut at its end, to read on
    /// with offsets (for reading whole calls page by page).
    Full,
    /// When transcripts do not fit, each keeps the turns that matter most (around Gong's
    /// tracker hits and highlights, the customer's turns before the seller's), every gap
    /// marked with its time range and the offset to read on.
    #[default]
    Fit,
    /// No transcript text: account, deals, contacts and Gong's intelligence only.
    None,
}

impl TranscriptMode {
    /// Every mode, for listings.
    pub const ALL: [TranscriptMode; 3] = [
        TranscriptMode::Full,
        TranscriptMode::Fit,
        TranscriptMode::None,
    ];

    /// The lowercase name used in parameters.
    pub fn as_str(self) -> &'static str {
        match self {
            TranscriptMode::Full => "full",
            TranscriptMode::Fit => "fit",
            TranscriptMode::None => "none",
        }
    }
}

/// The text is not a transcript mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown transcripts mode {0:?}; use full, fit or none")]
pub struct UnknownTranscriptMode(pub String);

impl std::str::FromStr for TranscriptMode {
    type Err = UnknownTranscriptMode;

    /// Accepts `full`, `fit` and `none` in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        TranscriptMode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownTranscriptMode(s.to_owned()))
    }
}

/// One call's transcript text in a briefing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BriefingTranscript {
    /// Gong call id.
    pub call_id: String,
    /// Call title, for citing.
    pub title: Option<String>,
    /// Start time, for citing.
    pub started: Option<String>,
    /// One `"[12:34] Speaker: text"` paragraph per turn, with the turn's time in the call;
    /// when shortened, a marker line stands where turns were left out or the text was cut.
    pub content: String,
}

/// How the transcripts were fitted into the response's character budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Truncation {
    /// The budget the whole response was held to, in characters.
    pub max_chars: usize,
    /// Whether any transcript was cut.
    pub truncated: bool,
    /// Per call: total, returned and where to continue.
    pub calls: Vec<TranscriptSlice>,
}

/// The meeting a briefing prepares for: the account's next Salesforce event (or the one asked
/// for), with who is coming and what each of them said before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Meeting {
    /// Salesforce event id.
    pub event_id: String,
    /// The event's subject.
    pub subject: Option<String>,
    /// Start, ISO-8601 in UTC.
    pub start: Option<String>,
    /// End, ISO-8601 in UTC.
    pub end: Option<String>,
    /// Where (a room, or a video link).
    pub location: Option<String>,
    /// Whose calendar holds it.
    pub owner: Option<String>,
    /// Everyone invited that the caller can see in Salesforce: the buying side first.
    pub attendees: Vec<MeetingAttendee>,
    /// Names of the invitees on none of the briefing's calls: people to get to know.
    #[serde(default)]
    pub first_time: Vec<String>,
}

/// One invitee of the meeting, joined with the stakeholder map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingAttendee {
    /// Salesforce id of the contact, lead or user invited.
    pub id: String,
    /// `contact`, `lead` or `user` (a user is on the selling side).
    pub kind: String,
    /// Full name.
    pub name: String,
    /// Job title, when known.
    pub title: Option<String>,
    /// The invitation's status: New, Accepted, Declined.
    pub status: Option<String>,
    /// Buying roles on the account's open deals.
    #[serde(default)]
    pub buying_roles: Vec<String>,
    /// How many of the briefing's calls they attended.
    pub calls_attended: usize,
    /// Their share of the talk on the briefing's calls, in percent.
    pub talk_share: Option<u32>,
    /// The newest call they spoke on, as "title (date)": where to read what they said.
    pub last_heard: Option<String>,
    /// On the buying side and on none of the briefing's calls.
    pub first_time: bool,
}

/// What changed since the newest call: deal changes, new contacts, open to-dos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SinceLastCall {
    /// When the newest call started (ISO-8601): changes after it are listed.
    pub since: Option<String>,
    /// Tracked changes of the deals' stage, amount, close date and next step, oldest first.
    pub deal_changes: Vec<DealChange>,
    /// Contacts created at the account since then.
    pub new_contacts: Vec<NewContact>,
    /// Open tasks on the account due before the meeting (or within a week without one),
    /// soonest first.
    pub open_tasks: Vec<OpenTask>,
}

/// One tracked change of a deal's field (Salesforce `OpportunityFieldHistory`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DealChange {
    /// Salesforce opportunity id.
    pub opportunity_id: String,
    /// Opportunity name.
    pub opportunity: Option<String>,
    /// API name of the field: StageName, Amount, CloseDate, NextStep.
    pub field: String,
    /// The value before.
    pub old_value: Option<String>,
    /// The value after.
    pub new_value: Option<String>,
    /// When, ISO-8601 in UTC.
    pub changed_at: Option<String>,
    /// Who changed it.
    pub changed_by: Option<String>,
}

/// A contact created at the account after the newest call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    /// Salesforce contact id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// When created, ISO-8601 in UTC.
    pub created: Option<String>,
}

/// An open to-do (Salesforce `Task`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenTask {
    /// Salesforce task id.
    pub id: String,
    /// What to do.
    pub subject: Option<String>,
    /// Due date (`YYYY-MM-DD`).
    pub due: Option<String>,
    /// Not Started, In Progress, ...
    pub status: Option<String>,
    /// High, Normal, Low.
    pub priority: Option<String>,
    /// Who it is assigned to.
    pub owner: Option<String>,
}

/// Everything an assistant needs to prepare a rep for a meeting with one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Briefing {
    /// The meeting the pack prepares for; `null` when none is on the calendar or none was
    /// asked for (the notes say which). The write-up opens with it.
    #[serde(default)]
    pub meeting: Option<Meeting>,
    /// What changed since the newest call; `null` when the account has no calls.
    #[serde(default)]
    pub since_last_call: Option<SinceLastCall>,
    /// The account.
    pub account: AccountSummary,
    /// The framework the write-up follows.
    pub methodology: Methodology,
    /// How to write the briefing up: sections, what to look for, how to cite.
    pub instructions: String,
    /// Open opportunities, soonest close first.
    pub opportunities: Vec<OpportunitySummary>,
    /// Key contacts, those on the most calls first.
    pub contacts: Vec<ContactSummary>,
    /// The stakeholder map: buying roles on the open deals joined with who spoke on the calls.
    #[serde(default)]
    pub stakeholders: Vec<Stakeholder>,
    /// The newest calls, newest first.
    pub calls: Vec<BriefingCall>,
    /// Things the reader must know: no calls, missing transcripts, partial upstream failures.
    pub notes: Vec<String>,
    /// Ids of the calls whose Gong data came from callbrief's cache instead of a new request
    /// to Gong (a finished call's transcript does not change).
    #[serde(default)]
    pub cached_call_ids: Vec<String>,
    /// How the transcripts were fitted into the size budget.
    pub truncation: Truncation,
    /// The calls' transcripts, newest first (possibly cut; see `truncation`).
    pub transcripts: Vec<BriefingTranscript>,
}

/// One customer meeting on a rep's calendar, and whether its briefing is ready.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingRow {
    /// Salesforce event id (00U…), to pass as the briefing's `meeting`.
    pub event_id: String,
    /// Start, ISO-8601 in UTC.
    pub start: Option<String>,
    /// End, ISO-8601 in UTC.
    pub end: Option<String>,
    /// The event's subject.
    pub subject: Option<String>,
    /// Salesforce account id (18 characters), to pass to the briefing.
    pub account_id: String,
    /// The account's name.
    pub account_name: String,
    /// People on the meeting: its invitees and its owner.
    pub attendees: usize,
    /// How many calls the account's briefing shows (its newest, as the briefing picks them).
    pub briefing_calls: usize,
    /// Whether every one of those calls is already in callbrief's cache (also when there are
    /// none): the briefing then waits for nothing from Gong.
    pub cached: bool,
}

/// The caller's customer meetings in the hours asked for, soonest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyMeetings {
    /// The meetings, soonest first.
    pub meetings: Vec<MeetingRow>,
    /// What the reader must know: meetings left out, parts that could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}
