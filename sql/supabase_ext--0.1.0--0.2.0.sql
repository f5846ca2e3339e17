-- supabase_ext 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION supabase_ext UPDATE TO '0.2.0'" to load this file. \quit

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

-- supabase_ext 0.1.0 -> 0.2.0: tenancy. Row-aware role gates, the
-- disable_tenant_rls marker, new rls_audit lints.
-- src/tenancy/mod.rs:372
-- supabase_ext::tenancy::has_role
CREATE  FUNCTION "has_role"(
	"role" TEXT, /* & str */
	"tenant" uuid /* Uuid */
) RETURNS bool /* bool */
STRICT STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'has_role_in_wrapper';
-- src/tenancy/mod.rs:318
-- supabase_ext::tenancy::tenant_ids_with_role
CREATE  FUNCTION "tenant_ids_with_role"(
	"roles" TEXT[] /* Vec < Option < String > > */
) RETURNS uuid[] /* Vec < Uuid > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'tenant_ids_with_role_wrapper';

-- src/tenancy/mod.rs:377
-- requires:
--   bootstrap
--   tenant_id
--   tenant_ids
--   has_role
--   tenant_ids_with_role
--   has_role_in
--   setting

-- Tenant RLS policy generator.
--
--   SELECT supabase_ext.enable_tenant_rls('public.projects');
--   SELECT supabase_ext.enable_tenant_rls('public.projects', 'org_id',
--       '{"multi": true, "write_roles": ["admin", "engineer"], "delete_roles": ["admin"]}');
--   SELECT supabase_ext.disable_tenant_rls('public.projects');
--
-- Policies use the initPlan-friendly form `col = (SELECT supabase_ext.tenant_id())`
-- so the claim is read once per statement, not once per row. Both functions
-- are idempotent and return the list of actions they took. They run with the
-- caller's rights (not SECURITY DEFINER): the caller must own the table.

CREATE OR REPLACE FUNCTION supabase_ext.enable_tenant_rls(
    tbl regclass,
    tenant_column name DEFAULT 'tenant_id',
    options jsonb DEFAULT '{}'
) RETURNS text[]
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    known_keys constant text[] := ARRAY['force', 'multi', 'roles', 'read_roles', 'write_roles', 'delete_roles'];
    opts jsonb := coalesce(options, '{}'::jsonb);
    col name := tenant_column;
    rel record;
    att record;
    k text;
    v jsonb;
    bad text[];
    arr text[];
    opt_force boolean := false;
    opt_multi boolean := false;
    pol_roles text[] := ARRAY['authenticated'];
    read_roles text[];
    write_roles text[];
    delete_roles text[];
    roles_sql text;
    qualname text;
    base_expr text;
    sel_expr text;
    write_expr text;
    del_expr text;
    -- One entry per policy: name, command, USING, WITH CHECK, TO.
    p_names text[];
    p_cmds text[];
    p_using text[];
    p_check text[];
    p_to text[];
    i integer;
    existing record;
    cmd_char "char";
    ddl text;
    state_before jsonb;
    state_after jsonb;
    srv record;
    marker text;
    old_marker text;
    defeating text;
    actions text[] := ARRAY[]::text[];
BEGIN
    IF tbl IS NULL OR col IS NULL THEN
        RAISE EXCEPTION 'enable_tenant_rls: table and tenant column must not be NULL'
            USING ERRCODE = '22004';
    END IF;

    SELECT c.oid, c.relname, c.relkind, c.relowner, c.relrowsecurity, c.relforcerowsecurity,
           n.nspname
      INTO rel
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = tbl;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'enable_tenant_rls: % is not a table', tbl
            USING ERRCODE = '42809',
                  HINT = 'Row level security applies to ordinary and partitioned tables; for a view, enable it on the underlying table and create the view WITH (security_invoker = true).';
    END IF;
    IF NOT pg_catalog.pg_has_role(current_user, rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'enable_tenant_rls: must be owner of table %', tbl
            USING ERRCODE = '42501',
                  HINT = 'Run it as the table owner (for example in a migration).';
    END IF;
    qualname := pg_catalog.format('%I.%I', rel.nspname, rel.relname);

    -- Tenant column: must exist and be uuid (or a domain over uuid).
    SELECT a.attnum, a.atttypid, t.typtype, t.typbasetype
      INTO att
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'enable_tenant_rls: column "%" does not exist in table %', col, tbl
            USING ERRCODE = '42703',
                  HINT = pg_catalog.format('Add it (ALTER TABLE %s ADD COLUMN %I uuid NOT NULL) or pass the tenant column name as the second argument.', qualname, col);
    END IF;
    IF att.atttypid <> 'pg_catalog.uuid'::pg_catalog.regtype
       AND NOT (att.typtype = 'd' AND att.typbasetype = 'pg_catalog.uuid'::pg_catalog.regtype) THEN
        RAISE EXCEPTION 'enable_tenant_rls: column "%" of table % is of type %, not uuid',
                col, tbl, pg_catalog.format_type(att.atttypid, NULL)
            USING ERRCODE = '42804',
                  HINT = pg_catalog.format('Tenant ids are uuids; convert the column: ALTER TABLE %s ALTER COLUMN %I TYPE uuid USING %I::uuid;', qualname, col, col);
    END IF;

    -- Options.
    IF pg_catalog.jsonb_typeof(opts) <> 'object' THEN
        RAISE EXCEPTION 'enable_tenant_rls: options must be a JSON object, got %', pg_catalog.jsonb_typeof(opts)
            USING ERRCODE = '22023',
                  HINT = 'Example: ''{"force": true, "multi": false, "roles": ["authenticated"]}''';
    END IF;
    SELECT pg_catalog.array_agg(key ORDER BY key) INTO bad
      FROM pg_catalog.jsonb_object_keys(opts) AS key
     WHERE key <> ALL (known_keys);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'enable_tenant_rls: unknown option(s): %', pg_catalog.array_to_string(bad, ', ')
            USING ERRCODE = '22023',
                  HINT = 'Known options: ' || pg_catalog.array_to_string(known_keys, ', ');
    END IF;
    FOREACH k IN ARRAY ARRAY['force', 'multi'] LOOP
        v := opts -> k;
        CONTINUE WHEN v IS NULL OR pg_catalog.jsonb_typeof(v) = 'null';
        IF pg_catalog.jsonb_typeof(v) <> 'boolean' THEN
            RAISE EXCEPTION 'enable_tenant_rls: option "%" must be a boolean, got %', k, v
                USING ERRCODE = '22023', HINT = pg_catalog.format('Use {"%s": true} or {"%s": false}.', k, k);
        END IF;
        IF k = 'force' THEN opt_force := v::text::boolean; ELSE opt_multi := v::text::boolean; END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['roles', 'read_roles', 'write_roles', 'delete_roles'] LOOP
        v := opts -> k;
        CONTINUE WHEN v IS NULL OR pg_catalog.jsonb_typeof(v) = 'null';
        IF pg_catalog.jsonb_typeof(v) <> 'array' OR pg_catalog.jsonb_array_length(v) = 0
           OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(v) AS e
                       WHERE pg_catalog.jsonb_typeof(e) <> 'string' OR e #>> '{}' = '') THEN
            RAISE EXCEPTION 'enable_tenant_rls: option "%" must be a non-empty array of role names, got %', k, v
                USING ERRCODE = '22023',
                      HINT = pg_catalog.format('Example: {"%s": ["admin", "engineer"]}; omit the key for the default.', k);
        END IF;
        -- Deduplicated, first occurrence order kept.
        SELECT pg_catalog.array_agg(r ORDER BY pos) INTO arr
          FROM (SELECT e.r, pg_catalog.min(e.pos) AS pos
                  FROM pg_catalog.jsonb_array_elements_text(v) WITH ORDINALITY AS e(r, pos)
                 GROUP BY e.r) AS d;
        CASE k
            WHEN 'roles' THEN pol_roles := arr;
            WHEN 'read_roles' THEN read_roles := arr;
            WHEN 'write_roles' THEN write_roles := arr;
            ELSE delete_roles := arr;
        END CASE;
    END LOOP;
    -- Deleting is writing: without delete_roles, DELETE is gated like the other writes.
    delete_roles := coalesce(delete_roles, write_roles);

    -- Role gates need a source that can say in which tenant a role holds.
    -- Refuse the combinations that can't be made safe rather than generate
    -- gates that either never pass or pass in the wrong tenant.
    IF coalesce(read_roles, write_roles, delete_roles) IS NOT NULL THEN
        IF pg_catalog.btrim(coalesce(supabase_ext.setting('supabase_ext.tenant_roles_claim_paths'), '')) = ''
           AND pg_catalog.btrim(coalesce(supabase_ext.setting('supabase_ext.membership_table'), '')) = ''
           AND opt_multi THEN
            RAISE EXCEPTION 'enable_tenant_rls: role gates on a multi-tenant table need per-tenant roles'
                USING ERRCODE = '22023',
                      HINT = 'Set supabase_ext.tenant_roles_claim_paths (claims like {"app_metadata": {"tenant_roles": {"<tenant>": ["admin"]}}}) or supabase_ext.membership_table; global role claims can''t say in which tenant a role holds.';
        END IF;
        IF pg_catalog.btrim(coalesce(supabase_ext.setting('supabase_ext.membership_table'), '')) <> ''
           AND NOT EXISTS (
               SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = pg_catalog.to_regclass(NULLIF(pg_catalog.btrim(supabase_ext.setting('supabase_ext.membership_table')), ''))
                  AND a.attname = supabase_ext.setting('supabase_ext.membership_role_column')
                  AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'enable_tenant_rls: supabase_ext.membership_table has no column "%" for role gates',
                    supabase_ext.setting('supabase_ext.membership_role_column')
                USING ERRCODE = '42703', HINT = 'Set supabase_ext.membership_role_column, or drop the role options.';
        END IF;
    END IF;

    -- Policy roles (database roles): must exist; "public" means every role.
    SELECT pg_catalog.array_agg(r) INTO bad
      FROM pg_catalog.unnest(pol_roles) AS r
     WHERE pg_catalog.lower(r) <> 'public'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'enable_tenant_rls: role(s) % do not exist', pg_catalog.array_to_string(bad, ', ')
            USING ERRCODE = '42704',
                  HINT = 'Option "roles" lists database roles the policies apply to (default ["authenticated"]); application roles checked with has_role() go in read_roles/write_roles/delete_roles.';
    END IF;
    SELECT pg_catalog.string_agg(CASE WHEN pg_catalog.lower(r) = 'public' THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r) END, ', ' ORDER BY o)
      INTO roles_sql
      FROM pg_catalog.unnest(pol_roles) WITH ORDINALITY AS u(r, o);

    -- Expressions.
    IF opt_multi THEN
        -- The cast keeps the parser from reading ANY ((SELECT ...)) as ANY (subquery).
        base_expr := pg_catalog.format('%I = ANY ((SELECT supabase_ext.tenant_ids())::uuid[])', col);
    ELSE
        base_expr := pg_catalog.format('%I = (SELECT supabase_ext.tenant_id())', col);
    END IF;
    sel_expr := base_expr;
    write_expr := base_expr;
    del_expr := base_expr;
    -- Role gates are row-aware: the caller must hold the role in the ROW's
    -- tenant (0.1.0 checked the caller's current tenant or global roles,
    -- which let an admin of one org write another org's rows). One initPlan
    -- per gate: the array of tenants in which the caller holds a role.
    IF read_roles IS NOT NULL THEN
        sel_expr := pg_catalog.format('(%s) AND (%I = ANY ((SELECT supabase_ext.tenant_ids_with_role(%L))::uuid[]))',
            base_expr, col, read_roles::text);
    END IF;
    IF write_roles IS NOT NULL THEN
        write_expr := pg_catalog.format('(%s) AND (%I = ANY ((SELECT supabase_ext.tenant_ids_with_role(%L))::uuid[]))',
            base_expr, col, write_roles::text);
    END IF;
    IF delete_roles IS NOT NULL THEN
        del_expr := pg_catalog.format('(%s) AND (%I = ANY ((SELECT supabase_ext.tenant_ids_with_role(%L))::uuid[]))',
            base_expr, col, delete_roles::text);
    END IF;

    p_names := ARRAY['supabase_ext_tenant_select', 'supabase_ext_tenant_insert',
                     'supabase_ext_tenant_update', 'supabase_ext_tenant_delete'];
    p_cmds  := ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
    p_using := ARRAY[sel_expr, NULL, write_expr, del_expr];
    p_check := ARRAY[NULL, write_expr, write_expr, NULL];
    p_to    := ARRAY[roles_sql, roles_sql, roles_sql, roles_sql];

    -- service_role must keep seeing everything; without BYPASSRLS it needs a policy.
    SELECT r.oid, r.rolbypassrls INTO srv FROM pg_catalog.pg_roles r WHERE r.rolname = 'service_role';
    IF FOUND AND NOT srv.rolbypassrls THEN
        p_names := p_names || 'supabase_ext_tenant_service_role'::text;
        p_cmds  := p_cmds || 'ALL'::text;
        p_using := p_using || 'true'::text;
        p_check := p_check || 'true'::text;
        p_to    := p_to || 'service_role'::text;
    END IF;

    -- What RLS looked like before the first enable_tenant_rls, kept in the
    -- select policy's comment (comments survive pg_dump and renames), so
    -- disable_tenant_rls restores exactly that and never disables what it
    -- didn't enable. A re-run keeps the first marker.
    SELECT pg_catalog.obj_description(p.oid, 'pg_policy') INTO old_marker
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid = tbl AND p.polname = 'supabase_ext_tenant_select';
    marker := old_marker;
    IF marker IS NULL OR marker !~ '^supabase_ext: before enable_tenant_rls: rls=(on|off) force=(on|off)$' THEN
        marker := pg_catalog.format('supabase_ext: before enable_tenant_rls: rls=%s force=%s',
            CASE WHEN rel.relrowsecurity THEN 'on' ELSE 'off' END,
            CASE WHEN rel.relforcerowsecurity THEN 'on' ELSE 'off' END);
    END IF;

    -- Permissive policies are ORed: another permissive policy that lets the
    -- same roles see or change rows defeats the tenant policies.
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p.polname), ', ' ORDER BY p.polname) INTO defeating
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid = tbl AND p.polpermissive AND p.polname NOT LIKE 'supabase\_ext\_tenant\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                        WHERE r.oid = ANY (p.polroles) AND r.rolname = 'service_role' AND pg_catalog.cardinality(p.polroles) = 1);
    IF defeating IS NOT NULL THEN
        RAISE WARNING 'enable_tenant_rls: % has other permissive policies (%) that are ORed with the tenant policies', tbl, defeating
            USING HINT = 'A row visible through any permissive policy is visible: make them AS RESTRICTIVE, or drop them; see rls_audit() lint permissive_policy_defeats_tenant_policy.';
        actions := actions || pg_catalog.format('warned: other permissive policies %s', defeating);
    END IF;

    -- Row level security.
    IF rel.relrowsecurity THEN
        actions := actions || 'row level security already enabled'::text;
    ELSE
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', qualname);
        actions := actions || 'enabled row level security'::text;
    END IF;
    IF opt_force THEN
        IF rel.relforcerowsecurity THEN
            actions := actions || 'row level security already forced'::text;
        ELSE
            EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', qualname);
            actions := actions || 'forced row level security'::text;
        END IF;
    END IF;

    -- Policies.
    FOR i IN 1 .. pg_catalog.array_length(p_names, 1) LOOP
        cmd_char := CASE p_cmds[i] WHEN 'SELECT' THEN 'r' WHEN 'INSERT' THEN 'a'
                                   WHEN 'UPDATE' THEN 'w' WHEN 'DELETE' THEN 'd' ELSE '*' END;
        SELECT p.oid, p.polcmd, p.polpermissive INTO existing
          FROM pg_catalog.pg_policy p
         WHERE p.polrelid = tbl AND p.polname = p_names[i];

        IF FOUND AND (existing.polcmd <> cmd_char OR NOT existing.polpermissive) THEN
            -- ALTER POLICY cannot change the command or permissiveness.
            EXECUTE pg_catalog.format('DROP POLICY %I ON %s', p_names[i], qualname);
            ddl := pg_catalog.format('CREATE POLICY %I ON %s AS PERMISSIVE FOR %s TO %s%s%s',
                p_names[i], qualname, p_cmds[i], p_to[i],
                CASE WHEN p_using[i] IS NOT NULL THEN pg_catalog.format(' USING (%s)', p_using[i]) ELSE '' END,
                CASE WHEN p_check[i] IS NOT NULL THEN pg_catalog.format(' WITH CHECK (%s)', p_check[i]) ELSE '' END);
            EXECUTE ddl;
            actions := actions || pg_catalog.format('recreated policy %s (its command or permissiveness differed)', p_names[i]);
        ELSIF FOUND THEN
            -- Apply the definition, compare the catalog before and after, and
            -- roll the subtransaction back when nothing changed so that an
            -- identical rerun leaves the catalog (and its locks) untouched.
            BEGIN
                SELECT pg_catalog.jsonb_build_array(
                           (SELECT pg_catalog.array_agg(r ORDER BY r) FROM pg_catalog.unnest(p.polroles) AS r),
                           pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                           pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))
                  INTO state_before
                  FROM pg_catalog.pg_policy p WHERE p.oid = existing.oid;
                ddl := pg_catalog.format('ALTER POLICY %I ON %s TO %s%s%s',
                    p_names[i], qualname, p_to[i],
                    CASE WHEN p_using[i] IS NOT NULL THEN pg_catalog.format(' USING (%s)', p_using[i]) ELSE '' END,
                    CASE WHEN p_check[i] IS NOT NULL THEN pg_catalog.format(' WITH CHECK (%s)', p_check[i]) ELSE '' END);
                EXECUTE ddl;
                SELECT pg_catalog.jsonb_build_array(
                           (SELECT pg_catalog.array_agg(r ORDER BY r) FROM pg_catalog.unnest(p.polroles) AS r),
                           pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                           pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))
                  INTO state_after
                  FROM pg_catalog.pg_policy p WHERE p.oid = existing.oid;
                IF state_before IS NOT DISTINCT FROM state_after THEN
                    RAISE EXCEPTION 'unchanged' USING ERRCODE = 'SXU01';
                END IF;
                actions := actions || pg_catalog.format('altered policy %s', p_names[i]);
            EXCEPTION WHEN SQLSTATE 'SXU01' THEN
                actions := actions || pg_catalog.format('unchanged policy %s', p_names[i]);
            END;
        ELSE
            ddl := pg_catalog.format('CREATE POLICY %I ON %s AS PERMISSIVE FOR %s TO %s%s%s',
                p_names[i], qualname, p_cmds[i], p_to[i],
                CASE WHEN p_using[i] IS NOT NULL THEN pg_catalog.format(' USING (%s)', p_using[i]) ELSE '' END,
                CASE WHEN p_check[i] IS NOT NULL THEN pg_catalog.format(' WITH CHECK (%s)', p_check[i]) ELSE '' END);
            EXECUTE ddl;
            actions := actions || pg_catalog.format('created policy %s', p_names[i]);
        END IF;
    END LOOP;

    -- Only when it changes: an identical rerun leaves the catalog untouched.
    IF marker IS DISTINCT FROM old_marker OR NOT EXISTS (
           SELECT 1 FROM pg_catalog.pg_policy p
            WHERE p.polrelid = tbl AND p.polname = 'supabase_ext_tenant_select'
              AND pg_catalog.obj_description(p.oid, 'pg_policy') IS NOT DISTINCT FROM marker) THEN
        EXECUTE pg_catalog.format('COMMENT ON POLICY supabase_ext_tenant_select ON %s IS %L', qualname, marker);
    END IF;

    -- Every query filters on the tenant column: it should lead an index.
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                    WHERE x.indrelid = tbl AND x.indkey[0] = att.attnum) THEN
        RAISE WARNING 'enable_tenant_rls: no index on % has "%" as its first column', tbl, col
            USING HINT = pg_catalog.format('CREATE INDEX ON %s (%I);', qualname, col);
    END IF;
    IF rel.relkind = 'p' THEN
        RAISE NOTICE 'enable_tenant_rls: policies on partitioned table % do not apply to queries that name a partition directly', tbl
            USING HINT = 'Enable RLS on the partitions too, or do not grant access to them.';
    END IF;

    RETURN actions;
END $$;

COMMENT ON FUNCTION supabase_ext.enable_tenant_rls(regclass, name, jsonb) IS
'Enable RLS on a table and create (or update) the supabase_ext_tenant_{select,insert,update,delete} policies scoping rows to supabase_ext.tenant_id() (or tenant_ids() with {"multi": true}). Options: force, multi, roles, read_roles, write_roles, delete_roles. Idempotent; returns the actions taken.';

CREATE OR REPLACE FUNCTION supabase_ext.disable_tenant_rls(tbl regclass) RETURNS text[]
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rel record;
    pol record;
    qualname text;
    remaining bigint;
    marker text;
    actions text[] := ARRAY[]::text[];
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'disable_tenant_rls: table must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT c.relname, c.relkind, c.relowner, c.relrowsecurity, c.relforcerowsecurity, n.nspname
      INTO rel
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = tbl;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'disable_tenant_rls: % is not a table', tbl
            USING ERRCODE = '42809', HINT = 'Pass the table given to enable_tenant_rls().';
    END IF;
    IF NOT pg_catalog.pg_has_role(current_user, rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'disable_tenant_rls: must be owner of table %', tbl
            USING ERRCODE = '42501', HINT = 'Run it as the table owner (for example in a migration).';
    END IF;
    qualname := pg_catalog.format('%I.%I', rel.nspname, rel.relname);
    SELECT pg_catalog.obj_description(p.oid, 'pg_policy') INTO marker
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid = tbl AND p.polname = 'supabase_ext_tenant_select';

    FOR pol IN
        SELECT p.polname FROM pg_catalog.pg_policy p
         WHERE p.polrelid = tbl AND p.polname LIKE 'supabase\_ext\_tenant\_%'
         ORDER BY p.polname
    LOOP
        EXECUTE pg_catalog.format('DROP POLICY %I ON %s', pol.polname, qualname);
        actions := actions || pg_catalog.format('dropped policy %s', pol.polname);
    END LOOP;

    SELECT pg_catalog.count(*) INTO remaining FROM pg_catalog.pg_policy p WHERE p.polrelid = tbl;
    IF remaining > 0 THEN
        -- Turning RLS (or FORCE) off would expose every row to the remaining
        -- policies' roles; leave that decision to a human.
        RAISE WARNING 'disable_tenant_rls: % still has % other polic%; row level security stays enabled',
                tbl, remaining, CASE WHEN remaining = 1 THEN 'y' ELSE 'ies' END
            USING HINT = pg_catalog.format('Drop the remaining policies first, or run ALTER TABLE %s DISABLE ROW LEVEL SECURITY; yourself.', qualname);
        actions := actions || pg_catalog.format('kept row level security enabled: %s other %s',
                                                remaining, CASE WHEN remaining = 1 THEN 'policy remains' ELSE 'policies remain' END);
        RETURN actions;
    END IF;

    -- Restore what enable_tenant_rls found, never less: without a marker
    -- (policies made by 0.1.0, or by hand) RLS stays on (fail closed).
    IF NOT rel.relrowsecurity AND NOT rel.relforcerowsecurity THEN
        actions := actions || 'row level security already disabled'::text;
        RETURN actions;
    END IF;
    IF marker IS NULL OR marker !~ '^supabase_ext: before enable_tenant_rls: rls=(on|off) force=(on|off)$' THEN
        RAISE WARNING 'disable_tenant_rls: no record of % before enable_tenant_rls; row level security stays as it is', tbl
            USING HINT = pg_catalog.format('With no policies left, RLS denies API roles everything; run ALTER TABLE %s DISABLE ROW LEVEL SECURITY; yourself if that is what you want.', qualname);
        actions := actions || 'kept row level security as it is: no record of the state before enable_tenant_rls'::text;
        RETURN actions;
    END IF;
    IF rel.relforcerowsecurity AND marker LIKE '%force=off' THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', qualname);
        actions := actions || 'stopped forcing row level security'::text;
    END IF;
    IF rel.relrowsecurity AND marker LIKE '%rls=off %' THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', qualname);
        actions := actions || 'disabled row level security'::text;
    ELSIF rel.relrowsecurity THEN
        actions := actions || 'kept row level security enabled: it was enabled before enable_tenant_rls'::text;
    ELSE
        actions := actions || 'row level security already disabled'::text;
    END IF;
    RETURN actions;
END $$;

COMMENT ON FUNCTION supabase_ext.disable_tenant_rls(regclass) IS
'Drop the supabase_ext_tenant_* policies from a table and restore row level security (and FORCE) to what they were before enable_tenant_rls; never disables what it did not enable, and keeps RLS on while other policies remain. Returns the actions taken.';

-- DDL helpers: table owners and superusers only.
REVOKE ALL ON FUNCTION
    supabase_ext.enable_tenant_rls(regclass, name, jsonb),
    supabase_ext.disable_tenant_rls(regclass)
FROM PUBLIC;

-- src/tenancy/mod.rs:382
-- requires:
--   tenancy_policies

-- RLS audit: splinter-style lints over the catalog, for CI and pg_cron.
--
--   SELECT * FROM supabase_ext.rls_audit();                      -- schemas from supabase_ext.rls_exposed_schemas
--   SELECT * FROM supabase_ext.rls_audit('{public,api}');
--   SELECT count(*) FROM supabase_ext.rls_audit() WHERE level = 'ERROR';   -- CI gate
--
-- Lint names and levels follow supabase/splinter where it has the lint, so
-- its documentation applies. Scope: tables, views and functions in the
-- exposed schemas (what PostgREST serves), never pg_catalog,
-- information_schema, pg_toast, temporary schemas or supabase_ext itself;
-- objects that belong to an extension are skipped for table, view and
-- search_path lints. policy_exists_rls_disabled looks at every schema: a
-- policy that is not applied is a mistake wherever it is.

-- Removes every parenthesised scalar subquery "( SELECT ... )" (at any
-- nesting, quotes respected) from a deparsed expression, and empties string
-- literals, leaving the parts a policy evaluates per row. Used by the
-- auth_rls_initplan lint.
CREATE OR REPLACE FUNCTION supabase_ext.rls_strip_subselects(expr text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer := pg_catalog.length(expr);
    i integer := 1;
    j integer;
    depth integer;
    ch text;
    q text;
    skipping boolean;
    start integer;
    result text := '';
BEGIN
    WHILE i <= n LOOP
        ch := pg_catalog.substr(expr, i, 1);
        skipping := ch = '(' AND pg_catalog.substr(expr, i, 64) ~* '^\(\s*select\M';
        IF ch IN ('''', '"') OR skipping THEN
            -- Scan a quoted token, or a balanced ( SELECT ... ) group.
            start := i;
            depth := 0;
            j := i;
            q := NULL;
            WHILE j <= n LOOP
                ch := pg_catalog.substr(expr, j, 1);
                IF q IS NOT NULL THEN
                    IF ch = q THEN
                        IF pg_catalog.substr(expr, j + 1, 1) = q THEN
                            j := j + 1;           -- doubled quote inside a token
                        ELSE
                            q := NULL;
                            EXIT WHEN NOT skipping;
                        END IF;
                    END IF;
                ELSIF ch IN ('''', '"') THEN
                    q := ch;
                ELSIF ch = '(' THEN
                    depth := depth + 1;
                ELSIF ch = ')' THEN
                    depth := depth - 1;
                    EXIT WHEN depth = 0;
                END IF;
                j := j + 1;
            END LOOP;
            IF skipping THEN
                result := result || ' ';
            ELSIF pg_catalog.substr(expr, start, 1) = '''' THEN
                result := result || '''''';   -- string literals cannot call anything
            ELSE
                result := result || pg_catalog.substr(expr, start, j - start + 1);
            END IF;
            i := j + 1;
        ELSE
            result := result || ch;
            i := i + 1;
        END IF;
    END LOOP;
    RETURN result;
END $$;

COMMENT ON FUNCTION supabase_ext.rls_strip_subselects(text) IS
'Helper for rls_audit(): the expression with every "( SELECT ... )" group removed and string literals emptied.';

-- Whether a policy expression passes every row for every caller: a literal
-- true (true, 1 = 1, 'a' = 'a'), a column compared with itself (col = col),
-- "... OR true", or an expression that reads no column (has_column_refs
-- false, from pg_depend) and calls nothing that depends on the caller
-- (claims, current_setting, current_user, auth.*, functions in general).
CREATE OR REPLACE FUNCTION supabase_ext.rls_expr_always_true(expr text, has_column_refs boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT expr IS NOT NULL AND (
           -- literal true
           x IN ('true', '(true)', '1=1', '(1=1)')
           -- a column compared with itself: (tenant_id = tenant_id)
        OR x ~ '^\(*([a-z_][a-z0-9_."]*)\)*=\(*\1\)*$'
           -- anything OR true
        OR x ~ 'ortrue\)*$' OR x ~ '^\(*trueor'
           -- reads no column and calls nothing that depends on the caller
        OR (NOT has_column_refs
            AND x !~ '[a-z_][a-z0-9_.]*\('
            AND x !~ 'current_user|session_user|current_role|false|null'))
      FROM (SELECT pg_catalog.regexp_replace(pg_catalog.lower(expr), '\s+', '', 'g') AS x) e
$$;

CREATE OR REPLACE FUNCTION supabase_ext.rls_audit(
    exposed_schemas text[] DEFAULT pg_catalog.string_to_array(
        pg_catalog.replace(supabase_ext.setting('supabase_ext.rls_exposed_schemas'), ' ', ''), ',')
) RETURNS TABLE (lint text, level text, object text, detail text, remedy text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
WITH
exposed AS (
    -- Unset, NULL or empty: Supabase's default, public.
    SELECT coalesce(
               nullif(ARRAY(SELECT pg_catalog.btrim(s) FROM pg_catalog.unnest(exposed_schemas) AS s
                             WHERE coalesce(pg_catalog.btrim(s), '') <> ''), '{}'::text[]),
               '{public}'::text[]) AS schemas
),
nsp AS (
    SELECT n.oid, n.nspname, n.nspname = ANY (e.schemas) AS exposed
      FROM pg_catalog.pg_namespace n CROSS JOIN exposed e
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'supabase_ext')
       AND n.nspname !~ '^pg_(toast_)?temp_'
),
rels AS (
    SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.reloptions, c.relowner,
           s.nspname, s.exposed,
           pg_catalog.format('%I.%I', s.nspname, c.relname) AS qname,
           EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND d.objid = c.oid AND d.deptype = 'e') AS in_extension
      FROM pg_catalog.pg_class c
      JOIN nsp s ON s.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
),
tabs AS (
    SELECT r.*,
           (SELECT pg_catalog.count(*) FROM pg_catalog.pg_policy p WHERE p.polrelid = r.oid) AS npolicies
      FROM rels r
     WHERE r.relkind IN ('r', 'p') AND NOT r.in_extension
),
pols AS (
    SELECT p.oid, p.polname, p.polcmd, p.polpermissive, p.polroles,
           t.oid AS relid, t.nspname, t.relname, t.qname, t.relrowsecurity, t.exposed,
           pg_catalog.format('%I.%I.%I', t.nspname, t.relname, p.polname) AS pname,
           pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
           pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
           CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                         WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS cmd,
           (SELECT pg_catalog.string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END, ', ' ORDER BY r)
              FROM pg_catalog.unnest(p.polroles) AS r) AS roles,
           supabase_ext.rls_expr_always_true(pg_catalog.pg_get_expr(p.polqual, p.polrelid),
               EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objid = p.oid
                          AND d.refobjsubid > 0)) AS qual_always_true,
           supabase_ext.rls_expr_always_true(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
               EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objid = p.oid
                          AND d.refobjsubid > 0)) AS check_always_true
      FROM pg_catalog.pg_policy p
      JOIN tabs t ON t.oid = p.polrelid
),
procs AS (
    SELECT p.oid, p.prokind, p.prosecdef, p.proconfig, p.proowner, s.nspname,
           p.oid::pg_catalog.regprocedure::text AS sig,
           CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind,
           EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                      AND d.objid = p.oid AND d.deptype = 'e') AS in_extension
      FROM pg_catalog.pg_proc p
      JOIN nsp s ON s.oid = p.pronamespace
     WHERE s.exposed AND p.prokind IN ('f', 'p', 'w')
),
findings AS (
    -- Tables served by the API without RLS: grants alone decide what anyone sees.
    SELECT 'rls_disabled_in_public' AS lint, 'ERROR' AS level, t.qname AS object,
           pg_catalog.format('table %s is in exposed schema %I but row level security is disabled, so every role with table privileges can read and change every row through the API', t.qname, t.nspname) AS detail,
           pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY; -- then add policies, e.g. SELECT supabase_ext.enable_tenant_rls(%L);', t.qname, t.qname) AS remedy
      FROM tabs t
     WHERE t.exposed AND NOT t.relrowsecurity

    UNION ALL
    SELECT 'policy_exists_rls_disabled', 'ERROR', t.qname,
           pg_catalog.format('table %s has %s polic%s (%s) but row level security is disabled, so they are not applied',
               t.qname, t.npolicies, CASE WHEN t.npolicies = 1 THEN 'y' ELSE 'ies' END,
               (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p.polname), ', ' ORDER BY p.polname)
                  FROM pg_catalog.pg_policy p WHERE p.polrelid = t.oid)),
           pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY; -- or DROP the policies if they are obsolete', t.qname)
      FROM tabs t
     WHERE NOT t.relrowsecurity AND t.npolicies > 0

    UNION ALL
    SELECT 'rls_enabled_no_policy', 'INFO', t.qname,
           pg_catalog.format('row level security is enabled on %s but it has no policies: only its owner and BYPASSRLS roles (e.g. service_role) can access it', t.qname),
           pg_catalog.format('if API roles should reach it, add policies, e.g. SELECT supabase_ext.enable_tenant_rls(%L); otherwise nothing to do', t.qname)
      FROM tabs t
     WHERE t.exposed AND t.relrowsecurity AND t.npolicies = 0

    UNION ALL
    SELECT 'auth_rls_initplan', 'WARN', f.pname,
           pg_catalog.format('policy %I on %s calls %s per row; wrapped in a scalar subquery the call runs once per statement (initPlan)',
               f.polname, f.qname,
               (SELECT pg_catalog.string_agg(
                           CASE WHEN c IN ('current_setting', 'supabase_ext.has_role') THEN c || '(...)' ELSE c || '()' END, ', ')
                  FROM pg_catalog.unnest(f.calls) AS c)),
           pg_catalog.format('wrap the call: %s, e.g. ALTER POLICY %I ON %s %s;',
               (SELECT pg_catalog.string_agg(
                           CASE WHEN c IN ('current_setting', 'supabase_ext.has_role')
                                THEN pg_catalog.format('(select %s(...))', c)
                                ELSE pg_catalog.format('(select %s())', c) END, ', ')
                  FROM pg_catalog.unnest(f.calls) AS c),
               f.polname, f.qname,
               pg_catalog.concat_ws(' ',
                   CASE WHEN f.qual IS NOT NULL THEN 'USING (...)' END,
                   CASE WHEN f.with_check IS NOT NULL THEN 'WITH CHECK (...)' END))
      FROM (SELECT p.*,
                   ARRAY(SELECT DISTINCT m[1]
                           FROM pg_catalog.regexp_matches(
                                    coalesce(supabase_ext.rls_strip_subselects(p.qual), '') || ' ' ||
                                    coalesce(supabase_ext.rls_strip_subselects(p.with_check), ''),
                                    '(?:^|[^\w$."])((?:auth\.(?:uid|jwt|role|email))|(?:supabase_ext\.(?:jwt|uid|role|tenant_id|tenant_ids|has_role))|(?:pg_catalog\.)?current_setting)\s*\(',
                                    'g') AS m
                          ORDER BY 1) AS calls
              FROM pols p
             WHERE p.exposed AND p.relrowsecurity) AS f
     WHERE pg_catalog.cardinality(f.calls) > 0

    UNION ALL
    SELECT 'function_search_path_mutable', 'WARN', f.sig,
           pg_catalog.format('%s %s does not pin search_path, so it resolves names through the caller''s search_path', pg_catalog.lower(f.kind), f.sig),
           pg_catalog.format('ALTER %s %s SET search_path = pg_catalog, pg_temp; -- and schema-qualify the names it uses', f.kind, f.sig)
      FROM procs f
     WHERE NOT f.in_extension
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(f.proconfig) AS cfg WHERE cfg LIKE 'search\_path=%')

    UNION ALL
    SELECT 'security_definer_view', 'ERROR', v.qname,
           pg_catalog.format('view %s runs with the privileges of its owner %I instead of the caller, so the row level security of the tables it reads is checked against the owner (bypassed when the owner owns them or has BYPASSRLS)',
               v.qname, pg_catalog.pg_get_userbyid(v.relowner)),
           pg_catalog.format('ALTER VIEW %s SET (security_invoker = true);', v.qname)
      FROM rels v
     WHERE v.relkind = 'v' AND v.exposed AND NOT v.in_extension
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(v.reloptions) AS o
                        WHERE pg_catalog.lower(o) ~ '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$')

    UNION ALL
    SELECT 'rls_policy_always_true', 'WARN', p.pname,
           pg_catalog.format('policy %I on %s (FOR %s TO %s) has %s, so it does not restrict which rows those roles may %s',
               p.polname, p.qname, p.cmd, p.roles,
               pg_catalog.concat_ws(' and ',
                   CASE WHEN p.using_true THEN pg_catalog.format('USING (%s)', p.qual) END,
                   CASE WHEN p.check_true THEN pg_catalog.format('WITH CHECK (%s)', p.with_check) END),
               CASE p.cmd WHEN 'INSERT' THEN 'insert' WHEN 'UPDATE' THEN 'update' WHEN 'DELETE' THEN 'delete' ELSE 'read or change' END),
           pg_catalog.format('replace true with a real condition: ALTER POLICY %I ON %s %s; (or limit it TO service_role, or use SELECT supabase_ext.enable_tenant_rls(%L))',
               p.polname, p.qname,
               pg_catalog.concat_ws(' ',
                   CASE WHEN p.polcmd <> 'a' THEN 'USING (<condition>)' END,
                   CASE WHEN p.polcmd <> 'd' THEN 'WITH CHECK (<condition>)' END),
               p.qname)
      FROM (SELECT pp.*,
                   pp.polcmd IN ('w', 'd', '*') AND pp.qual_always_true AS using_true,
                   pp.polcmd IN ('a', 'w', '*') AND pp.check_always_true AS check_true
              FROM pols pp
             WHERE pp.exposed AND pp.relrowsecurity AND pp.polpermissive AND pp.polcmd <> 'r'
               -- A catch-all for service_role only is the usual way to keep it working without BYPASSRLS.
               AND EXISTS (SELECT 1 FROM pg_catalog.unnest(pp.polroles) AS r
                            WHERE r = 0 OR pg_catalog.pg_get_userbyid(r) <> 'service_role')) AS p
     WHERE p.using_true OR p.check_true

    UNION ALL
    SELECT 'rls_references_user_metadata', 'ERROR', p.pname,
           pg_catalog.format('policy %I on %s reads user_metadata (or auth.users.raw_user_meta_data), which every user can edit for themselves (supabase.auth.updateUser), so it must not drive authorization', p.polname, p.qname),
           pg_catalog.format('use app_metadata or supabase_ext.tenant_id()/has_role() instead, e.g. ALTER POLICY %I ON %s USING (... (select auth.jwt() -> ''app_metadata'' ->> ''tenant_id'') ...);', p.polname, p.qname)
      FROM pols p
     WHERE p.exposed AND (p.qual ~* 'user_meta_?data' OR p.with_check ~* 'user_meta_?data')

    UNION ALL
    -- splinter's 0028/0029: one lint per API role.
    SELECT r.rolname || '_security_definer_function_executable', 'WARN', f.sig,
           pg_catalog.format('SECURITY DEFINER %s %s runs with the privileges of its owner %I (bypassing RLS) and the %I role can execute it, e.g. through /rest/v1/rpc/',
               pg_catalog.lower(f.kind), f.sig, pg_catalog.pg_get_userbyid(f.proowner), r.rolname),
           pg_catalog.format('REVOKE EXECUTE ON %s %s FROM PUBLIC, %I; -- or ALTER %s %s SECURITY INVOKER;',
               f.kind, f.sig, r.rolname, f.kind, f.sig)
      FROM procs f
      JOIN pg_catalog.pg_roles r ON r.rolname IN ('anon', 'authenticated')
     WHERE f.prosecdef AND pg_catalog.has_function_privilege(r.oid, f.oid, 'EXECUTE')

    UNION ALL
    -- Permissive policies are ORed: one that passes every row for the roles
    -- of the tenant policies makes them pointless.
    SELECT 'permissive_policy_defeats_tenant_policy', 'ERROR', o.pname,
           pg_catalog.format('permissive policy %I on %s (FOR %s TO %s) is ORed with the tenant policies and does not restrict rows, so every tenant''s rows are visible or writable through it',
               o.polname, o.qname, o.cmd, o.roles),
           pg_catalog.format('ALTER POLICY %I ON %s USING (<tenant condition>); -- or DROP POLICY %I ON %s; or recreate it AS RESTRICTIVE',
               o.polname, o.qname, o.polname, o.qname)
      FROM pols o
     WHERE o.relrowsecurity AND o.polpermissive
       AND o.polname NOT LIKE 'supabase\_ext\_tenant\_%'
       AND (o.qual IS NULL OR o.qual_always_true)
       AND (o.with_check IS NULL OR o.check_always_true OR o.polcmd IN ('r', 'd'))
       AND NOT (pg_catalog.cardinality(o.polroles) = 1
                AND pg_catalog.pg_get_userbyid(o.polroles[1]) = 'service_role')
       AND EXISTS (SELECT 1 FROM pols t
                    WHERE t.relid = o.relid AND t.oid <> o.oid
                      AND (t.polname LIKE 'supabase\_ext\_tenant\_%'
                           OR pg_catalog.concat_ws(' ', t.qual, t.with_check) ~ 'supabase_ext\.tenant_ids?\(|tenant_id|org_id')
                      AND (t.polcmd = o.polcmd OR o.polcmd = '*' OR t.polcmd = '*')
                      AND (0 = ANY (o.polroles) OR 0 = ANY (t.polroles) OR o.polroles && t.polroles))

    UNION ALL
    SELECT 'materialized_view_in_api', 'WARN', m.qname,
           pg_catalog.format('materialized view %s is in exposed schema %I and API roles can select it; materialized views have no row level security', m.qname, m.nspname),
           pg_catalog.format('REVOKE SELECT ON %s FROM anon, authenticated; -- or move it to a schema PostgREST does not expose', m.qname)
      FROM rels m
     WHERE m.relkind = 'm' AND m.exposed AND NOT m.in_extension
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname IN ('anon', 'authenticated')
                      AND pg_catalog.has_table_privilege(r.oid, m.oid, 'SELECT'))

    UNION ALL
    SELECT 'foreign_table_in_api', 'WARN', f.qname,
           pg_catalog.format('foreign table %s is in exposed schema %I and API roles can select it; foreign tables have no row level security', f.qname, f.nspname),
           pg_catalog.format('REVOKE SELECT ON %s FROM anon, authenticated; -- or move it to a schema PostgREST does not expose', f.qname)
      FROM rels f
     WHERE f.relkind = 'f' AND f.exposed AND NOT f.in_extension
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname IN ('anon', 'authenticated')
                      AND pg_catalog.has_table_privilege(r.oid, f.oid, 'SELECT'))

    UNION ALL
    -- A security_invoker view checks the caller's rights on the tables it
    -- reads: a private table without RLS that API roles can select leaks
    -- every row through the view.
    SELECT 'view_over_table_without_rls', 'ERROR', v.qname,
           pg_catalog.format('view %s in exposed schema %I reads %s, which has row level security disabled and is selectable by API roles, so every row is served through the view',
               v.qname, v.nspname, t.oid::pg_catalog.regclass),
           pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY; -- and add policies, or REVOKE SELECT ON %s FROM anon, authenticated',
               t.oid::pg_catalog.regclass, t.oid::pg_catalog.regclass)
      FROM rels v
      JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = v.oid
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = rw.oid
                                 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> v.oid
      JOIN pg_catalog.pg_class t ON t.oid = d.refobjid AND t.relkind IN ('r', 'p') AND NOT t.relrowsecurity
     WHERE v.relkind = 'v' AND v.exposed AND NOT v.in_extension
       AND EXISTS (SELECT 1 FROM pg_catalog.unnest(v.reloptions) AS o
                    WHERE pg_catalog.lower(o) ~ '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$')
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname IN ('anon', 'authenticated')
                      AND pg_catalog.has_table_privilege(r.oid, t.oid, 'SELECT'))
     GROUP BY v.qname, v.nspname, t.oid

    UNION ALL
    -- pg_temp is searched FIRST unless listed: a SECURITY DEFINER function
    -- whose search_path does not end with pg_temp resolves names in objects
    -- any caller can create (CVE-2007-2138's class).
    SELECT 'security_definer_search_path_pg_temp', 'WARN', f.sig,
           pg_catalog.format('SECURITY DEFINER %s %s pins search_path = %s without pg_temp last, so temporary objects of the caller are searched first',
               pg_catalog.lower(f.kind), f.sig, pg_catalog.substr(cfg, 13)),
           pg_catalog.format('ALTER %s %s SET search_path = %s, pg_temp;', f.kind, f.sig, pg_catalog.substr(cfg, 13))
      FROM procs f, pg_catalog.unnest(f.proconfig) AS cfg
     WHERE f.prosecdef AND NOT f.in_extension AND cfg LIKE 'search\_path=%'
       -- search_path = '' (Supabase's advice) forces qualified names: not flagged.
       AND pg_catalog.regexp_replace(cfg, '\s', '', 'g') <> 'search_path=""'
       AND pg_catalog.regexp_replace(cfg, '\s', '', 'g') !~ ',pg_temp"?$'

    UNION ALL
    -- Policies made by 0.1.0 gated writes with has_role(), which checks the
    -- caller's current tenant or global roles, not the row's tenant.
    SELECT 'tenant_role_gate_not_row_aware', 'ERROR', p.pname,
           pg_catalog.format('policy %I on %s gates rows with has_role(…) alongside tenant_ids(), which is not checked against the row''s tenant: an admin of one tenant passes the gate for another tenant''s rows', p.polname, p.qname),
           pg_catalog.format('SELECT supabase_ext.enable_tenant_rls(%L, …the same options…); -- regenerates row-aware gates (tenant_ids_with_role)', p.qname)
      FROM pols p
     WHERE p.exposed
       AND pg_catalog.concat_ws(' ', p.qual, p.with_check) ~ 'supabase_ext\.tenant_ids\('
       AND pg_catalog.concat_ws(' ', p.qual, p.with_check) ~ 'supabase_ext\.has_role\(''[^'']*''(::text)?\)'

    UNION ALL
    SELECT 'tenant_column_unindexed', 'WARN', pg_catalog.format('%I.%I.%I', u.nspname, u.relname, u.attname),
           pg_catalog.format('policies on %s filter on %I (%s) but no index has it as its first column, so every query scans the whole table',
               u.qname, u.attname, u.policies),
           pg_catalog.format('CREATE INDEX ON %s (%I);', u.qname, u.attname)
      FROM (SELECT p.relid, p.nspname, p.relname, p.qname, a.attname, a.attnum,
                   pg_catalog.string_agg(DISTINCT pg_catalog.quote_ident(p.polname), ', ') AS policies
              FROM pols p
              JOIN pg_catalog.pg_depend d
                ON d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objid = p.oid
               AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
               AND d.refobjid = p.relid AND d.refobjsubid > 0
              JOIN pg_catalog.pg_attribute a ON a.attrelid = p.relid AND a.attnum = d.refobjsubid
             WHERE p.exposed
               AND (a.attname IN ('tenant_id', 'org_id')
                    -- <col> = (SELECT supabase_ext.tenant_id()), <col> = ANY ((SELECT supabase_ext.tenant_ids())::uuid[]), and the mirror image
                    OR pg_catalog.concat_ws(' ', p.qual, p.with_check) ~
                       ('(^|[^\w$".])' || pg_catalog.regexp_replace(pg_catalog.quote_ident(a.attname), '([^\w])', '\\\1', 'g')
                        || '\s*=\s*(ANY\s*)?[(\s]*(SELECT\s+)?supabase_ext\.tenant_ids?\(')
                    OR pg_catalog.concat_ws(' ', p.qual, p.with_check) ~
                       ('supabase_ext\.tenant_id\(\)(\s+AS\s+\w+)?\)?\s*=\s*'
                        || pg_catalog.regexp_replace(pg_catalog.quote_ident(a.attname), '([^\w])', '\\\1', 'g')
                        || '(?![\w$])'))
             GROUP BY p.relid, p.nspname, p.relname, p.qname, a.attname, a.attnum) AS u
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                        WHERE x.indrelid = u.relid AND x.indkey[0] = u.attnum)
)
SELECT f.lint, f.level, f.object, f.detail, f.remedy
  FROM findings f
 ORDER BY CASE f.level WHEN 'ERROR' THEN 1 WHEN 'WARN' THEN 2 ELSE 3 END, f.lint, f.object
$$;

COMMENT ON FUNCTION supabase_ext.rls_audit(text[]) IS
'RLS lints (splinter names where splinter has the lint): rls_disabled_in_public, policy_exists_rls_disabled, rls_enabled_no_policy, auth_rls_initplan, function_search_path_mutable, security_definer_view, rls_policy_always_true, rls_references_user_metadata, anon_/authenticated_security_definer_function_executable, tenant_column_unindexed, permissive_policy_defeats_tenant_policy, materialized_view_in_api, foreign_table_in_api, view_over_table_without_rls, security_definer_search_path_pg_temp, tenant_role_gate_not_row_aware. Default schemas: supabase_ext.rls_exposed_schemas.';

-- rls_audit() and its helper stay executable by PUBLIC: they are not
-- SECURITY DEFINER and reveal only catalog metadata (pg_class, pg_policy,
-- pg_proc, ...) that every role can already read.

-- supabase_ext 0.1.0 -> 0.2.0: the jobs domain, new in 0.2.0.

-- src/jobs/mod.rs:53
-- requires:
--   bootstrap

-- Sync cursors for incremental syncs (the seeds' odoo.sync_cursors), with
-- optimistic concurrency: a writer passes the cursor it read as `expected`,
-- and the write happens only if nobody moved it meanwhile.
CREATE TABLE supabase_ext.sync_cursors (
    source     text PRIMARY KEY CHECK (length(source) BETWEEN 1 AND 200),
    cursor     jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by name NOT NULL DEFAULT current_user
);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.sync_cursors', '');

CREATE FUNCTION supabase_ext.sync_cursor_get(source text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.cursor FROM supabase_ext.sync_cursors c WHERE c.source = $1
$$;

-- expected NULL: write unconditionally. expected 'null'::jsonb: create only
-- if the source has no cursor yet. Otherwise: write only if the stored
-- cursor equals expected. Returns whether it wrote; a mismatch is false,
-- not an error, so a sync loop can re-read and retry.
CREATE FUNCTION supabase_ext.sync_cursor_set(source text, cursor jsonb, expected jsonb DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n bigint;
BEGIN
    IF sync_cursor_set.source IS NULL OR sync_cursor_set.cursor IS NULL THEN
        RAISE EXCEPTION 'sync_cursor_set: source and cursor must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF expected IS NULL THEN
        INSERT INTO supabase_ext.sync_cursors AS c (source, cursor)
        VALUES (sync_cursor_set.source, sync_cursor_set.cursor)
        ON CONFLICT (source) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now(), updated_by = current_user;
        RETURN true;
    ELSIF expected = 'null'::jsonb THEN
        INSERT INTO supabase_ext.sync_cursors AS c (source, cursor)
        VALUES (sync_cursor_set.source, sync_cursor_set.cursor)
        ON CONFLICT (source) DO NOTHING;
    ELSE
        -- Under READ COMMITTED a concurrent writer's update is re-checked
        -- against expected after it commits, so two writers that read the
        -- same cursor can't both win.
        UPDATE supabase_ext.sync_cursors c
           SET cursor = sync_cursor_set.cursor, updated_at = now(), updated_by = current_user
         WHERE c.source = sync_cursor_set.source AND c.cursor = expected;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'sync_cursor_set: source must be 1 to 200 characters' USING ERRCODE = '22023';
END $$;

-- src/jobs/mod.rs:54
-- requires:
--   bootstrap

-- Scheduled jobs and their run history.
--
-- A job is a schedule (cron with an IANA time zone, @every, aliases) and a
-- command of one of three kinds:
--   sql      the command is SQL, run as the role that scheduled it (run_as)
--   http     the command is a URL; each firing enqueues one signed delivery
--   handler  the command names a function f(supabase_ext.webhook_events),
--            called for each pending event of options->>'endpoint'
-- Firing, executing and delivering happen in supabase_ext.run_pending()
-- (pg_cron path) or the background worker; both run the same steps.

CREATE TABLE supabase_ext.job_definitions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    schedule    text NOT NULL,
    timezone    text NOT NULL DEFAULT 'UTC',
    kind        text NOT NULL CHECK (kind IN ('sql', 'http', 'handler')),
    command     text NOT NULL,
    options     jsonb NOT NULL DEFAULT '{}',
    run_as      name NOT NULL,
    paused      boolean NOT NULL DEFAULT false,
    paused_reason text,
    next_run_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE supabase_ext.job_definitions IS
  'Scheduled jobs (job_schedule()). Commands run as run_as, never with more rights.';
CREATE INDEX job_definitions_due ON supabase_ext.job_definitions (next_run_at) WHERE NOT paused;
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_definitions', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_definitions_id_seq', '');

-- One row per firing (and per manual run). status:
--   queued     fired, not executed yet
--   running    executing (a crash rolls it back to queued: at-least-once)
--   waiting    executed; HTTP deliveries it enqueued are still in flight
--   succeeded  done, and every delivery it enqueued succeeded
--   failed     the command failed, or a delivery it enqueued failed for good
CREATE TABLE supabase_ext.job_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id        bigint REFERENCES supabase_ext.job_definitions (id) ON DELETE SET NULL,
    job_name      text NOT NULL,
    attempt       integer NOT NULL DEFAULT 1,
    scheduled_for timestamptz NOT NULL,
    started_at    timestamptz,
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed')),
    message       text,
    http_status   integer
);
COMMENT ON TABLE supabase_ext.job_runs IS
  'Job run history, pruned after supabase_ext.job_runs_retention_days.';
CREATE INDEX job_runs_queued ON supabase_ext.job_runs (id) WHERE status = 'queued';
CREATE INDEX job_runs_waiting ON supabase_ext.job_runs (id) WHERE status = 'waiting';
CREATE INDEX job_runs_job ON supabase_ext.job_runs (job_id, id);
CREATE INDEX job_runs_finished ON supabase_ext.job_runs (finished_at);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_runs', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_runs_id_seq', '');

-- Jobs with their next fire time, each role seeing the jobs it may run
-- (service_role and superusers: all). Commands are shown to those roles only.
CREATE VIEW supabase_ext.jobs WITH (security_barrier) AS
    SELECT d.id, d.name, d.schedule, d.timezone, d.kind, d.command, d.options - 'signing_secret' AS options,
           d.run_as, d.paused, d.paused_reason, d.next_run_at,
           r.status AS last_status, r.started_at AS last_started_at, r.finished_at AS last_finished_at,
           r.message AS last_message
      FROM supabase_ext.job_definitions d
      LEFT JOIN LATERAL (SELECT * FROM supabase_ext.job_runs x WHERE x.job_id = d.id ORDER BY x.id DESC LIMIT 1) r ON true
     WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles o
                    WHERE o.rolname IN (d.run_as, 'service_role')
                      AND pg_catalog.pg_has_role(current_user, o.oid, 'MEMBER'));

-- src/jobs/mod.rs:55
-- requires:
--   jobs_schedules

-- Outbound HTTP deliveries: an outbox. http_request() only inserts a row, so
-- a delivery enqueued in a transaction that rolls back is never sent, and one
-- that commits is sent even across a crash (the table is logged, unlike
-- pg_net's). Sending happens later, outside any transaction holding locks.
CREATE TABLE supabase_ext.http_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_run_id      bigint REFERENCES supabase_ext.job_runs (id) ON DELETE SET NULL,
    method          text NOT NULL CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD')),
    url             text NOT NULL,
    headers         jsonb NOT NULL DEFAULT '{}',
    body            jsonb,
    timeout_ms      integer NOT NULL CHECK (timeout_ms BETWEEN 1 AND 300000),
    max_attempts    integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
    -- Standard Webhooks message id: the same on every retry, so receivers deduplicate.
    webhook_id      text,
    -- A whsec_ secret or vault:<name>. No role but the table owner can read
    -- this column (see the grants); readers see has_signing_secret.
    signing_secret  text,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    response_status integer,
    response_headers jsonb,
    response_body   text,
    last_error      text,
    owner           name NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
COMMENT ON TABLE supabase_ext.http_requests IS
  'Outbound HTTP deliveries (http_request()). Each role reads only its own; service_role reads all.';
CREATE INDEX http_requests_due ON supabase_ext.http_requests (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX http_requests_run ON supabase_ext.http_requests (job_run_id) WHERE job_run_id IS NOT NULL;
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.http_requests', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.http_requests_id_seq', '');
-- Requests, their headers and responses are their owner's: pg_net shows
-- every role every request, signature headers included.
ALTER TABLE supabase_ext.http_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY http_requests_owner ON supabase_ext.http_requests FOR SELECT
    USING (EXISTS (SELECT 1 FROM pg_catalog.pg_roles o
                    WHERE o.rolname IN (owner, 'service_role')
                      AND pg_catalog.pg_has_role(current_user, o.oid, 'MEMBER')));

-- src/jobs/http.rs:105
-- supabase_ext::jobs::http::http_options_check
CREATE  FUNCTION "http_options_check"(
	"options" jsonb /* JsonB */
) RETURNS bool /* bool */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'http_options_check_wrapper';

