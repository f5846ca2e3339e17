#!/usr/bin/env bash
# Upgrade and schema-drift checks, against a running cluster with the current
# build installed (called by regress.sh).
#
# For every released version V (a frozen sql/released/supabase_ext--V.sql):
#  - V older than the current version: install V, ALTER EXTENSION UPDATE, and
#    require the same fingerprint as a fresh install of the current version.
#  - V equal to the current version: the frozen script must still produce the
#    fresh install's fingerprint, so a released SQL surface can't change
#    without a version bump and an upgrade script.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
NAME=$1 PORT=$2
CURRENT=$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 \
  | python3 -c 'import json,sys; print([p for p in json.load(sys.stdin)["packages"] if p["name"]=="supabase_ext"][0]["version"])')
EXTDIR=$("$PG18_CONFIG" --sharedir)/extension
q() { psql_at "$NAME" "$PG18_BIN" "$PORT" "$@"; }

fingerprint() { q -d "$1" -At -f "$ROOT/tests/upgrade/fingerprint.sql"; }
fresh_db() { q -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }

fresh_db upgrade_fresh
q -q -d upgrade_fresh -c "CREATE EXTENSION supabase_ext"
fingerprint upgrade_fresh >"$RUN_DIR/$NAME/fp-fresh.txt"
echo "fresh install of $CURRENT: $(grep -c '^function\|^relation' "$RUN_DIR/$NAME/fp-fresh.txt") functions and relations"

shopt -s nullglob
released=("$ROOT"/sql/released/supabase_ext--*.sql)
if [ ${#released[@]} -eq 0 ]; then
  echo "FAIL: no released version under sql/released/"; exit 1
fi
status=0
for f in "${released[@]}"; do
  v=$(basename "$f" .sql); v=${v#supabase_ext--}
  db=upgrade_from_${v//[^0-9a-z]/_}
  fresh_db "$db"
  if [ "$v" = "$CURRENT" ]; then
    # Install the frozen script under a side name so it can't shadow the build's.
    cp "$f" "$EXTDIR/supabase_ext--${v}-released.sql"
    q -q -d "$db" -c "CREATE EXTENSION supabase_ext VERSION '${v}-released'"
    what="frozen $v vs generated $v"
  else
    cp "$f" "$EXTDIR/supabase_ext--$v.sql"
    q -q -d "$db" -c "CREATE EXTENSION supabase_ext VERSION '$v'" -c "ALTER EXTENSION supabase_ext UPDATE"
    got=$(q -d "$db" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'supabase_ext'")
    [ "$got" = "$CURRENT" ] || { echo "FAIL: $v updated to $got, not $CURRENT"; status=1; }
    what="$v upgraded to $CURRENT vs fresh $CURRENT"
  fi
  fingerprint "$db" >"$RUN_DIR/$NAME/fp-$v.txt"
  if diff -u "$RUN_DIR/$NAME/fp-fresh.txt" "$RUN_DIR/$NAME/fp-$v.txt" >"$RUN_DIR/$NAME/fp-$v.diff"; then
    echo "ok: $what: identical SQL surface"
  else
    echo "FAIL: $what differ:"; head -80 "$RUN_DIR/$NAME/fp-$v.diff"; status=1
  fi
done
exit $status
