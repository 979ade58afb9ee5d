//! The original middleware's transcript text, one paragraph per monologue:
//! `"<speaker>: <sentences>\n\n"`.
//!
//! Byte for byte what the original middleware produced: it looked names up with
//! `speakerMap[speakerId] || 'Unknown Speaker'`, so a speaker id missing from the parties, a party
//! without a name and a party whose name is the empty string all read "Unknown Speaker"; when two
//! parties share a speaker id the later one wins. Sentences are joined with one space; a monologue
//! without sentences still yields `"<speaker>: \n\n"`. (The original middleware would also have
//! matched a monologue *without* a speaker id to a party *without* one, through JavaScript's
//! `"undefined"` key; here such a monologue is simply "Unknown Speaker".)

use std::collections::HashMap;

use gong_wire as wire;

use crate::UNKNOWN_SPEAKER;

/// `speakerId → name` for one call's parties, as the original middleware built it: later parties
/// overwrite earlier ones with the same speaker id, and a party without a name maps to `""` (read
/// as "Unknown Speaker"). Parties without a speaker id never spoke and are left out.
pub fn speaker_names(parties: &[wire::Party]) -> HashMap<String, String> {
    borrowed_names(parties)
        .into_iter()
        .map(|(id, name)| (id.to_owned(), name.to_owned()))
        .collect()
}

/// [`speaker_names`] without copying, for the hot path.
pub(crate) fn borrowed_names(parties: &[wire::Party]) -> HashMap<&str, &str> {
    let mut names = HashMap::with_capacity(parties.len());
    for party in parties {
        if let Some(id) = party.speaker_id.as_deref() {
            names.insert(id, party.name.as_deref().unwrap_or(""));
        }
    }
    names
}

/// The original middleware's `content` for `monologues`, naming speakers from `speaker_names`
/// (`speakerId → name`, as built by [`speaker_names`]).
pub fn middleware_content(
    monologues: &[wire::Monologue],
    speaker_names: &HashMap<String, String>,
) -> String {
    render(monologues, |id| speaker_names.get(id).map(String::as_str))
}

/// The original middleware's `content`, looking names up with `name_of`. Sized exactly before
/// writing: whole hours of transcript go through here on every request.
pub(crate) fn render<'n>(
    monologues: &[wire::Monologue],
    name_of: impl Fn(&str) -> Option<&'n str>,
) -> String {
    let label = |monologue: &wire::Monologue| -> &'n str {
        monologue
            .speaker_id
            .as_deref()
            .and_then(&name_of)
            .filter(|name| !name.is_empty())
            .unwrap_or(UNKNOWN_SPEAKER)
    };
    let capacity: usize = monologues
        .iter()
        .map(|m| {
            let text: usize = m.sentences.iter().map(|s| s.text.len()).sum();
            let spaces = m.sentences.len().saturating_sub(1);
            label(m).len() + ": ".len() + text + spaces + "\n\n".len()
        })
        .sum();
    let mut content = String::with_capacity(capacity);
    for monologue in monologues {
        content.push_str(label(monologue));
        content.push_str(": ");
        for (i, sentence) in monologue.sentences.iter().enumerate() {
            if i > 0 {
                content.push(' ');
            }
            content.push_str(&sentence.text);
        }
        content.push_str("\n\n");
    }
    debug_assert_eq!(content.len(), capacity);
    content
}

/// One turn of a timed transcript: when it was said and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnSpan {
    /// Milliseconds from the call's start to the turn's first sentence.
    pub start_ms: u64,
    /// Milliseconds from the call's start to the end of the turn's last sentence.
    pub end_ms: u64,
    /// The monologue's speaker id, to tell the customer's turns from the seller's.
    pub speaker_id: Option<String>,
}

/// A moment of a call as people read it: `12:34`, or `1:02:03` past the hour.
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// A transcript for citing: one paragraph per monologue, `"[12:34] <speaker>: <sentences>\n\n"`,
/// with the time of the turn in the call, and each paragraph's [`TurnSpan`] in the same order.
/// Line breaks inside a sentence become spaces, so paragraphs and monologues always match up
/// one to one (the middleware's format, [`middleware_content`], is left as it was).
pub fn timed_content(
    monologues: &[wire::Monologue],
    parties: &[wire::Party],
) -> (String, Vec<TurnSpan>) {
    let names = borrowed_names(parties);
    let mut content = String::new();
    let mut spans = Vec::with_capacity(monologues.len());
    let mut last_end = 0u64;
    for monologue in monologues {
        let ms = |v: i64| u64::try_from(v).unwrap_or(0);
        let start_ms = monologue
            .sentences
            .first()
            .map_or(last_end, |s| ms(s.start));
        let end_ms = monologue
            .sentences
            .iter()
            .map(|s| ms(s.end))
            .max()
            .unwrap_or(start_ms)
            .max(start_ms);
        last_end = end_ms;
        let label = monologue
            .speaker_id
            .as_deref()
            .and_then(|id| names.get(id).copied())
            .filter(|name| !name.is_empty())
            .unwrap_or(UNKNOWN_SPEAKER);
        content.push('[');
        content.push_str(&clock(start_ms));
        content.push_str("] ");
        content.push_str(&label.replace(['\r', '\n'], " "));
        content.push_str(": ");
        for (i, sentence) in monologue.sentences.iter().enumerate() {
            if i > 0 {
                content.push(' ');
            }
            content.push_str(&sentence.text.replace(['\r', '\n'], " "));
        }
        content.push_str("\n\n");
        spans.push(TurnSpan {
            start_ms,
            end_ms,
            speaker_id: monologue.speaker_id.clone(),
        });
    }
    (content, spans)
}
