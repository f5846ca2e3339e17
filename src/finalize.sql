-- Runs last, when every object exists: the grant model in one place.
--
--   PUBLIC        claims helpers, verification/signing helpers, jwt_*,
--                 status(), rls_audit(), webhook_request() (the PostgREST
--                 door: a valid signature is its authentication)
--   service_role  + endpoint admin (never reading secrets), webhook_receive,
--                 event consumption, counters, maintenance
--   owner/superuser  everything, including reading secrets, policy generation
--
-- Admin functions are revoked from PUBLIC. Supabase's roles may be created
-- after the extension, so the role grants live in a function that can be
-- re-run: SELECT supabase_ext.grant_supabase_roles();
REVOKE ALL ON supabase_ext.webhook_endpoints, supabase_ext.webhook_events,
              supabase_ext.webhook_counters, supabase_ext.webhook_endpoints_public FROM PUBLIC;
REVOKE ALL ON FUNCTION
    supabase_ext.webhook_endpoint_create(text, text, text[], jsonb, interval),
    supabase_ext.webhook_endpoint_rotate_secret(text, text, boolean),
    supabase_ext.webhook_endpoint_drop(text),
    supabase_ext.webhook_endpoint_set_enabled(text, boolean),
    supabase_ext.webhook_endpoint_expose(text, text, text[]),
    supabase_ext.webhook_receive(text, bytea, jsonb),
    supabase_ext.webhook_purge(integer),
    supabase_ext.webhook_counters(),
    supabase_ext.webhook_claim(text, integer),
    supabase_ext.webhook_complete(bigint),
    supabase_ext.webhook_fail(bigint, text, integer),
    supabase_ext.run_maintenance()
FROM PUBLIC;

CREATE FUNCTION supabase_ext.grant_supabase_roles() RETURNS text[]
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    done text[] := '{}';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT, UPDATE, DELETE ON supabase_ext.webhook_events TO service_role;
        GRANT SELECT ON supabase_ext.webhook_endpoints_public, supabase_ext.webhook_counters TO service_role;
        GRANT EXECUTE ON FUNCTION
            supabase_ext.webhook_endpoint_create(text, text, text[], jsonb, interval),
            supabase_ext.webhook_endpoint_rotate_secret(text, text, boolean),
            supabase_ext.webhook_endpoint_drop(text),
            supabase_ext.webhook_endpoint_set_enabled(text, boolean),
            supabase_ext.webhook_receive(text, bytea, jsonb),
            supabase_ext.webhook_purge(integer),
            supabase_ext.webhook_counters(),
            supabase_ext.webhook_claim(text, integer),
            supabase_ext.webhook_complete(bigint),
            supabase_ext.webhook_fail(bigint, text, integer),
            supabase_ext.run_maintenance()
        TO service_role;
        done := done || 'service_role'::text;
    END IF;
    RETURN done;
END $$;
REVOKE ALL ON FUNCTION supabase_ext.grant_supabase_roles() FROM PUBLIC;
SELECT supabase_ext.grant_supabase_roles();
