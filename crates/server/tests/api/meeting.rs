//! The briefing's meeting context (the next meeting, what changed since the last call) over real
//! HTTP against the simulators, and the sharing rules it keeps: a rep never sees an event,
//! invitee, task or field-history row Salesforce hides from them.

use serde_json::{json, Value};
use server::AuthMode;
use sim::org::{NEW_ATTENDEE_ACCOUNT, NEW_ATTENDEE_TITLE};
use sim::salesforce::SalesforceSimConfig;

use crate::accounts::{own_account, spawn_sf_app, user, SfApp};
use crate::helpers::{assert_error, json, org};

/// The sample account with the upcoming meeting that invites someone new.
fn acme() -> sim::org::Account {
    org().account_by_name(NEW_ATTENDEE_ACCOUNT).unwrap().clone()
}

/// The upcoming event on `account`.
fn event_of(account: &sim::org::Account) -> sim::org::Event {
    org()
        .events
        .iter()
        .find(|e| e.account_id == account.id)
        .unwrap()
        .clone()
}

async fn briefing(sf: &SfApp, account_id: &str, extra: &str, token: &str) -> (u16, Value) {
    json(
        sf.get(
            &format!("/accounts/{account_id}/briefing?calls=3&transcripts=none{extra}"),
            token,
        )
        .await,
    )
    .await
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    value
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|v| v[key].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_briefing_opens_with_the_next_meeting_and_what_changed_since_the_last_call() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let (acme, org) = (acme(), org());
    let event = event_of(&acme);
    let newcomer = org
        .contacts_for_account(&acme.id)
        .find(|c| c.title == NEW_ATTENDEE_TITLE)
        .unwrap()
        .clone();
    let token = sf.token("Maya").await;
    let response = sf
        .get(
            &format!("/accounts/{}/briefing?calls=3&transcripts=none", acme.id),
            &token,
        )
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    // The pack opens with the meeting.
    assert!(text.starts_with("{\"meeting\":{"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let meeting = &body["meeting"];
    assert_eq!(meeting["eventId"], event.id.as_str());
    assert_eq!(meeting["subject"], event.subject.as_str());
    assert_eq!(meeting["firstTime"], json!([newcomer.name()]));
    let attendees = meeting["attendees"].as_array().unwrap();
    let new = attendees
        .iter()
        .find(|a| a["id"] == newcomer.id.as_str())
        .unwrap();
    assert_eq!(new["firstTime"], true);
    assert_eq!(new["callsAttended"], 0);
    // The champion was on the calls and has a buying role.
    let champion = attendees
        .iter()
        .find(|a| a["buyingRoles"].as_array().is_some_and(|r| !r.is_empty()))
        .unwrap();
    assert_eq!(champion["firstTime"], false, "{champion}");
    assert!(champion["callsAttended"].as_u64().unwrap() > 0);
    assert!(attendees.iter().any(|a| a["kind"] == "user"));

    let since = &body["sinceLastCall"];
    let changes = since["dealChanges"].as_array().unwrap();
    let deal = org
        .opportunities_for_account(&acme.id)
        .find(|o| !o.is_closed)
        .unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["field"] == "StageName" && c["newValue"] == deal.stage.as_str()),
        "{since}"
    );
    assert_eq!(
        strings(&since["newContacts"], "id"),
        [newcomer.id.as_str()],
        "{since}"
    );
    // Only open tasks due before the meeting: not the later one, not the completed one.
    let due_before: Vec<String> = org
        .tasks
        .iter()
        .filter(|t| {
            t.account_id == acme.id && t.status != "Completed" && t.due <= event.start.date_naive()
        })
        .map(|t| t.id.clone())
        .collect();
    assert_eq!(strings(&since["openTasks"], "id"), due_before, "{since}");
    assert!(org
        .tasks
        .iter()
        .any(|t| t.account_id == acme.id && t.due > event.start.date_naive()));

    // The same event asked for by id; and none at all.
    let (status, by_id) = briefing(&sf, &acme.id, &format!("&meeting={}", event.id), &token).await;
    assert_eq!(status, 200, "{by_id}");
    assert_eq!(by_id["meeting"]["eventId"], event.id.as_str());
    let (status, none) = briefing(&sf, &acme.id, "&meeting=none", &token).await;
    assert_eq!(status, 200, "{none}");
    assert_eq!(none["meeting"], Value::Null);
    assert!(none["notes"].to_string().contains("meeting=none"), "{none}");
}

#[tokio::test]
async fn the_meetings_invitees_cost_no_query_after_step_one_when_it_names_them() {
    let config = SalesforceSimConfig::default();
    let requests = config.api_requests.clone();
    let sf = spawn_sf_app(AuthMode::Salesforce, config).await;
    let (acme, org) = (acme(), org());
    let event = event_of(&acme);
    let maya = user("Maya");
    // The premise: every invitee is one of the account's contacts or Maya herself.
    assert!(event.invitees.iter().all(|i| i.relation_id == maya.id
        || org
            .contacts_for_account(&acme.id)
            .any(|c| c.id == i.relation_id)));
    let token = sf.token("Maya").await;
    let cost = |extra: &'static str| {
        let (sf, requests, token, acme_id) = (&sf, &requests, &token, acme.id.clone());
        async move {
            let before = requests.get();
            let (status, body) = briefing(sf, &acme_id, extra, token).await;
            assert_eq!(status, 200, "{body}");
            (requests.get() - before, body)
        }
    };
    // Once, so the token check and the call source are known.
    cost("&meeting=none").await;
    let (without, _) = cost("&meeting=none").await;
    let (with, body) = cost("").await;
    assert_eq!(body["meeting"]["eventId"], event.id.as_str());
    let attendees = body["meeting"]["attendees"].as_array().unwrap();
    assert_eq!(attendees.len(), event.invitees.len(), "{attendees:?}");
    assert!(
        attendees.iter().all(|a| a["name"].is_string()),
        "{attendees:?}"
    );
    // The meeting adds its event and Maya's own record, both asked in step 1: no query for
    // names after it (naming the contacts and Maya apart would be two more).
    assert_eq!(with, without + 2);
}

