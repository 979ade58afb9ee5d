//! Signing in with Salesforce through callbrief (the pass-through for GPT actions and MCP
//! clients), and which tokens are refused, over real HTTP against both simulators.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use server::AuthMode;
use sim::clock::ManualClock;
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};

use crate::accounts::*;
use crate::helpers::{assert_error, json, org, sim_config, spawn_app_with, TestApp, API_KEY};

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
