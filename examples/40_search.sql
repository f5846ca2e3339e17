-- Chapter 4: hybrid search (docs/search.md).
-- The seeds' RAG table: chunks of documents with embeddings. Real
-- deployments store 1536-d text-embedding-3-small vectors; this chapter uses
-- 4-d vectors whose axes are topics (billing, security, storage, realtime),
-- so you can read why each row ranks where it does.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA IF NOT EXISTS rag;
-- (re-runnable: drop a previous run's registration and table)
SELECT supabase_ext.search_unregister('hybrid_search', 'rag');
DROP TABLE IF EXISTS rag.chunks;
CREATE TABLE rag.chunks (
    id bigint PRIMARY KEY,
    document_id bigint NOT NULL,
    title text NOT NULL,
    content text NOT NULL,
    embedding vector(4),
    metadata jsonb NOT NULL DEFAULT '{}'
);
INSERT INTO rag.chunks VALUES
 (1, 1, 'Invoices', 'Invoices are issued monthly; a failed card payment is retried three times before the subscription is paused.', '[0.95,0.05,0,0]', '{}'),
 (2, 1, 'Refunds', 'Refunds go back to the original payment method within ten business days.', '[0.9,0,0,0.1]', '{}'),
 (3, 2, 'Row level security', 'Row level security policies decide which rows each role can read; the tenant_id claim selects the organisation.', '[0,0.95,0.05,0]', '{}'),
 (4, 2, 'JWT claims', 'PostgREST passes the verified JWT claims to Postgres in request.jwt.claims for every request.', '[0,0.8,0,0.2]', '{}'),
 (5, 3, 'Storage buckets', 'Files live in buckets; signed URLs grant temporary access to private objects.', '[0,0.2,0.9,0]', '{}'),
 (6, 3, 'Image transformations', 'Images can be resized and converted on the fly when they are downloaded from storage.', '[0,0,0.95,0.05]', '{}'),
 (7, 4, 'Realtime channels', 'Clients subscribe to channels to receive database changes and broadcast messages.', '[0,0.05,0,0.95]', '{}'),
 (8, 4, 'Presence', 'Presence tracks which users are online in a channel and syncs their state.', '[0,0,0.1,0.9]', '{}'),
 (9, 5, 'Error PGRST301', 'PGRST301: the JWT could not be decoded; check the signing secret and the token expiry.', '[0,0.7,0,0.3]', '{}');
CREATE INDEX ON rag.chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX ON rag.chunks USING gin (title gin_trgm_ops);

-- One call registers the table: it creates rag.hybrid_search(...), indexes
-- the rows for BM25 and keeps the statistics current with triggers.
SELECT supabase_ext.search_register('hybrid_search', 'rag.chunks', '{
    "embedding_column": "embedding",
    "text_column": "content",
    "trigram_column": "title"
}');

-- The seeds' call, unchanged. The question is about payments; its
-- embedding leans to billing, a little to security.
SELECT id, round(score::numeric, 3) AS score,
       semantic_rank, round(semantic_score::numeric, 3) AS similarity,
       lexical_rank, round(lexical_score::numeric, 3) AS bm25
  FROM rag.hybrid_search(
        query_embedding := '[0.8,0.3,0,0]',
        query_text := 'What happens when a card payment fails?',
        match_threshold := 0.2,
        match_count := 5);

-- Join the key back to the rows (it keeps its own name and type):
SELECT c.title, round(s.score::numeric, 3) AS score
  FROM rag.hybrid_search('[0.8,0.3,0,0]', 'What happens when a card payment fails?', match_count := 3) s
  JOIN rag.chunks c USING (id);

-- An error code or a misspelt name: the trigram branch finds it even when
-- no BM25 term matches ("PGRST301" is one token, "Presense" is a typo).
SELECT id, trigram_rank, round(trigram_score::numeric, 3) AS trigram, lexical_rank
  FROM rag.hybrid_search(NULL, 'Presense', match_count := 3);
SELECT id, lexical_rank, trigram_rank
  FROM rag.hybrid_search(NULL, 'PGRST301', match_count := 3);

-- A question made only of stopwords degrades to the semantic branch.
SELECT id, semantic_rank, lexical_rank
  FROM rag.hybrid_search('[0,0,0.1,0.9]', 'what is the', match_count := 2);

-- Writes keep BM25's statistics current, in the writer's transaction.
INSERT INTO rag.chunks VALUES
 (10, 5, 'Retries', 'Webhook deliveries that fail are retried with exponential backoff.', '[0.3,0,0,0.7]', '{}');
SELECT id, lexical_rank FROM rag.hybrid_search(NULL, 'retried payments', match_count := 3);

-- Through PostgREST: POST /rest/v1/rpc/hybrid_search with the JSON body
-- {"query_embedding": "[0.8,0.3,0,0]", "query_text": "refund", "match_count": 2}
-- runs, as the caller's role, with the caller's RLS:
GRANT USAGE ON SCHEMA rag TO authenticated;
GRANT SELECT ON rag.chunks TO authenticated;
BEGIN;
SELECT set_config('role', 'authenticated', true) AS role,
       set_config('request.jwt.claims', '{"role": "authenticated"}', true) IS NOT NULL AS claims;
SELECT id, round(score::numeric, 3) AS score
  FROM rag.hybrid_search(query_embedding := '[0.8,0.3,0,0]', query_text := 'refund', match_count := 2);
ROLLBACK;
