-- Text-body and single-secret overloads of the Rust verifiers. LANGUAGE sql
-- with a single SELECT, so the planner inlines them: no extra call overhead.

CREATE FUNCTION supabase_ext.webhook_verify(
    provider text, secret text, body text, headers jsonb,
    tolerance interval DEFAULT '5 minutes', at timestamptz DEFAULT now(), options jsonb DEFAULT '{}')
RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN supabase_ext.webhook_verify(provider, secret, convert_to(body, 'UTF8'), headers, tolerance, at, options);

CREATE FUNCTION supabase_ext.webhook_verify(
    provider text, secrets text[], body text, headers jsonb,
    tolerance interval DEFAULT '5 minutes', at timestamptz DEFAULT now(), options jsonb DEFAULT '{}')
RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN supabase_ext.webhook_verify(provider, secrets, convert_to(body, 'UTF8'), headers, tolerance, at, options);

CREATE FUNCTION supabase_ext.webhook_verify_detail(
    provider text, secret text, body bytea, headers jsonb,
    tolerance interval DEFAULT '5 minutes', at timestamptz DEFAULT now(), options jsonb DEFAULT '{}')
RETURNS TABLE (valid boolean, reason text, matched_secret integer)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT * FROM supabase_ext.webhook_verify_detail(provider, ARRAY[secret], body, headers, tolerance, at, options) $$;

CREATE FUNCTION supabase_ext.webhook_verify_detail(
    provider text, secret text, body text, headers jsonb,
    tolerance interval DEFAULT '5 minutes', at timestamptz DEFAULT now(), options jsonb DEFAULT '{}')
RETURNS TABLE (valid boolean, reason text, matched_secret integer)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT * FROM supabase_ext.webhook_verify_detail(provider, ARRAY[secret], convert_to(body, 'UTF8'), headers, tolerance, at, options) $$;

CREATE FUNCTION supabase_ext.webhook_verify_detail(
    provider text, secrets text[], body text, headers jsonb,
    tolerance interval DEFAULT '5 minutes', at timestamptz DEFAULT now(), options jsonb DEFAULT '{}')
RETURNS TABLE (valid boolean, reason text, matched_secret integer)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT * FROM supabase_ext.webhook_verify_detail(provider, secrets, convert_to(body, 'UTF8'), headers, tolerance, at, options) $$;
