-- supabase_ext 0.2.0 -> 0.3.0
\echo Use "ALTER EXTENSION supabase_ext UPDATE TO '0.3.0'" to load this file. \quit

-- supabase_ext 0.2.0 -> 0.3.0: jobs completed, hybrid search, drift.

-- Webhooks: per-backend endpoint cache, invalidated at commit by a statement
-- trigger on webhook_endpoints (src/webhooks/ingest.rs).
CREATE FUNCTION "webhook_endpoints_invalidate"() RETURNS TRIGGER
LANGUAGE c
AS 'MODULE_PATHNAME', 'webhook_endpoints_invalidate_wrapper';
CREATE TRIGGER webhook_endpoints_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON supabase_ext.webhook_endpoints
    FOR EACH STATEMENT EXECUTE FUNCTION supabase_ext.webhook_endpoints_invalidate();
ALTER TABLE supabase_ext.webhook_endpoints ENABLE ALWAYS TRIGGER webhook_endpoints_invalidate;
REVOKE ALL ON FUNCTION supabase_ext.webhook_endpoints_invalidate() FROM PUBLIC;

-- webhook_claim and webhook_purge collect ids first (an InitPlan), so a
-- generic plan made on a nearly empty table can't turn quadratic.
CREATE OR REPLACE FUNCTION supabase_ext.webhook_claim(
    endpoint text DEFAULT NULL, batch integer DEFAULT 10,
    lease interval DEFAULT '5 minutes', max_attempts integer DEFAULT 5)
RETURNS SETOF supabase_ext.webhook_events
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF batch IS NULL OR batch < 1 OR lease IS NULL OR lease < interval '0'
       OR max_attempts IS NULL OR max_attempts < 1 THEN
        RAISE EXCEPTION 'webhook_claim needs batch >= 1, lease >= 0 and max_attempts >= 1'
            USING ERRCODE = '22023';
    END IF;
    UPDATE supabase_ext.webhook_events e
       SET status = 'failed', locked_until = NULL, processed_at = now(),
           last_error = coalesce(e.last_error, 'lease expired on the last attempt')
     WHERE e.id = ANY (ARRAY(SELECT w.id FROM supabase_ext.webhook_events w
                     WHERE w.status = 'processing' AND w.locked_until < now()
                       AND w.attempts >= max_attempts
                       AND (webhook_claim.endpoint IS NULL OR w.endpoint = webhook_claim.endpoint)
                       FOR UPDATE SKIP LOCKED));
    RETURN QUERY
    WITH picked AS MATERIALIZED (
        SELECT w.id FROM supabase_ext.webhook_events w
         WHERE (w.status = 'pending'
                OR (w.status = 'processing' AND w.locked_until < now() AND w.attempts < max_attempts))
           AND (webhook_claim.endpoint IS NULL OR w.endpoint = webhook_claim.endpoint)
         ORDER BY w.received_at, w.id
         LIMIT batch
           FOR UPDATE SKIP LOCKED)
    UPDATE supabase_ext.webhook_events e
       SET status = 'processing', attempts = e.attempts + 1, locked_until = now() + lease
      FROM picked
     WHERE e.id = picked.id
    RETURNING e.*;
END $$;

CREATE OR REPLACE FUNCTION supabase_ext.webhook_purge(
    older_than_days integer DEFAULT NULL, failed_older_than_days integer DEFAULT NULL,
    batch integer DEFAULT 5000, max_batches integer DEFAULT 20)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg record;
    days integer;
    n bigint := 0;
    k bigint;
BEGIN
    IF batch IS NULL OR batch < 1 OR max_batches IS NULL OR max_batches < 1 THEN
        RAISE EXCEPTION 'webhook_purge needs batch >= 1 and max_batches >= 1' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO cfg FROM supabase_ext.webhook_retention_settings();
    -- One statement per status, so each uses its partial index. The ids are
    -- collected first (an InitPlan): as `id IN (subquery)`, a generic plan
    -- made while the table was nearly empty could rescan it per row and
    -- keep the worker in one quadratic DELETE for many minutes.
    days := coalesce(older_than_days, cfg.completed_days);
    IF days > 0 THEN
        FOR i IN 1..max_batches LOOP
            DELETE FROM supabase_ext.webhook_events e
             WHERE e.id = ANY (ARRAY(SELECT w.id FROM supabase_ext.webhook_events w
                             WHERE w.status = 'completed'
                               AND w.processed_at < now() - make_interval(days => days)
                             LIMIT batch FOR UPDATE SKIP LOCKED));
            GET DIAGNOSTICS k = ROW_COUNT;
            n := n + k;
            EXIT WHEN k < batch;
        END LOOP;
    END IF;
    days := coalesce(failed_older_than_days, cfg.failed_days);
    IF days > 0 THEN
        FOR i IN 1..max_batches LOOP
            DELETE FROM supabase_ext.webhook_events e
             WHERE e.id = ANY (ARRAY(SELECT w.id FROM supabase_ext.webhook_events w
                             WHERE w.status = 'failed'
                               AND w.processed_at < now() - make_interval(days => days)
                             LIMIT batch FOR UPDATE SKIP LOCKED));
            GET DIAGNOSTICS k = ROW_COUNT;
            n := n + k;
            EXIT WHEN k < batch;
        END LOOP;
    END IF;
    RETURN n;
END $$;

-- jobs: enqueue() and enqueue_batch() validate before inserting instead of
-- catching the CHECK violation (an EXCEPTION block is a subtransaction on
-- every call), and enqueue() without a dedupe key skips ON CONFLICT.
-- dequeue() picks with a plan it can keep (a constant LIMIT for n = 1) and
-- dead-letters only when something is exhausted. Same results, same errors.
CREATE OR REPLACE FUNCTION supabase_ext.enqueue(
    queue text, payload jsonb, run_at timestamptz DEFAULT now(), priority integer DEFAULT 0,
    dedupe_key text DEFAULT NULL, max_attempts integer DEFAULT 5)
RETURNS bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    new_id bigint;
BEGIN
    IF enqueue.queue IS NULL OR enqueue.payload IS NULL THEN
        RAISE EXCEPTION 'enqueue: queue and payload must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF enqueue.queue = 'http' THEN
        RAISE EXCEPTION 'enqueue: queue "http" is reserved for HTTP deliveries' USING ERRCODE = '22023',
            HINT = 'use supabase_ext.http_request()';
    END IF;
    -- The table's CHECKs, tested first: rewording a failed INSERT's error
    -- would take an EXCEPTION block, i.e. a subtransaction on every call.
    IF enqueue.queue !~ '^[a-z0-9_][a-z0-9_.:-]{0,62}$' OR length(enqueue.dedupe_key) NOT BETWEEN 1 AND 256
       OR coalesce(enqueue.max_attempts, 5) NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'enqueue: invalid job for queue "%"', enqueue.queue USING ERRCODE = '22023',
            HINT = 'queue names are 1-63 characters of a-z, 0-9, _ . : -; dedupe keys 1-256 characters; max_attempts 1-1000';
    END IF;
    IF enqueue.dedupe_key IS NULL THEN
        -- No key, no arbiter: a plain INSERT, without ON CONFLICT's
        -- speculative insertion (a lock and a second index check per row).
        INSERT INTO supabase_ext.job_queue AS q (queue, payload, run_at, priority, max_attempts)
        VALUES (enqueue.queue, enqueue.payload, coalesce(enqueue.run_at, now()), coalesce(enqueue.priority, 0),
                coalesce(enqueue.max_attempts, 5))
        RETURNING q.id INTO new_id;
        RETURN new_id;
    END IF;
    INSERT INTO supabase_ext.job_queue AS q (queue, payload, run_at, priority, dedupe_key, max_attempts)
    VALUES (enqueue.queue, enqueue.payload, coalesce(enqueue.run_at, now()), coalesce(enqueue.priority, 0),
            enqueue.dedupe_key, coalesce(enqueue.max_attempts, 5))
    ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING q.id INTO new_id;
    IF new_id IS NULL THEN
        -- A pending job with this key exists: enqueue is idempotent and
        -- returns it. ON CONFLICT waited for a concurrent inserter to commit,
        -- so this statement's snapshot sees the winner.
        SELECT q.id INTO new_id FROM supabase_ext.job_queue q
         WHERE q.queue = enqueue.queue AND q.dedupe_key = enqueue.dedupe_key;
    END IF;
    RETURN new_id;
END $$;

-- The batch form: one statement, one id per payload, in order.
CREATE OR REPLACE FUNCTION supabase_ext.enqueue_batch(
    queue text, payloads jsonb[], run_at timestamptz DEFAULT now(), priority integer DEFAULT 0,
    max_attempts integer DEFAULT 5)
RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(payloads) p WHERE p IS NULL) THEN
        RAISE EXCEPTION 'enqueue_batch: payloads must not contain NULL' USING ERRCODE = '22004';
    END IF;
    IF queue = 'http' THEN
        RAISE EXCEPTION 'enqueue_batch: queue "http" is reserved for HTTP deliveries' USING ERRCODE = '22023';
    END IF;
    IF queue !~ '^[a-z0-9_][a-z0-9_.:-]{0,62}$'
       OR coalesce(max_attempts, 5) NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'enqueue_batch: invalid jobs for queue "%"', queue USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    INSERT INTO supabase_ext.job_queue AS q (queue, payload, run_at, priority, max_attempts)
    SELECT enqueue_batch.queue, p, coalesce(enqueue_batch.run_at, now()), coalesce(enqueue_batch.priority, 0),
           coalesce(enqueue_batch.max_attempts, 5)
      FROM unnest(payloads) WITH ORDINALITY AS u(p, o) ORDER BY o
    RETURNING q.id;
END $$;

