#!/usr/bin/env bash
# The background workers, on a preloaded cluster: a worker starts when
# CREATE EXTENSION commits (no restart), wakes on committed work and not on
# rolled-back work, runs schedules, survives kill -9 mid-delivery (the
# delivery is sent again after its lease, with the same webhook-id), and an
# immediate-mode restart loses nothing committed.
#   worker.sh BIN_DIR DATA_DIR HOST PORT
set -euo pipefail
BIN=$1 DATA=$2 HOST=$3 PORT=$4
HERE=$(cd "$(dirname "$0")" && pwd)
DB=jobs_worker
SUDO_PG=(sudo -u postgres); [ "$(id -un)" = postgres ] && SUDO_PG=()
qdb() { local db=$1; shift; "$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d "$db" -X -v ON_ERROR_STOP=1 -qAt "$@"; }
q() { qdb "$DB" "$@"; }
tmp=$(mktemp -d); chmod 755 "$tmp"
RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$RPORT"
SECRET='whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  qdb postgres -c "ALTER SYSTEM RESET supabase_ext.databases" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
source "$HERE/lib.sh"
# wait_for SECONDS SQL EXPECTED: poll until SQL returns EXPECTED.
wait_for() {
  local got=""
  for _ in $(seq 1 $(($1 * 5))); do got=$(q -c "$2" 2>/dev/null || true); [ "$got" = "$3" ] && break; sleep 0.2; done
  echo "$got"
}
wait_up() {
  for _ in $(seq 1 100); do qdb postgres -c "SELECT 1" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "server did not come back"; exit 1
}

qdb postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
qdb postgres -c "ALTER SYSTEM SET supabase_ext.databases = 'postgres, $DB'" -c "SELECT pg_reload_conf()" >/dev/null
q -c "CREATE EXTENSION supabase_ext"
check "a worker starts when CREATE EXTENSION commits" "running" \
  "$(wait_for 20 "SELECT value FROM supabase_ext.status() WHERE name = 'jobs worker (this database)'" running)"

# Committed work wakes the worker; rolled-back work is never sent.
receiver "200" 50
q -c "BEGIN" -c "SELECT supabase_ext.http_request('$URL/rolled-back')" -c "ROLLBACK" >/dev/null
id=$(q -c "SELECT supabase_ext.http_request('$URL/committed', options => '{\"signing_secret\": \"$SECRET\"}')")
check "the worker delivers committed work without run_pending" "succeeded" \
  "$(wait_for 10 "SELECT status FROM supabase_ext.http_requests WHERE id = $id" succeeded)"
check "rolled-back work was never sent" "0" "$(grep -c rolled-back "$tmp/requests.jsonl" || true)"
check "jobs_status shows the worker with its pid and last tick" "t" \
  "$(q -c "SELECT worker_pid > 0 AND last_tick > now() - interval '1 minute' FROM supabase_ext.jobs_status WHERE kind = 'worker'")"
check "status() folds in deliveries" "ready 0, scheduled 0, running 0, failed 0, dead 0" \
  "$(q -c "SELECT value FROM supabase_ext.status() WHERE component = 'jobs' AND name = 'http:deliveries'")"

# Schedules fire on their own.
q -c "CREATE TABLE ticks (at timestamptz DEFAULT clock_timestamp())" \
  -c "SELECT supabase_ext.job_schedule('tick', '@every 1s', 'INSERT INTO ticks DEFAULT VALUES')" >/dev/null
check "an @every 1s job fires repeatedly" "t" "$(wait_for 10 "SELECT count(*) >= 3 FROM ticks" t)"
q -c "SELECT supabase_ext.job_pause('tick')" >/dev/null
stop_receiver

worker_pid() { q -c "SELECT substring(detail FROM 'pid (\d+)') FROM supabase_ext.status() WHERE name = 'jobs worker (this database)'"; }

# An error in one job never stops the worker, nor the jobs after it (both
# runs are claimed in one batch; the failing one rolls back alone).
wpid=$(worker_pid)
q -c "SELECT supabase_ext.job_schedule('bad', '@yearly', 'SELECT 1/0')" \
  -c "SELECT supabase_ext.job_schedule('good', '@yearly', 'INSERT INTO ticks DEFAULT VALUES')" >/dev/null
q -c "BEGIN" -c "SELECT supabase_ext.job_run_now('bad')" -c "SELECT supabase_ext.job_run_now('good')" -c "COMMIT" >/dev/null
check "a failing job's run fails, with its error" "failed: division by zero (22012)" \
  "$(wait_for 10 "SELECT status || ': ' || message FROM supabase_ext.job_runs WHERE job_name = 'bad' AND status <> 'queued'" "failed: division by zero (22012)")"
check "the job queued after it still succeeds" "succeeded" \
  "$(wait_for 10 "SELECT status FROM supabase_ext.job_runs WHERE job_name = 'good'" succeeded)"
check "the worker survived the failing job" "$wpid" "$(worker_pid)"
q -c "SELECT supabase_ext.job_unschedule('bad')" -c "SELECT supabase_ext.job_unschedule('good')" >/dev/null

# A committed webhook event wakes the handler jobs of its endpoint: the
# event becomes a shadow row without waiting for the job's schedule (@yearly).
OPTS='{"signature_header": "x-ipai-signature", "timestamp_header": "x-ipai-timestamp", "id_header": "x-ipai-delivery"}'
q -c "SELECT supabase_ext.webhook_endpoint_create('odoo', 'hmac', ARRAY['odoo-secret'], '$OPTS')" \
  -c "CREATE TABLE partner_shadow (odoo_id int PRIMARY KEY, name text NOT NULL)" \
  -c "CREATE FUNCTION odoo_to_shadow(e supabase_ext.webhook_events) RETURNS void LANGUAGE sql AS
      \$\$ INSERT INTO public.partner_shadow VALUES ((e.payload->>'id')::int, e.payload->>'name') \$\$" \
  -c "SELECT supabase_ext.job_schedule('odoo partners', '@yearly', 'public.odoo_to_shadow', '{\"kind\": \"handler\", \"endpoint\": \"odoo\"}')" >/dev/null
sleep 2   # the worker notes at its next tick (woken by job_schedule) that handler jobs exist
q -c "SELECT supabase_ext.webhook_receive('odoo', convert_to(b, 'UTF8'),
        supabase_ext.webhook_sign('hmac', 'odoo-secret', convert_to(b, 'UTF8'), 'd-1', now(), '$OPTS')
        || jsonb_build_object('x-ipai-delivery', 'd-1'))
      FROM (VALUES ('{\"id\": 7, \"name\": \"Acme\"}')) AS v(b)" >/dev/null
