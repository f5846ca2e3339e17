//! Jobs: HTTP deliveries per second and cron firing lateness, through the
//! background worker and through `run_pending()`, against a loopback
//! receiver that verifies every Standard Webhooks signature.

use crate::util::{self, connect, Res};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A fixed bench secret (24 bytes, base64 in the whsec_ form).
const KEY: &[u8] = b"supabase_ext bench key!!";

fn secret() -> String {
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(KEY))
}

/// The Standard Webhooks signature of one message.
fn sign(id: &str, ts: &str, body: &[u8]) -> String {
    let mut h = Hmac::<Sha256>::new_from_slice(KEY).unwrap();
    h.update(id.as_bytes());
    h.update(b".");
    h.update(ts.as_bytes());
    h.update(b".");
    h.update(body);
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(h.finalize().into_bytes()))
}

/// A loopback HTTP/1.1 receiver, one thread per connection (keep-alive),
/// that checks the Standard Webhooks signature of every request and answers
/// 200 with an empty body.
pub struct Receiver {
    pub port: u16,
    pub ok: Arc<AtomicU64>,
    pub bad: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    pub fn start() -> Res<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let (ok, bad, stop) =
            (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let (ok2, bad2, stop2) = (ok.clone(), bad.clone(), stop.clone());
        std::thread::spawn(move || {
            for s in listener.incoming() {
                if stop2.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(s) = s else { continue };
                let (ok, bad) = (ok2.clone(), bad2.clone());
                std::thread::spawn(move || {
                    let _ = serve(s, &ok, &bad);
                });
            }
        });
        Ok(Receiver { port, ok, bad, stop })
    }

    pub fn reset(&self) {
        self.ok.store(0, Ordering::SeqCst);
        self.bad.store(0, Ordering::SeqCst);
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(s: TcpStream, ok: &AtomicU64, bad: &AtomicU64) -> std::io::Result<()> {
    s.set_nodelay(true)?;
    let mut w = s.try_clone()?;
    let mut r = BufReader::with_capacity(16 * 1024, s);
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let (mut len, mut close) = (0usize, false);
        let (mut id, mut ts, mut sig) = (String::new(), String::new(), String::new());
        loop {
            line.clear();
            if r.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                let v = v.trim();
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-length" => len = v.parse().unwrap_or(0),
                    "connection" => close = v.eq_ignore_ascii_case("close"),
                    "webhook-id" => id = v.to_string(),
                    "webhook-timestamp" => ts = v.to_string(),
                    "webhook-signature" => sig = v.to_string(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body)?;
        let expected = sign(&id, &ts, &body);
        if !id.is_empty() && sig.split(' ').any(|s| s == expected) {
            ok.fetch_add(1, Ordering::Relaxed);
        } else {
            bad.fetch_add(1, Ordering::Relaxed);
        }
        w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")?;
        if close {
            return Ok(());
        }
    }
}

/// The receiver alone: `clients` keep-alive connections sending signed
/// POSTs for `secs`; requests per second.
fn receiver_capacity(port: u16, clients: usize, secs: f64) -> Res<f64> {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let t = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            std::thread::spawn(move || -> std::io::Result<u64> {
                let s = TcpStream::connect(("127.0.0.1", port))?;
                s.set_nodelay(true)?;
                let mut w = s.try_clone()?;
                let mut r = BufReader::new(s);
                let mut n = 0u64;
                let mut line = String::new();
                while Instant::now() < deadline {
                    let body = format!("{{\"n\": {n}}}");
                    let id = format!("msg_{c}_{n}");
                    let ts = "1700000000";
                    let req = format!(
                        "POST /hook HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
                         webhook-id: {id}\r\nwebhook-timestamp: {ts}\r\nwebhook-signature: {}\r\n\
                         content-length: {}\r\n\r\n{body}",
                        sign(&id, ts, body.as_bytes()),
                        body.len()
                    );
                    w.write_all(req.as_bytes())?;
                    loop {
                        line.clear();
                        r.read_line(&mut line)?;
                        if line.trim_end().is_empty() {
                            break;
                        }
                    }
                    n += 1;
                }
                Ok(n)
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.join().map_err(|_| "receiver load thread panicked")??;
    }
    Ok(total as f64 / t.elapsed().as_secs_f64())
}

/// The 1, 5 and 15 minute load averages (how busy the shared box was).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn enqueue_sql(n: usize, url: &str) -> String {
    format!(
        "SELECT count(supabase_ext.http_request('{url}', 'POST', jsonb_build_object('n', g, 'event', 'bench'), '{{}}',
                 jsonb_build_object('signing_secret', '{secret}')))
           FROM generate_series(1, {n}) g",
        secret = secret()
    )
}

/// Deliveries of this database not settled yet.
const OPEN: &str = "SELECT count(*) FROM supabase_ext.http_requests WHERE status IN ('pending', 'sending')";

