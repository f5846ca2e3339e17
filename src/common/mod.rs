//! Mechanisms shared by every domain, and nothing else: errors with one
//! SQLSTATE mapping, time conversion, setting registration, status rows.
//! Domain logic never lives here.
pub mod errors;
pub mod guc;
pub mod status;
pub mod subxact;
#[cfg(any(test, feature = "pg_test"))]
pub mod testing;
pub mod time;
pub mod vault;

use std::sync::atomic::{AtomicBool, Ordering};

static PRELOADED: AtomicBool = AtomicBool::new(false);

/// True when `_PG_init` ran from `shared_preload_libraries`: shared memory
/// and background workers exist only then.
pub fn preloaded() -> bool {
    PRELOADED.load(Ordering::Relaxed)
}

pub fn set_preloaded() {
    PRELOADED.store(true, Ordering::Relaxed);
}
