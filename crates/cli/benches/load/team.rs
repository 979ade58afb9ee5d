//! The team and single-rep scenarios: callbrief against a Gong simulator that enforces Gong's
//! own limits (3 requests/s, 10,000 a day, 100 records a page), asked for generated calls
//! nobody fetched before, next to the original middleware's request pattern under the same
//! limits.
//!
//! The original middleware (see the README's history) sent, for each request, `POST
//! /v2/calls/transcript` and then `POST /v2/calls/extensive` with parties, one after the other,
//! straight to Gong, with no limiter, no retry and no cache. The bench sends exactly those two
//! requests; its own work on the answers is not counted, which favours it.
//!
//! In both scenarios a rep who gets a failure waits a second before asking again (a person
//! re-asking), for the original and for callbrief alike.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sim::gong::{Faults, GongSimConfig, RunningSim};
use sim::org::{generated_call_id, SampleOrg};

use crate::support::{
    fmt_opt, memory_kb, ms, percentile, render, start_server, Child, Verdict, API_KEY,
    REQUEST_TIMEOUT,
};
use crate::Params;

/// Target: calls served per second by a team at once.
const MIN_TEAM_CALLS_PER_SEC: f64 = 100.0;
/// Target: p50 latency of a team request, in milliseconds.
const MAX_TEAM_P50_MS: f64 = 2_000.0;
/// Target: a cold request's p50 as a share of the original's.
const MAX_COLD_RATIO: f64 = 0.6;
/// Target: a warm request's p50 as a share of the original's.
const MAX_WARM_RATIO: f64 = 0.1;
/// How long a rep waits after a failure before asking again.
const RETRY_PAUSE: Duration = Duration::from_secs(1);
/// Pause between single-rep requests, so that neither side ever waits for Gong's limit.
const SINGLE_SPACING: Duration = Duration::from_millis(1_100);

/// A Gong simulator with Gong's real limits and `latency` per answer, in this process (so its
/// counters are readable).
pub(crate) async fn limited_gong(
    org: Arc<SampleOrg>,
    latency: Duration,
) -> anyhow::Result<RunningSim> {
    let config = GongSimConfig {
        faults: Faults {
            latency,
            ..Faults::default()
        },
        ..GongSimConfig::default()
    };
    sim::gong::spawn(org, config)
        .await
        .context("could not start the Gong simulator")
}

/// Hands out generated call ids nobody asked for before.
pub(crate) struct FreshIds(AtomicU64);

impl FreshIds {
    pub(crate) fn starting_at(n: u64) -> Self {
        Self(AtomicU64::new(n))
    }

    pub(crate) fn take(&self, n: usize) -> Vec<String> {
        let first = self.0.fetch_add(n as u64, Ordering::Relaxed);
        (first..first + n as u64).map(generated_call_id).collect()
    }
}

/// Who is asked: callbrief's `/callTranscripts`, or Gong directly as the original did.
#[derive(Clone)]
pub(crate) enum Target {
    Server { url: String },
    Original { gong_url: String },
}

impl Target {
    /// Asks for `ids`; `Ok` only when every call came back.
    pub(crate) async fn ask(&self, http: &reqwest::Client, ids: &[String]) -> Result<(), String> {
        match self {
            Target::Server { url } => {
                let response = http
                    .post(format!("{url}/callTranscripts"))
                    .bearer_auth(API_KEY)
                    .json(&serde_json::json!({ "callIds": ids }))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(format!("HTTP {status}: {}", body["error"]["code"]));
                }
                let returned = body["callTranscripts"].as_array().map_or(0, Vec::len);
                let failed = body["failed"].as_array().map_or(0, Vec::len);
                if returned == ids.len() && failed == 0 {
                    Ok(())
                } else {
                    Err(format!(
                        "{returned} of {} calls, failed: {}",
                        ids.len(),
                        body["failed"]
                    ))
                }
            }
            Target::Original { gong_url } => {
                let defaults = GongSimConfig::default();
                let filter = serde_json::json!({ "callIds": ids });
                let bodies = [
                    (
                        "/v2/calls/transcript",
                        serde_json::json!({ "filter": filter }),
                    ),
                    (
                        "/v2/calls/extensive",
                        serde_json::json!({
                            "filter": filter,
                            "contentSelector": { "exposedFields": { "parties": true } },
                        }),
                    ),
                ];
                for (path, body) in bodies {
                    let response = http
                        .post(format!("{gong_url}{path}"))
                        .basic_auth(&defaults.access_key, Some(&defaults.access_key_secret))
                        .json(&body)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    let status = response.status();
                    response.bytes().await.map_err(|e| e.to_string())?;
                    if !status.is_success() {
                        return Err(format!("Gong answered {status} to {path}"));
                    }
                }
                Ok(())
            }
        }
    }
}

