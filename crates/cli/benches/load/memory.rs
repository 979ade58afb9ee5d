//! The memory scenario: how much memory the server holds under abuse, and after it.
//!
//! 1. **Requests and slow readers.** Gong without limits (simulator and server limiter off, so
//!    the most data flows) and the cache off (the request path alone): `memory_concurrency`
//!    clients each asking over and over for `memory_calls` never-seen calls, and `slow_readers`
//!    clients that send such a request with a 4 KB receive buffer and never read the answer.
//!    Peak RSS during the load; RSS `settle_secs` after every client has gone.
//! 2. **Memory tier full.** The cache in memory at its default size, filled with twice its size
//!    of never-seen calls (50 per request, 8 at once); RSS once the clients are gone.
//! 3. **Warm.** The cache in memory holding the sample org's `memory_calls` longest calls;
//!    `memory_concurrency` clients
//!    asking for exactly those over and over and `warm_slow_readers` slow readers asking for
//!    them too: every answer is assembled from the cache at once, so only admission bounds the
//!    work in flight. Peak RSS, and RSS `settle_secs` after.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sim::gong::{GongSimConfig, RunningSim};
use sim::org::SampleOrg;
use tokio::io::AsyncWriteExt;

use crate::support::{memory_kb, reset_peak_rss, start_server, Child, Verdict, API_KEY};
use crate::team::FreshIds;
use crate::Params;

/// Target: peak RSS under load, in MB (10^6 bytes).
const MAX_PEAK_MB: f64 = 150.0;
/// Target: RSS after the load has settled, in MB.
const MAX_SETTLED_MB: f64 = 60.0;
/// Target: RSS with the memory tier full, in MB.
const MAX_FULL_TIER_MB: f64 = 150.0;
/// Wait between filling the memory tier and reading RSS.
const FULL_TIER_SETTLE: Duration = Duration::from_secs(5);
/// Receive buffer of a slow reader: small, so the server's writes to it block.
const SLOW_READER_BUFFER: u32 = 4096;

fn mb(kb: Option<u64>) -> Option<f64> {
    kb.map(|kb| kb as f64 * 1024.0 / 1e6)
}

fn show(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"))
}

async fn unlimited_gong(org: Arc<SampleOrg>) -> anyhow::Result<RunningSim> {
    let config = GongSimConfig {
        rate_limit_per_sec: None,
        daily_quota: None,
        ..GongSimConfig::default()
    };
    sim::gong::spawn(org, config)
        .await
        .context("could not start the Gong simulator")
}

fn body(ids: &[String]) -> String {
    serde_json::json!({ "callIds": ids }).to_string()
}

