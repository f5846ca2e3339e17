-- Hybrid search (docs/search.md): registration, BM25 and fusion against
-- hand-computed values, corpus statistics under writes and rollback,
-- degenerate queries, errors. pgvector is packaged for the PG18 lane only;
-- on PG15 the expected output is 60_search_1.out (the missing-pgvector error).
\set VERBOSITY terse
CREATE SCHEMA rag;
CREATE TABLE rag.notes (id bigint PRIMARY KEY, body text);
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS have_vector \gset
\if :have_vector
-- Without pgvector, registration fails with a clear error (shown here by
-- dropping it inside a transaction; the PG15 lane has none at all).
BEGIN;
DROP EXTENSION vector;
SELECT supabase_ext.search_register('notes_search', 'rag.notes', '{"embedding_column": "embedding", "text_column": "body"}');
ROLLBACK;
\else
SELECT supabase_ext.search_register('notes_search', 'rag.notes', '{"embedding_column": "embedding", "text_column": "body"}');
\quit
\endif

-- BM25 by hand. A tsvector column with the 'simple' config, so the terms
-- are exactly the lexemes below. N = 3 documents, total length 9, avgdl 3.
CREATE TABLE rag.docs (id integer PRIMARY KEY, tsv tsvector, embedding vector(3));
INSERT INTO rag.docs VALUES
    (1, 'apple:1,2 banana:3', '[1,0,0]'),        -- len 3
    (2, 'apple:1 cherry:2,3,4', '[0.6,0.8,0]'),  -- len 4
    (3, 'banana:1 date:2', '[0,0,1]');           -- len 2
SELECT supabase_ext.search_register('docs_search', 'rag.docs',
    '{"embedding_column": "embedding", "tsvector_column": "tsv", "text_config": "simple"}');
-- 'apple': df 2, idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6)
-- k1 = 1.2, b = 0.75:
--   doc 1: tf 2, len 3: 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 3/3)) = 1.375
--   doc 2: tf 1, len 4: 1 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 4/3)) = 0.88
SELECT id, lexical_rank, round(lexical_score::numeric, 9) AS bm25,
       round((ln(1.6) * CASE id WHEN 1 THEN 1.375 WHEN 2 THEN 0.88 END)::numeric, 9) AS by_hand
  FROM rag.docs_search(NULL, 'apple', bm25_k1 => 1.2, bm25_b => 0.75) ORDER BY id;
-- Two terms add up: 'apple banana' for doc 3 is banana's part alone
-- (df 2, tf 1, len 2): ln(1.6) * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 2/3)) = ln(1.6) * 2.2 / 1.9
SELECT id, round(lexical_score::numeric, 9) AS bm25,
       round((ln(1.6) * 2.2 / 1.9)::numeric, 9) AS doc3_by_hand
  FROM rag.docs_search(NULL, 'apple banana', bm25_k1 => 1.2, bm25_b => 0.75) ORDER BY id;

-- Fusion by hand. Query [1,0,0]: cosine similarity 1, 0.6, 0 (ranks 1, 2,
-- 3); 'apple': BM25 ranks 1, 2, none.
-- RRF, k = 60, semantic weight 2, lexical weight 1:
--   doc 1: 2/61 + 1/61, doc 2: 2/62 + 1/62, doc 3: 2/63
SELECT id, round(score::numeric, 12) AS score,
       round(CASE id WHEN 1 THEN 3/61.0 WHEN 2 THEN 3/62.0 ELSE 2/63.0 END, 12) AS by_hand,
       semantic_rank, round(semantic_score::numeric, 6) AS semantic_score, lexical_rank
  FROM rag.docs_search('[1,0,0]', 'apple', fusion => 'rrf', semantic_weight => 2, lexical_weight => 1,
                       bm25_k1 => 1.2, bm25_b => 0.75);
-- Normalised score fusion (the default): each branch's score min-max
-- normalised over the candidates, then the weighted mean.
--   semantic 1, 0.6, 0 -> 1, 0.6, 0; BM25 1.375 c, 0.88 c, 0 -> 1, 0.64, 0
--   doc 1: (1 + 1) / 2 = 1, doc 2: (0.6 + 0.64) / 2 = 0.62, doc 3: 0
SELECT id, round(score::numeric, 6) AS score, round(lexical_score::numeric, 6) AS lexical_score
  FROM rag.docs_search('[1,0,0]', 'apple', bm25_k1 => 1.2, bm25_b => 0.75);
