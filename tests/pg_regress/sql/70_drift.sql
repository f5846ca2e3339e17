-- Drift: the seeds' projects and tasks against their Odoo shadows, checked
-- by supabase_ext instead of the hand-written views.
\set VERBOSITY terse
SET timezone = 'UTC';
CREATE SCHEMA odoo_seed;
CREATE TABLE public.projects (id bigint PRIMARY KEY, name text, environment text NOT NULL DEFAULT 'prod');
CREATE TABLE public.tasks (id bigint PRIMARY KEY, project_id bigint REFERENCES public.projects, title text);
CREATE TABLE odoo_seed.shadow_projects (
    odoo_id integer PRIMARY KEY, external_ref text, name text, synced_at timestamptz NOT NULL DEFAULT now(), raw jsonb);
CREATE TABLE odoo_seed.shadow_tasks (
    odoo_id integer PRIMARY KEY, external_ref text, project_odoo_id integer, synced_at timestamptz NOT NULL DEFAULT now(), raw jsonb);
INSERT INTO public.projects (id, name, environment) VALUES
    (1, 'Website', 'prod'), (2, 'ERP rollout', 'prod'), (3, 'Mobile app', 'prod'),
    (4, 'Data warehouse', 'prod'), (5, NULL, 'prod'), (6, 'Sandbox', 'staging');
INSERT INTO odoo_seed.shadow_projects (odoo_id, external_ref, name, raw) VALUES
    (1, 'prj-1', 'Website', '{"id": 1}'),
    (2, 'prj-2', 'ERP Rollout', '{"id": 2}'),          -- renamed in Odoo
    (3, 'prj-3', 'Mobile app', '{"id": 3}'),
    (5, 'prj-5', 'Intranet', '{"id": 5}'),             -- NULL -> value
    (7, 'prj-7', 'Archived', '{"id": 7}');             -- only in Odoo
INSERT INTO public.tasks (id, project_id, title) VALUES (10, 1, 'Launch'), (11, 1, 'SEO'), (12, 2, 'Import'), (13, 3, 'Beta');
INSERT INTO odoo_seed.shadow_tasks (odoo_id, external_ref, project_odoo_id) VALUES
    (10, 'tsk-10', 1), (11, 'tsk-11', 2), (13, 'tsk-13', 3), (14, 'tsk-14', 7);

-- The seeds' hand-written views.
CREATE VIEW public.v_missing_in_odoo AS
    SELECT p.id FROM public.projects p
     WHERE NOT EXISTS (SELECT 1 FROM odoo_seed.shadow_projects s WHERE s.odoo_id = p.id);
CREATE VIEW public.v_orphan_in_odoo AS
    SELECT s.odoo_id FROM odoo_seed.shadow_projects s
     WHERE NOT EXISTS (SELECT 1 FROM public.projects p WHERE p.id = s.odoo_id);
CREATE VIEW public.v_name_drift AS
    SELECT p.id, p.name AS app_name, s.name AS odoo_name
      FROM public.projects p JOIN odoo_seed.shadow_projects s ON s.odoo_id = p.id
     WHERE p.name IS DISTINCT FROM s.name;

-- Register: odoo_id is the shadow's name for id; synced_at and raw are
-- bookkeeping of the sync, not data.
SELECT jsonb_pretty(supabase_ext.drift_register('projects', 'public.projects', 'odoo_seed.shadow_projects', '{id}',
         options => '{"map": {"id": "odoo_id"}, "ignore": ["synced_at", "raw"]}'));
SELECT jsonb_pretty(supabase_ext.drift_register('tasks', 'public.tasks', 'odoo_seed.shadow_tasks', '{id}',
         options => '{"map": {"id": "odoo_id", "project_id": "project_odoo_id"}, "ignore": ["synced_at", "raw"]}'));
SELECT name, source_name, shadow_name, key_columns, compare_columns, owner FROM supabase_ext.drift_registrations ORDER BY name;

