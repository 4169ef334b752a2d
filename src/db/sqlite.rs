//! SQLite: the embedded default, as a structural database, a source and a local target.
//!
//! The catalog is read in a constant number of queries: `sqlite_schema` once, and each
//! table-valued pragma (`pragma_table_xinfo`, `pragma_foreign_key_list`, `pragma_index_list`,
//! `pragma_index_xinfo`) joined against `sqlite_schema` once for all tables. What the pragmas do
//! not tell (constraint names, CHECK expressions, DEFERRABLE) is taken from the stored
//! `CREATE TABLE` text by a small tokenizer.
//!
//! A SQLite file stands for one schema. Its name in the catalog is the URL's `?schema=NAME`
//! (the demo uses `THE`, the schema it imitates), else `main`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use anyhow::{Context, Result, bail};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::archive::read::recycle;
use crate::archive::value::Value;
use crate::db::{KeyColumn, RowFilter, SourceMask};
use crate::subset::keys::KeyValue;

use crate::catalog::*;
use crate::config::{DbKind, DbUrl};
use crate::migrations::{
    Applied, ApplyError, HISTORY_TABLE as HISTORY, Migration, MigrationTarget, Statement,
};

use super::lex::{Token, tokenize};
use super::{Dialect, Fold, INGEST_HISTORY, fold_ident, split_at_semicolons};

/// An open SQLite database and the schema name it stands for.
pub struct SqliteDb {
    conn: Connection,
    path: PathBuf,
    schema: String,
}

impl SqliteDb {
    /// Opens the file of a `sqlite://` URL read-only.
    ///
    /// Fails with a message naming the file when it does not exist or cannot be opened.
    pub fn open_read_only(url: &DbUrl) -> Result<SqliteDb> {
        let path = url.sqlite_path()?;
        let schema = url.param("schema").unwrap_or_else(|| "main".to_string());
        SqliteDb::open_path(&path, &schema)
    }

    /// Opens a file read-only, naming its schema `schema`.
    pub fn open_path(path: &Path, schema: &str) -> Result<SqliteDb> {
        if !path.exists() {
            bail!(
                "SQLite database {} does not exist: check the URL, or run `dbsub demo` to build \
                 the demo database",
                path.display()
            );
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
        Ok(SqliteDb {
            conn,
            path: path.to_path_buf(),
            schema: schema.to_string(),
        })
    }

    /// Opens (creating it if needed) the file of a `sqlite://` URL for writing.
    ///
    /// Fails with a message naming the file when its folder cannot be created or the file
    /// cannot be opened.
    pub fn open_read_write(url: &DbUrl) -> Result<SqliteDb> {
        let path = url.sqlite_path()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        }
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
        let schema = url.param("schema").unwrap_or_else(|| "main".to_string());
        Ok(SqliteDb { conn, path, schema })
    }

    fn context(&self, what: &str) -> String {
        format!(
            "cannot read {what} from {} (is it a SQLite database?)",
            self.path.display()
        )
    }
}

/// `dbsub doctor` on a SQLite file: it opens (read-only for a catalog or source, read-write
/// for a target, which creates it) and holds tables.
pub fn diagnose(url: &DbUrl, role: super::Use) -> Vec<super::Finding> {
    use super::Finding;
    if role == super::Use::Target
        && let Ok(path) = url.sqlite_path()
        && !path.exists()
    {
        // Checking must not create the file that migrate and ingest would.
        return vec![Finding::info(format!(
            "{} does not exist yet: migrate and ingest create it",
            path.display()
        ))];
    }
    let opened = match role {
        super::Use::Target => SqliteDb::open_read_write(url),
        super::Use::Catalog | super::Use::Source => SqliteDb::open_read_only(url),
    };
    let db = match opened {
        Ok(db) => db,
        Err(e) => return vec![Finding::failed(&e)],
    };
    let tables: rusqlite::Result<i64> = db.conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        [],
        |row| row.get(0),
    );
    let mut out = vec![match tables {
        Ok(n) => Finding::ok(format!(
            "opened {} (SQLite {}): {}",
            db.path.display(),
            rusqlite::version(),
            crate::output::plural(n as usize, "table")
        )),
        Err(e) => Finding::problem(format!("{}: {e}", db.context("the schema"))),
    }];
    if role == super::Use::Target {
        let writable = std::fs::metadata(&db.path).map(|m| !m.permissions().readonly());
        if !writable.unwrap_or(false) {
            out.push(Finding::problem(format!(
                "{} is not writable: ingest and migrate need to write it",
                db.path.display()
            )));
        }
    }
    out
}

impl CatalogReader for SqliteDb {
    fn read_catalog(&mut self, schemas: &[String]) -> Result<Catalog> {
        if let Some(other) = schemas
            .iter()
            .find(|s| !s.eq_ignore_ascii_case(&self.schema))
        {
            bail!(
                "SQLite database {} holds one schema, `{}`, not `{other}`",
                self.path.display(),
                self.schema
            );
        }
        let objects = self.objects().with_context(|| self.context("the schema"))?;
        let columns = self.columns().with_context(|| self.context("columns"))?;
        let fks = self
            .foreign_keys()
            .with_context(|| self.context("foreign keys"))?;
        let indexes = self.indexes().with_context(|| self.context("indexes"))?;
        let mut catalog = assemble(&self.schema, objects, columns, fks, indexes);
        catalog.source = Some(CatalogSource {
            kind: DbKind::Sqlite.word().to_string(),
            url: format!("sqlite://{}?schema={}", self.path.display(), self.schema),
            read_at: crate::clock::now_rfc3339(),
        });
        Ok(catalog)
    }
}

/// A row of `sqlite_schema`.
struct SchemaObject {
    kind: String,
    name: String,
    table: String,
    sql: Option<String>,
}

/// A row of `pragma_table_xinfo`, with its table.
struct ColumnRow {
    table: String,
    name: String,
    declared: String,
    not_null: bool,
    default: Option<String>,
    pk_position: i64,
    hidden: i64,
}

/// A row of `pragma_foreign_key_list`, with its table.
struct FkRow {
    table: String,
    id: i64,
    parent: String,
    from: String,
    to: Option<String>,
    on_update: String,
    on_delete: String,
}

/// A row of `pragma_index_list` joined to `pragma_index_xinfo` (key columns only).
struct IndexRow {
    table: String,
    index: String,
    unique: bool,
    /// `c` CREATE INDEX, `u` UNIQUE constraint, `pk` PRIMARY KEY.
    origin: String,
    column: Option<String>,
    descending: bool,
}

impl SqliteDb {
    fn objects(&self) -> rusqlite::Result<Vec<SchemaObject>> {
        let mut stmt = self.conn.prepare(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema \
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name",
        )?;
        stmt.query_map([], |r| {
            Ok(SchemaObject {
                kind: r.get(0)?,
                name: r.get(1)?,
                table: r.get(2)?,
                sql: r.get(3)?,
            })
        })?
        .collect()
    }

    fn columns(&self) -> rusqlite::Result<Vec<ColumnRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
             FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p \
             WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             ORDER BY m.name, p.cid",
        )?;
        stmt.query_map([], |r| {
            Ok(ColumnRow {
                table: r.get(0)?,
                name: r.get(1)?,
                declared: r.get(2)?,
                not_null: r.get(3)?,
                default: r.get(4)?,
                pk_position: r.get(5)?,
                hidden: r.get(6)?,
            })
        })?
        .collect()
    }

    fn foreign_keys(&self) -> rusqlite::Result<Vec<FkRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete \
             FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
        )?;
        stmt.query_map([], |r| {
            Ok(FkRow {
                table: r.get(0)?,
                id: r.get(1)?,
                parent: r.get(2)?,
                from: r.get(3)?,
                to: r.get(4)?,
                on_update: r.get(5)?,
                on_delete: r.get(6)?,
            })
        })?
        .collect()
    }

    fn indexes(&self) -> rusqlite::Result<Vec<IndexRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT m.name, il.name, il.\"unique\", il.origin, ix.name, ix.\"desc\" \
             FROM sqlite_schema m JOIN pragma_index_list(m.name) il \
             JOIN pragma_index_xinfo(il.name) ix \
             WHERE m.type = 'table' AND ix.key = 1 ORDER BY m.name, il.name, ix.seqno",
        )?;
        stmt.query_map([], |r| {
            Ok(IndexRow {
                table: r.get(0)?,
                index: r.get(1)?,
                unique: r.get(2)?,
                origin: r.get(3)?,
                column: r.get(4)?,
                descending: r.get(5)?,
            })
        })?
        .collect()
    }
}

/// Builds the catalog from the rows of the four queries.
fn assemble(
    schema: &str,
    objects: Vec<SchemaObject>,
    columns: Vec<ColumnRow>,
    fks: Vec<FkRow>,
    indexes: Vec<IndexRow>,
) -> Catalog {
    let mut catalog = Catalog::default();
    let mut columns_of: HashMap<String, Vec<ColumnRow>> = HashMap::new();
    for c in columns {
        columns_of.entry(c.table.clone()).or_default().push(c);
    }
    let mut fks_of: HashMap<String, Vec<FkRow>> = HashMap::new();
    for f in fks {
        fks_of.entry(f.table.clone()).or_default().push(f);
    }
    let mut indexes_of: HashMap<String, Vec<IndexRow>> = HashMap::new();
    for i in indexes {
        indexes_of.entry(i.table.clone()).or_default().push(i);
    }
    let index_sql: HashMap<&str, &str> = objects
        .iter()
        .filter(|o| o.kind == "index")
        .filter_map(|o| o.sql.as_deref().map(|s| (o.name.as_str(), s)))
        .collect();

    // Names of tables and views, for finding what views and triggers read.
    let relations: HashMap<String, ObjectKey> = objects
        .iter()
        .filter_map(|o| {
            let kind = match o.kind.as_str() {
                "table" => ObjectKind::Table,
                "view" => ObjectKind::View,
                _ => return None,
            };
            Some((
                o.name.to_ascii_uppercase(),
                ObjectKey::new(schema, &o.name, kind),
            ))
        })
        .collect();

    for o in &objects {
        let sql = o.sql.clone().unwrap_or_default();
        match o.kind.as_str() {
            "table" => {
                let cols = columns_of.remove(&o.name).unwrap_or_default();
                let fk_rows = fks_of.remove(&o.name).unwrap_or_default();
                let ix_rows = indexes_of.remove(&o.name).unwrap_or_default();
                catalog.tables.push(table(
                    schema, &o.name, &sql, cols, fk_rows, ix_rows, &index_sql,
                ));
            }
            "view" => {
                let cols = columns_of.remove(&o.name).unwrap_or_default();
                let view = View {
                    schema: schema.to_string(),
                    name: o.name.clone(),
                    materialized: false,
                    columns: cols.into_iter().map(column).collect(),
                    source: view_query(&sql),
                    comment: None,
                };
                let from = view.key();
                for to in referenced_relations(&sql, schema, &relations) {
                    if to != from {
                        catalog.dependencies.push(Dependency {
                            from: from.clone(),
                            to,
                        });
                    }
                }
                catalog.views.push(view);
            }
            "trigger" => {
                let shape = trigger_shape(&sql);
                let trigger = Trigger {
                    schema: schema.to_string(),
                    name: o.name.clone(),
                    table_schema: schema.to_string(),
                    table_name: o.table.clone(),
                    timing: shape.timing,
                    events: shape.events,
                    for_each_row: true,
                    enabled: true,
                    source: after_create(&sql),
                };
                let from = trigger.key();
                for to in referenced_relations(&sql, schema, &relations) {
                    catalog.dependencies.push(Dependency {
                        from: from.clone(),
                        to,
                    });
                }
                catalog.triggers.push(trigger);
            }
            _ => {}
        }
    }
    catalog.normalize();
    catalog
}

