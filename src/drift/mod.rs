//! Drift: compare a table with its shadow copy (the seeds' Odoo snapshots)
//! in one pass, log the result, alert and notify. Pure logic (options,
//! column resolution, the check SQL, the row hash) lives in
//! `supabase_ext_core::drift`.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | `drift_register`, `drift_unregister`, `drift_check`, `drift_check_all` (SECURITY INVOKER) |
//! | `hash.rs` | `drift_hash(VARIADIC "any")`, the row hash |
//! | `drift.sql` | registrations, `drift_logs`, `drift_alerts`, the three SECURITY DEFINER writers |
//! | `grants.sql` | what Supabase's roles get |
//! | `gucs.rs` | sample size, Realtime topic |
use crate::common::errors::{raise, Code};
use crate::common::subxact;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};
use serde_json::{json, Value};
use std::ffi::CStr;
use std::time::Instant;
use supabase_ext_core::drift::{self as dcore, plan, sql, DriftError};

pub mod gucs;
pub mod hash;

pub fn init() {
    gucs::init();
}

/// The one mapping of the domain's errors to SQLSTATEs.
fn fail(e: DriftError) -> ! {
    let code = match &e {
        DriftError::Name(_) | DriftError::Option(_) | DriftError::NoKey => {
            Code::ERRCODE_INVALID_PARAMETER_VALUE
        }
        DriftError::UnknownColumn { .. } => Code::ERRCODE_UNDEFINED_COLUMN,
        DriftError::DuplicateColumn(_) => Code::ERRCODE_DUPLICATE_COLUMN,
        DriftError::IncompatibleTypes { .. } => Code::ERRCODE_DATATYPE_MISMATCH,
        DriftError::NotHashable { .. } => Code::ERRCODE_UNDEFINED_FUNCTION,
        DriftError::Filter(_) => Code::ERRCODE_SYNTAX_ERROR,
    };
    raise(code, format!("drift_register: {e}"), None, e.hint())
}

fn spi_err(e: pgrx::spi::Error) -> ! {
    raise(Code::ERRCODE_INTERNAL_ERROR, format!("supabase_ext drift: {e}"), None, None)
}

/// The role the session acts as (SET ROLE included, SECURITY DEFINER not),
/// for authorization inside the SECURITY DEFINER writers.
#[pg_extern(stable, parallel_safe)]
fn drift_invoker() -> String {
    // SAFETY: plain catalog lookup of the session's outer user id.
    unsafe {
        let name = pg_sys::GetUserNameFromId(pg_sys::GetOuterUserId(), false);
        CStr::from_ptr(name).to_string_lossy().into_owned()
    }
}

fn current_user_oid() -> pg_sys::Oid {
    // SAFETY: reads the current user id.
    unsafe { pg_sys::GetUserId() }
}

/// `"schema"."table"` of a relation as it is named now, None if dropped.
fn relation_now(oid: pg_sys::Oid) -> Option<(String, String, String, String)> {
    Spi::connect(|c| {
        let mut t = c
            .select(
                "SELECT n.nspname::text, c.relname::text, c.relkind::text, pg_catalog.format('%I.%I', n.nspname, c.relname)
                   FROM pg_catalog.pg_class c
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
                None,
                &[oid.into()],
            )
            .unwrap_or_else(|e| spi_err(e));
        if t.is_empty() {
            return None;
        }
        let r = t.next()?;
        Some((
            r.get::<String>(1).ok().flatten().unwrap_or_default(),
            r.get::<String>(2).ok().flatten().unwrap_or_default(),
            r.get::<String>(3).ok().flatten().unwrap_or_default(),
            r.get::<String>(4).ok().flatten().unwrap_or_default(),
        ))
    })
}

