//! Shared state of the jobs workers (preload only): the launcher, one slot
//! per database worker, and what `status()` / `jobs_status` show about them.
//! Backends use it to wake their database's worker at commit instead of
//! sending NOTIFY (whose commit-time lock serializes concurrent writers).
use pgrx::prelude::*;
use pgrx::{pg_shmem_init, PGRXSharedMemory, PgLwLock};

/// Databases with a worker at once; more are logged and skipped.
pub const MAX_DATABASES: usize = 64;

#[derive(Copy, Clone, Default, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum State {
    #[default]
    Empty,
    Starting,
    Running,
    /// The database has no supabase_ext: the worker left; CREATE EXTENSION wakes the launcher.
    NotInstalled,
    /// Exited; the launcher starts it again.
    Stopped,
}

#[derive(Copy, Clone, Default)]
pub struct Slot {
    pub db: u32,
    pub pid: i32,
    pub state: State,
    pub started_at: i64,
    pub last_tick: i64,
    pub runs: u64,
    pub deliveries: u64,
    pub step_failures: u64,
    pub last_maintenance: i64,
    /// The database has active handler jobs (the worker keeps it current),
    /// so a committed webhook event is worth a wake-up.
    pub handlers: bool,
    /// A webhook event was committed since the worker last looked.
    pub events: bool,
}

#[derive(Copy, Clone)]
pub struct JobsShmem {
    pub launcher_pid: i32,
    pub launcher_started: i64,
    pub rescan: bool,
    pub slots: [Slot; MAX_DATABASES],
}
unsafe impl PGRXSharedMemory for JobsShmem {}

impl Default for JobsShmem {
    fn default() -> Self {
        Self { launcher_pid: 0, launcher_started: 0, rescan: false, slots: [Slot::default(); MAX_DATABASES] }
    }
}

pub static JOBS: PgLwLock<JobsShmem> = unsafe { PgLwLock::new(c"supabase_ext_jobs") };

pub fn init() {
    pg_shmem_init!(JOBS = JobsShmem::default());
}

pub fn snapshot() -> Option<JobsShmem> {
    crate::common::preloaded().then(|| *JOBS.share())
}

/// Updates this database's slot (the worker's own bookkeeping).
pub fn with_slot(db: u32, f: impl FnOnce(&mut Slot)) {
    let mut s = JOBS.exclusive();
    if let Some(slot) = s.slots.iter_mut().find(|x| x.db == db && x.state != State::Empty) {
        f(slot);
    }
}

/// Sets the latch of `pid`'s process, if it is still alive.
fn set_latch(pid: i32) {
    if pid <= 0 {
        return;
    }
    // SAFETY: BackendPidGetProc returns the live PGPROC of pid (or NULL);
    // procLatch lives in shared memory, and SetLatch is safe to call on it.
    unsafe {
        let proc_ = pg_sys::BackendPidGetProc(pid);
        if !proc_.is_null() {
            pg_sys::SetLatch(&mut (*proc_).procLatch);
        }
    }
}

/// Wakes the worker of database `db`, if it runs.
pub fn wake_worker(db: u32) {
    if !crate::common::preloaded() {
        return;
    }
    let pid = JOBS.share().slots.iter().find(|x| x.db == db && x.state == State::Running).map(|x| x.pid);
    if let Some(pid) = pid {
        set_latch(pid);
    }
}

/// A webhook event was committed in database `db`: wakes its worker when
/// it has handler jobs (otherwise ingestion pays nothing beyond a shared
/// lock).
pub fn wake_for_events(db: u32) {
    if !crate::common::preloaded() {
        return;
    }
    let pid = {
        let s = JOBS.share();
        match s.slots.iter().find(|x| x.db == db && x.state == State::Running) {
            Some(x) if x.handlers && !x.events => Some(x.pid),
            _ => None,
        }
    };
    if let Some(pid) = pid {
        with_slot(db, |s| s.events = true);
        set_latch(pid);
    }
}

/// Asks the launcher to look for databases again (CREATE EXTENSION).
pub fn wake_launcher() -> bool {
    if !crate::common::preloaded() {
        return false;
    }
    let pid = {
        let mut s = JOBS.exclusive();
        s.rescan = true;
        s.launcher_pid
    };
    set_latch(pid);
    pid > 0
}
