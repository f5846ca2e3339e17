//! Provider configuration and inbound verification.

use super::headers::{
    decode_base64, parse_standard_signatures, parse_stripe_header, parse_timestamp, Headers,
};
use super::{Reason, Verification, WebhookError};
use crate::ct;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};

/// A signature scheme. Built with [`Provider::parse`] from the provider name
/// and JSON options stored alongside the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    Github,
    Stripe,
    /// Standard Webhooks (<https://www.standardwebhooks.com>), the spec Svix
    /// publishes; `svix` and `standardwebhooks` are aliases.
    Standard,
    Shopify,
    Slack,
    /// Any "HMAC of the body in a header" scheme, e.g. internal bridges.
    Hmac(HmacOptions),
}

impl Provider {
    /// `name` is case-insensitive: `github|stripe|standard|svix|standardwebhooks|shopify|slack|hmac`.
    ///
    /// `options` must be an object (or null). Only `hmac` takes options; the
    /// fixed schemes reject any key, because a setting that is silently
    /// ignored (say a custom header for `github`) is a misconfiguration the
    /// operator would otherwise discover only when deliveries fail.
    pub fn parse(name: &str, options: &Value) -> Result<Provider, WebhookError> {
        let empty = Map::new();
        let opts = match options {
            Value::Null => &empty,
            Value::Object(m) => m,
            _ => return Err(config("options must be a JSON object")),
        };
        let provider = match name.trim().to_ascii_lowercase().as_str() {
            "github" => Provider::Github,
            "stripe" => Provider::Stripe,
            "standard" | "svix" | "standardwebhooks" | "standard_webhooks" | "standard-webhooks" => {
                Provider::Standard
            }
            "shopify" => Provider::Shopify,
            "slack" => Provider::Slack,
            "hmac" => return Ok(Provider::Hmac(HmacOptions::from_map(opts)?)),
            _ => {
                return Err(config(
                    "unknown provider (expected github, stripe, standard, svix, shopify, slack or hmac)",
                ))
            }
        };
        if let Some(key) = opts.keys().next() {
            return Err(config(&format!(
                "provider {} takes no options (got \"{}\")",
                provider.name(),
                clip(key)
            )));
        }
        Ok(provider)
    }

    /// Canonical name: `github`, `stripe`, `standard`, `shopify`, `slack`, `hmac`.
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Github => "github",
            Provider::Stripe => "stripe",
            Provider::Standard => "standard",
            Provider::Shopify => "shopify",
            Provider::Slack => "slack",
            Provider::Hmac(_) => "hmac",
        }
    }

    /// Whether the scheme signs a timestamp, i.e. whether the replay window
    /// applies. GitHub and Shopify sign only the body, so a captured delivery
    /// can be replayed; idempotency on the delivery id is the only defence.
    pub fn uses_timestamp(&self) -> bool {
        match self {
            Provider::Stripe | Provider::Standard | Provider::Slack => true,
            Provider::Github | Provider::Shopify => false,
            Provider::Hmac(o) => o.timestamp_header.is_some(),
        }
    }
}

/// Hash function for [`HmacOptions`]. SHA-1 exists only for legacy senders;
/// HMAC-SHA1 is still unforgeable, unlike plain SHA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha512,
    Sha1,
}

/// How a generic HMAC signature is written in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Upper or lower case accepted on input; lower case produced.
    Hex,
    /// Standard alphabet with canonical `=` padding (as every sender emits).
    Base64,
}

/// Unit of a generic timestamp header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampUnit {
    Seconds,
    Milliseconds,
}

/// One piece of a payload template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Lit(String),
    Body,
    Timestamp,
    Id,
}