-- The three views mean what the seeds' views mean: identical rows.
SELECT id FROM public.projects_missing ORDER BY id;
SELECT id FROM public.projects_orphans ORDER BY id;
SELECT * FROM public.projects_changed ORDER BY id, "column";
SELECT 'missing' AS view, count(*) AS differences FROM
    ((SELECT id FROM public.projects_missing EXCEPT SELECT id FROM public.v_missing_in_odoo)
     UNION ALL (SELECT id FROM public.v_missing_in_odoo EXCEPT SELECT id FROM public.projects_missing)) d
UNION ALL SELECT 'orphans', count(*) FROM
    ((SELECT id FROM public.projects_orphans EXCEPT SELECT odoo_id FROM public.v_orphan_in_odoo)
     UNION ALL (SELECT odoo_id FROM public.v_orphan_in_odoo EXCEPT SELECT id FROM public.projects_orphans)) d
UNION ALL SELECT 'name', count(*) FROM
    ((SELECT id, source_value, shadow_value FROM public.projects_changed WHERE "column" = 'name'
      EXCEPT SELECT id, app_name, odoo_name FROM public.v_name_drift)
     UNION ALL (SELECT id, app_name, odoo_name FROM public.v_name_drift
      EXCEPT SELECT id, source_value, shadow_value FROM public.projects_changed WHERE "column" = 'name')) d;
SELECT * FROM public.tasks_changed ORDER BY id;

-- One check: counts, the smallest keys of each kind, a log row, an alert.
SELECT name, status, missing, orphans, changed, details, log_id IS NOT NULL AS logged
  FROM supabase_ext.drift_check('projects');
SELECT name, status, missing, orphans, changed, details - 'sample_size' AS details, checked_by
  FROM supabase_ext.drift_logs ORDER BY id;
SELECT name, type, severity, message FROM supabase_ext.drift_alerts ORDER BY id;

-- Repair the drift: the next check is clean, and a clean check raises no alert.
INSERT INTO odoo_seed.shadow_projects (odoo_id, external_ref, name) VALUES (4, 'prj-4', 'Data warehouse'), (6, 'prj-6', 'Sandbox');
DELETE FROM odoo_seed.shadow_projects WHERE odoo_id = 7;
UPDATE odoo_seed.shadow_projects SET name = p.name FROM public.projects p WHERE p.id = odoo_id;
UPDATE odoo_seed.shadow_projects SET synced_at = synced_at + interval '6 hours', raw = '{"changed": true}';
SELECT name, status, missing, orphans, changed, details FROM supabase_ext.drift_check('projects');
SELECT count(*) AS alerts FROM supabase_ext.drift_alerts;
-- NULL transitions, both directions: value -> NULL and NULL -> value.
UPDATE odoo_seed.shadow_projects SET name = NULL WHERE odoo_id = 1;
UPDATE public.projects SET name = 'Intranet' WHERE id = 5;
UPDATE odoo_seed.shadow_projects SET name = NULL WHERE odoo_id = 5;
SELECT * FROM public.projects_changed ORDER BY id;
SELECT status, changed, details->'changed' AS changed_keys FROM supabase_ext.drift_check('projects');

-- Rolled back together: the log row, the alert and the Realtime message
-- (NOTIFY too: tests/isolation/specs/drift_notify.spec).
CREATE SCHEMA realtime;
CREATE TABLE realtime.messages (topic text, extension text, payload jsonb, event text, private boolean);
-- A stand-in with the signature and the effect of Supabase's realtime.send
-- (it inserts into realtime.messages; Realtime broadcasts committed rows).
CREATE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true) RETURNS void
LANGUAGE sql AS $$ INSERT INTO realtime.messages VALUES (topic, 'broadcast', payload, event, private) $$;
SELECT (SELECT count(*) FROM supabase_ext.drift_logs) AS logs, (SELECT count(*) FROM supabase_ext.drift_alerts) AS alerts \gset
BEGIN;
SELECT status FROM supabase_ext.drift_check('projects');
SELECT topic, event, private, payload - 'log_id' AS payload FROM realtime.messages;
ROLLBACK;
SELECT (SELECT count(*) FROM supabase_ext.drift_logs) = :logs AS logs_unchanged,
       (SELECT count(*) FROM supabase_ext.drift_alerts) = :alerts AS alerts_unchanged,
       (SELECT count(*) FROM realtime.messages) AS realtime_messages;
