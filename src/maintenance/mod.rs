//! Maintenance: periodic duties (retention), one duty of the jobs worker
//! when preloaded, or run by pg_cron through `run_maintenance()`.
use crate::common::status::{row, Row};
use pgrx::prelude::*;

pub mod gucs;

extension_sql_file!("maintenance.sql", name = "maintenance", requires = ["webhooks_requests"]);

pub fn init(preloading: bool) {
    gucs::init(preloading);
}

/// `status()` rows: each maintenance task's last outcome (recorded by
/// `run_maintenance()`, whether the jobs worker or pg_cron called it).
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
    rows
}
