//! The catalog model: one serde model for every database kind.
//!
//! Every object is keyed by (schema, name, kind); a trigger's name in its key is `TABLE.NAME`, as
//! PostgreSQL names triggers per table. Column types keep the native type text as the
//! source spells it and a neutral type that the other stages (migrations, archive, sinks) work
//! from.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of catalog object. The serialized names follow Oracle's `ALL_OBJECTS.OBJECT_TYPE`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    #[serde(rename = "TABLE")]
    Table,
    #[serde(rename = "VIEW")]
    View,
    #[serde(rename = "MATERIALIZED VIEW")]
    MaterializedView,
    #[serde(rename = "SEQUENCE")]
    Sequence,
    #[serde(rename = "INDEX")]
    Index,
    #[serde(rename = "TRIGGER")]
    Trigger,
    #[serde(rename = "PACKAGE")]
    Package,
    #[serde(rename = "PACKAGE BODY")]
    PackageBody,
    #[serde(rename = "PROCEDURE")]
    Procedure,
    #[serde(rename = "FUNCTION")]
    Function,
    #[serde(rename = "TYPE")]
    Type,
    #[serde(rename = "TYPE BODY")]
    TypeBody,
    #[serde(rename = "SYNONYM")]
    Synonym,
    /// Any kind the model does not describe (Java classes, libraries, directories, jobs,
    /// dimensions, …): kept so that the walk sees it, never created ([`OtherObject`]).
    #[serde(rename = "OTHER")]
    Other,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 14] = [
        ObjectKind::Table,
        ObjectKind::View,
        ObjectKind::MaterializedView,
        ObjectKind::Sequence,
        ObjectKind::Index,
        ObjectKind::Trigger,
        ObjectKind::Package,
        ObjectKind::PackageBody,
        ObjectKind::Procedure,
        ObjectKind::Function,
        ObjectKind::Type,
        ObjectKind::TypeBody,
        ObjectKind::Synonym,
        ObjectKind::Other,
    ];

    /// The word users and Oracle use for this kind, e.g. `PACKAGE BODY`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Table => "TABLE",
            ObjectKind::View => "VIEW",
            ObjectKind::MaterializedView => "MATERIALIZED VIEW",
            ObjectKind::Sequence => "SEQUENCE",
            ObjectKind::Index => "INDEX",
            ObjectKind::Trigger => "TRIGGER",
            ObjectKind::Package => "PACKAGE",
            ObjectKind::PackageBody => "PACKAGE BODY",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Type => "TYPE",
            ObjectKind::TypeBody => "TYPE BODY",
            ObjectKind::Synonym => "SYNONYM",
            ObjectKind::Other => "OTHER",
        }
    }

    /// Parses a kind as a user types it: case-insensitive, `_`, `-` or space between words.
    ///
    /// ```
    /// use dbsub::catalog::ObjectKind;
    /// assert_eq!(ObjectKind::parse("package_body"), Some(ObjectKind::PackageBody));
    /// assert_eq!(ObjectKind::parse("Table"), Some(ObjectKind::Table));
    /// assert_eq!(ObjectKind::parse("tabel"), None);
    /// ```
    pub fn parse(text: &str) -> Option<ObjectKind> {
        let wanted = text.trim().to_ascii_uppercase().replace(['_', '-'], " ");
        ObjectKind::ALL.into_iter().find(|k| k.as_str() == wanted)
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The identity of a catalog object: (schema, name, kind).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub schema: String,
    pub name: String,
    pub kind: ObjectKind,
}

impl ObjectKey {
    pub fn new(schema: impl Into<String>, name: impl Into<String>, kind: ObjectKind) -> Self {
        ObjectKey {
            schema: schema.into(),
            name: name.into(),
            kind,
        }
    }

    pub fn table(schema: impl Into<String>, name: impl Into<String>) -> Self {
        ObjectKey::new(schema, name, ObjectKind::Table)
    }

    /// `SCHEMA.NAME`
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// `TABLE: SCHEMA.NAME`
impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}.{}", self.kind, self.schema, self.name)
    }
}

