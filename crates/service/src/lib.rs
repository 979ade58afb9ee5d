#![warn(missing_docs)]
//! Briefings and access rules: what callbrief does, apart from how it is called.
//!
//! [`Service`] answers account searches, call listings, briefing packs and transcript requests
//! (the [`transcripts`] use case: access check, Gong fetch, assembly, fitting) for a [`Caller`], asking Salesforce as that caller so Salesforce's sharing decides what they
//! see, and asking Gong only about calls Salesforce showed them. Around it sit pure parts:
//! the SOQL/SOSL builders ([`query`]), record parsing ([`records`]), briefing assembly
//! ([`briefing`]), the response budget ([`budget`]), methodologies and Markdown rendering.
//! Front doors parse the caller's text into [`ids`] (errors name the caller's own field) and
//! send back the answers of [`dto`] and [`model`], written once for all of them.
//! Nothing here knows about HTTP; the server and CLI map [`ServiceError`] to their own terms.

mod access;
mod accounts;
mod admission;
pub mod briefing;
pub mod budget;
pub mod cache_admin;
pub mod call_source;
pub mod caller;
pub mod domains;
pub mod dto;
pub mod error;
pub mod fields;
pub mod identity;
pub mod ids;
pub mod meeting;
pub mod methodology;
pub mod model;
pub mod my_meetings;
pub mod prefetch;
pub mod query;
pub mod readiness;
pub mod records;
pub mod render;
pub mod research;
mod service;
pub mod settings;
pub mod sources;
/// Names of the series the service records (see [`Service`]).
pub mod service_metrics {
    pub use crate::service::{TOKEN_CACHE_HITS, TOKEN_CACHE_MISSES};
    /// The series the Gong client records.
    pub use gong::metrics as gong;
}
pub mod stakeholders;
pub mod transcripts;
pub mod upkeep;
pub mod webhook;

pub use access::CallAccess;
pub use briefing::BriefingRequest;
pub use budget::{MaxChars, Rendering, DEFAULT_MAX_CHARS};
pub use error::{GongError, ServiceError, Upstream};
pub use fields::GongFields;
pub use identity::{Caller, DEFAULT_TOKEN_CACHE_TTL};
pub use ids::{AccountId, CallId, EventId, MeetingChoice, UserRef};
pub use methodology::Methodology;
pub use model::{
    AccountHit, AccountSummary, Briefing, BriefingCall, BriefingTranscript, CallIntelligence,
    CallRow, ContactSummary, MeetingRow, MyMeetings, OpportunitySummary, TranscriptMode,
    Truncation,
};
pub use my_meetings::{MeetingsRequest, DEFAULT_MEETING_HOURS, MAX_MEETING_HOURS};
pub use prefetch::{
    NoProgress, PrefetchProgress, PrefetchSummary, DEFAULT_PREFETCH_EVERY_MINUTES,
    DEFAULT_PREFETCH_HOURS_AHEAD,
};
pub use readiness::{Readiness, ReadinessCheck};
pub use render::render_markdown;
pub use service::{
    Service, ServiceOptions, DEFAULT_BRIEFING_CALLS, DEFAULT_CALL_LIST,
    DEFAULT_MAX_CALLS_IN_FLIGHT, MAX_BRIEFING_CALLS, MAX_CALL_LIST, MAX_SEARCH_CHARS,
    MIN_SEARCH_CHARS,
};
pub use sources::{CallSource, GongListing, ResolvedSource};
pub use transcripts::TranscriptsRequest;
