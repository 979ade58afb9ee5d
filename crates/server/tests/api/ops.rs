//! OpenAPI document, health and request ids over HTTP.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn openapi_document_follows_gpt_action_rules() {
    let app = spawn_app().await;
    let (status, doc) = json(
        app.http
            .get(format!("{}/openapi.json", app.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "callbrief");
    assert_eq!(doc["servers"][0]["url"], app.base_url.as_str());
    let op = &doc["paths"]["/callTranscripts"]["post"];
    assert_eq!(op["operationId"], "getTranscriptsByCallIds");
    assert_eq!(op["x-openai-isConsequential"], false);
    assert!(op["summary"].as_str().unwrap().chars().count() <= 300);
    assert!(op["description"].as_str().unwrap().chars().count() <= 300);
    assert!(op["requestBody"]["required"].as_bool().unwrap_or(false));
    assert!(!doc.to_string().contains("#/components/parameters"));
    assert_eq!(
        doc["components"]["securitySchemes"]["apiKey"]["scheme"],
        "bearer"
    );
    let response_props = &doc["components"]["schemas"]["TranscriptsResponse"]["properties"];
    for field in [
        "requestId",
        "records",
        "callTranscripts",
        "notFound",
        "failed",
        "warnings",
    ] {
        assert!(response_props.get(field).is_some(), "{field}");
    }
}

#[tokio::test]
async fn openapi_servers_use_the_public_url() {
    let app = spawn_app_with(sim_config(), |s| {
        s.public_url = Some("https://callbrief.example.com".parse().unwrap());
    })
    .await;
    let (_, doc) = json(
        app.http
            .get(format!("{}/openapi.json", app.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        doc["servers"],
        json!([{ "url": "https://callbrief.example.com" }])
    );
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let (status, body) = json(
        app.http
            .get(format!("{}/healthz", app.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "status": "ok" }));
}

#[tokio::test]
async fn request_ids_are_echoed_and_generated() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(format!("{}/callTranscripts", app.base_url))
        .bearer_auth(API_KEY)
        .header("x-request-id", "trace-me-42")
        .json(&json!({ "callIds": ["12345"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    let (_, body) = json(response).await;
    assert_eq!(body["requestId"], "trace-me-42");

    let response = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .unwrap();
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    let response = app
        .http
        .get(format!("{}/nope", app.base_url))
        .send()
        .await
        .unwrap();
    assert!(
        response.headers().contains_key("x-request-id"),
        "errors carry it too"
    );
}
