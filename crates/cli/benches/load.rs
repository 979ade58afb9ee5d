//! Load bench: the real `callbrief serve` against the real `callbrief sim`, over loopback HTTP.
//!
//! For each upstream latency it starts two child processes on free loopback ports, the Gong
//! simulator (`sim --no-rate-limit --latency-ms L`, which turns off the rate limit and the daily
//! quota) and the server pointed at it (`GONG_REQUESTS_PER_SECOND=0`, so its own limiter does not
//! throttle), waits until both answer, then drives `POST /callTranscripts` for the longest calls
//! of the sample org at each concurrency. Both children are killed when the bench ends, fails or
//! panics.
//!
//! Each case reports p50/p99 latency, requests/s, errors and the server's peak RSS (`VmHWM`,
//! reset before each case through `/proc/<pid>/clear_refs`; where that is not allowed the
//! column is the peak so far, and cases run in increasing concurrency). At 0 ms latency and
//! concurrency 1 the bench also sends the server's two Gong requests (transcript and extensive
//! with parties, concurrently) straight to the simulator, alternating with the requests through
//! the server so background load hits both alike: the difference of the p50s is the server's
//! overhead. A line below the table splits the server's in-process share of it (decoding Gong's
//! answers, assembling, fitting the size budget, encoding), timed in the bench with the
//! service's own transcripts use case (`service::transcripts`).
//!
//! Run: `cargo bench -p callbrief --bench load [-- --concurrency 1,8,64 ...]`.
//!
//! Parameters (flag, environment variable, default):
//! - `--latency-ms`, `CALLBRIEF_LOAD_LATENCIES_MS`, `0,100`: simulated Gong latency per request.
//! - `--concurrency`, `CALLBRIEF_LOAD_CONCURRENCY`, `1,8,64`: requests in flight at once.
//! - `--requests`, `CALLBRIEF_LOAD_REQUESTS`, `200`: requests per case (and for the direct baseline).
//! - `--max-secs`, `CALLBRIEF_LOAD_MAX_SECS`, `10`: no new request starts after this long in a case.
//! - `--calls`, `CALLBRIEF_LOAD_CALLS`, `5`: call ids per request, the longest calls of the sample
//!   org (the five longest are about an hour each).
//!
//! Targets, printed PASS/FAIL on the last lines (the exit code is 0 unless the setup failed):
//! 1. with 100 ms of upstream latency a request takes about one upstream round trip (p50 under
//!    1.5 round trips at the lowest concurrency), i.e. transcript and metadata are fetched
//!    concurrently, not one after the other;
//! 2. the server's overhead at 0 ms latency (its p50 minus the direct p50) is under 2 ms;
//! 3. the server's peak RSS at the highest concurrency (64) is under 100 MB.

use std::fmt::Write as _;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use sim::gong::GongSimConfig;
use sim::org::SampleOrg;

/// API key the bench's server accepts.
const API_KEY: &str = "cb-load-bench-key";
/// How long a child may take to start answering.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest wait for one request before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Target 1: p50 under this many upstream round trips.
const MAX_ROUND_TRIPS: f64 = 1.5;
/// Target 2: server overhead at 0 ms upstream latency, in milliseconds.
const MAX_OVERHEAD_MS: f64 = 2.0;
/// Target 3: peak RSS at the highest concurrency, in MB (10^6 bytes).
const MAX_RSS_MB: f64 = 100.0;
/// Repetitions of the in-process breakdown.
const BREAKDOWN_RUNS: usize = 50;

/// The bench's parameters; see the module docs.
#[derive(Debug, Parser)]
#[command(
    name = "load",
    about = "Load bench of callbrief serve against callbrief sim"
)]
struct Params {
    /// Simulated Gong latency per request, in milliseconds (comma-separated list).
    #[arg(long = "latency-ms", env = "CALLBRIEF_LOAD_LATENCIES_MS", value_delimiter = ',', default_values_t = [0u64, 100])]
    latencies_ms: Vec<u64>,

    /// Requests in flight at once (comma-separated list).
    #[arg(long, env = "CALLBRIEF_LOAD_CONCURRENCY", value_delimiter = ',', default_values_t = [1usize, 8, 64])]
    concurrency: Vec<usize>,

