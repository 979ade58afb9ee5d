//! Where an account's calls come from: the setting ([`CallSource`], and [`GongListing`] for how
//! Gong is read) and what `auto` resolved to ([`ResolvedSource`]). Finding the calls is the
//! [`crate::call_source`] use case.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::domains::IgnoredDomains;

/// Which source to use (`CALLBRIEF_CALL_SOURCE`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CallSource {
    /// The Gong call object in Salesforce.
    Salesforce,
    /// Gong's call list, matched to accounts by e-mail domain.
    Gong,
    /// Salesforce when the org has the Gong call object, otherwise Gong (found once, by a
    /// describe of the object).
    #[default]
    Auto,
}

impl CallSource {
    /// The setting's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CallSource::Salesforce => "salesforce",
            CallSource::Gong => "gong",
            CallSource::Auto => "auto",
        }
    }
}

impl fmt::Display for CallSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CallSource {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "salesforce" => Ok(CallSource::Salesforce),
            "gong" => Ok(CallSource::Gong),
            "auto" => Ok(CallSource::Auto),
            other => Err(format!(
                "unknown call source {other:?}: use salesforce, gong or auto"
            )),
        }
    }
}

/// The source in use once `auto` is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolvedSource {
    /// The Gong call object in Salesforce.
    Salesforce,
    /// Gong, by e-mail domain.
    Gong,
}

/// Days of Gong calls searched unless configured otherwise: two quarters, the span of most
/// sales cycles, read in a few pages for a company of a few hundred calls a month.
pub const DEFAULT_WINDOW_DAYS: u32 = 180;
/// Most pages of `/v2/calls/extensive` one listing reads unless configured otherwise: 1,000
/// calls at Gong's 100 a page, a tenth of a percent of the default daily quota.
pub const DEFAULT_MAX_PAGES: u32 = 10;
/// How long one listing of Gong's calls is reused unless configured otherwise: a rep's
/// follow-up questions reuse it, and a new call shows up within minutes.
pub const DEFAULT_LISTING_TTL: Duration = Duration::from_secs(300);

/// How calls are found in Gong when that is the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GongListing {
    /// Days back from now to search.
    pub window_days: u32,
    /// Most pages read per listing.
    pub max_pages: u32,
    /// How long a listing is reused.
    pub ttl: Duration,
    /// Domains that never make a call an account's.
    pub ignored: IgnoredDomains,
}

impl Default for GongListing {
    fn default() -> Self {
        Self {
            window_days: DEFAULT_WINDOW_DAYS,
            max_pages: DEFAULT_MAX_PAGES,
            ttl: DEFAULT_LISTING_TTL,
            ignored: IgnoredDomains::default(),
        }
    }
}

impl GongListing {
    /// The Gong client's request for this listing.
    pub fn request(&self) -> gong::ListingRequest {
        gong::ListingRequest {
            window_days: self.window_days,
            max_pages: self.max_pages,
            ttl: self.ttl,
        }
    }
}
