-- The durable queue and sync cursors (jobs domain).
\set VERBOSITY terse
-- Outbox semantics: a message enqueued in a transaction that rolls back never
-- exists; one that commits does.
BEGIN;
SELECT supabase_ext.enqueue('emails', '{"to": "a@example.com"}') > 0 AS enqueued;
ROLLBACK;
SELECT count(*) AS after_rollback FROM supabase_ext.job_queue;
SELECT supabase_ext.enqueue('emails', '{"to": "b@example.com"}', priority => 1) > 0 AS enqueued;
-- Unique while pending: the same dedupe key returns the same job.
SELECT supabase_ext.enqueue('emails', '{"to": "c@example.com"}', dedupe_key => 'c')
     = supabase_ext.enqueue('emails', '{"to": "c@example.com", "again": true}', dedupe_key => 'c') AS same_id;
SELECT count(*) FROM supabase_ext.job_queue WHERE queue = 'emails';
-- Not yet due: invisible to consumers.
SELECT supabase_ext.enqueue('emails', '{"to": "later"}', run_at => now() + interval '1 hour') > 0 AS scheduled;
SELECT count(*) AS batch_ids FROM supabase_ext.enqueue_batch('bulk', ARRAY['{"n": 1}', '{"n": 2}', '{"n": 3}']::jsonb[]);
-- Dequeue: highest priority first, never more than asked, attempts counted.
SELECT payload, attempts FROM supabase_ext.dequeue('emails', 1, '10 minutes');
SELECT payload, attempts FROM supabase_ext.dequeue('emails', 10, '10 minutes');
SELECT count(*) AS nothing_ready FROM supabase_ext.dequeue('emails', 10);
-- ack removes; the dedupe key is free again.
SELECT supabase_ext.ack(id) FROM supabase_ext.job_queue WHERE dedupe_key = 'c';
SELECT supabase_ext.ack(-1) AS unknown_id;
SELECT count(*) AS pending_c FROM supabase_ext.job_queue WHERE dedupe_key = 'c';
-- A consumer that dies: its lease expires and the job is dequeued again.
SELECT count(*) AS leased FROM supabase_ext.dequeue('bulk', 3, '10 milliseconds');
SELECT pg_sleep(0.05);
SELECT payload, attempts FROM supabase_ext.dequeue('bulk', 1, '10 minutes') ORDER BY id;
-- nack: retry with an explicit delay, then out of attempts -> dead letter.
SELECT supabase_ext.enqueue('fragile', '{"x": 1}', max_attempts => 2) AS fragile_id \gset
SELECT id = :fragile_id AS got_it FROM supabase_ext.dequeue('fragile', 1);
SELECT supabase_ext.nack(:fragile_id, 'receiver said 500', '0 seconds');
SELECT attempts, last_error FROM supabase_ext.job_queue WHERE id = :fragile_id;
SELECT count(*) FROM supabase_ext.dequeue('fragile', 1);
SELECT supabase_ext.nack(:fragile_id, 'receiver said 500 again');
SELECT queue, payload, attempts, last_error FROM supabase_ext.job_dead_letters;
SELECT supabase_ext.nack(-1, 'x') IS NULL AS unknown_id;
-- Default backoff (full jitter) stays within its ceiling.
SELECT supabase_ext.enqueue('backoff', '{}') AS b_id \gset
SELECT count(*) FROM supabase_ext.dequeue('backoff', 1);
SELECT supabase_ext.nack(:b_id, 'boom');
SELECT run_at <= now() + interval '5 seconds' AS within_first_ceiling
  FROM supabase_ext.job_queue WHERE id = :b_id;
-- A job whose lease expired on its last attempt is dead-lettered by the next dequeue.
SELECT supabase_ext.enqueue('once', '{"y": 1}', max_attempts => 1) AS once_id \gset
SELECT count(*) FROM supabase_ext.dequeue('once', 1, '10 milliseconds');
SELECT pg_sleep(0.05);
SELECT count(*) AS returned FROM supabase_ext.dequeue('once', 1);
SELECT last_error FROM supabase_ext.job_dead_letters WHERE id = :once_id;
-- Redrive puts dead letters back with fresh attempts.
SELECT supabase_ext.dead_letter_redrive('fragile');
SELECT queue, payload, attempts FROM supabase_ext.job_queue WHERE queue = 'fragile';
SELECT count(*) AS dead_left FROM supabase_ext.job_dead_letters WHERE queue = 'fragile';
-- Bad input: clear errors, nothing written.
SELECT supabase_ext.enqueue('Bad Queue', '{}');
SELECT supabase_ext.enqueue(NULL, '{}');
SELECT supabase_ext.enqueue('q', '{}', max_attempts => 0);
SELECT supabase_ext.enqueue_batch('q', ARRAY[NULL]::jsonb[]);
SELECT supabase_ext.dequeue('q', 1, '0 seconds');
SELECT supabase_ext.dead_letter_redrive();
SELECT count(*) AS nothing_half_written FROM supabase_ext.job_queue WHERE queue IN ('q', 'Bad Queue');

-- Queue depth per queue in jobs_status (also folded into status()).
SELECT kind, name, ready, scheduled, running, dead FROM supabase_ext.jobs_status WHERE kind = 'queue' AND name <> 'backoff' ORDER BY name;

-- Sync cursors with optimistic concurrency.
SELECT supabase_ext.sync_cursor_get('odoo.orders') IS NULL AS none_yet;
SELECT supabase_ext.sync_cursor_set('odoo.orders', '{"write_date": "2026-11-01"}', 'null') AS created;
SELECT supabase_ext.sync_cursor_set('odoo.orders', '{"write_date": "2026-11-09"}', 'null') AS created_twice;
SELECT supabase_ext.sync_cursor_set('odoo.orders', '{"write_date": "2026-11-02"}', '{"write_date": "2026-11-01"}') AS advanced;
SELECT supabase_ext.sync_cursor_set('odoo.orders', '{"write_date": "2026-11-03"}', '{"write_date": "2026-11-01"}') AS stale_writer;
SELECT supabase_ext.sync_cursor_get('odoo.orders');
SELECT supabase_ext.sync_cursor_set('odoo.orders', '{"write_date": "2026-11-05"}') AS unconditional;
SELECT supabase_ext.sync_cursor_get('odoo.orders');
SELECT supabase_ext.sync_cursor_set('', '{}');

-- Through PostgREST: service_role calls with named arguments; anon and
-- authenticated can call none of these.
BEGIN;
SET LOCAL ROLE service_role;
SELECT set_config('request.jwt.claims', '{"role": "service_role"}', true) IS NOT NULL AS claims,
       set_config('request.method', 'POST', true) AS method, set_config('request.path', '/rpc/enqueue', true) AS path;
SELECT supabase_ext.enqueue(queue => 'rpc', payload => '{"from": "edge function"}') > 0 AS enqueued;
SELECT payload FROM supabase_ext.dequeue(queue => 'rpc', n => 5, lease => '1 minute');
SELECT supabase_ext.sync_cursor_set(source => 'rpc', cursor => '{"page": 2}');
SELECT supabase_ext.sync_cursor_get(source => 'rpc');
COMMIT;
BEGIN;
SET LOCAL ROLE authenticated;
SELECT supabase_ext.enqueue(queue => 'rpc', payload => '{}');
ROLLBACK;
BEGIN;
SET LOCAL ROLE anon;
SELECT supabase_ext.sync_cursor_get(source => 'rpc');
ROLLBACK;
BEGIN;
SET LOCAL ROLE anon;
SELECT count(*) FROM supabase_ext.job_queue;
ROLLBACK;
