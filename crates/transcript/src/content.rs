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
