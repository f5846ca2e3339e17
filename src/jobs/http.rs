//! Outbound HTTP: `http_request()` (the outbox insert) and the delivery
//! engine's three steps — claim (SPI), send (threads, no Postgres), record
//! (SPI) — which the worker and `run_pending()` run with a commit between
//! each, so no network I/O ever happens in a transaction holding locks.
use super::{executor, gucs};
use crate::common::errors::{raise, Code};
use crate::common::time::now_unix;
use crate::common::vault;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::Read;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use supabase_ext_core::jobs::{backoff, destination};
use supabase_ext_core::webhooks::{self as wh, Provider};

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
/// Default per-attempt timeout: long enough for a slow n8n flow, short enough
/// that a hung receiver doesn't hold a sender thread for minutes.
const DEFAULT_TIMEOUT_MS: i64 = 10_000;
const DEFAULT_MAX_ATTEMPTS: i64 = 5;
/// Response headers worth keeping (the rest may carry cookies or tokens).
const KEPT_RESPONSE_HEADERS: &[&str] =
    &["content-type", "content-length", "retry-after", "location", "x-request-id", "date"];

fn bad(msg: impl Into<String>) -> ! {
    raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, msg, None, None)
}

/// Validated delivery options.
struct Opts {
    timeout_ms: i32,
    max_attempts: i32,
    signing_secret: Option<String>,
}

fn parse_opts(o: &Value) -> Opts {
    let Value::Object(m) = o else { bad("http options must be a JSON object") };
    for k in m.keys() {
        if !["timeout", "max_attempts", "signing_secret", "method", "headers", "body"].contains(&k.as_str()) {
            bad(format!("unknown http option \"{k}\" (known: timeout, max_attempts, signing_secret)"))
        }
    }
    let int = |k: &str, default: i64, lo: i64, hi: i64| -> i32 {
        match m.get(k) {
            None | Some(Value::Null) => default as i32,
            Some(v) => match v.as_i64() {
                Some(n) if (lo..=hi).contains(&n) => n as i32,
                _ => bad(format!("http option \"{k}\" must be an integer from {lo} to {hi}")),
            },
        }
    };
    let signing_secret = match m.get("signing_secret") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if vault::reference(s).is_some_and(|n| !n.is_empty()) => Some(s.clone()),
        Some(Value::String(s)) => {
            // Proves the secret decodes (whsec_ + base64) without echoing it.
            if wh::sign(&Provider::Standard, s, b"", "probe", 0).is_err() {
                bad("signing_secret must be a Standard Webhooks secret (whsec_<base64>) or vault:<name>")
            }
            Some(s.clone())
        }
        Some(_) => bad("signing_secret must be a string"),
    };
    Opts {
        timeout_ms: int("timeout", DEFAULT_TIMEOUT_MS, 1, 300_000),
        max_attempts: int("max_attempts", DEFAULT_MAX_ATTEMPTS, 1, 100),
        signing_secret,
    }
}

fn check_method(method: &str) -> String {
    let m = method.trim().to_ascii_uppercase();
    if !METHODS.contains(&m.as_str()) {
        bad(format!("unsupported HTTP method \"{method}\""))
    }
    m
}

fn check_headers(h: &Value) -> Value {
    match h {
        Value::Null => json!({}),
        Value::Object(m) => {
            for (k, v) in m {
                let name_ok = !k.is_empty() && k.bytes().all(|b| b.is_ascii_graphic() && b != b':');
                let value_ok = v.as_str().is_some_and(|s| !s.bytes().any(|b| b == b'\r' || b == b'\n'));
                if !name_ok || !value_ok {
                    bad(format!("header \"{k}\" must be a token name with a single-line string value"))
                }
                if k.to_ascii_lowercase().starts_with("webhook-") {
                    bad(format!("header \"{k}\" is set by signing; pass signing_secret instead"))
                }
            }
            h.clone()
        }
        _ => bad("headers must be a JSON object of strings"),
    }
}

