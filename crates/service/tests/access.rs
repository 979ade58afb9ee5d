//! The service against the Gong and Salesforce simulators over real HTTP: who sees what,
//! token checks, injection attempts and the size budget.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use service::budget::MAX_MAX_CHARS;
use service::dto::TranscriptsAnswer;
use service::{
    AccountId, BriefingRequest, CallId, Caller, GongFields, MaxChars, Methodology, Rendering,
    Service, ServiceError, ServiceOptions, TranscriptMode, TranscriptsRequest,
};
use sim::clock::ManualClock;
use sim::org::{SampleOrg, UserRole};
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};

mod common;

use common::{gong_client, salesforce_client, unlimited_gong};

fn account_id(id: &str) -> AccountId {
    AccountId::parse("id", id).unwrap()
}

fn calls(ids: &[String]) -> Vec<CallId> {
    ids.iter()
        .map(|id| CallId::parse("callIds", id).unwrap())
        .collect()
}

fn budget(max: usize) -> MaxChars {
    MaxChars::parse("maxChars", Some(max), MAX_MAX_CHARS).unwrap()
}

async fn transcripts(service: &Service, caller: &Caller, ids: &[String]) -> TranscriptsAnswer {
    let request = TranscriptsRequest {
        call_ids: calls(ids),
        max_chars: budget(2_000_000),
        offsets: HashMap::new(),
        timestamps: false,
    };
    service.transcripts(caller, &request).await.unwrap()
}

struct Env {
    org: Arc<SampleOrg>,
    sf_base: String,
    gong_base: String,
    http: reqwest::Client,
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 4).unwrap()
}

async fn env_with(sf: SalesforceSimConfig) -> Env {
    let org = Arc::new(SampleOrg::generate(today()));
    let gong = unlimited_gong(org.clone()).await;
    let sf = sim::salesforce::spawn(org.clone(), sf).await.unwrap();
    Env {
        org,
        sf_base: sf.base_url,
        gong_base: gong.base_url,
        http: reqwest::Client::new(),
    }
}

async fn env() -> Env {
    env_with(SalesforceSimConfig::default()).await
}

impl Env {
    fn service_with(&self, options: ServiceOptions) -> Service {
        Service::new(
            gong_client(&self.gong_base),
            Some(salesforce_client(&self.sf_base)),
            options,
        )
        .unwrap()
    }

    fn service(&self) -> Service {
        self.service_with(ServiceOptions::default())
    }

    fn user(&self, first_name: &str) -> &sim::org::User {
        self.org
            .users
            .iter()
            .find(|u| u.first_name == first_name)
            .unwrap()
    }