fn column(c: ColumnRow) -> Column {
    Column {
        neutral_type: neutral_type(&c.declared),
        native_type: c.declared,
        nullable: !c.not_null && c.pk_position == 0,
        default: c.default,
        identity: None,
        // hidden 2 = virtual generated column, 3 = stored generated column.
        generated: (c.hidden == 2 || c.hidden == 3).then(String::new),
        comment: None,
        name: c.name,
    }
}

fn table(
    schema: &str,
    name: &str,
    sql: &str,
    cols: Vec<ColumnRow>,
    fk_rows: Vec<FkRow>,
    ix_rows: Vec<IndexRow>,
    index_sql: &HashMap<&str, &str>,
) -> Table {
    let parsed = parse_create_table(sql);
    let mut pk: Vec<(i64, String)> = cols
        .iter()
        .filter(|c| c.pk_position > 0)
        .map(|c| (c.pk_position, c.name.clone()))
        .collect();
    pk.sort();
    let pk_columns: Vec<String> = pk.into_iter().map(|(_, n)| n).collect();
    // A lone INTEGER PRIMARY KEY is SQLite's rowid alias: an identity by default.
    let rowid_alias = pk_columns.len() == 1
        && cols
            .iter()
            .any(|c| c.name == pk_columns[0] && c.declared.eq_ignore_ascii_case("INTEGER"))
        && !parsed.without_rowid;
    let mut columns: Vec<Column> = cols.into_iter().map(column).collect();
    for c in &mut columns {
        if let Some(expr) = parsed.generated.get(&c.name.to_ascii_uppercase()) {
            c.generated = Some(expr.clone());
        }
        if rowid_alias && c.name == pk_columns[0] {
            c.identity = Some(Identity {
                always: false,
                sequence: None,
            });
        }
    }
    let primary_key = (!pk_columns.is_empty()).then(|| Key {
        name: parsed.primary_key_name.clone(),
        columns: pk_columns,
    });

    // Foreign keys: pragma rows grouped by id, named from the parsed text.
    let mut groups: Vec<(i64, Vec<&FkRow>)> = Vec::new();
    for row in &fk_rows {
        match groups.last_mut() {
            Some((id, rows)) if *id == row.id => rows.push(row),
            _ => groups.push((row.id, vec![row])),
        }
    }
    // pragma_foreign_key_list numbers constraints from the last declared; number ours in
    // declaration order so synthesized names read naturally.
    groups.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
    let mut foreign_keys = Vec::new();
    for (n, (_, rows)) in groups.iter().enumerate() {
        let columns: Vec<String> = rows.iter().map(|r| r.from.clone()).collect();
        let parent = rows[0].parent.clone();
        let declared = parsed
            .foreign_keys
            .iter()
            .find(|d| d.parent.eq_ignore_ascii_case(&parent) && same_columns(&d.columns, &columns));
        let ref_columns: Vec<String> = if rows.iter().all(|r| r.to.is_some()) {
            rows.iter().filter_map(|r| r.to.clone()).collect()
        } else {
            // REFERENCES parent without columns: the parent's primary key, resolved later.
            Vec::new()
        };
        foreign_keys.push(ForeignKey {
            name: declared
                .and_then(|d| d.name.clone())
                .unwrap_or_else(|| format!("{name}_FK{}", n + 1)),
            columns,
            ref_schema: schema.to_string(),
            ref_table: parent,
            ref_columns,
            on_delete: FkAction::parse(&rows[0].on_delete).unwrap_or_default(),
            on_update: FkAction::parse(&rows[0].on_update).unwrap_or_default(),
            deferrable: declared.is_some_and(|d| d.deferrable),
            initially_deferred: declared.is_some_and(|d| d.initially_deferred),
            enabled: true,
        });
    }

    // Unique constraints and CREATE INDEX indexes, from the index pragmas.
    let mut unique_keys = Vec::new();
    let mut indexes = Vec::new();
    let mut i = 0;
    while i < ix_rows.len() {
        let first = &ix_rows[i];
        let mut cols = Vec::new();
        while i < ix_rows.len() && ix_rows[i].index == first.index {
            cols.push(&ix_rows[i]);
            i += 1;
        }
        let names: Vec<String> = cols
            .iter()
            .map(|r| r.column.clone().unwrap_or_default())
            .collect();
        match first.origin.as_str() {
            "u" => unique_keys.push(Key {
                name: parsed
                    .unique_keys
                    .iter()
                    .find(|(_, c)| same_columns(c, &names))
                    .and_then(|(n, _)| n.clone()),
                columns: names,
            }),
            "c" => {
                let shape = index_sql
                    .get(first.index.as_str())
                    .map(|sql| parse_create_index(sql))
                    .unwrap_or_default();
                indexes.push(Index {
                    name: first.index.clone(),
                    unique: first.unique,
                    columns: cols
                        .iter()
                        .enumerate()
                        .map(|(k, r)| IndexColumn {
                            expression: r.column.clone().unwrap_or_else(|| {
                                shape.expressions.get(k).cloned().unwrap_or_default()
                            }),
                            descending: r.descending,
                        })
                        .collect(),
                    predicate: shape.predicate,
                });
            }
            _ => {}
        }
    }

    Table {
        schema: schema.to_string(),
        name: name.to_string(),
        columns,
        primary_key,
        unique_keys,
        foreign_keys,
        checks: parsed.checks,
        indexes,
        comment: None,
        estimated_rows: None,
    }
}

fn same_columns(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// Maps a declared column type onto the neutral type. SQLite enforces no types, so the
/// declared text is all there is; it is read the way the database it imitates would read it.
/// `DATE` is read as Oracle's DATE (date and time to the second), since SQLite files in dbsub
/// stand in for Oracle schemas.
pub fn neutral_type(declared: &str) -> NeutralType {
    let upper = declared.trim().to_ascii_uppercase();
    if upper.starts_with("INTERVAL") {
        return interval_type(&upper);
    }
    let (base, args, rest) = split_type(&upper);
    let arg = |i: usize| args.get(i).and_then(|a| a.trim().parse::<i64>().ok());
    let arg_u32 = |i: usize| arg(i).and_then(|v| u32::try_from(v).ok());
    let arg_u8 = |i: usize| arg(i).and_then(|v| u8::try_from(v).ok());
    let semantics = |default| {
        let all = format!("{} {rest}", args.join(" "));
        if all.contains("CHAR") {
            LengthSemantics::Char
        } else if all.contains("BYTE") {
            LengthSemantics::Byte
        } else {
            default
        }
    };
    let length = || {
        args.first()
            .and_then(|a| a.split_whitespace().next()?.parse().ok())
    };
    match base.as_str() {
        "" => NeutralType::Other,
        "BOOLEAN" | "BOOL" => NeutralType::Boolean,
        "TINYINT" | "SMALLINT" | "INT2" => NeutralType::Integer { bits: 16 },
        "MEDIUMINT" | "INT4" => NeutralType::Integer { bits: 32 },
        "INT" | "INTEGER" | "BIGINT" | "INT8" | "UNSIGNED BIG INT" => {
            NeutralType::Integer { bits: 64 }
        }
        "NUMBER" | "NUMERIC" | "DECIMAL" | "DEC" => NeutralType::Decimal {
            precision: arg(0).and_then(|v| u16::try_from(v).ok()),
            scale: if args.is_empty() {
                None
            } else {
                Some(arg(1).and_then(|v| i16::try_from(v).ok()).unwrap_or(0))
            },
        },
        "FLOAT" => NeutralType::Float {
            bits: Some(arg(0).and_then(|v| u16::try_from(v).ok()).unwrap_or(53)),
        },
        "REAL" | "DOUBLE" | "DOUBLE PRECISION" | "BINARY_DOUBLE" => {
            NeutralType::Float { bits: Some(53) }
        }
        "BINARY_FLOAT" => NeutralType::Float { bits: Some(24) },
        "VARCHAR2" | "VARCHAR" | "CHARACTER VARYING" | "VARYING CHARACTER" | "TEXT" | "STRING" => {
            NeutralType::Text {
                length: length(),
                semantics: semantics(if base == "VARCHAR2" {
                    LengthSemantics::Byte
                } else {
                    LengthSemantics::Char
                }),
                fixed: false,
            }
        }
        "CHAR" | "CHARACTER" => NeutralType::Text {
            length: length().or(Some(1)),
            semantics: semantics(LengthSemantics::Byte),
            fixed: true,
        },
        "NVARCHAR2" | "NVARCHAR" | "NATIONAL CHARACTER VARYING" | "NCHAR VARYING" => {
            NeutralType::NationalText {
                length: arg_u32(0),
                fixed: false,
            }
        }
        "NCHAR" | "NATIONAL CHARACTER" | "NATIVE CHARACTER" => NeutralType::NationalText {
            length: arg_u32(0).or(Some(1)),
            fixed: true,
        },
        "CLOB" | "LONG" => NeutralType::Lob {
            lob: LobKind::Character,
        },
        "NCLOB" => NeutralType::Lob {
            lob: LobKind::National,
        },
        "BLOB" | "LONG RAW" => NeutralType::Lob {
            lob: LobKind::Binary,
        },
        "BFILE" => NeutralType::Lob { lob: LobKind::File },
        "RAW" | "VARBINARY" | "BYTEA" => NeutralType::Binary {
            length: arg_u32(0),
            fixed: false,
        },
        "BINARY" => NeutralType::Binary {
            length: arg_u32(0),
            fixed: true,
        },
        "DATE" => NeutralType::Timestamp { precision: Some(0) },
        "DATETIME" => NeutralType::Timestamp { precision: Some(0) },
        "TIME" => NeutralType::Time {
            precision: arg_u8(0),
        },
        "TIMESTAMP" | "TIMESTAMPTZ" => {
            let precision = arg_u8(0).or(Some(6));
            if rest.contains("LOCAL TIME ZONE") {
                NeutralType::TimestampTz {
                    precision,
                    local: true,
                }
            } else if rest.contains("WITH TIME ZONE") || base == "TIMESTAMPTZ" {
                NeutralType::TimestampTz {
                    precision,
                    local: false,
                }
            } else {
                NeutralType::Timestamp { precision }
            }
        }
        "JSON" | "JSONB" => NeutralType::Json,
        "UUID" => NeutralType::Uuid,
        "XMLTYPE" | "XML" => NeutralType::Xml,
        "SDO_GEOMETRY" | "GEOMETRY" | "GEOGRAPHY" => NeutralType::Spatial { srid: None },
        "ROWID" | "UROWID" => NeutralType::RowId,
        _ => NeutralType::Other,
    }
}

/// `INTERVAL YEAR[(p)] TO MONTH`, `INTERVAL DAY[(p)] TO SECOND[(f)]`, or PostgreSQL's bare
/// `INTERVAL`.
fn interval_type(upper: &str) -> NeutralType {
    // The number in parentheses right after `word`, if any.
    let precision_after = |word: &str| -> Option<u8> {
        let at = upper.find(word)? + word.len();
        let rest = upper[at..].trim_start().strip_prefix('(')?;
        rest[..rest.find(')')?].trim().parse().ok()
    };
    if upper.contains("YEAR") || upper.contains("MONTH") {
        NeutralType::Interval {
            fields: IntervalFields::YearToMonth,
            leading_precision: precision_after("YEAR"),
            fractional_precision: None,
        }
    } else if upper.contains("DAY") || upper.contains("SECOND") {
        NeutralType::Interval {
            fields: IntervalFields::DayToSecond,
            leading_precision: precision_after("DAY"),
            fractional_precision: precision_after("SECOND"),
        }
    } else {
        NeutralType::Interval {
            fields: IntervalFields::Any,
            leading_precision: None,
            fractional_precision: precision_after("INTERVAL"),
        }
    }
}

/// Splits `TIMESTAMP(6) WITH TIME ZONE` into ("TIMESTAMP", ["6"], "WITH TIME ZONE") and
/// `VARCHAR2(30 CHAR)` into ("VARCHAR2", ["30 CHAR"], "").
fn split_type(upper: &str) -> (String, Vec<String>, String) {
    match upper.find('(') {
        Some(open) => {
            let close = upper[open..].find(')').map_or(upper.len(), |c| open + c);
            let base = upper[..open]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let args = upper[open + 1..close]
                .split(',')
                .map(|a| a.trim().to_string())
                .collect();
            let rest = upper.get(close + 1..).unwrap_or("").trim().to_string();
            (base, args, rest)
        }
        None => {
            let words: Vec<&str> = upper.split_whitespace().collect();
            // Multi-word base types; what follows them is the rest.
            for n in (1..=words.len().min(4)).rev() {
                let candidate = words[..n].join(" ");
                if matches!(
                    candidate.as_str(),
                    "DOUBLE PRECISION"
                        | "CHARACTER VARYING"
                        | "VARYING CHARACTER"
                        | "NATIONAL CHARACTER VARYING"
                        | "NATIONAL CHARACTER"
                        | "NATIVE CHARACTER"
                        | "NCHAR VARYING"
                        | "UNSIGNED BIG INT"
                        | "LONG RAW"
                ) {
                    return (candidate, Vec::new(), words[n..].join(" "));
                }
            }
            let base = words.first().map_or(String::new(), |w| w.to_string());
            let rest = words.get(1..).map_or(String::new(), |w| w.join(" "));
            (base, Vec::new(), rest)
        }
    }
}

// ---------------------------------------------------------------------------------------
// What the pragmas do not tell, from the stored CREATE text.

/// What the `CREATE TABLE` text tells beyond the pragmas.
#[derive(Default, Debug)]
struct ParsedTable {
    primary_key_name: Option<String>,
    unique_keys: Vec<(Option<String>, Vec<String>)>,
    foreign_keys: Vec<DeclaredFk>,
    checks: Vec<Check>,
    /// Upper-cased column name → generation expression.
    generated: HashMap<String, String>,
    without_rowid: bool,
}

#[derive(Debug)]
struct DeclaredFk {
    name: Option<String>,
    columns: Vec<String>,
    parent: String,
    deferrable: bool,
    initially_deferred: bool,
}

/// Splits the tokens between `open` (a `(`) and its matching `)` at top-level commas.
/// Returns the items (as token index ranges) and the index of the closing parenthesis.
fn split_items(tokens: &[(usize, Token)], open: usize) -> (Vec<(usize, usize)>, usize) {
    let mut depth = 0;
    let mut items = Vec::new();
    let mut start = open + 1;
    for (i, (_, t)) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    items.push((start, i));
                    return (items, i);
                }
            }
            Token::Punct(',') if depth == 1 => {
                items.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push((start, tokens.len()));
    (items, tokens.len())
}

