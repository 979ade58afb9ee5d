//! Prometheus metrics at `/metrics` on their own listener: the scrape is read by the reference
//! parser (PyPI `prometheus-client`), its counters move with the requests made, and no label
//! carries a call id, an account id, a name or an e-mail address.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use server::config::AuthMode;
use sim::org::model::UserRole;
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};
use tokio::io::AsyncWriteExt;

use crate::helpers::{org, python, TestApp, API_KEY};

/// One sample of a scrape, as the reference parser read it.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A parsed scrape.
struct Scrape(Vec<Sample>);

impl Scrape {
    /// The sum of the samples named `name` whose labels include all of `labels`.
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.0
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|s| s.name == name)
    }
}

/// Whether the interpreter has the reference parser; a missing one fails the test unless
/// skipping was asked for (see the `testkit` crate).
async fn parser_available(python: &str) -> bool {
    let ok = tokio::process::Command::new(python)
        .args(["-c", "import prometheus_client.parser"])
        .output()
        .await
        .is_ok_and(|out| out.status.success());
    testkit::require_tool(
        ok,
        &format!("the Prometheus text parser (`import prometheus_client.parser` with {python})"),
        &format!(
            "`{python} -m pip install 'prometheus-client>=0.20'`, or point CALLBRIEF_PYTHON at \
             an interpreter that has it"
        ),
    )
}

/// Scrapes `url` and parses the text with `tests/parse_metrics.py`.
async fn scrape(http: &reqwest::Client, url: &str, python: &str) -> Scrape {
    let response = http.get(url).send().await.expect("scrape");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.expect("scrape body");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/parse_metrics.py");
    let mut child = tokio::process::Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run the parser");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(text.as_bytes())
        .await
        .expect("write scrape");
    drop(stdin);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the parser did not finish within 60 s")
        .expect("parser output");
    assert!(
        output.status.success(),
        "prometheus-client could not parse the scrape: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Value = serde_json::from_slice(&output.stdout).expect("parser JSON");
    let samples = parsed["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|s| Sample {
            name: s["name"].as_str().unwrap_or_default().to_owned(),
            labels: serde_json::from_value(s["labels"].clone()).unwrap_or_default(),
            value: s["value"].as_f64().unwrap_or(f64::NAN),
        })
        .collect();
    Scrape(samples)
}

struct MetricsApp {
    base_url: String,
    metrics_url: String,
    salesforce_url: String,
    http: reqwest::Client,
    _app: TestApp,
}

async fn spawn(auth_mode: AuthMode) -> MetricsApp {
    let app = TestApp::builder()
        .salesforce(SalesforceSimConfig::default())
        .auth(auth_mode)
        .metrics()
        .spawn(|s| {
            s.gong.cache = gong::CacheConfig {
                mode: gong::CacheMode::Memory,
                ..gong::CacheConfig::default()
            };
        })
        .await;
    MetricsApp {
        base_url: app.base_url.clone(),
        metrics_url: app.metrics_url.clone().expect("metrics listener on"),
        salesforce_url: app.salesforce_url().to_owned(),
        http: reqwest::Client::new(),
        _app: app,
    }
}