/// The live columns of a relation, with the hash family of each type.
fn columns(oid: pg_sys::Oid) -> Vec<plan::Column> {
    let raw: Vec<(String, i16, pg_sys::Oid, String, bool)> = Spi::connect(|c| {
        c.select(
            "SELECT a.attname::text, a.attnum, a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod),
                    t.typcollation <> 0
               FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
              WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            None,
            &[oid.into()],
        )
        .unwrap_or_else(|e| spi_err(e))
        .map(|r| {
            (
                r.get::<String>(1).ok().flatten().unwrap_or_default(),
                r.get::<i16>(2).ok().flatten().unwrap_or(0),
                r.get::<pg_sys::Oid>(3).ok().flatten().unwrap_or(pg_sys::InvalidOid),
                r.get::<String>(4).ok().flatten().unwrap_or_default(),
                r.get::<bool>(5).ok().flatten().unwrap_or(false),
            )
        })
        .collect()
    });
    raw.into_iter()
        .map(|(name, attnum, typid, type_name, collatable)| {
            // SAFETY: type cache lookup; entries live for the backend.
            let family = unsafe {
                let tc = pg_sys::lookup_type_cache(
                    typid,
                    (pg_sys::TYPECACHE_HASH_OPFAMILY | pg_sys::TYPECACHE_HASH_EXTENDED_PROC) as i32,
                );
                if (*tc).hash_extended_proc == pg_sys::InvalidOid {
                    0
                } else {
                    (*tc).hash_opf.to_u32()
                }
            };
            plan::Column {
                name,
                attnum,
                type_oid: typid.to_u32(),
                type_name,
                hash_family: family,
                collatable,
            }
        })
        .collect()
}

/// Registers a drift check between `source` and `shadow` and creates its
/// three views. Returns what was resolved (keys, compared columns, views).
/// SECURITY INVOKER: the caller must be able to read both tables and create
/// views in the chosen schema.
#[pg_extern(volatile)]
fn drift_register(
    name: &str,
    source: PgRelation,
    shadow: PgRelation,
    key_columns: Vec<String>,
    compare_columns: default!(Option<Vec<String>>, "NULL"),
    options: default!(Option<JsonB>, "'{}'"),
) -> JsonB {
    dcore::check_name(name).unwrap_or_else(|e| fail(e));
    let opts_json = options.map(|j| j.0).unwrap_or(Value::Null);
    let opts = dcore::options::parse(&opts_json).unwrap_or_else(|e| fail(e));
    let mut names = Vec::new();
    for (side, rel) in [("source", &source), ("shadow", &shadow)] {
        let (nsp, relname, kind, display) = relation_now(rel.oid()).unwrap_or_else(|| {
            raise(
                Code::ERRCODE_UNDEFINED_TABLE,
                format!("drift_register: {side} relation does not exist"),
                None,
                None,
            )
        });
        let q = sql::qualified(&nsp, &relname);
        if !matches!(kind.as_str(), "r" | "p" | "v" | "m" | "f") {
            raise(
                Code::ERRCODE_WRONG_OBJECT_TYPE,
                format!("drift_register: {side} {display} is not a table, view or materialized view"),
                None,
                None,
            );
        }
        let readable = Spi::get_one_with_args::<bool>(
            "SELECT pg_catalog.has_table_privilege($1, 'SELECT')",
            &[rel.oid().into()],
        )
        .unwrap_or_else(|e| spi_err(e))
        .unwrap_or(false);
        if !readable {
            raise(
                Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
                format!("permission denied for table {relname}"),
                Some(format!("drift_register needs SELECT on the {side} table")),
                None,
            );
        }
        names.push((q, display));
    }
    let (source_q, shadow_q) = (names[0].0.clone(), names[1].0.clone());
    let (source_d, shadow_d) = (names[0].1.clone(), names[1].1.clone());
    let s_cols = columns(source.oid());
    let t_cols = columns(shadow.oid());
    let tables =
        plan::Tables { source_name: &source_d, source: &s_cols, shadow_name: &shadow_d, shadow: &t_cols };
    let plan =
        plan::resolve(&tables, &key_columns, compare_columns.as_deref(), &opts).unwrap_or_else(|e| fail(e));
    // Postgres checks each filter: syntax, columns (of that table only),
    // boolean type, and the caller's rights.
    for (f, rel) in [(&plan.source_filter, &source_q), (&plan.shadow_filter, &shadow_q)] {
        if let Some(f) = f {
            Spi::run(&format!("SELECT FROM {rel} WHERE ({f}) LIMIT 0")).unwrap_or_else(|e| {
                raise(
                    Code::ERRCODE_SYNTAX_ERROR,
                    format!("drift_register: invalid row filter: {e}"),
                    None,
                    Some("a filter is one boolean expression over that table's columns"),
                )
            });
        }
    }
    let plan_json = serde_json::to_value(&plan).unwrap_or_else(|e| error!("drift: {e}"));
    let compare: Vec<String> = plan.compare.iter().map(|c| c.source.clone()).collect();
    Spi::run_with_args(
        "SELECT supabase_ext.drift_catalog_put($1, $2::regclass, $3::regclass, $4, $5, $6, $7, $8)",
        &[
            name.into(),
            source.oid().into(),
            shadow.oid().into(),
            opts.schema.as_str().into(),
            key_columns.clone().into(),
            compare.clone().into(),
            JsonB(opts_json.clone()).into(),
            JsonB(plan_json).into(),
        ],
    )
    .unwrap_or_else(|e| spi_err(e));
    for ddl in sql::views(&plan, name, &opts.schema, &source_q, &shadow_q) {
        Spi::run(&ddl).unwrap_or_else(|e| spi_err(e));
    }
    for (side, rel, cols) in [
        ("source", &source, plan.keys.iter().map(|k| k.source_attnum).collect::<Vec<_>>()),
        ("shadow", &shadow, plan.keys.iter().map(|k| k.shadow_attnum).collect::<Vec<_>>()),
    ] {
        warn_if_not_unique(side, rel.oid(), &cols);
    }
    let views: Vec<String> = sql::view_names(name).iter().map(|v| format!("{}.{}", opts.schema, v)).collect();
    JsonB(json!({
        "name": name,
        "source": source_d,
        "shadow": shadow_d,
        "keys": plan.keys.iter().map(|k| json!({"source": k.source, "shadow": k.shadow})).collect::<Vec<_>>(),
        "compare": plan.compare.iter().map(|k| json!({"source": k.source, "shadow": k.shadow})).collect::<Vec<_>>(),
        "views": views,
    }))
}