/// Validates an HTTP job's options (job_schedule kind http); never echoes a secret.
#[pg_extern(stable, parallel_safe, strict)]
fn http_options_check(options: JsonB) -> bool {
    if let Some(m) = options.0.get("method").and_then(Value::as_str) {
        check_method(m);
    }
    if let Some(h) = options.0.get("headers") {
        check_headers(h);
    }
    parse_opts(&options.0);
    true
}

fn role_is_superuser(role: &str) -> bool {
    Spi::get_one_with_args::<bool>(
        "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = $1",
        &[role.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// Enqueues one outbound delivery and returns its id. Nothing is sent until
/// the enqueuing transaction commits (outbox); it is sent by the worker or
/// run_pending(), retried with backoff up to max_attempts, and signed the
/// Standard Webhooks way when `options.signing_secret` is set (the same
/// webhook-id on every attempt).
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn http_request(
    url: &str,
    method: default!(&str, "'POST'"),
    body: default!(Option<JsonB>, "NULL"),
    headers: default!(JsonB, "'{}'"),
    options: default!(JsonB, "'{}'"),
) -> i64 {
    let owner = executor::invoker();
    let target = destination::parse_url(url).unwrap_or_else(|e| super::schedules::job_error(e));
    destination::check_target(&gucs::http_policy(), &target, role_is_superuser(&owner))
        .unwrap_or_else(|e| super::schedules::job_error(e));
    let method = check_method(method);
    let headers = check_headers(&headers.0);
    let opts = parse_opts(&options.0);
    let webhook_id = opts.signing_secret.as_ref().map(|_| format!("msg_{}", uuid::Uuid::new_v4().simple()));
    super::wake::request();
    Spi::get_one_with_args::<i64>(
        "INSERT INTO supabase_ext.http_requests
                (job_run_id, method, url, headers, body, timeout_ms, max_attempts, webhook_id, signing_secret, owner)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        &[
            executor::current_run().into(),
            method.as_str().into(),
            target.url.as_str().into(),
            JsonB(headers).into(),
            body.into(),
            opts.timeout_ms.into(),
            opts.max_attempts.into(),
            webhook_id.into(),
            opts.signing_secret.into(),
            owner.as_str().into(),
        ],
    )
    .ok()
    .flatten()
    .unwrap_or_else(|| raise(Code::ERRCODE_INTERNAL_ERROR, "could not enqueue the HTTP request", None, None))
}

/// One claimed delivery, ready to send: everything the sender thread needs,
/// so it never touches Postgres.
#[derive(Serialize, Deserialize, Debug)]
pub struct Outgoing {
    pub id: i64,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub timeout_ms: u64,
    pub superuser: bool,
    pub allowlist: String,
}

/// What came back.
#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Outcome {
    pub id: i64,
    pub status: Option<u16>,
    pub headers: serde_json::Map<String, Value>,
    pub body: Option<String>,
    pub error: Option<String>,
    pub retry_after: Option<i64>,
    /// Never sent (the worker is shutting down): back to the queue, the
    /// attempt not counted.
    #[serde(default)]
    pub unsent: bool,
}

/// Claims up to `n` due deliveries: leases each for its timeout plus 10 s
/// (a sender that dies releases it when the lease ends), counts the
/// attempt, and signs it now (the timestamp is per attempt, the id is not).
/// SECURITY DEFINER: it reads signing secrets no caller can read.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn jobs_claim_http(n: i32) -> JsonB {
    let allowlist = gucs::http_allowlist();
    let rows = Spi::connect_mut(|c| {
        let t = c
            .update(
                "WITH picked AS MATERIALIZED (
                    SELECT id FROM supabase_ext.http_requests
                     WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
                     ORDER BY next_attempt_at, id
                     LIMIT $1 FOR UPDATE SKIP LOCKED)
                 UPDATE supabase_ext.http_requests r
                    SET status = 'sending', attempts = r.attempts + 1,
                        next_attempt_at = now() + make_interval(secs => r.timeout_ms / 1000.0 + 10)
                   FROM picked p WHERE r.id = p.id
                 RETURNING r.id, r.method, r.url, r.headers, r.body::text, r.timeout_ms, r.webhook_id,
                           r.signing_secret, coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = r.owner), false)",
                None,
                &[n.max(0).into()],
            )
            .unwrap_or_else(|e| raise(Code::ERRCODE_INTERNAL_ERROR, format!("claiming deliveries: {e}"), None, None));
        t.into_iter()
            .map(|r| {
                (
                    r.get::<i64>(1).ok().flatten().unwrap_or(0),
                    r.get::<String>(2).ok().flatten().unwrap_or_default(),
                    r.get::<String>(3).ok().flatten().unwrap_or_default(),
                    r.get::<JsonB>(4).ok().flatten().map(|j| j.0).unwrap_or(Value::Null),
                    r.get::<String>(5).ok().flatten(),
                    r.get::<i32>(6).ok().flatten().unwrap_or(10_000),
                    r.get::<String>(7).ok().flatten(),
                    r.get::<String>(8).ok().flatten(),
                    r.get::<bool>(9).ok().flatten().unwrap_or(false),
                )
            })
            .collect::<Vec<_>>()
    });
    let now = now_unix();
    let out: Vec<Outgoing> = rows
        .into_iter()
        .map(|(id, method, url, hdrs, body, timeout_ms, webhook_id, secret, superuser)| {
            let mut headers: Vec<(String, String)> = match hdrs {
                Value::Object(m) => {
                    m.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect()
                }
                _ => Vec::new(),
            };
            if body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            if let (Some(secret), Some(msg_id)) = (secret, webhook_id) {
                let secret = match vault::reference(&secret) {
                    None => Ok(secret),
                    Some(name) => vault::resolve(name).map_err(|_| ()),
                };
                match secret.ok().and_then(|s| {
                    wh::sign(&Provider::Standard, &s, body.as_deref().unwrap_or("").as_bytes(), &msg_id, now)
                        .ok()
                }) {
                    Some(pairs) => headers.extend(pairs),
                    // Never send unsigned what was meant to be signed; the
                    // sender reports it as a failed attempt.
                    None => headers.push(("x-supabase-ext-unsignable".into(), "1".into())),
                }
            }
            Outgoing {
                id,
                method,
                url,
                headers,
                body,
                timeout_ms: timeout_ms as u64,
                superuser,
                allowlist: allowlist.clone(),
            }
        })
        .collect();
    JsonB(serde_json::to_value(out).unwrap_or(Value::Array(vec![])))
}

