use super::*;
use crate::catalog::model::{IntervalFields, LengthSemantics};
use crate::model::strategies;
use proptest::prelude::*;

fn csv(value: &Value<'_>) -> String {
    let mut out = Vec::new();
    value.write_csv(&mut out);
    String::from_utf8(out).expect("the writer writes UTF-8")
}

fn date(year: i32, month: u8, day: u8) -> Date {
    Date::new(year, month, day).expect("a valid date")
}

fn time(hour: u8, minute: u8, second: u8, nanos: u32) -> Time {
    Time::new(hour, minute, second, nanos).expect("a valid time")
}

fn datetime(d: Date, t: Time) -> DateTime {
    DateTime { date: d, time: t }
}

const TEXT: NeutralType = NeutralType::Text {
    length: None,
    semantics: LengthSemantics::Byte,
    fixed: false,
};
const BINARY: NeutralType = NeutralType::Binary {
    length: None,
    fixed: false,
};
const INTERVAL: NeutralType = NeutralType::Interval {
    fields: IntervalFields::Any,
    leading_precision: None,
    fractional_precision: None,
};
const DECIMAL: NeutralType = NeutralType::Decimal {
    precision: None,
    scale: None,
};
const TIMESTAMP_TZ: NeutralType = NeutralType::TimestampTz {
    precision: None,
    local: false,
};

const INT: NeutralType = NeutralType::Integer { bits: 64 };
const FLOAT: NeutralType = NeutralType::Float { bits: None };
const TIME: NeutralType = NeutralType::Time { precision: None };
const TIMESTAMP: NeutralType = NeutralType::Timestamp { precision: None };

fn text(t: &'static str) -> Value<'static> {
    Value::Text(t.into())
}

fn interval(months: i64, days: i64, nanos: i128) -> Value<'static> {
    Value::Interval(Interval {
        months,
        days,
        nanos,
    })
}

/// Each rule of docs/archive.md: the exact field text, the column type, and the value.
fn examples() -> Vec<(&'static str, NeutralType, Value<'static>)> {
    let noon = time(12, 0, 0, 0);
    let d = date(2024, 1, 31);
    let ts = |t| Value::TimestampTz(datetime(d, noon), t);
    let (h, m, s) = (NANOS_PER_HOUR, NANOS_PER_MINUTE, NANOS_PER_SECOND);
    vec![
        ("", NeutralType::Integer { bits: 32 }, Value::Null),
        ("", TEXT, Value::Null),
        ("\"\"", TEXT, text("")),
        ("plain", TEXT, text("plain")),
        ("in ner", TEXT, text("in ner")),
        ("\"a,b\"", TEXT, text("a,b")),
        ("\"say \"\"hi\"\"\"", TEXT, text("say \"hi\"")),
        ("\"two\r\nlines\"", TEXT, text("two\r\nlines")),
        ("\" padded\"", TEXT, text(" padded")),
        ("\"padded\t\"", TEXT, text("padded\t")),
        ("\u{e9}t\u{e9}", NeutralType::Json, text("\u{e9}t\u{e9}")),
        ("true", NeutralType::Boolean, Value::Bool(true)),
        ("false", NeutralType::Boolean, Value::Bool(false)),
        ("0", INT, Value::Int(0)),
        ("-42", NeutralType::Integer { bits: 16 }, Value::Int(-42)),
        ("-9223372036854775808", INT, Value::Int(i64::MIN)),
        ("9223372036854775807", INT, Value::Int(i64::MAX)),
        ("12.50", DECIMAL, Value::Decimal("12.50".into())),
        ("-0.001", DECIMAL, Value::Decimal("-0.001".into())),
        ("12.5", FLOAT, Value::Float(12.5)),
        ("3", FLOAT, Value::Float(3.0)),
        ("0.0000001", FLOAT, Value::Float(1e-7)),
        ("1000000000000000000000", FLOAT, Value::Float(1e21)),
        ("-0", FLOAT, Value::Float(-0.0)),
        ("Infinity", FLOAT, Value::Float(f64::INFINITY)),
        ("-Infinity", FLOAT, Value::Float(f64::NEG_INFINITY)),
        (
            "00abff",
            BINARY,
            Value::Bytes(vec![0x00, 0xab, 0xff].into()),
        ),
        ("\"\"", BINARY, Value::Bytes(Vec::new().into())),
        (
            "01",
            NeutralType::Lob {
                lob: LobKind::Binary,
            },
            Value::Bytes(vec![1].into()),
        ),
        ("2024-01-31", NeutralType::Date, Value::Date(d)),
        ("0000-01-01", NeutralType::Date, Value::Date(date(0, 1, 1))),
        (
            "0099-12-31",
            NeutralType::Date,
            Value::Date(date(99, 12, 31)),
        ),
        (
            "-0001-01-01",
            NeutralType::Date,
            Value::Date(date(-1, 1, 1)),
        ),
        (
            "-4712-01-01",
            NeutralType::Date,
            Value::Date(date(-4712, 1, 1)),
        ),
        (
            "+10000-01-01",
            NeutralType::Date,
            Value::Date(date(10000, 1, 1)),
        ),
        ("12:00:00", TIME, Value::Time(noon)),
        ("12:00:00.5", TIME, Value::Time(time(12, 0, 0, 500_000_000))),
        ("23:59:59.000000001", TIME, Value::Time(time(23, 59, 59, 1))),
        (
            "2024-01-31T08:05:03.12",
            TIMESTAMP,
            Value::Timestamp(datetime(d, time(8, 5, 3, 120_000_000))),
        ),
        ("2024-01-31T12:00:00+00:00", TIMESTAMP_TZ, ts(0)),
        (
            "2024-01-31T12:00:00+05:30",
            TIMESTAMP_TZ,
            ts(5 * 3600 + 30 * 60),
        ),
        ("2024-01-31T12:00:00-01:02:03", TIMESTAMP_TZ, ts(-3723)),
        ("2024-01-31T12:00:00-00:00:30", TIMESTAMP_TZ, ts(-30)),
        ("PT0S", INTERVAL, interval(0, 0, 0)),
        ("P1Y2M3D", INTERVAL, interval(14, 3, 0)),
        ("P-1Y-2M3D", INTERVAL, interval(-14, 3, 0)),
        ("P1Y", INTERVAL, interval(12, 0, 0)),
        (
            "P1DT4H5M6.5S",
            INTERVAL,
            interval(0, 1, 4 * h + 5 * m + 6_500_000_000),
        ),
        ("PT-1H-30M", INTERVAL, interval(0, 0, -(h + 30 * m))),
        ("P2DT-0.5S", INTERVAL, interval(0, 2, -s / 2)),
        ("PT0.000000001S", INTERVAL, interval(0, 0, 1)),
    ]
}

