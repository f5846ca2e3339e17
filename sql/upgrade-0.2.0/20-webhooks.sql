-- Webhooks, 0.1.0 -> 0.2.0 (issue 7). The result must equal a fresh 0.2.0
-- install: same columns in the same order, constraint and index names,
-- function definitions and grants (scripts/upgrade-test.sh compares them).

-- Dedupe on signed content, signed fields, leases (defects 9 and 10).
ALTER TABLE supabase_ext.webhook_events
    ADD COLUMN dedupe_key text,
    ADD COLUMN signed_fields text[],
    ADD COLUMN locked_until timestamptz;
-- Rows stored by 0.1.0 keep their delivery id as the key, so a redelivery of
-- a signed-id event is still a duplicate. Their signed fields follow from the
-- provider (hmac: from the endpoint's options, NULL if it was dropped).
-- Events being processed get a lease from now: their consumer has five
-- minutes, then the event can be claimed again.
UPDATE supabase_ext.webhook_events e
   SET dedupe_key = e.delivery_id,
       signed_fields = CASE
           WHEN e.provider IN ('github', 'shopify') THEN '{body}'::text[]
           WHEN e.provider IN ('stripe', 'standard', 'slack') THEN '{id,event_type,timestamp,body}'::text[]
           ELSE (SELECT array_remove(ARRAY[
                        CASE WHEN coalesce(p.options->>'id_header', '') <> ''
                              AND coalesce(p.options->>'payload', '') LIKE '%{id}%' THEN 'id' END,
                        'event_type',
                        CASE WHEN coalesce(p.options->>'timestamp_header', '') <> '' THEN 'timestamp' END,
                        'body'], NULL)
                   FROM supabase_ext.webhook_endpoints p WHERE p.name = e.endpoint)
       END,
       locked_until = CASE WHEN e.status = 'processing' THEN now() + interval '5 minutes' END;
ALTER TABLE supabase_ext.webhook_events
    ALTER COLUMN dedupe_key SET NOT NULL,
    DROP CONSTRAINT webhook_events_endpoint_delivery_id_key,
    ADD CONSTRAINT webhook_events_endpoint_dedupe_key_key UNIQUE (endpoint, dedupe_key);
COMMENT ON TABLE supabase_ext.webhook_events IS
  'Verified webhook deliveries, one row per (endpoint, dedupe_key).';
CREATE INDEX webhook_events_failed ON supabase_ext.webhook_events (processed_at)
    WHERE status = 'failed';

-- pg_dump keeps endpoints (with their secrets), events and the id counter.
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.webhook_endpoints', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.webhook_events', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.webhook_events_id_seq', '');

-- webhook_sign makes a fresh message id when none is given (defect 11).
ALTER FUNCTION supabase_ext.webhook_sign(text, text, bytea, text, timestamptz, jsonb) VOLATILE;

-- Retention settings read through the library (defect 2).
CREATE FUNCTION supabase_ext.webhook_retention_settings() RETURNS TABLE (
	"completed_days" INT,
	"failed_days" INT
)
STRICT STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'webhook_retention_settings_wrapper';

-- Wrappers pin their search_path (defect 11).
CREATE OR REPLACE FUNCTION supabase_ext.webhook_endpoint_expose(
    name text, schema text DEFAULT 'public', content_types text[] DEFAULT '{application/json}')
RETURNS text[] LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fn text := 'webhook_' || name;
    made text[] := '{}';
    ct text;
    argtype text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM supabase_ext.webhook_endpoints e WHERE e.name = webhook_endpoint_expose.name) THEN
        RAISE EXCEPTION 'webhook endpoint "%" does not exist', name USING ERRCODE = '42704';
    END IF;
    FOREACH ct IN ARRAY content_types LOOP
        argtype := CASE lower(ct)
            WHEN 'application/json' THEN 'json'
            WHEN 'text/plain' THEN 'text'
            WHEN 'application/octet-stream' THEN 'bytea'
        END;
        IF argtype IS NULL THEN
            RAISE EXCEPTION 'unsupported content type "%"', ct USING ERRCODE = '22023',
                HINT = 'application/json, text/plain or application/octet-stream; form-encoded bodies cannot be verified through PostgREST';
        END IF;
        -- The pinned search_path is what rls_audit() asks of every function
        -- in an exposed schema; the body is already bound at creation.
        EXECUTE format(
            'CREATE OR REPLACE FUNCTION %I.%I(%s) RETURNS jsonb LANGUAGE sql VOLATILE '
            'SET search_path = pg_catalog, pg_temp '
            'RETURN supabase_ext.webhook_request($1)', schema, fn, argtype);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.%I(%s) TO PUBLIC', schema, fn, argtype);
        made := made || format('%I.%I(%s)', schema, fn, argtype);
    END LOOP;
    RETURN made;
END $$;

