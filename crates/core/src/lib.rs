//! Pure-Rust logic of supabase_ext. Nothing in this crate depends on pgrx, so
//! `cargo test -p supabase_ext_core` exercises it in milliseconds without Postgres.
//! The extension crate at the repository root is only glue around it.

pub mod ct;
pub mod jobs;
pub mod search;
pub mod tenancy;
pub mod webhooks;
