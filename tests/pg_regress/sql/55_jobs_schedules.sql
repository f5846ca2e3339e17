-- Schedules, SQL jobs and run_pending() (the pg_cron path).
\set VERBOSITY terse
SET timezone = 'UTC';
-- Fire times: the seeds' schedules in Manila time (UTC+8 all year).
SELECT t AS health_check FROM supabase_ext.job_next_runs('*/15 * * * *', 'Asia/Manila', 3, '2026-11-22 10:52+00') t;
SELECT t AS compliance_8am FROM supabase_ext.job_next_runs('0 8 * * *', 'Asia/Manila', 2, '2026-11-22 10:52+00') t;
SELECT t AS monday_9am FROM supabase_ext.job_next_runs('0 9 * * 1', 'Asia/Manila', 2, '2026-11-22 10:52+00') t;
SELECT t AS cleanup_2am FROM supabase_ext.job_next_runs('0 2 * * *', 'Asia/Manila', 1, '2026-11-22 10:52+00') t;
SELECT t AS drift_6h FROM supabase_ext.job_next_runs('0 */6 * * *', 'Asia/Manila', 4, '2026-11-22 10:52+00') t;
-- DST: New York's 02:30 doesn't exist on 2026-03-08 (fires once at 03:00 EDT)
-- and 01:30 happens twice on 2026-11-01 (fires once).
SELECT t AS spring_forward FROM supabase_ext.job_next_runs('30 2 * * *', 'America/New_York', 2, '2026-03-07 12:00+00') t;
SELECT t AS fall_back FROM supabase_ext.job_next_runs('30 1 * * *', 'America/New_York', 2, '2026-10-31 12:00+00') t;
SELECT t AS every_30s FROM supabase_ext.job_next_runs('@every 30s', 'UTC', 2, '2026-11-22 10:52:10+00') t;
SELECT t AS seconds_first FROM supabase_ext.job_next_runs('*/20 * * * * *', 'UTC', 2, '2026-11-22 10:52:05+00') t;

-- Bad input: clear errors, nothing written.
SELECT supabase_ext.job_schedule('bad', '61 * * * *', 'SELECT 1');
SELECT supabase_ext.job_schedule('bad', '* * *', 'SELECT 1');
SELECT supabase_ext.job_schedule('bad', '* * * * *', 'SELECT 1', '{"timezone": "Mars/Olympus"}');
SELECT supabase_ext.job_schedule('bad', '* * * * *', 'SELEC 1');
SELECT supabase_ext.job_schedule('bad', '* * * * *', 'SELECT 1', '{"kidn": "sql"}');
SELECT supabase_ext.job_schedule('bad', '* * * * *', 'SELECT 1', '{"kind": "shell"}');
SELECT supabase_ext.job_schedule('bad', '* * * * *', 'ftp://example.com/', '{"kind": "http"}');
SELECT supabase_ext.job_schedule('bad', '* * * * *', 'http://169.254.169.254/latest/meta-data', '{"kind": "http"}');
SELECT supabase_ext.job_schedule('bad', '* * * * *', 'https://example.com/', '{"kind": "http", "signing_secret": "not-a-secret"}');
SELECT supabase_ext.job_schedule('bad', '* * * * *', 'public.nope', '{"kind": "handler", "endpoint": "x"}');
SELECT supabase_ext.job_schedule(NULL, '* * * * *', 'SELECT 1');
SELECT count(*) AS nothing_half_written FROM supabase_ext.job_definitions;

-- A SQL job, run now through the pg_cron path.
CREATE TABLE public.job_log (at timestamptz DEFAULT now(), who name DEFAULT current_user, note text);
SELECT supabase_ext.job_schedule('stale cleanup', '0 2 * * *',
       $$INSERT INTO job_log (note) VALUES ('cleaned')$$, '{"timezone": "Asia/Manila"}') > 0 AS scheduled;
SELECT name, schedule, timezone, kind, run_as, paused, next_run_at > now() AS next_in_future FROM supabase_ext.jobs;
SELECT supabase_ext.job_run_now('stale cleanup') > 0 AS queued;
CALL supabase_ext.run_pending();
SELECT job_name, status, message FROM supabase_ext.job_runs ORDER BY id;
SELECT who, note FROM public.job_log;
-- Re-scheduling the same name updates the job (one row, same id).
SELECT supabase_ext.job_schedule('stale cleanup', '0 3 * * *',
       $$INSERT INTO job_log (note) VALUES ('cleaned at 3')$$, '{"timezone": "Asia/Manila"}')
     = (SELECT id FROM supabase_ext.job_definitions WHERE name = 'stale cleanup') AS same_id;
