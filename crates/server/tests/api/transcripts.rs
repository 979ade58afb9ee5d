//! The happy path and the improvements over the original middleware: full content, every page,
//! notFound, duplicates, order.

use serde_json::json;
use sim::org::{UNLISTED_SPEAKER_ACCOUNT, UNNAMED_PARTY_ACCOUNT};

use crate::helpers::*;

fn newest_call_of(account_name: &str) -> sim::org::Call {
    let org = org();
    let account = org.account_by_name(account_name).expect("account");
    let call = org
        .calls_for_account(&account.id)
        .next()
        .expect("call")
        .clone();
    call
}

#[tokio::test]
async fn transcripts_match_the_original_format_and_the_org_data() {
    let app = spawn_app().await;
    let unnamed = newest_call_of(UNNAMED_PARTY_ACCOUNT);
    let unlisted = newest_call_of(UNLISTED_SPEAKER_ACCOUNT);
    let ids = [unnamed.gong_id.clone(), unlisted.gong_id.clone()];

    let (status, body) = json(app.post_transcripts(&json!({ "callIds": ids })).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["records"]["totalRecords"], 2);
    assert_eq!(body["records"]["currentPageSize"], 2);
    assert_eq!(body["records"]["currentPageNumber"], 0);
    assert!(body["requestId"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(body["notFound"], json!([]));
    assert_eq!(body["failed"], json!([]));
    assert_eq!(body["warnings"], json!([]));

    let items = body["callTranscripts"].as_array().expect("array");
    assert_eq!(items.len(), 2);
    for (item, call) in items.iter().zip([&unnamed, &unlisted]) {
        assert_eq!(item["callId"], call.gong_id.as_str());
        assert_eq!(item["title"], call.title.as_str());
        assert_eq!(item["duration"], i64::from(call.duration));
        assert_eq!(item["url"], call.url.as_str());
        let started = item["started"].as_str().expect("started");
        let started = chrono::DateTime::parse_from_rfc3339(started).expect("RFC 3339");
        assert_eq!(started, call.started);
        let content = item["content"].as_str().expect("content");
        assert_eq!(
            content,
            expected_content(call),
            "content of {}",
            call.gong_id
        );
        assert!(content.contains("Unknown Speaker: "), "edge case present");

        let speakers = item["speakers"].as_array().expect("speakers");
        for party in call.parties.iter().filter(|p| p.name.is_some()) {
            let speaker = speakers
                .iter()
                .find(|s| s["name"] == party.name.as_deref().unwrap_or_default())
                .unwrap_or_else(|| panic!("{:?} missing from speakers", party.name));
            assert_eq!(speaker["affiliation"], party.affiliation.as_str());
            let domain = party.email.as_deref().and_then(|e| e.split('@').nth(1));
            assert_eq!(speaker["emailDomain"].as_str(), domain);
        }
    }
}

/// A caller may opt in to each turn's time in the call; the words stay the same.
#[tokio::test]
async fn timestamps_are_opt_in() {
    let app = spawn_app().await;
    let call = newest_call_of(UNNAMED_PARTY_ACCOUNT);
    let ids = [call.gong_id.clone()];
    let (status, body) = json(
        app.post_transcripts(&json!({ "callIds": ids, "timestamps": true }))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let timed = body["callTranscripts"][0]["content"].as_str().unwrap();
    let plain = expected_content(&call);
    let first = &call.monologues[0].sentences[0];
    let secs = first.start / 1000;
    let stamp = format!("[{:02}:{:02}] ", secs / 60, secs % 60);
    assert!(timed.starts_with(&stamp), "{}", &timed[..60]);
    // The same paragraphs, each after its time.
    let untimed: Vec<String> = timed
        .split_inclusive("\n\n")
        .map(|p| p[p.find("] ").unwrap() + 2..].to_owned())
        .collect();
    assert_eq!(untimed.concat(), plain);

    let (status, body) = json(
        app.post_transcripts(&json!({ "callIds": ids, "timestamps": false }))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callTranscripts"][0]["content"], plain.as_str());
    assert_error(
        app.post_transcripts(&json!({ "callIds": ids, "timestamps": "yes" }))
            .await,
        400,
        "invalid_parameter",
        "timestamps: must be true or false",
    )
    .await;
}

#[tokio::test]
async fn azure_route_answers_the_same() {
    let app = spawn_app().await;
    let ids = some_call_ids(1);
    let response = app
        .http
        .post(format!("{}/api/callTranscripts", app.base_url))
        .header("x-functions-key", API_KEY)
        .json(&json!({ "callIds": ids }))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callTranscripts"][0]["callId"], ids[0].as_str());
}

#[tokio::test]
async fn unknown_ids_are_listed_as_not_found() {
    let app = spawn_app().await;
    let known = some_call_ids(1).remove(0);
    let ids = json!(["99999999999999999999", known, "1"]);
    let (status, body) = json(app.post_transcripts(&json!({ "callIds": ids })).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notFound"], json!(["99999999999999999999", "1"]));
    assert_eq!(body["callTranscripts"].as_array().unwrap().len(), 1);
    assert_eq!(body["callTranscripts"][0]["callId"], known.as_str());

    let (status, body) = json(app.post_transcripts(&json!({ "callIds": ["12345"] })).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callTranscripts"], json!([]));
    assert_eq!(body["notFound"], json!(["12345"]));
}

#[tokio::test]
async fn duplicates_are_removed_and_request_order_kept() {
    let app = spawn_app().await;
    let ids = some_call_ids(3);
    let asked = json!([ids[2], ids[0], ids[2], ids[1], ids[0]]);
    let (status, body) = json(app.post_transcripts(&json!({ "callIds": asked })).await).await;
    assert_eq!(status, 200, "{body}");
    let got: Vec<&str> = body["callTranscripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["callId"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()]);
    assert_eq!(body["records"]["totalRecords"], 3);
}

#[tokio::test]
async fn every_page_is_returned() {
    let cfg = sim::gong::GongSimConfig {
        page_size: 1,
        ..sim_config()
    };
    let app = spawn_app_with(cfg, |_| {}).await;
    let ids = some_call_ids(4);
    let (status, body) = json(app.post_transcripts(&json!({ "callIds": ids })).await).await;
    assert_eq!(status, 200, "{body}");
    let got: Vec<&str> = body["callTranscripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["callId"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    for item in body["callTranscripts"].as_array().unwrap() {
        assert!(
            item["title"].is_string(),
            "metadata from every page: {item}"
        );
    }
    assert_eq!(app.sim.stats.requests_to("/v2/calls/transcript"), 4);
    assert_eq!(app.sim.stats.requests_to("/v2/calls/extensive"), 4);
}

#[tokio::test]
async fn transcripts_and_call_details_are_fetched_concurrently() {
    let cfg = sim::gong::GongSimConfig {
        faults: sim::gong::Faults {
            latency: std::time::Duration::from_millis(200),
            ..Default::default()
        },
        ..sim_config()
    };
    let app = spawn_app_with(cfg, |_| {}).await;
    let (status, body) = json(
        app.post_transcripts(&json!({ "callIds": some_call_ids(2) }))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.sim.stats.max_in_flight(), 2, "one round trip, not two");
}
