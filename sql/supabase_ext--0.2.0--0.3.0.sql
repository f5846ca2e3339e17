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
-- consumer) has its own pick with a constant LIMIT: its cached plan is as
-- good as a fresh one, while a parameter LIMIT made Postgres plan the
-- statement again on every call (about half of a dequeue's time).
CREATE OR REPLACE FUNCTION supabase_ext.dequeue(queue text, n integer DEFAULT 1, lease interval DEFAULT '30 seconds')
RETURNS SETOF supabase_ext.job_queue LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ok_ids bigint[];
    dead_ids bigint[];
    dead_count bigint;
BEGIN
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'dequeue: lease must be positive' USING ERRCODE = '22023';
    END IF;
    IF n = 1 THEN
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

-- Re-apply every domain's grants (new and recreated objects),
-- and start a jobs worker in this database when the update commits.
SELECT supabase_ext.grant_supabase_roles();
SELECT supabase_ext.jobs_wake_launcher();

