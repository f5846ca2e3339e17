//! Reading tenancy facts out of PostgREST / Supabase JWT claims.
//!
//! PostgREST verifies the JWT and puts its payload, as JSON text, in the
//! setting `request.jwt.claims`. PostgREST before v9 (and therefore older
//! Supabase projects) instead set one setting per top-level claim:
//! `request.jwt.claim.sub`, `request.jwt.claim.role`, ... Both are read by the
//! glue with `current_setting(..., true)` and handed to this module as text.
//!
//! Security rules enforced here:
//!
//! * `user_metadata` is editable by the end user (`supabase.auth.updateUser`),
//!   so no configured claim path may start with it: tenancy and roles may only
//!   come from claims the user cannot change (top level, `app_metadata`).
//! * Malformed values fail closed with an error instead of being skipped: a
//!   tenant claim that is present but not a UUID is a configuration or forgery
//!   problem, and silently falling through to the next path could select a
//!   different tenant.

use serde_json::{Map, Value};
use std::fmt;

/// Default search order for the caller's single tenant id.
pub const DEFAULT_TENANT_PATHS: &str = "tenant_id, org_id, app_metadata.tenant_id, app_metadata.org_id";
/// Default claims holding arrays of tenant ids (multi-tenant membership).
pub const DEFAULT_TENANT_IDS_PATHS: &str =
    "tenant_ids, org_ids, app_metadata.tenant_ids, app_metadata.org_ids";
/// Default claims holding application roles (string or array of strings).
pub const DEFAULT_ROLES_PATHS: &str = "app_metadata.roles, app_metadata.role, user_role";
/// Default paths of per-tenant role maps: `{"<tenant uuid>": ["admin", …]}`.
pub const DEFAULT_TENANT_ROLES_PATHS: &str = "app_metadata.tenant_roles, app_metadata.org_roles";

/// Longest serde error message kept in [`ClaimsError::InvalidJson`]; serde_json
/// messages do not echo input, and the cap keeps it that way for log lines.
const MAX_JSON_ERROR_CHARS: usize = 60;

/// Errors from claims parsing and lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimsError {
    /// The claims setting is not valid JSON (serde's message, at most 60 chars;
    /// the input itself is never echoed since it may hold personal data).
    InvalidJson(String),
    /// The claims setting is valid JSON but not an object.
    NotAnObject,
    /// A claim path list is empty or has an empty / whitespace-padded segment.
    InvalidPath(String),
    /// A claim path starts with `user_metadata`, which users can edit.
    ForbiddenPath(String),
    /// A tenant/subject claim is present but not a hyphenated UUID string.
    /// `claim` is the dotted path (with `[i]` for array elements).
    InvalidUuid { claim: String },
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimsError::InvalidJson(m) => write!(f, "request.jwt.claims is not valid JSON: {m}"),
            ClaimsError::NotAnObject => f.write_str("request.jwt.claims is not a JSON object"),
            ClaimsError::InvalidPath(p) => write!(f, "invalid claim path: {p:?}"),
            ClaimsError::ForbiddenPath(p) => {
                write!(f, "claim path {p:?} is not allowed: user_metadata is editable by end users")
            }
            ClaimsError::InvalidUuid { claim } => {
                write!(f, "claim {claim:?} is not a valid UUID")
            }
        }
    }
}

impl std::error::Error for ClaimsError {}

/// Parses the raw `request.jwt.claims` setting.
///
/// `None`, `""` and whitespace-only give `Ok(None)`: a custom setting that was
/// set in an earlier transaction reads back as `''` rather than NULL, which
/// means "no claims", not an error.
pub fn parse_claims(raw: Option<&str>) -> Result<Option<Value>, ClaimsError> {
    let Some(raw) = raw.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    match serde_json::from_str::<Value>(raw) {
        Ok(v @ Value::Object(_)) => Ok(Some(v)),
        Ok(_) => Err(ClaimsError::NotAnObject),
        Err(e) => Err(ClaimsError::InvalidJson(truncate(&e.to_string(), MAX_JSON_ERROR_CHARS))),
    }
}

