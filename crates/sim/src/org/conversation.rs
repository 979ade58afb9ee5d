//! Turns scripted blocks into a timed Gong transcript: resolves speakers, pads the call with
//! filler talk to its length, and assigns sentence times so the transcript spans the call.

use std::collections::BTreeMap;

use fastrand::Rng;

use super::filler;
use super::model::{Monologue, Sentence};
use super::script::{Block, Who};

/// A speaking attendee: who they are in the script and their Gong speaker id.
#[derive(Debug, Clone)]
pub struct Speaker {
    pub who: Who,
    pub speaker_id: String,
}

/// An unscripted remark inserted after the opening, by a speaker given by id (used for
/// speakers Gong could not identify).
#[derive(Debug, Clone)]
pub struct Aside {
    pub speaker_id: String,
    pub lines: Vec<String>,
}

/// The timed result.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub monologues: Vec<Monologue>,
    /// (topic, seconds), longest first.
    pub topics: Vec<(String, u32)>,
}

/// Silence left after the last sentence, in milliseconds.
const TAIL_MS: u64 = 1_500;
const SENTENCE_GAP_MS: u64 = 250;
const TURN_GAP_MS: u64 = 700;

struct Resolved {
    speaker_id: String,
    internal: bool,
    topic: Option<&'static str>,
    lines: Vec<String>,
}

/// Roughly how long a sentence takes to say (about 175 words a minute).
fn speech_ms(text: &str) -> u64 {
    let words = text.split_whitespace().count() as u64;
    words.max(1) * 340 + 200
}

fn turn_ms(lines: &[String]) -> u64 {
    TURN_GAP_MS
        + lines
            .iter()
            .map(|l| speech_ms(l) + SENTENCE_GAP_MS)
            .sum::<u64>()
}

/// Speaker id for a scripted speaker; a missing internal speaker falls back to the first
/// internal one, a missing external one to the first external one.
fn resolve(who: Who, cast: &[Speaker]) -> Option<&Speaker> {
    cast.iter()
        .find(|s| s.who == who)
        .or_else(|| {
            cast.iter()
                .find(|s| s.who.is_internal() == who.is_internal())
        })
        .or_else(|| cast.first())
}

/// Builds the transcript of a call lasting `duration_secs` from its scripted blocks.
pub fn build(
    blocks: Vec<Block>,
    cast: &[Speaker],
    asides: Vec<Aside>,
    duration_secs: u32,
    rng: &mut Rng,
) -> Conversation {
    let mut resolved: Vec<(bool, Vec<Resolved>)> = blocks
        .into_iter()
        .map(|b| {
            let turns = b
                .turns
                .into_iter()
                .filter_map(|t| {
                    resolve(t.who, cast).map(|s| Resolved {
                        speaker_id: s.speaker_id.clone(),
                        internal: s.who.is_internal(),
                        topic: b.topic,
                        lines: t.lines,
                    })
                })
                .collect();
            (b.fillable, turns)
        })
        .collect();
    if let Some((_, turns)) = resolved.first_mut() {
        for a in asides {
            turns.push(Resolved {
                speaker_id: a.speaker_id,
                internal: false,
                topic: None,
                lines: a.lines,
            });
        }
    }
    pad(
        &mut resolved,
        cast,
        (u64::from(duration_secs) * 1000).saturating_sub(TAIL_MS),
        rng,
    );
    let monologues = time(
        resolved.into_iter().flat_map(|(_, t)| t),
        (u64::from(duration_secs) * 1000).saturating_sub(TAIL_MS),
        rng,
    );
    let topics = topics(&monologues);
    Conversation { monologues, topics }
}

/// Adds filler turns to fillable blocks, round robin, until the estimated talk time reaches
/// the target.
fn pad(blocks: &mut [(bool, Vec<Resolved>)], cast: &[Speaker], target_ms: u64, rng: &mut Rng) {
    let mut total: u64 = blocks
        .iter()
        .flat_map(|(_, t)| t)
        .map(|t| turn_ms(&t.lines))
        .sum();
    let fillable: Vec<usize> = (0..blocks.len()).filter(|&i| blocks[i].0).collect();
    let internal: Vec<&Speaker> = cast.iter().filter(|s| s.who.is_internal()).collect();
    let external: Vec<&Speaker> = cast.iter().filter(|s| !s.who.is_internal()).collect();
    if fillable.is_empty() || internal.is_empty() || external.is_empty() {
        return;
    }
    let mut round = 0usize;
    while total < target_ms {
        let idx = fillable[round % fillable.len()];
        round += 1;
        let turns = &mut blocks[idx].1;
        let topic = turns.last().and_then(|t| t.topic);
        let last_internal = turns.last().is_some_and(|t| t.internal);
        let pool = if last_internal { &external } else { &internal };
        let speaker = pool[rng.usize(..pool.len())];
        let count = rng.usize(1..=3);
        let lines = filler::turn(rng, !last_internal, count);
        total += turn_ms(&lines);
        turns.push(Resolved {
            speaker_id: speaker.speaker_id.clone(),
            internal: !last_internal,
            topic,
            lines,
        });
    }
}

/// Assigns sentence times, then scales them so the last sentence ends at `end_ms`; merges
/// consecutive turns by the same speaker on the same topic, as Gong does.
fn time(turns: impl Iterator<Item = Resolved>, end_ms: u64, rng: &mut Rng) -> Vec<Monologue> {
    let mut out: Vec<Monologue> = Vec::new();
    let mut t = rng.u64(1_000..6_000);
    for turn in turns {
        t += TURN_GAP_MS;
        let sentences: Vec<Sentence> = turn
            .lines
            .into_iter()
            .map(|text| {
                let start = t;
                let end = start + speech_ms(&text);
                t = end + SENTENCE_GAP_MS;
                Sentence { start, end, text }
            })
            .collect();
        match out.last_mut() {
            Some(m) if m.speaker_id == turn.speaker_id && m.topic.as_deref() == turn.topic => {
                m.sentences.extend(sentences)
            }
            _ => out.push(Monologue {
                speaker_id: turn.speaker_id,
                topic: turn.topic.map(str::to_string),
                sentences,
            }),
        }
    }
    let last_end = out
        .iter()
        .flat_map(|m| m.sentences.last())
        .map(|s| s.end)
        .max()
        .unwrap_or(1)
        .max(1);
    let scale =
        |v: u64| -> u64 { (u128::from(v) * u128::from(end_ms) / u128::from(last_end)) as u64 };
    for s in out.iter_mut().flat_map(|m| m.sentences.iter_mut()) {
        s.start = scale(s.start);
        s.end = scale(s.end).max(s.start + 1);
    }
    out
}

/// Seconds spent per named topic, longest first.
fn topics(monologues: &[Monologue]) -> Vec<(String, u32)> {
    let mut per: BTreeMap<&str, u64> = BTreeMap::new();
    for m in monologues {
        if let (Some(topic), Some(first), Some(last)) =
            (m.topic.as_deref(), m.sentences.first(), m.sentences.last())
        {
            *per.entry(topic).or_default() += last.end.saturating_sub(first.start);
        }
    }
    let mut out: Vec<(String, u32)> = per
        .into_iter()
        .map(|(k, ms)| (k.to_string(), u32::try_from(ms / 1000).unwrap_or(u32::MAX)))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}