-- Leases up to n ready messages for `lease`. A picked message whose last
-- lease expired with no attempts left is dead-lettered instead of returned.
-- The pick is one index scan with LIMIT and SKIP LOCKED, so concurrent
-- consumers get disjoint batches that never exceed n; the picked rows stay
-- locked by this transaction until they are updated. n = 1 (the usual
-- consumer) first tries one UPDATE that picks and leases together (half
-- the time of pick-then-update, measured in benches/src/jobs.rs); it leases
-- nothing when the queue is empty or its head is out of attempts, and then
-- the general path below runs, which dead-letters such a head. The n = 1
-- picks use a constant LIMIT: their cached plans are as good as fresh ones,
-- while a parameter LIMIT made Postgres plan the statement again on every
-- call (about half of a dequeue's time).
CREATE OR REPLACE FUNCTION supabase_ext.dequeue(queue text, n integer DEFAULT 1, lease interval DEFAULT '30 seconds')
RETURNS SETOF supabase_ext.job_queue LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ok_ids bigint[];
    dead_ids bigint[];
    dead_count bigint;
    got supabase_ext.job_queue;
BEGIN
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'dequeue: lease must be positive' USING ERRCODE = '22023';
    END IF;
    IF n = 1 THEN
        UPDATE supabase_ext.job_queue q
           SET run_at = now() + lease, attempts = q.attempts + 1
          FROM (SELECT p.id FROM supabase_ext.job_queue p
                 WHERE p.queue = dequeue.queue AND p.run_at <= now()
                 ORDER BY p.priority DESC, p.run_at, p.id
                 LIMIT 1
                 FOR UPDATE SKIP LOCKED) p
         WHERE q.id = p.id AND q.attempts < q.max_attempts
        RETURNING q.* INTO got;
        IF FOUND THEN
            RETURN NEXT got;
            RETURN;
        END IF;
        SELECT array_agg(p.id ORDER BY p.o) FILTER (WHERE NOT p.exhausted),
               array_agg(p.id ORDER BY p.o) FILTER (WHERE p.exhausted)
          INTO ok_ids, dead_ids
          FROM (SELECT q.id, q.attempts >= q.max_attempts AS exhausted, 1 AS o
                  FROM supabase_ext.job_queue q
                 WHERE q.queue = dequeue.queue AND q.run_at <= now()
                 ORDER BY q.priority DESC, q.run_at, q.id
                 LIMIT 1
                 FOR UPDATE SKIP LOCKED) p;
    ELSE
        SELECT array_agg(p.id ORDER BY p.o) FILTER (WHERE NOT p.exhausted),
               array_agg(p.id ORDER BY p.o) FILTER (WHERE p.exhausted)
          INTO ok_ids, dead_ids
          FROM (SELECT q.id, q.attempts >= q.max_attempts AS exhausted,
                       row_number() OVER (ORDER BY q.priority DESC, q.run_at, q.id) AS o
                  FROM (SELECT q.* FROM supabase_ext.job_queue q
                         WHERE q.queue = dequeue.queue AND q.run_at <= now()
                         ORDER BY q.priority DESC, q.run_at, q.id
                         LIMIT greatest(coalesce(n, 1), 0)
                         FOR UPDATE SKIP LOCKED) q) p;
    END IF;
    IF dead_ids IS NOT NULL THEN
        WITH gone AS (
            DELETE FROM supabase_ext.job_queue q WHERE q.id = ANY (dead_ids)
            RETURNING q.*
        ), dead AS (
            INSERT INTO supabase_ext.job_dead_letters AS d
                   (id, queue, payload, priority, dedupe_key, attempts, max_attempts, last_error, enqueued_at, enqueued_by)
            SELECT g.id, g.queue, g.payload, g.priority, g.dedupe_key, g.attempts, g.max_attempts,
                   coalesce(g.last_error, 'lease expired on the last attempt'), g.enqueued_at, g.enqueued_by
              FROM gone g
            RETURNING supabase_ext.jobs_broadcast('dead_lettered',
                          jsonb_build_object('queue', d.queue, 'id', d.id, 'error', d.last_error))
        )
        SELECT count(*) INTO dead_count FROM dead;
    END IF;
    IF ok_ids IS NOT NULL THEN
        RETURN QUERY
        WITH leased AS (
            UPDATE supabase_ext.job_queue q
               SET run_at = now() + lease, attempts = q.attempts + 1
             WHERE q.id = ANY (ok_ids)
            RETURNING q.*
        )
        SELECT l.* FROM leased l ORDER BY array_position(ok_ids, l.id);
    END IF;
END $$;

-- The lexical stage's top-k (src/search/topk.rs).
CREATE FUNCTION supabase_ext.search_topk(
    postings_index oid, tenant anyelement, terms text[], idfs double precision[], dfs double precision[],
    n integer, k1 double precision, b double precision, avgdl double precision)
RETURNS TABLE (k text, score double precision)
STRICT STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'search_topk_wrapper';

-- Hybrid search (src/search/search.sql and src/search/grants.sql, verbatim).

-- Hybrid search: registration, generated typed search functions, BM25
-- statistics and postings kept current by statement-level triggers.
-- docs/search.md describes the contract and the design.

-- One row per registration. The internal objects of registration <id> are
-- supabase_ext.search_<id>_{postings,stats,sync,lexical}.
CREATE TABLE supabase_ext.search_registrations (
    id         integer PRIMARY KEY,
    name       text NOT NULL,
    schema     name NOT NULL,
    tbl        regclass NOT NULL,
    fn         regprocedure NOT NULL,
    options    jsonb NOT NULL,
    distance   text NOT NULL CHECK (distance IN ('cosine', 'inner_product', 'l2')),
    created_by name NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (schema, name)
);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.search_registrations', '');
COMMENT ON TABLE supabase_ext.search_registrations IS
    'Hybrid search registrations (search_register); internal objects are supabase_ext.search_<id>_*';

-- The role a SECURITY DEFINER function was called by: SET ROLE (what
-- PostgREST does per request) if any, else the session user. A definer
-- function cannot itself change role, so this is the caller's role.
CREATE FUNCTION supabase_ext.search_caller() RETURNS name
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE current_setting('role') WHEN 'none' THEN session_user
                ELSE current_setting('role')::name END
$$;

-- Whether row-level security filters rows of tbl for role (the rules of
-- check_enable_rls: superusers and BYPASSRLS roles skip it, and so does the
-- owner unless FORCE ROW LEVEL SECURITY).
CREATE FUNCTION supabase_ext.search_rls_applies(tbl regclass, role name) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.relrowsecurity
       AND NOT r.rolsuper AND NOT r.rolbypassrls
       AND (c.relforcerowsecurity OR NOT pg_has_role(role, c.relowner, 'USAGE'))
      FROM pg_class c, pg_roles r
     WHERE c.oid = tbl AND r.rolname = role
$$;

CREATE FUNCTION supabase_ext.search_register(name text, tbl regclass, options jsonb DEFAULT '{}')
RETURNS regprocedure
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    o        jsonb := coalesce(options, '{}');
    caller   name := supabase_ext.search_caller();
    allowed  text[] := ARRAY['key_column', 'embedding_column', 'tsvector_column', 'text_column', 'text_config',
                             'trigram_column', 'tenant_column', 'schema', 'distance', 'rrf_k', 'candidates',
                             'semantic_weight', 'lexical_weight', 'trigram_weight', 'bm25_k1', 'bm25_b', 'fusion', 'replace'];
    reserved text[] := ARRAY['score', 'semantic_rank', 'semantic_score', 'lexical_rank', 'lexical_score',
                             'trigram_rank', 'trigram_score'];
    bad      text;
    rel      record;
    col      record;
    v_id     integer;
    v_schema name;
    v_key name; v_key_att int2; v_key_type text;
    v_emb name; v_emb_att int2; v_emb_kind text; v_dim int;
    v_vs name;                       -- pgvector's schema
    v_doc name; v_doc_is_text boolean; v_cfg regconfig;
    v_tri name; v_ts name;           -- trigram column, pg_trgm's schema
    v_ten name; v_ten_type text;
    v_distance text; v_index_distance text; v_op text; v_sim text;
    v_rrf_k float8; v_cand int; v_fusion text; v_ws float8; v_wl float8; v_wt float8; v_k1 float8; v_b float8;
    v_pre text; v_tt text;
    v_ten_new text; v_ten_old text; v_ten_b text;
    v_doc_new text; v_doc_old text;
    v_sql text; v_fn regprocedure; v_args text; v_cols text;
BEGIN
    IF name IS NULL OR name !~ '^[A-Za-z_][A-Za-z0-9_$]{0,62}$' THEN
        RAISE EXCEPTION 'search_register: invalid function name %', coalesce(quote_literal(name), 'NULL')
            USING ERRCODE = '22023', HINT = 'Use a plain SQL identifier, such as hybrid_search.';
    END IF;
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'search_register: table is NULL' USING ERRCODE = '22004';
    END IF;
    IF jsonb_typeof(o) <> 'object' THEN
        RAISE EXCEPTION 'search_register: options must be a JSON object' USING ERRCODE = '22023';
    END IF;
    SELECT string_agg(quote_literal(k), ', ' ORDER BY k) INTO bad
      FROM jsonb_object_keys(o) k WHERE k <> ALL (allowed);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'search_register: unknown option(s) %', bad
            USING ERRCODE = '22023', HINT = 'Valid options: ' || array_to_string(allowed, ', ') || '.';
    END IF;
    SELECT string_agg(quote_literal(e.key), ', ' ORDER BY e.key) INTO bad
      FROM jsonb_each(o) e
     WHERE (e.key IN ('key_column', 'embedding_column', 'tsvector_column', 'text_column', 'text_config',
                      'trigram_column', 'tenant_column', 'schema', 'distance', 'fusion') AND jsonb_typeof(e.value) <> 'string')
        OR (e.key IN ('rrf_k', 'candidates', 'semantic_weight', 'lexical_weight', 'trigram_weight', 'bm25_k1', 'bm25_b')
            AND jsonb_typeof(e.value) <> 'number')
        OR (e.key = 'replace' AND jsonb_typeof(e.value) <> 'boolean');
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'search_register: option(s) % have the wrong JSON type', bad
            USING ERRCODE = '22023', HINT = 'Column names, schema, distance and text_config are strings; weights, rrf_k, candidates and bm25_* are numbers; replace is a boolean.';
    END IF;

    SELECT c.relname, c.relkind, c.relowner, n.nspname INTO rel
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'search_register: % is not a table', tbl USING ERRCODE = '42809';
    END IF;
    IF NOT pg_has_role(caller, rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'search_register: must be the owner of table %', tbl USING ERRCODE = '42501';
    END IF;

    -- pgvector: the generated function takes a vector, so it is required.
    SELECT e.extnamespace::regnamespace::name INTO v_vs FROM pg_extension e WHERE e.extname = 'vector';
    IF v_vs IS NULL THEN
        RAISE EXCEPTION 'search_register: pgvector is not installed'
            USING ERRCODE = '0A000', DETAIL = 'Hybrid search ranks by vector distance and its functions take a vector argument.',
                  HINT = 'CREATE EXTENSION vector;';
    END IF;

    -- Key column: given, else the single-column primary key. Must be unique.
    v_key := o->>'key_column';
    IF v_key IS NULL THEN
        SELECT a.attname INTO v_key FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
         WHERE i.indrelid = tbl AND i.indisprimary AND i.indnkeyatts = 1;
        IF v_key IS NULL THEN
            RAISE EXCEPTION 'search_register: % has no single-column primary key', tbl
                USING ERRCODE = '22023', HINT = 'Name a unique column with the key_column option.';
        END IF;
    END IF;
    SELECT a.attnum, format_type(a.atttypid, a.atttypmod) AS typ INTO col
      FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = v_key AND a.attnum > 0 AND NOT a.attisdropped;
    IF col IS NULL THEN
        RAISE EXCEPTION 'search_register: column % of % does not exist', quote_ident(v_key), tbl USING ERRCODE = '42703';
    END IF;
    v_key_att := col.attnum; v_key_type := col.typ;
    IF NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = tbl AND i.indisunique AND i.indnkeyatts = 1
                      AND i.indkey[0] = v_key_att AND i.indpred IS NULL AND i.indexprs IS NULL) THEN
        RAISE EXCEPTION 'search_register: key column % of % is not unique', quote_ident(v_key), tbl
            USING ERRCODE = '42P10', HINT = 'Add a primary key or a unique index on the key column.';
    END IF;
    IF v_key = ANY (reserved) THEN
        RAISE EXCEPTION 'search_register: key column name % collides with a result column', quote_ident(v_key)
            USING ERRCODE = '42701';
    END IF;

    -- Embedding column: vector(n) or halfvec(n).
    v_emb := o->>'embedding_column';
    IF v_emb IS NULL THEN
        RAISE EXCEPTION 'search_register: option embedding_column is required' USING ERRCODE = '22023';
    END IF;
    SELECT a.attnum, t.typname::text AS typname, a.atttypmod, t.typnamespace::regnamespace::name AS tns INTO col
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = tbl AND a.attname = v_emb AND a.attnum > 0 AND NOT a.attisdropped;
    IF col IS NULL THEN
        RAISE EXCEPTION 'search_register: column % of % does not exist', quote_ident(v_emb), tbl USING ERRCODE = '42703';
    END IF;
    IF col.typname NOT IN ('vector', 'halfvec') OR col.tns <> v_vs THEN
        RAISE EXCEPTION 'search_register: embedding column % is of type %, not vector or halfvec', quote_ident(v_emb), col.typname
            USING ERRCODE = '42804';
    END IF;
    IF col.atttypmod < 1 THEN
        RAISE EXCEPTION 'search_register: embedding column % has no fixed dimension', quote_ident(v_emb)
            USING ERRCODE = '42804', HINT = format('Declare it as %s(n), as HNSW and IVFFlat indexes require.', col.typname);
    END IF;
    v_emb_att := col.attnum; v_emb_kind := col.typname; v_dim := col.atttypmod;

    -- Distance: the opclass of an HNSW/IVFFlat index on the column, so that
    -- index can serve the semantic branch; else the option; else cosine.
    SELECT CASE WHEN opc.opcname LIKE '%cosine%' THEN 'cosine'
                WHEN opc.opcname LIKE '%\_ip\_%' THEN 'inner_product'
                WHEN opc.opcname LIKE '%l2%' THEN 'l2' END INTO v_index_distance
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      JOIN pg_opclass opc ON opc.oid = i.indclass[0]
     WHERE i.indrelid = tbl AND i.indkey[0] = v_emb_att AND am.amname IN ('hnsw', 'ivfflat') AND i.indpred IS NULL
     ORDER BY am.amname = 'hnsw' DESC, i.indexrelid LIMIT 1;
    v_distance := coalesce(o->>'distance', v_index_distance, 'cosine');
    IF v_distance NOT IN ('cosine', 'inner_product', 'l2') THEN
        RAISE EXCEPTION 'search_register: unknown distance %', quote_literal(v_distance)
            USING ERRCODE = '22023', HINT = 'Use cosine, inner_product or l2.';
    END IF;
    IF v_index_distance IS NOT NULL AND v_distance <> v_index_distance THEN
        RAISE WARNING 'search_register: the vector index on % uses % distance, not %; the semantic branch will scan every row',
            quote_ident(v_emb), v_index_distance, v_distance;
    END IF;
    v_op := CASE v_distance WHEN 'cosine' THEN '<=>' WHEN 'inner_product' THEN '<#>' ELSE '<->' END;

    -- Document side of BM25: a tsvector column, or a text column and a config.
    IF (o ? 'tsvector_column') = (o ? 'text_column') THEN
        RAISE EXCEPTION 'search_register: give exactly one of tsvector_column and text_column' USING ERRCODE = '22023';
    END IF;
    v_doc := coalesce(o->>'tsvector_column', o->>'text_column');
    v_doc_is_text := o ? 'text_column';
    SELECT t.typname::text AS typname INTO col
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = tbl AND a.attname = v_doc AND a.attnum > 0 AND NOT a.attisdropped;
    IF col IS NULL THEN
        RAISE EXCEPTION 'search_register: column % of % does not exist', quote_ident(v_doc), tbl USING ERRCODE = '42703';
    END IF;
    IF v_doc_is_text AND col.typname NOT IN ('text', 'varchar', 'bpchar') THEN
        RAISE EXCEPTION 'search_register: text column % is of type %, not text', quote_ident(v_doc), col.typname USING ERRCODE = '42804';
    ELSIF NOT v_doc_is_text AND col.typname <> 'tsvector' THEN
        RAISE EXCEPTION 'search_register: tsvector column % is of type %, not tsvector', quote_ident(v_doc), col.typname
            USING ERRCODE = '42804', HINT = 'Use text_column for a text column.';
    END IF;
    BEGIN
        v_cfg := coalesce(o->>'text_config', 'english')::regconfig;
    EXCEPTION WHEN undefined_object OR invalid_name OR syntax_error THEN
        RAISE EXCEPTION 'search_register: text search configuration % does not exist', quote_literal(o->>'text_config')
            USING ERRCODE = '42704', HINT = 'See \dF in psql for the configurations.';
    END;

    -- Trigram branch: pg_trgm and a text column.
    v_tri := o->>'trigram_column';
    IF v_tri IS NOT NULL THEN
        SELECT e.extnamespace::regnamespace::name INTO v_ts FROM pg_extension e WHERE e.extname = 'pg_trgm';
        IF v_ts IS NULL THEN
            RAISE EXCEPTION 'search_register: trigram_column needs pg_trgm, which is not installed'
                USING ERRCODE = '0A000', HINT = 'CREATE EXTENSION pg_trgm; or drop the trigram_column option.';
        END IF;
        SELECT t.typname::text AS typname INTO col
          FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = tbl AND a.attname = v_tri AND a.attnum > 0 AND NOT a.attisdropped;
        IF col IS NULL THEN
            RAISE EXCEPTION 'search_register: column % of % does not exist', quote_ident(v_tri), tbl USING ERRCODE = '42703';
        END IF;
        IF col.typname NOT IN ('text', 'varchar', 'bpchar') THEN
            RAISE EXCEPTION 'search_register: trigram column % is of type %, not text', quote_ident(v_tri), col.typname USING ERRCODE = '42804';
        END IF;
    END IF;

    -- Tenant column: any type with equality.
    v_ten := o->>'tenant_column';
    IF v_ten IS NOT NULL THEN
        SELECT format_type(a.atttypid, a.atttypmod) AS typ INTO col
          FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = v_ten AND a.attnum > 0 AND NOT a.attisdropped;
        IF col IS NULL THEN
            RAISE EXCEPTION 'search_register: column % of % does not exist', quote_ident(v_ten), tbl USING ERRCODE = '42703';
        END IF;
        v_ten_type := col.typ;
    END IF;

    -- Numeric defaults (docs/search.md, "Defaults", says why these values).
    v_rrf_k := coalesce((o->>'rrf_k')::float8, 60);
    v_cand  := coalesce((o->>'candidates')::numeric, 100)::int;
    v_ws    := coalesce((o->>'semantic_weight')::float8, 1);
    v_wl    := coalesce((o->>'lexical_weight')::float8, 1);
    v_wt    := coalesce((o->>'trigram_weight')::float8, 0.5);
    v_k1    := coalesce((o->>'bm25_k1')::float8, 0.9);
    v_b     := coalesce((o->>'bm25_b')::float8, 0.4);
    v_fusion := coalesce(o->>'fusion', 'convex');
    IF v_fusion NOT IN ('convex', 'rrf') THEN
        RAISE EXCEPTION 'search_register: unknown fusion %', quote_literal(v_fusion)
            USING ERRCODE = '22023', HINT = 'Use convex (normalised score fusion) or rrf (reciprocal rank fusion).';
    END IF;
    IF v_rrf_k < 0 OR v_cand < 1 OR v_cand > 10000 OR v_ws < 0 OR v_wl < 0 OR v_wt < 0
       OR v_k1 < 0 OR v_k1 > 100 OR v_b < 0 OR v_b > 1 THEN
        RAISE EXCEPTION 'search_register: numeric option out of range'
            USING ERRCODE = '22023', HINT = 'rrf_k >= 0, 1 <= candidates <= 10000, weights >= 0, 0 <= bm25_k1 <= 100, 0 <= bm25_b <= 1.';
    END IF;

    v_schema := coalesce(o->>'schema', rel.nspname);
    IF to_regnamespace(quote_ident(v_schema)) IS NULL THEN
        RAISE EXCEPTION 'search_register: schema % does not exist', quote_ident(v_schema) USING ERRCODE = '3F000';
    END IF;
    IF NOT has_schema_privilege(caller, to_regnamespace(quote_ident(v_schema))::oid, 'CREATE') THEN
        RAISE EXCEPTION 'search_register: permission denied to create functions in schema %', quote_ident(v_schema)
            USING ERRCODE = '42501';
    END IF;

    LOCK TABLE supabase_ext.search_registrations IN SHARE ROW EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM supabase_ext.search_registrations r WHERE r.schema = v_schema AND r.name = search_register.name) THEN
        IF coalesce((o->>'replace')::boolean, false) THEN
            PERFORM supabase_ext.search_unregister(search_register.name, v_schema);
        ELSE
            RAISE EXCEPTION 'search_register: %.% is already registered', quote_ident(v_schema), quote_ident(search_register.name)
                USING ERRCODE = '42723', HINT = 'search_unregister() it first, or pass "replace": true.';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = to_regnamespace(quote_ident(v_schema))
                     AND p.proname = search_register.name) THEN
        RAISE EXCEPTION 'search_register: a function %.% already exists', quote_ident(v_schema), quote_ident(search_register.name)
            USING ERRCODE = '42723';
    END IF;
    SELECT coalesce(max(r.id), 0) + 1 INTO v_id FROM supabase_ext.search_registrations r;
    v_pre := 'supabase_ext.search_' || v_id;

    -- Internal tables. t is the tenant (a constant 0 without a tenant
    -- column); statistics are per tenant, so no tenant's scores depend on
    -- another tenant's rows. Counters are sharded by backend (see sync).
    v_tt := coalesce(v_ten_type, 'smallint');
    EXECUTE format($s$
        CREATE TABLE %1$s_postings (t %2$s NOT NULL, term text COLLATE "C" NOT NULL, k %3$s NOT NULL,
                                    tf integer NOT NULL, len integer NOT NULL,
                                    PRIMARY KEY (t, term, k) INCLUDE (tf, len));
        CREATE TABLE %1$s_stats (t %2$s NOT NULL, shard smallint NOT NULL, n bigint NOT NULL, total_len bigint NOT NULL,
                                 PRIMARY KEY (t, shard));
        REVOKE ALL ON %1$s_postings, %1$s_stats FROM PUBLIC;
        COMMENT ON TABLE %1$s_postings IS %4$L;
    $s$, v_pre, v_tt, v_key_type, format('BM25 postings of %s (search registration %s)', tbl, v_id));

    -- The sync trigger function: statement-level, reading the transition
    -- tables, so a bulk INSERT costs one pass and a rollback undoes it all.
    IF v_ten IS NULL THEN
        v_ten_new := '0::smallint'; v_ten_old := '0::smallint'; v_ten_b := '0::smallint';
    ELSE
        v_ten_new := 'n.' || quote_ident(v_ten); v_ten_old := 'o.' || quote_ident(v_ten); v_ten_b := 'b.' || quote_ident(v_ten);
    END IF;
    IF v_doc_is_text THEN
        v_doc_new := format('to_tsvector(%L::regconfig, coalesce(n.%I::text, %L))', v_cfg::text, v_doc, '');
        v_doc_old := format('to_tsvector(%L::regconfig, coalesce(o.%I::text, %L))', v_cfg::text, v_doc, '');
    ELSE
        v_doc_new := format('coalesce(n.%I, %L::tsvector)', v_doc, '');
        v_doc_old := format('coalesce(o.%I, %L::tsvector)', v_doc, '');
    END IF;
    v_sql := $t$
