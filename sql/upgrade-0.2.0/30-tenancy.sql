-- supabase_ext 0.1.0 -> 0.2.0: tenancy. Row-aware role gates, the
-- disable_tenant_rls marker, new rls_audit lints.
-- src/tenancy/mod.rs:372
-- supabase_ext::tenancy::has_role
CREATE  FUNCTION "has_role"(
	"role" TEXT, /* & str */
	"tenant" uuid /* Uuid */
) RETURNS bool /* bool */
STRICT STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'has_role_in_wrapper';
-- src/tenancy/mod.rs:318
-- supabase_ext::tenancy::tenant_ids_with_role
CREATE  FUNCTION "tenant_ids_with_role"(
	"roles" TEXT[] /* Vec < Option < String > > */
) RETURNS uuid[] /* Vec < Uuid > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'tenant_ids_with_role_wrapper';

-- src/tenancy/mod.rs:377
-- requires:
--   bootstrap
--   tenant_id
--   tenant_ids
--   has_role
--   tenant_ids_with_role
--   has_role_in
--   setting

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

CREATE OR REPLACE FUNCTION supabase_ext.enable_tenant_rls(
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

CREATE OR REPLACE FUNCTION supabase_ext.disable_tenant_rls(tbl regclass) RETURNS text[]
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

-- src/tenancy/mod.rs:382
-- requires:
--   tenancy_policies

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
CREATE OR REPLACE FUNCTION supabase_ext.rls_strip_subselects(expr text) RETURNS text
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
CREATE OR REPLACE FUNCTION supabase_ext.rls_expr_always_true(expr text, has_column_refs boolean) RETURNS boolean
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

CREATE OR REPLACE FUNCTION supabase_ext.rls_audit(
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
