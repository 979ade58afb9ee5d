//! The `search` / `fetch` shapes ChatGPT's deep research reads, built from service records.
//!
//! `search` answers `{"results": [{id, title, url}]}` and `fetch` answers `{id, title, text, url,
//! metadata}`, both as one JSON text item. Pure functions: records in, documents out.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use transcript::CleanTranscript;

use super::record_ref::{gong_call_url, RecordRef};
use crate::model::{AccountHit, Briefing, CallRow};
use crate::render::render_markdown;

/// One `search` hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResult {
    /// `account:<id>` or `call:<id>`, to pass to `fetch`.
    pub id: String,
    /// What a person would call it.
    pub title: String,
    /// The record in Salesforce or the call in Gong.
    pub url: String,
}

/// A `fetch` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchDocument {
    /// The id that was fetched.
    pub id: String,
    /// What a person would call it.
    pub title: String,
    /// The full text: a briefing for an account, the transcript for a call.
    pub text: String,
    /// The record in Salesforce or the call in Gong.
    pub url: String,
    /// Facts about the record, for citing and filtering.
    pub metadata: Value,
}

/// "Name (Industry, City, Country)", leaving out what is unknown.
fn account_title(name: &str, details: &[Option<&str>]) -> String {
    let known: Vec<&str> = details
        .iter()
        .flatten()
        .copied()
        .filter(|d| !d.trim().is_empty())
        .collect();
    if known.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({})", known.join(", "))
    }
}

/// The date part of an ISO-8601 timestamp.
fn date_of(started: Option<&str>) -> Option<&str> {
    started.map(|s| s.get(..10).unwrap_or(s))
}

/// A found account as a search hit.
pub fn account_result(account: &AccountHit, url: String) -> SearchResult {
    SearchResult {
        id: RecordRef::Account(account.id.clone()).to_string(),
        title: account_title(
            &account.name,
            &[account.industry.as_deref(), account.location.as_deref()],
        ),
        url,
    }
}

/// A call of `account_name` as a search hit: "Title, 2024-05-02 (Acme)".
pub fn call_result(row: &CallRow, account_name: &str) -> SearchResult {
    let title = row.title.as_deref().unwrap_or("Untitled call");
    let title = match date_of(row.started.as_deref()) {
        Some(date) => format!("{title}, {date} ({account_name})"),
        None => format!("{title} ({account_name})"),
    };
    SearchResult {
        id: RecordRef::Call(row.call_id.clone()).to_string(),
        title,
        url: row
            .url
            .clone()
            .unwrap_or_else(|| gong_call_url(&row.call_id)),
    }
}

/// An account fetched: its briefing as Markdown.
pub fn account_document(briefing: &Briefing, url: String) -> FetchDocument {
    let account = &briefing.account;
    FetchDocument {
        id: RecordRef::Account(account.id.clone()).to_string(),
        title: account.name.clone(),
        text: render_markdown(briefing),
        url,
        metadata: json!({
            "type": "account",
            "owner": account.owner,
            "industry": account.industry,
            "website": account.website,
            "location": account.location,
            "openOpportunities": briefing.opportunities.len(),
            "calls": briefing.calls.len(),
            "truncated": briefing.truncation.truncated,
        }),
    }
}

/// A call fetched: a short header (title, date, attendees, link) and the transcript.
pub fn call_document(id: &str, call: &CleanTranscript) -> FetchDocument {
    let title = call
        .title
        .clone()
        .unwrap_or_else(|| "Untitled call".to_owned());
    let url = call
        .url
        .clone()
        .unwrap_or_else(|| gong_call_url(&call.call_id));
    let mut header = format!("# {title}\n");
    if let Some(date) = date_of(call.started.as_deref()) {
        header.push_str(&format!("Date: {date}\n"));
    }
    if let Some(seconds) = call.duration {
        header.push_str(&format!("Duration: {} min\n", (seconds + 59) / 60));
    }
    let attendees: Vec<String> = call
        .speakers
        .iter()
        .map(|s| {
            let name = s.name.as_deref().unwrap_or("Unknown");
            match s.title.as_deref() {
                Some(t) if !t.is_empty() => format!("{name} ({t}, {})", s.affiliation),
                _ => format!("{name} ({})", s.affiliation),
            }
        })
        .collect();
    if !attendees.is_empty() {
        header.push_str(&format!("Attendees: {}\n", attendees.join("; ")));
    }
    header.push_str(&format!("Gong: {url}\n\n"));
    FetchDocument {
        id: id.to_owned(),
        title,
        text: header + &call.content,
        url,
        metadata: json!({
            "type": "call",
            "callId": call.call_id,
            "started": call.started,
            "durationSeconds": call.duration,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use transcript::Speaker;

    fn hit() -> AccountHit {
        AccountHit {
            id: "001A".into(),
            name: "Acme".into(),
            industry: Some("Manufacturing".into()),
            website: None,
            location: Some("Berlin, Germany".into()),
            owner: Some("Ana".into()),
        }
    }

    #[test]
    fn account_hits_name_what_is_known() {
        let r = account_result(&hit(), "https://x.my.salesforce.com/001A".into());
        assert_eq!(r.id, "account:001A");
        assert_eq!(r.title, "Acme (Manufacturing, Berlin, Germany)");
        let bare = AccountHit {
            industry: None,
            location: Some(" ".into()),
            ..hit()
        };
        assert_eq!(account_result(&bare, String::new()).title, "Acme");
    }

    #[test]
    fn call_hits_fall_back_to_gongs_link() {
        let row = CallRow {
            call_id: "42".into(),
            record_id: "a01".into(),
            title: Some("Discovery".into()),
            started: Some("2024-05-02T15:00:00Z".into()),
            duration: Some(1800),
            url: None,
        };
        let r = call_result(&row, "Acme");
        assert_eq!(r.id, "call:42");
        assert_eq!(r.title, "Discovery, 2024-05-02 (Acme)");
        assert_eq!(r.url, "https://app.gong.io/call?id=42");
    }

    #[test]
    fn a_call_document_has_a_header_and_the_transcript() {
        let call = CleanTranscript {
            call_id: "42".into(),
            title: Some("Discovery".into()),
            started: Some("2024-05-02T15:00:00Z".into()),
            duration: Some(61),
            url: Some("https://app.gong.io/call?id=42".into()),
            content: "Ana: Hello.\n\n".into(),
            speakers: vec![Speaker {
                name: Some("Ana".into()),
                title: Some("AE".into()),
                affiliation: "Internal".into(),
                email_domain: None,
            }],
        };
        let d = call_document("call:42", &call);
        assert_eq!(d.title, "Discovery");
        assert!(d.text.starts_with(
            "# Discovery\nDate: 2024-05-02\nDuration: 2 min\nAttendees: Ana (AE, Internal)\n"
        ));
        assert!(d.text.ends_with("Ana: Hello.\n\n"));
        assert_eq!(d.metadata["type"], "call");
    }
}
