//! Delivery id (idempotency key) and event type of a delivery.
//!
//! Providers retry, so ingestion deduplicates on [`delivery_id`]. Where the
//! provider names the delivery we use that name; otherwise the body hash,
//! which is stable across retries of the same payload.
//!
//! Caveat for reviewers: GitHub's `X-GitHub-Delivery` and Shopify's
//! `X-Shopify-Webhook-Id` are not covered by the signature, so whoever holds
//! a captured delivery can replay it under a fresh id. Those schemes have no
//! signed timestamp either, so this is inherent to them; the Standard id and
//! the Stripe/Slack body ids *are* signed.

use super::providers::Provider;
use super::Headers;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Ids and event types longer than this (or with control characters) are
/// ignored in favour of the fallback: they become primary-key values and log
/// lines, and no provider uses anything close.
const MAX_LEN: usize = 256;

/// Idempotency key: GitHub `X-GitHub-Delivery`; Standard `webhook-id` (or
/// `svix-id`); Shopify `X-Shopify-Webhook-Id`; Stripe: the body's top-level
/// `id` when it starts with `evt_`; Slack: the body's `event_id`; Hmac: the
/// `id_header` option if set. Fallback for all: `"sha256:" + hex(sha256(body))`.
pub fn delivery_id(provider: &Provider, headers: &Headers, body: &[u8]) -> String {
    let from_header = |names: &[&str]| names.iter().find_map(|n| headers.get(n).and_then(usable));
    let found = match provider {
        Provider::Github => from_header(&["x-github-delivery"]),
        Provider::Standard => from_header(&["webhook-id", "svix-id"]),
        Provider::Shopify => from_header(&["x-shopify-webhook-id"]),
        Provider::Stripe => envelope(body).and_then(|e| str_of(e.id)).filter(|id| id.starts_with("evt_")),
        Provider::Slack => envelope(body).and_then(|e| str_of(e.event_id)),
        Provider::Hmac(o) => o.id_header().and_then(|n| from_header(&[n])),
    };
    found.unwrap_or_else(|| format!("sha256:{}", hex::encode(Sha256::digest(body))))
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
