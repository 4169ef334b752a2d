use super::assemble::*;
use super::queries::*;
use super::rows::*;
use super::text_forms::*;
use super::types::*;
use super::*;

// -----------------------------------------------------------------------------------
// Queries.

/// The queries through the ALL_ views for two schemas, exactly.
const ALL_QUERIES_FOR_TWO_SCHEMAS: [&str; 22] = [
    "SELECT t.OWNER, t.TABLE_NAME, t.NUM_ROWS, c.COMMENTS, t.TEMPORARY, t.DURATION FROM ALL_TABLES t \
     LEFT JOIN ALL_TAB_COMMENTS c ON c.OWNER = t.OWNER AND c.TABLE_NAME = t.TABLE_NAME \
     AND c.TABLE_TYPE = 'TABLE' WHERE t.OWNER IN (:s1, :s2) AND t.DROPPED = 'NO' \
     AND t.NESTED = 'NO' AND t.SECONDARY = 'N' AND (t.IOT_TYPE IS NULL OR t.IOT_TYPE = \
     'IOT') AND t.TABLE_NAME NOT LIKE 'BIN$%' AND t.TABLE_NAME NOT LIKE 'DR$%' AND \
     t.TABLE_NAME NOT LIKE 'MLOG$\\_%' ESCAPE '\\' AND t.TABLE_NAME NOT LIKE 'RUPD$\\_%' \
     ESCAPE '\\' AND NOT EXISTS (SELECT 1 FROM ALL_MVIEWS m WHERE m.OWNER = t.OWNER AND \
     m.CONTAINER_NAME = t.TABLE_NAME) AND NOT EXISTS (SELECT 1 FROM ALL_EXTERNAL_TABLES x \
     WHERE x.OWNER = t.OWNER AND x.TABLE_NAME = t.TABLE_NAME) ORDER BY t.OWNER, t.TABLE_NAME",
    "SELECT c.OWNER, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.DATA_TYPE_OWNER, \
     c.DATA_LENGTH, c.CHAR_LENGTH, c.DATA_PRECISION, c.DATA_SCALE, c.CHAR_USED, \
     c.NULLABLE, c.VIRTUAL_COLUMN, c.IDENTITY_COLUMN, i.GENERATION_TYPE, i.SEQUENCE_NAME, \
     m.COMMENTS, c.DATA_DEFAULT FROM ALL_TAB_COLS c LEFT JOIN ALL_TAB_IDENTITY_COLS i ON \
     i.OWNER = c.OWNER AND i.TABLE_NAME = c.TABLE_NAME AND i.COLUMN_NAME = c.COLUMN_NAME \
     LEFT JOIN ALL_COL_COMMENTS m ON m.OWNER = c.OWNER AND m.TABLE_NAME = c.TABLE_NAME AND \
     m.COLUMN_NAME = c.COLUMN_NAME WHERE c.OWNER IN (:s1, :s2) AND c.HIDDEN_COLUMN = 'NO' \
     ORDER BY c.OWNER, c.TABLE_NAME, c.COLUMN_ID",
    "SELECT c.OWNER, c.TABLE_NAME, c.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, c.GENERATED, \
     c.R_OWNER, r.TABLE_NAME, c.DELETE_RULE, c.DEFERRABLE, c.DEFERRED, c.STATUS, \
     c.INDEX_OWNER, c.INDEX_NAME, c.SEARCH_CONDITION FROM ALL_CONSTRAINTS c LEFT JOIN \
     ALL_CONSTRAINTS r ON r.OWNER = c.R_OWNER AND r.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME \
     WHERE c.OWNER IN (:s1, :s2) AND c.CONSTRAINT_TYPE IN ('P', 'U', 'R', 'C') ORDER BY \
     c.OWNER, c.TABLE_NAME, c.CONSTRAINT_NAME",
    "SELECT k.OWNER, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.POSITION, rk.COLUMN_NAME FROM \
     ALL_CONS_COLUMNS k JOIN ALL_CONSTRAINTS c ON c.OWNER = k.OWNER AND c.CONSTRAINT_NAME \
     = k.CONSTRAINT_NAME LEFT JOIN ALL_CONS_COLUMNS rk ON rk.OWNER = c.R_OWNER AND \
     rk.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME AND rk.POSITION = k.POSITION WHERE k.OWNER \
     IN (:s1, :s2) AND c.CONSTRAINT_TYPE IN ('P', 'U', 'R') ORDER BY k.OWNER, \
     k.CONSTRAINT_NAME, k.POSITION",
    "SELECT i.TABLE_OWNER, i.TABLE_NAME, i.OWNER, i.INDEX_NAME, i.INDEX_TYPE, \
     i.UNIQUENESS, k.COLUMN_POSITION, k.COLUMN_NAME, k.DESCEND, e.COLUMN_EXPRESSION FROM \
     ALL_INDEXES i JOIN ALL_IND_COLUMNS k ON k.INDEX_OWNER = i.OWNER AND k.INDEX_NAME = \
     i.INDEX_NAME LEFT JOIN ALL_IND_EXPRESSIONS e ON e.INDEX_OWNER = k.INDEX_OWNER AND \
     e.INDEX_NAME = k.INDEX_NAME AND e.COLUMN_POSITION = k.COLUMN_POSITION WHERE \
     i.TABLE_OWNER IN (:s1, :s2) AND i.TABLE_TYPE = 'TABLE' AND i.GENERATED = 'N' ORDER BY \
     i.TABLE_OWNER, i.TABLE_NAME, i.OWNER, i.INDEX_NAME, k.COLUMN_POSITION",
    "SELECT s.SEQUENCE_OWNER, s.SEQUENCE_NAME, s.MIN_VALUE, s.MAX_VALUE, s.INCREMENT_BY, \
     s.CYCLE_FLAG, s.CACHE_SIZE, s.LAST_NUMBER FROM ALL_SEQUENCES s WHERE \
     s.SEQUENCE_OWNER IN (:s1, :s2) ORDER BY s.SEQUENCE_OWNER, s.SEQUENCE_NAME",
    "SELECT v.OWNER, v.VIEW_NAME, c.COMMENTS, v.TEXT FROM ALL_VIEWS v LEFT JOIN \
     ALL_TAB_COMMENTS c ON c.OWNER = v.OWNER AND c.TABLE_NAME = v.VIEW_NAME AND \
     c.TABLE_TYPE = 'VIEW' WHERE v.OWNER IN (:s1, :s2) ORDER BY v.OWNER, v.VIEW_NAME",
    "SELECT m.OWNER, m.MVIEW_NAME, c.COMMENTS, m.QUERY FROM ALL_MVIEWS m LEFT JOIN \
     ALL_MVIEW_COMMENTS c ON c.OWNER = m.OWNER AND c.MVIEW_NAME = m.MVIEW_NAME WHERE \
     m.OWNER IN (:s1, :s2) ORDER BY m.OWNER, m.MVIEW_NAME",
    "SELECT t.OWNER, t.TRIGGER_NAME, t.TABLE_OWNER, t.TABLE_NAME, t.BASE_OBJECT_TYPE, \
     t.TRIGGER_TYPE, t.TRIGGERING_EVENT, t.STATUS FROM ALL_TRIGGERS t WHERE t.OWNER IN \
     (:s1, :s2) ORDER BY t.OWNER, t.TRIGGER_NAME",
    "SELECT s.OWNER, s.TYPE, s.NAME, s.LINE, s.TEXT FROM ALL_SOURCE s WHERE s.OWNER IN \
     (:s1, :s2) AND s.TYPE IN ('PACKAGE', 'PACKAGE BODY', 'PROCEDURE', 'FUNCTION', 'TYPE', \
     'TYPE BODY', 'TRIGGER') AND s.NAME NOT LIKE 'SYS\\_PLSQL\\_%' ESCAPE '\\' ORDER BY \
     s.OWNER, s.TYPE, s.NAME, s.LINE",
    "SELECT s.OWNER, s.SYNONYM_NAME, s.TABLE_OWNER, s.TABLE_NAME, s.DB_LINK FROM \
     ALL_SYNONYMS s WHERE s.OWNER IN (:s1, :s2) ORDER BY s.OWNER, s.SYNONYM_NAME",
    "SELECT p.TABLE_SCHEMA, p.TABLE_NAME, p.TYPE, p.GRANTEE, p.PRIVILEGE, p.GRANTABLE FROM \
     ALL_TAB_PRIVS p WHERE p.TABLE_SCHEMA IN (:s1, :s2) ORDER BY p.TABLE_SCHEMA, \
     p.TABLE_NAME, p.GRANTEE, p.PRIVILEGE",
    "SELECT d.OWNER, d.NAME, d.TYPE, d.REFERENCED_OWNER, d.REFERENCED_NAME, \
     d.REFERENCED_TYPE FROM ALL_DEPENDENCIES d WHERE d.OWNER IN (:s1, :s2) AND \
     d.REFERENCED_LINK_NAME IS NULL ORDER BY d.OWNER, d.NAME, d.TYPE, d.REFERENCED_OWNER, \
     d.REFERENCED_NAME, d.REFERENCED_TYPE",
    "SELECT o.OWNER, o.OBJECT_NAME, CASE WHEN o.OBJECT_TYPE = 'TABLE' THEN 'EXTERNAL TABLE' \
     ELSE o.OBJECT_TYPE END FROM ALL_OBJECTS o WHERE o.OWNER IN \
     (:s1, :s2) AND o.SUBOBJECT_NAME IS NULL AND o.SECONDARY = 'N' AND (o.OBJECT_TYPE NOT \
     IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION', 'VIEW', 'MATERIALIZED VIEW', \
     'SEQUENCE', 'INDEX', 'INDEX PARTITION', 'INDEX SUBPARTITION', 'LOB', 'LOB PARTITION', \
     'LOB SUBPARTITION', 'TRIGGER', 'PACKAGE', 'PACKAGE BODY', 'PROCEDURE', 'FUNCTION', \
     'TYPE', 'TYPE BODY', 'SYNONYM', 'NON-EXISTENT') OR o.OBJECT_TYPE = 'TABLE' AND EXISTS \
     (SELECT 1 FROM ALL_EXTERNAL_TABLES x WHERE x.OWNER = o.OWNER AND x.TABLE_NAME = \
     o.OBJECT_NAME)) ORDER BY o.OWNER, o.OBJECT_NAME, o.OBJECT_TYPE",
    "SELECT g.OWNER, g.TABLE_NAME, g.COLUMN_NAME, g.SRID FROM ALL_SDO_GEOM_METADATA g \
     WHERE g.OWNER IN (:s1, :s2)",
    "SELECT t.OWNER, t.TABLE_NAME, t.PARTITIONING_TYPE, t.SUBPARTITIONING_TYPE, \
     t.REF_PTN_CONSTRAINT_NAME, t.INTERVAL, a.ROW_MOVEMENT FROM ALL_PART_TABLES t JOIN \
     ALL_TABLES a ON a.OWNER = t.OWNER AND a.TABLE_NAME = t.TABLE_NAME WHERE t.OWNER IN \
     (:s1, :s2) ORDER BY t.OWNER, t.TABLE_NAME",
    "SELECT k.OWNER, k.NAME, k.COLUMN_NAME, k.COLUMN_POSITION FROM ALL_PART_KEY_COLUMNS k \
     WHERE k.OWNER IN (:s1, :s2) AND k.OBJECT_TYPE = 'TABLE' ORDER BY k.OWNER, k.NAME, \
     k.COLUMN_POSITION",
    "SELECT k.OWNER, k.NAME, k.COLUMN_NAME, k.COLUMN_POSITION FROM ALL_SUBPART_KEY_COLUMNS \
     k WHERE k.OWNER IN (:s1, :s2) AND k.OBJECT_TYPE = 'TABLE' ORDER BY k.OWNER, k.NAME, \
     k.COLUMN_POSITION",
    "SELECT p.TABLE_OWNER, p.TABLE_NAME, p.PARTITION_NAME, p.PARTITION_POSITION, \
     p.INTERVAL, p.HIGH_VALUE FROM ALL_TAB_PARTITIONS p WHERE p.TABLE_OWNER IN (:s1, :s2) \
     ORDER BY p.TABLE_OWNER, p.TABLE_NAME, p.PARTITION_POSITION",
    "SELECT p.TABLE_OWNER, p.TABLE_NAME, p.PARTITION_NAME, p.SUBPARTITION_NAME, \
     p.SUBPARTITION_POSITION, p.HIGH_VALUE FROM ALL_TAB_SUBPARTITIONS p WHERE \
     p.TABLE_OWNER IN (:s1, :s2) ORDER BY p.TABLE_OWNER, p.TABLE_NAME, p.PARTITION_NAME, \
     p.SUBPARTITION_POSITION",
    "SELECT s.USER_NAME, s.TABLE_NAME, s.SUBPARTITION_NAME, s.SUBPARTITION_POSITION, \
     s.HIGH_BOUND FROM ALL_SUBPARTITION_TEMPLATES s WHERE s.USER_NAME IN (:s1, :s2) ORDER BY \
     s.USER_NAME, s.TABLE_NAME, s.SUBPARTITION_POSITION",
    "SELECT i.OWNER, i.INDEX_NAME FROM ALL_PART_INDEXES i WHERE i.OWNER IN (:s1, :s2) AND \
     i.LOCALITY = 'LOCAL' ORDER BY i.OWNER, i.INDEX_NAME",
];

