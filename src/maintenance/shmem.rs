//! The maintenance worker's state in shared memory (preload only), so any
//! session's `status()` can show it.
use pgrx::prelude::*;
use pgrx::{pg_shmem_init, PGRXSharedMemory, PgLwLock};

#[derive(Copy, Clone, Default)]
pub struct WorkerState {
    pub pid: i32,
    pub started_at: i64,
    pub last_run_at: i64,
    pub runs: u64,
    pub last_deleted: i64,
    pub failures: u64,
    pub extension_installed: bool,
}
unsafe impl PGRXSharedMemory for WorkerState {}

pub static WORKER: PgLwLock<WorkerState> = unsafe { PgLwLock::new(c"supabase_ext_worker_state") };

pub fn init() {
    pg_shmem_init!(WORKER = WorkerState::default());
}

pub fn snapshot() -> Option<WorkerState> {
    crate::common::preloaded().then(|| *WORKER.share())
}
