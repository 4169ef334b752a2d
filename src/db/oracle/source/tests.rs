use super::convert::*;
use super::query::*;
use super::*;
use crate::catalog::LengthSemantics;
use crate::model::DbKind;
use crate::model::key::{self, KeyValue};
use crate::model::mask::SourceMask;
use crate::model::row::*;
use crate::model::value::*;
use oracle::sql_type::{IntervalDS, IntervalYM, Timestamp};
use std::borrow::Cow;
use std::collections::BTreeMap;

fn number(p: u16, s: i16) -> NeutralType {
    NeutralType::Decimal {
        precision: Some(p),
        scale: Some(s),
    }
}

fn varchar(n: u32) -> NeutralType {
    NeutralType::Text {
        length: Some(n),
        semantics: LengthSemantics::Byte,
        fixed: false,
    }
}

fn sample() -> Table {
    Table::test(
        "HR",
        "EMP",
        vec![
            Column::test("ID", "NUMBER(10)", number(10, 0)),
            Column::test("SEQ", "NUMBER(5)", number(5, 0)),
            Column::test("NAME", "VARCHAR2(30)", varchar(30)),
            Column::test(
                "LOCAL_NAME",
                "NVARCHAR2(30)",
                NeutralType::NationalText {
                    length: Some(30),
                    fixed: false,
                },
            ),
            Column::test("DOC", "XMLTYPE", NeutralType::Xml),
            Column::test("GEOM", "SDO_GEOMETRY", NeutralType::Spatial { srid: None }),
            Column::test("REF_ROW", "ROWID", NeutralType::RowId),
            Column::test("ANY_ROW", "UROWID(4000)", NeutralType::RowId),
            Column::test("DATA", "JSON", NeutralType::Json),
            Column::test("SCAN", "BFILE", NeutralType::Lob { lob: LobKind::File }),
            Column::test(
                "BORN",
                "DATE",
                NeutralType::Timestamp { precision: Some(0) },
            ),
            Column::test(
                "SEEN",
                "TIMESTAMP(6) WITH TIME ZONE",
                NeutralType::TimestampTz {
                    precision: Some(6),
                    local: false,
                },
            ),
            Column::test(
                "PHOTO",
                "RAW(16)",
                NeutralType::Binary {
                    length: Some(16),
                    fixed: false,
                },
            ),
        ],
    )
}

