//! In-server tenancy tests: JWT vectors, claims edge cases, embed tokens,
//! memberships, and tenant isolation replayed through PostgREST's protocol.
#[pgrx::pg_schema]
mod tests {
    use crate::common::testing::{postgrest_request, reset_role, sqlstate, supabase_roles};
    use pgrx::prelude::*;

    const RFC7515_A1: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC7515_A1_KEY: &str =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
    const TENANT_A: &str = "aaaaaaaa-0000-4000-8000-000000000001";
    const TENANT_B: &str = "bbbbbbbb-0000-4000-8000-000000000002";

    fn one<T: pgrx::FromDatum + pgrx::IntoDatum>(sql: &str) -> T {
        Spi::get_one(sql).unwrap().expect("query returned NULL")
    }

    fn claims_for(tenant: &str) -> String {
        serde_json::json!({
            "sub": "11111111-2222-4333-8444-555555555555", "role": "authenticated", "tenant_id": tenant
        })
        .to_string()
    }

    #[pg_test]
    fn rfc7515_a1_accepted_before_exp_rejected_after() {
        let q = |at: i64| {
            format!(
                "SELECT valid::text || ':' || coalesce(reason, '') || ':' || coalesce(payload->>'iss', '')
                   FROM supabase_ext.jwt_verify('{RFC7515_A1}', decode(translate('{RFC7515_A1_KEY}', '-_', '+/') || '==', 'base64'),
                                                to_timestamp({at}))"
            )
        };
        assert_eq!(one::<String>(&q(1_300_819_379)), "true::joe");
        assert_eq!(one::<String>(&q(1_300_819_380)), "false:token expired:joe");
        // Leeway tolerates clock skew.
        let with_leeway =
            q(1_300_819_385).replace("to_timestamp(1300819385)", "to_timestamp(1300819385), '10 seconds'");
        assert!(one::<String>(&with_leeway).starts_with("true"));
    }

    #[pg_test]
    fn sign_verify_algorithms_and_rejections() {
        for alg in ["HS256", "HS384", "HS512"] {
            let ok: bool = one(&format!(
                "SELECT valid FROM supabase_ext.jwt_verify(supabase_ext.jwt_sign('{{\"sub\": \"x\"}}', 'k', '{alg}'), 'k')"
            ));
            assert!(ok, "{alg}");
        }
        // Algorithm allow-list: an HS512 token where only HS256 is accepted.
        let r: String = one(
            "SELECT reason FROM supabase_ext.jwt_verify(supabase_ext.jwt_sign('{}', 'k', 'HS512'), 'k', now(), '0', '{HS256}')",
        );
        assert_eq!(r, "algorithm not allowed");
        // alg none, with and without a signature.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.";
        let r: String = one(&format!("SELECT reason FROM supabase_ext.jwt_verify('{none}', 'k')"));
        assert_eq!(r, "unsupported algorithm");
        let r: String =
            one("SELECT reason FROM supabase_ext.jwt_verify(supabase_ext.jwt_sign('{}', 'k'), 'other')");
        assert_eq!(r, "invalid signature");
        let r: Option<pgrx::JsonB> = Spi::get_one(
            "SELECT payload FROM supabase_ext.jwt_verify(supabase_ext.jwt_sign('{\"a\":1}', 'k'), 'other')",
        )
        .unwrap();
        assert!(r.is_none(), "unverified payloads are never returned");
        let r: String = one(&format!(
            "SELECT reason FROM supabase_ext.jwt_verify(supabase_ext.jwt_sign('{{\"nbf\": {}}}', 'k'), 'k')",
            4_000_000_000i64
        ));
        assert_eq!(r, "token not yet valid");
        supabase_roles();
        assert_eq!(sqlstate("SELECT supabase_ext.jwt_sign('{}', 'k', 'none')").as_deref(), Some("22023"));
        assert_eq!(sqlstate("SELECT supabase_ext.jwt_sign('[1]', 'k')").as_deref(), Some("22023"));
        assert_eq!(sqlstate("SELECT supabase_ext.jwt_sign('{}', '')").as_deref(), Some("22023"));
    }

