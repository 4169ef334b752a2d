//! Every statement the Oracle backend sends, written out for a grammar nobody here wrote.
//!
//! No Oracle server runs where the tests run. [`every_statement_sent_to_oracle_is_written_out`]
//! builds each statement the backend sends — with every SQL builder, over representative
//! tables: every column type (LOB, LONG, XMLTYPE, JSON, SDO_GEOMETRY…), identity columns,
//! composite keys, quoted lower-case names, masked columns, IN lists, AS OF SCN, OFFSET — and
//! writes each one, exactly as the driver receives it, to its own file under
//! `$DBSUB_ORACLE_SQL_DIR/single` (default `target/oracle-sql/single`). `.ci/run` then checks
//! that folder with `oracle-sql-check/validate --mode single` (the grammars-v4 PL/SQL grammar).
//!
//! So that a new builder is not forgotten, the test also reads the files that hold the SQL
//! ([`SCANNED`]) and fails for any function returning SQL text or any `*_SQL` / `*_QUERY` /
//! `*_QUERIES` / `SESSION` constant that no written statement names in its label, unless
//! [`NOT_STATEMENTS`] lists it as a fragment or a message, and for any SQL literal passed
//! straight to the driver (`.execute("…"`) that is not among the written statements.

use std::path::PathBuf;

use crate::catalog::*;

/// The folder the statements are written to: `$DBSUB_ORACLE_SQL_DIR/single`.
pub(super) const DIR_VAR: &str = "DBSUB_ORACLE_SQL_DIR";

/// The files that build or hold the SQL the backend sends, read for [`builders`].
const SCANNED: [(&str, &str); 9] = [
    ("sink/sql.rs", include_str!("sink/sql.rs")),
    ("sink/mod.rs", include_str!("sink/mod.rs")),
    ("source/query.rs", include_str!("source/query.rs")),
    ("source/mod.rs", include_str!("source/mod.rs")),
    ("catalog/queries.rs", include_str!("catalog/queries.rs")),
    ("catalog/mod.rs", include_str!("catalog/mod.rs")),
    ("doctor.rs", include_str!("doctor.rs")),
    ("target.rs", include_str!("target.rs")),
    ("mod.rs", include_str!("mod.rs")),
];

/// Builders in [`SCANNED`] that return text which is not a whole statement: parts of one (each
/// is inside a written statement) or messages.
const NOT_STATEMENTS: [&str; 14] = [
    // Parts of statements.
    "qualified",
    "bind_key_value",
    "qualified_name",
    "from_clause",
    "key_column_sql",
    "where_clause",
    "order_clause",
    "select_expr",
    "select_list",
    "schema_binds",
    // Messages.
    "view_names",
    "no_scn_message",
    "read_error",
    "compile_failure",
];

/// One statement as the driver receives it, and the builders that made it (their names, for
/// the coverage check).
pub(super) struct Sent {
    pub(super) label: String,
    pub(super) sql: String,
}

pub(super) fn sent(label: impl Into<String>, sql: impl Into<String>) -> Sent {
    Sent {
        label: label.into(),
        sql: sql.into(),
    }
}

/// The tables every builder is run over: the Oracle snapshot's tables (TYPE_SAMPLE has every
/// type dbsub maps, CUSTOMER a GENERATED ALWAYS identity, LEGACY_NOTE a LONG and no key), a
/// table with a composite key, and one whose schema, name and columns need quoting.
pub(super) fn sample_tables() -> Vec<Table> {
    let snapshot = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/oracle_catalog.json"
    ));
    let catalog = snapshot::from_slice(snapshot).expect("tests/data/oracle_catalog.json");
    let mut tables = catalog.tables.clone();
    let number = |p| NeutralType::Decimal {
        precision: Some(p),
        scale: Some(0),
    };
    let mut composite = Table::test(
        "APP",
        "ORDER_LINE",
        vec![
            Column::test("ORDER_ID", "NUMBER(10)", number(10)),
            Column::test("LINE_NO", "NUMBER(5)", number(5)),
            Column::test(
                "AMOUNT",
                "NUMBER(12,2)",
                NeutralType::Decimal {
                    precision: Some(12),
                    scale: Some(2),
                },
            ),
        ],
    );
    composite.primary_key = Some(Key {
        name: Some("ORDER_LINE_PK".into()),
        columns: vec!["ORDER_ID".into(), "LINE_NO".into()],
    });
    tables.push(composite);
    let mut odd = Table::test(
        "app data",
        "order line's",
        vec![
            Column::test("id", "NUMBER(10)", number(10)),
            Column::test(
                "when it happened",
                "TIMESTAMP(6) WITH TIME ZONE",
                NeutralType::TimestampTz {
                    precision: Some(6),
                    local: false,
                },
            ),
        ],
    );
    odd.primary_key = Some(Key {
        name: Some("pk of it".into()),
        columns: vec!["id".into()],
    });
    tables.push(odd);
    tables
}

