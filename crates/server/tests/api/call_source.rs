//! Where an account's calls come from (the Gong call object in Salesforce, or Gong by e-mail
//! domain), and who may read the calls found in Gong, over real HTTP against both simulators.

use serde_json::{json, Value};
use server::AuthMode;
use service::CallSource;
use sim::salesforce::SalesforceSimConfig;

use crate::accounts::{call_ids, own_account, spawn_sf_app_on, SfApp};
use crate::helpers::{assert_error, json, org, sim_config, API_KEY};

const EXTENSIVE: &str = "/v2/calls/extensive";

/// A server in `mode` over a Salesforce org with or without the Gong package.
async fn spawn(mode: AuthMode, package: bool, tweak: impl FnOnce(&mut server::Settings)) -> SfApp {
    spawn_on(mode, package, sim_config(), tweak).await
}

async fn spawn_on(
    mode: AuthMode,
    package: bool,
    gong: sim::gong::GongSimConfig,
    tweak: impl FnOnce(&mut server::Settings),
) -> SfApp {
    let sf = SalesforceSimConfig {
        gong_package: package,
        ..SalesforceSimConfig::default()
    };
    spawn_sf_app_on(mode, sf, gong, tweak).await
}

fn ids(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key}: {body}"))
        .iter()
        .map(|c| c["callId"].as_str().unwrap().to_owned())
        .collect()
}

fn acme() -> sim::org::Account {
    org().account_by_name("Acme Logistics").unwrap().clone()
}

#[tokio::test]
async fn auto_finds_calls_in_gong_when_the_org_has_no_gong_package() {
    let sf = spawn(AuthMode::ApiKey, false, |_| {}).await;
    let account = acme();
    let (status, body) = json(
        sf.get(&format!("/accounts/{}/calls?limit=20", account.id), API_KEY)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body, "calls"), call_ids(&account.id), "newest first");
    assert!(sf.app.sim.stats.requests_to(EXTENSIVE) >= 1);

    let (status, body) = json(
        sf.get(
            &format!("/accounts/{}/briefing?calls=2", account.id),
            API_KEY,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body, "calls"), call_ids(&account.id)[..2]);
    assert_eq!(body["transcripts"].as_array().unwrap().len(), 2);
    let notes = body["notes"].to_string();
    assert!(
        notes.contains("found in Gong by attendees' e-mail domains"),
        "{notes}"
    );
    assert!(notes.contains("acme-logistics.example"), "{notes}");
}

#[tokio::test]
async fn auto_uses_the_gong_call_object_when_the_org_has_it() {
    let sf = spawn(AuthMode::ApiKey, true, |_| {}).await;
    let account = acme();
    let (status, body) = json(
        sf.get(&format!("/accounts/{}/calls?limit=20", account.id), API_KEY)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body, "calls"), call_ids(&account.id));
    // Salesforce listed them: no Gong request at all.
    assert_eq!(sf.app.sim.stats.requests(), 0);
    assert!(
        body["calls"][0]["recordId"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn a_forced_salesforce_source_without_the_package_says_what_salesforce_said() {
    let sf = spawn(AuthMode::ApiKey, false, |s| {
        s.calls.source = CallSource::Salesforce;
    })
    .await;
    let response = sf
        .get(&format!("/accounts/{}/calls", acme().id), API_KEY)
        .await;
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert!(status >= 400, "{status}: {body}");
    assert!(body.contains("Gong__Gong_Call__c"), "{body}");
    assert_eq!(sf.app.sim.stats.requests(), 0);
}

#[tokio::test]
async fn a_rep_reads_gong_found_calls_only_of_accounts_they_can_see() {
    let sf = spawn(AuthMode::Salesforce, false, |_| {}).await;
    let (maya, priya) = (sf.token("Maya").await, sf.token("Priya").await);
    for (me, token, other) in [("Maya", &maya, "Priya"), ("Priya", &priya, "Maya")] {
        let mine = own_account(me, other);
        let theirs = own_account(other, me);
        let (status, body) = json(
            sf.get(&format!("/accounts/{}/calls?limit=20", mine.id), token)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{me}: {body}");
        assert_eq!(ids(&body, "calls"), call_ids(&mine.id));
        let (status, body) = json(
            sf.get(&format!("/accounts/{}/briefing?calls=2", mine.id), token)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{me}: {body}");
        assert_eq!(body["transcripts"].as_array().unwrap().len(), 2);

        // The account they cannot see: no calls, no briefing.
        for path in ["calls", "briefing"] {
            let response = sf
                .get(&format!("/accounts/{}/{path}", theirs.id), token)
                .await;
            assert_error(response, 404, "not_found", "that you can see").await;
        }

        // Nor its transcripts by id, while their own come back.
        let (own, foreign) = (call_ids(&mine.id), call_ids(&theirs.id));
        let asked = vec![foreign[0].clone(), own[0].clone(), foreign[1].clone()];
        let (status, body) = json(
            sf.post_transcripts(&json!({ "callIds": asked }), token)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(ids(&body, "callTranscripts"), [own[0].clone()]);
        assert_eq!(body["notAccessible"], json!([foreign[0], foreign[1]]));
    }
}

#[tokio::test]
async fn ignored_domains_never_tie_a_call_to_an_account() {
    // With the account's own domain on the ignore list (as gmail.com is by default), nothing
    // ties a call to it: no calls, and the briefing says why.
    let sf = spawn(AuthMode::ApiKey, false, |s| {
        s.calls.listing.ignored =
            service::domains::IgnoredDomains::new(&["gmail.com", "ACME-LOGISTICS.example"]);
    })
    .await;
    let account = acme();
    let (status, body) = json(
        sf.get(&format!("/accounts/{}/calls", account.id), API_KEY)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["calls"], json!([]));
    let (status, body) = json(
        sf.get(&format!("/accounts/{}/briefing", account.id), API_KEY)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["notes"]
            .to_string()
            .contains("public mail providers do not count"),
        "{body}"
    );
    // No domain to match: Gong is not even asked.
    assert_eq!(sf.app.sim.stats.requests(), 0);
}

#[tokio::test]
async fn the_page_bound_holds_and_a_warm_listing_costs_nothing() {
    let gong = sim::gong::GongSimConfig {
        page_size: 2,
        ..sim_config()
    };
    let sf = spawn_on(AuthMode::ApiKey, false, gong, |s| {
        s.calls.listing.max_pages = 3;
    })
    .await;
    let account = acme();
    let path = format!("/accounts/{}/calls?limit=20", account.id);
    let (status, body) = json(sf.get(&path, API_KEY).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        sf.app.sim.stats.requests_to(EXTENSIVE),
        3,
        "the bound of 3 pages"
    );
    // What the three newest pages held is still the account's, newest first.
    let got = ids(&body, "calls");
    let all = call_ids(&account.id);
    assert_eq!(got, all[..got.len()]);
    let (status, _) = json(sf.get(&path, API_KEY).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        sf.app.sim.stats.requests_to(EXTENSIVE),
        3,
        "reused within its TTL"
    );
}
