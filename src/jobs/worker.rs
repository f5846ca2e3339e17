//! Background workers (preload only): a launcher that keeps one worker per
//! database where supabase_ext is installed, and the per-database worker that
//! runs the same steps as `run_pending()`, plus maintenance.
//!
//! The worker sleeps on its latch until the earliest of: the next fire time,
//! the next delivery retry, a lease expiring, the next maintenance run (at
//! most a minute). Backends set the latch when they commit new work
//! (`jobs_wake()`), so new jobs start without polling and without NOTIFY.
//! HTTP is sent by `http::send_all` on its own threads between two
//! transactions; those threads never call into Postgres.
use super::shmem::{self, State, JOBS};
use super::{gucs as jobs_gucs, http};
use crate::common::time::now_unix;
use crate::maintenance::gucs as maint_gucs;
use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, SignalWakeFlags};
use pgrx::prelude::*;
use pgrx::JsonB;
use std::time::Duration;

pub const LAUNCHER: &str = "supabase_ext launcher";
/// Without a wake-up, look for new databases this often.
const RESCAN_SECS: u64 = 300;
/// Queued runs executed per transaction.
const RUN_BATCH: i32 = 50;
/// Longest sleep of a database worker.
const MAX_SLEEP_SECS: i64 = 60;

pub fn register() {
    BackgroundWorkerBuilder::new(LAUNCHER)
        .set_type("supabase_ext")
        .set_function("supabase_ext_launcher_main")
        .set_library("supabase_ext")
        .enable_spi_access()
        // After a crash, wait before retrying so a persistent error can't spin.
        .set_restart_time(Some(Duration::from_secs(10)))
        .load();
}

/// Whether SIGTERM arrived. pgrx's `sigterm_received()` clears the flag it
/// returns, so a check deep in a step would hide the signal from the main
/// loop; this one stays true.
fn stopping() -> bool {
    static STOPPING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if BackgroundWorker::sigterm_received() {
        STOPPING.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    STOPPING.load(std::sync::atomic::Ordering::SeqCst)
}

// --- SIGTERM during SQL.
//
// pgrx's SIGTERM handler only sets a flag the main loop reads between
// steps. A long statement inside a step (a purge on a big table, a user's SQL
// job) would then hold up `pg_ctl stop -m fast` and ignore
// pg_terminate_backend() until it ends. While a step runs SQL, SIGTERM also
// requests Postgres's own die: the statement is cancelled at its next
// interrupt check, the transaction rolls back (leases and the outbox make
// that safe) and the worker exits. Outside steps, and in steps that record
// finished HTTP deliveries, it stays the graceful flag.

/// Whether a SIGTERM now should end the current statement.
static DIE_IN_STEP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// pgrx's handler, called first so its flag and latch still work.
static PGRX_SIGTERM: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

extern "C" fn on_sigterm(signo: libc::c_int) {
    let prev = PGRX_SIGTERM.load(std::sync::atomic::Ordering::SeqCst);
    if prev != 0 && prev != libc::SIG_DFL && prev != libc::SIG_IGN {
        // SAFETY: `prev` was read from sigaction() and is a handler of this type.
        let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(prev) };
        f(signo);
    }
    if DIE_IN_STEP.load(std::sync::atomic::Ordering::SeqCst) {
        // SAFETY: what Postgres's own die() does; both are sig_atomic_t flags
        // read by CHECK_FOR_INTERRUPTS in this process.
        unsafe {
            std::ptr::addr_of_mut!(pg_sys::ProcDiePending).write_volatile(1);
            std::ptr::addr_of_mut!(pg_sys::InterruptPending).write_volatile(1);
        }
    }
}

/// Installs SIGTERM handling: pgrx's graceful flag, plus die during steps.
fn attach_signal_handlers() {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    // SAFETY: plain sigaction calls on this process's own handler table.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGTERM, std::ptr::null(), &mut old) != 0 {
            return;
        }
        PGRX_SIGTERM.store(old.sa_sigaction, std::sync::atomic::Ordering::SeqCst);
        let mut new = old;
        new.sa_sigaction = on_sigterm as extern "C" fn(libc::c_int) as usize;
        new.sa_flags &= !libc::SA_SIGINFO;
        libc::sigaction(libc::SIGTERM, &new, std::ptr::null_mut());
    }
}

/// One transaction; an ERROR is logged and rolled back, never fatal: an
/// error in one step never kills the worker. A SIGTERM during it ends it
/// (see above).
fn step<R>(what: &str, f: impl FnOnce() -> R + std::panic::UnwindSafe) -> Option<R> {
    step_with(what, true, f)
}