/// What reps asking at once measured.
#[derive(Debug, Default)]
struct TeamSample {
    latencies: Vec<Duration>,
    calls: usize,
    failed: usize,
    first_error: Option<String>,
    elapsed: Duration,
}

/// `reps` reps, each asking for `per_request` fresh calls until `secs` have passed.
async fn drive(
    http: &reqwest::Client,
    target: &Target,
    ids: &Arc<FreshIds>,
    reps: usize,
    per_request: usize,
    secs: Duration,
) -> TeamSample {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..reps {
        let (http, target, ids) = (http.clone(), target.clone(), ids.clone());
        tasks.spawn(async move {
            let mut sample = TeamSample::default();
            while started.elapsed() < secs {
                let asked = ids.take(per_request);
                let sent = Instant::now();
                match target.ask(&http, &asked).await {
                    Ok(()) => {
                        sample.latencies.push(sent.elapsed());
                        sample.calls += asked.len();
                    }
                    Err(e) => {
                        sample.failed += 1;
                        sample.first_error.get_or_insert(e);
                        tokio::time::sleep(RETRY_PAUSE).await;
                    }
                }
            }
            sample
        });
    }
    let mut total = TeamSample::default();
    while let Some(joined) = tasks.join_next().await {
        let sample = joined.unwrap_or_else(|e| TeamSample {
            failed: 1,
            first_error: Some(e.to_string()),
            ..TeamSample::default()
        });
        total.latencies.extend(sample.latencies);
        total.calls += sample.calls;
        total.failed += sample.failed;
        if total.first_error.is_none() {
            total.first_error = sample.first_error;
        }
    }
    total.elapsed = started.elapsed();
    total.latencies.sort_unstable();
    total
}

/// One row of the team table.
struct TeamRow {
    who: &'static str,
    sample: TeamSample,
    gong_requests: u64,
    gong_429s: u64,
    gong_max_per_sec: u64,
}

impl TeamRow {
    fn calls_per_sec(&self) -> f64 {
        self.sample.calls as f64 / self.sample.elapsed.as_secs_f64().max(1e-9)
    }

    fn p50_ms(&self) -> Option<f64> {
        percentile(&self.sample.latencies, 0.5).map(ms)
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.who.to_owned(),
            format!("{:.1}", self.calls_per_sec()),
            self.sample.latencies.len().to_string(),
            self.sample.failed.to_string(),
            fmt_opt(self.p50_ms(), 0),
            fmt_opt(percentile(&self.sample.latencies, 0.99).map(ms), 0),
            self.gong_requests.to_string(),
            self.gong_429s.to_string(),
            self.gong_max_per_sec.to_string(),
        ]
    }
}

fn http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("could not build the HTTP client")
}

/// callbrief serving from an on-disk cache in `dir`, against `gong`, Gong's limits at their
/// defaults.
async fn cached_server(
    gong: &RunningSim,
    dir: &std::path::Path,
) -> anyhow::Result<(Child, String)> {
    start_server(
        &gong.base_url,
        &[
            ("CALLBRIEF_CACHE", "disk".into()),
            ("CALLBRIEF_CACHE_DIR", dir.display().to_string()),
        ],
    )
    .await
}

