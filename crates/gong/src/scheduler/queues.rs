//! The scheduler's queues, pure: one lane per endpoint and selector, one round-robin queue per
//! caller in each, who waits for each id, and which lane's batch goes next.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::lane::{Answer, LaneSpec};

pub(super) struct Waiter {
    pub(super) tag: usize,
    pub(super) tx: mpsc::UnboundedSender<Answer>,
}

pub(super) struct Lane {
    pub(super) spec: LaneSpec,
    /// Callers with queued ids, in round-robin order.
    pub(super) callers: VecDeque<(String, VecDeque<String>)>,
    /// Ids queued at background priority (prefetching): they ride along in a request that has
    /// room, and go on their own only when no caller waits (see the dispatcher).
    pub(super) background: VecDeque<String>,
    /// Everyone waiting for each queued or in-flight id.
    pub(super) waiters: HashMap<String, Vec<Waiter>>,
    /// Latest deadline among the askers of each queued or in-flight id.
    pub(super) deadlines: HashMap<String, Instant>,
}

impl Lane {
    /// Ids queued for callers (not counting the background's).
    pub(super) fn queued(&self) -> usize {
        self.callers.iter().map(|(_, ids)| ids.len()).sum()
    }

    /// Moves `id` from the background queue to `caller`'s, when it waits there: someone now
    /// waits for it, so it stops waiting for spare capacity.
    pub(super) fn promote(&mut self, id: &str) -> bool {
        let Some(at) = self.background.iter().position(|b| b == id) else {
            return false;
        };
        self.background.remove(at);
        true
    }

    /// Drops queued ids whose every asker has stopped waiting.
    pub(super) fn prune(&mut self) {
        let (waiters, deadlines) = (&mut self.waiters, &mut self.deadlines);
        for (_, ids) in &mut self.callers {
            ids.retain(|id| still_wanted(waiters, deadlines, id));
        }
        self.callers.retain(|(_, ids)| !ids.is_empty());
        self.background
            .retain(|id| still_wanted(waiters, deadlines, id));
    }

    /// Up to `size` ids, one per caller in turn (served callers move to the back), the room
    /// left filled from the background queue: a request that goes anyway carries them free.
    pub(super) fn take_batch(&mut self, size: usize) -> Vec<String> {
        let mut batch = Vec::with_capacity(size.min(self.queued()));
        while batch.len() < size {
            let Some((caller, mut ids)) = self.callers.pop_front() else {
                break;
            };
            if let Some(id) = ids.pop_front() {
                batch.push(id);
            }
            if !ids.is_empty() {
                self.callers.push_back((caller, ids));
            }
        }
        while batch.len() < size {
            let Some(id) = self.background.pop_front() else {
                break;
            };
            batch.push(id);
        }
        batch
    }
}

/// Whether someone still waits for `id`; forgets it (and its askers' deadline) otherwise.
fn still_wanted(
    waiters: &mut HashMap<String, Vec<Waiter>>,
    deadlines: &mut HashMap<String, Instant>,
    id: &str,
) -> bool {
    let live = waiters.get_mut(id).is_some_and(|ws| {
        ws.retain(|w| !w.tx.is_closed());
        !ws.is_empty()
    });
    if !live {
        waiters.remove(id);
        deadlines.remove(id);
    }
    live
}

#[derive(Default)]
pub(super) struct Queues {
    pub(super) lanes: Vec<Lane>,
    /// The lane to try first for the next slot.
    pub(super) next_lane: usize,
    /// Since when the window's last free slot has been waiting for a fuller batch; `None`
    /// while it is not waiting.
    pub(super) holding_since: Option<Instant>,
}

impl Queues {
    pub(super) fn lane_mut(&mut self, spec: &LaneSpec) -> &mut Lane {
        let at = match self.lanes.iter().position(|l| l.spec.key == spec.key) {
            Some(at) => at,
            None => {
                self.lanes.push(Lane {
                    spec: spec.clone(),
                    callers: VecDeque::new(),
                    background: VecDeque::new(),
                    waiters: HashMap::new(),
                    deadlines: HashMap::new(),
                });
                self.lanes.len() - 1
            }
        };
        &mut self.lanes[at]
    }

    pub(super) fn has_queued(&mut self) -> bool {
        let mut any = false;
        for lane in &mut self.lanes {
            lane.prune();
            any |= !lane.callers.is_empty();
        }
        if !any {
            self.holding_since = None;
        }
        any
    }

    /// Whether some lane has background ids queued (call after [`Self::has_queued`], which
    /// prunes them).
    pub(super) fn has_background(&self) -> bool {
        self.lanes.iter().any(|l| !l.background.is_empty())
    }

    /// The next lane with background ids, taking turns.
    pub(super) fn pick_background_lane(&mut self) -> Option<usize> {
        let n = self.lanes.len();
        let at = (0..n)
            .map(|i| (self.next_lane + i) % n)
            .find(|i| !self.lanes[*i].background.is_empty())?;
        self.next_lane = (at + 1) % n;
        Some(at)
    }

