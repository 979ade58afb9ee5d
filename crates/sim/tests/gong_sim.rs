//! The Gong simulator over real HTTP: auth, shapes, filters, pagination, errors, limits and
//! faults, as a Gong client sees them.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};
use sim::clock::ManualClock;
use sim::gong::{self, Faults, GongSimConfig, RunningSim, NO_CALLS_FOUND};
use sim::org::SampleOrg;
use tokio::time::Instant;

/// One org for the whole test binary: generating it is the slowest part of a test.
fn org() -> Arc<SampleOrg> {
    static ORG: OnceLock<Arc<SampleOrg>> = OnceLock::new();
    ORG.get_or_init(|| {
        Arc::new(SampleOrg::generate(
            NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
        ))
    })
    .clone()
}

/// Limits off, so tests that are not about limits never trip them.
fn unlimited() -> GongSimConfig {
    GongSimConfig {
        rate_limit_per_sec: None,
        daily_quota: None,
        ..GongSimConfig::default()
    }
}

fn basic() -> String {
    format!(
        "Basic {}",
        STANDARD.encode("demo-access-key:demo-access-key-secret")
    )
}

async fn start(config: GongSimConfig) -> (RunningSim, Arc<SampleOrg>) {
    let org = org();
    (gong::spawn(org.clone(), config).await.unwrap(), org)
}

async fn post(sim: &RunningSim, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url))
        .header("Authorization", basic())
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get(sim: &RunningSim, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url))
        .header("Authorization", basic())
        .send()
        .await
        .unwrap()
}

async fn error_of(resp: reqwest::Response, status: u16) -> String {
    assert_eq!(resp.status().as_u16(), status);
    let body: Value = resp.json().await.unwrap();
    assert!(body["requestId"].as_str().is_some_and(|s| !s.is_empty()));
    body["errors"][0].as_str().unwrap().to_string()
}

fn ids(org: &SampleOrg, n: usize) -> Vec<String> {
    org.calls
        .iter()
        .take(n)
        .map(|c| c.gong_id.clone())
        .collect()
}

#[tokio::test]
async fn basic_and_bearer_are_accepted_and_anything_else_is_401() {
    let (sim, org) = start(unlimited()).await;
    let url = format!("{}/v2/calls/{}", sim.base_url, org.calls[0].gong_id);
    let client = reqwest::Client::new();
    let wrong_basic = format!("Basic {}", STANDARD.encode("demo-access-key:nope"));
    let cases: [(Option<&str>, u16); 6] = [
        (Some(&basic()), 200),
        (Some("Bearer demo-bearer-token"), 200),
        (None, 401),
        (Some(&wrong_basic), 401),
        (Some("Bearer other-token"), 401),
        (Some("Token demo-bearer-token"), 401),
    ];
    for (auth, status) in cases {
        let mut req = client.get(&url);
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{auth:?}");
        if status == 401 {
            error_of(resp, 401).await;
        }
    }
    assert_eq!(sim.stats.requests(), 6);
}

