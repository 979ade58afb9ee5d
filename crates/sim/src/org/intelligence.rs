//! Gong's call intelligence for a sample call, read off the call's own transcript: keyword
//! trackers (with every occurrence's time and speaker), next-step highlights, the call outcome
//! and each speaker's talk time. Derived, never scripted separately, so a competitor named in
//! the transcript always shows up in the "Competitors" tracker with the speaker who named it
//! and the right count.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::model::Call;
use super::seed::ACCOUNTS;

/// Topic label of the stretch of a call where next steps are agreed.
const NEXT_STEPS_TOPIC: &str = "Next Steps";

/// One moment a tracker phrase was said.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// Milliseconds from the call's start (the sentence's start).
    pub start_ms: u64,
    /// Gong speaker id of who said it.
    pub speaker_id: String,
}

/// One phrase of a tracker and where it was said.
#[derive(Debug, Clone, PartialEq)]
pub struct PhraseHits {
    pub phrase: String,
    pub occurrences: Vec<Occurrence>,
}

/// A keyword tracker that fired on a call.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerHits {
    /// Stable tracker id (numeric string).
    pub id: String,
    pub name: &'static str,
    /// Every phrase that was said at least once, in the tracker's order.
    pub phrases: Vec<PhraseHits>,
}

impl TrackerHits {
    /// Occurrences over all phrases, in call order.
    pub fn occurrences(&self) -> Vec<Occurrence> {
        let mut all: Vec<Occurrence> = self
            .phrases
            .iter()
            .flat_map(|p| p.occurrences.iter().cloned())
            .collect();
        all.sort_by_key(|o| o.start_ms);
        all
    }

    /// How often the tracker fired.
    pub fn count(&self) -> usize {
        self.phrases.iter().map(|p| p.occurrences.len()).sum()
    }
}

/// A highlight: a sentence of the call and when it was said.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    pub text: String,
    pub start_ms: u64,
}

/// The keyword trackers the selling company configured in Gong: name and phrases (matched
/// case-insensitively, on word boundaries). Competitors are every competitor the sample deals
/// name.
fn tracker_definitions() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut competitors: Vec<&'static str> = ACCOUNTS.iter().map(|a| a.facts.competitor).collect();
    competitors.sort_unstable();
    competitors.dedup();
    vec![
        ("Competitors", competitors),
        (
            "Pricing",
            vec![
                "price",
                "pricing",
                "proposal",
                "budget",
                "discount",
                "flexibility",
            ],
        ),
        (
            "Security",
            vec![
                "security",
                "SOC 2",
                "pen test",
                "InfoSec",
                "HIPAA",
                "business associate agreement",
                "BAA",
            ],
        ),
        (
            "Legal",
            vec![
                "legal",
                "MSA",
                "redlines",
                "purchase order",
                "procurement",
                "signature authority",
            ],
        ),
        (
            "Decision process",
            vec!["steering committee", "signed off", "committee", "signs"],
        ),
        (
            "Timeline",
            vec!["deadline", "hard date", "renews", "take effect", "timing"],
        ),
    ]
}

/// Byte offsets of `needle` in `haystack` (both lowercase), on word boundaries: the plain
/// search the tests check the matcher against.
#[cfg(test)]
fn find_words(haystack: &str, needle: &str) -> Vec<usize> {
    let bytes = haystack.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = haystack[from..].find(needle) {
        let at = from + i;
        let end = at + needle.len();
        let before = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let after = end >= bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if before && after {
            found.push(at);
        }
        from = end;
    }
    found
}

/// Every tracker phrase in one automaton, with the tracker and phrase each pattern stands for:
/// a generated hour-long call has about a thousand sentences, and a page of a hundred calls is
/// rendered per request, so each sentence is read once for all phrases.
fn phrase_matcher() -> &'static (AhoCorasick, Vec<(usize, usize)>) {
    static MATCHER: OnceLock<(AhoCorasick, Vec<(usize, usize)>)> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (t, (_, phrases)) in tracker_definitions().into_iter().enumerate() {
            for (p, phrase) in phrases.into_iter().enumerate() {
                patterns.push(phrase);
                owners.push((t, p));
            }
        }
        let matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(patterns)
            .expect("tracker phrases are a small fixed set");
        (matcher, owners)
    })
}

/// Whether `text[start..end]` stands as whole words.
fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let before = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
    let after = end >= bytes.len() || !bytes[end].is_ascii_alphanumeric();
    before && after
}

/// The trackers that fired on `call`, in definition order; each occurrence at the start of
/// the sentence that said it, by that sentence's speaker.
pub fn trackers(call: &Call) -> Vec<TrackerHits> {
    let (matcher, owners) = phrase_matcher();
    let definitions = tracker_definitions();
    let mut hits: Vec<Vec<Vec<Occurrence>>> = definitions
        .iter()
        .map(|(_, phrases)| vec![Vec::new(); phrases.len()])
        .collect();
    for m in &call.monologues {
        for s in &m.sentences {
            for found in matcher.find_overlapping_iter(&s.text) {
                if !on_word_boundaries(&s.text, found.start(), found.end()) {
                    continue;
                }
                let (t, p) = owners[found.pattern().as_usize()];
                hits[t][p].push(Occurrence {
                    start_ms: s.start,
                    speaker_id: m.speaker_id.clone(),
                });
            }
        }
    }
    definitions
        .into_iter()
        .zip(hits)
        .enumerate()
        .filter_map(|(i, ((name, phrases), hits))| {
            let phrases: Vec<PhraseHits> = phrases
                .into_iter()
                .zip(hits)
                .filter(|(_, occurrences)| !occurrences.is_empty())
                .map(|(phrase, occurrences)| PhraseHits {
                    phrase: phrase.to_string(),
                    occurrences,
                })
                .collect();
            (!phrases.is_empty()).then(|| TrackerHits {
                id: format!("{}", 7_301_000_000_000_000_u64 + i as u64),
                name,
                phrases,
            })
        })
        .collect()
}

