//! Drift: `drift_check()` on a source/shadow pair against the floor (a
//! parallel count(*) of both tables), the seeds' hand-written views (NOT
//! EXISTS both ways and a join comparing the name) and, when installed,
//! reladiff (joindiff and hashdiff) — all in the same PG18 cluster, same run.
//!
//! Data: BENCH_DRIFT_ROWS source rows (default 1,000,000) with a text name, a
//! numeric, a timestamptz and a jsonb; the shadow lacks 0.1% of them, has
//! 0.1% extra (orphans) and 1% with a different name. BENCH_RELADIFF is the
//! path of the `reladiff` executable (a venv outside the repository).

use crate::util::{self, connect, md_table, met, ms, scalar, Case, Res};
use crate::{Opts, Section};
use std::process::Command;
use std::time::Instant;

const SETUP: &str = "
SET client_min_messages = error;
SELECT supabase_ext.drift_unregister(name) FROM supabase_ext.drift_registrations WHERE name = 'bench';
DROP SCHEMA IF EXISTS bench_drift CASCADE;
CREATE SCHEMA bench_drift;
CREATE TABLE bench_drift.projects (id bigint PRIMARY KEY, name text, amount numeric, updated_at timestamptz, doc jsonb);
CREATE TABLE bench_drift.shadow_projects (odoo_id bigint PRIMARY KEY, name text, amount numeric, updated_at timestamptz,
                                          doc jsonb, synced_at timestamptz NOT NULL DEFAULT now());
INSERT INTO bench_drift.projects
SELECT i, 'project ' || i, (i % 100000) / 100.0, timestamptz '2026-01-01' + i * interval '1 second',
       jsonb_build_object('id', i, 'stage', 'open', 'tags', jsonb_build_array('a', i % 7))
  FROM generate_series(1, {N}) i;
-- 0.1% missing (i % 1000 = 1), 1% changed name (i % 100 = 7), 0.1% orphans past N.
INSERT INTO bench_drift.shadow_projects (odoo_id, name, amount, updated_at, doc)
SELECT id, CASE WHEN id % 100 = 7 THEN name || ' (renamed)' ELSE name END, amount, updated_at, doc
  FROM bench_drift.projects WHERE id % 1000 <> 1;
INSERT INTO bench_drift.shadow_projects (odoo_id, name, amount, updated_at, doc)
SELECT i, 'orphan ' || i, 0, now(), '{}' FROM generate_series({N} + 1, {N} + {N} / 1000) i;
CREATE VIEW bench_drift.v_missing_in_odoo AS
    SELECT p.id FROM bench_drift.projects p
     WHERE NOT EXISTS (SELECT 1 FROM bench_drift.shadow_projects s WHERE s.odoo_id = p.id);
CREATE VIEW bench_drift.v_orphan_in_odoo AS
    SELECT s.odoo_id FROM bench_drift.shadow_projects s
     WHERE NOT EXISTS (SELECT 1 FROM bench_drift.projects p WHERE p.id = s.odoo_id);
CREATE VIEW bench_drift.v_name_drift AS
    SELECT p.id, p.name AS app_name, s.name AS odoo_name
      FROM bench_drift.projects p JOIN bench_drift.shadow_projects s ON s.odoo_id = p.id
     WHERE p.name IS DISTINCT FROM s.name;
-- reladiff wants one key name on both sides.
CREATE VIEW bench_drift.shadow_for_reladiff AS
    SELECT odoo_id AS id, name, amount, updated_at, doc FROM bench_drift.shadow_projects;
RESET client_min_messages;";

const FLOOR: &str =
    "SELECT (SELECT count(*) FROM bench_drift.projects) + (SELECT count(*) FROM bench_drift.shadow_projects)";
const SEEDS: &str = "SELECT (SELECT count(*) FROM bench_drift.v_missing_in_odoo) || ',' || \
     (SELECT count(*) FROM bench_drift.v_orphan_in_odoo) || ',' || (SELECT count(*) FROM bench_drift.v_name_drift)";
const OURS: &str =
    "SELECT missing || ',' || orphans || ',' || changed FROM supabase_ext.drift_check('bench')";
