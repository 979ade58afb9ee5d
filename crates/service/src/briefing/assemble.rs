//! Putting a briefing together from what Salesforce and Gong returned, as pure functions.

use crate::ids::CallId;
use std::collections::{HashMap, HashSet};

use gong::wire::{CallTranscript, ExtensiveCall};
use gong::{CallData, GongError};
use transcript::budget::TurnMark;
use transcript::{clean_transcripts, clock, timed_content, CleanTranscript, Speaker, TurnSpan};

use crate::model::{
    BriefingCall, BriefingTranscript, CallIntelligence, CallRow, ContactSummary, Moment,
    Stakeholder, TalkShare, TopicSummary, TrackerSummary,
};
use crate::records::ContactRecord;
use crate::render::date_of;
use crate::stakeholders::{colleagues, stakeholders, ContactRoleRecord};

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
    /// Per call id, what each transcript turn is worth keeping when transcripts must be cut.
    pub marks: HashMap<String, Vec<TurnMark>>,
    /// Buying roles joined with who spoke on the calls.
    pub stakeholders: Vec<Stakeholder>,
    /// Our own people on the calls, for the meeting's invitees from the rep's side.
    pub colleagues: Vec<Stakeholder>,
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
/// ranks the contacts by attendance, maps the stakeholders (`roles`: the buying roles on the
/// open deals) and writes the notes.
pub fn assemble(
    account_name: &str,
    rows: &[CallRow],
    gong: Option<Result<CallData, GongError>>,
    contacts: &[ContactRecord],
    roles: &[ContactRoleRecord],
) -> CallParts {
    let mut notes = Vec::new();
    let data = gong_data(account_name, rows, gong, &mut notes);
    let failed: HashSet<&str> = data.failed_call_ids.iter().map(CallId::as_str).collect();
    let by_id: HashMap<&str, &ExtensiveCall> = data
        .calls
        .iter()
        .map(|c| (c.meta_data.id.as_str(), c))
        .collect();
    let (mut cleaned, marks) = timed_transcripts(&data, &by_id);
    let attendees_only = attendees_without_transcript(rows, &cleaned, &data);

    let mut calls = Vec::with_capacity(rows.len());
    let mut transcripts = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for row in rows {
        if !seen.insert(row.call_id.as_str()) {
            continue;
        }
        let transcript = cleaned.remove(&row.call_id);
        let call = briefing_call(row, transcript.as_ref(), &attendees_only, &by_id);
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

    let cached: HashSet<&str> = data.cached_call_ids.iter().map(CallId::as_str).collect();
    let cached_call_ids = calls
        .iter()
        .filter(|c| cached.contains(c.call_id.as_str()))
        .map(|c| c.call_id.clone())
        .collect();
    CallParts {
        cached_call_ids,
        contacts: key_contacts(contacts, &calls),
        stakeholders: stakeholders(roles, contacts, &calls, &data.calls),
        colleagues: colleagues(&calls, &data.calls),
        calls,
        transcripts,
        notes,
        marks,
    }
}

/// What Gong answered for the briefing's calls (nothing when it failed), with the notes a
/// reader needs about what is missing.
fn gong_data(
    account_name: &str,
    rows: &[CallRow],
    gong: Option<Result<CallData, GongError>>,
    notes: &mut Vec<String>,
) -> CallData {
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
    data
}

/// The cleaned transcripts by call id, each turn with its time in the call (briefings cite
/// turns by it), and what each turn is worth keeping when transcripts must be cut.
fn timed_transcripts(
    data: &CallData,
    by_id: &HashMap<&str, &ExtensiveCall>,
) -> (
    HashMap<String, CleanTranscript>,
    HashMap<String, Vec<TurnMark>>,
) {
    let mut cleaned: HashMap<String, CleanTranscript> =
        clean_transcripts(&data.transcripts, &data.calls)
            .into_iter()
            .map(|t| (t.call_id.clone(), t))
            .collect();
    let mut marks = HashMap::new();
    for t in &data.transcripts {
        let call = by_id.get(t.call_id.as_str()).copied();
        let parties = call.map_or(&[][..], |c| c.parties.as_slice());
        let (content, spans) = timed_content(&t.transcript, parties);
        if let Some(clean) = cleaned.get_mut(&t.call_id) {
            clean.content = content;
            marks.insert(t.call_id.clone(), turn_marks(&spans, call));
        }
    }
    (cleaned, marks)
}

/// Attendees of calls Gong has details for but no transcript: the same cleaning, no text.
fn attendees_without_transcript(
    rows: &[CallRow],
    cleaned: &HashMap<String, CleanTranscript>,
    data: &CallData,
) -> HashMap<String, Vec<Speaker>> {
    let untranscribed: Vec<CallTranscript> = rows
        .iter()
        .filter(|r| !cleaned.contains_key(&r.call_id))
        .map(|r| CallTranscript {
            call_id: r.call_id.clone(),
            transcript: Vec::new(),
        })
        .collect();
    let with_metadata: HashSet<&str> = data.calls.iter().map(|c| c.meta_data.id.as_str()).collect();
    clean_transcripts(&untranscribed, &data.calls)
        .into_iter()
        .filter(|t| with_metadata.contains(t.call_id.as_str()))
        .map(|t| (t.call_id, t.speakers))
        .collect()
}

/// One line of the calls table: Salesforce's fields first, Gong's where Salesforce has none.
fn briefing_call(
    row: &CallRow,
    transcript: Option<&CleanTranscript>,
    attendees_only: &HashMap<String, Vec<Speaker>>,
    by_id: &HashMap<&str, &ExtensiveCall>,
) -> BriefingCall {
    let attendees = transcript
        .map(|t| t.speakers.clone())
        .or_else(|| attendees_only.get(&row.call_id).cloned())
        .unwrap_or_default();
    BriefingCall {
        call_id: row.call_id.clone(),
        title: row
            .title
            .clone()
            .or_else(|| transcript.and_then(|t| t.title.clone())),
        started: row
            .started
            .clone()
            .or_else(|| transcript.and_then(|t| t.started.clone())),
        duration: row.duration.or_else(|| transcript.and_then(|t| t.duration)),
        url: row
            .url
            .clone()
            .or_else(|| transcript.and_then(|t| t.url.clone())),
        attendees,
        has_transcript: transcript.is_some(),
        intelligence: by_id
            .get(row.call_id.as_str())
            .and_then(|c| intelligence(c)),
    }
}

/// Who a speaker id names on `call`: its party's name and whether they are with the customer.
fn speaker_of<'c>(call: &'c ExtensiveCall, speaker_id: &str) -> (&'c str, bool) {
    call.parties
        .iter()
        .rev()
        .find(|p| p.speaker_id.as_deref() == Some(speaker_id))
        .map_or((transcript::UNKNOWN_SPEAKER, true), |p| {
            (
                p.name
                    .as_deref()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or(transcript::UNKNOWN_SPEAKER),
                p.affiliation.as_deref() != Some("Internal"),
            )
        })
}

