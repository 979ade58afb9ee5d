//! The Salesforce simulator over real HTTP: OAuth flows, SOQL and SOSL forms, errors, paging,
//! sharing, token expiry and the API quota. Expectations are computed from the sample org itself.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use reqwest::StatusCode;
use serde_json::Value;
use sim::clock::{Clock, ManualClock};
use sim::org::{SampleOrg, UserRole};
use sim::salesforce::{spawn, SalesforceSimConfig, DEMO_PASSWORD};

const V: &str = "v62.0";

struct Sim {
    org: Arc<SampleOrg>,
    base: String,
    http: reqwest::Client,
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 4).unwrap()
}

async fn start(config: SalesforceSimConfig) -> Sim {
    let org = Arc::new(SampleOrg::generate(today()));
    let running = spawn(org.clone(), config).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Sim {
        org,
        base: running.base_url,
        http,
    }
}

impl Sim {
    fn username(&self, role: UserRole, nth: usize) -> String {
        self.org
            .users
            .iter()
            .filter(|u| u.role == role)
            .nth(nth)
            .unwrap()
            .username
            .clone()
    }

    fn user_id(&self, username: &str) -> String {
        self.org
            .users
            .iter()
            .find(|u| u.username == username)
            .unwrap()
            .id
            .clone()
    }

    async fn post_token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}/services/oauth2/token", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap())
    }

    async fn exchange(&self, code: &str, redirect_uri: &str) -> (StatusCode, Value) {
        self.post_token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", "demo-client-id"),
            ("client_secret", "demo-client-secret"),
        ])
        .await
    }

    async fn login(&self, username: &str) -> String {
        let (status, body) = self
            .post_token(&[
                ("grant_type", "password"),
                ("client_id", "demo-client-id"),
                ("client_secret", "demo-client-secret"),
                ("username", username),
                ("password", DEMO_PASSWORD),
            ])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    async fn integration(&self) -> String {
        let (status, body) = self
            .post_token(&[
                ("grant_type", "client_credentials"),
                ("client_id", "demo-client-id"),
                ("client_secret", "demo-client-secret"),
            ])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    async fn get(&self, token: &str, path: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .query(query)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn soql(&self, token: &str, q: &str) -> (StatusCode, Value) {
        self.get(token, &format!("/services/data/{V}/query"), &[("q", q)])
            .await
    }

    async fn ok(&self, token: &str, q: &str) -> Value {
        let (status, body) = self.soql(token, q).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        body
    }

    async fn sosl(&self, token: &str, q: &str) -> (StatusCode, Value) {
        self.get(token, &format!("/services/data/{V}/search"), &[("q", q)])
            .await
    }

    fn account_id(&self, name: &str) -> String {
        self.org.account_by_name(name).unwrap().id.clone()
    }
}

fn strings(rows: &Value, key: &str) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_str().unwrap_or("<null>").to_string())
        .collect()
}

fn error_code(body: &Value) -> &str {
    body[0]["errorCode"].as_str().unwrap_or("")
}

