-- Run in a fresh connection. With ran_by_cron set, pg_cron already ran
-- run_maintenance(); otherwise run it here, before anything else has loaded
-- the library in this backend.
\if :{?ran_by_cron}
\else
SELECT 'removed: ' || supabase_ext.run_maintenance();
\endif
SELECT CASE WHEN count(*) = 0 THEN 'maintenance: ok' ELSE 'maintenance: FAILED, ' || count(*) || ' old events left' END
  FROM supabase_ext.webhook_events;
SELECT 'status: ' || name || ' = ' || value FROM supabase_ext.status() WHERE component = 'maintenance';