fn key(values: &[KeyValue<'_>]) -> key::Key {
    let mut out = Vec::new();
    key::encode(values, &mut out);
    out.into_boxed_slice()
}

fn names(binds: &[(String, Bind)]) -> Vec<&str> {
    binds.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn session_settings_fix_the_zone_the_decimal_point_the_sort_order_and_the_date_formats() {
    assert_eq!(
        SESSION,
        [
            "ALTER SESSION SET TIME_ZONE = '+00:00'",
            "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'",
            "ALTER SESSION SET NLS_SORT = BINARY",
            "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'",
            "ALTER SESSION SET NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'",
            "ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'",
        ]
    );
    assert_eq!(
        SCN_QUERIES,
        [
            "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL",
            "SELECT CURRENT_SCN FROM V$DATABASE",
        ]
    );
    assert_eq!(scn_text(" 123456789012 "), Some("123456789012".into()));
    assert_eq!(scn_text("1.5"), None);
    assert_eq!(scn_text(""), None);
}

#[test]
fn fetch_rows_come_from_the_setting_within_bounds() {
    assert_eq!(fetch_rows_from(None).unwrap(), 1000);
    assert_eq!(fetch_rows_from(Some(" ")).unwrap(), 1000);
    assert_eq!(fetch_rows_from(Some("5000")).unwrap(), 5000);
    for bad in ["0", "-1", "lots", "100001"] {
        let e = fetch_rows_from(Some(bad)).unwrap_err().to_string();
        assert!(e.contains("DBSUB_ORACLE_FETCH_ROWS"), "{e}");
    }
}

#[test]
fn without_an_scn_several_connections_are_refused_with_the_grants_and_jobs_1() {
    let url = DbUrl::new(DbKind::Oracle, "oracle://scott:tiger@db:1521/PROD");
    let message = no_scn_message(&url, 4, &["ORA-00904: invalid identifier".into()]);
    for needed in [
        "EXECUTE on DBMS_FLASHBACK",
        "SELECT on V$DATABASE",
        "--jobs 1",
        "ORA-00904",
    ] {
        assert!(message.contains(needed), "{message}");
    }
    assert!(!message.contains("tiger"), "{message}");
}

#[test]
fn flashback_errors_say_what_to_do() {
    let url = DbUrl::new(DbKind::Oracle, "oracle://scott:tiger@db:1521/PROD");
    let t = sample();
    let privilege = read_error(
        &t,
        RowFilter::All,
        &url,
        Some("42"),
        "ORA-01031: insufficient privileges",
    );
    assert!(
        privilege.contains("GRANT FLASHBACK ON HR.EMP"),
        "{privilege}"
    );
    assert!(privilege.contains("as of SCN 42"), "{privilege}");
    for code in [
        "ORA-01555: snapshot too old",
        "ORA-08180: no snapshot found",
    ] {
        let undo = read_error(&t, RowFilter::All, &url, Some("42"), code);
        assert!(undo.contains("UNDO_RETENTION"), "{undo}");
        assert!(undo.contains("re-run"), "{undo}");
    }
    let ddl = read_error(&t, RowFilter::All, &url, Some("42"), "ORA-01466: unable");
    assert!(ddl.contains("re-run"), "{ddl}");
    let seed = read_error(
        &t,
        RowFilter::Where(Condition {
            sql: "ID >",
            params: &BTreeMap::new(),
        }),
        &url,
        Some("42"),
        "ORA-00936: missing expression",
    );
    assert!(
        seed.starts_with("the condition `ID >` on HR.EMP failed"),
        "{seed}"
    );
    let plain = read_error(&t, RowFilter::All, &url, None, "ORA-03113: end-of-file");
    assert!(plain.starts_with("cannot read HR.EMP from"), "{plain}");
}

#[test]
fn select_list_reads_server_side_types_as_text_and_masks_with_bound_pads() {
    let t = sample();
    let columns: Vec<&Column> = t.columns.iter().collect();
    let (sql, binds) = select_list(&t, &columns, &[]).unwrap();
    assert_eq!(
        sql,
        "\"ID\", \"SEQ\", \"NAME\", \"LOCAL_NAME\", \
         XMLSERIALIZE(CONTENT \"DOC\" AS CLOB) AS dbsub_c5, \
         CASE WHEN \"EMP\".\"GEOM\".SDO_SRID IS NULL THEN SDO_UTIL.TO_WKTGEOMETRY(\"GEOM\") \
         ELSE 'SRID=' || TO_CHAR(\"EMP\".\"GEOM\".SDO_SRID) || ';' || \
         SDO_UTIL.TO_WKTGEOMETRY(\"GEOM\") END AS dbsub_c6, \
         ROWIDTOCHAR(\"REF_ROW\") AS dbsub_c7, \
         CAST(\"ANY_ROW\" AS VARCHAR2(4000)) AS dbsub_c8, \
         JSON_SERIALIZE(\"DATA\" RETURNING CLOB) AS dbsub_c9, \
         CASE WHEN \"SCAN\" IS NULL THEN NULL ELSE 1 END AS dbsub_c10, \
         \"BORN\", \"SEEN\", \"PHOTO\""
    );
    assert!(binds.is_empty());

    let masked = [&t.columns[2], &t.columns[10]];
    let key = [7u8; 32];
    let masks = [
        Some(SourceMask::NullOnly),
        Some(SourceMask::ShiftDays { days: 30, key }),
    ];
    let (sql, binds) = select_list(&t, &masked, &masks).unwrap();
    let (null_only, _) = mask_select(&t.columns[2], &SourceMask::NullOnly, 0);
    let (shift, pads) = mask_select(&t.columns[10], masks[1].as_ref().unwrap(), 1);
    assert_eq!(sql, format!("{null_only} AS dbsub_c1, {shift} AS dbsub_c2"));
    assert_eq!(names(&binds), ["dbsub_mask_1_i", "dbsub_mask_1_o"]);
    let (inner, outer) = crate::model::mask::hmac_pads(&key);
    assert_eq!(
        binds,
        vec![
            ("dbsub_mask_1_i".to_string(), Bind::Raw(inner)),
            ("dbsub_mask_1_o".to_string(), Bind::Raw(outer)),
        ]
    );
    assert_eq!(pads.len(), 2);
    assert!(!sql.contains("0707"), "the key is bound, never in the SQL");
}

#[test]
fn a_seed_conditions_parameters_are_bound_by_name_never_written_into_the_sql() {
    let t = sample();
    let columns = [&t.columns[0], &t.columns[2]];
    let params: BTreeMap<String, String> = [
        ("from", "2024-01-01'; --"),
        ("name", "O'Brien"),
        ("scn", "a user's own :scn"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .into();
    let condition = Condition {
        sql: "\"NAME\" = :name AND \"ID\" >= :from AND \"ID\" <> :scn \
              AND \"NAME\" <> ':name' AND \"ID\" <> :from",
        params: &params,
    };
    let q = read_query(
        &t,
        &columns,
        &[],
        &[KeyColumn::Column("ID".into())],
        RowFilter::Where(condition),
        0,
        None,
        Some("42"),
        false,
    )
    .unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\", \"NAME\" FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" \
         WHERE (\"NAME\" = :w1 AND \"ID\" >= :w2 AND \"ID\" <> :w3 \
         AND \"NAME\" <> ':name' AND \"ID\" <> :w2) ORDER BY \"ID\""
    );
    assert_eq!(
        q.binds,
        vec![
            ("scn".to_string(), Bind::Number("42".into())),
            ("w1".to_string(), Bind::Varchar("O'Brien".into())),
            ("w2".to_string(), Bind::Varchar("2024-01-01'; --".into())),
            ("w3".to_string(), Bind::Varchar("a user's own :scn".into())),
        ]
    );
    // The key scan of the closure binds them alike.
    let scan = keys_query(&t, &columns_of(&t), &[], RowFilter::Where(condition), None).unwrap();
    assert!(
        scan.sql.ends_with(
            "WHERE (\"NAME\" = :w1 AND \"ID\" >= :w2 AND \"ID\" <> :w3 \
         AND \"NAME\" <> ':name' AND \"ID\" <> :w2)"
        ),
        "{}",
        scan.sql
    );
    assert_eq!(names(&scan.binds), ["w1", "w2", "w3"]);
    // A parameter without a value fails, naming it, before any SQL is sent.
    let missing = Condition {
        sql: "\"ID\" < :to",
        params: &params,
    };
    let err = keys_query(&t, &columns_of(&t), &[], RowFilter::Where(missing), None).unwrap_err();
    assert!(err.to_string().contains(":to, which has no value"), "{err}");
    // A value over the 4000 bytes a VARCHAR2 bind carries into SQL fails before it is sent.
    let long: BTreeMap<String, String> = [("name".to_string(), "é".repeat(2001))].into();
    let too_long = Condition {
        sql: "\"NAME\" = :name",
        params: &long,
    };
    let err = keys_query(&t, &columns_of(&t), &[], RowFilter::Where(too_long), None).unwrap_err();
    assert!(err.to_string().contains("is 4002 bytes long"), "{err}");
}

#[test]
fn a_delta_reads_above_a_mark_bound_as_its_columns_type_and_the_highest_value() {
    let t = sample();
    let params: BTreeMap<String, String> = [("name".to_string(), "O'Brien".to_string())].into();
    let condition = Condition {
        sql: "\"NAME\" <> :name",
        params: &params,
    };
    // A date mark is bound as a date (never as text the session's NLS formats would parse),
    // the seed's condition after it with its own parameters.
    let above = RowFilter::Above {
        column: "BORN",
        value: "2024-01-31T23:59:58",
        and: Some(condition),
    };
    let scan = keys_query(&t, &columns_of(&t), &[], above, Some("42")).unwrap();
    assert_eq!(
        scan.sql,
        "SELECT \"ID\" FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" \
         WHERE (\"BORN\" > :mark) AND (\"NAME\" <> :w1)"
    );
    let mark = key_bind(Some(&t.columns[10]), KeyValue::Text("2024-01-31T23:59:58")).unwrap();
    assert!(!matches!(mark, Bind::Varchar(_)), "{mark:?}");
    assert_eq!(
        scan.binds,
        vec![
            ("scn".to_string(), Bind::Number("42".into())),
            ("mark".to_string(), mark),
            ("w1".to_string(), Bind::Varchar("O'Brien".into())),
        ]
    );
    // A text mark with a quote is a bound value.
    let text = RowFilter::Above {
        column: "NAME",
        value: "O'Brien 002",
        and: None,
    };
    let scan = keys_query(&t, &columns_of(&t), &[], text, None).unwrap();
    assert!(
        scan.sql.ends_with("WHERE (\"NAME\" > :mark)"),
        "{}",
        scan.sql
    );
    assert_eq!(
        scan.binds,
        vec![("mark".to_string(), Bind::Varchar("O'Brien 002".into()))]
    );
    // A mark that is no value of its column fails before any SQL is sent, naming it.
    let bad = RowFilter::Above {
        column: "BORN",
        value: "yesterday",
        and: None,
    };
    let err = keys_query(&t, &columns_of(&t), &[], bad, None).unwrap_err();
    assert!(
        err.to_string()
            .contains("the high-water mark \"yesterday\" of column BORN"),
        "{err}"
    );
    // The highest value, as of the extract's SCN.
    let q = high_water_query(&t, &t.columns[10], Some("42"));
    assert_eq!(
        q.sql,
        "SELECT MAX(\"BORN\") FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\""
    );
    assert_eq!(
        q.binds,
        vec![("scn".to_string(), Bind::Number("42".into()))]
    );
}

fn columns_of(t: &Table) -> Vec<KeyColumn> {
    vec![KeyColumn::Column(t.columns[0].name.clone())]
}

#[test]
fn reads_are_as_of_the_bound_scn_with_skips_on_the_server() {
    let t = sample();
    let columns = [&t.columns[0], &t.columns[2]];
    let q = read_query(
        &t,
        &columns,
        &[],
        &[KeyColumn::Column("ID".into())],
        RowFilter::Where(Condition {
            sql: "\"NAME\" LIKE 'A%'",
            params: &BTreeMap::new(),
        }),
        500,
        None,
        Some("987654321"),
        true,
    )
    .unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\", \"NAME\", ROWIDTOCHAR(ROWID) AS dbsub_rowid FROM \"HR\".\"EMP\" \
         AS OF SCN :scn \"EMP\" WHERE (\"NAME\" LIKE 'A%') ORDER BY \"ID\" \
         OFFSET :skip_rows ROWS"
    );
    assert_eq!(
        q.binds,
        vec![
            ("scn".to_string(), Bind::Number("987654321".into())),
            ("skip_rows".to_string(), Bind::Number("500".into())),
        ]
    );
    assert!(!q.sql.contains("987654321"));
    assert!(!q.reads_lobs);

    // Inside a read-only transaction there is no AS OF; no skip, no OFFSET.
    let q = read_query(&t, &columns, &[], &[], RowFilter::All, 0, None, None, false).unwrap();
    assert_eq!(q.sql, "SELECT \"ID\", \"NAME\" FROM \"HR\".\"EMP\" \"EMP\"");
    assert!(q.binds.is_empty());

    let lobs = [&t.columns[4]];
    let q = read_query(&t, &lobs, &[], &[], RowFilter::All, 0, None, None, false).unwrap();
    assert!(q.reads_lobs);
}

#[test]
fn a_sample_is_limited_by_a_bound_fetch_first_where_the_query_alone_picks_its_rows() {
    let t = sample();
    let columns = [&t.columns[0], &t.columns[2]];
    let id = [KeyColumn::Column("ID".into())];
    let q = read_query(
        &t,
        &columns,
        &[],
        &id,
        RowFilter::All,
        500,
        Some(1000),
        Some("7"),
        true,
    )
    .unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\", \"NAME\", ROWIDTOCHAR(ROWID) AS dbsub_rowid FROM \"HR\".\"EMP\" \
         AS OF SCN :scn \"EMP\" ORDER BY \"ID\" OFFSET :skip_rows ROWS \
         FETCH FIRST :limit_rows ROWS ONLY"
    );
    assert_eq!(
        q.binds.last(),
        Some(&("limit_rows".to_string(), Bind::Number("1000".into())))
    );
    // Lookups and a kept scan pick rows on the client; a LONG may not be in the inline view
    // Oracle makes of FETCH FIRST (ORA-00997): no limit in those queries, the reader stops.
    let keys: Vec<key::Key> = vec![key(&[KeyValue::Int(1)])];
    let lookups = RowFilter::In {
        columns: &id,
        keys: &keys,
    };
    let q = read_query(&t, &columns, &[], &id, lookups, 0, Some(1), None, false).unwrap();
    assert!(!q.sql.contains("FETCH"), "{}", q.sql);
    let long = Column::test(
        "L",
        "LONG",
        NeutralType::Lob {
            lob: LobKind::Character,
        },
    );
    let with_long = [&t.columns[0], &long];
    let q = read_query(
        &t,
        &with_long,
        &[],
        &id,
        RowFilter::All,
        0,
        Some(1),
        None,
        false,
    )
    .unwrap();
    assert!(!q.sql.contains("FETCH") && q.binds.is_empty(), "{}", q.sql);
}

#[test]
fn lookups_bind_one_column_keys_typed_as_their_column() {
    let t = sample();
    let columns = [KeyColumn::Column("NAME".into())];
    let keys = [key(&[KeyValue::Text("Ann")]), key(&[KeyValue::Text("Bob")])];
    let q = keys_query(
        &t,
        &columns,
        &columns,
        RowFilter::In {
            columns: &columns,
            keys: &keys,
        },
        Some("77"),
    )
    .unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"NAME\" FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" \
         WHERE \"NAME\" IN (:k1, :k2) ORDER BY \"NAME\""
    );
    assert_eq!(
        q.binds,
        vec![
            ("scn".to_string(), Bind::Number("77".into())),
            ("k1".to_string(), Bind::Varchar("Ann".into())),
            ("k2".to_string(), Bind::Varchar("Bob".into())),
        ]
    );
}

#[test]
fn lookups_bind_two_column_keys_as_tuples() {
    let t = sample();
    let columns = [
        KeyColumn::Column("ID".into()),
        KeyColumn::Column("SEQ".into()),
    ];
    let keys = [
        key(&[KeyValue::Int(1), KeyValue::Int(2)]),
        key(&[KeyValue::Text("12345678901234567890"), KeyValue::Null]),
    ];
    let all = [&t.columns[0], &t.columns[1]];
    let q = read_query(
        &t,
        &all,
        &[],
        &columns,
        RowFilter::In {
            columns: &columns,
            keys: &keys,
        },
        0,
        None,
        Some("5"),
        false,
    )
    .unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\", \"SEQ\", \"ID\" AS dbsub_k1, \"SEQ\" AS dbsub_k2 FROM \"HR\".\"EMP\" \
         AS OF SCN :scn \"EMP\" WHERE (\"ID\", \"SEQ\") IN ((:k1_1, :k1_2), (:k2_1, :k2_2)) \
         ORDER BY \"ID\", \"SEQ\"",
        "a lookup reads its key columns after the archived ones, to hand its rows on in the \
         order of its keys"
    );
    assert_eq!(names(&q.binds), ["scn", "k1_1", "k1_2", "k2_1", "k2_2"]);
    assert_eq!(q.binds[1].1, Bind::Int(1));
    assert_eq!(q.binds[3].1, Bind::Number("12345678901234567890".into()));
    assert_eq!(q.binds[4].1, Bind::Null);
}

#[test]
fn a_scan_kept_by_a_key_set_reads_the_whole_table_with_its_keys_and_skips_on_the_client() {
    struct Two;
    impl KeyLookup for Two {
        fn contains(&self, _: &[u8]) -> anyhow::Result<bool> {
            Ok(true)
        }
        fn len(&self) -> u64 {
            2
        }
    }
    let t = sample();
    let columns = [
        KeyColumn::Column("ID".into()),
        KeyColumn::Column("SEQ".into()),
    ];
    let all = [&t.columns[0], &t.columns[1]];
    let filter = RowFilter::Among {
        columns: &columns,
        keys: &Two,
    };
    let q = read_query(&t, &all, &[], &columns, filter, 40, None, Some("5"), true).unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\", \"SEQ\", ROWIDTOCHAR(ROWID) AS dbsub_rowid, \"ID\" AS dbsub_k1, \"SEQ\" \
         AS dbsub_k2 FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" ORDER BY \"ID\", \"SEQ\"",
        "one full scan, no key bound (no IN list, no 1000-key limit), its key columns after \
         the ROWID"
    );
    assert_eq!(
        names(&q.binds),
        ["scn"],
        "the 40 rows to skip are kept rows, skipped on the client: no OFFSET"
    );
    assert_eq!(q.skip_here, 0);
}

