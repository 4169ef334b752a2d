//! The queries: the privilege probe, the current schema, the users matching the schemas asked
//! for, and [`dictionary_queries`], one query per kind of object over the `DBA_` or `ALL_`
//! views ([`Prefix`]) with the schemas bound as `:s1, :s2, …`; with the errors a failed query
//! or a missing schema becomes ([`dictionary_error`], [`check_schemas`]).

use anyhow::{Result, anyhow};

/// Succeeds when the session may read the `DBA_` views; fails with ORA-00942 otherwise.
pub(super) const PROBE_SQL: &str = "SELECT 1 FROM DBA_OBJECTS WHERE ROWNUM = 0";

pub(super) const CURRENT_SCHEMA_SQL: &str =
    "SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL";

/// Which family of dictionary views the queries read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Prefix {
    /// What the user has privileges on.
    All,
    /// Everything (`SELECT_CATALOG_ROLE`, `SELECT ANY DICTIONARY`).
    Dba,
}

impl Prefix {
    fn word(self) -> &'static str {
        match self {
            Prefix::All => "ALL",
            Prefix::Dba => "DBA",
        }
    }
}

/// The dictionary queries, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Query {
    Tables,
    Columns,
    Constraints,
    ConstraintColumns,
    Indexes,
    Sequences,
    Views,
    MaterializedViews,
    Triggers,
    Source,
    Synonyms,
    Grants,
    Dependencies,
    Objects,
    SpatialMetadata,
    PartitionedTables,
    PartitionKeys,
    SubpartitionKeys,
    Partitions,
    Subpartitions,
    SubpartitionTemplates,
    LocalIndexes,
}

impl Query {
    pub(super) const ALL: [Query; 22] = [
        Query::Tables,
        Query::Columns,
        Query::Constraints,
        Query::ConstraintColumns,
        Query::Indexes,
        Query::Sequences,
        Query::Views,
        Query::MaterializedViews,
        Query::Triggers,
        Query::Source,
        Query::Synonyms,
        Query::Grants,
        Query::Dependencies,
        Query::Objects,
        Query::SpatialMetadata,
        Query::PartitionedTables,
        Query::PartitionKeys,
        Query::SubpartitionKeys,
        Query::Partitions,
        Query::Subpartitions,
        Query::SubpartitionTemplates,
        Query::LocalIndexes,
    ];

