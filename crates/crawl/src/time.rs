//! Seconds since the epoch, as the crawl state keeps them.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