#[test]
fn a_chunk_reads_a_key_range_bound_as_its_columns_under_the_seeds_condition() {
    let t = sample();
    let pair = [
        KeyColumn::Column("ID".into()),
        KeyColumn::Column("SEQ".into()),
    ];
    let (lo, hi) = (
        key(&[KeyValue::Int(10), KeyValue::Int(2)]),
        key(&[KeyValue::Int(20), KeyValue::Int(1)]),
    );
    let params: BTreeMap<String, String> = [("from".to_string(), "O'Brien".to_string())].into();
    let all = [&t.columns[0], &t.columns[1]];
    let q = read_query(
        &t,
        &all,
        &[],
        &pair,
        RowFilter::Range {
            condition: Some(Condition {
                sql: "(\"NAME\" >= :from)",
                params: &params,
            }),
            range: KeyRange {
                columns: &pair,
                after: Some(&lo),
                upto: Some(&hi),
            },
        },
        0,
        None,
        Some("5"),
        false,
    )
    .unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\", \"SEQ\" FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" \
         WHERE ((\"NAME\" >= :w1)) \
         AND (\"ID\" >= :lo1 AND (\"ID\" > :lo1 OR (\"ID\" = :lo1 AND \"SEQ\" > :lo2))) \
         AND (\"ID\" <= :hi1 AND (\"ID\" < :hi1 OR (\"ID\" = :hi1 AND \"SEQ\" <= :hi2))) \
         ORDER BY \"ID\", \"SEQ\""
    );
    assert_eq!(names(&q.binds), ["scn", "w1", "lo1", "lo2", "hi1", "hi2"]);
    assert_eq!(q.binds[1].1, Bind::Varchar("O'Brien".into()));
    assert_eq!(q.binds[2].1, Bind::Int(10));
    assert_eq!(q.binds[5].1, Bind::Int(1));
}

#[test]
fn a_chunk_of_a_table_without_a_key_is_a_rowid_range() {
    let t = sample();
    let locator = [KeyColumn::Locator];
    let first = key(&[KeyValue::Text("AAAR3sAAEAAAACXAAA")]);
    let columns = [&t.columns[0]];
    // The first chunk: up to its last ROWID; the last: after the one before it.
    let q = read_query(
        &t,
        &columns,
        &[],
        &locator,
        RowFilter::Range {
            condition: None,
            range: KeyRange {
                columns: &locator,
                after: None,
                upto: Some(&first),
            },
        },
        0,
        None,
        Some("5"),
        false,
    )
    .unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\" FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" \
         WHERE (ROWID <= CHARTOROWID(:hi1)) ORDER BY ROWID"
    );
    assert_eq!(
        q.binds[1],
        (
            "hi1".to_string(),
            Bind::Varchar("AAAR3sAAEAAAACXAAA".into())
        )
    );
    let q = keys_query(
        &t,
        &locator,
        &locator,
        RowFilter::Range {
            condition: None,
            range: KeyRange {
                columns: &locator,
                after: Some(&first),
                upto: None,
            },
        },
        None,
    )
    .unwrap();
    assert!(
        q.sql
            .ends_with("WHERE (ROWID > CHARTOROWID(:lo1)) ORDER BY ROWID"),
        "{}",
        q.sql
    );
}

