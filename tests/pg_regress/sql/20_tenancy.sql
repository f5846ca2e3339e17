-- Tenancy: claims helpers as PostgREST sets them, and HS256 JWTs.
SELECT supabase_ext.jwt() IS NULL AS no_claims, supabase_ext.tenant_id() IS NULL AS no_tenant;
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub": "6b0c7c5e-1f2e-4a3b-9c8d-7e6f5a4b3c2d", "role": "authenticated",
  "app_metadata": {"tenant_id": "0c8f1d6e-5b4a-4c3d-8e2f-1a0b9c8d7e6f", "roles": ["engineer"]}}', true) IS NOT NULL AS claims_set;
SELECT supabase_ext.uid(), supabase_ext.role(), supabase_ext.tenant_id(), supabase_ext.tenant_ids(),
       supabase_ext.has_role('engineer') AS engineer, supabase_ext.has_role('admin') AS admin;
-- Claims change between statements of one transaction: the helpers follow.
SELECT set_config('request.jwt.claims', '{"org_id": "11111111-1111-4111-8111-111111111111"}', true) IS NOT NULL AS claims_set;
SELECT supabase_ext.tenant_id(), supabase_ext.uid();
-- user_metadata is editable by users: it never decides the tenant.
SELECT set_config('request.jwt.claims', '{"user_metadata": {"tenant_id": "11111111-1111-4111-8111-111111111111"}}', true) IS NOT NULL AS claims_set;
SELECT supabase_ext.tenant_id();
SELECT set_config('request.jwt.claims', '{oops', true) IS NOT NULL AS claims_set;
SELECT supabase_ext.tenant_id();
ROLLBACK;
-- RFC 7515 appendix A.1 (HS256): valid just before exp, expired at exp.
SELECT t AS at, v.valid, v.reason, v.payload
  FROM unnest(ARRAY[to_timestamp(1300819379), to_timestamp(1300819380)]) t,
  LATERAL supabase_ext.jwt_verify(
  'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  decode('AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ+EstJQLr/T+1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow==', 'base64'),
  at => t) v;
-- Sign and verify; alg none and algorithm mismatches are rejected.
SELECT supabase_ext.jwt_sign('{"sub": "x", "role": "authenticated"}', 'super-secret-jwt-token-with-at-least-32-characters');
SELECT valid, reason FROM supabase_ext.jwt_verify('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'k');
SELECT valid, reason FROM supabase_ext.jwt_verify(supabase_ext.jwt_sign('{}', 'k', 'HS512'), 'k', algorithms => '{HS256}');
SELECT supabase_ext.jwt_sign('{}', 'k', 'RS256');
-- A NULL in the algorithm list is a clear 22004, not an internal error.
\set VERBOSITY sqlstate
SELECT valid FROM supabase_ext.jwt_verify(supabase_ext.jwt_sign('{}', 'k'), 'k', algorithms => '{HS256,NULL}');
\set VERBOSITY default
SELECT valid FROM supabase_ext.jwt_verify(supabase_ext.jwt_sign('{}', 'k'), 'k', algorithms => '{HS256,NULL}');
-- A non-UUID sub (e.g. a third-party auth provider's id) only fails the
-- helpers that need it: tenant_ids() and has_role() still work.
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "auth0|12345", "role": "authenticated",
    "tenant_ids": ["aaaaaaaa-0000-4000-8000-00000000000a"], "app_metadata": {"roles": ["admin"]}}', true) IS NOT NULL AS claims_set;
SELECT supabase_ext.tenant_ids() AS tenant_ids, supabase_ext.has_role('admin') AS admin,
       supabase_ext.tenant_ids_with_role('{admin}') AS admin_in,
       supabase_ext.has_role('admin', 'aaaaaaaa-0000-4000-8000-00000000000a') AS admin_in_a;
SELECT supabase_ext.uid();
ROLLBACK;
-- Per-tenant role maps: the role holds in its tenant only.
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "11111111-0000-4000-8000-000000000001", "role": "authenticated",
    "app_metadata": {"roles": ["admin"], "tenant_roles": {"aaaaaaaa-0000-4000-8000-00000000000a": ["admin"],
                                                         "bbbbbbbb-0000-4000-8000-00000000000b": "viewer"}}}', true) IS NOT NULL AS claims_set;
SELECT supabase_ext.tenant_ids_with_role('{admin}') AS admin_in, supabase_ext.tenant_ids_with_role('{viewer,admin}') AS any_in,
       supabase_ext.has_role('admin', 'bbbbbbbb-0000-4000-8000-00000000000b') AS admin_in_b;
SELECT set_config('request.jwt.claims', '{"app_metadata": {"tenant_roles": {"not-a-uuid": ["admin"]}}}', true) IS NOT NULL AS bad_map;
SELECT supabase_ext.tenant_ids_with_role('{admin}');
ROLLBACK;
