//! Putting a briefing together from what Salesforce and Gong returned, as pure functions.

use std::collections::{HashMap, HashSet};

use gong::wire::CallTranscript;
use gong::{CallData, GongError};
use transcript::{clean_transcripts, CleanTranscript, Speaker};

use crate::model::{BriefingCall, BriefingTranscript, CallRow, ContactSummary};
use crate::records::ContactRecord;
use crate::render::date_of;

/// Most contacts a briefing lists.
pub const MAX_KEY_CONTACTS: usize = 10;

/// The parts of a briefing that depend on the calls.
#[derive(Debug, Clone, PartialEq)]
pub struct CallParts {
    /// The calls table, in the order Salesforce listed the calls (newest first).
    pub calls: Vec<BriefingCall>,
    /// Key contacts, those on the most calls first.
    pub contacts: Vec<ContactSummary>,
    /// One transcript per call that has one, in the calls' order.
    pub transcripts: Vec<CleanTranscript>,
    /// What the reader must know about missing or partial data.
    pub notes: Vec<String>,
    /// Ids of the calls whose Gong data came from callbrief's cache, in the calls' order.
    pub cached_call_ids: Vec<String>,
}

/// How a call is named in notes: `"Discovery" (2024-05-02, call 123)`.
fn call_label(call: &BriefingCall) -> String {
    format!(
        "\"{}\" ({}, call {})",
        call.title.as_deref().unwrap_or("Untitled call"),
        date_of(call.started.as_deref()).unwrap_or("date unknown"),
        call.call_id
    )
}

/// Joins Salesforce's call rows with Gong's data (`None` when there were no calls to fetch),
/// ranks the contacts by attendance and writes the notes.
pub fn assemble(
    account_name: &str,
    rows: &[CallRow],
    gong: Option<Result<CallData, GongError>>,
    contacts: &[ContactRecord],
) -> CallParts {
    let mut notes = Vec::new();
    if rows.is_empty() {
        notes.push(format!(
            "No Gong calls are recorded in Salesforce for {account_name}, so there are no \
             transcripts: build the briefing from the account, opportunities and contacts, say \
             that no calls were found, and make discovery the first focus area."
        ));
    }
    let data = match gong {
        Some(Ok(data)) => data,
        Some(Err(err)) => {
            tracing::warn!(error = %err, "gong fetch for a briefing failed");
            notes.push(format!(
                "Transcripts could not be fetched from Gong ({err}); the calls table is from \
                 Salesforce only. Try again in a minute for the transcripts."
            ));
            CallData::default()
        }
        None => CallData::default(),
    };
    if let Some(err) = &data.metadata_error {
        notes.push(format!(
            "Gong call details could not all be fetched ({err}); attendee lists may be incomplete."
        ));
    }
    let failed: HashSet<&str> = data.failed_call_ids.iter().map(String::as_str).collect();

    let mut cleaned: HashMap<String, CleanTranscript> =
        clean_transcripts(&data.transcripts, &data.calls)
            .into_iter()
            .map(|t| (t.call_id.clone(), t))
            .collect();
    // Attendees of calls Gong has details for but no transcript: the same cleaning, no text.
    let untranscribed: Vec<CallTranscript> = rows
        .iter()
        .filter(|r| !cleaned.contains_key(&r.call_id))
        .map(|r| CallTranscript {
            call_id: r.call_id.clone(),
            transcript: Vec::new(),
        })
        .collect();
    let with_metadata: HashSet<&str> = data.calls.iter().map(|c| c.meta_data.id.as_str()).collect();
    let attendees_only: HashMap<String, Vec<Speaker>> =
        clean_transcripts(&untranscribed, &data.calls)
            .into_iter()
            .filter(|t| with_metadata.contains(t.call_id.as_str()))
            .map(|t| (t.call_id, t.speakers))
            .collect();

    let mut calls = Vec::with_capacity(rows.len());
    let mut transcripts = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for row in rows {
        if !seen.insert(row.call_id.as_str()) {
            continue;
        }
        let transcript = cleaned.remove(&row.call_id);
        let attendees = transcript
            .as_ref()
            .map(|t| t.speakers.clone())
            .or_else(|| attendees_only.get(&row.call_id).cloned())
            .unwrap_or_default();
        let call = BriefingCall {
            call_id: row.call_id.clone(),
            title: row
                .title
                .clone()
                .or_else(|| transcript.as_ref().and_then(|t| t.title.clone())),
            started: row
                .started
                .clone()
                .or_else(|| transcript.as_ref().and_then(|t| t.started.clone())),
            duration: row
                .duration
                .or_else(|| transcript.as_ref().and_then(|t| t.duration)),
            url: row
                .url
                .clone()
                .or_else(|| transcript.as_ref().and_then(|t| t.url.clone())),
            attendees,
            has_transcript: transcript.is_some(),
        };
        match transcript {
            Some(mut t) => {
                // Salesforce's title and date are what the calls table shows; cite the same.
                t.title = call.title.clone();
                t.started = call.started.clone();
                transcripts.push(t);
            }
            None if failed.contains(row.call_id.as_str()) => notes.push(format!(
                "Gong failed to return the transcript of {}; try again for it.",
                call_label(&call)
            )),
            None if !notes
                .iter()
                .any(|n| n.starts_with("Transcripts could not be fetched")) =>
            {
                notes.push(format!("Gong has no transcript for {}.", call_label(&call)));
            }
            None => {}
        }
        calls.push(call);
    }

    let cached: HashSet<&str> = data.cached_call_ids.iter().map(String::as_str).collect();
    let cached_call_ids = calls
        .iter()
        .filter(|c| cached.contains(c.call_id.as_str()))
        .map(|c| c.call_id.clone())
        .collect();
    CallParts {
        cached_call_ids,
        contacts: key_contacts(contacts, &calls),
        calls,
        transcripts,
        notes,
    }
}

