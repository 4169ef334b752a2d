//! The rows, one struct per dictionary query, named after the dictionary's columns, each read
//! from an Oracle row by [`DictRow::from_row`]; [`DictionaryRows`] holds the rows of every
//! query, for the assembly.

use oracle::Row;

/// A row of a dictionary query.
pub(super) trait DictRow: Sized {
    fn from_row(row: &Row) -> oracle::Result<Self>;
}

/// A text column; NULL as the empty string.
fn text(row: &Row, i: usize) -> oracle::Result<String> {
    Ok(row.get::<usize, Option<String>>(i)?.unwrap_or_default())
}

fn opt(row: &Row, i: usize) -> oracle::Result<Option<String>> {
    row.get::<usize, Option<String>>(i)
}

/// A flag column: whether it holds `word` (`Y`, `YES`, `ENABLED`, …).
fn flag(row: &Row, i: usize, word: &str) -> oracle::Result<bool> {
    Ok(text(row, i)?.trim() == word)
}

pub(super) struct UserRow {
    pub(super) name: String,
}

impl DictRow for UserRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(UserRow {
            name: text(row, 0)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct TableRow {
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) num_rows: Option<u64>,
    pub(super) comment: Option<String>,
    /// `TEMPORARY`: `Y` for a global temporary table.
    pub(super) temporary: Option<String>,
    /// `DURATION`: `SYS$SESSION` or `SYS$TRANSACTION` for a global temporary table.
    pub(super) duration: Option<String>,
}

impl DictRow for TableRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(TableRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            num_rows: row.get(2)?,
            comment: opt(row, 3)?,
            temporary: opt(row, 4)?,
            duration: opt(row, 5)?,
        })
    }
}

/// The type fields of an `ALL_TAB_COLS` row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct TypeFields {
    pub(super) data_type: String,
    pub(super) data_type_owner: Option<String>,
    pub(super) data_length: Option<u32>,
    pub(super) char_length: Option<u32>,
    pub(super) data_precision: Option<i64>,
    pub(super) data_scale: Option<i64>,
    /// `C` (characters) or `B` (bytes) for the character types.
    pub(super) char_used: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct ColumnRow {
    pub(super) owner: String,
    pub(super) table: String,
    pub(super) name: String,
    pub(super) ty: TypeFields,
    pub(super) nullable: bool,
    pub(super) virtual_column: bool,
    pub(super) identity_column: bool,
    /// `ALWAYS` or `BY DEFAULT`.
    pub(super) generation_type: Option<String>,
    pub(super) identity_sequence: Option<String>,
    pub(super) comment: Option<String>,
    /// A LONG: the default, a virtual column's expression, or an identity's `nextval`.
    pub(super) data_default: Option<String>,
}

impl DictRow for ColumnRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ColumnRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            name: text(row, 2)?,
            ty: TypeFields {
                data_type: text(row, 3)?,
                data_type_owner: opt(row, 4)?,
                data_length: row.get(5)?,
                char_length: row.get(6)?,
                data_precision: row.get(7)?,
                data_scale: row.get(8)?,
                char_used: opt(row, 9)?,
            },
            nullable: flag(row, 10, "Y")?,
            virtual_column: flag(row, 11, "YES")?,
            identity_column: flag(row, 12, "YES")?,
            generation_type: opt(row, 13)?,
            identity_sequence: opt(row, 14)?,
            comment: opt(row, 15)?,
            data_default: opt(row, 16)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct ConstraintRow {
    pub(super) owner: String,
    pub(super) table: String,
    pub(super) name: String,
    /// `P`, `U`, `R` or `C`.
    pub(super) constraint_type: String,
    /// `GENERATED NAME` (`SYS_C…`) rather than `USER NAME`.
    pub(super) generated_name: bool,
    pub(super) r_owner: Option<String>,
    /// The table of the referenced key, when the user can see it.
    pub(super) r_table: Option<String>,
    pub(super) delete_rule: Option<String>,
    pub(super) deferrable: bool,
    pub(super) deferred: bool,
    pub(super) enabled: bool,
    pub(super) index_owner: Option<String>,
    pub(super) index_name: Option<String>,
    /// A LONG, chosen over 12.2's `SEARCH_CONDITION_VC`, which may be cut at 4000 bytes and
    /// does not exist before 12.2; the NOT NULL checks are told apart here, not in SQL, where
    /// a LONG cannot be filtered on.
    pub(super) search_condition: Option<String>,
}

