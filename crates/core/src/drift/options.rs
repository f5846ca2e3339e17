//! The `options` jsonb of `drift_register`:
//!
//! ```json
//! {"map": {"id": "odoo_id"}, "ignore": ["synced_at", "raw"],
//!  "source_filter": "environment = 'prod'", "shadow_filter": "company_id = 1",
//!  "schema": "drift"}
//! ```
//!
//! * `map`: source column → shadow column, where names differ (keys and
//!   compared columns alike).
//! * `ignore`: source or shadow column names left out when `compare_columns`
//!   is NULL (every common column is compared otherwise).
//! * `source_filter` / `shadow_filter`: one boolean SQL expression over that
//!   table's columns; only matching rows take part.
//! * `schema`: where the views go (default `public`).
use super::DriftError;
use serde_json::Value;
use std::collections::BTreeMap;

pub const KNOWN: [&str; 5] = ["map", "ignore", "source_filter", "shadow_filter", "schema"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub map: BTreeMap<String, String>,
    pub ignore: Vec<String>,
    pub source_filter: Option<String>,
    pub shadow_filter: Option<String>,
    pub schema: String,
}

impl Options {
    /// The shadow column that a source column is compared with.
    pub fn shadow_name<'a>(&'a self, source: &'a str) -> &'a str {
        self.map.get(source).map(String::as_str).unwrap_or(source)
    }
}

fn text(v: &Value, what: &str) -> Result<String, DriftError> {
    v.as_str().map(str::to_string).ok_or_else(|| DriftError::Option(format!("{what} must be a string")))
}

/// Parses and checks the options object; unknown keys are errors (a typo
/// like `ignored` would otherwise compare columns the caller meant to skip).
pub fn parse(v: &Value) -> Result<Options, DriftError> {
    let obj = match v {
        Value::Null => return Ok(Options { schema: "public".into(), ..Default::default() }),
        Value::Object(o) => o,
        _ => return Err(DriftError::Option("options must be a JSON object".into())),
    };
    let unknown: Vec<&str> = obj.keys().map(String::as_str).filter(|k| !KNOWN.contains(k)).collect();
    if !unknown.is_empty() {
        return Err(DriftError::Option(format!("unknown option(s): {}", unknown.join(", "))));
    }
    let mut o = Options { schema: "public".into(), ..Default::default() };
    if let Some(m) = obj.get("map") {
        let m = m
            .as_object()
            .ok_or_else(|| DriftError::Option("map must be an object of column names".into()))?;
        for (k, v) in m {
            o.map.insert(k.clone(), text(v, "each map value")?);
        }
    }
    if let Some(i) = obj.get("ignore") {
        let i = i
            .as_array()
            .ok_or_else(|| DriftError::Option("ignore must be an array of column names".into()))?;
        for c in i {
            o.ignore.push(text(c, "each ignored column")?);
        }
    }
    for (key, slot) in [("source_filter", &mut o.source_filter), ("shadow_filter", &mut o.shadow_filter)] {
        if let Some(f) = obj.get(key) {
            if !f.is_null() {
                *slot = Some(check_filter(&text(f, key)?)?);
            }
        }
    }
    if let Some(s) = obj.get("schema") {
        o.schema = text(s, "schema")?;
        if o.schema.is_empty() {
            return Err(DriftError::Option("schema must not be empty".into()));
        }
    }
    Ok(o)
}

/// A filter is pasted into a derived table as `WHERE (<filter>)`. The glue
/// also runs it alone against its table at registration, so Postgres checks
/// its syntax, columns and type; here we refuse what could end the
/// statement or swallow the closing parenthesis.
pub fn check_filter(f: &str) -> Result<String, DriftError> {
    let t = f.trim();
    if t.is_empty() {
        return Err(DriftError::Filter("empty".into()));
    }
    if t.contains(';') {
        return Err(DriftError::Filter("it contains ';'".into()));
    }
    if t.contains("--") || t.contains("/*") {
        return Err(DriftError::Filter("it contains a comment".into()));
    }
    if t.contains('\0') {
        return Err(DriftError::Filter("it contains a NUL byte".into()));
    }
    let mut depth: i64 = 0;
    let mut quote: Option<char> = None;
    for c in t.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth < 0 {
                    return Err(DriftError::Filter("unbalanced parentheses".into()));
                }
            }
            _ => {}
        }
    }
    if depth != 0 || quote.is_some() {
        return Err(DriftError::Filter("unbalanced parentheses or quotes".into()));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_full() {
        let o = parse(&json!({})).unwrap();
        assert_eq!(o.schema, "public");
        assert!(o.map.is_empty() && o.ignore.is_empty() && o.source_filter.is_none());
        let o =
            parse(&json!({"map": {"id": "odoo_id"}, "ignore": ["raw"], "source_filter": " env = 'prod' ",
                              "shadow_filter": null, "schema": "drift"}))
            .unwrap();
        assert_eq!(o.shadow_name("id"), "odoo_id");
        assert_eq!(o.shadow_name("name"), "name");
        assert_eq!(o.ignore, vec!["raw"]);
        assert_eq!(o.source_filter.as_deref(), Some("env = 'prod'"));
        assert_eq!(o.schema, "drift");
    }

    #[test]
    fn refuses_unknown_and_malformed() {
        assert!(
            matches!(parse(&json!({"ignored": []})), Err(DriftError::Option(m)) if m.contains("ignored"))
        );
        assert!(parse(&json!([])).is_err());
        assert!(parse(&json!({"map": ["id"]})).is_err());
        assert!(parse(&json!({"map": {"id": 1}})).is_err());
        assert!(parse(&json!({"ignore": "raw"})).is_err());
        assert!(parse(&json!({"schema": ""})).is_err());
    }

    #[test]
    fn filters_stay_inside_their_parentheses() {
        for bad in [
            "true; DROP TABLE x",
            "true) OR (true",
            "x = 1 --",
            "x /* */ = 1",
            "(x = 1",
            "x = ')'",
            "x = 'unterminated",
            "",
        ] {
            if bad == "x = ')'" {
                assert!(check_filter(bad).is_ok(), "a quoted parenthesis is fine");
                continue;
            }
            assert!(check_filter(bad).is_err(), "{bad}");
        }
        assert!(check_filter("env = 'prod' AND (tenant_id = 3 OR tenant_id IS NULL)").is_ok());
        assert!(check_filter("\"Weird col\" = 'it''s'").is_ok());
    }
}
