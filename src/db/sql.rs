//! SQL text helpers every backend shares: quoting and folding names, literals for DDL text,
//! splitting migration files into statements with their lines, and finding what plain DDL
//! creates. Values are never formatted into SQL: they are always bound.

pub mod lex;
pub(crate) mod params;
pub(crate) mod range;

use std::collections::BTreeSet;

use lex::{Token, tokenize};

use crate::model::migration::Statement;
use crate::model::ports::NameCase;

/// A name made only of ASCII letters, digits and `extra`, starting with a letter.
pub(crate) fn is_simple(name: &str, extra: &[char]) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
}

/// Whether `name` is written in its source dialect's default case (`source`: how the source
/// stores unquoted names), so that it may be folded to the target's default case without
/// changing its meaning. Without a source, a name all in one case counts.
pub(crate) fn in_default_case(name: &str, source: Option<NameCase>) -> bool {
    if !is_simple(name, &['$', '#']) {
        return false;
    }
    match source {
        Some(NameCase::Upper) => name == name.to_ascii_uppercase(),
        Some(NameCase::Lower) => name == name.to_ascii_lowercase(),
        Some(NameCase::Kept) => true,
        None => name == name.to_ascii_uppercase() || name == name.to_ascii_lowercase(),
    }
}

/// A name as a dialect writes it: in its default case (`fold`) without quotes when the source
/// wrote it in the source's default case and it is simple (letters, digits, `_` and
/// `unquoted_extra`); quoted in that case when it is a reserved word; otherwise quoted with its
/// case kept.
pub(crate) fn fold_ident(
    name: &str,
    source: Option<NameCase>,
    fold: NameCase,
    reserved: &[&str],
    unquoted_extra: &[char],
) -> String {
    if !in_default_case(name, source) || !is_simple(name, unquoted_extra) {
        return double_quote(name);
    }
    let folded = match fold {
        NameCase::Upper => name.to_ascii_uppercase(),
        NameCase::Lower => name.to_ascii_lowercase(),
        NameCase::Kept => name.to_string(),
    };
    if reserved.contains(&name.to_ascii_uppercase().as_str()) {
        double_quote(&folded)
    } else {
        folded
    }
}

/// Counts the rows of `child` (SQL name) whose `columns`, all not NULL, match no row of `parent`
/// on `parent_columns`: what [`RowSink::count_orphans`] runs.
pub(crate) fn orphans_sql(
    child: &str,
    columns: &[String],
    parent: &str,
    parent_columns: &[String],
) -> String {
    let not_null: Vec<String> = columns
        .iter()
        .map(|c| format!("c.{} IS NOT NULL", double_quote(c)))
        .collect();
    let matches: Vec<String> = columns
        .iter()
        .zip(parent_columns)
        .map(|(c, p)| format!("p.{} = c.{}", double_quote(p), double_quote(c)))
        .collect();
    format!(
        "SELECT count(*) FROM {child} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {})",
        not_null.join(" AND "),
        matches.join(" AND ")
    )
}

/// Counts the distinct keys — `columns` of `child`, all not NULL — that match no row of
/// `parent`: zero exactly when [`orphans_sql`] counts zero rows, with one probe of the parent
/// per distinct key rather than per row.
pub(crate) fn orphan_keys_sql(
    child: &str,
    columns: &[String],
    parent: &str,
    parent_columns: &[String],
) -> String {
    let keys: Vec<String> = (0..columns.len()).map(|i| format!("k{i}")).collect();
    let select: Vec<String> = columns
        .iter()
        .zip(&keys)
        .map(|(c, k)| format!("{} AS {k}", double_quote(c)))
        .collect();
    let distinct = format!("(SELECT DISTINCT {} FROM {child})", select.join(", "));
    orphans_sql(&distinct, &keys, parent, parent_columns)
}

