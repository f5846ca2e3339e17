//! HMAC-signed JWTs (JWS compact serialization, RFC 7515/7519) for HS256,
//! HS384 and HS512, which are the only algorithms Supabase and PostgREST use
//! with a shared `jwt_secret`.
//!
//! Design notes:
//!
//! * Only HMAC algorithms exist here, so there is no RSA/HMAC key-confusion
//!   class of bug: every accepted token was MACed with the caller's secret.
//! * `alg` is read from the (unauthenticated) header but must also be in the
//!   caller's `allowed` list; `none` is never accepted, in any spelling.
//! * Base64url is decoded strictly: no padding, URL alphabet only, and
//!   non-canonical trailing bits are rejected. That makes the encoding of a
//!   signature unique, so no two different strings verify as the same token
//!   and any single changed character invalidates the token.
//! * The MAC is recomputed over the exact `header.payload` bytes as sent,
//!   never over a re-serialization, and compared with [`crate::ct::eq`]
//!   (constant time, false on length mismatch or empty input).
//! * The payload is returned only after the signature verifies, so callers can
//!   never mistake unverified claims for trusted ones. The header is returned
//!   whenever it parses, because it is needed to explain a rejection (which
//!   `alg` was presented) and carries no authority.
//! * The secret is used as raw bytes. Supabase/PostgREST use the bytes of the
//!   `jwt_secret` string as-is (it is not base64-decoded).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};
use std::fmt;

/// The HMAC algorithms supported for JWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    HS256,
    HS384,
    HS512,
}

impl Alg {
    /// All supported algorithms, convenient as the `allowed` argument of [`verify`].
    pub const ALL: [Alg; 3] = [Alg::HS256, Alg::HS384, Alg::HS512];

    /// Parses a JWS `alg` name. Matching is exact and case-sensitive, as JWS
    /// requires (RFC 7515 §4.1.1); `"none"` and every non-HMAC algorithm are
    /// [`JwtError::UnsupportedAlg`].
    pub fn parse(s: &str) -> Result<Alg, JwtError> {
        match s {
            "HS256" => Ok(Alg::HS256),
            "HS384" => Ok(Alg::HS384),
            "HS512" => Ok(Alg::HS512),
            other => Err(JwtError::UnsupportedAlg(truncate(other, 40))),
        }
    }

    /// The JWS name of the algorithm, e.g. `"HS256"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Alg::HS256 => "HS256",
            Alg::HS384 => "HS384",
            Alg::HS512 => "HS512",
        }
    }

    fn mac(self, secret: &[u8], input: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(secret: &[u8], input: &[u8]) -> Vec<u8> {
            // HMAC accepts keys of any length, so this cannot fail.
            let mut m = <M as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
            m.update(input);
            m.finalize().into_bytes().to_vec()
        }
        match self {
            Alg::HS256 => run::<Hmac<Sha256>>(secret, input),
            Alg::HS384 => run::<Hmac<Sha384>>(secret, input),
            Alg::HS512 => run::<Hmac<Sha512>>(secret, input),
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors from [`Alg::parse`] and [`sign`]. Verification never errors; it
/// returns a [`Verified`] with a reason instead.
#[derive(Debug, Clone, PartialEq)]
pub enum JwtError {
    /// The algorithm name is not one of `HS256`, `HS384`, `HS512`
    /// (echoed, truncated to 40 characters).
    UnsupportedAlg(String),
    /// The claims to sign are not a JSON object (RFC 7519 §7.2 requires one).
    InvalidClaims(String),
    /// An empty HMAC key would make every token forgeable by anyone.
    EmptySecret,
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::UnsupportedAlg(a) => write!(f, "unsupported JWT algorithm: {a:?}"),
            JwtError::InvalidClaims(m) => write!(f, "invalid JWT claims: {m}"),
            JwtError::EmptySecret => f.write_str("JWT secret must not be empty"),
        }
    }
}

impl std::error::Error for JwtError {}