/// Whether a text length counts characters or bytes (Oracle's `CHAR`/`BYTE` semantics).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum LengthSemantics {
    Char,
    Byte,
}

/// The kind of large object.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum LobKind {
    /// CLOB, PostgreSQL `text` used as a LOB.
    Character,
    /// NCLOB
    National,
    /// BLOB
    Binary,
    /// BFILE: a pointer to a file outside the database.
    File,
}

/// The fields an interval type carries.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum IntervalFields {
    YearToMonth,
    DayToSecond,
    /// PostgreSQL's unrestricted `interval`.
    Any,
}

/// A database-neutral column type. Every backend maps its native types onto this, and every
/// other stage (DDL for another dialect, the archive's value rules) works from it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NeutralType {
    Boolean,
    /// A binary integer of `bits` width (SQLite INTEGER: 64, PostgreSQL int2/int4/int8).
    Integer {
        bits: u16,
    },
    /// An exact decimal. `precision` absent means "as large as the database allows" (Oracle
    /// `NUMBER` without arguments); `scale` may be negative in Oracle.
    Decimal {
        precision: Option<u16>,
        scale: Option<i16>,
    },
    /// A binary floating-point number of `bits` mantissa bits when known (Oracle
    /// BINARY_FLOAT = 24, BINARY_DOUBLE = 53). Not Oracle's FLOAT(b): that is a subtype of
    /// NUMBER, a decimal whose precision counts binary digits, read exactly only as a decimal,
    /// so the Oracle reader maps it to [`NeutralType::Decimal`] without precision.
    Float {
        bits: Option<u16>,
    },
    Text {
        length: Option<u32>,
        semantics: LengthSemantics,
        fixed: bool,
    },
    /// NCHAR, NVARCHAR2: length in characters.
    NationalText {
        length: Option<u32>,
        fixed: bool,
    },
    Binary {
        length: Option<u32>,
        fixed: bool,
    },
    /// A calendar date without time of day (SQL `DATE`; not Oracle `DATE`, which is a
    /// timestamp with precision 0).
    Date,
    Time {
        precision: Option<u8>,
    },
    Timestamp {
        precision: Option<u8>,
    },
    /// A timestamp with a time zone. `local` is Oracle's WITH LOCAL TIME ZONE.
    TimestampTz {
        precision: Option<u8>,
        local: bool,
    },
    Interval {
        fields: IntervalFields,
        leading_precision: Option<u8>,
        fractional_precision: Option<u8>,
    },
    Lob {
        lob: LobKind,
    },
    Json,
    Uuid,
    Xml,
    Spatial {
        srid: Option<i32>,
    },
    RowId,
    /// A type dbsub does not map; the column's native type says what it is.
    Other,
}

/// A foreign key's referential action.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// The SQL spelling, e.g. `SET NULL`.
    pub fn as_sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses the SQL spelling, case-insensitively.
    pub fn parse(text: &str) -> Option<FkAction> {
        match text.trim().to_ascii_uppercase().as_str() {
            "NO ACTION" | "" => Some(FkAction::NoAction),
            "RESTRICT" => Some(FkAction::Restrict),
            "CASCADE" => Some(FkAction::Cascade),
            "SET NULL" => Some(FkAction::SetNull),
            "SET DEFAULT" => Some(FkAction::SetDefault),
            _ => None,
        }
    }
}

