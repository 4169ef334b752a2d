//! Tests of the whole build (complete, deterministic, refusals) and of the number and date helpers.

use super::rows::{at, fmt_date, fmt_ts, t_max};
use super::seedlots::seedlot_number;
use super::*;
use rusqlite::types::Value;

fn dump(path: &Path) -> Vec<(String, Vec<Vec<Value>>)> {
    let conn = Connection::open(path).unwrap();
    let stats = collect_stats(&conn).unwrap();
    stats
        .tables
        .iter()
        .map(|(name, _)| {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {name} ORDER BY rowid"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .unwrap()
                .collect::<rusqlite::Result<Vec<Vec<Value>>>>()
                .unwrap();
            (name.clone(), rows)
        })
        .collect()
}

#[test]
fn small_build_is_complete_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let stats = build_demo_database(&path, 0.02).unwrap();
    assert!(
        stats.tables.len() >= 30,
        "only {} tables",
        stats.tables.len()
    );
    for (name, count) in &stats.tables {
        assert!(*count > 0, "table {name} is empty");
    }
    assert_eq!(
        stats.total_rows(),
        stats.tables.iter().map(|(_, n)| n).sum::<u64>()
    );
    assert_eq!(stats.tables[0].0, "SEEDLOT_STATUS_CODE");

    let conn = Connection::open(&path).unwrap();
    let mut stmt = conn.prepare("PRAGMA foreign_key_check").unwrap();
    let violations = stmt.query_map([], |_| Ok(())).unwrap().count();
    assert_eq!(violations, 0);
    let audits: i64 = conn
        .query_row("SELECT COUNT(*) FROM SEEDLOT_AUDIT", [], |r| r.get(0))
        .unwrap();
    assert!(audits > 0);
    // The cycle is closed for most clients, and left open for none of the locations.
    let with_primary: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM FOREST_CLIENT WHERE PRIMARY_LOCN_CODE IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(with_primary > 0);
    // Views work, including the one built on the other.
    let view_rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM ORCHARD_SEEDLOT_VW", [], |r| r.get(0))
        .unwrap();
    assert!(view_rows > 0);
    // Owner percentages add up to 100 per seedlot.
    let bad_totals: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM SEEDLOT_SUMMARY_VW WHERE abs(TOTAL_PCT_OWNED - 100) > 0.001",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bad_totals, 0);
}

#[test]
fn builds_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let sa = build_demo_database(&a, 0.02).unwrap();
    let sb = build_demo_database(&b, 0.02).unwrap();
    assert_eq!(sa, sb);
    assert!(dump(&a) == dump(&b), "row dumps differ");
}

/// Remembers what a build reports: rows per table, and the steps.
#[derive(Default)]
struct Recorder {
    rows: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
    steps: std::sync::Mutex<Vec<String>>,
}

impl BuildProgress for Recorder {
    fn row(&self, table: &str) {
        *self
            .rows
            .lock()
            .unwrap()
            .entry(table.to_string())
            .or_default() += 1;
    }
    fn step(&self, what: &str) {
        self.steps.lock().unwrap().push(what.to_string());
    }
}

#[test]
fn progress_reports_every_row_of_every_table_then_the_steps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reported.db");
    let recorder = Arc::new(Recorder::default());
    let stats = build_demo_database_reporting(&path, 0.02, recorder.clone()).unwrap();
    let reported = recorder.rows.lock().unwrap().clone();
    // Each table's rows as SQLite counts them, the trigger's SEEDLOT_AUDIT rows included.
    let counted: std::collections::BTreeMap<String, u64> = stats.tables.into_iter().collect();
    assert_eq!(reported, counted);
    assert_eq!(
        *recorder.steps.lock().unwrap(),
        [
            "committing",
            "checking the foreign keys",
            "counting the rows"
        ]
    );
}

#[test]
fn reporting_progress_leaves_the_rows_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("quiet.db");
    let reported = dir.path().join("reported.db");
    build_demo_database(&quiet, 0.02).unwrap();
    build_demo_database_reporting(&reported, 0.02, Arc::new(Recorder::default())).unwrap();
    assert!(dump(&quiet) == dump(&reported), "row dumps differ");
}

#[test]
fn expected_rows_are_close_to_the_rows_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sized.db");
    let written = build_demo_database(&path, 0.1).unwrap().total_rows();
    let expected = expected_rows(0.1);
    let off = expected.abs_diff(written) as f64 / written as f64;
    assert!(off < 0.05, "expected {expected} rows, {written} written");
}

#[test]
fn tiny_scale_fills_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.db");
    let stats = build_demo_database(&path, 0.0001).unwrap();
    for (name, count) in &stats.tables {
        assert!(*count > 0, "table {name} is empty");
    }
}

#[test]
fn existing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exists.db");
    std::fs::write(&path, b"keep me").unwrap();
    let err = build_demo_database(&path, 0.01).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err:#}");
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
}

#[test]
fn bad_scales_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    for scale in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e6] {
        let path = dir.path().join("bad.db");
        let err = build_demo_database(&path, scale).unwrap_err();
        assert!(err.to_string().contains("invalid demo scale"), "{err:#}");
        assert!(!path.exists());
    }
}

#[test]
fn seedlot_numbers_are_ordered_and_fit() {
    let samples = [0, 1, 39_999, 40_000, 40_001, 1_000_000, 10_000_000];
    let numbers: Vec<String> = samples.iter().map(|&i| seedlot_number(i)).collect();
    assert_eq!(numbers[0], "60000");
    assert_eq!(numbers[2], "99999");
    assert_eq!(numbers[3], "A0000");
    for w in numbers.windows(2) {
        assert!(w[0] < w[1], "{} !< {}", w[0], w[1]);
    }
    assert!(numbers.iter().all(|n| n.len() == 5));
}

#[test]
fn dates_round_trip() {
    assert_eq!(fmt_ts(at(1990, 1, 1)), "1990-01-01 00:00:00");
    assert_eq!(fmt_ts(at(2024, 2, 29) + 3661), "2024-02-29 01:01:01");
    assert_eq!(fmt_ts(t_max()), "2025-12-31 23:59:59");
    assert_eq!(fmt_date(at(9999, 12, 31)), "9999-12-31 00:00:00");
}
