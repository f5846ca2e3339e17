//! HS256/384/512 JWTs and short-lived embed tokens. The verification rules
//! (no `alg: none`, allow-listed algorithms, constant-time compare, exp/nbf)
//! live in `supabase_ext_core::tenancy::jwt`.
use crate::common::errors::{raise, Code};
use crate::common::time::{interval_secs, now_unix, unix_secs};
use pgrx::prelude::*;
use pgrx::JsonB;
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
    algorithms: default!(Vec<String>, "'{HS256,HS384,HS512}'"),
) -> TableIterator<
    'static,
    (
        name!(valid, bool),
        name!(header, Option<JsonB>),
        name!(payload, Option<JsonB>),
        name!(reason, Option<String>),
    ),
> {
    let allowed: Vec<Alg> = algorithms.iter().map(|a| alg(a)).collect();
    let v = jwt_core::verify(token, secret, &allowed, unix_secs(at) as f64, interval_secs(leeway) as f64);
    TableIterator::once((v.valid, v.header.map(JsonB), v.payload.map(JsonB), v.reason))
}

/// A short-lived token for embedding a dashboard (in the spirit of Superset
/// guest tokens): tenant and user come from the caller's verified claims,
/// never from arguments, and every token issued is recorded.
///
/// SECURITY DEFINER so `authenticated` can sign with a secret it cannot read
/// (`supabase_ext.embed_token_secret` is superuser-only) and append to the
/// audit table it cannot write.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn embed_token(resources: default!(JsonB, "'[]'"), ttl: default!(Option<Interval>, "NULL")) -> String {
    let secret = super::gucs::embed_token_secret();
    if secret.is_empty() {
        raise(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "supabase_ext.embed_token_secret is not set",
            None,
            Some("ALTER SYSTEM SET supabase_ext.embed_token_secret = '…'; SELECT pg_reload_conf();"),
        )
    }
    let tenant: Option<pgrx::Uuid> = Spi::get_one("SELECT supabase_ext.tenant_id()").unwrap_or(None);
    let Some(tenant) = tenant else {
        raise(
            Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "embed tokens need a tenant in the caller's JWT claims",
            None,
            Some("see supabase_ext.tenant_claim_paths"),
        )
    };
    let user: Option<pgrx::Uuid> = Spi::get_one("SELECT supabase_ext.uid()").unwrap_or(None);
    let ttl_secs = match ttl {
        Some(iv) => interval_secs(iv),
        None => super::gucs::embed_token_ttl_secs() as i64,
    };
    if !(1..=86_400).contains(&ttl_secs) {
        raise(
            Code::ERRCODE_INVALID_PARAMETER_VALUE,
            "embed token ttl must be between 1 second and 1 day",
            None,
            None,
        )
    }
    let now = now_unix();
    let jti = uuid::Uuid::new_v4().to_string();
    let tenant_s = tenant.to_string();
    let claims = serde_json::json!({
        "iss": "supabase_ext",
        "aud": "embed",
        "sub": user.map(|u| u.to_string()),
        "tenant_id": tenant_s,
        "resources": resources.0,
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
            user.into(),
            resources.into(),
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
