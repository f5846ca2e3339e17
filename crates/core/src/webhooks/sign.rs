//! Outbound signing: the headers a receiver of each scheme expects, so the
//! extension can deliver webhooks that stock receivers (Svix/Standard
//! Webhooks libraries, Stripe-style verifiers, ...) accept unchanged.

use super::headers::encode_base64;
use super::providers::{
    hmac_parts, secret_key, template_parts, Algorithm, Encoding, Provider, TimestampUnit,
};
use super::WebhookError;

/// Signs `body` for `provider` and returns `(lowercase name, value)` pairs.
///
/// - `standard`: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<b64>`
/// - `stripe`: `stripe-signature: t=<ts>,v1=<hex>`
/// - `github`: `x-hub-signature-256: sha256=<hex>` (+ `x-github-delivery` if `msg_id` is set)
/// - `shopify`: `x-shopify-hmac-sha256: <b64>` (+ `x-shopify-webhook-id` if `msg_id` is set)
/// - `slack`: `x-slack-request-timestamp`, `x-slack-signature: v0=<hex>`
/// - `hmac`: the configured id / timestamp / signature headers.
///
/// `timestamp` is Unix seconds (converted for `timestamp_unit: "ms"`).
/// Errors: empty or unusable secret, negative timestamp for a timestamped
/// scheme, missing `msg_id` where the scheme signs it, or a `msg_id` with
/// control characters (it is emitted as a header value, so CR/LF would be a
/// header injection).
pub fn sign(
    provider: &Provider,
    secret: &str,
    body: &[u8],
    msg_id: &str,
    timestamp: i64,
) -> Result<Vec<(String, String)>, WebhookError> {
    let key = secret_key(provider, secret).map_err(WebhookError::Config)?;
    if msg_id.chars().any(char::is_control) {
        return Err(WebhookError::Headers("msg_id must not contain control characters".into()));
    }
    if provider.uses_timestamp() && timestamp < 0 {
        return Err(WebhookError::Config("timestamp must not be negative".into()));
    }
    let ts = timestamp.to_string();
    let h = |name: &str, value: String| (name.to_string(), value);
    let sha256 = |parts: &[&[u8]]| hmac_parts(Algorithm::Sha256, &key, parts);
    let mut out = Vec::new();
    match provider {
        Provider::Github => {
            let sig = sha256(&[body]);
            out.push(h("x-hub-signature-256", format!("sha256={}", hex::encode(sig))));
            if !msg_id.is_empty() {
                out.push(h("x-github-delivery", msg_id.to_string()));
            }
        }
        Provider::Stripe => {
            let sig = sha256(&[ts.as_bytes(), b".", body]);
            out.push(h("stripe-signature", format!("t={ts},v1={}", hex::encode(sig))));
        }
        Provider::Standard => {
            if msg_id.is_empty() {
                return Err(WebhookError::Config("standard webhooks require a msg_id".into()));
            }
            let sig = sha256(&[msg_id.as_bytes(), b".", ts.as_bytes(), b".", body]);
            out.push(h("webhook-id", msg_id.to_string()));
            out.push(h("webhook-timestamp", ts));
            out.push(h("webhook-signature", format!("v1,{}", encode_base64(&sig))));
        }
        Provider::Shopify => {
            out.push(h("x-shopify-hmac-sha256", encode_base64(&sha256(&[body]))));
            if !msg_id.is_empty() {
                out.push(h("x-shopify-webhook-id", msg_id.to_string()));
            }
        }
        Provider::Slack => {
            let sig = sha256(&[b"v0:", ts.as_bytes(), b":", body]);
            out.push(h("x-slack-request-timestamp", ts));
            out.push(h("x-slack-signature", format!("v0={}", hex::encode(sig))));
        }
        Provider::Hmac(o) => {
            let ts_value = match o.timestamp_unit() {
                TimestampUnit::Seconds => ts,
                TimestampUnit::Milliseconds => timestamp
                    .checked_mul(1000)
                    .ok_or_else(|| WebhookError::Config("timestamp too large for milliseconds".into()))?
                    .to_string(),
            };
            if o.uses_id() && msg_id.is_empty() {
                return Err(WebhookError::Config(
                    "the payload template signs {id}: msg_id is required".into(),
                ));
            }
            let sig = hmac_parts(o.algorithm(), &key, &template_parts(o.segments(), body, &ts_value, msg_id));
            let encoded = match o.encoding() {
                Encoding::Hex => hex::encode(sig),
                Encoding::Base64 => encode_base64(&sig),
            };
            if let (Some(name), false) = (o.id_header(), msg_id.is_empty()) {
                out.push(h(name, msg_id.to_string()));
            }
            if let Some(name) = o.timestamp_header() {
                out.push(h(name, ts_value));
            }
            out.push(h(o.signature_header(), format!("{}{encoded}", o.prefix())));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod unit {
    use super::*;
    use serde_json::json;

    fn get<'a>(hs: &'a [(String, String)], name: &str) -> Option<&'a str> {
        hs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn header_shapes() {
        let p = |n: &str| Provider::parse(n, &json!({})).unwrap();
        let gh = sign(&p("github"), "s", b"b", "d1", 0).unwrap();
        assert!(get(&gh, "x-hub-signature-256").unwrap().starts_with("sha256="));
        assert_eq!(get(&gh, "x-github-delivery"), Some("d1"));
        let st = sign(&p("stripe"), "whsec_x", b"b", "", 42).unwrap();
        assert!(get(&st, "stripe-signature").unwrap().starts_with("t=42,v1="));
        let sw = sign(&p("standard"), "whsec_AAAA", b"b", "msg_1", 42).unwrap();
        assert_eq!(get(&sw, "webhook-id"), Some("msg_1"));
        assert_eq!(get(&sw, "webhook-timestamp"), Some("42"));
        assert!(get(&sw, "webhook-signature").unwrap().starts_with("v1,"));
        let sl = sign(&p("slack"), "s", b"b", "", 42).unwrap();
        assert_eq!(get(&sl, "x-slack-request-timestamp"), Some("42"));
        assert!(get(&sl, "x-slack-signature").unwrap().starts_with("v0="));
        let sh = sign(&p("shopify"), "s", b"b", "", 0).unwrap();
        assert_eq!(sh.len(), 1);
        let hm = Provider::parse(
            "hmac",
            &json!({"signature_header":"X-Sig","prefix":"sha256=","timestamp_header":"X-Ts",
                    "timestamp_unit":"ms","id_header":"X-Id"}),
        )
        .unwrap();
        let hs = sign(&hm, "s", b"b", "id-1", 5).unwrap();
        assert_eq!(get(&hs, "x-ts"), Some("5000"));
        assert_eq!(get(&hs, "x-id"), Some("id-1"));
        assert!(get(&hs, "x-sig").unwrap().starts_with("sha256="));
    }

    #[test]
    fn sign_errors() {
        let p = |n: &str| Provider::parse(n, &json!({})).unwrap();
        assert!(matches!(sign(&p("github"), "", b"b", "", 0), Err(WebhookError::Config(_))));
        assert!(matches!(sign(&p("standard"), "whsec_!!", b"b", "m", 0), Err(WebhookError::Config(_))));
        assert!(matches!(sign(&p("standard"), "whsec_AAAA", b"b", "", 0), Err(WebhookError::Config(_))));
        assert!(matches!(sign(&p("stripe"), "s", b"b", "", -1), Err(WebhookError::Config(_))));
        assert!(matches!(
            sign(&p("standard"), "whsec_AAAA", b"b", "a\r\nx-evil: 1", 0),
            Err(WebhookError::Headers(_))
        ));
        let ms = Provider::parse("hmac", &json!({"timestamp_header":"x-ts","timestamp_unit":"ms"})).unwrap();
        assert!(matches!(sign(&ms, "s", b"b", "", i64::MAX), Err(WebhookError::Config(_))));
        let id = Provider::parse("hmac", &json!({"id_header":"x-id","payload":"{id}.{body}"})).unwrap();
        assert!(matches!(sign(&id, "s", b"b", "", 0), Err(WebhookError::Config(_))));
        // GitHub/Shopify have no timestamp, so a negative one is irrelevant.
        assert!(sign(&p("github"), "s", b"b", "", -1).is_ok());
    }
}
