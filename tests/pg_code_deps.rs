//! A seed that is code brings what the code needs: the table whose row type a function returns,
//! takes (also as an array) or declares (`%ROWTYPE`), the table a view's or table's column
//! types name, and what a string body (PL/pgSQL, a pre-14 SQL function) reads, calls or draws
//! from — but not a name that appears only in a comment, a string or dynamic SQL. A trigger
//! brings the audit table its function writes to. A SQL-standard `BEGIN ATOMIC` body of two
//! statements migrates whole.
//!
//! Skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use common::{Workspace, pg, success};

const SCHEMA: &str = r#"
CREATE TABLE customer (customer_id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE payment (payment_id int PRIMARY KEY, amount numeric NOT NULL);
CREATE TABLE staff (staff_id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE inventory (inventory_id int PRIMARY KEY, film_id int NOT NULL);
CREATE TABLE film (film_id int PRIMARY KEY, title text NOT NULL);
CREATE TABLE "Store" (store_id int PRIMARY KEY);
CREATE TABLE rental (rental_id int PRIMARY KEY);
CREATE TABLE rental_audit (rental_id int NOT NULL);
CREATE TABLE visit (n int NOT NULL);
CREATE TABLE decoy (id int PRIMARY KEY);
CREATE SEQUENCE ticket_seq;
-- A default calling a function that reads the table: no cycle to create or load them.
CREATE TABLE invoice (no int PRIMARY KEY);
CREATE FUNCTION next_invoice_no() RETURNS int LANGUAGE sql
  AS $$ SELECT coalesce(max(no), 0) + 1 FROM invoice $$;
ALTER TABLE invoice ALTER COLUMN no SET DEFAULT next_invoice_no();

-- A table's row type as the result, and an array of one as an argument.
CREATE FUNCTION all_customers() RETURNS SETOF customer LANGUAGE sql STABLE
  AS $$ SELECT * FROM customer ORDER BY customer_id $$;
CREATE FUNCTION total_of(p payment[]) RETURNS numeric LANGUAGE sql
  AS $$ SELECT sum(x.amount) FROM unnest(p) x $$;
-- A string body: what it reads, declares, draws from and calls; `decoy` only in a comment, a
-- string and dynamic SQL.
CREATE FUNCTION film_in_stock(p_id int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  who staff%ROWTYPE;
  title text;
BEGIN
  -- decoy is named only in comments, strings and dynamic SQL
  RAISE NOTICE 'decoy %', p_id;
  PERFORM nextval('ticket_seq');
  SELECT * INTO who FROM staff ORDER BY staff_id LIMIT 1;
  IF EXISTS (SELECT 1 FROM inventory WHERE inventory_id = p_id) THEN
    SELECT f.title INTO title FROM public.film f
      JOIN inventory i ON i.film_id = f.film_id WHERE i.inventory_id = p_id;
    RETURN title || ' at ' || (SELECT count(*) FROM "Store") || ' by ' || who.name;
  END IF;
  EXECUTE $q$SELECT count(*) FROM decoy$q$;
  RETURN NULL;
END
$$;
CREATE FUNCTION stock_summary(p_id int) RETURNS text LANGUAGE sql
  AS $$ SELECT film_in_stock(p_id) $$;
-- A view and a table over row types they do not read.
CREATE VIEW no_staff AS SELECT NULL::staff AS s;
CREATE TABLE payment_snapshot (id int PRIMARY KEY, p payment);
-- A trigger whose function writes to an audit table.
CREATE FUNCTION audit_rental() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rental_audit (rental_id) VALUES (NEW.rental_id);
  RETURN NEW;
END
$$;
CREATE TRIGGER rental_audit_trg AFTER INSERT ON rental
  FOR EACH ROW EXECUTE FUNCTION audit_rental();
-- A SQL-standard body of two statements, with a CASE … END.
CREATE FUNCTION record_visit(p int) RETURNS bigint LANGUAGE sql
BEGIN ATOMIC
  INSERT INTO visit VALUES (CASE WHEN p > 0 THEN p ELSE 0 END);
  SELECT count(*) FROM visit;
END;
"#;

/// Each seed and the tables (or sequences) its closure must hold.
const NEEDS: [(&str, &[&str]); 8] = [
    ("all_customers", &["TABLE: public.customer"]),
    ("total_of", &["TABLE: public.payment"]),
    (
        "film_in_stock",
        &[
            "TABLE: public.staff",
            "TABLE: public.inventory",
            "TABLE: public.film",
            "TABLE: public.Store",
            "SEQUENCE: public.ticket_seq",
        ],
    ),
    (
        "stock_summary",
        &["FUNCTION: public.film_in_stock", "TABLE: public.inventory"],
    ),
    ("no_staff", &["TABLE: public.staff"]),
    ("payment_snapshot", &["TABLE: public.payment"]),
    (
        "rental",
        &[
            "FUNCTION: public.audit_rental",
            "TABLE: public.rental_audit",
        ],
    ),
    ("record_visit", &["TABLE: public.visit"]),
];

#[test]
fn a_code_seed_brings_the_tables_and_types_it_needs() {
    let Some(pg) = pg::cluster() else { return };
    let url = pg.create_database("code_deps_src");
    pg::connect(&url).batch_execute(SCHEMA).unwrap();
    let ws = Workspace::empty();
    let dbsub_ok = |args: &[&str]| {
        let out = ws
            .dbsub(&[("DBSUB_STRUCT_URL", &url)])
            .args(args)
            .output()
            .unwrap();
        success(&out, args)
    };

    for (seed, needs) in NEEDS {
        let tree = dbsub_ok(&["show-deps", "--seed-object", seed]);
        for need in needs {
            assert!(tree.contains(need), "{seed} needs {need}:\n{tree}");
        }
        assert!(!tree.contains("decoy"), "{seed}:\n{tree}");
    }
    let tree = dbsub_ok(&["show-deps", "--seed-object", "invoice"]);
    assert!(
        tree.starts_with(
            "TABLE: public.invoice\n  FUNCTION: public.next_invoice_no  [dependency]\n    \
             TABLE: public.invoice  [uses]  (see above)\n"
        ),
        "{tree}"
    );
    assert!(tree.contains(", 0 cycles"), "{tree}");

    let mut args = vec!["create-migrations", "--dialect", "postgres"];
    for (seed, _) in NEEDS {
        args.extend(["--seed-object", seed]);
    }
    dbsub_ok(&args);
    let target = pg.create_database("code_deps_dst");
    let applied = dbsub_ok(&["migrate", "--target", &target]);
    assert!(applied.contains("migrations applied now"), "{applied}");

    // Every function runs in the target: what it reads is there.
    let mut client = pg::connect(&target);
    client
        .batch_execute(
            r#"INSERT INTO customer VALUES (1, 'Ann');
               INSERT INTO staff VALUES (1, 'Bo');
               INSERT INTO film VALUES (7, 'Alien');
               INSERT INTO inventory VALUES (3, 7);
               INSERT INTO "Store" VALUES (1), (2);
               INSERT INTO rental VALUES (5);"#,
        )
        .unwrap();
    let text = |client: &mut postgres::Client, sql: &str| -> String {
        client.query_one(sql, &[]).unwrap().get(0)
    };
    assert_eq!(text(&mut client, "SELECT name FROM all_customers()"), "Ann");
    assert_eq!(
        text(
            &mut client,
            "SELECT total_of(ARRAY[(1, 2.5)::payment, (2, 4)::payment])::text"
        ),
        "6.5"
    );
    assert_eq!(
        text(&mut client, "SELECT stock_summary(3)"),
        "Alien at 2 by Bo"
    );
    assert_eq!(text(&mut client, "SELECT nextval('ticket_seq')::text"), "2");
    assert_eq!(
        text(
            &mut client,
            "SELECT string_agg(rental_id::text, ',') FROM rental_audit"
        ),
        "5"
    );
    assert_eq!(text(&mut client, "SELECT record_visit(4)::text"), "1");
    assert_eq!(text(&mut client, "SELECT record_visit(-1)::text"), "2");
    let decoy: Option<String> = client
        .query_one("SELECT to_regclass('decoy')::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(decoy, None, "decoy is only named in comments and strings");
}

/// An unqualified name in a string body resolves where PostgreSQL would look it up: on the
/// routine's own `SET search_path`, else in its schema; a qualified one in its schema.
#[test]
fn a_body_name_resolves_on_the_routines_search_path() {
    use dbsub::catalog::{Dependency, ObjectKey, ObjectKind};
    let Some(pg) = pg::cluster() else { return };
    let url = pg.create_database("code_deps_path");
    pg::connect(&url)
        .batch_execute(
            r#"CREATE SCHEMA "App";
               CREATE TABLE "App".ledger (id int PRIMARY KEY);
               CREATE TABLE public.ledger (id int PRIMARY KEY);
               CREATE TABLE "App".rates (id int PRIMARY KEY);
               CREATE FUNCTION public.app_count() RETURNS bigint LANGUAGE plpgsql
                 SET search_path = "$user", "App", public
                 AS $$ BEGIN RETURN (SELECT count(*) FROM Ledger); END $$;
               CREATE FUNCTION public.own_count() RETURNS bigint LANGUAGE sql
                 AS $$ SELECT count(*) FROM ledger $$;
               CREATE FUNCTION public.qualified() RETURNS bigint LANGUAGE sql
                 AS $$ SELECT count(*) FROM "App".rates $$;"#,
        )
        .unwrap();
    let schemas = vec!["public".to_string(), "App".to_string()];
    let catalog = dbsub::backend::catalog_reader(&dbsub::backend::parse_url(&url).unwrap())
        .unwrap()
        .read_catalog(&schemas)
        .unwrap();
    let uses = |function: &str| -> Vec<String> {
        let from = ObjectKey::new("public", function, ObjectKind::Function);
        catalog
            .run_time_dependencies
            .iter()
            .filter(|d: &&Dependency| d.from == from)
            .map(|d| d.to.to_string())
            .collect()
    };
    assert_eq!(uses("app_count"), ["TABLE: App.ledger"]);
    assert_eq!(uses("own_count"), ["TABLE: public.ledger"]);
    assert_eq!(uses("qualified"), ["TABLE: App.rates"]);
}
