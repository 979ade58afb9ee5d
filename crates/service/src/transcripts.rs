//! The transcripts use case: which of the requested calls the caller may read, what Gong has
//! for them, and one answer fitted to the caller's budget.
//!
//! The rules that make callbrief better than the original middleware live in [`assemble`], a
//! pure function unit-tested directly: partial failures keep what did arrive, unknown ids are
//! listed instead of failing the request, and results follow the order the caller asked in.

use std::collections::{HashMap, HashSet};

use gong::{CallData, GongError};
use transcript::budget::Measure;
use transcript::CleanTranscript;

use crate::budget::{fit_response, MaxChars};
use crate::dto::{FailedCall, TranscriptsAnswer};
use crate::error::ServiceError;
use crate::identity::Caller;
use crate::ids::CallId;
use crate::service::Service;

/// Which calls to fetch and how large the answer may be.
#[derive(Debug, Clone)]
pub struct TranscriptsRequest {
    /// Distinct call ids, in the caller's order.
    pub call_ids: Vec<CallId>,
    /// Budget of the whole answer (with what the front door reserves around it).
    pub max_chars: MaxChars,
    /// Where to start each call's transcript (characters, by Gong call id), to read on after a cut.
    pub offsets: HashMap<String, usize>,
    /// Mark each turn with its time in the call (`[12:34] Speaker: ...`), as briefings do.
    /// Off by default: then `content` is the original middleware's format, byte for byte.
    pub timestamps: bool,
}

impl Service {
    /// Transcripts of the calls the caller may read, fitted to the budget. The others are
    /// listed in `notAccessible` and never sent to Gong. Fails with the Gong error only when
    /// nothing that was asked for could be fetched.
    pub async fn transcripts(
        &self,
        caller: &Caller,
        request: &TranscriptsRequest,
    ) -> Result<TranscriptsAnswer, ServiceError> {
        let _admitted = self.admit(request.call_ids.len()).await;
        let (assembled, not_accessible) = self
            .fetch_assembled(caller, &request.call_ids, request.timestamps)
            .await?;
        fit_transcripts(
            assembled,
            not_accessible,
            &request.offsets,
            request.max_chars,
        )
    }

    /// What Gong has for the calls among `call_ids` the caller may read, sorted out, and the
    /// ids withheld; with `timestamps`, each turn carries its time in the call. Fails with the
    /// Gong error only when nothing could be fetched.
    pub(crate) async fn fetch_assembled(
        &self,
        caller: &Caller,
        call_ids: &[CallId],
        timestamps: bool,
    ) -> Result<(Assembled, Vec<CallId>), ServiceError> {
        let access = self.accessible_call_ids(caller, call_ids).await?;
        if !access.not_accessible.is_empty() {
            tracing::info!(
                user_id = caller.user_id().unwrap_or("service"),
                withheld = access.not_accessible.len(),
                "call ids withheld: not visible to the caller in Salesforce"
            );
        }
        let readable = access.accessible;
        let assembled = match self
            .gong
            .calls_with_transcripts_for(caller.fairness_key(), &readable)
            .await
            .and_then(|data| {
                let timed = timestamps.then(|| timed_contents(&data));
                let mut assembled = assemble(&readable, data)?;
                if let Some(mut timed) = timed {
                    for t in &mut assembled.call_transcripts {
                        if let Some(content) = timed.remove(&t.call_id) {
                            t.content = content;
                        }
                    }
                }
                Ok(assembled)
            }) {
            Ok(assembled) => assembled,
            Err(err) => {
                tracing::warn!(requested = readable.len(), error = %err, "Gong fetch failed");
                return Err(ServiceError::from(err));
            }
        };
        tracing::info!(
            requested = call_ids.len(),
            not_accessible = access.not_accessible.len(),
            returned = assembled.call_transcripts.len(),
            not_found = assembled.not_found.len(),
            failed = assembled.failed.len(),
            warnings = assembled.warnings.len(),
            "served call transcripts"
        );
        Ok((assembled, access.not_accessible))
    }
}