/// The text of tokens `from..to` as written in `sql`.
fn text_of(sql: &str, tokens: &[(usize, Token)], from: usize, to: usize) -> String {
    if from >= to || from >= tokens.len() {
        return String::new();
    }
    let start = tokens[from].0;
    let end = tokens
        .get(to)
        .map_or(sql.len(), |(offset, _)| *offset)
        .min(sql.len());
    sql[start..end].trim().to_string()
}

/// The parenthesised word list starting at `open`, e.g. `(A, "B")` → [A, B].
fn word_list(tokens: &[(usize, Token)], open: usize) -> (Vec<String>, usize) {
    let (items, close) = split_items(tokens, open);
    let words = items
        .iter()
        .filter_map(|&(a, _)| {
            tokens
                .get(a)
                .and_then(|(_, t)| t.word())
                .map(str::to_string)
        })
        .collect();
    (words, close)
}

fn parse_create_table(sql: &str) -> ParsedTable {
    let tokens = tokenize(sql);
    let mut parsed = ParsedTable::default();
    let Some(open) = tokens.iter().position(|(_, t)| *t == Token::Punct('(')) else {
        return parsed;
    };
    let (items, close) = split_items(&tokens, open);
    parsed.without_rowid = tokens[close.min(tokens.len())..]
        .windows(2)
        .any(|w| w[0].1.is_kw("WITHOUT") && w[1].1.is_kw("ROWID"));
    for (from, to) in items {
        let item = &tokens[from..to];
        if item.is_empty() {
            continue;
        }
        let mut k = 0;
        let mut name = None;
        if item[0].1.is_kw("CONSTRAINT") {
            name = item.get(1).and_then(|(_, t)| t.word()).map(str::to_string);
            k = 2;
        }
        let Some((_, head)) = item.get(k) else {
            continue;
        };
        if head.is_kw("PRIMARY") {
            parsed.primary_key_name = name;
        } else if head.is_kw("UNIQUE") {
            let (cols, _) = word_list(&tokens, from + k + 1);
            parsed.unique_keys.push((name, cols));
        } else if head.is_kw("CHECK") {
            let (_, end) = split_items(&tokens, from + k + 1);
            parsed.checks.push(Check {
                name,
                expression: text_of(sql, &tokens, from + k + 2, end),
            });
        } else if head.is_kw("FOREIGN") {
            let (cols, end) = word_list(&tokens, from + k + 2);
            parsed
                .foreign_keys
                .push(references(&tokens, end + 1, to, name, cols));
        } else if let Some(column) = head.word() {
            parse_column_constraints(sql, &tokens, from + k, to, column, &mut parsed);
        }
    }
    parsed
}

/// Column-level constraints: `[CONSTRAINT n] PRIMARY KEY | UNIQUE | CHECK (…) | REFERENCES …
/// | GENERATED ALWAYS AS (…)`.
fn parse_column_constraints(
    sql: &str,
    tokens: &[(usize, Token)],
    from: usize,
    to: usize,
    column: &str,
    parsed: &mut ParsedTable,
) {
    let mut name: Option<String> = None;
    let mut i = from + 1;
    while i < to {
        let t = &tokens[i].1;
        if t.is_kw("CONSTRAINT") {
            name = tokens
                .get(i + 1)
                .and_then(|(_, t)| t.word())
                .map(str::to_string);
            i += 2;
            continue;
        }
        if t.is_kw("PRIMARY") {
            parsed.primary_key_name = name.take();
        } else if t.is_kw("UNIQUE") {
            parsed
                .unique_keys
                .push((name.take(), vec![column.to_string()]));
        } else if t.is_kw("CHECK")
            && tokens
                .get(i + 1)
                .is_some_and(|(_, t)| *t == Token::Punct('('))
        {
            let (_, end) = split_items(tokens, i + 1);
            parsed.checks.push(Check {
                name: name.take(),
                expression: text_of(sql, tokens, i + 2, end),
            });
            i = end;
        } else if t.is_kw("REFERENCES") {
            parsed.foreign_keys.push(references(
                tokens,
                i,
                to,
                name.take(),
                vec![column.to_string()],
            ));
        } else if t.is_kw("AS")
            && tokens
                .get(i + 1)
                .is_some_and(|(_, t)| *t == Token::Punct('('))
        {
            let (_, end) = split_items(tokens, i + 1);
            parsed.generated.insert(
                column.to_ascii_uppercase(),
                text_of(sql, tokens, i + 2, end),
            );
            i = end;
        }
        i += 1;
    }
}

/// `REFERENCES parent [(cols)] [ON …] [[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]]`,
/// starting at the REFERENCES token.
fn references(
    tokens: &[(usize, Token)],
    at: usize,
    to: usize,
    name: Option<String>,
    columns: Vec<String>,
) -> DeclaredFk {
    let mut parent = tokens
        .get(at + 1)
        .and_then(|(_, t)| t.word())
        .unwrap_or_default()
        .to_string();
    // A schema-qualified parent: take the part after the dot.
    if tokens
        .get(at + 2)
        .is_some_and(|(_, t)| *t == Token::Punct('.'))
        && let Some(w) = tokens.get(at + 3).and_then(|(_, t)| t.word())
    {
        parent = w.to_string();
    }
    let window = &tokens[at.min(tokens.len())..to.min(tokens.len())];
    let mut deferrable = false;
    let mut initially_deferred = false;
    for (i, (_, t)) in window.iter().enumerate() {
        if t.is_kw("DEFERRABLE") {
            let negated = i > 0 && window[i - 1].1.is_kw("NOT");
            deferrable = !negated;
            initially_deferred = !negated
                && window.get(i + 1).is_some_and(|(_, t)| t.is_kw("INITIALLY"))
                && window.get(i + 2).is_some_and(|(_, t)| t.is_kw("DEFERRED"));
        }
    }
    DeclaredFk {
        name,
        columns,
        parent,
        deferrable,
        initially_deferred,
    }
}

#[derive(Default)]
struct IndexShape {
    /// Each key's text as written (a column name or an expression).
    expressions: Vec<String>,
    predicate: Option<String>,
}

fn parse_create_index(sql: &str) -> IndexShape {
    let tokens = tokenize(sql);
    let Some(on) = tokens.iter().position(|(_, t)| t.is_kw("ON")) else {
        return IndexShape::default();
    };
    let Some(open) = tokens[on..]
        .iter()
        .position(|(_, t)| *t == Token::Punct('('))
        .map(|p| p + on)
    else {
        return IndexShape::default();
    };
    let (items, close) = split_items(&tokens, open);
    let expressions = items
        .iter()
        .map(|&(a, b)| {
            // Drop a trailing ASC/DESC: the pragma reports the direction.
            let end = if b > a && (tokens[b - 1].1.is_kw("ASC") || tokens[b - 1].1.is_kw("DESC")) {
                b - 1
            } else {
                b
            };
            text_of(sql, &tokens, a, end)
        })
        .collect();
    let predicate = tokens[close.min(tokens.len())..]
        .iter()
        .position(|(_, t)| t.is_kw("WHERE"))
        .map(|p| text_of(sql, &tokens, close + p + 1, tokens.len()));
    IndexShape {
        expressions,
        predicate,
    }
}

