-- Scheduled jobs and their run history.
--
-- A job is a schedule (cron with an IANA time zone, @every, aliases) and a
-- command of one of three kinds:
--   sql      the command is SQL, run as the role that scheduled it (run_as)
--   http     the command is a URL; each firing enqueues one signed delivery
--   handler  the command names a function f(supabase_ext.webhook_events),
--            called for each pending event of options->>'endpoint'
-- Firing, executing and delivering happen in supabase_ext.run_pending()
-- (pg_cron path) or the background worker; both run the same steps.

CREATE TABLE supabase_ext.job_definitions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    schedule    text NOT NULL,
    timezone    text NOT NULL DEFAULT 'UTC',
    kind        text NOT NULL CHECK (kind IN ('sql', 'http', 'handler')),
    command     text NOT NULL,
    options     jsonb NOT NULL DEFAULT '{}',
    run_as      name NOT NULL,
    paused      boolean NOT NULL DEFAULT false,
    paused_reason text,
    next_run_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE supabase_ext.job_definitions IS
  'Scheduled jobs (job_schedule()). Commands run as run_as, never with more rights.';
CREATE INDEX job_definitions_due ON supabase_ext.job_definitions (next_run_at) WHERE NOT paused;
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_definitions', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_definitions_id_seq', '');

-- One row per firing (and per manual run). status:
--   queued     fired, not executed yet
--   running    executing (a crash rolls it back to queued: at-least-once)
--   waiting    executed; HTTP deliveries it enqueued are still in flight
--   succeeded  done, and every delivery it enqueued succeeded
--   failed     the command failed, or a delivery it enqueued failed for good
CREATE TABLE supabase_ext.job_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id        bigint REFERENCES supabase_ext.job_definitions (id) ON DELETE SET NULL,
    job_name      text NOT NULL,
    attempt       integer NOT NULL DEFAULT 1,
    scheduled_for timestamptz NOT NULL,
    started_at    timestamptz,
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed')),
    message       text,
    http_status   integer
);
COMMENT ON TABLE supabase_ext.job_runs IS
  'Job run history, pruned after supabase_ext.job_runs_retention_days.';
CREATE INDEX job_runs_queued ON supabase_ext.job_runs (id) WHERE status = 'queued';
CREATE INDEX job_runs_waiting ON supabase_ext.job_runs (id) WHERE status = 'waiting';
CREATE INDEX job_runs_job ON supabase_ext.job_runs (job_id, id);
CREATE INDEX job_runs_finished ON supabase_ext.job_runs (finished_at);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_runs', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_runs_id_seq', '');

-- Jobs with their next fire time, each role seeing the jobs it may run
-- (service_role and superusers: all). Commands are shown to those roles only.
CREATE VIEW supabase_ext.jobs WITH (security_barrier) AS
    SELECT d.id, d.name, d.schedule, d.timezone, d.kind, d.command, d.options - 'signing_secret' AS options,
           d.run_as, d.paused, d.paused_reason, d.next_run_at,
           r.status AS last_status, r.started_at AS last_started_at, r.finished_at AS last_finished_at,
           r.message AS last_message
      FROM supabase_ext.job_definitions d
      LEFT JOIN LATERAL (SELECT * FROM supabase_ext.job_runs x WHERE x.job_id = d.id ORDER BY x.id DESC LIMIT 1) r ON true
     WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles o
                    WHERE o.rolname IN (d.run_as, 'service_role')
                      AND pg_catalog.pg_has_role(current_user, o.oid, 'MEMBER'));
