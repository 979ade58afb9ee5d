//! Whether this process can serve requests now, for an orchestrator's readiness probe.
//!
//! Liveness (the process answers) and readiness (it can do the work) differ: a replica whose
//! cache store went read-only, or whose shared rate-limit state is unreachable, should stop
//! getting traffic without being restarted. Every check here is local or cheap, and none
//! sends anything to Gong: a probe every few seconds must not spend the daily quota.
//!
//! The service checks what it owns (the cache store); a deployment adds its own checks (a
//! shared state backend, say) with [`crate::Service::add_readiness_check`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Longest one check may take before it counts as failed: a probe must answer well inside an
/// orchestrator's usual 1-5 s probe timeout even when a backend hangs.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// What a check's future resolves to: `Err` says why the process is not ready, in words fit
/// for an operator's log (no secret, no customer data).
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// One condition of readiness that a deployment adds to the service's own.
pub trait ReadinessCheck: Send + Sync {
    /// A short fixed name (`shared_state`), shown in the readiness answer.
    fn name(&self) -> &'static str;
    /// Runs the check; it must not spend Gong quota.
    fn check(&self) -> CheckFuture<'_>;
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The check's name.
    pub name: &'static str,
    /// `Err` with the reason when it failed.
    pub outcome: Result<(), String>,
}

/// Every check's result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readiness {
    /// In the order they ran.
    pub checks: Vec<CheckResult>,
    /// Conditions that leave the process working, but less well than configured (a shared
    /// state backend that does not answer: the replica then works alone), with the reason.
    /// They do not make it unready: taking every replica out of traffic when a shared
    /// backend fails would turn a slowdown into an outage.
    pub degraded: Vec<(&'static str, String)>,
}

impl Readiness {
    /// Whether every check passed.
    pub fn is_ready(&self) -> bool {
        self.checks.iter().all(|c| c.outcome.is_ok())
    }

    /// Adds a result.
    pub fn push(&mut self, name: &'static str, outcome: Result<(), String>) {
        self.checks.push(CheckResult { name, outcome });
    }
}

/// Runs `check` within [`CHECK_TIMEOUT`].
pub(crate) async fn run(check: &dyn ReadinessCheck) -> Result<(), String> {
    tokio::time::timeout(CHECK_TIMEOUT, check.check())
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", CHECK_TIMEOUT.as_secs())))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use gong::{GongAuth, GongClient, GongConfig};
    use secrecy::SecretString;

    use super::*;
    use crate::{Service, ServiceOptions};

    /// A check that answers `outcome`, or never when `None`.
    struct Fixed(Option<Result<(), String>>);

    impl ReadinessCheck for Fixed {
        fn name(&self) -> &'static str {
            "shared_state"
        }
        fn check(&self) -> CheckFuture<'_> {
            let outcome = self.0.clone();
            Box::pin(async move {
                match outcome {
                    Some(outcome) => outcome,
                    None => std::future::pending().await,
                }
            })
        }
    }

    fn service() -> Service {
        // Nothing listens there: readiness must not ask Gong.
        let gong = GongClient::new(
            GongConfig::new(
                "http://127.0.0.1:9",
                GongAuth::Bearer(SecretString::from("t".to_owned())),
            )
            .unwrap(),
        )
        .unwrap();
        Service::new(gong, None, ServiceOptions::default()).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn added_checks_run_after_the_own_ones_and_a_hung_one_times_out() {
        let mut service = service();
        let own = service.readiness().await;
        assert!(own.is_ready(), "{own:?}");
        assert_eq!(own.checks.len(), 1);
        assert_eq!(own.checks[0].name, "cache_store");

        service.add_readiness_check(Arc::new(Fixed(Some(Err("unreachable".into())))));
        let failed = service.readiness().await;
        assert!(!failed.is_ready());
        assert_eq!(
            failed.checks[1],
            CheckResult {
                name: "shared_state",
                outcome: Err("unreachable".into())
            }
        );

        let mut service = self::service();
        service.add_readiness_check(Arc::new(Fixed(None)));
        let hung = service.readiness().await;
        assert!(!hung.is_ready());
        assert!(hung.checks[1]
            .outcome
            .as_ref()
            .is_err_and(|e| e.contains("no answer")));

        let mut service = self::service();
        service.add_readiness_check(Arc::new(Fixed(Some(Ok(())))));
        assert!(service.readiness().await.is_ready());
    }
}