    async fn token_at(&self, base: &str, first_name: &str) -> String {
        let username = self.user(first_name).username.clone();
        let body: serde_json::Value = self
            .http
            .post(format!("{base}/services/oauth2/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
                ("username", username.as_str()),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn token(&self, first_name: &str) -> String {
        self.token_at(&self.sf_base, first_name).await
    }

    async fn caller(&self, service: &Service, first_name: &str) -> Caller {
        let token = self.token(first_name).await;
        service.authenticate_salesforce_token(&token).await.unwrap()
    }

    /// Ids of the accounts `first_name` can see under the simulator's sharing rules.
    fn visible_accounts(&self, first_name: &str) -> HashSet<String> {
        let user = self.user(first_name);
        let team: Vec<&str> = match user.role {
            UserRole::Integration => {
                return self.org.accounts.iter().map(|a| a.id.clone()).collect()
            }
            UserRole::Rep => vec![user.id.as_str()],
            UserRole::Manager => self
                .org
                .users
                .iter()
                .filter(|u| u.id == user.id || u.manager_id.as_deref() == Some(user.id.as_str()))
                .map(|u| u.id.as_str())
                .collect(),
        };
        self.org
            .accounts
            .iter()
            .filter(|a| {
                team.contains(&a.owner_id.as_str())
                    || a.shared_with.iter().any(|s| team.contains(&s.as_str()))
            })
            .map(|a| a.id.clone())
            .collect()
    }

    /// An account `first_name` owns that `other` cannot see.
    fn own_account_hidden_from(&self, first_name: &str, other: &str) -> &sim::org::Account {
        let hidden = self.visible_accounts(other);
        let owner = &self.user(first_name).id;
        self.org
            .accounts
            .iter()
            .find(|a| &a.owner_id == owner && !hidden.contains(&a.id))
            .unwrap()
    }

    fn call_ids_of(&self, account_id: &str) -> Vec<String> {
        self.org
            .calls_for_account(account_id)
            .map(|c| c.gong_id.clone())
            .collect()
    }
}

#[tokio::test]
async fn two_reps_each_see_only_their_own_accounts_briefings() {
    let env = env().await;
    let service = env.service();
    let maya = env.caller(&service, "Maya").await;
    let priya = env.caller(&service, "Priya").await;
    assert_eq!(maya.user_id(), Some(env.user("Maya").id.as_str()));

    for (me, caller, other) in [("Maya", &maya, "Priya"), ("Priya", &priya, "Maya")] {
        let mine = env.own_account_hidden_from(me, other);
        let theirs = env.own_account_hidden_from(other, me);

        let mut request = BriefingRequest::new(account_id(&mine.id));
        request.calls = 20;
        let briefing = service.briefing(caller, &request).await.unwrap();
        assert_eq!(briefing.account.name, mine.name);
        let expected = env.call_ids_of(&mine.id);
        let got: Vec<&str> = briefing.calls.iter().map(|c| c.call_id.as_str()).collect();
        assert_eq!(got, expected, "newest first, all of the account's calls");
        assert!(!briefing.transcripts.is_empty());
        assert!(briefing
            .transcripts
            .iter()
            .all(|t| expected.contains(&t.call_id)));
        assert!(briefing.calls.iter().all(|c| !c.attendees.is_empty()));

        let err = service
            .briefing(caller, &BriefingRequest::new(account_id(&theirs.id)))
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::NotFound { .. }), "{err}");
        let err = service
            .account_calls(caller, &account_id(&theirs.id), 10)
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::NotFound { .. }), "{err}");

        let hits = service.search_accounts(caller, &theirs.name).await.unwrap();
        assert!(hits.iter().all(|h| h.id != theirs.id), "{hits:?}");
        let hits = service.search_accounts(caller, &mine.name).await.unwrap();
        assert!(hits.iter().any(|h| h.id == mine.id), "{hits:?}");
    }
}

#[tokio::test]
async fn the_manager_sees_the_team() {
    let env = env().await;
    let service = env.service();
    let dana = env.caller(&service, "Dana").await;
    let visible = env.visible_accounts("Dana");
    for rep in ["Maya", "Priya", "Jordan"] {
        let account = env
            .org
            .accounts
            .iter()
            .find(|a| a.owner_id == env.user(rep).id)
            .unwrap();
        assert!(visible.contains(&account.id));
        let calls = service
            .account_calls(&dana, &account_id(&account.id), 3)
            .await
            .unwrap();
        assert_eq!(calls.len(), 3.min(env.call_ids_of(&account.id).len()));
        let hits = service.search_accounts(&dana, &account.name).await.unwrap();
        assert!(hits.iter().any(|h| h.id == account.id), "{rep}: {hits:?}");
    }
}

#[tokio::test]
async fn call_ids_the_caller_cannot_see_are_withheld_and_never_sent_to_gong() {
    let env = env().await;
    // Gong is a recording stand-in here, so the test sees every id sent to it.
    let gong = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(404).set_body_json(serde_json::json!({
                "requestId": "x", "errors": ["No calls found corresponding to the provided filters"]
            })),
        )
        .mount(&gong)
        .await;
    let service = Service::new(
        gong_client(&gong.uri()),
        Some(salesforce_client(&env.sf_base)),
        ServiceOptions::default(),
    )
    .unwrap();
    let maya = env.caller(&service, "Maya").await;
    let mine = env.call_ids_of(&env.own_account_hidden_from("Maya", "Priya").id);
    let theirs = env.call_ids_of(&env.own_account_hidden_from("Priya", "Maya").id);
    let unknown = "1234567890123".to_string();
    let asked = vec![
        theirs[0].clone(),
        mine[0].clone(),
        unknown.clone(),
        mine[1].clone(),
    ];

    let answer = transcripts(&service, &maya, &asked).await;
    // The stand-in knows no call, so the readable ones come back as not found.
    assert_eq!(answer.not_found, calls(&[mine[0].clone(), mine[1].clone()]));
    assert_eq!(answer.not_accessible, calls(&[theirs[0].clone(), unknown]));

    let requests = gong.received_requests().await.unwrap();
    assert!(!requests.is_empty());
    for r in &requests {
        let body = String::from_utf8_lossy(&r.body);
        assert!(body.contains(&mine[0]), "{body}");
        assert!(
            !body.contains(&theirs[0]),
            "withheld id sent to Gong: {body}"
        );
        assert!(!body.contains("1234567890123"), "{body}");
    }

    // A caller who can see nothing asked for sends nothing to Gong.
    let before = gong.received_requests().await.unwrap().len();
    let answer = transcripts(&service, &maya, &theirs).await;
    assert!(answer.call_transcripts.is_empty());
    assert_eq!(answer.not_accessible, calls(&theirs));
    assert_eq!(gong.received_requests().await.unwrap().len(), before);

    // API-key callers keep the original middleware's model: every id is fetched.
    let access = service
        .accessible_call_ids(&Caller::ServiceAccount, &calls(&asked))
        .await
        .unwrap();
    assert_eq!(access.accessible.len(), 4);
}

