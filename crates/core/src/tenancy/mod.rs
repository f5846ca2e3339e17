//! Tenancy: HMAC JWT signing/verification and PostgREST claims parsing.
//!
//! Everything here is pure Rust and takes plain strings and `serde_json`
//! values, so the pgrx glue stays a thin layer that reads settings
//! (`request.jwt.claims`, legacy `request.jwt.claim.*`) and maps errors.
//!
//! * [`jwt`] — HS256/HS384/HS512 compact JWS: [`sign`] and [`verify`].
//!   Verification never throws; it returns a [`Verified`] with a stable
//!   reason string so SQL callers can inspect why a token was rejected.
//! * [`claims`] — parsing the claims setting, merging legacy per-claim
//!   settings, and extracting tenant ids, the subject and roles from
//!   configurable dotted claim paths. Paths under `user_metadata` are refused
//!   because end users can edit that object in Supabase.
//! * [`embed`] — bounds on embed-token resources and lifetimes.

pub mod claims;
pub mod embed;
pub mod jwt;

pub use claims::{
    has_global_role, has_role, lookup, merge_legacy, parse_claims, role, subject, tenant_id, tenant_ids,
    tenants_with_role_in_maps, ClaimPaths, ClaimsError, DEFAULT_ROLES_PATHS, DEFAULT_TENANT_IDS_PATHS,
    DEFAULT_TENANT_PATHS, DEFAULT_TENANT_ROLES_PATHS,
};
pub use jwt::{sign, verify, Alg, JwtError, Verified};
