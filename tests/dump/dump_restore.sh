#!/usr/bin/env bash
# pg_dump -> pg_restore into a fresh database must keep every piece of user
# data the extension holds: endpoints with their secrets, pending events (still
# claimable), the event id sequence, embed-token configuration and audit, and
# the tenant policies' markers. Run against a live cluster:
#   dump_restore.sh BIN_DIR HOST PORT
set -euo pipefail
BIN=$1 HOST=$2 PORT=$3
q() { local db=$1; shift; "$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d "$db" -X -v ON_ERROR_STOP=1 -qAt "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"

q postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS dump_src" \
           -c "DROP DATABASE IF EXISTS dump_dst" -c "CREATE DATABASE dump_src" -c "CREATE DATABASE dump_dst"
q dump_src >/dev/null <<'SQL'
CREATE EXTENSION supabase_ext;
SELECT supabase_ext.webhook_endpoint_create('gh', 'github', ARRAY['dump-secret']);
-- Three deliveries: one completed, two left pending.
SELECT supabase_ext.webhook_receive('gh', convert_to(b, 'UTF8'),
         supabase_ext.webhook_sign('github', 'dump-secret', convert_to(b, 'UTF8'))
         || jsonb_build_object('X-GitHub-Delivery', 'd-' || n))
  FROM (VALUES (1, '{"n": 1}'), (2, '{"n": 2}'), (3, '{"n": 3}')) AS v(n, b);
SELECT supabase_ext.webhook_complete(id) FROM supabase_ext.webhook_claim('gh', 1);
SELECT supabase_ext.embed_token_configure('dump-key-dump-key-dump-key-dump-key', '2 minutes');
CREATE TABLE public.projects (id bigint PRIMARY KEY, tenant_id uuid NOT NULL);
CREATE INDEX ON public.projects (tenant_id);
SELECT supabase_ext.enable_tenant_rls('public.projects');
SELECT supabase_ext.enqueue('mail', '{"to": "a@example.com"}', dedupe_key => 'a');
SELECT supabase_ext.enqueue('mail', '{"to": "b@example.com"}', priority => 1, max_attempts => 1);
SELECT count(*) FROM supabase_ext.dequeue('mail', 1);
SELECT supabase_ext.nack(id, 'gave up') FROM supabase_ext.job_queue WHERE attempts = 1;
SELECT supabase_ext.sync_cursor_set('odoo.orders', '{"write_date": "2026-11-01"}');
SQL
src_policies=$(q dump_src -c "SELECT string_agg(polname || ':' || coalesce(obj_description(oid, 'pg_policy'), ''), ',' ORDER BY polname) FROM pg_policy WHERE polrelid = 'public.projects'::regclass")

"$BIN/pg_dump" -h "$HOST" -p "$PORT" -U postgres -Fc -f "$tmp/dump" dump_src
if ! "$BIN/pg_restore" -h "$HOST" -p "$PORT" -U postgres -d dump_dst --exit-on-error "$tmp/dump" 2>"$tmp/restore.err"; then
  echo "FAIL: pg_restore:"; cat "$tmp/restore.err"; exit 1
fi

fail=0
check() {  # check NAME EXPECTED SQL
  local got; got=$(q dump_dst -c "$3" 2>&1) || true
  if [ "$got" = "$2" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$got'"; fail=1; fi
}
check "endpoint and its secret survive" "gh|github|1" \
  "SELECT name || '|' || provider || '|' || cardinality(secrets) FROM supabase_ext.webhook_endpoints"
check "events survive with their status" "completed:1,pending:2" \
  "SELECT string_agg(status || ':' || n, ',' ORDER BY status) FROM (SELECT status, count(*) n FROM supabase_ext.webhook_events GROUP BY 1) s"
check "pending events are claimable" "2" "SELECT count(*) FROM supabase_ext.webhook_claim('gh', 10)"
check "the endpoint verifies a new delivery, with an id past the old ones" "t" \
  "SELECT supabase_ext.webhook_receive('gh', convert_to('{\"n\": 4}', 'UTF8'),
            supabase_ext.webhook_sign('github', 'dump-secret', convert_to('{\"n\": 4}', 'UTF8'))
            || '{\"X-GitHub-Delivery\": \"d-4\"}') > 3"
q dump_dst -c "SELECT supabase_ext.webhook_receive('gh', convert_to('{\"n\": 1}', 'UTF8'),
            supabase_ext.webhook_sign('github', 'dump-secret', convert_to('{\"n\": 1}', 'UTF8'))
            || '{\"X-GitHub-Delivery\": \"d-1\"}')" >/dev/null
check "a redelivery is still a duplicate" "1" \
  "SELECT count(*) FROM supabase_ext.webhook_events WHERE delivery_id = 'd-1'"
check "embed-token configuration survives" "00:02:00" "SELECT max_ttl FROM supabase_ext.embed_token_config"
check "tenant policies and their markers survive" "$src_policies" \
  "SELECT string_agg(polname || ':' || coalesce(obj_description(oid, 'pg_policy'), ''), ',' ORDER BY polname) FROM pg_policy WHERE polrelid = 'public.projects'::regclass"
check "queued jobs survive and are dequeued" '{"to": "a@example.com"}' \
  "SELECT payload FROM supabase_ext.dequeue('mail', 5)"
check "the dedupe key still holds" "t" \
  "SELECT supabase_ext.enqueue('mail', '{}', dedupe_key => 'a') = (SELECT id FROM supabase_ext.job_queue WHERE dedupe_key = 'a')"
check "dead letters survive and redrive" "1" "SELECT supabase_ext.dead_letter_redrive('mail')"
check "new job ids continue past the old ones" "t" \
  "SELECT supabase_ext.enqueue('mail', '{\"n\": 3}') > 2"
check "sync cursors survive" '{"write_date": "2026-11-01"}' "SELECT supabase_ext.sync_cursor_get('odoo.orders')"
check "extension installed once, at the current version" "1" \
  "SELECT count(*) FROM pg_extension WHERE extname = 'supabase_ext'"
q postgres -c "DROP DATABASE dump_src" -c "DROP DATABASE dump_dst"
[ "$fail" = 0 ] && echo "dump/restore: all checks passed"
exit $fail
