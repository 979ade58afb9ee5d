//! The research use case behind ChatGPT deep research's `search` and `fetch` tools: one
//! search over the caller's accounts and their recent calls, and one fetch of an account (as
//! its briefing) or a call (as its transcript), each fitted to a character budget.
//!
//! How wide a search reaches and how a fetched briefing is made to fit are decisions about
//! what the caller gets, so they live here with the other use cases; MCP only turns the
//! answers into tool results.

pub mod documents;
pub mod record_ref;

use std::collections::HashMap;

use transcript::budget::Measure;
use transcript::CleanTranscript;

use crate::briefing::BriefingRequest;
use crate::budget::{fit_response, MaxChars, Rendering};
use crate::error::ServiceError;
use crate::identity::Caller;
use crate::ids::{AccountId, CallId};
use crate::service::Service;
pub use documents::{FetchDocument, SearchResult};
pub use record_ref::{gong_call_url, salesforce_record_url, RecordRef};

/// Accounts whose recent calls a search also lists, and calls per account: enough for deep
/// research to find a conversation, few enough to keep one search a handful of queries.
pub const SEARCH_CALL_ACCOUNTS: usize = 3;
/// Calls listed per account in a search.
pub const SEARCH_CALLS_PER_ACCOUNT: usize = 5;
/// Share of a fetched account's budget held back for the JSON around its Markdown (escaped
/// newlines and quotes, the envelope): one twentieth.
const FETCH_ENVELOPE_SHARE: usize = 20;
/// Tries at fitting a fetched account's briefing into the budget.
const FETCH_ATTEMPTS: usize = 3;
/// The name of the record id argument, for messages.
const ID_FIELD: &str = "id";

impl Service {
    /// Accounts matching `query` and the newest calls of the first few, as search hits.
    /// `record_base_url` is the Salesforce instance the account links point at. A failure to
    /// list one account's calls leaves that account's calls out: the accounts are the answer.
    pub async fn search_records(
        &self,
        caller: &Caller,
        query: &str,
        record_base_url: &str,
    ) -> Result<Vec<SearchResult>, ServiceError> {
        let accounts = self.search_accounts(caller, query).await?;
        let calls = futures::future::join_all(accounts.iter().take(SEARCH_CALL_ACCOUNTS).map(
            |a| async move {
                let listed = match AccountId::parse(ID_FIELD, &a.id) {
                    Ok(id) => {
                        self.account_calls(caller, &id, SEARCH_CALLS_PER_ACCOUNT)
                            .await
                    }
                    Err(err) => Err(err),
                };
                (a, listed)
            },
        ))
        .await;
        let mut results: Vec<SearchResult> = accounts
            .iter()
            .map(|a| documents::account_result(a, salesforce_record_url(record_base_url, &a.id)))
            .collect();
        for (account, listed) in calls {
            match listed {
                Ok(rows) => results.extend(
                    rows.iter()
                        .map(|row| documents::call_result(row, &account.name)),
                ),
                Err(err) => {
                    tracing::warn!(error = %err, "search: listing an account's calls failed")
                }
            }
        }
        Ok(results)
    }

    /// The record `id` (`account:<id>` or `call:<id>`) as one document of at most `budget`
    /// characters of JSON: an account as its briefing in Markdown, a call as its transcript.
    pub async fn fetch_record(
        &self,
        caller: &Caller,
        id: &str,
        budget: MaxChars,
        record_base_url: &str,
    ) -> Result<FetchDocument, ServiceError> {
        let record =
            RecordRef::parse(id).map_err(|e| ServiceError::validation(ID_FIELD, e.to_string()))?;
        match record {
            RecordRef::Account(raw) => {
                let account_id = AccountId::parse(ID_FIELD, &raw)?;
                let url = salesforce_record_url(record_base_url, account_id.as_str());
                self.fetch_account(caller, account_id, budget, url).await
            }
            RecordRef::Call(raw) => {
                let call_id = CallId::parse(ID_FIELD, &raw)?;
                self.fetch_call(caller, call_id, budget).await
            }
        }
    }

    async fn fetch_account(
        &self,
        caller: &Caller,
        account_id: AccountId,
        budget: MaxChars,
        url: String,
    ) -> Result<FetchDocument, ServiceError> {
        let total = budget.get();
        let mut request = BriefingRequest {
            max_chars: budget.shrink_to(total - total / FETCH_ENVELOPE_SHARE)?,
            rendering: Rendering::Markdown,
            ..BriefingRequest::new(account_id.clone())
        };
        // JSON escaping of the Markdown (newlines, quotes) is the only growth past the briefing's
        // own budget; a retry with the overflow taken off settles the rare one still too long.
        for _ in 0..FETCH_ATTEMPTS {
            let briefing = self.briefing(caller, &request).await?;
            let document = documents::account_document(&briefing, url.clone());
            let text = serde_json::to_string(&document).unwrap_or_default();
            let over = text.chars().count().saturating_sub(total);
            if over == 0 {
                return Ok(document);
            }
            let smaller = request
                .max_chars
                .get()
                .saturating_sub(over + over / 2 + 100);
            request.max_chars = request.max_chars.shrink_to(smaller)?;
        }
        Err(ServiceError::validation(
            ID_FIELD,
            format!(
                "the briefing of account {account_id} does not fit the {total}-character budget; \
                 use get_account_briefing with fewer calls"
            ),
        ))
    }

    async fn fetch_call(
        &self,
        caller: &Caller,
        call_id: CallId,
        budget: MaxChars,
    ) -> Result<FetchDocument, ServiceError> {
        let (assembled, _) = self
            .fetch_assembled(caller, std::slice::from_ref(&call_id), false)
            .await?;
        if let Some(failed) = assembled.failed.first() {
            return Err(ServiceError::Upstream {
                service: crate::error::Upstream::Gong,
                message: format!("call {call_id}: {}; try again", failed.reason),
            });
        }
        if assembled.call_transcripts.is_empty() {
            let message = if assembled.not_found.is_empty() {
                format!(
                    "no call {call_id} that you can see in Salesforce; search finds the calls of \
                     your accounts"
                )
            } else {
                format!("Gong has no transcript for call {call_id} (unknown or not transcribed)")
            };
            return Err(ServiceError::NotFound { message });
        }
        let id = RecordRef::Call(call_id.to_string()).to_string();
        fit_response(
            assembled.call_transcripts,
            &HashMap::new(),
            &HashMap::new(),
            budget,
            Measure::JsonString,
            |transcripts, _| {
                let transcript = transcripts
                    .into_iter()
                    .next()
                    .unwrap_or_else(empty_transcript);
                documents::call_document(&id, &transcript)
            },
            |document| serde_json::to_string(document).unwrap_or_default(),
        )
    }
}

fn empty_transcript() -> CleanTranscript {
    CleanTranscript {
        call_id: String::new(),
        title: None,
        started: None,
        duration: None,
        url: None,
        content: String::new(),
        speakers: Vec::new(),
    }
}
