//! Properties of the character budget over generated transcripts.

use std::collections::HashMap;

use proptest::prelude::*;
use transcript::budget::{
    apply_offsets, fit, min_budget, turn_boundaries, Fitted, Measure, Measured, TurnMark,
};
use transcript::CleanTranscript;

/// One turn as the formatter writes it, with text that may need JSON escapes and non-ASCII.
fn turn() -> impl Strategy<Value = String> {
    ("[A-Z][a-z]{0,6}", "[a-zA-Z0-9 ,.?!\"\\\\éü€😀\t-]{0,80}")
        .prop_map(|(name, text)| format!("{name}: {text}\n\n"))
}

fn transcript(index: usize) -> impl Strategy<Value = CleanTranscript> {
    proptest::collection::vec(turn(), 0..30).prop_map(move |turns| CleanTranscript {
        call_id: format!("{}", 1_000_000 + index),
        title: Some(format!("Call {index}")),
        started: None,
        duration: None,
        url: None,
        content: turns.concat(),
        speakers: Vec::new(),
    })
}

fn transcripts() -> impl Strategy<Value = Vec<CleanTranscript>> {
    (1usize..8).prop_flat_map(|n| (0..n).map(transcript).collect::<Vec<_>>())
}

fn measure() -> impl Strategy<Value = Measure> {
    prop_oneof![Just(Measure::Chars), Just(Measure::JsonString)]
}

fn cost(fitted: &Fitted, measure: Measure) -> usize {
    fitted
        .transcripts
        .iter()
        .map(|t| measure.cost(&t.content))
        .sum()
}

/// The transcript text a slice carries, without its cut marker.
fn carried(fitted: &Fitted, i: usize) -> String {
    fitted.transcripts[i]
        .content
        .chars()
        .take(fitted.slices[i].returned_chars)
        .collect()
}