#[test]
fn the_dictionary_queries_read_the_all_views_with_the_schemas_bound() {
    let queries = dictionary_queries(Prefix::All, 2);
    let kinds: Vec<Query> = queries.iter().map(|(q, _)| *q).collect();
    assert_eq!(kinds, Query::ALL.to_vec());
    for ((query, sql), expected) in queries.iter().zip(ALL_QUERIES_FOR_TWO_SCHEMAS) {
        assert_eq!(sql, expected, "{query:?}");
    }
}

#[test]
fn the_dba_queries_differ_only_in_the_prefix_and_the_grant_owner_column() {
    for ((query, dba), all) in dictionary_queries(Prefix::Dba, 2)
        .into_iter()
        .zip(ALL_QUERIES_FOR_TWO_SCHEMAS)
    {
        let expected = match query {
            // Spatial metadata has no DBA_ view.
            Query::SpatialMetadata => all.to_string(),
            Query::Grants => all.replace("ALL_", "DBA_").replace("TABLE_SCHEMA", "OWNER"),
            _ => all.replace("ALL_", "DBA_"),
        };
        assert_eq!(dba, expected, "{query:?}");
    }
}

#[test]
fn the_number_of_queries_does_not_depend_on_the_number_of_schemas() {
    for prefix in [Prefix::All, Prefix::Dba] {
        for schemas in 1..=40 {
            let queries = dictionary_queries(prefix, schemas);
            assert_eq!(queries.len(), 22, "{prefix:?}, {schemas} schemas");
            let binds = schema_binds(schemas);
            for (query, sql) in &queries {
                // Every query binds every schema, once.
                assert_eq!(
                    sql.matches(&format!("IN ({binds})")).count(),
                    1,
                    "{query:?}"
                );
                assert!(!sql.contains(&format!(":s{}", schemas + 1)), "{query:?}");
            }
        }
    }
    assert_eq!(schema_binds(3), ":s1, :s2, :s3");
    assert_eq!(schema_binds(0), "NULL");
}

#[test]
fn schemas_are_checked_ignoring_case_and_spelled_as_oracle_spells_them() {
    assert_eq!(
        schemas_sql(2),
        "SELECT USERNAME FROM ALL_USERS WHERE UPPER(USERNAME) IN (UPPER(:s1), UPPER(:s2)) \
         ORDER BY USERNAME"
    );
    let found = ["APP".to_string(), "Mixed".to_string()];
    let url = "oracle://dbsub@db:1521/FREEPDB1";
    assert_eq!(
        check_schemas(&["APP".into(), "Mixed".into(), "APP".into()], &found, url).unwrap(),
        vec!["APP".to_string(), "Mixed".to_string()]
    );
    let wrong_case = check_schemas(&["app".into()], &found, url)
        .unwrap_err()
        .to_string();
    assert_eq!(
        wrong_case,
        "schema `app` does not exist in oracle://dbsub@db:1521/FREEPDB1, but `APP` does: \
         Oracle keeps unquoted names in upper case, so pass --schema APP"
    );
    let missing = check_schemas(&["HR".into()], &found, url)
        .unwrap_err()
        .to_string();
    assert_eq!(
        missing,
        "schema `HR` does not exist in oracle://dbsub@db:1521/FREEPDB1 (no such user in \
         ALL_USERS): pass --schema with the owner of the tables, as Oracle spells it \
         (usually upper case)"
    );
}

#[test]
fn dictionary_errors_name_the_views_and_the_privilege() {
    let url = "oracle://dbsub@db:1521/FREEPDB1";
    let hidden = dictionary_error(
        Query::Columns,
        Prefix::All,
        url,
        Some(942),
        "ORA-00942: table or view does not exist",
    )
    .to_string();
    assert_eq!(
        hidden,
        "cannot read the columns of oracle://dbsub@db:1521/FREEPDB1: the user may not read \
         ALL_TAB_COLS, ALL_TAB_IDENTITY_COLS, ALL_COL_COMMENTS (ALL_TAB_IDENTITY_COLS exists \
         from Oracle 12.1 on, which dbsub needs) (ORA-00942: table or view does not exist); \
         grant it SELECT_CATALOG_ROLE (or SELECT ANY DICTIONARY), or SELECT on these views"
    );
    let dba =
        dictionary_error(Query::Source, Prefix::Dba, url, Some(1031), "ORA-01031").to_string();
    assert!(dba.contains("may not read DBA_SOURCE"), "{dba}");
    assert!(dba.contains("SELECT_CATALOG_ROLE"), "{dba}");
    let old = dictionary_error(Query::Grants, Prefix::All, url, Some(904), "ORA-00904").to_string();
    assert!(old.contains("ALL_TAB_PRIVS lack a column"), "{old}");
    assert!(old.contains("Oracle 12.1 or later"), "{old}");
    let other =
        dictionary_error(Query::Triggers, Prefix::All, url, Some(3113), "ORA-03113").to_string();
    assert_eq!(
        other,
        "cannot read the triggers of oracle://dbsub@db:1521/FREEPDB1 from ALL_TRIGGERS: \
         ORA-03113"
    );
    assert_eq!(
        Query::SpatialMetadata.view_names(Prefix::Dba),
        "ALL_SDO_GEOM_METADATA"
    );
}

// -----------------------------------------------------------------------------------
// Types.

fn ty(data_type: &str) -> TypeFields {
    TypeFields {
        data_type: data_type.to_string(),
        ..TypeFields::default()
    }
}

fn number(precision: Option<i64>, scale: Option<i64>) -> TypeFields {
    TypeFields {
        data_precision: precision,
        data_scale: scale,
        data_length: Some(22),
        ..ty("NUMBER")
    }
}

fn chars(data_type: &str, bytes: u32, chars: u32, used: &str) -> TypeFields {
    TypeFields {
        data_length: Some(bytes),
        char_length: Some(chars),
        char_used: Some(used.to_string()),
        ..ty(data_type)
    }
}

fn owned(data_type: &str, owner: &str) -> TypeFields {
    TypeFields {
        data_type_owner: Some(owner.to_string()),
        ..ty(data_type)
    }
}

fn scaled(data_type: &str, precision: Option<i64>, scale: Option<i64>) -> TypeFields {
    TypeFields {
        data_precision: precision,
        data_scale: scale,
        ..ty(data_type)
    }
}

fn sized(data_type: &str, bytes: u32) -> TypeFields {
    TypeFields {
        data_length: Some(bytes),
        ..ty(data_type)
    }
}

fn text(length: u32, semantics: LengthSemantics, fixed: bool) -> NeutralType {
    NeutralType::Text {
        length: Some(length),
        semantics,
        fixed,
    }
}

fn decimal(precision: Option<u16>, scale: Option<i16>) -> NeutralType {
    NeutralType::Decimal { precision, scale }
}

fn lob(lob: LobKind) -> NeutralType {
    NeutralType::Lob { lob }
}

/// Every type of the dictionary: its fields, the native text, the neutral type.
fn type_cases() -> Vec<(TypeFields, &'static str, NeutralType)> {
    use LengthSemantics::{Byte, Char};
    use NeutralType as N;
    vec![
        (number(None, None), "NUMBER", decimal(None, None)),
        (
            number(Some(10), Some(0)),
            "NUMBER(10)",
            decimal(Some(10), Some(0)),
        ),
        (
            number(Some(12), Some(2)),
            "NUMBER(12,2)",
            decimal(Some(12), Some(2)),
        ),
        (
            number(Some(5), Some(-2)),
            "NUMBER(5,-2)",
            decimal(Some(5), Some(-2)),
        ),
        (number(None, Some(4)), "NUMBER(*,4)", decimal(None, Some(4))),
        (number(None, Some(0)), "NUMBER(*,0)", decimal(None, Some(0))),
        (
            scaled("FLOAT", Some(126), None),
            "FLOAT(126)",
            decimal(None, None),
        ),
        (
            scaled("FLOAT", Some(63), None),
            "FLOAT(63)",
            decimal(None, None),
        ),
        (
            ty("BINARY_FLOAT"),
            "BINARY_FLOAT",
            N::Float { bits: Some(24) },
        ),
        (
            ty("BINARY_DOUBLE"),
            "BINARY_DOUBLE",
            N::Float { bits: Some(53) },
        ),
        (
            chars("CHAR", 12, 3, "C"),
            "CHAR(3 CHAR)",
            text(3, Char, true),
        ),
        (
            chars("CHAR", 2, 2, "B"),
            "CHAR(2 BYTE)",
            text(2, Byte, true),
        ),
        (
            chars("VARCHAR2", 200, 50, "C"),
            "VARCHAR2(50 CHAR)",
            text(50, Char, false),
        ),
        (
            chars("VARCHAR2", 4000, 4000, "B"),
            "VARCHAR2(4000 BYTE)",
            text(4000, Byte, false),
        ),
        (
            chars("NCHAR", 20, 10, "C"),
            "NCHAR(10)",
            N::NationalText {
                length: Some(10),
                fixed: true,
            },
        ),
        (
            chars("NVARCHAR2", 200, 100, "C"),
            "NVARCHAR2(100)",
            N::NationalText {
                length: Some(100),
                fixed: false,
            },
        ),
        (ty("DATE"), "DATE", N::Timestamp { precision: Some(0) }),
        (
            scaled("TIMESTAMP(3)", None, Some(3)),
            "TIMESTAMP(3)",
            N::Timestamp { precision: Some(3) },
        ),
        (
            scaled("TIMESTAMP(9) WITH TIME ZONE", None, Some(9)),
            "TIMESTAMP(9) WITH TIME ZONE",
            N::TimestampTz {
                precision: Some(9),
                local: false,
            },
        ),
        (
            scaled("TIMESTAMP(6) WITH LOCAL TIME ZONE", None, Some(6)),
            "TIMESTAMP(6) WITH LOCAL TIME ZONE",
            N::TimestampTz {
                precision: Some(6),
                local: true,
            },
        ),
        (
            scaled("INTERVAL YEAR(2) TO MONTH", Some(2), Some(0)),
            "INTERVAL YEAR(2) TO MONTH",
            N::Interval {
                fields: IntervalFields::YearToMonth,
                leading_precision: Some(2),
                fractional_precision: None,
            },
        ),
        (
            scaled("INTERVAL DAY(3) TO SECOND(6)", Some(3), Some(6)),
            "INTERVAL DAY(3) TO SECOND(6)",
            N::Interval {
                fields: IntervalFields::DayToSecond,
                leading_precision: Some(3),
                fractional_precision: Some(6),
            },
        ),
        (
            sized("RAW", 16),
            "RAW(16)",
            N::Binary {
                length: Some(16),
                fixed: false,
            },
        ),
        (ty("LONG"), "LONG", lob(LobKind::Character)),
        (ty("LONG RAW"), "LONG RAW", lob(LobKind::Binary)),
        (ty("CLOB"), "CLOB", lob(LobKind::Character)),
        (ty("NCLOB"), "NCLOB", lob(LobKind::National)),
        (ty("BLOB"), "BLOB", lob(LobKind::Binary)),
        (ty("BFILE"), "BFILE", lob(LobKind::File)),
        (owned("XMLTYPE", "SYS"), "XMLTYPE", N::Xml),
        (owned("XMLTYPE", "PUBLIC"), "XMLTYPE", N::Xml),
        (
            owned("SDO_GEOMETRY", "MDSYS"),
            "SDO_GEOMETRY",
            N::Spatial { srid: None },
        ),
        (ty("ROWID"), "ROWID", N::RowId),
        (sized("UROWID", 4000), "UROWID", N::RowId),
        (sized("UROWID", 100), "UROWID(100)", N::RowId),
        (ty("JSON"), "JSON", N::Json),
        (ty("BOOLEAN"), "BOOLEAN", N::Boolean),
        (owned("ADDRESS_T", "APP"), "APP.ADDRESS_T", N::Other),
        (owned("Point", "App"), "\"App\".\"Point\"", N::Other),
        (owned("ANYDATA", "SYS"), "SYS.ANYDATA", N::Other),
        (ty("VECTOR"), "VECTOR", N::Other),
    ]
}

#[test]
fn dictionary_types_map_onto_native_text_and_neutral_types() {
    for (fields, native, neutral) in type_cases() {
        assert_eq!(
            column_type(&fields),
            (native.to_string(), neutral),
            "{fields:?}"
        );
    }
    // Precision from DATA_SCALE / DATA_PRECISION when DATA_TYPE does not spell it.
    assert_eq!(
        column_type(&scaled("TIMESTAMP WITH TIME ZONE", None, Some(3))).0,
        "TIMESTAMP(3) WITH TIME ZONE"
    );
    assert_eq!(
        column_type(&scaled("INTERVAL DAY TO SECOND", Some(4), Some(2))).0,
        "INTERVAL DAY(4) TO SECOND(2)"
    );
}

