//! Settings of the jobs domain.
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};

/// First retry delay ceiling, in seconds: retry n waits a random time in
/// [0, min(cap, base * 2^(n-1))]. Five seconds rides out a receiver's brief
/// restart without hammering it.
static RETRY_BASE: GucSetting<i32> = GucSetting::<i32>::new(5);

/// Longest retry delay, in seconds. One hour, as Standard Webhooks' own
/// schedule reaches hours only after several attempts; with the default
/// 5 attempts a job is dead-lettered within about two hours.
static RETRY_CAP: GucSetting<i32> = GucSetting::<i32>::new(3600);

pub fn init() {
    GucRegistry::define_int_guc(
        c"supabase_ext.job_retry_base",
        c"Seconds: the first retry's backoff ceiling (full jitter).",
        c"",
        &RETRY_BASE,
        0,
        86_400,
        GucContext::Suset,
        GucFlags::UNIT_S,
    );
    GucRegistry::define_int_guc(
        c"supabase_ext.job_retry_cap",
        c"Seconds: the longest retry backoff.",
        c"",
        &RETRY_CAP,
        0,
        7 * 86_400,
        GucContext::Suset,
        GucFlags::UNIT_S,
    );
}

pub fn retry_base_ms() -> u64 {
    RETRY_BASE.get().max(0) as u64 * 1000
}
pub fn retry_cap_ms() -> u64 {
    RETRY_CAP.get().max(0) as u64 * 1000
}

/// Name and value of each setting, for `status()`.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("supabase_ext.job_retry_base", format!("{}s", RETRY_BASE.get())),
        ("supabase_ext.job_retry_cap", format!("{}s", RETRY_CAP.get())),
    ]
}
