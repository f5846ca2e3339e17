//! Endpoints, verified idempotent ingestion, and the PostgREST raw-body entry.
//!
//! `webhook_receive` is SECURITY DEFINER because the caller (often `anon`,
//! through PostgREST) must not read secrets; the signature is the caller's
//! authentication. Its search_path is pinned and every name is qualified.
use super::jsonb::{JsonbHeadersStored, StoredHeaders};
use super::shmem::{self, Outcome};
use super::{headers, provider};
use crate::common::errors::{raise, Code};
use crate::common::time::{from_unix, interval_secs, now_unix};
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use pgrx::{JsonB, PgBuiltInOids, PgOid};
use std::cell::RefCell;
use supabase_ext_core::webhooks as wh;

/// The three statements of a delivery, planned once per backend. Kept SPI
/// plans live in Postgres's plan cache, which revalidates them after DDL;
/// re-planning them on every delivery cost more than the verification.
struct Plans {
    load: OwnedPreparedStatement,
    insert: OwnedPreparedStatement,
    find: OwnedPreparedStatement,
}

thread_local! {
    static PLANS: RefCell<Option<std::rc::Rc<Plans>>> = const { RefCell::new(None) };
}

fn oid(o: PgBuiltInOids) -> PgOid {
    PgOid::BuiltIn(o)
}

fn plans(client: &SpiClient<'_>) -> std::rc::Rc<Plans> {
    if let Some(p) = PLANS.with_borrow(|p| p.clone()) {
        return p;
    }
    let prepare = |sql: &str, args: &[PgOid]| client.prepare(sql, args).unwrap_or_else(|e| spi_err(e)).keep();
    let prepare_mut =
        |sql: &str, args: &[PgOid]| client.prepare_mut(sql, args).unwrap_or_else(|e| spi_err(e)).keep();
    let p = std::rc::Rc::new(Plans {
        load: prepare(
            "SELECT provider, secrets, options, tolerance, enabled
               FROM supabase_ext.webhook_endpoints WHERE name = $1",
            &[oid(PgBuiltInOids::TEXTOID)],
        ),
        // The payload is parsed by jsonb_in; Rust has already checked that
        // it is JSON jsonb accepts ($7), so a verified delivery never fails here.
        insert: prepare_mut(
            "INSERT INTO supabase_ext.webhook_events
                    (endpoint, provider, delivery_id, event_type, headers, body, payload,
                     dedupe_key, signed_fields)
             VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN convert_from($6, 'UTF8')::jsonb END,
                     $8, $9)
             ON CONFLICT (endpoint, dedupe_key) DO NOTHING
             RETURNING id",
            &[
                oid(PgBuiltInOids::TEXTOID),
                oid(PgBuiltInOids::TEXTOID),
                oid(PgBuiltInOids::TEXTOID),
                oid(PgBuiltInOids::TEXTOID),
                oid(PgBuiltInOids::JSONBOID),
                oid(PgBuiltInOids::BYTEAOID),
                oid(PgBuiltInOids::BOOLOID),
                oid(PgBuiltInOids::TEXTOID),
                oid(PgBuiltInOids::TEXTARRAYOID),
            ],
        ),
        find: prepare(
            "SELECT id FROM supabase_ext.webhook_events WHERE endpoint = $1 AND dedupe_key = $2",
            &[oid(PgBuiltInOids::TEXTOID), oid(PgBuiltInOids::TEXTOID)],
        ),
    });
    PLANS.with_borrow_mut(|slot| *slot = Some(p.clone()));
    p
}

struct Endpoint {
    provider: String,
    secrets: Vec<String>,
    options: serde_json::Value,
    tolerance: Interval,
    enabled: bool,
}

fn spi_err(e: pgrx::spi::Error) -> ! {
    raise(Code::ERRCODE_INTERNAL_ERROR, format!("supabase_ext webhooks: {e}"), None, None)
}

// --- Endpoint cache.
//
// Reading the endpoint through SPI was the largest fixed cost of a delivery
// after the INSERT itself. Endpoints change rarely, so each backend keeps the
// rows it has read, and a statement trigger on webhook_endpoints sends a
// relcache invalidation for the table at commit
// (webhook_endpoints_invalidate). Every backend processes it at its next
// transaction start at the latest, and its callback bumps `GENERATION`; an
// entry read under an older generation is never used. A transaction that
// began before the change commits may still use the old row, which is what
// its snapshot would show too.

/// Cached endpoints; cleared, not grown, past this many (an unknown name is
/// never cached, so callers can't fill it).
const ENDPOINT_CACHE_MAX: usize = 256;