/// Builds the effective claims from `request.jwt.claims` plus legacy
/// per-claim settings (`request.jwt.claim.<name>`), given as `(name, value)`.
///
/// `request.jwt.claims` wins: legacy values only fill keys that are absent,
/// because a PostgREST that sets both sets them from the same token, and the
/// JSON form preserves types. Empty/whitespace-only legacy values (and empty
/// names) are ignored, since unset settings read back as `''`.
///
/// Legacy values are strings, except that PostgREST < 9 stored object and
/// array claims as their JSON text; a value starting with `{` or `[` that
/// parses as a JSON object/array is therefore stored structurally, so paths
/// such as `app_metadata.tenant_id` work on old deployments too.
///
/// Returns `None` only if there were no claims and no usable legacy values.
/// `Some({})` stays `Some({})`, and a non-object `claims` value is returned
/// unchanged (nothing can be merged into it).
pub fn merge_legacy(claims: Option<Value>, legacy: &[(&str, Option<&str>)]) -> Option<Value> {
    let had_claims = claims.is_some();
    let mut map = match claims {
        Some(Value::Object(m)) => m,
        Some(other) => return Some(other),
        None => Map::new(),
    };
    let mut used_legacy = false;
    for (name, value) in legacy {
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        used_legacy = true;
        if !map.contains_key(*name) {
            map.insert((*name).to_string(), legacy_value(value));
        }
    }
    (had_claims || used_legacy).then_some(Value::Object(map))
}

fn legacy_value(v: &str) -> Value {
    let t = v.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(parsed @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str(v) {
            return parsed;
        }
    }
    Value::String(v.to_string())
}

/// A parsed list of dotted claim paths, searched in order.
///
/// Syntax: comma-separated paths, each trimmed; segments separated by `.`,
/// each non-empty and without surrounding whitespace. Keys containing `.` or
/// `,` cannot be addressed (no Supabase claim has them). Any path whose first
/// segment is `user_metadata` (case-insensitive, to catch typos that would
/// otherwise be a silent no-op today and a hole if the JSON changed) is
/// [`ClaimsError::ForbiddenPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPaths(Vec<Vec<String>>);

impl ClaimPaths {
    pub fn parse(spec: &str) -> Result<ClaimPaths, ClaimsError> {
        if spec.trim().is_empty() {
            return Err(ClaimsError::InvalidPath(String::new()));
        }
        let mut paths = Vec::new();
        for raw in spec.split(',') {
            let path = raw.trim();
            let segments: Vec<String> = path.split('.').map(str::to_string).collect();
            // Checked first (on the trimmed segment) so a forbidden path is
            // always reported as such, whatever else is wrong with it.
            if segments[0].trim().eq_ignore_ascii_case("user_metadata") {
                return Err(ClaimsError::ForbiddenPath(truncate(path, 100)));
            }
            if path.is_empty() || segments.iter().any(|s| s.is_empty() || s.trim() != s) {
                return Err(ClaimsError::InvalidPath(truncate(path, 100)));
            }
            paths.push(segments);
        }
        Ok(ClaimPaths(paths))
    }

    pub fn paths(&self) -> &[Vec<String>] {
        &self.0
    }
}

/// Follows `path` through nested objects. Returns `None` if any step is
/// missing or not an object (arrays are not indexed). A JSON `null` at the end
/// is returned as `Some(Null)`; callers treat it as absent.
pub fn lookup<'a>(claims: &'a Value, path: &[String]) -> Option<&'a Value> {
    if path.is_empty() {
        return None;
    }
    path.iter().try_fold(claims, |v, seg| v.as_object()?.get(seg))
}

/// The caller's tenant: the first path resolving to a non-null value, which
/// must be a hyphenated UUID string (any case); returned in canonical
/// lowercase hyphenated form so it compares equal to Postgres' `uuid::text`.
///
/// A present-but-invalid value is an error rather than a fall-through to the
/// next path (see module docs). The nil UUID is accepted like any other.
pub fn tenant_id(claims: &Value, paths: &ClaimPaths) -> Result<Option<String>, ClaimsError> {
    for path in paths.paths() {
        match lookup(claims, path) {
            None | Some(Value::Null) => continue,
            Some(v) => return canonical_uuid(v, || path.join(".")).map(Some),
        }
    }
    Ok(None)
}

