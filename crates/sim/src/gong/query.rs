//! Pure request logic: which calls a filter selects, and cursor pagination over the result.

use std::borrow::Cow;
use std::collections::BTreeSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};

use super::error::ApiError;
use super::wire::{CallsFilter, Records};
use super::WORKSPACE_ID;
use crate::org::{Call, SampleOrg};

/// A validated call filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Calls that started at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Calls that started before this instant.
    pub to: Option<DateTime<Utc>>,
    pub workspace_id: Option<String>,
    pub call_ids: Option<BTreeSet<String>>,
    /// Gong user ids of the calls' primary users.
    pub primary_user_ids: Option<BTreeSet<String>>,
}

/// Parses an ISO-8601 instant (`2018-02-18T08:00:00Z`, `2018-02-18T02:30:00-07:00`).
pub fn parse_time(field: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::bad_request(format!(
                        "{field}: '{v}' is not a valid ISO-8601 date-time"
                    ))
                })
        })
        .transpose()
}

/// Whether `id` has the shape of a Gong id: 1 to 20 ASCII digits.
pub fn is_gong_id(id: &str) -> bool {
    (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

fn numeric(field: &str, ids: &[String]) -> Result<BTreeSet<String>, ApiError> {
    match ids.iter().find(|id| !is_gong_id(id)) {
        Some(bad) => Err(ApiError::bad_request(format!(
            "{field}: '{bad}' is not a valid id"
        ))),
        None => Ok(ids.iter().cloned().collect()),
    }
}

impl Selection {
    /// Validates a request filter: dates must parse and be ordered, ids must be numeric.
    pub fn from_filter(f: &CallsFilter) -> Result<Self, ApiError> {
        Self::from_parts(
            f.from_date_time.as_deref(),
            f.to_date_time.as_deref(),
            f.workspace_id.clone(),
            f.call_ids.as_deref(),
            f.primary_user_ids.as_deref(),
        )
    }

    /// Validates filter parts (shared by the JSON bodies and the query string).
    pub fn from_parts(
        from: Option<&str>,
        to: Option<&str>,
        workspace_id: Option<String>,
        call_ids: Option<&[String]>,
        primary_user_ids: Option<&[String]>,
    ) -> Result<Self, ApiError> {
        let from = parse_time("fromDateTime", from)?;
        let to = parse_time("toDateTime", to)?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(ApiError::bad_request(
                    "fromDateTime must not be after toDateTime",
                ));
            }
        }
        Ok(Selection {
            from,
            to,
            workspace_id,
            call_ids: call_ids.map(|ids| numeric("callIds", ids)).transpose()?,
            primary_user_ids: primary_user_ids
                .map(|ids| numeric("primaryUserIds", ids))
                .transpose()?,
        })
    }

    /// A stable text form of the filter, bound into cursors so a cursor only continues the
    /// listing it came from.
    pub fn key(&self, endpoint: &str) -> String {
        let join = |s: &Option<BTreeSet<String>>| {
            s.as_ref()
                .map(|s| s.iter().cloned().collect::<Vec<_>>().join(","))
        };
        format!(
            "{endpoint}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.from,
            self.to,
            self.workspace_id,
            join(&self.call_ids),
            join(&self.primary_user_ids)
        )
    }

    fn matches(&self, call: &Call, org: &SampleOrg) -> bool {
        self.from.is_none_or(|f| call.started >= f)
            && self.to.is_none_or(|t| call.started < t)
            && self
                .workspace_id
                .as_deref()
                .is_none_or(|w| w == WORKSPACE_ID)
            && self
                .call_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&call.gong_id))
            && self.primary_user_ids.as_ref().is_none_or(|ids| {
                org.user(&call.primary_user_id)
                    .is_some_and(|u| ids.contains(&u.gong_id))
            })
    }

    /// The matching calls, oldest first (Gong's listing order). Generated calls (see
    /// [`SampleOrg::generated_call`]) match only when their ids are asked for.
    pub fn select<'a>(&self, org: &'a SampleOrg) -> Vec<Cow<'a, Call>> {
        let generated = self
            .call_ids
            .iter()
            .flatten()
            .filter_map(|id| org.generated_call(id))
            .filter(|c| self.matches(c, org))
            .map(Cow::Owned);
        let mut calls: Vec<Cow<'a, Call>> = org
            .calls
            .iter()
            .filter(|c| self.matches(c, org))
            .map(Cow::Borrowed)
            .chain(generated)
            .collect();
        calls.sort_by(|a, b| {
            a.started
                .cmp(&b.started)
                .then_with(|| a.gong_id.cmp(&b.gong_id))
        });
        calls
    }
}