/// The answer for `assembled`, with transcripts cut fairly to fit `max_chars` as compact JSON.
pub fn fit_transcripts(
    assembled: Assembled,
    not_accessible: Vec<CallId>,
    offsets: &HashMap<String, usize>,
    max_chars: MaxChars,
) -> Result<TranscriptsAnswer, ServiceError> {
    let Assembled {
        call_transcripts,
        not_found,
        failed,
        warnings,
        cached_call_ids,
    } = assembled;
    fit_response(
        call_transcripts,
        offsets,
        &HashMap::new(),
        max_chars,
        Measure::JsonString,
        |call_transcripts, truncation| TranscriptsAnswer {
            call_transcripts,
            not_found: not_found.clone(),
            failed: failed.clone(),
            warnings: warnings.clone(),
            not_accessible: not_accessible.clone(),
            cached_call_ids: cached_call_ids.clone(),
            truncation,
        },
        // Serializing plain structs of strings and numbers cannot fail.
        |answer| serde_json::to_string(answer).unwrap_or_default(),
    )
}

/// What Gong returned for the requested calls, sorted out, before it is fitted to a budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembled {
    /// Clean transcripts, one per requested call found, in request order.
    pub call_transcripts: Vec<CleanTranscript>,
    /// Requested ids without a transcript.
    pub not_found: Vec<CallId>,
    /// Requested ids whose Gong request failed.
    pub failed: Vec<FailedCall>,
    /// Human-readable notes about partial failures.
    pub warnings: Vec<String>,
    /// Requested ids answered from callbrief's cache rather than Gong, in request order.
    pub cached_call_ids: Vec<CallId>,
}

/// Each transcript of `data` with every turn marked with its time in the call, by call id.
fn timed_contents(data: &CallData) -> HashMap<String, String> {
    let parties: HashMap<&str, &[gong::wire::Party]> = data
        .calls
        .iter()
        .map(|c| (c.meta_data.id.as_str(), c.parties.as_slice()))
        .collect();
    data.transcripts
        .iter()
        .map(|t| {
            let parties = parties.get(t.call_id.as_str()).copied().unwrap_or(&[]);
            (
                t.call_id.clone(),
                transcript::timed_content(&t.transcript, parties).0,
            )
        })
        .collect()
}

