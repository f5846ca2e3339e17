-- rls_audit() lints for the leaks 0.1.0 missed, each with a case that fires
-- and a near-miss that must not. Schema "leaks" plays the exposed schema.
CREATE SCHEMA leaks;
GRANT USAGE ON SCHEMA leaks TO anon, authenticated;
CREATE TABLE leaks.docs (id int PRIMARY KEY, tenant_id uuid NOT NULL, body text);
CREATE INDEX ON leaks.docs (tenant_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON leaks.docs TO authenticated;
SELECT supabase_ext.enable_tenant_rls('leaks.docs') IS NOT NULL AS tenant_policies;
-- 1. A permissive USING (true) SELECT policy beside the tenant policies: ORed, so every row is visible.
CREATE POLICY everyone_reads ON leaks.docs FOR SELECT TO authenticated USING (true);
-- ...enable_tenant_rls warns about it on the next run.
SELECT array_length(supabase_ext.enable_tenant_rls('leaks.docs'), 1) > 0 AS rerun;
-- Not flagged: a service_role-only catch-all, and a restrictive always-true policy.
CREATE POLICY service_all ON leaks.docs TO service_role USING (true) WITH CHECK (true);
CREATE POLICY restrictive_true ON leaks.docs AS RESTRICTIVE FOR SELECT TO authenticated USING (true);
-- 2. raw_user_meta_data drives authorization.
CREATE TABLE leaks.notes (id int PRIMARY KEY, owner uuid, meta jsonb);
ALTER TABLE leaks.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_meta ON leaks.notes FOR SELECT TO authenticated
    USING ((meta ->> 'raw_user_meta_data') IS NOT NULL AND owner = (SELECT supabase_ext.uid()));
-- 3. Materialized views and foreign tables in the exposed schema.
CREATE MATERIALIZED VIEW leaks.doc_counts AS SELECT tenant_id, count(*) FROM leaks.docs GROUP BY 1;
GRANT SELECT ON leaks.doc_counts TO authenticated;
CREATE MATERIALIZED VIEW leaks.private_counts AS SELECT 1 AS n;   -- not granted: not flagged
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SERVER leaks_srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'nowhere');
CREATE FOREIGN TABLE leaks.remote_docs (id int) SERVER leaks_srv;
GRANT SELECT ON leaks.remote_docs TO anon;
-- 4. A security_invoker view over a private table without RLS that API roles can select.
CREATE SCHEMA private;
GRANT USAGE ON SCHEMA private TO authenticated;
CREATE TABLE private.salaries (name text, amount int);
GRANT SELECT ON private.salaries TO authenticated;
CREATE VIEW leaks.salaries WITH (security_invoker = true) AS SELECT name, amount FROM private.salaries;
GRANT SELECT ON leaks.salaries TO authenticated;
CREATE TABLE private.protected (name text);
ALTER TABLE private.protected ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON private.protected TO authenticated;
CREATE VIEW leaks.protected WITH (security_invoker = true) AS SELECT name FROM private.protected;   -- RLS on: not flagged
-- 5. Write checks that are always true without being the literal true.
CREATE TABLE leaks.posts (id int PRIMARY KEY, tenant_id uuid NOT NULL, title text);
CREATE INDEX ON leaks.posts (tenant_id);
ALTER TABLE leaks.posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY self_compare ON leaks.posts FOR INSERT TO authenticated WITH CHECK (tenant_id = tenant_id);
CREATE POLICY or_true ON leaks.posts FOR UPDATE TO authenticated
    USING (tenant_id = (SELECT supabase_ext.tenant_id()) OR true) WITH CHECK (tenant_id = (SELECT supabase_ext.tenant_id()));
CREATE POLICY constant ON leaks.posts FOR DELETE TO authenticated USING (1 < 2);
CREATE POLICY real_check ON leaks.posts FOR SELECT TO authenticated USING (tenant_id = (SELECT supabase_ext.tenant_id()));
-- 6. SECURITY DEFINER with a pinned search_path that doesn't end with pg_temp.
CREATE FUNCTION leaks.definer_bad() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = public AS 'SELECT 1';
CREATE FUNCTION leaks.definer_good() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION leaks.definer_bad(), leaks.definer_good() FROM PUBLIC;
-- 7. A 0.1.0-style role gate on a multi-tenant table (not row-aware).
CREATE TABLE leaks.legacy (id int PRIMARY KEY, tenant_id uuid NOT NULL);
CREATE INDEX ON leaks.legacy (tenant_id);
ALTER TABLE leaks.legacy ENABLE ROW LEVEL SECURITY;
CREATE POLICY legacy_update ON leaks.legacy FOR UPDATE TO authenticated
    USING (tenant_id = ANY ((SELECT supabase_ext.tenant_ids())::uuid[]) AND (SELECT supabase_ext.has_role('admin')));

SELECT lint, level, object FROM supabase_ext.rls_audit('{leaks}')
 WHERE lint IN ('permissive_policy_defeats_tenant_policy', 'rls_references_user_metadata', 'materialized_view_in_api',
                'foreign_table_in_api', 'view_over_table_without_rls', 'rls_policy_always_true',
                'security_definer_search_path_pg_temp', 'tenant_role_gate_not_row_aware')
 ORDER BY lint, object;
-- The generated policies themselves are never flagged.
SELECT count(*) AS generated_flagged FROM supabase_ext.rls_audit('{leaks}') WHERE object LIKE '%supabase_ext_tenant_%';
-- Remedies are runnable: applying the view and search_path ones clears them.
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT * FROM supabase_ext.rls_audit('{leaks}')
              WHERE lint IN ('view_over_table_without_rls', 'security_definer_search_path_pg_temp') LOOP
        EXECUTE r.remedy;
    END LOOP;
END $$;
SELECT count(*) AS left_after_remedies FROM supabase_ext.rls_audit('{leaks}')
 WHERE lint IN ('view_over_table_without_rls', 'security_definer_search_path_pg_temp');
-- The helper on its own.
SELECT e, supabase_ext.rls_expr_always_true(e, refs) AS always_true
  FROM (VALUES ('true', false), ('(1 = 1)', false), ('(tenant_id = tenant_id)', true),
               ('((a IS NULL) OR true)', true), ('(1 < 2)', false), ('(''a''::text = ''a''::text)', false),
               ('(tenant_id = ( SELECT supabase_ext.tenant_id() AS tenant_id))', true),
               ('(CURRENT_USER = ''x''::name)', false), ('false', false), ('(owner = auth.uid())', true)) AS v(e, refs);
DROP SCHEMA leaks CASCADE;
DROP SCHEMA private CASCADE;
DROP SERVER leaks_srv;
