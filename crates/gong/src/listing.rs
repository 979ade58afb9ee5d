//! The company's recent calls with their parties, newest first, for finding an account's calls
//! in Gong when Salesforce has no Gong call object to ask.
//!
//! Gong lists `/v2/calls/extensive` oldest first, so reading a whole window page by page and
//! stopping at a bound would keep the oldest calls and drop the newest, the ones a briefing
//! wants. The window is therefore read in slices from now backwards: each slice is one
//! filtered listing (`fromDateTime`/`toDateTime`, cursors followed), the next slice twice as
//! long when the last one fit on one page (a quiet company costs few requests) and half as
//! long when it took more than two (a busy one does not spend the bound on one old slice).
//! The bound on pages holds for the whole listing, so one request can never burn the daily
//! quota; what was covered is reported, so callers can say how far back they looked.
//!
//! One listing serves every account, so it is kept for a short time and read by one caller at
//! a time (single-flight): repeated and concurrent briefings reuse it instead of paging again.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, DurationRound as _, SecondsFormat, TimeDelta, Utc};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::scheduler::Scheduler;
use crate::{wire, GongError};

/// Length of the first (newest) slice of a window.
const FIRST_SLICE: TimeDelta = TimeDelta::days(7);
/// Shortest slice: below it a busy day would still not fit the bound.
const MIN_SLICE: TimeDelta = TimeDelta::days(1);

/// What to list: how far back, with how many pages at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListingRequest {
    /// Days back from now.
    pub window_days: u32,
    /// Most `/v2/calls/extensive` pages read (at least 1 is used).
    pub max_pages: u32,
    /// How long a listing is reused before Gong is read again (zero: never reused).
    pub ttl: Duration,
}

/// The calls of a window, newest first.
#[derive(Debug, Clone)]
pub struct RecentCalls {
    /// Calls with metadata and parties, newest first.
    pub calls: Vec<wire::ExtensiveCall>,
    /// The oldest instant up to which every call was read (the window's start when
    /// `complete`).
    pub covered_from: DateTime<Utc>,
    /// The end of the window (when it was read).
    pub to: DateTime<Utc>,
    /// Whether the whole window was read within the page bound.
    pub complete: bool,
    /// Pages of `/v2/calls/extensive` read for it.
    pub pages: u32,
    /// Whether this answer was reused from an earlier listing (no Gong request).
    pub reused: bool,
}

/// Most distinct listings kept (one per listing setting; a process has one or two).
const MAX_KEPT: u64 = 16;

/// Listings kept for reuse (each for its request's TTL), read one at a time.
pub(crate) struct Listings {
    kept: moka::sync::Cache<ListingRequest, Arc<RecentCalls>>,
    /// Held while a listing is looked up or read, so concurrent callers wait for one read.
    reading: Mutex<()>,
}

/// Each listing lives as long as its request says.
struct RequestTtl;

impl moka::Expiry<ListingRequest, Arc<RecentCalls>> for RequestTtl {
    fn expire_after_create(
        &self,
        request: &ListingRequest,
        _: &Arc<RecentCalls>,
        _: std::time::Instant,
    ) -> Option<Duration> {
        Some(request.ttl)
    }
}

impl Default for Listings {
    fn default() -> Self {
        Self {
            kept: moka::sync::Cache::builder()
                .max_capacity(MAX_KEPT)
                .expire_after(RequestTtl)
                .build(),
            reading: Mutex::new(()),
        }
    }
}

impl Listings {
    /// The listing `request` asks for: a kept one younger than its TTL, or a new one read
    /// through `scheduler` (while other callers wait for it instead of reading it again).
    pub(crate) async fn get(
        &self,
        scheduler: &Scheduler,
        request: ListingRequest,
        deadline: Instant,
    ) -> Result<Arc<RecentCalls>, GongError> {
        let _reading = self.reading.lock().await;
        if let Some(listing) = self.kept.get(&request) {
            let mut reused = RecentCalls::clone(&listing);
            reused.reused = true;
            return Ok(Arc::new(reused));
        }
        let listing = Arc::new(read(scheduler, request, Utc::now(), deadline).await?);
        if !request.ttl.is_zero() {
            self.kept.insert(request, Arc::clone(&listing));
        }
        Ok(listing)
    }
}

/// Reads the window ending at `now` (rounded up to the minute) in slices, newest first.
async fn read(
    scheduler: &Scheduler,
    request: ListingRequest,
    now: DateTime<Utc>,
    deadline: Instant,
) -> Result<RecentCalls, GongError> {
    let to = now
        .duration_trunc(TimeDelta::minutes(1))
        .map_or(now, |t| t + TimeDelta::minutes(1));
    let start = to - TimeDelta::days(i64::from(request.window_days));
    let max_pages = request.max_pages.max(1);
    let mut listing = RecentCalls {
        calls: Vec::new(),
        covered_from: to,
        to,
        complete: false,
        pages: 0,
        reused: false,
    };
    let mut slice = FIRST_SLICE;
    let mut slice_to = to;
    while slice_to > start {
        let slice_from = (slice_to - slice).max(start);
        let left = max_pages - listing.pages;
        if left == 0 {
            return Ok(listing);
        }
        let filter = wire::CallsFilter {
            from_date_time: Some(iso(slice_from)),
            to_date_time: Some(iso(slice_to)),
            ..wire::CallsFilter::default()
        };
        let window = match scheduler
            .list_window(
                filter,
                wire::ContentSelector::parties_only(),
                left,
                deadline,
            )
            .await
        {
            Ok(window) => window,
            // The newer slices already read are worth answering with (the daily budget ran
            // down to its reserve, or Gong failed): the listing says how far back it got.
            Err(error) if listing.pages > 0 => {
                tracing::warn!(%error, pages = listing.pages, "gong listing cut short");
                return Ok(listing);
            }
            Err(error) => return Err(error),
        };
        listing.pages += window.pages;
        let mut calls = window.calls;
        calls.reverse();
        listing.calls.extend(calls);
        if !window.complete {
            // The slice's newest calls were not reached: what was read is kept, but the
            // window is covered only down to the previous slice.
            return Ok(listing);
        }
        listing.covered_from = slice_from;
        slice = if window.pages <= 1 {
            slice * 2
        } else if window.pages > 2 {
            (slice / 2).max(MIN_SLICE)
        } else {
            slice
        };
        slice_to = slice_from;
    }
    listing.complete = true;
    Ok(listing)
}

/// Gong's instant format (RFC 3339, UTC, whole seconds).
fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