/// How an identity column generates its values.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `true` for GENERATED ALWAYS, `false` for GENERATED BY DEFAULT (or SQLite's rowid alias).
    pub always: bool,
    /// The backing sequence when the database names one (Oracle `ISEQ$$_…`, PostgreSQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The type as the source spells it, e.g. `VARCHAR2(30 CHAR)`, `NUMBER(10,2)`.
    pub native_type: String,
    pub neutral_type: NeutralType,
    pub nullable: bool,
    /// The default expression as SQL text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The expression of a virtual (generated) column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A primary or unique key.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The constraint name; SQLite often has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ForeignKey {
    /// The constraint name. Readers of databases that allow unnamed constraints synthesize a
    /// stable one (`<TABLE>_FK<n>`).
    pub name: String,
    pub columns: Vec<String>,
    pub ref_schema: String,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    #[serde(default)]
    pub on_delete: FkAction,
    #[serde(default)]
    pub on_update: FkAction,
    #[serde(default)]
    pub deferrable: bool,
    #[serde(default)]
    pub initially_deferred: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl ForeignKey {
    pub fn parent_key(&self) -> ObjectKey {
        ObjectKey::table(&self.ref_schema, &self.ref_table)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Check {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub expression: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexColumn {
    /// A column name, or the expression of a function-based index.
    pub expression: String,
    #[serde(default)]
    pub descending: bool,
    /// The operator class when it is not the default for the column's type and the index's
    /// method, as PostgreSQL names it (`jsonb_path_ops`, `text_pattern_ops`, `gin_trgm_ops`;
    /// schema-qualified when not on the search path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<String>,
    /// `NULLS FIRST` (`true`) or `NULLS LAST` (`false`) where it differs from the direction's
    /// default (PostgreSQL: NULLs sort last ascending, first descending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls_first: Option<bool>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub columns: Vec<IndexColumn>,
    /// A partial index's predicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// The access method, in lower case, when not the default B-tree: PostgreSQL's `gin`,
    /// `gist`, `brin`, `hash`, `spgist` (or an extension's), Oracle's `bitmap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Columns stored in the index but not part of its key (PostgreSQL `INCLUDE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// A unique index that counts NULLs as equal (PostgreSQL 15 `NULLS NOT DISTINCT`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
    /// The extensions whose operator classes the index uses (`pg_trgm` for `gin_trgm_ops`):
    /// the target needs them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<Key>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique_keys: Vec<Key>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Indexes other than those that back the primary and unique keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The source's row-count estimate (statistics), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_rows: Option<u64>,
    /// Set for an Oracle global temporary table: every session sees only its own rows, kept
    /// until the end of the transaction or of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary: Option<Temporary>,
    /// Set for a partitioned table (PostgreSQL declarative partitioning, Oracle partitioning).
    /// The table stands for its partitions everywhere else: its rows are read once, through
    /// it, and the graph has no node for a partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioning: Option<Partitioning>,
}

/// How a table (or, for a sub-partitioned table, one partition) is split into partitions.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Partitioning {
    pub method: PartitionMethod,
    /// The partition key: column names, or expressions as the source spells them
    /// (PostgreSQL allows expressions; Oracle columns only). Empty for reference partitioning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    /// Oracle interval partitioning: the `INTERVAL` expression, e.g.
    /// `NUMTOYMINTERVAL(1,'MONTH')` (`ALL_PART_TABLES.INTERVAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Oracle reference partitioning: the foreign key (a name in the table's `foreign_keys`)
    /// whose parent's partitioning the table follows (`ALL_PART_TABLES.REF_PTN_CONSTRAINT_NAME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The partitions in the source's order (by position for Oracle, by name for PostgreSQL).
    /// For Oracle interval partitioning only the partitions the DDL created, not those the
    /// database added on insert.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<Partition>,
    /// Oracle: the indexes of the table (names in its `indexes`) partitioned like it, one
    /// index partition per table partition (`CREATE INDEX … LOCAL`, `ALL_PART_INDEXES.LOCALITY`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_indexes: Vec<String>,
    /// Oracle composite partitioning: the subpartition template, the subpartitions (by name and
    /// bound) that a partition added without its own (by an interval) is given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subpartition_template: Vec<Partition>,
    /// Oracle `ENABLE ROW MOVEMENT` (`ALL_TABLES.ROW_MOVEMENT`): an update of the key may move
    /// a row to another partition; without it, such an update fails (ORA-14402).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub row_movement: bool,
}

/// The partitioning methods of PostgreSQL and Oracle.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum PartitionMethod {
    Range,
    List,
    Hash,
    /// Oracle: the partitions follow the parent table's through a foreign key.
    Reference,
    /// Oracle: the application names the partition on insert.
    System,
}

impl PartitionMethod {
    /// The word after `PARTITION BY`.
    pub fn as_str(self) -> &'static str {
        match self {
            PartitionMethod::Range => "RANGE",
            PartitionMethod::List => "LIST",
            PartitionMethod::Hash => "HASH",
            PartitionMethod::Reference => "REFERENCE",
            PartitionMethod::System => "SYSTEM",
        }
    }
}