/// `"name"` with embedded double quotes doubled.
pub(crate) fn double_quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A SQL string literal: single quotes doubled. For DDL text (comments, defaults), never for
/// row values, which are always bound.
pub fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The byte offset of the first `;` outside quotes, comments and (with `dollar_quotes`)
/// PostgreSQL's `$tag$ … $tag$` bodies.
pub(crate) fn find_semicolon(sql: &str, dollar_quotes: bool) -> Option<usize> {
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' => return Some(i),
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == q {
                        if bytes.get(i + 1) == Some(&q) {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 1);
            }
            b'$' if dollar_quotes => {
                let rest = &sql[i + 1..];
                if let Some(end) = rest.find('$') {
                    let tag = &rest[..end];
                    if tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        let delimiter = format!("${tag}$");
                        let body = i + delimiter.len();
                        if let Some(close) = sql[body..].find(&delimiter) {
                            i = body + close + delimiter.len();
                            continue;
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Counts lines up to increasing offsets without rescanning from the start.
pub(crate) struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of `offset`; offsets must not decrease between calls.
    pub(crate) fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len()).max(self.offset);
        self.line += self.text[self.offset..offset].matches('\n').count();
        self.offset = offset;
        self.line
    }
}

/// Splits SQL text at `;` outside quotes and comments. `inside_block` is asked, for the
/// statement so far, whether the `;` found is inside a block that does not end it (SQLite's
/// trigger bodies).
pub(crate) fn split_at_semicolons(
    sql: &str,
    dollar_quotes: bool,
    mut inside_block: impl FnMut(&str) -> bool,
) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut lines = LineCounter::new(sql);
    let (mut start, mut from) = (0, 0);
    while let Some(offset) = find_semicolon(&sql[from..], dollar_quotes) {
        let end = from + offset;
        from = end + 1;
        if inside_block(&sql[start..end]) {
            continue;
        }
        push_statement(&mut out, &sql[start..end], lines.line_at(start));
        start = from;
    }
    push_statement(&mut out, &sql[start..], lines.line_at(start));
    out
}

/// Adds a statement unless it is only whitespace and comments. Leading comments are dropped;
/// the line is that of the statement's first token.
pub(crate) fn push_statement(out: &mut Vec<Statement>, text: &str, line: usize) {
    let rest = skip_blank(text);
    if rest.trim().is_empty() {
        return;
    }
    let skipped = &text[..text.len() - rest.len()];
    out.push(Statement {
        line: line + skipped.matches('\n').count(),
        sql: rest.trim().to_string(),
    });
}

/// The text after leading whitespace and comments.
pub(crate) fn skip_blank(text: &str) -> &str {
    let mut rest = text.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r
                .split_once('\n')
                .map_or("", |(_, after)| after)
                .trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r
                .split_once("*/")
                .map_or("", |(_, after)| after)
                .trim_start();
        } else {
            return rest;
        }
    }
}

/// The objects plain DDL creates: `CREATE [OR REPLACE] [EDITIONABLE] [UNIQUE|BITMAP]
/// [GLOBAL TEMPORARY] KIND [IF NOT EXISTS] [schema.]name` (`AGGREGATE` as a `FUNCTION`) and
/// `ADD CONSTRAINT name`.
pub fn scan_created(sql: &str) -> BTreeSet<(String, String)> {
    const SKIP: &[&str] = &[
        "OR",
        "REPLACE",
        "EDITIONABLE",
        "NONEDITIONABLE",
        "UNIQUE",
        "BITMAP",
        "GLOBAL",
        "TEMPORARY",
        "TEMP",
        "FORCE",
        "NOFORCE",
    ];
    let words = words(sql);
    let mut found = BTreeSet::new();
    let upper = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase());
    for i in 0..words.len() {
        let w = words[i].to_ascii_uppercase();
        if w == "ADD" && upper(i + 1).as_deref() == Some("CONSTRAINT") {
            // `ALTER TABLE t ADD CONSTRAINT c`: PostgreSQL names constraints per table.
            if let (Some(table), Some(name)) =
                (i.checked_sub(1).map(|p| &words[p]), words.get(i + 2))
            {
                found.insert(("CONSTRAINT".to_string(), per_table(table, name)));
            }
            continue;
        }
        if w != "CREATE" {
            continue;
        }
        let mut j = i + 1;
        while upper(j).is_some_and(|u| SKIP.contains(&u.as_str())) {
            j += 1;
        }
        let Some(first) = upper(j) else { continue };
        let (kind, next) = match (first.as_str(), upper(j + 1).as_deref()) {
            ("PACKAGE" | "TYPE", Some("BODY")) => (format!("{first} BODY"), j + 2),
            ("MATERIALIZED", Some("VIEW")) => ("MATERIALIZED VIEW".to_string(), j + 2),
            // A PostgreSQL aggregate is a function to the catalog.
            ("AGGREGATE", _) => ("FUNCTION".to_string(), j + 1),
            (
                "TABLE" | "VIEW" | "INDEX" | "SEQUENCE" | "TRIGGER" | "PACKAGE" | "PROCEDURE"
                | "FUNCTION" | "TYPE" | "SYNONYM",
                _,
            ) => (first.clone(), j + 1),
            _ => continue,
        };
        let mut k = next;
        if upper(k).as_deref() == Some("IF") {
            k += 3; // IF NOT EXISTS
        }
        if let Some(name) = words.get(k) {
            // `schema.name`: the name is the last part.
            let name = name.rsplit('.').next().unwrap_or(name);
            // A trigger is named per table (PostgreSQL): `TABLE.NAME`, the table after `ON`.
            let on = (kind == "TRIGGER")
                .then(|| (k + 1..words.len()).find(|&o| upper(o).as_deref() == Some("ON")))
                .flatten()
                .and_then(|o| words.get(o + 1));
            match on {
                Some(table) => found.insert((kind, per_table(table, name))),
                None => found.insert((kind, name.to_ascii_uppercase())),
            };
        }
    }
    found
}

