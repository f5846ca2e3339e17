-- Sync cursors for incremental syncs (the seeds' odoo.sync_cursors), with
-- optimistic concurrency: a writer passes the cursor it read as `expected`,
-- and the write happens only if nobody moved it meanwhile.
CREATE TABLE supabase_ext.sync_cursors (
    source     text PRIMARY KEY CHECK (length(source) BETWEEN 1 AND 200),
    cursor     jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by name NOT NULL DEFAULT current_user
);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.sync_cursors', '');

CREATE FUNCTION supabase_ext.sync_cursor_get(source text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.cursor FROM supabase_ext.sync_cursors c WHERE c.source = $1
$$;

-- expected NULL: write unconditionally. expected 'null'::jsonb: create only
-- if the source has no cursor yet. Otherwise: write only if the stored
-- cursor equals expected. Returns whether it wrote; a mismatch is false,
-- not an error, so a sync loop can re-read and retry.
CREATE FUNCTION supabase_ext.sync_cursor_set(source text, cursor jsonb, expected jsonb DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n bigint;
BEGIN
    IF sync_cursor_set.source IS NULL OR sync_cursor_set.cursor IS NULL THEN
        RAISE EXCEPTION 'sync_cursor_set: source and cursor must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF expected IS NULL THEN
        INSERT INTO supabase_ext.sync_cursors AS c (source, cursor)
        VALUES (sync_cursor_set.source, sync_cursor_set.cursor)
        ON CONFLICT (source) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now(), updated_by = current_user;
        RETURN true;
    ELSIF expected = 'null'::jsonb THEN
        INSERT INTO supabase_ext.sync_cursors AS c (source, cursor)
        VALUES (sync_cursor_set.source, sync_cursor_set.cursor)
        ON CONFLICT (source) DO NOTHING;
    ELSE
        -- Under READ COMMITTED a concurrent writer's update is re-checked
        -- against expected after it commits, so two writers that read the
        -- same cursor can't both win.
        UPDATE supabase_ext.sync_cursors c
           SET cursor = sync_cursor_set.cursor, updated_at = now(), updated_by = current_user
         WHERE c.source = sync_cursor_set.source AND c.cursor = expected;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'sync_cursor_set: source must be 1 to 200 characters' USING ERRCODE = '22023';
END $$;
