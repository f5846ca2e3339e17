//! MaxScore at term granularity, as the lexical stage runs it
//! (`src/search/topk.rs` drives it over the postings index): take the
//! query's terms rarest first and sum their postings into partial scores.
//! Partial scores are lower bounds of the complete ones, and a term adds at
//! most `idf · (k1 + 1)` to any document. Once the n-th best partial score θ
//! exceeds the summed bounds of the terms not yet scanned, no document that
//! has only those terms can enter the top n: their postings are never
//! scanned, only probed for the collected documents whose partial score plus
//! that bound still reaches θ. Exact: the answer equals scoring every
//! posting, and every document's score is summed in the same term order, so
//! to the same bits.
use super::bm25::{idf, term_bound, term_score, Params};
use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

/// Where the postings come from: term `i` of the query (rarest first).
pub trait Postings {
    type Key: Hash + Eq + Clone;
    /// Calls `f(key, tf, len)` for every posting of term `i`.
    fn scan(&mut self, i: usize, f: &mut dyn FnMut(Self::Key, f64, f64));
    /// Term `i`'s (tf, len) in document `key`, if it has one.
    fn probe(&mut self, i: usize, key: &Self::Key) -> Option<(f64, f64)>;
}

/// What a search did: the top n (key, score) best first, plus any document
/// tied with the n-th (the caller breaks ties by key, in the key's own
/// type order), and how many terms had their postings scanned.
#[derive(Debug)]
pub struct TopK<K> {
    pub hits: Vec<(K, f64)>,
    pub terms_scanned: usize,
}

/// The n-th best of `scores` (1-based), if there are n.
fn nth_best(scores: impl Iterator<Item = f64>, n: usize) -> Option<f64> {
    let mut v: Vec<f64> = scores.collect();
    if n == 0 || v.len() < n {
        return None;
    }
    let (_, nth, _) = v.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
    Some(*nth)
}

/// Bounds are compared with a margin for float rounding: stopping late, or
/// keeping a candidate too many, never changes the answer.
fn with_margin(bound: f64) -> f64 {
    bound * (1.0 + 1e-9) + 1e-12
}

/// What a probe costs next to one scanned posting (a B-tree descent against
/// a step along a leaf), measured on the postings index: past this many
/// candidates per posting, a remaining term is scanned, not probed.
pub const PROBE_COST: f64 = 16.0;

/// The lexical stage's algorithm. `idfs` are the query terms' IDFs, rarest
/// first, and the order in which each document's score is summed; `dfs`
/// their posting counts (to choose between probing and scanning).
pub fn maxscore<P: Postings>(
    src: &mut P,
    p: Params,
    idfs: &[f64],
    dfs: &[f64],
    avgdl: f64,
    n: usize,
) -> TopK<P::Key> {
    maxscore_with(src, p, idfs, dfs, avgdl, n, PROBE_COST)
}