/// `TABLE.NAME` in upper case, for an object named per table; `table` may be `schema.table`.
fn per_table(table: &str, name: &str) -> String {
    let table = table.rsplit('.').next().unwrap_or(table);
    format!("{table}.{name}").to_ascii_uppercase()
}

/// `text` with every qualifier naming schema `from` (`FROM.x`, `"FROM".x`), outside strings
/// and comments, replaced by `to.` or removed when `to` is `None`. An unquoted word matches
/// ignoring case, a quoted one exactly; a word after a `.` (`T.APP.X`) is part of a longer
/// name and kept. `None` when the text also uses the schema's name for something else (a
/// table alias `FROM T app`, a column, a variable): then `app.X` may mean that thing, and the
/// text is left to the reader. Not a parser: Oracle's `q'[…]'` literals are not recognised
/// (docs/oracle.md).
pub(crate) fn requalify(text: &str, from: &str, to: Option<&str>) -> Option<String> {
    let tokens = tokenize(text);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (i, (start, token)) in tokens.iter().enumerate() {
        let names_schema = match token {
            Token::Word { text, quoted: true } => text == from,
            Token::Word {
                text,
                quoted: false,
            } => text.eq_ignore_ascii_case(from),
            _ => false,
        };
        let after_dot = i > 0 && tokens[i - 1].1 == Token::Punct('.');
        if !names_schema || after_dot {
            continue;
        }
        let Some((dot, Token::Punct('.'))) = tokens.get(i + 1) else {
            return None;
        };
        out.push_str(&text[copied..*start]);
        if let Some(to) = to {
            out.push_str(to);
            out.push('.');
        }
        copied = dot + 1;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// The words of SQL text outside comments and string literals, quotes removed; a dotted name
/// (`"S"."T"`) is one word, `S.T`.
fn words(sql: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut joins_previous = false;
    for (_, token) in tokenize(sql) {
        match token {
            Token::Word { text, .. } => match out.last_mut() {
                Some(last) if joins_previous => {
                    last.push('.');
                    last.push_str(&text);
                }
                _ => out.push(text),
            },
            Token::Punct('.') => {
                joins_previous = true;
                continue;
            }
            _ => {}
        }
        joins_previous = false;
    }
    out
}

/// The first of PostgreSQL's query constructs in `query` that a dialect without them does not
/// read: `ILIKE`, `DISTINCT ON (…)`, and, with `filter`, an aggregate's `FILTER (WHERE …)`.
pub(crate) fn postgres_only_syntax(query: &str, filter: bool) -> Option<&'static str> {
    let tokens = lex::tokenize_postgres(query);
    let at = |i: usize| tokens.get(i).map(|(_, t)| t);
    for (i, (_, token)) in tokens.iter().enumerate() {
        if token.is_kw("ILIKE") {
            return Some("ILIKE");
        }
        if token.is_kw("DISTINCT") && at(i + 1).is_some_and(|t| t.is_kw("ON")) {
            return Some("DISTINCT ON (…)");
        }
        if filter
            && token.is_kw("FILTER")
            && i > 0
            && at(i - 1) == Some(&lex::Token::Punct(')'))
            && at(i + 1) == Some(&lex::Token::Punct('('))
        {
            return Some("an aggregate's FILTER (WHERE …) clause");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ports::*;

    #[test]
    fn statements_split_outside_quotes_and_comments_with_lines() {
        let sql = "-- header\nCREATE TABLE A (X TEXT DEFAULT 'a;b');\n\n/* c; */ INSERT INTO A \
                   VALUES ('it''s');\n-- trailing comment\n";
        let stmts = split_at_semicolons(sql, false, |_| false);
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[0].line, 2);
        assert_eq!(stmts[0].sql, "CREATE TABLE A (X TEXT DEFAULT 'a;b')");
        assert_eq!(stmts[1].line, 4);
    }

    #[test]
    fn source_schema_qualifiers_are_renamed_outside_strings_and_comments() {
        let text = "SELECT a.X, app.F(1) FROM APP.T a JOIN \"APP\" . \"U\" u ON 1 = 1 \
                    WHERE a.Y = 'APP.T' /* APP.T */ AND T.APP.Z = 0 AND APPX.T.C = \"app\".V.C";
        assert_eq!(
            requalify(text, "APP", Some("TGT")).as_deref(),
            Some(
                "SELECT a.X, TGT.F(1) FROM TGT.T a JOIN TGT. \"U\" u ON 1 = 1 \
                 WHERE a.Y = 'APP.T' /* APP.T */ AND T.APP.Z = 0 AND APPX.T.C = \"app\".V.C"
            )
        );
        assert_eq!(
            requalify("ADDR APP.ADDRESS_T", "APP", None).as_deref(),
            Some("ADDR ADDRESS_T")
        );
        // The schema's name is also an alias here: `app.X` may be the alias's column.
        assert_eq!(requalify("SELECT app.X FROM APP.T app", "APP", None), None);
        assert_eq!(requalify("APP", "APP", None), None);
    }

    #[test]
    fn dollar_quoted_bodies_stay_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 2;";
        let stmts = split_at_semicolons(sql, true, |_| false);
        assert_eq!(stmts.len(), 2);
        assert!(stmts[0].sql.ends_with("LANGUAGE sql"));
        assert_eq!(stmts[1].line, 2);
    }

    #[test]
    fn names_fold_only_from_the_default_case() {
        assert!(in_default_case("SEEDLOT", Some(NameCase::Upper)));
        assert!(!in_default_case("Seedlot", Some(NameCase::Upper)));
        assert!(in_default_case("seedlot", Some(NameCase::Lower)));
        assert!(in_default_case("Seedlot", Some(NameCase::Kept)));
        assert!(!in_default_case("MY TABLE", Some(NameCase::Kept)));
        assert_eq!(string_literal("it's"), "'it''s'");
    }

    #[test]
    fn finds_what_plain_ddl_creates() {
        let sql = "-- CREATE TABLE COMMENTED (A INT);\n\
                   CREATE TABLE the.seedlot (a int);\n\
                   create unique index if not exists \"Seedlot_IX\" on seedlot (a);\n\
                   CREATE OR REPLACE EDITIONABLE PACKAGE BODY THE.PKG AS BEGIN NULL; END;\n\
                   CREATE GLOBAL TEMPORARY TABLE TMP (A INT);\n\
                   ALTER TABLE X ADD CONSTRAINT X_FK FOREIGN KEY (A) REFERENCES Y (A);\n\
                   ALTER TABLE ONLY app.y ADD CONSTRAINT X_FK FOREIGN KEY (A) REFERENCES Y (A);\n\
                   CREATE TRIGGER last_updated BEFORE UPDATE OF a ON app.y FOR EACH ROW \
                   EXECUTE FUNCTION touch();\n\
                   CREATE OR REPLACE AGGREGATE list_of(text) (SFUNC = f, STYPE = text);\n\
                   CREATE EXTENSION IF NOT EXISTS pg_trgm;\n\
                   INSERT INTO T VALUES ('CREATE TABLE NOT_ME');";
        let found: Vec<String> = scan_created(sql)
            .into_iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        assert_eq!(
            found,
            [
                "CONSTRAINT X.X_FK",
                "CONSTRAINT Y.X_FK",
                "FUNCTION LIST_OF",
                "INDEX SEEDLOT_IX",
                "PACKAGE BODY PKG",
                "TABLE SEEDLOT",
                "TABLE TMP",
                "TRIGGER Y.LAST_UPDATED"
            ]
        );
    }
}
