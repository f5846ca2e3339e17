-- Chapter 1: tenancy. One CREATE EXTENSION gives fast claims helpers,
-- generated tenant policies, an RLS audit and HS256 JWTs.
CREATE TABLE IF NOT EXISTS public.projects (
    id        bigserial PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name      text NOT NULL
);
CREATE INDEX IF NOT EXISTS projects_tenant ON public.projects (tenant_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.projects TO authenticated;
GRANT USAGE ON SEQUENCE public.projects_id_seq TO authenticated;
TRUNCATE public.projects;
INSERT INTO public.projects (tenant_id, name) VALUES
  ('aaaaaaaa-0000-4000-8000-000000000001', 'Acme website'),
  ('aaaaaaaa-0000-4000-8000-000000000001', 'Acme app'),
  ('bbbbbbbb-0000-4000-8000-000000000002', 'Globex ERP');

-- Before: the audit flags a table exposed through PostgREST without RLS.
SELECT lint, level, object, remedy FROM supabase_ext.rls_audit() WHERE object LIKE 'public.projects%';

-- One call writes the four initPlan-friendly policies. Running it again changes nothing.
SELECT supabase_ext.enable_tenant_rls('public.projects');
SELECT supabase_ext.enable_tenant_rls('public.projects');
SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = 'projects' ORDER BY 1;

-- After: clean.
SELECT count(*) AS findings FROM supabase_ext.rls_audit() WHERE object LIKE 'public.projects%';

-- What PostgREST does for a request from Acme's user: switch role, set the claims.
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub": "6b0c7c5e-1f2e-4a3b-9c8d-7e6f5a4b3c2d", "role": "authenticated",
    "app_metadata": {"tenant_id": "aaaaaaaa-0000-4000-8000-000000000001"}}', true) IS NOT NULL AS claims_set;
SELECT supabase_ext.uid(), supabase_ext.tenant_id();
SELECT name FROM public.projects ORDER BY id;              -- only Acme's rows
\set ON_ERROR_STOP off
INSERT INTO public.projects (tenant_id, name)               -- writing into Globex is refused
  VALUES ('bbbbbbbb-0000-4000-8000-000000000002', 'sneaky');
\set ON_ERROR_STOP on
ROLLBACK;

-- The policy's tenant_id() call runs once per statement (an InitPlan), and the index is used.
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"tenant_id": "aaaaaaaa-0000-4000-8000-000000000001"}', true) IS NOT NULL AS claims_set;
SET LOCAL enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM public.projects;
ROLLBACK;

-- HS256 JWTs: sign, verify, and the RFC 7515 A.1 token expiring on time.
SELECT supabase_ext.jwt_sign('{"sub": "demo", "role": "authenticated"}', 'super-secret-jwt-token-with-at-least-32-characters') AS token;
SELECT valid, reason, payload->>'sub' AS sub
  FROM supabase_ext.jwt_verify(
    supabase_ext.jwt_sign('{"sub": "demo", "exp": 4102444800}', 'super-secret-jwt-token-with-at-least-32-characters'),
    'super-secret-jwt-token-with-at-least-32-characters');
SELECT valid, reason FROM supabase_ext.jwt_verify('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'k');  -- alg none: refused