thread_local! {
    static GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static CALLBACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static ENDPOINTS_RELID: std::cell::Cell<pg_sys::Oid> = const { std::cell::Cell::new(pg_sys::InvalidOid) };
    static ENDPOINTS: RefCell<std::collections::HashMap<String, (u64, std::rc::Rc<Endpoint>)>> =
        RefCell::new(std::collections::HashMap::new());
}

/// Relcache callback: only touches a `Cell`, so it is safe to run anywhere
/// invalidations are processed, including in the middle of a lookup.
#[pg_guard]
unsafe extern "C-unwind" fn endpoints_invalidated(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    if relid == pg_sys::InvalidOid || relid == ENDPOINTS_RELID.get() {
        GENERATION.set(GENERATION.get().wrapping_add(1));
    }
}

fn cached_endpoint(client: &SpiClient<'_>, name: &str) -> Option<std::rc::Rc<Endpoint>> {
    if !CALLBACK.get() {
        let relid = client
            .select(
                "SELECT 'supabase_ext.webhook_endpoints'::pg_catalog.regclass::pg_catalog.oid",
                Some(1),
                &[],
            )
            .ok()
            .and_then(|t| t.first().get_one::<pg_sys::Oid>().ok().flatten())
            .unwrap_or(pg_sys::InvalidOid);
        ENDPOINTS_RELID.set(relid);
        // SAFETY: registered once per backend; the callback is a plain function.
        unsafe { pg_sys::CacheRegisterRelcacheCallback(Some(endpoints_invalidated), pg_sys::Datum::from(0)) };
        CALLBACK.set(true);
    }
    let generation = GENERATION.get();
    if let Some(ep) =
        ENDPOINTS.with_borrow(|m| m.get(name).filter(|(g, _)| *g == generation).map(|(_, e)| e.clone()))
    {
        return Some(ep);
    }
    let ep = std::rc::Rc::new(load_endpoint(client, name)?);
    ENDPOINTS.with_borrow_mut(|m| {
        if m.len() >= ENDPOINT_CACHE_MAX {
            m.clear();
        }
        // Stored under the generation read before the lookup: an
        // invalidation that arrived meanwhile makes it stale at once.
        m.insert(name.to_owned(), (generation, ep.clone()));
    });
    Some(ep)
}

/// Statement trigger on webhook_endpoints: invalidates every backend's
/// endpoint cache when the change commits (and this backend's at once).
#[pg_trigger]
fn webhook_endpoints_invalidate<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, PgTriggerError> {
    // SAFETY: the trigger's own relation exists for the rest of the statement.
    unsafe { pg_sys::CacheInvalidateRelcacheByRelid(trigger.relid()?) };
    Ok(None)
}

fn load_endpoint(client: &SpiClient<'_>, name: &str) -> Option<Endpoint> {
    let rows = client.select(&plans(client).load, Some(1), &[name.into()]).unwrap_or_else(|e| spi_err(e));
    let row = rows.into_iter().next()?;
    Some(Endpoint {
        provider: row.get::<String>(1).ok().flatten().unwrap_or_default(),
        secrets: row
            .get::<Vec<Option<String>>>(2)
            .ok()
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect(),
        options: row.get::<JsonB>(3).ok().flatten().map(|j| j.0).unwrap_or(serde_json::Value::Null),
        tolerance: row.get::<Interval>(4).ok().flatten().unwrap_or_else(|| Interval::from_seconds(300.0)),
        enabled: row.get::<bool>(5).ok().flatten().unwrap_or(false),
    })
}

/// Why an endpoint's secrets could not be resolved: a reason code for the
/// log and counters, and the detailed error `webhook_receive` may show.
struct SecretError {
    reason: &'static str,
    code: Code,
    message: String,
    hint: Option<&'static str>,
}

/// Whether `vault.decrypted_secrets` is supabase_vault's own view. Resolving
/// it by name alone would let a role with CREATE on the database plant a
/// `vault` schema and be handed the endpoint's secret lookups.
const VAULT_IS_SUPABASE_VAULT: &str = "SELECT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_extension x ON x.oid = d.refobjid
     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.objid = pg_catalog.to_regclass('vault.decrypted_secrets')
       AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND d.deptype = 'e' AND x.extname = 'supabase_vault')";

