//! The PostgREST raw-body door: which endpoint a request is for, which
//! request headers may be stored, and whether a body can be kept as jsonb.
//! Pure, so the routing rules are unit-tested without Postgres.
use super::Headers;

/// Request headers that authenticate the *caller* (PostgREST's JWT, cookies,
/// API keys). No webhook signature covers them, and they must never be stored
/// next to the event.
pub const CALLER_CREDENTIAL_HEADERS: &[&str] =
    &["authorization", "cookie", "apikey", "x-api-key", "proxy-authorization"];

/// Whether a header (any case) is a caller credential that `redact` drops.
pub fn is_caller_credential(name: &str) -> bool {
    CALLER_CREDENTIAL_HEADERS.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// The endpoint a request names: the last path segment of a wrapper made by
/// `webhook_endpoint_expose` (`/rpc/webhook_github` → `github`), else an
/// `x-webhook-endpoint` header a proxy may set from a query parameter.
pub fn endpoint(path: Option<&str>, headers: &Headers) -> Option<String> {
    path.and_then(|p| p.trim_end_matches('/').rsplit('/').next())
        .and_then(|seg| seg.strip_prefix("webhook_"))
        .filter(|s| !s.is_empty() && *s != "request")
        .map(str::to_string)
        .or_else(|| headers.get("x-webhook-endpoint").map(str::to_string))
}

/// The headers to store: everything but the caller's credentials.
pub fn redact(h: &serde_json::Value) -> serde_json::Value {
    match h {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .filter(|(k, _)| !is_caller_credential(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether `payload` can hold the body as jsonb: UTF-8 JSON without
/// `\u0000` (which jsonb rejects). Otherwise payload is NULL and the raw
/// bytes remain in `body`. `IgnoredAny` validates without building a value;
/// serde_json is the stricter parser (lone surrogates, out-of-range numbers),
/// so anything it accepts, jsonb_in accepts.
pub fn jsonb_can_hold(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|text| {
        !text.contains("\\u0000") && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    })
}

#[cfg(test)]
mod unit {
    use super::*;
    use serde_json::json;

    fn h(v: serde_json::Value) -> Headers {
        Headers::from_json(&v).unwrap()
    }

    #[test]
    fn endpoint_from_path_then_header() {
        let none = h(json!({}));
        assert_eq!(endpoint(Some("/rpc/webhook_github"), &none).as_deref(), Some("github"));
        assert_eq!(endpoint(Some("/rpc/webhook_github/"), &none).as_deref(), Some("github"));
        assert_eq!(endpoint(Some("/rpc/webhook_request"), &none), None, "the generic door names nothing");
        assert_eq!(endpoint(Some("/rpc/webhook_"), &none), None);
        assert_eq!(endpoint(Some("/rpc/other"), &none), None);
        let hdr = h(json!({"X-Webhook-Endpoint": "stripe"}));
        assert_eq!(endpoint(Some("/rpc/webhook_request"), &hdr).as_deref(), Some("stripe"));
        assert_eq!(endpoint(None, &hdr).as_deref(), Some("stripe"));
        assert_eq!(endpoint(Some("/rpc/webhook_github"), &hdr).as_deref(), Some("github"), "the path wins");
    }

    #[test]
    fn credentials_are_never_stored() {
        let r = redact(&json!({"Authorization": "Bearer x", "apikey": "k", "Cookie": "c", "X-Api-Key": "k",
                               "x-hub-signature-256": "sha256=…", "content-type": "application/json"}));
        assert_eq!(r, json!({"x-hub-signature-256": "sha256=…", "content-type": "application/json"}));
        assert_eq!(redact(&json!("not an object")), json!("not an object"));
    }

    #[test]
    fn jsonb_holds_only_what_jsonb_accepts() {
        assert!(jsonb_can_hold(br#"{"a": 1}"#));
        assert!(!jsonb_can_hold(br#"{"a": "\u0000"}"#));
        assert!(!jsonb_can_hold(b"\xff\xfe"));
        assert!(!jsonb_can_hold(b"a=1&b=2"));
    }
}