/// All tenants of the caller: the elements of every array claim at
/// `array_paths` (in path order, then element order), followed by
/// [`tenant_id`]`(claims, single)` if present; deduplicated keeping the first
/// occurrence. Every element must be a UUID string; a non-array, non-null
/// value at an array path is also [`ClaimsError::InvalidUuid`].
///
/// Unlike `single`, every array path contributes (membership is a union).
pub fn tenant_ids(
    claims: &Value,
    single: &ClaimPaths,
    array_paths: &ClaimPaths,
) -> Result<Vec<String>, ClaimsError> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |id: String| {
        if !out.contains(&id) {
            out.push(id);
        }
    };
    for path in array_paths.paths() {
        match lookup(claims, path) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    push(canonical_uuid(item, || format!("{}[{i}]", path.join(".")))?);
                }
            }
            Some(_) => return Err(ClaimsError::InvalidUuid { claim: path.join(".") }),
        }
    }
    if let Some(id) = tenant_id(claims, single)? {
        push(id);
    }
    Ok(out)
}

/// The `sub` claim as a canonical UUID (Supabase user id). Absent or null →
/// `None`; present but not a UUID string → [`ClaimsError::InvalidUuid`].
pub fn subject(claims: &Value) -> Result<Option<String>, ClaimsError> {
    match claims.get("sub") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => canonical_uuid(v, || "sub".to_string()).map(Some),
    }
}

/// The `role` claim (the Postgres role PostgREST switches to), if it is a string.
pub fn role(claims: &Value) -> Option<String> {
    claims.get("role")?.as_str().map(str::to_string)
}

/// True if `role` equals the `role` claim or appears at any of `roles_paths`
/// (a string, or an array whose string elements are compared; other elements
/// are ignored). Comparison is exact and case-sensitive, and an empty `role`
/// never matches, so an empty-string claim grants nothing.
pub fn has_role(claims: &Value, roles_paths: &ClaimPaths, role: &str) -> bool {
    if role.is_empty() {
        return false;
    }
    if claims.get("role").and_then(Value::as_str) == Some(role) {
        return true;
    }
    roles_paths.paths().iter().any(|path| match lookup(claims, path) {
        Some(Value::String(s)) => s == role,
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(role)),
        _ => false,
    })
}

/// Accepts only the 36-character hyphenated form (the uuid crate alone would
/// also take simple, braced and URN forms), in any case.
/// Tenants whose per-tenant role map (`{"<tenant uuid>": ["admin", …]}` or
/// `{"<tenant uuid>": "admin"}` at any of `map_paths`) gives the caller one
/// of `roles`. A key that is not a UUID is an error, not skipped: a typo in
/// a role map must not silently drop (or grant) access.
pub fn tenants_with_role_in_maps(
    claims: &Value,
    map_paths: &ClaimPaths,
    roles: &[&str],
) -> Result<Vec<String>, ClaimsError> {
    let mut out: Vec<String> = Vec::new();
    for path in map_paths.paths() {
        match lookup(claims, path) {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (tenant, held) in map {
                    let id = canonical_uuid(&Value::String(tenant.clone()), || {
                        format!("{}.{tenant}", path.join("."))
                    })?;
                    let has = match held {
                        Value::String(r) => roles.contains(&r.as_str()),
                        Value::Array(items) => {
                            items.iter().any(|i| i.as_str().is_some_and(|r| roles.contains(&r)))
                        }
                        _ => false,
                    };
                    if has && !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
            Some(_) => {
                return Err(ClaimsError::InvalidPath(format!(
                    "{} is not an object of tenant roles",
                    path.join(".")
                )))
            }
        }
    }
    Ok(out)
}

/// Whether the caller holds one of `roles` in the tenant-agnostic role claims
/// (`roles_paths`, e.g. `app_metadata.roles`). Unlike [`has_role`], the
/// Postgres `role` claim (`authenticated`) does not count: it is not an
/// application role. Such global roles are row-aware only for callers with
/// exactly one tenant, which the caller of this function checks.
pub fn has_global_role(claims: &Value, roles_paths: &ClaimPaths, roles: &[&str]) -> bool {
    roles_paths.paths().iter().any(|path| match lookup(claims, path) {
        Some(Value::String(s)) => roles.contains(&s.as_str()),
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str().is_some_and(|r| roles.contains(&r))),
        _ => false,
    })
}

