//! Tokens: grants, the authorization code flow, expiry, revocation and the API quota.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sim::clock::{Clock, ManualClock};
use sim::org::UserRole;
use sim::salesforce::{SalesforceSimConfig, DEMO_PASSWORD};

use crate::common::*;

#[tokio::test]
async fn token_grants_and_their_errors() {
    let sim = start(SalesforceSimConfig::default()).await;
    let rep = sim.username(UserRole::Rep, 0);
    let ok = [
        ("client_id", "demo-client-id"),
        ("client_secret", "demo-client-secret"),
    ];

    let (status, body) = sim
        .post_token(&[
            ok[0],
            ok[1],
            ("grant_type", "password"),
            ("username", &rep),
            ("password", DEMO_PASSWORD),
        ])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["instance_url"], sim.base.as_str());
    let id = body["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!("{}/id/00D", sim.base)) && id.ends_with(&sim.user_id(&rep)),
        "{id}"
    );
    assert!(body["issued_at"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(body["signature"].is_string() && body["scope"].is_string());
    assert!(body.get("refresh_token").is_none());

    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[
                ok[0],
                ok[1],
                ("grant_type", "password"),
                ("username", &rep),
                ("password", "wrong"),
            ],
            "invalid_grant",
        ),
        (
            &[
                ok[0],
                ok[1],
                ("grant_type", "password"),
                ("username", "nobody@x.com"),
                ("password", DEMO_PASSWORD),
            ],
            "invalid_grant",
        ),
        (
            &[
                ("client_id", "other"),
                ok[1],
                ("grant_type", "client_credentials"),
            ],
            "invalid_client_id",
        ),
        (
            &[
                ok[0],
                ("client_secret", "wrong"),
                ("grant_type", "client_credentials"),
            ],
            "invalid_client",
        ),
        (
            &[
                ok[0],
                ok[1],
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ],
            "unsupported_grant_type",
        ),
        (
            &[
                ok[0],
                ok[1],
                ("grant_type", "refresh_token"),
                ("refresh_token", "5Aepnope"),
            ],
            "invalid_grant",
        ),
    ];
    for (form, error) in cases {
        let (status, body) = sim.post_token(form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form:?}");
        assert_eq!(body["error"], error, "{form:?}: {body}");
        assert!(body["error_description"].is_string());
    }
    let (_, body) = sim
        .post_token(&[
            ok[0],
            ok[1],
            ("grant_type", "password"),
            ("username", &rep),
            ("password", "wrong"),
        ])
        .await;
    assert_eq!(body["error_description"], "authentication failure");

    // client_credentials acts as the integration user; client auth may come as Basic.
    let r = sim
        .http
        .post(format!("{}/services/oauth2/token", sim.base))
        .basic_auth("demo-client-id", Some("demo-client-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let (status, info) = sim.get(token, "/services/oauth2/userinfo", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        info["preferred_username"],
        sim.username(UserRole::Integration, 0).as_str()
    );
    assert!(info["organization_id"].as_str().unwrap().starts_with("00D"));
    let (status, body) = sim.get("garbage", "/services/oauth2/userinfo", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "INVALID_SESSION_ID");
}

