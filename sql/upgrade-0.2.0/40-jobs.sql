-- supabase_ext 0.1.0 -> 0.2.0: the jobs domain, new in 0.2.0.

-- src/jobs/mod.rs:53
-- requires:
--   bootstrap

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

-- src/jobs/mod.rs:54
-- requires:
--   bootstrap

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

-- src/jobs/mod.rs:55
-- requires:
--   jobs_schedules

-- Outbound HTTP deliveries: an outbox. http_request() only inserts a row, so
-- a delivery enqueued in a transaction that rolls back is never sent, and one
-- that commits is sent even across a crash (the table is logged, unlike
-- pg_net's). Sending happens later, outside any transaction holding locks.
CREATE TABLE supabase_ext.http_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_run_id      bigint REFERENCES supabase_ext.job_runs (id) ON DELETE SET NULL,
    method          text NOT NULL CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD')),
    url             text NOT NULL,
    headers         jsonb NOT NULL DEFAULT '{}',
    body            jsonb,
    timeout_ms      integer NOT NULL CHECK (timeout_ms BETWEEN 1 AND 300000),
    max_attempts    integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
    -- Standard Webhooks message id: the same on every retry, so receivers deduplicate.
    webhook_id      text,
    -- A whsec_ secret or vault:<name>. No role but the table owner can read
    -- this column (see the grants); readers see has_signing_secret.
    signing_secret  text,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    response_status integer,
    response_headers jsonb,
    response_body   text,
    last_error      text,
    owner           name NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
COMMENT ON TABLE supabase_ext.http_requests IS
  'Outbound HTTP deliveries (http_request()). Each role reads only its own; service_role reads all.';
CREATE INDEX http_requests_due ON supabase_ext.http_requests (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX http_requests_run ON supabase_ext.http_requests (job_run_id) WHERE job_run_id IS NOT NULL;
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.http_requests', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.http_requests_id_seq', '');
-- Requests, their headers and responses are their owner's: pg_net shows
-- every role every request, signature headers included.
ALTER TABLE supabase_ext.http_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY http_requests_owner ON supabase_ext.http_requests FOR SELECT
    USING (EXISTS (SELECT 1 FROM pg_catalog.pg_roles o
                    WHERE o.rolname IN (owner, 'service_role')
                      AND pg_catalog.pg_has_role(current_user, o.oid, 'MEMBER')));

-- src/jobs/http.rs:105
-- supabase_ext::jobs::http::http_options_check
CREATE  FUNCTION "http_options_check"(
	"options" jsonb /* JsonB */
) RETURNS bool /* bool */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'http_options_check_wrapper';

-- src/jobs/http.rs:132
-- supabase_ext::jobs::http::http_request
CREATE  FUNCTION "http_request"(
	"url" TEXT, /* & str */
	"method" TEXT DEFAULT 'POST', /* & str */
	"body" jsonb DEFAULT NULL, /* Option < JsonB > */
	"headers" jsonb DEFAULT '{}', /* JsonB */
	"options" jsonb DEFAULT '{}' /* JsonB */
) RETURNS bigint /* i64 */
VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'http_request_wrapper';

-- src/jobs/mod.rs:40
-- supabase_ext::jobs::job_backoff
CREATE  FUNCTION "job_backoff"(
	"attempt" INT /* i32 */
) RETURNS interval /* Interval */
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_backoff_wrapper';

-- src/jobs/schedules.rs:73
-- supabase_ext::jobs::schedules::job_check_sql
CREATE  FUNCTION "job_check_sql"(
	"command" TEXT /* & str */
) RETURNS bool /* bool */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_check_sql_wrapper';

-- src/jobs/schedules.rs:102
-- supabase_ext::jobs::schedules::job_check_url
CREATE  FUNCTION "job_check_url"(
	"url" TEXT, /* & str */
	"superuser" bool /* bool */
) RETURNS bool /* bool */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_check_url_wrapper';

-- src/jobs/executor.rs:47
-- supabase_ext::jobs::executor::job_invoker
CREATE  FUNCTION "job_invoker"() RETURNS TEXT /* String */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_invoker_wrapper';

-- src/jobs/schedules.rs:46
-- supabase_ext::jobs::schedules::job_next_run
CREATE  FUNCTION "job_next_run"(
	"schedule" TEXT, /* & str */
	"timezone" TEXT DEFAULT 'UTC', /* & str */
	"after" timestamp with time zone DEFAULT now() /* TimestampWithTimeZone */
) RETURNS timestamp with time zone /* Option < TimestampWithTimeZone > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_next_run_wrapper';

-- src/jobs/schedules.rs:57
-- supabase_ext::jobs::schedules::job_next_runs
CREATE  FUNCTION "job_next_runs"(
	"schedule" TEXT, /* & str */
	"timezone" TEXT DEFAULT 'UTC', /* & str */
	"n" INT DEFAULT 5, /* i32 */
	"after" timestamp with time zone DEFAULT now() /* TimestampWithTimeZone */
) RETURNS SETOF timestamp with time zone /* TimestampWithTimeZone */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_next_runs_wrapper';

