//! Delivery id, dedupe key, event type and signature coverage of a delivery.
//!
//! Providers retry, so ingestion deduplicates. What it deduplicates on must be
//! covered by the signature, or whoever holds one captured delivery can store
//! it again under fresh ids, and squat ids the provider has not sent yet so
//! the real deliveries are dropped as duplicates:
//!
//! - where the provider's id is signed (Standard `webhook-id`, Stripe's body
//!   `id`, Slack's body `event_id`, `hmac` with `{id}` in its template), the
//!   [`dedupe_key`] is that id;
//! - otherwise (GitHub `X-GitHub-Delivery`, Shopify `X-Shopify-Webhook-Id`,
//!   `hmac` with an unsigned `id_header`) it is `sha256:<hex>` of the signed
//!   body: a replay under a fresh id is a duplicate, and an id squatted with
//!   other content blocks nothing. The price: two byte-identical bodies on one
//!   endpoint are one event.
//!
//! [`delivery_id`] stays the provider's own id, for correlation with the
//! provider's dashboard; [`coverage`] says whether it can be trusted.

use super::providers::Provider;
use super::Headers;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Ids and event types longer than this (or with control characters) are
/// ignored in favour of the fallback: they become primary-key values and log
/// lines, and no provider uses anything close.
const MAX_LEN: usize = 256;

/// Which parts of a delivery a provider's signature covers, and so which
/// stored fields an attacker holding one captured delivery cannot change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// The provider's delivery id (header or body field).
    pub id: bool,
    /// The event type, when one is found.
    pub event_type: bool,
    /// A timestamp, so the replay window applies.
    pub timestamp: bool,
    /// The body; true for every scheme.
    pub body: bool,
}

impl Coverage {
    /// Names of the covered fields, in the order stored in
    /// `webhook_events.signed_fields`: `id`, `event_type`, `timestamp`, `body`.
    pub fn names(&self) -> Vec<&'static str> {
        [(self.id, "id"), (self.event_type, "event_type"), (self.timestamp, "timestamp"), (self.body, "body")]
            .into_iter()
            .filter_map(|(on, n)| on.then_some(n))
            .collect()
    }
}

/// What `provider`'s signature covers. GitHub and Shopify sign the body only:
/// their delivery id and event type (`X-GitHub-Event`, `X-Shopify-Topic`)
/// are plain headers. Stripe, Standard and Slack take the event type from the
/// signed body; `hmac` does too, and signs its id only with `{id}` in the
/// template.
pub fn coverage(provider: &Provider) -> Coverage {
    let (id, event_type) = match provider {
        Provider::Github | Provider::Shopify => (false, false),
        Provider::Stripe | Provider::Standard | Provider::Slack => (true, true),
        Provider::Hmac(o) => (o.id_header().is_some() && o.uses_id(), true),
    };
    Coverage { id, event_type, timestamp: provider.uses_timestamp(), body: true }
}

/// The unique key of a delivery on its endpoint: the provider's id where the
/// signature covers it, else the hash of the signed body (see the module
/// comment). A signed-id scheme whose body carries no id (a Stripe body
/// without `evt_…`) also falls back to the hash.
pub fn dedupe_key(provider: &Provider, headers: &Headers, body: &[u8]) -> String {
    if coverage(provider).id {
        if let Some(id) = provider_id(provider, headers, body) {
            return id;
        }
    }
    body_hash(body)
}

fn body_hash(body: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(body)))
}

/// The provider's delivery id, as stored in `delivery_id` (unverified where
/// [`coverage`] says so): GitHub `X-GitHub-Delivery`; Standard `webhook-id` (or
/// `svix-id`); Shopify `X-Shopify-Webhook-Id`; Stripe: the body's top-level
/// `id` when it starts with `evt_`; Slack: the body's `event_id`; Hmac: the
/// `id_header` option if set. Fallback for all: `"sha256:" + hex(sha256(body))`.
pub fn delivery_id(provider: &Provider, headers: &Headers, body: &[u8]) -> String {
    provider_id(provider, headers, body).unwrap_or_else(|| body_hash(body))
}

/// The provider's own id, signed or not.
fn provider_id(provider: &Provider, headers: &Headers, body: &[u8]) -> Option<String> {
    let from_header = |names: &[&str]| names.iter().find_map(|n| headers.get(n).and_then(usable));
    match provider {
        Provider::Github => from_header(&["x-github-delivery"]),
        Provider::Standard => from_header(&["webhook-id", "svix-id"]),
        Provider::Shopify => from_header(&["x-shopify-webhook-id"]),
        Provider::Stripe => envelope(body).and_then(|e| str_of(e.id)).filter(|id| id.starts_with("evt_")),
        Provider::Slack => envelope(body).and_then(|e| str_of(e.event_id)),
        Provider::Hmac(o) => o.id_header().and_then(|n| from_header(&[n])),
    }
}

