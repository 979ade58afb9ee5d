#![warn(missing_docs)]
//! Pure transformation: Gong transcript and call payloads in, clean transcripts out.
//!
//! No I/O here, so every rule (the original middleware's `content` format, speaker lists, size
//! budgets) is unit- and property-tested, and benchmarked without a network.

use std::collections::HashMap;

use gong_wire as wire;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub mod budget;
mod content;
mod speakers;

pub use content::{clock, middleware_content, speaker_names, timed_content, TurnSpan};

/// One call, cleaned for an assistant: metadata, attendees and the transcript as plain text.
/// Field names and meanings match the `getTranscriptsByCallIds` action's `callTranscripts` items;
/// `speakers` is an addition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CleanTranscript {
    /// Gong call id.
    pub call_id: String,
    /// Call title; `null` when Gong had no metadata for the call.
    pub title: Option<String>,
    /// Start time (ISO-8601); `null` when unknown.
    #[schema(format = DateTime)]
    pub started: Option<String>,
    /// Duration in seconds; `null` when unknown.
    pub duration: Option<i64>,
    /// Link to the call in Gong; `null` when unknown.
    #[schema(format = "uri")]
    pub url: Option<String>,
    /// The transcript: one paragraph per turn, `"<speaker>: <sentences>\n\n"`.
    pub content: String,
    /// The call's attendees, for attendee tables.
    pub speakers: Vec<Speaker>,
}

/// An attendee of a call, without personal contact details beyond the e-mail domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Speaker {
    /// Name; `null` when Gong does not know it.
    pub name: Option<String>,
    /// Job title, when known.
    pub title: Option<String>,
    /// "Internal", "External" or "Unknown".
    pub affiliation: String,
    /// Domain of the attendee's e-mail address (e.g. `acme.com`), when known.
    pub email_domain: Option<String>,
}

/// The label for a monologue whose speaker has no name (the original middleware's wording).
pub const UNKNOWN_SPEAKER: &str = "Unknown Speaker";

/// Joins transcripts with call metadata, in the transcripts' order; a call without metadata keeps
/// its transcript with `null` metadata fields.
///
/// Speaker names come only from the call's own parties, so names never leak from one call into
/// another. When `calls` holds the same id twice, the later entry wins (as in the original
/// middleware).
pub fn clean_transcripts(
    transcripts: &[wire::CallTranscript],
    calls: &[wire::ExtensiveCall],
) -> Vec<CleanTranscript> {
    let by_id: HashMap<&str, &wire::ExtensiveCall> = calls
        .iter()
        .map(|call| (call.meta_data.id.as_str(), call))
        .collect();
    transcripts
        .iter()
        .map(|transcript| clean_one(transcript, by_id.get(transcript.call_id.as_str()).copied()))
        .collect()
}

/// One call: its transcript text, and its metadata and attendees when Gong sent them.
fn clean_one(
    transcript: &wire::CallTranscript,
    call: Option<&wire::ExtensiveCall>,
) -> CleanTranscript {
    let parties = call.map_or(&[][..], |c| c.parties.as_slice());
    let names = content::borrowed_names(parties);
    let meta = call.map(|c| &c.meta_data);
    CleanTranscript {
        call_id: transcript.call_id.clone(),
        title: meta.and_then(|m| m.title.clone()),
        started: meta.and_then(|m| m.started.clone()),
        duration: meta.and_then(|m| m.duration),
        url: meta.and_then(|m| m.url.clone()),
        content: content::render(&transcript.transcript, |id| names.get(id).copied()),
        speakers: speakers::speakers(parties),
    }
}
