//! The original middleware's `content` format, checked against hand-written expected output.

use std::collections::HashMap;

use gong_wire::{CallTranscript, ExtensiveCall, ExtensiveResponse, TranscriptResponse};
use serde_json::json;
use transcript::{
    clean_transcripts, middleware_content, speaker_names, CleanTranscript, UNKNOWN_SPEAKER,
};

fn transcripts(value: serde_json::Value) -> Vec<CallTranscript> {
    serde_json::from_value::<TranscriptResponse>(value)
        .unwrap()
        .call_transcripts
}

fn calls(value: serde_json::Value) -> Vec<ExtensiveCall> {
    serde_json::from_value::<ExtensiveResponse>(value)
        .unwrap()
        .calls
}

/// A call with every awkward case the original middleware met: a party without a name, a party
/// with an empty name, a speaker missing from the parties, a silent invitee, a null topic and a
/// monologue without sentences.
fn awkward_call() -> (Vec<CallTranscript>, Vec<ExtensiveCall>) {
    let t = transcripts(json!({
        "requestId": "r1",
        "records": {"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0},
        "callTranscripts": [{
            "callId": "7782342274025937895",
            "transcript": [
                {"speakerId": "111", "topic": null, "sentences": [
                    {"start": 0, "end": 1200, "text": "Thanks for joining."},
                    {"start": 1200, "end": 2500, "text": "Shall we start with the budget?"}
                ]},
                {"speakerId": "222", "topic": "Pricing", "sentences": [
                    {"start": 2600, "end": 4100, "text": "Sure, we have $250k approved for Q3."}
                ]},
                {"speakerId": "333", "topic": null, "sentences": [
                    {"start": 4200, "end": 4800, "text": "I can add some context."}
                ]},
                {"speakerId": "999", "sentences": [
                    {"start": 4900, "end": 5000, "text": "Hello?"}
                ]},
                {"speakerId": "444", "topic": null, "sentences": []},
                {"speakerId": "222", "topic": null, "sentences": [
                    {"start": 6000, "end": 6500, "text": "Our CFO  signs off."},
                    {"start": 6500, "end": 7000, "text": ""},
                    {"start": 7000, "end": 7500, "text": "Then legal."}
                ]}
            ]
        }]
    }));
    let c = calls(json!({
        "requestId": "r2",
        "records": {"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0},
        "calls": [{
            "metaData": {
                "id": "7782342274025937895",
                "url": "https://app.gong.io/call?id=7782342274025937895",
                "title": "Acme | Discovery",
                "started": "2024-05-02T15:00:00-07:00",
                "duration": 2712,
                "direction": "Conference"
            },
            "parties": [
                {"id": "p1", "speakerId": "111", "name": "Rita Rep", "title": "Account Executive",
                 "emailAddress": "rita@callbrief.test", "affiliation": "Internal"},
                {"id": "p2", "speakerId": "222", "name": "Carl Buyer", "title": "VP Finance",
                 "emailAddress": "Carl@ACME.com", "affiliation": "External"},
                {"id": "p3", "speakerId": "333", "emailAddress": "anon@acme.com", "affiliation": "External"},
                {"id": "p4", "speakerId": "444", "name": ""},
                {"id": "p5", "name": "Silent Invitee", "emailAddress": "silent@acme.com"}
            ]
        }]
    }));
    (t, c)
}

const AWKWARD_CONTENT: &str = "Rita Rep: Thanks for joining. Shall we start with the budget?\n\n\
Carl Buyer: Sure, we have $250k approved for Q3.\n\n\
Unknown Speaker: I can add some context.\n\n\
Unknown Speaker: Hello?\n\n\
Unknown Speaker: \n\n\
Carl Buyer: Our CFO  signs off.  Then legal.\n\n";

#[test]
fn content_is_byte_for_byte_the_middleware_format() {
    let (t, c) = awkward_call();
    let cleaned = clean_transcripts(&t, &c);
    assert_eq!(cleaned.len(), 1);
    assert_eq!(cleaned[0].content, AWKWARD_CONTENT);
}

#[test]
fn metadata_and_speakers_come_from_the_same_call() {
    let (t, c) = awkward_call();
    let cleaned = &clean_transcripts(&t, &c)[0];
    assert_eq!(cleaned.call_id, "7782342274025937895");
    assert_eq!(cleaned.title.as_deref(), Some("Acme | Discovery"));
    assert_eq!(
        cleaned.started.as_deref(),
        Some("2024-05-02T15:00:00-07:00")
    );
    assert_eq!(cleaned.duration, Some(2712));
    assert_eq!(
        cleaned.url.as_deref(),
        Some("https://app.gong.io/call?id=7782342274025937895")
    );
    let value = serde_json::to_value(&cleaned.speakers).unwrap();
    assert_eq!(
        value,
        json!([
            {"name": "Rita Rep", "title": "Account Executive", "affiliation": "Internal", "emailDomain": "callbrief.test"},
            {"name": "Carl Buyer", "title": "VP Finance", "affiliation": "External", "emailDomain": "acme.com"},
            {"name": null, "title": null, "affiliation": "External", "emailDomain": "acme.com"},
            {"name": null, "title": null, "affiliation": "Unknown", "emailDomain": null},
            {"name": "Silent Invitee", "title": null, "affiliation": "Unknown", "emailDomain": "acme.com"}
        ])
    );
}

#[test]
fn serialized_item_has_the_middleware_fields_plus_speakers() {
    let (t, c) = awkward_call();
    let value = serde_json::to_value(&clean_transcripts(&t, &c)[0]).unwrap();
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["callId", "content", "duration", "speakers", "started", "title", "url"]
    );
    assert_eq!(value["content"], AWKWARD_CONTENT);
}

#[test]
fn a_call_without_metadata_keeps_its_transcript_with_null_fields() {
    let (t, _) = awkward_call();
    let cleaned = clean_transcripts(&t, &[]);
    let CleanTranscript {
        title,
        started,
        duration,
        url,
        content,
        speakers,
        ..
    } = &cleaned[0];
    assert_eq!(
        (title, started, duration, url),
        (&None, &None, &None, &None)
    );
    assert!(speakers.is_empty());
    assert_eq!(
        content,
        "Unknown Speaker: Thanks for joining. Shall we start with the budget?\n\n\
Unknown Speaker: Sure, we have $250k approved for Q3.\n\n\
Unknown Speaker: I can add some context.\n\n\
Unknown Speaker: Hello?\n\n\
Unknown Speaker: \n\n\
Unknown Speaker: Our CFO  signs off.  Then legal.\n\n"
    );
}

#[test]
fn order_follows_the_transcripts_not_the_metadata() {
    let t = transcripts(json!({"callTranscripts": [
        {"callId": "2", "transcript": [{"speakerId": "a", "sentences": [{"text": "two"}]}]},
        {"callId": "1", "transcript": [{"speakerId": "a", "sentences": [{"text": "one"}]}]},
        {"callId": "3", "transcript": []}
    ]}));
    let c = calls(json!({"calls": [
        {"metaData": {"id": "1", "title": "One"}, "parties": [{"speakerId": "a", "name": "Ann"}]},
        {"metaData": {"id": "2", "title": "Two"}, "parties": [{"speakerId": "a", "name": "Bob"}]}
    ]}));
    let cleaned = clean_transcripts(&t, &c);
    let summary: Vec<(&str, Option<&str>, &str)> = cleaned
        .iter()
        .map(|c| (c.call_id.as_str(), c.title.as_deref(), c.content.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("2", Some("Two"), "Bob: two\n\n"),
            ("1", Some("One"), "Ann: one\n\n"),
            ("3", None, "")
        ]
    );
}

#[test]
fn later_party_with_the_same_speaker_id_wins_as_in_the_middleware() {
    let c = calls(json!({"calls": [{"metaData": {"id": "1"}, "parties": [
        {"speakerId": "s", "name": "First"},
        {"speakerId": "s", "name": "Second"},
        {"speakerId": "u", "name": "Named"},
        {"speakerId": "u"}
    ]}]}));
    let names = speaker_names(&c[0].parties);
    assert_eq!(names.get("s").map(String::as_str), Some("Second"));
    assert_eq!(names.get("u").map(String::as_str), Some(""));
    let t = transcripts(json!({"callTranscripts": [{"callId": "1", "transcript": [
        {"speakerId": "s", "sentences": [{"text": "a"}]},
        {"speakerId": "u", "sentences": [{"text": "b"}]},
        {"sentences": [{"text": "c"}]}
    ]}]}));
    assert_eq!(
        clean_transcripts(&t, &c)[0].content,
        "Second: a\n\nUnknown Speaker: b\n\nUnknown Speaker: c\n\n"
    );
}

#[test]
fn middleware_content_is_usable_on_its_own() {
    let (t, c) = awkward_call();
    let names: HashMap<String, String> = speaker_names(&c[0].parties);
    assert_eq!(
        middleware_content(&t[0].transcript, &names),
        AWKWARD_CONTENT
    );
    assert_eq!(middleware_content(&[], &names), "");
    assert!(middleware_content(&t[0].transcript, &HashMap::new())
        .lines()
        .filter(|l| !l.is_empty())
        .all(|l| l.starts_with(UNKNOWN_SPEAKER)));
}

#[test]
fn content_is_sized_exactly() {
    let (t, c) = awkward_call();
    let cleaned = clean_transcripts(&t, &c);
    let content = &cleaned[0].content;
    assert_eq!(content.capacity(), content.len());
}