-- src/jobs/realtime.rs:13
-- supabase_ext::jobs::realtime::jobs_broadcast
CREATE  FUNCTION "jobs_broadcast"(
	"event" TEXT, /* & str */
	"payload" jsonb /* JsonB */
) RETURNS bool /* bool */
STRICT VOLATILE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_broadcast_wrapper';

-- src/jobs/http.rs:201
-- supabase_ext::jobs::http::jobs_claim_http
CREATE  FUNCTION "jobs_claim_http"(
	"n" INT /* i32 */
) RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_claim_http_wrapper';

-- src/jobs/executor.rs:59
-- supabase_ext::jobs::executor::jobs_fire_due
CREATE  FUNCTION "jobs_fire_due"(
	"max" INT /* i32 */
) RETURNS INT /* i32 */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_fire_due_wrapper';

-- src/jobs/mod.rs:241
-- supabase_ext::jobs::jobs_purge
CREATE  FUNCTION "jobs_purge"(
	"batch" INT DEFAULT 10000, /* i32 */
	"max_batches" INT DEFAULT 10 /* i32 */
) RETURNS bigint /* i64 */
STRICT VOLATILE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_purge_wrapper';

-- src/jobs/http.rs:462
-- supabase_ext::jobs::http::jobs_record_http
CREATE  FUNCTION "jobs_record_http"(
	"outcomes" jsonb /* JsonB */
) RETURNS INT /* i32 */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_record_http_wrapper';

-- src/jobs/executor.rs:123
-- supabase_ext::jobs::executor::jobs_run_queued
CREATE  FUNCTION "jobs_run_queued"(
	"max" INT /* i32 */
) RETURNS INT /* i32 */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_run_queued_wrapper';

-- src/jobs/http.rs:369
-- supabase_ext::jobs::http::jobs_send_http
CREATE  FUNCTION "jobs_send_http"(
	"batch" jsonb /* JsonB */
) RETURNS jsonb /* JsonB */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_send_http_wrapper';

-- src/jobs/executor.rs:244
-- supabase_ext::jobs::executor::jobs_settle_runs
CREATE  FUNCTION "jobs_settle_runs"() RETURNS INT /* i32 */
STRICT VOLATILE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_settle_runs_wrapper';

-- src/jobs/wake.rs:48
-- supabase_ext::jobs::wake::jobs_wake
CREATE  FUNCTION "jobs_wake"() RETURNS bool /* bool */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_wake_wrapper';

-- src/jobs/mod.rs:48
-- requires:
--   bootstrap
--   job_backoff
--   wake::jobs_wake
--   jobs_http

