//! Tenancy glue: claims helpers, policy generator, RLS audit, JWT.