#[tokio::test]
async fn transcripts_come_back_only_for_the_callers_calls() {
    let env = env().await;
    let service = env.service();
    let priya = env.caller(&service, "Priya").await;
    let mine = env.call_ids_of(&env.own_account_hidden_from("Priya", "Maya").id);
    let theirs = env.call_ids_of(&env.own_account_hidden_from("Maya", "Priya").id);
    let asked: Vec<String> = mine.iter().chain(&theirs).cloned().collect();
    let answer = transcripts(&service, &priya, &asked).await;
    let got: HashSet<&str> = answer
        .call_transcripts
        .iter()
        .map(|t| t.call_id.as_str())
        .collect();
    assert_eq!(got, mine.iter().map(String::as_str).collect());
    assert_eq!(answer.not_accessible, calls(&theirs));
}

#[tokio::test]
async fn forged_expired_revoked_and_other_org_tokens_are_unauthorized() {
    let clock = ManualClock::new();
    let env = env_with(
        SalesforceSimConfig {
            token_ttl: Duration::from_secs(60),
            ..SalesforceSimConfig::default()
        }
        .with_clock(clock.clone()),
    )
    .await;
    let service = env.service();
    let unauthorized =
        |r: Result<Caller, ServiceError>| matches!(r, Err(ServiceError::Unauthorized { .. }));

    assert!(unauthorized(
        service.authenticate_salesforce_token("").await
    ));
    assert!(unauthorized(
        service
            .authenticate_salesforce_token("00D000000000001!forged")
            .await
    ));

    // A token from another Salesforce (a second simulator, same org data).
    let other = sim::salesforce::spawn(env.org.clone(), SalesforceSimConfig::default())
        .await
        .unwrap();
    let foreign = env.token_at(&other.base_url, "Maya").await;
    assert!(unauthorized(
        service.authenticate_salesforce_token(&foreign).await
    ));

    // Revoked: signed out at Salesforce before callbrief ever checked it.
    let token = env.token("Priya").await;
    let revoked = env
        .http
        .post(format!("{}/services/oauth2/revoke", env.sf_base))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success());
    assert!(unauthorized(
        service.authenticate_salesforce_token(&token).await
    ));

    // Expired: issued, never checked, outlived.
    let token = env.token("Maya").await;
    clock.advance(Duration::from_secs(60));
    assert!(unauthorized(
        service.authenticate_salesforce_token(&token).await
    ));
}

#[tokio::test]
async fn token_checks_are_cached_for_the_ttl_only() {
    let env = env().await;
    let revoke = |token: String| {
        let http = env.http.clone();
        let url = format!("{}/services/oauth2/revoke", env.sf_base);
        async move {
            let status = http
                .post(url)
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .status();
            assert!(status.is_success());
        }
    };

    let cached = env.service();
    let token = env.token("Maya").await;
    assert!(cached.authenticate_salesforce_token(&token).await.is_ok());
    revoke(token.clone()).await;
    // Within the TTL the check is not repeated, so the revoked token still passes the check...
    let caller = cached.authenticate_salesforce_token(&token).await.unwrap();
    // ...but Salesforce itself refuses every query made with it.
    let err = cached.search_accounts(&caller, "Acme").await.unwrap_err();
    assert!(matches!(err, ServiceError::Unauthorized { .. }), "{err}");

    let uncached = env.service_with(ServiceOptions {
        token_cache_ttl: Duration::ZERO,
        ..ServiceOptions::default()
    });
    let token = env.token("Maya").await;
    assert!(uncached.authenticate_salesforce_token(&token).await.is_ok());
    revoke(token.clone()).await;
    assert!(matches!(
        uncached.authenticate_salesforce_token(&token).await,
        Err(ServiceError::Unauthorized { .. })
    ));
}

