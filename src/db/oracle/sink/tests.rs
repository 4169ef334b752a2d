use super::binds::*;
use super::messages::*;
use super::sql::*;
use super::*;
use crate::catalog::{Dependency, ForeignKey, Trigger};
use crate::model::ports::*;
use crate::model::value::Date;
use crate::model::value::*;

fn varchar(n: u32) -> NeutralType {
    NeutralType::Text {
        length: Some(n),
        semantics: LengthSemantics::Char,
        fixed: false,
    }
}

fn number(p: u16, s: i16) -> NeutralType {
    NeutralType::Decimal {
        precision: Some(p),
        scale: Some(s),
    }
}

/// A bound value as text, for exact comparisons.
fn shown(bound: &Bound<'_>) -> String {
    match bound {
        Bound::Null => "NULL".into(),
        Bound::Int(i) => format!("int {i}"),
        Bound::Number(n) => format!("number {n}"),
        Bound::Double(f) => format!("double {f}"),
        Bound::Bool(b) => format!("bool {b}"),
        Bound::Text(t) => format!("text {t}"),
        Bound::Bytes(b) => format!("bytes {b:?}"),
        Bound::Timestamp(t) => format!(
            "ts {}-{}-{} {}:{}:{}.{} {:+}:{}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond(),
            t.tz_hour_offset(),
            t.tz_minute_offset()
        ),
        Bound::IntervalDs(i) => format!(
            "ds {} {}:{}:{}.{}",
            i.days(),
            i.hours(),
            i.minutes(),
            i.seconds(),
            i.nanoseconds()
        ),
        Bound::IntervalYm(i) => format!("ym {}-{}", i.years(), i.months()),
    }
}

fn bind(value: &Value<'_>, col: &Column) -> Result<Vec<String>, String> {
    let (slot, wrap) = plan_column(col)?;
    let plan = ColumnPlan {
        column: col,
        index: 0,
        slot,
        wrap,
    };
    Ok(plan.bind(value)?.iter().map(shown).collect())
}

fn bind_one(value: Value<'_>, col: &Column) -> Result<String, String> {
    bind(&value, col).map(|mut v| v.remove(0))
}

fn dt(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8, n: u32) -> DateTime {
    DateTime {
        date: Date::new(y, mo, d).unwrap(),
        time: Time::new(h, mi, s, n).unwrap(),
    }
}

#[test]
fn the_session_fixes_zone_numbers_and_formats() {
    assert!(SESSION.iter().all(|s| s.starts_with("ALTER SESSION SET ")));
    assert!(SESSION.contains(&"ALTER SESSION SET TIME_ZONE = '+00:00'"));
    assert!(SESSION.contains(&"ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'"));
    assert!(
        SESSION
            .iter()
            .any(|s| s.contains("NLS_DATE_FORMAT = 'YYYY-MM-DD"))
    );
}

#[test]
fn the_batch_size_comes_from_the_environment_within_bounds() {
    assert_eq!(batch_rows(None).unwrap(), 1000);
    assert_eq!(batch_rows(Some("")).unwrap(), 1000);
    assert_eq!(batch_rows(Some(" 250 ")).unwrap(), 250);
    let err = batch_rows(Some("0")).unwrap_err().to_string();
    assert!(err.contains("DBSUB_ORACLE_BATCH_ROWS=0"), "{err}");
    assert!(batch_rows(Some("lots")).is_err());
    assert!(batch_rows(Some("100001")).is_err());
}

#[test]
fn inserts_and_merges_are_built_from_quoted_names_and_binds() {
    let cols = vec![
        ("\"ID\"".to_string(), ":1".to_string()),
        ("\"Name\"".to_string(), ":2".to_string()),
    ];
    assert_eq!(
        insert_sql("\"S\".\"T\"", &cols),
        r#"INSERT INTO "S"."T" ("ID", "Name") VALUES (:1, :2)"#
    );
    assert_eq!(
        merge_sql("\"S\".\"T\"", &cols, &["\"ID\"".to_string()]),
        r#"MERGE INTO "S"."T" d USING (SELECT :1 "ID", :2 "Name" FROM DUAL) s ON (d."ID" = s."ID") WHEN MATCHED THEN UPDATE SET d."Name" = s."Name" WHEN NOT MATCHED THEN INSERT ("ID", "Name") VALUES (s."ID", s."Name")"#
    );
    // Every column in the key: nothing to update.
    assert_eq!(
        merge_sql(
            "\"S\".\"L\"",
            &cols,
            &["\"ID\"".to_string(), "\"Name\"".to_string()]
        ),
        r#"MERGE INTO "S"."L" d USING (SELECT :1 "ID", :2 "Name" FROM DUAL) s ON (d."ID" = s."ID" AND d."Name" = s."Name") WHEN NOT MATCHED THEN INSERT ("ID", "Name") VALUES (s."ID", s."Name")"#
    );
}

