-- Tenant RLS policy generator.
--
--   SELECT supabase_ext.enable_tenant_rls('public.projects');
--   SELECT supabase_ext.enable_tenant_rls('public.projects', 'org_id',
--       '{"multi": true, "write_roles": ["admin", "engineer"], "delete_roles": ["admin"]}');
--   SELECT supabase_ext.disable_tenant_rls('public.projects');
--
-- Policies use the initPlan-friendly form `col = (SELECT supabase_ext.tenant_id())`
-- so the claim is read once per statement, not once per row. Both functions
-- are idempotent and return the list of actions they took. They run with the
-- caller's rights (not SECURITY DEFINER): the caller must own the table.

CREATE FUNCTION supabase_ext.enable_tenant_rls(
    tbl regclass,
    tenant_column name DEFAULT 'tenant_id',
    options jsonb DEFAULT '{}'
) RETURNS text[]
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    known_keys constant text[] := ARRAY['force', 'multi', 'roles', 'read_roles', 'write_roles', 'delete_roles'];
    opts jsonb := coalesce(options, '{}'::jsonb);
    col name := tenant_column;
    rel record;
    att record;
    k text;
    v jsonb;
    bad text[];
    arr text[];
    opt_force boolean := false;
    opt_multi boolean := false;
    pol_roles text[] := ARRAY['authenticated'];
    read_roles text[];
    write_roles text[];
    delete_roles text[];
    roles_sql text;
    qualname text;
    base_expr text;
    sel_expr text;
    write_expr text;
    del_expr text;
    -- One entry per policy: name, command, USING, WITH CHECK, TO.
    p_names text[];
    p_cmds text[];
    p_using text[];
    p_check text[];
    p_to text[];
    i integer;
    existing record;
    cmd_char "char";
    ddl text;
    state_before jsonb;
    state_after jsonb;
    srv record;
    marker text;
    old_marker text;
    defeating text;
    actions text[] := ARRAY[]::text[];
