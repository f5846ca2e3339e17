//! Tenancy glue: claims helpers (this file), JWTs and embed tokens (`jwt.rs`),
//! the policy generator (`policies.sql`) and the RLS audit (`audit.sql`).
//!
//! The helpers run once per row when a policy calls them unwrapped, so the hot
//! path (claims in `request.jwt.claims`, as PostgREST sets them) does no
//! allocation: it compares the current `request.jwt.claims`
//! bytes with the cached ones and returns the cached answer. Keying on the
//! setting's content (not on a statement id) keeps the cache correct when
//! claims change between statements, or inside a PL/pgSQL loop.
use crate::common::errors::{raise, Code};
// Named in the `requires` of policies.sql below (pgrx resolves it by name).
#[allow(unused_imports)]
use crate::common::guc::setting;
use pgrx::prelude::*;
use pgrx::{JsonB, Uuid};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::CStr;
use supabase_ext_core::tenancy::claims::{self, ClaimPaths, ClaimsError};

pub mod gucs;
pub mod jwt;
#[cfg(any(test, feature = "pg_test"))]
mod tests;

/// Legacy Supabase settings, one per claim, honoured when
/// `request.jwt.claims` is empty.
const LEGACY: &[(&str, &CStr)] = &[
    ("sub", c"request.jwt.claim.sub"),
    ("role", c"request.jwt.claim.role"),
    ("email", c"request.jwt.claim.email"),
    ("tenant_id", c"request.jwt.claim.tenant_id"),
    ("org_id", c"request.jwt.claim.org_id"),
];

/// Reads a setting without copying; `None` when unset or empty.
fn raw_setting(name: &CStr) -> Option<&'static [u8]> {
    // SAFETY: GetConfigOption returns a pointer to the live value (or NULL
    // with missing_ok); it stays valid until the setting next changes.
    unsafe {
        let p = pg_sys::GetConfigOption(name.as_ptr(), true, false);
        if p.is_null() {
            return None;
        }
        let b = CStr::from_ptr(p).to_bytes();
        (!b.is_empty()).then_some(b)
    }
}

#[derive(Default)]
struct Cache {
    valid: bool,
    /// The claims setting bytes (or the legacy settings joined) this entry is for.
    key: Vec<u8>,
    /// `gucs::claim_paths_generation()` when this entry was computed.
    paths_generation: u64,
    /// The four path settings: tenant, tenant ids, roles, per-tenant roles.
    paths: [String; 4],
    claims: Option<Value>,
    tenant: Option<Option<[u8; 16]>>,
    tenant_ids: Option<Vec<[u8; 16]>>,
    subject: Option<Option<[u8; 16]>>,
    role: Option<Option<String>>,
}

pub fn init() {
    gucs::init();
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

fn claims_error(e: ClaimsError) -> ! {
    match e {
        ClaimsError::ForbiddenPath(_) | ClaimsError::InvalidPath(_) => raise(
            Code::ERRCODE_INVALID_PARAMETER_VALUE,
            e.to_string(),
            None,
            Some("check supabase_ext.tenant_claim_paths, tenant_ids_claim_paths and role_claim_paths"),
        ),
        _ => raise(
            Code::ERRCODE_INVALID_TEXT_REPRESENTATION,
            e.to_string(),
            None,
            Some("PostgREST sets request.jwt.claims to the verified JWT payload, a JSON object"),
        ),
    }
}

/// Runs `f` on the cache entry for the current claims, refreshing it first
/// when the claims or the path settings changed.
fn with_claims<R>(f: impl FnOnce(&mut Cache) -> R) -> R {
    let current = raw_setting(c"request.jwt.claims");
    // Without request.jwt.claims the key is the legacy settings, joined.
    let key: Cow<'_, [u8]> = match current {
        Some(bytes) => Cow::Borrowed(bytes),
        None => Cow::Owned(legacy_key()),
    };
    let generation = gucs::claim_paths_generation();
    CACHE.with_borrow_mut(|c| {
        let hit = c.valid && c.paths_generation == generation && c.key == *key;
        if !hit {
            refresh(c, current.is_some(), key.into_owned(), generation);
        }
        f(c)
    })
}

fn legacy_key() -> Vec<u8> {
    let mut k = Vec::new();
    for (_, name) in LEGACY {
        if let Some(v) = raw_setting(name) {
            k.extend_from_slice(name.to_bytes());
            k.push(0);
            k.extend_from_slice(v);
            k.push(0);
        }
    }
    k
}

