//! Settings of the maintenance duty (the background worker and its pg_cron
//! twin, `run_maintenance()`).
use crate::common::guc::string;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};
use std::ffi::CString;

/// Database the background workers connect to. Supabase keeps its data in the
/// database `postgres`, so that is the default; set it where you created the
/// extension. Postmaster-only, and registered only while preloading: Postgres
/// refuses to create a postmaster setting in a running backend (that killed
/// `CREATE EXTENSION` without preload in 0.1.0).
static DATABASE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c"postgres"));

/// Seconds between maintenance runs of the background worker. 60 s keeps
/// retention sweeps small (a minute of completed events per batch at most) and
/// costs one short transaction a minute on an idle database.
static MAINTENANCE_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(60);

pub fn init(preloading: bool) {
    if preloading {
        GucRegistry::define_string_guc(
            c"supabase_ext.database",
            c"Database the supabase_ext background workers connect to.",
            c"Set to the database where CREATE EXTENSION supabase_ext ran.",
            &DATABASE,
            GucContext::Postmaster,
            GucFlags::default(),
        );
    }
    GucRegistry::define_int_guc(
        c"supabase_ext.maintenance_interval",
        c"Seconds between background maintenance runs (retention).",
        c"",
        &MAINTENANCE_INTERVAL,
        1,
        86_400,
        GucContext::Sighup,
        GucFlags::UNIT_S,
    );
}

pub fn database() -> String {
    string(&DATABASE)
}
pub fn maintenance_interval_secs() -> u64 {
    MAINTENANCE_INTERVAL.get().max(1) as u64
}

/// Name and value of each setting, for `status()`.
pub fn all(preloaded: bool) -> Vec<(&'static str, String)> {
    let mut v = vec![("supabase_ext.maintenance_interval", format!("{}s", MAINTENANCE_INTERVAL.get()))];
    if preloaded {
        v.insert(0, ("supabase_ext.database", database()));
    }
    v
}