-- src/jobs/http.rs:132
-- supabase_ext::jobs::http::http_request
CREATE  FUNCTION "http_request"(
	"url" TEXT, /* & str */
	"method" TEXT DEFAULT 'POST', /* & str */
	"body" jsonb DEFAULT NULL, /* Option < JsonB > */
	"headers" jsonb DEFAULT '{}', /* JsonB */
	"options" jsonb DEFAULT '{}' /* JsonB */
) RETURNS bigint /* i64 */
VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'http_request_wrapper';

-- src/jobs/mod.rs:40
-- supabase_ext::jobs::job_backoff
CREATE  FUNCTION "job_backoff"(
	"attempt" INT /* i32 */
) RETURNS interval /* Interval */
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_backoff_wrapper';

-- src/jobs/schedules.rs:73
-- supabase_ext::jobs::schedules::job_check_sql
CREATE  FUNCTION "job_check_sql"(
	"command" TEXT /* & str */
) RETURNS bool /* bool */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_check_sql_wrapper';

-- src/jobs/schedules.rs:102
-- supabase_ext::jobs::schedules::job_check_url
CREATE  FUNCTION "job_check_url"(
	"url" TEXT, /* & str */
	"superuser" bool /* bool */
) RETURNS bool /* bool */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_check_url_wrapper';