/// One partition (or Oracle subpartition) of a partitioned table.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// PostgreSQL: the partition's schema when it differs from the partitioned table's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub name: String,
    /// The name was made up by the database (Oracle `SYS_P…`, `SYS_SUBP…` for a partition the
    /// DDL did not name): a target makes up its own.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generated_name: bool,
    /// The bound as the source's dialect spells it: PostgreSQL `FOR VALUES FROM (…) TO (…)`,
    /// `FOR VALUES IN (…)`, `FOR VALUES WITH (modulus 4, remainder 0)`, `DEFAULT`; Oracle
    /// `VALUES LESS THAN (…)`, `VALUES (…)`, or empty (hash, reference, system).
    #[serde(default)]
    pub bound: String,
    /// A partition that is itself partitioned (PostgreSQL multi-level partitioning, Oracle
    /// composite partitioning: its subpartitions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioning: Option<Box<Partitioning>>,
    /// Foreign keys declared on this partition alone (PostgreSQL), not inherited from the
    /// partitioned table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Indexes created on this partition alone (PostgreSQL), not attached to an index of the
    /// partitioned table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
}

/// How long a global temporary table keeps a session's rows (Oracle's `ON COMMIT` clause,
/// `ALL_TABLES.DURATION`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Temporary {
    /// `ON COMMIT DELETE ROWS` (`SYS$TRANSACTION`): rows vanish at the end of each transaction.
    Transaction,
    /// `ON COMMIT PRESERVE ROWS` (`SYS$SESSION`): rows vanish at the end of the session.
    Session,
}

impl Table {
    pub fn key(&self) -> ObjectKey {
        ObjectKey::table(&self.schema, &self.name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// A foreign key is nullable when a referencing row may have no parent: any of its columns
    /// accepts NULL (SQL's default MATCH SIMPLE).
    pub fn fk_is_nullable(&self, fk: &ForeignKey) -> bool {
        fk.columns
            .iter()
            .any(|c| self.column(c).is_none_or(|col| col.nullable))
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub schema: String,
    pub name: String,
    #[serde(default)]
    pub materialized: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Column>,
    /// The defining query, as Oracle's `ALL_VIEWS.TEXT`: the `SELECT …` without `CREATE VIEW`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// A materialized view's indexes (PostgreSQL; Oracle: those of its container table other
    /// than the ones Oracle creates for it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
}

impl View {
    pub fn key(&self) -> ObjectKey {
        let kind = if self.materialized {
            ObjectKind::MaterializedView
        } else {
            ObjectKind::View
        };
        ObjectKey::new(&self.schema, &self.name, kind)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Sequence {
    pub schema: String,
    pub name: String,
    pub start: i128,
    pub increment: i128,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i128>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i128>,
    #[serde(default)]
    pub cycle: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<u64>,
    /// The table and column whose identity this sequence backs, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<(String, String)>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    pub schema: String,
    pub name: String,
    pub table_schema: String,
    pub table_name: String,
    /// BEFORE, AFTER, INSTEAD OF.
    pub timing: String,
    /// INSERT, UPDATE, DELETE.
    pub events: Vec<String>,
    #[serde(default)]
    pub for_each_row: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The definition after `CREATE [OR REPLACE]`, as Oracle's `ALL_SOURCE` keeps it:
    /// `TRIGGER name AFTER UPDATE ON table … END`.
    pub source: String,
}

impl Trigger {
    /// `TRIGGER: SCHEMA.TABLE.NAME`: PostgreSQL names triggers per table, so that the same
    /// `last_updated` on two tables is two triggers (Oracle and SQLite name them per schema,
    /// where the table changes nothing).
    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(
            &self.schema,
            format!("{}.{}", self.table_name, self.name),
            ObjectKind::Trigger,
        )
    }

    pub fn table_key(&self) -> ObjectKey {
        ObjectKey::table(&self.table_schema, &self.table_name)
    }
}

/// Stored code: packages and their bodies, procedures, functions, types and type bodies.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Routine {
    pub schema: String,
    pub name: String,
    pub kind: ObjectKind,
    /// The source text (Oracle `ALL_SOURCE` lines joined).
    pub source: String,
}

impl Routine {
    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.schema, &self.name, self.kind)
    }

    /// A PostgreSQL domain or enum, as the PostgreSQL reader writes them (`DOMAIN "Name" AS
    /// character varying(50)`, `TYPE mood AS ENUM (…)`): a column of it is created with its
    /// base type (an enum's as text) where the type itself is not.
    pub fn is_domain_or_enum(&self) -> bool {
        self.kind == ObjectKind::Type
            && (self.source.starts_with("DOMAIN ")
                || (self.source.starts_with("TYPE ") && self.source.contains(" AS ENUM (")))
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Synonym {
    pub schema: String,
    pub name: String,
    pub target_schema: String,
    pub target_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_link: Option<String>,
}

impl Synonym {
    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.schema, &self.name, ObjectKind::Synonym)
    }
}

/// An object of a kind the model does not describe, e.g. a `JAVA CLASS` or a `LIBRARY`: the
/// dependency walk keeps it, migrations list it as not created.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OtherObject {
    pub schema: String,
    pub name: String,
    /// The database's word for its kind, e.g. Oracle's `ALL_OBJECTS.OBJECT_TYPE`.
    pub object_type: String,
}