/// Generic HMAC options (JSON keys in parentheses, with defaults):
/// signature header (`signature_header`, `"x-signature"`), prefix before the
/// encoded signature (`prefix`, `""`, e.g. `"sha256="`), `encoding`
/// (`"hex"` | `"base64"`, hex), `algorithm` (`"sha256"` | `"sha512"` |
/// `"sha1"`, sha256), `timestamp_header` (none), payload template (`payload`,
/// `"{body}"`, or `"{timestamp}.{body}"` when a timestamp header is set;
/// placeholders `{body}`, `{timestamp}`, `{id}`), `id_header` (none; also the
/// delivery id), `timestamp_unit` (`"s"` | `"ms"`, s).
///
/// Example: the Odoo bridge uses
/// `{"signature_header":"x-ipai-signature","timestamp_header":"x-ipai-timestamp"}`
/// with a 5-minute window.
///
/// Fields are private so every value has passed [`HmacOptions::from_json`]'s
/// validation: the template must contain `{body}` (a signature that does not
/// cover the body authenticates nothing), and must contain `{timestamp}` when
/// a timestamp header is configured (an unsigned timestamp can be edited to
/// defeat the replay window). Put a literal separator between placeholders
/// (`{timestamp}.{body}`, not `{timestamp}{body}`) unless the sender does not:
/// without one, digits can move between the timestamp and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacOptions {
    signature_header: String,
    prefix: String,
    encoding: Encoding,
    algorithm: Algorithm,
    timestamp_header: Option<String>,
    payload: String,
    segments: Vec<Segment>,
    id_header: Option<String>,
    timestamp_unit: TimestampUnit,
}

impl Default for HmacOptions {
    fn default() -> Self {
        // Same as `from_json(&Value::Null)`; a test keeps the two in sync.
        HmacOptions {
            signature_header: "x-signature".to_string(),
            prefix: String::new(),
            encoding: Encoding::Hex,
            algorithm: Algorithm::Sha256,
            timestamp_header: None,
            payload: "{body}".to_string(),
            segments: vec![Segment::Body],
            id_header: None,
            timestamp_unit: TimestampUnit::Seconds,
        }
    }
}

const HMAC_KEYS: [&str; 8] = [
    "signature_header",
    "prefix",
    "encoding",
    "algorithm",
    "timestamp_header",
    "payload",
    "id_header",
    "timestamp_unit",
];

impl HmacOptions {
    /// Validates and builds options from a JSON object (null = all defaults).
    /// Unknown keys are errors so typos do not silently fall back to defaults.
    pub fn from_json(v: &Value) -> Result<HmacOptions, WebhookError> {
        match v {
            Value::Null => HmacOptions::from_map(&Map::new()),
            Value::Object(m) => HmacOptions::from_map(m),
            _ => Err(config("hmac options must be a JSON object")),
        }
    }

