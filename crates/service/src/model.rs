//! The service's answers: account search hits, call rows and the [`Briefing`] pack.
//!
//! Plain serializable values, the same for every front door: the HTTP API returns them as
//! JSON (their schemas go into the OpenAPI document), the CLI renders them as Markdown.

use serde::{Deserialize, Serialize};
use transcript::budget::TranscriptSlice;
use transcript::Speaker;
use utoipa::ToSchema;

use crate::methodology::Methodology;

/// An account found by name, for the person to confirm before a briefing is built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountHit {
    /// Salesforce account id (18 characters), to pass to the briefing.
    pub id: String,
    /// Account name.
    pub name: String,
    /// Industry, when set.
    pub industry: Option<String>,
    /// Website, when set.
    pub website: Option<String>,
    /// "City, Country" of the billing address, when set.
    pub location: Option<String>,
    /// The account owner's name.
    pub owner: Option<String>,
}

/// One recorded call as Salesforce's Gong call record lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallRow {
    /// Gong call id (for `/callTranscripts`).
    pub call_id: String,
    /// Salesforce id of the Gong call record.
    pub record_id: String,
    /// Call title.
    pub title: Option<String>,
    /// Start time, ISO-8601 in UTC.
    pub started: Option<String>,
    /// Duration in seconds.
    pub duration: Option<i64>,
    /// Link to the call in Gong.
    pub url: Option<String>,
}

/// The account a briefing is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    /// Salesforce account id.
    pub id: String,
    /// Account name.
    pub name: String,
    /// The account owner's name.
    pub owner: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Number of employees.
    pub employees: Option<i64>,
    /// Annual revenue, in the org's currency.
    pub annual_revenue: Option<f64>,
    /// "City, Country" of the billing address.
    pub location: Option<String>,
}

/// An open deal with the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpportunitySummary {
    /// Salesforce opportunity id.
    pub id: String,
    /// Opportunity name.
    pub name: String,
    /// Sales stage.
    pub stage: Option<String>,
    /// Amount, in the org's currency.
    pub amount: Option<f64>,
    /// Expected close date (`YYYY-MM-DD`).
    pub close_date: Option<String>,
    /// Win probability in percent.
    pub probability: Option<f64>,
    /// The opportunity owner's name.
    pub owner: Option<String>,
}

/// A person at the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactSummary {
    /// Salesforce contact id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// How many of the briefing's calls they spoke or were listed on.
    pub calls_attended: usize,
}

/// One row of the briefing's calls table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BriefingCall {
    /// Gong call id.
    pub call_id: String,
    /// Call title.
    pub title: Option<String>,
    /// Start time, ISO-8601 in UTC.
    pub started: Option<String>,
    /// Duration in seconds.
    pub duration: Option<i64>,
    /// Link to the call in Gong.
    pub url: Option<String>,
    /// Who attended, with title and affiliation (Internal/External).
    pub attendees: Vec<Speaker>,
    /// Whether the transcript is in `transcripts`.
    pub has_transcript: bool,
}

/// One call's transcript text in a briefing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BriefingTranscript {
    /// Gong call id.
    pub call_id: String,
    /// Call title, for citing.
    pub title: Option<String>,
    /// Start time, for citing.
    pub started: Option<String>,
    /// One `"Speaker: text"` paragraph per turn; ends with a cut marker line when shortened.
    pub content: String,
}

/// How the transcripts were fitted into the response's character budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Truncation {
    /// The budget the whole response was held to, in characters.
    pub max_chars: usize,
    /// Whether any transcript was cut.
    pub truncated: bool,
    /// Per call: total, returned and where to continue.
    pub calls: Vec<TranscriptSlice>,
}

/// Everything an assistant needs to prepare a rep for a meeting with one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Briefing {
    /// The account.
    pub account: AccountSummary,
    /// The framework the write-up follows.
    pub methodology: Methodology,
    /// How to write the briefing up: sections, what to look for, how to cite.
    pub instructions: String,
    /// Open opportunities, soonest close first.
    pub opportunities: Vec<OpportunitySummary>,
    /// Key contacts, those on the most calls first.
    pub contacts: Vec<ContactSummary>,
    /// The newest calls, newest first.
    pub calls: Vec<BriefingCall>,
    /// Things the reader must know: no calls, missing transcripts, partial upstream failures.
    pub notes: Vec<String>,
    /// Ids of the calls whose Gong data came from callbrief's cache instead of a new request
    /// to Gong (a finished call's transcript does not change).
    #[serde(default)]
    pub cached_call_ids: Vec<String>,
    /// How the transcripts were fitted into the size budget.
    pub truncation: Truncation,
    /// The calls' transcripts, newest first (possibly cut; see `truncation`).
    pub transcripts: Vec<BriefingTranscript>,
}
