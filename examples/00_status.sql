-- Chapter 0: what is installed, and what is running.
-- status() lists versions, the background worker, every setting and the
-- optional companions supabase_ext detects.
SELECT component, name, value FROM supabase_ext.status()
 WHERE component <> 'settings' ORDER BY component, name;

-- Every setting lives under supabase_ext.* (see docs/architecture.md):
SELECT name, value FROM supabase_ext.status() WHERE component = 'settings';