#[test]
fn the_sqlite_reader_reads_the_native_text_back_to_the_same_neutral_type() {
    for (_, native, neutral) in type_cases() {
        let from_sqlite = crate::db::sqlite::neutral_type(native);
        if native.starts_with("FLOAT") {
            // SQLite's reader takes FLOAT(b) for binary floating point; Oracle's FLOAT is a
            // decimal (docs/types.md), so the two readers differ here on purpose.
            assert!(matches!(from_sqlite, NeutralType::Float { .. }), "{native}");
            continue;
        }
        assert_eq!(from_sqlite, neutral, "{native}");
    }
}

// -----------------------------------------------------------------------------------
// Text forms.

#[test]
fn generated_not_null_checks_are_recognised() {
    assert_eq!(
        not_null_check_column("\"NAME\" IS NOT NULL"),
        Some("NAME".to_string())
    );
    assert_eq!(
        not_null_check_column("  \"Order Date\" is not null\n"),
        Some("Order Date".to_string())
    );
    for kept in [
        "NAME IS NOT NULL",
        "\"A\" IS NOT NULL AND \"B\" IS NOT NULL",
        "\"A\" > 0",
        "IS NOT NULL",
        "",
    ] {
        assert_eq!(not_null_check_column(kept), None, "{kept}");
    }
}

#[test]
fn stored_code_loses_its_own_schema_qualifier_only() {
    let cases = [
        (
            "PACKAGE BODY \"APP\".\"CUSTOMER_API\" AS\n  x NUMBER;\nEND;\n",
            "PACKAGE BODY \"CUSTOMER_API\" AS\n  x NUMBER;\nEND;",
        ),
        (
            "procedure app.archive_customer (p_id in number) as\nbegin null; end;\n",
            "procedure archive_customer (p_id in number) as\nbegin null; end;",
        ),
        (
            "TYPE BODY APP . ADDRESS_T AS\nEND;",
            "TYPE BODY ADDRESS_T AS\nEND;",
        ),
        (
            "TRIGGER \"APP\".\"ADDRESS_BI\"\nBEFORE INSERT ON APP.ADDRESS",
            "TRIGGER \"ADDRESS_BI\"\nBEFORE INSERT ON APP.ADDRESS",
        ),
        // Another schema, a quoted name of another case, or none: as written.
        ("FUNCTION HR.F RETURN NUMBER", "FUNCTION HR.F RETURN NUMBER"),
        ("PACKAGE \"app\".P AS END;", "PACKAGE \"app\".P AS END;"),
        ("PACKAGE P$X AS END;", "PACKAGE P$X AS END;"),
        ("PACKAGE body_rules AS END;", "PACKAGE body_rules AS END;"),
        (
            "TYPE T AS OBJECT (A NUMBER);",
            "TYPE T AS OBJECT (A NUMBER);",
        ),
        ("WRAPPED nonsense", "WRAPPED nonsense"),
    ];
    for (text, expected) in cases {
        assert_eq!(unqualified_unit(text, "APP"), expected, "{text}");
    }
}

#[test]
fn trigger_types_and_events_give_timing_level_and_events() {
    let t = |s: &str| trigger_timing(s);
    assert_eq!(t("BEFORE EACH ROW"), ("BEFORE".to_string(), true));
    assert_eq!(t("AFTER EACH ROW"), ("AFTER".to_string(), true));
    assert_eq!(t("BEFORE STATEMENT"), ("BEFORE".to_string(), false));
    assert_eq!(t("AFTER STATEMENT"), ("AFTER".to_string(), false));
    assert_eq!(t("INSTEAD OF"), ("INSTEAD OF".to_string(), true));
    assert_eq!(t("COMPOUND"), ("COMPOUND".to_string(), false));
    assert_eq!(
        trigger_events("INSERT OR UPDATE OR DELETE"),
        vec!["INSERT", "UPDATE", "DELETE"]
    );
    assert_eq!(trigger_events("UPDATE"), vec!["UPDATE"]);
}

#[test]
fn oracle_owned_schemas_are_noise() {
    for owner in [
        "SYS",
        "PUBLIC",
        "MDSYS",
        "XDB",
        "CTXSYS",
        "APEX_230200",
        "FLOWS_FILES",
    ] {
        assert!(is_oracle_owner(owner), "{owner}");
    }
    for owner in ["APP", "FIN", "SYSADM", "APEX"] {
        assert!(!is_oracle_owner(owner), "{owner}");
    }
    assert_eq!(object_kind("PACKAGE BODY"), ObjectKind::PackageBody);
    assert_eq!(
        object_kind("MATERIALIZED VIEW"),
        ObjectKind::MaterializedView
    );
    assert_eq!(object_kind("JAVA CLASS"), ObjectKind::Other);
    assert_eq!(object_kind("NON-EXISTENT"), ObjectKind::Other);
}

// -----------------------------------------------------------------------------------
// Assembly: a fabricated dictionary of an Oracle-style schema.

const APP: &str = "APP";

fn table_row(name: &str, num_rows: Option<u64>, comment: Option<&str>) -> TableRow {
    TableRow {
        owner: APP.into(),
        name: name.into(),
        num_rows,
        comment: comment.map(String::from),
        ..TableRow::default()
    }
}

fn column_row(table: &str, name: &str, ty: TypeFields, nullable: bool) -> ColumnRow {
    ColumnRow {
        owner: APP.into(),
        table: table.into(),
        name: name.into(),
        ty,
        nullable,
        ..ColumnRow::default()
    }
}

fn with_default(mut c: ColumnRow, default: &str) -> ColumnRow {
    c.data_default = Some(default.into());
    c
}

fn identity(mut c: ColumnRow, generation: &str, sequence: &str) -> ColumnRow {
    c.identity_column = true;
    c.generation_type = Some(generation.into());
    c.identity_sequence = Some(sequence.into());
    c.data_default = Some(format!("\"APP\".\"{sequence}\".nextval"));
    c
}

fn constraint(table: &str, name: &str, kind: &str) -> ConstraintRow {
    ConstraintRow {
        owner: APP.into(),
        table: table.into(),
        name: name.into(),
        constraint_type: kind.into(),
        generated_name: name.starts_with("SYS_C"),
        enabled: true,
        ..ConstraintRow::default()
    }
}

fn key(table: &str, name: &str, kind: &str) -> ConstraintRow {
    ConstraintRow {
        index_owner: Some(APP.into()),
        index_name: Some(name.into()),
        ..constraint(table, name, kind)
    }
}

fn check(table: &str, name: &str, condition: &str) -> ConstraintRow {
    ConstraintRow {
        search_condition: Some(condition.into()),
        ..constraint(table, name, "C")
    }
}

fn key_column(constraint: &str, column: &str, r_column: Option<&str>) -> ConstraintColumnRow {
    ConstraintColumnRow {
        owner: APP.into(),
        constraint: constraint.into(),
        column: column.into(),
        position: 1,
        r_column: r_column.map(String::from),
    }
}

fn index_row(table: &str, name: &str, index_type: &str, position: u32, column: &str) -> IndexRow {
    IndexRow {
        table_owner: APP.into(),
        table: table.into(),
        owner: APP.into(),
        name: name.into(),
        index_type: index_type.into(),
        position,
        column: column.into(),
        ..IndexRow::default()
    }
}

fn sequence_row(
    name: &str,
    min: &str,
    max: &str,
    inc: &str,
    cycle: bool,
    cache: &str,
    last: &str,
) -> SequenceRow {
    SequenceRow {
        owner: APP.into(),
        name: name.into(),
        min_value: min.into(),
        max_value: max.into(),
        increment_by: inc.into(),
        cycle,
        cache_size: cache.into(),
        last_number: last.into(),
    }
}

/// `ALL_SOURCE` rows of a unit: one per line, each with its line feed.
fn source_rows(kind: &str, name: &str, text: &str) -> Vec<SourceRow> {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| SourceRow {
            owner: APP.into(),
            kind: kind.into(),
            name: name.into(),
            line: i as u32 + 1,
            text: line.into(),
        })
        .collect()
}

fn dependency(name: &str, kind: &str, r_owner: &str, r_name: &str, r_kind: &str) -> DependencyRow {
    DependencyRow {
        owner: APP.into(),
        name: name.into(),
        kind: kind.into(),
        referenced_owner: r_owner.into(),
        referenced_name: r_name.into(),
        referenced_kind: r_kind.into(),
    }
}

fn grant_row(
    name: &str,
    object_type: &str,
    grantee: &str,
    privilege: &str,
    grantable: bool,
) -> GrantRow {
    GrantRow {
        owner: APP.into(),
        name: name.into(),
        object_type: Some(object_type.into()),
        grantee: grantee.into(),
        privilege: privilege.into(),
        grantable,
    }
}

fn object_row(name: &str, object_type: &str) -> ObjectRow {
    ObjectRow {
        owner: APP.into(),
        name: name.into(),
        object_type: object_type.into(),
    }
}

const MAX_SEQ: &str = "9999999999999999999999999999";

const TRIGGER_SOURCE: &str = "TRIGGER \"APP\".\"ADDRESS_BI\"\n\
    BEFORE INSERT ON APP.ADDRESS\n\
    FOR EACH ROW\n\
    BEGIN\n\
    \x20 IF :NEW.ID IS NULL THEN\n\
    \x20   :NEW.ID := \"APP\".ADDRESS_SEQ.NEXTVAL;\n\
    \x20 END IF;\n\
    \x20 :NEW.UPDATED_AT := SYSTIMESTAMP;\n\
    END;\n";

const PACKAGE_SOURCE: &str = "PACKAGE CUSTOMER_API AS\n\
    \x20 PROCEDURE RENAME_CUSTOMER(P_ID IN CUSTOMER.ID%TYPE, P_NAME IN VARCHAR2);\n\
    \x20 FUNCTION CITY_OF(P_ID IN CUSTOMER.ID%TYPE) RETURN VARCHAR2;\n\
    END CUSTOMER_API;\n";

const PACKAGE_BODY_SOURCE: &str = "PACKAGE BODY CUSTOMER_API AS\n\
    \x20 PROCEDURE RENAME_CUSTOMER(P_ID IN CUSTOMER.ID%TYPE, P_NAME IN VARCHAR2) IS\n\
    \x20 BEGIN\n\
    \x20   UPDATE CUSTOMER SET NAME = P_NAME WHERE ID = P_ID;\n\
    \x20   DBMS_OUTPUT.PUT_LINE('renamed ' || P_ID);\n\
    \x20 END RENAME_CUSTOMER;\n\
    \n\
    \x20 FUNCTION CITY_OF(P_ID IN CUSTOMER.ID%TYPE) RETURN VARCHAR2 IS\n\
    \x20   V_CITY ADDRESS.CITY%TYPE;\n\
    \x20 BEGIN\n\
    \x20   SELECT A.CITY INTO V_CITY\n\
    \x20     FROM CUSTOMER C JOIN ADDRESS A ON A.ID = C.MAIN_ADDRESS_ID\n\
    \x20    WHERE C.ID = P_ID;\n\
    \x20   RETURN V_CITY;\n\
    \x20 EXCEPTION\n\
    \x20   WHEN NO_DATA_FOUND THEN\n\
    \x20     RETURN NULL;\n\
    \x20 END CITY_OF;\n\
    END CUSTOMER_API;\n";

const PROCEDURE_SOURCE: &str = "procedure app.archive_customer (p_id in number) as\n\
    begin\n\
    \x20 delete from address where customer_id = p_id;\n\
    \x20 delete from customer where id = p_id;\n\
    end archive_customer;\n";

const FUNCTION_SOURCE: &str = "FUNCTION CHECKSUM_OF (P_TEXT IN VARCHAR2) RETURN NUMBER\n\
    AS LANGUAGE JAVA NAME 'com.acme.Checksum.of(java.lang.String) return int';\n";

const TYPE_SOURCE: &str = "TYPE ADDRESS_T AS OBJECT (\n\
    \x20 CITY     VARCHAR2(60 CHAR),\n\
    \x20 POSTCODE VARCHAR2(10 CHAR),\n\
    \x20 MEMBER FUNCTION LABEL RETURN VARCHAR2\n\
    );\n";

const TYPE_BODY_SOURCE: &str = "TYPE BODY ADDRESS_T AS\n\
    \x20 MEMBER FUNCTION LABEL RETURN VARCHAR2 IS\n\
    \x20 BEGIN\n\
    \x20   RETURN POSTCODE || ' ' || CITY;\n\
    \x20 END;\n\
    END;\n";

/// A user-defined aggregate: a function implemented by an object type (Oracle's ODCIAggregate
/// interface).
const AGGREGATE_SOURCE: &str = "FUNCTION JOIN_CITIES (P_CITY IN VARCHAR2) RETURN VARCHAR2\n\
    PARALLEL_ENABLE AGGREGATE USING CITY_AGG_T;\n";

