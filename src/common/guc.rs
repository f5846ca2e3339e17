//! Setting registration helpers. Each domain registers its own settings from
//! its `gucs.rs`; this module only holds the mechanism.
use pgrx::GucSetting;
use std::ffi::CString;

/// A string setting's value, `""` when unset.
pub fn string(setting: &GucSetting<Option<CString>>) -> String {
    setting.get().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// After every domain registered its settings: claim the `supabase_ext.`
/// prefix, so a mistyped `supabase_ext.*` name in postgresql.conf, `SET` or
/// `ALTER ROLE … SET` is an error instead of a silently ignored placeholder.
pub fn reserve_prefix() {
    // SAFETY: called from _PG_init after the settings above were defined.
    unsafe { pgrx::pg_sys::MarkGUCPrefixReserved(c"supabase_ext".as_ptr()) };
}
