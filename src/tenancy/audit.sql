-- RLS audit: splinter-style lints over the catalog, for CI and pg_cron.
--
--   SELECT * FROM supabase_ext.rls_audit();                      -- schemas from supabase_ext.rls_exposed_schemas
--   SELECT * FROM supabase_ext.rls_audit('{public,api}');
--   SELECT count(*) FROM supabase_ext.rls_audit() WHERE level = 'ERROR';   -- CI gate
--
-- Lint names and levels follow supabase/splinter where it has the lint, so
-- its documentation applies. Scope: tables, views and functions in the
-- exposed schemas (what PostgREST serves), never pg_catalog,
-- information_schema, pg_toast, temporary schemas or supabase_ext itself;
-- objects that belong to an extension are skipped for table, view and
-- search_path lints. policy_exists_rls_disabled looks at every schema: a
-- policy that is not applied is a mistake wherever it is.

-- Removes every parenthesised scalar subquery "( SELECT ... )" (at any
-- nesting, quotes respected) from a deparsed expression, and empties string
-- literals, leaving the parts a policy evaluates per row. Used by the
-- auth_rls_initplan lint.
CREATE FUNCTION supabase_ext.rls_strip_subselects(expr text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer := pg_catalog.length(expr);
    i integer := 1;
    j integer;
    depth integer;
    ch text;
    q text;
    skipping boolean;
    start integer;
    result text := '';
BEGIN
    WHILE i <= n LOOP
        ch := pg_catalog.substr(expr, i, 1);
        skipping := ch = '(' AND pg_catalog.substr(expr, i, 64) ~* '^\(\s*select\M';
        IF ch IN ('''', '"') OR skipping THEN
            -- Scan a quoted token, or a balanced ( SELECT ... ) group.
            start := i;
            depth := 0;
            j := i;
            q := NULL;
            WHILE j <= n LOOP
                ch := pg_catalog.substr(expr, j, 1);
                IF q IS NOT NULL THEN
                    IF ch = q THEN
                        IF pg_catalog.substr(expr, j + 1, 1) = q THEN
                            j := j + 1;           -- doubled quote inside a token
                        ELSE
                            q := NULL;
                            EXIT WHEN NOT skipping;
                        END IF;
                    END IF;
                ELSIF ch IN ('''', '"') THEN
                    q := ch;
                ELSIF ch = '(' THEN
                    depth := depth + 1;
                ELSIF ch = ')' THEN
                    depth := depth - 1;
                    EXIT WHEN depth = 0;
                END IF;
                j := j + 1;
            END LOOP;
            IF skipping THEN
                result := result || ' ';
            ELSIF pg_catalog.substr(expr, start, 1) = '''' THEN
                result := result || '''''';   -- string literals cannot call anything
            ELSE
                result := result || pg_catalog.substr(expr, start, j - start + 1);
            END IF;
            i := j + 1;
        ELSE
            result := result || ch;
            i := i + 1;
        END IF;
    END LOOP;
    RETURN result;
END $$;

COMMENT ON FUNCTION supabase_ext.rls_strip_subselects(text) IS
'Helper for rls_audit(): the expression with every "( SELECT ... )" group removed and string literals emptied.';

-- Whether a policy expression passes every row for every caller: a literal
-- true (true, 1 = 1, 'a' = 'a'), a column compared with itself (col = col),
-- "... OR true", or an expression that reads no column (has_column_refs
-- false, from pg_depend) and calls nothing that depends on the caller
-- (claims, current_setting, current_user, auth.*, functions in general).
CREATE FUNCTION supabase_ext.rls_expr_always_true(expr text, has_column_refs boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT expr IS NOT NULL AND (
           -- literal true
           x IN ('true', '(true)', '1=1', '(1=1)')
           -- a column compared with itself: (tenant_id = tenant_id)
        OR x ~ '^\(*([a-z_][a-z0-9_."]*)\)*=\(*\1\)*$'
           -- anything OR true
        OR x ~ 'ortrue\)*$' OR x ~ '^\(*trueor'
           -- reads no column and calls nothing that depends on the caller
        OR (NOT has_column_refs
            AND x !~ '[a-z_][a-z0-9_.]*\('
            AND x !~ 'current_user|session_user|current_role|false|null'))
      FROM (SELECT pg_catalog.regexp_replace(pg_catalog.lower(expr), '\s+', '', 'g') AS x) e
$$;

CREATE FUNCTION supabase_ext.rls_audit(
    exposed_schemas text[] DEFAULT pg_catalog.string_to_array(
        pg_catalog.replace(supabase_ext.setting('supabase_ext.rls_exposed_schemas'), ' ', ''), ',')
) RETURNS TABLE (lint text, level text, object text, detail text, remedy text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
WITH
exposed AS (
    -- Unset, NULL or empty: Supabase's default, public.
    SELECT coalesce(
               nullif(ARRAY(SELECT pg_catalog.btrim(s) FROM pg_catalog.unnest(exposed_schemas) AS s
                             WHERE coalesce(pg_catalog.btrim(s), '') <> ''), '{}'::text[]),
               '{public}'::text[]) AS schemas
),
nsp AS (
    SELECT n.oid, n.nspname, n.nspname = ANY (e.schemas) AS exposed
      FROM pg_catalog.pg_namespace n CROSS JOIN exposed e
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'supabase_ext')
       AND n.nspname !~ '^pg_(toast_)?temp_'
),
rels AS (
    SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.reloptions, c.relowner,
           s.nspname, s.exposed,
           pg_catalog.format('%I.%I', s.nspname, c.relname) AS qname,
           EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND d.objid = c.oid AND d.deptype = 'e') AS in_extension
      FROM pg_catalog.pg_class c
      JOIN nsp s ON s.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
),
tabs AS (
    SELECT r.*,
           (SELECT pg_catalog.count(*) FROM pg_catalog.pg_policy p WHERE p.polrelid = r.oid) AS npolicies
      FROM rels r
     WHERE r.relkind IN ('r', 'p') AND NOT r.in_extension
),
pols AS (
    SELECT p.oid, p.polname, p.polcmd, p.polpermissive, p.polroles,
           t.oid AS relid, t.nspname, t.relname, t.qname, t.relrowsecurity, t.exposed,
           pg_catalog.format('%I.%I.%I', t.nspname, t.relname, p.polname) AS pname,
           pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
           pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
           CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                         WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS cmd,
           (SELECT pg_catalog.string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END, ', ' ORDER BY r)
              FROM pg_catalog.unnest(p.polroles) AS r) AS roles,
           supabase_ext.rls_expr_always_true(pg_catalog.pg_get_expr(p.polqual, p.polrelid),
               EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objid = p.oid
                          AND d.refobjsubid > 0)) AS qual_always_true,
           supabase_ext.rls_expr_always_true(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
               EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objid = p.oid
                          AND d.refobjsubid > 0)) AS check_always_true
      FROM pg_catalog.pg_policy p
      JOIN tabs t ON t.oid = p.polrelid
),
procs AS (
    SELECT p.oid, p.prokind, p.prosecdef, p.proconfig, p.proowner, s.nspname,
           p.oid::pg_catalog.regprocedure::text AS sig,
           CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind,
           EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                      AND d.objid = p.oid AND d.deptype = 'e') AS in_extension
      FROM pg_catalog.pg_proc p
      JOIN nsp s ON s.oid = p.pronamespace
     WHERE s.exposed AND p.prokind IN ('f', 'p', 'w')
),
findings AS (
    -- Tables served by the API without RLS: grants alone decide what anyone sees.
    SELECT 'rls_disabled_in_public' AS lint, 'ERROR' AS level, t.qname AS object,
           pg_catalog.format('table %s is in exposed schema %I but row level security is disabled, so every role with table privileges can read and change every row through the API', t.qname, t.nspname) AS detail,
           pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY; -- then add policies, e.g. SELECT supabase_ext.enable_tenant_rls(%L);', t.qname, t.qname) AS remedy
      FROM tabs t
     WHERE t.exposed AND NOT t.relrowsecurity

    UNION ALL
    SELECT 'policy_exists_rls_disabled', 'ERROR', t.qname,
           pg_catalog.format('table %s has %s polic%s (%s) but row level security is disabled, so they are not applied',
               t.qname, t.npolicies, CASE WHEN t.npolicies = 1 THEN 'y' ELSE 'ies' END,
               (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p.polname), ', ' ORDER BY p.polname)
                  FROM pg_catalog.pg_policy p WHERE p.polrelid = t.oid)),
           pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY; -- or DROP the policies if they are obsolete', t.qname)
      FROM tabs t
     WHERE NOT t.relrowsecurity AND t.npolicies > 0

    UNION ALL
    SELECT 'rls_enabled_no_policy', 'INFO', t.qname,
           pg_catalog.format('row level security is enabled on %s but it has no policies: only its owner and BYPASSRLS roles (e.g. service_role) can access it', t.qname),
           pg_catalog.format('if API roles should reach it, add policies, e.g. SELECT supabase_ext.enable_tenant_rls(%L); otherwise nothing to do', t.qname)
      FROM tabs t
     WHERE t.exposed AND t.relrowsecurity AND t.npolicies = 0

    UNION ALL
    SELECT 'auth_rls_initplan', 'WARN', f.pname,
           pg_catalog.format('policy %I on %s calls %s per row; wrapped in a scalar subquery the call runs once per statement (initPlan)',
               f.polname, f.qname,
               (SELECT pg_catalog.string_agg(
                           CASE WHEN c IN ('current_setting', 'supabase_ext.has_role') THEN c || '(...)' ELSE c || '()' END, ', ')
                  FROM pg_catalog.unnest(f.calls) AS c)),
           pg_catalog.format('wrap the call: %s, e.g. ALTER POLICY %I ON %s %s;',
               (SELECT pg_catalog.string_agg(
                           CASE WHEN c IN ('current_setting', 'supabase_ext.has_role')
                                THEN pg_catalog.format('(select %s(...))', c)
                                ELSE pg_catalog.format('(select %s())', c) END, ', ')
                  FROM pg_catalog.unnest(f.calls) AS c),
               f.polname, f.qname,
               pg_catalog.concat_ws(' ',
                   CASE WHEN f.qual IS NOT NULL THEN 'USING (...)' END,
                   CASE WHEN f.with_check IS NOT NULL THEN 'WITH CHECK (...)' END))
      FROM (SELECT p.*,
                   ARRAY(SELECT DISTINCT m[1]
                           FROM pg_catalog.regexp_matches(
                                    coalesce(supabase_ext.rls_strip_subselects(p.qual), '') || ' ' ||
                                    coalesce(supabase_ext.rls_strip_subselects(p.with_check), ''),
                                    '(?:^|[^\w$."])((?:auth\.(?:uid|jwt|role|email))|(?:supabase_ext\.(?:jwt|uid|role|tenant_id|tenant_ids|has_role))|(?:pg_catalog\.)?current_setting)\s*\(',
                                    'g') AS m
                          ORDER BY 1) AS calls
              FROM pols p
             WHERE p.exposed AND p.relrowsecurity) AS f
     WHERE pg_catalog.cardinality(f.calls) > 0

    UNION ALL
    SELECT 'function_search_path_mutable', 'WARN', f.sig,
           pg_catalog.format('%s %s does not pin search_path, so it resolves names through the caller''s search_path', pg_catalog.lower(f.kind), f.sig),
           pg_catalog.format('ALTER %s %s SET search_path = pg_catalog, pg_temp; -- and schema-qualify the names it uses', f.kind, f.sig)
      FROM procs f
     WHERE NOT f.in_extension
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(f.proconfig) AS cfg WHERE cfg LIKE 'search\_path=%')

    UNION ALL
    SELECT 'security_definer_view', 'ERROR', v.qname,
           pg_catalog.format('view %s runs with the privileges of its owner %I instead of the caller, so the row level security of the tables it reads is checked against the owner (bypassed when the owner owns them or has BYPASSRLS)',
               v.qname, pg_catalog.pg_get_userbyid(v.relowner)),
           pg_catalog.format('ALTER VIEW %s SET (security_invoker = true);', v.qname)
      FROM rels v
     WHERE v.relkind = 'v' AND v.exposed AND NOT v.in_extension
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(v.reloptions) AS o
                        WHERE pg_catalog.lower(o) ~ '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$')

    UNION ALL
    SELECT 'rls_policy_always_true', 'WARN', p.pname,
           pg_catalog.format('policy %I on %s (FOR %s TO %s) has %s, so it does not restrict which rows those roles may %s',
               p.polname, p.qname, p.cmd, p.roles,
               pg_catalog.concat_ws(' and ',
                   CASE WHEN p.using_true THEN pg_catalog.format('USING (%s)', p.qual) END,
                   CASE WHEN p.check_true THEN pg_catalog.format('WITH CHECK (%s)', p.with_check) END),
               CASE p.cmd WHEN 'INSERT' THEN 'insert' WHEN 'UPDATE' THEN 'update' WHEN 'DELETE' THEN 'delete' ELSE 'read or change' END),
           pg_catalog.format('replace true with a real condition: ALTER POLICY %I ON %s %s; (or limit it TO service_role, or use SELECT supabase_ext.enable_tenant_rls(%L))',
               p.polname, p.qname,
               pg_catalog.concat_ws(' ',
                   CASE WHEN p.polcmd <> 'a' THEN 'USING (<condition>)' END,
                   CASE WHEN p.polcmd <> 'd' THEN 'WITH CHECK (<condition>)' END),
               p.qname)
      FROM (SELECT pp.*,
                   pp.polcmd IN ('w', 'd', '*') AND pp.qual_always_true AS using_true,
                   pp.polcmd IN ('a', 'w', '*') AND pp.check_always_true AS check_true
              FROM pols pp
             WHERE pp.exposed AND pp.relrowsecurity AND pp.polpermissive AND pp.polcmd <> 'r'
               -- A catch-all for service_role only is the usual way to keep it working without BYPASSRLS.
               AND EXISTS (SELECT 1 FROM pg_catalog.unnest(pp.polroles) AS r
                            WHERE r = 0 OR pg_catalog.pg_get_userbyid(r) <> 'service_role')) AS p
     WHERE p.using_true OR p.check_true

    UNION ALL
    SELECT 'rls_references_user_metadata', 'ERROR', p.pname,
           pg_catalog.format('policy %I on %s reads user_metadata (or auth.users.raw_user_meta_data), which every user can edit for themselves (supabase.auth.updateUser), so it must not drive authorization', p.polname, p.qname),
           pg_catalog.format('use app_metadata or supabase_ext.tenant_id()/has_role() instead, e.g. ALTER POLICY %I ON %s USING (... (select auth.jwt() -> ''app_metadata'' ->> ''tenant_id'') ...);', p.polname, p.qname)
      FROM pols p
     WHERE p.exposed AND (p.qual ~* 'user_meta_?data' OR p.with_check ~* 'user_meta_?data')

    UNION ALL
    -- splinter's 0028/0029: one lint per API role.
    SELECT r.rolname || '_security_definer_function_executable', 'WARN', f.sig,
           pg_catalog.format('SECURITY DEFINER %s %s runs with the privileges of its owner %I (bypassing RLS) and the %I role can execute it, e.g. through /rest/v1/rpc/',
               pg_catalog.lower(f.kind), f.sig, pg_catalog.pg_get_userbyid(f.proowner), r.rolname),
           pg_catalog.format('REVOKE EXECUTE ON %s %s FROM PUBLIC, %I; -- or ALTER %s %s SECURITY INVOKER;',
               f.kind, f.sig, r.rolname, f.kind, f.sig)
      FROM procs f
      JOIN pg_catalog.pg_roles r ON r.rolname IN ('anon', 'authenticated')
     WHERE f.prosecdef AND pg_catalog.has_function_privilege(r.oid, f.oid, 'EXECUTE')

    UNION ALL
    -- Permissive policies are ORed: one that passes every row for the roles
    -- of the tenant policies makes them pointless.
    SELECT 'permissive_policy_defeats_tenant_policy', 'ERROR', o.pname,
           pg_catalog.format('permissive policy %I on %s (FOR %s TO %s) is ORed with the tenant policies and does not restrict rows, so every tenant''s rows are visible or writable through it',
               o.polname, o.qname, o.cmd, o.roles),
           pg_catalog.format('ALTER POLICY %I ON %s USING (<tenant condition>); -- or DROP POLICY %I ON %s; or recreate it AS RESTRICTIVE',
               o.polname, o.qname, o.polname, o.qname)
      FROM pols o
     WHERE o.relrowsecurity AND o.polpermissive
       AND o.polname NOT LIKE 'supabase\_ext\_tenant\_%'
       AND (o.qual IS NULL OR o.qual_always_true)
       AND (o.with_check IS NULL OR o.check_always_true OR o.polcmd IN ('r', 'd'))
       AND NOT (pg_catalog.cardinality(o.polroles) = 1
                AND pg_catalog.pg_get_userbyid(o.polroles[1]) = 'service_role')
       AND EXISTS (SELECT 1 FROM pols t
                    WHERE t.relid = o.relid AND t.oid <> o.oid
                      AND (t.polname LIKE 'supabase\_ext\_tenant\_%'
                           OR pg_catalog.concat_ws(' ', t.qual, t.with_check) ~ 'supabase_ext\.tenant_ids?\(|tenant_id|org_id')
                      AND (t.polcmd = o.polcmd OR o.polcmd = '*' OR t.polcmd = '*')
                      AND (0 = ANY (o.polroles) OR 0 = ANY (t.polroles) OR o.polroles && t.polroles))

    UNION ALL
    SELECT 'materialized_view_in_api', 'WARN', m.qname,
           pg_catalog.format('materialized view %s is in exposed schema %I and API roles can select it; materialized views have no row level security', m.qname, m.nspname),
           pg_catalog.format('REVOKE SELECT ON %s FROM anon, authenticated; -- or move it to a schema PostgREST does not expose', m.qname)
      FROM rels m
     WHERE m.relkind = 'm' AND m.exposed AND NOT m.in_extension
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname IN ('anon', 'authenticated')
                      AND pg_catalog.has_table_privilege(r.oid, m.oid, 'SELECT'))

    UNION ALL
    SELECT 'foreign_table_in_api', 'WARN', f.qname,
           pg_catalog.format('foreign table %s is in exposed schema %I and API roles can select it; foreign tables have no row level security', f.qname, f.nspname),
           pg_catalog.format('REVOKE SELECT ON %s FROM anon, authenticated; -- or move it to a schema PostgREST does not expose', f.qname)
      FROM rels f
     WHERE f.relkind = 'f' AND f.exposed AND NOT f.in_extension
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname IN ('anon', 'authenticated')
                      AND pg_catalog.has_table_privilege(r.oid, f.oid, 'SELECT'))

    UNION ALL
    -- A security_invoker view checks the caller's rights on the tables it
    -- reads: a private table without RLS that API roles can select leaks
    -- every row through the view.
    SELECT 'view_over_table_without_rls', 'ERROR', v.qname,
           pg_catalog.format('view %s in exposed schema %I reads %s, which has row level security disabled and is selectable by API roles, so every row is served through the view',
               v.qname, v.nspname, t.oid::pg_catalog.regclass),
           pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY; -- and add policies, or REVOKE SELECT ON %s FROM anon, authenticated',
               t.oid::pg_catalog.regclass, t.oid::pg_catalog.regclass)
      FROM rels v
      JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = v.oid
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = rw.oid
                                 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> v.oid
      JOIN pg_catalog.pg_class t ON t.oid = d.refobjid AND t.relkind IN ('r', 'p') AND NOT t.relrowsecurity
     WHERE v.relkind = 'v' AND v.exposed AND NOT v.in_extension
       AND EXISTS (SELECT 1 FROM pg_catalog.unnest(v.reloptions) AS o
                    WHERE pg_catalog.lower(o) ~ '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$')
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname IN ('anon', 'authenticated')
                      AND pg_catalog.has_table_privilege(r.oid, t.oid, 'SELECT'))
     GROUP BY v.qname, v.nspname, t.oid

    UNION ALL
    -- pg_temp is searched FIRST unless listed: a SECURITY DEFINER function
    -- whose search_path does not end with pg_temp resolves names in objects
    -- any caller can create (CVE-2007-2138's class).
    SELECT 'security_definer_search_path_pg_temp', 'WARN', f.sig,
           pg_catalog.format('SECURITY DEFINER %s %s pins search_path = %s without pg_temp last, so temporary objects of the caller are searched first',
               pg_catalog.lower(f.kind), f.sig, pg_catalog.substr(cfg, 13)),
           pg_catalog.format('ALTER %s %s SET search_path = %s, pg_temp;', f.kind, f.sig, pg_catalog.substr(cfg, 13))
      FROM procs f, pg_catalog.unnest(f.proconfig) AS cfg
     WHERE f.prosecdef AND NOT f.in_extension AND cfg LIKE 'search\_path=%'
       -- search_path = '' (Supabase's advice) forces qualified names: not flagged.
       AND pg_catalog.regexp_replace(cfg, '\s', '', 'g') <> 'search_path=""'
       AND pg_catalog.regexp_replace(cfg, '\s', '', 'g') !~ ',pg_temp"?$'

    UNION ALL
    -- Policies made by 0.1.0 gated writes with has_role(), which checks the
    -- caller's current tenant or global roles, not the row's tenant.
    SELECT 'tenant_role_gate_not_row_aware', 'ERROR', p.pname,
           pg_catalog.format('policy %I on %s gates rows with has_role(…) alongside tenant_ids(), which is not checked against the row''s tenant: an admin of one tenant passes the gate for another tenant''s rows', p.polname, p.qname),
           pg_catalog.format('SELECT supabase_ext.enable_tenant_rls(%L, …the same options…); -- regenerates row-aware gates (tenant_ids_with_role)', p.qname)
      FROM pols p
     WHERE p.exposed
       AND pg_catalog.concat_ws(' ', p.qual, p.with_check) ~ 'supabase_ext\.tenant_ids\('
       AND pg_catalog.concat_ws(' ', p.qual, p.with_check) ~ 'supabase_ext\.has_role\(''[^'']*''(::text)?\)'

    UNION ALL
    SELECT 'tenant_column_unindexed', 'WARN', pg_catalog.format('%I.%I.%I', u.nspname, u.relname, u.attname),
           pg_catalog.format('policies on %s filter on %I (%s) but no index has it as its first column, so every query scans the whole table',
               u.qname, u.attname, u.policies),
           pg_catalog.format('CREATE INDEX ON %s (%I);', u.qname, u.attname)
      FROM (SELECT p.relid, p.nspname, p.relname, p.qname, a.attname, a.attnum,
                   pg_catalog.string_agg(DISTINCT pg_catalog.quote_ident(p.polname), ', ') AS policies
              FROM pols p
              JOIN pg_catalog.pg_depend d
                ON d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objid = p.oid
               AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
               AND d.refobjid = p.relid AND d.refobjsubid > 0
              JOIN pg_catalog.pg_attribute a ON a.attrelid = p.relid AND a.attnum = d.refobjsubid
             WHERE p.exposed
               AND (a.attname IN ('tenant_id', 'org_id')
                    -- <col> = (SELECT supabase_ext.tenant_id()), <col> = ANY ((SELECT supabase_ext.tenant_ids())::uuid[]), and the mirror image
                    OR pg_catalog.concat_ws(' ', p.qual, p.with_check) ~
                       ('(^|[^\w$".])' || pg_catalog.regexp_replace(pg_catalog.quote_ident(a.attname), '([^\w])', '\\\1', 'g')
                        || '\s*=\s*(ANY\s*)?[(\s]*(SELECT\s+)?supabase_ext\.tenant_ids?\(')
                    OR pg_catalog.concat_ws(' ', p.qual, p.with_check) ~
                       ('supabase_ext\.tenant_id\(\)(\s+AS\s+\w+)?\)?\s*=\s*'
                        || pg_catalog.regexp_replace(pg_catalog.quote_ident(a.attname), '([^\w])', '\\\1', 'g')
                        || '(?![\w$])'))
             GROUP BY p.relid, p.nspname, p.relname, p.qname, a.attname, a.attnum) AS u
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                        WHERE x.indrelid = u.relid AND x.indkey[0] = u.attnum)
)
SELECT f.lint, f.level, f.object, f.detail, f.remedy
  FROM findings f
 ORDER BY CASE f.level WHEN 'ERROR' THEN 1 WHEN 'WARN' THEN 2 ELSE 3 END, f.lint, f.object
$$;

COMMENT ON FUNCTION supabase_ext.rls_audit(text[]) IS
'RLS lints (splinter names where splinter has the lint): rls_disabled_in_public, policy_exists_rls_disabled, rls_enabled_no_policy, auth_rls_initplan, function_search_path_mutable, security_definer_view, rls_policy_always_true, rls_references_user_metadata, anon_/authenticated_security_definer_function_executable, tenant_column_unindexed, permissive_policy_defeats_tenant_policy, materialized_view_in_api, foreign_table_in_api, view_over_table_without_rls, security_definer_search_path_pg_temp, tenant_role_gate_not_row_aware. Default schemas: supabase_ext.rls_exposed_schemas.';

-- rls_audit() and its helper stay executable by PUBLIC: they are not
-- SECURITY DEFINER and reveal only catalog metadata (pg_class, pg_policy,
-- pg_proc, ...) that every role can already read.
