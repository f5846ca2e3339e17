//! One clock and the conversions between Postgres and Unix time.
use crate::common::errors::{raise, Code};
use pgrx::prelude::*;

/// Postgres epoch (2000-01-01) in Unix seconds.
pub const PG_EPOCH_UNIX: i64 = 946_684_800;

/// Wall-clock Unix seconds (replay windows, counters, token lifetimes).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn unix_secs(at: TimestampWithTimeZone) -> i64 {
    let micros: i64 = pg_sys::TimestampTz::from(at);
    micros.div_euclid(1_000_000) + PG_EPOCH_UNIX
}

pub fn from_unix(secs: i64) -> Option<TimestampWithTimeZone> {
    (secs > 0).then(|| TimestampWithTimeZone::try_from((secs - PG_EPOCH_UNIX) * 1_000_000).ok()).flatten()
}

/// Whole seconds of a non-negative interval (22023 otherwise).
pub fn interval_secs(iv: Interval) -> i64 {
    let secs = iv.as_micros() / 1_000_000;
    if secs < 0 {
        raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, "interval must not be negative", None, None)
    }
    secs.min(i64::MAX as i128) as i64
}

/// RFC 3339 text for status rows; `None` for "never".
pub fn rfc3339(unix: i64) -> Option<String> {
    (unix > 0).then(|| chrono::DateTime::from_timestamp(unix, 0).map(|t| t.to_rfc3339()).unwrap_or_default())
}