-- The durable queue: enqueue, dequeue with a lease, ack, nack with backoff,
-- dead letters and redrive. Logged tables (a crash loses nothing committed),
-- outbox semantics for free: a message enqueued inside a transaction becomes
-- visible to consumers only when that transaction commits, and never if it
-- rolls back.
--
-- A message is ready when run_at <= now(). Dequeuing leases it by moving
-- run_at to now() + lease (a visibility timeout, as in pgmq and SQS) and
-- counting the attempt; a consumer that dies simply lets the lease expire
-- and the message is dequeued again. ack() deletes it; nack() schedules a
-- retry with full-jitter backoff or, out of attempts, dead-letters it.

CREATE TABLE supabase_ext.job_queue (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue        text NOT NULL CHECK (queue ~ '^[a-z0-9_][a-z0-9_.:-]{0,62}$'),
    payload      jsonb NOT NULL,
    priority     integer NOT NULL DEFAULT 0,
    run_at       timestamptz NOT NULL DEFAULT now(),
    dedupe_key   text CHECK (length(dedupe_key) BETWEEN 1 AND 256),
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 1000),
    last_error   text,
    enqueued_at  timestamptz NOT NULL DEFAULT now(),
    enqueued_by  name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE supabase_ext.job_queue IS
  'Queued jobs. Ready when run_at <= now(); a dequeued message is leased until run_at.';
-- Unique while pending: ack() deletes, so a finished job frees its key.
CREATE UNIQUE INDEX job_queue_dedupe ON supabase_ext.job_queue (queue, dedupe_key)
    WHERE dedupe_key IS NOT NULL;
CREATE INDEX job_queue_ready ON supabase_ext.job_queue (queue, priority DESC, run_at, id);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_queue', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_queue_id_seq', '');

CREATE TABLE supabase_ext.job_dead_letters (
    id            bigint PRIMARY KEY,
    queue         text NOT NULL,
    payload       jsonb NOT NULL,
    priority      integer NOT NULL,
    dedupe_key    text,
    attempts      integer NOT NULL,
    max_attempts  integer NOT NULL,
    last_error    text,
    enqueued_at   timestamptz NOT NULL,
    enqueued_by   name NOT NULL,
    dead_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE supabase_ext.job_dead_letters IS
  'Jobs that used all their attempts; dead_letter_redrive() puts them back.';
CREATE INDEX job_dead_letters_queue ON supabase_ext.job_dead_letters (queue, dead_at);
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.job_dead_letters', '');

CREATE FUNCTION supabase_ext.enqueue(
    queue text, payload jsonb, run_at timestamptz DEFAULT now(), priority integer DEFAULT 0,
    dedupe_key text DEFAULT NULL, max_attempts integer DEFAULT 5)
RETURNS bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    new_id bigint;
BEGIN
    IF enqueue.queue IS NULL OR enqueue.payload IS NULL THEN
        RAISE EXCEPTION 'enqueue: queue and payload must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF enqueue.queue = 'http' THEN
        RAISE EXCEPTION 'enqueue: queue "http" is reserved for HTTP deliveries' USING ERRCODE = '22023',
            HINT = 'use supabase_ext.http_request()';
    END IF;
    INSERT INTO supabase_ext.job_queue AS q (queue, payload, run_at, priority, dedupe_key, max_attempts)
    VALUES (enqueue.queue, enqueue.payload, coalesce(enqueue.run_at, now()), coalesce(enqueue.priority, 0),
            enqueue.dedupe_key, coalesce(enqueue.max_attempts, 5))
    ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING q.id INTO new_id;
    IF new_id IS NULL THEN
        -- A pending job with this key exists: enqueue is idempotent and
        -- returns it. ON CONFLICT waited for a concurrent inserter to commit,
        -- so this statement's snapshot sees the winner.
        SELECT q.id INTO new_id FROM supabase_ext.job_queue q
         WHERE q.queue = enqueue.queue AND q.dedupe_key = enqueue.dedupe_key;
    END IF;
    RETURN new_id;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'enqueue: invalid job for queue "%"', queue USING ERRCODE = '22023',
        HINT = 'queue names are 1-63 characters of a-z, 0-9, _ . : -; dedupe keys 1-256 characters; max_attempts 1-1000';
END $$;

-- The batch form: one statement, one id per payload, in order.
CREATE FUNCTION supabase_ext.enqueue_batch(
    queue text, payloads jsonb[], run_at timestamptz DEFAULT now(), priority integer DEFAULT 0,
    max_attempts integer DEFAULT 5)
RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(payloads) p WHERE p IS NULL) THEN
        RAISE EXCEPTION 'enqueue_batch: payloads must not contain NULL' USING ERRCODE = '22004';
    END IF;
    IF queue = 'http' THEN
        RAISE EXCEPTION 'enqueue_batch: queue "http" is reserved for HTTP deliveries' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    INSERT INTO supabase_ext.job_queue AS q (queue, payload, run_at, priority, max_attempts)
    SELECT enqueue_batch.queue, p, coalesce(enqueue_batch.run_at, now()), coalesce(enqueue_batch.priority, 0),
           coalesce(enqueue_batch.max_attempts, 5)
      FROM unnest(payloads) WITH ORDINALITY AS u(p, o) ORDER BY o
    RETURNING q.id;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'enqueue_batch: invalid jobs for queue "%"', queue USING ERRCODE = '22023';
