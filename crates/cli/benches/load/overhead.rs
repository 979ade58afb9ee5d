//! The overhead scenario: the server against the simulator with every limit off, over a grid of
//! upstream latencies and concurrencies, for the same five long sample calls. Targets: one
//! upstream round trip per request, under 2 ms of overhead, peak RSS under 100 MB.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sim::gong::GongSimConfig;
use sim::org::SampleOrg;

use crate::support::{
    fetch, fmt_opt, free_port, memory_kb, ms, percentile, render, reset_peak_rss, run_case,
    start_server, wait_until, Child, Op, Sample, Verdict, API_KEY, REQUEST_TIMEOUT,
};
use crate::Params;

/// Target 1: p50 under this many upstream round trips.
const MAX_ROUND_TRIPS: f64 = 1.5;
/// Target 2: server overhead at 0 ms upstream latency, in milliseconds.
const MAX_OVERHEAD_MS: f64 = 2.0;
/// Target 3: peak RSS at the highest concurrency, in MB (10^6 bytes).
const MAX_RSS_MB: f64 = 100.0;
/// Repetitions of the in-process breakdown.
const BREAKDOWN_RUNS: usize = 50;

/// The overhead scenario: the table over latencies and concurrencies, then its three targets.
pub(crate) async fn run(params: &Params) -> anyhow::Result<Vec<Verdict>> {
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
        "overhead: {} calls per request ({} min), {} requests or {} s per case, concurrency {:?}, upstream latency {:?} ms",
        call_ids.len(),
        minutes.join(", "),
        params.requests,
        cap.as_secs(),
        concurrency,
        latencies,
    );

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
    Ok(verdicts.into())
}

/// The simulator (a child process, limits off) and the server pointed at it.
struct Stack {
    sim: Child,
    server: Child,
    sim_url: String,
    server_url: String,
}

impl Stack {
    /// Starts both children on free loopback ports and waits until they answer.
    async fn start(latency_ms: u64) -> anyhow::Result<Self> {
        let sim_addr = free_port()?;
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
        // The Gong path itself is measured: no limiter, no cache.
        let (server, server_url) = start_server(
            &sim_url,
            &[
                ("GONG_REQUESTS_PER_SECOND", "0".into()),
                ("GONG_DEADLINE_SECS", "30".into()),
                ("CALLBRIEF_CACHE", "off".into()),
            ],
        )
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

/// What the bench sends, and how much of it.
struct Load {
    http: reqwest::Client,
    call_ids: Vec<String>,
    requests: usize,
    cap: Duration,
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

/// The rows as an aligned table, then the first error of every row that had errors.
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
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
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
    let mut out = render(&header, 2, &cells);
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
