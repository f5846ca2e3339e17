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
    -- The table's CHECKs, tested first: rewording a failed INSERT's error
    -- would take an EXCEPTION block, i.e. a subtransaction on every call.
    IF enqueue.queue !~ '^[a-z0-9_][a-z0-9_.:-]{0,62}$' OR length(enqueue.dedupe_key) NOT BETWEEN 1 AND 256
       OR coalesce(enqueue.max_attempts, 5) NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'enqueue: invalid job for queue "%"', enqueue.queue USING ERRCODE = '22023',
            HINT = 'queue names are 1-63 characters of a-z, 0-9, _ . : -; dedupe keys 1-256 characters; max_attempts 1-1000';
    END IF;
    IF enqueue.dedupe_key IS NULL THEN
        -- No key, no arbiter: a plain INSERT, without ON CONFLICT's
        -- speculative insertion (a lock and a second index check per row).
        INSERT INTO supabase_ext.job_queue AS q (queue, payload, run_at, priority, max_attempts)
        VALUES (enqueue.queue, enqueue.payload, coalesce(enqueue.run_at, now()), coalesce(enqueue.priority, 0),
                coalesce(enqueue.max_attempts, 5))
        RETURNING q.id INTO new_id;
        RETURN new_id;
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
    IF queue !~ '^[a-z0-9_][a-z0-9_.:-]{0,62}$'
       OR coalesce(max_attempts, 5) NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'enqueue_batch: invalid jobs for queue "%"', queue USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    INSERT INTO supabase_ext.job_queue AS q (queue, payload, run_at, priority, max_attempts)
    SELECT enqueue_batch.queue, p, coalesce(enqueue_batch.run_at, now()), coalesce(enqueue_batch.priority, 0),
           coalesce(enqueue_batch.max_attempts, 5)
      FROM unnest(payloads) WITH ORDINALITY AS u(p, o) ORDER BY o
    RETURNING q.id;
END $$;

-- Leases up to n ready messages for `lease`. A picked message whose last
-- lease expired with no attempts left is dead-lettered instead of returned.
-- The pick is one index scan with LIMIT and SKIP LOCKED, so concurrent
-- consumers get disjoint batches that never exceed n; the picked rows stay
-- locked by this transaction until they are updated. n = 1 (the usual
-- consumer) first tries one UPDATE that picks and leases together (half
-- the time of pick-then-update, measured in benches/src/jobs.rs); it leases
-- nothing when the queue is empty or its head is out of attempts, and then
-- the general path below runs, which dead-letters such a head. The n = 1
-- picks use a constant LIMIT: their cached plans are as good as fresh ones,
-- while a parameter LIMIT made Postgres plan the statement again on every
-- call (about half of a dequeue's time).
CREATE FUNCTION supabase_ext.dequeue(queue text, n integer DEFAULT 1, lease interval DEFAULT '30 seconds')
RETURNS SETOF supabase_ext.job_queue LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ok_ids bigint[];
    dead_ids bigint[];
    dead_count bigint;
    got supabase_ext.job_queue;
BEGIN
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'dequeue: lease must be positive' USING ERRCODE = '22023';
    END IF;
    IF n = 1 THEN
        UPDATE supabase_ext.job_queue q
           SET run_at = now() + lease, attempts = q.attempts + 1
          FROM (SELECT p.id FROM supabase_ext.job_queue p
                 WHERE p.queue = dequeue.queue AND p.run_at <= now()
                 ORDER BY p.priority DESC, p.run_at, p.id
                 LIMIT 1
                 FOR UPDATE SKIP LOCKED) p
         WHERE q.id = p.id AND q.attempts < q.max_attempts
        RETURNING q.* INTO got;
        IF FOUND THEN
            RETURN NEXT got;
            RETURN;
        END IF;
        SELECT array_agg(p.id ORDER BY p.o) FILTER (WHERE NOT p.exhausted),
               array_agg(p.id ORDER BY p.o) FILTER (WHERE p.exhausted)
          INTO ok_ids, dead_ids
          FROM (SELECT q.id, q.attempts >= q.max_attempts AS exhausted, 1 AS o
                  FROM supabase_ext.job_queue q
                 WHERE q.queue = dequeue.queue AND q.run_at <= now()
                 ORDER BY q.priority DESC, q.run_at, q.id
                 LIMIT 1
                 FOR UPDATE SKIP LOCKED) p;
    ELSE
        SELECT array_agg(p.id ORDER BY p.o) FILTER (WHERE NOT p.exhausted),
               array_agg(p.id ORDER BY p.o) FILTER (WHERE p.exhausted)
          INTO ok_ids, dead_ids
          FROM (SELECT q.id, q.attempts >= q.max_attempts AS exhausted,
                       row_number() OVER (ORDER BY q.priority DESC, q.run_at, q.id) AS o
                  FROM (SELECT q.* FROM supabase_ext.job_queue q
                         WHERE q.queue = dequeue.queue AND q.run_at <= now()
                         ORDER BY q.priority DESC, q.run_at, q.id
                         LIMIT greatest(coalesce(n, 1), 0)
                         FOR UPDATE SKIP LOCKED) q) p;
    END IF;
    IF dead_ids IS NOT NULL THEN
        WITH gone AS (
            DELETE FROM supabase_ext.job_queue q WHERE q.id = ANY (dead_ids)
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
        SELECT count(*) INTO dead_count FROM dead;
    END IF;
    IF ok_ids IS NOT NULL THEN
        RETURN QUERY
        WITH leased AS (
            UPDATE supabase_ext.job_queue q
               SET run_at = now() + lease, attempts = q.attempts + 1
             WHERE q.id = ANY (ok_ids)
            RETURNING q.*
        )
        SELECT l.* FROM leased l ORDER BY array_position(ok_ids, l.id);
    END IF;
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
