//! Finding the object a user names (`--seed-object SEEDLOT [--schema S] [--object-type T]`).
//!
//! A name matches exactly first, then case-insensitively, so `seedlot` finds `SEEDLOT` but
//! `Seedlot` and `SEEDLOT` in a case-sensitive PostgreSQL schema stay distinct when both exist.

use std::fmt;

use super::model::{ObjectKey, ObjectKind};

/// What the user typed to name an object.
#[derive(Clone, Debug, Default)]
pub struct ObjectQuery {
    /// `NAME` or `SCHEMA.NAME`.
    pub name: String,
    pub schema: Option<String>,
    pub kind: Option<ObjectKind>,
}

impl ObjectQuery {
    pub fn named(name: &str) -> ObjectQuery {
        ObjectQuery {
            name: name.to_string(),
            ..ObjectQuery::default()
        }
    }

    /// The schema and name, splitting `SCHEMA.NAME` unless `--schema` was given.
    fn parts(&self) -> (Option<&str>, &str) {
        match (&self.schema, self.name.split_once('.')) {
            (Some(s), _) => (Some(s.as_str()), self.name.as_str()),
            (None, Some((s, n))) if !s.is_empty() && !n.is_empty() => (Some(s), n),
            (None, _) => (None, self.name.as_str()),
        }
    }
}

impl fmt::Display for ObjectQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (schema, name) = self.parts();
        if let Some(kind) = self.kind {
            write!(f, "{kind} ")?;
        }
        match schema {
            Some(s) => write!(f, "{s}.{name}"),
            None => f.write_str(name),
        }
    }
}

