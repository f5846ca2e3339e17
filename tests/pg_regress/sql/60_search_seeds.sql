-- The seeds' RAG shape: rag.chunks with 1536-d embeddings
-- (text-embedding-3-small), registered as rag.hybrid_search and called with
-- the seeds' named arguments.
\set VERBOSITY terse
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS have_vector \gset
\if :have_vector
\else
\echo 'skipping: pgvector is not available on this server (see 60_search)'
\quit
\endif
CREATE SCHEMA seeds;
CREATE TABLE seeds.chunks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id bigint NOT NULL,
    content text NOT NULL,
    embedding vector(1536),
    metadata jsonb NOT NULL DEFAULT '{}'
);
-- Deterministic 1536-d vectors: chunk i points along its own direction.
CREATE FUNCTION pg_temp.emb(i int) RETURNS vector LANGUAGE sql IMMUTABLE AS
$$ SELECT array_agg(sin(i * 0.7 + d * 0.013 * i) ORDER BY d)::vector FROM generate_series(1, 1536) d $$;
INSERT INTO seeds.chunks (document_id, content, embedding)
SELECT i / 5, format('chunk %s of document %s: %s', i, i / 5,
                     (ARRAY['pricing and billing', 'row level security', 'edge functions', 'storage buckets', 'realtime channels'])[i % 5 + 1]),
       pg_temp.emb(i)
  FROM generate_series(1, 200) i;
CREATE INDEX ON seeds.chunks USING hnsw (embedding vector_cosine_ops);
SELECT supabase_ext.search_register('hybrid_search', 'seeds.chunks',
    '{"embedding_column": "embedding", "text_column": "content"}');
-- The seeds' call: chunk 42's own embedding and its topic (42 % 5 + 1: edge functions).
SELECT c.id, c.document_id, s.semantic_rank, s.lexical_rank IS NOT NULL AS lexical_hit, round(s.semantic_score::numeric, 4) AS similarity
  FROM seeds.hybrid_search(query_embedding := pg_temp.emb(42), query_text := 'How do edge functions work?',
                           match_threshold := 0.5, match_count := 5) s
  JOIN seeds.chunks c ON c.id = s.id
 ORDER BY s.score DESC, s.id;
-- A 1536-d query against a wrong-size vector.
SELECT count(*) FROM seeds.hybrid_search(query_embedding := '[1,2,3]', query_text := 'billing');
SELECT supabase_ext.search_unregister('hybrid_search', 'seeds');
