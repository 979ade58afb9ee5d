//! Query locators: the rest of a large query answer, kept so `nextRecordsUrl` can page through it.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::json::Json;

/// How long an unused locator lives (Salesforce: 15 minutes of inactivity).
pub const LOCATOR_TTL: Duration = Duration::from_secs(15 * 60);
/// Most locators kept at once; the oldest is dropped first (Salesforce caps open cursors too).
pub const MAX_LOCATORS: usize = 64;

/// A query answer being paged through.
#[derive(Debug, Clone)]
pub struct Cursor {
    /// The user who ran the query; only they may continue it.
    pub user_id: String,
    /// Every record of the answer.
    pub records: Arc<Vec<Json>>,
    last_used: Instant,
}

/// Open locators.
#[derive(Debug, Default)]
pub struct Cursors {
    open: HashMap<String, Cursor>,
    order: VecDeque<String>,
}

impl Cursors {
    /// Keeps an answer and names it with a new locator (`01g` + 15 characters, like Salesforce's).
    pub fn open(&mut self, user_id: &str, records: Arc<Vec<Json>>, now: Instant) -> String {
        self.open
            .retain(|_, c| now.duration_since(c.last_used) < LOCATOR_TTL);
        self.order.retain(|l| self.open.contains_key(l));
        while self.open.len() >= MAX_LOCATORS {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.open.remove(&oldest);
                }
                None => break,
            }
        }
        let simple = uuid::Uuid::new_v4().simple().to_string();
        let locator = format!("01g{}", &simple[..15]);
        self.open.insert(
            locator.clone(),
            Cursor {
                user_id: user_id.to_string(),
                records,
                last_used: now,
            },
        );
        self.order.push_back(locator.clone());
        locator
    }

    /// The answer behind a locator, if still open; touching it keeps it alive.
    pub fn get(&mut self, locator: &str, now: Instant) -> Option<Cursor> {
        let cursor = self.open.get_mut(locator)?;
        if now.duration_since(cursor.last_used) >= LOCATOR_TTL {
            self.open.remove(locator);
            return None;
        }
        cursor.last_used = now;
        Some(cursor.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators_expire_and_are_capped() {
        let mut c = Cursors::default();
        let now = Instant::now();
        let rows = Arc::new(vec![Json::Leaf(1.into())]);
        let first = c.open("u", rows.clone(), now);
        assert!(first.starts_with("01g") && first.len() == 18);
        assert!(c.get(&first, now).is_some());
        assert!(c.get(&first, now + LOCATOR_TTL).is_none());
        let first = c.open("u", rows.clone(), now);
        for _ in 0..MAX_LOCATORS {
            c.open("u", rows.clone(), now);
        }
        assert!(c.get(&first, now).is_none());
    }
}
