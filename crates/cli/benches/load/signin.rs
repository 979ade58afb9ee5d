//! The sign-in scenario: what strangers' authorization requests cost a server that signs
//! people in (`CALLBRIEF_AUTH=salesforce`, `CALLBRIEF_OAUTH=server`), against the Salesforce
//! simulator, with the vault on disk under a cache key, then on `redis-server` when installed.
//!
//! A client registers, then `signin_requests` requests to `/oauth/authorize` go out with
//! 60 KB states (refused: longer than `MAX_STATE_BYTES`; about the longest a URL can carry,
//! 64 KiB in all) and as many with 1 KB states (each answered with a consent page), 32 at once. Nobody consents, so nothing need be kept: the
//! server's RSS, the store file and Redis's memory are read before and after.

use std::time::Instant;

use anyhow::Context;
use testkit::redis::RedisServer;

use crate::support::{memory_kb, start_server, Child, Verdict};
use crate::Params;

/// Target: RSS growth over the whole flood, in MB (10^6 bytes).
const MAX_RSS_GROWTH_MB: f64 = 64.0;
/// Target: growth of the store file, and of Redis's memory, in bytes.
const MAX_STORE_GROWTH_BYTES: u64 = 64 * 1024;
/// Requests in flight at once.
const CONCURRENCY: usize = 32;
/// The redirect URI the client registers.
const REDIRECT_URI: &str = "https://client.example/callback";

fn mb(bytes: f64) -> f64 {
    bytes / 1e6
}

/// What a flood of requests got back.
#[derive(Default)]
struct Answers {
    pages: usize,
    refused: usize,
    failed: usize,
}

impl Answers {
    fn count(&mut self, done: Result<Result<u16, reqwest::Error>, tokio::task::JoinError>) {
        match done {
            Ok(Ok(200)) => self.pages += 1,
            Ok(Ok(_)) => self.refused += 1,
            _ => self.failed += 1,
        }
    }
}

/// Sends `count` authorization requests with a state of `state_len` bytes.
async fn flood(base: &str, client_id: &str, state_len: usize, count: usize) -> Answers {
    let http = reqwest::Client::new();
    let state = "s".repeat(state_len);
    let mut url = url::Url::parse(&format!("{base}/oauth/authorize")).expect("url");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair(
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        )
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", &state);
    let url = url.to_string();
    let mut answers = Answers::default();
    let mut in_flight = tokio::task::JoinSet::new();
    for sent in 0..count {
        let (http, url) = (http.clone(), url.clone());
        in_flight.spawn(async move { http.get(url).send().await.map(|r| r.status().as_u16()) });
        if in_flight.len() >= CONCURRENCY || sent + 1 == count {
            while let Some(done) = in_flight.join_next().await {
                answers.count(done);
                if in_flight.len() < CONCURRENCY / 2 {
                    break;
                }
            }
        }
    }
    while let Some(done) = in_flight.join_next().await {
        answers.count(done);
    }
    answers
}