CREATE FUNCTION {PRE}_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    -- The counters (document count and total length per tenant) are
    -- sharded by backend: concurrent writers of one tenant rarely wait on
    -- one another's row lock. Document frequencies are not counters: the
    -- lexical stage counts a term's postings.
    s smallint := (pg_backend_pid() % 8)::smallint;
    c bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE {PRE}_postings, {PRE}_stats;
        RETURN NULL;
    END IF;
    -- Each statement names only the transition tables of its event
    -- (plpgsql plans a statement the first time it runs).
    IF TG_OP = 'DELETE' THEN
        WITH gone AS MATERIALIZED (
            SELECT {TEN_O} AS t, o.{KEY} AS k, u.lexeme AS term
              FROM old_rows o CROSS JOIN LATERAL unnest({DOC_O}) u
             WHERE {TEN_O} IS NOT NULL AND o.{KEY} IS NOT NULL
               AND true
        ), del AS (
            DELETE FROM {PRE}_postings p USING gone g
             WHERE p.t = g.t AND p.term = g.term AND p.k = g.k
            RETURNING p.t, p.term, p.k, p.len
        ), st AS (
            INSERT INTO {PRE}_stats AS x (t, shard, n, total_len)
            SELECT dd.t, s, -count(*), -sum(dd.len)
              FROM (SELECT DISTINCT d.t, d.k, d.len FROM del d) dd GROUP BY dd.t ORDER BY 1
            ON CONFLICT (t, shard) DO UPDATE SET n = x.n + excluded.n, total_len = x.total_len + excluded.total_len
            RETURNING 1
        )
        SELECT count(*) FROM st INTO c;
    ELSIF TG_OP = 'INSERT' THEN
        WITH tok AS MATERIALIZED (
            SELECT {TEN_N} AS t, n.{KEY} AS k, u.lexeme AS term, coalesce(array_length(u.positions, 1), 1) AS tf
              FROM new_rows n CROSS JOIN LATERAL unnest({DOC_N}) u
             WHERE {TEN_N} IS NOT NULL AND n.{KEY} IS NOT NULL
               AND true
        ), dl AS (
            SELECT tok.t, tok.k, sum(tok.tf)::integer AS len FROM tok GROUP BY tok.t, tok.k
        ), ins AS (
            INSERT INTO {PRE}_postings (t, term, k, tf, len)
            SELECT tok.t, tok.term, tok.k, tok.tf, dl.len FROM tok JOIN dl ON dl.t = tok.t AND dl.k = tok.k
            RETURNING 1
        ), st AS (
            INSERT INTO {PRE}_stats AS x (t, shard, n, total_len)
            SELECT dl.t, s, count(*), sum(dl.len) FROM dl GROUP BY dl.t ORDER BY 1
            ON CONFLICT (t, shard) DO UPDATE SET n = x.n + excluded.n, total_len = x.total_len + excluded.total_len
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM ins) + (SELECT count(*) FROM st) INTO c;
    ELSE
        -- UPDATE: unindex the rows whose key, tenant or text changed, index their new version.
        WITH gone AS MATERIALIZED (
            SELECT {TEN_O} AS t, o.{KEY} AS k, u.lexeme AS term
              FROM old_rows o CROSS JOIN LATERAL unnest({DOC_O}) u
             WHERE {TEN_O} IS NOT NULL AND o.{KEY} IS NOT NULL
               AND NOT EXISTS (
                    SELECT 1 FROM new_rows n WHERE n.{KEY} = o.{KEY}
                       AND n.{SRC} IS NOT DISTINCT FROM o.{SRC} AND {TEN_N} IS NOT DISTINCT FROM {TEN_O})
        ), del AS (
            DELETE FROM {PRE}_postings p USING gone g
             WHERE p.t = g.t AND p.term = g.term AND p.k = g.k
            RETURNING p.t, p.term, p.k, p.len
        ), st AS (
            INSERT INTO {PRE}_stats AS x (t, shard, n, total_len)
            SELECT dd.t, s, -count(*), -sum(dd.len)
              FROM (SELECT DISTINCT d.t, d.k, d.len FROM del d) dd GROUP BY dd.t ORDER BY 1
            ON CONFLICT (t, shard) DO UPDATE SET n = x.n + excluded.n, total_len = x.total_len + excluded.total_len
            RETURNING 1
        )
        SELECT count(*) FROM st INTO c;
        WITH tok AS MATERIALIZED (
            SELECT {TEN_N} AS t, n.{KEY} AS k, u.lexeme AS term, coalesce(array_length(u.positions, 1), 1) AS tf
              FROM new_rows n CROSS JOIN LATERAL unnest({DOC_N}) u
             WHERE {TEN_N} IS NOT NULL AND n.{KEY} IS NOT NULL
               AND NOT EXISTS (
                    SELECT 1 FROM old_rows o WHERE o.{KEY} = n.{KEY}
                       AND o.{SRC} IS NOT DISTINCT FROM n.{SRC} AND {TEN_O} IS NOT DISTINCT FROM {TEN_N})
        ), dl AS (
            SELECT tok.t, tok.k, sum(tok.tf)::integer AS len FROM tok GROUP BY tok.t, tok.k
        ), ins AS (
            INSERT INTO {PRE}_postings (t, term, k, tf, len)
            SELECT tok.t, tok.term, tok.k, tok.tf, dl.len FROM tok JOIN dl ON dl.t = tok.t AND dl.k = tok.k
            RETURNING 1
        ), st AS (
            INSERT INTO {PRE}_stats AS x (t, shard, n, total_len)
            SELECT dl.t, s, count(*), sum(dl.len) FROM dl GROUP BY dl.t ORDER BY 1
            ON CONFLICT (t, shard) DO UPDATE SET n = x.n + excluded.n, total_len = x.total_len + excluded.total_len
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM ins) + (SELECT count(*) FROM st) INTO c;
    END IF;
    RETURN NULL;
