//! The header bag plus the parsers for the header *values* each scheme uses.
//!
//! Parsers are deliberately strict where leniency would create ambiguity about
//! what was signed (duplicate `t=`, signs or spaces inside a timestamp) and
//! lenient only where the reference implementations are (unknown signature
//! versions are skipped, not errors).

use super::WebhookError;
use serde_json::Value;

/// Case-insensitive header bag. PostgREST lowercases names; callers may not.
///
/// Names are stored lowercased and values with surrounding spaces/tabs
/// removed (HTTP "optional whitespace" is not part of a field value). When a
/// name repeats, [`Headers::get`] returns the first occurrence: schemes that
/// allow several signatures put them in one header value, never in repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, String)>,
}

impl Headers {
    pub fn from_pairs<I, K, V>(pairs: I) -> Headers
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let entries = pairs
            .into_iter()
            .map(|(k, v)| (normalize_name(k.as_ref()), trim_ows(v.as_ref()).to_string()))
            .collect();
        Headers { entries }
    }

    /// From a JSON object `{"Header-Name": "value", ...}` (what PostgREST puts
    /// in `request.headers`). Strings are taken as is, numbers stringified,
    /// arrays contribute their first string element (multi-valued headers as
    /// some gateways encode them); booleans, nulls and objects are ignored
    /// because no signature scheme uses them.
    pub fn from_json(v: &Value) -> Result<Headers, WebhookError> {
        let obj = v
            .as_object()
            .ok_or_else(|| WebhookError::Headers(format!("expected a JSON object, got {}", json_kind(v))))?;
        let mut entries = Vec::with_capacity(obj.len());
        for (name, value) in obj {
            let value = match value {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Array(items) => items.iter().find_map(|i| i.as_str().map(str::to_string)),
                _ => None,
            };
            if let Some(value) = value {
                entries.push((normalize_name(name), trim_ows(&value).to_string()));
            }
        }
        Ok(Headers { entries })
    }

    /// Case-insensitive lookup; first occurrence wins.
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.trim();
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Like [`Headers::get`] but treats an empty value as absent: an empty
    /// signature or timestamp header carries no information.
    pub(crate) fn get_nonempty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// All entries, lowercase names, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn normalize_name(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

fn trim_ows(v: &str) -> &str {
    v.trim_matches(|c| c == ' ' || c == '\t')
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a Unix timestamp: one or more ASCII digits and nothing else.
///
/// No sign, no spaces, no `+`, no fractions: the timestamp string is signed
/// verbatim, so accepting several spellings of one number would only widen
/// the attack surface. Values beyond `i64` fail instead of wrapping.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Only digits remain, so the sole failure mode of `parse` is overflow.
    s.parse::<i64>().ok()
}

/// Parsed `Stripe-Signature` header: `t=<ts>,v1=<hex>[,v1=<hex>...]`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct StripeHeader<'a> {
    /// The `t` value exactly as sent (it is signed verbatim).
    pub t_raw: &'a str,
    pub t: i64,
    /// Decoded `v1` signatures; entries that are not hex are dropped.
    pub v1: Vec<Vec<u8>>,
    /// Number of `v1` entries seen, decodable or not.
    pub v1_seen: usize,
}

/// Errors are short descriptions for [`super::Reason::MalformedHeader`];
/// they never include the header value.
pub(crate) fn parse_stripe_header(value: &str) -> Result<StripeHeader<'_>, &'static str> {
    let mut t_raw: Option<&str> = None;
    let mut v1 = Vec::new();
    let mut v1_seen = 0usize;
    for item in value.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue; // tolerate ",," and a trailing comma
        }
        let (key, val) = item.split_once('=').ok_or("element without '='")?;
        match key.trim() {
            "t" => {
                if t_raw.is_some() {
                    // Two timestamps make it ambiguous which one was signed.
                    return Err("duplicate t");
                }
                t_raw = Some(val.trim());
            }
            "v1" => {
                v1_seen += 1;
                if let Ok(sig) = hex::decode(val.trim()) {
                    v1.push(sig);
                }
            }
            // v0 (legacy test-mode scheme) and anything unknown are ignored:
            // accepting them would let an attacker pick a weaker scheme.
            _ => {}
        }
    }
    let t_raw = t_raw.ok_or("missing t")?;
    let t = parse_timestamp(t_raw).ok_or("t is not a valid unix timestamp")?;
    if v1_seen > 0 && v1.is_empty() {
        return Err("v1 signature is not hex");
    }
    Ok(StripeHeader { t_raw, t, v1, v1_seen })
}

/// Parses a Standard Webhooks `webhook-signature` value: space-separated
/// `v1,<base64>` entries. Returns the decoded `v1` signatures.
///
/// Like the reference libraries, entries of other versions (`v1a` is the
/// asymmetric scheme) or without a comma are skipped. `Ok(empty)` means
/// "well-formed but nothing we accept" and becomes `NoMatchingSignature`.
pub(crate) fn parse_standard_signatures(value: &str) -> Result<Vec<Vec<u8>>, &'static str> {
    let mut out = Vec::new();
    let mut v1_seen = 0usize;
    for entry in value.split_ascii_whitespace() {
        let Some((version, sig)) = entry.split_once(',') else {
            continue;
        };
        if version != "v1" {
            continue;
        }
        v1_seen += 1;
        if let Some(bytes) = decode_base64(sig) {
            out.push(bytes);
        }
    }
    if v1_seen > 0 && out.is_empty() {
        return Err("v1 signature is not valid base64");
    }
    Ok(out)
}

