//! What the client sends to Gong: paths, methods, headers, bodies, cursors, batches.

mod common;

use common::*;
use gong::{wire, GongAuth, GongClient};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[tokio::test]
async fn transcript_and_extensive_requests_have_the_middleware_shape_on_every_page() {
    let server = MockServer::start().await;
    let filter = json!({"callIds": ["111", "222"]});
    post("/v2/calls/transcript")
        .and(header("authorization", BASIC))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(json!({"filter": filter})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(transcript_page(&["111"], Some("t-c1"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    post("/v2/calls/transcript")
        .and(body_json(json!({"cursor": "t-c1", "filter": filter})))
        .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&["222"], None)))
        .expect(1)
        .mount(&server)
        .await;
    // Parties and Gong's call intelligence come in the one request the middleware made.
    let selector = json!({"exposedFields": {
        "parties": true,
        "content": {"brief": true, "keyPoints": true, "topics": true, "highlights": true,
                    "callOutcome": true, "trackers": true, "trackerOccurrences": true},
        "interaction": {"speakers": true}
    }});
    post("/v2/calls/extensive")
        .and(header("authorization", BASIC))
        .and(body_json(
            json!({"filter": filter, "contentSelector": selector}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(extensive_page(&["111"], Some("e-c1"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .and(body_json(
            json!({"cursor": "e-c1", "filter": filter, "contentSelector": selector}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(extensive_page(&["222"], None)))
        .expect(1)
        .mount(&server)
        .await;

    let client = GongClient::new(config(&server)).unwrap();
    let data = client
        .calls_with_transcripts(&ids(&["111", "222"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["111", "222"]);
    let call_ids: Vec<&str> = data.calls.iter().map(|c| c.meta_data.id.as_str()).collect();
    assert_eq!(call_ids, ["111", "222"]);
    assert_eq!(data.calls[0].parties[0].name.as_deref(), Some("Ann"));
    assert_eq!(data.calls[0].meta_data.duration, Some(1800));
    assert!(data.transcript_error.is_none() && data.metadata_error.is_none());
    assert!(data.failed_call_ids.is_empty());
    server.verify().await;

    let requests = server.received_requests().await.unwrap();
    let agent = requests[0].headers["user-agent"].to_str().unwrap();
    assert!(agent.starts_with("callbrief/"), "{agent}");
}

#[test]
fn parties_only_selector_serializes_exactly_as_the_middleware() {
    let value = serde_json::to_value(wire::ContentSelector::parties_only()).unwrap();
    assert_eq!(value, json!({"exposedFields": {"parties": true}}));
}

async fn authorization_sent_for(auth: GongAuth, expected: &str) {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .and(header("authorization", expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&["1"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config_for(&server.uri(), auth)).unwrap();
    let transcripts = client.transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(transcript_ids(&transcripts), ["1"]);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].headers.get_all("authorization").iter().count(),
        1
    );
}

#[tokio::test]
async fn authorization_for_all_three_kinds_of_credentials() {
    authorization_sent_for(basic_auth(), BASIC).await;
    authorization_sent_for(
        GongAuth::Encoded(SecretString::from("c2VlZC1rZXk6c2VlZC1zZWNyZXQ=")),
        "Basic c2VlZC1rZXk6c2VlZC1zZWNyZXQ=",
    )
    .await;
    authorization_sent_for(
        GongAuth::Bearer(SecretString::from("oauth-token-1")),
        "Bearer oauth-token-1",
    )
    .await;
}

#[tokio::test]
async fn base_url_with_v2_suffix_reaches_the_same_paths() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&["1"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let base = format!("{}/v2/", server.uri());
    let client = GongClient::new(config_for(&base, basic_auth())).unwrap();
    client.transcripts(&ids(&["1"])).await.unwrap();
}

#[tokio::test]
async fn follows_cursors_across_three_pages_in_order() {
    let server = MockServer::start().await;
    let filter = json!({"callIds": ["1", "2", "3", "4", "5"]});
    for (cursor, page, next) in [
        (None, vec!["1", "2"], Some("c1")),
        (Some("c1"), vec!["3", "4"], Some("c2")),
        (Some("c2"), vec!["5"], None),
    ] {
        let mut body = json!({"filter": filter});
        if let Some(cursor) = cursor {
            body["cursor"] = json!(cursor);
        }
        post("/v2/calls/transcript")
            .and(body_json(body))
            .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&page, next)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = GongClient::new(config(&server)).unwrap();
    let transcripts = client
        .transcripts(&ids(&["1", "2", "3", "4", "5"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&transcripts), ["1", "2", "3", "4", "5"]);
}

/// Answers each transcript request with exactly the transcripts it asked for.
struct EchoTranscripts;

impl Respond for EchoTranscripts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let asked = call_ids_of(request);
        let asked: Vec<&str> = asked.iter().map(String::as_str).collect();
        ResponseTemplate::new(200).set_body_json(transcript_page(&asked, None))
    }
}

#[tokio::test]
async fn long_id_lists_are_split_into_batches_of_at_most_100() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(EchoTranscripts)
        .expect(3)
        .mount(&server)
        .await;
    let all: Vec<String> = (1..=250).map(|i| format!("{}", 9_000_000 + i)).collect();
    let client = GongClient::new(config(&server)).unwrap();
    let asked: Vec<CallId> = all.iter().map(|i| id(i)).collect();
    let transcripts = client.transcripts(&asked).await.unwrap();

    // Results keep the order of the ids, batch after batch.
    let got: Vec<String> = transcripts.into_iter().map(|t| t.call_id).collect();
    assert_eq!(got, all);

    let requests = server.received_requests().await.unwrap();
    let mut sizes: Vec<usize> = requests.iter().map(|r| call_ids_of(r).len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [50, 100, 100]);
    let mut sent: Vec<String> = requests.iter().flat_map(call_ids_of).collect();
    sent.sort();
    let mut expected = all.clone();
    expected.sort();
    assert_eq!(sent, expected, "every id sent exactly once");
}

#[tokio::test]
async fn batch_size_is_configurable() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(EchoTranscripts)
        .expect(3)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.batch_size = 2;
    let client = GongClient::new(config).unwrap();
    let transcripts = client
        .transcripts(&ids(&["1", "2", "3", "4", "5"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&transcripts), ["1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn duplicate_ids_are_sent_once() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .and(body_json(json!({"filter": {"callIds": ["7", "8", "9"]}})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(transcript_page(&["7", "8", "9"], None)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let transcripts = client
        .transcripts(&ids(&["7", "8", "7", "9", "8", "7"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&transcripts), ["7", "8", "9"]);
}

#[tokio::test]
async fn no_ids_means_no_request() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let data = client.calls_with_transcripts(&[]).await.unwrap();
    assert!(data.transcripts.is_empty() && data.calls.is_empty());
    let selector = wire::ContentSelector::parties_only();
    assert!(client.extensive(&[], &selector).await.unwrap().is_empty());
}

#[tokio::test]
async fn extensive_sends_the_given_selector() {
    let server = MockServer::start().await;
    let selector = wire::ContentSelector {
        context: Some("Extended".into()),
        exposed_fields: wire::ExposedFields {
            parties: true,
            content: Some(wire::ContentFields {
                brief: true,
                key_points: true,
                topics: false,
                ..Default::default()
            }),
            interaction: None,
        },
    };
    post("/v2/calls/extensive")
        .and(body_json(json!({
            "filter": {"callIds": ["5"]},
            "contentSelector": {
                "context": "Extended",
                "exposedFields": {"parties": true, "content": {"brief": true, "keyPoints": true, "topics": false}}
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(extensive_page(&["5"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let calls = client.extensive(&ids(&["5"]), &selector).await.unwrap();
    assert_eq!(calls[0].meta_data.title.as_deref(), Some("Call 5"));
}

#[tokio::test]
async fn list_calls_follows_query_cursors() {
    let server = MockServer::start().await;
    let page = |ids: &[&str], cursor: Option<&str>| {
        let mut records =
            json!({"totalRecords": 3, "currentPageSize": ids.len(), "currentPageNumber": 0});
        if let Some(c) = cursor {
            records["cursor"] = json!(c);
        }
        json!({
            "requestId": "r",
            "records": records,
            "calls": ids.iter().map(|id| json!({"id": id, "title": format!("Call {id}")})).collect::<Vec<_>>()
        })
    };
    Mock::given(method("GET"))
        .and(path("/v2/calls"))
        .and(header("authorization", BASIC))
        .and(query_param("fromDateTime", "2024-01-01T00:00:00Z"))
        .and(query_param("toDateTime", "2024-02-01T00:00:00Z"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&["1", "2"], Some("g1"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/calls"))
        .and(query_param("fromDateTime", "2024-01-01T00:00:00Z"))
        .and(query_param("cursor", "g1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&["3"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let calls = client
        .list_calls("2024-01-01T00:00:00Z", Some("2024-02-01T00:00:00Z"))
        .await
        .unwrap();
    let got: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(got, ["1", "2", "3"]);
}

#[tokio::test]
async fn list_calls_without_end_sends_no_to_date_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/calls"))
        .and(query_param_is_missing("toDateTime"))
        .respond_with(no_calls_found())
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    assert!(client
        .list_calls("2024-01-01T00:00:00Z", None)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn users_follow_cursors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "requestId": "r",
            "records": {"totalRecords": 2, "currentPageSize": 1, "currentPageNumber": 0, "cursor": "u1"},
            "users": [{"id": "u-1", "emailAddress": "rep@callbrief.test", "firstName": "Rita"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .and(query_param("cursor", "u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "requestId": "r",
            "records": {"totalRecords": 2, "currentPageSize": 1, "currentPageNumber": 1},
            "users": [{"id": "u-2"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let users = client.users().await.unwrap();
    let got: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(got, ["u-1", "u-2"]);
    assert_eq!(users[0].first_name.as_deref(), Some("Rita"));
}

#[tokio::test]
async fn debug_output_never_shows_credentials() {
    let client = GongClient::new(config_for(
        "https://x.api.gong.io",
        GongAuth::Basic {
            access_key: "k".into(),
            access_key_secret: SecretString::from("very-secret-value"),
        },
    ))
    .unwrap();
    let debug = format!("{client:?}");
    assert!(debug.contains("x.api.gong.io"));
    assert!(!debug.contains("very-secret-value"));
    let encoded = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        "k:very-secret-value",
    );
    assert!(!debug.contains(&encoded), "no base64 of it either");
}

/// Answers listings: the newest slice in two pages (a cursor, then none), older slices with
/// Gong's "no calls" 404; with `endless`, every page carries a fresh cursor.
struct Listing {
    endless: bool,
}

impl Respond for Listing {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let cursor = body["cursor"].as_str();
        if self.endless {
            let next = format!("{}x", cursor.unwrap_or("c"));
            return ResponseTemplate::new(200).set_body_json(extensive_page(&["111"], Some(&next)));
        }
        match cursor {
            Some("c1") => ResponseTemplate::new(200).set_body_json(extensive_page(&["222"], None)),
            Some(_) => gong_error(400, "cursor: invalid or expired cursor"),
            None if body["filter"]["toDateTime"] == body["filter"]["fromDateTime"] => {
                gong_error(400, "empty window")
            }
            None => {
                let from = body["filter"]["fromDateTime"].as_str().unwrap_or_default();
                let to = body["filter"]["toDateTime"].as_str().unwrap_or_default();
                let days = chrono::DateTime::parse_from_rfc3339(to).unwrap()
                    - chrono::DateTime::parse_from_rfc3339(from).unwrap();
                if days == chrono::TimeDelta::days(7) {
                    ResponseTemplate::new(200).set_body_json(extensive_page(&["111"], Some("c1")))
                } else {
                    no_calls_found()
                }
            }
        }
    }
}

#[tokio::test]
async fn recent_calls_list_date_slices_with_parties_and_follow_cursors() {
    let server = MockServer::start().await;
    post("/v2/calls/extensive")
        .and(header("authorization", BASIC))
        .respond_with(Listing { endless: false })
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let request = gong::ListingRequest {
        window_days: 10,
        max_pages: 5,
        ttl: std::time::Duration::from_secs(60),
    };
    let listing = client.recent_calls(request).await.unwrap();
    assert!(listing.complete && !listing.reused);
    assert_eq!(listing.pages, 2);
    let got: Vec<&str> = listing
        .calls
        .iter()
        .map(|c| c.meta_data.id.as_str())
        .collect();
    assert_eq!(got, ["222", "111"], "newest first");
    assert_eq!(
        listing.to - listing.covered_from,
        chrono::TimeDelta::days(10)
    );

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        3,
        "two pages of the newest slice, one older slice"
    );
    let bodies: Vec<serde_json::Value> = requests
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let first = &bodies[0];
    let to = listing
        .to
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let week_ago = (listing.to - chrono::TimeDelta::days(7))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        first,
        &json!({
            "filter": {"fromDateTime": week_ago, "toDateTime": to},
            "contentSelector": {"exposedFields": {"parties": true}}
        })
    );
    // The follow-up repeats the request with the cursor.
    let mut follow_up = first.clone();
    follow_up["cursor"] = json!("c1");
    assert_eq!(bodies[1], follow_up);
    let start = (listing.to - chrono::TimeDelta::days(10))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        bodies[2]["filter"],
        json!({"fromDateTime": start, "toDateTime": week_ago})
    );

    // A second listing within the TTL costs no request.
    let again = client.recent_calls(request).await.unwrap();
    assert!(again.reused);
    assert_eq!(again.calls.len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn recent_calls_stop_at_the_page_bound() {
    let server = MockServer::start().await;
    post("/v2/calls/extensive")
        .respond_with(Listing { endless: true })
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let listing = client
        .recent_calls(gong::ListingRequest {
            window_days: 365,
            max_pages: 3,
            ttl: std::time::Duration::ZERO,
        })
        .await
        .unwrap();
    assert!(!listing.complete);
    assert_eq!(listing.pages, 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(
        listing.covered_from, listing.to,
        "not even the newest slice was read whole"
    );
}

#[tokio::test]
async fn a_listing_keeps_its_newest_pages_when_the_daily_budget_runs_down() {
    let server = MockServer::start().await;
    post("/v2/calls/extensive")
        .respond_with(Listing { endless: false })
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.daily_quota = 3;
    config.daily_reserve = 1;
    let client = GongClient::new(config).unwrap();
    let request = gong::ListingRequest {
        window_days: 30,
        max_pages: 10,
        ttl: std::time::Duration::ZERO,
    };
    let listing = client.recent_calls(request).await.unwrap();
    // The newest slice's two pages, then the budget is down to its reserve.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(!listing.complete);
    assert_eq!(listing.calls.len(), 2);
    assert_eq!(
        listing.to - listing.covered_from,
        chrono::TimeDelta::days(7)
    );
    // With nothing read yet, the refusal is the answer.
    let refused = client.recent_calls(request).await.unwrap_err();
    assert!(
        matches!(refused, gong::GongError::QuotaExhausted { .. }),
        "{refused:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