/// How much of Gong's intelligence and the stakeholder map a briefing carries, from all of it
/// down to neither: the steps a briefing takes when its budget cannot hold everything but
/// the transcripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Everything.
    Full,
    /// No topics, talk times, other highlights or tracker times.
    Lean,
    /// Brief, outcome, next steps and tracker counts only.
    Core,
    /// No intelligence; the stakeholder map stays.
    Off,
    /// No intelligence and no stakeholder map.
    Bare,
}

impl Detail {
    /// From most to least.
    pub const ALL: [Detail; 5] = [
        Detail::Full,
        Detail::Lean,
        Detail::Core,
        Detail::Off,
        Detail::Bare,
    ];

    /// Whether any intelligence is left.
    pub fn keeps_intelligence(self) -> bool {
        matches!(self, Detail::Full | Detail::Lean | Detail::Core)
    }
}

/// `calls` with their intelligence cut down to `detail`.
pub fn trim_intelligence(calls: &[BriefingCall], detail: Detail) -> Vec<BriefingCall> {
    calls
        .iter()
        .cloned()
        .map(|mut call| {
            call.intelligence = match (detail, call.intelligence.take()) {
                (_, None) | (Detail::Off | Detail::Bare, _) => None,
                (Detail::Full, Some(i)) => Some(i),
                (Detail::Lean, Some(mut i)) => {
                    i.topics.clear();
                    i.talk_time.clear();
                    i.highlights.clear();
                    i.trackers.iter_mut().for_each(|t| t.at.clear());
                    Some(i)
                }
                (Detail::Core, Some(i)) => Some(CallIntelligence {
                    brief: i.brief,
                    outcome: i.outcome,
                    next_steps: i.next_steps,
                    trackers: i
                        .trackers
                        .into_iter()
                        .map(|t| TrackerSummary {
                            said_by: Vec::new(),
                            at: Vec::new(),
                            ..t
                        })
                        .collect(),
                    ..CallIntelligence::default()
                }),
            };
            call
        })
        .collect()
}

