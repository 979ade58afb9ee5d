#![warn(missing_docs)]
//! Gong's request and response bodies, as typed Rust. Unknown fields are ignored (Gong adds fields
//! at any time); fields Gong may omit are `Option` or defaulted.
//!
//! A crate of its own, with serde as its only dependency (and utoipa, for the id's OpenAPI schema,
//! behind the `schema` feature), so that pure code (the `transcript`
//! crate, its benches and property tests) can read Gong's payloads without pulling in the HTTP
//! client, the async runtime and the rate limiter of the `gong` crate, which re-exports these
//! types as `gong::wire`.

mod ids;

pub use ids::{is_call_id, CallId, IdError, CALL_ID_PATTERN, MAX_CALL_ID_DIGITS};

use serde::{Deserialize, Serialize};

/// `records` of every Gong list answer; `cursor` is present only when more pages remain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Records {
    /// Total items across all pages (Gong's count; informational only).
    #[serde(default)]
    pub total_records: i64,
    /// Items on this page.
    #[serde(default)]
    pub current_page_size: i64,
    /// 0-based page number.
    #[serde(default)]
    pub current_page_number: i64,
    /// Send back as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The `filter` of `/v2/calls/transcript` and `/v2/calls/extensive`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallsFilter {
    /// Only these calls (numeric strings of up to 20 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_ids: Option<Vec<String>>,
    /// Only calls started at or after this ISO-8601 instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_date_time: Option<String>,
    /// Only calls started before this ISO-8601 instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_date_time: Option<String>,
    /// Only calls of this Gong workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

/// Body of `POST /v2/calls/transcript`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptRequest {
    /// The previous page's `records.cursor`; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Which calls.
    pub filter: CallsFilter,
}

/// Answer of `POST /v2/calls/transcript`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptResponse {
    /// Gong's id of the request, for support tickets.
    #[serde(default)]
    pub request_id: String,
    /// Paging information.
    #[serde(default)]
    pub records: Records,
    /// One entry per call that has a transcript.
    #[serde(default)]
    pub call_transcripts: Vec<CallTranscript>,
}

/// One call's transcript.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallTranscript {
    /// Gong call id.
    pub call_id: String,
    /// The monologues, in spoken order.
    #[serde(default)]
    pub transcript: Vec<Monologue>,
}

/// One speaker's turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Monologue {
    /// Matches a party's `speakerId`; may be missing or match no party.
    #[serde(default)]
    pub speaker_id: Option<String>,
    /// Gong's topic label for this stretch of the call; often null.
    #[serde(default)]
    pub topic: Option<String>,
    /// What was said, in order.
    #[serde(default)]
    pub sentences: Vec<Sentence>,
}

/// One sentence; `start`/`end` are milliseconds from the call's start.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    /// Milliseconds from the call's start.
    #[serde(default)]
    pub start: i64,
    /// Milliseconds from the call's start.
    #[serde(default)]
    pub end: i64,
    /// The words.
    #[serde(default)]
    pub text: String,
}

/// `contentSelector` of `/v2/calls/extensive`: which optional parts Gong should include.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentSelector {
    /// `None`, `Basic` or `Extended`: how much CRM context to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Which optional parts to include.
    #[serde(default)]
    pub exposed_fields: ExposedFields,
}

impl ContentSelector {
    /// The original middleware's selector, metadata plus parties only: serializes exactly as
    /// `{"exposedFields":{"parties":true}}`.
    pub fn parties_only() -> Self {
        Self {
            context: None,
            exposed_fields: ExposedFields {
                parties: true,
                content: None,
                interaction: None,
            },
        }
    }

    /// Parties plus Gong's call intelligence (brief, key points, highlights, outcome, trackers
    /// with their occurrences, topics) and each speaker's talk time. The same single request per
    /// page as [`Self::parties_only`]: the intelligence costs no extra quota. Gong leaves out
    /// what a company's plan does not include, so every part of the answer is optional.
    pub fn with_intelligence() -> Self {
        Self {
            context: None,
            exposed_fields: ExposedFields {
                parties: true,
                content: Some(ContentFields {
                    brief: true,
                    key_points: true,
                    topics: true,
                    highlights: true,
                    call_outcome: true,
                    trackers: true,
                    tracker_occurrences: true,
                }),
                interaction: Some(InteractionFields { speakers: true }),
            },
        }
    }
}

/// `contentSelector.exposedFields`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposedFields {
    /// Include the call's parties (names, titles, speaker ids).
    #[serde(default)]
    pub parties: bool,
    /// Include content analysis (brief, key points, topics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentFields>,
    /// Include interaction measures (talk time per speaker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interaction: Option<InteractionFields>,
}

/// `contentSelector.exposedFields.interaction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionFields {
    /// Talk time of each speaker.
    #[serde(default)]
    pub speakers: bool,
}