fn maxscore_with<P: Postings>(
    src: &mut P,
    p: Params,
    idfs: &[f64],
    dfs: &[f64],
    avgdl: f64,
    n: usize,
    probe_cost: f64,
) -> TopK<P::Key> {
    let m = idfs.len();
    let rest = |from: usize| with_margin(idfs[from..].iter().map(|w| term_bound(p, *w)).sum());
    let mut acc: HashMap<P::Key, f64> = HashMap::new();
    let mut scanned = 0;
    let mut theta = None;
    for (i, w) in idfs.iter().enumerate() {
        src.scan(i, &mut |k, tf, len| *acc.entry(k).or_insert(0.0) += term_score(p, *w, tf, len, avgdl));
        scanned = i + 1;
        if scanned == m {
            break;
        }
        if let Some(t) = nth_best(acc.values().copied(), n) {
            if t > rest(scanned) {
                theta = Some(t);
                break;
            }
        }
    }
    if let Some(mut t) = theta {
        // The remaining terms, one at a time, for the documents that can
        // still reach θ: probed, or scanned when that is cheaper. After each
        // one the bound shrinks and θ can only grow, so fewer remain.
        acc.retain(|_, s| *s + rest(scanned) >= t);
        for (j, &w) in idfs.iter().enumerate().skip(scanned) {
            if (acc.len() as f64) * probe_cost < dfs.get(j).copied().unwrap_or(f64::INFINITY) {
                for (k, s) in acc.iter_mut() {
                    if let Some((tf, len)) = src.probe(j, k) {
                        *s += term_score(p, w, tf, len, avgdl);
                    }
                }
            } else {
                src.scan(j, &mut |k, tf, len| {
                    if let Some(s) = acc.get_mut(&k) {
                        *s += term_score(p, w, tf, len, avgdl);
                    }
                });
            }
            if j + 1 < m {
                t = nth_best(acc.values().copied(), n).unwrap_or(t).max(t);
                let bound = rest(j + 1);
                acc.retain(|_, s| *s + bound >= t);
            }
        }
    }
    let mut hits: Vec<(P::Key, f64)> = acc.into_iter().collect();
    let cut = nth_best(hits.iter().map(|h| h.1), n);
    if let Some(c) = cut {
        hits.retain(|h| h.1 >= c);
    }
    hits.sort_by(|a, b| b.1.total_cmp(&a.1));
    TopK { hits, terms_scanned: scanned }
}

/// An in-memory inverted index: term -> postings (doc, tf), doc -> length;
/// the reference the tests check the algorithm against.
#[derive(Default)]
pub struct Index {
    pub postings: HashMap<String, Vec<(u32, u32)>>,
    pub lengths: HashMap<u32, u32>,
}

impl Index {
    pub fn add(&mut self, doc: u32, terms: &[(&str, u32)]) {
        let mut len = 0;
        for (t, tf) in terms {
            self.postings.entry((*t).to_string()).or_default().push((doc, *tf));
            len += tf;
        }
        self.lengths.insert(doc, len);
    }
    pub fn avgdl(&self) -> f64 {
        self.lengths.values().map(|&l| l as f64).sum::<f64>() / self.lengths.len() as f64
    }
    fn tf(&self, term: &str, doc: u32) -> Option<u32> {
        self.postings.get(term)?.iter().find(|(d, _)| *d == doc).map(|(_, tf)| *tf)
    }
    /// Query terms present in the index, with their IDF, rarest first.
    pub fn weighted(&self, query: &[&str]) -> Vec<(String, f64)> {
        let docs = self.lengths.len() as f64;
        let mut terms: Vec<(String, f64)> = query
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter_map(|t| self.postings.get(t).map(|p| (t.to_string(), idf(docs, p.len() as f64))))
            .collect();
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        terms
    }
}

/// [`Postings`] over an [`Index`] for one query's terms.
pub struct IndexPostings<'a> {
    pub index: &'a Index,
    pub terms: Vec<String>,
}

impl Postings for IndexPostings<'_> {
    type Key = u32;
    fn scan(&mut self, i: usize, f: &mut dyn FnMut(u32, f64, f64)) {
        for (d, tf) in &self.index.postings[&self.terms[i]] {
            f(*d, *tf as f64, self.index.lengths[d] as f64);
        }
    }
    fn probe(&mut self, i: usize, key: &u32) -> Option<(f64, f64)> {
        self.index.tf(&self.terms[i], *key).map(|tf| (tf as f64, self.index.lengths[key] as f64))
    }
}

/// Every document containing a query term, scored; the top n by score, then
/// by doc.
pub fn exhaustive(index: &Index, p: Params, query: &[&str], n: usize) -> Vec<(u32, f64)> {
    let terms = index.weighted(query);
    let avgdl = index.avgdl();
    let docs: BTreeSet<u32> =
        terms.iter().flat_map(|(t, _)| index.postings[t].iter().map(|(d, _)| *d)).collect();
    let mut hits: Vec<(u32, f64)> = docs
        .into_iter()
        .map(|d| {
            let len = index.lengths[&d] as f64;
            let s = terms
                .iter()
                .filter_map(|(t, w)| index.tf(t, d).map(|tf| term_score(p, *w, tf as f64, len, avgdl)))
                .sum();
            (d, s)
        })
        .collect();
    rank(&mut hits, n);
    hits
}

