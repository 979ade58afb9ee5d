//! Every rejection is 4xx JSON whose message names the problem; nothing reaches Gong.

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn malformed_bodies_are_rejected_with_the_field_named() {
    let app = spawn_app().await;
    let json_ct = "application/json";
    assert_error(
        app.post_raw("", json_ct).await,
        400,
        "invalid_json",
        "empty",
    )
    .await;
    assert_error(
        app.post_raw("{\"callIds\":", json_ct).await,
        400,
        "invalid_json",
        "not valid JSON",
    )
    .await;
    assert_error(
        app.post_raw("[\"1\"]", json_ct).await,
        400,
        "invalid_json",
        "JSON object",
    )
    .await;
    assert_error(
        app.post_raw("{}", json_ct).await,
        400,
        "invalid_call_ids",
        "callIds is required",
    )
    .await;
    assert_error(
        app.post_raw(r#"{"callIds":[]}"#, json_ct).await,
        400,
        "invalid_call_ids",
        "non-empty",
    )
    .await;
    assert_error(
        app.post_raw(r#"{"callIds":"123"}"#, json_ct).await,
        400,
        "invalid_call_ids",
        "it is a string",
    )
    .await;
    assert_error(
        app.post_raw(r#"{"callIds":["123","abc"]}"#, json_ct).await,
        400,
        "invalid_call_ids",
        "callIds[1]",
    )
    .await;
    assert_error(
        app.post_raw(r#"{"callIds":["1",2]}"#, json_ct).await,
        400,
        "invalid_call_ids",
        "callIds[1]: must be a string",
    )
    .await;
    assert_error(
        app.post_raw(r#"{"callIds":[""]}"#, json_ct).await,
        400,
        "invalid_call_ids",
        "callIds[0]",
    )
    .await;
    assert_error(
        app.post_raw(r#"{"callIds":["1","123456789012345678901"]}"#, json_ct)
            .await,
        400,
        "invalid_call_ids",
        "callIds[1]",
    )
    .await;
    assert_eq!(app.sim.stats.requests(), 0, "nothing invalid reaches Gong");
}

#[tokio::test]
async fn too_many_ids_are_rejected_and_duplicates_count() {
    let app = spawn_app().await;
    let too_many: Vec<String> = (1..=51).map(|i| i.to_string()).collect();
    assert_error(
        app.post_transcripts(&json!({ "callIds": too_many })).await,
        400,
        "too_many_call_ids",
        "at most 50",
    )
    .await;
    // Ids are counted as sent, before duplicates are dropped.
    let repeated: Vec<String> = (0..80).map(|i| (i % 5).to_string()).collect();
    assert_error(
        app.post_transcripts(&json!({ "callIds": repeated })).await,
        400,
        "too_many_call_ids",
        "has 80",
    )
    .await;
    let within: Vec<String> = (0..50).map(|i| (i % 5).to_string()).collect();
    let (status, body) = json(app.post_transcripts(&json!({ "callIds": within })).await).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_body_of_thousands_of_ids_is_refused_by_its_count_before_any_id_is_read() {
    let app = spawn_app_with(sim_config(), |s| s.max_body_bytes = 1 << 20).await;
    let mut ids: Vec<Value> = (0..20_000).map(|_| json!("7")).collect();
    // A malformed id far down the list: the count, checked first, is what is reported.
    ids[19_000] = json!(12);
    assert_error(
        app.post_transcripts(&json!({ "callIds": ids })).await,
        400,
        "too_many_call_ids",
        "has 20000",
    )
    .await;
    assert_eq!(app.sim.stats.requests(), 0);
}

#[tokio::test]
async fn max_chars_is_capped_by_the_response_limit_setting() {
    let app = spawn_app_with(sim_config(), |s| s.max_response_chars = 5_000).await;
    let ids = some_call_ids(3);
    let response = app
        .post_transcripts(&json!({ "callIds": ids, "maxChars": 1_000_000 }))
        .await;
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["truncation"]["maxChars"], 5_000, "{body}");
    assert!(text.chars().count() <= 5_000, "{}", text.chars().count());
    assert_eq!(body["truncation"]["truncated"], true);
}

#[tokio::test]
async fn offsets_are_capped_at_100_entries() {
    let app = spawn_app().await;
    let offsets: serde_json::Map<String, Value> =
        (1..=101).map(|i| (i.to_string(), json!(0))).collect();
    assert_error(
        app.post_transcripts(&json!({ "callIds": ["1"], "offsets": offsets }))
            .await,
        400,
        "invalid_parameter",
        "offsets: at most 100",
    )
    .await;
}

#[tokio::test]
async fn the_call_id_limit_is_a_setting() {
    let app = spawn_app_with(sim_config(), |s| s.max_call_ids = 2).await;
    assert_error(
        app.post_transcripts(&json!({ "callIds": ["1", "2", "3"] }))
            .await,
        400,
        "too_many_call_ids",
        "at most 2",
    )
    .await;
}

#[tokio::test]
async fn oversized_bodies_get_413_json() {
    let app = spawn_app().await;
    let big = format!(r#"{{"callIds":["1"],"pad":"{}"}}"#, "x".repeat(70 * 1024));
    assert_error(
        app.post_raw(big.clone(), "application/json").await,
        413,
        "payload_too_large",
        "65536 bytes",
    )
    .await;

    let small = spawn_app_with(sim_config(), |s| s.max_body_bytes = 100).await;
    assert_error(
        small.post_raw(big, "application/json").await,
        413,
        "payload_too_large",
        "100 bytes",
    )
    .await;
}

#[tokio::test]
async fn wrong_content_type_gets_415_json() {
    let app = spawn_app().await;
    let body = r#"{"callIds":["1"]}"#;
    assert_error(
        app.post_raw(body, "text/plain").await,
        415,
        "unsupported_media_type",
        "application/json",
    )
    .await;
    assert_error(
        app.post_raw(body, "application/x-www-form-urlencoded")
            .await,
        415,
        "unsupported_media_type",
        "application/json",
    )
    .await;
    let no_type = app
        .http
        .post(format!("{}/callTranscripts", app.base_url))
        .bearer_auth(API_KEY)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_error(no_type, 415, "unsupported_media_type", "Content-Type").await;
    let (status, _) = json(app.post_raw(body, "application/json; charset=utf-8").await).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(format!("{}/nope", app.base_url))
        .send()
        .await
        .unwrap();
    assert_error(response, 404, "not_found", "openapi.json").await;
    let response = app
        .http
        .get(format!("{}/callTranscripts", app.base_url))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_error(response, 405, "method_not_allowed", "method").await;
}