#[tokio::test]
async fn transcripts_come_back_with_timed_sentences_and_null_topics() {
    let (sim, org) = start(unlimited()).await;
    let wanted = ids(&org, 3);
    let resp = post(
        &sim,
        "/v2/calls/transcript",
        json!({"filter": {"callIds": wanted}}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["records"]["totalRecords"], 3);
    assert_eq!(body["records"]["currentPageNumber"], 0);
    assert!(body["records"].get("cursor").is_none());
    let got: HashSet<&str> = body["callTranscripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["callId"].as_str().unwrap())
        .collect();
    assert_eq!(got, wanted.iter().map(String::as_str).collect());
    let first = &body["callTranscripts"][0];
    let call = org.call(first["callId"].as_str().unwrap()).unwrap();
    let transcript = first["transcript"].as_array().unwrap();
    assert_eq!(transcript.len(), call.monologues.len());
    assert!(transcript.iter().any(|m| m["topic"].is_null()));
    assert!(transcript.iter().any(|m| m["topic"].is_string()));
    let s = &transcript[0]["sentences"][0];
    assert!(s["start"].as_u64().unwrap() < s["end"].as_u64().unwrap() && s["text"].is_string());
    assert_eq!(sim.stats.requests_to("/v2/calls/transcript"), 1);
}

#[tokio::test]
async fn extensive_returns_only_what_the_content_selector_asks_for() {
    let (sim, org) = start(unlimited()).await;
    let call = &org.calls[0];
    let bare: Value = post(
        &sim,
        "/v2/calls/extensive",
        json!({"filter": {"callIds": [call.gong_id]}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let c = &bare["calls"][0];
    assert_eq!(c["metaData"]["id"], call.gong_id.as_str());
    assert_eq!(c["metaData"]["url"], call.url.as_str());
    assert_eq!(c["metaData"]["duration"], call.duration);
    assert_eq!(
        c["metaData"]["primaryUserId"],
        org.user(&call.primary_user_id).unwrap().gong_id.as_str()
    );
    for absent in ["parties", "context", "content", "media"] {
        assert!(c.get(absent).is_none(), "{absent}");
    }

    let full = json!({"filter": {"callIds": [call.gong_id]}, "contentSelector": {
        "context": "Extended",
        "exposedFields": {"parties": true, "content": {"brief": true, "keyPoints": true, "topics": true}}}});
    let body: Value = post(&sim, "/v2/calls/extensive", full)
        .await
        .json()
        .await
        .unwrap();
    let c = &body["calls"][0];
    let parties = c["parties"].as_array().unwrap();
    assert_eq!(parties.len(), call.parties.len());
    assert!(parties.iter().any(|p| p["affiliation"] == "Internal"
        && p["emailAddress"]
            .as_str()
            .unwrap()
            .ends_with("@callbrief-demo.com")));
    assert!(parties
        .iter()
        .any(|p| p["affiliation"] == "External" && p["title"].is_string()));
    let objects = c["context"][0]["objects"].as_array().unwrap();
    assert_eq!(c["context"][0]["system"], "Salesforce");
    let account = objects
        .iter()
        .find(|o| o["objectType"] == "Account")
        .unwrap();
    assert_eq!(account["objectId"], call.account_id.as_str());
    assert_eq!(account["fields"][0]["name"], "Name");
    assert!(objects.iter().any(|o| o["objectType"] == "Opportunity"));
    assert_eq!(c["content"]["brief"], call.brief.as_str());
    assert_eq!(
        c["content"]["keyPoints"].as_array().unwrap().len(),
        call.key_points.len()
    );
    assert!(c["content"]["topics"][0]["duration"].as_u64().is_some());

    let basic_ctx = json!({"filter": {"callIds": [call.gong_id]}, "contentSelector": {"context": "Basic", "exposedFields": {"content": {"brief": true}}}});
    let body: Value = post(&sim, "/v2/calls/extensive", basic_ctx)
        .await
        .json()
        .await
        .unwrap();
    let c = &body["calls"][0];
    assert!(c["context"][0]["objects"][0].get("fields").is_none());
    assert!(c["content"].get("keyPoints").is_none() && c["content"]["brief"].is_string());
}

#[tokio::test]
async fn filters_intersect_and_unknown_ids_are_silently_absent() {
    let (sim, org) = start(unlimited()).await;
    let newest = &org.calls[0];
    let older = org.calls.last().unwrap();
    let window = json!({"callIds": [newest.gong_id, older.gong_id, "1234567890123456789"],
        "fromDateTime": (newest.started - chrono::Duration::days(1)).to_rfc3339(), "toDateTime": "2030-01-01T00:00:00Z"});
    let body: Value = post(&sim, "/v2/calls/transcript", json!({"filter": window}))
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<&str> = body["callTranscripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["callId"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![newest.gong_id.as_str()]);

    let host = org.user(&newest.primary_user_id).unwrap();
    let body: Value = post(
        &sim,
        "/v2/calls/extensive",
        json!({"filter": {"primaryUserIds": [host.gong_id]}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let calls = body["calls"].as_array().unwrap();
    assert_eq!(
        calls.len(),
        org.calls
            .iter()
            .filter(|c| c.primary_user_id == host.id)
            .count()
    );
    assert!(calls
        .iter()
        .all(|c| c["metaData"]["primaryUserId"] == host.gong_id.as_str()));
}

#[tokio::test]
async fn nothing_found_is_gongs_404() {
    let (sim, _) = start(unlimited()).await;
    for path in ["/v2/calls/transcript", "/v2/calls/extensive"] {
        let resp = post(
            &sim,
            path,
            json!({"filter": {"callIds": ["1234567890123456789"]}}),
        )
        .await;
        assert_eq!(error_of(resp, 404).await, NO_CALLS_FOUND);
    }
    let resp = get(
        &sim,
        "/v2/calls?fromDateTime=2001-01-01T00:00:00Z&toDateTime=2001-02-01T00:00:00Z",
    )
    .await;
    assert_eq!(error_of(resp, 404).await, NO_CALLS_FOUND);
    assert_eq!(
        get(&sim, "/v2/calls/1234567890123456789").await.status(),
        404
    );
}

#[tokio::test]
async fn malformed_requests_are_400_with_gongs_error_body() {
    let (sim, _) = start(unlimited()).await;
    let client = reqwest::Client::new();
    let raw = client
        .post(format!("{}/v2/calls/transcript", sim.base_url))
        .header("Authorization", basic())
        .header("Content-Type", "application/json")
        .body("{\"filter\": {")
        .send()
        .await
        .unwrap();
    assert!(error_of(raw, 400).await.contains("Malformed"));
    for body in [
        json!({}),
        json!({"filter": {"callIds": "123"}}),
        json!({"filter": {"callIds": ["12ab"]}}),
        json!({"filter": {"fromDateTime": "last tuesday"}}),
        json!({"filter": {}, "cursor": "not-a-cursor"}),
        json!({"filter": {"fromDateTime": "2025-02-01T00:00:00Z", "toDateTime": "2025-01-01T00:00:00Z"}}),
    ] {
        error_of(post(&sim, "/v2/calls/transcript", body.clone()).await, 400).await;
    }
    let bad_selector = json!({"filter": {}, "contentSelector": {"context": "Everything"}});
    error_of(post(&sim, "/v2/calls/extensive", bad_selector).await, 400).await;
    error_of(get(&sim, "/v2/calls?fromDateTime=yesterday").await, 400).await;
    error_of(get(&sim, "/v2/calls/abc").await, 400).await;
}

/// Follows cursors from `first` until the last page; returns every page's body.
async fn all_pages(sim: &RunningSim, path: &str, body: Value) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut request = body;
    loop {
        let page: Value = post(sim, path, request.clone()).await.json().await.unwrap();
        let cursor = page["records"]["cursor"].as_str().map(str::to_string);
        pages.push(page);
        match cursor {
            Some(c) => request["cursor"] = json!(c),
            None => return pages,
        }
    }
}

#[tokio::test]
async fn cursors_walk_every_page_exactly_once() {
    let (sim, org) = start(GongSimConfig {
        page_size: 4,
        ..unlimited()
    })
    .await;
    let pages = all_pages(&sim, "/v2/calls/transcript", json!({"filter": {}})).await;
    assert_eq!(pages.len(), org.calls.len().div_ceil(4));
    assert!(pages.len() >= 3);
    let mut seen = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p["records"]["currentPageNumber"], i);
        assert_eq!(p["records"]["totalRecords"], org.calls.len());
        let list = p["callTranscripts"].as_array().unwrap();
        assert_eq!(p["records"]["currentPageSize"], list.len());
        seen.extend(
            list.iter()
                .map(|t| t["callId"].as_str().unwrap().to_string()),
        );
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len());
    assert_eq!(
        unique,
        org.calls.iter().map(|c| c.gong_id.clone()).collect()
    );

    let extensive = all_pages(
        &sim,
        "/v2/calls/extensive",
        json!({"filter": {}, "contentSelector": {"exposedFields": {"parties": true}}}),
    )
    .await;
    assert_eq!(extensive.len(), pages.len());

    // A cursor only continues the listing it came from.
    let cursor = pages[0]["records"]["cursor"].as_str().unwrap();
    let other = json!({"filter": {"fromDateTime": "2020-01-01T00:00:00Z"}, "cursor": cursor});
    error_of(post(&sim, "/v2/calls/transcript", other).await, 400).await;
    let cross = json!({"filter": {}, "cursor": cursor});
    error_of(post(&sim, "/v2/calls/extensive", cross).await, 400).await;
}

#[tokio::test]
async fn get_lists_page_with_cursors_too() {
    let (sim, org) = start(GongSimConfig {
        page_size: 2,
        ..unlimited()
    })
    .await;
    let mut cursor: Option<String> = None;
    let mut calls = 0;
    let mut pages = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!(
                "/v2/calls?fromDateTime=2020-01-01T00:00:00Z&cursor={}",
                urlencoding::encode(c)
            ),
            None => "/v2/calls?fromDateTime=2020-01-01T00:00:00Z".to_string(),
        };
        let page: Value = get(&sim, &url).await.json().await.unwrap();
        calls += page["calls"].as_array().unwrap().len();
        pages += 1;
        cursor = page["records"]["cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(
        (calls, pages),
        (org.calls.len(), org.calls.len().div_ceil(2))
    );

    let mut users = Vec::new();
    let mut url = "/v2/users".to_string();
    loop {
        let page: Value = get(&sim, &url).await.json().await.unwrap();
        users.extend(
            page["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["emailAddress"].as_str().unwrap().to_string()),
        );
        match page["records"]["cursor"].as_str() {
            Some(c) => url = format!("/v2/users?cursor={}", urlencoding::encode(c)),
            None => break,
        }
    }
    assert_eq!(
        users.len(),
        org.users.len() - 1,
        "everyone but the integration user"
    );
    assert!(users.contains(&"maya.chen@callbrief-demo.com".to_string()));

    let one: Value = get(&sim, &format!("/v2/calls/{}", org.calls[0].gong_id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["call"]["title"], org.calls[0].title.as_str());
}

#[tokio::test]
async fn every_answer_has_a_fresh_request_id() {
    let (sim, org) = start(unlimited()).await;
    let mut seen = HashSet::new();
    for _ in 0..5 {
        let body: Value = get(&sim, &format!("/v2/calls/{}", org.calls[0].gong_id))
            .await
            .json()
            .await
            .unwrap();
        assert!(seen.insert(body["requestId"].as_str().unwrap().to_string()));
    }
}

#[tokio::test]
async fn more_than_the_per_second_limit_is_429_with_retry_after() {
    let clock = ManualClock::new();
    let (sim, org) = start(
        GongSimConfig {
            rate_limit_per_sec: Some(2),
            daily_quota: None,
            ..GongSimConfig::default()
        }
        .with_clock(clock.clone()),
    )
    .await;
    let url = format!("/v2/calls/{}", org.calls[0].gong_id);
    let answers = futures::future::join_all((0..6).map(|_| get(&sim, &url))).await;
    let limited: Vec<_> = answers.into_iter().filter(|r| r.status() == 429).collect();
    assert_eq!(limited.len(), 4, "2 of 6 pass within one second");
    assert_eq!(limited[0].headers()["retry-after"], "1");
    assert_eq!(sim.stats.rate_limited(), 4);
    assert_eq!(sim.stats.max_per_second(), 6);
    // The window is a sliding second: one tick short of it, still full.
    clock.advance(Duration::from_millis(999));
    assert_eq!(get(&sim, &url).await.status(), 429);
    clock.advance(Duration::from_millis(1));
    assert_eq!(get(&sim, &url).await.status(), 200);
    assert_eq!(get(&sim, &url).await.status(), 200);
    assert_eq!(get(&sim, &url).await.status(), 429);
    assert_eq!((sim.stats.requests(), sim.stats.rate_limited()), (10, 6));
}

#[tokio::test]
async fn the_daily_quota_is_429_with_retry_after() {
    let (sim, org) = start(GongSimConfig {
        rate_limit_per_sec: None,
        daily_quota: Some(3),
        ..GongSimConfig::default()
    })
    .await;
    let url = format!("/v2/calls/{}", org.calls[0].gong_id);
    for _ in 0..3 {
        assert_eq!(get(&sim, &url).await.status(), 200);
    }
    let resp = get(&sim, &url).await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=86_400).contains(&retry));
    assert!(error_of(resp, 429).await.contains("quota"));
}

#[tokio::test]
async fn the_daily_quota_resets_at_utc_midnight() {
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2025, 6, 1, 23, 59, 58).unwrap());
    let (sim, org) = start(
        GongSimConfig {
            rate_limit_per_sec: None,
            daily_quota: Some(2),
            ..GongSimConfig::default()
        }
        .with_clock(clock.clone()),
    )
    .await;
    let url = format!("/v2/calls/{}", org.calls[0].gong_id);
    for _ in 0..2 {
        assert_eq!(get(&sim, &url).await.status(), 200);
    }
    let resp = get(&sim, &url).await;
    assert_eq!(
        resp.headers()["retry-after"],
        "2",
        "two seconds to midnight"
    );
    error_of(resp, 429).await;
    clock.advance(Duration::from_secs(1));
    let resp = get(&sim, &url).await;
    assert_eq!(resp.headers()["retry-after"], "1");
    error_of(resp, 429).await;
    clock.advance(Duration::from_secs(1));
    assert_eq!(get(&sim, &url).await.status(), 200);
    assert_eq!(sim.stats.rate_limited(), 2);
}

#[tokio::test]
async fn injected_429s_then_500s_then_success() {
    let faults = Faults {
        rate_limit_first: 1,
        fail_first: 2,
        ..Faults::default()
    };
    let (sim, org) = start(GongSimConfig {
        faults,
        ..unlimited()
    })
    .await;
    let url = format!("/v2/calls/{}", org.calls[0].gong_id);
    let first = get(&sim, &url).await;
    assert_eq!(first.headers()["retry-after"], "1");
    error_of(first, 429).await;
    error_of(get(&sim, &url).await, 500).await;
    error_of(get(&sim, &url).await, 500).await;
    assert_eq!(get(&sim, &url).await.status(), 200);
    assert_eq!(
        (
            sim.stats.rate_limited(),
            sim.stats.server_errors(),
            sim.stats.requests()
        ),
        (1, 2, 4)
    );
}

#[tokio::test]
async fn the_error_rate_is_seeded_and_reproducible() {
    async fn outcomes(seed: u64, rate: f64) -> Vec<u16> {
        let faults = Faults {
            error_rate: rate,
            seed,
            ..Faults::default()
        };
        let (sim, org) = start(GongSimConfig {
            faults,
            ..unlimited()
        })
        .await;
        let url = format!("/v2/calls/{}", org.calls[0].gong_id);
        let mut out = Vec::new();
        for _ in 0..20 {
            out.push(get(&sim, &url).await.status().as_u16());
        }
        out
    }
    let a = outcomes(7, 0.5).await;
    assert_eq!(a, outcomes(7, 0.5).await);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
    assert!(outcomes(1, 1.0).await.iter().all(|s| *s == 500));
}

// Paused tokio time: the injected delays run on tokio's timer, so they pass without waiting and
// every reading below is exact.
#[tokio::test(start_paused = true)]
async fn latency_delays_answers_and_concurrency_is_counted() {
    let faults = Faults {
        latency: Duration::from_millis(200),
        ..Faults::default()
    };
    let (sim, org) = start(GongSimConfig {
        faults,
        ..unlimited()
    })
    .await;
    let url = format!("/v2/calls/{}", org.calls[0].gong_id);
    let t = Instant::now();
    let answers = futures::future::join_all((0..4).map(|_| get(&sim, &url))).await;
    assert!(answers.iter().all(|r| r.status() == 200));
    assert_eq!(
        t.elapsed(),
        Duration::from_millis(200),
        "on the paused clock"
    );
    assert_eq!(sim.stats.max_in_flight(), 4);
    assert_eq!(sim.stats.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn limits_are_checked_on_arrival_so_a_429_comes_back_at_once() {
    let (sim, org) = start(GongSimConfig {
        rate_limit_per_sec: Some(1),
        daily_quota: None,
        faults: Faults {
            latency: Duration::from_millis(200),
            ..Faults::default()
        },
        ..GongSimConfig::default()
    })
    .await;
    let url = format!("/v2/calls/{}", org.calls[0].gong_id);
    let t = Instant::now();
    let timed = |url: String| {
        let sim = sim.clone();
        async move {
            let status = get(&sim, &url).await.status().as_u16();
            (status, t.elapsed())
        }
    };
    let mut answers = futures::future::join_all([timed(url.clone()), timed(url)]).await;
    answers.sort();
    assert_eq!(
        answers,
        [(200, Duration::from_millis(200)), (429, Duration::ZERO)],
        "on the paused clock: the second arrival is refused without the latency"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_body_arrives_whole_but_late() {
    let faults = Faults {
        slow_body: Some(Duration::from_millis(500)),
        ..Faults::default()
    };
    let (sim, org) = start(GongSimConfig {
        faults,
        ..unlimited()
    })
    .await;
    let t = Instant::now();
    let resp = post(
        &sim,
        "/v2/calls/transcript",
        json!({"filter": {"callIds": ids(&org, 1)}}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("content-length").is_none());
    let body: Value = resp.json().await.unwrap();
    // Ten pieces, each 50 ms after the one before, on the paused clock.
    assert_eq!(t.elapsed(), Duration::from_millis(500));
    assert_eq!(body["callTranscripts"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_truncated_body_is_cut_off_json() {
    let (plain, org) = start(unlimited()).await;
    let (cut, _) = start(GongSimConfig {
        faults: Faults {
            truncate_body: true,
            ..Faults::default()
        },
        ..unlimited()
    })
    .await;
    let body = json!({"filter": {"callIds": ids(&org, 2)}});
    let whole = post(&plain, "/v2/calls/transcript", body.clone())
        .await
        .bytes()
        .await
        .unwrap();
    let resp = post(&cut, "/v2/calls/transcript", body).await;
    assert_eq!(resp.status(), 200);
    let partial = resp.bytes().await.unwrap();
    assert!(partial.len() < whole.len() * 3 / 4 && partial.len() > whole.len() / 4);
    assert!(serde_json::from_slice::<Value>(&partial).is_err());
    // Errors are never degraded: the client must be able to read why.
    error_of(post(&cut, "/v2/calls/transcript", json!({})).await, 400).await;
}

#[tokio::test]
async fn unknown_paths_are_gong_404s() {
    let (sim, _) = start(unlimited()).await;
    error_of(get(&sim, "/v2/nothing-here").await, 404).await;
}

#[tokio::test]
async fn generated_calls_are_served_by_id_in_pages_of_100_and_never_listed() {
    let (sim, org) = start(GongSimConfig {
        page_size: 100,
        ..unlimited()
    })
    .await;
    let generated: Vec<String> = (1..=150).map(sim::org::generated_call_id).collect();
    let mut asked = generated.clone();
    asked.push(org.calls[0].gong_id.clone());
    let filter = json!({"filter": {"callIds": asked}});

    let pages = all_pages(&sim, "/v2/calls/transcript", filter.clone()).await;
    assert_eq!(pages.len(), 2, "151 calls in pages of 100");
    assert_eq!(pages[0]["records"]["totalRecords"], 151);
    let transcripts: Vec<&Value> = pages
        .iter()
        .flat_map(|p| p["callTranscripts"].as_array().unwrap())
        .collect();
    let served: HashSet<&str> = transcripts
        .iter()
        .map(|t| t["callId"].as_str().unwrap())
        .collect();
    assert_eq!(served, asked.iter().map(String::as_str).collect());
    let words: usize = transcripts
        .iter()
        .find(|t| t["callId"] == generated[0].as_str())
        .unwrap()["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["sentences"].as_array().unwrap())
        .map(|s| s["text"].as_str().unwrap().split_whitespace().count())
        .sum();
    assert!(
        words > 2_000,
        "a 20-60 minute call has thousands of words: {words}"
    );

    let extensive = all_pages(
        &sim,
        "/v2/calls/extensive",
        json!({"filter": {"callIds": generated[..3]}, "contentSelector": {"exposedFields": {"parties": true}}}),
    )
    .await;
    let calls = extensive[0]["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3);
    assert!(calls[0]["parties"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));
    let duration = calls[0]["metaData"]["duration"].as_u64().unwrap();
    assert!((1200..=3600).contains(&duration), "{duration}");

    let one = get(&sim, &format!("/v2/calls/{}", generated[5])).await;
    assert_eq!(one.status(), 200);
    let one: Value = one.json().await.unwrap();
    assert_eq!(one["call"]["id"], generated[5].as_str());

    // A date listing holds the sample calls only.
    let listed = all_pages(&sim, "/v2/calls/transcript", json!({"filter": {}})).await;
    assert_eq!(listed[0]["records"]["totalRecords"], org.calls.len());
}
