//! HS256/384/512 JWTs and short-lived embed tokens. The verification rules
//! (no `alg: none`, allow-listed algorithms, constant-time compare, exp/nbf)
//! live in `supabase_ext_core::tenancy::jwt`.
use crate::common::errors::{raise, Code};
use crate::common::time::{interval_secs, now_unix, unix_secs};
use crate::common::vault;
use pgrx::prelude::*;
use pgrx::JsonB;
use supabase_ext_core::tenancy::embed;
use supabase_ext_core::tenancy::jwt::{self as jwt_core, Alg};

fn alg(name: &str) -> Alg {
    Alg::parse(name).unwrap_or_else(|e| {
        raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, e.to_string(), None, Some("use HS256, HS384 or HS512"))
    })
}

fn sign(claims: &serde_json::Value, secret: &[u8], a: Alg) -> String {
    jwt_core::sign(claims, secret, a).unwrap_or_else(|e| {
        raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, format!("cannot sign JWT: {e}"), None, None)
    })
}

/// Signs `claims` with an HMAC secret. The text overload (jwt.sql) passes the
/// secret's UTF-8 bytes, which is how Supabase uses its `jwt_secret`.
#[pg_extern(immutable, parallel_safe)]
fn jwt_sign(claims: JsonB, secret: &[u8], alg: default!(&str, "'HS256'")) -> String {
    sign(&claims.0, secret, self::alg(alg))
}

/// Verifies a token. `payload` is returned only once the signature holds;
/// `header` whenever it parses (it is unauthenticated: diagnostics only).
// pgrx reads the `name!` columns from the signature itself; a type alias would hide them.
#[allow(clippy::type_complexity)]
#[pg_extern(immutable, parallel_safe)]
fn jwt_verify(
    token: &str,
    secret: &[u8],
    at: default!(TimestampWithTimeZone, "now()"),
    leeway: default!(Interval, "'0'"),
    algorithms: default!(Vec<Option<String>>, "'{HS256,HS384,HS512}'"),
) -> TableIterator<
    'static,
    (
        name!(valid, bool),
        name!(header, Option<JsonB>),
        name!(payload, Option<JsonB>),
        name!(reason, Option<String>),
    ),
> {
    let allowed: Vec<Alg> = algorithms
        .iter()
        .map(|a| match a {
            Some(a) => alg(a),
            None => raise(
                Code::ERRCODE_NULL_VALUE_NOT_ALLOWED,
                "jwt_verify: algorithms must not contain NULL",
                None,
                Some("e.g. '{HS256}'"),
            ),
        })
        .collect();
    let v = jwt_core::verify(token, secret, &allowed, unix_secs(at) as f64, interval_secs(leeway) as f64);
    TableIterator::once((v.valid, v.header.map(JsonB), v.payload.map(JsonB), v.reason))
}

/// A short-lived token for embedding a dashboard (in the spirit of Superset
/// guest tokens).
///
/// Trust model: tenant and user come from `request.jwt.claims`, never from
/// arguments. Any session can set that setting, so the claims are only as
/// trustworthy as the role calling: EXECUTE goes to `authenticated` alone, a
/// NOLOGIN role reached only through PostgREST, which sets the claims from a
/// JWT it verified. The claims must also say `role: authenticated` and carry
/// `sub` and a tenant. Lifetime and resources are bounded by the owner's
/// configuration (`embed_token_configure`), never by a user-settable setting.
///
/// SECURITY DEFINER so the caller can sign with a key it cannot read
/// (`embed_token_config` is owner-only) and append to the audit table it
/// cannot write.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn embed_token(resources: default!(JsonB, "'[]'"), ttl: default!(Option<Interval>, "NULL")) -> String {
    let denied = |msg: &str| -> ! { raise(Code::ERRCODE_INSUFFICIENT_PRIVILEGE, msg, None, None) };
    let role: Option<String> = Spi::get_one("SELECT supabase_ext.role()").unwrap_or(None);
    if role.as_deref() != Some("authenticated") {
        denied("embed tokens are issued to authenticated users only")
    }
    let Some(user) = Spi::get_one::<pgrx::Uuid>("SELECT supabase_ext.uid()").unwrap_or(None) else {
        denied("embed tokens need a user (sub) in the caller's JWT claims")
    };
    let Some(tenant) = Spi::get_one::<pgrx::Uuid>("SELECT supabase_ext.tenant_id()").unwrap_or(None) else {
        raise(
            Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "embed tokens need a tenant in the caller's JWT claims",
            None,
            Some("see supabase_ext.tenant_claim_paths"),
        )
    };
    let config = Spi::connect(|c| {
        c.select(
            "SELECT secret, extract(epoch FROM max_ttl)::bigint, allowed_resources
               FROM supabase_ext.embed_token_config",
            Some(1),
            &[],
        )
        .ok()
        .and_then(|t| t.into_iter().next())
        .map(|r| {
            (
                r.get::<String>(1).ok().flatten().unwrap_or_default(),
                r.get::<i64>(2).ok().flatten().unwrap_or(0),
                r.get::<Vec<Option<String>>>(3).ok().flatten(),
            )
        })
    });
    let Some((stored_secret, max_ttl, allowlist)) = config else {
        raise(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "embed tokens are not configured",
            None,
            Some("the database owner runs SELECT supabase_ext.embed_token_configure(…)"),
        )
    };
    let secret = match vault::reference(&stored_secret) {
        None => stored_secret,
        // The vault name is the owner's configuration: not shown to the caller.
        Some(name) => vault::resolve(name).unwrap_or_else(|_| {
            raise(
                Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                "the embed token signing key is unavailable",
                None,
                Some("the database owner should check embed_token_config's vault reference"),
            )
        }),
    };
    let allowlist: Option<Vec<String>> = allowlist.map(|v| v.into_iter().flatten().collect());
    let resources = embed::resources(&resources.0, allowlist.as_deref())
        .unwrap_or_else(|e| raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, e.to_string(), None, None));
    let ttl_secs = embed::ttl(ttl.map(interval_secs), max_ttl)
        .unwrap_or_else(|e| raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, e.to_string(), None, None));
    let now = now_unix();
    let jti = uuid::Uuid::new_v4().to_string();
    let tenant_s = tenant.to_string();
    let claims = serde_json::json!({
        "iss": "supabase_ext",
        "aud": "embed",
        "sub": user.to_string(),
        "tenant_id": tenant_s,
        "resources": resources,
        "iat": now,
        "exp": now + ttl_secs,
        "jti": jti,
    });
    let token = sign(&claims, secret.as_bytes(), Alg::HS256);
    Spi::run_with_args(
        "INSERT INTO supabase_ext.embed_token_audit (jti, tenant_id, user_id, resources, expires_at)
         VALUES ($1::uuid, $2::uuid, $3, $4, to_timestamp($5))",
        &[
            jti.as_str().into(),
            tenant_s.as_str().into(),
            Some(user).into(),
            JsonB(serde_json::json!(resources)).into(),
            ((now + ttl_secs) as f64).into(),
        ],
    )
    .unwrap_or_else(|e| {
        raise(Code::ERRCODE_INTERNAL_ERROR, format!("cannot record embed token: {e}"), None, None)
    });
    token
}

extension_sql_file!(
    "jwt.sql",
    name = "tenancy_jwt",
    requires = ["bootstrap", jwt_sign, jwt_verify, embed_token]
);
