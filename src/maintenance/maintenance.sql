-- One entry point for periodic work, called by the maintenance worker or by
-- pg_cron where workers are off:
--   SELECT cron.schedule('supabase_ext', '* * * * *', 'SELECT supabase_ext.run_maintenance()');
-- Each task traps its own error, so one failing task cannot block the others
-- or crash-loop the worker. Every run is recorded per task in
-- maintenance_tasks, which status() shows: a failing task is visible there,
-- not only as a WARNING in the server log. Returns the number of rows removed.

-- Operational state only (recreated by running maintenance), so it is not
-- registered with pg_extension_config_dump.
CREATE TABLE supabase_ext.maintenance_tasks (
    task          text PRIMARY KEY,
    runs          bigint NOT NULL DEFAULT 0,
    failures      bigint NOT NULL DEFAULT 0,
    last_run_at   timestamptz,
    last_ok_at    timestamptz,
    last_result   bigint,
    last_error    text,
    last_error_at timestamptz
);
COMMENT ON TABLE supabase_ext.maintenance_tasks IS
  'Outcome of each periodic maintenance task, shown by supabase_ext.status().';
REVOKE ALL ON supabase_ext.maintenance_tasks FROM PUBLIC;

-- SECURITY DEFINER: service_role (granted EXECUTE) and pg_cron jobs of
-- non-owner roles record outcomes in a table only the owner writes.
CREATE FUNCTION supabase_ext.run_maintenance() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- Each task reads its settings through the library (a fresh pg_cron
    -- connection has not loaded it, and current_setting() would fail).
    tasks constant text[][] := ARRAY[
        ARRAY['webhook_retention', 'SELECT supabase_ext.webhook_purge()'],
        ARRAY['job_runs_retention', 'SELECT supabase_ext.jobs_purge()']];
    i integer;
    n bigint := 0;
    done bigint;
    err text;
BEGIN
    FOR i IN 1 .. array_length(tasks, 1) LOOP
        BEGIN
            EXECUTE tasks[i][2] INTO done;
            n := n + coalesce(done, 0);
            INSERT INTO supabase_ext.maintenance_tasks AS t (task, runs, last_run_at, last_ok_at, last_result)
            VALUES (tasks[i][1], 1, now(), now(), done)
            ON CONFLICT (task) DO UPDATE
               SET runs = t.runs + 1, last_run_at = now(), last_ok_at = now(), last_result = done;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
            RAISE WARNING 'supabase_ext maintenance: % failed: %', tasks[i][1], err;
            INSERT INTO supabase_ext.maintenance_tasks AS t
                   (task, runs, failures, last_run_at, last_error, last_error_at)
            VALUES (tasks[i][1], 1, 1, now(), left(err, 1000), now())
            ON CONFLICT (task) DO UPDATE
               SET runs = t.runs + 1, failures = t.failures + 1, last_run_at = now(),
                   last_error = left(err, 1000), last_error_at = now();
        END;
    END LOOP;
    RETURN n;
END $$;

REVOKE ALL ON FUNCTION supabase_ext.run_maintenance() FROM PUBLIC;
INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('maintenance', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.run_maintenance()');
