-- Text-secret overloads: the secret's UTF-8 bytes, as Supabase uses jwt_secret.
CREATE FUNCTION supabase_ext.jwt_sign(claims jsonb, secret text, alg text DEFAULT 'HS256')
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN supabase_ext.jwt_sign(claims, convert_to(secret, 'UTF8'), alg);

CREATE FUNCTION supabase_ext.jwt_verify(
    token text, secret text, at timestamptz DEFAULT now(), leeway interval DEFAULT '0',
    algorithms text[] DEFAULT '{HS256,HS384,HS512}')
RETURNS TABLE (valid boolean, header jsonb, payload jsonb, reason text)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT * FROM supabase_ext.jwt_verify(token, convert_to(secret, 'UTF8'), at, leeway, algorithms) $$;

-- One row per embed token issued (never the token itself).
CREATE TABLE supabase_ext.embed_token_audit (
    jti        uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL,
    user_id    uuid,
    resources  jsonb NOT NULL,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    issued_by  name NOT NULL DEFAULT session_user
);
CREATE INDEX embed_token_audit_tenant ON supabase_ext.embed_token_audit (tenant_id, issued_at);
REVOKE ALL ON supabase_ext.embed_token_audit FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.embed_token_audit', '');

-- The embed-token signing key and bounds: one row, owner-only. Not a setting:
-- settings are readable by pg_read_all_settings members (pg_monitor), and
-- per-role or per-database values sit in pg_db_role_setting, readable by PUBLIC.
CREATE TABLE supabase_ext.embed_token_config (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- A literal key, or 'vault:<name>' resolved through supabase_vault.
    secret            text NOT NULL,
    max_ttl           interval NOT NULL DEFAULT '5 minutes'
                      CHECK (max_ttl >= interval '1 second' AND max_ttl <= interval '1 day'),
    -- NULL: any resource names (still bounded in number and length).
    allowed_resources text[],
    updated_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE supabase_ext.embed_token_config IS
  'Signing key and bounds for supabase_ext.embed_token(). Readable by its owner only.';
REVOKE ALL ON supabase_ext.embed_token_config FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('supabase_ext.embed_token_config', '');

-- Owner-only (revoked from PUBLIC; not SECURITY DEFINER). Five minutes is
-- long enough to load a dashboard, short enough that a leaked URL is soon useless.
CREATE FUNCTION supabase_ext.embed_token_configure(
    secret text, max_ttl interval DEFAULT '5 minutes', allowed_resources text[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT has_table_privilege('supabase_ext.embed_token_config', 'INSERT, UPDATE') THEN
        RAISE EXCEPTION 'embed_token_configure: must be run as the owner of supabase_ext'
            USING ERRCODE = '42501',
                  HINT = 'Connect as the role that created the extension (supabase_admin on Supabase images).';
    END IF;
    IF secret IS NULL OR (secret NOT LIKE 'vault:_%' AND octet_length(secret) < 32) THEN
        RAISE EXCEPTION 'embed token secret must be at least 32 bytes, or a vault:<name> reference'
            USING ERRCODE = '22023', HINT = 'e.g. encode(gen_random_bytes(32), ''hex'') with pgcrypto, or a supabase_vault secret';
    END IF;
    IF max_ttl IS NULL OR max_ttl < interval '1 second' OR max_ttl > interval '1 day' THEN
        RAISE EXCEPTION 'embed token max_ttl must be between 1 second and 1 day' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(allowed_resources) r WHERE r IS NULL OR r = '') THEN
        RAISE EXCEPTION 'allowed_resources must not contain NULL or empty names' USING ERRCODE = '22023';
    END IF;
    INSERT INTO supabase_ext.embed_token_config AS c (singleton, secret, max_ttl, allowed_resources)
    VALUES (true, secret, max_ttl, allowed_resources)
    ON CONFLICT (singleton) DO UPDATE
       SET secret = EXCLUDED.secret, max_ttl = EXCLUDED.max_ttl,
           allowed_resources = EXCLUDED.allowed_resources, updated_at = now();
END $$;
REVOKE ALL ON FUNCTION supabase_ext.embed_token_configure(text, interval, text[]) FROM PUBLIC;

-- embed_token() trusts request.jwt.claims, so only authenticated (reached
-- through PostgREST, which verified the JWT) may call it; never anon.
REVOKE ALL ON FUNCTION supabase_ext.embed_token(jsonb, interval) FROM PUBLIC;
INSERT INTO supabase_ext.role_grants (domain, grantee, privilege, object) VALUES
    ('tenancy', 'authenticated', 'EXECUTE', 'FUNCTION supabase_ext.embed_token(jsonb, interval)');