SELECT count(*) FROM supabase_ext.job_definitions;

-- A job runs as the role that scheduled it, never with more rights.
CREATE ROLE job_owner NOLOGIN;
GRANT USAGE ON SCHEMA supabase_ext TO job_owner;
GRANT EXECUTE ON FUNCTION supabase_ext.job_schedule(text, text, text, jsonb), supabase_ext.job_run_now(text),
      supabase_ext.job_unschedule(text), supabase_ext.job_pause(text), supabase_ext.job_resume(text) TO job_owner;
CREATE TABLE public.secrets_of_postgres (s text);
INSERT INTO public.secrets_of_postgres VALUES ('top secret');
GRANT INSERT ON public.job_log TO job_owner;
SET ROLE job_owner;
SELECT supabase_ext.job_schedule('peek', '@daily', 'INSERT INTO job_log (note) SELECT s FROM secrets_of_postgres') > 0 AS scheduled;
SELECT supabase_ext.job_schedule('escape', '@daily', 'RESET ROLE; INSERT INTO job_log (note) SELECT s FROM secrets_of_postgres') > 0 AS scheduled;
SELECT supabase_ext.job_schedule('own work', '@daily', $$INSERT INTO job_log (note) VALUES ('mine')$$) > 0 AS scheduled;
-- Only a superuser may schedule for another role; nobody may take over another role's job.
SELECT supabase_ext.job_schedule('as postgres', '@daily', 'SELECT 1', '{"run_as": "postgres"}');
SELECT supabase_ext.job_schedule('stale cleanup', '@daily', 'SELECT 1');
SELECT supabase_ext.job_run_now('stale cleanup');
SELECT name, run_as FROM supabase_ext.jobs ORDER BY name;
SELECT supabase_ext.job_run_now('peek') > 0, supabase_ext.job_run_now('escape') > 0, supabase_ext.job_run_now('own work') > 0;
RESET ROLE;
-- A job that plants a search_path must not leave it behind.
SELECT supabase_ext.job_schedule('planter', '@daily', 'SET search_path = public, pg_catalog') > 0 AS scheduled;
SELECT supabase_ext.job_run_now('planter') > 0 AS queued;
SHOW search_path;
CALL supabase_ext.run_pending();
SHOW search_path;
SELECT job_name, status, message FROM supabase_ext.job_runs WHERE job_name IN ('peek', 'escape', 'own work', 'planter') ORDER BY job_name;
SELECT who, note FROM public.job_log ORDER BY at, note;

-- Pause, resume, unschedule.
SELECT supabase_ext.job_pause('own work');
SELECT paused, next_run_at IS NULL AS no_next FROM supabase_ext.jobs WHERE name = 'own work';
SELECT supabase_ext.job_resume('own work');
SELECT paused, next_run_at IS NOT NULL AS has_next FROM supabase_ext.jobs WHERE name = 'own work';
SELECT supabase_ext.job_unschedule('own work');
SELECT supabase_ext.job_unschedule('own work');
-- Handler jobs: each pending webhook event of an endpoint becomes a shadow
-- row through a user function, as the job's role; a failing event is failed
-- and retried, the others complete.
SELECT supabase_ext.webhook_endpoint_create('odoo', 'hmac', ARRAY['odoo-secret'],
       '{"signature_header": "x-ipai-signature", "timestamp_header": "x-ipai-timestamp", "id_header": "x-ipai-delivery"}');
CREATE TABLE public.partner_shadow (odoo_id int PRIMARY KEY, name text NOT NULL, synced_at timestamptz DEFAULT now());
CREATE FUNCTION public.odoo_to_shadow(e supabase_ext.webhook_events) RETURNS void LANGUAGE sql AS $$
    INSERT INTO public.partner_shadow (odoo_id, name)
    VALUES ((e.payload->>'id')::int, e.payload->>'name')
    ON CONFLICT (odoo_id) DO UPDATE SET name = EXCLUDED.name, synced_at = now()
$$;
SELECT supabase_ext.webhook_receive('odoo', convert_to(b, 'UTF8'),
         supabase_ext.webhook_sign('hmac', 'odoo-secret', convert_to(b, 'UTF8'), 'd-' || n, now(),
           '{"signature_header": "x-ipai-signature", "timestamp_header": "x-ipai-timestamp", "id_header": "x-ipai-delivery"}')
         || jsonb_build_object('x-ipai-delivery', 'd-' || n)) > 0 AS stored
  FROM (VALUES (1, '{"id": 7, "name": "Acme"}'), (2, '{"id": 8, "name": null}')) AS v(n, b);