END $body$;
REVOKE ALL ON FUNCTION {PRE}_sync() FROM PUBLIC;
$t$;
    v_sql := replace(replace(replace(replace(replace(replace(replace(v_sql,
        '{PRE}', v_pre), '{KEY}', quote_ident(v_key)), '{SRC}', quote_ident(v_doc)),
        '{TEN_N}', v_ten_new), '{TEN_O}', v_ten_old), '{DOC_N}', v_doc_new), '{DOC_O}', v_doc_old);
    EXECUTE v_sql;

    -- The lexical stage: BM25 top-N over the postings, for one tenant.
    -- SECURITY DEFINER (the postings are not readable by callers); it
    -- answers only roles that may read the key and document columns, and,
    -- where RLS filters the table for the caller, only for tenants in the
    -- caller's claims. The generated function then joins the keys to the
    -- table under the caller's RLS.
    v_sql := $t$
CREATE FUNCTION {PRE}_lexical(query_text text, tenant {TT}, n integer, k1 float8, b float8, also {KT}[] DEFAULT '{}')
RETURNS TABLE (k {KT}, score float8, top boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    who   name := supabase_ext.search_caller();
    docs  float8;
    avgdl float8;
    terms text[];
    idfs  float8[];
    dfs   float8[];
    m     integer;
BEGIN
    IF NOT (has_column_privilege(who, {TBL}, {KEYL}, 'SELECT') AND has_column_privilege(who, {TBL}, {SRCL}, 'SELECT')) THEN
        RAISE EXCEPTION 'permission denied for the search index of %', {TBL}::regclass USING ERRCODE = '42501';
    END IF;
    IF {HAS_TENANT} THEN
        IF tenant IS NULL THEN
            RAISE EXCEPTION 'hybrid search over % needs a tenant', {TBL}::regclass
                USING ERRCODE = '42501', HINT = 'Pass tenant => ..., or call with JWT claims that name a tenant.';
        END IF;
        IF supabase_ext.search_rls_applies({TBL}, who)
           AND NOT (tenant::text = ANY (supabase_ext.tenant_ids()::text[])) THEN
            RAISE EXCEPTION 'hybrid search: tenant is not one of the caller''s tenants' USING ERRCODE = '42501';
        END IF;
    END IF;
    IF n IS NULL OR n < 1 OR k1 IS NULL OR k1 < 0 OR b IS NULL OR b < 0 OR b > 1 THEN
        RAISE EXCEPTION 'hybrid search: invalid lexical parameters' USING ERRCODE = '22023',
            HINT = 'candidates >= 1, bm25_k1 >= 0, 0 <= bm25_b <= 1.';
    END IF;
    SELECT sum(x.n)::float8, sum(x.total_len)::float8 / nullif(sum(x.n), 0)::float8 INTO docs, avgdl
      FROM {PRE}_stats x WHERE x.t = tenant;
    IF docs IS NULL OR docs <= 0 THEN
        RETURN;
    END IF;
    -- Query terms with their IDF and posting count, rarest first.
    SELECT array_agg(w.term ORDER BY w.idf DESC, w.term), array_agg(w.idf ORDER BY w.idf DESC, w.term),
           array_agg(w.df ORDER BY w.idf DESC, w.term)
      INTO terms, idfs, dfs
      FROM (SELECT q.term, ln(1 + (docs - d.df + 0.5) / (d.df + 0.5)) AS idf, d.df
              FROM (SELECT DISTINCT u.lexeme COLLATE "C" AS term
                      FROM unnest(to_tsvector({CFG}::regconfig, coalesce(query_text, ''))) u) q
             -- df: the term's postings, counted on the index (index-only once vacuumed)
             CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM {PRE}_postings x
                                  WHERE x.t = tenant AND x.term = q.term) d
             WHERE d.df > 0) w;
    m := coalesce(cardinality(terms), 0);
    IF m = 0 THEN
        RETURN;
    END IF;
    -- The top n by BM25: MaxScore over the postings' primary key, in Rust
    -- (src/search/topk.rs, supabase_ext_core::search::maxscore); exact, ties
    -- at the n-th score returned for the key order below to break.
    RETURN QUERY
    WITH best AS (
        SELECT r.k::{KT} AS k, r.score AS s
          FROM supabase_ext.search_topk('{PRE}_postings_pkey'::regclass::oid, tenant, terms, idfs, dfs,
                                        n, k1, b, avgdl) r
         ORDER BY 2 DESC, 1 LIMIT n
    ), more AS (
        -- BM25 of the other branches' candidates, for score fusion
        SELECT x.k, sum(w.idf * x.tf * (k1 + 1) / (x.tf + k1 * (1 - b + b * x.len / avgdl)))::float8 AS s
          FROM unnest(terms, idfs) w(term, idf)
          JOIN {PRE}_postings x ON x.t = tenant AND x.term = w.term AND x.k = ANY (also)
         GROUP BY x.k
    )
    SELECT best.k, best.s, true FROM best
    UNION ALL
    SELECT more.k, more.s, false FROM more WHERE NOT EXISTS (SELECT 1 FROM best WHERE best.k = more.k);
