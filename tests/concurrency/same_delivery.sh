#!/usr/bin/env bash
# 8 sessions deliver the same webhook id at the same instant; exactly one row
# must result and every session must get that row's id. Run against a live
# cluster: same_delivery.sh PSQL_BIN HOST PORT DB
set -euo pipefail
PSQL=$1 HOST=$2 PORT=$3 DB=$4
SESSIONS=8
q() { "$PSQL" -h "$HOST" -p "$PORT" -U postgres -d "$DB" -X -v ON_ERROR_STOP=1 -At "$@"; }
tmp=$(mktemp -d)
q -q -c "SELECT supabase_ext.webhook_endpoint_drop('race')" \
     -c "SELECT supabase_ext.webhook_endpoint_create('race', 'github', ARRAY['race-secret'])" >/dev/null

# A barrier: the coordinator holds an exclusive advisory lock; each session
# waits on it in shared mode, so all of them are released together.
coproc COORD { "$PSQL" -h "$HOST" -p "$PORT" -U postgres -d "$DB" -X -At; }
echo "SELECT pg_advisory_lock(4242); SELECT 'locked';" >&"${COORD[1]}"
read -r line <&"${COORD[0]}"; read -r line <&"${COORD[0]}"
[ "$line" = locked ] || { echo "barrier failed"; exit 1; }

for i in $(seq 1 $SESSIONS); do
  q -c "SELECT pg_advisory_lock_shared(4242)" \
    -c "SELECT supabase_ext.webhook_receive('race', convert_to('{\"n\": 1}', 'UTF8'),
          supabase_ext.webhook_sign('github', 'race-secret', convert_to('{\"n\": 1}', 'UTF8'))
          || '{\"X-GitHub-Delivery\": \"same-id\"}')" >"$tmp/$i.out" 2>"$tmp/$i.err" &
done
# Wait until all sessions are queued on the lock, then release them.
for _ in $(seq 1 100); do
  waiting=$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
  [ "$waiting" -ge $SESSIONS ] && break; sleep 0.1
done
echo "SELECT pg_advisory_unlock(4242);" >&"${COORD[1]}"
wait $(jobs -p | grep -v "$COORD_PID") 2>/dev/null || true
exec {COORD[1]}>&-

rows=$(q -c "SELECT count(*) FROM supabase_ext.webhook_events WHERE endpoint = 'race'")
returned=$(cat "$tmp"/*.out | grep -cE '^[0-9]+$' || true)
ids=$(cat "$tmp"/*.out | grep -E '^[0-9]+$' | sort -u | wc -l)
errs=$(cat "$tmp"/*.err | grep -c ERROR || true)
echo "concurrency: $SESSIONS sessions (waiting together: $waiting), rows=$rows, ids returned=$returned (distinct $ids), errors=$errs"
rm -rf "$tmp"
[ "$rows" = 1 ] && [ "$returned" = $SESSIONS ] && [ "$ids" = 1 ] && [ "$errs" = 0 ]