struct Delivery {
    enqueue_per_s: f64,
    per_s: f64,
    succeeded: i64,
    verified: u64,
    bad: u64,
}

fn settle_counts(c: &mut postgres::Client, base: i64) -> Res<(i64, i64)> {
    let r = util::first_row(
        c,
        &format!(
            "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed')
               FROM supabase_ext.http_requests WHERE id > {base}"
        ),
    )?;
    Ok((r[0].parse()?, r[1].parse()?))
}

/// N deliveries enqueued in one transaction; the clock runs from its commit
/// until every one is recorded as delivered, by the worker (woken at commit).
fn through_worker(c: &mut postgres::Client, rx: &Receiver, n: usize, url: &str) -> Res<Delivery> {
    let base: i64 =
        util::scalar(c, "SELECT coalesce(max(id), 0) FROM supabase_ext.http_requests")?.parse()?;
    rx.reset();
    let t0 = Instant::now();
    util::scalar(c, &enqueue_sql(n, url))?;
    let enq = t0.elapsed().as_secs_f64();
    let t = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        if util::scalar(c, OPEN)? == "0" {
            break;
        }
        if t.elapsed() > Duration::from_secs(600) {
            return Err("deliveries did not settle within 10 minutes (is the worker running?)".into());
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let (succeeded, failed) = settle_counts(c, base)?;
    if failed > 0 {
        return Err(format!("{failed} deliveries failed").into());
    }
    Ok(Delivery {
        enqueue_per_s: n as f64 / enq,
        per_s: succeeded as f64 / secs,
        succeeded,
        verified: rx.ok.load(Ordering::SeqCst),
        bad: rx.bad.load(Ordering::SeqCst),
    })
}

/// The same through `CALL run_pending(n, 600)` in a database without a worker.
fn through_run_pending(c: &mut postgres::Client, rx: &Receiver, n: usize, url: &str) -> Res<Delivery> {
    let base: i64 =
        util::scalar(c, "SELECT coalesce(max(id), 0) FROM supabase_ext.http_requests")?.parse()?;
    rx.reset();
    let t0 = Instant::now();
    util::scalar(c, &enqueue_sql(n, url))?;
    let enq = t0.elapsed().as_secs_f64();
    let t = Instant::now();
    c.batch_execute(&format!("CALL supabase_ext.run_pending({n}, 600)"))?;
    let secs = t.elapsed().as_secs_f64();
    if util::scalar(c, OPEN)? != "0" {
        return Err("run_pending left deliveries unsettled".into());
    }
    let (succeeded, failed) = settle_counts(c, base)?;
    if failed > 0 {
        return Err(format!("{failed} deliveries failed").into());
    }
    Ok(Delivery {
        enqueue_per_s: n as f64 / enq,
        per_s: succeeded as f64 / secs,
        succeeded,
        verified: rx.ok.load(Ordering::SeqCst),
        bad: rx.bad.load(Ordering::SeqCst),
    })
}

/// Cron lateness: `jobs` SQL jobs, each writing clock_timestamp() into a
/// table; lateness = that time minus the run's scheduled time.
fn lateness(c: &mut postgres::Client, label: &str, schedules: &[String], secs: u64) -> Res<Vec<String>> {
    c.batch_execute(
        "SET client_min_messages = warning;
         DROP TABLE IF EXISTS public.bench_cron_hits;
         CREATE TABLE public.bench_cron_hits (job int, at timestamptz);
         DELETE FROM supabase_ext.job_definitions WHERE name LIKE 'bench_cron_%';
         RESET client_min_messages;",
    )?;
    let mut tx = c.transaction()?;
    for (i, s) in schedules.iter().enumerate() {
        tx.execute(
            "SELECT supabase_ext.job_schedule($1, $2, $3)",
            &[
                &format!("bench_cron_{i}"),
                s,
                &format!("INSERT INTO public.bench_cron_hits VALUES ({i}, clock_timestamp())"),
            ],
        )?;
    }
    tx.commit()?;
    let started: String = util::scalar(c, "SELECT clock_timestamp()")?;
    std::thread::sleep(Duration::from_secs(secs));
    c.batch_execute("UPDATE supabase_ext.job_definitions SET paused = true WHERE name LIKE 'bench_cron_%'")?;
    // Let runs already fired finish.
    std::thread::sleep(Duration::from_secs(2));
    let r = util::first_row(
        c,
        &format!(
            "WITH l AS (
                SELECT extract(epoch FROM h.at - r.scheduled_for) * 1000 AS ms
                  FROM public.bench_cron_hits h
                  JOIN supabase_ext.job_definitions d ON d.name = 'bench_cron_' || h.job
                  CROSS JOIN LATERAL (SELECT max(x.scheduled_for) AS scheduled_for FROM supabase_ext.job_runs x
                                       WHERE x.job_id = d.id AND x.scheduled_for <= h.at) r
                 WHERE r.scheduled_for > '{started}'::timestamptz + interval '2 seconds')
             SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),
                    percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms),
                    (SELECT count(*) FROM supabase_ext.job_runs x JOIN supabase_ext.job_definitions d ON d.id = x.job_id
                      WHERE d.name LIKE 'bench_cron_%' AND x.status <> 'succeeded')
               FROM l"
        ),
    )?;
    c.batch_execute("DELETE FROM supabase_ext.job_definitions WHERE name LIKE 'bench_cron_%'")?;
    let f = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
    eprintln!(
        "  cron {label}: {} firings, p50 {} ms, p99 {} ms, max {} ms, not succeeded {}",
        r[0], r[1], r[2], r[3], r[4]
    );
    Ok(vec![
        label.to_string(),
        r[0].clone(),
        format!("{:.1}", f(&r[1])),
        format!("{:.1}", f(&r[2])),
        format!("{:.1}", f(&r[3])),
        r[4].clone(),
    ])
}

