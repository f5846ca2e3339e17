-- Tenant policy generator and RLS audit, as a user sees them.
-- Roles anon, authenticated and service_role come from the test cluster setup.
-- The small auth schema below mimics Supabase's auth.uid()/auth.jwt(), which
-- user policies call; the audit must judge those calls.
SET client_min_messages = warning;

-- SQLSTATE raised by a statement, or 'ok'.
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- Catalog snapshot of a table's policies, to prove reruns change nothing.
CREATE FUNCTION pg_temp.policy_state(t regclass) RETURNS TABLE (oid oid, x text, polname name, cmd text, roles name[], qual text, with_check text)
LANGUAGE sql AS $$
    SELECT p.oid, p.xmin::text, p.polname, pp.cmd, pp.roles, pp.qual, pp.with_check
      FROM pg_policy p
      JOIN pg_class c ON c.oid = p.polrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_policies pp ON pp.schemaname = n.nspname AND pp.tablename = c.relname AND pp.policyname = p.polname
     WHERE p.polrelid = t
$$;

-- ============================================================================
-- 1. enable_tenant_rls / disable_tenant_rls
-- ============================================================================
CREATE SCHEMA app;
GRANT USAGE ON SCHEMA app TO anon, authenticated;

CREATE TABLE app.projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL
);
CREATE INDEX ON app.projects (tenant_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON app.projects TO authenticated;
INSERT INTO app.projects (tenant_id, name) VALUES
    ('00000000-0000-0000-0000-00000000000a', 'a1'),
    ('00000000-0000-0000-0000-00000000000a', 'a2'),
    ('00000000-0000-0000-0000-00000000000b', 'b1');

-- Validation errors.
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.projects', 'nope')$$) AS missing_column_42703;
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.projects', 'name')$$) AS not_uuid_42804;
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.projects', 'tenant_id', '{"forse": true}')$$) AS unknown_option_22023;
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.projects', 'tenant_id', '{"force": "yes"}')$$) AS bad_boolean_22023;
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.projects', 'tenant_id', '{"roles": "authenticated"}')$$) AS bad_array_22023;
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.projects', 'tenant_id', '{"write_roles": []}')$$) AS empty_array_22023;
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.projects', 'tenant_id', '[]')$$) AS not_object_22023;
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.projects', 'tenant_id', '{"roles": ["no_such_role"]}')$$) AS unknown_role_42704;
CREATE VIEW app.not_a_table WITH (security_invoker = true) AS SELECT 1 AS x;
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.not_a_table')$$) AS view_42809;
DROP VIEW app.not_a_table;
-- Nothing was left behind by the failures.
SELECT NOT relrowsecurity AND NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = 'app.projects'::regclass) AS untouched
  FROM pg_class WHERE oid = 'app.projects'::regclass;

-- Only owners/superusers: EXECUTE is revoked from PUBLIC.
SET ROLE authenticated;
SELECT pg_temp.err($$SELECT supabase_ext.enable_tenant_rls('app.projects')$$) AS no_execute_42501;
SELECT pg_temp.err($$SELECT supabase_ext.disable_tenant_rls('app.projects')$$) AS no_execute_42501;
RESET ROLE;

-- Default form.
SELECT supabase_ext.enable_tenant_rls('app.projects');
SELECT policyname, cmd, roles, qual, with_check FROM pg_policies WHERE schemaname = 'app' AND tablename = 'projects' ORDER BY policyname;
SELECT relrowsecurity AS rls, relforcerowsecurity AS forced FROM pg_class WHERE oid = 'app.projects'::regclass;

-- Second run with the same arguments is a no-op: same OIDs, same tuples (xmin), same pg_policies rows.
CREATE TEMP TABLE before AS SELECT * FROM pg_temp.policy_state('app.projects');
SELECT supabase_ext.enable_tenant_rls('app.projects');
SELECT (SELECT count(*) FROM before) = 4 AS four_policies,
       NOT EXISTS (SELECT * FROM pg_temp.policy_state('app.projects') EXCEPT SELECT * FROM before)
   AND NOT EXISTS (SELECT * FROM before EXCEPT SELECT * FROM pg_temp.policy_state('app.projects')) AS rerun_is_noop;

