-- Webhooks hardening (issue 7): dedupe on signed content, leases and fencing,
-- retention from a fresh connection, the uniform public error, vault checks.

-- Signature coverage and dedupe keys. GitHub signs only the body: the
-- delivery id and event type are plain headers.
SELECT supabase_ext.webhook_endpoint_create('gh_dedupe', 'github', ARRAY['k']);
CREATE FUNCTION pg_temp.gh(body text, delivery text, event text DEFAULT 'push') RETURNS bigint
LANGUAGE sql AS $$
  SELECT supabase_ext.webhook_receive('gh_dedupe', convert_to(body, 'UTF8'),
    supabase_ext.webhook_sign('github', 'k', convert_to(body, 'UTF8'))
    || jsonb_build_object('X-GitHub-Delivery', delivery, 'X-GitHub-Event', event))
$$;
SELECT pg_temp.gh('{"n": 1}', 'real-1') AS first \gset
-- One captured delivery replayed under fresh ids (and a spoofed event type):
-- the same event, not new rows.
SELECT pg_temp.gh('{"n": 1}', 'fresh-' || i, 'delete') = :first AS same_event FROM generate_series(1, 3) i;
-- A captured body sent ahead under the id of a future delivery squats nothing:
-- the real delivery with that id is stored.
SELECT pg_temp.gh('{"n": 1}', 'future-2') = :first AS squat_is_the_old_event;
SELECT pg_temp.gh('{"n": 2}', 'future-2') <> :first AS real_delivery_stored;
SELECT delivery_id, dedupe_key, signed_fields, event_type, payload
  FROM supabase_ext.webhook_events WHERE endpoint = 'gh_dedupe' ORDER BY id;