END $$;

-- Leases up to n ready messages for `lease`. A picked message whose last
-- lease expired with no attempts left is dead-lettered instead of returned.
-- The MATERIALIZED CTE with LIMIT and SKIP LOCKED makes concurrent consumers
-- get disjoint batches that never exceed n, with one index scan.
CREATE FUNCTION supabase_ext.dequeue(queue text, n integer DEFAULT 1, lease interval DEFAULT '30 seconds')
RETURNS SETOF supabase_ext.job_queue LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'dequeue: lease must be positive' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    WITH picked AS MATERIALIZED (
        SELECT q.id, q.attempts >= q.max_attempts AS exhausted
          FROM supabase_ext.job_queue q
         WHERE q.queue = dequeue.queue AND q.run_at <= now()
         ORDER BY q.priority DESC, q.run_at, q.id
         LIMIT greatest(coalesce(n, 1), 0)
         FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM supabase_ext.job_queue q USING picked p
         WHERE q.id = p.id AND p.exhausted
        RETURNING q.*
    ), dead AS (
        INSERT INTO supabase_ext.job_dead_letters AS d
               (id, queue, payload, priority, dedupe_key, attempts, max_attempts, last_error, enqueued_at, enqueued_by)
        SELECT g.id, g.queue, g.payload, g.priority, g.dedupe_key, g.attempts, g.max_attempts,
               coalesce(g.last_error, 'lease expired on the last attempt'), g.enqueued_at, g.enqueued_by
          FROM gone g
        RETURNING supabase_ext.jobs_broadcast('dead_lettered',
                      jsonb_build_object('queue', d.queue, 'id', d.id, 'error', d.last_error))
    )
    UPDATE supabase_ext.job_queue q
       SET run_at = now() + lease, attempts = q.attempts + 1
      FROM picked p
     WHERE q.id = p.id AND NOT p.exhausted
    RETURNING q.*;
END $$;

-- Done: the message is removed (its dedupe key is free again).
CREATE FUNCTION supabase_ext.ack(id bigint) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH d AS (DELETE FROM supabase_ext.job_queue q WHERE q.id = $1 RETURNING 1)
    SELECT count(*) > 0 FROM d
$$;

