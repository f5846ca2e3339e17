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
        EXECUTE format(
            'CREATE OR REPLACE FUNCTION %I.%I(%s) RETURNS jsonb LANGUAGE sql VOLATILE '
            'RETURN supabase_ext.webhook_request($1)', schema, fn, argtype);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.%I(%s) TO PUBLIC', schema, fn, argtype);
        made := made || format('%I.%I(%s)', schema, fn, argtype);
    END LOOP;
    RETURN made;
END $$;

-- Consumers: claim pending events, then complete or fail them.
CREATE FUNCTION supabase_ext.webhook_claim(endpoint text DEFAULT NULL, batch integer DEFAULT 10)
RETURNS SETOF supabase_ext.webhook_events
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    UPDATE supabase_ext.webhook_events e
       SET status = 'processing', attempts = e.attempts + 1
     WHERE e.id IN (SELECT id FROM supabase_ext.webhook_events
                     WHERE status = 'pending' AND ($1 IS NULL OR webhook_events.endpoint = $1)
                     ORDER BY received_at, id
                     LIMIT greatest($2, 1)
                     FOR UPDATE SKIP LOCKED)
    RETURNING e.*
$$;

CREATE FUNCTION supabase_ext.webhook_complete(event_id bigint) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH u AS (UPDATE supabase_ext.webhook_events SET status = 'completed', processed_at = now(), last_error = NULL
                WHERE id = $1 AND status = 'processing' RETURNING 1)
    SELECT count(*) > 0 FROM u
$$;

-- A failed event goes back to pending until max_attempts, then stays failed.
CREATE FUNCTION supabase_ext.webhook_fail(event_id bigint, error text, max_attempts integer DEFAULT 5)
RETURNS text LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    UPDATE supabase_ext.webhook_events
       SET status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'pending' END,
           last_error = left($2, 2000), processed_at = now()
     WHERE id = $1 AND status = 'processing'
    RETURNING status
$$;

-- Retention: completed events older than the window. NULL uses the GUC.
CREATE FUNCTION supabase_ext.webhook_purge(older_than_days integer DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    days integer := coalesce(older_than_days, current_setting('supabase_ext.webhook_retention_days')::integer);
    n bigint;
BEGIN
    IF days <= 0 THEN
        RETURN 0;
    END IF;
    DELETE FROM supabase_ext.webhook_events
     WHERE status = 'completed' AND processed_at < now() - make_interval(days => days);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
