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
    -- The idempotency key: the provider's id where the signature covers it,
    -- else sha256:<hex> of the signed body (core::webhooks::dedupe_key), so
    -- an unsigned id can neither multiply one delivery nor squat another.
    dedupe_key   text NOT NULL,
    -- What the signature covered: some of id, event_type, timestamp, body.
    -- NULL for rows stored before 0.2.0 under hmac endpoints since dropped.
    signed_fields text[],
    -- The lease of a processing row: past it, webhook_claim() may take the
    -- row again (the consumer is presumed dead).
    locked_until timestamptz,
    CONSTRAINT webhook_events_endpoint_dedupe_key_key UNIQUE (endpoint, dedupe_key)
);
COMMENT ON TABLE supabase_ext.webhook_events IS
  'Verified webhook deliveries, one row per (endpoint, dedupe_key).';
-- Consumers poll pending work in arrival order; retention scans completed
-- and failed rows by age.
CREATE INDEX webhook_events_pending ON supabase_ext.webhook_events (received_at)
    WHERE status IN ('pending', 'processing');
CREATE INDEX webhook_events_completed ON supabase_ext.webhook_events (processed_at)
    WHERE status = 'completed';
CREATE INDEX webhook_events_failed ON supabase_ext.webhook_events (processed_at)
    WHERE status = 'failed';

-- pg_dump keeps endpoints (with their secrets), events and the id counter:
-- without these marks a dump of an extension's tables is schema only.
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.webhook_endpoints', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.webhook_events', '');
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.webhook_events_id_seq', '');

-- Endpoints without their secrets, for dashboards.
CREATE VIEW supabase_ext.webhook_endpoints_public WITH (security_barrier) AS
    SELECT name, provider, cardinality(secrets) AS secret_count, options, tolerance, enabled,
           created_at, updated_at
      FROM supabase_ext.webhook_endpoints;