impl DictRow for ConstraintRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ConstraintRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            name: text(row, 2)?,
            constraint_type: text(row, 3)?,
            generated_name: flag(row, 4, "GENERATED NAME")?,
            r_owner: opt(row, 5)?,
            r_table: opt(row, 6)?,
            delete_rule: opt(row, 7)?,
            deferrable: flag(row, 8, "DEFERRABLE")?,
            deferred: flag(row, 9, "DEFERRED")?,
            enabled: flag(row, 10, "ENABLED")?,
            index_owner: opt(row, 11)?,
            index_name: opt(row, 12)?,
            search_condition: opt(row, 13)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct ConstraintColumnRow {
    pub(super) owner: String,
    pub(super) constraint: String,
    pub(super) column: String,
    pub(super) position: u32,
    /// The referenced key's column at the same position (foreign keys).
    pub(super) r_column: Option<String>,
}

impl DictRow for ConstraintColumnRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ConstraintColumnRow {
            owner: text(row, 0)?,
            constraint: text(row, 1)?,
            column: text(row, 2)?,
            position: row.get::<usize, Option<u32>>(3)?.unwrap_or(0),
            r_column: opt(row, 4)?,
        })
    }
}

/// One column of an index.
#[derive(Clone, Debug, Default)]
pub(super) struct IndexRow {
    pub(super) table_owner: String,
    pub(super) table: String,
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) index_type: String,
    pub(super) unique: bool,
    pub(super) position: u32,
    /// The column, or the hidden `SYS_NC…$` column of an expression.
    pub(super) column: String,
    pub(super) descending: bool,
    /// A LONG: the expression of a function-based (or descending) index column.
    pub(super) expression: Option<String>,
}

impl DictRow for IndexRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(IndexRow {
            table_owner: text(row, 0)?,
            table: text(row, 1)?,
            owner: text(row, 2)?,
            name: text(row, 3)?,
            index_type: text(row, 4)?,
            unique: flag(row, 5, "UNIQUE")?,
            position: row.get::<usize, Option<u32>>(6)?.unwrap_or(0),
            column: text(row, 7)?,
            descending: flag(row, 8, "DESC")?,
            expression: opt(row, 9)?,
        })
    }
}

/// Numbers as text: a sequence's limits reach 28 digits, beyond i64.
#[derive(Clone, Debug, Default)]
pub(super) struct SequenceRow {
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) min_value: String,
    pub(super) max_value: String,
    pub(super) increment_by: String,
    pub(super) cycle: bool,
    pub(super) cache_size: String,
    pub(super) last_number: String,
}

impl DictRow for SequenceRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(SequenceRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            min_value: text(row, 2)?,
            max_value: text(row, 3)?,
            increment_by: text(row, 4)?,
            cycle: flag(row, 5, "Y")?,
            cache_size: text(row, 6)?,
            last_number: text(row, 7)?,
        })
    }
}

/// A view or a materialized view.
#[derive(Clone, Debug, Default)]
pub(super) struct ViewRow {
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) comment: Option<String>,
    /// A LONG: `ALL_VIEWS.TEXT` or `ALL_MVIEWS.QUERY`.
    pub(super) text: Option<String>,
}

impl DictRow for ViewRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ViewRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            comment: opt(row, 2)?,
            text: opt(row, 3)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct TriggerRow {
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) table_owner: Option<String>,
    pub(super) table: Option<String>,
    /// `TABLE`, `VIEW`, `SCHEMA` or `DATABASE`.
    pub(super) base_object_type: String,
    /// `BEFORE EACH ROW`, `AFTER STATEMENT`, `INSTEAD OF`, `COMPOUND`, …
    pub(super) trigger_type: String,
    /// `INSERT OR UPDATE`, …
    pub(super) triggering_event: String,
    pub(super) enabled: bool,
}

impl DictRow for TriggerRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(TriggerRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            table_owner: opt(row, 2)?,
            table: opt(row, 3)?,
            base_object_type: text(row, 4)?,
            trigger_type: text(row, 5)?,
            triggering_event: text(row, 6)?,
            enabled: flag(row, 7, "ENABLED")?,
        })
    }
}