    #[pg_test]
    fn claims_change_between_statements_in_one_transaction() {
        for t in [TENANT_A, TENANT_B, TENANT_A] {
            Spi::run_with_args("SELECT set_config('request.jwt.claims', $1, true)", &[claims_for(t).into()])
                .unwrap();
            assert_eq!(one::<pgrx::Uuid>("SELECT supabase_ext.tenant_id()").to_string(), t);
        }
        // Inside one PL/pgSQL block too: the cache keys on the setting's content.
        let seen: String = one(&format!(
            "DO $$ BEGIN
               PERFORM set_config('request.jwt.claims', '{{\"org_id\": \"{TENANT_B}\"}}', true);
               PERFORM set_config('test.seen', supabase_ext.tenant_id()::text, true);
               PERFORM set_config('request.jwt.claims', '{{\"tenant_id\": \"{TENANT_A}\"}}', true);
               PERFORM set_config('test.seen', current_setting('test.seen') || ',' || supabase_ext.tenant_id()::text, true);
             END $$; SELECT current_setting('test.seen')"
        ));
        assert_eq!(seen, format!("{TENANT_B},{TENANT_A}"));
    }

    #[pg_test]
    fn empty_setting_legacy_claims_and_malformed_json() {
        supabase_roles();
        Spi::run("SELECT set_config('request.jwt.claims', '', true)").unwrap();
        assert!(Spi::get_one::<pgrx::JsonB>("SELECT supabase_ext.jwt()").unwrap().is_none());
        assert!(Spi::get_one::<pgrx::Uuid>("SELECT supabase_ext.tenant_id()").unwrap().is_none());
        // Legacy per-claim settings (older Supabase / PostgREST).
        Spi::run(&format!(
            "SELECT set_config('request.jwt.claim.sub', '11111111-2222-4333-8444-555555555555', true),
                    set_config('request.jwt.claim.role', 'authenticated', true),
                    set_config('request.jwt.claim.tenant_id', '{TENANT_B}', true)"
        ))
        .unwrap();
        assert_eq!(
            one::<pgrx::Uuid>("SELECT supabase_ext.uid()").to_string(),
            "11111111-2222-4333-8444-555555555555"
        );
        assert_eq!(one::<String>("SELECT supabase_ext.role()"), "authenticated");
        assert_eq!(one::<pgrx::Uuid>("SELECT supabase_ext.tenant_id()").to_string(), TENANT_B);
        Spi::run("SELECT set_config('request.jwt.claims', '{not json', true)").unwrap();
        assert_eq!(sqlstate("SELECT supabase_ext.tenant_id()").as_deref(), Some("22P02"));
        Spi::run("SELECT set_config('request.jwt.claims', '{\"tenant_id\": \"nope\"}', true)").unwrap();
        assert_eq!(sqlstate("SELECT supabase_ext.tenant_id()").as_deref(), Some("22P02"));
        // user_metadata never decides tenancy, and can't be configured to.
        Spi::run(&format!(
            "SELECT set_config('request.jwt.claims', '{{\"user_metadata\": {{\"tenant_id\": \"{TENANT_A}\"}}}}', true)"
        ))
        .unwrap();
        assert!(Spi::get_one::<pgrx::Uuid>("SELECT supabase_ext.tenant_id()").unwrap().is_none());
        Spi::run("SET LOCAL supabase_ext.tenant_claim_paths = 'user_metadata.tenant_id'").unwrap();
        assert_eq!(sqlstate("SELECT supabase_ext.tenant_id()").as_deref(), Some("22023"));
    }