-- Committed, the broadcast stays; a broken realtime.send never hides the log.
SELECT status FROM supabase_ext.drift_check('projects');
SELECT topic, event, payload - 'log_id' AS payload FROM realtime.messages;
CREATE OR REPLACE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'realtime is down'; END $$;
SELECT status FROM supabase_ext.drift_check('projects');
DROP SCHEMA realtime CASCADE;

-- Comparison rules: by value for the type, NULL-safe.
CREATE TABLE public.typed_a (id int PRIMARY KEY, n numeric, j jsonb, tz timestamptz, ts timestamp, t text,
                             arr numeric[], f float8, i int4);
CREATE TABLE public.typed_b (id int PRIMARY KEY, n numeric, j jsonb, tz timestamptz, ts timestamp, t varchar,
                             arr numeric[], f float8, i int8);
INSERT INTO public.typed_a VALUES
    (1, 1.0, '{"a": 1, "b": [1, 2]}', '2026-06-01 12:00:00+02', '2026-06-01 12:00', 'abc', '{1.0,2.50}', 0.0, 7),
    (2, 2,   '{"a": 1}', '2026-06-01 12:00:00+00', '2026-06-01 12:00', 'abc', '{1,2}', 1, 7),
    (3, 3,   '{"a": 1}', NULL, '2026-06-01 12:00', 'abc', NULL, 'NaN', NULL);
INSERT INTO public.typed_b VALUES
    (1, 1.00, '{"b": [1, 2], "a": 1}', '2026-06-01 05:00:00-05', '2026-06-01 12:00:00.000', 'abc', '{1.00,2.5}', -0.0, 7),
    (2, 2.01, '{"a": 1.0}', '2026-06-01 12:00:00.000001+00', '2026-06-01 12:00:01', 'abc ', '{1,2,NULL}', 1, 8),
    (3, 3,   '{"a": "1"}', NULL, '2026-06-01 12:00', 'ABC', NULL, 'NaN', NULL);
SELECT supabase_ext.drift_register('typed', 'public.typed_a', 'public.typed_b', '{id}') ->> 'compare' AS compared;
-- Row 1 is equal under every rule (1.0 = 1.00, key order, the same instant
-- in two zones, 0.0 = -0.0); rows 2 and 3 differ where shown ('{"a": 1.0}'
-- is jsonb-equal to '{"a": 1}', '"1"' is a string).
SELECT id, "column", source_value, shadow_value FROM public.typed_changed ORDER BY id, "column";
SELECT status, changed, details FROM supabase_ext.drift_check('typed');
-- Text compares as bytes, whatever the column's collation.
SELECT supabase_ext.drift_hash('abc'::text COLLATE "C") = supabase_ext.drift_hash('abc'::varchar) AS text_equal,
       supabase_ext.drift_hash('abc'::text) = supabase_ext.drift_hash('abc '::text) AS trailing_space_equal,
       supabase_ext.drift_hash(NULL::text) = supabase_ext.drift_hash(''::text) AS null_is_empty;

