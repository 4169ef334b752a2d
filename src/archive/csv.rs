//! The archive's CSV codec (RFC 4180, format v1; see docs/archive.md).
//!
//! dbsub writes and reads its own CSV because format v1 tells NULL (an unquoted empty field) from
//! the empty string (`""`), which needs a writer that quotes one field and a reader that reports
//! whether each field was quoted. Records are `\r\n`-terminated on writing; `\n` alone is
//! accepted on reading. Neither side allocates per row once its buffers have grown.

use std::io::{self, BufRead};

use crate::model::text::write_text_field;
use crate::model::value::Value;

/// Appends the header record: the column names, each written as text.
pub fn write_header(names: &[&str], out: &mut Vec<u8>) {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_text_field(name, out);
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends one record: the values separated by `,`, then `\r\n`.
///
/// A row of a one-column table whose value is NULL is an empty line; the reader reads it back
/// as one NULL field. A row of no values is also an empty line, so a table without columns has
/// no CSV form (it reads back as one NULL).
pub fn write_row(values: &[Value<'_>], out: &mut Vec<u8>) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        value.write_csv(out);
    }
    out.extend_from_slice(b"\r\n");
}

/// One record as read: the fields' unescaped bytes in one buffer, where each field ends, and
/// whether it was quoted. Reused from record to record.
#[derive(Clone, Debug, Default)]
pub struct Record {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    quoted: Vec<bool>,
    line: u64,
}

impl Record {
    pub fn new() -> Self {
        Record::default()
    }

    /// The number of fields; at least one for every record read.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`: its content (quotes removed, `""` undoubled) and whether it was quoted.
    pub fn get(&self, i: usize) -> Option<(&[u8], bool)> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some((&self.bytes[start..end], self.quoted[i]))
    }

    /// The fields in order, as [`Record::get`] gives them.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], bool)> + '_ {
        (0..self.len()).map(|i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            (&self.bytes[start..self.ends[i]], self.quoted[i])
        })
    }

    /// The physical line (1-based) the record starts on.
    pub fn line(&self) -> u64 {
        self.line
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.quoted.clear();
    }

    fn end_field(&mut self, quoted: bool) {
        self.ends.push(self.bytes.len());
        self.quoted.push(quoted);
    }
}

/// A CSV file that is not well formed, or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(
        "line {line}: a quote inside an unquoted field; a field containing a quote must be \
         quoted as a whole, with the quote doubled"
    )]
    QuoteInUnquotedField { line: u64 },
    #[error(
        "line {line}: {} after the closing quote of a field, where a comma or the end of the \
         line must follow",
        show_byte(*.found)
    )]
    AfterClosingQuote { line: u64, found: u8 },
    #[error("line {line}: a carriage return outside quotes that is not followed by a line feed")]
    BareCarriageReturn { line: u64 },
    #[error(
        "the file ends inside a quoted field that starts on line {line}: the part is truncated"
    )]
    UnterminatedQuotedField { line: u64 },
    #[error("line {line}: cannot read the file: {source}")]
    Io {
        line: u64,
        #[source]
        source: io::Error,
    },
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", char::from(b))
    } else {
        format!("byte 0x{b:02x}")
    }
}

/// Where the reader is within a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a field: a quote opens a quoted field.
    FieldStart,
    Unquoted,
    Quoted,
    /// After a quote inside a quoted field: a second quote is an escaped quote, anything else
    /// ends the field.
    QuoteInQuoted,
    /// After the `\r` that ends a record, expecting `\n`.
    CarriageReturn,
}

/// Reads records from a CSV file, one [`Record`] at a time.
///
/// Every line is a record, so an empty line is one NULL field (a one-column table's NULL row);
/// the file ends cleanly at EOF right after a record's terminator, and a last record without a
/// terminator is accepted. The reader does not check that records have the same number of
/// fields. After an error, stop reading.
pub struct CsvReader<R: BufRead> {
    inner: R,
    /// The physical line the reader is on, 1-based.
    line: u64,
}

impl<R: BufRead> CsvReader<R> {
    pub fn new(inner: R) -> Self {
        CsvReader { inner, line: 1 }
    }

