//! Benchmarks of supabase_ext against named peers, each measured in the same
//! cluster in the same run. Results are printed and written into
//! BENCHMARKS.md, one marked section per benchmark.
//!
//!   supabase_ext_bench tenancy  --pg18 'host=localhost port=54340 user=postgres dbname=postgres'
//!   supabase_ext_bench webhooks --pg15 'host=localhost port=54341 user=postgres dbname=postgres'
//!   supabase_ext_bench drift    --pg18 'host=localhost port=54340 user=postgres dbname=postgres'
//!   supabase_ext_bench jobs     --pg18 'host=localhost port=54340 user=postgres dbname=postgres'
//!   supabase_ext_bench search   --pg18 'host=localhost port=54340 user=postgres dbname=postgres'
//!   supabase_ext_bench all --pg18 … --pg15 … [--pgbench PATH] [--out BENCHMARKS.md] [--runs 5]
//!
//! Connection strings also come from BENCH_PG18 / BENCH_PG15, pgbench from PGBENCH.

mod drift;
mod jobs;
mod search;
mod tenancy;
mod util;
mod webhooks;

use std::path::PathBuf;
use util::Res;

pub struct Opts {
    pub pg18: Option<String>,
    pub pg15: Option<String>,
    pub pgbench: String,
    pub out: PathBuf,
    /// Timed runs per case (the median is reported), after a warm-up.
    pub runs: usize,
    /// Seconds per pgbench run.
    pub pgbench_secs: u32,
}

/// A finished benchmark: its BENCHMARKS.md section and whether all targets were met.
pub struct Section {
    pub key: &'static str,
    pub markdown: String,
}

fn usage() -> ! {
    eprintln!(
        "usage: supabase_ext_bench <tenancy|webhooks|jobs|drift|search|all> [--pg18 CONN] [--pg15 CONN] \
         [--pgbench PATH] [--out FILE] [--runs N] [--pgbench-secs N]"
    );
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let cmd = args.next().unwrap_or_else(|| usage());
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut o = Opts {
        pg18: env("BENCH_PG18"),
        pg15: env("BENCH_PG15"),
        pgbench: env("PGBENCH").unwrap_or_else(|| "/usr/lib/postgresql/15/bin/pgbench".into()),
        out: env("BENCH_OUT")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../BENCHMARKS.md"))),
        runs: env("BENCH_RUNS").and_then(|v| v.parse().ok()).unwrap_or(5),
        pgbench_secs: env("BENCH_PGBENCH_SECS").and_then(|v| v.parse().ok()).unwrap_or(6),
    };
    while let Some(flag) = args.next() {
        let val = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--pg18" => o.pg18 = Some(val),
            "--pg15" => o.pg15 = Some(val),
            "--pgbench" => o.pgbench = val,
            "--out" => o.out = PathBuf::from(val),
            "--runs" => o.runs = val.parse().unwrap_or_else(|_| usage()),
            "--pgbench-secs" => o.pgbench_secs = val.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    o.runs = o.runs.max(5);
    let which: Vec<&str> = match cmd.as_str() {
        "all" => vec!["tenancy", "webhooks", "jobs", "drift", "search"],
        "tenancy" | "webhooks" | "jobs" | "drift" | "search" => vec![cmd.as_str()],
        _ => usage(),
    };
    let mut failed = false;
    for b in which {
        let started = std::time::Instant::now();
        let r: Res<Section> = match b {
            "tenancy" => tenancy::run(&o),
            "jobs" => jobs::run(&o),
            "drift" => drift::run(&o),
            "search" => search::run(&o),
            _ => webhooks::run(&o),
        };
        match r {
            Ok(s) => {
                println!("\n{}", s.markdown);
                println!("({b}: {:.0} s)", started.elapsed().as_secs_f64());
                if let Err(e) = util::write_section(&o.out, s.key, &s.markdown) {
                    eprintln!("cannot update {}: {e}", o.out.display());
                    failed = true;
                }
            }
            Err(e) => {
                let msg = match e.downcast_ref::<postgres::Error>().and_then(|p| p.as_db_error()) {
                    Some(d) => format!("{}: {} {:?}", d.code().code(), d.message(), d.where_()),
                    None => e.to_string(),
                };
                eprintln!("{b} benchmark failed: {msg}");
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