/// The stable `reason` strings of [`Verified`], exported so callers can match
/// on them instead of repeating literals.
pub mod reason {
    pub const MALFORMED: &str = "malformed token";
    pub const UNSUPPORTED_ALG: &str = "unsupported algorithm";
    pub const ALG_NOT_ALLOWED: &str = "algorithm not allowed";
    pub const INVALID_SIGNATURE: &str = "invalid signature";
    pub const EXPIRED: &str = "token expired";
    pub const NOT_YET_VALID: &str = "token not yet valid";
    pub const INVALID_EXP: &str = "invalid exp claim";
    pub const INVALID_NBF: &str = "invalid nbf claim";
    pub const EMPTY_SECRET: &str = "empty secret";
}

/// Signs `claims` (which must be a JSON object) as a compact JWS with header
/// `{"alg":"<alg>","typ":"JWT"}`, base64url without padding.
///
/// The claims are serialized with `serde_json` (no extra whitespace); key order
/// follows the `Value`'s map order. Verification does not depend on it because
/// it MACs the bytes as sent.
pub fn sign(claims: &Value, secret: &[u8], alg: Alg) -> Result<String, JwtError> {
    if secret.is_empty() {
        return Err(JwtError::EmptySecret);
    }
    if !claims.is_object() {
        return Err(JwtError::InvalidClaims("claims must be a JSON object".to_string()));
    }
    // Written by hand so the header bytes are fixed regardless of map ordering.
    let header = format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.as_str());
    let payload = serde_json::to_vec(claims).map_err(|e| JwtError::InvalidClaims(e.to_string()))?;
    let mut token = String::with_capacity(header.len() * 2 + payload.len() * 2 + 90);
    token.push_str(&URL_SAFE_NO_PAD.encode(header.as_bytes()));
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(&payload));
    let sig = alg.mac(secret, token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(sig));
    Ok(token)
}

/// Result of [`verify`].
///
/// * `valid` — true only if every check passed; then `reason` is `None`.
/// * `header` — the decoded header whenever it is a JSON object, even for
///   rejected tokens (it is unauthenticated; use it only for diagnostics).
/// * `payload` — only set once the signature has verified (it may still be
///   set when the token is expired / not yet valid / has a bad exp or nbf, so
///   callers can log whose token it was). Never set for a token whose
///   signature failed, so unverified claims never look trustworthy.
/// * `reason` — one of the [`reason`] constants when `valid` is false.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub valid: bool,
    pub header: Option<Value>,
    pub payload: Option<Value>,
    pub reason: Option<String>,
}

impl Verified {
    fn reject(header: Option<Value>, payload: Option<Value>, why: &str) -> Verified {
        Verified { valid: false, header, payload, reason: Some(why.to_string()) }
    }
}