/// `vault:<name>` entries resolve through supabase_vault's decrypted view;
/// anything else is the literal secret.
fn resolve_secrets(
    client: &SpiClient<'_>,
    endpoint: &str,
    secrets: &[String],
) -> Result<Vec<String>, SecretError> {
    let mut vault_checked = false;
    let mut out = Vec::with_capacity(secrets.len());
    for s in secrets {
        let Some(vault_name) = s.strip_prefix("vault:") else {
            out.push(s.clone());
            continue;
        };
        if !vault_checked {
            let ok = client
                .select(VAULT_IS_SUPABASE_VAULT, None, &[])
                .ok()
                .and_then(|t| t.first().get_one::<bool>().ok().flatten())
                .unwrap_or(false);
            if !ok {
                return Err(SecretError {
                    reason: "vault_unavailable",
                    code: Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    message: format!(
                        "webhook endpoint \"{endpoint}\" references a vault secret, but supabase_vault is not installed"
                    ),
                    hint: Some("CREATE EXTENSION supabase_vault, or store the secret directly"),
                });
            }
            vault_checked = true;
        }
        let found = client
            .select(
                "SELECT s.decrypted_secret FROM vault.decrypted_secrets s WHERE s.name OPERATOR(pg_catalog.=) $1",
                Some(1),
                &[vault_name.into()],
            )
            .ok()
            .and_then(|t| t.first().get_one::<String>().ok().flatten());
        match found {
            Some(secret) => out.push(secret),
            None => {
                return Err(SecretError {
                    reason: "vault_secret_missing",
                    code: Code::ERRCODE_UNDEFINED_OBJECT,
                    message: format!(
                        "vault secret \"{vault_name}\" of webhook endpoint \"{endpoint}\" does not exist"
                    ),
                    hint: None,
                })
            }
        }
    }
    Ok(out)
}

/// Which function a delivery came through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Door {
    /// `webhook_receive()`: service_role only; detailed errors.
    Receive,
    /// `webhook_request()`: PUBLIC, so anon through PostgREST.
    Public,
}

/// Refuses a delivery. Through the PUBLIC door every refusal is the same
/// 28000 "webhook delivery rejected" (HTTP 403 from PostgREST): the caller
/// learns no endpoint or vault secret name, nor which check failed. The
/// reason goes to the server log, and for existing endpoints to the counters
/// (not for unknown names: anyone could fill the counter slots with them).
fn refuse(door: Door, endpoint: &str, known: bool, reason: &str, detailed: impl FnOnce()) -> ! {
    if known {
        shmem::count_webhook(endpoint, Outcome::Rejected(reason), now_unix());
    }
    pgrx::log!("supabase_ext: webhook endpoint {endpoint:?} rejected a delivery: {reason}");
    match door {
        Door::Receive => {
            detailed();
            unreachable!("the detailed refusal raises")
        }
        Door::Public => raise(
            Code::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
            "webhook delivery rejected",
            None,
            Some("the server log and supabase_ext.webhook_counters say why"),
        ),
    }
}