SELECT supabase_ext.job_schedule('odoo partners', '@every 5m', 'public.odoo_to_shadow',
       '{"kind": "handler", "endpoint": "odoo", "max_attempts": 3}') > 0 AS scheduled;
SELECT supabase_ext.job_run_now('odoo partners') > 0 AS queued;
CALL supabase_ext.run_pending();
SELECT odoo_id, name FROM public.partner_shadow;
SELECT delivery_id, status, attempts, last_error IS NOT NULL AS has_error
  FROM supabase_ext.webhook_events WHERE endpoint = 'odoo' ORDER BY delivery_id;
SELECT status, regexp_replace(message, 'event \d+', 'event N') AS message FROM supabase_ext.job_runs WHERE job_name = 'odoo partners';
SELECT supabase_ext.job_unschedule('odoo partners');
SELECT supabase_ext.webhook_endpoint_drop('odoo');
DELETE FROM supabase_ext.webhook_events WHERE endpoint = 'odoo';
DROP TABLE public.partner_shadow;
DROP FUNCTION public.odoo_to_shadow(supabase_ext.webhook_events);

-- Realtime: job state changes are broadcast when realtime.send exists (a
-- stand-in with Supabase's signature; the real one inserts into realtime.messages too).
CREATE SCHEMA realtime;
CREATE TABLE realtime.messages (topic text, extension text, payload jsonb, event text, private boolean,
                                inserted_at timestamptz DEFAULT now());
CREATE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO realtime.messages (topic, extension, payload, event, private)
  VALUES (topic, 'broadcast', payload, event, private)
$$;
SELECT supabase_ext.job_schedule('flaky', '@daily', 'SELECT 1/0') > 0 AS scheduled;
SELECT supabase_ext.job_run_now('flaky') > 0 AS queued;
CALL supabase_ext.run_pending();
SELECT supabase_ext.job_schedule('flaky', '@daily', 'SELECT 1') > 0 AS fixed;
SELECT supabase_ext.job_run_now('flaky') > 0 AS queued;
CALL supabase_ext.run_pending();
SELECT supabase_ext.enqueue('doomed', '{}', max_attempts => 1) AS doomed_id \gset
SELECT count(*) FROM supabase_ext.dequeue('doomed');
SELECT supabase_ext.nack(:doomed_id, 'no consumer can handle this');
SELECT topic, event, private, payload->>'job' AS job, payload->>'status' AS status,
       payload->>'message' AS message, payload->>'queue' AS queue
  FROM realtime.messages ORDER BY inserted_at, event;
DROP SCHEMA realtime CASCADE;
SELECT supabase_ext.job_unschedule('flaky');
-- Through PostgREST, service_role runs a job now and redrives dead letters
-- (named arguments, as PostgREST calls them).
SELECT supabase_ext.job_schedule('rpc job', '@daily', 'SELECT 1') > 0 AS scheduled;
SELECT supabase_ext.enqueue('rpc_dead', '{}', max_attempts => 1) AS rpc_dead_id \gset
SELECT count(*) FROM supabase_ext.dequeue('rpc_dead');
SELECT supabase_ext.nack(:rpc_dead_id, 'gave up');
BEGIN;
SET LOCAL ROLE service_role;
SELECT set_config('request.jwt.claims', '{"role": "service_role"}', true) IS NOT NULL AS claims,
       set_config('request.method', 'POST', true) AS method, set_config('request.path', '/rpc/job_run_now', true) AS path;
SELECT supabase_ext.job_run_now(name => 'rpc job') > 0 AS queued;
SELECT set_config('request.path', '/rpc/dead_letter_redrive', true) AS path;
SELECT supabase_ext.dead_letter_redrive(queue => 'rpc_dead') AS redriven;
SELECT count(*) AS runs_visible FROM supabase_ext.job_runs WHERE job_name = 'rpc job';
COMMIT;
SELECT supabase_ext.job_unschedule('rpc job');
-- anon and authenticated can't reach any of it.
SET ROLE anon;
SELECT supabase_ext.job_schedule('x', '@daily', 'SELECT 1');
SELECT count(*) AS visible_jobs FROM supabase_ext.jobs;
RESET ROLE;
SELECT supabase_ext.job_unschedule(name) FROM supabase_ext.job_definitions ORDER BY name;
DROP TABLE public.job_log, public.secrets_of_postgres;
REVOKE ALL ON SCHEMA supabase_ext FROM job_owner;
REVOKE ALL ON FUNCTION supabase_ext.job_schedule(text, text, text, jsonb), supabase_ext.job_run_now(text),
      supabase_ext.job_unschedule(text), supabase_ext.job_pause(text), supabase_ext.job_resume(text) FROM job_owner;
DROP ROLE job_owner;