/// Verifies an HS256/384/512 compact JWS and its `exp`/`nbf` claims.
///
/// `allowed` lists the algorithms the caller accepts; `now` is the current
/// time in unix seconds; `leeway_secs` tolerates clock skew on both `exp` and
/// `nbf` (negative or non-finite leeway is treated as 0, so a bad setting can
/// only make checks stricter, never disable them).
///
/// Checks, in order (the first failure is the `reason`):
/// 1. structure — exactly three `.`-separated parts, each strict base64url,
///    header a JSON object with a string `alg`, no `crit` header
///    (we implement no JWS extensions, and RFC 7515 §4.1.11 requires rejecting
///    tokens that mark one critical, e.g. RFC 7797 unencoded payloads) →
///    `"malformed token"`;
/// 2. `alg` — not HS256/384/512 (including `none` in any case) →
///    `"unsupported algorithm"`; not in `allowed` → `"algorithm not allowed"`;
/// 3. empty secret → `"empty secret"`;
/// 4. signature (constant time, over the bytes as sent) → `"invalid signature"`;
/// 5. payload must be a JSON object → `"malformed token"`;
/// 6. `exp`/`nbf` — must be JSON numbers if present (`null` too is rejected)
///    → `"invalid exp claim"` / `"invalid nbf claim"`; then invalid if
///    `now >= exp + leeway` → `"token expired"`, or if `now + leeway < nbf` →
///    `"token not yet valid"`. Absent `exp` means no expiry (PostgREST accepts
///    such tokens too). A NaN `now` counts as expired / not yet valid.
pub fn verify(token: &str, secret: &[u8], allowed: &[Alg], now: f64, leeway_secs: f64) -> Verified {
    // 1. Structure.
    let mut parts = token.split('.');
    let (h64, p64, s64) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => (h, p, s),
        _ => return Verified::reject(None, None, reason::MALFORMED),
    };
    let header = URL_SAFE_NO_PAD
        .decode(h64)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .filter(Value::is_object);
    let Some(header) = header else {
        return Verified::reject(None, None, reason::MALFORMED);
    };
    let (Ok(payload_bytes), Ok(sig)) = (URL_SAFE_NO_PAD.decode(p64), URL_SAFE_NO_PAD.decode(s64)) else {
        return Verified::reject(Some(header), None, reason::MALFORMED);
    };
    let alg_name = match header.get("alg") {
        Some(Value::String(a)) => a.clone(),
        _ => return Verified::reject(Some(header), None, reason::MALFORMED),
    };
    if header.get("crit").is_some() {
        return Verified::reject(Some(header), None, reason::MALFORMED);
    }

    // 2. Algorithm. `Alg::parse` is case-sensitive, so "none", "None", "NONE"
    // and e.g. "hs256" all land here.
    let Ok(alg) = Alg::parse(&alg_name) else {
        return Verified::reject(Some(header), None, reason::UNSUPPORTED_ALG);
    };
    if !allowed.contains(&alg) {
        return Verified::reject(Some(header), None, reason::ALG_NOT_ALLOWED);
    }

    // 3. Secret.
    if secret.is_empty() {
        return Verified::reject(Some(header), None, reason::EMPTY_SECRET);
    }

    // 4. Signature, over the exact `header.payload` bytes as sent.
    let signing_input_len = h64.len() + 1 + p64.len();
    let expected = alg.mac(secret, &token.as_bytes()[..signing_input_len]);
    if !crate::ct::eq(&expected, &sig) {
        return Verified::reject(Some(header), None, reason::INVALID_SIGNATURE);
    }

    // 5. Payload (only now that it is authenticated).
    let payload = match serde_json::from_slice::<Value>(&payload_bytes) {
        Ok(v) if v.is_object() => v,
        _ => return Verified::reject(Some(header), None, reason::MALFORMED),
    };

    // 6. Time claims. Types first, so a malformed nbf is reported even when the
    // token is also expired.
    let exp = match payload.get("exp") {
        None => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(_) => return Verified::reject(Some(header), Some(payload), reason::INVALID_EXP),
    };
    let nbf = match payload.get("nbf") {
        None => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(_) => return Verified::reject(Some(header), Some(payload), reason::INVALID_NBF),
    };
    let leeway = if leeway_secs.is_finite() { leeway_secs.max(0.0) } else { 0.0 };
    if let Some(exp) = exp {
        if now.is_nan() || now >= exp + leeway {
            return Verified::reject(Some(header), Some(payload), reason::EXPIRED);
        }
    }
    if let Some(nbf) = nbf {
        if now.is_nan() || now + leeway < nbf {
            return Verified::reject(Some(header), Some(payload), reason::NOT_YET_VALID);
        }
    }

    Verified { valid: true, header: Some(header), payload: Some(payload), reason: None }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// RFC 7515 Appendix A.1 example (HS256). Checked with python3:
    /// `hmac.new(k, (h+"."+p).encode(), hashlib.sha256)` reproduces the signature.
    const RFC_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_K: &str =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
    const SECRET: &[u8] = b"super-secret-jwt-token-with-at-least-32-characters-long";

    fn rfc_key() -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(RFC_K).unwrap()
    }

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s.as_bytes())
    }

    /// Builds a token from raw header/payload JSON text, MACed correctly.
    fn raw_token(header: &str, payload: &str, secret: &[u8], alg: Alg) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig = URL_SAFE_NO_PAD.encode(alg.mac(secret, input.as_bytes()));
        format!("{input}.{sig}")
    }

    fn reason_of(v: &Verified) -> &str {
        v.reason.as_deref().unwrap_or("")
    }

    #[test]
    fn rfc7515_a1_valid_before_exp() {
        let v = verify(RFC_TOKEN, &rfc_key(), &[Alg::HS256], 1300819379.0, 0.0);
        assert!(v.valid, "{v:?}");
        assert_eq!(v.reason, None);
        assert_eq!(v.header.unwrap(), json!({"typ": "JWT", "alg": "HS256"}));
        assert_eq!(
            v.payload.unwrap(),
            json!({"iss": "joe", "exp": 1300819380, "http://example.com/is_root": true})
        );
    }

    #[test]
    fn rfc7515_a1_expired_at_and_after_exp() {
        for now in [1300819380.0, 1300819380.5, 1700000000.0] {
            let v = verify(RFC_TOKEN, &rfc_key(), &Alg::ALL, now, 0.0);
            assert!(!v.valid);
            assert_eq!(reason_of(&v), "token expired");
            // Signature was fine, so the payload is available for diagnostics.
            assert!(v.payload.is_some());
        }
    }

    #[test]
    fn rfc7515_a1_wrong_key() {
        let v = verify(RFC_TOKEN, b"not the key", &Alg::ALL, 1300819379.0, 0.0);
        assert_eq!(reason_of(&v), "invalid signature");
        assert!(v.header.is_some());
        assert_eq!(v.payload, None);
    }

    #[test]
    fn round_trip_all_algs() {
        let claims = json!({"sub": "abc", "role": "authenticated", "exp": 2000000000});
        for alg in Alg::ALL {
            let t = sign(&claims, SECRET, alg).unwrap();
            let v = verify(&t, SECRET, &Alg::ALL, 1700000000.0, 0.0);
            assert!(v.valid, "{alg}: {v:?}");
            assert_eq!(v.payload.as_ref(), Some(&claims));
            assert_eq!(v.header, Some(json!({"alg": alg.as_str(), "typ": "JWT"})));
            // Only its own algorithm allowed: still valid.
            assert!(verify(&t, SECRET, &[alg], 1700000000.0, 0.0).valid);
        }
    }

    /// Cross-checked with python3 (keys in sorted order so serde_json's output
    /// is the same with or without `preserve_order`):
    /// ```text
    /// python3 -c 'import hmac,hashlib,base64,json;e=lambda b:base64.urlsafe_b64encode(b).rstrip(b"=").decode();
    ///   [print((lambda i:i+"."+e(hmac.new(b"super-secret-jwt-token-with-at-least-32-characters-long",i.encode(),h).digest()))
    ///   (e(json.dumps({"alg":a,"typ":"JWT"},separators=(",",":")).encode())+"."+e(json.dumps({"exp":2000000000,"role":"authenticated","sub":"0d7a3f1e-1111-4222-8333-444455556666"},separators=(",",":")).encode())))
    ///   for a,h in (("HS384",hashlib.sha384),("HS512",hashlib.sha512))]'
    /// ```
    #[test]
    fn hs384_hs512_match_python() {
        let claims = json!({"exp": 2000000000, "role": "authenticated", "sub": "0d7a3f1e-1111-4222-8333-444455556666"});
        let hs384 = "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9.eyJleHAiOjIwMDAwMDAwMDAsInJvbGUiOiJhdXRoZW50aWNhdGVkIiwic3ViIjoiMGQ3YTNmMWUtMTExMS00MjIyLTgzMzMtNDQ0NDU1NTU2NjY2In0.VJ3zn_amI7bdZihyOfZ90s7PME3WdBewqlPY3znBVX1u9fBbboObmS4K8SbS3LJm";
        let hs512 = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJleHAiOjIwMDAwMDAwMDAsInJvbGUiOiJhdXRoZW50aWNhdGVkIiwic3ViIjoiMGQ3YTNmMWUtMTExMS00MjIyLTgzMzMtNDQ0NDU1NTU2NjY2In0.Yfn-1llLAhfRa-vREQzfoj5FhfMJBe39v3_Y6TpRPu4fZBaFLoI0zwSFWz5v2crQLPvefiZ4Wz4OXO3gezwxVw";
        assert_eq!(sign(&claims, SECRET, Alg::HS384).unwrap(), hs384);
        assert_eq!(sign(&claims, SECRET, Alg::HS512).unwrap(), hs512);
        assert!(verify(hs384, SECRET, &[Alg::HS384], 1.0, 0.0).valid);
        assert!(verify(hs512, SECRET, &[Alg::HS512], 1.0, 0.0).valid);
    }

    #[test]
    fn sign_rejects_bad_input() {
        assert_eq!(sign(&json!({}), b"", Alg::HS256), Err(JwtError::EmptySecret));
        for c in [json!([1]), json!("x"), json!(null), json!(3)] {
            assert!(matches!(sign(&c, SECRET, Alg::HS256), Err(JwtError::InvalidClaims(_))));
        }
    }

    #[test]
    fn alg_parse_is_exact() {
        assert_eq!(Alg::parse("HS256"), Ok(Alg::HS256));
        assert_eq!(Alg::parse("HS384"), Ok(Alg::HS384));
        assert_eq!(Alg::parse("HS512"), Ok(Alg::HS512));
        for bad in ["none", "None", "NONE", "hs256", "HS256 ", "RS256", "ES256", ""] {
            assert_eq!(Alg::parse(bad), Err(JwtError::UnsupportedAlg(bad.to_string())));
        }
        for a in Alg::ALL {
            assert_eq!(Alg::parse(a.as_str()), Ok(a));
        }
    }

    #[test]
    fn alg_none_rejected() {
        let payload = b64(r#"{"sub":"x","role":"service_role"}"#);
        for name in ["none", "None", "NONE", "nOnE"] {
            let h = b64(&format!(r#"{{"alg":"{name}","typ":"JWT"}}"#));
            // Empty signature (the classic attack) and a real-looking one.
            for sig in [String::new(), "c2lnbmF0dXJl".to_string()] {
                let t = format!("{h}.{payload}.{sig}");
                let v = verify(&t, SECRET, &Alg::ALL, 0.0, 0.0);
                assert!(!v.valid);
                assert_eq!(reason_of(&v), "unsupported algorithm", "{t}");
                assert_eq!(v.payload, None);
                assert!(v.header.is_some());
            }
        }
        // Even a correctly HMACed token declaring "none" is rejected.
        let t = raw_token(r#"{"alg":"none"}"#, "{}", SECRET, Alg::HS256);
        assert_eq!(reason_of(&verify(&t, SECRET, &Alg::ALL, 0.0, 0.0)), "unsupported algorithm");
    }

    #[test]
    fn other_algs_unsupported() {
        for name in ["RS256", "ES256", "hs256", "HS1"] {
            let t = raw_token(&format!(r#"{{"alg":"{name}"}}"#), "{}", SECRET, Alg::HS256);
            assert_eq!(reason_of(&verify(&t, SECRET, &Alg::ALL, 0.0, 0.0)), "unsupported algorithm");
        }
    }

    #[test]
    fn alg_mismatch_rejected() {
        let t = sign(&json!({"sub": "x"}), SECRET, Alg::HS512).unwrap();
        let v = verify(&t, SECRET, &[Alg::HS256], 0.0, 0.0);
        assert_eq!(reason_of(&v), "algorithm not allowed");
        assert_eq!(v.payload, None);
        assert!(!verify(&t, SECRET, &[], 0.0, 0.0).valid);
        // Header claims HS256 but the MAC is HS512 over the same input.
        let t = raw_token(r#"{"alg":"HS256"}"#, "{}", SECRET, Alg::HS512);
        assert_eq!(reason_of(&verify(&t, SECRET, &Alg::ALL, 0.0, 0.0)), "invalid signature");
    }

    #[test]
    fn empty_secret_rejected() {
        let t = sign(&json!({}), SECRET, Alg::HS256).unwrap();
        assert_eq!(reason_of(&verify(&t, b"", &Alg::ALL, 0.0, 0.0)), "empty secret");
    }

    #[test]
    fn wrong_secret_rejected() {
        let t = sign(&json!({"sub": "x"}), SECRET, Alg::HS256).unwrap();
        let v = verify(&t, b"another-secret", &Alg::ALL, 0.0, 0.0);
        assert_eq!(reason_of(&v), "invalid signature");
        assert_eq!(v.payload, None);
    }

    #[test]
    fn tampered_payload_rejected() {
        let t = sign(&json!({"role": "authenticated"}), SECRET, Alg::HS256).unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], b64(r#"{"role":"service_role"}"#), parts[2]);
        let v = verify(&forged, SECRET, &Alg::ALL, 0.0, 0.0);
        assert_eq!(reason_of(&v), "invalid signature");
        assert_eq!(v.payload, None, "unverified payload must not be returned");
    }

    #[test]
    fn truncated_and_empty_signature_rejected() {
        let t = sign(&json!({}), SECRET, Alg::HS256).unwrap();
        let (input, sig) = t.rsplit_once('.').unwrap();
        // 40 chars = 30 bytes: a valid base64url prefix of the real signature.
        let v = verify(&format!("{input}.{}", &sig[..40]), SECRET, &Alg::ALL, 0.0, 0.0);
        assert_eq!(reason_of(&v), "invalid signature");
        let v = verify(&format!("{input}."), SECRET, &Alg::ALL, 0.0, 0.0);
        assert_eq!(reason_of(&v), "invalid signature");
        // Signature with extra bytes appended.
        let longer = URL_SAFE_NO_PAD.encode([URL_SAFE_NO_PAD.decode(sig).unwrap(), vec![0]].concat());
        let v = verify(&format!("{input}.{longer}"), SECRET, &Alg::ALL, 0.0, 0.0);
        assert_eq!(reason_of(&v), "invalid signature");
    }

    #[test]
    fn padding_and_alphabet_rejected() {
        // A 32-byte HS256 signature encodes to 43 chars; the padded form adds '='.
        let t = sign(&json!({}), SECRET, Alg::HS256).unwrap();
        assert!(!t.contains('='));
        let v = verify(&format!("{t}="), SECRET, &Alg::ALL, 0.0, 0.0);
        assert_eq!(reason_of(&v), "malformed token");
        // Header with padding: {"alg":"HS256"} is 15 bytes -> 20 chars, no '='
        // needed; use a 16-byte header that needs "==".
        let header = r#"{"alg":"HS256"} "#;
        let good = raw_token(header, "{}", SECRET, Alg::HS256);
        assert!(verify(&good, SECRET, &Alg::ALL, 0.0, 0.0).valid);
        let padded = good.replacen('.', "==.", 1);
        assert_eq!(reason_of(&verify(&padded, SECRET, &Alg::ALL, 0.0, 0.0)), "malformed token");
        // Standard alphabet ('+' / '/') instead of URL alphabet.
        let std_sig = t.replace('-', "+").replace('_', "/");
        if std_sig != t {
            assert_eq!(reason_of(&verify(&std_sig, SECRET, &Alg::ALL, 0.0, 0.0)), "malformed token");
        }
        let v = verify(&format!("{t}+"), SECRET, &Alg::ALL, 0.0, 0.0);
        assert_eq!(reason_of(&v), "malformed token");
        // Whitespace is not trimmed.
        let v = verify(&format!(" {t}"), SECRET, &Alg::ALL, 0.0, 0.0);
        assert_eq!(reason_of(&v), "malformed token");
    }

    #[test]
    fn non_canonical_trailing_bits_rejected() {
        // The last char of a 43-char signature carries 4 data bits + 2 zero
        // bits; flipping a zero bit must not decode to the same bytes.
        let t = sign(&json!({}), SECRET, Alg::HS256).unwrap();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = *t.as_bytes().last().unwrap();
        let idx = alphabet.iter().position(|&c| c == last).unwrap();
        let sibling = alphabet[idx ^ 1] as char;
        let mut forged = t[..t.len() - 1].to_string();
        forged.push(sibling);
        let v = verify(&forged, SECRET, &Alg::ALL, 0.0, 0.0);
        assert!(!v.valid);
        assert_eq!(reason_of(&v), "malformed token");
    }

    #[test]
    fn wrong_part_count_rejected() {
        let t = sign(&json!({}), SECRET, Alg::HS256).unwrap();
        let (input, _) = t.rsplit_once('.').unwrap();
        for bad in [
            input.to_string(),
            format!("{t}.extra"),
            format!("{t}."),
            String::new(),
            ".".into(),
            "..".into(),
            "...".into(),
            "abc".into(),
        ] {
            let v = verify(&bad, SECRET, &Alg::ALL, 0.0, 0.0);
            assert!(!v.valid);
            assert_eq!(reason_of(&v), "malformed token", "{bad:?}");
        }
    }

    #[test]
    fn bad_headers_rejected() {
        for header in [
            "not json",
            r#"["alg","HS256"]"#,
            r#""HS256""#,
            "null",
            r#"{"typ":"JWT"}"#,
            r#"{"alg":256}"#,
            r#"{"alg":null}"#,
            r#"{"alg":"HS256","crit":["b64"],"b64":false}"#,
        ] {
            let t = raw_token(header, "{}", SECRET, Alg::HS256);
            let v = verify(&t, SECRET, &Alg::ALL, 0.0, 0.0);
            assert!(!v.valid);
            assert_eq!(reason_of(&v), "malformed token", "{header}");
            assert_eq!(v.payload, None);
            // Header returned only when it is at least a JSON object.
            assert_eq!(v.header.is_some(), header.starts_with('{'), "{header}");
        }
    }

    #[test]
    fn bad_payload_after_valid_signature() {
        for payload in ["not json", "[1,2]", r#""s""#, "null", ""] {
            let t = raw_token(r#"{"alg":"HS256"}"#, payload, SECRET, Alg::HS256);
            let v = verify(&t, SECRET, &Alg::ALL, 0.0, 0.0);
            assert_eq!(reason_of(&v), "malformed token", "{payload}");
            assert_eq!(v.payload, None);
        }
    }

    #[test]
    fn header_returned_even_when_invalid() {
        let t = sign(&json!({}), SECRET, Alg::HS512).unwrap();
        let v = verify(&t, b"wrong", &Alg::ALL, 0.0, 0.0);
        assert_eq!(v.header, Some(json!({"alg": "HS512", "typ": "JWT"})));
        // Malformed signature part: header still returned.
        let (input, _) = t.rsplit_once('.').unwrap();
        let v = verify(&format!("{input}.***"), SECRET, &Alg::ALL, 0.0, 0.0);
        assert_eq!(reason_of(&v), "malformed token");
        assert!(v.header.is_some());
    }

    #[test]
    fn exp_boundaries_with_leeway() {
        let t = sign(&json!({"exp": 1000}), SECRET, Alg::HS256).unwrap();
        let check = |now: f64, leeway: f64| verify(&t, SECRET, &Alg::ALL, now, leeway);
        assert!(check(999.0, 0.0).valid);
        assert!(check(999.999, 0.0).valid);
        assert_eq!(reason_of(&check(1000.0, 0.0)), "token expired");
        assert!(check(1029.9, 30.0).valid);
        assert_eq!(reason_of(&check(1030.0, 30.0)), "token expired");
        // Bad leeway cannot disable the check.
        assert_eq!(reason_of(&check(1000.0, f64::INFINITY)), "token expired");
        assert_eq!(reason_of(&check(1000.0, f64::NAN)), "token expired");
        assert_eq!(reason_of(&check(1000.0, -5.0)), "token expired");
        assert_eq!(reason_of(&check(f64::NAN, 0.0)), "token expired");
        // Float exp.
        let t = sign(&json!({"exp": 1000.5}), SECRET, Alg::HS256).unwrap();
        assert!(verify(&t, SECRET, &Alg::ALL, 1000.4, 0.0).valid);
        assert!(!verify(&t, SECRET, &Alg::ALL, 1000.5, 0.0).valid);
    }

    #[test]
    fn nbf_boundaries_with_leeway() {
        let t = sign(&json!({"nbf": 1000, "exp": 2000}), SECRET, Alg::HS256).unwrap();
        let check = |now: f64, leeway: f64| verify(&t, SECRET, &Alg::ALL, now, leeway);
        assert_eq!(reason_of(&check(999.0, 0.0)), "token not yet valid");
        assert!(check(1000.0, 0.0).valid);
        assert!(check(970.0, 30.0).valid);
        assert_eq!(reason_of(&check(969.9, 30.0)), "token not yet valid");
        assert!(check(1999.0, 0.0).valid);
        assert_eq!(reason_of(&check(2000.0, 0.0)), "token expired");
        let nbf_only = sign(&json!({"nbf": 1000}), SECRET, Alg::HS256).unwrap();
        assert!(verify(&nbf_only, SECRET, &Alg::ALL, 1e12, 0.0).valid);
    }

    #[test]
    fn non_numeric_time_claims_rejected() {
        for (claims, why) in [
            (json!({"exp": "2000000000"}), "invalid exp claim"),
            (json!({"exp": null}), "invalid exp claim"),
            (json!({"exp": true}), "invalid exp claim"),
            (json!({"exp": [1]}), "invalid exp claim"),
            (json!({"nbf": "0"}), "invalid nbf claim"),
            (json!({"nbf": {}}), "invalid nbf claim"),
            // Type errors are reported before time checks.
            (json!({"exp": 1, "nbf": "0"}), "invalid nbf claim"),
        ] {
            let t = sign(&claims, SECRET, Alg::HS256).unwrap();
            let v = verify(&t, SECRET, &Alg::ALL, 1000.0, 0.0);
            assert!(!v.valid);
            assert_eq!(reason_of(&v), why, "{claims}");
            assert_eq!(v.payload.as_ref(), Some(&claims));
        }
    }

    #[test]
    fn no_exp_means_no_expiry() {
        let t = sign(&json!({"role": "anon"}), SECRET, Alg::HS256).unwrap();
        assert!(verify(&t, SECRET, &Alg::ALL, 1e12, 0.0).valid);
    }

    #[test]
    fn error_display() {
        assert_eq!(JwtError::EmptySecret.to_string(), "JWT secret must not be empty");
        let long = "x".repeat(100);
        let Err(JwtError::UnsupportedAlg(s)) = Alg::parse(&long) else { panic!() };
        assert_eq!(s.chars().count(), 41);
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(".{0,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn claims_object() -> impl Strategy<Value = Value> {
        prop::collection::btree_map("[a-z_]{1,8}", json_value(), 0..5).prop_map(|m| {
            let mut m: serde_json::Map<String, Value> = m.into_iter().collect();
            // Keep time claims out so validity depends only on the signature.
            m.remove("exp");
            m.remove("nbf");
            Value::Object(m)
        })
    }

    fn alg() -> impl Strategy<Value = Alg> {
        prop_oneof![Just(Alg::HS256), Just(Alg::HS384), Just(Alg::HS512)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn verify_never_panics_on_arbitrary_strings(s in ".{0,200}", now in any::<f64>(), leeway in any::<f64>()) {
            let v = verify(&s, SECRET, &Alg::ALL, now, leeway);
            prop_assert_eq!(v.valid, v.reason.is_none());
        }

        #[test]
        fn verify_never_panics_on_token_shaped_strings(
            h in "[A-Za-z0-9_=+/-]{0,60}",
            p in "[A-Za-z0-9_=+/-]{0,60}",
            s in "[A-Za-z0-9_=+/-]{0,90}",
            hj in json_value(),
        ) {
            let _ = verify(&format!("{h}.{p}.{s}"), SECRET, &Alg::ALL, 0.0, 0.0);
            // Real JSON header with random other parts.
            let hh = URL_SAFE_NO_PAD.encode(hj.to_string());
            let v = verify(&format!("{hh}.{p}.{s}"), SECRET, &Alg::ALL, 0.0, 0.0);
            prop_assert!(!v.valid);
        }

        #[test]
        fn round_trip(claims in claims_object(), secret in prop::collection::vec(any::<u8>(), 1..80), alg in alg()) {
            let t = sign(&claims, &secret, alg).unwrap();
            let v = verify(&t, &secret, &[alg], 0.0, 0.0);
            prop_assert!(v.valid);
            prop_assert_eq!(v.payload, Some(claims));
        }

        #[test]
        fn single_change_never_verifies(
            claims in claims_object(),
            alg in alg(),
            pos in any::<prop::sample::Index>(),
            replacement in any::<char>(),
        ) {
            let t = sign(&claims, SECRET, alg).unwrap();
            prop_assert!(verify(&t, SECRET, &Alg::ALL, 0.0, 0.0).valid);
            let i = pos.index(t.len());
            // The token is ASCII, so byte index i is a char boundary.
            prop_assume!(t.as_bytes()[i] as char != replacement);
            let mut forged = String::with_capacity(t.len() + 4);
            forged.push_str(&t[..i]);
            forged.push(replacement);
            forged.push_str(&t[i + 1..]);
            let v = verify(&forged, SECRET, &Alg::ALL, 0.0, 0.0);
            prop_assert!(!v.valid, "forged {} verified", forged);
        }

        #[test]
        fn single_ascii_byte_change_never_verifies(
            claims in claims_object(),
            alg in alg(),
            pos in any::<prop::sample::Index>(),
            byte in 0x20u8..0x7f,
        ) {
            let t = sign(&claims, SECRET, alg).unwrap();
            let i = pos.index(t.len());
            prop_assume!(t.as_bytes()[i] != byte);
            let mut b = t.into_bytes();
            b[i] = byte;
            let forged = String::from_utf8(b).unwrap();
            prop_assert!(!verify(&forged, SECRET, &Alg::ALL, 0.0, 0.0).valid);
        }
    }
}