/// Why a name did not resolve to exactly one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// Nothing matched; `closest` holds the most similar names (best first).
    NotFound {
        query: String,
        closest: Vec<ObjectKey>,
    },
    /// Several objects matched; each is listed.
    Ambiguous {
        query: String,
        candidates: Vec<ObjectKey>,
    },
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::NotFound { query, closest } if closest.is_empty() => write!(
                f,
                "no object named `{query}` in the catalog, and no similar name: check the \
                 name and the structural database (DBSUB_STRUCT_URL or --catalog)"
            ),
            LookupError::NotFound { query, closest } => {
                write!(
                    f,
                    "no object named `{query}` in the catalog; closest names:"
                )?;
                for key in closest {
                    write!(f, "\n  {key}")?;
                }
                Ok(())
            }
            LookupError::Ambiguous { query, candidates } => {
                // Only what tells the candidates apart: a command that takes no
                // --object-type (extract) only ever meets candidates in several schemas.
                let differ = |part: fn(&ObjectKey) -> String| {
                    candidates.iter().any(|c| part(c) != part(&candidates[0]))
                };
                let triggers = candidates.iter().all(|c| c.kind == ObjectKind::Trigger);
                let how = match (differ(|k| k.schema.clone()), differ(|k| k.kind.to_string())) {
                    (false, false) if triggers => {
                        "the trigger is on several tables; name it as SCHEMA.TABLE.TRIGGER \
                         (or TABLE.TRIGGER with --schema S)"
                    }
                    (true, true) => {
                        "name it as SCHEMA.NAME (or with --schema S) and with --object-type T"
                    }
                    (true, false) => "name it as SCHEMA.NAME (or with --schema S)",
                    (false, _) => "name it with --object-type T",
                };
                write!(f, "`{query}` names {} objects; {how}:", candidates.len())?;
                for key in candidates {
                    write!(f, "\n  {key}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for LookupError {}

/// How many close names a not-found error lists.
const SUGGESTIONS: usize = 5;

/// Finds the one object among `keys` that `query` names.
pub fn find<'a>(
    keys: impl IntoIterator<Item = &'a ObjectKey> + Clone,
    query: &ObjectQuery,
) -> Result<ObjectKey, LookupError> {
    let (schema, name) = query.parts();
    let filters = |key: &&ObjectKey, exact: bool| {
        let eq = |a: &str, b: &str| {
            if exact {
                a == b
            } else {
                a.eq_ignore_ascii_case(b)
            }
        };
        // A trigger's key names it `TABLE.NAME`: its bare name finds it too, and
        // `TABLE.NAME` is not a schema and a name.
        let bare = key.kind == ObjectKind::Trigger
            && key.name.split_once('.').is_some_and(|(_, n)| eq(n, name));
        let table_qualified = query.schema.is_none() && eq(&key.name, &query.name);
        (table_qualified
            || ((eq(&key.name, name) || bare) && schema.is_none_or(|s| eq(&key.schema, s))))
            && query.kind.is_none_or(|k| key.kind == k)
    };
    for exact in [true, false] {
        let mut found: Vec<ObjectKey> = keys
            .clone()
            .into_iter()
            .filter(|k| filters(k, exact))
            .cloned()
            .collect();
        found.sort();
        found.dedup();
        match found.len() {
            0 => continue,
            1 => return Ok(found.remove(0)),
            _ => {
                return Err(LookupError::Ambiguous {
                    query: query.to_string(),
                    candidates: found,
                });
            }
        }
    }
    Err(LookupError::NotFound {
        query: query.to_string(),
        closest: closest(keys, name, query.kind),
    })
}

/// The names most similar to `name` (Jaro–Winkler on upper-cased names, above a floor), best
/// first; objects of the requested kind only, when one is given.
fn closest<'a>(
    keys: impl IntoIterator<Item = &'a ObjectKey>,
    name: &str,
    kind: Option<ObjectKind>,
) -> Vec<ObjectKey> {
    let wanted = name.to_ascii_uppercase();
    let mut scored: Vec<(f64, &ObjectKey)> = keys
        .into_iter()
        .filter(|k| kind.is_none_or(|kind| k.kind == kind))
        .map(|k| {
            (
                strsim::jaro_winkler(&wanted, &k.name.to_ascii_uppercase()),
                k,
            )
        })
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut out: Vec<ObjectKey> = Vec::new();
    for (_, key) in scored {
        if !out.contains(key) {
            out.push(key.clone());
        }
        if out.len() == SUGGESTIONS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<ObjectKey> {
        vec![
            ObjectKey::table("THE", "SEEDLOT"),
            ObjectKey::table("THE", "SEEDLOT_OWNER_QUANTITY"),
            ObjectKey::table("ARCHIVE", "SEEDLOT"),
            ObjectKey::new("THE", "SEEDLOT", ObjectKind::Synonym),
            ObjectKey::table("THE", "ORCHARD"),
        ]
    }

    #[test]
    fn exact_then_case_insensitive() {
        let keys = keys();
        let q = ObjectQuery {
            name: "orchard".into(),
            ..Default::default()
        };
        assert_eq!(find(&keys, &q).unwrap(), ObjectKey::table("THE", "ORCHARD"));
    }

    #[test]
    fn ambiguous_lists_every_candidate() {
        let keys = keys();
        let err = find(&keys, &ObjectQuery::named("SEEDLOT")).unwrap_err();
        let LookupError::Ambiguous { candidates, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(candidates.len(), 3);
        let text = err.to_string();
        assert!(text.contains("TABLE: ARCHIVE.SEEDLOT"), "{text}");
        assert!(text.contains("SYNONYM: THE.SEEDLOT"), "{text}");
        assert!(text.contains("--schema"), "{text}");
    }

    #[test]
    fn schema_and_kind_narrow_the_match() {
        let keys = keys();
        let q = ObjectQuery {
            name: "SEEDLOT".into(),
            schema: Some("the".into()),
            kind: Some(ObjectKind::Table),
        };
        assert_eq!(find(&keys, &q).unwrap(), ObjectKey::table("THE", "SEEDLOT"));
        let dotted = ObjectQuery::named("archive.seedlot");
        assert_eq!(
            find(&keys, &dotted).unwrap(),
            ObjectKey::table("ARCHIVE", "SEEDLOT")
        );
    }

    #[test]
    fn a_trigger_on_several_tables_is_named_by_its_table() {
        let trigger = |table: &str| {
            ObjectKey::new(
                "public",
                format!("{table}.last_updated"),
                ObjectKind::Trigger,
            )
        };
        let keys = vec![trigger("orders"), trigger("items"), trigger("clients")];
        let err = find(&keys, &ObjectQuery::named("last_updated")).unwrap_err();
        let LookupError::Ambiguous { candidates, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(candidates.len(), 3);
        let text = err.to_string();
        assert!(text.contains("SCHEMA.TABLE.TRIGGER"), "{text}");
        assert!(
            text.contains("TRIGGER: public.items.last_updated"),
            "{text}"
        );
        for name in ["orders.last_updated", "public.orders.last_updated"] {
            assert_eq!(
                find(&keys, &ObjectQuery::named(name)).unwrap(),
                trigger("orders")
            );
        }
        let one = vec![trigger("orders")];
        let q = ObjectQuery::named("public.last_updated");
        assert_eq!(find(&one, &q).unwrap(), trigger("orders"));
    }

    #[test]
    fn not_found_suggests_close_names() {
        let keys = keys();
        let err = find(&keys, &ObjectQuery::named("SEEDLOTS")).unwrap_err();
        let LookupError::NotFound { closest, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(closest[0].name, "SEEDLOT");
        assert!(!closest.iter().any(|k| k.name == "ORCHARD"));
        let err = find(&keys, &ObjectQuery::named("ZZZ")).unwrap_err();
        assert!(err.to_string().contains("no similar name"), "{err}");
    }
}