/// A step that SIGTERM lets finish: recording deliveries already sent, so
/// a shutdown doesn't make receivers see them twice.
fn step_to_completion<R>(what: &str, f: impl FnOnce() -> R + std::panic::UnwindSafe) -> Option<R> {
    step_with(what, false, f)
}

fn step_with<R>(
    what: &str,
    die_on_sigterm: bool,
    f: impl FnOnce() -> R + std::panic::UnwindSafe,
) -> Option<R> {
    DIE_IN_STEP.store(die_on_sigterm, std::sync::atomic::Ordering::SeqCst);
    // SAFETY: the standard transaction bracket of a background worker.
    unsafe {
        pg_sys::SetCurrentStatementStartTimestamp();
        pg_sys::StartTransactionCommand();
        pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
    }
    let r = PgTryBuilder::new(|| Ok(f()))
        .catch_others(|e| {
            let msg = match e {
                pg_sys::panic::CaughtError::PostgresError(r)
                | pg_sys::panic::CaughtError::ErrorReport(r)
                | pg_sys::panic::CaughtError::RustPanic { ereport: r, .. } => r.message().to_string(),
            };
            Err(msg)
        })
        .execute();
    let out = match r {
        Ok(v) => {
            // SAFETY: matches the bracket above.
            unsafe {
                pg_sys::PopActiveSnapshot();
                pg_sys::CommitTransactionCommand();
            }
            Some(v)
        }
        Err(msg) => {
            // SAFETY: aborting cleans the snapshot stack and resources.
            unsafe { pg_sys::AbortCurrentTransaction() };
            log!("supabase_ext jobs: {what} failed: {msg}");
            None
        }
    };
    DIE_IN_STEP.store(false, std::sync::atomic::Ordering::SeqCst);
    out
}

fn reload_if_asked() {
    if BackgroundWorker::sighup_received() {
        // SAFETY: called from the worker's main loop, as Postgres expects.
        unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
    }
}

/// Databases the launcher serves: `supabase_ext.databases`, or every
/// database that accepts connections.
fn target_databases() -> Vec<u32> {
    let listed = jobs_gucs::databases();
    Spi::connect(|c| {
        let t = if listed.trim().is_empty() {
            c.select("SELECT oid FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate ORDER BY oid", None, &[])
        } else {
            let names: Vec<String> =
                listed.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            c.select(
                "SELECT oid FROM pg_catalog.pg_database WHERE datallowconn AND datname = ANY ($1) ORDER BY oid",
                None,
                &[names.into()],
            )
        };
        t.map(|t| t.filter_map(|r| r.get::<pg_sys::Oid>(1).ok().flatten().map(|o| o.to_u32())).collect())
            .unwrap_or_default()
    })
}

fn start_worker(db: u32) -> bool {
    let launcher = std::process::id() as i32;
    BackgroundWorkerBuilder::new(&format!("supabase_ext jobs {db}"))
        .set_type("supabase_ext")
        .set_function("supabase_ext_jobs_main")
        .set_library("supabase_ext")
        .enable_spi_access()
        .set_argument(Some(pg_sys::Datum::from(db)))
        .set_notify_pid(launcher)
        // The launcher supervises its workers: the postmaster must not restart
        // them too (after a crash restart that made two workers per database).
        .set_restart_time(None)
        .load_dynamic()
        .is_ok()
}

