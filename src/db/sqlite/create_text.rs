use std::collections::HashMap;

use crate::catalog::*;
use crate::db::sql::lex::{Token, tokenize};

// ---------------------------------------------------------------------------------------
// What the pragmas do not tell, from the stored CREATE text.

/// What the `CREATE TABLE` text tells beyond the pragmas.
#[derive(Default, Debug)]
pub(super) struct ParsedTable {
    pub(super) primary_key_name: Option<String>,
    pub(super) unique_keys: Vec<(Option<String>, Vec<String>)>,
    pub(super) foreign_keys: Vec<DeclaredFk>,
    pub(super) checks: Vec<Check>,
    /// Upper-cased column name → generation expression.
    pub(super) generated: HashMap<String, String>,
    pub(super) without_rowid: bool,
}

#[derive(Debug)]
pub(super) struct DeclaredFk {
    pub(super) name: Option<String>,
    pub(super) columns: Vec<String>,
    pub(super) parent: String,
    pub(super) deferrable: bool,
    pub(super) initially_deferred: bool,
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

pub(super) fn parse_create_table(sql: &str) -> ParsedTable {
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
pub(super) struct IndexShape {
    /// Each key's text as written (a column name or an expression).
    pub(super) expressions: Vec<String>,
    pub(super) predicate: Option<String>,
}

pub(super) fn parse_create_index(sql: &str) -> IndexShape {
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
pub(super) fn view_query(sql: &str) -> String {
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
pub(super) fn after_create(sql: &str) -> String {
    let trimmed = sql.trim_start();
    match trimmed.get(..6) {
        Some(head) if head.eq_ignore_ascii_case("CREATE") => trimmed[6..].trim_start().to_string(),
        _ => trimmed.to_string(),
    }
}

pub(super) struct TriggerShape {
    pub(super) timing: String,
    pub(super) events: Vec<String>,
}

/// `CREATE TRIGGER name [BEFORE|AFTER|INSTEAD OF] DELETE|INSERT|UPDATE [OF cols] ON table`.
pub(super) fn trigger_shape(sql: &str) -> TriggerShape {
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
pub(super) fn referenced_relations(
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
