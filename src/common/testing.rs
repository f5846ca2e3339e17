//! Helpers for `#[pg_test]`s: Supabase roles, SQLSTATE capture, and a replay
//! of PostgREST's per-request protocol.
use pgrx::prelude::*;

/// Creates Supabase's roles when missing (cluster-global) and re-applies the
/// extension's grants to them.
pub fn supabase_roles() {
    Spi::run(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN CREATE ROLE service_role NOLOGIN BYPASSRLS; END IF;
         END $$",
    )
    .unwrap();
    Spi::run("SELECT supabase_ext.grant_supabase_roles()").unwrap();
    Spi::run(
        "CREATE OR REPLACE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
         BEGIN EXECUTE q; RETURN NULL; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$",
    )
    .unwrap();
}

/// The SQLSTATE `sql` raises, or `None` when it succeeds. Needs `supabase_roles()`.
pub fn sqlstate(sql: &str) -> Option<String> {
    Spi::get_one_with_args("SELECT pg_temp.sqlstate_of($1)", &[sql.into()]).unwrap()
}

/// What PostgREST does before running a request's SQL: switch role, then set
/// the request settings, all local to the transaction.
pub fn postgrest_request(role: &str, claims: &str, headers: &str, method: &str, path: &str) {
    Spi::run(&format!("SET LOCAL ROLE {}", pgrx::spi::quote_identifier(role))).unwrap();
    Spi::run_with_args(
        "SELECT set_config('request.jwt.claims', $1, true), set_config('request.headers', $2, true),
                set_config('request.method', $3, true), set_config('request.path', $4, true)",
        &[claims.into(), headers.into(), method.into(), path.into()],
    )
    .unwrap();
}

pub fn reset_role() {
    Spi::run("RESET ROLE").unwrap();
}

/// Schedules `command` with the real pg_cron (the PG15 lane preloads it) and
/// returns the command as pg_cron stored it, for the test to run exactly as
/// the scheduler would.
#[cfg(feature = "pg15")]
pub fn pg_cron_command(job: &str, schedule: &str, command: &str) -> String {
    Spi::run("CREATE EXTENSION IF NOT EXISTS pg_cron").unwrap();
    let id: i64 = Spi::get_one_with_args(
        "SELECT cron.schedule($1, $2, $3)",
        &[job.into(), schedule.into(), command.into()],
    )
    .unwrap()
    .unwrap();
    Spi::get_one_with_args("SELECT command FROM cron.job WHERE jobid = $1", &[id.into()]).unwrap().unwrap()
}
