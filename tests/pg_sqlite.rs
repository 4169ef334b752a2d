//! PostgreSQL's dates, times and sequence defaults carried into SQLite and into another
//! PostgreSQL database (the throwaway cluster of `tests/common/pg.rs`): a default drawn from a
//! sequence no column owns is reported and left out in SQLite, a `date` stays a date there, and
//! the sequence moves past the loaded keys in PostgreSQL.
//!
//! Skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use common::{Workspace, pg, read_extract, stderr, stdout};

/// A sequence shared by two tables' defaults, owned by neither; dates, times and instants.
const TICKETS: &str = "
CREATE SEQUENCE shared_seq;
CREATE TABLE ticket (
  id bigint PRIMARY KEY DEFAULT nextval('shared_seq'),
  d date NOT NULL,
  t time(0),
  ts timestamptz(6),
  note text DEFAULT 'none'
);
CREATE TABLE ticket_note (
  id bigint PRIMARY KEY,
  ticket_id bigint NOT NULL REFERENCES ticket (id),
  seq_no bigint NOT NULL DEFAULT nextval('shared_seq')
);
";

const TICKET_ROWS: &str = "
INSERT INTO ticket (id, d, t, ts) VALUES
  (40, '2022-02-14', '13:45:10', '2022-02-14 13:45:10.5+00'),
  (41, '1999-12-31', NULL, NULL);
INSERT INTO ticket_note (id, ticket_id, seq_no) VALUES (1, 40, 70), (2, 41, 71);
";

/// dbsub in `ws` with `vars`; its stdout and stderr together, and whether it succeeded.
fn run(ws: &Workspace, vars: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    let out = ws.dbsub(vars).args(args).output().unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    (out.status.success(), text)
}

fn ok(ws: &Workspace, vars: &[(&str, &str)], args: &[&str]) -> String {
    let (success, text) = run(ws, vars, args);
    assert!(success, "dbsub {args:?} failed:\n{text}");
    text
}

/// `create-migrations` from `source` for `dialect` (into a folder of that name), applied to
/// `target`; the report of the first.
fn migrations(ws: &Workspace, source: &str, dialect: &str, target: &str) -> String {
    let struct_url = [("DBSUB_STRUCT_URL", source)];
    let folder = ["--migration-folder", dialect];
    let create = [
        "create-migrations",
        "--seed-object",
        "ticket_note",
        "--dialect",
        dialect,
    ];
    let created = ok(ws, &struct_url, &[&create[..], &folder[..]].concat());
    ok(
        ws,
        &struct_url,
        &[&["migrate", "--target", target][..], &folder[..]].concat(),
    );
    created
}

#[test]
fn an_unowned_sequence_default_and_dates_travel_into_sqlite_and_postgres() {
    let Some(pg) = pg::cluster() else { return };
    let ws = Workspace::empty();
    let source = pg.create_database("tickets_source");
    pg::connect(&source)
        .batch_execute(&format!("{TICKETS}{TICKET_ROWS}"))
        .unwrap();
    let store = |name: &str| format!("file://{}", ws.path().join(name).display());
    let (pg_store, local_store) = (store("store"), store("local_store"));
    let file = ws.path().join("local.db");
    let sqlite = format!("sqlite://{}", file.display());

    // SQLite: the defaults drawn from the sequence are left out, each reported with a remedy.
    let created = migrations(&ws, &source, "sqlite", &sqlite);
    for column in ["public.ticket.id", "public.ticket_note.seq_no"] {
        assert!(
            created.contains(&format!(
                "column {column}: its default draws from sequence shared_seq"
            )),
            "{column} not reported in:\n{created}"
        );
    }
    assert!(created.contains("rowid"), "{created}");

    // PostgreSQL → SQLite → extracted again: the same text for every date, time and instant.
    ok(
        &ws,
        &[
            ("DBSUB_SOURCE_PG_APP", &source),
            ("DBSUB_STORE_APP", &pg_store),
        ],
        &["extract", "PG", "APP", "--seed-object", "ticket_note"],
    );
    ok(
        &ws,
        &[
            ("DBSUB_TARGET_SQLITE", &sqlite),
            ("DBSUB_STORE_APP", &pg_store),
        ],
        &["ingest", "SQLITE", "APP"],
    );
    ok(
        &ws,
        &[
            ("DBSUB_SOURCE_SQLITE_LOCAL", &sqlite),
            ("DBSUB_STORE_LOCAL", &local_store),
        ],
        &["extract", "SQLITE", "LOCAL", "--seed-object", "ticket_note"],
    );
    let from_pg = read_extract(&ws.path().join("store/APP/PG/default"));
    let from_sqlite = read_extract(&ws.path().join("local_store/LOCAL/SQLITE/default"));
    let rows = |extract: &common::ExtractRows, table: &str| {
        let names: Vec<&String> = extract.keys().collect();
        let found = extract.get(table).cloned();
        found.unwrap_or_else(|| panic!("no {table} in {names:?}"))
    };
    assert_eq!(rows(&from_sqlite, "ticket"), rows(&from_pg, "ticket"));
    let (_, tickets) = rows(&from_sqlite, "ticket");
    assert_eq!(tickets[0][1].0, "2022-02-14", "{tickets:?}");
    assert_eq!(tickets[0][2].0, "13:45:10", "{tickets:?}");
    assert_eq!(
        tickets[0][3].0, "2022-02-14T13:45:10.5+00:00",
        "{tickets:?}"
    );
    // In SQLite, a date column holds the date and matches it.
    let db = rusqlite::Connection::open(&file).unwrap();
    let (declared, stored): (String, String) = db
        .query_row(
            "SELECT (SELECT type FROM pragma_table_info('ticket') WHERE name = 'd'), \
             (SELECT d FROM ticket WHERE d = '2022-02-14')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (declared.as_str(), stored.as_str()),
        ("DATEONLY", "2022-02-14")
    );
    // The catalog reads the columns back as a date, a time and an instant.
    let url = dbsub::backend::parse_url(&sqlite).unwrap();
    let local = dbsub::backend::catalog_reader(&url)
        .unwrap()
        .read_catalog(&[])
        .unwrap();
    let types: Vec<String> = local.table("main", "ticket").unwrap().columns[1..4]
        .iter()
        .map(|c| format!("{:?}", c.neutral_type))
        .collect();
    assert_eq!(
        types,
        [
            "Date",
            "Time { precision: None }",
            "TimestampTz { precision: Some(6), local: false }"
        ]
    );

    // PostgreSQL → PostgreSQL: after the load, the shared sequence is past every loaded value.
    let target = pg.create_database("tickets_target");
    migrations(&ws, &source, "postgres", &target);
    let loaded = ok(
        &ws,
        &[("DBSUB_TARGET_PG", &target), ("DBSUB_STORE_APP", &pg_store)],
        &["ingest", "PG", "APP"],
    );
    assert!(loaded.contains("shared_seq"), "{loaded}");
    let mut client = pg::connect(&target);
    let next: i64 = client
        .query_one("SELECT nextval('shared_seq')", &[])
        .unwrap()
        .get(0);
    assert!(
        next > 71,
        "nextval gave {next} after loading keys up to 71:\n{loaded}"
    );
}
