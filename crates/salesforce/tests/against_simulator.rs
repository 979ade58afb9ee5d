//! The client against the Salesforce simulator over real HTTP: the two-action flow, paging,
//! per-user tokens, escaping of hostile text, and a token that expires mid-session.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use salesforce::datetime::parse_datetime;
use salesforce::escape::{soql_like_contains, soql_string_literal, sosl_term};
use salesforce::{Credentials, SalesforceClient, SalesforceConfig, SalesforceError, SecretString};
use serde::Deserialize;
use sim::clock::ManualClock;
use sim::org::{SampleOrg, UserRole};
use sim::salesforce::{
    spawn, SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD,
};
use url::Url;

async fn start(config: SalesforceSimConfig) -> (Arc<SampleOrg>, String) {
    let org = Arc::new(SampleOrg::generate(
        NaiveDate::from_ymd_opt(2025, 6, 4).unwrap(),
    ));
    let sim = spawn(org.clone(), config).await.unwrap();
    (org, sim.base_url)
}

fn client(base: &str, credentials: Credentials) -> SalesforceClient {
    let mut config = SalesforceConfig::new(Url::parse(base).unwrap(), credentials);
    config.api_version = "v59.0".into();
    SalesforceClient::new(config).unwrap()
}

fn password(username: &str) -> Credentials {
    Credentials::Password {
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: SecretString::from(DEMO_CLIENT_SECRET),
        username: username.into(),
        password: SecretString::from(DEMO_PASSWORD),
    }
}

fn integration() -> Credentials {
    Credentials::ClientCredentials {
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: SecretString::from(DEMO_CLIENT_SECRET),
    }
}

#[derive(Debug, Deserialize)]
struct Call {
    #[serde(rename = "Gong__Call_ID__c")]
    call_id: String,
    #[serde(rename = "Gong__Title__c")]
    title: String,
    #[serde(rename = "Gong__Call_Start__c")]
    start: String,
}