-- Deterministic order: equal scores are ordered by key.
INSERT INTO rag.docs VALUES (5, 'fig:1', '[0,1,0]'), (4, 'fig:1', '[0,1,0]');
SELECT id, score, semantic_rank, lexical_rank FROM rag.docs_search('[0,1,0]', 'fig', fusion => 'rrf') WHERE id IN (4, 5);
SELECT id, score FROM rag.docs_search(NULL, 'fig', match_count => 1);
-- match_threshold limits the semantic branch to similarity >= 0.5.
SELECT id, semantic_rank FROM rag.docs_search('[1,0,0]', NULL, match_threshold => 0.5);

-- Corpus statistics: documents and total length summed over the
-- per-backend shards, and each term's document frequency (its postings).
CREATE FUNCTION pg_temp.corpus(search_name text) RETURNS TABLE (docs bigint, total_len bigint, terms text)
LANGUAGE plpgsql AS $$
DECLARE id int := (SELECT r.id FROM supabase_ext.search_registrations r WHERE r.name = search_name);
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT (SELECT sum(n)::bigint FROM supabase_ext.search_%1$s_stats), (SELECT sum(total_len)::bigint FROM supabase_ext.search_%1$s_stats),
                (SELECT string_agg(term || '':'' || df, '' '' ORDER BY term) FROM
                   (SELECT term, count(*) AS df FROM supabase_ext.search_%1$s_postings GROUP BY term) d)', id);
END $$;
SELECT * FROM pg_temp.corpus('docs_search');
INSERT INTO rag.docs VALUES (6, 'apple:1 elder:2', NULL);
SELECT * FROM pg_temp.corpus('docs_search');
UPDATE rag.docs SET tsv = 'cherry:1' WHERE id = 2;               -- apple leaves doc 2
SELECT * FROM pg_temp.corpus('docs_search');
UPDATE rag.docs SET embedding = '[0,1,1]' WHERE id = 3;           -- text unchanged: nothing to redo
SELECT * FROM pg_temp.corpus('docs_search');
UPDATE rag.docs SET id = 7 WHERE id = 6;                          -- a new key: moved
SELECT id FROM rag.docs_search(NULL, 'elder');
DELETE FROM rag.docs WHERE id IN (4, 5);
SELECT * FROM pg_temp.corpus('docs_search');
BEGIN;
INSERT INTO rag.docs SELECT g, 'apple:1 grape:2', NULL FROM generate_series(100, 199) g;
DELETE FROM rag.docs WHERE id = 1;
SELECT * FROM pg_temp.corpus('docs_search');
ROLLBACK;
SELECT * FROM pg_temp.corpus('docs_search');
BEGIN;
TRUNCATE rag.docs;
SELECT * FROM pg_temp.corpus('docs_search');
ROLLBACK;
SELECT * FROM pg_temp.corpus('docs_search');
-- INSERT ... ON CONFLICT DO UPDATE and a rolled-back savepoint.
INSERT INTO rag.docs VALUES (1, 'apple:1', '[1,0,0]') ON CONFLICT (id) DO UPDATE SET tsv = excluded.tsv;
BEGIN;
SAVEPOINT s1;
DELETE FROM rag.docs;
ROLLBACK TO SAVEPOINT s1;
COMMIT;
SELECT * FROM pg_temp.corpus('docs_search');
-- The statistics equal a recount from the table itself.
SELECT count(*) AS docs, sum(length(tsv)) AS distinct_terms_per_doc_sum,
       (SELECT string_agg(word || ':' || ndoc, ' ' ORDER BY word) FROM ts_stat('SELECT tsv FROM rag.docs')) AS recount
  FROM rag.docs WHERE tsv <> '';
TRUNCATE rag.docs;
SELECT * FROM pg_temp.corpus('docs_search');

-- A text column tokenised with a config; natural-language questions are
-- OR queries; stopwords and empty text degrade to the semantic branch.
CREATE TABLE rag.chunks (id bigint PRIMARY KEY, document_id bigint, content text, embedding vector(3), metadata jsonb);
INSERT INTO rag.chunks VALUES
    (1, 10, 'PostgreSQL row level security restricts which rows a role sees', '[1,0,0]', '{}'),
    (2, 10, 'Vector similarity search with HNSW indexes', '[0,1,0]', '{}'),
    (3, 11, 'Full text search ranks documents with BM25', '[0,0,1]', '{}'),
    (4, 11, 'The quick brown fox', '[0.7,0.7,0]', '{}');
CREATE INDEX ON rag.chunks USING hnsw (embedding vector_cosine_ops);
SELECT supabase_ext.search_register('hybrid_search', 'rag.chunks',
    '{"embedding_column": "embedding", "text_column": "content"}');
