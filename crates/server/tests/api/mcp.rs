//! MCP at `/mcp`: a client this project did not write (the official Python SDK, PyPI `mcp`)
//! connects, lists tools and prompts and calls every tool; raw JSON-RPC checks the auth and
//! per-user visibility rules, which must be the REST API's.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, WWW_AUTHENTICATE};
use serde_json::{json, Value};
use server::config::AuthMode;
use server::Settings;
use sim::org::model::{Account, SampleOrg, UserRole};
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};

use crate::helpers::{org, python, TestApp, API_KEY};

/// A running app with both simulators behind it. Dropping it stops the app.
struct McpApp {
    base_url: String,
    salesforce_url: String,
    http: reqwest::Client,
    _app: TestApp,
}

async fn spawn(auth_mode: AuthMode, tweak: impl FnOnce(&mut Settings)) -> McpApp {
    spawn_over(auth_mode, SalesforceSimConfig::default(), tweak).await
}

/// [`spawn`] over a Salesforce simulator with `sf` settings.
async fn spawn_over(
    auth_mode: AuthMode,
    sf: SalesforceSimConfig,
    tweak: impl FnOnce(&mut Settings),
) -> McpApp {
    let app = TestApp::builder()
        .salesforce(sf)
        .auth(auth_mode)
        .spawn(tweak)
        .await;
    McpApp {
        base_url: app.base_url.clone(),
        salesforce_url: app.salesforce_url().to_owned(),
        http: reqwest::Client::new(),
        _app: app,
    }
}

/// Sample-org facts the tests need: a rep, an account of theirs with calls, and an account
/// (with a call) that they cannot see.
pub(crate) struct Fixture {
    pub(crate) username: String,
    pub(crate) own_account: Account,
    pub(crate) hidden_account_id: String,
    hidden_call_id: String,
}

fn visible_to(account: &Account, user_id: &str) -> bool {
    account.owner_id == user_id || account.shared_with.iter().any(|s| s == user_id)
}

pub(crate) fn fixture(org: &SampleOrg) -> Fixture {
    let has_calls = |a: &Account| org.calls_for_account(&a.id).next().is_some();
    for rep in org.users.iter().filter(|u| u.role == UserRole::Rep) {
        let own = org
            .accounts
            .iter()
            .find(|a| a.owner_id == rep.id && has_calls(a));
        let hidden = org
            .accounts
            .iter()
            .find(|a| !visible_to(a, &rep.id) && has_calls(a));
        if let (Some(own), Some(hidden)) = (own, hidden) {
            return Fixture {
                username: rep.username.clone(),
                own_account: own.clone(),
                hidden_account_id: hidden.id.clone(),
                hidden_call_id: org
                    .calls_for_account(&hidden.id)
                    .next()
                    .unwrap()
                    .gong_id
                    .clone(),
            };
        }
    }
    panic!("the sample org has no rep with an own and a hidden account");
}

impl McpApp {
    fn mcp_url(&self) -> String {
        format!("{}/mcp", self.base_url)
    }

    /// A sample user's Salesforce access token (password grant against the simulator).
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
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// One JSON-RPC request to `/mcp`, as a streamable HTTP client sends it.
    async fn rpc(&self, token: Option<&str>, method: &str, params: Value) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.mcp_url())
            .header(ACCEPT, "application/json, text/event-stream")
            .header(CONTENT_TYPE, "application/json")
            .header("mcp-protocol-version", "2025-06-18")
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("MCP request")
    }

    /// `tools/call`; returns the JSON-RPC `result` (a CallToolResult).
    async fn call_tool(&self, token: &str, name: &str, arguments: Value) -> Value {
        let response = self
            .rpc(
                Some(token),
                "tools/call",
                json!({"name": name, "arguments": arguments}),
            )
            .await;
        let status = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(status, 200, "{text}");
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert!(body.get("error").is_none(), "a protocol error: {body}");
        body["result"].clone()
    }
}

fn is_error(result: &Value) -> bool {
    result["isError"] == json!(true)
}

