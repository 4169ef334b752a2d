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
            b'\'' | b'"' | b'`' | b'[' => {
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
