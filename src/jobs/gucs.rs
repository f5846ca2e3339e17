//! Settings of the jobs domain.
use crate::common::guc::string;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};
use std::ffi::CString;
use supabase_ext_core::jobs::destination::Policy;

/// First retry delay ceiling, in seconds: retry n waits a random time in
/// [0, min(cap, base * 2^(n-1))]. Five seconds rides out a receiver's brief
/// restart without hammering it.
static RETRY_BASE: GucSetting<i32> = GucSetting::<i32>::new(5);

/// Longest retry delay, in seconds. One hour, as Standard Webhooks' own
/// schedule reaches hours only after several attempts; with the default
/// 5 attempts a job is dead-lettered within about two hours.
static RETRY_CAP: GucSetting<i32> = GucSetting::<i32>::new(3600);

/// Hosts, addresses and CIDRs that HTTP jobs owned by non-superusers may
/// reach (comma-separated; `*.example.com` for subdomains). Empty by default:
/// nothing, until a superuser decides. Link-local and cloud-metadata
/// addresses are refused for every owner unless a CIDR here names them.
static HTTP_ALLOWLIST: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// Threads that send HTTP deliveries in parallel (they never touch Postgres).
/// 16 keeps a 2-core server busy on slow receivers without thousands of
/// sockets; raise it for many slow receivers.
static HTTP_POOL_SIZE: GucSetting<i32> = GucSetting::<i32>::new(16);

/// Bytes of a response body kept in http_requests.response_body. 4 KiB holds
/// any error message a receiver sends; whole pages would bloat the table.
static HTTP_MAX_RESPONSE_BYTES: GucSetting<i32> = GucSetting::<i32>::new(4096);

/// Databases the launcher starts a jobs worker in (comma-separated names).
/// Empty (the default): every database that accepts connections, where a
/// worker stays only if supabase_ext is installed.
static DATABASES: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// Realtime topic for job state changes (failed, dead-lettered, recovered),
/// used when `realtime.send` exists. The seeds' control room listens on
/// `control_room_jobs`; empty turns broadcasts off.
static REALTIME_TOPIC: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"control_room_jobs"));

/// Days of job_runs history kept (pg_cron's job_run_details grows forever).
/// Two weeks covers a weekly job's last two runs.
static JOB_RUNS_RETENTION_DAYS: GucSetting<i32> = GucSetting::<i32>::new(14);

pub fn init() {
    GucRegistry::define_string_guc(
        c"supabase_ext.http_allowlist",
        c"Hosts, addresses and CIDRs that HTTP jobs of non-superusers may reach.",
        c"Comma-separated, e.g. 'hooks.example.com, *.n8n.example.org, 10.0.0.0/8'.",
        &HTTP_ALLOWLIST,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"supabase_ext.http_pool_size",
        c"Threads that send HTTP deliveries in parallel.",
        c"",
        &HTTP_POOL_SIZE,
        1,
        256,
        GucContext::Sighup,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"supabase_ext.http_max_response_bytes",
        c"Bytes of each HTTP response body recorded.",
        c"",
        &HTTP_MAX_RESPONSE_BYTES,
        0,
        1 << 20,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"supabase_ext.databases",
        c"Databases that get a jobs worker; empty means every database with supabase_ext.",
        c"",
        &DATABASES,
        GucContext::Sighup,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"supabase_ext.jobs_realtime_topic",
        c"Realtime topic for job state changes; empty turns broadcasts off.",
        c"",
        &REALTIME_TOPIC,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"supabase_ext.job_runs_retention_days",
        c"Days of job run history kept; 0 keeps it forever.",
        c"",
        &JOB_RUNS_RETENTION_DAYS,
        0,
        36_500,
        GucContext::Sighup,
        GucFlags::default(),
    );
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

pub fn realtime_topic() -> String {
    string(&REALTIME_TOPIC).trim().to_string()
}

pub fn databases() -> String {
    string(&DATABASES)
}

pub fn http_allowlist() -> String {
    string(&HTTP_ALLOWLIST)
}

/// The allowlist, parsed. A malformed entry is an error (22023) naming it,
/// so nothing is ever sent under a policy nobody meant.
pub fn http_policy() -> Policy {
    Policy::parse(&http_allowlist()).unwrap_or_else(|e| super::schedules::job_error(e))
}
pub fn http_pool_size() -> usize {
    HTTP_POOL_SIZE.get().max(1) as usize
}
pub fn http_max_response_bytes() -> usize {
    HTTP_MAX_RESPONSE_BYTES.get().max(0) as usize
}
pub fn job_runs_retention_days() -> i32 {
    JOB_RUNS_RETENTION_DAYS.get()
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
        ("supabase_ext.databases", databases()),
        ("supabase_ext.http_allowlist", http_allowlist()),
        ("supabase_ext.http_pool_size", http_pool_size().to_string()),
        ("supabase_ext.http_max_response_bytes", http_max_response_bytes().to_string()),
        ("supabase_ext.job_runs_retention_days", job_runs_retention_days().to_string()),
        ("supabase_ext.jobs_realtime_topic", realtime_topic()),
        ("supabase_ext.job_retry_base", format!("{}s", RETRY_BASE.get())),
        ("supabase_ext.job_retry_cap", format!("{}s", RETRY_CAP.get())),
    ]
}
