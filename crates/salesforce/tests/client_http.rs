//! Exact request shapes and failure handling of the client against a mock Salesforce.

use std::time::Duration;

use salesforce::{Credentials, SalesforceClient, SalesforceConfig, SalesforceError, SecretString};
use serde::Deserialize;
use serde_json::json;
use url::Url;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn config(server: &MockServer, credentials: Credentials) -> SalesforceConfig {
    let url = Url::parse(&server.uri()).unwrap();
    SalesforceConfig::new(url, credentials)
}

fn token(t: &str) -> Credentials {
    Credentials::AccessToken(SecretString::from(t.to_string()))
}

fn service() -> Credentials {
    Credentials::ClientCredentials {
        client_id: "cid".into(),
        client_secret: SecretString::from("csecret"),
    }
}

fn form_of(req: &Request) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    pairs.sort();
    pairs
}

fn token_answer(server: &MockServer, access: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": access,
        "instance_url": server.uri(),
        "id": format!("{}/id/00D000000000001AAA/005000000000001AAA", server.uri()),
        "token_type": "Bearer",
        "issued_at": "1700000000000",
        "signature": "c2ln",
        "scope": "api",
    }))
}

fn invalid_session() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
    )
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Account {
    id: String,
    name: String,
}

#[tokio::test]
async fn query_sends_the_token_and_follows_next_records_url() {
    let server = MockServer::start().await;
    let soql = "SELECT Id, Name FROM Account WHERE Name = 'O\\'Brien & Co' ORDER BY Name";
    Mock::given(method("GET"))
        .and(path("/services/data/v65.0/query"))
        .and(query_param("q", soql))
        .and(header("authorization", "Bearer tok-1"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalSize": 3, "done": false,
            "nextRecordsUrl": "/services/data/v65.0/query/01gD0000002HU6KIAW-2",
            "records": [
                {"attributes": {"type": "Account", "url": "/services/data/v65.0/sobjects/Account/001A"}, "Id": "001A", "Name": "A"},
                {"attributes": {"type": "Account", "url": "/services/data/v65.0/sobjects/Account/001B"}, "Id": "001B", "Name": "B"}
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/services/data/v65.0/query/01gD0000002HU6KIAW-2"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalSize": 3, "done": true,
            "records": [{"attributes": {"type": "Account"}, "Id": "001C", "Name": "C"}]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = SalesforceClient::new(config(&server, token("tok-1"))).unwrap();
    let rows: Vec<Account> = client.query(soql).await.unwrap();
    let names: Vec<&str> = rows.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "C"]);

    // The q parameter is form-encoded: spaces as '+', reserved characters percent-encoded.
    let requests = server.received_requests().await.unwrap();
    let raw = requests[0].url.query().unwrap();
    assert_eq!(
        raw,
        "q=SELECT+Id%2C+Name+FROM+Account+WHERE+Name+%3D+%27O%5C%27Brien+%26+Co%27+ORDER+BY+Name"
    );
    assert!(requests[1].url.query().is_none());
}

#[tokio::test]
async fn client_credentials_token_request_and_instance_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/oauth2/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(|req: &Request| {
            form_of(req)
                == vec![
                    ("client_id".to_string(), "cid".to_string()),
                    ("client_secret".to_string(), "csecret".to_string()),
                    ("grant_type".to_string(), "client_credentials".to_string()),
                ]
        })
        .respond_with(token_answer(&server, "svc-1"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/services/data/v59.0/search"))
        .and(query_param(
            "q",
            "FIND {Acme} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5",
        ))
        .and(header("authorization", "Bearer svc-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"searchRecords": [
                {"attributes": {"type": "Account"}, "Id": "001A", "Name": "Acme"}
            ]})),
        )
        .expect(2)
        .mount(&server)
        .await;

    // Configured instance URL is unreachable; the token's instance_url is used.
    let mut cfg = config(&server, service());
    cfg.instance_url = Url::parse("http://127.0.0.1:9").unwrap();
    cfg.login_url = Url::parse(&server.uri()).unwrap();
    cfg.api_version = "59.0".into();
    let client = SalesforceClient::new(cfg).unwrap();
    for _ in 0..2 {
        let hits = client
            .search("FIND {Acme} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5")
            .await
            .unwrap();
        assert_eq!(hits[0]["Name"], "Acme");
    }
}