/// FNV-1a: a hash that is the same on every platform and release.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The opaque cursor of page `page` of the listing identified by `key`.
pub fn encode_cursor(page: usize, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("p{page}.{:016x}", fnv1a(key)))
}

/// The page a cursor points to; rejects cursors that are malformed or from another listing.
pub fn decode_cursor(cursor: &str, key: &str) -> Result<usize, ApiError> {
    let bad = || ApiError::bad_request("cursor: invalid or expired cursor");
    let raw = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (page, hash) = text
        .strip_prefix('p')
        .and_then(|t| t.split_once('.'))
        .ok_or_else(bad)?;
    if hash != format!("{:016x}", fnv1a(key)) {
        return Err(bad());
    }
    page.parse().map_err(|_| bad())
}

/// One page of `items`: the page named by `cursor` (the first without), and its `records`
/// with a cursor only when more pages remain.
pub fn paginate<T>(
    items: Vec<T>,
    page_size: usize,
    cursor: Option<&str>,
    key: &str,
) -> Result<(Vec<T>, Records), ApiError> {
    let size = page_size.max(1);
    let total = items.len();
    let page = match cursor {
        Some(c) => {
            let p = decode_cursor(c, key)?;
            if p == 0 || p * size >= total {
                return Err(ApiError::bad_request("cursor: invalid or expired cursor"));
            }
            p
        }
        None => 0,
    };
    let slice: Vec<T> = items.into_iter().skip(page * size).take(size).collect();
    let more = (page + 1) * size < total;
    let records = Records {
        total_records: total as u64,
        current_page_size: slice.len() as u64,
        current_page_number: page as u64,
        cursor: more.then(|| encode_cursor(page + 1, key)),
    };
    Ok((slice, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_chain_through_cursors_and_end_without_one() {
        let items: Vec<u32> = (0..7).collect();
        let (p0, r0) = paginate(items.clone(), 3, None, "k").unwrap();
        assert_eq!(p0, vec![0, 1, 2]);
        assert_eq!(
            (
                r0.total_records,
                r0.current_page_size,
                r0.current_page_number
            ),
            (7, 3, 0)
        );
        let (p1, r1) = paginate(items.clone(), 3, r0.cursor.as_deref(), "k").unwrap();
        assert_eq!(p1, vec![3, 4, 5]);
        let (p2, r2) = paginate(items.clone(), 3, r1.cursor.as_deref(), "k").unwrap();
        assert_eq!(p2, vec![6]);
        assert_eq!(r2.cursor, None);
        assert_eq!(r2.current_page_number, 2);
    }

    #[test]
    fn cursors_from_another_listing_or_garbage_are_rejected() {
        let c = encode_cursor(1, "a");
        assert_eq!(decode_cursor(&c, "a").unwrap(), 1);
        assert!(decode_cursor(&c, "b").is_err());
        assert!(decode_cursor("!!!", "a").is_err());
        assert!(paginate(vec![1, 2], 1, Some(&encode_cursor(5, "a")), "a").is_err());
    }

    #[test]
    fn filters_validate_dates_and_ids() {
        assert!(Selection::from_parts(Some("yesterday"), None, None, None, None).is_err());
        assert!(Selection::from_parts(
            Some("2024-02-01T00:00:00Z"),
            Some("2024-01-01T00:00:00Z"),
            None,
            None,
            None
        )
        .is_err());
        assert!(Selection::from_parts(None, None, None, Some(&["12a".to_string()]), None).is_err());
        let s = Selection::from_parts(
            Some("2018-02-18T02:30:00-07:00"),
            None,
            None,
            Some(&["123".to_string()]),
            None,
        )
        .unwrap();
        assert_eq!(
            s.from.map(|t| t.to_rfc3339()),
            Some("2018-02-18T09:30:00+00:00".to_string())
        );
    }
}