    #[pg_test]
    fn memberships_from_claims_and_table() {
        supabase_roles();
        Spi::run(&format!(
            "CREATE TABLE public.memberships(org_id uuid, user_id uuid, role text);
             INSERT INTO public.memberships VALUES
               ('{TENANT_A}', '11111111-2222-4333-8444-555555555555', 'engineer'),
               ('cccccccc-0000-4000-8000-000000000003', '11111111-2222-4333-8444-555555555555', 'admin');
             SET LOCAL supabase_ext.membership_table = 'public.memberships';
             SELECT set_config('request.jwt.claims', '{{\"sub\": \"11111111-2222-4333-8444-555555555555\",
                \"tenant_id\": \"{TENANT_A}\", \"app_metadata\": {{\"tenant_ids\": [\"{TENANT_B}\"]}}}}', true)"
        ))
        .unwrap();
        let ids: String = one("SELECT array_to_string(supabase_ext.tenant_ids(), ',')");
        assert_eq!(ids, format!("{TENANT_B},{TENANT_A},cccccccc-0000-4000-8000-000000000003"));
        assert!(
            one::<bool>("SELECT supabase_ext.has_role('engineer')"),
            "membership role in the current tenant"
        );
        assert!(!one::<bool>("SELECT supabase_ext.has_role('admin')"), "admin elsewhere is not admin here");
        // Memberships are read live, so a change later in the transaction shows.
        Spi::run(&format!("UPDATE public.memberships SET role = 'admin' WHERE org_id = '{TENANT_A}'"))
            .unwrap();
        assert!(one::<bool>("SELECT supabase_ext.has_role('admin')"));
    }

    #[pg_test]
    fn embed_tokens_take_the_tenant_from_claims_and_are_audited() {
        supabase_roles();
        const KEY: &str = "embed-secret-embed-secret-embed-secret";
        postgrest_request("authenticated", &claims_for(TENANT_A), "{}", "POST", "/rpc/embed_token");
        assert_eq!(sqlstate("SELECT supabase_ext.embed_token()").as_deref(), Some("55000"), "not configured");
        reset_role();
        assert_eq!(
            sqlstate("SELECT supabase_ext.embed_token_configure('short')").as_deref(),
            Some("22023"),
            "keys under 32 bytes are refused"
        );
        Spi::run(&format!(
            "SELECT supabase_ext.embed_token_configure('{KEY}', '3 minutes', '{{dash:7,dash:8}}')"
        ))
        .unwrap();
        postgrest_request("authenticated", &claims_for(TENANT_A), "{}", "POST", "/rpc/embed_token");
        let token: String = one("SELECT supabase_ext.embed_token('[\"dash:7\"]', '2 minutes')");
        // Bounds: resources outside the allowlist, non-strings, TTL over the maximum.
        for bad in [
            "SELECT supabase_ext.embed_token('[\"dash:9\"]')",
            "SELECT supabase_ext.embed_token('[{\"id\": 7}]')",
            "SELECT supabase_ext.embed_token('[]', '4 minutes')",
            "SELECT supabase_ext.embed_token('[]', '0 seconds')",
        ] {
            assert_eq!(sqlstate(bad).as_deref(), Some("22023"), "{bad}");
        }
        // The key is in no table or setting the caller can read.
        assert_eq!(sqlstate("SELECT * FROM supabase_ext.embed_token_config").as_deref(), Some("42501"));
        assert_eq!(
            sqlstate("SELECT supabase_ext.embed_token_configure('x', '1 day')").as_deref(),
            Some("42501")
        );
        reset_role();
        let payload: pgrx::JsonB = Spi::get_one_with_args(
            &format!("SELECT payload FROM supabase_ext.jwt_verify($1, '{KEY}') WHERE valid"),
            &[token.as_str().into()],
        )
        .unwrap()
        .expect("token verifies");
        assert_eq!(payload.0["tenant_id"], TENANT_A);
        assert_eq!(payload.0["resources"], serde_json::json!(["dash:7"]));
        assert_eq!(payload.0["exp"].as_i64().unwrap() - payload.0["iat"].as_i64().unwrap(), 120);
        assert_eq!(
            one::<i64>(&format!(
                "SELECT count(*) FROM supabase_ext.embed_token_audit WHERE tenant_id = '{TENANT_A}'"
            )),
            1
        );
        // Who may not: anon (no EXECUTE), claims without a tenant, without sub,
        // or with a role other than authenticated.
        postgrest_request("anon", r#"{"role": "anon"}"#, "{}", "POST", "/rpc/embed_token");
        assert_eq!(sqlstate("SELECT supabase_ext.embed_token()").as_deref(), Some("42501"), "anon");
        reset_role();
        for claims in [
            r#"{"role": "authenticated", "sub": "11111111-2222-4333-8444-555555555555"}"#.to_string(),
            format!(r#"{{"role": "authenticated", "tenant_id": "{TENANT_A}"}}"#),
            format!(
                r#"{{"role": "service_role", "sub": "11111111-2222-4333-8444-555555555555", "tenant_id": "{TENANT_A}"}}"#
            ),
        ] {
            postgrest_request("authenticated", &claims, "{}", "POST", "/rpc/embed_token");
            assert_eq!(sqlstate("SELECT supabase_ext.embed_token()").as_deref(), Some("42501"), "{claims}");
            reset_role();
        }
    }

    /// A tiny deterministic generator, so a failing sequence can be replayed.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    #[pg_test]
    fn tenant_isolation_under_randomized_postgrest_requests() {
        supabase_roles();
        Spi::run(&format!(
            "CREATE TABLE public.docs(id bigserial PRIMARY KEY, tenant_id uuid NOT NULL, body text);
             CREATE INDEX ON public.docs (tenant_id);
             GRANT SELECT, INSERT, UPDATE, DELETE ON public.docs TO anon, authenticated, service_role;
             GRANT USAGE ON SEQUENCE public.docs_id_seq TO authenticated, service_role;
             INSERT INTO public.docs(tenant_id, body)
               SELECT t::uuid, 'seed' FROM unnest(ARRAY['{TENANT_A}', '{TENANT_B}', 'cccccccc-0000-4000-8000-000000000003']) t,
                    generate_series(1, 5);
             SELECT supabase_ext.enable_tenant_rls('public.docs')"
        ))
        .unwrap();
        let tenants = [TENANT_A, TENANT_B];
        let mut model = [5i64, 5i64];
        let mut rng = Lcg(0x5eed);
        for step in 0..240 {
            let me = rng.next(2) as usize;
            let other = tenants[1 - me];
            postgrest_request("authenticated", &claims_for(tenants[me]), "{}", "POST", "/docs");
            match rng.next(4) {
                0 => {
                    let (mine, foreign): (Option<i64>, Option<i64>) = Spi::get_two_with_args(
                        "SELECT count(*) FILTER (WHERE tenant_id = $1::uuid), count(*) FILTER (WHERE tenant_id <> $1::uuid)
                           FROM public.docs",
                        &[tenants[me].into()],
                    )
                    .unwrap();
                    assert_eq!((mine, foreign), (Some(model[me]), Some(0)), "step {step}: select");
                }
                1 => {
                    Spi::run_with_args(
                        "INSERT INTO public.docs(tenant_id, body) VALUES ($1::uuid, 'new')",
                        &[tenants[me].into()],
                    )
                    .unwrap();
                    model[me] += 1;
                    let state = sqlstate(&format!(
                        "INSERT INTO public.docs(tenant_id, body) VALUES ('{other}', 'x')"
                    ));
                    assert_eq!(state.as_deref(), Some("42501"), "step {step}: cross-tenant insert");
                }
                2 => {
                    let n: i64 = Spi::get_one_with_args(
                        "WITH u AS (UPDATE public.docs SET body = 'hijack' WHERE tenant_id = $1::uuid RETURNING 1)
                         SELECT count(*) FROM u",
                        &[other.into()],
                    )
                    .unwrap()
                    .unwrap();
                    assert_eq!(n, 0, "step {step}: cross-tenant update");
                    let state = sqlstate(&format!(
                        "UPDATE public.docs SET tenant_id = '{other}' WHERE id = (SELECT min(id) FROM public.docs)"
                    ));
                    if model[me] > 0 {
                        assert_eq!(
                            state.as_deref(),
                            Some("42501"),
                            "step {step}: moving a row to another tenant"
                        );
                    }
                }
                _ => {
                    let n: i64 = Spi::get_one_with_args(
                        "WITH d AS (DELETE FROM public.docs WHERE tenant_id = $1::uuid RETURNING 1) SELECT count(*) FROM d",
                        &[other.into()],
                    )
                    .unwrap()
                    .unwrap();
                    assert_eq!(n, 0, "step {step}: cross-tenant delete");
                    let n: i64 = one(
                        "WITH d AS (DELETE FROM public.docs WHERE id = (SELECT min(id) FROM public.docs) RETURNING 1)
                         SELECT count(*) FROM d",
                    );
                    model[me] -= n;
                }
            }
            reset_role();
        }
        for (i, t) in tenants.iter().enumerate() {
            let n: i64 = one(&format!("SELECT count(*) FROM public.docs WHERE tenant_id = '{t}'"));
            assert_eq!(n, model[i], "final count of tenant {t}");
        }
        assert_eq!(one::<i64>("SELECT count(*) FROM public.docs WHERE body = 'hijack'"), 0);
        postgrest_request("anon", r#"{"role": "anon"}"#, "{}", "GET", "/docs");
        assert_eq!(one::<i64>("SELECT count(*) FROM public.docs"), 0, "anon sees nothing");
        reset_role();
        postgrest_request("service_role", r#"{"role": "service_role"}"#, "{}", "GET", "/docs");
        let all: i64 = one("SELECT count(*) FROM public.docs");
        reset_role();
        assert_eq!(all, model[0] + model[1] + 5, "service_role sees everything");
    }
}
