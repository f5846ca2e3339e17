//! Webhook signature schemes: inbound verification, outbound signing, and the
//! idempotency key / event type of a delivery.
//!
//! Everything here is pure and deterministic (the caller passes `now_unix`), so
//! the SQL glue stays thin and every security property is unit-tested without
//! Postgres.
//!
//! Security rules every scheme follows, because each one has bitten a real
//! verifier:
//! - signatures are *decoded* and compared as bytes with [`crate::ct::eq`]
//!   (constant time, length checked first), so an empty, truncated or prefix
//!   signature never verifies and upper/lower-case hex are equivalent;
//! - only the current signature version is accepted (`v1` for Stripe and
//!   Standard Webhooks, `sha256=` for GitHub); older or unknown versions are
//!   ignored rather than downgraded to;
//! - timestamps are ASCII digits parsed with overflow checks, and are part of
//!   the signed content, so the replay window cannot be bypassed by editing them;
//! - a [`Reason`] names headers and says what was wrong, but never echoes a
//!   header value, a secret or the expected signature (reasons end up in logs
//!   and HTTP responses).
//!
//! | provider   | signature header(s)                                        | signed content          |
//! |------------|------------------------------------------------------------|-------------------------|
//! | `github`   | `x-hub-signature-256: sha256=<hex>`                        | `{body}`                |
//! | `stripe`   | `stripe-signature: t=<ts>,v1=<hex>[,v1=..]`                | `{t}.{body}`            |
//! | `standard` | `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<b64> ..` (or `svix-*`) | `{id}.{ts}.{body}` |
//! | `shopify`  | `x-shopify-hmac-sha256: <b64>`                             | `{body}`                |
//! | `slack`    | `x-slack-signature: v0=<hex>`, `x-slack-request-timestamp` | `v0:{ts}:{body}`        |
//! | `hmac`     | configurable, see [`HmacOptions`]                          | template                |

mod delivery;
mod headers;
mod providers;
pub mod request;
mod sign;

#[cfg(test)]
mod tests;

pub use delivery::{coverage, dedupe_key, delivery_id, event_type, Coverage};
pub use headers::Headers;
pub use providers::{verify, Algorithm, Encoding, HmacOptions, Provider, TimestampUnit};
pub use sign::sign;

use std::fmt;

/// Why a delivery did not verify. Machine-readable through [`Reason::code`];
/// the payloads are short descriptions that never contain a secret, a header
/// value or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A required header is absent (or empty). Payload: the lowercase header name.
    MissingHeader(String),
    /// A header is present but cannot be parsed. Payload: `"<header>: <what>"`.
    MalformedHeader(String),
    /// The signed timestamp is older than the tolerance window (a replay, or a
    /// delivery that queued for too long).
    TimestampTooOld,
    /// The signed timestamp is further in the future than the tolerance window.
    TimestampInFuture,
    /// Headers parsed, but no signature matched any secret. Also the answer
    /// for a header carrying only superseded versions (Stripe `v0`,
    /// Standard `v1a`): a downgrade attempt looks exactly like a forgery.
    NoMatchingSignature,
    /// The secret list was empty (or held only empty strings).
    NoSecrets,
    /// A secret could not be used, e.g. a Standard Webhooks secret that is not
    /// base64. Reported only when nothing matched, so a bad key left in a
    /// rotation list does not break deliveries signed with the good one.
    InvalidSecret(String),
}

impl Reason {
    /// Stable snake_case code for SQL callers and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::MissingHeader(_) => "missing_header",
            Reason::MalformedHeader(_) => "malformed_header",
            Reason::TimestampTooOld => "timestamp_too_old",
            Reason::TimestampInFuture => "timestamp_in_future",
            Reason::NoMatchingSignature => "no_matching_signature",
            Reason::NoSecrets => "no_secrets",
            Reason::InvalidSecret(_) => "invalid_secret",
        }
    }

    /// Human sentence, e.g. `"missing header x-hub-signature-256"`.
    pub fn message(&self) -> String {
        match self {
            Reason::MissingHeader(h) => format!("missing header {h}"),
            Reason::MalformedHeader(what) => format!("malformed header {what}"),
            Reason::TimestampTooOld => "timestamp is older than the tolerance window".to_string(),
            Reason::TimestampInFuture => {
                "timestamp is further in the future than the tolerance window".to_string()
            }
            Reason::NoMatchingSignature => "no signature matched any secret".to_string(),
            Reason::NoSecrets => "no webhook secrets configured".to_string(),
            Reason::InvalidSecret(what) => format!("invalid secret: {what}"),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Outcome of [`verify`]. Invariant: `valid` ⇔ `reason.is_none()` ⇔
/// `matched_secret.is_some()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub valid: bool,
    /// `None` when valid.
    pub reason: Option<Reason>,
    /// 0-based index into the `secrets` slice of the secret that verified, so
    /// operators can tell when an old key in a rotation is no longer used.
    pub matched_secret: Option<usize>,
}

impl Verification {
    pub(crate) fn ok(index: usize) -> Verification {
        Verification { valid: true, reason: None, matched_secret: Some(index) }
    }

    pub(crate) fn fail(reason: Reason) -> Verification {
        Verification { valid: false, reason: Some(reason), matched_secret: None }
    }
}

/// Errors from configuration and construction (never from verification, which
/// reports through [`Verification`] instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// Unknown provider, bad options, unusable secret or input for signing.
    Config(String),
    /// Headers could not be built (e.g. JSON that is not an object).
    Headers(String),
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::Config(m) => write!(f, "invalid webhook configuration: {m}"),
            WebhookError::Headers(m) => write!(f, "invalid webhook headers: {m}"),
        }
    }
}

impl std::error::Error for WebhookError {}
