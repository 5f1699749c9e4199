//! Time stamps as alerts, evidence captures and the store write them: RFC 3339 in UTC.

use std::time::SystemTime;
use time::macros::format_description;
use time::OffsetDateTime;

/// `2026-11-23T05:44:07Z`: detection times, case events, exports.
pub fn rfc3339(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
}

/// `2026-11-23T05:44:07.123Z`: capture times, where pages fetched in one second differ.
pub fn rfc3339_millis(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .unwrap_or_default()
}

/// The current time as [`rfc3339`] writes it.
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn formats() {
        for (secs, millis, want) in [
            (0, 0, "1970-01-01T00:00:00"),
            (951_782_400, 5, "2000-02-29T00:00:00"),
            (1_795_412_647, 123, "2026-11-23T05:44:07"),
            (4_107_542_399, 999, "2100-02-28T23:59:59"),
        ] {
            let t = UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis);
            assert_eq!(rfc3339(t), format!("{want}Z"));
            assert_eq!(rfc3339_millis(t), format!("{want}.{millis:03}Z"));
        }
        let now = now_rfc3339();
        assert_eq!((now.len(), &now[10..11], &now[19..]), (20, "T", "Z"));
    }
}