-- Failed: retry after retry_in (default: full-jitter backoff,
-- supabase_ext.job_backoff), or dead-letter when no attempts are left.
-- Returns 'retry' or 'dead', NULL for an unknown id.
CREATE FUNCTION supabase_ext.nack(id bigint, error text DEFAULT NULL, retry_in interval DEFAULT NULL)
RETURNS text LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m supabase_ext.job_queue;
BEGIN
    SELECT * INTO m FROM supabase_ext.job_queue q WHERE q.id = nack.id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF m.attempts >= m.max_attempts THEN
        DELETE FROM supabase_ext.job_queue q WHERE q.id = m.id;
        INSERT INTO supabase_ext.job_dead_letters
               (id, queue, payload, priority, dedupe_key, attempts, max_attempts, last_error, enqueued_at, enqueued_by)
        VALUES (m.id, m.queue, m.payload, m.priority, m.dedupe_key, m.attempts, m.max_attempts,
                left(error, 2000), m.enqueued_at, m.enqueued_by);
        PERFORM supabase_ext.jobs_broadcast('dead_lettered',
                    jsonb_build_object('queue', m.queue, 'id', m.id, 'error', left(error, 2000)));
        RETURN 'dead';
    END IF;
    UPDATE supabase_ext.job_queue q
       SET run_at = now() + coalesce(greatest(retry_in, interval '0'), supabase_ext.job_backoff(m.attempts)),
           last_error = left(error, 2000)
     WHERE q.id = m.id;
    RETURN 'retry';
END $$;

-- Puts dead letters back on their queue with fresh attempts: all of a queue,
-- or the given ids. Returns how many moved. The reserved queue 'http' holds
-- the HTTP deliveries that failed for good: they are sent again with fresh
-- attempts and the same webhook-id, and the job runs that enqueued them wait
-- for the new outcome.
-- SECURITY DEFINER: callers (service_role, the owner) need not hold UPDATE
-- on the delivery and run tables; EXECUTE is the gate.
CREATE FUNCTION supabase_ext.dead_letter_redrive(queue text DEFAULT NULL, ids bigint[] DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n bigint;
BEGIN
    IF dead_letter_redrive.queue IS NULL AND ids IS NULL THEN
        RAISE EXCEPTION 'dead_letter_redrive: name a queue or ids' USING ERRCODE = '22023';
    END IF;
    IF dead_letter_redrive.queue = 'http' THEN
        WITH again AS (
            UPDATE supabase_ext.http_requests h
               SET status = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL
             WHERE h.status = 'failed' AND (ids IS NULL OR h.id = ANY (ids))
            RETURNING h.job_run_id
        ), runs AS (
            UPDATE supabase_ext.job_runs r SET status = 'waiting', finished_at = NULL
             WHERE r.id IN (SELECT job_run_id FROM again) AND r.status = 'failed'
        )
        SELECT count(*) INTO n FROM again;
        PERFORM supabase_ext.jobs_wake();
        RETURN n;
    END IF;
    WITH moved AS (
        DELETE FROM supabase_ext.job_dead_letters d
         WHERE (dead_letter_redrive.queue IS NULL OR d.queue = dead_letter_redrive.queue)
           AND (ids IS NULL OR d.id = ANY (ids))
        RETURNING d.*
    )
    INSERT INTO supabase_ext.job_queue (queue, payload, priority, dedupe_key, max_attempts, enqueued_by)
    SELECT m.queue, m.payload, m.priority, m.dedupe_key, m.max_attempts, m.enqueued_by FROM moved m
    ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- src/jobs/mod.rs:56
-- requires:
--   jobs_http
--   webhooks_schema
--   schedules::job_next_run
--   schedules::job_check_sql
--   schedules::job_check_url
--   http::http_options_check
--   executor::job_invoker
--   executor::jobs_fire_due
--   executor::jobs_run_queued
--   executor::jobs_settle_runs
--   http::jobs_claim_http
--   http::jobs_send_http
--   http::jobs_record_http
--   http::http_request
--   wake::jobs_wake
--   realtime::jobs_broadcast

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

-- src/jobs/wake.rs:57
-- supabase_ext::jobs::wake::jobs_wake_launcher
CREATE  FUNCTION "jobs_wake_launcher"() RETURNS bool /* bool */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_wake_launcher_wrapper';

-- src/jobs/mod.rs:201
-- supabase_ext::jobs::jobs_worker
CREATE  FUNCTION "jobs_worker"() RETURNS TABLE (
	"state" TEXT,  /* String */
	"pid" INT,  /* Option < i32 > */
	"started_at" timestamp with time zone,  /* Option < TimestampWithTimeZone > */
	"last_tick" timestamp with time zone,  /* Option < TimestampWithTimeZone > */
	"runs" bigint,  /* i64 */
	"deliveries" bigint,  /* i64 */
	"failed_steps" bigint  /* i64 */
)
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'jobs_worker_wrapper';

-- src/jobs/mod.rs:78
-- requires:
--   jobs_admin
--   jobs_queue
--   jobs_worker

-- Jobs at a glance: queue depth and the age of the oldest ready message per
-- queue, HTTP deliveries, job runs, and the workers (pid, last tick).
-- Folded into status(). Readable by service_role and the owner.
CREATE VIEW supabase_ext.jobs_status AS
WITH q AS (
    SELECT queue AS name,
           count(*) FILTER (WHERE run_at <= now()) AS ready,
           count(*) FILTER (WHERE run_at > now() AND attempts = 0) AS scheduled,
           count(*) FILTER (WHERE run_at > now() AND attempts > 0) AS running,
           max(now() - run_at) FILTER (WHERE run_at <= now()) AS oldest_ready_age
      FROM supabase_ext.job_queue GROUP BY queue
), d AS (
    SELECT queue AS name, count(*) AS dead FROM supabase_ext.job_dead_letters GROUP BY queue
)
SELECT 'queue'::text AS kind, coalesce(q.name, d.name) AS name,
       coalesce(q.ready, 0) AS ready, coalesce(q.scheduled, 0) AS scheduled, coalesce(q.running, 0) AS running,
       0::bigint AS failed, coalesce(d.dead, 0) AS dead, q.oldest_ready_age,
       NULL::integer AS worker_pid, NULL::timestamptz AS last_tick
  FROM q FULL JOIN d ON d.name = q.name
UNION ALL
SELECT 'http', 'deliveries',
       count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= now()),
       count(*) FILTER (WHERE status = 'pending' AND next_attempt_at > now()),
       count(*) FILTER (WHERE status = 'sending'),
       count(*) FILTER (WHERE status = 'failed'),
       count(*) FILTER (WHERE status = 'failed'),
       max(now() - next_attempt_at) FILTER (WHERE status = 'pending' AND next_attempt_at <= now()),
       NULL, NULL
  FROM supabase_ext.http_requests
