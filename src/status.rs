//! `supabase_ext.status()`: versions, workers, settings and companions at a glance.
use crate::{gucs, shmem, workers};
use pgrx::prelude::*;

type Row = (String, String, Option<String>, Option<String>);

fn row(component: &str, name: &str, value: Option<String>, detail: Option<String>) -> Row {
    (component.to_string(), name.to_string(), value, detail)
}

fn ts(unix: i64) -> Option<String> {
    (unix > 0).then(|| chrono::DateTime::from_timestamp(unix, 0).map(|t| t.to_rfc3339()).unwrap_or_default())
}

/// One row per fact: `(component, name, value, detail)`. VOLATILE: it reads
/// live worker state from shared memory.
#[pg_extern(volatile)]
fn status() -> TableIterator<
    'static,
    (
        name!(component, String),
        name!(name, String),
        name!(value, Option<String>),
        name!(detail, Option<String>),
    ),
> {
    let mut rows: Vec<Row> = Vec::new();
    rows.push(row("extension", "version", Some(env!("CARGO_PKG_VERSION").into()), None));
    let pg: Option<String> = Spi::get_one("SELECT current_setting('server_version')").ok().flatten();
    rows.push(row("postgres", "version", pg, None));

    match shmem::worker_snapshot() {
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
            rows.push(row("workers", workers::MAINTENANCE_WORKER, Some(state.into()), detail));
            rows.push(row("workers", "maintenance_pid", (w.pid > 0).then(|| w.pid.to_string()), None));
            rows.push(row("workers", "maintenance_started_at", ts(w.started_at), None));
            rows.push(row("workers", "maintenance_last_run_at", ts(w.last_run_at), None));
            rows.push(row("workers", "maintenance_runs", Some(w.runs.to_string()), None));
            rows.push(row("workers", "maintenance_failures", Some(w.failures.to_string()), None));
            rows.push(row("workers", "maintenance_last_deleted", Some(w.last_deleted.to_string()), None));
        }
    }

    for (name, value) in gucs::all() {
        rows.push(row("settings", name, Some(value), None));
    }

    // Optional companions: present means installed in this database (or, for
    // schemas, created), not merely available.
    let companions = [
        ("vector", "SELECT extversion FROM pg_extension WHERE extname = 'vector'", "hybrid search"),
        ("pg_trgm", "SELECT extversion FROM pg_extension WHERE extname = 'pg_trgm'", "trigram search"),
        (
            "pg_cron",
            "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'",
            "schedules without workers",
        ),
        (
            "supabase_vault",
            "SELECT extversion FROM pg_extension WHERE extname = 'supabase_vault'",
            "webhook secrets by vault reference",
        ),
        ("realtime", "SELECT 'schema' FROM pg_namespace WHERE nspname = 'realtime'", "realtime broadcasts"),
    ];
    for (name, sql, used_for) in companions {
        let v: Option<String> = Spi::get_one(sql).ok().flatten();
        let detail = match &v {
            Some(_) => format!("present: used for {used_for}"),
            None => format!("absent: {used_for} unavailable"),
        };
        rows.push(row("companions", name, Some(v.unwrap_or_else(|| "absent".into())), Some(detail)));
    }
    TableIterator::new(rows)
}