check "a committed webhook event wakes its handler job" "Acme" \
  "$(wait_for 10 "SELECT name FROM partner_shadow WHERE odoo_id = 7" Acme)"
check "the event is completed by one woken run" "completed 1" \
  "$(wait_for 10 "SELECT (SELECT status FROM supabase_ext.webhook_events WHERE endpoint = 'odoo') || ' ' || (SELECT count(*) FROM supabase_ext.job_runs WHERE job_name = 'odoo partners')" "completed 1")"
q -c "SELECT supabase_ext.job_unschedule('odoo partners')" -c "SELECT supabase_ext.webhook_endpoint_drop('odoo')" >/dev/null

# SIGTERM (what a fast shutdown sends): the worker finishes the delivery in
# flight, records it, returns the deliveries it claimed but had not started
# to the queue (the attempt not counted), and exits. One sender thread, so a
# claimed batch of 4 has 1 in flight and 3 waiting. The database is taken
# off supabase_ext.databases first, so no new worker touches the deliveries
# until the test has looked at them.
qdb postgres -c "ALTER SYSTEM SET supabase_ext.http_pool_size = 1" \
  -c "ALTER SYSTEM SET supabase_ext.databases = 'postgres'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
> "$tmp/requests.jsonl"
receiver "hang:3,200" 20
wpid=$(worker_pid)
ids=$(q -c "SELECT string_agg(supabase_ext.http_request('$URL/graceful-' || g, options => '{\"timeout\": 20000, \"signing_secret\": \"$SECRET\"}')::text, ',') FROM generate_series(1, 5) g")
for _ in $(seq 1 50); do [ -s "$tmp/requests.jsonl" ] && break; sleep 0.1; done
kill -TERM "$wpid"
check "SIGTERM: the worker exits" "gone" \
  "$(for _ in $(seq 1 75); do kill -0 "$wpid" 2>/dev/null || { echo gone; break; }; sleep 0.2; done)"
check "SIGTERM: the delivery in flight is recorded; the 3 claimed but not started are back, uncounted" \
  "pending 0 4|succeeded 1 1" \
  "$(q -c "SELECT string_agg(s, '|' ORDER BY s) FROM (SELECT status || ' ' || attempts || ' ' || count(*) AS s FROM supabase_ext.http_requests WHERE id IN ($ids) GROUP BY status, attempts) x")"
check "SIGTERM: only the delivery in flight was sent" "1" "$(grep -c graceful "$tmp/requests.jsonl" || true)"
qdb postgres -c "ALTER SYSTEM SET supabase_ext.databases = 'postgres, $DB'" -c "SELECT pg_reload_conf()" >/dev/null
check "a new worker starts after SIGTERM" "t" \
  "$(wait_for 30 "SELECT coalesce(substring(detail FROM 'pid (\d+)')::int <> $wpid, false) FROM supabase_ext.status() WHERE name = 'jobs worker (this database)' AND value = 'running'" t)"
