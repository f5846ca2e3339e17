-- supabase_ext.status(): what a user sees right after CREATE EXTENSION.
CREATE EXTENSION supabase_ext;
SELECT extversion FROM pg_extension WHERE extname = 'supabase_ext';
-- Stable facts only (pids and timestamps vary run to run).
SELECT component, name, value FROM supabase_ext.status()
 WHERE component IN ('extension', 'settings', 'companions') OR name = 'preloaded'
 ORDER BY component, name;
SELECT value AS worker FROM supabase_ext.status() WHERE name = 'supabase_ext maintenance';
-- Optional companions are detected once installed.
CREATE EXTENSION vector;
CREATE EXTENSION pg_trgm;
SELECT name, value FROM supabase_ext.status() WHERE component = 'companions' ORDER BY name;
-- Everything lives in schema supabase_ext; nothing in public.
SELECT count(*) AS objects_in_public FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
  JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
 WHERE e.extname = 'supabase_ext' AND p.pronamespace = 'public'::regnamespace;
-- The schema is fixed: the extension is not relocatable.
ALTER EXTENSION supabase_ext SET SCHEMA public;
-- The grant model: admin-only functions (anon, like PUBLIC, may not execute these).
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args
  FROM pg_proc p
 WHERE p.pronamespace = 'supabase_ext'::regnamespace
   AND NOT has_function_privilege('anon', p.oid, 'EXECUTE')
 ORDER BY 1, 2;
