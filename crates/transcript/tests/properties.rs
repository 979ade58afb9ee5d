//! Properties of the transcript formatter over generated Gong payloads.

use gong_wire::{CallMetaData, CallTranscript, ExtensiveCall, Monologue, Party, Sentence};
use proptest::prelude::*;
use transcript::{clean_transcripts, UNKNOWN_SPEAKER};

/// Sentence text without blank lines (may be empty, may hold single newlines elsewhere only via
/// names, which never contain them).
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,.?!$%'éü-]{0,40}"
}

fn monologue(speakers: u8) -> impl Strategy<Value = Monologue> {
    (
        proptest::option::weighted(0.95, 0..speakers),
        proptest::collection::vec(text(), 0..5),
    )
        .prop_map(|(speaker, texts)| Monologue {
            speaker_id: speaker.map(|s| format!("sp{s}")),
            topic: None,
            sentences: texts
                .into_iter()
                .map(|text| Sentence {
                    start: 0,
                    end: 0,
                    text,
                })
                .collect(),
        })
}

/// A party for speaker `sp<index>`: named (with a per-call prefix so names are traceable to
/// their call), unnamed, or blank-named.
fn party(call: usize, index: u8) -> impl Strategy<Value = Party> {
    prop_oneof![
        6 => "[A-Z][a-z]{1,8}".prop_map(move |n| Some(format!("C{call}-{n}"))),
        1 => Just(None),
        1 => Just(Some(String::new())),
    ]
    .prop_map(move |name| Party {
        speaker_id: Some(format!("sp{index}")),
        name,
        ..Party::default()
    })
}

/// One call: a transcript over speakers `sp0..sp5`, parties for some of them (so some monologues
/// have no party), and whether Gong sent the metadata at all.
fn call(index: usize) -> impl Strategy<Value = (CallTranscript, Option<ExtensiveCall>)> {
    let parties = proptest::collection::vec(any::<bool>(), 6).prop_flat_map(move |present| {
        present
            .into_iter()
            .enumerate()
            .filter(|(_, p)| *p)
            .map(|(i, _)| party(index, i as u8))
            .collect::<Vec<_>>()
    });
    (
        proptest::collection::vec(monologue(6), 0..12),
        parties,
        proptest::bool::weighted(0.85),
    )
        .prop_map(move |(transcript, parties, has_meta)| {
            let id = format!("{}", 1_000 + index);
            let meta = has_meta.then(|| ExtensiveCall {
                meta_data: CallMetaData {
                    id: id.clone(),
                    title: Some(format!("Call {index}")),
                    ..CallMetaData::default()
                },
                parties,
                content: None,
                interaction: None,
            });
            (
                CallTranscript {
                    call_id: id,
                    transcript,
                },
                meta,
            )
        })
}

fn calls() -> impl Strategy<Value = (Vec<CallTranscript>, Vec<ExtensiveCall>)> {
    (1usize..5)
        .prop_flat_map(|n| (0..n).map(call).collect::<Vec<_>>())
        .prop_shuffle()
        .prop_map(|calls| {
            let (transcripts, metas): (Vec<_>, Vec<_>) = calls.into_iter().unzip();
            (transcripts, metas.into_iter().flatten().collect())
        })
}

/// The name the original middleware would print for `speaker` in `call`.
fn expected_label<'a>(call: Option<&'a ExtensiveCall>, speaker: Option<&str>) -> &'a str {
    let Some(speaker) = speaker else {
        return UNKNOWN_SPEAKER;
    };
    call.and_then(|c| {
        c.parties
            .iter()
            .rev()
            .find(|p| p.speaker_id.as_deref() == Some(speaker))
    })
    .and_then(|p| p.name.as_deref())
    .filter(|n| !n.is_empty())
    .unwrap_or(UNKNOWN_SPEAKER)
}

proptest! {
    #[test]
    fn content_is_one_paragraph_per_monologue((transcripts, metas) in calls()) {
        let cleaned = clean_transcripts(&transcripts, &metas);
        prop_assert_eq!(cleaned.len(), transcripts.len());
        for (out, input) in cleaned.iter().zip(&transcripts) {
            // Output order is input order.
            prop_assert_eq!(&out.call_id, &input.call_id);
            let meta = metas.iter().find(|m| m.meta_data.id == input.call_id);
            // The concatenation of one paragraph per monologue, built independently here.
            let expected: String = input
                .transcript
                .iter()
                .map(|m| {
                    let texts: Vec<&str> = m.sentences.iter().map(|s| s.text.as_str()).collect();
                    format!("{}: {}\n\n", expected_label(meta, m.speaker_id.as_deref()), texts.join(" "))
                })
                .collect();
            prop_assert_eq!(&out.content, &expected);
            // No "\n\n" inside texts or names: the paragraphs are exactly the monologues.
            let paragraphs: Vec<&str> = out.content.split_terminator("\n\n").collect();
            prop_assert_eq!(paragraphs.len(), input.transcript.len());
            prop_assert!(out.content.is_empty() || out.content.ends_with("\n\n"));
            prop_assert_eq!(out.content.matches("\n\n").count(), input.transcript.len());
            prop_assert_eq!(out.title.is_some(), meta.is_some());
        }
    }

    #[test]
    fn names_never_leak_across_calls((transcripts, metas) in calls()) {
        let cleaned = clean_transcripts(&transcripts, &metas);
        for (i, out) in cleaned.iter().enumerate() {
            let own = format!("C{}-", transcripts[i].call_id.parse::<usize>().unwrap() - 1_000);
            for paragraph in out.content.split_terminator("\n\n") {
                let label = paragraph.split(": ").next().unwrap_or_default();
                prop_assert!(
                    label == UNKNOWN_SPEAKER || label.starts_with(&own),
                    "call {} printed {:?}", out.call_id, label
                );
            }
            for speaker in &out.speakers {
                if let Some(name) = &speaker.name {
                    prop_assert!(name.starts_with(&own));
                }
            }
        }
    }

    #[test]
    fn speakers_without_a_named_party_are_unknown((transcripts, metas) in calls()) {
        let cleaned = clean_transcripts(&transcripts, &metas);
        for (out, input) in cleaned.iter().zip(&transcripts) {
            let meta = metas.iter().find(|m| m.meta_data.id == input.call_id);
            for (paragraph, monologue) in out.content.split_terminator("\n\n").zip(&input.transcript) {
                let named = meta
                    .and_then(|c| c.parties.iter().rev().find(|p| p.speaker_id == monologue.speaker_id && monologue.speaker_id.is_some()))
                    .and_then(|p| p.name.as_deref())
                    .is_some_and(|n| !n.is_empty());
                let unknown_prefix = format!("{UNKNOWN_SPEAKER}: ");
                prop_assert_eq!(paragraph.starts_with(&unknown_prefix), !named);
            }
        }
    }

    #[test]
    fn content_never_reallocates((transcripts, metas) in calls()) {
        for out in clean_transcripts(&transcripts, &metas) {
            prop_assert_eq!(out.content.capacity(), out.content.len());
        }
    }
}