/// Redis's `used_memory`, in bytes.
fn redis_memory(redis: &RedisServer) -> Option<u64> {
    let out = std::process::Command::new("redis-cli")
        .args(["-p", &redis.port().to_string(), "info", "memory"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
}

/// One server of the scenario, with its store (a file, or Redis).
struct Case {
    name: &'static str,
    server: Child,
    url: String,
    store: Box<dyn Fn() -> Option<u64>>,
}

pub(crate) async fn run(params: &Params) -> anyhow::Result<Vec<Verdict>> {
    let org = sim::org::SampleOrg::shared_for_today();
    let gong = sim::gong::spawn(org.clone(), sim::gong::GongSimConfig::default())
        .await
        .context("could not start the Gong simulator")?;
    let salesforce = sim::salesforce::spawn(org, sim::salesforce::SalesforceSimConfig::default())
        .await
        .context("could not start the Salesforce simulator")?;
    let dir = tempfile::tempdir().context("no temporary directory")?;
    let common = |cache: &str| {
        vec![
            ("CALLBRIEF_AUTH", "salesforce".to_owned()),
            ("CALLBRIEF_OAUTH", "server".to_owned()),
            ("SALESFORCE_INSTANCE_URL", salesforce.base_url.clone()),
            (
                "SALESFORCE_CLIENT_ID",
                sim::salesforce::DEMO_CLIENT_ID.to_owned(),
            ),
            (
                "SALESFORCE_CLIENT_SECRET",
                sim::salesforce::DEMO_CLIENT_SECRET.to_owned(),
            ),
            ("CALLBRIEF_CACHE_KEY", "5a".repeat(32)),
            ("CALLBRIEF_CACHE", cache.to_owned()),
            ("CALLBRIEF_CACHE_DIR", dir.path().display().to_string()),
            ("CALLBRIEF_OAUTH_REGISTRATIONS_PER_MINUTE", "0".to_owned()),
        ]
    };
    let mut cases = Vec::new();
    let (server, url) = start_server(&gong.base_url, &common("disk")).await?;
    let file = dir.path().join(gong::cache::STORE_FILE);
    cases.push(Case {
        name: "disk",
        server,
        url,
        store: Box::new(move || std::fs::metadata(&file).ok().map(|m| m.len())),
    });
    let redis = RedisServer::start();
    if let Some(redis) = redis {
        let mut envs = common("memory");
        envs.push(("CALLBRIEF_REDIS_URL", redis.url()));
        let (server, url) = start_server(&gong.base_url, &envs).await?;
        cases.push(Case {
            name: "redis",
            server,
            url,
            store: Box::new(move || redis_memory(&redis)),
        });
    } else {
        println!("sign-in: redis-server is not installed; the Redis case is left out");
    }

    let count = params.signin_requests;
    println!(
        "sign-in: {count} /oauth/authorize requests with 60 KB states and {count} with 1 KB states, {CONCURRENCY} at once, nobody consenting"
    );
    let mut verdicts = Vec::new();
    let mut rows = Vec::new();
    for case in &mut cases {
        let http = reqwest::Client::new();
        let registered: serde_json::Value = http
            .post(format!("{}/oauth/register", case.url))
            .json(&serde_json::json!({
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "none",
            }))
            .send()
            .await?
            .json()
            .await?;
        let client_id = registered["client_id"]
            .as_str()
            .context("no client_id")?
            .to_owned();
        let pid = case.server.pid();
        let rss_before = memory_kb(pid, "VmRSS:").unwrap_or(0) as f64 * 1024.0;
        let store_before = (case.store)().unwrap_or(0);
        let started = Instant::now();
        let long = flood(&case.url, &client_id, 60 * 1024, count).await;
        let short = flood(&case.url, &client_id, 1024, count).await;
        let secs = started.elapsed().as_secs_f64();
        case.server.ensure_running()?;
        let rss_after = memory_kb(pid, "VmRSS:").unwrap_or(0) as f64 * 1024.0;
        let peak = memory_kb(pid, "VmHWM:").unwrap_or(0) as f64 * 1024.0;
        let store_after = (case.store)().unwrap_or(0);
        let rss_growth = mb(rss_after - rss_before);
        let store_growth = store_after.saturating_sub(store_before);
        rows.push(vec![
            case.name.to_owned(),
            format!("{}", long.refused),
            format!("{}", short.pages),
            format!(
                "{}",
                long.failed + short.failed + long.pages + short.refused
            ),
            format!("{:.1}", mb(rss_before)),
            format!("{:.1}", mb(rss_after)),
            format!("{:.1}", mb(peak)),
            format!("{store_before}"),
            format!("{store_after}"),
            format!("{secs:.1}"),
        ]);
        verdicts.push(Verdict::new(
            "sign-in RSS growth",
            Some(rss_growth < MAX_RSS_GROWTH_MB),
            format!(
                "{}: RSS grew {rss_growth:.1} MB over {} requests (target < {MAX_RSS_GROWTH_MB} MB)",
                case.name,
                2 * count
            ),
            format!("{}: {rss_growth:.1} MB", case.name),
        ));
        verdicts.push(Verdict::new(
            "sign-in store growth",
            Some(store_growth < MAX_STORE_GROWTH_BYTES),
            format!(
                "{}: the store grew {store_growth} bytes (target < {MAX_STORE_GROWTH_BYTES})",
                case.name
            ),
            format!("{}: {store_growth} B", case.name),
        ));
    }
    println!(
        "{}",
        crate::support::render(
            &[
                "store",
                "60 KB refused",
                "1 KB pages",
                "other",
                "RSS before MB",
                "RSS after MB",
                "peak MB",
                "store before B",
                "store after B",
                "secs",
            ],
            1,
            &rows,
        )
    );
    for v in &verdicts {
        println!("{}", v.line);
    }
    Ok(verdicts)
}
