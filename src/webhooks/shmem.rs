//! Shared-memory state of the webhooks domain. Present only when the library
//! is preloaded (`shared_preload_libraries`); every reader copes with its absence.
//!
//! Why shared memory for webhook failure counters: a failed verification
//! raises an ERROR, which rolls back the caller's transaction, so a row written
//! by that transaction would vanish. Shared memory survives the rollback, costs
//! one short LWLock hold per delivery, writes no WAL, and is readable from any
//! session through `supabase_ext.webhook_counters`. Like pg_stat_statements,
//! counters reset when the server restarts; that is acceptable for monitoring.
use crate::common::preloaded as available;
use pgrx::prelude::*;
use pgrx::{pg_shmem_init, PGRXSharedMemory, PgLwLock};

const NAME_LEN: usize = 64;
const REASON_LEN: usize = 32;
/// Endpoints tracked individually; more than this share the overflow slot `*`.
pub const ENDPOINT_SLOTS: usize = 256;

#[derive(Copy, Clone)]
pub struct EndpointCounters {
    name: [u8; NAME_LEN],
    name_len: u8,
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub last_rejected_at: i64,
    last_reason: [u8; REASON_LEN],
    last_reason_len: u8,
}

impl EndpointCounters {
    const EMPTY: Self = Self {
        name: [0; NAME_LEN],
        name_len: 0,
        accepted: 0,
        duplicates: 0,
        rejected: 0,
        last_rejected_at: 0,
        last_reason: [0; REASON_LEN],
        last_reason_len: 0,
    };
    pub fn name(&self) -> String {
        String::from_utf8_lossy(&self.name[..self.name_len as usize]).into_owned()
    }
    pub fn last_reason(&self) -> String {
        String::from_utf8_lossy(&self.last_reason[..self.last_reason_len as usize]).into_owned()
    }
}

#[derive(Copy, Clone)]
pub struct WebhookCounters {
    pub slots: [EndpointCounters; ENDPOINT_SLOTS],
    pub used: usize,
}
unsafe impl PGRXSharedMemory for WebhookCounters {}

pub static WEBHOOK_COUNTERS: PgLwLock<WebhookCounters> =
    unsafe { PgLwLock::new(c"supabase_ext_webhook_counters") };

pub fn init() {
    pg_shmem_init!(
        WEBHOOK_COUNTERS = WebhookCounters { slots: [EndpointCounters::EMPTY; ENDPOINT_SLOTS], used: 0 }
    );
}

fn truncate(s: &str, max: usize) -> &[u8] {
    // Cut on a char boundary so the stored name stays valid UTF-8.
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s.as_bytes()[..end]
}

#[derive(Clone, Copy)]
pub enum Outcome<'a> {
    Accepted,
    Duplicate,
    Rejected(&'a str),
}

/// Counts one delivery for `endpoint`. A no-op without preload.
pub fn count_webhook(endpoint: &str, outcome: Outcome<'_>, now_unix: i64) {
    if !available() {
        return;
    }
    let key = truncate(endpoint, NAME_LEN);
    let mut c = WEBHOOK_COUNTERS.exclusive();
    let used = c.used;
    let idx = match c.slots[..used].iter().position(|s| &s.name[..s.name_len as usize] == key) {
        Some(i) => i,
        None if used < ENDPOINT_SLOTS - 1 => {
            let slot = &mut c.slots[used];
            slot.name[..key.len()].copy_from_slice(key);
            slot.name_len = key.len() as u8;
            c.used += 1;
            used
        }
        None => {
            // Overflow slot, labelled `*`.
            let last = ENDPOINT_SLOTS - 1;
            c.slots[last].name[0] = b'*';
            c.slots[last].name_len = 1;
            c.used = ENDPOINT_SLOTS;
            last
        }
    };
    let slot = &mut c.slots[idx];
    match outcome {
        Outcome::Accepted => slot.accepted += 1,
        Outcome::Duplicate => slot.duplicates += 1,
        Outcome::Rejected(reason) => {
            slot.rejected += 1;
            slot.last_rejected_at = now_unix;
            let r = truncate(reason, REASON_LEN);
            slot.last_reason[..r.len()].copy_from_slice(r);
            slot.last_reason_len = r.len() as u8;
        }
    }
}

/// A consistent copy of the counters, or `None` without preload.
pub fn webhook_snapshot() -> Option<Vec<EndpointCounters>> {
    if !available() {
        return None;
    }
    let c = WEBHOOK_COUNTERS.share();
    Some(c.slots[..c.used.min(ENDPOINT_SLOTS)].to_vec())
}