    /// Requests per case.
    #[arg(long, env = "CALLBRIEF_LOAD_REQUESTS", default_value_t = 200)]
    requests: usize,

    /// Seconds after which a case starts no new request.
    #[arg(long, env = "CALLBRIEF_LOAD_MAX_SECS", default_value_t = 10)]
    max_secs: u64,

    /// Call ids per request: the longest calls of the sample org.
    #[arg(long, env = "CALLBRIEF_LOAD_CALLS", default_value_t = 5)]
    calls: usize,

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
            eprintln!("load bench setup failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(params: Params) -> anyhow::Result<()> {
    let mut latencies = params.latencies_ms.clone();
    latencies.sort_unstable();
    latencies.dedup();
    let mut concurrency: Vec<usize> = params
        .concurrency
        .iter()
        .copied()
        .filter(|c| *c > 0)
        .collect();
    concurrency.sort_unstable();
    concurrency.dedup();
    anyhow::ensure!(
        !latencies.is_empty() && !concurrency.is_empty(),
        "at least one latency and one concurrency above 0 are needed"
    );
    anyhow::ensure!(params.requests > 0, "--requests must be at least 1");
    let cap = Duration::from_secs(params.max_secs.max(1));

    let org = SampleOrg::for_today();
    let mut longest: Vec<_> = org.calls.iter().collect();
    longest.sort_by(|a, b| b.duration.cmp(&a.duration).then(a.gong_id.cmp(&b.gong_id)));
    longest.truncate(params.calls.max(1));
    let call_ids: Vec<String> = longest.iter().map(|c| c.gong_id.clone()).collect();
    let minutes: Vec<String> = longest
        .iter()
        .map(|c| (u64::from(c.duration).div_ceil(60)).to_string())
        .collect();
    println!(
        "load bench: {} calls per request ({} min), {} requests or {} s per case, concurrency {:?}, upstream latency {:?} ms",
        call_ids.len(),
        minutes.join(", "),
        params.requests,
        cap.as_secs(),
        concurrency,
        latencies,
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let one_minute = load.split_whitespace().next().unwrap_or("?");
        println!(
            "  {} CPUs, load average {one_minute} at start (other work on the machine skews the figures)",
            std::thread::available_parallelism().map_or(0, usize::from)
        );
    }

    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("could not build the HTTP client")?;
    let load = Load {
        http,
        call_ids,
        requests: params.requests,
        cap,
    };

    let mut rows = Vec::new();
    let mut hwm_resettable = true;
    let mut breakdown_line = None;
    for latency_ms in latencies {
        let mut stack = Stack::start(latency_ms).await?;
        let size = load.check(&stack).await?;
        println!(
            "  upstream {latency_ms} ms: server pid {}, answer {} KB",
            stack.server.pid(),
            size / 1000
        );
        if latency_ms == 0 {
            breakdown_line = Some(match load.breakdown(&stack.sim_url).await {
                Ok(b) => b.line(),
                Err(e) => format!("in-process breakdown failed: {e:#}"),
            });
        }
        for &c in &concurrency {
            hwm_resettable &= reset_peak_rss(stack.server.pid());
            let sample = if latency_ms == 0 && c == 1 {
                // The overhead target compares these two: measured interleaved, one direct pair
                // then one server request, so background load hits both alike.
                let (direct, through) = load.paired(&stack).await;
                rows.push(Row::new("direct", latency_ms, 1, &direct, None));
                through
            } else {
                load.through_server(&stack.server_url, c).await
            };
            let peak = memory_kb(stack.server.pid(), "VmHWM:");
            rows.push(Row::new("server", latency_ms, c, &sample, peak));
            // A child that died makes every later figure meaningless.
            stack.sim.ensure_running()?;
            stack.server.ensure_running()?;
        }
        stack.stop();
    }

    println!();
    print!("{}", render_table(&rows));
    if !hwm_resettable {
        println!("(peak RSS could not be reset between cases: the column is the peak so far)");
    }
    if let Some(line) = &breakdown_line {
        println!("{line}");
    }
    println!();
    let verdicts = judge(&rows);
    for verdict in &verdicts {
        println!("{}", verdict.line);
    }
    let summary: Vec<String> = verdicts.iter().map(Verdict::short).collect();
    println!("targets: {}", summary.join(" | "));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// A child process killed (and reaped) when dropped, with its stderr in a temporary file.
struct Child {
    name: &'static str,
    process: std::process::Child,
    log: PathBuf,
}

impl Child {
    /// Starts `callbrief <args>` with the given environment, and nothing else of ours.
    fn spawn(name: &'static str, args: &[String], envs: &[(&str, String)]) -> anyhow::Result<Self> {
        let log =
            std::env::temp_dir().join(format!("callbrief-load-{}-{name}.log", std::process::id()));
        let stderr = std::fs::File::create(&log)
            .with_context(|| format!("could not create {}", log.display()))?;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
        for (key, _) in std::env::vars() {
            if key.starts_with("CALLBRIEF_") || key.starts_with("GONG_") || key == "RUST_LOG" {
                cmd.env_remove(key);
            }
        }
        // The load run measures Gong traffic; it never writes to the user's cache directory.
        cmd.env("CALLBRIEF_CACHE", "memory");
        cmd.args(args)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let process = cmd
            .spawn()
            .with_context(|| format!("could not start `callbrief {}`", args.join(" ")))?;
        Ok(Self { name, process, log })
    }

    fn pid(&self) -> u32 {
        self.process.id()
    }

    /// An error when the child has already exited, with the end of its log.
    fn ensure_running(&mut self) -> anyhow::Result<()> {
        match self.process.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(anyhow::anyhow!(
                "{} exited ({status}); its log ends:\n{}",
                self.name,
                self.log_tail()
            )),
            Err(e) => Err(anyhow::anyhow!("could not check on {}: {e}", self.name)),
        }
    }

    /// The last lines of the child's stderr.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The simulator and the server pointed at it.
struct Stack {
    sim: Child,
    server: Child,
    sim_url: String,
    server_url: String,
}

impl Stack {
    /// Starts both children on free loopback ports and waits until they answer.
    async fn start(latency_ms: u64) -> anyhow::Result<Self> {
        let (sim_addr, server_addr) = two_free_ports()?;
        let mut sim = Child::spawn(
            "sim",
            &[
                "sim".into(),
                "--gong-addr".into(),
                sim_addr.to_string(),
                "--no-rate-limit".into(),
                "--latency-ms".into(),
                latency_ms.to_string(),
            ],
            &[],
        )?;
        let sim_url = format!("http://{sim_addr}");
        wait_until(&mut sim, || async move {
            tokio::net::TcpStream::connect(sim_addr).await.is_ok()
        })
        .await?;

        let defaults = GongSimConfig::default();
        let mut server = Child::spawn(
            "server",
            &["serve".into()],
            &[
                ("CALLBRIEF_ADDR", server_addr.to_string()),
                ("CALLBRIEF_API_KEYS", API_KEY.into()),
                ("GONG_BASE_URL", sim_url.clone()),
                ("GONG_ACCESS_KEY", defaults.access_key),
                ("GONG_ACCESS_KEY_SECRET", defaults.access_key_secret),
                ("GONG_REQUESTS_PER_SECOND", "0".into()),
                ("GONG_DEADLINE_SECS", "30".into()),
            ],
        )?;
        let server_url = format!("http://{server_addr}");
        let health = format!("{server_url}/healthz");
        let probe = reqwest::Client::new();
        wait_until(&mut server, || {
            let request = probe.get(&health).timeout(Duration::from_secs(1)).send();
            async move { request.await.is_ok_and(|r| r.status().is_success()) }
        })
        .await?;
        Ok(Self {
            sim,
            server,
            sim_url,
            server_url,
        })
    }

    /// Kills both children (the server first, so it never sees its upstream vanish mid-request).
    fn stop(self) {
        let Self { sim, server, .. } = self;
        drop(server);
        drop(sim);
    }
}

/// Two distinct free loopback ports, both held while the second is chosen.
fn two_free_ports() -> anyhow::Result<(SocketAddr, SocketAddr)> {
    let a = TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    let b = TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok((a.local_addr()?, b.local_addr()?))
}

/// Polls `ready` until it is true, failing when the child exits or takes too long.
async fn wait_until<F, Fut>(child: &mut Child, mut ready: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        child.ensure_running()?;
        if ready().await {
            return Ok(());
        }
        if started.elapsed() > STARTUP_TIMEOUT {
            anyhow::bail!(
                "{} did not answer within {STARTUP_TIMEOUT:?}; its log ends:\n{}",
                child.name,
                child.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Resets the process's `VmHWM` to its current RSS (Linux: `5` into `clear_refs`).
fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// A `kB` field of `/proc/<pid>/status`, e.g. `VmHWM:`.
fn memory_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

// ---------------------------------------------------------------------------------------------
// Load

/// What the bench sends, and how much of it.
struct Load {
    http: reqwest::Client,
    call_ids: Vec<String>,
    requests: usize,
    cap: Duration,
}

/// One request (or pair of requests) to time; `Err` says what failed.
type Op = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// What one case measured.
#[derive(Debug, Default)]
struct Sample {
    /// Latencies of the successful requests.
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
    elapsed: Duration,
}

impl Sample {
    /// Runs `op` once and records its latency or error.
    async fn record(&mut self, op: &Op) {
        let sent = Instant::now();
        match op().await {
            Ok(()) => self.latencies.push(sent.elapsed()),
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }
}

impl Load {
    fn server_body(&self) -> String {
        serde_json::json!({ "callIds": self.call_ids }).to_string()
    }

    /// One request through the server; fails the setup unless every call comes back.
    /// Returns the answer's size in bytes.
    async fn check(&self, stack: &Stack) -> anyhow::Result<usize> {
        let text = self
            .http
            .post(format!("{}/callTranscripts", stack.server_url))
            .bearer_auth(API_KEY)
            .header("content-type", "application/json")
            .body(self.server_body())
            .send()
            .await
            .context("POST /callTranscripts failed")?
            .error_for_status()
            .context("POST /callTranscripts did not answer 200")?
            .text()
            .await
            .context("could not read the /callTranscripts answer")?;
        let answer: serde_json::Value =
            serde_json::from_str(&text).context("the /callTranscripts answer is not JSON")?;
        let returned = answer["callTranscripts"].as_array().map_or(0, Vec::len);
        anyhow::ensure!(
            returned == self.call_ids.len()
                && answer["failed"].as_array().is_some_and(Vec::is_empty),
            "expected {} transcripts and no failures, got {returned} (failed: {})",
            self.call_ids.len(),
            answer["failed"]
        );
        Ok(text.len())
    }

    /// One `POST /callTranscripts` for the bench's calls.
    fn server_op(&self, server_url: &str) -> Op {
        let http = self.http.clone();
        let url = format!("{server_url}/callTranscripts");
        let body = self.server_body();
        Arc::new(move || {
            let request = http
                .post(&url)
                .bearer_auth(API_KEY)
                .header("content-type", "application/json")
                .body(body.clone());
            Box::pin(async move { fetch(request).await.map(drop) })
        })
    }

    /// The server's two Gong requests (transcript, extensive with parties) for the bench's calls,
    /// as the server sends them.
    fn gong_requests(&self, http: &reqwest::Client, sim_url: &str) -> [reqwest::RequestBuilder; 2] {
        let defaults = GongSimConfig::default();
        let filter = serde_json::json!({ "callIds": self.call_ids });
        let transcript = serde_json::json!({ "filter": filter });
        let extensive = serde_json::json!({
            "filter": filter,
            "contentSelector": { "exposedFields": { "parties": true } },
        });
        let post = |path: &str, body: &serde_json::Value| {
            http.post(format!("{sim_url}{path}"))
                .basic_auth(&defaults.access_key, Some(&defaults.access_key_secret))
                .header("content-type", "application/json")
                .body(body.to_string())
        };
        [
            post("/v2/calls/transcript", &transcript),
            post("/v2/calls/extensive", &extensive),
        ]
    }

    /// The server's two Gong requests, concurrently, straight to the simulator.
    fn direct_op(&self, sim_url: &str) -> Op {
        let requests = Arc::new(self.gong_requests(&self.http, sim_url));
        Arc::new(move || {
            let [a, b] = requests.each_ref().map(reqwest::RequestBuilder::try_clone);
            Box::pin(async move {
                let (Some(a), Some(b)) = (a, b) else {
                    return Err("request not clonable".to_owned());
                };
                let (a, b) = tokio::join!(fetch(a), fetch(b));
                a.and(b).map(drop)
            })
        })
    }

    /// `POST /callTranscripts` at `concurrency`.
    async fn through_server(&self, server_url: &str, concurrency: usize) -> Sample {
        let op = self.server_op(server_url);
        // Warm-up: one request per worker, so connections exist before the clock starts.
        run_case(concurrency, concurrency, self.cap, op.clone()).await;
        run_case(concurrency, self.requests, self.cap, op).await
    }

    /// The direct pair and the server request alternately, one at a time: (direct, server).
    async fn paired(&self, stack: &Stack) -> (Sample, Sample) {
        let direct = self.direct_op(&stack.sim_url);
        let server = self.server_op(&stack.server_url);
        for _ in 0..3 {
            let _ = direct().await;
            let _ = server().await;
        }
        let mut samples = (Sample::default(), Sample::default());
        let started = Instant::now();
        for _ in 0..self.requests {
            if started.elapsed() >= self.cap {
                break;
            }
            samples.0.record(&direct).await;
            samples.1.record(&server).await;
        }
        samples.0.elapsed = samples.0.latencies.iter().sum();
        samples.1.elapsed = samples.1.latencies.iter().sum();
        samples
    }

    /// Times the server's in-process work on one request's Gong answers, with the server's own
    /// functions: decode both answers, assemble (clean transcripts, request order), fit the
    /// answer into the default size budget, encode it.
    async fn breakdown(&self, sim_url: &str) -> anyhow::Result<Breakdown> {
        let [a, b] = self.gong_requests(&self.http, sim_url);
        let transcript = a.send().await?.error_for_status()?.bytes().await?;
        let extensive = b.send().await?.error_for_status()?.bytes().await?;
        let ids = self.call_ids.clone();
        tokio::task::spawn_blocking(move || breakdown(&ids, &transcript, &extensive)).await?
    }
}

/// Median time of each in-process step of one request, and the sizes involved.
#[derive(Debug, Default)]
struct Breakdown {
    transcript_bytes: usize,
    answer_bytes: usize,
    /// Decode Gong's transcripts, decode its call details, assemble, fit, encode.
    steps: [Duration; 5],
}

impl Breakdown {
    fn line(&self) -> String {
        let [decode_t, decode_e, assemble, fit, encode] = self.steps.map(ms);
        let total: f64 = self.steps.iter().copied().map(ms).sum();
        format!(
            "server work per request, in process (median of {BREAKDOWN_RUNS}): decode Gong transcripts {decode_t:.2} ms ({} KB), decode call details {decode_e:.2} ms, assemble {assemble:.2} ms, fit to {} chars {fit:.2} ms, encode {encode:.2} ms ({} KB); sum {total:.2} ms",
            self.transcript_bytes / 1000,
            server::config::DEFAULT_MAX_RESPONSE_CHARS,
            self.answer_bytes / 1000,
        )
    }
}

/// Runs the server's pure steps `BREAKDOWN_RUNS` times on the given Gong answers.
fn breakdown(ids: &[String], transcript: &[u8], extensive: &[u8]) -> anyhow::Result<Breakdown> {
    let mut steps: [Vec<Duration>; 5] = Default::default();
    let mut answer_bytes = 0;
    let no_offsets = std::collections::HashMap::new();
    let ids = service::ids::parse_call_ids("callIds", ids, ids.len())?;
    let budget =
        service::MaxChars::parse("maxChars", None, server::config::DEFAULT_MAX_RESPONSE_CHARS)?;
    for _ in 0..BREAKDOWN_RUNS {
        let t0 = Instant::now();
        let transcripts: gong::wire::TranscriptResponse = serde_json::from_slice(transcript)?;
        let t1 = Instant::now();
        let calls: gong::wire::ExtensiveResponse = serde_json::from_slice(extensive)?;
        let t2 = Instant::now();
        let data = gong::CallData {
            transcripts: transcripts.call_transcripts,
            calls: calls.calls,
            ..gong::CallData::default()
        };
        let assembled = service::transcripts::assemble(&ids, data)?;
        let t3 = Instant::now();
        let answer =
            service::transcripts::fit_transcripts(assembled, Vec::new(), &no_offsets, budget)?;
        let t4 = Instant::now();
        answer_bytes = serde_json::to_vec(&answer)?.len();
        let t5 = Instant::now();
        for (step, took) in steps
            .iter_mut()
            .zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4])
        {
            step.push(took);
        }
    }
    Ok(Breakdown {
        transcript_bytes: transcript.len(),
        answer_bytes,
        steps: steps.map(|mut v| {
            v.sort_unstable();
            percentile(&v, 0.5).unwrap_or_default()
        }),
    })
}

/// Sends `request` and reads the whole answer; anything but a 2xx is an error.
async fn fetch(request: reqwest::RequestBuilder) -> Result<usize, String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(body.len())
    } else {
        Err(format!("HTTP {status}"))
    }
}

/// Runs `op` `requests` times with `concurrency` in flight, starting no new one after `cap`.
async fn run_case(concurrency: usize, requests: usize, cap: Duration, op: Op) -> Sample {
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(requests) {
        let op = op.clone();
        let issued = issued.clone();
        workers.spawn(async move {
            let mut sample = Sample::default();
            while issued.fetch_add(1, Ordering::Relaxed) < requests && started.elapsed() < cap {
                sample.record(&op).await;
            }
            sample
        });
    }
    let mut total = Sample::default();
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(sample) => {
                total.latencies.extend(sample.latencies);
                total.errors += sample.errors;
                if total.first_error.is_none() {
                    total.first_error = sample.first_error;
                }
            }
            Err(e) => {
                total.errors += 1;
                total.first_error.get_or_insert(e.to_string());
            }
        }
    }
    total.elapsed = started.elapsed();
    total
}