    /// Reads the next record into `record`; `Ok(false)` at the end of the file. Fails when the
    /// file is not well-formed CSV (the error names the line) or cannot be read.
    pub fn read_record(&mut self, record: &mut Record) -> Result<bool, CsvError> {
        record.clear();
        record.line = self.line;
        let mut state = State::FieldStart;
        let mut quote_line = self.line;
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(CsvError::Io {
                        line: self.line,
                        source,
                    });
                }
            };
            if buf.is_empty() {
                return match state {
                    State::FieldStart if record.is_empty() => Ok(false),
                    State::FieldStart | State::Unquoted => {
                        record.end_field(false);
                        Ok(true)
                    }
                    State::QuoteInQuoted => {
                        record.end_field(true);
                        Ok(true)
                    }
                    State::CarriageReturn => Ok(true),
                    State::Quoted => Err(CsvError::UnterminatedQuotedField { line: quote_line }),
                };
            }
            let mut i = 0;
            let mut complete = false;
            while i < buf.len() && !complete {
                match state {
                    State::FieldStart => {
                        if buf[i] == b'"' {
                            state = State::Quoted;
                            quote_line = self.line;
                            i += 1;
                        } else {
                            state = State::Unquoted;
                        }
                    }
                    State::Unquoted => {
                        let rest = &buf[i..];
                        let Some(k) = rest
                            .iter()
                            .position(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
                        else {
                            record.bytes.extend_from_slice(rest);
                            i = buf.len();
                            continue;
                        };
                        record.bytes.extend_from_slice(&rest[..k]);
                        i += k + 1;
                        match rest[k] {
                            b',' => {
                                record.end_field(false);
                                state = State::FieldStart;
                            }
                            b'\n' => {
                                record.end_field(false);
                                self.line += 1;
                                complete = true;
                            }
                            b'\r' => {
                                record.end_field(false);
                                state = State::CarriageReturn;
                            }
                            _ => return Err(CsvError::QuoteInUnquotedField { line: self.line }),
                        }
                    }
                    State::Quoted => {
                        let rest = &buf[i..];
                        let k = rest.iter().position(|&b| b == b'"').unwrap_or(rest.len());
                        let content = &rest[..k];
                        self.line += content.iter().filter(|&&b| b == b'\n').count() as u64;
                        record.bytes.extend_from_slice(content);
                        i += k;
                        if k < rest.len() {
                            i += 1;
                            state = State::QuoteInQuoted;
                        }
                    }
                    State::QuoteInQuoted => {
                        i += 1;
                        match buf[i - 1] {
                            b'"' => {
                                record.bytes.push(b'"');
                                state = State::Quoted;
                            }
                            b',' => {
                                record.end_field(true);
                                state = State::FieldStart;
                            }
                            b'\n' => {
                                record.end_field(true);
                                self.line += 1;
                                complete = true;
                            }
                            b'\r' => {
                                record.end_field(true);
                                state = State::CarriageReturn;
                            }
                            found => {
                                return Err(CsvError::AfterClosingQuote {
                                    line: self.line,
                                    found,
                                });
                            }
                        }
                    }
                    State::CarriageReturn => {
                        if buf[i] != b'\n' {
                            return Err(CsvError::BareCarriageReturn { line: self.line });
                        }
                        i += 1;
                        self.line += 1;
                        complete = true;
                    }
                }
            }
            self.inner.consume(i);
            if complete {
                return Ok(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::{LengthSemantics, NeutralType};
    use crate::model::strategies;
    use crate::model::text::decode;
    use crate::model::value::*;
    use crate::model::value::{Date, Interval};
    use proptest::prelude::*;
    use std::io::BufReader;

    /// A record as the tests compare it: its line, and each field's content and quoted flag.
    type Read = (u64, Vec<(String, bool)>);

    /// Every record of `text`, read through a buffer of `capacity` bytes.
    fn read_all(text: &[u8], capacity: usize) -> Result<Vec<Read>, CsvError> {
        let mut reader = CsvReader::new(BufReader::with_capacity(capacity, text));
        let mut record = Record::new();
        let mut records = Vec::new();
        while reader.read_record(&mut record)? {
            let fields = record
                .iter()
                .map(|(f, q)| (String::from_utf8_lossy(f).into_owned(), q))
                .collect();
            records.push((record.line(), fields));
        }
        Ok(records)
    }

    /// `read_all` with small and large buffers, which must agree.
    fn read(text: &str) -> Result<Vec<Read>, String> {
        let large = read_all(text.as_bytes(), 8192).map_err(|e| e.to_string());
        for capacity in [1, 2, 3, 7] {
            let small = read_all(text.as_bytes(), capacity).map_err(|e| e.to_string());
            assert_eq!(small, large, "capacity {capacity}");
        }
        large
    }

    fn f(text: &str, quoted: bool) -> (String, bool) {
        (text.to_owned(), quoted)
    }

    #[test]
    fn writes_header_and_rows_with_crlf() {
        let mut out = Vec::new();
        write_header(&["ID", "NAME", "", "a,b"], &mut out);
        write_row(
            &[
                Value::Int(1),
                Value::Text("x".into()),
                Value::Null,
                Value::Text("".into()),
            ],
            &mut out,
        );
        write_row(
            &[Value::Null, Value::Null, Value::Null, Value::Null],
            &mut out,
        );
        assert_eq!(out, b"ID,NAME,\"\",\"a,b\"\r\n1,x,,\"\"\r\n,,,\r\n");
    }

    #[test]
    fn a_one_column_null_is_an_empty_line_and_reads_back() {
        let mut out = Vec::new();
        write_header(&["NOTE"], &mut out);
        for value in [Value::Null, Value::Text("".into()), Value::Null] {
            write_row(&[value], &mut out);
        }
        let text = String::from_utf8(out).expect("UTF-8");
        assert_eq!(text, "NOTE\r\n\r\n\"\"\r\n\r\n");
        assert_eq!(
            read(&text),
            Ok(vec![
                (1, vec![f("NOTE", false)]),
                (2, vec![f("", false)]),
                (3, vec![f("", true)]),
                (4, vec![f("", false)]),
            ])
        );
    }

    #[test]
    fn text_with_crlf_round_trips() {
        let text_type = NeutralType::Text {
            length: None,
            semantics: LengthSemantics::Char,
            fixed: false,
        };
        let row = [
            Value::Int(7),
            Value::Text("first line\r\nsecond line, with \"quotes\"\r\n".into()),
            Value::Text("after".into()),
        ];
        let mut out = Vec::new();
        write_row(&row, &mut out);
        write_row(&[Value::Int(8), Value::Null, Value::Null], &mut out);
        assert_eq!(
            out,
            b"7,\"first line\r\nsecond line, with \"\"quotes\"\"\r\n\",after\r\n8,,\r\n"
        );
        let mut reader = CsvReader::new(&out[..]);
        let mut record = Record::new();
        assert_eq!(reader.read_record(&mut record).ok(), Some(true));
        assert_eq!(record.line(), 1);
        let types = [
            NeutralType::Integer { bits: 64 },
            text_type.clone(),
            text_type,
        ];
        let decoded: Vec<Value<'_>> = record
            .iter()
            .zip(&types)
            .map(|((field, quoted), ty)| decode(field, quoted, ty).expect("decodes"))
            .collect();
        assert_eq!(decoded, row);
        assert_eq!(reader.read_record(&mut record).ok(), Some(true));
        assert_eq!(record.line(), 4);
        assert_eq!(record.get(0), Some((&b"8"[..], false)));
        assert_eq!(record.get(1), Some((&b""[..], false)));
        assert_eq!(record.get(3), None);
        assert_eq!(reader.read_record(&mut record).ok(), Some(false));
    }

    #[test]
    fn reads_lf_terminators_quoted_lines_and_a_last_record_without_terminator() {
        assert_eq!(
            read("a,b\n\"multi\nline\",\"q\"\"\"\nlast,"),
            Ok(vec![
                (1, vec![f("a", false), f("b", false)]),
                (2, vec![f("multi\nline", true), f("q\"", true)]),
                (4, vec![f("last", false), f("", false)]),
            ])
        );
        assert_eq!(read("\"x\""), Ok(vec![(1, vec![f("x", true)])]));
        assert_eq!(read("x\r"), Ok(vec![(1, vec![f("x", false)])]));
        assert_eq!(read(""), Ok(vec![]));
        assert_eq!(read("\r\n"), Ok(vec![(1, vec![f("", false)])]));
        assert_eq!(
            read(" a , b \r\n"),
            Ok(vec![(1, vec![f(" a ", false), f(" b ", false)])])
        );
        assert_eq!(
            read("\"a\rb\",\"\"\"\"\r\n"),
            Ok(vec![(1, vec![f("a\rb", true), f("\"", true)])])
        );
    }

    #[test]
    fn malformed_csv_is_reported_with_its_line() {
        assert_eq!(
            read("a\r\nb\"c\r\n"),
            Err(
                "line 2: a quote inside an unquoted field; a field containing a quote must be \
                 quoted as a whole, with the quote doubled"
                    .to_owned()
            )
        );
        assert_eq!(
            read("\"a\nb\"x,c\n"),
            Err(
                "line 2: 'x' after the closing quote of a field, where a comma or the end of the \
                 line must follow"
                    .to_owned()
            )
        );
        assert_eq!(
            read("\"a\" ,c\n"),
            Err(
                "line 1: byte 0x20 after the closing quote of a field, where a comma or the end \
                 of the line must follow"
                    .to_owned()
            )
        );
        assert_eq!(
            read("a\rb\n"),
            Err(
                "line 1: a carriage return outside quotes that is not followed by a line feed"
                    .to_owned()
            )
        );
        assert_eq!(
            read("ok\r\n1,\"never\r\nclosed\r\n"),
            Err(
                "the file ends inside a quoted field that starts on line 2: the part is truncated"
                    .to_owned()
            )
        );
    }

    #[test]
    fn io_errors_name_the_line() {
        struct Failing;
        impl io::Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let source = io::Read::chain(&b"a\nb\n"[..], Failing);
        let mut reader = CsvReader::new(BufReader::new(source));
        let mut record = Record::new();
        assert!(matches!(reader.read_record(&mut record), Ok(true)));
        assert!(matches!(reader.read_record(&mut record), Ok(true)));
        let err = reader.read_record(&mut record).expect_err("fails");
        assert_eq!(
            err.to_string(),
            "line 3: cannot read the file: disk on fire"
        );
    }

    #[test]
    fn record_accessors_agree() {
        let mut reader = CsvReader::new(&b"1,\"\",x\n"[..]);
        let mut record = Record::new();
        assert!(matches!(reader.read_record(&mut record), Ok(true)));
        assert_eq!(record.len(), 3);
        assert!(!record.is_empty());
        let by_index: Vec<_> = (0..record.len()).filter_map(|i| record.get(i)).collect();
        let by_iter: Vec<_> = record.iter().collect();
        assert_eq!(by_index, by_iter);
        assert_eq!(
            by_iter,
            [(&b"1"[..], false), (&b""[..], true), (&b"x"[..], false)]
        );
    }

    #[test]
    fn dates_beyond_year_9999_and_intervals_need_no_quotes() {
        let mut out = Vec::new();
        write_row(
            &[
                Value::Date(Date::new(10000, 1, 1).expect("valid")),
                Value::Interval(Interval {
                    months: -14,
                    days: 3,
                    nanos: 0,
                }),
                Value::Bytes(vec![0xde, 0xad].into()),
            ],
            &mut out,
        );
        assert_eq!(out, b"+10000-01-01,P-1Y-2M3D,dead\r\n");
    }

    fn table() -> impl Strategy<Value = (Vec<NeutralType>, Vec<Vec<Value<'static>>>, usize)> {
        proptest::collection::vec(strategies::column_type(), 1..6).prop_flat_map(|types| {
            let row: Vec<_> = types.iter().map(strategies::value_of).collect();
            (
                Just(types),
                proptest::collection::vec(row, 0..6),
                prop_oneof![Just(8192usize), 1usize..16],
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn rows_round_trip_through_csv((types, rows, capacity) in table()) {
            let names: Vec<String> = (0..types.len()).map(|i| format!("C{i}")).collect();
            let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut out = Vec::new();
            write_header(&name_refs, &mut out);
            for row in &rows {
                write_row(row, &mut out);
            }

            let mut reader = CsvReader::new(BufReader::with_capacity(capacity, &out[..]));
            let mut record = Record::new();
            prop_assert!(reader.read_record(&mut record).expect("header reads"));
            let header: Vec<&[u8]> = record.iter().map(|(name, _)| name).collect();
            let expected: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
            prop_assert_eq!(header, expected);
            for row in &rows {
                prop_assert!(reader.read_record(&mut record).expect("row reads"));
                prop_assert_eq!(record.len(), types.len());
                for ((field, quoted), (ty, value)) in record.iter().zip(types.iter().zip(row)) {
                    let back = decode(field, quoted, ty)
                        .unwrap_or_else(|e| panic!("{ty:?} {value:?}: {e}"));
                    prop_assert!(strategies::same(&back, value), "{:?} != {:?}", back, value);
                }
            }
            prop_assert!(!reader.read_record(&mut record).expect("end reads"));
        }

        #[test]
        fn any_text_round_trips_as_a_lone_field(text in strategies::text()) {
            let mut out = Vec::new();
            write_text_field(&text, &mut out);
            out.extend_from_slice(b"\r\n");
            let mut reader = CsvReader::new(&out[..]);
            let mut record = Record::new();
            prop_assert!(reader.read_record(&mut record).expect("reads"));
            let quoted = out[0] == b'"';
            prop_assert_eq!(record.get(0), Some((text.as_bytes(), quoted)));
            prop_assert_eq!(record.len(), 1);
            prop_assert!(!reader.read_record(&mut record).expect("reads"));
        }
    }
}