END $body$;
$t$;
    v_sql := replace(replace(replace(replace(replace(replace(replace(replace(v_sql,
        '{PRE}', v_pre), '{TT}', v_tt), '{KT}', v_key_type), '{TBL}', quote_literal(tbl::text) || '::regclass'),
        '{KEYL}', quote_literal(v_key)), '{SRCL}', quote_literal(v_doc)), '{CFG}', quote_literal(v_cfg::text)),
        '{HAS_TENANT}', (v_ten IS NOT NULL)::text);
    EXECUTE v_sql;

    -- Index the rows already there (as the extension owner: every row,
    -- whatever RLS would show the caller), then keep them current.
    EXECUTE replace(replace(replace(replace(replace(replace($t$
        WITH tok AS MATERIALIZED (
            SELECT {TEN_N} AS t, n.{KEY} AS k, u.lexeme AS term, coalesce(array_length(u.positions, 1), 1) AS tf
              FROM {TBL} n CROSS JOIN LATERAL unnest({DOC_N}) u
             WHERE {TEN_N} IS NOT NULL AND n.{KEY} IS NOT NULL
        ), dl AS (
            SELECT tok.t, tok.k, sum(tok.tf)::integer AS len FROM tok GROUP BY tok.t, tok.k
        ), ins AS (
            INSERT INTO {PRE}_postings (t, term, k, tf, len)
            SELECT tok.t, tok.term, tok.k, tok.tf, dl.len FROM tok JOIN dl ON dl.t = tok.t AND dl.k = tok.k
        )
        INSERT INTO {PRE}_stats (t, shard, n, total_len) SELECT dl.t, 0, count(*), sum(dl.len) FROM dl GROUP BY 1
    $t$, '{PRE}', v_pre), '{KEY}', quote_ident(v_key)), '{TEN_N}', v_ten_new), '{DOC_N}', v_doc_new),
        '{TBL}', tbl::text), '{SRC}', quote_ident(v_doc));
    EXECUTE format($s$
        CREATE TRIGGER %2$I AFTER INSERT ON %1$s REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION %3$s_sync();
        CREATE TRIGGER %4$I AFTER UPDATE ON %1$s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION %3$s_sync();
        CREATE TRIGGER %5$I AFTER DELETE ON %1$s REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION %3$s_sync();
        CREATE TRIGGER %6$I AFTER TRUNCATE ON %1$s FOR EACH STATEMENT EXECUTE FUNCTION %3$s_sync();
    $s$, tbl, 'supabase_ext_search_' || v_id || '_insert', v_pre, 'supabase_ext_search_' || v_id || '_update',
         'supabase_ext_search_' || v_id || '_delete', 'supabase_ext_search_' || v_id || '_truncate');

    -- The typed search function, SECURITY INVOKER: every branch reads the
    -- table (or joins its keys to it) as the caller, under the caller's RLS.
    v_args := format('query_embedding %I.vector, query_text text, match_threshold double precision DEFAULT NULL, '
                     'match_count integer DEFAULT 10', v_vs)
           || CASE WHEN v_ten IS NOT NULL THEN format(', tenant %s DEFAULT NULL', v_ten_type) ELSE '' END
           || format(', rrf_k double precision DEFAULT %s, semantic_weight double precision DEFAULT %s, '
                     'lexical_weight double precision DEFAULT %s', v_rrf_k, v_ws, v_wl)
           || CASE WHEN v_tri IS NOT NULL THEN format(', trigram_weight double precision DEFAULT %s', v_wt) ELSE '' END
           || format(', candidates integer DEFAULT %s, bm25_k1 double precision DEFAULT %s, bm25_b double precision DEFAULT %s, '
                     'fusion text DEFAULT %L', v_cand, v_k1, v_b, v_fusion);
    v_cols := format('%I %s, score double precision, semantic_rank integer, semantic_score double precision, '
                     'lexical_rank integer, lexical_score double precision', v_key, v_key_type)
           || CASE WHEN v_tri IS NOT NULL THEN ', trigram_rank integer, trigram_score double precision' ELSE '' END;
    v_sim := CASE v_distance WHEN 'cosine' THEN '1 - c.d' WHEN 'inner_product' THEN '-c.d' ELSE '1 - c.d * c.d / 2' END;
    v_sql := $t$
CREATE FUNCTION {FN}({ARGS}) RETURNS TABLE ({COLS})
LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    _sx_n   integer;
    _sx_q   {VS}.{EK};
    _sx_t   {TT};
    _sx_txt text := nullif(btrim(query_text), '');
    _sx_thr float8 := match_threshold;
    _sx_k   float8 := rrf_k;
    _sx_ws  float8 := semantic_weight;
    _sx_wl  float8 := lexical_weight;
    _sx_wt  float8 := {WT};
    _sx_k1  float8 := bm25_k1;
    _sx_b   float8 := bm25_b;
    _sx_mc  integer := match_count;
    _sx_fusion text := fusion;