#[test]
fn a_global_temporary_table_is_read_without_an_scn() {
    let mut t = sample();
    t.temporary = Some(crate::catalog::Temporary::Session);
    let columns = [KeyColumn::Column("ID".into())];
    let q = keys_query(&t, &columns, &columns, RowFilter::All, Some("9")).unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\" FROM \"HR\".\"EMP\" \"EMP\" ORDER BY \"ID\""
    );
    assert!(q.binds.is_empty(), "{:?}", q.binds);
}

/// A partitioned table is read once, through the table, as of the SCN: the same statements as
/// an unpartitioned one, no `PARTITION (…)` clause; its ROWIDs (unique across partitions within
/// the snapshot) order it and an `OFFSET` resumes it.
#[test]
fn a_partitioned_table_is_read_through_the_table_in_rowid_order() {
    use crate::catalog::{PartitionMethod, Partitioning};
    let mut t = sample();
    let plain = sample();
    t.partitioning = Some(Partitioning {
        method: PartitionMethod::Hash,
        key: vec!["ID".into()],
        interval: None,
        reference: None,
        partitions: Vec::new(),
        local_indexes: Vec::new(),
        subpartition_template: Vec::new(),
        row_movement: false,
    });
    let order = [KeyColumn::Locator];
    let read = |table: &Table| {
        let cols = [&table.columns[0]];
        read_query(
            table,
            &cols,
            &[],
            &order,
            RowFilter::All,
            500,
            None,
            Some("9"),
            true,
        )
        .unwrap()
        .sql
    };
    assert_eq!(read(&t), read(&plain));
    assert_eq!(
        read(&t),
        "SELECT \"ID\", ROWIDTOCHAR(ROWID) AS dbsub_rowid FROM \"HR\".\"EMP\" AS OF SCN :scn \
         \"EMP\" ORDER BY ROWID OFFSET :skip_rows ROWS"
    );
}

