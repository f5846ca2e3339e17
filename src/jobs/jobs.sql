-- Job administration. SECURITY DEFINER so a role can manage its jobs without
-- privileges on the tables (which hold signing secrets); authorization is
-- explicit: the caller (job_invoker(), the role the session acts as) may
-- touch only jobs whose run_as it is a member of, and only a superuser may
-- schedule for another role.

CREATE FUNCTION supabase_ext.job_schedule(name text, schedule text, command text, options jsonb DEFAULT '{}')
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    known constant text[] := ARRAY['timezone', 'kind', 'run_as', 'method', 'headers', 'body', 'timeout',
                                   'max_attempts', 'signing_secret', 'endpoint', 'batch'];
    opts jsonb := coalesce(job_schedule.options, '{}'::jsonb);
    caller name := supabase_ext.job_invoker();
    caller_super boolean;
    tz text;
    job_kind text;
    who name;
    who_super boolean;
    bad text[];
    existing record;
    fn regprocedure;
    nxt timestamptz;
    jid bigint;
BEGIN
    IF job_schedule.name IS NULL OR job_schedule.schedule IS NULL OR job_schedule.command IS NULL THEN
        RAISE EXCEPTION 'job_schedule: name, schedule and command must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF jsonb_typeof(opts) <> 'object' THEN
        RAISE EXCEPTION 'job_schedule: options must be a JSON object' USING ERRCODE = '22023';
    END IF;
    SELECT array_agg(k ORDER BY k) INTO bad FROM jsonb_object_keys(opts) AS k WHERE k <> ALL (known);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'job_schedule: unknown option(s): %', array_to_string(bad, ', ') USING ERRCODE = '22023',
            HINT = 'known options: ' || array_to_string(known, ', ');
    END IF;
    SELECT r.rolsuper INTO caller_super FROM pg_roles r WHERE r.rolname = caller;
    who := coalesce(opts->>'run_as', caller);
    IF who <> caller AND NOT coalesce(caller_super, false) THEN
        RAISE EXCEPTION 'job_schedule: only a superuser may schedule a job to run as another role' USING ERRCODE = '42501',
            HINT = 'omit run_as: the job runs as the role that schedules it';
    END IF;
    SELECT r.rolsuper INTO who_super FROM pg_roles r WHERE r.rolname = who;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job_schedule: role "%" does not exist', who USING ERRCODE = '42704';
    END IF;
    tz := coalesce(opts->>'timezone', 'UTC');
    nxt := supabase_ext.job_next_run(job_schedule.schedule, tz);   -- 22023 on a bad schedule or zone
    job_kind := coalesce(opts->>'kind', 'sql');
    CASE job_kind
    WHEN 'sql' THEN
        PERFORM supabase_ext.job_check_sql(job_schedule.command);
    WHEN 'http' THEN
        PERFORM supabase_ext.job_check_url(job_schedule.command, who_super);
        PERFORM supabase_ext.http_options_check(opts - ARRAY['timezone', 'kind', 'run_as']);
    WHEN 'handler' THEN
        fn := to_regprocedure(job_schedule.command || '(supabase_ext.webhook_events)');
        IF fn IS NULL THEN
            RAISE EXCEPTION 'job_schedule: no function %(supabase_ext.webhook_events)', job_schedule.command
                USING ERRCODE = '42883', HINT = 'a handler is a function taking one supabase_ext.webhook_events row';
        END IF;
        IF NOT has_function_privilege(who, fn, 'EXECUTE') THEN
            RAISE EXCEPTION 'job_schedule: role "%" may not execute %', who, fn USING ERRCODE = '42501';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM supabase_ext.webhook_endpoints e WHERE e.name = opts->>'endpoint') THEN
            RAISE EXCEPTION 'job_schedule: handler jobs need options.endpoint naming an existing webhook endpoint'
                USING ERRCODE = '22023';
        END IF;
    ELSE
        RAISE EXCEPTION 'job_schedule: kind must be sql, http or handler, not "%"', job_kind USING ERRCODE = '22023';
    END CASE;

    SELECT d.id, d.run_as INTO existing FROM supabase_ext.job_definitions d WHERE d.name = job_schedule.name FOR UPDATE;
    IF FOUND AND NOT coalesce(caller_super, false)
       AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = existing.run_as
                          AND pg_has_role(caller, r.oid, 'MEMBER')) THEN
        RAISE EXCEPTION 'job_schedule: job "%" belongs to another role', job_schedule.name USING ERRCODE = '42501';
    END IF;
    INSERT INTO supabase_ext.job_definitions AS d (name, schedule, timezone, kind, command, options, run_as, next_run_at)
    VALUES (job_schedule.name, job_schedule.schedule, tz, job_kind, job_schedule.command,
            opts - ARRAY['timezone', 'kind', 'run_as'], who, nxt)
    ON CONFLICT (name) DO UPDATE
       SET schedule = EXCLUDED.schedule, timezone = EXCLUDED.timezone, kind = EXCLUDED.kind,
           command = EXCLUDED.command, options = EXCLUDED.options, run_as = EXCLUDED.run_as,
           next_run_at = CASE WHEN d.paused THEN NULL ELSE EXCLUDED.next_run_at END, updated_at = now()
    RETURNING d.id INTO jid;
    PERFORM supabase_ext.jobs_wake();
    RETURN jid;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'job_schedule: invalid job name' USING ERRCODE = '22023', HINT = 'names are 1 to 200 characters';