/// Contacts ranked by how many of `calls` list them (by name, ignoring case), Salesforce's
/// order kept among equals; at most [`MAX_KEY_CONTACTS`].
pub fn key_contacts(contacts: &[ContactRecord], calls: &[BriefingCall]) -> Vec<ContactSummary> {
    let mut ranked: Vec<ContactSummary> = contacts
        .iter()
        .map(|c| ContactSummary {
            id: c.id.clone(),
            name: c.name.clone(),
            title: c.title.clone(),
            calls_attended: calls
                .iter()
                .filter(|call| {
                    call.attendees.iter().any(|a| {
                        a.name
                            .as_deref()
                            .is_some_and(|n| n.trim().eq_ignore_ascii_case(c.name.trim()))
                    })
                })
                .count(),
        })
        .collect();
    ranked.sort_by_key(|c| std::cmp::Reverse(c.calls_attended));
    ranked.truncate(MAX_KEY_CONTACTS);
    ranked
}

/// A clean transcript as a briefing carries it (attendees are in the calls table already).
pub fn briefing_transcript(t: CleanTranscript) -> BriefingTranscript {
    BriefingTranscript {
        call_id: t.call_id,
        title: t.title,
        started: t.started,
        content: t.content,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gong::wire::{CallMetaData, ExtensiveCall, Monologue, Party, Sentence};

    fn row(id: &str, title: &str) -> CallRow {
        CallRow {
            call_id: id.into(),
            record_id: format!("a0G{id}"),
            title: Some(title.into()),
            started: Some("2024-05-02T15:00:00Z".into()),
            duration: Some(1800),
            url: None,
        }
    }

    fn gong_call(id: &str, speaker: &str) -> ExtensiveCall {
        ExtensiveCall {
            meta_data: CallMetaData {
                id: id.into(),
                url: Some(format!("https://app.gong.io/call?id={id}")),
                ..Default::default()
            },
            parties: vec![Party {
                name: Some(speaker.into()),
                speaker_id: Some("s1".into()),
                affiliation: Some("External".into()),
                title: Some("VP Operations".into()),
                ..Default::default()
            }],
            content: None,
        }
    }

    fn transcript(id: &str) -> CallTranscript {
        CallTranscript {
            call_id: id.into(),
            transcript: vec![Monologue {
                speaker_id: Some("s1".into()),
                topic: None,
                sentences: vec![Sentence {
                    start: 0,
                    end: 1,
                    text: "Our budget is approved.".into(),
                }],
            }],
        }
    }

    fn contact(name: &str) -> ContactRecord {
        ContactRecord {
            id: format!("003{name}"),
            name: name.into(),
            title: None,
            email: None,
        }
    }

    #[test]
    fn calls_keep_salesforce_order_and_gain_attendees_and_transcripts() {
        let data = CallData {
            transcripts: vec![transcript("2"), transcript("1")],
            calls: vec![
                gong_call("1", "Dana Whitfield"),
                gong_call("2", "Lee Park"),
                gong_call("3", "Dana Whitfield"),
            ],
            ..Default::default()
        };
        let rows = [row("1", "Discovery"), row("2", "Demo"), row("3", "Pricing")];
        let parts = assemble(
            "Acme",
            &rows,
            Some(Ok(data)),
            &[
                contact("Lee Park"),
                contact("Dana Whitfield"),
                contact("Nobody"),
            ],
        );
        let ids: Vec<_> = parts.calls.iter().map(|c| c.call_id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3"]);
        let t: Vec<_> = parts
            .transcripts
            .iter()
            .map(|c| c.call_id.as_str())
            .collect();
        assert_eq!(t, ["1", "2"]);
        assert_eq!(parts.transcripts[0].title.as_deref(), Some("Discovery"));
        assert_eq!(
            parts.calls[0].url.as_deref(),
            Some("https://app.gong.io/call?id=1")
        );
        assert!(!parts.calls[2].has_transcript);
        assert_eq!(
            parts.calls[2].attendees[0].name.as_deref(),
            Some("Dana Whitfield")
        );
        assert_eq!(
            parts.notes,
            ["Gong has no transcript for \"Pricing\" (2024-05-02, call 3)."]
        );
        let ranked: Vec<_> = parts
            .contacts
            .iter()
            .map(|c| (c.name.as_str(), c.calls_attended))
            .collect();
        assert_eq!(
            ranked,
            [("Dana Whitfield", 2), ("Lee Park", 1), ("Nobody", 0)]
        );
    }

    #[test]
    fn no_calls_is_said_plainly() {
        let parts = assemble("Acme", &[], None, &[]);
        assert!(parts.calls.is_empty());
        assert!(parts.notes[0].starts_with("No Gong calls are recorded in Salesforce for Acme"));
    }

    #[test]
    fn a_gong_failure_keeps_the_calls_table_and_says_why() {
        let parts = assemble(
            "Acme",
            &[row("1", "Discovery")],
            Some(Err(GongError::Transport("connection refused".into()))),
            &[],
        );
        assert_eq!(parts.calls.len(), 1);
        assert_eq!(parts.notes.len(), 1, "{:?}", parts.notes);
        assert!(parts.notes[0].contains("could not be fetched from Gong"));
    }
}
