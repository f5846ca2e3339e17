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

-- Re-apply every domain's grants (new and recreated objects),
-- and start a jobs worker in this database when the update commits.
SELECT supabase_ext.grant_supabase_roles();
SELECT supabase_ext.jobs_wake_launcher();

