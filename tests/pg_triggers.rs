//! PostgreSQL names triggers and constraints per table: the same `last_updated` trigger on
//! several tables, and the same CHECK and foreign-key names on two tables, stay one object per
//! table through the catalog, the dependency walk, the migrations and a PostgreSQL target.
//!
//! Skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use std::collections::BTreeSet;

use common::{Workspace, pg, success};
use dbsub::catalog::ObjectKind;

const SCHEMA: &str = r#"
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TABLE customer (
    id int PRIMARY KEY,
    updated_at timestamptz,
    CONSTRAINT positive CHECK (id > 0)
);
CREATE TABLE supplier (
    id int PRIMARY KEY,
    updated_at timestamptz,
    CONSTRAINT positive CHECK (id > 0)
);
CREATE TABLE orders (
    id int PRIMARY KEY,
    customer_id int,
    updated_at timestamptz,
    CONSTRAINT parent_fk FOREIGN KEY (customer_id) REFERENCES customer
);
CREATE TABLE invoice (
    id int PRIMARY KEY,
    supplier_id int,
    order_id int REFERENCES orders,
    updated_at timestamptz,
    CONSTRAINT parent_fk FOREIGN KEY (supplier_id) REFERENCES supplier
);
CREATE TRIGGER last_updated BEFORE UPDATE ON customer FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER last_updated BEFORE UPDATE ON supplier FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER last_updated BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER last_updated BEFORE UPDATE ON invoice FOR EACH ROW EXECUTE FUNCTION touch();
"#;

const TABLES: [&str; 4] = ["customer", "invoice", "orders", "supplier"];

/// The (table, trigger) pairs and the (table, constraint) names of a database's public schema.
fn triggers_and_constraints(url: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut client = pg::connect(url);
    let triggers = client
        .query(
            "SELECT c.relname || '.' || t.tgname FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND NOT t.tgisinternal",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let constraints = client
        .query(
            "SELECT c.relname || '.' || k.conname FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND k.conname IN ('positive', 'parent_fk')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    (triggers, constraints)
}

#[test]
fn a_trigger_name_on_several_tables_is_one_trigger_per_table() {
    let Some(pg) = pg::cluster() else { return };
    let source = pg.create_database("same_trigger_source");
    let target = pg.create_database("same_trigger_target");
    pg::connect(&source).batch_execute(SCHEMA).unwrap();
    let ws = Workspace::empty();
    let output = |args: &[&str]| {
        let vars = [("DBSUB_STRUCT_URL", source.as_str())];
        ws.dbsub(&vars).args(args).output().unwrap()
    };
    let dbsub_ok = |args: &[&str]| success(&output(args), args);

    // The catalog: one trigger per table, each depending on the function.
    let mut reader =
        dbsub::backend::catalog_reader(&dbsub::backend::parse_url(&source).unwrap()).unwrap();
    let catalog = reader.read_catalog(&["public".to_string()]).unwrap();
    let on: BTreeSet<&str> = catalog
        .triggers
        .iter()
        .filter(|t| t.name == "last_updated")
        .map(|t| t.table_name.as_str())
        .collect();
    assert_eq!(on, TABLES.into_iter().collect());
    let keys: BTreeSet<_> = catalog.triggers.iter().map(|t| t.key()).collect();
    assert_eq!(keys.len(), TABLES.len(), "{keys:?}");
    let to_function = catalog
        .dependencies
        .iter()
        .filter(|d| d.from.kind == ObjectKind::Trigger && d.to.name == "touch")
        .count();
    assert_eq!(to_function, TABLES.len(), "{:?}", catalog.dependencies);

    // A one-table seed does not reach the other tables through the trigger, and the tree's
    // cycles agree with the summary's.
    let tree = dbsub_ok(&["show-deps", "--seed-object", "customer"]);
    assert!(
        tree.contains("TRIGGER: public.customer.last_updated"),
        "{tree}"
    );
    for other in ["supplier", "orders", "invoice"] {
        assert!(!tree.contains(&format!("TABLE: public.{other}")), "{tree}");
        assert!(
            !tree.contains(&format!("public.{other}.last_updated")),
            "{tree}"
        );
    }
    assert!(!tree.contains("(cycle)"), "{tree}");
    assert!(tree.contains(", 0 cycles"), "{tree}");
    assert!(
        tree.contains("objects (1 table, 1 trigger, 1 function)"),
        "{tree}"
    );

    // The trigger's bare name names one per table: ambiguous, with the tables and the remedy.
    let args = ["show-deps", "--seed-object", "last_updated"];
    let err = common::failure(&output(&args), &args);
    assert!(err.contains("SCHEMA.TABLE.TRIGGER"), "{err}");
    for table in TABLES {
        assert!(
            err.contains(&format!("TRIGGER: public.{table}.last_updated")),
            "{err}"
        );
    }
    for named in [
        &["--seed-object", "public.orders.last_updated"][..],
        &["--seed-object", "orders.last_updated", "--schema", "public"],
    ] {
        let one = dbsub_ok(&[&["show-deps"][..], named].concat());
        assert!(
            one.starts_with("TRIGGER: public.orders.last_updated"),
            "{one}"
        );
    }

    // The migrations create the trigger on every table, and the target ends with all of them
    // and with every same-named constraint: also when a second run adds to the folder what the
    // first did not create (orders' `parent_fk` and trigger are there; invoice's are not).
    for seed in ["orders", "invoice"] {
        dbsub_ok(&[
            "create-migrations",
            "--seed-object",
            seed,
            "--dialect",
            "postgres",
        ]);
    }
    let sql: String = common::walk(&ws.path().join("migrations"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for table in TABLES {
        let create = format!("TRIGGER last_updated BEFORE UPDATE ON {table} ");
        let n = sql.matches(&create).count();
        assert_eq!(n, 1, "{create} written {n} times:\n{sql}");
    }
    let out = ws
        .dbsub(&[])
        .args(["migrate", "--target", &target])
        .output()
        .unwrap();
    success(&out, &["migrate"]);
    let (source_triggers, source_constraints) = triggers_and_constraints(&source);
    let (triggers, constraints) = triggers_and_constraints(&target);
    assert_eq!(triggers, source_triggers);
    assert_eq!(triggers.len(), TABLES.len(), "{triggers:?}");
    assert_eq!(constraints, source_constraints);
    assert_eq!(constraints.len(), 4, "{constraints:?}");
}
