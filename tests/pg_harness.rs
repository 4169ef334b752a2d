//! The throwaway PostgreSQL cluster of `tests/common/pg.rs`: it starts, gives each test its own
//! database, and the URLs it hands out work. Skipped when there is no PostgreSQL, unless
//! `DBSUB_REQUIRE_PG=1`.

mod common;

use common::pg;

/// The first column of the first row of `sql`, as text.
fn text(client: &mut postgres::Client, sql: &str) -> String {
    let row = client
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.get(0)
}

#[test]
fn the_server_is_utf8_and_listens_on_loopback_only() {
    let Some(pg) = pg::cluster() else { return };
    let mut client = pg::connect(&pg.create_database("encoding"));
    assert_eq!(text(&mut client, "SHOW server_encoding"), "UTF8");
    assert_eq!(
        text(
            &mut client,
            "SELECT pg_encoding_to_char(encoding) FROM pg_database \
             WHERE datname = current_database()"
        ),
        "UTF8"
    );
    assert_eq!(text(&mut client, "SHOW listen_addresses"), "127.0.0.1");
    assert_eq!(text(&mut client, "SHOW port"), pg.port().to_string());
}

#[test]
fn each_database_is_fresh_and_separate() {
    let Some(pg) = pg::cluster() else { return };
    let first = pg.create_database("separate");
    let second = pg.create_database("separate");
    assert_ne!(first, second);

    let mut a = pg::connect(&first);
    a.batch_execute(
        "CREATE TABLE seedlot (id integer PRIMARY KEY); INSERT INTO seedlot VALUES (1)",
    )
    .expect("create a table in the first database");
    assert_eq!(text(&mut a, "SELECT count(*)::text FROM seedlot"), "1");

    let mut b = pg::connect(&second);
    let found: Option<String> = b
        .query_one("SELECT to_regclass('seedlot')::text", &[])
        .expect("look the table up in the second database")
        .get(0);
    assert_eq!(found, None, "the table leaked into the second database");
}

#[test]
fn the_url_names_the_database_and_the_superuser() {
    let Some(pg) = pg::cluster() else { return };
    // Any hint is made into a valid name.
    let url = pg.create_database("Odd hint: ÄÖ-1");
    let prefix = format!("postgres://dbsub@127.0.0.1:{}/", pg.port());
    let name = url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{url} does not start with {prefix}"));

    let mut client = pg::connect(&url);
    assert_eq!(text(&mut client, "SELECT current_database()"), name);
    assert_eq!(text(&mut client, "SELECT current_user"), "dbsub");
    eprintln!(
        "cluster in {}, started in {:?}",
        pg.bin_dir().display(),
        pg.startup_time()
    );
}