-- Row visibility as an API caller.
SET ROLE authenticated;
SET request.jwt.claims = '{"role": "authenticated", "tenant_id": "00000000-0000-0000-0000-00000000000a"}';
SELECT count(*) = 2 AS sees_own_tenant FROM app.projects;
SELECT pg_temp.err($$INSERT INTO app.projects (tenant_id, name) VALUES ('00000000-0000-0000-0000-00000000000b', 'x')$$) AS other_tenant_insert_42501;
SELECT pg_temp.err($$INSERT INTO app.projects (tenant_id, name) VALUES ('00000000-0000-0000-0000-00000000000a', 'a3')$$) AS own_tenant_insert_ok;
SELECT pg_temp.err($$UPDATE app.projects SET tenant_id = '00000000-0000-0000-0000-00000000000b' WHERE name = 'a3'$$) AS move_row_out_42501;
WITH d AS (DELETE FROM app.projects WHERE name = 'b1' RETURNING 1) SELECT count(*) = 0 AS cannot_delete_other_tenant FROM d;
SET request.jwt.claims = '{"role": "authenticated"}';
SELECT count(*) = 0 AS no_tenant_sees_nothing FROM app.projects;
RESET request.jwt.claims;
RESET ROLE;

-- The policies use initPlans: the claim is read once per statement.
SET ROLE authenticated;
EXPLAIN (COSTS OFF) SELECT * FROM app.projects;
RESET ROLE;

-- force: FORCE ROW LEVEL SECURITY; a changed definition is ALTERed in place (OIDs kept).
SELECT supabase_ext.enable_tenant_rls('app.projects', 'tenant_id', '{"force": true, "roles": ["authenticated", "anon"]}');
SELECT relforcerowsecurity AS forced FROM pg_class WHERE oid = 'app.projects'::regclass;
SELECT (SELECT array_agg(oid ORDER BY oid) FROM pg_temp.policy_state('app.projects'))
     = (SELECT array_agg(oid ORDER BY oid) FROM before) AS oids_kept_after_alter,
       (SELECT bool_and(roles = '{anon,authenticated}') FROM pg_temp.policy_state('app.projects')) AS roles_updated;
-- A policy of ours with the wrong command is recreated.
DROP POLICY supabase_ext_tenant_delete ON app.projects;
CREATE POLICY supabase_ext_tenant_delete ON app.projects FOR ALL TO authenticated USING (true);
SELECT supabase_ext.enable_tenant_rls('app.projects', 'tenant_id', '{"force": true, "roles": ["authenticated", "anon"]}');
SELECT cmd = 'DELETE' AS delete_policy_fixed FROM pg_policies WHERE schemaname = 'app' AND policyname = 'supabase_ext_tenant_delete';
-- Back to the default form for the audit below.
SELECT supabase_ext.enable_tenant_rls('app.projects');

-- Missing index: a WARNING with a CREATE INDEX hint (still succeeds).
CREATE TABLE app.noidx (id int PRIMARY KEY, tenant_id uuid);
SELECT supabase_ext.enable_tenant_rls('app.noidx');
CREATE INDEX ON app.noidx (tenant_id);
SELECT supabase_ext.enable_tenant_rls('app.noidx');   -- no warning now