/// The team scenario.
pub(crate) async fn run_team(params: &Params) -> anyhow::Result<Vec<Verdict>> {
    let latency = Duration::from_millis(params.gong_latency_ms);
    let secs = Duration::from_secs(params.team_secs.max(1));
    let (reps, per_request) = (params.team_reps.max(1), params.team_calls.max(1));
    println!(
        "team: {reps} reps at once, {per_request} never-seen calls per request, {} s, Gong simulator with 3 requests/s, 100 records a page, {} ms latency",
        secs.as_secs(),
        latency.as_millis()
    );
    let org = Arc::new(SampleOrg::for_today());
    let http = http_client()?;
    let mut rows = Vec::new();

    let gong = limited_gong(org.clone(), latency).await?;
    let original = Target::Original {
        gong_url: gong.base_url.clone(),
    };
    let ids = Arc::new(FreshIds::starting_at(1_000_000));
    let sample = drive(&http, &original, &ids, reps, per_request, secs).await;
    rows.push(TeamRow {
        who: "original middleware",
        sample,
        gong_requests: gong.stats.requests(),
        gong_429s: gong.stats.rate_limited(),
        gong_max_per_sec: gong.stats.max_per_second(),
    });

    let gong = limited_gong(org, latency).await?;
    let dir = tempfile::tempdir().context("no temporary directory")?;
    let (mut server, url) = cached_server(&gong, dir.path()).await?;
    let ours = Target::Server { url };
    let ids = Arc::new(FreshIds::starting_at(2_000_000));
    let sample = drive(&http, &ours, &ids, reps, per_request, secs).await;
    server.ensure_running()?;
    let rss = memory_kb(server.pid(), "VmHWM:");
    rows.push(TeamRow {
        who: "callbrief",
        sample,
        gong_requests: gong.stats.requests(),
        gong_429s: gong.stats.rate_limited(),
        gong_max_per_sec: gong.stats.max_per_second(),
    });
    drop(server);

    let header = [
        "team",
        "calls/s",
        "ok req",
        "failed req",
        "p50 ms",
        "p99 ms",
        "Gong req",
        "Gong 429",
        "Gong max/s",
    ];
    let cells: Vec<Vec<String>> = rows.iter().map(TeamRow::cells).collect();
    print!("{}", render(&header, 1, &cells));
    for row in rows.iter().filter(|r| r.sample.failed > 0) {
        println!(
            "  {}: first failure: {}",
            row.who,
            row.sample.first_error.as_deref().unwrap_or("?")
        );
    }
    if let Some(kb) = rss {
        println!("  callbrief peak RSS {:.1} MB", kb as f64 * 1024.0 / 1e6);
    }
    let ours = &rows[1];
    let p50 = ours.p50_ms();
    let pass = ours.calls_per_sec() >= MIN_TEAM_CALLS_PER_SEC
        && ours.sample.failed == 0
        && ours.gong_429s == 0
        && p50.is_some_and(|p| p <= MAX_TEAM_P50_MS);
    let verdict = Verdict::new(
        "team",
        Some(pass),
        format!(
            "{:.1} calls/s (target >= {MIN_TEAM_CALLS_PER_SEC}), {} failed requests, p50 {} ms (target <= {MAX_TEAM_P50_MS}), {} Gong 429s (targets 0); the original: {:.1} calls/s, {} failed",
            ours.calls_per_sec(),
            ours.sample.failed,
            fmt_opt(p50, 0),
            ours.gong_429s,
            rows[0].calls_per_sec(),
            rows[0].sample.failed,
        ),
        format!("{:.0} calls/s", ours.calls_per_sec()),
    );
    println!("{}", verdict.line);
    Ok(vec![verdict])
}

/// `count` requests one at a time, `SINGLE_SPACING` apart, each for the ids `ask` gives for its
/// index; the latencies of those that fully succeeded, sorted, and the failures.
async fn one_at_a_time(
    http: &reqwest::Client,
    target: &Target,
    count: usize,
    ask: impl Fn(usize) -> Vec<String>,
) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::new();
    let mut failed = 0;
    for i in 0..count {
        let ids = ask(i);
        let sent = Instant::now();
        match target.ask(http, &ids).await {
            Ok(()) => latencies.push(sent.elapsed()),
            Err(e) => {
                failed += 1;
                eprintln!("  single: request failed: {e}");
            }
        }
        tokio::time::sleep(SINGLE_SPACING).await;
    }
    latencies.sort_unstable();
    (latencies, failed)
}