-- src/jobs/executor.rs:47
-- supabase_ext::jobs::executor::job_invoker
CREATE  FUNCTION "job_invoker"() RETURNS TEXT /* String */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_invoker_wrapper';

-- src/jobs/schedules.rs:46
-- supabase_ext::jobs::schedules::job_next_run
CREATE  FUNCTION "job_next_run"(
	"schedule" TEXT, /* & str */
	"timezone" TEXT DEFAULT 'UTC', /* & str */
	"after" timestamp with time zone DEFAULT now() /* TimestampWithTimeZone */
) RETURNS timestamp with time zone /* Option < TimestampWithTimeZone > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_next_run_wrapper';

-- src/jobs/schedules.rs:57
-- supabase_ext::jobs::schedules::job_next_runs
CREATE  FUNCTION "job_next_runs"(
	"schedule" TEXT, /* & str */
	"timezone" TEXT DEFAULT 'UTC', /* & str */
	"n" INT DEFAULT 5, /* i32 */
	"after" timestamp with time zone DEFAULT now() /* TimestampWithTimeZone */
) RETURNS SETOF timestamp with time zone /* TimestampWithTimeZone */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_next_runs_wrapper';

-- src/jobs/realtime.rs:13
-- supabase_ext::jobs::realtime::jobs_broadcast
CREATE  FUNCTION "jobs_broadcast"(
	"event" TEXT, /* & str */
	"payload" jsonb /* JsonB */
) RETURNS bool /* bool */
STRICT VOLATILE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_broadcast_wrapper';

