//! The rush scenario: a team of generated reps (`sim --org-reps`) signed in with Salesforce,
//! all asking at once, minutes before their meetings, for their calendar and the briefing of
//! their first meeting; once against a cold server and once against a server whose prefetch
//! job ran first. Gong's real limits (3 requests/s, 10,000 a day) and answers that take
//! `--gong-latency-ms`; Salesforce's answers take `--salesforce-latency-ms`.
//!
//! Also measured: a cold briefing alone on an idle server (the critical path: at most three
//! Salesforce round trips and one Gong round trip), and the same kind of cold briefing asked
//! while the prefetch run is fetching (the background lane must leave it Gong's capacity).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sim::org::{org_rep_username, Event, SampleOrg};
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};

use crate::support::{
    cpu_secs, fmt_opt, free_port, ms, percentile, render, start_server, Child, Verdict,
    REQUEST_TIMEOUT,
};
use crate::team::limited_gong;
use crate::Params;
use sim::gong::RunningSim;

/// Target: the rush's p50 after a prefetch, as a share of the cold rush's p50.
const MAX_PREFETCHED_RATIO: f64 = 0.2;
/// Target: how much longer a cold briefing may take while a prefetch runs than on an idle server.
const MAX_EXTRA_DURING_PREFETCH: Duration = Duration::from_secs(1);
/// Hours of meetings listed and prefetched: the generated meetings are all tomorrow (UTC).
const HOURS: &str = "48";
/// Cold briefings asked alone, on the idle server and during the prefetch run.
const PROBES: usize = 3;
/// Pause between probes, so that none waits for Gong's limit behind another.
const PROBE_SPACING: Duration = Duration::from_millis(1_100);

/// What the rush reads of a briefing: counts only. The bench's process also hosts the
/// simulators on the same cores, so it skips over the transcripts' text instead of building a
/// JSON tree of 300 briefings.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct BriefingCounts {
    #[serde(default)]
    calls: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    transcripts: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    cached_call_ids: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    notes: serde_json::Value,
}

/// One generated rep: their Salesforce token and the meeting the rush prepares for.
#[derive(Clone)]
struct Rep {
    token: String,
    event_id: String,
    account_id: String,
}

/// What one rep's rush measured.
struct Outcome {
    total: Duration,
    briefing: Duration,
    cached_calls: usize,
    calls: usize,
}

/// The reps' first meetings, as the org has them (the rush checks the server lists the same).
fn first_meetings(org: &SampleOrg, reps: u32) -> Vec<(String, Event)> {
    (1..=reps)
        .filter_map(|i| {
            let username = org_rep_username(i);
            let user = org.user_by_username(&username)?;
            let first = org
                .events
                .iter()
                .filter(|e| e.owner_id == user.id)
                .min_by_key(|e| e.start)?;
            Some((username, first.clone()))
        })
        .collect()
}

/// Signs every rep in at the Salesforce simulator (password flow), 32 at a time.
async fn sign_in(
    http: &reqwest::Client,
    sf_url: &str,
    meetings: &[(String, Event)],
) -> anyhow::Result<Vec<Rep>> {
    let mut reps = Vec::with_capacity(meetings.len());
    for chunk in meetings.chunks(32) {
        let mut tasks = tokio::task::JoinSet::new();
        for (k, (username, _)) in chunk.iter().enumerate() {
            let (http, url, username) = (
                http.clone(),
                format!("{sf_url}/services/oauth2/token"),
                username.clone(),
            );
            tasks.spawn(async move {
                let answer: serde_json::Value = http
                    .post(url)
                    .form(&[
                        ("grant_type", "password"),
                        ("client_id", DEMO_CLIENT_ID),
                        ("client_secret", DEMO_CLIENT_SECRET),
                        ("username", username.as_str()),
                        ("password", DEMO_PASSWORD),
                    ])
                    .send()
                    .await?
                    .json()
                    .await?;
                let token = answer["access_token"].as_str().unwrap_or_default();
                anyhow::Ok((k, token.to_owned()))
            });
        }
        let mut tokens = vec![String::new(); chunk.len()];
        while let Some(joined) = tasks.join_next().await {
            let (k, token) = joined.context("a sign-in task failed")??;
            tokens[k] = token;
        }
        for (token, (_, event)) in tokens.into_iter().zip(chunk) {
            anyhow::ensure!(!token.is_empty(), "the simulator gave a rep no token");
            reps.push(Rep {
                token,
                event_id: event.id.clone(),
                account_id: event.account_id.clone(),
            });
        }
    }
    Ok(reps)
}

