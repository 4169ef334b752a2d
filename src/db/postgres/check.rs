//! A CHECK expression as PostgreSQL prints it (`pg_get_constraintdef`), in standard SQL for
//! another dialect.
//!
//! PostgreSQL prints `email LIKE '%@%'` as `(email ~~ '%@%'::text)`, `x >= 0` as
//! `(x >= (0)::numeric)` and `s IN ('a', 'b')` on a varchar column as `((s)::text = ANY
//! ((ARRAY['a'::character varying, 'b'::character varying])::text[]))`: operators and casts no
//! other dialect reads. What is only PostgreSQL's way of writing standard SQL is rewritten:
//! a cast of a literal (its type comes from what it is compared with), a cast to a text type
//! (text is text everywhere), `~~` / `!~~` as `LIKE` / `NOT LIKE`, `= ANY (ARRAY[…])` /
//! `<> ALL (ARRAY[…])` as `IN (…)` / `NOT IN (…)`. Anything else PostgreSQL's own (another
//! cast, a regular expression, an array or a subscript `(…)[1]`, which SQLite would read as a
//! quoted name) gives `None`: the caller reports the check. So does a
//! cast of a literal to `interval` (`'18 years'::interval`: without it, a string that the
//! arithmetic around it would misread) and a call of `now()`, which other dialects lack (and
//! whose checks could not call the clock anyway).

/// `expr` in standard SQL, or `None` when it uses PostgreSQL syntax that is not only a
/// spelling (see the module's description).
pub(super) fn portable_check(expr: &str) -> Option<String> {
    let without_casts = rewrite_operators_and_casts(expr)?;
    let text = in_lists(&without_casts, "= ANY (", "IN (")?;
    let text = in_lists(&text, "<> ALL (", "NOT IN (")?;
    let leftover = outside_literals(&text).any(|(at, rest)| {
        rest.starts_with("::")
            || rest.starts_with('~')
            || starts_array(rest)
            || rest.starts_with('[')
            || calls_now(&text[..at], rest)
    });
    (!leftover).then_some(text)
}

/// The byte offsets of `text` that are not inside a quoted literal or identifier, each with
/// the rest of the text from there.
fn outside_literals(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut quote: Option<char> = None;
    text.char_indices().filter_map(move |(i, c)| match quote {
        Some(q) => {
            // A doubled quote inside closes and reopens: the same as staying inside.
            if c == q {
                quote = None;
            }
            None
        }
        None if c == '\'' || c == '"' => {
            quote = Some(c);
            None
        }
        None => Some((i, &text[i..])),
    })
}

/// Whether `rest` starts with a call of `now()` (not the end of a longer name in `before`).
fn calls_now(before: &str, rest: &str) -> bool {
    rest.get(..4)
        .is_some_and(|w| w.eq_ignore_ascii_case("now("))
        && !before
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '"')
}

fn starts_array(rest: &str) -> bool {
    rest.get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("ARRAY["))
}

/// Copies `expr` with the casts dropped and `~~` rewritten; `None` at a cast or operator that
/// has no standard spelling.
fn rewrite_operators_and_casts(expr: &str) -> Option<String> {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    // Whether the operand just written is a constant (a literal, a number, either in
    // parentheses), and per open parenthesis whether all it holds so far is one.
    let mut constant = false;
    let mut groups: Vec<bool> = Vec::new();
    let not_constant = |groups: &mut Vec<bool>| {
        if let Some(g) = groups.last_mut() {
            *g = false;
        }
    };
    while let Some(c) = rest.chars().next() {
        let mut len = c.len_utf8();
        if c == '\'' || c == '"' {
            len = quoted_len(rest, c)?;
            constant = c == '\'';
            if c == '"' {
                not_constant(&mut groups);
            }
        } else if let Some(after) = rest.strip_prefix("::") {
            let (ty, after) = cast_type(after)?;
            if !(constant || is_text_type(ty)) || ty.starts_with("interval") {
                return None;
            }
            rest = after;
            continue;
        } else if rest.starts_with("~~*") || rest.starts_with("!~~*") {
            return None;
        } else if let Some(after) = rest.strip_prefix("!~~") {
            out.push_str("NOT LIKE");
            (constant, rest) = (false, after);
            not_constant(&mut groups);
            continue;
        } else if let Some(after) = rest.strip_prefix("~~") {
            out.push_str("LIKE");
            (constant, rest) = (false, after);
            not_constant(&mut groups);
            continue;
        } else if c.is_ascii_digit() || c == '.' {
            // A digit within a name (`col1`) is part of the name.
            let in_name = out
                .chars()
                .next_back()
                .is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '"');
            constant = !in_name || constant;
        } else if c == '(' {
            groups.push(true);
            constant = false;
        } else if c == ')' {
            constant = groups.pop().unwrap_or(false) && constant;
        } else if c == '-' || c.is_whitespace() {
            // A sign, or nothing.
        } else {
            constant = false;
            not_constant(&mut groups);
        }
        out.push_str(&rest[..len]);
        rest = &rest[len..];
    }
    Some(out)
}

/// The length of the quoted literal or identifier at the start of `text` (quote `q`, doubled
/// inside); `None` when it does not end.
fn quoted_len(text: &str, q: char) -> Option<usize> {
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == q {
            if chars.peek().is_some_and(|&(_, next)| next == q) {
                chars.next();
                continue;
            }
            return Some(i + 1);
        }
    }
    None
}