/// Event type: GitHub `X-GitHub-Event`; Stripe and Standard body `type`;
/// Shopify `X-Shopify-Topic`; Slack `event.type` for `event_callback`
/// envelopes (the useful routing key, e.g. `app_mention`), otherwise the
/// top-level `type` (`url_verification`, `block_actions`, ...); Hmac body
/// `type`, else `event`. `None` when unknown (including form-encoded Slack
/// slash commands, which carry no type).
pub fn event_type(provider: &Provider, headers: &Headers, body: &[u8]) -> Option<String> {
    match provider {
        Provider::Github => headers.get("x-github-event").and_then(usable),
        Provider::Shopify => headers.get("x-shopify-topic").and_then(usable),
        Provider::Stripe | Provider::Standard => envelope(body).and_then(|e| str_of(e.kind)),
        Provider::Slack => {
            let e = envelope(body)?;
            let top = str_of(e.kind);
            if top.as_deref() == Some("event_callback") {
                let inner = e.event.as_ref().and_then(|ev| ev.get("type")).cloned();
                if let Some(t) = str_of(inner) {
                    return Some(t);
                }
            }
            top
        }
        Provider::Hmac(_) => {
            let e = envelope(body)?;
            str_of(e.kind).or_else(|| str_of(e.event))
        }
    }
}

/// The few top-level fields we read. Deserializing into this (rather than a
/// full `Value`) keeps a 10 MB body from being materialised as a tree; a
/// duplicated field is an error, so an ambiguous body yields no id rather than
/// whichever copy a parser happens to prefer.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default, rename = "type")]
    kind: Option<Value>,
    #[serde(default)]
    event_id: Option<Value>,
    #[serde(default)]
    event: Option<Value>,
}

fn envelope(body: &[u8]) -> Option<Envelope> {
    // Cheap pre-check: only JSON objects can carry these fields.
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    serde_json::from_slice(body).ok()
}

fn str_of(v: Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => usable(&s),
        _ => None,
    }
}

fn usable(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= MAX_LEN && !s.chars().any(char::is_control)).then(|| s.to_string())
}

#[cfg(test)]
mod unit {
    use super::*;
    use serde_json::json;

    fn p(name: &str) -> Provider {
        Provider::parse(name, &json!({})).unwrap()
    }