fn http_part(c: &mut postgres::Client, db: &str, pool: &str, conn: &str) -> Res<String> {
    let load = loadavg();
    let rx = Receiver::start()?;
    let url = format!("http://127.0.0.1:{}/hook", rx.port);
    let n: usize = std::env::var("BENCH_HTTP_N").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);

    // The receiver alone, at the worker's concurrency.
    let clients: usize = pool.parse().unwrap_or(16);
    let cap = receiver_capacity(rx.port, clients, 3.0)?;
    let cap_bad = rx.bad.load(Ordering::SeqCst);
    rx.reset();
    eprintln!("  receiver alone, {clients} connections: {cap:.0} req/s ({cap_bad} bad signatures)");

    // A database without a worker, for run_pending().
    let rp_db = "supabase_ext_bench_run_pending";
    c.batch_execute(&format!("ALTER SYSTEM SET supabase_ext.databases = '{db}'"))?;
    c.batch_execute("SELECT pg_reload_conf()")?;
    std::thread::sleep(Duration::from_millis(500));
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {rp_db}"))?;
    c.batch_execute(&format!("CREATE DATABASE {rp_db}"))?;
    let rp_conn =
        conn.split_whitespace().filter(|kv| !kv.starts_with("dbname=")).collect::<Vec<_>>().join(" ")
            + &format!(" dbname={rp_db}");
    let mut rp = connect(&rp_conn)?;
    rp.batch_execute("CREATE EXTENSION supabase_ext")?;
    std::thread::sleep(Duration::from_millis(500));
    let rp_worker = util::scalar(
        &mut rp,
        "SELECT coalesce((SELECT worker_pid::text FROM supabase_ext.jobs_status WHERE kind = 'worker' AND worker_pid > 0), 'none')",
    )?;

    // Warm-up, then runs interleaved.
    through_worker(c, &rx, n / 10, &url)?;
    through_run_pending(&mut rp, &rx, n / 10, &url)?;
    let (mut w, mut p) = (Vec::new(), Vec::new());
    let runs = 3;
    for run in 0..runs {
        let a = through_worker(c, &rx, n, &url)?;
        eprintln!(
            "  run {run}: worker {:.0} deliveries/s (enqueue {:.0}/s, verified {}, bad {})",
            a.per_s, a.enqueue_per_s, a.verified, a.bad
        );
        let b = through_run_pending(&mut rp, &rx, n, &url)?;
        eprintln!(
            "  run {run}: run_pending {:.0} deliveries/s (enqueue {:.0}/s, verified {}, bad {})",
            b.per_s, b.enqueue_per_s, b.verified, b.bad
        );
        w.push(a);
        p.push(b);
    }
    drop(rp);
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {rp_db}"))?;
    c.batch_execute("ALTER SYSTEM RESET supabase_ext.databases")?;
    c.batch_execute("SELECT pg_reload_conf()")?;
    let med = |v: &mut Vec<Delivery>| -> (f64, f64, bool) {
        let all_ok = v.iter().all(|d| d.bad == 0 && d.verified as i64 >= d.succeeded);
        let mut r: Vec<f64> = v.iter().map(|d| d.per_s).collect();
        r.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let mut e: Vec<f64> = v.iter().map(|d| d.enqueue_per_s).collect();
        e.sort_by(|a, b| a.partial_cmp(b).unwrap());
        (util::median(&r), util::median(&e), all_ok)
    };
    let (wr, we, wok) = med(&mut w);
    let (pr, pe, pok) = med(&mut p);
    const PG_NET: f64 = 200.0;
    let rows = vec![
        vec![
            "background worker".into(),
            format!("{wr:.0}"),
            format!("{:.1}×", wr / PG_NET),
            format!("{we:.0}"),
            if wok { "all".into() } else { "**no**".into() },
        ],
        vec![
            "`CALL run_pending()`".into(),
            format!("{pr:.0}"),
            format!("{:.1}×", pr / PG_NET),
            format!("{pe:.0}"),
            if pok { "all".into() } else { "**no**".into() },
        ],
    ];
    let http_targets = format!(
        "- HTTP deliveries, background worker: ≥ 2,000/s: {wr:.0}/s → {}\n- HTTP deliveries, run_pending(): ≥ 2,000/s: {pr:.0}/s → {}\n",
        util::met(wr >= 2000.0 && wok),
        util::met(pr >= 2000.0 && pok)
    );
    let m = util::machine();
    let http = format!(
        r#"## Jobs: HTTP deliveries per second (PostgreSQL 18)

- Machine: {cpu}, nproc {nproc}; shared with other builds while measuring (load average {load} when the
  section started). Date: {date}.
- {n} deliveries enqueued with `http_request()` in one transaction (POST, small JSON body, `signing_secret`: signed
  the Standard Webhooks way), timed from the commit until every one is recorded `succeeded`; median of {runs} runs,
  worker and run_pending interleaved. Worker: woken at commit, `supabase_ext.http_pool_size` = {pool} sender threads
  (keep-alive connections). run_pending: `CALL supabase_ext.run_pending({n}, 600)` in a database without a worker.
- Receiver: a loopback HTTP/1.1 server in the bench binary (a thread per connection) that verifies every signature;
  alone it answers {cap:.0} requests/s over {clients} keep-alive connections, so it is not the bottleneck.
- Peer: pg_net cannot be installed here (no network for its build); its published figure is about 200 requests/s at
  its defaults, so the ratio column compares with that figure, not with a run of pg_net.
- Worker in the run_pending database: {rp_worker}.

{table}
### Targets

{http_targets}"#,
        cpu = m.cpu,
        nproc = m.nproc,
        date = m.date,
        load = load,
        table = util::md_table(
            &["path", "deliveries/s", "vs pg_net's ~200/s", "enqueue rows/s", "signatures verified"],
            &rows
        ),
    );

    Ok(http)
}

