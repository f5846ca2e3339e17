-- Adversarial tenancy: a user who is admin in tenant A and viewer in tenant
-- B (and not a member of C) attacks every generator option combination
-- through PostgREST's per-request protocol (SET LOCAL ROLE authenticated,
-- request.jwt.claims, method and path, then the statement). A violation is
-- any row of C read or written, any B row written through a write gate, read
-- through a read gate, or deleted through a delete gate. With 0.1.0's
-- has_role() gates this file shows 53 violations in the matrix and 17 in the
-- random run (checked by swapping them back in).
SET client_min_messages = warning;
CREATE SCHEMA adv;
CREATE TABLE adv.items (id int PRIMARY KEY, tenant_id uuid NOT NULL, val text);
CREATE INDEX ON adv.items (tenant_id);
GRANT USAGE ON SCHEMA adv TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON adv.items TO authenticated;
INSERT INTO adv.items VALUES
  (1, 'aaaaaaaa-0000-4000-8000-00000000000a', 'a1'), (2, 'aaaaaaaa-0000-4000-8000-00000000000a', 'a2'),
  (3, 'bbbbbbbb-0000-4000-8000-00000000000b', 'b1'), (4, 'bbbbbbbb-0000-4000-8000-00000000000b', 'b2'),
  (5, 'cccccccc-0000-4000-8000-00000000000c', 'c1');