/// Verifies a delivery for `endpoint`, then stores it once.
/// Returns `(event id, duplicate)`.
fn receive(
    door: Door,
    endpoint: &str,
    body: &[u8],
    hdrs: &wh::Headers,
    stored: &StoredHeaders,
) -> (i64, bool) {
    Spi::connect_mut(|client| {
        let ep = cached_endpoint(client, endpoint).unwrap_or_else(|| {
            refuse(door, endpoint, false, "unknown_endpoint", || {
                raise(
                    Code::ERRCODE_UNDEFINED_OBJECT,
                    format!("webhook endpoint \"{endpoint}\" does not exist"),
                    None,
                    Some("create it with supabase_ext.webhook_endpoint_create()"),
                )
            })
        });
        if !ep.enabled {
            refuse(door, endpoint, true, "endpoint_disabled", || {
                raise(
                    Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!("webhook endpoint \"{endpoint}\" is disabled"),
                    None,
                    None,
                )
            })
        }
        let p = provider(&ep.provider, &ep.options);
        let secrets = resolve_secrets(client, endpoint, &ep.secrets).unwrap_or_else(|e| {
            refuse(door, endpoint, true, e.reason, || raise(e.code, e.message, None, e.hint))
        });
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let v = wh::verify(&p, &refs, body, hdrs, interval_secs(ep.tolerance), now_unix());
        if !v.valid {
            let reason = v.reason.unwrap_or(wh::Reason::NoMatchingSignature);
            // Shared memory outlives the rollback this ERROR causes; the log
            // line covers servers without preload. Neither carries a secret.
            refuse(door, endpoint, true, reason.code(), || {
                raise(
                    Code::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
                    format!("webhook signature verification failed for endpoint \"{endpoint}\""),
                    Some(reason.message()),
                    Some("rejected deliveries are counted in supabase_ext.webhook_counters"),
                )
            })
        }

        let delivery_id = wh::delivery_id(&p, hdrs, body);
        let dedupe_key = wh::dedupe_key(&p, hdrs, body);
        let signed: Vec<Option<String>> =
            wh::coverage(&p).names().into_iter().map(|n| Some(n.to_string())).collect();
        let event_type = wh::event_type(&p, hdrs, body);
        let is_json = wh::request::jsonb_can_hold(body);
        let stored_headers = match stored {
            // SAFETY: a jsonb datum of this call's argument.
            StoredHeaders::Datum(d) => unsafe { pgrx::datum::DatumWithOid::new(*d, pg_sys::JSONBOID) },
            StoredHeaders::Json(v) => JsonB(v.clone()).into(),
        };
        let plans = plans(client);
        let inserted = client
            .update(
                &plans.insert,
                None,
                &[
                    endpoint.into(),
                    p.name().into(),
                    delivery_id.as_str().into(),
                    event_type.into(),
                    stored_headers,
                    body.into(),
                    is_json.into(),
                    dedupe_key.as_str().into(),
                    signed.into(),
                ],
            )
            .unwrap_or_else(|e| spi_err(e));
        if let Some(id) = inserted.into_iter().next().and_then(|r| r.get::<i64>(1).ok().flatten()) {
            // NOTIFY only for external listeners (off by default): its
            // commit-time lock serializes concurrent ingestion. Handler jobs
            // pick events up on their own schedule.
            if super::gucs::webhook_notify() {
                client
                    .update("SELECT pg_notify('supabase_ext_webhooks', $1)", None, &[endpoint.into()])
                    .unwrap_or_else(|e| spi_err(e));
            }
            shmem::count_webhook(endpoint, Outcome::Accepted, now_unix());
            // Handler jobs of this database run when this commits.
            crate::jobs::wake::request_events();
            return (id, false);
        }
        // ON CONFLICT waited for any concurrent inserter to commit, so the
        // winning row is visible to this new statement's snapshot.
        let id = client
            .select(&plans.find, Some(1), &[endpoint.into(), dedupe_key.as_str().into()])
            .ok()
            .and_then(|t| t.first().get_one::<i64>().ok().flatten())
            .unwrap_or_else(|| {
                raise(
                    Code::ERRCODE_INTERNAL_ERROR,
                    "duplicate webhook delivery vanished during insert",
                    None,
                    None,
                )
            });
        shmem::count_webhook(endpoint, Outcome::Duplicate, now_unix());
        (id, true)
    })
}

/// Verifies and stores a delivery; returns the event id. A redelivery (same
/// dedupe key) returns the existing event and stores nothing. Errors say
/// what failed: only service_role may call this.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn webhook_receive(endpoint: &str, body: &[u8], headers: JsonbHeadersStored) -> i64 {
    let hdrs = headers.headers.unwrap_or_else(|e| super::headers_error(e));
    receive(Door::Receive, endpoint, body, &hdrs, &headers.stored).0
}

// --- PostgREST raw-body entry points.

/// Endpoint named by the request (routing rules in the core's `request`).
fn endpoint_from_request(hdrs: &serde_json::Value) -> String {
    let path: Option<String> = Spi::get_one("SELECT current_setting('request.path', true)").ok().flatten();
    let headers = wh::Headers::from_json(hdrs).unwrap_or_default();
    wh::request::endpoint(path.as_deref(), &headers).unwrap_or_else(|| {
        raise(
            Code::ERRCODE_INVALID_PARAMETER_VALUE,
            "cannot tell which webhook endpoint this request is for",
            Some(format!("request.path is {:?}", path.unwrap_or_default())),
            Some("call it through a wrapper made by supabase_ext.webhook_endpoint_expose(), or set the x-webhook-endpoint header"),
        )
    })
}

fn request_headers() -> serde_json::Value {
    let raw: Option<String> = Spi::get_one("SELECT current_setting('request.headers', true)").ok().flatten();
    match raw.as_deref().map(str::trim) {
        None | Some("") => serde_json::Value::Object(Default::default()),
        Some(s) => serde_json::from_str(s).unwrap_or_else(|_| {
            raise(Code::ERRCODE_INVALID_TEXT_REPRESENTATION, "request.headers is not valid JSON", None, None)
        }),
    }
}

