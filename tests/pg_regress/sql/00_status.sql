-- supabase_ext.status(): what a user sees right after CREATE EXTENSION.
-- Rows that depend on preloading are in 01_preload, companions in 02_companions.
CREATE EXTENSION supabase_ext;
SELECT extversion FROM pg_extension WHERE extname = 'supabase_ext';
-- Stable facts only (pids and timestamps vary run to run).
SELECT component, name, value FROM supabase_ext.status()
 WHERE component IN ('extension', 'settings', 'maintenance') AND name NOT IN ('supabase_ext.database', 'supabase_ext.databases')
 ORDER BY component, name;
-- Mistyped settings under the reserved prefix are errors, not silent placeholders.
SET supabase_ext.webhook_retention_dayz = 3;
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
-- What authenticated may execute beyond PUBLIC.
SELECT p.proname FROM pg_proc p
 WHERE p.pronamespace = 'supabase_ext'::regnamespace
   AND has_function_privilege('authenticated', p.oid, 'EXECUTE')
   AND NOT has_function_privilege('anon', p.oid, 'EXECUTE')
 ORDER BY 1;
-- Tables whose rows pg_dump keeps (user data), with their filters.
SELECT c.oid::regclass AS dumped, coalesce(x.cond, '') AS filter
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(oid, cond)
  JOIN pg_class c ON c.oid = x.oid
 WHERE e.extname = 'supabase_ext' ORDER BY c.oid::regclass::text;
