//! Oracle, live: runs only when DBSUB_TEST_ORACLE_URL names a database (the GitHub Actions
//! workflow .github/workflows/oracle.yml sets it to a gvenzl/oracle-free service container).
//! The user it names must be allowed to create tables, views, sequences, triggers and code;
//! the whole-pipeline test also needs DBSUB_TEST_ORACLE_TARGET_URL, a second user (schema) to
//! migrate and load into. Each test drops what it creates first. When the variables are not
//! set, each test says so on stderr and passes without running.

mod common;

use std::collections::BTreeSet;

use common::{Workspace, stderr, stdout, success};

fn oracle_url() -> Option<String> {
    match std::env::var("DBSUB_TEST_ORACLE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!("Oracle live tests skipped: DBSUB_TEST_ORACLE_URL is not set");
            None
        }
    }
}

/// The tables of SEEDLOT's closure in the demo schema.
const CLOSURE: [&str; 13] = [
    "BEC_ZONE_CODE",
    "CLIENT_LOCATION",
    "CLIENT_STATUS_CODE",
    "CLIENT_TYPE_CODE",
    "FOREST_CLIENT",
    "GENETIC_CLASS_CODE",
    "ORCHARD",
    "ORCHARD_STAGE_CODE",
    "SEEDLOT",
    "SEEDLOT_AUDIT",
    "SEEDLOT_SOURCE_CODE",
    "SEEDLOT_STATUS_CODE",
    "VEGETATION_CODE",
];

