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

/// Reads one `supabase_ext.*` setting through the library. SQL in our
/// scripts calls this instead of `current_setting()`: calling a C function
/// loads the library first, so the setting exists even in a fresh
/// connection (where `current_setting('supabase_ext.…')` would fail, or
/// with missing_ok read NULL and silently fall back).
#[pgrx::pg_extern(stable, parallel_safe, strict)]
pub fn setting(name: &str) -> Option<String> {
    if !name.starts_with("supabase_ext.") {
        crate::common::errors::raise(
            crate::common::errors::Code::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("supabase_ext.setting() reads supabase_ext.* settings only, not \"{name}\""),
            None,
            Some("use current_setting() for other settings"),
        )
    }
    let c = CString::new(name).ok()?;
    // SAFETY: missing_ok lookup of a registered setting; the returned string
    // is copied before the next GUC change.
    unsafe {
        let p = pgrx::pg_sys::GetConfigOptionByName(c.as_ptr(), std::ptr::null_mut(), true);
        (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}
