-- Hybrid search under tenants, RLS and PostgREST's per-request protocol:
-- no row of another tenant, ever; RLS decides what the caller sees; the
-- internal statistics and postings are not readable by API roles.
\set VERBOSITY terse
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS have_vector \gset
\if :have_vector
\else
\echo 'skipping: pgvector is not available on this server (see 60_search)'
\quit
\endif
CREATE SCHEMA kbapp;
CREATE TABLE kbapp.kb (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    owner uuid,
    private boolean NOT NULL DEFAULT false,
    body text,
    embedding vector(3)
);
-- Tenant A: 1-4 (4 is private to user aaaa…0001); tenant B: 11-13, and only
-- B's rows mention zebras.
INSERT INTO kbapp.kb VALUES
    (1, 'a0000000-0000-4000-8000-00000000000a', NULL, false, 'invoice refund policy', '[1,0,0]'),
    (2, 'a0000000-0000-4000-8000-00000000000a', NULL, false, 'billing invoice schedule', '[0.9,0.1,0]'),
    (3, 'a0000000-0000-4000-8000-00000000000a', NULL, false, 'support hours', '[0,1,0]'),
    (4, 'a0000000-0000-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-000000000001', true,
        'confidential invoice merger', '[1,0,0]'),
    (11, 'b0000000-0000-4000-8000-00000000000b', NULL, false, 'invoice zebra refund', '[1,0,0]'),
    (12, 'b0000000-0000-4000-8000-00000000000b', NULL, false, 'zebra invoice', '[1,0,0]'),
    (13, 'b0000000-0000-4000-8000-00000000000b', NULL, false, 'zebra stripes', '[0.9,0.1,0]');
