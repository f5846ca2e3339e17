-- A normalized description of every object supabase_ext owns: functions with
-- their full definitions and grants, relations with columns, constraints,
-- indexes and grants. Two installs with equal fingerprints expose the same
-- SQL surface, whatever path (fresh install or upgrades) built them.
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'supabase_ext'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
)
SELECT 'function ' || p.oid::regprocedure::text || E'\n' || pg_get_functiondef(p.oid)
       || E'\nacl ' || coalesce(p.proacl::text, '(default)') AS item
  FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
 WHERE p.prokind IN ('f', 'p', 'w')
UNION ALL
SELECT 'aggregate ' || p.oid::regprocedure::text
  FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
 WHERE p.prokind = 'a'
UNION ALL
SELECT 'relation ' || c.relkind::text || ' ' || c.oid::regclass::text
       || E'\ncolumns ' || coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                              || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                                              || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''),
                                              ', ' ORDER BY a.attnum)
                                       FROM pg_attribute a
                                       LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
       || E'\nconstraints ' || coalesce((SELECT string_agg(pg_get_constraintdef(k.oid), '; ' ORDER BY pg_get_constraintdef(k.oid))
                                           FROM pg_constraint k WHERE k.conrelid = c.oid), '')
       || E'\nindexes ' || coalesce((SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY pg_get_indexdef(i.indexrelid))
                                       FROM pg_index i WHERE i.indrelid = c.oid), '')
       || E'\nview ' || coalesce(pg_get_viewdef(c.oid), '')
       || E'\nacl ' || coalesce(c.relacl::text, '(default)')
  FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT 'trigger ' || t.tgrelid::regclass::text || ' ' || pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text
  FROM members m JOIN pg_trigger t ON m.classid = 'pg_class'::regclass AND t.tgrelid = m.objid
 WHERE NOT t.tgisinternal
UNION ALL
SELECT 'policy ' || p.polrelid::regclass::text || ' ' || p.polname || ' ' || p.polcmd::text
       || ' ' || p.polpermissive::text || ' ' || p.polroles::regrole[]::text
       || ' using ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '')
       || ' check ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
  FROM members m JOIN pg_policy p ON m.classid = 'pg_class'::regclass AND p.polrelid = m.objid
UNION ALL
SELECT 'event trigger ' || e.evtname || ' ' || e.evtevent || ' ' || e.evtfoid::regproc::text
       || ' ' || coalesce(e.evttags::text, '') || ' enabled ' || e.evtenabled::text
  FROM members m JOIN pg_event_trigger e ON m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid
UNION ALL
SELECT 'type ' || t.oid::regtype::text
  FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
ORDER BY 1;
