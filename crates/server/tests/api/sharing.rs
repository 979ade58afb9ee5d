//! Who sees what: Salesforce's sharing decides which accounts, calls, transcripts, Gong
//! intelligence and contact roles each rep reads, over real HTTP against both simulators.

use serde_json::json;
use server::AuthMode;
use sim::salesforce::SalesforceSimConfig;

use crate::accounts::*;
use crate::helpers::{assert_error, json, org, API_KEY};

#[tokio::test]
async fn each_user_sees_only_their_own_briefings_and_transcripts() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let (maya, priya) = (sf.token("Maya").await, sf.token("Priya").await);
    for (me, token, other) in [("Maya", &maya, "Priya"), ("Priya", &priya, "Maya")] {
        let mine = own_account(me, other);
        let theirs = own_account(other, me);

        let (status, body) = json(
            sf.get(&format!("/accounts/{}/briefing?calls=20", mine.id), token)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{me}: {body}");
        let got: Vec<&str> = body["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["callId"].as_str().unwrap())
            .collect();
        assert_eq!(got, call_ids(&mine.id));

        let response = sf
            .get(&format!("/accounts/{}/briefing", theirs.id), token)
            .await;
        assert_error(response, 404, "not_found", "that you can see").await;
        let response = sf
            .get(&format!("/accounts/{}/calls", theirs.id), token)
            .await;
        assert_error(response, 404, "not_found", "that you can see").await;

        let (_, body) = json(
            sf.get(
                &format!("/accounts/search?name={}", theirs.name.replace(' ', "%20")),
                token,
            )
            .await,
        )
        .await;
        assert!(
            body["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["id"] != theirs.id.as_str()),
            "{body}"
        );

        // /callTranscripts: the other user's calls are withheld, never fetched.
        let (own, foreign) = (call_ids(&mine.id), call_ids(&theirs.id));
        let asked = vec![foreign[0].clone(), own[0].clone(), own[1].clone()];
        let (status, body) = json(
            sf.post_transcripts(&json!({ "callIds": asked }), token)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let got: Vec<&str> = body["callTranscripts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["callId"].as_str().unwrap())
            .collect();
        assert_eq!(got, [own[0].as_str(), own[1].as_str()]);
        assert_eq!(body["notAccessible"], json!([foreign[0]]));
        assert_eq!(body["notFound"], json!([]));
        assert_eq!(body["records"]["totalRecords"], 2);
    }
}

#[tokio::test]
async fn the_manager_sees_the_team_and_api_keys_do_not_work_in_salesforce_mode() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let dana = sf.token("Dana").await;
    for rep in ["Maya", "Priya"] {
        let account = own_account(rep, "Sam");
        let (status, body) = json(
            sf.get(&format!("/accounts/{}/calls?limit=1", account.id), &dana)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{rep}: {body}");
        // The rep's own calls, as the rep would see them.
        let calls = body["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 1, "{rep}: {body}");
        let id = calls[0]["callId"].as_str().unwrap();
        assert!(call_ids(&account.id).iter().any(|c| c == id), "{rep}: {id}");
    }
    let response = sf.get("/accounts/search?name=Acme", API_KEY).await;
    assert_error(response, 401, "unauthorized", "Salesforce").await;
    let response = sf
        .post_transcripts(&json!({"callIds": ["1"]}), API_KEY)
        .await;
    assert_error(response, 401, "unauthorized", "Salesforce").await;
}

/// An org may make the Gong call object public-read: seeing a call record must then not be
/// enough to read its transcript; the call's account must be visible too.
#[tokio::test]
async fn a_public_read_call_object_does_not_open_other_reps_transcripts() {
    let sf = spawn_sf_app(
        AuthMode::Salesforce,
        SalesforceSimConfig {
            public_read_calls: true,
            ..SalesforceSimConfig::default()
        },
    )
    .await;
    let token = sf.token("Priya").await;
    let (mine, theirs) = (own_account("Priya", "Maya"), own_account("Maya", "Priya"));
    let (own, foreign) = (call_ids(&mine.id), call_ids(&theirs.id));

    // The simulator models the open object: Priya's own query returns Maya's call record.
    let soql = format!(
        "SELECT Id, Gong__Call_ID__c FROM Gong__Gong_Call__c WHERE Gong__Call_ID__c = '{}'",
        foreign[0]
    );
    let (status, records) = sf.salesforce_query(&soql, &token).await;
    assert_eq!(status, 200, "{records}");
    assert_eq!(records["totalSize"], 1, "{records}");

    // callbrief still withholds it, and serves her own.
    let before = sf.app.sim.stats.requests();
    let asked = vec![foreign[0].clone(), own[0].clone()];
    let (status, body) = json(
        sf.post_transcripts(&json!({ "callIds": asked }), &token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notAccessible"], json!([foreign[0]]));
    let got: Vec<&str> = body["callTranscripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["callId"].as_str().unwrap())
        .collect();
    assert_eq!(got, [own[0].as_str()]);
    assert!(
        sf.app.sim.stats.requests() > before,
        "her own call was fetched"
    );
}

/// An org may share an account without its deals (opportunities private): a call on a deal
/// the person cannot see is that deal's conversation and stays closed to them, although they
/// see the call record and its account.
#[tokio::test]
async fn a_call_on_a_deal_hidden_from_the_rep_is_withheld() {
    let sf = spawn_sf_app(
        AuthMode::Salesforce,
        SalesforceSimConfig {
            private_opportunities: true,
            ..SalesforceSimConfig::default()
        },
    )
    .await;
    let (jordan, maya, org) = (user("Jordan"), user("Maya"), org());
    // Maya's account, shared with Jordan; its deals are hers.
    let shared = org
        .accounts
        .iter()
        .find(|a| a.owner_id == maya.id && a.shared_with.contains(&jordan.id))
        .unwrap()
        .clone();
    let deal_owner = |call: &sim::org::Call| {
        call.opportunity_id
            .as_deref()
            .and_then(|id| org.opportunity(id))
            .map(|o| o.owner_id.clone())
    };
    let calls: Vec<sim::org::Call> = org.calls_for_account(&shared.id).cloned().collect();
    let on_her_deals: Vec<String> = calls
        .iter()
        .filter(|c| deal_owner(c).as_deref() == Some(maya.id.as_str()))
        .map(|c| c.gong_id.clone())
        .collect();
    let rest: Vec<String> = calls
        .iter()
        .filter(|c| deal_owner(c).as_deref() != Some(maya.id.as_str()))
        .map(|c| c.gong_id.clone())
        .collect();
    assert!(!on_her_deals.is_empty());

    let token = sf.token("Jordan").await;
    // The simulator shows Jordan the call record itself.
    let soql = format!(
        "SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_ID__c = '{}'",
        on_her_deals[0]
    );
    let (status, records) = sf.salesforce_query(&soql, &token).await;
    assert_eq!(status, 200, "{records}");
    assert_eq!(records["totalSize"], 1, "{records}");

    // callbrief withholds the transcript and lists none of those calls.
    let (status, body) = json(
        sf.post_transcripts(&json!({ "callIds": [on_her_deals[0]] }), &token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notAccessible"], json!([on_her_deals[0]]));
    assert_eq!(body["callTranscripts"], json!([]));
    let (status, body) = json(
        sf.get(&format!("/accounts/{}/calls?limit=50", shared.id), &token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let listed: Vec<String> = body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["callId"].as_str().unwrap().to_owned())
        .collect();
    // Listed: exactly the account's calls that are not on her deals.
    let mut listed = listed;
    let mut rest = rest;
    listed.sort();
    rest.sort();
    assert_eq!(listed, rest);
    let (status, body) = json(
        sf.get(
            &format!("/accounts/{}/briefing?calls=20", shared.id),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| !on_her_deals.contains(&c["callId"].as_str().unwrap().to_owned())));

    // Maya, the deals' owner, reads them.
    let token = sf.token("Maya").await;
    let (status, body) = json(
        sf.post_transcripts(&json!({ "callIds": [on_her_deals[0]] }), &token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notAccessible"], json!([]));
    assert_eq!(body["callTranscripts"].as_array().unwrap().len(), 1);
}

/// Gong's intelligence and the stakeholder map follow Salesforce's sharing: a rep's briefing
/// carries the briefs, trackers and contact roles of their own account's calls and deals only,
/// and Salesforce itself never hands them another rep's contact roles.
#[tokio::test]
async fn a_rep_never_sees_intelligence_or_contact_roles_of_what_they_cannot_see() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let org = org();
    for (me, other) in [("Maya", "Priya"), ("Priya", "Maya")] {
        let token = sf.token(me).await;
        let (mine, theirs) = (own_account(me, other), own_account(other, me));
        let (status, body) = json(
            sf.get(
                &format!("/accounts/{}/briefing?calls=20&transcripts=none", mine.id),
                &token,
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{me}: {body}");
        let own_calls = call_ids(&mine.id);
        let calls = body["calls"].as_array().unwrap();
        assert!(!calls.is_empty(), "{me}: {body}");
        for call in calls {
            let id = call["callId"].as_str().unwrap();
            assert!(own_calls.iter().any(|c| c == id), "{id}");
            let brief = call["intelligence"]["brief"].as_str().unwrap();
            let planted = org.calls.iter().find(|c| c.gong_id == id).unwrap();
            assert_eq!(brief, planted.brief);
            assert!(call["intelligence"]["trackers"].as_array().is_some());
        }
        let own_contacts: Vec<&str> = org
            .contacts
            .iter()
            .filter(|c| c.account_id == mine.id)
            .map(|c| c.id.as_str())
            .collect();
        let stakeholders = body["stakeholders"].as_array().unwrap();
        assert!(
            stakeholders
                .iter()
                .any(|s| !s["buyingRoles"].as_array().unwrap().is_empty()),
            "{body}"
        );
        for s in stakeholders {
            if let Some(id) = s["contactId"].as_str() {
                assert!(own_contacts.contains(&id), "{s}");
            }
        }
        // Nothing of the other rep's account: not its name, people, calls or briefs.
        let text = body.to_string();
        assert!(!text.contains(&theirs.name), "{me} sees {}", theirs.name);
        for c in org.contacts.iter().filter(|c| c.account_id == theirs.id) {
            assert!(!text.contains(&c.name()), "{me} sees {}", c.name());
        }
        for call in org.calls_for_account(&theirs.id) {
            assert!(!text.contains(&call.gong_id));
            assert!(!text.contains(&call.brief));
        }
        let response = sf
            .get(&format!("/accounts/{}/briefing", theirs.id), &token)
            .await;
        assert_error(response, 404, "not_found", "that you can see").await;

        // Salesforce shares a contact role as its opportunity: the rep's own query of every
        // contact role returns none of the other rep's deals.
        let (status, records) = sf
            .salesforce_query(
                "SELECT Id, OpportunityId, Role FROM OpportunityContactRole",
                &token,
            )
            .await;
        assert_eq!(status, 200, "{records}");
        let theirs_deals: Vec<&str> = org
            .opportunities
            .iter()
            .filter(|o| o.account_id == theirs.id)
            .map(|o| o.id.as_str())
            .collect();
        let rows = records["records"].as_array().unwrap();
        assert!(!rows.is_empty());
        for row in rows {
            let opp = row["OpportunityId"].as_str().unwrap();
            assert!(!theirs_deals.contains(&opp), "{me} sees a role on {opp}");
        }
    }
}

/// A call on one of the account's open deals that the rep's own query returned needs no
/// visibility check of its own: listing such calls costs one Salesforce request fewer than
/// listing calls on deals the rep's query did not return, whose visibility is still asked
/// (and which stay hidden).
#[tokio::test]
async fn calls_on_the_reps_open_deals_skip_the_deal_check_and_others_do_not() {
    let config = SalesforceSimConfig {
        private_opportunities: true,
        ..SalesforceSimConfig::default()
    };
    let requests = config.api_requests.clone();
    let sf = spawn_sf_app(AuthMode::Salesforce, config).await;
    let (maya, jordan, org) = (user("Maya"), user("Jordan"), org());
    let deal_of = |call: &sim::org::Call| {
        call.opportunity_id
            .as_deref()
            .and_then(|id| org.opportunity(id))
    };
    // Maya's account whose calls are all on her open deals.
    let hers = org
        .accounts
        .iter()
        .find(|a| {
            let calls: Vec<&sim::org::Call> = org.calls_for_account(&a.id).collect();
            a.owner_id == maya.id
                && !calls.is_empty()
                && calls
                    .iter()
                    .all(|c| deal_of(c).is_some_and(|d| !d.is_closed && d.owner_id == maya.id))
        })
        .expect("an account of Maya's whose calls are all on her open deals");
    // Maya's account shared with Jordan: its deals are hers, hidden from him.
    let shared = org
        .accounts
        .iter()
        .find(|a| a.owner_id == maya.id && a.shared_with.contains(&jordan.id))
        .expect("an account of Maya's shared with Jordan");
    let cost = |account_id: String, token: String| {
        let (sf, requests) = (&sf, &requests);
        async move {
            let path = format!("/accounts/{account_id}/calls?limit=50");
            // Once, so the token check and the call source are known.
            let (status, body) = json(sf.get(&path, &token).await).await;
            assert_eq!(status, 200, "{body}");
            let before = requests.get();
            let (status, body) = json(sf.get(&path, &token).await).await;
            assert_eq!(status, 200, "{body}");
            (
                requests.get() - before,
                body["calls"].as_array().unwrap().len(),
            )
        }
    };
    let (open, listed) = cost(hers.id.clone(), sf.token("Maya").await).await;
    assert_eq!(listed, org.calls_for_account(&hers.id).count());
    // The account, its calls and her open deals, asked at once.
    assert_eq!(open, 3, "calls on her open deals");
    let (hidden, listed) = cost(shared.id.clone(), sf.token("Jordan").await).await;
    let on_her_deals = org
        .calls_for_account(&shared.id)
        .filter(|c| deal_of(c).is_some_and(|d| d.owner_id == maya.id))
        .count();
    assert!(on_her_deals > 0);
    assert_eq!(
        listed,
        org.calls_for_account(&shared.id).count() - on_her_deals
    );
    // ...and the deals his query did not return, asked after.
    assert_eq!(hidden, 4, "calls on deals hidden from him");
}
