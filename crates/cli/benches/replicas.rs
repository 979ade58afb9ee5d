//! Two-replica bench: two `callbrief serve` processes in front of one Gong simulator that keeps
//! Gong's real limit (3 requests/s, 100 records a page), first each alone, then both sharing one
//! `redis-server` through `CALLBRIEF_REDIS_URL`, then sharing it while it is down for
//! `--drop-secs` in the middle of the run (each replica goes on alone at its degraded rate, then
//! shares again).
//!
//! The team scenario is split across the replicas: `--reps` reps (half on each replica) each ask,
//! one request after the other for `--secs` seconds, for `--calls` never-seen generated calls per
//! request (`sim::org::generated_call_id`), so every call is a cold Gong fetch. The simulator runs
//! in the bench's process, so its counters (requests, 429s, the most requests in any second) are
//! read directly. After each case one request asks replica B for calls replica A fetched: with
//! Redis it must cost Gong nothing.
//!
//! Run: `cargo bench -p callbrief --bench replicas [-- --reps 24 --secs 15 --calls 5]`; needs
//! `redis-server` on the PATH (started on a free port, nothing saved). Child processes, ports,
//! percentiles and the table come from the load bench's `support` module.
//!
//! Targets, printed PASS/FAIL (the exit code is 2 when one is missed, 1 when the setup failed): with Redis, the two
//! replicas together serve at least 100 calls/s with no failed request and no Gong 429, and a
//! cross-replica read costs 0 Gong requests; with Redis dropping out, no failed request and no
//! Gong 429.

// The load bench's shared helpers; this bench uses some of them.
#[allow(dead_code)]
#[path = "load/support.rs"]
mod support;

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use sim::gong::GongSimConfig;
use sim::org::{generated_call_id, SampleOrg};
use support::{fmt_opt, ms, percentile, render, start_server, Verdict, API_KEY, REQUEST_TIMEOUT};
use testkit::redis::RedisServer;

/// How long a rep waits after a failure before asking again (as in the load bench's team).
const RETRY_PAUSE: Duration = Duration::from_secs(1);
/// Target: calls served per second by both replicas together, with Redis.
const MIN_CALLS_PER_SEC: f64 = 100.0;

/// The bench's parameters; see the module docs.
#[derive(Debug, Parser)]
#[command(
    name = "replicas",
    about = "Two callbrief replicas on one Gong simulator, alone and sharing Redis"
)]
struct Params {
    /// Reps asking at once, split evenly across the two replicas.
    #[arg(long, env = "CALLBRIEF_REPLICAS_REPS", default_value_t = 24)]
    reps: usize,

    /// Seconds each case runs (no new request starts after this).
    #[arg(long, env = "CALLBRIEF_REPLICAS_SECS", default_value_t = 15)]
    secs: u64,

    /// Never-seen calls per request.
    #[arg(long, env = "CALLBRIEF_REPLICAS_CALLS", default_value_t = 5)]
    calls: usize,

    /// Run only the cases with Redis.
    #[arg(long)]
    redis_only: bool,

    /// Seconds Redis is down in the last case, starting a quarter into the run; 0 leaves the
    /// case out.
    #[arg(long, env = "CALLBRIEF_REPLICAS_DROP_SECS", default_value_t = 5)]
    drop_secs: u64,

    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,

    /// Bench name filters passed by `cargo bench`; ignored.
    #[arg(hide = true)]
    filters: Vec<String>,
}