thread_local! {
    /// Why the resolver refused the last connection this thread tried to
    /// open (ureq resolves on the calling thread, so this is per delivery).
    static REFUSED: std::cell::Cell<Option<String>> = const { std::cell::Cell::new(None) };
}

/// Agents (each with its keep-alive connection pool) per policy, shared by
/// all sender threads of this process: a new agent per delivery cost a TCP
/// (and TLS) handshake each time. Keyed by the allowlist text and whether the
/// owner is a superuser, so a changed allowlist or owner gets a fresh agent
/// whose resolver applies the new rules; a pooled connection goes to the same
/// host (ureq pools by scheme, host and port) at an address the policy
/// admitted when it was opened.
static AGENTS: Mutex<Vec<((String, bool), ureq::Agent)>> = Mutex::new(Vec::new());
/// Distinct policies kept at once (the allowlist rarely changes; owners are
/// superuser or not).
const MAX_AGENTS: usize = 8;
/// Idle keep-alive connections kept per host: one per sender thread of the
/// default pool and then some, so parallel deliveries to one receiver all
/// reuse theirs.
const IDLE_PER_HOST: usize = 64;

fn agent_for(policy: destination::Policy, allowlist: &str, superuser: bool) -> ureq::Agent {
    let key = (allowlist.to_string(), superuser);
    let mut agents = AGENTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, a)) = agents.iter().find(|(k, _)| *k == key) {
        return a.clone();
    }
    // Resolve, then keep only addresses the policy admits: every connection
    // goes to a checked address, so DNS rebinding can't redirect it. Runs
    // for each new connection (a reused one was checked when it opened).
    let resolver = move |netloc: &str| -> std::io::Result<Vec<SocketAddr>> {
        let host = netloc.rsplit_once(':').map(|(h, _)| h).unwrap_or(netloc).trim_matches(['[', ']']);
        let addrs: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
        let mut ok = Vec::new();
        for a in addrs {
            match destination::check_addr(&policy, host, a.ip(), superuser) {
                Ok(()) => ok.push(a),
                Err(e) => REFUSED.set(Some(e.to_string())),
            }
        }
        if ok.is_empty() {
            return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "destination refused"));
        }
        Ok(ok)
    };
    let agent = ureq::AgentBuilder::new()
        .resolver(resolver)
        .redirects(0)
        .max_idle_connections(IDLE_PER_HOST * 4)
        .max_idle_connections_per_host(IDLE_PER_HOST)
        .user_agent(concat!("supabase_ext/", env!("CARGO_PKG_VERSION")))
        .build();
    if agents.len() >= MAX_AGENTS {
        agents.remove(0);
    }
    agents.push((key, agent.clone()));
    agent
}

