//! Two-replica bench: two `callbrief serve` processes in front of one Gong simulator that keeps
//! Gong's real limit (3 requests/s, 100 records a page), first each alone, then both sharing one
//! `redis-server` through `CALLBRIEF_REDIS_URL`.
//!
//! The team scenario is split across the replicas: `--reps` reps (half on each replica) each ask,
//! one request after the other for `--secs` seconds, for `--calls` never-seen generated calls per
//! request (`sim::org::generated_call_id`), so every call is a cold Gong fetch. The simulator runs
//! in the bench's process, so its counters (requests, 429s, the most requests in any second) are
//! read directly. After each case one request asks replica B for calls replica A fetched: with
//! Redis it must cost Gong nothing.
//!
//! Run: `cargo bench -p callbrief --bench replicas [-- --reps 24 --secs 15 --calls 5]`; needs
//! `redis-server` on the PATH.
//!
//! Targets, printed PASS/FAIL (the exit code is 0 unless the setup failed): with Redis, the two
//! replicas together serve at least 100 calls/s with no failed request and no Gong 429, and a
//! cross-replica read costs 0 Gong requests.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use sim::gong::{GongSimConfig, RunningSim};
use sim::org::{generated_call_id, SampleOrg};

/// API key both replicas accept.
const API_KEY: &str = "cb-replicas-bench-key";
/// How long a child may take to start answering.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest wait for one request before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
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

    /// Run only the case with Redis.
    #[arg(long)]
    redis_only: bool,

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
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("replicas bench setup failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(params: Params) -> anyhow::Result<()> {
    anyhow::ensure!(
        params.reps >= 2 && params.calls >= 1 && params.secs >= 1,
        "at least 2 reps, 1 call and 1 second are needed"
    );
    println!(
        "replicas bench: {} reps ({} per replica) asking for {} new calls per request for {} s, \
         Gong simulator at 3 requests/s and 100 records a page",
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
    let next_call = Arc::new(AtomicU64::new(1));
    let mut rows = Vec::new();
    if !params.redis_only {
        rows.push(case(&params, &org, &http, &next_call, false).await?);
    }
    rows.push(case(&params, &org, &http, &next_call, true).await?);

    println!();
    println!(
        "| replicas | calls/s | requests | failed | p50 s | p99 s | Gong requests | Gong 429s | most Gong requests in 1 s | cross-replica read: Gong requests |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for row in &rows {
        println!("{}", row.line());
    }
    println!();
    if let Some(shared) = rows.iter().find(|r| r.redis) {
        let checks = [
            (
                shared.calls_per_sec >= MIN_CALLS_PER_SEC,
                format!(
                    "{:.1} calls/s (target >= {MIN_CALLS_PER_SEC})",
                    shared.calls_per_sec
                ),
            ),
            (
                shared.failed == 0,
                format!("{} failed requests (target 0)", shared.failed),
            ),
            (
                shared.gong_429 == 0,
                format!("{} Gong 429s (target 0)", shared.gong_429),
            ),
            (
                shared.cross_read == Some(0),
                format!(
                    "cross-replica read cost {} Gong requests (target 0)",
                    shared
                        .cross_read
                        .map_or_else(|| "?".to_owned(), |n| n.to_string())
                ),
            ),
        ];
        for (ok, what) in checks {
            println!(
                "{} two replicas on Redis: {what}",
                if ok { "PASS" } else { "FAIL" }
            );
        }
    }
    Ok(())
}

/// One line of the table.
struct Row {
    redis: bool,
    calls_per_sec: f64,
    requests: usize,
    failed: usize,
    p50: Option<Duration>,
    p99: Option<Duration>,
    gong_requests: u64,
    gong_429: u64,
    max_per_second: u64,
    cross_read: Option<u64>,
}

impl Row {
    fn line(&self) -> String {
        let secs = |d: Option<Duration>| {
            d.map_or_else(|| "-".into(), |d| format!("{:.2}", d.as_secs_f64()))
        };
        format!(
            "| 2, {} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} |",
            if self.redis {
                "one Redis"
            } else {
                "each alone"
            },
            self.calls_per_sec,
            self.requests,
            self.failed,
            secs(self.p50),
            secs(self.p99),
            self.gong_requests,
            self.gong_429,
            self.max_per_second,
            self.cross_read
                .map_or_else(|| "-".to_owned(), |n| n.to_string()),
        )
    }
}

/// One case: a fresh simulator (and Redis), two replicas, the team scenario, a cross read.
async fn case(
    params: &Params,
    org: &Arc<SampleOrg>,
    http: &reqwest::Client,
    next_call: &Arc<AtomicU64>,
    with_redis: bool,
) -> anyhow::Result<Row> {
    let sim = sim::gong::spawn(org.clone(), GongSimConfig::default())
        .await
        .context("could not start the Gong simulator")?;
    let redis = if with_redis {
        Some(RedisChild::start().await?)
    } else {
        None
    };
    let redis_url = redis.as_ref().map(RedisChild::url);
    let a = Replica::start("replica-a", &sim, redis_url.as_deref()).await?;
    let b = Replica::start("replica-b", &sim, redis_url.as_deref()).await?;
    let urls = [a.url.clone(), b.url.clone()];

    let started = Instant::now();
    let cap = Duration::from_secs(params.secs);
    let mut reps = tokio::task::JoinSet::new();
    for rep in 0..params.reps {
        let url = urls[rep % 2].clone();
        let http = http.clone();
        let next_call = next_call.clone();
        let calls = params.calls;
        reps.spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0usize;
            let mut served = 0usize;
            while started.elapsed() < cap {
                let first = next_call.fetch_add(calls as u64, Ordering::Relaxed);
                let ids: Vec<String> = (first..first + calls as u64)
                    .map(generated_call_id)
                    .collect();
                let sent = Instant::now();
                match post(&http, &url, &ids).await {
                    Ok(_) => {
                        latencies.push(sent.elapsed());
                        served += calls;
                    }
                    Err(_) => failed += 1,
                }
            }
            (latencies, failed, served)
        });
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    let mut served = 0;
    while let Some(joined) = reps.join_next().await {
        let (l, f, s) = joined.context("a rep's task failed")?;
        latencies.extend(l);
        failed += f;
        served += s;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let gong_requests = sim.stats.requests();
    let gong_429 = sim.stats.rate_limited();
    let max_per_second = sim.stats.max_per_second();

    // A read through replica B of calls replica A fetched.
    let first = next_call.fetch_add(params.calls as u64, Ordering::Relaxed);
    let ids: Vec<String> = (first..first + params.calls as u64)
        .map(generated_call_id)
        .collect();
    post(http, &a.url, &ids)
        .await
        .map_err(|e| anyhow::anyhow!("the cross-replica read's first half failed: {e}"))?;
    let before = sim.stats.requests();
    let cache = post(http, &b.url, &ids)
        .await
        .map_err(|e| anyhow::anyhow!("the cross-replica read failed: {e}"))?;
    let cross_read = Some(sim.stats.requests() - before);
    println!(
        "  {}: the cross-replica read answered x-callbrief-cache: {cache}",
        if with_redis { "with Redis" } else { "alone" }
    );
    for replica in [&a, &b] {
        let log = std::fs::read_to_string(&replica._child.log).unwrap_or_default();
        let redis_down = log
            .lines()
            .filter(|l| l.contains("redis unavailable"))
            .count();
        if redis_down > 0 {
            println!(
                "  {}: Redis did not answer in time {redis_down} times; first: {}",
                replica._child.name,
                log.lines()
                    .find(|l| l.contains("redis unavailable"))
                    .unwrap_or("")
            );
        }
    }
    drop((a, b, redis));

    let requests = latencies.len() + failed;
    Ok(Row {
        redis: with_redis,
        calls_per_sec: served as f64 / elapsed.as_secs_f64(),
        requests,
        failed,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        gong_requests,
        gong_429,
        max_per_second,
        cross_read,
    })
}

/// `POST /callTranscripts` for `ids`; the `x-callbrief-cache` header, or what failed.
async fn post(http: &reqwest::Client, url: &str, ids: &[String]) -> Result<String, String> {
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
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(cache)
    } else {
        Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    Some(sorted[at])
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// A child process killed (and reaped) when dropped, its stderr in a temporary file.
struct Child {
    name: &'static str,
    process: std::process::Child,
    log: PathBuf,
}

impl Child {
    fn spawn(name: &'static str, mut cmd: Command) -> anyhow::Result<Self> {
        let log = std::env::temp_dir().join(format!(
            "callbrief-replicas-{}-{name}.log",
            std::process::id()
        ));
        let stderr = std::fs::File::create(&log)
            .with_context(|| format!("could not create {}", log.display()))?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let process = cmd
            .spawn()
            .with_context(|| format!("could not start {name}"))?;
        Ok(Self { name, process, log })
    }

    fn ensure_running(&mut self) -> anyhow::Result<()> {
        match self.process.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => {
                let text = std::fs::read_to_string(&self.log).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                anyhow::bail!(
                    "{} exited ({status}); its log ends:\n{}",
                    self.name,
                    lines[lines.len().saturating_sub(20)..].join("\n")
                )
            }
            Err(e) => anyhow::bail!("could not check on {}: {e}", self.name),
        }
    }

    async fn wait_for_port(&mut self, addr: SocketAddr) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            self.ensure_running()?;
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(());
            }
            anyhow::ensure!(
                started.elapsed() < STARTUP_TIMEOUT,
                "{} did not answer within {STARTUP_TIMEOUT:?}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(listener.local_addr()?)
}

/// A throwaway `redis-server`.
struct RedisChild {
    addr: SocketAddr,
    _child: Child,
}

impl RedisChild {
    async fn start() -> anyhow::Result<Self> {
        let addr = free_port()?;
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &addr.port().to_string()]).args([
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]);
        let mut child = Child::spawn("redis-server", cmd)
            .context("redis-server is needed (apt-get install redis-server)")?;
        child.wait_for_port(addr).await?;
        Ok(Self {
            addr,
            _child: child,
        })
    }

    fn url(&self) -> String {
        format!("redis://{}/", self.addr)
    }
}