/// `GET /meetings`, then the briefing of the first meeting listed (which must be the rep's
/// first meeting in the org).
async fn rush_one(http: &reqwest::Client, url: &str, rep: &Rep) -> Result<Outcome, String> {
    let started = Instant::now();
    let meetings: serde_json::Value =
        get(http, &format!("{url}/meetings?hours={HOURS}"), &rep.token).await?;
    let first = &meetings["meetings"][0];
    if first["eventId"].as_str() != Some(rep.event_id.as_str()) {
        return Err(format!("first meeting listed: {first}"));
    }
    let (briefing, took) = timed_briefing(http, url, rep).await?;
    Ok(Outcome {
        total: started.elapsed(),
        briefing: took,
        cached_calls: briefing.cached_call_ids.len(),
        calls: briefing.calls.len(),
    })
}

/// The briefing of the rep's meeting and how long it took; an error unless every call came
/// with its transcript.
async fn timed_briefing(
    http: &reqwest::Client,
    url: &str,
    rep: &Rep,
) -> Result<(BriefingCounts, Duration), String> {
    let sent = Instant::now();
    let briefing: BriefingCounts = get(
        http,
        &format!(
            "{url}/accounts/{}/briefing?meeting={}",
            rep.account_id, rep.event_id
        ),
        &rep.token,
    )
    .await?;
    let took = sent.elapsed();
    let (calls, transcripts) = (briefing.calls.len(), briefing.transcripts.len());
    if calls == 0 || transcripts != calls {
        return Err(format!(
            "{transcripts} transcripts for {calls} calls; notes: {}",
            briefing.notes
        ));
    }
    Ok((briefing, took))
}

