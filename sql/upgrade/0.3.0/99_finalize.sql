
-- Re-apply every domain's grants (new and recreated objects),
-- and start a jobs worker in this database when the update commits.
SELECT supabase_ext.grant_supabase_roles();
SELECT supabase_ext.jobs_wake_launcher();