const AGGREGATE_TYPE_SOURCE: &str = "TYPE CITY_AGG_T AS OBJECT (\n\
    \x20 V_TEXT VARCHAR2(4000),\n\
    \x20 STATIC FUNCTION ODCIAGGREGATEINITIALIZE(P_CTX IN OUT CITY_AGG_T) RETURN NUMBER,\n\
    \x20 MEMBER FUNCTION ODCIAGGREGATEITERATE(SELF IN OUT CITY_AGG_T, P_VALUE IN VARCHAR2)\n\
    \x20   RETURN NUMBER,\n\
    \x20 MEMBER FUNCTION ODCIAGGREGATETERMINATE(SELF IN CITY_AGG_T, P_RESULT OUT VARCHAR2,\n\
    \x20   P_FLAGS IN NUMBER) RETURN NUMBER,\n\
    \x20 MEMBER FUNCTION ODCIAGGREGATEMERGE(SELF IN OUT CITY_AGG_T, P_OTHER IN CITY_AGG_T)\n\
    \x20   RETURN NUMBER\n\
    );\n";

const AGGREGATE_TYPE_BODY_SOURCE: &str = "TYPE BODY CITY_AGG_T AS\n\
    \x20 STATIC FUNCTION ODCIAGGREGATEINITIALIZE(P_CTX IN OUT CITY_AGG_T) RETURN NUMBER IS\n\
    \x20 BEGIN\n\
    \x20   P_CTX := CITY_AGG_T(NULL);\n\
    \x20   RETURN ODCICONST.SUCCESS;\n\
    \x20 END;\n\
    \x20 MEMBER FUNCTION ODCIAGGREGATEITERATE(SELF IN OUT CITY_AGG_T, P_VALUE IN VARCHAR2)\n\
    \x20   RETURN NUMBER IS\n\
    \x20 BEGIN\n\
    \x20   SELF.V_TEXT := SELF.V_TEXT || ';' || P_VALUE;\n\
    \x20   RETURN ODCICONST.SUCCESS;\n\
    \x20 END;\n\
    \x20 MEMBER FUNCTION ODCIAGGREGATETERMINATE(SELF IN CITY_AGG_T, P_RESULT OUT VARCHAR2,\n\
    \x20   P_FLAGS IN NUMBER) RETURN NUMBER IS\n\
    \x20 BEGIN\n\
    \x20   P_RESULT := LTRIM(SELF.V_TEXT, ';');\n\
    \x20   RETURN ODCICONST.SUCCESS;\n\
    \x20 END;\n\
    \x20 MEMBER FUNCTION ODCIAGGREGATEMERGE(SELF IN OUT CITY_AGG_T, P_OTHER IN CITY_AGG_T)\n\
    \x20   RETURN NUMBER IS\n\
    \x20 BEGIN\n\
    \x20   SELF.V_TEXT := SELF.V_TEXT || P_OTHER.V_TEXT;\n\
    \x20   RETURN ODCICONST.SUCCESS;\n\
    \x20 END;\n\
    END;\n";

/// The query only (ALL_VIEWS.TEXT): the view's column list `(ID, NAME, CITY)` is not in it,
/// and `UPPER(c.NAME)` would not be a valid column name without it.
const VIEW_TEXT: &str = "SELECT c.ID, UPPER(c.NAME), a.CITY\n  FROM APP.CUSTOMER c\n  \
                         LEFT JOIN \"APP\".\"ADDRESS\" a ON a.ID = c.MAIN_ADDRESS_ID\n \
                         WHERE c.STATUS <> 'APP.X' /* APP.comment */";

const MVIEW_QUERY: &str =
    "SELECT a.CITY, COUNT(*) AS CUSTOMERS\n  FROM ADDRESS a\n GROUP BY a.CITY\n";

/// The dictionary of schema APP: CUSTOMER and ADDRESS reference each other (CUSTOMER's
/// key nullable, ADDRESS's deferrable), TYPE_SAMPLE has a column of every type, plus
/// code, a view and a materialized view, a synonym, a Java class, grants and
/// dependencies, the partitioned tables of [`partitioned_tables`] — and the rows the reader
/// must leave out.
fn fixture() -> DictionaryRows {
    let mut rows = unpartitioned_fixture();
    partitioned_tables(&mut rows);
    rows
}

/// `TO_DATE` as `HIGH_VALUE` spells a date bound.
fn date_bound(day: &str) -> String {
    format!("TO_DATE(' {day} 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', 'NLS_CALENDAR=GREGORIAN')")
}

fn part_table(table: &str, method: &str, sub: &str) -> PartTableRow {
    PartTableRow {
        owner: APP.into(),
        table: table.into(),
        partitioning_type: method.into(),
        subpartitioning_type: Some(sub.into()),
        ..PartTableRow::default()
    }
}

fn part_key(table: &str, column: &str, position: u32) -> PartKeyColumnRow {
    PartKeyColumnRow {
        owner: APP.into(),
        table: table.into(),
        column: column.into(),
        position,
    }
}

fn partition_row(table: &str, name: &str, position: u32, high_value: Option<&str>) -> PartitionRow {
    PartitionRow {
        owner: APP.into(),
        table: table.into(),
        partition: None,
        name: name.into(),
        position,
        interval: false,
        high_value: high_value.map(String::from),
    }
}

fn subpartition_row(
    table: &str,
    partition: &str,
    name: &str,
    position: u32,
    high_value: &str,
) -> PartitionRow {
    PartitionRow {
        partition: Some(partition.into()),
        ..partition_row(table, name, position, Some(high_value))
    }
}

/// Partitioned tables, as the partitioning views show them (rows in any order):
/// - SALES by range on SOLD_ON with a monthly interval: P2023 from the DDL, SYS_P101 added by
///   the database on insert; a local index on SOLD_ON, a global primary key;
/// - REGION_NOTE by list on REGION, with a DEFAULT partition;
/// - SESSION_LOG by hash on ID, two partitions;
/// - SHIPMENT by range on SHIPPED_ON, subpartitioned by list on REGION (composite);
/// - SALES_LINE by reference through SALES_LINE_SALE_FK (SALE_ID NOT NULL) to SALES, with the
///   partitions the parent's interval gave it too, and a local index;
/// - INBOX by system partitioning (the application names the partition on insert).
fn partitioned_tables(rows: &mut DictionaryRows) {
    let n10 = || number(Some(10), Some(0));
    let region = || chars("VARCHAR2", 2, 2, "B");
    for table in [
        "INBOX",
        "REGION_NOTE",
        "SALES",
        "SALES_LINE",
        "SESSION_LOG",
        "SHIPMENT",
    ] {
        rows.tables.push(table_row(table, None, None));
    }
    rows.columns.extend([
        column_row("INBOX", "ID", n10(), false),
        column_row("SALES", "ID", n10(), false),
        column_row("SALES", "SOLD_ON", ty("DATE"), false),
        column_row("SALES", "AMOUNT", number(Some(12), Some(2)), true),
        column_row("REGION_NOTE", "REGION", region(), false),
        column_row(
            "REGION_NOTE",
            "NOTE",
            chars("VARCHAR2", 100, 100, "B"),
            true,
        ),
        column_row("SESSION_LOG", "ID", n10(), false),
        column_row(
            "SESSION_LOG",
            "NOTE",
            chars("VARCHAR2", 100, 100, "B"),
            true,
        ),
        column_row("SHIPMENT", "ID", n10(), false),
        column_row("SHIPMENT", "SHIPPED_ON", ty("DATE"), false),
        column_row("SHIPMENT", "REGION", region(), false),
        column_row("SALES_LINE", "SALE_ID", n10(), false),
        column_row("SALES_LINE", "LINE_NO", n10(), false),
        column_row("SALES_LINE", "ITEM", chars("VARCHAR2", 100, 100, "B"), true),
    ]);
    rows.constraints.extend([
        key("SALES", "SALES_PK", "P"),
        key("SALES_LINE", "SALES_LINE_PK", "P"),
        ConstraintRow {
            r_owner: Some(APP.into()),
            r_table: Some("SALES".into()),
            ..constraint("SALES_LINE", "SALES_LINE_SALE_FK", "R")
        },
    ]);
    rows.constraint_columns.extend([
        key_column("SALES_PK", "ID", None),
        key_column("SALES_LINE_PK", "SALE_ID", None),
        ConstraintColumnRow {
            position: 2,
            ..key_column("SALES_LINE_PK", "LINE_NO", None)
        },
        key_column("SALES_LINE_SALE_FK", "SALE_ID", Some("ID")),
    ]);
    rows.indexes.extend([
        IndexRow {
            unique: true,
            ..index_row("SALES", "SALES_PK", "NORMAL", 1, "ID")
        },
        index_row("SALES", "SALES_SOLD_IX", "NORMAL", 1, "SOLD_ON"),
        index_row("SALES_LINE", "SALES_LINE_ITEM_IX", "NORMAL", 1, "ITEM"),
        index_row("SHIPMENT", "SHIPMENT_REGION_IX", "NORMAL", 1, "REGION"),
    ]);
    rows.part_tables.extend([
        part_table("INBOX", "SYSTEM", "NONE"),
        part_table("REGION_NOTE", "LIST", "NONE"),
        // ENABLE ROW MOVEMENT, on the reference-partitioned child too (Oracle requires it).
        PartTableRow {
            interval: Some("NUMTOYMINTERVAL(1,'MONTH')".into()),
            row_movement: true,
            ..part_table("SALES", "RANGE", "NONE")
        },
        PartTableRow {
            ref_constraint: Some("SALES_LINE_SALE_FK".into()),
            row_movement: true,
            ..part_table("SALES_LINE", "REFERENCE", "NONE")
        },
        part_table("SESSION_LOG", "HASH", "NONE"),
        part_table("SHIPMENT", "RANGE", "LIST"),
    ]);
    rows.part_keys.extend([
        part_key("REGION_NOTE", "REGION", 1),
        part_key("SALES", "SOLD_ON", 1),
        part_key("SESSION_LOG", "ID", 1),
        part_key("SHIPMENT", "SHIPPED_ON", 1),
    ]);
    rows.subpart_keys.push(part_key("SHIPMENT", "REGION", 1));
    let y2024 = date_bound("2024-01-01");
    let feb = date_bound("2024-02-01");
    rows.partitions.extend([
        partition_row("INBOX", "P2", 2, None),
        partition_row("INBOX", "P1", 1, None),
        partition_row("REGION_NOTE", "P_OTHER", 2, Some("DEFAULT")),
        partition_row("REGION_NOTE", "P_EU", 1, Some("'DE', 'FR'")),
        PartitionRow {
            interval: true,
            ..partition_row("SALES", "SYS_P101", 2, Some(&feb))
        },
        partition_row("SALES", "P2023", 1, Some(&y2024)),
        partition_row("SALES_LINE", "P2023", 1, None),
        PartitionRow {
            interval: true,
            ..partition_row("SALES_LINE", "SYS_P101", 2, None)
        },
        // PARTITIONS 2: names Oracle made up.
        partition_row("SESSION_LOG", "SYS_P201", 1, None),
        partition_row("SESSION_LOG", "SYS_P202", 2, None),
        partition_row("SHIPMENT", "PMAX", 2, Some("MAXVALUE")),
        partition_row("SHIPMENT", "P2023", 1, Some(&y2024)),
    ]);
    rows.subpartitions.extend([
        subpartition_row("SHIPMENT", "P2023", "P2023_REST", 2, "DEFAULT"),
        subpartition_row("SHIPMENT", "P2023", "P2023_EU", 1, "'DE', 'FR'"),
        subpartition_row("SHIPMENT", "PMAX", "PMAX_EU", 1, "'DE', 'FR'"),
        subpartition_row("SHIPMENT", "PMAX", "SYS_SUBP301", 2, "DEFAULT"),
    ]);
    // SHIPMENT's subpartition template, for the partitions added without their own.
    rows.subpartition_templates.extend([
        PartitionRow {
            name: "REST".into(),
            position: 2,
            high_value: Some("DEFAULT".into()),
            ..partition_row("SHIPMENT", "", 0, None)
        },
        PartitionRow {
            name: "EU".into(),
            position: 1,
            high_value: Some("'DE', 'FR'".into()),
            ..partition_row("SHIPMENT", "", 0, None)
        },
    ]);
    rows.local_indexes.extend([
        LocalIndexRow {
            owner: APP.into(),
            name: "SALES_LINE_ITEM_IX".into(),
        },
        LocalIndexRow {
            owner: APP.into(),
            name: "SALES_SOLD_IX".into(),
        },
    ]);
}