/// Builds the answer for `requested` (distinct ids, in the caller's order) from `data`.
///
/// Returns `Err` when nothing that was asked for could be fetched: every requested id is in a
/// failed transcript batch (or the client failed without saying which ids). Then the caller gets
/// the upstream error status instead of a 200 with an empty list.
pub fn assemble(requested: &[CallId], data: CallData) -> Result<Assembled, GongError> {
    let CallData {
        transcripts,
        calls,
        mut transcript_error,
        metadata_error,
        failed_call_ids,
        cached_call_ids,
        ..
    } = data;

    let failed_set: HashSet<&str> = failed_call_ids.iter().map(CallId::as_str).collect();
    if transcripts.is_empty() && transcript_error.is_some() {
        let all_failed =
            failed_set.is_empty() || requested.iter().all(|id| failed_set.contains(id.as_str()));
        if all_failed {
            if let Some(err) = transcript_error.take() {
                return Err(err);
            }
        }
    }

    let cleaned = transcript::clean_transcripts(&transcripts, &calls);
    let mut by_id: HashMap<String, CleanTranscript> = HashMap::with_capacity(cleaned.len());
    for clean in cleaned {
        // Gong pages should not overlap; if they ever do, the first copy wins.
        by_id.entry(clean.call_id.clone()).or_insert(clean);
    }
    let with_metadata: HashSet<&str> = calls.iter().map(|c| c.meta_data.id.as_str()).collect();

    let failure_reason = transcript_error
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "Gong request failed".to_owned());
    let mut call_transcripts = Vec::with_capacity(by_id.len());
    let mut not_found = Vec::new();
    let mut failed = Vec::new();
    let mut missing_metadata = Vec::new();
    for id in requested {
        if let Some(clean) = by_id.remove(id.as_str()) {
            if !with_metadata.contains(id.as_str()) {
                missing_metadata.push(id.clone());
            }
            call_transcripts.push(clean);
        } else if failed_set.contains(id.as_str()) {
            failed.push(FailedCall {
                call_id: id.clone(),
                reason: failure_reason.clone(),
            });
        } else {
            not_found.push(id.clone());
        }
    }

    let mut warnings = Vec::new();
    if let Some(err) = metadata_error {
        warnings.push(format!(
            "Gong call details (title, date, duration, URL, attendees) could not be fetched for \
             some calls, so those fields are null: {err}"
        ));
    } else if !missing_metadata.is_empty() {
        warnings.push(format!(
            "Gong returned no call details for {}, so title, date, duration, URL and attendees are null",
            missing_metadata
                .iter()
                .map(CallId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let cached_set: HashSet<&str> = cached_call_ids.iter().map(CallId::as_str).collect();
    let cached_call_ids = requested
        .iter()
        .filter(|id| cached_set.contains(id.as_str()))
        .cloned()
        .collect();
    Ok(Assembled {
        call_transcripts,
        not_found,
        failed,
        warnings,
        cached_call_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gong::wire::{CallMetaData, CallTranscript, ExtensiveCall, Monologue, Sentence};

    fn ids(list: &[&str]) -> Vec<CallId> {
        list.iter()
            .map(|s| CallId::parse("callIds", s).unwrap())
            .collect()
    }

    fn transcript(id: &str) -> CallTranscript {
        CallTranscript {
            call_id: id.into(),
            transcript: vec![Monologue {
                speaker_id: Some("1".into()),
                topic: None,
                sentences: vec![Sentence {
                    start: 0,
                    end: 1,
                    text: "Hello.".into(),
                }],
            }],
        }
    }

    fn call(id: &str) -> ExtensiveCall {
        ExtensiveCall {
            meta_data: CallMetaData {
                id: id.into(),
                title: Some(format!("Call {id}")),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn results_follow_request_order_and_unknown_ids_are_not_found() {
        let data = CallData {
            transcripts: vec![transcript("2"), transcript("1")],
            calls: vec![call("1"), call("2")],
            ..Default::default()
        };
        let out = assemble(&ids(&["1", "9", "2"]), data).unwrap();
        let got: Vec<&str> = out
            .call_transcripts
            .iter()
            .map(|t| t.call_id.as_str())
            .collect();
        assert_eq!(got, ["1", "2"]);
        assert_eq!(out.not_found, ids(&["9"]));
        assert!(out.failed.is_empty());
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn failed_batches_are_listed_and_metadata_failure_is_a_warning() {
        let data = CallData {
            transcripts: vec![transcript("1")],
            calls: vec![],
            transcript_error: Some(GongError::Upstream {
                status: 500,
                message: "boom".into(),
            }),
            metadata_error: Some(GongError::Transport("reset".into())),
            failed_call_ids: ids(&["2"]),
            ..CallData::default()
        };
        let out = assemble(&ids(&["1", "2"]), data).unwrap();
        assert_eq!(out.call_transcripts.len(), 1);
        assert_eq!(out.call_transcripts[0].title, None);
        assert_eq!(out.failed.len(), 1);
        assert_eq!(out.failed[0].call_id.as_str(), "2");
        assert!(out.failed[0].reason.contains("500"));
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].contains("could not be fetched"));
    }

    #[test]
    fn missing_metadata_without_an_error_is_a_warning_naming_the_call() {
        let data = CallData {
            transcripts: vec![transcript("1")],
            ..Default::default()
        };
        let out = assemble(&ids(&["1"]), data).unwrap();
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].contains("for 1,") || out.warnings[0].contains("for 1 "));
    }

    #[test]
    fn nothing_fetched_is_the_upstream_error() {
        let data = CallData {
            transcript_error: Some(GongError::DeadlineExceeded(std::time::Duration::from_secs(
                1,
            ))),
            failed_call_ids: ids(&["1", "2"]),
            ..Default::default()
        };
        let err = assemble(&ids(&["1", "2"]), data).unwrap_err();
        assert!(matches!(err, GongError::DeadlineExceeded(_)));
    }

    #[test]
    fn partly_failed_and_partly_unknown_is_still_an_answer() {
        let data = CallData {
            transcript_error: Some(GongError::Upstream {
                status: 502,
                message: "bad gateway".into(),
            }),
            failed_call_ids: ids(&["2"]),
            ..Default::default()
        };
        let out = assemble(&ids(&["1", "2"]), data).unwrap();
        assert_eq!(out.not_found, ids(&["1"]));
        assert_eq!(out.failed[0].call_id.as_str(), "2");
    }
}