/// `key` is the claims setting's bytes when `from_claims_setting`, else the
/// legacy key.
fn refresh(c: &mut Cache, from_claims_setting: bool, key: Vec<u8>, generation: u64) {
    c.valid = false;
    let claims = if from_claims_setting {
        let text = std::str::from_utf8(&key)
            .unwrap_or_else(|_| claims_error(ClaimsError::InvalidJson("not UTF-8".into())));
        claims::parse_claims(Some(text)).unwrap_or_else(|e| claims_error(e))
    } else {
        let values: Vec<(&str, Option<String>)> = LEGACY
            .iter()
            .map(|(claim, name)| (*claim, raw_setting(name).map(|v| String::from_utf8_lossy(v).into_owned())))
            .collect();
        let refs: Vec<(&str, Option<&str>)> = values.iter().map(|(k, v)| (*k, v.as_deref())).collect();
        claims::merge_legacy(None, &refs)
    };
    *c = Cache {
        valid: true,
        key,
        paths_generation: generation,
        paths: [
            gucs::tenant_claim_paths(),
            gucs::tenant_ids_claim_paths(),
            gucs::role_claim_paths(),
            gucs::tenant_roles_claim_paths(),
        ],
        claims,
        ..Cache::default()
    };
}

fn paths(spec: &str) -> ClaimPaths {
    ClaimPaths::parse(spec).unwrap_or_else(|e| claims_error(e))
}

fn uuid_bytes(s: &str) -> [u8; 16] {
    // The core crate already validated and canonicalised it.
    uuid::Uuid::parse_str(s).map(|u| u.into_bytes()).unwrap_or_else(|_| {
        raise(Code::ERRCODE_INVALID_TEXT_REPRESENTATION, "claim is not a valid UUID", None, None)
    })
}

/// The caller's JWT claims: `request.jwt.claims`, else Supabase's legacy
/// per-claim settings; NULL when there are none.
#[pg_extern(stable, parallel_safe)]
fn jwt() -> Option<JsonB> {
    with_claims(|c| c.claims.clone().map(JsonB))
}

/// The `sub` claim as a UUID (Supabase's `auth.uid()`).
#[pg_extern(stable, parallel_safe)]
fn uid() -> Option<Uuid> {
    with_claims(|c| {
        if c.subject.is_none() {
            let s = match &c.claims {
                Some(v) => claims::subject(v).unwrap_or_else(|e| claims_error(e)),
                None => None,
            };
            c.subject = Some(s.as_deref().map(uuid_bytes));
        }
        c.subject.flatten().map(Uuid::from_bytes)
    })
}

/// The `role` claim (`anon`, `authenticated`, `service_role`, …).
#[pg_extern(stable, parallel_safe)]
fn role() -> Option<String> {
    with_claims(|c| {
        if c.role.is_none() {
            c.role = Some(c.claims.as_ref().and_then(claims::role));
        }
        c.role.clone().flatten()
    })
}

/// The caller's tenant: the first of `supabase_ext.tenant_claim_paths` present.
#[pg_extern(stable, parallel_safe)]
fn tenant_id() -> Option<Uuid> {
    with_claims(|c| {
        if c.tenant.is_none() {
            let t = match &c.claims {
                Some(v) => claims::tenant_id(v, &paths(&c.paths[0])).unwrap_or_else(|e| claims_error(e)),
                None => None,
            };
            c.tenant = Some(t.as_deref().map(uuid_bytes));
        }
        c.tenant.flatten().map(Uuid::from_bytes)
    })
}

/// Every tenant the caller belongs to: claim arrays, the single tenant claim,
/// and rows of `supabase_ext.membership_table` when one is configured.
#[pg_extern(stable, parallel_safe)]
fn tenant_ids() -> Vec<Uuid> {
    let mut ids = with_claims(|c| {
        if c.tenant_ids.is_none() {
            let ids = match &c.claims {
                Some(v) => claims::tenant_ids(v, &paths(&c.paths[0]), &paths(&c.paths[1]))
                    .unwrap_or_else(|e| claims_error(e)),
                None => Vec::new(),
            };
            c.tenant_ids = Some(ids.iter().map(|s| uuid_bytes(s)).collect());
        }
        c.tenant_ids.clone().unwrap_or_default()
    });
    // Memberships live in a table that can change within a transaction, so
    // they are read per call, not cached; the (select …) policy form makes
    // that once per statement. `sub` is read only when a table is configured:
    // a non-UUID sub must not break claims-only setups.
    if membership().is_some() {
        if let Some(user) = uid() {
            for t in membership_tenants(user) {
                if !ids.contains(&t) {
                    ids.push(t);
                }
            }
        }
    }
    ids.into_iter().map(Uuid::from_bytes).collect()
}

/// The configured membership table and its three columns, quoted.
fn membership() -> Option<(String, String, String, String)> {
    let table = gucs::membership_table();
    if table.trim().is_empty() {
        return None;
    }
    let q = |s: String| pgrx::spi::quote_identifier(s.trim());
    let qualified = match table.split_once('.') {
        Some((s, t)) => format!("{}.{}", q(s.to_string()), q(t.to_string())),
        None => q(table),
    };
    Some((
        qualified,
        q(gucs::membership_tenant_column()),
        q(gucs::membership_user_column()),
        q(gucs::membership_role_column()),
    ))
}

