//! The DDL of one migration file as values: what the migration planner fills in (names, types
//! and expressions already written for the target dialect) and each dialect's askama templates
//! (`templates/<dialect>/`) turn into text.

/// One migration file: a header and the statements of one bucket.
#[derive(Clone, Debug, Default)]
pub struct FileModel {
    /// Comment lines at the top of the file.
    pub header: Vec<String>,
    /// The file creates stored code. Calls inside a body are not all recorded as dependencies
    /// (PostgreSQL records none for a body written as a string), so one function may be created
    /// before another it calls: a dialect that checks bodies at creation turns that off for the
    /// file, as pg_dump does (PostgreSQL: `SET check_function_bodies = false`).
    pub stored_code: bool,
    pub items: Vec<Item>,
}

/// One object's DDL.
#[derive(Clone, Debug)]
pub enum Item {
    Sequence(SequenceSql),
    Table(TableSql),
    ForeignKey(FkSql),
    Index(IndexSql),
    Comment(CommentSql),
    View(ViewSql),
    /// PL/SQL or other stored code: a package, body, procedure, function, type or trigger.
    Code(CodeSql),
    Synonym(SynonymSql),
    Grant(GrantSql),
    /// An object that cannot be created in this dialect, kept as a comment.
    NotTranslated(NoteSql),
    /// A piece of a table added after the code it calls (`ALTER TABLE …`).
    Alter(AlterSql),
    /// `CREATE EXTENSION IF NOT EXISTS` of an extension the next table or view uses (its name
    /// as written for the dialect), where the dialect has extensions.
    Extension(String),
}

/// A piece of a table that calls stored code created in a later file than the table: added by
/// `ALTER TABLE` after that code.
#[derive(Clone, Debug)]
pub enum AlterSql {
    /// `ALTER TABLE table ALTER COLUMN c SET DEFAULT …` (Oracle: `MODIFY (c DEFAULT …)`).
    SetDefault {
        table: String,
        column: String,
        default: String,
    },
    /// `ALTER TABLE table ADD [CONSTRAINT n] CHECK (…)`.
    AddCheck { table: String, check: CheckSql },
    /// A generated column added at the end of the table (`ALTER TABLE table ADD …`).
    AddColumn { table: String, column: ColumnSql },
}

#[derive(Clone, Debug)]
pub struct SequenceSql {
    pub name: String,
    pub start: i128,
    pub increment: i128,
    pub min_value: Option<i128>,
    pub max_value: Option<i128>,
    pub cycle: bool,
    pub cache: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct TableSql {
    pub name: String,
    pub elements: Vec<Element>,
    /// A global temporary table: `Some(true)`: ON COMMIT PRESERVE ROWS (rows kept for the
    /// session); `Some(false)`: ON COMMIT DELETE ROWS (for the transaction).
    pub preserve_rows: Option<bool>,
    /// A comment line written above the statement.
    pub note: Option<String>,
    /// A partitioned table, where the dialect carries its partitioning
    /// ([`crate::model::ports::Dialect::carries_partitioning`]).
    pub partitioning: Option<PartitioningSql>,
}

/// A partitioned table's method, key and partitions, for the dialect's templates: names and key
/// columns written for the target, bounds and the interval as the source wrote them; never
/// storage.
#[derive(Clone, Debug)]
pub struct PartitioningSql {
    /// `RANGE`, `LIST`, `HASH`, `REFERENCE`, `SYSTEM`: the word after `PARTITION BY`.
    pub method: &'static str,
    /// The key's columns and expressions, comma-separated; empty for reference partitioning.
    pub key: String,
    /// Every partition at every level, each after the table or partition it belongs to (one
    /// `CREATE TABLE … PARTITION OF` each, PostgreSQL).
    pub partitions: Vec<PartitionSql>,
    /// The partitions written inside the table's `CREATE TABLE`, each with its subpartitions
    /// (Oracle). Empty for reference partitioning, whose partitions follow the parent's (with
    /// their names), and when `quantity` says how many.
    pub nested: Vec<PartitionSql>,
    /// Oracle interval partitioning: the interval expression.
    pub interval: Option<String>,
    /// Oracle reference partitioning: the foreign key's name, declared in the same
    /// `CREATE TABLE`.
    pub reference: Option<String>,
    /// An Oracle composite table's `SUBPARTITION BY` method, key and template.
    pub subpartition_by: Option<SubpartitionBySql>,
    /// Hash partitions the database names, written by their number (`PARTITIONS n`) instead.
    pub quantity: Option<usize>,
    /// Oracle `ENABLE ROW MOVEMENT`.
    pub row_movement: bool,
}

#[derive(Clone, Debug)]
pub struct SubpartitionBySql {
    pub method: &'static str,
    pub key: String,
    /// `SUBPARTITION TEMPLATE (…)`: the subpartitions of a partition added without its own.
    pub template: Vec<PartitionSql>,
}

/// One partition (or subpartition).
#[derive(Clone, Debug)]
pub struct PartitionSql {
    /// Empty, in `nested`, for a partition the database names (Oracle `SYS_P…`).
    pub name: String,
    /// The partitioned table or partition it belongs to, as created.
    pub parent: String,
    /// The bound as the source's dialect spells it (`FOR VALUES …`, `DEFAULT`, `VALUES LESS
    /// THAN (…)`, `VALUES (…)`), empty for none.
    pub bound: String,
    /// A partition that is itself partitioned: its method and key.
    pub sub_method: Option<&'static str>,
    pub sub_key: String,
    /// In `nested`: its subpartitions.
    pub subpartitions: Vec<PartitionSql>,
}

/// A line inside `CREATE TABLE (…)`.
#[derive(Clone, Debug)]
pub enum Element {
    Column(ColumnSql),
    PrimaryKey(KeySql),
    Unique(KeySql),
    Check(CheckSql),
    /// Only where foreign keys stay inline (SQLite).
    ForeignKey(FkSql),
}

#[derive(Clone, Debug)]
pub struct ColumnSql {
    pub name: String,
    pub ty: String,
    pub default: Option<String>,
    /// `Some(true)`: GENERATED ALWAYS AS IDENTITY; `Some(false)`: BY DEFAULT.
    pub identity: Option<bool>,
    /// A virtual column's expression.
    pub generated: Option<String>,
    pub not_null: bool,
}

#[derive(Clone, Debug)]
pub struct KeySql {
    pub name: Option<String>,
    pub columns: String,
}

#[derive(Clone, Debug)]
pub struct CheckSql {
    pub name: Option<String>,
    pub expression: String,
}

#[derive(Clone, Debug)]
pub struct FkSql {
    pub table: String,
    pub name: String,
    pub columns: String,
    pub ref_table: String,
    pub ref_columns: String,
    /// `CASCADE`, `SET NULL`, … when not the default (NO ACTION).
    pub on_delete: Option<&'static str>,
    pub on_update: Option<&'static str>,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// Created disabled (Oracle's DISABLE), as in the source.
    pub disabled: bool,
}