#[tokio::test]
async fn authorization_code_flow_keeps_state() {
    let sim = start(SalesforceSimConfig::default()).await;
    let rep = sim.username(UserRole::Rep, 1);
    let callback = "https://chatgpt.com/aip/g-123/oauth/callback";
    let state = "st/ä&x=1 +=";

    let page = sim
        .http
        .get(format!("{}/services/oauth2/authorize", sim.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", "demo-client-id"),
            ("redirect_uri", callback),
            ("state", state),
            ("scope", "api refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for u in &sim.org.users {
        assert!(
            html.contains(&u.username),
            "login page lists {}",
            u.username
        );
    }
    assert!(html.contains(DEMO_PASSWORD));
    assert!(
        html.contains("st/ä&amp;x=1 +="),
        "state is carried, escaped"
    );

    let submit = |password: &'static str| {
        let form = vec![
            ("response_type", "code".to_string()),
            ("client_id", "demo-client-id".to_string()),
            ("redirect_uri", callback.to_string()),
            ("state", state.to_string()),
            ("scope", "api refresh_token".to_string()),
            ("username", rep.clone()),
            ("password", password.to_string()),
        ];
        sim.http
            .post(format!("{}/services/oauth2/authorize", sim.base))
            .form(&form)
            .send()
    };
    let wrong = submit("nope").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("location").is_none());

    let r = submit(DEMO_PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(callback), "{location}");
    let url = url::Url::parse(&location).unwrap();
    let pairs: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], state);
    let code = pairs["code"].clone();

    let (status, body) = sim.exchange(&code, callback).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(body["scope"], "api refresh_token");
    let (_, info) = sim.get(&access, "/services/oauth2/userinfo", &[]).await;
    assert_eq!(info["preferred_username"], rep.as_str());
    assert_eq!(info["user_id"], sim.user_id(&rep).as_str());

    // A code works once.
    let (status, body) = sim.exchange(&code, callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    // The token request must repeat the redirect_uri.
    let r = submit(DEMO_PASSWORD).await.unwrap();
    let url = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let (status, body) = sim.exchange(&code, "https://evil.example/cb").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "redirect_uri_mismatch");

    // The refresh token gives a new access token for the same user.
    let (status, body) = sim
        .post_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", "demo-client-id"),
            ("client_secret", "demo-client-secret"),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again = body["access_token"].as_str().unwrap();
    assert_ne!(again, access);
    let (_, info) = sim.get(again, "/services/oauth2/userinfo", &[]).await;
    assert_eq!(info["preferred_username"], rep.as_str());

    // Deny, an unknown client and a bad response_type.
    let r = sim
        .http
        .post(format!("{}/services/oauth2/authorize", sim.base))
        .form(&[
            ("response_type", "code"),
            ("client_id", "demo-client-id"),
            ("redirect_uri", callback),
            ("state", "s1"),
            ("action", "deny"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap();
    assert!(
        loc.contains("error=access_denied") && loc.contains("state=s1"),
        "{loc}"
    );
    let r = sim
        .http
        .get(format!("{}/services/oauth2/authorize", sim.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", "other"),
            ("redirect_uri", callback),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = sim
        .http
        .get(format!("{}/services/oauth2/authorize", sim.base))
        .query(&[
            ("response_type", "token"),
            ("client_id", "demo-client-id"),
            ("redirect_uri", callback),
            ("state", "s2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=unsupported_response_type"));
}

#[tokio::test]
async fn expired_missing_and_revoked_tokens_answer_401() {
    let clock = ManualClock::new();
    let sim = start(
        SalesforceSimConfig {
            token_ttl: Duration::from_secs(60),
            ..Default::default()
        }
        .with_clock(clock.clone()),
    )
    .await;
    let token = sim.integration().await;
    let q = "SELECT Id FROM Account LIMIT 1";
    clock.advance(Duration::from_secs(59));
    assert_eq!(sim.soql(&token, q).await.0, StatusCode::OK);
    clock.advance(Duration::from_secs(1));
    let (status, body) = sim.soql(&token, q).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        serde_json::json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );

    let r = sim
        .http
        .get(format!("{}/services/data/{V}/query", sim.base))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let token = sim.integration().await;
    let r = sim
        .http
        .post(format!("{}/services/oauth2/revoke", sim.base))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(sim.soql(&token, q).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn issued_at_is_the_clocks_time_in_milliseconds() {
    let issued = chrono::DateTime::parse_from_rfc3339("2025-06-04T09:30:00Z")
        .unwrap()
        .to_utc();
    let clock = ManualClock::starting_at(issued);
    let sim = start(SalesforceSimConfig::default().with_clock(clock.clone())).await;
    let issued_at = |body: &Value| body["issued_at"].as_str().unwrap().parse::<i64>().unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "demo-client-id"),
        ("client_secret", "demo-client-secret"),
    ];
    let (_, first) = sim.post_token(&form).await;
    assert_eq!(issued_at(&first), issued.timestamp_millis());
    clock.advance(Duration::from_millis(1500));
    let (_, second) = sim.post_token(&form).await;
    assert_eq!(issued_at(&second), clock.utc().timestamp_millis());
    assert_eq!(issued_at(&second) - issued_at(&first), 1500);
}

#[tokio::test]
async fn the_api_quota_answers_403_when_used_up() {
    let sim = start(SalesforceSimConfig {
        api_quota: Some(2),
        ..Default::default()
    })
    .await;
    let token = sim.integration().await;
    let q = "SELECT Id FROM Account LIMIT 1";
    assert_eq!(sim.soql(&token, q).await.0, StatusCode::OK);
    assert_eq!(sim.sosl(&token, "FIND {Acme}").await.0, StatusCode::OK);
    let (status, body) = sim.soql(&token, q).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "REQUEST_LIMIT_EXCEEDED");
    // OAuth does not count: tokens are still issued.
    sim.integration().await;
}

#[tokio::test]
async fn public_url_is_reported_as_instance_url() {
    let sim = start(SalesforceSimConfig {
        public_url: Some("https://sf.example.test/".into()),
        ..Default::default()
    })
    .await;
    let (_, body) = sim
        .post_token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client-id"),
            ("client_secret", "demo-client-secret"),
        ])
        .await;
    assert_eq!(body["instance_url"], "https://sf.example.test");
}
