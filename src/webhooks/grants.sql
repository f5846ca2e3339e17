-- Webhooks grants. PUBLIC (so anon, through PostgREST) keeps the stateless
-- verify/sign helpers and webhook_request(): a valid signature is its
-- authentication. service_role manages endpoints (never reading secrets back)
-- and consumes events. Reading secrets stays with the owner.
REVOKE ALL ON supabase_ext.webhook_endpoints, supabase_ext.webhook_events,
              supabase_ext.webhook_counters, supabase_ext.webhook_endpoints_public FROM PUBLIC;
REVOKE ALL ON FUNCTION
    supabase_ext.webhook_endpoint_create(text, text, text[], jsonb, interval),
    supabase_ext.webhook_endpoint_rotate_secret(text, text, boolean),
    supabase_ext.webhook_endpoint_drop(text),
    supabase_ext.webhook_endpoint_set_enabled(text, boolean),
    supabase_ext.webhook_endpoint_expose(text, text, text[]),
    supabase_ext.webhook_receive(text, bytea, jsonb),
    supabase_ext.webhook_purge(integer, integer, integer, integer),
    supabase_ext.webhook_counters(),
    supabase_ext.webhook_claim(text, integer, interval, integer),
    supabase_ext.webhook_complete(bigint, integer),
    supabase_ext.webhook_fail(bigint, text, integer, integer)
FROM PUBLIC;

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
    ('webhooks', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.webhook_fail(bigint, text, integer, integer)');