    fn from_map(m: &Map<String, Value>) -> Result<HmacOptions, WebhookError> {
        if let Some(k) = m.keys().find(|k| !HMAC_KEYS.contains(&k.as_str())) {
            return Err(config(&format!(
                "unknown hmac option \"{}\" (expected one of {})",
                clip(k),
                HMAC_KEYS.join(", ")
            )));
        }
        let signature_header = header_name(m, "signature_header")?.unwrap_or("x-signature".into());
        let timestamp_header = header_name(m, "timestamp_header")?;
        let id_header = header_name(m, "id_header")?;
        let prefix = string_opt(m, "prefix")?.unwrap_or_default();
        if prefix.chars().any(char::is_control) {
            return Err(config("prefix must not contain control characters"));
        }
        let encoding = match string_opt(m, "encoding")?.map(|s| s.to_ascii_lowercase()).as_deref() {
            None | Some("hex") => Encoding::Hex,
            Some("base64") => Encoding::Base64,
            Some(_) => return Err(config("encoding must be \"hex\" or \"base64\"")),
        };
        let algorithm =
            match string_opt(m, "algorithm")?.map(|s| s.to_ascii_lowercase().replace('-', "")).as_deref() {
                None | Some("sha256") => Algorithm::Sha256,
                Some("sha512") => Algorithm::Sha512,
                Some("sha1") => Algorithm::Sha1,
                Some(_) => return Err(config("algorithm must be \"sha256\", \"sha512\" or \"sha1\"")),
            };
        let timestamp_unit = match string_opt(m, "timestamp_unit")?.map(|s| s.to_ascii_lowercase()).as_deref()
        {
            None | Some("s") | Some("seconds") => TimestampUnit::Seconds,
            Some("ms") | Some("milliseconds") => TimestampUnit::Milliseconds,
            Some(_) => return Err(config("timestamp_unit must be \"s\" or \"ms\"")),
        };
        let payload = string_opt(m, "payload")?.unwrap_or_else(|| {
            if timestamp_header.is_some() {
                "{timestamp}.{body}".to_string()
            } else {
                "{body}".to_string()
            }
        });
        let segments = parse_template(&payload)?;
        let has = |s: &Segment| segments.contains(s);
        if !has(&Segment::Body) {
            return Err(config("payload template must contain {body}"));
        }
        match (&timestamp_header, has(&Segment::Timestamp)) {
            (None, true) => return Err(config("payload uses {timestamp} but no timestamp_header is set")),
            (Some(_), false) => {
                return Err(config(
                    "payload must contain {timestamp} when timestamp_header is set, \
                     otherwise the timestamp is unsigned and the replay window can be bypassed",
                ))
            }
            _ => {}
        }
        if id_header.is_none() && has(&Segment::Id) {
            return Err(config("payload uses {id} but no id_header is set"));
        }
        Ok(HmacOptions {
            signature_header,
            prefix,
            encoding,
            algorithm,
            timestamp_header,
            payload,
            segments,
            id_header,
            timestamp_unit,
        })
    }

    pub fn signature_header(&self) -> &str {
        &self.signature_header
    }
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    pub fn timestamp_header(&self) -> Option<&str> {
        self.timestamp_header.as_deref()
    }
    /// The payload template as configured (or defaulted).
    pub fn payload(&self) -> &str {
        &self.payload
    }
    pub fn id_header(&self) -> Option<&str> {
        self.id_header.as_deref()
    }
    pub fn timestamp_unit(&self) -> TimestampUnit {
        self.timestamp_unit
    }
    pub(crate) fn segments(&self) -> &[Segment] {
        &self.segments
    }
    pub(crate) fn uses_id(&self) -> bool {
        self.segments.contains(&Segment::Id)
    }
}

fn config(msg: &str) -> WebhookError {
    WebhookError::Config(msg.to_string())
}

/// Echo user-supplied option names only briefly.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

fn string_opt(m: &Map<String, Value>, key: &str) -> Result<Option<String>, WebhookError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(config(&format!("hmac option {key} must be a string"))),
    }
}

/// Header-name options: lowercased; empty means unset; must be an HTTP token
/// so that outbound signing can never emit a header injection.
fn header_name(m: &Map<String, Value>, key: &str) -> Result<Option<String>, WebhookError> {
    let Some(s) = string_opt(m, key)? else {
        return Ok(None);
    };
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !s.chars().all(token) {
        return Err(config(&format!("hmac option {key} is not a valid header name")));
    }
    Ok(Some(s.to_ascii_lowercase()))
}

fn parse_template(t: &str) -> Result<Vec<Segment>, WebhookError> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Segment::Lit(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| config("payload template has an unclosed {"))?;
        out.push(match &after[..close] {
            "body" => Segment::Body,
            "timestamp" => Segment::Timestamp,
            "id" => Segment::Id,
            _ => return Err(config("payload template placeholders are {body}, {timestamp} and {id}")),
        });
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Segment::Lit(rest.to_string()));
    }
    Ok(out)
}