-- Composite keys and per-side row filters (one environment on each side).
CREATE TABLE public.stock (tenant int, sku text, qty int, env text, PRIMARY KEY (tenant, sku));
CREATE TABLE odoo_seed.stock (company_id int, default_code text, qty int, PRIMARY KEY (company_id, default_code));
INSERT INTO public.stock VALUES (1, 'A', 5, 'prod'), (1, 'B', 3, 'prod'), (2, 'A', 9, 'prod'), (1, 'C', 1, 'test');
INSERT INTO odoo_seed.stock VALUES (1, 'A', 5), (1, 'B', 4), (2, 'B', 1), (3, 'A', 1);
SELECT supabase_ext.drift_register('stock', 'public.stock', 'odoo_seed.stock', '{tenant,sku}', '{qty}',
         '{"map": {"tenant": "company_id", "sku": "default_code"}, "source_filter": "env = ''prod''",
           "shadow_filter": "company_id IN (1, 2)", "schema": "odoo_seed"}') ->> 'views' AS views;
SELECT * FROM odoo_seed.stock_missing ORDER BY 1, 2;
SELECT * FROM odoo_seed.stock_orphans ORDER BY 1, 2;
SELECT * FROM odoo_seed.stock_changed ORDER BY 1, 2;
SELECT status, missing, orphans, changed, details FROM supabase_ext.drift_check('stock');

-- Careless input: clear errors with SQLSTATEs, nothing registered.
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE m text; st text; h text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, st = RETURNED_SQLSTATE, h = PG_EXCEPTION_HINT;
    RETURN st || ': ' || m || CASE WHEN h <> '' THEN E'\nHINT: ' || h ELSE '' END;
