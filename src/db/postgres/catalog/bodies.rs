//! What a function or procedure written as a string body (PL/pgSQL, and SQL before
//! PostgreSQL 14's `BEGIN ATOMIC`) uses. PostgreSQL records nothing in `pg_depend` for such a
//! body, so its names are read from its text: every name outside comments and string literals
//! that names an object of the catalog (a table, view, sequence, function, procedure or type)
//! is a dependency, and so is a sequence or relation named by a literal that PostgreSQL reads
//! as one (`nextval('ticket_seq')`, `'audit'::regclass`).
//!
//! A superset, never a loss: a local variable or column that shares an object's name adds
//! that object. Dynamic SQL (`EXECUTE 'SELECT … FROM t'`, `EXECUTE format(…)`) is a string and
//! is not followed.

use std::collections::{BTreeSet, HashMap};

use anyhow::Result;
use postgres::Row;

use crate::catalog::*;
use crate::db::sql::lex::{Token, tokenize_postgres};

use super::get;

/// A name a body uses: `(schema, name)` when qualified, `(None, name)` when not, each folded
/// as PostgreSQL folds it (unquoted to lower case, quoted as written).
pub(super) type UsedName = (Option<String>, String);

/// The functions that take a sequence's name as a string literal.
const SEQUENCE_FUNCTIONS: [&str; 3] = ["nextval", "currval", "setval"];
/// The casts that read a string literal as an object's name.
const NAME_CASTS: [&str; 4] = ["regclass", "regproc", "regprocedure", "regtype"];

/// The names `body` uses, outside comments and string literals (dollar-quoted ones too), plus
/// the objects string literals name for `nextval`/`currval`/`setval` and `::regclass`-like
/// casts. A dotted `a.b` is both `a`'s object `b` and `a` alone (a table with its column,
/// `customer.id%TYPE`, or a record's field).
pub(super) fn names_used(body: &str) -> BTreeSet<UsedName> {
    let tokens = tokenize_postgres(body);
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].1 {
            Token::Word { .. } => {
                let after_dot = i > 0 && tokens[i - 1].1 == Token::Punct('.');
                let (parts, next) = dotted(&tokens, i);
                if !after_dot {
                    add_dotted(&mut names, &parts);
                }
                i = next;
                continue;
            }
            Token::Str(text) if names_an_object(&tokens, i) => {
                let inner = tokenize_postgres(text);
                if !inner.is_empty() {
                    add_dotted(&mut names, &dotted(&inner, 0).0);
                }
            }
            _ => {}
        }
        i += 1;
    }
    names
}

/// The folded parts of the dotted name that starts at `start`, and the index after it.
fn dotted(tokens: &[(usize, Token)], start: usize) -> (Vec<String>, usize) {
    let mut parts = Vec::new();
    let mut i = start;
    while let Some((_, Token::Word { text, quoted })) = tokens.get(i) {
        parts.push(if *quoted {
            text.clone()
        } else {
            // PostgreSQL folds only ASCII letters.
            text.to_ascii_lowercase()
        });
        i += 1;
        match tokens.get(i) {
            Some((_, Token::Punct('.'))) => i += 1,
            _ => break,
        }
    }
    (parts, i)
}

fn add_dotted(names: &mut BTreeSet<UsedName>, parts: &[String]) {
    if let Some(first) = parts.first() {
        names.insert((None, first.clone()));
    }
    if let [schema, name, ..] = parts {
        names.insert((Some(schema.clone()), name.clone()));
    }
}

/// Whether the string literal at `i` is read as an object's name: `nextval('s')` or
/// `'t'::regclass`.
fn names_an_object(tokens: &[(usize, Token)], i: usize) -> bool {
    let cast = matches!(tokens.get(i + 1), Some((_, Token::Other(op))) if op == "::")
        && tokens
            .get(i + 2)
            .is_some_and(|(_, t)| NAME_CASTS.iter().any(|c| t.is_kw(c)));
    let argument = i >= 2
        && tokens[i - 1].1 == Token::Punct('(')
        && SEQUENCE_FUNCTIONS.iter().any(|f| tokens[i - 2].1.is_kw(f));
    cast || argument
}