CREATE TABLE adv.members (org_id uuid, user_id uuid, role text);
INSERT INTO adv.members VALUES
  ('aaaaaaaa-0000-4000-8000-00000000000a', '11111111-0000-4000-8000-000000000001', 'admin'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', '11111111-0000-4000-8000-000000000001', 'viewer');
GRANT SELECT ON adv.members TO authenticated;

-- One request, replayed as PostgREST runs it, always rolled back. Returns
-- the rows affected (or counted), -1 when RLS refused a write (42501).
CREATE FUNCTION pg_temp.request(claims jsonb, method text, stmt text, arg uuid) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
    BEGIN
        EXECUTE 'SET LOCAL ROLE authenticated';
        PERFORM set_config('request.jwt.claims', claims::text, true),
                set_config('request.method', method, true), set_config('request.path', '/items', true);
        IF method = 'GET' THEN
            EXECUTE stmt INTO n USING arg;
        ELSE
            EXECUTE stmt USING arg;
            GET DIAGNOSTICS n = ROW_COUNT;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'SXR01', MESSAGE = n::text;
    EXCEPTION
        WHEN SQLSTATE 'SXR01' THEN RETURN SQLERRM::int;
        WHEN insufficient_privilege THEN RETURN -1;
    END;
END $$;

-- The caller's claims, four ways.
CREATE TEMP TABLE shapes (shape text, claims jsonb, uses_table boolean);
INSERT INTO shapes VALUES
  ('per-tenant map', '{"sub": "11111111-0000-4000-8000-000000000001", "role": "authenticated",
     "tenant_id": "aaaaaaaa-0000-4000-8000-00000000000a",
     "tenant_ids": ["aaaaaaaa-0000-4000-8000-00000000000a", "bbbbbbbb-0000-4000-8000-00000000000b"],
     "app_metadata": {"tenant_roles": {"aaaaaaaa-0000-4000-8000-00000000000a": ["admin"],
                                       "bbbbbbbb-0000-4000-8000-00000000000b": ["viewer"]}}}', false),
  ('membership table', '{"sub": "11111111-0000-4000-8000-000000000001", "role": "authenticated",
     "tenant_id": "aaaaaaaa-0000-4000-8000-00000000000a"}', true),
  ('global admin, two tenants', '{"sub": "11111111-0000-4000-8000-000000000001", "role": "authenticated",
     "tenant_id": "aaaaaaaa-0000-4000-8000-00000000000a",
     "tenant_ids": ["aaaaaaaa-0000-4000-8000-00000000000a", "bbbbbbbb-0000-4000-8000-00000000000b"],
     "app_metadata": {"roles": ["admin"]}}', false),
  ('current tenant B, admin of A in map', '{"sub": "11111111-0000-4000-8000-000000000001", "role": "authenticated",
     "tenant_id": "bbbbbbbb-0000-4000-8000-00000000000b",
     "tenant_ids": ["aaaaaaaa-0000-4000-8000-00000000000a", "bbbbbbbb-0000-4000-8000-00000000000b"],
     "app_metadata": {"roles": ["admin"], "tenant_roles": {"aaaaaaaa-0000-4000-8000-00000000000a": ["admin"]}}}', false);

CREATE TEMP TABLE attacks (attack text, method text, stmt text, target text, kind text);
INSERT INTO attacks VALUES
  ('read',   'GET',    'SELECT count(*) FROM adv.items WHERE tenant_id = $1', 'x', 'read'),
  ('update', 'PATCH',  'UPDATE adv.items SET val = val || ''!'' WHERE tenant_id = $1', 'x', 'write'),
  ('delete', 'DELETE', 'DELETE FROM adv.items WHERE tenant_id = $1', 'x', 'delete'),
  ('insert', 'POST',   'INSERT INTO adv.items VALUES (100, $1, ''new'')', 'x', 'write'),
  ('move A row into x', 'PATCH', 'UPDATE adv.items SET tenant_id = $1 WHERE id = 1', 'x', 'write');

CREATE TEMP TABLE results (combo text, shape text, attack text, target char, affected int);
DO $$
DECLARE
    opts jsonb;
    s record;
    a record;
    t record;
    n int;
BEGIN
    FOR opts IN SELECT o FROM jsonb_array_elements('[
        {}, {"multi": true}, {"force": true}, {"multi": true, "force": true},
        {"read_roles": ["admin"]}, {"multi": true, "read_roles": ["admin"]},
        {"write_roles": ["admin"]}, {"multi": true, "write_roles": ["admin"]},
        {"write_roles": ["admin"], "force": true}, {"multi": true, "write_roles": ["admin"], "force": true},
        {"delete_roles": ["admin"]}, {"multi": true, "delete_roles": ["admin"]},
        {"write_roles": ["admin"], "delete_roles": ["admin"]},
        {"multi": true, "read_roles": ["admin", "viewer"], "write_roles": ["admin"], "delete_roles": ["admin"]}]') AS o
    LOOP
        PERFORM supabase_ext.enable_tenant_rls('adv.items', 'tenant_id', opts);
        FOR s IN SELECT * FROM shapes LOOP
            PERFORM set_config('supabase_ext.membership_table', CASE WHEN s.uses_table THEN 'adv.members' ELSE '' END, true);
            FOR a IN SELECT * FROM attacks LOOP
                FOR t IN SELECT * FROM (VALUES ('A', 'aaaaaaaa-0000-4000-8000-00000000000a'::uuid),
                                               ('B', 'bbbbbbbb-0000-4000-8000-00000000000b'::uuid),
                                               ('C', 'cccccccc-0000-4000-8000-00000000000c'::uuid)) AS v(name, id) LOOP
                    n := pg_temp.request(s.claims, a.method, a.stmt, t.id);
                    INSERT INTO results VALUES (opts::text, s.shape, a.attack, t.name, n);
                END LOOP;
            END LOOP;
        END LOOP;
        PERFORM supabase_ext.disable_tenant_rls('adv.items');
    END LOOP;
END $$;
RESET supabase_ext.membership_table;

-- Violations: must be none.
SELECT combo, shape, attack, target, affected FROM results
 WHERE affected > 0 AND (
       target = 'C'
    OR (target = 'B' AND attack IN ('update', 'insert', 'move A row into x') AND combo LIKE '%write_roles%')
    OR (target = 'B' AND attack = 'delete' AND (combo LIKE '%write_roles%' OR combo LIKE '%delete_roles%'))
    OR (target = 'B' AND attack = 'read' AND combo LIKE '%read_roles": ["admin"]%'))
 ORDER BY 1, 2, 3, 4;
-- And the test has teeth: what the admin of A may do in A happens.
SELECT shape, count(*) FILTER (WHERE affected > 0) AS allowed_in_a, count(*) AS tried_in_a
  FROM results WHERE target = 'A' AND shape <> 'global admin, two tenants' AND combo LIKE '%multi%'
 GROUP BY shape ORDER BY shape;
-- A global admin role with two tenants can't say where it holds: gated writes are refused everywhere.
SELECT count(*) FILTER (WHERE affected > 0) AS gated_writes_allowed
  FROM results WHERE shape = 'global admin, two tenants' AND combo LIKE '%write_roles%' AND attack <> 'read';

-- Randomized: 300 requests with random options, claims, attacks and targets
-- (fixed seed, so a failure replays), checked against a model of what the
-- generated policies must allow.
CREATE TEMP TABLE random_results (i int, combo jsonb, shape text, attack text, target char, affected int, allowed boolean);
SELECT setseed(0.4242);
DO $$
DECLARE
    combos jsonb := '[{"multi": true}, {"multi": true, "write_roles": ["admin"]}, {"multi": true, "read_roles": ["admin"]},
                      {"multi": true, "delete_roles": ["admin"]}, {"write_roles": ["admin"]}, {}]';
    combo jsonb;
    s record;
    a record;
    tname char;
    tid uuid;
    n int;
    member boolean;
    admin boolean;
    ok boolean;