/// Keys are matched as if unique; say so when no unique index guarantees it
/// (a table, not a view), since duplicates pair up with every match.
fn warn_if_not_unique(side: &str, oid: pg_sys::Oid, attnums: &[i16]) {
    let unique = Spi::get_one_with_args::<bool>(
        "SELECT c.relkind NOT IN ('r', 'p') OR EXISTS (
             SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL
                AND (i.indkey::int2[])[0:i.indnkeyatts - 1] <@ $2 AND cardinality($2) >= i.indnkeyatts)
           FROM pg_catalog.pg_class c WHERE c.oid = $1",
        &[oid.into(), attnums.to_vec().into()],
    )
    .ok()
    .flatten()
    .unwrap_or(true);
    if !unique {
        crate::common::errors::warn(
            Code::ERRCODE_WARNING,
            format!("drift_register: no unique index on the {side} key columns"),
            Some("duplicate keys pair with every match; add a unique index or primary key"),
        );
    }
}

/// Drops a registration's views and its row; its drift_logs and
/// drift_alerts rows too unless `keep_history`.
#[pg_extern(volatile)]
fn drift_unregister(name: &str, keep_history: default!(bool, false)) -> bool {
    let schema: Option<String> = Spi::connect(|c| {
        c.select(
            "SELECT view_schema FROM supabase_ext.drift_registrations WHERE name = $1",
            None,
            &[name.into()],
        )
        .unwrap_or_else(|e| spi_err(e))
        .next()
        .and_then(|r| r.get::<String>(1).ok().flatten())
    });
    let Some(schema) = schema else {
        raise(Code::ERRCODE_UNDEFINED_OBJECT, format!("drift check \"{name}\" does not exist"), None, None)
    };
    for v in sql::view_names(name) {
        Spi::run(&format!("DROP VIEW IF EXISTS {}", sql::qualified(&schema, &v)))
            .unwrap_or_else(|e| spi_err(e));
    }
    Spi::get_one_with_args::<bool>(
        "SELECT supabase_ext.drift_catalog_drop($1, $2)",
        &[name.into(), keep_history.into()],
    )
    .unwrap_or_else(|e| spi_err(e))
    .unwrap_or(false)
}

struct Registration {
    name: String,
    source: pg_sys::Oid,
    shadow: pg_sys::Oid,
    source_name: String,
    shadow_name: String,
    plan: plan::Plan,
    owner: String,
    view_schema: String,
}