/// The query of a `CREATE VIEW name [(columns)] AS query` statement: the text after the first
/// top-level `AS`.
fn view_query(sql: &str) -> String {
    let tokens = tokenize(sql);
    let mut depth = 0;
    for (i, (_, t)) in tokens.iter().enumerate() {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth -= 1,
            t if depth == 0 && t.is_kw("AS") => {
                return text_of(sql, &tokens, i + 1, tokens.len())
                    .trim_end_matches(';')
                    .trim_end()
                    .to_string();
            }
            _ => {}
        }
    }
    sql.to_string()
}

/// A `CREATE …` statement without its leading `CREATE`, as Oracle's dictionary keeps code.
fn after_create(sql: &str) -> String {
    let trimmed = sql.trim_start();
    match trimmed.get(..6) {
        Some(head) if head.eq_ignore_ascii_case("CREATE") => trimmed[6..].trim_start().to_string(),
        _ => trimmed.to_string(),
    }
}

struct TriggerShape {
    timing: String,
    events: Vec<String>,
}

/// `CREATE TRIGGER name [BEFORE|AFTER|INSTEAD OF] DELETE|INSERT|UPDATE [OF cols] ON table`.
fn trigger_shape(sql: &str) -> TriggerShape {
    let tokens = tokenize(sql);
    let mut timing = "BEFORE".to_string();
    let mut events = Vec::new();
    for (i, (_, t)) in tokens.iter().enumerate() {
        if t.is_kw("ON") {
            break;
        }
        if t.is_kw("BEFORE") || t.is_kw("AFTER") {
            timing = t.word().unwrap_or_default().to_ascii_uppercase();
        } else if t.is_kw("INSTEAD") && tokens.get(i + 1).is_some_and(|(_, t)| t.is_kw("OF")) {
            timing = "INSTEAD OF".to_string();
        } else if t.is_kw("INSERT") || t.is_kw("UPDATE") || t.is_kw("DELETE") {
            events.push(t.word().unwrap_or_default().to_ascii_uppercase());
        }
    }
    TriggerShape { timing, events }
}

/// The tables and views a view or trigger reads or writes: names that follow FROM, JOIN,
/// INTO, UPDATE, or a comma in a FROM list, optionally qualified by the schema.
fn referenced_relations(
    sql: &str,
    schema: &str,
    relations: &HashMap<String, ObjectKey>,
) -> Vec<ObjectKey> {
    let tokens = tokenize(sql);
    let mut found: Vec<ObjectKey> = Vec::new();
    // The clause we are in at each parenthesis depth: true while in a FROM list.
    let mut in_from = vec![false];
    for (i, (_, t)) in tokens.iter().enumerate() {
        match t {
            Token::Punct('(') => in_from.push(false),
            Token::Punct(')') if in_from.len() > 1 => {
                in_from.pop();
            }
            Token::Word { quoted: false, .. } => {
                let upper = t.word().unwrap_or_default().to_ascii_uppercase();
                let clause = match upper.as_str() {
                    "FROM" => Some(true),
                    "SELECT" | "WHERE" | "ON" | "SET" | "VALUES" | "GROUP" | "ORDER" | "HAVING"
                    | "LIMIT" | "UNION" | "BEGIN" | "END" | "USING" => Some(false),
                    _ => None,
                };
                if let (Some(state), Some(top)) = (clause, in_from.last_mut()) {
                    *top = state;
                }
            }
            _ => {}
        }
        let prev = i.checked_sub(1).map(|p| &tokens[p].1);
        let introduces = prev.is_some_and(|p| {
            p.is_kw("FROM")
                || p.is_kw("JOIN")
                || p.is_kw("INTO")
                || p.is_kw("UPDATE")
                || (*p == Token::Punct(',') && in_from.last() == Some(&true))
        });
        let Some(word) = t.word() else { continue };
        if !introduces {
            continue;
        }
        // `schema.NAME`: skip the schema, take the name after the dot.
        let name = if tokens
            .get(i + 1)
            .is_some_and(|(_, t)| *t == Token::Punct('.'))
            && (word.eq_ignore_ascii_case(schema)
                || word.eq_ignore_ascii_case("main")
                || word.eq_ignore_ascii_case("temp"))
        {
            match tokens.get(i + 2).and_then(|(_, t)| t.word()) {
                Some(w) => w,
                None => continue,
            }
        } else {
            word
        };
        if let Some(key) = relations.get(&name.to_ascii_uppercase())
            && !found.contains(key)
        {
            found.push(key.clone());
        }
    }
    found
}

// ---------------------------------------------------------------------------------------
// DDL dialect and migration target.

/// SQLite's keywords (sqlite.org/lang_keywords.html): a name among them is quoted.
const KEYWORDS: &[&str] = &[
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn kind(&self) -> DbKind {
        DbKind::Sqlite
    }

    fn ident(&self, name: &str, source: Option<DbKind>) -> String {
        fold_ident(name, source, Fold::Keep, KEYWORDS, &[])
    }

    fn column_type(&self, column: &Column) -> Result<String, String> {
        sqlite_type(&column.neutral_type, &column.native_type)
    }

    fn default_expr(&self, _column: &Column, expr: &str) -> String {
        match expr.trim().to_ascii_uppercase().as_str() {
            "SYSDATE" | "SYSTIMESTAMP" | "NOW()" | "LOCALTIMESTAMP" | "CURRENT_TIMESTAMP" => {
                "CURRENT_TIMESTAMP".to_string()
            }
            // An expression default must be parenthesised in SQLite.
            _ if !is_sqlite_literal(expr.trim()) => format!("({})", expr.trim()),
            _ => expr.trim().to_string(),
        }
    }

    /// At `;` outside quotes and comments, except inside a trigger's BEGIN … END body.
    fn split_statements(&self, sql: &str) -> Vec<Statement> {
        split_at_semicolons(sql, false, inside_trigger_body)
    }
}

/// A literal SQLite accepts as a DEFAULT without parentheses: a number, a string, NULL,
/// TRUE/FALSE or CURRENT_*.
fn is_sqlite_literal(expr: &str) -> bool {
    let upper = expr.to_ascii_uppercase();
    expr.parse::<f64>().is_ok()
        || (expr.starts_with('\'') && expr.ends_with('\'') && expr.len() >= 2)
        || matches!(
            upper.as_str(),
            "NULL" | "TRUE" | "FALSE" | "CURRENT_TIME" | "CURRENT_DATE" | "CURRENT_TIMESTAMP"
        )
}

/// Whether the statement so far is a CREATE TRIGGER whose BEGIN … END body is still open.
fn inside_trigger_body(statement: &str) -> bool {
    let tokens = tokenize(statement);
    let mut words = tokens.iter().filter_map(|(_, t)| match t {
        Token::Word {
            text,
            quoted: false,
        } => Some(text.to_ascii_uppercase()),
        _ => None,
    });
    let is_trigger = words.next().as_deref() == Some("CREATE")
        && match words.next().as_deref() {
            Some("TRIGGER") => true,
            Some("TEMP" | "TEMPORARY") => words.next().as_deref() == Some("TRIGGER"),
            _ => false,
        };
    if !is_trigger {
        return false;
    }
    let mut open = 0i32;
    for (_, t) in &tokens {
        if t.is_kw("BEGIN") || t.is_kw("CASE") {
            open += 1;
        } else if t.is_kw("END") {
            open -= 1;
        }
    }
    open > 0
}

/// The neutral type in SQLite (docs/types.md). SQLite accepts any type name; these keep the
/// intended affinity and read back to the same neutral type.
fn sqlite_type(t: &NeutralType, native: &str) -> Result<String, String> {
    use NeutralType as N;
    Ok(match t {
        N::Boolean => "BOOLEAN".into(),
        N::Integer { .. } => "INTEGER".into(),
        N::Decimal { precision, scale } => match (precision, scale) {
            (Some(p), Some(s)) => format!("NUMERIC({p},{s})"),
            (Some(p), None) => format!("NUMERIC({p})"),
            _ => "NUMERIC".into(),
        },
        N::Float { .. } => "REAL".into(),
        N::Text { length, fixed, .. } => match (length, fixed) {
            (Some(n), true) => format!("CHAR({n})"),
            (Some(n), false) => format!("VARCHAR({n})"),
            (None, _) => "TEXT".into(),
        },
        N::NationalText { length, fixed } => match (length, fixed) {
            (Some(n), true) => format!("NCHAR({n})"),
            (Some(n), false) => format!("NVARCHAR({n})"),
            (None, _) => "TEXT".into(),
        },
        N::Binary { .. } | N::Uuid => "BLOB".into(),
        N::Date => "DATE".into(),
        N::Time { .. } => "TIME".into(),
        N::Timestamp { precision: Some(0) } => "DATE".into(),
        N::Timestamp { precision } => format!("TIMESTAMP({})", precision.unwrap_or(6)),
        // SQLite's grammar takes no words after a type's `(…)`: `TIMESTAMP(6) WITH TIME ZONE`
        // is a syntax error, `TIMESTAMPTZ(6)` is not (and reads back the same).
        N::TimestampTz {
            local: false,
            precision,
        } => format!("TIMESTAMPTZ({})", precision.unwrap_or(6)),
        N::TimestampTz { local: true, .. } => "TIMESTAMP WITH LOCAL TIME ZONE".into(),
        N::Interval { .. } => "INTERVAL".into(),
        N::Lob { lob } => match lob {
            LobKind::Character | LobKind::National | LobKind::File => "CLOB",
            LobKind::Binary => "BLOB",
        }
        .into(),
        N::Json => "JSON".into(),
        N::Xml => "TEXT".into(),
        N::Spatial { .. } => "TEXT".into(),
        N::RowId => "TEXT".into(),
        N::Other => return Err(format!("type `{native}` has no SQLite equivalent in dbsub")),
    })
}

/// SQLite's own message, without the statement text that the caller already locates.
fn sqlite_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

impl MigrationTarget for SqliteDb {
    fn kind(&self) -> DbKind {
        DbKind::Sqlite
    }

    fn applied(&mut self) -> Result<Vec<Applied>> {
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {HISTORY} (version TEXT PRIMARY KEY, \
                 description TEXT NOT NULL, script TEXT NOT NULL, checksum TEXT NOT NULL, \
                 installed_on TEXT NOT NULL, execution_ms INTEGER NOT NULL)"
            ))
            .with_context(|| format!("cannot create {HISTORY} in {}", self.path.display()))?;
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT version, script, checksum FROM {HISTORY}"))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.map(|row| {
            let (version, script, checksum) = row?;
            Applied::from_history(version, script, checksum)
        })
        .collect()
    }

    fn apply(&mut self, migration: &Migration, statements: &[Statement]) -> Result<(), ApplyError> {
        let started = std::time::Instant::now();
        let tx = self.conn.transaction().map_err(ApplyError::setup)?;
        for (i, statement) in statements.iter().enumerate() {
            tx.execute_batch(&statement.sql)
                .map_err(|e| ApplyError::at(i, statement, sqlite_message(&e)))?;
        }
        tx.execute(
            &format!(
                "INSERT INTO {HISTORY} (version, description, script, checksum, installed_on, \
                 execution_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ),
            rusqlite::params![
                migration.version.to_string(),
                migration.description,
                migration.file_name,
                migration.checksum,
                crate::clock::now_rfc3339(),
                started.elapsed().as_millis() as i64
            ],
        )
        .map_err(ApplyError::setup)?;
        tx.commit().map_err(ApplyError::setup)
    }
}

