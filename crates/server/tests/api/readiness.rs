//! `GET /readyz`: ready when the configuration is complete and the cache store takes writes;
//! `503` naming the failed check otherwise; never a request to Gong.

use serde_json::json;

use crate::helpers::*;

pub(crate) async fn readyz(app: &TestApp) -> (u16, serde_json::Value) {
    json(
        app.http
            .get(format!("{}/readyz", app.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn ready_with_a_writable_store_on_disk_and_no_gong_request_spent() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_with(sim_config(), |s| {
        s.gong.cache = gong::CacheConfig {
            mode: gong::CacheMode::Disk,
            dir: dir.path().join("cache"),
            ..gong::CacheConfig::default()
        };
    })
    .await;
    for _ in 0..3 {
        let (status, body) = readyz(&app).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body,
            json!({"status": "ready", "checks": {
                "configuration": "ok", "cache_store": "ok", "cache_at_rest": "plain_text"
            }})
        );
    }
    assert_eq!(app.sim.stats.requests(), 0, "a probe asked Gong");
}

#[tokio::test]
async fn readiness_says_whether_the_cache_keeps_transcripts_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let key = gong::CacheKey::parse(&"44".repeat(32)).unwrap();
    for (mode, key, expected) in [
        (gong::CacheMode::Disk, Some(key), "sealed"),
        (gong::CacheMode::Memory, None, "not_kept"),
        (gong::CacheMode::Off, None, "not_kept"),
    ] {
        let app = spawn_app_with(sim_config(), |s| {
            s.gong.cache = gong::CacheConfig {
                mode,
                dir: dir.path().join(expected),
                key,
                ..gong::CacheConfig::default()
            };
        })
        .await;
        let (status, body) = readyz(&app).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["checks"]["cache_at_rest"], expected,
            "{mode:?}: {body}"
        );
    }
}

#[tokio::test]
async fn a_cache_store_that_cannot_be_opened_is_not_ready_but_alive() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let app = spawn_app_with(sim_config(), |s| {
        s.gong.cache = gong::CacheConfig {
            mode: gong::CacheMode::Disk,
            // A directory cannot be made under a file, whoever runs the test.
            dir: file.join("cache"),
            ..gong::CacheConfig::default()
        };
    })
    .await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["cache_store"], "failed");
    assert_eq!(body["checks"]["configuration"], "ok");
    assert!(
        !body.to_string().contains("a-file"),
        "the reason stays in the log: {body}"
    );
    let (status, _) = json(
        app.http
            .get(format!("{}/healthz", app.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "liveness is unaffected");
}

#[tokio::test]
async fn salesforce_without_service_credentials_is_an_incomplete_configuration() {
    let app = spawn_app_with(sim_config(), |s| {
        s.salesforce.instance_url = Some("https://acme.my.salesforce.com".parse().unwrap());
    })
    .await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["configuration"], "failed");
    assert_eq!(body["checks"]["cache_store"], "ok");
}