pub(super) fn table<'t>(tables: &'t [Table], name: &str) -> &'t Table {
    tables
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no sample table {name}"))
}

/// Every statement of the backend, from each part's collector.
fn every_statement() -> Vec<Sent> {
    let tables = sample_tables();
    let mut out = Vec::new();
    out.extend(super::catalog::statements::all());
    out.extend(super::source::statements::all(&tables));
    out.extend(super::sink::statements::all(&tables));
    // dbsub doctor: the catalog's probe and the source's SCN queries are written with their
    // parts.
    out.push(sent("doctor WHO_SQL", super::doctor::WHO_SQL));
    out.push(sent(
        "doctor SESSION_PRIVS_SQL",
        super::doctor::SESSION_PRIVS_SQL,
    ));
    out.push(sent(
        "doctor OWN_OBJECTS_SQL",
        super::doctor::OWN_OBJECTS_SQL,
    ));
    out.push(sent(
        "doctor DIRECT_PRIVS_SQL",
        super::doctor::DIRECT_PRIVS_SQL,
    ));
    // dbsub migrate: the history table (the migrations themselves are checked in script mode).
    out.push(sent("target history_ddl", super::target::history_ddl()));
    out.push(sent(
        "target history_select_sql",
        super::target::history_select_sql(),
    ));
    out.push(sent(
        "target history_insert_sql",
        super::target::history_insert_sql(),
    ));
    out.push(sent(
        "target HISTORY_EXISTS_SQL",
        super::target::HISTORY_EXISTS_SQL,
    ));
    out.push(sent(
        "target COMPILE_ERRORS_SQL",
        super::target::COMPILE_ERRORS_SQL,
    ));
    out
}

/// The names of the builders in `text`: functions returning SQL text (`String`, `Query`, …)
/// and constants named `*_SQL`, `*_QUERY`, `*_QUERIES` or `SESSION`. Test code is left out.
fn builders(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut out = Vec::new();
    let lines: Vec<&str> = code.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim_start();
        let rest = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub(super) "))
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        if let Some(rest) = rest.strip_prefix("const ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.ends_with("SQL")
                || name.ends_with("QUERY")
                || name.ends_with("QUERIES")
                || name == "SESSION"
            {
                out.push(name);
            }
        } else if let Some(rest) = rest.strip_prefix("fn ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // The signature, up to its body.
            let signature: String = lines[i..]
                .iter()
                .take_while(|l| !l.trim_end().ends_with('{'))
                .chain(lines[i..].iter().find(|l| l.trim_end().ends_with('{')))
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let returns = signature
                .rsplit_once("->")
                .map(|(_, r)| r.trim_end_matches('{').trim().to_string())
                .unwrap_or_default();
            let sql_text = [
                "String",
                "Result<String>",
                "Query",
                "Result<Query>",
                "Vec<(Query, String)>",
            ]
            .contains(&returns.as_str())
                || returns.starts_with("(String,");
            if sql_text {
                out.push(name);
            }
        }
    }
    out
}

/// The SQL written inline where it is sent: a string literal passed straight to the driver
/// (`.execute("…"`, `.query_row_as("…"`, …). Test code is left out.
fn inline_sql(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut out = Vec::new();
    for method in [
        ".execute(",
        ".query(",
        ".query_as(",
        ".query_row(",
        ".query_row_as(",
        ".statement(",
        ".batch(",
    ] {
        for (at, _) in code.match_indices(method) {
            let rest = code[at + method.len()..].trim_start();
            let Some(literal) = rest.strip_prefix('"') else {
                continue;
            };
            // Up to the closing quote; `\"` is a quote inside, `\` at a line's end continues it.
            let mut sql = String::new();
            let mut chars = literal.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('\n') => {
                            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                                chars.next();
                            }
                        }
                        Some(other) => sql.push(other),
                        None => break,
                    },
                    c => sql.push(c),
                }
            }
            out.push(sql);
        }
    }
    out
}

fn words(label: &str) -> impl Iterator<Item = &str> {
    label.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
}

/// A file name for statement `i`: its number and label, in letters, digits and `-`.
fn file_name(i: usize, label: &str) -> String {
    let slug: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let slug: Vec<&str> = slug.split('-').filter(|s| !s.is_empty()).collect();
    format!("{:03}-{}.sql", i + 1, slug.join("-"))
}

pub(super) fn out_dir() -> PathBuf {
    match std::env::var_os(DIR_VAR) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/oracle-sql"),
    }
}