/// One `callbrief serve` against the simulator.
struct Replica {
    url: String,
    _child: Child,
}

impl Replica {
    async fn start(
        name: &'static str,
        sim: &RunningSim,
        redis_url: Option<&str>,
    ) -> anyhow::Result<Self> {
        let addr = free_port()?;
        let defaults = GongSimConfig::default();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
        for (key, _) in std::env::vars() {
            if key.starts_with("CALLBRIEF_") || key.starts_with("GONG_") || key == "RUST_LOG" {
                cmd.env_remove(key);
            }
        }
        cmd.arg("serve")
            .env("CALLBRIEF_ADDR", addr.to_string())
            .env("CALLBRIEF_API_KEYS", API_KEY)
            .env("CALLBRIEF_CACHE", "memory")
            .env("GONG_BASE_URL", &sim.base_url)
            .env("GONG_ACCESS_KEY", &defaults.access_key)
            .env("GONG_ACCESS_KEY_SECRET", &defaults.access_key_secret);
        if let Some(url) = redis_url {
            cmd.env("CALLBRIEF_REDIS_URL", url);
        }
        let mut child = Child::spawn(name, cmd)?;
        child.wait_for_port(addr).await?;
        Ok(Self {
            url: format!("http://{addr}"),
            _child: child,
        })
    }
}
