-- Webhook endpoints and the idempotent event table.

CREATE TABLE supabase_ext.webhook_endpoints (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9_]{1,48}$'),
    provider    text NOT NULL,
    -- Literal secrets, or 'vault:<name>' references into supabase_vault.
    -- Readable only by the table owner and roles granted webhook admin.
    secrets     text[] NOT NULL CHECK (cardinality(secrets) BETWEEN 1 AND 8),
    options     jsonb NOT NULL DEFAULT '{}',
    tolerance   interval NOT NULL DEFAULT '5 minutes',
    enabled     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE supabase_ext.webhook_endpoints IS
  'Inbound webhook endpoints with their signing secrets. Never granted to anon or authenticated.';

CREATE TABLE supabase_ext.webhook_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint     text NOT NULL,
    provider     text NOT NULL,
    delivery_id  text NOT NULL,
    event_type   text,
    headers      jsonb NOT NULL,
    body         bytea NOT NULL,
    payload      jsonb,
    received_at  timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    processed_at timestamptz,
    -- The idempotency key: a redelivery of the same id inserts nothing.
    UNIQUE (endpoint, delivery_id)
);
COMMENT ON TABLE supabase_ext.webhook_events IS
  'Verified webhook deliveries, one row per (endpoint, delivery_id).';
-- Consumers poll pending work in arrival order; retention scans completed rows by age.
CREATE INDEX webhook_events_pending ON supabase_ext.webhook_events (received_at)
    WHERE status IN ('pending', 'processing');
CREATE INDEX webhook_events_completed ON supabase_ext.webhook_events (processed_at)
    WHERE status = 'completed';

-- Endpoints without their secrets, for dashboards.
CREATE VIEW supabase_ext.webhook_endpoints_public WITH (security_barrier) AS
    SELECT name, provider, cardinality(secrets) AS secret_count, options, tolerance, enabled,
           created_at, updated_at
      FROM supabase_ext.webhook_endpoints;
