//! A small SQL tokenizer: words (identifiers and keywords, quoted or not), string literals and
//! punctuation, with comments dropped. Enough to read what catalogs do not report (SQLite's
//! constraint names) and what migration files create; not a parser.

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// An identifier or keyword; `quoted` keeps its case and is never a keyword.
    Word {
        text: String,
        quoted: bool,
    },
    Str(String),
    Punct(char),
    Other(String),
}

impl Token {
    pub(crate) fn is_kw(&self, kw: &str) -> bool {
        matches!(self, Token::Word { text, quoted: false } if text.eq_ignore_ascii_case(kw))
    }

    pub(crate) fn word(&self) -> Option<&str> {
        match self {
            Token::Word { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// Tokens with their byte offsets in `sql`.
pub(crate) fn tokenize(sql: &str) -> Vec<(usize, Token)> {
    tokenize_as(sql, false)
}

/// [`tokenize`] with PostgreSQL's own literals: a dollar-quoted `$tag$ … $tag$` string and an
/// escape string `E'it\'s'` are each one [`Token::Str`].
pub(crate) fn tokenize_postgres(sql: &str) -> Vec<(usize, Token)> {
    tokenize_as(sql, true)
}

/// The delimiter `$tag$` (or `$$`) that starts at `i`, when one does.
fn dollar_delimiter(sql: &str, i: usize) -> Option<&str> {
    let rest = sql.get(i + 1..)?;
    let end = rest.find('$')?;
    let tag = &rest[..end];
    let starts_well = tag
        .chars()
        .next()
        .is_none_or(|c| c.is_alphabetic() || c == '_');
    let is_tag = tag.chars().all(|c| c.is_alphanumeric() || c == '_');
    (starts_well && is_tag).then(|| &sql[i..i + end + 2])
}

fn tokenize_as(sql: &str, postgres: bool) -> Vec<(usize, Token)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'$' if postgres && dollar_delimiter(sql, i).is_some() => {
                let delimiter = dollar_delimiter(sql, i).unwrap_or_default();
                let body = i + delimiter.len();
                // An unclosed body runs to the end, as PostgreSQL reads it.
                let end = sql[body..].find(delimiter).map_or(sql.len(), |n| body + n);
                out.push((start, Token::Str(sql[body..end].to_string())));
                i = (end + delimiter.len()).min(sql.len());
            }
            b'E' | b'e' if postgres && bytes.get(i + 1) == Some(&b'\'') => {
                i += 2;
                let mut text = Vec::new();
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' if i + 1 < bytes.len() => {
                            text.push(bytes[i + 1]);
                            i += 2;
                        }
                        b'\'' if bytes.get(i + 1) == Some(&b'\'') => {
                            text.push(b'\'');
                            i += 2;
                        }
                        b'\'' => {
                            i += 1;
                            break;
                        }
                        b => {
                            text.push(b);
                            i += 1;
                        }
                    }
                }
                let text = String::from_utf8_lossy(&text).into_owned();
                out.push((start, Token::Str(text)));
            }
            b'\'' | b'"' | b'`' | b'[' if !postgres || c == b'\'' || c == b'"' => {
                let close = if c == b'[' { b']' } else { c };
                i += 1;
                let mut text = Vec::new();
                while i < bytes.len() {
                    if bytes[i] == close {
                        if close != b']' && bytes.get(i + 1) == Some(&close) {
                            text.push(close);
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    text.push(bytes[i]);
                    i += 1;
                }
                let text = String::from_utf8_lossy(&text).into_owned();
                out.push((
                    start,
                    if c == b'\'' {
                        Token::Str(text)
                    } else {
                        Token::Word { text, quoted: true }
                    },
                ));
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] == b'#'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                out.push((
                    start,
                    Token::Word {
                        text: sql[start..i].to_string(),
                        quoted: false,
                    },
                ));
            }
            b'(' | b')' | b',' | b'.' | b';' => {
                out.push((start, Token::Punct(c as char)));
                i += 1;
            }
            _ => {
                let ends_other = |b: u8| {
                    b.is_ascii_whitespace()
                        || b"(),.;'\"`[".contains(&b)
                        || b.is_ascii_alphabetic()
                        || b == b'_'
                        || (postgres && b == b'$')
                };
                while i < bytes.len() && !ends_other(bytes[i]) {
                    i += 1;
                }
                if i == start {
                    i += 1;
                }
                out.push((start, Token::Other(sql[start..i].to_string())));
            }
        }
    }
    out
}
