#!/usr/bin/env bash
# No lost work: 8 concurrent producers enqueue while 3 consumers dequeue and
# ack, all through pgbench; every message is consumed exactly once (leases
# are long enough that none expires), counted exactly.
#   queue_load.sh BIN_DIR HOST PORT
set -euo pipefail
BIN=$1 HOST=$2 PORT=$3
DB=jobs_load PER_PRODUCER=300 PRODUCERS=8
q() { "$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d "$DB" -X -v ON_ERROR_STOP=1 -qAt "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d postgres -X -qAt -c "SET client_min_messages = warning" \
  -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
q -c "CREATE EXTENSION supabase_ext" \
  -c "CREATE TABLE consumed (id bigint, payload jsonb, consumer int)"
cat > "$tmp/produce.sql" <<'SQL'
SELECT supabase_ext.enqueue('load', jsonb_build_object('producer', :client_id));
SQL
cat > "$tmp/consume.sql" <<'SQL'
WITH got AS (SELECT id, payload FROM supabase_ext.dequeue('load', 10, '10 minutes')),
     kept AS (INSERT INTO consumed SELECT id, payload, :client_id FROM got RETURNING id)
SELECT count(supabase_ext.ack(id)) FROM kept;
SQL
export PGHOST=$HOST PGPORT=$PORT PGUSER=postgres PGDATABASE=$DB
"$BIN/pgbench" -n -f "$tmp/produce.sql" -c $PRODUCERS -j 2 -t $PER_PRODUCER >"$tmp/produce.log" 2>&1 &
producers=$!
# Consumers run while producers do, then drain what is left.
"$BIN/pgbench" -n -f "$tmp/consume.sql" -c 3 -j 1 -T 4 >"$tmp/consume.log" 2>&1 || true
wait $producers || { cat "$tmp/produce.log"; exit 1; }
"$BIN/pgbench" -n -f "$tmp/consume.sql" -c 3 -j 1 -t 200 >>"$tmp/consume.log" 2>&1 || true
expected=$((PRODUCERS * PER_PRODUCER))
got=$(q -c "SELECT count(*) || '|' || count(DISTINCT id) || '|' || count(DISTINCT consumer) FROM consumed")
left=$(q -c "SELECT count(*) FROM supabase_ext.job_queue WHERE queue = 'load'")
"$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d postgres -X -qAt -c "DROP DATABASE $DB"
echo "queue load: $expected enqueued by $PRODUCERS producers; consumed|distinct|consumers = $got; left in queue = $left"
[ "$got" = "$expected|$expected|3" ] && [ "$left" = 0 ]