SELECT id, lexical_rank FROM rag.hybrid_search(query_embedding := NULL,
    query_text := 'How do I rank documents for full-text searching?');
SELECT id, semantic_rank, lexical_rank FROM rag.hybrid_search(query_embedding := '[1,0,0]', query_text := 'the of and', match_count := 2);
SELECT id, semantic_rank, lexical_rank FROM rag.hybrid_search(query_embedding := '[1,0,0]', query_text := '', match_count := 2);
SELECT id, semantic_rank, lexical_rank FROM rag.hybrid_search(query_embedding := NULL, query_text := 'vectors', match_count := 2);
SELECT count(*) FROM rag.hybrid_search(NULL, NULL);
SELECT count(*) FROM rag.hybrid_search('[1,0,0]', 'fox', match_count := 0);
-- The distance follows the index's opclass.
SELECT name, distance FROM supabase_ext.search_registrations ORDER BY id;

-- match_count 1000 on 1,200 rows (candidates are raised to match_count).
INSERT INTO rag.chunks SELECT g, g / 10, 'chunk number ' || g || ' about search',
       format('[%s,%s,%s]', cos(g), sin(g), 0.5)::vector, '{}' FROM generate_series(100, 1299) g;
SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE lexical_rank IS NOT NULL) AS lexical
  FROM rag.hybrid_search('[1,0,0.5]', 'search chunk', match_count := 1000);

-- halfvec, inner product from the index.
CREATE TABLE rag.half (id text PRIMARY KEY, body text, emb halfvec(2));
INSERT INTO rag.half VALUES ('a', 'alpha beta', '[1,0]'), ('b', 'beta gamma', '[0,1]');
CREATE INDEX ON rag.half USING hnsw (emb halfvec_ip_ops);
SELECT supabase_ext.search_register('half_search', 'rag.half', '{"embedding_column": "emb", "text_column": "body"}');
SELECT id, semantic_rank, semantic_score, lexical_rank FROM rag.half_search('[1,0]', 'gamma');
SELECT distance FROM supabase_ext.search_registrations WHERE name = 'half_search';

-- The lexical stage's top-k (MaxScore, docs/search.md) is exact: on a
-- skewed synthetic corpus, for 30 queries of 1 to 4 terms, its top 20
-- equals BM25 computed from scratch over every row, score for score.
CREATE TABLE rag.zipf (id int PRIMARY KEY, body text, emb vector(2));
INSERT INTO rag.zipf
SELECT g, (SELECT string_agg('w' || floor(120 * power(((g * 7919 + i * 104729) % 1009) / 1009.0, 3))::int, ' ')
             FROM generate_series(1, 3 + g % 11) i), '[1,0]'
  FROM generate_series(1, 2000) g;
SELECT supabase_ext.search_register('zipf_search', 'rag.zipf',
    '{"embedding_column": "emb", "text_column": "body", "text_config": "simple"}') IS NOT NULL AS registered;
CREATE TEMP TABLE zq AS
SELECT q, (SELECT string_agg('w' || ((q * 31 + j * 17) % 60), ' ') FROM generate_series(1, 1 + q % 4) j) AS text
  FROM generate_series(1, 30) q;
WITH doc AS (
    SELECT z.id, u.lexeme AS term, array_length(u.positions, 1) AS tf, sum(array_length(u.positions, 1)) OVER (PARTITION BY z.id) AS len
      FROM rag.zipf z, unnest(to_tsvector('simple', z.body)) u
), corpus AS (
    SELECT count(DISTINCT id)::float8 AS n, (SELECT sum(tf) FROM doc)::float8 / count(DISTINCT id) AS avgdl FROM doc
), df AS (SELECT term, count(*)::float8 AS df FROM doc GROUP BY term
), exhaustive AS (
    SELECT zq.q, doc.id, sum(ln(1 + (c.n - df.df + 0.5) / (df.df + 0.5)) * doc.tf * 1.9
                              / (doc.tf + 0.9 * (1 - 0.4 + 0.4 * doc.len / c.avgdl))) AS bm25
      FROM zq CROSS JOIN corpus c
      JOIN doc ON doc.term IN (SELECT DISTINCT x FROM unnest(string_to_array(zq.text, ' ')) x)
      JOIN df USING (term)
     GROUP BY zq.q, doc.id
), want AS (
    SELECT q, row_number() OVER (PARTITION BY q ORDER BY bm25 DESC, id) AS r, round(bm25::numeric, 9) AS s FROM exhaustive
), got AS (
    SELECT zq.q, row_number() OVER (PARTITION BY zq.q ORDER BY s.lexical_score DESC, s.id) AS r, round(s.lexical_score::numeric, 9) AS s
      FROM zq CROSS JOIN LATERAL rag.zipf_search(NULL, zq.text, match_count => 20, candidates => 20) s
)
SELECT count(*) AS ranks_compared, count(*) FILTER (WHERE want.s IS DISTINCT FROM got.s) AS differ
  FROM want JOIN got USING (q, r) WHERE want.r <= 20;