// ---------------------------------------------------------------------------------------------
// RowSource: reading rows for an extract.

const MIDNIGHT: crate::archive::value::Time = crate::archive::value::Time {
    hour: 0,
    minute: 0,
    second: 0,
    nanos: 0,
};

/// Keys per lookup: well under SQLite's limit of 32766 bound variables for composite keys.
const MAX_BATCH: usize = 500;

/// Reads rows from a SQLite database inside one read transaction per connection, all
/// connections on the same snapshot.
pub struct SqliteSource {
    conn: Connection,
    path: PathBuf,
    snapshot: crate::db::Snapshot,
    locators: HashMap<String, bool>,
}

impl SqliteSource {
    /// Opens `count` read-only connections on the file of `url`, each inside a read
    /// transaction, all on one snapshot.
    ///
    /// SQLite has no shareable snapshot handle, so the connections start their transactions
    /// between two readings of `PRAGMA data_version` on a further connection: equal readings
    /// mean no write committed meanwhile, so every transaction sees the same data. Otherwise
    /// it tries again.
    pub fn open(url: &DbUrl, count: usize) -> Result<Vec<Box<dyn crate::db::RowSource>>> {
        let path = url.sqlite_path()?;
        let taken_at = crate::clock::now_rfc3339();
        let watch = SqliteDb::open_path(&path, "main")?.conn;
        let data_version = |c: &Connection| -> Result<i64> {
            c.query_row("PRAGMA data_version", [], |r| r.get(0))
                .with_context(|| format!("cannot read SQLite database {}", path.display()))
        };
        for _attempt in 0..20 {
            let before = data_version(&watch)?;
            let mut sources: Vec<Box<dyn crate::db::RowSource>> = Vec::with_capacity(count);
            for _ in 0..count.max(1) {
                let conn = SqliteDb::open_path(&path, "main")?.conn;
                // A read transaction starts with its first read.
                conn.execute_batch("BEGIN DEFERRED")?;
                conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
                    .with_context(|| {
                        format!(
                            "cannot read SQLite database {} (is it a SQLite database?)",
                            path.display()
                        )
                    })?;
                sources.push(Box::new(SqliteSource {
                    conn,
                    path: path.clone(),
                    snapshot: crate::db::Snapshot {
                        kind: "read transaction".to_string(),
                        id: taken_at.clone(),
                    },
                    locators: HashMap::new(),
                }));
            }
            if data_version(&watch)? == before {
                return Ok(sources);
            }
        }
        bail!(
            "cannot take a consistent snapshot of {}: it is being written to continuously; \
             retry when the writes stop, or use --jobs 1",
            path.display()
        )
    }

    fn table_name(table: &Table) -> String {
        super::double_quote(&table.name)
    }

    fn column_list(columns: &[KeyColumn]) -> String {
        columns
            .iter()
            .map(|c| match c {
                KeyColumn::Column(name) => super::double_quote(name),
                KeyColumn::Locator => "rowid".to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `SELECT <select> FROM <table> [WHERE …] [ORDER BY …] [LIMIT -1 OFFSET ?]` and the
    /// values to bind.
    fn query(
        table: &Table,
        select: &str,
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        skip: u64,
    ) -> Result<(String, Vec<rusqlite::types::Value>)> {
        use rusqlite::types::Value as Sql;
        let mut sql = format!("SELECT {select} FROM {}", Self::table_name(table));
        let mut binds = Vec::new();
        match filter {
            RowFilter::All => {}
            RowFilter::Where(condition) => {
                sql.push_str(&format!(" WHERE ({condition})"));
            }
            RowFilter::In { columns, keys } => {
                let width = columns.len();
                let tuple = format!("({})", vec!["?"; width].join(", "));
                if width == 1 {
                    sql.push_str(&format!(
                        " WHERE {} IN ({})",
                        Self::column_list(columns),
                        vec!["?"; keys.len()].join(", ")
                    ));
                } else {
                    sql.push_str(&format!(
                        " WHERE ({}) IN (VALUES {})",
                        Self::column_list(columns),
                        vec![tuple; keys.len()].join(", ")
                    ));
                }
                for key in keys {
                    let values = crate::subset::keys::decode(key)?;
                    if values.len() != width {
                        bail!("a key of {} values for {} columns", values.len(), width);
                    }
                    binds.extend(values.into_iter().map(|v| match v {
                        KeyValue::Null => Sql::Null,
                        KeyValue::Int(i) => Sql::Integer(i),
                        KeyValue::Float(f) => Sql::Real(f),
                        KeyValue::Text(t) => Sql::Text(t.to_string()),
                        KeyValue::Bytes(b) => Sql::Blob(b.to_vec()),
                    }));
                }
            }
        }
        if !order_by.is_empty() {
            sql.push_str(&format!(" ORDER BY {}", Self::column_list(order_by)));
        }
        if skip > 0 {
            sql.push_str(" LIMIT -1 OFFSET ?");
            binds.push(Sql::Integer(skip as i64));
        }
        Ok((sql, binds))
    }

    /// Runs `sql` and hands every row to `each`; the source's errors name the table (and the
    /// condition, for a seed's).
    fn for_each_row(
        &self,
        table: &Table,
        filter: RowFilter<'_>,
        sql: &str,
        binds: Vec<rusqlite::types::Value>,
        each: &mut dyn FnMut(&rusqlite::Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| self.failed(table, filter, e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(binds))
            .map_err(|e| self.failed(table, filter, e))?;
        loop {
            match rows.next() {
                Ok(Some(row)) => each(row)?,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.failed(table, filter, e)),
            }
        }
    }

    /// Registers the functions that masked columns are read through (see [`mask_select`]):
    /// SQLite computes them inside the query, like a server's SQL functions, so a masked value
    /// never reaches the row conversion. The date-shift key of `masks` is captured by the
    /// function, not written into SQL.
    fn register_mask_functions(&self, masks: &[Option<SourceMask>]) -> Result<()> {
        use rusqlite::functions::FunctionFlags;
        let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
        self.conn
            .create_scalar_function("dbsub_mask_digest", 1, flags, |ctx| {
                Ok(mask_text(ctx.get_raw(0)).map(|t| crate::mask::digest_reply(&t)))
            })?;
        let key = masks.iter().flatten().find_map(|m| match m {
            SourceMask::ShiftDays { key, .. } => Some(*key),
            _ => None,
        });
        if let Some(key) = key {
            self.conn
                .create_scalar_function("dbsub_mask_shift_days", 2, flags, move |ctx| {
                    let days: i64 = ctx.get(1)?;
                    let Some(text) = mask_text(ctx.get_raw(0)) else {
                        return Ok(None);
                    };
                    let offset = crate::mask::shift_offset(&key, days as u32, &text);
                    crate::mask::shift_date_text(&String::from_utf8_lossy(&text), offset)
                        .map(Some)
                        .map_err(|why| rusqlite::Error::UserFunctionError(why.into()))
                })?;
        }
        Ok(())
    }

    fn failed(&self, table: &Table, filter: RowFilter<'_>, err: rusqlite::Error) -> anyhow::Error {
        match filter {
            RowFilter::Where(condition) => anyhow!(
                "the condition `{condition}` on {}.{} failed in SQLite database {}: {err}",
                table.schema,
                table.name,
                self.path.display()
            ),
            _ => anyhow!(
                "cannot read {}.{} from SQLite database {}: {err}",
                table.schema,
                table.name,
                self.path.display()
            ),
        }
    }
}

impl crate::db::RowSource for SqliteSource {
    fn snapshot(&self) -> &crate::db::Snapshot {
        &self.snapshot
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }

    fn has_locator(&mut self, table: &Table) -> Result<bool> {
        if let Some(&known) = self.locators.get(&table.name) {
            return Ok(known);
        }
        // WITHOUT ROWID tables have no rowid; preparing a query for it says so.
        let has = self
            .conn
            .prepare(&format!(
                "SELECT rowid FROM {} LIMIT 0",
                Self::table_name(table)
            ))
            .is_ok();
        self.locators.insert(table.name.clone(), has);
        Ok(has)
    }

    fn estimate_rows(&mut self, table: &Table) -> Result<u64> {
        // SQLite keeps no row count outside sqlite_stat1 (only after ANALYZE); counting walks
        // the table's smallest b-tree, which is fast enough for an estimate.
        let sql = format!("SELECT count(*) FROM {}", Self::table_name(table));
        let n: i64 = self
            .conn
            .query_row(&sql, [], |r| r.get(0))
            .map_err(|e| self.failed(table, RowFilter::All, e))?;
        Ok(n as u64)
    }

    fn scan_keys(
        &mut self,
        table: &Table,
        columns: &[KeyColumn],
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        each: &mut dyn FnMut(&[KeyValue<'_>]) -> Result<()>,
    ) -> Result<()> {
        let (sql, binds) = Self::query(table, &Self::column_list(columns), order_by, filter, 0)?;
        // One vector for every row (recycled between rows: its values borrow the row).
        let mut spare: Vec<KeyValue<'static>> = Vec::with_capacity(columns.len());
        self.for_each_row(table, filter, &sql, binds, &mut |row| {
            let mut values: Vec<KeyValue<'_>> = recycle(std::mem::take(&mut spare));
            for i in 0..columns.len() {
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => KeyValue::Null,
                    ValueRef::Integer(n) => KeyValue::Int(n),
                    ValueRef::Real(f) => KeyValue::Float(f),
                    ValueRef::Text(t) => KeyValue::Text(std::str::from_utf8(t).map_err(|_| {
                        anyhow!("{}.{}: a key is not UTF-8 text", table.schema, table.name)
                    })?),
                    ValueRef::Blob(b) => KeyValue::Bytes(b),
                });
            }
            each(&values)?;
            spare = recycle(values);
            Ok(())
        })
    }

    fn read_rows(
        &mut self,
        table: &Table,
        columns: &[&Column],
        masks: &[Option<SourceMask>],
        order_by: &[KeyColumn],
        filter: RowFilter<'_>,
        skip: u64,
        each: &mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    ) -> Result<()> {
        let locator = self.has_locator(table)?;
        let mask_of = |i: usize| masks.get(i).and_then(Option::as_ref);
        if masks.iter().any(Option::is_some) {
            self.register_mask_functions(masks)?;
        }
        let mut select: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| mask_select(&super::double_quote(&c.name), mask_of(i)))
            .collect();
        // The rowid, to name a row in an error message.
        if locator {
            select.push("rowid".to_string());
        }
        let (sql, binds) = Self::query(table, &select.join(", "), order_by, filter, skip)?;
        let convs: Vec<Conv> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| match mask_of(i) {
                Some(m) if m.replies_text() => Conv::Text,
                _ => Conv::of(&c.neutral_type),
            })
            .collect();
        let mut n = skip;
        self.for_each_row(table, filter, &sql, binds, &mut |row| {
            n += 1;
            let mut values: Vec<Value<'_>> = Vec::with_capacity(columns.len());
            for (i, conv) in convs.iter().enumerate() {
                let raw = row.get_ref(i)?;
                match conv.convert(raw, &columns[i].neutral_type) {
                    Ok(v) => values.push(v),
                    Err(why) => {
                        let which = if locator {
                            format!("rowid {}", row.get::<_, i64>(columns.len())?)
                        } else {
                            format!("row {n}")
                        };
                        bail!(
                            "{}.{}, {which}, column {}: {why} (SQLite stores any value in any \
                             column: fix the row at the source, or leave the table out of the \
                             extract)",
                            table.schema,
                            table.name,
                            columns[i].name
                        );
                    }
                }
            }
            each(&values)
        })
    }
}

/// A masked column's select expression (see [`SqliteSource::register_mask_functions`]).
fn mask_select(column: &str, mask: Option<&SourceMask>) -> String {
    match mask {
        None => column.to_string(),
        Some(SourceMask::NullOnly) => format!("CASE WHEN {column} IS NULL THEN NULL ELSE 't' END"),
        Some(SourceMask::Digest) => format!("dbsub_mask_digest({column})"),
        Some(SourceMask::ShiftDays { days, .. }) => {
            format!("dbsub_mask_shift_days({column}, {days})")
        }
    }
}

/// A value's text as a masking function hashes it: text as stored, numbers as the archive
/// writes them, blobs as their bytes; `None` for NULL.
fn mask_text(raw: ValueRef<'_>) -> Option<Vec<u8>> {
    match raw {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string().into_bytes()),
        ValueRef::Real(f) => Some(real_text(f).into_bytes()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(t.to_vec()),
    }
}

/// A REAL's text in a character column (and for masking): its exact decimal digits.
fn real_text(f: f64) -> String {
    crate::archive::value::decimal_from_f64(f).unwrap_or_else(|| f.to_string())
}

/// How a SQLite value becomes an archive value, by the column's neutral type.
#[derive(Clone, Copy, Debug)]
enum Conv {
    Bool,
    Int,
    Decimal,
    Float,
    Text,
    Binary,
    Date,
    Timestamp,
    TimestampTz,
    /// Other types (time, interval): the stored text must already be in the archive's form.
    Parsed,
}

impl Conv {
    fn of(ty: &NeutralType) -> Conv {
        match ty {
            NeutralType::Boolean => Conv::Bool,
            NeutralType::Integer { .. } => Conv::Int,
            NeutralType::Decimal { .. } => Conv::Decimal,
            NeutralType::Float { .. } => Conv::Float,
            NeutralType::Binary { .. }
            | NeutralType::Lob {
                lob: LobKind::Binary,
            } => Conv::Binary,
            NeutralType::Date => Conv::Date,
            NeutralType::Timestamp { .. } => Conv::Timestamp,
            NeutralType::TimestampTz { .. } => Conv::TimestampTz,
            NeutralType::Time { .. } | NeutralType::Interval { .. } => Conv::Parsed,
            _ => Conv::Text,
        }
    }

