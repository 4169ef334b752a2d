//! Values travel exactly from a SQLite source into the archive and on into a target: random
//! rows of every type the SQLite source carries, extracted, read back and decoded by the
//! manifest's column types; then ingested into a target of the same schema, whose own extract
//! decodes to the very same values.

mod common;

use std::path::Path;

use dbsub::archive::csv::{CsvReader, Record};
use dbsub::commands::extract::{Request, extract};
use dbsub::config::{Config, DbKind};
use dbsub::model::text::{self as value, decode};
use dbsub::model::value::{Date, DateTime, Time, Value};
use dbsub::subset::Plan;
use proptest::prelude::*;
use rusqlite::{Connection, params};

#[derive(Clone, Debug)]
struct Row {
    text: Option<String>,
    decimal: Option<String>,
    date: Option<DateTime>,
    stamp: Option<DateTime>,
    stamp_tz: Option<(DateTime, i32)>,
    bytes: Option<Vec<u8>>,
    float: Option<f64>,
    int: Option<i64>,
}

fn date_time() -> impl Strategy<Value = DateTime> {
    (
        1i32..=9999,
        1u8..=12,
        1u8..=31,
        0u8..24,
        0u8..60,
        0u8..60,
        0u32..1_000_000_000,
    )
        .prop_filter_map("a real day", |(y, mo, d, h, mi, s, n)| {
            Some(DateTime {
                date: Date::new(y, mo, d)?,
                time: Time::new(h, mi, s, n)?,
            })
        })
}

fn row() -> impl Strategy<Value = Row> {
    (
        proptest::option::of(prop_oneof![
            Just(String::new()),
            Just("\"quoted\", with comma\r\nand lines ".to_string()),
            "\\PC{0,40}",
        ]),
        proptest::option::of(
            (
                any::<bool>(),
                0u64..10u64.pow(18),
                0u64..10u64.pow(10),
                0usize..=10,
            )
                .prop_map(|(neg, int, frac, scale)| {
                    let frac = format!("{frac:010}");
                    let text = if scale == 0 {
                        format!("{int}")
                    } else {
                        format!("{int}.{}", &frac[..scale])
                    };
                    if neg && text.chars().any(|c| c != '0' && c != '.') {
                        format!("-{text}")
                    } else {
                        text
                    }
                }),
        ),
        proptest::option::of(date_time().prop_map(|mut d| {
            d.time = Time::new(d.time.hour, d.time.minute, d.time.second, 0).unwrap();
            d
        })),
        proptest::option::of(date_time()),
        proptest::option::of(
            (date_time(), -(14 * 3600)..=(14 * 3600)).prop_map(|(d, o)| (d, o / 60 * 60)),
        ),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        proptest::option::of(
            any::<f64>().prop_filter("SQLite stores NaN as NULL and -0.0 as 0", |f| {
                !f.is_nan() && f.to_bits() != (-0.0f64).to_bits()
            }),
        ),
        proptest::option::of(any::<i64>()),
    )
        .prop_map(
            |(text, decimal, date, stamp, stamp_tz, bytes, float, int)| Row {
                text,
                decimal,
                date,
                stamp,
                stamp_tz,
                bytes,
                float,
                int,
            },
        )
}

const SCHEMA: &str = "CREATE TABLE V (ID INTEGER PRIMARY KEY, T VARCHAR2(4000), N NUMBER(38,10),
    D DATE, TS TIMESTAMP(9), TZ TIMESTAMPTZ(9), B BLOB, F BINARY_DOUBLE, I INTEGER)";

/// SQLite's own text for a timestamp: a space between date and time, as the demo stores it.
fn sqlite_text(d: &DateTime) -> String {
    Value::Timestamp(*d).to_csv_string().replacen('T', " ", 1)
}

trait CsvText {
    fn to_csv_string(&self) -> String;
}

impl CsvText for Value<'_> {
    fn to_csv_string(&self) -> String {
        let mut out = Vec::new();
        self.write_csv(&mut out);
        String::from_utf8(out).unwrap()
    }
}

/// Decimal text without trailing fractional zeros: SQLite's NUMERIC affinity keeps a decimal
/// as REAL when that is lossless, which drops them.
fn numeric(text: &str) -> String {
    let t = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    };
    if t == "-0" { "0".into() } else { t.to_string() }
}