-- Standard Webhooks signs its id: the id is the key, so one body under two
-- signed ids is two events, and the stored fields are all covered.
SELECT supabase_ext.webhook_endpoint_create('std_dedupe', 'standard', ARRAY['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
SELECT supabase_ext.webhook_receive('std_dedupe', convert_to('{"type": "a.b"}', 'UTF8'),
  supabase_ext.webhook_sign('standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    convert_to('{"type": "a.b"}', 'UTF8'), id)) > 0 AS stored
  FROM (VALUES ('msg_1'), ('msg_2'), ('msg_1')) v(id);
SELECT delivery_id, dedupe_key, signed_fields, event_type
  FROM supabase_ext.webhook_events WHERE endpoint = 'std_dedupe' ORDER BY id;

-- Leases. Three events; a claim never exceeds its batch.
SELECT supabase_ext.webhook_endpoint_create('lease', 'github', ARRAY['k']);
SELECT supabase_ext.webhook_receive('lease', convert_to(b, 'UTF8'),
  supabase_ext.webhook_sign('github', 'k', convert_to(b, 'UTF8'))) > 0 AS stored
  FROM (VALUES ('{"e": 1}'), ('{"e": 2}'), ('{"e": 3}')) v(b);
CREATE TABLE pg_temp.ids AS
  SELECT id, row_number() OVER (ORDER BY id) AS n FROM supabase_ext.webhook_events WHERE endpoint = 'lease';
-- Consumer A takes two with a lease that has already run out when the next
-- statement starts: A "died".
SELECT n, status, attempts FROM supabase_ext.webhook_claim('lease', 2, '0 seconds') JOIN pg_temp.ids USING (id) ORDER BY n;
-- Consumer B takes A's two back (attempt 2) and the third (attempt 1).
SELECT n, status, attempts FROM supabase_ext.webhook_claim('lease', 10, '1 hour') JOIN pg_temp.ids USING (id) ORDER BY n;
-- Nothing left to claim while B's leases run.
SELECT count(*) AS claimable FROM supabase_ext.webhook_claim('lease', 10);
-- Fencing: A's late complete (attempt 1) is refused; B's (attempt 2) counts.
SELECT supabase_ext.webhook_complete(id, 1) AS a_late FROM pg_temp.ids WHERE n = 1;
SELECT supabase_ext.webhook_complete(id, 2) AS b_done FROM pg_temp.ids WHERE n = 1;
SELECT supabase_ext.webhook_fail(id, 'boom', 5, 1) AS a_late_fail FROM pg_temp.ids WHERE n = 2;
SELECT supabase_ext.webhook_fail(id, 'boom', 5, 2) AS b_fail FROM pg_temp.ids WHERE n = 2;
-- An expired lease on the last attempt makes the event failed, not reclaimed
-- (n = 3). A pending event is claimed whatever its count: webhook_fail
-- decided it may be retried (n = 2).
UPDATE supabase_ext.webhook_events SET locked_until = now() - interval '1 second'
 WHERE id = (SELECT id FROM pg_temp.ids WHERE n = 3);
SELECT n, attempts FROM supabase_ext.webhook_claim('lease', 10, '1 hour', max_attempts => 1) JOIN pg_temp.ids USING (id) ORDER BY n;
SELECT n, status, attempts, last_error, locked_until IS NULL AS unlocked
  FROM supabase_ext.webhook_events JOIN pg_temp.ids USING (id) ORDER BY n;
SELECT supabase_ext.webhook_claim('lease', 0);

-- Retention: completed after supabase_ext.webhook_retention_days (7),
-- failed after supabase_ext.webhook_failed_retention_days (30).
SELECT name, setting FROM pg_settings WHERE name LIKE 'supabase_ext.webhook%retention%' ORDER BY 1;
UPDATE supabase_ext.webhook_events SET status = 'completed', processed_at = now() - interval '8 days'
 WHERE endpoint = 'gh_dedupe';
UPDATE supabase_ext.webhook_events SET status = 'failed', processed_at = now() - interval '8 days'
 WHERE endpoint = 'std_dedupe' AND delivery_id = 'msg_1';
UPDATE supabase_ext.webhook_events SET status = 'failed', processed_at = now() - interval '31 days'
 WHERE endpoint = 'std_dedupe' AND delivery_id = 'msg_2';
-- In a fresh connection, as pg_cron runs it (without preload the library is
-- not loaded yet there, and its settings do not exist until it is).
\c
SELECT supabase_ext.webhook_purge() AS purged;
SELECT endpoint, delivery_id, status FROM supabase_ext.webhook_events
 WHERE endpoint IN ('gh_dedupe', 'std_dedupe') ORDER BY id;
-- Bounded batches: at most batch x max_batches rows per status per call.
UPDATE supabase_ext.webhook_events SET status = 'completed', processed_at = now() - interval '8 days'
 WHERE endpoint = 'lease';
SELECT supabase_ext.webhook_purge(batch => 1, max_batches => 2) AS first_run;
SELECT supabase_ext.webhook_purge(batch => 1, max_batches => 2) AS second_run;
SELECT supabase_ext.webhook_purge(0, 0) AS keep_forever;
-- pg_dump keeps endpoints, events and the event id sequence.
SELECT c::regclass AS dumped FROM pg_extension, unnest(extconfig) c
 WHERE extname = 'supabase_ext' AND c::regclass::text LIKE 'supabase_ext.webhook%' ORDER BY 1;

-- Labels: webhook_sign makes fresh ids, so it is VOLATILE (and parallel
-- safe: the OS generator, no session state).
SELECT proname, provolatile, proparallel FROM pg_proc
 WHERE oid = 'supabase_ext.webhook_sign(text,text,bytea,text,timestamptz,jsonb)'::regprocedure;
-- Wrappers made by webhook_endpoint_expose pin their search_path.
SELECT supabase_ext.webhook_endpoint_expose('gh_dedupe');
SELECT proconfig FROM pg_proc WHERE oid = 'public.webhook_gh_dedupe(json)'::regprocedure;

-- The PUBLIC door (anon through PostgREST) refuses every bad delivery with
-- one error that names nothing; webhook_receive (service_role) says why.
SELECT supabase_ext.webhook_endpoint_create('vault_missing', 'github', ARRAY['vault:no_such_secret']);
SELECT supabase_ext.webhook_endpoint_create('off', 'github', ARRAY['k']);
SELECT supabase_ext.webhook_endpoint_set_enabled('off', false);
SELECT supabase_ext.webhook_endpoint_expose(e) FROM (VALUES ('vault_missing'), ('off')) v(e);
CREATE FUNCTION pg_temp.anon_post(path text, body text, headers jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
  SET LOCAL ROLE anon;
  PERFORM set_config('request.path', path, true), set_config('request.headers', headers::text, true);
  PERFORM supabase_ext.webhook_request(body::json);
  RESET ROLE;
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ' ' || SQLERRM || coalesce(' / ' || nullif(detail, ''), '');
END $$;
SELECT what, pg_temp.anon_post(path, '{"a": 1}', headers) AS answer FROM (VALUES
  ('unknown endpoint', '/rpc/webhook_nosuch', supabase_ext.webhook_sign('github', 'k', '{"a": 1}')),
  ('disabled', '/rpc/webhook_off', supabase_ext.webhook_sign('github', 'k', '{"a": 1}')),
  ('missing vault secret', '/rpc/webhook_vault_missing', supabase_ext.webhook_sign('github', 'k', '{"a": 1}')),
  ('bad signature', '/rpc/webhook_gh_dedupe', supabase_ext.webhook_sign('github', 'wrong', '{"a": 1}')),
  ('good', '/rpc/webhook_gh_dedupe', supabase_ext.webhook_sign('github', 'k', '{"a": 1}'))) v(what, path, headers);
SELECT supabase_ext.webhook_receive('vault_missing', 'x', '{}');
SELECT supabase_ext.webhook_receive('off', 'x', '{}');
-- A planted vault schema (any role with CREATE on the database could make
-- one) is not supabase_vault: it is never read.
CREATE SCHEMA vault;
CREATE VIEW vault.decrypted_secrets AS SELECT 'no_such_secret'::text AS name, 'k'::text AS decrypted_secret;
SELECT supabase_ext.webhook_receive('vault_missing', convert_to('{"a": 1}', 'UTF8'),
  supabase_ext.webhook_sign('github', 'k', convert_to('{"a": 1}', 'UTF8')));
DROP SCHEMA vault CASCADE;
DROP FUNCTION public.webhook_gh_dedupe(json), public.webhook_vault_missing(json), public.webhook_off(json);
