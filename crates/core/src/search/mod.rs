//! Hybrid search: the lexical stage's arithmetic and top-k.
//!
//! `bm25` is the scoring; `maxscore` the exact top-k the extension runs
//! (src/search/topk.rs feeds it postings from the index), generic over where
//! postings come from, so its exactness is checked here against exhaustive
//! scoring on thousands of random corpora in milliseconds; the golden test
//! `60_search` checks the SQL surface against exhaustive BM25 on one corpus.
pub mod bm25;
pub mod maxscore;
