//! [`Service`]: the operations front doors call, each acting for a [`Caller`].
//!
//! Salesforce is always asked as the caller (their own token in Salesforce mode, the service
//! credentials for API-key callers), and Gong is only asked for the transcripts of calls tied to
//! an account Salesforce shows that caller: by the Gong call object's link, or, in orgs without
//! the Gong package, by the account's e-mail domains (see [`crate::call_source`]). Either way a
//! person can never read a transcript of an account they cannot see in Salesforce.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use gong::GongClient;
use salesforce::{SalesforceClient, SalesforceError};
use secrecy::SecretString;
use serde_json::Value;

use crate::briefing::{assemble, briefing_transcript, trim_intelligence, Detail};
use crate::budget::{fit_briefing, MaxChars, Rendering};
use crate::call_source::{CallSource, GongListing, ResolvedSource};
use crate::caller::{Caller, Identity, TokenCache, DEFAULT_TOKEN_CACHE_TTL};
use crate::domains::{self, AccountDomains};
use crate::error::ServiceError;
use crate::fields::GongFields;
use crate::ids::{distinct, AccountId, CallId, MeetingChoice};
use crate::meeting::{assemble_meeting, kind_of, Person};
use crate::methodology::Methodology;
use crate::model::{AccountHit, Briefing, CallRow, Meeting, SinceLastCall, TranscriptMode};
use crate::readiness::{Readiness, ReadinessCheck};
use crate::{query, records};

/// Fewest characters (letters or digits) of a name search.
pub const MIN_SEARCH_CHARS: usize = 2;
/// Longest name search accepted.
pub const MAX_SEARCH_CHARS: usize = 100;
/// Calls a briefing covers unless asked otherwise.
pub const DEFAULT_BRIEFING_CALLS: usize = 3;
/// Most calls one briefing covers.
pub const MAX_BRIEFING_CALLS: usize = 20;
/// Calls listed unless asked otherwise.
pub const DEFAULT_CALL_LIST: usize = 10;
/// Most calls one listing returns.
pub const MAX_CALL_LIST: usize = 100;
/// Call ids per visibility query: keeps each SOQL text (sent in a URL) short.
const VISIBILITY_CHUNK: usize = 100;
/// Domains per lookup of accounts and contacts by domain: keeps each SOQL text short.
const DOMAIN_CHUNK: usize = 20;

/// Settings of the service beyond its clients.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// API names of the Gong call object and fields.
    pub fields: GongFields,
    /// How long a Salesforce token check is trusted (default 60 s; zero turns caching off).
    pub token_cache_ttl: Duration,
    /// When set, tokens of users in any other Salesforce org are refused.
    pub expected_org_id: Option<String>,
    /// Where an account's calls are found.
    pub call_source: CallSource,
    /// How calls are found in Gong when that is the source.
    pub gong_listing: GongListing,
    /// Most calls assembled into answers at once, across requests: see
    /// [`DEFAULT_MAX_CALLS_IN_FLIGHT`].
    pub max_calls_in_flight: usize,
}

/// Default most calls assembled into answers at once (`CALLBRIEF_MAX_CALLS_IN_FLIGHT`). An
/// answer holds every full transcript of its calls while it is cleaned and fitted, so memory
/// follows the calls in flight, not the requests: 64 requests of 50 cached calls each, answered
/// at once, took near 300 MB. At 400, eight such requests are assembled together and the rest
/// wait their turn, a fraction of a second each.
pub const DEFAULT_MAX_CALLS_IN_FLIGHT: usize = 400;

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            fields: GongFields::default(),
            token_cache_ttl: DEFAULT_TOKEN_CACHE_TTL,
            expected_org_id: None,
            call_source: CallSource::default(),
            gong_listing: GongListing::default(),
            max_calls_in_flight: DEFAULT_MAX_CALLS_IN_FLIGHT,
        }
    }
}

/// What a briefing should cover and how large it may be.
#[derive(Debug, Clone, PartialEq)]
pub struct BriefingRequest {
    /// The account.
    pub account_id: AccountId,
    /// How many of the newest calls to include (1 to [`MAX_BRIEFING_CALLS`]).
    pub calls: usize,
    /// The framework to write it up in.
    pub methodology: Methodology,
    /// Budget of the whole rendered response, in characters.
    pub max_chars: MaxChars,
    /// Where to start each call's transcript (characters, by Gong call id), to read on after a cut.
    pub offsets: HashMap<String, usize>,
    /// How the response will be written (decides how characters are counted).
    pub rendering: Rendering,
    /// How much transcript text to carry, and how to cut it when it does not fit.
    pub transcripts: TranscriptMode,
    /// Which meeting to prepare for: the next one on the calendar, a given event, or none.
    pub meeting: MeetingChoice,
}

impl BriefingRequest {
    /// A request with the defaults: 3 calls, MEDPICC, 100,000 characters of JSON, transcripts
    /// fitted to the budget.
    pub fn new(account_id: AccountId) -> Self {
        Self {
            account_id,
            calls: DEFAULT_BRIEFING_CALLS,
            methodology: Methodology::default(),
            max_chars: MaxChars::default(),
            offsets: HashMap::new(),
            rendering: Rendering::Json,
            transcripts: TranscriptMode::default(),
            meeting: MeetingChoice::default(),
        }
    }
}