BEGIN
    IF _sx_fusion IS NULL OR _sx_fusion NOT IN ('convex', 'rrf') THEN
        RAISE EXCEPTION 'fusion must be convex or rrf' USING ERRCODE = '22023';
    END IF;
    IF _sx_mc IS NULL OR _sx_mc < 0 OR _sx_mc > 10000 THEN
        RAISE EXCEPTION 'match_count must be between 0 and 10000' USING ERRCODE = '22023';
    END IF;
    IF _sx_k IS NULL OR _sx_k < 0 OR _sx_ws IS NULL OR _sx_ws < 0 OR _sx_wl IS NULL OR _sx_wl < 0
       OR _sx_wt IS NULL OR _sx_wt < 0 THEN
        RAISE EXCEPTION 'rrf_k and the branch weights must be >= 0' USING ERRCODE = '22023';
    END IF;
    IF candidates IS NULL OR candidates < 1 OR candidates > 10000 THEN
        RAISE EXCEPTION 'candidates must be between 1 and 10000' USING ERRCODE = '22023';
    END IF;
    _sx_n := greatest(candidates, _sx_mc);
    {TENANT}
    IF query_embedding IS NOT NULL AND _sx_ws > 0 THEN
        IF {VS}.vector_dims(query_embedding) <> {DIM} THEN
            RAISE EXCEPTION 'query_embedding has % dimensions, but {EMBL} has {DIM}', {VS}.vector_dims(query_embedding)
                USING ERRCODE = '22000', HINT = 'Embed the query with the model that embedded the rows.';
        END IF;
        _sx_q := query_embedding::{VS}.{EK};
        -- Local to this call (the function's SET clause restores them):
        -- enough HNSW candidates for N rows, and iterative scans so the
        -- tenant filter and RLS do not starve the branch.
        PERFORM set_config('hnsw.ef_search', least(greatest(_sx_n, 40), 1000)::text, true);
        -- (pgvector before 0.8 has no iterative scans; its library is
        -- loaded by now, so an undefined setting means an older pgvector)
        IF current_setting('hnsw.iterative_scan', true) IS NOT NULL THEN
            PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
            PERFORM set_config('ivfflat.iterative_scan', 'relaxed_order', true);
        END IF;
    END IF;
    IF _sx_mc = 0 THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH sem AS MATERIALIZED (
        SELECT c.k, x.s, row_number() OVER (ORDER BY c.d, c.k)::integer AS r
          FROM (SELECT b.{KEY} AS k, (b.{EMB} OPERATOR({VS}.{OP}) _sx_q)::float8 AS d
                  FROM {TBL} b
                 WHERE _sx_q IS NOT NULL AND _sx_ws > 0 {TEN_B}
                 ORDER BY b.{EMB} OPERATOR({VS}.{OP}) _sx_q LIMIT _sx_n) c
         CROSS JOIN LATERAL (SELECT ({SIM})::float8 AS s) x
         WHERE _sx_thr IS NULL OR x.s >= _sx_thr
    ), tri AS MATERIALIZED (
        {TRI}
    ), lex AS MATERIALIZED (
        SELECT l.k, l.score AS s, l.top
          FROM supabase_ext.search_{ID}_lexical(_sx_txt, _sx_t, _sx_n, _sx_k1, _sx_b,
                   ARRAY(SELECT sem.k FROM sem UNION SELECT tri.k FROM tri)) l
         WHERE _sx_txt IS NOT NULL AND _sx_wl > 0
    ), cand AS (
        SELECT sem.k FROM sem UNION SELECT lex.k FROM lex WHERE lex.top UNION SELECT tri.k FROM tri
    ), f AS MATERIALIZED (
        -- Every candidate the caller may see (the join goes through RLS),
        -- with every active branch's score, also where it was not that
        -- branch's candidate: BM25 is 0 without a query term.
        SELECT b.{KEY} AS k, sem.r AS sr,
               CASE WHEN _sx_q IS NOT NULL AND _sx_ws > 0 THEN coalesce(sem.s,
                   (SELECT ({SIM})::float8 FROM (SELECT (b.{EMB} OPERATOR({VS}.{OP}) _sx_q)::float8 AS d) c)) END AS ss,
               lex.top, lex.s AS ls0,
               CASE WHEN _sx_txt IS NOT NULL AND _sx_wl > 0 THEN coalesce(lex.s, 0) END AS ls,
               tri.r AS tr, {TRI_ALL} AS ts
          FROM cand JOIN {TBL} b ON b.{KEY} = cand.k {TEN_B}
          LEFT JOIN sem ON sem.k = cand.k LEFT JOIN lex ON lex.k = cand.k LEFT JOIN tri ON tri.k = cand.k
    ), g AS (
        SELECT f.k, f.sr, f.ss, f.ls, f.tr, f.ts,
               (CASE WHEN f.top THEN row_number() OVER (PARTITION BY f.top ORDER BY f.ls0 DESC, f.k) END)::integer AS lr,
               min(f.ss) OVER () AS smin, max(f.ss) OVER () AS smax,
               min(f.ls) OVER () AS lmin, max(f.ls) OVER () AS lmax
          FROM f
    )
    SELECT g.k,
           (CASE WHEN _sx_fusion = 'rrf' THEN
                coalesce(_sx_ws / (_sx_k + g.sr), 0) + coalesce(_sx_wl / (_sx_k + g.lr), 0) + coalesce(_sx_wt / (_sx_k + g.tr), 0)
            ELSE
                -- semantic and BM25 min-max normalised over the candidates (a
                -- branch whose candidates all score the same gives each 1),
                -- weighted mean
                (coalesce(_sx_ws * coalesce((g.ss - g.smin) / nullif(g.smax - g.smin, 0), g.ss * 0 + 1), 0)
                 + coalesce(_sx_wl * coalesce((g.ls - g.lmin) / nullif(g.lmax - g.lmin, 0), g.ls * 0 + 1), 0)
                 -- trigram similarity is already in [0, 1]; stretching it would
                 -- turn the noise of long questions into a signal
                 + coalesce(_sx_wt * g.ts, 0))
                / nullif(CASE WHEN _sx_q IS NOT NULL THEN _sx_ws ELSE 0 END
                         + CASE WHEN _sx_txt IS NOT NULL THEN _sx_wl + _sx_wt ELSE 0 END, 0)
            END)::float8,
           g.sr, g.ss, g.lr, g.ls {TRICOLS}
      FROM g ORDER BY 2 DESC, 1 LIMIT _sx_mc;
END $body$;
$t$;
    v_sql := replace(v_sql, '{TENANT}', CASE WHEN v_ten IS NULL THEN '_sx_t := 0;' ELSE $t$
    -- The tenant: the argument, else the JWT claims' tenant. Checked again
    -- (against the claims, when RLS applies) by the lexical stage.
    _sx_t := coalesce(tenant, (supabase_ext.tenant_id())::text::{TT});
    IF tenant IS NOT NULL AND cardinality(supabase_ext.tenant_ids()) > 0
       AND NOT (tenant::text = ANY (supabase_ext.tenant_ids()::text[])) THEN
        RAISE EXCEPTION 'hybrid search: tenant is not one of the caller''s tenants' USING ERRCODE = '42501';
    END IF;
    IF _sx_t IS NULL THEN
        RAISE EXCEPTION 'hybrid search over {TBLN} needs a tenant'
            USING ERRCODE = '42501', HINT = 'Pass tenant => ..., or call with JWT claims that name a tenant.';
    END IF;$t$ END);
    v_sql := replace(v_sql, '{TRI}', CASE WHEN v_tri IS NULL THEN
        'SELECT NULL::{KT} AS k, NULL::float8 AS s, NULL::integer AS r WHERE false' ELSE $t$
        SELECT c.k, c.s, row_number() OVER (ORDER BY c.s DESC, c.k)::integer AS r
          FROM (SELECT b.{KEY} AS k, {TS}.similarity(b.{TRICOL}, _sx_txt)::float8 AS s
                  FROM {TBL} b
                 WHERE _sx_txt IS NOT NULL AND _sx_wt > 0 AND b.{TRICOL} OPERATOR({TS}.%) _sx_txt {TEN_B}
                 ORDER BY 2 DESC, 1 LIMIT _sx_n) c$t$ END);
    v_sql := replace(v_sql, '{TRICOLS}', CASE WHEN v_tri IS NULL THEN '' ELSE
        ', g.tr, g.ts' END);
    v_sql := replace(v_sql, '{TRI_ALL}', CASE WHEN v_tri IS NULL THEN 'NULL::float8' ELSE
        'CASE WHEN _sx_txt IS NOT NULL AND _sx_wt > 0 THEN {TS}.similarity(b.{TRICOL}, _sx_txt)::float8 END' END);
    v_sql := replace(v_sql, '{WT}', CASE WHEN v_tri IS NULL THEN '0' ELSE 'trigram_weight' END);
    v_sql := replace(v_sql, '{TEN_B}', CASE WHEN v_ten IS NULL THEN '' ELSE 'AND b.' || quote_ident(v_ten) || ' = _sx_t' END);
    v_sql := replace(replace(replace(replace(replace(replace(replace(replace(v_sql,
        '{FN}', format('%I.%I', v_schema, name)), '{ARGS}', v_args), '{COLS}', v_cols),
        '{VS}', quote_ident(v_vs)), '{EK}', v_emb_kind), '{TT}', v_tt), '{KT}', v_key_type), '{DIM}', v_dim::text);
    v_sql := replace(replace(replace(replace(replace(replace(replace(replace(replace(v_sql,
        '{EMBL}', replace(quote_ident(v_emb), '%', '%%')), '{KEY}', quote_ident(v_key)), '{TBL}', tbl::text),
        '{TBLN}', replace(tbl::text, '%', '%%')), '{EMB}', quote_ident(v_emb)), '{OP}', v_op), '{SIM}', v_sim),
        '{ID}', v_id::text), '{TS}', coalesce(quote_ident(v_ts), ''));
    v_sql := replace(v_sql, '{TRICOL}', coalesce(quote_ident(v_tri), ''));
    EXECUTE v_sql;
    v_fn := to_regprocedure(format('%I.%I(%I.vector, text, double precision, integer%s, double precision, double precision, double precision%s, integer, double precision, double precision, text)',
        v_schema, name, v_vs, CASE WHEN v_ten IS NOT NULL THEN ', ' || v_ten_type ELSE '' END,
        CASE WHEN v_tri IS NOT NULL THEN ', double precision' ELSE '' END));
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', v_fn, (SELECT r.rolname FROM pg_roles r WHERE r.oid = rel.relowner));
    EXECUTE format('COMMENT ON FUNCTION %s IS %L', v_fn,
        format('Hybrid search over %s (supabase_ext.search_register); drop it with supabase_ext.search_unregister(%L, %L)',
               tbl, name, v_schema));

    INSERT INTO supabase_ext.search_registrations (id, name, schema, tbl, fn, options, distance, created_by)
    VALUES (v_id, name, v_schema, tbl, v_fn, o, v_distance, caller);
    RETURN v_fn;
END $fn$;

-- Drops what one registration created (its search function, the triggers
-- when the table still exists, the sync and lexical functions, the internal
-- tables) and forgets it. Shared by search_unregister and the sql_drop
-- event trigger; called only from those SECURITY DEFINER functions.
CREATE FUNCTION supabase_ext.search_drop_registration(reg_id integer) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    reg record;
    pre text := 'supabase_ext.search_' || reg_id;
BEGIN
    SELECT r.fn, r.tbl, c.oid IS NOT NULL AS table_exists INTO reg
      FROM supabase_ext.search_registrations r LEFT JOIN pg_class c ON c.oid = r.tbl
     WHERE r.id = reg_id;
    -- A dropped function's regprocedure prints as a bare oid: look it up.
    IF EXISTS (SELECT 1 FROM pg_proc p WHERE p.oid = reg.fn) THEN
        EXECUTE format('DROP FUNCTION %s', reg.fn);
    END IF;
    IF reg.table_exists THEN
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'supabase_ext_search_' || reg_id || '_insert', reg.tbl);
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'supabase_ext_search_' || reg_id || '_update', reg.tbl);
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'supabase_ext_search_' || reg_id || '_delete', reg.tbl);
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'supabase_ext_search_' || reg_id || '_truncate', reg.tbl);
    END IF;
    EXECUTE format('DROP FUNCTION IF EXISTS %s_sync(), %s_lexical', pre, pre);
    EXECUTE format('DROP TABLE IF EXISTS %s_postings, %s_stats', pre, pre);
    DELETE FROM supabase_ext.search_registrations r WHERE r.id = reg_id;