/// One line of stored code; `text` keeps its line feed.
#[derive(Clone, Debug, Default)]
pub(super) struct SourceRow {
    pub(super) owner: String,
    /// `PACKAGE`, `PACKAGE BODY`, …, `TRIGGER`.
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) line: u32,
    pub(super) text: String,
}

impl DictRow for SourceRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(SourceRow {
            owner: text(row, 0)?,
            kind: text(row, 1)?,
            name: text(row, 2)?,
            line: row.get::<usize, Option<u32>>(3)?.unwrap_or(0),
            text: text(row, 4)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct SynonymRow {
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) table_owner: Option<String>,
    pub(super) table: String,
    pub(super) db_link: Option<String>,
}

impl DictRow for SynonymRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(SynonymRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            table_owner: opt(row, 2)?,
            table: text(row, 3)?,
            db_link: opt(row, 4)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct GrantRow {
    pub(super) owner: String,
    pub(super) name: String,
    /// The object's kind (`TABLE`, `PACKAGE`, …).
    pub(super) object_type: Option<String>,
    pub(super) grantee: String,
    pub(super) privilege: String,
    pub(super) grantable: bool,
}

impl DictRow for GrantRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(GrantRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            object_type: opt(row, 2)?,
            grantee: text(row, 3)?,
            privilege: text(row, 4)?,
            grantable: flag(row, 5, "YES")?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct DependencyRow {
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) referenced_owner: String,
    pub(super) referenced_name: String,
    pub(super) referenced_kind: String,
}

impl DictRow for DependencyRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(DependencyRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            kind: text(row, 2)?,
            referenced_owner: text(row, 3)?,
            referenced_name: text(row, 4)?,
            referenced_kind: text(row, 5)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct ObjectRow {
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) object_type: String,
}

impl DictRow for ObjectRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(ObjectRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
            object_type: text(row, 2)?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct SridRow {
    pub(super) owner: String,
    pub(super) table: String,
    pub(super) column: String,
    pub(super) srid: Option<i32>,
}

impl DictRow for SridRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(SridRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            column: text(row, 2)?,
            srid: row.get(3)?,
        })
    }
}

/// A partitioned table (`ALL_PART_TABLES`).
#[derive(Clone, Debug, Default)]
pub(super) struct PartTableRow {
    pub(super) owner: String,
    pub(super) table: String,
    /// `RANGE`, `LIST`, `HASH`, `REFERENCE`, `SYSTEM`.
    pub(super) partitioning_type: String,
    /// `NONE` or the method of the subpartitions.
    pub(super) subpartitioning_type: Option<String>,
    /// The foreign key of a reference-partitioned table.
    pub(super) ref_constraint: Option<String>,
    /// The interval of an interval-partitioned table (`NUMTOYMINTERVAL(1,'MONTH')`).
    pub(super) interval: Option<String>,
    /// `ALL_TABLES.ROW_MOVEMENT = 'ENABLED'`.
    pub(super) row_movement: bool,
}

impl DictRow for PartTableRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(PartTableRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            partitioning_type: text(row, 2)?,
            subpartitioning_type: opt(row, 3)?,
            ref_constraint: opt(row, 4)?,
            interval: opt(row, 5)?,
            row_movement: flag(row, 6, "ENABLED")?,
        })
    }
}

/// A column of a table's partitioning (or subpartitioning) key.
#[derive(Clone, Debug, Default)]
pub(super) struct PartKeyColumnRow {
    pub(super) owner: String,
    pub(super) table: String,
    pub(super) column: String,
    pub(super) position: u32,
}

impl DictRow for PartKeyColumnRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(PartKeyColumnRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            column: text(row, 2)?,
            position: row.get::<usize, Option<u32>>(3)?.unwrap_or(0),
        })
    }
}

