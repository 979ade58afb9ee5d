//! The Gong simulator's answers, and the request bodies it accepts, validated against Gong's
//! published OpenAPI document (tests/fixtures/gong-openapi.json, from the public repository
//! JustinBeckwith/gongio-mcp, MIT).

use std::sync::{Arc, OnceLock};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::NaiveDate;
use serde_json::{json, Value};
use sim::gong::{self, Faults, GongSimConfig, RunningSim};
use sim::org::SampleOrg;

/// The OpenAPI document, made standard JSON Schema.
struct Spec {
    doc: Value,
}

/// Rewrites the document's `"types": [..]` into JSON Schema's `"type": [..]` (only where the
/// value is a list of type names, so a property that happens to be called `types` is kept).
fn standardize(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map
                .get("types")
                .is_some_and(|t| t.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
            {
                if let Some(t) = map.remove("types") {
                    map.insert("type".into(), t);
                }
            }
            map.values_mut().for_each(standardize);
        }
        Value::Array(items) => items.iter_mut().for_each(standardize),
        _ => {}
    }
}

impl Spec {
    fn load() -> Spec {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/gong-openapi.json"
        );
        let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        standardize(&mut doc);
        // Real Gong sends `"topic": null` for a monologue without a topic (see the reference
        // notes); the published schema does not say the field is nullable.
        doc["components"]["schemas"]["Monologue"]["properties"]["topic"]["type"] =
            json!(["string", "null"]);
        Spec { doc }
    }

    fn validator(&self, schema_ref: &str) -> jsonschema::Validator {
        let schema = json!({"$ref": schema_ref, "components": self.doc["components"]});
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap()
    }

    /// The documented response schema of an operation and status; `ErrorResponse` for an
    /// error status the document leaves out.
    fn response_ref(&self, path: &str, method: &str, status: u16) -> String {
        let documented = &self.doc["paths"][path][method]["responses"][status.to_string()]
            ["content"]["application/json"]["schema"]["$ref"];
        match documented.as_str() {
            Some(r) => r.to_string(),
            None if status >= 400 => "#/components/schemas/ErrorResponse".to_string(),
            None => panic!("{method} {path} documents no {status} answer"),
        }
    }

    fn request_ref(&self, path: &str) -> String {
        self.doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn errors(&self, schema_ref: &str, instance: &Value) -> Vec<String> {
        self.validator(schema_ref)
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    fn assert_valid(&self, schema_ref: &str, instance: &Value, what: &str) {
        let errors = self.errors(schema_ref, instance);
        assert!(
            errors.is_empty(),
            "{what} does not match {schema_ref}: {errors:#?}"
        );
    }
}

fn basic() -> String {
    format!(
        "Basic {}",
        STANDARD.encode("demo-access-key:demo-access-key-secret")
    )
}

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

fn unlimited() -> GongSimConfig {
    GongSimConfig {
        rate_limit_per_sec: None,
        daily_quota: None,
        page_size: 5,
        ..GongSimConfig::default()
    }
}

/// Sends a request and checks the answer against the documented schema of `template`
/// (the OpenAPI path) for the status that came back; returns the status and body.
async fn exchange(
    spec: &Spec,
    sim: &RunningSim,
    method: &str,
    template: &str,
    url: &str,
    body: Option<&Value>,
    auth: bool,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut req = match method {
        "post" => client.post(format!("{}{url}", sim.base_url)),
        _ => client.get(format!("{}{url}", sim.base_url)),
    };
    if auth {
        req = req.header("Authorization", basic());
    }
    if let Some(b) = body {
        spec.assert_valid(&spec.request_ref(template), b, &format!("request body {b}"));
        req = req.json(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let value: Value = resp.json().await.unwrap();
    spec.assert_valid(
        &spec.response_ref(template, method, status),
        &value,
        &format!("{method} {url} → {status}"),
    );
    (status, value)
}

#[tokio::test]
async fn successful_answers_of_all_five_endpoints_match_gongs_schemas() {
    let spec = Spec::load();
    let org = org();
    let sim = gong::spawn(org.clone(), unlimited()).await.unwrap();
    let ids: Vec<&str> = org
        .calls
        .iter()
        .take(7)
        .map(|c| c.gong_id.as_str())
        .collect();

    let (status, body) = exchange(
        &spec,
        &sim,
        "post",
        "/v2/calls/transcript",
        "/v2/calls/transcript",
        Some(&json!({"filter": {"callIds": ids}})),
        true,
    )
    .await;
    assert_eq!(status, 200);
    let cursor = body["records"]["cursor"].as_str().unwrap().to_string();
    let next = json!({"filter": {"callIds": ids}, "cursor": cursor});
    assert_eq!(
        exchange(
            &spec,
            &sim,
            "post",
            "/v2/calls/transcript",
            "/v2/calls/transcript",
            Some(&next),
            true
        )
        .await
        .0,
        200
    );

    let everything = json!({"filter": {"callIds": ids, "fromDateTime": "2020-01-01T00:00:00Z", "toDateTime": "2030-01-01T00:00:00Z"}, "contentSelector": {
        "context": "Extended",
        "contextTiming": ["Now", "TimeOfCall"],
        "exposedFields": {
            "parties": true,
            "media": true,
            "content": {"structure": true, "topics": true, "trackers": true, "trackerOccurrences": true, "pointsOfInterest": true,
                        "brief": true, "outline": true, "highlights": true, "callOutcome": true, "keyPoints": true},
            "interaction": {"speakers": true, "video": true, "personInteractionStats": true, "questions": true},
            "collaboration": {"publicComments": true}}}});
    // What callbrief's briefings ask for, in the one request that also fetches parties.
    let intelligence = json!({"filter": {"callIds": ids}, "contentSelector": {"exposedFields": {
        "parties": true,
        "content": {"brief": true, "keyPoints": true, "topics": true, "highlights": true,
                    "callOutcome": true, "trackers": true, "trackerOccurrences": true},
        "interaction": {"speakers": true}}}});
    let (status, answer) = exchange(
        &spec,
        &sim,
        "post",
        "/v2/calls/extensive",
        "/v2/calls/extensive",
        Some(&intelligence),
        true,
    )
    .await;
    assert_eq!(status, 200);
    // The intelligence parts are there (not just allowed by the schema) on every sample call.
    for call in answer["calls"].as_array().unwrap() {
        let content = &call["content"];
        for part in [
            "brief",
            "keyPoints",
            "topics",
            "highlights",
            "callOutcome",
            "trackers",
        ] {
            assert!(!content[part].is_null(), "{part} missing: {call}");
        }
        let tracker = &content["trackers"][0];
        assert!(tracker["count"].as_u64().unwrap() > 0, "{tracker}");
        assert!(
            tracker["occurrences"][0]["speakerId"].is_string(),
            "{tracker}"
        );
        assert!(
            call["interaction"]["speakers"][0]["talkTime"]
                .as_f64()
                .unwrap()
                > 0.0
        );
    }
    let selectors = [
        json!({"filter": {"callIds": ids}}),
        json!({"filter": {"callIds": ids}, "contentSelector": {"context": "None", "exposedFields": {"parties": true}}}),
        json!({"filter": {"callIds": ids}, "contentSelector": {"context": "Basic", "exposedFields": {"content": {"brief": true}}}}),
        everything,
    ];
    for body in &selectors {
        let (status, answer) = exchange(
            &spec,
            &sim,
            "post",
            "/v2/calls/extensive",
            "/v2/calls/extensive",
            Some(body),
            true,
        )
        .await;
        assert_eq!(status, 200);
        assert!(!answer["calls"].as_array().unwrap().is_empty());
    }
    let host = org.user(&org.calls[0].primary_user_id).unwrap();
    let by_host = json!({"filter": {"primaryUserIds": [host.gong_id]}, "contentSelector": {"exposedFields": {"parties": true}}});
    assert_eq!(
        exchange(
            &spec,
            &sim,
            "post",
            "/v2/calls/extensive",
            "/v2/calls/extensive",
            Some(&by_host),
            true
        )
        .await
        .0,
        200
    );

    // The org's odd calls (unnamed party, unlisted speaker) must match too.
    let all: Vec<&str> = org.calls.iter().map(|c| c.gong_id.as_str()).collect();
    let mut request = json!({"filter": {"callIds": all}, "contentSelector": {"context": "Extended", "exposedFields": {"parties": true}}});
    loop {
        let (status, page) = exchange(
            &spec,
            &sim,
            "post",
            "/v2/calls/extensive",
            "/v2/calls/extensive",
            Some(&request),
            true,
        )
        .await;
        assert_eq!(status, 200);
        match page["records"]["cursor"].as_str() {
            Some(c) => request["cursor"] = json!(c),
            None => break,
        }
    }

    let list = "/v2/calls?fromDateTime=2020-01-01T00:00:00Z&toDateTime=2030-01-01T00:00:00Z";
    assert_eq!(
        exchange(&spec, &sim, "get", "/v2/calls", list, None, true)
            .await
            .0,
        200
    );
    let one = format!("/v2/calls/{}", ids[0]);
    assert_eq!(
        exchange(&spec, &sim, "get", "/v2/calls/{id}", &one, None, true)
            .await
            .0,
        200
    );
    assert_eq!(
        exchange(&spec, &sim, "get", "/v2/users", "/v2/users", None, true)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn error_answers_match_gongs_error_schema() {
    let spec = Spec::load();
    let sim = gong::spawn(org(), unlimited()).await.unwrap();
    let unknown = json!({"filter": {"callIds": ["1234567890123456789"]}});
    for path in ["/v2/calls/transcript", "/v2/calls/extensive"] {
        assert_eq!(
            exchange(&spec, &sim, "post", path, path, Some(&unknown), true)
                .await
                .0,
            404
        );
        assert_eq!(
            exchange(&spec, &sim, "post", path, path, Some(&unknown), false)
                .await
                .0,
            401
        );
    }
    assert_eq!(
        exchange(
            &spec,
            &sim,
            "get",
            "/v2/calls/{id}",
            "/v2/calls/1234567890123456789",
            None,
            true
        )
        .await
        .0,
        404
    );
    assert_eq!(
        exchange(
            &spec,
            &sim,
            "get",
            "/v2/calls/{id}",
            "/v2/calls/abc",
            None,
            true
        )
        .await
        .0,
        400
    );
    assert_eq!(
        exchange(
            &spec,
            &sim,
            "get",
            "/v2/calls",
            "/v2/calls?fromDateTime=soon",
            None,
            true
        )
        .await
        .0,
        400
    );
    assert_eq!(
        exchange(
            &spec,
            &sim,
            "get",
            "/v2/users",
            "/v2/users?cursor=zzz",
            None,
            true
        )
        .await
        .0,
        400
    );
    assert_eq!(
        exchange(&spec, &sim, "get", "/v2/users", "/v2/users", None, false)
            .await
            .0,
        401
    );
    // A body that parses but has the wrong types is a 400 (not validated as a request: it is wrong on purpose).
    let resp = reqwest::Client::new()
        .post(format!("{}/v2/calls/transcript", sim.base_url))
        .header("Authorization", basic())
        .json(&json!({"filter": {"callIds": 5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    spec.assert_valid(
        "#/components/schemas/ErrorResponse",
        &resp.json().await.unwrap(),
        "400 body",
    );

    let faults = Faults {
        rate_limit_first: 1,
        fail_first: 1,
        ..Faults::default()
    };
    let flaky = gong::spawn(
        org(),
        GongSimConfig {
            faults,
            ..unlimited()
        },
    )
    .await
    .unwrap();
    let body = json!({"filter": {}});
    assert_eq!(
        exchange(
            &spec,
            &flaky,
            "post",
            "/v2/calls/transcript",
            "/v2/calls/transcript",
            Some(&body),
            true
        )
        .await
        .0,
        429
    );
    assert_eq!(
        exchange(
            &spec,
            &flaky,
            "post",
            "/v2/calls/transcript",
            "/v2/calls/transcript",
            Some(&body),
            true
        )
        .await
        .0,
        500
    );

    let quota = gong::spawn(
        org(),
        GongSimConfig {
            daily_quota: Some(0),
            ..unlimited()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        exchange(&spec, &quota, "get", "/v2/users", "/v2/users", None, true)
            .await
            .0,
        429
    );
}

#[test]
fn wrong_bodies_fail_validation() {
    let spec = Spec::load();
    let transcripts = spec.response_ref("/v2/calls/transcript", "post", 200);
    let good = json!({"requestId": "abc", "records": {"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0},
        "callTranscripts": [{"callId": "1", "transcript": [{"speakerId": "2", "topic": null, "sentences": [{"start": 0, "end": 5, "text": "Hi"}]}]}]});
    spec.assert_valid(&transcripts, &good, "a known-good body");
    let wrong = [
        json!({"requestId": 7}),
        json!({"records": {"totalRecords": "1"}}),
        json!({"callTranscripts": {"callId": "1"}}),
        json!({"callTranscripts": [{"transcript": [{"sentences": [{"start": "0"}]}]}]}),
        json!({"callTranscripts": [{"callId": 1}]}),
    ];
    for w in wrong {
        assert!(!spec.errors(&transcripts, &w).is_empty(), "{w} should fail");
    }
    let calls = spec.response_ref("/v2/calls/extensive", "post", 200);
    let bad_party = json!({"calls": [{"metaData": {"id": "1", "direction": "Sideways"}, "parties": [{"affiliation": "Friend"}]}]});
    assert!(spec.errors(&calls, &bad_party).len() >= 2);
    let bad_time = json!({"calls": [{"metaData": {"started": "yesterday"}}]});
    assert!(
        !spec.errors(&calls, &bad_time).is_empty(),
        "date-time formats are checked"
    );
    let error = spec.response_ref("/v2/calls/transcript", "post", 404);
    assert!(!spec
        .errors(&error, &json!({"errors": "No calls found"}))
        .is_empty());
    let request = spec.request_ref("/v2/calls/extensive");
    assert!(
        !spec.errors(&request, &json!({"cursor": "x"})).is_empty(),
        "filter is required"
    );
    assert!(!spec
        .errors(
            &request,
            &json!({"filter": {}, "contentSelector": {"context": "All"}})
        )
        .is_empty());
    assert!(
        !spec
            .errors(&request, &json!({"filter": {"callIds": ["1", "1"]}}))
            .is_empty(),
        "callIds are unique"
    );
}

#[tokio::test]
async fn the_data_privacy_lookup_matches_gongs_schema_and_finds_every_call_of_an_address() {
    let spec = Spec::load();
    let org = org();
    let sim = gong::spawn(org.clone(), unlimited()).await.unwrap();
    let address = org
        .calls
        .iter()
        .flat_map(|c| &c.parties)
        .find_map(|p| p.email.clone())
        .expect("an address on a call");
    // Worked out here without the simulator's own helper.
    let expected: Vec<&str> = org
        .calls
        .iter()
        .filter(|c| {
            c.parties
                .iter()
                .any(|p| p.email.as_deref() == Some(address.as_str()))
        })
        .map(|c| c.gong_id.as_str())
        .collect();
    assert!(!expected.is_empty());
    let template = "/v2/data-privacy/data-for-email-address";
    let url = format!(
        "{template}?emailAddress={}",
        urlencoding::encode(&address.to_uppercase())
    );
    let (status, body) = exchange(&spec, &sim, "get", template, &url, None, true).await;
    assert_eq!(status, 200, "{body}");
    let found: Vec<&str> = body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(found, expected);
    let (status, _) = exchange(&spec, &sim, "get", template, template, None, true).await;
    assert_eq!(status, 400, "no address");
    let (status, _) = exchange(&spec, &sim, "get", template, &url, None, false).await;
    assert_eq!(status, 401);
}
