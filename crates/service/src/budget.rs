//! Holding a whole response to a character budget.
//!
//! `transcript::budget` fits transcript texts into a budget; a response also carries metadata,
//! tables and instructions. [`fit_response`] measures everything but the transcript texts by
//! rendering the response once with empty texts and the longest possible truncation report,
//! then gives the transcripts exactly what is left. The response cannot outgrow the budget:
//! each text adds precisely its measured cost, and the real report is never longer than the
//! one measured.

use std::collections::HashMap;

use transcript::budget::{Measure, Measured, TranscriptSlice};
use transcript::CleanTranscript;

use crate::error::ServiceError;
use crate::model::{Briefing, Truncation};
use crate::render::render_markdown;

/// Default response budget: ChatGPT's limit on an action's response, in characters.
pub const DEFAULT_MAX_CHARS: usize = 100_000;
/// Smallest budget a caller may ask for: below this not even a short briefing fits.
pub const MIN_MAX_CHARS: usize = 2_000;
/// Largest budget a caller may ask for (assistants with larger windows, the CLI).
pub const MAX_MAX_CHARS: usize = 2_000_000;

/// How a response will be written, which decides how its characters are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rendering {
    /// Compact JSON (`serde_json::to_string`), as the HTTP API sends it.
    #[default]
    Json,
    /// Markdown, as the CLI prints a briefing.
    Markdown,
}

impl Rendering {
    fn measure(self) -> Measure {
        match self {
            Rendering::Json => Measure::JsonString,
            Rendering::Markdown => Measure::Chars,
        }
    }
}

/// Checks a caller's `maxChars`.
pub fn check_max_chars(max_chars: usize) -> Result<usize, ServiceError> {
    if (MIN_MAX_CHARS..=MAX_MAX_CHARS).contains(&max_chars) {
        Ok(max_chars)
    } else {
        Err(ServiceError::validation(
            "maxChars",
            format!("must be between {MIN_MAX_CHARS} and {MAX_MAX_CHARS}; got {max_chars}"),
        ))
    }
}

/// Characters in `text`.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// Builds a response of at most `max_chars` characters (as `render` writes it) around
/// `transcripts`, cutting them fairly when they do not fit.
///
/// `build` makes the response from the (possibly cut) transcripts and the truncation report;
/// `render` writes it out the way it will be sent, and `measure` counts transcript text the
/// same way (JSON escapes count double). Fails with a validation error on `maxChars` when
/// even the response without any transcript text is over the budget.
pub fn fit_response<R>(
    transcripts: Vec<CleanTranscript>,
    offsets: &HashMap<String, usize>,
    max_chars: usize,
    measure: Measure,
    build: impl Fn(Vec<CleanTranscript>, Truncation) -> R,
    render: impl Fn(&R) -> String,
) -> Result<R, ServiceError> {
    // Counted once: the totals size the report, and the same counts do the fitting.
    let measured = Measured::new(transcripts, offsets, measure);
    let skeleton: Vec<CleanTranscript> = measured
        .transcripts()
        .iter()
        .map(|t| CleanTranscript {
            call_id: t.call_id.clone(),
            title: t.title.clone(),
            started: t.started.clone(),
            duration: t.duration,
            url: t.url.clone(),
            content: String::new(),
            speakers: t.speakers.clone(),
        })
        .collect();
    let longest_report: Vec<TranscriptSlice> = measured
        .transcripts()
        .iter()
        .zip(measured.total_chars())
        .map(|(t, total)| TranscriptSlice {
            call_id: t.call_id.clone(),
            total_chars: total,
            offset: total,
            returned_chars: total,
            next_offset: Some(total),
        })
        .collect();
    // `truncated` is `true` or `false`: measure both and keep the longer.
    let overhead = [true, false]
        .into_iter()
        .map(|truncated| {
            let report = Truncation {
                max_chars,
                truncated,
                calls: longest_report.clone(),
            };
            char_len(&render(&build(skeleton.clone(), report)))
        })
        .max()
        .unwrap_or(0);
    if overhead > max_chars {
        return Err(ServiceError::validation(
            "maxChars",
            format!(
                "{max_chars} is too small: this response needs {overhead} characters before any \
                 transcript text; ask for fewer calls or a larger maxChars"
            ),
        ));
    }
    let fitted = measured.fit(max_chars - overhead);
    let report = Truncation {
        max_chars,
        truncated: fitted.is_cut(),
        calls: fitted.slices,
    };
    Ok(build(fitted.transcripts, report))
}