fn error_message(body: &Value) -> &str {
    body[0]["message"].as_str().unwrap_or("")
}

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
async fn token_grants_and_their_errors() {
    let sim = start(SalesforceSimConfig::default()).await;
    let rep = sim.username(UserRole::Rep, 0);
    let ok = [
        ("client_id", "demo-client-id"),
        ("client_secret", "demo-client-secret"),
    ];

    let (status, body) = sim
        .post_token(&[
            ok[0],
            ok[1],
            ("grant_type", "password"),
            ("username", &rep),
            ("password", DEMO_PASSWORD),
        ])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["instance_url"], sim.base.as_str());
    let id = body["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!("{}/id/00D", sim.base)) && id.ends_with(&sim.user_id(&rep)),
        "{id}"
    );
    assert!(body["issued_at"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(body["signature"].is_string() && body["scope"].is_string());
    assert!(body.get("refresh_token").is_none());

    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[
                ok[0],
                ok[1],
                ("grant_type", "password"),
                ("username", &rep),
                ("password", "wrong"),
            ],
            "invalid_grant",
        ),
        (
            &[
                ok[0],
                ok[1],
                ("grant_type", "password"),
                ("username", "nobody@x.com"),
                ("password", DEMO_PASSWORD),
            ],
            "invalid_grant",
        ),
        (
            &[
                ("client_id", "other"),
                ok[1],
                ("grant_type", "client_credentials"),
            ],
            "invalid_client_id",
        ),
        (
            &[
                ok[0],
                ("client_secret", "wrong"),
                ("grant_type", "client_credentials"),
            ],
            "invalid_client",
        ),
        (
            &[
                ok[0],
                ok[1],
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ],
            "unsupported_grant_type",
        ),
        (
            &[
                ok[0],
                ok[1],
                ("grant_type", "refresh_token"),
                ("refresh_token", "5Aepnope"),
            ],
            "invalid_grant",
        ),
    ];
    for (form, error) in cases {
        let (status, body) = sim.post_token(form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form:?}");
        assert_eq!(body["error"], error, "{form:?}: {body}");
        assert!(body["error_description"].is_string());
    }
    let (_, body) = sim
        .post_token(&[
            ok[0],
            ok[1],
            ("grant_type", "password"),
            ("username", &rep),
            ("password", "wrong"),
        ])
        .await;
    assert_eq!(body["error_description"], "authentication failure");

    // client_credentials acts as the integration user; client auth may come as Basic.
    let r = sim
        .http
        .post(format!("{}/services/oauth2/token", sim.base))
        .basic_auth("demo-client-id", Some("demo-client-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let (status, info) = sim.get(token, "/services/oauth2/userinfo", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        info["preferred_username"],
        sim.username(UserRole::Integration, 0).as_str()
    );
    assert!(info["organization_id"].as_str().unwrap().starts_with("00D"));
    let (status, body) = sim.get("garbage", "/services/oauth2/userinfo", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "INVALID_SESSION_ID");
}

