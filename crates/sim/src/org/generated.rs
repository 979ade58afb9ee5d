//! Generated calls: any number of never-seen calls the Gong simulator serves by id, so a load
//! test measures cold fetches (not 404s, not cache hits) far beyond the sample org's calls.
//!
//! A generated call's id is 19 digits: [`GENERATED_CALL_PREFIX`] followed by a 12-digit
//! number ([`generated_call_id`]). No sample call has such an id (a test checks it). The call
//! is built on demand from its id alone, so the same id always gives the same call: one of
//! the sample calls lends it its account and attendees, and a fresh 20 to 60 minute
//! conversation of ordinary talk on a few topics fills it. Generated calls exist only in Gong:
//! Salesforce has no record of them, and Gong lists them only when asked for by id (a
//! `callIds` filter or `GET /v2/calls/{id}`), never in a date listing.

use chrono::Duration;
use fastrand::Rng;

use super::conversation::{self, Conversation, Speaker};
use super::ids::{numeric_id, salesforce_id};
use super::model::{Affiliation, Call, SampleOrg};
use super::script::{Block, Turn, Who};

/// The first digits of every generated call id.
pub const GENERATED_CALL_PREFIX: &str = "7770000";

/// Digits after the prefix (19 digits in all, like most Gong call ids).
const NUMBER_DIGITS: usize = 12;

/// The largest number a generated call id can carry.
pub const MAX_GENERATED_CALL: u64 = 999_999_999_999;

/// Topics a generated call talks about, in order (Gong's topic labels); the opening small talk
/// has none.
const TOPICS: [Option<&str>; 5] = [
    None,
    Some("Current process"),
    Some("Product demo"),
    Some("Pricing"),
    Some("Next steps"),
];

/// The id of generated call number `n` (at most [`MAX_GENERATED_CALL`]; larger numbers wrap).
pub fn generated_call_id(n: u64) -> String {
    format!(
        "{GENERATED_CALL_PREFIX}{:0width$}",
        n % (MAX_GENERATED_CALL + 1),
        width = NUMBER_DIGITS
    )
}

/// The number of a generated call id, or `None` when `id` is not one.
pub fn generated_call_number(id: &str) -> Option<u64> {
    let digits = id.strip_prefix(GENERATED_CALL_PREFIX)?;
    if digits.len() != NUMBER_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl SampleOrg {
    /// The generated call with this id, or `None` when `id` is not a generated call id.
    pub fn generated_call(&self, id: &str) -> Option<Call> {
        let n = generated_call_number(id)?;
        let mut rng = Rng::with_seed(n ^ 0x5EED_CA11_0000_0001);
        let template = self.calls.get(rng.usize(..self.calls.len().max(1)))?;
        let cast: Vec<Speaker> = template
            .parties
            .iter()
            .filter_map(|p| {
                let who = match p.affiliation {
                    Affiliation::Internal => Who::Rep,
                    _ => Who::Champion,
                };
                p.speaker_id
                    .clone()
                    .map(|speaker_id| Speaker { who, speaker_id })
            })
            .collect();
        let duration = rng.u32(1200..=3600);
        let talk = ordinary_talk(&cast, duration, &mut rng);
        let started = template.started - Duration::days(rng.i64(1..180));
        let account = self.account(&template.account_id).map(|a| a.name.as_str());
        Some(Call {
            gong_id: id.to_string(),
            sf_id: salesforce_id("a0G", 900_000_000 + n % 100_000_000),
            sf_name: format!("C-G{n:012}"),
            title: format!("{}: working session", account.unwrap_or("Customer")),
            scheduled: started,
            started,
            duration,
            purpose: Some("Working session".into()),
            url: format!("https://app.gong.io/call?id={id}"),
            meeting_url: format!("https://zoom.us/j/{}", numeric_id(&mut rng, 10)),
            monologues: talk.monologues,
            topics: talk.topics,
            brief: "The team walked through the customer's current process, showed the product \
                    and agreed on next steps."
                .into(),
            key_points: Vec::new(),
            ..template.clone()
        })
    }
}

/// An unscripted conversation of `duration` seconds on the usual topics of a working session
/// (current process, demo, pricing, next steps), spoken by `cast`.
pub(super) fn ordinary_talk(cast: &[Speaker], duration: u32, rng: &mut Rng) -> Conversation {
    let blocks = TOPICS
        .iter()
        .enumerate()
        .map(|(i, topic)| Block {
            topic: *topic,
            turns: vec![Turn {
                who: if i % 2 == 0 { Who::Rep } else { Who::Champion },
                lines: vec![opening(i)],
            }],
            fillable: true,
        })
        .collect();
    conversation::build(blocks, cast, Vec::new(), duration, rng)
}

/// The first line of a topic's stretch of talk.
fn opening(topic: usize) -> String {
    match topic {
        0 => "Thanks for making the time today.",
        1 => "Walk me through how this works for your team today.",
        2 => "Let me show you how that looks in the product.",
        3 => "Let's talk about how pricing would work for you.",
        _ => "So what should the next steps be?",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn org() -> SampleOrg {
        SampleOrg::generate(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default())
    }

    #[test]
    fn ids_round_trip_and_never_collide_with_sample_calls() {
        for n in [0, 1, 42, MAX_GENERATED_CALL] {
            let id = generated_call_id(n);
            assert_eq!(id.len(), 19, "{id}");
            assert_eq!(generated_call_number(&id), Some(n));
        }
        assert_eq!(generated_call_number("7770000123"), None);
        assert_eq!(generated_call_number("777000012345678901x"), None);
        let org = org();
        for call in &org.calls {
            assert_eq!(
                generated_call_number(&call.gong_id),
                None,
                "{}",
                call.gong_id
            );
        }
        assert!(org.generated_call(&org.calls[0].gong_id).is_none());
    }

    #[test]
    fn a_generated_call_is_deterministic_plausible_and_spans_its_length() {
        let org = org();
        let id = generated_call_id(7);
        let a = org.generated_call(&id).expect("a generated call");
        let b = org.generated_call(&id).expect("a generated call");
        assert_eq!(a.gong_id, id);
        assert_eq!(a.title, b.title);
        assert_eq!(a.monologues.len(), b.monologues.len());
        assert!((1200..=3600).contains(&a.duration), "{}", a.duration);
        let last_end = a
            .monologues
            .iter()
            .flat_map(|m| m.sentences.last())
            .map(|s| s.end)
            .max()
            .unwrap_or(0);
        assert!(last_end > u64::from(a.duration) * 900, "{last_end}");
        let speakers: std::collections::HashSet<_> =
            a.monologues.iter().map(|m| m.speaker_id.as_str()).collect();
        for s in &speakers {
            assert!(
                a.parties
                    .iter()
                    .any(|p| p.speaker_id.as_deref() == Some(*s)),
                "speaker {s} is a party"
            );
        }
        assert!(speakers.len() >= 2);
        assert!(a.topics.iter().any(|(t, _)| t == "Pricing"));
        let text = |c: &Call| -> String {
            c.monologues
                .iter()
                .flat_map(|m| &m.sentences)
                .map(|s| s.text.as_str())
                .collect()
        };
        assert_eq!(text(&a), text(&b));
        let other = org.generated_call(&generated_call_id(8)).expect("a call");
        assert_ne!(text(&a), text(&other), "another id, another conversation");
    }
}