#[test]
fn the_rowid_locator_is_read_as_text_and_bound_back_through_chartorowid() {
    let t = sample();
    let columns = [KeyColumn::Locator];
    let keys = [key(&[KeyValue::Text("AAAFd1AAFAAAABSAA/")])];
    let q = keys_query(&t, &columns, &columns, RowFilter::All, Some("9")).unwrap();
    assert_eq!(
        q.sql,
        "SELECT ROWIDTOCHAR(ROWID) FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" ORDER BY ROWID"
    );
    let cols = [&t.columns[0]];
    let q = read_query(
        &t,
        &cols,
        &[],
        &columns,
        RowFilter::In {
            columns: &columns,
            keys: &keys,
        },
        0,
        None,
        Some("9"),
        true,
    )
    .unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\", ROWIDTOCHAR(ROWID) AS dbsub_rowid, ROWIDTOCHAR(ROWID) AS dbsub_k1 \
         FROM \"HR\".\"EMP\" AS OF SCN :scn \"EMP\" WHERE ROWID IN (CHARTOROWID(:k1)) \
         ORDER BY ROWID"
    );
    assert_eq!(q.binds[1].1, Bind::Varchar("AAAFd1AAFAAAABSAA/".into()));
}

#[test]
fn lookups_refuse_unknown_columns_and_oversized_batches() {
    let t = sample();
    let columns = [KeyColumn::Column("NOPE".into())];
    let keys = [key(&[KeyValue::Int(1)])];
    let filter = RowFilter::In {
        columns: &columns,
        keys: &keys,
    };
    assert!(keys_query(&t, &columns, &[], filter, None).is_err());
    let columns = [KeyColumn::Column("ID".into())];
    let many: Vec<key::Key> = (0..1001).map(|i| key(&[KeyValue::Int(i)])).collect();
    let filter = RowFilter::In {
        columns: &columns,
        keys: &many,
    };
    let e = keys_query(&t, &columns, &[], filter, None).unwrap_err();
    assert!(e.to_string().contains("at most 1000"), "{e}");
}

#[test]
fn keys_bind_as_their_columns_types() {
    let t = sample();
    let c = |name: &str| t.column(name);
    assert_eq!(
        key_bind(c("LOCAL_NAME"), KeyValue::Text("Zoë")).unwrap(),
        Bind::NVarchar("Zoë".into())
    );
    assert_eq!(
        key_bind(c("PHOTO"), KeyValue::Bytes(&[1, 2])).unwrap(),
        Bind::Raw(vec![1, 2])
    );
    let Bind::Date(ts) = key_bind(c("BORN"), KeyValue::Text("-0043-03-15T10:00:00")).unwrap()
    else {
        panic!("a DATE key binds as DATE")
    };
    assert_eq!((ts.year(), ts.month(), ts.hour()), (-44, 3, 10));
    let Bind::TimestampTz(ts) =
        key_bind(c("SEEN"), KeyValue::Text("2024-01-02T03:04:05.5+05:30")).unwrap()
    else {
        panic!("a TIMESTAMP WITH TIME ZONE key binds with its offset")
    };
    assert_eq!((ts.tz_offset(), ts.nanosecond()), (19_800, 500_000_000));
    assert!(key_bind(c("ID"), KeyValue::Text("abc")).is_err());
    assert!(key_bind(None, KeyValue::Int(3)).is_err());
    let ym = Column::test(
        "TERM",
        "INTERVAL YEAR(2) TO MONTH",
        NeutralType::Interval {
            fields: IntervalFields::YearToMonth,
            leading_precision: Some(2),
            fractional_precision: None,
        },
    );
    assert_eq!(
        key_bind(Some(&ym), KeyValue::Text("P1Y2M")).unwrap(),
        Bind::IntervalYM(IntervalYM::new(1, 2).unwrap())
    );
    let ds = Column::test(
        "WAIT",
        "INTERVAL DAY(2) TO SECOND(6)",
        NeutralType::Interval {
            fields: IntervalFields::DayToSecond,
            leading_precision: Some(2),
            fractional_precision: Some(6),
        },
    );
    assert_eq!(
        key_bind(Some(&ds), KeyValue::Text("P-1DT-2H-0.5S")).unwrap(),
        Bind::IntervalDS(IntervalDS::new(-1, -2, 0, 0, -500_000_000).unwrap())
    );
}

#[test]
fn numbers_are_exact_decimals_whatever_form_the_driver_writes() {
    let dec = |s: &str| decimal_value(s.to_string());
    let text = |v: Value<'static>| match v {
        Value::Decimal(d) => d.into_owned(),
        other => panic!("not a decimal: {other:?}"),
    };
    assert_eq!(text(dec("0").unwrap()), "0");
    assert_eq!(text(dec("-.5").unwrap()), "-0.5");
    assert_eq!(text(dec("-0.5").unwrap()), "-0.5");
    assert_eq!(
        text(dec("1E-130").unwrap()),
        format!("0.{}1", "0".repeat(129))
    );
    assert_eq!(
        text(dec("1.0E+125").unwrap()),
        format!("1{}", "0".repeat(125))
    );
    let big = "12345678901234567890123456789012345678";
    assert_eq!(text(dec(big).unwrap()), big);
    assert_eq!(
        text(dec(&format!("-0.{big}")).unwrap()),
        format!("-0.{big}")
    );
    assert!(dec("~").is_err());
    assert!(dec("NaN").is_err());
    assert_eq!(int_value("42").unwrap(), Value::Int(42));
    assert_eq!(
        int_value("-9223372036854775808").unwrap(),
        Value::Int(i64::MIN)
    );
    assert!(int_value(big).unwrap_err().contains("64-bit"));
    assert!(int_value("1.5").is_err());
    assert_eq!(bool_value("TRUE").unwrap(), Value::Bool(true));
    assert_eq!(bool_value("0").unwrap(), Value::Bool(false));
    assert!(bool_value("2").is_err());
}

#[test]
fn text_with_replacement_characters_fails_the_row() {
    assert_eq!(
        text_value("Zoë".into()).unwrap(),
        Value::Text(Cow::Owned("Zoë".into()))
    );
    let why = text_value("Zo\u{FFFD}".into()).unwrap_err();
    assert!(
        why.contains("not valid in the database character set"),
        "{why}"
    );
}

