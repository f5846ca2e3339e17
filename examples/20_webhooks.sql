-- Chapter 2: webhooks. Verify any major provider's signature in SQL, store
-- deliveries once, and expose a raw-body URL through PostgREST.

-- GitHub's documented example verifies; one changed byte does not.
SELECT supabase_ext.webhook_verify('github', 'It''s a Secret to Everybody', 'Hello, World!',
  '{"X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}') AS genuine,
       supabase_ext.webhook_verify('github', 'It''s a Secret to Everybody', 'Hello, World?',
  '{"X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}') AS tampered;

-- Why a delivery failed, without ever revealing the expected signature.
SELECT * FROM supabase_ext.webhook_verify_detail('stripe', 'whsec_demo', '{"id": "evt_1"}',
  '{"Stripe-Signature": "t=1,v1=deadbeef"}');

-- An endpoint with two secrets (rotation in progress), and its PostgREST URL.
SELECT supabase_ext.webhook_endpoint_drop('stripe_demo');
SELECT supabase_ext.webhook_endpoint_create('stripe_demo', 'stripe', ARRAY['whsec_new', 'whsec_old']);
SELECT supabase_ext.webhook_endpoint_expose('stripe_demo');   -- POST /rest/v1/rpc/webhook_stripe_demo

-- Replay what PostgREST does when Stripe POSTs an event (signed here with the old secret).
BEGIN;
SET LOCAL ROLE anon;
SELECT set_config('request.path', '/rpc/webhook_stripe_demo', true),
       set_config('request.method', 'POST', true),
       set_config('request.headers', json_build_object(
         'content-type', 'application/json',
         'stripe-signature', supabase_ext.webhook_sign('stripe', 'whsec_old',
             convert_to('{"id": "evt_demo_1", "type": "invoice.paid"}', 'UTF8')) ->> 'stripe-signature')::text, true)
       IS NOT NULL AS request_set;
SELECT public.webhook_stripe_demo('{"id": "evt_demo_1", "type": "invoice.paid"}'::json);
-- Stripe retries: the same event id is stored once.
SELECT public.webhook_stripe_demo('{"id": "evt_demo_1", "type": "invoice.paid"}'::json);
COMMIT;

SELECT id, endpoint, delivery_id, event_type, status, payload FROM supabase_ext.webhook_events
 WHERE endpoint = 'stripe_demo';

-- A forgery is refused with SQLSTATE 28000 (PostgREST answers 403) and stores nothing;
-- the rejection is still counted, in shared memory.
\set ON_ERROR_STOP off
SELECT supabase_ext.webhook_receive('stripe_demo', 'forged', '{"Stripe-Signature": "t=1,v1=00"}');
\set ON_ERROR_STOP on
SELECT endpoint, accepted, duplicates, rejected, last_rejection FROM supabase_ext.webhook_counters;

-- A consumer claims work, then completes it. Listeners on channel
-- supabase_ext_webhooks were woken when the event arrived.
SELECT id, status, attempts FROM supabase_ext.webhook_claim('stripe_demo');
SELECT supabase_ext.webhook_complete(id) FROM supabase_ext.webhook_events WHERE endpoint = 'stripe_demo';

-- Outbound webhooks are signed too: headers for a Standard Webhooks receiver.
SELECT supabase_ext.webhook_sign('standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{"hello": "world"}', 'msg_demo');