#[test]
fn xml_json_and_geometry_binds_are_wrapped_and_numbered_in_order() {
    let t = Table::test(
        "APP",
        "DOC",
        vec![
            Column::test("ID", "NUMBER(10)", number(10, 0)),
            Column::test("BODY", "XMLTYPE", NeutralType::Xml),
            Column::test("META", "JSON", NeutralType::Json),
            Column::test(
                "AREA",
                "MDSYS.SDO_GEOMETRY",
                NeutralType::Spatial { srid: None },
            ),
            Column::test("NOTE", "VARCHAR2(10 CHAR)", varchar(10)),
            {
                let mut v = Column::test("TOTAL", "NUMBER", number(10, 0));
                v.generated = Some("\"ID\" * 2".into());
                v
            },
        ],
    );
    let cols: Vec<&Column> = t.columns.iter().collect();
    let plan = TablePlan::new(&t, &cols, &[], LoadMode::Insert).unwrap();
    // The documents (temporary LOB binds) after the plain columns (ORA-24816).
    assert_eq!(
        plan.sql,
        "INSERT INTO \"APP\".\"DOC\" (\"ID\", \"NOTE\", \"BODY\", \"META\", \"AREA\") VALUES \
         (:1, :2, CASE WHEN :3 IS NULL THEN NULL ELSE XMLTYPE(:4) END, \
         CASE WHEN :5 IS NULL THEN NULL ELSE JSON(:6) END, \
         CASE WHEN :7 IS NULL THEN NULL ELSE SDO_GEOMETRY(:8, :9) END)"
    );
    // The NULL flags and the SRID are numbers: the driver cannot set an integer into a CLOB
    // bind (oracle 0.6 `SqlValue::set_i64` refuses a LOB's native type).
    assert_eq!(
        plan.slots,
        vec![
            Slot::Number,
            Slot::Varchar(40),
            Slot::Int,
            Slot::Clob,
            Slot::Int,
            Slot::Clob,
            Slot::Int,
            Slot::Clob,
            Slot::Int,
        ]
    );
    // Each column still takes its value from its place in the feed.
    let indexes: Vec<usize> = plan.columns.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [0, 4, 1, 2, 3]);
    let merge = TablePlan::new(&t, &cols, &["ID".to_string()], LoadMode::Merge).unwrap();
    assert!(merge.sql.starts_with(
        "MERGE INTO \"APP\".\"DOC\" d USING (SELECT :1 \"ID\", :2 \"NOTE\", CASE WHEN :3 IS \
         NULL THEN NULL ELSE XMLTYPE(:4) END \"BODY\","
    ));
    assert!(merge.by_row.is_none());
    let geo = &t.columns[3];
    assert_eq!(
        bind(&Value::Text("SRID=4326;POINT(1 2)".into()), geo).unwrap(),
        ["int 1", "text POINT(1 2)", "int 4326"]
    );
    assert_eq!(
        bind(&Value::Text("POINT(1 2)".into()), geo).unwrap(),
        ["int 1", "text POINT(1 2)", "NULL"]
    );
    assert_eq!(bind(&Value::Null, geo).unwrap(), ["NULL", "NULL", "NULL"]);
    assert!(bind(&Value::Text("SRID=x;POINT(1 2)".into()), geo).is_err());
    assert_eq!(
        bind(&Value::Text("<a/>".into()), &t.columns[1]).unwrap(),
        ["int 1", "text <a/>"]
    );
    assert!(bind(&Value::Int(1), &t.columns[2]).is_err());
}

#[test]
fn lob_and_long_binds_come_after_every_other_bind() {
    let t = Table::test(
        "APP",
        "NOTES",
        vec![
            Column::test("ID", "NUMBER(10)", number(10, 0)),
            Column::test(
                "BODY",
                "CLOB",
                NeutralType::Lob {
                    lob: LobKind::Character,
                },
            ),
            Column::test("TITLE", "VARCHAR2(4000 CHAR)", varchar(4000)),
            Column::test(
                "SCAN",
                "BLOB",
                NeutralType::Lob {
                    lob: LobKind::Binary,
                },
            ),
            Column::test(
                "CODE",
                "RAW(16)",
                NeutralType::Binary {
                    length: Some(16),
                    fixed: false,
                },
            ),
            Column::test(
                "WIDE",
                "NCLOB",
                NeutralType::Lob {
                    lob: LobKind::National,
                },
            ),
        ],
    );
    let cols: Vec<&Column> = t.columns.iter().collect();
    let plan = TablePlan::new(&t, &cols, &[], LoadMode::Insert).unwrap();
    assert_eq!(
        plan.sql,
        "INSERT INTO \"APP\".\"NOTES\" (\"ID\", \"TITLE\", \"CODE\", \"BODY\", \"SCAN\", \"WIDE\") \
         VALUES (:1, :2, :3, :4, :5, :6)"
    );
    assert_eq!(
        plan.slots,
        vec![
            Slot::Number,
            Slot::Varchar(256),
            Slot::Raw(16),
            Slot::Clob,
            Slot::Blob,
            Slot::NClob,
        ]
    );
    let first_large = plan.slots.iter().position(Slot::is_large).unwrap();
    assert!(plan.slots[first_large..].iter().all(Slot::is_large));
    let merge = TablePlan::new(&t, &cols, &["ID".to_string()], LoadMode::Merge).unwrap();
    assert_eq!(
        merge.sql,
        "MERGE INTO \"APP\".\"NOTES\" d USING (SELECT :1 \"ID\", :2 \"TITLE\", :3 \"CODE\", \
         :4 \"BODY\", :5 \"SCAN\", :6 \"WIDE\" FROM DUAL) s ON (d.\"ID\" = s.\"ID\") WHEN MATCHED \
         THEN UPDATE SET d.\"TITLE\" = s.\"TITLE\", d.\"CODE\" = s.\"CODE\", d.\"BODY\" = s.\"BODY\", \
         d.\"SCAN\" = s.\"SCAN\", d.\"WIDE\" = s.\"WIDE\" WHEN NOT MATCHED THEN INSERT (\"ID\", \
         \"TITLE\", \"CODE\", \"BODY\", \"SCAN\", \"WIDE\") VALUES (s.\"ID\", s.\"TITLE\", s.\"CODE\", \
         s.\"BODY\", s.\"SCAN\", s.\"WIDE\")"
    );
}