-- Role-gated variant: engineers and admins write, only admins delete.
CREATE TABLE app.tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    title text NOT NULL
);
CREATE INDEX ON app.tasks (tenant_id, id);
GRANT SELECT, INSERT, UPDATE, DELETE ON app.tasks TO authenticated;
SELECT supabase_ext.enable_tenant_rls('app.tasks', 'tenant_id', '{"write_roles": ["admin", "engineer"], "delete_roles": ["admin"]}');
SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'app' AND tablename = 'tasks' ORDER BY policyname;
SELECT supabase_ext.enable_tenant_rls('app.tasks', 'tenant_id', '{"write_roles": ["admin", "engineer"], "delete_roles": ["admin"]}') AS rerun_all_unchanged;
SET ROLE authenticated;
SET request.jwt.claims = '{"tenant_id": "00000000-0000-0000-0000-00000000000a", "app_metadata": {"roles": ["viewer"]}}';
SELECT pg_temp.err($$INSERT INTO app.tasks (tenant_id, title) VALUES ('00000000-0000-0000-0000-00000000000a', 'v')$$) AS viewer_insert_42501;
SET request.jwt.claims = '{"tenant_id": "00000000-0000-0000-0000-00000000000a", "app_metadata": {"roles": ["engineer"]}}';
SELECT pg_temp.err($$INSERT INTO app.tasks (tenant_id, title) VALUES ('00000000-0000-0000-0000-00000000000a', 'e')$$) AS engineer_insert_ok;
WITH d AS (DELETE FROM app.tasks RETURNING 1) SELECT count(*) = 0 AS engineer_cannot_delete FROM d;
SET request.jwt.claims = '{"tenant_id": "00000000-0000-0000-0000-00000000000a", "app_metadata": {"roles": ["viewer"]}}';
SELECT count(*) = 1 AS viewer_reads FROM app.tasks;
SET request.jwt.claims = '{"tenant_id": "00000000-0000-0000-0000-00000000000a", "app_metadata": {"roles": ["admin"]}}';
WITH d AS (DELETE FROM app.tasks RETURNING 1) SELECT count(*) = 1 AS admin_deletes FROM d;
RESET request.jwt.claims;
RESET ROLE;
-- read_roles gates SELECT.
SELECT supabase_ext.enable_tenant_rls('app.tasks', 'tenant_id', '{"read_roles": ["member"], "write_roles": ["admin", "engineer"], "delete_roles": ["admin"]}');
SELECT qual ~ 'tenant_ids_with_role\(''\{member\}''' AS select_gated FROM pg_policies WHERE schemaname = 'app' AND policyname = 'supabase_ext_tenant_select' AND tablename = 'tasks';

-- Multi variant: membership in several tenants via tenant_ids, custom column name.
CREATE TABLE app.docs (id int PRIMARY KEY, org_id uuid NOT NULL, body text);
CREATE INDEX ON app.docs (org_id);
GRANT SELECT ON app.docs TO authenticated;
INSERT INTO app.docs VALUES (1, '00000000-0000-0000-0000-00000000000a', 'a'),
                            (2, '00000000-0000-0000-0000-00000000000b', 'b'),
                            (3, '00000000-0000-0000-0000-00000000000c', 'c');
SELECT supabase_ext.enable_tenant_rls('app.docs', 'org_id', '{"multi": true}');
SELECT qual FROM pg_policies WHERE schemaname = 'app' AND tablename = 'docs' AND policyname = 'supabase_ext_tenant_select';
SELECT supabase_ext.enable_tenant_rls('app.docs', 'org_id', '{"multi": true}') AS rerun_all_unchanged;
SET ROLE authenticated;
SET request.jwt.claims = '{"tenant_ids": ["00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"]}';
SELECT array_agg(id ORDER BY id) = '{1,2}' AS sees_both_tenants FROM app.docs;
RESET request.jwt.claims;
RESET ROLE;

-- Quoted identifiers, PUBLIC as policy role, partitioned table (NOTICE about partitions).
CREATE TABLE app."Odd Name" ("Tenant Key" uuid, v int) PARTITION BY LIST ("Tenant Key");
CREATE INDEX ON app."Odd Name" ("Tenant Key");
SELECT supabase_ext.enable_tenant_rls('app."Odd Name"', 'Tenant Key', '{"roles": ["public"]}');
SELECT supabase_ext.enable_tenant_rls('app."Odd Name"', 'Tenant Key', '{"roles": ["public"]}') AS rerun_all_unchanged;
SELECT roles, qual FROM pg_policies WHERE schemaname = 'app' AND tablename = 'Odd Name' AND policyname = 'supabase_ext_tenant_select';
DROP TABLE app."Odd Name";

-- service_role without BYPASSRLS gets a catch-all policy; with BYPASSRLS nothing.
ALTER ROLE service_role NOBYPASSRLS;
CREATE TABLE app.svc (id int PRIMARY KEY, tenant_id uuid);
CREATE INDEX ON app.svc (tenant_id);
SELECT supabase_ext.enable_tenant_rls('app.svc');
SELECT cmd, roles, qual, with_check FROM pg_policies WHERE schemaname = 'app' AND policyname = 'supabase_ext_tenant_service_role';
SELECT supabase_ext.enable_tenant_rls('app.svc') AS rerun_all_unchanged;
ALTER ROLE service_role BYPASSRLS;

