//! Settings of the webhooks domain. Code reads them only through the typed
//! getters below, never through `current_setting()` strings: a fresh pg_cron
//! connection may not have loaded the library yet, and then the setting does
//! not exist (0.1.0's retention silently never ran that way).
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};

/// Days completed webhook events are kept. 7 days outlasts every supported
/// provider's retry window (Stripe retries for 3 days, GitHub keeps deliveries
/// 3 days) with a weekend to spare for replaying an incident. 0 keeps forever.
static WEBHOOK_RETENTION_DAYS: GucSetting<i32> = GucSetting::<i32>::new(7);

/// Days failed webhook events are kept, counted from their last failure.
/// 30 days, longer than completed ones: a failed event is the evidence an
/// operator needs to debug a consumer and to replay the event by hand, and
/// failures are rare enough that a month of them costs little. 0 keeps forever.
static WEBHOOK_FAILED_RETENTION_DAYS: GucSetting<i32> = GucSetting::<i32>::new(30);

/// Whether each new webhook event also sends `NOTIFY supabase_ext_webhooks`,
/// for external listeners. Off by default since 0.2.0: the jobs workers are
/// woken through shared memory at commit, and every notifying transaction
/// takes a global lock at commit, which caps concurrent ingestion
/// (BENCHMARKS.md measures it). Turn it on for LISTEN-based consumers.
static WEBHOOK_NOTIFY: GucSetting<bool> = GucSetting::<bool>::new(false);

pub fn init() {
    GucRegistry::define_int_guc(
        c"supabase_ext.webhook_retention_days",
        c"Days completed webhook events are kept; 0 keeps them forever.",
        c"",
        &WEBHOOK_RETENTION_DAYS,
        0,
        36_500,
        GucContext::Sighup,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"supabase_ext.webhook_failed_retention_days",
        c"Days failed webhook events are kept; 0 keeps them forever.",
        c"",
        &WEBHOOK_FAILED_RETENTION_DAYS,
        0,
        36_500,
        GucContext::Sighup,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"supabase_ext.webhook_notify",
        c"Send NOTIFY supabase_ext_webhooks for each new webhook event.",
        c"",
        &WEBHOOK_NOTIFY,
        GucContext::Suset,
        GucFlags::default(),
    );
}

pub fn webhook_retention_days() -> i32 {
    WEBHOOK_RETENTION_DAYS.get()
}
pub fn webhook_failed_retention_days() -> i32 {
    WEBHOOK_FAILED_RETENTION_DAYS.get()
}
pub fn webhook_notify() -> bool {
    WEBHOOK_NOTIFY.get()
}

/// Name and value of each setting, for `status()`.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("supabase_ext.webhook_retention_days", webhook_retention_days().to_string()),
        ("supabase_ext.webhook_failed_retention_days", webhook_failed_retention_days().to_string()),
        ("supabase_ext.webhook_notify", if webhook_notify() { "on" } else { "off" }.to_string()),
    ]
}
