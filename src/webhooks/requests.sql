-- PostgREST raw-body overloads: PostgREST passes the request body to a
-- function with one unnamed parameter, choosing by Content-Type
-- (application/json -> json, text/plain -> text, application/octet-stream -> bytea).
-- json::text is the body exactly as sent; convert_to gives back its bytes.
CREATE FUNCTION supabase_ext.webhook_request(json) RETURNS jsonb
LANGUAGE sql VOLATILE STRICT
RETURN supabase_ext.webhook_request(convert_to($1::text, 'UTF8'));

CREATE FUNCTION supabase_ext.webhook_request(text) RETURNS jsonb
LANGUAGE sql VOLATILE STRICT
RETURN supabase_ext.webhook_request(convert_to($1, 'UTF8'));

-- Endpoint administration. SECURITY DEFINER so service_role can manage
-- endpoints without table privileges (it never gets SELECT on secrets);
-- revoked from PUBLIC in grants.sql.
CREATE FUNCTION supabase_ext.webhook_endpoint_create(
    name text, provider text, secrets text[], options jsonb DEFAULT '{}',
    tolerance interval DEFAULT '5 minutes')
RETURNS text LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- Validates provider, options and literal secrets; raises 22023 on error.
    PERFORM supabase_ext.webhook_config_check(provider, secrets, options);
    IF tolerance < interval '0' THEN
        RAISE EXCEPTION 'tolerance must not be negative' USING ERRCODE = '22023';
    END IF;
    INSERT INTO supabase_ext.webhook_endpoints (name, provider, secrets, options, tolerance)
    VALUES (name, lower(provider), secrets, coalesce(options, '{}'), tolerance);
    RETURN name;
EXCEPTION
    WHEN unique_violation THEN
        RAISE EXCEPTION 'webhook endpoint "%" already exists', name USING ERRCODE = '42710';
    WHEN check_violation THEN
        RAISE EXCEPTION 'invalid webhook endpoint "%"', name USING ERRCODE = '22023',
            HINT = 'names are 1-48 characters of a-z, 0-9 and _; 1 to 8 secrets';
END $$;

-- Puts new_secret first; keeps up to 7 previous secrets so deliveries signed
-- with the old one still verify during the provider's rollover.
CREATE FUNCTION supabase_ext.webhook_endpoint_rotate_secret(
    name text, new_secret text, keep_previous boolean DEFAULT true)
RETURNS integer LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ep supabase_ext.webhook_endpoints;
    n integer;
BEGIN
    SELECT * INTO ep FROM supabase_ext.webhook_endpoints e WHERE e.name = webhook_endpoint_rotate_secret.name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'webhook endpoint "%" does not exist', name USING ERRCODE = '42704';
    END IF;
    PERFORM supabase_ext.webhook_config_check(ep.provider, ARRAY[new_secret], ep.options);
    UPDATE supabase_ext.webhook_endpoints e
       SET secrets = CASE WHEN keep_previous THEN ARRAY[new_secret] || ep.secrets[1:7] ELSE ARRAY[new_secret] END,
           updated_at = now()
     WHERE e.name = webhook_endpoint_rotate_secret.name
    RETURNING cardinality(secrets) INTO n;
    RETURN n;
END $$;

CREATE FUNCTION supabase_ext.webhook_endpoint_drop(name text) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH d AS (DELETE FROM supabase_ext.webhook_endpoints e WHERE e.name = $1 RETURNING 1)
    SELECT count(*) > 0 FROM d
$$;

CREATE FUNCTION supabase_ext.webhook_endpoint_set_enabled(name text, enabled boolean) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH u AS (UPDATE supabase_ext.webhook_endpoints e SET enabled = $2, updated_at = now()
                WHERE e.name = $1 RETURNING 1)
    SELECT count(*) > 0 FROM u
$$;

-- Creates <schema>.webhook_<name>(json|text|bytea) wrappers that PostgREST
-- exposes as POST /rpc/webhook_<name>. The endpoint comes from the path.
-- Identifiers go through format('%I'), never concatenation.
CREATE FUNCTION supabase_ext.webhook_endpoint_expose(
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

-- Consumers: claim events under a lease, then complete or fail them.
--
-- A claim takes pending events, and processing events whose lease expired
-- (their consumer is presumed dead), in arrival order. Each claim counts an
-- attempt and returns it in `attempts`; an expired event that already used
-- max_attempts becomes failed instead of being taken again. The MATERIALIZED
-- CTE runs its LIMIT once, so a batch never exceeds `batch` rows (an IN
-- subquery may be re-evaluated); SKIP LOCKED lets consumers run side by side.
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

-- Fencing: pass the `attempts` your claim returned. A consumer whose lease
-- expired and whose event was claimed again holds an older attempt number,
-- so its late complete or fail changes nothing (false / NULL). Without
-- `attempt`, any processing event is accepted, as in 0.1.0.
CREATE FUNCTION supabase_ext.webhook_complete(event_id bigint, attempt integer DEFAULT NULL)
RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH u AS (UPDATE supabase_ext.webhook_events
                  SET status = 'completed', processed_at = now(), last_error = NULL, locked_until = NULL
                WHERE id = $1 AND status = 'processing' AND ($2 IS NULL OR attempts = $2)
               RETURNING 1)
    SELECT count(*) > 0 FROM u
$$;

-- A failed event goes back to pending until max_attempts, then stays failed.
-- Returns the new status, or NULL when the event is not this attempt's.
CREATE FUNCTION supabase_ext.webhook_fail(
    event_id bigint, error text, max_attempts integer DEFAULT 5, attempt integer DEFAULT NULL)
RETURNS text LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    UPDATE supabase_ext.webhook_events
       SET status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'pending' END,
           last_error = left($2, 2000), processed_at = now(), locked_until = NULL
     WHERE id = $1 AND status = 'processing' AND ($4 IS NULL OR attempts = $4)
    RETURNING status
$$;

-- Retention: completed events older than older_than_days, failed events
-- older than failed_older_than_days (NULL: the settings, 0: keep). Deletes
-- at most `batch` rows per statement and `max_batches` statements per status
-- per call, so one run never holds a huge delete; the next run continues.
-- The settings are read through the library (webhook_retention_settings()
-- loads it), never with current_setting(): in a fresh pg_cron connection
-- the library is not loaded yet and the settings do not exist.
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
