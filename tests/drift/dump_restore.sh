#!/usr/bin/env bash
# pg_dump -> pg_restore keeps drift registrations, logs and alerts, and a
# restored registration still checks, even over a table whose dropped column
# shifts attnums in the restored copy. Run against a live cluster:
#   dump_restore.sh BIN_DIR HOST PORT
set -euo pipefail
BIN=$1 HOST=$2 PORT=$3
q() { local db=$1; shift; "$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d "$db" -X -v ON_ERROR_STOP=1 -qAt "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"
q postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS drift_src" \
           -c "DROP DATABASE IF EXISTS drift_dst" -c "CREATE DATABASE drift_src" -c "CREATE DATABASE drift_dst"
q drift_src >/dev/null <<'SQL'
CREATE EXTENSION supabase_ext;
CREATE SCHEMA odoo_seed;
CREATE TABLE public.projects (id bigint PRIMARY KEY, legacy text, name text, budget numeric);
ALTER TABLE public.projects DROP COLUMN legacy;
CREATE TABLE odoo_seed.shadow_projects (odoo_id integer PRIMARY KEY, name text, budget numeric, synced_at timestamptz DEFAULT now());
INSERT INTO public.projects VALUES (1, 'Website', 1.0), (2, 'ERP', 2), (3, 'Wiki', 3);
INSERT INTO odoo_seed.shadow_projects (odoo_id, name, budget) VALUES (1, 'Website', 1.00), (2, 'ERP!', 2), (9, 'Orphan', 0);
SELECT supabase_ext.drift_register('projects', 'public.projects', 'odoo_seed.shadow_projects', '{id}',
         options => '{"map": {"id": "odoo_id"}, "ignore": ["synced_at"]}');
SELECT status FROM supabase_ext.drift_check('projects');
SQL
"$BIN/pg_dump" -h "$HOST" -p "$PORT" -U postgres -Fc -f "$tmp/dump" drift_src
if ! "$BIN/pg_restore" -h "$HOST" -p "$PORT" -U postgres -d drift_dst --exit-on-error "$tmp/dump" 2>"$tmp/restore.err"; then
  echo "FAIL: pg_restore:"; cat "$tmp/restore.err"; exit 1
fi
fail=0
check() {  # check NAME EXPECTED SQL
  local got; got=$(q drift_dst -c "$3" 2>&1) || true
  if [ "$got" = "$2" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$got'"; fail=1; fi
}
check "registration survives, pointing at the restored tables" "projects|true|true" \
  "SELECT name || '|' || (source = 'public.projects'::regclass) || '|' || (shadow = 'odoo_seed.shadow_projects'::regclass)
     FROM supabase_ext.drift_registrations"
check "log and alert survive" "drift_found:1:1" \
  "SELECT string_agg(l.status || ':' || l.changed || ':' || (SELECT count(*) FROM supabase_ext.drift_alerts), ',') FROM supabase_ext.drift_logs l"
check "the views survive" "2|name|ERP|ERP!" "SELECT id || '|' || \"column\" || '|' || source_value || '|' || shadow_value FROM public.projects_changed"
check "the restored registration checks (attnums shifted)" "drift_found|1|1|1" \
  "SELECT status || '|' || missing || '|' || orphans || '|' || changed FROM supabase_ext.drift_check('projects')"
check "new log ids continue after the old ones" "2" "SELECT max(id) FROM supabase_ext.drift_logs"
q postgres -c "DROP DATABASE drift_src" -c "DROP DATABASE drift_dst"
exit $fail
