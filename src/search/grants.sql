-- Search grants. Registering and unregistering need the table's owner
-- (checked inside); the functions are revoked from PUBLIC so only roles the
-- database owner trusts with DDL reach them. The generated search functions
-- keep PostgreSQL's default (EXECUTE for PUBLIC): they are SECURITY INVOKER,
-- so the table's privileges and RLS decide. Their lexical stages
-- (search_<id>_lexical) check the caller themselves.
REVOKE ALL ON supabase_ext.search_registrations FROM PUBLIC;
REVOKE ALL ON FUNCTION
    supabase_ext.search_register(text, regclass, jsonb),
    supabase_ext.search_unregister(text, name),
    supabase_ext.search_caller(),
    supabase_ext.search_rls_applies(regclass, name),
    supabase_ext.search_topk(oid, anyelement, text[], double precision[], double precision[], integer,
                             double precision, double precision, double precision)
FROM PUBLIC;
