//! The Salesforce simulator on a free port, and what its tests share.

use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::Value;
use sim::org::{SampleOrg, UserRole};
use sim::salesforce::{spawn, SalesforceSimConfig, DEMO_PASSWORD};

pub(crate) const V: &str = "v62.0";

pub(crate) struct Sim {
    pub(crate) org: Arc<SampleOrg>,
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
}

pub(crate) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 4).unwrap()
}

pub(crate) async fn start(config: SalesforceSimConfig) -> Sim {
    let org = Arc::new(SampleOrg::generate(today()));
    let running = spawn(org.clone(), config).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Sim {
        org,
        base: running.base_url,
        http,
    }
}

impl Sim {
    pub(crate) fn username(&self, role: UserRole, nth: usize) -> String {
        self.org
            .users
            .iter()
            .filter(|u| u.role == role)
            .nth(nth)
            .unwrap()
            .username
            .clone()
    }

    pub(crate) fn user_id(&self, username: &str) -> String {
        self.org
            .users
            .iter()
            .find(|u| u.username == username)
            .unwrap()
            .id
            .clone()
    }

    pub(crate) async fn post_token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}/services/oauth2/token", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap())
    }

    pub(crate) async fn exchange(&self, code: &str, redirect_uri: &str) -> (StatusCode, Value) {
        self.post_token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", "demo-client-id"),
            ("client_secret", "demo-client-secret"),
        ])
        .await
    }

    pub(crate) async fn login(&self, username: &str) -> String {
        let (status, body) = self
            .post_token(&[
                ("grant_type", "password"),
                ("client_id", "demo-client-id"),
                ("client_secret", "demo-client-secret"),
                ("username", username),
                ("password", DEMO_PASSWORD),
            ])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    pub(crate) async fn integration(&self) -> String {
        let (status, body) = self
            .post_token(&[
                ("grant_type", "client_credentials"),
                ("client_id", "demo-client-id"),
                ("client_secret", "demo-client-secret"),
            ])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    pub(crate) async fn get(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .query(query)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub(crate) async fn soql(&self, token: &str, q: &str) -> (StatusCode, Value) {
        self.get(token, &format!("/services/data/{V}/query"), &[("q", q)])
            .await
    }

    pub(crate) async fn ok(&self, token: &str, q: &str) -> Value {
        let (status, body) = self.soql(token, q).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        body
    }

    pub(crate) async fn sosl(&self, token: &str, q: &str) -> (StatusCode, Value) {
        self.get(token, &format!("/services/data/{V}/search"), &[("q", q)])
            .await
    }

    pub(crate) fn account_id(&self, name: &str) -> String {
        self.org.account_by_name(name).unwrap().id.clone()
    }
}

pub(crate) fn strings(rows: &Value, key: &str) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_str().unwrap_or("<null>").to_string())
        .collect()
}

pub(crate) fn error_code(body: &Value) -> &str {
    body[0]["errorCode"].as_str().unwrap_or("")
}

pub(crate) fn error_message(body: &Value) -> &str {
    body[0]["message"].as_str().unwrap_or("")
}
