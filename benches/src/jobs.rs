//! Jobs: the queue cycle (enqueue, claim, complete) against a pgmq-style SQL
//! queue rebuilt from pgmq's documented send/read/delete SQL, both in the same
//! PG18 cluster, with pgbench in prepared mode at 1 and 8 clients.

#[path = "jobs_delivery.rs"]
mod delivery;

use crate::util::{self, connect, Res};
use crate::{Opts, Section};
use std::process::Command;

/// Messages kept ready in each queue, so a claim always finds one.
const DEPTH: i64 = 10_000;

const OURS: &str = "SELECT supabase_ext.enqueue('bench', '{\"n\": 1}');
SELECT id FROM supabase_ext.dequeue('bench', 1, '30 seconds') \\gset
SELECT supabase_ext.ack(:id);
";
/// pgmq's send, read (visibility timeout via FOR UPDATE SKIP LOCKED) and
/// delete, as documented, on a table shaped like pgmq's `q_<name>`.
const PGMQ: &str = "INSERT INTO bench_pgmq.q_bench (vt, message) VALUES (clock_timestamp(), '{\"n\": 1}') RETURNING msg_id;
WITH cte AS (SELECT msg_id FROM bench_pgmq.q_bench WHERE vt <= clock_timestamp() ORDER BY msg_id ASC LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE bench_pgmq.q_bench m SET vt = clock_timestamp() + interval '30 seconds', read_ct = read_ct + 1
  FROM cte WHERE m.msg_id = cte.msg_id RETURNING m.msg_id \\gset
DELETE FROM bench_pgmq.q_bench WHERE msg_id = :msg_id RETURNING msg_id;
";

fn pgbench(o: &Opts, conn: &str, script: &std::path::Path, clients: u32) -> Res<f64> {
    let out = Command::new(&o.pgbench)
        .args(["-n", "-M", "prepared", "-f"])
        .arg(script)
        .args([
            "-c",
            &clients.to_string(),
            "-j",
            &clients.min(2).to_string(),
            "-T",
            &o.pgbench_secs.to_string(),
        ])
        .envs(util::pg_env(conn))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", o.pgbench))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() || text.contains("aborted") {
        return Err(format!("pgbench failed: {text}{}", String::from_utf8_lossy(&out.stderr)).into());
    }
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("no tps in pgbench output: {text}").into())
}

