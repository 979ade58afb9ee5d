//! Sharing: what each user of the sample org sees.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;
use sim::org::UserRole;
use sim::salesforce::SalesforceSimConfig;

use crate::common::*;

#[tokio::test]
async fn sharing_limits_what_each_user_sees() {
    let sim = start(SalesforceSimConfig::default()).await;
    let org = &sim.org;
    let visible = |user_ids: &[String]| -> BTreeSet<String> {
        org.accounts
            .iter()
            .filter(|a| {
                user_ids.contains(&a.owner_id) || a.shared_with.iter().any(|s| user_ids.contains(s))
            })
            .map(|a| a.id.clone())
            .collect()
    };
    let account_ids = |body: &Value| -> BTreeSet<String> {
        strings(&body["records"], "Id").into_iter().collect()
    };

    // Rep A and rep B: owners of accounts the other cannot see.
    let rep_a = org.users.iter().find(|u| u.role == UserRole::Rep).unwrap();
    let a_sees = visible(std::slice::from_ref(&rep_a.id));
    let hidden = org
        .accounts
        .iter()
        .find(|a| !a_sees.contains(&a.id))
        .unwrap();
    let rep_b = org.users.iter().find(|u| u.id == hidden.owner_id).unwrap();
    let ta = sim.login(&rep_a.username).await;
    let tb = sim.login(&rep_b.username).await;

    let body = sim.ok(&ta, "SELECT Id FROM Account").await;
    assert_eq!(account_ids(&body), a_sees);
    let body = sim.ok(&tb, "SELECT Id FROM Account").await;
    assert!(account_ids(&body).contains(&hidden.id));

    let q = format!("SELECT Id FROM Account WHERE Id = '{}'", hidden.id);
    assert_eq!(sim.ok(&ta, &q).await["totalSize"], 0);
    let q = format!(
        "SELECT Gong__Call_ID__c FROM Gong__Gong_Call__c WHERE Gong__Primary_Account__c = '{}'",
        hidden.id
    );
    assert_eq!(sim.ok(&ta, &q).await["totalSize"], 0);
    let b_calls = org
        .calls
        .iter()
        .filter(|c| c.account_id == hidden.id)
        .count();
    assert!(b_calls > 0);
    assert_eq!(sim.ok(&tb, &q).await["totalSize"], b_calls);
    let q = format!("SELECT Id FROM Contact WHERE AccountId = '{}'", hidden.id);
    assert_eq!(sim.ok(&ta, &q).await["totalSize"], 0);
    let (status, _) = sim
        .get(
            &ta,
            &format!("/services/data/{V}/sobjects/Account/{}", hidden.id),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = sim
        .get(
            &tb,
            &format!("/services/data/{V}/sobjects/Account/{}", hidden.id),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let first_word = hidden.name.split(' ').next().unwrap();
    let (_, body) = sim
        .sosl(
            &ta,
            &format!("FIND {{{first_word}}} RETURNING Account(Id), Gong__Gong_Call__c(Id)"),
        )
        .await;
    assert_eq!(body["searchRecords"], serde_json::json!([]));

    // A shared account is visible to the rep it is shared with, with its calls.
    {
        let shared = org
            .accounts
            .iter()
            .find(|a| !a.shared_with.is_empty())
            .expect("the sample org shares an account");
        let guest = org
            .users
            .iter()
            .find(|u| u.id == shared.shared_with[0])
            .unwrap();
        let tg = sim.login(&guest.username).await;
        let q = format!(
            "SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Primary_Account__c = '{}'",
            shared.id
        );
        let want = org
            .calls
            .iter()
            .filter(|c| c.account_id == shared.id)
            .count();
        assert_eq!(sim.ok(&tg, &q).await["totalSize"], want);
    }

    // The manager sees the team's accounts; the integration user sees all; users are public.
    let manager = org
        .users
        .iter()
        .find(|u| u.role == UserRole::Manager)
        .unwrap();
    let mut team: Vec<String> = org
        .users
        .iter()
        .filter(|u| u.manager_id.as_deref() == Some(manager.id.as_str()))
        .map(|u| u.id.clone())
        .collect();
    team.push(manager.id.clone());
    let tm = sim.login(&manager.username).await;
    assert_eq!(
        account_ids(&sim.ok(&tm, "SELECT Id FROM Account").await),
        visible(&team)
    );
    let ti = sim.integration().await;
    assert_eq!(
        sim.ok(&ti, "SELECT COUNT() FROM Account").await["totalSize"],
        org.accounts.len()
    );
    assert_eq!(
        sim.ok(&ti, "SELECT COUNT() FROM Gong__Gong_Call__c").await["totalSize"],
        org.calls.len()
    );
    assert_eq!(
        sim.ok(&ta, "SELECT COUNT() FROM User").await["totalSize"],
        org.users.len()
    );
}

#[tokio::test]
async fn a_private_event_is_its_owners_alone_and_an_invitee_sees_the_event_he_is_invited_to() {
    let sim = start(SalesforceSimConfig::default()).await;
    let org = &sim.org;
    let private: Vec<_> = org.events.iter().filter(|e| e.is_private).collect();
    assert_eq!(private.len(), 1);
    let private = private[0];
    let owner = org.users.iter().find(|u| u.id == private.owner_id).unwrap();
    let account = org
        .accounts
        .iter()
        .find(|a| a.id == private.account_id)
        .unwrap();
    let shared_with = org
        .users
        .iter()
        .find(|u| account.shared_with.contains(&u.id))
        .unwrap();
    let manager = sim.username(UserRole::Manager, 0);
    let integration = sim.username(UserRole::Integration, 0);
    let by_id = format!(
        "SELECT Id, IsPrivate FROM Event WHERE Id = '{}'",
        private.id
    );
    for (username, sees) in [
        (owner.username.as_str(), true),
        (shared_with.username.as_str(), false),
        (manager.as_str(), false),
        (integration.as_str(), true),
    ] {
        let token = sim.login(username).await;
        let body = sim.ok(&token, &by_id).await;
        assert_eq!(body["totalSize"], usize::from(sees), "{username}: {body}");
        if sees {
            assert_eq!(body["records"][0]["IsPrivate"], true, "{body}");
        }
    }

    // Invited to a meeting on an account he cannot see: the event and its invitees are on his
    // calendar, the account is not.
    let (invited, event) =
        org.users
            .iter()
            .filter(|u| u.role == UserRole::Rep)
            .find_map(|u| {
                let event = org.events.iter().find(|e| {
                    e.owner_id != u.id && e.invitees.iter().any(|i| i.relation_id == u.id)
                })?;
                let account = org.accounts.iter().find(|a| a.id == event.account_id)?;
                let hidden = account.owner_id != u.id && !account.shared_with.contains(&u.id);
                hidden.then_some((u, event))
            })
            .expect("a rep invited to a meeting on an account he cannot see");
    let token = sim.login(&invited.username).await;
    let body = sim
        .ok(
            &token,
            &format!(
                "SELECT Id, Account.Name, (SELECT RelationId FROM EventRelations) FROM Event \
                 WHERE Id = '{}'",
                event.id
            ),
        )
        .await;
    assert_eq!(body["totalSize"], 1, "{body}");
    let row = &body["records"][0];
    assert_eq!(row["Account"], Value::Null, "{row}");
    assert_eq!(
        row["EventRelations"]["totalSize"],
        event.invitees.len(),
        "{row}"
    );
    let account = sim
        .ok(
            &token,
            &format!("SELECT Id FROM Account WHERE Id = '{}'", event.account_id),
        )
        .await;
    assert_eq!(account["totalSize"], 0, "{account}");
}