#[tokio::test]
async fn authorization_code_flow_keeps_state() {
    let sim = start(SalesforceSimConfig::default()).await;
    let rep = sim.username(UserRole::Rep, 1);
    let callback = "https://chatgpt.com/aip/g-123/oauth/callback";
    let state = "st/ä&x=1 +=";

    let page = sim
        .http
        .get(format!("{}/services/oauth2/authorize", sim.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", "demo-client-id"),
            ("redirect_uri", callback),
            ("state", state),
            ("scope", "api refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for u in &sim.org.users {
        assert!(
            html.contains(&u.username),
            "login page lists {}",
            u.username
        );
    }
    assert!(html.contains(DEMO_PASSWORD));
    assert!(
        html.contains("st/ä&amp;x=1 +="),
        "state is carried, escaped"
    );

    let submit = |password: &'static str| {
        let form = vec![
            ("response_type", "code".to_string()),
            ("client_id", "demo-client-id".to_string()),
            ("redirect_uri", callback.to_string()),
            ("state", state.to_string()),
            ("scope", "api refresh_token".to_string()),
            ("username", rep.clone()),
            ("password", password.to_string()),
        ];
        sim.http
            .post(format!("{}/services/oauth2/authorize", sim.base))
            .form(&form)
            .send()
    };
    let wrong = submit("nope").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("location").is_none());

    let r = submit(DEMO_PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(callback), "{location}");
    let url = url::Url::parse(&location).unwrap();
    let pairs: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], state);
    let code = pairs["code"].clone();

    let (status, body) = sim.exchange(&code, callback).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(body["scope"], "api refresh_token");
    let (_, info) = sim.get(&access, "/services/oauth2/userinfo", &[]).await;
    assert_eq!(info["preferred_username"], rep.as_str());
    assert_eq!(info["user_id"], sim.user_id(&rep).as_str());

    // A code works once.
    let (status, body) = sim.exchange(&code, callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    // The token request must repeat the redirect_uri.
    let r = submit(DEMO_PASSWORD).await.unwrap();
    let url = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let (status, body) = sim.exchange(&code, "https://evil.example/cb").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "redirect_uri_mismatch");

    // The refresh token gives a new access token for the same user.
    let (status, body) = sim
        .post_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", "demo-client-id"),
            ("client_secret", "demo-client-secret"),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again = body["access_token"].as_str().unwrap();
    assert_ne!(again, access);
    let (_, info) = sim.get(again, "/services/oauth2/userinfo", &[]).await;
    assert_eq!(info["preferred_username"], rep.as_str());

    // Deny, an unknown client and a bad response_type.
    let r = sim
        .http
        .post(format!("{}/services/oauth2/authorize", sim.base))
        .form(&[
            ("response_type", "code"),
            ("client_id", "demo-client-id"),
            ("redirect_uri", callback),
            ("state", "s1"),
            ("action", "deny"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap();
    assert!(
        loc.contains("error=access_denied") && loc.contains("state=s1"),
        "{loc}"
    );
    let r = sim
        .http
        .get(format!("{}/services/oauth2/authorize", sim.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", "other"),
            ("redirect_uri", callback),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = sim
        .http
        .get(format!("{}/services/oauth2/authorize", sim.base))
        .query(&[
            ("response_type", "token"),
            ("client_id", "demo-client-id"),
            ("redirect_uri", callback),
            ("state", "s2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=unsupported_response_type"));
}

#[tokio::test]
async fn expired_missing_and_revoked_tokens_answer_401() {
    let clock = ManualClock::new();
    let sim = start(
        SalesforceSimConfig {
            token_ttl: Duration::from_secs(60),
            ..Default::default()
        }
        .with_clock(clock.clone()),
    )
    .await;
    let token = sim.integration().await;
    let q = "SELECT Id FROM Account LIMIT 1";
    clock.advance(Duration::from_secs(59));
    assert_eq!(sim.soql(&token, q).await.0, StatusCode::OK);
    clock.advance(Duration::from_secs(1));
    let (status, body) = sim.soql(&token, q).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        serde_json::json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );

    let r = sim
        .http
        .get(format!("{}/services/data/{V}/query", sim.base))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let token = sim.integration().await;
    let r = sim
        .http
        .post(format!("{}/services/oauth2/revoke", sim.base))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(sim.soql(&token, q).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn issued_at_is_the_clocks_time_in_milliseconds() {
    let issued = chrono::DateTime::parse_from_rfc3339("2025-06-04T09:30:00Z")
        .unwrap()
        .to_utc();
    let clock = ManualClock::starting_at(issued);
    let sim = start(SalesforceSimConfig::default().with_clock(clock.clone())).await;
    let issued_at = |body: &Value| body["issued_at"].as_str().unwrap().parse::<i64>().unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "demo-client-id"),
        ("client_secret", "demo-client-secret"),
    ];
    let (_, first) = sim.post_token(&form).await;
    assert_eq!(issued_at(&first), issued.timestamp_millis());
    clock.advance(Duration::from_millis(1500));
    let (_, second) = sim.post_token(&form).await;
    assert_eq!(issued_at(&second), clock.utc().timestamp_millis());
    assert_eq!(issued_at(&second) - issued_at(&first), 1500);
}

#[tokio::test]
async fn the_api_quota_answers_403_when_used_up() {
    let sim = start(SalesforceSimConfig {
        api_quota: Some(2),
        ..Default::default()
    })
    .await;
    let token = sim.integration().await;
    let q = "SELECT Id FROM Account LIMIT 1";
    assert_eq!(sim.soql(&token, q).await.0, StatusCode::OK);
    assert_eq!(sim.sosl(&token, "FIND {Acme}").await.0, StatusCode::OK);
    let (status, body) = sim.soql(&token, q).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "REQUEST_LIMIT_EXCEEDED");
    // OAuth does not count: tokens are still issued.
    sim.integration().await;
}

#[tokio::test]
async fn public_url_is_reported_as_instance_url() {
    let sim = start(SalesforceSimConfig {
        public_url: Some("https://sf.example.test/".into()),
        ..Default::default()
    })
    .await;
    let (_, body) = sim
        .post_token(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client-id"),
            ("client_secret", "demo-client-secret"),
        ])
        .await;
    assert_eq!(body["instance_url"], "https://sf.example.test");
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
    // The meeting is on the deal, not on the account itself: no events under the account.
    assert_eq!(row["Events"], Value::Null, "{row}");
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
