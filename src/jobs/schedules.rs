//! Schedule and command validation for `job_schedule()`, and fire times.
use super::gucs;
use crate::common::errors::{raise, Code};
use chrono::{DateTime, Utc};
use pgrx::prelude::*;
use std::ffi::CString;
use supabase_ext_core::jobs::{destination, schedule, JobError};

/// One place that maps the jobs domain's errors to SQLSTATEs.
pub fn job_error(e: JobError) -> ! {
    match e {
        JobError::Refused(_) => raise(Code::ERRCODE_INSUFFICIENT_PRIVILEGE, e.to_string(), None, None),
        JobError::TimeZone(_) => raise(
            Code::ERRCODE_INVALID_PARAMETER_VALUE,
            e.to_string(),
            None,
            Some("use an IANA name such as Asia/Manila or America/New_York"),
        ),
        JobError::Schedule(_) => raise(
            Code::ERRCODE_INVALID_PARAMETER_VALUE,
            e.to_string(),
            None,
            Some("e.g. '*/15 * * * *', '0 8 * * *' with options {\"timezone\": \"Asia/Manila\"}, '@every 30s', '@daily'"),
        ),
        JobError::Url(_) => raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, e.to_string(), None, None),
    }
}

pub fn to_chrono(t: TimestampWithTimeZone) -> DateTime<Utc> {
    let secs = crate::common::time::unix_secs(t);
    let micros: i64 = pg_sys::TimestampTz::from(t);
    let nanos = (micros.rem_euclid(1_000_000) * 1000) as u32;
    DateTime::from_timestamp(secs, nanos).unwrap_or_default()
}

pub fn from_chrono(t: DateTime<Utc>) -> TimestampWithTimeZone {
    let micros =
        (t.timestamp() - crate::common::time::PG_EPOCH_UNIX) * 1_000_000 + t.timestamp_subsec_micros() as i64;
    TimestampWithTimeZone::try_from(micros).unwrap_or_else(|_| {
        raise(Code::ERRCODE_DATETIME_FIELD_OVERFLOW, "fire time out of range", None, None)
    })
}

/// The first fire time of `schedule` (in `timezone`) strictly after `after`;
/// NULL when the pattern never fires again.
#[pg_extern(stable, parallel_safe)]
fn job_next_run(
    schedule: &str,
    timezone: default!(&str, "'UTC'"),
    after: default!(TimestampWithTimeZone, "now()"),
) -> Option<TimestampWithTimeZone> {
    let s = schedule::parse(schedule, timezone).unwrap_or_else(|e| job_error(e));
    s.next_after(to_chrono(after)).map(from_chrono)
}

/// The next `n` fire times (at most 1000), for checking a schedule by eye.
#[pg_extern(stable, parallel_safe)]
fn job_next_runs(
    schedule: &str,
    timezone: default!(&str, "'UTC'"),
    n: default!(i32, 5),
    after: default!(TimestampWithTimeZone, "now()"),
) -> SetOfIterator<'static, TimestampWithTimeZone> {
    let s = schedule::parse(schedule, timezone).unwrap_or_else(|e| job_error(e));
    let times: Vec<_> =
        s.upcoming(to_chrono(after), n.clamp(0, 1000) as usize).into_iter().map(from_chrono).collect();
    SetOfIterator::new(times)
}

/// Refuses SQL that does not parse (42601), so a typo fails at
/// job_schedule() time instead of at 3 AM. Parsing only: tables the command
/// names may not exist yet.
#[pg_extern(immutable, parallel_safe, strict)]
fn job_check_sql(command: &str) -> bool {
    let c = CString::new(command)
        .unwrap_or_else(|_| raise(Code::ERRCODE_SYNTAX_ERROR, "job command contains a NUL byte", None, None));
    let parsed = PgTryBuilder::new(|| {
        // SAFETY: raw_parser only reads the string; errors longjmp into the catch below.
        let list = unsafe { pg_sys::raw_parser(c.as_ptr(), pg_sys::RawParseMode::RAW_PARSE_DEFAULT) };
        Ok(!list.is_null())
    })
    .catch_others(|e| match e {
        pg_sys::panic::CaughtError::PostgresError(r)
        | pg_sys::panic::CaughtError::ErrorReport(r)
        | pg_sys::panic::CaughtError::RustPanic { ereport: r, .. } => Err(r.message().to_string()),
    })
    .execute();
    match parsed {
        Ok(true) => true,
        Ok(false) => raise(Code::ERRCODE_SYNTAX_ERROR, "job command is empty", None, None),
        Err(msg) => raise(
            Code::ERRCODE_SYNTAX_ERROR,
            format!("job command is not valid SQL: {msg}"),
            None,
            Some("the command is parsed when scheduled, and run as the scheduling role when it fires"),
        ),
    }
}

/// Checks an HTTP job's URL and, for owners that are not superusers, that the
/// allowlist admits it (addresses are checked again when connecting).
#[pg_extern(stable, parallel_safe)]
fn job_check_url(url: &str, superuser: bool) -> bool {
    let target = destination::parse_url(url).unwrap_or_else(|e| job_error(e));
    let policy = gucs::http_policy();
    destination::check_target(&policy, &target, superuser).unwrap_or_else(|e| job_error(e));
    true
}