async fn get<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> Result<T, String> {
    let response = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        return Err(format!("HTTP {status}: {}", body["error"]));
    }
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// Every rep at once against the server `server` at `url`: the row of the table, with the
/// Gong requests, 429s and CPU spent during the rush. The first failure, if any, is printed.
async fn rush(
    name: &'static str,
    http: &reqwest::Client,
    (url, server): (&str, &mut Child),
    gong: &RunningSim,
    reps: &[Rep],
) -> anyhow::Result<Row> {
    let before = (gong.stats.requests(), gong.stats.rate_limited());
    let cpu_before = cpus(server.pid());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for rep in reps {
        let (http, url, rep) = (http.clone(), url.to_owned(), rep.clone());
        tasks.spawn(async move { rush_one(&http, &url, &rep).await });
    }
    let (mut outcomes, mut failed, mut first_error) = (Vec::new(), 0, None);
    while let Some(joined) = tasks.join_next().await {
        match joined.map_err(|e| e.to_string()).and_then(|r| r) {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let elapsed = started.elapsed();
    let cpu = cpu_used(cpu_before, cpus(server.pid()));
    server.ensure_running()?;
    if let Some(e) = &first_error {
        println!("  {name}: first failure: {e}");
    }
    Ok(Row {
        name,
        outcomes,
        failed,
        gong_requests: gong.stats.requests() - before.0,
        gong_429s: gong.stats.rate_limited() - before.1,
        elapsed,
        cpu,
    })
}

/// Cold briefings one at a time: each rep's `/meetings` first (so the token is known), then
/// the briefing, timed. The latencies of those that were cold (no call from the cache).
async fn probes(http: &reqwest::Client, url: &str, reps: &[Rep]) -> Vec<Duration> {
    let mut cold = Vec::new();
    for rep in reps {
        let warmed: Result<serde::de::IgnoredAny, _> =
            get(http, &format!("{url}/meetings?hours={HOURS}"), &rep.token).await;
        if let Err(e) = warmed {
            eprintln!("  rush probe: meetings failed: {e}");
            continue;
        }
        match timed_briefing(http, url, rep).await {
            Ok((briefing, took)) => {
                if briefing.cached_call_ids.is_empty() {
                    cold.push(took);
                }
            }
            Err(e) => eprintln!("  rush probe: briefing failed: {e}"),
        }
        tokio::time::sleep(PROBE_SPACING).await;
    }
    cold.sort_unstable();
    cold
}

/// A server signing reps in with their Salesforce tokens, caching on disk in `dir`; the
/// prefetch job on over the rush's window when `prefetch`, with its metrics on `metrics`.
async fn server(
    gong_url: &str,
    sf_url: &str,
    dir: &std::path::Path,
    prefetch: Option<std::net::SocketAddr>,
) -> anyhow::Result<(Child, String)> {
    let mut envs = vec![
        ("CALLBRIEF_AUTH", "salesforce".to_owned()),
        ("CALLBRIEF_OAUTH", "proxy".to_owned()),
        ("SALESFORCE_INSTANCE_URL", sf_url.to_owned()),
        ("SALESFORCE_CLIENT_ID", DEMO_CLIENT_ID.to_owned()),
        ("SALESFORCE_CLIENT_SECRET", DEMO_CLIENT_SECRET.to_owned()),
        // The whole team asks at once: a place for each (the default sheds beyond 64 with
        // 503 and Retry-After, which ChatGPT and MCP clients retry).
        ("CALLBRIEF_MAX_CONCURRENT_REQUESTS", "1024".to_owned()),
        ("CALLBRIEF_CACHE", "disk".to_owned()),
        ("CALLBRIEF_CACHE_DIR", dir.display().to_string()),
        (
            "CALLBRIEF_PREFETCH_HOURS_AHEAD",
            if prefetch.is_some() { HOURS } else { "0" }.to_owned(),
        ),
    ];
    if let Some(addr) = prefetch {
        envs.push(("CALLBRIEF_METRICS_ADDR", addr.to_string()));
    }
    start_server(gong_url, &envs).await
}

/// CPU seconds used so far by the server and by this process.
fn cpus(server: u32) -> (Option<f64>, Option<f64>) {
    (cpu_secs(server), cpu_secs(std::process::id()))
}

/// CPU seconds used between two readings of [`cpus`].
fn cpu_used(
    before: (Option<f64>, Option<f64>),
    after: (Option<f64>, Option<f64>),
) -> (Option<f64>, Option<f64>) {
    let diff = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| b - a);
    (diff(before.0, after.0), diff(before.1, after.1))
}

/// The value of the unlabelled sample `name` in a Prometheus text exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .filter(|(key, _)| key.split('{').next() == Some(name))
        .map(|(_, value)| value.trim().parse::<f64>().unwrap_or(0.0))
        .reduce(|a, b| a + b)
}

/// One row of the rush table.
struct Row {
    name: &'static str,
    outcomes: Vec<Outcome>,
    failed: usize,
    gong_requests: u64,
    gong_429s: u64,
    elapsed: Duration,
    /// CPU seconds the server, and this process (the simulators), used during the rush.
    cpu: (Option<f64>, Option<f64>),
}

impl Row {
    fn p(&self, p: f64, of: fn(&Outcome) -> Duration) -> Option<f64> {
        let mut all: Vec<Duration> = self.outcomes.iter().map(of).collect();
        all.sort_unstable();
        percentile(&all, p).map(ms)
    }

