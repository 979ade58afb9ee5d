//! `callbrief-lambda` (feature `lambda`) as AWS runs it: the real binary polls a stand-in of
//! the Lambda Runtime API, which hands it a recorded API Gateway HTTP API (payload v2) event
//! of the original `POST /api/callTranscripts` request, and takes back its answer. The Gong
//! simulator stands in for Gong.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use sim::gong::GongSimConfig;
use sim::org::SampleOrg;
use tokio::sync::mpsc;

/// The API key the recorded event carries (as `x-functions-key`, the original key style).
const API_KEY: &str = "lambda-test-key";

/// What the function sent back for one invocation.
#[derive(Debug)]
enum Outcome {
    Response(String, Value),
    Error(String, String),
}

struct RuntimeApi {
    events: Mutex<VecDeque<(String, Value)>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
}

/// `GET /2018-06-01/runtime/invocation/next`: the next event, or (none left) no answer, as the
/// real API keeps a function waiting between invocations.
async fn next(State(api): State<Arc<RuntimeApi>>) -> Response {
    let event = api
        .events
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .pop_front();
    let Some((id, event)) = event else {
        return std::future::pending().await;
    };
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
        + 30_000;
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        headers.insert(name, HeaderValue::from_str(&value).expect("header value"));
    };
    set("lambda-runtime-aws-request-id", id);
    set("lambda-runtime-deadline-ms", deadline.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:callbrief".into(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-6744a0b1-0123456789abcdef01234567;Sampled=0".into(),
    );
    (headers, axum::Json(event)).into_response()
}

async fn response(
    State(api): State<Arc<RuntimeApi>>,
    UrlPath(id): UrlPath<String>,
    body: String,
) -> &'static str {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    let _ = api.outcomes.send(Outcome::Response(id, value));
    "{}"
}

async fn error(
    State(api): State<Arc<RuntimeApi>>,
    UrlPath(id): UrlPath<String>,
    body: String,
) -> &'static str {
    let _ = api.outcomes.send(Outcome::Error(id, body));
    "{}"
}

async fn init_error(State(api): State<Arc<RuntimeApi>>, body: String) -> &'static str {
    let _ = api.outcomes.send(Outcome::Error("init".into(), body));
    "{}"
}

/// The recorded event, with two of the sample org's call ids in its body.
fn recorded_event(ids: &[String], key: Option<&str>) -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/apigw_v2_call_transcripts.json");
    let text = std::fs::read_to_string(&path).expect("recorded event");
    let mut event: Value = serde_json::from_str(&text).expect("event JSON");
    let body = event["body"]
        .as_str()
        .expect("body")
        .replace("__CALL_ID_1__", &ids[0])
        .replace("__CALL_ID_2__", &ids[1]);
    event["headers"]["content-length"] = Value::String(body.len().to_string());
    event["body"] = Value::String(body);
    match key {
        Some(key) => event["headers"]["x-functions-key"] = Value::String(key.to_owned()),
        None => {
            if let Some(headers) = event["headers"].as_object_mut() {
                headers.remove("x-functions-key");
            }
        }
    }
    event
}

#[tokio::test]
async fn a_recorded_api_gateway_v2_event_is_answered_like_the_http_route() {
    let org = SampleOrg::shared_for_today();
    let gong = sim::gong::spawn(
        org.clone(),
        GongSimConfig {
            rate_limit_per_sec: None,
            daily_quota: None,
            ..GongSimConfig::default()
        },
    )
    .await
    .expect("gong sim");
    let ids: Vec<String> = org
        .calls
        .iter()
        .take(2)
        .map(|c| c.gong_id.clone())
        .collect();

    let (outcomes, mut received) = mpsc::unbounded_channel();
    let api = Arc::new(RuntimeApi {
        events: Mutex::new(VecDeque::from([
            (
                "invocation-1".to_owned(),
                recorded_event(&ids, Some(API_KEY)),
            ),
            ("invocation-2".to_owned(), recorded_event(&ids, None)),
        ])),
        outcomes,
    });
    let runtime_api = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let runtime_addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, runtime_api).await;
    });

    let defaults = GongSimConfig::default();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_callbrief-lambda"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CALLBRIEF_")
            || key.starts_with("GONG_")
            || key.starts_with("SALESFORCE_")
            || key.starts_with("AWS_")
        {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .env("AWS_LAMBDA_RUNTIME_API", runtime_addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "callbrief")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("CALLBRIEF_API_KEYS", API_KEY)
        .env("CALLBRIEF_CACHE", "memory")
        .env("GONG_BASE_URL", &gong.base_url)
        .env("GONG_ACCESS_KEY", &defaults.access_key)
        .env("GONG_ACCESS_KEY_SECRET", &defaults.access_key_secret)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start callbrief-lambda");

    let mut answers = Vec::new();
    for _ in 0..2 {
        let outcome = tokio::time::timeout(Duration::from_secs(60), received.recv())
            .await
            .expect("callbrief-lambda answered no invocation within 60 s")
            .expect("runtime API stand-in stopped");
        answers.push(outcome);
    }
    child.kill().await.expect("stop callbrief-lambda");

    let mut answers = answers.into_iter().map(|outcome| match outcome {
        Outcome::Response(id, answer) => (id, answer),
        Outcome::Error(id, body) => panic!("invocation {id} failed: {body}"),
    });
    let (id, answer) = answers.next().expect("first answer");
    assert_eq!(id, "invocation-1");
    // An API Gateway v2 response: status, headers, and the body as a string.
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(answer["isBase64Encoded"], false, "{answer}");
    let headers = &answer["headers"];
    assert!(
        headers["content-type"]
            .as_str()
            .is_some_and(|v| v.starts_with("application/json")),
        "{answer}"
    );
    assert!(headers["x-request-id"].is_string(), "{answer}");
    let body: Value =
        serde_json::from_str(answer["body"].as_str().expect("body string")).expect("body JSON");
    let transcripts = body["callTranscripts"].as_array().expect("callTranscripts");
    assert_eq!(transcripts.len(), 2, "{body}");
    for (t, id) in transcripts.iter().zip(&ids) {
        assert_eq!(&t["callId"], id);
        assert!(!t["content"].as_str().unwrap_or_default().is_empty());
    }

    let (id, refused) = answers.next().expect("second answer");
    assert_eq!(id, "invocation-2");
    assert_eq!(refused["statusCode"], 401, "{refused}");
}
