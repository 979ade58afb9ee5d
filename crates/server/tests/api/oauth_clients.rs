//! Clients of callbrief's authorization server: registration and its limits, client
//! secrets, admin-created clients, client metadata documents, and per-address limits behind a
//! proxy.

use reqwest::header::{LOCATION, RETRY_AFTER};
use serde_json::{json, Value};

use crate::helpers::{assert_error, org};
use crate::mcp::fixture;
use crate::oauth_server::*;

#[tokio::test]
async fn oversized_and_malformed_registrations_are_refused() {
    let app = spawn(|s| s.oauth.registrations_per_minute = 0).await;
    let big = json!({
        "redirect_uris": [REDIRECT_URI],
        "client_name": "x",
        "padding": "y".repeat(10_000),
    });
    let (status, body) = app.register(big).await;
    assert_eq!(status, 413, "{body}");
    let many: Vec<String> = (0..6).map(|i| format!("https://a.example/{i}")).collect();
    let (status, body) = app.register(json!({ "redirect_uris": many })).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_redirect_uri");
    let (status, body) = app
        .register(json!({ "redirect_uris": ["http://evil.example/cb"] }))
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app
        .register(json!({ "redirect_uris": [REDIRECT_URI], "client_name": "n".repeat(500) }))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_client_metadata");
}

