//! The scheduler's steps, shared by the background worker and
//! `run_pending()`: fire due schedules, execute queued runs (each in its own
//! subtransaction, as its owner), and settle runs waiting on deliveries.
//! Each step is its own transaction in both callers.
use super::schedules::{from_chrono, to_chrono};
use crate::common::errors::{raise, Code};
use crate::common::subxact;
use pgrx::prelude::*;
use pgrx::JsonB;
use std::cell::Cell;
use std::ffi::CStr;
use supabase_ext_core::jobs::schedule;

thread_local! {
    /// The run being executed, so http_request() links its delivery to it.
    static CURRENT_RUN: Cell<Option<i64>> = const { Cell::new(None) };
    /// The role the running job runs as: job SQL runs with that role's user
    /// id (SetUserIdAndSecContext), but the session's outer user is still the
    /// worker's or run_pending()'s caller, so invoker() must not look there.
    static CURRENT_RUN_AS: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// Parsed schedules of this backend (the worker fires the same ones every tick).
    static SCHEDULES: std::cell::RefCell<schedule::Cache> = std::cell::RefCell::new(schedule::Cache::new(10_000));
}

pub fn current_run() -> Option<i64> {
    CURRENT_RUN.get()
}

pub fn random_u64() -> u64 {
    u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap_or_default())
}

/// The role the session acts as (`SET ROLE`, or the login role), even inside
/// SECURITY DEFINER functions: who is really asking. Inside a job, the job's
/// role: an HTTP request or schedule made by a job is its owner's.
pub fn invoker() -> String {
    if let Some(role) = CURRENT_RUN_AS.with_borrow(|r| r.clone()) {
        return role;
    }
    // SAFETY: plain catalog lookups of the session's outer user id.
    unsafe {
        let name = pg_sys::GetUserNameFromId(pg_sys::GetOuterUserId(), false);
        CStr::from_ptr(name).to_string_lossy().into_owned()
    }
}

/// The role the session acts as, for authorization inside SECURITY DEFINER
/// job functions.
#[pg_extern(stable, parallel_safe)]
fn job_invoker() -> String {
    invoker()
}

fn spi_err(e: pgrx::spi::Error) -> ! {
    raise(Code::ERRCODE_INTERNAL_ERROR, format!("supabase_ext jobs: {e}"), None, None)
}

/// Fires up to `max` due schedules: one queued run each, and the next fire
/// time computed from now (a job missed while nothing ran fires once, not
/// once per missed tick). Returns how many fired.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn jobs_fire_due(max: i32) -> i32 {
    let due = Spi::connect_mut(|c| {
        c.update(
            "SELECT id, name, schedule, timezone, next_run_at FROM supabase_ext.job_definitions
              WHERE NOT paused AND next_run_at <= now()
              ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED",
            None,
            &[max.max(0).into()],
        )
        .unwrap_or_else(|e| spi_err(e))
        .map(|r| {
            (
                r.get::<i64>(1).ok().flatten().unwrap_or(0),
                r.get::<String>(2).ok().flatten().unwrap_or_default(),
                r.get::<String>(3).ok().flatten().unwrap_or_default(),
                r.get::<String>(4).ok().flatten().unwrap_or_default(),
                r.get::<TimestampWithTimeZone>(5).ok().flatten(),
            )
        })
        .collect::<Vec<_>>()
    });
    let now: TimestampWithTimeZone = Spi::get_one("SELECT now()")
        .ok()
        .flatten()
        .unwrap_or_else(|| spi_err(pgrx::spi::Error::NoTupleTable));
    // One INSERT of the runs and one UPDATE of the next fire times for the
    // whole batch (a thousand jobs due at once is two statements, not 2000).
    let (mut ids, mut names, mut fors) = (Vec::new(), Vec::new(), Vec::new());
    let (mut next_ids, mut nexts) = (Vec::new(), Vec::new());
    let fired = due.len() as i32;
    for (id, name, sched, tz, scheduled_for) in due {
        // A schedule that no longer parses (e.g. a time zone dropped from the
        // tz database) pauses its job instead of failing every tick.
        let next = SCHEDULES
            .with_borrow_mut(|c| c.get(&sched, &tz).map(|s| s.next_after(to_chrono(now)).map(from_chrono)));
        ids.push(id);
        names.push(name);
        fors.push(scheduled_for);
        match next {
            Ok(next) => {
                next_ids.push(id);
                nexts.push(next);
            }
            Err(e) => Spi::run_with_args(
                "UPDATE supabase_ext.job_definitions SET paused = true, next_run_at = NULL, paused_reason = $2 WHERE id = $1",
                &[id.into(), e.to_string().into()],
            )
            .unwrap_or_else(|e| spi_err(e)),
        }
    }
    if !ids.is_empty() {
        Spi::run_with_args(
            "INSERT INTO supabase_ext.job_runs (job_id, job_name, scheduled_for)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[])",
            &[ids.into(), names.into(), fors.into()],
        )
        .unwrap_or_else(|e| spi_err(e));
    }
    if !next_ids.is_empty() {
        Spi::run_with_args(
            "UPDATE supabase_ext.job_definitions d SET next_run_at = n.at
               FROM unnest($1::bigint[], $2::timestamptz[]) AS n(id, at) WHERE d.id = n.id",
            &[next_ids.into(), nexts.into()],
        )
        .unwrap_or_else(|e| spi_err(e));
    }
    fired
}

