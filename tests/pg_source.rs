//! The PostgreSQL row source against a real server: a read that its handler stops part way
//! leaves the connection able to read again (COPY, key scans and lookups alike), the rows come
//! whole whatever the size of the server's messages, and integer keys found by a key scan are
//! the keys a lookup and a scan kept by a key set find. Skipped when there is no PostgreSQL,
//! unless `DBSUB_REQUIRE_PG=1`.

mod common;

use anyhow::bail;
use common::pg;

use dbsub::backend::{catalog_reader, parse_url, row_sources};
use dbsub::catalog::{Catalog, Column, Table};
use dbsub::model::key::{self, Key, KeyValue};
use dbsub::model::ports::RowSource;
use dbsub::model::row::{KeyColumn, ReadRequest, RowFilter};
use dbsub::model::value::Value;
use dbsub::subset::keys::{Budget, KeySet};

/// Rows of `item`: integer ids, text keys that look like integers and some that do not, and
/// values long enough that a row crosses the server's message and socket buffers.
const ROWS: i64 = 20_000;

fn setup() -> Option<(Catalog, String)> {
    let pg = pg::cluster()?;
    let url = pg.create_database("source");
    let mut client = pg::connect(&url);
    client
        .batch_execute(&format!(
            "CREATE TABLE item (id bigint PRIMARY KEY, code varchar(20) NOT NULL UNIQUE, \
               note text); \
             INSERT INTO item SELECT i, \
               CASE WHEN i % 3 = 0 THEN lpad(i::text, 6, '0') ELSE i::text END, \
               CASE WHEN i % 7 = 0 THEN NULL \
                    ELSE repeat(E'tab\\there\\nline é\\\\', 1 + i % 400) END \
             FROM generate_series(1, {ROWS}) i; \
             ANALYZE item;"
        ))
        .unwrap();
    let catalog = catalog_reader(&parse_url(&url).unwrap())
        .unwrap()
        .read_catalog(&[])
        .unwrap();
    Some((catalog, url))
}

/// The table `item`, its columns, and its order (`id`).
fn item(catalog: &Catalog) -> (&Table, Vec<&Column>, [KeyColumn; 1]) {
    let table = catalog.table("public", "item").unwrap();
    let columns = table.columns.iter().collect();
    (table, columns, [KeyColumn::Column("id".into())])
}

fn source(url: &str) -> Box<dyn RowSource> {
    row_sources(&parse_url(url).unwrap(), 1)
        .unwrap()
        .pop()
        .unwrap()
}

fn request<'a>(
    table: &'a Table,
    columns: &'a [&'a Column],
    order: &'a [KeyColumn],
) -> ReadRequest<'a> {
    ReadRequest {
        table,
        columns,
        masks: &[],
        order_by: order,
        filter: RowFilter::All,
        skip: 0,
        limit: None,
    }
}

/// The ids of every row `read` gives, with the checks that each row is whole.
fn ids(source: &mut dyn RowSource, read: &ReadRequest<'_>) -> Vec<i64> {
    let mut ids = Vec::new();
    source
        .read_rows(read, &mut |values| {
            let Value::Int(id) = values[0] else {
                bail!("id {:?}", values[0])
            };
            match &values[2] {
                Value::Null => assert_eq!(id % 7, 0),
                Value::Text(t) => assert_eq!(
                    t.len(),
                    "tab\there\nline é\\".len() * (1 + id % 400) as usize
                ),
                other => bail!("note {other:?}"),
            }
            ids.push(id);
            Ok(())
        })
        .unwrap();
    ids
}

#[test]
fn a_read_stopped_part_way_leaves_the_connection_able_to_read_every_row_again() {
    let Some((catalog, url)) = setup() else {
        return;
    };
    let (table, columns, order) = item(&catalog);
    let mut source = source(&url);
    let source = source.as_mut();
    let whole: Vec<i64> = (1..=ROWS).collect();

    // A COPY stopped after 10 rows; then the whole table, twice.
    let mut seen = 0;
    let err = source
        .read_rows(&request(table, &columns, &order), &mut |_| {
            seen += 1;
            if seen == 10 {
                bail!("enough");
            }
            Ok(())
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "enough");
    assert_eq!(ids(source, &request(table, &columns, &order)), whole);

    // A key scan stopped part way, then a whole one: every key, integers as integers.
    let codes = [KeyColumn::Column("code".into())];
    let err = source
        .scan_keys(table, &codes, &order, RowFilter::All, &mut |_| {
            bail!("stop")
        })
        .unwrap_err();
    assert!(format!("{err:#}").contains("stop"), "{err:#}");
    let mut keys: Vec<Vec<u8>> = Vec::new();
    source
        .scan_keys(table, &codes, &order, RowFilter::All, &mut |k| {
            let mut key = Vec::new();
            key::encode(k, &mut key);
            keys.push(key);
            Ok(())
        })
        .unwrap();
    assert_eq!(keys.len(), ROWS as usize);
    let decoded: Vec<Vec<KeyValue<'_>>> = keys.iter().map(|k| key::decode(k).unwrap()).collect();
    assert_eq!(decoded[0], vec![KeyValue::Int(1)]);
    assert_eq!(decoded[2], vec![KeyValue::Text("000003")]);

    // Lookups by those keys, one stopped part way; then every row, found by its own key.
    let batch: Vec<Key> = keys[..3000].iter().map(|k| k.clone().into()).collect();
    let stopped = source.read_rows(
        &ReadRequest {
            filter: RowFilter::In {
                columns: &codes,
                keys: &batch,
            },
            ..request(table, &columns, &order)
        },
        &mut |_| bail!("stop"),
    );
    assert!(stopped.is_err());
    let mut found = Vec::new();
    for chunk in keys.chunks(source.max_batch()) {
        let chunk: Vec<Key> = chunk.iter().map(|k| k.clone().into()).collect();
        found.extend(ids(
            source,
            &ReadRequest {
                filter: RowFilter::In {
                    columns: &codes,
                    keys: &chunk,
                },
                ..request(table, &columns, &order)
            },
        ));
    }
    assert_eq!(found, whole);

    // One scan kept by a set of the keys the key scan found (every other one).
    let budget = Budget::new(1 << 30, &std::env::temp_dir());
    let mut set = KeySet::new(&budget);
    for key in keys.iter().step_by(2) {
        set.insert(key).unwrap();
    }
    let kept = ids(
        source,
        &ReadRequest {
            filter: RowFilter::Among {
                columns: &codes,
                keys: &set,
            },
            ..request(table, &columns, &order)
        },
    );
    assert_eq!(kept, (1..=ROWS).step_by(2).collect::<Vec<i64>>());
}

/// A source whose connection the server ends (here `pg_terminate_backend`) fails its next read
/// with an error naming the table, the server and what may have ended it, rather than hanging
/// or panicking. (The server's own message is lost on the way: the next request meets a closed
/// socket, and tokio-postgres only says that the connection is closed.)
#[test]
fn a_source_connection_ended_by_the_server_fails_the_next_read() {
    let Some((catalog, url)) = setup() else {
        return;
    };
    let (table, columns, order) = item(&catalog);
    let mut source = source(&url);
    let mut admin = pg::connect(&url);
    admin
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .unwrap();
    let err = source
        .read_rows(&request(table, &columns, &order), &mut |_| Ok(()))
        .unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("public.item"), "{message}");
    assert!(
        message.contains(&url[url.rfind('/').unwrap()..]),
        "{message}"
    );
    assert!(
        message.contains("the server closed the connection (it restarted, or ended the session"),
        "{message}"
    );
}
