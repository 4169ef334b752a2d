//! The `WHERE` text of a chunk's key range ([`KeyRange`](crate::model::row::KeyRange)), which
//! every backend writes the same way: a lexicographic comparison over the key's columns, so
//! that it agrees with `ORDER BY` those columns in the database's own order (collation, type
//! order). Spelled out with `OR`/`AND` rather than a row value (`(a, b) > (?, ?)`), which Oracle
//! does not compare.

use anyhow::{Result, bail};

use crate::model::key::{self, KeyValue};
use crate::model::row::KeyRange;

/// Binds the values of one end of a range (`"lo"` or `"hi"`), returning their placeholders.
pub(crate) type BindEnd<'a> = dyn FnMut(&[u8], &str) -> Result<Vec<String>> + 'a;

/// ` WHERE …` of a chunk's read: the seed's `condition` (already written with its
/// placeholders) and the rows of `range` over its key columns as the backend writes them
/// (`columns`); empty when there is neither. `bind` binds the values of one end of the range
/// (`"lo"` for the key after which it starts, `"hi"` for the one it ends with) and returns
/// their placeholders, one per column.
pub(crate) fn chunk_where(
    condition: Option<String>,
    columns: &[String],
    range: &KeyRange<'_>,
    bind: &mut BindEnd<'_>,
) -> Result<String> {
    let after = range.after.map(|key| bind(key, "lo")).transpose()?;
    let upto = range.upto.map(|key| bind(key, "hi")).transpose()?;
    let ands: Vec<String> = condition
        .map(|c| format!("({c})"))
        .into_iter()
        .chain(key_range_sql(columns, after.as_deref(), upto.as_deref()))
        .collect();
    Ok(if ands.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", ands.join(" AND "))
    })
}

/// The values of the encoded key `key`, which must have `width` columns.
pub(crate) fn decode_key(key: &[u8], width: usize) -> Result<Vec<KeyValue<'_>>> {
    let values = key::decode(key)?;
    if values.len() != width {
        bail!("a key of {} values for {width} columns", values.len());
    }
    Ok(values)
}

/// The condition selecting the rows after the key whose values `after` binds (exclusive) and
/// up to the key whose values `upto` binds (inclusive); `None` when neither end is bounded.
/// `columns` are the key's columns as the backend writes them, `after` and `upto` one
/// placeholder per column (each may appear several times in the text).
pub(crate) fn key_range_sql(
    columns: &[String],
    after: Option<&[String]>,
    upto: Option<&[String]>,
) -> Option<String> {
    let mut ends = Vec::new();
    if let Some(values) = after {
        ends.push(bound(columns, values, ">", ">"));
    }
    if let Some(values) = upto {
        ends.push(bound(columns, values, "<", "<="));
    }
    (!ends.is_empty()).then(|| ends.join(" AND "))
}

/// `(c1 OP v1 OR (c1 = v1 AND c2 OP v2) … OR (c1 = v1 AND … AND cn LAST vn))`; a composite
/// key's is led by `c1 OP= v1 AND`: a range of the leading column that an index scan takes
/// even where the planner does not see it inside the `OR`.
fn bound(columns: &[String], values: &[String], op: &str, last: &str) -> String {
    let n = columns.len().min(values.len());
    let terms: Vec<String> = (0..n)
        .map(|i| {
            let mut parts: Vec<String> = (0..i)
                .map(|j| format!("{} = {}", columns[j], values[j]))
                .collect();
            let op = if i + 1 == n { last } else { op };
            parts.push(format!("{} {op} {}", columns[i], values[i]));
            let term = parts.join(" AND ");
            if n > 1 && i > 0 {
                format!("({term})")
            } else {
                term
            }
        })
        .collect();
    if n > 1 {
        format!(
            "({} {op}= {} AND ({}))",
            columns[0],
            values[0],
            terms.join(" OR ")
        )
    } else {
        format!("({})", terms.join(" OR "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::row::KeyColumn;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_single_column_range_is_two_comparisons() {
        let cols = strings(&["\"ID\""]);
        assert_eq!(
            key_range_sql(&cols, Some(&strings(&["?1"])), Some(&strings(&["?2"]))).unwrap(),
            "(\"ID\" > ?1) AND (\"ID\" <= ?2)"
        );
        assert_eq!(
            key_range_sql(&cols, None, Some(&strings(&["?1"]))).unwrap(),
            "(\"ID\" <= ?1)"
        );
        assert_eq!(key_range_sql(&cols, None, None), None);
    }

    #[test]
    fn a_chunks_where_joins_the_seeds_condition_and_the_range() {
        let id = [KeyColumn::Column("id".into())];
        let end = [1u8];
        let range = KeyRange {
            columns: &id,
            after: None,
            upto: Some(&end),
        };
        let mut ends = Vec::new();
        let mut bind = |_: &[u8], end: &str| {
            ends.push(end.to_string());
            Ok(vec!["$2".to_string()])
        };
        let cols = strings(&["id"]);
        let text = chunk_where(Some("n > $1".into()), &cols, &range, &mut bind).unwrap();
        assert_eq!(text, " WHERE (n > $1) AND (id <= $2)");
        assert_eq!(ends, ["hi"]);
        let whole = KeyRange {
            upto: None,
            ..range
        };
        let none = chunk_where(None, &cols, &whole, &mut |_, _| unreachable!()).unwrap();
        assert_eq!(none, "");
    }

    #[test]
    fn a_composite_range_compares_lexicographically() {
        let cols = strings(&["a", "b", "c"]);
        let after = strings(&[":a1", ":a2", ":a3"]);
        assert_eq!(
            key_range_sql(&cols, Some(&after), None).unwrap(),
            "(a >= :a1 AND (a > :a1 OR (a = :a1 AND b > :a2) OR (a = :a1 AND b = :a2 AND c > :a3)))"
        );
        let upto = strings(&["$1", "$2"]);
        assert_eq!(
            key_range_sql(&cols[..2], None, Some(&upto)).unwrap(),
            "(a <= $1 AND (a < $1 OR (a = $1 AND b <= $2)))"
        );
    }
}