/// The next steps agreed on the call: what the host proposed in the call's next-steps
/// stretch (the proposal and the date asked for). Empty when the call has no such stretch.
pub fn next_steps(call: &Call) -> Vec<Highlight> {
    let Some(first) = call
        .monologues
        .iter()
        .find(|m| m.topic.as_deref() == Some(NEXT_STEPS_TOPIC))
    else {
        return Vec::new();
    };
    first
        .sentences
        .iter()
        .take(2)
        .map(|s| Highlight {
            text: s.text.clone(),
            start_ms: s.start,
        })
        .collect()
}

/// Seconds each speaker id talked, by speaker id: the sum of their sentences' lengths.
pub fn talk_times(call: &Call) -> BTreeMap<String, f64> {
    let mut per: BTreeMap<String, u64> = BTreeMap::new();
    for m in &call.monologues {
        let ms: u64 = m
            .sentences
            .iter()
            .map(|s| s.end.saturating_sub(s.start))
            .sum();
        *per.entry(m.speaker_id.clone()).or_default() += ms;
    }
    per.into_iter()
        .map(|(id, ms)| (id, (ms as f64 / 100.0).round() / 10.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    use crate::org::SampleOrg;

    #[test]
    fn a_competitor_named_in_the_transcript_is_tracked_with_its_speaker_and_count() {
        let org = SampleOrg::generate(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
        let mut checked = 0;
        for call in org
            .calls
            .iter()
            .filter(|c| c.title.contains("Product Demo"))
        {
            let seed = ACCOUNTS
                .iter()
                .find(|a| call.title.starts_with(a.name))
                .unwrap();
            let name = seed.facts.competitor.to_lowercase();
            let said: Vec<(u64, &str)> = call
                .monologues
                .iter()
                .flat_map(|m| m.sentences.iter().map(move |s| (m, s)))
                .flat_map(|(m, s)| {
                    std::iter::repeat_n(
                        (s.start, m.speaker_id.as_str()),
                        find_words(&s.text.to_lowercase(), &name).len(),
                    )
                })
                .collect();
            assert!(!said.is_empty(), "{}", call.title);
            let tracked = trackers(call);
            let competitors = tracked.iter().find(|t| t.name == "Competitors").unwrap();
            assert_eq!(competitors.count(), said.len(), "{}", call.title);
            let occurrences = competitors.occurrences();
            let got: Vec<(u64, &str)> = occurrences
                .iter()
                .map(|o| (o.start_ms, o.speaker_id.as_str()))
                .collect();
            assert_eq!(got, said, "{}", call.title);
            checked += 1;
        }
        assert!(checked > 3);
    }

    #[test]
    fn every_tracker_phrase_is_found_as_a_plain_search_finds_it() {
        let org = SampleOrg::generate(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
        let mut fired = 0;
        for call in &org.calls {
            let expected: Vec<(&str, Vec<(String, usize)>)> = tracker_definitions()
                .into_iter()
                .map(|(name, phrases)| {
                    let counts = phrases
                        .into_iter()
                        .map(|phrase| {
                            let needle = phrase.to_lowercase();
                            let n = call
                                .monologues
                                .iter()
                                .flat_map(|m| &m.sentences)
                                .map(|s| find_words(&s.text.to_lowercase(), &needle).len())
                                .sum();
                            (phrase.to_owned(), n)
                        })
                        .filter(|(_, n)| *n > 0)
                        .collect();
                    (name, counts)
                })
                .filter(|(_, counts): &(_, Vec<_>)| !counts.is_empty())
                .collect();
            let got: Vec<(&str, Vec<(String, usize)>)> = trackers(call)
                .into_iter()
                .map(|t| {
                    let counts = t
                        .phrases
                        .iter()
                        .map(|p| (p.phrase.clone(), p.occurrences.len()))
                        .collect();
                    (t.name, counts)
                })
                .collect();
            assert_eq!(got, expected, "{}", call.title);
            fired += got.len();
        }
        assert!(fired > org.calls.len(), "the sample calls fire trackers");
    }

    #[test]
    fn talk_times_cover_every_speaker_and_next_steps_are_found() {
        let org = SampleOrg::generate(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
        let call = &org.calls[0];
        let times = talk_times(call);
        for m in &call.monologues {
            assert!(times[&m.speaker_id] > 0.0);
        }
        let steps = next_steps(call);
        assert_eq!(steps.len(), 2);
        assert!(steps[0].text.starts_with("For next steps"), "{steps:?}");
    }
}