/// The variables a dbsub child needs to find the client: `Workspace::dbsub` clears the
/// environment.
fn client_vars() -> Vec<(String, String)> {
    [
        "LD_LIBRARY_PATH",
        "DBSUB_ORACLE_CLIENT_LIB_DIR",
        "TNS_ADMIN",
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
    .collect()
}

fn connect(url: &str) -> oracle::Connection {
    let parsed = url::Url::parse(url).expect("DBSUB_TEST_ORACLE_URL is a URL");
    let connect_string = format!(
        "//{}:{}{}",
        parsed.host_str().unwrap_or_default(),
        parsed.port().unwrap_or(1521),
        parsed.path()
    );
    oracle::Connection::connect(
        parsed.username(),
        parsed.password().unwrap_or_default(),
        connect_string,
    )
    .expect("connect to DBSUB_TEST_ORACLE_URL")
}

#[test]
fn oracle_migrations_apply_to_a_live_database() {
    let Some(url) = oracle_url() else { return };
    let conn = connect(&url);
    for table in CLOSURE.iter().chain(&["DBSUB_SCHEMA_HISTORY"]) {
        // Dropping what an earlier run left; "does not exist" is fine.
        let _ = conn.execute(
            &format!("DROP TABLE {table} CASCADE CONSTRAINTS PURGE"),
            &[],
        );
    }

    let ws = Workspace::with_demo();
    let out = ws
        .dbsub_demo()
        .args([
            "create-migrations",
            "--seed-object",
            "SEEDLOT",
            "--dialect",
            "oracle",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws
        .dbsub(&[
            ("DBSUB_STRUCT_URL", &ws.demo_url()),
            ("DBSUB_TARGET_ORA", &url),
        ])
        .envs(client_vars())
        .args(["migrate", "--target", "ORA"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("4 migrations applied now"),
        "{}",
        stdout(&out)
    );

    let tables: BTreeSet<String> = conn
        .query_as::<String>(
            "SELECT table_name FROM user_tables WHERE table_name <> 'DBSUB_SCHEMA_HISTORY'",
            &[],
        )
        .unwrap()
        .map(|r| r.unwrap())
        .filter(|t| CLOSURE.contains(&t.as_str()))
        .collect();
    assert_eq!(tables.len(), CLOSURE.len(), "{tables:?}");
    let (fks,): (i64,) = conn
        .query_row_as(
            "SELECT COUNT(*) FROM user_constraints WHERE constraint_type = 'R' \
             AND table_name IN (SELECT table_name FROM user_tables)",
            &[],
        )
        .unwrap();
    assert!(fks >= 15, "{fks} foreign keys");

    // Again: nothing to do.
    let out = ws
        .dbsub(&[("DBSUB_TARGET_ORA", &url)])
        .envs(client_vars())
        .args(["migrate", "--target", "ORA"])
        .output()
        .unwrap();
    assert!(stdout(&out).starts_with("Up to date:"), "{}", stderr(&out));
}

/// The source schema of the whole-pipeline test: two tables in a foreign-key cycle, one with a
/// column of every type dbsub carries, a LONG table, a sequence filled by a trigger, a view and
/// a package (for the catalog walk).
const SOURCE_DDL: &[&str] = &[
    "CREATE TABLE DL_OWNER (ID NUMBER(10) CONSTRAINT DL_OWNER_PK PRIMARY KEY, \
     NAME VARCHAR2(60 CHAR) NOT NULL, FAVOURITE_ID NUMBER(10))",
    "CREATE TABLE DL_ITEM (ID NUMBER(10) CONSTRAINT DL_ITEM_PK PRIMARY KEY, \
     OWNER_ID NUMBER(10) NOT NULL CONSTRAINT DL_ITEM_OWNER_FK REFERENCES DL_OWNER, \
     N_EXACT NUMBER(38,10), N_FREE NUMBER, N_FLOAT FLOAT(126), BF BINARY_FLOAT, \
     BD BINARY_DOUBLE, C CHAR(3 BYTE), V VARCHAR2(100 CHAR), NC NCHAR(2), NV NVARCHAR2(50), \
     D DATE, TS TIMESTAMP(9), TSTZ TIMESTAMP(6) WITH TIME ZONE, \
     TSLTZ TIMESTAMP(6) WITH LOCAL TIME ZONE, IYM INTERVAL YEAR(4) TO MONTH, \
     IDS INTERVAL DAY(5) TO SECOND(6), R RAW(16), CL CLOB, NCL NCLOB, BL BLOB, X XMLTYPE)",
    "ALTER TABLE DL_OWNER ADD CONSTRAINT DL_OWNER_FAVOURITE_FK FOREIGN KEY (FAVOURITE_ID) \
     REFERENCES DL_ITEM",
    "CREATE TABLE DL_LEGACY (ID NUMBER(10) PRIMARY KEY, ITEM_ID NUMBER(10) NOT NULL \
     CONSTRAINT DL_LEGACY_ITEM_FK REFERENCES DL_ITEM, L LONG)",
    "CREATE SEQUENCE DL_SEQ START WITH 1",
    "CREATE OR REPLACE TRIGGER DL_ITEM_BI BEFORE INSERT ON DL_ITEM FOR EACH ROW \
     WHEN (NEW.ID IS NULL) BEGIN :NEW.ID := DL_SEQ.NEXTVAL; END;",
    "CREATE OR REPLACE VIEW DL_ITEM_V AS SELECT I.ID, I.V, O.NAME FROM DL_ITEM I \
     JOIN DL_OWNER O ON O.ID = I.OWNER_ID",
    "CREATE OR REPLACE PACKAGE DL_PKG AS FUNCTION ITEMS RETURN NUMBER; END DL_PKG;",
    "CREATE OR REPLACE PACKAGE BODY DL_PKG AS FUNCTION ITEMS RETURN NUMBER IS N NUMBER; \
     BEGIN SELECT COUNT(*) INTO N FROM DL_ITEM_V; RETURN N; END; END DL_PKG;",
];

/// Drops what [`SOURCE_DDL`] (or a load into a target) created; what is not there is fine.
fn drop_pipeline_objects(conn: &oracle::Connection) {
    for sql in [
        "DROP PACKAGE DL_PKG",
        "DROP TABLE DL_PLACE CASCADE CONSTRAINTS PURGE",
        "DROP VIEW DL_ITEM_V",
        "DROP TABLE DL_LEGACY CASCADE CONSTRAINTS PURGE",
        "DROP TABLE DL_ITEM CASCADE CONSTRAINTS PURGE",
        "DROP TABLE DL_OWNER CASCADE CONSTRAINTS PURGE",
        "DROP SEQUENCE DL_SEQ",
        "DROP TABLE DBSUB_SCHEMA_HISTORY PURGE",
        "DROP TABLE DBSUB_INGEST_HISTORY PURGE",
        "DROP TABLE \"dbsub_ingest_history\" PURGE",
    ] {
        let _ = conn.execute(sql, &[]);
    }
}

/// Every column of `table` as comparable text, rows in ID order: numbers with every digit,
/// date/time values with every fraction digit (zoned ones in UTC: a region name is carried as
/// its offset), LOBs and binary as hex digests.
fn table_text(conn: &oracle::Connection, table: &str) -> Vec<Vec<Option<String>>> {
    let columns: Vec<(String, String)> = conn
        .query_as::<(String, String)>(
            "SELECT COLUMN_NAME, DATA_TYPE FROM USER_TAB_COLUMNS WHERE TABLE_NAME = :1 \
             ORDER BY COLUMN_ID",
            &[&table],
        )
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let exprs: Vec<String> = columns
        .iter()
        .map(|(name, ty)| {
            let c = format!("\"{name}\"");
            match ty.as_str() {
                "DATE" => format!("TO_CHAR({c}, 'SYYYY-MM-DD HH24:MI:SS')"),
                t if t.contains("WITH TIME ZONE") || t.contains("LOCAL TIME ZONE") => format!(
                    "TO_CHAR(SYS_EXTRACT_UTC(CAST({c} AS TIMESTAMP(9) WITH TIME ZONE)), \
                     'SYYYY-MM-DD HH24:MI:SS.FF9')"
                ),
                t if t.starts_with("TIMESTAMP") => {
                    format!("TO_CHAR({c}, 'SYYYY-MM-DD HH24:MI:SS.FF9')")
                }
                "CLOB" | "NCLOB" => format!(
                    "RAWTOHEX(STANDARD_HASH(UTL_I18N.STRING_TO_RAW(DBMS_LOB.SUBSTR({c}, 4000, \
                     1), 'AL32UTF8'), 'SHA256')) || ':' || DBMS_LOB.GETLENGTH({c})"
                ),
                "BLOB" => format!(
                    "RAWTOHEX(STANDARD_HASH(DBMS_LOB.SUBSTR({c}, 2000, 1), 'SHA256')) || ':' || \
                     DBMS_LOB.GETLENGTH({c})"
                ),
                "XMLTYPE" => format!("XMLSERIALIZE(CONTENT {c} AS VARCHAR2(4000))"),
                "LONG" => "NULL".to_string(),
                "SDO_GEOMETRY" => format!(
                    "T.{c}.SDO_SRID || ';' || DBMS_LOB.SUBSTR(SDO_UTIL.TO_WKTGEOMETRY({c}), 4000, 1)"
                ),
                "RAW" => format!("RAWTOHEX({c})"),
                "BINARY_FLOAT" | "BINARY_DOUBLE" => format!("TO_CHAR({c}, 'TM9')"),
                _ => format!("TO_CHAR({c})"),
            }
        })
        .collect();
    // Object attributes (SDO_SRID) are reached through a table alias only.
    let sql = format!("SELECT {} FROM \"{table}\" T ORDER BY 1", exprs.join(", "));
    text_rows(conn, &sql, columns.len())
}

#[test]
fn the_whole_pipeline_carries_every_type_through_a_cycle() {
    let Some((url, target_url, source, target)) =
        live_pair("whole-pipeline test", drop_pipeline_objects)
    else {
        return;
    };
    for sql in SOURCE_DDL {
        source
            .execute(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // Owners first with no favourite, then items, then the favourites: the cycle closes.
    source
        .execute(
            "INSERT INTO DL_OWNER (ID, NAME) SELECT LEVEL, 'Owner ' || LEVEL || ' Ünïcödé 𝄞' \
             FROM DUAL CONNECT BY LEVEL <= 3",
            &[],
        )
        .unwrap();
    source
        .execute(
            "INSERT INTO DL_ITEM (OWNER_ID, N_EXACT, N_FREE, N_FLOAT, BF, BD, C, V, NC, NV, D, \
             TS, TSTZ, TSLTZ, IYM, IDS, R, CL, NCL, BL, X) VALUES (1, \
             1234567890123456789012345678.0123456789, -0.000000000000000000000000000001, \
             123456789012345678901234567890123456.78, 3.25, 1.0000000000000002, 'ab ', \
             '漢字 and ''quotes'', commas, \"double\"' || CHR(10) || 'new line', N'€', N'Ωmega', \
             DATE '0001-01-01', TIMESTAMP '9999-12-31 23:59:59.999999999', \
             TIMESTAMP '2024-07-14 14:30:00.123456 Europe/Paris', \
             TIMESTAMP '2000-02-29 12:00:00.5 -03:30', INTERVAL '-1234-11' YEAR(4) TO MONTH, \
             INTERVAL '-12345 23:59:59.999999' DAY(5) TO SECOND(6), HEXTORAW('00FF10'), \
             RPAD('x', 32000, 'long clob ') , N'nclob ✓', \
             UTL_RAW.CAST_TO_RAW(RPAD('b', 2000, 'b')), XMLTYPE('<a b=\"1\">x &amp; y</a>'))",
            &[],
        )
        .unwrap();
    source
        .execute(
            "INSERT INTO DL_ITEM (OWNER_ID, V, D) SELECT 2, 'second ' || LEVEL, \
             DATE '2020-01-01' + LEVEL FROM DUAL CONNECT BY LEVEL <= 4",
            &[],
        )
        .unwrap();
    source
        .execute(
            "UPDATE DL_OWNER SET FAVOURITE_ID = (SELECT MIN(ID) FROM DL_ITEM) WHERE ID = 1",
            &[],
        )
        .unwrap();
    source
        .execute(
            "INSERT INTO DL_LEGACY (ID, ITEM_ID, L) VALUES (1, (SELECT MIN(ID) FROM DL_ITEM), \
             'long text')",
            &[],
        )
        .unwrap();
    // SDO_GEOMETRY where Oracle Spatial is installed (the regular gvenzl images have it).
    let spatial = has_spatial(&source);
    if spatial {
        for sql in [
            "CREATE TABLE DL_PLACE (ID NUMBER(10) PRIMARY KEY, ITEM_ID NUMBER(10) NOT NULL \
             CONSTRAINT DL_PLACE_ITEM_FK REFERENCES DL_ITEM, G SDO_GEOMETRY)",
            "INSERT INTO DL_PLACE VALUES (1, (SELECT MIN(ID) FROM DL_ITEM), \
             SDO_GEOMETRY(2001, 4326, SDO_POINT_TYPE(-123.3656, 48.4284, NULL), NULL, NULL))",
            "INSERT INTO DL_PLACE VALUES (2, (SELECT MAX(ID) FROM DL_ITEM), \
             SDO_GEOMETRY('POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))'))",
        ] {
            source
                .execute(sql, &[])
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    } else {
        eprintln!("Oracle Spatial is not installed: SDO_GEOMETRY is not part of this run");
    }
    source.commit().unwrap();
    let mut seeds = vec!["DL_ITEM", "DL_LEGACY"];
    if spatial {
        seeds.push("DL_PLACE");
    }
    let seed_args: Vec<&str> = seeds.iter().flat_map(|s| ["--seed-object", *s]).collect();

    let ws = Workspace::empty();
    let classification = ws.path().join("classification.csv");
    std::fs::write(
        &classification,
        "TABLE NAME,COLUMN NAME,INFO SECURITY CLASS\nDL_OWNER,NAME,personal\n",
    )
    .unwrap();
    let vars = live_vars(&url, &target_url, &ws);
    let run = |args: &[&str]| {
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let out = ws.dbsub(&pairs).args(args).output().unwrap();
        success(&out, args)
    };

    // Analyse: the walk from DL_ITEM finds its parent (through the cycle), its trigger and the
    // sequence the trigger fills.
    let deps = run(&["show-deps", "--seed-object", "DL_ITEM", "--format", "json"]);
    for name in ["DL_OWNER", "DL_ITEM_BI", "DL_SEQ"] {
        assert!(deps.contains(name), "{name} not in {deps}");
    }
    run(&["catalog", "export", "--out", "catalog.json"]);
    let doctor = run(&["doctor"]);
    assert!(doctor.contains("AS OF SCN"), "{doctor}");

    // Migrate into the target schema.
    let mut args = vec!["create-migrations"];
    args.extend(&seed_args);
    args.extend(["--dialect", "oracle", "--migration-folder", "migrations"]);
    run(&args);
    run(&[
        "migrate",
        "--target",
        "ORA",
        "--migration-folder",
        "migrations",
    ]);

    // Extract (one SCN, recorded), ingest, verify.
    let mut args = vec!["extract", "ORA", "LIVE"];
    args.extend(&seed_args);
    args.extend(["--classification", classification.to_str().unwrap()]);
    let extract = run(&args);
    assert!(extract.contains("DL_ITEM"), "{extract}");
    let manifest = std::fs::read_to_string(
        std::fs::read_dir(ws.path().join("store/LIVE/ORA"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
            .join("manifest.json"),
    )
    .unwrap();
    assert!(manifest.contains("\"SCN\""), "{manifest}");
    run(&["ingest", "ORA", "LIVE"]);
    let verify = run(&["verify", "ORA"]);
    assert!(verify.contains("OK"), "{verify}");

    // Every value of every unmasked column travelled exactly.
    assert_eq!(
        table_text(&target, "DL_ITEM"),
        table_text(&source, "DL_ITEM")
    );
    assert_eq!(
        table_text(&target, "DL_LEGACY"),
        table_text(&source, "DL_LEGACY")
    );
    if spatial {
        assert_eq!(
            table_text(&target, "DL_PLACE"),
            table_text(&source, "DL_PLACE")
        );
    }
    let (long_text,): (String,) = target.query_row_as("SELECT L FROM DL_LEGACY", &[]).unwrap();
    assert_eq!(long_text, "long text");
    // The masked names kept their length and left the source changed; the cycle holds.
    let names = |conn: &oracle::Connection| -> Vec<(i64, String, Option<i64>)> {
        conn.query_as(
            "SELECT ID, NAME, FAVOURITE_ID FROM DL_OWNER ORDER BY ID",
            &[],
        )
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
    };
    let (before, after) = (names(&source), names(&target));
    assert_eq!(before.len(), after.len());
    for ((id, name, fav), (id2, masked, fav2)) in before.iter().zip(&after) {
        assert_eq!((id, fav), (id2, fav2));
        assert_ne!(name, masked);
        assert_eq!(name.chars().count(), masked.chars().count());
    }
    // The cycle's keys are enabled and validated again; triggers are back on.
    let (disabled,): (i64,) = target
        .query_row_as(
            "SELECT COUNT(*) FROM USER_CONSTRAINTS WHERE TABLE_NAME LIKE 'DL\\_%' ESCAPE '\\' \
             AND (STATUS <> 'ENABLED' OR VALIDATED <> 'VALIDATED')",
            &[],
        )
        .unwrap();
    assert_eq!(disabled, 0);
    let (trigger,): (String,) = target
        .query_row_as(
            "SELECT STATUS FROM USER_TRIGGERS WHERE TRIGGER_NAME = 'DL_ITEM_BI'",
            &[],
        )
        .unwrap();
    assert_eq!(trigger, "ENABLED");
    // The sequence the trigger uses was moved past the loaded keys.
    let (next, max): (i64, i64) = target
        .query_row_as(
            "SELECT DL_SEQ.NEXTVAL, (SELECT MAX(ID) FROM DL_ITEM) FROM DUAL",
            &[],
        )
        .unwrap();
    assert!(next > max, "DL_SEQ at {next}, keys up to {max}");

    drop_pipeline_objects(&source);
    drop_pipeline_objects(&target);
}

/// Drops what [`large_values_load_merge_mask_and_resume`] creates; what is not there is fine.
fn drop_large_value_objects(conn: &oracle::Connection) {
    let tables = ["DB_BIG", "DB_LONG", "DB_MASKED"]
        .map(|t| format!("DROP TABLE {t} CASCADE CONSTRAINTS PURGE"));
    let rest = [
        "DROP SEQUENCE DB_SEQ",
        "DROP TABLE DBSUB_SCHEMA_HISTORY PURGE",
        "DROP TABLE DBSUB_INGEST_HISTORY PURGE",
        "DROP TABLE \"dbsub_ingest_history\" PURGE",
    ];
    for sql in tables.iter().map(String::as_str).chain(rest) {
        let _ = conn.execute(sql, &[]);
    }
}

/// A large value as comparable text: its length and digests of its first, middle and last
/// 2000 characters (bytes for a BLOB); `expr` is a CLOB, NCLOB or BLOB expression.
fn lob_digest(expr: &str) -> String {
    let piece = |from: &str| {
        format!("RAWTOHEX(STANDARD_HASH(DBMS_LOB.SUBSTR({expr}, 2000, {from}), 'SHA256'))")
    };
    format!(
        "DBMS_LOB.GETLENGTH({expr}) || ':' || {} || ':' || {} || ':' || {}",
        piece("1"),
        piece(&format!(
            "GREATEST(TRUNC(DBMS_LOB.GETLENGTH({expr}) / 2), 1)"
        )),
        piece(&format!("GREATEST(DBMS_LOB.GETLENGTH({expr}) - 1999, 1)"))
    )
}

/// The rows of DB_BIG as comparable text, by ID.
fn big_rows(conn: &oracle::Connection, json: bool, spatial: bool) -> Vec<Vec<Option<String>>> {
    let mut exprs = vec![
        "TO_CHAR(ID)".to_string(),
        lob_digest("CL"),
        "RAWTOHEX(STANDARD_HASH(T, 'SHA256'))".to_string(),
        lob_digest("NCL"),
        lob_digest("BL"),
        lob_digest("XMLSERIALIZE(CONTENT X AS CLOB)"),
    ];
    if json {
        exprs.push(lob_digest("JSON_QUERY(J, '$' RETURNING CLOB)"));
    }
    if spatial {
        exprs.push(format!(
            "B.G.SDO_SRID || '/' || {}",
            lob_digest("SDO_UTIL.TO_WKTGEOMETRY(B.G)")
        ));
    }
    let sql = format!("SELECT {} FROM DB_BIG B ORDER BY ID", exprs.join(", "));
    text_rows(conn, &sql, exprs.len())
}

/// The `width` text fields of every row of `sql`.
fn text_rows(conn: &oracle::Connection, sql: &str, width: usize) -> Vec<Vec<Option<String>>> {
    conn.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .map(|row| {
            let row = row.unwrap();
            (0..width)
                .map(|i| row.get::<_, Option<String>>(i).unwrap())
                .collect()
        })
        .collect()
}

fn long_rows(conn: &oracle::Connection) -> Vec<(i64, Option<String>)> {
    conn.query_as::<(i64, Option<String>)>("SELECT ID, L FROM DB_LONG ORDER BY ID", &[])
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// Inserts a DB_BIG row `id` whose LOB, XML, JSON and geometry values are each about `size`
/// bytes, built with DBMS_LOB in PL/SQL (SQL's RPAD stops at 4000 bytes); the VARCHAR2(4000)
/// column T, after a LOB in the table, is full.
fn insert_big_row(conn: &oracle::Connection, id: i64, size: i64, json: bool, spatial: bool) {
    let (json_col, json_val) = if json { (", J", ", JSON(j)") } else { ("", "") };
    let (geo_col, geo_val) = if spatial {
        (", G", ", SDO_GEOMETRY(g, 4326)")
    } else {
        ("", "")
    };
    let block = format!(
        "DECLARE \
           c CLOB; n NCLOB; b BLOB; x CLOB; j CLOB; g CLOB; \
           piece VARCHAR2(4000) := RPAD('lob ' || :1 || ' é ', 1000, 'abcdefghij'); \
           PROCEDURE add(l IN OUT NOCOPY CLOB, s VARCHAR2) IS \
           BEGIN DBMS_LOB.WRITEAPPEND(l, LENGTH(s), s); END; \
         BEGIN \
           DBMS_LOB.CREATETEMPORARY(c, TRUE); DBMS_LOB.CREATETEMPORARY(n, TRUE); \
           DBMS_LOB.CREATETEMPORARY(b, TRUE); DBMS_LOB.CREATETEMPORARY(x, TRUE); \
           DBMS_LOB.CREATETEMPORARY(j, TRUE); DBMS_LOB.CREATETEMPORARY(g, TRUE); \
           add(x, '<doc id=\"' || :1 || '\">'); add(j, '{{\"items\":['); add(g, 'LINESTRING ('); \
           FOR i IN 1 .. CEIL(:2 / 1000) LOOP \
             add(c, piece); \
             DBMS_LOB.WRITEAPPEND(n, LENGTH(piece), TO_NCHAR(piece)); \
             DBMS_LOB.WRITEAPPEND(b, 1000, UTL_RAW.CAST_TO_RAW(RPAD(TO_CHAR(i), 1000, 'b'))); \
             add(x, '<item n=\"' || i || '\">' || SUBSTR(piece, 1, 900) || '</item>'); \
             add(j, CASE WHEN i > 1 THEN ',' END || '\"' || SUBSTR(piece, 1, 900) || '\"'); \
             FOR k IN 1 .. 40 LOOP \
               add(g, CASE WHEN i > 1 OR k > 1 THEN ', ' END || TO_CHAR(i * 40 + k) || ' ' \
                   || TO_CHAR(MOD(i * 40 + k, 89))); \
             END LOOP; \
           END LOOP; \
           add(x, '</doc>'); add(j, ']}}'); add(g, ')'); \
           INSERT INTO DB_BIG (ID, CL, T, NCL, BL, X{json_col}{geo_col}) \
             VALUES (:1, c, RPAD('t', 4000, 't'), n, b, XMLTYPE(x){json_val}{geo_val}); \
         END;"
    );
    conn.execute(&block, &[&id, &size])
        .unwrap_or_else(|e| panic!("{block}: {e}"));
}

#[test]
fn large_values_load_merge_mask_and_resume() {
    let Some((url, target_url, source, target)) =
        live_pair("large-value test", drop_large_value_objects)
    else {
        return;
    };
    let (version, _) = source.server_version().unwrap();
    let json = version.major() >= 21;
    let spatial = has_spatial(&source);
    let big_ddl = format!(
        "CREATE TABLE DB_BIG (ID NUMBER(10) DEFAULT DB_SEQ.NEXTVAL PRIMARY KEY, CL CLOB, \
         T VARCHAR2(4000), NCL NCLOB, BL BLOB, X XMLTYPE{}{})",
        if json { ", J JSON" } else { "" },
        if spatial { ", G SDO_GEOMETRY" } else { "" }
    );
    for sql in [
        "CREATE SEQUENCE DB_SEQ",
        big_ddl.as_str(),
        "CREATE TABLE DB_LONG (ID NUMBER(10) PRIMARY KEY, L LONG)",
        "CREATE TABLE DB_MASKED (ID NUMBER(10) PRIMARY KEY, NOTE CLOB)",
    ] {
        source
            .execute(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // Keys past what the target's sequence will start at: the load must move it.
    insert_big_row(&source, 1001, 32 * 1024, json, spatial);
    insert_big_row(&source, 1002, 1024 * 1024, json, spatial);
    let long_block = "DECLARE v VARCHAR2(32767); BEGIN FOR i IN 1 .. 30 LOOP \
                      v := RPAD('long ' || i || ' ', 20000, 'xyz'); \
                      INSERT INTO DB_LONG (ID, L) VALUES (i, v); END LOOP; END;";
    source.execute(long_block, &[]).unwrap();
    source
        .execute(
            "DECLARE c CLOB; BEGIN DBMS_LOB.CREATETEMPORARY(c, TRUE); \
             FOR i IN 1 .. 40 LOOP DBMS_LOB.WRITEAPPEND(c, 1000, RPAD('secret ', 1000, 's')); \
             END LOOP; INSERT INTO DB_MASKED VALUES (1, c); INSERT INTO DB_MASKED VALUES (2, NULL); \
             END;",
            &[],
        )
        .unwrap();
    source.commit().unwrap();

    let ws = Workspace::empty();
    // DB_MASKED.NOTE personal: by default a pseudonym, then forced to constant.
    let [pseudonym, constant] =
        [("pseudonym.csv", ""), ("constant.csv", "constant")].map(|(file, strategy)| {
            let path = ws.path().join(file);
            let lines = format!(
                "TABLE NAME,COLUMN NAME,INFO SECURITY CLASS,STRATEGY\n\
                 DB_MASKED,NOTE,personal,{strategy}\n"
            );
            std::fs::write(&path, lines).unwrap();
            path
        });
    let vars = live_vars(&url, &target_url, &ws);
    let dbsub = |args: &[&str], extra: &[(&str, &str)]| {
        let mut pairs: Vec<(&str, &str)> =
            vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        pairs.extend(extra);
        ws.dbsub(&pairs).args(args).output().unwrap()
    };
    let run = |args: &[&str]| success(&dbsub(args, &[]), args);

    run(&[
        "create-migrations",
        "--seed-object",
        "DB_BIG",
        "--seed-object",
        "DB_LONG",
        "--seed-object",
        "DB_MASKED",
        "--dialect",
        "oracle",
        "--migration-folder",
        "migrations",
    ]);
    run(&[
        "migrate",
        "--target",
        "ORA",
        "--migration-folder",
        "migrations",
    ]);

    // A LONG table's extract, killed after 3 parts of 16 KiB (a row each) and resumed: the
    // resume skips the written rows here, not with OFFSET (ORA-00997).
    let long_args = [
        "extract",
        "ORA",
        "LIVE",
        "--seed-object",
        "DB_LONG",
        "--subset",
        "longrun",
        "--part-size",
        "16K",
    ];
    let killed = dbsub(&long_args, &[("DBSUB_TEST_ABORT_AFTER_PARTS", "3")]);
    assert!(!killed.status.success(), "the hook kills the extract");
    run(&long_args);
    run(&["ingest", "ORA", "LIVE", "--subset", "longrun"]);
    assert_eq!(long_rows(&target), long_rows(&source));

    // Pseudonyms of a CLOB are refused before a row of the table is read; constant works.
    let big_args = |classification: &std::path::Path| -> Vec<String> {
        [
            "extract",
            "ORA",
            "LIVE",
            "--seed-object",
            "DB_BIG",
            "--seed-object",
            "DB_MASKED",
            "--refresh",
            "--classification",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([classification.display().to_string()])
        .collect()
    };
    let refused_args = big_args(&pseudonym);
    let refused_args: Vec<&str> = refused_args.iter().map(String::as_str).collect();
    let refused = dbsub(&refused_args, &[]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("column NOTE (CLOB) cannot be masked"),
        "{}",
        stderr(&refused)
    );
    let masked_args = big_args(&constant);
    let masked_args: Vec<&str> = masked_args.iter().map(String::as_str).collect();
    run(&masked_args);
    run(&["ingest", "ORA", "LIVE"]);
    assert_eq!(
        big_rows(&target, json, spatial),
        big_rows(&source, json, spatial)
    );
    let masked: Vec<(i64, Option<String>)> = target
        .query_as(
            "SELECT ID, DBMS_LOB.SUBSTR(NOTE, 100, 1) FROM DB_MASKED ORDER BY ID",
            &[],
        )
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(masked.len(), 2);
    assert_eq!(masked[0].1.as_deref(), Some("MASKED"), "{masked:?}");
    assert_eq!(masked[1].1, None, "NULL stays NULL");
    // The sequence of `DEFAULT DB_SEQ.NEXTVAL` was moved past the loaded keys.
    let (next,): (i64,) = target
        .query_row_as("SELECT DB_SEQ.NEXTVAL FROM DUAL", &[])
        .unwrap();
    assert!(next > 1002, "DB_SEQ at {next}, keys up to 1002");

    // --merge: changed large values, a new row, a changed LONG over 4000 bytes.
    source
        .execute(
            "DECLARE c CLOB; BEGIN SELECT CL INTO c FROM DB_BIG WHERE ID = 1002 FOR UPDATE; \
             DBMS_LOB.WRITEAPPEND(c, 7, 'changed'); END;",
            &[],
        )
        .unwrap();
    insert_big_row(&source, 1003, 64 * 1024, json, spatial);
    source
        .execute(
            "DECLARE v VARCHAR2(32767) := RPAD('merged ', 25000, 'm'); BEGIN \
             UPDATE DB_LONG SET L = v WHERE ID = 2; INSERT INTO DB_LONG (ID, L) VALUES (31, v); \
             END;",
            &[],
        )
        .unwrap();
    source.commit().unwrap();
    let mut long_refresh = long_args.to_vec();
    long_refresh.push("--refresh");
    run(&long_refresh);
    run(&masked_args);
    run(&["ingest", "ORA", "LIVE", "--subset", "longrun", "--merge"]);
    run(&["ingest", "ORA", "LIVE", "--merge"]);
    assert_eq!(long_rows(&target), long_rows(&source));
    assert_eq!(
        big_rows(&target, json, spatial),
        big_rows(&source, json, spatial)
    );

    drop_large_value_objects(&source);
    drop_large_value_objects(&target);
}

/// The source (DBSUB_TEST_ORACLE_URL) and the target (DBSUB_TEST_ORACLE_TARGET_URL, a second
/// user to load into), their URLs and connections, with what `drop` drops dropped from both;
/// `None`, said on stderr, when either is not set.
fn live_pair(
    test: &str,
    drop: fn(&oracle::Connection),
) -> Option<(String, String, oracle::Connection, oracle::Connection)> {
    let url = oracle_url()?;
    let Ok(target_url) = std::env::var("DBSUB_TEST_ORACLE_TARGET_URL") else {
        eprintln!(
            "Oracle {test} skipped: DBSUB_TEST_ORACLE_TARGET_URL (a second user to load into) \
             is not set"
        );
        return None;
    };
    let (source, target) = (connect(&url), connect(&target_url));
    drop(&source);
    drop(&target);
    Some((url, target_url, source, target))
}

/// Whether Oracle Spatial is installed (the regular gvenzl images have it).
fn has_spatial(conn: &oracle::Connection) -> bool {
    let (users,): (i64,) = conn
        .query_row_as(
            "SELECT COUNT(*) FROM ALL_USERS WHERE USERNAME = 'MDSYS'",
            &[],
        )
        .unwrap();
    users > 0
}

/// The variables of a dbsub run from `url` (struct and source, env LIVE) to `target_url`
/// (ORA), with a folder store in `ws`, a masking key and the client's variables.
fn live_vars(url: &str, target_url: &str, ws: &Workspace) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = vec![
        ("DBSUB_STRUCT_URL".into(), url.to_string()),
        ("DBSUB_SOURCE_ORA_LIVE".into(), url.to_string()),
        ("DBSUB_TARGET_ORA".into(), target_url.to_string()),
        (
            "DBSUB_STORE_LIVE".into(),
            format!("file://{}/store", ws.path().display()),
        ),
        (
            "DBSUB_MASKING_KEY".into(),
            "live-test-masking-key-0123456789".into(),
        ),
    ];
    vars.extend(client_vars());
    vars
}

/// What an audit of the generated DDL against Oracle's documentation found (issue 17), run for
/// real: a view whose column list names expressions, a column of an object type, a synonym over
/// a database link, all created in another schema with --target-schema; then a procedure that
/// does not compile must fail `migrate` and leave no history row.
#[test]
fn views_types_and_linked_synonyms_land_in_another_schema_and_bad_plsql_fails() {
    let Some(url) = oracle_url() else { return };
    let Ok(target_url) = std::env::var("DBSUB_TEST_ORACLE_TARGET_URL") else {
        eprintln!("Oracle DDL test skipped: DBSUB_TEST_ORACLE_TARGET_URL is not set");
        return;
    };
    let source = connect(&url);
    let target = connect(&target_url);
    let drops = [
        "DROP SYNONYM DDL_FX",
        "DROP VIEW DDL_PERSON_V",
        "DROP TABLE DDL_PERSON PURGE",
        "DROP TYPE DDL_ADDRESS_T FORCE",
        "DROP PROCEDURE DDL_BAD",
        "DROP TABLE DDL_CART",
        "DROP TABLE DBSUB_SCHEMA_HISTORY PURGE",
    ];
    for conn in [&source, &target] {
        for sql in drops {
            let _ = conn.execute(sql, &[]);
        }
    }
    let (owner,): (String,) = source.query_row_as("SELECT USER FROM DUAL", &[]).unwrap();
    let (target_user,): (String,) = target.query_row_as("SELECT USER FROM DUAL", &[]).unwrap();
    for sql in [
        "CREATE OR REPLACE TYPE DDL_ADDRESS_T AS OBJECT (CITY VARCHAR2(60))".to_string(),
        "CREATE TABLE DDL_PERSON (ID NUMBER(10) PRIMARY KEY, NAME VARCHAR2(60) NOT NULL, \
         ADDR DDL_ADDRESS_T)"
            .to_string(),
        // The column list is not in ALL_VIEWS.TEXT; UPPER(...) has no name without it, and the
        // source owner's qualifier must become the target's.
        format!(
            "CREATE OR REPLACE VIEW DDL_PERSON_V (PERSON_ID, NAME_UPPER) AS \
             SELECT P.ID, UPPER(P.NAME) FROM \"{owner}\".DDL_PERSON P"
        ),
        // A synonym is not checked when created: the link need not exist.
        "CREATE OR REPLACE SYNONYM DDL_FX FOR FIN.EXCHANGE_RATE@DDL_LINK".to_string(),
        // A global temporary table stays one, with its rows kept for the session.
        "CREATE GLOBAL TEMPORARY TABLE DDL_CART (ID NUMBER(10) PRIMARY KEY, ITEM VARCHAR2(60)) \
         ON COMMIT PRESERVE ROWS"
            .to_string(),
    ] {
        source
            .execute(&sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    let ws = Workspace::empty();
    let mut vars: Vec<(String, String)> = vec![
        ("DBSUB_STRUCT_URL".into(), url.clone()),
        ("DBSUB_TARGET_ORA".into(), target_url.clone()),
    ];
    vars.extend(client_vars());
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = |args: &[&str]| ws.dbsub(&pairs).args(args).output().unwrap();
    let args = [
        "create-migrations",
        "--seed-object",
        "DDL_PERSON_V",
        "--seed-object",
        "DDL_FX",
        "--seed-object",
        "DDL_CART",
        "--dialect",
        "oracle",
        "--migration-folder",
        "migrations",
        "--target-schema",
        &target_user,
    ];
    success(&run(&args), &args);
    let args = [
        "migrate",
        "--target",
        "ORA",
        "--migration-folder",
        "migrations",
    ];
    success(&run(&args), &args);

    let view_columns: Vec<String> = target
        .query_as::<String>(
            "SELECT COLUMN_NAME FROM USER_TAB_COLUMNS WHERE TABLE_NAME = 'DDL_PERSON_V' \
             ORDER BY COLUMN_ID",
            &[],
        )
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(view_columns, ["PERSON_ID", "NAME_UPPER"]);
    let (type_owner,): (Option<String>,) = target
        .query_row_as(
            "SELECT DATA_TYPE_OWNER FROM USER_TAB_COLUMNS WHERE TABLE_NAME = 'DDL_PERSON' \
             AND COLUMN_NAME = 'ADDR'",
            &[],
        )
        .unwrap();
    assert_eq!(type_owner.as_deref(), Some(target_user.as_str()));
    let (link, table_owner): (Option<String>, Option<String>) = target
        .query_row_as(
            "SELECT DB_LINK, TABLE_OWNER FROM USER_SYNONYMS WHERE SYNONYM_NAME = 'DDL_FX'",
            &[],
        )
        .unwrap();
    assert!(
        link.as_deref().is_some_and(|l| l.starts_with("DDL_LINK")),
        "{link:?}"
    );
    assert_eq!(table_owner.as_deref(), Some("FIN"));
    let (temporary, duration): (String, Option<String>) = target
        .query_row_as(
            "SELECT TEMPORARY, DURATION FROM USER_TABLES WHERE TABLE_NAME = 'DDL_CART'",
            &[],
        )
        .unwrap();
    assert_eq!(
        (temporary.as_str(), duration.as_deref()),
        ("Y", Some("SYS$SESSION"))
    );

    // A procedure that does not compile: Oracle creates it, invalid, with a warning.
    let bad = ws.path().join("migrations/V9.0.0.1__ddl_bad.sql");
    std::fs::write(
        &bad,
        "CREATE OR REPLACE PROCEDURE DDL_BAD AS\nBEGIN\n  NO_SUCH_PROCEDURE;\nEND;\n/\n",
    )
    .unwrap();
    let out = run(&args);
    assert!(!out.status.success(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("compilation errors"), "{err}");
    assert!(err.contains("PLS-00201"), "{err}");
    let (recorded,): (i64,) = target
        .query_row_as(
            "SELECT COUNT(*) FROM DBSUB_SCHEMA_HISTORY WHERE VERSION = '9.0.0.1'",
            &[],
        )
        .unwrap();
    assert_eq!(
        recorded, 0,
        "a file that created invalid PL/SQL is not recorded"
    );

    for conn in [&source, &target] {
        for sql in drops {
            let _ = conn.execute(sql, &[]);
        }
    }
}

/// Drops what [`two_ingests_at_once_load_a_keyless_table_once`] creates.
fn drop_race_objects(conn: &oracle::Connection) {
    for sql in [
        "DROP TABLE DR_NOTE PURGE",
        "DROP TABLE DBSUB_INGEST_HISTORY PURGE",
        "DROP TABLE DBSUB_SCHEMA_HISTORY PURGE",
    ] {
        let _ = conn.execute(sql, &[]);
    }
}

/// Two ingests of a table without a key at once (issue 19): each load locks its tables
/// (`LOCK TABLE … IN EXCLUSIVE MODE`) and counts them inside its transaction, so the rows land
/// once, whichever run wins; the other reports the table already loaded or fails, never doubles.
#[test]
fn two_ingests_at_once_load_a_keyless_table_once() {
    let Some((url, target_url, source, target)) = live_pair("two-ingests test", drop_race_objects)
    else {
        return;
    };
    source
        .execute("CREATE TABLE DR_NOTE (TXT VARCHAR2(40), N NUMBER(5))", &[])
        .unwrap();
    source
        .execute(
            "BEGIN FOR i IN 1 .. 5000 LOOP \
             INSERT INTO DR_NOTE VALUES ('note ' || i, MOD(i, 7)); END LOOP; END;",
            &[],
        )
        .unwrap();
    source.commit().unwrap();
    let ws = Workspace::empty();
    let vars = live_vars(&url, &target_url, &ws);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = |args: &[&str]| ws.dbsub(&pairs).args(args).output().unwrap();
    for args in [
        &[
            "create-migrations",
            "--seed-object",
            "DR_NOTE",
            "--dialect",
            "oracle",
            "--migration-folder",
            "migrations",
        ][..],
        &[
            "migrate",
            "--target",
            "ORA",
            "--migration-folder",
            "migrations",
        ],
        &["extract", "ORA", "LIVE", "--seed-object", "DR_NOTE"],
    ] {
        success(&run(args), args);
    }
    let outs: Vec<std::process::Output> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| run(&["ingest", "ORA", "LIVE", "--format", "json"])))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let (rows,): (i64,) = target
        .query_row_as("SELECT COUNT(*) FROM DR_NOTE", &[])
        .unwrap();
    let said: Vec<String> = outs.iter().map(stderr).collect();
    assert_eq!(rows, 5000, "loaded once: {said:?}");
    assert!(
        outs.iter().any(|o| o.status.success()),
        "one run loads: {said:?}"
    );
    assert!(
        said.iter().all(|e| !e.contains("nothing was changed")),
        "{said:?}"
    );
    drop_race_objects(&source);
    drop_race_objects(&target);
}

/// The tables of [`partitioned_tables_keep_their_partitioning_and_rows`], children first.
const PARTITIONED: [&str; 5] = [
    "PT_SALES_LINE",
    "PT_SALES",
    "PT_REGION",
    "PT_LOG",
    "PT_SHIP",
];

/// Drops what [`partitioned_tables_keep_their_partitioning_and_rows`] creates.
fn drop_partitioned_objects(conn: &oracle::Connection) {
    let drops = PARTITIONED.iter().map(|t| format!("DROP TABLE {t} PURGE"));
    for sql in drops.chain([
        "DROP TABLE DBSUB_INGEST_HISTORY PURGE".to_string(),
        "DROP TABLE DBSUB_SCHEMA_HISTORY PURGE".to_string(),
    ]) {
        let _ = conn.execute(&sql, &[]);
    }
}

/// Oracle partitioning, live (issue 18): range with a monthly interval (rows past the last
/// partition make the database add interval partitions, which the migration leaves out and the
/// load adds again), list with DEFAULT, hash, composite range-list, a reference-partitioned
/// child with a local index. Migrated into the second user, extracted as of an SCN, ingested:
/// the target has the same partitioning (the interval partitions again) and the same rows.
#[test]
fn partitioned_tables_keep_their_partitioning_and_rows() {
    let Some((url, target_url, source, target)) =
        live_pair("partitioning test", drop_partitioned_objects)
    else {
        return;
    };
    for sql in [
        "CREATE TABLE PT_SALES (ID NUMBER(10) PRIMARY KEY, SOLD_ON DATE NOT NULL, \
         AMOUNT NUMBER(12,2)) PARTITION BY RANGE (SOLD_ON) INTERVAL (NUMTOYMINTERVAL(1,'MONTH')) \
         (PARTITION P2023 VALUES LESS THAN (DATE '2024-01-01')) ENABLE ROW MOVEMENT",
        "CREATE INDEX PT_SALES_SOLD_IX ON PT_SALES (SOLD_ON) LOCAL",
        "CREATE TABLE PT_SALES_LINE (SALE_ID NUMBER(10) NOT NULL, LINE_NO NUMBER(10) NOT NULL, \
         ITEM VARCHAR2(40), CONSTRAINT PT_SALES_LINE_PK PRIMARY KEY (SALE_ID, LINE_NO), \
         CONSTRAINT PT_SALES_LINE_FK FOREIGN KEY (SALE_ID) REFERENCES PT_SALES (ID)) \
         PARTITION BY REFERENCE (PT_SALES_LINE_FK) ENABLE ROW MOVEMENT",
        "CREATE INDEX PT_SALES_LINE_ITEM_IX ON PT_SALES_LINE (ITEM) LOCAL",
        "CREATE TABLE PT_REGION (REGION VARCHAR2(2) NOT NULL, NOTE VARCHAR2(40)) \
         PARTITION BY LIST (REGION) (PARTITION P_EU VALUES ('DE', 'FR'), \
         PARTITION P_OTHER VALUES (DEFAULT))",
        "CREATE TABLE PT_LOG (ID NUMBER(10) NOT NULL, NOTE VARCHAR2(40)) \
         PARTITION BY HASH (ID) PARTITIONS 4",
        // Composite with an interval: the partitions it adds take the template's subpartitions.
        "CREATE TABLE PT_SHIP (ID NUMBER(10) NOT NULL, SHIPPED_ON DATE NOT NULL, \
         REGION VARCHAR2(2) NOT NULL) PARTITION BY RANGE (SHIPPED_ON) \
         INTERVAL (NUMTOYMINTERVAL(1,'MONTH')) SUBPARTITION BY LIST (REGION) \
         SUBPARTITION TEMPLATE (SUBPARTITION EU VALUES ('DE', 'FR'), \
         SUBPARTITION REST VALUES (DEFAULT)) \
         (PARTITION P2023 VALUES LESS THAN (DATE '2024-01-01') \
         (SUBPARTITION P2023_EU VALUES ('DE', 'FR'), SUBPARTITION P2023_REST VALUES (DEFAULT)))",
        "BEGIN FOR i IN 1 .. 60 LOOP \
         INSERT INTO PT_SALES VALUES (i, DATE '2023-11-01' + 3 * i, i * 1.5); \
         INSERT INTO PT_SALES_LINE VALUES (i, 1, 'item ' || i); \
         INSERT INTO PT_REGION VALUES (CASE MOD(i, 3) WHEN 0 THEN 'DE' WHEN 1 THEN 'UK' \
           ELSE 'FR' END, 'note ' || i); \
         INSERT INTO PT_LOG VALUES (i, 'log ' || i); \
         INSERT INTO PT_SHIP VALUES (i, DATE '2023-11-01' + 3 * i, \
           CASE MOD(i, 2) WHEN 0 THEN 'DE' ELSE 'US' END); \
         END LOOP; END;",
    ] {
        source
            .execute(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    source.commit().unwrap();
    let ws = Workspace::empty();
    let vars = live_vars(&url, &target_url, &ws);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = |args: &[&str]| ws.dbsub(&pairs).args(args).output().unwrap();
    let mut create = vec!["create-migrations", "--dialect", "oracle"];
    create.extend(["--migration-folder", "migrations"]);
    create.extend(PARTITIONED.iter().flat_map(|t| ["--seed-object", *t]));
    let mut extract = vec!["extract", "ORA", "LIVE"];
    extract.extend(PARTITIONED.iter().flat_map(|t| ["--seed-object", *t]));
    for args in [
        &create[..],
        &[
            "migrate",
            "--target",
            "ORA",
            "--migration-folder",
            "migrations",
        ],
        &extract,
        &["ingest", "ORA", "LIVE"],
    ] {
        let out = run(args);
        success(&out, args);
        assert!(
            !stderr(&out).contains("partitioned in the source"),
            "{}",
            stderr(&out)
        );
    }
    let part_tables = |conn: &oracle::Connection| -> Vec<Vec<Option<String>>> {
        text_rows(
            conn,
            "SELECT p.TABLE_NAME, p.PARTITIONING_TYPE, p.SUBPARTITIONING_TYPE, p.INTERVAL, \
             p.REF_PTN_CONSTRAINT_NAME, t.ROW_MOVEMENT FROM USER_PART_TABLES p \
             JOIN USER_TABLES t ON t.TABLE_NAME = p.TABLE_NAME \
             WHERE p.TABLE_NAME LIKE 'PT\\_%' ESCAPE '\\' ORDER BY p.TABLE_NAME",
            6,
        )
    };
    assert_eq!(part_tables(&target), part_tables(&source));
    // The partitions in position order, by name but for those Oracle named (the interval's,
    // which came back with the rows, and the hash partitions of PARTITIONS 4).
    let partitions = |conn: &oracle::Connection| -> Vec<(String, u32, Option<String>)> {
        conn.query_as::<(String, String, String, u32)>(
            "SELECT TABLE_NAME, PARTITION_NAME, INTERVAL, PARTITION_POSITION \
             FROM USER_TAB_PARTITIONS WHERE TABLE_NAME LIKE 'PT\\_%' ESCAPE '\\' \
             ORDER BY TABLE_NAME, PARTITION_POSITION",
            &[],
        )
        .unwrap()
        .map(|r| {
            let (table, name, interval, position) = r.unwrap();
            let named = interval == "NO" && !name.starts_with("SYS_P");
            (table, position, named.then_some(name))
        })
        .collect()
    };
    assert_eq!(partitions(&target), partitions(&source));
    let local = |conn: &oracle::Connection| -> Vec<Vec<Option<String>>> {
        text_rows(
            conn,
            "SELECT INDEX_NAME, LOCALITY FROM USER_PART_INDEXES WHERE TABLE_NAME LIKE 'PT\\_%' \
             ESCAPE '\\' ORDER BY INDEX_NAME",
            2,
        )
    };
    assert_eq!(local(&target), local(&source));
    // The template, and the subpartitions it gave the partitions the interval added on load.
    let template = |conn: &oracle::Connection| -> Vec<Vec<Option<String>>> {
        text_rows(
            conn,
            "SELECT SUBPARTITION_NAME, HIGH_BOUND FROM USER_SUBPARTITION_TEMPLATES \
             WHERE TABLE_NAME = 'PT_SHIP' ORDER BY SUBPARTITION_POSITION",
            2,
        )
    };
    assert_eq!(template(&target), template(&source));
    let subpartitions = |conn: &oracle::Connection| -> Vec<Vec<Option<String>>> {
        text_rows(
            conn,
            "SELECT p.PARTITION_POSITION, s.SUBPARTITION_POSITION, s.HIGH_VALUE \
             FROM USER_TAB_SUBPARTITIONS s JOIN USER_TAB_PARTITIONS p \
             ON p.TABLE_NAME = s.TABLE_NAME AND p.PARTITION_NAME = s.PARTITION_NAME \
             WHERE s.TABLE_NAME = 'PT_SHIP' ORDER BY 1, 2",
            3,
        )
    };
    assert_eq!(subpartitions(&target), subpartitions(&source));
    for (table, width) in [
        ("PT_SALES_LINE", 3),
        ("PT_SALES", 3),
        ("PT_REGION", 2),
        ("PT_LOG", 2),
        ("PT_SHIP", 3),
    ] {
        let sql = format!("SELECT * FROM {table} ORDER BY 1, 2");
        assert_eq!(
            text_rows(&target, &sql, width),
            text_rows(&source, &sql, width),
            "{table}"
        );
    }
    drop_partitioned_objects(&source);
    drop_partitioned_objects(&target);
}

/// Drops what [`a_bound_window_a_merge_count_and_an_index_calling_code`] creates.
fn drop_window_objects(conn: &oracle::Connection) {
    for sql in [
        "DROP TABLE DW_EVENT PURGE",
        "DROP FUNCTION DW_NORM",
        "DROP TABLE DBSUB_SCHEMA_HISTORY PURGE",
        "DROP TABLE DBSUB_INGEST_HISTORY PURGE",
    ] {
        let _ = conn.execute(sql, &[]);
    }
}

/// Issue 18 and 21 on a real Oracle: a function-based index on a user function is created after
/// the function (the `table_code` file); a seed condition's `:from`/`:to` bind as VARCHAR2 and
/// compare with a DATE column under the session's ISO formats, and `O'Brien` binds as it is; a
/// `--merge` counts the rows it inserted and updated (`LOCK TABLE`, count before and after).
#[test]
fn a_bound_window_a_merge_count_and_an_index_calling_code() {
    let Some((url, target_url, source, target)) =
        live_pair("window and merge test", drop_window_objects)
    else {
        return;
    };
    for sql in [
        "CREATE FUNCTION DW_NORM(P VARCHAR2) RETURN VARCHAR2 DETERMINISTIC AS \
         BEGIN RETURN UPPER(P); END;",
        "CREATE TABLE DW_EVENT (ID NUMBER(10) PRIMARY KEY, WHO VARCHAR2(40), AT DATE NOT NULL, \
         CODE VARCHAR2(10))",
        "CREATE INDEX DW_EVENT_NORM_IX ON DW_EVENT (DW_NORM(CODE))",
        // Event i is on 2024-01-01 + 5·i days: 2 (Jan 11) … 6 (Jan 31) fall in January's window.
        "BEGIN FOR i IN 1 .. 10 LOOP INSERT INTO DW_EVENT VALUES \
         (i, CASE WHEN i = 3 THEN 'O''Brien' ELSE 'who ' || i END, \
          DATE '2024-01-01' + 5 * i, 'c' || i); END LOOP; END;",
    ] {
        source.execute(sql, &[]).unwrap();
    }
    source.commit().unwrap();
    let ws = Workspace::empty();
    let vars = live_vars(&url, &target_url, &ws);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = |args: &[&str]| {
        let out = ws.dbsub(&pairs).args(args).output().unwrap();
        success(&out, args);
        stdout(&out)
    };
    run(&[
        "create-migrations",
        "--seed-object",
        "DW_EVENT",
        "--dialect",
        "oracle",
        "--migration-folder",
        "migrations",
    ]);
    run(&[
        "migrate",
        "--target",
        "ORA",
        "--migration-folder",
        "migrations",
    ]);
    let (indexes,): (i64,) = target
        .query_row_as(
            "SELECT COUNT(*) FROM USER_INDEXES WHERE INDEX_NAME = 'DW_EVENT_NORM_IX'",
            &[],
        )
        .unwrap();
    assert_eq!(
        indexes, 1,
        "the index on DW_NORM(CODE) came after the function"
    );

    let window = [
        "extract",
        "ORA",
        "LIVE",
        "--seed-object",
        "DW_EVENT",
        "--where",
        "AT >= :from AND AT < :to",
        "--param",
        "from=2024-01-10",
        "--param",
        "to=2024-02-01",
    ];
    run(&window);
    run(&["ingest", "ORA", "LIVE"]);
    let ids = |conn: &oracle::Connection| -> Vec<i64> {
        conn.query_as::<(i64,)>("SELECT ID FROM DW_EVENT ORDER BY ID", &[])
            .unwrap()
            .map(|r| r.unwrap().0)
            .collect()
    };
    assert_eq!(ids(&target), [2, 3, 4, 5, 6]);
    let who = [
        "extract",
        "ORA",
        "LIVE",
        "--seed-object",
        "DW_EVENT",
        "--subset",
        "who",
        "--where",
        "WHO = :who",
        "--param",
        "who=O'Brien",
    ];
    run(&who);
    let manifest = common::manifest(&ws.path().join("store/LIVE/ORA/who"));
    let rows: Vec<u64> = manifest.tables.iter().map(|t| t.rows).collect();
    assert_eq!(rows, [1], "the O'Brien row alone");

    // The whole of January and February, merged: 5 rows there already, 5 new.
    let wider = [
        "extract",
        "ORA",
        "LIVE",
        "--seed-object",
        "DW_EVENT",
        "--refresh",
        "--where",
        "AT >= :from AND AT < :to",
        "--param",
        "from=2024-01-01",
        "--param",
        "to=2024-03-01",
    ];
    run(&wider);
    let json = run(&["ingest", "ORA", "LIVE", "--merge", "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    let merged = summary["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"].as_str().unwrap().ends_with("DW_EVENT"))
        .map(|t| t["merged"].clone())
        .unwrap();
    assert_eq!(merged, serde_json::json!({"inserted": 5, "updated": 5}));
    assert_eq!(ids(&target), (1..=10).collect::<Vec<i64>>());
    drop_window_objects(&source);
    drop_window_objects(&target);
}

fn drop_refresh_objects(conn: &oracle::Connection) {
    for sql in [
        "DROP TABLE DR_ACCOUNT PURGE",
        "DROP TABLE DR_REGION PURGE",
        "DROP TABLE DBSUB_SCHEMA_HISTORY PURGE",
        "DROP TABLE DBSUB_INGEST_HISTORY PURGE",
    ] {
        let _ = conn.execute(sql, &[]);
    }
}

/// Issue 21 on a real Oracle: a base written in chunks (key ranges of a NUMBER key, as of the
/// SCN) with the watermarks' high-water marks (`MAX` as of the SCN); the source changes (rows
/// updated above the mark, a new parent with a blank-padded CHAR key and a child with `O'Brien`,
/// a hard delete); `--incremental --detect-deletes` reads `"UPDATED" > :mark` with the mark
/// bound as a DATE, looks up the held keys, and the ingest merges the delta and deletes the
/// lost row (array-bound `DELETE`) in one transaction: the target then holds the source's rows.
#[test]
fn a_refresh_chain_in_chunks_with_deletes_reaches_the_sources_rows() {
    let Some((url, target_url, source, target)) = live_pair("refresh test", drop_refresh_objects)
    else {
        return;
    };
    for sql in [
        "CREATE TABLE DR_REGION (CODE CHAR(4) PRIMARY KEY, LABEL VARCHAR2(20) NOT NULL, \
         UPDATED DATE NOT NULL)",
        "CREATE TABLE DR_ACCOUNT (ID NUMBER(10) PRIMARY KEY, \
         REGION CHAR(4) NOT NULL REFERENCES DR_REGION (CODE), NAME VARCHAR2(40) NOT NULL, \
         AMOUNT NUMBER(12, 2), UPDATED DATE NOT NULL)",
        "INSERT INTO DR_REGION VALUES ('N', 'north', DATE '2024-01-01')",
        "INSERT INTO DR_REGION VALUES ('SE', 'south-east', DATE '2024-01-02')",
        "BEGIN FOR i IN 1 .. 50 LOOP INSERT INTO DR_ACCOUNT VALUES \
         (i, CASE WHEN MOD(i, 2) = 0 THEN 'N' ELSE 'SE' END, 'account ' || i, i * 1.25, \
          DATE '2024-01-01' + i); END LOOP; END;",
    ] {
        source.execute(sql, &[]).unwrap();
    }
    source.commit().unwrap();
    let ws = Workspace::empty();
    std::fs::write(
        ws.path().join("plan.toml"),
        "name = \"accounts\"\n\n[[seed]]\ntable = \"DR_ACCOUNT\"\n\n[refresh]\n\
         watermarks = { \"DR_ACCOUNT\" = \"UPDATED\", \"DR_REGION\" = \"UPDATED\" }\n",
    )
    .unwrap();
    let vars = live_vars(&url, &target_url, &ws);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = |args: &[&str]| {
        let out = ws.dbsub(&pairs).args(args).output().unwrap();
        success(&out, args);
        stdout(&out)
    };
    run(&[
        "create-migrations",
        "--seed-object",
        "DR_ACCOUNT",
        "--dialect",
        "oracle",
        "--migration-folder",
        "migrations",
    ]);
    run(&[
        "migrate",
        "--target",
        "ORA",
        "--migration-folder",
        "migrations",
    ]);
    let extract = [
        "extract",
        "ORA",
        "LIVE",
        "--plan",
        "plan.toml",
        "--chunk-rows",
        "10",
        "--jobs",
        "2",
    ];
    run(&extract);
    let base = common::manifest(&ws.path().join("store/LIVE/ORA/accounts"));
    let account = base.tables.iter().find(|t| t.name == "DR_ACCOUNT").unwrap();
    assert_eq!(account.rows, 50);
    assert!(
        account
            .parts
            .iter()
            .any(|p| p.key.contains("/chunk-00004/")),
        "50 rows in chunks of 10"
    );
    run(&["ingest", "ORA", "LIVE", "--subset", "accounts"]);

    for sql in [
        "UPDATE DR_ACCOUNT SET AMOUNT = AMOUNT + 100, UPDATED = DATE '2030-01-01' \
         WHERE ID IN (3, 20, 41)",
        "INSERT INTO DR_REGION VALUES ('NE', 'north-east', DATE '2030-01-01')",
        "INSERT INTO DR_ACCOUNT VALUES (51, 'NE', 'O''Brien', 9.5, DATE '2030-01-01')",
        "DELETE FROM DR_ACCOUNT WHERE ID = 7",
    ] {
        source.execute(sql, &[]).unwrap();
    }
    source.commit().unwrap();
    let mut delta = extract.to_vec();
    delta.extend(["--incremental", "--detect-deletes"]);
    run(&delta);
    let manifest = common::manifest(&ws.path().join("store/LIVE/ORA/accounts/deltas/00001"));
    let rows = |name: &str| manifest.tables.iter().find(|t| t.name == name).unwrap();
    assert_eq!(rows("DR_ACCOUNT").rows, 4, "3 changed, 1 new");
    assert_eq!(rows("DR_REGION").rows, 1, "the new parent");
    assert_eq!(rows("DR_ACCOUNT").deletes.as_ref().map(|d| d.rows), Some(1));
    run(&["ingest", "ORA", "LIVE", "--subset", "accounts"]);
    for table in ["DR_REGION", "DR_ACCOUNT"] {
        assert_eq!(
            table_text(&target, table),
            table_text(&source, table),
            "{table}"
        );
    }
    drop_refresh_objects(&source);
    drop_refresh_objects(&target);
}

fn drop_scan_objects(conn: &oracle::Connection) {
    for sql in ["DROP TABLE DS_CHILD PURGE", "DROP TABLE DS_PARENT PURGE"] {
        let _ = conn.execute(sql, &[]);
    }
}

/// Issue 20 on a real Oracle: a parent read by one full scan as of the SCN that keeps the
/// closure's keys (`--scan-share 0`: its key columns read after the ROWID, compared with the
/// keys of the closure's own scan, a blank-padded CHAR unique key among them, CLOBs over 4000
/// bytes not fetched for the rows dropped) holds the rows that key lookups read; and a killed
/// scan resumes, skipping the kept rows on the client (no `OFFSET`), to the parts of an
/// uninterrupted run; a children rule's children are read alike by a scan and by lookups.
#[test]
fn a_scan_kept_by_the_closures_keys_reads_what_lookups_read_and_resumes() {
    let Some((url, target_url, source, target)) = live_pair("scan test", drop_scan_objects) else {
        return;
    };
    drop(target);
    for sql in [
        "CREATE TABLE DS_PARENT (ID NUMBER(10) PRIMARY KEY, CODE CHAR(6) NOT NULL UNIQUE, \
         BODY CLOB, PIC BLOB)",
        "CREATE TABLE DS_CHILD (ID NUMBER(10) PRIMARY KEY, \
         PARENT_ID NUMBER(10) REFERENCES DS_PARENT (ID), \
         PCODE CHAR(6) REFERENCES DS_PARENT (CODE), NOTE VARCHAR2(40))",
        "BEGIN FOR i IN 1 .. 40 LOOP INSERT INTO DS_PARENT VALUES (i, 'P' || i, \
         RPAD('body ' || i, 4500, 'x'), HEXTORAW(RPAD('AB', 200, 'CD'))); END LOOP; END;",
        "BEGIN FOR i IN 1 .. 60 LOOP INSERT INTO DS_CHILD VALUES (i, MOD(i * 7, 40) + 1, \
         CASE WHEN MOD(i, 3) = 0 THEN NULL ELSE 'P' || (MOD(i, 30) + 1) END, \
         'child ' || i); END LOOP; END;",
    ] {
        source.execute(sql, &[]).unwrap();
    }
    source.commit().unwrap();
    let ws = Workspace::empty();
    let vars = live_vars(&url, &target_url, &ws);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let extract = |subset: &str, share: &str, extra: &[(&str, &str)]| {
        let mut all = pairs.clone();
        all.extend_from_slice(extra);
        ws.dbsub(&all)
            .args(["extract", "ORA", "LIVE", "--seed-object", "DS_CHILD"])
            .args([
                "--where",
                "ID <= 45",
                "--subset",
                subset,
                "--scan-share",
                share,
            ])
            .args(["--part-size", "8K", "--format", "json"])
            .output()
            .unwrap()
    };
    let dir = |subset: &str| ws.path().join(format!("store/LIVE/ORA/{subset}"));
    let rows = |subset: &str| {
        let mut all: Vec<_> = common::read_extract(&dir(subset)).into_iter().collect();
        for (_, (_, rows)) in &mut all {
            rows.sort();
        }
        all
    };
    let scanned = extract("scanned", "0", &[]);
    let summary = success(&scanned, &["extract", "--scan-share", "0"]);
    assert!(summary.contains("\"read\": \"scan\""), "{summary}");
    let looked_up = extract("looked-up", "2", &[]);
    let summary = success(&looked_up, &["extract", "--scan-share", "2"]);
    assert!(!summary.contains("\"read\": \"scan\""), "{summary}");
    assert!(rows("scanned") == rows("looked-up"));
    common::resumed_equals_clean(&|store, extra| extract(store, "0", extra), &dir);

    // The children of a children rule, read by one full scan of DS_CHILD's key columns that
    // keeps the rows whose foreign key (the NUMBER and the blank-padded CHAR one) is among the
    // seeded parents' keys, at most 2 per parent and key, as the lookups on the foreign keys
    // read them (`--scan-share 0` and `2`).
    std::fs::write(
        ws.path().join("children.toml"),
        "[[seed]]\ntable = \"DS_PARENT\"\nwhere = \"ID <= 20\"\n\n\
         [[children.edge]]\ntable = \"DS_CHILD\"\ncap = 2\n",
    )
    .unwrap();
    let children = |subset: &str, share: &str| {
        let out = ws
            .dbsub(&pairs)
            .args(["extract", "ORA", "LIVE", "--plan", "children.toml"])
            .args([
                "--subset",
                subset,
                "--scan-share",
                share,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        success(
            &out,
            &["extract", "--plan", "children.toml", "--scan-share", share],
        )
    };
    let summary = children("children-scanned", "0");
    assert!(!summary.contains("\"closure_scans\": 0"), "{summary}");
    let summary = children("children-looked-up", "2");
    assert!(summary.contains("\"closure_scans\": 0"), "{summary}");
    assert!(rows("children-scanned") == rows("children-looked-up"));
    assert!(
        rows("children-scanned")
            .iter()
            .any(|(table, (_, rows))| table.ends_with("DS_CHILD") && !rows.is_empty())
    );
    drop_scan_objects(&source);
}

fn drop_sample_objects(conn: &oracle::Connection) {
    for sql in [
        "DROP TABLE DSM_CHILD PURGE",
        "DROP TABLE DSM_PARENT PURGE",
        "DROP TABLE DSM_LONG PURGE",
    ] {
        let _ = conn.execute(sql, &[]);
    }
}

/// Issue 20 on a real Oracle: the personal-data check's sample of values. A seed read with its
/// condition is sampled by `… ORDER BY … FETCH FIRST :limit_rows ROWS ONLY` after the
/// condition's binds; a parent read by lookups (`--scan-share 2`) or by a kept scan
/// (`--scan-share 0`, sampled by looking up its first keys) names its column alike; a table with
/// a LONG column is sampled without FETCH FIRST (ORA-00997 in the inline view Oracle makes of
/// it), its reader stopping and closing the cursor. Each names the unclassified column whose
/// values look like e-mail addresses, and `--strict` writes nothing.
#[test]
fn the_sample_of_values_is_limited_on_the_server_and_names_what_it_finds() {
    let Some((url, target_url, source, target)) = live_pair("sample test", drop_sample_objects)
    else {
        return;
    };
    drop(target);
    for sql in [
        "CREATE TABLE DSM_PARENT (ID NUMBER(10) PRIMARY KEY, REMARK VARCHAR2(60))",
        "CREATE TABLE DSM_CHILD (ID NUMBER(10) PRIMARY KEY, \
         PARENT_ID NUMBER(10) NOT NULL REFERENCES DSM_PARENT (ID), NOTE VARCHAR2(60))",
        "CREATE TABLE DSM_LONG (ID NUMBER(10) PRIMARY KEY, NOTE VARCHAR2(60), TXT LONG)",
        "BEGIN FOR i IN 1 .. 1500 LOOP \
         INSERT INTO DSM_PARENT VALUES (i, 'p' || i || '@example.org'); END LOOP; END;",
        "BEGIN FOR i IN 1 .. 3000 LOOP \
         INSERT INTO DSM_CHILD VALUES (i, MOD(i, 1500) + 1, 'c' || i || '@example.net'); \
         END LOOP; END;",
        "BEGIN FOR i IN 1 .. 1500 LOOP \
         INSERT INTO DSM_LONG VALUES (i, 'l' || i || '@example.com', RPAD('long ', 5000, 'x')); \
         END LOOP; END;",
    ] {
        source.execute(sql, &[]).unwrap();
    }
    source.commit().unwrap();
    let ws = Workspace::empty();
    let vars = live_vars(&url, &target_url, &ws);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = |seed: &str, extra: &[&str]| {
        let mut args = vec!["extract", "ORA", "LIVE", "--seed-object", seed, "--strict"];
        args.extend_from_slice(extra);
        let out = ws.dbsub(&pairs).args(&args).output().unwrap();
        common::failure(&out, &args)
    };
    for share in ["2", "0"] {
        let err = refused(
            "DSM_CHILD",
            &[
                "--where",
                "ID <= :n",
                "--param",
                "n=2500",
                "--scan-share",
                share,
            ],
        );
        for column in ["DSM_CHILD.NOTE", "DSM_PARENT.REMARK"] {
            assert!(
                err.contains(column) && err.contains("nothing was written"),
                "--scan-share {share}, {column}: {err}"
            );
        }
    }
    let err = refused("DSM_LONG", &[]);
    assert!(
        err.contains("DSM_LONG.NOTE") && err.contains("nothing was written"),
        "{err}"
    );
    drop_sample_objects(&source);
}
