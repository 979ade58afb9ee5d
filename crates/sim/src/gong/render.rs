//! Pure conversion of sample-org records into Gong's wire shapes.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::json;

use super::wire::{
    CallBasicData, CallContext, CallData, CallOutcome, CallTranscript, Content, ContentSelector,
    ContextField, ContextLevel, ContextObject, ContextTiming, HighlightsItem, HighlightsSection,
    InteractionMeasures, KeyPoint, Media, Monologue, Occurrence, Party, Sentence, SpokenLanguage,
    Topic, Tracker, TrackerPhrase, UserMetadata, UserSettings, UserSpeaker,
};
use super::WORKSPACE_ID;
use crate::org::intelligence;
use crate::org::{Call, SampleOrg, User};

/// Gong's date-time form (`2024-05-01T15:00:00Z`).
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `CallBasicData` of a call; `primaryUserId` is the host's Gong user id.
pub fn basic(call: &Call, org: &SampleOrg) -> CallBasicData {
    CallBasicData {
        id: call.gong_id.clone(),
        url: call.url.clone(),
        title: call.title.clone(),
        scheduled: time(call.scheduled),
        started: time(call.started),
        duration: u64::from(call.duration),
        primary_user_id: org
            .user(&call.primary_user_id)
            .map(|u| u.gong_id.clone())
            .unwrap_or_default(),
        direction: call.direction.clone(),
        system: call.system.clone(),
        scope: call.scope.clone(),
        media: "Video".into(),
        language: call.language.clone(),
        workspace_id: WORKSPACE_ID.into(),
        purpose: call.purpose.clone(),
        meeting_url: call.meeting_url.clone(),
        is_private: call.is_private,
        calendar_event_id: format!(
            "evt{}",
            &call.gong_id[call.gong_id.len().saturating_sub(8)..]
        ),
    }
}