fn membership_tenants(user: Uuid) -> Vec<[u8; 16]> {
    let Some((table, tenant_col, user_col, _)) = membership() else { return Vec::new() };
    let sql = format!("SELECT array_agg(DISTINCT {tenant_col}) FROM {table} WHERE {user_col} = $1");
    let ids: Option<Vec<Option<Uuid>>> = Spi::get_one_with_args(&sql, &[user.into()]).unwrap_or_else(|e| {
        raise(
            Code::ERRCODE_UNDEFINED_TABLE,
            format!("cannot read supabase_ext.membership_table: {e}"),
            None,
            Some("check supabase_ext.membership_table and its column settings"),
        )
    });
    ids.unwrap_or_default().into_iter().flatten().map(|u| *u.as_bytes()).collect()
}

/// True when the caller has `role`: the JWT `role` claim, an application
/// role under `supabase_ext.role_claim_paths`, or their role in the current
/// tenant's membership row.
#[pg_extern(stable, parallel_safe, strict)]
fn has_role(role: &str) -> bool {
    let from_claims = with_claims(|c| match &c.claims {
        Some(v) => claims::has_role(v, &paths(&c.paths[2]), role),
        None => false,
    });
    if from_claims {
        return true;
    }
    // Lazily: without a membership table, `sub` and the tenant are not read.
    let Some((table, tenant_col, user_col, role_col)) = membership() else { return false };
    let (Some(user), Some(tenant)) = (uid(), tenant_id()) else { return false };
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE {user_col} = $1 AND {tenant_col} = $2 AND {role_col}::text = $3)"
    );
    Spi::get_one_with_args::<bool>(&sql, &[user.into(), tenant.into(), role.into()])
        .unwrap_or_else(|e| {
            raise(
                Code::ERRCODE_UNDEFINED_TABLE,
                format!("cannot read supabase_ext.membership_table: {e}"),
                None,
                None,
            )
        })
        .unwrap_or(false)
}

/// The tenants in which the caller holds any of `roles`: the row-aware role
/// gate of generated policies, used as
/// `col = ANY ((SELECT supabase_ext.tenant_ids_with_role('{admin}'))::uuid[])`
/// (an initPlan: once per statement). Sources:
/// - per-tenant role maps in the claims (`supabase_ext.tenant_roles_claim_paths`);
/// - rows of `supabase_ext.membership_table` with the role;
/// - tenant-agnostic role claims (`supabase_ext.role_claim_paths`) only when
///   the caller belongs to exactly one tenant: for a member of several
///   tenants they can't say in which tenant the role holds, so they grant
///   nothing (0.1.0 applied them to every tenant: the escalation).
#[pg_extern(stable, parallel_safe, strict)]
fn tenant_ids_with_role(roles: Vec<Option<String>>) -> Vec<Uuid> {
    let roles: Vec<String> = roles.into_iter().flatten().filter(|r| !r.is_empty()).collect();
    let refs: Vec<&str> = roles.iter().map(String::as_str).collect();
    if refs.is_empty() {
        return Vec::new();
    }
    let (mut out, global) = with_claims(|c| match &c.claims {
        Some(v) => {
            let maps = claims::tenants_with_role_in_maps(v, &paths(&c.paths[3]), &refs)
                .unwrap_or_else(|e| claims_error(e));
            let global = claims::has_global_role(v, &paths(&c.paths[2]), &refs);
            (maps.iter().map(|s| uuid_bytes(s)).collect::<Vec<_>>(), global)
        }
        None => (Vec::new(), false),
    });
    if let Some((table, tenant_col, user_col, role_col)) = membership() {
        if let Some(user) = uid() {
            let sql = format!(
                "SELECT array_agg(DISTINCT {tenant_col}) FROM {table} WHERE {user_col} = $1 AND {role_col}::text = ANY ($2)"
            );
            let ids: Option<Vec<Option<Uuid>>> =
                Spi::get_one_with_args(&sql, &[user.into(), roles.clone().into()]).unwrap_or_else(|e| {
                    raise(
                        Code::ERRCODE_UNDEFINED_TABLE,
                        format!("cannot read supabase_ext.membership_table: {e}"),
                        None,
                        Some("check supabase_ext.membership_table and its column settings"),
                    )
                });
            for t in ids.unwrap_or_default().into_iter().flatten() {
                let b = *t.as_bytes();
                if !out.contains(&b) {
                    out.push(b);
                }
            }
        }
    }
    if global {
        let all = tenant_ids();
        if all.len() == 1 {
            let b = *all[0].as_bytes();
            if !out.contains(&b) {
                out.push(b);
            }
        }
    }
    out.into_iter().map(Uuid::from_bytes).collect()
}

/// Row-aware: true when the caller holds `role` in `tenant` (same sources as
/// tenant_ids_with_role). For hand-written policies:
/// `USING (supabase_ext.has_role('admin', org_id))`; the generated policies
/// use the initPlan form instead.
#[pg_extern(stable, parallel_safe, strict, name = "has_role")]
fn has_role_in(role: &str, tenant: Uuid) -> bool {
    tenant_ids_with_role(vec![Some(role.to_string())]).contains(&tenant)
}

extension_sql_file!(
    "policies.sql",
    name = "tenancy_policies",
    requires = ["bootstrap", tenant_id, tenant_ids, has_role, tenant_ids_with_role, has_role_in, setting]
);
extension_sql_file!("audit.sql", name = "tenancy_audit", requires = ["tenancy_policies"]);
