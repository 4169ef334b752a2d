use std::collections::HashMap;

use anyhow::{Context, Result, bail};

use super::SqliteDb;
use super::create_text::*;
use crate::catalog::*;
use crate::model::DbKind;
use crate::model::ports::CatalogReader;

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
        let mut columns = self
            .columns("table", None)
            .with_context(|| self.context("columns"))?;
        match self.columns("view", None) {
            Ok(of_views) => columns.extend(of_views),
            // A view SQLite cannot prepare (it calls a function or reads a table this database
            // lacks, as a view carried from another dialect may) fails the query for every
            // view, and would stop every ingest into the database: read the views one by one,
            // and a broken one without columns.
            Err(_) => {
                for view in objects.iter().filter(|o| o.kind == "view") {
                    columns.extend(self.columns("view", Some(&view.name)).unwrap_or_default());
                }
            }
        }
        let fks = self
            .foreign_keys()
            .with_context(|| self.context("foreign keys"))?;
        let indexes = self.indexes().with_context(|| self.context("indexes"))?;
        let mut catalog = assemble(&self.schema, objects, columns, fks, indexes);
        catalog.source = Some(CatalogSource {
            kind: DbKind::Sqlite.word().to_string(),
            url: format!("sqlite://{}?schema={}", self.path.display(), self.schema),
            read_at: crate::model::clock::now_rfc3339(),
            schemas: vec![self.schema.clone()],
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

    /// The columns of the tables or views (`kind`), or of the one named `name`.
    fn columns(&self, kind: &str, name: Option<&str>) -> rusqlite::Result<Vec<ColumnRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
             FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p \
             WHERE m.type = ?1 AND (?2 IS NULL OR m.name = ?2) \
               AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             ORDER BY m.name, p.cid",
        )?;
        stmt.query_map(rusqlite::params![kind, name], |r| {
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
                    indexes: Vec::new(),
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
                            opclass: None,
                            nulls_first: None,
                        })
                        .collect(),
                    predicate: shape.predicate,
                    ..Index::default()
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
        temporary: None,
        partitioning: None,
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
        // What dbsub writes for a date without a time (PostgreSQL's `date`).
        "DATEONLY" => NeutralType::Date,
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

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

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

    /// A view SQLite cannot prepare (a function of another dialect's, as a view carried from
    /// PostgreSQL may call) reads without columns; the tables and other views read whole.
    #[test]
    fn a_view_calling_a_missing_function_does_not_stop_the_read() {
        let (_dir, cat) = open(
            "CREATE TABLE T (ID INTEGER PRIMARY KEY, NAME TEXT);
             CREATE VIEW BROKEN AS SELECT array_agg(NAME) AS NAMES FROM T;
             CREATE VIEW GOOD AS SELECT ID FROM T;",
        );
        let columns = |name: &str| -> Vec<String> {
            let view = cat.views.iter().find(|v| v.name == name).unwrap();
            view.columns.iter().map(|c| c.name.clone()).collect()
        };
        assert_eq!(cat.table("S", "T").unwrap().columns.len(), 2);
        assert_eq!(columns("GOOD"), ["ID"]);
        assert!(columns("BROKEN").is_empty());
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
                "TRIGGER: S.T.T_TRG -> TABLE: S.T_AUDIT",
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
            ("DATEONLY", Date),
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
