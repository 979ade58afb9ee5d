//! `POST /webhooks/gong` over real HTTP: a delivery signed with the rule's key fetches its call
//! into the cache in the background; a test delivery does nothing; a repeat is fetched once;
//! anything unsigned, signed for another URL or body, expired, huge or malformed is refused
//! with a clear JSON body, and reaches neither Gong nor the cache.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::helpers::*;

const PUBLIC: &str = "https://callbrief.example.com";

fn url() -> String {
    format!("{PUBLIC}/webhooks/gong")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn token(url: &str, body: &[u8], issued: u64, lifetime: u64) -> String {
    let key = sim::gong::webhooks::signing_key(sim::gong::DEMO_WEBHOOK_PRIVATE_KEY_PEM).unwrap();
    sim::gong::webhooks::sign(&key, url, body, issued, lifetime).unwrap()
}

fn delivery(call_id: &str, test: bool) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "callData": {"metaData": {"id": call_id, "title": "Discovery"}, "parties": []},
        "isTest": test
    }))
    .unwrap()
}

async fn app() -> TestApp {
    spawn_app_with(sim_config(), |s| {
        s.gong.cache = gong::CacheConfig {
            mode: gong::CacheMode::Memory,
            ..gong::CacheConfig::default()
        };
        s.public_url = Some(PUBLIC.parse().unwrap());
        s.webhook.key = Some(
            service::webhook::WebhookKey::parse(sim::gong::DEMO_WEBHOOK_PUBLIC_KEY_PEM).unwrap(),
        );
    })
    .await
}

async fn post(app: &TestApp, authorization: Option<&str>, body: Vec<u8>) -> (u16, Value) {
    let mut request = app
        .http
        .post(format!("{}/webhooks/gong", app.base_url))
        .header("content-type", "application/json")
        .body(body);
    if let Some(auth) = authorization {
        request = request.header("authorization", auth);
    }
    json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn a_signed_delivery_fetches_its_call_once_and_a_test_does_nothing() {
    let app = app().await;
    let call = some_call_ids(1).remove(0);

    let test = delivery(&call, true);
    let (status, body) = post(&app, Some(&token(&url(), &test, now(), 300)), test).await;
    assert_eq!((status, body), (200, json!({"status": "test"})));
    assert_eq!(app.sim.stats.requests(), 0, "a test delivery reached Gong");

    let real = delivery(&call, false);
    let auth = format!("Bearer {}", token(&url(), &real, now(), 300));
    let (status, body) = post(&app, Some(&auth), real.clone()).await;
    assert_eq!((status, body), (200, json!({"status": "fetching"})));
    // The answer went before the fetch; the fetch comes in without anyone asking.
    let fetched = app.sim.stats.wait_until(|s| {
        s.requests_to("/v2/calls/transcript") > 0
            && s.requests_to("/v2/calls/extensive") > 0
            && s.in_flight() == 0
    });
    assert!(
        tokio::time::timeout(Duration::from_secs(30), fetched)
            .await
            .is_ok(),
        "the webhook's call never reached Gong"
    );
    let fetched = app.sim.stats.requests();

    // The same delivery again (Gong's repeat, or a replay): nothing more is fetched.
    let (status, body) = post(&app, Some(&auth), real).await;
    assert_eq!((status, body), (200, json!({"status": "duplicate"})));

    // The call was fetched for the cache: a rep's asks cost Gong nothing (the first may still
    // join the fetch as it lands; the next is answered from the cache).
    for _ in 0..2 {
        let (status, body) = json(app.post_transcripts(&json!({ "callIds": [call] })).await).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            app.sim.stats.requests(),
            fetched,
            "a rep's ask went to Gong"
        );
    }
    let (_, body) = json(app.post_transcripts(&json!({ "callIds": [call] })).await).await;
    assert_eq!(body["cachedCallIds"], json!([call]));
}

#[tokio::test]
async fn unsigned_forged_replayed_huge_and_malformed_deliveries_are_refused() {
    let app = app().await;
    let call = some_call_ids(1).remove(0);
    let real = delivery(&call, false);
    let other = delivery(&some_call_ids(2).remove(1), false);
    let signed = token(&url(), &real, now(), 300);
    let mut flipped = signed.clone().into_bytes();
    let at = flipped.len() - 3;
    flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let cases: Vec<(&str, Option<String>, Vec<u8>, &str)> = vec![
        ("no token", None, real.clone(), "no signed JWT"),
        (
            "not a JWT",
            Some("Bearer x".into()),
            real.clone(),
            "not a JWT",
        ),
        (
            "a flipped signature",
            Some(flipped),
            real.clone(),
            "signature",
        ),
        (
            "another body under a good token",
            Some(signed.clone()),
            other,
            "not the one",
        ),
        (
            "a token for another URL",
            Some(token(
                "https://elsewhere.example/webhooks/gong",
                &real,
                now(),
                300,
            )),
            real.clone(),
            "another webhook URL",
        ),
        (
            "a replay after expiry",
            Some(token(&url(), &real, now() - 3600, 300)),
            real.clone(),
            "expired",
        ),
        (
            "signed junk",
            Some(token(&url(), b"[1,2", now(), 300)),
            b"[1,2".to_vec(),
            "not a Gong webhook",
        ),
    ];
    for (what, auth, body, needle) in cases {
        let (status, answer) = post(&app, auth.as_deref(), body).await;
        assert_eq!(status, 401, "{what}: {answer}");
        assert_eq!(answer["error"], "unauthorized", "{what}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{what}: {message}");
        assert!(!message.contains(&signed), "{what}: the token is echoed");
    }
    // Past the body limit: 413 before any check.
    let huge = vec![b' '; server::config::DEFAULT_WEBHOOK_MAX_BODY_BYTES + 1];
    let (status, answer) = post(&app, Some(&signed), huge).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error"], "payload_too_large");
    assert_eq!(
        app.sim.stats.requests(),
        0,
        "a refused delivery reached Gong"
    );
}

#[tokio::test]
async fn without_a_key_the_route_says_webhooks_are_off_and_a_key_needs_the_public_url() {
    let app = spawn_app().await;
    let body = delivery("7782342274025937895", false);
    let (status, answer) = post(&app, Some(&token(&url(), &body, now(), 300)), body).await;
    assert_eq!(status, 404, "{answer}");
    assert!(answer["message"]
        .as_str()
        .unwrap_or_default()
        .contains("GONG_WEBHOOK_PUBLIC_KEY"));

    let refused = TestApp::builder()
        .refused(|s| {
            s.webhook.key = Some(
                service::webhook::WebhookKey::parse(sim::gong::DEMO_WEBHOOK_PUBLIC_KEY_PEM)
                    .unwrap(),
            );
        })
        .await;
    assert!(refused.contains("CALLBRIEF_PUBLIC_URL"), "{refused}");
}