/// `contentSelector.exposedFields.content`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentFields {
    /// Gong's summary paragraph.
    #[serde(default)]
    pub brief: bool,
    /// Gong's key points.
    #[serde(default)]
    pub key_points: bool,
    /// Topics and time spent on each.
    #[serde(default)]
    pub topics: bool,
    /// Gong's highlights (next steps, action items...).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub highlights: bool,
    /// Gong AI's outcome of the call.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub call_outcome: bool,
    /// Keyword and smart trackers with their counts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trackers: bool,
    /// With `trackers`: when and by whom each tracker occurrence was said.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tracker_occurrences: bool,
}

/// Body of `POST /v2/calls/extensive`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveRequest {
    /// The previous page's `records.cursor`; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Which calls.
    pub filter: CallsFilter,
    /// Which optional parts of each call to include.
    pub content_selector: ContentSelector,
}

/// Answer of `POST /v2/calls/extensive`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveResponse {
    /// Gong's id of the request, for support tickets.
    #[serde(default)]
    pub request_id: String,
    /// Paging information.
    #[serde(default)]
    pub records: Records,
    /// One entry per matching call.
    #[serde(default)]
    pub calls: Vec<ExtensiveCall>,
}

/// One call of `/v2/calls/extensive`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveCall {
    /// Title, times, URL and other facts about the call.
    pub meta_data: CallMetaData,
    /// Attendees, when `exposedFields.parties` was asked for.
    #[serde(default)]
    pub parties: Vec<Party>,
    /// Content analysis, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<CallContent>,
    /// Interaction measures, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interaction: Option<Interaction>,
}

/// `metaData` of a call (also the element of `GET /v2/calls` and `GET /v2/calls/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallMetaData {
    /// Gong call id.
    pub id: String,
    /// Link to the call in Gong's web app.
    #[serde(default)]
    pub url: Option<String>,
    /// Call title.
    #[serde(default)]
    pub title: Option<String>,
    /// Scheduled start (ISO-8601).
    #[serde(default)]
    pub scheduled: Option<String>,
    /// Actual start (ISO-8601).
    #[serde(default)]
    pub started: Option<String>,
    /// Seconds.
    #[serde(default)]
    pub duration: Option<i64>,
    /// Gong user id of the call's host.
    #[serde(default)]
    pub primary_user_id: Option<String>,
    /// `Inbound`, `Outbound`, `Conference` or `Unknown`.
    #[serde(default)]
    pub direction: Option<String>,
    /// Where the call happened (Zoom, Teams, ...).
    #[serde(default)]
    pub system: Option<String>,
    /// `Internal`, `External` or `Unknown`.
    #[serde(default)]
    pub scope: Option<String>,
    /// Spoken language code.
    #[serde(default)]
    pub language: Option<String>,
    /// Gong workspace of the call.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// Purpose as entered in the meeting invite.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Link of the conferencing meeting.
    #[serde(default)]
    pub meeting_url: Option<String>,
    /// Whether the call is private in Gong.
    #[serde(default)]
    pub is_private: Option<bool>,
}

/// A participant of a call. Any field may be missing in real data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// Gong's id of the party within the call.
    #[serde(default)]
    pub id: Option<String>,
    /// E-mail address, when known.
    #[serde(default)]
    pub email_address: Option<String>,
    /// Display name, when known.
    #[serde(default)]
    pub name: Option<String>,
    /// Job title, when known.
    #[serde(default)]
    pub title: Option<String>,
    /// Gong user id, for internal parties.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Links the party to transcript monologues; missing for silent invitees.
    #[serde(default)]
    pub speaker_id: Option<String>,
    /// "Internal", "External" or "Unknown".
    #[serde(default)]
    pub affiliation: Option<String>,
}

/// `content` of a call when asked for (brief, key points, topics).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallContent {
    /// Gong's summary paragraph.
    #[serde(default)]
    pub brief: Option<String>,
    /// Gong's key points.
    #[serde(default)]
    pub key_points: Option<Vec<KeyPoint>>,
    /// Topics and time spent on each.
    #[serde(default)]
    pub topics: Option<Vec<Topic>>,
    /// Highlights by section (next steps and action items live here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlights: Option<Vec<HighlightSection>>,
    /// Gong AI's outcome of the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_outcome: Option<CallOutcome>,
    /// Trackers that fired on the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trackers: Option<Vec<Tracker>>,
}

/// One section of a call's highlights (e.g. "Next steps").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HighlightSection {
    /// Section title.
    #[serde(default)]
    pub title: Option<String>,
    /// The section's items.
    #[serde(default)]
    pub items: Vec<HighlightItem>,
}

/// One highlight, with the moments of the call it comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HighlightItem {
    /// The highlight.
    #[serde(default)]
    pub text: String,
    /// Seconds from the call's start.
    #[serde(default)]
    pub start_times: Vec<f64>,
}