/// The queue cycle, HTTP deliveries and cron lateness (BENCH_JOBS=queue,http,cron
/// picks some). Each part has its own BENCHMARKS.md section; all but the last
/// are written here, the last is returned.
pub fn run(o: &Opts) -> Res<Section> {
    let conn = o.pg18.as_deref().ok_or("jobs needs --pg18 (or BENCH_PG18)")?;
    let parts = std::env::var("BENCH_JOBS").unwrap_or_else(|_| "queue,http,cron".into());
    let mut sections: Vec<(&'static str, String)> = Vec::new();
    if parts.contains("queue") {
        sections.push(("jobs", queue_cycle(o, conn)?));
    }
    if parts.contains("http") || parts.contains("cron") {
        let (http, cron) = delivery::run(conn, parts.contains("http"), parts.contains("cron"))?;
        sections.extend(http.map(|h| ("jobs-http", h)));
        sections.extend(cron.map(|c| ("jobs-cron", c)));
    }
    let (key, markdown) = sections.pop().ok_or("BENCH_JOBS names no part (queue, http, cron)")?;
    for (k, md) in sections {
        println!("\n{md}");
        util::write_section(&o.out, k, &md)?;
    }
    Ok(Section { key, markdown })
}

fn queue_cycle(o: &Opts, conn: &str) -> Res<String> {
    let m = util::machine();
    let mut admin = connect(conn)?;
    let version = util::server_version(&mut admin)?;
    admin.batch_execute(&format!(
        "SET client_min_messages = error;
         DROP SCHEMA IF EXISTS bench_pgmq CASCADE;
         CREATE SCHEMA bench_pgmq;
         CREATE TABLE bench_pgmq.q_bench (
             msg_id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
             read_ct integer DEFAULT 0 NOT NULL,
             enqueued_at timestamptz DEFAULT now() NOT NULL,
             vt timestamptz NOT NULL,
             message jsonb);
         CREATE INDEX ON bench_pgmq.q_bench (vt ASC);
         INSERT INTO bench_pgmq.q_bench (vt, message) SELECT clock_timestamp(), '{{\"n\": 1}}' FROM generate_series(1, {DEPTH});
         DELETE FROM supabase_ext.job_queue WHERE queue = 'bench';
         SELECT count(*) FROM supabase_ext.enqueue_batch('bench', array_fill('{{\"n\": 1}}'::jsonb, ARRAY[{DEPTH}]));
         RESET client_min_messages;"
    ))?;
    admin.batch_execute("VACUUM ANALYZE bench_pgmq.q_bench")?;
    admin.batch_execute("VACUUM ANALYZE supabase_ext.job_queue")?;
    let dir = std::env::temp_dir().join(format!("supabase_ext_bench_jobs_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let scripts = [("supabase_ext", dir.join("ours.sql")), ("pgmq-style SQL", dir.join("pgmq.sql"))];
    std::fs::write(&scripts[0].1, OURS)?;
    std::fs::write(&scripts[1].1, PGMQ)?;
    // Warm-up, then runs interleaved so machine-load drift hits both alike.
    for (_, s) in &scripts {
        pgbench(o, conn, s, 2)?;
    }
    let mut rows = Vec::new();
    let mut targets = String::new();
    for clients in [1u32, 8] {
        let mut tps = [Vec::new(), Vec::new()];
        for run in 0..o.runs {
            for (i, (label, s)) in scripts.iter().enumerate() {
                let t = pgbench(o, conn, s, clients)?;
                eprintln!("  run {run}: {clients} clients, {label}: {t:.0} cycles/s");
                tps[i].push(t);
            }
        }
        let med: Vec<f64> = tps
            .iter_mut()
            .map(|v| {
                v.sort_by(|a, b| a.partial_cmp(b).unwrap());
                util::median(v)
            })
            .collect();
        let ratio = med[0] / med[1];
        rows.push(vec![
            clients.to_string(),
            format!("{:.0}", med[0]),
            format!("{:.0}", med[1]),
            format!("{ratio:.2}×"),
        ]);
        targets += &format!(
            "- queue cycle, {clients} client(s): ≥ 2× the pgmq-style queue: {ratio:.2}× → {}\n",
            util::met(ratio >= 2.0)
        );
    }
    let depth_after: i64 =
        util::scalar(&mut admin, "SELECT count(*) FROM supabase_ext.job_queue WHERE queue = 'bench'")?
            .parse()?;
    std::fs::remove_dir_all(&dir).ok();
    let markdown = format!(
        r#"## Jobs: queue cycle (PostgreSQL 18)

- Machine: {cpu}, nproc {nproc}; shared with other builds while measuring.
- Server: {version}; supabase_ext preloaded (release build). Date: {date}.
- One cycle = enqueue, claim (1 message, 30 s lease), complete; pgbench `-M prepared`, {secs} s per run,
  median of {runs} runs, interleaved, each client its own session. Both queues hold {DEPTH} ready messages so a claim
  always finds one (depth after the runs, ours: {depth_after}).
- Ours: `enqueue()`, `dequeue()`, `ack()`. Peer: pgmq's documented `send` (INSERT … RETURNING msg_id),
  `read` (`WITH cte AS (SELECT msg_id … WHERE vt <= clock_timestamp() ORDER BY msg_id LIMIT 1 FOR UPDATE SKIP LOCKED)
  UPDATE … SET vt = clock_timestamp() + interval, read_ct = read_ct + 1 … RETURNING`) and `delete`, on a table shaped
  like pgmq's `q_<name>` with its `vt` index, as plain SQL (no pgmq functions).

{table}
### Targets

{targets}"#,
        cpu = m.cpu,
        nproc = m.nproc,
        date = m.date,
        secs = o.pgbench_secs,
        runs = o.runs,
        table = util::md_table(&["clients", "supabase_ext cycles/s", "pgmq-style cycles/s", "ratio"], &rows),
    );
    Ok(markdown)
}