/// The content of a field as the CSV reader hands it over: quotes removed, `""` undoubled.
fn unquote(field: &str) -> (String, bool) {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => (inner.replace("\"\"", "\""), true),
        None => (field.to_owned(), false),
    }
}

#[test]
fn each_value_is_written_as_documented_and_decodes_back() {
    for (text, ty, value) in examples() {
        assert_eq!(csv(&value), text, "{value:?}");
        let (content, quoted) = unquote(text);
        let decoded =
            decode(content.as_bytes(), quoted, &ty).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(decoded, value, "{text}");
    }
}

#[test]
fn nan_is_written_nan_and_reads_back_as_nan() {
    assert_eq!(csv(&Value::Float(f64::NAN)), "NaN");
    let ty = NeutralType::Float { bits: Some(24) };
    assert!(matches!(decode(b"NaN", false, &ty), Ok(Value::Float(f)) if f.is_nan()));
}

#[test]
fn quoted_empty_is_empty_text_or_bytes_and_an_error_for_other_types() {
    assert_eq!(
        decode(b"", true, &NeutralType::Uuid),
        Ok(Value::Text("".into()))
    );
    assert_eq!(decode(b"", false, &NeutralType::Uuid), Ok(Value::Null));
    assert_eq!(
        decode(b"", true, &BINARY),
        Ok(Value::Bytes(Vec::new().into()))
    );
    assert_eq!(decode(b"", false, &BINARY), Ok(Value::Null));
    assert_eq!(decode(b"", false, &NeutralType::Date), Ok(Value::Null));
    let err = decode(b"", true, &NeutralType::Integer { bits: 64 }).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a 64-bit integer, found \"\" (an empty string; NULL is written as an \
         unquoted empty field)"
    );
}

