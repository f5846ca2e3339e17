//! Constant-time helpers shared by webhooks and JWT verification.

use subtle::ConstantTimeEq;

/// Compares two byte strings in time that depends only on their lengths.
///
/// The length check comes first and is explicit: an empty or truncated
/// signature must never verify (the Svix Rust verifier once shipped that bug by
/// comparing only a prefix).
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && !a.is_empty() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::eq;

    #[test]
    fn empty_and_prefix_never_match() {
        assert!(!eq(b"", b""));
        assert!(!eq(b"abc", b"ab"));
        assert!(!eq(b"ab", b"abc"));
        assert!(eq(b"abc", b"abc"));
        assert!(!eq(b"abc", b"abd"));
    }
}
