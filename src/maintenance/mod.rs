//! Maintenance: periodic duties (retention today), run by a background
//! worker when preloaded, or by `run_maintenance()` from pg_cron. The jobs
//! domain will absorb this worker as one of its duties.
use crate::common::status::{row, Row};
use crate::common::time::rfc3339;
use pgrx::prelude::*;

pub mod gucs;
pub mod shmem;
pub mod worker;

extension_sql_file!("maintenance.sql", name = "maintenance", requires = ["webhooks_requests"]);

pub fn init(preloading: bool) {
    gucs::init(preloading);
    if preloading {
        shmem::init();
        worker::register();
    }
}

/// `status()` rows: worker state (preload only).
pub fn status_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    match shmem::snapshot() {
        None => rows.push(row(
            "workers",
            "preloaded",
            Some("false".into()),
            Some(
                "background workers are off: supabase_ext is not in shared_preload_libraries. Every SQL \
                 function still works; schedule supabase_ext.run_maintenance() with pg_cron, or add \
                 supabase_ext to shared_preload_libraries and restart."
                    .into(),
            ),
        )),
        Some(w) => {
            rows.push(row("workers", "preloaded", Some("true".into()), None));
            let state = if w.pid > 0 { "running" } else { "stopped" };
            let detail = if w.pid > 0 && !w.extension_installed && w.runs > 0 {
                Some(format!(
                    "connected to database \"{}\" where supabase_ext is not installed; set supabase_ext.database",
                    gucs::database()
                ))
            } else {
                Some(format!("database \"{}\"", gucs::database()))
            };
            rows.push(row("workers", worker::MAINTENANCE_WORKER, Some(state.into()), detail));
            rows.push(row("workers", "maintenance_pid", (w.pid > 0).then(|| w.pid.to_string()), None));
            rows.push(row("workers", "maintenance_started_at", rfc3339(w.started_at), None));
            rows.push(row("workers", "maintenance_last_run_at", rfc3339(w.last_run_at), None));
            rows.push(row("workers", "maintenance_runs", Some(w.runs.to_string()), None));
            rows.push(row("workers", "maintenance_failures", Some(w.failures.to_string()), None));
            rows.push(row("workers", "maintenance_last_deleted", Some(w.last_deleted.to_string()), None));
        }
    }
    rows
}
