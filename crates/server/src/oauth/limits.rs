//! Per-client-address limits of the sign-in, on `governor`'s keyed GCRA limiter: refused
//! tokens ([`SignInLimit`]), client registrations and client-document fetches
//! ([`PerAddress`]). Each address costs one small state; addresses idle long enough to be back
//! at a full allowance are dropped once [`MAX_TRACKED_ADDRESSES`] are tracked.
//!
//! The address is the one [`crate::client_addr`] resolved: behind a trusted proxy, the client's;
//! otherwise every client shares the proxy's address.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock as _;
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

/// Most client addresses tracked at once; past it, addresses back at a full allowance are
/// forgotten.
pub const MAX_TRACKED_ADDRESSES: usize = 10_000;

/// How long an address stays held back at most, and so how long a hold is remembered.
const LONGEST_HOLD: Duration = Duration::from_secs(60);

/// `governor`'s clock on tokio's time, so paused-time tests move the limits too.
#[derive(Debug, Clone)]
struct TokioClock {
    origin: tokio::time::Instant,
}

impl governor::clock::Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(self.origin)
    }
}

type Keyed = RateLimiter<IpAddr, DashMapStateStore<IpAddr>, TokioClock, StateInformationMiddleware>;

/// At most `limit` events a minute per client address (a burst of `limit`, then one every
/// minute / `limit`); a limit of 0 allows everything.
#[derive(Debug)]
pub struct PerAddress {
    limiter: Option<Keyed>,
    /// The time between two events once the burst is used up.
    period: Duration,
}

impl PerAddress {
    /// At most `limit` events per address a minute; 0 turns the limit off.
    pub fn per_minute(limit: u32) -> Self {
        let limiter = NonZeroU32::new(limit).map(|limit| {
            let clock = TokioClock {
                origin: tokio::time::Instant::now(),
            };
            RateLimiter::dashmap_with_clock(Quota::per_minute(limit), clock)
                .with_middleware::<StateInformationMiddleware>()
        });
        Self {
            limiter,
            period: LONGEST_HOLD / limit.max(1),
        }
    }

    /// Counts one event from `ip`: `Ok` with how many more may follow at once, or how long
    /// `ip` must wait (counting nothing).
    fn check(&self, ip: IpAddr) -> Result<u32, Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(u32::MAX);
        };
        if limiter.len() >= MAX_TRACKED_ADDRESSES {
            limiter.retain_recent();
        }
        match limiter.check_key(&ip) {
            Ok(state) => Ok(state.remaining_burst_capacity()),
            Err(not_until) => Err(not_until.wait_time_from(limiter.clock().now())),
        }
    }

    /// Counts one event from `ip`, or says how long `ip` must wait (counting nothing).
    pub fn try_acquire(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check(ip).map(|_| ())
    }
}

/// Refused sign-ins per client address (every request with an unaccepted token counts, also
/// one refused from the service's memory): past the limit, that address's new tokens are
/// answered 429 without a Salesforce call, so a script trying tokens cannot spend the org's
/// API quota. Tokens already accepted (cached) still pass.
#[derive(Debug)]
pub struct SignInLimit {
    refusals: PerAddress,
    /// Addresses out of allowance, and until when (tokio time).
    held: moka::sync::Cache<IpAddr, tokio::time::Instant>,
}

impl SignInLimit {
    /// At most `limit` refusals per address a minute; 0 turns the limit off.
    pub fn new(limit: u32) -> Self {
        Self {
            refusals: PerAddress::per_minute(limit),
            held: moka::sync::Cache::builder()
                .max_capacity(MAX_TRACKED_ADDRESSES as u64)
                .time_to_live(LONGEST_HOLD)
                .build(),
        }
    }

    /// How long `ip` must wait, when it has used up its refusals.
    pub fn wait_for(&self, ip: IpAddr) -> Option<Duration> {
        let until = self.held.get(&ip)?;
        let wait = until.saturating_duration_since(tokio::time::Instant::now());
        (!wait.is_zero()).then_some(wait)
    }

    /// Counts one refused sign-in from `ip`.
    pub fn refused(&self, ip: IpAddr) {
        let wait = match self.refusals.check(ip) {
            Ok(0) => self.refusals.period,
            Ok(_) => return,
            Err(wait) => wait,
        };
        self.held
            .insert(ip, tokio::time::Instant::now() + wait.min(LONGEST_HOLD));
    }
}
