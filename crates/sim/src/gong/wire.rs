//! Gong API v2's JSON shapes, written down here independently of any client, so the
//! simulator is its own statement of the contract (checked against Gong's published OpenAPI
//! document in the tests).

use serde::{Deserialize, Serialize};

/// A fresh Gong-style request id (lowercase alphanumerics).
pub fn request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..19].to_string()
}

/// `ErrorResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub request_id: String,
    pub errors: Vec<String>,
}

/// `Records`: paging state of a list answer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Records {
    pub total_records: u64,
    pub current_page_size: u64,
    pub current_page_number: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

// ---- requests -------------------------------------------------------------------------------

/// `CallsFilter` / `CallsRequestFilterWithOwners`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallsFilter {
    pub from_date_time: Option<String>,
    pub to_date_time: Option<String>,
    pub workspace_id: Option<String>,
    pub call_ids: Option<Vec<String>>,
    pub primary_user_ids: Option<Vec<String>>,
}

/// Body of `POST /v2/calls/transcript`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptRequest {
    pub cursor: Option<String>,
    pub filter: CallsFilter,
}

/// Body of `POST /v2/calls/extensive`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensiveRequest {
    pub cursor: Option<String>,
    pub filter: CallsFilter,
    #[serde(default)]
    pub content_selector: ContentSelector,
}

/// How much CRM context to attach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum ContextLevel {
    #[default]
    None,
    Basic,
    Extended,
}

/// When the CRM context is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ContextTiming {
    Now,
    TimeOfCall,
}

/// `ContentSelector`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentSelector {
    #[serde(default)]
    pub context: ContextLevel,
    pub context_timing: Option<Vec<ContextTiming>>,
    #[serde(default)]
    pub exposed_fields: ExposedFields,
}

/// `ExposedFields`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposedFields {
    #[serde(default)]
    pub parties: bool,
    #[serde(default)]
    pub media: bool,
    #[serde(default)]
    pub content: ContentFlags,
    #[serde(default)]
    pub interaction: InteractionFlags,
    // Parsed only so that a value of the wrong type is rejected with a 400, as Gong does.
    #[allow(dead_code)]
    pub collaboration: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `CallInteraction`: which interaction measures to include. Only `speakers` (talk time) is
/// produced; the other flags are parsed so that a value of the wrong type is rejected with a 400.
#[allow(dead_code)]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionFlags {
    #[serde(default)]
    pub speakers: bool,
    pub video: Option<bool>,
    pub person_interaction_stats: Option<bool>,
    pub questions: Option<bool>,
}

/// `CallContent`: which AI content to include. Brief, keyPoints, topics, highlights,
/// callOutcome and trackers (with occurrences when asked) are produced; the other flags are
/// parsed so that a value of the wrong type is rejected with a 400.
#[allow(dead_code)]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentFlags {
    #[serde(default)]
    pub brief: bool,
    #[serde(default)]
    pub key_points: bool,
    #[serde(default)]
    pub topics: bool,
    #[serde(default)]
    pub trackers: bool,
    #[serde(default)]
    pub tracker_occurrences: bool,
    #[serde(default)]
    pub highlights: bool,
    #[serde(default)]
    pub call_outcome: bool,
    pub structure: Option<bool>,
    pub points_of_interest: Option<bool>,
    pub outline: Option<bool>,
}

// ---- responses ------------------------------------------------------------------------------

/// `CallTranscripts`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallTranscripts {
    pub request_id: String,
    pub records: Records,
    pub call_transcripts: Vec<CallTranscript>,
}

/// `CallTranscript`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallTranscript {
    pub call_id: String,
    pub transcript: Vec<Monologue>,
}

/// `Monologue`; `topic` is sent as `null` when Gong found none, as real Gong does.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Monologue {
    pub speaker_id: String,
    pub topic: Option<String>,
    pub sentences: Vec<Sentence>,
}

/// `Sentence`: milliseconds from the call's start.
#[derive(Debug, Serialize)]
pub struct Sentence {
    pub start: u64,
    pub end: u64,
    pub text: String,
}

/// `Calls`: the extensive answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Calls {
    pub request_id: String,
    pub records: Records,
    pub calls: Vec<CallData>,
}

/// `CallsResponse`: the basic list answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallsResponse {
    pub request_id: String,
    pub records: Records,
    pub calls: Vec<CallBasicData>,
}

/// `SpecificCall`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecificCall {
    pub request_id: String,
    pub call: CallBasicData,
}

/// `CallData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallData {
    pub meta_data: CallBasicData,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<CallContext>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parties: Option<Vec<Party>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction: Option<InteractionMeasures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
}

