//! SOQL and SOSL as Salesforce answers them: forms, errors, paging, records by id, subqueries.

use chrono::{Days, NaiveDate};
use reqwest::StatusCode;
use serde_json::Value;
use sim::org::UserRole;
use sim::salesforce::SalesforceSimConfig;

use crate::common::*;

#[tokio::test]
async fn the_two_action_flows_queries_verbatim() {
    let sim = start(SalesforceSimConfig::default()).await;
    let owner = sim
        .org
        .account_by_name("Acme Logistics")
        .unwrap()
        .owner_id
        .clone();
    let username = sim
        .org
        .users
        .iter()
        .find(|u| u.id == owner)
        .unwrap()
        .username
        .clone();
    let token = sim.login(&username).await;

    let (status, body) = sim
        .get(
            &token,
            "/services/data/v59.0/search",
            &[(
                "q",
                "FIND {Acme} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5",
            )],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hits = body["searchRecords"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 5);
    let acme = hits
        .iter()
        .find(|h| h["Name"] == "Acme Logistics")
        .expect("Acme found");
    let account_id = acme["Id"].as_str().unwrap().to_string();
    assert_eq!(account_id, sim.account_id("Acme Logistics"));
    assert_eq!(acme["attributes"]["type"], "Account");
    assert_eq!(
        acme["attributes"]["url"],
        format!("/services/data/v59.0/sobjects/Account/{account_id}")
    );

    let soql = format!(
        "SELECT Gong__Call_ID__c, Gong__Title__c, Gong__Call_Start__c FROM Gong__Gong_Call__c WHERE Gong__Primary_Account__c = '{account_id}' ORDER BY Gong__Call_Start__c DESC LIMIT 2"
    );
    let (status, body) = sim
        .get(
            &token,
            "/services/data/v59.0/query",
            &[("q", soql.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["totalSize"], 2);
    assert_eq!(body["done"], true);
    assert!(body.get("nextRecordsUrl").is_none());
    let mut calls: Vec<_> = sim
        .org
        .calls
        .iter()
        .filter(|c| c.account_id == account_id)
        .collect();
    calls.sort_by_key(|c| std::cmp::Reverse(c.started));
    let want: Vec<String> = calls.iter().take(2).map(|c| c.gong_id.clone()).collect();
    assert_eq!(strings(&body["records"], "Gong__Call_ID__c"), want);
    let first = &body["records"][0];
    assert_eq!(first["attributes"]["type"], "Gong__Gong_Call__c");
    assert_eq!(first["Gong__Title__c"], calls[0].title.as_str());
    assert_eq!(
        first["Gong__Call_Start__c"],
        calls[0]
            .started
            .format("%Y-%m-%dT%H:%M:%S.000+0000")
            .to_string()
    );
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "attributes and the three fields: {keys:?}");

    // The next meeting, as the two-action GPT Instructions ask for it.
    let soql = format!(
        "SELECT Subject, StartDateTime, (SELECT RelationId, Status FROM EventRelations) FROM Event WHERE AccountId = '{account_id}' AND (StartDateTime = TODAY OR StartDateTime = NEXT_N_DAYS:90) ORDER BY StartDateTime ASC LIMIT 1"
    );
    let (status, body) = sim
        .get(
            &token,
            "/services/data/v59.0/query",
            &[("q", soql.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let event = sim
        .org
        .events
        .iter()
        .find(|e| e.account_id == account_id)
        .unwrap();
    assert_eq!(body["records"][0]["Subject"], event.subject.as_str());
    assert_eq!(
        body["records"][0]["EventRelations"]["totalSize"],
        event.invitees.len()
    );
}

#[tokio::test]
async fn soql_forms() {
    let sim = start(SalesforceSimConfig::default()).await;
    let t = sim.integration().await;
    let org = &sim.org;

    // Parent fields, nested with attributes; Owner on opportunities; a custom relationship.
    let body = sim
        .ok(&t, "SELECT Id, Name, Account.Name, Owner.Name FROM Opportunity WHERE Account.Name = 'Acme Logistics'")
        .await;
    let acme = org.account_by_name("Acme Logistics").unwrap();
    let n = org
        .opportunities
        .iter()
        .filter(|o| o.account_id == acme.id)
        .count();
    assert_eq!(body["totalSize"], n);
    let rec = &body["records"][0];
    assert_eq!(rec["Account"]["Name"], "Acme Logistics");
    assert_eq!(rec["Account"]["attributes"]["type"], "Account");
    assert_eq!(rec["Owner"]["attributes"]["type"], "User");
    assert!(rec["Owner"]["Name"].is_string());

    let body = sim
        .ok(&t, "select gong__primary_account__r.name, GONG__PRIMARY_USER__R.NAME, Gong__Primary_Opportunity__r.StageName from gong__gong_call__c limit 1")
        .await;
    let rec = &body["records"][0];
    assert!(rec["Gong__Primary_Account__r"]["Name"].is_string(), "{rec}");
    assert!(rec["Gong__Primary_User__r"]["Name"].is_string(), "{rec}");
    assert!(rec.get("Gong__Primary_Opportunity__r").is_some(), "{rec}");

    // COUNT().
    let body = sim.ok(&t, "SELECT COUNT() FROM Account").await;
    assert_eq!(body["totalSize"], org.accounts.len());
    assert_eq!(body["records"], serde_json::json!([]));

    // Comparisons, AND/OR/NOT, parentheses.
    let count = |q: &'static str| {
        let sim = &sim;
        let t = t.clone();
        async move { sim.ok(&t, q).await["totalSize"].as_u64().unwrap() as usize }
    };
    let want = org
        .opportunities
        .iter()
        .filter(|o| o.amount >= 100_000.0 && o.amount < 300_000.0)
        .count();
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE Amount >= 100000 AND Amount < 300000").await,
        want
    );
    let want = org
        .opportunities
        .iter()
        .filter(|o| o.amount > 300_000.0 || o.amount <= 50_000.0)
        .count();
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE (Amount > 300000 OR Amount <= 50000)").await,
        want
    );
    let want = org
        .opportunities
        .iter()
        .filter(|o| o.stage != "Closed Won")
        .count();
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE StageName != 'Closed Won'").await,
        want
    );
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE StageName <> 'closed won'").await,
        want
    );
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE NOT StageName = 'Closed Won'").await,
        want
    );
    let want = org.opportunities.iter().filter(|o| !o.is_closed).count();
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE IsClosed = false").await,
        want
    );
    let want = org
        .calls
        .iter()
        .filter(|c| c.opportunity_id.is_none())
        .count();
    assert_eq!(
        count("SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Primary_Opportunity__c = null").await,
        want
    );

    // LIKE, IN, NOT IN.
    let want = org
        .accounts
        .iter()
        .filter(|a| a.name.to_lowercase().contains("tech"))
        .count();
    assert!(want > 0);
    assert_eq!(
        count("SELECT Id FROM Account WHERE Name LIKE '%TECH%'").await,
        want
    );
    let body = sim.ok(&t, "SELECT Name FROM Account WHERE Name IN ('Acme Logistics', 'northwind health') ORDER BY Name").await;
    assert_eq!(
        strings(&body["records"], "Name"),
        ["Acme Logistics", "Northwind Health"]
    );
    let body = sim
        .ok(
            &t,
            "SELECT Name FROM Account WHERE Name NOT IN ('Acme Logistics') ORDER BY Name",
        )
        .await;
    assert_eq!(body["totalSize"], org.accounts.len() - 1);

    // String escapes: a quote inside a literal, a literal percent sign in LIKE.
    assert_eq!(
        count(r"SELECT Id FROM Account WHERE Name = 'Acme\'s \\ Logistics'").await,
        0
    );
    assert_eq!(
        count(r"SELECT Id FROM Account WHERE Name LIKE 'Acme\%'").await,
        0
    );
    assert_eq!(
        count(r"SELECT Id FROM Account WHERE Name LIKE 'Acme%'").await,
        1
    );

    // Dates, datetimes and relative dates, against the org's anchor day.
    let day = |n: i64| {
        if n >= 0 {
            today().checked_add_days(Days::new(n as u64)).unwrap()
        } else {
            today()
                .checked_sub_days(Days::new(n.unsigned_abs()))
                .unwrap()
        }
    };
    let want = org
        .opportunities
        .iter()
        .filter(|o| o.close_date > today())
        .count();
    assert_eq!(
        count_owned(
            &sim,
            &t,
            format!(
                "SELECT Id FROM Opportunity WHERE CloseDate > {today}",
                today = today()
            )
        )
        .await,
        want
    );
    let want = org
        .opportunities
        .iter()
        .filter(|o| o.close_date >= day(1) && o.close_date < day(91))
        .count();
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:90").await,
        want
    );
    let in_days = |from: i64, to: i64| {
        org.calls
            .iter()
            .filter(|c| c.started.date_naive() >= day(from) && c.started.date_naive() < day(to))
            .count()
    };
    assert_eq!(
        count("SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_Start__c = LAST_N_DAYS:30").await,
        in_days(-30, 1)
    );
    assert!(in_days(-30, 1) > 0);
    assert_eq!(
        count("SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_Start__c = TODAY").await,
        in_days(0, 1)
    );
    assert_eq!(
        count("SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_Start__c = YESTERDAY").await,
        in_days(-1, 0)
    );
    let month_start = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    let want = org
        .calls
        .iter()
        .filter(|c| c.started.date_naive() >= month_start)
        .count();
    assert_eq!(
        count("SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_Start__c = THIS_MONTH").await,
        want
    );
    let cut = day(-14).and_hms_opt(0, 0, 0).unwrap().and_utc();
    let want = org.calls.iter().filter(|c| c.started >= cut).count();
    let q = format!(
        "SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_Start__c >= {}T00:00:00Z",
        day(-14)
    );
    assert_eq!(count_owned(&sim, &t, q).await, want);
    let q = format!(
        "SELECT Id FROM Gong__Gong_Call__c WHERE Gong__Call_Start__c >= {}T02:00:00+02:00",
        day(-14)
    );
    assert_eq!(count_owned(&sim, &t, q).await, want);

    // ORDER BY with NULLS, LIMIT and OFFSET.
    let body = sim.ok(&t, "SELECT Name, Amount FROM Opportunity ORDER BY Amount DESC NULLS LAST, Name ASC LIMIT 3 OFFSET 1").await;
    let mut amounts: Vec<f64> = org.opportunities.iter().map(|o| o.amount).collect();
    amounts.sort_by(|a, b| b.total_cmp(a));
    let got: Vec<f64> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Amount"].as_f64().unwrap())
        .collect();
    assert_eq!(got, amounts[1..4]);
    let body = sim.ok(&t, "SELECT Name FROM Gong__Gong_Call__c ORDER BY Gong__Primary_Opportunity__c NULLS FIRST LIMIT 1").await;
    // NULLS FIRST: a call without a deal when there is one, else one on the lowest deal id
    // (`None` sorts before `Some` as a null does).
    let lowest = org
        .calls
        .iter()
        .map(|c| c.opportunity_id.as_deref())
        .min()
        .expect("the sample org has calls");
    let name = body["records"][0]["Name"].as_str().unwrap();
    assert!(
        org.calls
            .iter()
            .any(|c| c.sf_name == name && c.opportunity_id.as_deref() == lowest),
        "{name} is not on {lowest:?}"
    );
}