fn canonical_uuid(v: &Value, claim: impl FnOnce() -> String) -> Result<String, ClaimsError> {
    v.as_str()
        .filter(|s| s.len() == 36)
        .and_then(|s| uuid::Uuid::try_parse(s).ok())
        .map(|u| u.hyphenated().to_string())
        .ok_or_else(|| ClaimsError::InvalidUuid { claim: claim() })
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const A: &str = "aaaaaaaa-0000-4000-8000-000000000001";
    const B: &str = "bbbbbbbb-0000-4000-8000-000000000002";

    #[test]
    fn per_tenant_role_maps() {
        let maps = ClaimPaths::parse(DEFAULT_TENANT_ROLES_PATHS).unwrap();
        let c = json!({"app_metadata": {"tenant_roles": {A: ["admin"], B: "viewer"}}});
        assert_eq!(tenants_with_role_in_maps(&c, &maps, &["admin"]).unwrap(), vec![A]);
        assert_eq!(tenants_with_role_in_maps(&c, &maps, &["viewer", "admin"]).unwrap().len(), 2);
        assert!(tenants_with_role_in_maps(&c, &maps, &["owner"]).unwrap().is_empty());
        let bad = json!({"app_metadata": {"tenant_roles": {"not-a-uuid": ["admin"]}}});
        assert!(tenants_with_role_in_maps(&bad, &maps, &["admin"]).is_err());
        let wrong = json!({"app_metadata": {"org_roles": ["admin"]}});
        assert!(tenants_with_role_in_maps(&wrong, &maps, &["admin"]).is_err());
        // user_metadata can't be configured as a map path.
        assert!(ClaimPaths::parse("user_metadata.tenant_roles").is_err());
    }

    #[test]
    fn global_roles_ignore_the_postgres_role_claim() {
        let paths = ClaimPaths::parse(DEFAULT_ROLES_PATHS).unwrap();
        assert!(!has_global_role(&json!({"role": "admin"}), &paths, &["admin"]));
        assert!(has_global_role(&json!({"app_metadata": {"roles": ["admin"]}}), &paths, &["admin"]));
        assert!(has_global_role(&json!({"app_metadata": {"role": "admin"}}), &paths, &["admin", "x"]));
    }

    const T1: &str = "0d7a3f1e-1111-4222-8333-444455556666";
    const T2: &str = "9b2c7e40-aaaa-4bbb-8ccc-dddddddddddd";
    const T3: &str = "123e4567-e89b-42d3-a456-426614174000";

    fn paths(s: &str) -> ClaimPaths {
        ClaimPaths::parse(s).unwrap()
    }

    fn defaults() -> (ClaimPaths, ClaimPaths, ClaimPaths) {
        (paths(DEFAULT_TENANT_PATHS), paths(DEFAULT_TENANT_IDS_PATHS), paths(DEFAULT_ROLES_PATHS))
    }

    #[test]
    fn empty_setting_is_no_claims() {
        for raw in [None, Some(""), Some("   "), Some("\n\t ")] {
            assert_eq!(parse_claims(raw), Ok(None), "{raw:?}");
        }
    }

    #[test]
    fn parses_object() {
        let raw = format!(r#"{{"sub":"{T1}","role":"authenticated"}}"#);
        assert_eq!(parse_claims(Some(&raw)), Ok(Some(json!({"sub": T1, "role": "authenticated"}))));
    }

    #[test]
    fn malformed_json_is_invalid_json_without_echo() {
        let secret_looking = "{\"email\":\"victim@example.com\", oops";
        match parse_claims(Some(secret_looking)) {
            Err(ClaimsError::InvalidJson(m)) => {
                assert!(!m.contains("victim"), "{m}");
                assert!(m.chars().count() <= MAX_JSON_ERROR_CHARS + 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_claims(Some("{")), Err(ClaimsError::InvalidJson(_))));
        assert!(matches!(parse_claims(Some("{} x")), Err(ClaimsError::InvalidJson(_))));
    }

    #[test]
    fn non_object_rejected() {
        for raw in ["[]", "null", "\"x\"", "42", "true"] {
            assert_eq!(parse_claims(Some(raw)), Err(ClaimsError::NotAnObject), "{raw}");
        }
    }

    #[test]
    fn claim_paths_parse() {
        let p = paths(DEFAULT_TENANT_PATHS);
        assert_eq!(
            p.paths(),
            &[
                vec!["tenant_id".to_string()],
                vec!["org_id".to_string()],
                vec!["app_metadata".to_string(), "tenant_id".to_string()],
                vec!["app_metadata".to_string(), "org_id".to_string()],
            ]
        );
        assert_eq!(paths("  a.b  ,c ").paths().len(), 2);
        paths(DEFAULT_TENANT_IDS_PATHS);
        paths(DEFAULT_ROLES_PATHS);
    }

    #[test]
    fn claim_paths_invalid() {
        for bad in ["", "  ", "a,", ",a", "a,,b", "a..b", ".a", "a.", "a. b", "a .b", "."] {
            assert!(matches!(ClaimPaths::parse(bad), Err(ClaimsError::InvalidPath(_))), "{bad:?}");
        }
    }

    #[test]
    fn user_metadata_paths_forbidden() {
        for bad in [
            "user_metadata.tenant_id",
            "tenant_id, user_metadata.org_id",
            "USER_METADATA.tenant_id",
            "User_Metadata",
            " user_metadata . x",
        ] {
            let r = ClaimPaths::parse(bad);
            assert!(matches!(r, Err(ClaimsError::ForbiddenPath(_))), "{bad:?}: {r:?}");
        }
        assert!(matches!(
            ClaimPaths::parse("user_metadata.tenant_id"),
            Err(ClaimsError::ForbiddenPath(p)) if p == "user_metadata.tenant_id"
        ));
        // Only the first segment matters.
        assert!(ClaimPaths::parse("app_metadata.user_metadata").is_ok());
    }

    #[test]
    fn default_path_order() {
        let (single, _, _) = defaults();
        let all = json!({
            "tenant_id": T1,
            "org_id": T2,
            "app_metadata": {"tenant_id": T3, "org_id": T3}
        });
        assert_eq!(tenant_id(&all, &single), Ok(Some(T1.to_string())));
        let no_tenant = json!({"org_id": T2, "app_metadata": {"tenant_id": T3}});
        assert_eq!(tenant_id(&no_tenant, &single), Ok(Some(T2.to_string())));
        let app_only = json!({"app_metadata": {"tenant_id": T3, "org_id": T1}});
        assert_eq!(tenant_id(&app_only, &single), Ok(Some(T3.to_string())));
        let app_org = json!({"app_metadata": {"org_id": T1}});
        assert_eq!(tenant_id(&app_org, &single), Ok(Some(T1.to_string())));
        // Null is treated as absent.
        let null_first = json!({"tenant_id": null, "org_id": T2});
        assert_eq!(tenant_id(&null_first, &single), Ok(Some(T2.to_string())));
        assert_eq!(tenant_id(&json!({}), &single), Ok(None));
    }

    #[test]
    fn user_metadata_ignored_by_defaults() {
        let (single, multi, roles) = defaults();
        let claims = json!({
            "sub": T1,
            "user_metadata": {"tenant_id": T2, "tenant_ids": [T2], "roles": ["admin"], "role": "admin"}
        });
        assert_eq!(tenant_id(&claims, &single), Ok(None));
        assert_eq!(tenant_ids(&claims, &single, &multi), Ok(vec![]));
        assert!(!has_role(&claims, &roles, "admin"));
    }

    #[test]
    fn invalid_tenant_fails_closed() {
        let (single, _, _) = defaults();
        for bad in [
            json!("not-a-uuid"),
            json!(""),
            json!(42),
            json!(true),
            json!({"id": T1}),
            json!([T1]),
            json!("0d7a3f1e111142228333444455556666"),
            json!("{0d7a3f1e-1111-4222-8333-444455556666}"),
            json!("urn:uuid:0d7a3f1e-1111-4222-8333-444455556666"),
            json!(" 0d7a3f1e-1111-4222-8333-444455556666"),
        ] {
            // An invalid org_id must not fall through to a valid app_metadata one.
            let claims = json!({"org_id": bad, "app_metadata": {"tenant_id": T1}});
            assert_eq!(
                tenant_id(&claims, &single),
                Err(ClaimsError::InvalidUuid { claim: "org_id".into() }),
                "{bad}"
            );
        }
        let nested = json!({"app_metadata": {"org_id": "nope"}});
        assert_eq!(
            tenant_id(&nested, &single),
            Err(ClaimsError::InvalidUuid { claim: "app_metadata.org_id".into() })
        );
    }

    #[test]
    fn uuid_canonicalised() {
        let (single, multi, _) = defaults();
        let claims = json!({"tenant_id": T1.to_uppercase(), "sub": "123E4567-E89B-42D3-A456-426614174000"});
        assert_eq!(tenant_id(&claims, &single), Ok(Some(T1.to_string())));
        assert_eq!(subject(&claims), Ok(Some(T3.to_string())));
        let mixed = json!({"tenant_ids": ["0D7A3F1E-1111-4222-8333-444455556666", T1]});
        assert_eq!(tenant_ids(&mixed, &single, &multi), Ok(vec![T1.to_string()]));
    }

    #[test]
    fn tenant_ids_union_and_dedup() {
        let (single, multi, _) = defaults();
        let claims = json!({
            "tenant_id": T3,
            "tenant_ids": [T1, T2],
            "org_ids": [T2.to_uppercase(), T3],
            "app_metadata": {"tenant_ids": [T1], "org_ids": []}
        });
        assert_eq!(
            tenant_ids(&claims, &single, &multi),
            Ok(vec![T1.to_string(), T2.to_string(), T3.to_string()])
        );
        // Only the single claim.
        let only_single = json!({"app_metadata": {"tenant_id": T2}});
        assert_eq!(tenant_ids(&only_single, &single, &multi), Ok(vec![T2.to_string()]));
        // Single appended after the arrays.
        let both = json!({"org_id": T1, "app_metadata": {"org_ids": [T2]}});
        assert_eq!(tenant_ids(&both, &single, &multi), Ok(vec![T2.to_string(), T1.to_string()]));
        assert_eq!(tenant_ids(&json!({}), &single, &multi), Ok(vec![]));
        assert_eq!(tenant_ids(&json!({"tenant_ids": null}), &single, &multi), Ok(vec![]));
    }

    #[test]
    fn tenant_ids_invalid_elements() {
        let (single, multi, _) = defaults();
        assert_eq!(
            tenant_ids(&json!({"tenant_ids": [T1, "x"]}), &single, &multi),
            Err(ClaimsError::InvalidUuid { claim: "tenant_ids[1]".into() })
        );
        assert_eq!(
            tenant_ids(&json!({"app_metadata": {"org_ids": [null]}}), &single, &multi),
            Err(ClaimsError::InvalidUuid { claim: "app_metadata.org_ids[0]".into() })
        );
        assert_eq!(
            tenant_ids(&json!({"tenant_ids": T1}), &single, &multi),
            Err(ClaimsError::InvalidUuid { claim: "tenant_ids".into() })
        );
        // An invalid single tenant also fails the whole list.
        assert_eq!(
            tenant_ids(&json!({"tenant_ids": [T1], "tenant_id": 5}), &single, &multi),
            Err(ClaimsError::InvalidUuid { claim: "tenant_id".into() })
        );
    }

    #[test]
    fn subject_and_role() {
        assert_eq!(subject(&json!({})), Ok(None));
        assert_eq!(subject(&json!({"sub": null})), Ok(None));
        assert_eq!(subject(&json!({"sub": T1})), Ok(Some(T1.to_string())));
        assert_eq!(
            subject(&json!({"sub": "github|123"})),
            Err(ClaimsError::InvalidUuid { claim: "sub".into() })
        );
        assert_eq!(subject(&json!({"sub": 7})), Err(ClaimsError::InvalidUuid { claim: "sub".into() }));
        assert_eq!(role(&json!({"role": "authenticated"})), Some("authenticated".into()));
        assert_eq!(role(&json!({"role": 1})), None);
        assert_eq!(role(&json!({})), None);
    }

    #[test]
    fn has_role_sources() {
        let (_, _, roles) = defaults();
        let c = json!({
            "role": "authenticated",
            "app_metadata": {"roles": ["editor", 5, null, "billing"], "role": "owner"},
            "user_role": "auditor"
        });
        assert!(has_role(&c, &roles, "authenticated"));
        assert!(has_role(&c, &roles, "editor"));
        assert!(has_role(&c, &roles, "billing"));
        assert!(has_role(&c, &roles, "owner"));
        assert!(has_role(&c, &roles, "auditor"));
        assert!(!has_role(&c, &roles, "Editor"), "case-sensitive");
        assert!(!has_role(&c, &roles, "admin"));
        assert!(!has_role(&c, &roles, "5"));
        assert!(!has_role(&c, &roles, ""));
        assert!(!has_role(&json!({"role": ""}), &roles, ""));
        assert!(!has_role(&json!({}), &roles, "anon"));
        // Nested arrays are not flattened.
        let nested = json!({"app_metadata": {"roles": [["admin"]]}});
        assert!(!has_role(&nested, &roles, "admin"));
    }

    #[test]
    fn lookup_walks_objects_only() {
        let c = json!({"a": {"b": {"c": 1}}, "arr": [{"x": 1}], "s": "str"});
        let p = |s: &str| s.split('.').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(lookup(&c, &p("a.b.c")), Some(&json!(1)));
        assert_eq!(lookup(&c, &p("a.b")), Some(&json!({"c": 1})));
        assert_eq!(lookup(&c, &p("a.x")), None);
        assert_eq!(lookup(&c, &p("arr.0.x")), None);
        assert_eq!(lookup(&c, &p("s.len")), None);
        assert_eq!(lookup(&c, &[]), None);
        assert_eq!(lookup(&json!([1]), &p("0")), None);
    }

    #[test]
    fn legacy_merge() {
        // Nothing at all.
        assert_eq!(merge_legacy(None, &[]), None);
        assert_eq!(merge_legacy(None, &[("sub", Some("")), ("role", None), ("email", Some("  "))]), None);
        // Legacy only.
        assert_eq!(
            merge_legacy(None, &[("sub", Some(T1)), ("role", Some("authenticated")), ("email", None)]),
            Some(json!({"sub": T1, "role": "authenticated"}))
        );
        // request.jwt.claims wins; legacy fills gaps only.
        let claims = json!({"sub": T1, "role": "authenticated"});
        assert_eq!(
            merge_legacy(
                Some(claims.clone()),
                &[("role", Some("service_role")), ("email", Some("a@b.c")), ("sub", Some(T2))]
            ),
            Some(json!({"sub": T1, "role": "authenticated", "email": "a@b.c"}))
        );
        // Empty object kept; empty legacy ignored.
        assert_eq!(merge_legacy(Some(json!({})), &[("role", Some(""))]), Some(json!({})));
        // JSON-text object claims from PostgREST < 9 become structured.
        let merged = merge_legacy(
            None,
            &[
                ("app_metadata", Some(&format!(r#"{{"tenant_id":"{T2}"}}"#))),
                ("note", Some("{not json")),
                ("n", Some("42")),
            ],
        )
        .unwrap();
        assert_eq!(merged["note"], json!("{not json"));
        assert_eq!(merged["n"], json!("42"));
        assert_eq!(tenant_id(&merged, &paths(DEFAULT_TENANT_PATHS)), Ok(Some(T2.to_string())));
        // Non-object claims returned unchanged.
        assert_eq!(merge_legacy(Some(json!([1])), &[("sub", Some(T1))]), Some(json!([1])));
        // Empty names ignored.
        assert_eq!(merge_legacy(None, &[("", Some("x"))]), None);
    }

    #[test]
    fn error_messages() {
        let e = ClaimsError::ForbiddenPath("user_metadata.x".into());
        assert!(e.to_string().contains("user_metadata is editable"));
        let e = ClaimsError::InvalidUuid { claim: "sub".into() };
        assert_eq!(e.to_string(), r#"claim "sub" is not a valid UUID"#);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn parse_never_panics(s in ".{0,120}") {
            if let Ok(Some(v)) = parse_claims(Some(&s)) {
                prop_assert!(v.is_object());
            }
        }

        #[test]
        fn paths_parse_never_panics(s in "[a-zA-Z_., ]{0,40}") {
            if let Ok(p) = ClaimPaths::parse(&s) {
                prop_assert!(!p.paths().is_empty());
                for path in p.paths() {
                    prop_assert!(!path[0].eq_ignore_ascii_case("user_metadata"));
                }
            }
        }

        #[test]
        fn uuid_round_trip(bytes in any::<[u8; 16]>(), upper in any::<bool>()) {
            let u = uuid::Uuid::from_bytes(bytes).hyphenated().to_string();
            let input = if upper { u.to_uppercase() } else { u.clone() };
            let c = json!({"tenant_id": input, "sub": input});
            prop_assert_eq!(tenant_id(&c, &paths(DEFAULT_TENANT_PATHS)), Ok(Some(u.clone())));
            prop_assert_eq!(subject(&c), Ok(Some(u)));
        }
    }
}
