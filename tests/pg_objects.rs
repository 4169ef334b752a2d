//! PostgreSQL objects beyond tables and plain indexes: a user-defined aggregate used by a view,
//! indexes on a materialized view, and indexes of every access method (GIN, GiST, BRIN, hash),
//! with operator classes (one from an extension), INCLUDE columns, NULLS NOT DISTINCT and a
//! predicate. PostgreSQL → PostgreSQL carries them exactly; PostgreSQL → SQLite reports each
//! one it leaves out when the migrations are written, and the migrations apply.
//!
//! Skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use std::collections::BTreeMap;

use common::{Workspace, pg, success};

const SCHEMA: &str = r#"
CREATE EXTENSION pg_trgm;
CREATE FUNCTION list_step(acc text, item text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT acc || item || ';' $$;
CREATE FUNCTION list_final(acc text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT '[' || acc || ']' $$;
CREATE AGGREGATE list_of(text) (
    SFUNC = list_step, STYPE = text, FINALFUNC = list_final, INITCOND = 'it''s: '
);
CREATE TABLE doc (
    id int PRIMARY KEY,
    owner text,
    code text NOT NULL,
    body jsonb,
    words tsvector,
    during tstzrange,
    created date,
    note text
);
CREATE INDEX doc_body_gin ON doc USING gin (body jsonb_path_ops);
CREATE INDEX doc_words_gin ON doc USING gin (words);
CREATE INDEX doc_during_gist ON doc USING gist (during);
CREATE INDEX doc_words_gist ON doc USING gist (words);
CREATE INDEX doc_created_brin ON doc USING brin (created);
CREATE INDEX doc_code_hash ON doc USING hash (code);
CREATE INDEX doc_note_trgm ON doc USING gin (note gin_trgm_ops);
CREATE INDEX doc_code_pattern ON doc (code text_pattern_ops);
CREATE INDEX doc_owner_partial ON doc (owner) WHERE note IS NOT NULL;
CREATE UNIQUE INDEX doc_code_include ON doc (code) INCLUDE (owner, created);
CREATE UNIQUE INDEX doc_owner_note_nnd ON doc (owner, note) NULLS NOT DISTINCT;
CREATE VIEW doc_owners AS
    SELECT owner, list_of(code ORDER BY code) AS codes FROM doc GROUP BY owner;
CREATE MATERIALIZED VIEW doc_counts AS
    SELECT owner, count(*) AS n FROM doc GROUP BY owner;
CREATE UNIQUE INDEX doc_counts_owner ON doc_counts (owner);
CREATE INDEX doc_counts_n ON doc_counts (n DESC);
"#;

const ROWS: &str = r#"
INSERT INTO doc VALUES
    (1, 'ann', 'b-2', '{"a": 1}', 'quick brown fox', '[2024-01-01, 2024-02-01)', '2024-01-05', 'first'),
    (2, 'ann', 'a-1', '{"b": 2}', 'lazy dog', NULL, '2024-01-06', NULL),
    (3, 'bob', 'c-3', NULL, NULL, '[2024-03-01, 2024-04-01)', NULL, 'it''s bob');
"#;

/// The indexes of a database's public schema (not dbsub's history table's): name →
/// `pg_indexes.indexdef`.
fn index_definitions(url: &str) -> BTreeMap<String, String> {
    pg::connect(url)
        .query(
            "SELECT indexname::text, indexdef FROM pg_indexes \
             WHERE schemaname = 'public' AND tablename NOT LIKE 'dbsub%'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// The rows of the view and the materialized view, as text.
fn view_rows(url: &str) -> Vec<String> {
    pg::connect(url)
        .query(
            "SELECT owner || ' ' || codes FROM doc_owners \
             UNION ALL SELECT owner || ' ' || n FROM doc_counts ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

const SEEDS: [&str; 4] = ["--seed-object", "doc_owners", "--seed-object", "doc_counts"];

#[test]
fn aggregates_materialized_view_indexes_and_index_methods_are_carried_into_postgres() {
    let Some(pg) = pg::cluster() else { return };
    let source = pg.create_database("objects_source");
    let target = pg.create_database("objects_target");
    pg::connect(&source)
        .batch_execute(&format!(
            "{SCHEMA}{ROWS}REFRESH MATERIALIZED VIEW doc_counts;"
        ))
        .unwrap();
    let ws = Workspace::empty();
    let vars = [("DBSUB_STRUCT_URL", source.as_str())];
    let args = [&["create-migrations", "--dialect", "postgres"][..], &SEEDS].concat();
    let out = ws.dbsub(&vars).args(&args).output().unwrap();
    success(&out, &args);
    let warnings = common::stderr(&out);
    // The one thing the target may lack: the extension of an operator class.
    assert!(
        warnings.contains("doc_note_trgm") && warnings.contains("pg_trgm"),
        "{warnings}"
    );

    let out = ws
        .dbsub(&[])
        .args(["migrate", "--target", &target])
        .output()
        .unwrap();
    let applied = success(&out, &["migrate"]);
    let files = common::walk(&ws.path().join("migrations"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .count();
    assert!(
        applied.contains(&format!("{files} migrations applied now")),
        "{applied}"
    );

    let expected = index_definitions(&source);
    assert_eq!(expected.len(), 14, "{expected:#?}");
    assert_eq!(index_definitions(&target), expected);

    pg::connect(&target)
        .batch_execute(&format!("{ROWS}REFRESH MATERIALIZED VIEW doc_counts;"))
        .unwrap();
    let rows = view_rows(&source);
    assert_eq!(
        rows,
        ["ann 2", "ann [it's: a-1;b-2;]", "bob 1", "bob [it's: c-3;]"]
    );
    assert_eq!(view_rows(&target), rows);
}

#[test]
fn what_sqlite_lacks_is_reported_per_object_and_the_rest_migrates() {
    let Some(pg) = pg::cluster() else { return };
    let source = pg.create_database("objects_sqlite_source");
    pg::connect(&source).batch_execute(SCHEMA).unwrap();
    let ws = Workspace::empty();
    let vars = [("DBSUB_STRUCT_URL", source.as_str())];
    let args = [&["create-migrations", "--dialect", "sqlite"][..], &SEEDS].concat();
    let out = ws.dbsub(&vars).args(&args).output().unwrap();
    success(&out, &args);
    let warnings = common::stderr(&out);
    let left_out = [
        "FUNCTION: public.list_of",
        "INDEX: public.doc_body_gin",
        "INDEX: public.doc_words_gin",
        "INDEX: public.doc_during_gist",
        "INDEX: public.doc_words_gist",
        "INDEX: public.doc_created_brin",
        "INDEX: public.doc_code_hash",
        "INDEX: public.doc_note_trgm",
        "MATERIALIZED VIEW: public.doc_counts",
        "INDEX: public.doc_counts_owner",
        "INDEX: public.doc_counts_n",
    ];
    for what in left_out {
        let line = warnings
            .lines()
            .find(|l| l.contains(&format!("{what}:")))
            .unwrap_or_else(|| panic!("no warning about {what}:\n{warnings}"));
        assert!(line.contains("not created"), "{line}");
    }
    // Carried without what SQLite lacks, and said so.
    for what in ["doc_code_pattern", "doc_code_include", "doc_owner_note_nnd"] {
        assert!(
            warnings.contains(what),
            "no warning about {what}:\n{warnings}"
        );
    }

    let db = ws.path().join("target.db");
    let url = format!("sqlite://{}", db.display());
    let out = ws
        .dbsub(&[])
        .args(["migrate", "--target", &url])
        .output()
        .unwrap();
    success(&out, &["migrate"]);
    let sqlite = rusqlite::Connection::open(&db).unwrap();
    let mut names: Vec<String> = sqlite
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'doc%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "doc_code_include",
            "doc_code_pattern",
            "doc_owner_note_nnd",
            "doc_owner_partial"
        ]
    );
}