    fn cells(&self) -> Vec<String> {
        let cached: usize = self.outcomes.iter().map(|o| o.cached_calls).sum();
        let calls: usize = self.outcomes.iter().map(|o| o.calls).sum();
        vec![
            self.name.to_owned(),
            self.outcomes.len().to_string(),
            self.failed.to_string(),
            fmt_opt(self.p(0.5, |o| o.total), 0),
            fmt_opt(self.p(0.99, |o| o.total), 0),
            fmt_opt(self.p(0.5, |o| o.briefing), 0),
            format!("{cached}/{calls}"),
            self.gong_requests.to_string(),
            self.gong_429s.to_string(),
            format!("{:.1}", self.elapsed.as_secs_f64()),
            fmt_opt(self.cpu.0, 1),
            fmt_opt(self.cpu.1, 1),
        ]
    }
}

/// The rush scenario.
pub(crate) async fn run(params: &Params) -> anyhow::Result<Vec<Verdict>> {
    let reps_n = params.rush_reps.clamp(1, sim::org::MAX_ORG_REPS);
    let gong_latency = Duration::from_millis(params.gong_latency_ms);
    let sf_latency = Duration::from_millis(params.salesforce_latency_ms);
    println!(
        "rush: {reps_n} generated reps at once list their meetings and open the briefing of the first; Gong simulator with its limits and {} ms answers, Salesforce {} ms answers",
        gong_latency.as_millis(),
        sf_latency.as_millis()
    );
    let org = Arc::new(SampleOrg::for_today_with_reps(reps_n + PROBES as u32 * 2));
    let meetings = first_meetings(&org, reps_n + PROBES as u32 * 2);
    let salesforce = sim::salesforce::spawn(
        org.clone(),
        SalesforceSimConfig {
            latency: sf_latency,
            ..SalesforceSimConfig::default()
        },
    )
    .await
    .context("could not start the Salesforce simulator")?;
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("could not build the HTTP client")?;
    // The probes are the reps whose first meetings are the day's latest: a prefetch run,
    // which goes through the meetings in time order, reaches theirs last.
    let mut meetings = meetings;
    meetings.sort_by_key(|(_, e)| std::cmp::Reverse(e.start));
    let all = sign_in(&http, &salesforce.base_url, &meetings).await?;
    let (busy_probes, rest) = all.split_at(PROBES);
    let (idle_probes, rushing) = rest.split_at(PROBES);

    // Cold: probes on the idle server, then the rush.
    let gong = limited_gong(org.clone(), gong_latency).await?;
    let dir = tempfile::tempdir().context("no temporary directory")?;
    let (mut cold_server, url) =
        server(&gong.base_url, &salesforce.base_url, dir.path(), None).await?;
    let idle = probes(&http, &url, idle_probes).await;
    let cold = rush(
        "cold server",
        &http,
        (&url, &mut cold_server),
        &gong,
        rushing,
    )
    .await?;
    drop(cold_server);

    // Prefetched: the job starts with the server; probes while it fetches; the rush after it.
    let gong = limited_gong(org.clone(), gong_latency).await?;
    let dir = tempfile::tempdir().context("no temporary directory")?;
    let metrics_addr = free_port()?;
    let started = Instant::now();
    let (mut warm_server, url) = server(
        &gong.base_url,
        &salesforce.base_url,
        dir.path(),
        Some(metrics_addr),
    )
    .await?;
    let metrics_url = format!("http://{metrics_addr}/metrics");
    // Probes once the run has begun fetching from Gong.
    while gong.stats.requests() == 0 && started.elapsed() < REQUEST_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let busy = probes(&http, &url, busy_probes).await;
    let (prefetch_took, metrics) = loop {
        let text = http
            .get(&metrics_url)
            .send()
            .await
            .context("metrics")?
            .text()
            .await
            .context("metrics")?;
        if sample(&text, service::prefetch::PREFETCH_LAST_SUCCESS).unwrap_or(0.0) > 0.0 {
            break (started.elapsed(), text);
        }
        warm_server.ensure_running()?;
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the prefetch run did not finish in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let prefetch_calls = sample(&metrics, service::prefetch::PREFETCH_CALLS_FETCHED).unwrap_or(0.0);
    let prefetch_requests =
        sample(&metrics, service::prefetch::PREFETCH_GONG_REQUESTS).unwrap_or(0.0);
    let prefetch_meetings = sample(&metrics, service::prefetch::PREFETCH_MEETINGS).unwrap_or(0.0);
    let warm = rush(
        "after a prefetch run",
        &http,
        (&url, &mut warm_server),
        &gong,
        rushing,
    )
    .await?;
    let prefetch_429s = gong.stats.rate_limited();
    drop(warm_server);

    let header = [
        "rush",
        "ok reps",
        "failed",
        "p50 ms",
        "p99 ms",
        "briefing p50 ms",
        "cached calls",
        "Gong req",
        "Gong 429",
        "s",
        "server CPU s",
        "sims CPU s",
    ];
    print!("{}", render(&header, 1, &[cold.cells(), warm.cells()]));
    let idle_p50 = percentile(&idle, 0.5).map(ms);
    let busy_p50 = percentile(&busy, 0.5).map(ms);
    let path_ms = 3.0 * ms(sf_latency) + ms(gong_latency);
    println!(
        "  a cold briefing alone: p50 {} ms on an idle server ({} probes; bound: 3 Salesforce + 1 Gong round trips = {path_ms:.0} ms), {} ms during the prefetch run ({} cold probes)",
        fmt_opt(idle_p50, 0),
        idle.len(),
        fmt_opt(busy_p50, 0),
        busy.len()
    );
    let quota = sim::gong::GongSimConfig::default()
        .daily_quota
        .unwrap_or(10_000) as f64;
    let share = service::settings::DEFAULT_BACKGROUND_DAILY_SHARE * quota;
    let secs = prefetch_took.as_secs_f64().max(1e-9);
    println!(
        "  prefetch run: {prefetch_meetings:.0} meetings, {prefetch_calls:.0} calls fetched in {secs:.1} s ({:.1} calls/s, from the server's start), {prefetch_requests:.0} Gong requests = {:.2}% of the daily quota (its share: {share:.0} requests), {prefetch_429s} Gong 429s in all",
        prefetch_calls / secs,
        prefetch_requests * 100.0 / quota,
    );

    let (cold_p50, warm_p50) = (cold.p(0.5, |o| o.total), warm.p(0.5, |o| o.total));
    let ratio = warm_p50.zip(cold_p50).map(|(w, c)| w / c);
    let extra = busy_p50.zip(idle_p50).map(|(b, i)| b - i);
    let pass = warm.gong_requests == 0
        && warm.failed == 0
        && cold.failed == 0
        && ratio.is_some_and(|r| r <= MAX_PREFETCHED_RATIO)
        && prefetch_requests <= share
        && extra.is_some_and(|e| e <= ms(MAX_EXTRA_DURING_PREFETCH));
    let verdict = Verdict::new(
        "rush",
        Some(pass),
        format!(
            "after a prefetch: {} Gong requests (target 0), p50 {} ms = {} of the cold {} ms (target <= {MAX_PREFETCHED_RATIO}), {} + {} failed (target 0); prefetch {prefetch_requests:.0} Gong requests (share {share:.0}); a cold briefing during the prefetch {} ms longer than idle (target <= {} ms)",
            warm.gong_requests,
            fmt_opt(warm_p50, 0),
            fmt_opt(ratio, 2),
            fmt_opt(cold_p50, 0),
            cold.failed,
            warm.failed,
            fmt_opt(extra, 0),
            MAX_EXTRA_DURING_PREFETCH.as_millis(),
        ),
        format!("{} x", fmt_opt(ratio, 2)),
    );
    println!("{}", verdict.line);
    Ok(vec![verdict])
}