/// HMAC over the concatenation of `parts`, fed piecewise so a large body is
/// never copied. Returns an empty vector only if the MAC cannot be keyed
/// (impossible for HMAC); `ct::eq` rejects empty, so that fails closed.
pub(crate) fn hmac_parts(alg: Algorithm, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        match <M as KeyInit>::new_from_slice(key) {
            Ok(mut mac) => {
                for p in parts {
                    mac.update(p);
                }
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    match alg {
        Algorithm::Sha256 => run::<Hmac<sha2::Sha256>>(key, parts),
        Algorithm::Sha512 => run::<Hmac<sha2::Sha512>>(key, parts),
        Algorithm::Sha1 => run::<Hmac<sha1::Sha1>>(key, parts),
    }
}

/// The HMAC key for a secret. Standard Webhooks secrets are base64 (after an
/// optional `whsec_` prefix) and the *decoded* bytes are the key; every other
/// scheme keys with the secret string as given (Stripe included: its
/// `whsec_...` is used verbatim).
pub(crate) fn secret_key(provider: &Provider, secret: &str) -> Result<Vec<u8>, String> {
    if secret.is_empty() {
        return Err("secret is empty".to_string());
    }
    match provider {
        Provider::Standard => {
            let b64 = secret.strip_prefix("whsec_").unwrap_or(secret);
            match decode_base64(b64) {
                Some(k) if !k.is_empty() => Ok(k),
                _ => Err("standard webhook secret is not valid base64".to_string()),
            }
        }
        _ => Ok(secret.as_bytes().to_vec()),
    }
}

/// Renders a template into MAC input pieces borrowing from the inputs.
pub(crate) fn template_parts<'a>(
    segments: &'a [Segment],
    body: &'a [u8],
    timestamp: &'a str,
    id: &'a str,
) -> Vec<&'a [u8]> {
    segments
        .iter()
        .map(|s| match s {
            Segment::Lit(l) => l.as_bytes(),
            Segment::Body => body,
            Segment::Timestamp => timestamp.as_bytes(),
            Segment::Id => id.as_bytes(),
        })
        .collect()
}

/// Everything taken from the headers before any secret is touched.
struct Prepared<'a> {
    algorithm: Algorithm,
    /// Decoded signatures offered by the sender; any may match (rotation).
    candidates: Vec<Vec<u8>>,
    /// Signed timestamp in seconds, when the scheme has one.
    timestamp: Option<i64>,
    /// MAC input, in order.
    parts: Vec<&'a [u8]>,
}

fn missing(h: &str) -> Reason {
    Reason::MissingHeader(h.to_string())
}

fn malformed(h: &str, what: &str) -> Reason {
    Reason::MalformedHeader(format!("{h}: {what}"))
}

/// Header `name` with a required literal `prefix`, hex-decoded.
fn prefixed_hex(headers: &Headers, name: &str, prefix: &str) -> Result<Vec<u8>, Reason> {
    let v = headers.get_nonempty(name).ok_or_else(|| missing(name))?;
    let hex_sig =
        v.strip_prefix(prefix).ok_or_else(|| malformed(name, &format!("missing {prefix} prefix")))?;
    hex::decode(hex_sig).map_err(|_| malformed(name, "signature is not hex"))
}

fn timestamp_header<'h>(headers: &'h Headers, name: &str) -> Result<(&'h str, i64), Reason> {
    let raw = headers.get_nonempty(name).ok_or_else(|| missing(name))?;
    let ts = parse_timestamp(raw).ok_or_else(|| malformed(name, "not a valid unix timestamp"))?;
    Ok((raw, ts))
}

/// First present (non-empty) header among `names`, with the name used.
fn first_of<'h>(headers: &'h Headers, names: &[&'static str]) -> Option<(&'static str, &'h str)> {
    names.iter().find_map(|n| headers.get_nonempty(n).map(|v| (*n, v)))
}

