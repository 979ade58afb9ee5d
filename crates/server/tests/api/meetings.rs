//! `GET /meetings` (and MCP's `list_my_meetings`) over real HTTP against the simulators: each
//! rep's own and invited customer meetings, never another rep's private event nor a meeting on
//! an account they cannot see, and whether each briefing is ready.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use server::AuthMode;
use sim::org::{Event, UserRole};
use sim::salesforce::SalesforceSimConfig;

use crate::accounts::{spawn_sf_app, spawn_sf_app_with, user, SfApp};
use crate::helpers::{assert_error, json, org, API_KEY};

/// A week: every meeting of the sample org that is still ahead falls in it.
const WEEK: i64 = 168;

/// Whether `user_id` sees `account_id` in the sample org's sharing.
fn sees_account(user_id: &str, account_id: &str) -> bool {
    let org = org();
    let Some(account) = org.accounts.iter().find(|a| a.id == account_id) else {
        return false;
    };
    let Some(user) = org.users.iter().find(|u| u.id == user_id) else {
        return false;
    };
    let team: Vec<&str> = match user.role {
        UserRole::Integration => return true,
        UserRole::Manager => org
            .users
            .iter()
            .filter(|u| u.id == user.id || u.manager_id.as_deref() == Some(user.id.as_str()))
            .map(|u| u.id.as_str())
            .collect(),
        UserRole::Rep => vec![user.id.as_str()],
    };
    team.contains(&account.owner_id.as_str())
        || account
            .shared_with
            .iter()
            .any(|s| team.contains(&s.as_str()))
}

