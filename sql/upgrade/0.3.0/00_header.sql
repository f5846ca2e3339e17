-- supabase_ext 0.2.0 -> 0.3.0
\echo Use "ALTER EXTENSION supabase_ext UPDATE TO '0.3.0'" to load this file. \quit

-- supabase_ext 0.2.0 -> 0.3.0: jobs completed, hybrid search, drift.
