//! `serve`'s prefetch job over real HTTP against the simulators: on start, with nobody asking,
//! it fetches the Gong data of the coming meetings' briefings.

use server::AuthMode;
use sim::salesforce::SalesforceSimConfig;

use crate::accounts::spawn_sf_app_with;

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
