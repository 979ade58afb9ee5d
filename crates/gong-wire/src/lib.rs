#![warn(missing_docs)]
//! Gong's request and response bodies, as typed Rust. Unknown fields are ignored (Gong adds fields
//! at any time); fields Gong may omit are `Option` or defaulted.
//!
//! A crate of its own, with serde as its only dependency, so that pure code (the `transcript`
//! crate, its benches and property tests) can read Gong's payloads without pulling in the HTTP
//! client, the async runtime and the rate limiter of the `gong` crate, which re-exports these
//! types as `gong::wire`.

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