fn unpartitioned_fixture() -> DictionaryRows {
    let vc = |bytes, chars_, used| chars("VARCHAR2", bytes, chars_, used);
    let n10 = || number(Some(10), Some(0));
    let mut columns = vec![
        column_row("ADDRESS", "ID", n10(), false),
        column_row("ADDRESS", "CUSTOMER_ID", n10(), false),
        column_row("ADDRESS", "CITY", vc(240, 60, "C"), false),
        column_row("ADDRESS", "POSTCODE", vc(10, 10, "B"), true),
        with_default(
            column_row(
                "ADDRESS",
                "UPDATED_AT",
                scaled("TIMESTAMP(6)", None, Some(6)),
                true,
            ),
            "SYSTIMESTAMP ",
        ),
        identity(
            column_row("CUSTOMER", "ID", n10(), false),
            "ALWAYS",
            "ISEQ$$_73001",
        ),
        column_row("CUSTOMER", "NAME", vc(400, 100, "C"), false),
        ColumnRow {
            comment: Some("Unique when given".into()),
            ..column_row("CUSTOMER", "EMAIL", vc(200, 200, "B"), true)
        },
        with_default(
            column_row("CUSTOMER", "STATUS", chars("CHAR", 1, 1, "B"), false),
            "'A'\n",
        ),
        with_default(
            column_row("CUSTOMER", "MAIN_ADDRESS_ID", n10(), true),
            "NULL",
        ),
        with_default(
            column_row("CUSTOMER", "CREATED_AT", ty("DATE"), false),
            "SYSDATE\n",
        ),
        ColumnRow {
            virtual_column: true,
            data_default: Some("UPPER(\"NAME\")".into()),
            ..column_row("CUSTOMER", "NAME_UPPER", vc(400, 100, "C"), true)
        },
        column_row("LEGACY_NOTE", "ID", number(None, None), true),
        column_row("LEGACY_NOTE", "NOTE", ty("LONG"), true),
        column_row("SESSION_CART", "CUSTOMER_ID", n10(), false),
        column_row("SESSION_CART", "ITEM", vc(400, 100, "C"), true),
        identity(
            column_row("TYPE_SAMPLE", "ID", n10(), false),
            "BY DEFAULT",
            "ISEQ$$_73010",
        ),
    ];
    let sample_types = [
        ("N_PLAIN", number(None, None)),
        ("N_MONEY", number(Some(12), Some(2))),
        ("N_ROUNDED", number(Some(5), Some(-2))),
        ("N_STAR", number(None, Some(4))),
        ("N_INTEGER", number(None, Some(0))),
        ("F_FLOAT", scaled("FLOAT", Some(126), None)),
        ("F_REAL", scaled("FLOAT", Some(63), None)),
        ("BIN_F", ty("BINARY_FLOAT")),
        ("BIN_D", ty("BINARY_DOUBLE")),
        ("CH_CHAR", chars("CHAR", 12, 3, "C")),
        ("CH_BYTE", chars("CHAR", 2, 2, "B")),
        ("VC_CHAR", chars("VARCHAR2", 200, 50, "C")),
        ("VC_BYTE", chars("VARCHAR2", 4000, 4000, "B")),
        ("NCH", chars("NCHAR", 20, 10, "C")),
        ("NVC", chars("NVARCHAR2", 200, 100, "C")),
        ("D", ty("DATE")),
        ("TS", scaled("TIMESTAMP(3)", None, Some(3))),
        (
            "TS_TZ",
            scaled("TIMESTAMP(9) WITH TIME ZONE", None, Some(9)),
        ),
        (
            "TS_LTZ",
            scaled("TIMESTAMP(6) WITH LOCAL TIME ZONE", None, Some(6)),
        ),
        (
            "IV_YM",
            scaled("INTERVAL YEAR(2) TO MONTH", Some(2), Some(0)),
        ),
        (
            "IV_DS",
            scaled("INTERVAL DAY(3) TO SECOND(6)", Some(3), Some(6)),
        ),
        ("R", sized("RAW", 16)),
        ("LR", ty("LONG RAW")),
        ("CL", ty("CLOB")),
        ("NCL", ty("NCLOB")),
        ("BL", ty("BLOB")),
        ("BF", ty("BFILE")),
        ("X", owned("XMLTYPE", "SYS")),
        ("GEOM", owned("SDO_GEOMETRY", "MDSYS")),
        ("RID", ty("ROWID")),
        ("URID", sized("UROWID", 4000)),
        ("J", ty("JSON")),
        ("B", ty("BOOLEAN")),
        ("ADDR", owned("ADDRESS_T", "APP")),
    ];
    columns.extend(
        sample_types
            .into_iter()
            .map(|(name, t)| column_row("TYPE_SAMPLE", name, t, true)),
    );
    columns.extend([
        column_row("CUSTOMER_V", "ID", n10(), false),
        column_row("CUSTOMER_V", "NAME", vc(400, 100, "C"), false),
        column_row("CUSTOMER_V", "CITY", vc(240, 60, "C"), true),
        column_row("CUSTOMER_CITY_MV", "CITY", vc(240, 60, "C"), false),
        column_row("CUSTOMER_CITY_MV", "CUSTOMERS", number(None, None), true),
        // A table in the recycle bin: its columns come, its table does not.
        column_row("BIN$5x8W2Pk3QOa8yL9dkbT0Fw==$0", "ID", n10(), false),
    ]);

    let mut source = Vec::new();
    source.extend(source_rows("TRIGGER", "ADDRESS_BI", TRIGGER_SOURCE));
    source.extend(source_rows(
        "TRIGGER",
        "CUSTOMER_V_IO",
        "TRIGGER CUSTOMER_V_IO INSTEAD OF INSERT ON CUSTOMER_V\nBEGIN\n  NULL;\nEND;\n",
    ));
    source.extend(source_rows("PACKAGE", "CUSTOMER_API", PACKAGE_SOURCE));
    // Lines in any order: they are joined in line order.
    source.extend(
        source_rows("PACKAGE BODY", "CUSTOMER_API", PACKAGE_BODY_SOURCE)
            .into_iter()
            .rev(),
    );
    source.extend(source_rows(
        "PROCEDURE",
        "ARCHIVE_CUSTOMER",
        PROCEDURE_SOURCE,
    ));
    source.extend(source_rows("FUNCTION", "CHECKSUM_OF", FUNCTION_SOURCE));
    source.extend(source_rows("TYPE", "ADDRESS_T", TYPE_SOURCE));
    source.extend(source_rows("TYPE BODY", "ADDRESS_T", TYPE_BODY_SOURCE));
    source.extend(source_rows("FUNCTION", "JOIN_CITIES", AGGREGATE_SOURCE));
    source.extend(source_rows("TYPE", "CITY_AGG_T", AGGREGATE_TYPE_SOURCE));
    source.extend(source_rows(
        "TYPE BODY",
        "CITY_AGG_T",
        AGGREGATE_TYPE_BODY_SOURCE,
    ));

    DictionaryRows {
        tables: vec![
            table_row("ADDRESS", Some(1200), None),
            table_row("CUSTOMER", Some(1000), Some("A buyer of seed lots")),
            table_row("DBSUB_SCHEMA_HISTORY", Some(3), None),
            table_row("LEGACY_NOTE", None, None),
            // A global temporary table, ON COMMIT PRESERVE ROWS.
            TableRow {
                temporary: Some("Y".into()),
                duration: Some("SYS$SESSION".into()),
                ..table_row("SESSION_CART", None, None)
            },
            table_row("TYPE_SAMPLE", Some(0), None),
            table_row("flyway_schema_history", Some(3), None),
        ],
        columns,
        constraints: vec![
            ConstraintRow {
                r_owner: Some(APP.into()),
                r_table: Some("CUSTOMER".into()),
                delete_rule: Some("CASCADE".into()),
                deferrable: true,
                deferred: true,
                ..constraint("ADDRESS", "ADDRESS_CUSTOMER_FK", "R")
            },
            key("ADDRESS", "ADDRESS_PK", "P"),
            check(
                "ADDRESS",
                "ADDRESS_POSTCODE_CK",
                "POSTCODE IS NULL OR LENGTH(POSTCODE) >= 4",
            ),
            check("ADDRESS", "SYS_C008101", "\"ID\" IS NOT NULL"),
            check("ADDRESS", "SYS_C008102", "\"CUSTOMER_ID\" IS NOT NULL"),
            check("ADDRESS", "SYS_C008103", "\"CITY\" IS NOT NULL"),
            ConstraintRow {
                r_owner: Some(APP.into()),
                r_table: Some("ADDRESS".into()),
                delete_rule: Some("SET NULL".into()),
                ..constraint("CUSTOMER", "CUSTOMER_ADDRESS_FK", "R")
            },
            key("CUSTOMER", "CUSTOMER_EMAIL_UK", "U"),
            ConstraintRow {
                enabled: false,
                ..check(
                    "CUSTOMER",
                    "CUSTOMER_LEGACY_CK",
                    "CREATED_AT > DATE '2000-01-01'",
                )
            },
            key("CUSTOMER", "CUSTOMER_PK", "P"),
            check("CUSTOMER", "CUSTOMER_STATUS_CK", "STATUS IN ('A', 'I')"),
            check("CUSTOMER", "SYS_C008110", "\"ID\" IS NOT NULL"),
            check("CUSTOMER", "SYS_C008111", "\"NAME\" IS NOT NULL"),
            check("CUSTOMER", "SYS_C008112", "\"STATUS\" IS NOT NULL"),
            check("CUSTOMER", "SYS_C008113", "\"CREATED_AT\" IS NOT NULL"),
            key("TYPE_SAMPLE", "SYS_C008120", "P"),
            check("TYPE_SAMPLE", "SYS_C008121", "\"ID\" IS NOT NULL"),
            key(
                "BIN$5x8W2Pk3QOa8yL9dkbT0Fw==$0",
                "BIN$Qk1x0Pk3QOa8yL9dkbT0Fw==$0",
                "P",
            ),
        ],
        constraint_columns: vec![
            key_column("ADDRESS_CUSTOMER_FK", "CUSTOMER_ID", Some("ID")),
            key_column("ADDRESS_PK", "ID", None),
            key_column("CUSTOMER_ADDRESS_FK", "MAIN_ADDRESS_ID", Some("ID")),
            key_column("CUSTOMER_EMAIL_UK", "EMAIL", None),
            key_column("CUSTOMER_PK", "ID", None),
            key_column("SYS_C008120", "ID", None),
        ],
        indexes: vec![
            index_row("ADDRESS", "ADDRESS_CITY_BX", "BITMAP", 1, "CITY"),
            index_row("ADDRESS", "ADDRESS_CUSTOMER_IX", "NORMAL", 1, "CUSTOMER_ID"),
            // The materialized view's container table: its own index, and the one Oracle
            // creates for a fast refresh.
            IndexRow {
                unique: true,
                ..index_row(
                    "CUSTOMER_CITY_MV",
                    "CUSTOMER_CITY_MV_UX",
                    "NORMAL",
                    1,
                    "CITY",
                )
            },
            index_row(
                "CUSTOMER_CITY_MV",
                "I_SNAP$_CUSTOMER_CITY_MV",
                "NORMAL",
                1,
                "SYS_OP_MAP_NONNULL(\"CITY\")",
            ),
            IndexRow {
                unique: true,
                ..index_row("ADDRESS", "ADDRESS_PK", "NORMAL", 1, "ID")
            },
            IndexRow {
                unique: true,
                ..index_row("CUSTOMER", "CUSTOMER_EMAIL_UK", "NORMAL", 1, "EMAIL")
            },
            IndexRow {
                expression: Some("UPPER(\"NAME\")".into()),
                ..index_row(
                    "CUSTOMER",
                    "CUSTOMER_NAME_UPPER_IX",
                    "FUNCTION-BASED NORMAL",
                    1,
                    "SYS_NC00008$",
                )
            },
            IndexRow {
                unique: true,
                ..index_row("CUSTOMER", "CUSTOMER_PK", "NORMAL", 1, "ID")
            },
            // A descending column is an expression naming the column; rows in any order.
            IndexRow {
                descending: true,
                expression: Some("\"CREATED_AT\"".into()),
                ..index_row(
                    "CUSTOMER",
                    "CUSTOMER_STATUS_CREATED_IX",
                    "FUNCTION-BASED NORMAL",
                    2,
                    "SYS_NC00009$",
                )
            },
            index_row(
                "CUSTOMER",
                "CUSTOMER_STATUS_CREATED_IX",
                "FUNCTION-BASED NORMAL",
                1,
                "STATUS",
            ),
            index_row("TYPE_SAMPLE", "SYS_C008120", "NORMAL", 1, "ID"),
            index_row("TYPE_SAMPLE", "TYPE_SAMPLE_CL_CTX", "DOMAIN", 1, "CL"),
            IndexRow {
                unique: true,
                ..index_row("TYPE_SAMPLE", "TYPE_SAMPLE_R_UX", "NORMAL", 1, "R")
            },
        ],
        sequences: vec![
            sequence_row("ADDRESS_SEQ", "1", MAX_SEQ, "1", false, "20", "1041"),
            sequence_row("ISEQ$$_73001", "1", MAX_SEQ, "1", false, "20", "1021"),
            sequence_row("ISEQ$$_73010", "1", MAX_SEQ, "1", false, "0", "1"),
            sequence_row("TICKET_SEQ", "-1000", "-1", "-1", true, "0", "-1"),
        ],
        views: vec![ViewRow {
            owner: APP.into(),
            name: "CUSTOMER_V".into(),
            comment: Some("Customers with the city of their main address".into()),
            text: Some(VIEW_TEXT.into()),
        }],
        materialized_views: vec![ViewRow {
            owner: APP.into(),
            name: "CUSTOMER_CITY_MV".into(),
            comment: Some("Customers per city".into()),
            text: Some(MVIEW_QUERY.into()),
        }],
        triggers: vec![
            TriggerRow {
                owner: APP.into(),
                name: "ADDRESS_BI".into(),
                table_owner: Some(APP.into()),
                table: Some("ADDRESS".into()),
                base_object_type: "TABLE".into(),
                trigger_type: "BEFORE EACH ROW".into(),
                triggering_event: "INSERT".into(),
                enabled: false,
            },
            TriggerRow {
                owner: APP.into(),
                name: "APP_DDL_AUDIT".into(),
                table_owner: Some(APP.into()),
                table: None,
                base_object_type: "SCHEMA".into(),
                trigger_type: "AFTER EVENT".into(),
                triggering_event: "DDL".into(),
                enabled: true,
            },
            TriggerRow {
                owner: APP.into(),
                name: "CUSTOMER_V_IO".into(),
                table_owner: Some(APP.into()),
                table: Some("CUSTOMER_V".into()),
                base_object_type: "VIEW".into(),
                trigger_type: "INSTEAD OF".into(),
                triggering_event: "INSERT".into(),
                enabled: true,
            },
        ],
        source,
        synonyms: vec![
            SynonymRow {
                owner: APP.into(),
                name: "CLIENT".into(),
                table_owner: Some(APP.into()),
                table: "CUSTOMER".into(),
                db_link: None,
            },
            SynonymRow {
                owner: APP.into(),
                name: "FX_RATE".into(),
                table_owner: Some("FIN".into()),
                table: "EXCHANGE_RATE".into(),
                db_link: Some("FINLINK.WORLD".into()),
            },
        ],
        grants: vec![
            grant_row(
                "BIN$5x8W2Pk3QOa8yL9dkbT0Fw==$0",
                "TABLE",
                "REPORTING",
                "SELECT",
                false,
            ),
            grant_row("CUSTOMER_API", "PACKAGE", "APP_USER", "EXECUTE", true),
            grant_row("CUSTOMER_CITY_MV", "TABLE", "REPORTING", "SELECT", false),
            grant_row("CUSTOMER_V", "VIEW", "REPORTING", "SELECT", false),
        ],
        dependencies: vec![
            dependency("ADDRESS_BI", "TRIGGER", APP, "ADDRESS", "TABLE"),
            dependency("ADDRESS_BI", "TRIGGER", APP, "ADDRESS_SEQ", "SEQUENCE"),
            dependency("ADDRESS_BI", "TRIGGER", "SYS", "STANDARD", "PACKAGE"),
            dependency("ADDRESS_T", "TYPE BODY", APP, "ADDRESS_T", "TYPE"),
            dependency("ADDRESS_T", "TYPE BODY", "SYS", "STANDARD", "PACKAGE"),
            dependency("ARCHIVE_CUSTOMER", "PROCEDURE", APP, "ADDRESS", "TABLE"),
            dependency(
                "ARCHIVE_CUSTOMER",
                "PROCEDURE",
                APP,
                "ARCHIVE_LOG",
                "NON-EXISTENT",
            ),
            dependency("ARCHIVE_CUSTOMER", "PROCEDURE", APP, "CUSTOMER", "TABLE"),
            dependency(
                "ARCHIVE_CUSTOMER",
                "PROCEDURE",
                "SYS",
                "STANDARD",
                "PACKAGE",
            ),
            dependency(
                "CHECKSUM_OF",
                "FUNCTION",
                APP,
                "com/acme/Checksum",
                "JAVA CLASS",
            ),
            dependency("CITY_AGG_T", "TYPE BODY", APP, "CITY_AGG_T", "TYPE"),
            dependency("CITY_AGG_T", "TYPE BODY", "SYS", "ODCICONST", "PACKAGE"),
            dependency("CLIENT", "SYNONYM", APP, "CUSTOMER", "TABLE"),
            dependency("CUSTOMER_API", "PACKAGE", "SYS", "STANDARD", "PACKAGE"),
            dependency("CUSTOMER_API", "PACKAGE BODY", APP, "ADDRESS", "TABLE"),
            dependency("CUSTOMER_API", "PACKAGE BODY", APP, "CUSTOMER", "TABLE"),
            dependency(
                "CUSTOMER_API",
                "PACKAGE BODY",
                APP,
                "CUSTOMER_API",
                "PACKAGE",
            ),
            dependency(
                "CUSTOMER_API",
                "PACKAGE BODY",
                "APEX_230200",
                "WWV_FLOW_API",
                "PACKAGE",
            ),
            dependency(
                "CUSTOMER_API",
                "PACKAGE BODY",
                "PUBLIC",
                "DBMS_OUTPUT",
                "SYNONYM",
            ),
            dependency(
                "CUSTOMER_API",
                "PACKAGE BODY",
                "SYS",
                "DBMS_OUTPUT",
                "PACKAGE",
            ),
            dependency(
                "CUSTOMER_CITY_MV",
                "MATERIALIZED VIEW",
                APP,
                "ADDRESS",
                "TABLE",
            ),
            dependency(
                "CUSTOMER_CITY_MV",
                "MATERIALIZED VIEW",
                APP,
                "CUSTOMER_CITY_MV",
                "TABLE",
            ),
            dependency("CUSTOMER_V", "VIEW", APP, "ADDRESS", "TABLE"),
            dependency("CUSTOMER_V", "VIEW", APP, "CUSTOMER", "TABLE"),
            dependency("CUSTOMER_V_IO", "TRIGGER", APP, "CUSTOMER_V", "VIEW"),
            dependency("JOIN_CITIES", "FUNCTION", APP, "CITY_AGG_T", "TYPE"),
            dependency("JOIN_CITIES", "FUNCTION", "SYS", "STANDARD", "PACKAGE"),
            dependency("TYPE_SAMPLE", "TABLE", APP, "ADDRESS_T", "TYPE"),
            dependency("TYPE_SAMPLE", "TABLE", "MDSYS", "SDO_GEOMETRY", "TYPE"),
            dependency("TYPE_SAMPLE", "TABLE", "SYS", "XMLTYPE", "TYPE"),
        ],
        objects: vec![
            object_row("CHECKSUM_LIB", "LIBRARY"),
            object_row("com/acme/Checksum", "JAVA CLASS"),
            object_row("com/acme/Checksum", "JAVA SOURCE"),
        ],
        srids: vec![SridRow {
            owner: APP.into(),
            table: "TYPE_SAMPLE".into(),
            column: "GEOM".into(),
            srid: Some(4326),
        }],
        ..DictionaryRows::default()
    }
}

