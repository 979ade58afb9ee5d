//! Gong's request and response bodies, as typed Rust. Unknown fields are ignored (Gong adds fields
//! at any time); fields Gong may omit are `Option` or defaulted.

use serde::{Deserialize, Serialize};

/// `records` of every Gong list answer; `cursor` is present only when more pages remain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Records {
    #[serde(default)]
    pub total_records: i64,
    #[serde(default)]
    pub current_page_size: i64,
    #[serde(default)]
    pub current_page_number: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The `filter` of `/v2/calls/transcript` and `/v2/calls/extensive`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallsFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

/// Body of `POST /v2/calls/transcript`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    pub filter: CallsFilter,
}

/// Answer of `POST /v2/calls/transcript`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptResponse {
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub records: Records,
    #[serde(default)]
    pub call_transcripts: Vec<CallTranscript>,
}

/// One call's transcript.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallTranscript {
    pub call_id: String,
    #[serde(default)]
    pub transcript: Vec<Monologue>,
}

/// One speaker's turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Monologue {
    #[serde(default)]
    pub speaker_id: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub sentences: Vec<Sentence>,
}

/// One sentence; `start`/`end` are milliseconds from the call's start.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    #[serde(default)]
    pub start: i64,
    #[serde(default)]
    pub end: i64,
    #[serde(default)]
    pub text: String,
}

/// `contentSelector` of `/v2/calls/extensive`: which optional parts Gong should include.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default)]
    pub exposed_fields: ExposedFields,
}

/// `contentSelector.exposedFields`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposedFields {
    #[serde(default)]
    pub parties: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentFields>,
}

/// `contentSelector.exposedFields.content`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentFields {
    #[serde(default)]
    pub brief: bool,
    #[serde(default)]
    pub key_points: bool,
    #[serde(default)]
    pub topics: bool,
}

/// Body of `POST /v2/calls/extensive`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    pub filter: CallsFilter,
    pub content_selector: ContentSelector,
}

/// Answer of `POST /v2/calls/extensive`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveResponse {
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub records: Records,
    #[serde(default)]
    pub calls: Vec<ExtensiveCall>,
}

/// One call of `/v2/calls/extensive`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveCall {
    pub meta_data: CallMetaData,
    #[serde(default)]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<CallContent>,
}

/// `metaData` of a call (also the element of `GET /v2/calls` and `GET /v2/calls/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallMetaData {
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub scheduled: Option<String>,
    #[serde(default)]
    pub started: Option<String>,
    /// Seconds.
    #[serde(default)]
    pub duration: Option<i64>,
    #[serde(default)]
    pub primary_user_id: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub workspace_id: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub meeting_url: Option<String>,
    #[serde(default)]
    pub is_private: Option<bool>,
}

/// A participant of a call. Any field may be missing in real data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
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
    #[serde(default)]
    pub brief: Option<String>,
    #[serde(default)]
    pub key_points: Option<Vec<KeyPoint>>,
    #[serde(default)]
    pub topics: Option<Vec<Topic>>,
}

/// One key point of a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyPoint {
    #[serde(default)]
    pub text: String,
}

/// A topic and how long the call spent on it (seconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub duration: f64,
}

/// Answer of `GET /v2/calls`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallsResponse {
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub records: Records,
    #[serde(default)]
    pub calls: Vec<CallMetaData>,
}

/// A Gong user (element of `GET /v2/users`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
}

/// Answer of `GET /v2/users`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersResponse {
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub records: Records,
    #[serde(default)]
    pub users: Vec<User>,
}

/// Gong's error body: `{"requestId": "...", "errors": ["..."]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub errors: Vec<String>,
}
