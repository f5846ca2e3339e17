//! `supabase_ext.drift_hash(VARIADIC "any") RETURNS bigint`: the row hash
//! of a drift check, called once per row on both sides.
//!
//! Each argument is hashed with its type's extended hash function (the
//! default hash operator class, seed 0, collation "C"), which Postgres keeps
//! consistent with the type's equality, except jsonb, hashed from its binary
//! form by `supabase_ext_core::drift::jsonb` (on the benchmark's documents
//! its cost over a plain scan is 0.6 of `jsonb_hash_extended`'s; the same
//! equality);
//! `supabase_ext_core::drift::hash` combines them with XXH3-64.
//!
//! A plain V1 C function rather than a `#[pg_extern]`: `VARIADIC "any"`
//! takes each column with its own type, without building an array or
//! converting values to text. The per-argument hash functions are looked up
//! once per call site and kept in `fn_extra`.
use pgrx::pg_sys;
use pgrx::prelude::*;
use std::cell::RefCell;
use supabase_ext_core::drift::hash::RowHasher;

/// Per call site: the hash function of each argument, from the type cache
/// (whose entries live as long as the backend); null for jsonb, hashed from
/// its binary form by `supabase_ext_core::drift::jsonb` (little-endian).
struct CallSite {
    nargs: usize,
    procs: [*mut pg_sys::FmgrInfo; pg_sys::FUNC_MAX_ARGS as usize],
}

thread_local! {
    static HASHER: RefCell<RowHasher> = RefCell::new(RowHasher::new());
    static JSONB_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Hash of a jsonb datum from its binary form.
///
/// # Safety
/// `d` is a non-null jsonb datum.
unsafe fn jsonb_hash(d: pg_sys::Datum) -> u64 {
    let raw = d.cast_mut_ptr::<pg_sys::varlena>();
    let v = pg_sys::pg_detoast_datum_packed(raw);
    let len = pgrx::varlena::varsize_any_exhdr(v);
    let data = std::slice::from_raw_parts(pgrx::varlena::vardata_any(v) as *const u8, len);
    let h = JSONB_BUF.with_borrow_mut(|buf| supabase_ext_core::drift::jsonb::hash(data, buf));
    if v != raw {
        pg_sys::pfree(v.cast());
    }
    h.unwrap_or_else(|e| {
        crate::common::errors::raise(
            crate::common::errors::Code::ERRCODE_DATA_CORRUPTED,
            format!("drift_hash: unexpected jsonb layout ({})", e.0),
            None,
            None,
        )
    })
}

#[no_mangle]
#[doc(hidden)]
pub extern "C" fn pg_finfo_drift_hash() -> &'static pg_sys::Pg_finfo_record {
    static V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

/// # Safety
/// Called by Postgres's function manager with a valid `fcinfo`.
#[pg_guard]
#[no_mangle]
pub unsafe extern "C-unwind" fn drift_hash(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    let flinfo = (*fcinfo).flinfo;
    let nargs = (*fcinfo).nargs as usize;
    if (*flinfo).fn_extra.is_null() {
        if pg_sys::get_fn_expr_variadic(flinfo) {
            crate::common::errors::raise(
                crate::common::errors::Code::ERRCODE_FEATURE_NOT_SUPPORTED,
                "drift_hash takes the columns themselves, not a VARIADIC array",
                None,
                Some("call it as drift_hash(col1, col2, ...)"),
            );
        }
        let site = pg_sys::MemoryContextAllocZero((*flinfo).fn_mcxt, std::mem::size_of::<CallSite>())
            as *mut CallSite;
        (*site).nargs = nargs;
        for i in 0..nargs {
            let typid = pg_sys::get_fn_expr_argtype(flinfo, i as i32);
            if typid == pg_sys::InvalidOid {
                error!("drift_hash: could not determine the type of argument {}", i + 1);
            }
            // Domains over jsonb too: both sides of a comparison must hash alike.
            if cfg!(target_endian = "little") && pg_sys::getBaseType(typid) == pg_sys::JSONBOID {
                (*site).procs[i] = std::ptr::null_mut();
                continue;
            }
            let tc = pg_sys::lookup_type_cache(typid, pg_sys::TYPECACHE_HASH_EXTENDED_PROC_FINFO as i32);
            if (*tc).hash_extended_proc == pg_sys::InvalidOid {
                let name =
                    std::ffi::CStr::from_ptr(pg_sys::format_type_be(typid)).to_string_lossy().into_owned();
                crate::common::errors::raise(
                    crate::common::errors::Code::ERRCODE_UNDEFINED_FUNCTION,
                    format!("drift_hash: type {name} has no hash function"),
                    None,
                    Some("cast the column to a hashable type (json to jsonb, point to text)"),
                );
            }
            (*site).procs[i] = &mut (*tc).hash_extended_proc_finfo;
        }
        (*flinfo).fn_extra = site.cast();
    }
    let site = &*((*flinfo).fn_extra as *const CallSite);
    let args = (*fcinfo).args.as_slice(nargs.min(site.nargs));
    let h = HASHER.with_borrow_mut(|h| {
        h.start();
        for (i, a) in args.iter().enumerate() {
            if a.isnull {
                h.null();
            } else if site.procs[i].is_null() {
                h.value(jsonb_hash(a.value));
            } else {
                let d = pg_sys::FunctionCall2Coll(
                    site.procs[i],
                    pg_sys::C_COLLATION_OID,
                    a.value,
                    pg_sys::Datum::from(0i64),
                );
                h.value(d.value() as u64);
            }
        }
        h.finish()
    });
    pg_sys::Datum::from(h)
}

extension_sql!(
    r#"
CREATE FUNCTION supabase_ext.drift_hash(VARIADIC "any") RETURNS bigint
LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'drift_hash';
COMMENT ON FUNCTION supabase_ext.drift_hash("any") IS
  'Row hash of a drift check: XXH3-64 over each argument''s type-aware hash (NULL-safe, numeric scale, jsonb key order and time zones ignored, text as bytes)';
"#,
    name = "drift_hash",
    requires = ["bootstrap"]
);