fn main() -> ExitCode {
    let params = Params::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(params)));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("replicas bench: a target printed as FAIL was missed");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("replicas bench setup failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the bench; `Ok(false)` when a target was missed.
async fn run(params: Params) -> anyhow::Result<bool> {
    anyhow::ensure!(
        params.reps >= 2 && params.calls >= 1 && params.secs >= 1,
        "at least 2 reps, 1 call and 1 second are needed"
    );
    println!(
        "replicas: {} reps ({} on each of two replicas), {} never-seen calls per request, {} s, \
         Gong simulator with 3 requests/s, 100 records a page",
        params.reps,
        params.reps / 2,
        params.calls,
        params.secs
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "  {} CPUs, load average {} at start (other work on the machine skews the figures)",
            std::thread::available_parallelism().map_or(0, usize::from),
            load.split_whitespace().next().unwrap_or("?")
        );
    }
    let org = Arc::new(SampleOrg::for_today());
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("could not build the HTTP client")?;
    // Each case asks for calls no earlier case has seen.
    let fresh = Arc::new(AtomicU64::new(3_000_000));
    let mut rows = Vec::new();
    if !params.redis_only {
        rows.push(case(&params, &org, &http, &fresh, Mode::Alone).await?);
    }
    rows.push(case(&params, &org, &http, &fresh, Mode::Shared).await?);
    if params.drop_secs > 0 {
        rows.push(case(&params, &org, &http, &fresh, Mode::RedisDrops).await?);
    }

    let header = [
        "two replicas",
        "calls/s",
        "ok req",
        "failed req",
        "p50 ms",
        "p99 ms",
        "Gong req",
        "Gong 429",
        "Gong max/s",
        "cross read: Gong req",
    ];
    let cells: Vec<Vec<String>> = rows.iter().map(Row::cells).collect();
    println!();
    print!("{}", render(&header, 1, &cells));
    for row in rows.iter().filter(|r| r.failed > 0) {
        println!(
            "  {}: first failure: {}",
            row.who(),
            row.first_error.as_deref().unwrap_or("?")
        );
    }
    let Some(shared) = rows.iter().find(|r| r.mode == Mode::Shared) else {
        return Ok(true);
    };
    let mut pass = shared.calls_per_sec >= MIN_CALLS_PER_SEC
        && shared.failed == 0
        && shared.gong_429 == 0
        && shared.cross_read == 0;
    let verdict = Verdict::new(
        "replicas",
        Some(pass),
        format!(
            "two replicas on one Redis: {:.1} calls/s (target >= {MIN_CALLS_PER_SEC}), {} failed requests, {} Gong 429s, a cross-replica read cost {} Gong requests (targets 0)",
            shared.calls_per_sec, shared.failed, shared.gong_429, shared.cross_read
        ),
        format!("{:.0} calls/s", shared.calls_per_sec),
    );
    println!("{}", verdict.line);
    if let Some(dropped) = rows.iter().find(|r| r.mode == Mode::RedisDrops) {
        let kept = dropped.failed == 0 && dropped.gong_429 == 0;
        let verdict = Verdict::new(
            "replicas-redis-drop",
            Some(kept),
            format!(
                "Redis down {} s of {} s: {} failed requests, {} Gong 429s (targets 0), {:.1} calls/s",
                params.drop_secs, params.secs, dropped.failed, dropped.gong_429, dropped.calls_per_sec
            ),
            format!("{} Gong 429s", dropped.gong_429),
        );
        println!("{}", verdict.line);
        pass &= kept;
    }
    Ok(pass)
}

/// How the two replicas share Gong's limits in one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Each counts alone.
    Alone,
    /// Both share one Redis.
    Shared,
    /// Both share one Redis, which is down for `--drop-secs` mid-run.
    RedisDrops,
}

/// One line of the table.
struct Row {
    mode: Mode,
    calls_per_sec: f64,
    latencies: Vec<Duration>,
    failed: usize,
    first_error: Option<String>,
    gong_requests: u64,
    gong_429: u64,
    max_per_second: u64,
    cross_read: u64,
}

impl Row {
    fn who(&self) -> &'static str {
        match self.mode {
            Mode::Alone => "each alone",
            Mode::Shared => "on one Redis",
            Mode::RedisDrops => "on one Redis that drops out",
        }
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.who().to_owned(),
            format!("{:.1}", self.calls_per_sec),
            self.latencies.len().to_string(),
            self.failed.to_string(),
            fmt_opt(percentile(&self.latencies, 0.5).map(ms), 0),
            fmt_opt(percentile(&self.latencies, 0.99).map(ms), 0),
            self.gong_requests.to_string(),
            self.gong_429.to_string(),
            self.max_per_second.to_string(),
            self.cross_read.to_string(),
        ]
    }
}

/// The next `n` never-seen generated call ids.
fn take(fresh: &AtomicU64, n: usize) -> Vec<String> {
    let first = fresh.fetch_add(n as u64, Ordering::Relaxed);
    (first..first + n as u64).map(generated_call_id).collect()
}