impl OtherObject {
    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.schema, &self.name, ObjectKind::Other)
    }
}

/// A table or view using an extension (PostgreSQL): a function of it in a default, check,
/// index or query (`uuid_generate_v1()` of `uuid-ossp`, `crosstab` of `tablefunc`), or a type
/// of it for a column (`citext`). The extension is not read as objects; the target needs it
/// before the table or view.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExtensionUse {
    pub schema: String,
    /// The table's or view's name.
    pub name: String,
    pub extension: String,
}

/// `from` needs `to`: a view reads a table, a package body calls a function, a trigger writes
/// an audit table. Foreign keys and trigger-on-table are not listed here; the graph derives
/// them from tables and triggers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dependency {
    pub from: ObjectKey,
    pub to: ObjectKey,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub object: ObjectKey,
    pub grantee: String,
    pub privilege: String,
    #[serde(default)]
    pub grantable: bool,
}

/// What a catalog was read from.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CatalogSource {
    /// `ORA`, `PG` or `SQLITE`.
    pub kind: String,
    /// The source URL with credentials redacted.
    pub url: String,
    /// When it was read, RFC 3339.
    pub read_at: String,
    /// The schemas that were read, when the reader says (also those that hold nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
}

/// A whole schema (or several) as read from a structural database.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CatalogSource>,
    #[serde(default)]
    pub tables: Vec<Table>,
    #[serde(default)]
    pub views: Vec<View>,
    #[serde(default)]
    pub sequences: Vec<Sequence>,
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    #[serde(default)]
    pub routines: Vec<Routine>,
    #[serde(default)]
    pub synonyms: Vec<Synonym>,
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// What stored code uses when it runs, not to be created: the objects a body written as a
    /// string names (PostgreSQL records nothing for such a body; its reader finds the names in
    /// the text). A closure follows them like [`Catalog::dependencies`]; the creation and load
    /// order does not, so that a table whose default calls a function reading the table is no
    /// cycle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run_time_dependencies: Vec<Dependency>,
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// The extensions tables and views use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions_used: Vec<ExtensionUse>,
    /// Objects of kinds the model does not describe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<OtherObject>,
}

