-- Re-apply every domain's grants (functions recreated above lost theirs).
SELECT supabase_ext.grant_supabase_roles();
