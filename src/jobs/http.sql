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