-- src/jobs/http.rs:201
-- supabase_ext::jobs::http::jobs_claim_http
CREATE  FUNCTION "jobs_claim_http"(
	"n" INT /* i32 */
) RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_claim_http_wrapper';

-- src/jobs/executor.rs:59
-- supabase_ext::jobs::executor::jobs_fire_due
CREATE  FUNCTION "jobs_fire_due"(
	"max" INT /* i32 */
) RETURNS INT /* i32 */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_fire_due_wrapper';

-- src/jobs/mod.rs:241
-- supabase_ext::jobs::jobs_purge
CREATE  FUNCTION "jobs_purge"(
	"batch" INT DEFAULT 10000, /* i32 */
	"max_batches" INT DEFAULT 10 /* i32 */
) RETURNS bigint /* i64 */
STRICT VOLATILE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_purge_wrapper';

-- src/jobs/http.rs:462
-- supabase_ext::jobs::http::jobs_record_http
CREATE  FUNCTION "jobs_record_http"(
	"outcomes" jsonb /* JsonB */
) RETURNS INT /* i32 */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_record_http_wrapper';

-- src/jobs/executor.rs:123
-- supabase_ext::jobs::executor::jobs_run_queued
CREATE  FUNCTION "jobs_run_queued"(
	"max" INT /* i32 */
) RETURNS INT /* i32 */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_run_queued_wrapper';