#[test]
fn a_merge_that_binds_a_long_updates_then_inserts_row_by_row() {
    let t = Table::test(
        "APP",
        "LEGACY",
        vec![
            Column::test(
                "NOTE",
                "LONG",
                NeutralType::Lob {
                    lob: LobKind::Character,
                },
            ),
            Column::test("ID", "NUMBER(10)", number(10, 0)),
            Column::test("NAME", "VARCHAR2(10 CHAR)", varchar(10)),
        ],
    );
    let cols: Vec<&Column> = t.columns.iter().collect();
    let plan = TablePlan::new(&t, &cols, &["ID".to_string()], LoadMode::Merge).unwrap();
    assert_eq!(
        plan.sql,
        "INSERT INTO \"APP\".\"LEGACY\" (\"ID\", \"NAME\", \"NOTE\") VALUES (:1, :2, :3)"
    );
    assert_eq!(
        plan.slots,
        vec![Slot::Number, Slot::Varchar(40), Slot::Long]
    );
    let by_row = plan.by_row.as_ref().unwrap();
    assert_eq!(
        by_row.sql,
        "UPDATE \"APP\".\"LEGACY\" SET \"NAME\" = :1, \"NOTE\" = :2 WHERE \"ID\" = :3"
    );
    assert_eq!(
        by_row.slots,
        vec![Slot::Varchar(40), Slot::Long, Slot::Number]
    );
    // The plan's columns are ID, NAME, NOTE: the UPDATE binds NAME, NOTE, then ID.
    assert_eq!(by_row.order, [1, 2, 0]);
    // LONG RAW too; a plain insert of a LONG stays one array INSERT.
    let insert = TablePlan::new(&t, &cols, &[], LoadMode::Insert).unwrap();
    assert!(insert.by_row.is_none());
    assert_eq!(
        update_sql(
            "\"S\".\"T\"",
            &[("\"A\"".to_string(), ":1".to_string())],
            &[
                ("\"K\"".to_string(), ":2".to_string()),
                ("\"L\"".to_string(), ":3".to_string())
            ]
        ),
        "UPDATE \"S\".\"T\" SET \"A\" = :1 WHERE \"K\" = :2 AND \"L\" = :3"
    );
}

#[test]
fn a_merge_key_missing_from_the_extract_and_bfile_columns_are_refused_up_front() {
    let t = Table::test(
        "APP",
        "F",
        vec![
            Column::test("ID", "NUMBER", number(10, 0)),
            Column::test("SCAN", "BFILE", NeutralType::Lob { lob: LobKind::File }),
        ],
    );
    let cols: Vec<&Column> = t.columns.iter().collect();
    let err = TablePlan::new(&t, &cols, &[], LoadMode::Insert)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("column SCAN (BFILE)"), "{err}");
    let only_id: Vec<&Column> = cols[..1].to_vec();
    let err = TablePlan::new(&t, &only_id, &["CODE".to_string()], LoadMode::Merge)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("lacks CODE"), "{err}");
}