    /// Whether some lane has ids queued and none of them has a full batch: only then can
    /// waiting make the window's last request carry more.
    pub(super) fn batch_could_fill(&self, batch_size: usize) -> bool {
        let mut queued = self.lanes.iter().map(Lane::queued).filter(|n| *n > 0);
        let first = queued.next();
        first.is_some() && first.into_iter().chain(queued).all(|n| n < batch_size)
    }

    /// When the last free slot of the window should go instead of now: `wait` after it started
    /// waiting, unless a lane fills a batch first. `None`: send now.
    pub(super) fn hold_last_slot(
        &mut self,
        batch_size: usize,
        wait: Duration,
        now: Instant,
    ) -> Option<Instant> {
        if !self.batch_could_fill(batch_size) {
            return None;
        }
        let until = *self.holding_since.get_or_insert(now) + wait;
        (until > now).then_some(until)
    }

    /// The next lane to send, taking turns, a lane with a full batch first: a full request is
    /// never worth delaying, and a lane still filling gains from the wait.
    pub(super) fn pick_lane(&mut self, batch_size: usize) -> Option<usize> {
        let n = self.lanes.len();
        let turns = || (0..n).map(|i| (self.next_lane + i) % n);
        let at = turns()
            .find(|i| self.lanes[*i].queued() >= batch_size)
            .or_else(|| turns().find(|i| !self.lanes[*i].callers.is_empty()))?;
        self.next_lane = (at + 1) % n;
        self.holding_since = None;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire;

    /// Queues with `transcripts` ids waiting for the transcript lane and `details` for the
    /// extensive lane, all from one caller.
    fn queues(transcripts: usize, details: usize) -> Queues {
        let mut queues = Queues::default();
        let lanes = [
            (LaneSpec::transcripts(), transcripts),
            (
                LaneSpec::extensive(&wire::ContentSelector::default()),
                details,
            ),
        ];
        for (spec, n) in lanes {
            let lane = queues.lane_mut(&spec);
            let ids: VecDeque<String> = (0..n).map(|i| i.to_string()).collect();
            if !ids.is_empty() {
                lane.callers.push_back(("rep".to_owned(), ids));
            }
        }
        queues
    }

    #[test]
    fn the_last_slot_waits_from_when_it_started_waiting_not_from_when_ids_were_queued() {
        let wait = Duration::from_millis(250);
        let t0 = Instant::now();
        // Ids left over from an earlier request (queued long before) still wait: the asks that
        // come back during the wait can fill the batch.
        let mut q = queues(20, 20);
        assert_eq!(q.hold_last_slot(100, wait, t0), Some(t0 + wait));
        let later = t0 + Duration::from_millis(100);
        assert_eq!(q.hold_last_slot(100, wait, later), Some(t0 + wait));
        assert_eq!(q.hold_last_slot(100, wait, t0 + wait), None);
        // Sending ends the wait; the next last slot waits afresh.
        assert!(q.pick_lane(100).is_some());
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(q.hold_last_slot(100, wait, t1), Some(t1 + wait));
    }

    #[test]
    fn background_ids_ride_along_in_a_request_with_room_and_a_caller_takes_one_over() {
        let mut q = queues(2, 0);
        let lane = &mut q.lanes[0];
        lane.background.extend(["b1", "b2", "b3"].map(String::from));
        // A caller's ids first, then the room filled from the background.
        assert_eq!(lane.take_batch(4), ["0", "1", "b1", "b2"]);
        // Someone now waits for b3: it leaves the background queue.
        assert!(lane.promote("b3"));
        assert!(!lane.promote("b3"));
        assert!(lane.background.is_empty());
        // Background ids alone do not count as queued for callers.
        let mut q = queues(0, 0);
        q.lanes[0].background.push_back("b".to_owned());
        q.lanes[0]
            .waiters
            .entry("b".to_owned())
            .or_default()
            .push(Waiter {
                tag: 0,
                tx: mpsc::unbounded_channel().0,
            });
        assert_eq!(q.lanes[0].queued(), 0);
        assert!(!q.has_queued());
        // A background id whose asker is gone is dropped.
        assert!(!q.has_background());
        let (tx, _rx) = mpsc::unbounded_channel();
        q.lanes[0].background.push_back("c".to_owned());
        q.lanes[0]
            .waiters
            .entry("c".to_owned())
            .or_default()
            .push(Waiter { tag: 0, tx });
        assert!(!q.has_queued());
        assert!(q.has_background());
        assert_eq!(q.pick_background_lane(), Some(0));
    }

    #[test]
    fn a_full_batch_goes_first_and_never_waits() {
        let wait = Duration::from_millis(250);
        let mut q = queues(20, 100);
        assert_eq!(q.hold_last_slot(100, wait, Instant::now()), None);
        let at = q.pick_lane(100).unwrap();
        assert_eq!(&*q.lanes[at].spec.key, &*q.lanes[1].spec.key);
        // Nothing queued: nothing to wait for.
        let mut empty = queues(0, 0);
        assert!(!empty.has_queued());
        assert_eq!(empty.hold_last_slot(100, wait, Instant::now()), None);
    }
}