-- disable: with only our policies, RLS goes off entirely.
CREATE TABLE app.tmp (id int, tenant_id uuid);
CREATE INDEX ON app.tmp (tenant_id);
SELECT supabase_ext.enable_tenant_rls('app.tmp', 'tenant_id', '{"force": true}');
SELECT supabase_ext.disable_tenant_rls('app.tmp');
SELECT NOT relrowsecurity AND NOT relforcerowsecurity AS rls_off,
       NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = c.oid) AS no_policies
  FROM pg_class c WHERE oid = 'app.tmp'::regclass;
SELECT supabase_ext.disable_tenant_rls('app.tmp') AS second_disable;
-- disable: another policy remains, so RLS stays on (WARNING).
SELECT supabase_ext.enable_tenant_rls('app.tmp', 'tenant_id', '{"force": true}');
CREATE POLICY keep_me ON app.tmp FOR SELECT TO authenticated USING (tenant_id = (SELECT supabase_ext.tenant_id()));
SELECT supabase_ext.disable_tenant_rls('app.tmp');
SELECT relrowsecurity AND relforcerowsecurity AS rls_kept,
       (SELECT array_agg(polname) FROM pg_policy WHERE polrelid = c.oid) = '{keep_me}' AS only_other_left
  FROM pg_class c WHERE oid = 'app.tmp'::regclass;
DROP TABLE app.tmp;

-- ============================================================================
-- 2. rls_audit: a clean exposed schema yields no rows
-- ============================================================================
CREATE VIEW app.project_names WITH (security_invoker = true) AS SELECT id, name FROM app.projects;
GRANT SELECT ON app.project_names TO authenticated;
CREATE FUNCTION app.project_count() RETURNS bigint LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp AS $$ SELECT count(*) FROM app.projects $$;
CREATE FUNCTION app.admin_reset() RETURNS void LANGUAGE sql SECURITY DEFINER
    SET search_path = '' AS $$ SELECT $$;
REVOKE EXECUTE ON FUNCTION app.admin_reset() FROM PUBLIC;
CREATE TABLE app.settings (id int PRIMARY KEY);
ALTER TABLE app.settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON app.settings FOR SELECT TO authenticated USING (true);

SELECT * FROM supabase_ext.rls_audit('{app}');
SET supabase_ext.rls_exposed_schemas = ' app ';
SELECT count(*) = 0 AS clean_via_setting FROM supabase_ext.rls_audit();
-- public is empty so far: the fallback default is clean too.
SET supabase_ext.rls_exposed_schemas = '';
SELECT count(*) = 0 AS clean_via_fallback FROM supabase_ext.rls_audit();
RESET supabase_ext.rls_exposed_schemas;

