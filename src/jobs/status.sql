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