/// Gong AI's outcome of a call (e.g. `MEETING_BOOKED`, "Meeting booked").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallOutcome {
    /// Outcome id.
    #[serde(default)]
    pub id: Option<String>,
    /// Outcome category.
    #[serde(default)]
    pub category: Option<String>,
    /// Outcome name, for people.
    #[serde(default)]
    pub name: Option<String>,
}

/// A tracker that fired on a call: a configured keyword set or a smart (AI) tracker.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tracker {
    /// Tracker id.
    #[serde(default)]
    pub id: Option<String>,
    /// Tracker name (e.g. "Competitors").
    #[serde(default)]
    pub name: Option<String>,
    /// How often it fired on the call.
    #[serde(default)]
    pub count: Option<i64>,
    /// `KEYWORD` or `SMART`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// When and by whom, when `trackerOccurrences` was asked for.
    #[serde(default)]
    pub occurrences: Option<Vec<Occurrence>>,
    /// Per phrase of a keyword tracker.
    #[serde(default)]
    pub phrases: Option<Vec<TrackerPhrase>>,
}

/// One phrase of a keyword tracker and where it was said.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackerPhrase {
    /// The phrase.
    #[serde(default)]
    pub phrase: Option<String>,
    /// How often it was said.
    #[serde(default)]
    pub count: Option<i64>,
    /// When and by whom.
    #[serde(default)]
    pub occurrences: Option<Vec<Occurrence>>,
}

/// One moment a tracker fired.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Occurrence {
    /// Seconds from the call's start.
    #[serde(default)]
    pub start_time: Option<f64>,
    /// Matches a party's `speakerId`.
    #[serde(default, deserialize_with = "lenient_id")]
    pub speaker_id: Option<String>,
}

/// An id Gong documents as a string but shows as a number in its own examples (tracker
/// occurrences' `speakerId`): either is read as text, anything else as absent, so one odd
/// value never costs the whole call.
fn lenient_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Signed(i64),
        Unsigned(u64),
        Float(f64),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Id>::deserialize(d)? {
        Some(Id::Text(s)) => Some(s),
        Some(Id::Signed(n)) => Some(n.to_string()),
        Some(Id::Unsigned(n)) => Some(n.to_string()),
        Some(Id::Float(n)) => Some(n.to_string()),
        Some(Id::Other(_)) | None => None,
    })
}

/// `interaction` of a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    /// Talk time per speaker, when asked for.
    #[serde(default)]
    pub speakers: Option<Vec<SpeakerTalk>>,
}

/// How long one speaker talked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeakerTalk {
    /// The speaker's id: a party's `speakerId`.
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<String>,
    /// Gong user id, for internal speakers.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Seconds.
    #[serde(default)]
    pub talk_time: Option<f64>,
}

/// One key point of a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyPoint {
    /// The key point.
    #[serde(default)]
    pub text: String,
}

/// A topic and how long the call spent on it (seconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// Topic name.
    #[serde(default)]
    pub name: String,
    /// Seconds spent on it.
    #[serde(default)]
    pub duration: f64,
}

/// Answer of `GET /v2/calls`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallsResponse {
    /// Gong's id of the request, for support tickets.
    #[serde(default)]
    pub request_id: String,
    /// Paging information.
    #[serde(default)]
    pub records: Records,
    /// One entry per call in the window.
    #[serde(default)]
    pub calls: Vec<CallMetaData>,
}

/// A Gong user (element of `GET /v2/users`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Gong user id.
    pub id: String,
    /// E-mail address.
    #[serde(default)]
    pub email_address: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Job title.
    #[serde(default)]
    pub title: Option<String>,
    /// Whether the user is active in Gong.
    #[serde(default)]
    pub active: Option<bool>,
}

/// Answer of `GET /v2/users`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersResponse {
    /// Gong's id of the request, for support tickets.
    #[serde(default)]
    pub request_id: String,
    /// Paging information.
    #[serde(default)]
    pub records: Records,
    /// One entry per user.
    #[serde(default)]
    pub users: Vec<User>,
}

/// Answer of `GET /v2/data-privacy/data-for-email-address`: what Gong holds that names an
/// address (only the calls are read; emails, meetings and CRM links are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailAddressReferences {
    /// Gong's id of the request, for support tickets.
    #[serde(default)]
    pub request_id: String,
    /// Calls that reference the address.
    #[serde(default)]
    pub calls: Vec<CallReference>,
}

/// One call of [`EmailAddressReferences`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallReference {
    /// Gong call id.
    pub id: String,
    /// The call's status (`COMPLETED`, ...).
    #[serde(default)]
    pub status: Option<String>,
}

/// Gong's error body: `{"requestId": "...", "errors": ["..."]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Gong's id of the request, for support tickets.
    #[serde(default)]
    pub request_id: Option<String>,
    /// Human-readable error messages.
    #[serde(default)]
    pub errors: Vec<String>,
}