-- ============================================================================
-- 3. rls_audit: a purpose-built bad schema triggers every lint
-- ============================================================================
DO $$
BEGIN
    IF to_regnamespace('auth') IS NULL THEN
        CREATE SCHEMA auth;
    END IF;
    IF to_regprocedure('auth.uid()') IS NULL THEN
        CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
            SET search_path = '' AS $f$ SELECT (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::uuid $f$;
    END IF;
    IF to_regprocedure('auth.jwt()') IS NULL THEN
        CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE
            SET search_path = '' AS $f$ SELECT current_setting('request.jwt.claims', true)::jsonb $f$;
    END IF;
END $$;

-- rls_disabled_in_public
CREATE TABLE public.no_rls (id int PRIMARY KEY);
-- policy_exists_rls_disabled (+ rls_disabled_in_public)
CREATE TABLE public.pol_no_rls (id int PRIMARY KEY, owner uuid);
CREATE POLICY own ON public.pol_no_rls USING (owner = (SELECT auth.uid()));
-- rls_enabled_no_policy
CREATE TABLE public.rls_no_pol (id int PRIMARY KEY);
ALTER TABLE public.rls_no_pol ENABLE ROW LEVEL SECURITY;
-- auth_rls_initplan (unwrapped calls) + tenant_column_unindexed (no index on tenant_id)
CREATE TABLE public.slow (id int PRIMARY KEY, tenant_id uuid, owner uuid);
ALTER TABLE public.slow ENABLE ROW LEVEL SECURITY;
CREATE POLICY slow_tenant ON public.slow FOR SELECT USING (tenant_id = supabase_ext.tenant_id());
CREATE POLICY slow_setting ON public.slow FOR INSERT
    WITH CHECK (owner = (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::uuid);
-- mixed: wrapped tenant_id() (ok) but unwrapped auth.uid() (flagged); nested wrapped jwt() (ok)
CREATE POLICY slow_mixed ON public.slow FOR UPDATE
    USING (tenant_id = (SELECT supabase_ext.tenant_id()) AND owner = auth.uid())
    WITH CHECK (tenant_id = (SELECT supabase_ext.tenant_id()) AND (SELECT auth.jwt() ->> 'aal') = 'aal2');
-- all wrapped, with nesting and a string containing "auth.uid()": not flagged
CREATE TABLE public.fast (id int PRIMARY KEY, tenant_id uuid, owner uuid, note text);
CREATE INDEX ON public.fast (tenant_id);
ALTER TABLE public.fast ENABLE ROW LEVEL SECURITY;
CREATE POLICY fast_all ON public.fast FOR SELECT
    USING (tenant_id = (SELECT supabase_ext.tenant_id())
           AND owner = (SELECT auth.uid())
           AND (SELECT (auth.jwt() -> 'app_metadata') ->> 'plan') IS DISTINCT FROM 'x'
           AND (SELECT supabase_ext.has_role('admin'))
           AND note <> 'auth.uid() (SELECT'
           AND tenant_id = ANY ((SELECT supabase_ext.tenant_ids())::uuid[]));
-- rls_policy_always_true (UPDATE true for authenticated); SELECT true and service_role-only true are fine
CREATE TABLE public.open (id int PRIMARY KEY);
ALTER TABLE public.open ENABLE ROW LEVEL SECURITY;
CREATE POLICY open_read ON public.open FOR SELECT TO anon, authenticated USING (true);
CREATE POLICY open_write ON public.open FOR UPDATE TO authenticated USING (true) WITH CHECK (true);
CREATE POLICY open_insert ON public.open FOR INSERT TO PUBLIC WITH CHECK (1 = 1);
CREATE POLICY open_service ON public.open FOR ALL TO service_role USING (true) WITH CHECK (true);
-- rls_references_user_metadata
CREATE TABLE public.meta (id int PRIMARY KEY, tenant_id uuid);
CREATE INDEX ON public.meta (tenant_id);
ALTER TABLE public.meta ENABLE ROW LEVEL SECURITY;
CREATE POLICY meta_tenant ON public.meta FOR SELECT TO authenticated
    USING (tenant_id = ((SELECT auth.jwt() -> 'user_metadata' ->> 'tenant_id'))::uuid);
-- tenant_column_unindexed on a quoted identifier, found through the = ANY form
CREATE TABLE public."Weird Table" (id int PRIMARY KEY, "Org Id" uuid);
ALTER TABLE public."Weird Table" ENABLE ROW LEVEL SECURITY;
CREATE POLICY weird ON public."Weird Table" FOR SELECT
    USING ("Org Id" = ANY ((SELECT supabase_ext.tenant_ids())::uuid[]));
-- tenant_column_unindexed through the mirrored form, on a column not named like a tenant
CREATE TABLE public.rev (id int PRIMARY KEY, team uuid, other uuid);
CREATE INDEX ON public.rev (other, team);   -- not leading: still flagged
ALTER TABLE public.rev ENABLE ROW LEVEL SECURITY;
CREATE POLICY rev ON public.rev FOR SELECT TO authenticated
    USING ((SELECT supabase_ext.tenant_id()) = team AND other IS NOT NULL);
-- security_definer_view
CREATE VIEW public.v_definer AS SELECT id FROM public.no_rls;
-- function_search_path_mutable
CREATE FUNCTION public.f_mutable() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
-- anon_/authenticated_security_definer_function_executable (EXECUTE via PUBLIC)
CREATE FUNCTION public.f_definer(a int) RETURNS int LANGUAGE sql SECURITY DEFINER
    SET search_path = '' AS $$ SELECT a $$;

SELECT lint, level, object FROM supabase_ext.rls_audit('{public,app}');
SELECT * FROM supabase_ext.rls_audit('{public}') WHERE lint IN ('auth_rls_initplan', 'tenant_column_unindexed', 'rls_policy_always_true');

-- Every lint fires.
SELECT l AS lint, EXISTS (SELECT 1 FROM supabase_ext.rls_audit('{public}') a WHERE a.lint = l) AS fired
  FROM unnest(ARRAY['rls_disabled_in_public', 'policy_exists_rls_disabled', 'rls_enabled_no_policy',
                    'auth_rls_initplan', 'function_search_path_mutable', 'security_definer_view',
                    'rls_policy_always_true', 'rls_references_user_metadata',
                    'anon_security_definer_function_executable',
                    'authenticated_security_definer_function_executable',
                    'tenant_column_unindexed']) AS l;
-- No false positives in the clean schema, nor on the clean public objects.
SELECT count(*) = 0 AS app_still_clean FROM supabase_ext.rls_audit('{public,app}') WHERE object LIKE 'app.%';
-- (fast_all's has_role() gate beside tenant_ids() is flagged as not row-aware, rightly.)
SELECT count(*) = 0 AS fast_not_flagged FROM supabase_ext.rls_audit('{public}')
 WHERE object LIKE 'public.fast%' AND lint <> 'tenant_role_gate_not_row_aware';
SELECT array_agg(object ORDER BY object) = '{"public.\"Weird Table\".\"Org Id\"",public.rev.team,public.slow.tenant_id}'
       AS unindexed_columns_exact FROM supabase_ext.rls_audit('{public}') WHERE lint = 'tenant_column_unindexed';
SELECT count(*) = 0 AS safe_true_policies_not_flagged FROM supabase_ext.rls_audit('{public}')
 WHERE object IN ('public.open.open_read', 'public.open.open_service');
-- Schemas outside the exposed list are ignored (except policy_exists_rls_disabled, which is global).
SELECT array_agg(DISTINCT lint) = '{policy_exists_rls_disabled}' AS unexposed_only_global FROM supabase_ext.rls_audit('{app}');
-- Levels are ordered ERROR, WARN, INFO.
SELECT array_agg(DISTINCT level) AS levels,
       (SELECT array_agg(level) FROM supabase_ext.rls_audit('{public}')) =
       (SELECT array_agg(level ORDER BY CASE level WHEN 'ERROR' THEN 1 WHEN 'WARN' THEN 2 ELSE 3 END)
          FROM supabase_ext.rls_audit('{public}')) AS ordered
  FROM supabase_ext.rls_audit('{public}');
-- Callable by any role (catalog metadata only), e.g. a CI login or anon.
SET ROLE anon;
SELECT count(*) > 0 AS anon_can_audit FROM supabase_ext.rls_audit('{public}') WHERE level = 'ERROR';
RESET ROLE;
-- The remedies are runnable SQL: apply them and the findings go away.
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT * FROM supabase_ext.rls_audit('{public}')
              WHERE lint IN ('rls_disabled_in_public', 'policy_exists_rls_disabled', 'security_definer_view',
                             'function_search_path_mutable', 'tenant_column_unindexed',
                             'anon_security_definer_function_executable')
    LOOP
        EXECUTE r.remedy;
    END LOOP;
END $$;
SELECT lint, object FROM supabase_ext.rls_audit('{public}')
 WHERE lint IN ('rls_disabled_in_public', 'policy_exists_rls_disabled', 'security_definer_view',
                'function_search_path_mutable', 'tenant_column_unindexed',
                'anon_security_definer_function_executable', 'authenticated_security_definer_function_executable');

-- Helper.
SELECT supabase_ext.rls_strip_subselects($$((a = ( SELECT (auth.jwt() ->> 'x'::text))) AND (b = 'it''s ( SELECT'::text) AND (c = auth.uid()))$$);
