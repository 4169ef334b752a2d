//! The SQLite catalog reader on the demo schema: exactly the tables, keys, foreign keys,
//! views, triggers and dependencies that data/demo/schema.sql declares.

mod common;

use std::fmt::Write as _;

use common::{Workspace, golden};
use dbsub::backend::{catalog_reader, parse_url};
use dbsub::catalog::{Catalog, NeutralType, ObjectKey};

fn demo_catalog() -> (Workspace, Catalog) {
    let ws = Workspace::with_demo();
    let url = parse_url(&ws.demo_url()).unwrap();
    let catalog = catalog_reader(&url).unwrap().read_catalog(&[]).unwrap();
    (ws, catalog)
}

/// One line per table, key and foreign key; then views, triggers and dependencies.
fn summary(catalog: &Catalog) -> String {
    let mut out = String::new();
    for t in &catalog.tables {
        let _ = writeln!(
            out,
            "TABLE {}.{} ({} columns)",
            t.schema,
            t.name,
            t.columns.len()
        );
        if let Some(pk) = &t.primary_key {
            let _ = writeln!(
                out,
                "  PK {} ({})",
                pk.name.as_deref().unwrap_or("-"),
                pk.columns.join(", ")
            );
        }
        for uk in &t.unique_keys {
            let _ = writeln!(
                out,
                "  UK {} ({})",
                uk.name.as_deref().unwrap_or("-"),
                uk.columns.join(", ")
            );
        }
        for fk in &t.foreign_keys {
            let _ = writeln!(
                out,
                "  FK {} ({}) -> {}.{} ({}){}",
                fk.name,
                fk.columns.join(", "),
                fk.ref_schema,
                fk.ref_table,
                fk.ref_columns.join(", "),
                if t.fk_is_nullable(fk) {
                    " nullable"
                } else {
                    ""
                }
            );
        }
        for ix in &t.indexes {
            let cols: Vec<&str> = ix.columns.iter().map(|c| c.expression.as_str()).collect();
            let _ = writeln!(
                out,
                "  INDEX {}{} ({})",
                ix.name,
                if ix.unique { " unique" } else { "" },
                cols.join(", ")
            );
        }
        for ck in &t.checks {
            let _ = writeln!(out, "  CHECK {}", ck.expression);
        }
    }
    for v in &catalog.views {
        let _ = writeln!(
            out,
            "VIEW {}.{} ({} columns)",
            v.schema,
            v.name,
            v.columns.len()
        );
    }
    for tr in &catalog.triggers {
        let _ = writeln!(
            out,
            "TRIGGER {}.{} {} {} ON {}",
            tr.schema,
            tr.name,
            tr.timing,
            tr.events.join(" OR "),
            tr.table_name
        );
    }
    for d in &catalog.dependencies {
        let _ = writeln!(out, "DEPENDENCY {} -> {}", d.from, d.to);
    }
    out
}

#[test]
fn the_demo_schema_reads_exactly() {
    let (_ws, catalog) = demo_catalog();
    golden("demo-catalog.txt", &summary(&catalog));
}

#[test]
fn the_features_the_demo_exists_to_show() {
    let (_ws, catalog) = demo_catalog();
    assert_eq!(catalog.tables.len(), 36);
    assert!(catalog.tables.iter().all(|t| t.schema == "THE"));

    // Composite primary key.
    let loc = catalog.table("THE", "CLIENT_LOCATION").unwrap();
    assert_eq!(
        loc.primary_key.as_ref().unwrap().columns,
        ["CLIENT_NUMBER", "CLIENT_LOCN_CODE"]
    );

    // The cycle: nullable on the FOREST_CLIENT side only.
    let client = catalog.table("THE", "FOREST_CLIENT").unwrap();
    let primary = client
        .foreign_keys
        .iter()
        .find(|f| f.ref_table == "CLIENT_LOCATION")
        .unwrap();
    assert_eq!(primary.columns, ["CLIENT_NUMBER", "PRIMARY_LOCN_CODE"]);
    assert_eq!(primary.ref_columns, ["CLIENT_NUMBER", "CLIENT_LOCN_CODE"]);
    assert!(client.fk_is_nullable(primary));
    let back = &loc.foreign_keys[0];
    assert_eq!(back.ref_table, "FOREST_CLIENT");
    assert!(!loc.fk_is_nullable(back));

    // Self-reference.
    let tree = catalog.table("THE", "PARENT_TREE").unwrap();
    assert_eq!(
        tree.foreign_keys
            .iter()
            .filter(|f| f.ref_table == "PARENT_TREE")
            .count(),
        2
    );

    // No primary key, no unique key.
    let tests = catalog.table("THE", "SEEDLOT_TEST_RESULT").unwrap();
    assert!(tests.primary_key.is_none() && tests.unique_keys.is_empty());

    // The audit trigger writes SEEDLOT_AUDIT.
    assert!(
        catalog
            .dependencies
            .iter()
            .any(|d| d.from.name == "SEEDLOT.SEEDLOT_AUDIT_TRG"
                && d.to == ObjectKey::table("THE", "SEEDLOT_AUDIT"))
    );

    // Types as declared.
    let seedlot = catalog.table("THE", "SEEDLOT").unwrap();
    assert_eq!(
        seedlot.column("SEEDLOT_NUMBER").unwrap().native_type,
        "VARCHAR2(5)"
    );
    assert!(matches!(
        seedlot.column("SEEDLOT_NUMBER").unwrap().neutral_type,
        NeutralType::Text {
            length: Some(5),
            ..
        }
    ));
}
