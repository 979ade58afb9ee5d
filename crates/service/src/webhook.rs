//! Gong's "call processed" webhook: a delivery checked (see [`gong::webhook`]), remembered so
//! a repeat of it (Gong's or a replayer's) is fetched once, and its call fetched into the cache
//! at background priority, after the answer has gone: Gong waits for nothing, and no person's
//! request waits for the fetch.

use std::sync::Arc;
use std::time::Duration;

use gong::webhook::Delivery;
pub use gong::webhook::{Refused, WebhookKey};
use tokio::sync::Semaphore;

use crate::Service;

/// Fetches started by webhooks and not finished, at most; a delivery past it is answered
/// "busy" (`503`), so a burst of deliveries holds bounded memory.
pub const MAX_WEBHOOK_FETCHES: usize = 256;
/// How long a webhook's fetch may wait for Gong capacity no person needs.
pub const WEBHOOK_FETCH_BUDGET: Duration = Duration::from_secs(15 * 60);
/// Counter of webhook deliveries, by `outcome` (`fetching`, `duplicate`, `test`, `busy`,
/// `refused`).
pub const WEBHOOK_DELIVERIES: &str = "callbrief_gong_webhook_deliveries_total";

/// Where webhooks are checked: the rule's public key and this endpoint's public URL.
#[derive(Debug, Clone)]
pub struct GongWebhook {
    /// `GONG_WEBHOOK_PUBLIC_KEY`.
    pub key: WebhookKey,
    /// `<CALLBRIEF_PUBLIC_URL>/webhooks/gong`, which the token's `webhook_url` must name.
    pub url: String,
}

/// What became of a delivery that passed the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The rule editor's test: nothing done.
    Test,
    /// The call is being fetched into the cache.
    Fetching,
    /// This call was delivered a moment ago (or this delivery is a replay): nothing done.
    Duplicate,
    /// Too many fetches are under way: Gong should deliver it again later.
    Busy,
}

impl Service {
    /// Checks one delivery at the service's time and, for a call not delivered lately, starts
    /// its fetch at background priority.
    pub async fn gong_webhook(
        &self,
        webhook: &GongWebhook,
        authorization: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookOutcome, Refused> {
        let now = u64::try_from(self.now().timestamp()).unwrap_or(0);
        let delivery =
            match gong::webhook::verify(&webhook.key, authorization, &webhook.url, body, now) {
                Ok(delivery) => delivery,
                Err(refused) => {
                    metrics::counter!(WEBHOOK_DELIVERIES, "outcome" => "refused").increment(1);
                    return Err(refused);
                }
            };
        let outcome = match delivery {
            Delivery::Test => WebhookOutcome::Test,
            Delivery::Call { id, expires } => {
                // Remembered until the token can no longer be replayed (every replica, with Redis).
                let remember =
                    Duration::from_secs(expires.saturating_sub(now) + gong::webhook::CLOCK_SKEW);
                match Arc::clone(&self.webhook_fetches).try_acquire_owned() {
                    Err(_) => WebhookOutcome::Busy,
                    Ok(_)
                        if !self
                            .gong
                            .take_lease(&format!("webhook/{}", id.as_str()), remember)
                            .await =>
                    {
                        WebhookOutcome::Duplicate
                    }
                    Ok(permit) => {
                        let gong = self.gong.clone();
                        tokio::spawn(async move {
                            let _permit = permit;
                            match gong
                                .prefetch(std::slice::from_ref(&id), WEBHOOK_FETCH_BUDGET)
                                .await
                            {
                                Ok(_) => tracing::info!("webhook call fetched"),
                                Err(error) => tracing::warn!(%error, "webhook call not fetched"),
                            }
                        });
                        WebhookOutcome::Fetching
                    }
                }
            }
        };
        let label = match outcome {
            WebhookOutcome::Test => "test",
            WebhookOutcome::Fetching => "fetching",
            WebhookOutcome::Duplicate => "duplicate",
            WebhookOutcome::Busy => "busy",
        };
        metrics::counter!(WEBHOOK_DELIVERIES, "outcome" => label).increment(1);
        Ok(outcome)
    }
}

/// The semaphore of [`MAX_WEBHOOK_FETCHES`] places.
pub(crate) fn fetch_places() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(MAX_WEBHOOK_FETCHES))
}
