//! `supabase_ext.status()`: one view over every domain. Each domain
//! contributes its own rows; this file only orders them.
use crate::common::status::{row, Row};
use crate::{drift, jobs, maintenance, tenancy, webhooks};
use pgrx::prelude::*;

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

    rows.extend(jobs::status_rows());
    rows.extend(maintenance::status_rows());
    rows.extend(drift::status_rows());
    let settings = maintenance::gucs::all(crate::common::preloaded())
        .into_iter()
        .chain(webhooks::gucs::all())
        .chain(tenancy::gucs::all())
        .chain(jobs::gucs::all())
        .chain(drift::gucs::all());
    for (name, value) in settings {
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