/// The schemas of a `search_path` setting, in order: `"$user"` and the system schemas left
/// out, quoted names as written, others folded.
pub(super) fn search_path(setting: &str) -> Vec<String> {
    let tokens = tokenize_postgres(setting);
    tokens
        .iter()
        .filter_map(|(_, t)| match t {
            Token::Word { text, quoted: true } => Some(text.clone()),
            Token::Word {
                text,
                quoted: false,
            } => Some(text.to_ascii_lowercase()),
            _ => None,
        })
        .filter(|s| s != "$user" && s != "pg_catalog" && s != "pg_temp")
        .collect()
}

/// Whether a name is looked up among routines or among relations and types: PostgreSQL
/// resolves each on the search path separately. Any kind that is no relation or type is code
/// (functions, procedures, and whatever code kinds the reader adds).
fn is_routine(kind: ObjectKind) -> bool {
    !matches!(
        kind,
        ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Sequence
            | ObjectKind::Type
    )
}

/// The objects a body's names may name, by (schema, name).
struct Objects {
    by_name: HashMap<(String, String), Vec<ObjectKey>>,
    schemas: BTreeSet<String>,
}

impl Objects {
    fn new(catalog: &Catalog) -> Objects {
        let mut by_name: HashMap<(String, String), Vec<ObjectKey>> = HashMap::new();
        for key in catalog.object_keys() {
            // Index and trigger names are no names a body uses as such.
            let named = !matches!(key.kind, ObjectKind::Index | ObjectKind::Trigger);
            if named {
                by_name
                    .entry((key.schema.clone(), key.name.clone()))
                    .or_default()
                    .push(key);
            }
        }
        let schemas = by_name.keys().map(|(s, _)| s.clone()).collect();
        Objects { by_name, schemas }
    }

