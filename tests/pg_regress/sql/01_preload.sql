-- What depends on shared_preload_libraries. Two expected files: 01_preload.out
-- (preloaded) and 01_preload_1.out (not preloaded: no workers, no shared
-- memory counters, every SQL function still works).
SELECT name, value FROM supabase_ext.status()
 WHERE component = 'workers' AND name IN ('preloaded', 'supabase_ext launcher')
    OR name IN ('supabase_ext.database', 'supabase_ext.databases')
 ORDER BY name;
SELECT supabase_ext.webhook_endpoint_create('counted', 'github', ARRAY['count-secret']);
-- A forged delivery stores nothing; shared memory counts it (rolled back otherwise).
SELECT supabase_ext.webhook_receive('counted', convert_to('{"a": 1}', 'UTF8'),
         supabase_ext.webhook_sign('github', 'wrong-secret', convert_to('{"a": 1}', 'UTF8'))
         || '{"X-GitHub-Delivery": "c-1"}');
SELECT endpoint, accepted, rejected FROM supabase_ext.webhook_counters WHERE endpoint = 'counted';
SELECT supabase_ext.webhook_endpoint_drop('counted');
