#!/usr/bin/env bash
# Release packages: one tarball per Postgres major, laid out like Debian's
# server directories, so `tar -xzf … -C /` installs it on Debian/Ubuntu
# (PGDG) and the files are easy to place elsewhere by `pg_config` paths:
#
#   usr/lib/postgresql/<major>/lib/supabase_ext.so
#   usr/share/postgresql/<major>/extension/supabase_ext.control
#   usr/share/postgresql/<major>/extension/supabase_ext--<version>.sql
#   usr/share/postgresql/<major>/extension/supabase_ext--<from>--<to>.sql
#
# Output: $CARGO_TARGET_DIR/packages/supabase_ext-<version>-pg<major>-<arch>-<libc>.tar.gz
# and SHA256SUMS. Usage: package.sh [15] [18]   (default: both)
# The release profile uses fat LTO: a cold build takes minutes, a warm one
# only re-runs schema generation.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$TARGET/packages
STAGE=$TARGET/package-stage
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
ARCH=$(uname -m)
# The .so links the C library it was built against: glibc builds do not load
# on musl (Alpine) and vice versa.
if ldd --version 2>&1 | grep -qi musl; then LIBC=musl; else LIBC=glibc; fi
# Fixed timestamps and owners: the same inputs give the same tarball bytes.
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}

majors=("$@"); [ ${#majors[@]} -gt 0 ] || majors=(15 18)
mkdir -p "$OUT"

package_major() {
  local major=$1 pgc
  case "$major" in
    15) pgc=$PG15_CONFIG ;;
    18) pgc=$PG18_CONFIG ;;
    *) echo "package.sh: no pg_config known for PG$major" >&2; return 2 ;;
  esac
  [ -x "$pgc" ] || { echo "package.sh: $pgc missing (run scripts/setup.sh)" >&2; return 1; }
  local got; got=$("$pgc" --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')
  [ "$got" = "$major" ] || { echo "package.sh: $pgc is PG$got, not PG$major" >&2; return 1; }

  say "package: PG$major ($pgc)"
  local stage=$STAGE/pg$major
  rm -rf "$stage"
  local t0=$SECONDS
  cargo pgrx package --pg-config "$pgc" --no-default-features --features "pg$major" \
    --out-dir "$stage/pgrx"
  echo "cargo pgrx package pg$major: $((SECONDS - t0))s"

  # cargo pgrx package mirrors the build server's pg_config paths (for the
  # embedded PG18 a path under /opt); re-root both majors to Debian's layout.
  local from_lib=$stage/pgrx$("$pgc" --pkglibdir)
  local from_ext=$stage/pgrx$("$pgc" --sharedir)/extension
  local root=$stage/root
  local to_lib=$root/usr/lib/postgresql/$major/lib
  local to_ext=$root/usr/share/postgresql/$major/extension
  mkdir -p "$to_lib" "$to_ext"
  install -m 0755 "$from_lib/supabase_ext.so" "$to_lib/"
  install -m 0644 "$from_ext/supabase_ext.control" "$from_ext"/supabase_ext--*.sql "$to_ext/"

  # Every upgrade script in sql/ must ship, or ALTER EXTENSION … UPDATE
  # cannot reach this version from an older one.
  local f
  for f in sql/supabase_ext--*--*.sql; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$to_ext/$(basename "$f")" \
      || { echo "package.sh: upgrade script $f missing from the package" >&2; return 1; }
  done
  [ -f "$to_ext/supabase_ext--$VERSION.sql" ] \
    || { echo "package.sh: supabase_ext--$VERSION.sql missing" >&2; return 1; }
  grep -q "^default_version = '$VERSION'" "$to_ext/supabase_ext.control" \
    || { echo "package.sh: control file default_version is not $VERSION" >&2; return 1; }

  local name=supabase_ext-$VERSION-pg$major-$ARCH-$LIBC.tar.gz
  tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
    -cf - usr | gzip -9n >"$OUT/$name.tmp"
  mv "$OUT/$name.tmp" "$OUT/$name"
  echo "wrote $OUT/$name ($(du -h "$OUT/$name" | cut -f1))"
}

for m in "${majors[@]}"; do package_major "$m"; done

# Checksums of every tarball present (so packaging one major keeps the other's).
(cd "$OUT" && sha256sum -- *.tar.gz >SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
say "packages in $OUT"
cat "$OUT/SHA256SUMS"
