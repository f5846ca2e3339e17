//! Settings of the drift domain.
use crate::common::guc::string;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};
use std::ffi::CString;

/// Sample keys kept per kind (missing, orphaned, changed) in a check's
/// summary, its drift_logs row and its alert. Ten keys tell an operator
/// where to look; the full lists are the `<name>_missing/_orphans/_changed`
/// views. The samples are the smallest keys (a top-N sort: memory is bounded
/// by this number, not by the amount of drift).
static SAMPLE_SIZE: GucSetting<i32> = GucSetting::<i32>::new(10);

/// Realtime topic that drift alerts are broadcast on through
/// `realtime.send(payload, 'drift_found', topic, true)` when Supabase
/// Realtime is installed. Private: subscribers need an RLS policy on
/// realtime.messages. Empty turns broadcasts off (pg_notify and the
/// drift_logs/drift_alerts rows remain).
static REALTIME_TOPIC: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c"drift"));

pub fn init() {
    GucRegistry::define_int_guc(
        c"supabase_ext.drift_sample_size",
        c"Sample keys kept per kind of drift in a check's summary, log and alert.",
        c"",
        &SAMPLE_SIZE,
        0,
        1000,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"supabase_ext.drift_realtime_topic",
        c"Realtime topic for drift alerts (empty: no broadcast).",
        c"Used only when realtime.send(jsonb, text, text, boolean) exists.",
        &REALTIME_TOPIC,
        GucContext::Suset,
        GucFlags::default(),
    );
}

pub fn sample_size() -> i32 {
    SAMPLE_SIZE.get()
}

pub fn realtime_topic() -> String {
    string(&REALTIME_TOPIC)
}

pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("supabase_ext.drift_sample_size", sample_size().to_string()),
        ("supabase_ext.drift_realtime_topic", realtime_topic()),
    ]
}