/// The rows and, per row, the decimal as SQLite stored it (its NUMERIC affinity turns decimal
/// text into a REAL when 15 significant digits survive, so the source itself holds a double).
fn extract_rows(dir: &Path, rows: &[Row]) -> (Vec<Vec<Value<'static>>>, Vec<Option<String>>) {
    let db = dir.join("v.db");
    let _ = std::fs::remove_file(&db);
    let store = dir.join("store");
    let _ = std::fs::remove_dir_all(&store);
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    for (i, r) in rows.iter().enumerate() {
        conn.execute(
            "INSERT INTO V VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                i as i64,
                r.text,
                r.decimal,
                r.date.as_ref().map(sqlite_text),
                r.stamp.as_ref().map(sqlite_text),
                r.stamp_tz
                    .as_ref()
                    .map(|(d, o)| Value::TimestampTz(*d, *o).to_csv_string()),
                r.bytes,
                r.float,
                r.int,
            ],
        )
        .unwrap();
    }
    let stored: Vec<Option<String>> = conn
        .prepare("SELECT N FROM V ORDER BY ID")
        .unwrap()
        .query_map([], |r| {
            Ok(match r.get::<_, rusqlite::types::Value>(0)? {
                rusqlite::types::Value::Null => None,
                rusqlite::types::Value::Integer(i) => Some(i.to_string()),
                rusqlite::types::Value::Real(f) => value::decimal_from_f64(f),
                rusqlite::types::Value::Text(t) => Some(t),
                rusqlite::types::Value::Blob(_) => unreachable!(),
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(conn);
    (read_back(dir, &db, "T"), stored)
}

/// Extracts all of V from the SQLite file `db` into a store of its own and decodes its rows.
fn read_back(dir: &Path, db: &Path, env: &str) -> Vec<Vec<Value<'static>>> {
    let store = dir.join(format!("store-{env}"));
    let config = Config::from_vars([
        (
            format!("DBSUB_SOURCE_SQLITE_{env}"),
            format!("sqlite://{}?schema=S", db.display()),
        ),
        (
            format!("DBSUB_STORE_{env}"),
            format!("file://{}", store.display()),
        ),
    ]);
    let request = Request {
        kind: DbKind::Sqlite,
        env: env.into(),
        plan: Plan::from_flags(&["V".to_string()], None, None),
        subset: "v".into(),
        tables: vec![],
        refresh: true,
        incremental: false,
        detect_deletes: false,
        jobs: 1,
        dry_run: false,
        picture: None,
        part_size: 4096,
        key_memory: 1 << 20,
        chunk_rows: dbsub::cli::DEFAULT_CHUNK_ROWS,
        scan_share: None,
        classification: Vec::new(),
        strict: false,
        quiet: true,
    };
    extract(&config, &request, None).unwrap();
    let dir = store.join(format!("{env}/SQLITE/v"));
    let manifest = common::manifest(&dir);
    let table = &manifest.tables[0];
    let mut out = Vec::new();
    for part in &table.parts {
        let text = common::decompressed(&dir.join(&part.key));
        let mut reader = CsvReader::new(&text[..]);
        let mut record = Record::new();
        reader.read_record(&mut record).unwrap();
        while reader.read_record(&mut record).unwrap() {
            out.push(
                record
                    .iter()
                    .zip(&table.columns)
                    .map(|((f, q), c)| decode(f, q, &c.neutral_type).unwrap().into_owned())
                    .collect(),
            );
        }
    }
    out
}

/// Ingests the extract of env `T` into a new SQLite file with the source's schema and returns
/// that file.
fn ingest_into_copy(dir: &Path) -> std::path::PathBuf {
    let target = dir.join("target.db");
    let _ = std::fs::remove_file(&target);
    Connection::open(&target)
        .unwrap()
        .execute_batch(SCHEMA)
        .unwrap();
    let config = Config::from_vars([
        (
            "DBSUB_TARGET_SQLITE".to_string(),
            format!("sqlite://{}", target.display()),
        ),
        (
            "DBSUB_STORE_T".to_string(),
            format!("file://{}", dir.join("store-T").display()),
        ),
        (
            "DBSUB_CACHE_DIR".to_string(),
            dir.join("cache").display().to_string(),
        ),
    ]);
    let request = dbsub::commands::ingest::Request {
        kind: DbKind::Sqlite,
        env: "T".into(),
        subset: "v".into(),
        source: None,
        tables: vec![],
        refreshdb: false,
        merge: false,
        purge: false,
        jobs: 1,
        quiet: true,
    };
    let summary = dbsub::commands::ingest::ingest(&config, &request).unwrap();
    assert_eq!(summary.verify.problems, 0);
    target
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn every_value_comes_back_exactly(rows in proptest::collection::vec(row(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let (got, stored) = extract_rows(dir.path(), &rows);
        prop_assert_eq!(got.len(), rows.len());
        for (i, (r, g)) in rows.iter().zip(&got).enumerate() {
            prop_assert_eq!(&g[0], &Value::Int(i as i64), "rows in key order");
            let text = r.text.as_deref().map_or(Value::Null, |t| Value::Text(t.into()));
            prop_assert_eq!(&g[1], &text);
            match (&stored[i], &g[2]) {
                (None, v) => prop_assert_eq!(v, &Value::Null),
                (Some(d), Value::Decimal(t)) => {
                    prop_assert_eq!(numeric(t), numeric(d));
                    // What the source holds is what was inserted, up to SQLite's 15 digits.
                    let inserted = r.decimal.as_deref().unwrap();
                    prop_assert!((t.parse::<f64>().unwrap() - inserted.parse::<f64>().unwrap()).abs()
                        <= inserted.parse::<f64>().unwrap().abs() * 1e-15);
                }
                (Some(d), other) => prop_assert!(false, "{d} came back as {other:?}"),
            }
            prop_assert_eq!(&g[3], &r.date.map_or(Value::Null, Value::Timestamp));
            prop_assert_eq!(&g[4], &r.stamp.map_or(Value::Null, Value::Timestamp));
            prop_assert_eq!(&g[5], &r.stamp_tz.map_or(Value::Null, |(d, o)| Value::TimestampTz(d, o)));
            prop_assert_eq!(&g[6], &r.bytes.as_ref().map_or(Value::Null, |b| Value::Bytes(b.clone().into())));
            match (r.float, &g[7]) {
                (None, v) => prop_assert_eq!(v, &Value::Null),
                (Some(f), Value::Float(x)) => prop_assert_eq!(f.to_bits(), x.to_bits()),
                (Some(f), other) => prop_assert!(false, "{f} came back as {other:?}"),
            }
            prop_assert_eq!(&g[8], &r.int.map_or(Value::Null, Value::Int));
        }
        // On into a target: what it holds reads back as the very same values.
        let target = ingest_into_copy(dir.path());
        let again = read_back(dir.path(), &target, "AGAIN");
        prop_assert_eq!(again, got);
    }
}