BEGIN
    IF tbl IS NULL OR col IS NULL THEN
        RAISE EXCEPTION 'enable_tenant_rls: table and tenant column must not be NULL'
            USING ERRCODE = '22004';
    END IF;

    SELECT c.oid, c.relname, c.relkind, c.relowner, c.relrowsecurity, c.relforcerowsecurity,
           n.nspname
      INTO rel
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = tbl;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'enable_tenant_rls: % is not a table', tbl
            USING ERRCODE = '42809',
                  HINT = 'Row level security applies to ordinary and partitioned tables; for a view, enable it on the underlying table and create the view WITH (security_invoker = true).';
    END IF;
    IF NOT pg_catalog.pg_has_role(current_user, rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'enable_tenant_rls: must be owner of table %', tbl
            USING ERRCODE = '42501',
                  HINT = 'Run it as the table owner (for example in a migration).';
    END IF;
    qualname := pg_catalog.format('%I.%I', rel.nspname, rel.relname);

    -- Tenant column: must exist and be uuid (or a domain over uuid).
    SELECT a.attnum, a.atttypid, t.typtype, t.typbasetype
      INTO att
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'enable_tenant_rls: column "%" does not exist in table %', col, tbl
            USING ERRCODE = '42703',
                  HINT = pg_catalog.format('Add it (ALTER TABLE %s ADD COLUMN %I uuid NOT NULL) or pass the tenant column name as the second argument.', qualname, col);
    END IF;
    IF att.atttypid <> 'pg_catalog.uuid'::pg_catalog.regtype
       AND NOT (att.typtype = 'd' AND att.typbasetype = 'pg_catalog.uuid'::pg_catalog.regtype) THEN
        RAISE EXCEPTION 'enable_tenant_rls: column "%" of table % is of type %, not uuid',
                col, tbl, pg_catalog.format_type(att.atttypid, NULL)
            USING ERRCODE = '42804',
                  HINT = pg_catalog.format('Tenant ids are uuids; convert the column: ALTER TABLE %s ALTER COLUMN %I TYPE uuid USING %I::uuid;', qualname, col, col);
    END IF;

    -- Options.
    IF pg_catalog.jsonb_typeof(opts) <> 'object' THEN
        RAISE EXCEPTION 'enable_tenant_rls: options must be a JSON object, got %', pg_catalog.jsonb_typeof(opts)
            USING ERRCODE = '22023',
                  HINT = 'Example: ''{"force": true, "multi": false, "roles": ["authenticated"]}''';
    END IF;
    SELECT pg_catalog.array_agg(key ORDER BY key) INTO bad
      FROM pg_catalog.jsonb_object_keys(opts) AS key
     WHERE key <> ALL (known_keys);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'enable_tenant_rls: unknown option(s): %', pg_catalog.array_to_string(bad, ', ')
            USING ERRCODE = '22023',
                  HINT = 'Known options: ' || pg_catalog.array_to_string(known_keys, ', ');
    END IF;
    FOREACH k IN ARRAY ARRAY['force', 'multi'] LOOP
        v := opts -> k;
        CONTINUE WHEN v IS NULL OR pg_catalog.jsonb_typeof(v) = 'null';
        IF pg_catalog.jsonb_typeof(v) <> 'boolean' THEN
            RAISE EXCEPTION 'enable_tenant_rls: option "%" must be a boolean, got %', k, v
                USING ERRCODE = '22023', HINT = pg_catalog.format('Use {"%s": true} or {"%s": false}.', k, k);
        END IF;
        IF k = 'force' THEN opt_force := v::text::boolean; ELSE opt_multi := v::text::boolean; END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['roles', 'read_roles', 'write_roles', 'delete_roles'] LOOP
        v := opts -> k;
        CONTINUE WHEN v IS NULL OR pg_catalog.jsonb_typeof(v) = 'null';
        IF pg_catalog.jsonb_typeof(v) <> 'array' OR pg_catalog.jsonb_array_length(v) = 0
           OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(v) AS e
                       WHERE pg_catalog.jsonb_typeof(e) <> 'string' OR e #>> '{}' = '') THEN
            RAISE EXCEPTION 'enable_tenant_rls: option "%" must be a non-empty array of role names, got %', k, v
                USING ERRCODE = '22023',
                      HINT = pg_catalog.format('Example: {"%s": ["admin", "engineer"]}; omit the key for the default.', k);
        END IF;
        -- Deduplicated, first occurrence order kept.
        SELECT pg_catalog.array_agg(r ORDER BY pos) INTO arr
          FROM (SELECT e.r, pg_catalog.min(e.pos) AS pos
                  FROM pg_catalog.jsonb_array_elements_text(v) WITH ORDINALITY AS e(r, pos)
                 GROUP BY e.r) AS d;
        CASE k
            WHEN 'roles' THEN pol_roles := arr;
            WHEN 'read_roles' THEN read_roles := arr;
            WHEN 'write_roles' THEN write_roles := arr;
            ELSE delete_roles := arr;
        END CASE;
    END LOOP;
    -- Deleting is writing: without delete_roles, DELETE is gated like the other writes.
    delete_roles := coalesce(delete_roles, write_roles);

    -- Role gates need a source that can say in which tenant a role holds.
    -- Refuse the combinations that can't be made safe rather than generate
    -- gates that either never pass or pass in the wrong tenant.
    IF coalesce(read_roles, write_roles, delete_roles) IS NOT NULL THEN
        IF pg_catalog.btrim(coalesce(supabase_ext.setting('supabase_ext.tenant_roles_claim_paths'), '')) = ''
           AND pg_catalog.btrim(coalesce(supabase_ext.setting('supabase_ext.membership_table'), '')) = ''
           AND opt_multi THEN
            RAISE EXCEPTION 'enable_tenant_rls: role gates on a multi-tenant table need per-tenant roles'
                USING ERRCODE = '22023',
                      HINT = 'Set supabase_ext.tenant_roles_claim_paths (claims like {"app_metadata": {"tenant_roles": {"<tenant>": ["admin"]}}}) or supabase_ext.membership_table; global role claims can''t say in which tenant a role holds.';
        END IF;
        IF pg_catalog.btrim(coalesce(supabase_ext.setting('supabase_ext.membership_table'), '')) <> ''
           AND NOT EXISTS (
               SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = pg_catalog.to_regclass(NULLIF(pg_catalog.btrim(supabase_ext.setting('supabase_ext.membership_table')), ''))
                  AND a.attname = supabase_ext.setting('supabase_ext.membership_role_column')
                  AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'enable_tenant_rls: supabase_ext.membership_table has no column "%" for role gates',
                    supabase_ext.setting('supabase_ext.membership_role_column')
                USING ERRCODE = '42703', HINT = 'Set supabase_ext.membership_role_column, or drop the role options.';
        END IF;
    END IF;

    -- Policy roles (database roles): must exist; "public" means every role.
    SELECT pg_catalog.array_agg(r) INTO bad
      FROM pg_catalog.unnest(pol_roles) AS r
     WHERE pg_catalog.lower(r) <> 'public'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'enable_tenant_rls: role(s) % do not exist', pg_catalog.array_to_string(bad, ', ')
            USING ERRCODE = '42704',
                  HINT = 'Option "roles" lists database roles the policies apply to (default ["authenticated"]); application roles checked with has_role() go in read_roles/write_roles/delete_roles.';
    END IF;
    SELECT pg_catalog.string_agg(CASE WHEN pg_catalog.lower(r) = 'public' THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r) END, ', ' ORDER BY o)
      INTO roles_sql
      FROM pg_catalog.unnest(pol_roles) WITH ORDINALITY AS u(r, o);

    -- Expressions.
    IF opt_multi THEN
        -- The cast keeps the parser from reading ANY ((SELECT ...)) as ANY (subquery).
        base_expr := pg_catalog.format('%I = ANY ((SELECT supabase_ext.tenant_ids())::uuid[])', col);
    ELSE
        base_expr := pg_catalog.format('%I = (SELECT supabase_ext.tenant_id())', col);
    END IF;
    sel_expr := base_expr;
    write_expr := base_expr;
    del_expr := base_expr;
    -- Role gates are row-aware: the caller must hold the role in the ROW's
    -- tenant (0.1.0 checked the caller's current tenant or global roles,
    -- which let an admin of one org write another org's rows). One initPlan
    -- per gate: the array of tenants in which the caller holds a role.
    IF read_roles IS NOT NULL THEN
        sel_expr := pg_catalog.format('(%s) AND (%I = ANY ((SELECT supabase_ext.tenant_ids_with_role(%L))::uuid[]))',
            base_expr, col, read_roles::text);
    END IF;
    IF write_roles IS NOT NULL THEN
        write_expr := pg_catalog.format('(%s) AND (%I = ANY ((SELECT supabase_ext.tenant_ids_with_role(%L))::uuid[]))',
            base_expr, col, write_roles::text);
    END IF;
    IF delete_roles IS NOT NULL THEN
        del_expr := pg_catalog.format('(%s) AND (%I = ANY ((SELECT supabase_ext.tenant_ids_with_role(%L))::uuid[]))',
            base_expr, col, delete_roles::text);
    END IF;

    p_names := ARRAY['supabase_ext_tenant_select', 'supabase_ext_tenant_insert',
                     'supabase_ext_tenant_update', 'supabase_ext_tenant_delete'];
    p_cmds  := ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
    p_using := ARRAY[sel_expr, NULL, write_expr, del_expr];
    p_check := ARRAY[NULL, write_expr, write_expr, NULL];
    p_to    := ARRAY[roles_sql, roles_sql, roles_sql, roles_sql];

    -- service_role must keep seeing everything; without BYPASSRLS it needs a policy.
    SELECT r.oid, r.rolbypassrls INTO srv FROM pg_catalog.pg_roles r WHERE r.rolname = 'service_role';
    IF FOUND AND NOT srv.rolbypassrls THEN
        p_names := p_names || 'supabase_ext_tenant_service_role'::text;
        p_cmds  := p_cmds || 'ALL'::text;
        p_using := p_using || 'true'::text;
        p_check := p_check || 'true'::text;
        p_to    := p_to || 'service_role'::text;
    END IF;

    -- What RLS looked like before the first enable_tenant_rls, kept in the
    -- select policy's comment (comments survive pg_dump and renames), so
    -- disable_tenant_rls restores exactly that and never disables what it
    -- didn't enable. A re-run keeps the first marker.
    SELECT pg_catalog.obj_description(p.oid, 'pg_policy') INTO old_marker
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid = tbl AND p.polname = 'supabase_ext_tenant_select';
    marker := old_marker;
    IF marker IS NULL OR marker !~ '^supabase_ext: before enable_tenant_rls: rls=(on|off) force=(on|off)$' THEN
        marker := pg_catalog.format('supabase_ext: before enable_tenant_rls: rls=%s force=%s',
            CASE WHEN rel.relrowsecurity THEN 'on' ELSE 'off' END,
            CASE WHEN rel.relforcerowsecurity THEN 'on' ELSE 'off' END);
    END IF;

    -- Permissive policies are ORed: another permissive policy that lets the
    -- same roles see or change rows defeats the tenant policies.
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p.polname), ', ' ORDER BY p.polname) INTO defeating
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid = tbl AND p.polpermissive AND p.polname NOT LIKE 'supabase\_ext\_tenant\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                        WHERE r.oid = ANY (p.polroles) AND r.rolname = 'service_role' AND pg_catalog.cardinality(p.polroles) = 1);
    IF defeating IS NOT NULL THEN
        RAISE WARNING 'enable_tenant_rls: % has other permissive policies (%) that are ORed with the tenant policies', tbl, defeating
            USING HINT = 'A row visible through any permissive policy is visible: make them AS RESTRICTIVE, or drop them; see rls_audit() lint permissive_policy_defeats_tenant_policy.';
        actions := actions || pg_catalog.format('warned: other permissive policies %s', defeating);
    END IF;

    -- Row level security.
    IF rel.relrowsecurity THEN
        actions := actions || 'row level security already enabled'::text;
    ELSE
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', qualname);
        actions := actions || 'enabled row level security'::text;
    END IF;
    IF opt_force THEN
        IF rel.relforcerowsecurity THEN
            actions := actions || 'row level security already forced'::text;
        ELSE
            EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', qualname);
            actions := actions || 'forced row level security'::text;
        END IF;
    END IF;

    -- Policies.
    FOR i IN 1 .. pg_catalog.array_length(p_names, 1) LOOP
        cmd_char := CASE p_cmds[i] WHEN 'SELECT' THEN 'r' WHEN 'INSERT' THEN 'a'
                                   WHEN 'UPDATE' THEN 'w' WHEN 'DELETE' THEN 'd' ELSE '*' END;
        SELECT p.oid, p.polcmd, p.polpermissive INTO existing
          FROM pg_catalog.pg_policy p
         WHERE p.polrelid = tbl AND p.polname = p_names[i];

        IF FOUND AND (existing.polcmd <> cmd_char OR NOT existing.polpermissive) THEN
            -- ALTER POLICY cannot change the command or permissiveness.
            EXECUTE pg_catalog.format('DROP POLICY %I ON %s', p_names[i], qualname);
            ddl := pg_catalog.format('CREATE POLICY %I ON %s AS PERMISSIVE FOR %s TO %s%s%s',
                p_names[i], qualname, p_cmds[i], p_to[i],
                CASE WHEN p_using[i] IS NOT NULL THEN pg_catalog.format(' USING (%s)', p_using[i]) ELSE '' END,
                CASE WHEN p_check[i] IS NOT NULL THEN pg_catalog.format(' WITH CHECK (%s)', p_check[i]) ELSE '' END);
            EXECUTE ddl;
            actions := actions || pg_catalog.format('recreated policy %s (its command or permissiveness differed)', p_names[i]);
        ELSIF FOUND THEN
            -- Apply the definition, compare the catalog before and after, and
            -- roll the subtransaction back when nothing changed so that an
            -- identical rerun leaves the catalog (and its locks) untouched.
            BEGIN
                SELECT pg_catalog.jsonb_build_array(
                           (SELECT pg_catalog.array_agg(r ORDER BY r) FROM pg_catalog.unnest(p.polroles) AS r),
                           pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                           pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))
                  INTO state_before
                  FROM pg_catalog.pg_policy p WHERE p.oid = existing.oid;
                ddl := pg_catalog.format('ALTER POLICY %I ON %s TO %s%s%s',
                    p_names[i], qualname, p_to[i],
                    CASE WHEN p_using[i] IS NOT NULL THEN pg_catalog.format(' USING (%s)', p_using[i]) ELSE '' END,
                    CASE WHEN p_check[i] IS NOT NULL THEN pg_catalog.format(' WITH CHECK (%s)', p_check[i]) ELSE '' END);
                EXECUTE ddl;
                SELECT pg_catalog.jsonb_build_array(
                           (SELECT pg_catalog.array_agg(r ORDER BY r) FROM pg_catalog.unnest(p.polroles) AS r),
                           pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                           pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))
                  INTO state_after
                  FROM pg_catalog.pg_policy p WHERE p.oid = existing.oid;
                IF state_before IS NOT DISTINCT FROM state_after THEN
                    RAISE EXCEPTION 'unchanged' USING ERRCODE = 'SXU01';
                END IF;
                actions := actions || pg_catalog.format('altered policy %s', p_names[i]);
            EXCEPTION WHEN SQLSTATE 'SXU01' THEN
                actions := actions || pg_catalog.format('unchanged policy %s', p_names[i]);
            END;
        ELSE
            ddl := pg_catalog.format('CREATE POLICY %I ON %s AS PERMISSIVE FOR %s TO %s%s%s',
                p_names[i], qualname, p_cmds[i], p_to[i],
                CASE WHEN p_using[i] IS NOT NULL THEN pg_catalog.format(' USING (%s)', p_using[i]) ELSE '' END,
                CASE WHEN p_check[i] IS NOT NULL THEN pg_catalog.format(' WITH CHECK (%s)', p_check[i]) ELSE '' END);
            EXECUTE ddl;
            actions := actions || pg_catalog.format('created policy %s', p_names[i]);
        END IF;
    END LOOP;

    -- Only when it changes: an identical rerun leaves the catalog untouched.
    IF marker IS DISTINCT FROM old_marker OR NOT EXISTS (
           SELECT 1 FROM pg_catalog.pg_policy p
            WHERE p.polrelid = tbl AND p.polname = 'supabase_ext_tenant_select'
              AND pg_catalog.obj_description(p.oid, 'pg_policy') IS NOT DISTINCT FROM marker) THEN
        EXECUTE pg_catalog.format('COMMENT ON POLICY supabase_ext_tenant_select ON %s IS %L', qualname, marker);
    END IF;

    -- Every query filters on the tenant column: it should lead an index.
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                    WHERE x.indrelid = tbl AND x.indkey[0] = att.attnum) THEN
        RAISE WARNING 'enable_tenant_rls: no index on % has "%" as its first column', tbl, col
            USING HINT = pg_catalog.format('CREATE INDEX ON %s (%I);', qualname, col);
    END IF;
    IF rel.relkind = 'p' THEN
        RAISE NOTICE 'enable_tenant_rls: policies on partitioned table % do not apply to queries that name a partition directly', tbl
            USING HINT = 'Enable RLS on the partitions too, or do not grant access to them.';
    END IF;

    RETURN actions;
