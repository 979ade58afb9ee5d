//! The account routes and the size budget, over real HTTP against the Gong and Salesforce
//! simulators; the helpers here start a server over both ([`SfApp`]). Who sees what is in
//! `sharing`, signing in with Salesforce in `salesforce_sign_in`.

use std::collections::HashMap;

use serde_json::{json, Value};
use server::AuthMode;
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};

use crate::helpers::{assert_error, json, org, sim_config, TestApp, API_KEY};

/// A server whose Salesforce is a fresh simulator (`sf`), in `mode`.
pub(crate) struct SfApp {
    pub(crate) app: TestApp,
    pub(crate) sf_base: String,
}

pub(crate) async fn spawn_sf_app(mode: AuthMode, sf: SalesforceSimConfig) -> SfApp {
    spawn_sf_app_with(mode, sf, |_| {}).await
}

/// [`spawn_sf_app`], with further changes to the server's settings.
pub(crate) async fn spawn_sf_app_with(
    mode: AuthMode,
    sf: SalesforceSimConfig,
    tweak: impl FnOnce(&mut server::Settings),
) -> SfApp {
    spawn_sf_app_on(mode, sf, sim_config(), tweak).await
}

/// [`spawn_sf_app_with`] over a Gong simulator with `gong` settings.
pub(crate) async fn spawn_sf_app_on(
    mode: AuthMode,
    sf: SalesforceSimConfig,
    gong: sim::gong::GongSimConfig,
    tweak: impl FnOnce(&mut server::Settings),
) -> SfApp {
    let app = TestApp::builder()
        .gong(gong)
        .salesforce(sf)
        .auth(mode)
        .spawn(tweak)
        .await;
    let sf_base = app.salesforce_url().to_owned();
    SfApp { app, sf_base }
}

pub(crate) fn user(first_name: &str) -> sim::org::User {
    org()
        .users
        .iter()
        .find(|u| u.first_name == first_name)
        .unwrap()
        .clone()
}

/// An account `owner` owns that is neither owned by nor shared with `other`.
pub(crate) fn own_account(owner: &str, other: &str) -> sim::org::Account {
    let (owner, other) = (user(owner).id, user(other).id);
    org()
        .accounts
        .iter()
        .find(|a| a.owner_id == owner && !a.shared_with.contains(&other))
        .unwrap()
        .clone()
}

pub(crate) fn call_ids(account_id: &str) -> Vec<String> {
    org()
        .calls_for_account(account_id)
        .map(|c| c.gong_id.clone())
        .collect()
}