#[tokio::test]
async fn a_meeting_parameter_that_is_no_event_id_is_a_clear_400() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let token = sf.token("Maya").await;
    let id = acme().id;
    for bad in [
        "later",
        "001Dm0000000001IAA",
        "00U%27%20OR%20Id%20!%3D%20%27",
    ] {
        let response = sf
            .get(&format!("/accounts/{id}/briefing?meeting={bad}"), &token)
            .await;
        assert_error(response, 400, "invalid_parameter", "meeting").await;
    }
}

/// Events, their invitees, tasks and field history of an account a rep cannot see stay hidden,
/// in Salesforce and in callbrief; an event id of such an event is not found, as one that does
/// not exist, and its subject never shows.
#[tokio::test]
async fn a_rep_never_sees_the_events_tasks_or_history_of_an_account_they_cannot_see() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let acme = acme();
    let acme_event = event_of(&acme);
    let priyas = own_account("Priya", "Maya");
    let priyas_event = event_of(&priyas);
    let token = sf.token("Priya").await;
    for soql in [
        format!("SELECT Id FROM Event WHERE AccountId = '{}'", acme.id),
        format!("SELECT Id FROM Task WHERE AccountId = '{}'", acme.id),
        format!("SELECT Id FROM EventRelation WHERE EventId = '{}'", acme_event.id),
        format!(
            "SELECT Id FROM OpportunityFieldHistory WHERE Opportunity.AccountId = '{}'",
            acme.id
        ),
        format!(
            "SELECT Id, (SELECT Id FROM Events), (SELECT Id FROM Histories) FROM Opportunity WHERE AccountId = '{}'",
            acme.id
        ),
    ] {
        let (status, records) = sf.salesforce_query(&soql, &token).await;
        assert_eq!(status, 200, "{records}");
        assert_eq!(records["totalSize"], 0, "{soql}: {records}");
    }
    // Priya's own account, with Acme's event asked for: not found, and nothing of it shown.
    let response = sf
        .get(
            &format!("/accounts/{}/briefing?meeting={}", priyas.id, acme_event.id),
            &token,
        )
        .await;
    let text = response.text().await.unwrap();
    assert!(text.contains("not_found"), "{text}");
    assert!(!text.contains(&acme_event.subject), "{text}");
    // Her own briefing shows her own meeting.
    let (status, body) = briefing(&sf, &priyas.id, "", &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["meeting"]["eventId"], priyas_event.id.as_str());

    // Maya asking for Priya's event on Maya's own account: not found either.
    let token = sf.token("Maya").await;
    let response = sf
        .get(
            &format!("/accounts/{}/briefing?meeting={}", acme.id, priyas_event.id),
            &token,
        )
        .await;
    assert_error(response, 404, "not_found", "that you can see").await;
}

/// With private opportunities, a rep the account is shared with sees neither the owner's
/// meeting on the deal (nor its invitees), nor the deal's tasks and field history.
#[tokio::test]
async fn a_shared_rep_sees_no_meeting_task_or_history_of_a_private_deal() {
    let acme = acme();
    let event = event_of(&acme);
    assert!(acme.shared_with.contains(&user("Jordan").id));
    let sf = spawn_sf_app(
        AuthMode::Salesforce,
        SalesforceSimConfig {
            private_opportunities: true,
            ..SalesforceSimConfig::default()
        },
    )
    .await;
    let token = sf.token("Jordan").await;
    let (status, body) = briefing(&sf, &acme.id, "", &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["meeting"], Value::Null, "{body}");
    assert!(body["notes"].to_string().contains("No upcoming meeting"));
    // His briefing has none of the deal's calls either, so nothing to compare with; when it
    // has, nothing of the deal shows.
    let since = &body["sinceLastCall"];
    if since.is_null() {
        assert_eq!(
            body["calls"],
            json!([]),
            "no call, so nothing to compare with: {body}"
        );
    } else {
        assert_eq!(since["dealChanges"], json!([]), "{since}");
        assert_eq!(since["openTasks"], json!([]), "{since}");
    }
    let response = sf
        .get(
            &format!("/accounts/{}/briefing?meeting={}", acme.id, event.id),
            &token,
        )
        .await;
    assert_error(response, 404, "not_found", "that you can see").await;
    for soql in [
        format!(
            "SELECT Id FROM EventRelation WHERE EventId = '{}'",
            event.id
        ),
        format!("SELECT Id FROM Task WHERE AccountId = '{}'", acme.id),
    ] {
        let (status, records) = sf.salesforce_query(&soql, &token).await;
        assert_eq!(status, 200, "{records}");
        assert_eq!(records["totalSize"], 0, "{soql}: {records}");
    }

    // The deal's owner sees all of it.
    let token = sf.token("Maya").await;
    let (status, body) = briefing(&sf, &acme.id, "", &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["meeting"]["eventId"], event.id.as_str());
    assert!(!body["sinceLastCall"]["dealChanges"]
        .as_array()
        .unwrap()
        .is_empty());
}