#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn supabase_ext_launcher_main(_arg: pg_sys::Datum) {
    attach_signal_handlers();
    let home = maint_gucs::database();
    BackgroundWorker::connect_worker_to_spi(Some(&home), None);
    {
        let mut s = JOBS.exclusive();
        s.launcher_pid = std::process::id() as i32;
        s.launcher_started = now_unix();
        // Workers of a previous launcher died with the server or will be replaced.
        for slot in s.slots.iter_mut() {
            *slot = shmem::Slot::default();
        }
    }
    log!("{LAUNCHER}: started (home database \"{home}\")");
    let mut rescan = true;
    let mut last_rescan = now_unix();
    loop {
        reload_if_asked();
        let targets = step("listing databases", target_databases).unwrap_or_default();
        {
            let mut s = JOBS.exclusive();
            for db in &targets {
                let idx = match s.slots.iter().position(|x| x.db == *db && x.state != State::Empty) {
                    Some(i) => i,
                    None => match s.slots.iter().position(|x| x.state == State::Empty) {
                        Some(i) => {
                            s.slots[i] = shmem::Slot { db: *db, state: State::Stopped, ..Default::default() };
                            i
                        }
                        None => {
                            log!(
                                "{LAUNCHER}: more than {} databases; database {db} has no worker",
                                shmem::MAX_DATABASES
                            );
                            continue;
                        }
                    },
                };
                let slot = &mut s.slots[idx];
                // A worker whose pid is gone has stopped (crash or exit).
                if slot.pid > 0 && !process_alive(slot.pid) {
                    slot.pid = 0;
                    if slot.state == State::Running || slot.state == State::Starting {
                        slot.state = State::Stopped;
                    }
                }
                // A worker that keeps failing is restarted at most every 10 s.
                let cooled = now_unix() - slot.started_at >= 10;
                let start = match slot.state {
                    State::Stopped => cooled,
                    State::NotInstalled => rescan,
                    _ => false,
                };
                if start && start_worker(*db) {
                    slot.state = State::Starting;
                    slot.started_at = now_unix();
                }
            }
            for slot in s.slots.iter_mut() {
                if slot.state != State::Empty && !targets.contains(&slot.db) && slot.pid == 0 {
                    *slot = shmem::Slot::default();
                }
            }
            s.rescan = false;
        }
        if rescan {
            last_rescan = now_unix();
        }
        // A stopped worker waiting out its cool-down is retried soon.
        let waiting = JOBS.share().slots.iter().any(|x| x.state == State::Stopped);
        let sleep = if waiting { 10 } else { RESCAN_SECS };
        if !BackgroundWorker::wait_latch(Some(Duration::from_secs(sleep))) {
            break;
        }
        // Databases without the extension are tried again when a CREATE
        // EXTENSION commits (it wakes us) or every RESCAN_SECS.
        rescan = JOBS.share().rescan || now_unix() - last_rescan >= RESCAN_SECS as i64;
    }
    JOBS.exclusive().launcher_pid = 0;
    log!("{LAUNCHER}: shutting down");
}

fn process_alive(pid: i32) -> bool {
    // SAFETY: lookup in the proc array; the launcher is a connected backend.
    unsafe { !pg_sys::BackendPidGetProc(pid).is_null() }
}