check "it delivers all five, one attempt each" "succeeded 1 5" \
  "$(wait_for 20 "SELECT string_agg(status || ' ' || attempts || ' ' || n, '|') FROM (SELECT status, attempts, count(*) AS n FROM supabase_ext.http_requests WHERE id IN ($ids) GROUP BY 1, 2) x" "succeeded 1 5")"
check "the receiver saw each delivery once" "5 5" \
  "$(python3 -c "import json; p=[json.loads(l)['path'] for l in open('$tmp/requests.jsonl') if 'graceful' in l]; print(len(p), len(set(p)))")"
qdb postgres -c "ALTER SYSTEM RESET supabase_ext.http_pool_size" -c "SELECT pg_reload_conf()" >/dev/null

# A long statement inside a step doesn't make the worker deaf: SIGTERM
# (pg_terminate_backend, or a fast shutdown) cancels it and the worker exits;
# the launcher starts a new one.
q -c "SELECT supabase_ext.job_schedule('sleeper', '@every 1s', 'SELECT pg_sleep(300)')" >/dev/null
check "a SQL job is sleeping inside the worker" "t" \
  "$(wait_for 20 "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'supabase_ext' AND wait_event = 'PgSleep' AND datname = current_database()" t)"
spid=$(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'supabase_ext' AND wait_event = 'PgSleep' AND datname = current_database()")
q -c "SELECT pg_terminate_backend($spid)" >/dev/null
check "SIGTERM during a long statement: the worker exits at once" "gone" \
  "$(for _ in $(seq 1 50); do kill -0 "$spid" 2>/dev/null || { echo gone; break; }; sleep 0.2; done)"
q -c "SELECT supabase_ext.job_unschedule('sleeper')" >/dev/null
check "a new worker starts after it" "t" \
  "$(wait_for 30 "SELECT coalesce(substring(detail FROM 'pid (\d+)')::int <> $spid, false) FROM supabase_ext.status() WHERE name = 'jobs worker (this database)' AND value = 'running'" t)"

stop_receiver

# kill -9 the worker mid-delivery: the server restarts, the delivery is sent
# again after its lease, with the same webhook-id.
> "$tmp/requests.jsonl"
receiver "hang:8,200" 10
id=$(q -c "SELECT supabase_ext.http_request('$URL/slow', options => '{\"timeout\": 3000, \"signing_secret\": \"$SECRET\"}')")
wait_for 10 "SELECT status FROM supabase_ext.http_requests WHERE id = $id" sending >/dev/null
for _ in $(seq 1 25); do [ -s "$tmp/requests.jsonl" ] && break; sleep 0.2; done
wpid=$(q -c "SELECT substring(detail FROM 'pid (\d+)') FROM supabase_ext.status() WHERE name = 'jobs worker (this database)'")
kill -9 "$wpid"
wait_up
check "the delivery is sent again after its lease" "succeeded" \
  "$(wait_for 40 "SELECT status FROM supabase_ext.http_requests WHERE id = $id" succeeded)"
check "both attempts carried the same webhook-id" "1" \
  "$(python3 -c "import json,sys; print(len({json.loads(l)['headers']['webhook-id'] for l in open('$tmp/requests.jsonl') if '/slow' in l}))")"
check "the receiver saw it twice (at-least-once)" "2" "$(grep -c '/slow' "$tmp/requests.jsonl" || true)"
stop_receiver

# An immediate-mode restart loses nothing committed.
q -c "SELECT supabase_ext.enqueue('durable', '{\"n\": 1}')" -c "SELECT supabase_ext.http_request('$URL/after-restart')" >/dev/null
"${SUDO_PG[@]}" "$BIN/pg_ctl" -D "$DATA" -m immediate -w restart -l "$DATA/../server.log" >/dev/null
wait_up
check "queued messages survive an immediate restart" "1" "$(q -c "SELECT count(*) FROM supabase_ext.job_queue WHERE queue = 'durable'")"
receiver "200" 10
check "pending deliveries survive and are sent after restart" "succeeded" \
  "$(wait_for 30 "SELECT status FROM supabase_ext.http_requests WHERE url LIKE '%after-restart'" succeeded)"
stop_receiver

q -c "SELECT supabase_ext.job_unschedule('tick')" >/dev/null
qdb postgres -c "DROP DATABASE $DB WITH (FORCE)" >/dev/null
[ "$fail" = 0 ] && echo "workers: all checks passed"
exit $fail