#[test]
fn ddl_for_keys_triggers_identities_sequences_and_records() {
    let t = Table::test("APP", "ORDER", Vec::new());
    assert_eq!(
        lock_table_sql(&t),
        r#"LOCK TABLE "APP"."ORDER" IN EXCLUSIVE MODE"#
    );
    assert_eq!(count_sql(&t), r#"SELECT COUNT(*) FROM "APP"."ORDER""#);
    assert_eq!(
        disable_constraint_sql(&t, "FK_1"),
        r#"ALTER TABLE "APP"."ORDER" DISABLE CONSTRAINT "FK_1""#
    );
    assert_eq!(
        enable_constraint_sql(&t, "FK_1", true),
        r#"ALTER TABLE "APP"."ORDER" ENABLE VALIDATE CONSTRAINT "FK_1""#
    );
    assert_eq!(
        enable_constraint_sql(&t, "FK_1", false),
        r#"ALTER TABLE "APP"."ORDER" ENABLE NOVALIDATE CONSTRAINT "FK_1""#
    );
    assert_eq!(
        triggers_sql(&t, false),
        r#"ALTER TABLE "APP"."ORDER" DISABLE ALL TRIGGERS"#
    );
    assert_eq!(
        triggers_sql(&t, true),
        r#"ALTER TABLE "APP"."ORDER" ENABLE ALL TRIGGERS"#
    );
    assert_eq!(
        enable_trigger_sql("APP", "ORDER_BI"),
        r#"ALTER TRIGGER "APP"."ORDER_BI" ENABLE"#
    );
    assert_eq!(
        identity_sql(&t, "ID", Generation::ByDefault, false),
        r#"ALTER TABLE "APP"."ORDER" MODIFY ("ID" GENERATED BY DEFAULT AS IDENTITY)"#
    );
    assert_eq!(
        identity_sql(&t, "ID", Generation::Always, false),
        r#"ALTER TABLE "APP"."ORDER" MODIFY ("ID" GENERATED ALWAYS AS IDENTITY)"#
    );
    assert_eq!(
        identity_sql(&t, "ID", Generation::ByDefaultOnNull, true),
        r#"ALTER TABLE "APP"."ORDER" MODIFY ("ID" GENERATED BY DEFAULT ON NULL AS IDENTITY (START WITH LIMIT VALUE))"#
    );
    assert_eq!(Generation::of("ALWAYS", Some("NO")), Generation::Always);
    assert_eq!(
        Generation::of("BY DEFAULT", Some("YES")),
        Generation::ByDefaultOnNull
    );
    assert_eq!(Generation::of("BY DEFAULT", None), Generation::ByDefault);
    let seq = ObjectKey::new("APP", "ORDER_SEQ", ObjectKind::Sequence);
    assert_eq!(
        sequence_restart_sql(&seq, 1001),
        r#"ALTER SEQUENCE "APP"."ORDER_SEQ" RESTART START WITH 1001"#
    );
    assert_eq!(
        sequence_increment_sql(&seq, -40),
        r#"ALTER SEQUENCE "APP"."ORDER_SEQ" INCREMENT BY -40"#
    );
    assert_eq!(
        nextval_sql(&seq),
        r#"SELECT "APP"."ORDER_SEQ".NEXTVAL FROM DUAL"#
    );
    assert_eq!(
        extreme_sql(&t, "ID", true),
        r#"SELECT MAX("ID") FROM "APP"."ORDER""#
    );
    assert_eq!(delete_sql(&t), r#"DELETE FROM "APP"."ORDER""#);
    assert_eq!(count_sql(&t), r#"SELECT COUNT(*) FROM "APP"."ORDER""#);
    assert_eq!(
        history_ddl(),
        "CREATE TABLE dbsub_ingest_history (TABLE_NAME VARCHAR2(512) PRIMARY KEY, \
         EXTRACT_NAME CLOB NOT NULL, ROW_COUNT NUMBER(20) NOT NULL, \
         LOADED_AT VARCHAR2(64) NOT NULL, RECORD CLOB NOT NULL)"
    );
    assert_eq!(
        history_insert_sql(),
        "INSERT INTO dbsub_ingest_history (TABLE_NAME, EXTRACT_NAME, ROW_COUNT, LOADED_AT, \
         RECORD) VALUES (:1, :2, :3, :4, :5)"
    );
    assert_eq!(
        history_delete_sql(),
        "DELETE FROM dbsub_ingest_history WHERE TABLE_NAME = :1"
    );
    assert_eq!(
        history_select_sql(),
        "SELECT TABLE_NAME, RECORD FROM dbsub_ingest_history ORDER BY TABLE_NAME"
    );
    assert_eq!(
        history_record_sql(),
        "SELECT RECORD FROM dbsub_ingest_history WHERE TABLE_NAME = :1"
    );
}

/// A delta's deletes: each key's values bound by position, typed by their columns as a load
/// binds them (a DATE through its conversion), never written into the statement.
#[test]
fn a_deltas_deletes_bind_each_key_by_its_columns() {
    let t = Table::test(
        "APP",
        "ORDER",
        vec![
            Column::test("ID", "NUMBER(10)", number(10, 0)),
            Column::test("CODE", "VARCHAR2(30 CHAR)", varchar(30)),
            Column::test("NOTE", "VARCHAR2(10 CHAR)", varchar(10)),
        ],
    );
    let key: Vec<&Column> = t.columns[..2].iter().collect();
    let plan = TablePlan::delete_by_key(&t, &key).unwrap();
    assert_eq!(
        plan.sql,
        r#"DELETE FROM "APP"."ORDER" WHERE "ID" = :1 AND "CODE" = :2"#
    );
    assert_eq!(plan.slots.len(), 2);
    // A value that would end a literal is bound as it is.
    let code = Value::Text("O'Brien'; --".into());
    assert!(plan.columns[0].bind(&Value::Int(7)).is_ok());
    assert!(plan.columns[1].bind(&code).is_ok());
    assert!(!plan.sql.contains("O'Brien"));
}

#[test]
fn orphans_are_counted_with_oracle_sql() {
    let child = Table::test("APP", "LINE", Vec::new());
    let parent = Table::test("APP", "ORDER", Vec::new());
    assert_eq!(
        crate::db::sql::orphans_sql(
            &qualified(&child),
            &["ORDER_ID".to_string()],
            &qualified(&parent),
            &["ID".to_string()]
        ),
        r#"SELECT count(*) FROM "APP"."LINE" c WHERE c."ORDER_ID" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "APP"."ORDER" p WHERE p."ID" = c."ORDER_ID")"#
    );
}

#[test]
fn numbers_bind_exactly_and_refuse_what_does_not_fit() {
    let dec = Column::test("AMOUNT", "NUMBER(38,10)", number(38, 10));
    let int = Column::test("QTY", "NUMBER(10)", NeutralType::Integer { bits: 32 });
    let flag = Column::test("ACTIVE", "NUMBER(1)", NeutralType::Boolean);
    let boolean = Column::test("ACTIVE", "BOOLEAN", NeutralType::Boolean);
    let float = Column::test(
        "RATE",
        "BINARY_DOUBLE",
        NeutralType::Float { bits: Some(53) },
    );
    let long_decimal = "12345678901234567890123456.0123456789";
    assert_eq!(
        bind_one(Value::Decimal(long_decimal.into()), &dec).unwrap(),
        format!("number {long_decimal}")
    );
    assert_eq!(bind_one(Value::Int(-7), &dec).unwrap(), "int -7");
    assert_eq!(bind_one(Value::Float(0.1), &dec).unwrap(), "number 0.1");
    assert!(
        bind_one(Value::Float(f64::NAN), &dec)
            .unwrap_err()
            .contains("BINARY_DOUBLE")
    );
    assert_eq!(bind_one(Value::Int(5), &int).unwrap(), "int 5");
    assert_eq!(
        bind_one(Value::Decimal("42".into()), &int).unwrap(),
        "int 42"
    );
    assert!(bind_one(Value::Decimal("4.2".into()), &int).is_err());
    assert_eq!(bind_one(Value::Bool(true), &flag).unwrap(), "int 1");
    assert_eq!(
        bind_one(Value::Bool(false), &boolean).unwrap(),
        "bool false"
    );
    assert_eq!(bind_one(Value::Int(1), &boolean).unwrap(), "bool true");
    assert!(bind_one(Value::Int(2), &boolean).is_err());
    assert_eq!(bind_one(Value::Float(2.5), &float).unwrap(), "double 2.5");
    assert_eq!(bind_one(Value::Int(3), &float).unwrap(), "double 3");
    assert!(bind_one(Value::Int(i64::MAX), &float).is_err());
    assert_eq!(
        bind_one(Value::Decimal("1.25".into()), &float).unwrap(),
        "double 1.25"
    );
    assert_eq!(bind_one(Value::Null, &dec).unwrap(), "NULL");
    // Values of another kind: refused, naming what they are.
    let err = bind_one(Value::Bytes(vec![1u8].into()), &dec).unwrap_err();
    assert!(err.starts_with("binary data cannot be stored"), "{err}");
    assert!(bind_one(Value::Text("1".into()), &int).is_err());
    assert!(bind_one(Value::Date(Date::new(2024, 1, 1).unwrap()), &float).is_err());
}

#[test]
fn text_and_binary_bind_by_their_native_types() {
    let cases = [
        ("VARCHAR2(10 CHAR)", varchar(10), Slot::Varchar(40)),
        (
            "VARCHAR2(4000)",
            NeutralType::Text {
                length: Some(4000),
                semantics: LengthSemantics::Byte,
                fixed: false,
            },
            Slot::Varchar(256),
        ),
        (
            "CHAR(3)",
            NeutralType::Text {
                length: Some(3),
                semantics: LengthSemantics::Byte,
                fixed: true,
            },
            Slot::Char(3),
        ),
        (
            "NVARCHAR2(20)",
            NeutralType::NationalText {
                length: Some(20),
                fixed: false,
            },
            Slot::NVarchar(80),
        ),
        (
            "NCHAR(2)",
            NeutralType::NationalText {
                length: Some(2),
                fixed: true,
            },
            Slot::NChar(8),
        ),
        (
            "CLOB",
            NeutralType::Lob {
                lob: LobKind::Character,
            },
            Slot::Clob,
        ),
        (
            "CLOB",
            NeutralType::Text {
                length: None,
                semantics: LengthSemantics::Char,
                fixed: false,
            },
            Slot::Clob,
        ),
        (
            "NCLOB",
            NeutralType::Lob {
                lob: LobKind::National,
            },
            Slot::NClob,
        ),
        (
            "RAW(16)",
            NeutralType::Binary {
                length: Some(16),
                fixed: false,
            },
            Slot::Raw(16),
        ),
        (
            "BLOB",
            NeutralType::Lob {
                lob: LobKind::Binary,
            },
            Slot::Blob,
        ),
        ("RAW(16)", NeutralType::Uuid, Slot::Raw(16)),
        ("VARCHAR2(36)", NeutralType::Uuid, Slot::Varchar(36)),
        ("CLOB", NeutralType::Json, Slot::Clob),
        ("BLOB", NeutralType::Json, Slot::Blob),
        ("UROWID", NeutralType::RowId, Slot::Varchar(64)),
        ("MONEY", NeutralType::Other, Slot::Varchar(64)),
    ];
    for (native, neutral, slot) in cases {
        let c = Column::test("C", native, neutral.clone());
        assert_eq!(
            plan_column(&c),
            Ok((slot, Wrap::Plain)),
            "{native} {neutral:?}"
        );
    }
    let text = Column::test("NAME", "VARCHAR2(10 CHAR)", varchar(10));
    assert_eq!(
        bind_one(Value::Text("Zoë".into()), &text).unwrap(),
        "text Zoë"
    );
    assert!(bind_one(Value::Int(3), &text).is_err());
    let raw = Column::test(
        "H",
        "RAW(4)",
        NeutralType::Binary {
            length: Some(4),
            fixed: false,
        },
    );
    assert_eq!(
        bind_one(Value::Bytes(vec![0u8, 255].into()), &raw).unwrap(),
        "bytes [0, 255]"
    );
    assert!(bind_one(Value::Text("00ff".into()), &raw).is_err());
    let uuid = Column::test("U", "RAW(16)", NeutralType::Uuid);
    assert_eq!(
        bind_one(
            Value::Text("00010203-0405-0607-0809-0a0b0c0d0e0f".into()),
            &uuid
        )
        .unwrap(),
        "bytes [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]"
    );
    assert!(bind_one(Value::Text("not-a-uuid".into()), &uuid).is_err());
    let json_blob = Column::test("J", "BLOB", NeutralType::Json);
    assert_eq!(
        bind_one(Value::Text("{}".into()), &json_blob).unwrap(),
        "bytes [123, 125]"
    );
}

#[test]
fn dates_timestamps_and_intervals_bind_as_oracle_keeps_them() {
    let date = Column::test("D", "DATE", NeutralType::Timestamp { precision: Some(0) });
    let sql_date = Column::test("D", "DATE", NeutralType::Date);
    let ts = Column::test(
        "T",
        "TIMESTAMP(6)",
        NeutralType::Timestamp { precision: Some(6) },
    );
    let tstz = Column::test(
        "Z",
        "TIMESTAMP(6) WITH TIME ZONE",
        NeutralType::TimestampTz {
            precision: Some(6),
            local: false,
        },
    );
    assert_eq!(plan_column(&date).unwrap().0, Slot::Date);
    assert_eq!(plan_column(&sql_date).unwrap().0, Slot::Date);
    assert_eq!(plan_column(&ts).unwrap().0, Slot::Timestamp);
    assert_eq!(
        bind_one(Value::Timestamp(dt(2024, 2, 29, 23, 59, 58, 0)), &date).unwrap(),
        "ts 2024-2-29 23:59:58.0 +0:0"
    );
    assert!(
        bind_one(Value::Timestamp(dt(2024, 2, 29, 23, 59, 58, 5)), &date)
            .unwrap_err()
            .contains("whole seconds")
    );
    assert_eq!(
        bind_one(Value::Date(Date::new(2024, 1, 2).unwrap()), &sql_date).unwrap(),
        "ts 2024-1-2 0:0:0.0 +0:0"
    );
    // Year 0 is 1 BC, which Oracle writes -1.
    assert_eq!(
        bind_one(Value::Date(Date::new(-43, 3, 15).unwrap()), &sql_date).unwrap(),
        "ts -44-3-15 0:0:0.0 +0:0"
    );
    assert!(
        bind_one(Value::Date(Date::new(10000, 1, 1).unwrap()), &sql_date)
            .unwrap_err()
            .contains("9999")
    );
    assert_eq!(
        bind_one(Value::Timestamp(dt(2024, 1, 2, 3, 4, 5, 123_456_000)), &ts).unwrap(),
        "ts 2024-1-2 3:4:5.123456000 +0:0"
    );
    assert_eq!(
        bind_one(
            Value::TimestampTz(dt(2024, 1, 2, 3, 4, 5, 0), -(5 * 3600 + 30 * 60)),
            &tstz
        )
        .unwrap(),
        "ts 2024-1-2 3:4:5.0 -5:-30"
    );
    assert!(
        bind_one(Value::TimestampTz(dt(2024, 1, 2, 3, 4, 5, 0), 61), &tstz)
            .unwrap_err()
            .contains("whole minutes")
    );
    assert!(bind_one(Value::Timestamp(dt(2024, 1, 2, 3, 4, 5, 0)), &tstz).is_err());
    assert!(bind_one(Value::TimestampTz(dt(2024, 1, 2, 3, 4, 5, 0), 0), &ts).is_err());

    let ds = Column::test(
        "I",
        "INTERVAL DAY(9) TO SECOND(9)",
        NeutralType::Interval {
            fields: IntervalFields::DayToSecond,
            leading_precision: Some(9),
            fractional_precision: Some(9),
        },
    );
    let ym = Column::test(
        "Y",
        "INTERVAL YEAR(2) TO MONTH",
        NeutralType::Interval {
            fields: IntervalFields::YearToMonth,
            leading_precision: Some(2),
            fractional_precision: None,
        },
    );
    let time = Column::test(
        "AT",
        "INTERVAL DAY(0) TO SECOND(6)",
        NeutralType::Time { precision: Some(6) },
    );
    let iv = |months, days, nanos| {
        Value::Interval(Interval {
            months,
            days,
            nanos,
        })
    };
    assert_eq!(
        bind_one(iv(0, 1, 3_723_000_000_001), &ds).unwrap(),
        "ds 1 1:2:3.1"
    );
    // Days and time of opposite signs become one signed interval.
    assert_eq!(
        bind_one(iv(0, -1, 3_600_000_000_000), &ds).unwrap(),
        "ds 0 -23:0:0.0"
    );
    assert!(bind_one(iv(1, 0, 0), &ds).unwrap_err().contains("months"));
    assert_eq!(bind_one(iv(-14, 0, 0), &ym).unwrap(), "ym -1--2");
    assert!(bind_one(iv(0, 1, 0), &ym).unwrap_err().contains("days"));
    assert_eq!(
        bind_one(Value::Time(Time::new(13, 5, 9, 500).unwrap()), &time).unwrap(),
        "ds 0 13:5:9.500"
    );
}

#[test]
fn batch_failures_name_the_row_the_column_and_the_remedy() {
    let numbers = vec!["AMOUNT NUMBER(5,2)".to_string()];
    let m = row_failure(
        "\"APP\".\"T\"",
        &numbers,
        12899,
        "ORA-12899: value too large for column \"APP\".\"T\".\"NAME\" (actual: 12, maximum: 10)",
        1235,
        Some(765),
        0,
    );
    assert!(
        m.starts_with(
            "the row 765 rows before this one, in the batch sent here (row 1235 of \"APP\".\"T\""
        ),
        "{m}"
    );
    assert!(m.contains("column NAME: the value is longer"), "{m}");
    assert!(m.contains("widen the column"), "{m}");
    let m = row_failure(
        "\"APP\".\"T\"",
        &numbers,
        1438,
        "ORA-01438: value larger than specified precision allowed for this column",
        7,
        None,
        2,
    );
    assert!(m.starts_with("row 7 of \"APP\".\"T\""), "{m}");
    assert!(m.contains("AMOUNT NUMBER(5,2)"), "{m}");
    assert!(
        m.ends_with("; 2 more rows of the same batch failed too"),
        "{m}"
    );
    let m = row_failure(
        "\"APP\".\"T\"",
        &[],
        2291,
        "ORA-02291: integrity constraint (APP.T_FK) violated - parent key not found",
        1,
        Some(0),
        0,
    );
    assert!(m.starts_with("this row (row 1 of"), "{m}");
    assert!(m.contains("load the parent table first"), "{m}");
    assert_eq!(
        constraint_in(
            "ORA-02292: integrity constraint (APP.LINE_ORDER_FK) violated - child record found"
        ),
        Some(("APP", "LINE_ORDER_FK"))
    );
    assert_eq!(
        quoted_names("ORA-01400: cannot insert NULL into (\"APP\".\"T\".\"ID\")"),
        ["APP", "T", "ID"]
    );
}

#[test]
fn a_key_that_does_not_validate_is_named_with_its_orphans_and_left_disabled() {
    let t = Table::test("APP", "LINE", Vec::new());
    let m = not_validated(
        &t,
        "LINE_ORDER_FK",
        "ORA-02298: cannot validate (APP.LINE_ORDER_FK) - parent keys not found",
        Some(3),
    );
    assert_eq!(
        m,
        "foreign key \"APP\".\"LINE\".LINE_ORDER_FK did not validate (3 rows of LINE have no \
         parent): ORA-02298: cannot validate (APP.LINE_ORDER_FK) - parent keys not found; it \
         is left DISABLED and no row was deleted: load the missing parent rows (or fix the \
         rows yourself), then run ALTER TABLE \"APP\".\"LINE\" ENABLE VALIDATE CONSTRAINT \
         \"LINE_ORDER_FK\""
    );
}

#[test]
fn sequences_come_from_the_triggers_dependencies_and_the_single_numeric_key() {
    let mut orders = Table::test(
        "APP",
        "ORDERS",
        vec![
            Column::test(
                "ID",
                "NUMBER",
                NeutralType::Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            Column::test("NAME", "VARCHAR2(10)", varchar(10)),
        ],
    );
    orders.primary_key = Some(Key {
        name: None,
        columns: vec!["ID".into()],
    });
    orders.foreign_keys.push(ForeignKey {
        name: "FK".into(),
        columns: vec!["NAME".into()],
        ref_schema: "APP".into(),
        ref_table: "X".into(),
        ref_columns: vec!["N".into()],
        on_delete: Default::default(),
        on_update: Default::default(),
        deferrable: false,
        initially_deferred: false,
        enabled: true,
    });
    let trigger = |name: &str, on: &str| Trigger {
        schema: "APP".into(),
        name: name.into(),
        table_schema: "APP".into(),
        table_name: on.into(),
        timing: "BEFORE".into(),
        events: vec!["INSERT".into()],
        for_each_row: true,
        enabled: true,
        source: String::new(),
    };
    let seq = |name: &str| ObjectKey::new("APP", name, ObjectKind::Sequence);
    let catalog = Catalog {
        triggers: vec![trigger("ORDERS_BI", "ORDERS"), trigger("OTHER_BI", "OTHER")],
        dependencies: vec![
            Dependency {
                from: ObjectKey::new("APP", "ORDERS.ORDERS_BI", ObjectKind::Trigger),
                to: seq("ORDERS_SEQ"),
            },
            Dependency {
                from: ObjectKey::new("APP", "ORDERS.ORDERS_BI", ObjectKind::Trigger),
                to: ObjectKey::table("APP", "AUDIT"),
            },
            Dependency {
                from: ObjectKey::new("APP", "OTHER.OTHER_BI", ObjectKind::Trigger),
                to: seq("OTHER_SEQ"),
            },
        ],
        ..Catalog::default()
    };
    assert_eq!(
        trigger_sequences(&catalog, &orders),
        vec![seq("ORDERS_SEQ")]
    );
    assert_eq!(single_numeric_key(&orders), Some("ID"));
    orders.primary_key = Some(Key {
        name: None,
        columns: vec!["NAME".into()],
    });
    assert_eq!(single_numeric_key(&orders), None);
}

/// Every value kind against every neutral type: a value binds exactly when the feed's
/// `fits` accepts it, except where listed (and BFILE, which no value loads into).
#[test]
fn every_value_kind_binds_where_it_fits_and_is_refused_where_it_does_not() {
    use NeutralType as N;
    let targets: Vec<(&str, NeutralType)> = vec![
        ("NUMBER(1)", N::Boolean),
        ("BOOLEAN", N::Boolean),
        ("NUMBER(10)", N::Integer { bits: 32 }),
        ("NUMBER(38,10)", number(38, 10)),
        ("BINARY_DOUBLE", N::Float { bits: Some(53) }),
        ("VARCHAR2(100 CHAR)", varchar(100)),
        (
            "NVARCHAR2(100)",
            N::NationalText {
                length: Some(100),
                fixed: false,
            },
        ),
        (
            "RAW(16)",
            N::Binary {
                length: Some(16),
                fixed: false,
            },
        ),
        ("DATE", N::Date),
        (
            "INTERVAL DAY(0) TO SECOND(9)",
            N::Time { precision: Some(9) },
        ),
        ("DATE", N::Timestamp { precision: Some(0) }),
        ("TIMESTAMP(9)", N::Timestamp { precision: Some(9) }),
        (
            "TIMESTAMP(9) WITH TIME ZONE",
            N::TimestampTz {
                precision: Some(9),
                local: false,
            },
        ),
        (
            "INTERVAL YEAR(9) TO MONTH",
            N::Interval {
                fields: IntervalFields::YearToMonth,
                leading_precision: Some(9),
                fractional_precision: None,
            },
        ),
        (
            "INTERVAL DAY(9) TO SECOND(9)",
            N::Interval {
                fields: IntervalFields::DayToSecond,
                leading_precision: Some(9),
                fractional_precision: Some(9),
            },
        ),
        (
            "CLOB",
            N::Lob {
                lob: LobKind::Character,
            },
        ),
        (
            "NCLOB",
            N::Lob {
                lob: LobKind::National,
            },
        ),
        (
            "BLOB",
            N::Lob {
                lob: LobKind::Binary,
            },
        ),
        ("JSON", N::Json),
        ("RAW(16)", N::Uuid),
        ("XMLTYPE", N::Xml),
        ("SDO_GEOMETRY", N::Spatial { srid: Some(4326) }),
        ("UROWID", N::RowId),
        ("ANYDATA", N::Other),
    ];
    let values: Vec<Value<'static>> = vec![
        Value::Null,
        Value::Bool(true),
        Value::Int(1),
        Value::Decimal("1".into()),
        Value::Float(1.0),
        Value::Text("00010203-0405-0607-0809-0a0b0c0d0e0f".into()),
        Value::Bytes(vec![0u8, 1].into()),
        Value::Date(Date::new(2024, 1, 2).unwrap()),
        Value::Time(Time::new(1, 2, 3, 0).unwrap()),
        Value::Timestamp(dt(2024, 1, 2, 0, 0, 0, 0)),
        Value::TimestampTz(dt(2024, 1, 2, 3, 4, 5, 0), 3600),
        Value::Interval(Interval {
            months: 0,
            days: 1,
            nanos: 5,
        }),
    ];
    // Where binding is stricter than `fits`: a day interval has no year-to-month form,
    // and a type dbsub does not map takes text only.
    let stricter = |native: &str, value: &Value<'_>| {
        (native == "INTERVAL YEAR(9) TO MONTH" && matches!(value, Value::Interval(_)))
            || (native == "ANYDATA" && !matches!(value, Value::Null | Value::Text(_)))
    };
    // Where binding is looser: the feed refuses these before they are bound.
    let looser = |native: &str, value: &Value<'_>| {
        (native == "NUMBER(38,10)" && matches!(value, Value::Float(_)))
            || (native == "NUMBER(1)" && matches!(value, Value::Decimal(_)))
    };
    let mut wrong = Vec::new();
    for (native, neutral) in &targets {
        let c = Column::test("C", native, neutral.clone());
        for value in &values {
            let bound = bind(value, &c);
            let fits = crate::model::fit::fits(value, neutral).is_ok();
            let expected = if stricter(native, value) {
                false
            } else if looser(native, value) {
                true
            } else {
                fits
            };
            if bound.is_ok() != expected {
                wrong.push(format!("{} into {native}: {bound:?}", value_kind(value)));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // No value goes into a BFILE.
    let bfile = Column::test("C", "BFILE", N::Lob { lob: LobKind::File });
    assert!(values.iter().all(|v| bind(v, &bfile).is_err()));
}

#[test]
fn native_names_lose_precision_and_owner() {
    assert_eq!(native_name("timestamp(6) with time zone"), "TIMESTAMP");
    assert_eq!(native_name("MDSYS.SDO_GEOMETRY"), "SDO_GEOMETRY");
    assert_eq!(native_name("\"SYS\".\"XMLTYPE\""), "XMLTYPE");
    assert_eq!(native_name("LONG RAW"), "LONG RAW");
    assert_eq!(native_name("VARCHAR2(30 CHAR)"), "VARCHAR2");
}

#[test]
fn sequences_named_in_column_defaults_are_moved_past_the_loaded_values() {
    assert_eq!(
        nextval_sequence("\"APP\".\"ORDER_SEQ\".\"NEXTVAL\""),
        Some((Some("APP".into()), "ORDER_SEQ".into()))
    );
    assert_eq!(
        nextval_sequence(" order_seq.nextval "),
        Some((None, "ORDER_SEQ".into()))
    );
    assert_eq!(
        nextval_sequence("app . \"Mixed$Seq\" . NextVal"),
        Some((Some("APP".into()), "Mixed$Seq".into()))
    );
    assert_eq!(nextval_sequence("order_seq.currval"), None);
    assert_eq!(nextval_sequence("order_seq.nextval + 1"), None);
    assert_eq!(nextval_sequence("SYSDATE"), None);
    assert_eq!(nextval_sequence("'x.nextval'"), None);
    let mut id = Column::test("ID", "NUMBER(10)", number(10, 0));
    id.default = Some("\"APP\".\"ORDER_SEQ\".nextval".into());
    let mut line = Column::test("LINE_NO", "NUMBER", number(38, 0));
    line.default = Some("line_seq.NEXTVAL".into());
    let mut code = Column::test("CODE", "VARCHAR2(20)", varchar(20));
    code.default = Some("code_seq.nextval".into());
    let t = Table::test("SALES", "ORDERS", vec![id, line, code]);
    let found: Vec<(String, String, String)> = default_sequences(&t)
        .into_iter()
        .map(|(c, s)| (c, s.schema, s.name))
        .collect();
    assert_eq!(
        found,
        [
            ("ID".to_string(), "APP".to_string(), "ORDER_SEQ".to_string()),
            (
                "LINE_NO".to_string(),
                "SALES".to_string(),
                "LINE_SEQ".to_string()
            ),
        ]
    );
}

#[test]
fn a_merge_counts_the_locked_table_before_and_after_its_rows() {
    use std::cell::RefCell;
    // What the merge sends, in order: the lock and count of the table, the rows, the count.
    let sent = RefCell::new(Vec::new());
    let t = Table::test("APP", "ORDER", Vec::new());
    let mut lock_and_count = || {
        sent.borrow_mut().push(lock_table_sql(&t));
        sent.borrow_mut().push(count_sql(&t));
        Ok(100)
    };
    let mut load = || {
        sent.borrow_mut().push("the rows".to_string());
        Ok(10)
    };
    let mut count = || {
        sent.borrow_mut().push(count_sql(&t));
        Ok(103)
    };
    let counts = counted(
        LoadMode::Merge,
        "APP.ORDER",
        &mut lock_and_count,
        &mut load,
        &mut count,
    )
    .unwrap();
    assert_eq!(
        counts,
        Some(MergeCounts {
            inserted: 3,
            updated: 7
        })
    );
    assert_eq!(
        *sent.borrow(),
        [
            r#"LOCK TABLE "APP"."ORDER" IN EXCLUSIVE MODE"#,
            r#"SELECT COUNT(*) FROM "APP"."ORDER""#,
            "the rows",
            r#"SELECT COUNT(*) FROM "APP"."ORDER""#,
        ]
    );
    // A plain load only loads (its lock and emptiness check come before, refuse_occupied).
    sent.borrow_mut().clear();
    let counts = counted(
        LoadMode::Insert,
        "APP.ORDER",
        &mut lock_and_count,
        &mut load,
        &mut count,
    )
    .unwrap();
    assert_eq!(counts, None);
    assert_eq!(*sent.borrow(), ["the rows"]);
}
