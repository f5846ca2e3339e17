#!/usr/bin/env bash
# One command: set up the machine, then run every test stage and print a
# summary with each stage's time. Exit status is non-zero if any stage failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

declare -a NAMES=() RESULTS=() TIMES=()
stage() {
  local name=$1; shift
  say "stage: $name"
  local t0=$SECONDS
  if "$@"; then RESULTS+=(pass); else RESULTS+=(FAIL); fi
  NAMES+=("$name"); TIMES+=($((SECONDS - t0)))
}

pgrx_test() {
  local pg=$1
  mkdir -p "$RUN_DIR"; chmod 755 "$RUN_DIR"
  # A fresh cluster each run: stale clusters hide missing setup steps.
  rm -rf "$RUN_DIR/pgrx-$pg"
  mkdir -p "$RUN_DIR/pgrx-$pg" && chown postgres: "$RUN_DIR/pgrx-$pg"
  cargo pgrx test "$pg" --no-default-features --features "$pg" \
    --runas postgres --pgdata "$RUN_DIR/pgrx-$pg"
}

stage setup bash scripts/setup.sh || true
# Our clusters would crash when the build overwrites their preloaded library.
stop_clusters_of "$PG18_CONFIG" 2>/dev/null || true
stop_clusters_of "$PG15_CONFIG" 2>/dev/null || true
if [ "${RESULTS[0]}" != pass ]; then echo "setup failed; nothing else can run"; exit 1; fi
stage "cargo fmt --check" cargo fmt --all -- --check
stage "cargo clippy -D warnings" cargo clippy --workspace --all-targets --features "pg18 pg_test" -- -D warnings
stage "unit tests (pure Rust)" cargo test -p supabase_ext_core
stage "cargo pgrx test pg18" pgrx_test pg18
stage "pg_regress pg18 preloaded + isolation, dump/restore, upgrade" bash scripts/regress.sh pg18 preload
stage "pg_regress pg18 without preload" bash scripts/regress.sh pg18 nopreload
stage "cargo pgrx test pg15 (pg_cron lane)" pgrx_test pg15
stage "pg_regress pg15 without preload, real pg_cron" bash scripts/regress.sh pg15 nopreload
stage "packages: install from tarballs, PG15 + PG18" bash scripts/package-test.sh

say "summary"
passed=0; failed=0
for i in "${!NAMES[@]}"; do
  printf '  %-40s %-5s %5ss\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${TIMES[$i]}"
  if [ "${RESULTS[$i]}" = pass ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