#[test]
fn dates_and_timestamps_keep_every_field_and_years_before_christ() {
    let date_ty = NeutralType::Timestamp { precision: Some(0) };
    let ts = Timestamp::new(2024, 2, 29, 23, 59, 59, 0).unwrap();
    let Value::Timestamp(dt) = timestamp_value(&ts, &date_ty).unwrap() else {
        panic!("a DATE is a timestamp")
    };
    assert_eq!(dt.to_string(), "2024-02-29T23:59:59");

    let ts = Timestamp::new(2024, 1, 2, 3, 4, 5, 123_456_789).unwrap();
    let ts_ty = NeutralType::Timestamp { precision: Some(9) };
    let Value::Timestamp(dt) = timestamp_value(&ts, &ts_ty).unwrap() else {
        panic!("a TIMESTAMP is a timestamp")
    };
    assert_eq!(dt.time.nanos, 123_456_789);

    // Oracle's first day, 1 January 4712 BC, is astronomical year -4711; the archive
    // writes it in ISO 8601's expanded form.
    let first = Timestamp::new(-4712, 1, 1, 0, 0, 0, 0).unwrap();
    let v = timestamp_value(&first, &date_ty).unwrap();
    let mut csv = Vec::new();
    v.write_csv(&mut csv);
    assert_eq!(String::from_utf8(csv).unwrap(), "-4711-01-01T00:00:00");
    let Value::Timestamp(dt) = v else { panic!() };
    assert_eq!(oracle_timestamp(dt).unwrap().year(), -4712);
    let one_bc = Timestamp::new(-1, 12, 31, 0, 0, 0, 0).unwrap();
    let Value::Timestamp(dt) = timestamp_value(&one_bc, &date_ty).unwrap() else {
        panic!()
    };
    assert_eq!(dt.date.year, 0);
    let last = Timestamp::new(9999, 12, 31, 23, 59, 59, 0).unwrap();
    assert!(timestamp_value(&last, &date_ty).is_ok());

    // A Julian-only leap day is not moved: the row fails.
    let julian = Timestamp::new(1500, 2, 29, 0, 0, 0, 0).unwrap();
    let why = timestamp_value(&julian, &date_ty).unwrap_err();
    assert!(why.contains("Julian"), "{why}");
    let zero = Timestamp::new(0, 1, 1, 0, 0, 0, 0).unwrap();
    assert!(timestamp_value(&zero, &date_ty).is_err());
}

#[test]
fn timestamps_with_zones_keep_their_offset() {
    let tz = NeutralType::TimestampTz {
        precision: Some(6),
        local: false,
    };
    let ts = Timestamp::new(2024, 7, 1, 12, 0, 0, 500_000)
        .unwrap()
        .and_tz_hm_offset(-3, -30)
        .unwrap();
    let v = timestamp_value(&ts, &tz).unwrap();
    let mut csv = Vec::new();
    v.write_csv(&mut csv);
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "2024-07-01T12:00:00.0005-03:30"
    );
    let local = NeutralType::TimestampTz {
        precision: Some(6),
        local: true,
    };
    let utc = Timestamp::new(2024, 7, 1, 10, 0, 0, 0)
        .unwrap()
        .and_tz_offset(0)
        .unwrap();
    assert!(matches!(
        timestamp_value(&utc, &local).unwrap(),
        Value::TimestampTz(_, 0)
    ));
}

#[test]
fn intervals_become_months_or_days_and_nanoseconds() {
    let ym = IntervalYM::new(-1, -2).unwrap();
    assert_eq!(
        interval_ym_value(&ym),
        Value::Interval(Interval {
            months: -14,
            days: 0,
            nanos: 0
        })
    );
    let ds_ty = NeutralType::Interval {
        fields: IntervalFields::DayToSecond,
        leading_precision: Some(9),
        fractional_precision: Some(9),
    };
    let ds = IntervalDS::new(3, 4, 5, 6, 7).unwrap();
    assert_eq!(
        interval_ds_value(&ds, &ds_ty).unwrap(),
        Value::Interval(Interval {
            months: 0,
            days: 3,
            nanos: ((4 * 60 + 5) * 60 + 6) * 1_000_000_000 + 7,
        })
    );
    let neg = IntervalDS::new(-1, -2, 0, 0, -500_000_000).unwrap();
    let v = interval_ds_value(&neg, &ds_ty).unwrap();
    assert_eq!(v.clone().into_owned(), v);
    let Value::Interval(iv) = v else { panic!() };
    assert_eq!(interval_ds(iv), Some(neg));
    let time = NeutralType::Time { precision: Some(3) };
    assert_eq!(
        interval_ds_value(&IntervalDS::new(0, 8, 5, 3, 120_000_000).unwrap(), &time).unwrap(),
        Value::Time(Time::new(8, 5, 3, 120_000_000).unwrap())
    );
    assert!(interval_ds_value(&IntervalDS::new(1, 0, 0, 0, 0).unwrap(), &time).is_err());
}

#[test]
fn columns_are_fetched_by_their_neutral_type() {
    let t = sample();
    let fetches: Vec<Fetch> = t.columns.iter().map(|c| fetch_of(c, None)).collect();
    use Fetch as F;
    assert_eq!(
        fetches,
        [
            F::Decimal,
            F::Decimal,
            F::Text,
            F::Text,
            F::Text,
            F::Text,
            F::Text,
            F::Text,
            F::Text,
            F::Probe,
            F::DateTime,
            F::DateTime,
            F::Bytes
        ]
    );
    assert_eq!(
        fetch_of(&t.columns[9], Some(&SourceMask::NullOnly)),
        F::Text
    );
    let shift = SourceMask::ShiftDays {
        days: 3,
        key: [0; 32],
    };
    assert_eq!(fetch_of(&t.columns[10], Some(&shift)), F::DateTime);
    let bfile = unsupported(&t.columns[9]);
    assert!(
        bfile.contains("BFILE") && bfile.contains("constant"),
        "{bfile}"
    );
    let other = Column::test("X", "MDSYS.SDO_TOPO_GEOMETRY", NeutralType::Other);
    assert!(unsupported(&other).contains("MDSYS.SDO_TOPO_GEOMETRY"));
    assert!(is_lob(&t.columns[4], None));
    assert!(!is_lob(&t.columns[4], Some(&SourceMask::Digest)));
    assert!(is_lob(
        &Column::test(
            "L",
            "LONG",
            NeutralType::Lob {
                lob: LobKind::Character
            }
        ),
        None
    ));
}