fn column(name: &str, native: &str, neutral: NeutralType, nullable: bool) -> Column {
    Column {
        nullable,
        ..Column::test(name, native, neutral)
    }
}

fn dep(from: (&str, ObjectKind), to: (&str, ObjectKind)) -> Dependency {
    Dependency {
        from: ObjectKey::new(APP, from.0, from.1),
        to: ObjectKey::new(APP, to.0, to.1),
    }
}

#[test]
fn temporary_and_duration_say_how_long_a_temporary_table_keeps_rows() {
    let of = |temporary: Option<&str>, duration: Option<&str>| {
        let mut rows = fixture();
        rows.tables = vec![TableRow {
            temporary: temporary.map(String::from),
            duration: duration.map(String::from),
            ..table_row("LEGACY_NOTE", None, None)
        }];
        assemble(rows).expect("assemble").tables[0].temporary
    };
    assert_eq!(of(Some("N"), None), None);
    assert_eq!(of(None, None), None);
    assert_eq!(of(Some("Y"), Some("SYS$SESSION")), Some(Temporary::Session));
    assert_eq!(
        of(Some("Y"), Some("SYS$TRANSACTION")),
        Some(Temporary::Transaction)
    );
}

#[test]
fn the_dictionary_of_a_schema_becomes_its_catalog() {
    use LengthSemantics::{Byte, Char};
    use ObjectKind as K;
    let catalog = assemble(fixture()).expect("assemble");
    let table = |name: &str| catalog.table(APP, name).expect(name);
    let names: Vec<&str> = catalog.tables.iter().map(|t| t.name.as_str()).collect();
    // Not the history tables, not the recycle bin.
    assert_eq!(
        names,
        [
            "ADDRESS",
            "CUSTOMER",
            "INBOX",
            "LEGACY_NOTE",
            "REGION_NOTE",
            "SALES",
            "SALES_LINE",
            "SESSION_CART",
            "SESSION_LOG",
            "SHIPMENT",
            "TYPE_SAMPLE"
        ]
    );

    let n10 = decimal(Some(10), Some(0));
    let customer = table("CUSTOMER");
    assert_eq!(customer.estimated_rows, Some(1000));
    assert_eq!(customer.comment.as_deref(), Some("A buyer of seed lots"));
    assert_eq!(
        customer.columns,
        vec![
            Column {
                // The identity's `nextval` is not a default.
                identity: Some(Identity {
                    always: true,
                    sequence: Some("ISEQ$$_73001".into()),
                }),
                ..column("ID", "NUMBER(10)", n10.clone(), false)
            },
            column("NAME", "VARCHAR2(100 CHAR)", text(100, Char, false), false),
            Column {
                comment: Some("Unique when given".into()),
                ..column("EMAIL", "VARCHAR2(200 BYTE)", text(200, Byte, false), true)
            },
            Column {
                default: Some("'A'".into()),
                ..column("STATUS", "CHAR(1 BYTE)", text(1, Byte, true), false)
            },
            // DEFAULT NULL is no default.
            column("MAIN_ADDRESS_ID", "NUMBER(10)", n10.clone(), true),
            Column {
                default: Some("SYSDATE".into()),
                ..column(
                    "CREATED_AT",
                    "DATE",
                    NeutralType::Timestamp { precision: Some(0) },
                    false,
                )
            },
            Column {
                generated: Some("UPPER(\"NAME\")".into()),
                ..column(
                    "NAME_UPPER",
                    "VARCHAR2(100 CHAR)",
                    text(100, Char, false),
                    true
                )
            },
        ]
    );
    assert_eq!(
        customer.primary_key,
        Some(Key {
            name: Some("CUSTOMER_PK".into()),
            columns: vec!["ID".into()],
        })
    );
    assert_eq!(
        customer.unique_keys,
        vec![Key {
            name: Some("CUSTOMER_EMAIL_UK".into()),
            columns: vec!["EMAIL".into()],
        }]
    );
    // Neither the NOT NULL checks nor the disabled one.
    assert_eq!(
        customer.checks,
        vec![Check {
            name: Some("CUSTOMER_STATUS_CK".into()),
            expression: "STATUS IN ('A', 'I')".into(),
        }]
    );
    let customer_fk = ForeignKey {
        name: "CUSTOMER_ADDRESS_FK".into(),
        columns: vec!["MAIN_ADDRESS_ID".into()],
        ref_schema: APP.into(),
        ref_table: "ADDRESS".into(),
        ref_columns: vec!["ID".into()],
        on_delete: FkAction::SetNull,
        on_update: FkAction::NoAction,
        deferrable: false,
        initially_deferred: false,
        enabled: true,
    };
    assert_eq!(customer.foreign_keys, vec![customer_fk.clone()]);
    assert!(customer.fk_is_nullable(&customer_fk));
    // Not the indexes of the keys; an expression, and a descending column by its name.
    assert_eq!(
        customer.indexes,
        vec![
            Index {
                name: "CUSTOMER_NAME_UPPER_IX".into(),
                unique: false,
                columns: vec![IndexColumn {
                    expression: "UPPER(\"NAME\")".into(),
                    descending: false,
                    opclass: None,
                    nulls_first: None,
                }],
                predicate: None,
                ..Index::default()
            },
            Index {
                name: "CUSTOMER_STATUS_CREATED_IX".into(),
                unique: false,
                columns: vec![
                    IndexColumn {
                        expression: "STATUS".into(),
                        descending: false,
                        opclass: None,
                        nulls_first: None,
                    },
                    IndexColumn {
                        expression: "CREATED_AT".into(),
                        descending: true,
                        opclass: None,
                        nulls_first: None,
                    },
                ],
                predicate: None,
                ..Index::default()
            },
        ]
    );

    let address = table("ADDRESS");
    assert_eq!(
        address.columns,
        vec![
            column("ID", "NUMBER(10)", n10.clone(), false),
            column("CUSTOMER_ID", "NUMBER(10)", n10.clone(), false),
            column("CITY", "VARCHAR2(60 CHAR)", text(60, Char, false), false),
            column("POSTCODE", "VARCHAR2(10 BYTE)", text(10, Byte, false), true),
            Column {
                default: Some("SYSTIMESTAMP".into()),
                ..column(
                    "UPDATED_AT",
                    "TIMESTAMP(6)",
                    NeutralType::Timestamp { precision: Some(6) },
                    true,
                )
            },
        ]
    );
    let address_fk = ForeignKey {
        name: "ADDRESS_CUSTOMER_FK".into(),
        columns: vec!["CUSTOMER_ID".into()],
        ref_schema: APP.into(),
        ref_table: "CUSTOMER".into(),
        ref_columns: vec!["ID".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
        deferrable: true,
        initially_deferred: true,
        enabled: true,
    };
    assert_eq!(address.foreign_keys, vec![address_fk.clone()]);
    assert!(!address.fk_is_nullable(&address_fk));
    assert_eq!(
        address.checks,
        vec![Check {
            name: Some("ADDRESS_POSTCODE_CK".into()),
            expression: "POSTCODE IS NULL OR LENGTH(POSTCODE) >= 4".into(),
        }]
    );
    assert_eq!(
        address.indexes.iter().map(|i| &i.name).collect::<Vec<_>>(),
        ["ADDRESS_CITY_BX", "ADDRESS_CUSTOMER_IX"]
    );
    // INDEX_TYPE BITMAP is the method; a B-tree has none.
    assert_eq!(address.indexes[0].method.as_deref(), Some("bitmap"));
    assert_eq!(address.indexes[1].method, None);

    let legacy = table("LEGACY_NOTE");
    assert_eq!(legacy.estimated_rows, None);
    assert_eq!(
        legacy.columns[1],
        column("NOTE", "LONG", lob(LobKind::Character), true)
    );

    // TEMPORARY = 'Y', DURATION = 'SYS$SESSION': a global temporary table whose rows last
    // the session; every other table is an ordinary one.
    assert_eq!(table("SESSION_CART").temporary, Some(Temporary::Session));
    assert_eq!(table("SESSION_CART").columns.len(), 2);
    assert_eq!(legacy.temporary, None);

    let sample = table("TYPE_SAMPLE");
    assert_eq!(sample.estimated_rows, Some(0));
    // A key named by Oracle (SYS_C…) is left unnamed; its index is the key's.
    assert_eq!(
        sample.primary_key,
        Some(Key {
            name: None,
            columns: vec!["ID".into()],
        })
    );
    assert!(sample.checks.is_empty());
    // The domain index with its method, for migrations to report.
    assert_eq!(
        sample.indexes,
        vec![
            Index {
                name: "TYPE_SAMPLE_CL_CTX".into(),
                unique: false,
                columns: vec![IndexColumn {
                    expression: "CL".into(),
                    descending: false,
                    opclass: None,
                    nulls_first: None,
                }],
                method: Some("domain".into()),
                ..Index::default()
            },
            Index {
                name: "TYPE_SAMPLE_R_UX".into(),
                unique: true,
                columns: vec![IndexColumn {
                    expression: "R".into(),
                    descending: false,
                    opclass: None,
                    nulls_first: None,
                }],
                predicate: None,
                ..Index::default()
            }
        ]
    );
    assert_eq!(
        sample.columns[0].identity,
        Some(Identity {
            always: false,
            sequence: Some("ISEQ$$_73010".into()),
        })
    );
    assert_eq!(sample.columns[0].default, None);
    let natives: Vec<(&str, &str)> = sample
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.native_type.as_str()))
        .collect();
    assert_eq!(
        natives,
        [
            ("ID", "NUMBER(10)"),
            ("N_PLAIN", "NUMBER"),
            ("N_MONEY", "NUMBER(12,2)"),
            ("N_ROUNDED", "NUMBER(5,-2)"),
            ("N_STAR", "NUMBER(*,4)"),
            ("N_INTEGER", "NUMBER(*,0)"),
            ("F_FLOAT", "FLOAT(126)"),
            ("F_REAL", "FLOAT(63)"),
            ("BIN_F", "BINARY_FLOAT"),
            ("BIN_D", "BINARY_DOUBLE"),
            ("CH_CHAR", "CHAR(3 CHAR)"),
            ("CH_BYTE", "CHAR(2 BYTE)"),
            ("VC_CHAR", "VARCHAR2(50 CHAR)"),
            ("VC_BYTE", "VARCHAR2(4000 BYTE)"),
            ("NCH", "NCHAR(10)"),
            ("NVC", "NVARCHAR2(100)"),
            ("D", "DATE"),
            ("TS", "TIMESTAMP(3)"),
            ("TS_TZ", "TIMESTAMP(9) WITH TIME ZONE"),
            ("TS_LTZ", "TIMESTAMP(6) WITH LOCAL TIME ZONE"),
            ("IV_YM", "INTERVAL YEAR(2) TO MONTH"),
            ("IV_DS", "INTERVAL DAY(3) TO SECOND(6)"),
            ("R", "RAW(16)"),
            ("LR", "LONG RAW"),
            ("CL", "CLOB"),
            ("NCL", "NCLOB"),
            ("BL", "BLOB"),
            ("BF", "BFILE"),
            ("X", "XMLTYPE"),
            ("GEOM", "SDO_GEOMETRY"),
            ("RID", "ROWID"),
            ("URID", "UROWID"),
            ("J", "JSON"),
            ("B", "BOOLEAN"),
            ("ADDR", "APP.ADDRESS_T"),
        ]
    );
    // Each column's neutral type is its type's (tested one by one above); the SRID comes
    // from the spatial metadata.
    for c in &sample.columns[1..] {
        let (native, neutral) = type_cases()
            .into_iter()
            .map(|(_, native, neutral)| (native, neutral))
            .find(|(native, _)| *native == c.native_type)
            .unwrap_or_else(|| panic!("no case for {}", c.native_type));
        let neutral = match neutral {
            NeutralType::Spatial { .. } => NeutralType::Spatial { srid: Some(4326) },
            other => other,
        };
        assert_eq!(c.neutral_type, neutral, "{native}");
        assert!(c.nullable, "{}", c.name);
    }

    assert_eq!(
        catalog.sequences,
        vec![
            Sequence {
                schema: APP.into(),
                name: "ADDRESS_SEQ".into(),
                start: 1041,
                increment: 1,
                min_value: Some(1),
                max_value: Some(9_999_999_999_999_999_999_999_999_999),
                cycle: false,
                cache: Some(20),
                owned_by: None,
            },
            Sequence {
                schema: APP.into(),
                name: "ISEQ$$_73001".into(),
                start: 1021,
                increment: 1,
                min_value: Some(1),
                max_value: Some(9_999_999_999_999_999_999_999_999_999),
                cycle: false,
                cache: Some(20),
                owned_by: Some(("CUSTOMER".into(), "ID".into())),
            },
            Sequence {
                schema: APP.into(),
                name: "ISEQ$$_73010".into(),
                start: 1,
                increment: 1,
                min_value: Some(1),
                max_value: Some(9_999_999_999_999_999_999_999_999_999),
                cycle: false,
                cache: None,
                owned_by: Some(("TYPE_SAMPLE".into(), "ID".into())),
            },
            Sequence {
                schema: APP.into(),
                name: "TICKET_SEQ".into(),
                start: -1,
                increment: -1,
                min_value: Some(-1000),
                max_value: Some(-1),
                cycle: true,
                cache: None,
                owned_by: None,
            },
        ]
    );

    assert_eq!(
        catalog.views,
        vec![
            View {
                schema: APP.into(),
                name: "CUSTOMER_CITY_MV".into(),
                materialized: true,
                columns: vec![
                    column("CITY", "VARCHAR2(60 CHAR)", text(60, Char, false), false),
                    column("CUSTOMERS", "NUMBER", decimal(None, None), true),
                ],
                source: "SELECT a.CITY, COUNT(*) AS CUSTOMERS\n  FROM ADDRESS a\n GROUP BY \
                         a.CITY"
                    .into(),
                comment: Some("Customers per city".into()),
                // The container table's own index, not Oracle's for a fast refresh.
                indexes: vec![Index {
                    name: "CUSTOMER_CITY_MV_UX".into(),
                    unique: true,
                    columns: vec![IndexColumn {
                        expression: "CITY".into(),
                        descending: false,
                        opclass: None,
                        nulls_first: None,
                    }],
                    ..Index::default()
                }],
            },
            View {
                schema: APP.into(),
                name: "CUSTOMER_V".into(),
                materialized: false,
                columns: vec![
                    column("ID", "NUMBER(10)", n10.clone(), false),
                    column("NAME", "VARCHAR2(100 CHAR)", text(100, Char, false), false),
                    column("CITY", "VARCHAR2(60 CHAR)", text(60, Char, false), true),
                ],
                source: VIEW_TEXT.into(),
                comment: Some("Customers with the city of their main address".into()),
                indexes: Vec::new(),
            },
        ]
    );

    // Only the table trigger; its source unqualified.
    assert_eq!(
        catalog.triggers,
        vec![Trigger {
            schema: APP.into(),
            name: "ADDRESS_BI".into(),
            table_schema: APP.into(),
            table_name: "ADDRESS".into(),
            timing: "BEFORE".into(),
            events: vec!["INSERT".into()],
            for_each_row: true,
            enabled: false,
            // The unit's own qualifier goes; those inside stay for the planner to rename.
            source: "TRIGGER \"ADDRESS_BI\"\nBEFORE INSERT ON APP.ADDRESS\nFOR EACH ROW\n\
                     BEGIN\n  IF :NEW.ID IS NULL THEN\n    :NEW.ID := \"APP\".ADDRESS_SEQ.NEXTVAL;\n  \
                     END IF;\n  :NEW.UPDATED_AT := SYSTIMESTAMP;\nEND;"
                .into(),
        }]
    );

    let routine = |name: &str, kind: ObjectKind, source: &str| Routine {
        schema: APP.into(),
        name: name.into(),
        kind,
        source: source.trim_end().into(),
    };
    assert_eq!(
        catalog.routines,
        vec![
            routine("ADDRESS_T", K::Type, TYPE_SOURCE),
            routine("ADDRESS_T", K::TypeBody, TYPE_BODY_SOURCE),
            routine(
                "ARCHIVE_CUSTOMER",
                K::Procedure,
                &PROCEDURE_SOURCE.replace("app.archive_customer", "archive_customer"),
            ),
            routine("CHECKSUM_OF", K::Function, FUNCTION_SOURCE),
            routine("CITY_AGG_T", K::Type, AGGREGATE_TYPE_SOURCE),
            routine("CITY_AGG_T", K::TypeBody, AGGREGATE_TYPE_BODY_SOURCE),
            routine("CUSTOMER_API", K::Package, PACKAGE_SOURCE),
            routine("CUSTOMER_API", K::PackageBody, PACKAGE_BODY_SOURCE),
            // An aggregate is a function, carried as written.
            routine("JOIN_CITIES", K::Function, AGGREGATE_SOURCE),
        ]
    );

    assert_eq!(
        catalog.synonyms,
        vec![
            Synonym {
                schema: APP.into(),
                name: "CLIENT".into(),
                target_schema: APP.into(),
                target_name: "CUSTOMER".into(),
                db_link: None,
            },
            Synonym {
                schema: APP.into(),
                name: "FX_RATE".into(),
                target_schema: "FIN".into(),
                target_name: "EXCHANGE_RATE".into(),
                db_link: Some("FINLINK.WORLD".into()),
            },
        ]
    );

    // One entry per name: the Java class, not its source as well.
    assert_eq!(
        catalog.others,
        vec![
            OtherObject {
                schema: APP.into(),
                name: "CHECKSUM_LIB".into(),
                object_type: "LIBRARY".into(),
            },
            OtherObject {
                schema: APP.into(),
                name: "com/acme/Checksum".into(),
                object_type: "JAVA CLASS".into(),
            },
        ]
    );

    // Without Oracle's own objects, non-existent ones, self-references, a trigger's own
    // table, or what skipped objects need; a materialized view is one, not its table.
    let mut expected = vec![
        dep(
            ("ADDRESS.ADDRESS_BI", K::Trigger),
            ("ADDRESS_SEQ", K::Sequence),
        ),
        dep(("ADDRESS_T", K::TypeBody), ("ADDRESS_T", K::Type)),
        dep(("ARCHIVE_CUSTOMER", K::Procedure), ("ADDRESS", K::Table)),
        dep(("ARCHIVE_CUSTOMER", K::Procedure), ("CUSTOMER", K::Table)),
        dep(
            ("CHECKSUM_OF", K::Function),
            ("com/acme/Checksum", K::Other),
        ),
        dep(("CITY_AGG_T", K::TypeBody), ("CITY_AGG_T", K::Type)),
        dep(("CLIENT", K::Synonym), ("CUSTOMER", K::Table)),
        dep(("CUSTOMER_API", K::PackageBody), ("ADDRESS", K::Table)),
        dep(("CUSTOMER_API", K::PackageBody), ("CUSTOMER", K::Table)),
        dep(
            ("CUSTOMER_API", K::PackageBody),
            ("CUSTOMER_API", K::Package),
        ),
        dep(
            ("CUSTOMER_CITY_MV", K::MaterializedView),
            ("ADDRESS", K::Table),
        ),
        dep(("CUSTOMER_V", K::View), ("ADDRESS", K::Table)),
        dep(("CUSTOMER_V", K::View), ("CUSTOMER", K::Table)),
        dep(("TYPE_SAMPLE", K::Table), ("ADDRESS_T", K::Type)),
        // An aggregate needs the type that implements it.
        dep(("JOIN_CITIES", K::Function), ("CITY_AGG_T", K::Type)),
    ];
    expected.sort();
    assert_eq!(catalog.dependencies, expected);

    // Grants on the catalog's objects; the materialized view's (granted on its table).
    let grant = |name: &str, kind, grantee: &str, privilege: &str, grantable| Grant {
        object: ObjectKey::new(APP, name, kind),
        grantee: grantee.into(),
        privilege: privilege.into(),
        grantable,
    };
    assert_eq!(
        catalog.grants,
        vec![
            grant("CUSTOMER_API", K::Package, "APP_USER", "EXECUTE", true),
            grant(
                "CUSTOMER_CITY_MV",
                K::MaterializedView,
                "REPORTING",
                "SELECT",
                false
            ),
            grant("CUSTOMER_V", K::View, "REPORTING", "SELECT", false),
        ]
    );
    assert_eq!(catalog.source, None);
}

