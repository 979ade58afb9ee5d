//! Spawns the Gong simulator and the app on free loopback ports, and speaks HTTP to them.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use gong::{GongAuth, GongConfig};
use reqwest::header::CONTENT_TYPE;
use secrecy::SecretString;
use serde_json::Value;
use server::{Application, Settings};
use sim::gong::{GongSimConfig, RunningSim};
use sim::org::SampleOrg;
use tokio::sync::oneshot;

/// The API key every test app accepts.
pub const API_KEY: &str = "test-key-0123456789";

/// One org for the whole test binary (building it is not free).
pub fn org() -> Arc<SampleOrg> {
    static ORG: OnceLock<Arc<SampleOrg>> = OnceLock::new();
    ORG.get_or_init(|| Arc::new(SampleOrg::for_today())).clone()
}

/// A running app plus the simulator behind it. Dropping it stops the app.
pub struct TestApp {
    pub base_url: String,
    pub sim: RunningSim,
    pub http: reqwest::Client,
    _stop: oneshot::Sender<()>,
}

/// Simulator settings for tests: no rate limits (tests run in parallel), everything else default.
pub fn sim_config() -> GongSimConfig {
    GongSimConfig {
        rate_limit_per_sec: None,
        daily_quota: None,
        ..GongSimConfig::default()
    }
}

/// Gong client settings for tests: unlimited rate, fast backoff.
pub fn gong_config(base_url: &str) -> GongConfig {
    let defaults = GongSimConfig::default();
    let mut cfg = GongConfig::new(
        base_url,
        GongAuth::Basic {
            access_key: defaults.access_key,
            access_key_secret: SecretString::from(defaults.access_key_secret),
        },
    )
    .expect("gong config");
    cfg.requests_per_second = 0;
    cfg.initial_backoff = Duration::from_millis(10);
    cfg.deadline = Duration::from_secs(10);
    cfg.attempt_timeout = Duration::from_secs(5);
    cfg
}

/// App with default test settings against a simulator with `sim_cfg`.
pub async fn spawn_app_with(sim_cfg: GongSimConfig, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let sim = sim::gong::spawn(org(), sim_cfg)
        .await
        .expect("spawn gong sim");
    let mut settings = Settings::new("127.0.0.1:0".parse().unwrap(), gong_config(&sim.base_url));
    settings.api_keys = vec![SecretString::from(API_KEY.to_owned())];
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("build app");
    let base_url = app.base_url();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_with_shutdown(async {
        let _ = stopped.await;
    }));
    TestApp {
        base_url,
        sim,
        http: reqwest::Client::new(),
        _stop: stop,
    }
}

/// App with default test settings against a fault-free simulator.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(sim_config(), |_| {}).await
}

impl TestApp {
    /// `POST /callTranscripts` with the API key as Bearer and `body` as JSON.
    pub async fn post_transcripts(&self, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}/callTranscripts", self.base_url))
            .bearer_auth(API_KEY)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// `POST /callTranscripts` with the API key and a raw body of the given content type.
    pub async fn post_raw(
        &self,
        body: impl Into<reqwest::Body>,
        content_type: &str,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}/callTranscripts", self.base_url))
            .bearer_auth(API_KEY)
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }
}

/// The response's status and JSON body.
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("status {status}: body is not JSON ({e}): {text}"));
    (status, value)
}

/// Asserts an error answer: status, JSON `error` code, and a message containing `needle`; the
/// body holds nothing but `error` and `message` (no data of what was refused rides along), and
/// no redirect goes out with it.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str, needle: &str) {
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        response.headers().get(reqwest::header::LOCATION).is_none(),
        "a refusal redirects nowhere"
    );
    let (got, body) = json(response).await;
    assert_eq!(got, status, "{body}");
    let keys: Vec<&String> = body
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["error", "message"], "only error and message: {body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(body["error"], code, "{body}");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

/// The original middleware's `content` for one of the org's calls, built from the org's monologues and
/// parties: `"<party name or 'Unknown Speaker'>: <sentences joined by a space>\n\n"` per monologue.
pub fn expected_content(call: &sim::org::Call) -> String {
    let mut out = String::new();
    for monologue in &call.monologues {
        let name = call
            .parties
            .iter()
            .find(|p| p.speaker_id.as_deref() == Some(monologue.speaker_id.as_str()))
            .and_then(|p| p.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Unknown Speaker".to_owned());
        let text: Vec<&str> = monologue
            .sentences
            .iter()
            .map(|s| s.text.as_str())
            .collect();
        out.push_str(&format!("{name}: {}\n\n", text.join(" ")));
    }
    out
}

/// Gong ids of `n` calls of the org, newest first.
pub fn some_call_ids(n: usize) -> Vec<String> {
    org()
        .calls
        .iter()
        .take(n)
        .map(|c| c.gong_id.clone())
        .collect()
}

/// The Python interpreter to use: `CALLBRIEF_PYTHON` (CI points it at its venv), else the CI
/// venv's when present, else `python3`.
pub fn python() -> String {
    if let Ok(python) = std::env::var("CALLBRIEF_PYTHON") {
        return python;
    }
    let venv = std::env::var_os("HOME")
        .map(PathBuf::from)
        .map(|home| home.join(".cache/callbrief-ci-venv/bin/python"));
    match venv {
        Some(path) if path.exists() => path.display().to_string(),
        _ => "python3".to_owned(),
    }
}
