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

/// `status()` rows: each maintenance task's last outcome (recorded by
/// `run_maintenance()` whoever calls it), then the worker (preload only).
pub fn status_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    // Callers without SELECT on the table (anon, authenticated) see no task
    // rows; a permission error would abort their whole status() call.
    let readable =
        Spi::get_one::<bool>("SELECT has_table_privilege('supabase_ext.maintenance_tasks', 'SELECT')")
            .ok()
            .flatten()
            .unwrap_or(false);
    let tasks = if !readable {
        Ok(Vec::new())
    } else {
        Spi::connect(|c| {
            c.select(
                "SELECT task, runs, failures, last_run_at::text, last_ok_at::text, last_error,
                    last_error_at IS NOT NULL AND last_error_at >= coalesce(last_ok_at, '-infinity')
               FROM supabase_ext.maintenance_tasks ORDER BY task",
                None,
                &[],
            )
            .map(|t| {
                t.into_iter()
                    .map(|r| {
                        let task: String = r.get(1).ok().flatten().unwrap_or_default();
                        let runs: i64 = r.get(2).ok().flatten().unwrap_or(0);
                        let failures: i64 = r.get(3).ok().flatten().unwrap_or(0);
                        let last_run: Option<String> = r.get(4).ok().flatten();
                        let last_ok: Option<String> = r.get(5).ok().flatten();
                        let error: Option<String> = r.get(6).ok().flatten();
                        let failing: bool = r.get(7).ok().flatten().unwrap_or(false);
                        let detail = if failing {
                            format!(
                                "last run {} failed: {}; {failures} of {runs} runs failed; last success {}",
                                last_run.unwrap_or_default(),
                                error.unwrap_or_default(),
                                last_ok.unwrap_or_else(|| "never".into())
                            )
                        } else {
                            format!(
                                "{runs} runs, {failures} failed; last success {}",
                                last_ok.unwrap_or_default()
                            )
                        };
                        row(
                            "maintenance",
                            &task,
                            Some(if failing { "failing" } else { "ok" }.into()),
                            Some(detail),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    match tasks {
        Ok(t) if !t.is_empty() => rows.extend(t),
        Ok(_) if readable => rows.push(row(
            "maintenance",
            "runs",
            Some("never".into()),
            Some("supabase_ext.run_maintenance() has not run in this database yet".into()),
        )),
        _ => {}
    }
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
