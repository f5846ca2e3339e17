//! Hybrid search glue: registration, the generated typed search functions,
//! BM25 statistics and postings kept by statement-level triggers
//! (`search.sql`), and grants (`grants.sql`). See docs/search.md.
use pgrx::prelude::*;

extension_sql_file!("search.sql", name = "search", requires = ["bootstrap"]);
extension_sql_file!("grants.sql", name = "search_grants", requires = ["search"]);