#[tokio::test]
async fn another_org_id_is_refused_when_one_is_expected() {
    let env = env().await;
    let service = env.service_with(ServiceOptions {
        expected_org_id: Some("00D000000000999AAA".into()),
        ..ServiceOptions::default()
    });
    let token = env.token("Maya").await;
    let err = service
        .authenticate_salesforce_token(&token)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Unauthorized { .. }), "{err}");
    let service = env.service_with(ServiceOptions {
        expected_org_id: Some(sim::salesforce::organization_id()),
        ..ServiceOptions::default()
    });
    assert!(service.authenticate_salesforce_token(&token).await.is_ok());
}

#[tokio::test]
async fn injection_attempts_in_names_do_not_widen_results() {
    let env = env().await;
    let service = env.service();
    let maya = env.caller(&service, "Maya").await;
    let visible = env.visible_accounts("Maya");
    let attempts = [
        "x} RETURNING User(Name",
        "zz OR a*",
        "* OR *",
        "zz\" OR \"a",
        "' OR Name != '",
        "zz} IN ALL FIELDS RETURNING Account(Id), Contact(Name",
        "zz AND NOT qq",
    ];
    for attempt in attempts {
        for caller in [&Caller::ServiceAccount, &maya] {
            let hits = service.search_accounts(caller, attempt).await;
            let hits = match hits {
                Ok(hits) => hits,
                // Only a term without two letters or digits is refused before the search.
                Err(ServiceError::Validation { .. }) => {
                    let letters = attempt.chars().filter(|c| c.is_alphanumeric()).count();
                    assert!(
                        letters < service::MIN_SEARCH_CHARS,
                        "{attempt:?} was refused"
                    );
                    continue;
                }
                Err(e) => panic!("{attempt}: {e}"),
            };
            assert!(
                hits.is_empty(),
                "{attempt:?} matched {:?}",
                hits.iter().map(|h| &h.name).collect::<Vec<_>>()
            );
        }
    }
    // A plain search still works, and sharing still applies to it.
    let hits = service.search_accounts(&maya, "a").await.unwrap_err();
    assert!(matches!(hits, ServiceError::Validation { ref field, .. } if field == "name"));
    let all = service
        .search_accounts(&Caller::ServiceAccount, "Acme")
        .await
        .unwrap();
    assert!(!all.is_empty());
    let mine = service.search_accounts(&maya, "Acme").await.unwrap();
    assert!(mine.iter().all(|h| visible.contains(&h.id)));
    // Reserved characters after a real name are searched for, not obeyed.
    for tail in ["\\", "}", ")", "*", "\" OR \"*"] {
        let hits = service
            .search_accounts(&Caller::ServiceAccount, &format!("Acme{tail}"))
            .await
            .unwrap();
        assert!(hits.len() <= all.len(), "{tail}");
        assert!(
            hits.iter().all(|h| h.name.contains("Acme")),
            "{tail}: {hits:?}"
        );
    }
}

#[tokio::test]
async fn bad_ids_are_validation_errors() {
    let env = env().await;
    let service = env.service();
    let maya = env.caller(&service, "Maya").await;
    // Account ids are parsed before the service sees them; what is left is the range.
    for bad in ["", "001", "001' OR Id != '", "003000000000001AAA"] {
        let err = AccountId::parse("id", bad).unwrap_err();
        assert!(
            matches!(err, ServiceError::Validation { ref field, .. } if field == "id"),
            "{bad}: {err}"
        );
    }
    let account = env.own_account_hidden_from("Maya", "Priya");
    let mut request = BriefingRequest::new(account_id(&account.id));
    request.calls = 0;
    let err = service.briefing(&maya, &request).await.unwrap_err();
    assert!(matches!(err, ServiceError::Validation { ref field, .. } if field == "calls"));
}