    fn convert<'a>(self, raw: ValueRef<'a>, ty: &NeutralType) -> Result<Value<'a>, String> {
        use crate::archive::value as v;
        use std::borrow::Cow;
        let text = |t: &'a [u8]| {
            std::str::from_utf8(t).map_err(|_| "the text is not valid UTF-8".to_string())
        };
        Ok(match (self, raw) {
            (_, ValueRef::Null) => Value::Null,
            (Conv::Bool, ValueRef::Integer(0)) => Value::Bool(false),
            (Conv::Bool, ValueRef::Integer(1)) => Value::Bool(true),
            (Conv::Int | Conv::Decimal, ValueRef::Integer(i)) => Value::Int(i),
            (Conv::Int, ValueRef::Real(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
                Value::Int(f as i64)
            }
            (Conv::Int, ValueRef::Text(t)) => Value::Int(
                text(t)?
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{}` is not an integer", String::from_utf8_lossy(t)))?,
            ),
            (Conv::Decimal, ValueRef::Real(f)) => Value::Decimal(Cow::Owned(
                v::decimal_from_f64(f).ok_or_else(|| format!("{f} is not a finite number"))?,
            )),
            (Conv::Decimal, ValueRef::Text(t)) => {
                let t = text(t)?;
                Value::Decimal(Cow::Owned(
                    v::canonical_decimal(t.trim())
                        .ok_or_else(|| format!("`{t}` is not a decimal number"))?
                        .into(),
                ))
            }
            (Conv::Float, ValueRef::Real(f)) => Value::Float(f),
            // An integer in a float column: its digits, exactly.
            (Conv::Float, ValueRef::Integer(i)) => Value::Int(i),
            (Conv::Text, ValueRef::Text(t)) => Value::Text(Cow::Borrowed(text(t)?)),
            (Conv::Text, ValueRef::Integer(i)) => Value::Text(Cow::Owned(i.to_string())),
            (Conv::Text, ValueRef::Real(f)) => Value::Text(Cow::Owned(real_text(f))),
            (Conv::Text, ValueRef::Blob(b)) => Value::Text(Cow::Borrowed(
                std::str::from_utf8(b)
                    .map_err(|_| "binary bytes in a character column".to_string())?,
            )),
            (Conv::Binary, ValueRef::Blob(b)) => Value::Bytes(Cow::Borrowed(b)),
            (Conv::Binary, ValueRef::Text(t)) => Value::Bytes(Cow::Borrowed(t)),
            (Conv::Date | Conv::Timestamp | Conv::TimestampTz, ValueRef::Text(t)) => {
                let t = text(t)?;
                let (dt, offset) = v::parse_datetime(t.trim())
                    .ok_or_else(|| format!("`{t}` is not an ISO 8601 date or timestamp"))?;
                match (self, offset) {
                    (Conv::Date, None) if dt.time == MIDNIGHT => Value::Date(dt.date),
                    (Conv::Date, _) => return Err(format!("`{t}` is not a date (it has a time)")),
                    (Conv::Timestamp, None) => Value::Timestamp(dt),
                    (Conv::Timestamp, Some(_)) => {
                        return Err(format!("`{t}` has a time zone; the column has none"));
                    }
                    (_, Some(offset)) => Value::TimestampTz(dt, offset),
                    (_, None) => {
                        return Err(format!(
                            "`{t}` has no time zone offset; the column needs one"
                        ));
                    }
                }
            }
            (Conv::Parsed, ValueRef::Text(t)) => v::decode(t, true, ty)
                .map_err(|e| e.to_string())?
                .into_owned(),
            (_, other) => {
                return Err(format!(
                    "a {} value does not fit the column's type",
                    match other.data_type() {
                        rusqlite::types::Type::Integer => "integer",
                        rusqlite::types::Type::Real => "real",
                        rusqlite::types::Type::Text => "text",
                        rusqlite::types::Type::Blob => "blob",
                        rusqlite::types::Type::Null => "null",
                    }
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_bind_as_doubles_only_when_exact() {
        assert_eq!(exact_f64("12.50"), Some(12.5));
        assert_eq!(exact_f64("-0.00012345"), Some(-0.00012345));
        assert_eq!(exact_f64("123456789012345"), Some(123456789012345.0));
        assert_eq!(exact_f64("12345678901234.56789"), None);
        assert_eq!(exact_f64("0.1000000000000000055511151231257827"), None);
        // A double exactly, but read back in its shortest form 1152921504606847000.
        assert_eq!(exact_f64("1152921504606846976.0"), None);
        assert_eq!(Affinity::of("VARCHAR2(30)"), Affinity::Text);
        assert_eq!(Affinity::of("NUMBER(8,2)"), Affinity::Numeric);
        assert_eq!(Affinity::of("BIGINT"), Affinity::Integer);
        assert_eq!(Affinity::of("BINARY_DOUBLE"), Affinity::Real);
        assert_eq!(Affinity::of(""), Affinity::Blob);
    }

    fn open(sql: &str) -> (tempfile::TempDir, Catalog) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(sql).unwrap();
        drop(conn);
        let mut db = SqliteDb::open_path(&path, "S").unwrap();
        let catalog = db.read_catalog(&[]).unwrap();
        (dir, catalog)
    }

    #[test]
    fn reads_keys_named_constraints_and_deferrable_fks() {
        let (_dir, cat) = open(
            "CREATE TABLE P (A INTEGER, B TEXT, CONSTRAINT P_PK PRIMARY KEY (A, B));
             CREATE TABLE C (
               ID INTEGER PRIMARY KEY,
               PA INTEGER NOT NULL,
               PB TEXT,
               CODE VARCHAR2(10) CONSTRAINT C_CODE_UK UNIQUE,
               AMOUNT NUMBER(7,2) DEFAULT 0 CHECK (AMOUNT >= 0),
               CONSTRAINT C_P_FK FOREIGN KEY (PA, PB) REFERENCES P (A, B)
                 ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
               CONSTRAINT C_AMOUNT_CK CHECK (AMOUNT < 1000000)
             );
             CREATE INDEX C_PB_IX ON C (PB DESC, lower(CODE)) WHERE PB IS NOT NULL;",
        );
        let c = cat.table("S", "C").unwrap();
        assert_eq!(c.primary_key.as_ref().unwrap().columns, ["ID"]);
        assert_eq!(
            c.column("ID").unwrap().identity,
            Some(Identity {
                always: false,
                sequence: None
            })
        );
        let fk = &c.foreign_keys[0];
        assert_eq!(fk.name, "C_P_FK");
        assert_eq!(fk.columns, ["PA", "PB"]);
        assert_eq!(fk.ref_columns, ["A", "B"]);
        assert_eq!(fk.on_delete, FkAction::Cascade);
        assert!(fk.deferrable && fk.initially_deferred);
        assert!(c.fk_is_nullable(fk), "PB accepts NULL");
        assert_eq!(c.unique_keys[0].name.as_deref(), Some("C_CODE_UK"));
        assert_eq!(
            c.checks
                .iter()
                .map(|k| k.expression.as_str())
                .collect::<Vec<_>>(),
            ["AMOUNT >= 0", "AMOUNT < 1000000"]
        );
        assert_eq!(c.checks[1].name.as_deref(), Some("C_AMOUNT_CK"));
        assert_eq!(
            c.column("AMOUNT").unwrap().neutral_type,
            NeutralType::Decimal {
                precision: Some(7),
                scale: Some(2)
            }
        );
        assert_eq!(c.column("AMOUNT").unwrap().default.as_deref(), Some("0"));
        let ix = &c.indexes[0];
        assert_eq!(ix.name, "C_PB_IX");
        assert!(ix.columns[0].descending);
        assert_eq!(ix.columns[1].expression, "lower(CODE)");
        assert_eq!(ix.predicate.as_deref(), Some("PB IS NOT NULL"));
        let p = cat.table("S", "P").unwrap();
        assert_eq!(
            p.primary_key.as_ref().unwrap().name.as_deref(),
            Some("P_PK")
        );
        assert!(!p.column("A").unwrap().nullable, "PK columns are not null");
    }

    #[test]
    fn unnamed_fks_get_stable_names_in_declaration_order() {
        let (_dir, cat) = open(
            "CREATE TABLE A (ID INTEGER PRIMARY KEY);
             CREATE TABLE B (ID INTEGER PRIMARY KEY);
             CREATE TABLE X (A_ID INTEGER REFERENCES A, B_ID INTEGER REFERENCES B (ID));",
        );
        let x = cat.table("S", "X").unwrap();
        let fks: Vec<(&str, &str)> = x
            .foreign_keys
            .iter()
            .map(|f| (f.name.as_str(), f.ref_table.as_str()))
            .collect();
        assert_eq!(fks, [("X_FK1", "A"), ("X_FK2", "B")]);
        assert!(
            x.foreign_keys[0].ref_columns.is_empty(),
            "implicit parent key"
        );
    }

    #[test]
    fn views_and_triggers_with_dependencies() {
        let (_dir, cat) = open(
            "CREATE TABLE T (ID INTEGER PRIMARY KEY, STATUS TEXT, T TEXT);
             CREATE TABLE T_AUDIT (ID INTEGER, OLD_STATUS TEXT);
             CREATE TABLE CODES (CODE TEXT);
             CREATE VIEW V AS SELECT t.ID, t.STATUS AS CODES FROM main.T t, CODES c
               WHERE c.CODE = t.STATUS;
             CREATE VIEW V2 AS SELECT * FROM (SELECT ID FROM V) x;
             CREATE TRIGGER T_TRG AFTER UPDATE OF STATUS ON T
             BEGIN INSERT INTO T_AUDIT (ID, OLD_STATUS) VALUES (old.ID, old.STATUS); END;",
        );
        let deps: Vec<String> = cat
            .dependencies
            .iter()
            .map(|d| format!("{} -> {}", d.from, d.to))
            .collect();
        assert_eq!(
            deps,
            [
                "TRIGGER: S.T_TRG -> TABLE: S.T_AUDIT",
                "VIEW: S.V -> TABLE: S.CODES",
                "VIEW: S.V -> TABLE: S.T",
                "VIEW: S.V2 -> VIEW: S.V",
            ]
        );
        let trg = &cat.triggers[0];
        assert_eq!(
            (trg.timing.as_str(), trg.table_name.as_str()),
            ("AFTER", "T")
        );
        assert_eq!(trg.events, ["UPDATE"]);
        assert_eq!(cat.views[0].columns.len(), 2);
    }

    #[test]
    fn neutral_types_from_declared_types() {
        use NeutralType::*;
        let cases = [
            (
                "VARCHAR2(30)",
                Text {
                    length: Some(30),
                    semantics: LengthSemantics::Byte,
                    fixed: false,
                },
            ),
            (
                "varchar2(30 char)",
                Text {
                    length: Some(30),
                    semantics: LengthSemantics::Char,
                    fixed: false,
                },
            ),
            (
                "CHAR(1)",
                Text {
                    length: Some(1),
                    semantics: LengthSemantics::Byte,
                    fixed: true,
                },
            ),
            (
                "NVARCHAR2(100)",
                NationalText {
                    length: Some(100),
                    fixed: false,
                },
            ),
            (
                "NUMBER",
                Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            (
                "NUMBER(10)",
                Decimal {
                    precision: Some(10),
                    scale: Some(0),
                },
            ),
            (
                "NUMBER(5,-2)",
                Decimal {
                    precision: Some(5),
                    scale: Some(-2),
                },
            ),
            ("INTEGER", Integer { bits: 64 }),
            ("BINARY_FLOAT", Float { bits: Some(24) }),
            ("DATE", Timestamp { precision: Some(0) }),
            ("TIMESTAMP", Timestamp { precision: Some(6) }),
            (
                "TIMESTAMP(3) WITH TIME ZONE",
                TimestampTz {
                    precision: Some(3),
                    local: false,
                },
            ),
            (
                "TIMESTAMP(9) WITH LOCAL TIME ZONE",
                TimestampTz {
                    precision: Some(9),
                    local: true,
                },
            ),
            (
                "INTERVAL DAY(2) TO SECOND(6)",
                Interval {
                    fields: IntervalFields::DayToSecond,
                    leading_precision: Some(2),
                    fractional_precision: Some(6),
                },
            ),
            (
                "INTERVAL YEAR TO MONTH",
                Interval {
                    fields: IntervalFields::YearToMonth,
                    leading_precision: None,
                    fractional_precision: None,
                },
            ),
            (
                "RAW(16)",
                Binary {
                    length: Some(16),
                    fixed: false,
                },
            ),
            (
                "BLOB",
                Lob {
                    lob: LobKind::Binary,
                },
            ),
            (
                "CLOB",
                Lob {
                    lob: LobKind::Character,
                },
            ),
            (
                "LONG RAW",
                Lob {
                    lob: LobKind::Binary,
                },
            ),
            ("DOUBLE PRECISION", Float { bits: Some(53) }),
            ("SDO_GEOMETRY", Spatial { srid: None }),
            ("", Other),
            ("WHATEVER(3)", Other),
        ];
        for (declared, expected) in cases {
            assert_eq!(neutral_type(declared), expected, "{declared}");
        }
    }

    #[test]
    fn missing_and_corrupt_files_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.db");
        let err = SqliteDb::open_path(&missing, "main")
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("does not exist") && err.contains("nope.db"),
            "{err}"
        );
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"this is not a database, just some text").unwrap();
        let mut db = SqliteDb::open_path(&junk, "main").unwrap();
        let err = format!("{:#}", db.read_catalog(&[]).unwrap_err());
        assert!(
            err.contains("junk.db") && err.contains("not a database"),
            "{err}"
        );
    }

    #[test]
    fn another_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE T (A)")
            .unwrap();
        let mut db = SqliteDb::open_path(&path, "THE").unwrap();
        let err = db.read_catalog(&["OTHER".into()]).unwrap_err().to_string();
        assert!(err.contains("`THE`, not `OTHER`"), "{err}");
        assert_eq!(db.read_catalog(&["the".into()]).unwrap().tables.len(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// RowSink: loading rows into a local SQLite database.

/// A SQLite database loaded through one connection with foreign keys enforced.
pub struct SqliteSink {
    db: SqliteDb,
}

impl SqliteSink {
    /// Opens (creating it if needed) the file of a `sqlite://` URL for loading.
    pub fn open(url: &DbUrl) -> Result<SqliteSink> {
        let path = url.sqlite_path()?;
        if !path.exists() {
            bail!(
                "SQLite database {} does not exist: create it with the migrations first \
                 (dbsub create-migrations --dialect sqlite, then dbsub migrate), or run \
                 `dbsub demo`",
                path.display()
            );
        }
        let db = SqliteDb::open_read_write(url)?;
        // Foreign keys are checked while loading; a bigger page cache keeps index upkeep of
        // large tables in memory.
        db.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;")
            .with_context(|| format!("cannot set up {} for loading", path.display()))?;
        Ok(SqliteSink { db })
    }

    fn fail(&self, what: &str, e: rusqlite::Error) -> anyhow::Error {
        anyhow!(
            "{what} in SQLite database {}: {}",
            self.db.path.display(),
            sqlite_message(&e)
        )
    }
}

/// Creates the load records' table, inside the caller's transaction (so that a failed load
/// leaves no trace of it either).
fn ensure_history(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {INGEST_HISTORY} (table_name TEXT PRIMARY KEY, \
         extract TEXT NOT NULL, rows INTEGER NOT NULL, loaded_at TEXT NOT NULL, \
         record TEXT NOT NULL)"
    ))
    .map_err(|e| anyhow!("cannot create {INGEST_HISTORY}: {}", sqlite_message(&e)))
}

/// The rows of `tables` that reference a missing parent, as a message (empty when none).
fn violations(conn: &Connection, tables: &[&str]) -> String {
    let mut lines = Vec::new();
    for table in tables {
        let sql = format!(
            "SELECT \"table\", rowid, parent, fkid FROM pragma_foreign_key_check({})",
            super::string_literal(table)
        );
        let Ok(mut stmt) = conn.prepare(&sql) else {
            continue;
        };
        let Ok(rows) = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
            ))
        }) else {
            continue;
        };
        let mut found: Vec<(String, Option<i64>, String)> = rows.flatten().collect();
        if found.is_empty() {
            continue;
        }
        let n = found.len();
        let (child, rowid, parent) = found.swap_remove(0);
        lines.push(format!(
            "{child}: {n} row{} reference{} rows missing from {parent} (first: rowid {})",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            rowid.map_or("?".to_string(), |r| r.to_string())
        ));
    }
    lines.join("; ")
}

