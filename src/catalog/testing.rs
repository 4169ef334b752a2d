//! Catalog values for unit tests: the plainest column and table, for a test to adjust with
//! struct update syntax (`Column { nullable: false, ..Column::test(…) }`) so that it spells out
//! only what it is about.

use super::model::{Column, NeutralType, Table};

impl Column {
    /// A nullable column without default, identity, generation or comment.
    pub(crate) fn test(name: &str, native_type: &str, neutral_type: NeutralType) -> Column {
        Column {
            name: name.to_string(),
            native_type: native_type.to_string(),
            neutral_type,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            comment: None,
        }
    }
}

impl Table {
    /// A table of `columns` and nothing else: no keys, checks, indexes, comment or row estimate.
    pub(crate) fn test(schema: &str, name: &str, columns: Vec<Column>) -> Table {
        Table {
            schema: schema.to_string(),
            name: name.to_string(),
            columns,
            ..Table::default()
        }
    }
}
