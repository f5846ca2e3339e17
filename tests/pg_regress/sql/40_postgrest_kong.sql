-- A provider delivery through stock self-hosted Supabase: Kong's key-auth on
-- /rest/v1/ needs ?apikey=<anon key> in the URL the provider is given, Kong
-- removes it from the query string (docs/webhooks.md, "Self-hosted Kong"),
-- and PostgREST runs exactly the statements below, connected as
-- authenticator: its per-request settings (role last switched by
-- set_config('role')), then the call of the function with one unnamed json
-- parameter that receives the raw body.
SELECT supabase_ext.webhook_endpoint_create('github', 'github', ARRAY['kong-secret']);
SELECT supabase_ext.webhook_endpoint_expose('github');
-- The provider's body, with its own spacing and key order (json keeps both).
\set body '{"zen":"Keep it logically awesome.",  "hook_id": 42,"hook":{"type":"Repository"}}'
SELECT (jsonb_build_object(
          'host', 'kong:8000', 'content-type', 'application/json',
          'user-agent', 'GitHub-Hookshot/abc123', 'x-github-event', 'ping',
          'x-github-delivery', '0b7c1c9a-1b2c-11ef-8f1a-6f1e2d3c4b5a',
          'x-consumer-id', 'a7a4c6f2-0000-4000-8000-000000000001', 'x-consumer-username', 'anon',
          'x-credential-identifier', 'anon', 'x-forwarded-for', '140.82.115.1',
          'x-forwarded-proto', 'https', 'x-forwarded-host', 'supabase.example.com',
          'x-forwarded-path', '/rest/v1/rpc/webhook_github', 'x-real-ip', '140.82.115.1',
          -- the current kong.yml's request-transformer sends a blank Authorization
          'authorization', '')
        || supabase_ext.webhook_sign('github', 'kong-secret', convert_to(:'body', 'UTF8')))::text AS headers \gset
SET SESSION AUTHORIZATION authenticator;
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"public", "public"', true) IS NOT NULL AS search_path,
       set_config('role', 'anon', true) AS role,
       set_config('request.jwt.claims', '{"role":"anon"}', true) AS claims,
       set_config('request.method', 'POST', true) AS method,
       set_config('request.path', '/rpc/webhook_github', true) AS path,
       set_config('request.headers', :'headers', true) IS NOT NULL AS headers,
       set_config('request.cookies', '{}', true) AS cookies;
WITH pgrst_source AS (
  SELECT pgrst_call.pgrst_scalar
    FROM (SELECT "public"."webhook_github"(:'body'::json) pgrst_scalar) pgrst_call)
SELECT null::bigint AS total_result_set, 1 AS page_total,
       coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null')::jsonb - 'event_id' AS body,
       nullif(current_setting('response.headers', true), '') AS response_headers,
       nullif(current_setting('response.status', true), '') AS response_status
  FROM (SELECT "webhook_github".* FROM "pgrst_source" AS "webhook_github" LIMIT 1000 OFFSET 0) _postgrest_t;
COMMIT;
RESET SESSION AUTHORIZATION;
-- Stored once, byte for byte, without the caller's credentials.
SELECT event_type, convert_from(body, 'UTF8') = :'body' AS exact_body,
       headers ? 'authorization' AS kept_authorization, headers ? 'apikey' AS kept_apikey,
       headers->>'x-consumer-username' AS consumer
  FROM supabase_ext.webhook_events WHERE endpoint = 'github';
-- GitHub retries the same delivery: a duplicate, nothing new stored.
SET SESSION AUTHORIZATION authenticator;
BEGIN;
SELECT set_config('role', 'anon', true) AS role, set_config('request.jwt.claims', '{"role":"anon"}', true) AS claims,
       set_config('request.method', 'POST', true) AS method,
       set_config('request.path', '/rpc/webhook_github', true) AS path,
       set_config('request.headers', :'headers', true) IS NOT NULL AS headers;
SELECT "public"."webhook_github"(:'body'::json) - 'event_id' AS response;
COMMIT;
RESET SESSION AUTHORIZATION;
SELECT count(*) AS stored FROM supabase_ext.webhook_events WHERE endpoint = 'github';
-- A forged delivery (wrong secret): PostgREST turns 28000 into HTTP 403, and
-- the message names neither the endpoint nor why.
SELECT (jsonb_build_object('content-type', 'application/json', 'x-github-event', 'push',
          'x-github-delivery', 'forged-1', 'x-consumer-username', 'anon')
        || supabase_ext.webhook_sign('github', 'not-the-secret', convert_to(:'body', 'UTF8')))::text AS forged \gset
SET SESSION AUTHORIZATION authenticator;
BEGIN;
SELECT set_config('role', 'anon', true) AS role, set_config('request.jwt.claims', '{"role":"anon"}', true) AS claims,
       set_config('request.method', 'POST', true) AS method,
       set_config('request.path', '/rpc/webhook_github', true) AS path,
       set_config('request.headers', :'forged', true) IS NOT NULL AS headers;
SAVEPOINT forged;
\set VERBOSITY sqlstate
SELECT "public"."webhook_github"(:'body'::json);
ROLLBACK TO SAVEPOINT forged;
\set VERBOSITY default
SELECT "public"."webhook_github"(:'body'::json);
ROLLBACK;
RESET SESSION AUTHORIZATION;
SELECT supabase_ext.webhook_endpoint_drop('github');
DELETE FROM supabase_ext.webhook_events WHERE endpoint = 'github';
DROP FUNCTION public.webhook_github(json);