fn load(name: &str) -> Registration {
    let row = Spi::connect(|c| {
        let mut t = c
            .select(
                "SELECT source::oid, shadow::oid, source_name, shadow_name, plan, owner::text, view_schema
                   FROM supabase_ext.drift_registrations WHERE name = $1",
                None,
                &[name.into()],
            )
            .unwrap_or_else(|e| spi_err(e));
        if t.is_empty() {
            return None;
        }
        let r = t.next()?;
        Some((
            r.get::<pg_sys::Oid>(1).ok().flatten()?,
            r.get::<pg_sys::Oid>(2).ok().flatten()?,
            r.get::<String>(3).ok().flatten()?,
            r.get::<String>(4).ok().flatten()?,
            r.get::<JsonB>(5).ok().flatten()?,
            r.get::<String>(6).ok().flatten()?,
            r.get::<String>(7).ok().flatten()?,
        ))
    });
    let Some((source, shadow, source_name, shadow_name, plan, owner, view_schema)) = row else {
        raise(
            Code::ERRCODE_UNDEFINED_OBJECT,
            format!("drift check \"{name}\" does not exist"),
            None,
            Some("see supabase_ext.drift_registrations for the checks you may run"),
        )
    };
    let plan: plan::Plan = serde_json::from_value(plan.0).unwrap_or_else(|e| {
        raise(Code::ERRCODE_DATA_CORRUPTED, format!("drift check \"{name}\": bad plan: {e}"), None, None)
    });
    Registration {
        name: name.to_string(),
        source,
        shadow,
        source_name,
        shadow_name,
        plan,
        owner,
        view_schema,
    }
}

const REREGISTER: &str =
    "drift_unregister() and drift_register() it again to compare the tables as they are now";

/// Re-checks what the registration relies on: both relations exist under
/// the same names, and every key and compared column still has the same
/// name and type, and the three views exist. Returns the quoted names.
fn revalidate(r: &Registration) -> (String, String) {
    let mut out = Vec::new();
    for (side, oid, was) in [("source", r.source, &r.source_name), ("shadow", r.shadow, &r.shadow_name)] {
        let Some((nsp, rel, _, now_text)) = relation_now(oid) else {
            raise(
                Code::ERRCODE_UNDEFINED_TABLE,
                format!("drift check \"{}\": {side} table {was} was dropped", r.name),
                None,
                Some(REREGISTER),
            )
        };
        let q = sql::qualified(&nsp, &rel);
        if &now_text != was {
            raise(
                Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("drift check \"{}\": {side} table {was} was renamed to {}", r.name, now_text),
                None,
                Some(REREGISTER),
            )
        }
        let cols = columns(oid);
        for p in r.plan.keys.iter().chain(r.plan.compare.iter()) {
            let (name, ty) =
                if side == "source" { (&p.source, p.source_type) } else { (&p.shadow, p.shadow_type) };
            // By name and type: attnums may shift in a pg_dump/pg_restore
            // (dropped columns are not recreated); a rename or a new type is
            // a different column.
            let ok = cols.iter().any(|c| &c.name == name && c.type_oid == ty);
            if !ok {
                raise(
                    Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!(
                        "drift check \"{}\": column \"{name}\" of {side} table {was} was dropped, renamed or changed type",
                        r.name
                    ),
                    None,
                    Some(REREGISTER),
                )
            }
        }
        out.push(q);
    }
    // The views depend on the tables; a DROP … CASCADE on a table or column
    // takes them away, and the registration with them.
    for v in sql::view_names(&r.name) {
        let exists = Spi::get_one_with_args::<bool>(
            "SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', $1, $2)) IS NOT NULL",
            &[r.view_schema.as_str().into(), v.as_str().into()],
        )
        .unwrap_or_else(|e| spi_err(e))
        .unwrap_or(false);
        if !exists {
            raise(
                Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("drift check \"{}\": its view {}.{v} was dropped", r.name, r.view_schema),
                Some("a DROP ... CASCADE on a registered table or column drops the views".into()),
                Some(REREGISTER),
            )
        }
    }
    (out[0].clone(), out[1].clone())
}

struct Outcome {
    counts: [i64; 3],
    samples: [Value; 3],
}