/// A call's transcript.
pub fn transcript(call: &Call) -> CallTranscript {
    CallTranscript {
        call_id: call.gong_id.clone(),
        transcript: call
            .monologues
            .iter()
            .map(|m| Monologue {
                speaker_id: m.speaker_id.clone(),
                topic: m.topic.clone(),
                sentences: m
                    .sentences
                    .iter()
                    .map(|s| Sentence {
                        start: s.start,
                        end: s.end,
                        text: s.text.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn field(name: &str, value: serde_json::Value) -> ContextField {
    ContextField {
        name: name.into(),
        value,
    }
}

fn object(
    kind: &str,
    id: &str,
    fields: Vec<ContextField>,
    level: ContextLevel,
    timing: &str,
) -> ContextObject {
    ContextObject {
        object_type: kind.into(),
        object_id: id.into(),
        fields: (level == ContextLevel::Extended).then_some(fields),
        timing: timing.into(),
    }
}

fn timing_of(selector: &ContentSelector) -> &'static str {
    match selector.context_timing.as_ref().and_then(|t| t.first()) {
        Some(ContextTiming::TimeOfCall) => "TimeOfCall",
        _ => "Now",
    }
}

/// The call's Salesforce context: its account and opportunity (`Basic`: ids only;
/// `Extended`: with fields).
fn call_context(
    call: &Call,
    org: &SampleOrg,
    level: ContextLevel,
    timing: &str,
) -> Vec<CallContext> {
    let mut objects = Vec::new();
    if let Some(a) = org.account(&call.account_id) {
        objects.push(object(
            "Account",
            &a.id,
            vec![
                field("Name", json!(a.name)),
                field("Industry", json!(a.industry)),
                field("Website", json!(a.website)),
                field("NumberOfEmployees", json!(a.number_of_employees)),
                field("OwnerId", json!(a.owner_id)),
            ],
            level,
            timing,
        ));
    }
    if let Some(o) = call
        .opportunity_id
        .as_deref()
        .and_then(|id| org.opportunity(id))
    {
        objects.push(object(
            "Opportunity",
            &o.id,
            vec![
                field("Name", json!(o.name)),
                field("StageName", json!(o.stage)),
                field("Amount", json!(o.amount)),
                field("CloseDate", json!(o.close_date.to_string())),
                field("Probability", json!(o.probability)),
                field("IsClosed", json!(o.is_closed)),
                field("IsWon", json!(o.is_won)),
            ],
            level,
            timing,
        ));
    }
    vec![CallContext {
        system: "Salesforce".into(),
        objects,
    }]
}

fn party(p: &crate::org::Party, org: &SampleOrg, level: ContextLevel, timing: &str) -> Party {
    let context = if level == ContextLevel::None {
        None
    } else if let Some(contact) = p.contact_id.as_deref().and_then(|id| org.contact(id)) {
        let fields = vec![
            field("Name", json!(contact.name())),
            field("Title", json!(contact.title)),
            field("AccountId", json!(contact.account_id)),
        ];
        Some(vec![CallContext {
            system: "Salesforce".into(),
            objects: vec![object("Contact", &contact.id, fields, level, timing)],
        }])
    } else if let Some(user) = p.user_id.as_deref().and_then(|id| org.user_by_gong_id(id)) {
        let fields = vec![
            field("Name", json!(user.name())),
            field("Title", json!(user.title)),
        ];
        Some(vec![CallContext {
            system: "Salesforce".into(),
            objects: vec![object("User", &user.id, fields, level, timing)],
        }])
    } else {
        None
    };
    Party {
        id: p.id.clone(),
        email_address: p.email.clone(),
        name: p.name.clone(),
        title: p.title.clone(),
        user_id: p.user_id.clone(),
        speaker_id: p.speaker_id.clone(),
        context,
        affiliation: p.affiliation.as_str().into(),
        methods: if p.name.is_some() {
            vec!["Invitee".into(), "Attendee".into()]
        } else {
            vec!["Attendee".into()]
        },
    }
}

/// `CallData` of a call with what the content selector asks for: `metaData` always;
/// `context` for `Basic`/`Extended`; `parties`, `media`, content parts (brief, keyPoints,
/// topics, highlights, callOutcome, trackers) and `interaction.speakers` when exposed.
pub fn extensive(call: &Call, org: &SampleOrg, selector: &ContentSelector) -> CallData {
    let level = selector.context;
    let timing = timing_of(selector);
    let exposed = &selector.exposed_fields;
    let c = &exposed.content;
    let asked = c.brief || c.key_points || c.topics || c.highlights || c.call_outcome || c.trackers;
    let content = asked.then(|| Content {
        topics: c.topics.then(|| {
            call.topics
                .iter()
                .map(|(name, duration)| Topic {
                    name: name.clone(),
                    duration: *duration,
                })
                .collect()
        }),
        brief: c.brief.then(|| call.brief.clone()),
        key_points: c.key_points.then(|| {
            call.key_points
                .iter()
                .map(|k| KeyPoint { text: k.clone() })
                .collect()
        }),
        highlights: c.highlights.then(|| highlights(call)),
        call_outcome: c.call_outcome.then(|| outcome(call)).flatten(),
        trackers: c.trackers.then(|| trackers(call, c.tracker_occurrences)),
    });
    let interaction = exposed.interaction.speakers.then(|| InteractionMeasures {
        speakers: intelligence::talk_times(call)
            .into_iter()
            .map(|(id, talk_time)| UserSpeaker {
                user_id: call
                    .parties
                    .iter()
                    .find(|p| p.speaker_id.as_deref() == Some(id.as_str()))
                    .and_then(|p| p.user_id.clone()),
                id,
                talk_time,
            })
            .collect(),
    });
    CallData {
        meta_data: basic(call, org),
        context: (level != ContextLevel::None).then(|| call_context(call, org, level, timing)),
        parties: exposed.parties.then(|| {
            call.parties
                .iter()
                .map(|p| party(p, org, level, timing))
                .collect()
        }),
        content,
        interaction,
        media: exposed.media.then(|| Media {
            audio_url: format!("https://media.gong.example/{}/audio.mp3", call.gong_id),
            video_url: format!("https://media.gong.example/{}/video.mp4", call.gong_id),
        }),
    }
}

/// Seconds, as Gong gives moments of a call.
fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// The call's highlights: its next steps, when it agreed any.
fn highlights(call: &Call) -> Vec<HighlightsSection> {
    let steps = intelligence::next_steps(call);
    if steps.is_empty() {
        return Vec::new();
    }
    vec![HighlightsSection {
        title: "Next steps".into(),
        items: steps
            .into_iter()
            .map(|h| HighlightsItem {
                text: h.text,
                start_times: vec![seconds(h.start_ms)],
            })
            .collect(),
    }]
}

/// Gong AI's outcome: a meeting booked when the call agreed next steps; none otherwise (Gong
/// leaves the field out when it has no outcome).
fn outcome(call: &Call) -> Option<CallOutcome> {
    (!intelligence::next_steps(call).is_empty()).then(|| CallOutcome {
        id: "MEETING_BOOKED".into(),
        category: "Answered".into(),
        name: "Meeting booked".into(),
    })
}

/// The keyword trackers that fired, occurrences included when asked for.
fn trackers(call: &Call, with_occurrences: bool) -> Vec<Tracker> {
    let occurrences = |list: &[intelligence::Occurrence]| {
        with_occurrences.then(|| {
            list.iter()
                .map(|o| Occurrence {
                    start_time: seconds(o.start_ms),
                    speaker_id: o.speaker_id.clone(),
                })
                .collect()
        })
    };
    intelligence::trackers(call)
        .into_iter()
        .map(|t| Tracker {
            count: u32::try_from(t.count()).unwrap_or(u32::MAX),
            occurrences: occurrences(&t.occurrences()),
            phrases: t
                .phrases
                .iter()
                .map(|p| TrackerPhrase {
                    count: u32::try_from(p.occurrences.len()).unwrap_or(u32::MAX),
                    occurrences: occurrences(&p.occurrences),
                    phrase: p.phrase.clone(),
                })
                .collect(),
            id: t.id,
            name: t.name.into(),
            kind: "KEYWORD".into(),
        })
        .collect()
}

/// `UserMetadata` of a user with a Gong seat.
pub fn user(u: &User, org: &SampleOrg) -> UserMetadata {
    UserMetadata {
        id: u.gong_id.clone(),
        email_address: u.email.clone(),
        created: time(org.anchor - Duration::days(400)),
        active: true,
        email_aliases: Vec::new(),
        trusted_email_address: u.email.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        title: u.title.clone(),
        personal_meeting_urls: vec![format!(
            "https://zoom.us/my/{}",
            u.first_name.to_lowercase()
        )],
        settings: UserSettings {
            web_conferences_recorded: true,
            prevent_web_conference_recording: false,
            telephony_calls_imported: false,
            emails_imported: true,
            prevent_email_import: false,
            non_recorded_meetings_imported: true,
            gong_connect_enabled: true,
        },
        manager_id: u
            .manager_id
            .as_deref()
            .and_then(|id| org.user(id))
            .map(|m| m.gong_id.clone()),
        spoken_languages: vec![SpokenLanguage {
            language: "en-US".into(),
            primary: true,
        }],
    }
}
