-- supabase_ext 0.2.0 -> 0.3.0
\echo Use "ALTER EXTENSION supabase_ext UPDATE TO '0.3.0'" to load this file. \quit

-- supabase_ext 0.2.0 -> 0.3.0: jobs completed, hybrid search, drift.

-- Re-apply every domain's grants (new and recreated objects),
-- and start a jobs worker in this database when the update commits.
SELECT supabase_ext.grant_supabase_roles();
SELECT supabase_ext.jobs_wake_launcher();