proptest! {
    // Generating transcripts dominates the run time; 96 cases per property keep the suite fast.
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn never_exceeds_the_budget(ts in transcripts(), budget in 0usize..20_000, m in measure()) {
        let fitted = fit(ts, &HashMap::new(), budget, m);
        prop_assert!(cost(&fitted, m) <= budget);
    }

    #[test]
    fn cuts_only_at_turn_boundaries_and_marks_them(
        ts in transcripts(), budget in 0usize..10_000, m in measure()
    ) {
        let originals = ts.clone();
        let fitted = fit(ts, &HashMap::new(), budget, m);
        for (i, original) in originals.iter().enumerate() {
            let slice = &fitted.slices[i];
            let text = carried(&fitted, i);
            prop_assert!(original.content.starts_with(&text));
            prop_assert_eq!(slice.total_chars, original.content.chars().count());
            if let Some(next) = slice.next_offset {
                prop_assert!(next == 0 || turn_boundaries(&original.content).contains(&next));
                if fitted.transcripts[i].content.len() > text.len() {
                    prop_assert!(fitted.transcripts[i].content[text.len()..].starts_with("[… transcript cut here"));
                }
            } else {
                prop_assert_eq!(&fitted.transcripts[i].content, &original.content);
            }
        }
    }

    #[test]
    fn selecting_never_exceeds_the_budget_and_keeps_whole_turns_in_order(
        ts in transcripts(), budget in 0usize..20_000, m in measure(), seed in 0u32..1000
    ) {
        let marks: HashMap<String, Vec<TurnMark>> = ts
            .iter()
            .map(|t| {
                let n = turn_boundaries(&t.content).len();
                let marks = (0..n)
                    .map(|k| TurnMark {
                        start_ms: k as u64 * 10_000,
                        end_ms: k as u64 * 10_000 + 9_000,
                        weight: (k as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 7,
                    })
                    .collect();
                (t.call_id.clone(), marks)
            })
            .collect();
        let originals = ts.clone();
        let fitted = Measured::new(ts, &HashMap::new(), m).fit_selecting(budget, &marks);
        prop_assert!(cost(&fitted, m) <= budget);
        for (i, original) in originals.iter().enumerate() {
            let slice = &fitted.slices[i];
            let shown = &fitted.transcripts[i].content;
            if slice.next_offset.is_none() {
                prop_assert_eq!(shown, &original.content);
                continue;
            }
            // Every paragraph shown is a whole turn of the original or a marker, in order.
            let turns: Vec<&str> = original.content.split_inclusive("\n\n").collect();
            let mut next = 0;
            let mut returned = 0;
            for paragraph in shown.split_inclusive("\n\n") {
                if paragraph.starts_with("[… ") {
                    continue;
                }
                let at = turns[next..].iter().position(|t| *t == paragraph);
                prop_assert!(at.is_some(), "{:?} not a turn of {:?}", paragraph, original.content);
                next += at.unwrap_or(0) + 1;
                returned += paragraph.chars().count();
            }
            prop_assert_eq!(returned, slice.returned_chars);
            let offset = slice.next_offset.unwrap_or(0);
            prop_assert!(offset == 0 || turn_boundaries(&original.content).contains(&offset));
        }
    }

    #[test]
    fn nobody_starves_when_the_budget_allows_a_minimum_share(
        ts in transcripts(), extra in 0usize..5_000, m in measure()
    ) {
        let budget = min_budget(&ts, &HashMap::new(), m) + extra;
        let fitted = fit(ts.clone(), &HashMap::new(), budget, m);
        prop_assert!(cost(&fitted, m) <= budget);
        for (i, t) in ts.iter().enumerate() {
            if !t.content.is_empty() {
                prop_assert!(fitted.slices[i].returned_chars > 0, "call {} starved", i);
            }
        }
    }

    #[test]
    fn fair_share_small_calls_whole_large_ones_within_two_turns(
        ts in transcripts(), budget in 0usize..20_000
    ) {
        let m = Measure::Chars;
        let fitted = fit(ts.clone(), &HashMap::new(), budget, m);
        // Every marked cut call got as much as any other call, less two turns and a marker
        // (max-min fairness at turn granularity).
        let longest_turn = 7 + 2 + 80 + 2;
        let cut: Vec<usize> = (0..ts.len()).filter(|&i| fitted.slices[i].is_cut()).collect();
        for &i in &cut {
            let mine = m.cost(&carried(&fitted, i));
            for j in 0..ts.len() {
                let theirs = m.cost(&carried(&fitted, j));
                prop_assert!(
                    mine + 2 * longest_turn + 150 >= theirs || fitted.transcripts[i].content.is_empty(),
                    "call {} got {} but call {} got {}", i, mine, j, theirs
                );
            }
        }
    }

}

proptest! {
    // Each case reads every call to its end in many rounds: fewer cases keep the suite fast.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn successive_offsets_reproduce_the_whole_transcript(
        ts in transcripts(), extra in 0usize..3_000, m in measure()
    ) {
        // Big enough for a marker and the longest turn per call, so every round moves on.
        let budget = ts.len() * 700 + extra;
        let mut read: Vec<String> = vec![String::new(); ts.len()];
        let mut offsets: HashMap<String, usize> = HashMap::new();
        for _round in 0..200 {
            let fitted = fit(ts.clone(), &offsets, budget, m);
            prop_assert!(cost(&fitted, m) <= budget);
            offsets.clear();
            for (i, text) in read.iter_mut().enumerate() {
                let slice = &fitted.slices[i];
                prop_assert_eq!(slice.offset, text.chars().count());
                text.push_str(&carried(&fitted, i));
                if let Some(next) = slice.next_offset {
                    offsets.insert(slice.call_id.clone(), next);
                } else {
                    // Finished calls are asked past their end next round, and stay empty.
                    offsets.insert(slice.call_id.clone(), slice.total_chars);
                }
            }
            if fitted.slices.iter().all(|s| s.next_offset.is_none()) {
                break;
            }
        }
        for (i, t) in ts.iter().enumerate() {
            prop_assert_eq!(&read[i], &t.content);
        }
    }
}

