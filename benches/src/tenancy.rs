//! Tenancy: the cost of tenant RLS policies against a literal predicate.
//!
//! 1M rows across 100 tenants, in two copies: `t_idx` (btree on tenant_id) and
//! `t_seq` (no index). Every policy variant is present at once, each `TO` its
//! own role, so the variants can be timed round-robin on their own sessions:
//! the generated policy is `TO authenticated` as enable_tenant_rls() makes it;
//! the hand-written ones are `TO bench_*` roles with the same privileges
//! (members of no other role, so exactly one policy applies to each session).

use crate::util::{self, connect, explain, md_table, met, ms, Case, Plan, Res, Timing};
use crate::{Opts, Section};
use postgres::Client;

const ROWS: u32 = 1_000_000;
const TENANTS: u32 = 100;
const TENANT: u32 = 42;
const MULTI: [u32; 3] = [42, 7, 77];
const ROLES: [&str; 4] = ["bench_unwrapped", "bench_sql_wrapped", "bench_sql_unwrapped", "bench_plpgsql"];
const QUERY: &str = "SELECT count(*), sum(length(body)) FROM bench.";

fn tenant(c: &mut Client, n: u32) -> Res<String> {
    util::scalar(c, &format!("SELECT bench.tenant({n})"))
}

fn setup(c: &mut Client) -> Res<()> {
    let roles = ROLES.join(", ");
    c.batch_execute(&format!(
        r#"
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
DO $$ DECLARE r text; BEGIN
  FOREACH r IN ARRAY string_to_array('{roles}', ', ') LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN EXECUTE format('CREATE ROLE %I NOLOGIN', r); END IF;
  END LOOP;
END $$;
GRANT USAGE ON SCHEMA bench, supabase_ext TO authenticated, {roles};
-- Supabase-style claim helpers (auth.uid() shape): SQL, inlinable, STABLE,
-- not marked PARALLEL SAFE (as Supabase's are not); and the PL/pgSQL variant.
CREATE FUNCTION bench.auth_tenant() RETURNS uuid LANGUAGE sql STABLE AS $f$
  SELECT (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tenant_id')::uuid $f$;
CREATE FUNCTION bench.auth_tenant_plpgsql() RETURNS uuid LANGUAGE plpgsql STABLE AS $f$
BEGIN RETURN (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tenant_id')::uuid; END $f$;
CREATE FUNCTION bench.auth_tenant_ids() RETURNS uuid[] LANGUAGE sql STABLE AS $f$
  SELECT array(SELECT jsonb_array_elements_text(nullif(current_setting('request.jwt.claims', true), '')::jsonb -> 'tenant_ids'))::uuid[] $f$;
CREATE FUNCTION bench.auth_tenant_ids_plpgsql() RETURNS uuid[] LANGUAGE plpgsql STABLE AS $f$
BEGIN RETURN array(SELECT jsonb_array_elements_text(nullif(current_setting('request.jwt.claims', true), '')::jsonb -> 'tenant_ids'))::uuid[]; END $f$;
CREATE FUNCTION bench.tenant(n int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $f$ SELECT md5('tenant-' || n)::uuid $f$;

CREATE TABLE bench.t_seq (id bigint NOT NULL, tenant_id uuid NOT NULL, body text NOT NULL);
INSERT INTO bench.t_seq
  SELECT i, bench.tenant(((i - 1) / {per})::int), md5(i::text) || repeat('x', (i % 64)::int)
    FROM generate_series(1, {ROWS}) AS i;
CREATE TABLE bench.t_idx (LIKE bench.t_seq);
INSERT INTO bench.t_idx SELECT * FROM bench.t_seq;
CREATE INDEX ON bench.t_idx (tenant_id);
"#,
        per = ROWS / TENANTS
    ))?;
    c.batch_execute("VACUUM (FREEZE, ANALYZE) bench.t_seq, bench.t_idx")?;
    for t in ["t_seq", "t_idx"] {
        c.batch_execute(&format!(
            "ALTER TABLE bench.{t} ENABLE ROW LEVEL SECURITY;
             GRANT SELECT ON bench.{t} TO authenticated, {roles};"
        ))?;
    }
    Ok(())
}

/// Hand-written policies for one mode, and the generated one.
fn policies(c: &mut Client, multi: bool) -> Res<()> {
    let exprs: [&str; 4] = if multi {
        [
            "tenant_id = ANY (supabase_ext.tenant_ids())",
            "tenant_id = ANY ((SELECT bench.auth_tenant_ids())::uuid[])",
            "tenant_id = ANY (bench.auth_tenant_ids())",
            "tenant_id = ANY (bench.auth_tenant_ids_plpgsql())",
        ]
    } else {
        [
            "tenant_id = supabase_ext.tenant_id()",
            "tenant_id = (SELECT bench.auth_tenant())",
            "tenant_id = bench.auth_tenant()",
            "tenant_id = bench.auth_tenant_plpgsql()",
        ]
    };
    for t in ["t_seq", "t_idx"] {
        let mut sql = String::from("SET client_min_messages = error;");
        for (role, e) in ROLES.iter().zip(exprs) {
            sql += &format!(
                "DROP POLICY IF EXISTS {role} ON bench.{t};
                 CREATE POLICY {role} ON bench.{t} FOR SELECT TO {role} USING ({e});"
            );
        }
        sql += &format!(
            "SELECT supabase_ext.disable_tenant_rls('bench.{t}');
             SELECT supabase_ext.enable_tenant_rls('bench.{t}', 'tenant_id', '{{\"multi\": {multi}}}');
             RESET client_min_messages;"
        );
        c.batch_execute(&sql)?;
    }
    Ok(())
}

fn session(conn: &str, role: Option<&str>, claims: &str) -> Res<Client> {
    let mut c = connect(conn)?;
    c.batch_execute(&format!("SELECT set_config('request.jwt.claims', '{claims}', false);"))?;
    if let Some(r) = role {
        c.batch_execute(&format!("SET ROLE {r}"))?;
    }
    Ok(c)
}

struct Row {
    label: &'static str,
    plans: Vec<Plan>,
    times: Vec<Timing>,
}

/// Times floor + five policies on both tables. Returns one row per variant,
/// with [index, seq] plans and timings.
fn measure(o: &Opts, conn: &str, claims: &str, floor_pred: &str, control_pred: &str) -> Res<Vec<Row>> {
    let variants: [(&'static str, Option<&str>); 7] = [
        ("literal predicate, no RLS (floor)", None),
        ("generated policy (enable_tenant_rls)", Some("authenticated")),
        ("hand-written, unwrapped supabase_ext fn", Some(ROLES[0])),
        ("SQL helper, wrapped (select …)", Some(ROLES[1])),
        ("SQL helper, unwrapped", Some(ROLES[2])),
        ("PL/pgSQL helper, unwrapped", Some(ROLES[3])),
        ("control: literal via InitPlan `(SELECT '…')`, no RLS", Some("")),
    ];
    let mut rows: Vec<Row> =
        variants.iter().map(|(l, _)| Row { label: l, plans: vec![], times: vec![] }).collect();
    for table in ["t_idx", "t_seq"] {
        let mut cases = Vec::new();
        for (label, role) in variants {
            let sql = match role {
                None => format!("{QUERY}{table} WHERE {floor_pred}"),
                Some("") => format!("{QUERY}{table} WHERE {control_pred}"),
                Some(_) => format!("{QUERY}{table}"),
            };
            let mut c = Case::new(label, session(conn, role.filter(|r| !r.is_empty()), claims)?, sql);
            // EXPLAIN ANALYZE on the case's own session doubles as its warm-up.
            let (plan, secs) = explain(&mut c.client, &c.sql)?;
            c.known_secs = Some(secs);
            rows[cases.len()].plans.push(plan);
            cases.push(c);
        }
        eprintln!("  timing {} cases on {table} …", cases.len());
        for (i, t) in util::time_cases(&mut cases, o.runs, 0.3)?.into_iter().enumerate() {
            rows[i].times.push(t);
        }
        // Same answer everywhere, else the comparison is void.
        for c in &cases {
            if c.result != cases[0].result || cases[0].result.first().map(String::as_str) == Some("0") {
                return Err(
                    format!("{table}/{}: got {:?}, floor {:?}", c.label, c.result, cases[0].result).into()
                );
            }
        }
    }
    Ok(rows)
}

fn table(rows: &[Row], reference: Option<&[&str]>) -> String {
    let floor = &rows[0].times;
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let mut v = vec![r.label.to_string()];
        for ((plan, t), f) in r.plans.iter().zip(&r.times).zip(floor).take(2) {
            v.push(plan.summary());
            v.push(ms(t.median));
            v.push(format!("{:.2}×", t.median / f.median));
        }
        if let Some(refs) = reference {
            v.push(refs[i].to_string());
        }
        out.push(v);
    }
    let mut h = vec!["policy", "plan, btree index", "ms", "× floor", "plan, no index", "ms", "× floor"];
    if reference.is_some() {
        h.push("issue's seq-scan ratio");
    }
    md_table(&h, &out)
}

pub fn run(o: &Opts) -> Res<Section> {
    let conn = o.pg18.as_deref().ok_or("tenancy needs --pg18 (or BENCH_PG18)")?;
    let m = util::machine();
    let mut admin = connect(conn)?;
    let version = util::server_version(&mut admin)?;
    let pworkers = util::scalar(&mut admin, "SHOW max_parallel_workers_per_gather")?;
    eprintln!("tenancy: loading {ROWS} rows × 2 tables …");
    setup(&mut admin)?;
    let t = tenant(&mut admin, TENANT as _)?;
    let multi: Vec<String> = MULTI.iter().map(|n| tenant(&mut admin, *n)).collect::<Res<_>>()?;
    let sub = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";
    let single_claims = format!(r#"{{"sub":"{sub}","role":"authenticated","tenant_id":"{t}"}}"#);
    let multi_claims =
        format!(r#"{{"sub":"{sub}","role":"authenticated","tenant_ids":["{}"]}}"#, multi.join("\",\""));

    eprintln!("tenancy: single-tenant policies …");
    policies(&mut admin, false)?;
    let single = measure(
        o,
        conn,
        &single_claims,
        &format!("tenant_id = '{t}'"),
        &format!("tenant_id = (SELECT '{t}'::uuid)"),
    )?;
    eprintln!("tenancy: multi-tenant policies …");
    policies(&mut admin, true)?;
    let n_ids = util::scalar(
        &mut session(conn, Some("authenticated"), &multi_claims)?,
        "SELECT cardinality(supabase_ext.tenant_ids())",
    )?;
    if n_ids != "3" {
        return Err(format!("tenant_ids() returned {n_ids} memberships, expected 3").into());
    }
    let arr = format!("'{{{}}}'::uuid[]", multi.join(","));
    let multi_rows = measure(
        o,
        conn,
        &multi_claims,
        &format!("tenant_id = ANY ({arr})"),
        &format!("tenant_id = ANY ((SELECT {arr})::uuid[])"),
    )?;

    // Per-call cost, net of the same scan with a plain column.
    eprintln!("tenancy: per-call cost …");
    let (sc, mc) = (single_claims.as_str(), multi_claims.as_str());
    let calls: [(&str, &str, u32, &str); 6] = [
        ("baseline: count(g)", "g", 1_000_000, sc),
        ("supabase_ext.tenant_id()", "supabase_ext.tenant_id()", 1_000_000, sc),
        ("SQL helper bench.auth_tenant() (inlined)", "bench.auth_tenant()", 200_000, sc),
        ("PL/pgSQL helper", "bench.auth_tenant_plpgsql()", 200_000, sc),
        ("supabase_ext.tenant_ids() (3 ids)", "supabase_ext.tenant_ids()", 1_000_000, mc),
        ("SQL helper bench.auth_tenant_ids() (3 ids)", "bench.auth_tenant_ids()", 200_000, mc),
    ];
    let mut cases = Vec::new();
    for (label, e, n, claims) in calls {
        let sql = format!("SELECT count({e}) FROM generate_series(1, {n}) AS g");
        cases.push(Case::new(label, session(conn, Some("authenticated"), claims)?, sql));
    }
    let ct = util::time_cases(&mut cases, o.runs, 0.3)?;
    // Baseline per row, for any N.
    let base_ns = ct[0].median * 1e9 / 1e6;
    let per_call: Vec<f64> = calls
        .iter()
        .zip(&ct)
        .map(|((_, _, n, _), t)| (t.median * 1e9 - base_ns * *n as f64) / *n as f64)
        .collect();
    let call_rows: Vec<Vec<String>> = calls
        .iter()
        .zip(&ct)
        .enumerate()
        .map(|(i, ((label, _, n, _), t))| {
            vec![
                label.to_string(),
                n.to_string(),
                ms(t.median),
                if i == 0 { format!("{base_ns:.0} (per row)") } else { format!("{:.0}", per_call[i]) },
                match i {
                    1..=3 => format!("{:.2}× tenant_id()", per_call[i] / per_call[1]),
                    4 | 5 => format!("{:.2}× tenant_ids()", per_call[i] / per_call[4]),
                    _ => String::new(),
                },
            ]
        })
        .collect();

    // Targets.
    let r = |rows: &[Row], v: usize, p: usize| rows[v].times[p].median / rows[0].times[p].median;
    let targets = [
        ("generated policy ≤ 1.10× floor, btree index plan", r(&single, 1, 0), 1.10),
        ("generated policy ≤ 1.10× floor, sequential scan", r(&single, 1, 1), 1.10),
        ("hand-written unwrapped tenant_id() ≤ 2× floor, sequential scan", r(&single, 2, 1), 2.0),
        ("(multi) generated policy ≤ 1.10× floor, btree index plan", r(&multi_rows, 1, 0), 1.10),
        ("(multi) generated policy ≤ 1.10× floor, sequential scan", r(&multi_rows, 1, 1), 1.10),
        (
            "(multi) hand-written unwrapped tenant_ids() ≤ 2× floor, sequential scan",
            r(&multi_rows, 2, 1),
            2.0,
        ),
    ];
    let mut tgt = String::new();
    for (name, ratio, limit) in targets {
        tgt += &format!("- {name}: {ratio:.2}× → {}", met(ratio <= limit));
        if ratio > limit {
            tgt += &format!(" (over by {:.0}%)", (ratio / limit - 1.0) * 100.0);
        }
        tgt += "\n";
    }
    // What per-row calls alone predict for the unwrapped supabase_ext policy on a seq scan.
    let seq_floor = single[0].times[1].median;
    // Processes scanning, capped by the cores they share.
    let workers = (1 + single[2].plans[1].workers_launched).min(m.nproc.max(1) as u32);
    let predicted = per_call[1] * ROWS as f64 / 1e9 / workers as f64;
    // Where the generated policy's plan differs from the floor's, and what the
    // InitPlan control (same literal, no RLS, no supabase_ext) shows.
    let mut notes = String::new();
    for (mode, rows) in [("one tenant", &single), ("three memberships", &multi_rows)] {
        for (p, pname) in ["btree index", "no index"].iter().enumerate() {
            let (f, ours, ctl) = (&rows[0], &rows[1], &rows[6]);
            let ro = ours.times[p].median / f.times[p].median;
            let rc = ctl.times[p].median / f.times[p].median;
            if ro <= 1.10 {
                continue;
            }
            notes += &format!(
                "- {mode}, {pname}: the generated policy is {ro:.2}× the floor; plan `{}` vs the floor's `{}`. \
                 The control (the same literal behind an InitPlan, no RLS, no supabase_ext call) is {rc:.2}× the floor{}\n",
                ours.plans[p].summary(),
                f.plans[p].summary(),
                if rc >= 0.9 * ro {
                    ": the control reproduces the gap without supabase_ext, so it comes from the array being a \
                     run-time parameter (an InitPlan value the planner cannot see), not from supabase_ext's function."
                } else {
                    "; the rest of the gap is not explained by the parameter alone."
                }
            );
        }
    }

    let mut plans = String::new();
    for (mode, rows) in [("single", &single), ("multi", &multi_rows)] {
        for r in rows.iter() {
            for (p, tname) in ["t_idx", "t_seq"].iter().enumerate() {
                plans += &format!("-- {mode} / {tname} / {}\n{}\n\n", r.label, r.plans[p].text);
            }
        }
    }

    let md = format!(
        r#"## Tenancy: RLS policy overhead (PostgreSQL 18)

- Machine: {cpu}, nproc {nproc}, sha_ni {sha}; shared with other builds while measuring.
- Server: {version}; `shared_buffers = 1GB`, `jit = off`, `max_parallel_workers_per_gather = {pworkers}`, supabase_ext preloaded (release build).
- Date: {date}.
- Data: {ROWS} rows (`id bigint, tenant_id uuid, body text` of 32–95 chars) across {TENANTS} tenants, stored in tenant order;
  two copies: `t_idx` with a btree on `tenant_id`, `t_seq` with no index. All pages cached (VACUUM FREEZE ANALYZE, warm-up).
- Query: `SELECT count(*), sum(length(body)) FROM t` (one tenant: 10,000 rows; three memberships: 30,000 rows).
  The floor runs as the superuser (bypasses RLS) with a literal `WHERE`; every policy runs as a role with
  `request.jwt.claims` set. The generated policy is `TO authenticated`; each hand-written one is `TO` its own
  role with the same grants, so all variants coexist and are timed round-robin, each on its own session.
  Every variant's result is checked equal to the floor's; plans are from `EXPLAIN ANALYZE` on the same session.
- Timing: simple-protocol round trips (parse + plan + execute), warm-up, then the median of {runs} runs, each
  run repeating the query for ≈0.3 s.
- Helpers: `bench.auth_tenant()` is `LANGUAGE sql STABLE` (`(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tenant_id')::uuid`),
  not marked PARALLEL SAFE, like Supabase's `auth.uid()`; the PL/pgSQL helper is the same expression, STABLE.
  The membership helpers return `array(SELECT jsonb_array_elements_text(claims -> 'tenant_ids'))::uuid[]` (a sub-select: not inlinable).

### One tenant (`tenant_id = …`)

{single_table}
### Three memberships (`tenant_id = ANY (…)`)

{multi_table}
### Per-call cost

`SELECT count(<expr>) FROM generate_series(1, N) AS g` as `authenticated` with claims set; ns/call is net of the baseline's per-row cost.

{calls_table}
### Targets

{tgt}
Notes:
- The unwrapped `supabase_ext.tenant_id()` is called once per row on the sequential scan (it is a Filter, not an InitPlan):
  {pc:.0} ns/call × {ROWS} rows / {workers} processes ≈ {pred} ms added to a {floor} ms floor, i.e. a predicted
  {pratio:.2}× (measured {mratio:.2}×). On the index plan the call is an index key, evaluated once.
  ({workers} = scanning processes, capped at nproc since leader and workers share the cores.)
{notes}- A plan shown "not parallel" lost parallelism because a function in it is not PARALLEL SAFE (the SQL/PL/pgSQL
  helpers are not marked), which changes the sequential-scan ratio by up to the worker count.

<details><summary>Plans (EXPLAIN ANALYZE, COSTS OFF, TIMING OFF)</summary>

```
{plans}```
</details>
"#,
        cpu = m.cpu,
        nproc = m.nproc,
        sha = if m.sha_ni { "yes" } else { "no" },
        date = m.date,
        runs = o.runs,
        single_table = table(&single, Some(&["1.00×", "—", "—", "1.44×", "16.8×", "32.6×", "—"])),
        multi_table = table(&multi_rows, None),
        calls_table = md_table(&["expression", "N", "ms", "ns/call", "ratio"], &call_rows),
        pc = per_call[1],
        pred = ms(predicted),
        floor = ms(seq_floor),
        pratio = (seq_floor + predicted) / seq_floor,
        mratio = single[2].times[1].median / seq_floor,
    );
    Ok(Section { key: "tenancy", markdown: md })
}
