#!/usr/bin/env bash
# HTTP jobs against a loopback receiver this test starts (127.0.0.1 only,
# bounded in requests and time): a receiver that refuses connections, then
# answers 500, then recovers; signatures verified with webhook_verify; the
# same webhook-id on every attempt; dead letters and redrive; Retry-After;
# 410 Gone pauses the job; a cron HTTP job's run waits for its delivery; and
# destinations refused after resolution. Run against a live cluster with the
# extension installable:  http_delivery.sh BIN_DIR HOST PORT
set -euo pipefail
BIN=$1 HOST=$2 PORT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
DB=jobs_http
q() { "$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d "$DB" -X -v ON_ERROR_STOP=1 -qAt "$@"; }
tmp=$(mktemp -d); chmod 755 "$tmp"
RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
source "$HERE/lib.sh"
pending() {  # one pass of the pg_cron path; retries are immediate (base 0)
  q -c "SET supabase_ext.job_retry_base = 0" -c "CALL supabase_ext.run_pending(max_jobs => ${1:-10}, max_seconds => 20)"
}

"$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d postgres -X -qAt -c "SET client_min_messages = warning" \
  -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
SECRET='whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
URL="http://127.0.0.1:$RPORT"
q -c "CREATE EXTENSION supabase_ext"

# 1. Receiver down, then 500 twice, then 200: one delivery, four attempts.
id=$(q -c "SELECT supabase_ext.http_request('$URL/hook', 'POST', '{\"event\": \"health\", \"ok\": true}',
             '{\"X-Source\": \"test\"}', '{\"signing_secret\": \"$SECRET\", \"max_attempts\": 6, \"timeout\": 2000}')")
pending 1
check "refused connection is a failed attempt" "pending|1" \
  "$(q -c "SELECT status || '|' || attempts FROM supabase_ext.http_requests WHERE id = $id")"
receiver "500,500,200" 10
pending 1; pending 1
check "500s are retried" "pending|3|500" \
  "$(q -c "SELECT status || '|' || attempts || '|' || response_status FROM supabase_ext.http_requests WHERE id = $id")"
pending 1
check "recovers: succeeded on attempt 4" "succeeded|4|200" \
  "$(q -c "SELECT status || '|' || attempts || '|' || response_status FROM supabase_ext.http_requests WHERE id = $id")"
check "no cookie kept from the response" "f" \
  "$(q -c "SELECT response_headers ? 'set-cookie' FROM supabase_ext.http_requests WHERE id = $id")"
stop_receiver
check "three requests reached the receiver" "3" "$(wc -l < "$tmp/requests.jsonl" | tr -d ' ')"
# Every attempt verifies as Standard Webhooks, with one webhook-id throughout.
q -c "CREATE TABLE received (r jsonb)"
q -c "\\copy received FROM '$tmp/requests.jsonl' WITH (FORMAT text, DELIMITER E'\\x01', QUOTE E'\\x02')" 2>/dev/null \
  || q -c "\\copy received FROM '$tmp/requests.jsonl'"
check "every attempt verifies with webhook_verify('standard')" "3" \
  "$(q -c "SELECT count(*) FILTER (WHERE supabase_ext.webhook_verify('standard', '$SECRET', decode(r->>'body', 'base64'), r->'headers'))
             FROM received")"
check "the same webhook-id on every attempt" "1" "$(q -c "SELECT count(DISTINCT r->'headers'->>'webhook-id') FROM received")"
check "the webhook-id is the stored one" "t" \
  "$(q -c "SELECT (SELECT r->'headers'->>'webhook-id' FROM received LIMIT 1) = webhook_id FROM supabase_ext.http_requests WHERE id = $id")"
check "caller headers and JSON body arrive" "test|{\"ok\": true, \"event\": \"health\"}" \
  "$(q -c "SELECT r->'headers'->>'x-source' || '|' || convert_from(decode(r->>'body', 'base64'), 'UTF8')::jsonb::text FROM received LIMIT 1")"
> "$tmp/requests.jsonl"

# 2. Out of attempts: failed for good (a dead letter of queue 'http'); redrive sends it again.
receiver "500,500,200" 10
id2=$(q -c "SELECT supabase_ext.http_request('$URL/dead', options => '{\"max_attempts\": 2}')")
pending 1; pending 1
check "after max attempts the delivery is dead" "failed|2" \
  "$(q -c "SELECT status || '|' || attempts FROM supabase_ext.http_requests WHERE id = $id2")"
check "redrive puts it back" "1" "$(q -c "SELECT supabase_ext.dead_letter_redrive('http', ARRAY[$id2])")"
pending 1
check "redriven delivery succeeds" "succeeded|1" \
  "$(q -c "SELECT status || '|' || attempts FROM supabase_ext.http_requests WHERE id = $id2")"
stop_receiver

# 3. Retry-After is honoured (bounded by the cap).
receiver "503:30" 5
id3=$(q -c "SELECT supabase_ext.http_request('$URL/busy')")
pending 1
check "Retry-After: 30 delays the next attempt" "pending|true" \
  "$(q -c "SELECT status || '|' || (next_attempt_at > now() + interval '20 seconds') FROM supabase_ext.http_requests WHERE id = $id3")"
stop_receiver

# 4. A cron HTTP job: its run waits for the delivery, and fails with it; 410 pauses the job.
receiver "500,410" 5
q -c "SELECT supabase_ext.job_schedule('health check', '*/15 * * * *', '$URL/health',
        '{\"kind\": \"http\", \"timezone\": \"Asia/Manila\", \"max_attempts\": 3, \"signing_secret\": \"$SECRET\"}')" >/dev/null
