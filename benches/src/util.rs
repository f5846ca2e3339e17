//! Timing, plan capture, machine description and BENCHMARKS.md writing.

use postgres::{Client, NoTls, SimpleQueryMessage};
use std::time::Instant;

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

pub fn connect(conn: &str) -> Res<Client> {
    Client::connect(conn, NoTls).map_err(|e| format!("cannot connect to '{conn}': {e}").into())
}

/// The text of the first row of a simple-protocol query.
pub fn first_row(c: &mut Client, sql: &str) -> Res<Vec<String>> {
    for m in c.simple_query(sql)? {
        if let SimpleQueryMessage::Row(r) = m {
            return Ok((0..r.len()).map(|i| r.get(i).unwrap_or("NULL").to_string()).collect());
        }
    }
    Err(format!("no row from: {sql}").into())
}

pub fn scalar(c: &mut Client, sql: &str) -> Res<String> {
    Ok(first_row(c, sql)?.remove(0))
}

/// One timed case: a statement run on its own session (role, settings).
pub struct Case {
    pub label: String,
    pub client: Client,
    pub sql: String,
    /// Seconds of an execution already made (e.g. EXPLAIN ANALYZE): it then
    /// serves as the warm-up and sets the repetitions.
    pub known_secs: Option<f64>,
    /// First row of the first execution by `time_cases`.
    pub result: Vec<String>,
}

impl Case {
    pub fn new(label: impl Into<String>, client: Client, sql: impl Into<String>) -> Case {
        Case { label: label.into(), client, sql: sql.into(), known_secs: None, result: Vec::new() }
    }

    fn exec(&mut self) -> Res<f64> {
        let t = Instant::now();
        let msgs = self.client.simple_query(&self.sql)?;
        let secs = t.elapsed().as_secs_f64();
        if self.result.is_empty() {
            if let Some(SimpleQueryMessage::Row(r)) =
                msgs.iter().find(|m| matches!(m, SimpleQueryMessage::Row(_)))
            {
                self.result = (0..r.len()).map(|i| r.get(i).unwrap_or("NULL").to_string()).collect();
            }
        }
        Ok(secs)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Seconds per execution: median over runs, each run averaging its repetitions.
    pub median: f64,
}

/// Warm-up (one execution, unless `known_secs` stands for it; a second one,
/// timed, when the first was short) sets repetitions so a run takes about
/// `run_secs`; then `runs` runs taken round-robin across the cases, so drift
/// in machine load (a shared 2-core box) hits every case alike.
pub fn time_cases(cases: &mut [Case], runs: usize, run_secs: f64) -> Res<Vec<Timing>> {
    let mut reps = Vec::new();
    for c in cases.iter_mut() {
        let mut t0 = match c.known_secs {
            Some(t) => t,
            None => c.exec()?,
        };
        if t0 < 0.5 {
            t0 = c.exec()?;
        }
        reps.push(((run_secs / t0.max(1e-6)).ceil() as usize).clamp(1, 5000));
    }
    let mut samples = vec![Vec::new(); cases.len()];
    for _ in 0..runs {
        for (i, c) in cases.iter_mut().enumerate() {
            let t = Instant::now();
            for _ in 0..reps[i] {
                c.exec()?;
            }
            samples[i].push(t.elapsed().as_secs_f64() / reps[i] as f64);
        }
    }
    Ok(samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(|a, b| a.partial_cmp(b).unwrap());
            Timing { median: median(&s) }
        })
        .collect())
}

pub fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// What EXPLAIN ANALYZE showed for a statement.
pub struct Plan {
    pub text: String,
    pub parallel: bool,
    pub workers_planned: u32,
    pub workers_launched: u32,
    /// Scan nodes, e.g. "Parallel Seq Scan", "Index Scan".
    pub scans: Vec<String>,
    pub init_plan: bool,
}

impl Plan {
    pub fn summary(&self) -> String {
        let mut s = self.scans.join(" + ");
        if self.parallel {
            s += &format!(" (parallel, {}/{} workers)", self.workers_launched, self.workers_planned);
        } else {
            s += " (not parallel)";
        }
        if self.init_plan {
            s += ", InitPlan";
        }
        s
    }
}

