//! Ordinary talk that fills a call to its length around the scripted signals. It carries no
//! numbers, names or dates, so it never contradicts or dilutes the deal's signals.

use fastrand::Rng;

const OPENERS: [&str; 10] = [
    "",
    "",
    "",
    "Right, ",
    "Okay, ",
    "Yeah, ",
    "So ",
    "Honestly, ",
    "Got it. ",
    "Sure. ",
];

const INTERNAL: [&str; 24] = [
    "can you tell me a bit more about how that works day to day?",
    "who feels that the most on your team?",
    "what have you tried so far to fix it?",
    "that matches what we hear from other teams in your industry.",
    "let me make sure I captured that correctly in my notes.",
    "how does that hand-off work between the teams?",
    "what happens when something falls through the cracks?",
    "is that the same across all your locations, or does it vary?",
    "we see that pattern a lot, and it usually starts small.",
    "what would your team do with the time they get back?",
    "how do you report on that to leadership today?",
    "I'll show you how other customers set that up.",
    "that's a fair question, let me come back to it with specifics.",
    "we usually start with one team and expand from there.",
    "the configuration is all point and click, no code.",
    "you can set different rules per location if you need to.",
    "everything is logged, so you can see who changed what and when.",
    "we can take that as an action item for our side.",
    "what does good look like for you in that area?",
    "how many people touch that process end to end?",
    "that's really helpful context, thank you.",
    "let me pull up the example I mentioned.",
    "how is that measured today?",
    "would it help if I sent a short summary after the call?",
];

const EXTERNAL: [&str; 24] = [
    "it depends on the week, to be honest.",
    "most of it is still done by hand.",
    "the team has built a lot of workarounds over the years.",
    "people are used to it, but nobody likes it.",
    "we tried to fix this internally once and it stalled.",
    "our IT team is stretched thin, so anything we do has to be simple.",
    "that would make a big difference for the people on the ground.",
    "I'd have to check with the team on the exact details.",
    "it is different at every site, which is part of the problem.",
    "the reporting is mostly manual at this point.",
    "we get asked about this in every leadership meeting.",
    "that part makes sense to me.",
    "I like that it doesn't need a big project to get started.",
    "how long does a typical roll-out take?",
    "can we control who sees what?",
    "our people would need very little training, which matters.",
    "that is the piece I'll need to explain internally.",
    "we had a bad experience with a previous vendor on exactly that.",
    "the hand-offs between teams are where things get lost.",
    "I can share some examples after the call.",
    "that's helpful, keep going.",
    "we'd want to see that with our own data.",
    "I think the team would actually use this.",
    "let me make a note to loop in the right person.",
];

/// A filler turn of `n` different sentences for an internal or external speaker.
pub fn turn(rng: &mut Rng, internal: bool, n: usize) -> Vec<String> {
    let pool: &[&str] = if internal { &INTERNAL } else { &EXTERNAL };
    let mut picked: Vec<usize> = Vec::with_capacity(n);
    while picked.len() < n.min(pool.len()) {
        let i = rng.usize(..pool.len());
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked.into_iter().map(|i| sentence(rng, pool[i])).collect()
}

fn sentence(rng: &mut Rng, body: &str) -> String {
    let opener = OPENERS[rng.usize(..OPENERS.len())];
    if opener.is_empty() || opener.ends_with(". ") {
        format!("{opener}{}", capitalize(body))
    } else {
        format!("{opener}{body}")
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_are_distinct_capitalized_sentences_without_digits() {
        let mut rng = Rng::with_seed(3);
        for i in 0..200 {
            let turn = turn(&mut rng, i % 2 == 0, 3);
            assert_eq!(turn.len(), 3);
            for s in &turn {
                assert!(s.chars().next().is_some_and(char::is_uppercase), "{s}");
                assert!(!s.chars().any(|c| c.is_ascii_digit()), "{s}");
                assert!(
                    s.split(". ")
                        .skip(1)
                        .all(|p| p.starts_with(char::is_uppercase)),
                    "{s}"
                );
            }
            let bodies: std::collections::HashSet<_> = turn
                .iter()
                .map(|s| s.rsplit(". ").next().unwrap_or(s).to_lowercase())
                .collect();
            assert_eq!(bodies.len(), 3, "{turn:?}");
        }
    }
}