/// Connects with a tiny receive buffer, sends one request and keeps the socket unread.
async fn slow_reader(addr: &str, ids: &[String]) -> std::io::Result<tokio::net::TcpStream> {
    let addr: std::net::SocketAddr = addr
        .parse()
        .map_err(|_| std::io::Error::other("bad address"))?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(SLOW_READER_BUFFER)?;
    let mut stream = socket.connect(addr).await?;
    let body = body(ids);
    let request = format!(
        "POST /callTranscripts HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {API_KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    Ok(stream)
}

/// Which calls the clients of a phase ask for.
#[derive(Clone)]
enum Calls {
    /// Never-seen calls, a fresh batch each time.
    Fresh(Arc<FreshIds>),
    /// The same calls every time.
    Same(Arc<Vec<String>>),
}

impl Calls {
    fn take(&self, n: usize) -> Vec<String> {
        match self {
            Calls::Fresh(ids) => ids.take(n),
            Calls::Same(ids) => ids.as_ref().clone(),
        }
    }
}

/// Phases 1 and 3; returns (peak MB, settled MB, answers by status).
async fn abuse(
    params: &Params,
    org: Arc<SampleOrg>,
    warm: bool,
    extra_env: &[(&str, String)],
) -> anyhow::Result<(Option<f64>, Option<f64>, BTreeMap<String, usize>)> {
    let org_calls = org.calls.clone();
    let gong = unlimited_gong(org).await?;
    let cache = if warm { "memory" } else { "off" };
    let mut envs = vec![
        ("GONG_REQUESTS_PER_SECOND", "0".to_owned()),
        ("CALLBRIEF_CACHE", cache.to_owned()),
    ];
    envs.extend(extra_env.iter().cloned());
    let (mut server, url) = start_server(&gong.base_url, &envs).await?;
    let addr = url.trim_start_matches("http://").to_owned();
    let per_request = params.memory_calls.max(1);
    let ids = if warm {
        // The sample org's longest calls (an hour at most): answers as large as they come.
        let mut longest: Vec<&sim::org::Call> = org_calls.iter().collect();
        longest.sort_by_key(|c| std::cmp::Reverse(c.duration));
        let same: Vec<String> = longest
            .iter()
            .take(per_request)
            .map(|c| c.gong_id.clone())
            .collect();
        // Into the cache once.
        reqwest::Client::new()
            .post(format!("{url}/callTranscripts"))
            .bearer_auth(API_KEY)
            .json(&serde_json::json!({ "callIds": same }))
            .send()
            .await?
            .error_for_status()?;
        Calls::Same(Arc::new(same))
    } else {
        Calls::Fresh(Arc::new(FreshIds::starting_at(4_000_000)))
    };
    let slow_readers = if warm {
        params.warm_slow_readers
    } else {
        params.slow_readers
    };
    let secs = Duration::from_secs(params.memory_secs.max(1));
    reset_peak_rss(server.pid());

    let mut readers = Vec::new();
    for _ in 0..slow_readers {
        if let Ok(stream) = slow_reader(&addr, &ids.take(per_request)).await {
            readers.push(stream);
        }
    }
    let connected_readers = readers.len();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..params.memory_concurrency.max(1) {
        let (http, ids, url) = (http.clone(), ids.clone(), url.clone());
        tasks.spawn(async move {
            let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
            while started.elapsed() < secs {
                let answer = http
                    .post(format!("{url}/callTranscripts"))
                    .bearer_auth(API_KEY)
                    .header("content-type", "application/json")
                    .body(body(&ids.take(per_request)))
                    .send()
                    .await;
                let key = match answer {
                    Ok(response) => {
                        let status = response.status().as_u16().to_string();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(e) if e.is_timeout() => "timeout".to_owned(),
                    Err(_) => "connection error".to_owned(),
                };
                let shed = key == "503";
                *statuses.entry(key).or_default() += 1;
                if shed {
                    // Shed: wait a little before asking again, as a client honouring
                    // Retry-After would.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            statuses
        });
    }
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        for (k, n) in joined.unwrap_or_default() {
            *statuses.entry(k).or_default() += n;
        }
    }
    server.ensure_running()?;
    let peak = mb(memory_kb(server.pid(), "VmHWM:"));
    // Every client goes away: its connections close.
    drop(readers);
    drop(http);
    statuses.insert("slow readers".into(), connected_readers);
    println!(
        "  load over; waiting {} s before reading RSS again",
        params.settle_secs
    );
    tokio::time::sleep(Duration::from_secs(params.settle_secs)).await;
    server.ensure_running()?;
    let settled = mb(memory_kb(server.pid(), "VmRSS:"));
    Ok((peak, settled, statuses))
}

/// Bytes of Gong's transcript answer per generated call, averaged over 20.
async fn transcript_bytes_per_call(gong: &RunningSim) -> anyhow::Result<u64> {
    let defaults = GongSimConfig::default();
    let ids = FreshIds::starting_at(9_000_000).take(20);
    let bytes = reqwest::Client::new()
        .post(format!("{}/v2/calls/transcript", gong.base_url))
        .basic_auth(&defaults.access_key, Some(&defaults.access_key_secret))
        .json(&serde_json::json!({ "filter": { "callIds": ids } }))
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    Ok((bytes.len() as u64 / 20).max(1))
}

/// Phase 2; returns (RSS MB with the tier full, calls fetched).
async fn full_tier(org: Arc<SampleOrg>) -> anyhow::Result<(Option<f64>, usize)> {
    let gong = unlimited_gong(org).await?;
    let (mut server, url): (Child, String) = start_server(
        &gong.base_url,
        &[
            ("GONG_REQUESTS_PER_SECOND", "0".into()),
            ("CALLBRIEF_CACHE", "memory".into()),
        ],
    )
    .await?;
    let per_call = transcript_bytes_per_call(&gong).await?;
    let tier = gong::config::DEFAULT_CACHE_MEMORY_BYTES;
    let calls = usize::try_from(2 * tier / per_call).unwrap_or(usize::MAX);
    let ids = Arc::new(FreshIds::starting_at(5_000_000));
    let http = reqwest::Client::new();
    let requests = calls.div_ceil(50);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (http, ids, url, next) = (http.clone(), ids.clone(), url.clone(), next.clone());
        tasks.spawn(async move {
            let mut failed = (0usize, None::<String>);
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < requests {
                let answer = http
                    .post(format!("{url}/callTranscripts"))
                    .bearer_auth(API_KEY)
                    .json(&serde_json::json!({ "callIds": ids.take(50) }))
                    .send()
                    .await;
                match answer {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                    }
                    Ok(response) => {
                        failed.0 += 1;
                        let status = response.status();
                        let text = response.text().await.unwrap_or_default();
                        failed.1.get_or_insert(format!("{status}: {text}"));
                    }
                    Err(e) => {
                        failed.0 += 1;
                        failed.1.get_or_insert(e.to_string());
                    }
                }
            }
            failed
        });
    }
    let (mut failed, mut first) = (0, None);
    while let Some(joined) = tasks.join_next().await {
        let (n, error) = joined.unwrap_or((1, Some("task failed".into())));
        failed += n;
        first = first.or(error);
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} requests filling the memory tier failed, the first: {}",
        first.unwrap_or_default()
    );
    drop(http);
    // Moments for the connections to close and freed pages to go back.
    tokio::time::sleep(FULL_TIER_SETTLE).await;
    server.ensure_running()?;
    Ok((mb(memory_kb(server.pid(), "VmRSS:")), requests * 50))
}