/// Best first, then by key; the first n.
pub fn rank(hits: &mut Vec<(u32, f64)>, n: usize) {
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    hits.truncate(n);
}

/// The algorithm over an [`Index`], ranked like [`exhaustive`].
pub fn search(index: &Index, p: Params, query: &[&str], n: usize) -> TopK<u32> {
    search_with(index, p, query, n, PROBE_COST)
}

fn search_with(index: &Index, p: Params, query: &[&str], n: usize, probe_cost: f64) -> TopK<u32> {
    let terms = index.weighted(query);
    let idfs: Vec<f64> = terms.iter().map(|t| t.1).collect();
    let mut src = IndexPostings { index, terms: terms.into_iter().map(|t| t.0).collect() };
    let dfs: Vec<f64> = src.terms.iter().map(|t| index.postings[t].len() as f64).collect();
    let mut got = maxscore_with(&mut src, p, &idfs, &dfs, index.avgdl(), n, probe_cost);
    rank(&mut got.hits, n);
    got
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn corpus(docs: &[Vec<(u8, u8)>]) -> Index {
        let mut index = Index::default();
        for (i, terms) in docs.iter().enumerate() {
            let mut merged: HashMap<String, u32> = HashMap::new();
            for (t, tf) in terms {
                *merged.entry(format!("t{t}")).or_default() += *tf as u32;
            }
            let v: Vec<(&str, u32)> = merged.iter().map(|(t, tf)| (t.as_str(), *tf)).collect();
            index.add(i as u32, &v);
        }
        index
    }

    proptest! {
        /// The stopping rule never changes the answer.
        #[test]
        fn maxscore_equals_exhaustive(
            docs in prop::collection::vec(prop::collection::vec((0u8..30, 1u8..5), 1..12), 1..120),
            query in prop::collection::vec(0u8..35, 1..6),
            n in 1usize..15,
            k1 in 0.0f64..3.0,
            b in 0.0f64..=1.0,
        ) {
            let index = corpus(&docs);
            let q: Vec<String> = query.iter().map(|t| format!("t{t}")).collect();
            let q: Vec<&str> = q.iter().map(String::as_str).collect();
            let p = Params { k1, b };
            let want = exhaustive(&index, p, &q, n);
            // Same documents, same scores to the bit (same summing order),
            // whether the remaining terms are probed, scanned or either.
            for cost in [0.0, PROBE_COST, f64::INFINITY] {
                let got = search_with(&index, p, &q, n, cost);
                prop_assert_eq!(&want, &got.hits);
            }
        }
    }

    /// A rare term decides the top 1 and the common term is never scanned.
    #[test]
    fn skips_the_common_term() {
        let mut index = Index::default();
        index.add(0, &[("rare", 3), ("common", 1)]);
        for d in 1..200 {
            index.add(d, &[("common", 1), ("filler", 3)]);
        }
        let got = search(&index, Params::default(), &["common", "rare"], 1);
        assert_eq!(got.hits[0].0, 0);
        assert_eq!(got.terms_scanned, 1);
        assert_eq!(exhaustive(&index, Params::default(), &["common", "rare"], 1), got.hits);
    }

    /// Fewer candidates than n: every term is scanned.
    #[test]
    fn scans_everything_when_short() {
        let mut index = Index::default();
        index.add(0, &[("a", 1)]);
        index.add(1, &[("b", 1)]);
        let got = search(&index, Params::default(), &["a", "b"], 5);
        assert_eq!(got.terms_scanned, 2);
        assert_eq!(got.hits.len(), 2);
    }
}
