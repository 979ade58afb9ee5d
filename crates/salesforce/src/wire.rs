//! Salesforce's JSON shapes, as far as the client reads them. Unknown fields are ignored.

use secrecy::SecretString;
use serde::Deserialize;

/// One page of a query answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryPage {
    /// Records matching the query in all pages.
    #[serde(default)]
    pub total_size: u64,
    /// Whether this is the last page.
    #[serde(default = "yes")]
    pub done: bool,
    /// Where the next page is, when `done` is false.
    #[serde(default)]
    pub next_records_url: Option<String>,
    /// This page's records.
    #[serde(default)]
    pub records: Vec<serde_json::Value>,
}

fn yes() -> bool {
    true
}

/// A search answer: an object with `searchRecords` (API 37.0+) or, in older versions, a bare array.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SearchAnswer {
    /// `{"searchRecords": [...]}`
    Wrapped {
        /// The records found.
        #[serde(rename = "searchRecords")]
        search_records: Vec<serde_json::Value>,
    },
    /// `[...]`
    Bare(Vec<serde_json::Value>),
}

/// One item of Salesforce's error array `[{"message","errorCode"}]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorItem {
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Machine-readable code.
    #[serde(default)]
    pub error_code: String,
}

/// The token endpoint's error body.
#[derive(Debug, Deserialize)]
pub struct OAuthErrorBody {
    /// `error`
    #[serde(default)]
    pub error: String,
    /// `error_description`
    #[serde(default)]
    pub error_description: String,
}

/// The token endpoint's answer.
#[derive(Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: SecretString,
    /// The instance to call with it.
    #[serde(default)]
    pub instance_url: Option<String>,
}

/// Who a token belongs to, from `GET /services/oauth2/userinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserInfo {
    /// Salesforce user id (`005...`).
    pub user_id: String,
    /// Organization id (`00D...`).
    pub organization_id: String,
    /// The username (login).
    pub preferred_username: String,
    /// Full name.
    #[serde(default)]
    pub name: String,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// First name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub family_name: Option<String>,
}