/// The peak and settled RSS targets of one load phase.
fn load_verdicts(
    (peak_name, settled_name): (&'static str, &'static str),
    what: &str,
    (peak, settled): (Option<f64>, Option<f64>),
    settle_secs: u64,
) -> [Verdict; 2] {
    [
        Verdict::new(
            peak_name,
            peak.map(|p| p < MAX_PEAK_MB),
            format!("{} MB {what} (target < {MAX_PEAK_MB})", show(peak)),
            format!("{} MB", show(peak)),
        ),
        Verdict::new(
            settled_name,
            settled.map(|p| p < MAX_SETTLED_MB),
            format!(
                "{} MB {settle_secs} s after the load (target < {MAX_SETTLED_MB})",
                show(settled)
            ),
            format!("{} MB", show(settled)),
        ),
    ]
}

/// The memory scenario.
pub(crate) async fn run(params: &Params) -> anyhow::Result<Vec<Verdict>> {
    println!(
        "memory: {} clients asking for {} never-seen calls each and {} slow readers for {} s, Gong and the cache without limits; then the memory tier filled",
        params.memory_concurrency, params.memory_calls, params.slow_readers, params.memory_secs
    );
    let org = Arc::new(SampleOrg::for_today());
    let (peak, settled, statuses) = abuse(params, org.clone(), false, &[]).await?;
    let answers: Vec<String> = statuses.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    println!("  answers: {}", answers.join(", "));
    let (full, calls) = full_tier(org.clone()).await?;
    println!(
        "  peak RSS under load {} MB, RSS {} s after it {} MB, RSS with the memory tier full ({calls} calls fetched) {} MB",
        show(peak),
        params.settle_secs,
        show(settled),
        show(full)
    );
    println!(
        "  warm: {} clients asking for the same {} cached calls and {} slow readers for {} s",
        params.memory_concurrency,
        params.memory_calls,
        params.warm_slow_readers,
        params.memory_secs
    );
    // Side by side: admission by requests only (every call of every admitted request assembled
    // at once), then by calls in flight at the default.
    let (unbounded_peak, unbounded_settled, unbounded_statuses) = abuse(
        params,
        org.clone(),
        true,
        &[("CALLBRIEF_MAX_CALLS_IN_FLIGHT", "1000000".to_owned())],
    )
    .await?;
    let (warm_peak, warm_settled, warm_statuses) = abuse(params, org, true, &[]).await?;
    for (label, statuses, peak, settled) in [
        (
            "by requests only",
            &unbounded_statuses,
            unbounded_peak,
            unbounded_settled,
        ),
        (
            "by calls in flight",
            &warm_statuses,
            warm_peak,
            warm_settled,
        ),
    ] {
        let answers: Vec<String> = statuses.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        println!(
            "  warm, admitted {label}: {}; peak RSS {} MB, RSS {} s after {} MB",
            answers.join(", "),
            show(peak),
            params.settle_secs,
            show(settled)
        );
    }
    let mut verdicts = Vec::new();
    verdicts.extend(load_verdicts(
        ("warm peak RSS", "warm settled RSS"),
        "answering cached calls under load",
        (warm_peak, warm_settled),
        params.settle_secs,
    ));
    verdicts.extend(load_verdicts(
        ("peak RSS", "settled RSS"),
        "under load",
        (peak, settled),
        params.settle_secs,
    ));
    verdicts.extend([Verdict::new(
        "full tier RSS",
        full.map(|p| p < MAX_FULL_TIER_MB),
        format!(
            "{} MB with the memory tier full at its default (target < {MAX_FULL_TIER_MB})",
            show(full)
        ),
        format!("{} MB", show(full)),
    )]);
    for verdict in &verdicts {
        println!("{}", verdict.line);
    }
    Ok(verdicts)
}
