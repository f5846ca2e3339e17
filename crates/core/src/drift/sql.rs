//! The SQL of a registration, built from a [`Plan`]. Identifiers are always
//! double-quoted here; relation names come from the catalog (already
//! resolved from a regclass) and are quoted the same way.
//!
//! The check is one statement that reads each table once:
//!
//! ```text
//! (SELECT keys, drift_hash(compared) AS h, true AS p FROM source WHERE filter) s
//!   FULL JOIN
//! (SELECT keys, drift_hash(compared) AS h, true AS p FROM shadow WHERE filter) t
//!   ON keys match
//! WHERE s.p IS NULL (orphan) OR t.p IS NULL (missing) OR s.h <> t.h (changed)
//! ```
//!
//! Only the drifted rows (a key as jsonb and a kind) leave the join; one
//! window over them (a sort that spills to disk past `work_mem`) gives each
//! kind's count and its smallest keys. No CTE: a materialized CTE would keep
//! the join out of a parallel plan.
use super::plan::{Pair, Plan};

/// Always-quoted identifier (what `quote_ident` does when it must).
pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `"schema"."relation"`.
pub fn qualified(schema: &str, rel: &str) -> String {
    format!("{}.{}", ident(schema), ident(rel))
}

/// The expression a key or compared column takes part in comparisons as:
/// collatable values compare as bytes (`COLLATE "C"`), whatever the column's
/// collation, so a nondeterministic collation can't make two different
/// strings equal.
fn cmp_expr(alias: &str, col: &str, collatable: bool) -> String {
    if collatable {
        format!("{alias}.{} COLLATE \"C\"", ident(col))
    } else {
        format!("{alias}.{}", ident(col))
    }
}

fn hash_expr(alias: &str, cols: &[&str]) -> String {
    if cols.is_empty() {
        return "0::bigint".into();
    }
    let args: Vec<String> = cols.iter().map(|c| format!("{alias}.{}", ident(c))).collect();
    format!("supabase_ext.drift_hash({})", args.join(", "))
}

fn filtered(rel: &str, filter: &Option<String>) -> String {
    match filter {
        Some(f) => format!("(SELECT * FROM {rel} WHERE ({f}))"),
        None => rel.to_string(),
    }
}

fn key_match(
    keys: &[Pair],
    s: &str,
    t: &str,
    s_col: impl Fn(&Pair) -> String,
    t_col: impl Fn(&Pair) -> String,
) -> String {
    keys.iter()
        .map(|k| {
            format!("{} = {}", cmp_expr(s, &s_col(k), k.collatable), cmp_expr(t, &t_col(k), k.collatable))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The check statement. `$1` is the sample size (at least 1). Returns, for
/// each kind of drift found (`missing`, `orphans`, `changed`), its smallest
/// keys (jsonb objects named by the source's key columns), at most `$1`,
/// each row with the kind's total count `n` and its rank `rn`. No row for a
/// kind means none of it. The join runs below a Gather where Postgres can
/// parallelize it; only drifted rows reach the window sort, which spills to
/// disk past `work_mem`.
pub fn check_query(plan: &Plan, source: &str, shadow: &str) -> String {
    let n = plan.keys.len();
    let side = |alias: &str, rel: &str, filter: &Option<String>, shadow_side: bool| {
        let mut cols: Vec<String> = plan
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("x.{} AS k{i}", ident(if shadow_side { &k.shadow } else { &k.source })))
            .collect();
        let hashed: Vec<&str> = plan
            .compare
            .iter()
            .map(|c| if shadow_side { c.shadow.as_str() } else { c.source.as_str() })
            .collect();
        cols.push(format!("{} AS h", hash_expr("x", &hashed)));
        cols.push("true AS p".into());
        format!("(SELECT {} FROM {} x) {alias}", cols.join(", "), filtered(rel, filter))
    };
    let on: Vec<String> = plan
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            if k.collatable {
                format!("s.k{i} COLLATE \"C\" = t.k{i} COLLATE \"C\"")
            } else {
                format!("s.k{i} = t.k{i}")
            }
        })
        .collect();
    let key_obj = |alias: &str| {
        let parts: Vec<String> = plan
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{}, {alias}.k{i}", literal(&k.source)))
            .collect();
        format!("jsonb_build_object({})", parts.join(", "))
    };
    debug_assert!(n > 0);
    format!(
        "SELECT x.kind, x.n, x.rn, x.key FROM (\n\
         SELECT d.kind, d.key, count(*) OVER w AS n, row_number() OVER w AS rn FROM (\n\
         SELECT CASE WHEN t.p IS NULL THEN 'missing' WHEN s.p IS NULL THEN 'orphans' ELSE 'changed' END AS kind,\n\
         \x20      CASE WHEN s.p IS NULL THEN {tkey} ELSE {skey} END AS key\n\
         \x20 FROM {s}\n\
         \x20 FULL JOIN {t}\n\
         \x20   ON {on}\n\
         \x20WHERE s.p IS NULL OR t.p IS NULL OR s.h <> t.h) d\n\
         WINDOW w AS (PARTITION BY d.kind ORDER BY d.key ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) x\n\
         WHERE x.rn <= $1 ORDER BY x.kind, x.rn",
        tkey = key_obj("t"),
        skey = key_obj("s"),
        s = side("s", source, &plan.source_filter, false),
        t = side("t", shadow, &plan.shadow_filter, true),
        on = on.join(" AND "),
    )
}