/// One case: a fresh simulator (and Redis), two replicas, the team split across them, then a
/// read through replica B of calls replica A fetched.
async fn case(
    params: &Params,
    org: &Arc<SampleOrg>,
    http: &reqwest::Client,
    fresh: &Arc<AtomicU64>,
    mode: Mode,
) -> anyhow::Result<Row> {
    let with_redis = mode != Mode::Alone;
    let gong = sim::gong::spawn(org.clone(), GongSimConfig::default())
        .await
        .context("could not start the Gong simulator")?;
    let redis = if with_redis {
        Some(RedisServer::start().context("redis-server is missing")?)
    } else {
        None
    };
    let mut envs = vec![("CALLBRIEF_CACHE", "memory".to_owned())];
    if let Some(redis) = &redis {
        envs.push(("CALLBRIEF_REDIS_URL", redis.url()));
    }
    let (mut a, a_url) = start_server(&gong.base_url, &envs).await?;
    let (mut b, b_url) = start_server(&gong.base_url, &envs).await?;

    let started = Instant::now();
    let cap = Duration::from_secs(params.secs);
    // Redis goes down a quarter into the run and comes back `drop_secs` later.
    let mut redis = redis;
    let outage = match (mode, redis.take()) {
        (Mode::RedisDrops, Some(mut server)) => {
            let (down_at, up_after) = (cap / 4, Duration::from_secs(params.drop_secs));
            Some(tokio::spawn(async move {
                tokio::time::sleep(down_at).await;
                server.stop();
                tokio::time::sleep(up_after).await;
                tokio::task::spawn_blocking(move || {
                    server.restart();
                    server
                })
                .await
            }))
        }
        (_, server) => {
            redis = server;
            None
        }
    };
    let mut reps = tokio::task::JoinSet::new();
    for rep in 0..params.reps {
        let url = if rep % 2 == 0 { &a_url } else { &b_url }.clone();
        let (http, fresh, calls) = (http.clone(), fresh.clone(), params.calls);
        reps.spawn(async move {
            let (mut latencies, mut failed, mut served, mut first_error) =
                (Vec::new(), 0usize, 0usize, None);
            while started.elapsed() < cap {
                let ids = take(&fresh, calls);
                let sent = Instant::now();
                match ask(&http, &url, &ids).await {
                    Ok(_) => {
                        latencies.push(sent.elapsed());
                        served += calls;
                    }
                    Err(e) => {
                        failed += 1;
                        first_error.get_or_insert(e);
                        tokio::time::sleep(RETRY_PAUSE).await;
                    }
                }
            }
            (latencies, failed, served, first_error)
        });
    }
    let mut row = Row {
        mode,
        calls_per_sec: 0.0,
        latencies: Vec::new(),
        failed: 0,
        first_error: None,
        gong_requests: 0,
        gong_429: 0,
        max_per_second: 0,
        cross_read: 0,
    };
    let mut served = 0;
    while let Some(joined) = reps.join_next().await {
        let (latencies, failed, s, first_error) = joined.context("a rep's task failed")?;
        row.latencies.extend(latencies);
        row.failed += failed;
        served += s;
        if row.first_error.is_none() {
            row.first_error = first_error;
        }
    }
    row.calls_per_sec = served as f64 / started.elapsed().as_secs_f64();
    if let Some(outage) = outage {
        // Back up, and kept until the case ends.
        redis = Some(
            outage
                .await
                .context("the outage task failed")?
                .context("redis-server did not restart")?,
        );
    }
    row.latencies.sort_unstable();
    row.gong_requests = gong.stats.requests();
    row.gong_429 = gong.stats.rate_limited();
    row.max_per_second = gong.stats.max_per_second();
    a.ensure_running()?;
    b.ensure_running()?;

    let ids = take(fresh, params.calls);
    ask(http, &a_url, &ids)
        .await
        .map_err(|e| anyhow::anyhow!("the read through replica A failed: {e}"))?;
    let before = gong.stats.requests();
    let cache = ask(http, &b_url, &ids)
        .await
        .map_err(|e| anyhow::anyhow!("the read through replica B failed: {e}"))?;
    row.cross_read = gong.stats.requests() - before;
    println!(
        "  {}: calls A fetched, read through B: x-callbrief-cache {cache}, {} Gong requests",
        row.who(),
        row.cross_read
    );
    // The Redis server lived until here: the cross read went through it.
    drop(redis);
    Ok(row)
}

/// `POST /callTranscripts` for `ids`: the `x-callbrief-cache` header when every call came back,
/// else what failed.
async fn ask(http: &reqwest::Client, url: &str, ids: &[String]) -> Result<String, String> {
    let response = http
        .post(format!("{url}/callTranscripts"))
        .bearer_auth(API_KEY)
        .json(&serde_json::json!({ "callIds": ids }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let cache = response
        .headers()
        .get("x-callbrief-cache")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", body["error"]["code"]));
    }
    let returned = body["callTranscripts"].as_array().map_or(0, Vec::len);
    if returned == ids.len() {
        Ok(cache)
    } else {
        Err(format!(
            "{returned} of {} calls: {}",
            ids.len(),
            body["failed"]
        ))
    }
}