fn prepare<'a>(provider: &'a Provider, body: &'a [u8], h: &'a Headers) -> Result<Prepared<'a>, Reason> {
    match provider {
        Provider::Github => Ok(Prepared {
            algorithm: Algorithm::Sha256,
            // No fallback to the SHA-1 `x-hub-signature`: that would be a downgrade.
            candidates: vec![prefixed_hex(h, "x-hub-signature-256", "sha256=")?],
            timestamp: None,
            parts: vec![body],
        }),
        Provider::Stripe => {
            const H: &str = "stripe-signature";
            let v = h.get_nonempty(H).ok_or_else(|| missing(H))?;
            let sh = parse_stripe_header(v).map_err(|e| malformed(H, e))?;
            Ok(Prepared {
                algorithm: Algorithm::Sha256,
                candidates: sh.v1,
                timestamp: Some(sh.t),
                parts: vec![sh.t_raw.as_bytes(), b".", body],
            })
        }
        Provider::Standard => {
            let (_, id) = first_of(h, &["webhook-id", "svix-id"]).ok_or_else(|| missing("webhook-id"))?;
            let (ts_name, ts_raw) = first_of(h, &["webhook-timestamp", "svix-timestamp"])
                .ok_or_else(|| missing("webhook-timestamp"))?;
            let ts =
                parse_timestamp(ts_raw).ok_or_else(|| malformed(ts_name, "not a valid unix timestamp"))?;
            let (sig_name, sig) = first_of(h, &["webhook-signature", "svix-signature"])
                .ok_or_else(|| missing("webhook-signature"))?;
            let candidates = parse_standard_signatures(sig).map_err(|e| malformed(sig_name, e))?;
            Ok(Prepared {
                algorithm: Algorithm::Sha256,
                candidates,
                timestamp: Some(ts),
                parts: vec![id.as_bytes(), b".", ts_raw.as_bytes(), b".", body],
            })
        }
        Provider::Shopify => {
            const H: &str = "x-shopify-hmac-sha256";
            let v = h.get_nonempty(H).ok_or_else(|| missing(H))?;
            let sig = decode_base64(v).ok_or_else(|| malformed(H, "signature is not valid base64"))?;
            Ok(Prepared {
                algorithm: Algorithm::Sha256,
                candidates: vec![sig],
                timestamp: None,
                parts: vec![body],
            })
        }
        Provider::Slack => {
            let sig = prefixed_hex(h, "x-slack-signature", "v0=")?;
            let (ts_raw, ts) = timestamp_header(h, "x-slack-request-timestamp")?;
            Ok(Prepared {
                algorithm: Algorithm::Sha256,
                candidates: vec![sig],
                timestamp: Some(ts),
                parts: vec![b"v0:", ts_raw.as_bytes(), b":", body],
            })
        }
        Provider::Hmac(o) => {
            let name = o.signature_header.as_str();
            let v = h.get_nonempty(name).ok_or_else(|| missing(name))?;
            let enc = v
                .strip_prefix(o.prefix.as_str())
                .ok_or_else(|| malformed(name, "missing configured prefix"))?;
            let sig = match o.encoding {
                Encoding::Hex => hex::decode(enc).ok(),
                Encoding::Base64 => decode_base64(enc),
            }
            .ok_or_else(|| malformed(name, "signature is not correctly encoded"))?;
            let (ts_raw, ts) = match &o.timestamp_header {
                Some(th) => {
                    let (raw, ts) = timestamp_header(h, th)?;
                    let secs = match o.timestamp_unit {
                        TimestampUnit::Seconds => ts,
                        TimestampUnit::Milliseconds => ts / 1000,
                    };
                    (raw, Some(secs))
                }
                None => ("", None),
            };
            let id = match (&o.id_header, o.uses_id()) {
                (Some(ih), true) => h.get_nonempty(ih).ok_or_else(|| missing(ih))?,
                _ => "",
            };
            Ok(Prepared {
                algorithm: o.algorithm,
                candidates: vec![sig],
                timestamp: ts,
                parts: template_parts(&o.segments, body, ts_raw, id),
            })
        }
    }
}

/// `|now - ts| <= tolerance`, computed in i128 so no input can overflow. A
/// negative tolerance is treated as 0 (strictest), never as "disabled".
pub(crate) fn check_window(ts: i64, tolerance_secs: i64, now_unix: i64) -> Result<(), Reason> {
    let tol = i128::from(tolerance_secs.max(0));
    let age = i128::from(now_unix) - i128::from(ts);
    if age > tol {
        Err(Reason::TimestampTooOld)
    } else if -age > tol {
        Err(Reason::TimestampInFuture)
    } else {
        Ok(())
    }
}

