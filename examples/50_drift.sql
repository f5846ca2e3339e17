-- Chapter 5: drift. The seeds keep read-only Odoo snapshots beside the
-- app's own rows and compare them with hand-written views every 6 hours.
-- Here one registration per pair replaces the views, one pass checks it,
-- and an alert reaches whoever LISTENs (psql prints the notification after
-- the command that committed it).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT supabase_ext.drift_unregister(name) FROM supabase_ext.drift_registrations WHERE name IN ('demo_projects', 'demo_tasks');
DROP SCHEMA IF EXISTS odoo_seed CASCADE;
DROP TABLE IF EXISTS public.demo_tasks, public.demo_projects;
RESET client_min_messages;

-- The app's rows and Odoo's snapshot of them (odoo_id is Odoo's name for id).
CREATE TABLE public.demo_projects (id bigint PRIMARY KEY, name text, budget numeric);
CREATE TABLE public.demo_tasks (id bigint PRIMARY KEY, project_id bigint REFERENCES public.demo_projects, title text);
CREATE SCHEMA odoo_seed;
CREATE TABLE odoo_seed.shadow_projects (odoo_id integer PRIMARY KEY, external_ref text, name text, budget numeric,
                                        synced_at timestamptz NOT NULL DEFAULT now(), raw jsonb);
CREATE TABLE odoo_seed.shadow_tasks (odoo_id integer PRIMARY KEY, external_ref text, project_odoo_id integer,
                                     synced_at timestamptz NOT NULL DEFAULT now(), raw jsonb);
INSERT INTO public.demo_projects VALUES (1, 'Website', 12000.0), (2, 'ERP rollout', 80000), (3, 'Mobile app', NULL), (4, 'Data warehouse', 5000);
INSERT INTO public.demo_tasks VALUES (10, 1, 'Launch'), (11, 1, 'SEO'), (12, 2, 'Import');
-- Odoo: project 2 renamed, 3 got a budget, 4 never synced, 7 exists only there;
-- 12000.00 is the same number as 12000.0.
INSERT INTO odoo_seed.shadow_projects (odoo_id, external_ref, name, budget, raw) VALUES
    (1, 'prj-1', 'Website', 12000.00, '{"write_date": "2026-11-30"}'),
    (2, 'prj-2', 'ERP Rollout', 80000, '{}'),
    (3, 'prj-3', 'Mobile app', 25000, '{}'),
    (7, 'prj-7', 'Archived', 0, '{}');
INSERT INTO odoo_seed.shadow_tasks (odoo_id, external_ref, project_odoo_id) VALUES (10, 'tsk-10', 1), (11, 'tsk-11', 2), (12, 'tsk-12', 2);

-- Register both pairs: keys, the column mapping, the sync's own columns ignored.
SELECT supabase_ext.drift_register('demo_projects', 'public.demo_projects', 'odoo_seed.shadow_projects', '{id}',
         options => '{"map": {"id": "odoo_id"}, "ignore": ["synced_at", "raw"]}') ->> 'compare' AS compared;
SELECT supabase_ext.drift_register('demo_tasks', 'public.demo_tasks', 'odoo_seed.shadow_tasks', '{id}',
         options => '{"map": {"id": "odoo_id", "project_id": "project_odoo_id"}, "ignore": ["synced_at", "raw"]}') ->> 'compare' AS compared;

-- The seeds' three views, generated: missing in Odoo, orphaned in Odoo, and
-- what changed, one row per column.
SELECT * FROM public.demo_projects_missing;
SELECT * FROM public.demo_projects_orphans;
SELECT * FROM public.demo_projects_changed ORDER BY id, "column";

-- Listen like the dashboard's backend would, then check everything. The
-- notifications print below the result, after the transaction committed.
LISTEN supabase_ext_drift;
SELECT name, status, missing, orphans, changed, details FROM supabase_ext.drift_check_all();
SELECT name, status, missing, orphans, changed, duration < interval '1 minute' AS quick FROM supabase_ext.drift_logs ORDER BY id DESC LIMIT 2;
SELECT name, severity, message FROM supabase_ext.drift_alerts ORDER BY id DESC LIMIT 2;

-- Odoo catches up: the next check is clean, and a clean check is silent.
INSERT INTO odoo_seed.shadow_projects (odoo_id, external_ref, name, budget) VALUES (4, 'prj-4', 'Data warehouse', 5000);
DELETE FROM odoo_seed.shadow_projects WHERE odoo_id = 7;
UPDATE odoo_seed.shadow_projects s SET name = p.name, budget = p.budget FROM public.demo_projects p WHERE p.id = s.odoo_id;
SELECT name, status, missing, orphans, changed FROM supabase_ext.drift_check('demo_projects');
UNLISTEN supabase_ext_drift;

-- Every 6 hours, as in the seeds: a jobs-domain schedule (the worker runs
-- it), or the same command from pg_cron:
--   SELECT cron.schedule('drift', '0 */6 * * *', 'SELECT supabase_ext.drift_check_all()');
SELECT supabase_ext.job_schedule('drift', '0 */6 * * *', 'SELECT supabase_ext.drift_check_all()') > 0 AS scheduled;
SELECT name, schedule, next_run_at > now() AS pending FROM supabase_ext.job_definitions WHERE name = 'drift';
SELECT supabase_ext.job_unschedule('drift');