/// The window a list asked for `hours` ahead at `now` covers, and which events sit clearly
/// inside or outside it (one a few minutes from either end may fall on either side by the
/// time the server reads its clock: those are not compared).
struct Window {
    now: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Window {
    fn ahead(hours: i64) -> Self {
        let now = Utc::now();
        Self {
            now,
            end: now + Duration::hours(hours),
        }
    }
    fn settled(&self, event: &Event) -> bool {
        let margin = Duration::minutes(5);
        (event.start - self.now).abs() > margin && (event.start - self.end).abs() > margin
    }
    fn contains(&self, event: &Event) -> bool {
        event.start >= self.now && event.start < self.end
    }
    /// The events of `answer`'s meetings that sit clearly in or out of the window, by id.
    fn compared(&self, answer: &Value) -> Vec<String> {
        ids(answer)
            .into_iter()
            .filter(|id| org().events.iter().any(|e| &e.id == id && self.settled(e)))
            .collect()
    }
}

/// A user's customer meetings as Salesforce shows them to that user: owned or invited,
/// private only when their own, on an account they see, soonest first.
fn expected_for(user_id: &str, window: &Window, with_private: bool) -> Vec<String> {
    let org = org();
    let mut events: Vec<&Event> = org
        .events
        .iter()
        .filter(|e| window.contains(e) && window.settled(e))
        .filter(|e| e.owner_id == user_id || e.invitees.iter().any(|i| i.relation_id == user_id))
        .filter(|e| !e.is_private || (with_private && e.owner_id == user_id))
        .filter(|e| sees_account(user_id, &e.account_id))
        .collect();
    events.sort_by_key(|e| e.start);
    events.iter().map(|e| e.id.clone()).collect()
}

fn ids(answer: &Value) -> Vec<String> {
    answer["meetings"]
        .as_array()
        .unwrap_or_else(|| panic!("no meetings list: {answer}"))
        .iter()
        .map(|m| m["eventId"].as_str().unwrap().to_owned())
        .collect()
}

async fn meetings(sf: &SfApp, query: &str, bearer: &str) -> (u16, Value) {
    json(sf.get(&format!("/meetings{query}"), bearer).await).await
}

#[tokio::test]
async fn each_rep_lists_the_meetings_they_own_or_are_invited_to_as_salesforce_shows_them() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let org = org();
    let mut listed_any = BTreeSet::new();
    for first_name in ["Maya", "Jordan", "Priya", "Sam", "Dana"] {
        let person = user(first_name);
        let token = sf.token(first_name).await;
        let window = Window::ahead(WEEK);
        let (status, body) = meetings(&sf, &format!("?hours={WEEK}"), &token).await;
        assert_eq!(status, 200, "{first_name}: {body}");
        let expected = expected_for(&person.id, &window, true);
        assert_eq!(window.compared(&body), expected, "{first_name}: {body}");
        for meeting in body["meetings"].as_array().unwrap() {
            let event = org
                .events
                .iter()
                .find(|e| meeting["eventId"] == e.id.as_str())
                .unwrap();
            let account = org
                .accounts
                .iter()
                .find(|a| a.id == event.account_id)
                .unwrap();
            assert_eq!(meeting["accountId"], account.id.as_str());
            assert_eq!(meeting["accountName"], account.name.as_str());
            assert_eq!(meeting["subject"], event.subject.as_str());
            let mut people: BTreeSet<&str> = event
                .invitees
                .iter()
                .map(|i| i.relation_id.as_str())
                .collect();
            people.insert(&event.owner_id);
            assert_eq!(meeting["attendees"], people.len(), "{meeting}");
            assert!(meeting["start"].as_str().unwrap() < meeting["end"].as_str().unwrap());
            listed_any.insert((first_name, event.is_private, event.owner_id != person.id));
        }
        let starts: Vec<&str> = body["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["start"].as_str().unwrap())
            .collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    }
    // The sample org gives the cases their premise: Maya's own private event (the day after
    // her meeting on the account, so on some days past the week a list can cover), the
    // director's invitation to a rep's meeting, and Sam's invitation to an account he cannot see.
    let private = org
        .events
        .iter()
        .find(|e| e.is_private)
        .expect("Maya's private event");
    let week = Window::ahead(WEEK);
    if week.contains(private) && week.settled(private) {
        assert!(
            listed_any.contains(&("Maya", true, false)),
            "{listed_any:?}"
        );
    }
    assert!(
        listed_any.contains(&("Dana", false, true)),
        "{listed_any:?}"
    );
    let sam = user("Sam");
    let hidden = org
        .events
        .iter()
        .find(|e| {
            e.invitees.iter().any(|i| i.relation_id == sam.id)
                && !sees_account(&sam.id, &e.account_id)
        })
        .expect("Sam is invited to a meeting on an account he cannot see");
    let token = sf.token("Sam").await;
    let (_, body) = meetings(&sf, &format!("?hours={WEEK}"), &token).await;
    assert!(!ids(&body).contains(&hidden.id), "{body}");
    if Window::ahead(WEEK).contains(hidden) {
        assert!(
            body["notes"].to_string().contains("cannot see"),
            "the left-out meeting is said: {body}"
        );
    }
}

#[tokio::test]
async fn a_shared_account_does_not_put_its_owners_meetings_or_private_event_on_another_calendar() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let org = org();
    let jordan = user("Jordan");
    let private = org.events.iter().find(|e| e.is_private).unwrap();
    let shared = org
        .accounts
        .iter()
        .find(|a| a.id == private.account_id)
        .unwrap();
    assert!(shared.shared_with.contains(&jordan.id));
    let token = sf.token("Jordan").await;
    let (status, body) = meetings(&sf, &format!("?hours={WEEK}"), &token).await;
    assert_eq!(status, 200, "{body}");
    let listed = ids(&body);
    let on_shared: Vec<&Event> = org
        .events
        .iter()
        .filter(|e| e.account_id == shared.id)
        .collect();
    assert!(on_shared.len() >= 2, "a meeting and the private event");
    for event in on_shared {
        assert!(!listed.contains(&event.id), "{}: {body}", event.subject);
    }
    // Nor does his briefing of the shared account open with the owner's private event.
    let (status, brief) = json(
        sf.get(
            &format!("/accounts/{}/briefing?calls=1&transcripts=none", shared.id),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{brief}");
    assert_ne!(brief["meeting"]["eventId"], private.id.as_str(), "{brief}");
    let (_, asked) = json(
        sf.get(
            &format!(
                "/accounts/{}/briefing?calls=1&transcripts=none&meeting={}",
                shared.id, private.id
            ),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(asked["error"], "not_found", "{asked}");
}

#[tokio::test]
async fn a_meeting_shows_cached_once_its_briefing_was_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let sf = spawn_sf_app_with(AuthMode::Salesforce, SalesforceSimConfig::default(), |s| {
        s.gong.cache = gong::CacheConfig {
            mode: gong::CacheMode::Memory,
            dir: dir.path().to_path_buf(),
            ..gong::CacheConfig::default()
        };
    })
    .await;
    let token = sf.token("Maya").await;
    let (status, before) = meetings(&sf, &format!("?hours={WEEK}"), &token).await;
    assert_eq!(status, 200, "{before}");
    let first = before["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["briefingCalls"].as_u64() > Some(0))
        .unwrap_or_else(|| panic!("a meeting whose account has calls: {before}"))
        .clone();
    assert_eq!(first["cached"], false, "{first}");
    let account = first["accountId"].as_str().unwrap();
    let (status, brief) = json(
        sf.get(
            &format!("/accounts/{account}/briefing?transcripts=none"),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{brief}");
    let (_, after) = meetings(&sf, &format!("?hours={WEEK}"), &token).await;
    let again = after["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["eventId"] == first["eventId"])
        .unwrap();
    assert_eq!(again["cached"], true, "{again}");
    assert_eq!(again["briefingCalls"], first["briefingCalls"]);
}

#[tokio::test]
async fn with_an_api_key_a_user_names_the_calendar_and_private_events_stay_out() {
    let sf = spawn_sf_app(AuthMode::ApiKey, SalesforceSimConfig::default()).await;
    let maya = user("Maya");
    let window = Window::ahead(WEEK);
    let (status, body) = meetings(
        &sf,
        &format!("?hours={WEEK}&user={}", maya.username),
        API_KEY,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let expected = expected_for(&maya.id, &window, false);
    assert!(!expected.is_empty());
    assert_eq!(window.compared(&body), expected, "{body}");
    let (status, by_id) = meetings(&sf, &format!("?hours={WEEK}&user={}", maya.id), API_KEY).await;
    assert_eq!(status, 200, "{by_id}");
    assert_eq!(ids(&by_id), ids(&body));

    let response = sf.get("/meetings", API_KEY).await;
    assert_error(response, 400, "invalid_parameter", "user").await;
    let response = sf.get("/meetings?user=not%20a%20user", API_KEY).await;
    assert_error(response, 400, "invalid_parameter", "user").await;
    let response = sf
        .get("/meetings?user=nobody@callbrief-demo.com", API_KEY)
        .await;
    assert_error(response, 404, "not_found", "nobody@callbrief-demo.com").await;
    for hours in ["0", "169", "soon"] {
        let response = sf
            .get(
                &format!("/meetings?hours={hours}&user={}", maya.id),
                API_KEY,
            )
            .await;
        assert_error(response, 400, "invalid_parameter", "hours").await;
    }
}

#[tokio::test]
async fn a_signed_in_rep_cannot_read_another_calendar() {
    let sf = spawn_sf_app(AuthMode::Salesforce, SalesforceSimConfig::default()).await;
    let token = sf.token("Jordan").await;
    let response = sf
        .get(&format!("/meetings?user={}", user("Maya").username), &token)
        .await;
    assert_error(response, 400, "invalid_parameter", "user").await;
}
