-- Runs last, when every object exists. Each domain revokes its admin
-- functions from PUBLIC and lists what Supabase's roles get in
-- supabase_ext.role_grants (its grants.sql); this applies them. Supabase's
-- roles may be created after the extension, so applying lives in a function
-- that can be re-run: SELECT supabase_ext.grant_supabase_roles();
CREATE FUNCTION supabase_ext.grant_supabase_roles() RETURNS text[]
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g record;
    done text[] := '{}';
BEGIN
    IF NOT pg_has_role(current_user, (SELECT e.extowner FROM pg_extension e WHERE e.extname = 'supabase_ext'), 'USAGE') THEN
        RAISE EXCEPTION 'grant_supabase_roles: must be run as the owner of supabase_ext'
            USING ERRCODE = '42501',
                  HINT = 'Connect as the role that created the extension (supabase_admin on Supabase images).';
    END IF;
    FOR g IN SELECT r.grantee, r.privilege, r.object
               FROM supabase_ext.role_grants r
              WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.grantee)
              ORDER BY r.domain, r.grantee, r.object
    LOOP
        -- object and privilege come from the extension's own scripts (the
        -- table is not writable by anyone else); the role is quoted.
        EXECUTE format('GRANT %s ON %s TO %I', g.privilege, g.object, g.grantee);
        IF NOT g.grantee = ANY (done) THEN
            done := done || g.grantee::text;
        END IF;
    END LOOP;
    RETURN done;
END $$;
REVOKE ALL ON FUNCTION supabase_ext.grant_supabase_roles() FROM PUBLIC;
SELECT supabase_ext.grant_supabase_roles();
-- With preload, start a jobs worker in this database once CREATE EXTENSION commits.
SELECT supabase_ext.jobs_wake_launcher();
