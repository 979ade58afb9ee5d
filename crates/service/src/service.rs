//! [`Service`]: the operations front doors call, each acting for a [`Caller`].
//!
//! Salesforce is always asked as the caller (their own token in Salesforce mode, the service
//! credentials for API-key callers), and Gong is only asked for the transcripts of calls tied to
//! an account Salesforce shows that caller: by the Gong call object's link, or, in orgs without
//! the Gong package, by the account's e-mail domains (see [`crate::call_source`]). Either way a
//! person can never read a transcript of an account they cannot see in Salesforce.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use gong::GongClient;
use salesforce::SalesforceClient;

use crate::error::ServiceError;
use crate::fields::GongFields;
use crate::identity::{Caller, TokenCache, DEFAULT_TOKEN_CACHE_TTL};
use crate::readiness::{Readiness, ReadinessCheck};
use crate::sources::{CallSource, GongListing, ResolvedSource};

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
pub(crate) const VISIBILITY_CHUNK: usize = 100;
/// Domains per lookup of accounts and contacts by domain: keeps each SOQL text short.
pub(crate) const DOMAIN_CHUNK: usize = 20;

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
    /// Where the service reads the time ("the next meeting", "recent calls"); tests move
    /// their own.
    pub clock: Arc<dyn clock::Clock>,
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
            clock: clock::system(),
        }
    }
}

/// The briefing and access operations, shared by every front door.
pub struct Service {
    pub(crate) gong: GongClient,
    pub(crate) salesforce: Option<SalesforceClient>,
    pub(crate) options: ServiceOptions,
    pub(crate) tokens: TokenCache,
    /// Readiness checks a deployment added (see [`Service::add_readiness_check`]).
    pub(crate) readiness_checks: Vec<Arc<dyn ReadinessCheck>>,
    /// The call source once decided (`auto` asks Salesforce once per process).
    pub(crate) resolved_source: OnceLock<ResolvedSource>,
    /// Places for calls being assembled into answers ([`ServiceOptions::max_calls_in_flight`]).
    pub(crate) admission: crate::admission::Admission,
    /// Places for fetches started by Gong's webhooks.
    pub(crate) webhook_fetches: Arc<tokio::sync::Semaphore>,
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
    /// The Gong client for `config`, the one every request of the process shares (its limiter,
    /// scheduler and cache): what [`Service::new`] takes.
    pub fn gong_client(config: crate::settings::GongConfig) -> Result<GongClient, ServiceError> {
        Ok(GongClient::new(config)?)
    }

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
            webhook_fetches: crate::webhook::fetch_places(),
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

    pub(crate) fn base_salesforce(&self) -> Result<&SalesforceClient, ServiceError> {
        self.salesforce
            .as_ref()
            .ok_or_else(|| ServiceError::NotConfigured {
                message: "Salesforce is not configured: set SALESFORCE_INSTANCE_URL (and \
                          SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET for API-key callers)"
                    .into(),
            })
    }

    /// The current time, as the service's clock reads it.
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.options.clock.utc()
    }

    /// The Salesforce client that acts for `caller`, and whether it uses the caller's own token.
    pub(crate) fn salesforce_for(
        &self,
        caller: &Caller,
    ) -> Result<(SalesforceClient, bool), ServiceError> {
        let base = self.base_salesforce()?;
        Ok(match caller {
            Caller::ServiceAccount => (base.clone(), false),
            Caller::SalesforceUser { token, .. } => (base.with_access_token(token.clone()), true),
        })
    }
}

pub(crate) fn not_found(account_id: &str) -> ServiceError {
    ServiceError::NotFound {
        message: format!(
            "no account {account_id} that you can see in Salesforce; search by name to find its id"
        ),
    }
}

pub(crate) fn check_range(field: &str, value: usize, max: usize) -> Result<(), ServiceError> {
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
    fn ranges_name_the_field() {
        assert!(check_range("calls", 0, 20).is_err());
        assert!(check_range("calls", 21, 20).is_err());
        assert!(check_range("calls", 20, 20).is_ok());
    }
}