/// The "one FULL OUTER JOIN classifying all three kinds", comparing
/// the columns themselves (no row hash): context for what the hash buys.
const ONE_JOIN: &str =
    "SELECT count(*) FILTER (WHERE s.odoo_id IS NULL) || ',' || count(*) FILTER (WHERE p.id IS NULL)
     || ',' || count(*) FILTER (WHERE p.id IS NOT NULL AND s.odoo_id IS NOT NULL)
  FROM bench_drift.projects p FULL JOIN bench_drift.shadow_projects s ON s.odoo_id = p.id
 WHERE p.id IS NULL OR s.odoo_id IS NULL
    OR (p.name, p.amount, p.updated_at, p.doc) IS DISTINCT FROM (s.name, s.amount, s.updated_at, s.doc)";

fn reladiff(bin: &str, conn: &str, algorithm: &str) -> Res<(f64, String)> {
    let env: std::collections::HashMap<String, String> = util::pg_env(conn).into_iter().collect();
    let uri = format!(
        "postgresql://{}@{}:{}/{}",
        env.get("PGUSER").map(String::as_str).unwrap_or("postgres"),
        env.get("PGHOST").map(String::as_str).unwrap_or("localhost"),
        env.get("PGPORT").map(String::as_str).unwrap_or("5432"),
        env.get("PGDATABASE").map(String::as_str).unwrap_or("postgres"),
    );
    let t = Instant::now();
    let out = Command::new(bin)
        .args([
            &uri,
            "bench_drift.projects",
            &uri,
            "bench_drift.shadow_for_reladiff",
            "-k",
            "id",
            "-c",
            "name",
            "-c",
            "amount",
            "-c",
            "updated_at",
            "--algorithm",
            algorithm,
            "--stats",
        ])
        .output()
        .map_err(|e| format!("cannot run {bin}: {e}"))?;
    let secs = t.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        return Err(
            format!("reladiff {algorithm} failed: {text}{}", String::from_utf8_lossy(&out.stderr)).into()
        );
    }
    Ok((secs, text))
}

