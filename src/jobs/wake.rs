//! Commit-time wake-ups: a backend that committed new work sets its
//! database worker's latch (shared memory), instead of NOTIFY, whose global
//! commit-time lock serializes concurrent writers. Nothing is signalled for
//! work that rolls back.
use super::shmem;
use pgrx::prelude::*;
use std::cell::Cell;

thread_local! {
    static WAKE_WORKER: Cell<bool> = const { Cell::new(false) };
    static WAKE_LAUNCHER: Cell<bool> = const { Cell::new(false) };
    static WAKE_HANDLERS: Cell<bool> = const { Cell::new(false) };
}

#[pg_guard]
unsafe extern "C-unwind" fn on_xact(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    match event {
        pg_sys::XactEvent::XACT_EVENT_COMMIT | pg_sys::XactEvent::XACT_EVENT_PARALLEL_COMMIT => {
            if WAKE_WORKER.replace(false) {
                // SAFETY: MyDatabaseId is set for any backend in a transaction.
                shmem::wake_worker(unsafe { pg_sys::MyDatabaseId }.to_u32());
            }
            if WAKE_LAUNCHER.replace(false) {
                shmem::wake_launcher();
            }
            if WAKE_HANDLERS.replace(false) {
                // SAFETY: as above.
                shmem::wake_for_events(unsafe { pg_sys::MyDatabaseId }.to_u32());
            }
        }
        pg_sys::XactEvent::XACT_EVENT_ABORT | pg_sys::XactEvent::XACT_EVENT_PARALLEL_ABORT => {
            WAKE_WORKER.set(false);
            WAKE_LAUNCHER.set(false);
            WAKE_HANDLERS.set(false);
        }
        _ => {}
    }
}

/// From `_PG_init` while preloading: forked backends inherit the callback.
pub fn init() {
    // SAFETY: registering a plain function pointer with no argument.
    unsafe { pg_sys::RegisterXactCallback(Some(on_xact), std::ptr::null_mut()) };
}

/// Marks that this transaction committed work for the jobs worker.
pub fn request() {
    WAKE_WORKER.set(true);
}

/// Marks that this transaction stored a webhook event: at commit, the
/// worker is woken if handler jobs exist, and runs those whose endpoint has
/// pending events (webhook_receive calls it; a thread-local flag, nothing
/// more, until commit).
pub fn request_events() {
    WAKE_HANDLERS.set(true);
}

/// Wakes this database's jobs worker when the calling transaction commits.
/// Returns whether a worker can be woken at all (false without preload,
/// where run_pending() from pg_cron does the work).
#[pg_extern(volatile, parallel_unsafe)]
fn jobs_wake() -> bool {
    request();
    crate::common::preloaded()
}

/// Asks the launcher, at commit, to look for databases again: the install
/// script calls it, so a worker starts in a database that just ran CREATE
/// EXTENSION, without a restart.
#[pg_extern(volatile, parallel_unsafe)]
fn jobs_wake_launcher() -> bool {
    WAKE_LAUNCHER.set(true);
    crate::common::preloaded()
}
