//! Embed-token request checks: which resources a caller may ask for and for
//! how long. Pure, so every bound is unit-tested without Postgres.
use serde_json::Value;
use std::fmt;

/// At most this many resources per token: a dashboard embeds a handful, and
/// the list is copied into every token and audit row.
pub const MAX_RESOURCES: usize = 32;
/// Longest resource name accepted (dashboard ids, slugs, paths).
pub const MAX_RESOURCE_LEN: usize = 200;
/// No embed token ever lives longer than a day, whatever the configuration.
pub const MAX_TTL_SECS: i64 = 86_400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedError {
    /// `resources` is not a JSON array of strings, or breaks a bound.
    Resources(String),
    /// A resource outside the configured allowlist (named: it is the caller's own input).
    NotAllowed(String),
    /// TTL outside `1..=max`.
    Ttl { requested: i64, max: i64 },
}

impl fmt::Display for EmbedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmbedError::Resources(m) => write!(f, "invalid embed token resources: {m}"),
            EmbedError::NotAllowed(r) => write!(f, "embed token resource \"{r}\" is not allowed"),
            EmbedError::Ttl { requested, max } => {
                write!(f, "embed token ttl of {requested} s is outside 1 s to {max} s")
            }
        }
    }
}

impl std::error::Error for EmbedError {}

/// The resources a token may carry: a JSON array of 0..=32 distinct,
/// non-empty strings of at most 200 characters without control characters,
/// each in `allowlist` when one is configured. Returns them deduplicated in
/// request order.
pub fn resources(requested: &Value, allowlist: Option<&[String]>) -> Result<Vec<String>, EmbedError> {
    let Value::Array(items) = requested else {
        return Err(EmbedError::Resources("expected a JSON array of strings".into()));
    };
    if items.len() > MAX_RESOURCES {
        return Err(EmbedError::Resources(format!("at most {MAX_RESOURCES} resources per token")));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(s) = item else {
            return Err(EmbedError::Resources("every resource must be a string".into()));
        };
        if s.is_empty() || s.chars().count() > MAX_RESOURCE_LEN || s.chars().any(char::is_control) {
            return Err(EmbedError::Resources(format!(
                "resources are 1 to {MAX_RESOURCE_LEN} characters without control characters"
            )));
        }
        if let Some(allowed) = allowlist {
            if !allowed.iter().any(|a| a == s) {
                return Err(EmbedError::NotAllowed(s.clone()));
            }
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    Ok(out)
}

/// The lifetime to sign: the requested one, or the configured maximum.
pub fn ttl(requested: Option<i64>, max: i64) -> Result<i64, EmbedError> {
    let max = max.clamp(1, MAX_TTL_SECS);
    let t = requested.unwrap_or(max);
    if (1..=max).contains(&t) {
        Ok(t)
    } else {
        Err(EmbedError::Ttl { requested: t, max })
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use serde_json::json;

    #[test]
    fn resources_are_bounded_strings() {
        assert_eq!(resources(&json!([]), None).unwrap(), Vec::<String>::new());
        assert_eq!(resources(&json!(["a", "b", "a"]), None).unwrap(), vec!["a", "b"]);
        assert!(matches!(resources(&json!({"a": 1}), None), Err(EmbedError::Resources(_))));
        assert!(matches!(resources(&json!([1]), None), Err(EmbedError::Resources(_))));
        assert!(matches!(resources(&json!([""]), None), Err(EmbedError::Resources(_))));
        assert!(matches!(resources(&json!(["a\u{0}b"]), None), Err(EmbedError::Resources(_))));
        let long = "x".repeat(MAX_RESOURCE_LEN + 1);
        assert!(matches!(resources(&json!([long]), None), Err(EmbedError::Resources(_))));
        let many: Vec<String> = (0..=MAX_RESOURCES).map(|i| i.to_string()).collect();
        assert!(matches!(resources(&json!(many), None), Err(EmbedError::Resources(_))));
    }

    #[test]
    fn allowlist_is_enforced() {
        let allow = vec!["dash:sales".to_string()];
        assert!(resources(&json!(["dash:sales"]), Some(&allow)).is_ok());
        assert_eq!(
            resources(&json!(["dash:sales", "dash:payroll"]), Some(&allow)),
            Err(EmbedError::NotAllowed("dash:payroll".into()))
        );
    }

    #[test]
    fn ttl_never_exceeds_the_maximum() {
        assert_eq!(ttl(None, 300), Ok(300));
        assert_eq!(ttl(Some(60), 300), Ok(60));
        assert_eq!(ttl(Some(301), 300), Err(EmbedError::Ttl { requested: 301, max: 300 }));
        assert!(ttl(Some(0), 300).is_err());
        assert!(ttl(Some(-5), 300).is_err());
        // A configured maximum above a day is clamped to a day.
        assert_eq!(ttl(None, 10 * MAX_TTL_SECS), Ok(MAX_TTL_SECS));
    }
}