/// One pass of the steps; returns the milliseconds until there is work
/// again (a cron tick is due at its second, not at the next whole second
/// after the tick ended).
fn tick(db: u32) -> i64 {
    let mut ran = 0u64;
    let mut delivered = 0u64;
    let failures = std::cell::Cell::new(0u64);
    let count = |r: Option<i32>| -> i32 {
        match r {
            Some(n) => n,
            None => {
                failures.set(failures.get() + 1);
                0
            }
        }
    };
    // Webhook events were committed: handler jobs of their endpoints run
    // now instead of at their next tick (one run each, unless one is queued
    // or running already).
    let events = {
        let mut s = JOBS.exclusive();
        s.slots
            .iter_mut()
            .find(|x| x.db == db && x.state != State::Empty)
            .is_some_and(|x| std::mem::take(&mut x.events))
    };
    if events {
        count(step("waking handler jobs", || {
            Spi::get_one::<i64>(
                "WITH woken AS (
                    INSERT INTO supabase_ext.job_runs (job_id, job_name, scheduled_for)
                    SELECT d.id, d.name, now() FROM supabase_ext.job_definitions d
                     WHERE d.kind = 'handler' AND NOT d.paused
                       AND EXISTS (SELECT 1 FROM supabase_ext.webhook_events e
                                    WHERE e.endpoint = d.options->>'endpoint' AND e.status = 'pending')
                       AND NOT EXISTS (SELECT 1 FROM supabase_ext.job_runs r
                                        WHERE r.job_id = d.id AND r.status IN ('queued', 'running'))
                    RETURNING 1)
                 SELECT count(*) FROM woken",
            )
            .ok()
            .flatten()
            .unwrap_or(0) as i32
        }));
    }
    count(step("firing schedules", || {
        Spi::get_one::<i32>("SELECT supabase_ext.jobs_fire_due(1000)").ok().flatten().unwrap_or(0)
    }));
    loop {
        // Runs per transaction: claimed and recorded by one statement each;
        // a crash mid-batch runs them again (at-least-once).
        let n = count(step("running jobs", || {
            Spi::get_one_with_args::<i32>("SELECT supabase_ext.jobs_run_queued($1)", &[RUN_BATCH.into()])
                .ok()
                .flatten()
                .unwrap_or(0)
        }));
        ran += n as u64;
        if n < RUN_BATCH || stopping() {
            break;
        }
    }
    let batch = (jobs_gucs::http_pool_size() * 4) as i32;
    loop {
        let claimed = step("claiming deliveries", || {
            Spi::get_one_with_args::<JsonB>("SELECT supabase_ext.jobs_claim_http($1)", &[batch.into()])
                .ok()
                .flatten()
                .map(|j| j.0)
        })
        .flatten();
        let Some(items) = claimed.and_then(|v| serde_json::from_value::<Vec<http::Outgoing>>(v).ok()) else {
            failures.set(failures.get() + 1);
            break;
        };
        if items.is_empty() {
            break;
        }
        let n = items.len();
        // No transaction is open here: the claims are committed leases.
        let outcomes =
            http::send_all(items, jobs_gucs::http_pool_size(), jobs_gucs::http_max_response_bytes(), || {
                stopping()
            });
        let json = serde_json::to_value(outcomes).unwrap_or_default();
        count(step_to_completion("recording deliveries", || {
            Spi::get_one_with_args::<i32>("SELECT supabase_ext.jobs_record_http($1)", &[JsonB(json).into()])
                .ok()
                .flatten()
                .unwrap_or(0)
        }));
        delivered += n as u64;
        if (n as i32) < batch || stopping() {
            break;
        }
    }
    count(step("settling runs", || {
        Spi::get_one::<i32>("SELECT supabase_ext.jobs_settle_runs()").ok().flatten().unwrap_or(0)
    }));

    // Maintenance is one duty of this worker.
    let now = now_unix();
    let due_maintenance = {
        let s = JOBS.share();
        s.slots
            .iter()
            .find(|x| x.db == db)
            .map(|x| now - x.last_maintenance >= maint_gucs::maintenance_interval_secs() as i64)
            .unwrap_or(true)
    };
    if due_maintenance {
        let ok = step("maintenance", || Spi::run("SELECT supabase_ext.run_maintenance()").is_ok())
            .unwrap_or(false);
        shmem::with_slot(db, |s| {
            s.last_maintenance = now;
            if !ok {
                s.step_failures += 1;
            }
        });
    }

    // When is there work next? And are there handler jobs to wake when a
    // webhook event commits?
    let (next, handlers) = step("planning", || {
        Spi::get_two::<f64, bool>(
            "SELECT extract(epoch FROM least(
                 (SELECT min(next_run_at) FROM supabase_ext.job_definitions WHERE NOT paused),
                 (SELECT min(next_attempt_at) FROM supabase_ext.http_requests WHERE status IN ('pending', 'sending')),
                 (SELECT now() FROM supabase_ext.job_runs WHERE status = 'queued' LIMIT 1)) - clock_timestamp())::float8,
                 EXISTS (SELECT 1 FROM supabase_ext.job_definitions WHERE kind = 'handler' AND NOT paused)",
        )
        .map(|(n, h)| (n, h.unwrap_or(false)))
        .unwrap_or((None, false))
    })
    .unwrap_or((None, false));
    shmem::with_slot(db, |s| {
        s.handlers = handlers;
        s.last_tick = now_unix();
        s.runs += ran;
        s.deliveries += delivered;
        s.step_failures += failures.get();
    });
    let longest = MAX_SLEEP_SECS.min(maint_gucs::maintenance_interval_secs() as i64) * 1000;
    let sleep = match next {
        Some(secs) => ((secs * 1000.0).ceil() as i64).clamp(0, longest),
        None => longest,
    };
    // A step that keeps failing on due work must not become a busy loop.
    if failures.get() > 0 {
        sleep.max(5000.min(longest))
    } else {
        sleep
    }
}

/// Whether supabase_ext is installed in this worker's database; `None`
/// when the check itself failed.
fn extension_installed() -> Option<bool> {
    step("checking the extension", || {
        Spi::get_one::<bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'supabase_ext')",
        )
        .ok()
        .flatten()
        .unwrap_or(false)
    })
}

#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn supabase_ext_jobs_main(arg: pg_sys::Datum) {
    attach_signal_handlers();
    let db = arg.value() as u32;
    BackgroundWorker::connect_worker_to_spi_by_oid(Some(pg_sys::Oid::from(db)), None);
    let installed = extension_installed().unwrap_or(false);
    if !installed {
        shmem::with_slot(db, |s| {
            s.state = State::NotInstalled;
            s.pid = 0;
        });
        return;
    }
    shmem::with_slot(db, |s| {
        s.pid = std::process::id() as i32;
        s.state = State::Running;
        s.started_at = now_unix();
    });
    log!("supabase_ext jobs: worker started for database {db}");
    loop {
        reload_if_asked();
        // A failed check is not a DROP EXTENSION: keep going.
        let still_installed = extension_installed().unwrap_or(true);
        if !still_installed {
            shmem::with_slot(db, |s| s.state = State::NotInstalled);
            break;
        }
        let sleep = tick(db);
        if stopping() {
            break;
        }
        if sleep > 0 && !BackgroundWorker::wait_latch(Some(Duration::from_millis(sleep as u64))) {
            break;
        }
        if stopping() {
            break;
        }
    }
    shmem::with_slot(db, |s| {
        s.pid = 0;
        if s.state == State::Running {
            s.state = State::Stopped;
        }
    });
    log!("supabase_ext jobs: worker for database {db} shutting down");
}