    /// What it reads, in the users' words.
    fn what(self) -> &'static str {
        match self {
            Query::Tables => "tables",
            Query::Columns => "columns",
            Query::Constraints => "constraints",
            Query::ConstraintColumns => "constraint columns",
            Query::Indexes => "indexes",
            Query::Sequences => "sequences",
            Query::Views => "views",
            Query::MaterializedViews => "materialized views",
            Query::Triggers => "triggers",
            Query::Source => "stored code",
            Query::Synonyms => "synonyms",
            Query::Grants => "grants",
            Query::Dependencies => "dependencies",
            Query::Objects => "objects",
            Query::SpatialMetadata => "spatial metadata",
            Query::PartitionedTables => "partitioned tables",
            Query::PartitionKeys => "partitioning keys",
            Query::SubpartitionKeys => "subpartitioning keys",
            Query::Partitions => "partitions",
            Query::Subpartitions => "subpartitions",
            Query::SubpartitionTemplates => "subpartition templates",
            Query::LocalIndexes => "local indexes",
        }
    }

    /// The dictionary views it reads (without prefix).
    fn views(self) -> &'static [&'static str] {
        match self {
            Query::Tables => &["TABLES", "TAB_COMMENTS", "MVIEWS", "EXTERNAL_TABLES"],
            Query::Columns => &["TAB_COLS", "TAB_IDENTITY_COLS", "COL_COMMENTS"],
            Query::Constraints => &["CONSTRAINTS"],
            Query::ConstraintColumns => &["CONS_COLUMNS", "CONSTRAINTS"],
            Query::Indexes => &["INDEXES", "IND_COLUMNS", "IND_EXPRESSIONS"],
            Query::Sequences => &["SEQUENCES"],
            Query::Views => &["VIEWS", "TAB_COMMENTS"],
            Query::MaterializedViews => &["MVIEWS", "MVIEW_COMMENTS"],
            Query::Triggers => &["TRIGGERS"],
            Query::Source => &["SOURCE"],
            Query::Synonyms => &["SYNONYMS"],
            Query::Grants => &["TAB_PRIVS"],
            Query::Dependencies => &["DEPENDENCIES"],
            Query::Objects => &["OBJECTS", "EXTERNAL_TABLES"],
            Query::SpatialMetadata => &["SDO_GEOM_METADATA"],
            Query::PartitionedTables => &["PART_TABLES", "TABLES"],
            Query::PartitionKeys => &["PART_KEY_COLUMNS"],
            Query::SubpartitionKeys => &["SUBPART_KEY_COLUMNS"],
            Query::Partitions => &["TAB_PARTITIONS"],
            Query::Subpartitions => &["TAB_SUBPARTITIONS"],
            Query::SubpartitionTemplates => &["SUBPARTITION_TEMPLATES"],
            Query::LocalIndexes => &["PART_INDEXES"],
        }
    }

    /// The views with their prefix, e.g. `ALL_TAB_COLS, ALL_TAB_IDENTITY_COLS`.
    pub(super) fn view_names(self, prefix: Prefix) -> String {
        // Spatial metadata has ALL_ and USER_ views only.
        let prefix = if self == Query::SpatialMetadata {
            Prefix::All
        } else {
            prefix
        };
        self.views()
            .iter()
            .map(|v| format!("{}_{v}", prefix.word()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `:s1, :s2, …` for `schemas` schemas (`NULL`, which matches nothing, for none).
pub(super) fn schema_binds(schemas: usize) -> String {
    if schemas == 0 {
        return "NULL".to_string();
    }
    (1..=schemas)
        .map(|i| format!(":s{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The users whose names match those asked for, ignoring case (to suggest the spelling).
pub(super) fn schemas_sql(schemas: usize) -> String {
    let binds = (1..=schemas.max(1))
        .map(|i| format!("UPPER(:s{i})"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("SELECT USERNAME FROM ALL_USERS WHERE UPPER(USERNAME) IN ({binds}) ORDER BY USERNAME")
}

/// Every dictionary query, with the schemas as binds `:s1` … `:s<schemas>`: always the same
/// number of queries, whatever the number of schemas and objects. LONG columns (`DATA_DEFAULT`,
/// `SEARCH_CONDITION`, `TEXT`, `QUERY`, `COLUMN_EXPRESSION`, `HIGH_VALUE`, `HIGH_BOUND`) come
/// last in their
/// query and are never filtered or sorted on, which Oracle does not allow.
pub(super) fn dictionary_queries(prefix: Prefix, schemas: usize) -> Vec<(Query, String)> {
    let s = schema_binds(schemas);
    let p = prefix.word();
    Query::ALL
        .iter()
        .map(|&query| {
            let sql = match query {
                Query::Tables => format!(
                    "SELECT t.OWNER, t.TABLE_NAME, t.NUM_ROWS, c.COMMENTS, t.TEMPORARY, t.DURATION \
                     FROM {p}_TABLES t \
                     LEFT JOIN {p}_TAB_COMMENTS c ON c.OWNER = t.OWNER \
                       AND c.TABLE_NAME = t.TABLE_NAME AND c.TABLE_TYPE = 'TABLE' \
                     WHERE t.OWNER IN ({s}) AND t.DROPPED = 'NO' AND t.NESTED = 'NO' \
                       AND t.SECONDARY = 'N' AND (t.IOT_TYPE IS NULL OR t.IOT_TYPE = 'IOT') \
                       AND t.TABLE_NAME NOT LIKE 'BIN$%' AND t.TABLE_NAME NOT LIKE 'DR$%' \
                       AND t.TABLE_NAME NOT LIKE 'MLOG$\\_%' ESCAPE '\\' \
                       AND t.TABLE_NAME NOT LIKE 'RUPD$\\_%' ESCAPE '\\' \
                       AND NOT EXISTS (SELECT 1 FROM {p}_MVIEWS m \
                         WHERE m.OWNER = t.OWNER AND m.CONTAINER_NAME = t.TABLE_NAME) \
                       AND NOT EXISTS (SELECT 1 FROM {p}_EXTERNAL_TABLES x \
                         WHERE x.OWNER = t.OWNER AND x.TABLE_NAME = t.TABLE_NAME) \
                     ORDER BY t.OWNER, t.TABLE_NAME"
                ),
                Query::Columns => format!(
                    "SELECT c.OWNER, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, \
                       c.DATA_TYPE_OWNER, c.DATA_LENGTH, c.CHAR_LENGTH, c.DATA_PRECISION, \
                       c.DATA_SCALE, c.CHAR_USED, c.NULLABLE, c.VIRTUAL_COLUMN, \
                       c.IDENTITY_COLUMN, i.GENERATION_TYPE, i.SEQUENCE_NAME, m.COMMENTS, \
                       c.DATA_DEFAULT \
                     FROM {p}_TAB_COLS c \
                     LEFT JOIN {p}_TAB_IDENTITY_COLS i ON i.OWNER = c.OWNER \
                       AND i.TABLE_NAME = c.TABLE_NAME AND i.COLUMN_NAME = c.COLUMN_NAME \
                     LEFT JOIN {p}_COL_COMMENTS m ON m.OWNER = c.OWNER \
                       AND m.TABLE_NAME = c.TABLE_NAME AND m.COLUMN_NAME = c.COLUMN_NAME \
                     WHERE c.OWNER IN ({s}) AND c.HIDDEN_COLUMN = 'NO' \
                     ORDER BY c.OWNER, c.TABLE_NAME, c.COLUMN_ID"
                ),
                Query::Constraints => format!(
                    "SELECT c.OWNER, c.TABLE_NAME, c.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, \
                       c.GENERATED, c.R_OWNER, r.TABLE_NAME, c.DELETE_RULE, c.DEFERRABLE, \
                       c.DEFERRED, c.STATUS, c.INDEX_OWNER, c.INDEX_NAME, c.SEARCH_CONDITION \
                     FROM {p}_CONSTRAINTS c \
                     LEFT JOIN {p}_CONSTRAINTS r ON r.OWNER = c.R_OWNER \
                       AND r.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME \
                     WHERE c.OWNER IN ({s}) AND c.CONSTRAINT_TYPE IN ('P', 'U', 'R', 'C') \
                     ORDER BY c.OWNER, c.TABLE_NAME, c.CONSTRAINT_NAME"
                ),
                Query::ConstraintColumns => format!(
                    "SELECT k.OWNER, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.POSITION, \
                       rk.COLUMN_NAME \
                     FROM {p}_CONS_COLUMNS k \
                     JOIN {p}_CONSTRAINTS c ON c.OWNER = k.OWNER \
                       AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
                     LEFT JOIN {p}_CONS_COLUMNS rk ON rk.OWNER = c.R_OWNER \
                       AND rk.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME AND rk.POSITION = k.POSITION \
                     WHERE k.OWNER IN ({s}) AND c.CONSTRAINT_TYPE IN ('P', 'U', 'R') \
                     ORDER BY k.OWNER, k.CONSTRAINT_NAME, k.POSITION"
                ),
                Query::Indexes => format!(
                    "SELECT i.TABLE_OWNER, i.TABLE_NAME, i.OWNER, i.INDEX_NAME, i.INDEX_TYPE, \
                       i.UNIQUENESS, k.COLUMN_POSITION, k.COLUMN_NAME, k.DESCEND, \
                       e.COLUMN_EXPRESSION \
                     FROM {p}_INDEXES i \
                     JOIN {p}_IND_COLUMNS k ON k.INDEX_OWNER = i.OWNER \
                       AND k.INDEX_NAME = i.INDEX_NAME \
                     LEFT JOIN {p}_IND_EXPRESSIONS e ON e.INDEX_OWNER = k.INDEX_OWNER \
                       AND e.INDEX_NAME = k.INDEX_NAME AND e.COLUMN_POSITION = k.COLUMN_POSITION \
                     WHERE i.TABLE_OWNER IN ({s}) AND i.TABLE_TYPE = 'TABLE' \
                       AND i.GENERATED = 'N' \
                     ORDER BY i.TABLE_OWNER, i.TABLE_NAME, i.OWNER, i.INDEX_NAME, \
                       k.COLUMN_POSITION"
                ),
                Query::Sequences => format!(
                    "SELECT s.SEQUENCE_OWNER, s.SEQUENCE_NAME, s.MIN_VALUE, s.MAX_VALUE, \
                       s.INCREMENT_BY, s.CYCLE_FLAG, s.CACHE_SIZE, s.LAST_NUMBER \
                     FROM {p}_SEQUENCES s \
                     WHERE s.SEQUENCE_OWNER IN ({s}) \
                     ORDER BY s.SEQUENCE_OWNER, s.SEQUENCE_NAME"
                ),
                Query::Views => format!(
                    "SELECT v.OWNER, v.VIEW_NAME, c.COMMENTS, v.TEXT \
                     FROM {p}_VIEWS v \
                     LEFT JOIN {p}_TAB_COMMENTS c ON c.OWNER = v.OWNER \
                       AND c.TABLE_NAME = v.VIEW_NAME AND c.TABLE_TYPE = 'VIEW' \
                     WHERE v.OWNER IN ({s}) \
                     ORDER BY v.OWNER, v.VIEW_NAME"
                ),
                Query::MaterializedViews => format!(
                    "SELECT m.OWNER, m.MVIEW_NAME, c.COMMENTS, m.QUERY \
                     FROM {p}_MVIEWS m \
                     LEFT JOIN {p}_MVIEW_COMMENTS c ON c.OWNER = m.OWNER \
                       AND c.MVIEW_NAME = m.MVIEW_NAME \
                     WHERE m.OWNER IN ({s}) \
                     ORDER BY m.OWNER, m.MVIEW_NAME"
                ),
                Query::Triggers => format!(
                    "SELECT t.OWNER, t.TRIGGER_NAME, t.TABLE_OWNER, t.TABLE_NAME, \
                       t.BASE_OBJECT_TYPE, t.TRIGGER_TYPE, t.TRIGGERING_EVENT, t.STATUS \
                     FROM {p}_TRIGGERS t \
                     WHERE t.OWNER IN ({s}) \
                     ORDER BY t.OWNER, t.TRIGGER_NAME"
                ),
                Query::Source => format!(
                    "SELECT s.OWNER, s.TYPE, s.NAME, s.LINE, s.TEXT \
                     FROM {p}_SOURCE s \
                     WHERE s.OWNER IN ({s}) AND s.TYPE IN ('PACKAGE', 'PACKAGE BODY', \
                       'PROCEDURE', 'FUNCTION', 'TYPE', 'TYPE BODY', 'TRIGGER') \
                       AND s.NAME NOT LIKE 'SYS\\_PLSQL\\_%' ESCAPE '\\' \
                     ORDER BY s.OWNER, s.TYPE, s.NAME, s.LINE"
                ),
                Query::Synonyms => format!(
                    "SELECT s.OWNER, s.SYNONYM_NAME, s.TABLE_OWNER, s.TABLE_NAME, s.DB_LINK \
                     FROM {p}_SYNONYMS s \
                     WHERE s.OWNER IN ({s}) \
                     ORDER BY s.OWNER, s.SYNONYM_NAME"
                ),
                Query::Grants => {
                    // The object's owner is TABLE_SCHEMA in ALL_TAB_PRIVS, OWNER in DBA_TAB_PRIVS.
                    let owner = match prefix {
                        Prefix::All => "TABLE_SCHEMA",
                        Prefix::Dba => "OWNER",
                    };
                    format!(
                        "SELECT p.{owner}, p.TABLE_NAME, p.TYPE, p.GRANTEE, p.PRIVILEGE, \
                           p.GRANTABLE \
                         FROM {p}_TAB_PRIVS p \
                         WHERE p.{owner} IN ({s}) \
                         ORDER BY p.{owner}, p.TABLE_NAME, p.GRANTEE, p.PRIVILEGE"
                    )
                }
                Query::Dependencies => format!(
                    "SELECT d.OWNER, d.NAME, d.TYPE, d.REFERENCED_OWNER, d.REFERENCED_NAME, \
                       d.REFERENCED_TYPE \
                     FROM {p}_DEPENDENCIES d \
                     WHERE d.OWNER IN ({s}) AND d.REFERENCED_LINK_NAME IS NULL \
                     ORDER BY d.OWNER, d.NAME, d.TYPE, d.REFERENCED_OWNER, \
                       d.REFERENCED_NAME, d.REFERENCED_TYPE"
                ),
                // An external table is a TABLE among the objects, but one dbsub does not
                // create (it reads a file on the server): listed as an EXTERNAL TABLE.
                Query::Objects => format!(
                    "SELECT o.OWNER, o.OBJECT_NAME, CASE WHEN o.OBJECT_TYPE = 'TABLE' \
                       THEN 'EXTERNAL TABLE' ELSE o.OBJECT_TYPE END \
                     FROM {p}_OBJECTS o \
                     WHERE o.OWNER IN ({s}) AND o.SUBOBJECT_NAME IS NULL \
                       AND o.SECONDARY = 'N' AND (o.OBJECT_TYPE NOT IN ('TABLE', \
                       'TABLE PARTITION', 'TABLE SUBPARTITION', 'VIEW', 'MATERIALIZED VIEW', \
                       'SEQUENCE', 'INDEX', 'INDEX PARTITION', 'INDEX SUBPARTITION', 'LOB', \
                       'LOB PARTITION', 'LOB SUBPARTITION', 'TRIGGER', 'PACKAGE', \
                       'PACKAGE BODY', 'PROCEDURE', 'FUNCTION', 'TYPE', 'TYPE BODY', \
                       'SYNONYM', 'NON-EXISTENT') \
                       OR o.OBJECT_TYPE = 'TABLE' AND EXISTS (SELECT 1 \
                         FROM {p}_EXTERNAL_TABLES x \
                         WHERE x.OWNER = o.OWNER AND x.TABLE_NAME = o.OBJECT_NAME)) \
                     ORDER BY o.OWNER, o.OBJECT_NAME, o.OBJECT_TYPE"
                ),
                Query::SpatialMetadata => format!(
                    "SELECT g.OWNER, g.TABLE_NAME, g.COLUMN_NAME, g.SRID \
                     FROM ALL_SDO_GEOM_METADATA g \
                     WHERE g.OWNER IN ({s})"
                ),
                Query::PartitionedTables => format!(
                    "SELECT t.OWNER, t.TABLE_NAME, t.PARTITIONING_TYPE, t.SUBPARTITIONING_TYPE, \
                       t.REF_PTN_CONSTRAINT_NAME, t.INTERVAL, a.ROW_MOVEMENT \
                     FROM {p}_PART_TABLES t \
                     JOIN {p}_TABLES a ON a.OWNER = t.OWNER AND a.TABLE_NAME = t.TABLE_NAME \
                     WHERE t.OWNER IN ({s}) \
                     ORDER BY t.OWNER, t.TABLE_NAME"
                ),
                // The partitioning (and subpartitioning) key of every partitioned table, not of
                // partitioned indexes; OBJECT_TYPE is CHAR(5), which 'TABLE' fills.
                Query::PartitionKeys | Query::SubpartitionKeys => {
                    let view = match query {
                        Query::PartitionKeys => "PART_KEY_COLUMNS",
                        _ => "SUBPART_KEY_COLUMNS",
                    };
                    format!(
                        "SELECT k.OWNER, k.NAME, k.COLUMN_NAME, k.COLUMN_POSITION \
                         FROM {p}_{view} k \
                         WHERE k.OWNER IN ({s}) AND k.OBJECT_TYPE = 'TABLE' \
                         ORDER BY k.OWNER, k.NAME, k.COLUMN_POSITION"
                    )
                }
                // Also the partitions the database added for an interval (INTERVAL = 'YES'),
                // which the assembly leaves out.
                Query::Partitions => format!(
                    "SELECT p.TABLE_OWNER, p.TABLE_NAME, p.PARTITION_NAME, \
                       p.PARTITION_POSITION, p.INTERVAL, p.HIGH_VALUE \
                     FROM {p}_TAB_PARTITIONS p \
                     WHERE p.TABLE_OWNER IN ({s}) \
                     ORDER BY p.TABLE_OWNER, p.TABLE_NAME, p.PARTITION_POSITION"
                ),
                Query::Subpartitions => format!(
                    "SELECT p.TABLE_OWNER, p.TABLE_NAME, p.PARTITION_NAME, \
                       p.SUBPARTITION_NAME, p.SUBPARTITION_POSITION, p.HIGH_VALUE \
                     FROM {p}_TAB_SUBPARTITIONS p \
                     WHERE p.TABLE_OWNER IN ({s}) \
                     ORDER BY p.TABLE_OWNER, p.TABLE_NAME, p.PARTITION_NAME, \
                       p.SUBPARTITION_POSITION"
                ),
                // The owner is USER_NAME in this view.
                Query::SubpartitionTemplates => format!(
                    "SELECT s.USER_NAME, s.TABLE_NAME, s.SUBPARTITION_NAME, \
                       s.SUBPARTITION_POSITION, s.HIGH_BOUND \
                     FROM {p}_SUBPARTITION_TEMPLATES s \
                     WHERE s.USER_NAME IN ({s}) \
                     ORDER BY s.USER_NAME, s.TABLE_NAME, s.SUBPARTITION_POSITION"
                ),
                Query::LocalIndexes => format!(
                    "SELECT i.OWNER, i.INDEX_NAME \
                     FROM {p}_PART_INDEXES i \
                     WHERE i.OWNER IN ({s}) AND i.LOCALITY = 'LOCAL' \
                     ORDER BY i.OWNER, i.INDEX_NAME"
                ),
            };
            (query, sql)
        })
        .collect()
}

/// A failed dictionary query as the user can act on it: which views, which privilege.
pub(super) fn dictionary_error(
    query: Query,
    prefix: Prefix,
    url: &str,
    code: Option<i32>,
    message: &str,
) -> anyhow::Error {
    let views = query.view_names(prefix);
    let what = query.what();
    match code {
        Some(942 | 1031) => {
            let release = if query == Query::Columns && prefix == Prefix::All {
                " (ALL_TAB_IDENTITY_COLS exists from Oracle 12.1 on, which dbsub needs)"
            } else {
                ""
            };
            anyhow!(
                "cannot read the {what} of {url}: the user may not read {views}{release} \
                 ({message}); grant it SELECT_CATALOG_ROLE (or SELECT ANY DICTIONARY), or SELECT \
                 on these views"
            )
        }
        Some(904) => anyhow!(
            "cannot read the {what} of {url}: {views} lack a column dbsub reads ({message}); \
             dbsub needs Oracle 12.1 or later"
        ),
        _ => anyhow!("cannot read the {what} of {url} from {views}: {message}"),
    }
}

/// The schemas asked for, each as `found` spells it, without repeats.
///
/// Fails for a schema that is not a user: with the right spelling when only the case differs
/// (Oracle keeps unquoted names in upper case), else asking for the owner of the tables.
pub(super) fn check_schemas(asked: &[String], found: &[String], url: &str) -> Result<Vec<String>> {
    let mut wanted: Vec<String> = Vec::new();
    for schema in asked {
        if found.contains(schema) {
            if !wanted.contains(schema) {
                wanted.push(schema.clone());
            }
            continue;
        }
        return Err(
            match found.iter().find(|f| f.eq_ignore_ascii_case(schema)) {
                Some(spelled) => anyhow!(
                    "schema `{schema}` does not exist in {url}, but `{spelled}` does: Oracle keeps \
                 unquoted names in upper case, so pass --schema {spelled}"
                ),
                None => anyhow!(
                    "schema `{schema}` does not exist in {url} (no such user in ALL_USERS): pass \
                 --schema with the owner of the tables, as Oracle spells it (usually upper case)"
                ),
            },
        );
    }
    Ok(wanted)
}