impl Catalog {
    /// Every object the catalog holds, as keys, in a stable order (tables, views, sequences,
    /// indexes, triggers, routines, synonyms).
    pub fn object_keys(&self) -> Vec<ObjectKey> {
        let mut keys = Vec::new();
        keys.extend(self.tables.iter().map(Table::key));
        keys.extend(self.views.iter().map(View::key));
        keys.extend(
            self.sequences
                .iter()
                .map(|s| ObjectKey::new(&s.schema, &s.name, ObjectKind::Sequence)),
        );
        for t in &self.tables {
            keys.extend(
                t.indexes
                    .iter()
                    .map(|i| ObjectKey::new(&t.schema, &i.name, ObjectKind::Index)),
            );
        }
        for v in &self.views {
            keys.extend(
                v.indexes
                    .iter()
                    .map(|i| ObjectKey::new(&v.schema, &i.name, ObjectKind::Index)),
            );
        }
        keys.extend(self.triggers.iter().map(Trigger::key));
        keys.extend(self.routines.iter().map(Routine::key));
        keys.extend(self.synonyms.iter().map(Synonym::key));
        keys.extend(self.others.iter().map(OtherObject::key));
        keys
    }

    pub fn table(&self, schema: &str, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.schema == schema && t.name == name)
    }

    /// Keeps only the objects of the given schemas (case-insensitive); all when `schemas` is
    /// empty. Dependencies and grants are kept when their object is.
    pub fn retain_schemas(&mut self, schemas: &[String]) {
        if schemas.is_empty() {
            return;
        }
        let keep = |schema: &str| schemas.iter().any(|s| s.eq_ignore_ascii_case(schema));
        self.tables.retain(|t| keep(&t.schema));
        self.views.retain(|v| keep(&v.schema));
        self.sequences.retain(|s| keep(&s.schema));
        self.triggers.retain(|t| keep(&t.schema));
        self.routines.retain(|r| keep(&r.schema));
        self.synonyms.retain(|s| keep(&s.schema));
        self.others.retain(|o| keep(&o.schema));
        self.dependencies.retain(|d| keep(&d.from.schema));
        self.run_time_dependencies.retain(|d| keep(&d.from.schema));
        self.grants.retain(|g| keep(&g.object.schema));
    }

    /// Rewrites a trigger named by its bare name in a dependency or grant (a snapshot written
    /// before trigger keys carried their table) to the key of the one trigger of that schema
    /// and name; a name several tables share stays as it is.
    pub fn qualify_trigger_keys(&mut self) {
        let mut by_name: HashMap<(&str, &str), Vec<ObjectKey>> = HashMap::new();
        for t in &self.triggers {
            by_name
                .entry((&t.schema, &t.name))
                .or_default()
                .push(t.key());
        }
        let qualify = |key: &mut ObjectKey| {
            if key.kind == ObjectKind::Trigger
                && let Some([one]) = by_name
                    .get(&(key.schema.as_str(), key.name.as_str()))
                    .map(Vec::as_slice)
            {
                *key = one.clone();
            }
        };
        for d in &mut self.dependencies {
            qualify(&mut d.from);
            qualify(&mut d.to);
        }
        for g in &mut self.grants {
            qualify(&mut g.object);
        }
    }

    /// Sorts every list by key so that two reads of the same schema serialize identically.
    pub fn normalize(&mut self) {
        self.tables
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        for t in &mut self.tables {
            t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.views
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        for v in &mut self.views {
            v.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.sequences
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.triggers.sort_by_key(Trigger::key);
        self.routines.sort_by_key(Routine::key);
        self.synonyms
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.others
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.qualify_trigger_keys();
        self.dependencies.sort();
        self.dependencies.dedup();
        self.extensions_used.sort();
        self.extensions_used.dedup();
        self.run_time_dependencies.sort();
        self.run_time_dependencies.dedup();
        // One that creation also needs is a dependency already.
        let dependencies = &self.dependencies;
        self.run_time_dependencies
            .retain(|d| dependencies.binary_search(d).is_err());
        self.grants.sort_by(|a, b| {
            (&a.object, &a.grantee, &a.privilege).cmp(&(&b.object, &b.grantee, &b.privilege))
        });
    }
}