END $fn$;
REVOKE ALL ON FUNCTION supabase_ext.search_drop_registration(integer) FROM PUBLIC;

CREATE FUNCTION supabase_ext.search_unregister(name text, schema name DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    caller name := supabase_ext.search_caller();
    reg    record;
    n      integer;
BEGIN
    SELECT count(*) INTO n FROM supabase_ext.search_registrations r
     WHERE r.name = search_unregister.name AND (search_unregister.schema IS NULL OR r.schema = search_unregister.schema);
    IF n = 0 THEN
        RETURN false;
    ELSIF n > 1 THEN
        RAISE EXCEPTION 'search_unregister: % is registered in more than one schema', quote_ident(name)
            USING ERRCODE = '42725', HINT = 'Pass the schema as the second argument.';
    END IF;
    SELECT r.*, c.relowner, c.oid IS NOT NULL AS table_exists INTO reg
      FROM supabase_ext.search_registrations r LEFT JOIN pg_class c ON c.oid = r.tbl
     WHERE r.name = search_unregister.name AND (search_unregister.schema IS NULL OR r.schema = search_unregister.schema)
       FOR UPDATE OF r;
    IF NOT (pg_has_role(caller, coalesce(reg.relowner, (SELECT r.oid FROM pg_roles r WHERE r.rolname = reg.created_by)), 'USAGE')) THEN
        RAISE EXCEPTION 'search_unregister: must be the owner of table %', reg.tbl USING ERRCODE = '42501';
    END IF;
    PERFORM supabase_ext.search_drop_registration(reg.id);
    RETURN true;
END $fn$;

-- DROP TABLE (or DROP SCHEMA … CASCADE) of a registered table takes its
-- triggers with it; this forgets the registration and drops what it created
-- (search function, internal tables), so the name can be registered again.
-- It only touches registrations whose table is gone, and never fails the
-- user's DROP: a problem is a WARNING.
CREATE FUNCTION supabase_ext.search_forget_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning AS $fn$
DECLARE
    reg record;
BEGIN
    IF to_regclass('supabase_ext.search_registrations') IS NULL THEN
        RETURN;  -- DROP EXTENSION
    END IF;
    FOR reg IN SELECT r.id FROM supabase_ext.search_registrations r
                WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = r.tbl)
    LOOP
        BEGIN
            PERFORM supabase_ext.search_drop_registration(reg.id);
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'supabase_ext: could not clean up search registration % after its table was dropped: %',
                reg.id, SQLERRM;
        END;
    END LOOP;
END $fn$;
REVOKE ALL ON FUNCTION supabase_ext.search_forget_dropped() FROM PUBLIC;
CREATE EVENT TRIGGER supabase_ext_search_forget_dropped ON sql_drop
    WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION supabase_ext.search_forget_dropped();

-- Search grants. Registering and unregistering need the table's owner
-- (checked inside); the functions are revoked from PUBLIC so only roles the
-- database owner trusts with DDL reach them. The generated search functions
-- keep PostgreSQL's default (EXECUTE for PUBLIC): they are SECURITY INVOKER,
-- so the table's privileges and RLS decide. Their lexical stages
-- (search_<id>_lexical) check the caller themselves.
REVOKE ALL ON supabase_ext.search_registrations FROM PUBLIC;
REVOKE ALL ON FUNCTION
    supabase_ext.search_register(text, regclass, jsonb),
    supabase_ext.search_unregister(text, name),
    supabase_ext.search_caller(),
    supabase_ext.search_rls_applies(regclass, name),
    supabase_ext.search_topk(oid, anyelement, text[], double precision[], double precision[], integer,
                             double precision, double precision, double precision)
FROM PUBLIC;

-- Drift (issue #10): drift_hash, registrations, drift_logs, drift_alerts,
-- the SECURITY DEFINER writers, drift_register/unregister/check/check_all
-- and their grants. Blocks in the install script's order.

CREATE FUNCTION supabase_ext.drift_hash(VARIADIC "any") RETURNS bigint
LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'drift_hash';
COMMENT ON FUNCTION supabase_ext.drift_hash("any") IS
  'Row hash of a drift check: XXH3-64 over each argument''s type-aware hash (NULL-safe, numeric scale, jsonb key order and time zones ignored, text as bytes)';

CREATE  FUNCTION "drift_check"(
	"name" TEXT /* & str */
) RETURNS TABLE (
	"name" TEXT,  /* String */
	"status" TEXT,  /* String */
	"missing" bigint,  /* Option < i64 > */
	"orphans" bigint,  /* Option < i64 > */
	"changed" bigint,  /* Option < i64 > */
	"details" jsonb,  /* JsonB */
	"log_id" bigint,  /* Option < i64 > */
	"duration" interval  /* Option < Interval > */
)
STRICT VOLATILE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'drift_check_wrapper';

CREATE  FUNCTION "drift_check_all"() RETURNS TABLE (
	"name" TEXT,  /* String */
	"status" TEXT,  /* String */
	"missing" bigint,  /* Option < i64 > */
	"orphans" bigint,  /* Option < i64 > */
	"changed" bigint,  /* Option < i64 > */
	"details" jsonb,  /* JsonB */
	"log_id" bigint,  /* Option < i64 > */
	"duration" interval  /* Option < Interval > */
)
STRICT VOLATILE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'drift_check_all_wrapper';

CREATE  FUNCTION "drift_invoker"() RETURNS TEXT /* String */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'drift_invoker_wrapper';

-- Drift: registrations, check logs and alerts.
--
-- drift_register/drift_check run with the caller's rights (SECURITY
-- INVOKER): reading the user's tables is never done with the extension
-- owner's. They write these tables through three narrow SECURITY DEFINER
-- helpers, which authorize the session's role themselves.

CREATE TABLE supabase_ext.drift_registrations (
    name            text PRIMARY KEY,
    source          regclass NOT NULL,
    shadow          regclass NOT NULL,
    -- Names at registration time: a table renamed since is an error at
    -- check time, and a dropped one can still be named in the message.
    source_name     text NOT NULL,
    shadow_name     text NOT NULL,
    view_schema     text NOT NULL,
    key_columns     text[] NOT NULL,
    compare_columns text[] NOT NULL,
    options         jsonb NOT NULL DEFAULT '{}',
    -- Resolved pairs with attnums and type oids (supabase_ext_core::drift::plan::Plan).
    plan            jsonb NOT NULL,
    owner           name NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE supabase_ext.drift_registrations IS
  'Drift checks: a source table, its shadow copy, keys and compared columns. Written by drift_register/drift_unregister.';
-- Each role sees the registrations of roles it is a member of.
ALTER TABLE supabase_ext.drift_registrations ENABLE ROW LEVEL SECURITY;
CREATE POLICY drift_registrations_members ON supabase_ext.drift_registrations FOR SELECT
    USING (EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                    WHERE r.rolname = owner AND pg_catalog.pg_has_role(r.oid, 'MEMBER')));
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.drift_registrations', '');

CREATE TABLE supabase_ext.drift_logs (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name       text NOT NULL,
    -- The seeds' two values, plus 'error' when drift_check_all could not
    -- check a registration (dropped table, permission): never silent.
    status     text NOT NULL CHECK (status IN ('clean', 'drift_found', 'error')),
    missing    bigint,
    orphans    bigint,
    changed    bigint,
    details    jsonb NOT NULL DEFAULT '{}',
    checked_at timestamptz NOT NULL DEFAULT now(),
    duration   interval,
    checked_by name NOT NULL DEFAULT current_user
);
CREATE INDEX drift_logs_name_checked_at ON supabase_ext.drift_logs (name, checked_at DESC);
COMMENT ON TABLE supabase_ext.drift_logs IS
  'One row per drift check. RLS on: readable by roles granted SELECT (Realtime postgres_changes, filter status=eq.drift_found).';