-- src/jobs/http.rs:369
-- supabase_ext::jobs::http::jobs_send_http
CREATE  FUNCTION "jobs_send_http"(
	"batch" jsonb /* JsonB */
) RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_send_http_wrapper';

-- src/jobs/executor.rs:244
-- supabase_ext::jobs::executor::jobs_settle_runs
CREATE  FUNCTION "jobs_settle_runs"() RETURNS INT /* i32 */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_settle_runs_wrapper';

-- src/jobs/wake.rs:48
-- supabase_ext::jobs::wake::jobs_wake
CREATE  FUNCTION "jobs_wake"() RETURNS bool /* bool */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_wake_wrapper';

-- src/jobs/mod.rs:48
-- requires:
--   bootstrap
--   job_backoff
--   wake::jobs_wake
--   jobs_http

-- The durable queue: enqueue, dequeue with a lease, ack, nack with backoff,
-- dead letters and redrive. Logged tables (a crash loses nothing committed),
-- outbox semantics for free: a message enqueued inside a transaction becomes
-- visible to consumers only when that transaction commits, and never if it
-- rolls back.
--
-- A message is ready when run_at <= now(). Dequeuing leases it by moving
-- run_at to now() + lease (a visibility timeout, as in pgmq and SQS) and
-- counting the attempt; a consumer that dies simply lets the lease expire
-- and the message is dequeued again. ack() deletes it; nack() schedules a
-- retry with full-jitter backoff or, out of attempts, dead-letters it.