fn run_check(query: &str, sample: i32) -> Outcome {
    let mut o = Outcome { counts: [0; 3], samples: [json!([]), json!([]), json!([])] };
    let mut keys: [Vec<Value>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    Spi::connect(|c| {
        let t = c.select(query, None, &[sample.max(1).into()]).unwrap_or_else(|e| spi_err(e));
        for r in t {
            let i = match r.get::<String>(1).ok().flatten().as_deref() {
                Some("missing") => 0,
                Some("orphans") => 1,
                _ => 2,
            };
            o.counts[i] = r.get::<i64>(2).ok().flatten().unwrap_or(0);
            let rank = r.get::<i64>(3).ok().flatten().unwrap_or(i64::MAX);
            if rank <= sample as i64 {
                if let Some(k) = r.get::<JsonB>(4).ok().flatten() {
                    keys[i].push(k.0);
                }
            }
        }
    });
    for (i, k) in keys.into_iter().enumerate() {
        o.samples[i] = Value::Array(k);
    }
    o
}

fn sqlstate_code(s: &str) -> Code {
    let b = s.as_bytes();
    let mut code: i32 = 0;
    for (i, ch) in b.iter().take(5).enumerate() {
        code |= ((ch.wrapping_sub(b'0') as i32) & 0x3F) << (6 * i);
    }
    Code::from(code)
}

type CheckRow = (String, String, Option<i64>, Option<i64>, Option<i64>, JsonB, Option<i64>, Option<Interval>);

/// One check: revalidate, run the single-pass query with the owner's rights
/// (the caller's own when the caller is the owner), record the outcome.
fn check_one(name: &str) -> CheckRow {
    let started = Instant::now();
    let r = load(name);
    let (source_q, shadow_q) = revalidate(&r);
    let query = sql::check_query(&r.plan, &source_q, &shadow_q);
    let sample = gucs::sample_size();
    let owner_oid: Option<pg_sys::Oid> = Spi::get_one_with_args(
        "SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1",
        &[r.owner.as_str().into()],
    )
    .unwrap_or_else(|e| spi_err(e));
    let outcome = match owner_oid {
        Some(o) if o == current_user_oid() => run_check(&query, sample),
        Some(o) => {
            // A member of the owner (a superuser, pg_cron's role) runs the
            // check with the owner's rights only, in a security-restricted
            // subtransaction: the owner's row filters never run with more.
            let q = query.clone();
            subxact::run(Some(o), move || run_check(&q, sample)).unwrap_or_else(|f| {
                raise(
                    sqlstate_code(&f.sqlstate),
                    format!("drift check \"{name}\": {}", f.message),
                    None,
                    None,
                )
            })
        }
        None => raise(
            Code::ERRCODE_UNDEFINED_OBJECT,
            format!("drift check \"{name}\": its owner role \"{}\" no longer exists", r.owner),
            None,
            Some(REREGISTER),
        ),
    };
    let [missing, orphans, changed] = outcome.counts;
    let status = if missing + orphans + changed > 0 { "drift_found" } else { "clean" };
    let elapsed = started.elapsed();
    let duration = Interval::from_micros(elapsed.as_micros().min(i64::MAX as u128) as i64);
    let [sm, so, sc] = outcome.samples;
    let details = json!({
        "source": r.source_name,
        "shadow": r.shadow_name,
        "sample_size": sample,
        "missing": sm,
        "orphans": so,
        "changed": sc,
    });
    let log_id: Option<i64> = Spi::get_one_with_args(
        "SELECT supabase_ext.drift_record($1, $2, $3, $4, $5, $6, $7)",
        &[
            name.into(),
            status.into(),
            missing.into(),
            orphans.into(),
            changed.into(),
            JsonB(details.clone()).into(),
            duration.into(),
        ],
    )
    .unwrap_or_else(|e| spi_err(e));
    (
        name.to_string(),
        status.to_string(),
        Some(missing),
        Some(orphans),
        Some(changed),
        JsonB(
            json!({"missing": details["missing"], "orphans": details["orphans"], "changed": details["changed"]}),
        ),
        log_id,
        Some(duration),
    )
}

/// Checks one registration: counts of missing, orphaned and changed rows,
/// the smallest keys of each (`supabase_ext.drift_sample_size`), the
/// drift_logs row's id. SECURITY INVOKER: a caller who can't read a table
/// gets a permission error, not a count.
// The row type is pgrx's `name!` tuple; a type alias would lose the column names.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile)]
fn drift_check(
    name: &str,
) -> TableIterator<
    'static,
    (
        name!(name, String),
        name!(status, String),
        name!(missing, Option<i64>),
        name!(orphans, Option<i64>),
        name!(changed, Option<i64>),
        name!(details, JsonB),
        name!(log_id, Option<i64>),
        name!(duration, Option<Interval>),
    ),
> {
    TableIterator::once(check_one(name))
}

/// Checks every registration the caller may see, each in its own
/// subtransaction: a failing one (dropped table, lost privilege) is logged
/// as status 'error' with an alert, and the others still run. For pg_cron
/// or the jobs system: `SELECT supabase_ext.drift_check_all()`.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile)]
fn drift_check_all() -> TableIterator<
    'static,
    (
        name!(name, String),
        name!(status, String),
        name!(missing, Option<i64>),
        name!(orphans, Option<i64>),
        name!(changed, Option<i64>),
        name!(details, JsonB),
        name!(log_id, Option<i64>),
        name!(duration, Option<Interval>),
    ),
> {
    let names: Vec<String> = Spi::connect(|c| {
        c.select("SELECT name FROM supabase_ext.drift_registrations ORDER BY name", None, &[])
            .unwrap_or_else(|e| spi_err(e))
            .filter_map(|r| r.get::<String>(1).ok().flatten())
            .collect()
    });
    let mut rows = Vec::with_capacity(names.len());
    for n in names {
        let started = Instant::now();
        let nn = n.clone();
        match subxact::run(None, move || check_one(&nn)) {
            Ok(row) => rows.push(row),
            Err(f) => {
                let duration =
                    Interval::from_micros(started.elapsed().as_micros().min(i64::MAX as u128) as i64);
                let prefix = format!("drift check \"{n}\": ");
                let message = if f.message.starts_with(&prefix) {
                    f.message.clone()
                } else {
                    format!("{prefix}{}", f.message)
                };
                let details = json!({"error": message, "sqlstate": f.sqlstate});
                let log_id: Option<i64> = Spi::get_one_with_args(
                    "SELECT supabase_ext.drift_record($1, 'error', NULL, NULL, NULL, $2, $3)",
                    &[n.as_str().into(), JsonB(details.clone()).into(), duration.into()],
                )
                .unwrap_or_else(|e| spi_err(e));
                rows.push((n, "error".into(), None, None, None, JsonB(details), log_id, Some(duration)));
            }
        }
    }
    TableIterator::new(rows)
}

extension_sql_file!(
    "drift.sql",
    name = "drift_schema",
    requires = ["bootstrap", drift_invoker, "drift_hash"]
);
extension_sql_file!(
    "grants.sql",
    name = "drift_grants",
    requires = ["drift_schema", drift_register, drift_unregister, drift_check, drift_check_all]
);

/// Rows for `status()`: how many checks exist and the latest outcome of each
/// status, when the caller may read the log.
pub fn status_rows() -> Vec<crate::common::status::Row> {
    use crate::common::status::row;
    let mut rows = Vec::new();
    let n: Option<i64> = Spi::get_one("SELECT count(*) FROM supabase_ext.drift_registrations").ok().flatten();
    rows.push(row("drift", "registrations", n.map(|n| n.to_string()), Some("visible to this role".into())));
    rows
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// The pg_cron path (PG15 lane, where Debian's pg_cron is preloaded):
    /// schedule drift_check_all() every 6 hours as the seeds do, then run
    /// the scheduled command exactly as the scheduler would.
    #[cfg(feature = "pg15")]
    #[pg_test]
    fn pg_cron_schedules_drift_check_all() {
        Spi::run(
            "CREATE TABLE public.cron_drift_a (id int PRIMARY KEY, v text);
             CREATE TABLE public.cron_drift_b (id int PRIMARY KEY, v text);
             INSERT INTO public.cron_drift_a VALUES (1, 'x'), (2, 'y');
             INSERT INTO public.cron_drift_b VALUES (1, 'x'), (2, 'z');
             SELECT supabase_ext.drift_register('cron_drift', 'public.cron_drift_a', 'public.cron_drift_b', '{id}')",
        )
        .unwrap();
        let command = crate::common::testing::pg_cron_command(
            "drift",
            "0 */6 * * *",
            "SELECT supabase_ext.drift_check_all()",
        );
        Spi::run(&command).unwrap();
        let status: Option<String> = Spi::get_one(
            "SELECT status || ':' || changed FROM supabase_ext.drift_logs WHERE name = 'cron_drift' ORDER BY id DESC LIMIT 1",
        )
        .unwrap();
        assert_eq!(status.as_deref(), Some("drift_found:1"));
    }

    /// The jsonb row hash (read from the binary form, not Postgres's
    /// jsonb_hash_extended) agrees with jsonb `=` on every pair: numerics by
    /// value at any scale and in both numeric formats, key order, nesting,
    /// containers past 32 children (stored offsets), long strings.
    #[pg_test]
    fn jsonb_hash_agrees_with_jsonb_equality() {
        let disagreements: i64 = Spi::get_one(
            r#"WITH v(j) AS (
                 SELECT x::jsonb FROM unnest(ARRAY[
                   '1', '1.0', '1.00', '-1', '-1.0', '0', '0.00', '-0.0', '"1"', '"1.0"', 'true', 'false', 'null',
                   '[]', '{}', '[[]]', '[{}]', '[1,2]', '[2,1]', '[1.0,2]', '[1,2.000]', '{"a":1,"b":2}', '{"b":2,"a":1.0}',
                   '{"a":2,"b":1}', '{"a":{"b":[1,{"c":null}]}}', '{"a":{"b":[1.000,{"c":null}]}}', '{"a":{"b":[1,{"c":false}]}}',
                   '[1e2]', '[100]', '[100.5]', '[100.50]', '[12345678901234567890.5]', '[12345678901234567890.50]',
                   '[0.00001]', '[1e-5]', '[0.0001]', '[-0.00001]', '[99999999]', '[100000000]', '[10000]', '[1e4]',
                   '"a"', '"b"', '"é"', '""', '[""]', '[null]', '{"":null}', '{"a":null}', '{"a":[]}', '{"a":{}}'
                 ]) AS x
                 UNION ALL SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 100) i
                 UNION ALL SELECT jsonb_object_agg('k' || i, i::numeric(12, 3)) FROM generate_series(1, 100) i
                 UNION ALL SELECT jsonb_object_agg('k' || i, i + 1) FROM generate_series(1, 100) i
                 UNION ALL SELECT jsonb_agg(repeat('x', i)) FROM generate_series(1, 70) i
                 UNION ALL SELECT jsonb_agg(repeat('x', i)) FROM generate_series(1, 71) i
                 UNION ALL SELECT jsonb_agg(i * 1.5) FROM generate_series(1, 40) i
                 UNION ALL SELECT jsonb_agg((i * 1.5)::numeric(10, 4)) FROM generate_series(1, 40) i
                 UNION ALL SELECT jsonb_build_object('doc', repeat('long text ', 500), 'n', 1.0)
                 UNION ALL SELECT jsonb_build_object('doc', repeat('long text ', 500), 'n', 1)
                 UNION ALL SELECT jsonb_build_object('doc', repeat('long text ', 500), 'n', 2))
               SELECT count(*) FROM v a, v b
                WHERE (a.j = b.j) <> (supabase_ext.drift_hash(a.j) = supabase_ext.drift_hash(b.j))"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(disagreements, 0);
        // Toasted (compressed) values hash like their plain twins.
        Spi::run(
            "CREATE TEMP TABLE jt (j jsonb);
             INSERT INTO jt SELECT jsonb_build_object('doc', repeat('long text ', 5000), 'n', 1.0);",
        )
        .unwrap();
        let same: bool = Spi::get_one(
            "SELECT supabase_ext.drift_hash(j) = supabase_ext.drift_hash(jsonb_build_object('n', 1, 'doc', repeat('long text ', 5000)))
               FROM jt",
        )
        .unwrap()
        .unwrap();
        assert!(same);
    }

    #[pg_test]
    fn hash_follows_type_equality() {
        let same: bool = Spi::get_one(
            "SELECT supabase_ext.drift_hash(1.0::numeric, '{\"a\":1,\"b\":2}'::jsonb, '2026-01-01 10:00+02'::timestamptz, 5::int4)
                  = supabase_ext.drift_hash(1.00::numeric, '{\"b\":2,\"a\":1}'::jsonb, '2026-01-01 08:00Z'::timestamptz, 5::int8)",
        )
        .unwrap()
        .unwrap();
        assert!(same);
        let differ: bool = Spi::get_one(
            "SELECT supabase_ext.drift_hash('a'::text, NULL::text) <> supabase_ext.drift_hash(NULL::text, 'a'::text)",
        )
        .unwrap()
        .unwrap();
        assert!(differ);
    }
}
