//! The live alert feed behind `GET /v1/alerts/stream`. One task follows the store: every
//! 300 ms it reloads the index reader and reads the alert rows recorded since its last position
//! (the database's row ids grow in recording order), and keeps the newest summaries in a ring.
//! Each stream reads the ring from its own cursor (the SSE `Last-Event-ID`), so a reconnecting
//! browser misses nothing the ring still holds, and is told to reload when it fell behind.

use crate::api::AlertSummary;
use crate::AppState;
use std::collections::VecDeque;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

const RING: usize = 2000;
const TICK: Duration = Duration::from_millis(300);
/// Token refresh (revocations take effect within this).
const TOKENS_EVERY: u32 = 5;

pub struct Feed {
    ring: RwLock<VecDeque<(i64, Arc<str>)>>,
    latest: watch::Sender<i64>,
    /// A recorded alert missing from the index, and for how many ticks.
    stalled: std::sync::Mutex<(i64, u32)>,
}

/// Ticks an alert may stay missing from the index before the feed moves past it.
const STALL_TICKS: u32 = 30;

/// What a stream gets next.
pub enum Next {
    Events(Vec<(i64, Arc<str>)>),
    /// The cursor is older than the ring: reload the list, continue from the position given.
    Gap(i64),
    Nothing,
}

impl Feed {
    pub fn new(start: i64) -> Feed {
        Feed {
            ring: RwLock::new(VecDeque::new()),
            latest: watch::Sender::new(start),
            stalled: std::sync::Mutex::new((0, 0)),
        }
    }

    pub fn latest(&self) -> i64 {
        *self.latest.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.latest.subscribe()
    }

    pub fn after(&self, cursor: i64, max: usize) -> Next {
        let Ok(ring) = self.ring.read() else {
            return Next::Nothing;
        };
        let latest = self.latest();
        if cursor >= latest {
            return Next::Nothing;
        }
        match ring.front() {
            Some(&(first, _)) if cursor + 1 < first => Next::Gap(first - 1),
            None => Next::Gap(latest),
            _ => Next::Events(
                ring.iter()
                    .filter(|(p, _)| *p > cursor)
                    .take(max)
                    .cloned()
                    .collect(),
            ),
        }
    }

    /// Counts a tick stuck at `pos`; true once it has lasted [`STALL_TICKS`].
    fn stall(&self, pos: i64) -> bool {
        let Ok(mut s) = self.stalled.lock() else {
            return false;
        };
        if s.0 == pos {
            s.1 += 1;
        } else {
            *s = (pos, 1);
        }
        s.1 >= STALL_TICKS
    }

    fn push(&self, items: Vec<(i64, Arc<str>)>) {
        let Some(&(last, _)) = items.last() else {
            return;
        };
        if let Ok(mut ring) = self.ring.write() {
            ring.extend(items);
            while ring.len() > RING {
                ring.pop_front();
            }
        }
        self.latest.send_replace(last);
    }
}

/// Follows the store until `stop`.
pub async fn run(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    let mut tick = 0u32;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        tick = tick.wrapping_add(1);
        let s = state.clone();
        let refresh_tokens = tick.is_multiple_of(TOKENS_EVERY);
        let polled = tokio::task::spawn_blocking(move || poll(&s, refresh_tokens)).await;
        if let Ok(Err(e)) = polled {
            tracing::warn!(error = %e, "alert feed: reading the store failed; retrying");
        }
    }
}

fn poll(state: &AppState, refresh_tokens: bool) -> Result<(), doxwatch_store::StoreError> {
    let db = state
        .feed_db
        .lock()
        .map_err(|_| doxwatch_store::StoreError::Db("feed connection poisoned".into()))?;
    if refresh_tokens {
        let set = db.token_set()?;
        if let Ok(mut t) = state.tokens.write() {
            *t = set;
        }
    }
    let from = state.feed.latest();
    let rows = db.alerts_after(from, 500)?;
    drop(db);
    if rows.is_empty() {
        return Ok(());
    }
    state.index.reload()?;
    let mut items = Vec::with_capacity(rows.len());
    for (pos, id) in rows {
        // The database and the index commit in parallel: an alert whose index commit has not
        // landed yet is picked up at the next tick, in order.
        let Some(alert) = state.index.get(&id)? else {
            if items.is_empty() && state.feed.stall(pos) {
                tracing::warn!(
                    position = pos,
                    "alert feed: a recorded alert is not in the index; skipped"
                );
                state.feed.latest.send_replace(pos);
            }
            break;
        };
        let json = serde_json::to_string(&AlertSummary::of(&alert)).unwrap_or_default();
        items.push((pos, Arc::from(json)));
    }
    state.feed.push(items);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(range: std::ops::RangeInclusive<i64>) -> Vec<(i64, Arc<str>)> {
        range.map(|p| (p, Arc::from(p.to_string()))).collect()
    }

    #[test]
    fn streams_read_from_their_cursor_and_learn_of_gaps() {
        let feed = Feed::new(10);
        assert!(matches!(feed.after(10, 100), Next::Nothing));
        assert!(matches!(feed.after(3, 100), Next::Gap(10)));
        feed.push(items(11..=13));
        match feed.after(10, 100) {
            Next::Events(e) => assert_eq!(e.iter().map(|x| x.0).collect::<Vec<_>>(), [11, 12, 13]),
            _ => panic!("events expected"),
        }
        match feed.after(12, 100) {
            Next::Events(e) => assert_eq!(e.len(), 1),
            _ => panic!("events expected"),
        }
        assert!(matches!(feed.after(5, 100), Next::Gap(10)));
        feed.push(items(14..=(14 + RING as i64)));
        assert!(matches!(feed.after(12, 100), Next::Gap(_)));
        assert_eq!(feed.latest(), 14 + RING as i64);
        for _ in 1..STALL_TICKS {
            assert!(!feed.stall(7));
        }
        assert!(
            feed.stall(7),
            "a position stuck for STALL_TICKS ticks is given up"
        );
        assert!(!feed.stall(8), "a new position starts counting again");
    }
}