CREATE TABLE supabase_ext.job_queue (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue        text NOT NULL CHECK (queue ~ '^[a-z0-9_][a-z0-9_.:-]{0,62}$'),
    payload      jsonb NOT NULL,
    priority     integer NOT NULL DEFAULT 0,
    run_at       timestamptz NOT NULL DEFAULT now(),
    dedupe_key   text CHECK (length(dedupe_key) BETWEEN 1 AND 256),
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 1000),
    last_error   text,
    enqueued_at  timestamptz NOT NULL DEFAULT now(),
    enqueued_by  name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE supabase_ext.job_queue IS
  'Queued jobs. Ready when run_at <= now(); a dequeued message is leased until run_at.';
-- Unique while pending: ack() deletes, so a finished job frees its key.
CREATE UNIQUE INDEX job_queue_dedupe ON supabase_ext.job_queue (queue, dedupe_key)
    WHERE dedupe_key IS NOT NULL;
CREATE INDEX job_queue_ready ON supabase_ext.job_queue (queue, priority DESC, run_at, id);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_queue', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_queue_id_seq', '');

CREATE TABLE supabase_ext.job_dead_letters (
    id            bigint PRIMARY KEY,
    queue         text NOT NULL,
    payload       jsonb NOT NULL,
    priority      integer NOT NULL,
    dedupe_key    text,
    attempts      integer NOT NULL,
    max_attempts  integer NOT NULL,
    last_error    text,
    enqueued_at   timestamptz NOT NULL,
    enqueued_by   name NOT NULL,
    dead_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE supabase_ext.job_dead_letters IS
  'Jobs that used all their attempts; dead_letter_redrive() puts them back.';
CREATE INDEX job_dead_letters_queue ON supabase_ext.job_dead_letters (queue, dead_at);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_dead_letters', '');

CREATE FUNCTION supabase_ext.enqueue(
    queue text, payload jsonb, run_at timestamptz DEFAULT now(), priority integer DEFAULT 0,
    dedupe_key text DEFAULT NULL, max_attempts integer DEFAULT 5)
RETURNS bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    new_id bigint;
BEGIN
    IF enqueue.queue IS NULL OR enqueue.payload IS NULL THEN
        RAISE EXCEPTION 'enqueue: queue and payload must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF enqueue.queue = 'http' THEN
        RAISE EXCEPTION 'enqueue: queue "http" is reserved for HTTP deliveries' USING ERRCODE = '22023',
            HINT = 'use supabase_ext.http_request()';
    END IF;
    INSERT INTO supabase_ext.job_queue AS q (queue, payload, run_at, priority, dedupe_key, max_attempts)
    VALUES (enqueue.queue, enqueue.payload, coalesce(enqueue.run_at, now()), coalesce(enqueue.priority, 0),
            enqueue.dedupe_key, coalesce(enqueue.max_attempts, 5))
    ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING q.id INTO new_id;
    IF new_id IS NULL THEN
        -- A pending job with this key exists: enqueue is idempotent and
        -- returns it. ON CONFLICT waited for a concurrent inserter to commit,
        -- so this statement's snapshot sees the winner.
        SELECT q.id INTO new_id FROM supabase_ext.job_queue q
         WHERE q.queue = enqueue.queue AND q.dedupe_key = enqueue.dedupe_key;
    END IF;
    RETURN new_id;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'enqueue: invalid job for queue "%"', queue USING ERRCODE = '22023',
        HINT = 'queue names are 1-63 characters of a-z, 0-9, _ . : -; dedupe keys 1-256 characters; max_attempts 1-1000';
END $$;

-- The batch form: one statement, one id per payload, in order.
CREATE FUNCTION supabase_ext.enqueue_batch(
    queue text, payloads jsonb[], run_at timestamptz DEFAULT now(), priority integer DEFAULT 0,
    max_attempts integer DEFAULT 5)
RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(payloads) p WHERE p IS NULL) THEN
        RAISE EXCEPTION 'enqueue_batch: payloads must not contain NULL' USING ERRCODE = '22004';
    END IF;
    IF queue = 'http' THEN
        RAISE EXCEPTION 'enqueue_batch: queue "http" is reserved for HTTP deliveries' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    INSERT INTO supabase_ext.job_queue AS q (queue, payload, run_at, priority, max_attempts)
    SELECT enqueue_batch.queue, p, coalesce(enqueue_batch.run_at, now()), coalesce(enqueue_batch.priority, 0),
           coalesce(enqueue_batch.max_attempts, 5)
      FROM unnest(payloads) WITH ORDINALITY AS u(p, o) ORDER BY o
    RETURNING q.id;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'enqueue_batch: invalid jobs for queue "%"', queue USING ERRCODE = '22023';
END $$;