/// An external table reads a file on the server: the Objects query lists it as an EXTERNAL
/// TABLE (the Tables query leaves it out), so it is an object dbsub does not create, and a
/// view over it depends on that object, not on a table to create.
#[test]
fn partition_names_oracle_made_up_are_told_apart() {
    for name in ["SYS_P101", "SYS_SUBP7"] {
        assert!(generated_partition_name(name), "{name}");
    }
    for name in [
        "P2023",
        "SYS_P",
        "SYS_PMAX",
        "SYS_SUBP",
        "MY_SYS_P1",
        "sys_p1",
    ] {
        assert!(!generated_partition_name(name), "{name}");
    }
}

/// Partitioning: method and key, the interval and the partitions the DDL made (not those the
/// interval added), list DEFAULT, hash, a composite table's subpartitions in position order,
/// reference partitioning through a foreign key, local indexes; partitions are not tables.
#[test]
fn partitioned_tables_carry_their_partitioning_and_partitions_are_not_tables() {
    let catalog = assemble(fixture()).expect("assemble");
    let partitioning = |name: &str| {
        catalog
            .table(APP, name)
            .expect(name)
            .partitioning
            .clone()
            .expect("partitioned")
    };
    let part = |name: &str, bound: &str| Partition {
        schema: None,
        generated_name: name.starts_with("SYS_"),
        name: name.into(),
        bound: bound.into(),
        partitioning: None,
        foreign_keys: Vec::new(),
        indexes: Vec::new(),
    };
    let y2024 = format!("VALUES LESS THAN ({})", date_bound("2024-01-01"));
    assert_eq!(
        partitioning("SALES"),
        Partitioning {
            method: PartitionMethod::Range,
            key: vec!["SOLD_ON".into()],
            interval: Some("NUMTOYMINTERVAL(1,'MONTH')".into()),
            reference: None,
            // Not SYS_P101, which the interval added: the database adds it again on insert.
            partitions: vec![part("P2023", &y2024)],
            local_indexes: vec!["SALES_SOLD_IX".into()],
            subpartition_template: Vec::new(),
            row_movement: true,
        }
    );
    assert_eq!(
        partitioning("REGION_NOTE"),
        Partitioning {
            method: PartitionMethod::List,
            key: vec!["REGION".into()],
            interval: None,
            reference: None,
            partitions: vec![
                part("P_EU", "VALUES ('DE', 'FR')"),
                part("P_OTHER", "VALUES (DEFAULT)"),
            ],
            local_indexes: Vec::new(),
            subpartition_template: Vec::new(),
            row_movement: false,
        }
    );
    let hash = partitioning("SESSION_LOG");
    assert_eq!(hash.method, PartitionMethod::Hash);
    assert_eq!(hash.key, ["ID"]);
    assert_eq!(
        hash.partitions,
        vec![part("SYS_P201", ""), part("SYS_P202", "")]
    );
    assert!(hash.partitions[0].generated_name);
    let system = partitioning("INBOX");
    assert_eq!(system.method, PartitionMethod::System);
    assert!(system.key.is_empty());
    assert_eq!(system.partitions, vec![part("P1", ""), part("P2", "")]);

    let subpartitions = |eu: &str, rest: &str| {
        Some(Box::new(Partitioning {
            method: PartitionMethod::List,
            key: vec!["REGION".into()],
            interval: None,
            reference: None,
            partitions: vec![
                part(eu, "VALUES ('DE', 'FR')"),
                part(rest, "VALUES (DEFAULT)"),
            ],
            local_indexes: Vec::new(),
            subpartition_template: Vec::new(),
            row_movement: false,
        }))
    };
    assert_eq!(
        partitioning("SHIPMENT").subpartition_template,
        vec![
            part("EU", "VALUES ('DE', 'FR')"),
            part("REST", "VALUES (DEFAULT)")
        ]
    );
    assert_eq!(
        partitioning("SHIPMENT").partitions,
        vec![
            Partition {
                partitioning: subpartitions("P2023_EU", "P2023_REST"),
                ..part("P2023", &y2024)
            },
            Partition {
                partitioning: subpartitions("PMAX_EU", "SYS_SUBP301"),
                ..part("PMAX", "VALUES LESS THAN (MAXVALUE)")
            },
        ]
    );
    assert_eq!(
        partitioning("SALES_LINE"),
        Partitioning {
            method: PartitionMethod::Reference,
            key: Vec::new(),
            interval: None,
            reference: Some("SALES_LINE_SALE_FK".into()),
            partitions: vec![part("P2023", "")],
            local_indexes: vec!["SALES_LINE_ITEM_IX".into()],
            subpartition_template: Vec::new(),
            row_movement: true,
        }
    );
    let sales_line = catalog.table(APP, "SALES_LINE").expect("SALES_LINE");
    assert_eq!(sales_line.foreign_keys[0].name, "SALES_LINE_SALE_FK");
    // Indexes stay on their tables whether local or not; the primary key's is left out.
    let sales = catalog.table(APP, "SALES").expect("SALES");
    let indexes: Vec<&str> = sales.indexes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(indexes, ["SALES_SOLD_IX"]);
    assert!(
        catalog
            .table(APP, "CUSTOMER")
            .unwrap()
            .partitioning
            .is_none()
    );
    // No partition becomes a table or another object of the graph.
    let keys = catalog.object_keys();
    assert!(
        !keys
            .iter()
            .any(|k| ["P2023", "SYS_P101", "P_EU", "PMAX_EU"].contains(&k.name.as_str())),
        "{keys:?}"
    );
}