proptest! {
    #[test]
    fn offsets_skip_exactly_that_many_characters(ts in transcripts(), skip in 0usize..3_000) {
        let offsets: HashMap<String, usize> =
            ts.iter().map(|t| (t.call_id.clone(), skip)).collect();
        let fitted = apply_offsets(ts.clone(), &offsets);
        for (i, t) in ts.iter().enumerate() {
            let expected: String = t.content.chars().skip(skip).collect();
            prop_assert_eq!(&fitted.transcripts[i].content, &expected);
            prop_assert_eq!(fitted.slices[i].next_offset, None);
        }
    }
}

#[test]
fn ten_long_calls_fit_a_chatgpt_sized_budget() {
    let turn = "Dana Whitfield: We are evaluating three vendors and the budget is approved for Q3, \"pending\" legal review.\n\n";
    let ts: Vec<CleanTranscript> = (0..10)
        .map(|i| CleanTranscript {
            call_id: format!("77823422740259378{i:02}"),
            title: Some(format!("Call {i}")),
            started: None,
            duration: Some(3600),
            url: None,
            content: turn.repeat(400),
            speakers: Vec::new(),
        })
        .collect();
    let budget = 100_000;
    let fitted = fit(ts, &HashMap::new(), budget, Measure::JsonString);
    let used = cost(&fitted, Measure::JsonString);
    assert!(used <= budget);
    assert!(used > budget - 10 * 200, "budget left idle: {used}");
    let shares: Vec<usize> = fitted.slices.iter().map(|s| s.returned_chars).collect();
    let (min, max) = (shares.iter().min(), shares.iter().max());
    assert_eq!(min, max, "equal calls get equal shares: {shares:?}");
}

proptest! {
    /// `Measure::JsonString` is exactly what serde_json writes for the text, quotes excluded,
    /// for any text: control characters, quotes, backslashes and multi-byte characters included.
    #[test]
    fn json_string_cost_is_serde_jsons_length(text in "(\\PC|[\\x00-\\x1f\"\\\\]){0,200}") {
        let written = serde_json::to_string(&text).expect("strings always serialize");
        prop_assert_eq!(Measure::JsonString.cost(&text), written.chars().count() - 2);
    }
}

#[test]
fn selecting_keeps_the_turns_that_matter_and_marks_each_gap_with_its_times() {
    let content: String = (0..40)
        .map(|k| {
            if k == 30 {
                "Ana: We have $250,000 approved for this fiscal year.\n\n".to_string()
            } else {
                format!("Bo: Small talk number {k}, nothing to see here at all.\n\n")
            }
        })
        .collect();
    let t = CleanTranscript {
        call_id: "42".into(),
        title: None,
        started: None,
        duration: None,
        url: None,
        content: content.clone(),
        speakers: Vec::new(),
    };
    let marks: Vec<TurnMark> = (0..40u64)
        .map(|k| TurnMark {
            start_ms: k * 15_000,
            end_ms: k * 15_000 + 14_000,
            weight: if k == 30 { 4 } else { 0 },
        })
        .collect();
    let marks = HashMap::from([("42".to_string(), marks)]);
    let fitted =
        Measured::new(vec![t.clone()], &HashMap::new(), Measure::Chars).fit_selecting(900, &marks);
    let shown = &fitted.transcripts[0].content;
    assert!(shown.contains("$250,000 approved"), "{shown}");
    assert!(shown.starts_with("Bo: Small talk number 0,"), "{shown}");
    // The gap after the opening turns names its stretch of the call and the offset to read on.
    let offset = fitted.slices[0].next_offset.unwrap();
    assert!(
        shown.contains(&format!(
            "To read from here, call again with offsets {{\"42\": {offset}}}]"
        )),
        "{shown}"
    );
    assert!(shown.contains(" to 07:29 left out here"), "{shown}");
    assert!(shown.contains("07:45 to 09:59 left out here"), "{shown}");
    assert!(Measure::Chars.cost(shown) <= 900);
    // Reading on from the offset is reading in order.
    let more = fit(
        vec![t],
        &HashMap::from([("42".to_string(), offset)]),
        100_000,
        Measure::Chars,
    );
    assert_eq!(
        more.transcripts[0].content,
        content.chars().skip(offset).collect::<String>()
    );
}
