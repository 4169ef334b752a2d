//! PostgreSQL objects beyond tables and plain indexes: a user-defined aggregate used by a view,
//! indexes on a materialized view, and indexes of every access method (GIN, GiST, BRIN, hash),
//! with operator classes (one from an extension), INCLUDE columns, NULLS NOT DISTINCT and a
//! predicate. PostgreSQL → PostgreSQL carries them exactly; PostgreSQL → SQLite and Oracle
//! report each one they leave out when the migrations are written, and the migrations apply.
//!
//! Skipped without PostgreSQL, unless `DBSUB_REQUIRE_PG=1`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Workspace, pg, success};
use dbsub::catalog::{Dependency, ObjectKey, ObjectKind};

const SCHEMA: &str = r#"
CREATE EXTENSION pg_trgm;
CREATE FUNCTION list_step(acc text, item text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT acc || item || ';' $$;
CREATE FUNCTION list_final(acc text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT '[' || acc || ']' $$;
CREATE AGGREGATE list_of(text) (
    SFUNC = list_step, STYPE = text, FINALFUNC = list_final, INITCOND = 'it''s: '
);
-- Other kinds of aggregate, on the system's support functions.
CREATE AGGREGATE total(int) (
    SFUNC = int4pl, STYPE = int4, COMBINEFUNC = int4pl, INITCOND = '0', PARALLEL = SAFE
);
CREATE AGGREGATE moving_sum(int) (
    SFUNC = int4pl, STYPE = int4, INITCOND = '0',
    MSFUNC = int4pl, MINVFUNC = int4mi, MSTYPE = int4, MINITCOND = '0'
);
CREATE AGGREGATE top(int) (SFUNC = int4larger, STYPE = int4, SORTOP = >);
CREATE AGGREGATE how_many(*) (SFUNC = int8inc, STYPE = int8, INITCOND = '0');
CREATE AGGREGATE middle(float8 ORDER BY anyelement) (
    SFUNC = ordered_set_transition, STYPE = internal,
    FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA
);
CREATE AGGREGATE place(VARIADIC "any" ORDER BY VARIADIC "any") (
    SFUNC = ordered_set_transition_multi, STYPE = internal,
    FINALFUNC = rank_final, FINALFUNC_EXTRA, HYPOTHETICAL
);
CREATE TABLE doc (
    id int PRIMARY KEY,
    owner text,
    code text NOT NULL,
    body jsonb,
    words tsvector,
    during tstzrange,
    created date
);
CREATE INDEX doc_body_gin ON doc USING gin (body jsonb_path_ops);
CREATE INDEX doc_words_gin ON doc USING gin (words);
CREATE INDEX doc_during_gist ON doc USING gist (during);
CREATE INDEX doc_words_gist ON doc USING gist (words);
CREATE INDEX doc_created_brin ON doc USING brin (created);
CREATE INDEX doc_owner_nulls ON doc (owner NULLS FIRST, created DESC NULLS LAST, code DESC);
CREATE VIEW doc_owners AS
    SELECT owner, list_of(code ORDER BY code) AS codes FROM doc GROUP BY owner;
CREATE VIEW doc_stats AS
    SELECT total(id) AS t, top(id) AS m, how_many(*) AS c,
        middle(0.5) WITHIN GROUP (ORDER BY id) AS p,
        place(2) WITHIN GROUP (ORDER BY id) AS r
    FROM doc;
CREATE VIEW doc_moving AS
    SELECT id, moving_sum(id) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s
    FROM doc;
CREATE TABLE label (
    id int PRIMARY KEY,
    name varchar(40) NOT NULL,
    owner varchar(40),
    created date,
    note varchar(200)
);
CREATE INDEX label_name_hash ON label USING hash (name);
CREATE INDEX label_note_trgm ON label USING gin (note gin_trgm_ops);
CREATE INDEX label_name_pattern ON label (name varchar_pattern_ops);
CREATE INDEX label_owner_partial ON label (owner) WHERE note IS NOT NULL;
CREATE UNIQUE INDEX label_name_include ON label (name) INCLUDE (owner, created);
CREATE UNIQUE INDEX label_owner_note_nnd ON label (owner, note) NULLS NOT DISTINCT;
CREATE MATERIALIZED VIEW label_counts AS
    SELECT owner, count(*) AS n FROM label GROUP BY owner;
CREATE UNIQUE INDEX label_counts_owner ON label_counts (owner);
CREATE INDEX label_counts_n ON label_counts (n DESC);
"#;

const ROWS: &str = r#"
INSERT INTO doc VALUES
    (1, 'ann', 'b-2', '{"a": 1}', 'quick brown fox', '[2024-01-01, 2024-02-01)', '2024-01-05'),
    (2, 'ann', 'a-1', '{"b": 2}', 'lazy dog', NULL, '2024-01-06'),
    (3, 'bob', 'c-3', NULL, NULL, '[2024-03-01, 2024-04-01)', NULL);
INSERT INTO label VALUES
    (1, 'x', 'ann', '2024-01-05', 'first'),
    (2, 'y', 'ann', NULL, NULL),
    (3, 'z', 'bob', '2024-02-01', 'it''s bob');
REFRESH MATERIALIZED VIEW label_counts;
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

/// The rows of the views and the materialized view, as text.
fn view_rows(url: &str) -> Vec<String> {
    pg::connect(url)
        .query(
            "SELECT owner || ' ' || codes FROM doc_owners \
             UNION ALL SELECT concat_ws(' ', t, m, c, p, r) FROM doc_stats \
             UNION ALL SELECT id || ' ' || s FROM doc_moving \
             UNION ALL SELECT owner || ' ' || n FROM label_counts ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The aggregates of a database's public schema as `pg_aggregate` and `pg_proc` describe them.
fn aggregates(url: &str) -> Vec<String> {
    pg::connect(url)
        .query(
            "SELECT concat_ws(' | ', p.proname, pg_get_function_arguments(p.oid), a.aggkind, \
               a.aggnumdirectargs, a.aggtransfn::regproc, a.aggfinalfn::regproc, \
               a.aggcombinefn::regproc, a.aggmtransfn::regproc, a.aggminvtransfn::regproc, \
               a.aggfinalextra, a.aggfinalmodify, a.aggsortop::regoperator, \
               format_type(a.aggtranstype, NULL), format_type(a.aggmtranstype, NULL), \
               a.agginitval, a.aggminitval, p.proparallel) \
             FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid \
             JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

const SEEDS: [&str; 8] = [
    "--seed-object",
    "doc_owners",
    "--seed-object",
    "doc_stats",
    "--seed-object",
    "doc_moving",
    "--seed-object",
    "label_counts",
];

/// The `.sql` files of a folder: name → text.
fn sql_files(dir: &Path) -> BTreeMap<String, String> {
    common::walk(dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

#[test]
fn aggregates_materialized_view_indexes_and_index_methods_are_carried_into_postgres() {
    let Some(pg) = pg::cluster() else { return };
    let source = pg.create_database("objects_source");
    let target = pg.create_database("objects_target");
    pg::connect(&source)
        .batch_execute(&format!("{SCHEMA}{ROWS}"))
        .unwrap();

    // The catalog: the aggregate as CREATE AGGREGATE takes it, quoted by the server, depending
    // on its support functions and needed by the view; the indexes with what they say.
    let mut reader =
        dbsub::backend::catalog_reader(&dbsub::backend::parse_url(&source).unwrap()).unwrap();
    let catalog = reader.read_catalog(&["public".to_string()]).unwrap();
    let source_of = |name: &str| {
        let routine = catalog.routines.iter().find(|r| r.name == name);
        routine.map(|r| (r.kind, r.source.as_str()))
    };
    assert_eq!(
        source_of("list_of"),
        Some((
            ObjectKind::Function,
            "AGGREGATE list_of(text) (SFUNC = list_step, STYPE = text, FINALFUNC = list_final, \
             INITCOND = 'it''s: ')"
        ))
    );
    assert_eq!(
        source_of("place").map(|(_, s)| s),
        Some(
            "AGGREGATE place(VARIADIC \"any\" ORDER BY VARIADIC \"any\") (SFUNC = \
             ordered_set_transition_multi, STYPE = internal, FINALFUNC = rank_final, \
             FINALFUNC_EXTRA, HYPOTHETICAL)"
        )
    );
    let function = |name: &str| ObjectKey::new("public", name, ObjectKind::Function);
    for (from, to) in [
        (function("list_of"), function("list_step")),
        (function("list_of"), function("list_final")),
        (
            ObjectKey::new("public", "doc_owners", ObjectKind::View),
            function("list_of"),
        ),
    ] {
        let dependency = Dependency { from, to };
        assert!(catalog.dependencies.contains(&dependency), "{dependency:?}");
    }
    let label = catalog.table("public", "label").unwrap();
    let index = |name: &str| label.indexes.iter().find(|i| i.name == name).unwrap();
    assert_eq!(index("label_name_hash").method.as_deref(), Some("hash"));
    assert_eq!(
        index("label_note_trgm").columns[0].opclass.as_deref(),
        Some("gin_trgm_ops")
    );
    assert_eq!(index("label_note_trgm").extensions, ["pg_trgm"]);
    assert_eq!(index("label_name_include").include, ["owner", "created"]);
    assert!(index("label_owner_note_nnd").nulls_not_distinct);
    let counts = catalog.views.iter().find(|v| v.name == "label_counts");
    let names: Vec<&str> = counts
        .unwrap()
        .indexes
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(names, ["label_counts_n", "label_counts_owner"]);

    let ws = Workspace::empty();
    let vars = [("DBSUB_STRUCT_URL", source.as_str())];
    let args = [&["create-migrations", "--dialect", "postgres"][..], &SEEDS].concat();
    let out = ws.dbsub(&vars).args(&args).output().unwrap();
    success(&out, &args);
    let warnings = common::stderr(&out);
    // The one thing the target may lack: the extension of an operator class.
    assert!(
        warnings
            .contains("INDEX: public.label_note_trgm uses an operator class of extension pg_trgm"),
        "{warnings}"
    );

    let out = ws
        .dbsub(&[])
        .args(["migrate", "--target", &target])
        .output()
        .unwrap();
    let applied = success(&out, &["migrate"]);
    let files = sql_files(&ws.path().join("migrations")).len();
    assert!(
        applied.contains(&format!("{files} migrations applied now")),
        "{applied}"
    );

    let expected = index_definitions(&source);
    assert_eq!(expected.len(), 16, "{expected:#?}");
    assert_eq!(index_definitions(&target), expected);
    let expected = aggregates(&source);
    assert_eq!(expected.len(), 7, "{expected:#?}");
    assert_eq!(aggregates(&target), expected);

    pg::connect(&target).batch_execute(ROWS).unwrap();
    let rows = view_rows(&source);
    assert_eq!(
        rows,
        [
            "1 1",
            "2 3",
            "3 5",
            "6 3 3 2 2",
            "ann 2",
            "ann [it's: a-1;b-2;]",
            "bob 1",
            "bob [it's: c-3;]"
        ]
    );
    assert_eq!(view_rows(&target), rows);
}

/// Into Oracle, the materialized view's indexes are created after it, and what Oracle lacks is
/// reported (the golden files are checked by `.ci/run`'s Oracle grammar check).
#[test]
fn a_materialized_view_and_index_methods_into_oracle_match_golden_files() {
    let Some(pg) = pg::cluster() else { return };
    let source = pg.create_database("objects_oracle_source");
    pg::connect(&source).batch_execute(SCHEMA).unwrap();
    let ws = Workspace::empty();
    let vars = [("DBSUB_STRUCT_URL", source.as_str())];
    let args = [
        "create-migrations",
        "--dialect",
        "oracle",
        "--seed-object",
        "label_counts",
    ];
    let out = ws.dbsub(&vars).args(args).output().unwrap();
    success(&out, &args);
    let warnings = common::stderr(&out);
    for reported in [
        "not created in oracle (kept as a comment in the indexes file): INDEX: public.label_name_hash",
        "not created in oracle (kept as a comment in the indexes file): INDEX: public.label_note_trgm",
        "not created in oracle (kept as a comment in the indexes file): INDEX: public.label_owner_partial",
        "INDEX: public.label_name_pattern: created without operator classes",
        "INDEX: public.label_name_include: created without INCLUDE (owner, created)",
        "INDEX: public.label_owner_note_nnd: created without NULLS NOT DISTINCT",
    ] {
        assert!(
            warnings.contains(reported),
            "no `{reported}` in:\n{warnings}"
        );
    }
    let written = sql_files(&ws.path().join("migrations"));
    let golden =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/migrations/pg-objects-oracle");
    if std::env::var_os("DBSUB_UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&golden);
        std::fs::create_dir_all(&golden).unwrap();
        for (name, text) in &written {
            std::fs::write(golden.join(name), text).unwrap();
        }
    }
    assert_eq!(
        written,
        sql_files(&golden),
        "migrations differ from {} (DBSUB_UPDATE_GOLDEN=1 updates them after review)",
        golden.display()
    );
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
        "FUNCTION: public.total",
        "FUNCTION: public.moving_sum",
        "FUNCTION: public.top",
        "FUNCTION: public.how_many",
        "FUNCTION: public.middle",
        "FUNCTION: public.place",
        "INDEX: public.doc_body_gin",
        "INDEX: public.doc_words_gin",
        "INDEX: public.doc_during_gist",
        "INDEX: public.doc_words_gist",
        "INDEX: public.doc_created_brin",
        "INDEX: public.label_name_hash",
        "INDEX: public.label_note_trgm",
        // The views calling them: they would fail on first use (or, with PostgreSQL's
        // casts, at creation).
        "VIEW: public.doc_owners",
        "VIEW: public.doc_stats",
        "VIEW: public.doc_moving",
        "MATERIALIZED VIEW: public.label_counts",
        "INDEX: public.label_counts_owner",
        "INDEX: public.label_counts_n",
    ];
    for what in left_out {
        let line = warnings
            .lines()
            .find(|l| l.contains(&format!("{what}:")))
            .unwrap_or_else(|| panic!("no warning about {what}:\n{warnings}"));
        assert!(line.contains("not created"), "{line}");
    }
    // Carried without what SQLite lacks, and said so.
    for what in [
        "doc_owner_nulls: created without NULLS FIRST/LAST",
        "label_name_pattern: created without operator classes (varchar_pattern_ops)",
        "label_name_include: created without INCLUDE (owner, created)",
        "label_owner_note_nnd: created without NULLS NOT DISTINCT",
    ] {
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
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "doc_owner_nulls",
            "label_name_include",
            "label_name_pattern",
            "label_owner_note_nnd",
            "label_owner_partial"
        ]
    );
}
