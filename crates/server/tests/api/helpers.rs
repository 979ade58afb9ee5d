//! Spawns the Gong simulator and the app on free loopback ports, and speaks HTTP to them.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use gong::{GongAuth, GongConfig};
use reqwest::header::CONTENT_TYPE;
use secrecy::SecretString;
use serde_json::Value;
use server::config::SalesforceSettings;
use server::{Application, AuthMode, OAuthMode, Settings};
use sim::gong::{GongSimConfig, RunningSim};
use sim::org::SampleOrg;
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use tokio::sync::oneshot;

/// The API key every test app accepts.
pub const API_KEY: &str = "test-key-0123456789";

/// One org for the whole test binary (building it is not free).
pub fn org() -> Arc<SampleOrg> {
    static ORG: OnceLock<Arc<SampleOrg>> = OnceLock::new();
    ORG.get_or_init(|| Arc::new(SampleOrg::for_today())).clone()
}

/// A running app plus the simulators behind it. Dropping it stops the app. Every black-box
/// test starts its server through [`TestApp::builder`].
pub struct TestApp {
    pub base_url: String,
    /// The Gong simulator.
    pub sim: RunningSim,
    /// The Salesforce simulator's URL, when the app has one.
    pub salesforce_url: Option<String>,
    /// `http://<metrics address>/metrics`, when the metrics listener is on.
    pub metrics_url: Option<String>,
    pub http: reqwest::Client,
    stop: oneshot::Sender<()>,
    running: tokio::task::JoinHandle<()>,
}

/// How a [`TestApp`] is set up: the simulators it runs over and the server's settings.
pub struct TestAppBuilder {
    gong: GongSimConfig,
    salesforce: Option<SalesforceSimConfig>,
    auth_mode: Option<AuthMode>,
    metrics: bool,
}

impl TestApp {
    /// An app over a fault-free Gong simulator with rate limits off, API-key auth with
    /// [`API_KEY`], and no Salesforce.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            gong: sim_config(),
            salesforce: None,
            auth_mode: None,
            metrics: false,
        }
    }
}

impl TestAppBuilder {
    /// The Gong simulator's settings.
    pub fn gong(mut self, config: GongSimConfig) -> Self {
        self.gong = config;
        self
    }

    /// A Salesforce simulator with `config`, and the server set up for it with the demo's
    /// External Client App and the pass-through sign-in (tests send Salesforce's own tokens).
    pub fn salesforce(mut self, config: SalesforceSimConfig) -> Self {
        self.salesforce = Some(config);
        self
    }

    /// How callers authenticate.
    pub fn auth(mut self, mode: AuthMode) -> Self {
        self.auth_mode = Some(mode);
        self
    }

    /// The metrics listener on a free port.
    pub fn metrics(mut self) -> Self {
        self.metrics = true;
        self
    }

    /// The server's settings as the builder sets them, after `tweak`.
    async fn settings(
        self,
        tweak: impl FnOnce(&mut Settings),
    ) -> (Settings, RunningSim, Option<String>) {
        let sim = sim::gong::spawn(org(), self.gong)
            .await
            .expect("spawn gong sim");
        let mut settings =
            Settings::new("127.0.0.1:0".parse().unwrap(), gong_config(&sim.base_url));
        settings.api_keys = vec![SecretString::from(API_KEY.to_owned())];
        // A test counts Gong's requests: no prefetch job runs unless the test starts one.
        settings.prefetch.hours_ahead = 0;
        let mut salesforce_url = None;
        if let Some(config) = self.salesforce {
            let salesforce = sim::salesforce::spawn(org(), config)
                .await
                .expect("spawn salesforce sim");
            settings.oauth.mode = OAuthMode::Proxy;
            settings.salesforce = SalesforceSettings {
                instance_url: Some(salesforce.base_url.parse().unwrap()),
                client_id: Some(DEMO_CLIENT_ID.into()),
                client_secret: Some(SecretString::from(DEMO_CLIENT_SECRET.to_owned())),
                ..SalesforceSettings::default()
            };
            salesforce_url = Some(salesforce.base_url);
        }
        if let Some(mode) = self.auth_mode {
            settings.auth_mode = mode;
        }
        if self.metrics {
            settings.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
        }
        tweak(&mut settings);
        (settings, sim, salesforce_url)
    }

    /// Starts the app with the builder's settings changed by `tweak`.
    pub async fn spawn(self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let (settings, sim, salesforce_url) = self.settings(tweak).await;
        let app = Application::build(settings).await.expect("build app");
        let base_url = app.base_url();
        let metrics_url = app.metrics_url();
        let (stop, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(async move {
            let _ = app
                .run_with_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        TestApp {
            base_url,
            sim,
            salesforce_url,
            metrics_url,
            http: reqwest::Client::new(),
            stop,
            running,
        }
    }

    /// Why the app refuses to start with the builder's settings changed by `tweak`.
    pub async fn refused(self, tweak: impl FnOnce(&mut Settings)) -> String {
        let (settings, _sim, _) = self.settings(tweak).await;
        match Application::build(settings).await {
            Ok(_) => panic!("the app started"),
            Err(err) => format!("{err:#}"),
        }
    }
}

impl TestApp {
    /// The Salesforce simulator's URL; the app was built with one.
    pub fn salesforce_url(&self) -> &str {
        self.salesforce_url
            .as_deref()
            .expect("an app over a Salesforce simulator")
    }

    /// Stops the app, waits until it has let go of everything it held (its store file), and
    /// gives back the Gong simulator.
    pub async fn stop(self) -> RunningSim {
        let _ = self.stop.send(());
        let _ = self.running.await;
        self.sim
    }
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
    TestApp::builder().gong(sim_cfg).spawn(tweak).await
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