SELECT supabase_ext.enable_tenant_rls('kbapp.kb') IS NOT NULL AS rls;
-- Private rows only for their owner (a finer policy than the tenant's).
CREATE POLICY kb_private ON kbapp.kb AS RESTRICTIVE FOR SELECT TO authenticated
    USING (NOT private OR owner = (SELECT supabase_ext.uid()));
GRANT USAGE ON SCHEMA kbapp TO anon, authenticated, service_role;
GRANT SELECT, INSERT ON kbapp.kb TO authenticated;
GRANT SELECT ON kbapp.kb TO service_role;
SELECT supabase_ext.search_register('kb_search', 'kbapp.kb',
    '{"embedding_column": "embedding", "text_column": "body", "tenant_column": "tenant_id"}');
SELECT format('supabase_ext.search_%s_stats', id) AS stats, format('supabase_ext.search_%s_postings', id) AS postings,
       format('supabase_ext.search_%s_lexical', id) AS lexical
  FROM supabase_ext.search_registrations WHERE name = 'kb_search' \gset
-- Per-tenant statistics: B's zebras are not in A's corpus.
SELECT t::text, sum(n) AS docs FROM :stats GROUP BY t ORDER BY t;

-- PostgREST: authenticator, then per request role and claims, then the RPC.
SET SESSION AUTHORIZATION authenticator;
BEGIN;
SELECT set_config('role', 'authenticated', true) AS role,
       set_config('request.jwt.claims',
         '{"sub": "aaaaaaaa-0000-4000-8000-000000000002", "role": "authenticated", "tenant_id": "a0000000-0000-4000-8000-00000000000a"}', true) IS NOT NULL AS claims;
-- Only A's public rows; ranks are dense among them (no hidden row shifts them).
SELECT id, semantic_rank, lexical_rank FROM kbapp.kb_search(query_embedding := '[1,0,0]',
    query_text := 'invoice zebra confidential merger', match_count := 100);
-- Zebras exist only in B: nothing.
SELECT count(*) AS zebras FROM kbapp.kb_search(query_embedding := NULL, query_text := 'zebra');
-- Asking for B: refused, by the function and (called directly) by its lexical stage.
SELECT id FROM kbapp.kb_search(NULL, 'zebra', tenant := 'b0000000-0000-4000-8000-00000000000b');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT set_config('role', 'authenticated', true) AS role,
       set_config('request.jwt.claims', '{"sub": "aaaaaaaa-0000-4000-8000-000000000002", "role": "authenticated"}', true) IS NOT NULL AS claims;
SELECT * FROM :lexical('zebra', 'b0000000-0000-4000-8000-00000000000b', 10, 0.9, 0.4);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- The private row's owner sees it (and the semantic branch still fills).
BEGIN;
SELECT set_config('role', 'authenticated', true) AS role,
       set_config('request.jwt.claims',
         '{"sub": "aaaaaaaa-0000-4000-8000-000000000001", "role": "authenticated", "tenant_id": "a0000000-0000-4000-8000-00000000000a"}', true) IS NOT NULL AS claims;
SELECT id, semantic_rank, lexical_rank FROM kbapp.kb_search('[1,0,0]', 'confidential merger', match_count := 2);
-- Writes through the API keep the statistics (the trigger function is the
-- extension's; the caller cannot touch the tables it writes).
INSERT INTO kbapp.kb (id, tenant_id, body, embedding)
    VALUES (5, 'a0000000-0000-4000-8000-00000000000a', 'quarterly invoice audit', '[0.8,0.2,0]');
SELECT id, lexical_rank FROM kbapp.kb_search(NULL, 'audit');
SELECT count(*) FROM :postings;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- No tenant at all: refused.
BEGIN;
SELECT set_config('role', 'authenticated', true) AS role,
       set_config('request.jwt.claims', '{"role": "authenticated"}', true) IS NOT NULL AS claims;
SELECT id FROM kbapp.kb_search('[1,0,0]', 'invoice');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- anon has no SELECT on the table: refused by the table and by the lexical stage.
BEGIN;
SELECT set_config('role', 'anon', true) AS role,
       set_config('request.jwt.claims', '{"role": "anon", "tenant_id": "a0000000-0000-4000-8000-00000000000a"}', true) IS NOT NULL AS claims;
SELECT id FROM kbapp.kb_search('[1,0,0]', 'invoice');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT set_config('role', 'anon', true) AS role,
       set_config('request.jwt.claims', '{"role": "anon", "tenant_id": "a0000000-0000-4000-8000-00000000000a"}', true) IS NOT NULL AS claims;
SELECT * FROM :lexical('invoice', 'a0000000-0000-4000-8000-00000000000a', 10, 0.9, 0.4);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- service_role bypasses RLS (BYPASSRLS), so it may name any tenant, and
-- still gets that tenant's rows only.
BEGIN;
SELECT set_config('role', 'service_role', true) AS role,
       set_config('request.jwt.claims', '{"role": "service_role"}', true) IS NOT NULL AS claims;
SELECT id, lexical_rank FROM kbapp.kb_search(NULL, 'zebra invoice', tenant := 'b0000000-0000-4000-8000-00000000000b');
SELECT id FROM kbapp.kb_search('[1,0,0]', 'invoice');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
RESET SESSION AUTHORIZATION;
-- A 1% tenant among 1,000 rows with an HNSW index: the tenant filter is
-- inside the semantic branch (iterative scan), so match_count rows come back.
INSERT INTO kbapp.kb SELECT g, CASE WHEN g % 100 = 0 THEN 'c0000000-0000-4000-8000-00000000000c'::uuid
                                  ELSE 'a0000000-0000-4000-8000-00000000000a' END, NULL, false,
       'row ' || g, format('[%s,%s,%s]', cos(g), sin(g), 1)::vector FROM generate_series(1000, 1999) g;
CREATE INDEX ON kbapp.kb USING hnsw (embedding vector_cosine_ops);
ANALYZE kbapp.kb;
SELECT count(*) AS rows, count(*) FILTER (WHERE semantic_rank IS NOT NULL) AS semantic,
       bool_and(k.tenant_id = 'c0000000-0000-4000-8000-00000000000c') AS only_tenant_c
  FROM kbapp.kb_search('[1,0,1]', NULL, match_count := 10, tenant := 'c0000000-0000-4000-8000-00000000000c') s
  JOIN kbapp.kb k USING (id);
SELECT supabase_ext.search_unregister('kb_search');
