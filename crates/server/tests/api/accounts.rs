//! The account routes, Salesforce sign-in and the size budget, over real HTTP against the
//! Gong and Salesforce simulators.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use server::AuthMode;
use sim::clock::ManualClock;
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};

use crate::helpers::{assert_error, json, org, sim_config, spawn_app_with, TestApp, API_KEY};

/// A server whose Salesforce is a fresh simulator (`sf`), in `mode`.
pub(crate) struct SfApp {
    pub(crate) app: TestApp,
    sf_base: String,
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
    async fn token_from(&self, base: &str, first_name: &str) -> String {
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
    async fn sign_in_with_code(&self, token_url: &str, first_name: &str) -> (u16, Value) {
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
async fn sized(response: reqwest::Response) -> (u16, usize, Value) {
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
async fn each_user_sees_only_their_own_briefings_and_transcripts() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let (maya, priya) = (sf.token("Maya").await, sf.token("Priya").await);
    for (me, token, other) in [("Maya", &maya, "Priya"), ("Priya", &priya, "Maya")] {
        let mine = own_account(me, other);
        let theirs = own_account(other, me);

        let (status, body) = json(
            sf.get(&format!("/accounts/{}/briefing?calls=20", mine.id), token)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{me}: {body}");
        let got: Vec<&str> = body["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["callId"].as_str().unwrap())
            .collect();
        assert_eq!(got, call_ids(&mine.id));

        let response = sf
            .get(&format!("/accounts/{}/briefing", theirs.id), token)
            .await;
        assert_error(response, 404, "not_found", "that you can see").await;
        let response = sf
            .get(&format!("/accounts/{}/calls", theirs.id), token)
            .await;
        assert_error(response, 404, "not_found", "that you can see").await;

        let (_, body) = json(
            sf.get(
                &format!("/accounts/search?name={}", theirs.name.replace(' ', "%20")),
                token,
            )
            .await,
        )
        .await;
        assert!(
            body["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["id"] != theirs.id.as_str()),
            "{body}"
        );

        // /callTranscripts: the other user's calls are withheld, never fetched.
        let (own, foreign) = (call_ids(&mine.id), call_ids(&theirs.id));
        let asked = vec![foreign[0].clone(), own[0].clone(), own[1].clone()];
        let (status, body) = json(
            sf.post_transcripts(&json!({ "callIds": asked }), token)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let got: Vec<&str> = body["callTranscripts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["callId"].as_str().unwrap())
            .collect();
        assert_eq!(got, [own[0].as_str(), own[1].as_str()]);
        assert_eq!(body["notAccessible"], json!([foreign[0]]));
        assert_eq!(body["notFound"], json!([]));
        assert_eq!(body["records"]["totalRecords"], 2);
    }
}

#[tokio::test]
async fn the_manager_sees_the_team_and_api_keys_do_not_work_in_salesforce_mode() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let dana = sf.token("Dana").await;
    for rep in ["Maya", "Priya"] {
        let account = own_account(rep, "Sam");
        let (status, body) = json(
            sf.get(&format!("/accounts/{}/calls?limit=1", account.id), &dana)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{rep}: {body}");
        // The rep's own calls, as the rep would see them.
        let calls = body["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 1, "{rep}: {body}");
        let id = calls[0]["callId"].as_str().unwrap();
        assert!(call_ids(&account.id).iter().any(|c| c == id), "{rep}: {id}");
    }
    let response = sf.get("/accounts/search?name=Acme", API_KEY).await;
    assert_error(response, 401, "unauthorized", "Salesforce").await;
    let response = sf
        .post_transcripts(&json!({"callIds": ["1"]}), API_KEY)
        .await;
    assert_error(response, 401, "unauthorized", "Salesforce").await;
}

#[tokio::test]
async fn forged_expired_and_other_org_tokens_get_401() {
    let clock = ManualClock::new();
    let sf = spawn_sf_app(
        AuthMode::Salesforce,
        SalesforceSimConfig {
            token_ttl: Duration::from_secs(60),
            ..SalesforceSimConfig::default()
        }
        .with_clock(clock.clone()),
    )
    .await;
    let other = sim::salesforce::spawn(org(), SalesforceSimConfig::default())
        .await
        .unwrap();
    let foreign = sf.token_from(&other.base_url, "Maya").await;
    let expired = sf.token("Maya").await;
    let id = own_account("Maya", "Priya").id;
    clock.advance(Duration::from_secs(60));
    for token in [
        "00D000000000001!forged-token",
        foreign.as_str(),
        expired.as_str(),
    ] {
        let response = sf.get(&format!("/accounts/{id}/briefing"), token).await;
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap()),
            Some("Bearer")
        );
        assert_error(response, 401, "unauthorized", "sign in again").await;
        let response = sf.post_transcripts(&json!({"callIds": ["1"]}), token).await;
        assert_error(response, 401, "unauthorized", "sign in again").await;
    }
    let response = sf
        .app
        .http
        .get(format!("{}/accounts/{id}/briefing", sf.app.base_url))
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        401,
        "unauthorized",
        "missing Salesforce access token",
    )
    .await;
}

#[tokio::test]
async fn a_pinned_org_refuses_tokens_of_any_other_org() {
    let id = own_account("Maya", "Priya").id;
    let other_org = "00D000000000099AAA";
    assert_ne!(other_org, sim::salesforce::organization_id());
    let pinned_elsewhere =
        spawn_sf_app_with(AuthMode::Salesforce, SalesforceSimConfig::default(), |s| {
            s.salesforce.org_id = Some(other_org.into())
        })
        .await;
    let token = pinned_elsewhere.token("Maya").await;
    let response = pinned_elsewhere
        .get(&format!("/accounts/{id}/briefing?calls=1"), &token)
        .await;
    assert_error(response, 401, "unauthorized", "another Salesforce org").await;

    let pinned_here =
        spawn_sf_app_with(AuthMode::Salesforce, SalesforceSimConfig::default(), |s| {
            s.salesforce.org_id = Some(sim::salesforce::organization_id())
        })
        .await;
    let token = pinned_here.token("Maya").await;
    let response = pinned_here
        .get(&format!("/accounts/{id}/briefing?calls=1"), &token)
        .await;
    assert_eq!(response.status(), 200);
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
async fn the_oauth_round_trip_ends_in_a_briefing() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let callback = "https://chatgpt.com/aip/g-123/oauth/callback";
    let params = [
        ("response_type", "code"),
        ("client_id", DEMO_CLIENT_ID),
        ("redirect_uri", callback),
        ("state", "st-42 &x"),
        ("scope", "api refresh_token"),
    ];

    // 1. ChatGPT sends the person to callbrief's authorize URL; callbrief sends them on.
    let response = http
        .get(format!("{}/oauth/authorize", sf.app.base_url))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let sent_on = url::Url::parse(&location).unwrap();
    assert_eq!(
        format!(
            "{}{}",
            sent_on.origin().ascii_serialization(),
            sent_on.path()
        ),
        format!("{}/services/oauth2/authorize", sf.sf_base)
    );
    let kept: HashMap<String, String> = sent_on.query_pairs().into_owned().collect();
    for (k, v) in params {
        assert_eq!(kept[k], v, "{k} kept");
    }

    // 2. The person signs in on Salesforce's page, which sends them back to ChatGPT with a code.
    let page = http.get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let mut form: Vec<(&str, String)> = params.iter().map(|(k, v)| (*k, v.to_string())).collect();
    form.push(("username", user("Maya").username));
    form.push(("password", DEMO_PASSWORD.into()));
    let back = http
        .post(format!("{}/services/oauth2/authorize", sf.sf_base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 302);
    let back = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    let answer: HashMap<String, String> = back.query_pairs().into_owned().collect();
    assert_eq!(answer["state"], "st-42 &x");

    // 3. ChatGPT trades the code at callbrief's token URL; Salesforce's answer comes back as is.
    let token_form = [
        ("grant_type", "authorization_code"),
        ("code", answer["code"].as_str()),
        ("redirect_uri", callback),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
    ];
    let response = http
        .post(format!("{}/oauth/token", sf.app.base_url))
        .form(&token_form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let token: Value = response.json().await.unwrap();
    let access = token["access_token"].as_str().unwrap().to_owned();
    assert_eq!(token["token_type"], "Bearer");

    // The same code again: Salesforce's error, passed through with its status.
    let response = http
        .post(format!("{}/oauth/token", sf.app.base_url))
        .form(&token_form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"], "invalid_grant");

    // 4. ChatGPT calls the action with the token: a briefing, as Maya.
    let account = own_account("Maya", "Priya");
    let (status, body) = json(
        sf.get(&format!("/accounts/{}/briefing", account.id), &access)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["id"], account.id.as_str());
    let response = sf
        .get(
            &format!("/accounts/{}/briefing", own_account("Priya", "Maya").id),
            &access,
        )
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn oauth_routes_without_salesforce_say_what_to_set() {
    let app = crate::helpers::spawn_app().await;
    let response = app
        .http
        .get(format!("{}/oauth/authorize?state=x", app.base_url))
        .send()
        .await
        .unwrap();
    assert_error(response, 503, "not_configured", "SALESFORCE_LOGIN_URL").await;
    let response = app
        .http
        .post(format!("{}/oauth/token", app.base_url))
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    assert_error(response, 503, "not_configured", "SALESFORCE_INSTANCE_URL").await;
    let response = app
        .http
        .get(format!("{}/accounts/search?name=Acme", app.base_url))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_error(response, 503, "not_configured", "SALESFORCE_INSTANCE_URL").await;
}

#[tokio::test]
async fn salesforce_mode_needs_an_instance_and_no_api_keys() {
    let salesforce_mode = |s: &mut server::Settings| {
        s.api_keys.clear();
        s.auth_mode = AuthMode::Salesforce;
    };
    let err = TestApp::builder().refused(salesforce_mode).await;
    assert!(err.contains("SALESFORCE_INSTANCE_URL"), "{err}");
    let with_instance = |s: &mut server::Settings| {
        salesforce_mode(s);
        s.salesforce.instance_url = Some(url::Url::parse("http://127.0.0.1:9").unwrap());
    };
    TestApp::builder().spawn(with_instance).await;
    let err = TestApp::builder()
        .refused(|s| {
            with_instance(s);
            s.gong_fields.title = "Title, (SELECT Id FROM User)".into();
        })
        .await;
    assert!(
        err.to_string().contains("CALLBRIEF_GONG_TITLE_FIELD"),
        "{err}"
    );
}

#[tokio::test]
async fn the_documents_oauth_urls_are_callbriefs_own_and_sign_in_works_through_them() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let (status, doc) = json(
        sf.app
            .http
            .get(format!("{}/openapi.json", sf.app.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(
        schemes.len(),
        1,
        "the GPT editor takes one scheme: {schemes:?}"
    );
    let flow = &schemes["salesforceOAuth"]["flows"]["authorizationCode"];
    let authorize = flow["authorizationUrl"].as_str().unwrap();
    let token_url = flow["tokenUrl"].as_str().unwrap();
    assert_eq!(authorize, format!("{}/oauth/authorize", sf.app.base_url));
    assert_eq!(token_url, format!("{}/oauth/token", sf.app.base_url));
    assert!(flow["scopes"].get("api").is_some() && flow["scopes"].get("refresh_token").is_some());

    // The authorization URL hands the sign-in to Salesforce.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirects
        .get(authorize)
        .query(&[("response_type", "code"), ("state", "s")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with(&format!("{}/services/oauth2/authorize?", sf.sf_base)),
        "{location}"
    );

    // The token URL returns Salesforce's token, and the token opens the documented operations.
    let (status, answer) = sf.sign_in_with_code(token_url, "Maya").await;
    assert_eq!(status, 200, "{answer}");
    let token = answer["access_token"].as_str().unwrap();
    let account = own_account("Maya", "Priya");
    let response = sf
        .get(&format!("/accounts/{}/briefing", account.id), token)
        .await;
    assert_eq!(response.status(), 200);
}

/// The Connected App's key and secret are typed into every rep's connector: the token URL must
/// not turn them into a token of the integration user, who sees every rep's accounts.
#[tokio::test]
async fn the_token_url_refuses_grants_that_are_not_a_persons_sign_in() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let token_url = format!("{}/oauth/token", sf.app.base_url);
    let maya = user("Maya");
    for form in [
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
        ],
        vec![
            ("grant_type", "password"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("username", maya.username.as_str()),
            ("password", DEMO_PASSWORD),
        ],
    ] {
        let response = sf
            .app
            .http
            .post(&token_url)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store");
        let (status, body) = json(response).await;
        assert_eq!(status, 400, "{form:?}: {body}");
        assert_eq!(body["error"], "unsupported_grant_type", "{body}");
        assert!(body.get("access_token").is_none(), "{body}");
    }
    // The same credentials as HTTP Basic change nothing.
    let response = sf
        .app
        .http
        .post(&token_url)
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "unsupported_grant_type");
    // A person's own sign-in still works through the same URL.
    let (status, token) = sf.sign_in_with_code(&token_url, "Maya").await;
    assert_eq!(status, 200, "{token}");
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

/// Without `CALLBRIEF_PUBLIC_URL` the discovery documents and challenges are built from the
/// request's `Host`: a foreign `Host` must not make them point elsewhere.
#[tokio::test]
async fn a_foreign_host_cannot_redirect_the_sign_in() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-protected-resource/mcp",
        "/accounts/search?name=Acme",
    ] {
        let response = sf
            .app
            .http
            .get(format!("{}{path}", sf.app.base_url))
            .header("host", "evil.example.com")
            .bearer_auth("forged")
            .send()
            .await
            .unwrap();
        assert!(response.headers().get("www-authenticate").is_none());
        let (status, body) = json(response).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(body["error"], "unknown_host");
        assert!(!body.to_string().contains("evil.example.com"), "{body}");
    }
    // The server's own loopback name still gets the documents.
    let response = sf
        .app
        .http
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            sf.app.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// Bad tokens must not each cost a Salesforce call: a refused token is remembered briefly, and
/// an address that keeps sending new unaccepted tokens is slowed down before Salesforce is asked.
#[tokio::test]
async fn unaccepted_tokens_cost_few_salesforce_calls() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let salesforce = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/services/oauth2/userinfo"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        ))
        .mount(&salesforce)
        .await;
    let app = spawn_app_with(sim_config(), |s| {
        s.auth_mode = AuthMode::Salesforce;
        s.oauth.mode = server::OAuthMode::Proxy;
        s.api_keys.clear();
        s.salesforce.instance_url = Some(url::Url::parse(&salesforce.uri()).unwrap());
        s.connections.max_failed_sign_ins = 5;
    })
    .await;
    let search = |token: String| {
        let app = &app;
        async move {
            app.http
                .get(format!("{}/accounts/search?name=Acme", app.base_url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let userinfo_calls = || async {
        salesforce
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/services/oauth2/userinfo")
            .count()
    };

    // The same bad token three times: Salesforce is asked once.
    for _ in 0..3 {
        assert_eq!(search("the-same-bad-token".into()).await.status(), 401);
    }
    assert_eq!(userinfo_calls().await, 1);

    // Two new bad tokens reach the limit of five refusals; then 429 without a call.
    for i in 0..2 {
        assert_eq!(search(format!("bad-{i}")).await.status(), 401);
    }
    assert_eq!(userinfo_calls().await, 3);
    for i in 2..10 {
        let response = search(format!("bad-{i}")).await;
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        assert_error(response, 429, "too_many_failed_sign_ins", "Retry-After").await;
    }
    assert_eq!(userinfo_calls().await, 3);
}

/// An org may make the Gong call object public-read: seeing a call record must then not be
/// enough to read its transcript; the call's account must be visible too.
#[tokio::test]
async fn a_public_read_call_object_does_not_open_other_reps_transcripts() {
    let sf = spawn_sf_app(
        AuthMode::Salesforce,
        SalesforceSimConfig {
            public_read_calls: true,
            ..SalesforceSimConfig::default()
        },
    )
    .await;
    let token = sf.token("Priya").await;
    let (mine, theirs) = (own_account("Priya", "Maya"), own_account("Maya", "Priya"));
    let (own, foreign) = (call_ids(&mine.id), call_ids(&theirs.id));

    // The simulator models the open object: Priya's own query returns Maya's call record.
    let soql = format!(
        "SELECT Id, Gong__Call_ID__c FROM Gong__Gong_Call__c WHERE Gong__Call_ID__c = '{}'",
        foreign[0]
    );
    let (status, records) = sf.salesforce_query(&soql, &token).await;
    assert_eq!(status, 200, "{records}");
    assert_eq!(records["totalSize"], 1, "{records}");

    // callbrief still withholds it, and serves her own.
    let before = sf.app.sim.stats.requests();
    let asked = vec![foreign[0].clone(), own[0].clone()];
    let (status, body) = json(
        sf.post_transcripts(&json!({ "callIds": asked }), &token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notAccessible"], json!([foreign[0]]));
    let got: Vec<&str> = body["callTranscripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["callId"].as_str().unwrap())
        .collect();
    assert_eq!(got, [own[0].as_str()]);
    assert!(
        sf.app.sim.stats.requests() > before,
        "her own call was fetched"
    );
}

/// An org may share an account without its deals (opportunities private): a call on a deal
/// the person cannot see is that deal's conversation and stays closed to them, although they
/// see the call record and its account.
#[tokio::test]
async fn a_call_on_a_deal_hidden_from_the_rep_is_withheld() {
    let sf = spawn_sf_app(
        AuthMode::Salesforce,
        SalesforceSimConfig {
            private_opportunities: true,
            ..SalesforceSimConfig::default()
        },
    )
    .await;
    let (jordan, maya, org) = (user("Jordan"), user("Maya"), org());
    // Maya's account, shared with Jordan; its deals are hers.
    let shared = org
        .accounts
        .iter()
        .find(|a| a.owner_id == maya.id && a.shared_with.contains(&jordan.id))
        .unwrap()
        .clone();
    let deal_owner = |call: &sim::org::Call| {
        call.opportunity_id
            .as_deref()
            .and_then(|id| org.opportunity(id))
            .map(|o| o.owner_id.clone())
    };
    let calls: Vec<sim::org::Call> = org.calls_for_account(&shared.id).cloned().collect();
    let on_her_deals: Vec<String> = calls
        .iter()
        .filter(|c| deal_owner(c).as_deref() == Some(maya.id.as_str()))
        .map(|c| c.gong_id.clone())
        .collect();
    let rest: Vec<String> = calls
        .iter()
        .filter(|c| deal_owner(c).as_deref() != Some(maya.id.as_str()))
        .map(|c| c.gong_id.clone())
        .collect();
    assert!(!on_her_deals.is_empty());

    let token = sf.token("Jordan").await;
    // The simulator shows Jordan the call record itself.
    let soql = format!(
        "SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_ID__c = '{}'",
        on_her_deals[0]
    );
    let (status, records) = sf.salesforce_query(&soql, &token).await;
    assert_eq!(status, 200, "{records}");
    assert_eq!(records["totalSize"], 1, "{records}");

    // callbrief withholds the transcript and lists none of those calls.
    let (status, body) = json(
        sf.post_transcripts(&json!({ "callIds": [on_her_deals[0]] }), &token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notAccessible"], json!([on_her_deals[0]]));
    assert_eq!(body["callTranscripts"], json!([]));
    let (status, body) = json(
        sf.get(&format!("/accounts/{}/calls?limit=50", shared.id), &token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let listed: Vec<String> = body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["callId"].as_str().unwrap().to_owned())
        .collect();
    // Listed: exactly the account's calls that are not on her deals.
    let mut listed = listed;
    let mut rest = rest;
    listed.sort();
    rest.sort();
    assert_eq!(listed, rest);
    let (status, body) = json(
        sf.get(
            &format!("/accounts/{}/briefing?calls=20", shared.id),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| !on_her_deals.contains(&c["callId"].as_str().unwrap().to_owned())));

    // Maya, the deals' owner, reads them.
    let token = sf.token("Maya").await;
    let (status, body) = json(
        sf.post_transcripts(&json!({ "callIds": [on_her_deals[0]] }), &token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notAccessible"], json!([]));
    assert_eq!(body["callTranscripts"].as_array().unwrap().len(), 1);
}

/// Gong's intelligence and the stakeholder map follow Salesforce's sharing: a rep's briefing
/// carries the briefs, trackers and contact roles of their own account's calls and deals only,
/// and Salesforce itself never hands them another rep's contact roles.
#[tokio::test]
async fn a_rep_never_sees_intelligence_or_contact_roles_of_what_they_cannot_see() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let org = org();
    for (me, other) in [("Maya", "Priya"), ("Priya", "Maya")] {
        let token = sf.token(me).await;
        let (mine, theirs) = (own_account(me, other), own_account(other, me));
        let (status, body) = json(
            sf.get(
                &format!("/accounts/{}/briefing?calls=20&transcripts=none", mine.id),
                &token,
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{me}: {body}");
        let own_calls = call_ids(&mine.id);
        let calls = body["calls"].as_array().unwrap();
        assert!(!calls.is_empty(), "{me}: {body}");
        for call in calls {
            let id = call["callId"].as_str().unwrap();
            assert!(own_calls.iter().any(|c| c == id), "{id}");
            let brief = call["intelligence"]["brief"].as_str().unwrap();
            let planted = org.calls.iter().find(|c| c.gong_id == id).unwrap();
            assert_eq!(brief, planted.brief);
            assert!(call["intelligence"]["trackers"].as_array().is_some());
        }
        let own_contacts: Vec<&str> = org
            .contacts
            .iter()
            .filter(|c| c.account_id == mine.id)
            .map(|c| c.id.as_str())
            .collect();
        let stakeholders = body["stakeholders"].as_array().unwrap();
        assert!(
            stakeholders
                .iter()
                .any(|s| !s["buyingRoles"].as_array().unwrap().is_empty()),
            "{body}"
        );
        for s in stakeholders {
            if let Some(id) = s["contactId"].as_str() {
                assert!(own_contacts.contains(&id), "{s}");
            }
        }
        // Nothing of the other rep's account: not its name, people, calls or briefs.
        let text = body.to_string();
        assert!(!text.contains(&theirs.name), "{me} sees {}", theirs.name);
        for c in org.contacts.iter().filter(|c| c.account_id == theirs.id) {
            assert!(!text.contains(&c.name()), "{me} sees {}", c.name());
        }
        for call in org.calls_for_account(&theirs.id) {
            assert!(!text.contains(&call.gong_id));
            assert!(!text.contains(&call.brief));
        }
        let response = sf
            .get(&format!("/accounts/{}/briefing", theirs.id), &token)
            .await;
        assert_error(response, 404, "not_found", "that you can see").await;

        // Salesforce shares a contact role as its opportunity: the rep's own query of every
        // contact role returns none of the other rep's deals.
        let (status, records) = sf
            .salesforce_query(
                "SELECT Id, OpportunityId, Role FROM OpportunityContactRole",
                &token,
            )
            .await;
        assert_eq!(status, 200, "{records}");
        let theirs_deals: Vec<&str> = org
            .opportunities
            .iter()
            .filter(|o| o.account_id == theirs.id)
            .map(|o| o.id.as_str())
            .collect();
        let rows = records["records"].as_array().unwrap();
        assert!(!rows.is_empty());
        for row in rows {
            let opp = row["OpportunityId"].as_str().unwrap();
            assert!(!theirs_deals.contains(&opp), "{me} sees a role on {opp}");
        }
    }
}
