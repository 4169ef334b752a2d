//! Named parameters (`:name`) in a seed's condition: found with the tokenizer, so that a colon
//! inside a string literal, a quoted identifier or a comment is not one, nor PostgreSQL's
//! `::` cast; each is rewritten into the backend's placeholder and its value bound, never
//! written into the SQL.

use anyhow::{Result, anyhow};

use super::lex::{Token, tokenize, tokenize_postgres};
use crate::model::row::Condition;

/// A parameter's use in a condition: the byte range of `:name` and the name.
struct Use<'s> {
    start: usize,
    end: usize,
    name: &'s str,
}

fn uses(sql: &str, postgres: bool) -> Vec<Use<'_>> {
    let tokens = if postgres {
        tokenize_postgres(sql)
    } else {
        tokenize(sql)
    };
    let mut out = Vec::new();
    for pair in tokens.windows(2) {
        let [
            (at, Token::Other(op)),
            (word_at, Token::Word { quoted: false, .. }),
        ] = pair
        else {
            continue;
        };
        // The colon must touch the name, and be a lone colon (`::` is a cast).
        let colon = at + op.len() - 1;
        if !op.ends_with(':') || op.ends_with("::") || *word_at != colon + 1 {
            continue;
        }
        let rest = &sql[*word_at..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        // The name is the word's ASCII letters, digits and `_` (a word never starts with a digit).
        if len > 0 {
            out.push(Use {
                start: colon,
                end: word_at + len,
                name: &rest[..len],
            });
        }
    }
    out
}

/// The names of the parameters `sql` uses, in order of first use, each once.
pub(crate) fn names(sql: &str, postgres: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for u in uses(sql, postgres) {
        if !out.iter().any(|n| n == u.name) {
            out.push(u.name.to_string());
        }
    }
    out
}

/// `condition`'s SQL with each `:name` replaced by `placeholder(i)`, `i` the name's index
/// (from 0) among the distinct names in order of first use, and the values to bind in that
/// order; with a newline at the end when it may end in a `--` comment.
///
/// Fails, naming it, when a parameter the condition uses has no value.
pub(crate) fn bind<'a>(
    condition: Condition<'a>,
    postgres: bool,
    placeholder: &dyn Fn(usize) -> String,
) -> Result<(String, Vec<&'a str>)> {
    let sql = condition.sql;
    let mut text = String::with_capacity(sql.len());
    let mut names: Vec<&str> = Vec::new();
    let mut values = Vec::new();
    let mut copied = 0;
    for u in uses(sql, postgres) {
        let i = match names.iter().position(|n| *n == u.name) {
            Some(i) => i,
            None => {
                let value = condition.params.get(u.name).ok_or_else(|| {
                    anyhow!(
                        "the condition `{sql}` uses the parameter :{0}, which has no value: \
                         add --param {0}=VALUE (or {0} = \"VALUE\" under [params] in the plan)",
                        u.name
                    )
                })?;
                names.push(u.name);
                values.push(value.as_str());
                names.len() - 1
            }
        };
        text.push_str(&sql[copied..u.start]);
        text.push_str(&placeholder(i));
        copied = u.end;
    }
    text.push_str(&sql[copied..]);
    // A condition may end in a line comment, which would swallow what the query adds after it
    // (the closing parenthesis, ORDER BY): a newline ends it.
    if text.contains("--") {
        text.push('\n');
    }
    Ok((text, values))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_outside_literals_identifiers_comments_and_casts() {
        let sql = "updated_at >= :from AND updated_at<:to AND note = ':not' \
                   AND \":quoted\" = 1 -- :comment\n AND x::date = :from /* :block */ AND y=:to_2";
        assert_eq!(names(sql, true), ["from", "to", "to_2"]);
        assert_eq!(names(sql, false), ["from", "to", "to_2"]);
        // PostgreSQL's dollar-quoted strings hold no parameter.
        assert_eq!(names("a = $$ :x $$ AND b = :y", true), ["y"]);
    }

    #[test]
    fn each_name_becomes_one_placeholder_and_its_value_is_bound_once() {
        let p = params(&[("from", "2024-01-01'; --"), ("to", "O'Brien")]);
        let condition = Condition {
            sql: "d >= :from AND d < :to AND e >= :from AND s = ':to'",
            params: &p,
        };
        let (sql, values) = bind(condition, true, &|i| format!("${}", i + 3)).unwrap();
        assert_eq!(sql, "d >= $3 AND d < $4 AND e >= $3 AND s = ':to'");
        assert_eq!(values, ["2024-01-01'; --", "O'Brien"]);
        // A trailing comment ends with the condition.
        let commented = Condition {
            sql: "d >= :from -- the window",
            params: &p,
        };
        let (sql, _) = bind(commented, true, &|i| format!("${}", i + 1)).unwrap();
        assert_eq!(sql, "d >= $1 -- the window\n");
    }

    #[test]
    fn a_parameter_without_a_value_is_named() {
        let p = params(&[("from", "2024-01-01")]);
        let condition = Condition {
            sql: "d >= :from AND d < :to",
            params: &p,
        };
        let err = bind(condition, false, &|i| format!("?{}", i + 1)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(":to, which has no value"), "{text}");
        assert!(text.contains("--param to=VALUE"), "{text}");
    }
}