-- Leases up to n ready messages for `lease`. A picked message whose last
-- lease expired with no attempts left is dead-lettered instead of returned.
-- The MATERIALIZED CTE with LIMIT and SKIP LOCKED makes concurrent consumers
-- get disjoint batches that never exceed n, with one index scan.
CREATE FUNCTION supabase_ext.dequeue(queue text, n integer DEFAULT 1, lease interval DEFAULT '30 seconds')
RETURNS SETOF supabase_ext.job_queue LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'dequeue: lease must be positive' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    WITH picked AS MATERIALIZED (
        SELECT q.id, q.attempts >= q.max_attempts AS exhausted
          FROM supabase_ext.job_queue q
         WHERE q.queue = dequeue.queue AND q.run_at <= now()
         ORDER BY q.priority DESC, q.run_at, q.id
         LIMIT greatest(coalesce(n, 1), 0)
         FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM supabase_ext.job_queue q USING picked p
         WHERE q.id = p.id AND p.exhausted
        RETURNING q.*
    ), dead AS (
        INSERT INTO supabase_ext.job_dead_letters AS d
               (id, queue, payload, priority, dedupe_key, attempts, max_attempts, last_error, enqueued_at, enqueued_by)
        SELECT g.id, g.queue, g.payload, g.priority, g.dedupe_key, g.attempts, g.max_attempts,
               coalesce(g.last_error, 'lease expired on the last attempt'), g.enqueued_at, g.enqueued_by
          FROM gone g
        RETURNING supabase_ext.jobs_broadcast('dead_lettered',
                      jsonb_build_object('queue', d.queue, 'id', d.id, 'error', d.last_error))
    )
    UPDATE supabase_ext.job_queue q
       SET run_at = now() + lease, attempts = q.attempts + 1
      FROM picked p
     WHERE q.id = p.id AND NOT p.exhausted
    RETURNING q.*;
END $$;

-- Done: the message is removed (its dedupe key is free again).
CREATE FUNCTION supabase_ext.ack(id bigint) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH d AS (DELETE FROM supabase_ext.job_queue q WHERE q.id = $1 RETURNING 1)
    SELECT count(*) > 0 FROM d
$$;

-- Failed: retry after retry_in (default: full-jitter backoff,
-- supabase_ext.job_backoff), or dead-letter when no attempts are left.
-- Returns 'retry' or 'dead', NULL for an unknown id.
CREATE FUNCTION supabase_ext.nack(id bigint, error text DEFAULT NULL, retry_in interval DEFAULT NULL)
RETURNS text LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m supabase_ext.job_queue;
BEGIN
    SELECT * INTO m FROM supabase_ext.job_queue q WHERE q.id = nack.id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF m.attempts >= m.max_attempts THEN
        DELETE FROM supabase_ext.job_queue q WHERE q.id = m.id;
        INSERT INTO supabase_ext.job_dead_letters
               (id, queue, payload, priority, dedupe_key, attempts, max_attempts, last_error, enqueued_at, enqueued_by)
        VALUES (m.id, m.queue, m.payload, m.priority, m.dedupe_key, m.attempts, m.max_attempts,
                left(error, 2000), m.enqueued_at, m.enqueued_by);
        PERFORM supabase_ext.jobs_broadcast('dead_lettered',
                    jsonb_build_object('queue', m.queue, 'id', m.id, 'error', left(error, 2000)));
        RETURN 'dead';
    END IF;
    UPDATE supabase_ext.job_queue q
       SET run_at = now() + coalesce(greatest(retry_in, interval '0'), supabase_ext.job_backoff(m.attempts)),
           last_error = left(error, 2000)
     WHERE q.id = m.id;
    RETURN 'retry';
END $$;

-- Puts dead letters back on their queue with fresh attempts: all of a queue,
-- or the given ids. Returns how many moved. The reserved queue 'http' holds
-- the HTTP deliveries that failed for good: they are sent again with fresh
-- attempts and the same webhook-id, and the job runs that enqueued them wait
-- for the new outcome.
-- SECURITY DEFINER: callers (service_role, the owner) need not hold UPDATE
-- on the delivery and run tables; EXECUTE is the gate.
CREATE FUNCTION supabase_ext.dead_letter_redrive(queue text DEFAULT NULL, ids bigint[] DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n bigint;
BEGIN
    IF dead_letter_redrive.queue IS NULL AND ids IS NULL THEN
        RAISE EXCEPTION 'dead_letter_redrive: name a queue or ids' USING ERRCODE = '22023';
    END IF;
    IF dead_letter_redrive.queue = 'http' THEN
        WITH again AS (
            UPDATE supabase_ext.http_requests h
               SET status = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL
             WHERE h.status = 'failed' AND (ids IS NULL OR h.id = ANY (ids))
            RETURNING h.job_run_id
        ), runs AS (
            UPDATE supabase_ext.job_runs r SET status = 'waiting', finished_at = NULL
             WHERE r.id IN (SELECT job_run_id FROM again) AND r.status = 'failed'
        )
        SELECT count(*) INTO n FROM again;
        PERFORM supabase_ext.jobs_wake();
        RETURN n;
    END IF;
    WITH moved AS (
        DELETE FROM supabase_ext.job_dead_letters d
         WHERE (dead_letter_redrive.queue IS NULL OR d.queue = dead_letter_redrive.queue)
           AND (ids IS NULL OR d.id = ANY (ids))
        RETURNING d.*
    )
    INSERT INTO supabase_ext.job_queue (queue, payload, priority, dedupe_key, max_attempts, enqueued_by)
    SELECT m.queue, m.payload, m.priority, m.dedupe_key, m.max_attempts, m.enqueued_by FROM moved m
    ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- src/jobs/mod.rs:56
-- requires:
--   jobs_http
--   webhooks_schema
--   schedules::job_next_run
--   schedules::job_check_sql
--   schedules::job_check_url
--   http::http_options_check
--   executor::job_invoker
--   executor::jobs_fire_due
--   executor::jobs_run_queued
--   executor::jobs_settle_runs
--   http::jobs_claim_http
--   http::jobs_send_http
--   http::jobs_record_http
--   http::http_request
--   wake::jobs_wake
--   realtime::jobs_broadcast

-- Job administration. SECURITY DEFINER so a role can manage its jobs without
-- privileges on the tables (which hold signing secrets); authorization is
-- explicit: the caller (job_invoker(), the role the session acts as) may
-- touch only jobs whose run_as it is a member of, and only a superuser may
-- schedule for another role.

CREATE FUNCTION supabase_ext.job_schedule(name text, schedule text, command text, options jsonb DEFAULT '{}')
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    known constant text[] := ARRAY['timezone', 'kind', 'run_as', 'method', 'headers', 'body', 'timeout',
                                   'max_attempts', 'signing_secret', 'endpoint', 'batch'];
    opts jsonb := coalesce(job_schedule.options, '{}'::jsonb);
    caller name := supabase_ext.job_invoker();
    caller_super boolean;
    tz text;
    job_kind text;
    who name;
    who_super boolean;
    bad text[];
    existing record;
    fn regprocedure;
    nxt timestamptz;
    jid bigint;
BEGIN
    IF job_schedule.name IS NULL OR job_schedule.schedule IS NULL OR job_schedule.command IS NULL THEN
        RAISE EXCEPTION 'job_schedule: name, schedule and command must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF jsonb_typeof(opts) <> 'object' THEN
        RAISE EXCEPTION 'job_schedule: options must be a JSON object' USING ERRCODE = '22023';
    END IF;
    SELECT array_agg(k ORDER BY k) INTO bad FROM jsonb_object_keys(opts) AS k WHERE k <> ALL (known);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'job_schedule: unknown option(s): %', array_to_string(bad, ', ') USING ERRCODE = '22023',
            HINT = 'known options: ' || array_to_string(known, ', ');
    END IF;
    SELECT r.rolsuper INTO caller_super FROM pg_roles r WHERE r.rolname = caller;
    who := coalesce(opts->>'run_as', caller);
    IF who <> caller AND NOT coalesce(caller_super, false) THEN
        RAISE EXCEPTION 'job_schedule: only a superuser may schedule a job to run as another role' USING ERRCODE = '42501',
            HINT = 'omit run_as: the job runs as the role that schedules it';
    END IF;
    SELECT r.rolsuper INTO who_super FROM pg_roles r WHERE r.rolname = who;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job_schedule: role "%" does not exist', who USING ERRCODE = '42704';
    END IF;
    tz := coalesce(opts->>'timezone', 'UTC');
    nxt := supabase_ext.job_next_run(job_schedule.schedule, tz);   -- 22023 on a bad schedule or zone
    job_kind := coalesce(opts->>'kind', 'sql');
    CASE job_kind
    WHEN 'sql' THEN
        PERFORM supabase_ext.job_check_sql(job_schedule.command);
    WHEN 'http' THEN
        PERFORM supabase_ext.job_check_url(job_schedule.command, who_super);
        PERFORM supabase_ext.http_options_check(opts - ARRAY['timezone', 'kind', 'run_as']);
    WHEN 'handler' THEN
        fn := to_regprocedure(job_schedule.command || '(supabase_ext.webhook_events)');
        IF fn IS NULL THEN
            RAISE EXCEPTION 'job_schedule: no function %(supabase_ext.webhook_events)', job_schedule.command
                USING ERRCODE = '42883', HINT = 'a handler is a function taking one supabase_ext.webhook_events row';
        END IF;
        IF NOT has_function_privilege(who, fn, 'EXECUTE') THEN
            RAISE EXCEPTION 'job_schedule: role "%" may not execute %', who, fn USING ERRCODE = '42501';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM supabase_ext.webhook_endpoints e WHERE e.name = opts->>'endpoint') THEN
            RAISE EXCEPTION 'job_schedule: handler jobs need options.endpoint naming an existing webhook endpoint'
                USING ERRCODE = '22023';
        END IF;
    ELSE
        RAISE EXCEPTION 'job_schedule: kind must be sql, http or handler, not "%"', job_kind USING ERRCODE = '22023';
    END CASE;

    SELECT d.id, d.run_as INTO existing FROM supabase_ext.job_definitions d WHERE d.name = job_schedule.name FOR UPDATE;
    IF FOUND AND NOT coalesce(caller_super, false)
       AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = existing.run_as
                          AND pg_has_role(caller, r.oid, 'MEMBER')) THEN
        RAISE EXCEPTION 'job_schedule: job "%" belongs to another role', job_schedule.name USING ERRCODE = '42501';
    END IF;
    INSERT INTO supabase_ext.job_definitions AS d (name, schedule, timezone, kind, command, options, run_as, next_run_at)
    VALUES (job_schedule.name, job_schedule.schedule, tz, job_kind, job_schedule.command,
            opts - ARRAY['timezone', 'kind', 'run_as'], who, nxt)
    ON CONFLICT (name) DO UPDATE
       SET schedule = EXCLUDED.schedule, timezone = EXCLUDED.timezone, kind = EXCLUDED.kind,
           command = EXCLUDED.command, options = EXCLUDED.options, run_as = EXCLUDED.run_as,
           next_run_at = CASE WHEN d.paused THEN NULL ELSE EXCLUDED.next_run_at END, updated_at = now()
    RETURNING d.id INTO jid;
    PERFORM supabase_ext.jobs_wake();
    RETURN jid;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'job_schedule: invalid job name' USING ERRCODE = '22023', HINT = 'names are 1 to 200 characters';
END $$;

-- The job row the caller may manage, locked; raises 42704 / 42501 otherwise.
CREATE FUNCTION supabase_ext.job_lookup(job_name text) RETURNS supabase_ext.job_definitions
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions;
    caller name := supabase_ext.job_invoker();
BEGIN
    SELECT * INTO d FROM supabase_ext.job_definitions x WHERE x.name = job_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job "%" does not exist', job_name USING ERRCODE = '42704';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname IN (d.run_as, 'service_role')
                      AND pg_has_role(caller, r.oid, 'MEMBER')) THEN
        RAISE EXCEPTION 'job "%" belongs to another role', job_name USING ERRCODE = '42501';
    END IF;
    RETURN d;
END $$;