/// Renders a briefing the way `rendering` says.
pub fn render_briefing(briefing: &Briefing, rendering: Rendering) -> String {
    match rendering {
        // Serializing plain structs of strings and numbers cannot fail.
        Rendering::Json => serde_json::to_string(briefing).unwrap_or_default(),
        Rendering::Markdown => render_markdown(briefing),
    }
}

/// [`fit_response`] for a briefing rendered as `rendering`.
pub fn fit_briefing(
    transcripts: Vec<CleanTranscript>,
    offsets: &HashMap<String, usize>,
    max_chars: usize,
    rendering: Rendering,
    build: impl Fn(Vec<CleanTranscript>, Truncation) -> Briefing,
) -> Result<Briefing, ServiceError> {
    fit_response(
        transcripts,
        offsets,
        max_chars,
        rendering.measure(),
        build,
        |b| render_briefing(b, rendering),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Debug, Serialize)]
    struct Response {
        items: Vec<CleanTranscript>,
        truncation: Truncation,
        note: &'static str,
    }

    fn call(id: &str, content: String) -> CleanTranscript {
        CleanTranscript {
            call_id: id.into(),
            title: Some(format!("Call \"{id}\"")),
            started: Some("2024-05-02T15:00:00Z".into()),
            duration: Some(3600),
            url: Some(format!("https://app.gong.io/call?id={id}")),
            content,
            speakers: Vec::new(),
        }
    }

    fn build(items: Vec<CleanTranscript>, truncation: Truncation) -> Response {
        Response {
            items,
            truncation,
            note: "metadata \"quoted\" and\nescaped",
        }
    }

    fn json(r: &Response) -> String {
        serde_json::to_string(r).unwrap()
    }

    #[test]
    fn the_whole_json_response_fits_and_uses_the_budget() {
        let turn = "Ana: \"Quoted\" words\tand a backslash \\ é.\n\n";
        let items: Vec<_> = (0..10)
            .map(|i| call(&format!("{i}"), turn.repeat(300 + i * 40)))
            .collect();
        for max in [5_000, 20_000, 100_000] {
            let r = fit_response(
                items.clone(),
                &HashMap::new(),
                max,
                Measure::JsonString,
                build,
                json,
            )
            .unwrap();
            let used = char_len(&json(&r));
            assert!(used <= max, "{used} > {max}");
            assert!(used + 10 * 250 > max, "too much left idle: {used} of {max}");
            assert!(r.truncation.truncated);
        }
    }

    #[test]
    fn nothing_is_cut_when_everything_fits() {
        let items = vec![call("1", "A: hi\n\n".into())];
        let r = fit_response(
            items.clone(),
            &HashMap::new(),
            10_000,
            Measure::JsonString,
            build,
            json,
        )
        .unwrap();
        assert!(!r.truncation.truncated);
        assert_eq!(r.items, items);
    }

    #[test]
    fn a_budget_below_the_metadata_is_a_validation_error() {
        let items = vec![call("1", "A: hi\n\n".into())];
        let err = fit_response(
            items,
            &HashMap::new(),
            100,
            Measure::JsonString,
            build,
            json,
        )
        .unwrap_err();
        assert!(
            matches!(&err, ServiceError::Validation { field, .. } if field == "maxChars"),
            "{err}"
        );
    }

    #[test]
    fn max_chars_bounds() {
        assert!(check_max_chars(MIN_MAX_CHARS - 1).is_err());
        assert!(check_max_chars(DEFAULT_MAX_CHARS).is_ok());
        assert!(check_max_chars(MAX_MAX_CHARS + 1).is_err());
    }
}