UNION ALL
SELECT 'runs', 'job_runs',
       count(*) FILTER (WHERE status = 'queued'),
       (SELECT count(*) FROM supabase_ext.job_definitions WHERE NOT paused),
       count(*) FILTER (WHERE status IN ('running', 'waiting')),
       count(*) FILTER (WHERE status = 'failed' AND finished_at > now() - interval '1 day'),
       0,
       max(now() - scheduled_for) FILTER (WHERE status = 'queued'),
       NULL, NULL
  FROM supabase_ext.job_runs
UNION ALL
SELECT 'worker', w.state, 0, 0, 0, w.failed_steps, 0, NULL, w.pid, w.last_tick
  FROM supabase_ext.jobs_worker() w;
COMMENT ON VIEW supabase_ext.jobs_status IS
  'Queue depth and oldest ready age per queue, deliveries, job runs (failed: last day; scheduled: active jobs), and this database''s worker.';

-- src/jobs/mod.rs:79
-- requires:
--   jobs_queue
--   jobs_cursors
--   jobs_admin
--   jobs_status
--   wake::jobs_wake_launcher
--   jobs_purge

-- Jobs grants. anon and authenticated get nothing unless the owner grants
-- it. service_role (an Edge Function, an external worker, the dashboard)
-- uses the queue and cursors, manages jobs, and runs run_pending(). Job
-- definitions and deliveries hold signing secrets, so their tables are the
-- owner's; roles read their own through the jobs view and the column grants
-- on http_requests (RLS shows each role its own rows).
REVOKE ALL ON supabase_ext.job_queue, supabase_ext.job_dead_letters, supabase_ext.sync_cursors,
              supabase_ext.job_definitions, supabase_ext.job_runs, supabase_ext.http_requests,
              supabase_ext.jobs, supabase_ext.jobs_status FROM PUBLIC;
