//! Handler jobs: call `f(event supabase_ext.webhook_events)` for each pending
//! event of an endpoint, as the job's role, completing or failing each event
//! on its own (a failing event is retried by the next run, up to its
//! max_attempts, then left failed). This is how an Odoo event becomes a
//! shadow row without an Edge Function in between.
use crate::common::errors::{raise, Code};
use crate::common::subxact::{self, Failure};
use pgrx::prelude::*;
use serde_json::Value;

pub fn run(role: pg_sys::Oid, function: &str, options: &Value) -> Result<Option<String>, Failure> {
    let endpoint = options.get("endpoint").and_then(Value::as_str).unwrap_or_default().to_string();
    let batch = options.get("batch").and_then(Value::as_i64).unwrap_or(100).clamp(1, 10_000) as i32;
    let max_attempts = options.get("max_attempts").and_then(Value::as_i64).unwrap_or(5).clamp(1, 100) as i32;
    // The function was resolved when scheduled; resolve again (it may have
    // been dropped) and quote it through regprocedure.
    let func: Option<String> = Spi::get_one_with_args(
        "SELECT to_regprocedure($1 || '(supabase_ext.webhook_events)')::oid::regproc::text",
        &[function.into()],
    )
    .ok()
    .flatten();
    let Some(func) = func else {
        return Err(Failure {
            sqlstate: "42883".into(),
            message: format!("handler {function} no longer exists"),
        });
    };
    // Claimed with a lease and the job's max_attempts; completing or failing
    // passes the attempt back, so a run whose lease expired can't complete
    // an event another run has claimed since (fencing).
    let events: Vec<(i64, String, i32)> = Spi::connect_mut(|c| {
        c.update(
            "SELECT e.id, e::text, e.attempts FROM supabase_ext.webhook_claim($1, $2, '5 minutes', $3) e",
            None,
            &[endpoint.as_str().into(), batch.into(), max_attempts.into()],
        )
        .unwrap_or_else(|e| raise(Code::ERRCODE_INTERNAL_ERROR, format!("claiming events: {e}"), None, None))
        .map(|r| {
            (
                r.get::<i64>(1).ok().flatten().unwrap_or(0),
                r.get::<String>(2).ok().flatten().unwrap_or_default(),
                r.get::<i32>(3).ok().flatten().unwrap_or(0),
            )
        })
        .collect()
    });
    let (mut ok, mut failed) = (0, 0);
    let mut first_error: Option<String> = None;
    let call = format!("SELECT {func}($1::supabase_ext.webhook_events)");
    for (id, row, attempt) in events {
        let sql = call.clone();
        match subxact::run(Some(role), move || Spi::run_with_args(&sql, &[row.as_str().into()])) {
            Ok(Ok(())) => {
                Spi::run_with_args(
                    "SELECT supabase_ext.webhook_complete($1, $2)",
                    &[id.into(), attempt.into()],
                )
                .unwrap_or_else(|e| {
                    raise(Code::ERRCODE_INTERNAL_ERROR, format!("completing event {id}: {e}"), None, None)
                });
                ok += 1;
            }
            Ok(Err(e)) => {
                fail(id, &e.to_string(), max_attempts, attempt);
                first_error.get_or_insert_with(|| format!("event {id}: {e}"));
                failed += 1;
            }
            Err(f) => {
                fail(id, &f.to_string(), max_attempts, attempt);
                first_error.get_or_insert_with(|| format!("event {id}: {f}"));
                failed += 1;
            }
        }
    }
    let msg = format!("{ok} events handled, {failed} failed");
    if let Some(first) = first_error {
        Err(Failure { sqlstate: "P0001".into(), message: format!("{msg}; first failure: {first}") })
    } else {
        Ok(Some(msg))
    }
}

fn fail(id: i64, error: &str, max_attempts: i32, attempt: i32) {
    Spi::run_with_args(
        "SELECT supabase_ext.webhook_fail($1, $2, $3, $4)",
        &[id.into(), error.into(), max_attempts.into(), attempt.into()],
    )
    .unwrap_or_else(|e| raise(Code::ERRCODE_INTERNAL_ERROR, format!("failing event {id}: {e}"), None, None));
}