/// EXPLAIN ANALYZE of `sql` on `c`, and how long it took.
pub fn explain(c: &mut Client, sql: &str) -> Res<(Plan, f64)> {
    let mut lines = Vec::new();
    let t = Instant::now();
    let msgs = c.simple_query(&format!("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}"))?;
    let secs = t.elapsed().as_secs_f64();
    for m in msgs {
        if let SimpleQueryMessage::Row(r) = m {
            lines.push(r.get(0).unwrap_or("").to_string());
        }
    }
    let num = |key: &str| {
        lines.iter().find_map(|l| l.trim().strip_prefix(key).and_then(|v| v.trim().parse().ok())).unwrap_or(0)
    };
    let mut scans = Vec::new();
    for l in &lines {
        let node = l.trim().trim_start_matches("->").trim();
        for kind in [
            "Parallel Seq Scan",
            "Seq Scan",
            "Parallel Index Only Scan",
            "Index Only Scan",
            "Parallel Index Scan",
            "Index Scan",
            "Parallel Bitmap Heap Scan",
            "Bitmap Heap Scan",
            "Bitmap Index Scan",
            "Function Scan",
        ] {
            if node.starts_with(kind) {
                if !scans.iter().any(|s| s == kind) {
                    scans.push(kind.to_string());
                }
                break;
            }
        }
    }
    Ok((
        Plan {
            parallel: lines.iter().any(|l| l.contains("Gather")),
            workers_planned: num("Workers Planned:"),
            workers_launched: num("Workers Launched:"),
            init_plan: lines.iter().any(|l| l.contains("InitPlan")),
            scans,
            text: lines.join("\n"),
        },
        secs,
    ))
}

/// nproc, CPU model and flags of interest, date.
pub struct Machine {
    pub nproc: usize,
    pub cpu: String,
    pub sha_ni: bool,
    pub date: String,
}

pub fn machine() -> Machine {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |k: &str| {
        info.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Machine {
        nproc: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        cpu: field("model name"),
        sha_ni: field("flags").split_whitespace().any(|f| f == "sha_ni"),
        date,
    }
}

pub fn server_version(c: &mut Client) -> Res<String> {
    let v = scalar(c, "SELECT version()")?;
    Ok(v.split(" on ").next().unwrap_or(&v).to_string())
}

pub fn md_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s =
        format!("| {} |\n|{}\n", header.join(" | "), header.iter().map(|_| "---|").collect::<String>());
    for r in rows {
        s += &format!("| {} |\n", r.join(" | "));
    }
    s
}

pub fn met(ok: bool) -> &'static str {
    if ok {
        "**met**"
    } else {
        "**NOT met**"
    }
}

pub fn ms(secs: f64) -> String {
    let ms = secs * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

/// Replaces the section between `<!-- bench:KEY:start -->` and
/// `<!-- bench:KEY:end -->`, or appends it.
pub fn write_section(path: &std::path::Path, key: &str, body: &str) -> Res<()> {
    let (start, end) = (format!("<!-- bench:{key}:start -->"), format!("<!-- bench:{key}:end -->"));
    let block = format!("{start}\n{}\n{end}", body.trim_end());
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| {
        "# Benchmarks\n\nGenerated by `make bench` (scripts/bench.sh → benches/, \
         `supabase_ext_bench`). Each section is rewritten by its benchmark; every ratio \
         compares numbers measured in the same cluster in the same run.\n"
            .to_string()
    });
    let new = match (old.find(&start), old.find(&end)) {
        (Some(a), Some(b)) if b > a => format!("{}{block}{}", &old[..a], &old[b + end.len()..]),
        _ => format!("{}\n{block}\n", old.trim_end_matches('\n').to_string() + "\n"),
    };
    std::fs::write(path, new)?;
    Ok(())
}

/// libpq key=value pairs → PG* environment for pgbench.
pub fn pg_env(conn: &str) -> Vec<(String, String)> {
    let map = [("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("dbname", "PGDATABASE")];
    conn.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| map.iter().find(|(a, _)| *a == k).map(|(_, e)| (e.to_string(), v.to_string())))
        .collect()
}
