//! The catalog reader's statements, for the grammar check of `../statements.rs`.

use super::queries::{CURRENT_SCHEMA_SQL, PROBE_SQL, Prefix, dictionary_queries, schemas_sql};
use crate::db::oracle::statements::{Sent, sent};

pub(in crate::db::oracle) fn all() -> Vec<Sent> {
    let mut out = vec![
        sent("catalog PROBE_SQL reads_dba_views", PROBE_SQL),
        sent("catalog CURRENT_SCHEMA_SQL", CURRENT_SCHEMA_SQL),
        // Inline in read_catalog (and in the source's open_sources).
        sent(
            "catalog read_catalog SET TRANSACTION READ ONLY",
            "SET TRANSACTION READ ONLY",
        ),
        sent("catalog schemas_sql one schema", schemas_sql(1)),
        sent("catalog schemas_sql three schemas", schemas_sql(3)),
    ];
    for (prefix, schemas) in [(Prefix::All, 1), (Prefix::Dba, 3)] {
        for (query, sql) in dictionary_queries(prefix, schemas) {
            out.push(sent(
                format!("catalog dictionary_queries {prefix:?} {query:?} {schemas} schemas"),
                sql,
            ));
        }
    }
    out
}
