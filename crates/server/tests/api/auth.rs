//! API keys in all four accepted styles; everything else is 401 JSON with a Bearer challenge.

use secrecy::SecretString;
use serde_json::json;

use crate::helpers::*;

const BODY: &str = r#"{"callIds":["12345"]}"#;

fn post(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
    app.http
        .post(format!("{}{path}", app.base_url))
        .header("content-type", "application/json")
        .body(BODY)
}

#[tokio::test]
async fn each_key_style_is_accepted() {
    let app = spawn_app_with(sim_config(), |s| {
        s.api_keys.push(SecretString::from("second-key".to_owned()));
    })
    .await;
    let requests = [
        post(&app, "/callTranscripts").bearer_auth(API_KEY),
        post(&app, "/callTranscripts").header("authorization", "bearer second-key"),
        post(&app, "/callTranscripts").header("x-api-key", API_KEY),
        post(&app, "/api/callTranscripts").header("x-functions-key", API_KEY),
        post(&app, &format!("/api/callTranscripts?code={API_KEY}")),
    ];
    for request in requests {
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["notFound"], json!(["12345"]));
    }
}

#[tokio::test]
async fn missing_or_wrong_keys_get_401_json() {
    let app = spawn_app().await;
    let cases = [
        (post(&app, "/callTranscripts"), "missing API key"),
        (
            post(&app, "/callTranscripts").bearer_auth("wrong"),
            "invalid API key",
        ),
        (
            post(&app, "/callTranscripts").bearer_auth(&API_KEY[..API_KEY.len() - 1]),
            "invalid API key",
        ),
        (
            post(&app, "/callTranscripts").header("x-api-key", ""),
            "invalid API key",
        ),
        (
            post(&app, "/callTranscripts").basic_auth(API_KEY, Some("x")),
            "missing API key",
        ),
        (
            post(&app, "/api/callTranscripts?code=nope"),
            "invalid API key",
        ),
    ];
    for (request, needle) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap()),
            Some("Bearer")
        );
        assert_error(response, 401, "unauthorized", needle).await;
    }
    assert_eq!(app.sim.stats.requests(), 0);
}

#[tokio::test]
async fn health_and_openapi_need_no_key() {
    let app = spawn_app().await;
    for path in ["/healthz", "/openapi.json"] {
        let response = app
            .http
            .get(format!("{}{path}", app.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn the_server_refuses_to_start_without_keys() {
    let err = TestApp::builder().refused(|s| s.api_keys.clear()).await;
    assert!(err.contains("CALLBRIEF_API_KEYS"), "{err}");
}

#[tokio::test]
async fn insecure_no_auth_serves_without_keys() {
    let app = spawn_app_with(sim_config(), |s| {
        s.api_keys.clear();
        s.insecure_no_auth = true;
    })
    .await;
    let (status, body) = json(post(&app, "/callTranscripts").send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
}

/// Without keys nothing vouches for a request, so a page on another site must not reach a
/// local server through a DNS name pointed at 127.0.0.1: only loopback names are answered.
#[tokio::test]
async fn without_keys_only_known_host_names_are_answered() {
    let app = spawn_app_with(sim_config(), |s| {
        s.api_keys.clear();
        s.insecure_no_auth = true;
    })
    .await;
    for path in ["/healthz", "/openapi.json"] {
        let response = app
            .http
            .get(format!("{}{path}", app.base_url))
            .header("host", "rebound.evil.example")
            .send()
            .await
            .unwrap();
        assert_error(response, 403, "unknown_host", "CALLBRIEF_PUBLIC_URL").await;
    }
    let response = post(&app, "/callTranscripts")
        .header("host", "rebound.evil.example:8080")
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "unknown_host", "CALLBRIEF_PUBLIC_URL").await;
    let (status, _) = json(post(&app, "/callTranscripts").send().await.unwrap()).await;
    assert_eq!(status, 200);

    // With API keys the keys protect the routes and a proxy's host name is answered.
    let keyed = spawn_app().await;
    let response = keyed
        .http
        .get(format!("{}/healthz", keyed.base_url))
        .header("host", "callbrief.internal.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn data_answers_are_never_stored_by_caches_in_between() {
    let app = spawn_app().await;
    let response = app
        .post_transcripts(&json!({ "callIds": some_call_ids(1) }))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let response = app
        .post_transcripts(&json!({ "callIds": ["not-a-number"] }))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["cache-control"], "no-store");
}
