-- Jobs grants: the queue and cursor functions are for service_role (an Edge
-- Function or external worker consumes through them over RPC) and the owner;
-- anon and authenticated get nothing unless the owner grants it. The
-- functions run with the caller's rights, so service_role also gets the
-- table privileges they use (it could run the same SQL itself).
REVOKE ALL ON supabase_ext.job_queue, supabase_ext.job_dead_letters, supabase_ext.sync_cursors FROM PUBLIC;
REVOKE ALL ON FUNCTION
    supabase_ext.enqueue(text, jsonb, timestamptz, integer, text, integer),
    supabase_ext.enqueue_batch(text, jsonb[], timestamptz, integer, integer),
    supabase_ext.dequeue(text, integer, interval),
    supabase_ext.ack(bigint),
    supabase_ext.nack(bigint, text, interval),
    supabase_ext.dead_letter_redrive(text, bigint[]),
    supabase_ext.sync_cursor_get(text),
    supabase_ext.sync_cursor_set(text, jsonb, jsonb),
    supabase_ext.job_backoff(integer)
FROM PUBLIC;

INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('jobs', 'service_role', 'SELECT, INSERT, UPDATE, DELETE', 'TABLE supabase_ext.job_queue'),
    ('jobs', 'service_role', 'SELECT, INSERT, UPDATE, DELETE', 'TABLE supabase_ext.job_dead_letters'),
    ('jobs', 'service_role', 'SELECT, INSERT, UPDATE, DELETE', 'TABLE supabase_ext.sync_cursors'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.enqueue(text, jsonb, timestamptz, integer, text, integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.enqueue_batch(text, jsonb[], timestamptz, integer, integer)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.dequeue(text, integer, interval)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.ack(bigint)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.nack(bigint, text, interval)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.dead_letter_redrive(text, bigint[])'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.sync_cursor_get(text)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.sync_cursor_set(text, jsonb, jsonb)'),
    ('jobs', 'service_role', 'EXECUTE', 'FUNCTION supabase_ext.job_backoff(integer)');