/// A partition (`ALL_TAB_PARTITIONS`) or subpartition (`ALL_TAB_SUBPARTITIONS`, with the
/// partition it belongs to).
#[derive(Clone, Debug, Default)]
pub(super) struct PartitionRow {
    pub(super) owner: String,
    pub(super) table: String,
    /// The subpartition's partition; `None` for a partition.
    pub(super) partition: Option<String>,
    pub(super) name: String,
    pub(super) position: u32,
    /// Added by the database for an interval (`INTERVAL = 'YES'`), not by the DDL.
    pub(super) interval: bool,
    /// A LONG: the bound (`TO_DATE(' 2024-01-01 …')`, `'EU', 'UK'`, `MAXVALUE`, `DEFAULT`);
    /// NULL for hash, reference and system partitions.
    pub(super) high_value: Option<String>,
}

impl PartitionRow {
    /// A row of the partitions query.
    pub(super) fn partition(row: &Row) -> oracle::Result<Self> {
        Ok(PartitionRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            partition: None,
            name: text(row, 2)?,
            position: row.get::<usize, Option<u32>>(3)?.unwrap_or(0),
            interval: flag(row, 4, "YES")?,
            high_value: opt(row, 5)?,
        })
    }

    /// A row of the subpartitions query.
    pub(super) fn subpartition(row: &Row) -> oracle::Result<Self> {
        Ok(PartitionRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            partition: Some(text(row, 2)?),
            name: text(row, 3)?,
            position: row.get::<usize, Option<u32>>(4)?.unwrap_or(0),
            interval: false,
            high_value: opt(row, 5)?,
        })
    }
}

/// A subpartition: [`PartitionRow`] read from the subpartitions query.
pub(super) struct SubpartitionRow(pub(super) PartitionRow);

/// A subpartition of a table's subpartition template (`ALL_SUBPARTITION_TEMPLATES`):
/// [`PartitionRow`] without a partition, its `HIGH_BOUND` (a LONG) as the high value.
pub(super) struct TemplateRow(pub(super) PartitionRow);

impl DictRow for TemplateRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(TemplateRow(PartitionRow {
            owner: text(row, 0)?,
            table: text(row, 1)?,
            partition: None,
            name: text(row, 2)?,
            position: row.get::<usize, Option<u32>>(3)?.unwrap_or(0),
            interval: false,
            high_value: opt(row, 4)?,
        }))
    }
}

impl DictRow for PartitionRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        PartitionRow::partition(row)
    }
}

impl DictRow for SubpartitionRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        PartitionRow::subpartition(row).map(SubpartitionRow)
    }
}

/// A local partitioned index (`ALL_PART_INDEXES.LOCALITY = 'LOCAL'`).
#[derive(Clone, Debug, Default)]
pub(super) struct LocalIndexRow {
    pub(super) owner: String,
    pub(super) name: String,
}

impl DictRow for LocalIndexRow {
    fn from_row(row: &Row) -> oracle::Result<Self> {
        Ok(LocalIndexRow {
            owner: text(row, 0)?,
            name: text(row, 1)?,
        })
    }
}

/// The rows of every dictionary query.
#[derive(Clone, Debug, Default)]
pub(super) struct DictionaryRows {
    pub(super) tables: Vec<TableRow>,
    pub(super) columns: Vec<ColumnRow>,
    pub(super) constraints: Vec<ConstraintRow>,
    pub(super) constraint_columns: Vec<ConstraintColumnRow>,
    pub(super) indexes: Vec<IndexRow>,
    pub(super) sequences: Vec<SequenceRow>,
    pub(super) views: Vec<ViewRow>,
    pub(super) materialized_views: Vec<ViewRow>,
    pub(super) triggers: Vec<TriggerRow>,
    pub(super) source: Vec<SourceRow>,
    pub(super) synonyms: Vec<SynonymRow>,
    pub(super) grants: Vec<GrantRow>,
    pub(super) dependencies: Vec<DependencyRow>,
    pub(super) objects: Vec<ObjectRow>,
    pub(super) srids: Vec<SridRow>,
    pub(super) part_tables: Vec<PartTableRow>,
    pub(super) part_keys: Vec<PartKeyColumnRow>,
    pub(super) subpart_keys: Vec<PartKeyColumnRow>,
    pub(super) partitions: Vec<PartitionRow>,
    /// With their partition ([`PartitionRow::partition`]).
    pub(super) subpartitions: Vec<PartitionRow>,
    pub(super) subpartition_templates: Vec<PartitionRow>,
    pub(super) local_indexes: Vec<LocalIndexRow>,
}