/// Verify one delivery. Any one of `secrets` verifies (rotation);
/// `tolerance_secs` is the replay window (`|now - ts| <= tol`); `now_unix` is
/// seconds. Never panics on any input.
///
/// Order of checks: secrets present → headers parse → signature → timestamp.
/// The signature is checked *before* the window so that `timestamp_too_old`
/// and `timestamp_in_future` are only ever reported for authentic deliveries
/// (a delayed retry, or clock skew), which is what an operator needs to know;
/// a forged delivery with a stale timestamp is `no_matching_signature`.
pub fn verify(
    provider: &Provider,
    secrets: &[&str],
    body: &[u8],
    headers: &Headers,
    tolerance_secs: i64,
    now_unix: i64,
) -> Verification {
    if secrets.iter().all(|s| s.is_empty()) {
        return Verification::fail(Reason::NoSecrets);
    }
    let prepared = match prepare(provider, body, headers) {
        Ok(p) => p,
        Err(reason) => return Verification::fail(reason),
    };
    if prepared.candidates.is_empty() {
        return Verification::fail(Reason::NoMatchingSignature);
    }
    let mut invalid_secret: Option<String> = None;
    for (index, secret) in secrets.iter().enumerate() {
        if secret.is_empty() {
            continue;
        }
        let key = match secret_key(provider, secret) {
            Ok(k) => k,
            Err(what) => {
                invalid_secret.get_or_insert(what);
                continue;
            }
        };
        let expected = hmac_parts(prepared.algorithm, &key, &prepared.parts);
        if prepared.candidates.iter().any(|c| ct::eq(c, &expected)) {
            if let Some(ts) = prepared.timestamp {
                if let Err(reason) = check_window(ts, tolerance_secs, now_unix) {
                    return Verification::fail(reason);
                }
            }
            return Verification::ok(index);
        }
    }
    Verification::fail(match invalid_secret {
        Some(what) => Reason::InvalidSecret(what),
        None => Reason::NoMatchingSignature,
    })
}

#[cfg(test)]
mod unit {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_names_and_aliases() {
        for (n, canon) in [
            ("GitHub", "github"),
            ("stripe", "stripe"),
            ("svix", "standard"),
            ("StandardWebhooks", "standard"),
            ("standard", "standard"),
            ("SHOPIFY", "shopify"),
            (" slack ", "slack"),
            ("hmac", "hmac"),
        ] {
            let p = Provider::parse(n, &Value::Null).unwrap();
            assert_eq!(p.name(), canon);
            assert_eq!(Provider::parse(n, &json!({})).unwrap(), p);
        }
        assert!(matches!(Provider::parse("gitlab", &json!({})), Err(WebhookError::Config(_))));
        assert!(matches!(Provider::parse("github", &json!([])), Err(WebhookError::Config(_))));
        assert!(matches!(
            Provider::parse("github", &json!({"signature_header": "x"})),
            Err(WebhookError::Config(_))
        ));
    }

    #[test]
    fn uses_timestamp() {
        let p = |n: &str, o: Value| Provider::parse(n, &o).unwrap().uses_timestamp();
        assert!(!p("github", json!({})));
        assert!(!p("shopify", json!({})));
        assert!(p("stripe", json!({})));
        assert!(p("standard", json!({})));
        assert!(p("slack", json!({})));
        assert!(!p("hmac", json!({})));
        assert!(p("hmac", json!({"timestamp_header": "x-ts"})));
    }