/// The three views, as `CREATE VIEW` statements (security_invoker: they read
/// the tables with the rights of whoever queries them). Key columns keep the
/// source's names in all three.
pub fn views(plan: &Plan, name: &str, schema: &str, source: &str, shadow: &str) -> [String; 3] {
    let s_rel = filtered(source, &plan.source_filter);
    let t_rel = filtered(shadow, &plan.shadow_filter);
    let src_keys = |alias: &str| {
        plan.keys.iter().map(|k| format!("{alias}.{}", ident(&k.source))).collect::<Vec<_>>().join(", ")
    };
    let shadow_keys_as_source = plan
        .keys
        .iter()
        .map(|k| format!("t.{} AS {}", ident(&k.shadow), ident(&k.source)))
        .collect::<Vec<_>>()
        .join(", ");
    let on = key_match(&plan.keys, "s", "t", |k| k.source.clone(), |k| k.shadow.clone());
    let view = |suffix: &str| qualified(schema, &format!("{name}_{suffix}"));
    let missing = format!(
        "CREATE VIEW {} WITH (security_invoker = true) AS\n\
         SELECT {} FROM {s_rel} s\n\
         \x20WHERE NOT EXISTS (SELECT 1 FROM {t_rel} t WHERE {on})",
        view("missing"),
        src_keys("s"),
    );
    let orphans = format!(
        "CREATE VIEW {} WITH (security_invoker = true) AS\n\
         SELECT {shadow_keys_as_source} FROM {t_rel} t\n\
         \x20WHERE NOT EXISTS (SELECT 1 FROM {s_rel} s WHERE {on})",
        view("orphans"),
    );
    let s_cols: Vec<&str> = plan.compare.iter().map(|c| c.source.as_str()).collect();
    let t_cols: Vec<&str> = plan.compare.iter().map(|c| c.shadow.as_str()).collect();
    let values = if plan.compare.is_empty() {
        // Nothing compared: a view with the right columns and no rows.
        "(VALUES (NULL::text, NULL::text, NULL::text, false))".to_string()
    } else {
        let rows: Vec<String> = plan
            .compare
            .iter()
            .map(|c| {
                format!(
                    "({}, s.{}::text, t.{}::text, {} IS DISTINCT FROM {})",
                    literal(&c.source),
                    ident(&c.source),
                    ident(&c.shadow),
                    cmp_expr("s", &c.source, c.collatable),
                    cmp_expr("t", &c.shadow, c.collatable)
                )
            })
            .collect();
        format!("(VALUES {})", rows.join(",\n        "))
    };
    let changed = format!(
        "CREATE VIEW {} WITH (security_invoker = true) AS\n\
         SELECT {}, v.column_name AS \"column\", v.source_value, v.shadow_value\n\
         \x20 FROM {s_rel} s JOIN {t_rel} t ON {on}\n\
         \x20 CROSS JOIN LATERAL {values} AS v(column_name, source_value, shadow_value, differs)\n\
         \x20WHERE {} <> {} AND v.differs",
        view("changed"),
        src_keys("s"),
        hash_expr("s", &s_cols),
        hash_expr("t", &t_cols),
    );
    [missing, orphans, changed]
}

