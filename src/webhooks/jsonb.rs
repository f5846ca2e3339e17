//! Argument types that read `jsonb` straight from the datum.
//!
//! pgrx's `JsonB` argument prints the jsonb to text and re-parses it with
//! serde. For `webhook_verify` that round trip, done twice per call (headers
//! and options), cost more than the HMAC itself (BENCHMARKS.md: a 3.7 µs fixed
//! cost per 1 KiB delivery). These types walk the jsonb with Postgres's own
//! iterator instead, and fall back to the serde path for anything unusual
//! (non-string values, non-objects), so behaviour is unchanged.
use pgrx::callconv::{Arg, ArgAbi};
use pgrx::nullable::Nullable;
use pgrx::prelude::*;
use pgrx::{FromDatum, JsonB};
use supabase_ext_core::webhooks::{request, Headers, WebhookError};

/// A `jsonb` header object, already turned into a case-insensitive bag.
pub struct JsonbHeaders(pub Result<Headers, WebhookError>);

/// The headers of a delivery to store: parsed like [`JsonbHeaders`], plus
/// what goes into `webhook_events.headers`. Without caller credentials to
/// redact (the common case) that is the caller's own datum, stored without
/// the jsonb -> text -> serde -> text -> jsonb round trip.
pub struct JsonbHeadersStored {
    pub headers: Result<Headers, WebhookError>,
    pub stored: StoredHeaders,
}

pub enum StoredHeaders {
    /// The detoasted jsonb datum, valid for the rest of the call.
    Datum(pg_sys::Datum),
    /// A redacted copy.
    Json(serde_json::Value),
}

/// A small `jsonb` options object; `'{}'` costs nothing.
pub struct JsonbOptions(pub serde_json::Value);

pgrx::impl_sql_translatable!(JsonbHeaders, "jsonb");
pgrx::impl_sql_translatable!(JsonbOptions, "jsonb");
pgrx::impl_sql_translatable!(JsonbHeadersStored, "jsonb");

/// SAFETY: `datum` is a non-null jsonb datum; the detoasted copy lives in the
/// current memory context for the rest of the call.
unsafe fn detoast(datum: pg_sys::Datum) -> *mut pg_sys::Jsonb {
    // Not the `_packed` variant: the Jsonb struct needs a 4-byte header.
    unsafe { pg_sys::pg_detoast_datum(datum.cast_mut_ptr()) as *mut pg_sys::Jsonb }
}

/// The object's string members, or None to take the serde path.
unsafe fn string_members(jb: *mut pg_sys::Jsonb) -> Option<Vec<(String, String)>> {
    use pg_sys::JsonbIteratorToken::{WJB_BEGIN_OBJECT, WJB_DONE, WJB_END_OBJECT, WJB_KEY, WJB_VALUE};
    unsafe {
        let text = |v: &pg_sys::JsonbValue| -> Option<String> {
            let s = v.val.string;
            let bytes = std::slice::from_raw_parts(s.val as *const u8, usize::try_from(s.len).ok()?);
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        };
        let mut it = pg_sys::JsonbIteratorInit(&mut (*jb).root);
        let mut v: pg_sys::JsonbValue = std::mem::zeroed();
        if pg_sys::JsonbIteratorNext(&mut it, &mut v, true) != WJB_BEGIN_OBJECT {
            return None;
        }
        let mut out = Vec::new();
        let mut key = None;
        loop {
            match pg_sys::JsonbIteratorNext(&mut it, &mut v, true) {
                WJB_KEY => key = Some(text(&v)?),
                WJB_VALUE if v.type_ == pg_sys::jbvType::jbvString => out.push((key.take()?, text(&v)?)),
                WJB_END_OBJECT | WJB_DONE => return Some(out),
                _ => return None,
            }
        }
    }
}

impl FromDatum for JsonbHeaders {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, oid: pg_sys::Oid) -> Option<Self> {
        if is_null {
            return None;
        }
        unsafe {
            let headers = match string_members(detoast(datum)) {
                Some(pairs) => Ok(Headers::from_pairs(pairs)),
                None => Headers::from_json(&JsonB::from_polymorphic_datum(datum, false, oid)?.0),
            };
            Some(JsonbHeaders(headers))
        }
    }
}

impl FromDatum for JsonbHeadersStored {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, oid: pg_sys::Oid) -> Option<Self> {
        if is_null {
            return None;
        }
        unsafe {
            let jb = detoast(datum);
            Some(match string_members(jb) {
                Some(pairs) if !pairs.iter().any(|(k, _)| request::is_caller_credential(k)) => {
                    JsonbHeadersStored {
                        headers: Ok(Headers::from_pairs(pairs)),
                        stored: StoredHeaders::Datum(pg_sys::Datum::from(jb)),
                    }
                }
                _ => {
                    let v = JsonB::from_polymorphic_datum(datum, false, oid)?.0;
                    JsonbHeadersStored {
                        headers: Headers::from_json(&v),
                        stored: StoredHeaders::Json(request::redact(&v)),
                    }
                }
            })
        }
    }
}

impl FromDatum for JsonbOptions {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, oid: pg_sys::Oid) -> Option<Self> {
        if is_null {
            return None;
        }
        unsafe {
            let jb = detoast(datum);
            let header = (*jb).root.header;
            if header & pg_sys::JB_FOBJECT != 0 && header & pg_sys::JB_CMASK == 0 {
                return Some(JsonbOptions(serde_json::Value::Object(Default::default())));
            }
            Some(JsonbOptions(JsonB::from_polymorphic_datum(datum, false, oid)?.0))
        }
    }
}

macro_rules! arg_from_datum {
    ($($t:ty),*) => {$(
        unsafe impl<'fcx> ArgAbi<'fcx> for $t {
            unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
                let index = arg.index();
                unsafe {
                    arg.unbox_arg_using_from_datum()
                        .unwrap_or_else(|| panic!("argument {index} must not be null"))
                }
            }
            unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
                unsafe { arg.unbox_arg_using_from_datum().into() }
            }
        }
    )*};
}
arg_from_datum!(JsonbHeaders, JsonbHeadersStored, JsonbOptions);