struct Run {
    id: i64,
    kind: Option<String>,
    command: String,
    options: serde_json::Value,
    run_as: String,
}

/// Executes up to `max` queued runs. Each runs in a subtransaction as its
/// job's role: a failing job rolls back alone and never stops the others.
/// The batch is claimed by one statement and recorded by one statement, so
/// a run costs its own command plus a subtransaction. Returns how many ran.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn jobs_run_queued(max: i32) -> i32 {
    let runs: Vec<Run> = Spi::connect_mut(|c| {
        c.update(
            "WITH next AS MATERIALIZED (
                SELECT id FROM supabase_ext.job_runs WHERE status = 'queued'
                 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
             UPDATE supabase_ext.job_runs r SET status = 'running', started_at = clock_timestamp()
               FROM next WHERE r.id = next.id
             RETURNING r.id,
                       (SELECT d.kind FROM supabase_ext.job_definitions d WHERE d.id = r.job_id),
                       (SELECT d.command FROM supabase_ext.job_definitions d WHERE d.id = r.job_id),
                       (SELECT d.options FROM supabase_ext.job_definitions d WHERE d.id = r.job_id),
                       (SELECT d.run_as::text FROM supabase_ext.job_definitions d WHERE d.id = r.job_id)",
            None,
            &[max.max(0).into()],
        )
        .unwrap_or_else(|e| spi_err(e))
        .map(|r| Run {
            id: r.get::<i64>(1).ok().flatten().unwrap_or(0),
            kind: r.get::<String>(2).ok().flatten(),
            command: r.get::<String>(3).ok().flatten().unwrap_or_default(),
            options: r.get::<JsonB>(4).ok().flatten().map(|j| j.0).unwrap_or_default(),
            run_as: r.get::<String>(5).ok().flatten().unwrap_or_default(),
        })
        .collect()
    });
    if runs.is_empty() {
        return 0;
    }
    let mut runs = runs;
    runs.sort_by_key(|r| r.id);
    // Three look-ups per run decide whether to broadcast; skip them all
    // when nothing could be broadcast.
    let realtime = super::realtime::available();
    let n = runs.len();
    let (mut ids, mut statuses, mut messages) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut started, mut finished) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for run in &runs {
        // SAFETY: reads the clock, as clock_timestamp() does.
        started.push(unsafe { pg_sys::GetCurrentTimestamp() });
        let (status, message) = execute(run);
        // SAFETY: as above.
        finished.push(unsafe { pg_sys::GetCurrentTimestamp() });
        if realtime {
            broadcast_outcome(run.id, status, message.as_deref());
        }
        ids.push(run.id);
        statuses.push(status);
        messages.push(message);
    }
    // A run that enqueued deliveries waits for them (jobs_settle_runs).
    Spi::run_with_args(
        "UPDATE supabase_ext.job_runs r
            SET status = CASE WHEN o.status = 'succeeded' AND EXISTS (
                                  SELECT 1 FROM supabase_ext.http_requests h WHERE h.job_run_id = r.id)
                              THEN 'waiting' ELSE o.status END,
                message = o.message,
                started_at = timestamptz '2000-01-01 00:00:00+00' + o.started * interval '1 microsecond',
                finished_at = CASE WHEN o.status = 'failed' OR NOT EXISTS (
                                  SELECT 1 FROM supabase_ext.http_requests h WHERE h.job_run_id = r.id)
                              THEN timestamptz '2000-01-01 00:00:00+00' + o.finished * interval '1 microsecond' END
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
                AS o(id, status, message, started, finished)
          WHERE r.id = o.id",
        &[ids.into(), statuses.into(), messages.into(), started.into(), finished.into()],
    )
    .unwrap_or_else(|e| spi_err(e));
    n as i32
}

fn role_oid(name: &str) -> Option<pg_sys::Oid> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: catalog lookup; missing_ok returns InvalidOid instead of raising.
    let oid = unsafe { pg_sys::get_role_oid(c.as_ptr(), true) };
    (oid != pg_sys::InvalidOid).then_some(oid)
}

