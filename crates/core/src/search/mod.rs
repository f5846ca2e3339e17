//! Hybrid search: the reference model of the lexical stage.
//!
//! The extension computes BM25 and its top-k in SQL (src/search/search.sql,
//! generated per registration, close to the postings). This module is the
//! same arithmetic and the same MaxScore stopping rule over an in-memory
//! index, so the rule's exactness is checked here against exhaustive scoring
//! on thousands of random corpora in milliseconds; the golden test
//! `60_search` checks the SQL against exhaustive BM25 on one corpus.
pub mod bm25;
pub mod maxscore;
