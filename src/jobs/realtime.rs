//! Job state changes broadcast through Supabase Realtime, when its
//! `realtime.send(payload jsonb, event text, topic text, private boolean)` is
//! installed: failed runs, dead deliveries and dead-lettered messages, and a
//! job's recovery after a failure. Private broadcasts: Realtime checks the
//! subscriber's RLS on realtime.messages.
use super::gucs;
use pgrx::prelude::*;
use pgrx::JsonB;

/// Whether a broadcast would be sent: a topic is set and `realtime.send` exists.
pub fn available() -> bool {
    !gucs::realtime_topic().is_empty()
        && Spi::get_one::<bool>(
            "SELECT pg_catalog.to_regprocedure('realtime.send(jsonb,text,text,boolean)') IS NOT NULL",
        )
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// Sends `payload` as `event` on `supabase_ext.jobs_realtime_topic`.
/// Returns false (and does nothing) without Realtime or with an empty topic.
/// A failing broadcast never fails the job step that sent it.
#[pg_extern(volatile)]
pub fn jobs_broadcast(event: &str, payload: JsonB) -> bool {
    if !available() {
        return false;
    }
    let topic = gucs::realtime_topic();
    let event = event.to_string();
    crate::common::subxact::run(None, move || {
        Spi::run_with_args(
            "SELECT realtime.send($1, $2, $3, true)",
            &[payload.into(), event.as_str().into(), topic.as_str().into()],
        )
    })
    .map(|r| r.is_ok())
    .unwrap_or(false)
}
