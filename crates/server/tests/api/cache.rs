//! The cache of Gong's answers, seen from outside: warm answers cost no Gong request and say
//! so, the cache never lets a caller read a call Salesforce hides from them, and a store on
//! disk serves warm after a restart.

use std::path::Path;

use gong::{CacheConfig, CacheMode};
use serde_json::{json, Value};
use server::{AuthMode, Settings};
use sim::salesforce::SalesforceSimConfig;

use crate::accounts::{call_ids, own_account, spawn_sf_app_with};
use crate::helpers::{gong_config, json, org, sim_config, some_call_ids, TestApp, API_KEY};

/// A cache of `mode` in `dir` (a test's own directory, never the user's).
fn cache(mode: CacheMode, dir: &Path) -> CacheConfig {
    CacheConfig {
        mode,
        dir: dir.to_path_buf(),
        ..CacheConfig::default()
    }
}

/// The ids of `body[field]`, a list of strings.
fn ids(body: &Value, field: &str) -> Vec<String> {
    body[field]
        .as_array()
        .unwrap_or_else(|| panic!("{field} is not a list: {body}"))
        .iter()
        .map(|v| v.as_str().expect("an id").to_owned())
        .collect()
}

/// The `x-callbrief-cache` header of `response`.
fn cache_header(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-callbrief-cache")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_owned()
}

#[tokio::test]
async fn warm_transcripts_and_briefings_ask_gong_nothing_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let sf = spawn_sf_app_with(AuthMode::ApiKey, SalesforceSimConfig::default(), |s| {
        s.gong.cache = cache(CacheMode::Memory, dir.path());
    })
    .await;
    let gong = &sf.app.sim.stats;
    let account = own_account("Maya", "Priya");
    let wanted: Vec<String> = call_ids(&account.id).into_iter().take(3).collect();
    assert_eq!(wanted.len(), 3, "the sample account has calls");

    // Cold: Gong is asked, nothing is said to come from the cache.
    let response = sf
        .post_transcripts(&json!({ "callIds": wanted }), API_KEY)
        .await;
    assert_eq!(cache_header(&response), "miss");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body, "cachedCallIds"), Vec::<String>::new());
    let cold = gong.requests();
    assert!(cold > 0, "the cold ask reached Gong");

    // Warm transcripts: the same answer, no Gong request.
    let response = sf
        .post_transcripts(&json!({ "callIds": wanted }), API_KEY)
        .await;
    assert_eq!(cache_header(&response), "hit");
    let (status, warm) = json(response).await;
    assert_eq!(status, 200, "{warm}");
    assert_eq!(gong.requests(), cold, "a warm ask made a Gong request");
    assert_eq!(ids(&warm, "cachedCallIds"), wanted);
    assert_eq!(warm["callTranscripts"], body["callTranscripts"]);

    // Part warm: only the new call goes to Gong.
    let mut more = wanted.clone();
    let extra = call_ids(&account.id)
        .into_iter()
        .nth(3)
        .expect("a fourth call");
    more.push(extra);
    let response = sf
        .post_transcripts(&json!({ "callIds": more }), API_KEY)
        .await;
    assert_eq!(cache_header(&response), "partial");
    let (_, body) = json(response).await;
    assert_eq!(ids(&body, "cachedCallIds"), wanted);
    let after_partial = gong.requests();
    assert!(after_partial > cold);

    // A briefing over calls already fetched: cold for Salesforce, warm for Gong.
    let path = format!("/accounts/{}/briefing?calls=4", account.id);
    let (status, briefing) = json(sf.get(&path, API_KEY).await).await;
    assert_eq!(status, 200, "{briefing}");
    assert_eq!(gong.requests(), after_partial, "a warm briefing asked Gong");
    assert_eq!(ids(&briefing, "cachedCallIds"), more);
    assert_eq!(briefing["transcripts"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn the_cache_never_shows_a_rep_a_call_salesforce_hides_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let sf = spawn_sf_app_with(AuthMode::Salesforce, SalesforceSimConfig::default(), |s| {
        s.gong.cache = cache(CacheMode::Memory, dir.path());
    })
    .await;
    let gong = &sf.app.sim.stats;
    let (maya, priya) = (sf.token("Maya").await, sf.token("Priya").await);
    let mayas = call_ids(&own_account("Maya", "Priya").id);
    let asked = vec![mayas[0].clone()];

    let (status, body) = json(
        sf.post_transcripts(&json!({ "callIds": asked }), &maya)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["records"]["totalRecords"], 1, "{body}");
    let fetched = gong.requests();
    assert!(fetched > 0);

    // The call is now cached, but Priya may not see it: withheld, and Gong is not asked.
    let response = sf
        .post_transcripts(&json!({ "callIds": asked }), &priya)
        .await;
    assert_eq!(cache_header(&response), "miss");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callTranscripts"], json!([]), "{body}");
    assert_eq!(ids(&body, "notAccessible"), asked);
    assert_eq!(ids(&body, "cachedCallIds"), Vec::<String>::new());
    assert_eq!(gong.requests(), fetched);

    // Maya herself reads it warm.
    let (_, body) = json(
        sf.post_transcripts(&json!({ "callIds": asked }), &maya)
            .await,
    )
    .await;
    assert_eq!(ids(&body, "cachedCallIds"), asked);
    assert_eq!(gong.requests(), fetched);
}

#[tokio::test]
async fn a_restarted_server_serves_warm_from_the_store_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim::gong::spawn(org(), sim_config())
        .await
        .expect("spawn gong sim");
    let settings = |s: &mut Settings| {
        s.gong = gong_config(&sim.base_url);
        s.gong.cache = cache(CacheMode::Disk, dir.path());
    };
    let wanted = some_call_ids(3);
    let ask = |base_url: String| {
        let wanted = wanted.clone();
        async move {
            // A client of its own, so no kept-alive connection holds the old server open.
            let response = reqwest::Client::new()
                .post(format!("{base_url}/callTranscripts"))
                .bearer_auth(API_KEY)
                .json(&json!({ "callIds": wanted }))
                .send()
                .await
                .expect("request");
            json(response).await
        }
    };

    let first_server = TestApp::builder().spawn(settings).await;
    let (status, first) = ask(first_server.base_url.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(ids(&first, "cachedCallIds"), Vec::<String>::new());
    let cold = sim.stats.requests();
    assert!(cold > 0);
    first_server.stop().await;
    assert!(
        dir.path().join(gong::cache::STORE_FILE).exists(),
        "the store is in the configured directory"
    );

    // A new server (a new memory tier) over the same directory: warm, no Gong request.
    let second_server = TestApp::builder().spawn(settings).await;
    let (status, second) = ask(second_server.base_url.clone()).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(
        sim.stats.requests(),
        cold,
        "the restarted server asked Gong"
    );
    assert_eq!(ids(&second, "cachedCallIds"), wanted);
    assert_eq!(second["callTranscripts"], first["callTranscripts"]);
}
