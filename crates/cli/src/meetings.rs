//! `callbrief meetings --user maya@example.com`: a rep's customer meetings of the next hours,
//! as a table (or JSON), read with the service credentials from the same settings `serve`
//! reads.

use anyhow::bail;
use clap::Args;
use server::config::UpstreamArgs;
use service::{Caller, MeetingsRequest, MyMeetings, UserRef, DEFAULT_MEETING_HOURS};

use crate::briefing::FormatArg;

/// `callbrief meetings`.
#[derive(Debug, Args)]
pub struct MeetingsArgs {
    /// Whose meetings: a Salesforce user id (005...) or username.
    #[arg(long)]
    pub user: String,

    /// How many hours ahead (1 to 168).
    #[arg(long, default_value_t = DEFAULT_MEETING_HOURS)]
    pub hours: usize,

    /// Output format: markdown (a table) or json (what GET /meetings returns).
    #[arg(long, value_enum, default_value_t = FormatArg::Markdown)]
    pub format: FormatArg,

    #[command(flatten)]
    pub upstream: UpstreamArgs,
}

impl MeetingsArgs {
    /// Lists the meetings and returns them as text in the chosen format.
    pub async fn run(&self) -> anyhow::Result<String> {
        let service = server::service_setup::build_service(&self.upstream.service_account()?)?;
        if !service.has_salesforce() {
            bail!(
                "meetings are read from Salesforce: set SALESFORCE_INSTANCE_URL, \
                 SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET"
            );
        }
        let request = MeetingsRequest {
            hours: self.hours,
            user: Some(UserRef::parse("--user", &self.user)?),
        };
        let meetings = service
            .my_meetings(&Caller::ServiceAccount, &request)
            .await?;
        Ok(match self.format {
            FormatArg::Markdown => table(&meetings, self.hours),
            FormatArg::Json => serde_json::to_string(&meetings)?,
        })
    }
}

/// The meetings as a Markdown table, with the notes under it.
fn table(meetings: &MyMeetings, hours: usize) -> String {
    let mut out = String::new();
    if meetings.meetings.is_empty() {
        out.push_str(&format!(
            "No customer meetings in the next {hours} hours.\n"
        ));
    } else {
        out.push_str("| Start (UTC) | Account | Subject | Attendees | Calls | Cached | Event |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for m in &meetings.meetings {
            out.push_str(&format!(
                "| {} | {} ({}) | {} | {} | {} | {} | {} |\n",
                m.start.as_deref().unwrap_or("?"),
                cell(&m.account_name),
                m.account_id,
                cell(m.subject.as_deref().unwrap_or("")),
                m.attendees,
                m.briefing_calls,
                if m.cached { "yes" } else { "no" },
                m.event_id,
            ));
        }
    }
    for note in &meetings.notes {
        out.push_str(&format!("\n{note}\n"));
    }
    out
}

/// Text safe in a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