/// The meeting a briefing prepares for and what changed since the newest call, with what the
/// reader must know about parts Salesforce did not share.
struct MeetingContext {
    meeting: Option<Meeting>,
    since_last_call: Option<SinceLastCall>,
    notes: Vec<String>,
}

/// Which requested call ids the caller may read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallAccess {
    /// Ids the caller may read, in request order.
    pub accessible: Vec<CallId>,
    /// Ids that are not Gong call records the caller can see in Salesforce, in request order.
    pub not_accessible: Vec<CallId>,
}

/// The briefing and access operations, shared by every front door.
pub struct Service {
    pub(crate) gong: GongClient,
    salesforce: Option<SalesforceClient>,
    options: ServiceOptions,
    tokens: TokenCache,
    /// Readiness checks a deployment added (see [`Service::add_readiness_check`]).
    readiness_checks: Vec<Arc<dyn ReadinessCheck>>,
    /// The call source once decided (`auto` asks Salesforce once per process).
    resolved_source: OnceLock<ResolvedSource>,
    /// Places for calls being assembled into answers ([`ServiceOptions::max_calls_in_flight`]).
    admission: crate::admission::Admission,
}

/// An account's calls found in Gong, with what the search covered.
struct GongFound {
    rows: Vec<CallRow>,
    domains: AccountDomains,
    listing: Arc<gong::RecentCalls>,
}

