//! Webhooks glue: stateless verification and signing (this file) and
//! endpoints plus idempotent ingestion (`ingest.rs`). The schemes themselves
//! live in `supabase_ext_core::webhooks`.
use crate::common::errors::{raise, Code};
use crate::common::time::{interval_secs, unix_secs};
use pgrx::prelude::*;
use pgrx::JsonB;
use supabase_ext_core::webhooks::{self as wh, Headers, Provider, Verification};

pub mod gucs;
pub mod ingest;
pub mod jsonb;
pub mod shmem;
use jsonb::{JsonbHeaders, JsonbOptions};
#[cfg(any(test, feature = "pg_test"))]
mod tests;

extension_sql_file!("schema.sql", name = "webhooks_schema", requires = ["bootstrap"]);

pub fn init(preloading: bool) {
    gucs::init();
    if preloading {
        shmem::init();
    }
}

pub(crate) fn provider(name: &str, options: &serde_json::Value) -> Provider {
    Provider::parse(name, options).unwrap_or_else(|e| {
        raise(
            Code::ERRCODE_INVALID_PARAMETER_VALUE,
            e.to_string(),
            None,
            Some("providers: github, stripe, standard (alias svix), shopify, slack, hmac"),
        )
    })
}

pub(crate) fn headers(h: &serde_json::Value) -> Headers {
    Headers::from_json(h).unwrap_or_else(|e| headers_error(e))
}

pub(crate) fn headers_error(e: wh::WebhookError) -> ! {
    raise(
        Code::ERRCODE_INVALID_PARAMETER_VALUE,
        e.to_string(),
        None,
        Some("pass headers as a JSON object, e.g. current_setting('request.headers', true)::jsonb"),
    )
}

fn check(
    provider_name: &str,
    secrets: &[&str],
    body: &[u8],
    hdrs: JsonbHeaders,
    tolerance: Interval,
    at: TimestampWithTimeZone,
    options: JsonbOptions,
) -> Verification {
    let p = provider(provider_name, &options.0);
    let hdrs = hdrs.0.unwrap_or_else(|e| headers_error(e));
    wh::verify(&p, secrets, body, &hdrs, interval_secs(tolerance), unix_secs(at))
}

/// NULL array elements are skipped: they can never verify anything.
fn secret_refs(secrets: &[Option<String>]) -> Vec<&str> {
    secrets.iter().flatten().map(String::as_str).collect()
}

// --- webhook_verify / webhook_verify_detail. Rust implements the bytea-body
// forms; the text-body and single-secret overloads are inlinable SQL wrappers
// in overloads.sql, so there is one code path per question.

#[pg_extern(immutable, parallel_safe, name = "webhook_verify")]
fn webhook_verify(
    provider: &str,
    secret: &str,
    body: &[u8],
    headers: JsonbHeaders,
    tolerance: default!(Interval, "'5 minutes'"),
    at: default!(TimestampWithTimeZone, "now()"),
    options: default!(JsonbOptions, "'{}'"),
) -> bool {
    check(provider, &[secret], body, headers, tolerance, at, options).valid
}

/// Key rotation: any one of `secrets` verifies.
#[pg_extern(immutable, parallel_safe, name = "webhook_verify")]
fn webhook_verify_rotating(
    provider: &str,
    secrets: Vec<Option<String>>,
    body: &[u8],
    headers: JsonbHeaders,
    tolerance: default!(Interval, "'5 minutes'"),
    at: default!(TimestampWithTimeZone, "now()"),
    options: default!(JsonbOptions, "'{}'"),
) -> bool {
    check(provider, &secret_refs(&secrets), body, headers, tolerance, at, options).valid
}

/// Why a delivery failed; never the expected signature. `matched_secret` is
/// 1-based, like SQL arrays.
#[pg_extern(immutable, parallel_safe, name = "webhook_verify_detail")]
fn webhook_verify_detail(
    provider: &str,
    secrets: Vec<Option<String>>,
    body: &[u8],
    headers: JsonbHeaders,
    tolerance: default!(Interval, "'5 minutes'"),
    at: default!(TimestampWithTimeZone, "now()"),
    options: default!(JsonbOptions, "'{}'"),
) -> TableIterator<
    'static,
    (name!(valid, bool), name!(reason, Option<String>), name!(matched_secret, Option<i32>)),
> {
    let v = check(provider, &secret_refs(&secrets), body, headers, tolerance, at, options);
    let reason = v.reason.map(|r| format!("{}: {}", r.code(), r.message()));
    TableIterator::once((v.valid, reason, v.matched_secret.map(|i| i as i32 + 1)))
}

extension_sql_file!(
    "overloads.sql",
    name = "webhooks_overloads",
    requires = [webhook_verify, webhook_verify_rotating, webhook_verify_detail]
);

// --- Outbound signing.

/// Headers that sign `body` the way `provider`'s receivers verify it, as a
/// JSON object to merge into an outbound request. VOLATILE: a Standard
/// Webhooks call without `msg_id` makes a fresh random id each time. Still
/// PARALLEL SAFE: the id comes from the OS generator, not from backend state
/// (unlike random(), whose seed is per session).
#[pg_extern(volatile, parallel_safe)]
fn webhook_sign(
    provider: &str,
    secret: &str,
    body: &[u8],
    msg_id: default!(String, "''"),
    at: default!(TimestampWithTimeZone, "now()"),
    options: default!(JsonB, "'{}'"),
) -> JsonB {
    let p = self::provider(provider, &options.0);
    // Standard Webhooks signs the message id; make one when none is given.
    let msg_id = if msg_id.is_empty() && matches!(p, Provider::Standard) {
        format!("msg_{}", uuid::Uuid::new_v4().simple())
    } else {
        msg_id
    };
    let pairs = wh::sign(&p, secret, body, &msg_id, unix_secs(at)).unwrap_or_else(|e| {
        raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, format!("cannot sign webhook: {e}"), None, None)
    });
    let map: serde_json::Map<String, serde_json::Value> =
        pairs.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
    JsonB(serde_json::Value::Object(map))
}

extension_sql!(
    r#"
CREATE VIEW supabase_ext.webhook_counters AS SELECT * FROM supabase_ext.webhook_counters();
COMMENT ON VIEW supabase_ext.webhook_counters IS
  'Per-endpoint webhook deliveries accepted, duplicated and rejected since server start. Rejections roll back the caller, so they are counted in shared memory.';
"#,
    name = "webhooks_counters_view",
    requires = [ingest::webhook_counters]
);

extension_sql_file!(
    "grants.sql",
    name = "webhooks_grants",
    requires = ["webhooks_requests", "webhooks_counters_view", "webhooks_overloads", "bootstrap"]
);
