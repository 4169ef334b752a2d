//! The row source's statements, for the grammar check of `../statements.rs`: the session, the
//! SCN, the dictionary lookups, and reads and key scans of every shape.

use std::collections::BTreeMap;

use super::query::{high_water_query, keys_query, read_query};
use super::{ESTIMATE_QUERY, LOCATOR_QUERY, SCN_QUERIES, SESSION, SYSTIMESTAMP_QUERY};
use crate::catalog::*;
use crate::db::oracle::statements::{Sent, sent, table};
use crate::model::key::{self, KeyValue};
use crate::model::mask::SourceMask;
use crate::model::row::{Condition, KeyColumn, KeyLookup, KeyRange, RowFilter};

/// A seed condition without parameters.
fn condition(sql: &str) -> RowFilter<'_> {
    static NONE: BTreeMap<String, String> = BTreeMap::new();
    RowFilter::Where(Condition { sql, params: &NONE })
}

fn key(values: &[KeyValue<'_>]) -> key::Key {
    let mut out = Vec::new();
    key::encode(values, &mut out);
    out.into_boxed_slice()
}

fn column(t: &Table) -> KeyColumn {
    KeyColumn::Column(t.primary_key.as_ref().unwrap().columns[0].clone())
}

pub(in crate::db::oracle) fn all(tables: &[Table]) -> Vec<Sent> {
    let mut out = Vec::new();
    for sql in SESSION {
        out.push(sent("source SESSION", sql));
    }
    for sql in SCN_QUERIES {
        out.push(sent("source SCN_QUERIES", sql));
    }
    out.push(sent("source SYSTIMESTAMP_QUERY", SYSTIMESTAMP_QUERY));
    out.push(sent("source LOCATOR_QUERY has_locator", LOCATOR_QUERY));
    out.push(sent("source ESTIMATE_QUERY", ESTIMATE_QUERY));
    let scn = Some("1234567890123");
    let read = |label: &str, q: anyhow::Result<super::query::Query>| {
        sent(format!("source read_query {label}"), q.unwrap().sql)
    };
    // Every table, every column, as of an SCN, in key order, with the ROWID; then resumed
    // (OFFSET) and inside a read-only transaction (no AS OF).
    for t in tables {
        let columns: Vec<&Column> = t.columns.iter().collect();
        let order: Vec<KeyColumn> = match &t.primary_key {
            Some(pk) => pk.columns.iter().cloned().map(KeyColumn::Column).collect(),
            None => vec![KeyColumn::Locator],
        };
        let all = RowFilter::All;
        out.push(read(
            &format!("{} every column", t.name),
            read_query(t, &columns, &[], &order, all, 0, None, scn, true),
        ));
        // The grammar stops at JSON_SERIALIZE(<column> …) (a gap its README lists): the same
        // read without JSON columns lets it check the rest of the statement.
        if t.columns
            .iter()
            .any(|c| c.neutral_type == NeutralType::Json)
        {
            let no_json: Vec<&Column> = t
                .columns
                .iter()
                .filter(|c| c.neutral_type != NeutralType::Json)
                .collect();
            out.push(read(
                &format!("{} every column but JSON", t.name),
                read_query(t, &no_json, &[], &order, all, 5000, None, scn, true),
            ));
        }
        out.push(read(
            &format!("{} resumed with OFFSET", t.name),
            read_query(t, &columns, &[], &order, all, 5000, None, scn, false),
        ));
        // A sample of values (the personal-data check): limited on the server, resumed or not.
        out.push(read(
            &format!("{} sample with FETCH FIRST", t.name),
            read_query(t, &columns, &[], &order, all, 0, Some(1000), scn, true),
        ));
        out.push(read(
            &format!("{} resumed and limited", t.name),
            read_query(t, &columns, &[], &order, all, 5000, Some(1000), scn, false),
        ));
        out.push(read(
            &format!("{} no SCN", t.name),
            read_query(t, &columns, &[], &[], all, 0, None, None, false),
        ));
    }
    let sample = table(tables, "TYPE_SAMPLE");
    let by_name = |names: &[&str]| -> Vec<&Column> {
        names.iter().map(|n| sample.column(n).unwrap()).collect()
    };
    // Masks computed by the server: every kind over the types they meet.
    let masked = by_name(&[
        "ID", "VC_CHAR", "N_MONEY", "D", "TS", "TS_TZ", "NVC", "CL", "D", "TS", "TS_TZ", "CH_CHAR",
    ]);
    let shift = SourceMask::ShiftDays {
        days: 30,
        key: [7; 32],
    };
    let masks = [
        None,
        Some(SourceMask::Digest),
        Some(SourceMask::Digest),
        Some(SourceMask::Digest),
        Some(SourceMask::Digest),
        Some(SourceMask::Digest),
        Some(SourceMask::NullOnly),
        Some(SourceMask::NullOnly),
        Some(shift.clone()),
        Some(shift.clone()),
        Some(shift),
        Some(SourceMask::NullOnly),
    ];
    let id = [KeyColumn::Column("ID".into())];
    out.push(read(
        "masked mask_select Digest NullOnly ShiftDays",
        read_query(
            sample,
            &masked,
            &masks,
            &id,
            RowFilter::All,
            10,
            None,
            scn,
            true,
        ),
    ));
    // A seed's condition, naming the table by its alias.
    out.push(read(
        "seed condition",
        read_query(
            sample,
            &by_name(&["ID", "VC_BYTE", "X", "J", "GEOM"]),
            &[],
            &id,
            condition("\"N_MONEY\" > 100 AND \"TYPE_SAMPLE\".\"D\" < DATE '2024-01-01'"),
            0,
            None,
            scn,
            true,
        ),
    ));
    // A time window with bound parameters (`--param`), one of them used twice.
    let window: BTreeMap<String, String> = [("from", "2024-01-01"), ("to", "2024-02-01")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    out.push(read(
        "seed condition with parameters",
        read_query(
            sample,
            &by_name(&["ID", "D"]),
            &[],
            &id,
            RowFilter::Where(Condition {
                sql: "\"D\" >= :from AND \"D\" < :to AND (\"N_MONEY\" IS NULL OR \"D\" <> :from)",
                params: &window,
            }),
            10,
            None,
            scn,
            true,
        ),
    ));
    // Lookups: one key column, a composite key, the ROWID, a timestamp key.
    let ids: Vec<key::Key> = (1..=3).map(|i| key(&[KeyValue::Int(i)])).collect();
    out.push(read(
        "IN list one column",
        read_query(
            sample,
            &by_name(&["ID", "CL", "BL"]),
            &[],
            &[],
            RowFilter::In {
                columns: &id,
                keys: &ids,
            },
            0,
            None,
            scn,
            false,
        ),
    ));
    let lines = table(tables, "ORDER_LINE");
    let pair = [
        KeyColumn::Column("ORDER_ID".into()),
        KeyColumn::Column("LINE_NO".into()),
    ];
    let pairs: Vec<key::Key> = [(1, 1), (1, 2), (7, 3)]
        .iter()
        .map(|&(o, l)| key(&[KeyValue::Int(o), KeyValue::Int(l)]))
        .collect();
    let line_columns: Vec<&Column> = lines.columns.iter().collect();
    out.push(read(
        "IN list composite key",
        read_query(
            lines,
            &line_columns,
            &[],
            &pair,
            RowFilter::In {
                columns: &pair,
                keys: &pairs,
            },
            0,
            None,
            scn,
            false,
        ),
    ));
    let rowids: Vec<key::Key> = ["AAAR3sAAEAAAACXAAA", "AAAR3sAAEAAAACXAAB"]
        .iter()
        .map(|r| key(&[KeyValue::Text(r)]))
        .collect();
    let locator = [KeyColumn::Locator];
    out.push(read(
        "IN list ROWID CHARTOROWID",
        read_query(
            sample,
            &by_name(&["ID", "LR"]),
            &[],
            &[],
            RowFilter::In {
                columns: &locator,
                keys: &rowids,
            },
            0,
            None,
            scn,
            true,
        ),
    ));
    let odd = table(tables, "order line's");
    let odd_columns: Vec<&Column> = odd.columns.iter().collect();
    let when = [KeyColumn::Column("when it happened".into())];
    let times: Vec<key::Key> = ["2024-07-14 14:30:00.123456+02:00"]
        .iter()
        .map(|t| key(&[KeyValue::Text(t)]))
        .collect();
    out.push(read(
        "IN list timestamp key quoted names",
        read_query(
            odd,
            &odd_columns,
            &[],
            &[column(odd)],
            RowFilter::In {
                columns: &when,
                keys: &times,
            },
            0,
            None,
            scn,
            false,
        ),
    ));
    // A scan kept by the closure's keys: the whole table, its key columns read after the
    // columns and ROWID, a composite key and the ROWID.
    struct NoKeys;
    impl KeyLookup for NoKeys {
        fn contains(&self, _: &[u8]) -> anyhow::Result<bool> {
            Ok(false)
        }
        fn len(&self) -> u64 {
            0
        }
    }
    out.push(read(
        "scan kept by a key set composite key resumed",
        read_query(
            lines,
            &line_columns,
            &[],
            &pair,
            RowFilter::Among {
                columns: &pair,
                keys: &NoKeys,
            },
            25,
            None,
            scn,
            true,
        ),
    ));
    out.push(read(
        "scan kept by a key set ROWID",
        read_query(
            sample,
            &by_name(&["ID", "LR"]),
            &[],
            &locator,
            RowFilter::Among {
                columns: &locator,
                keys: &NoKeys,
            },
            0,
            None,
            scn,
            true,
        ),
    ));
    // Chunks of a big table: an identity range (open at one end, a composite key under a
    // seed's condition), and ROWID ranges for a table without a key.
    let lo = key(&[KeyValue::Int(1000)]);
    out.push(read(
        "chunk key range",
        read_query(
            sample,
            &by_name(&["ID", "VC_BYTE"]),
            &[],
            &id,
            RowFilter::Range {
                condition: None,
                range: KeyRange {
                    columns: &id,
                    after: Some(&lo),
                    upto: None,
                },
            },
            0,
            None,
            scn,
            true,
        ),
    ));
    out.push(read(
        "chunk composite key range with a condition, resumed",
        read_query(
            lines,
            &line_columns,
            &[],
            &pair,
            RowFilter::Range {
                condition: Some(Condition {
                    sql: "\"AMOUNT\" > 0",
                    params: &window,
                }),
                range: KeyRange {
                    columns: &pair,
                    after: Some(&pairs[0]),
                    upto: Some(&pairs[2]),
                },
            },
            500,
            None,
            scn,
            false,
        ),
    ));
    out.push(read(
        "chunk ROWID range",
        read_query(
            sample,
            &by_name(&["ID", "LR"]),
            &[],
            &locator,
            RowFilter::Range {
                condition: None,
                range: KeyRange {
                    columns: &locator,
                    after: Some(&rowids[0]),
                    upto: Some(&rowids[1]),
                },
            },
            0,
            None,
            scn,
            true,
        ),
    ));
    // Key scans.
    let scan = |label: &str, q: anyhow::Result<super::query::Query>| {
        sent(format!("source keys_query {label}"), q.unwrap().sql)
    };
    out.push(scan(
        "one column",
        keys_query(sample, &id, &id, RowFilter::All, scn),
    ));
    out.push(scan(
        "ROWID",
        keys_query(sample, &locator, &locator, RowFilter::All, None),
    ));
    out.push(scan(
        "composite with a condition",
        keys_query(lines, &pair, &pair, condition("\"AMOUNT\" > 0"), scn),
    ));
    out.push(scan(
        "changed rows of a seed, above a mark",
        keys_query(
            lines,
            &pair,
            &pair,
            RowFilter::Above {
                column: &lines.columns[0].name,
                value: "7",
                and: condition("\"AMOUNT\" > 0").condition().copied(),
            },
            scn,
        ),
    ));
    out.push(sent(
        "source high_water_query",
        high_water_query(lines, &lines.columns[0], scn).sql,
    ));
    out.push(scan(
        "lookup",
        keys_query(
            lines,
            &pair,
            &[],
            RowFilter::In {
                columns: &pair,
                keys: &pairs,
            },
            scn,
        ),
    ));
    out
}
