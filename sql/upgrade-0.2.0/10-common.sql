-- supabase_ext 0.1.0 -> 0.2.0: common layer, maintenance, embed tokens.

-- Grants per domain, applied by grant_supabase_roles() (at the end).
CREATE TABLE supabase_ext.role_grants (
    domain    text NOT NULL,
    grantee   text NOT NULL,
    privilege text NOT NULL,
    object    text NOT NULL,
    PRIMARY KEY (grantee, object)
);
REVOKE ALL ON supabase_ext.role_grants FROM PUBLIC;

-- supabase_ext.setting(): settings read through the library.
-- src/common/guc.rs:24
-- supabase_ext::common::guc::setting
CREATE  FUNCTION "setting"(
	"name" TEXT /* & str */
) RETURNS TEXT /* Option < String > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'setting_wrapper';

-- Maintenance outcomes, shown by status(); run_maintenance() loops over tasks.
CREATE TABLE supabase_ext.maintenance_tasks (
    task          text PRIMARY KEY,
    runs          bigint NOT NULL DEFAULT 0,
    failures      bigint NOT NULL DEFAULT 0,
    last_run_at   timestamptz,
    last_ok_at    timestamptz,
    last_result   bigint,
    last_error    text,
    last_error_at timestamptz
);
COMMENT ON TABLE supabase_ext.maintenance_tasks IS
  'Outcome of each periodic maintenance task, shown by supabase_ext.status().';
REVOKE ALL ON supabase_ext.maintenance_tasks FROM PUBLIC;

-- SECURITY DEFINER: service_role (granted EXECUTE) and pg_cron jobs of
-- non-owner roles record outcomes in a table only the owner writes.
CREATE OR REPLACE FUNCTION supabase_ext.run_maintenance() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- Each task reads its settings through the library (a fresh pg_cron
    -- connection has not loaded it, and current_setting() would fail).
    tasks constant text[][] := ARRAY[
        ARRAY['webhook_retention', 'SELECT supabase_ext.webhook_purge()'],
        ARRAY['job_runs_retention', 'SELECT supabase_ext.jobs_purge()']];
    i integer;
    n bigint := 0;
    done bigint;
    err text;
BEGIN
    FOR i IN 1 .. array_length(tasks, 1) LOOP
        BEGIN
            EXECUTE tasks[i][2] INTO done;
            n := n + coalesce(done, 0);
            INSERT INTO supabase_ext.maintenance_tasks AS t (task, runs, last_run_at, last_ok_at, last_result)
            VALUES (tasks[i][1], 1, now(), now(), done)
            ON CONFLICT (task) DO UPDATE
               SET runs = t.runs + 1, last_run_at = now(), last_ok_at = now(), last_result = done;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
            RAISE WARNING 'supabase_ext maintenance: % failed: %', tasks[i][1], err;
            INSERT INTO supabase_ext.maintenance_tasks AS t
                   (task, runs, failures, last_run_at, last_error, last_error_at)
            VALUES (tasks[i][1], 1, 1, now(), left(err, 1000), now())
            ON CONFLICT (task) DO UPDATE
               SET runs = t.runs + 1, failures = t.failures + 1, last_run_at = now(),
                   last_error = left(err, 1000), last_error_at = now();
        END;
    END LOOP;
    RETURN n;
END $$;

REVOKE ALL ON FUNCTION supabase_ext.run_maintenance() FROM PUBLIC;
INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('maintenance', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.run_maintenance()');

CREATE OR REPLACE FUNCTION supabase_ext.grant_supabase_roles() RETURNS text[]
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

-- Embed tokens: the key leaves the settings for an owner-only table; only
-- authenticated may call embed_token(). The 0.1.0 settings
-- supabase_ext.embed_token_secret/_ttl no longer exist.
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.embed_token_audit', '');

-- The embed-token signing key and bounds: one row, owner-only. Not a setting:
-- settings are readable by pg_read_all_settings members (pg_monitor), and
-- per-role or per-database values sit in pg_db_role_setting, readable by PUBLIC.
CREATE TABLE supabase_ext.embed_token_config (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- A literal key, or 'vault:<name>' resolved through supabase_vault.
    secret            text NOT NULL,
    max_ttl           interval NOT NULL DEFAULT '5 minutes'
                      CHECK (max_ttl >= interval '1 second' AND max_ttl <= interval '1 day'),
    -- NULL: any resource names (still bounded in number and length).
    allowed_resources text[],
    updated_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE supabase_ext.embed_token_config IS
  'Signing key and bounds for supabase_ext.embed_token(). Readable by its owner only.';
REVOKE ALL ON supabase_ext.embed_token_config FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.embed_token_config', '');

-- Owner-only (revoked from PUBLIC; not SECURITY DEFINER). Five minutes is
-- long enough to load a dashboard, short enough that a leaked URL is soon useless.
CREATE FUNCTION supabase_ext.embed_token_configure(
    secret text, max_ttl interval DEFAULT '5 minutes', allowed_resources text[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT has_table_privilege('supabase_ext.embed_token_config', 'INSERT, UPDATE') THEN
        RAISE EXCEPTION 'embed_token_configure: must be run as the owner of supabase_ext'
            USING ERRCODE = '42501',
                  HINT = 'Connect as the role that created the extension (supabase_admin on Supabase images).';
    END IF;
    IF secret IS NULL OR (secret NOT LIKE 'vault:_%' AND octet_length(secret) < 32) THEN
        RAISE EXCEPTION 'embed token secret must be at least 32 bytes, or a vault:<name> reference'
            USING ERRCODE = '22023', HINT = 'e.g. encode(gen_random_bytes(32), ''hex'') with pgcrypto, or a supabase_vault secret';
    END IF;
    IF max_ttl IS NULL OR max_ttl < interval '1 second' OR max_ttl > interval '1 day' THEN
        RAISE EXCEPTION 'embed token max_ttl must be between 1 second and 1 day' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(allowed_resources) r WHERE r IS NULL OR r = '') THEN
        RAISE EXCEPTION 'allowed_resources must not contain NULL or empty names' USING ERRCODE = '22023';
    END IF;
    INSERT INTO supabase_ext.embed_token_config AS c (singleton, secret, max_ttl, allowed_resources)
    VALUES (true, secret, max_ttl, allowed_resources)
    ON CONFLICT (singleton) DO UPDATE
       SET secret = EXCLUDED.secret, max_ttl = EXCLUDED.max_ttl,
           allowed_resources = EXCLUDED.allowed_resources, updated_at = now();
END $$;
REVOKE ALL ON FUNCTION supabase_ext.embed_token_configure(text, interval, text[]) FROM PUBLIC;

-- embed_token() trusts request.jwt.claims, so only authenticated (reached
-- through PostgREST, which verified the JWT) may call it; never anon.
REVOKE ALL ON FUNCTION supabase_ext.embed_token(jsonb, interval) FROM PUBLIC;
INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('tenancy', 'authenticated', 'EXECUTE', 'FUNCTION supabase_ext.embed_token(jsonb, interval)');