END $$;
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{}', NULL, '{"map": {"id": "odoo_id"}}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{nme}', '{"map": {"id": "odoo_id"}}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{external_ref}', '{"map": {"id": "odoo_id"}}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', NULL, '{"map": {"id": "odoo_id"}, "ignored": ["raw"]}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', NULL, '{"map": {"id": "odoo_id"}, "ignore": ["synced"]}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "external_ref"}}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "odoo_id", "name": "raw"}}')$$);
CREATE TABLE public.with_json (id int PRIMARY KEY, doc json);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.with_json', 'public.with_json', '{id}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "odoo_id"}, "source_filter": "true; DROP TABLE public.projects"}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "odoo_id"}, "source_filter": "true) OR (true"}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "odoo_id"}, "source_filter": "company_id = 1"}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "odoo_id"}, "source_filter": "id + 1"}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('Bad Name', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "odoo_id"}}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('projects', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "odoo_id"}}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.nope', 'odoo_seed.shadow_projects', '{id}')$$);
CREATE SEQUENCE public.drift_seq;
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.drift_seq', 'odoo_seed.shadow_projects', '{id}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_check('nope')$$);
-- Hostile names stay names: quoted, never pasted.
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "odoo_id"}, "schema": "public\"; DROP TABLE public.projects; --"}')$$);
SELECT pg_temp.err($$SELECT supabase_ext.drift_register('bad', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{"name\"; DROP TABLE public.projects; --"}', '{"map": {"id": "odoo_id"}}')$$);
SELECT count(*) AS registrations FROM supabase_ext.drift_registrations;

-- Tables dropped, renamed or altered after registration: a clear error.
-- The views depend on the tables, so Postgres itself refuses the plain
-- DROP TABLE and ALTER COLUMN TYPE; CASCADE (which drops the views) is
-- caught at check time from the stored oids and attnums.
SELECT pg_temp.err($$DROP TABLE odoo_seed.shadow_tasks$$);
SELECT pg_temp.err($$ALTER TABLE public.typed_b ALTER COLUMN n TYPE float8$$);
ALTER TABLE public.tasks RENAME TO tasks_v2;
SELECT pg_temp.err($$SELECT supabase_ext.drift_check('tasks')$$);
ALTER TABLE public.tasks_v2 RENAME TO tasks;
ALTER TABLE public.typed_b DROP COLUMN n CASCADE;
ALTER TABLE public.typed_b ADD COLUMN n numeric;
SELECT pg_temp.err($$SELECT supabase_ext.drift_check('typed')$$);
-- With typed_changed gone, a compared column can change type or name.
ALTER TABLE public.typed_b ALTER COLUMN i TYPE numeric;
SELECT pg_temp.err($$SELECT supabase_ext.drift_check('typed')$$);
ALTER TABLE public.typed_b ALTER COLUMN i TYPE int8;
ALTER TABLE public.typed_a RENAME COLUMN f TO f2;
SELECT pg_temp.err($$SELECT supabase_ext.drift_check('typed')$$);
DROP TABLE odoo_seed.shadow_tasks CASCADE;
SELECT pg_temp.err($$SELECT supabase_ext.drift_check('tasks')$$);
-- drift_check_all goes on past broken checks, logging each as an error (with an alert).
SELECT name, status, missing, orphans, changed FROM supabase_ext.drift_check_all();
SELECT name, status, details->>'sqlstate' AS sqlstate, details->>'error' AS error
  FROM supabase_ext.drift_logs WHERE status = 'error' ORDER BY name;
SELECT name, severity, message FROM supabase_ext.drift_alerts WHERE severity = 'error' ORDER BY name;

-- A caller without SELECT learns nothing: not the counts, not the rows.
CREATE ROLE drift_intruder;
CREATE ROLE drift_owner;
GRANT USAGE ON SCHEMA odoo_seed TO drift_owner, drift_intruder;
GRANT SELECT ON public.projects, odoo_seed.shadow_projects TO drift_owner;
GRANT EXECUTE ON FUNCTION supabase_ext.drift_register(text, regclass, regclass, text[], text[], jsonb),
                          supabase_ext.drift_check(text), supabase_ext.drift_unregister(text, boolean)
   TO drift_owner, drift_intruder;
GRANT CREATE ON SCHEMA public TO drift_owner;
SET ROLE drift_owner;
SELECT supabase_ext.drift_register('owned', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}',
         '{"map": {"id": "odoo_id"}}') ->> 'name' AS registered;
SELECT status, changed FROM supabase_ext.drift_check('owned');
SELECT name FROM supabase_ext.drift_registrations;
RESET ROLE;
SET ROLE drift_intruder;
-- Another role's check doesn't exist for it; tables it can't read can't be registered.
SELECT * FROM supabase_ext.drift_check('owned');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM supabase_ext.drift_check('projects');
\echo :LAST_ERROR_SQLSTATE
SELECT supabase_ext.drift_register('peek', 'public.projects', 'odoo_seed.shadow_projects', '{id}', '{name}', '{"map": {"id": "odoo_id"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM supabase_ext.drift_registrations;
SELECT count(*) FROM supabase_ext.drift_logs;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM public.owned_changed;
\echo :LAST_ERROR_SQLSTATE
-- Nor can it forge a log entry through the writer.
SELECT supabase_ext.drift_record('owned', 'clean', 0, 0, 0, '{}', '1s');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- The owner loses SELECT: its own check is now a permission error, not a count.
REVOKE SELECT ON odoo_seed.shadow_projects FROM drift_owner;
SET ROLE drift_owner;
SELECT * FROM supabase_ext.drift_check('owned');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- A superuser running it (drift_check_all from pg_cron) gets the owner's rights, not its own.
SELECT name, status, details->>'sqlstate' AS sqlstate, details->>'error' AS error
  FROM supabase_ext.drift_check_all() WHERE name = 'owned';
GRANT SELECT ON odoo_seed.shadow_projects TO drift_owner;
SELECT name, status FROM supabase_ext.drift_check('owned');

-- PostgREST: an admin grants the dashboard's role SELECT on drift_logs
-- (RLS is on; the read policy lets granted roles see every row), and the
-- request reads it exactly as PostgREST would. anon, not granted, can't.
GRANT SELECT ON supabase_ext.drift_logs, supabase_ext.drift_alerts TO authenticated;
SELECT relname, relrowsecurity FROM pg_class WHERE oid IN ('supabase_ext.drift_logs'::regclass, 'supabase_ext.drift_alerts'::regclass) ORDER BY 1;
SET SESSION AUTHORIZATION authenticator;
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'authenticated', true) AS role,
       set_config('request.jwt.claims', '{"role":"authenticated","sub":"7f0c0b8e-0000-4000-8000-000000000001"}', true) IS NOT NULL AS claims,
       set_config('request.method', 'GET', true) AS method,
       set_config('request.path', '/drift_logs', true) AS path;
-- GET /rest/v1/drift_logs?select=name,status,missing,orphans,changed&status=eq.drift_found&name=eq.projects (Accept-Profile: supabase_ext)
WITH pgrst_source AS (
    SELECT "supabase_ext"."drift_logs"."name", "supabase_ext"."drift_logs"."status", "supabase_ext"."drift_logs"."missing",
           "supabase_ext"."drift_logs"."orphans", "supabase_ext"."drift_logs"."changed"
      FROM "supabase_ext"."drift_logs"
     WHERE "supabase_ext"."drift_logs"."status" = 'drift_found'::unknown AND "supabase_ext"."drift_logs"."name" = 'projects'::unknown
     ORDER BY "supabase_ext"."drift_logs"."id")
SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total,
       coalesce(json_agg(_postgrest_t), '[]') AS body
  FROM (SELECT * FROM pgrst_source) _postgrest_t;
COMMIT;
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'anon', true) AS role;
SELECT count(*) FROM supabase_ext.drift_logs;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
RESET SESSION AUTHORIZATION;

