#!/usr/bin/env bash
# Concurrency specs (tests/isolation/specs/*.spec, expected output in
# tests/isolation/expected/) run by Postgres's own isolation tester, which
# replays each interleaving of sessions the same way every run.
#
#   isolation.sh                  build and install into PG18, start a
#                                 preloaded cluster of its own, run the specs
#   isolation.sh HOST PORT        run against a running cluster that already
#                                 has the extension installed (regress.sh)
#
# Environment: SUPABASE_EXT_ISOLATION_BIN (Postgres bin dir, default PG18's),
# SUPABASE_EXT_ISOLATION_PGXS (the pgxs dir holding src/test/isolation,
# default <pkglibdir>/pgxs of that Postgres), SUPABASE_EXT_ISOLATION_PORT
# (own cluster's port, default SUPABASE_EXT_REGRESS_PORT + 10).
# Prints the diffs and exits non-zero when a spec's output differs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
BIN=${SUPABASE_EXT_ISOLATION_BIN:-$PG18_BIN}
PGXS=${SUPABASE_EXT_ISOLATION_PGXS:-$("$BIN/pg_config" --pkglibdir)/pgxs}
RUNNER=$PGXS/src/test/isolation/pg_isolation_regress
[ -x "$RUNNER" ] || { echo "FAIL: no pg_isolation_regress at $RUNNER"; exit 1; }

if [ $# -ge 2 ]; then
  HOST=$1 PORT=$2
  out=$RUN_DIR/isolation-out
else
  PORT=${SUPABASE_EXT_ISOLATION_PORT:-$(( ${SUPABASE_EXT_REGRESS_PORT:-54319} + 10 ))}
  install_ext "$BIN/pg_config" >/dev/null
  cluster_start isolation "$BIN" "$PORT" "shared_preload_libraries = 'supabase_ext'"
  trap 'cluster_stop isolation "$BIN"' EXIT
  HOST=$RUN_DIR/isolation
  out=$RUN_DIR/isolation/out
fi
"$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1 -d postgres -c "$SUPABASE_ROLES_SQL"

mkdir -p "$out"; chmod 777 "$out" 2>/dev/null || true
specs=$(cd "$ROOT/tests/isolation/specs" && ls ./*.spec | sed 's|^\./||; s|\.spec$||' | sort)
# pg_isolation_regress creates the database and the extension in it.
# shellcheck disable=SC2086
if ! "$RUNNER" --bindir="$BIN" --inputdir="$ROOT/tests/isolation" --outputdir="$out" \
    --host="$HOST" --port="$PORT" --user=postgres --dbname=supabase_ext_isolation \
    --load-extension=supabase_ext $specs; then
  cat "$out/regression.diffs" 2>/dev/null | head -300
  exit 1
fi
