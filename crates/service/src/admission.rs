//! Admission by the size of the work: how many calls are being assembled into answers at once.
//!
//! An answer holds every full transcript of its calls while it is cleaned and fitted to its
//! budget, so a server's memory follows the calls in flight, not the requests: a cap on
//! requests lets 64 requests of 50 cached calls each be assembled together. Here each request
//! takes one place per call (at most all of them) and waits for them; the places come back when
//! its answer is built.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Places for calls being assembled.
#[derive(Debug, Clone)]
pub struct Admission {
    places: Arc<Semaphore>,
    max: usize,
}

impl Admission {
    /// At most `max_calls` calls at once (at least one).
    pub fn new(max_calls: usize) -> Self {
        let max = max_calls.max(1);
        Self {
            places: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// Waits for places for `calls` calls (one at least, all of them at most: a request larger
    /// than the whole allowance runs alone). Held until dropped.
    pub async fn admit(&self, calls: usize) -> Admitted {
        let wanted = u32::try_from(calls.clamp(1, self.max)).unwrap_or(u32::MAX);
        Admitted(self.places.clone().acquire_many_owned(wanted).await.ok())
    }
}

/// A request's places; given back when dropped.
#[derive(Debug)]
pub struct Admitted(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn requests_wait_for_their_share_of_calls_and_go_when_places_come_back() {
        let admission = Admission::new(100);
        let first = admission.admit(60).await;
        let second = admission.admit(40).await;
        // Full: the next request waits, however long.
        let third = tokio::spawn({
            let admission = admission.clone();
            async move { admission.admit(50).await }
        });
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(!third.is_finished(), "admitted past the allowance");
        drop(second);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!third.is_finished(), "40 places are not 50");
        drop(first);
        let admitted = tokio::time::timeout(Duration::from_secs(1), third)
            .await
            .expect("admitted once places came back")
            .expect("task");
        drop(admitted);
        // A request larger than the allowance runs alone rather than never.
        let alone = tokio::time::timeout(Duration::from_secs(1), admission.admit(1_000)).await;
        assert!(alone.is_ok());
    }
}