#[tokio::test]
async fn password_token_request_has_every_field() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/oauth2/token"))
        .and(|req: &Request| {
            form_of(req)
                == vec![
                    ("client_id".to_string(), "cid".to_string()),
                    ("client_secret".to_string(), "cs&=".to_string()),
                    ("grant_type".to_string(), "password".to_string()),
                    ("password".to_string(), "p@ss word+1".to_string()),
                    ("username".to_string(), "maya@x.com".to_string()),
                ]
        })
        .respond_with(token_answer(&server, "pw-1"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/services/oauth2/userinfo"))
        .and(header("authorization", "Bearer pw-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sub": "x", "user_id": "005A", "organization_id": "00DA", "preferred_username": "maya@x.com",
            "name": "Maya Chen", "email": "maya@x.com", "extra": {"ignored": true}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(
        &server,
        Credentials::Password {
            client_id: "cid".into(),
            client_secret: SecretString::from("cs&="),
            username: "maya@x.com".into(),
            password: SecretString::from("p@ss word+1"),
        },
    ))
    .unwrap();
    let me = client.userinfo().await.unwrap();
    assert_eq!(me.user_id, "005A");
    assert_eq!(me.preferred_username, "maya@x.com");
    assert_eq!(me.name, "Maya Chen");
}

#[tokio::test]
async fn a_rejected_service_token_is_replaced_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/oauth2/token"))
        .respond_with(token_answer(&server, "old"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/services/oauth2/token"))
        .respond_with(token_answer(&server, "new"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer old"))
        .respond_with(invalid_session())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/services/data/v65.0/query"))
        .and(header("authorization", "Bearer new"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"totalSize": 0, "done": true, "records": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(&server, service())).unwrap();
    let rows: Vec<serde_json::Value> = client.query("SELECT Id FROM Account").await.unwrap();
    assert!(rows.is_empty());
}

#[tokio::test]
async fn a_second_401_is_an_error_not_a_loop() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/oauth2/token"))
        .respond_with(token_answer(&server, "t"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(invalid_session())
        .expect(2)
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(&server, service())).unwrap();
    let e = client.search("FIND {Acme}").await.unwrap_err();
    assert!(
        matches!(&e, SalesforceError::Unauthorized { code, .. } if code == "INVALID_SESSION_ID"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_given_token_is_never_refreshed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(token_answer(&server, "x"))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(invalid_session())
        .expect(1)
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(&server, token("user-token"))).unwrap();
    let e = client.userinfo().await.unwrap_err();
    assert!(matches!(e, SalesforceError::Unauthorized { .. }), "{e:?}");
}

#[tokio::test]
async fn with_access_token_acts_as_that_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(token_answer(&server, "svc"))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/services/data/v65.0/sobjects/Account/001000000000001AAA",
        ))
        .and(header("authorization", "Bearer user-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"attributes": {"type": "Account"}, "Id": "001000000000001AAA"}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/services/data/v65.0/sobjects/Account/001000000000002AAA",
        ))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(&server, service())).unwrap();
    let user = client.with_access_token(SecretString::from("user-2"));
    let rec = user
        .get_record("Account", "001000000000001AAA")
        .await
        .unwrap();
    assert_eq!(rec.unwrap()["Id"], "001000000000001AAA");
    assert_eq!(
        user.get_record("Account", "001000000000002AAA")
            .await
            .unwrap(),
        None
    );
    for (object, id) in [
        ("Account", "../../x"),
        ("Account", "001' OR 1"),
        ("Acc/ount", "001000000000001AAA"),
    ] {
        let e = user.get_record(object, id).await.unwrap_err();
        assert!(
            matches!(e, SalesforceError::InvalidArgument(_)),
            "{object} {id}: {e:?}"
        );
    }
}

#[tokio::test]
async fn error_answers_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("q", "SELECT Id FORM Account"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!([{
            "message": "\nSELECT Id FORM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FORM'",
            "errorCode": "MALFORMED_QUERY"
        }])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(query_param("q", "SELECT Id FROM Account"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/services/data/v65.0/search"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(&server, token("t"))).unwrap();
    let e = client
        .query::<serde_json::Value>("SELECT Id FORM Account")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SalesforceError::Api { status: 400, code, message } if code == "MALFORMED_QUERY" && message.contains("Column:11")),
        "{e:?}"
    );
    assert!(e.is_bad_query());
    let e = client
        .query::<serde_json::Value>("SELECT Id FROM Account")
        .await
        .unwrap_err();
    assert!(matches!(e, SalesforceError::RequestLimit { .. }), "{e:?}");
    assert_eq!(e.error_code(), Some("REQUEST_LIMIT_EXCEEDED"));
    let e = client.search("FIND {x}").await.unwrap_err();
    assert!(
        matches!(&e, SalesforceError::Api { status: 503, message, .. } if message.contains("maintenance")),
        "{e:?}"
    );
}

#[tokio::test]
async fn login_failures_are_auth_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "invalid_client", "error_description": "invalid client credentials"}),
        ))
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(&server, service())).unwrap();
    let e = client.search("FIND {Acme}").await.unwrap_err();
    assert!(
        matches!(&e, SalesforceError::Auth { error, .. } if error == "invalid_client"),
        "{e:?}"
    );
    assert!(!e.to_string().contains("csecret"));
}

