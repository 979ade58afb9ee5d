//! `callbrief briefing "Acme"`: the briefing pack for one account, as Markdown ready to paste
//! into any assistant (or as JSON), built with the service credentials from the same settings
//! `serve` reads.

use anyhow::bail;
use clap::{Args, ValueEnum};
use server::config::{UpstreamArgs, DEFAULT_MAX_RESPONSE_CHARS};
use service::{
    render_markdown, AccountId, BriefingRequest, Caller, MaxChars, MeetingChoice, Methodology,
    Rendering, Service, TranscriptMode, DEFAULT_BRIEFING_CALLS,
};

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Markdown: instructions, tables and transcripts, ready to paste.
    Markdown,
    /// The JSON the REST API's getAccountBriefing returns (compact).
    Json,
}

/// `callbrief briefing`.
#[derive(Debug, Args)]
pub struct BriefingArgs {
    /// The account: part of its name (e.g. "Acme") or its Salesforce id (001...).
    pub account: String,

    /// How many of the newest calls to include (1 to 20).
    #[arg(long, default_value_t = DEFAULT_BRIEFING_CALLS)]
    pub calls: usize,

    /// The sales methodology to write it up in: medpicc or spiced.
    #[arg(long, default_value = "medpicc")]
    pub methodology: Methodology,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Markdown)]
    pub format: FormatArg,

    /// Most characters of output; transcripts are cut fairly at turn boundaries to fit.
    #[arg(long, env = "CALLBRIEF_MAX_RESPONSE_CHARS", default_value_t = DEFAULT_MAX_RESPONSE_CHARS)]
    pub max_chars: usize,

    /// To read on after a cut: the offsets a cut marker names, e.g. '{"7782342274025937895": 12345}'.
    #[arg(long)]
    pub offsets: Option<String>,

    /// Transcript text: fit (keep the turns that matter when cutting), full (in order, cut at
    /// the end) or none (Gong's intelligence only).
    #[arg(long, default_value = "fit")]
    pub transcripts: TranscriptMode,

    /// The meeting to prepare for: next (the account's next Salesforce event), none, or a
    /// Salesforce event id (00U...) on the account.
    #[arg(long, default_value = "next")]
    pub meeting: String,

    #[command(flatten)]
    pub upstream: UpstreamArgs,
}

impl BriefingArgs {
    /// Builds the pack and returns it as text in the chosen format.
    pub async fn run(&self) -> anyhow::Result<String> {
        let service = server::service_setup::build_service(&self.upstream.service_account()?)?;
        if !service.has_salesforce() {
            bail!(
                "the briefing needs Salesforce: set SALESFORCE_INSTANCE_URL, \
                 SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET"
            );
        }
        let caller = Caller::ServiceAccount;
        let account_id = resolve_account(&service, &caller, &self.account).await?;
        let offsets = service::ids::offsets_from_text("offsets", self.offsets.as_deref())?;
        let request = BriefingRequest {
            offsets,
            calls: self.calls,
            methodology: self.methodology,
            max_chars: MaxChars::parse(
                "--max-chars",
                Some(self.max_chars),
                service::budget::MAX_MAX_CHARS,
            )?,
            rendering: match self.format {
                FormatArg::Markdown => Rendering::Markdown,
                FormatArg::Json => Rendering::Json,
            },
            transcripts: self.transcripts,
            meeting: MeetingChoice::parse("--meeting", &self.meeting)?,
            ..BriefingRequest::new(account_id)
        };
        let briefing = service.briefing(&caller, &request).await?;
        Ok(match self.format {
            FormatArg::Markdown => render_markdown(&briefing),
            FormatArg::Json => serde_json::to_string(&briefing)?,
        })
    }
}

/// The account id for `account`: an account id as given, else the one account whose name
/// matches (exactly, ignoring case, when several do).
async fn resolve_account(
    service: &Service,
    caller: &Caller,
    account: &str,
) -> anyhow::Result<AccountId> {
    let account = account.trim();
    if let Ok(id) = AccountId::parse("account", account) {
        return Ok(id);
    }
    let hits = service.search_accounts(caller, account).await?;
    let exact: Vec<_> = hits
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(account))
        .collect();
    match (hits.as_slice(), exact.as_slice()) {
        ([], _) => bail!("no Salesforce account matches {account:?}"),
        ([only], _) => Ok(AccountId::parse("account", &only.id)?),
        (_, [only]) => Ok(AccountId::parse("account", &only.id)?),
        _ => {
            let list: Vec<String> = hits
                .iter()
                .map(|h| format!("  {} - {}", h.name, h.id))
                .collect();
            bail!(
                "{} accounts match {account:?}; run again with one of these ids:\n{}",
                hits.len(),
                list.join("\n")
            )
        }
    }
}
