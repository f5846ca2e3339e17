-- Chapter 3: jobs. The seeds' control plane without Edge Functions or n8n:
-- a health check sent to a webhook every 15 minutes in Manila time, signed,
-- retried and recorded; and an Odoo event turned into a shadow row by a
-- handler job. The background worker runs both (this cluster preloads
-- supabase_ext); without preload, pg_cron calls supabase_ext.run_pending().
\set ON_ERROR_STOP on

-- When would the seeds' schedules fire? (Manila is UTC+8 all year.)
SELECT t AS compliance_alerts_8am_manila FROM supabase_ext.job_next_runs('0 8 * * *', 'Asia/Manila', 3) t;

-- The health check: every 15 minutes, a signed POST to the receiver this
-- demo started on 127.0.0.1 (a superuser owns the job, so the allowlist
-- does not apply; other owners need supabase_ext.http_allowlist).
SELECT supabase_ext.job_schedule('health check', '*/15 * * * *', :'receiver' || '/health',
       jsonb_build_object('kind', 'http', 'timezone', 'Asia/Manila',
                          'body', '{"check": "health", "source": "supabase_ext demo"}'::jsonb,
                          'signing_secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
                          'max_attempts', 5)) AS job_id;
SELECT name, schedule, timezone, kind, next_run_at FROM supabase_ext.jobs WHERE name = 'health check';
-- Run it now instead of waiting for the quarter hour; the worker wakes at commit.
SELECT supabase_ext.job_run_now('health check') AS run_id;
DO $$ BEGIN
  FOR i IN 1 .. 40 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM supabase_ext.job_runs WHERE job_name = 'health check' AND status IN ('succeeded', 'failed'));
    PERFORM pg_sleep(0.25);
  END LOOP;
END $$;
-- The run succeeded only because its delivery did (a 2xx), unlike pg_cron + pg_net.
SELECT job_name, status, http_status FROM supabase_ext.job_runs WHERE job_name = 'health check';
SELECT method, url, status, attempts, response_status, webhook_id IS NOT NULL AS signed
  FROM supabase_ext.http_requests ORDER BY id DESC LIMIT 1;

-- An Odoo partner update arrives as a signed webhook (the seeds' IPAI bridge).
SELECT supabase_ext.webhook_endpoint_drop('odoo');
SELECT supabase_ext.webhook_endpoint_create('odoo', 'hmac', ARRAY['odoo-demo-secret'],
       '{"signature_header": "x-ipai-signature", "timestamp_header": "x-ipai-timestamp"}');
CREATE TABLE IF NOT EXISTS public.odoo_partners_shadow (
    odoo_id int PRIMARY KEY, name text NOT NULL, email text, synced_at timestamptz NOT NULL DEFAULT now());
CREATE OR REPLACE FUNCTION public.odoo_partner_to_shadow(e supabase_ext.webhook_events) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO public.odoo_partners_shadow (odoo_id, name, email)
    VALUES ((e.payload->'record'->>'id')::int, e.payload->'record'->>'name', e.payload->'record'->>'email')
    ON CONFLICT (odoo_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, synced_at = now()
$$;
SELECT supabase_ext.job_schedule('odoo partners', '@every 10s', 'public.odoo_partner_to_shadow',
       '{"kind": "handler", "endpoint": "odoo"}') AS handler_job;
SELECT supabase_ext.webhook_receive('odoo',
         convert_to('{"model": "res.partner", "record": {"id": 42, "name": "Acme Manila", "email": "ops@acme.ph"}}', 'UTF8'),
         supabase_ext.webhook_sign('hmac', 'odoo-demo-secret',
           convert_to('{"model": "res.partner", "record": {"id": 42, "name": "Acme Manila", "email": "ops@acme.ph"}}', 'UTF8'),
           '', now(), '{"signature_header": "x-ipai-signature", "timestamp_header": "x-ipai-timestamp"}')) AS event_id;
SELECT supabase_ext.job_run_now('odoo partners') AS run_id;
DO $$ BEGIN
  FOR i IN 1 .. 40 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM public.odoo_partners_shadow WHERE odoo_id = 42);
    PERFORM pg_sleep(0.25);
  END LOOP;
END $$;
SELECT odoo_id, name, email FROM public.odoo_partners_shadow;
SELECT endpoint, status, attempts FROM supabase_ext.webhook_events WHERE endpoint = 'odoo';

-- Everything at a glance.
SELECT kind, name, ready, running, failed, dead, worker_pid IS NOT NULL AS has_worker FROM supabase_ext.jobs_status;
SELECT supabase_ext.job_pause('health check');
