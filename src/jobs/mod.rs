//! Jobs: schedules with time zones, SQL/HTTP/handler jobs, the durable
//! queue, outbound HTTP deliveries and sync cursors. Pure logic (schedules,
//! backoff, destinations) lives in `supabase_ext_core::jobs`.
//!
//! | file | what |
//! |---|---|
//! | `queue.sql` | enqueue/dequeue/ack/nack, dead letters |
//! | `cursors.sql` | sync cursors |
//! | `schedules.sql`, `jobs.sql` | job tables, admin functions, `run_pending()` |
//! | `http.sql`, `http.rs` | the HTTP outbox and its claim/send/record steps |
//! | `schedules.rs` | schedule and command validation, fire times |
//! | `executor.rs` | fire due jobs, run queued runs as their owners, settle runs |
//! | `handler.rs` | handler jobs over webhook events |
//! | `worker.rs`, `shmem.rs`, `wake.rs` | the launcher and per-database workers, commit-time wake-ups |
use pgrx::prelude::*;
use supabase_ext_core::jobs::backoff;

pub mod executor;
pub mod gucs;
pub mod handler;
pub mod http;
pub mod realtime;
pub mod schedules;
pub mod shmem;
pub mod wake;
pub mod worker;

pub fn init(preloading: bool) {
    gucs::init();
    if preloading {
        shmem::init();
        wake::init();
        worker::register();
    }
}

/// The retry delay after `attempt` failed attempts: exponential backoff with
/// full jitter, `random(0, min(cap, base * 2^(attempt-1)))`, from
/// `supabase_ext.job_retry_base` and `job_retry_cap`. VOLATILE: random.
#[pg_extern(volatile, parallel_safe)]
fn job_backoff(attempt: i32) -> Interval {
    let random = u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap_or_default());
    let ms =
        backoff::full_jitter_ms(attempt.max(1) as u32, gucs::retry_base_ms(), gucs::retry_cap_ms(), random);
    Interval::from_micros(ms as i64 * 1000)
}

extension_sql_file!(
    "queue.sql",
    name = "jobs_queue",
    requires = ["bootstrap", job_backoff, wake::jobs_wake, "jobs_http"]
);
extension_sql_file!("cursors.sql", name = "jobs_cursors", requires = ["bootstrap"]);
extension_sql_file!("schedules.sql", name = "jobs_schedules", requires = ["bootstrap"]);
extension_sql_file!("http.sql", name = "jobs_http", requires = ["jobs_schedules"]);
extension_sql_file!(
    "jobs.sql",
    name = "jobs_admin",
    requires = [
        "jobs_http",
        "webhooks_schema",
        schedules::job_next_run,
        schedules::job_check_sql,
        schedules::job_check_url,
        http::http_options_check,
        executor::job_invoker,
        executor::jobs_fire_due,
        executor::jobs_run_queued,
        executor::jobs_settle_runs,
        http::jobs_claim_http,
        http::jobs_send_http,
        http::jobs_record_http,
        http::http_request,
        wake::jobs_wake,
        realtime::jobs_broadcast
    ]
);
extension_sql_file!("status.sql", name = "jobs_status", requires = ["jobs_admin", "jobs_queue", jobs_worker]);
extension_sql_file!(
    "grants.sql",
    name = "jobs_grants",
    requires =
        ["jobs_queue", "jobs_cursors", "jobs_admin", "jobs_status", wake::jobs_wake_launcher, jobs_purge]
);

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn backoff_stays_within_its_ceiling() {
        Spi::run("SET supabase_ext.job_retry_base = 2; SET supabase_ext.job_retry_cap = 10").unwrap();
        for attempt in 1..8 {
            let ceiling = (2i64 << (attempt - 1)).min(10);
            let ok: bool = Spi::get_one(&format!(
                "SELECT bool_and(d >= interval '0' AND d <= interval '{ceiling} seconds')
                   FROM (SELECT supabase_ext.job_backoff({attempt}) d FROM generate_series(1, 200)) s"
            ))
            .unwrap()
            .unwrap();
            assert!(ok, "attempt {attempt}");
        }
    }
}