/// Sends one delivery. Runs on a sender thread: no Postgres calls here.
fn send_one(d: Outgoing, max_body: usize) -> Outcome {
    let mut out = Outcome {
        id: d.id,
        status: None,
        headers: Default::default(),
        body: None,
        error: None,
        retry_after: None,
        unsent: false,
    };
    if d.headers.iter().any(|(k, _)| k == "x-supabase-ext-unsignable") {
        out.error = Some("signing secret unavailable (vault secret missing?); not sent unsigned".into());
        return out;
    }
    let policy = match destination::Policy::parse(&d.allowlist) {
        Ok(p) => p,
        Err(e) => {
            out.error = Some(e.to_string());
            return out;
        }
    };
    let agent = agent_for(policy, &d.allowlist, d.superuser);
    REFUSED.set(None);
    let mut req = agent.request(&d.method, &d.url).timeout(Duration::from_millis(d.timeout_ms));
    for (k, v) in &d.headers {
        req = req.set(k, v);
    }
    let result = match &d.body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(ureq::Error::Transport(t)) => {
            out.error = Some(match REFUSED.take() {
                Some(why) => why,
                None => format!("{}", t.kind()) + &t.message().map(|m| format!(": {m}")).unwrap_or_default(),
            });
            return out;
        }
    };
    out.status = Some(response.status());
    for name in KEPT_RESPONSE_HEADERS {
        if let Some(v) = response.header(name) {
            out.headers.insert((*name).to_string(), Value::String(v.to_string()));
        }
    }
    out.retry_after = response.header("retry-after").and_then(|v| backoff::retry_after_secs(v, now_unix()));
    let mut buf = Vec::with_capacity(max_body.min(64 * 1024));
    let _ = response.into_reader().take(max_body as u64).read_to_end(&mut buf);
    let mut text = String::from_utf8_lossy(&buf).into_owned();
    text.retain(|c| c != '\0');
    out.body = Some(text);
    out
}

/// Sends a claimed batch on `supabase_ext.http_pool_size` threads and
/// returns the outcomes. Holds no locks and makes no Postgres calls while
/// the requests are in flight. The batch comes from SQL (run_pending()), so
/// nothing in it is trusted for policy: each item must be a delivery in
/// `sending`, and its URL, method, owner and the allowlist are read again
/// from the database and the setting (a caller can't widen where it goes).
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn jobs_send_http(batch: JsonB) -> JsonB {
    let items: Vec<Outgoing> = serde_json::from_value(batch.0).unwrap_or_else(|e| {
        raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, format!("bad delivery batch: {e}"), None, None)
    });
    let allowlist = gucs::http_allowlist();
    // One look-up for the whole batch.
    let ids: Vec<i64> = items.iter().map(|d| d.id).collect();
    let mut claimed: std::collections::HashMap<i64, (String, String, bool)> = Spi::connect(|c| {
        c.select(
            "SELECT r.id, r.url, r.method,
                    coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = r.owner), false)
               FROM supabase_ext.http_requests r WHERE r.id = ANY ($1) AND r.status = 'sending'",
            None,
            &[ids.into()],
        )
        .map(|t| {
            t.filter_map(|r| {
                Some((
                    r.get::<i64>(1).ok()??,
                    (
                        r.get::<String>(2).ok().flatten().unwrap_or_default(),
                        r.get::<String>(3).ok().flatten().unwrap_or_default(),
                        r.get::<bool>(4).ok().flatten().unwrap_or(false),
                    ),
                ))
            })
            .collect()
        })
        .unwrap_or_default()
    });
    let mut checked = Vec::with_capacity(items.len());
    let mut refused = Vec::new();
    for mut d in items {
        // remove(): an id listed twice is sent once.
        match claimed.remove(&d.id) {
            Some((url, method, superuser)) => {
                d.url = url;
                d.method = method;
                d.superuser = superuser;
                d.allowlist = allowlist.clone();
                checked.push(d);
            }
            None => refused.push(Outcome {
                id: d.id,
                status: None,
                headers: Default::default(),
                body: None,
                error: Some("not a claimed delivery".into()),
                retry_after: None,
                unsent: false,
            }),
        }
    }
    let mut outcomes = send_all(checked, gucs::http_pool_size(), gucs::http_max_response_bytes(), || false);
    outcomes.extend(refused);
    JsonB(serde_json::to_value(outcomes).unwrap_or_default())
}