#[tokio::test]
async fn next_records_url_elsewhere_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalSize": 2, "done": false, "nextRecordsUrl": "https://evil.example/services/data/v65.0/query/x-1",
            "records": [{"Id": "1"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(&server, token("t"))).unwrap();
    let e = client
        .query::<serde_json::Value>("SELECT Id FROM Account")
        .await
        .unwrap_err();
    assert!(matches!(e, SalesforceError::InvalidResponse(_)), "{e:?}");
}

#[tokio::test]
async fn records_of_the_wrong_shape_are_invalid_responses() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"totalSize": 1, "done": true, "records": [{"Id": 5}]})),
        )
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(&server, token("t"))).unwrap();
    let e = client
        .query::<Account>("SELECT Id FROM Account")
        .await
        .unwrap_err();
    assert!(matches!(e, SalesforceError::InvalidResponse(_)), "{e:?}");
}

#[tokio::test]
async fn request_timeout_and_overall_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"searchRecords": []}))
                .set_delay(Duration::from_millis(800)),
        )
        .mount(&server)
        .await;
    let mut cfg = config(&server, token("t"));
    cfg.request_timeout = Duration::from_millis(200);
    let client = SalesforceClient::new(cfg).unwrap();
    let e = client.search("FIND {Acme}").await.unwrap_err();
    // One request too slow reads like the whole operation too slow: both are timeouts.
    assert!(
        matches!(e, SalesforceError::DeadlineExceeded(d) if d == Duration::from_millis(200)),
        "{e:?}"
    );

    let mut cfg = config(&server, token("t"));
    cfg.deadline = Duration::from_millis(200);
    let client = SalesforceClient::new(cfg).unwrap();
    let e = client.search("FIND {Acme}").await.unwrap_err();
    assert!(matches!(e, SalesforceError::DeadlineExceeded(_)), "{e:?}");
}

#[tokio::test]
async fn bare_array_search_answers_are_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"Id": "001A"}])))
        .mount(&server)
        .await;
    let client = SalesforceClient::new(config(&server, token("t"))).unwrap();
    assert_eq!(client.search("FIND {Acme}").await.unwrap().len(), 1);
}