impl SfApp {
    pub(crate) async fn token_from(&self, base: &str, first_name: &str) -> String {
        let body: Value = self
            .app
            .http
            .post(format!("{base}/services/oauth2/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
                ("username", user(first_name).username.as_str()),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().expect("token").to_owned()
    }

    pub(crate) async fn token(&self, first_name: &str) -> String {
        self.token_from(&self.sf_base, first_name).await
    }

    /// Signs `first_name` in as a GPT does: Salesforce's sign-in page answers with a code,
    /// which is traded at `token_url` (callbrief's `/oauth/token`). Returns the token answer.
    pub(crate) async fn sign_in_with_code(
        &self,
        token_url: &str,
        first_name: &str,
    ) -> (u16, Value) {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let callback = "https://chatgpt.com/aip/g-123/oauth/callback";
        let back = http
            .post(format!("{}/services/oauth2/authorize", self.sf_base))
            .form(&[
                ("response_type", "code"),
                ("client_id", DEMO_CLIENT_ID),
                ("redirect_uri", callback),
                ("state", "s"),
                ("username", user(first_name).username.as_str()),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(back.status(), 302);
        let back = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
        let answer: HashMap<String, String> = back.query_pairs().into_owned().collect();
        json(
            http.post(token_url)
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", answer["code"].as_str()),
                    ("redirect_uri", callback),
                    ("client_id", DEMO_CLIENT_ID),
                    ("client_secret", DEMO_CLIENT_SECRET),
                ])
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Runs `soql` at the Salesforce simulator itself, as the person `bearer` signs in.
    pub(crate) async fn salesforce_query(&self, soql: &str, bearer: &str) -> (u16, Value) {
        json(
            self.app
                .http
                .get(format!("{}/services/data/v65.0/query", self.sf_base))
                .query(&[("q", soql)])
                .bearer_auth(bearer)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub(crate) async fn get(&self, path: &str, bearer: &str) -> reqwest::Response {
        self.app
            .http
            .get(format!("{}{path}", self.app.base_url))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn post_transcripts(&self, body: &Value, bearer: &str) -> reqwest::Response {
        self.app
            .http
            .post(format!("{}/callTranscripts", self.app.base_url))
            .bearer_auth(bearer)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// The body as text, its length in characters, and the JSON.
pub(crate) async fn sized(response: reqwest::Response) -> (u16, usize, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: {e}: {text}"));
    (status, text.chars().count(), value)
}

#[tokio::test]
async fn api_key_mode_serves_search_calls_and_briefing() {
    let sf = spawn_sf_app(AuthMode::ApiKey, SalesforceSimConfig::default()).await;
    let account = own_account("Maya", "Priya");
    let first_word = account.name.split_whitespace().next().unwrap().to_owned();

    let (status, body) = json(
        sf.get(&format!("/accounts/search?name={first_word}"), API_KEY)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"] == account.id.as_str() && a["name"] == account.name.as_str()));

    let (status, body) = json(
        sf.get(&format!("/accounts/{}/calls?limit=2", account.id), API_KEY)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accountId"], account.id.as_str());
    let got: Vec<&str> = body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["callId"].as_str().unwrap())
        .collect();
    assert_eq!(got, call_ids(&account.id)[..2]);

    let path = format!(
        "/accounts/{}/briefing?calls=2&methodology=SPICED",
        account.id
    );
    let (status, size, body) = sized(sf.get(&path, API_KEY).await).await;
    assert_eq!(status, 200, "{body}");
    assert!(size <= 100_000, "{size}");
    assert_eq!(body["account"]["name"], account.name.as_str());
    assert_eq!(body["methodology"], "spiced");
    assert!(body["instructions"]
        .as_str()
        .unwrap()
        .contains("Critical Event"));
    assert_eq!(body["calls"].as_array().unwrap().len(), 2);
    assert!(!body["calls"][0]["attendees"].as_array().unwrap().is_empty());
    assert!(!body["transcripts"][0]["content"]
        .as_str()
        .unwrap()
        .is_empty());
    assert!(body["opportunities"].as_array().is_some());
    assert!(body["contacts"].as_array().is_some());

    // No key, no answer.
    let response = sf
        .app
        .http
        .get(format!("{}/accounts/search?name=Acme", sf.app.base_url))
        .send()
        .await
        .unwrap();
    assert_error(response, 401, "unauthorized", "missing API key").await;
}

#[tokio::test]
async fn bad_ids_names_and_parameters_get_clear_400s() {
    let sf = spawn_sf_app(AuthMode::ApiKey, SalesforceSimConfig::default()).await;
    let id = own_account("Maya", "Priya").id;
    let cases = [
        ("/accounts/search".to_owned(), "name: required"),
        (
            "/accounts/search?name=a".to_owned(),
            "name: give at least 2",
        ),
        (
            format!("/accounts/search?name={}", "x".repeat(101)),
            "name: must be at most 100",
        ),
        (
            "/accounts/001%27%20OR%20Id%20!%3D%20%27/briefing".to_owned(),
            "id: must be a Salesforce account id",
        ),
        (
            "/accounts/003000000000001AAA/calls".to_owned(),
            "id: must be a Salesforce account id",
        ),
        (
            format!("/accounts/{id}/calls?limit=0"),
            "limit: must be between 1 and 100",
        ),
        (
            format!("/accounts/{id}/calls?limit=ten"),
            "limit: must be a whole number",
        ),
        (
            format!("/accounts/{id}/briefing?calls=21"),
            "calls: must be between 1 and 20",
        ),
        (
            format!("/accounts/{id}/briefing?methodology=meddic"),
            "methodology: unknown methodology",
        ),
        (
            format!("/accounts/{id}/briefing?maxChars=10"),
            "maxChars: must be between",
        ),
        (format!("/accounts/{id}/briefing?offsets=abc"), "offsets: "),
        (
            format!("/accounts/{id}/briefing?transcripts=some"),
            "transcripts: unknown transcripts mode \"some\"; use full, fit or none",
        ),
    ];
    for (path, needle) in cases {
        assert_error(
            sf.get(&path, API_KEY).await,
            400,
            "invalid_parameter",
            needle,
        )
        .await;
    }
    let response = sf
        .get("/accounts/001000000000000AAA/briefing", API_KEY)
        .await;
    assert_error(response, 404, "not_found", "search by name").await;
}

#[tokio::test]
async fn the_budget_holds_for_ten_long_calls_and_offsets_read_on() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let dana = sf.token("Dana").await;
    let org = org();
    let mut longest: Vec<&sim::org::Call> = org.calls.iter().collect();
    longest.sort_by_key(|c| std::cmp::Reverse(c.duration));
    let ids: Vec<String> = longest[..10].iter().map(|c| c.gong_id.clone()).collect();

    let (status, size, body) =
        sized(sf.post_transcripts(&json!({ "callIds": ids }), &dana).await).await;
    assert_eq!(status, 200, "{body}");
    assert!(size <= 100_000, "{size}");
    assert!(size > 95_000, "budget left idle: {size}");
    assert_eq!(body["truncation"]["truncated"], true);
    assert_eq!(body["truncation"]["maxChars"], 100_000);
    let transcripts = body["callTranscripts"].as_array().unwrap();
    assert_eq!(transcripts.len(), 10);
    assert!(transcripts.iter().all(|t| t["content"]
        .as_str()
        .unwrap()
        .contains("[… transcript cut here")));

    // Reading on with the offsets given, at a smaller budget, continues exactly where it cut.
    let slices = body["truncation"]["calls"].as_array().unwrap();
    let offsets: HashMap<String, u64> = slices
        .iter()
        .map(|s| {
            (
                s["callId"].as_str().unwrap().to_owned(),
                s["nextOffset"].as_u64().unwrap(),
            )
        })
        .collect();
    let first = &ids[0];
    let request =
        json!({ "callIds": [first], "maxChars": 20_000, "offsets": { first: offsets[first] } });
    let (status, size, next) = sized(sf.post_transcripts(&request, &dana).await).await;
    assert_eq!(status, 200, "{next}");
    assert!(size <= 20_000, "{size}");
    let call = org.call(first).unwrap().clone();
    let whole = crate::helpers::expected_content(&call);
    let continued = next["callTranscripts"][0]["content"].as_str().unwrap();
    let returned = next["truncation"]["calls"][0]["returnedChars"]
        .as_u64()
        .unwrap() as usize;
    let expected: String = whole
        .chars()
        .skip(offsets[first] as usize)
        .take(returned)
        .collect();
    assert!(continued.starts_with(&expected));
    assert!(returned > 0);

    // A briefing at a small budget holds it too.
    let account = own_account("Maya", "Priya");
    let path = format!("/accounts/{}/briefing?calls=20&maxChars=15000", account.id);
    let (status, size, body) = sized(sf.get(&path, &dana).await).await;
    assert_eq!(status, 200, "{body}");
    assert!(size <= 15_000, "{size}");
    assert_eq!(body["truncation"]["truncated"], true);
}

#[tokio::test]
async fn a_briefings_max_chars_is_capped_by_the_response_limit_setting() {
    let sf = spawn_sf_app_with(AuthMode::ApiKey, SalesforceSimConfig::default(), |s| {
        s.max_response_chars = 12_000
    })
    .await;
    let account = own_account("Maya", "Priya");
    let path = format!("/accounts/{}/briefing?calls=5&maxChars=1000000", account.id);
    let (status, size, body) = sized(sf.get(&path, API_KEY).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["truncation"]["maxChars"], 12_000,
        "{}",
        body["truncation"]
    );
    assert!(size <= 12_000, "{size}");
}