END $$;

-- The job row the caller may manage, locked; raises 42704 / 42501 otherwise.
CREATE FUNCTION supabase_ext.job_lookup(job_name text) RETURNS supabase_ext.job_definitions
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions;
    caller name := supabase_ext.job_invoker();
BEGIN
    SELECT * INTO d FROM supabase_ext.job_definitions x WHERE x.name = job_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job "%" does not exist', job_name USING ERRCODE = '42704';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname IN (d.run_as, 'service_role')
                      AND pg_has_role(caller, r.oid, 'MEMBER')) THEN
        RAISE EXCEPTION 'job "%" belongs to another role', job_name USING ERRCODE = '42501';
    END IF;
    RETURN d;
END $$;

CREATE FUNCTION supabase_ext.job_unschedule(name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions := supabase_ext.job_lookup(name);
BEGIN
    DELETE FROM supabase_ext.job_definitions x WHERE x.id = d.id;
    RETURN true;
END $$;

-- Fires the job now, outside its schedule (the schedule is unchanged).
-- Returns the run id; the run executes at the next worker tick or run_pending().
CREATE FUNCTION supabase_ext.job_run_now(name text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions := supabase_ext.job_lookup(name);
    rid bigint;
BEGIN
    INSERT INTO supabase_ext.job_runs (job_id, job_name, scheduled_for) VALUES (d.id, d.name, now())
    RETURNING id INTO rid;
    PERFORM supabase_ext.jobs_wake();
    RETURN rid;
END $$;

CREATE FUNCTION supabase_ext.job_pause(name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions := supabase_ext.job_lookup(name);
BEGIN
    UPDATE supabase_ext.job_definitions x SET paused = true, paused_reason = 'paused by ' || supabase_ext.job_invoker(),
           next_run_at = NULL, updated_at = now()
     WHERE x.id = d.id;
    RETURN NOT d.paused;
END $$;

CREATE FUNCTION supabase_ext.job_resume(name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d supabase_ext.job_definitions := supabase_ext.job_lookup(name);
BEGIN
    UPDATE supabase_ext.job_definitions x SET paused = false, paused_reason = NULL,
           next_run_at = supabase_ext.job_next_run(x.schedule, x.timezone), updated_at = now()
     WHERE x.id = d.id;
    PERFORM supabase_ext.jobs_wake();
    RETURN d.paused;
END $$;

-- The pg_cron path: does in the calling session what the background worker
-- does, for installs without preload.
--   SELECT cron.schedule('supabase_ext jobs', '* * * * *', 'CALL supabase_ext.run_pending()');
-- A procedure, so it can COMMIT between steps: schedules fire and runs
-- execute in their own transactions, deliveries are claimed (leased) and
-- committed before any network I/O, and recorded afterwards. Stops when
-- nothing is left, after max_jobs runs and deliveries, or after max_seconds
-- (keep it under the pg_cron interval). No SET clause (a procedure with one
-- cannot COMMIT): every name below is schema-qualified.
CREATE PROCEDURE supabase_ext.run_pending(max_jobs integer DEFAULT 100, max_seconds integer DEFAULT 50)
LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := pg_catalog.clock_timestamp()
                            + pg_catalog.make_interval(secs => GREATEST(coalesce(max_seconds, 50), 0));
    budget integer := GREATEST(coalesce(max_jobs, 100), 0);
    done integer := 0;
    n integer;
    batch jsonb;
    outcomes jsonb;
    progressed boolean;
BEGIN
    LOOP
        progressed := false;
        PERFORM supabase_ext.jobs_fire_due(budget - done);
        COMMIT;
        n := supabase_ext.jobs_run_queued(LEAST(budget - done, 10));
        done := done + n;
        progressed := n > 0;
        COMMIT;
        batch := supabase_ext.jobs_claim_http(LEAST(budget - done, 100));
        COMMIT;
        IF pg_catalog.jsonb_array_length(batch) > 0 THEN
            outcomes := supabase_ext.jobs_send_http(batch);
            n := supabase_ext.jobs_record_http(outcomes);
            done := done + n;
            progressed := true;
            COMMIT;
        END IF;
        PERFORM supabase_ext.jobs_settle_runs();
        COMMIT;
        EXIT WHEN NOT progressed OR done >= budget OR pg_catalog.clock_timestamp() >= deadline;
    END LOOP;
END $$;