pub fn run(conn: &str, do_http: bool, do_cron: bool) -> Res<(Option<String>, Option<String>)> {
    let mut c = connect(conn)?;
    let db = util::scalar(&mut c, "SELECT current_database()")?;
    let pool = util::scalar(&mut c, "SELECT current_setting('supabase_ext.http_pool_size')")?;
    let worker = util::scalar(
        &mut c,
        "SELECT coalesce((SELECT worker_pid::text FROM supabase_ext.jobs_status WHERE kind = 'worker'), 'none')",
    )?;
    if worker == "none" {
        return Err("no jobs worker in this database: preload supabase_ext".into());
    }
    let http = if do_http { Some(http_part(&mut c, &db, &pool, conn)?) } else { None };
    if !do_cron {
        return Ok((http, None));
    }
    // Cron lateness.
    let load = loadavg();
    let secs = 30;
    let spread: Vec<String> = (0..1000).map(|i| format!("{}-59/10 * * * * *", i % 10)).collect();
    let burst: Vec<String> = (0..1000).map(|_| "*/10 * * * * *".to_string()).collect();
    let a = lateness(
        &mut c,
        "1,000 jobs, each every 10 s, spread over the seconds (100 firings/s)",
        &spread,
        secs,
    )?;
    let b =
        lateness(&mut c, "1,000 jobs, all every 10 s at the same second (bursts of 1,000)", &burst, secs)?;
    let p99 = |r: &Vec<String>| r[3].parse::<f64>().unwrap_or(f64::INFINITY);
    let cron_targets = format!(
        "- cron lateness p99 ≤ 100 ms, spread: {} ms → {}\n- cron lateness p99 ≤ 100 ms, bursts of 1,000: {} ms → {}\n",
        a[3], util::met(p99(&a) <= 100.0), b[3], util::met(p99(&b) <= 100.0)
    );
    let cron = format!(
        r#"## Jobs: cron firing lateness (PostgreSQL 18)

- Same machine as above (load average {load} when this section started). 1,000 SQL jobs scheduled with 6-field (seconds) cron schedules, each running
  `INSERT INTO bench_cron_hits VALUES (i, clock_timestamp())` as its owner through the background worker; lateness is
  that timestamp minus the run's scheduled time (so it includes waking, firing, claiming the run and executing it),
  over {secs} s of firings (the first 2 s skipped).

{table}
### Targets

{cron_targets}"#,
        table = util::md_table(
            &["schedules", "firings", "p50 ms", "p99 ms", "max ms", "runs not succeeded"],
            &[a, b]
        ),
    );
    Ok((http, Some(cron)))
}
