//! Hybrid search glue: registration, the generated typed search functions,
//! BM25 statistics and postings kept by statement-level triggers
//! (`search.sql`), and grants (`grants.sql`). See docs/search.md.
use pgrx::prelude::*;

mod topk;

extension_sql_file!("search.sql", name = "search", requires = ["bootstrap", topk::search_topk]);
extension_sql_file!("grants.sql", name = "search_grants", requires = ["search"]);