/// The single-rep scenario.
pub(crate) async fn run_single(params: &Params) -> anyhow::Result<Vec<Verdict>> {
    let latency = Duration::from_millis(params.gong_latency_ms);
    let count = params.single_requests.max(1);
    let per_request = params.team_calls.max(1);
    println!(
        "single: one rep, {count} requests of each kind, {per_request} calls each, one at a time, Gong simulator with its limits and {} ms latency",
        latency.as_millis()
    );
    let org = Arc::new(SampleOrg::for_today());
    let http = http_client()?;

    let gong = limited_gong(org.clone(), latency).await?;
    let original = Target::Original {
        gong_url: gong.base_url.clone(),
    };
    let fresh = FreshIds::starting_at(3_000_000);
    let (original, original_failed) =
        one_at_a_time(&http, &original, count, |_| fresh.take(per_request)).await;
    let original_gong = gong.stats.requests();

    let gong = limited_gong(org, latency).await?;
    let dir = tempfile::tempdir().context("no temporary directory")?;
    let (server, url) = cached_server(&gong, dir.path()).await?;
    let ours = Target::Server { url };
    let asked: Vec<Vec<String>> = (0..count).map(|_| fresh.take(per_request)).collect();
    let mut rows = Vec::new();
    let before = gong.stats.requests();
    let cold = one_at_a_time(&http, &ours, count, |i| asked[i].clone()).await;
    rows.push(("cold", cold, gong.stats.requests() - before));
    let before = gong.stats.requests();
    let warm = one_at_a_time(&http, &ours, count, |i| asked[i].clone()).await;
    rows.push(("warm", warm, gong.stats.requests() - before));
    drop(server);
    let (server, url) = cached_server(&gong, dir.path()).await?;
    let ours = Target::Server { url };
    let before = gong.stats.requests();
    let restarted = one_at_a_time(&http, &ours, count, |i| asked[i].clone()).await;
    rows.push((
        "warm after restart",
        restarted,
        gong.stats.requests() - before,
    ));
    drop(server);

    let original_p50 = percentile(&original, 0.5).map(ms);
    let mut cells = vec![vec![
        "original middleware".to_owned(),
        fmt_opt(original_p50, 1),
        fmt_opt(percentile(&original, 0.99).map(ms), 1),
        original_failed.to_string(),
        original_gong.to_string(),
        "1.00".to_owned(),
    ]];
    let mut verdicts = Vec::new();
    for (name, (latencies, failed), gong_requests) in &rows {
        let p50 = percentile(latencies, 0.5).map(ms);
        let ratio = p50.zip(original_p50).map(|(p, o)| p / o);
        cells.push(vec![
            format!("callbrief {name}"),
            fmt_opt(p50, 1),
            fmt_opt(percentile(latencies, 0.99).map(ms), 1),
            failed.to_string(),
            gong_requests.to_string(),
            fmt_opt(ratio, 2),
        ]);
        let (limit, zero_gong) = if *name == "cold" {
            (MAX_COLD_RATIO, false)
        } else {
            (MAX_WARM_RATIO, true)
        };
        let pass = *failed == 0
            && ratio.is_some_and(|r| r <= limit)
            && (!zero_gong || *gong_requests == 0);
        let gong_note = if zero_gong {
            format!(", {gong_requests} Gong requests (target 0)")
        } else {
            format!(", {gong_requests} Gong requests")
        };
        verdicts.push(Verdict::new(
            match *name {
                "cold" => "single cold",
                "warm" => "single warm",
                _ => "warm after restart",
            },
            Some(pass),
            format!(
                "p50 {} ms = {} of the original's {} ms (target <= {limit}){gong_note}, {failed} failed",
                fmt_opt(p50, 1),
                fmt_opt(ratio, 2),
                fmt_opt(original_p50, 1),
            ),
            format!("{} x", fmt_opt(ratio, 2)),
        ));
    }
    let header = [
        "single rep",
        "p50 ms",
        "p99 ms",
        "failed",
        "Gong req",
        "p50 / original",
    ];
    print!("{}", render(&header, 1, &cells));
    for verdict in &verdicts {
        println!("{}", verdict.line);
    }
    Ok(verdicts)
}