/// `InteractionMeasuresDto`, with the part the simulator produces.
#[derive(Debug, Serialize)]
pub struct InteractionMeasures {
    pub speakers: Vec<UserSpeaker>,
}

/// `UserSpeaker`: seconds one speaker talked; `userId` for the selling company's people.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSpeaker {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub talk_time: f64,
}

/// `CallBasicData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallBasicData {
    pub id: String,
    pub url: String,
    pub title: String,
    pub scheduled: String,
    pub started: String,
    pub duration: u64,
    pub primary_user_id: String,
    pub direction: String,
    pub system: String,
    pub scope: String,
    pub media: String,
    pub language: String,
    pub workspace_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    pub meeting_url: String,
    pub is_private: bool,
    pub calendar_event_id: String,
}

/// `CallContextDto` / `PartyContextDto`.
#[derive(Debug, Serialize)]
pub struct CallContext {
    pub system: String,
    pub objects: Vec<ContextObject>,
}

/// `ExternalCallObject` / `ExternalPartyObject`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextObject {
    pub object_type: String,
    pub object_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<ContextField>>,
    pub timing: String,
}

/// `ContextField`.
#[derive(Debug, Serialize)]
pub struct ContextField {
    pub name: String,
    pub value: serde_json::Value,
}

/// `Party`; absent facts are left out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<CallContext>>,
    pub affiliation: String,
    pub methods: Vec<String>,
}

/// `ContentDto`, with the parts the simulator produces.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topics: Option<Vec<Topic>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brief: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_points: Option<Vec<KeyPoint>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlights: Option<Vec<HighlightsSection>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_outcome: Option<CallOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trackers: Option<Vec<Tracker>>,
}

/// `CallHighlightsSection`.
#[derive(Debug, Serialize)]
pub struct HighlightsSection {
    pub title: String,
    pub items: Vec<HighlightsItem>,
}

/// `CallHighlightsItem`: `startTimes` in seconds from the call's start.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HighlightsItem {
    pub text: String,
    pub start_times: Vec<f64>,
}

/// `CallOutcome`.
#[derive(Debug, Serialize)]
pub struct CallOutcome {
    pub id: String,
    pub category: String,
    pub name: String,
}

/// `TrackerDto`; `occurrences` only when `trackerOccurrences` was asked for.
#[derive(Debug, Serialize)]
pub struct Tracker {
    pub id: String,
    pub name: String,
    pub count: u32,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<Vec<Occurrence>>,
    pub phrases: Vec<TrackerPhrase>,
}

/// `trackerPhrases`.
#[derive(Debug, Serialize)]
pub struct TrackerPhrase {
    pub count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<Vec<Occurrence>>,
    pub phrase: String,
}

/// `occurrences`: seconds from the call's start and the speaker.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Occurrence {
    pub start_time: f64,
    pub speaker_id: String,
}

/// `TopicDto`.
#[derive(Debug, Serialize)]
pub struct Topic {
    pub name: String,
    pub duration: u32,
}

/// `CallKeyPoint`.
#[derive(Debug, Serialize)]
pub struct KeyPoint {
    pub text: String,
}

/// `MediaDto`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    pub audio_url: String,
    pub video_url: String,
}

/// `EmailAddressReferences`: what references an address. The simulator holds calls only, so
/// the other lists are always empty.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailAddressReferences {
    pub request_id: String,
    pub emails: Vec<serde_json::Value>,
    pub calls: Vec<CallReference>,
    pub meetings: Vec<serde_json::Value>,
    pub customer_data: Vec<serde_json::Value>,
    pub customer_engagement: Vec<serde_json::Value>,
}

/// `CallReference`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallReference {
    pub id: String,
    pub status: &'static str,
    pub external_systems: Vec<serde_json::Value>,
}

/// `UsersMetadata`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersMetadata {
    pub request_id: String,
    pub records: Records,
    pub users: Vec<UserMetadata>,
}

/// `UserMetadata`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMetadata {
    pub id: String,
    pub email_address: String,
    pub created: String,
    pub active: bool,
    pub email_aliases: Vec<String>,
    pub trusted_email_address: String,
    pub first_name: String,
    pub last_name: String,
    pub title: String,
    pub personal_meeting_urls: Vec<String>,
    pub settings: UserSettings,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<String>,
    pub spoken_languages: Vec<SpokenLanguage>,
}

/// `Settings`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSettings {
    pub web_conferences_recorded: bool,
    pub prevent_web_conference_recording: bool,
    pub telephony_calls_imported: bool,
    pub emails_imported: bool,
    pub prevent_email_import: bool,
    pub non_recorded_meetings_imported: bool,
    pub gong_connect_enabled: bool,
}

/// `spokenLanguage`.
#[derive(Debug, Serialize)]
pub struct SpokenLanguage {
    pub language: String,
    pub primary: bool,
}