    #[test]
    fn hmac_defaults() {
        let o = HmacOptions::default();
        assert_eq!(o, HmacOptions::from_json(&Value::Null).unwrap());
        assert_eq!(o.signature_header(), "x-signature");
        assert_eq!(o.prefix(), "");
        assert_eq!(o.encoding(), Encoding::Hex);
        assert_eq!(o.algorithm(), Algorithm::Sha256);
        assert_eq!(o.timestamp_header(), None);
        assert_eq!(o.payload(), "{body}");
        assert_eq!(o.id_header(), None);
        assert_eq!(o.timestamp_unit(), TimestampUnit::Seconds);

        let odoo = HmacOptions::from_json(
            &json!({"signature_header":"X-IPAI-Signature","timestamp_header":"x-ipai-timestamp"}),
        )
        .unwrap();
        assert_eq!(odoo.signature_header(), "x-ipai-signature");
        assert_eq!(odoo.payload(), "{timestamp}.{body}");
        assert_eq!(odoo.segments(), &[Segment::Timestamp, Segment::Lit(".".into()), Segment::Body]);
    }

    #[test]
    fn hmac_option_errors() {
        for bad in [
            json!({"signature_headr": "x"}),
            json!({"encoding": "base32"}),
            json!({"algorithm": "md5"}),
            json!({"timestamp_unit": "ns"}),
            json!({"payload": "{timestamp}"}),
            json!({"payload": "{timestamp}.{body}"}),
            json!({"payload": "{body}", "timestamp_header": "x-ts"}),
            json!({"payload": "{id}.{body}"}),
            json!({"payload": "{bogus}{body}"}),
            json!({"payload": "{body"}),
            json!({"signature_header": "bad header"}),
            json!({"signature_header": "x\r\ny: z"}),
            json!({"signature_header": 5}),
            json!({"prefix": "a\nb"}),
            json!("x"),
        ] {
            assert!(matches!(HmacOptions::from_json(&bad), Err(WebhookError::Config(_))), "{bad}");
        }
        let ok = HmacOptions::from_json(&json!({
            "signature_header": "X-Sig", "prefix": "sha512=", "encoding": "BASE64",
            "algorithm": "SHA-512", "timestamp_header": "X-Ts", "timestamp_unit": "ms",
            "id_header": "X-Id", "payload": "{id}:{timestamp}:{body}"
        }))
        .unwrap();
        assert_eq!(ok.algorithm(), Algorithm::Sha512);
        assert_eq!(ok.encoding(), Encoding::Base64);
        assert_eq!(ok.timestamp_unit(), TimestampUnit::Milliseconds);
        assert_eq!(ok.id_header(), Some("x-id"));
    }

    #[test]
    fn window_edges() {
        assert_eq!(check_window(100, 10, 110), Ok(()));
        assert_eq!(check_window(100, 10, 111), Err(Reason::TimestampTooOld));
        assert_eq!(check_window(110, 10, 100), Ok(()));
        assert_eq!(check_window(111, 10, 100), Err(Reason::TimestampInFuture));
        assert_eq!(check_window(100, -5, 100), Ok(()));
        assert_eq!(check_window(100, -5, 101), Err(Reason::TimestampTooOld));
        assert_eq!(check_window(i64::MAX, i64::MAX, i64::MIN), Err(Reason::TimestampInFuture));
        assert_eq!(check_window(0, i64::MAX, i64::MAX), Ok(()));
        assert_eq!(check_window(i64::MIN, 0, i64::MAX), Err(Reason::TimestampTooOld));
    }

    #[test]
    fn reasons_have_codes_and_messages() {
        assert_eq!(missing("x-a").message(), "missing header x-a");
        assert_eq!(missing("x-a").code(), "missing_header");
        assert_eq!(malformed("x-a", "b").message(), "malformed header x-a: b");
        assert_eq!(Reason::TimestampTooOld.code(), "timestamp_too_old");
        assert_eq!(Reason::TimestampInFuture.code(), "timestamp_in_future");
        assert_eq!(Reason::NoMatchingSignature.code(), "no_matching_signature");
        assert_eq!(Reason::NoSecrets.code(), "no_secrets");
        assert_eq!(Reason::InvalidSecret("x".into()).code(), "invalid_secret");
    }
}