#[tokio::test]
async fn the_two_action_flow_with_escaped_input() {
    let (org, base) = start(SalesforceSimConfig::default()).await;
    let acme = org.account_by_name("Acme Logistics").unwrap();
    let owner = org.users.iter().find(|u| u.id == acme.owner_id).unwrap();
    let client = client(&base, password(&owner.username));

    let me = client.userinfo().await.unwrap();
    assert_eq!(me.user_id, owner.id);

    let sosl = format!(
        "FIND {{{}}} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5",
        sosl_term("Acme")
    );
    let hits = client.search(&sosl).await.unwrap();
    let id = hits.iter().find(|h| h["Name"] == "Acme Logistics").unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(id, acme.id);

    let soql = format!(
        "SELECT Gong__Call_ID__c, Gong__Title__c, Gong__Call_Start__c FROM Gong__Gong_Call__c \
         WHERE Gong__Primary_Account__c = {} ORDER BY Gong__Call_Start__c DESC LIMIT 2",
        soql_string_literal(&id)
    );
    let calls: Vec<Call> = client.query(&soql).await.unwrap();
    assert_eq!(calls.len(), 2);
    let newest = org
        .calls
        .iter()
        .filter(|c| c.account_id == id)
        .max_by_key(|c| c.started)
        .unwrap();
    assert_eq!(calls[0].call_id, newest.gong_id);
    assert_eq!(calls[0].title, newest.title);
    assert_eq!(parse_datetime(&calls[0].start), Some(newest.started));

    let record = client.get_record("Account", &id).await.unwrap().unwrap();
    assert_eq!(record["Name"], "Acme Logistics");

    // Hostile text stays one literal or one term: the simulator parses every query.
    for hostile in [
        "O'Brien",
        "x' OR Name != '",
        "\\",
        "a\\'b",
        "}{ RETURNING User(Id)",
        "50%_\"\n\t",
        "' ) --",
        "*?",
    ] {
        let q = format!(
            "SELECT Id FROM Account WHERE Name = {}",
            soql_string_literal(hostile)
        );
        let rows: Vec<serde_json::Value> = client.query(&q).await.unwrap();
        assert!(rows.is_empty(), "{hostile:?} matched something");
        let q = format!(
            "SELECT Id FROM Account WHERE Name LIKE {}",
            soql_like_contains(hostile)
        );
        let rows: Vec<serde_json::Value> = client.query(&q).await.unwrap();
        assert!(rows.is_empty(), "{hostile:?} LIKE matched something");
        let term = format!("{hostile} zz");
        let s = format!("FIND {{{}}} RETURNING Account(Id)", sosl_term(&term));
        let hits = client.search(&s).await.unwrap();
        assert!(hits.is_empty(), "{hostile:?} found something");
    }
    let rows: Vec<serde_json::Value> = client
        .query(&format!(
            "SELECT Id FROM Account WHERE Name LIKE {}",
            soql_like_contains("me Logis")
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);

    let e = client
        .query::<serde_json::Value>("SELECT Id FORM Account")
        .await
        .unwrap_err();
    assert!(
        e.is_bad_query() && e.error_code() == Some("MALFORMED_QUERY"),
        "{e:?}"
    );
}

#[tokio::test]
async fn paging_and_per_user_tokens() {
    let (org, base) = start(SalesforceSimConfig {
        page_size: 4,
        ..Default::default()
    })
    .await;
    let service = client(&base, integration());
    let all: Vec<serde_json::Value> = service
        .query("SELECT Id FROM Gong__Gong_Call__c")
        .await
        .unwrap();
    assert_eq!(all.len(), org.calls.len());
    assert!(org.calls.len() > 8);

    // A user's token (from a password login here) sees only that user's share.
    let rep = org.users.iter().find(|u| u.role == UserRole::Rep).unwrap();
    let form = [
        ("grant_type", "password"),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
        ("username", rep.username.as_str()),
        ("password", DEMO_PASSWORD),
    ];
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/services/oauth2/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = SecretString::from(body["access_token"].as_str().unwrap().to_string());
    let user = service.with_access_token(token);
    assert_eq!(user.userinfo().await.unwrap().user_id, rep.id);
    let mine: Vec<serde_json::Value> = user.query("SELECT Id FROM Account").await.unwrap();
    let want = org
        .accounts
        .iter()
        .filter(|a| a.owner_id == rep.id || a.shared_with.contains(&rep.id))
        .count();
    assert_eq!(mine.len(), want);
    assert!(want < org.accounts.len());
    let hidden = org
        .accounts
        .iter()
        .find(|a| a.owner_id != rep.id && !a.shared_with.contains(&rep.id))
        .unwrap();
    assert_eq!(user.get_record("Account", &hidden.id).await.unwrap(), None);
    assert!(service
        .get_record("Account", &hidden.id)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn expired_service_tokens_are_replaced_and_user_tokens_are_not() {
    let clock = ManualClock::new();
    let (_, base) = start(
        SalesforceSimConfig {
            token_ttl: Duration::from_secs(60),
            ..Default::default()
        }
        .with_clock(clock.clone()),
    )
    .await;
    let service = client(&base, integration());
    assert!(!service.search("FIND {Acme}").await.unwrap().is_empty());
    // The token the client holds is now past its lifetime: the client signs in again.
    clock.advance(Duration::from_secs(60));
    assert!(!service.search("FIND {Acme}").await.unwrap().is_empty());

    let user = service.with_access_token(SecretString::from("00Dnot-a-token"));
    let e = user.search("FIND {Acme}").await.unwrap_err();
    assert!(
        matches!(&e, SalesforceError::Unauthorized { code, .. } if code == "INVALID_SESSION_ID"),
        "{e:?}"
    );

    let wrong = client(
        &base,
        Credentials::Password {
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: SecretString::from(DEMO_CLIENT_SECRET),
            username: "nobody@callbrief-demo.com".into(),
            password: SecretString::from("x"),
        },
    );
    let e = wrong.userinfo().await.unwrap_err();
    assert!(
        matches!(&e, SalesforceError::Auth { error, .. } if error == "invalid_grant"),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_quota_surfaces_as_request_limit() {
    let (_, base) = start(SalesforceSimConfig {
        api_quota: Some(1),
        ..Default::default()
    })
    .await;
    let service = client(&base, integration());
    service.search("FIND {Acme}").await.unwrap();
    let e = service.search("FIND {Acme}").await.unwrap_err();
    assert!(matches!(e, SalesforceError::RequestLimit { .. }), "{e:?}");
}