#[test]
fn decode_errors_say_what_was_expected_and_show_the_text() {
    let cases: Vec<(&[u8], NeutralType, &str)> = vec![
        (
            b"2020-13-01",
            NeutralType::Date,
            "expected a date (YYYY-MM-DD), found \"2020-13-01\"",
        ),
        (
            b"2023-02-29",
            NeutralType::Date,
            "expected a date (YYYY-MM-DD), found \"2023-02-29\"",
        ),
        (
            b"yes",
            NeutralType::Boolean,
            "expected a boolean (true or false), found \"yes\"",
        ),
        (
            b"9223372036854775808",
            NeutralType::Integer { bits: 64 },
            "expected a 64-bit integer, found \"9223372036854775808\"",
        ),
        (b"1,5", DECIMAL, "expected a decimal number, found \"1,5\""),
        (
            b"inf",
            NeutralType::Float { bits: None },
            "expected a floating-point number (digits, NaN, Infinity or -Infinity), found \
             \"inf\"",
        ),
        (
            b"abc",
            BINARY,
            "expected bytes as pairs of hexadecimal digits, found \"abc\"",
        ),
        (b"\xff", TEXT, "expected UTF-8 text, found \"\u{fffd}\""),
        (
            b"24:00:00",
            NeutralType::Time { precision: None },
            "expected a time of day (HH:MM:SS[.fraction]), found \"24:00:00\"",
        ),
        (
            b"2024-01-31 12:00:00",
            NeutralType::Timestamp { precision: None },
            "expected a timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]), found \
             \"2024-01-31 12:00:00\"",
        ),
        (
            b"2024-01-31T12:00:00Z",
            TIMESTAMP_TZ,
            "expected a timestamp with an offset (YYYY-MM-DDTHH:MM:SS[.fraction]±HH:MM[:SS]), \
             found \"2024-01-31T12:00:00Z\"",
        ),
        (
            b"P1H",
            INTERVAL,
            "expected an ISO 8601 duration (e.g. P1Y2M3DT4H5M6.5S), found \"P1H\"",
        ),
        (
            b"line one\nline two, and then a great deal more text",
            NeutralType::Date,
            "expected a date (YYYY-MM-DD), found \"line one\\nline two, and then a great deal…\"",
        ),
    ];
    for (field, ty, message) in cases {
        let err = decode(field, false, &ty).expect_err(message);
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn timestamp_fields_are_strict() {
    let ts = NeutralType::Timestamp { precision: None };
    for bad in [
        "2024-01-31",
        "2024-01-31T12:00",
        "2024-01-31T12:00:00.",
        "2024-01-31T12:00:00.1234567891",
        "2024-01-31T12:00:00+00:00",
        " 2024-01-31T12:00:00",
        "24-01-31T12:00:00",
        "20240-01-31T12:00:00",
    ] {
        assert!(decode(bad.as_bytes(), false, &ts).is_err(), "{bad}");
    }
    for bad in [
        "2024-01-31T12:00:00",
        "2024-01-31T12:00:00+24:00",
        "2024-01-31T12:00:00+0100",
    ] {
        assert!(
            decode(bad.as_bytes(), false, &TIMESTAMP_TZ).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn interval_fields_reject_what_the_writer_never_writes() {
    for bad in [
        "",
        "P",
        "PT",
        "P1DT",
        "P1M1Y",
        "PT1S1M",
        "P1.5D",
        "PT1.S",
        "P--1D",
        "-P1D",
        "P1D ",
        "P1W",
        "PT1.1234567891S",
    ] {
        assert!(parse_interval(bad.as_bytes()).is_none(), "{bad}");
    }
    assert_eq!(
        parse_interval(b"P14M"),
        Some(Interval {
            months: 14,
            days: 0,
            nanos: 0
        })
    );
}

#[test]
fn intervals_at_the_limits_round_trip() {
    for iv in [
        Interval {
            months: i64::MIN,
            days: i64::MIN,
            nanos: i128::MIN,
        },
        Interval {
            months: i64::MAX,
            days: i64::MAX,
            nanos: i128::MAX,
        },
        Interval {
            months: i64::MIN,
            days: i64::MAX,
            nanos: -1,
        },
    ] {
        let text = csv(&Value::Interval(iv));
        assert_eq!(parse_interval(text.as_bytes()), Some(iv), "{text}");
    }
    assert_eq!(
        csv(&Value::Interval(Interval {
            months: 0,
            days: 0,
            nanos: i128::MAX
        })),
        "PT47261439850130342147690917H41M55.884105727S"
    );
}

#[test]
fn dates_and_times_exist_or_are_refused() {
    assert!(Date::new(2024, 2, 29).is_some());
    assert!(Date::new(2000, 2, 29).is_some());
    assert!(Date::new(0, 2, 29).is_some());
    assert!(Date::new(-4, 2, 29).is_some());
    assert!(Date::new(1900, 2, 29).is_none());
    assert!(Date::new(2023, 2, 29).is_none());
    assert!(Date::new(-1, 2, 29).is_none());
    assert!(Date::new(2024, 4, 31).is_none());
    assert!(Date::new(2024, 13, 1).is_none());
    assert!(Date::new(2024, 0, 1).is_none());
    assert!(Date::new(2024, 1, 0).is_none());
    assert!(Time::new(23, 59, 59, 999_999_999).is_some());
    assert!(Time::new(24, 0, 0, 0).is_none());
    assert!(Time::new(23, 60, 0, 0).is_none());
    assert!(Time::new(23, 59, 60, 0).is_none());
    assert!(Time::new(0, 0, 0, 1_000_000_000).is_none());
}

#[test]
fn display_is_the_archive_text() {
    let dt = datetime(date(-44, 3, 15), time(9, 30, 0, 250_000_000));
    assert_eq!(dt.to_string(), "-0044-03-15T09:30:00.25");
    assert_eq!(dt.date.to_string(), "-0044-03-15");
    assert_eq!(dt.time.to_string(), "09:30:00.25");
    let iv = Interval {
        months: 1,
        days: 0,
        nanos: NANOS_PER_SECOND,
    };
    assert_eq!(iv.to_string(), "P1MT1S");
}

#[test]
fn decimals_are_canonicalised_keeping_their_scale() {
    let cases = [
        ("0", Some("0")),
        ("12.50", Some("12.50")),
        ("-3", Some("-3")),
        ("+3", Some("3")),
        ("007", Some("7")),
        ("-007.10", Some("-7.10")),
        ("000", Some("0")),
        ("-0", Some("0")),
        ("-0.00", Some("0.00")),
        (".5", Some("0.5")),
        ("-.5", Some("-0.5")),
        ("5.", Some("5")),
        ("1.5E+3", Some("1500")),
        ("1.5e3", Some("1500")),
        ("1.50E+1", Some("15.0")),
        ("1E-3", Some("0.001")),
        ("-12.5e-4", Some("-0.00125")),
        ("0.000E+5", Some("0")),
        ("0e-2", Some("0.00")),
        ("123E0", Some("123")),
        ("", None),
        ("-", None),
        (".", None),
        ("+.", None),
        ("1e", None),
        ("1e+", None),
        ("1.2.3", None),
        (" 1", None),
        ("1 ", None),
        ("1,5", None),
        ("NaN", None),
        ("Infinity", None),
        ("0x10", None),
        ("1e150001", None),
        ("1e-99999999999999999999999", None),
    ];
    for (input, expected) in cases {
        assert_eq!(canonical_decimal(input).as_deref(), expected, "{input}");
    }
    assert!(matches!(
        canonical_decimal("-12.50"),
        Some(Cow::Borrowed("-12.50"))
    ));
    assert!(matches!(canonical_decimal("1e3"), Some(Cow::Owned(_))));
}

#[test]
fn a_decimal_field_keeps_canonical_text_and_canonicalises_other_text() {
    assert_eq!(
        decode(b"12.50", false, &DECIMAL),
        Ok(Value::Decimal("12.50".into()))
    );
    assert_eq!(
        decode(b"+1.5E+3", false, &DECIMAL),
        Ok(Value::Decimal("1500".into()))
    );
}

#[test]
fn floats_become_decimals_without_exponent() {
    assert_eq!(decimal_from_f64(1e-7).as_deref(), Some("0.0000001"));
    assert_eq!(decimal_from_f64(12.5).as_deref(), Some("12.5"));
    assert_eq!(decimal_from_f64(3.0).as_deref(), Some("3"));
    assert_eq!(decimal_from_f64(-0.0).as_deref(), Some("0"));
    assert_eq!(decimal_from_f64(0.1).as_deref(), Some("0.1"));
    assert_eq!(
        decimal_from_f64(-2.5e22).as_deref(),
        Some("-25000000000000000000000")
    );
    assert_eq!(decimal_from_f64(f64::NAN), None);
    assert_eq!(decimal_from_f64(f64::INFINITY), None);
    assert_eq!(decimal_from_f64(f64::NEG_INFINITY), None);
    let tiny = decimal_from_f64(f64::from_bits(1)).expect("finite");
    assert!(tiny.starts_with("0.000") && tiny.ends_with("5"), "{tiny}");
}

#[test]
fn source_timestamps_are_parsed_leniently() {
    let d = date(2024, 1, 31);
    let ok = [
        ("2024-01-31", datetime(d, time(0, 0, 0, 0)), None),
        ("2024-01-31 12:30", datetime(d, time(12, 30, 0, 0)), None),
        ("2024-01-31T12:30", datetime(d, time(12, 30, 0, 0)), None),
        (
            "2024-01-31 12:30:45",
            datetime(d, time(12, 30, 45, 0)),
            None,
        ),
        (
            "2024-01-31 12:30:45.1",
            datetime(d, time(12, 30, 45, 100_000_000)),
            None,
        ),
        (
            "2024-01-31 12:30:45.123456789",
            datetime(d, time(12, 30, 45, 123_456_789)),
            None,
        ),
        (
            "2024-01-31 12:30:45Z",
            datetime(d, time(12, 30, 45, 0)),
            Some(0),
        ),
        (
            "2024-01-31 12:30:45+02",
            datetime(d, time(12, 30, 45, 0)),
            Some(7200),
        ),
        (
            "2024-01-31 12:30-0530",
            datetime(d, time(12, 30, 0, 0)),
            Some(-19_800),
        ),
        (
            "2024-01-31T12:30:45+05:45",
            datetime(d, time(12, 30, 45, 0)),
            Some(20_700),
        ),
        (
            "2024-01-31T12:30:45-00:00:30",
            datetime(d, time(12, 30, 45, 0)),
            Some(-30),
        ),
        (
            "-4712-01-01",
            datetime(date(-4712, 1, 1), time(0, 0, 0, 0)),
            None,
        ),
        (
            "+10000-02-29 00:00",
            datetime(date(10000, 2, 29), time(0, 0, 0, 0)),
            None,
        ),
    ];
    for (text, dt, offset) in ok {
        assert_eq!(parse_datetime(text), Some((dt, offset)), "{text}");
    }
    for bad in [
        "",
        "2024-1-31",
        "2024-01-31 ",
        " 2024-01-31",
        "2024-01-31  12:30",
        "2024-01-31 12",
        "2024-01-31 12:30:45.",
        "2024-01-31 12:30:45.1234567890",
        "2024-01-31 24:00:00",
        "2024-01-31 12:60:00",
        "2024-01-31 12:30:60",
        "2024-01-31Z",
        "2024-01-31 12:30:45 +02:00",
        "2024-01-31 12:30:45+2",
        "2024-01-31 12:30:45+24:00",
        "2024-01-31 12:30:45+02:60",
        "2024-01-31 12:30:45z",
        "2023-02-29",
        "2024-02-30 00:00",
        "10000-01-01",
        "+999-01-01",
        "+99999999999-01-01",
        "2024/01/31",
        "31.01.2024",
    ] {
        assert_eq!(parse_datetime(bad), None, "{bad}");
    }
}

proptest! {
    #[test]
    fn decimal_from_f64_parses_back_to_the_same_float(bits in any::<u64>()) {
        let f = f64::from_bits(bits);
        match decimal_from_f64(f) {
            None => prop_assert!(!f.is_finite()),
            Some(text) => {
                prop_assert!(!text.contains(['e', 'E']), "{}", text);
                prop_assert_eq!(canonical_decimal(&text), Some(Cow::Borrowed(text.as_str())));
                let back: f64 = text.parse().expect("decimal text parses as f64");
                if f == 0.0 {
                    prop_assert_eq!(back.to_bits(), 0);
                } else {
                    prop_assert_eq!(back.to_bits(), bits);
                }
            }
        }
    }

    #[test]
    fn parse_datetime_reads_archive_timestamps(
        dt in strategies::datetime(),
        offset in strategies::offset(),
    ) {
        prop_assert_eq!(parse_datetime(&csv(&Value::Timestamp(dt))), Some((dt, None)));
        prop_assert_eq!(
            parse_datetime(&csv(&Value::TimestampTz(dt, offset))),
            Some((dt, Some(offset)))
        );
    }

    #[test]
    fn exponent_forms_canonicalise_to_the_plain_form(text in strategies::decimal()) {
        // The number is `all × 10^-scale`; both forms below keep that scale.
        let (sign, digits) = match text.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", text.as_str()),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all = format!("{int}{frac}");
        let scale = frac.len() as i64;
        for written in [
            format!("{sign}{all}E-{scale}"),
            format!("{sign}0.{all}e{:+}", all.len() as i64 - scale),
        ] {
            let canonical = canonical_decimal(&written);
            prop_assert_eq!(
                canonical.as_deref(),
                Some(text.as_str()),
                "{}",
                written
            );
        }
    }
}