fn request(body: &[u8]) -> JsonB {
    let raw = request_headers();
    let endpoint = endpoint_from_request(&raw);
    let hdrs = headers(&raw);
    let stored = StoredHeaders::Json(wh::request::redact(&raw));
    let (id, duplicate) = receive(Door::Public, &endpoint, body, &hdrs, &stored);
    JsonB(serde_json::json!({ "received": true, "event_id": id, "duplicate": duplicate }))
}

/// `Content-Type: application/octet-stream`. The `json` and `text` overloads
/// (in requests.sql) pass their exact text here: `json` keeps the bytes the
/// sender signed, where `jsonb` would reorder keys and drop whitespace.
#[pg_extern(volatile, security_definer, name = "webhook_request")]
#[search_path(pg_catalog, pg_temp)]
fn webhook_request(body: &[u8]) -> JsonB {
    request(body)
}

/// The retention settings, for webhook_purge(). A call into the library
/// loads it, so its settings exist even in a fresh pg_cron connection, where
/// `current_setting('supabase_ext.…')` would fail. STABLE: a setting may
/// change between statements (SIGHUP), not within one.
#[pg_extern(stable, parallel_safe)]
fn webhook_retention_settings(
) -> TableIterator<'static, (name!(completed_days, i32), name!(failed_days, i32))> {
    TableIterator::once((super::gucs::webhook_retention_days(), super::gucs::webhook_failed_retention_days()))
}

extension_sql_file!(
    "requests.sql",
    name = "webhooks_requests",
    requires = [webhook_request, webhook_retention_settings, "webhooks_schema"]
);

/// Validates a provider, its options and literal secrets without storing
/// anything; used by the endpoint admin functions. Never echoes a secret.
#[pg_extern(immutable, parallel_safe)]
fn webhook_config_check(provider: &str, secrets: Vec<Option<String>>, options: JsonB) -> bool {
    let p = self::provider(provider, &options.0);
    for (i, s) in secrets.iter().enumerate() {
        let Some(s) = s else {
            raise(Code::ERRCODE_NULL_VALUE_NOT_ALLOWED, format!("secret {} is NULL", i + 1), None, None)
        };
        if s.is_empty() {
            raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, format!("secret {} is empty", i + 1), None, None)
        }
        if s.starts_with("vault:") {
            continue;
        }
        // Signing once proves the secret decodes for this scheme (Standard
        // Webhooks secrets must be base64 after `whsec_`).
        if let Err(e) = wh::sign(&p, s, b"", "probe", 0) {
            raise(
                Code::ERRCODE_INVALID_PARAMETER_VALUE,
                format!("secret {} is not valid for provider {}", i + 1, p.name()),
                Some(e.to_string()),
                None,
            )
        }
    }
    true
}

/// Per-endpoint delivery counters since server start (shared memory).
// pgrx reads the `name!` columns from the signature itself; a type alias would hide them.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_safe)]
fn webhook_counters() -> TableIterator<
    'static,
    (
        name!(endpoint, String),
        name!(accepted, i64),
        name!(duplicates, i64),
        name!(rejected, i64),
        name!(last_rejected_at, Option<TimestampWithTimeZone>),
        name!(last_rejection, Option<String>),
    ),
> {
    let Some(slots) = shmem::webhook_snapshot() else {
        crate::common::errors::warn(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "webhook counters need supabase_ext in shared_preload_libraries",
            Some("rejections are still logged to the server log"),
        );
        return TableIterator::new(Vec::new());
    };
    let rows: Vec<_> = slots
        .iter()
        .map(|s| {
            let at = from_unix(s.last_rejected_at);
            let reason = s.last_reason();
            (
                s.name(),
                s.accepted as i64,
                s.duplicates as i64,
                s.rejected as i64,
                at,
                (!reason.is_empty()).then_some(reason),
            )
        })
        .collect();
    TableIterator::new(rows)
}

// Endpoint changes reach every backend's endpoint cache at commit. ENABLE
// ALWAYS: it fires under session_replication_role = replica too.
extension_sql!(
    r#"
CREATE TRIGGER webhook_endpoints_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON supabase_ext.webhook_endpoints
    FOR EACH STATEMENT EXECUTE FUNCTION supabase_ext.webhook_endpoints_invalidate();
ALTER TABLE supabase_ext.webhook_endpoints ENABLE ALWAYS TRIGGER webhook_endpoints_invalidate;
REVOKE ALL ON FUNCTION supabase_ext.webhook_endpoints_invalidate() FROM PUBLIC;
"#,
    name = "webhooks_endpoint_cache",
    requires = ["webhooks_schema", webhook_endpoints_invalidate]
);
