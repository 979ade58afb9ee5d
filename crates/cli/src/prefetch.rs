//! `callbrief prefetch`: one prefetch run (the Gong data of the next hours' meetings into the
//! cache) and exit, for cron or a scheduled function; a progress bar on a terminal and a
//! one-line summary. Reads the same settings as `serve`, cache included: run it where the
//! servers' cache is (the shared Redis, or the same store directory).

use std::io::IsTerminal as _;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use server::config::UpstreamArgs;
use service::{PrefetchProgress, PrefetchSummary, DEFAULT_PREFETCH_HOURS_AHEAD};

/// `callbrief prefetch`.
#[derive(Debug, Args)]
pub struct PrefetchCommandArgs {
    /// Hours of customer meetings ahead to cover (1 to 168).
    #[arg(long, default_value_t = DEFAULT_PREFETCH_HOURS_AHEAD)]
    pub hours_ahead: usize,

    /// Longest the run may wait for spare Gong capacity, in minutes.
    #[arg(long, default_value_t = service::DEFAULT_PREFETCH_EVERY_MINUTES)]
    pub budget_minutes: u64,

    #[command(flatten)]
    pub upstream: UpstreamArgs,
}

/// A progress bar on stderr, drawn only on a terminal.
struct Bar(ProgressBar);

impl PrefetchProgress for Bar {
    fn started(&self, total: usize) {
        self.0.set_length(total as u64);
    }
    fn advanced(&self, done: usize) {
        self.0.inc(done as u64);
    }
}

impl PrefetchCommandArgs {
    /// Runs once and returns the summary line.
    pub async fn run(&self) -> anyhow::Result<String> {
        if !(1..=service::MAX_MEETING_HOURS).contains(&self.hours_ahead) {
            bail!(
                "--hours-ahead must be between 1 and {}",
                service::MAX_MEETING_HOURS
            );
        }
        if self.budget_minutes == 0 {
            bail!("--budget-minutes must be at least 1");
        }
        let service = server::service_setup::build_service(&self.upstream.service_account()?)?;
        if !service.has_salesforce() {
            bail!(
                "prefetch reads the calendar from Salesforce: set SALESFORCE_INSTANCE_URL, \
                 SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET"
            );
        }
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{spinner} calls {pos}/{len} {wide_bar} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let progress = Bar(bar);
        let summary = service
            .prefetch(
                self.hours_ahead,
                Duration::from_secs(self.budget_minutes.saturating_mul(60)),
                &progress,
            )
            .await;
        progress.0.finish_and_clear();
        Ok(summary_line(&summary?, self.hours_ahead))
    }
}

/// The one line a run prints.
pub fn summary_line(s: &PrefetchSummary, hours: usize) -> String {
    let mut line = format!(
        "prefetch: {} meetings in the next {hours} h on {} accounts; {} calls, {} already cached, \
         {} fetched, {} failed; {} Gong requests",
        s.meetings, s.accounts, s.calls, s.already_cached, s.fetched, s.failed, s.gong_requests
    );
    if s.accounts_failed > 0 {
        line.push_str(&format!(
            "; the calls of {} accounts could not be listed",
            s.accounts_failed
        ));
    }
    if s.stopped_at_share {
        line.push_str("; stopped at its share of the daily quota (CALLBRIEF_PREFETCH_DAILY_SHARE)");
    }
    line
}
