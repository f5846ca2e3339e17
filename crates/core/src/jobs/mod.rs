//! Jobs: the pure parts of the scheduler, the queue and outbound HTTP.
//!
//! * [`schedule`] — cron (5 or 6 fields, seconds first), `@every`, aliases,
//!   an IANA time zone per job, and the next fire time across DST changes.
//! * [`backoff`] — exponential backoff with full jitter, and `Retry-After`.
//! * [`destination`] — where an HTTP job may go: URL checks, the allowlist,
//!   and the addresses that are always refused (link-local, cloud metadata).
//!
//! No pgrx here: the glue in `src/jobs/` passes clocks, randomness and
//! resolved addresses in, so every rule is unit-tested without Postgres.

pub mod backoff;
pub mod destination;
pub mod schedule;

use std::fmt;

/// Everything a caller can get wrong, one variant per SQLSTATE family the
/// glue maps it to. Messages name the offending input, never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// Unparseable schedule (22023).
    Schedule(String),
    /// Unknown IANA time zone (22023).
    TimeZone(String),
    /// Malformed or unsupported URL (22023).
    Url(String),
    /// A destination the policy refuses (42501).
    Refused(String),
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Schedule(m) => write!(f, "invalid schedule: {m}"),
            JobError::TimeZone(m) => write!(f, "invalid time zone: {m}"),
            JobError::Url(m) => write!(f, "invalid URL: {m}"),
            JobError::Refused(m) => write!(f, "destination refused: {m}"),
        }
    }
}

impl std::error::Error for JobError {}