/// The type name of a cast, as `format_type` prints it (`text`, `character varying`,
/// `numeric(5,2)`, `public.mood`, `text[]`), and the text after it.
fn cast_type(text: &str) -> Option<(&str, &str)> {
    const MULTI_WORD: [&str; 7] = [
        "character varying",
        "double precision",
        "bit varying",
        "timestamp without time zone",
        "timestamp with time zone",
        "time without time zone",
        "time with time zone",
    ];
    let name_len = |t: &str| {
        t.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '"'))
            .unwrap_or(t.len())
    };
    let mut len = MULTI_WORD
        .iter()
        .find(|m| text.starts_with(*m) && !text[m.len()..].starts_with(char::is_alphanumeric))
        .map_or_else(|| name_len(text), |m| m.len());
    if len == 0 {
        return None;
    }
    if text[len..].starts_with('(') {
        len += text[len..].find(')')? + 1;
    }
    while text[len..].starts_with("[]") {
        len += 2;
    }
    Some((&text[..len], &text[len..]))
}

/// A cast to a text type, or an array of it: text is text in every dialect.
fn is_text_type(ty: &str) -> bool {
    let base = ty.trim_end_matches("[]");
    let base = base.split('(').next().unwrap_or(base);
    matches!(
        base,
        "text" | "character varying" | "varchar" | "character" | "bpchar" | "name"
    )
}

/// `OP (ARRAY[a, b])` (in any number of parentheses) as `WORDS (a, b)`; `None` when an
/// `OP (` is followed by anything but an array.
fn in_lists(text: &str, op: &str, words: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, _)) = outside_literals(rest).find(|(_, r)| r.starts_with(op)) {
        // `>= ANY (…)`, `<= ANY (…)`, `!= ANY (…)` are no IN list.
        if rest[..at].ends_with(['<', '>', '!']) {
            return None;
        }
        out.push_str(&rest[..at]);
        let after = &rest[at + op.len()..];
        let opened = after.len() - after.trim_start_matches('(').len();
        let list = after[opened..].strip_prefix("ARRAY[")?;
        let close = outside_literals(list).find(|(_, r)| r.starts_with(']'))?.0;
        let closing = &list[close + 1..];
        let parens = ")".repeat(opened + 1);
        let after_list = closing.strip_prefix(parens.as_str())?;
        out.push_str(words);
        out.push_str(&list[..close]);
        out.push(')');
        rest = after_list;
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::portable_check;

    #[test]
    fn postgres_spellings_of_standard_sql_are_rewritten() {
        for (printed, portable) in [
            ("(customer_id > 0)", "(customer_id > 0)"),
            ("((email)::text ~~ '%@%'::text)", "((email) LIKE '%@%')"),
            ("(email !~~ 'x%'::text)", "(email NOT LIKE 'x%')"),
            ("(rental_rate >= (0)::numeric)", "(rental_rate >= (0))"),
            ("(amount > ('-1.5'::numeric))", "(amount > ('-1.5'))"),
            (
                "((rented_at = ANY (ARRAY['13:45:10'::time without time zone, \
                 '23:59:59'::time without time zone])) OR (rented_at IS NULL))",
                "((rented_at IN ('13:45:10', '23:59:59')) OR (rented_at IS NULL))",
            ),
            (
                "((status)::text = ANY ((ARRAY['new'::character varying, \
                 'paid'::character varying])::text[]))",
                "((status) IN ('new', 'paid'))",
            ),
            (
                "(rating <> ALL (ARRAY['X'::public.mpaa_rating]))",
                "(rating NOT IN ('X'))",
            ),
            // Text inside literals is left alone.
            ("(note <> 'a::b ~~ ARRAY[')", "(note <> 'a::b ~~ ARRAY[')"),
            ("(d >= '2020-01-01'::date)", "(d >= '2020-01-01')"),
            ("(snow(x) > 0)", "(snow(x) > 0)"),
        ] {
            assert_eq!(
                portable_check(printed).as_deref(),
                Some(portable),
                "{printed}"
            );
        }
    }

    #[test]
    fn postgres_only_syntax_is_not_rewritten() {
        for printed in [
            "((price)::integer > 0)",
            "(email ~* '^[a-z]+@'::text)",
            "(code ~ '^[A-Z]{3}$'::text)",
            "(email ~~* '%@%'::text)",
            "(array_length(tags, 1) > 0)::boolean",
            "(tags <> ARRAY['x'::text])",
            "(x = ANY (allowed_values()))",
            "(x >= ANY (ARRAY[1, 2]))",
            // AdventureWorks' CK_Employee_BirthDate: `'18 years'` alone would be a string.
            "((birthdate >= '1930-01-01'::date) AND (birthdate <= (now() - '18 years'::interval)))",
            "(modifieddate <= now())",
            // AdventureWorks' vJobCandidate: a subscript, a name in brackets to SQLite.
            "(xpath('/n:Name/text()'::text, resume))[1] AS \"Name\"",
            "(d <= (CURRENT_DATE + '1 day'::interval))",
        ] {
            assert_eq!(portable_check(printed), None, "{printed}");
        }
    }
}