// ---------------------------------------------------------------------------------------------
// Report

/// One line of the table.
#[derive(Debug, Clone)]
struct Row {
    path: &'static str,
    latency_ms: u64,
    concurrency: usize,
    ok: usize,
    errors: usize,
    first_error: Option<String>,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    per_sec: f64,
    peak_rss_kb: Option<u64>,
}

impl Row {
    fn new(
        path: &'static str,
        latency_ms: u64,
        concurrency: usize,
        sample: &Sample,
        peak_rss_kb: Option<u64>,
    ) -> Self {
        let mut sorted = sample.latencies.clone();
        sorted.sort_unstable();
        let secs = sample.elapsed.as_secs_f64();
        Self {
            path,
            latency_ms,
            concurrency,
            ok: sorted.len(),
            errors: sample.errors,
            first_error: sample.first_error.clone(),
            p50_ms: percentile(&sorted, 0.50).map(ms),
            p99_ms: percentile(&sorted, 0.99).map(ms),
            per_sec: if secs > 0.0 {
                sorted.len() as f64 / secs
            } else {
                0.0
            },
            peak_rss_kb,
        }
    }

    fn peak_rss_mb(&self) -> Option<f64> {
        self.peak_rss_kb.map(|kb| kb as f64 * 1024.0 / 1e6)
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

/// The rows as an aligned table: text columns left-aligned, numbers right-aligned.
fn render_table(rows: &[Row]) -> String {
    let header = [
        "path",
        "upstream",
        "conc",
        "ok",
        "errors",
        "p50 ms",
        "p99 ms",
        "req/s",
        "peak RSS MB",
    ];
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            [
                r.path.to_owned(),
                format!("{} ms", r.latency_ms),
                r.concurrency.to_string(),
                r.ok.to_string(),
                r.errors.to_string(),
                fmt_opt(r.p50_ms, 2),
                fmt_opt(r.p99_ms, 2),
                format!("{:.1}", r.per_sec),
                fmt_opt(r.peak_rss_mb(), 1),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: [&str; 9]| {
        let mut out = String::new();
        for (i, value) in values.iter().enumerate() {
            let w = widths[i];
            if i > 0 {
                out.push_str("  ");
            }
            if i < 2 {
                let _ = write!(out, "{value:<w$}");
            } else {
                let _ = write!(out, "{value:>w$}");
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header);
    for c in &cells {
        out.push_str(&line([
            &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8],
        ]));
    }
    for r in rows.iter().filter(|r| r.errors > 0) {
        let _ = writeln!(
            out,
            "  {} {} ms x{}: first error: {}",
            r.path,
            r.latency_ms,
            r.concurrency,
            r.first_error.as_deref().unwrap_or("?")
        );
    }
    out
}

/// One target's outcome.
struct Verdict {
    name: &'static str,
    /// `Some(true)` pass, `Some(false)` fail, `None` not measured with these parameters.
    pass: Option<bool>,
    /// The full sentence.
    line: String,
    /// The figure, for the summary line.
    figure: String,
}

impl Verdict {
    fn status(&self) -> &'static str {
        match self.pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "n/a",
        }
    }

    fn short(&self) -> String {
        format!("{} {} ({})", self.name, self.status(), self.figure)
    }

    fn new(name: &'static str, pass: Option<bool>, detail: String, figure: String) -> Self {
        let mut v = Self {
            name,
            pass,
            line: String::new(),
            figure,
        };
        v.line = format!("{}: {}: {detail}", v.status(), name);
        v
    }
}

/// The three targets, judged from the rows.
fn judge(rows: &[Row]) -> [Verdict; 3] {
    let server = |latency: u64, conc: usize| {
        rows.iter()
            .find(|r| r.path == "server" && r.latency_ms == latency && r.concurrency == conc)
    };
    let lowest_conc = rows
        .iter()
        .filter(|r| r.path == "server")
        .map(|r| r.concurrency)
        .min();
    let highest_conc = rows
        .iter()
        .filter(|r| r.path == "server")
        .map(|r| r.concurrency)
        .max();

    // 1. One round trip: the largest non-zero latency at the lowest concurrency.
    let slow = rows
        .iter()
        .filter(|r| r.path == "server" && r.latency_ms > 0)
        .map(|r| r.latency_ms)
        .max();
    let round_trip = match (
        slow,
        lowest_conc.and_then(|c| slow.and_then(|l| server(l, c))),
    ) {
        (Some(latency), Some(row)) => match row.p50_ms {
            Some(p50) => {
                let trips = p50 / latency as f64;
                Verdict::new(
                    "1 round trip",
                    Some(trips < MAX_ROUND_TRIPS),
                    format!(
                        "p50 {p50:.1} ms at {latency} ms upstream latency, concurrency {} = {trips:.2} upstream round trips (target < {MAX_ROUND_TRIPS})",
                        row.concurrency
                    ),
                    format!("{trips:.2} round trips"),
                )
            }
            None => Verdict::new(
                "1 round trip",
                Some(false),
                "no request succeeded".into(),
                "-".into(),
            ),
        },
        _ => Verdict::new(
            "1 round trip",
            None,
            "needs a non-zero --latency-ms".into(),
            "-".into(),
        ),
    };

    // 2. Overhead: server p50 minus direct p50, 0 ms latency, one at a time.
    let direct = rows.iter().find(|r| r.path == "direct");
    let overhead = match (
        direct.and_then(|d| d.p50_ms),
        server(0, 1).and_then(|r| r.p50_ms),
    ) {
        (Some(direct), Some(through)) => {
            let overhead = through - direct;
            Verdict::new(
                "overhead",
                Some(overhead < MAX_OVERHEAD_MS),
                format!(
                    "server p50 {through:.2} ms - direct p50 {direct:.2} ms = {overhead:.2} ms at 0 ms upstream latency, concurrency 1 (target < {MAX_OVERHEAD_MS} ms)"
                ),
                format!("{overhead:.2} ms"),
            )
        }
        _ => Verdict::new(
            "overhead",
            None,
            "needs latency 0 and concurrency 1".into(),
            "-".into(),
        ),
    };

    // 3. Memory: the highest peak at the highest concurrency.
    let peak = highest_conc.and_then(|c| {
        rows.iter()
            .filter(|r| r.path == "server" && r.concurrency == c)
            .filter_map(Row::peak_rss_mb)
            .max_by(f64::total_cmp)
            .map(|mb| (c, mb))
    });
    let memory = match peak {
        Some((c, mb)) => Verdict::new(
            "RSS",
            Some(mb < MAX_RSS_MB),
            format!("server peak RSS {mb:.1} MB at concurrency {c} (target < {MAX_RSS_MB} MB)"),
            format!("{mb:.1} MB @{c}"),
        ),
        None => Verdict::new(
            "RSS",
            None,
            "peak RSS not readable (/proc)".into(),
            "-".into(),
        ),
    };
    [round_trip, overhead, memory]
}
