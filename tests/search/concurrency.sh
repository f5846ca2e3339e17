#!/usr/bin/env bash
# BM25 statistics under concurrent writers: 8 pgbench clients (so some
# share a counter shard) insert, update
# (text and non-text columns), delete and roll back on a registered table;
# afterwards the extension's counters must equal a recount from the table
# (documents, total length, every term's document frequency) and every
# posting must belong to a live row. Run against a live cluster that has
# supabase_ext and pgvector installed:
#   concurrency.sh BIN_DIR HOST PORT
set -euo pipefail
BIN=$1 HOST=$2 PORT=$3
q() { "$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d search_conc -X -v ON_ERROR_STOP=1 -qAt "$@"; }
"$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d postgres -X -qAt -v ON_ERROR_STOP=1 \
  -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS search_conc" -c "CREATE DATABASE search_conc"
q <<'SQL'
CREATE EXTENSION vector;
CREATE EXTENSION supabase_ext;
CREATE TABLE docs (id int PRIMARY KEY, tenant int NOT NULL, body text, emb vector(2), hits int DEFAULT 0);
INSERT INTO docs SELECT g, g % 3, 'seed words alpha beta ' || (g % 17), '[1,0]' FROM generate_series(1, 300) g;
SELECT supabase_ext.search_register('docs_search', 'docs',
    '{"embedding_column": "emb", "text_column": "body", "tenant_column": "tenant", "text_config": "simple"}') IS NULL AS failed \gset
SQL
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/w.sql" <<'SQL'
\set id random(1, 600)
\set w random(1, 40)
\set op random(1, 6)
BEGIN;
INSERT INTO docs VALUES (:id, :id % 3, 'word' || :w || ' common text ' || :w || ' shared', '[0,1]')
    ON CONFLICT (id) DO UPDATE SET body = excluded.body || ' again';
UPDATE docs SET hits = hits + 1 WHERE id = :id + 1;
UPDATE docs SET body = 'rewritten ' || :w WHERE id = :id + 2 AND :op = 1;
DELETE FROM docs WHERE id = :id + 3 AND :op = 2;
UPDATE docs SET tenant = (tenant + 1) % 3 WHERE id = :id + 4 AND :op = 3;
\if :op = 4
ROLLBACK;
\else
COMMIT;
\endif
SQL
"$BIN/pgbench" -h "$HOST" -p "$PORT" -U postgres -n -c 8 -j 2 -t 125 --max-tries=20 -f "$tmp/w.sql" search_conc >"$tmp/pgbench.log" 2>&1 \
  || { cat "$tmp/pgbench.log"; echo "FAIL: pgbench"; exit 1; }
id=$(q -c "SELECT id FROM supabase_ext.search_registrations WHERE name = 'docs_search'")
bad=$(q <<SQL
WITH doc AS (
    SELECT d.tenant AS t, d.id AS k, u.lexeme AS term, coalesce(array_length(u.positions, 1), 1) AS tf
      FROM docs d, unnest(to_tsvector('simple', coalesce(d.body, ''))) u
), want_stats AS (
    SELECT t, count(DISTINCT k) AS n, sum(tf) AS total_len FROM doc GROUP BY t
), have_stats AS (
    SELECT t, sum(n) AS n, sum(total_len) AS total_len FROM supabase_ext.search_${id}_stats GROUP BY t HAVING sum(n) <> 0
), want_df AS (
    SELECT t, term, count(*) AS df FROM doc GROUP BY t, term
), have_df AS (
    SELECT t, term, count(*) AS df FROM supabase_ext.search_${id}_postings GROUP BY t, term
), want_post AS (
    SELECT doc.t, doc.term, doc.k, doc.tf, sum(doc.tf) OVER (PARTITION BY doc.t, doc.k) AS len FROM doc
)
SELECT (SELECT count(*) FROM ((SELECT * FROM want_stats EXCEPT SELECT * FROM have_stats)
                              UNION ALL (SELECT * FROM have_stats EXCEPT SELECT * FROM want_stats)) x)
     + (SELECT count(*) FROM ((SELECT * FROM want_df EXCEPT SELECT * FROM have_df)
                              UNION ALL (SELECT * FROM have_df EXCEPT SELECT * FROM want_df)) x)
     + (SELECT count(*) FROM ((SELECT t, term, k, tf, len FROM want_post EXCEPT SELECT t, term, k, tf, len FROM supabase_ext.search_${id}_postings)
                              UNION ALL (SELECT t, term, k, tf, len FROM supabase_ext.search_${id}_postings EXCEPT SELECT t, term, k, tf, len FROM want_post)) x);
SQL
)
rows=$(q -c "SELECT count(*) FROM docs")
if [ "$bad" != 0 ]; then echo "FAIL: $bad statistics rows differ from a recount after concurrent writes"; exit 1; fi
echo "ok: BM25 statistics and postings equal a recount after 1,000 concurrent write transactions ($rows rows)"
grep -E "number of (failed|transactions retried)|total number of retries" "$tmp/pgbench.log" | sed 's/^/    pgbench: /' || true
"$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d postgres -X -qAt -c "DROP DATABASE search_conc"
