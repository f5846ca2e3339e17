//! The row hash: XXH3-64 over a canonical byte string built from each
//! column's own hash.
//!
//! The glue computes each column's hash with the type's extended hash
//! function (its default hash operator class, seed 0, collation "C"), and
//! jsonb's with [`super::jsonb`], which follows the same equality. Postgres
//! guarantees those agree with the type's equality: numeric `1.0` and `1.00`
//! hash alike (`hash_numeric` strips the scale), jsonb is stored with sorted,
//! de-duplicated keys, timestamptz is a UTC instant, arrays hash elementwise,
//! and int2/int4/int8 (one operator family) hash a value identically. Text
//! under "C" hashes its bytes. So "equal by the type's `=`" implies "equal
//! column hash", and this module only has to combine them.
//!
//! Each column contributes a tag byte (0 NULL, 1 value) and, for a value, its
//! 8-byte hash, so `(NULL, x)` and `(x, NULL)` differ, and a NULL differs
//! from every value (IS DISTINCT FROM semantics).
use twox_hash::XxHash3_64;

/// Builds one row's canonical bytes; reuse it across rows to avoid
/// allocating.
#[derive(Default)]
pub struct RowHasher {
    buf: Vec<u8>,
}

impl RowHasher {
    pub fn new() -> Self {
        Self { buf: Vec::with_capacity(64) }
    }

    pub fn start(&mut self) {
        self.buf.clear();
    }

    pub fn null(&mut self) {
        self.buf.push(0);
    }

    pub fn value(&mut self, column_hash: u64) {
        self.buf.push(1);
        self.buf.extend_from_slice(&column_hash.to_le_bytes());
    }

    /// The row's hash, as Postgres's bigint.
    pub fn finish(&self) -> i64 {
        XxHash3_64::oneshot(&self.buf) as i64
    }
}

/// Hash of a row given its column hashes, for tests and one-off callers.
pub fn row_hash(cols: &[Option<u64>]) -> i64 {
    let mut h = RowHasher::new();
    h.start();
    for c in cols {
        match c {
            Some(v) => h.value(*v),
            None => h.null(),
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_positions_and_values_matter() {
        let a = row_hash(&[Some(1), None]);
        let b = row_hash(&[None, Some(1)]);
        let c = row_hash(&[Some(1), Some(0)]);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(row_hash(&[None]), row_hash(&[Some(0)]));
        assert_ne!(row_hash(&[]), row_hash(&[None]));
        assert_eq!(row_hash(&[Some(7), None]), row_hash(&[Some(7), None]));
    }

    #[test]
    fn reuse_gives_the_same_answer() {
        let mut h = RowHasher::new();
        h.start();
        h.value(42);
        h.null();
        let first = h.finish();
        h.start();
        h.value(42);
        h.null();
        assert_eq!(first, h.finish());
        assert_eq!(first, row_hash(&[Some(42), None]));
    }

    #[test]
    fn no_collisions_on_small_sweep() {
        let mut seen = std::collections::HashSet::new();
        for a in 0..200u64 {
            for b in [None, Some(0), Some(1), Some(a)] {
                seen.insert((a, b, row_hash(&[Some(a), b])));
            }
        }
        let hashes: std::collections::HashSet<i64> = seen.iter().map(|x| x.2).collect();
        let distinct_rows: std::collections::HashSet<(u64, Option<u64>)> =
            seen.iter().map(|x| (x.0, x.1)).collect();
        assert_eq!(hashes.len(), distinct_rows.len());
    }
}
