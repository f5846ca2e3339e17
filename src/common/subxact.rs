//! Run a closure in an internal subtransaction, optionally as another role,
//! and turn its ERROR into a `Result` — what PL/pgSQL's `BEGIN … EXCEPTION`
//! does, for Rust callers that must keep going after one job fails.
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::PgTryBuilder;

/// The error of a failed closure: SQLSTATE and message.
#[derive(Debug, Clone)]
pub struct Failure {
    pub sqlstate: String,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.sqlstate)
    }
}

/// Runs `f` in a subtransaction. On error the subtransaction (and everything
/// `f` did) rolls back and the caller's transaction continues.
///
/// With `as_role`, `f` runs with that role's rights as a security-restricted
/// operation (what Postgres does for REFRESH MATERIALIZED VIEW): it can't
/// `SET ROLE`/`RESET ROLE` back to the caller's rights, nor leave session
/// state behind (temporary tables, LISTEN, PREPARE). Every setting it changes
/// (`SET search_path` included, even without LOCAL) is undone when it
/// returns, so it can't plant a search_path for the privileged code that
/// runs after it. It starts with `search_path = "$user", public`.
pub fn run<R>(
    as_role: Option<pg_sys::Oid>,
    f: impl FnOnce() -> R + std::panic::UnwindSafe,
) -> Result<R, Failure> {
    // SAFETY: the standard internal-subtransaction protocol (as in PL/Python):
    // remember the memory context and resource owner, begin, and restore
    // both after release or rollback.
    unsafe {
        let ctx = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        let mut saved_user = pg_sys::InvalidOid;
        let mut saved_sec = 0;
        pg_sys::GetUserIdAndSecContext(&mut saved_user, &mut saved_sec);
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(ctx);
        let nest = pg_sys::NewGUCNestLevel();
        if let Some(role) = as_role {
            let restricted = pg_sys::SECURITY_LOCAL_USERID_CHANGE | pg_sys::SECURITY_RESTRICTED_OPERATION;
            pg_sys::SetUserIdAndSecContext(role, saved_sec | restricted as i32);
        }
        PgTryBuilder::new(move || {
            if as_role.is_some() {
                // set_config('search_path', '"$user", public', true), without
                // a statement of its own.
                pg_sys::set_config_option(
                    c"search_path".as_ptr(),
                    c"\"$user\", public".as_ptr(),
                    pg_sys::GucContext::PGC_USERSET,
                    pg_sys::GucSource::PGC_S_SESSION,
                    pg_sys::GucAction::GUC_ACTION_LOCAL,
                    true,
                    0,
                    false,
                );
            }
            let r = f();
            // Roll back every setting f changed, plain SET included (as
            // REFRESH MATERIALIZED VIEW and VACUUM do after running user code).
            pg_sys::AtEOXact_GUC(false, nest);
            pg_sys::SetUserIdAndSecContext(saved_user, saved_sec);
            pg_sys::ReleaseCurrentSubTransaction();
            pg_sys::MemoryContextSwitchTo(ctx);
            pg_sys::CurrentResourceOwner = owner;
            Ok(r)
        })
        .catch_others(move |e| {
            let report = match e {
                CaughtError::PostgresError(r)
                | CaughtError::ErrorReport(r)
                | CaughtError::RustPanic { ereport: r, .. } => r,
            };
            pg_sys::SetUserIdAndSecContext(saved_user, saved_sec);
            // Aborting the subtransaction already popped `nest` and undid its settings.
            pg_sys::RollbackAndReleaseCurrentSubTransaction();
            pg_sys::MemoryContextSwitchTo(ctx);
            pg_sys::CurrentResourceOwner = owner;
            Err(Failure {
                sqlstate: sqlstate(report.sql_error_code() as i32),
                message: report.message().to_string(),
            })
        })
        .execute()
    }
}

/// The five-character SQLSTATE of an error code (the inverse of MAKE_SQLSTATE).
pub fn sqlstate(code: i32) -> String {
    (0..5).map(|i| (((code >> (6 * i)) & 0x3F) as u8 + b'0') as char).collect()
}
