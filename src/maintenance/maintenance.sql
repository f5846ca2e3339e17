-- One entry point for periodic work, called by the maintenance worker or by
-- pg_cron where workers are off:
--   SELECT cron.schedule('supabase_ext', '* * * * *', 'SELECT supabase_ext.run_maintenance()');
-- Each task traps its own error, so one failing task cannot block the others
-- or crash-loop the worker. Returns the number of rows removed.
CREATE FUNCTION supabase_ext.run_maintenance() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint := 0;
BEGIN
    BEGIN
        n := n + supabase_ext.webhook_purge();
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'supabase_ext maintenance: webhook retention failed: %', SQLERRM;
    END;
    RETURN n;
END $$;

REVOKE ALL ON FUNCTION supabase_ext.run_maintenance() FROM PUBLIC;
INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('maintenance', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.run_maintenance()');
