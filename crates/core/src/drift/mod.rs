//! Drift: the pure parts of comparing a table with its shadow copy.
//!
//! * [`options`] — the `options` jsonb of `drift_register`: column mappings,
//!   ignored columns, per-side row filters, the view schema.
//! * [`plan`] — resolving key and compared columns on both sides from the
//!   catalog facts the glue passes in, with one error per mistake.
//! * [`sql`] — the single-pass check query and the three views, built from a
//!   plan with every identifier quoted here.
//! * [`hash`] — the row hash: XXH3-64 over each column's type-aware hash.
//! * [`jsonb`] — a canonical hash of a jsonb value read from its binary form.
//!
//! No pgrx here: the glue in `src/drift/` reads the catalog and runs the SQL.

pub mod hash;
pub mod jsonb;
pub mod options;
pub mod plan;
pub mod sql;

use std::fmt;

/// Which table of a registration a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Source,
    Shadow,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Source => "source",
            Side::Shadow => "shadow",
        })
    }
}

/// Everything a caller can get wrong when registering; the glue maps each
/// variant to one SQLSTATE (see `src/drift/mod.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftError {
    /// A registration name that can't prefix view names (22023).
    Name(String),
    /// A malformed or unknown option (22023).
    Option(String),
    /// A column that doesn't exist on that side (42703).
    UnknownColumn { side: Side, relation: String, column: String },
    /// The same column twice, or a key also listed as compared (42701).
    DuplicateColumn(String),
    /// No key column (22023).
    NoKey,
    /// Two columns whose values can't be compared (42804).
    IncompatibleTypes { column: String, source_type: String, shadow_type: String },
    /// A type without equality and hashing, e.g. json, xml, point (42883).
    NotHashable { column: String, type_name: String },
    /// A row filter that could escape its statement (42601).
    Filter(String),
}

impl fmt::Display for DriftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriftError::Name(m) => write!(f, "invalid drift check name: {m}"),
            DriftError::Option(m) => write!(f, "invalid option: {m}"),
            DriftError::UnknownColumn { side, relation, column } => {
                write!(f, "column \"{column}\" does not exist in {side} table {relation}")
            }
            DriftError::DuplicateColumn(c) => write!(f, "column \"{c}\" is listed more than once"),
            DriftError::NoKey => write!(f, "key_columns must name at least one column"),
            DriftError::IncompatibleTypes { column, source_type, shadow_type } => write!(
                f,
                "column \"{column}\" has incompatible types: {source_type} in the source, {shadow_type} in the shadow"
            ),
            DriftError::NotHashable { column, type_name } => {
                write!(f, "column \"{column}\" has type {type_name}, which has no equality and hash support")
            }
            DriftError::Filter(m) => write!(f, "invalid row filter: {m}"),
        }
    }
}

impl DriftError {
    /// A hint for the error, when there is a useful one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            DriftError::Name(_) => Some("use lower-case letters, digits and underscores, starting with a letter (at most 40)"),
            DriftError::Option(_) => Some("known options: map, ignore, source_filter, shadow_filter, schema"),
            DriftError::UnknownColumn { .. } => {
                Some("map source columns to differently named shadow columns with options {\"map\": {\"id\": \"odoo_id\"}}")
            }
            DriftError::IncompatibleTypes { .. } => Some(
                "types must be equal or of one hash family (integers, floats, text/varchar); register a view that casts one side",
            ),
            DriftError::NotHashable { .. } => {
                Some("register a view that casts the column (json to jsonb, point to text), or list it in options.ignore")
            }
            DriftError::Filter(_) => Some("a filter is one boolean expression over the table's columns, without ';'"),
            _ => None,
        }
    }
}

impl std::error::Error for DriftError {}

/// Checks a registration name: it prefixes the view names `<name>_missing`,
/// `<name>_orphans` and `<name>_changed`, so it stays a plain identifier.
pub fn check_name(name: &str) -> Result<(), DriftError> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.as_bytes()[0].is_ascii_lowercase()
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(DriftError::Name(format!("\"{name}\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("projects").is_ok());
        assert!(check_name("odoo_tasks_2").is_ok());
        for bad in ["", "Projects", "1x", "a-b", "a\"b", "x y", &"a".repeat(41)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