#[test]
fn keys_encode_alike_whatever_the_number_precision() {
    assert_eq!(
        OwnedKey::of(Value::Decimal(Cow::Borrowed("42"))),
        OwnedKey::Int(42)
    );
    assert_eq!(OwnedKey::of(Value::Int(42)), OwnedKey::Int(42));
    assert_eq!(
        OwnedKey::of(Value::Decimal(Cow::Borrowed("4.2"))),
        OwnedKey::Text("4.2".into())
    );
    let big = "123456789012345678901234567890";
    assert_eq!(
        OwnedKey::of(Value::Decimal(Cow::Borrowed(big))),
        OwnedKey::Text(big.into())
    );
    let ts = Timestamp::new(2024, 1, 2, 3, 4, 5, 0).unwrap();
    let date = timestamp_value(&ts, &NeutralType::Timestamp { precision: Some(0) }).unwrap();
    let k = OwnedKey::of(date);
    assert_eq!(k, OwnedKey::Text("2024-01-02T03:04:05".into()));
    // And back: the text binds as the DATE it came from.
    let column = Column::test("D", "DATE", NeutralType::Timestamp { precision: Some(0) });
    assert_eq!(key_bind(Some(&column), k.as_key()).unwrap(), Bind::Date(ts));
}

/// Live: runs when DBSUB_TEST_ORACLE_URL names a database whose user may create tables.
#[test]
fn live_rows_read_as_of_one_scn() {
    let Ok(raw) = std::env::var("DBSUB_TEST_ORACLE_URL") else {
        eprintln!("Oracle live row test skipped: DBSUB_TEST_ORACLE_URL is not set");
        return;
    };
    if raw.trim().is_empty() {
        return;
    }
    let url = DbUrl::new(DbKind::Oracle, &raw);
    let conn = session(&url).unwrap();
    let _ = conn.execute("DROP TABLE DBSUB_ROWS_T PURGE", &[]);
    conn.execute(
        "CREATE TABLE DBSUB_ROWS_T (ID NUMBER(10) PRIMARY KEY, AMOUNT NUMBER, \
         NAME VARCHAR2(30), BORN DATE, SEEN TIMESTAMP(6) WITH TIME ZONE, \
         WAIT INTERVAL DAY(2) TO SECOND(6), PHOTO RAW(4), NOTE CLOB)",
        &[],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO DBSUB_ROWS_T VALUES (1, -0.5, 'Ann', \
         TO_DATE('-4712-01-01', 'SYYYY-MM-DD'), \
         TIMESTAMP '2024-07-01 12:00:00.5 -03:30', INTERVAL '1 02:03:04.5' DAY TO SECOND, \
         HEXTORAW('00FF'), 'long text')",
        &[],
    )
    .unwrap();
    conn.commit().unwrap();
    let user: String = conn.query_row_as("SELECT USER FROM DUAL", &[]).unwrap();
    let catalog_table = Table::test(
        &user,
        "DBSUB_ROWS_T",
        vec![
            Column::test("ID", "NUMBER(10)", number(10, 0)),
            Column::test(
                "AMOUNT",
                "NUMBER",
                NeutralType::Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            Column::test("NAME", "VARCHAR2(30)", varchar(30)),
            Column::test(
                "BORN",
                "DATE",
                NeutralType::Timestamp { precision: Some(0) },
            ),
            Column::test(
                "SEEN",
                "TIMESTAMP(6) WITH TIME ZONE",
                NeutralType::TimestampTz {
                    precision: Some(6),
                    local: false,
                },
            ),
            Column::test(
                "WAIT",
                "INTERVAL DAY(2) TO SECOND(6)",
                NeutralType::Interval {
                    fields: IntervalFields::DayToSecond,
                    leading_precision: Some(2),
                    fractional_precision: Some(6),
                },
            ),
            Column::test(
                "PHOTO",
                "RAW(4)",
                NeutralType::Binary {
                    length: Some(4),
                    fixed: false,
                },
            ),
            Column::test(
                "NOTE",
                "CLOB",
                NeutralType::Lob {
                    lob: LobKind::Character,
                },
            ),
        ],
    );
    // Two readers on one SCN when the user may read it; else one read-only transaction.
    let mut sources = match open_sources(&url, 2) {
        Ok(sources) => {
            assert_eq!(sources[0].snapshot(), sources[1].snapshot());
            assert_eq!(sources[0].snapshot().kind, "SCN");
            sources
        }
        Err(e) => {
            assert!(e.to_string().contains("--jobs 1"), "{e:#}");
            let sources = open_sources(&url, 1).unwrap();
            assert_eq!(sources[0].snapshot().kind, "read-only transaction");
            sources
        }
    };
    // A row written after the snapshot is not seen.
    conn.execute("INSERT INTO DBSUB_ROWS_T (ID, NAME) VALUES (2, 'Bob')", &[])
        .unwrap();
    conn.commit().unwrap();
    let columns: Vec<&Column> = catalog_table.columns.iter().collect();
    let mut rows = Vec::new();
    let last = sources.len() - 1;
    sources[last]
        .read_rows(
            &ReadRequest {
                table: &catalog_table,
                columns: &columns,
                masks: &[],
                order_by: &[KeyColumn::Column("ID".into())],
                filter: RowFilter::All,
                skip: 0,
                limit: None,
            },
            &mut |values| {
                let mut line = Vec::new();
                for v in values {
                    v.write_csv(&mut line);
                    line.push(b'|');
                }
                rows.push(String::from_utf8(line).unwrap());
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(
        rows,
        [
            "1|-0.5|Ann|-4711-01-01T00:00:00|2024-07-01T12:00:00.5-03:30|P1DT2H3M4.5S|00ff|long text|"
        ]
    );
    let mut keys_seen = Vec::new();
    let id = [KeyColumn::Column("ID".into())];
    sources[0]
        .scan_keys(&catalog_table, &id, &id, RowFilter::All, &mut |k| {
            keys_seen.push(format!("{k:?}"));
            Ok(())
        })
        .unwrap();
    assert_eq!(keys_seen, ["[Int(1)]"]);
    drop(sources);
    let _ = conn.execute("DROP TABLE DBSUB_ROWS_T PURGE", &[]);
}

#[test]
fn masked_columns_are_computed_by_the_server_with_bound_keys() {
    let text = Column::test(
        "EMAIL",
        "",
        NeutralType::Text {
            length: Some(80),
            semantics: LengthSemantics::Char,
            fixed: false,
        },
    );
    let (sql, binds) = mask_select(&text, &SourceMask::NullOnly, 0);
    assert_eq!(sql, r#"CASE WHEN "EMAIL" IS NULL THEN NULL ELSE 't' END"#);
    assert!(binds.is_empty());
    let (sql, binds) = mask_select(&text, &SourceMask::Digest, 0);
    assert_eq!(
        sql,
        format!(
            "LOWER(RAWTOHEX(STANDARD_HASH(UTL_I18N.STRING_TO_RAW(TO_CHAR(\"EMAIL\"), \
             'AL32UTF8'), 'SHA256'))) || REGEXP_REPLACE(TRANSLATE(TO_CHAR(\"EMAIL\"), \
             '{}', '{}'), '[^ -~' || CHR(9) || CHR(10) || CHR(13) || ']', '*')",
            crate::model::mask::SHAPE_FROM,
            crate::model::mask::SHAPE_TO
        )
    );
    assert!(binds.is_empty());
    let born = Column::test("BORN", "", NeutralType::Timestamp { precision: Some(0) });
    let key = [3u8; 32];
    let (sql, binds) = mask_select(&born, &SourceMask::ShiftDays { days: 30, key }, 2);
    let k = "MOD(TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH(UTL_RAW.CONCAT(:dbsub_mask_2_o, \
             STANDARD_HASH(UTL_RAW.CONCAT(:dbsub_mask_2_i, UTL_I18N.STRING_TO_RAW(\
             TO_CHAR(\"BORN\", 'YYYY-MM-DD HH24:MI:SS'), 'AL32UTF8')), 'SHA256')), \
             'SHA256')), 1, 8), 'XXXXXXXX'), 60)";
    assert_eq!(
        sql,
        format!("\"BORN\" + NUMTODSINTERVAL({k} - 30 + TRUNC({k} / 30), 'DAY')")
    );
    let (inner, outer) = crate::model::mask::hmac_pads(&key);
    assert_eq!(
        binds,
        vec![
            ("dbsub_mask_2_i".to_string(), inner),
            ("dbsub_mask_2_o".to_string(), outer)
        ]
    );
    // The key is bound, never in the SQL.
    assert!(!sql.contains("0303"));
}

#[test]
fn masks_the_server_cannot_compute_on_lobs_and_longs_are_refused_naming_the_column() {
    let t = Table::test(
        "HR",
        "FILES",
        vec![
            Column::test(
                "NOTES",
                "CLOB",
                NeutralType::Lob {
                    lob: LobKind::Character,
                },
            ),
            Column::test(
                "MEMO",
                "LONG",
                NeutralType::Lob {
                    lob: LobKind::Character,
                },
            ),
            Column::test("EMAIL", "VARCHAR2(80)", varchar(80)),
            Column::test("DOC", "XMLTYPE", NeutralType::Xml),
        ],
    );
    let (clob, long, text, xml) = (&t.columns[0], &t.columns[1], &t.columns[2], &t.columns[3]);
    // A CLOB keeps NULL-ness with IS NULL; its text over 4000 bytes has no TO_CHAR.
    assert_eq!(mask_refusal(clob, &SourceMask::NullOnly), None);
    let why = mask_refusal(clob, &SourceMask::Digest).unwrap();
    assert!(
        why.contains("ORA-22835") && why.contains("constant"),
        "{why}"
    );
    assert!(mask_refusal(xml, &SourceMask::Digest).is_some());
    assert_eq!(mask_refusal(xml, &SourceMask::NullOnly), None);
    // No function or condition at all on a LONG: not even constant's IS NULL.
    for mask in [SourceMask::NullOnly, SourceMask::Digest] {
        let why = mask_refusal(long, &mask).unwrap();
        assert!(why.contains("LONG") && why.contains("keep"), "{why}");
    }
    assert_eq!(mask_refusal(text, &SourceMask::Digest), None);
    let err = select_list(&t, &[clob, text], &[Some(SourceMask::Digest), None])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("HR.FILES column NOTES (CLOB) cannot be masked: "),
        "{err}"
    );
    let err = read_query(
        &t,
        &[text, long],
        &[None, Some(SourceMask::NullOnly)],
        &[],
        RowFilter::All,
        0,
        None,
        None,
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("column MEMO (LONG)"), "{err}");
    assert!(
        select_list(
            &t,
            &[clob, text],
            &[Some(SourceMask::NullOnly), Some(SourceMask::Digest)]
        )
        .is_ok()
    );
}

#[test]
fn a_resumed_read_of_a_long_column_skips_its_rows_here_not_with_offset() {
    let t = Table::test(
        "HR",
        "LEGACY",
        vec![
            Column::test("ID", "NUMBER(10)", number(10, 0)),
            Column::test(
                "MEMO",
                "LONG",
                NeutralType::Lob {
                    lob: LobKind::Character,
                },
            ),
        ],
    );
    let columns: Vec<&Column> = t.columns.iter().collect();
    let order = [KeyColumn::Column("ID".into())];
    let q = read_query(
        &t,
        &columns,
        &[],
        &order,
        RowFilter::All,
        500,
        None,
        Some("42"),
        false,
    )
    .unwrap();
    assert_eq!(
        q.sql,
        "SELECT \"ID\", \"MEMO\" FROM \"HR\".\"LEGACY\" AS OF SCN :scn \"LEGACY\" ORDER BY \"ID\""
    );
    assert_eq!(q.skip_here, 500);
    assert_eq!(
        q.binds,
        vec![("scn".to_string(), Bind::Number("42".into()))]
    );
    // Without the LONG column the server skips.
    let q = read_query(
        &t,
        &columns[..1],
        &[],
        &order,
        RowFilter::All,
        500,
        None,
        Some("42"),
        false,
    )
    .unwrap();
    assert!(q.sql.ends_with(" OFFSET :skip_rows ROWS"), "{}", q.sql);
    assert_eq!(q.skip_here, 0);
}

#[test]
fn an_archived_key_is_the_key_the_scan_reads() {
    let archived = |values: &[Value<'_>]| {
        let mut out = Vec::new();
        archived_key(values, &mut out);
        out
    };
    // A NUMBER(10) archived as decimal text is the integer key the scan reads.
    assert_eq!(
        archived(&[
            Value::Decimal(Cow::Borrowed("42")),
            Value::Text("O'Brien".into())
        ]),
        key::key(&[KeyValue::Int(42), KeyValue::Text("O'Brien")])
    );
    assert_eq!(
        archived(&[Value::Decimal(Cow::Borrowed("4.50"))]),
        key::key(&[KeyValue::Text("4.50")])
    );
    let born = Value::Timestamp(DateTime {
        date: Date::new(2024, 1, 31).unwrap(),
        time: Time::new(23, 59, 58, 0).unwrap(),
    });
    assert_eq!(
        archived(&[born]),
        key::key(&[KeyValue::Text("2024-01-31T23:59:58")])
    );
}
