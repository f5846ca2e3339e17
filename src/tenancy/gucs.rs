//! Settings of the tenancy domain: where claims live, the membership table
//! and the audit's exposed schemas. Embed-token keys are not settings: they live in
//! the owner-only table `embed_token_config` (settings are readable by
//! `pg_read_all_settings` members and, set per role or database, by PUBLIC).
use crate::common::guc::string;
use pgrx::{pg_guard, GucContext, GucFlags, GucRegistry, GucSetting};
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicU64, Ordering};

/// Bumped by Postgres on every assignment of a claim-path setting (SET,
/// RESET, and the restore when a transaction ends). The claims cache keys on
/// it, so the per-row hot path needs no string compares of the settings.
static CLAIM_PATHS_GENERATION: AtomicU64 = AtomicU64::new(0);

#[pg_guard]
unsafe extern "C-unwind" fn claim_paths_assigned(_newval: *const c_char, _extra: *mut c_void) {
    CLAIM_PATHS_GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Changes whenever any of the three claim-path settings changes.
pub fn claim_paths_generation() -> u64 {
    CLAIM_PATHS_GENERATION.load(Ordering::Relaxed)
}

/// Claim paths searched, in order, for the caller's tenant. Mirrors where
/// Supabase projects put it: a custom top-level claim first, then
/// `app_metadata` (writable only by the service role). `user_metadata` is
/// refused: users can edit it themselves.
static TENANT_CLAIM_PATHS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(
    c"tenant_id, org_id, app_metadata.tenant_id, app_metadata.org_id",
));

/// Claim paths holding arrays of tenants, for users in several organisations.
static TENANT_IDS_CLAIM_PATHS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(
    c"tenant_ids, org_ids, app_metadata.tenant_ids, app_metadata.org_ids",
));

/// Claim paths holding application roles for `has_role()`, besides the
/// Postgres `role` claim. Again never `user_metadata`.
static ROLE_CLAIM_PATHS: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"app_metadata.roles, app_metadata.role, user_role"));

/// Claim paths holding per-tenant role maps, `{"<tenant uuid>": ["admin"]}`,
/// so a role gate can check the role in the *row's* tenant. Under
/// `app_metadata` (writable only by the service role); never user_metadata.
static TENANT_ROLES_CLAIM_PATHS: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"app_metadata.tenant_roles, app_metadata.org_roles"));

/// Optional membership table `schema.table` with columns named by the three
/// settings below. Empty (the default) means memberships come from claims only:
/// a table lookup costs a query per statement, so it is opt-in.
static MEMBERSHIP_TABLE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
/// Column holding the tenant in the membership table (`org_id` in Supabase's seeds).
static MEMBERSHIP_TENANT_COLUMN: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"org_id"));
/// Column holding the user (`auth.users.id`, the JWT `sub`).
static MEMBERSHIP_USER_COLUMN: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"user_id"));
/// Column holding the member's role, used by `has_role()` for the current tenant.
static MEMBERSHIP_ROLE_COLUMN: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"role"));

/// Schemas PostgREST exposes, for `rls_audit()`'s default. Supabase exposes
/// `public` unless configured otherwise.
static RLS_EXPOSED_SCHEMAS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c"public"));

/// A claim-path setting: superuser-only, and assigning it bumps the generation.
fn define_claim_paths(
    name: &'static CStr,
    short: &'static CStr,
    long: &'static CStr,
    setting: &'static GucSetting<Option<CString>>,
) {
    // SAFETY: the hook only bumps an atomic and cannot panic.
    unsafe {
        GucRegistry::define_string_guc_with_hooks(
            name,
            short,
            long,
            setting,
            GucContext::Suset,
            GucFlags::default(),
            None,
            Some(claim_paths_assigned),
            None,
        );
    }
}

pub fn init() {
    define_claim_paths(
        c"supabase_ext.tenant_claim_paths",
        c"Comma-separated JWT claim paths searched in order for the tenant id.",
        c"Dotted paths into request.jwt.claims. Paths under user_metadata are refused.",
        &TENANT_CLAIM_PATHS,
    );
    define_claim_paths(
        c"supabase_ext.tenant_ids_claim_paths",
        c"Comma-separated JWT claim paths holding arrays of tenant ids.",
        c"",
        &TENANT_IDS_CLAIM_PATHS,
    );
    define_claim_paths(
        c"supabase_ext.tenant_roles_claim_paths",
        c"Comma-separated JWT claim paths holding per-tenant role maps {tenant: [roles]}.",
        c"",
        &TENANT_ROLES_CLAIM_PATHS,
    );
    define_claim_paths(
        c"supabase_ext.role_claim_paths",
        c"Comma-separated JWT claim paths holding application roles for has_role().",
        c"",
        &ROLE_CLAIM_PATHS,
    );
    GucRegistry::define_string_guc(
        c"supabase_ext.membership_table",
        c"Optional schema.table of tenant memberships (tenant, user, role).",
        c"Empty means memberships come from JWT claims only.",
        &MEMBERSHIP_TABLE,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"supabase_ext.membership_tenant_column",
        c"Tenant column of supabase_ext.membership_table.",
        c"",
        &MEMBERSHIP_TENANT_COLUMN,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"supabase_ext.membership_user_column",
        c"User column of supabase_ext.membership_table.",
        c"",
        &MEMBERSHIP_USER_COLUMN,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"supabase_ext.membership_role_column",
        c"Role column of supabase_ext.membership_table.",
        c"",
        &MEMBERSHIP_ROLE_COLUMN,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"supabase_ext.rls_exposed_schemas",
        c"Comma-separated schemas PostgREST exposes; the default for rls_audit().",
        c"",
        &RLS_EXPOSED_SCHEMAS,
        GucContext::Userset,
        GucFlags::default(),
    );
}

pub fn tenant_claim_paths() -> String {
    string(&TENANT_CLAIM_PATHS)
}
pub fn tenant_ids_claim_paths() -> String {
    string(&TENANT_IDS_CLAIM_PATHS)
}
pub fn role_claim_paths() -> String {
    string(&ROLE_CLAIM_PATHS)
}
pub fn tenant_roles_claim_paths() -> String {
    string(&TENANT_ROLES_CLAIM_PATHS)
}
pub fn membership_table() -> String {
    string(&MEMBERSHIP_TABLE)
}
pub fn membership_tenant_column() -> String {
    string(&MEMBERSHIP_TENANT_COLUMN)
}
pub fn membership_user_column() -> String {
    string(&MEMBERSHIP_USER_COLUMN)
}
pub fn membership_role_column() -> String {
    string(&MEMBERSHIP_ROLE_COLUMN)
}
pub fn rls_exposed_schemas() -> String {
    string(&RLS_EXPOSED_SCHEMAS)
}

/// Name and value of each setting, for `status()`.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("supabase_ext.tenant_claim_paths", tenant_claim_paths()),
        ("supabase_ext.tenant_ids_claim_paths", tenant_ids_claim_paths()),
        ("supabase_ext.role_claim_paths", role_claim_paths()),
        ("supabase_ext.tenant_roles_claim_paths", tenant_roles_claim_paths()),
        ("supabase_ext.membership_table", membership_table()),
        ("supabase_ext.membership_tenant_column", membership_tenant_column()),
        ("supabase_ext.membership_user_column", membership_user_column()),
        ("supabase_ext.membership_role_column", membership_role_column()),
        ("supabase_ext.rls_exposed_schemas", rls_exposed_schemas()),
    ]
}
