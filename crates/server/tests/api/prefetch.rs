//! `serve`'s prefetch job over real HTTP against the simulators: on start, with nobody asking,
//! it fetches the Gong data of the coming meetings' briefings; of replicas on one Redis, one
//! runs it.

use secrecy::SecretString;
use server::AuthMode;
use sim::salesforce::SalesforceSimConfig;
use testkit::redis::RedisServer;

use crate::accounts::spawn_sf_app_with;
use crate::helpers::{gong_config, TestApp};

#[tokio::test]
async fn serve_prefetches_the_coming_meetings_briefings_with_nobody_asking() {
    let dir = tempfile::tempdir().unwrap();
    let sf = spawn_sf_app_with(AuthMode::ApiKey, SalesforceSimConfig::default(), |s| {
        s.gong.cache = gong::CacheConfig {
            mode: gong::CacheMode::Memory,
            dir: dir.path().to_path_buf(),
            ..gong::CacheConfig::default()
        };
        s.prefetch.hours_ahead = 168;
    })
    .await;
    let stats = &sf.app.sim.stats;
    // The first run starts with the server: its requests for transcripts and call details
    // come in without a single request to callbrief.
    let fetched = stats.wait_until(|s| {
        s.requests_to("/v2/calls/transcript") > 0 && s.requests_to("/v2/calls/extensive") > 0
    });
    let fetched = tokio::time::timeout(std::time::Duration::from_secs(30), fetched).await;
    assert!(fetched.is_ok(), "no prefetch reached Gong");
    assert_eq!(
        stats.requests(),
        stats.requests_to("/v2/calls/transcript") + stats.requests_to("/v2/calls/extensive"),
        "only call fetches"
    );
}

/// Two replicas on one Redis, both with the prefetch job on: one runs the prefetch, the other
/// leaves it to the holder of the lease.
#[tokio::test]
async fn of_two_replicas_on_one_redis_one_runs_each_prefetch() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let redis_config =
        || Some(gong::RedisConfig::new(SecretString::from(redis.url())).expect("redis url"));
    let replica = |s: &mut server::Settings| {
        s.gong.redis = redis_config();
        s.gong.cache = gong::CacheConfig {
            mode: gong::CacheMode::Memory,
            ..gong::CacheConfig::default()
        };
        s.prefetch.hours_ahead = 168;
    };
    let a = TestApp::builder()
        .salesforce(SalesforceSimConfig::default())
        .metrics()
        .spawn(replica)
        .await;
    let (gong_url, sf_url) = (a.sim.base_url.clone(), a.salesforce_url().to_owned());
    let _b = TestApp::builder()
        .salesforce(SalesforceSimConfig::default())
        .spawn(|s| {
            replica(s);
            s.gong = gong::GongConfig {
                redis: s.gong.redis.take(),
                cache: s.gong.cache.clone(),
                ..gong_config(&gong_url)
            };
            s.salesforce.instance_url = Some(sf_url.parse().unwrap());
        })
        .await;
    let metrics_url = a.metrics_url.clone().expect("metrics on");
    // Both replicas' counts land in this process's one recorder.
    let runs = |text: &str, outcome: &str| -> u64 {
        text.lines()
            .filter(|l| l.starts_with("callbrief_prefetch_runs_total{"))
            .filter(|l| l.contains(&format!("outcome=\"{outcome}\"")))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .map(|v| v as u64)
            .sum()
    };
    let decided = async {
        loop {
            let text = a
                .http
                .get(&metrics_url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if runs(&text, "ok") + runs(&text, "another_replica") >= 2 {
                return text;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    let text = tokio::time::timeout(std::time::Duration::from_secs(60), decided)
        .await
        .expect("both replicas' prefetch jobs decided");
    assert_eq!(runs(&text, "ok"), 1, "{text}");
    assert_eq!(runs(&text, "another_replica"), 1, "{text}");
    assert_eq!(runs(&text, "failed"), 0, "{text}");
    assert!(a.sim.stats.requests_to("/v2/calls/transcript") > 0);
}