/// Gong's seconds as milliseconds (negative or not a number: the call's start).
fn millis(seconds: f64) -> u64 {
    if seconds.is_finite() && seconds > 0.0 {
        (seconds * 1000.0) as u64
    } else {
        0
    }
}

/// What each turn is worth when a transcript must be cut: a turn where Gong's trackers fired or
/// a highlight comes from is worth most, the turns around it next (the question before, the
/// answer after), and the customer's turns more than the seller's.
fn turn_marks(spans: &[TurnSpan], call: Option<&ExtensiveCall>) -> Vec<TurnMark> {
    let mut moments: Vec<u64> = Vec::new();
    if let Some(content) = call.and_then(|c| c.content.as_ref()) {
        for tracker in content.trackers.iter().flatten() {
            let from_phrases = tracker
                .phrases
                .iter()
                .flatten()
                .flat_map(|p| p.occurrences.iter().flatten());
            for o in tracker.occurrences.iter().flatten().chain(from_phrases) {
                moments.extend(o.start_time.map(millis));
            }
        }
        for section in content.highlights.iter().flatten() {
            for item in &section.items {
                moments.extend(item.start_times.iter().copied().map(millis));
            }
        }
    }
    let hit: Vec<bool> = spans
        .iter()
        .map(|s| {
            moments
                .iter()
                .any(|&m| m >= s.start_ms && m <= s.end_ms.saturating_add(500))
        })
        .collect();
    spans
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let near = (k > 0 && hit[k - 1]) || hit.get(k + 1).copied().unwrap_or(false);
            let customer = match (call, s.speaker_id.as_deref()) {
                (Some(c), Some(id)) => speaker_of(c, id).1,
                _ => true,
            };
            TurnMark {
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                weight: 4 * u32::from(hit[k]) + 2 * u32::from(near) + u32::from(customer),
            }
        })
        .collect()
}

/// Gong's intelligence of `call` as a briefing shows it; `None` when Gong sent none of it.
pub fn intelligence(call: &ExtensiveCall) -> Option<CallIntelligence> {
    let content = call.content.as_ref();
    let (next_steps, highlights) = moments(content);
    let found = CallIntelligence {
        brief: content
            .and_then(|c| c.brief.as_deref())
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_owned),
        key_points: content
            .and_then(|c| c.key_points.as_ref())
            .into_iter()
            .flatten()
            .map(|k| k.text.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect(),
        next_steps,
        highlights,
        outcome: content
            .and_then(|c| c.call_outcome.as_ref())
            .and_then(|o| o.name.as_deref().or(o.id.as_deref()))
            .map(str::to_owned),
        trackers: trackers(call),
        topics: topics(content),
        talk_time: talk_time(call),
    };
    (found != CallIntelligence::default()).then_some(found)
}

/// Gong's highlights, split into next steps and the rest, each with its time in the call.
fn moments(content: Option<&gong::wire::CallContent>) -> (Vec<Moment>, Vec<Moment>) {
    let at = |times: &[f64]| times.first().map(|&t| clock(millis(t)));
    let mut next_steps = Vec::new();
    let mut highlights = Vec::new();
    for section in content
        .and_then(|c| c.highlights.as_ref())
        .into_iter()
        .flatten()
    {
        let is_next = section
            .title
            .as_deref()
            .is_some_and(|t| t.to_lowercase().contains("next step"));
        for item in section.items.iter().filter(|i| !i.text.trim().is_empty()) {
            let moment = Moment {
                text: item.text.trim().to_owned(),
                at: at(&item.start_times),
            };
            if is_next {
                next_steps.push(moment);
            } else {
                highlights.push(moment);
            }
        }
    }
    (next_steps, highlights)
}

