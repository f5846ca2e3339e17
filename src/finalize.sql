-- Runs last: every object exists, so grants can name them all.
-- Grant model for webhooks: verification helpers are public (they hold no
-- state); anything that stores, reads or changes secrets is admin-only.
REVOKE ALL ON supabase_ext.webhook_endpoints, supabase_ext.webhook_events FROM PUBLIC;
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
    supabase_ext.webhook_fail(bigint, text, integer)
FROM PUBLIC;
REVOKE ALL ON supabase_ext.webhook_counters FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT, UPDATE, DELETE ON supabase_ext.webhook_events TO service_role;
        GRANT SELECT ON supabase_ext.webhook_endpoints_public TO service_role;
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
            supabase_ext.webhook_fail(bigint, text, integer)
        TO service_role;
        GRANT SELECT ON supabase_ext.webhook_counters TO service_role;
    END IF;
END $$;
