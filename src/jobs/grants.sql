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