q -c "SELECT supabase_ext.job_run_now('health check')" >/dev/null
pending 1   # the run executes and enqueues its delivery
pending 1   # attempt 1: 500
check "the run waits while its delivery is retried" "waiting|1" \
  "$(q -c "SELECT r.status || '|' || h.attempts FROM supabase_ext.job_runs r JOIN supabase_ext.http_requests h ON h.job_run_id = r.id WHERE r.job_name = 'health check'")"
pending 1   # attempt 2: 410
check "410 Gone: the run failed, not succeeded" "failed|410" \
  "$(q -c "SELECT status || '|' || http_status FROM supabase_ext.job_runs WHERE job_name = 'health check'")"
check "410 Gone pauses the job" "true|receiver answered 410 Gone" \
  "$(q -c "SELECT paused || '|' || paused_reason FROM supabase_ext.jobs WHERE name = 'health check'")"
stop_receiver

# 5. Destinations: an allowed name that resolves to an internal address is
#    refused when connecting (DNS rebinding), for non-superuser owners.
q -c "CREATE ROLE http_user NOLOGIN" -c "GRANT USAGE ON SCHEMA supabase_ext TO http_user" \
  -c "GRANT EXECUTE ON FUNCTION supabase_ext.http_request(text, text, jsonb, jsonb, jsonb) TO http_user"
check "non-superusers need an allowlist entry" "42501" \
  "$(q -c "SET ROLE http_user" -c "DO \$\$ BEGIN PERFORM supabase_ext.http_request('$URL/x'); EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE '42501'; END \$\$" 2>&1 | grep -o 42501 || echo none)"
id5=$(q -c "SET supabase_ext.http_allowlist = 'localhost'" -c "SET ROLE http_user" \
        -c "SELECT supabase_ext.http_request('http://localhost:$RPORT/rebind', options => '{\"max_attempts\": 1}')")
q -c "SET supabase_ext.http_allowlist = 'localhost'" -c "CALL supabase_ext.run_pending(max_jobs => 10)"
check "a name that resolves to loopback is refused at connect time" "failed|true" \
  "$(q -c "SELECT status || '|' || (last_error LIKE 'destination refused: %internal address%') FROM supabase_ext.http_requests WHERE id = $id5")"
# A job's deliveries are its owner's, though the caller of run_pending (here
# a superuser) sends them: http_user's HTTP job is held to the allowlist.
q -c "GRANT EXECUTE ON FUNCTION supabase_ext.job_schedule(text, text, text, jsonb), supabase_ext.job_run_now(text) TO http_user"
q -c "SET supabase_ext.http_allowlist = 'localhost'" -c "SET ROLE http_user" \
  -c "SELECT supabase_ext.job_schedule('user job', '@daily', 'http://localhost:$RPORT/user-job', '{\"kind\": \"http\", \"max_attempts\": 1}')" \
  -c "SELECT supabase_ext.job_run_now('user job')" >/dev/null
q -c "SET supabase_ext.http_allowlist = 'localhost'" -c "CALL supabase_ext.run_pending(max_jobs => 10)"
check "a job's delivery belongs to the job's owner and obeys the allowlist" "http_user|failed|true" \
  "$(q -c "SELECT owner || '|' || status || '|' || (last_error LIKE '%internal address%') FROM supabase_ext.http_requests WHERE url LIKE '%/user-job'")"
# A batch handed to jobs_send_http by SQL is not trusted for policy.
check "a forged batch is not sent" "not a claimed delivery" \
  "$(q -c "SELECT supabase_ext.jobs_send_http('[{\"id\": 999999, \"method\": \"GET\", \"url\": \"http://169.254.169.254/\", \"headers\": [], \"body\": null, \"timeout_ms\": 1000, \"superuser\": true, \"allowlist\": \"169.254.169.254/32\"}]') -> 0 ->> 'error'")"
check "http_user reads its own delivery, not others'" "2" \
  "$(q -c "SET ROLE http_user" -c "SELECT count(*) FROM supabase_ext.http_requests")"
check "nobody but the owner reads signing secrets" "42501" \
  "$(q -c "SET ROLE http_user" -c "DO \$\$ BEGIN PERFORM signing_secret FROM supabase_ext.http_requests; EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE '42501'; END \$\$" 2>&1 | grep -o 42501 || echo none)"
q -c "DROP OWNED BY http_user" -c "DROP ROLE http_user"

"$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d postgres -X -qAt -c "DROP DATABASE $DB"
[ "$fail" = 0 ] && echo "http deliveries: all checks passed"
exit $fail
