//! Holding a whole response to a character budget.
//!
//! `transcript::budget` fits transcript texts into a budget; a response also carries metadata,
//! tables and instructions. [`fit_response`] measures everything but the transcript texts by
//! rendering the response once with empty texts and the longest possible truncation report,
//! then gives the transcripts exactly what is left. The response cannot outgrow the budget:
//! each text adds precisely its measured cost, and the real report is never longer than the
//! one measured.

use std::collections::HashMap;

use transcript::budget::{Measure, Measured, TranscriptSlice, TurnMark};
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

/// A response budget in characters, checked, that remembers what the caller calls it
/// (`maxChars` over REST, `max_chars` over MCP, `--max-chars` on the command line), so an
/// error found later, while fitting, still names the caller's own field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxChars {
    value: usize,
    field: &'static str,
    reserved: usize,
}

impl Default for MaxChars {
    /// [`DEFAULT_MAX_CHARS`], named as REST names it.
    fn default() -> Self {
        Self {
            value: DEFAULT_MAX_CHARS,
            field: "maxChars",
            reserved: 0,
        }
    }
}

impl MaxChars {
    /// The caller's `requested` budget (or `ceiling` when absent), never above `ceiling` (the
    /// front door's setting), and within [`MIN_MAX_CHARS`]..=[`MAX_MAX_CHARS`]; the error
    /// names `field`.
    pub fn parse(
        field: &'static str,
        requested: Option<usize>,
        ceiling: usize,
    ) -> Result<Self, ServiceError> {
        let value = requested.map_or(ceiling, |r| r.min(ceiling));
        if (MIN_MAX_CHARS..=MAX_MAX_CHARS).contains(&value) {
            Ok(Self {
                value,
                field,
                reserved: 0,
            })
        } else {
            Err(ServiceError::validation(
                field,
                format!("must be between {MIN_MAX_CHARS} and {MAX_MAX_CHARS}; got {value}"),
            ))
        }
    }

    /// The budget in characters.
    pub fn get(self) -> usize {
        self.value
    }

    /// The caller's name of the budget, for messages.
    pub fn field(self) -> &'static str {
        self.field
    }

    /// The same field with a smaller budget, checked again (it may fall below the minimum).
    pub fn shrink_to(self, value: usize) -> Result<Self, ServiceError> {
        Ok(Self {
            reserved: self.reserved,
            ..Self::parse(self.field, Some(value), self.value)?
        })
    }

    /// The same budget with `chars` kept free for what the front door writes around the
    /// answer (REST's legacy envelope): fitting leaves them unused, and the report still
    /// states the whole budget.
    pub fn reserve(self, chars: usize) -> Self {
        Self {
            reserved: self.reserved.saturating_add(chars),
            ..self
        }
    }
}

/// Checks a configured budget (a setting, not a caller's request) against the same bounds.
pub fn check_max_chars(max_chars: usize) -> Result<usize, ServiceError> {
    MaxChars::parse("maxChars", Some(max_chars), MAX_MAX_CHARS).map(MaxChars::get)
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
/// even the response without any transcript text is over the budget. With `marks`, a cut
/// transcript keeps its most valuable turns rather than its opening (see
/// `transcript::budget::Measured::fit_selecting`); without, each is cut at its end.
pub fn fit_response<R>(
    transcripts: Vec<CleanTranscript>,
    offsets: &HashMap<String, usize>,
    marks: &HashMap<String, Vec<TurnMark>>,
    budget: MaxChars,
    measure: Measure,
    build: impl Fn(Vec<CleanTranscript>, Truncation) -> R,
    render: impl Fn(&R) -> String,
) -> Result<R, ServiceError> {
    let max_chars = budget.get();
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
    let overhead = overhead.saturating_add(budget.reserved);
    if overhead > max_chars {
        let field = budget.field();
        return Err(ServiceError::validation(
            field,
            format!(
                "{max_chars} is too small: this response needs {overhead} characters before any \
                 transcript text; ask for fewer calls or a larger {field}"
            ),
        ));
    }
    let fitted = if marks.is_empty() {
        measured.fit(max_chars - overhead)
    } else {
        measured.fit_selecting(max_chars - overhead, marks)
    };
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
    marks: &HashMap<String, Vec<TurnMark>>,
    max_chars: MaxChars,
    rendering: Rendering,
    build: impl Fn(Vec<CleanTranscript>, Truncation) -> Briefing,
) -> Result<Briefing, ServiceError> {
    fit_response(
        transcripts,
        offsets,
        marks,
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

    fn budget(max: usize) -> MaxChars {
        MaxChars::parse("maxChars", Some(max), MAX_MAX_CHARS).unwrap()
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
                &HashMap::new(),
                budget(max),
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
            &HashMap::new(),
            budget(10_000),
            Measure::JsonString,
            build,
            json,
        )
        .unwrap();
        assert!(!r.truncation.truncated);
        assert_eq!(r.items, items);
    }

    #[test]
    fn a_budget_below_the_metadata_is_a_validation_error_naming_the_callers_field() {
        let items: Vec<_> = (0..30)
            .map(|i| call(&i.to_string(), "A: hi\n\n".into()))
            .collect();
        let err = fit_response(
            items,
            &HashMap::new(),
            &HashMap::new(),
            MaxChars::parse("max_chars", Some(2_000), MAX_MAX_CHARS).unwrap(),
            Measure::JsonString,
            build,
            json,
        )
        .unwrap_err();
        assert!(
            matches!(&err, ServiceError::Validation { field, .. } if field == "max_chars"),
            "{err}"
        );
    }

    #[test]
    fn max_chars_bounds_and_ceiling() {
        let parse = |r, c| MaxChars::parse("maxChars", r, c);
        assert!(parse(Some(MIN_MAX_CHARS - 1), MAX_MAX_CHARS).is_err());
        assert!(parse(Some(DEFAULT_MAX_CHARS), MAX_MAX_CHARS).is_ok());
        assert!(parse(Some(MAX_MAX_CHARS + 1), usize::MAX).is_err());
        // The setting caps what a caller may ask for.
        assert_eq!(parse(Some(1_000_000), 5_000).unwrap().get(), 5_000);
        assert_eq!(parse(None, 5_000).unwrap().get(), 5_000);
        let err = MaxChars::parse("max_chars", Some(10), 5_000).unwrap_err();
        assert!(err.to_string().starts_with("max_chars: "), "{err}");
    }
}
