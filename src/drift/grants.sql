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