SELECT sum(least(c, 20)) AS expected_ranks FROM (SELECT count(DISTINCT z.id) AS c FROM zq, rag.zipf z
   WHERE to_tsvector('simple', z.body) @@ replace(zq.text, ' ', ' | ')::tsquery GROUP BY zq.q) x;

-- Identifiers that need quoting everywhere (schema, table, columns with
-- spaces, quotes and %, a key with a quote, a function name with $).
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Weird ""Docs""" ("Key Col" text PRIMARY KEY, "Body Text" text, "Emb%s" vector(2), "Tenant" int);
INSERT INTO "Odd Schema"."Weird ""Docs""" VALUES ('k''1', 'hello world', '[1,0]', 1), ('k2', 'world peace', '[0,1]', 1),
    ('k3', 'other tenant world', '[1,0]', 2);
SELECT supabase_ext.search_register('Find$It', '"Odd Schema"."Weird ""Docs"""',
    '{"embedding_column": "Emb%s", "text_column": "Body Text", "tenant_column": "Tenant", "key_column": "Key Col"}');
SELECT "Key Col", semantic_rank, lexical_rank FROM "Odd Schema"."Find$It"('[1,0]', 'world', tenant := 1);
UPDATE "Odd Schema"."Weird ""Docs""" SET "Body Text" = 'goodbye' WHERE "Key Col" = 'k''1';
SELECT "Key Col", lexical_rank FROM "Odd Schema"."Find$It"(NULL, 'goodbye hello', tenant := 1);
SELECT * FROM "Odd Schema"."Find$It"('[1,0,0]', 'world', tenant := 1);
SELECT supabase_ext.search_unregister('Find$It');

-- Errors.
SELECT * FROM rag.hybrid_search('[1,0]', 'fox');                                    -- dimensions
SELECT * FROM rag.hybrid_search('[1,0,0]', 'fox', match_count := -1);
SELECT * FROM rag.hybrid_search('[1,0,0]', 'fox', fusion := 'max');
SELECT * FROM rag.hybrid_search('[1,0,0]', 'fox', bm25_b := 2);
SELECT supabase_ext.search_register('hybrid_search', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "content"}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "content", "colour": 1}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "content", "text_column": "content"}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "embedding"}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding", "tsvector_column": "content"}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding"}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "nope", "text_column": "content"}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "content", "key_column": "document_id"}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "content", "text_config": "klingon"}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "content", "bm25_b": 3}');
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "content", "candidates": "many"}');
SELECT supabase_ext.search_register('x; DROP TABLE rag.chunks', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "content"}');
CREATE TABLE rag.nodim (id int PRIMARY KEY, body text, emb vector);
SELECT supabase_ext.search_register('x', 'rag.nodim', '{"embedding_column": "emb", "text_column": "body"}');
CREATE ROLE search_stranger;
GRANT USAGE ON SCHEMA rag TO search_stranger;
SET ROLE search_stranger;
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "content"}');
RESET ROLE;
GRANT EXECUTE ON FUNCTION supabase_ext.search_register(text, regclass, jsonb) TO search_stranger;
SET ROLE search_stranger;
SELECT supabase_ext.search_register('x', 'rag.chunks', '{"embedding_column": "embedding", "text_column": "content"}');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION supabase_ext.search_register(text, regclass, jsonb) FROM search_stranger;
REVOKE USAGE ON SCHEMA rag FROM search_stranger;
DROP ROLE search_stranger;

-- Re-registering replaces; unregistering removes the function, triggers
-- and internal tables.
SELECT supabase_ext.search_register('docs_search', 'rag.docs',
    '{"embedding_column": "embedding", "tsvector_column": "tsv", "text_config": "simple", "replace": true, "fusion": "rrf"}');
SELECT supabase_ext.search_unregister('docs_search');
SELECT supabase_ext.search_unregister('docs_search');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'rag.docs'::regclass;
SELECT to_regproc('rag.docs_search') AS fn;
SELECT string_agg(relname, ' ' ORDER BY relname) AS internal_tables_left FROM pg_class
 WHERE relnamespace = 'supabase_ext'::regnamespace AND relname LIKE 'search\_%' AND relkind = 'r';
