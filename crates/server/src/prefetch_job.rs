//! `serve`'s prefetch job: every `CALLBRIEF_PREFETCH_EVERY_MINUTES` one prefetch run (see
//! [`service::prefetch`]) over the next `CALLBRIEF_PREFETCH_HOURS_AHEAD` hours of meetings.
//! With replicas on Redis one replica runs each (a lease as long as the interval); the shared
//! limiter and daily count see its requests like any other.

use std::sync::Arc;

use service::{NoProgress, Service, ServiceError};
use tokio::task::JoinHandle;

use crate::config::PrefetchSettings;

/// Starts the job on the current runtime; `None` when prefetching is off (0 hours ahead).
/// The first run starts at once: a fresh server warms its cache before the first rush.
pub fn spawn(service: Arc<Service>, settings: PrefetchSettings) -> Option<JoinHandle<()>> {
    if settings.hours_ahead == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut every = tokio::time::interval(settings.every);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if !service.take_prefetch_lease(settings.every).await {
                tracing::debug!("prefetch: another replica runs this one");
                continue;
            }
            match service
                .prefetch(settings.hours_ahead, settings.every, &NoProgress)
                .await
            {
                Ok(_) => {}
                Err(ServiceError::NotConfigured { message }) => {
                    tracing::info!(
                        %message,
                        "prefetch off: it reads the calendar with the service credentials"
                    );
                    return;
                }
                Err(error) => tracing::warn!(%error, "prefetch run failed; next one as planned"),
            }
        }
    }))
}
