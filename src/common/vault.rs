//! `vault:<name>` secret references, resolved through supabase_vault.
//!
//! Resolved only when the `supabase_vault` extension is installed and owns
//! `vault.decrypted_secrets`: a role with CREATE on the database could
//! otherwise plant its own `vault` schema and feed us a secret it chose.
use pgrx::prelude::*;

#[derive(Debug, PartialEq, Eq)]
pub enum VaultError {
    /// supabase_vault is not installed (or does not own the view).
    NotInstalled,
    /// No secret of that name.
    Missing,
}

/// The reference's name when `value` is `vault:<name>`.
pub fn reference(value: &str) -> Option<&str> {
    value.strip_prefix("vault:")
}

pub fn installed() -> bool {
    Spi::get_one::<bool>(
        "SELECT EXISTS (
           SELECT 1 FROM pg_catalog.pg_depend d
             JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
            WHERE e.extname = 'supabase_vault'
              AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
              AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
              AND d.objid = pg_catalog.to_regclass('vault.decrypted_secrets')
              AND d.deptype = 'e')",
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// The decrypted secret named `name`.
pub fn resolve(name: &str) -> Result<String, VaultError> {
    if !installed() {
        return Err(VaultError::NotInstalled);
    }
    Spi::get_one_with_args::<String>(
        "SELECT s.decrypted_secret FROM vault.decrypted_secrets s WHERE s.name = $1",
        &[name.into()],
    )
    .ok()
    .flatten()
    .ok_or(VaultError::Missing)
}
