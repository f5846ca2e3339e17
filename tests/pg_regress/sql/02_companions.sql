-- Optional companions are detected once installed. pgvector is packaged for
-- the PG18 lane only; on PG15 the expected output is 02_companions_1.out.
SELECT name, value FROM supabase_ext.status() WHERE component = 'companions' ORDER BY name;
SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS have_vector \gset
\if :have_vector
CREATE EXTENSION vector;
\else
\echo 'skipping pgvector: not available on this server'
\endif
CREATE EXTENSION pg_trgm;
SELECT name, value <> 'absent' AS present FROM supabase_ext.status() WHERE component = 'companions' ORDER BY name;