/// Runs one job; returns (status, message).
fn execute(run: &Run) -> (&'static str, Option<String>) {
    let Some(kind) = run.kind.as_deref() else {
        return ("failed", Some("the job was unscheduled before this run executed".into()));
    };
    let Some(role) = role_oid(&run.run_as) else {
        return ("failed", Some(format!("role \"{}\" no longer exists", run.run_as)));
    };
    CURRENT_RUN.set(Some(run.id));
    CURRENT_RUN_AS.set(Some(run.run_as.clone()));
    let result = match kind {
        "sql" => {
            let sql = run.command.clone();
            subxact::run(Some(role), move || Spi::run(&sql).unwrap_or_else(|e| spi_err(e))).map(|_| None)
        }
        "http" => {
            let (url, options) = (run.command.clone(), run.options.clone());
            subxact::run(Some(role), move || {
                let method = options.get("method").and_then(|m| m.as_str()).unwrap_or("POST").to_string();
                let body = options.get("body").cloned();
                let headers = options.get("headers").cloned().unwrap_or(serde_json::json!({}));
                let mut opts = serde_json::Map::new();
                for k in ["timeout", "max_attempts", "signing_secret"] {
                    if let Some(v) = options.get(k) {
                        opts.insert(k.into(), v.clone());
                    }
                }
                Spi::get_one_with_args::<i64>(
                    "SELECT supabase_ext.http_request($1, $2, $3, $4, $5)",
                    &[
                        url.as_str().into(),
                        method.as_str().into(),
                        body.map(JsonB).into(),
                        JsonB(headers).into(),
                        JsonB(serde_json::Value::Object(opts)).into(),
                    ],
                )
                .unwrap_or_else(|e| spi_err(e))
            })
            .map(|id| id.map(|id| format!("enqueued delivery {id}")))
        }
        "handler" => super::handler::run(role, &run.command, &run.options),
        other => Ok(Some(format!("unknown job kind {other}"))),
    };
    CURRENT_RUN.set(None);
    CURRENT_RUN_AS.set(None);
    match result {
        Ok(msg) => ("succeeded", msg),
        Err(f) => ("failed", Some(truncate(&f.to_string(), 2000))),
    }
}

fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Settles runs waiting on deliveries: failed if any delivery failed for
/// good, succeeded once all succeeded. A job's run is never reported as
/// succeeded while a delivery it enqueued has not.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn jobs_settle_runs() -> i32 {
    Spi::get_one::<i64>(
        "WITH done AS (
            SELECT r.id,
                   bool_or(h.status = 'failed') AS any_failed,
                   (array_agg(h.response_status ORDER BY h.id DESC))[1] AS last_status,
                   string_agg(CASE WHEN h.status = 'failed'
                                   THEN format('delivery %s failed: %s', h.id, coalesce(h.last_error, 'HTTP ' || h.response_status)) END,
                              '; ') AS failures
              FROM supabase_ext.job_runs r JOIN supabase_ext.http_requests h ON h.job_run_id = r.id
             WHERE r.status = 'waiting'
             GROUP BY r.id
            HAVING bool_and(h.status IN ('succeeded', 'failed')))
         , upd AS (
            UPDATE supabase_ext.job_runs r
               SET status = CASE WHEN d.any_failed THEN 'failed' ELSE 'succeeded' END,
                   http_status = d.last_status, finished_at = clock_timestamp(),
                   message = coalesce(d.failures, r.message)
              FROM done d WHERE r.id = d.id
            RETURNING r.id, r.job_id, r.job_name, r.status, r.message, r.http_status)
         , previous AS (
            SELECT u.*, (SELECT p.status FROM supabase_ext.job_runs p
                          WHERE p.job_id = u.job_id AND p.id < u.id AND p.status IN ('succeeded', 'failed')
                          ORDER BY p.id DESC LIMIT 1) AS before
              FROM upd u)
         SELECT count(*) FILTER (WHERE
                    CASE WHEN status = 'failed' OR before = 'failed'
                         THEN supabase_ext.jobs_broadcast(
                                  CASE WHEN status = 'failed' THEN 'job_failed' ELSE 'job_recovered' END,
                                  jsonb_build_object('job', job_name, 'run_id', id, 'status', status,
                                                     'message', message, 'http_status', http_status)) OR true
                         ELSE true END)
           FROM previous",
    )
    .ok()
    .flatten()
    .unwrap_or(0) as i32
}

/// Realtime: a failed run, or a success right after a failed run of the same
/// job (recovered). Runs still waiting on deliveries are settled later.
fn broadcast_outcome(run_id: i64, status: &str, message: Option<&str>) {
    let previous_failed = Spi::get_one_with_args::<bool>(
        "SELECT p.status = 'failed' FROM supabase_ext.job_runs r
           JOIN supabase_ext.job_runs p ON p.job_id = r.job_id AND p.id < r.id AND p.status IN ('succeeded', 'failed')
          WHERE r.id = $1 ORDER BY p.id DESC LIMIT 1",
        &[run_id.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    let pending = Spi::get_one_with_args::<bool>(
        "SELECT EXISTS (SELECT 1 FROM supabase_ext.http_requests WHERE job_run_id = $1)",
        &[run_id.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    let event = match status {
        "failed" => "job_failed",
        "succeeded" if previous_failed && !pending => "job_recovered",
        _ => return,
    };
    let job: Option<String> =
        Spi::get_one_with_args("SELECT job_name FROM supabase_ext.job_runs WHERE id = $1", &[run_id.into()])
            .ok()
            .flatten();
    super::realtime::jobs_broadcast(
        event,
        JsonB(serde_json::json!({"job": job, "run_id": run_id, "status": status, "message": message})),
    );
}