BEGIN
    FOR i IN 1 .. 300 LOOP
        combo := combos -> floor(random() * jsonb_array_length(combos))::int;
        SELECT * INTO s FROM shapes WHERE shape <> 'global admin, two tenants' ORDER BY shape OFFSET floor(random() * 3) LIMIT 1;
        SELECT * INTO a FROM attacks ORDER BY attack OFFSET floor(random() * 5) LIMIT 1;
        tname := substr('ABC', 1 + floor(random() * 3)::int, 1);
        tid := CASE tname WHEN 'A' THEN 'aaaaaaaa-0000-4000-8000-00000000000a'::uuid
                          WHEN 'B' THEN 'bbbbbbbb-0000-4000-8000-00000000000b'::uuid
                          ELSE 'cccccccc-0000-4000-8000-00000000000c'::uuid END;
        PERFORM supabase_ext.enable_tenant_rls('adv.items', 'tenant_id', combo);
        PERFORM set_config('supabase_ext.membership_table', CASE WHEN s.uses_table THEN 'adv.members' ELSE '' END, true);
        n := pg_temp.request(s.claims, a.method, a.stmt, tid);
        -- The model: members of the target (single mode: the current tenant only),
        -- and the admin role where a gate asks for it.
        member := CASE WHEN combo ? 'multi' THEN tname IN ('A', 'B')
                       ELSE tid = (s.claims ->> 'tenant_id')::uuid END;
        admin := tname = 'A';
        ok := member AND CASE a.kind
            WHEN 'read' THEN NOT combo ? 'read_roles' OR admin
            WHEN 'delete' THEN NOT (combo ? 'delete_roles' OR combo ? 'write_roles') OR admin
            ELSE NOT combo ? 'write_roles' OR admin END;
        -- Moving row 1 (tenant A) needs rights in A as well.
        IF a.attack = 'move A row into x' THEN
            ok := ok AND CASE WHEN combo ? 'multi' THEN true ELSE (s.claims ->> 'tenant_id')::uuid = 'aaaaaaaa-0000-4000-8000-00000000000a' END;
        END IF;
        INSERT INTO random_results VALUES (i, combo, s.shape, a.attack, tname, n, ok);
    END LOOP;
    PERFORM supabase_ext.disable_tenant_rls('adv.items');
END $$;
RESET supabase_ext.membership_table;
SELECT count(*) AS requests,
       count(*) FILTER (WHERE affected > 0 AND NOT allowed) AS violations,
       count(*) FILTER (WHERE affected > 0 AND allowed) AS allowed_and_done,
       count(*) FILTER (WHERE affected <= 0 AND NOT allowed) AS refused
  FROM random_results;
SELECT i, combo, shape, attack, target, affected FROM random_results WHERE affected > 0 AND NOT allowed ORDER BY i;
DROP SCHEMA adv CASCADE;
RESET client_min_messages;