/// Counter of Salesforce token checks answered from the token cache (no Salesforce call).
pub const TOKEN_CACHE_HITS: &str = "callbrief_token_cache_hits_total";
/// Counter of Salesforce token checks that had to ask Salesforce.
pub const TOKEN_CACHE_MISSES: &str = "callbrief_token_cache_misses_total";

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("gong", &self.gong)
            .field("salesforce", &self.salesforce)
            .field("fields", &self.options.fields)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// The service over a Gong client and, when configured, a Salesforce client. That client
    /// is used as is for API-key callers (so it should hold service credentials) and as the
    /// template of every per-user client. Fails when a Gong field name is not an API name.
    pub fn new(
        gong: GongClient,
        salesforce: Option<SalesforceClient>,
        options: ServiceOptions,
    ) -> Result<Self, ServiceError> {
        options.fields.validate()?;
        Ok(Self {
            gong,
            salesforce,
            admission: crate::admission::Admission::new(options.max_calls_in_flight),
            tokens: TokenCache::new(options.token_cache_ttl),
            resolved_source: OnceLock::new(),
            options,
            readiness_checks: Vec::new(),
        })
    }

    /// Waits for places for `calls` calls to be assembled, so the answers in the making hold a
    /// bounded number of full transcripts however many requests arrive (see
    /// [`crate::admission`]). Held until the answer is fitted.
    pub(crate) async fn admit(&self, calls: usize) -> crate::admission::Admitted {
        self.admission.admit(calls).await
    }

    /// Adds a condition of readiness the service cannot know by itself, such as a shared
    /// state backend being reachable; [`Service::readiness`] runs it after its own checks.
    pub fn add_readiness_check(&mut self, check: Arc<dyn ReadinessCheck>) {
        self.readiness_checks.push(check);
    }

    /// Whether this process can do its work now: the cache store takes writes (when one is
    /// configured on disk), and every added check passes, each within
    /// [`crate::readiness::CHECK_TIMEOUT`]. Sends nothing to Gong.
    pub async fn readiness(&self) -> Readiness {
        let mut readiness = Readiness::default();
        let cache = tokio::time::timeout(
            crate::readiness::CHECK_TIMEOUT,
            self.gong.check_cache_writable(),
        )
        .await
        .unwrap_or_else(|_| Err("the cache store did not answer in time".to_owned()));
        readiness.push("cache_store", cache);
        match self.gong.probe_shared_state().await {
            gong::SharedHealth::Off => {}
            gong::SharedHealth::Ok => readiness.push("shared_state", Ok(())),
            gong::SharedHealth::Degraded(reason) => {
                readiness.degraded.push(("shared_state", reason));
            }
        }
        for check in &self.readiness_checks {
            readiness.push(check.name(), crate::readiness::run(check.as_ref()).await);
        }
        readiness
    }

    /// Sets the gauges that describe the service's state now (Gong's daily quota used and
    /// left, ids waiting, cache sizes) in the installed metrics recorder; called when metrics
    /// are read. Sends nothing to Gong.
    pub fn record_gauges(&self) {
        self.gong.record_gauges();
    }

    /// Whether the Gong limits and cache shared with other replicas (Redis) are in use, after
    /// pinging Redis (within its short time limit): for a readiness check, since a degraded
    /// replica still answers but no longer shares Gong's limits with the others.
    pub async fn gong_shared_state(&self) -> gong::SharedHealth {
        self.gong.probe_shared_state().await
    }

    /// The Gong object and field names in use.
    pub fn fields(&self) -> &GongFields {
        &self.options.fields
    }

    /// Whether Salesforce is configured.
    pub fn has_salesforce(&self) -> bool {
        self.salesforce.is_some()
    }

    fn base_salesforce(&self) -> Result<&SalesforceClient, ServiceError> {
        self.salesforce
            .as_ref()
            .ok_or_else(|| ServiceError::NotConfigured {
                message: "Salesforce is not configured: set SALESFORCE_INSTANCE_URL (and \
                          SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET for API-key callers)"
                    .into(),
            })
    }

    /// The Salesforce client that acts for `caller`, and whether it uses the caller's own token.
    fn salesforce_for(&self, caller: &Caller) -> Result<(SalesforceClient, bool), ServiceError> {
        let base = self.base_salesforce()?;
        Ok(match caller {
            Caller::ServiceAccount => (base.clone(), false),
            Caller::SalesforceUser { token, .. } => (base.with_access_token(token.clone()), true),
        })
    }

    /// Checks a Salesforce access token (Salesforce's userinfo, cached for the TTL) and returns
    /// the caller it stands for. Forged, expired, revoked and other-org tokens are
    /// [`ServiceError::Unauthorized`]; an unreachable Salesforce is not (the token may be fine).
    pub async fn authenticate_salesforce_token(&self, token: &str) -> Result<Caller, ServiceError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(ServiceError::Unauthorized {
                message: "missing Salesforce access token".into(),
            });
        }
        let caller = |identity: Identity| Caller::SalesforceUser {
            token: SecretString::from(token.to_owned()),
            user_id: identity.user_id,
            name: identity.name,
        };
        if let Some(identity) = self.tokens.get(token, Instant::now()) {
            metrics::counter!(TOKEN_CACHE_HITS).increment(1);
            return Ok(caller(identity));
        }
        metrics::counter!(TOKEN_CACHE_MISSES).increment(1);
        let refused = || ServiceError::Unauthorized {
            message: "Salesforce did not accept the access token (forged, expired, revoked or \
                      from another org); sign in again"
                .into(),
        };
        if self.tokens.refused_recently(token, Instant::now()) {
            return Err(refused());
        }
        let client = self
            .base_salesforce()?
            .with_access_token(SecretString::from(token.to_owned()));
        let info = client.userinfo().await.map_err(|err| match err {
            SalesforceError::Unauthorized { .. }
            | SalesforceError::NotFound { .. }
            | SalesforceError::Api { status: 403, .. } => {
                self.tokens.put_refused(token, Instant::now());
                refused()
            }
            other => ServiceError::from_salesforce(other, true),
        })?;
        if let Some(expected) = &self.options.expected_org_id {
            if !same_id(expected, &info.organization_id) {
                tracing::info!("refused a Salesforce token of another org");
                self.tokens.put_refused(token, Instant::now());
                return Err(ServiceError::Unauthorized {
                    message: "the access token belongs to another Salesforce org".into(),
                });
            }
        }
        let identity = Identity {
            user_id: info.user_id,
            name: info.name,
        };
        self.tokens.put(token, identity.clone(), Instant::now());
        tracing::debug!(user_id = %identity.user_id, "salesforce token accepted");
        Ok(caller(identity))
    }

    /// Whether `token` was checked and accepted within the token cache's TTL, so using it
    /// costs no Salesforce call (a front door's sign-in limit spares such requests).
    pub fn knows_salesforce_token(&self, token: &str) -> bool {
        self.tokens.get(token.trim(), Instant::now()).is_some()
    }

    /// Accounts whose name matches `name` (at least 2 letters or digits), as the caller sees them.
    pub async fn search_accounts(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Vec<AccountHit>, ServiceError> {
        let name = name.trim();
        let letters = name.chars().filter(|c| c.is_alphanumeric()).count();
        if letters < MIN_SEARCH_CHARS {
            return Err(ServiceError::validation(
                "name",
                format!("give at least {MIN_SEARCH_CHARS} letters or digits of the account name"),
            ));
        }
        if name.chars().count() > MAX_SEARCH_CHARS {
            return Err(ServiceError::validation(
                "name",
                format!("must be at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        let (client, as_user) = self.salesforce_for(caller)?;
        let found = client
            .search(&query::search_accounts(name))
            .await
            .map_err(|e| ServiceError::from_salesforce(e, as_user))?;
        Ok(found
            .iter()
            .filter(|r| {
                r.pointer("/attributes/type")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "Account")
            })
            .filter_map(records::account_hit)
            .collect())
    }

    /// The account's newest `limit` Gong calls (1 to [`MAX_CALL_LIST`]), newest first.
    /// An account the caller cannot see is [`ServiceError::NotFound`].
    pub async fn account_calls(
        &self,
        caller: &Caller,
        account_id: &AccountId,
        limit: usize,
    ) -> Result<Vec<CallRow>, ServiceError> {
        let account_id = account_id.as_str();
        check_range("limit", limit, MAX_CALL_LIST)?;
        let (client, as_user) = self.salesforce_for(caller)?;
        if self.source(&client, as_user).await? == ResolvedSource::Gong {
            let soql = [query::account(account_id), query::contacts(account_id)];
            let (account, contacts) = tokio::join!(
                client.query::<Value>(&soql[0]),
                client.query::<Value>(&soql[1]),
            );
            let sf = |e| ServiceError::from_salesforce(e, as_user);
            let account = account.map_err(sf)?;
            let account = account.first().ok_or_else(|| not_found(account_id))?;
            let emails: Vec<String> = contacts
                .map_err(sf)?
                .iter()
                .filter_map(|c| records::text(c, "Email"))
                .collect();
            let website = records::text(account, "Website");
            let mut found = self.calls_from_gong(website.as_deref(), &emails).await?;
            found.rows.truncate(limit);
            return Ok(found.rows);
        }
        let fields = &self.options.fields;
        let (account_soql, calls_soql) = (
            query::account(account_id),
            query::account_calls(fields, account_id, limit),
        );
        let (account, calls) = tokio::join!(
            client.query::<Value>(&account_soql),
            client.query::<Value>(&calls_soql),
        );
        let sf = |e| ServiceError::from_salesforce(e, as_user);
        if account.map_err(sf)?.is_empty() {
            return Err(not_found(account_id));
        }
        let calls = self
            .without_hidden_deals(&client, as_user, calls.map_err(sf)?)
            .await?;
        Ok(calls
            .iter()
            .filter_map(|r| records::call_row(fields, r))
            .collect())
    }

    /// The call source in use: the configured one, or for `auto` whether the org has the Gong
    /// call object (a describe of it, asked once per process and kept: installing the
    /// package is rare and a restart picks it up). A describe that fails for another reason
    /// than `NOT_FOUND` is an error and is asked again next time.
    pub async fn resolved_call_source(
        &self,
        caller: &Caller,
    ) -> Result<ResolvedSource, ServiceError> {
        let (client, as_user) = self.salesforce_for(caller)?;
        self.source(&client, as_user).await
    }

    async fn source(
        &self,
        client: &SalesforceClient,
        as_user: bool,
    ) -> Result<ResolvedSource, ServiceError> {
        match self.options.call_source {
            CallSource::Salesforce => return Ok(ResolvedSource::Salesforce),
            CallSource::Gong => return Ok(ResolvedSource::Gong),
            CallSource::Auto => {}
        }
        if let Some(source) = self.resolved_source.get() {
            return Ok(*source);
        }
        let object = &self.options.fields.call_object;
        // The service credentials see every object the org has; a person may lack the
        // object's permission (Salesforce then answers as if it did not exist), which must not
        // decide the source for everyone. Their own token is asked only when the service
        // credentials cannot answer (none configured).
        let by_service = match (as_user, self.salesforce.as_ref()) {
            (true, Some(base)) => base.has_object(object).await.ok(),
            _ => None,
        };
        let has = match by_service {
            Some(has) => has,
            None => client
                .has_object(object)
                .await
                .map_err(|e| ServiceError::from_salesforce(e, as_user))?,
        };
        let source = if has {
            ResolvedSource::Salesforce
        } else {
            ResolvedSource::Gong
        };
        tracing::info!(
            call_object = %object,
            source = if has { "salesforce" } else { "gong" },
            "call source decided"
        );
        Ok(*self.resolved_source.get_or_init(|| source))
    }

    /// The calls in Gong's recent listing with an outside party from the account's domains
    /// (its website's, its contacts'), newest first.
    async fn calls_from_gong(
        &self,
        website: Option<&str>,
        contact_emails: &[String],
    ) -> Result<GongFound, ServiceError> {
        let settings = &self.options.gong_listing;
        let domains = AccountDomains::new(website, contact_emails, &settings.ignored);
        if domains.is_empty() {
            return Ok(GongFound {
                rows: Vec::new(),
                domains,
                listing: Arc::new(gong::RecentCalls {
                    calls: Vec::new(),
                    covered_from: chrono::Utc::now(),
                    to: chrono::Utc::now(),
                    complete: true,
                    pages: 0,
                    reused: false,
                }),
            });
        }
        let listing = self.gong.recent_calls(settings.request()).await?;
        let rows = listing
            .calls
            .iter()
            .filter(|c| domains::call_matches(c, &domains, &settings.ignored))
            .map(records::gong_call_row)
            .collect();
        Ok(GongFound {
            rows,
            domains,
            listing,
        })
    }

    /// Which of `ids` a Salesforce user may read when calls come from Gong: those in the
    /// recent listing with an outside party whose domain is that of an account the user can
    /// see (its website's, or a visible contact's of a visible account): the same rule that
    /// lists an account's calls, so a call shown to a rep can be read by them and no other.
    async fn accessible_from_gong(
        &self,
        client: &SalesforceClient,
        as_user: bool,
        ids: Vec<CallId>,
    ) -> Result<CallAccess, ServiceError> {
        let settings = &self.options.gong_listing;
        let listing = self.gong.recent_calls(settings.request()).await?;
        let wanted: HashSet<&str> = ids.iter().map(CallId::as_str).collect();
        let calls: HashMap<&str, std::collections::BTreeSet<String>> = listing
            .calls
            .iter()
            .filter(|c| wanted.contains(c.meta_data.id.as_str()))
            .map(|c| {
                (
                    c.meta_data.id.as_str(),
                    domains::external_domains(c, &settings.ignored),
                )
            })
            .collect();
        let party_domains = distinct(calls.values().flatten().cloned());
        let candidates = distinct(
            party_domains
                .iter()
                .flat_map(|d| domains::parent_domains(d)),
        );
        // Visible accounts by website, visible contacts by e-mail domain.
        let mut website_domains: HashSet<String> = HashSet::new();
        let mut contact_domains: HashSet<String> = HashSet::new();
        let sf = |e| ServiceError::from_salesforce(e, as_user);
        for chunk in candidates.chunks(DOMAIN_CHUNK) {
            let soql = [
                query::accounts_by_website(chunk),
                query::contacts_by_email_domain(chunk),
            ];
            let (accounts, contacts) = tokio::join!(
                client.query::<Value>(&soql[0]),
                client.query::<Value>(&soql[1]),
            );
            website_domains.extend(
                accounts
                    .map_err(sf)?
                    .iter()
                    .filter_map(|a| records::text(a, "Website"))
                    .filter_map(|w| domains::website_domain(&w))
                    .filter(|w| !settings.ignored.contains(w)),
            );
            let contacts = contacts.map_err(sf)?;
            let owners = distinct(
                contacts
                    .iter()
                    .filter_map(|c| records::text(c, "AccountId")),
            );
            let visible = visible_ids(client, as_user, &owners, query::visible_accounts).await?;
            contact_domains.extend(
                contacts
                    .iter()
                    .filter(|c| records::text(c, "AccountId").is_some_and(|a| visible.contains(&a)))
                    .filter_map(|c| records::text(c, "Email"))
                    .filter_map(|e| domains::email_domain(&e)),
            );
        }
        let readable = |domain: &String| {
            contact_domains.contains(domain)
                || website_domains
                    .iter()
                    .any(|w| domains::is_same_or_subdomain(domain, w))
        };
        let (accessible, not_accessible) = ids.into_iter().partition(|id| {
            calls
                .get(id.as_str())
                .is_some_and(|party| party.iter().any(readable))
        });
        Ok(CallAccess {
            accessible,
            not_accessible,
        })
    }

    /// `calls` (Gong call records) without those whose opportunity the caller cannot see: an
    /// org may share an account without its opportunities, and a call on a hidden deal is that
    /// deal's conversation. A call without an opportunity stays.
    async fn without_hidden_deals(
        &self,
        client: &SalesforceClient,
        as_user: bool,
        calls: Vec<Value>,
    ) -> Result<Vec<Value>, ServiceError> {
        if !as_user {
            return Ok(calls);
        }
        let field = &self.options.fields.opportunity;
        let deals = distinct(calls.iter().filter_map(|r| records::text(r, field)));
        let visible = visible_ids(client, as_user, &deals, query::visible_opportunities).await?;
        Ok(calls
            .into_iter()
            .filter(|r| records::text(r, field).is_none_or(|deal| visible.contains(&deal)))
            .collect())
    }

    /// The briefing pack: account, open opportunities, key contacts, the newest calls with
    /// attendees, their transcripts (fitted into `max_chars`) and the write-up instructions.
    /// Transcripts are fetched only for the calls Salesforce lists for the caller.
    pub async fn briefing(
        &self,
        caller: &Caller,
        request: &BriefingRequest,
    ) -> Result<Briefing, ServiceError> {
        let account_id = request.account_id.as_str();
        check_range("calls", request.calls, MAX_BRIEFING_CALLS)?;
        let max_chars = request.max_chars;
        let (client, as_user) = self.salesforce_for(caller)?;
        let source = self.source(&client, as_user).await?;
        let fields = &self.options.fields;
        let now = chrono::Utc::now();
        let soql = [
            query::account(account_id),
            query::open_opportunities(account_id),
            query::contacts(account_id),
            query::account_calls(fields, account_id, request.calls),
            query::open_deal_contact_roles(account_id),
        ];
        // Without the Gong call object, the calls come from Gong once the account's domains
        // are known.
        let calls = async {
            match source {
                ResolvedSource::Salesforce => client.query::<Value>(&soql[3]).await.map(Some),
                ResolvedSource::Gong => Ok(None),
            }
        };
        let event_soql = match &request.meeting {
            MeetingChoice::Next => Some(query::next_event(account_id, &now)),
            MeetingChoice::Event(id) => Some(query::event_on_account(id.as_str(), account_id)),
            MeetingChoice::None => None,
        };
        let event_query = async {
            match &event_soql {
                Some(q) => Some(client.query::<Value>(q).await),
                None => None,
            }
        };
        let (account, opportunities, contacts, calls, roles, event) = tokio::join!(
            client.query::<Value>(&soql[0]),
            client.query::<Value>(&soql[1]),
            client.query::<Value>(&soql[2]),
            calls,
            client.query::<Value>(&soql[4]),
            event_query,
        );
        let sf = |e| ServiceError::from_salesforce(e, as_user);
        let account = account
            .map_err(sf)?
            .first()
            .and_then(records::account_summary)
            .ok_or_else(|| not_found(account_id))?;
        let opportunities: Vec<_> = opportunities
            .map_err(sf)?
            .iter()
            .filter_map(records::opportunity)
            .collect();
        let contacts: Vec<_> = contacts
            .map_err(sf)?
            .iter()
            .filter_map(records::contact)
            .collect();
        let mut source_notes = Vec::new();
        let rows: Vec<CallRow> = match calls.map_err(sf)? {
            Some(calls) => self
                .without_hidden_deals(&client, as_user, calls)
                .await?
                .iter()
                .filter_map(|r| records::call_row(fields, r))
                .collect(),
            None => {
                let emails: Vec<String> = contacts.iter().filter_map(|c| c.email.clone()).collect();
                let found = self
                    .calls_from_gong(account.website.as_deref(), &emails)
                    .await?;
                source_notes.push(gong_source_note(&found));
                found.rows.into_iter().take(request.calls).collect()
            }
        };

        let ids: Vec<String> = distinct(rows.iter().map(|r| r.call_id.clone()));
        let _admitted = self.admit(ids.len()).await;
        let gong = if ids.is_empty() {
            None
        } else {
            Some(
                self.gong
                    .calls_with_transcripts_for(caller.fairness_key(), &ids)
                    .await,
            )
        };
        // Contact roles are extra: an org that hides them (object permissions) still gets a
        // briefing, with the stakeholder map built from the calls alone.
        let (roles, roles_note) = match roles {
            Ok(records) => (
                records
                    .iter()
                    .filter_map(crate::stakeholders::contact_role)
                    .collect::<Vec<_>>(),
                None,
            ),
            Err(err) => {
                tracing::warn!(error = %err, "contact roles could not be read");
                (
                    Vec::new(),
                    Some(
                        "Salesforce did not share the open deals' contact roles, so the \
                         stakeholder map shows only who spoke on the calls."
                            .to_owned(),
                    ),
                )
            }
        };
        // The event is read as the caller: one they cannot see, or one on another account,
        // is not found, the same answer as an event that does not exist.
        let event = match event {
            None => None,
            Some(Ok(records)) => {
                let found = records.first().and_then(records::event);
                if found.is_none() {
                    if let MeetingChoice::Event(id) = &request.meeting {
                        return Err(ServiceError::NotFound {
                            message: format!(
                                "no event {id} on account {account_id} that you can see in \
                                 Salesforce; use meeting=next for the next one"
                            ),
                        });
                    }
                }
                found
            }
            Some(Err(err)) => {
                if matches!(request.meeting, MeetingChoice::Event(_)) {
                    return Err(sf(err));
                }
                tracing::warn!(error = %err, "the next event could not be read");
                None
            }
        };
        let mut parts = assemble(&account.name, &rows, gong, &contacts, &roles);
        parts.notes.extend(source_notes);
        parts.notes.extend(roles_note);
        let since = rows
            .first()
            .and_then(|r| r.started.as_deref())
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&chrono::Utc));
        let MeetingContext {
            meeting,
            since_last_call,
            notes: meeting_notes,
        } = self
            .meeting_context(
                &client,
                account_id,
                event,
                since,
                now,
                (&parts.stakeholders, &parts.colleagues),
            )
            .await;
        parts.notes.extend(meeting_notes);
        match (&request.meeting, &meeting) {
            (MeetingChoice::None, _) => parts.notes.push(
                "No meeting was asked for (meeting=none): the pack has no meeting section."
                    .to_owned(),
            ),
            (_, None) => parts.notes.push(format!(
                "No upcoming meeting with {} is on the Salesforce calendar that you can see: \
                 say so at the top of the write-up.",
                account.name
            )),
            _ => {}
        }
        match request.transcripts {
            TranscriptMode::Fit => {}
            // Cut at each transcript's end, to read on in order.
            TranscriptMode::Full => parts.marks.clear(),
            TranscriptMode::None => {
                parts.marks.clear();
                if !parts.transcripts.is_empty() {
                    parts.transcripts.clear();
                    for call in &mut parts.calls {
                        call.has_transcript = false;
                    }
                    parts.notes.push(
                        "Transcripts were left out on request (transcripts=none): Gong's \
                         intelligence of each call is above; ask again with transcripts=fit \
                         for the conversations."
                            .to_owned(),
                    );
                }
            }
        }
        tracing::info!(
            user_id = caller.user_id().unwrap_or("service"),
            calls = parts.calls.len(),
            transcripts = parts.transcripts.len(),
            "briefing assembled"
        );

        let methodology = request.methodology;
        let instructions = methodology.instructions(&account.name);
        // Everything but the transcripts is sent whole; when even that is over the budget,
        // Gong's intelligence gets leaner, then goes, then the stakeholder map, before the
        // budget is refused.
        let mut refused = None;
        for detail in Detail::ALL {
            let calls = trim_intelligence(&parts.calls, detail);
            let stakeholders = if detail == Detail::Bare {
                Vec::new()
            } else {
                parts.stakeholders.clone()
            };
            let mut notes = parts.notes.clone();
            if detail != Detail::Full && parts.calls.iter().any(|c| c.intelligence.is_some()) {
                notes.push(format!(
                    "Gong's call intelligence was {} to fit {}.",
                    if detail.keeps_intelligence() {
                        "shortened"
                    } else {
                        "left out"
                    },
                    max_chars.field(),
                ));
            }
            let fitted = fit_briefing(
                parts.transcripts.clone(),
                &request.offsets,
                &parts.marks,
                max_chars,
                request.rendering,
                |transcripts, truncation| Briefing {
                    meeting: meeting.clone(),
                    since_last_call: since_last_call.clone(),
                    account: account.clone(),
                    methodology,
                    instructions: instructions.clone(),
                    opportunities: opportunities.clone(),
                    contacts: parts.contacts.clone(),
                    stakeholders: stakeholders.clone(),
                    calls: calls.clone(),
                    notes: notes.clone(),
                    cached_call_ids: parts.cached_call_ids.clone(),
                    truncation,
                    transcripts: transcripts.into_iter().map(briefing_transcript).collect(),
                },
            );
            match fitted {
                Err(err @ ServiceError::Validation { .. }) => refused = Some(err),
                other => return other,
            }
        }
        Err(refused.unwrap_or_else(|| {
            ServiceError::validation(max_chars.field(), "is too small for this briefing")
        }))
    }

    /// The meeting (from `event`, with its invitees the caller can see, joined with the
    /// stakeholder map) and what changed since the newest call (`since`): deal changes, new
    /// contacts, and open tasks due before the meeting (within a week of `now` without one).
    /// These parts are extra: an org that hides one of these objects from the caller still
    /// gets the briefing, with a note.
    async fn meeting_context(
        &self,
        client: &SalesforceClient,
        account_id: &str,
        event: Option<records::EventRecord>,
        since: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
        (stakeholders, colleagues): (&[crate::model::Stakeholder], &[crate::model::Stakeholder]),
    ) -> MeetingContext {
        let mut notes = Vec::new();
        let invitees: Vec<&str> = event
            .iter()
            .flat_map(|e| e.invitees.iter().map(|(id, _)| id.as_str()))
            .collect();
        let of_kind = |kind: &str| -> Vec<String> {
            distinct(
                invitees
                    .iter()
                    .filter(|id| kind_of(id) == Some(kind))
                    .map(|id| (*id).to_owned()),
            )
        };
        let people_soql: Vec<String> = [("contact", "Contact"), ("user", "User"), ("lead", "Lead")]
            .into_iter()
            .filter_map(|(kind, object)| {
                let ids = of_kind(kind);
                (!ids.is_empty()).then(|| query::people(object, &ids))
            })
            .collect();
        let due_by = event
            .as_ref()
            .and_then(|e| e.start.as_deref())
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map_or(now.date_naive() + chrono::Duration::days(7), |t| {
                t.with_timezone(&chrono::Utc).date_naive()
            });
        let since_soql = since.map(|since| {
            [
                query::deal_changes(account_id, &since),
                query::new_contacts(account_id, &since),
            ]
        });
        let tasks_soql = query::open_tasks(account_id, due_by);
        let people =
            futures::future::join_all(people_soql.iter().map(|q| client.query::<Value>(q)));
        let since_parts = async {
            match &since_soql {
                Some([changes, contacts]) => {
                    let (a, b) = tokio::join!(
                        client.query::<Value>(changes),
                        client.query::<Value>(contacts)
                    );
                    Some((a, b))
                }
                None => None,
            }
        };
        let (people, since_parts, tasks) =
            tokio::join!(people, since_parts, client.query::<Value>(&tasks_soql));
        let mut by_id: HashMap<String, Person> = HashMap::new();
        for result in people {
            // A lead query fails in an org without leads; its invitees stay unnamed.
            let Ok(records) = result else { continue };
            for r in &records {
                if let (Some(id), Some(name)) = (records::text(r, "Id"), records::text(r, "Name")) {
                    by_id.insert(
                        id_key(&id).to_owned(),
                        Person {
                            id,
                            name,
                            title: records::text(r, "Title"),
                        },
                    );
                }
            }
        }
        let meeting = event.map(|e| {
            let (meeting, hidden) = assemble_meeting(&e, &by_id, stakeholders, colleagues);
            if hidden > 0 {
                notes.push(format!(
                    "{hidden} invitee(s) of the meeting are records you cannot see in \
                     Salesforce (or not people) and are left out."
                ));
            }
            meeting
        });
        let mut read = |what: &str, result: Result<Vec<Value>, SalesforceError>| match result {
            Ok(rows) => rows,
            Err(err) => {
                tracing::warn!(error = %err, part = what, "a meeting-context part could not be read");
                notes.push(format!("Salesforce did not share the account's {what}."));
                Vec::new()
            }
        };
        let tasks: Vec<_> = read("tasks", tasks)
            .iter()
            .filter_map(records::open_task)
            .collect();
        let since_last_call = since_parts.map(|(changes, contacts)| {
            let changes = read("opportunity field history", changes)
                .iter()
                .filter_map(records::deal_change)
                .collect();
            let contacts = read("new contacts", contacts)
                .iter()
                .filter_map(records::new_contact)
                .collect();
            crate::meeting::since_last_call(
                since.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                changes,
                contacts,
                tasks,
            )
        });
        MeetingContext {
            meeting,
            since_last_call,
            notes,
        }
    }

    /// Splits `call_ids` into those the caller may read and the rest. API-key callers may read
    /// every id (the original middleware's model); a Salesforce user only the ids of Gong call
    /// records Salesforce shows them **and** whose account (and opportunity, when the call has
    /// one) Salesforce shows them too: an org may make the call object public-read (or let reps
    /// edit the call id field), or share an account without its deals, and the account's and
    /// the deal's sharing is what keeps one rep's customers from another. A call record without
    /// an account is not readable this way.
    pub async fn accessible_call_ids(
        &self,
        caller: &Caller,
        call_ids: &[CallId],
    ) -> Result<CallAccess, ServiceError> {
        let ids = distinct(call_ids.iter().cloned());
        if matches!(caller, Caller::ServiceAccount) {
            return Ok(CallAccess {
                accessible: ids,
                not_accessible: Vec::new(),
            });
        }
        let (client, as_user) = self.salesforce_for(caller)?;
        if self.source(&client, as_user).await? == ResolvedSource::Gong {
            return self.accessible_from_gong(&client, as_user, ids).await;
        }
        let fields = &self.options.fields;
        let soql: Vec<String> = ids
            .chunks(VISIBILITY_CHUNK)
            .map(|chunk| query::visible_calls(fields, chunk))
            .collect();
        let queries = soql.iter().map(|q| client.query::<Value>(q));
        // Each visible call record: its call id, account and opportunity.
        let mut records: Vec<(String, String, Option<String>)> = Vec::new();
        for result in futures::future::join_all(queries).await {
            for record in result.map_err(|e| ServiceError::from_salesforce(e, as_user))? {
                let call = records::text(&record, &fields.call_id);
                let account = records::text(&record, &fields.account);
                let deal = records::text(&record, &fields.opportunity);
                if let (Some(call), Some(account)) = (call, account) {
                    let deal = deal.map(|d| d.trim().to_owned());
                    records.push((call.trim().to_owned(), account.trim().to_owned(), deal));
                }
            }
        }
        let accounts = distinct(records.iter().map(|(_, a, _)| a.clone()));
        let deals = distinct(records.iter().filter_map(|(_, _, d)| d.clone()));
        let (accounts, deals) = tokio::join!(
            visible_ids(&client, as_user, &accounts, query::visible_accounts),
            visible_ids(&client, as_user, &deals, query::visible_opportunities),
        );
        let (accounts, deals) = (accounts?, deals?);
        let visible: HashSet<&str> = records
            .iter()
            .filter(|(_, account, deal)| {
                accounts.contains(account) && deal.as_ref().is_none_or(|d| deals.contains(d))
            })
            .map(|(call, _, _)| call.as_str())
            .collect();
        let (accessible, not_accessible) = ids
            .into_iter()
            .partition(|id| visible.contains(id.as_str()));
        Ok(CallAccess {
            accessible,
            not_accessible,
        })
    }
}

/// The ids among `ids` whose records the caller sees, by `soql` (a query selecting `Id` from
/// the records among a list of ids), in chunks. Ids compare in their 15-character form, so
/// either form matches.
async fn visible_ids(
    client: &SalesforceClient,
    as_user: bool,
    ids: &[String],
    soql: fn(&[String]) -> String,
) -> Result<VisibleIds, ServiceError> {
    let soql: Vec<String> = ids.chunks(VISIBILITY_CHUNK).map(soql).collect();
    let queries = soql.iter().map(|q| client.query::<Value>(q));
    let mut visible = VisibleIds::default();
    for result in futures::future::join_all(queries).await {
        for record in result.map_err(|e| ServiceError::from_salesforce(e, as_user))? {
            if let Some(id) = records::text(&record, "Id") {
                visible.0.insert(id_key(&id).to_owned());
            }
        }
    }
    Ok(visible)
}

/// Salesforce ids, kept in their case-sensitive 15-character form.
#[derive(Default)]
struct VisibleIds(HashSet<String>);

impl VisibleIds {
    fn contains(&self, id: &str) -> bool {
        self.0.contains(id_key(id))
    }
}

/// The 15-character form of a Salesforce id (15- and 18-character forms name the same record).
fn id_key(id: &str) -> &str {
    id.get(..15).unwrap_or(id)
}

/// Whether two Salesforce ids name the same record (15- and 18-character forms compare equal).
fn same_id(a: &str, b: &str) -> bool {
    id_key(a) == id_key(b)
}

/// What a briefing says about calls found in Gong: how they were matched, and how far back
/// Gong was read when the page bound cut the listing short.
fn gong_source_note(found: &GongFound) -> String {
    if found.domains.is_empty() {
        return "Calls are found in Gong by the e-mail domains of the account's website and \
                contacts, and this account has none (public mail providers do not count): no \
                calls could be matched."
            .to_owned();
    }
    let mut note = format!(
        "These calls were found in Gong by attendees' e-mail domains ({}), not by a link \
         Salesforce keeps: a call without an outside attendee from these domains is missed.",
        found.domains.all().join(", ")
    );
    if !found.listing.complete {
        note.push_str(&format!(
            " Gong was read back to {} only (its listing is bounded to spare the daily quota).",
            found.listing.covered_from.format("%Y-%m-%d")
        ));
    }
    note
}

fn not_found(account_id: &str) -> ServiceError {
    ServiceError::NotFound {
        message: format!(
            "no account {account_id} that you can see in Salesforce; search by name to find its id"
        ),
    }
}

fn check_range(field: &str, value: usize, max: usize) -> Result<(), ServiceError> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(ServiceError::validation(
            field,
            format!("must be between 1 and {max}; got {value}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_in_both_forms() {
        assert!(same_id("00D000000000001", "00D000000000001AAA"));
        assert!(!same_id("00D000000000002", "00D000000000001AAA"));
    }

    #[test]
    fn ranges_name_the_field() {
        assert!(check_range("calls", 0, 20).is_err());
        assert!(check_range("calls", 21, 20).is_err());
        assert!(check_range("calls", 20, 20).is_ok());
    }
}