END $$;

COMMENT ON FUNCTION supabase_ext.enable_tenant_rls(regclass, name, jsonb) IS
'Enable RLS on a table and create (or update) the supabase_ext_tenant_{select,insert,update,delete} policies scoping rows to supabase_ext.tenant_id() (or tenant_ids() with {"multi": true}). Options: force, multi, roles, read_roles, write_roles, delete_roles. Idempotent; returns the actions taken.';

CREATE FUNCTION supabase_ext.disable_tenant_rls(tbl regclass) RETURNS text[]
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rel record;
    pol record;
    qualname text;
    remaining bigint;
    marker text;
    actions text[] := ARRAY[]::text[];
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'disable_tenant_rls: table must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT c.relname, c.relkind, c.relowner, c.relrowsecurity, c.relforcerowsecurity, n.nspname
      INTO rel
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = tbl;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'disable_tenant_rls: % is not a table', tbl
            USING ERRCODE = '42809', HINT = 'Pass the table given to enable_tenant_rls().';
    END IF;
    IF NOT pg_catalog.pg_has_role(current_user, rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'disable_tenant_rls: must be owner of table %', tbl
            USING ERRCODE = '42501', HINT = 'Run it as the table owner (for example in a migration).';
    END IF;
    qualname := pg_catalog.format('%I.%I', rel.nspname, rel.relname);
    SELECT pg_catalog.obj_description(p.oid, 'pg_policy') INTO marker
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid = tbl AND p.polname = 'supabase_ext_tenant_select';

    FOR pol IN
        SELECT p.polname FROM pg_catalog.pg_policy p
         WHERE p.polrelid = tbl AND p.polname LIKE 'supabase\_ext\_tenant\_%'
         ORDER BY p.polname
    LOOP
        EXECUTE pg_catalog.format('DROP POLICY %I ON %s', pol.polname, qualname);
        actions := actions || pg_catalog.format('dropped policy %s', pol.polname);
    END LOOP;

    SELECT pg_catalog.count(*) INTO remaining FROM pg_catalog.pg_policy p WHERE p.polrelid = tbl;
    IF remaining > 0 THEN
        -- Turning RLS (or FORCE) off would expose every row to the remaining
        -- policies' roles; leave that decision to a human.
        RAISE WARNING 'disable_tenant_rls: % still has % other polic%; row level security stays enabled',
                tbl, remaining, CASE WHEN remaining = 1 THEN 'y' ELSE 'ies' END
            USING HINT = pg_catalog.format('Drop the remaining policies first, or run ALTER TABLE %s DISABLE ROW LEVEL SECURITY; yourself.', qualname);
        actions := actions || pg_catalog.format('kept row level security enabled: %s other %s',
                                                remaining, CASE WHEN remaining = 1 THEN 'policy remains' ELSE 'policies remain' END);
        RETURN actions;
    END IF;

    -- Restore what enable_tenant_rls found, never less: without a marker
    -- (policies made by 0.1.0, or by hand) RLS stays on (fail closed).
    IF NOT rel.relrowsecurity AND NOT rel.relforcerowsecurity THEN
        actions := actions || 'row level security already disabled'::text;
        RETURN actions;
    END IF;
    IF marker IS NULL OR marker !~ '^supabase_ext: before enable_tenant_rls: rls=(on|off) force=(on|off)$' THEN
        RAISE WARNING 'disable_tenant_rls: no record of % before enable_tenant_rls; row level security stays as it is', tbl
            USING HINT = pg_catalog.format('With no policies left, RLS denies API roles everything; run ALTER TABLE %s DISABLE ROW LEVEL SECURITY; yourself if that is what you want.', qualname);
        actions := actions || 'kept row level security as it is: no record of the state before enable_tenant_rls'::text;
        RETURN actions;
    END IF;
    IF rel.relforcerowsecurity AND marker LIKE '%force=off' THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', qualname);
        actions := actions || 'stopped forcing row level security'::text;
    END IF;
    IF rel.relrowsecurity AND marker LIKE '%rls=off %' THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', qualname);
        actions := actions || 'disabled row level security'::text;
    ELSIF rel.relrowsecurity THEN
        actions := actions || 'kept row level security enabled: it was enabled before enable_tenant_rls'::text;
    ELSE
        actions := actions || 'row level security already disabled'::text;
    END IF;
    RETURN actions;
END $$;

COMMENT ON FUNCTION supabase_ext.disable_tenant_rls(regclass) IS
'Drop the supabase_ext_tenant_* policies from a table and restore row level security (and FORCE) to what they were before enable_tenant_rls; never disables what it did not enable, and keeps RLS on while other policies remain. Returns the actions taken.';

-- DDL helpers: table owners and superusers only.
REVOKE ALL ON FUNCTION
    supabase_ext.enable_tenant_rls(regclass, name, jsonb),
    supabase_ext.disable_tenant_rls(regclass)
FROM PUBLIC;