/// The view names a registration creates, for cleanup.
pub fn view_names(name: &str) -> [String; 3] {
    [format!("{name}_missing"), format!("{name}_orphans"), format!("{name}_changed")]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::options::parse;
    use crate::drift::plan::tests::projects;
    use crate::drift::plan::{resolve, Tables};
    use serde_json::json;

    fn plan(filter: bool) -> Plan {
        let (s, t) = projects();
        let mut o = json!({"map": {"id": "odoo_id"}, "ignore": ["synced_at", "raw"]});
        if filter {
            o["shadow_filter"] = json!("external_ref LIKE 'prj-%'");
        }
        let tb = Tables { source_name: "p", source: &s, shadow_name: "sp", shadow: &t };
        resolve(&tb, &["id".into()], None, &parse(&o).unwrap()).unwrap()
    }

    #[test]
    fn quoting() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(qualified("odoo seed", "x"), "\"odoo seed\".\"x\"");
    }

    #[test]
    fn check_query_is_one_full_join_over_hashes() {
        let q = check_query(&plan(true), "\"public\".\"projects\"", "\"odoo_seed\".\"shadow_projects\"");
        assert_eq!(q.matches("FULL JOIN").count(), 1);
        assert_eq!(q.matches("\"public\".\"projects\"").count(), 1, "source read once");
        assert_eq!(q.matches("\"odoo_seed\".\"shadow_projects\"").count(), 1, "shadow read once");
        assert!(q.contains("x.\"odoo_id\" AS k0"));
        assert!(q.contains("supabase_ext.drift_hash(x.\"name\") AS h"));
        assert!(q.contains("WHERE (external_ref LIKE 'prj-%')"));
        assert!(q.contains("jsonb_build_object('id', t.k0)"));
        assert!(q.contains("x.rn <= $1"));
        assert!(!q.contains("MATERIALIZED"), "a CTE would block the parallel join");
    }

    #[test]
    fn views_compare_bytes_and_keep_source_key_names() {
        let [m, o, c] = views(&plan(false), "projects", "drift", "src", "shd");
        assert!(m.starts_with("CREATE VIEW \"drift\".\"projects_missing\""));
        assert!(m.contains("s.\"id\" = t.\"odoo_id\""));
        assert!(o.contains("t.\"odoo_id\" AS \"id\""));
        assert!(c.contains("s.\"name\" COLLATE \"C\" IS DISTINCT FROM t.\"name\" COLLATE \"C\""));
        assert!(c.contains("supabase_ext.drift_hash(s.\"name\") <> supabase_ext.drift_hash(t.\"name\")"));
        assert_eq!(view_names("p")[2], "p_changed");
    }

    #[test]
    fn no_compared_columns() {
        let mut p = plan(false);
        p.compare.clear();
        let q = check_query(&p, "a", "b");
        assert!(q.contains("0::bigint AS h"));
        let [_, _, c] = views(&p, "n", "public", "a", "b");
        assert!(c.contains("NULL::text"));
    }
}
