//! In-server webhook tests: published vectors through SQL, ingestion,
//! idempotency, failures, grants, and PostgREST's raw-body protocol.
#[pgrx::pg_schema]
mod tests {
    use crate::common::testing::{postgrest_request, reset_role, sqlstate, supabase_roles};
    use pgrx::prelude::*;

    const GITHUB_SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const STRIPE_BODY: &str = r#"{"id":"evt_1NxQ","type":"invoice.paid"}"#;

    fn one<T: pgrx::FromDatum + pgrx::IntoDatum>(sql: &str) -> T {
        Spi::get_one(sql).unwrap().expect("query returned NULL")
    }

    #[pg_test]
    fn github_published_vector() {
        let sql = format!(
        "SELECT supabase_ext.webhook_verify('github', 'It''s a Secret to Everybody', 'Hello, World!'::text,
                '{{\"X-Hub-Signature-256\": \"{GITHUB_SIG}\"}}')"
    );
        assert!(one::<bool>(&sql));
        // Same bytes as bytea, header name in another case.
        let sql = format!(
        "SELECT supabase_ext.webhook_verify('github', 'It''s a Secret to Everybody', convert_to('Hello, World!', 'UTF8'),
                '{{\"x-hub-signature-256\": \"{GITHUB_SIG}\"}}')"
    );
        assert!(one::<bool>(&sql));
        let sql = format!(
        "SELECT supabase_ext.webhook_verify('github', 'It''s a Secret to Everybody', 'Hello, World?'::text,
                '{{\"X-Hub-Signature-256\": \"{GITHUB_SIG}\"}}')"
    );
        assert!(!one::<bool>(&sql), "tampered body must fail");
    }

    #[pg_test]
    fn standard_webhooks_published_vector_and_window() {
        let q = |at: &str| {
            format!(
            "SELECT valid::text || ':' || coalesce(reason, '') FROM supabase_ext.webhook_verify_detail('svix',
               'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{{\"test\": 2432232314}}'::text,
               '{{\"webhook-id\": \"msg_p5jXN8AQM9LWM0D4loKWxJek\", \"webhook-timestamp\": \"1614265330\",
                  \"webhook-signature\": \"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\"}}',
               '5 minutes', {at})"
        )
        };
        assert_eq!(one::<String>(&q("to_timestamp(1614265330)")), "true:");
        assert!(one::<String>(&q("to_timestamp(1614265330 + 301)")).starts_with("false:timestamp_too_old"));
        assert!(one::<String>(&q("to_timestamp(1614265330 - 301)")).starts_with("false:timestamp_in_future"));
    }

    #[pg_test]
    fn slack_documented_example() {
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let sql = format!(
        "SELECT supabase_ext.webhook_verify('slack', '8f742231b10e8888abcd99yyyzzz85a5', '{body}'::text,
           '{{\"X-Slack-Request-Timestamp\": \"1531420618\",
              \"X-Slack-Signature\": \"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503\"}}',
           '5 minutes', to_timestamp(1531420618))"
    );
        assert!(one::<bool>(&sql));
    }

    #[pg_test]
    fn stripe_and_shopify_python_vectors() {
        // python3: hmac.new(b'whsec_pgtest', b'1700000000.' + body, sha256).hexdigest()
        let stripe = format!(
        "SELECT * FROM supabase_ext.webhook_verify_detail('stripe', ARRAY['whsec_old', 'whsec_pgtest'], '{STRIPE_BODY}'::text,
           '{{\"stripe-signature\": \"t=1700000000,v1=00ff,v1=e04f8e3b598011325ff27c17c2c9ef7406aace5d345504249ad6834144734c05\"}}',
           '5 minutes', to_timestamp(1700000000))"
    );
        let (valid, matched): (Option<bool>, Option<i32>) =
            Spi::get_two(&stripe.replace("SELECT *", "SELECT valid, matched_secret")).unwrap();
        assert_eq!((valid, matched), (Some(true), Some(2)), "rotation: the second secret verifies");
        // v0 only: no downgrade.
        let v0 = format!(
        "SELECT supabase_ext.webhook_verify('stripe', 'whsec_pgtest', '{STRIPE_BODY}'::text,
           '{{\"Stripe-Signature\": \"t=1700000000,v0=e04f8e3b598011325ff27c17c2c9ef7406aace5d345504249ad6834144734c05\"}}',
           '5 minutes', to_timestamp(1700000000))"
    );
        assert!(!one::<bool>(&v0));
        // python3: base64.b64encode(hmac.new(b'shpss_pgtest', body, sha256).digest())
        let shopify = format!(
            "SELECT supabase_ext.webhook_verify('shopify', 'shpss_pgtest', '{STRIPE_BODY}'::text,
           '{{\"X-Shopify-Hmac-Sha256\": \"eljMhl5jV91+c+6h7m98UyallqVnoWKJL95DVpYPvWM=\"}}')"
        );
        assert!(one::<bool>(&shopify));
    }

    #[pg_test]
    fn generic_hmac_odoo_bridge() {
        let opts = r#"{"signature_header": "x-ipai-signature", "timestamp_header": "x-ipai-timestamp"}"#;
        let sql = format!(
        "WITH h AS (SELECT supabase_ext.webhook_sign('hmac', 'odoo-secret', '{{\"order\": 7}}', 'id-1', now(), '{opts}') AS h)
         SELECT supabase_ext.webhook_verify('hmac', 'odoo-secret', '{{\"order\": 7}}'::text, h, '5 minutes', now(), '{opts}')
              ::text || ',' ||
                supabase_ext.webhook_verify('hmac', 'odoo-secret', '{{\"order\": 7}}'::text, h, '5 minutes',
                now() + interval '6 minutes', '{opts}')::text FROM h"
    );
        assert_eq!(one::<String>(&sql), "true,false");
    }

    #[pg_test]
    fn detail_reasons_never_leak_the_expected_signature() {
        let reason = one::<String>(
            "SELECT reason FROM supabase_ext.webhook_verify_detail('github', 'k', 'body'::text, '{}')",
        );
        assert!(reason.starts_with("missing_header"), "{reason}");
        let reason = one::<String>(
            "SELECT reason FROM supabase_ext.webhook_verify_detail('github', 'k', 'body'::text,
           '{\"x-hub-signature-256\": \"sha256=zz\"}')",
        );
        assert!(reason.starts_with("malformed_header"), "{reason}");
        let expected: String =
            one("SELECT supabase_ext.webhook_sign('github', 'k', 'body')->>'x-hub-signature-256'");
        let reason = one::<String>(
            "SELECT reason FROM supabase_ext.webhook_verify_detail('github', 'k', 'body'::text,
           '{\"x-hub-signature-256\": \"sha256=\"}')",
        );
        assert!(!reason.contains(&expected[7..]), "reason must not contain the expected signature");
    }

    #[pg_test]
    fn bad_input_gets_sqlstates() {
        supabase_roles();
        assert_eq!(
            sqlstate("SELECT supabase_ext.webhook_verify('nope', 'k', 'b'::text, '{}')").as_deref(),
            Some("22023")
        );
        assert_eq!(
            sqlstate("SELECT supabase_ext.webhook_verify('github', 'k', 'b'::text, '[1]')").as_deref(),
            Some("22023")
        );
        assert_eq!(
            sqlstate("SELECT supabase_ext.webhook_verify('github', 'k', 'b'::text, '{}', '-1 minute')")
                .as_deref(),
            Some("22023")
        );
        assert_eq!(
            sqlstate("SELECT supabase_ext.webhook_endpoint_create('Bad Name!', 'github', '{k}')").as_deref(),
            Some("22023")
        );
        assert_eq!(
            sqlstate("SELECT supabase_ext.webhook_endpoint_create('std', 'standard', '{whsec_%%%}')")
                .as_deref(),
            Some("22023"),
            "a Standard Webhooks secret must be base64"
        );
    }

    fn github_delivery(endpoint: &str, secret: &str, body: &str, delivery: &str) -> Option<i64> {
        Spi::get_one_with_args(
        "SELECT supabase_ext.webhook_receive($1, convert_to($3, 'UTF8'),
            supabase_ext.webhook_sign('github', $2, convert_to($3, 'UTF8'))
            || jsonb_build_object('X-GitHub-Delivery', $4, 'X-GitHub-Event', 'push', 'Authorization', 'Bearer eyJsecret'))",
        &[endpoint.into(), secret.into(), body.into(), delivery.into()],
    )
    .unwrap()
    }

    #[pg_test]
    fn receive_is_idempotent_and_stores_the_event() {
        supabase_roles();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('gh', 'github', ARRAY['s1'])").unwrap();
        let a = github_delivery("gh", "s1", r#"{"zen": "ok"}"#, "d-1").unwrap();
        let b = github_delivery("gh", "s1", r#"{"zen": "ok"}"#, "d-1").unwrap();
        assert_eq!(a, b, "a redelivery returns the existing id");
        assert_eq!(one::<i64>("SELECT count(*) FROM supabase_ext.webhook_events"), 1);
        let row: String = one(
        "SELECT concat_ws('|', endpoint, provider, delivery_id, event_type, payload->>'zen', status, attempts,
                          headers ? 'Authorization', convert_from(body, 'UTF8'))
           FROM supabase_ext.webhook_events",
    );
        assert_eq!(row, r#"gh|github|d-1|push|ok|pending|0|f|{"zen": "ok"}"#);
        // Non-JSON and \u0000 bodies keep raw bytes and a NULL payload.
        github_delivery("gh", "s1", "not json", "d-2").unwrap();
        github_delivery("gh", "s1", r#"{"a": "\u0000"}"#, "d-3").unwrap();
        assert_eq!(one::<i64>("SELECT count(*) FROM supabase_ext.webhook_events WHERE payload IS NULL"), 2);
    }

    #[pg_test]
    fn delivery_id_fallbacks() {
        supabase_roles();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('st', 'stripe', ARRAY['whsec_pgtest'])")
            .unwrap();
        let sql = format!(
            "SELECT supabase_ext.webhook_receive('st', convert_to('{STRIPE_BODY}', 'UTF8'),
            supabase_ext.webhook_sign('stripe', 'whsec_pgtest', convert_to('{STRIPE_BODY}', 'UTF8')))"
        );
        Spi::run(&sql).unwrap();
        assert_eq!(
            one::<String>("SELECT delivery_id || '/' || event_type FROM supabase_ext.webhook_events"),
            "evt_1NxQ/invoice.paid"
        );
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('sh', 'shopify', ARRAY['k'])").unwrap();
        Spi::run(
            "SELECT supabase_ext.webhook_receive('sh', 'x', supabase_ext.webhook_sign('shopify', 'k', 'x'))",
        )
        .unwrap();
        let id: String = one("SELECT delivery_id FROM supabase_ext.webhook_events WHERE endpoint = 'sh'");
        assert!(id.starts_with("sha256:"), "no provider id: hash of the body, got {id}");
    }

    #[pg_test]
    fn failed_verification_stores_nothing_and_is_counted() {
        supabase_roles();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('gh2', 'github', ARRAY['right'])").unwrap();
        let before: i64 = one("SELECT coalesce(sum(rejected), 0)::bigint FROM supabase_ext.webhook_counters WHERE endpoint = 'gh2'");
        let state = sqlstate(
        "SELECT supabase_ext.webhook_receive('gh2', 'payload', supabase_ext.webhook_sign('github', 'wrong', 'payload'))",
    );
        assert_eq!(state.as_deref(), Some("28000"));
        assert_eq!(one::<i64>("SELECT count(*) FROM supabase_ext.webhook_events WHERE endpoint = 'gh2'"), 0);
        let after: i64 = one("SELECT coalesce(sum(rejected), 0)::bigint FROM supabase_ext.webhook_counters WHERE endpoint = 'gh2'");
        assert_eq!(after, before + 1, "the rejection survives the rollback in shared memory");
        let reason: String =
            one("SELECT last_rejection FROM supabase_ext.webhook_counters WHERE endpoint = 'gh2'");
        assert_eq!(reason, "no_matching_signature");
        // Unknown and disabled endpoints.
        assert_eq!(
            sqlstate("SELECT supabase_ext.webhook_receive('nope', 'x', '{}')").as_deref(),
            Some("42704")
        );
        Spi::run("SELECT supabase_ext.webhook_endpoint_set_enabled('gh2', false)").unwrap();
        assert_eq!(
        sqlstate("SELECT supabase_ext.webhook_receive('gh2', 'x', supabase_ext.webhook_sign('github', 'right', 'x'))")
            .as_deref(),
        Some("55000")
    );
    }

    #[pg_test]
    fn ten_megabyte_body() {
        supabase_roles();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('big', 'github', ARRAY['k'])").unwrap();
        let ok: bool = one(
        "WITH b AS (SELECT convert_to(repeat('{\"x\": 1}', 1310720), 'UTF8') AS body)
         SELECT supabase_ext.webhook_receive('big', body, supabase_ext.webhook_sign('github', 'k', body)) > 0 FROM b",
    );
        assert!(ok);
        assert_eq!(
            one::<i32>("SELECT octet_length(body) FROM supabase_ext.webhook_events WHERE endpoint = 'big'"),
            10_485_760
        );
    }

    #[pg_test]
    fn secret_rotation() {
        supabase_roles();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('rot', 'github', ARRAY['old'])").unwrap();
        assert_eq!(one::<i32>("SELECT supabase_ext.webhook_endpoint_rotate_secret('rot', 'new')"), 2);
        github_delivery("rot", "old", "a", "r1").expect("old secret still verifies during rollover");
        github_delivery("rot", "new", "b", "r2").expect("new secret verifies");
        assert_eq!(
            one::<i32>("SELECT supabase_ext.webhook_endpoint_rotate_secret('rot', 'newer', false)"),
            1
        );
        assert_eq!(
        sqlstate("SELECT supabase_ext.webhook_receive('rot', 'c', supabase_ext.webhook_sign('github', 'old', 'c'))")
            .as_deref(),
        Some("28000")
    );
    }

    #[pg_test]
    fn vault_references_need_supabase_vault() {
        supabase_roles();
        // A `vault` schema that any role with CREATE on the database could
        // plant: it is not supabase_vault's, so it is never read.
        Spi::run(
            "CREATE SCHEMA vault;
         CREATE TABLE vault.secrets_store(name text, decrypted_secret text);
         CREATE VIEW vault.decrypted_secrets AS SELECT name, decrypted_secret FROM vault.secrets_store;
         INSERT INTO vault.secrets_store VALUES ('gh_secret', 'from-vault')",
        )
        .unwrap();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('vlt', 'github', ARRAY['vault:gh_secret'])")
            .unwrap();
        let delivery = "SELECT supabase_ext.webhook_receive('vlt', 'x',
            supabase_ext.webhook_sign('github', 'from-vault', 'x'))";
        assert_eq!(sqlstate(delivery).as_deref(), Some("55000"));
        assert_eq!(one::<i64>("SELECT count(*) FROM supabase_ext.webhook_events WHERE endpoint = 'vlt'"), 0);
    }

    #[pg_test]
    fn signed_fields_and_dedupe_keys_are_stored() {
        supabase_roles();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('dk', 'github', ARRAY['s1'])").unwrap();
        let a = github_delivery("dk", "s1", r#"{"k": 1}"#, "id-a").unwrap();
        let b = github_delivery("dk", "s1", r#"{"k": 1}"#, "id-b").unwrap();
        assert_eq!(a, b, "GitHub's delivery id is unsigned: a replay under a fresh id is the same event");
        let row: String = one(
            "SELECT delivery_id || '|' || array_to_string(signed_fields, ',') || '|' || (dedupe_key LIKE 'sha256:%')
               FROM supabase_ext.webhook_events WHERE endpoint = 'dk'",
        );
        assert_eq!(row, "id-a|body|true");
    }

    #[pg_test]
    fn grants_keep_secrets_from_anon_and_authenticated() {
        supabase_roles();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('g', 'github', ARRAY['topsecret'])").unwrap();
        for role in ["anon", "authenticated"] {
            let r = pgrx::spi::quote_literal(role);
            let can: bool = one(&format!(
            "SELECT has_table_privilege({r}, 'supabase_ext.webhook_endpoints', 'SELECT')
                 OR has_column_privilege({r}, 'supabase_ext.webhook_endpoints', 'secrets', 'SELECT')
                 OR has_table_privilege({r}, 'supabase_ext.webhook_events', 'SELECT')
                 OR has_table_privilege({r}, 'supabase_ext.webhook_endpoints_public', 'SELECT')
                 OR has_function_privilege({r}, 'supabase_ext.webhook_endpoint_create(text,text,text[],jsonb,interval)', 'EXECUTE')
                 OR has_function_privilege({r}, 'supabase_ext.webhook_endpoint_rotate_secret(text,text,boolean)', 'EXECUTE')
                 OR has_function_privilege({r}, 'supabase_ext.webhook_receive(text,bytea,jsonb)', 'EXECUTE')"
        ));
            assert!(!can, "{role} must not reach endpoints, secrets or events");
            Spi::run(&format!("SET LOCAL ROLE {role}")).unwrap();
            assert_eq!(
                sqlstate("SELECT secrets FROM supabase_ext.webhook_endpoints").as_deref(),
                Some("42501")
            );
            assert_eq!(
                sqlstate("SELECT supabase_ext.webhook_endpoint_create('x', 'github', ARRAY['k'])").as_deref(),
                Some("42501")
            );
            // No function hands a secret back: everything anon can run that
            // mentions secrets returns only verification results.
            let leaked: i64 =
                one("SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'supabase_ext'::regnamespace
               AND has_function_privilege(p.oid, 'EXECUTE')
               AND pg_get_function_result(p.oid) ~* '\\msecrets?\\M'");
            assert_eq!(leaked, 0);
            reset_role();
        }
        // service_role administers endpoints but cannot read secrets either.
        assert!(one::<bool>(
        "SELECT has_function_privilege('service_role', 'supabase_ext.webhook_endpoint_create(text,text,text[],jsonb,interval)', 'EXECUTE')
            AND NOT has_column_privilege('service_role', 'supabase_ext.webhook_endpoints', 'secrets', 'SELECT')"
    ));
    }

    #[pg_test]
    fn postgrest_raw_body_protocol() {
        supabase_roles();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('shop', 'github', ARRAY['k'])").unwrap();
        let made: Vec<Option<String>> = one("SELECT supabase_ext.webhook_endpoint_expose('shop', 'public',
            '{application/json,text/plain,application/octet-stream}')");
        assert_eq!(made.len(), 3);
        // Keys out of order and odd whitespace: jsonb would normalise both and
        // break the signature; json keeps the exact bytes.
        let body = "{\"z\":1,  \"a\" : [1,2]}\n";
        let sig: String = Spi::get_one_with_args(
            "SELECT supabase_ext.webhook_sign('github', 'k', convert_to($1, 'UTF8'))->>'x-hub-signature-256'",
            &[body.into()],
        )
        .unwrap()
        .unwrap();
        let cases = [("json", "d-json"), ("text", "d-text"), ("bytea", "d-bytes")];
        for (ty, delivery) in cases {
            let headers = serde_json::json!({
            "content-type": "application/json", "x-github-delivery": delivery,
            "x-hub-signature-256": sig, "authorization": "Bearer anon-key", "user-agent": "GitHub-Hookshot/1"
        })
        .to_string();
            postgrest_request("anon", r#"{"role": "anon"}"#, &headers, "POST", "/rpc/webhook_shop");
            // The call shape PostgREST generates for a single unnamed parameter.
            let arg = match ty {
                "bytea" => "convert_to($1, 'UTF8')".to_string(),
                other => format!("$1::{other}"),
            };
            let res: pgrx::JsonB =
                Spi::get_one_with_args(&format!("SELECT public.webhook_shop({arg})"), &[body.into()])
                    .unwrap()
                    .unwrap();
            assert_eq!(res.0["received"], serde_json::json!(true), "{ty}");
            reset_role();
        }
        // GitHub doesn't sign its delivery id: the same signed body under three
        // ids is one event (0.2.0 deduplicates on the signed content).
        assert_eq!(one::<i64>("SELECT count(*) FROM supabase_ext.webhook_events WHERE endpoint = 'shop'"), 1);
        // Tampered body through PostgREST: 28000 (PostgREST answers 403).
        let headers =
            serde_json::json!({"x-hub-signature-256": sig, "x-github-delivery": "d-bad"}).to_string();
        postgrest_request("anon", r#"{"role": "anon"}"#, &headers, "POST", "/rpc/webhook_shop");
        assert_eq!(sqlstate("SELECT public.webhook_shop('{\"z\":2}'::json)").as_deref(), Some("28000"));
        reset_role();
    }

    #[pg_test]
    fn consumer_lifecycle_and_retention() {
        supabase_roles();
        Spi::run("SELECT supabase_ext.webhook_endpoint_create('life', 'github', ARRAY['k'])").unwrap();
        let id = github_delivery("life", "k", "{}", "l1").unwrap();
        let claimed: i64 = one("SELECT id FROM supabase_ext.webhook_claim('life', 5)");
        assert_eq!(claimed, id);
        assert_eq!(
            one::<String>(&format!(
                "SELECT status || attempts FROM supabase_ext.webhook_events WHERE id = {id}"
            )),
            "processing1"
        );
        assert_eq!(one::<String>(&format!("SELECT supabase_ext.webhook_fail({id}, 'boom', 5)")), "pending");
        Spi::run("SELECT id FROM supabase_ext.webhook_claim('life')").unwrap();
        assert!(one::<bool>(&format!("SELECT supabase_ext.webhook_complete({id})")));
        Spi::run(&format!(
            "UPDATE supabase_ext.webhook_events SET processed_at = now() - interval '8 days' WHERE id = {id}"
        ))
        .unwrap();
        assert_eq!(one::<i64>("SELECT supabase_ext.run_maintenance()"), 1);
        assert_eq!(one::<i64>("SELECT count(*) FROM supabase_ext.webhook_events WHERE endpoint = 'life'"), 0);
    }
}
