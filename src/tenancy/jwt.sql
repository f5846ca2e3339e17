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
