//! The maintenance background worker. Registered only from `shared_preload_libraries`; every
//! task they run is a plain SQL function too (`supabase_ext.run_maintenance()`),
//! so pg_cron can drive the same work where workers are off.
use super::{gucs, shmem};
use crate::common::time::now_unix;
use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, SignalWakeFlags};
use pgrx::prelude::*;
use std::time::Duration;

pub const MAINTENANCE_WORKER: &str = "supabase_ext maintenance";

pub fn register() {
    BackgroundWorkerBuilder::new(MAINTENANCE_WORKER)
        .set_type("supabase_ext")
        .set_function("supabase_ext_maintenance_main")
        .set_library("supabase_ext")
        .enable_spi_access()
        // After a crash, wait before retrying so a persistent error can't spin.
        .set_restart_time(Some(Duration::from_secs(10)))
        .load();
}

/// Entry point of the maintenance worker.
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn supabase_ext_maintenance_main(_arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    let db = gucs::database();
    BackgroundWorker::connect_worker_to_spi(Some(&db), None);
    {
        let mut s = shmem::WORKER.exclusive();
        s.pid = std::process::id() as i32;
        s.started_at = now_unix();
    }
    log!("{MAINTENANCE_WORKER}: started in database \"{db}\"");

    while BackgroundWorker::wait_latch(Some(Duration::from_secs(gucs::maintenance_interval_secs()))) {
        if BackgroundWorker::sighup_received() {
            // SAFETY: called from the worker's main loop, as Postgres expects.
            unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
        }
        // run_maintenance() traps its own task errors, so a failing task is
        // recorded and retried next tick instead of restarting the worker.
        let deleted: Option<Option<i64>> = BackgroundWorker::transaction(|| {
            let installed = Spi::get_one::<bool>(
                "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'supabase_ext')",
            )
            .ok()
            .flatten()
            .unwrap_or(false);
            if !installed {
                return None;
            }
            Some(Spi::get_one::<i64>("SELECT supabase_ext.run_maintenance()").ok().flatten())
        });
        let mut s = shmem::WORKER.exclusive();
        s.last_run_at = now_unix();
        s.runs += 1;
        s.extension_installed = deleted.is_some();
        match deleted {
            Some(Some(n)) => s.last_deleted = n,
            Some(None) => s.failures += 1,
            None => {}
        }
    }
    shmem::WORKER.exclusive().pid = 0;
    log!("{MAINTENANCE_WORKER}: shutting down");
}