impl SqliteSink {
    fn load_one(
        tx: &rusqlite::Transaction<'_>,
        load: &mut crate::db::TableLoad<'_>,
        mode: crate::db::LoadMode,
    ) -> Result<()> {
        let name = &load.table.name;
        // Triggers: dropped inside the transaction and created again before its commit, so
        // that a failed or killed load leaves them exactly as they were.
        let triggers = drop_triggers(tx, name)?;
        let sql = insert_sql(load, mode);
        let affinities: Vec<Affinity> = load
            .columns
            .iter()
            .map(|c| Affinity::of(&c.native_type))
            .collect();
        let columns = load.columns.clone();
        {
            let mut stmt = tx.prepare(&sql).map_err(|e| {
                anyhow!("cannot prepare the load of {name}: {}", sqlite_message(&e))
            })?;
            let mut text = Vec::with_capacity(64);
            (load.rows)(&mut |values| {
                for (i, value) in values.iter().enumerate() {
                    let column = columns[i];
                    bind(&mut stmt, i + 1, value, column, affinities[i], &mut text)
                        .map_err(|why| anyhow!("column {}: {why}", column.name))?;
                }
                stmt.raw_execute()
                    .map_err(|e| anyhow!("{}", sqlite_message(&e)))?;
                Ok(())
            })?;
        }
        create_triggers(tx, &triggers)?;
        let record = serde_json::to_string(&load.record).expect("a record always serializes");
        tx.execute(
            &format!(
                "INSERT INTO {INGEST_HISTORY} (table_name, extract, rows, loaded_at, record) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (table_name) DO UPDATE SET \
                 extract = excluded.extract, rows = excluded.rows, \
                 loaded_at = excluded.loaded_at, record = excluded.record"
            ),
            rusqlite::params![
                load.record.table,
                load.record.extract,
                load.record.rows as i64,
                load.record.loaded_at,
                record
            ],
        )?;
        Ok(())
    }
}

/// The 8-byte float that holds the canonical decimal `d` exactly (the same number, its scale
/// aside: `12.50` is 12.5), or `None` when no float does.
fn exact_f64(d: &str) -> Option<f64> {
    let f: f64 = d.parse().ok()?;
    let digits = d.trim_start_matches('-');
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let frac = frac.trim_end_matches('0');
    let int = int.trim_start_matches('0');
    let significant = if int.is_empty() {
        frac.trim_start_matches('0').len()
    } else {
        int.len() + frac.len()
    };
    // Up to 15 significant digits always survive a round trip through a double; beyond, only
    // when the shortest form of the double gives them back.
    if significant <= 15 {
        return Some(f);
    }
    let shortest = crate::archive::value::decimal_from_f64(f)?;
    let wanted = if frac.is_empty() {
        digits
            .split_once('.')
            .map_or(digits, |(i, _)| i)
            .to_string()
    } else {
        format!(
            "{}.{frac}",
            digits.split_once('.').map_or(digits, |(i, _)| i)
        )
    };
    (shortest.trim_start_matches('-') == wanted).then_some(f)
}

