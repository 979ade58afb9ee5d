//! callbrief as the OAuth authorization server (`CALLBRIEF_OAUTH=server`), federated to the
//! Salesforce simulator: the official Python SDK's OAuth client end to end, and the refusals
//! (redirect URIs, PKCE, replayed codes, other resources, registrations) over raw HTTP.

use std::path::PathBuf;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::header::{LOCATION, WWW_AUTHENTICATE};
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use server::config::{AuthMode, OAuthMode};
use server::Settings;
use sha2::{Digest as _, Sha256};
use sim::salesforce::{SalesforceSimConfig, DEMO_PASSWORD};
use url::Url;

use crate::helpers::{assert_error, org, python, TestApp};
use crate::mcp::{fixture, sdk_available};

pub(crate) const REDIRECT_URI: &str = "https://client.example/callback";
pub(crate) const VERIFIER: &str = "a-perfectly-good-code-verifier-of-more-than-43-characters";

pub(crate) struct AsApp {
    pub(crate) base_url: String,
    pub(crate) salesforce_url: String,
    /// A client that follows no redirect, so each step of a sign-in can be checked.
    pub(crate) http: reqwest::Client,
    pub(crate) deactivated: sim::salesforce::Deactivated,
    /// Refresh-token grants the Salesforce simulator answered.
    pub(crate) refreshes: sim::salesforce::Counter,
    pub(crate) _app: TestApp,
}

pub(crate) async fn spawn(tweak: impl FnOnce(&mut Settings)) -> AsApp {
    spawn_with(|_| {}, tweak).await
}

/// [`spawn`] with the Salesforce simulator's settings changed by `sim_tweak` first.
pub(crate) async fn spawn_with(
    sim_tweak: impl FnOnce(&mut SalesforceSimConfig),
    tweak: impl FnOnce(&mut Settings),
) -> AsApp {
    let mut sf_config = SalesforceSimConfig::default();
    sim_tweak(&mut sf_config);
    let deactivated = sf_config.deactivated.clone();
    let refreshes = sf_config.refreshes.clone();
    let app = TestApp::builder()
        .salesforce(sf_config)
        .auth(AuthMode::Salesforce)
        .spawn(|s| {
            s.oauth.mode = OAuthMode::Server;
            tweak(s);
        })
        .await;
    AsApp {
        base_url: app.base_url.clone(),
        salesforce_url: app.salesforce_url().to_owned(),
        http: reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap(),
        deactivated,
        refreshes,
        _app: app,
    }
}

/// A server whose OAuth clients are signed with a cache key (in memory), and an admin-created
/// client of that key (`pkce_optional`: allowed to leave PKCE out).
pub(crate) async fn spawn_with_admin_client(
    pkce_optional: bool,
) -> (AsApp, server::oauth::server::clients::IssuedClient) {
    let key = gong::CacheKey::parse(&"22".repeat(32)).unwrap();
    let app = spawn(|s| {
        s.gong.cache.mode = gong::CacheMode::Memory;
        s.gong.cache.key = Some(key.clone());
    })
    .await;
    let issued = server::oauth::server::clients::admin_client(
        &server::oauth::server::clients::ClientRegistry::for_cache_key(Some(&key)),
        "Sales GPT",
        vec![REDIRECT_URI.to_owned()],
        pkce_optional,
    )
    .unwrap();
    (app, issued)
}