/// `status()` rows: queues, deliveries and runs (for roles that may read
/// `jobs_status`), then the workers (preload only).
pub fn status_rows() -> Vec<crate::common::status::Row> {
    use crate::common::status::row;
    use crate::common::time::rfc3339;
    let mut rows = Vec::new();
    let readable = Spi::get_one::<bool>("SELECT has_table_privilege('supabase_ext.jobs_status', 'SELECT')")
        .ok()
        .flatten()
        .unwrap_or(false);
    if readable {
        let summary = Spi::connect(|c| {
            c.select(
                "SELECT kind || ':' || name,
                        format('ready %s, scheduled %s, running %s, failed %s, dead %s', ready, scheduled, running, failed, dead),
                        'oldest ready ' || coalesce(date_trunc('second', oldest_ready_age)::text, 'none')
                   FROM supabase_ext.jobs_status WHERE kind <> 'worker' ORDER BY 1",
                None,
                &[],
            )
            .map(|t| {
                t.map(|r| {
                    row(
                        "jobs",
                        &r.get::<String>(1).ok().flatten().unwrap_or_default(),
                        r.get::<String>(2).ok().flatten(),
                        r.get::<String>(3).ok().flatten(),
                    )
                })
                .collect::<Vec<_>>()
            })
            .unwrap_or_default()
        });
        rows.extend(summary);
    }
    let Some(s) = shmem::snapshot() else {
        rows.push(row(
            "workers",
            "preloaded",
            Some("false".into()),
            Some(
                "background workers are off: supabase_ext is not in shared_preload_libraries. Every SQL \
                 function still works; schedule CALL supabase_ext.run_pending() and \
                 SELECT supabase_ext.run_maintenance() with pg_cron, or add supabase_ext to \
                 shared_preload_libraries and restart."
                    .into(),
            ),
        ));
        return rows;
    };
    rows.push(row("workers", "preloaded", Some("true".into()), None));
    rows.push(row(
        "workers",
        worker::LAUNCHER,
        Some(if s.launcher_pid > 0 { "running" } else { "stopped" }.into()),
        Some(format!(
            "home database \"{}\"; serves {}",
            crate::maintenance::gucs::database(),
            match gucs::databases() {
                d if d.trim().is_empty() => "every database with supabase_ext".to_string(),
                d => format!("databases {d}"),
            }
        )),
    ));
    // SAFETY: reading the backend's own database id.
    let me = unsafe { pg_sys::MyDatabaseId }.to_u32();
    let slot = s.slots.iter().find(|x| x.db == me && x.state != shmem::State::Empty);
    let (state, detail) = match slot {
        None => ("not started", None),
        Some(x) => (
            match x.state {
                shmem::State::Running => "running",
                shmem::State::Starting => "starting",
                shmem::State::NotInstalled => "not installed",
                shmem::State::Stopped => "stopped",
                shmem::State::Empty => "not started",
            },
            Some(format!(
                "pid {}, started {}, last tick {}, {} runs, {} deliveries, {} failed steps",
                x.pid,
                rfc3339(x.started_at).unwrap_or_else(|| "never".into()),
                rfc3339(x.last_tick).unwrap_or_else(|| "never".into()),
                x.runs,
                x.deliveries,
                x.step_failures
            )),
        ),
    };
    rows.push(row("workers", "jobs worker (this database)", Some(state.into()), detail));
    rows
}

/// This database's jobs worker, from shared memory: no row without preload.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_safe)]
fn jobs_worker() -> TableIterator<
    'static,
    (
        name!(state, String),
        name!(pid, Option<i32>),
        name!(started_at, Option<TimestampWithTimeZone>),
        name!(last_tick, Option<TimestampWithTimeZone>),
        name!(runs, i64),
        name!(deliveries, i64),
        name!(failed_steps, i64),
    ),
> {
    use crate::common::time::from_unix;
    let Some(s) = shmem::snapshot() else { return TableIterator::new(Vec::new()) };
    // SAFETY: reading the backend's own database id.
    let me = unsafe { pg_sys::MyDatabaseId }.to_u32();
    let rows: Vec<_> = s
        .slots
        .iter()
        .filter(|x| x.db == me && x.state != shmem::State::Empty)
        .map(|x| {
            (
                format!("{:?}", x.state).to_lowercase(),
                (x.pid > 0).then_some(x.pid),
                from_unix(x.started_at),
                from_unix(x.last_tick),
                x.runs as i64,
                x.deliveries as i64,
                x.step_failures as i64,
            )
        })
        .collect();
    TableIterator::new(rows)
}

/// Retention for job history: finished runs and finished deliveries older
/// than `supabase_ext.job_runs_retention_days`, deleted in batches of
/// `batch` rows, at most `max_batches` per call, so one maintenance run
/// never holds a huge delete. Returns rows removed.
#[pg_extern(volatile)]
fn jobs_purge(batch: default!(i32, 10000), max_batches: default!(i32, 10)) -> i64 {
    let days = gucs::job_runs_retention_days();
    if days <= 0 {
        return 0;
    }
    let mut total = 0i64;
    for table in ["http_requests", "job_runs"] {
        for _ in 0..max_batches.max(1) {
            let n: i64 = Spi::get_one_with_args(
                &format!(
                    "WITH d AS (DELETE FROM supabase_ext.{table} WHERE id IN (
                         SELECT id FROM supabase_ext.{table}
                          WHERE finished_at < now() - make_interval(days => $1) LIMIT $2) RETURNING 1)
                     SELECT count(*) FROM d"
                ),
                &[days.into(), batch.max(1).into()],
            )
            .ok()
            .flatten()
            .unwrap_or(0);
            total += n;
            if n < batch.max(1) as i64 {
                break;
            }
        }
    }
    total
}