#[tokio::test]
async fn registration_floods_are_rate_limited_per_address() {
    let app = spawn(|s| s.oauth.registrations_per_minute = 3).await;
    for _ in 0..3 {
        let (status, _) = app
            .register(json!({ "redirect_uris": [REDIRECT_URI] }))
            .await;
        assert_eq!(status, 201);
    }
    let response = app
        .http
        .post(format!("{}/oauth/register", app.base_url))
        .json(&json!({ "redirect_uris": [REDIRECT_URI] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().get(RETRY_AFTER).is_some());
}

#[tokio::test]
async fn confidential_clients_must_present_their_secret() {
    let app = spawn(|_| {}).await;
    let f = fixture(&org());
    let (status, reg) = app
        .register(json!({
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "client_secret_post",
        }))
        .await;
    assert_eq!(status, 201);
    let client_id = reg["client_id"].as_str().unwrap().to_owned();
    let secret = reg["client_secret"].as_str().unwrap().to_owned();
    let answer = app.sign_in(&client_id, &f.username, &[]).await;
    let code = param(&answer, "code").unwrap();
    let (status, body) = app.redeem(&client_id, &code).await;
    assert_eq!(status, 401, "{body}");
    assert_token_refused(status, &body, "invalid_client");
    let answer = app.sign_in(&client_id, &f.username, &[]).await;
    let code = param(&answer, "code").unwrap();
    let (status, body) = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_admin_created_client_signs_in_with_its_secret_as_basic_auth() {
    let (app, issued) = spawn_with_admin_client(false).await;
    let f = fixture(&org());
    let secret = issued.client_secret.unwrap();
    let answer = app.sign_in(&issued.client_id, &f.username, &[]).await;
    let code = param(&answer, "code").unwrap();
    let response = app
        .http
        .post(format!("{}/oauth/token", app.base_url))
        .basic_auth(&issued.client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.search(access, &f.own_account.name).await.status(), 200);
    // A server with another key knows no such client.
    let other = spawn(|_| {}).await;
    let refused = other
        .http
        .get(other.authorize_url(&issued.client_id, &[("redirect_uri", REDIRECT_URI)]))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

#[tokio::test]
async fn metadata_document_client_ids_on_plain_http_or_private_addresses_are_refused() {
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
    assert_eq!(meta["client_id_metadata_document_supported"], true);
    let challenge = challenge(VERIFIER);
    for (client_id, needle) in [
        ("http://client.example/meta.json", "https"),
        ("https://127.0.0.1/meta.json", "public"),
        ("https://10.0.0.7/meta.json", "public"),
        ("https://169.254.169.254/latest/meta-data", "public"),
        ("https://[::1]/meta.json", "public"),
        ("https://localhost/meta.json", "non-public"),
        ("https://client.example:8443/meta.json", "port"),
    ] {
        let response = app
            .http
            .get(app.authorize_url(
                client_id,
                &[
                    ("redirect_uri", REDIRECT_URI),
                    ("code_challenge", &challenge),
                    ("code_challenge_method", "S256"),
                ],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{client_id}");
        assert!(response.headers().get(LOCATION).is_none(), "{client_id}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client", "{client_id}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{client_id}: {body}"
        );
        let (status, body) = app
            .token(&[
                ("grant_type", "authorization_code"),
                ("client_id", client_id),
                ("code", "x"),
            ])
            .await;
        assert_eq!(status, 401, "{client_id}: {body}");
    }
}

#[tokio::test]
async fn only_an_admin_client_allowed_to_may_leave_pkce_out() {
    let (app, gpt) = spawn_with_admin_client(true).await;
    let f = fixture(&org());
    let secret = gpt.client_secret.clone().unwrap();
    let answer = app.sign_in_with(&gpt.client_id, &f.username, &[]).await;
    let code = param(&answer, "code").unwrap();
    let redeem = |secret: Option<String>| {
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("client_id", gpt.client_id.clone()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT_URI.to_owned()),
        ];
        if let Some(secret) = secret {
            form.push(("client_secret", secret));
        }
        app.http
            .post(format!("{}/oauth/token", app.base_url))
            .form(&form)
            .send()
    };
    assert_eq!(
        redeem(None).await.unwrap().status(),
        401,
        "the secret is needed"
    );
    let redeemed = redeem(Some(secret)).await.unwrap();
    assert_eq!(redeemed.status(), 200, "with its secret and no verifier");
    let tokens: Value = redeemed.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.search(access, &f.own_account.name).await.status(), 200);
    // A registered client cannot leave PKCE out, confidential or not.
    let (_, reg) = app
        .register(json!({
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "client_secret_post",
            "pkce_optional": true,
            "p": true,
        }))
        .await;
    let response = app
        .http
        .get(app.authorize_url(
            reg["client_id"].as_str().unwrap(),
            &[("redirect_uri", REDIRECT_URI)],
        ))
        .send()
        .await
        .unwrap();
    assert_error(response, 400, "invalid_request", "PKCE").await;
}

/// Registers a client through a proxy that says the request came from `client`.
async fn register_from(app: &AsApp, client: &str) -> u16 {
    app.http
        .post(format!("{}/oauth/register", app.base_url))
        .header("x-forwarded-for", format!("198.51.100.200, {client}"))
        .json(&json!({ "redirect_uris": [REDIRECT_URI] }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let proxy = server::client_addr::TrustedProxies::parse_entry("127.0.0.0/8").unwrap();
    let app = spawn(|s| {
        s.oauth.registrations_per_minute = 2;
        s.connections.trusted_proxies = server::client_addr::TrustedProxies::new(vec![proxy]);
    })
    .await;
    assert_eq!(register_from(&app, "203.0.113.1").await, 201);
    assert_eq!(register_from(&app, "203.0.113.1").await, 201);
    assert_eq!(register_from(&app, "203.0.113.1").await, 429);
    // Another client behind the same proxy is not held back; the address the client wrote
    // itself (first in the list) is not the one counted.
    assert_eq!(register_from(&app, "203.0.113.2").await, 201);
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let app = spawn(|s| s.oauth.registrations_per_minute = 2).await;
    assert_eq!(register_from(&app, "203.0.113.1").await, 201);
    assert_eq!(register_from(&app, "203.0.113.2").await, 201);
    // The connection's own address counts: naming another client changes nothing.
    assert_eq!(register_from(&app, "203.0.113.3").await, 429);
}