#[test]
fn every_statement_sent_to_oracle_is_written_out() {
    let statements = every_statement();
    // Each statement as the driver receives it: SQL without a terminating `;`.
    for s in &statements {
        let sql = s.sql.trim();
        assert!(!sql.is_empty(), "{}: empty", s.label);
        assert!(
            !sql.ends_with(';') || sql.ends_with("END;"),
            "{}: a SQL statement sent through the driver ends without `;`: {sql}",
            s.label
        );
    }
    // Every builder is named by some statement's label.
    let named: std::collections::BTreeSet<&str> =
        statements.iter().flat_map(|s| words(&s.label)).collect();
    let mut forgotten = Vec::new();
    for (file, text) in SCANNED {
        for name in builders(text) {
            if !named.contains(name.as_str()) && !NOT_STATEMENTS.contains(&name.as_str()) {
                forgotten.push(format!("{file}: {name}"));
            }
        }
    }
    assert!(
        forgotten.is_empty(),
        "builders of SQL that no statement in src/db/oracle/statements.rs (or a part's \
         statements.rs) uses, so the grammar never sees their output: {forgotten:?}; add a \
         statement built with each (its label naming the builder), or list it in \
         NOT_STATEMENTS when it returns a part of a statement or a message"
    );
    // Every statement written inline where it is sent is among them.
    let texts: std::collections::BTreeSet<&str> =
        statements.iter().map(|s| s.sql.as_str()).collect();
    let inline: Vec<String> = SCANNED
        .iter()
        .flat_map(|(file, text)| inline_sql(text).into_iter().map(move |sql| (file, sql)))
        .filter(|(_, sql)| !texts.contains(sql.as_str()))
        .map(|(file, sql)| format!("{file}: {sql}"))
        .collect();
    assert!(
        inline.is_empty(),
        "SQL written inline where it is sent, which no statement here has: {inline:?}; add it \
         (better: make it a constant of its part and add that)"
    );
    let dir = out_dir().join("single");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (i, s) in statements.iter().enumerate() {
        std::fs::write(dir.join(file_name(i, &s.label)), &s.sql).unwrap();
    }
    eprintln!(
        "{} Oracle statements written to {}",
        statements.len(),
        dir.display()
    );
}

/// Whether `text` (test code left out) holds a string literal that starts a SQL statement.
fn has_sql_literal(text: &str) -> bool {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    [
        "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "LOCK", "SET",
        "BEGIN", "DECLARE",
    ]
    .iter()
    .any(|word| code.contains(&format!("\"{word} ")))
}

/// The `.rs` files below `dir`, as paths relative to `root`.
fn rust_files(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap();
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn every_file_with_sql_of_the_backend_is_scanned() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/db/oracle");
    let mut files = Vec::new();
    rust_files(&root, &root, &mut files);
    let scanned: Vec<&str> = SCANNED.iter().map(|(file, _)| *file).collect();
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| !f.ends_with("tests.rs") && !f.ends_with("statements.rs"))
        .filter(|f| !scanned.contains(&f.as_str()))
        .filter(|f| has_sql_literal(&std::fs::read_to_string(root.join(f)).unwrap()))
        .collect();
    assert!(
        missing.is_empty(),
        "files of src/db/oracle with SQL that SCANNED in src/db/oracle/statements.rs does not \
         read: {missing:?}"
    );
    assert!(has_sql_literal("const Q: &str = \"SELECT 1 FROM DUAL\";"));
    assert!(!has_sql_literal(
        "#[cfg(test)]\nconst Q: &str = \"SELECT 1 FROM DUAL\";"
    ));
}

#[test]
fn the_builder_scan_finds_functions_returning_sql_and_sql_constants() {
    let text = "pub(super) fn count_sql(table: &Table) -> String {\n\
                fn multi(\n    a: &str,\n) -> Result<Query> {\n\
                fn not_sql(a: &str) -> bool {\n\
                pub(super) const TRIGGERS_SQL: &str = \"x\";\n\
                const SESSION: [&str; 3] = [];\n\
                pub const FETCH_ROWS_VAR: &str = \"x\";\n\
                #[cfg(test)]\nfn in_tests() -> String {\n";
    assert_eq!(
        builders(text),
        ["count_sql", "multi", "TRIGGERS_SQL", "SESSION"]
    );
    let sending = "conn.execute(\"SET TRANSACTION READ ONLY\", &[]);\n\
                   conn.query_row_as(\n    \"SELECT A \\\n     FROM \\\"T\\\"\", &[]);\n\
                   conn.execute(&sql, &[]);";
    assert_eq!(
        inline_sql(sending),
        ["SET TRANSACTION READ ONLY", "SELECT A FROM \"T\""]
    );
    assert_eq!(
        file_name(6, "sink insert_sql \"TYPE_SAMPLE\""),
        "007-sink-insert-sql-TYPE-SAMPLE.sql"
    );
}