#[test]
fn an_external_table_is_an_object_not_created_and_what_uses_it_depends_on_it() {
    let mut rows = fixture();
    rows.objects.push(object_row("RATES_EXT", "EXTERNAL TABLE"));
    rows.dependencies
        .push(dependency("CUSTOMER_V", "VIEW", APP, "RATES_EXT", "TABLE"));
    let catalog = assemble(rows).expect("assemble");
    assert!(catalog.table(APP, "RATES_EXT").is_none());
    assert!(
        catalog
            .others
            .iter()
            .any(|o| o.name == "RATES_EXT" && o.object_type == "EXTERNAL TABLE"),
        "{:?}",
        catalog.others
    );
    assert!(catalog.dependencies.contains(&Dependency {
        from: ObjectKey::new(APP, "CUSTOMER_V", ObjectKind::View),
        to: ObjectKey::new(APP, "RATES_EXT", ObjectKind::Other),
    }));
}

#[test]
fn a_foreign_key_to_a_key_the_user_cannot_see_is_an_error_naming_it() {
    let mut rows = fixture();
    for c in &mut rows.constraints {
        if c.name == "CUSTOMER_ADDRESS_FK" {
            c.r_owner = Some("FIN".into());
            c.r_table = None;
        }
    }
    let error = assemble(rows).unwrap_err().to_string();
    assert_eq!(
        error,
        "foreign key CUSTOMER_ADDRESS_FK of APP.CUSTOMER references a key of schema FIN \
         that the user may not see: grant it SELECT_CATALOG_ROLE (dbsub then reads the \
         DBA_ views) or SELECT on the parent table"
    );
}

#[test]
fn a_table_trigger_without_source_is_an_error_naming_it() {
    let mut rows = fixture();
    rows.source.retain(|s| s.name != "ADDRESS_BI");
    let error = assemble(rows).unwrap_err().to_string();
    assert!(
        error.starts_with("the source of trigger APP.ADDRESS_BI is hidden from the user"),
        "{error}"
    );
    assert!(error.contains("SELECT_CATALOG_ROLE"), "{error}");
}

#[test]
fn an_index_dependency_becomes_its_tables() {
    let mut rows = fixture();
    rows.dependencies.push(dependency(
        "CUSTOMER_NAME_UPPER_IX",
        "INDEX",
        APP,
        "CHECKSUM_OF",
        "FUNCTION",
    ));
    // On a materialized view's container table: the materialized view's.
    rows.dependencies.push(dependency(
        "CUSTOMER_CITY_MV_UX",
        "INDEX",
        APP,
        "CHECKSUM_OF",
        "FUNCTION",
    ));
    let catalog = assemble(rows).expect("assemble");
    assert!(catalog.dependencies.contains(&dep(
        ("CUSTOMER", ObjectKind::Table),
        ("CHECKSUM_OF", ObjectKind::Function)
    )));
    assert!(catalog.dependencies.contains(&dep(
        ("CUSTOMER_CITY_MV", ObjectKind::MaterializedView),
        ("CHECKSUM_OF", ObjectKind::Function)
    )));
}

#[test]
fn a_sequence_number_that_is_not_an_integer_is_an_error_naming_it() {
    let mut rows = fixture();
    rows.sequences[0].max_value = "1E+28".into();
    let error = assemble(rows).unwrap_err().to_string();
    assert_eq!(
        error,
        "sequence APP.ADDRESS_SEQ: MAX_VALUE `1E+28` is not an integer"
    );
}

/// The snapshot other tests (Oracle DDL golden files) are generated from; it must stay
/// what the reader makes of the fixture. `DBSUB_UPDATE_GOLDEN=1` rewrites it.
#[test]
fn the_oracle_catalog_snapshot_is_the_assembled_fixture() {
    let mut catalog = assemble(fixture()).expect("assemble");
    catalog.source = Some(CatalogSource {
        kind: DbKind::Oracle.word().to_string(),
        url: "oracle://dbsub@structdb:1521/FREEPDB1".into(),
        read_at: "2026-01-15T09:30:00Z".into(),
        schemas: Vec::new(),
    });
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join("oracle_catalog.json");
    if std::env::var_os("DBSUB_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
        crate::catalog::snapshot::write(&catalog, &path).expect("write the snapshot");
    }
    let stored = crate::catalog::snapshot::read(&path)
        .expect("the snapshot (DBSUB_UPDATE_GOLDEN=1 writes it)");
    assert!(
        stored == catalog,
        "{} differs from the assembled fixture (DBSUB_UPDATE_GOLDEN=1 rewrites it after \
         review)",
        path.display()
    );
}

/// Oracle records in ALL_DEPENDENCIES every static reference of a unit, also a table named
/// only by a `%ROWTYPE` declaration or inside a cursor: both reach a code seed's closure.
#[test]
fn a_table_used_only_through_rowtype_or_a_cursor_is_in_a_code_seeds_closure() {
    use crate::graph::DepGraph;
    use crate::graph::closure::{Closure, ClosureOptions};
    let mut rows = fixture();
    rows.source.extend(source_rows(
        "PROCEDURE",
        "PRINT_NOTES",
        "PROCEDURE PRINT_NOTES (P_ID IN NUMBER) AS\n\
         \x20 R LEGACY_NOTE%ROWTYPE;\n\
         \x20 CURSOR C IS SELECT CITY FROM ADDRESS WHERE ID = P_ID;\n\
         BEGIN\n\
         \x20 FOR A IN C LOOP DBMS_OUTPUT.PUT_LINE(A.CITY); END LOOP;\n\
         END PRINT_NOTES;\n",
    ));
    // As Oracle lists them for that source.
    rows.dependencies.extend([
        dependency("PRINT_NOTES", "PROCEDURE", APP, "LEGACY_NOTE", "TABLE"),
        dependency("PRINT_NOTES", "PROCEDURE", APP, "ADDRESS", "TABLE"),
        dependency("PRINT_NOTES", "PROCEDURE", "SYS", "DBMS_OUTPUT", "PACKAGE"),
        dependency("PRINT_NOTES", "PROCEDURE", "SYS", "STANDARD", "PACKAGE"),
    ]);
    let catalog = assemble(rows).expect("assemble");
    let graph = DepGraph::build(&catalog);
    let seed = graph
        .node_of(&ObjectKey::new(APP, "PRINT_NOTES", ObjectKind::Procedure))
        .expect("the procedure is read");
    let closure = Closure::compute(&graph, &[seed], ClosureOptions::default());
    let members: Vec<String> = closure
        .members()
        .iter()
        .map(|&n| graph.key(n).to_string())
        .collect();
    for table in ["LEGACY_NOTE", "ADDRESS"] {
        let key = ObjectKey::table(APP, table);
        let node = graph.node_of(&key).expect("the table is read");
        assert!(closure.contains(node), "{key} not in {members:?}");
    }
}