CREATE FUNCTION supabase_ext.job_unschedule(name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions := supabase_ext.job_lookup(name);
BEGIN
    DELETE FROM supabase_ext.job_definitions x WHERE x.id = d.id;
    RETURN true;
END $$;

-- Fires the job now, outside its schedule (the schedule is unchanged).
-- Returns the run id; the run executes at the next worker tick or run_pending().
CREATE FUNCTION supabase_ext.job_run_now(name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions := supabase_ext.job_lookup(name);
    rid bigint;
BEGIN
    INSERT INTO supabase_ext.job_runs (job_id, job_name, scheduled_for) VALUES (d.id, d.name, now())
    RETURNING id INTO rid;
    PERFORM supabase_ext.jobs_wake();
    RETURN rid;
END $$;

CREATE FUNCTION supabase_ext.job_pause(name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions := supabase_ext.job_lookup(name);
BEGIN
    UPDATE supabase_ext.job_definitions x SET paused = true, paused_reason = 'paused by ' || supabase_ext.job_invoker(),
           next_run_at = NULL, updated_at = now()
     WHERE x.id = d.id;
    RETURN NOT d.paused;
END $$;

CREATE FUNCTION supabase_ext.job_resume(name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions := supabase_ext.job_lookup(name);
BEGIN
    UPDATE supabase_ext.job_definitions x SET paused = false, paused_reason = NULL,
           next_run_at = supabase_ext.job_next_run(x.schedule, x.timezone), updated_at = now()
     WHERE x.id = d.id;
    PERFORM supabase_ext.jobs_wake();
    RETURN d.paused;
END $$;

-- The pg_cron path: does in the calling session what the background worker
-- does, for installs without preload.
--   SELECT cron.schedule('supabase_ext jobs', '* * * * *', 'CALL supabase_ext.run_pending()');
-- A procedure, so it can COMMIT between steps: schedules fire and runs
-- execute in their own transactions, deliveries are claimed (leased) and
-- committed before any network I/O, and recorded afterwards. Stops when
-- nothing is left, after max_jobs runs and deliveries, or after max_seconds
-- (keep it under the pg_cron interval). No SET clause (a procedure with one
-- cannot COMMIT): every name below is schema-qualified.
CREATE PROCEDURE supabase_ext.run_pending(max_jobs integer DEFAULT 100, max_seconds integer DEFAULT 50)
LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := pg_catalog.clock_timestamp()
                            + pg_catalog.make_interval(secs => GREATEST(coalesce(max_seconds, 50), 0));
    budget integer := GREATEST(coalesce(max_jobs, 100), 0);
    done integer := 0;
    n integer;
    batch jsonb;
    outcomes jsonb;
    progressed boolean;
BEGIN
    LOOP
        progressed := false;
        PERFORM supabase_ext.jobs_fire_due(budget - done);
        COMMIT;
        n := supabase_ext.jobs_run_queued(LEAST(budget - done, 10));
        done := done + n;
        progressed := n > 0;
        COMMIT;
        batch := supabase_ext.jobs_claim_http(LEAST(budget - done, 100));
        COMMIT;
        IF pg_catalog.jsonb_array_length(batch) > 0 THEN
            outcomes := supabase_ext.jobs_send_http(batch);
            n := supabase_ext.jobs_record_http(outcomes);
            done := done + n;
            progressed := true;
            COMMIT;
        END IF;
        PERFORM supabase_ext.jobs_settle_runs();
        COMMIT;
        EXIT WHEN NOT progressed OR done >= budget OR pg_catalog.clock_timestamp() >= deadline;
    END LOOP;
END $$;

-- src/jobs/wake.rs:57
-- supabase_ext::jobs::wake::jobs_wake_launcher
CREATE  FUNCTION "jobs_wake_launcher"() RETURNS bool /* bool */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_wake_launcher_wrapper';

-- src/jobs/mod.rs:201
-- supabase_ext::jobs::jobs_worker
CREATE  FUNCTION "jobs_worker"() RETURNS TABLE (
	"state" TEXT,  /* String */
	"pid" INT,  /* Option < i32 > */
	"started_at" timestamp with time zone,  /* Option < TimestampWithTimeZone > */
	"last_tick" timestamp with time zone,  /* Option < TimestampWithTimeZone > */
	"runs" bigint,  /* i64 */
	"deliveries" bigint,  /* i64 */
	"failed_steps" bigint  /* i64 */
)
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_worker_wrapper';

-- src/jobs/mod.rs:78
-- requires:
--   jobs_admin
--   jobs_queue
--   jobs_worker

-- Jobs at a glance: queue depth and the age of the oldest ready message per
-- queue, HTTP deliveries, job runs, and the workers (pid, last tick).
-- Folded into status(). Readable by service_role and the owner.
CREATE VIEW supabase_ext.jobs_status AS
WITH q AS (
    SELECT queue AS name,
           count(*) FILTER (WHERE run_at <= now()) AS ready,
           count(*) FILTER (WHERE run_at > now() AND attempts = 0) AS scheduled,
           count(*) FILTER (WHERE run_at > now() AND attempts > 0) AS running,
           max(now() - run_at) FILTER (WHERE run_at <= now()) AS oldest_ready_age
      FROM supabase_ext.job_queue GROUP BY queue
), d AS (
    SELECT queue AS name, count(*) AS dead FROM supabase_ext.job_dead_letters GROUP BY queue
)
SELECT 'queue'::text AS kind, coalesce(q.name, d.name) AS name,
       coalesce(q.ready, 0) AS ready, coalesce(q.scheduled, 0) AS scheduled, coalesce(q.running, 0) AS running,
       0::bigint AS failed, coalesce(d.dead, 0) AS dead, q.oldest_ready_age,
       NULL::integer AS worker_pid, NULL::timestamptz AS last_tick
  FROM q FULL JOIN d ON d.name = q.name
UNION ALL
SELECT 'http', 'deliveries',
       count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= now()),
       count(*) FILTER (WHERE status = 'pending' AND next_attempt_at > now()),
       count(*) FILTER (WHERE status = 'sending'),
       count(*) FILTER (WHERE status = 'failed'),
       count(*) FILTER (WHERE status = 'failed'),
       max(now() - next_attempt_at) FILTER (WHERE status = 'pending' AND next_attempt_at <= now()),
       NULL, NULL
  FROM supabase_ext.http_requests
UNION ALL
SELECT 'runs', 'job_runs',
       count(*) FILTER (WHERE status = 'queued'),
       (SELECT count(*) FROM supabase_ext.job_definitions WHERE NOT paused),
       count(*) FILTER (WHERE status IN ('running', 'waiting')),
       count(*) FILTER (WHERE status = 'failed' AND finished_at > now() - interval '1 day'),
       0,
       max(now() - scheduled_for) FILTER (WHERE status = 'queued'),
       NULL, NULL
  FROM supabase_ext.job_runs
UNION ALL
SELECT 'worker', w.state, 0, 0, 0, w.failed_steps, 0, NULL, w.pid, w.last_tick
  FROM supabase_ext.jobs_worker() w;
COMMENT ON VIEW supabase_ext.jobs_status IS
  'Queue depth and oldest ready age per queue, deliveries, job runs (failed: last day; scheduled: active jobs), and this database''s worker.';

-- src/jobs/mod.rs:79
-- requires:
--   jobs_queue
--   jobs_cursors
--   jobs_admin
--   jobs_status
--   wake::jobs_wake_launcher
--   jobs_purge

-- Jobs grants. anon and authenticated get nothing unless the owner grants
-- it. service_role (an Edge Function, an external worker, the dashboard)
-- uses the queue and cursors, manages jobs, and runs run_pending(). Job
-- definitions and deliveries hold signing secrets, so their tables are the
-- owner's; roles read their own through the jobs view and the column grants
-- on http_requests (RLS shows each role its own rows).
REVOKE ALL ON supabase_ext.job_queue, supabase_ext.job_dead_letters, supabase_ext.sync_cursors,
              supabase_ext.job_definitions, supabase_ext.job_runs, supabase_ext.http_requests,
              supabase_ext.jobs, supabase_ext.jobs_status FROM PUBLIC;
GRANT SELECT ON supabase_ext.jobs TO PUBLIC;
GRANT SELECT (id, job_run_id, method, url, headers, body, timeout_ms, max_attempts, webhook_id, status,
              attempts, next_attempt_at, response_status, response_headers, response_body, last_error,
              owner, created_at, finished_at)
   ON supabase_ext.http_requests TO PUBLIC;
REVOKE ALL ON FUNCTION
    supabase_ext.enqueue(text, jsonb, timestamptz, integer, text, integer),
    supabase_ext.enqueue_batch(text, jsonb[], timestamptz, integer, integer),
    supabase_ext.dequeue(text, integer, interval),
    supabase_ext.ack(bigint),
    supabase_ext.nack(bigint, text, interval),
    supabase_ext.dead_letter_redrive(text, bigint[]),
    supabase_ext.sync_cursor_get(text),
    supabase_ext.sync_cursor_set(text, jsonb, jsonb),
    supabase_ext.job_backoff(integer),
    supabase_ext.job_schedule(text, text, text, jsonb),
    supabase_ext.job_lookup(text),
    supabase_ext.job_unschedule(text),
    supabase_ext.job_run_now(text),
    supabase_ext.job_pause(text),
    supabase_ext.job_resume(text),
    supabase_ext.http_request(text, text, jsonb, jsonb, jsonb),
    supabase_ext.jobs_fire_due(integer),
    supabase_ext.jobs_run_queued(integer),
    supabase_ext.jobs_claim_http(integer),
    supabase_ext.jobs_send_http(jsonb),
    supabase_ext.jobs_record_http(jsonb),
    supabase_ext.jobs_settle_runs(),
    supabase_ext.jobs_broadcast(text, jsonb),
    supabase_ext.jobs_wake(),
    supabase_ext.jobs_wake_launcher(),
    supabase_ext.job_check_sql(text),
    supabase_ext.job_check_url(text, boolean),
    supabase_ext.http_options_check(jsonb),
    supabase_ext.job_invoker(),
    supabase_ext.jobs_worker(),
    supabase_ext.jobs_purge(integer, integer)
FROM PUBLIC;
REVOKE ALL ON PROCEDURE supabase_ext.run_pending(integer, integer) FROM PUBLIC;

INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('jobs', 'service_role', 'SELECT, INSERT, UPDATE, DELETE', 'TABLE supabase_ext.job_queue'),
    ('jobs', 'service_role', 'SELECT, INSERT, UPDATE, DELETE', 'TABLE supabase_ext.job_dead_letters'),
    ('jobs', 'service_role', 'SELECT, INSERT, UPDATE, DELETE', 'TABLE supabase_ext.sync_cursors'),
    ('jobs', 'service_role', 'SELECT', 'TABLE supabase_ext.job_runs'),
    ('jobs', 'service_role', 'SELECT', 'TABLE supabase_ext.jobs_status'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_worker()'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.enqueue(text, jsonb, timestamptz, integer, text, integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.enqueue_batch(text, jsonb[], timestamptz, integer, integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.dequeue(text, integer, interval)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.ack(bigint)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.nack(bigint, text, interval)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.dead_letter_redrive(text, bigint[])'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.sync_cursor_get(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.sync_cursor_set(text, jsonb, jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_backoff(integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_schedule(text, text, text, jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_unschedule(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_run_now(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_pause(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_resume(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.http_request(text, text, jsonb, jsonb, jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_fire_due(integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_run_queued(integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_claim_http(integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_send_http(jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_record_http(jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_settle_runs()'),
    ('jobs', 'service_role', 'EXECUTE', 'PROCEDURE supabase_ext.run_pending(integer, integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_wake()'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_broadcast(text, jsonb)');

-- Re-apply every domain's grants (functions recreated above lost theirs),
-- and start a jobs worker in this database when the update commits.
SELECT supabase_ext.grant_supabase_roles();
SELECT supabase_ext.jobs_wake_launcher();