/// Strict standard base64: canonical padding, no non-canonical trailing bits.
/// Every sender we support pads, and the reference libraries compare the
/// padded text, so strictness costs nothing and guarantees that each
/// signature has exactly one accepted spelling (a truncated one never decodes
/// to the same bytes).
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s.as_bytes()).ok()
}

pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod unit {
    use super::*;
    use serde_json::json;

    #[test]
    fn get_is_case_insensitive_and_trims() {
        let h = Headers::from_pairs([("X-Hub-Signature-256", "  sha256=ab\t"), ("A", "1")]);
        assert_eq!(h.get("x-hub-signature-256"), Some("sha256=ab"));
        assert_eq!(h.get("X-HUB-SIGNATURE-256"), Some("sha256=ab"));
        assert_eq!(h.get("a"), Some("1"));
        assert_eq!(h.get("missing"), None);
        assert_eq!(h.iter().next(), Some(("x-hub-signature-256", "sha256=ab")));
    }

    #[test]
    fn first_occurrence_wins() {
        let h = Headers::from_pairs([("A", "1"), ("a", "2")]);
        assert_eq!(h.get("A"), Some("1"));
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn from_json_value_kinds() {
        let h = Headers::from_json(&json!({
            "Webhook-Timestamp": 1614265330,
            "X-Multi": [1, "first", "second"],
            "X-Bool": true,
            "X-Null": null,
            "X-Obj": {"a": "b"},
            "X-Str": "v",
            "X-Empty-Array": []
        }))
        .unwrap();
        assert_eq!(h.get("webhook-timestamp"), Some("1614265330"));
        assert_eq!(h.get("x-multi"), Some("first"));
        assert_eq!(h.get("x-str"), Some("v"));
        assert_eq!(h.get("x-bool"), None);
        assert_eq!(h.get("x-null"), None);
        assert_eq!(h.get("x-obj"), None);
        assert_eq!(h.get("x-empty-array"), None);
    }

    #[test]
    fn from_json_rejects_non_objects() {
        for v in [json!(null), json!([]), json!("x"), json!(1), json!(true)] {
            assert!(matches!(Headers::from_json(&v), Err(WebhookError::Headers(_))));
        }
    }

    #[test]
    fn timestamp_parser() {
        assert_eq!(parse_timestamp("0"), Some(0));
        assert_eq!(parse_timestamp("1614265330"), Some(1_614_265_330));
        assert_eq!(parse_timestamp("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_timestamp("9223372036854775808"), None);
        assert_eq!(parse_timestamp("99999999999999999999999999"), None);
        for bad in ["", "-1", "+1", " 1", "1 ", "1.5", "1e9", "0x10", "１２"] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn stripe_header_parser() {
        let h = parse_stripe_header("t=12,v1=abcd,v0=ffff,v1=zz,x=1").unwrap();
        assert_eq!(h.t, 12);
        assert_eq!(h.t_raw, "12");
        assert_eq!(h.v1, vec![vec![0xab, 0xcd]]);
        assert_eq!(h.v1_seen, 2);
        assert_eq!(parse_stripe_header("t=1, v1=AB ,").unwrap().v1, vec![vec![0xab]]);
        assert_eq!(parse_stripe_header("v1=ab").unwrap_err(), "missing t");
        assert_eq!(parse_stripe_header("t=1,t=1,v1=ab").unwrap_err(), "duplicate t");
        assert_eq!(parse_stripe_header("t=1,v1").unwrap_err(), "element without '='");
        assert_eq!(parse_stripe_header("t=-1,v1=ab").unwrap_err(), "t is not a valid unix timestamp");
        assert_eq!(parse_stripe_header("t=1,v1=xyz").unwrap_err(), "v1 signature is not hex");
        // v0 only: well-formed, no acceptable signature.
        assert!(parse_stripe_header("t=1,v0=ab").unwrap().v1.is_empty());
    }

    #[test]
    fn standard_signature_parser() {
        let sigs = parse_standard_signatures("v1a,AAAA v1,AAAA  junk v2,AQ== v1,AQ== v1,AQ").unwrap();
        // `AQ` lacks its padding: skipped, like any undecodable entry.
        assert_eq!(sigs, vec![vec![0, 0, 0], vec![1]]);
        assert!(parse_standard_signatures("v1a,AAAA").unwrap().is_empty());
        assert!(parse_standard_signatures("").unwrap().is_empty());
        assert!(parse_standard_signatures("v1,!!!").is_err());
        // Non-canonical trailing bits ("AR==" is [1] to a lax decoder) and
        // missing padding are refused, so each signature has one spelling.
        assert!(parse_standard_signatures("v1,AR==").is_err());
        assert!(parse_standard_signatures("v1,AQ").is_err());
    }
}