pub fn run(o: &Opts) -> Res<Section> {
    let conn = o.pg18.as_deref().ok_or("drift needs --pg18 (or BENCH_PG18)")?;
    let n: i64 = std::env::var("BENCH_DRIFT_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let m = util::machine();
    let mut admin = connect(conn)?;
    let version = util::server_version(&mut admin)?;
    let t = Instant::now();
    admin.batch_execute(&SETUP.replace("{N}", &n.to_string()))?;
    admin.batch_execute("VACUUM ANALYZE bench_drift.projects, bench_drift.shadow_projects")?;
    admin.batch_execute(
        "SELECT supabase_ext.drift_register('bench', 'bench_drift.projects', 'bench_drift.shadow_projects', '{id}',
                NULL, '{\"map\": {\"id\": \"odoo_id\"}, \"ignore\": [\"synced_at\"]}')",
    )?;
    let load_secs = t.elapsed().as_secs_f64();
    let work_mem = scalar(&mut admin, "SHOW work_mem")?;
    let size = scalar(
        &mut admin,
        "SELECT pg_size_pretty(pg_total_relation_size('bench_drift.projects') + pg_total_relation_size('bench_drift.shadow_projects'))",
    )?;

    // Results identical to the seeds' views: the same counts, and the same
    // keys (the drift views against the seeds' views, both ways).
    let same_keys = scalar(
        &mut admin,
        "SELECT (SELECT count(*) FROM (SELECT id FROM public.bench_missing EXCEPT SELECT id FROM bench_drift.v_missing_in_odoo) a)
              + (SELECT count(*) FROM (SELECT id FROM bench_drift.v_missing_in_odoo EXCEPT SELECT id FROM public.bench_missing) a)
              + (SELECT count(*) FROM (SELECT id FROM public.bench_orphans EXCEPT SELECT odoo_id FROM bench_drift.v_orphan_in_odoo) a)
              + (SELECT count(*) FROM (SELECT odoo_id FROM bench_drift.v_orphan_in_odoo EXCEPT SELECT id FROM public.bench_orphans) a)
              + (SELECT count(*) FROM (SELECT id FROM public.bench_changed EXCEPT SELECT id FROM bench_drift.v_name_drift) a)
              + (SELECT count(*) FROM (SELECT id FROM bench_drift.v_name_drift EXCEPT SELECT id FROM public.bench_changed) a)",
    )?;

    let labels = [
        "floor: parallel count(*) of both tables",
        "seeds' three views (NOT EXISTS ×2, name join)",
        "one FULL OUTER JOIN comparing the columns (no hash)",
        "supabase_ext.drift_check()",
    ];
    let sqls = [FLOOR, SEEDS, ONE_JOIN, OURS];
    let mut cases = Vec::new();
    for (l, s) in labels.iter().zip(sqls) {
        cases.push(Case::new(*l, connect(conn)?, s));
    }
    let timings = util::time_cases(&mut cases, o.runs, 2.0)?;
    let seeds_result = cases[1].result.first().cloned().unwrap_or_default();
    let ours_result = cases[3].result.first().cloned().unwrap_or_default();
    let identical = seeds_result == ours_result && same_keys == "0";
    let floor = timings[0].median;
    let ours = timings[3].median;
    let mut rows: Vec<Vec<String>> = cases
        .iter()
        .zip(&timings)
        .map(|(c, t)| {
            vec![
                c.label.clone(),
                ms(t.median),
                format!("{:.1}×", t.median / floor),
                c.result.first().cloned().unwrap_or_default(),
            ]
        })
        .collect();

    let mut reladiff_secs: Option<f64> = None;
    let mut notes = Vec::new();
    match std::env::var("BENCH_RELADIFF").ok().filter(|v| !v.is_empty()) {
        Some(bin) => {
            notes.push(
                "reladiff runs with its defaults (one thread per database, bisection factor 32, threshold 16384) \
                 and compares name, amount and updated_at (the jsonb column is left out of its comparison); \
                 its time includes its Python start-up."
                    .into(),
            );
            for alg in ["joindiff", "hashdiff"] {
                match reladiff(&bin, conn, alg) {
                    Ok((secs, out)) => {
                        let stats: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).take(6).collect();
                        rows.push(vec![
                            format!("reladiff {alg} (name, amount, updated_at; one run)"),
                            ms(secs),
                            format!("{:.1}×", secs / floor),
                            stats.join("; "),
                        ]);
                        if alg == "hashdiff" {
                            reladiff_secs = Some(secs);
                        }
                    }
                    Err(e) => notes.push(format!("reladiff {alg} failed: {e}")),
                }
            }
        }
        None => notes.push("reladiff not run (set BENCH_RELADIFF to its executable).".into()),
    }

    let mut md = format!(
        "## Drift{rows_note}: one check against the floor, the seeds' views and reladiff (PostgreSQL 18)\n\n\
         - Machine: {cpu}, nproc {nproc}; shared with other builds while measuring.\n\
         - Server: {version}; supabase_ext preloaded (release build); max_parallel_workers_per_gather = 2, \
         work_mem = {work_mem}. Date: {date}.\n\
         - Data: {n} source rows (text name, numeric, timestamptz, jsonb) and a shadow with 0.1% missing, \
         0.1% orphaned and 1% renamed rows ({size} together; loaded in {load:.0} s).\n\
         - Median of {runs} runs, interleaved, each case on its own session. drift_check compares all four \
         columns and writes its log row; the seeds' views compare the name only (the only column that differs).\n\
         - Results: seeds' views `{seeds_result}`, drift_check `{ours_result}` (missing,orphans,changed); \
         keys differing between the drift views and the seeds' views: {same_keys}.\n\n",
        rows_note = if n == 1_000_000 { String::new() } else { format!(", {n} rows") },
        cpu = m.cpu,
        nproc = m.nproc,
        date = m.date,
        runs = o.runs,
        load = load_secs,
    );
    md += &md_table(&["case", "ms", "× floor", "result"], &rows);
    for n in &notes {
        md += &format!("\n- {n}");
    }
    md += "\n\n### Targets\n\n";
    md += &format!("- drift_check ≤ 2× the floor: {:.1}× → {}\n", ours / floor, met(ours <= 2.0 * floor));
    match reladiff_secs {
        Some(r) => {
            md += &format!(
                "- drift_check ≥ 50× faster than reladiff hashdiff: {:.0}× → {}\n",
                r / ours,
                met(r / ours >= 50.0)
            )
        }
        None => md += "- drift_check ≥ 50× faster than reladiff hashdiff: not measured\n",
    }
    md += &format!("- results identical to the seeds' views: → {}\n", met(identical));
    admin.batch_execute("SELECT supabase_ext.drift_unregister('bench')")?;
    // The default size has its own section; other sizes (BENCH_DRIFT_ROWS)
    // get another, so a 10M run doesn't replace the 1M one.
    let key = if n == 1_000_000 { "drift" } else { "drift-large" };
    Ok(Section { key, markdown: md })
}