/// Drops the triggers of `table` inside the caller's transaction and returns their SQL, to be
/// created again (with [`create_triggers`]) before its commit: SQLite cannot disable a
/// trigger, and a rollback brings them back by itself.
fn drop_triggers(tx: &Connection, table: &str) -> Result<Vec<String>> {
    let triggers: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 \
             AND sql IS NOT NULL ORDER BY rowid",
        )?;
        let rows = stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (trigger, _) in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER {}", super::double_quote(trigger)))?;
    }
    Ok(triggers.into_iter().map(|(_, sql)| sql).collect())
}

fn create_triggers(tx: &Connection, triggers: &[String]) -> Result<()> {
    for sql in triggers {
        tx.execute_batch(sql)?;
    }
    Ok(())
}

/// `INSERT INTO t (…) VALUES (?…)`, with an upsert on the key for a merge.
fn insert_sql(load: &crate::db::TableLoad<'_>, mode: crate::db::LoadMode) -> String {
    let names: Vec<String> = load
        .columns
        .iter()
        .map(|c| super::double_quote(&c.name))
        .collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        super::double_quote(&load.table.name),
        names.join(", "),
        marks.join(", ")
    );
    if mode == crate::db::LoadMode::Merge {
        let key: Vec<String> = load.key.iter().map(|k| super::double_quote(k)).collect();
        let updates: Vec<String> = load
            .columns
            .iter()
            .filter(|c| !load.key.iter().any(|k| k.eq_ignore_ascii_case(&c.name)))
            .map(|c| {
                let q = super::double_quote(&c.name);
                format!("{q} = excluded.{q}")
            })
            .collect();
        sql.push_str(&format!(" ON CONFLICT ({}) DO ", key.join(", ")));
        if updates.is_empty() {
            sql.push_str("NOTHING");
        } else {
            sql.push_str(&format!("UPDATE SET {}", updates.join(", ")));
        }
    }
    sql
}

/// A column's type affinity, from its declared type (SQLite's rules, section 3.1 of its
/// datatype documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

impl Affinity {
    fn of(declared: &str) -> Affinity {
        let upper = declared.to_ascii_uppercase();
        if upper.contains("INT") {
            Affinity::Integer
        } else if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") {
            Affinity::Text
        } else if upper.contains("BLOB") || upper.trim().is_empty() {
            Affinity::Blob
        } else if upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB") {
            Affinity::Real
        } else {
            Affinity::Numeric
        }
    }
}

/// Binds one loaded value the way dbsub's SQLite source reads it back: booleans and integers
/// as integers, exact decimals as integers or reals only when that keeps every digit (SQLite's
/// numeric affinity would round longer ones), dates and timestamps as ISO 8601 text with a
/// space before the time (SQLite's own convention), binary as blobs.
fn bind(
    stmt: &mut rusqlite::Statement<'_>,
    index: usize,
    value: &Value<'_>,
    column: &Column,
    affinity: Affinity,
    text: &mut Vec<u8>,
) -> Result<(), String> {
    let result = match value {
        Value::Null => stmt.raw_bind_parameter(index, rusqlite::types::Null),
        Value::Bool(b) => stmt.raw_bind_parameter(index, *b as i64),
        Value::Int(i) => stmt.raw_bind_parameter(index, *i),
        Value::Float(f) => stmt.raw_bind_parameter(index, *f),
        Value::Decimal(d) => {
            if let Ok(i) = d.parse::<i64>() {
                stmt.raw_bind_parameter(index, i)
            } else if matches!(affinity, Affinity::Text | Affinity::Blob) {
                stmt.raw_bind_parameter(index, d.as_ref())
            } else {
                match exact_f64(d) {
                    Some(f) => stmt.raw_bind_parameter(index, f),
                    None => {
                        return Err(format!(
                            "{d} has more digits than SQLite's {} column `{}` stores exactly \
                             (15 significant digits): declare the column as TEXT in the target \
                             to keep every digit",
                            match affinity {
                                Affinity::Integer => "integer",
                                Affinity::Real => "real",
                                _ => "numeric",
                            },
                            column.native_type
                        ));
                    }
                }
            }
        }
        Value::Text(t) => stmt.raw_bind_parameter(index, t.as_ref()),
        Value::Bytes(b) => stmt.raw_bind_parameter(index, b.as_ref()),
        Value::Date(_)
        | Value::Time(_)
        | Value::Timestamp(_)
        | Value::TimestampTz(..)
        | Value::Interval(_) => {
            text.clear();
            value.write_csv(text);
            if matches!(value, Value::Timestamp(_) | Value::TimestampTz(..)) {
                // The date never holds a `T`: the first one separates the time.
                if let Some(t) = text.iter().position(|&b| b == b'T') {
                    text[t] = b' ';
                }
            } else if matches!(value, Value::Date(_))
                && matches!(column.neutral_type, NeutralType::Timestamp { .. })
            {
                text.extend_from_slice(b" 00:00:00");
            }
            let s = std::str::from_utf8(text).expect("the archive writes ASCII for these types");
            stmt.raw_bind_parameter(index, s)
        }
    };
    result.map_err(|e| sqlite_message(&e))
}

impl crate::db::RowSink for SqliteSink {
    fn catalog(&mut self) -> Result<Catalog> {
        let schema = self.db.schema.clone();
        self.db.read_catalog(&[schema])
    }

    fn cycle_handling(&self) -> crate::db::CycleHandling {
        crate::db::CycleHandling::OneTransaction
    }

    fn count_rows(&mut self, table: &Table) -> Result<u64> {
        let sql = format!("SELECT count(*) FROM {}", super::double_quote(&table.name));
        let n: i64 = self
            .db
            .conn
            .query_row(&sql, [], |r| r.get(0))
            .map_err(|e| self.fail(&format!("cannot count the rows of {}", table.name), e))?;
        Ok(n as u64)
    }

    fn records(&mut self) -> Result<Vec<crate::db::LoadRecord>> {
        let exists: bool = self
            .db
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [INGEST_HISTORY],
                |r| r.get(0),
            )
            .map_err(|e| self.fail("cannot read the schema", e))?;
        if !exists {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .db
            .conn
            .prepare(&format!(
                "SELECT table_name, record FROM {INGEST_HISTORY} ORDER BY rowid"
            ))
            .map_err(|e| self.fail(&format!("cannot read {INGEST_HISTORY}"), e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| anyhow!("cannot read {INGEST_HISTORY}: {e}"))?;
        let mut out = Vec::new();
        for row in rows {
            let (table, text) = row?;
            out.push(serde_json::from_str(&text).with_context(|| {
                format!("the {INGEST_HISTORY} row of {table} is damaged: load that table again with --refreshdb")
            })?);
        }
        Ok(out)
    }

    fn empty(&mut self, tables: &[&Table]) -> Result<()> {
        let path = self.db.path.clone();
        let tx = self
            .db
            .conn
            .transaction()
            .map_err(|e| anyhow!("cannot start a transaction in {}: {e}", path.display()))?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        ensure_history(&tx)?;
        for table in tables {
            // Emptying is part of the load: the table's triggers do not fire.
            let triggers = drop_triggers(&tx, &table.name)?;
            tx.execute(
                &format!("DELETE FROM {}", super::double_quote(&table.name)),
                [],
            )
            .map_err(|e| anyhow!("cannot empty {}: {}", table.name, sqlite_message(&e)))?;
            create_triggers(&tx, &triggers)?;
            tx.execute(
                &format!("DELETE FROM {INGEST_HISTORY} WHERE table_name = ?1"),
                [&table.name],
            )?;
        }
        if let Err(e) = tx.execute_batch("COMMIT") {
            drop(tx);
            let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
            bail!(
                "emptying {} would leave rows of other tables without their parents ({}); \
                 nothing was deleted: load those tables too, or empty them first",
                names.join(", "),
                sqlite_message(&e)
            );
        }
        // After the COMMIT, dropping `tx` finds no open transaction and does nothing.
        Ok(())
    }

    fn load(
        &mut self,
        tables: &mut [crate::db::TableLoad<'_>],
        mode: crate::db::LoadMode,
        unchecked: &[(&Table, &str)],
    ) -> Result<()> {
        // SQLite cannot switch off one foreign key: with any key unchecked, none is.
        let check_foreign_keys = unchecked.is_empty();
        if !check_foreign_keys {
            self.db.conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        }
        let outcome = self.load_all(tables, mode);
        if !check_foreign_keys {
            self.db.conn.execute_batch("PRAGMA foreign_keys = ON")?;
        }
        outcome
    }

    fn advance_identity(&mut self, table: &Table) -> Result<Vec<String>> {
        // A rowid table continues after its largest rowid by itself; AUTOINCREMENT keeps the
        // largest ever in sqlite_sequence, which an explicit insert also moves. Make sure.
        let has_sequence: bool = self.db.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'sqlite_sequence'",
            [],
            |r| r.get(0),
        )?;
        if !has_sequence || !self.has_rowid(table) {
            return Ok(Vec::new());
        }
        let quoted = super::double_quote(&table.name);
        let changed = self.db.conn.execute(
            &format!(
                "UPDATE sqlite_sequence SET seq = (SELECT max(rowid) FROM {quoted}) \
                 WHERE name = ?1 AND seq < (SELECT max(rowid) FROM {quoted})"
            ),
            [&table.name],
        )?;
        Ok(if changed > 0 {
            vec![format!("{} AUTOINCREMENT", table.name)]
        } else {
            Vec::new()
        })
    }

    fn count_orphans(
        &mut self,
        child: &Table,
        columns: &[String],
        parent: &Table,
        parent_columns: &[String],
    ) -> Result<u64> {
        let sql = super::orphans_sql(
            &super::double_quote(&child.name),
            columns,
            &super::double_quote(&parent.name),
            parent_columns,
        );
        let n: i64 = self
            .db
            .conn
            .query_row(&sql, [], |r| r.get(0))
            .map_err(|e| {
                self.fail(
                    &format!(
                        "cannot check the rows of {} against {}",
                        child.name, parent.name
                    ),
                    e,
                )
            })?;
        Ok(n as u64)
    }
}

impl SqliteSink {
    fn has_rowid(&self, table: &Table) -> bool {
        self.db
            .conn
            .prepare(&format!(
                "SELECT rowid FROM {} LIMIT 0",
                super::double_quote(&table.name)
            ))
            .is_ok()
    }

    fn load_all(
        &mut self,
        tables: &mut [crate::db::TableLoad<'_>],
        mode: crate::db::LoadMode,
    ) -> Result<()> {
        let path = self.db.path.clone();
        let tx = self
            .db
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| {
                anyhow!(
                    "cannot start a transaction in {}: {}",
                    path.display(),
                    sqlite_message(&e)
                )
            })?;
        // Foreign keys are checked at the commit, so that the tables of a cycle can load in
        // any order within the transaction.
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        ensure_history(&tx)?;
        for load in tables.iter_mut() {
            SqliteSink::load_one(&tx, load, mode)?;
        }
        if let Err(e) = tx.execute_batch("COMMIT") {
            let names: Vec<&str> = tables.iter().map(|t| t.table.name.as_str()).collect();
            let detail = violations(&tx, &names);
            drop(tx);
            bail!(
                "{}{}; nothing was written (the load never deletes rows to make constraints \
                 pass): load the parent tables first, or run verify to see what is missing",
                sqlite_message(&e),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" — {detail}")
                }
            );
        }
        Ok(())
    }
}
