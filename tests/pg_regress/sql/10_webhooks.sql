-- Webhooks: verification with published vectors, reasons, ingestion, failures.
-- GitHub's documented example.
SELECT supabase_ext.webhook_verify('github', 'It''s a Secret to Everybody', 'Hello, World!',
  '{"X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}') AS github_ok;
-- Standard Webhooks (svix) reference vector, inside and outside the replay window.
SELECT at, v.* FROM (VALUES (1614265330), (1614265330 + 600), (1614265330 - 600)) t(at),
  supabase_ext.webhook_verify_detail('standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{"test": 2432232314}',
    '{"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}', '5 minutes', to_timestamp(t.at)) v;
-- Reasons: missing header, malformed header, wrong secret. Never the expected signature.
SELECT * FROM supabase_ext.webhook_verify_detail('github', 'k', 'body', '{}');
SELECT * FROM supabase_ext.webhook_verify_detail('github', 'k', 'body', '{"x-hub-signature-256": "sha256="}');
SELECT * FROM supabase_ext.webhook_verify_detail('github', ARRAY['old', 'new'], 'body',
  supabase_ext.webhook_sign('github', 'new', 'body'));
-- Stripe: v0 only is never accepted (no downgrade).
SELECT supabase_ext.webhook_verify('stripe', 'whsec_x', 'b', '{"stripe-signature": "t=1,v0=00"}', '5 minutes', to_timestamp(1)) AS v0_only;
-- Outbound signing: the headers a receiver of each scheme expects.
SELECT supabase_ext.webhook_sign('standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{"test": 2432232314}',
  'msg_p5jXN8AQM9LWM0D4loKWxJek', to_timestamp(1614265330));
SELECT supabase_ext.webhook_sign('stripe', 'whsec_demo', '{"id": "evt_1"}', '', to_timestamp(1700000000));
-- Bad input gets a clear error.
SELECT supabase_ext.webhook_verify('paypal', 'k', 'b', '{}');
SELECT supabase_ext.webhook_verify('github', 'k', 'b', '"not an object"');

-- Endpoints and idempotent ingestion.
SELECT supabase_ext.webhook_endpoint_create('github_main', 'github', ARRAY['s3cret']);
SELECT supabase_ext.webhook_endpoint_create('github_main', 'github', ARRAY['s3cret']);
SELECT name, provider, secret_count, enabled FROM supabase_ext.webhook_endpoints_public;
SELECT supabase_ext.webhook_receive('github_main', convert_to('{"action": "opened"}', 'UTF8'),
  supabase_ext.webhook_sign('github', 's3cret', convert_to('{"action": "opened"}', 'UTF8'))
  || '{"X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "X-GitHub-Event": "issues"}') AS event_id;
-- The same delivery again: the same id, no new row.
SELECT supabase_ext.webhook_receive('github_main', convert_to('{"action": "opened"}', 'UTF8'),
  supabase_ext.webhook_sign('github', 's3cret', convert_to('{"action": "opened"}', 'UTF8'))
  || '{"X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "X-GitHub-Event": "issues"}') AS event_id;
SELECT endpoint, provider, delivery_id, dedupe_key, signed_fields, event_type, payload, status, attempts
  FROM supabase_ext.webhook_events;
-- A forged delivery: 28000, nothing stored, counted in shared memory.
SELECT supabase_ext.webhook_receive('github_main', convert_to('{"action": "deleted"}', 'UTF8'),
  supabase_ext.webhook_sign('github', 'guess', convert_to('{"action": "deleted"}', 'UTF8')));
SELECT count(*) AS events FROM supabase_ext.webhook_events;
-- Consume: claim, complete.
SELECT id, status, attempts, locked_until > now() AS leased FROM supabase_ext.webhook_claim('github_main');
SELECT supabase_ext.webhook_complete(1);
SELECT status FROM supabase_ext.webhook_events;
-- Secrets stay out of reach of anon and authenticated.
SET ROLE anon;
SELECT secrets FROM supabase_ext.webhook_endpoints;
SELECT supabase_ext.webhook_endpoint_create('x', 'github', ARRAY['k']);
RESET ROLE;
