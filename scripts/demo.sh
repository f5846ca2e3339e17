#!/usr/bin/env bash
# One command: set up the machine, install supabase_ext into the embedded PG18,
# start a preloaded cluster, and walk through examples/*.sql.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT=${SUPABASE_EXT_DEMO_PORT:-54318}

bash "$ROOT/scripts/setup.sh"
say "Building and installing supabase_ext into PG18 ($PG18_HOME)"
install_ext "$PG18_CONFIG" >/dev/null
say "Starting a demo cluster on port $PORT (owned by postgres, supabase_ext preloaded)"
cluster_start demo "$PG18_BIN" "$PORT" \
  "shared_preload_libraries = 'supabase_ext'" "supabase_ext.database = 'postgres'"
psql_at demo "$PG18_BIN" "$PORT" -q -c "$SUPABASE_ROLES_SQL" \
  -c "CREATE EXTENSION IF NOT EXISTS vector" -c "CREATE EXTENSION IF NOT EXISTS supabase_ext"

# The jobs chapter sends webhooks to a receiver on 127.0.0.1 that the demo
# starts (bounded: 100 requests or 10 minutes).
RECEIVER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 "$ROOT/tests/jobs/receiver.py" "$RECEIVER_PORT" "$RUN_DIR/demo/receiver.jsonl" 200 100 600 &
RECEIVER_PID=$!
trap 'kill $RECEIVER_PID 2>/dev/null || true' EXIT
sleep 0.3

for f in "$ROOT"/examples/*.sql; do
  say "Chapter: $(basename "$f")"
  # -e echoes each statement before its result, so the walkthrough reads top to bottom.
  psql_at demo "$PG18_BIN" "$PORT" -e -v receiver="http://127.0.0.1:$RECEIVER_PORT" -f "$f"
done

say "The demo cluster is still running"
cat <<TXT
  connect:  $PG18_BIN/psql -h $RUN_DIR/demo -p $PORT -U postgres
            (or: psql "postgresql://postgres@localhost:$PORT/postgres")
  stop:     sudo -u postgres $PG18_BIN/pg_ctl -D $RUN_DIR/demo/data stop
TXT
