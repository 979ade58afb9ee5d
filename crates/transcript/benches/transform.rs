//! The transform on a realistic load: 10 calls of 60 minutes each, as one `/callTranscripts`
//! request for a busy account would bring back.
//!
//! Synthetic but shaped like real speech: ~150 words a minute, sentences of 5–20 words,
//! monologues of 1–5 sentences (3 on average), 4 speakers per call of whom one is missing from
//! the parties. Measures `clean_transcripts` and, for the same data, decoding Gong's transcript
//! payload (the other per-request cost on the way from Gong to the assistant), and fitting the
//! five longest calls of a request into ChatGPT's 100,000-character response limit.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use gong_wire::{
    CallMetaData, CallTranscript, ExtensiveCall, Monologue, Party, Records, Sentence,
    TranscriptResponse,
};
use transcript::budget::{self, Measure};

const CALLS: usize = 10;
const MINUTES: usize = 60;
const WORDS_PER_MINUTE: usize = 150;
/// Calls per `/callTranscripts` request in the fit bench (the load bench's five one-hour calls).
const FIT_CALLS: usize = 5;
/// ChatGPT's limit on an action's response, in characters.
const FIT_BUDGET: usize = 100_000;

const WORDS: &[&str] = &[
    "budget",
    "approval",
    "the",
    "we",
    "need",
    "to",
    "review",
    "pricing",
    "with",
    "our",
    "CFO",
    "before",
    "quarter",
    "end",
    "integration",
    "timeline",
    "security",
    "review",
    "is",
    "a",
    "blocker",
    "for",
    "legal",
    "and",
    "procurement",
    "can",
    "you",
    "send",
    "the",
    "proposal",
    "champion",
    "metrics",
    "reduce",
    "churn",
    "by",
    "twenty",
    "percent",
    "onboarding",
    "competitor",
    "evaluation",
    "next",
    "steps",
    "pilot",
    "success",
    "criteria",
    "decision",
    "process",
    "paper",
    "contract",
    "renewal",
];

/// A small deterministic generator (xorshift), so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut text = String::new();
    for i in 0..words {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(WORDS[rng.next(WORDS.len())]);
    }
    text.push('.');
    text
}

fn data() -> (Vec<CallTranscript>, Vec<ExtensiveCall>) {
    let mut rng = Rng(0x5eed_cafe_f00d_beef);
    let mut transcripts = Vec::with_capacity(CALLS);
    let mut calls = Vec::with_capacity(CALLS);
    for c in 0..CALLS {
        let id = format!("77823422740259{c:05}");
        let mut words_left = MINUTES * WORDS_PER_MINUTE;
        let mut ms = 0i64;
        let mut monologues = Vec::new();
        while words_left > 0 {
            let speaker = rng.next(4);
            let mut sentences = Vec::new();
            for _ in 0..1 + rng.next(5) {
                let words = (5 + rng.next(16)).min(words_left.max(1));
                words_left = words_left.saturating_sub(words);
                let length = (words as i64) * 400;
                sentences.push(Sentence {
                    start: ms,
                    end: ms + length,
                    text: sentence(&mut rng, words),
                });
                ms += length;
            }
            monologues.push(Monologue {
                speaker_id: Some(format!("{c}{speaker:03}")),
                topic: (rng.next(4) == 0).then(|| "Pricing".to_owned()),
                sentences,
            });
        }
        transcripts.push(CallTranscript {
            call_id: id.clone(),
            transcript: monologues,
        });
        // Speaker 3 has no party: the "Unknown Speaker" path is exercised too.
        let parties = (0..3)
            .map(|s| Party {
                id: Some(format!("p{s}")),
                speaker_id: Some(format!("{c}{s:03}")),
                name: Some(format!("Person {s} of call {c}")),
                title: Some("VP Operations".into()),
                email_address: Some(format!("person{s}@acme{c}.com")),
                affiliation: Some(if s == 0 { "Internal" } else { "External" }.into()),
                user_id: None,
            })
            .collect();
        calls.push(ExtensiveCall {
            meta_data: CallMetaData {
                id,
                url: Some(format!("https://app.gong.io/call?id={c}")),
                title: Some(format!("Acme {c} | Weekly sync")),
                started: Some("2024-05-02T15:00:00Z".into()),
                duration: Some((MINUTES * 60) as i64),
                ..CallMetaData::default()
            },
            parties,
            content: None,
            interaction: None,
        });
    }
    (transcripts, calls)
}

fn bench(c: &mut Criterion) {
    let (transcripts, calls) = data();
    let monologues: usize = transcripts.iter().map(|t| t.transcript.len()).sum();
    let payload = serde_json::to_vec(&TranscriptResponse {
        request_id: "bench".into(),
        records: Records {
            total_records: CALLS as i64,
            current_page_size: CALLS as i64,
            current_page_number: 0,
            cursor: None,
        },
        call_transcripts: transcripts.clone(),
    })
    .expect("bench data serializes");
    let content_bytes: usize = transcript::clean_transcripts(&transcripts, &calls)
        .iter()
        .map(|t| t.content.len())
        .sum();
    eprintln!(
        "data: {CALLS} calls x {MINUTES} min, {monologues} monologues, \
         {content_bytes} bytes of content, {} bytes of Gong JSON",
        payload.len()
    );

    let mut group = c.benchmark_group("transform");
    group.throughput(Throughput::Bytes(content_bytes as u64));
    group.bench_function("clean_transcripts/10x60min", |b| {
        b.iter(|| transcript::clean_transcripts(black_box(&transcripts), black_box(&calls)))
    });
    group.throughput(Throughput::Bytes(payload.len() as u64));
    group.bench_function("decode_gong_transcripts/10x60min", |b| {
        b.iter(|| {
            serde_json::from_slice::<TranscriptResponse>(black_box(&payload))
                .expect("payload decodes")
        })
    });
    group.finish();

    let cleaned = transcript::clean_transcripts(&transcripts[..FIT_CALLS], &calls[..FIT_CALLS]);
    let fit_bytes: usize = cleaned.iter().map(|t| t.content.len()).sum();
    let no_offsets = HashMap::new();
    let mut group = c.benchmark_group("budget");
    group.throughput(Throughput::Bytes(fit_bytes as u64));
    group.bench_function("fit/5x60min", |b| {
        b.iter_batched(
            || cleaned.clone(),
            |ts| {
                budget::fit(
                    black_box(ts),
                    black_box(&no_offsets),
                    FIT_BUDGET,
                    Measure::JsonString,
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