-- Wrappers made by 0.1.0's webhook_endpoint_expose get the same pinned
-- search_path: every function outside the extension whose body calls
-- webhook_request() and sets nothing.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT DISTINCT p.oid::regprocedure
          FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_proc p ON p.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
           AND d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
           AND d.refobjid IN (SELECT r.oid FROM pg_catalog.pg_proc r
                               WHERE r.proname = 'webhook_request'
                                 AND r.pronamespace = 'supabase_ext'::pg_catalog.regnamespace)
           AND p.proconfig IS NULL
           AND p.pronamespace <> 'supabase_ext'::pg_catalog.regnamespace
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
    END LOOP;
END $$;

-- Consumers: leases, attempts and fencing; retention of failed rows in
-- bounded batches (defect 10). New argument lists: drop, create, re-grant.
DROP FUNCTION supabase_ext.webhook_claim(text, integer);
DROP FUNCTION supabase_ext.webhook_complete(bigint);
DROP FUNCTION supabase_ext.webhook_fail(bigint, text, integer);
DROP FUNCTION supabase_ext.webhook_purge(integer);

CREATE FUNCTION supabase_ext.webhook_claim(
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
     WHERE e.id IN (SELECT w.id FROM supabase_ext.webhook_events w
                     WHERE w.status = 'processing' AND w.locked_until < now()
                       AND w.attempts >= max_attempts
                       AND (webhook_claim.endpoint IS NULL OR w.endpoint = webhook_claim.endpoint)
                       FOR UPDATE SKIP LOCKED);
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

CREATE FUNCTION supabase_ext.webhook_complete(event_id bigint, attempt integer DEFAULT NULL)
RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH u AS (UPDATE supabase_ext.webhook_events
                  SET status = 'completed', processed_at = now(), last_error = NULL, locked_until = NULL
                WHERE id = $1 AND status = 'processing' AND ($2 IS NULL OR attempts = $2)
               RETURNING 1)
    SELECT count(*) > 0 FROM u
$$;

CREATE FUNCTION supabase_ext.webhook_fail(
    event_id bigint, error text, max_attempts integer DEFAULT 5, attempt integer DEFAULT NULL)
RETURNS text LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    UPDATE supabase_ext.webhook_events
       SET status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'pending' END,
           last_error = left($2, 2000), processed_at = now(), locked_until = NULL
     WHERE id = $1 AND status = 'processing' AND ($4 IS NULL OR attempts = $4)
    RETURNING status
$$;

CREATE FUNCTION supabase_ext.webhook_purge(
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
    -- One statement per status, so each uses its partial index.
    days := coalesce(older_than_days, cfg.completed_days);
    IF days > 0 THEN
        FOR i IN 1..max_batches LOOP
            DELETE FROM supabase_ext.webhook_events e
             WHERE e.id IN (SELECT w.id FROM supabase_ext.webhook_events w
                             WHERE w.status = 'completed'
                               AND w.processed_at < now() - make_interval(days => days)
                             LIMIT batch FOR UPDATE SKIP LOCKED);
            GET DIAGNOSTICS k = ROW_COUNT;
            n := n + k;
            EXIT WHEN k < batch;
        END LOOP;
    END IF;
    days := coalesce(failed_older_than_days, cfg.failed_days);
    IF days > 0 THEN
        FOR i IN 1..max_batches LOOP
            DELETE FROM supabase_ext.webhook_events e
             WHERE e.id IN (SELECT w.id FROM supabase_ext.webhook_events w
                             WHERE w.status = 'failed'
                               AND w.processed_at < now() - make_interval(days => days)
                             LIMIT batch FOR UPDATE SKIP LOCKED);
            GET DIAGNOSTICS k = ROW_COUNT;
            n := n + k;
            EXIT WHEN k < batch;
        END LOOP;
    END IF;
    RETURN n;
END $$;

REVOKE ALL ON FUNCTION
    supabase_ext.webhook_purge(integer, integer, integer, integer),
    supabase_ext.webhook_claim(text, integer, interval, integer),
    supabase_ext.webhook_complete(bigint, integer),
    supabase_ext.webhook_fail(bigint, text, integer, integer)
FROM PUBLIC;
-- 0.1.0 granted directly; 0.2.0 lists each domain's grants in role_grants
-- (created by 10-common.sql) and 90-finalize.sql applies them.
INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('webhooks', 'service_role', 'SELECT, UPDATE, DELETE', 'TABLE supabase_ext.webhook_events'),
    ('webhooks', 'service_role', 'SELECT', 'TABLE supabase_ext.webhook_endpoints_public'),
    ('webhooks', 'service_role', 'SELECT', 'TABLE supabase_ext.webhook_counters'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_endpoint_create(text, text, text[], jsonb, interval)'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_endpoint_rotate_secret(text, text, boolean)'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_endpoint_drop(text)'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_endpoint_set_enabled(text, boolean)'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_receive(text, bytea, jsonb)'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_purge(integer, integer, integer, integer)'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_counters()'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_claim(text, integer, interval, integer)'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_complete(bigint, integer)'),
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_fail(bigint, text, integer, integer)')
ON CONFLICT DO NOTHING;
