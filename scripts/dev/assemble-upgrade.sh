#!/usr/bin/env bash
# Assembles sql/supabase_ext--FROM--TO.sql from the per-domain fragments in
# sql/upgrade/TO/*.sql, in name order, so domains landing together don't edit
# one file. At release the fragments are dropped and the assembled script is
# frozen with the rest of the release.
#   scripts/dev/assemble-upgrade.sh 0.2.0 0.3.0
set -euo pipefail
cd "$(dirname "$0")/../.."
from=$1 to=$2
out=sql/supabase_ext--$from--$to.sql
shopt -s nullglob
parts=(sql/upgrade/"$to"/*.sql)
[ ${#parts[@]} -gt 0 ] || { echo "no fragments under sql/upgrade/$to" >&2; exit 1; }
for p in "${parts[@]}"; do cat "$p"; printf '\n'; done | cat -s >"$out"
echo "wrote $out from ${#parts[@]} fragments"
