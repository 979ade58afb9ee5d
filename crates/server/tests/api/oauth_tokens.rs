//! callbrief's own tokens: their audience, expiry and rotation, the Salesforce session behind
//! them (renewed once for many requests, ended when Salesforce ends it).

use std::time::Duration;

use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{json, Value};
use sim::salesforce::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};

use crate::helpers::{assert_error, org};
use crate::mcp::fixture;
use crate::oauth_server::*;

#[tokio::test]
async fn tokens_are_bound_to_their_resource() {
    let app = spawn(|_| {}).await;
    let f = fixture(&org());
    let client_id = app.client().await;
    let challenge = challenge(VERIFIER);
    let foreign = app
        .http
        .get(app.authorize_url(
            &client_id,
            &[
                ("redirect_uri", REDIRECT_URI),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("resource", "https://other.example/mcp"),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_error(foreign, 400, "invalid_target", "resource").await;

    // A token for /mcp is not one for the REST API, and the token request cannot change it.
    let mcp = format!("{}/mcp", app.base_url);
    let answer = app
        .sign_in(&client_id, &f.username, &[("resource", &mcp)])
        .await;
    let code = param(&answer, "code").unwrap();
    let (status, body) = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
            ("resource", &app.base_url),
        ])
        .await;
    assert_token_refused(status, &body, "invalid_target");
    let (_, tokens) = app.tokens(&f.username, &[("resource", &mcp)]).await;
    let access = tokens["access_token"].as_str().unwrap();
    // Accepted where it was issued for: /mcp answers the rep.
    let at_mcp = app
        .http
        .post(&mcp)
        .bearer_auth(access)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"}
            }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(at_mcp.status(), 200, "the token works at /mcp");
    // Refused on the REST API, the same search a whole-API token may make.
    let rest = app.search(access, &f.own_account.name).await;
    assert_error(rest, 401, "unauthorized", "another resource").await;
    let (_, whole) = app.tokens(&f.username, &[]).await;
    let allowed = app
        .search(whole["access_token"].as_str().unwrap(), &f.own_account.name)
        .await;
    assert_eq!(allowed.status(), 200);
}

#[tokio::test]
async fn a_deactivated_users_session_ends_with_401() {
    // Every request asks Salesforce, so the deactivation is seen at once.
    let app = spawn(|s| s.token_cache_ttl = Duration::ZERO).await;
    let f = fixture(&org());
    let (client_id, tokens) = app.tokens(&f.username, &[]).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.search(access, &f.own_account.name).await.status(), 200);
    let user = org()
        .users
        .iter()
        .find(|u| u.username == f.username)
        .unwrap()
        .id
        .clone();
    app.deactivated.deactivate(&user);
    for _ in 0..2 {
        let response = app.search(access, &f.own_account.name).await;
        assert_eq!(response.status(), 401);
        assert!(response.headers().get(WWW_AUTHENTICATE).is_some());
    }
    // The session is gone: its refresh token no longer works either.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, body) = app
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("refresh_token", refresh),
        ])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_token_refused(status, &body, "invalid_grant");
}

#[tokio::test]
async fn salesforce_tokens_are_not_accepted_in_server_mode() {
    let app = spawn(|_| {}).await;
    let f = fixture(&org());
    let response = app
        .http
        .post(format!("{}/services/oauth2/token", app.salesforce_url))
        .form(&[
            ("grant_type", "password"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("username", f.username.as_str()),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    let sf_token = body["access_token"].as_str().unwrap();
    assert_eq!(
        app.search(sf_token, &f.own_account.name).await.status(),
        401
    );
}

#[tokio::test]
async fn access_tokens_expire_refresh_rotates_and_old_salesforce_tokens_are_renewed() {
    let clock = std::sync::Arc::new(sim::clock::ManualClock::new());
    let app = spawn(|s| {
        s.oauth.clock = clock.clone();
        s.oauth.access_token_ttl = Duration::from_secs(300);
    })
    .await;
    let f = fixture(&org());
    let (client_id, tokens) = app.tokens(&f.username, &[]).await;
    assert_eq!(tokens["expires_in"], 300);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.search(access, &f.own_account.name).await.status(), 200);
    // Past the access token's life (and the 10 minutes after which the stored Salesforce token
    // is renewed before use): the token is refused, and the refresh token gets a working pair.
    clock.advance(Duration::from_secs(11 * 60));
    let expired = app.search(access, &f.own_account.name).await;
    assert_eq!(expired.status(), 401);
    assert!(expired.headers().get(WWW_AUTHENTICATE).is_some());
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, renewed) = app
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("refresh_token", refresh),
        ])
        .await;
    assert_eq!(status, 200, "{renewed}");
    assert_ne!(renewed["refresh_token"], tokens["refresh_token"]);
    let access = renewed["access_token"].as_str().unwrap();
    assert_eq!(app.search(access, &f.own_account.name).await.status(), 200);
}

#[tokio::test]
async fn requests_together_on_a_session_due_for_renewal_make_one_refresh_and_keep_it() {
    let clock = std::sync::Arc::new(sim::clock::ManualClock::new());
    let app = spawn_with(
        |sf| sf.rotate_refresh_tokens = true,
        |s| {
            s.oauth.clock = clock.clone();
            // Access tokens outlive the Salesforce token's renewal age.
            s.oauth.access_token_ttl = Duration::from_secs(3600);
        },
    )
    .await;
    let f = fixture(&org());
    let (_, tokens) = app.tokens(&f.username, &[]).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.search(&access, &f.own_account.name).await.status(), 200);
    assert_eq!(app.refreshes.get(), 0);
    for round in 1..=2 {
        // Past the age at which the stored Salesforce token is renewed before use.
        clock.advance(Duration::from_secs(11 * 60));
        let together = (0..8).map(|_| app.search(&access, &f.own_account.name));
        let statuses: Vec<u16> = futures::future::join_all(together)
            .await
            .iter()
            .map(|r| r.status().as_u16())
            .collect();
        assert_eq!(statuses, [200; 8], "round {round}");
        assert_eq!(app.refreshes.get(), round, "one refresh in round {round}");
    }
    // The session lives on with the rotated refresh token.
    assert_eq!(app.search(&access, &f.own_account.name).await.status(), 200);
}
