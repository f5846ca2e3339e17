//! Resolving a registration: which source column is compared with which
//! shadow column, checked against catalog facts the glue reads.
use super::options::Options;
use super::{DriftError, Side};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One column of a table, as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub attnum: i16,
    pub type_oid: u32,
    /// `format_type` output, for messages.
    pub type_name: String,
    /// The type's default hash operator family, 0 when it has none (or no
    /// extended hash function): values of two types compare only when equal
    /// types or one family (int2/int4/int8, float4/float8, text/varchar).
    pub hash_family: u32,
    /// The type has a collation (text, varchar, text[]): compared as bytes.
    pub collatable: bool,
}

/// A source column and the shadow column it is compared with. Stored in the
/// registration; the attnums and type oids are re-checked before each check
/// so a dropped, renamed or retyped column is an error, not a wrong answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    pub source: String,
    pub shadow: String,
    pub source_attnum: i16,
    pub shadow_attnum: i16,
    pub source_type: u32,
    pub shadow_type: u32,
    pub collatable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub keys: Vec<Pair>,
    pub compare: Vec<Pair>,
    pub source_filter: Option<String>,
    pub shadow_filter: Option<String>,
}

fn find<'a>(cols: &'a [Column], name: &str, side: Side, relation: &str) -> Result<&'a Column, DriftError> {
    cols.iter().find(|c| c.name == name).ok_or_else(|| DriftError::UnknownColumn {
        side,
        relation: relation.to_string(),
        column: name.to_string(),
    })
}

fn pair(s: &Column, t: &Column) -> Result<Pair, DriftError> {
    if s.hash_family == 0 {
        return Err(DriftError::NotHashable { column: s.name.clone(), type_name: s.type_name.clone() });
    }
    if t.hash_family == 0 {
        return Err(DriftError::NotHashable { column: t.name.clone(), type_name: t.type_name.clone() });
    }
    if s.type_oid != t.type_oid && s.hash_family != t.hash_family {
        return Err(DriftError::IncompatibleTypes {
            column: s.name.clone(),
            source_type: s.type_name.clone(),
            shadow_type: t.type_name.clone(),
        });
    }
    Ok(Pair {
        source: s.name.clone(),
        shadow: t.name.clone(),
        source_attnum: s.attnum,
        shadow_attnum: t.attnum,
        source_type: s.type_oid,
        shadow_type: t.type_oid,
        collatable: s.collatable || t.collatable,
    })
}

/// Everything `drift_register` needs to know about the two tables.
pub struct Tables<'a> {
    pub source_name: &'a str,
    pub source: &'a [Column],
    pub shadow_name: &'a str,
    pub shadow: &'a [Column],
}

