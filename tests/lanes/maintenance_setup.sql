-- Old completed webhook events that retention must remove (default 7 days).
CREATE EXTENSION supabase_ext;
SELECT supabase_ext.webhook_endpoint_create('maint', 'github', ARRAY['maint-secret']);
SELECT supabase_ext.webhook_receive('maint', convert_to(b, 'UTF8'),
         supabase_ext.webhook_sign('github', 'maint-secret', convert_to(b, 'UTF8'))
         || jsonb_build_object('X-GitHub-Delivery', 'm-' || n))
  FROM generate_series(1, 3) AS n, LATERAL (SELECT format('{"n": %s}', n) AS b) AS v;
SELECT count(supabase_ext.webhook_complete(id)) FROM supabase_ext.webhook_claim('maint', 10);
UPDATE supabase_ext.webhook_events SET processed_at = now() - interval '30 days';
-- A SQL job queued for run_pending(), which pg_cron calls in this lane.
CREATE TABLE cron_job_effects (at timestamptz DEFAULT now());
SELECT supabase_ext.job_schedule('effect', '@yearly', 'INSERT INTO cron_job_effects DEFAULT VALUES') > 0 AS scheduled;
SELECT supabase_ext.job_run_now('effect') > 0 AS queued;