async fn count_owned(sim: &Sim, t: &str, q: String) -> usize {
    sim.ok(t, &q).await["totalSize"].as_u64().unwrap() as usize
}

#[tokio::test]
async fn query_and_search_errors_look_like_salesforce() {
    let sim = start(SalesforceSimConfig::default()).await;
    let t = sim.integration().await;

    let (status, body) = sim.soql(&t, "SELECT Id FORM Account").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "MALFORMED_QUERY");
    assert!(
        error_message(&body).contains("unexpected token: 'FORM'"),
        "{body}"
    );
    assert!(
        error_message(&body).contains("ERROR at Row:1:Column:11"),
        "{body}"
    );

    let (status, body) = sim
        .soql(&t, "SELECT Id FROM Account WHERE Name = 'open")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "MALFORMED_QUERY");
    assert!(error_message(&body).starts_with("line 1:"), "{body}");

    let (status, body) = sim.soql(&t, "SELECT Id, Foo FROM Account").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "INVALID_FIELD");
    assert!(
        error_message(&body).contains("No such column 'Foo' on entity 'Account'"),
        "{body}"
    );

    let (_, body) = sim.soql(&t, "SELECT Id FROM Foo").await;
    assert_eq!(error_code(&body), "INVALID_TYPE");
    assert!(
        error_message(&body).contains("sObject type 'Foo' is not supported"),
        "{body}"
    );

    let (_, body) = sim
        .soql(&t, "SELECT Id FROM Account WHERE Id = 'not-an-id'")
        .await;
    assert_eq!(error_code(&body), "INVALID_QUERY_FILTER_OPERATOR");

    let (status, body) = sim.get(&t, &format!("/services/data/{V}/query"), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "MALFORMED_QUERY");

    for (q, needle) in [
        (
            "FIND {A} RETURNING Account(Id)",
            "longer than one character",
        ),
        ("FIND Acme RETURNING Account(Id)", "enclosed in braces"),
        ("FIND {Acme} RETURNING Account(Id", "unexpected token"),
    ] {
        let (status, body) = sim.sosl(&t, q).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(error_code(&body), "MALFORMED_SEARCH", "{q}");
        assert!(error_message(&body).contains(needle), "{q}: {body}");
    }
    let (_, body) = sim.sosl(&t, "FIND {Acme} RETURNING Acount(Id)").await;
    assert_eq!(error_code(&body), "INVALID_TYPE");

    let (status, body) = sim
        .get(
            &t,
            &format!("/services/data/{V}/sobjects/Account/001000000000000AAA"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        serde_json::json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
    );
    let (status, _) = sim
        .get(
            &t,
            "/services/data/latest/query",
            &[("q", "SELECT Id FROM Account")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = sim.get(&t, "/services/nothing", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn paging_follows_next_records_url() {
    let sim = start(SalesforceSimConfig {
        page_size: 7,
        ..Default::default()
    })
    .await;
    let t = sim.integration().await;
    let body = sim.ok(&t, "SELECT Id, Name FROM Gong__Gong_Call__c").await;
    let total = sim.org.calls.len();
    assert!(total > 14, "enough calls for three pages");
    assert_eq!(body["totalSize"], total);
    assert_eq!(body["done"], false);
    assert_eq!(body["records"].as_array().unwrap().len(), 7);
    let mut ids: Vec<String> = strings(&body["records"], "Id");
    let mut next = body["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(
        next.starts_with(&format!("/services/data/{V}/query/01g")),
        "{next}"
    );
    assert!(next.ends_with("-7"), "{next}");

    // Another user cannot continue someone else's query.
    let rep = sim.login(&sim.username(UserRole::Rep, 0)).await;
    let (status, body) = sim.get(&rep, &next, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "INVALID_QUERY_LOCATOR");

    loop {
        let (status, body) = sim.get(&t, &next, &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["totalSize"], total);
        ids.extend(strings(&body["records"], "Id"));
        match body["nextRecordsUrl"].as_str() {
            Some(n) => {
                assert_eq!(body["done"], false);
                next = n.to_string();
            }
            None => {
                assert_eq!(body["done"], true);
                break;
            }
        }
    }
    let want: Vec<String> = sim.org.calls.iter().map(|c| c.sf_id.clone()).collect();
    assert_eq!(ids, want);
    let (status, body) = sim
        .get(
            &t,
            &format!("/services/data/{V}/query/01gnonsense0000000-7"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn sosl_wildcards_and_scopes() {
    let sim = start(SalesforceSimConfig::default()).await;
    let t = sim.integration().await;
    let names = |body: &Value| -> Vec<String> { strings(&body["searchRecords"], "Name") };
    let (_, body) = sim
        .sosl(&t, "FIND {Acm*} IN NAME FIELDS RETURNING Account(Name)")
        .await;
    assert_eq!(names(&body), ["Acme Logistics"]);
    let (_, body) = sim.sosl(&t, "FIND {Gl?bex} RETURNING Account(Name)").await;
    assert_eq!(names(&body), ["Globex Manufacturing"]);
    let (_, body) = sim
        .sosl(&t, "FIND {acme logistics} RETURNING Account(Name)")
        .await;
    assert_eq!(names(&body), ["Acme Logistics"]);
    let (_, body) = sim
        .sosl(
            &t,
            "FIND {Acme OR Globex} IN NAME FIELDS RETURNING Account(Name ORDER BY Name DESC)",
        )
        .await;
    assert_eq!(names(&body), ["Globex Manufacturing", "Acme Logistics"]);
    let (_, body) = sim
        .sosl(&t, "FIND {Acm} IN NAME FIELDS RETURNING Account(Name)")
        .await;
    assert_eq!(
        names(&body),
        Vec::<String>::new(),
        "whole words unless a wildcard says otherwise"
    );

    // An e-mail address (reserved characters escaped as a client would) finds the contact.
    let contact = &sim.org.contacts[0];
    let term = contact.email.replace('-', "\\-");
    let (status, body) = sim
        .sosl(
            &t,
            &format!(
                "FIND {{{term}}} IN EMAIL FIELDS RETURNING Contact(Id, Name, Email, Account.Name)"
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hits = body["searchRecords"].as_array().unwrap();
    assert!(
        hits.iter().any(|h| h["Id"] == contact.id.as_str()),
        "{body}"
    );
    assert!(hits[0]["Account"]["Name"].is_string());

    // Several objects, a filter inside one, and the overall limit.
    let (_, body) = sim
        .sosl(&t, "FIND {Acme} RETURNING Account(Name), Opportunity(Name WHERE IsClosed = false), Gong__Gong_Call__c(Name, Gong__Title__c) LIMIT 4")
        .await;
    let hits = body["searchRecords"].as_array().unwrap();
    assert_eq!(hits.len(), 4);
    assert_eq!(hits[0]["attributes"]["type"], "Account");
}

#[tokio::test]
async fn records_by_id() {
    let sim = start(SalesforceSimConfig::default()).await;
    let t = sim.integration().await;
    let call = &sim.org.calls[0];
    let (status, body) = sim
        .get(
            &t,
            &format!(
                "/services/data/{V}/sobjects/Gong__Gong_Call__c/{}",
                call.sf_id
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["Gong__Call_ID__c"], call.gong_id.as_str());
    assert_eq!(body["Gong__View_call__c"], call.url.as_str());
    assert_eq!(
        body["Gong__Call_Duration_sec__c"].as_f64(),
        Some(f64::from(call.duration))
    );
    assert!(body.get("Gong__Call_Brief__c").is_some());
    // 15-character ids and lower-case type names work; other objects' ids do not.
    let (status, body) = sim
        .get(
            &t,
            &format!(
                "/services/data/{V}/sobjects/account/{}",
                &sim.org.accounts[0].id[..15]
            ),
            &[("fields", "Name,Owner.Name")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["Name"], sim.org.accounts[0].name.as_str());
    assert!(body["Owner"]["Name"].is_string());
    assert!(body.get("Industry").is_none());
    let (status, _) = sim
        .get(
            &t,
            &format!(
                "/services/data/{V}/sobjects/Contact/{}",
                sim.org.accounts[0].id
            ),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = sim
        .get(
            &t,
            &format!("/services/data/{V}/sobjects/Gong__Gong_Call__c/describe"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Gong__Primary_Account__c"
            && f["relationshipName"] == "Gong__Primary_Account__r"));
    let r = sim
        .http
        .get(format!("{}/services/data/", sim.base))
        .send()
        .await
        .unwrap();
    let versions: Value = r.json().await.unwrap();
    assert!(versions
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["version"] == "62.0"));
}

#[tokio::test]
async fn an_org_without_the_gong_package_has_no_call_object() {
    let sim = start(SalesforceSimConfig {
        gong_package: false,
        ..SalesforceSimConfig::default()
    })
    .await;
    let t = sim.integration().await;
    let (status, body) = sim
        .get(
            &t,
            &format!("/services/data/{V}/sobjects/Gong__Gong_Call__c/describe"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(error_code(&body), "NOT_FOUND");
    assert_eq!(
        error_message(&body),
        "The requested resource does not exist"
    );

    let (status, body) = sim
        .soql(
            &t,
            "SELECT Id, Gong__Call_ID__c FROM Gong__Gong_Call__c LIMIT 1",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "INVALID_TYPE");
    assert!(
        error_message(&body)
            .contains("sObject type 'Gong__Gong_Call__c' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name."),
        "{body}"
    );
    assert!(
        error_message(&body).contains("ERROR at Row:1:Column:"),
        "{body}"
    );

    let (status, body) = sim
        .sosl(&t, "FIND {Acme} RETURNING Gong__Gong_Call__c(Id)")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "INVALID_TYPE");

    let (_, body) = sim
        .get(&t, &format!("/services/data/{V}/sobjects"), &[])
        .await;
    assert!(!body["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "Gong__Gong_Call__c"));
    // Nor is its relationship on Account: not in describe, refused in a subquery.
    let (_, body) = sim
        .get(
            &t,
            &format!("/services/data/{V}/sobjects/Account/describe"),
            &[],
        )
        .await;
    let children: Vec<&str> = body["childRelationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["relationshipName"].as_str())
        .collect();
    assert!(children.contains(&"Contacts"), "{children:?}");
    assert!(!children.contains(&"Gong__Gong_Calls__r"), "{children:?}");
    let (status, body) = sim
        .soql(
            &t,
            "SELECT Id, (SELECT Id FROM Gong__Gong_Calls__r) FROM Account",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "INVALID_TYPE");
    // The rest of the org is there.
    let body = sim.ok(&t, "SELECT Id, Website FROM Account").await;
    assert_eq!(body["totalSize"], sim.org.accounts.len());
}

/// Parent-to-child subqueries answer each parent's visible children as a nested query result,
/// `null` when there are none; `describe` lists the relationship names they take.
#[tokio::test]
async fn subqueries_nest_visible_children_as_salesforce_does() {
    let sim = start(SalesforceSimConfig::default()).await;
    let maya = sim.username(UserRole::Rep, 0);
    let token = sim.login(&maya).await;
    let acme = sim.account_id("Acme Logistics");
    let (status, body) = sim
        .soql(
            &token,
            &format!(
                "SELECT Name, (SELECT Name, CreatedDate FROM Contacts ORDER BY Name), \
                 (SELECT Subject, (SELECT Id FROM EventRelations) FROM Events) FROM Account WHERE Id = '{acme}'"
            ),
        )
        .await;
    // A subquery inside a subquery is refused, as Salesforce does.
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "MALFORMED_QUERY", "{body}");
    let body = sim
        .ok(
            &token,
            &format!(
                "SELECT Name, (SELECT Name, CreatedDate FROM Contacts ORDER BY Name), \
                 (SELECT Subject FROM Events) FROM Account WHERE Id = '{acme}'"
            ),
        )
        .await;
    let row = &body["records"][0];
    let contacts = &row["Contacts"];
    let expected = sim.org.contacts_for_account(&acme).count();
    assert_eq!(contacts["totalSize"], expected, "{row}");
    assert_eq!(contacts["done"], true);
    assert_eq!(contacts["records"][0]["attributes"]["type"], "Contact");
    assert!(contacts["records"][0]["CreatedDate"].is_string());
    // The meeting is on the deal, not on the account itself: under the account only the
    // senior rep's private event, which is hers.
    let private: Vec<_> = sim
        .org
        .events
        .iter()
        .filter(|e| e.is_private && e.what_id == acme)
        .collect();
    assert_eq!(private.len(), 1);
    assert_eq!(row["Events"]["totalSize"], 1, "{row}");
    assert_eq!(row["Events"]["records"][0]["Subject"], private[0].subject);
    let body = sim
        .ok(
            &token,
            &format!(
                "SELECT Name, (SELECT Subject FROM Events), (SELECT Field, NewValue FROM Histories) \
                 FROM Opportunity WHERE AccountId = '{acme}' AND IsClosed = false"
            ),
        )
        .await;
    let deal = &body["records"][0];
    assert_eq!(deal["Events"]["totalSize"], 1, "{deal}");
    assert!(
        deal["Histories"]["totalSize"].as_u64().unwrap() > 0,
        "{deal}"
    );

    let (status, describe) = sim
        .get(
            &token,
            &format!("/services/data/{V}/sobjects/Opportunity/describe"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = describe["childRelationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["relationshipName"].as_str())
        .collect();
    for name in ["OpportunityContactRoles", "Events", "Tasks", "Histories"] {
        assert!(names.contains(&name), "{names:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn latency_delays_every_answer_on_tokios_clock() {
    let sim = start(SalesforceSimConfig {
        latency: std::time::Duration::from_millis(100),
        ..SalesforceSimConfig::default()
    })
    .await;
    let maya = sim.username(UserRole::Rep, 0);
    let token = sim.login(&maya).await;
    let started = tokio::time::Instant::now();
    let body = sim.ok(&token, "SELECT Id FROM Account LIMIT 1").await;
    assert_eq!(body["totalSize"], 1);
    assert_eq!(started.elapsed(), std::time::Duration::from_millis(100));
}