GRANT SELECT ON supabase_ext.jobs TO PUBLIC;
GRANT SELECT (id, job_run_id, method, url, headers, body, timeout_ms, max_attempts, webhook_id, status,
              attempts, next_attempt_at, response_status, response_headers, response_body, last_error,
              owner, created_at, finished_at)
   ON supabase_ext.http_requests TO PUBLIC;
REVOKE ALL ON FUNCTION
    supabase_ext.enqueue(text, jsonb, timestamptz, integer, text, integer),
    supabase_ext.enqueue_batch(text, jsonb[], timestamptz, integer, integer),
    supabase_ext.dequeue(text, integer, interval),
    supabase_ext.ack(bigint),
    supabase_ext.nack(bigint, text, interval),
    supabase_ext.dead_letter_redrive(text, bigint[]),
    supabase_ext.sync_cursor_get(text),
    supabase_ext.sync_cursor_set(text, jsonb, jsonb),
    supabase_ext.job_backoff(integer),
    supabase_ext.job_schedule(text, text, text, jsonb),
    supabase_ext.job_lookup(text),
    supabase_ext.job_unschedule(text),
    supabase_ext.job_run_now(text),
    supabase_ext.job_pause(text),
    supabase_ext.job_resume(text),
    supabase_ext.http_request(text, text, jsonb, jsonb, jsonb),
    supabase_ext.jobs_fire_due(integer),
    supabase_ext.jobs_run_queued(integer),
    supabase_ext.jobs_claim_http(integer),
    supabase_ext.jobs_send_http(jsonb),
    supabase_ext.jobs_record_http(jsonb),
    supabase_ext.jobs_settle_runs(),
    supabase_ext.jobs_broadcast(text, jsonb),
    supabase_ext.jobs_wake(),
    supabase_ext.jobs_wake_launcher(),
    supabase_ext.job_check_sql(text),
    supabase_ext.job_check_url(text, boolean),
    supabase_ext.http_options_check(jsonb),
    supabase_ext.job_invoker(),
    supabase_ext.jobs_worker(),
    supabase_ext.jobs_purge(integer, integer)
FROM PUBLIC;
REVOKE ALL ON PROCEDURE supabase_ext.run_pending(integer, integer) FROM PUBLIC;

INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('jobs', 'service_role', 'SELECT, INSERT, UPDATE, DELETE', 'TABLE supabase_ext.job_queue'),
    ('jobs', 'service_role', 'SELECT, INSERT, UPDATE, DELETE', 'TABLE supabase_ext.job_dead_letters'),
    ('jobs', 'service_role', 'SELECT, INSERT, UPDATE, DELETE', 'TABLE supabase_ext.sync_cursors'),
    ('jobs', 'service_role', 'SELECT', 'TABLE supabase_ext.job_runs'),
    ('jobs', 'service_role', 'SELECT', 'TABLE supabase_ext.jobs_status'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_worker()'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.enqueue(text, jsonb, timestamptz, integer, text, integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.enqueue_batch(text, jsonb[], timestamptz, integer, integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.dequeue(text, integer, interval)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.ack(bigint)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.nack(bigint, text, interval)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.dead_letter_redrive(text, bigint[])'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.sync_cursor_get(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.sync_cursor_set(text, jsonb, jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_backoff(integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_schedule(text, text, text, jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_unschedule(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_run_now(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_pause(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_resume(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.http_request(text, text, jsonb, jsonb, jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_fire_due(integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_run_queued(integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_claim_http(integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_send_http(jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_record_http(jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_settle_runs()'),
    ('jobs', 'service_role', 'EXECUTE', 'PROCEDURE supabase_ext.run_pending(integer, integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_wake()'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.jobs_broadcast(text, jsonb)');