pub(crate) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(crate) fn query_of(location: &str) -> Vec<(String, String)> {
    Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

pub(crate) fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The `name=value` of the sign-in cookie the consent's answer sets.
pub(crate) fn sign_in_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("callbrief_signin_"))
        .expect("the consent sets the sign-in cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

impl AsApp {
    pub(crate) async fn register(&self, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/oauth/register", self.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A public client registered for [`REDIRECT_URI`].
    pub(crate) async fn client(&self) -> String {
        let (status, body) = self
            .register(json!({
                "redirect_uris": [REDIRECT_URI],
                "client_name": "test client",
                "token_endpoint_auth_method": "none",
            }))
            .await;
        assert_eq!(status, 201, "{body}");
        body["client_id"].as_str().unwrap().to_owned()
    }

    pub(crate) fn authorize_url(&self, client_id: &str, extra: &[(&str, &str)]) -> String {
        let mut url = Url::parse(&format!("{}/oauth/authorize", self.base_url)).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("state", "client-state");
        for (k, v) in extra {
            url.query_pairs_mut().append_pair(k, v);
        }
        url.to_string()
    }

    /// Runs a sign-in as `username` through the simulator's login page; returns the answer
    /// sent to the client's redirect URI, as its query parameters.
    pub(crate) async fn sign_in(
        &self,
        client_id: &str,
        username: &str,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let challenge = challenge(VERIFIER);
        let mut all = vec![
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        all.extend_from_slice(extra);
        self.sign_in_with(client_id, username, &all).await
    }

    /// [`Self::sign_in`] with exactly `extra` besides the redirect URI (no PKCE of its own).
    pub(crate) async fn sign_in_with(
        &self,
        client_id: &str,
        username: &str,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let mut all = vec![("redirect_uri", REDIRECT_URI)];
        all.extend_from_slice(extra);
        let page = self
            .http
            .get(self.authorize_url(client_id, &all))
            .send()
            .await
            .unwrap();
        let to_salesforce = self.consent(page, "allow").await;
        assert_eq!(to_salesforce.status(), 302);
        let cookie = sign_in_cookie(&to_salesforce);
        let back_here = self
            .salesforce_sign_in(&location(&to_salesforce), username)
            .await;
        let back = self.come_back(&back_here, &cookie).await;
        assert_eq!(back.status(), 302);
        let answer = location(&back);
        assert!(answer.starts_with(REDIRECT_URI), "{answer}");
        query_of(&answer)
    }

    /// Signs `username` in on the Salesforce simulator's login page at `login` (where the
    /// consent sent the browser); returns where Salesforce sends the browser back to.
    pub(crate) async fn salesforce_sign_in(&self, login: &str, username: &str) -> String {
        assert!(login.starts_with(&self.salesforce_url), "{login}");
        let mut form = query_of(login);
        form.push(("username".into(), username.into()));
        form.push(("password".into(), DEMO_PASSWORD.into()));
        form.push(("action".into(), "allow".into()));
        let signed_in = self
            .http
            .post(format!("{}/services/oauth2/authorize", self.salesforce_url))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), 302);
        location(&signed_in)
    }

    /// The consent page for `client_id`: `/oauth/authorize` with the registered redirect URI and
    /// PKCE S256.
    pub(crate) async fn consent_page(&self, client_id: &str) -> reqwest::Response {
        self.http
            .get(self.pkce_url(client_id))
            .send()
            .await
            .unwrap()
    }

    /// `/oauth/authorize` for `client_id` with the registered redirect URI and PKCE S256.
    pub(crate) fn pkce_url(&self, client_id: &str) -> String {
        let challenge = challenge(VERIFIER);
        self.authorize_url(
            client_id,
            &[
                ("redirect_uri", REDIRECT_URI),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
    }

    /// Comes back from Salesforce to `url` (callbrief's callback) with `cookie`, as a browser
    /// holding that cookie does.
    pub(crate) async fn come_back(&self, url: &str, cookie: &str) -> reqwest::Response {
        self.http
            .get(url)
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .unwrap()
    }

    /// Answers the consent page `page` (the answer to `/oauth/authorize`) as its browser would.
    pub(crate) async fn consent(&self, page: reqwest::Response, action: &str) -> reqwest::Response {
        assert_eq!(page.status(), 200, "the consent page");
        let cookie = page
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .expect("the page sets its cookie")
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let html = page.text().await.unwrap();
        let start = html
            .find(r#"name="request" value=""#)
            .expect("the request id")
            + 22;
        let request = &html[start..start + html[start..].find('"').unwrap()];
        self.http
            .post(format!("{}/oauth/consent", self.base_url))
            .header(reqwest::header::COOKIE, cookie)
            .form(&[("request", request), ("action", action)])
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/oauth/token", self.base_url))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn redeem(&self, client_id: &str, code: &str) -> (u16, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .await
    }

    /// Signs `username` in and returns callbrief's token answer.
    pub(crate) async fn tokens(&self, username: &str, extra: &[(&str, &str)]) -> (String, Value) {
        let client_id = self.client().await;
        let answer = self.sign_in(&client_id, username, extra).await;
        let code = param(&answer, "code").expect("a code");
        let (status, body) = self.redeem(&client_id, &code).await;
        assert_eq!(status, 200, "{body}");
        (client_id, body)
    }

    pub(crate) async fn search(&self, token: &str, name: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/accounts/search", self.base_url))
            .query(&[("name", name)])
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn the_python_sdk_signs_in_with_only_the_url_and_is_revoked() {
    let python = python();
    if !sdk_available(&python).await {
        return;
    }
    let app = spawn(|_| {}).await;
    let f = fixture(&org());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_oauth_client.py");
    let child = tokio::process::Command::new(&python)
        .arg(&script)
        .args(["--url", &format!("{}/mcp", app.base_url)])
        .args(["--username", &f.username, "--password", DEMO_PASSWORD])
        .args(["--account-name", &f.own_account.name])
        .args(["--hidden-account-id", &f.hidden_account_id])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(90), child)
        .await
        .expect("the Python OAuth client did not finish within 90 s")
        .expect("could not run the Python OAuth client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Python OAuth client failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("checks passed"), "{stdout}\n{stderr}");
}

#[tokio::test]
async fn discovery_names_callbrief_as_the_authorization_server() {
    let app = spawn(|_| {}).await;
    let meta: Value = app
        .http
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            app.base_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], app.base_url.as_str());
    assert_eq!(
        meta["registration_endpoint"],
        format!("{}/oauth/register", app.base_url)
    );
    assert_eq!(
        meta["revocation_endpoint"],
        format!("{}/oauth/revoke", app.base_url)
    );
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
}

#[tokio::test]
async fn a_sign_in_runs_as_the_rep_and_answers_with_state_and_iss() {
    let app = spawn(|_| {}).await;
    let f = fixture(&org());
    let client_id = app.client().await;
    let answer = app.sign_in(&client_id, &f.username, &[]).await;
    assert_eq!(param(&answer, "state").as_deref(), Some("client-state"));
    assert_eq!(
        param(&answer, "iss").as_deref(),
        Some(app.base_url.as_str())
    );
    let code = param(&answer, "code").unwrap();
    let (status, tokens) = app.redeem(&client_id, &code).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    let access = tokens["access_token"].as_str().unwrap();
    assert!(!access.contains('.'), "opaque, not a JWT");
    let response = app.search(access, &f.own_account.name).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.to_string().contains(&f.own_account.name), "{body}");
}

#[tokio::test]
async fn a_redirect_uri_not_registered_is_refused_without_redirecting() {
    let app = spawn(|_| {}).await;
    let client_id = app.client().await;
    let challenge = challenge(VERIFIER);
    for uri in [
        "https://evil.example/callback",
        "https://client.example/callback/more",
        "https://client.example/callback?x=1",
    ] {
        let response = app
            .http
            .get(app.authorize_url(
                &client_id,
                &[
                    ("redirect_uri", uri),
                    ("code_challenge", &challenge),
                    ("code_challenge_method", "S256"),
                ],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{uri}");
        assert!(response.headers().get(LOCATION).is_none(), "{uri}");
    }
    let unknown = app
        .http
        .get(app.authorize_url("cb1.forged.client", &[("redirect_uri", REDIRECT_URI)]))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
}

#[tokio::test]
async fn pkce_s256_is_required_and_the_verifier_checked() {
    let app = spawn(|_| {}).await;
    let f = fixture(&org());
    let client_id = app.client().await;
    for extra in [
        vec![("redirect_uri", REDIRECT_URI)],
        vec![
            ("redirect_uri", REDIRECT_URI),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "plain"),
        ],
    ] {
        // A self-registered client: refused on a page, not at its redirect URI.
        let response = app
            .http
            .get(app.authorize_url(&client_id, &extra))
            .send()
            .await
            .unwrap();
        assert_error(response, 400, "invalid_request", "PKCE").await;
    }
    // A missing verifier, then a wrong one: each uses the code up.
    for (verifier, error) in [
        (None, "invalid_request"),
        (Some("x".repeat(50)), "invalid_grant"),
    ] {
        let answer = app.sign_in(&client_id, &f.username, &[]).await;
        let code = param(&answer, "code").unwrap();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ];
        if let Some(v) = verifier.as_deref() {
            form.push(("code_verifier", v));
        }
        let (status, body) = app.token(&form).await;
        assert_eq!(status, 400, "{body}");
        assert_token_refused(status, &body, error);
        let (status, body) = app.redeem(&client_id, &code).await;
        assert_token_refused(status, &body, "invalid_grant");
    }
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_ends_the_session_it_made() {
    let app = spawn(|_| {}).await;
    let f = fixture(&org());
    let client_id = app.client().await;
    let answer = app.sign_in(&client_id, &f.username, &[]).await;
    let code = param(&answer, "code").unwrap();
    let (status, tokens) = app.redeem(&client_id, &code).await;
    assert_eq!(status, 200);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.search(access, &f.own_account.name).await.status(), 200);
    let (status, body) = app.redeem(&client_id, &code).await;
    assert_eq!(status, 400);
    assert_token_refused(status, &body, "invalid_grant");
    let after = app.search(access, &f.own_account.name).await;
    assert_eq!(after.status(), 401);
    assert!(after.headers().get(WWW_AUTHENTICATE).is_some());
    // Another client cannot redeem a code either.
    let answer = app.sign_in(&client_id, &f.username, &[]).await;
    let other = app.client().await;
    let (status, body) = app.redeem(&other, &param(&answer, "code").unwrap()).await;
    assert_token_refused(status, &body, "invalid_grant");
}

/// A token endpoint refusal: the status and RFC 6749 error, and no token of any kind.
pub(crate) fn assert_token_refused(status: u16, body: &Value, error: &str) {
    assert!((400..500).contains(&status), "{status}: {body}");
    assert_eq!(body["error"], error, "{body}");
    for token in ["access_token", "refresh_token", "id_token"] {
        assert!(
            body.get(token).is_none(),
            "a refusal carries no {token}: {body}"
        );
    }
}

#[tokio::test]
async fn the_person_consents_on_a_page_only_their_browser_can_answer() {
    let app = spawn(|_| {}).await;
    let client_id = app.client().await;
    let url = app.pkce_url(&client_id);
    // Denied: the client hears access_denied, with its state.
    let page = app.http.get(&url).send().await.unwrap();
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let denied = app.consent(page, "deny").await;
    assert_eq!(denied.status(), 302);
    let answer = query_of(&location(&denied));
    assert_eq!(param(&answer, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&answer, "state").as_deref(), Some("client-state"));
    assert_eq!(param(&answer, "code"), None, "a refusal carries no code");
    // Answered without the page's cookie (from another site): refused.
    let page = app.http.get(&url).send().await.unwrap();
    let html = page.text().await.unwrap();
    let start = html.find(r#"name="request" value=""#).unwrap() + 22;
    let request = &html[start..start + html[start..].find('"').unwrap()];
    let forged = app
        .http
        .post(format!("{}/oauth/consent", app.base_url))
        .form(&[("request", request), ("action", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert!(forged.headers().get(LOCATION).is_none());
}

#[tokio::test]
async fn a_sign_in_url_someone_else_consented_to_gives_a_code_to_no_one() {
    let app = spawn(|_| {}).await;
    let f = fixture(&org());
    // The attacker registers a client with its own redirect URI and consents in its own
    // browser; the sign-in URL at Salesforce is what it sends to a rep.
    let client_id = app.client().await;
    let url = app.pkce_url(&client_id);
    let page = app.http.get(&url).send().await.unwrap();
    let consented = app.consent(page, "allow").await;
    assert_eq!(consented.status(), 302);
    let attackers_cookie = sign_in_cookie(&consented);
    let lure = location(&consented);
    // The rep signs in at the genuine Salesforce page and is sent back to callbrief, in a
    // browser that never consented: refused, and no code goes anywhere.
    let back_here = app.salesforce_sign_in(&lure, &f.username).await;
    let refused = app.http.get(&back_here).send().await.unwrap();
    assert_error(
        refused,
        400,
        "invalid_request",
        "not started in this browser",
    )
    .await;
    // A cookie of another sign-in does not open this one either.
    let other_page = app.http.get(&url).send().await.unwrap();
    let other = sign_in_cookie(&app.consent(other_page, "allow").await);
    let back_again = app.salesforce_sign_in(&lure, &f.username).await;
    let wrong_cookie = app.come_back(&back_again, &other).await;
    assert_error(
        wrong_cookie,
        400,
        "invalid_request",
        "not started in this browser",
    )
    .await;
    // The browser that consented, coming back the same way, gets its code.
    let back_home = app.salesforce_sign_in(&lure, &f.username).await;
    let allowed = app.come_back(&back_home, &attackers_cookie).await;
    assert_eq!(allowed.status(), 302);
    assert!(param(&query_of(&location(&allowed)), "code").is_some());
}

#[tokio::test]
async fn authorization_requests_store_nothing_before_a_person_consents() {
    let dir = tempfile::tempdir().unwrap();
    let key = gong::CacheKey::parse(&"33".repeat(32)).unwrap();
    let cache_dir = dir.path().to_owned();
    let app = spawn(move |s| {
        s.gong.cache.mode = gong::CacheMode::Disk;
        s.gong.cache.dir = cache_dir;
        s.gong.cache.key = Some(key);
    })
    .await;
    let f = fixture(&org());
    // The store is in use: a sign-in writes its session and codes there.
    let client_id = app.client().await;
    let answer = app.sign_in(&client_id, &f.username, &[]).await;
    assert!(param(&answer, "code").is_some());
    let store = dir.path().join(gong::cache::STORE_FILE);
    let before = std::fs::metadata(&store).expect("the store file").len();
    let state = "s".repeat(server::oauth::server::MAX_STATE_BYTES);
    let challenge = challenge(VERIFIER);
    let mut url = Url::parse(&format!("{}/oauth/authorize", app.base_url)).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", &state);
    for _ in 0..300 {
        let page = app.http.get(url.clone()).send().await.unwrap();
        assert_eq!(page.status(), 200);
    }
    let after = std::fs::metadata(&store).unwrap().len();
    // 300 stored requests of over a kilobyte each would add more than 300 KB.
    assert!(
        after < before + 64 * 1024,
        "the store grew from {before} to {after} bytes"
    );
}

#[tokio::test]
async fn an_overlong_or_unprintable_state_is_refused_on_a_page() {
    let app = spawn(|_| {}).await;
    let client_id = app.client().await;
    let challenge = challenge(VERIFIER);
    let ok = "s".repeat(server::oauth::server::MAX_STATE_BYTES);
    let long = "s".repeat(server::oauth::server::MAX_STATE_BYTES + 1);
    for (state, status) in [(ok.as_str(), 200), (long.as_str(), 400), ("a\u{7}b", 400)] {
        let mut url = Url::parse(&format!("{}/oauth/authorize", app.base_url)).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", state);
        let response = app.http.get(url).send().await.unwrap();
        if status == 400 {
            assert_error(response, 400, "invalid_request", "state must be at most").await;
        } else {
            assert_eq!(response.status(), 200, "state of {} bytes", state.len());
        }
    }
}

#[tokio::test]
async fn errors_go_to_a_redirect_uri_only_when_someone_vouched_for_it() {
    let (app, admin) = spawn_with_admin_client(false).await;
    let registered = app.client().await;
    // No PKCE: an error the client never asked for.
    let ask = |client_id: &str| app.authorize_url(client_id, &[("redirect_uri", REDIRECT_URI)]);
    let page = app.http.get(ask(&registered)).send().await.unwrap();
    assert_error(page, 400, "invalid_request", "PKCE is required").await;
    let redirected = app.http.get(ask(&admin.client_id)).send().await.unwrap();
    assert_eq!(redirected.status(), 302);
    let answer = query_of(&location(&redirected));
    assert!(location(&redirected).starts_with(REDIRECT_URI));
    assert_eq!(param(&answer, "error").as_deref(), Some("invalid_request"));
    assert_eq!(param(&answer, "code"), None);
    // Deny still answers a self-registered client at its redirect URI: it asked.
    let page = app.consent_page(&registered).await;
    let denied = app.consent(page, "deny").await;
    assert_eq!(denied.status(), 302);
    let answer = query_of(&location(&denied));
    assert_eq!(param(&answer, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&answer, "code"), None);
}

#[tokio::test]
async fn the_consent_page_may_send_its_form_only_here_to_salesforce_or_to_the_client() {
    let app = spawn(|_| {}).await;
    let client_id = app.client().await;
    let page = app.consent_page(&client_id).await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let directive = |name: &str| -> Vec<String> {
        csp.split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {csp}"))
            .split(' ')
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(directive("default-src"), ["'none'"]);
    assert_eq!(
        directive("form-action"),
        [
            "'self'",
            app.salesforce_url.as_str(),
            "https://client.example"
        ]
    );
    assert_eq!(directive("frame-ancestors"), ["'none'"]);
    let styles = directive("style-src");
    assert!(
        styles.len() == 1 && styles[0].starts_with("'sha256-"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"name="viewport""#));
    assert!(html.contains("name chosen by the app itself"), "{html}");
    let salesforce_host = Url::parse(&app.salesforce_url).unwrap();
    assert!(html.contains(salesforce_host.host_str().unwrap()));
    assert!(
        html.contains(r#"id="redirect-host">client.example<"#),
        "{html}"
    );
}