    fn fallback(body: &[u8]) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(body)))
    }

    #[test]
    fn ids_from_headers() {
        let h = Headers::from_pairs([
            ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            ("svix-id", "msg_svix"),
            ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
            ("X-Custom-Id", "c-1"),
        ]);
        assert_eq!(delivery_id(&p("github"), &h, b"{}"), "72d3162e-cc78-11e3-81ab-4c9367dc0958");
        assert_eq!(delivery_id(&p("standard"), &h, b"{}"), "msg_svix");
        let both = Headers::from_pairs([("webhook-id", "msg_std"), ("svix-id", "msg_svix")]);
        assert_eq!(delivery_id(&p("svix"), &both, b"{}"), "msg_std");
        assert_eq!(delivery_id(&p("shopify"), &h, b"{}"), "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
        let hm = Provider::parse("hmac", &json!({"id_header": "x-custom-id"})).unwrap();
        assert_eq!(delivery_id(&hm, &h, b"{}"), "c-1");
        // hmac without id_header, and unusable header values, fall back.
        assert_eq!(delivery_id(&p("hmac"), &h, b"{}"), fallback(b"{}"));
        let bad = Headers::from_pairs([("x-github-delivery", "a\u{7}b")]);
        assert_eq!(delivery_id(&p("github"), &bad, b"x"), fallback(b"x"));
        let long = Headers::from_pairs([("x-github-delivery", "a".repeat(MAX_LEN + 1))]);
        assert_eq!(delivery_id(&p("github"), &long, b"x"), fallback(b"x"));
    }

    #[test]
    fn ids_from_bodies() {
        let none = Headers::default();
        let stripe = br#"{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"invoice.paid"}"#;
        assert_eq!(delivery_id(&p("stripe"), &none, stripe), "evt_1NG8Du2eZvKYlo2CUI79vXWy");
        assert_eq!(delivery_id(&p("stripe"), &none, br#"{"id":"cus_1"}"#), fallback(br#"{"id":"cus_1"}"#));
        assert_eq!(delivery_id(&p("stripe"), &none, br#"{"id":7}"#), fallback(br#"{"id":7}"#));
        let dup = br#"{"id":"evt_a","id":"evt_b"}"#;
        assert_eq!(delivery_id(&p("stripe"), &none, dup), fallback(dup));
        let slack = br#"{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention"}}"#;
        assert_eq!(delivery_id(&p("slack"), &none, slack), "Ev08MFMKH6");
        assert_eq!(delivery_id(&p("slack"), &none, b"token=x&team_id=T1"), fallback(b"token=x&team_id=T1"));
        assert_eq!(
            delivery_id(&p("github"), &none, b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(delivery_id(&p("stripe"), &none, b"\xff\xfe{"), fallback(b"\xff\xfe{"));
    }

    #[test]
    fn coverage_per_provider() {
        let names = |pr: &Provider| coverage(pr).names();
        assert_eq!(names(&p("github")), ["body"]);
        assert_eq!(names(&p("shopify")), ["body"]);
        assert_eq!(names(&p("stripe")), ["id", "event_type", "timestamp", "body"]);
        assert_eq!(names(&p("svix")), ["id", "event_type", "timestamp", "body"]);
        assert_eq!(names(&p("slack")), ["id", "event_type", "timestamp", "body"]);
        assert_eq!(names(&p("hmac")), ["event_type", "body"]);
        let unsigned_id = Provider::parse("hmac", &json!({"id_header": "x-id"})).unwrap();
        assert_eq!(names(&unsigned_id), ["event_type", "body"]);
        let signed_id = Provider::parse(
            "hmac",
            &json!({"id_header": "x-id", "timestamp_header": "x-ts", "payload": "{id}.{timestamp}.{body}"}),
        )
        .unwrap();
        assert_eq!(names(&signed_id), ["id", "event_type", "timestamp", "body"]);
    }

    #[test]
    fn dedupe_keys_never_trust_unsigned_ids() {
        let body = br#"{"action":"opened"}"#;
        // GitHub, Shopify, hmac with an unsigned id header: a captured body
        // replayed under fresh ids is one key; a squatted id with other
        // content gets its own key and cannot block the real delivery.
        let unsigned = [
            (p("github"), "x-github-delivery"),
            (p("shopify"), "x-shopify-webhook-id"),
            (Provider::parse("hmac", &json!({"id_header": "x-id"})).unwrap(), "x-id"),
        ];
        for (pr, header) in &unsigned {
            let first = Headers::from_pairs([(*header, "id-1")]);
            let replay = Headers::from_pairs([(*header, "id-2")]);
            assert_eq!(dedupe_key(pr, &first, body), fallback(body), "{}", pr.name());
            assert_eq!(dedupe_key(pr, &replay, body), dedupe_key(pr, &first, body));
            assert_ne!(dedupe_key(pr, &first, b"other"), dedupe_key(pr, &first, body));
            assert_eq!(delivery_id(pr, &replay, body), "id-2", "delivery_id stays the provider's id");
        }
        // Signed ids are the key: the same body under two ids is two events.
        let std1 = Headers::from_pairs([("webhook-id", "msg_1")]);
        let std2 = Headers::from_pairs([("webhook-id", "msg_2")]);
        assert_eq!(dedupe_key(&p("standard"), &std1, body), "msg_1");
        assert_eq!(dedupe_key(&p("standard"), &std2, body), "msg_2");
        let none = Headers::default();
        assert_eq!(dedupe_key(&p("stripe"), &none, br#"{"id":"evt_9"}"#), "evt_9");
        assert_eq!(dedupe_key(&p("stripe"), &none, br#"{"id":"cus_1"}"#), fallback(br#"{"id":"cus_1"}"#));
        assert_eq!(dedupe_key(&p("slack"), &none, br#"{"event_id":"Ev1"}"#), "Ev1");
        let hm = Provider::parse("hmac", &json!({"id_header": "x-id", "payload": "{id}:{body}"})).unwrap();
        assert_eq!(dedupe_key(&hm, &Headers::from_pairs([("x-id", "d-7")]), body), "d-7");
    }

    #[test]
    fn event_types() {
        let h = Headers::from_pairs([("X-GitHub-Event", "push"), ("X-Shopify-Topic", "orders/create")]);
        assert_eq!(event_type(&p("github"), &h, b"").as_deref(), Some("push"));
        assert_eq!(event_type(&p("shopify"), &h, b"").as_deref(), Some("orders/create"));
        assert_eq!(event_type(&p("github"), &Headers::default(), b""), None);
        let body = br#"{"type":"invoice.paid"}"#;
        assert_eq!(event_type(&p("stripe"), &h, body).as_deref(), Some("invoice.paid"));
        assert_eq!(event_type(&p("standard"), &h, body).as_deref(), Some("invoice.paid"));
        let cb = br#"{"type":"event_callback","event":{"type":"app_mention"}}"#;
        assert_eq!(event_type(&p("slack"), &h, cb).as_deref(), Some("app_mention"));
        let uv = br#"{"type":"url_verification","challenge":"x"}"#;
        assert_eq!(event_type(&p("slack"), &h, uv).as_deref(), Some("url_verification"));
        assert_eq!(event_type(&p("slack"), &h, b"command=%2Fx"), None);
        assert_eq!(
            event_type(&p("hmac"), &h, br#"{"event":"sale.order.confirmed"}"#).as_deref(),
            Some("sale.order.confirmed")
        );
        assert_eq!(event_type(&p("hmac"), &h, br#"{"type":"a","event":"b"}"#).as_deref(), Some("a"));
        assert_eq!(event_type(&p("hmac"), &h, br#"{"type":5}"#), None);
        assert_eq!(event_type(&p("stripe"), &h, b"[1,2]"), None);
        assert_eq!(event_type(&p("stripe"), &h, b"\xff"), None);
    }
}
