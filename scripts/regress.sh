#!/usr/bin/env bash
# pg_regress golden files (tests/pg_regress) and the upgrade/schema check,
# against a preloaded PG18 cluster with the freshly built extension.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT=${SUPABASE_EXT_REGRESS_PORT:-54319}

install_ext "$PG18_CONFIG" >/dev/null
cluster_start regress "$PG18_BIN" "$PORT" \
  "shared_preload_libraries = 'supabase_ext'" "supabase_ext.database = 'postgres'"
trap 'cluster_stop regress "$PG18_BIN"' EXIT
psql_at regress "$PG18_BIN" "$PORT" -q -c "$SUPABASE_ROLES_SQL"

out=$RUN_DIR/regress/out; mkdir -p "$out"
tests=$(cd "$ROOT/tests/pg_regress/sql" && ls ./*.sql | sed 's|^\./||; s|\.sql$||' | sort)
# shellcheck disable=SC2086
if ! "$PG18_HOME/lib/pgxs/src/test/regress/pg_regress" \
    --bindir="$PG18_BIN" --inputdir="$ROOT/tests/pg_regress" --outputdir="$out" \
    --host="$RUN_DIR/regress" --port="$PORT" --user=postgres \
    --dbname=supabase_ext_regress $tests; then
  cat "$out/regression.diffs" 2>/dev/null | head -200
  exit 1
fi

echo "concurrency (isolation tester):"
bash "$ROOT/scripts/isolation.sh" "$RUN_DIR/regress" "$PORT"

bash "$ROOT/scripts/upgrade-test.sh" regress "$PORT"