#[tokio::test]
async fn an_account_without_calls_gets_a_briefing_that_says_so() {
    let env = env().await;
    // Pointing the account field at another lookup leaves every account without calls.
    let service = env.service_with(ServiceOptions {
        fields: GongFields {
            account: "Gong__Primary_Opportunity__c".into(),
            ..GongFields::default()
        },
        ..ServiceOptions::default()
    });
    let maya = env.caller(&service, "Maya").await;
    let account = env.own_account_hidden_from("Maya", "Priya");
    let briefing = service
        .briefing(&maya, &BriefingRequest::new(account_id(&account.id)))
        .await
        .unwrap();
    assert!(briefing.calls.is_empty());
    assert!(briefing.transcripts.is_empty());
    assert!(briefing.notes[0].starts_with("No Gong calls are recorded"));
    assert!(!briefing.opportunities.is_empty());
    let markdown = service::render_markdown(&briefing);
    assert!(markdown.contains("No recorded calls."));
}

#[tokio::test]
async fn a_briefing_holds_its_budget_and_reads_on_with_offsets() {
    let env = env().await;
    let service = env.service();
    let maya = env.caller(&service, "Maya").await;
    let account = env.own_account_hidden_from("Maya", "Priya");
    let mut request = BriefingRequest::new(account_id(&account.id));
    request.calls = 20;
    request.methodology = Methodology::Spiced;
    request.max_chars = budget(30_000);
    // Paging through whole transcripts is reading them in order.
    request.transcripts = TranscriptMode::Full;

    let whole = {
        let mut r = request.clone();
        r.max_chars = budget(2_000_000);
        service.briefing(&maya, &r).await.unwrap()
    };
    assert!(!whole.truncation.truncated);
    let mut read: HashMap<String, String> = HashMap::new();
    for _round in 0..100 {
        let briefing = service.briefing(&maya, &request).await.unwrap();
        let json = serde_json::to_string(&briefing).unwrap();
        assert!(
            json.chars().count() <= request.max_chars.get(),
            "{}",
            json.chars().count()
        );
        assert!(briefing.instructions.contains("SPICED"));
        for (t, slice) in briefing.transcripts.iter().zip(&briefing.truncation.calls) {
            let text: String = t.content.chars().take(slice.returned_chars).collect();
            read.entry(t.call_id.clone()).or_default().push_str(&text);
        }
        request.offsets = briefing
            .truncation
            .calls
            .iter()
            .map(|s| (s.call_id.clone(), s.next_offset.unwrap_or(s.total_chars)))
            .collect();
        if !briefing.truncation.truncated {
            break;
        }
    }
    assert!(!whole.transcripts.is_empty());
    for t in &whole.transcripts {
        assert_eq!(read[&t.call_id], t.content, "call {}", t.call_id);
    }

    request.rendering = Rendering::Markdown;
    request.offsets.clear();
    let briefing = service.briefing(&maya, &request).await.unwrap();
    let md = service::render_markdown(&briefing);
    assert!(md.chars().count() <= request.max_chars.get());
    assert!(md.contains("[… transcript cut here"));
}

#[tokio::test]
async fn ten_long_calls_fit_the_default_budget() {
    let env = env().await;
    let service = env.service();
    let dana = env.caller(&service, "Dana").await;
    let mut longest: Vec<&sim::org::Call> = env.org.calls.iter().collect();
    longest.sort_by_key(|c| std::cmp::Reverse(c.duration));
    let ids: Vec<String> = longest[..10].iter().map(|c| c.gong_id.clone()).collect();
    let whole = transcripts(&service, &dana, &ids).await;
    assert_eq!(whole.call_transcripts.len(), 10);
    let total: usize = whole
        .call_transcripts
        .iter()
        .map(|t| t.content.chars().count())
        .sum();
    assert!(total > 150_000, "the calls are long: {total}");
    let request = TranscriptsRequest {
        call_ids: calls(&ids),
        max_chars: MaxChars::default(),
        offsets: HashMap::new(),
        timestamps: false,
    };
    let body = service.transcripts(&dana, &request).await.unwrap();
    let size = serde_json::to_string(&body).unwrap().chars().count();
    assert!(size <= service::DEFAULT_MAX_CHARS, "{size}");
    assert!(
        size > service::DEFAULT_MAX_CHARS - 5_000,
        "budget left idle: {size}"
    );
    assert!(body.truncation.truncated);
    assert!(body.call_transcripts.iter().all(|t| !t.content.is_empty()));
}