fn text(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// The Python SDK

/// Whether `python` can import the SDK. A missing SDK fails the test, unless skipping was asked
/// for (see the `testkit` crate).
pub(crate) async fn sdk_available(python: &str) -> bool {
    let ok = tokio::process::Command::new(python)
        .args(["-c", "import mcp.client.session"])
        .output()
        .await
        .is_ok_and(|out| out.status.success());
    testkit::require_tool(
        ok,
        &format!("the Python MCP SDK (`import mcp.client.session` with {python})"),
        &format!(
            "`{python} -m pip install 'mcp>=1.10,<3'`, or point CALLBRIEF_PYTHON at an \
             interpreter that has it"
        ),
    )
}

/// Runs crates/server/tests/mcp_client.py against `url` and asserts it passed.
async fn run_python_client(url: &str, token: &str, account_name: &str, hidden_account_id: &str) {
    let python = python();
    if !sdk_available(&python).await {
        return;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client.py");
    let child = tokio::process::Command::new(&python)
        .arg(&script)
        .args(["--url", url, "--token", token])
        .args(["--account-name", account_name])
        .args(["--hidden-account-id", hidden_account_id])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), child)
        .await
        .expect("the Python MCP client did not finish within 60 s")
        .expect("could not run the Python MCP client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Python MCP client failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("checks passed"), "{stdout}\n{stderr}");
    eprintln!("{}", stdout.trim());
}

#[tokio::test]
async fn the_python_sdk_calls_every_tool_with_an_api_key() {
    let app = spawn(AuthMode::ApiKey, |_| {}).await;
    let f = fixture(&org());
    // Any well-formed account id that does not exist: the service account sees every real one.
    run_python_client(
        &app.mcp_url(),
        API_KEY,
        &f.own_account.name,
        "001000000000000AAA",
    )
    .await;
}

#[tokio::test]
async fn the_python_sdk_calls_every_tool_as_a_salesforce_user() {
    let app = spawn(AuthMode::Salesforce, |_| {}).await;
    let f = fixture(&org());
    let token = app.user_token(&f.username).await;
    run_python_client(
        &app.mcp_url(),
        &token,
        &f.own_account.name,
        &f.hidden_account_id,
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Auth, as on REST

/// Asserts a 401 JSON answer whose `WWW-Authenticate` is exactly `expected`.
async fn assert_challenge(response: reqwest::Response, expected: &str) {
    assert_eq!(response.status(), 401);
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(challenge, expected);
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["error"], "unauthorized", "{body}");
}

/// The challenge of a `401` from `/mcp` in Salesforce mode, for a server whose base is `base`.
fn mcp_challenge(base: &str) -> String {
    format!("Bearer resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\"")
}

#[tokio::test]
async fn missing_or_wrong_api_keys_get_401_with_a_bearer_challenge() {
    let app = spawn(AuthMode::ApiKey, |_| {}).await;
    assert_challenge(app.rpc(None, "tools/list", json!({})).await, "Bearer").await;
    assert_challenge(
        app.rpc(Some("not-the-key"), "tools/list", json!({})).await,
        "Bearer",
    )
    .await;
    let listed = app.rpc(Some(API_KEY), "tools/list", json!({})).await;
    assert_eq!(listed.status(), 200);
}

#[tokio::test]
async fn missing_or_forged_salesforce_tokens_get_401_naming_the_resource_metadata() {
    let app = spawn(AuthMode::Salesforce, |_| {}).await;
    let expected = mcp_challenge(&app.base_url);
    assert_challenge(app.rpc(None, "tools/list", json!({})).await, &expected).await;
    assert_challenge(
        app.rpc(Some("00Dforged!token"), "tools/list", json!({}))
            .await,
        &expected,
    )
    .await;
    // The API key is not a Salesforce token.
    assert_challenge(
        app.rpc(Some(API_KEY), "tools/list", json!({})).await,
        &expected,
    )
    .await;

    // The challenge leads to the metadata of /mcp, as an MCP client follows it.
    let metadata_url = expected
        .strip_prefix("Bearer resource_metadata=\"")
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap();
    let response = app.http.get(metadata_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let prm: Value = response.json().await.unwrap();
    assert_eq!(prm["resource"], json!(app.mcp_url()), "{prm}");

    // REST routes keep the plain challenge: ChatGPT actions take their OAuth settings from the
    // GPT builder.
    let response = app
        .http
        .get(format!("{}/accounts/search?name=Acme", app.base_url))
        .send()
        .await
        .unwrap();
    assert_challenge(response, "Bearer").await;
    let response = app
        .http
        .post(format!("{}/callTranscripts", app.base_url))
        .bearer_auth("00Dforged!token")
        .json(&json!({"callIds": ["1"]}))
        .send()
        .await
        .unwrap();
    assert_challenge(response, "Bearer").await;
}

#[tokio::test]
async fn the_mcp_challenge_names_the_public_url() {
    let app = spawn(AuthMode::Salesforce, |s| {
        s.public_url = Some("https://cb.example.com/".parse().unwrap());
    })
    .await;
    assert_challenge(
        app.rpc(None, "tools/list", json!({})).await,
        &mcp_challenge("https://cb.example.com"),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Per-user visibility

#[tokio::test]
async fn a_rep_sees_their_accounts_and_nothing_of_another_reps() {
    a_rep_sees_their_own_and_nothing_else(true).await;
}

/// Without the Gong package the calls are found in Gong by e-mail domain: the tools keep the
/// same rule (the account as the rep sees it in Salesforce).
#[tokio::test]
async fn without_the_gong_package_a_rep_still_sees_only_their_own() {
    a_rep_sees_their_own_and_nothing_else(false).await;
}

async fn a_rep_sees_their_own_and_nothing_else(gong_package: bool) {
    let sf = SalesforceSimConfig {
        gong_package,
        ..SalesforceSimConfig::default()
    };
    let app = spawn_over(AuthMode::Salesforce, sf, |_| {}).await;
    let f = fixture(&org());
    let token = app.user_token(&f.username).await;

    let own = app
        .call_tool(
            &token,
            "list_account_calls",
            json!({"account_id": f.own_account.id}),
        )
        .await;
    assert!(!is_error(&own), "{own}");
    assert!(!own["structuredContent"]["calls"]
        .as_array()
        .unwrap()
        .is_empty());
    // Deep research's search and fetch reach the rep's own account and calls.
    let own_name = org().account(&f.own_account.id).unwrap().name.clone();
    let found = app
        .call_tool(&token, "search", json!({"query": own_name}))
        .await;
    assert!(!is_error(&found), "{found}");
    assert!(text(&found).contains("call:"), "{found}");
    let own_call = &own["structuredContent"]["calls"][0]["callId"];
    let fetched = app
        .call_tool(
            &token,
            "fetch",
            json!({"id": format!("call:{}", own_call.as_str().unwrap())}),
        )
        .await;
    assert!(!is_error(&fetched), "{fetched}");

    for (tool, arguments) in [
        (
            "list_account_calls",
            json!({"account_id": f.hidden_account_id}),
        ),
        (
            "get_account_briefing",
            json!({"account_id": f.hidden_account_id}),
        ),
        (
            "fetch",
            json!({"id": format!("account:{}", f.hidden_account_id)}),
        ),
        ("fetch", json!({"id": format!("call:{}", f.hidden_call_id)})),
        (
            "get_call_transcripts",
            json!({"call_ids": [f.hidden_call_id]}),
        ),
    ] {
        let result = app.call_tool(&token, tool, arguments.clone()).await;
        assert!(is_error(&result), "{tool} {arguments}: {result}");
        let message = text(&result);
        assert!(message.contains("can see"), "{tool}: {message}");
        assert!(
            result.get("structuredContent").is_none() || result["structuredContent"].is_null(),
            "{result}"
        );
    }

    // Search lists only what the rep can see.
    let hidden_name = org().account(&f.hidden_account_id).unwrap().name.clone();
    let found = app
        .call_tool(&token, "search_accounts", json!({"name": hidden_name}))
        .await;
    let ids: Vec<&str> = found["structuredContent"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert!(!ids.contains(&f.hidden_account_id.as_str()), "{found}");
}

#[tokio::test]
async fn a_visible_call_among_hidden_ones_is_served_and_the_rest_withheld() {
    let app = spawn(AuthMode::Salesforce, |_| {}).await;
    let f = fixture(&org());
    let token = app.user_token(&f.username).await;
    let own_call = org()
        .calls_for_account(&f.own_account.id)
        .next()
        .unwrap()
        .gong_id
        .clone();
    let result = app
        .call_tool(
            &token,
            "get_call_transcripts",
            json!({"call_ids": [own_call, f.hidden_call_id]}),
        )
        .await;
    assert!(!is_error(&result), "{result}");
    let out = &result["structuredContent"];
    assert_eq!(out["callTranscripts"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out["callTranscripts"][0]["callId"], json!(own_call));
    assert_eq!(out["notAccessible"], json!([f.hidden_call_id]));
}

// ---------------------------------------------------------------------------------------------
// Budget, errors and transport rules

/// The briefing tool opens with the rep's next meeting, takes `meeting`, and an event of an
/// account the rep cannot see is an error that names nothing of it.
#[tokio::test]
async fn the_briefing_tool_opens_with_the_meeting_and_hides_other_reps_events() {
    let app = spawn(AuthMode::Salesforce, |_| {}).await;
    let org = org();
    let f = fixture(&org);
    let token = app.user_token(&f.username).await;
    let own_event = org
        .events
        .iter()
        .find(|e| e.account_id == f.own_account.id)
        .unwrap();
    let result = app
        .call_tool(
            &token,
            "get_account_briefing",
            json!({"account_id": f.own_account.id, "transcripts": "none"}),
        )
        .await;
    assert!(!is_error(&result), "{result}");
    assert_eq!(
        result["structuredContent"]["meeting"]["eventId"],
        json!(own_event.id)
    );
    let markdown = text(&result);
    assert!(
        markdown.starts_with(&format!(
            "# Briefing pack: {}\n\n## Next meeting\n\n- Subject: {}",
            f.own_account.name, own_event.subject
        )),
        "{markdown}"
    );
    let hidden_event = org
        .events
        .iter()
        .find(|e| e.account_id == f.hidden_account_id)
        .unwrap();
    for meeting in [hidden_event.id.as_str(), "tomorrow"] {
        let result = app
            .call_tool(
                &token,
                "get_account_briefing",
                json!({"account_id": f.own_account.id, "meeting": meeting}),
            )
            .await;
        assert!(is_error(&result), "{result}");
        assert!(!text(&result).contains(&hidden_event.subject), "{result}");
    }
    let result = app
        .call_tool(
            &token,
            "get_account_briefing",
            json!({"account_id": f.own_account.id, "meeting": "none", "transcripts": "none"}),
        )
        .await;
    assert!(!is_error(&result), "{result}");
    assert_eq!(result["structuredContent"]["meeting"], Value::Null);
}

#[tokio::test]
async fn the_briefing_tool_carries_gongs_intelligence_and_takes_a_transcripts_mode() {
    let app = spawn(AuthMode::ApiKey, |_| {}).await;
    let f = fixture(&org());
    let result = app
        .call_tool(
            API_KEY,
            "get_account_briefing",
            json!({"account_id": f.own_account.id, "calls": 2, "transcripts": "none"}),
        )
        .await;
    assert!(!is_error(&result), "{result}");
    let out = &result["structuredContent"];
    assert_eq!(out["transcripts"], json!([]), "{out}");
    let calls = out["calls"].as_array().unwrap();
    assert!(!calls.is_empty(), "the account has calls: {out}");
    for call in calls {
        assert!(call["intelligence"]["brief"].is_string(), "{call}");
    }
    let markdown = text(&result);
    assert!(
        markdown.contains("## What Gong heard on each call"),
        "{markdown}"
    );
    assert!(markdown.contains("## Stakeholders"), "{markdown}");

    let result = app
        .call_tool(
            API_KEY,
            "get_account_briefing",
            json!({"account_id": f.own_account.id, "transcripts": "all"}),
        )
        .await;
    assert!(is_error(&result), "{result}");
    assert!(text(&result).contains("`full`, `fit`, `none`"), "{result}");
}

#[tokio::test]
async fn answers_fit_the_mcp_budget() {
    // A small budget: the briefing's meeting, write-up rules and notes alone take ~7,000
    // characters.
    let app = spawn(AuthMode::ApiKey, |s| s.mcp_max_chars = 9_000).await;
    let f = fixture(&org());
    let result = app
        .call_tool(
            API_KEY,
            "get_account_briefing",
            json!({"account_id": f.own_account.id, "calls": 5}),
        )
        .await;
    assert!(!is_error(&result), "{result}");
    let markdown = text(&result);
    assert!(
        markdown.chars().count() <= 9_000,
        "{} chars",
        markdown.chars().count()
    );
    assert_eq!(
        result["structuredContent"]["truncation"]["truncated"],
        json!(true)
    );

    // A caller may ask for less than the ceiling, never for more.
    let result = app
        .call_tool(
            API_KEY,
            "fetch",
            json!({"id": format!("account:{}", f.own_account.id)}),
        )
        .await;
    assert!(!is_error(&result), "{result}");
    assert!(text(&result).chars().count() <= 9_000);
    let ids: Vec<String> = org()
        .calls_for_account(&f.own_account.id)
        .take(3)
        .map(|c| c.gong_id.clone())
        .collect();
    let result = app
        .call_tool(
            API_KEY,
            "get_call_transcripts",
            json!({"call_ids": ids, "max_chars": 1_000_000}),
        )
        .await;
    assert!(!is_error(&result), "{result}");
    assert!(text(&result).chars().count() <= 9_000);
    assert_eq!(
        result["structuredContent"]["truncation"]["maxChars"],
        json!(9_000)
    );
}

#[tokio::test]
async fn the_call_id_limit_is_the_servers_setting_and_duplicates_count() {
    let app = spawn(AuthMode::ApiKey, |s| s.max_call_ids = 2).await;
    let ids: Vec<String> = org()
        .calls
        .iter()
        .take(3)
        .map(|c| c.gong_id.clone())
        .collect();
    let result = app
        .call_tool(API_KEY, "get_call_transcripts", json!({"call_ids": ids}))
        .await;
    assert!(is_error(&result), "{result}");
    assert!(text(&result).contains("at most 2"), "{result}");
    let same = vec![ids[0].clone(); 3];
    let result = app
        .call_tool(API_KEY, "get_call_transcripts", json!({"call_ids": same}))
        .await;
    assert!(is_error(&result), "{result}");
    assert!(text(&result).starts_with("call_ids: "), "{result}");
    let result = app
        .call_tool(
            API_KEY,
            "get_call_transcripts",
            json!({"call_ids": [ids[0], "12x"]}),
        )
        .await;
    assert!(is_error(&result), "{result}");
    assert!(text(&result).starts_with("call_ids[1]: "), "{result}");
    let result = app
        .call_tool(
            API_KEY,
            "get_call_transcripts",
            json!({"call_ids": [ids[0]]}),
        )
        .await;
    assert!(!is_error(&result), "{result}");
}

#[tokio::test]
async fn offsets_are_capped_as_on_the_rest_route() {
    let app = spawn(AuthMode::ApiKey, |_| {}).await;
    let id = org().calls[0].gong_id.clone();
    let offsets: serde_json::Map<String, Value> =
        (1..=101).map(|i| (i.to_string(), json!(0))).collect();
    let result = app
        .call_tool(
            API_KEY,
            "get_call_transcripts",
            json!({"call_ids": [id], "offsets": offsets}),
        )
        .await;
    assert!(is_error(&result), "{result}");
    assert!(text(&result).contains("offsets: at most 100"), "{result}");
}

#[tokio::test]
async fn wrong_arguments_are_tool_errors_and_unknown_tools_protocol_errors() {
    let app = spawn(AuthMode::ApiKey, |_| {}).await;
    for (tool, arguments, needle) in [
        ("search_accounts", json!({}), "name"),
        ("search_accounts", json!({"name": "x"}), "at least 2"),
        (
            "list_account_calls",
            json!({"account_id": "003xyz"}),
            "account_id",
        ),
        (
            "get_call_transcripts",
            json!({"call_ids": ["12ab"]}),
            "Gong call id",
        ),
        (
            "get_account_briefing",
            json!({"account_id": "001000000000001AAA", "methodology": "bant"}),
            "medpicc",
        ),
        ("fetch", json!({"id": "lead:00Q"}), "account:"),
    ] {
        let result = app.call_tool(API_KEY, tool, arguments.clone()).await;
        assert!(is_error(&result), "{tool} {arguments}: {result}");
        assert!(text(&result).contains(needle), "{tool}: {}", text(&result));
    }
    let response = app
        .rpc(
            Some(API_KEY),
            "tools/call",
            json!({"name": "drop_tables", "arguments": {}}),
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("drop_tables"),
        "{body}"
    );
}

#[tokio::test]
async fn foreign_hosts_are_refused_and_the_public_host_is_accepted() {
    let app = spawn(AuthMode::ApiKey, |s| {
        s.public_url = Some("https://callbrief.example.com".parse().unwrap());
    })
    .await;
    let send = |host: &'static str| {
        app.http
            .post(app.mcp_url())
            .header("host", host)
            .header(ACCEPT, "application/json, text/event-stream")
            .bearer_auth(API_KEY)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}))
            .send()
    };
    assert_eq!(send("evil.example.net").await.unwrap().status(), 403);
    assert_eq!(send("callbrief.example.com").await.unwrap().status(), 200);
    let origin = app
        .http
        .post(app.mcp_url())
        .header("origin", "https://evil.example.net")
        .header(ACCEPT, "application/json, text/event-stream")
        .bearer_auth(API_KEY)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(origin.status(), 403);
}

#[tokio::test]
async fn the_prompts_carry_the_methodology_templates() {
    let app = spawn(AuthMode::ApiKey, |_| {}).await;
    let response = app
        .rpc(
            Some(API_KEY),
            "prompts/get",
            json!({"name": "meeting_prep_spiced", "arguments": {"account_name": "Acme"}}),
        )
        .await;
    let body: Value = response.json().await.unwrap();
    let text = body["result"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("Acme") && text.contains("Critical Event"),
        "{body}"
    );
}

#[tokio::test]
async fn salesforce_mode_lets_clients_discover_the_sign_in() {
    let app = spawn(AuthMode::Salesforce, |_| {}).await;
    let get = |path: String| app.http.get(format!("{}{path}", app.base_url)).send();
    let prm: Value = get("/.well-known/oauth-protected-resource/mcp".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prm["resource"], json!(app.mcp_url()), "{prm}");
    let issuer = prm["authorization_servers"][0].as_str().unwrap().to_owned();
    let metadata: Value = get("/.well-known/oauth-authorization-server".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], json!(issuer));
    let authorize = metadata["authorization_endpoint"].as_str().unwrap();
    assert_eq!(authorize, format!("{}/oauth/authorize", app.base_url));
    assert_eq!(
        metadata["token_endpoint"],
        json!(format!("{}/oauth/token", app.base_url))
    );

    // The authorize endpoint hands the sign-in to Salesforce with PKCE and state kept.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirects
        .get(authorize)
        .query(&[
            ("response_type", "code"),
            ("client_id", DEMO_CLIENT_ID),
            ("redirect_uri", "https://claude.ai/api/mcp/auth_callback"),
            ("code_challenge", "abc"),
            ("code_challenge_method", "S256"),
            ("state", "xyz"),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&app.salesforce_url), "{location}");
    assert!(
        location.contains("code_challenge=abc") && location.contains("state=xyz"),
        "{location}"
    );
}

#[tokio::test]
async fn api_key_mode_offers_no_sign_in_to_discover() {
    let app = spawn(AuthMode::ApiKey, |_| {}).await;
    let response = app
        .http
        .get(format!(
            "{}/.well-known/oauth-protected-resource",
            app.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn transport_refusals_are_json_rpc_errors_and_bad_json_is_a_parse_error() {
    let app = spawn(AuthMode::ApiKey, |_| {}).await;
    let send = |request: reqwest::RequestBuilder| async move {
        let response = request
            .bearer_auth(API_KEY)
            .send()
            .await
            .expect("MCP request");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body: Value = response.json().await.expect("a JSON body");
        (status, content_type, body)
    };

    // A JSON body that does not parse: 400 with JSON-RPC's parse error, not 415.
    let (status, content_type, body) = send(
        app.http
            .post(app.mcp_url())
            .header(ACCEPT, "application/json, text/event-stream")
            .header(CONTENT_TYPE, "application/json")
            .body("{bad json"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], Value::Null);
    assert_eq!(body["error"]["code"], -32700, "{body}");

    // Other refusals keep their status and say why, as JSON-RPC.
    let (status, _, body) = send(
        app.http
            .post(app.mcp_url())
            .header(CONTENT_TYPE, "application/json")
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})),
    )
    .await;
    assert_eq!(status, 406, "{body}");
    assert_eq!(body["error"]["code"], -32600, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("text/event-stream")),
        "{body}"
    );
    let (status, _, body) = send(app.http.get(app.mcp_url())).await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(body["error"]["code"], -32600, "{body}");
}

#[tokio::test]
async fn list_my_meetings_answers_the_reps_own_calendar_and_refuses_a_bad_argument() {
    let app = spawn_over(AuthMode::Salesforce, SalesforceSimConfig::default(), |_| {}).await;
    let maya = org()
        .users
        .iter()
        .find(|u| u.first_name == "Maya")
        .unwrap()
        .clone();
    let token = app.user_token(&maya.username).await;
    let result = app
        .call_tool(&token, "list_my_meetings", json!({"hours": 168}))
        .await;
    assert!(!is_error(&result), "{result}");
    let listed = result["structuredContent"]["meetings"].as_array().unwrap();
    assert!(!listed.is_empty(), "{result}");
    for meeting in listed {
        let event = org()
            .events
            .iter()
            .find(|e| meeting["eventId"] == e.id.as_str())
            .cloned()
            .unwrap();
        let invited = event.invitees.iter().any(|i| i.relation_id == maya.id);
        assert!(event.owner_id == maya.id || invited, "{meeting}");
    }
    for arguments in [json!({"hours": 0}), json!({"user": maya.username})] {
        let refused = app
            .call_tool(&token, "list_my_meetings", arguments.clone())
            .await;
        assert!(is_error(&refused), "{arguments}: {refused}");
    }
}