-- pg_dump keeps registrations, logs and alerts.
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS x(oid) JOIN pg_class c ON c.oid = x.oid
 WHERE e.extname = 'supabase_ext' AND c.relname LIKE 'drift%' ORDER BY 1;

-- Scheduling: from pg_cron (SELECT cron.schedule('drift', '0 */6 * * *',
-- 'SELECT supabase_ext.drift_check_all()')) or the jobs system.
SELECT supabase_ext.job_schedule('drift', '0 */6 * * *', 'SELECT supabase_ext.drift_check_all()') > 0 AS scheduled;
SELECT name, schedule, kind, command FROM supabase_ext.job_definitions WHERE name = 'drift';
SELECT supabase_ext.job_unschedule('drift');

-- drift_unregister removes the views, the registration and its history.
SELECT supabase_ext.drift_unregister('stock');
SELECT count(*) AS stock_views FROM pg_views WHERE viewname LIKE 'stock\_%';
SELECT count(*) AS stock_logs FROM supabase_ext.drift_logs WHERE name = 'stock';
SELECT supabase_ext.drift_unregister('projects', keep_history => true);
SELECT count(*) > 0 AS projects_history_kept FROM supabase_ext.drift_logs WHERE name = 'projects';
SELECT supabase_ext.drift_unregister('projects');
\echo :LAST_ERROR_SQLSTATE
SET ROLE drift_owner;
SELECT supabase_ext.drift_unregister('owned');
RESET ROLE;
SET client_min_messages = warning;
SELECT supabase_ext.drift_unregister('typed'), supabase_ext.drift_unregister('tasks');
RESET client_min_messages;
SELECT count(*) AS registrations FROM supabase_ext.drift_registrations;
REVOKE ALL ON supabase_ext.drift_logs, supabase_ext.drift_alerts FROM authenticated;
DELETE FROM supabase_ext.drift_logs;
DROP SCHEMA odoo_seed CASCADE;
DROP SEQUENCE public.drift_seq;
DROP TABLE public.stock, public.typed_a, public.typed_b, public.with_json, public.tasks, public.projects CASCADE;
DROP OWNED BY drift_owner, drift_intruder;
DROP ROLE drift_owner;
DROP ROLE drift_intruder;