    fn get(&self, schema: &str, name: &str) -> &[ObjectKey] {
        self.by_name
            .get(&(schema.to_string(), name.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// What `name` names: a qualified name in its schema; an unqualified one in the first
    /// schema of `path` that has it (routines and relations or types each on their own), or, when
    /// no schema of the path has it, in every schema read (the caller's `search_path` may
    /// reach them).
    fn resolve(&self, (schema, name): &UsedName, path: &[String]) -> Vec<ObjectKey> {
        if let Some(schema) = schema {
            return self.get(schema, name).to_vec();
        }
        let mut found = Vec::new();
        for routines in [true, false] {
            let of_class = |schema: &String| -> Vec<ObjectKey> {
                self.get(schema, name)
                    .iter()
                    .filter(|k| is_routine(k.kind) == routines)
                    .cloned()
                    .collect()
            };
            match path.iter().map(of_class).find(|keys| !keys.is_empty()) {
                Some(keys) => found.extend(keys),
                None => found.extend(self.schemas.iter().flat_map(of_class)),
            }
        }
        found
    }
}

/// Adds, for each row of [`super::queries::bodies_sql`], a dependency of the routine on every
/// object its body names (not on itself: recursion is no dependency).
pub(super) fn dependencies(catalog: &mut Catalog, rows: &[Row]) -> Result<()> {
    let objects = Objects::new(catalog);
    for r in rows {
        let schema: String = get(r, 0)?;
        let name: String = get(r, 1)?;
        let prokind: String = get(r, 2)?;
        let body: String = get(r, 3)?;
        let setting: Option<String> = get(r, 4)?;
        let kind = if prokind == "p" {
            ObjectKind::Procedure
        } else {
            ObjectKind::Function
        };
        let from = ObjectKey::new(&schema, &name, kind);
        let path = match setting {
            Some(setting) => search_path(&setting),
            None => vec![schema],
        };
        for used in names_used(&body) {
            for to in objects.resolve(&used, &path) {
                if to != from {
                    catalog.run_time_dependencies.push(Dependency {
                        from: from.clone(),
                        to,
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unqualified(names: &[&str]) -> BTreeSet<UsedName> {
        names.iter().map(|n| (None, n.to_string())).collect()
    }

    #[test]
    fn names_in_comments_and_strings_are_not_used() {
        let body = "BEGIN
  -- decoy in a line comment
  /* decoy in a block comment */
  RAISE NOTICE 'decoy in a string, it''s';
  RAISE NOTICE E'decoy in an escape string \\' still decoy';
  EXECUTE $q$SELECT * FROM decoy$q$;
  RETURN (SELECT count(*) FROM inventory);
END";
        let names = names_used(body);
        assert!(!names.contains(&(None, "decoy".to_string())), "{names:?}");
        assert!(
            names.contains(&(None, "inventory".to_string())),
            "{names:?}"
        );
        assert!(names.contains(&(None, "count".to_string())), "{names:?}");
    }

    #[test]
    fn a_nested_dollar_quote_is_a_string() {
        let names = names_used("SELECT $a$ outer $b$ decoy $b$ still $a$, staff FROM $$decoy$$ ");
        assert_eq!(
            names,
            unqualified(&["from", "select", "staff"]),
            "{names:?}"
        );
    }

    #[test]
    fn row_types_qualified_and_quoted_names_fold_as_postgresql_does() {
        let body = r#"DECLARE
  who Customer%ROWTYPE;
  amount payment.amount%TYPE;
  shop "Store";
BEGIN
  SELECT * INTO who FROM Public.Film f JOIN "App"."Rental" r ON true;
  INSERT INTO audit_log VALUES (NEW.id);
END"#;
        let names = names_used(body);
        for (schema, name) in [
            (None, "customer"),
            (None, "payment"),
            (Some("payment"), "amount"),
            (None, "Store"),
            (Some("public"), "film"),
            (Some("App"), "Rental"),
            (None, "audit_log"),
            (None, "new"),
            (Some("new"), "id"),
        ] {
            let name = (schema.map(str::to_string), name.to_string());
            assert!(names.contains(&name), "{name:?} in {names:?}");
        }
        // A quoted name keeps its case; the folded one is another name.
        assert!(!names.contains(&(None, "store".to_string())), "{names:?}");
        assert!(!names.contains(&(None, "rental".to_string())), "{names:?}");
    }

    #[test]
    fn literals_read_as_names_are_used() {
        let names = names_used(
            "SELECT nextval('ticket_seq'), currval('public.\"Other_Seq\"'), \
             'Audit'::regclass, 'f(int)'::regprocedure, 'not_a_name', lower('decoy')",
        );
        for (schema, name) in [
            (None, "ticket_seq"),
            (Some("public"), "Other_Seq"),
            (None, "audit"),
            (None, "f"),
        ] {
            let name = (schema.map(str::to_string), name.to_string());
            assert!(names.contains(&name), "{name:?} in {names:?}");
        }
        for not in ["not_a_name", "decoy"] {
            assert!(!names.contains(&(None, not.to_string())), "{names:?}");
        }
    }

    #[test]
    fn search_path_settings_are_read_in_order() {
        assert_eq!(
            search_path(r#""$user", App, "Mixed", public, pg_temp"#),
            ["app", "Mixed", "public"]
        );
        assert_eq!(search_path("\"\""), [""]);
        assert!(search_path("").is_empty());
    }

    fn catalog_with(keys: &[(&str, &str, ObjectKind)]) -> Objects {
        let mut catalog = Catalog::default();
        for &(schema, name, kind) in keys {
            match kind {
                ObjectKind::Table => catalog.tables.push(Table::test(schema, name, Vec::new())),
                _ => catalog.routines.push(Routine {
                    schema: schema.into(),
                    name: name.into(),
                    kind,
                    source: String::new(),
                }),
            }
        }
        Objects::new(&catalog)
    }

    #[test]
    fn unqualified_names_resolve_on_the_path_then_anywhere() {
        use ObjectKind::*;
        let objects = catalog_with(&[
            ("app", "customer", Table),
            ("public", "customer", Table),
            ("public", "customer", Function),
            ("public", "film", Table),
        ]);
        let path = ["app".to_string(), "public".to_string()];
        let resolve = |name: &str| objects.resolve(&(None, name.to_string()), &path);
        // The first schema that has a relation, and separately the first that has a routine.
        assert_eq!(
            resolve("customer"),
            [
                ObjectKey::new("public", "customer", Function),
                ObjectKey::new("app", "customer", Table),
            ]
        );
        assert_eq!(resolve("film"), [ObjectKey::table("public", "film")]);
        // Off the path: every schema read that has it.
        let only_app = ["app".to_string()];
        assert_eq!(
            objects.resolve(&(None, "film".to_string()), &only_app),
            [ObjectKey::table("public", "film")]
        );
        assert!(resolve("nothing").is_empty());
        assert_eq!(
            objects.resolve(&(Some("public".into()), "customer".into()), &path),
            [
                ObjectKey::table("public", "customer"),
                ObjectKey::new("public", "customer", Function),
            ]
        );
    }
}
