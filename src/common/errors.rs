//! One way to raise errors: a real SQLSTATE, a message, and optional detail
//! and hint. Messages never carry secrets; callers pass only names and reasons.
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

pub use pgrx::PgSqlErrorCode as Code;

/// Raises `ERROR` and never returns.
#[track_caller]
pub fn raise(code: Code, message: impl Into<String>, detail: Option<String>, hint: Option<&str>) -> ! {
    let mut report = ErrorReport::new(code, message.into(), "supabase_ext");
    if let Some(d) = detail {
        report = report.set_detail(d);
    }
    if let Some(h) = hint {
        report = report.set_hint(h.to_string());
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("ERROR returns control to Postgres")
}

/// Emits a `WARNING` with a hint and continues.
#[track_caller]
pub fn warn(code: Code, message: impl Into<String>, hint: Option<&str>) {
    let mut report = ErrorReport::new(code, message.into(), "supabase_ext");
    if let Some(h) = hint {
        report = report.set_hint(h.to_string());
    }
    report.report(PgLogLevel::WARNING);
}