/// Gong's trackers that fired, with who said them and when (at most five moments each).
fn trackers(call: &ExtensiveCall) -> Vec<TrackerSummary> {
    let content = call.content.as_ref();
    content
        .and_then(|c| c.trackers.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let name = t.name.as_deref().filter(|n| !n.trim().is_empty())?;
            let mut occurrences: Vec<(u64, Option<&str>)> = t
                .occurrences
                .iter()
                .flatten()
                .map(|o| (o.start_time.map_or(0, millis), o.speaker_id.as_deref()))
                .collect();
            occurrences.sort_by_key(|o| o.0);
            let count = t.count.unwrap_or(occurrences.len() as i64);
            if count <= 0 {
                return None;
            }
            let mut said_by: Vec<String> = Vec::new();
            for (_, id) in &occurrences {
                if let Some(id) = id {
                    let name = speaker_of(call, id).0.to_owned();
                    if !said_by.contains(&name) {
                        said_by.push(name);
                    }
                }
            }
            Some(TrackerSummary {
                name: name.trim().to_owned(),
                count,
                said_by,
                at: {
                    // Several phrases in one sentence are one moment to cite.
                    let mut at: Vec<String> = occurrences.iter().map(|o| clock(o.0)).collect();
                    at.dedup();
                    at.truncate(5);
                    at
                },
            })
        })
        .collect()
}

/// The topics of at least half a minute, longest first.
fn topics(content: Option<&gong::wire::CallContent>) -> Vec<TopicSummary> {
    let mut topics: Vec<TopicSummary> = content
        .and_then(|c| c.topics.as_ref())
        .into_iter()
        .flatten()
        .filter(|t| t.duration >= 30.0 && !t.name.trim().is_empty())
        .map(|t| TopicSummary {
            name: t.name.trim().to_owned(),
            minutes: ((t.duration / 60.0).round() as i64).max(1),
        })
        .collect();
    topics.sort_by_key(|t| std::cmp::Reverse(t.minutes));
    topics
}

/// Each speaker's share of the talk, largest first.
fn talk_time(call: &ExtensiveCall) -> Vec<TalkShare> {
    let talk: Vec<(&str, bool, f64)> = call
        .interaction
        .as_ref()
        .and_then(|i| i.speakers.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let time = s.talk_time.filter(|t| t.is_finite() && *t > 0.0)?;
            let (name, customer) =
                s.id.as_deref()
                    .map_or((transcript::UNKNOWN_SPEAKER, true), |id| {
                        speaker_of(call, id)
                    });
            Some((name, customer, time))
        })
        .collect();
    let total: f64 = talk.iter().map(|t| t.2).sum();
    let mut talk_time: Vec<TalkShare> = talk
        .iter()
        .map(|(name, customer, time)| TalkShare {
            name: (*name).to_owned(),
            customer: *customer,
            percent: (time * 100.0 / total).round() as u32,
        })
        .collect();
    talk_time.sort_by_key(|t| std::cmp::Reverse(t.percent));
    talk_time
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
            interaction: None,
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
            &[],
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
    fn gongs_intelligence_is_read_and_what_gong_left_out_is_absent() {
        use gong::wire::{CallContent, Occurrence, Tracker};
        let plain = gong_call("1", "Dana Whitfield");
        assert_eq!(intelligence(&plain), None);
        let mut call = gong_call("1", "Dana Whitfield");
        let at = |secs: f64| Occurrence {
            start_time: Some(secs),
            speaker_id: Some("s1".into()),
        };
        call.content = Some(CallContent {
            brief: Some("  Budget approved. ".into()),
            trackers: Some(vec![
                Tracker {
                    name: Some("Competitors".into()),
                    count: Some(3),
                    occurrences: Some(vec![at(754.2), at(61.0), at(61.5)]),
                    ..Default::default()
                },
                Tracker {
                    name: Some("Legal".into()),
                    count: Some(0),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        });
        let intel = intelligence(&call).unwrap();
        assert_eq!(intel.brief.as_deref(), Some("Budget approved."));
        assert_eq!(
            intel.trackers.len(),
            1,
            "trackers that did not fire are left out"
        );
        let competitors = &intel.trackers[0];
        assert_eq!(competitors.count, 3);
        assert_eq!(competitors.said_by, ["Dana Whitfield"]);
        assert_eq!(competitors.at, ["01:01", "12:34"]);
        assert!(intel.key_points.is_empty() && intel.outcome.is_none());
    }

    #[test]
    fn no_calls_is_said_plainly() {
        let parts = assemble("Acme", &[], None, &[], &[]);
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
            &[],
        );
        assert_eq!(parts.calls.len(), 1);
        assert_eq!(parts.notes.len(), 1, "{:?}", parts.notes);
        assert!(parts.notes[0].contains("could not be fetched from Gong"));
    }
}