/// Resolves keys and compared columns. `compare` None means every source
/// column that has a shadow counterpart (after `map`), except keys and
/// `ignore`d columns; an explicit list must name existing columns only.
pub fn resolve(
    t: &Tables<'_>,
    keys: &[String],
    compare: Option<&[String]>,
    opts: &Options,
) -> Result<Plan, DriftError> {
    if keys.is_empty() {
        return Err(DriftError::NoKey);
    }
    // Every name the caller wrote must exist: a typo is an error, not a
    // silently skipped column.
    for (s, sh) in &opts.map {
        find(t.source, s, Side::Source, t.source_name)?;
        find(t.shadow, sh, Side::Shadow, t.shadow_name)?;
    }
    for i in &opts.ignore {
        let in_source = t.source.iter().any(|c| &c.name == i);
        let in_shadow = t.shadow.iter().any(|c| &c.name == i);
        if !in_source && !in_shadow {
            return Err(DriftError::UnknownColumn {
                side: Side::Source,
                relation: format!("{} (nor in {})", t.source_name, t.shadow_name),
                column: i.clone(),
            });
        }
    }
    let mut seen = BTreeSet::new();
    let mut key_pairs = Vec::new();
    for k in keys {
        if !seen.insert(k.clone()) {
            return Err(DriftError::DuplicateColumn(k.clone()));
        }
        let s = find(t.source, k, Side::Source, t.source_name)?;
        let sh = find(t.shadow, opts.shadow_name(k), Side::Shadow, t.shadow_name)?;
        key_pairs.push(pair(s, sh)?);
    }
    let mut cmp = Vec::new();
    match compare {
        Some(list) => {
            for c in list {
                if !seen.insert(c.clone()) {
                    return Err(DriftError::DuplicateColumn(c.clone()));
                }
                let s = find(t.source, c, Side::Source, t.source_name)?;
                let sh = find(t.shadow, opts.shadow_name(c), Side::Shadow, t.shadow_name)?;
                cmp.push(pair(s, sh)?);
            }
        }
        None => {
            for s in t.source {
                let shadow_name = opts.shadow_name(&s.name);
                if seen.contains(&s.name) || opts.ignore.iter().any(|i| i == &s.name || i == shadow_name) {
                    continue;
                }
                if let Some(sh) = t.shadow.iter().find(|c| c.name == shadow_name) {
                    cmp.push(pair(s, sh)?);
                }
            }
        }
    }
    Ok(Plan {
        keys: key_pairs,
        compare: cmp,
        source_filter: opts.source_filter.clone(),
        shadow_filter: opts.shadow_filter.clone(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::drift::options::parse;
    use serde_json::json;

    pub const INT4: u32 = 23;
    pub const INT8: u32 = 20;
    pub const TEXT: u32 = 25;
    pub const JSON: u32 = 114;
    pub const NUMERIC: u32 = 1700;

    pub fn col(name: &str, attnum: i16, ty: u32) -> Column {
        let (type_name, fam, coll) = match ty {
            INT4 => ("integer", 1976, false),
            INT8 => ("bigint", 1976, false),
            TEXT => ("text", 1995, true),
            JSON => ("json", 0, false),
            NUMERIC => ("numeric", 1998, false),
            _ => ("other", 9999, false),
        };
        Column {
            name: name.into(),
            attnum,
            type_oid: ty,
            type_name: type_name.into(),
            hash_family: fam,
            collatable: coll,
        }
    }

    pub fn projects() -> (Vec<Column>, Vec<Column>) {
        let source =
            vec![col("id", 1, INT8), col("name", 2, TEXT), col("budget", 3, NUMERIC), col("notes", 4, JSON)];
        let shadow = vec![
            col("odoo_id", 1, INT4),
            col("external_ref", 2, TEXT),
            col("name", 3, TEXT),
            col("synced_at", 4, 1184),
            col("raw", 5, 3802),
        ];
        (source, shadow)
    }

    fn tables<'a>(s: &'a [Column], t: &'a [Column]) -> Tables<'a> {
        Tables {
            source_name: "public.projects",
            source: s,
            shadow_name: "odoo_seed.shadow_projects",
            shadow: t,
        }
    }

    #[test]
    fn seeds_projects_with_mapping() {
        let (s, t) = projects();
        let o = parse(&json!({"map": {"id": "odoo_id"}, "ignore": ["synced_at", "raw"]})).unwrap();
        let p = resolve(&tables(&s, &t), &["id".into()], None, &o).unwrap();
        assert_eq!(p.keys.len(), 1);
        assert_eq!((p.keys[0].source.as_str(), p.keys[0].shadow.as_str()), ("id", "odoo_id"));
        // bigint against integer: one hash family, compared by value.
        assert_eq!((p.keys[0].source_type, p.keys[0].shadow_type), (INT8, INT4));
        // name is the only common column; json notes has no counterpart.
        let names: Vec<_> = p.compare.iter().map(|c| c.source.as_str()).collect();
        assert_eq!(names, ["name"]);
        assert!(p.compare[0].collatable);
    }

    #[test]
    fn errors_name_the_mistake() {
        let (s, t) = projects();
        let o = parse(&json!({"map": {"id": "odoo_id"}})).unwrap();
        let tb = tables(&s, &t);
        assert_eq!(resolve(&tb, &[], None, &o), Err(DriftError::NoKey));
        assert!(matches!(resolve(&tb, &["nope".into()], None, &o),
            Err(DriftError::UnknownColumn { side: Side::Source, column, .. }) if column == "nope"));
        // Without the mapping the shadow has no "id".
        assert!(
            matches!(resolve(&tb, &["id".into()], None, &Options { schema: "public".into(), ..Default::default() }),
            Err(DriftError::UnknownColumn { side: Side::Shadow, column, .. }) if column == "id")
        );
        assert!(matches!(resolve(&tb, &["id".into()], Some(&["budget".into()]), &o),
            Err(DriftError::UnknownColumn { side: Side::Shadow, column, .. }) if column == "budget"));
        assert_eq!(
            resolve(&tb, &["id".into()], Some(&["name".into(), "name".into()]), &o),
            Err(DriftError::DuplicateColumn("name".into()))
        );
        assert_eq!(
            resolve(&tb, &["id".into()], Some(&["id".into()]), &o),
            Err(DriftError::DuplicateColumn("id".into()))
        );
        let bad_map = parse(&json!({"map": {"id": "odoo"}})).unwrap();
        assert!(matches!(resolve(&tb, &["id".into()], None, &bad_map),
            Err(DriftError::UnknownColumn { side: Side::Shadow, column, .. }) if column == "odoo"));
        let bad_ignore = parse(&json!({"map": {"id": "odoo_id"}, "ignore": ["synced"]})).unwrap();
        assert!(matches!(resolve(&tb, &["id".into()], None, &bad_ignore),
            Err(DriftError::UnknownColumn { column, .. }) if column == "synced"));
    }

    #[test]
    fn types() {
        let s = vec![col("id", 1, INT4), col("name", 2, TEXT), col("doc", 3, JSON)];
        let t = vec![col("id", 1, TEXT), col("name", 2, INT4), col("doc", 3, JSON)];
        let tb = tables(&s, &t);
        let o = Options { schema: "public".into(), ..Default::default() };
        assert!(matches!(
            resolve(&tb, &["id".into()], Some(&[]), &o),
            Err(DriftError::IncompatibleTypes { .. })
        ));
        let t2 = vec![col("id", 1, INT8), col("name", 2, INT4), col("doc", 3, JSON)];
        let tb2 = tables(&s, &t2);
        assert!(matches!(resolve(&tb2, &["id".into()], Some(&["name".into()]), &o),
            Err(DriftError::IncompatibleTypes { column, .. }) if column == "name"));
        assert!(matches!(resolve(&tb2, &["id".into()], Some(&["doc".into()]), &o),
            Err(DriftError::NotHashable { column, .. }) if column == "doc"));
        // NULL compare_columns skips nothing silently: json has a counterpart, so it's an error.
        assert!(matches!(resolve(&tb2, &["id".into()], None, &o), Err(DriftError::IncompatibleTypes { .. })));
        // ...unless ignored.
        let ig = parse(&json!({"ignore": ["doc", "name"]})).unwrap();
        let p = resolve(&tb2, &["id".into()], None, &ig).unwrap();
        assert!(p.compare.is_empty());
    }

    #[test]
    fn composite_keys() {
        let s = vec![col("tenant", 1, INT4), col("id", 2, INT4), col("v", 3, TEXT)];
        let t = vec![col("tenant", 1, INT4), col("ext_id", 2, INT4), col("v", 3, TEXT)];
        let o = parse(&json!({"map": {"id": "ext_id"}})).unwrap();
        let p = resolve(&tables(&s, &t), &["tenant".into(), "id".into()], None, &o).unwrap();
        assert_eq!(p.keys.iter().map(|k| k.shadow.as_str()).collect::<Vec<_>>(), ["tenant", "ext_id"]);
        assert_eq!(p.compare.len(), 1);
    }
}
