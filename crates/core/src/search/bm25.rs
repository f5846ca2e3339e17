//! BM25 as the extension computes it (docs/search.md, "BM25 and the
//! statistics behind it").

/// `k1` and `b`; the defaults are Anserini's (the BEIR BM25 baseline's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    pub k1: f64,
    pub b: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params { k1: 0.9, b: 0.4 }
    }
}

/// Lucene's non-negative IDF: `ln(1 + (N - df + 0.5) / (df + 0.5))`.
pub fn idf(docs: f64, df: f64) -> f64 {
    (1.0 + (docs - df + 0.5) / (df + 0.5)).ln()
}

/// One term's contribution to a document's score.
pub fn term_score(p: Params, idf: f64, tf: f64, len: f64, avgdl: f64) -> f64 {
    idf * tf * (p.k1 + 1.0) / (tf + p.k1 * (1.0 - p.b + p.b * len / avgdl))
}

/// The most a term can add to any document: the saturation factor tends to
/// `k1 + 1` as tf grows, whatever the length.
pub fn term_bound(p: Params, idf: f64) -> f64 {
    idf * (p.k1 + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-computed example of tests/pg_regress/sql/60_search.sql.
    #[test]
    fn hand_computed() {
        let p = Params { k1: 1.2, b: 0.75 };
        let i = idf(3.0, 2.0);
        assert!((i - 1.6f64.ln()).abs() < 1e-15);
        assert!((term_score(p, i, 2.0, 3.0, 3.0) - 1.6f64.ln() * 1.375).abs() < 1e-12);
        assert!((term_score(p, i, 1.0, 4.0, 3.0) - 1.6f64.ln() * 0.88).abs() < 1e-12);
    }

    #[test]
    fn idf_is_never_negative() {
        for df in 1..=100 {
            assert!(idf(100.0, df as f64) > 0.0);
        }
    }

    #[test]
    fn bound_bounds() {
        let p = Params::default();
        for tf in 1..50 {
            for len in [1.0, 5.0, 100.0, 10_000.0] {
                assert!(term_score(p, 2.0, tf as f64, len, 50.0) <= term_bound(p, 2.0));
            }
        }
    }
}