/// `stop` is polled on the calling thread (it may read Postgres state): once
/// it returns true, deliveries not started yet come back `unsent` while
/// those in flight finish.
pub fn send_all(items: Vec<Outgoing>, pool: usize, max_body: usize, stop: impl Fn() -> bool) -> Vec<Outcome> {
    let n = items.len();
    if n == 0 {
        return Vec::new();
    }
    let queue = Arc::new(Mutex::new(items.into_iter().collect::<VecDeque<_>>()));
    let (tx, rx) = mpsc::channel();
    let threads: Vec<_> = (0..pool.min(n))
        .map(|_| {
            let queue = queue.clone();
            let tx = tx.clone();
            std::thread::spawn(move || loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                let Some(d) = next else { break };
                let id = d.id;
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| send_one(d, max_body)))
                        .unwrap_or_else(|_| Outcome {
                            id,
                            status: None,
                            headers: Default::default(),
                            body: None,
                            error: Some("sender panicked".into()),
                            retry_after: None,
                            unsent: false,
                        });
                if tx.send(outcome).is_err() {
                    break;
                }
            })
        })
        .collect();
    drop(tx);
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(n);
    let mut stopped = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(o) => outcomes.push(o),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if !stopped && stop() {
            stopped = true;
            let left: Vec<Outgoing> = queue.lock().unwrap_or_else(|p| p.into_inner()).drain(..).collect();
            outcomes.extend(left.into_iter().map(|d| Outcome {
                id: d.id,
                unsent: true,
                ..Default::default()
            }));
        }
    }
    for t in threads {
        let _ = t.join();
    }
    outcomes
}