impl MetricsApp {
    async fn user_token(&self, username: &str) -> String {
        let response = self
            .http
            .post(format!("{}/services/oauth2/token", self.salesforce_url))
            .form(&[
                ("grant_type", "password"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
                ("username", username),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .expect("token request");
        assert!(response.status().is_success(), "{}", response.status());
        let body: Value = response.json().await.expect("token JSON");
        body["access_token"].as_str().expect("token").to_owned()
    }

    async fn get(&self, path: &str, token: &str) -> u16 {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let _ = response.bytes().await;
        status
    }

    async fn post_transcripts(&self, ids: &[String], token: &str) -> u16 {
        let response = self
            .http
            .post(format!("{}/callTranscripts", self.base_url))
            .bearer_auth(token)
            .json(&json!({ "callIds": ids }))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let _ = response.bytes().await;
        status
    }
}

/// Every id, name and e-mail address of the sample org: none may appear in a label.
fn user_data() -> Vec<String> {
    let org = org();
    let mut words = Vec::new();
    for a in &org.accounts {
        words.extend([a.id.clone(), a.name.clone(), a.domain.clone()]);
    }
    for u in &org.users {
        words.extend([
            u.id.clone(),
            u.gong_id.clone(),
            u.username.clone(),
            u.email.clone(),
            format!("{} {}", u.first_name, u.last_name),
        ]);
    }
    for c in &org.contacts {
        words.extend([
            c.id.clone(),
            c.email.clone(),
            format!("{} {}", c.first_name, c.last_name),
        ]);
    }
    for c in &org.calls {
        words.push(c.gong_id.clone());
    }
    words.retain(|w| w.len() >= 4);
    words
}

fn assert_no_user_data(scrape: &Scrape) {
    let words = user_data();
    for sample in &scrape.0 {
        for (key, value) in &sample.labels {
            for word in &words {
                assert!(
                    !value.contains(word.as_str()),
                    "{}{{{key}={value:?}}} carries {word:?}",
                    sample.name
                );
            }
        }
    }
}

#[tokio::test]
async fn counters_move_with_requests_and_no_label_carries_user_data() {
    let python = python();
    if !parser_available(&python).await {
        return;
    }
    let app = spawn(AuthMode::Salesforce).await;
    let org = org();
    let rep =
        org.users
            .iter()
            .find(|u| {
                u.role == UserRole::Rep
                    && org.accounts.iter().any(|a| {
                        a.owner_id == u.id && org.calls_for_account(&a.id).next().is_some()
                    })
            })
            .expect("a rep with an account with calls");
    let account = org
        .accounts
        .iter()
        .find(|a| a.owner_id == rep.id && org.calls_for_account(&a.id).next().is_some())
        .expect("account");
    let call_ids: Vec<String> = org
        .calls_for_account(&account.id)
        .take(2)
        .map(|c| c.gong_id.clone())
        .collect();
    let token = app.user_token(&rep.username).await;

    let before = scrape(&app.http, &app.metrics_url, &python).await;
    let briefing = format!("/accounts/{}/briefing", account.id);
    assert_eq!(app.get(&briefing, &token).await, 200);
    // The same again: the token check and Gong's answers come from the caches.
    assert_eq!(app.get(&briefing, &token).await, 200);
    assert_eq!(app.post_transcripts(&call_ids, &token).await, 200);
    assert_eq!(app.get(&briefing, "not-a-valid-token").await, 401);
    assert_eq!(app.get("/no/such/route/0011234", &token).await, 404);
    let after = scrape(&app.http, &app.metrics_url, &python).await;

    let delta =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);
    let http = "callbrief_http_requests_total";
    let briefing_route = [("route", "/accounts/{id}/briefing"), ("method", "GET")];
    assert_eq!(
        delta(
            http,
            &[briefing_route[0], briefing_route[1], ("status", "200")]
        ),
        2.0
    );
    assert_eq!(delta(http, &[briefing_route[0], ("status", "401")]), 1.0);
    assert_eq!(
        delta(
            http,
            &[
                ("route", "/callTranscripts"),
                ("method", "POST"),
                ("status", "200")
            ]
        ),
        1.0
    );
    assert_eq!(
        delta(http, &[("route", "unmatched"), ("status", "404")]),
        1.0
    );
    assert_eq!(
        delta(
            "callbrief_http_request_duration_seconds_count",
            &briefing_route
        ),
        3.0,
        "the latency histogram counts every answer"
    );
    assert!(after.has("callbrief_http_request_duration_seconds_bucket"));

    // Upstream work, by endpoint and status.
    assert!(delta("callbrief_gong_requests_total", &[("status", "200")]) >= 2.0);
    assert!(
        delta(
            "callbrief_gong_requests_total",
            &[("endpoint", "v2/calls/transcript")]
        ) >= 1.0
    );
    assert!(
        delta(
            "callbrief_salesforce_requests_total",
            &[("endpoint", "userinfo"), ("status", "200")]
        ) >= 1.0
    );
    assert!(
        delta(
            "callbrief_salesforce_requests_total",
            &[("endpoint", "query")]
        ) >= 1.0
    );
    assert!(after.has("callbrief_gong_request_duration_seconds_count"));

    // Caches: Gong's answers and the token checks.
    assert!(delta("callbrief_cache_misses_total", &[]) >= 2.0);
    assert!(delta("callbrief_cache_hits_total", &[("tier", "memory")]) >= 2.0);
    assert!(delta("callbrief_token_cache_hits_total", &[]) >= 2.0);
    assert!(delta("callbrief_token_cache_misses_total", &[]) >= 1.0);
    assert!(after.sum("callbrief_cache_bytes", &[("tier", "memory")]) > 0.0);

    // The daily quota: used and left add up to the quota.
    let used = after.sum("callbrief_gong_daily_quota_used", &[]);
    let left = after.sum("callbrief_gong_daily_quota_remaining", &[]);
    assert!(used >= 2.0, "{used}");
    assert_eq!(used + left, f64::from(gong::config::DEFAULT_DAILY_QUOTA));

    assert_no_user_data(&before);
    assert_no_user_data(&after);
}

#[tokio::test]
async fn the_metrics_listener_is_off_by_default_and_not_on_the_api() {
    let app = crate::helpers::spawn_app().await;
    let response = app
        .http
        .get(format!("{}/metrics", app.base_url))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
