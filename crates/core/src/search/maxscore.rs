//! MaxScore at term granularity, as the lexical stage runs it: take the
//! query's terms rarest first, collect their documents, and stop once the
//! n-th best complete score among the collected documents exceeds the sum
//! of the remaining terms' bounds.
use super::bm25::{idf, term_bound, term_score, Params};
use std::collections::{BTreeSet, HashMap};

/// An in-memory inverted index: term -> postings (doc, tf), doc -> length.
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
    fn avgdl(&self) -> f64 {
        self.lengths.values().map(|&l| l as f64).sum::<f64>() / self.lengths.len() as f64
    }
    fn tf(&self, term: &str, doc: u32) -> Option<u32> {
        self.postings.get(term)?.iter().find(|(d, _)| *d == doc).map(|(_, tf)| *tf)
    }
}

/// What a search did: the top n (doc, score), best first then by doc, and
/// how many of the query's terms had their postings scanned.
#[derive(Debug)]
pub struct TopK {
    pub hits: Vec<(u32, f64)>,
    pub terms_scanned: usize,
}

/// Query terms present in the index, with their IDF, rarest first.
fn weighted(index: &Index, query: &[&str]) -> Vec<(String, f64)> {
    let docs = index.lengths.len() as f64;
    let mut terms: Vec<(String, f64)> = query
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter_map(|t| index.postings.get(t).map(|p| (t.to_string(), idf(docs, p.len() as f64))))
        .collect();
    terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    terms
}

fn score(index: &Index, p: Params, terms: &[(String, f64)], doc: u32, avgdl: f64) -> f64 {
    let len = index.lengths[&doc] as f64;
    terms
        .iter()
        .filter_map(|(t, w)| index.tf(t, doc).map(|tf| term_score(p, *w, tf as f64, len, avgdl)))
        .sum()
}

fn rank(mut hits: Vec<(u32, f64)>, n: usize) -> Vec<(u32, f64)> {
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    hits.truncate(n);
    hits
}

/// Every document containing a query term, scored.
pub fn exhaustive(index: &Index, p: Params, query: &[&str], n: usize) -> TopK {
    let terms = weighted(index, query);
    let avgdl = index.avgdl();
    let docs: BTreeSet<u32> =
        terms.iter().flat_map(|(t, _)| index.postings[t].iter().map(|(d, _)| *d)).collect();
    let hits = docs.into_iter().map(|d| (d, score(index, p, &terms, d, avgdl))).collect();
    TopK { hits: rank(hits, n), terms_scanned: terms.len() }
}

/// The lexical stage's algorithm.
pub fn maxscore(index: &Index, p: Params, query: &[&str], n: usize) -> TopK {
    let terms = weighted(index, query);
    let avgdl = index.avgdl();
    let mut cand = BTreeSet::new();
    let mut scanned = 0;
    for (i, (t, _)) in terms.iter().enumerate() {
        cand.extend(index.postings[t].iter().map(|(d, _)| *d));
        scanned = i + 1;
        if scanned == terms.len() {
            break;
        }
        let bound: f64 = terms[i + 1..].iter().map(|(_, w)| term_bound(p, *w)).sum();
        if cand.len() >= n {
            let top = rank(cand.iter().map(|&d| (d, score(index, p, &terms, d, avgdl))).collect(), n);
            if top[n - 1].1 > bound {
                break;
            }
        }
    }
    let hits = cand.into_iter().map(|d| (d, score(index, p, &terms, d, avgdl))).collect();
    TopK { hits: rank(hits, n), terms_scanned: scanned }
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
            let got = maxscore(&index, p, &q, n);
            prop_assert_eq!(want.hits.len(), got.hits.len());
            for (w, g) in want.hits.iter().zip(&got.hits) {
                prop_assert!((w.1 - g.1).abs() < 1e-9, "{:?} vs {:?}", want.hits, got.hits);
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
        let got = maxscore(&index, Params::default(), &["common", "rare"], 1);
        assert_eq!(got.hits[0].0, 0);
        assert_eq!(got.terms_scanned, 1);
        assert_eq!(exhaustive(&index, Params::default(), &["common", "rare"], 1).hits, got.hits);
    }

    /// Fewer candidates than n: every term is scanned.
    #[test]
    fn scans_everything_when_short() {
        let mut index = Index::default();
        index.add(0, &[("a", 1)]);
        index.add(1, &[("b", 1)]);
        let got = maxscore(&index, Params::default(), &["a", "b"], 5);
        assert_eq!(got.terms_scanned, 2);
        assert_eq!(got.hits.len(), 2);
    }
}