#[derive(Clone, Debug)]
pub struct IndexSql {
    pub name: String,
    pub table: String,
    pub unique: bool,
    /// The method as a word before `INDEX`: Oracle's `BITMAP`.
    pub method_word: Option<String>,
    /// The method as `USING method` after the table: PostgreSQL's `gin`.
    pub using: Option<String>,
    pub columns: Vec<IndexColumnSql>,
    /// `INCLUDE (…)`'s columns, empty for none.
    pub include: String,
    pub nulls_not_distinct: bool,
    pub predicate: Option<String>,
    /// Partitioned like its table (Oracle `LOCAL`).
    pub local: bool,
}

#[derive(Clone, Debug)]
pub struct IndexColumnSql {
    pub expression: String,
    /// A non-default operator class.
    pub opclass: Option<String>,
    pub descending: bool,
    /// `NULLS FIRST` (`true`) or `NULLS LAST` (`false`), when not the default.
    pub nulls_first: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct CommentSql {
    /// `TABLE` or `COLUMN`.
    pub on: &'static str,
    /// `T` or `T.C`.
    pub target: String,
    /// The comment as a string literal.
    pub literal: String,
}

#[derive(Clone, Debug)]
pub struct ViewSql {
    pub name: String,
    pub materialized: bool,
    /// The declared column names (`c1, c2`), written `CREATE VIEW v (c1, c2) AS`: the query
    /// text of a dictionary (Oracle's `ALL_VIEWS.TEXT`) lacks them, and an unaliased expression
    /// in it would not name its column. `None` when the catalog has no columns for the view.
    pub columns: Option<String>,
    pub query: String,
}

#[derive(Clone, Debug)]
pub struct CodeSql {
    /// The definition without its leading `CREATE [OR REPLACE]`.
    pub definition: String,
    /// Whether to write `CREATE OR REPLACE` (PostgreSQL has none for types and domains, and
    /// for triggers only since version 14: they get a plain `CREATE`).
    pub or_replace: bool,
    /// A trigger the source keeps disabled: created, then disabled (Oracle), so that the test
    /// database behaves as the source does.
    pub disabled_trigger: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SynonymSql {
    pub name: String,
    pub target: String,
}

#[derive(Clone, Debug)]
pub struct GrantSql {
    pub privilege: String,
    pub object: String,
    pub grantee: String,
    pub grantable: bool,
}

#[derive(Clone, Debug)]
pub struct NoteSql {
    /// `TRIGGER: THE.SEEDLOT_AUDIT_TRG`
    pub what: String,
    pub why: String,
    /// The source text, each line to be commented out.
    pub source_lines: Vec<String>,
}