/// Records outcomes: 2xx succeeded; 410 Gone fails for good and pauses the
/// job (Standard Webhooks' advice); anything else retries with backoff (or
/// the receiver's Retry-After, bounded by the cap) until max_attempts.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn jobs_record_http(outcomes: JsonB) -> i32 {
    let items: Vec<Outcome> = serde_json::from_value(outcomes.0).unwrap_or_else(|e| {
        raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, format!("bad outcomes: {e}"), None, None)
    });
    if items.is_empty() {
        return 0;
    }
    let (unsent, items): (Vec<Outcome>, Vec<Outcome>) = items.into_iter().partition(|o| o.unsent);
    if !unsent.is_empty() {
        let ids: Vec<i64> = unsent.iter().map(|o| o.id).collect();
        Spi::run_with_args(
            "UPDATE supabase_ext.http_requests
                SET status = 'pending', attempts = greatest(attempts - 1, 0), next_attempt_at = now()
              WHERE id = ANY ($1) AND status = 'sending'",
            &[ids.into()],
        )
        .unwrap_or_else(|e| {
            raise(Code::ERRCODE_INTERNAL_ERROR, format!("returning deliveries: {e}"), None, None)
        });
    }
    if items.is_empty() {
        return 0;
    }
    let cap = gucs::retry_cap_ms() as i64 / 1000;
    let n = items.len() as i32;
    // Two statements per batch, not three per delivery: the attempt counts,
    // then one UPDATE from the whole batch.
    let ids: Vec<i64> = items.iter().map(|o| o.id).collect();
    let attempts: std::collections::HashMap<i64, i32> = Spi::connect(|c| {
        c.select(
            "SELECT id, attempts FROM supabase_ext.http_requests WHERE id = ANY ($1)",
            None,
            &[ids.into()],
        )
        .map(|t| t.filter_map(|r| Some((r.get::<i64>(1).ok()??, r.get::<i32>(2).ok()??))).collect())
        .unwrap_or_default()
    });
    let rows: Vec<Value> = items
        .into_iter()
        .map(|o| {
            let ok = o.status.is_some_and(|s| (200..300).contains(&s));
            let gone = o.status == Some(410);
            let delay = backoff::full_jitter_ms(
                attempts.get(&o.id).copied().unwrap_or(1).max(1) as u32,
                gucs::retry_base_ms(),
                gucs::retry_cap_ms(),
                executor::random_u64(),
            ) as i64;
            let delay_s = o.retry_after.map(|s| s.min(cap)).unwrap_or(0).max(delay / 1000);
            let error = o.error.or_else(|| (!ok).then(|| format!("HTTP {}", o.status.unwrap_or(0))));
            json!({
                "id": o.id, "ok": ok, "gone": gone, "delay": delay_s as f64,
                "status": o.status, "headers": Value::Object(o.headers), "body": o.body, "error": error,
            })
        })
        .collect();
    // Deliveries that failed for good, and those answered 410 Gone.
    let ended: Vec<(i64, Option<i32>, Option<String>, bool)> = Spi::connect_mut(|c| {
        c.update(
            "UPDATE supabase_ext.http_requests r
                SET status = CASE WHEN o.ok THEN 'succeeded'
                                  WHEN o.gone OR r.attempts >= r.max_attempts THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = now() + make_interval(secs => o.delay),
                    finished_at = CASE WHEN o.ok OR o.gone OR r.attempts >= r.max_attempts THEN now() END,
                    response_status = o.status, response_headers = o.headers, response_body = o.body,
                    last_error = o.error
               FROM jsonb_to_recordset($1) AS o(id bigint, ok boolean, gone boolean, delay float8, status integer,
                                                headers jsonb, body text, error text)
              WHERE r.id = o.id AND r.status = 'sending'
             RETURNING r.id, r.status = 'failed', o.status, o.error, o.gone",
            None,
            &[JsonB(Value::Array(rows)).into()],
        )
        .map(|t| {
            t.filter_map(|r| {
                let failed = r.get::<bool>(2).ok().flatten().unwrap_or(false);
                let gone = r.get::<bool>(5).ok().flatten().unwrap_or(false);
                (failed || gone).then(|| {
                    (
                        r.get::<i64>(1).ok().flatten().unwrap_or(0),
                        r.get::<i32>(3).ok().flatten(),
                        r.get::<String>(4).ok().flatten(),
                        gone,
                    )
                })
            })
            .collect()
        })
        .unwrap_or_else(|e| {
            raise(Code::ERRCODE_INTERNAL_ERROR, format!("recording deliveries: {e}"), None, None)
        })
    });
    for (id, status, error, gone) in ended {
        let status = status.map(|s| s as u16);
        super::realtime::jobs_broadcast(
            "delivery_dead",
            JsonB(
                json!({"delivery_id": id, "http_status": status, "error": error_for_broadcast(&error, status)}),
            ),
        );
        if gone {
            Spi::run_with_args(
                "UPDATE supabase_ext.job_definitions d
                    SET paused = true, next_run_at = NULL, paused_reason = 'receiver answered 410 Gone', updated_at = now()
                   FROM supabase_ext.http_requests r JOIN supabase_ext.job_runs x ON x.id = r.job_run_id
                  WHERE r.id = $1 AND d.id = x.job_id",
                &[id.into()],
            )
            .unwrap_or_else(|e| raise(Code::ERRCODE_INTERNAL_ERROR, format!("pausing job: {e}"), None, None));
        }
    }
    n
}

fn error_for_broadcast(error: &Option<String>, status: Option<u16>) -> String {
    error.clone().unwrap_or_else(|| format!("HTTP {}", status.unwrap_or(0)))
}
