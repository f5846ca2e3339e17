//! Retry delays.
//!
//! Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
//! Backoff And Jitter"): the delay before retry `n` (the first retry is
//! `n = 1`) is a uniformly random duration in
//! `[0, min(cap, base * 2^(n-1))]`. Full jitter spreads the retries of many
//! failed jobs evenly instead of in synchronized waves, which is what a
//! receiver recovering from an outage needs. A `Retry-After` from the
//! receiver wins over the computed delay, bounded by `cap`.

/// Delay in milliseconds before retry `attempt` (1-based). `random` is any
/// uniformly distributed u64; the caller supplies it so this stays pure.
pub fn full_jitter_ms(attempt: u32, base_ms: u64, cap_ms: u64, random: u64) -> u64 {
    let exp = base_ms.saturating_mul(1u64.checked_shl(attempt.saturating_sub(1)).unwrap_or(u64::MAX));
    let ceiling = exp.min(cap_ms);
    if ceiling == 0 {
        return 0;
    }
    random % (ceiling + 1)
}

/// `Retry-After` as seconds from `now_unix`: delta-seconds or an HTTP-date
/// (RFC 9110 §10.2.3). `None` when absent or unparseable.
pub fn retry_after_secs(value: &str, now_unix: i64) -> Option<i64> {
    let v = value.trim();
    if let Ok(n) = v.parse::<i64>() {
        return (n >= 0).then_some(n);
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?.timestamp();
    Some((at - now_unix).max(0))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn bounded_by_the_exponential_and_the_cap() {
        for attempt in 1..40 {
            for r in [0, 1, 12_345, u64::MAX / 3, u64::MAX] {
                let d = full_jitter_ms(attempt, 1_000, 3_600_000, r);
                let exp = 1_000u64.saturating_mul(1u64 << (attempt - 1).min(63));
                assert!(d <= exp.min(3_600_000), "attempt {attempt}: {d}");
            }
        }
        assert_eq!(full_jitter_ms(1, 1_000, 60_000, 999), 999);
        assert_eq!(full_jitter_ms(1, 1_000, 60_000, 1_001), 0);
        assert_eq!(full_jitter_ms(70, 1_000, 60_000, 60_000), 60_000, "no overflow at huge attempts");
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after_secs("120", 0), Some(120));
        assert_eq!(retry_after_secs("-1", 0), None);
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z").unwrap().timestamp();
        assert_eq!(retry_after_secs("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(30));
        assert_eq!(retry_after_secs("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(0));
        assert_eq!(retry_after_secs("soon", now), None);
    }
}