ALTER TABLE supabase_ext.drift_logs ENABLE ROW LEVEL SECURITY;
-- The table grant decides who reads; an admin may replace this policy with
-- a narrower one (e.g. on a JWT claim).
CREATE POLICY drift_logs_read ON supabase_ext.drift_logs FOR SELECT USING (true);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.drift_logs', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.drift_logs_id_seq', '');

CREATE TABLE supabase_ext.drift_alerts (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name       text NOT NULL,
    type       text NOT NULL DEFAULT 'drift',
    severity   text NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
    message    text NOT NULL,
    details    jsonb NOT NULL DEFAULT '{}',
    log_id     bigint REFERENCES supabase_ext.drift_logs (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_alerts_log_id ON supabase_ext.drift_alerts (log_id);
COMMENT ON TABLE supabase_ext.drift_alerts IS
  'The seeds'' alerts(type, severity, message, details) for drift: one row per check that found drift or failed.';
ALTER TABLE supabase_ext.drift_alerts ENABLE ROW LEVEL SECURITY;
CREATE POLICY drift_alerts_read ON supabase_ext.drift_alerts FOR SELECT USING (true);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.drift_alerts', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.drift_alerts_id_seq', '');

-- Stores a registration that drift_register validated. Callable only by a
-- role that may execute drift_register and read both tables; the owner is
-- the session's role, never an argument.
CREATE FUNCTION supabase_ext.drift_catalog_put(name text, source regclass, shadow regclass, view_schema text,
                                               key_columns text[], compare_columns text[], options jsonb, plan jsonb)
RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who name := supabase_ext.drift_invoker();
BEGIN
    IF NOT has_function_privilege(who, 'supabase_ext.drift_register(text, regclass, regclass, text[], text[], jsonb)', 'EXECUTE')
       OR NOT has_table_privilege(who, drift_catalog_put.source, 'SELECT')
       OR NOT has_table_privilege(who, drift_catalog_put.shadow, 'SELECT') THEN
        RAISE EXCEPTION 'drift_register: permission denied' USING ERRCODE = '42501';
    END IF;
    INSERT INTO supabase_ext.drift_registrations AS r
        (name, source, shadow, source_name, shadow_name, view_schema, key_columns, compare_columns, options, plan, owner)
    VALUES (drift_catalog_put.name, drift_catalog_put.source, drift_catalog_put.shadow,
            (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.oid = drift_catalog_put.source),
            (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.oid = drift_catalog_put.shadow),
            drift_catalog_put.view_schema,
            drift_catalog_put.key_columns, drift_catalog_put.compare_columns, drift_catalog_put.options,
            drift_catalog_put.plan, who);
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'drift check "%" already exists', drift_catalog_put.name USING ERRCODE = '42710',
        HINT = 'drift_unregister it first, or choose another name';
END $$;

-- Removes a registration (and, unless kept, its logs and alerts). The
-- session's role must be a member of the registration's owner.
CREATE FUNCTION supabase_ext.drift_catalog_drop(name text, keep_history boolean)
RETURNS boolean LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who name := supabase_ext.drift_invoker();
    own name;
BEGIN
    SELECT r.owner INTO own FROM supabase_ext.drift_registrations r WHERE r.name = drift_catalog_drop.name FOR UPDATE;
    IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM pg_roles o WHERE o.rolname = own AND pg_has_role(who, o.oid, 'MEMBER')) THEN
        RAISE EXCEPTION 'drift check "%" does not exist', drift_catalog_drop.name USING ERRCODE = '42704';
    END IF;
    DELETE FROM supabase_ext.drift_registrations r WHERE r.name = drift_catalog_drop.name;
    IF NOT keep_history THEN
        DELETE FROM supabase_ext.drift_alerts a WHERE a.name = drift_catalog_drop.name;
        DELETE FROM supabase_ext.drift_logs l WHERE l.name = drift_catalog_drop.name;
    END IF;
    RETURN true;
END $$;

-- Records one check: the drift_logs row and, when drift was found (or the
-- check failed), the alert, a NOTIFY on channel supabase_ext_drift and a
-- Realtime broadcast. All in the caller's transaction: a rollback takes back
-- the row, the alert and the notifications together (NOTIFY and
-- realtime.send both deliver at commit).
CREATE FUNCTION supabase_ext.drift_record(name text, status text, missing bigint, orphans bigint, changed bigint,
                                          details jsonb, duration interval)
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who name := supabase_ext.drift_invoker();
    log_id bigint;
    msg text;
    payload jsonb;
    topic text;
BEGIN
    IF NOT has_function_privilege(who, 'supabase_ext.drift_check(text)', 'EXECUTE')
       OR NOT EXISTS (SELECT 1 FROM supabase_ext.drift_registrations r JOIN pg_roles o ON o.rolname = r.owner
                       WHERE r.name = drift_record.name AND pg_has_role(who, o.oid, 'MEMBER')) THEN
        RAISE EXCEPTION 'drift check "%" does not exist', drift_record.name USING ERRCODE = '42704';
    END IF;
    INSERT INTO supabase_ext.drift_logs AS l (name, status, missing, orphans, changed, details, duration, checked_by)
    VALUES (drift_record.name, drift_record.status, drift_record.missing, drift_record.orphans, drift_record.changed,
            coalesce(drift_record.details, '{}'), drift_record.duration, who)
    RETURNING l.id INTO log_id;
    IF drift_record.status = 'clean' THEN
        RETURN log_id;
    END IF;
    IF drift_record.status = 'drift_found' THEN
        msg := format('drift check "%s": %s missing, %s orphaned, %s changed',
                      drift_record.name, drift_record.missing, drift_record.orphans, drift_record.changed);
    ELSE
        msg := coalesce(drift_record.details->>'error', format('drift check "%s" failed', drift_record.name));
    END IF;
    INSERT INTO supabase_ext.drift_alerts (name, type, severity, message, details, log_id)
    VALUES (drift_record.name, 'drift', CASE WHEN drift_record.status = 'error' THEN 'error' ELSE 'warning' END,
            msg, coalesce(drift_record.details, '{}'), log_id);
    payload := jsonb_build_object('log_id', log_id, 'name', drift_record.name, 'status', drift_record.status,
                                  'missing', drift_record.missing, 'orphans', drift_record.orphans,
                                  'changed', drift_record.changed);
    PERFORM pg_notify('supabase_ext_drift', payload::text);
    topic := coalesce(supabase_ext.setting('supabase_ext.drift_realtime_topic'), '');
    IF topic <> '' AND to_regprocedure('realtime.send(jsonb,text,text,boolean)') IS NOT NULL THEN
        BEGIN
            EXECUTE 'SELECT realtime.send($1, $2, $3, true)' USING payload, drift_record.status, topic;
        EXCEPTION WHEN OTHERS THEN
            -- The log and the alert stand; a broken Realtime must not hide them.
            RAISE WARNING 'drift check "%": realtime.send failed: %', drift_record.name, SQLERRM;
        END;
    END IF;
    RETURN log_id;
END $$;

CREATE  FUNCTION "drift_register"(
	"name" TEXT, /* & str */
	"source" regclass, /* PgRelation */
	"shadow" regclass, /* PgRelation */
	"key_columns" TEXT[], /* Vec < String > */
	"compare_columns" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < String > > */
	"options" jsonb DEFAULT '{}' /* Option < JsonB > */
) RETURNS jsonb /* JsonB */
VOLATILE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'drift_register_wrapper';

CREATE  FUNCTION "drift_unregister"(
	"name" TEXT, /* & str */
	"keep_history" bool DEFAULT false /* bool */
) RETURNS bool /* bool */
STRICT VOLATILE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'drift_unregister_wrapper';

-- Drift grants. Checks read user tables with the caller's rights, so the
-- functions are safe to grant; they are still an admin's decision:
-- service_role (the dashboard, an Edge Function) gets them, anon and
-- authenticated get nothing. drift_logs and drift_alerts have RLS on and a
-- permissive read policy: GRANT SELECT on them to a role (e.g. an admin
-- dashboard's) and it can read them through PostgREST and Realtime.
REVOKE ALL ON supabase_ext.drift_registrations, supabase_ext.drift_logs, supabase_ext.drift_alerts FROM PUBLIC;
-- Registrations are filtered by RLS to the caller's own (and its roles').
GRANT SELECT ON supabase_ext.drift_registrations TO PUBLIC;
REVOKE ALL ON FUNCTION
    supabase_ext.drift_register(text, regclass, regclass, text[], text[], jsonb),
    supabase_ext.drift_unregister(text, boolean),
    supabase_ext.drift_check(text),
    supabase_ext.drift_check_all()
FROM PUBLIC;
-- The writers authorize the session's role themselves (EXECUTE on the
-- public function it stands behind, and ownership of the registration).
GRANT EXECUTE ON FUNCTION
    supabase_ext.drift_catalog_put(text, regclass, regclass, text, text[], text[], jsonb, jsonb),
    supabase_ext.drift_catalog_drop(text, boolean),
    supabase_ext.drift_record(text, text, bigint, bigint, bigint, jsonb, interval)
TO PUBLIC;

INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('drift', 'service_role', 'SELECT', 'TABLE supabase_ext.drift_logs'),
    ('drift', 'service_role', 'SELECT', 'TABLE supabase_ext.drift_alerts'),
    ('drift', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.drift_register(text, regclass, regclass, text[], text[], jsonb)'),
    ('drift', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.drift_unregister(text, boolean)'),
    ('drift', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.drift_check(text)'),
    ('drift', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.drift_check_all()');

-- Re-apply every domain's grants (new and recreated objects),
-- and start a jobs worker in this database when the update commits.
SELECT supabase_ext.grant_supabase_roles();
SELECT supabase_ext.jobs_wake_launcher();

